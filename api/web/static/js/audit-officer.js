// 人员履职轨迹: one officer's actions across cases in a period, counted by event type (an
// ECharts bar chart and a table), the cases touched and the actions themselves, paged.
// Every read names its case file.
import { dateTimeText, fill, h, readQuery, showMessage, startPage, writeQuery } from "./common.js";
import { onLangChange, t } from "./i18n.js";
import { staffFetch } from "./staff.js";
import { auditPath, dayStart, eventDetails, kind } from "./trail.js";

const PAGE_SIZE = 20;
startPage();
const form = document.getElementById("officer-form");
const fields = {
  officer: document.getElementById("officer"),
  from: document.getElementById("from"),
  to: document.getElementById("to"),
};
const fileInput = document.getElementById("case-file");
const message = document.getElementById("officer-message");
const section = document.getElementById("officer-result");
const summary = document.getElementById("officer-summary");
const typesBody = document.querySelector("#types-table tbody");
const casesBody = document.querySelector("#cases-table tbody");
const actions = document.getElementById("actions");
const prev = document.getElementById("prev-page");
const next = document.getElementById("next-page");
const pageInfo = document.getElementById("page-info");
const note = document.getElementById("charts-note");
const chartBox = document.getElementById("chart-types");

const echarts = window.echarts;
const chart = echarts ? echarts.init(chartBox, null, { renderer: "canvas" }) : null;
if (!chart) {
  note.hidden = false;
  chartBox.hidden = true;
} else {
  window.addEventListener("resize", () => chart.resize());
}

const state = { ...readQuery(["officer", "from", "to"]), page: 1, caseFile: "" };
let last = null;
for (const [name, input] of Object.entries(fields)) input.value = state[name];

form.addEventListener("submit", (event) => {
  event.preventDefault();
  for (const [name, input] of Object.entries(fields)) state[name] = input.value.trim();
  state.caseFile = fileInput.value.trim();
  if (!state.officer || !state.caseFile) {
    showMessage(message, t("auditOfficer.required"));
    return;
  }
  state.page = 1;
  load();
});
prev.addEventListener("click", () => { state.page -= 1; load(); });
next.addEventListener("click", () => { state.page += 1; load(); });
onLangChange(() => last && render(last));

async function load() {
  writeQuery({ officer: state.officer, from: state.from, to: state.to });
  form.setAttribute("aria-busy", "true");
  try {
    last = await staffFetch(auditPath(`officers/${encodeURIComponent(state.officer)}/trail`, {
      from: dayStart(state.from),
      to: dayStart(state.to, 1),
      page: state.page,
      page_size: PAGE_SIZE,
      case_file: state.caseFile,
    }));
    showMessage(message, "");
    render(last);
  } catch (error) {
    last = null;
    section.hidden = true;
    showMessage(message, error.message);
  } finally {
    form.removeAttribute("aria-busy");
  }
}

function render(trail) {
  section.hidden = false;
  summary.textContent = t("auditOfficer.summary", {
    officer: trail.officer, total: trail.total, cases: trail.cases.length,
  });
  const types = Object.entries(trail.by_type);
  fill(typesBody, types.length
    ? types.map(([type, count]) => h("tr", { dataset: { type } },
      h("th", { scope: "row", class: "mono", title: type }, kind(type)),
      h("td", { class: "num" }, count)))
    : h("tr", {}, h("td", { colspan: 2, class: "empty" }, t("audit.none"))));
  fill(casesBody, trail.cases.length
    ? trail.cases.map((c) => h("tr", { dataset: { caseNo: c.case_no } },
      h("td", { class: "mono" }, h("a", { href: `/audit/cases?case=${encodeURIComponent(c.case_no ?? c.case_id)}` }, c.case_no ?? c.case_id)),
      h("td", {}, c.department ?? "—"),
      h("td", { class: "num" }, c.events),
      h("td", { class: "date" }, dateTimeText(c.last_at))))
    : h("tr", {}, h("td", { colspan: 4, class: "empty" }, t("audit.none"))));
  fill(actions, trail.items.map((event) => h("li", {},
    h("span", { class: "mono" }, event.case_no ?? event.stream), " ", eventDetails(event))));
  const pages = Math.max(1, Math.ceil(trail.total / trail.page_size));
  pageInfo.textContent = t("pager.info", { page: trail.page, pages });
  prev.disabled = trail.page <= 1;
  next.disabled = trail.page >= pages;
  draw(types);
}

function draw(types) {
  if (!chart) return;
  chart.setOption({
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: types.map(([type]) => kind(type)), inverse: true },
    series: [{ type: "bar", data: types.map(([, count]) => count), itemStyle: { color: "#0b57a4" } }],
    tooltip: { trigger: "axis" },
    aria: { enabled: true },
  }, true);
  document.body.dataset.chartReady = "true";
}
