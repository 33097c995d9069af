// 部门效能: one department's KPIs as tiles, and ECharts charts (ageing histogram, on-time
// trend by week or month, officer ranking) with the same figures in tables, for screen
// readers and alone when ECharts is missing; its open cases exported as CSV or XLSX.
import { departments, fill, h, number, percent, showMessage, startPage, writeQuery } from "./common.js";
import { exportButton } from "./casework.js";
import { addStrings, onLangChange, t } from "./i18n.js";
import { staffFetch } from "./staff.js";

addStrings({
  zh: {
    "dept.title": "部门效能", "dept.kpis": "关键指标", "dept.noCharts": "图表组件未能加载，数据见下表。",
    "dept.lead": "本部门的在办量、超期与预警、按时办结率、办理用时、退回、中止、延期和差评整改；办件时长分布、按时办结率趋势和承办人排名。",
    "dept.ageing": "在办件时长分布", "dept.ranking": "承办人排名（按时办结率）", "dept.trend": "按时办结率趋势",
    "dept.period": "周期", "dept.weeks": "按周", "dept.months": "按月", "dept.officers": "承办人", "dept.trendTable": "趋势数据表",
    "dept.col.bucket": "受理后已用（工作日）", "dept.col.cases": "件数", "dept.col.rank": "名次", "dept.col.backlog": "在办",
    "dept.col.closed": "结案", "dept.col.onTime": "按时办结率", "dept.col.median": "用时中位数（工作日）",
    "dept.col.period": "周期", "dept.col.opened": "收件", "dept.col.accepted": "受理", "dept.col.completed": "办结",
    "dept.col.red": "红灯在办", "dept.empty": "暂无数据。",
    "dept.exportXlsx": "导出 Excel（全部指标）", "dept.exportCsv": "导出 CSV（承办人排名）", "dept.asOf": "统计日期 {day}",
    "kpi.backlog": "在办", "kpi.red": "红灯·超期", "kpi.yellow": "黄灯·预警", "kpi.green": "绿灯·正常", "kpi.paused": "暂停计时",
    "kpi.awaiting_acceptance": "待受理", "kpi.closed": "已结案", "kpi.completed": "已办结", "kpi.on_time_rate": "按时办结率",
    "kpi.median": "用时中位数（{unit}）", "kpi.p90": "用时 90 分位（{unit}）", "kpi.returns": "退回", "kpi.suspensions": "中止",
    "kpi.special_procedures": "特别程序", "kpi.extensions": "延期", "kpi.supplement_notices": "补正告知", "kpi.poor_ratings": "差评",
    "kpi.rectified": "差评已整改", "kpi.rectification_open": "整改中", "kpi.rectification_overdue": "整改逾期",
    "kpi.deemed_satisfied": "默认满意",
  },
  en: {
    "dept.title": "Department performance", "dept.kpis": "Key figures", "dept.noCharts": "The charts could not be loaded; the tables below hold every figure.",
    "dept.lead": "The department's backlog, overdue and warned cases, on-time rate, days used, returns, suspensions, extensions and poor ratings with their rectification; the ageing of open cases, the on-time trend and the officers' ranking.",
    "dept.ageing": "Ageing of open cases", "dept.ranking": "Officers by on-time rate", "dept.trend": "On-time rate trend",
    "dept.period": "Period", "dept.weeks": "Weekly", "dept.months": "Monthly", "dept.officers": "Officers", "dept.trendTable": "Trend table",
    "dept.col.bucket": "Working days since acceptance", "dept.col.cases": "Cases", "dept.col.rank": "Rank", "dept.col.backlog": "Open",
    "dept.col.closed": "Closed", "dept.col.onTime": "On-time rate", "dept.col.median": "Median working days used",
    "dept.col.period": "Period", "dept.col.opened": "Received", "dept.col.accepted": "Accepted", "dept.col.completed": "Completed",
    "dept.col.red": "Open red", "dept.empty": "No data yet.",
    "dept.exportXlsx": "Export Excel (every table)", "dept.exportCsv": "Export CSV (officers)", "dept.asOf": "As of {day}",
    "kpi.backlog": "Open", "kpi.red": "Red · overdue", "kpi.yellow": "Yellow · warning", "kpi.green": "Green · on time", "kpi.paused": "Clock paused",
    "kpi.awaiting_acceptance": "Awaiting acceptance", "kpi.closed": "Closed", "kpi.completed": "Completed", "kpi.on_time_rate": "On-time rate",
    "kpi.median": "Median days used ({unit})", "kpi.p90": "90th percentile days used ({unit})", "kpi.returns": "Returns", "kpi.suspensions": "Suspensions",
    "kpi.special_procedures": "Special procedures", "kpi.extensions": "Extensions", "kpi.supplement_notices": "Supplement notices", "kpi.poor_ratings": "Poor ratings",
    "kpi.rectified": "Poor ratings rectified", "kpi.rectification_open": "Rectifications open", "kpi.rectification_overdue": "Rectifications overdue",
    "kpi.deemed_satisfied": "Deemed satisfied",
  },
});

