"""The Session form: the when/where/how of a meeting, and the clients whose service forms it holds.

Labels are the agency system's words (they are also the accessible names the browser tests use). The form keeps
a ``SessionDraft``; "Save Session" hands it to ``save_session``, which alone decides what may be saved, and its
problems are shown beside their fields, once at the top, and beside the button. A failed save clears nothing.
"""

import asyncio
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time
from functools import partial

import flet as ft

from app.domain.codes import DELIVERY_METHODS, SESSION_TYPES
from app.domain.errors import FieldError, ValidationFailed
from app.domain.fields import SESSION_FIELDS, field_named
from app.domain.sessions import ServiceForm, Session, is_session_complete
from app.i18n import Translator
from app.ui import theme, widgets
from app.ui.context import AppContext
from app.ui.forms import (
    SESSION_FIELD_LABELS,
    YES_NO,
    SessionDraft,
    describe_service_date,
    draft_from_session,
    error_summary,
    family_shortcuts,
    merge_errors,
    remaining_options,
    replace_lone_zero,
    service_form_field,
    session_from_draft,
    toggled,
    yes_no_key,
    yes_no_value,
)
from app.ui.messages import choice_labels, error_text, first_messages
from app.ui.screens.site_finder import SiteFinder, dialog_width
from app.usecases.clients import ClientSummary, list_family, load_client, search_clients
from app.usecases.context import NotFound, local_today
from app.usecases.reference import Option, ReferenceLists, SiteOption
from app.usecases.sessions import add_client_to_session, begin_session, load_session, save_session

EARLIEST_SERVICE_DATE = date(2000, 1, 1)
HALF = {"xs": 12, "md": 6}
QUARTER = {"xs": 6, "md": 3}
SCROLLBAR_GUTTER = 12
END_SPACE = 24


def session_route(session_id: str) -> str:
    return f"/sessions/{session_id}"


def service_form_route(session_id: str, form_id: str) -> str:
    return f"/sessions/{session_id}/forms/{form_id}"


# --- building blocks shared with the service form -------------------------------------------------------------


def scrolling_screen(*controls: ft.Control) -> ft.Column:
    """A form that scrolls itself (the shell leaves expanding screens alone), so a failed save can bring the problem
    summary at the top into view. The gutter keeps the scrollbar off the fields' right edges, and the space at the
    end keeps the last buttons clear of the bottom edge (and of the phone's navigation bar)."""
    return ft.Column(
        controls=[
            ft.Container(
                content=widgets.screen(*controls),
                padding=ft.Padding.only(right=SCROLLBAR_GUTTER, bottom=END_SPACE),
            )
        ],
        scroll=ft.ScrollMode.AUTO,
        expand=True,
    )


def error_line() -> ft.Text:
    """The red words under a group of checkboxes or a list, where a TextField would show its ``error``."""
    return ft.Text("", color=theme.ERROR_TEXT, size=13, visible=False)


class ChoiceField:
    """A drop-down named by its label (a non-editable Dropdown is otherwise an unnamed button to screen readers),
    with its problem said in a line of its own under it, where screen readers read it too (a Dropdown's own error
    text never reaches the accessibility tree)."""

    def __init__(
        self,
        label: str,
        choices: Mapping[str, str],
        value: str | None = None,
        on_select: Callable[[], object] | None = None,
        col: dict[str, int] | None = None,
    ):
        self.dropdown = widgets.choice_input(label, choices, value)
        self.dropdown.on_select = on_select
        self.error = error_line()
        self.control = ft.Column([widgets.named(self.dropdown, label), self.error], spacing=4, col=col or {"xs": 12})

    @property
    def value(self) -> str | None:
        return self.dropdown.value

    def set_choices(self, choices: Mapping[str, str]) -> None:
        self.dropdown.options = [ft.DropdownOption(key=code, text=text) for code, text in choices.items()]
        self.dropdown.value = None

    def set_error(self, message: str | None) -> None:
        show_error(self.error, message)
        self.dropdown.border = ft.OutlineInputBorder(side=ft.BorderSide(2, theme.ERROR_TEXT)) if message else None


