"""Register a New Client (and edit an existing profile): every field of the named client profile.

Workers often skip searching first, so saving a new client checks for possible duplicates (same name and date of
birth, or same phone) and asks before making a second record: "Use this client" or "Save as new client".
The rules themselves live in app/domain; this screen only turns the boxes into a ``Client`` and shows the
problems the rules report beside their fields.
"""

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date

import flet as ft

from app.domain.clients import Client, validate_client
from app.domain.errors import ValidationFailed
from app.domain.fields import CLIENT_FIELDS, Kind, labels
from app.domain.reporting import REPORT_FIELDS, client_report_gaps
from app.i18n import Translator
from app.ui import theme, widgets
from app.ui.context import AppContext
from app.ui.edited_form import confirm_leaving
from app.ui.forms import report_marks
from app.ui.messages import choice_label, choice_labels, error_text, first_messages, yes_no
from app.usecases.clients import (
    ClientSummary,
    Registration,
    load_client,
    new_client_draft,
    register_client,
    search_clients,
    summarize,
    update_client,
)
from app.usecases.context import local_today

FAMILY_NONE = "none"
FAMILY_NEW = "new"
FAMILY_LINK = "link"
FAMILY_SEARCH_LIMIT = 8

CLIENT_FIELD_LABELS = labels(CLIENT_FIELDS)
"""The words shown for each wire field name, in the order the form shows them (also used to explain the server's
answers on the Sync screen)."""
_TEXT_FIELDS = tuple(spec.name for spec in CLIENT_FIELDS if spec.kind in (Kind.TEXT, Kind.NOTES))
CLIENT_CHOICES = {spec.name: spec.choices for spec in CLIENT_FIELDS if isinstance(spec.choices, Mapping)}
_DATE_FIELDS = tuple(spec.name for spec in CLIENT_FIELDS if spec.kind is Kind.DATE)
_REQUIRED = frozenset(spec.name for spec in CLIENT_FIELDS if spec.required)
_NAMES = ("first_name", "last_name", "preferred_name", "own_script_name")
"""The boxes a name is typed into in whatever script the client writes it (the Latin form has its own box)."""


def shown_value(client: Client, name: str, tr: Translator) -> str:
    """A profile field as the worker reads it: choice labels, dates and Yes/No in their language."""
    value = getattr(client, name)
    if name in CLIENT_CHOICES:
        return choice_label(CLIENT_CHOICES[name], value, tr)
    if isinstance(value, bool):
        return yes_no(value, tr)
    if isinstance(value, date):
        return tr.date(value)
    return value or ""


async def register_client_view(ctx: AppContext, family_of: str | None = None) -> ft.Control:
    """An empty profile; with ``family_of`` (from "Add Family Member") it joins that client's family."""
    relative = summarize(await ctx.call(load_client, ctx.db, family_of)) if family_of else None
    return _guarded(ctx, _ClientForm(ctx, new_client_draft(ctx.signed_in_actor), relative=relative, is_new=True))


async def edit_client_view(ctx: AppContext, client_id: str) -> ft.Control:
    client = await ctx.call(load_client, ctx.db, client_id)
    return _guarded(ctx, _ClientForm(ctx, client, relative=None, is_new=False))


def _guarded(ctx: AppContext, form: "_ClientForm") -> ft.Control:
    ctx.guard_leaving(form.leaving)
    return form.root


