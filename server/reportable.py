"""Whether each stored session can be reported now, kept in ``session.reportable`` for the console's filter.

The rule is the domain's (``app.domain.reporting.session_is_reportable``): nothing in the session keeps it from the
funder export, its clients' profiles included. A session's verdict depends on its own record and on the profiles of
the clients its service forms name (and on whether they have reached the server), so it is judged again whenever
one of those changes: a push judges the sessions it writes and the stored sessions naming the clients it writes
(``server.push``), a merge every session of the surviving client (``server.merge``), and the migration that added
the column judged every stored session. The reports judge on the fly with the same rule, so the reports page and the
filter agree.
"""

from collections.abc import Iterable, Mapping, Sequence
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, Row, bindparam, select

from app.domain.reporting import session_is_reportable
from protocol.records import client_from_wire, session_from_wire
from server.models import ClientRecord, SessionForm, SessionRecord
from server.reports.reading import in_chunks

BATCH = 1_000
_session = SessionRecord.__table__
_client = ClientRecord.__table__
_form = SessionForm.__table__
_SET_FLAG = _session.update().where(_session.c.id == bindparam("flagged_id")).values(reportable=bindparam("flag"))
# Every push that writes a session reads its clients with this: built once, like the push's other statements. Built
# anew on each call, with the ids inlined, the read of three clients cost 340-390 µs of the server's CPU; now 180-200.
_STORED_CLIENTS = select(_client.c.id, _client.c.record).where(
    _client.c.agency_id == bindparam("agency"), _client.c.id.in_(bindparam("ids", expanding=True))
)


def judge(sessions: Mapping[str, dict[str, Any]], clients: Mapping[str, dict[str, Any]]) -> dict[str, bool]:
    """Whether each session record (by id) is reportable; ``clients`` holds the stored records of the agency's
    clients its forms name (one that is absent has not reached the server)."""
    profiles = {client_id: client_from_wire(record, record_id=client_id, trusted=True)
                for client_id, record in clients.items()}  # fmt: skip
    return {
        session_id: session_is_reportable(session_from_wire(record, record_id=session_id, trusted=True), profiles)
        for session_id, record in sessions.items()
    }


def clients_named(records: Iterable[dict[str, Any]]) -> set[str]:
    """The clients the service forms of these session records name."""
    return {form["client_id"] for record in records for form in record["service_forms"]}


def stored_clients(connection: Connection, *, agency_id: str, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The stored records of those of ``ids`` that are clients of the agency."""
    found: dict[str, dict[str, Any]] = {}
    for chunk in in_chunks(sorted(set(ids))):
        rows = connection.execute(_STORED_CLIENTS, {"agency": agency_id, "ids": chunk})
        found.update({row.id: row.record for row in rows})
    return found


def rejudge_sessions_naming(
    connection: Connection, *, agency_id: str, client_ids: Iterable[str], judged: Iterable[str] = ()
) -> None:
    """Judge again the stored sessions with a service form for one of these clients, but those in ``judged`` (the
    caller's own), writing the verdicts that changed."""
    naming: set[str] = set()
    for chunk in in_chunks(sorted(set(client_ids))):
        naming.update(connection.scalars(select(_form.c.session_id).where(_form.c.client_id.in_(chunk))))
    rejudge_sessions(connection, agency_id=agency_id, session_ids=naming - set(judged))


def rejudge_sessions(connection: Connection, *, agency_id: str, session_ids: Iterable[str]) -> None:
    """Judge these stored sessions of the agency again, writing the verdicts that changed."""
    for chunk in in_chunks(sorted(set(session_ids))):
        query = select(_session.c.id, _session.c.agency_id, _session.c.record, _session.c.reportable).where(
            _session.c.agency_id == agency_id, _session.c.id.in_(chunk)
        )
        _write_changed(connection, connection.execute(query).all())


def rejudge_all(connection: Connection) -> None:
    """Judge every stored session again, ``BATCH`` at a time by id (keyset), so memory stays bounded at any size."""
    page = select(_session.c.id, _session.c.agency_id, _session.c.record, _session.c.reportable)
    after = ""
    while rows := connection.execute(page.where(_session.c.id > after).order_by(_session.c.id).limit(BATCH)).all():
        _write_changed(connection, rows)
        after = rows[-1].id


def _write_changed(connection: Connection, rows: Sequence[Row[Any]]) -> None:
    """Judge rows (id, agency_id, record, reportable) and write the verdicts that differ from the stored one."""
    changed: list[dict[str, Any]] = []
    for agency_id, of_agency in groupby(sorted(rows, key=lambda row: row.agency_id), key=lambda row: row.agency_id):
        stored = {row.id: row for row in of_agency}
        records = {session_id: row.record for session_id, row in stored.items()}
        clients = stored_clients(connection, agency_id=agency_id, ids=clients_named(records.values()))
        changed += [
            {"flagged_id": session_id, "flag": verdict}
            for session_id, verdict in judge(records, clients).items()
            if stored[session_id].reportable != verdict
        ]
    if changed:
        connection.execute(_SET_FLAG, changed)
