"""Request bodies derived from the domain's case commands: each body is the command's
own fields (with their bounds) plus ``expected_version``; unknown fields are refused."""

from __future__ import annotations

import dataclasses
from typing import Any, get_type_hints

from pydantic import Field, create_model

from api.schemas import CommandIn
from domain.case.commands import CaseCommand


def body_model(command: type[CaseCommand]) -> type[CommandIn]:
    """The body of ``command``'s route, named after it (``Decide`` → ``DecideIn``)."""
    hints = get_type_hints(command, include_extras=True)
    fields: dict[str, Any] = {
        f.name: (hints[f.name], _default(f)) for f in dataclasses.fields(command)
    }
    model: type[CommandIn] = create_model(
        f"{command.__name__}In", __base__=CommandIn, __doc__=command.__doc__, **fields
    )
    return model


def to_command(command: type[CaseCommand], body: CommandIn) -> CaseCommand:
    """The command a validated body carries."""
    return command(**{f.name: getattr(body, f.name) for f in dataclasses.fields(command)})


def _default(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return Field(default_factory=f.default_factory)
    return ...
