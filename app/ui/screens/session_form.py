"""The Session form: the when/where/how of a meeting, and the clients whose service forms it holds.

Labels are the agency system's words (they are also the accessible names the browser tests use). The form keeps
a ``SessionDraft``; "Save Session" hands it to ``save_session``, which alone decides what may be saved, and its
problems are shown beside their fields, once at the top, and beside the button. A failed save clears nothing.
The sections are in ``session_sections`` and ``session_clients``; this module puts them in order and saves.
"""

from collections.abc import Sequence

import flet as ft

from app.domain.codes import SESSION_TYPES
from app.domain.errors import FieldError, ValidationFailed
from app.domain.reporting import ReportGap
from app.domain.sessions import Session
from app.ui import widgets
from app.ui.context import AppContext
from app.ui.edited_form import EditedForm
from app.ui.field_kit import ErrorTarget, ProblemBox, error_line, not_saved_line, scrolling_screen, show_error
from app.ui.forms import (
    SessionDraft,
    draft_from_session,
    error_summary,
    merge_errors,
    service_form_field,
    session_from_draft,
)
from app.ui.messages import error_text, first_messages
from app.ui.screens.session_clients import SessionClients, profile_gaps
from app.ui.screens.session_pick_lists import Languages, Staff
from app.ui.screens.session_sections import Delivery, Notes, ServiceTime, SessionWords, WhenAndWhere, WhoAndWhat
from app.usecases.clients import load_client
from app.usecases.context import NotFound
from app.usecases.reference import ReferenceLists
from app.usecases.sessions import begin_session, load_session, save_session


def session_route(session_id: str) -> str:
    return f"/sessions/{session_id}"


def service_form_route(session_id: str, form_id: str) -> str:
    return f"/sessions/{session_id}/forms/{form_id}"


async def session_form_view(
    ctx: AppContext, session_id: str | None, client_id: str | None, session_type: str | None = None
) -> ft.Control:
    """The Session form: a stored session, or a new one for ``client_id`` (a group activity, ``session_type``, may
    start with none).

    Raises NotFound when the session or client is not on this device.
    """
    refs = await ctx.reference_lists()
    if session_id:
        session = await ctx.call(load_session, ctx.db, session_id)
    else:
        kind = session_type if session_type in SESSION_TYPES else None
        session = await ctx.call(begin_session, ctx.db, ctx.signed_in_actor, client_id, session_type=kind)
    client_ids = [form.client_id for form in session.service_forms]
    names = await ctx.call(client_names, ctx, client_ids)
    profiles = await ctx.call(profile_gaps, ctx, client_ids)
    screen = SessionFormScreen(ctx, draft_from_session(session), refs, names, profiles, stored=bool(session_id))
    ctx.guard_leaving(screen.leaving)
    return screen.build()


def client_names(ctx: AppContext, client_ids: Sequence[str]) -> dict[str, str]:
    """Each client's display name; a client not (yet) on this device is named as such rather than failing."""
    names: dict[str, str] = {}
    for client_id in client_ids:
        try:
            names[client_id] = load_client(ctx.db, client_id).display_name
        except NotFound:
            names[client_id] = ctx.tr("Unknown client")
    return names


