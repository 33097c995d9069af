// 办件公示: published decisions with search, filters and paging; the state lives in the address.
import {
  dateText, departments, describeError, fillSelect, getJSON, h, readQuery, showMessage,
  startPage, writeQuery,
} from "./common.js";
import { onLangChange, t } from "./i18n.js";

const PAGE_SIZE = 20;
startPage();
const form = document.getElementById("decisions-form");
const fields = {
  q: document.getElementById("q"),
  department: document.getElementById("department"),
  item: document.getElementById("item"),
  outcome: document.getElementById("outcome"),
};
const message = document.getElementById("decisions-message");
const summary = document.getElementById("decisions-summary");
const tbody = document.querySelector("#decisions-table tbody");
const prev = document.getElementById("prev-page");
const next = document.getElementById("next-page");
const pageInfo = document.getElementById("page-info");

const state = { ...readQuery(["q", "department", "item", "outcome", "page"]) };
state.page = Math.max(1, Number.parseInt(state.page, 10) || 1);
let catalogue = [];
let last = null;

form.addEventListener("submit", (event) => {
  event.preventDefault();
  for (const [name, input] of Object.entries(fields)) state[name] = input.value.trim();
  state.page = 1;
  load();
});
fields.department.addEventListener("change", () => fillItems(fields.department.value, fields.item.value));
prev.addEventListener("click", () => { state.page -= 1; load(); });
next.addEventListener("click", () => { state.page += 1; load(); });
onLangChange(() => last && render(last));

init();

async function init() {
  fields.q.value = state.q;
  fields.outcome.value = state.outcome;
  const names = await departments();
  fillSelect(fields.department, Object.entries(names), state.department);
  try {
    catalogue = (await getJSON("catalogue")).items ?? [];
  } catch {
    catalogue = [];
  }
  fillItems(state.department, state.item);
  await load();
}

function fillItems(department, selected) {
  const items = catalogue.filter((item) => !department || item.department === department);
  fillSelect(fields.item, items.map((item) => [item.code, `${item.name}（${item.code}）`]), selected);
}

async function load() {
  writeQuery({ ...state, page: state.page > 1 ? state.page : "" });
  tbody.parentElement.setAttribute("aria-busy", "true");
  try {
    last = await getJSON("decisions", { ...state, page_size: PAGE_SIZE });
    showMessage(message, "");
    render(last);
  } catch (error) {
    last = null;
    tbody.replaceChildren();
    summary.textContent = "";
    showMessage(message, describeError(error));
    updatePager(0, 1);
  } finally {
    tbody.parentElement.removeAttribute("aria-busy");
  }
}

function render(body) {
  const pages = Math.max(1, Math.ceil(body.total / (body.page_size || PAGE_SIZE)));
  summary.textContent = t("decisions.summary", { total: body.total });
  if (!body.items.length) {
    tbody.replaceChildren(h("tr", {}, h("td", { colspan: 9, class: "empty" }, t("decisions.empty"))));
  } else {
    tbody.replaceChildren(...body.items.map(row));
  }
  updatePager(body.page, pages);
}

function row(item) {
  const main = item.outcome ? t(`outcome.${item.outcome}`) : t(`result.${item.status}`);
  const detail = item.result && item.result !== "other" && item.result !== item.status ? t(`closure.${item.result}`) : "";
  return h("tr", { dataset: { caseNo: item.case_no } },
    h("td", { class: "mono" }, item.case_no),
    h("td", {}, item.item_name),
    h("td", {}, item.department_name ?? item.department),
    h("td", {}, item.applicant),
    h("td", {}, h("span", { class: `badge outcome-${item.outcome ?? "none"}` }, main), detail ? [" ", h("small", {}, detail)] : null),
    h("td", { class: "date" }, dateText(item.accepted_on)),
    h("td", { class: "date" }, dateText(item.decided_on)),
    h("td", { class: "date" }, dateText(item.closed_on)),
    h("td", {}, item.on_time === null || item.on_time === undefined ? "—" : t(item.on_time ? "yes" : "no")));
}

function updatePager(page, pages) {
  state.page = page || 1;
  pageInfo.textContent = t("pager.info", { page: state.page, pages });
  prev.disabled = state.page <= 1;
  next.disabled = state.page >= pages;
}
