// 异常线索: the inspectors' anomaly queue (filters, level colours, paging), one anomaly with
// its evidence and its rule's documentation, and the finding: confirm with a note, or
// dismiss with a reason. Every call carries the staff token (staff.js).
import { dateTimeText, fill, h, readQuery, showMessage, startPage, writeQuery } from "./common.js";
import { lang, onLangChange } from "./i18n.js";
import { staffFetch } from "./staff.js";

const API = "/api/v1/audit";
const TEXT = {
  zh: {
    title: "异常线索", filters: "筛选", pages: "分页", all: "全部", search: "筛选",
    lead: "异常规则自动发现的线索：按级别、规则、部门、人员筛选，查看证据与规则说明，核实或排除（须说明理由）。仅纪检监察人员可用。",
    status: "状态", "status.open": "待处理", "status.confirmed": "已核实", "status.dismissed": "已排除",
    level: "级别", "level.serious": "严重", "level.warning": "警示", "level.info": "提示",
    rule: "规则", department: "部门", officer: "人员",
    "col.level": "级别", "col.rule": "规则", "col.case": "办件", "col.department": "部门",
    "col.officers": "涉及人员", "col.detected": "发现时间", "col.status": "状态",
    prev: "上一页", next: "下一页", pageInfo: "第 {page} / {pages} 页", summary: "共 {total} 条线索",
    empty: "没有符合条件的线索。", open: "查看",
    "rule.doc": "规则说明", detects: "检测内容", why: "为何重要", legalBasis: "法律依据", none: "无",
    thresholds: "阈值", evidence: "证据", findings: "处理意见", noFindings: "尚未处理。",
    "ev.version": "版本", "ev.kind": "事件", "ev.time": "时间", "ev.actor": "经办人", "ev.position": "日志位置",
    measured: "测量值", case: "办件", detectedAt: "发现时间", officers: "涉及人员", anomalyId: "线索编号",
    text: "核实说明或排除理由", confirm: "核实", dismiss: "排除",
    needReason: "排除须填写理由。", confirmed: "已核实", dismissed: "已排除",
    recorded: "已记录：{finding}。", by: "{who}（{role}），{at}",
  },
  en: {
    title: "Anomalies", filters: "Filters", pages: "Pages", all: "All", search: "Filter",
    lead: "Leads found by the anomaly rules: filter by level, rule, department and staff member, read the evidence and the rule's documentation, confirm or dismiss (with a reason). For discipline inspectors only.",
    status: "Status", "status.open": "Open", "status.confirmed": "Confirmed", "status.dismissed": "Dismissed",
    level: "Level", "level.serious": "Serious", "level.warning": "Warning", "level.info": "Info",
    rule: "Rule", department: "Department", officer: "Staff member",
    "col.level": "Level", "col.rule": "Rule", "col.case": "Case", "col.department": "Department",
    "col.officers": "Staff concerned", "col.detected": "Detected", "col.status": "Status",
    prev: "Previous", next: "Next", pageInfo: "Page {page} of {pages}", summary: "{total} anomalies",
    empty: "No anomaly matches.", open: "Open",
    "rule.doc": "The rule", detects: "Detects", why: "Why it matters", legalBasis: "Legal basis", none: "None",
    thresholds: "Thresholds", evidence: "Evidence", findings: "Findings", noFindings: "No finding yet.",
    "ev.version": "Version", "ev.kind": "Event", "ev.time": "Time", "ev.actor": "By", "ev.position": "Log position",
    measured: "Measured", case: "Case", detectedAt: "Detected", officers: "Staff concerned", anomalyId: "Anomaly",
    text: "Note (confirm) or reason (dismiss)", confirm: "Confirm", dismiss: "Dismiss",
    needReason: "A dismissal needs a reason.", confirmed: "Confirmed", dismissed: "Dismissed",
    recorded: "Recorded: {finding}.", by: "{who} ({role}), {at}",
  },
};