class SessionFormScreen(EditedForm):
    def __init__(
        self,
        ctx: AppContext,
        draft: SessionDraft,
        refs: ReferenceLists,
        client_names: dict[str, str],
        profiles: dict[str, list[ReportGap]],
        stored: bool,
    ):
        """``profiles``: what each client's profile lacks for the funder's report (``profile_gaps``)."""
        self.ctx = ctx
        self.tr = ctx.tr
        self.draft = draft
        self.refs = refs
        self.client_names = client_names
        self.profiles = profiles
        self.stored = stored
        self.dirty = False

    @property
    def session(self) -> Session:
        return self.draft.session

    # layout -------------------------------------------------------------------------------------------------------

    def build(self) -> ft.Control:
        tr, refs, session = self.tr, self.refs, self.session
        words = SessionWords(tr)
        status_holder = ft.Container()
        self.save_state = widgets.muted(tr("Saved") if self.stored else tr("Not saved yet"))
        self.summary = ProblemBox()
        self.save_button = ft.FilledButton(tr("Save Session"), icon=ft.Icons.SAVE, on_click=self._save_clicked)
        self.save_problems = error_line()
        agency = self.ctx.signed_in_actor.agency_name
        self.about = WhoAndWhat(words, self.draft, agency, self._changed, self._type_chosen)
        self.when_where = WhenAndWhere(self.ctx, words, session, refs.sites, self._changed, self._redraw)
        self.staff = Staff(words, session, refs.workers, self._changed)
        self.sections = (
            self.about,
            self.when_where,
            Delivery(words, self.draft, refs.location_types, self._changed),
            ServiceTime(words, self.draft, self._changed),
            Languages(words, session, refs.languages, self._changed),
            self.staff,
            Notes(words, session, self._changed),
        )
        self.clients = SessionClients(
            self.ctx,
            words,
            session,
            self.client_names,
            self.profiles,
            status=status_holder,
            changed=self._changed,
            redraw=self._redraw,
            open_form=self._open_form,
        )
        self.root = scrolling_screen(
            ft.Row(
                [
                    widgets.heading(tr("Session")),
                    ft.Semantics(identifier="session-status", content=status_holder),
                    self.save_state,
                ],
                wrap=True,
                vertical_alignment=ft.CrossAxisAlignment.CENTER,
            ),
            self.summary.control,
            *(section.control for section in self.sections),
            self.clients.control,
            ft.Column(
                [ft.Semantics(identifier="save-session", content=self.save_button), self.save_problems], spacing=4
            ),
        )
        return self.root

    def _redraw(self) -> None:
        self.root.update()

    def _type_chosen(self) -> None:
        """A new Session Type changes who may be added as staff."""
        self.staff.explain()
        self._changed(self.about.session_type, self.staff.pick_list.error)

    async def _open_form(self, form_id: str) -> None:
        """A service form is saved into the stored session, so unsaved session changes are saved first."""
        if (self.dirty or not self.stored) and not await self._save():
            return
        self.ctx.navigate(service_form_route(self.session.id, form_id))

    # saving -------------------------------------------------------------------------------------------------------

    async def _save_clicked(self) -> None:
        await self._save()

    async def _save_edits(self) -> bool:
        return await self._save()

    async def _save(self) -> bool:
        """Save through ``save_session``; "Saved" only once the local commit has returned."""
        session, typed_problems = session_from_draft(self.draft)
        self.save_button.disabled = True
        self.save_state.value = self.tr("Saving…")
        self.dirty = False
        self.root.update()
        try:
            saved = await self.ctx.call(save_session, self.ctx.db, self.ctx.signed_in_actor, session)
        except ValidationFailed as failure:
            await self._show_problems(merge_errors(typed_problems, failure.errors))
            return False
        except Exception as error:
            self._saving_ended(stored=False)
            self.ctx.report(error, self.tr("Could not save the session."))
            return False
        self.session.created_at, self.session.updated_at = saved.created_at, saved.updated_at
        self.stored = True
        self._show_problem_fields([])
        self.summary.clear()
        show_error(self.save_problems, None)
        self.clients.show()
        self._saving_ended(stored=True)
        self.ctx.show_message(self.tr("Saved"))
        self.ctx.after_save()
        return True

    def _saving_ended(self, *, stored: bool) -> None:
        """An edit made while the save ran keeps the form marked unsaved."""
        self.dirty = self.dirty or not stored
        self.save_button.disabled = False
        self.save_state.value = self.tr("Not saved yet") if self.dirty else self.tr("Saved")
        self.root.update()

    def _error_targets(self) -> dict[str, ErrorTarget]:
        return {name: target for section in self.sections for name, target in section.error_targets().items()}

    def _show_problem_fields(self, errors: Sequence[FieldError]) -> None:
        by_field = first_messages(errors, self.tr)
        for field_name, control in self._error_targets().items():
            show_error(control, by_field.get(field_name))
        nested = [error for error in errors if service_form_field(error.field)]
        own = [error_text(e, self.tr) for e in errors if e.field == "service_forms"]
        client_problems = own + self._summary_lines(nested)
        show_error(self.clients.error, "\n".join(client_problems) or None)

    def _summary_lines(self, errors: Sequence[FieldError]) -> list[str]:
        return error_summary(errors, self.clients.names_in_order(), self.tr)

    async def _show_problems(self, errors: Sequence[FieldError]) -> None:
        """Beside each field, all together at the top, and in one line by the button the worker just pressed."""
        self._show_problem_fields(errors)
        lines = self._summary_lines(errors)
        self.summary.show(self.tr("Not saved. Please fix these first:"), lines)
        show_error(self.save_problems, not_saved_line(len(lines), self.tr))
        self._saving_ended(stored=False)
        await self.root.scroll_to(offset=0, duration=300)
