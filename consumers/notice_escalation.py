"""The timed rule of supervision notices: an unanswered notice past its date escalates,
once. The deadline sweeper runs it after each sweep (``timed_rules``), bound to its
application: ``functools.partial(escalate_overdue_notices, application)``.

The open notices past their date come from the read side; the aggregate decides, so a
notice the view still shows open (answered or escalated moments ago, not yet projected)
records nothing, and of two sweepers racing only one escalation is recorded.
"""

from __future__ import annotations

import logging
from datetime import date
from uuid import UUID

import psycopg

from domain.application import HallApplication
from projections.supervision_notices_store import overdue

log = logging.getLogger("casetrail.notices")


def escalate_overdue_notices(
    application: HallApplication, conn: psycopg.Connection, today: date
) -> int:
    """Escalate every open notice whose date to respond by is before ``today``; how many
    escalations were recorded now."""
    with conn.transaction():
        candidates = overdue(conn, today)
    recorded = 0
    for notice_id in candidates:
        if application.escalate_notice(UUID(notice_id), today) is not None:
            log.info("supervision notice %s escalated on %s", notice_id, today)
            recorded += 1
    return recorded
