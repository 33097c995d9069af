// 部门效能: one department's KPIs as tiles, and ECharts charts (ageing histogram, on-time
// trend by week or month, officer ranking) with the same figures in tables, for screen
// readers and alone when ECharts is missing; its open cases exported as CSV or XLSX.
import { departments, fill, h, number, percent, showMessage, startPage } from "./common.js";
import { exportButton } from "./casework.js";
import { addStrings, onLangChange, t } from "./i18n.js";
import { staffFetch } from "./staff.js";

addStrings({
  zh: {
    "dept.title": "部门效能", "dept.kpis": "关键指标", "dept.noCharts": "图表组件未能加载，数据见下表。",
    "dept.lead": "本部门的在办量、超期与预警、按时办结率、办理用时、退回、中止、延期和差评整改；办件时长分布、按时办结率趋势和承办人排名。",
    "dept.ageing": "在办件时长分布", "dept.ranking": "承办人排名（按时办结率）", "dept.trend": "按时办结率趋势",
    "dept.period": "周期", "dept.weeks": "按周", "dept.months": "按月", "dept.officers": "承办人", "dept.trendTable": "趋势数据表",
    "dept.col.bucket": "已用时长", "dept.col.cases": "件数", "dept.col.rank": "名次", "dept.col.backlog": "在办",
    "dept.col.closed": "办结", "dept.col.onTime": "按时办结率", "dept.col.median": "用时中位数", "dept.col.overdue": "超期在办",
    "dept.col.period": "周期", "dept.col.onTimeCount": "按时办结", "dept.empty": "暂无数据。",
    "kpi.backlog": "在办", "kpi.red": "红灯（超期）", "kpi.yellow": "黄灯（预警）", "kpi.paused": "暂停计时",
    "kpi.throughput": "办结", "kpi.on_time_rate": "按时办结率", "kpi.median_days_used": "用时中位数",
    "kpi.p90_days_used": "用时 90 分位", "kpi.returns": "退回", "kpi.suspensions": "中止", "kpi.extensions": "延期",
    "kpi.poor_ratings": "差评", "kpi.rectified": "差评已整改",
  },
  en: {
    "dept.title": "Department performance", "dept.kpis": "Key figures", "dept.noCharts": "The charts could not be loaded; the tables below hold every figure.",
    "dept.lead": "The department's backlog, overdue and warned cases, on-time rate, days used, returns, suspensions, extensions and poor ratings with their rectification; the ageing of open cases, the on-time trend and the officers' ranking.",
    "dept.ageing": "Ageing of open cases", "dept.ranking": "Officers by on-time rate", "dept.trend": "On-time rate trend",
    "dept.period": "Period", "dept.weeks": "Weekly", "dept.months": "Monthly", "dept.officers": "Officers", "dept.trendTable": "Trend table",
    "dept.col.bucket": "Days used", "dept.col.cases": "Cases", "dept.col.rank": "Rank", "dept.col.backlog": "Open",
    "dept.col.closed": "Closed", "dept.col.onTime": "On-time rate", "dept.col.median": "Median days used", "dept.col.overdue": "Open overdue",
    "dept.col.period": "Period", "dept.col.onTimeCount": "On time", "dept.empty": "No data yet.",
    "kpi.backlog": "Open", "kpi.red": "Red (overdue)", "kpi.yellow": "Yellow (warning)", "kpi.paused": "Clock paused",
    "kpi.throughput": "Closed", "kpi.on_time_rate": "On-time rate", "kpi.median_days_used": "Median days used",
    "kpi.p90_days_used": "90th percentile days used", "kpi.returns": "Returns", "kpi.suspensions": "Suspensions", "kpi.extensions": "Extensions",
    "kpi.poor_ratings": "Poor ratings", "kpi.rectified": "Poor ratings rectified",
  },
});

const COLORS = ["#1f5fa8", "#d9822b", "#2e8540", "#b3261e"];
const KPIS = [
  ["backlog", String], ["red", String], ["yellow", String], ["paused", String], ["throughput", String],
  ["on_time_rate", percent], ["median_days_used", number], ["p90_days_used", number],
  ["returns", String], ["suspensions", String], ["extensions", String], ["poor_ratings", String], ["rectified", String],
];

startPage();
const code = decodeURIComponent(location.pathname.split("/").pop());
const message = document.getElementById("message");
const section = document.getElementById("department");
const note = document.getElementById("charts-note");
const chartsBox = document.getElementById("charts");
const periodButtons = [...document.querySelectorAll("[data-period]")];
const echarts = window.echarts;
const charts = {};
let period = new URLSearchParams(location.search).get("period") === "weeks" ? "weeks" : "months";
let shown = null;
let name = code;

