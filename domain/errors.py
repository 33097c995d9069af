"""Errors raised by the domain; entrypoints translate them to their own protocol."""

from __future__ import annotations


class DomainError(Exception):
    """A command the domain refuses."""


class InvalidTransition(DomainError):
    """An action that the case's current state does not allow; ``rule`` says why, when
    the state alone does not (e.g. the article of the law)."""

    def __init__(self, state: str, action: str, rule: str = "") -> None:
        because = f": {rule}" if rule else ""
        super().__init__(f"cannot {action} a case in state '{state}'{because}")
        self.state = state
        self.action = action


class InvalidCommand(DomainError):
    """A command whose content breaks a domain rule (e.g. a missing reason)."""


class NotFound(DomainError):
    """The named case or item does not exist."""


class VersionConflict(DomainError):
    """The caller's ``expected_version`` is stale, or a concurrent write won."""


class StaleRead(VersionConflict):
    """An aggregate a command decided on (besides the one it changes) has changed since
    it was read: nothing was recorded; read it again and decide again."""


class UnsupportedHistory(DomainError):
    """Stored events of an old version that cannot be upcast faithfully."""
