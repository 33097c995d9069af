"""The OpenAPI document tells the truth: Schemathesis generates requests from it, valid
and invalid, against the live API with a staff token, and every answer must be
documented, in status and content type, and never a 5xx. Bounded: a few examples per
operation and mode, short long-polls. A summary of what ran is printed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.harness import Hall, Platform, running_hall

PERSON = {"kind": "person", "name": "赵六", "id_number": "110101197001010022"}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def hall(platform: Platform) -> Iterator[Hall]:
    with running_hall(platform, PERSON) as staff:
        yield staff


@pytest.fixture(scope="module")
def api_schema(platform: Platform, hall: Hall) -> Any:
    # Waits end soon here, so that fuzzed min_positions cost little time.
    platform.stop("api")
    platform.start("api", env={"CASETRAIL_LONG_POLL_SECONDS": "0.2"})
    config = SchemathesisConfig.from_dict(
        {"headers": {"Authorization": f"Bearer {platform.token('clerk')}"}}
    )
    return schemathesis.openapi.from_url(f"{platform.base_url}/openapi.json", config=config)


def fuzz(operation: Any, mode: GenerationMode, answers: Counter[str]) -> str | None:
    """Run ``operation``'s generated cases of ``mode``; the first failure, if any."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @EXAMPLES
    def run(case: Any) -> None:
        response = case.call(timeout=30)
        answers[str(response.status_code)] += 1
        case.validate_response(response, checks=CHECKS)

    try:
        run()
    except Unsatisfiable:  # nothing to make invalid: no parameters and no body
        return None
    except (Exception, BaseExceptionGroup) as failure:  # the checks' failures, or transport
        return f"{operation.label} ({mode}): {failure}"
    return None


def test_every_answer_is_documented(api_schema: Any) -> None:
    answers: Counter[str] = Counter()
    operations = [result.ok() for result in api_schema.get_all_operations()]
    failures = [
        failure
        for operation in operations
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        if (failure := fuzz(operation, mode, answers))
    ]
    by_status = ", ".join(f"{status}: {n}" for status, n in sorted(answers.items()))
    print(
        f"\nschemathesis: {len(operations)} operations, {answers.total()} requests generated; "
        f"checks {', '.join(check.__name__ for check in CHECKS)} on each; "
        f"answers {by_status}; {len(failures)} failures"
    )
    assert not failures, "\n\n".join(failures)


def test_links_walk_a_case_from_its_intake(api_schema: Any) -> None:
    """Stateful: POST /cases, then the routes its links lead to, with its case_id."""
    answers: Counter[str] = Counter()

    # only the routes an intake links to: other operations that are sources of inferred
    # links (listings, replays) would take the walk's steps elsewhere
    walked = api_schema.include(path_regex=r"^/api/v1/(cases|public/cases)")

    class Walk(walked.as_state_machine()):  # type: ignore[misc]
        def validate_response(self, response: Any, case: Any, **_: Any) -> None:
            answers[f"{case.operation.label} {response.status_code}"] += 1
            case.validate_response(response, checks=CHECKS)

    Walk.run(
        settings=settings(
            max_examples=10,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    print(f"\nschemathesis stateful: {answers.total()} requests, 0 failures; {dict(answers)}")
    assert any("{case_id}" in answer for answer in answers), "no link from an intake followed"
