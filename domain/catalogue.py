"""What the case side needs to know about a service item (事项) of the power list."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from domain.errors import InvalidCommand


@dataclass(frozen=True)
class ItemRef:
    """A service item as a case records it at intake."""

    code: str
    name: str
    department: str


class Catalogue(Protocol):
    """Looks up service items by code."""

    def item(self, code: str) -> ItemRef: ...


class StaticCatalogue:
    """A catalogue held in memory, loaded from data the hall publishes."""

    def __init__(self, items: Mapping[str, ItemRef]) -> None:
        self._items = dict(items)

    def item(self, code: str) -> ItemRef:
        """The item with ``code``; an unknown code is an invalid command."""
        try:
            return self._items[code]
        except KeyError:
            raise InvalidCommand(f"unknown service item '{code}'") from None
