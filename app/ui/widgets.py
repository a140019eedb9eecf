"""Small building blocks the screens share: named pickers, date inputs, status badges, list rows.

Accessible names matter here: screen readers and the browser tests find controls by them, so every helper takes the
exact label the spec gives and puts it where Flutter's semantics tree will expose it.
"""

import asyncio
import inspect
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

import flet as ft

from app.domain.codes import SESSION_TYPES
from app.domain.text import reads_right_to_left
from app.i18n import Translator
from app.ui import theme
from app.usecases.clients import ClientSummary
from app.usecases.sessions import SessionSummary

# Search-as-you-type waits this long after a key for the next one. A search on the device takes a few milliseconds,
# so the pause only has to absorb one burst of keys; every millisecond of it adds to the wait for results.
TYPING_PAUSE_SECONDS = 0.1
ERROR_LINES = 3  # messages are whole sentences; a phone needs more than one line for them
Handler = Callable[[Any], Any]


# --- text --------------------------------------------------------------------------------------------------------


def heading(text: str) -> ft.Text:
    return ft.Text(
        text, theme_style=ft.TextThemeStyle.TITLE_LARGE, weight=ft.FontWeight.W_600, rtl=reads_right_to_left(text)
    )


def directed_text(text: str, **style: Any) -> ft.Text:
    """Text a worker typed (a name, an address), as a paragraph in its own direction: "فاطمة الزهراء (Fatima)" reads
    right to left with the Latin part where an Arabic reader expects it, inside a screen laid out left to right."""
    return ft.Text(text, rtl=reads_right_to_left(text), **style)


def section(title: str, *controls: ft.Control) -> ft.Column:
    """A titled group of controls, the unit every screen is made of; fields in it use the full width."""
    return ft.Column(
        spacing=8,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        controls=[ft.Text(title, theme_style=ft.TextThemeStyle.TITLE_MEDIUM, weight=ft.FontWeight.W_600), *controls],
    )


def muted(text: str) -> ft.Text:
    return ft.Text(text, color=ft.Colors.ON_SURFACE_VARIANT)


def screen(*controls: ft.Control) -> ft.Column:
    """The body of a screen; the shell scrolls it and keeps it to a readable width."""
    return ft.Column(spacing=20, horizontal_alignment=ft.CrossAxisAlignment.STRETCH, controls=list(controls))


def actions(*buttons: ft.Control) -> ft.Row:
    """Buttons side by side at their natural size, wrapping to a new line on a narrow phone."""
    return ft.Row(wrap=True, spacing=8, run_spacing=8, controls=list(buttons))


def loading() -> ft.Control:
    return ft.Container(padding=24, alignment=ft.Alignment.CENTER, content=ft.ProgressRing())


# --- badges ------------------------------------------------------------------------------------------------------


def badge(text: str, color: str, background: str) -> ft.Container:
    """A coloured tag that always carries a word, so its meaning never rests on colour alone."""
    return ft.Container(
        content=ft.Text(text, color=color, size=13, weight=ft.FontWeight.W_600),
        bgcolor=background,
        border_radius=12,
        padding=ft.Padding.symmetric(horizontal=10, vertical=4),
    )


def completion_badge(complete: bool, tr: Translator) -> ft.Container:
    """Green "Complete" or pink "Incomplete" (a session's or a service form's: every service form complete)."""
    if complete:
        return badge(tr.pgettext("completeness", "Complete"), theme.COMPLETE_TEXT, theme.COMPLETE_BACKGROUND)
    return badge(tr.pgettext("completeness", "Incomplete"), theme.INCOMPLETE_TEXT, theme.INCOMPLETE_BACKGROUND)


def waiting_badge(tr: Translator) -> ft.Container:
    return badge(tr("Waiting to sync"), theme.WAITING_TEXT, theme.WAITING_BACKGROUND)


# --- inputs ------------------------------------------------------------------------------------------------------


def text_input(label: str, value: str = "", *, required_note: str | None = None, **options: Any) -> ft.TextField:
    """A text box whose accessible name is exactly ``label``; a required one says so under the box
    (``required_note``, "Required" in the worker's language). It opens in the writing direction of what it holds,
    so an Arabic name being edited sits on the right with its cursor at its end."""
    return ft.TextField(
        label=label,
        value=value,
        helper=required_note,
        error_max_lines=ERROR_LINES,
        rtl=reads_right_to_left(value),
        **options,
    )


def follow_writing_direction(box: ft.TextField) -> ft.TextField:
    """Keep ``box`` in the writing direction of what is typed into it (Unicode's first-strong rule): a worker typing
    an Arabic, Hebrew or Persian name sees it on the right, each new letter where their eye expects it.

    While they type, only the text's alignment follows: turning the box itself (``rtl``) rebuilds Flutter's editable
    text, and in the browser the keys that come next go to a detached input and are lost. The box turns when they
    leave it, so the name then reads in its own paragraph direction, as it does in a box that opens holding it."""
    typed, left = box.on_change, box.on_blur

    async def on_change(event: ft.ControlEvent) -> None:
        _align_with_typed_text(box)
        if typed:
            await _call(typed, event)

    async def on_blur(event: ft.ControlEvent) -> None:
        _turn_to_typed_text(box)
        if left:
            await _call(left, event)

    box.on_change, box.on_blur = on_change, on_blur
    return box


