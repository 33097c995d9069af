// 办件详情 for staff: one case as the supervision view holds it — its light, both clocks,
// pause, steps, the sweeper's active alerts and the handling counts — found by its number
// through the staff search (the caller's own department for officers and approvers).
import { dateText, departments, fill, h, showMessage, startPage } from "./common.js";
import { daysText, lightBadge, pausedText } from "./casework.js";
import { addStrings, onLangChange, t } from "./i18n.js";
import { staffFetch } from "./staff.js";

addStrings({
  zh: {
    "case.title": "办件详情", "case.steps": "办理步骤", "case.alerts": "监察提醒（有效）", "case.step": "步骤", "case.role": "岗位",
    "case.completedOn": "完成日期", "case.alert": "提醒", "case.deadline": "所涉期限", "case.raisedOn": "发出日期",
    "case.notFound": "没有找到办件 {caseNo}，或无权查看。", "case.none": "无",
    "case.item": "事项", "case.department": "部门", "case.assignee": "承办人", "case.status": "状态", "case.channel": "渠道",
    "case.submitted": "收件日期", "case.accepted": "受理日期", "case.promised": "承诺期限", "case.remaining": "剩余 / 超期",
    "case.statutory": "法定期限", "case.paused": "暂停", "case.extension": "延期", "case.counts": "退回 / 中止 / 延期 / 补正告知",
    "case.limit": "{deadline}（{days} {unit}）", "case.opinions": "待出具意见部门",
    "step.pending": "未开始", "step.current": "办理中", "step.completed": "已完成", "step.skipped": "已跳过",
    "role.clerk": "窗口", "role.officer": "承办", "role.approver": "审批",
    "st.submitted": "已收件", "st.awaiting_supplement": "待补正", "st.in_review": "办理中", "st.decided": "已决定",
    "st.completed": "已办结", "st.not_accepted": "不予受理", "st.withdrawn": "已撤回", "st.terminated": "已终止", "st.forwarded": "已转办",
    "alert.deadline_warning_raised": "承诺时限预警", "alert.deadline_breached": "超过承诺时限",
    "alert.statutory_limit_breached": "超过法定时限", "alert.special_procedure_overdue": "特别程序超期",
    "alert.step_limit_overrun": "环节超时", "alert.rectification_overdue": "差评整改逾期",
  },
  en: {
    "case.title": "Case", "case.steps": "Handling steps", "case.alerts": "Active supervision alerts", "case.step": "Step", "case.role": "Role",
    "case.completedOn": "Completed on", "case.alert": "Alert", "case.deadline": "Deadline", "case.raisedOn": "Raised on",
    "case.notFound": "No case {caseNo}, or not yours to read.", "case.none": "None",
    "case.item": "Item", "case.department": "Department", "case.assignee": "Officer", "case.status": "Status", "case.channel": "Channel",
    "case.submitted": "Received on", "case.accepted": "Accepted on", "case.promised": "Promised deadline", "case.remaining": "Remaining / overdue",
    "case.statutory": "Statutory deadline", "case.paused": "Paused", "case.extension": "Extension", "case.counts": "Returns / suspensions / extensions / supplement notices",
    "case.limit": "{deadline} ({days} {unit})", "case.opinions": "Opinions owed by",
    "step.pending": "Pending", "step.current": "Current", "step.completed": "Completed", "step.skipped": "Skipped",
    "role.clerk": "Window", "role.officer": "Officer", "role.approver": "Approver",
    "st.submitted": "Received", "st.awaiting_supplement": "Awaiting supplement", "st.in_review": "In review", "st.decided": "Decided",
    "st.completed": "Completed", "st.not_accepted": "Not accepted", "st.withdrawn": "Withdrawn", "st.terminated": "Terminated", "st.forwarded": "Forwarded",
    "alert.deadline_warning_raised": "Deadline warning", "alert.deadline_breached": "Promised deadline passed",
    "alert.statutory_limit_breached": "Statutory limit passed", "alert.special_procedure_overdue": "Special procedure overdue",
    "alert.step_limit_overrun": "Step over its limit", "alert.rectification_overdue": "Rectification overdue",
  },
});

startPage();
const caseNo = decodeURIComponent(location.pathname.split("/").pop());
const message = document.getElementById("message");
const section = document.getElementById("case");
let shown = null;
let names = {};

document.getElementById("case-no").textContent = caseNo;
onLangChange(() => shown && render(shown));
load();

async function load() {
  let page;
  try {
    page = await staffFetch(`/api/v1/staff/cases?q=${encodeURIComponent(caseNo)}&page_size=5`);
  } catch (error) {
    showMessage(message, error.message);
    if (error.status === 401) load(); // the refused token is forgotten: ask for another
    return;
  }
  shown = page.items.find((row) => row.case_no === caseNo) ?? null;
  if (!shown) {
    showMessage(message, t("case.notFound", { caseNo }));
    return;
  }
  names = await departments();
  section.hidden = false;
  render(shown);
}

function limit(deadline, days, unit) {
  if (!deadline) return "—";
  return unit ? t("case.limit", { deadline: dateText(deadline), days, unit: t(`unit.short.${unit}`) }) : dateText(deadline);
}

function render(row) {
  fill(document.getElementById("case-light"), lightBadge(row.light));
  const facts = [
    ["case.item", `${row.item_name}（${row.item_code}）`],
    ["case.department", names[row.department] ? `${names[row.department]}（${row.department}）` : row.department],
    ["case.assignee", row.assignee ?? t("sv.unassigned")],
    ["case.status", t(`st.${row.status}`)],
    ["case.submitted", dateText(row.submitted_on)],
    ["case.accepted", dateText(row.accepted_on)],
    ["case.promised", limit(row.promised_deadline, row.promised_days + row.extension_days, row.unit)],
    ["case.remaining", daysText(row.days_remaining, row.unit)],
    ["case.statutory", limit(row.statutory_deadline, row.statutory_days, row.statutory_unit)],
    ["case.paused", pausedText(row)],
    ["case.opinions", row.opinions_owed.join("、") || t("case.none")],
    ["case.counts", [row.returns, row.suspensions, row.extensions, row.supplement_notices].join(" / ")],
  ];
  fill(document.getElementById("facts"), facts.flatMap(([key, value]) => [h("dt", {}, t(key)), h("dd", { dataset: { fact: key.slice(5) } }, value)]));
  fill(document.querySelector("#steps tbody"), row.steps.length
    ? row.steps.map((step) => h("tr", { class: `step-${step.status}` },
      h("th", { scope: "row" }, step.name), h("td", {}, t(`role.${step.role}`)),
      h("td", {}, t(`step.${step.status}`)), h("td", { class: "date" }, dateText(step.completed_on))))
    : h("tr", {}, h("td", { colspan: 4, class: "empty" }, t("case.none"))));
  fill(document.querySelector("#alerts tbody"), row.alerts.length
    ? row.alerts.map((alert) => h("tr", { dataset: { alert: alert.kind } },
      h("td", {}, t(`alert.${alert.kind}`)), h("td", { class: "date" }, dateText(alert.deadline)),
      h("td", { class: "date" }, dateText(alert.raised_on))))
    : h("tr", {}, h("td", { colspan: 3, class: "empty" }, t("case.none"))));
}
