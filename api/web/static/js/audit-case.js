// 办件审计轨迹: one case's every event, expandable to its whole content, and the
// differences between two versions picked on the timeline. Every read names its case file.
// Each event's place in the hash chain and its inclusion proof in the transparency log
// are checked here, in the browser, against the latest checkpoint.
import { ApiError, describeError, fill, getJSON, h, readQuery, showMessage, startPage, writeQuery } from "./common.js";
import { onLangChange, t } from "./i18n.js";
import { staffFetch } from "./staff.js";
import { inclusionProofUrl, latestCheckpoint, proofVerifies } from "./tlog.js";
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
const checkpointLine = document.getElementById("verification-checkpoint");
const verdictLine = document.getElementById("verification-summary");

const GENESIS = "0".repeat(64);
let shown = null; // {caseId, caseFile}
let checks = null; // {caseId, checkpoint, events: [{version, chain: [problem], log: {state, ...}}]}

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
onLangChange(() => renderChecks());

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
    verify(id, trail.events);
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
    eventDetails(event),
    h("p", { class: "check", dataset: { check: "chain" } }),
    h("p", { class: "check", dataset: { check: "log" } }))));
  heading.focus();
}

/** Check the case's chain at once, then each event's inclusion proof against the latest
 * checkpoint; the page shows each answer as it comes. */
async function verify(caseId, events) {
  const current = {
    caseId,
    checkpoint: undefined,
    events: events.map((event, i) => ({ version: event.version, chain: chainProblems(event, events[i - 1]), log: null })),
  };
  checks = current;
  renderChecks();
  try {
    current.checkpoint = await latestCheckpoint();
  } catch (error) {
    current.checkpoint = error instanceof ApiError && error.status === 404 ? null : { error: describeError(error) };
  }
  renderChecks();
  await Promise.all(events.map(async (event, i) => {
    current.events[i].log = await logStatus(caseId, event, current.checkpoint);
    if (checks === current) renderChecks();
  }));
}

/** What differs between an event's links and those the event before it implies. */
function chainProblems(event, before) {
  const problems = [];
  const version = before ? before.version + 1 : 1;
  if (event.version !== version) problems.push({ what: "version", expected: version, found: event.version });
  const prevhash = before ? before.hash : GENESIS;
  if (event.prevhash !== prevhash) {
    problems.push({ what: "prevhash", expected: prevhash.slice(0, 16), found: event.prevhash.slice(0, 16) });
  }
  return problems;
}

/** Where the log holds the event: proven (with leaf and tree size), pending (not under the
 * checkpoint), failed (the proof does not verify) or error (no proof could be fetched). */
async function logStatus(caseId, event, checkpoint) {
  if (checkpoint === null) return { state: "pending" };
  if (checkpoint.error) return { state: "error", message: checkpoint.error };
  const url = inclusionProofUrl(caseId, event.version, checkpoint.size);
  try {
    const proof = await getJSON(url.pathname + url.search);
    const proven = await proofVerifies(proof, checkpoint, event.hash);
    return { state: proven ? "proven" : "failed", index: proof.leaf_index, size: proof.tree_size };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return { state: "pending" };
    return { state: "error", message: describeError(error) };
  }
}

function renderChecks() {
  if (!checks) return;
  const { checkpoint, events } = checks;
  checkpointLine.textContent = checkpoint === undefined ? t("auditVerify.checking")
    : checkpoint === null ? t("auditVerify.noCheckpoint")
      : checkpoint.error ?? t("auditVerify.checkpoint", {
        origin: checkpoint.origin, size: String(checkpoint.size), root: checkpoint.root,
      });
  for (const check of events) {
    const item = timeline.querySelector(`li[data-version="${check.version}"]`);
    const chain = item.querySelector("[data-check=chain]");
    chain.dataset.state = check.chain.length ? "broken" : "linked";
    chain.textContent = check.chain.length
      ? t("auditVerify.broken", { problems: check.chain.map((p) => t(`auditVerify.${p.what}`, p)).join("; ") })
      : t("auditVerify.linked");
    const log = item.querySelector("[data-check=log]");
    log.dataset.state = check.log?.state ?? "checking";
    log.textContent = check.log ? t(`auditVerify.${check.log.state}`, check.log) : t("auditVerify.checking");
  }
  renderVerdict(checkpoint, events);
}

/** The case's verdict: all linked and proven, or how many are broken, pending, failed. */
function renderVerdict(checkpoint, events) {
  if (events.some((check) => !check.log)) {
    verdictLine.dataset.verified = "checking";
    verdictLine.textContent = t("auditVerify.checking");
    return;
  }
  const count = (state) => events.filter((check) => check.log.state === state).length;
  const broken = events.filter((check) => check.chain.length).length;
  const proven = count("proven");
  const failed = count("failed") + count("error");
  const verified = broken || failed ? "false" : proven === events.length ? "true" : "pending";
  verdictLine.dataset.verified = verified;
  verdictLine.textContent = verified === "true"
    ? t("auditVerify.allProven", { count: events.length, size: String(checkpoint.size) })
    : t("auditVerify.partly", {
      mark: verified === "false" ? "✗" : "…", count: events.length, linked: events.length - broken,
      broken, proven, pending: count("pending"), failed,
    });
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
