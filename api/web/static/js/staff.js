// Staff pages: the bearer token and the staff API client. The token lives in this tab's
// sessionStorage only (gone when the tab closes); when there is none, a small form at the
// top of the page asks for it. A refused token (401) is forgotten, so the next call asks
// again.
import { h } from "./common.js";
import { addStrings, t, translate } from "./i18n.js";

const KEY = "casetrail.staffToken";

addStrings({
  zh: {
    "token.title": "请输入访问令牌",
    "token.label": "访问令牌",
    "token.hint": "工作人员的令牌（casetrail token 签发），只保存在本标签页",
    "token.use": "使用",
    "token.network": "暂时无法连接服务器，请稍后再试。",
  },
  en: {
    "token.title": "Enter your access token",
    "token.label": "Access token",
    "token.hint": "A staff token (issued by casetrail token), kept in this tab only",
    "token.use": "Use",
    "token.network": "The server cannot be reached; try again shortly.",
  },
});

let asking = null;

function stored() {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

function keep(token) {
  try {
    if (token) sessionStorage.setItem(KEY, token);
    else sessionStorage.removeItem(KEY);
  } catch {
    // storage disabled: the token is asked for again on the next page
  }
}

/** The staff bearer token: one given in the address (``#token=…``, kept for the tab and
 * taken out of the address at once), else the one kept in this tab, else asked for with a
 * small form. */
export function staffToken() {
  const given = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (given) {
    keep(decodeURIComponent(given[1]));
    history.replaceState(history.state, "", location.pathname + location.search);
  }
  const token = stored();
  if (token) return Promise.resolve(token);
  asking ??= new Promise((resolve) => {
    const input = h("input", {
      id: "staff-token", name: "token", type: "password", autocomplete: "off", required: true,
      spellcheck: "false", "aria-describedby": "staff-token-hint",
    });
    const form = h("form", { class: "card form-grid token-form", id: "token-form" },
      h("h2", { class: "wide", "data-i18n": "token.title" }, t("token.title")),
      h("div", { class: "field wide" },
        h("label", { for: "staff-token", "data-i18n": "token.label" }, t("token.label")),
        input,
        h("small", { id: "staff-token-hint", "data-i18n": "token.hint" }, t("token.hint"))),
      h("div", { class: "actions" },
        h("button", { type: "submit", class: "primary", "data-i18n": "token.use" }, t("token.use"))));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const value = input.value.trim();
      if (!value) return;
      keep(value);
      form.remove();
      asking = null;
      resolve(value);
    });
    document.getElementById("main").prepend(form);
    translate(form);
    input.focus();
  });
  return asking;
}

/** Call the staff API with the bearer token (an object ``body`` is sent as JSON); the
 * parsed JSON body. A failure throws an
 * Error whose message is the problem's title and detail (``status`` and ``problem`` on it). */
export async function staffFetch(path, options = {}) {
  let body = options.body;
  const headers = new Headers(options.headers ?? {});
  if (body !== undefined && typeof body !== "string") {
    headers.set("Content-Type", "application/json");
    body = JSON.stringify(body);
  }
  const response = await request(path, { ...options, headers, body }, "application/json");
  return response.json().catch(() => null);
}

/** Download a staff API path (an export) with the bearer token: saved under the name
 * the server gives (Content-Disposition), else ``fallback``; that name. Failures throw
 * as above. */
export async function staffDownload(path, fallback) {
  const response = await request(path, {}, "*/*");
  const named = /filename="?([^";]+)"?/.exec(response.headers.get("Content-Disposition") ?? "");
  const name = named ? named[1] : fallback;
  const url = URL.createObjectURL(await response.blob());
  const link = h("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return name;
}

/** The response of an authorized request; a refusal or failure thrown as an Error. */
async function request(path, options, accept) {
  const token = await staffToken();
  const headers = new Headers(options.headers ?? {});
  headers.set("Authorization", `Bearer ${token}`);
  headers.set("Accept", accept);
  let response;
  try {
    response = await fetch(path, { ...options, headers });
  } catch {
    throw Object.assign(new Error(t("token.network")), { status: 0, problem: null });
  }
  if (response.ok) return response;
  const answer = await response.json().catch(() => null);
  if (response.status === 401) keep(null);
  const text = [answer?.title, answer?.detail].filter(Boolean).join(": ") || `HTTP ${response.status}`;
  throw Object.assign(new Error(text), { status: response.status, problem: answer });
}