function say(key, vars = {}) {
  const text = TEXT[lang()][key] ?? TEXT.zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

startPage();
const filters = document.getElementById("filters");
const message = document.getElementById("message");
const summary = document.getElementById("summary");
const tbody = document.querySelector("#queue tbody");
const pageInfo = document.getElementById("page-info");
const prev = document.getElementById("prev-page");
const next = document.getElementById("next-page");
const detail = document.getElementById("detail");
const decideForm = document.getElementById("decide");
const text = document.getElementById("text");
const FIELDS = ["status", "level", "rule", "department", "officer"];

const state = { status: "open", ...readQuery([...FIELDS, "page", "anomaly"]) };
if (!new URLSearchParams(location.search).has("status")) state.status = "open";
state.page = Math.max(1, Number.parseInt(state.page, 10) || 1);
let rules = {};
let page = null;
let shown = null;

filters.addEventListener("submit", (event) => {
  event.preventDefault();
  for (const name of FIELDS) state[name] = filters.elements[name].value.trim();
  state.page = 1;
  load();
});
prev.addEventListener("click", () => { state.page -= 1; load(); });
next.addEventListener("click", () => { state.page += 1; load(); });
document.getElementById("confirm").addEventListener("click", () => decide("confirm"));
document.getElementById("dismiss").addEventListener("click", () => decide("dismiss"));
onLangChange(() => { label(); renderRules(); if (page) render(page); if (shown) show(shown); });

label();
init();

function label() {
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = say(el.dataset.t);
  for (const el of document.querySelectorAll("[data-t-label]")) el.setAttribute("aria-label", say(el.dataset.tLabel));
  document.title = `${say("title")} · casetrail`;
}

async function init() {
  showMessage(message, "");
  try {
    const catalogue = await staffFetch(`${API}/anomaly-rules`);
    rules = Object.fromEntries(catalogue.rules.map((rule) => [rule.code, rule]));
  } catch (error) {
    fail(error);
    return;
  }
  renderRules();
  for (const name of FIELDS) filters.elements[name].value = state[name] ?? "";
  await load();
  if (state.anomaly) await open(state.anomaly);
}

function renderRules() {
  const select = filters.elements.rule;
  const chosen = select.value || state.rule;
  fill(select, h("option", { value: "" }, say("all")), Object.values(rules).map((rule) =>
    h("option", { value: rule.code }, `${rule.code} ${rule.title[lang()] ?? rule.title.zh}`)));
  select.value = chosen ?? "";
}

function fail(error) {
  showMessage(message, error.message);
  if (error.status === 401) init(); // the refused token is forgotten: ask for another
}

async function load() {
  writeQuery({ ...Object.fromEntries(FIELDS.map((name) => [name, state[name]])), page: state.page > 1 ? state.page : "" });
  const params = new URLSearchParams();
  for (const name of [...FIELDS, "page"]) if (state[name]) params.set(name, state[name]);
  try {
    page = await staffFetch(`${API}/anomalies?${params}`);
  } catch (error) {
    fail(error);
    return;
  }
  render(page);
}

function levelBadge(level) {
  return h("span", { class: `badge level-${level}` }, say(`level.${level}`));
}

function statusBadge(status) {
  return h("span", { class: `badge anomaly-${status}` }, say(`status.${status}`));
}

function ruleTitle(code) {
  const rule = rules[code];
  return rule ? `${code} ${rule.title[lang()] ?? rule.title.zh}` : code;
}

function render(body) {
  const pages = Math.max(1, Math.ceil(body.total / body.page_size));
  summary.textContent = say("summary", { total: body.total });
  pageInfo.textContent = say("pageInfo", { page: body.page, pages });
  prev.disabled = body.page <= 1;
  next.disabled = body.page >= pages;
  if (!body.items.length) {
    fill(tbody, h("tr", {}, h("td", { colspan: 7, class: "empty" }, say("empty"))));
    return;
  }
  fill(tbody, body.items.map((item) => h("tr", { class: `level-${item.level}`, dataset: { anomaly: item.anomaly_id } },
    h("td", {}, levelBadge(item.level)),
    h("td", {}, h("button", { type: "button", class: "link", onclick: () => open(item.anomaly_id) }, ruleTitle(item.rule))),
    h("td", { class: "mono" }, item.case_no),
    h("td", {}, item.department),
    h("td", {}, item.officers.join("、")),
    h("td", { class: "date" }, dateTimeText(item.detected_at)),
    h("td", {}, statusBadge(item.status)),
  )));
}

async function open(id) {
  try {
    shown = await staffFetch(`${API}/anomalies/${encodeURIComponent(id)}`);
  } catch (error) {
    fail(error);
    return;
  }
  state.anomaly = id;
  writeQuery({ anomaly: id });
  show(shown);
  detail.hidden = false;
  detail.scrollIntoView({ block: "start" });
}

function facts(el, pairs) {
  fill(el, pairs.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
}

function plain(value) {
  if (value === null || value === undefined || value === "") return say("none");
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function show(anomaly) {
  const doc = anomaly.rule_doc;
  fill(document.getElementById("detail-title"), levelBadge(anomaly.level), " ", ruleTitle(anomaly.rule), " ", statusBadge(anomaly.status));
  facts(document.getElementById("detail-facts"), [
    [say("anomalyId"), h("span", { class: "mono" }, anomaly.anomaly_id)],
    [say("case"), h("span", { class: "mono" }, anomaly.case_no)],
    [say("department"), anomaly.department],
    [say("officers"), anomaly.officers.join("、") || say("none")],
    [say("detectedAt"), dateTimeText(anomaly.detected_at)],
  ]);
  facts(document.getElementById("rule-doc"), doc ? [
    [say("detects"), doc.documentation.detects],
    [say("why"), doc.documentation.why],
    [say("legalBasis"), doc.documentation.legal_basis ?? say("none")],
    [say("thresholds"), Object.entries(anomaly.evidence.thresholds).map(([k, v]) => `${k} = ${plain(v)}`).join("；")],
  ] : []);
  fill(document.querySelector("#evidence tbody"), anomaly.evidence.events.map((event) => h("tr", {},
    h("td", { class: "num" }, event.version),
    h("td", {}, event.kind),
    h("td", { class: "date" }, dateTimeText(event.time)),
    h("td", {}, event.actor),
    h("td", { class: "num" }, event.position),
  )));
  facts(document.getElementById("measured"), Object.entries(anomaly.evidence.measured).map(([k, v]) => [k, plain(v)]));
  fill(document.getElementById("findings"), anomaly.findings.length
    ? anomaly.findings.map((f) => h("li", {}, h("strong", {}, say(f.finding)), "：", f.text || say("none"), " — ",
      say("by", { who: f.by, role: f.role, at: dateTimeText(f.at) })))
    : h("li", {}, say("noFindings")));
  decideForm.hidden = anomaly.status !== "open";
}

async function decide(finding) {
  const words = text.value.trim();
  if (finding === "dismiss" && !words) {
    showMessage(message, say("needReason"));
    text.focus();
    return;
  }
  const body = finding === "confirm" ? { note: words } : { reason: words };
  try {
    await staffFetch(`${API}/anomalies/${encodeURIComponent(shown.anomaly_id)}/${finding}`, { method: "POST", body });
  } catch (error) {
    fail(error);
    return;
  }
  text.value = "";
  const status = finding === "confirm" ? "confirmed" : "dismissed";
  showMessage(message, say("recorded", { finding: say(status) }), "info");
  for (let tries = 0; tries < 40 && shown.status !== status; tries += 1) {
    await new Promise((resolve) => setTimeout(resolve, 250)); // the queue is a projection
    shown = await staffFetch(`${API}/anomalies/${encodeURIComponent(shown.anomaly_id)}`);
  }
  show(shown);
  await load();
}
