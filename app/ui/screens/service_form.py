"""The Service form: what one client of a session received, with referrals, attendance, status and notes.

"Save Service Form" stores it as it is; "Mark Complete" stores it only if it has what a complete form needs
(``completion_gaps``), and otherwise shows each gap at its field. Either way the form is written into its stored
session (``save_service_form``), so the session's Complete/Incomplete follows at once.
"""

from dataclasses import replace
from functools import partial

import flet as ft

from app.domain.codes import SERVICE_STATUSES, SERVICE_TYPES, SERVICES_BY_TYPE
from app.domain.errors import FieldError, ValidationFailed
from app.domain.fields import SERVICE_FORM_FIELDS, field_named
from app.domain.reporting import REPORT_FIELDS, service_form_report_gaps
from app.domain.sessions import ServiceForm, Session, completion_gaps
from app.i18n import Translator
from app.ui import widgets
from app.ui.context import AppContext
from app.ui.edited_form import EditedForm
from app.ui.field_kit import (
    HALF,
    CheckGroup,
    ChoiceField,
    ErrorTarget,
    ProblemBox,
    ReportMarked,
    error_line,
    not_saved_line,
    scrolling_screen,
    show_error,
)
from app.ui.forms import (
    SERVICE_FORM_FIELD_LABELS,
    YES_NO,
    ReferralDraft,
    describe_service_date,
    error_summary,
    errors_of_service_form,
    keep_offered_services,
    referral_drafts,
    referral_row_errors,
    referrals_from_drafts,
    report_marks,
    service_form_problem_lines,
    yes_no_key,
    yes_no_value,
)
from app.ui.messages import choice_labels, first_messages
from app.ui.screens.referral_row import ReferralRow
from app.ui.screens.session_form import client_names, session_route
from app.usecases.context import NotFound
from app.usecases.sessions import load_session, save_service_form


async def service_form_view(ctx: AppContext, session_id: str, form_id: str) -> ft.Control:
    """One client's service form in a stored session. Raises NotFound when either is not on this device."""
    session = await ctx.call(load_session, ctx.db, session_id)
    form = next((f for f in session.service_forms if f.id == form_id), None)
    if form is None:
        raise NotFound(form_id)
    names = await ctx.call(client_names, ctx, [f.client_id for f in session.service_forms])
    screen = ServiceFormScreen(ctx, session, form, [names[f.client_id] for f in session.service_forms])
    ctx.guard_leaving(screen.leaving)
    return screen.build()


def withheld_notes(tr: Translator) -> ft.Control:
    """In place of the notes box when its notes are private to the session's staff: what is there, and why."""
    return ft.Semantics(
        identifier="notes-withheld",
        content=widgets.section(
            tr("Notes"),
            widgets.muted(
                tr(
                    "Private notes: only the staff involved in the session can read them. Saving this form keeps them "
                    "as they are."
                )
            ),
        ),
    )


