"""The Session form's "Clients in this session": each client with their service form's status, "Open Service Form"
and "Remove", and "Add Client" (the ``ClientPicker``). The session's own Complete/Incomplete badge follows them."""

from collections.abc import Awaitable, Callable, Sequence
from functools import partial

import flet as ft

from app.domain.errors import ValidationFailed
from app.domain.reporting import ReportGap, service_form_report_gaps
from app.domain.sessions import ServiceForm, Session, is_session_complete
from app.ui import theme, widgets
from app.ui.context import AppContext
from app.ui.field_kit import error_line
from app.ui.forms import report_needs
from app.ui.messages import error_text
from app.ui.screens.client_picker import ClientPicker
from app.ui.screens.session_sections import Changed, SessionWords
from app.usecases.clients import ClientSummary
from app.usecases.context import NotFound
from app.usecases.reporting import client_gaps
from app.usecases.sessions import add_client_to_session


def profile_gaps(ctx: AppContext, client_ids: Sequence[str]) -> dict[str, list[ReportGap]]:
    """What each client's profile still lacks for the funder's report; a client not on this device has no entry."""
    found: dict[str, list[ReportGap]] = {}
    for client_id in client_ids:
        try:
            found[client_id] = client_gaps(ctx.db, client_id)
        except NotFound:
            continue
    return found


class SessionClients:
    def __init__(
        self,
        ctx: AppContext,
        words: SessionWords,
        session: Session,
        client_names: dict[str, str],
        profiles: dict[str, list[ReportGap]],
        *,
        status: ft.Container,
        changed: Changed,
        redraw: Callable[[], None],
        open_form: Callable[[str], Awaitable[None]],
    ):
        """``client_names``: display names by client id, added to as clients join; ``profiles``: what each client's
        profile lacks for the report (``profile_gaps``), learnt as clients join; ``status``: where the session's
        Complete/Incomplete badge goes; ``open_form``: go to a service form by its id (saving the session first)."""
        tr = self.tr = ctx.tr
        self.ctx = ctx
        self.session = session
        self.client_names = client_names
        self.profiles = profiles
        self.status = status
        self.changed = changed
        self.redraw = redraw
        self.open_form = open_form
        self.rows = ft.Column(spacing=8)
        self.error = error_line()
        self.show()
        self.control = widgets.section(
            tr("Clients in this session"),
            widgets.muted(words.help("service_forms")),
            self.rows,
            self.error,
            ft.OutlinedButton(tr("Add Client"), icon=ft.Icons.PERSON_ADD, on_click=self._add_client),
        )

    @property
    def forms(self) -> list[ServiceForm]:
        return self.session.service_forms

    def names_in_order(self) -> list[str]:
        """Each service form's client, in form order (a problem of a form names its client)."""
        return [self.client_names.get(form.client_id) or self.tr("Unknown client") for form in self.forms]

    def show(self) -> None:
        """Draw the client rows and the session's badge as the session now stands."""
        rows = [self._client_row(form) for form in self.forms]
        self.rows.controls = rows or [widgets.muted(self.tr("No client yet."))]
        self.status.content = widgets.completion_badge(is_session_complete(self.session), self.tr)

    def _client_row(self, form: ServiceForm) -> ft.Control:
        """Name and status on top, the two actions under them (room for thumbs on a phone)."""
        tr = self.tr
        name = self.client_names.get(form.client_id) or tr("Unknown client")
        open_form = ft.Button(
            tr("Open Service Form"), icon=ft.Icons.ASSIGNMENT, on_click=partial(self.open_form, form.id)
        )
        remove = ft.TextButton(
            tr("Remove"), icon=ft.Icons.CLOSE, on_click=partial(self._confirm_removal, form.client_id)
        )
        needs = report_needs(service_form_report_gaps(form), self.profiles.get(form.client_id, []), tr)
        return ft.Container(
            content=ft.Column(
                [
                    ft.Row(
                        [
                            ft.Text(name, weight=ft.FontWeight.BOLD, size=16, expand=True),
                            widgets.completion_badge(form.complete, tr),
                        ],
                        vertical_alignment=ft.CrossAxisAlignment.CENTER,
                    ),
                    *([widgets.muted(needs)] if needs else []),
                    ft.Row(
                        [
                            ft.Semantics(identifier=f"open-form-{form.client_id}", content=open_form),
                            ft.Semantics(identifier=f"remove-client-{form.client_id}", content=remove),
                        ],
                        wrap=True,
                    ),
                ],
                spacing=8,
            ),
            bgcolor=theme.COMPLETE_BACKGROUND if form.complete else theme.INCOMPLETE_BACKGROUND,
            border_radius=8,
            padding=12,
        )

    async def _add_client(self) -> None:
        await ClientPicker(self.ctx, [form.client_id for form in self.forms], self._client_picked).open()

    def _client_picked(self, client: ClientSummary) -> None:
        try:
            add_client_to_session(self.session, client.id)
        except ValidationFailed as failure:
            self.ctx.show_message(error_text(failure.errors[0], self.tr), error=True)
            return
        self.client_names[client.id] = client.display_name
        self.show()
        self.changed(self.error)
        self.redraw()
        self.ctx.show_message(
            self.tr("{name} added with a service form of their own. Save to keep it.", name=client.display_name)
        )
        self.ctx.page.run_task(self._learn_profile, client.id)

    async def _learn_profile(self, client_id: str) -> None:
        """What the new client's profile lacks for the report, read off the UI loop, then said under their name."""
        self.profiles.update(await self.ctx.call(profile_gaps, self.ctx, [client_id]))
        self.show()
        self.redraw()

    def _confirm_removal(self, client_id: str) -> None:
        tr = self.tr
        name = self.client_names.get(client_id) or tr("Unknown client")

        def remove() -> None:
            self.ctx.page.pop_dialog()
            self.session.service_forms = [form for form in self.forms if form.client_id != client_id]
            self.show()
            self.changed(self.error)
            self.redraw()

        self.ctx.page.show_dialog(
            ft.AlertDialog(
                modal=True,
                title=ft.Text(tr("Remove client?")),
                content=ft.Text(tr("{name} and their service form leave this session when you save it.", name=name)),
                actions=[
                    ft.TextButton(tr("Keep"), on_click=lambda: self.ctx.page.pop_dialog()),
                    ft.FilledButton(tr("Remove client"), on_click=remove),
                ],
            )
        )
