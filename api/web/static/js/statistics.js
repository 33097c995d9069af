// 统计分析: ECharts (served from /static/vendor, copied from the npm package) over the public
// statistics; the same figures in tables for screen readers, and alone when ECharts is missing.
import {
  describeError, getJSON, h, number, percent, readQuery, showMessage, startPage, writeQuery,
} from "./common.js";
import { onLangChange, t } from "./i18n.js";

const COLORS = ["#1f5fa8", "#d9822b", "#2e8540", "#b3261e", "#6b4fa0"];
startPage();
const form = document.getElementById("stats-form");
const groupInput = document.getElementById("group");
const monthInput = document.getElementById("month");
const message = document.getElementById("stats-message");
const note = document.getElementById("charts-note");
const chartsBox = document.getElementById("charts");
const statsBody = document.querySelector("#stats-table tbody");
const monthlyBody = document.querySelector("#monthly-table tbody");
const keyColumn = document.getElementById("stats-key-col");

const echarts = window.echarts;
const charts = {};
const state = readQuery(["group", "month"]);
state.group = state.group === "item" ? "item" : "department";
let stats = null;
let monthly = null;

if (!echarts) {
  note.hidden = false;
  chartsBox.hidden = true;
} else {
  for (const name of ["ontime", "share", "monthly"]) {
    charts[name] = echarts.init(document.getElementById(`chart-${name}`), null, { renderer: "canvas" });
  }
  window.addEventListener("resize", () => Object.values(charts).forEach((chart) => chart.resize()));
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  state.group = groupInput.value;
  state.month = monthInput.value;
  load();
});
onLangChange(() => draw());

groupInput.value = state.group;
monthInput.value = state.month;
load();

async function load() {
  writeQuery(state);
  const errors = [];
  [stats, monthly] = await Promise.all([
    getJSON("statistics", { group: state.group, month: state.month }).catch((e) => errors.push(e) && null),
    getJSON("statistics/monthly").catch((e) => errors.push(e) && null),
  ]);
  showMessage(message, errors.length ? describeError(errors[0]) : "");
  draw();
  document.body.dataset.statsReady = "true";
}

function draw() {
  keyColumn.textContent = t(state.group === "item" ? "col.item" : "col.department");
  const rows = stats?.rows ?? [];
  const months = monthly?.rows ?? [];
  fillTables(rows, months);
  if (!echarts) return;
  const height = Math.max(260, rows.length * 34 + 90);
  for (const name of ["ontime", "share"]) charts[name].getDom().style.height = `${height}px`;
  charts.ontime.resize();
  charts.share.resize();
  charts.ontime.setOption(onTimeOption(rows), true);
  charts.share.setOption(shareOption(rows), true);
  charts.monthly.setOption(monthlyOption(months), true);
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

function names(rows) {
  return rows.map((row) => row.name ?? row.key).reverse();
}

function pct(value) {
  return value === null || value === undefined ? null : Math.round(value * 1000) / 10;
}

function onTimeOption(rows) {
  return base({
    legend: { show: false },
    xAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category", data: names(rows), axisLabel: { width: 140, overflow: "truncate" } },
    tooltip: { trigger: "axis", valueFormatter: (v) => (v === null || v === undefined ? "—" : `${v}%`) },
    series: [{
      name: t("stats.onTimeRate"),
      type: "bar",
      data: rows.map((row) => pct(row.on_time_rate)).reverse(),
      label: { show: true, position: "right", formatter: ({ value }) => (value === null ? "" : `${value}%`) },
      barMaxWidth: 22,
    }],
  });
}

function shareOption(rows) {
  return base({
    legend: { top: 0, data: [t("stats.median"), t("stats.p90")] },
    xAxis: { type: "value", min: 0, max: ({ max }) => Math.max(120, Math.ceil(max / 20) * 20), axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category", data: names(rows), axisLabel: { width: 140, overflow: "truncate" } },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: (v) => (v === null || v === undefined ? "—" : `${v}%`) },
    series: [
      {
        name: t("stats.median"),
        type: "bar",
        data: rows.map((row) => pct(row.median_share_of_limit)).reverse(),
        barMaxWidth: 14,
        markLine: {
          symbol: "none",
          silent: true,
          lineStyle: { color: "#b3261e", type: "dashed" },
          label: { formatter: t("stats.limit"), position: "end" },
          data: [{ xAxis: 100 }],
        },
      },
      {
        name: t("stats.p90"),
        type: "bar",
        data: rows.map((row) => pct(row.p90_share_of_limit)).reverse(),
        barMaxWidth: 14,
      },
    ],
  });
}

function monthlyOption(months) {
  const counts = ["received", "accepted", "completed"];
  return base({
    legend: { top: 0 },
    grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: months.map((row) => row.month) },
    yAxis: [
      { type: "value", minInterval: 1 },
      { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" }, splitLine: { show: false } },
    ],
    series: [
      ...counts.map((name) => ({
        name: t(`col.${name}`),
        type: "line",
        data: months.map((row) => row[name]),
        symbolSize: 6,
      })),
      {
        name: t("col.onTimeRate"),
        type: "line",
        yAxisIndex: 1,
        data: months.map((row) => pct(row.on_time_rate)),
        lineStyle: { type: "dashed" },
        symbolSize: 6,
        tooltip: { valueFormatter: (v) => (v === null || v === undefined ? "—" : `${v}%`) },
      },
    ],
  });
}

function fillTables(rows, months) {
  statsBody.replaceChildren(...(rows.length ? rows.map((row) => h("tr", {},
    h("th", { scope: "row" }, row.name ?? row.key),
    num(row.received), num(row.accepted), num(row.completed),
    num(percent(row.on_time_rate)),
    num(number(row.median_days_used)), num(number(row.p90_days_used)),
    num(percent(row.median_share_of_limit)), num(percent(row.p90_share_of_limit)),
    h("td", {}, ratings(row.ratings)),
    num(percent(row.poor_rectified_share))))
    : [h("tr", {}, h("td", { colspan: 11, class: "empty" }, t("stats.empty")))]));
  monthlyBody.replaceChildren(...(months.length ? months.map((row) => h("tr", {},
    h("th", { scope: "row" }, row.month),
    num(row.received), num(row.accepted), num(row.completed), num(percent(row.on_time_rate))))
    : [h("tr", {}, h("td", { colspan: 5, class: "empty" }, t("stats.empty")))]));
}

function num(value) {
  return h("td", { class: "num" }, value ?? "—");
}

const STARS = ["1", "2", "3", "4", "5"];

/** The rating distribution as one small stacked bar (1★ red … 5★ green); its counts are
 * its accessible label and tooltip. */
function ratings(distribution) {
  const counts = STARS.map((star) => distribution?.[star] ?? 0);
  if (!counts.some((count) => count > 0)) return "—";
  const label = STARS.map((star, i) => `${star}★ ${counts[i]}`).join(" · ");
  return h("span", { class: "rating-bar", role: "img", "aria-label": label, title: label },
    ...STARS.map((star, i) => counts[i] > 0 && h("span", {
      class: `rating-${star}`, style: `flex-grow: ${counts[i]}`,
    }, String(counts[i]))));
}