class ServiceFormScreen(EditedForm):
    def __init__(self, ctx: AppContext, session: Session, form: ServiceForm, names: list[str]):
        """``names``: every client's name in form order, so a problem of another form can name its client."""
        self.ctx = ctx
        self.tr = ctx.tr
        self.session = session
        self.form = form
        self.index = next(i for i, f in enumerate(session.service_forms) if f.id == form.id)
        self.client_names = names
        self.referrals = referral_drafts(form.referrals)
        self.dirty = False

    def _label(self, name: str) -> str:
        return self.tr(SERVICE_FORM_FIELD_LABELS[name])

    def _help(self, name: str) -> str:
        return self.tr(field_named(SERVICE_FORM_FIELDS, name).help)

    @property
    def client_name(self) -> str:
        return self.client_names[self.index]

    # layout -------------------------------------------------------------------------------------------------------

    def build(self) -> ft.Control:
        f, tr = self.form, self.tr
        self.status_holder = ft.Container(content=widgets.completion_badge(f.complete, tr))
        self.save_state = widgets.muted(tr("Saved"))
        self.summary = ProblemBox()
        self.service_type = ChoiceField(
            self._label("service_type"), choice_labels(SERVICE_TYPES, tr), f.service_type, self._type_chosen
        )
        self.services = CheckGroup(
            self._label("services"), {}, [], self._services_changed, tr("Select all that apply.")
        )
        self._offer_services(f.services)
        self.referral_rows = ft.Column(spacing=8)
        self.referral_controls: list[ReferralRow] = []
        self._show_referrals()
        self.attended = ChoiceField(
            self._label("client_attended"),
            choice_labels(YES_NO, tr),
            yes_no_key(f.client_attended),
            self._attended_chosen,
            col=HALF,
        )
        self.status = ChoiceField(
            self._label("status"), choice_labels(SERVICE_STATUSES, tr), f.status, self._status_chosen, col=HALF
        )
        self.private = ft.Switch(label=self._label("private"), value=f.private, on_change=self._private_switched)
        self.notes = ft.TextField(
            label=self._label("notes"),
            value=f.notes,
            multiline=True,
            min_lines=3,
            max_lines=10,
            on_change=self._notes_typed,
        )
        notes: ft.Control = self.notes
        if self.session.notes_withheld_from(f, self.ctx.signed_in_actor.user_id):
            self.private.disabled = True
            notes = withheld_notes(tr)
        self.save_problems = error_line()
        self._mark_report_gaps()
        self.root = scrolling_screen(
            self._header(),
            self.summary.control,
            self.service_type.control,
            self.services.control,
            widgets.section(
                self._label("referrals"),
                widgets.muted(self._help("referrals")),
                self.referral_rows,
                ft.OutlinedButton(tr("Add Referral"), icon=ft.Icons.ADD, on_click=self._add_referral),
            ),
            ft.ResponsiveRow([self.attended.control, self.status.control]),
            ft.Column([self.private, widgets.muted(self._help("private"))]),
            notes,
            self._buttons(),
        )
        return self.root

    def _header(self) -> ft.Control:
        tr = self.tr
        when = describe_service_date(self.session.service_date, tr) or tr("no date yet")
        return ft.Column(
            [
                ft.Row(
                    [widgets.heading(self.client_name), self.status_holder, self.save_state],
                    wrap=True,
                    vertical_alignment=ft.CrossAxisAlignment.CENTER,
                ),
                widgets.muted(tr("Service form in the session of {when}.", when=when)),
            ],
            spacing=4,
        )

    def _buttons(self) -> ft.Control:
        tr = self.tr
        self.save_button = ft.FilledButton(tr("Save Service Form"), icon=ft.Icons.SAVE, on_click=self._save_clicked)
        self.complete_button = ft.FilledTonalButton(
            tr("Mark Complete"), icon=ft.Icons.TASK_ALT, on_click=self._complete_clicked
        )
        back = ft.OutlinedButton(tr("Back to Session"), icon=ft.Icons.ARROW_BACK, on_click=self._back)
        return ft.Column(
            [ft.Row([self.save_button, self.complete_button, back], wrap=True), self.save_problems], spacing=4
        )

    def _offer_services(self, ticked: list[str]) -> None:
        offered = choice_labels(SERVICES_BY_TYPE.get(self.form.service_type or "", {}), self.tr)
        self.services.set_options(offered, keep_offered_services(self.form.service_type, ticked))
        self.services.note.value = (
            self.tr("Select all that apply.")
            if offered
            else self.tr("Choose a Service Type first; its services appear here.")
        )

    def _show_referrals(self) -> None:
        self.referral_controls = [
            ReferralRow(self.ctx, draft, partial(self._remove_referral, i), self._changed)
            for i, draft in enumerate(self.referrals)
        ]
        self.referral_rows.controls = [row.control for row in self.referral_controls] or [
            widgets.muted(self.tr("No referrals."))
        ]

    def _mark_report_gaps(self) -> None:
        """Under each field the funder's report needs, a calm note while it is empty (or breaks the report's rule,
        as "No" for Client Attended), as on the client form. Saving never waits for these."""
        marks = report_marks(service_form_report_gaps(self.form), self.tr)
        fields: dict[str, ReportMarked] = {
            "service_type": self.service_type,
            "services": self.services,
            "client_attended": self.attended,
            "status": self.status,
        }
        for name in REPORT_FIELDS["service_form"]:
            fields[name].set_report_mark(marks.get(name))

    # editing ------------------------------------------------------------------------------------------------------

    def _changed(self, *cleared: ErrorTarget) -> None:
        super()._changed(*cleared)
        self._mark_report_gaps()

    def _type_chosen(self) -> None:
        self.form.service_type = self.service_type.value
        self.form.services = keep_offered_services(self.form.service_type, self.form.services)
        self._offer_services(self.form.services)
        self._changed(self.service_type, self.services)

    def _services_changed(self, codes: list[str]) -> None:
        self.form.services = codes
        self._changed()

    def _add_referral(self) -> None:
        self.referrals.append(ReferralDraft())
        self._show_referrals()
        self._changed()

    def _remove_referral(self, index: int) -> None:
        del self.referrals[index]
        self._show_referrals()
        self._changed()

    def _attended_chosen(self) -> None:
        self.form.client_attended = yes_no_value(self.attended.value)
        self._changed(self.attended)

    def _status_chosen(self) -> None:
        self.form.status = self.status.value
        self._changed(self.status)

    def _private_switched(self) -> None:
        self.form.private = bool(self.private.value)
        self._changed()

    def _notes_typed(self) -> None:
        self.form.notes = self.notes.value
        self._changed(self.notes)

    # saving -------------------------------------------------------------------------------------------------------

    async def _save_clicked(self) -> None:
        await self._save(complete=False)

    async def _complete_clicked(self) -> None:
        if await self._save(complete=True):
            self.ctx.navigate(session_route(self.session.id))

    async def _save_edits(self) -> bool:
        return await self._save(complete=False)

    async def _back(self) -> None:
        if self.dirty and not await self._save(complete=False):
            return
        self.ctx.navigate(session_route(self.session.id))

    async def _save(self, *, complete: bool) -> bool:
        """Store the form (``complete``: only when nothing is missing); "Saved" only after the local commit."""
        referrals, typed_problems = referrals_from_drafts(self.referrals)
        form = replace(self.form, referrals=referrals)
        if typed_problems:
            await self._show_problems(typed_problems + (completion_gaps(form) if complete else []))
            return False
        self._busy(True)
        try:
            saved = await self.ctx.call(
                save_service_form, self.ctx.db, self.ctx.signed_in_actor, self.session.id, form, complete=complete
            )
        except ValidationFailed as failure:
            self._busy(False)
            await self._show_problems(failure.errors)
            return False
        except Exception as error:
            self._busy(False)
            self.ctx.report(error, self.tr("Could not save the service form."))
            return False
        self._saved(saved)
        return True

    def _saved(self, session: Session) -> None:
        self.session = session
        self.form.referrals = session.service_forms[self.index].referrals
        self.dirty = False
        self._show_field_problems([], [])
        self.status_holder.content = widgets.completion_badge(self.form.complete, self.tr)
        self._busy(False)
        self.save_state.value = self.tr("Saved")
        self.root.update()
        if session.complete:
            self.ctx.show_message(self.tr("Saved. Every service form is complete, so the session is Complete."))
        else:
            self.ctx.show_message(self.tr("Saved"))
        self.ctx.after_save()

    def _busy(self, busy: bool) -> None:
        self.save_button.disabled = self.complete_button.disabled = busy
        if busy:
            self.save_state.value = self.tr("Saving…")
        self.root.update()

    async def _show_problems(self, errors: list[FieldError]) -> None:
        """Gaps and problems at their fields, all of them at the top, and one line by the buttons."""
        mine, others = errors_of_service_form(errors, self.index)
        self._show_field_problems(mine, others)
        self.save_state.value = self.tr("Not saved yet")
        self.root.update()
        await self.root.scroll_to(offset=0, duration=300)

    def _show_field_problems(self, mine: list[FieldError], others: list[FieldError]) -> None:
        tr = self.tr
        by_field = first_messages(mine, tr)
        for field_name, control in {
            "service_type": self.service_type,
            "services": self.services,
            "status": self.status,
            "notes": self.notes,
        }.items():
            show_error(control, by_field.get(field_name))
        rows = referral_row_errors(mine, tr)
        for index, row in enumerate(self.referral_controls):
            row.show_errors({name: message for (i, name), message in rows.items() if i == index})
        lines = service_form_problem_lines(mine, tr) + error_summary(others, self.client_names, tr)
        self.summary.show(tr("Not saved. Please fix these first:"), lines)
        show_error(self.save_problems, not_saved_line(len(lines), tr) if lines else None)
