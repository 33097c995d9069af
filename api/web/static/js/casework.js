// What the staff's supervision pages share (电子监察 board, department page, work queue):
// their strings, a case's light as a colour dot with its word, the days remaining or
// overdue in the limit's unit, the paused state, and the export buttons.
import { dateText, h, showMessage } from "./common.js";
import { addStrings, t } from "./i18n.js";
import { staffDownload } from "./staff.js";

addStrings({
  zh: {
    "sv.navLabel": "电子监察", "sv.navBoard": "监察看板", "sv.navQueue": "我的待办",
    "sv.title": "电子监察", "sv.filters": "筛选", "sv.filter": "筛选", "sv.counts": "各灯数量",
    "sv.lead": "在办件的红黄绿灯、承诺期限、剩余或超期天数和暂停情况，每 15 秒自动刷新。筛选条件保存在地址中，可收藏。",
    "sv.item": "事项编码", "sv.light": "灯", "sv.officer": "承办人",
    "sv.exportCsv": "导出 CSV", "sv.exportXlsx": "导出 Excel", "sv.exported": "已导出 {name}。",
    "sv.col.light": "灯", "sv.col.case": "办件编号", "sv.col.item": "事项", "sv.col.department": "部门",
    "sv.col.officer": "承办人", "sv.col.deadline": "承诺期限", "sv.col.days": "剩余 / 超期", "sv.col.paused": "暂停",
    "sv.col.status": "状态", "sv.col.step": "当前步骤",
    "sv.summary": "共 {total} 件在办，更新于 {at}", "sv.empty": "没有符合条件的在办件。",
    "sv.unassigned": "未分配",
    "light.green": "绿灯·正常", "light.yellow": "黄灯·预警", "light.red": "红灯·超期", "light.none": "—",
    "days.left.G": "剩余 {days} 个工作日", "days.left.Z": "剩余 {days} 天",
    "days.over.G": "超期 {days} 个工作日", "days.over.Z": "超期 {days} 天", "days.today": "今天到期",
    "days.left.G.one": "剩余 1 个工作日", "days.left.Z.one": "剩余 1 天", "days.over.G.one": "超期 1 个工作日", "days.over.Z.one": "超期 1 天",
    "pause.since": "{kind}，自 {since} 起（{days} 天）", "pause.suspended": "中止",
    "pause.supplement_requested": "补正材料", "pause.special_procedure_started": "特别程序",
  },
  en: {
    "sv.navLabel": "Supervision", "sv.navBoard": "Supervision board", "sv.navQueue": "My work queue",
    "sv.title": "Supervision board", "sv.filters": "Filters", "sv.filter": "Filter", "sv.counts": "Cases per light",
    "sv.lead": "Open cases with their light, promised deadline, days remaining or overdue and paused state, refreshed every 15 seconds. The filters stay in the address, so a board can be bookmarked.",
    "sv.item": "Item code", "sv.light": "Light", "sv.officer": "Officer",
    "sv.exportCsv": "Export CSV", "sv.exportXlsx": "Export Excel", "sv.exported": "Exported {name}.",
    "sv.col.light": "Light", "sv.col.case": "Case no.", "sv.col.item": "Item", "sv.col.department": "Department",
    "sv.col.officer": "Officer", "sv.col.deadline": "Promised deadline", "sv.col.days": "Remaining / overdue", "sv.col.paused": "Paused",
    "sv.col.status": "Status", "sv.col.step": "Current step",
    "sv.summary": "{total} open cases, updated {at}", "sv.empty": "No open case matches.",
    "sv.unassigned": "Unassigned",
    "light.green": "Green · on time", "light.yellow": "Yellow · warning", "light.red": "Red · overdue", "light.none": "—",
    "days.left.G": "{days} working days left", "days.left.Z": "{days} days left",
    "days.over.G": "{days} working days overdue", "days.over.Z": "{days} days overdue", "days.today": "Due today",
    "days.left.G.one": "1 working day left", "days.left.Z.one": "1 day left", "days.over.G.one": "1 working day overdue", "days.over.Z.one": "1 day overdue",
    "pause.since": "{kind} since {since} ({days} days)", "pause.suspended": "Suspended",
    "pause.supplement_requested": "Awaiting supplement", "pause.special_procedure_started": "Special procedure",
  },
});

export const LIGHTS = ["red", "yellow", "green"];

/** A case's light: a coloured dot and its word (never the colour alone). */
export function lightBadge(light) {
  if (!LIGHTS.includes(light)) return t("light.none");
  return h("span", { class: `light light-${light}` },
    h("span", { class: "dot", "aria-hidden": "true" }), t(`light.${light}`));
}

/** "剩余 3 个工作日" / "超期 2 天" / "今天到期" from the days remaining (negative: overdue). */
export function daysText(days, unit) {
  if (days === null || days === undefined || !unit) return "—";
  if (days === 0) return t("days.today");
  const key = `${days > 0 ? "days.left" : "days.over"}.${unit}`;
  return t(Math.abs(days) === 1 ? `${key}.one` : key, { days: Math.abs(days) });
}

/** The days cell: its text, marked overdue (red) or due soon (within 1 day). */
export function daysCell(days, unit) {
  const state = days === null || days === undefined ? "" : days < 0 ? "overdue" : days <= 1 ? "due-soon" : "";
  return h("td", { class: `num days ${state}`.trim() }, daysText(days, unit));
}

/** A row's pause: "中止，自 2025-03-04起（5 天）", or "—" for a running clock. */
export function pausedText(row) {
  if (!row.paused) return "—";
  const kind = String(row.pause_kind ?? "").split(":")[0];
  return t("pause.since", { kind: kind ? t(`pause.${kind}`) : "", since: dateText(row.paused_since), days: row.paused_days ?? 0 });
}

/** Wire an export button: download ``path()`` (the current filter) as ``name``; a refusal
 * goes to ``box``. */
export function exportButton(button, box, path, name) {
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      showMessage(box, t("sv.exported", { name: await staffDownload(path(), name()) }), "info");
    } catch (error) {
      showMessage(box, error.message);
    } finally {
      button.disabled = false;
    }
  });
}
