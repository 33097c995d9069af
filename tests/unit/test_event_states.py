"""The application's transcoder reads every stored state as the library's does."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

import pytest
from eventsourcing.persistence import JSONTranscoder
from hypothesis import given
from hypothesis import strategies as st

from domain.case.commands import Accept, Assign
from domain.event_states import EventStateTranscoder
from tests.unit.conftest import CLERK, ITEM, OFFICER, applicant, make_app


@cache
def transcoders() -> tuple[EventStateTranscoder, JSONTranscoder]:
    """The application's transcoder and the library's, with the same transcodings."""
    app, library = make_app(), JSONTranscoder()
    app.register_transcodings(library)
    assert isinstance(app.mapper.transcoder, EventStateTranscoder)
    return app.mapper.transcoder, library


def outcome(transcoder: JSONTranscoder, state: bytes) -> str:
    """What ``transcoder`` makes of ``state``: its value (NaN included), or its error."""
    try:
        return repr(transcoder.decode(state))
    except Exception as error:  # the library cannot read every state it writes
        return type(error).__name__


def recorded_states() -> list[bytes]:
    """The states of every event of a case's first steps, the catalogue before them."""
    app = make_app()
    case_id = app.submit(
        CLERK, item_code=ITEM.code, channel="window", applicant=applicant(), materials=[]
    ).aggregate_id
    app.handle(Accept(), case_id, CLERK)
    app.handle(Assign(assignee="officer-1"), case_id, OFFICER)
    return [n.state for n in app.recorder.select_notifications(start=None, limit=1_000)]


def test_recorded_states_read_as_the_library_reads_them() -> None:
    ours, library = transcoders()
    states = recorded_states()
    assert len(states) > 3
    for state in states:
        decoded = ours.decode(state)
        assert decoded == library.decode(state)
        assert isinstance(decoded["timestamp"], datetime)


def as_recorded(transcoder: JSONTranscoder, state: bytes) -> str:
    """What ``transcoder`` makes of ``state``, its timestamp formatted as ISO 8601 text
    (what ``decode_recorded`` should give), or its error."""
    try:
        decoded = transcoder.decode(state)
        return repr({**decoded, "timestamp": decoded["timestamp"].isoformat()})
    except Exception as error:
        return type(error).__name__


def test_recorded_states_read_with_their_timestamp_as_stored() -> None:
    ours, library = transcoders()
    for state in recorded_states():
        decoded = ours.decode_recorded(state)
        assert repr(decoded) == as_recorded(library, state)
        assert isinstance(decoded["timestamp"], str)


def test_recorded_states_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    states = recorded_states()
    transcoder = transcoders()[0]

    def refuse(self: JSONTranscoder, data: bytes) -> Any:
        raise AssertionError("read by the library's decoder")

    monkeypatch.setattr(JSONTranscoder, "decode", refuse)
    for state in states:
        transcoder.decode(state)
        transcoder.decode_recorded(state)


def test_a_state_that_is_not_json_is_refused_as_the_library_refuses_it() -> None:
    with pytest.raises(ValueError):
        transcoders()[0].decode(b'{"timestamp": {"_type_": "datetime_iso", ')


TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)  # beyond 64 bits orjson reads a float: see the module
    | st.floats()  # NaN and infinities too, which orjson does not read
    | TEXT
    | st.sampled_from(["_type_", "_data_", "datetime_iso"])
    | st.uuids()
    | st.decimals(allow_nan=False)
    | st.datetimes(timezones=st.just(UTC))
)
VALUES = st.recursive(
    LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(TEXT | st.sampled_from(["_type_", "_data_"]), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(st.dictionaries(TEXT, VALUES, max_size=5), st.datetimes(timezones=st.just(UTC)))
def test_any_state_reads_as_the_library_reads_it(fields: dict[str, Any], at: datetime) -> None:
    ours, library = transcoders()
    state = library.encode({**fields, "timestamp": at})
    assert outcome(ours, state) == outcome(library, state)
    try:
        recorded = repr(ours.decode_recorded(state))
    except Exception as error:
        recorded = type(error).__name__
    assert recorded == as_recorded(library, state)
