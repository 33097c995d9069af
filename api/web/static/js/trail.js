// What the inspectors' trail pages share: their strings, the audit API's addresses (each
// read names its case file), and how one recorded event is shown.
import { dateTimeText, h } from "./common.js";
import { addStrings, t } from "./i18n.js";

export const AUDIT = "/api/v1/audit";

addStrings({
  zh: {
    "audit.navLabel": "审计页面",
    "audit.navCase": "办件轨迹",
    "audit.navOfficer": "人员轨迹",
    "audit.caseFile": "案卷号",
    "audit.caseFileHint": "本次查阅所依据的案卷（必填，每次查阅都会登记）",
    "audit.actor": "办理人",
    "audit.role": "角色",
    "audit.department": "部门",
    "audit.version": "版本 {version}",
    "audit.content": "完整内容",
    "audit.links": "哈希链：前一哈希 {prevhash}，本事件哈希 {hash}",
    "audit.case": "办件",
    "audit.type": "事件类型",
    "audit.count": "次数",
    "audit.time": "时间",
    "audit.none": "没有记录。",
    "auditCase.title": "办件审计轨迹",
    "auditCase.lead": "纪检监察：办件的全部事件，谁在什么时间、以什么角色和部门办理；可展开每个事件查看完整内容，并比较任意两个版本。每次查阅均以案卷号登记。",
    "auditCase.caseNo": "办件编号（或办件 ID）",
    "auditCase.show": "查看轨迹",
    "auditCase.required": "请填写办件编号和案卷号。",
    "auditCase.notFound": "轨迹中没有该办件。",
    "auditCase.heading": "办件 {caseNo}",
    "auditCase.summary": "{department} · {channel} · 共 {count} 个事件",
    "auditCase.pick": "选择比较",
    "auditCase.compare": "比较所选的两个版本",
    "auditCase.pickTwo": "请在时间线上选择两个版本。",
    "auditCase.diffTitle": "版本 {from} → {to} 的变化",
    "auditCase.path": "字段",
    "auditCase.before": "之前",
    "auditCase.after": "之后",
    "auditCase.noChanges": "这两个版本没有差异。",
    "auditCase.between": "其间的事件",
    "auditVerify.title": "证明与核验状态",
    "auditVerify.lead": "在本浏览器中核对：每个事件的前一哈希等于上一事件的哈希（第一个事件为 64 个 0）、版本号连续；每个事件的包含证明（取自公开的证明接口）从其叶子哈希 SHA-256(0x00 ‖ 链哈希) 通向最新检查点的根哈希。",
    "auditVerify.checkpoint": "最新检查点：{origin}，大小 {size}，根哈希 {root}",
    "auditVerify.noCheckpoint": "日志尚未签署检查点。",
    "auditVerify.checking": "正在核对……",
    "auditVerify.linked": "✓ 链接完整",
    "auditVerify.broken": "✗ 链接断开：{problems}",
    "auditVerify.version": "版本号应为 {expected}，实为 {found}",
    "auditVerify.prevhash": "前一哈希应为 {expected}…，实为 {found}…",
    "auditVerify.proven": "✓ 在日志中第 {index} 号叶子，已对照大小为 {size} 的检查点证明",
    "auditVerify.pending": "… 尚未进入检查点",
    "auditVerify.failed": "✗ 证明不成立：叶子哈希或根哈希与该事件、检查点不符",
    "auditVerify.error": "✗ 未能取得证明：{message}",
    "auditVerify.allProven": "✓ 全部 {count} 个事件链接完整，并已对照大小为 {size} 的检查点证明。",
    "auditVerify.partly": "{mark} 哈希链：{linked}/{count} 个事件链接完整，{broken} 处断开；日志：{proven} 个已证明，{pending} 个尚未进入检查点，{failed} 个证明不成立或未能取得。",
    "auditOfficer.title": "人员履职轨迹",
    "auditOfficer.lead": "纪检监察：某一工作人员在各办件中的全部操作，按事件类型统计，并列出涉及的办件。每次查阅均以案卷号登记。",
    "auditOfficer.officer": "人员（用户 ID）",
    "auditOfficer.from": "起始日期",
    "auditOfficer.to": "截止日期（含）",
    "auditOfficer.search": "检索",
    "auditOfficer.required": "请填写人员和案卷号。",
    "auditOfficer.summary": "{officer}：共 {total} 次操作，涉及 {cases} 件办件",
    "auditOfficer.byType": "按事件类型统计",
    "auditOfficer.cases": "涉及的办件",
    "auditOfficer.events": "操作次数",
    "auditOfficer.first": "首次",
    "auditOfficer.last": "最近",
    "auditOfficer.actions": "操作记录（最新在前）",
    "auditOfficer.noCharts": "图表组件未能加载，统计见下表。",
  },
  en: {
    "audit.navLabel": "Audit pages",
    "audit.navCase": "Case trail",
    "audit.navOfficer": "Officer trail",
    "audit.caseFile": "Case file reference",
    "audit.caseFileHint": "The case file this read is for (required; every read is recorded)",
    "audit.actor": "Actor",
    "audit.role": "Role",
    "audit.department": "Department",
    "audit.version": "Version {version}",
    "audit.content": "Whole content",
    "audit.links": "Hash chain: previous {prevhash}, this event {hash}",
    "audit.case": "Case",
    "audit.type": "Event type",
    "audit.count": "Count",
    "audit.time": "Time",
    "audit.none": "Nothing recorded.",
    "auditCase.title": "Case audit trail",
    "auditCase.lead": "For discipline inspectors: every event of a case, who acted, when, in which role and department; expand an event for its whole content and compare any two versions. Every read is recorded with its case file.",
    "auditCase.caseNo": "Case number (or case id)",
    "auditCase.show": "Show the trail",
    "auditCase.required": "Enter the case number and the case file reference.",
    "auditCase.notFound": "The trail has no such case.",
    "auditCase.heading": "Case {caseNo}",
    "auditCase.summary": "{department} · {channel} · {count} events",
    "auditCase.pick": "Compare",
    "auditCase.compare": "Compare the two versions picked",
    "auditCase.pickTwo": "Pick two versions on the timeline.",
    "auditCase.diffTitle": "Changes from version {from} to {to}",
    "auditCase.path": "Field",
    "auditCase.before": "Before",
    "auditCase.after": "After",
    "auditCase.noChanges": "The two versions do not differ.",
    "auditCase.between": "Events in between",
    "auditVerify.title": "Proof and verification status",
    "auditVerify.lead": "Checked here, in this browser: each event's previous hash is the hash of the event before it (64 zeros for the first), versions follow one another; each event's inclusion proof, from the public proof route, leads from its leaf hash SHA-256(0x00 ‖ chain hash) to the root hash of the latest checkpoint.",
    "auditVerify.checkpoint": "Latest checkpoint: {origin}, size {size}, root hash {root}",
    "auditVerify.noCheckpoint": "The log has not signed a checkpoint yet.",
    "auditVerify.checking": "Checking…",
    "auditVerify.linked": "✓ Linked",
    "auditVerify.broken": "✗ Broken link: {problems}",
    "auditVerify.version": "version should be {expected}, is {found}",
    "auditVerify.prevhash": "previous hash should be {expected}…, is {found}…",
    "auditVerify.proven": "✓ In the log at leaf {index}, proven against the checkpoint of size {size}",
    "auditVerify.pending": "… Not yet in a checkpoint",
    "auditVerify.failed": "✗ The proof does not verify: its leaf or root hash does not match this event and the checkpoint",
    "auditVerify.error": "✗ The proof could not be fetched: {message}",
    "auditVerify.allProven": "✓ All {count} events linked and proven against the checkpoint of size {size}.",
    "auditVerify.partly": "{mark} Hash chain: {linked} of {count} events linked, {broken} broken; log: {proven} proven, {pending} not yet in a checkpoint, {failed} not verified or not fetched.",
    "auditOfficer.title": "Officer trail",
    "auditOfficer.lead": "For discipline inspectors: everything one staff member did across cases, counted by event type, with the cases touched. Every read is recorded with its case file.",
    "auditOfficer.officer": "Officer (user id)",
    "auditOfficer.from": "From",
    "auditOfficer.to": "To (inclusive)",
    "auditOfficer.search": "Search",
    "auditOfficer.required": "Enter the officer and the case file reference.",
    "auditOfficer.summary": "{officer}: {total} actions on {cases} cases",
    "auditOfficer.byType": "By event type",
    "auditOfficer.cases": "Cases touched",
    "auditOfficer.events": "Actions",
    "auditOfficer.first": "First",
    "auditOfficer.last": "Last",
    "auditOfficer.actions": "Actions (newest first)",
    "auditOfficer.noCharts": "The chart could not be loaded; the table below has every figure.",
  },
});