def _align_with_typed_text(box: ft.TextField) -> None:
    rtl = reads_right_to_left(box.value)
    align = None if rtl == bool(box.rtl) else ft.TextAlign.RIGHT if rtl else ft.TextAlign.LEFT
    if align != box.text_align:
        box.text_align = align
        box.update()


def _turn_to_typed_text(box: ft.TextField) -> None:
    rtl = reads_right_to_left(box.value)
    if rtl != bool(box.rtl) or box.text_align is not None:
        box.rtl = rtl
        box.text_align = None
        box.update()


def choice_input(label: str, choices: Mapping[str, str], value: str | None = None) -> ft.Dropdown:
    """A drop-down of coded choices (code -> label); ``value`` holds the code."""
    return ft.Dropdown(
        label=label,
        value=value,
        options=[ft.DropdownOption(key=code, text=text) for code, text in choices.items()],
        expand=True,
        menu_height=360,
    )


def icon_button(icon: ft.IconData, name: str, on_click: Handler) -> ft.IconButton:
    """An icon-only button whose accessible name is ``name`` (a tooltip alone names a wrapper, not the button)."""
    return ft.IconButton(icon=ft.Icon(icon, semantics_label=name), tooltip=name, on_click=on_click)


def touch_sized(control: ft.Control) -> ft.Container:
    """Give a checkbox or radio row the full 48 px height (Flutter's desktop/web default is 40 px)."""
    return ft.Container(height=theme.TOUCH_TARGET, content=control)


def named(control: ft.Control, label: str) -> ft.Semantics:
    """Give a control without an accessible name of its own (a non-editable Dropdown) the name ``label``."""
    return ft.Semantics(label=label, container=True, content=control)


