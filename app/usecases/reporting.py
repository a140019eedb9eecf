"""What keeps a record on this device from being reportable to the funder (saving never waits for it).

Screens call these to put a calm mark at each field the funder still needs; the rules themselves are the domain's
(``app.domain.reporting``), so the device says the same as the server's "Not reported" list.
"""

from app.domain.reporting import ReportGap, client_report_gaps, session_report_gaps
from app.usecases.context import NotFound, UnitsOfWork


def client_gaps(db: UnitsOfWork, client_id: str) -> list[ReportGap]:
    """What the client's profile still needs before it can be reported; empty when it is reportable."""
    with db.reading() as uow:
        client = uow.clients.get(client_id)
    if client is None:
        raise NotFound(client_id)
    return client_report_gaps(client)


def session_gaps(db: UnitsOfWork, session_id: str) -> dict[str, list[ReportGap]]:
    """For each service form of the session (by form id), what keeps it from being reported, its client included."""
    with db.reading() as uow:
        session = uow.sessions.get(session_id)
        if session is None:
            raise NotFound(session_id)
        clients = {form.client_id: uow.clients.get(form.client_id) for form in session.service_forms}
    return session_report_gaps(session, {key: client for key, client in clients.items() if client is not None})
