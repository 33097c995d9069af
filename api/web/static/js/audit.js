// 审计日志: the transparency log's latest signed checkpoint, its verifier key, and an
// inclusion proof looked up by id and version and checked here against the checkpoint's
// root (RFC 9162 §2.1.3.2, with the browser's SHA-256). The signature itself is checked
// with the published key by the tools the page names.
import { ApiError, apiError, dateTimeText, describeError, readQuery, showMessage, startPage, writeQuery } from "./common.js";
import { onLangChange, t } from "./i18n.js";

const AUDIT = "/api/v1/audit";
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
    const [note, signedAt] = await getText("checkpoint");
    checkpoint = { ...parseCheckpoint(note), note, signedAt };
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

/** GET a text route of the audit log: its body and Last-Modified. */
async function getText(path) {
  let response;
  try {
    response = await fetch(`${AUDIT}/${path}`, { headers: { Accept: "text/plain" } });
  } catch {
    throw new ApiError(0);
  }
  if (!response.ok) throw await apiError(response);
  return [await response.text(), response.headers.get("Last-Modified")];
}

/** The origin, size and root of a C2SP checkpoint note (its signature is not checked here). */
function parseCheckpoint(note) {
  const [origin, size, root] = note.split("\n");
  return { origin, size: BigInt(size), root };
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
  const url = new URL(`${AUDIT}/proofs/inclusion`, location.origin);
  url.searchParams.set("case_id", caseId);
  url.searchParams.set("version", version);
  if (checkpoint) url.searchParams.set("tree_size", String(checkpoint.size));
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
  lastProof = [proof, url, await verdict(proof)];
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
    `curl -so verifier-key ${location.origin}${AUDIT}/verifier-key`,
    `curl -so checkpoint ${location.origin}${AUDIT}/checkpoint`,
    `curl -so proof.json '${url.href}'`,
    `go run . verifier-key checkpoint proof.json CHAIN_HASH_HEX   # ${t("audit.chainHashHint")}`,
  ].join("\n");
}

/** Whether the proof leads from its leaf hash to the checkpoint's root. */
async function verdict(proof) {
  if (!checkpoint || !crypto.subtle || BigInt(proof.tree_size) !== checkpoint.size) return false;
  try {
    const root = await rootFromInclusionProof(
      BigInt(proof.leaf_index),
      BigInt(proof.tree_size),
      fromBase64(proof.leaf_hash),
      proof.hashes.map(fromBase64),
    );
    return toBase64(root) === checkpoint.root;
  } catch {
    return false;
  }
}

async function rootFromInclusionProof(index, size, leaf, proof) {
  if (index >= size) throw new Error("index beyond the tree");
  const inner = bitLength(index ^ (size - 1n));
  const border = popCount(index >> BigInt(inner));
  if (proof.length !== inner + border) throw new Error("wrong proof length");
  let seed = leaf;
  for (let i = 0; i < inner; i++) {
    seed = (index >> BigInt(i)) & 1n ? await nodeHash(proof[i], seed) : await nodeHash(seed, proof[i]);
  }
  for (let i = inner; i < proof.length; i++) seed = await nodeHash(proof[i], seed);
  return seed;
}

async function nodeHash(left, right) {
  const data = new Uint8Array(1 + left.length + right.length);
  data[0] = 1;
  data.set(left, 1);
  data.set(right, 1 + left.length);
  return new Uint8Array(await crypto.subtle.digest("SHA-256", data));
}

function bitLength(value) {
  return value === 0n ? 0 : value.toString(2).length;
}

function popCount(value) {
  return [...value.toString(2)].filter((bit) => bit === "1").length;
}

function fromBase64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function toBase64(bytes) {
  return btoa(String.fromCharCode(...bytes));
}
