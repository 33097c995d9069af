"""Personal data on the real servers: sealed in PostgreSQL and on Kafka, opened only for
the right readers, erased by destroying its key while every chain still verifies."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import orjson
import pytest

from consumers.cloudevents import recorded_document
from domain.actor import Actor
from domain.case_numbers import format_case_no
from domain.chain import verify_chain
from domain.errors import VersionConflict
from domain.personal_data import PersonalData
from infra.entrypoints import cli
from infra.entrypoints.bootstrap import build_application, open_pool
from infra.master_keys import MasterKeys, new_master_key
from infra.personal_data_store import PostgresPersonalDataStore
from infra.state import ROOT
from tests.integration.harness import Hall, Platform, running_hall

PERSON = {
    "kind": "person",
    "name": "欧阳铁柱",
    "id_number": "11010519850612731X",
    "phone": "13977712345",
    "address": "北京市朝阳区幸福里甲7号",
}
OTHER = {
    "kind": "person",
    "name": "司马青云",
    "id_number": "310101197711225566",
    "phone": "13566667777",
    "address": "上海市黄浦区南京东路99号",
}
COMPANY: dict[str, Any] = {
    "kind": "organisation",
    "name": "青山餐饮有限公司",
    "id_number": "91110101MA01QSCY9K",
    "phone": "010-88887777",
    "address": "北京市西城区金融街88号",
    "contact": {"name": "诸葛明亮", "id_number": "110101199001019999", "phone": "13600001111"},
}
SECRETS = [
    *(PERSON[k] for k in ("name", "id_number", "phone", "address")),
    *(OTHER[k] for k in ("name", "id_number", "phone", "address")),
    "010-88887777",
    "北京市西城区金融街88号",
    "诸葛明亮",
    "110101199001019999",
    "13600001111",
]


@pytest.fixture(scope="module")
def hall(platform: Platform) -> Iterator[Hall]:
    with running_hall(platform, PERSON) as staff:
        yield staff


@pytest.fixture(scope="module")
def cases(hall: Hall) -> dict[str, list[dict[str, Any]]]:
    """Two cases of PERSON, one of OTHER, one of COMPANY, all projected."""
    made = {
        "person": [hall.submit("SCJG-001", PERSON), hall.submit("JT-001", PERSON)],
        "other": [hall.submit("SCJG-001", OTHER)],
        "company": [keyed_intake(hall, COMPANY)],
    }
    for group in made.values():
        for case in group:
            hall.public(case, case["position"])
    other = made["other"][0]
    hall.public(other, hall.act(other, "accept", "clerk"))
    rating = hall.client("clerk").post(  # the applicant's own words may hold personal data
        f"/api/v1/public/cases/{other['case_no']}/rating",
        json={
            "query_code": other["query_code"],
            "stage": "acceptance",
            "level": 2,
            "comment": f"请回电 {OTHER['phone']}",
        },
    )
    assert rating.status_code == 200, rating.text
    hall.public(other, rating.json()["position"])
    return made


def keyed_intake(hall: Hall, applicant: dict[str, Any]) -> dict[str, Any]:
    """An intake with an Idempotency-Key, whose claim keeps the query code (sealed)."""
    response = hall.client("clerk").post(
        "/api/v1/cases",
        json={"item_code": "SCJG-001", "channel": "window", "applicant": applicant},
        headers={"Idempotency-Key": "intake-company-1"},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def is_json(value: bytes) -> bool:
    try:
        orjson.loads(value)
    except orjson.JSONDecodeError:
        return False
    return True


def topic_values(platform: Platform) -> list[bytes]:
    return [message.value for message in platform.read_topic()]


def case_chain_from_postgres(platform: Platform, case_id: str) -> list[dict[str, Any]]:
    with open_pool(platform.settings.api_database_url, max_size=1) as pool:
        app = build_application(platform.settings, pool)
        stored = app.recorder.select_notifications(start=None, limit=100_000)
        documents = [
            recorded_document(n, app.mapper) for n in stored if str(n.originator_id) == case_id
        ]
        app.close()
    return documents


def case_chain_from_kafka(platform: Platform, case_id: str) -> list[dict[str, Any]]:
    events = [orjson.loads(m.value) for m in platform.read_topic() if m.key == case_id.encode()]
    return sorted(events, key=lambda e: e["caseversion"])


def admin(hall: Hall) -> Any:
    return hall.client("hall_admin")


def test_no_personal_data_or_query_code_verifier_in_clear_on_kafka_or_in_postgres(
    hall: Hall, cases: dict[str, list[dict[str, Any]]]
) -> None:
    platform = hall.platform
    verifiers = [bytes(row[0]) for row in platform.sql("SELECT verifier FROM query_code_verifiers")]
    assert len(verifiers) >= 4
    codes = [c["query_code"] for group in cases.values() for c in group]
    rows = platform.sql("SELECT t::text, t.state FROM casetrail_events t")
    claims = platform.sql("SELECT t::text FROM request_claims t")
    assert len(claims) == 1
    with open_pool(platform.settings.api_database_url, max_size=1) as pool:
        app = build_application(platform.settings, pool)
        stored = app.recorder.select_notifications(start=None, limit=100_000)
        decrypted = [app.mapper.cipher.decrypt(n.state) for n in stored if app.mapper.cipher]
        app.close()
    assert len(decrypted) == len(rows)  # the sealing is checked apart from the cipher
    raw = b"\n".join(
        [
            *topic_values(platform),
            *(r[0].encode() + bytes(r[1]) for r in rows),
            *decrypted,
            *(c[0].encode() for c in claims),
        ]
    )
    found = [s for s in SECRETS if s.encode() in raw]
    found += [v.hex() for v in verifiers if v in raw or v.hex().encode() in raw]
    found += [code for code in codes if code.encode() in raw]
    assert not found, f"in clear: {found}"
    assert b"query_code_hash" not in raw and b"sealed_comment" in raw
    # the library's own cipher: the stored state is not even the sealed JSON
    assert not any(is_json(bytes(r[1])) for r in rows)
    submitted = [orjson.loads(v) for v in topic_values(platform)]
    applicants = [e["data"]["applicant"] for e in submitted if ".submitted." in e["type"]]
    assert {a["display_name"] for a in applicants} >= {"欧**柱", "司**云", "青山餐饮有限公司"}


def test_the_staff_handling_a_case_read_its_applicant_and_each_read_is_counted(
    hall: Hall, cases: dict[str, list[dict[str, Any]]]
) -> None:
    case = cases["person"][0]
    before = decryptions(hall, "officer", "handling")
    view = hall.staff_view(case, "SCJG")
    assert view["applicant"] == {**PERSON, "contact": None, "masked": False, "erased": False}
    assert decryptions(hall, "officer", "handling") == before + 1
    company = hall.staff_view(cases["company"][0], "SCJG")["applicant"]
    assert company == {**COMPANY, "masked": False, "erased": False}


def test_supervisors_see_masked_data_unless_they_state_a_case_file(
    hall: Hall, cases: dict[str, list[dict[str, Any]]]
) -> None:
    case = cases["other"][0]
    supervisor = hall.client("supervisor")
    masked = supervisor.get(f"/api/v1/cases/{case['case_id']}").json()["applicant"]
    assert masked["masked"] is True and masked["name"] == "司**云"
    assert masked["id_number"] is None and masked["phone"] is None and masked["address"] is None
    before = decryptions(hall, "supervisor", "case_file")
    opened = supervisor.get(
        f"/api/v1/cases/{case['case_id']}", params={"case_file": "督查案卷-2026-08"}
    ).json()["applicant"]
    assert opened["id_number"] == OTHER["id_number"]
    assert decryptions(hall, "supervisor", "case_file") == before + 1
    recorded = hall.platform.sql(
        "SELECT actor, role, case_id::text, case_file FROM personal_data_disclosures"
    )
    assert recorded == [("supervisor-hall", "supervisor", case["case_id"], "督查案卷-2026-08")]


def test_a_wrong_code_and_an_unknown_number_answer_the_same_404(
    hall: Hall, cases: dict[str, list[dict[str, Any]]]
) -> None:
    case = cases["other"][0]
    anyone = hall.client("clerk")
    path = f"/api/v1/public/cases/{case['case_no']}"
    right = anyone.get(path, params={"query_code": case["query_code"].lower()})
    assert right.status_code == 200 and right.json()["applicant"] == "司**云"
    wrong = anyone.get(path, params={"query_code": "AAAAAAAA"})
    unknown = anyone.get(path + "9", params={"query_code": case["query_code"]})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() | {"instance": None} == unknown.json() | {"instance": None}


def test_erasure_over_http_erases_everywhere_and_every_chain_still_verifies(
    hall: Hall, cases: dict[str, list[dict[str, Any]]]
) -> None:
    body = {"id_number": PERSON["id_number"], "reason": "本人申请删除", "legal_basis": "PIPL 47"}
    assert hall.client("clerk").post("/api/v1/privacy/erasures", json=body).status_code == 403
    missing = admin(hall).post("/api/v1/privacy/erasures", json={**body, "id_number": "000"})
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert admin(hall).post("/api/v1/privacy/erasures", json={"reason": "x"}).status_code == 422

    response = admin(hall).post("/api/v1/privacy/erasures", json=body)
    assert response.status_code == 201, response.text
    erasure = response.json()
    erased_ids = sorted(c["case_id"] for c in cases["person"])
    assert sorted(erasure["case_ids"]) == erased_ids and len(erasure["recorded"]) == 2
    assert PERSON["id_number"] not in response.text

    keys = hall.platform.sql("SELECT wrapped, destroyed_at FROM applicant_keys")
    assert sum(w is None and d is not None for w, d in keys) == 1
    positions = {r["case_id"]: r["position"] for r in erasure["recorded"]}
    for case, department in zip(cases["person"], ("SCJG", "JT"), strict=True):
        view = hall.staff_view(case, department)
        assert view["applicant"] == {
            "kind": "person",
            "masked": False,
            "erased": True,
            **dict.fromkeys(("name", "id_number", "phone", "address", "contact")),
        }
        public = hall.public(case, positions[case["case_id"]])
        assert public["applicant"] is None
        for chain in (
            case_chain_from_postgres(hall.platform, case["case_id"]),
            case_chain_from_kafka(hall.platform, case["case_id"]),
        ):
            verify_chain(chain, head=view["head_hash"])
            assert chain[-1]["type"] == "casetrail.case.applicant_data_erased.v1"
            assert set(chain[-1]["data"]) == {"actor", "subject", "reason", "legal_basis"}
            assert chain[-1]["data"]["actor"]["role"] == "hall_admin"

    other = hall.staff_view(cases["other"][0], "SCJG")["applicant"]
    assert other["name"] == OTHER["name"] and other["erased"] is False

    again = admin(hall).post("/api/v1/privacy/erasures", json=body)
    assert again.status_code == 200 and again.json()["recorded"] == []
    assert hall.platform.max_position() == max(r["position"] for r in erasure["recorded"])


def erase_command(platform: Platform, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``casetrail privacy erase ARGS`` as its own process, on the platform's database."""
    return subprocess.run(
        cli.command("privacy", "erase", *args),
        cwd=ROOT,
        env={**platform.env(), **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_erasure_from_the_command_line(hall: Hall, cases: dict[str, list[dict[str, Any]]]) -> None:
    platform = hall.platform
    args = ["--id-number", COMPANY["contact"]["id_number"], "--reason", "联系人申请删除"]
    refused = erase_command(platform, *args, CASETRAIL_TOKEN="")
    assert refused.returncode == 1 and "hall_admin token" in refused.stderr
    token = platform.token("hall_admin", "HALL", user="admin-cli")
    done = erase_command(platform, *args, "--token", token)
    assert done.returncode == 0, done.stderr
    assert "erased on case" in done.stdout
    company = hall.staff_view(cases["company"][0], "SCJG")["applicant"]
    assert company["erased"] is True and company["contact"] is None and company["phone"] is None
    assert company["name"] == COMPANY["name"]  # the organisation's own name is public data
    twice = erase_command(platform, *args, CASETRAIL_TOKEN=token)
    assert twice.returncode == 0 and "nothing new recorded" in twice.stdout


def test_rotating_the_master_key_rewraps_every_live_data_key(
    hall: Hall, cases: dict[str, list[dict[str, Any]]]
) -> None:
    settings = hall.platform.settings
    old = MasterKeys.parse(settings.master_keys)
    entry = new_master_key()
    rotated = MasterKeys.parse(f"{entry}\n{settings.master_keys}")
    with open_pool(settings.api_database_url, max_size=1) as pool:
        live = hall.platform.sql("SELECT count(*) FROM applicant_keys WHERE wrapped IS NOT NULL")
        assert PostgresPersonalDataStore(pool, rotated).rewrap() == live[0][0] > 0
        new_only = PostgresPersonalDataStore(pool, MasterKeys.parse(entry))
        sealed = hall.platform.sql("SELECT kid::text FROM applicant_keys WHERE wrapped IS NOT NULL")
        assert all(new_only.key(kid) for (kid,) in sealed)
        with pytest.raises(RuntimeError, match="not in the keyring"):
            PostgresPersonalDataStore(pool, old).key(sealed[0][0])
        assert PostgresPersonalDataStore(pool, rotated).rewrap() == 0
        # back to the key the running API holds
        back = MasterKeys.parse(f"{settings.master_keys}\n{entry}")
        assert PostgresPersonalDataStore(pool, back).rewrap() == live[0][0]
    assert hall.staff_view(cases["other"][0], "SCJG")["applicant"]["name"] == OTHER["name"]


def decryptions(hall: Hall, role: str, purpose: str) -> float:
    """The API's decryption counter for ``role`` and ``purpose``."""
    text = hall.client("clerk").get("/metrics").text
    prefix = f'casetrail_personal_data_decryptions_total{{purpose="{purpose}",role="{role}"}} '
    line = next((line for line in text.splitlines() if line.startswith(prefix)), None)
    return float(line.removeprefix(prefix)) if line else 0.0


def test_the_subject_is_a_keyed_hash(hall: Hall, cases: dict[str, list[dict[str, Any]]]) -> None:
    subjects = {row[0] for row in hall.platform.sql("SELECT subject FROM applicant_cases")}
    assert len(subjects) == 3
    assert all(len(s) == 64 and OTHER["id_number"] not in s for s in subjects)
    sealed = hall.staff_view(cases["other"][0], "SCJG")
    assert sealed["applicant"]["erased"] is False


def test_a_case_is_recorded_with_its_verifier_or_not_at_all(
    hall: Hall, cases: dict[str, list[dict[str, Any]]]
) -> None:
    platform = hall.platform
    department, day, last = platform.sql(
        "SELECT department, day, last FROM case_number_counters WHERE department = 'SCJG' "
        "ORDER BY day DESC LIMIT 1"
    )[0]
    taken = format_case_no(department, day, last + 1)
    platform.sql(
        "INSERT INTO query_code_verifiers (case_no, case_id, verifier) VALUES (%s, %s, %s)",
        taken,
        uuid4(),
        b"x" * 32,
    )
    events = platform.max_position()
    response = hall.client("clerk").post(
        "/api/v1/cases", json={"item_code": "SCJG-001", "channel": "window", "applicant": OTHER}
    )
    assert response.status_code == 409, response.text
    assert platform.max_position() == events  # the Submitted event went with the verifier


class _ErasedMidway:
    """The real store, but an erasure destroys the key right after intake sealed with it."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def data_key(self, subject: str, case_id: Any) -> Any:
        key = self.store.data_key(subject, case_id)
        self.store.destroy(subject)
        return key

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def test_an_intake_sealed_under_a_key_destroyed_meanwhile_records_nothing(
    hall: Hall, cases: dict[str, list[dict[str, Any]]]
) -> None:
    platform = hall.platform
    clerk = Actor(id="clerk-1", role="clerk", department="HALL")
    with open_pool(platform.settings.api_database_url, max_size=2) as pool:
        app = build_application(platform.settings, pool)
        real = app.personal_data
        app.personal_data = PersonalData(_ErasedMidway(real.store), real.subject_key)
        before = platform.max_position()
        with pytest.raises(VersionConflict):
            app.submit(clerk, item_code="SCJG-001", channel="window", applicant=OTHER, materials=[])
        assert platform.max_position() == before
        app.personal_data = real  # the next intake gets a new key and goes through
        done = app.submit(
            clerk, item_code="SCJG-001", channel="window", applicant=OTHER, materials=[]
        )
        opened = app.applicant_view(clerk, app.get_case(done.aggregate_id), None).applicant
        assert opened["id_number"] == OTHER["id_number"]
        app.close()


def test_an_intakes_relaxed_commits_leave_its_pooled_connection_as_it_was(
    hall: Hall, cases: dict[str, list[dict[str, Any]]]
) -> None:
    """The number and the key commit without waiting for the disk (``infra.relaxed_commit``),
    that statement's transaction alone: the connection goes back to the pool waiting for
    the disk at every commit, as an erasure's must."""
    clerk = Actor(id="clerk-1", role="clerk", department="HALL")
    with open_pool(hall.platform.settings.api_database_url, max_size=1) as pool:
        app = build_application(hall.platform.settings, pool)
        done = app.submit(
            clerk, item_code="SCJG-001", channel="window", applicant=OTHER, materials=[]
        )
        assert app.get_case(done.aggregate_id).case_no == done.case_no
        with pool.connection() as conn:
            row = conn.execute("SHOW synchronous_commit").fetchone()
        assert row == ("on",)
        app.close()