const COLORS = ["#1f5fa8", "#d9822b", "#2e8540", "#b3261e"];
const COUNTS = [
  "backlog", "red", "yellow", "green", "paused", "awaiting_acceptance", "closed", "completed", "returns", "suspensions",
  "special_procedures", "extensions", "supplement_notices", "poor_ratings", "rectified", "rectification_open",
  "rectification_overdue", "deemed_satisfied",
];
const TRENDS = { weeks: "weekly", months: "monthly" };

startPage();
const code = decodeURIComponent(location.pathname.split("/").pop());
const api = `/api/v1/supervision/departments/${encodeURIComponent(code)}`;
const message = document.getElementById("message");
const section = document.getElementById("department");
const note = document.getElementById("charts-note");
const chartsBox = document.getElementById("charts");
const periodButtons = [...document.querySelectorAll("[data-period]")];
const echarts = window.echarts;
const charts = {};
let period = new URLSearchParams(location.search).get("period") === "weeks" ? "weeks" : "months";
let shown = null;

if (!echarts) {
  note.hidden = false;
  chartsBox.hidden = true;
}
for (const button of periodButtons) {
  button.addEventListener("click", () => {
    period = button.dataset.period;
    writeQuery({ period });
    if (shown) draw(shown);
  });
}
document.getElementById("board-link").href = `/supervision?department=${encodeURIComponent(code)}`;
exportButton(document.getElementById("export-csv"), message, () => `${api}?format=csv&table=officers`, () => `department-${code}-officers.csv`);
exportButton(document.getElementById("export-xlsx"), message, () => `${api}?format=xlsx`, () => `department-${code}.xlsx`);
onLangChange(() => shown && draw(shown));

load();

async function load() {
  const name = (await departments())[code];
  document.getElementById("department-name").textContent = name ? `${name}（${code}）` : code;
  try {
    shown = await staffFetch(api);
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

/** The KPI tiles: [key, label, value] — the counts, the on-time rate, and the median and
 * p90 days used in each limit's unit. */
function tiles(body) {
  const { summary } = body;
  return [
    ...COUNTS.slice(0, 8).map((key) => [key, t(`kpi.${key}`), String(summary[key])]),
    ["on_time_rate", t("kpi.on_time_rate"), percent(summary.on_time_rate)],
    ...body.days_used.flatMap((used) => [
      [`median-${used.unit}`, t("kpi.median", { unit: t(`unit.short.${used.unit}`) }), number(used.median)],
      [`p90-${used.unit}`, t("kpi.p90", { unit: t(`unit.short.${used.unit}`) }), number(used.p90)],
    ]),
    ...COUNTS.slice(8).map((key) => [key, t(`kpi.${key}`), String(summary[key])]),
  ];
}

function draw(body) {
  for (const button of periodButtons) button.setAttribute("aria-pressed", String(button.dataset.period === period));
  document.getElementById("as-of").textContent = t("dept.asOf", { day: body.as_of });
  fill(document.getElementById("kpis"), tiles(body).map(([key, label, value]) =>
    h("li", { class: "kpi", dataset: { kpi: key } }, h("span", { class: "kpi-label" }, label), h("strong", { class: "kpi-value" }, value))));
  const trend = body[TRENDS[period]];
  tables(body.ageing, body.officers, trend);
  if (!echarts) return;
  charts.ageing.setOption(base({
    grid: { left: 8, right: 16, top: 24, bottom: 28, containLabel: true },
    xAxis: { type: "category", name: t("dept.col.bucket"), nameLocation: "middle", nameGap: 28, data: body.ageing.map((bucket) => bucket.bucket) },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ name: t("dept.col.cases"), type: "bar", data: body.ageing.map((bucket) => bucket.cases), barMaxWidth: 36 }],
  }), true);
  const ranked = [...body.officers].reverse();
  charts.ranking.getDom().style.height = `${Math.max(260, ranked.length * 34 + 90)}px`;
  charts.ranking.resize();
  charts.ranking.setOption(base({
    xAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category", data: ranked.map((row) => row.officer), axisLabel: { width: 140, overflow: "truncate" } },
    series: [{
      name: t("dept.col.onTime"), type: "bar", barMaxWidth: 22, data: ranked.map((row) => pct(row.on_time_rate)),
      label: { show: true, position: "right", formatter: ({ value }) => (value === null || value === undefined ? "" : `${value}%`) },
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
      { name: t("dept.col.completed"), type: "bar", data: trend.map((row) => row.completed), barMaxWidth: 28 },
      { name: t("dept.col.onTime"), type: "line", yAxisIndex: 1, data: trend.map((row) => pct(row.on_time_rate)), symbolSize: 6, connectNulls: true },
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
    h("th", { scope: "row" }, bucket.bucket), num(bucket.cases)));
  rows(document.querySelector("#ranking-table tbody"), officers, 7, (row) => h("tr", { dataset: { officer: row.officer } },
    num(row.rank), h("th", { scope: "row" }, row.officer), num(row.backlog), num(row.red), num(row.completed),
    num(percent(row.on_time_rate)), num(number(row.median_days_used))));
  rows(document.querySelector("#trend-table tbody"), trend, 6, (row) => h("tr", {},
    h("th", { scope: "row" }, row.period), num(row.opened), num(row.accepted), num(row.closed), num(row.completed),
    num(percent(row.on_time_rate))));
}
