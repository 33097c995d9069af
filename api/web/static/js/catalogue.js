// 权力清单: the published catalogue with filters; each row links to the item's guide.
import {
  departments, describeError, fillSelect, getJSON, h, limit, readQuery, showMessage, startPage,
  writeQuery,
} from "./common.js";
import { onLangChange, t } from "./i18n.js";

startPage();
const form = document.getElementById("catalogue-form");
const fields = {
  q: document.getElementById("q"),
  department: document.getElementById("department"),
  category: document.getElementById("category"),
};
const message = document.getElementById("catalogue-message");
const summary = document.getElementById("catalogue-summary");
const tbody = document.querySelector("#catalogue-table tbody");
const state = readQuery(["q", "department", "category"]);
let last = null;

form.addEventListener("submit", (event) => {
  event.preventDefault();
  for (const [name, input] of Object.entries(fields)) state[name] = input.value.trim();
  load();
});
onLangChange(() => last && render(last));
init();

async function init() {
  fields.q.value = state.q;
  fields.category.value = state.category;
  fillSelect(fields.department, Object.entries(await departments()), state.department);
  await load();
}

async function load() {
  writeQuery(state);
  try {
    last = (await getJSON("catalogue", state)).items ?? [];
    showMessage(message, "");
    render(last);
  } catch (error) {
    last = null;
    tbody.replaceChildren();
    summary.textContent = "";
    showMessage(message, describeError(error));
  }
}

function render(items) {
  summary.textContent = t("catalogue.summary", { total: items.length });
  if (!items.length) {
    tbody.replaceChildren(h("tr", {}, h("td", { colspan: 8, class: "empty" }, t("catalogue.empty"))));
    return;
  }
  tbody.replaceChildren(...items.map((item) => h("tr", {},
    h("td", { class: "mono" }, item.code),
    h("td", {}, h("a", { href: `/catalogue/${encodeURIComponent(item.code)}` }, item.name)),
    h("td", {}, t(`category.${item.category}`)),
    h("td", {}, item.department_name ?? item.department),
    h("td", { class: "nowrap" }, item.immediate ? t("immediate") : limit(item.statutory_limit)),
    h("td", { class: "nowrap" }, item.immediate ? t("immediate") : limit(item.promised_limit)),
    h("td", { class: "nowrap" }, t(item.free ? "free" : "charged")),
    h("td", { class: "nowrap" }, t(`itemStatus.${item.status}`)))));
}
