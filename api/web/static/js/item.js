// 办事指南: one catalogue item's guide — materials, fees in 元, time limits with their units,
// legal basis, steps, special procedures, complaint channel, accountability, revisions.
import {
  API, fill, ApiError, dateText, departments, describeError, getJSON, h, limit, showMessage, startPage, yuan,
} from "./common.js";
import { onLangChange, t, translate } from "./i18n.js";

startPage();
const code = decodeURIComponent(location.pathname.split("/").pop() ?? "");
const guide = document.getElementById("item-guide");
const message = document.getElementById("item-message");
let last = null;

onLangChange(() => last && render(...last));
load();

async function load() {
  try {
    const [item, names] = await Promise.all([getJSON(`${API}/catalogue/${encodeURIComponent(code)}`), departments()]);
    last = [item, names];
    render(item, names);
  } catch (error) {
    guide.removeAttribute("aria-busy");
    const notFound = error instanceof ApiError && error.status === 404;
    showMessage(message, notFound ? t("item.notFound", { code }) : describeError(error));
  }
}

function section(id, title, ...children) {
  return h("section", { class: "card", "aria-labelledby": id }, h("h2", { id }, title), ...children);
}

function table(headers, rows, numeric = []) {
  return h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": headers.join(" / ") },
    h("table", { class: "data" },
      h("thead", {}, h("tr", {}, headers.map((name, i) => h("th", { scope: "col", class: numeric.includes(i) ? "num" : null }, name)))),
      h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((cell, i) => h("td", { class: numeric.includes(i) ? "num" : null }, cell)))))));
}

function render(item, names) {
  const c = item.content;
  const deptName = (code) => names[code] ?? code;
  guide.removeAttribute("aria-busy");
  fill(guide,
    h("h1", { id: "item-title" }, c.name),
    h("p", { class: "lead" }, `${item.code} · ${t(`category.${c.category}`)} · ${item.department_name ?? deptName(c.department)}`),
    section("basics", t("item.basics"),
      h("dl", { class: "facts" },
        fact(t("item.code"), item.code),
        fact(t("item.category"), t(`category.${c.category}`)),
        fact(t("item.department"), item.department_name ?? deptName(c.department)),
        fact(t("item.supervising"), item.supervising_department_name ?? deptName(c.supervising_department)),
        fact(t("item.status"), t(`itemStatus.${item.status}`)),
        fact(t("item.revision"), String(item.revision)),
        c.co_departments?.length ? fact(t("item.coDepartments"), c.co_departments.map(deptName).join("、")) : null)),
    section("limits", t("item.limits"),
      h("dl", { class: "facts" },
        fact(t("item.statutory"), limit(c.statutory_limit)),
        fact(t("item.promised"), limit(c.promised_limit))),
      c.immediate ? h("p", { class: "badge" }, t("item.immediateYes")) : null),
    section("legal-basis", t("item.legalBasis"), h("p", {}, c.legal_basis)),
    section("materials", t("item.materials"),
      table([t("item.material"), t("item.mandatory"), t("item.copies")],
        (c.materials ?? []).map((m) => [m.name, t(m.mandatory ? "item.mandatoryYes" : "item.mandatoryNo"), String(m.copies)]), [2])),
    section("fees", t("item.fees"),
      c.fees?.length
        ? table([t("item.feeName"), t("item.amount"), t("item.feeBasis")],
          c.fees.map((f) => [f.name, t("item.yuan", { amount: yuan(f.amount_fen) }), f.legal_basis]), [1])
        : h("p", {}, t("item.noFees"))),
    section("steps", t("item.steps"),
      h("ol", { class: "steps" }, (c.steps ?? []).map((s) => h("li", {},
        h("strong", {}, s.name), ` — ${t(`role.${s.role}`)}`,
        // a step's limit counts in the unit of the item's statutory limit
        s.limit_days !== null && s.limit_days !== undefined
          ? `，${limit({ days: s.limit_days, unit: c.statutory_limit?.unit ?? "G" })}` : "")))),
    section("special", t("item.special"),
      c.special_procedures?.length
        ? h("ul", {}, c.special_procedures.map((p) => h("li", {}, t(`special.${p}`))))
        : h("p", {}, t("item.noSpecial"))),
    section("complaint", t("item.complaint"), h("p", {}, c.complaint_channel)),
    section("accountability", t("item.accountability"),
      h("ul", {}, (c.accountability ?? []).map((a) => h("li", {}, a)))),
    section("revisions", t("item.revisions"),
      table([t("item.revisionNo"), t("item.revisionDate"), t("item.revisionReason")],
        (item.revisions ?? []).map((r) => [String(r.revision), dateText(r.date ?? r.at), r.reason ?? "—"]), [0])),
  );
  translate(guide);
}

function fact(name, value) {
  return [h("dt", {}, name), h("dd", {}, value ?? "—")];
}