def form_grid(*fields: ft.Control, per_line_on_phone: int = 1) -> ft.ResponsiveRow:
    """Fields one per line on a phone (or ``per_line_on_phone`` short ones), two per line from tablet width on."""
    return _grid(fields, {"xs": 12 // per_line_on_phone, "md": 6})


def details_grid(*details: ft.Control) -> ft.ResponsiveRow:
    """Read-only label/value pairs: two per line on a phone, three from tablet width on (they are short)."""
    return _grid(details, {"xs": 6, "md": 4})


def _grid(controls: tuple[ft.Control, ...], columns: dict[str, int]) -> ft.ResponsiveRow:
    for control in controls:
        control.col = columns
    return ft.ResponsiveRow(controls=list(controls), spacing=12, run_spacing=12)


def picked_date(value: object) -> date | None:
    """The calendar day a DatePicker reports, whatever shape (date, datetime, ISO text) it arrives in."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        return date.fromisoformat(value[:10])
    return None


class DateInput:
    """A date typed as YYYY-MM-DD or picked from a calendar; both end up in the same text box."""

    def __init__(
        self,
        page: ft.Page,
        tr: Translator,
        label: str,
        value: date | None = None,
        *,
        required: bool = False,
        on_change: Handler | None = None,
        first: date = date(1900, 1, 1),
        last: date | None = None,
    ):
        self._page = page
        self.tr = tr
        self._label = label
        self._on_change = on_change
        self._first = first
        self._last = last
        self.field = ft.TextField(
            label=label,
            value=value.isoformat() if value else "",
            hint_text=tr("YYYY-MM-DD"),
            helper=tr("Required") if required else None,
            error_max_lines=ERROR_LINES,
            keyboard_type=ft.KeyboardType.DATETIME,
            on_submit=self._typed,
            on_blur=self._typed,
            expand=True,
        )
        self.picker_button = icon_button(ft.Icons.CALENDAR_MONTH, tr("Pick from a calendar: {field}", field=label),
                                         self._open_picker)  # fmt: skip
        self.control = ft.Row(
            spacing=4, vertical_alignment=ft.CrossAxisAlignment.START, controls=[self.field, self.picker_button]
        )

    @property
    def value(self) -> date | None:
        """The entered day, or None when the box is empty. Raises ValueError for text that is not a date."""
        text = (self.field.value or "").strip()
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError(self.tr("Enter the date as YYYY-MM-DD, for example 1990-05-12.")) from None

    def set_error(self, message: str | None) -> None:
        self.field.error = message

    async def _typed(self, _event: ft.ControlEvent) -> None:
        try:
            typed = self.value
        except ValueError as problem:
            self.set_error(str(problem))
        else:
            self.set_error(None)
            if self._on_change:
                await _call(self._on_change, typed)
        self.field.update()

    def _open_picker(self, _event: ft.ControlEvent) -> None:
        try:
            current = self.value
        except ValueError:
            current = None
        picker = ft.DatePicker(
            value=current or self._last or date.today(),
            first_date=self._first,
            last_date=self._last or date(date.today().year + 5, 12, 31),
            help_text=self._label,
            on_change=self._picked,
        )
        self._page.show_dialog(picker)

    async def _picked(self, event: ft.ControlEvent) -> None:
        chosen = picked_date(event.control.value)
        if chosen is None:
            return
        self.field.value = chosen.isoformat()
        self.set_error(None)
        self.field.update()
        if self._on_change:
            await _call(self._on_change, chosen)


async def _call(handler: Handler, value: object) -> None:
    result = handler(value)
    if inspect.isawaitable(result):
        await result


class LatestOnly:
    """Search-as-you-type without flooding the database: wait for a pause in typing, and drop answers that
    arrive after a newer search started (Flet runs each key event as its own task, so they can overlap)."""

    def __init__(self, pause_seconds: float = TYPING_PAUSE_SECONDS):
        self._pause = pause_seconds
        self._generation = 0

    async def settled(self) -> int | None:
        """Wait for the pause; a ticket when this call is still the newest, else None (skip the search)."""
        self._generation += 1
        ticket = self._generation
        await asyncio.sleep(self._pause)
        return ticket if ticket == self._generation else None

    def is_current(self, ticket: int) -> bool:
        return ticket == self._generation


# --- list rows ---------------------------------------------------------------------------------------------------


def session_title(summary: SessionSummary, tr: Translator) -> str:
    """ "2 déc. 2026 · Service direct": when, and what kind of session."""
    kind = tr(SESSION_TYPES[summary.session_type]) if summary.session_type in SESSION_TYPES else tr("Session")
    return tr("{date} · {session_type}", date=tr.date(summary.service_date), session_type=kind)


def session_tile(
    summary: SessionSummary, on_open: Handler, tr: Translator, worker_name: Callable[[str], str] | None = None
) -> ft.Control:
    """One session in a list: when, what, who, and whether it is complete or still waiting to sync. With
    ``worker_name`` (a supervisor's list of everyone's sessions) it also says who is in Staff Involved."""
    names = [name or tr("Unknown client") for name in summary.client_names]
    who = summary.activity_name or ", ".join(names) or tr("No client yet")
    tags: list[ft.Control] = [completion_badge(summary.complete, tr)]
    if summary.waiting_to_sync:
        tags.append(waiting_badge(tr))
    details = [ft.Text(who, max_lines=2, overflow=ft.TextOverflow.ELLIPSIS)]
    if summary.site_code:
        details.append(muted(tr("Site {code}", code=summary.site_code)))
    if worker_name is not None and summary.staff:
        details.append(muted(tr("Staff: {names}", names=", ".join(worker_name(user) for user in summary.staff))))
    details.append(ft.Row(wrap=True, spacing=6, run_spacing=6, controls=tags))
    return ft.Container(
        border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
        border_radius=8,
        bgcolor=theme.COMPLETE_ROW if summary.complete else theme.INCOMPLETE_ROW,
        content=ft.ListTile(
            title=ft.Text(session_title(summary, tr), weight=ft.FontWeight.W_600),
            subtitle=ft.Column(spacing=4, controls=details),
            trailing=ft.Icon(ft.Icons.CHEVRON_RIGHT),
            on_click=on_open,
            min_height=theme.TOUCH_TARGET,
        ),
    )


def client_details(summary: ClientSummary, tr: Translator) -> str:
    """ "Born 12 May 1990 · 416-555-0199 · Client no. 12345 · Family F-1234": what tells two clients apart."""
    parts = [tr("Born {date}", date=summary.date_of_birth) if summary.date_of_birth else tr("No date of birth")]
    if summary.phone:
        parts.append(summary.phone)
    if summary.client_identifier:
        parts.append(tr("Client no. {number}", number=summary.client_identifier))
    if summary.family_code:
        parts.append(tr("Family {code}", code=summary.family_code))
    return " · ".join(parts)


def card(*lines: ft.Control) -> ft.Container:
    """A framed item of a list (a client, a form to finish, a change waiting to sync)."""
    return ft.Container(
        border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
        border_radius=8,
        padding=12,
        content=ft.Column(spacing=6, controls=list(lines)),
    )


def client_card(summary: ClientSummary, buttons: list[ft.Control], tr: Translator) -> ft.Container:
    """A client in a list, with the buttons that act on them underneath (room for thumbs on a phone)."""
    return card(
        directed_text(summary.display_name, weight=ft.FontWeight.W_600, size=16),
        muted(client_details(summary, tr)),
        actions(*buttons),
    )


def detail(label: str, value: str) -> ft.Column:
    """A read-only label/value pair of a profile."""
    return ft.Column(
        spacing=2,
        controls=[
            ft.Text(label, size=13, color=ft.Colors.ON_SURFACE_VARIANT),
            directed_text(value or "—", size=16),
        ],
    )