class _ClientForm:
    def __init__(self, ctx: AppContext, client: Client, *, relative: ClientSummary | None, is_new: bool):
        tr = self.tr = ctx.tr
        self.ctx = ctx
        self.client = client
        self.is_new = is_new
        self.relative = relative
        self.texts = {
            name: widgets.text_input(
                tr(CLIENT_FIELD_LABELS[name]),
                getattr(client, name),
                required_note=tr("Required") if name in _REQUIRED else None,
            )
            for name in _TEXT_FIELDS
        }
        self.texts["phone"].keyboard_type = ft.KeyboardType.PHONE
        self.texts["email"].keyboard_type = ft.KeyboardType.EMAIL
        self.texts["address"].multiline = True
        self.texts["address"].min_lines = 2
        self.choices = {
            name: widgets.choice_input(tr(CLIENT_FIELD_LABELS[name]), choice_labels(options, tr), getattr(client, name))
            for name, options in CLIENT_CHOICES.items()
        }
        today = local_today()
        self.dates = {
            name: widgets.DateInput(
                ctx.page,
                tr,
                tr(CLIENT_FIELD_LABELS[name]),
                getattr(client, name),
                required=name in _REQUIRED,
                last=today,
            )
            for name in _DATE_FIELDS
        }
        self.consent = ft.Checkbox(label=tr(CLIENT_FIELD_LABELS["consent"]), value=client.consent)
        self.consent_error = ft.Text(color=theme.ERROR_TEXT, visible=False)
        self.problems = ft.Text(color=theme.ERROR_TEXT, visible=False)
        self.family = _FamilyChooser(ctx, relative)
        self.save_button = ft.FilledButton(
            tr("Save client") if is_new else tr("Save changes"), icon=ft.Icons.SAVE, on_click=self._save
        )
        for name in REPORT_FIELDS["client"]:
            if name in self.texts:
                self.texts[name].on_change = self._report_field_changed
            else:
                self.choices[name].on_select = self._report_field_changed
        for name in _NAMES:
            widgets.follow_writing_direction(self.texts[name])
        self._mark_report_gaps(client)
        self.root = self._layout()
        self._as_opened = self._read()

    async def leaving(self) -> bool:
        """The back arrow or the navigation: a form holding what was typed since it opened asks first, since a
        profile is saved only by its own button (a registration may still need its duplicate check)."""
        if self._read() == self._as_opened:
            return True
        return await confirm_leaving(
            self.ctx,
            self.tr("What you typed on this form is not saved. If you leave now, it is lost."),
            stay=self.tr("Keep editing"),
        )

    def _mark_report_gaps(self, client: Client) -> None:
        """Under each field the funder still needs, a calm note saying what (kept out of the way of errors)."""
        marks = report_marks(client_report_gaps(client), self.tr)
        for name in REPORT_FIELDS["client"]:
            if name in self.texts:
                self.texts[name].helper = marks.get(name)
                self.texts[name].helper_max_lines = 3
            else:
                self.choices[name].helper_text = marks.get(name)

    def _report_field_changed(self, _event: ft.ControlEvent) -> None:
        self._mark_report_gaps(self._read()[0])
        self.root.update()

    def _layout(self) -> ft.Column:
        tr = self.tr
        name_fields = widgets.form_grid(
            self.texts["first_name"],
            self.texts["last_name"],
            self.texts["preferred_name"],
            self.dates["date_of_birth"].control,
            self.texts["latin_name"],
            self.texts["own_script_name"],
        )
        about = widgets.form_grid(
            *(widgets.named(self.choices[name], tr(CLIENT_FIELD_LABELS[name])) for name in CLIENT_CHOICES),
            self.texts["country_of_origin"],
            self.dates["arrival_date"].control,
        )
        contact = widgets.form_grid(self.texts["phone"], self.texts["email"], self.texts["client_identifier"])
        parts: list[ft.Control] = [
            widgets.muted(tr("Fields marked Required must be filled in. Everything is saved on this device first.")),
            widgets.section(tr("Name and birth"), name_fields),
            widgets.section(tr("About the client"), about),
            widgets.section(tr("Contact"), contact, self.texts["address"]),
            widgets.section(
                tr("Consent"),
                widgets.muted(tr("Read the privacy statement with the client; they must acknowledge it (required).")),
                widgets.touch_sized(self.consent),
                self.consent_error,
            ),
        ]
        if self.is_new:
            parts.append(widgets.section(tr("Family"), self.family.build()))
        elif self.client.family_code:
            family_code = widgets.detail(tr(CLIENT_FIELD_LABELS["family_code"]), self.client.family_code)
            parts.append(widgets.section(tr("Family"), family_code))
        parts += [self.problems, widgets.actions(self.save_button)]
        return widgets.screen(*parts)

    # --- reading the form ------------------------------------------------------------------------------------

    def _read(self) -> tuple[Client, dict[str, str]]:
        """The profile as typed, plus problems with dates that are not dates (the rules cannot see those)."""
        values: dict[str, object] = {name: (field.value or "").strip() for name, field in self.texts.items()}
        values.update({name: dropdown.value or None for name, dropdown in self.choices.items()})
        unreadable: dict[str, str] = {}
        for name, date_input in self.dates.items():
            try:
                values[name] = date_input.value
            except ValueError as problem:
                values[name] = None
                unreadable[name] = str(problem)
        values["consent"] = bool(self.consent.value)
        # Each value is of its field's type (text, choice, date, yes/no), which a dict of them cannot say to mypy.
        return replace(self.client, **values), unreadable  # type: ignore[arg-type]

    def _show_errors(self, errors: dict[str, str]) -> None:
        for name, field in self.texts.items():
            field.error = errors.get(name)
        for name, dropdown in self.choices.items():
            dropdown.error_text = errors.get(name)
        for name, date_input in self.dates.items():
            date_input.set_error(errors.get(name))
        self.consent.error = "consent" in errors
        self.consent_error.value = errors.get("consent", "")
        self.consent_error.visible = "consent" in errors
        # Beside the button too: on a phone the first problem may be several screens up.
        named = [self.tr(label) for name, label in CLIENT_FIELD_LABELS.items() if name in errors]
        self.problems.value = self.tr("Check these fields: {fields}.", fields=", ".join(named))
        self.problems.visible = bool(errors)
        self.root.update()
        if errors:
            self.ctx.show_message(self.tr("Some fields need attention: see the messages under them."), error=True)

    # --- saving ----------------------------------------------------------------------------------------------

    async def _save(self, _event: ft.ControlEvent) -> None:
        draft, unreadable = self._read()
        if unreadable:
            rule_errors = {e.field: error_text(e, self.tr) for e in validate_client(draft, today=local_today())}
            self._show_errors({**rule_errors, **unreadable})
            return
        await self._submit(draft, ignore_duplicates=False)

    async def _submit(self, draft: Client, *, ignore_duplicates: bool) -> None:
        self.save_button.disabled = True
        self.save_button.update()
        try:
            saved = await self._store(draft, ignore_duplicates=ignore_duplicates)
        except ValidationFailed as failed:
            self._show_errors(first_messages(failed.errors, self.tr))
            return
        except Exception as error:
            self.ctx.report(error, self.tr("Could not save the client."))
            return
        finally:
            self.save_button.disabled = False
            self.save_button.update()
        if isinstance(saved, Registration):
            self._ask_about_duplicates(draft, saved.duplicates)
            return
        self.ctx.after_save()
        self.ctx.show_message(self.tr("Client saved on this device."))
        self.ctx.navigate(f"/clients/{saved.id}")

    async def _store(self, draft: Client, *, ignore_duplicates: bool) -> Client | Registration:
        """The saved client, or the held-back registration when it may be a duplicate."""
        actor = self.ctx.signed_in_actor
        if not self.is_new:
            return await self.ctx.call(update_client, self.ctx.db, actor, draft)
        family_of, new_family = self.family.choice()
        registration = await self.ctx.call(
            register_client,
            self.ctx.db,
            actor,
            draft,
            family_of=family_of,
            new_family=new_family,
            ignore_duplicates=ignore_duplicates,
        )
        return registration.client if registration.client is not None else registration

    def _ask_about_duplicates(self, draft: Client, duplicates: list[ClientSummary]) -> None:
        tr = self.tr

        async def save_anyway(_event: ft.ControlEvent) -> None:
            self.ctx.page.pop_dialog()
            await self._submit(draft, ignore_duplicates=True)

        def use_existing(client_id: str) -> Callable[[ft.ControlEvent], None]:
            def use(_event: ft.ControlEvent) -> None:
                self.ctx.page.pop_dialog()
                self.ctx.navigate(f"/clients/{client_id}")

            return use

        def cancel(_event: ft.ControlEvent) -> None:
            self.ctx.page.pop_dialog()

        cards = [
            widgets.client_card(
                match,
                [ft.FilledButton(tr("Use this client"), icon=ft.Icons.CHECK, on_click=use_existing(match.id))],
                tr,
            )
            for match in duplicates
        ]
        dialog = ft.AlertDialog(
            modal=True,
            scrollable=True,
            title=ft.Text(tr("This client may already be registered")),
            content=ft.Column(
                tight=True,
                spacing=10,
                controls=[
                    ft.Text(
                        tr(
                            "These clients have the same name and date of birth, or the same phone number. "
                            "Open the existing client instead of registering them twice."
                        )
                    ),
                    *cards,
                ],
            ),
            actions=[
                ft.TextButton(tr("Cancel"), on_click=cancel),
                ft.OutlinedButton(tr("Save as new client"), on_click=save_anyway),
            ],
        )
        self.ctx.page.show_dialog(dialog)


