"""The sections of the Session form, top to bottom: who and what, when and where, delivery, service time and notes
(languages and staff are in ``session_pick_lists``, the clients in ``session_clients``).

Each section builds its fields from the field table's words, writes what the worker chose straight into the draft,
and reports every edit through ``changed`` (the form's "unsaved" bookkeeping, given the controls whose old problem
the edit clears). ``error_targets`` says where each wire field's problem is shown.
"""

from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from typing import Protocol

import flet as ft

from app.domain.codes import DELIVERY_METHODS, SESSION_TYPES
from app.domain.fields import SESSION_FIELDS, field_named
from app.domain.sessions import Session
from app.i18n import Translator
from app.ui import widgets
from app.ui.context import AppContext
from app.ui.field_kit import (
    HALF,
    QUARTER,
    CheckGroup,
    ChoiceField,
    ErrorTarget,
    number_field,
    read_only_field,
)
from app.ui.forms import (
    SESSION_FIELD_LABELS,
    YES_NO,
    SessionDraft,
    describe_service_date,
    number_shown,
    yes_no_key,
    yes_no_value,
)
from app.ui.messages import choice_labels
from app.ui.screens.site_finder import SiteFinder
from app.usecases.context import local_today
from app.usecases.reference import Option, SiteOption

EARLIEST_SERVICE_DATE = date(2000, 1, 1)


class Changed(Protocol):
    """The form's reaction to an edit: clear the old problem of ``cleared`` and mark the form unsaved."""

    def __call__(self, *cleared: ErrorTarget) -> None: ...


class SessionWords:
    """A session field's label, a part's label ("Minutes" of the service time) and help, in the worker's language."""

    def __init__(self, tr: Translator):
        self.tr = tr

    def label(self, name: str) -> str:
        return self.tr(SESSION_FIELD_LABELS[name])

    def part_label(self, field_name: str, part: str) -> str:
        return self.tr(dict(field_named(SESSION_FIELDS, field_name).parts)[part])

    def help(self, name: str) -> str:
        return self.tr(field_named(SESSION_FIELDS, name).help)


class WhoAndWhat:
    """Agency and Created By (shown, never typed), Session Type, and a Group Activity's name, topic and number of
    unnamed participants, shown only for a Group Activity."""

    def __init__(
        self,
        words: SessionWords,
        draft: SessionDraft,
        agency_name: str,
        changed: Changed,
        type_chosen: Callable[[], None],
    ):
        """``type_chosen``: what else follows a new Session Type once the draft has it (who may be added as staff)."""
        tr, s = words.tr, draft.session
        self.draft = draft
        self.changed = changed
        self.type_chosen = type_chosen
        self.session_type = ChoiceField(
            words.label("session_type"), choice_labels(SESSION_TYPES, tr), s.session_type, self._type_chosen
        )
        self.activity = ft.TextField(
            label=words.label("activity_name"), value=s.activity_name, on_change=self._activity_typed, col=HALF
        )
        self.topic = ft.TextField(
            label=words.label("activity_topic"), value=s.activity_topic, on_change=self._topic_typed, col=HALF
        )
        self.unnamed = number_field(
            words.label("unnamed_participants"),
            draft.unnamed_text,
            self._unnamed_typed,
            helper=words.help("unnamed_participants"),
            col=HALF,
        )
        self.group_fields = ft.ResponsiveRow([self.activity, self.topic, self.unnamed], visible=s.is_group_activity)
        self.control = ft.Column(
            [
                ft.ResponsiveRow(
                    [
                        read_only_field(tr("Agency"), agency_name or s.agency_id, col=HALF),
                        read_only_field(tr("Created By"), s.created_by, col=HALF),
                        self.session_type.control,
                    ]
                ),
                self.group_fields,
            ]
        )

    def error_targets(self) -> dict[str, ErrorTarget]:
        return {
            "session_type": self.session_type,
            "activity_name": self.activity,
            "unnamed_participants": self.unnamed,
        }

    def _type_chosen(self) -> None:
        self.draft.session.session_type = self.session_type.value
        self.group_fields.visible = self.draft.session.is_group_activity
        self.type_chosen()

    def _activity_typed(self) -> None:
        self.draft.session.activity_name = self.activity.value
        self.changed(self.activity)

    def _unnamed_typed(self, text: str) -> None:
        self.draft.unnamed_text = text
        self.changed(self.unnamed)

    def _topic_typed(self) -> None:
        self.draft.session.activity_topic = self.topic.value
        self.changed()


