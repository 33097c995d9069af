"""The ServiceItem aggregate (事项), its content rules and the demo catalogue."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from domain.actor import Actor
from domain.chain import verify_chain
from domain.errors import InvalidCommand, InvalidTransition, NotFound
from domain.events import ChainedEvent, event_data, event_type, hashed_document
from domain.item_terms import ItemContent, TimeLimit
from domain.service_item import ServiceItem

ADMIN = Actor(id="admin-1", role="hall_admin", department="HALL")
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
CATALOGUE = Path(__file__).parents[2] / "infra" / "demo_catalogue.json"


def data(**changes: Any) -> dict[str, Any]:
    """A valid item as plain data, with ``changes`` applied."""
    return {
        "code": "SCJG-001",
        "name": "食品经营许可",
        "category": "licensing",
        "department": "SCJG",
        "supervising_department": "SCJG",
        "legal_basis": "《中华人民共和国食品安全法》第三十五条",
        "statutory_limit": {"days": 10, "unit": "G"},
        "promised_limit": {"days": 5, "unit": "G"},
        "complaint_channel": "12345",
        "materials": [{"code": "M1", "name": "申请书", "mandatory": True, "copies": 1}],
        "steps": [{"name": "受理", "role": "clerk", "limit_days": 1}],
        **changes,
    }


def content(**changes: Any) -> ItemContent:
    return ItemContent.from_data(data(**changes))


def registered() -> ServiceItem:
    return ServiceItem.register(content=content(), at=T0, actor=ADMIN)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def recorded(item: ServiceItem) -> list[ChainedEvent]:
    """The item's pending events, collected."""
    events = item.collect_events()
    assert all(isinstance(e, ChainedEvent) for e in events)
    return events  # type: ignore[return-value]


# --- content ---------------------------------------------------------------------------------


def test_content_round_trips_and_fills_defaults() -> None:
    item = content()
    assert ItemContent.from_data(item.to_data()) == item
    assert item.warning_threshold_percent == 80
    assert item.warning_threshold == pytest.approx(0.8)
    assert (item.rectification_limit_days, item.deemed_satisfied_days) == (7, 15)
    assert item.free and not item.joint and not item.immediate
    assert item.statutory_limit == TimeLimit(10, "G") and item.statutory_limit.working_days
    json.dumps(item.to_data())  # plain JSON


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"code": "has space"}, "code must be"),
        ({"name": " "}, "name must be a non-empty string"),
        ({"category": "permit"}, "category must be one of"),
        ({"statutory_limit": {"days": 10, "unit": "D"}}, "limit unit must be one of G, Z"),
        ({"statutory_limit": {"days": -1, "unit": "G"}}, "limit days must be an integer ≥ 0"),
        ({"statutory_limit": {"days": 10}}, "statutory_limit lacks required fields: unit"),
        ({"promised_limit": {"days": 11, "unit": "G"}}, "exceeds the statutory limit"),
        ({"promised_limit": {"days": 0, "unit": "G"}}, "only an immediate item"),
        ({"immediate": "yes"}, "immediate must be true or false"),
        ({"materials": [{"code": "M1", "name": "x", "copies": 0}]}, "copies must be an integer"),
        ({"materials": [{"code": "M1", "name": "x"}] * 2}, "material codes repeated: M1"),
        ({"materials": [{"code": "M1"}]}, r"materials\[0\] lacks required fields: name"),
        ({"materials": "M1"}, "materials must be a list"),
        ({"fees": [{"code": "F1", "name": "x", "amount_fen": 9.5, "legal_basis": "b"}]}, "fen"),
        ({"fees": [{"code": "F1", "name": "x", "amount_fen": 100, "legal_basis": ""}]}, "basis"),
        ({"steps": [{"name": "审查", "role": "boss", "limit_days": 1}]}, "role must be one of"),
        ({"co_departments": ["SCJG"]}, "must not include the implementing department"),
        ({"co_departments": ["ZJ", "ZJ"]}, "co_departments repeated: ZJ"),
        ({"special_procedures": ["bribery"]}, "special procedure must be one of"),
        ({"warning_threshold_percent": 0}, "between 1 and 100"),
        ({"warning_threshold_percent": 101}, "between 1 and 100"),
        ({"rectification_limit_days": 0}, "rectification_limit_days must be an integer ≥ 1"),
        ({"colour": "red"}, "unknown fields: colour"),
    ],
)
def test_invalid_content_is_refused_with_a_clear_message(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidCommand, match=message):
        content(**changes)


