"""What keeps a record on the device from being reportable: what the app marks at the field, saving aside."""

from collections.abc import Callable
from dataclasses import replace

import pytest

from app.domain.clients import Client
from app.domain.sessions import Session
from app.store.db import DeviceDatabase
from app.usecases.clients import load_client, update_client
from app.usecases.context import Actor, NotFound
from app.usecases.reporting import client_gaps, session_gaps
from app.usecases.sessions import load_session, save_service_form


def test_a_saved_client_without_identifier_shows_what_the_funder_still_needs(
    db: DeviceDatabase, worker: Actor, register: Callable[..., Client]
) -> None:
    client = register(official_language="en")
    assert [gap.code for gap in client_gaps(db, client.id)] == [
        "report.client_identifier_kind.missing",
        "report.client_identifier.missing",
    ]
    identified = replace(
        load_client(db, client.id), client_identifier="12345678", client_identifier_kind="ircc_client_id"
    )
    update_client(db, worker, identified)
    assert load_client(db, client.id).client_identifier_kind == "ircc_client_id"  # kept by the device store
    assert client_gaps(db, client.id) == []
    with pytest.raises(NotFound):
        client_gaps(db, "no-such-client")


def test_a_session_lists_each_forms_gaps_until_they_are_filled(
    db: DeviceDatabase, worker: Actor, register: Callable[..., Client], record: Callable[..., Session]
) -> None:
    client = register(official_language="fr", client_identifier="12345678", client_identifier_kind="ircc_client_id")
    session = record(client.id)
    form = session.service_forms[0]
    codes = [gap.code for gap in session_gaps(db, session.id)[form.id]]
    assert codes == ["report.service_type.missing", "report.status.missing", "report.client_attended.missing"]

    done = replace(form, service_type="support_services", services=["ss_child_care"], status="complete",
                   client_attended=True)  # fmt: skip
    save_service_form(db, worker, session.id, done, today=session.service_date)
    assert session_gaps(db, session.id) == {form.id: []}
    assert load_session(db, session.id).service_forms[0].client_attended is True
