"""The anomaly rule catalogue: each rule's code, category, level, titles, documentation
and thresholds, as data (``rules.json`` beside this module), loaded and checked at start.

The logic of each rule is code (``domain.anomalies.rules``) and declares the thresholds
it reads and their types; the catalogue gives their values. A catalogue that names a rule
the code lacks, leaves one out, or gives a threshold of the wrong name or type is refused
with a message saying what is wrong, before anything is evaluated.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from domain.anomalies.rules import RULES

LEVELS = ("info", "warning", "serious")
CATEGORIES = {"T": "timing", "P": "process", "C": "content", "I": "integrity"}
RULE_FIELDS = {"code", "category", "level", "title", "documentation", "thresholds"}
DOCUMENTATION_FIELDS = {"detects", "why", "legal_basis"}


class InvalidCatalogue(ValueError):
    """A rule catalogue that cannot be used, and why."""


@dataclass(frozen=True)
class Rule:
    """One rule of the catalogue."""

    code: str
    category: str
    level: str
    title_zh: str
    title_en: str
    detects: str
    why: str
    legal_basis: str | None
    thresholds: Mapping[str, Any]

    def as_data(self) -> dict[str, Any]:
        """The rule as the API publishes it."""
        return {
            "code": self.code,
            "category": self.category,
            "level": self.level,
            "title": {"zh": self.title_zh, "en": self.title_en},
            "documentation": {
                "detects": self.detects,
                "why": self.why,
                "legal_basis": self.legal_basis,
            },
            "thresholds": dict(self.thresholds),
        }


@dataclass(frozen=True)
class Catalogue:
    """Every rule, in the catalogue's order."""

    rules: tuple[Rule, ...]

    def rule(self, code: str) -> Rule:
        """The rule ``code``; ``KeyError`` when there is none."""
        for rule in self.rules:
            if rule.code == code:
                return rule
        raise KeyError(code)


def load_catalogue(data: object) -> Catalogue:
    """The catalogue ``data`` describes (the shape of ``rules.json``); ``InvalidCatalogue``
    naming the first problem otherwise."""
    if not isinstance(data, Mapping) or not isinstance(data.get("rules"), list):
        raise InvalidCatalogue("a rule catalogue is an object with a list of rules")
    rules = tuple(_rule(entry, index) for index, entry in enumerate(data["rules"]))
    codes = [rule.code for rule in rules]
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        raise InvalidCatalogue(f"rules listed twice: {', '.join(repeated)}")
    missing = sorted(set(RULES) - set(codes))
    if missing:
        raise InvalidCatalogue(f"rules the code implements but the catalogue lacks: {missing}")
    return Catalogue(rules)


def read_catalogue(path: Path | None = None) -> Catalogue:
    """The catalogue in ``path``, by default the one shipped with the package."""
    text = (
        path.read_text(encoding="utf-8")
        if path is not None
        else resources.files(__package__).joinpath("rules.json").read_text(encoding="utf-8")
    )
    try:
        return load_catalogue(json.loads(text))
    except json.JSONDecodeError as error:
        raise InvalidCatalogue(f"the rule catalogue is not JSON: {error}") from None


def _rule(entry: object, index: int) -> Rule:
    where = f"rule {index + 1}"
    if not isinstance(entry, Mapping) or set(entry) != RULE_FIELDS:
        raise InvalidCatalogue(f"{where} must have exactly the fields {sorted(RULE_FIELDS)}")
    code = entry["code"]
    if not isinstance(code, str) or code not in RULES:
        raise InvalidCatalogue(f"{where}: no rule '{code}' is implemented (known: {sorted(RULES)})")
    where = f"rule {code}"
    if entry["category"] != CATEGORIES[code[0]]:
        raise InvalidCatalogue(f"{where}: its category is '{CATEGORIES[code[0]]}'")
    if entry["level"] not in LEVELS:
        raise InvalidCatalogue(f"{where}: level must be one of {', '.join(LEVELS)}")
    title, documentation = entry["title"], entry["documentation"]
    if not (isinstance(title, Mapping) and set(title) == {"zh", "en"}):
        raise InvalidCatalogue(f"{where}: title must give zh and en")
    if not (isinstance(documentation, Mapping) and set(documentation) == DOCUMENTATION_FIELDS):
        raise InvalidCatalogue(f"{where}: documentation must give {sorted(DOCUMENTATION_FIELDS)}")
    texts = [title["zh"], title["en"], documentation["detects"], documentation["why"]]
    if not all(isinstance(text, str) and text.strip() for text in texts):
        raise InvalidCatalogue(f"{where}: titles and documentation must be non-empty text")
    basis = documentation["legal_basis"]
    if basis is not None and not (isinstance(basis, str) and basis.strip()):
        raise InvalidCatalogue(f"{where}: legal_basis is text, or null where there is none")
    return Rule(
        code=code,
        category=entry["category"],
        level=entry["level"],
        title_zh=title["zh"],
        title_en=title["en"],
        detects=documentation["detects"],
        why=documentation["why"],
        legal_basis=basis,
        thresholds=_thresholds(code, entry["thresholds"]),
    )


def _thresholds(code: str, given: object) -> dict[str, Any]:
    """The thresholds of rule ``code``: exactly the names its logic reads, each of its type."""
    wanted = RULES[code].thresholds
    if not isinstance(given, Mapping) or set(given) != set(wanted):
        raise InvalidCatalogue(f"rule {code}: thresholds must be exactly {sorted(wanted)}")
    for name, kind in wanted.items():
        value = given[name]
        fits = (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
            if kind is list
            else isinstance(value, kind) and (kind is bool or not isinstance(value, bool))
        )
        if not fits or (kind is int and value < 0):
            shape = "a list of texts" if kind is list else f"a {kind.__name__}"
            if kind is int:
                shape = "a whole number ≥ 0"
            raise InvalidCatalogue(f"rule {code}: threshold {name} must be {shape}, not {value!r}")
    thresholds = dict(given)
    try:
        RULES[code].check_thresholds(thresholds)
    except ValueError as error:
        raise InvalidCatalogue(f"rule {code}: {error}") from None
    return thresholds