ErrorTarget = ft.Control | ChoiceField
"""Anything a field's problem can be shown on."""


def show_error(control: ErrorTarget, message: str | None) -> None:
    """Put ``message`` (or nothing) where ``control`` shows problems, whatever kind of control it is."""
    if isinstance(control, ChoiceField):
        control.set_error(message)
    elif isinstance(control, ft.TextField):
        control.error = message
    elif isinstance(control, ft.Text):
        control.value = message or ""
        control.visible = bool(message)


def read_only_field(label: str, value: str, **options: object) -> ft.TextField:
    """The agency system's gray fields: shown, never typed into."""
    return ft.TextField(
        label=label, value=value, read_only=True, filled=True, fill_color=theme.READ_ONLY_BACKGROUND, **options
    )


def not_saved_line(count: int, tr: Translator) -> str:
    """The line by a form's save buttons after a failed save: how many problems, and where they are."""
    return tr.ngettext(
        "Not saved: {num} problem to fix, marked in red above.",
        "Not saved: {num} problems to fix, marked in red above.",
        count,
    )


class ProblemBox:
    """The summary at the top of a form: every problem once, in words, under a heading."""

    def __init__(self) -> None:
        self.lines = ft.Column(spacing=4)
        self.control = ft.Container(
            content=self.lines,
            bgcolor=theme.INCOMPLETE_BACKGROUND,
            border=ft.Border.all(1, theme.ERROR_TEXT),
            border_radius=8,
            padding=12,
            visible=False,
        )

    def show(self, heading: str, problems: Sequence[str]) -> None:
        self.lines.controls = [ft.Text(heading, color=theme.ERROR_TEXT, weight=ft.FontWeight.BOLD)] + [
            ft.Text(f"• {problem}", color=theme.ERROR_TEXT) for problem in problems
        ]
        self.control.visible = bool(problems)

    def clear(self) -> None:
        self.show("", [])


class CheckGroup:
    """A titled group of checkboxes ("select all that apply") with its error line, keeping codes in shown order."""

    def __init__(
        self,
        title: str,
        options: Mapping[str, str],
        chosen: Sequence[str],
        on_change: Callable[[list[str]], None],
        note: str,
    ):
        self.on_change = on_change
        self.chosen = list(chosen)
        self.options: Mapping[str, str] = {}
        self.boxes = ft.ResponsiveRow(spacing=0, run_spacing=0)
        self.note = widgets.muted(note)
        self.error = error_line()
        self.control = widgets.section(title, self.note, self.boxes, self.error)
        self.set_options(options, chosen)

    def set_options(self, options: Mapping[str, str], chosen: Sequence[str]) -> None:
        self.options = options
        self.chosen = list(chosen)
        self.boxes.controls = [
            ft.Container(
                content=ft.Checkbox(label=text, value=code in self.chosen, on_change=partial(self._tick, code)),
                height=theme.TOUCH_TARGET,
                col=HALF,
            )
            for code, text in options.items()
        ]

    def _tick(self, code: str, e: ft.Event[ft.Checkbox]) -> None:
        self.chosen = toggled(self.chosen, code, bool(e.control.value), self.options)
        show_error(self.error, None)
        self.on_change(self.chosen)


