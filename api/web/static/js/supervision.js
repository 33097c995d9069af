// 电子监察 board: the open cases with their lights, filtered by department, item, light and
// officer (kept in the address), the count per light, refreshed every 15 seconds while the
// tab is visible, and exported (CSV, XLSX) with the filter shown. Staff token: staff.js.
import { dateText, departments, fill, fillSelect, h, readQuery, showMessage, startPage, writeQuery } from "./common.js";
import { LIGHTS, daysCell, exportButton, lightBadge, pausedText } from "./casework.js";
import { lang, onLangChange, t } from "./i18n.js";
import { staffFetch } from "./staff.js";

const API = "/api/v1/supervision/cases";
const REFRESH_MS = 15_000;
const FIELDS = ["department", "item", "light", "officer"];

startPage();
const filters = document.getElementById("filters");
const message = document.getElementById("message");
const summary = document.getElementById("summary");
const counts = document.getElementById("counts");
const tbody = document.querySelector("#board tbody");
const state = readQuery(FIELDS);
let board = null;
let names = {};
let loadedAt = null;
let timer = null;

filters.addEventListener("submit", (event) => {
  event.preventDefault();
  for (const name of FIELDS) state[name] = filters.elements[name].value.trim();
  load();
});
exportButton(document.getElementById("export-csv"), message, () => query("csv"), () => fileName("csv"));
exportButton(document.getElementById("export-xlsx"), message, () => query("xlsx"), () => fileName("xlsx"));
document.addEventListener("visibilitychange", () => {
  if (!document.hidden && loadedAt && Date.now() - loadedAt >= REFRESH_MS) load();
});
onLangChange(() => board && render(board));

init();

async function init() {
  names = await departments();
  fillSelect(filters.elements.department, Object.entries(names).map(([code, name]) => [code, `${name}（${code}）`]), state.department);
  if (state.department && filters.elements.department.value !== state.department) {
    filters.elements.department.append(h("option", { value: state.department }, state.department));
  }
  for (const name of FIELDS) filters.elements[name].value = state[name] ?? "";
  await load();
}

/** The API address of the board under the filter shown, in ``format``. */
function query(format) {
  const params = new URLSearchParams();
  for (const name of FIELDS) if (state[name]) params.set(name, state[name]);
  params.set("format", format);
  return `${API}?${params}`;
}

function fileName(format) {
  const parts = ["supervision", ...FIELDS.map((name) => state[name]).filter(Boolean)];
  return `${parts.join("-")}.${format}`;
}

async function load() {
  clearTimeout(timer);
  writeQuery(Object.fromEntries(FIELDS.map((name) => [name, state[name]])));
  try {
    board = await staffFetch(query("json"));
    showMessage(message, "");
    loadedAt = Date.now();
    render(board);
  } catch (error) {
    board = null;
    fill(tbody);
    fill(counts);
    summary.textContent = "";
    showMessage(message, error.message);
    if (error.status === 401) {
      init(); // the refused token is forgotten: ask for another
      return;
    }
  }
  timer = setTimeout(() => (document.hidden ? null : load()), REFRESH_MS);
}

function render(body) {
  const at = new Date(loadedAt).toLocaleTimeString(lang() === "en" ? "en-GB" : "zh-CN", { timeZone: "Asia/Shanghai" });
  summary.textContent = t("sv.summary", { total: body.total, at });
  fill(counts, LIGHTS.map((light) => h("li", { dataset: { light } },
    h("button", {
      type: "button", class: "link", "aria-pressed": String(state.light === light),
      onclick: () => { state.light = state.light === light ? "" : light; filters.elements.light.value = state.light; load(); },
    }, lightBadge(light), " ", h("strong", { class: "count" }, String(body.counts?.[light] ?? 0))))));
  if (!body.items.length) {
    fill(tbody, h("tr", {}, h("td", { colspan: 8, class: "empty" }, t("sv.empty"))));
    return;
  }
  fill(tbody, body.items.map((row) => h("tr", { class: `light-${row.light}`, dataset: { caseNo: row.case_no, light: row.light } },
    h("td", { class: "nowrap" }, lightBadge(row.light)),
    h("td", { class: "mono" }, row.case_no),
    h("td", {}, row.item_name ?? row.item_code, h("br"), h("small", { class: "mono hint" }, row.item_code)),
    h("td", {}, h("a", { href: `/supervision/departments/${encodeURIComponent(row.department)}` }, names[row.department] ?? row.department)),
    h("td", {}, row.assignee ?? t("sv.unassigned")),
    h("td", { class: "date" }, dateText(row.promised_deadline)),
    daysCell(row.days_remaining, row.unit),
    h("td", {}, pausedText(row.paused, row.pause_kind, row.paused_since)),
  )));
}
