"""Judging a case by every rule of the catalogue: the anomalies it shows.

A detection's id is ``uuid5`` of its rule, its case (none for a finding about a staff
member across cases) and its occurrence: judging the same facts again, after a restart
or a replay of the topic, yields the same ids, and recording an id already recorded
records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.anomalies.catalogue import Catalogue
from domain.anomalies.facts import Facts
from domain.anomalies.rules import RULES, Context

ANOMALY_NAMESPACE = uuid5(NAMESPACE_URL, "urn:casetrail:anomaly")
"""The namespace of anomaly ids."""


def anomaly_id(rule: str, case_id: str, occurrence: str) -> UUID:
    """The id of the anomaly rule ``rule`` found in ``case_id`` ("" for a finding about a
    staff member across cases) as ``occurrence``."""
    return uuid5(ANOMALY_NAMESPACE, f"{rule}\n{case_id}\n{occurrence}")


@dataclass(frozen=True)
class Detection:
    """An anomaly to record: the rule, the case it was found in, the staff concerned and
    the evidence (the events it rests on, what was measured, the thresholds applied)."""

    id: UUID
    rule: str
    category: str
    level: str
    case_id: str
    case_no: str
    department: str
    officers: list[str]
    occurrence: str
    evidence: dict[str, Any]


def evaluate(catalogue: Catalogue, facts: Facts, context: Context) -> list[Detection]:
    """Every anomaly the case's ``facts`` show, by each rule of ``catalogue``."""
    found = []
    for rule in catalogue.rules:
        for finding in RULES[rule.code].judge(facts, context, rule.thresholds):
            scope = "" if finding.per_officer else facts["case_id"]
            evidence = {
                "events": [
                    {k: e[k] for k in ("version", "position", "kind", "time", "actor")}
                    for e in finding.events
                ],
                "measured": finding.measured,
                "thresholds": dict(rule.thresholds),
            }
            found.append(
                Detection(
                    id=anomaly_id(rule.code, scope, finding.occurrence),
                    rule=rule.code,
                    category=rule.category,
                    level=rule.level,
                    case_id=facts["case_id"],
                    case_no=facts["case_no"],
                    department=facts["department"],
                    officers=finding.officers,
                    occurrence=finding.occurrence,
                    evidence=evidence,
                )
            )
    return found