if (!echarts) {
  note.hidden = false;
  chartsBox.hidden = true;
}
for (const button of periodButtons) {
  button.addEventListener("click", () => {
    period = button.dataset.period;
    if (shown) draw(shown);
  });
}
document.getElementById("board-link").href = `/supervision?department=${encodeURIComponent(code)}`;
const exportPath = (format) => `/api/v1/supervision/cases?department=${encodeURIComponent(code)}&format=${format}`;
exportButton(document.getElementById("export-csv"), message, () => exportPath("csv"), () => `supervision-${code}.csv`);
exportButton(document.getElementById("export-xlsx"), message, () => exportPath("xlsx"), () => `supervision-${code}.xlsx`);
onLangChange(() => shown && draw(shown));

load();

async function load() {
  name = (await departments())[code] ?? code;
  document.getElementById("department-name").textContent = `${name}（${code}）`;
  try {
    shown = await staffFetch(`/api/v1/supervision/departments/${encodeURIComponent(code)}`);
  } catch (error) {
    showMessage(message, error.message);
    if (error.status === 401) load(); // the refused token is forgotten: ask for another
    return;
  }
  section.hidden = false;
  if (echarts) {
    for (const chart of ["ageing", "ranking", "trend"]) {
      charts[chart] = echarts.init(document.getElementById(`chart-${chart}`), null, { renderer: "canvas" });
    }
    window.addEventListener("resize", () => Object.values(charts).forEach((chart) => chart.resize()));
  }
  draw(shown);
  document.body.dataset.ready = "true";
}

function draw(body) {
  for (const button of periodButtons) button.setAttribute("aria-pressed", String(button.dataset.period === period));
  const kpis = body.kpis;
  fill(document.getElementById("kpis"), KPIS.filter(([key]) => key in kpis).map(([key, format]) =>
    h("li", { class: "kpi", dataset: { kpi: key } },
      h("span", { class: "kpi-label" }, t(`kpi.${key}`)),
      h("strong", { class: "kpi-value" }, format(kpis[key])))));
  const ageing = body.ageing;
  const officers = body.officers;
  const trend = body.trends[period];
  tables(ageing, officers, trend);
  if (!echarts) return;
  charts.ageing.setOption(base({
    xAxis: { type: "category", data: ageing.map((bucket) => bucket.label) },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ name: t("dept.col.cases"), type: "bar", data: ageing.map((bucket) => bucket.count), barMaxWidth: 36 }],
  }), true);
  const ranked = [...officers].reverse();
  charts.ranking.getDom().style.height = `${Math.max(260, officers.length * 34 + 90)}px`;
  charts.ranking.resize();
  charts.ranking.setOption(base({
    xAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category", data: ranked.map((row) => row.officer), axisLabel: { width: 140, overflow: "truncate" } },
    series: [{
      name: t("dept.col.onTime"), type: "bar", barMaxWidth: 22, data: ranked.map((row) => pct(row.on_time_rate)),
      label: { show: true, position: "right", formatter: ({ value }) => (value === null ? "" : `${value}%`) },
    }],
  }), true);
  charts.trend.setOption(base({
    legend: { top: 0 },
    xAxis: { type: "category", data: trend.map((row) => row.period) },
    yAxis: [
      { type: "value", minInterval: 1 },
      { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" }, splitLine: { show: false } },
    ],
    series: [
      { name: t("dept.col.closed"), type: "bar", data: trend.map((row) => row.closed), barMaxWidth: 28 },
      { name: t("dept.col.onTime"), type: "line", yAxisIndex: 1, data: trend.map((row) => pct(row.on_time_rate)), symbolSize: 6 },
    ],
  }), true);
}

function base(extra) {
  return {
    color: COLORS,
    aria: { enabled: true },
    animation: false,
    textStyle: { fontFamily: "system-ui, 'PingFang SC', 'Noto Sans CJK SC', 'WenQuanYi Zen Hei', sans-serif" },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    grid: { left: 8, right: 48, top: 36, bottom: 8, containLabel: true },
    ...extra,
  };
}

function pct(value) {
  return value === null || value === undefined ? null : Math.round(value * 1000) / 10;
}

function num(value) {
  return h("td", { class: "num" }, value ?? "—");
}

function rows(tbody, list, columns, row) {
  fill(tbody, list.length ? list.map(row) : h("tr", {}, h("td", { colspan: columns, class: "empty" }, t("dept.empty"))));
}

function tables(ageing, officers, trend) {
  rows(document.querySelector("#ageing-table tbody"), ageing, 2, (bucket) => h("tr", {},
    h("th", { scope: "row" }, bucket.label), num(bucket.count)));
  rows(document.querySelector("#ranking-table tbody"), officers, 7, (row, index) => h("tr", { dataset: { officer: row.officer } },
    num(index + 1), h("th", { scope: "row" }, row.officer), num(row.backlog), num(row.closed),
    num(percent(row.on_time_rate)), num(number(row.median_days_used)), num(row.red)));
  rows(document.querySelector("#trend-table tbody"), trend, 4, (row) => h("tr", {},
    h("th", { scope: "row" }, row.period), num(row.closed), num(row.on_time), num(percent(row.on_time_rate))));
}
