// 电子监察 board: the open cases with their lights (red first, nearest deadline first),
// filtered by department, item, light and officer (kept in the address, with the page),
// the count per light under the other filters, refreshed every 15 seconds while the tab
// is visible, and the page shown exported as CSV or XLSX. Staff token: staff.js.
import { dateText, departments, fill, fillSelect, h, readQuery, showMessage, startPage, writeQuery } from "./common.js";
import { LIGHTS, daysCell, exportButton, lightBadge, pausedText } from "./casework.js";
import { lang, onLangChange, t } from "./i18n.js";
import { staffFetch } from "./staff.js";

const API = "/api/v1/supervision/cases";
const REFRESH_MS = 15_000;
const PAGE_SIZE = 100;
const FIELDS = ["department", "item", "light", "officer"];

startPage();
const filters = document.getElementById("filters");
const message = document.getElementById("message");
const summary = document.getElementById("summary");
const counts = document.getElementById("counts");
const tbody = document.querySelector("#board tbody");
const pageInfo = document.getElementById("page-info");
const prev = document.getElementById("prev-page");
const next = document.getElementById("next-page");
const state = readQuery([...FIELDS, "page"]);
state.page = Math.max(1, Number.parseInt(state.page, 10) || 1);
let shown = null;
let names = {};
let timer = null;
let loads = 0;

filters.addEventListener("submit", (event) => {
  event.preventDefault();
  for (const name of FIELDS) state[name] = filters.elements[name].value.trim();
  state.page = 1;
  load();
});
prev.addEventListener("click", () => { state.page -= 1; load(); });
next.addEventListener("click", () => { state.page += 1; load(); });
exportButton(document.getElementById("export-csv"), message, () => query("csv"), () => fileName("csv"));
exportButton(document.getElementById("export-xlsx"), message, () => query("xlsx"), () => fileName("xlsx"));
document.addEventListener("visibilitychange", () => {
  if (!document.hidden && shown && Date.now() - shown.at >= REFRESH_MS) load();
});
onLangChange(() => shown && render(shown));

init();

async function init() {
  names = await departments();
  const select = filters.elements.department;
  fillSelect(select, Object.entries(names).map(([code, name]) => [code, `${name}（${code}）`]), state.department);
  if (state.department && select.value !== state.department) {
    select.append(h("option", { value: state.department }, state.department));
  }
  for (const name of FIELDS) filters.elements[name].value = state[name];
  await load();
}

/** The API address of the board under the filters shown (``light`` overridden when
 * given), in ``format``. */
function query(format, light = state.light, size = PAGE_SIZE) {
  const params = new URLSearchParams();
  for (const name of FIELDS) if (state[name]) params.set(name, state[name]);
  if (light) params.set("light", light);
  else params.delete("light");
  params.set("page", size === PAGE_SIZE ? state.page : 1);
  params.set("page_size", size);
  params.set("format", format);
  return `${API}?${params}`;
}

function fileName(format) {
  return `${["supervision", ...FIELDS.map((name) => state[name]).filter(Boolean)].join("-")}.${format}`;
}

async function load() {
  clearTimeout(timer);
  const asked = ++loads;
  writeQuery({ ...Object.fromEntries(FIELDS.map((name) => [name, state[name]])), page: state.page > 1 ? state.page : "" });
  try {
    // the rows shown, and each light's count under the other filters
    const [page, ...totals] = await Promise.all([
      staffFetch(query("json")),
      ...LIGHTS.map((light) => staffFetch(query("json", light, 1)).then((body) => body.total)),
    ]);
    if (asked !== loads) return; // a later load (another filter) answers instead
    shown = { page, counts: Object.fromEntries(LIGHTS.map((light, i) => [light, totals[i]])), at: Date.now() };
    showMessage(message, "");
    render(shown);
  } catch (error) {
    if (asked !== loads) return;
    showMessage(message, error.message);
    if (error.status !== 0) { // refused: nothing shown; unreachable: the last board stays
      clear();
      if (error.status === 401) init(); // the refused token is forgotten: ask for another
      return;
    }
  }
  timer = setTimeout(() => (document.hidden ? null : load()), REFRESH_MS);
}

function clear() {
  shown = null;
  fill(tbody);
  fill(counts);
  summary.textContent = "";
  pageInfo.textContent = "";
  prev.disabled = true;
  next.disabled = true;
}

function pickLight(light) {
  state.light = state.light === light ? "" : light;
  filters.elements.light.value = state.light;
  state.page = 1;
  load();
}

function render({ page, counts: perLight, at }) {
  const time = new Date(at).toLocaleTimeString(lang() === "en" ? "en-GB" : "zh-CN", { timeZone: "Asia/Shanghai" });
  const pages = Math.max(1, Math.ceil(page.total / page.page_size));
  summary.textContent = t("sv.summary", { total: page.total, at: time });
  pageInfo.textContent = t("pager.info", { page: page.page, pages });
  prev.disabled = page.page <= 1;
  next.disabled = page.page >= pages;
  fill(counts, LIGHTS.map((light) => h("li", { dataset: { light } },
    h("button", { type: "button", class: "link", "aria-pressed": String(state.light === light), onclick: () => pickLight(light) },
      lightBadge(light), " ", h("strong", { class: "count" }, String(perLight[light]))))));
  if (!page.items.length) {
    fill(tbody, h("tr", {}, h("td", { colspan: 8, class: "empty" }, t("sv.empty"))));
    return;
  }
  fill(tbody, page.items.map((row) => h("tr", { class: `light-${row.light}`, dataset: { caseNo: row.case_no, light: row.light } },
    h("td", { class: "nowrap" }, lightBadge(row.light)),
    h("td", { class: "mono" }, h("a", { href: `/staff/cases/${encodeURIComponent(row.case_no)}` }, row.case_no)),
    h("td", {}, row.item_name, h("br"), h("small", { class: "mono hint" }, row.item_code)),
    h("td", {}, h("a", { href: `/supervision/departments/${encodeURIComponent(row.department)}` }, names[row.department] ?? row.department)),
    h("td", {}, row.assignee ?? t("sv.unassigned")),
    h("td", { class: "date" }, dateText(row.promised_deadline)),
    daysCell(row.days_remaining, row.unit),
    h("td", {}, pausedText(row)),
  )));
}