def test_required_fields_and_units() -> None:
    incomplete = data()
    del incomplete["legal_basis"], incomplete["complaint_channel"]
    with pytest.raises(InvalidCommand, match="lacks required fields: legal_basis, complaint_chan"):
        ItemContent.from_data(incomplete)
    with pytest.raises(InvalidCommand, match="item must be an object"):
        ItemContent.from_data(["SCJG-001"])
    # Different units are not compared; an immediate item may have limits of 0.
    assert content(promised_limit={"days": 15, "unit": "Z"}).promised_limit.days == 15
    instant = content(
        immediate=True,
        statutory_limit={"days": 0, "unit": "G"},
        promised_limit={"days": 0, "unit": "G"},
    )
    assert instant.immediate


# --- aggregate -------------------------------------------------------------------------------


def test_id_is_derived_from_the_code() -> None:
    assert ServiceItem.id_for("SCJG-001") == ServiceItem.id_for("SCJG-001")
    assert ServiceItem.id_for("SCJG-001") != ServiceItem.id_for("SCJG-002")
    assert registered().id == ServiceItem.id_for("SCJG-001")


def test_registration() -> None:
    item = registered()
    assert (item.status, item.revision, item.code) == ("active", 1, "SCJG-001")
    assert item.content == content() and item.is_open_for_intake
    assert item.revisions == [(1, T0.isoformat())]
    [event] = recorded(item)
    assert event_type(type(event)) == "casetrail.service_item.registered.v2"
    payload = event_data(event)
    assert payload["revision"] == 1 and payload["actor"] == ADMIN.as_dict()
    assert {k: v for k, v in payload.items() if k not in ("revision", "actor")} == (
        content().to_data()
    )


def test_an_item_registered_before_the_separation_flag_requires_none() -> None:
    """Version 1 of a revision said nothing about separation of duties: none required."""
    item = registered()
    assert item.content.separation_of_duties is False
    flagged = content(separation_of_duties=True)
    assert flagged.separation_of_duties and flagged.to_data()["separation_of_duties"] is True
    state = {k: v for k, v in data().items() if k != "separation_of_duties"}
    ServiceItem.Registered.upcast_v1_v2(state)
    assert state["separation_of_duties"] is False
    with pytest.raises(InvalidCommand, match="separation_of_duties must be true or false"):
        content(separation_of_duties="yes")


def test_revisions_keep_every_past_content() -> None:
    item = registered()
    second = content(promised_limit={"days": 3, "unit": "G"})
    third = replace(second, name="食品经营许可（含仅销售预包装食品）")
    item.revise(content=second, reason="承诺时限压缩", at=at(1), actor=ADMIN)
    item.revise(content=third, reason="名称规范", at=at(2), actor=ADMIN)
    assert item.revision == 3 and item.content == third
    assert item.content_at(1) == content() and item.content_at(2) == second
    assert item.revisions == [(1, T0.isoformat()), (2, at(1).isoformat()), (3, at(2).isoformat())]
    for missing in (0, 4):
        with pytest.raises(NotFound, match=f"no revision {missing}"):
            item.content_at(missing)
    events = recorded(item)
    assert event_type(type(events[1])) == "casetrail.service_item.revised.v2"
    assert event_data(events[2])["reason"] == "名称规范"
    assert event_data(events[2])["revision"] == 3


def test_revision_rules() -> None:
    item = registered()
    with pytest.raises(InvalidCommand, match="cannot change the item code"):
        item.revise(content=content(code="SCJG-009"), reason="x", at=at(1), actor=ADMIN)
    with pytest.raises(InvalidCommand, match="changes nothing"):
        item.revise(content=content(), reason="x", at=at(1), actor=ADMIN)
    with pytest.raises(InvalidCommand, match="reason"):
        item.revise(content=content(name="新名称"), reason=" ", at=at(1), actor=ADMIN)
    assert item.revision == 1 and len(item.pending_events) == 1


def test_suspend_resume_retire() -> None:
    item = registered()
    item.suspend(reason="上级部门调整实施方式", at=at(1), actor=ADMIN)
    assert item.status == "suspended" and not item.is_open_for_intake
    item.revise(content=content(name="新名称"), reason="调整", at=at(2), actor=ADMIN)
    assert item.status == "suspended" and item.revision == 2
    item.resume(reason="调整完毕", at=at(3), actor=ADMIN)
    assert item.status == "active" and item.is_open_for_intake
    item.retire(reason="事项取消", at=at(4), actor=ADMIN)
    assert item.status == "retired" and not item.is_open_for_intake
    assert [event_type(type(e)).split(".")[2] for e in recorded(item)] == [
        "registered",
        "suspended",
        "revised",
        "resumed",
        "retired",
    ]


