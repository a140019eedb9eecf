"""Fuzzing every endpoint from the server's own OpenAPI document with schemathesis.

Schemathesis generates requests from ``/openapi.json``: valid ones (positive) and ones that break the schema on
purpose (negative). Most carry a valid bearer token, so they get past sign-in to the endpoint's own checks; a few
per endpoint go without one. Every generated request goes to two
servers built from the same code, one on SQLite and one on PostgreSQL (which refuses text SQLite would take, so it
finds more). Every answer must be a documented status (never a 5xx) whose headers, content type and body match the
schema. Generation is seeded, so a run is repeatable, and each operation has a fixed budget of cases, so the run is
bounded; requests with records in them are far slower to generate than the rest, hence the smaller budgets.
"""

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from integration.server.server_harness import ServerHarness, change, client_data, session_data
from pg import fresh_postgres_database
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup

from server.main import create_app

FUZZ_SEED = 20_260_601
MIN_CASES = 1_000
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
POSITIVE = GenerationMode.POSITIVE
NEGATIVE = GenerationMode.NEGATIVE
# (operation, generation mode) -> cases (with a valid token, without one). Most cases carry a valid token, so they
# reach the endpoint's own checks instead of stopping at 401; a few per endpoint go without, for the 401 itself.
# Health and sign-in ignore the token. An operation with nothing to vary yields fewer: health has no inputs at all,
# and logout with a valid token only has the token.
BUDGET: dict[tuple[str, GenerationMode], tuple[int, int]] = {
    ("GET /api/v1/health", POSITIVE): (5, 0),
    ("POST /api/v1/auth/login", POSITIVE): (25, 0),
    ("POST /api/v1/auth/login", NEGATIVE): (200, 0),
    ("POST /api/v1/auth/logout", POSITIVE): (5, 5),
    ("POST /api/v1/auth/logout", NEGATIVE): (0, 20),
    ("POST /api/v1/sync/push", POSITIVE): (33, 2),
    ("POST /api/v1/sync/push", NEGATIVE): (23, 2),
    ("GET /api/v1/sync/pull", POSITIVE): (580, 10),
    ("GET /api/v1/sync/pull", NEGATIVE): (140, 10),
    ("GET /api/v1/reports/statistics", POSITIVE): (30, 2),
    ("GET /api/v1/reports/statistics", NEGATIVE): (20, 2),
    ("GET /api/v1/reports/unreportable", POSITIVE): (30, 2),
    ("GET /api/v1/reports/unreportable", NEGATIVE): (20, 2),
    ("GET /api/v1/reports/exports", POSITIVE): (5, 2),
    ("POST /api/v1/reports/exports", POSITIVE): (15, 2),
    ("POST /api/v1/reports/exports", NEGATIVE): (15, 2),
}
REPORTS = "/api/v1/reports/"  # supervisors' endpoints: their cases carry a supervisor's token
MAX_STOPPED_AT_401 = 0.1  # the share of answers that may be a 401


@dataclass
class FuzzTarget:
    """One server app and a way to get a valid token for it."""

    name: str
    server: ServerHarness

    def fresh_token(self, user_id: str = "wlee") -> str:
        return self.server.login(user_id)["Authorization"].removeprefix("Bearer ")


@dataclass
class FuzzTally:
    cases: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def _target(name: str, database_url: str) -> FuzzTarget:
    """A server with the two agencies and a few records wlee can pull, so pulls have something to page through."""
    server = ServerHarness(create_app(database_url))
    server.add_two_agencies()
    headers = server.login("wlee")
    server.push(headers, change("client", client_data()), change("session", session_data()))
    return FuzzTarget(name=name, server=server)


@pytest.fixture
def fuzz_targets(tmp_path: Path) -> Iterator[list[FuzzTarget]]:
    with fresh_postgres_database("outpost_reliability_fuzz") as postgres_url:
        targets = [_target("sqlite", f"sqlite:///{tmp_path / 'server.sqlite3'}"), _target("postgres", postgres_url)]
        yield targets
        for target in targets:
            target.server.db.close()


