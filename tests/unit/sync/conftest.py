"""An in-memory central server that keeps protocol v1's promises, and a transport to it that can fail on demand.

The fake is small but honest about what the engine relies on: versions, op_id idempotency, conflicts judged on
``base_version``, a change sequence that orders pulls, pages, tombstones and expired cursors.
"""

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from app.domain.clients import Client
from app.domain.sessions import Session
from app.store.db import DeviceDatabase
from app.usecases.clients import register_client
from app.usecases.context import Actor
from app.usecases.sessions import save_session
from sync.engine import SyncEngine
from sync.transport import CursorExpired, Offline, TooLarge


class FakeServer:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], dict[str, Any]] = {}
        self.seq = 0
        self.applied_ops: dict[str, dict[str, Any]] = {}
        self.refusals: list[tuple[Callable[[dict[str, Any]], bool], list[dict[str, str]]]] = []
        self.oldest_cursor = 0  # a cursor below this is answered with 410
        self.pushes: list[list[dict[str, Any]]] = []
        self.pulls: list[str | None] = []
        self.max_push_bytes: int | None = None  # a push whose changes take more JSON than this is answered 413
        self.too_large: list[int] = []  # the sizes of pushes refused as too large
        self.merged: dict[str, tuple[str, dict[str, Any]]] = {}  # merged client id -> (survivor id, its last record)

    def put(self, entity: str, key: str, data: dict[str, Any] | None = None, *, op: str = "upsert") -> int:
        """Store (or tombstone) a row as if an administrator or another device changed it; returns its version."""
        self.seq += 1
        previous = self.rows.get((entity, key))
        version = (previous["version"] if previous else 0) + 1
        stored = None if op == "delete" else {**(data or {}), "version": version}
        self.rows[(entity, key)] = {"version": version, "seq": self.seq, "op": op, "data": stored}
        return version

    def merge(self, merged: str, survivor: str) -> None:
        """Merge client ``merged`` into ``survivor`` as a supervisor does on the console: sessions naming it name the
        survivor (a new version each), and devices get a tombstone naming the survivor."""
        for (entity, key), row in list(self.rows.items()):
            forms = (row["data"] or {}).get("service_forms", []) if entity == "session" else []
            if any(form["client_id"] == merged for form in forms):
                moved = [form | {"client_id": survivor} if form["client_id"] == merged else form for form in forms]
                self.put(entity, key, row["data"] | {"service_forms": moved})
        record = self.rows[("client", merged)]
        self.merged[merged] = (survivor, copy.deepcopy(record["data"]))
        self.seq += 1
        self.rows[("client", merged)] = {"version": record["version"] + 1, "seq": self.seq, "op": "delete",
                                         "data": {"merged_into": survivor}}  # fmt: skip

    def refuse(self, when: Callable[[dict[str, Any]], bool], errors: list[dict[str, str]]) -> None:
        """Reject pushed changes for which ``when(change)`` is true, with ``errors`` as the reasons."""
        self.refusals.append((when, errors))

    def record(self, entity: str, key: str) -> dict[str, Any] | None:
        row = self.rows.get((entity, key))
        return copy.deepcopy(row["data"]) if row else None

    def forget(self, entity: str, key: str) -> None:
        """Drop a row without a tombstone, as a removal the server has since forgotten looks to a full pull."""
        del self.rows[(entity, key)]

    def push(self, changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.max_push_bytes is not None and len(json.dumps(changes)) > self.max_push_bytes:
            self.too_large.append(len(changes))
            raise TooLarge("The request is over the size limit.")
        self.pushes.append(copy.deepcopy(changes))
        return [self._judge(change) for change in changes]

    def _judge(self, change: dict[str, Any]) -> dict[str, Any]:
        op_id = change["op_id"]
        if op_id in self.applied_ops:
            return {**self.applied_ops[op_id], "status": "duplicate"}
        for when, errors in self.refusals:
            if when(change):
                return {"op_id": op_id, "status": "rejected", "version": None, "errors": errors, "current": None}
        if change["entity"] == "client" and change["id"] in self.merged:
            return self._judge_merged(change)
        if change["entity"] == "session":
            change = self._redirected(change)
        row = self.rows.get((change["entity"], change["id"]))
        current_version = row["version"] if row else None
        if change["base_version"] != current_version:
            current = copy.deepcopy(row["data"]) if row else None
            return {"op_id": op_id, "status": "conflict", "version": current_version, "current": current}
        version = self.put(change["entity"], change["id"], change["data"])
        result = {"op_id": op_id, "status": "applied", "version": version, "errors": None, "current": None}
        self.applied_ops[op_id] = result
        return result

    def _judge_merged(self, change: dict[str, Any]) -> dict[str, Any]:
        """An edit of a merged client: its changed fields go to the survivor, or a conflict against the survivor
        when the edit was not based on the merged record's last version."""
        survivor, last = self.merged[change["id"]]
        row = self.rows[("client", survivor)]
        if change["base_version"] != last["version"]:
            current = {**copy.deepcopy(row["data"]), "id": survivor}
            return {"op_id": change["op_id"], "status": "conflict", "version": row["version"], "current": current,
                    "merged_into": survivor}  # fmt: skip
        identity = ("id", "version", "agency_id", "created_by", "created_at", "updated_at")
        edited = {name: value for name, value in change["data"].items()
                  if name not in identity and last.get(name) != value}  # fmt: skip
        version = self.put("client", survivor, row["data"] | edited)
        result = {"op_id": change["op_id"], "status": "applied", "version": version, "merged_into": survivor}
        self.applied_ops[change["op_id"]] = result
        return result

    def _redirected(self, change: dict[str, Any]) -> dict[str, Any]:
        """A session naming a merged client names its survivor."""
        forms = change["data"].get("service_forms", [])
        moved = [form | {"client_id": self.merged[form["client_id"]][0]} if form["client_id"] in self.merged
                 else form for form in forms]  # fmt: skip
        return change | {"data": change["data"] | {"service_forms": moved}}

    def pull(self, cursor: str | None, limit: int) -> dict[str, Any]:
        """Cursors work as the real server's (server/core/cursor.py): "<seq>" once the device holds everything up to
        it; "<seq>:<since>" on the pages of a pull that began without a cursor, ``since`` being the counter then. A
        cursor is refused (410) when what it may have missed starts before ``oldest_cursor``: for a pull from the
        beginning, that is where it began, not its pages."""
        self.pulls.append(cursor)
        after, _, began = (cursor or f"0:{self.seq}").partition(":")
        complete_from = int(began or after)
        if cursor and complete_from < self.oldest_cursor:
            raise CursorExpired("This cursor is older than the server keeps.")
        newer = sorted((row["seq"], key) for key, row in self.rows.items() if row["seq"] > int(after))
        page = newer[:limit]
        changes = [
            {
                "entity": entity,
                "id": key,
                "op": self.rows[(entity, key)]["op"],
                "version": self.rows[(entity, key)]["version"],
                "data": copy.deepcopy(self.rows[(entity, key)]["data"]),
            }
            for _, (entity, key) in page
        ]
        last, more = (page[-1][0] if page else int(after)), len(newer) > limit
        next_cursor = f"{last}:{began}" if more and began else str(last)
        return {"changes": changes, "cursor": next_cursor, "has_more": more}


class FakeTransport:
    """Calls the fake server in process. ``failures[name]`` holds exceptions to raise before the next calls;
    ``replies_to_lose`` makes that many pushes reach the server and then fail as if the connection dropped."""

    def __init__(self, server: FakeServer, token: str | None = "token") -> None:
        self.server = server
        self.token = token
        self.failures: dict[str, list[Exception]] = {"push": [], "pull": []}
        self.replies_to_lose = 0
        self.pull_hook: Callable[[], None] | None = None

    def _maybe_fail(self, name: str) -> None:
        if self.failures[name]:
            raise self.failures[name].pop(0)

    def push(self, device_id: str, changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        self._maybe_fail("push")
        results = self.server.push(changes)
        if self.replies_to_lose:
            self.replies_to_lose -= 1
            raise Offline("The connection dropped before the reply arrived.")
        return results

    def pull(self, cursor: str | None, limit: int) -> dict[str, Any]:
        self._maybe_fail("pull")
        if self.pull_hook is not None:
            self.pull_hook()
        return self.server.pull(cursor, limit)


@pytest.fixture
def server() -> FakeServer:
    return FakeServer()


@pytest.fixture
def transport(server: FakeServer) -> FakeTransport:
    return FakeTransport(server)


@pytest.fixture
def engine(device_db: DeviceDatabase, transport: FakeTransport) -> SyncEngine:
    return SyncEngine(device_db, transport, device_id="device-a")


@pytest.fixture
def save(device_db: DeviceDatabase, worker: Actor, make_session: Callable[..., Session]) -> Callable[..., Session]:
    """``save(**changes)``: save a session through the use case the Session form calls (it queues the change)."""

    def run(**changes: Any) -> Session:
        return save_session(device_db, worker, make_session(**changes))

    return run


@pytest.fixture
def register(device_db: DeviceDatabase, worker: Actor, make_client: Callable[..., Client]) -> Callable[..., Client]:
    """``register(**changes)``: register a client through the use case (duplicates ignored)."""

    def run(**changes: Any) -> Client:
        saved = register_client(device_db, worker, make_client(**changes), ignore_duplicates=True).client
        assert saved is not None
        return saved

    return run
