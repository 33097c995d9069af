// Helpers shared by the pages: DOM building (text only, never HTML from data),
// the public API client, and formatting.
import { lang, t, setupI18n } from "./i18n.js";

export const API = "/api/v1/public";

/** Build an element: h("p", {class: "x"}, "text", child, ...). Strings become text nodes. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "dataset") Object.assign(el.dataset, value);
    else if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

/** Replace an element's children; null, undefined and false are skipped, arrays flattened. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** An API failure with its HTTP status (0 when the server could not be reached). */
export class ApiError extends Error {
  constructor(status, retryAfter = null, problem = null) {
    super(`HTTP ${status}`);
    this.status = status;
    this.retryAfter = retryAfter;
    this.problem = problem;
  }
}

/** GET a public API path; the parsed JSON body, or throws ApiError. */
export async function getJSON(path, params = {}) {
  const url = new URL(path.startsWith("/") ? path : `${API}/${path}`, location.origin);
  for (const [name, value] of Object.entries(params)) {
    if (value !== "" && value !== null && value !== undefined) url.searchParams.set(name, value);
  }
  let response;
  try {
    response = await fetch(url, { headers: { Accept: "application/json" } });
  } catch {
    throw new ApiError(0);
  }
  if (!response.ok) throw await apiError(response);
  return response.json();
}

export async function apiError(response) {
  let problem = null;
  try {
    problem = await response.json();
  } catch {
    // not JSON
  }
  return new ApiError(response.status, retryAfterSeconds(response), problem);
}

export function retryAfterSeconds(response) {
  const value = response.headers.get("Retry-After");
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(1, Math.ceil(seconds));
  const when = Date.parse(value);
  return Number.isNaN(when) ? null : Math.max(1, Math.ceil((when - Date.now()) / 1000));
}

/** A sentence for the user about an API failure. */
export function describeError(error) {
  if (!(error instanceof ApiError) || error.status === 0) return t("error.network");
  if (error.status === 429) return t("error.tooMany", { seconds: error.retryAfter ?? 60 });
  if (error.status === 404 || error.status === 405) return t("error.notYet", { status: error.status });
  return t("error.server", { status: error.status });
}

/** Show ``text`` in a message box (role=alert), or hide it when text is empty. */
export function showMessage(box, text, kind = "error") {
  box.textContent = text ?? "";
  box.hidden = !text;
  box.dataset.kind = kind;
}

let departmentsPromise = null;

/** {code: name} of the hall's departments; empty when the list is not available. */
export function departments() {
  departmentsPromise ??= getJSON("departments")
    .then((body) => body.departments ?? {})
    .catch(() => ({}));
  return departmentsPromise;
}

/** Fill a <select> with {value: label} options after its first ("all") option. */
export function fillSelect(select, options, selected = "") {
  const first = select.options[0];
  select.replaceChildren(first);
  for (const [value, label] of options) select.append(h("option", { value }, label));
  select.value = [...select.options].some((o) => o.value === selected) ? selected : "";
}

export function percent(value) {
  return value === null || value === undefined ? "—" : `${(value * 100).toFixed(1)}%`;
}

export function number(value, digits = 1) {
  if (value === null || value === undefined) return "—";
  return Number.isInteger(value) ? String(value) : Number(value).toFixed(digits);
}

/** "10 个工作日" / "10 working days" from {days, unit}; "—" when absent. */
export function limit(value) {
  if (!value) return "—";
  return `${value.days} ${t(`unit.${value.unit}`)}`;
}

/** 12345 fen → "123.45". */
export function yuan(fen) {
  return (Number(fen) / 100).toFixed(2);
}

export function dateText(value) {
  if (!value) return "—";
  return String(value).slice(0, 10);
}

export function dateTimeText(value) {
  if (!value) return "";
  const when = new Date(value);
  if (Number.isNaN(when.getTime())) return String(value);
  return when.toLocaleString(lang() === "en" ? "en-GB" : "zh-CN", {
    timeZone: "Asia/Shanghai",
    dateStyle: "medium",
    timeStyle: "short",
  });
}

/** Read and write a page's state in the address (?q=…&page=…) without reloading. */
export function readQuery(names) {
  const params = new URLSearchParams(location.search);
  return Object.fromEntries(names.map((name) => [name, params.get(name) ?? ""]));
}

export function writeQuery(values) {
  const url = new URL(location.href);
  for (const [name, value] of Object.entries(values)) {
    if (value === "" || value === null || value === undefined) url.searchParams.delete(name);
    else url.searchParams.set(name, value);
  }
  history.replaceState(history.state, "", url);
}

export function startPage() {
  setupI18n();
}
