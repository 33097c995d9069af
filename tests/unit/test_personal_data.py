"""Personal data sealed in events, opened by the right readers, erased by key destruction."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import orjson
import pytest
from eventsourcing.persistence import Notification
from jwcrypto import jwe, jwk

from consumers.cloudevents import recorded_document
from domain.actor import Actor
from domain.application import HallApplication
from domain.case import ApplicantDataErased, Rated, Submitted
from domain.case.commands import Accept, Rate, Terminate
from domain.chain import verify_chain
from domain.errors import InvalidCommand, InvalidTransition, NotFound
from domain.personal_data import InMemoryPersonalDataStore, PersonalData, published_name
from domain.recorded import Recorded
from domain.sealing import Unsealable, key_id, new_key, seal, unseal
from infra.master_keys import MasterKeys, new_master_key
from tests.unit.conftest import ADMIN, APPLICANT, APPROVER, CLERK, ITEM, OFFICER, make_app

SUPERVISOR = Actor(id="sup-1", role="supervisor", department="HALL")
INSPECTOR = Actor(id="insp-1", role="inspector", department="HALL")
PERSON = {
    "kind": "person",
    "name": "欧阳小明",
    "id_number": "11010119900307123X",
    "phone": "13912345678",
    "address": "北京市东城区景山前街4号",
}
COMPANY: dict[str, Any] = {
    "kind": "organisation",
    "name": "青山餐饮有限公司",
    "id_number": "91110101MA01ABCD2X",
    "phone": "010-66668888",
    "address": "北京市西城区某路1号",
    "contact": {"name": "李四", "id_number": "110101198001011111", "phone": "13800000000"},
}


def submit(app: HallApplication, applicant: dict[str, Any]) -> UUID:
    done = app.submit(
        CLERK, item_code=ITEM.code, channel="window", applicant=applicant, materials=[]
    )
    return done.aggregate_id


def stored_bytes(app: HallApplication) -> bytes:
    return b"\n".join(n.state for n in app.recorder.select_notifications(start=None, limit=10**6))


def test_a_sealed_value_is_standard_jwe_that_a_jose_library_opens() -> None:
    key = new_key()
    token = seal(key, "kid-1", "张三".encode())
    assert key_id(token) == "kid-1" and "张三".encode() not in token.encode()
    assert unseal(key, token).decode() == "张三"
    opened = jwe.JWE()
    opened.deserialize(token, key=jwk.JWK(kty="oct", k=jwk.base64url_encode(key)))
    assert opened.payload.decode() == "张三"
    assert opened.jose_header == {"alg": "dir", "enc": "A256GCM", "kid": "kid-1"}


def test_an_altered_sealed_value_or_another_key_does_not_open() -> None:
    key = new_key()
    header, empty, iv, ciphertext, tag = seal(key, "k", b"secret").split(".")
    flipped = ciphertext[:-1] + ("A" if ciphertext[-1] != "A" else "B")
    with pytest.raises(Unsealable):
        unseal(key, ".".join((header, empty, iv, flipped, tag)))
    with pytest.raises(Unsealable):
        unseal(new_key(), ".".join((header, empty, iv, ciphertext, tag)))
    with pytest.raises(Unsealable):
        key_id("not a token")


def test_no_personal_field_is_recorded_in_clear(app: HallApplication) -> None:
    submit(app, PERSON)
    submit(app, COMPANY)
    stored = stored_bytes(app)
    for value in (*PERSON.values(), "010-66668888", "北京市西城区某路1号", "李四", "13800000000"):
        if value not in ("person",):
            assert value.encode() not in stored, value
    assert "欧*小明".encode() not in stored and "欧**明".encode() in stored
    # an organisation's own name and credit code are public data
    assert "青山餐饮有限公司".encode() in stored and b"91110101MA01ABCD2X" in stored


def test_staff_handling_the_case_read_it_in_clear(app: HallApplication) -> None:
    case = app.get_case(submit(app, PERSON))
    for actor in (CLERK, OFFICER):
        view = app.applicant_view(actor, case, case_file=None)
        assert view.opened_for == "handling"
        assert view.applicant == {**PERSON, "contact": None, "erased": False}
    company = app.applicant_view(CLERK, app.get_case(submit(app, COMPANY)), None)
    assert company.applicant == {**COMPANY, "erased": False}


def test_supervisors_and_inspectors_see_it_masked_unless_they_name_a_case_file(
    app: HallApplication,
) -> None:
    case = app.get_case(submit(app, PERSON))
    store = app.personal_data.store
    assert isinstance(store, InMemoryPersonalDataStore)
    for actor in (SUPERVISOR, INSPECTOR):
        view = app.applicant_view(actor, case, case_file=None)
        assert view.opened_for is None
        assert view.applicant["name"] == "欧**明" and view.applicant["masked"] is True
        assert view.applicant["id_number"] is None and view.applicant["phone"] is None
    assert store.disclosures == []
    view = app.applicant_view(INSPECTOR, case, case_file="纪检案卷 2026-017")
    assert view.opened_for == "case_file" and view.applicant["id_number"] == PERSON["id_number"]
    assert store.disclosures == [("insp-1", case.id, "纪检案卷 2026-017")]


def test_erasure_records_an_event_per_case_and_destroys_the_key(app: HallApplication) -> None:
    first, second, other = submit(app, PERSON), submit(app, PERSON), submit(app, COMPANY)
    erasure = app.erase_applicant(
        ADMIN, id_number=f" {PERSON['id_number'].lower()} ", reason="本人申请", legal_basis="b"
    )
    assert erasure.case_ids == [first, second] and len(erasure.recorded) == 2
    for case_id in (first, second):
        case = app.get_case(case_id)
        assert case.applicant_erased and case.status == "submitted"
        view = app.applicant_view(CLERK, case, None)
        assert view.opened_for is None
        assert view.applicant == {
            "kind": "person",
            "erased": True,
            **dict.fromkeys(("name", "id_number", "phone", "address", "contact")),
        }
        event = list(app.events.get(case_id))[-1]
        assert isinstance(event, ApplicantDataErased)
        assert PERSON["id_number"] not in orjson.dumps(event.__dict__).decode()
        documents = [
            recorded_document(n, app.mapper)
            for n in app.recorder.select_notifications(start=None, limit=1000)
            if n.originator_id == case_id
        ]
        verify_chain(documents, head=case.head_hash)
    untouched = app.applicant_view(CLERK, app.get_case(other), None)
    assert untouched.applicant["name"] == "青山餐饮有限公司" and untouched.opened_for


def test_erasing_twice_records_nothing_and_unknown_numbers_are_not_found(
    app: HallApplication,
) -> None:
    submit(app, PERSON)
    app.erase_applicant(ADMIN, id_number=PERSON["id_number"], reason="r", legal_basis="b")
    again = app.erase_applicant(ADMIN, id_number=PERSON["id_number"], reason="r", legal_basis="b")
    assert again.recorded == [] and len(again.case_ids) == 1
    with pytest.raises(NotFound):
        app.erase_applicant(ADMIN, id_number="000", reason="r", legal_basis="b")
    case = app.get_case(again.case_ids[0])
    with pytest.raises(InvalidTransition):
        case.erase_applicant(at=app.clock.now(), actor=ADMIN, reason="r", legal_basis="b")


def test_a_new_case_after_erasure_gets_a_new_key(app: HallApplication) -> None:
    before = app.get_case(submit(app, PERSON))
    app.erase_applicant(ADMIN, id_number=PERSON["id_number"], reason="r", legal_basis="b")
    after = app.get_case(submit(app, PERSON))
    assert key_id(after.applicant["sealed"]) != key_id(before.applicant["sealed"])
    assert app.applicant_view(CLERK, after, None).applicant["name"] == PERSON["name"]
    assert app.applicant_view(CLERK, app.get_case(before.id), None).applicant["erased"]


def test_an_organisations_contact_person_is_its_subject() -> None:
    data = PersonalData(InMemoryPersonalDataStore(), b"k")
    assert data.subject_of(COMPANY) == data.subject(COMPANY["contact"]["id_number"])
    assert data.subject_of({**COMPANY, "contact": None}) == data.subject(COMPANY["id_number"])
    assert data.subject("110101x") == data.subject(" 110101X ") != data.subject("110101Y")
    assert PersonalData(InMemoryPersonalDataStore(), b"other").subject("1") != data.subject("1")


def test_a_replayed_intake_shows_its_sealed_query_code_until_erasure(
    app: HallApplication,
) -> None:
    done = app.submit(CLERK, item_code=ITEM.code, channel="window", applicant=PERSON, materials=[])
    case = app.get_case(done.aggregate_id)
    key = app.personal_data.store.data_key(case.applicant["subject"], case.id)
    shown_once = {"case_no": done.case_no, "query_code": seal(key.key, key.kid, b"ABCDEFGH")}
    first = Recorded(done.aggregate_id, done.version, done.position)
    replay = app.replayed_submission(first, shown_once)
    assert (replay.case_no, replay.query_code) == (done.case_no, "ABCDEFGH")
    app.erase_applicant(ADMIN, id_number=PERSON["id_number"], reason="r", legal_basis="b")
    with pytest.raises(InvalidCommand, match="erased"):
        app.replayed_submission(first, shown_once)


def test_a_version_2_submission_is_upcast_with_its_applicant_as_recorded() -> None:
    app = make_app()
    case_id = submit(app, PERSON)
    stored = app.recorder.select_notifications(start=None, limit=1000)
    first = next(n for n in stored if n.originator_id == case_id)
    state = orjson.loads(first.state)
    state |= {"class_version": 2, "applicant": PERSON, "query_code_hash": "scrypt$..."}
    v2 = Notification(first.originator_id, 1, first.topic, orjson.dumps(state), first.id)
    document = recorded_document(v2, app.mapper)
    assert document["type"] == "casetrail.case.submitted.v2"
    assert published_name(document["data"]["applicant"]) == "欧**明"
    event = app.mapper.to_domain_event(v2)
    assert isinstance(event, Submitted)
    assert event.applicant["display_name"] == "欧**明" and "query_code_hash" not in vars(event)
    assert app.personal_data.open_applicant(event.applicant) == {**PERSON, "erased": False}


def test_master_keys_wrap_data_keys_and_rotate() -> None:
    old_entry, new_entry = new_master_key(), new_master_key()
    old = MasterKeys.parse(old_entry)
    kid, data_key = str(uuid4()), new_key()
    master_kid, wrapped = old.wrap(kid, data_key)
    assert master_kid == old_entry.partition(":")[0] and data_key not in wrapped
    rotated = MasterKeys.parse(f"{new_entry},{old_entry}")
    assert rotated.current == new_entry.partition(":")[0]
    assert rotated.unwrap(master_kid, kid, wrapped) == data_key
    with pytest.raises(RuntimeError, match="does not unwrap"):
        old.unwrap(master_kid, "another kid", wrapped)
    with pytest.raises(RuntimeError, match="not in the keyring"):
        MasterKeys.parse(new_entry).unwrap(master_kid, kid, wrapped)
    for bad in ("", "nokey", "k:c2hvcnQ=", "k:!!!"):
        with pytest.raises(RuntimeError):
            MasterKeys.parse(bad)


def test_the_applicants_rating_comment_is_sealed_with_its_personal_data(
    app: HallApplication,
) -> None:
    case_id = submit(app, PERSON)
    app.handle(Accept(), case_id, CLERK)
    app.handle(
        Rate(stage="acceptance", level=1, comment="欧阳小明 13912345678"), case_id, APPLICANT
    )
    assert b"13912345678" not in stored_bytes(app)
    rated = list(app.events.get(case_id))[-1]
    assert isinstance(rated, Rated) and rated.sealed_comment
    assert app.personal_data.open_text(rated.sealed_comment) == "欧阳小明 13912345678"
    app.erase_applicant(ADMIN, id_number=PERSON["id_number"], reason="r", legal_basis="b")
    assert app.personal_data.open_text(rated.sealed_comment) is None
    app.handle(Terminate(reason="申请人注销", legal_basis="b"), case_id, APPROVER)
    app.handle(Rate(stage="closure", level=5, comment="谢谢"), case_id, APPLICANT)
    closure = list(app.events.get(case_id))[-1]
    assert isinstance(closure, Rated) and closure.sealed_comment is None  # erased: not kept
