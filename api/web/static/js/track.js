// 办件查询: look a case up by number and query code, then keep it current by polling
// the public API with If-None-Match (a 304 costs nothing); no reload needed.
import {
  API, fill, ApiError, apiError, departments, dateText, dateTimeText, h, showMessage, startPage,
} from "./common.js";
import { lang, onLangChange, t } from "./i18n.js";

const POLL_MS = 3000;
const PAUSED_STATUSES = new Set(["special_procedure", "suspended"]);
const CLOSED_STATUSES = new Set(["completed", "not_accepted", "withdrawn", "terminated", "forwarded"]);

startPage();
const form = document.getElementById("track-form");
const caseInput = document.getElementById("case-no");
const codeInput = document.getElementById("query-code");
const message = document.getElementById("track-message");
const section = document.getElementById("track-result");
const body = document.getElementById("result-body");
const liveNote = document.getElementById("live-note");
const submit = form.querySelector("button[type=submit]");

let tracked = null; // {caseNo, code, etag, data, timer, names}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const caseNo = caseInput.value.trim();
  const code = codeInput.value.trim();
  if (!caseNo || !code) {
    showMessage(message, t("track.required"));
    (caseNo ? codeInput : caseInput).focus();
    return;
  }
  lookUp(caseNo, code);
});

onLangChange(() => {
  if (tracked?.data) render(tracked.data, tracked.names);
  if (message.dataset.key) showMessage(message, t(message.dataset.key, JSON.parse(message.dataset.vars)));
});

document.addEventListener("visibilitychange", () => {
  if (!document.hidden && tracked) schedule(0);
});

async function fetchCase(caseNo, code, etag) {
  const url = `${API}/cases/${encodeURIComponent(caseNo)}?query_code=${encodeURIComponent(code)}`;
  const headers = { Accept: "application/json" };
  if (etag) headers["If-None-Match"] = etag;
  let response;
  try {
    response = await fetch(url, { headers, cache: "no-store" });
  } catch {
    throw new ApiError(0);
  }
  if (response.status === 304) return { notModified: true };
  if (!response.ok) throw await apiError(response);
  return { data: await response.json(), etag: response.headers.get("ETag") };
}

function say(key, vars = {}) {
  message.dataset.key = key;
  message.dataset.vars = JSON.stringify(vars);
  showMessage(message, t(key, vars));
}

function quiet() {
  delete message.dataset.key;
  showMessage(message, "");
}

async function lookUp(caseNo, code) {
  stop();
  quiet();
  submit.disabled = true;
  form.setAttribute("aria-busy", "true");
  try {
    const { data, etag } = await fetchCase(caseNo, code, null);
    const names = await departments();
    tracked = { caseNo, code, etag, data, names, timer: null };
    section.hidden = false;
    liveNote.textContent = "";
    render(data, names);
    document.getElementById("result-title")?.focus();
    schedule(POLL_MS);
  } catch (error) {
    section.hidden = true;
    body.replaceChildren();
    if (error.status === 404) say("track.notFound");
    else if (error.status === 429) say("error.tooMany", { seconds: error.retryAfter ?? 60 });
    else if (error.status === 0) say("error.network");
    else say("error.server", { status: error.status });
  } finally {
    submit.disabled = false;
    form.removeAttribute("aria-busy");
  }
}

function stop() {
  if (tracked?.timer) clearTimeout(tracked.timer);
  tracked = null;
}

function schedule(ms) {
  if (!tracked) return;
  clearTimeout(tracked.timer);
  tracked.timer = setTimeout(poll, ms);
}

async function poll() {
  const mine = tracked;
  if (!mine) return;
  if (document.hidden) return; // resumed by visibilitychange
  try {
    const answer = await fetchCase(mine.caseNo, mine.code, mine.etag);
    if (tracked !== mine) return;
    if (!answer.notModified) {
      const before = mine.data;
      mine.etag = answer.etag;
      if (answer.data.version !== before.version || answer.data.position !== before.position) {
        mine.data = answer.data;
        render(answer.data, mine.names);
        if (answer.data.timeline.length !== before.timeline.length || answer.data.status !== before.status) {
          liveNote.textContent = t("track.liveUpdated", { status: statusText(answer.data) });
        }
      }
    }
    schedule(POLL_MS);
  } catch (error) {
    if (tracked !== mine) return;
    if (error.status === 404) {
      stop();
      say("track.notFound");
    } else if (error.status === 429) {
      schedule((error.retryAfter ?? 30) * 1000);
    } else {
      schedule(POLL_MS * 3);
    }
  }
}

function label(value, fallback) {
  return (value && (value[lang()] ?? value.zh)) || fallback;
}

function statusText(data) {
  return label(data.status_label, data.status);
}