class PickList:
    """Chosen codes with "Remove" on each row, and "Add ..." → picker → "Update" below (languages, staff)."""

    def __init__(
        self,
        tr: Translator,
        *,
        title: str,
        add_text: str,
        picker_label: str,
        choose_first: str,
        kind: str,
        options: Sequence[Option],
        codes: Sequence[str],
        on_change: Callable[[list[str]], None],
    ):
        """``choose_first``: what "Update" says when nothing is picked ("Choose a language first.")."""
        self.tr = tr
        self.kind = kind
        self.choose_first = choose_first
        self.options = options
        self.codes = list(codes)
        self.on_change = on_change
        self.rows = ft.Column(spacing=0)
        self.note = widgets.muted("")
        self.error = error_line()
        self.picker = ChoiceField(picker_label, {})
        self.picker_row = ft.Row(
            [
                ft.Container(content=self.picker.control, expand=True),
                ft.Button(tr("Update"), on_click=self._update),
                ft.TextButton(tr("Cancel"), on_click=self._cancel),
            ],
            visible=False,
        )
        self.add_button = ft.OutlinedButton(add_text, icon=ft.Icons.ADD, on_click=self._start_adding)
        self.control = widgets.section(title, self.note, self.rows, self.picker_row, self.error, self.add_button)
        self._show_rows()

    def _label(self, code: str) -> str:
        return next((option.label for option in self.options if option.code == code), code)

    def _show_rows(self) -> None:
        self.rows.controls = [
            ft.Row(
                [
                    ft.Text(self._label(code), expand=True),
                    ft.Semantics(
                        identifier=f"remove-{self.kind}-{code}",
                        content=ft.TextButton(
                            self.tr("Remove"), icon=ft.Icons.CLOSE, on_click=partial(self._remove, code)
                        ),
                    ),
                ],
                height=theme.TOUCH_TARGET,
            )
            for code in self.codes
        ] or [widgets.muted(self.tr("None yet."))]

    def _start_adding(self) -> None:
        choices = remaining_options(self.options, self.codes)
        self.picker.set_choices({option.code: option.label for option in choices})
        self.picker.set_error(None)
        self.picker_row.visible = True
        self.add_button.visible = False

    def _update(self) -> None:
        if not self.picker.value:
            self.picker.set_error(self.choose_first)
            return
        self.codes.append(self.picker.value)
        self._cancel()
        self._changed()

    def _cancel(self) -> None:
        self.picker_row.visible = False
        self.add_button.visible = True

    def _remove(self, code: str) -> None:
        self.codes = [c for c in self.codes if c != code]
        self._changed()

    def _changed(self) -> None:
        show_error(self.error, None)
        self._show_rows()
        self.on_change(list(self.codes))


def number_field(label: str, value: str, on_text: Callable[[str], None], **options: object) -> ft.TextField:
    """A whole-number field whose lone "0" gives way to what is typed, as in the agency system: focusing clears a
    lone 0, typing after a 0 replaces it, and leaving the field empty puts the 0 back."""

    def focused(e: ft.Event[ft.TextField]) -> None:
        if e.control.value == "0":
            e.control.value = ""

    def typed(e: ft.Event[ft.TextField]) -> None:
        shown = replace_lone_zero(e.control.value)
        if shown != e.control.value:
            e.control.value = shown
        on_text(shown)

    def left(e: ft.Event[ft.TextField]) -> None:
        if not e.control.value.strip():
            e.control.value = "0"
            on_text("0")

    return ft.TextField(
        label=label,
        value=value,
        keyboard_type=ft.KeyboardType.NUMBER,
        input_filter=ft.NumbersOnlyInputFilter(),
        on_focus=focused,
        on_change=typed,
        on_blur=left,
        **options,
    )


# --- the session form -----------------------------------------------------------------------------------------


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
    names = await ctx.call(client_names, ctx, [form.client_id for form in session.service_forms])
    screen = SessionFormScreen(ctx, draft_from_session(session), refs, names, stored=bool(session_id))
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


def _relatives(ctx: AppContext, client_ids: Sequence[str]) -> list[ClientSummary]:
    return [member for client_id in client_ids for member in list_family(ctx.db, client_id)]


