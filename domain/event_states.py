"""How the application reads stored event states: the library's JSON, read faster.

The library's ``JSONTranscoder`` decodes with the standard ``json`` module, calling a hook
on every object. Of the values it transcodes, a recorded event's state holds just its
timestamp (every event the application records); such a state is read by ``orjson`` and
its timestamp restored by the registered transcoding, about four times faster. Any other
state is read by the library. Encoding is the library's own, so the stored format does
not change. One difference is left: an integer beyond 64 bits, which no recorded event
holds, comes back from the fast path as a float (checking every state for one would
double the fast path's cost).

Publishing needs the timestamp as text, as it is stored (``datetime.isoformat``):
``decode_recorded`` leaves it so, sparing the relay a ``datetime`` made and formatted
again for every event.
"""

from __future__ import annotations

from typing import Any

import orjson
from eventsourcing.persistence import JSONTranscoder

MARKER = b'"_type_"'  # how the library marks a transcoded value, as a key
TIMESTAMP = "datetime_iso"  # the library's transcoding of a datetime


class EventStateTranscoder(JSONTranscoder):
    """The library's JSON transcoder, with a fast path for states whose only transcoded
    value is their timestamp."""

    def decode(self, data: bytes) -> Any:
        """The state encoded in ``data``, as the library decodes it."""
        state = self._stamped(data)
        if state is None:
            return super().decode(data)
        state["timestamp"] = self.names[TIMESTAMP].decode(state["timestamp"])
        return state

    def decode_recorded(self, data: bytes) -> dict[str, Any]:
        """A recorded event's state, its timestamp left as the ISO 8601 text it is
        stored as: what ``decode`` gives, the timestamp formatted by ``isoformat``
        (the fast path does not parse the text)."""
        state = self._stamped(data)
        if state is None:
            state = super().decode(data)
            state["timestamp"] = state["timestamp"].isoformat()
        return state

    def _stamped(self, data: bytes) -> dict[str, Any] | None:
        """The state in ``data``, its timestamp as stored text, if its timestamp is its
        only transcoded value (None otherwise, or if it is not JSON: the library says why)."""
        if data.count(MARKER) != 1:
            return None
        try:
            state: Any = orjson.loads(data)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(state, dict):
            return None
        stamp = state.get("timestamp")
        if (
            isinstance(stamp, dict)
            and len(stamp) == 2
            and stamp.get("_type_") == TIMESTAMP
            and isinstance(stamp.get("_data_"), str)
        ):
            state["timestamp"] = stamp["_data_"]
            return state
        return None
