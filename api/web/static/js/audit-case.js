// 办件审计轨迹: one case's every event, expandable to its whole content, and the
// differences between two versions picked on the timeline. Every read names its case file.
import { fill, h, readQuery, showMessage, startPage, writeQuery } from "./common.js";
import { t } from "./i18n.js";
import { staffFetch } from "./staff.js";
import { auditPath, eventDetails, kind } from "./trail.js";

const CASE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

startPage();
const form = document.getElementById("trail-form");
const caseInput = document.getElementById("case-no");
const fileInput = document.getElementById("case-file");
const message = document.getElementById("trail-message");
const section = document.getElementById("trail-result");
const heading = document.getElementById("trail-heading");
const summary = document.getElementById("trail-summary");
const timeline = document.getElementById("timeline");
const compare = document.getElementById("compare");
const diffBox = document.getElementById("diff");

let shown = null; // {caseId, caseFile}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const wanted = caseInput.value.trim();
  const caseFile = fileInput.value.trim();
  if (!wanted || !caseFile) {
    showMessage(message, t("auditCase.required"));
    return;
  }
  show(wanted, caseFile);
});
compare.addEventListener("click", () => compareVersions());

const asked = readQuery(["case"]);
caseInput.value = asked.case;

/** The case's id: the one given, or the one the trail knows under that number. */
async function caseId(wanted, caseFile) {
  if (CASE_ID.test(wanted)) return wanted;
  const found = await staffFetch(auditPath("events", { case_no: wanted, page_size: 1, case_file: caseFile }));
  return found.items[0]?.aggregate_id ?? null;
}

async function show(wanted, caseFile) {
  showMessage(message, "");
  form.setAttribute("aria-busy", "true");
  try {
    const id = await caseId(wanted, caseFile);
    if (!id) {
      section.hidden = true;
      showMessage(message, t("auditCase.notFound"));
      return;
    }
    const trail = await staffFetch(auditPath(`cases/${id}/trail`, { case_file: caseFile }));
    shown = { caseId: id, caseFile };
    writeQuery({ case: wanted });
    render(trail);
  } catch (error) {
    section.hidden = true;
    showMessage(message, error.status === 404 ? t("auditCase.notFound") : error.message);
  } finally {
    form.removeAttribute("aria-busy");
  }
}

function render(trail) {
  section.hidden = false;
  diffBox.hidden = true;
  heading.textContent = t("auditCase.heading", { caseNo: trail.case_no ?? trail.case_id });
  summary.textContent = t("auditCase.summary", {
    department: trail.department ?? "—", channel: trail.channel ?? "—", count: trail.events.length,
  });
  fill(timeline, trail.events.map((event) => h("li", { dataset: { version: event.version } },
    h("label", { class: "choice" },
      h("input", { type: "checkbox", name: "pick", value: event.version }),
      t("auditCase.pick")),
    eventDetails(event))));
  heading.focus();
}

async function compareVersions() {
  const picked = [...timeline.querySelectorAll("input[name=pick]:checked")].map((input) => Number(input.value));
  if (picked.length !== 2 || !shown) {
    showMessage(message, t("auditCase.pickTwo"));
    return;
  }
  const [from, to] = picked.sort((a, b) => a - b);
  showMessage(message, "");
  try {
    const diff = await staffFetch(auditPath(`cases/${shown.caseId}/diff`, {
      from_version: from, to_version: to, case_file: shown.caseFile,
    }));
    renderDiff(diff);
  } catch (error) {
    showMessage(message, error.message);
  }
}

function value(v) {
  return v === null || v === undefined ? "—" : typeof v === "object" ? JSON.stringify(v) : String(v);
}

function renderDiff(diff) {
  diffBox.hidden = false;
  fill(diffBox,
    h("h3", { id: "diff-title" }, t("auditCase.diffTitle", { from: diff.from_version, to: diff.to_version })),
    diff.changes.length
      ? h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-labelledby": "diff-title" },
        h("table", { class: "data", id: "diff-table" },
          h("thead", {}, h("tr", {},
            h("th", { scope: "col" }, t("auditCase.path")),
            h("th", { scope: "col" }, t("auditCase.before")),
            h("th", { scope: "col" }, t("auditCase.after")))),
          h("tbody", {}, diff.changes.map((change) => h("tr", { dataset: { path: change.path } },
            h("th", { scope: "row", class: "mono" }, change.path),
            h("td", { class: "value" }, value(change.before)),
            h("td", { class: "value" }, value(change.after)))))))
      : h("p", {}, t("auditCase.noChanges")),
    h("h4", {}, t("auditCase.between")),
    h("ul", { class: "between" }, diff.events.map((event) =>
      h("li", {}, `${t("audit.version", { version: event.version })} ${kind(event.type)} · ${event.actor.id}`))));
  diffBox.scrollIntoView({ block: "nearest" });
}
