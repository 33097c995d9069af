// 我的待办: the caller's queue (assigned to me, waiting for my step, opinions my department
// owes) and their department's (unassigned, due soon), each case linked to its page.
// Staff token: staff.js; a refused token shows the problem's detail and nothing else.
import { dateText, fill, h, showMessage, startPage } from "./common.js";
import { daysCell, lightBadge, pausedText } from "./casework.js";
import { addStrings, onLangChange, t } from "./i18n.js";
import { staffFetch } from "./staff.js";

addStrings({
  zh: {
    "queue.title": "我的待办", "queue.lead": "分配给我的办件、等待我办理的步骤、本部门待出具的意见，以及本部门未分配和即将到期的办件。",
    "queue.who": "{user}（{role}，{department}），{day}", "queue.empty": "没有办件。", "queue.more": "另有 {more} 件未列出。",
    "queue.assigned": "分配给我的", "queue.steps": "等待我办理的步骤", "queue.opinions": "本部门待出具的意见",
    "queue.unassigned": "本部门未分配", "queue.awaiting_acceptance": "本部门待受理", "queue.due_soon": "本部门 {days} 日内到期或已超期",
  },
  en: {
    "queue.title": "My work queue", "queue.lead": "Cases assigned to me, steps waiting for me, opinions my department owes, and my department's unassigned cases and cases due soon.",
    "queue.who": "{user} ({role}, {department}), {day}", "queue.empty": "No case.", "queue.more": "{more} more not listed.",
    "queue.assigned": "Assigned to me", "queue.steps": "Waiting for my step", "queue.opinions": "Opinions my department owes",
    "queue.unassigned": "Unassigned in my department", "queue.awaiting_acceptance": "Awaiting acceptance in my department",
    "queue.due_soon": "Due within {days} days or overdue in my department",
  },
});

const MINE = ["assigned", "steps", "opinions"];
const DEPARTMENT = ["unassigned", "awaiting_acceptance", "due_soon"];

startPage();
const message = document.getElementById("message");
const who = document.getElementById("who");
const box = document.getElementById("queues");
let shown = null;

onLangChange(() => shown && render(shown));
load();

async function load() {
  try {
    const mine = await staffFetch("/api/v1/staff/queue");
    const department = await staffFetch(`/api/v1/staff/departments/${encodeURIComponent(mine.department)}/queue`);
    shown = { mine, department };
  } catch (error) {
    shown = null;
    fill(box);
    who.textContent = "";
    showMessage(message, error.message);
    if (error.status === 401) load(); // the refused token is forgotten: ask for another
    return;
  }
  showMessage(message, "");
  render(shown);
}

function render({ mine, department }) {
  who.textContent = t("queue.who", { user: mine.officer, role: mine.role, department: mine.department, day: mine.as_of });
  fill(box,
    MINE.map((name) => queue(name, mine[name])),
    DEPARTMENT.map((name) => queue(name, department[name], { days: department.due_within_days })));
}

function queue(name, section, vars = {}) {
  const title = `queue-${name}`;
  const cases = section.items;
  return h("section", { class: "card queue", id: name, "aria-labelledby": title },
    h("h2", { id: title }, t(`queue.${name}`, vars), " ", h("span", { class: "badge count" }, String(section.total))),
    section.total > cases.length && h("p", { class: "hint" }, t("queue.more", { more: section.total - cases.length })),
    cases.length ? h("div", { class: "table-wrap", tabindex: 0, role: "region", "aria-labelledby": title },
      h("table", { class: "data" },
        h("thead", {}, h("tr", {}, ["sv.col.light", "sv.col.case", "sv.col.item", "sv.col.officer", "sv.col.step",
          "sv.col.deadline", "sv.col.days", "sv.col.paused"].map((key) => h("th", { scope: "col" }, t(key))))),
        h("tbody", {}, cases.map(row))))
      : h("p", { class: "hint" }, t("queue.empty")));
}

function row(item) {
  return h("tr", { dataset: { caseNo: item.case_no } },
    h("td", { class: "nowrap" }, lightBadge(item.light)),
    h("td", { class: "mono" }, h("a", { href: `/staff/cases/${encodeURIComponent(item.case_no)}` }, item.case_no)),
    h("td", {}, item.item_name),
    h("td", {}, item.assignee ?? t("sv.unassigned")),
    h("td", {}, item.current_step ?? (item.opinions_owed.length ? item.opinions_owed.join("、") : "—")),
    h("td", { class: "date" }, dateText(item.promised_deadline)),
    daysCell(item.days_remaining, item.unit),
    h("td", {}, pausedText(item)));
}
