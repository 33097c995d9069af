"""The demo hall's applicants never appear in any public response: their ID numbers,
phones, addresses and persons' full names are scanned for everywhere the public can read."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import httpx
from eventsourcing.utils import get_topic

from domain.case import Submitted
from domain.clock import SimulatedClock
from infra.entrypoints.bootstrap import build_application, open_pool
from infra.entrypoints.demo import anomalous, generate
from tests.integration.harness import Platform, public_text, wait_until


def test_no_demo_applicant_data_in_any_public_response(platform: Platform) -> None:
    with open_pool(platform.settings.api_database_url, max_size=2) as pool:
        live = build_application(platform.settings, pool)
        now = live.clock.now()
        clock = SimulatedClock(now - timedelta(days=30))
        simulated = build_application(platform.settings, pool, clock=clock)
        demo = generate(simulated, clock, cases=40, days=25, until=now, progress=lambda _: None)
        submitted = simulated.recorder.select_notifications(
            start=None, limit=10_000, topics=[get_topic(Submitted)]
        )
        applicants = [
            simulated.personal_data.open_applicant(
                simulated.get_case(UUID(str(n.originator_id))).applicant
            )
            or {}
            for n in submitted
        ]
        simulated.close()
        live.close()
    secrets = {
        value
        for a in applicants
        for key, value in a.items()
        if value
        and (key in ("id_number", "phone", "address") or (key == "name" and a["kind"] == "person"))
    }
    assert len(applicants) == 40 + len(anomalous()) and len(secrets) > 40

    for name in ("relay", "project", "api"):
        platform.start(name)
    with httpx.Client(base_url=platform.base_url, timeout=30) as anyone:
        closed = sum(
            d.status in {"completed", "not_accepted", "withdrawn", "terminated", "forwarded"}
            for d in demo
        )
        wait_until(
            lambda: anyone.get("/api/v1/public/decisions").json()["total"] == closed,
            what="the demo cases in the public views",
        )
        text = public_text(anyone, [(d.case_no, d.query_code) for d in demo])
    assert all(d.case_no in text for d in demo)  # every case was really read
    leaked = sorted(secret for secret in secrets if secret in text)
    assert not leaked, f"personal data in public responses: {leaked}"
