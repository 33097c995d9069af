"""``casetrail privacy …``: erase an applicant's personal data, re-wrap data keys."""

from __future__ import annotations

from infra.config import Settings
from infra.entrypoints.bootstrap import build_application, open_pool
from infra.entrypoints.operator_token import operator
from infra.master_keys import MasterKeys
from infra.personal_data_store import PostgresPersonalDataStore

DEFAULT_LEGAL_BASIS = "《中华人民共和国个人信息保护法》第四十七条"


def erase(
    settings: Settings, *, token: str | None, id_number: str, reason: str, legal_basis: str
) -> int:
    """Erase the applicant with ``id_number``, acting as the hall administrator whose
    token is given (``--token`` or ``CASETRAIL_TOKEN``); prints what was recorded."""
    actor = operator(settings, token)
    with open_pool(settings.api_database_url, max_size=2) as pool:
        app = build_application(settings, pool)
        try:
            erasure = app.erase_applicant(
                actor, id_number=id_number, reason=reason, legal_basis=legal_basis
            )
        finally:
            app.close()
    print(f"applicant {erasure.subject[:16]}…: {len(erasure.case_ids)} case(s)")
    for recorded in erasure.recorded:
        print(f"  erased on case {recorded.aggregate_id} (version {recorded.version})")
    if not erasure.recorded:
        print("  already erased: nothing new recorded")
    print("data keys destroyed")
    return 0


def rewrap(settings: Settings) -> int:
    """Re-wrap every live data key under the keyring's current (first) master key."""
    keys = MasterKeys.parse(settings.master_keys)
    with open_pool(settings.api_database_url, max_size=1) as pool:
        moved = PostgresPersonalDataStore(pool, keys).rewrap()
    print(f"{moved} data key(s) re-wrapped under master key {keys.current}")
    return 0
