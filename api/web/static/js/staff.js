// Staff pages' access to the API: the staff member's bearer token, kept for this browser
// tab only, and fetch with it. Open a staff page as /audit/anomalies#token=<token> (the
// token leaves the address at once) or paste it in the page's token form.
const KEY = "casetrail.staffToken";

/** The staff bearer token: taken from the address's #token=… (then kept for the tab and
 * removed from the address), else the one kept for the tab; null when there is none. */
export function staffToken() {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem(KEY, decodeURIComponent(match[1]));
    history.replaceState(history.state, "", location.pathname + location.search);
  }
  return sessionStorage.getItem(KEY);
}

/** Fetch an API path with ``Authorization: Bearer``; an object ``body`` is sent as JSON.
 * The parsed JSON answer, or throws an Error whose message is the problem's title and
 * detail (with ``status`` and ``problem`` on it). */
export async function staffFetch(path, options = {}) {
  const headers = { Accept: "application/json", ...(options.headers ?? {}) };
  const token = staffToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let body = options.body;
  if (body !== undefined && typeof body !== "string") {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(body);
  }
  const response = await fetch(path, { ...options, headers, body });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const said = [data?.title, data?.detail].filter(Boolean).join(": ");
    const error = new Error(said || `HTTP ${response.status}`);
    error.status = response.status;
    error.problem = data;
    throw error;
  }
  return data;
}
