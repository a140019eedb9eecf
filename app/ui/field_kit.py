"""The field kit of the session and service forms: drop-downs, checkbox groups, pick lists and number boxes that
show their own problem, the problem summary at the top of a form, and the scrolling body both forms live in.

Each piece takes the exact label the field table gives (it is also the accessible name screen readers and the
browser tests use) and knows where its problem is said, so a form only maps field names to these controls.
"""

from collections.abc import Callable, Mapping, Sequence
from functools import partial

import flet as ft

from app.i18n import Translator
from app.ui import theme, widgets
from app.ui.forms import number_shown, remaining_options, toggled
from app.usecases.reference import Option

HALF = {"xs": 12, "md": 6}
QUARTER = {"xs": 6, "md": 3}
SCROLLBAR_GUTTER = 12
END_SPACE = 24


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


def mark_line() -> ft.Text:
    """The calm words under a field saying what the funder's report still needs of it."""
    return ft.Text("", color=ft.Colors.ON_SURFACE_VARIANT, size=13, visible=False)


class ReportMarked:
    """A field with a line for its problem (``error``) and one for what the funder's report still needs of it
    (``mark``). The problem hides the mark while it shows, as a text box's error hides its helper."""

    error: ft.Text
    mark: ft.Text
    _mark_text: str | None = None

    def set_error(self, message: str | None) -> None:
        show_error(self.error, message)
        self._show_mark()

    def set_report_mark(self, text: str | None) -> None:
        self._mark_text = text
        self._show_mark()

    def _show_mark(self) -> None:
        shown = None if self.error.visible else self._mark_text
        self.mark.value = shown or ""
        self.mark.visible = bool(shown)


class ChoiceField(ReportMarked):
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
        self.mark = mark_line()
        self.control = ft.Column(
            [widgets.named(self.dropdown, label), self.mark, self.error], spacing=4, col=col or {"xs": 12}
        )

    @property
    def value(self) -> str | None:
        return self.dropdown.value

    def set_choices(self, choices: Mapping[str, str]) -> None:
        self.dropdown.options = [ft.DropdownOption(key=code, text=text) for code, text in choices.items()]
        self.dropdown.value = None

    def set_error(self, message: str | None) -> None:
        super().set_error(message)
        self.dropdown.border = ft.OutlineInputBorder(side=ft.BorderSide(2, theme.ERROR_TEXT)) if message else None


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


class CheckGroup(ReportMarked):
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
        self.mark = mark_line()
        self.control = widgets.section(title, self.note, self.boxes, self.mark, self.error)
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
        self.set_error(None)
        self.on_change(self.chosen)


ErrorTarget = ft.Control | ChoiceField | CheckGroup
"""Anything a field's problem can be shown on."""


def show_error(control: ErrorTarget, message: str | None) -> None:
    """Put ``message`` (or nothing) where ``control`` shows problems, whatever kind of control it is."""
    if isinstance(control, ReportMarked):
        control.set_error(message)
    elif isinstance(control, ft.TextField):
        control.error = message
    elif isinstance(control, ft.Text):
        control.value = message or ""
        control.visible = bool(message)


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
    """A whole-number field whose 0 gives way to what is typed, as in the agency system: a 0 is drawn as the field's
    hint, so the first key replaces it, and a field left empty counts as 0.

    The field never has its text changed by the app while the worker types: such a change travels to the screen and
    back, and on a slow link or a busy tablet it lands after the next key and overwrites it ("75" typed, "7" kept).
    """

    def typed(e: ft.Event[ft.TextField]) -> None:
        on_text(e.control.value.strip())

    return ft.TextField(
        label=label,
        value=number_shown(value),
        hint_text="0",
        keyboard_type=ft.KeyboardType.NUMBER,
        input_filter=ft.NumbersOnlyInputFilter(),
        on_change=typed,
        helper_max_lines=widgets.ERROR_LINES,  # a help sentence wraps on a phone instead of ending in "…"
        **options,
    )