/** An audit API address with its parameters; empty ones are left out. */
export function auditPath(path, params) {
  const url = new URL(`${AUDIT}/${path}`, location.origin);
  for (const [name, value] of Object.entries(params)) {
    if (value !== "" && value !== null && value !== undefined) url.searchParams.set(name, value);
  }
  return url.pathname + url.search;
}

/** ``casetrail.case.step_completed.v2`` → ``case.step_completed``. */
export function kind(type) {
  return type.replace(/^casetrail\./, "").replace(/\.v\d+$/, "");
}

/** Who acted: "officer-scjg（officer · SCJG）". */
export function actorText(actor) {
  return `${actor.id}（${actor.role} · ${actor.department}）`;
}

/** One event: version, type, actor and time, and its whole content when expanded. */
export function eventDetails(event) {
  return h("details", { class: "event", dataset: { version: event.version } },
    h("summary", {},
      h("span", { class: "mono" }, t("audit.version", { version: event.version })), " ",
      h("strong", {}, kind(event.type)), " ",
      h("span", { class: "actor" }, actorText(event.actor)), " ",
      h("time", { datetime: event.time }, dateTimeText(event.time))),
    h("p", { class: "hint mono chain" }, t("audit.links", {
      prevhash: event.prevhash.slice(0, 16), hash: event.hash.slice(0, 16),
    })),
    h("pre", { class: "content", "aria-label": t("audit.content") },
      JSON.stringify(event.data, null, 2)));
}

/** A YYYY-MM-DD day's start in the hall's time zone, and the next day's (for ``to``). */
export function dayStart(day, plusDays = 0) {
  if (!day) return "";
  const next = new Date(`${day}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + plusDays);
  return `${next.toISOString().slice(0, 10)}T00:00:00+08:00`;
}