function render(data, names) {
  const closed = CLOSED_STATUSES.has(data.status);
  const paused = data.paused ?? PAUSED_STATUSES.has(data.status);
  const department = data.department_name ?? names[data.department] ?? data.department;
  fill(body,
    h("div", { class: "card result-head" },
      h("h2", { id: "result-title", tabindex: "-1" }, t("track.resultTitle", { caseNo: data.case_no })),
      h("p", { class: "status" },
        h("span", { class: "status-label" }, `${t("track.status")}${t("colon")}`),
        h("strong", { class: `badge status-${data.status}`, id: "case-status" }, statusText(data))),
      h("dl", { class: "facts" },
        fact(t("track.item"), `${data.item_name}（${data.item_code}）`),
        fact(t("track.department"), department),
        fact(t("track.applicant"), data.applicant),
        fact(t("track.channel"), t(`channel.${data.channel}`))),
    ),
    deadlines(data, closed, paused),
    missing(data),
    decision(data),
    rating(data, closed),
    h("section", { class: "card", "aria-labelledby": "timeline-title" },
      h("h3", { id: "timeline-title" }, t("track.timeline")),
      h("ol", { class: "timeline", id: "timeline" },
        data.timeline.map((m) => h("li", { dataset: { status: m.status } },
          h("time", { datetime: m.at, title: dateTimeText(m.at) }, m.date ?? dateText(m.at)),
          h("span", {}, label(m.label, m.status))))),
      h("p", { class: "hint" },
        data.updated_at ? t("track.updatedAt", { time: dateTimeText(data.updated_at) }) : "",
        " ", closed ? "" : t("track.live"))),
  );
}

function fact(name, value) {
  return [h("dt", {}, name), h("dd", {}, value ?? "—")];
}

function deadlines(data, closed, paused) {
  if (!data.promised_deadline && !data.statutory_deadline) return null;
  let clock = null;
  if (!closed && paused) {
    clock = h("p", { class: "clock paused", id: "clock" }, t("track.paused"));
  } else if (!closed && Number.isInteger(data.days_remaining)) {
    // counted in the promised limit's unit: working days (G) or natural days (Z)
    const days = data.days_remaining;
    const unit = data.limit_unit === "Z" ? "Z" : "G";
    const text = days > 0 ? t(`track.remaining.${unit}`, { days })
      : days === 0 ? t("track.dueToday") : t(`track.overdue.${unit}`, { days: -days });
    clock = h("p", { class: `clock${days < 0 ? " overdue" : ""}`, id: "clock" }, text);
  }
  const provisional = data.deadline_provisional ? h("small", {}, ` ${t("track.provisional")}`) : null;
  return h("section", { class: "card deadline", "aria-label": t("track.promised") },
    h("dl", { class: "facts" },
      data.promised_deadline ? fact(t("track.promised"), [dateText(data.promised_deadline), provisional]) : null,
      data.statutory_deadline ? fact(t("track.statutory"), dateText(data.statutory_deadline)) : null),
    clock);
}

function missing(data) {
  if (!data.missing?.length) return null;
  return h("section", { class: "card attention", "aria-labelledby": "missing-title" },
    h("h3", { id: "missing-title" }, t("track.missing")),
    h("ul", { id: "missing" }, data.missing.map((name) => h("li", {}, name))),
    h("p", { class: "hint" }, t("track.missingLead")));
}

function decision(data) {
  const d = data.decision;
  if (!d) return null;
  return h("section", { class: `card decision outcome-${d.outcome}`, "aria-labelledby": "decision-title" },
    h("h3", { id: "decision-title" }, t("track.decision")),
    h("p", { class: "outcome" }, h("strong", {}, t(`outcome.${d.outcome}`))),
    d.reasons?.length ? [h("h4", {}, t("track.reasons")), h("ul", {}, d.reasons.map((r) => h("li", {}, r)))] : null,
    d.legal_basis ? [h("h4", {}, t("track.legalBasis")), h("p", {}, d.legal_basis)] : null,
    d.appeal_notice ? [h("h4", {}, t("track.appeal")), h("p", {}, d.appeal_notice)] : null);
}

function rating(data, closed) {
  if (!closed || !data.rating_url || !data.rating_url.startsWith("/api/")) return null;
  if (tracked?.rated) {
    return h("section", { class: "card rating", "aria-labelledby": "rating-title" },
      h("h3", { id: "rating-title" }, t("track.rate")),
      h("p", { id: "rating-status" }, t("rating.thanks")));
  }
  const status = h("p", { class: "hint", id: "rating-status", role: "status" });
  const levels = [5, 4, 3, 2, 1].map((level) => h("label", { class: "choice" },
    h("input", { type: "radio", name: "level", value: String(level), required: true }),
    ` ${t(`rating.${level}`)}`));
  const comment = h("textarea", { id: "rating-comment", name: "comment", rows: "2", maxlength: "500" });
  const form = h("form", { class: "card rating", id: "rating-form", "aria-labelledby": "rating-title" },
    h("h3", { id: "rating-title" }, t("track.rate")),
    h("fieldset", {}, h("legend", {}, t("rating.level")), levels),
    h("div", { class: "field" }, h("label", { for: "rating-comment" }, t("rating.comment")), comment),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("rating.submit"))),
    status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const level = form.querySelector("input[name=level]:checked")?.value;
    if (!level) {
      status.textContent = t("rating.choose");
      return;
    }
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      const response = await fetch(data.rating_url, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({
          query_code: tracked?.code ?? "", stage: "closure", level: Number(level), comment: comment.value.trim(),
        }),
      });
      if (response.ok) {
        if (tracked) tracked.rated = true;
        form.replaceChildren(h("h3", { id: "rating-title" }, t("track.rate")),
          h("p", { role: "status", id: "rating-status" }, t("rating.thanks")));
        return;
      }
      const error = await apiError(response);
      status.textContent = error.status === 429 ? t("error.tooMany", { seconds: error.retryAfter ?? 60 })
        : error.status === 422 || error.status === 409 ? t("rating.refused") : t("error.server", { status: error.status });
    } catch {
      status.textContent = t("error.network");
    }
    button.disabled = false;
  });
  return form;
}
