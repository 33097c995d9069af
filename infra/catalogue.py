"""Loading a power-list file into the application, through the ordinary commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from domain.actor import Actor
from domain.application import HallApplication
from domain.department import Department
from domain.service_item import ServiceItem

DEMO_CATALOGUE = Path(__file__).with_name("demo_catalogue.json")
LOADER = Actor(id="catalogue-loader", role="hall_admin", department="HALL")


def read_catalogue(path: Path = DEMO_CATALOGUE) -> dict[str, Any]:
    """The file's departments and items."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def load_catalogue(app: HallApplication, path: Path = DEMO_CATALOGUE) -> int:
    """Register every department and item of the file not yet registered (a name changed
    since is left as recorded); the number of items registered."""
    catalogue = read_catalogue(path)
    for code, name in catalogue["departments"].items():
        if Department.id_for(code) not in app.repository:
            app.register_department(LOADER, code=code, name=name)
    registered = 0
    for entry in catalogue["items"]:
        if ServiceItem.id_for(entry["code"]) not in app.repository:
            app.register_item(LOADER, entry)
            registered += 1
    return registered