class EditedForm:
    """What the session and service forms do on every edit. Subclasses build ``save_state`` (the header's
    "Saved"/"Not saved yet") and ``save_problems`` (the line by the save buttons)."""

    ctx: AppContext
    save_state: ft.Text
    save_problems: ft.Text
    dirty: bool

    def _changed(self, *cleared: ErrorTarget) -> None:
        """The edited field's old complaint goes, so does the last save's verdict, and the form is unsaved."""
        for control in (*cleared, self.save_problems):
            show_error(control, None)
        self.dirty = True
        self.save_state.value = self.ctx.tr("Not saved yet")

    async def _save_edits(self) -> bool:
        """Save as the form's own Save button does; False when a problem (shown at its field) stopped it."""
        raise NotImplementedError

    async def leaving(self) -> bool:
        """The worker is leaving through the app bar's back arrow or the navigation: unsaved edits are saved first,
        as the form's own buttons do. When they cannot be saved yet, the worker chooses to stay (the problems are
        on the form) or to leave them behind; nothing already saved is touched."""
        if not self.dirty or await self._save_edits():
            return True
        tr = self.ctx.tr
        choice: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

        def choose(leave: bool) -> Callable[[ft.ControlEvent], None]:
            def chosen(_event: ft.ControlEvent) -> None:
                self.ctx.page.pop_dialog()
                if not choice.done():
                    choice.set_result(leave)

            return chosen

        self.ctx.page.show_dialog(
            ft.AlertDialog(
                modal=True,
                title=ft.Text(tr("Leave without saving?")),
                content=ft.Text(
                    tr(
                        "Your latest changes cannot be saved yet: the problems are shown on the form. "
                        "If you leave now, they are lost; what was saved before stays."
                    )
                ),
                actions=[
                    ft.FilledButton(tr("Stay and fix"), on_click=choose(False)),
                    ft.TextButton(tr("Leave without saving"), on_click=choose(True)),
                ],
            )
        )
        return await choice


