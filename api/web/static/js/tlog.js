// The transparency log as the browser reads and checks it: the latest checkpoint (its
// origin, size and root; the signature is checked with the published key by the tools
// the audit-log page names), an event's inclusion proof, and whether that proof leads
// from the event's leaf to the checkpoint's root (RFC 9162 §2.1.3.2, with WebCrypto).
import { ApiError, apiError } from "./common.js";

export const AUDIT_LOG = "/api/v1/audit";

/** GET a text route of the audit log: its body and Last-Modified, or throws ApiError. */
export async function getText(path) {
  let response;
  try {
    response = await fetch(`${AUDIT_LOG}/${path}`, { headers: { Accept: "text/plain" } });
  } catch {
    throw new ApiError(0);
  }
  if (!response.ok) throw await apiError(response);
  return [await response.text(), response.headers.get("Last-Modified")];
}

/** The latest checkpoint: {origin, size (BigInt), root (base64), note, signedAt}. */
export async function latestCheckpoint() {
  const [note, signedAt] = await getText("checkpoint");
  const [origin, size, root] = note.split("\n");
  return { origin, size: BigInt(size), root, note, signedAt };
}

/** The address of an event's inclusion proof, in the tree of ``treeSize`` when given. */
export function inclusionProofUrl(caseId, version, treeSize = null) {
  const url = new URL(`${AUDIT_LOG}/proofs/inclusion`, location.origin);
  url.searchParams.set("case_id", caseId);
  url.searchParams.set("version", String(version));
  if (treeSize !== null) url.searchParams.set("tree_size", String(treeSize));
  return url;
}

/** Whether the proof leads from its leaf hash to the checkpoint's root; with the event's
 * chain hash (hex), also whether its leaf hash is SHA-256(0x00 ‖ that chain hash). */
export async function proofVerifies(proof, checkpoint, chainHash = null) {
  if (!checkpoint || !crypto.subtle || BigInt(proof.tree_size) !== checkpoint.size) return false;
  try {
    const leaf = fromBase64(proof.leaf_hash);
    if (chainHash !== null && toBase64(await leafHash(fromHex(chainHash))) !== proof.leaf_hash) {
      return false;
    }
    const root = await rootFromInclusionProof(
      BigInt(proof.leaf_index),
      BigInt(proof.tree_size),
      leaf,
      proof.hashes.map(fromBase64),
    );
    return toBase64(root) === checkpoint.root;
  } catch {
    return false;
  }
}

/** RFC 9162 §2.1.3.2: the root an inclusion proof leads to from a leaf hash. */
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

/** SHA-256(0x00 ‖ data): a leaf's hash. */
function leafHash(data) {
  return prefixedHash(0, data);
}

/** SHA-256(0x01 ‖ left ‖ right): an interior node's hash. */
function nodeHash(left, right) {
  const both = new Uint8Array(left.length + right.length);
  both.set(left);
  both.set(right, left.length);
  return prefixedHash(1, both);
}

async function prefixedHash(prefix, bytes) {
  const data = new Uint8Array(1 + bytes.length);
  data[0] = prefix;
  data.set(bytes, 1);
  return new Uint8Array(await crypto.subtle.digest("SHA-256", data));
}

function bitLength(value) {
  return value === 0n ? 0 : value.toString(2).length;
}

function popCount(value) {
  return [...value.toString(2)].filter((bit) => bit === "1").length;
}

function fromHex(text) {
  if (!/^(?:[0-9a-f]{2})+$/i.test(text)) throw new Error("not hex");
  return Uint8Array.from(text.match(/../g), (pair) => parseInt(pair, 16));
}

function fromBase64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function toBase64(bytes) {
  return btoa(String.fromCharCode(...bytes));
}
