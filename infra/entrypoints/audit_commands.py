"""``casetrail audit verify``, ``export`` and ``verify-bundle``: thin commands over
``consumers.audit_verification``, ``consumers.audit_export`` and
``domain.transparency.bundle``.

``verify-bundle`` is what a third-party evaluator runs: it imports neither the
database nor the Kafka client (nor the settings, which would), and reads nothing but
the bundle and the key it is given.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from domain.transparency.bundle import BundleError, verify_bundle
from domain.transparency.note import NoteError, Verifier

if TYPE_CHECKING:
    from infra.config import Settings


def read_verifier_key(value: str) -> Verifier:
    """The verifier key given as vkey text, or as the name of a file holding it."""
    path = Path(value)
    if path.is_file():
        value = path.read_text()
    elif "+" not in value:
        raise RuntimeError(f"--verifier-key: {value} is neither a verifier key nor a file")
    try:
        return Verifier.parse(value)
    except NoteError as error:
        raise RuntimeError(f"--verifier-key: {error}") from None


def _verifier(settings: Settings, given: str | None) -> Verifier:
    if given:
        return read_verifier_key(given)
    from infra import audit_keys  # not on verify-bundle's path: no settings needed there

    verifier = audit_keys.verifier()
    if verifier is None:
        raise RuntimeError(
            "no verifier key: pass --verifier-key, or set CASETRAIL_AUDIT_VERIFIER_KEY "
            "(or CASETRAIL_AUDIT_VERIFIER_KEY_FILE)"
        )
    return verifier


def verify(settings: Settings, *, verifier_key: str | None, as_json: bool) -> int:
    """Verify everything; 0 if it all verifies, 1 otherwise."""
    from consumers.audit_verification import Sources
    from consumers.audit_verification import verify as verify_all
    from infra.entrypoints.bootstrap import build_application, open_pool
    from infra.kafka_security import INTEGRATOR, checkpoint_topic

    verifier = _verifier(settings, verifier_key)
    with open_pool(settings.api_database_url, max_size=2) as pool:
        app = build_application(settings, pool)
        try:
            report = verify_all(
                Sources(
                    recorder=app.recorder,
                    mapper=app.mapper,
                    database_url=settings.api_database_url,
                    kafka_options=settings.kafka_options(INTEGRATOR),
                    topic=settings.topic,
                    checkpoint_topic=checkpoint_topic(settings.topic),
                ),
                verifier,
            )
        finally:
            app.close()
    print(json.dumps(report.as_json(), ensure_ascii=False, indent=2) if as_json else report.text())
    return 0 if report.ok else 1


def export(settings: Settings, *, case_no: str, out: Path, verifier_key: str | None) -> int:
    """Write case ``case_no``'s bundle to ``out``."""
    import psycopg

    from consumers.audit_export import export_bundle
    from infra.entrypoints.bootstrap import build_application, open_pool

    verifier = _verifier(settings, verifier_key)
    with open_pool(settings.api_database_url, max_size=2) as pool:
        app = build_application(settings, pool)
        try:
            with psycopg.connect(settings.api_database_url) as conn:
                bundle = export_bundle(
                    conn,
                    app.recorder,
                    app.mapper,
                    hall=settings.hall,
                    case_no=case_no,
                    verifier=verifier,
                )
        finally:
            app.close()
    try:
        out.write_bytes(orjson.dumps(bundle, option=orjson.OPT_INDENT_2) + b"\n")
    except OSError as error:
        raise RuntimeError(f"cannot write {out}: {error}") from None
    size = bundle["events"][0]["proof"]["tree_size"]
    print(f"wrote {out}: case {case_no}, {len(bundle['events'])} events, tree size {size}")
    return 0


def check_bundle(path: Path, *, verifier_key: str | None) -> int:
    """Check a bundle offline; 0 if it verifies, 1 otherwise."""
    pinned = read_verifier_key(verifier_key) if verifier_key else None
    try:
        bundle = orjson.loads(path.read_bytes())
    except OSError as error:
        raise RuntimeError(f"cannot read {path}: {error.strerror}") from None
    except orjson.JSONDecodeError as error:
        raise RuntimeError(f"{path} is not a JSON file: {error}") from None
    try:
        report = verify_bundle(bundle, pinned)
    except BundleError as error:
        print(f"FAILED: {path}: {error}")
        return 1
    print(f"OK: {report.summary()}")
    if not report.pinned:
        print(
            "WARNING: verified only with the key inside the bundle, which whoever made the "
            "bundle chose: this shows it is consistent, not that it comes from the hall's log. "
            "Pin the hall's published key: --verifier-key VKEY_OR_FILE "
            "(GET /api/v1/audit/verifier-key)",
            file=sys.stderr,
        )
    elif pinned is not None and bundle.get("verifier_key") != pinned.vkey():
        print("note: the bundle names another verifier key; the pinned one was used")
    return 0