class SessionFormScreen(EditedForm):
    def __init__(
        self, ctx: AppContext, draft: SessionDraft, refs: ReferenceLists, client_names: dict[str, str], stored: bool
    ):
        self.ctx = ctx
        self.tr = ctx.tr
        self.draft = draft
        self.refs = refs
        self.client_names = client_names
        self.stored = stored
        self.dirty = False

    @property
    def session(self) -> Session:
        return self.draft.session

    def _label(self, name: str) -> str:
        return self.tr(SESSION_FIELD_LABELS[name])

    def _part_label(self, field_name: str, part: str) -> str:
        return self.tr(dict(field_named(SESSION_FIELDS, field_name).parts)[part])

    def _help(self, name: str) -> str:
        return self.tr(field_named(SESSION_FIELDS, name).help)

    @property
    def forms(self) -> list[ServiceForm]:
        return self.session.service_forms

    # layout -------------------------------------------------------------------------------------------------------

    def build(self) -> ft.Control:
        tr = self.tr
        self.status_holder = ft.Container()
        self.save_state = widgets.muted(tr("Saved") if self.stored else tr("Not saved yet"))
        self.summary = ProblemBox()
        self.save_button = ft.FilledButton(tr("Save Session"), icon=ft.Icons.SAVE, on_click=self._save_clicked)
        self.save_problems = error_line()
        self.root = scrolling_screen(
            ft.Row(
                [
                    widgets.heading(tr("Session")),
                    ft.Semantics(identifier="session-status", content=self.status_holder),
                    self.save_state,
                ],
                wrap=True,
                vertical_alignment=ft.CrossAxisAlignment.CENTER,
            ),
            self.summary.control,
            self._who_and_what(),
            self._when_and_where(),
            self._delivery(),
            self._service_time(),
            self.languages.control,
            self._staff_section(),
            self._notes_section(),
            self._clients_section(),
            ft.Column(
                [ft.Semantics(identifier="save-session", content=self.save_button), self.save_problems], spacing=4
            ),
        )
        return self.root

    def _who_and_what(self) -> ft.Control:
        s, tr = self.session, self.tr
        actor = self.ctx.signed_in_actor
        self.session_type = ChoiceField(
            self._label("session_type"), choice_labels(SESSION_TYPES, tr), s.session_type, self._type_chosen
        )
        self.activity = ft.TextField(
            label=self._label("activity_name"), value=s.activity_name, on_change=self._activity_typed, col=HALF
        )
        self.topic = ft.TextField(
            label=self._label("activity_topic"), value=s.activity_topic, on_change=self._topic_typed, col=HALF
        )
        self.unnamed = number_field(
            self._label("unnamed_participants"),
            self.draft.unnamed_text,
            self._unnamed_typed,
            helper=self._help("unnamed_participants"),
            col=HALF,
        )
        self.group_fields = ft.ResponsiveRow([self.activity, self.topic, self.unnamed], visible=s.is_group_activity)
        return ft.Column(
            [
                ft.ResponsiveRow(
                    [
                        read_only_field(tr("Agency"), actor.agency_name or s.agency_id, col=HALF),
                        read_only_field(tr("Created By"), s.created_by, col=HALF),
                        self.session_type.control,
                    ]
                ),
                self.group_fields,
            ]
        )

    def _when_and_where(self) -> ft.Control:
        s, tr = self.session, self.tr
        self.service_date = ft.TextField(
            label=self._label("service_date"),
            value=describe_service_date(s.service_date, tr),
            read_only=True,
            on_click=self._pick_date,
            suffix_icon=ft.Icons.CALENDAR_MONTH,
        )
        choose_date = ft.Button(tr("Choose date"), icon=ft.Icons.EDIT_CALENDAR, on_click=self._pick_date)
        self.site = ft.TextField(
            label=self._label("site_code"), value=s.site_code or "", read_only=True, hint_text=tr("Use Find...")
        )
        self.site_name = read_only_field(tr("Site Name"), self._site_name(s.site_code))
        find = ft.Button(tr("Find..."), icon=ft.Icons.SEARCH, on_click=self._find_site)
        return ft.ResponsiveRow(
            [
                ft.Row(
                    [ft.Container(content=self.service_date, expand=True), choose_date],
                    vertical_alignment=ft.CrossAxisAlignment.CENTER,
                    col=HALF,
                ),
                ft.Row(
                    [ft.Container(content=self.site, expand=True), find],
                    vertical_alignment=ft.CrossAxisAlignment.CENTER,
                    col=HALF,
                ),
                self.site_name,
            ]
        )

    def _delivery(self) -> ft.Control:
        s, tr = self.session, self.tr
        self.methods = CheckGroup(
            self._label("delivery_methods"),
            choice_labels(DELIVERY_METHODS, tr),
            s.delivery_methods,
            self._methods_changed,
            self._help("delivery_methods"),
        )
        self.location = ChoiceField(
            self._label("service_location_type"),
            {option.code: option.label for option in self.refs.location_types},
            s.service_location_type,
            self._location_chosen,
            col=HALF,
        )
        self.interpreter = ChoiceField(
            self._label("interpreter_present"),
            choice_labels(YES_NO, tr),
            yes_no_key(s.interpreter_present),
            self._interpreter_chosen,
            col=HALF,
        )
        self.interpreters = number_field(
            self._label("interpreters"),
            self.draft.interpreters_text,
            self._interpreters_typed,
            disabled=s.interpreter_present is not True,
            col=HALF,
        )
        return ft.Column(
            [
                self.methods.control,
                ft.ResponsiveRow([self.location.control, self.interpreter.control, self.interpreters]),
            ],
            spacing=16,
        )

    def _service_time(self) -> ft.Control:
        tr = self.tr
        self.hours = number_field(self._label("service_hours"), self.draft.hours_text, self._hours_typed, col=QUARTER)
        self.minutes = number_field(
            self._part_label("service_minutes", "service_minutes"),
            self.draft.minutes_text,
            self._minutes_typed,
            col=QUARTER,
        )
        self.languages = PickList(
            tr,
            title=self._label("languages"),
            add_text=tr("Add Language"),
            picker_label=tr("Language"),
            choose_first=tr("Choose a language first."),
            kind="language",
            options=self.refs.languages,
            codes=self.session.languages,
            on_change=self._languages_changed,
        )
        self.languages.note.value = self._help("languages")
        return widgets.section(
            self._label("service_minutes"),
            widgets.muted(self._help("service_minutes")),
            ft.ResponsiveRow([self.hours, self.minutes]),
        )

    def _staff_section(self) -> ft.Control:
        tr = self.tr
        self.staff = PickList(
            tr,
            title=self._label("staff"),
            add_text=tr("Add Worker"),
            picker_label=tr("Worker"),
            choose_first=tr("Choose a worker first."),
            kind="worker",
            options=self.refs.workers,
            codes=self.session.staff,
            on_change=self._staff_changed,
        )
        self._explain_staff()
        return self.staff.control

    def _explain_staff(self) -> None:
        """ "Add Worker" only where another worker may be listed: a Group Activity, or a session whose worker was
        removed (recording it for someone else); otherwise the note says why it is not offered."""
        group = self.session.is_group_activity
        self.staff.add_button.visible = group or not self.session.staff
        self.staff.note.value = (
            self.tr("Everyone listed sees this session on their dashboard.")
            if group or not self.session.staff
            else self.tr(
                "Only a Group Activity session can list more than one worker. "
                "To record this session for another worker, remove yourself first."
            )
        )

    def _notes_section(self) -> ft.Control:
        self.notes = ft.TextField(
            label=self._label("notes"),
            value=self.session.notes,
            multiline=True,
            min_lines=3,
            max_lines=10,
            on_change=self._notes_typed,
        )
        return self.notes

    def _clients_section(self) -> ft.Control:
        self.client_rows = ft.Column(spacing=8)
        self.clients_error = error_line()
        self._show_clients()
        tr = self.tr
        return widgets.section(
            tr("Clients in this session"),
            widgets.muted(self._help("service_forms")),
            self.client_rows,
            self.clients_error,
            ft.OutlinedButton(tr("Add Client"), icon=ft.Icons.PERSON_ADD, on_click=self._add_client),
        )

    def _show_clients(self) -> None:
        rows = [self._client_row(form) for form in self.forms]
        self.client_rows.controls = rows or [widgets.muted(self.tr("No client yet."))]
        self.status_holder.content = widgets.completion_badge(is_session_complete(self.session), self.tr)

    def _client_row(self, form: ServiceForm) -> ft.Control:
        """Name and status on top, the two actions under them (room for thumbs on a phone)."""
        tr = self.tr
        name = self.client_names.get(form.client_id) or tr("Unknown client")
        open_form = ft.Button(
            tr("Open Service Form"), icon=ft.Icons.ASSIGNMENT, on_click=partial(self._open_form, form.id)
        )
        remove = ft.TextButton(
            tr("Remove"), icon=ft.Icons.CLOSE, on_click=partial(self._confirm_removal, form.client_id)
        )
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

    def _site_name(self, code: str | None) -> str:
        return next((site.name for site in self.refs.sites if site.code == code), "")

    # editing ------------------------------------------------------------------------------------------------------

    def _type_chosen(self) -> None:
        self.session.session_type = self.session_type.value
        self.group_fields.visible = self.session.is_group_activity
        self._explain_staff()
        self._changed(self.session_type, self.staff.error)

    def _activity_typed(self) -> None:
        self.session.activity_name = self.activity.value
        self._changed(self.activity)

    def _unnamed_typed(self, text: str) -> None:
        self.draft.unnamed_text = text
        self._changed(self.unnamed)

    def _topic_typed(self) -> None:
        self.session.activity_topic = self.topic.value
        self._changed()

    def _pick_date(self) -> None:
        today = local_today()
        self.ctx.page.show_dialog(
            ft.DatePicker(
                value=datetime.combine(self.session.service_date or today, time(12)),
                first_date=datetime.combine(EARLIEST_SERVICE_DATE, time()),
                last_date=datetime.combine(today, time(23, 59)),
                help_text=self._label("service_date"),
                on_change=self._date_picked,
            )
        )

    def _date_picked(self, e: ft.Event[ft.DatePicker]) -> None:
        picked = widgets.picked_date(e.control.value)
        if picked is None:
            return
        self.session.service_date = picked
        self.service_date.value = describe_service_date(picked, self.tr)
        self._changed(self.service_date)
        self.root.update()

    async def _find_site(self) -> None:
        await SiteFinder(self.ctx, self._site_picked).open()

    def _site_picked(self, site: SiteOption) -> None:
        self.session.site_code = site.code
        self.site.value = site.code
        self.site_name.value = site.name
        self._changed(self.site)
        self.root.update()

    def _methods_changed(self, codes: list[str]) -> None:
        self.session.delivery_methods = codes
        self._changed()

    def _location_chosen(self) -> None:
        self.session.service_location_type = self.location.value
        self._changed(self.location)

    def _interpreter_chosen(self) -> None:
        present = yes_no_value(self.interpreter.value)
        self.session.interpreter_present = present
        self.interpreters.disabled = present is not True
        if present is False:
            self.interpreters.value = self.draft.interpreters_text = "0"
        self._changed(self.interpreter, self.interpreters)

    def _interpreters_typed(self, text: str) -> None:
        self.draft.interpreters_text = text
        self._changed(self.interpreters)

    def _hours_typed(self, text: str) -> None:
        self.draft.hours_text = text
        self._changed(self.hours, self.minutes)

    def _minutes_typed(self, text: str) -> None:
        self.draft.minutes_text = text
        self._changed(self.hours, self.minutes)

    def _languages_changed(self, codes: list[str]) -> None:
        self.session.languages = codes
        self._changed()

    def _staff_changed(self, codes: list[str]) -> None:
        self.session.staff = codes
        self._explain_staff()
        self._changed()

    def _notes_typed(self) -> None:
        self.session.notes = self.notes.value
        self._changed(self.notes)

    # clients ------------------------------------------------------------------------------------------------------

    async def _add_client(self) -> None:
        await ClientPicker(self.ctx, [form.client_id for form in self.forms], self._client_picked).open()

    def _client_picked(self, client: ClientSummary) -> None:
        try:
            add_client_to_session(self.session, client.id)
        except ValidationFailed as failure:
            self.ctx.show_message(error_text(failure.errors[0], self.tr), error=True)
            return
        self.client_names[client.id] = client.display_name
        self._show_clients()
        self._changed(self.clients_error)
        self.root.update()
        self.ctx.show_message(
            self.tr("{name} added with a service form of their own. Save to keep it.", name=client.display_name)
        )

    def _confirm_removal(self, client_id: str) -> None:
        tr = self.tr
        name = self.client_names.get(client_id) or tr("Unknown client")

        def remove() -> None:
            self.ctx.page.pop_dialog()
            self.session.service_forms = [form for form in self.forms if form.client_id != client_id]
            self._show_clients()
            self._changed(self.clients_error)
            self.root.update()

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
        self._show_clients()
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
        return {
            "session_type": self.session_type,
            "activity_name": self.activity,
            "unnamed_participants": self.unnamed,
            "service_date": self.service_date,
            "site_code": self.site,
            "delivery_methods": self.methods.error,
            "service_location_type": self.location,
            "interpreter_present": self.interpreter,
            "interpreters": self.interpreters,
            "service_hours": self.hours,
            "service_minutes": self.minutes,
            "languages": self.languages.error,
            "staff": self.staff.error,
            "notes": self.notes,
        }

    def _show_problem_fields(self, errors: Sequence[FieldError]) -> None:
        by_field = first_messages(errors, self.tr)
        for field_name, control in self._error_targets().items():
            show_error(control, by_field.get(field_name))
        nested = [error for error in errors if service_form_field(error.field)]
        own = [error_text(e, self.tr) for e in errors if e.field == "service_forms"]
        client_problems = own + self._summary_lines(nested)
        show_error(self.clients_error, "\n".join(client_problems) or None)

    def _summary_lines(self, errors: Sequence[FieldError]) -> list[str]:
        names = [self.client_names.get(form.client_id) or self.tr("Unknown client") for form in self.forms]
        return error_summary(errors, names, self.tr)

    async def _show_problems(self, errors: Sequence[FieldError]) -> None:
        """Beside each field, all together at the top, and in one line by the button the worker just pressed."""
        self._show_problem_fields(errors)
        lines = self._summary_lines(errors)
        self.summary.show(self.tr("Not saved. Please fix these first:"), lines)
        show_error(self.save_problems, not_saved_line(len(lines), self.tr))
        self._saving_ended(stored=False)
        await self.root.scroll_to(offset=0, duration=300)


