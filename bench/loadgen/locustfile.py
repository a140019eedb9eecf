"""The locustfile of the load figures: each Locust user is one tablet syncing with the central server.

Locust runs this file in worker processes of its own (``--processes``), so the simulated devices share no Python
interpreter with each other's worker process or with the server. A user claims the next device of the plan the
benchmark wrote (``bench.load_plan``), then for each of its planned syncs waits for its moment and does what the
app's sync engine does over HTTP: push its queued sessions (the body ``sync.transport.push_body`` builds, with the
app's headers), then pull pages after its cursor until the server has no more, keeping the new cursor. A failed
attempt (a 5xx or 503, a dropped connection) is tried again after the app runner's backoff, honouring Retry-After;
the sync's time runs from its first attempt to its last answer, as the worker would feel it.
"""

import os
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import gevent
import locust.runners
from locust import FastHttpUser, constant, task
from locust.exception import StopUser

from bench.load_plan import (
    PLAN_FOLDER_VARIABLE,
    START_VARIABLE,
    PlannedDevice,
    PlannedSync,
    SyncOutcome,
    append_outcome,
    claim_device,
    read_plan,
    results_file,
)
from bench.wire import server_ms
from protocol import codec
from protocol.api import API_PREFIX, PULL_PATH, PUSH_PATH
from server.api.timing import HEADER as SERVER_TIMING
from sync.runner import Backoff
from sync.transport import (
    DEFAULT_TIMEOUT,
    PUSH_HEADERS,
    ProtocolError,
    parse_retry_after,
    pull_page,
    pull_params,
    push_results,
)

MAX_ATTEMPTS = 6
APPLIED = ("applied", "duplicate")
FOLDER = Path(os.environ[PLAN_FOLDER_VARIABLE])
START = float(os.environ[START_VARIABLE])  # wall-clock moment the plan's time 0 stands for
PLAN = read_plan(FOLDER)
RESULTS = results_file(FOLDER)
# Locust's master gives up on a worker process that misses 3 one-second heartbeats. On a machine shared with the
# server and busy with other work, a starved worker can miss that many and still be fine; the benchmark watches the
# outcome files instead, and stops Locust itself.
locust.runners.HEARTBEAT_LIVENESS = 120


class TryAgain(Exception):
    """The server is there but could not answer now (5xx, 503, 429, a dropped connection): the runner retries."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class GiveUp(Exception):
    """An answer the app would not retry as is (401, 4xx, a rejected change, a malformed answer)."""


class TabletUser(FastHttpUser):
    """One device of the plan: its token, its cursor, and its planned syncs in time order."""

    host = PLAN.servers[0]  # requests name their server in full; see _request
    wait_time = constant(0)
    connection_timeout, network_timeout = DEFAULT_TIMEOUT  # the app's: 5 s to connect, 30 s for an answer

    def on_start(self) -> None:
        index = claim_device(FOLDER)
        self.device: PlannedDevice | None = PLAN.devices[index] if index < len(PLAN.devices) else None
        self.turn = index  # which server the next request goes to (round robin, as a load balancer would)
        self.cursor = self.device.cursor if self.device else ""
        self.backoff = Backoff()
        self.last_server_ms = 0.0  # the server's own time for the latest request (its Server-Timing header)

    @task
    def run_planned_syncs(self) -> None:
        device = self.device
        if device is None:
            raise StopUser()
        for number, planned in enumerate(device.syncs):
            gevent.sleep(max(0.0, START + planned.at_s - time.time()))
            append_outcome(RESULTS, self._sync(device, number, planned))
        raise StopUser()

    def _sync(self, device: PlannedDevice, number: int, planned: PlannedSync) -> SyncOutcome:
        outcome = SyncOutcome(device=device.user_id, sync=number, ok=False, seconds=0.0, attempts=0, requests=0,
                              server_ms=0.0, pulled=0, late_s=max(0.0, time.time() - START - planned.at_s))  # fmt: skip
        began = time.perf_counter()
        while outcome.attempts < MAX_ATTEMPTS:
            outcome.attempts += 1
            try:
                if planned.body is not None:
                    self._push(device, planned, outcome)
                self._pull(device, outcome)
                outcome.ok = True
                break
            except TryAgain as problem:
                outcome.errors.append(str(problem))
                gevent.sleep(self.backoff.delay(outcome.attempts, problem.retry_after))
            except (GiveUp, ProtocolError) as problem:
                outcome.errors.append(str(problem))
                break
        outcome.seconds = time.perf_counter() - began
        self.environment.events.request.fire(
            request_type="SYNC", name="push + pull", response_time=outcome.seconds * 1000, response_length=0,
            exception=None if outcome.ok else GiveUp("; ".join(outcome.errors[-1:])), context={},
        )  # fmt: skip
        return outcome

    def _push(self, device: PlannedDevice, planned: PlannedSync, outcome: SyncOutcome) -> None:
        answer = self._request("POST", PUSH_PATH, device, outcome, data=planned.body, headers=dict(PUSH_HEADERS))
        outcome.push_server_ms = self.last_server_ms
        for result in push_results(answer, len(planned.session_ids)):
            if result.get("status") not in APPLIED:
                raise GiveUp(f"push: change {result.get('op_id')} was {result.get('status')}: {result}")

    def _pull(self, device: PlannedDevice, outcome: SyncOutcome) -> None:
        """Pages after the device's cursor until the server has no more; the cursor moves with each page."""
        while True:
            query = urlencode(pull_params(self.cursor, PLAN.pull_limit))
            page = pull_page(self._request("GET", f"{PULL_PATH}?{query}", device, outcome))
            outcome.pulled += len(page["changes"])
            self.cursor = page["cursor"]
            if not page.get("has_more"):
                return

    def _request(self, method: str, path: str, device: PlannedDevice, outcome: SyncOutcome, **options: Any) -> Any:
        server = PLAN.servers[self.turn % len(PLAN.servers)]
        self.turn += 1
        headers = {**options.pop("headers", {}), "Authorization": f"Bearer {device.token}"}
        name = path.split("?")[0]
        response = self.client.request(method, f"{server}{API_PREFIX}{path}", name=name, headers=headers, **options)
        outcome.requests += 1
        self.last_server_ms = server_ms(response.headers.get(SERVER_TIMING) if response.headers else None) or 0.0
        outcome.server_ms += self.last_server_ms
        status = response.status_code
        if status == 0 or status >= 500 or status == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After")) if response.headers else None
            raise TryAgain(f"{name}: {status or type(response.error).__name__}", retry_after)
        if status != 200:
            raise GiveUp(f"{name}: {status} {response.text[:200]}")
        try:
            answer = codec.loads(response.content)
        except ValueError as problem:
            raise GiveUp(f"{name}: the answer is not JSON") from problem
        if not isinstance(answer, dict):
            raise GiveUp(f"{name}: the answer is not a JSON object")
        return answer
