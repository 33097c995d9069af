"""Loading a power-list file into the application, through the ordinary commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from domain.actor import Actor
from domain.application import HallApplication
from domain.service_item import ServiceItem

DEMO_CATALOGUE = Path(__file__).with_name("demo_catalogue.json")
LOADER = Actor(id="catalogue-loader", role="hall_admin", department="HALL")


def read_catalogue(path: Path = DEMO_CATALOGUE) -> dict[str, Any]:
    """The file's departments and items."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def load_catalogue(app: HallApplication, path: Path = DEMO_CATALOGUE) -> int:
    """Register every item of the file not yet on the power list; the number registered."""
    registered = 0
    for entry in read_catalogue(path)["items"]:
        if ServiceItem.id_for(entry["code"]) not in app.repository:
            app.register_item(LOADER, entry)
            registered += 1
    return registered