class _FamilyChooser:
    """No family yet, a new family, or the family of a client found by search."""

    def __init__(self, ctx: AppContext, relative: ClientSummary | None):
        tr = self.tr = ctx.tr
        self.ctx = ctx
        self.relative = relative
        self.latest = widgets.LatestOnly()
        self.mode = ft.RadioGroup(
            value=FAMILY_LINK if relative else FAMILY_NONE,
            on_change=self._mode_changed,
            content=ft.Column(
                spacing=0,
                controls=[
                    widgets.touch_sized(ft.Radio(value=FAMILY_NONE, label=tr("No family link for now"))),
                    widgets.touch_sized(ft.Radio(value=FAMILY_NEW, label=tr("Start a new family"))),
                    widgets.touch_sized(ft.Radio(value=FAMILY_LINK, label=tr("Link to an existing client's family"))),
                ],
            ),
        )
        self.search = ft.TextField(
            label=tr("Search family member"), prefix_icon=ft.Icons.SEARCH, on_change=self._typed, on_submit=self._typed
        )
        self.chosen = ft.Text(weight=ft.FontWeight.W_600)
        self.matches = ft.Column(spacing=8)
        self.link_area = ft.Column(spacing=8, controls=[self.chosen, self.search, self.matches])
        self._refresh()

    def build(self) -> ft.Control:
        return ft.Column(spacing=8, controls=[self.mode, self.link_area])

    def choice(self) -> tuple[str | None, bool]:
        """(client whose family to join, whether to start a new family) for ``register_client``."""
        if self.mode.value == FAMILY_LINK and self.relative is not None:
            return self.relative.id, False
        return None, self.mode.value == FAMILY_NEW

    def _refresh(self) -> None:
        self.link_area.visible = self.mode.value == FAMILY_LINK
        tr = self.tr
        if self.relative is None:
            self.chosen.value = tr("Search for a family member already registered, then pick them.")
        else:
            code = self.relative.family_code or tr("a family code is made when you save")
            self.chosen.value = tr("Joins the family of {name} ({code}).", name=self.relative.display_name, code=code)

    def _mode_changed(self, _event: ft.ControlEvent) -> None:
        self._refresh()
        self.link_area.update()

    async def _typed(self, _event: ft.ControlEvent) -> None:
        ticket = await self.latest.settled()
        query = (self.search.value or "").strip()
        if ticket is None:
            return
        try:
            found = await self.ctx.call(search_clients, self.ctx.db, query, limit=FAMILY_SEARCH_LIMIT) if query else []
        except Exception as error:
            self.ctx.report(error, self.tr("Could not search for a family member."))
            return
        if not self.latest.is_current(ticket):
            return
        self.matches.controls = [
            widgets.client_card(
                match,
                [ft.OutlinedButton(self.tr("Link to this family"), icon=ft.Icons.LINK, on_click=self._picker(match))],
                self.tr,
            )
            for match in found
        ]
        self.matches.update()

    def _picker(self, match: ClientSummary) -> Callable[[ft.ControlEvent], None]:
        def pick(_event: ft.ControlEvent) -> None:
            self.relative = match
            self.matches.controls = []
            self.search.value = ""
            self._refresh()
            self.link_area.update()

        return pick