class WhenAndWhere:
    """The Service Date, picked from a calendar up to today, and the site, found by "Find..."."""

    def __init__(
        self,
        ctx: AppContext,
        words: SessionWords,
        session: Session,
        sites: Sequence[SiteOption],
        changed: Changed,
        redraw: Callable[[], None],
    ):
        """``redraw``: update the whole form on screen (a pick comes from a dialog, outside the form's events)."""
        tr = words.tr
        self.ctx = ctx
        self.words = words
        self.session = session
        self.changed = changed
        self.redraw = redraw
        self.service_date = ft.TextField(
            label=words.label("service_date"),
            value=describe_service_date(session.service_date, tr),
            read_only=True,
            on_click=self._pick_date,
            suffix_icon=ft.Icons.CALENDAR_MONTH,
        )
        choose_date = ft.Button(tr("Choose date"), icon=ft.Icons.EDIT_CALENDAR, on_click=self._pick_date)
        self.site = ft.TextField(
            label=words.label("site_code"), value=session.site_code or "", read_only=True, hint_text=tr("Use Find...")
        )
        site_name = next((site.name for site in sites if site.code == session.site_code), "")
        self.site_name = read_only_field(tr("Site Name"), site_name)
        find = ft.Button(tr("Find..."), icon=ft.Icons.SEARCH, on_click=self._find_site)
        self.control = ft.ResponsiveRow(
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

    def error_targets(self) -> dict[str, ErrorTarget]:
        return {"service_date": self.service_date, "site_code": self.site}

    def _pick_date(self) -> None:
        today = local_today()
        self.ctx.page.show_dialog(
            ft.DatePicker(
                value=datetime.combine(self.session.service_date or today, time(12)),
                first_date=datetime.combine(EARLIEST_SERVICE_DATE, time()),
                last_date=datetime.combine(today, time(23, 59)),
                help_text=self.words.label("service_date"),
                on_change=self._date_picked,
            )
        )

    def _date_picked(self, e: ft.Event[ft.DatePicker]) -> None:
        picked = widgets.picked_date(e.control.value)
        if picked is None:
            return
        self.session.service_date = picked
        self.service_date.value = describe_service_date(picked, self.words.tr)
        self.changed(self.service_date)
        self.redraw()

    async def _find_site(self) -> None:
        await SiteFinder(self.ctx, self._site_picked).open()

    def _site_picked(self, site: SiteOption) -> None:
        self.session.site_code = site.code
        self.site.value = site.code
        self.site_name.value = site.name
        self.changed(self.site)
        self.redraw()


class Delivery:
    """How the service was delivered, where, and whether (and how many) interpreters were present."""

    def __init__(self, words: SessionWords, draft: SessionDraft, location_types: Sequence[Option], changed: Changed):
        tr, s = words.tr, draft.session
        self.draft = draft
        self.changed = changed
        self.methods = CheckGroup(
            words.label("delivery_methods"),
            choice_labels(DELIVERY_METHODS, tr),
            s.delivery_methods,
            self._methods_changed,
            words.help("delivery_methods"),
        )
        self.location = ChoiceField(
            words.label("service_location_type"),
            {option.code: option.label for option in location_types},
            s.service_location_type,
            self._location_chosen,
            col=HALF,
        )
        self.interpreter = ChoiceField(
            words.label("interpreter_present"),
            choice_labels(YES_NO, tr),
            yes_no_key(s.interpreter_present),
            self._interpreter_chosen,
            col=HALF,
        )
        self.interpreters = number_field(
            words.label("interpreters"),
            draft.interpreters_text,
            self._interpreters_typed,
            disabled=s.interpreter_present is not True,
            col=HALF,
        )
        self.control = ft.Column(
            [
                self.methods.control,
                ft.ResponsiveRow([self.location.control, self.interpreter.control, self.interpreters]),
            ],
            spacing=16,
        )

    def error_targets(self) -> dict[str, ErrorTarget]:
        return {
            "delivery_methods": self.methods,
            "service_location_type": self.location,
            "interpreter_present": self.interpreter,
            "interpreters": self.interpreters,
        }

    def _methods_changed(self, codes: list[str]) -> None:
        self.draft.session.delivery_methods = codes
        self.changed()

    def _location_chosen(self) -> None:
        self.draft.session.service_location_type = self.location.value
        self.changed(self.location)

    def _interpreter_chosen(self) -> None:
        present = yes_no_value(self.interpreter.value)
        self.draft.session.interpreter_present = present
        self.interpreters.disabled = present is not True
        if present is False:
            self.draft.interpreters_text = "0"
            self.interpreters.value = number_shown("0")
        self.changed(self.interpreter, self.interpreters)

    def _interpreters_typed(self, text: str) -> None:
        self.draft.interpreters_text = text
        self.changed(self.interpreters)


class ServiceTime:
    """The service time as "Hours" and "Minutes", kept as typed until the save reads them."""

    def __init__(self, words: SessionWords, draft: SessionDraft, changed: Changed):
        self.draft = draft
        self.changed = changed
        self.hours = number_field(words.label("service_hours"), draft.hours_text, self._hours_typed, col=QUARTER)
        self.minutes = number_field(
            words.part_label("service_minutes", "service_minutes"),
            draft.minutes_text,
            self._minutes_typed,
            col=QUARTER,
        )
        self.control = widgets.section(
            words.label("service_minutes"),
            widgets.muted(words.help("service_minutes")),
            ft.ResponsiveRow([self.hours, self.minutes]),
        )

    def error_targets(self) -> dict[str, ErrorTarget]:
        return {"service_hours": self.hours, "service_minutes": self.minutes}

    def _hours_typed(self, text: str) -> None:
        self.draft.hours_text = text
        self.changed(self.hours, self.minutes)

    def _minutes_typed(self, text: str) -> None:
        self.draft.minutes_text = text
        self.changed(self.hours, self.minutes)


class Notes:
    """The session's notes, several lines."""

    def __init__(self, words: SessionWords, session: Session, changed: Changed):
        self.session = session
        self.changed = changed
        self.box = ft.TextField(
            label=words.label("notes"),
            value=session.notes,
            multiline=True,
            min_lines=3,
            max_lines=10,
            on_change=self._typed,
        )
        self.control = self.box

    def error_targets(self) -> dict[str, ErrorTarget]:
        return {"notes": self.box}

    def _typed(self) -> None:
        self.session.notes = self.box.value
        self.changed(self.box)
