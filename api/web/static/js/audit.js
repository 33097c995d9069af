// 审计日志: the transparency log's latest signed checkpoint, its verifier key, and an
// inclusion proof looked up by id and version and checked here against the checkpoint's
// root (RFC 9162 §2.1.3.2, with the browser's SHA-256). The signature itself is checked
// with the published key by the tools the page names.
import { ApiError, apiError, dateTimeText, describeError, readQuery, showMessage, startPage, writeQuery } from "./common.js";
import { onLangChange, t } from "./i18n.js";
import { AUDIT_LOG, getText, inclusionProofUrl, latestCheckpoint, proofVerifies } from "./tlog.js";

startPage();
const message = document.getElementById("audit-message");
const facts = document.getElementById("checkpoint");
const form = document.getElementById("proof-form");
const fields = { case_id: document.getElementById("case-id"), version: document.getElementById("version") };
const result = document.getElementById("proof-result");
const status = document.getElementById("proof-status");
let checkpoint = null;
let lastProof = null;

const commands = document.getElementById("go-commands");
commands.textContent = commands.textContent.replaceAll("ORIGIN", location.origin);
form.addEventListener("submit", (event) => {
  event.preventDefault();
  lookUp(fields.case_id.value.trim(), fields.version.value.trim());
});
onLangChange(() => {
  renderCheckpoint();
  if (lastProof) renderProof(...lastProof);
});
init();

async function init() {
  const asked = readQuery(["case_id", "version"]);
  try {
    checkpoint = await latestCheckpoint();
    renderCheckpoint();
  } catch (error) {
    showMessage(message, error instanceof ApiError && error.status === 404 ? t("audit.noCheckpoint") : describeError(error));
  } finally {
    facts.removeAttribute("aria-busy");
  }
  try {
    document.getElementById("vkey").textContent = (await getText("verifier-key"))[0];
  } catch {
    document.getElementById("vkey").textContent = t("audit.noKey");
  }
  if (asked.case_id) {
    fields.case_id.value = asked.case_id;
    fields.version.value = asked.version || "1";
    await lookUp(asked.case_id, fields.version.value);
  }
}

function renderCheckpoint() {
  if (!checkpoint) return;
  document.getElementById("cp-origin").textContent = checkpoint.origin;
  document.getElementById("cp-size").textContent = checkpoint.size.toLocaleString();
  document.getElementById("cp-root").textContent = checkpoint.root;
  document.getElementById("cp-signed").textContent = checkpoint.signedAt ? dateTimeText(checkpoint.signedAt) : "—";
  document.getElementById("cp-note").textContent = checkpoint.note;
}

async function lookUp(caseId, version) {
  writeQuery({ case_id: caseId, version });
  if (!caseId || !/^[1-9][0-9]{0,9}$/.test(version)) {
    result.hidden = true;
    showMessage(message, t("audit.required"));
    return;
  }
  const url = inclusionProofUrl(caseId, version, checkpoint?.size ?? null);
  let response;
  try {
    response = await fetch(url, { headers: { Accept: "application/json" } });
  } catch {
    showMessage(message, t("error.network"));
    return;
  }
  if (!response.ok) {
    const problem = await apiError(response);
    result.hidden = true;
    lastProof = null;
    const known = { 404: "audit.notInLog", 422: "audit.badInput" }[problem.status];
    showMessage(message, known ? t(known) : describeError(problem));
    return;
  }
  showMessage(message, "");
  const proof = await response.json();
  lastProof = [proof, url, await proofVerifies(proof, checkpoint)];
  renderProof(...lastProof);
}

function renderProof(proof, url, verified) {
  result.hidden = false;
  status.textContent = t(verified ? "audit.verified" : "audit.notVerified", {
    index: proof.leaf_index,
    size: proof.tree_size,
  });
  status.dataset.verified = String(verified);
  document.getElementById("proof-json").textContent = JSON.stringify(proof, null, 2);
  document.getElementById("proof-commands").textContent = [
    `curl -so verifier-key ${location.origin}${AUDIT_LOG}/verifier-key`,
    `curl -so checkpoint ${location.origin}${AUDIT_LOG}/checkpoint`,
    `curl -so proof.json '${url.href}'`,
    `go run . verifier-key checkpoint proof.json CHAIN_HASH_HEX   # ${t("audit.chainHashHint")}`,
  ].join("\n");
}