def test_retiring_a_suspended_item() -> None:
    item = registered()
    item.suspend(reason="暂停", at=at(1), actor=ADMIN)
    item.retire(reason="取消", at=at(2), actor=ADMIN)
    assert item.status == "retired"


@pytest.mark.parametrize(
    ("setup", "action"),
    [
        ((), "resume"),
        (("suspend",), "suspend"),
        (("retire",), "suspend"),
        (("retire",), "resume"),
        (("retire",), "retire"),
        (("retire",), "revise"),
    ],
)
def test_wrong_state_is_refused(setup: tuple[str, ...], action: str) -> None:
    item = registered()
    for step in setup:
        getattr(item, step)(reason="前置", at=at(1), actor=ADMIN)
    version = item.version
    with pytest.raises(InvalidTransition) as refused:
        if action == "revise":
            item.revise(content=content(name="新名称"), reason="x", at=at(2), actor=ADMIN)
        else:
            getattr(item, action)(reason="x", at=at(2), actor=ADMIN)
    assert refused.value.action == action and refused.value.state == item.status
    assert item.version == version


def test_state_changes_need_a_reason() -> None:
    item = registered()
    with pytest.raises(InvalidCommand, match="reason"):
        item.suspend(reason="", at=at(1), actor=ADMIN)


def test_events_form_a_chain_and_replay_to_the_same_state() -> None:
    item = registered()
    item.revise(content=content(name="新名称"), reason="更名", at=at(1), actor=ADMIN)
    item.suspend(reason="暂停", at=at(2), actor=ADMIN)
    events = recorded(item)
    verify_chain([hashed_document(e) for e in events], item.head_hash)
    replayed: ServiceItem | None = None
    for event in events:
        replayed = event.mutate(replayed)
    assert replayed is not None
    assert (replayed.status, replayed.revision) == ("suspended", 2)
    assert replayed.content_at(1) == content() and replayed.revisions == item.revisions


# --- demo catalogue --------------------------------------------------------------------------


def catalogue() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    return loaded


def test_every_catalogue_entry_loads_in_the_exact_shape() -> None:
    doc = catalogue()
    contents = [ItemContent.from_data(entry) for entry in doc["items"]]
    assert [c.to_data() for c in contents] == doc["items"]
    assert len({c.code for c in contents}) == len(contents)
    mentioned = {c.department for c in contents} | {c.supervising_department for c in contents}
    mentioned |= {d for c in contents for d in c.co_departments}
    assert mentioned <= set(doc["departments"])


def test_catalogue_coverage() -> None:
    doc = catalogue()
    items = {c.code: c for c in map(ItemContent.from_data, doc["items"])}
    assert len(items) >= 22
    assert len({c.department for c in items.values()}) >= 8
    assert len(doc["departments"]) >= 8
    expected = {
        "SCJG-001": "食品经营许可",
        "SCJG-002": "药品零售企业许可",
        "ZJ-001": "建筑工程施工许可",
        "ZRZY-001": "建设工程规划许可",
        "WJ-001": "公共场所卫生许可",
        "JT-001": "道路运输经营许可",
    }
    for code, name in expected.items():
        assert items[code].name.startswith(name)
    permit = items["ZJ-001"]
    assert permit.department == "ZJ" and permit.joint
    assert permit.statutory_limit == TimeLimit(20, "G") and permit.promised_limit.days < 20
    immediate = [c for c in items.values() if c.immediate]
    assert len(immediate) >= 2
    assert any(c.statutory_limit.days == 0 and c.promised_limit.days == 0 for c in immediate)
    assert any(c.statutory_limit.unit == "Z" for c in items.values())
    assert any(c.fees for c in items.values()) and any(c.free for c in items.values())
    assert "inspection" in items["WJ-001"].special_procedures
    eia = next(c for c in items.values() if c.name.startswith("建设项目环境影响"))
    assert {"expert_review", "public_notice"} <= set(eia.special_procedures)


def test_catalogue_items_register() -> None:
    for entry in catalogue()["items"]:
        item = ServiceItem.register(content=ItemContent.from_data(entry), at=T0, actor=ADMIN)
        assert item.id == ServiceItem.id_for(entry["code"])