@pytest.mark.postgres
@pytest.mark.slow
def test_fuzzing_every_endpoint_finds_no_server_error_and_no_answer_outside_the_schema(
    fuzz_targets: list[FuzzTarget], reliability_figures: Callable[[str, dict[str, Any]], None]
) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_targets[0].server.app)
    operations = {operation.label: operation for operation in (result.ok() for result in schema.get_all_operations())}
    assert set(operations) == {label for label, _ in BUDGET}, "every endpoint has a fuzzing budget"
    tally = FuzzTally()
    for (label, mode), (with_token, without_token) in BUDGET.items():
        for authorised, budget in ((True, with_token), (False, without_token)):
            if budget:
                _fuzz(operations[label], mode, authorised, budget, fuzz_targets, tally)

    total, answers = sum(tally.cases.values()), sum(tally.statuses.values())
    stopped_at_401 = sum(count for key, count in tally.statuses.items() if key.endswith(" 401"))
    reliability_figures(
        "schema-fuzz",
        {
            "cases generated": total,
            "requests sent": answers,
            "answers outside the schema or 5xx": len(tally.failures),
            "answers that were 401": stopped_at_401,
            "share of answers that were 401": f"{stopped_at_401 / max(answers, 1):.1%}",
            "answers by endpoint and status": _by_endpoint(tally.statuses),
        },
    )
    assert not tally.failures, "\n\n".join(tally.failures[:10])
    assert total >= MIN_CASES, tally.cases
    assert stopped_at_401 < MAX_STOPPED_AT_401 * answers, tally.statuses


def _by_endpoint(statuses: Counter[str]) -> dict[str, dict[str, int]]:
    """``{"POST /api/v1/sync/push": {"200": n, "400": n}, ...}`` for the figures."""
    table: dict[str, dict[str, int]] = {}
    for key, count in sorted(statuses.items()):
        endpoint, _, status = key.rpartition(" ")
        table.setdefault(endpoint, {})[status] = count
    return table


def _fuzz(
    operation: Any, mode: GenerationMode, authorised: bool, budget: int, targets: list[FuzzTarget], tally: FuzzTally
) -> None:
    """Send ``budget`` generated cases of one operation to every target and record what breaks the schema."""
    signer = "sboss" if operation.path.startswith(REPORTS) else "wlee"
    tokens = {target.name: target.fresh_token(signer) for target in targets} if authorised else {}
    fixed_headers = {"Authorization": "Bearer placeholder"} if authorised else None
    key = f"{operation.label} {mode.value} {'with' if authorised else 'without'} token"

    @seed(FUZZ_SEED)
    @settings(
        max_examples=budget,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, headers=fixed_headers))
    def send_to_every_target(case: Any) -> None:
        tally.cases[key] += 1
        for target in targets:
            if authorised and operation.path.endswith("/logout"):
                tokens[target.name] = target.fresh_token(signer)  # each sign-out ends the token it is sent with
            headers = {"Authorization": f"Bearer {tokens[target.name]}"} if authorised else None
            _send_and_check(case, target, headers, key, tally)

    send_to_every_target()


def _send_and_check(case: Any, target: FuzzTarget, headers: dict[str, str] | None, key: str, tally: FuzzTally) -> None:
    try:
        response = case.call(app=target.server.app, headers=headers)
    except Exception as crash:  # the in-process transport re-raises what would have been a 500
        tally.failures.append(f"{target.name}: {key}: the server raised {crash!r}\n{case!r}")
        return
    tally.statuses[f"{case.operation.label} {response.status_code}"] += 1
    try:
        case.validate_response(response, checks=CHECKS, headers=headers)
    except FailureGroup as failures:
        tally.failures.append(f"{target.name}: {key}: {failures}\n{case!r}")