class ClientPicker:
    """The "Add Client" dialog: relatives of the clients already in the session first, then a search."""

    def __init__(self, ctx: AppContext, in_session: Sequence[str], on_pick: Callable[[ClientSummary], None]):
        tr = self.tr = ctx.tr
        self.ctx = ctx
        self.in_session = list(in_session)
        self.on_pick = on_pick
        self.latest = widgets.LatestOnly()
        self.query = ft.TextField(
            label=tr("Search clients"),
            hint_text=tr("Name, date of birth, phone or client number"),
            prefix_icon=ft.Icons.SEARCH,
            autofocus=True,
            on_change=self._search,
            on_submit=self._search,
        )
        self.family = ft.Column(spacing=0)
        self.results = ft.Column(spacing=0)
        self.dialog = ft.AlertDialog(
            title=ft.Text(tr("Add Client")),
            inset_padding=ft.Padding.symmetric(horizontal=12, vertical=24),
            content=ft.Container(
                width=dialog_width(ctx),
                content=ft.Column(
                    [
                        self.query,
                        widgets.section(tr("Family members"), self.family),
                        widgets.section(tr("Search results"), self.results),
                    ],
                    scroll=ft.ScrollMode.AUTO,
                    tight=True,
                ),
            ),
            actions=[ft.TextButton(tr("Cancel"), on_click=lambda: ctx.page.pop_dialog())],
        )

    async def open(self) -> None:
        self.family.controls = [widgets.muted(self.tr("Looking for relatives…"))]
        self.results.controls = [widgets.muted(self.tr("Type a name, date of birth or phone number."))]
        self.ctx.page.show_dialog(self.dialog)
        relatives = await self.ctx.call(_relatives, self.ctx, self.in_session)
        shortcuts = family_shortcuts(relatives, self.in_session)
        self.family.controls = [self._row(c) for c in shortcuts] or [widgets.muted(self.tr("No relatives on file."))]
        self.dialog.update()

    async def _search(self) -> None:
        ticket = await self.latest.settled()
        text = self.query.value.strip()
        if ticket is None or not text:
            return
        found = await self.ctx.call(search_clients, self.ctx.db, text)
        if not self.latest.is_current(ticket):
            return
        self.results.controls = [self._row(c) for c in found] or [widgets.muted(self.tr("No client matches that."))]
        self.dialog.update()

    def _row(self, client: ClientSummary) -> ft.Control:
        already = client.id in self.in_session
        return ft.ListTile(
            title=widgets.directed_text(client.display_name),
            subtitle=ft.Text(
                self.tr("Already in this session") if already else widgets.client_details(client, self.tr)
            ),
            min_height=theme.TOUCH_TARGET,
            disabled=already,
            trailing=None if already else ft.Icon(ft.Icons.ADD),
            on_click=lambda: self._pick(client),
        )

    def _pick(self, client: ClientSummary) -> None:
        self.ctx.page.pop_dialog()
        self.on_pick(client)
