"""Sync details: what is waiting to reach the server, and what needs the worker to decide.

A refused change shows the server's reasons beside the field names the worker knows; a conflict shows both versions
of each field that differs, with "Keep mine" and "Keep server's". Nothing is dropped without the worker choosing it.
"""

import functools
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any, get_args

import flet as ft
import msgspec

from app.domain.codes import SESSION_TYPES
from app.i18n import Translator
from app.ui import theme, widgets
from app.ui.context import AppContext
from app.ui.forms import SESSION_FIELD_LABELS, error_summary
from app.ui.messages import choice_label, error_text, yes_no
from app.ui.screens.client_form import CLIENT_FIELD_LABELS
from app.ui.sync_words import headline
from app.usecases.attention import (
    CONFLICT,
    AttentionItem,
    PendingItem,
    RecordTitle,
    discard,
    keep_mine,
    keep_server,
    needs_attention,
    pending_items,
    retry,
)
from app.usecases.device import SyncStatus
from protocol.records import ClientData, SessionData

PENDING_SHOWN = 50
VALUE_CHARACTERS_SHOWN = 160
NAMES_IN_TITLE = 3


def _load(ctx: AppContext) -> tuple[list[AttentionItem], list[PendingItem]]:
    return needs_attention(ctx.db), pending_items(ctx.db)


async def sync_details_view(ctx: AppContext) -> ft.Control:
    details = _SyncDetails(ctx)
    await details.load()
    ctx.watch_status(details.status_changed, while_on_screen=True)
    return details.root


class _SyncDetails:
    def __init__(self, ctx: AppContext):
        tr = self.tr = ctx.tr
        self.ctx = ctx
        self.headline = ft.Text(theme_style=ft.TextThemeStyle.TITLE_MEDIUM, weight=ft.FontWeight.W_600)
        self.facts = widgets.muted("")
        self.attention = ft.Column(spacing=12)
        self.pending = ft.Column(spacing=8)
        self.sign_in_again = ft.FilledButton(
            tr("Sign in again"), icon=ft.Icons.LOGIN, on_click=ctx.sign_out, visible=False
        )
        self.root = widgets.screen(
            ft.Column(spacing=8, controls=[self.headline, self.facts, self.sign_in_again]),
            widgets.actions(ft.FilledButton(tr("Sync now"), icon=ft.Icons.SYNC, on_click=lambda _e: ctx.sync_now())),
            widgets.section(tr("Needs attention"), self.attention),
            widgets.section(tr("Waiting to sync"), self.pending),
        )

    async def load(self) -> None:
        attention, pending = await self.ctx.call(_load, self.ctx)
        self._show_status(self.ctx.sync_status)
        tr = self.tr
        self.attention.controls = [self._attention_card(item) for item in attention] or [
            widgets.muted(tr("Nothing needs your attention."))
        ]
        shown = [self._pending_row(item) for item in pending[:PENDING_SHOWN]]
        if len(pending) > PENDING_SHOWN:
            more = len(pending) - PENDING_SHOWN
            shown.append(widgets.muted(tr.ngettext("…and {num} more change.", "…and {num} more changes.", more)))
        self.pending.controls = shown or [widgets.muted(tr("Every change on this device has reached the server."))]

    def _show_status(self, status: SyncStatus) -> None:
        tr = self.tr
        self.headline.value = headline(status, datetime.now(UTC), tr)
        facts = []
        if status.last_success:
            facts.append(tr("Last successful sync {when}.", when=status.last_success))
        if status.last_error:
            facts.append(tr("Last problem: {problem}", problem=error_text(status.last_error, tr)))
        self.facts.value = " ".join(facts) or tr("No sync has finished yet on this device.")
        self.sign_in_again.visible = status.needs_sign_in

    async def status_changed(self, status: SyncStatus) -> None:
        if status.syncing:
            self._show_status(status)
            self.root.update()
            return
        await self._reload()

    async def _reload(self) -> None:
        try:
            await self.load()
        except Exception as error:
            self.ctx.report(error, self.tr("Could not read the sync queue."))
            return
        self.root.update()

    # --- rows --------------------------------------------------------------------------------------------------

    def _pending_row(self, item: PendingItem) -> ft.Control:
        tr = self.tr
        lines = [
            ft.Text(record_title(item.title, tr), weight=ft.FontWeight.W_600),
            widgets.muted(tr("Saved {when}", when=_moment(item.saved_at))),
        ]
        if item.last_problem:
            tries = tr.ngettext("Tried {num} time", "Tried {num} times", item.attempts)
            problem = error_text(item.last_problem, tr)
            lines.append(widgets.muted(tr("{tries}, last problem: {problem}", tries=tries, problem=problem)))
        return widgets.card(widgets.waiting_badge(tr), *lines)

    def _attention_card(self, item: AttentionItem) -> ft.Control:
        tr = self.tr
        lines: list[ft.Control] = [ft.Text(record_title(item.title, tr), weight=ft.FontWeight.W_600)]
        if item.problem == CONFLICT:
            lines.append(
                ft.Text(tr("Someone else changed this record on the server. Keep your version or the server's."))
            )
            lines.append(_comparison(item, tr))
            actions = [
                ft.FilledButton(tr("Keep mine"), on_click=self._act(keep_mine, item, tr("kept your version"))),
                ft.OutlinedButton(
                    tr("Keep server's"), on_click=self._act(keep_server, item, tr("kept the server's version"))
                ),
            ]
        else:
            lines.append(ft.Text(tr("The server did not accept this change. Fix it and save again, or discard it.")))
            lines.extend(ft.Text(f"• {line}", color=theme.ERROR_TEXT) for line in _reasons(item, tr))
            actions = [
                ft.FilledButton(tr("Open to fix"), icon=ft.Icons.EDIT, on_click=self._open(item)),
                ft.OutlinedButton(
                    tr("Retry"), icon=ft.Icons.REPLAY, on_click=self._act(retry, item, tr("queued it again"))
                ),
                ft.TextButton(tr("Discard"), icon=ft.Icons.DELETE_OUTLINE, on_click=self._confirm_discard(item)),
            ]
        lines.append(widgets.actions(*actions))
        problem = tr("Conflict") if item.problem == CONFLICT else tr("Not accepted")
        return widgets.card(widgets.badge(problem, theme.ATTENTION_TEXT, theme.ATTENTION_BACKGROUND), *lines)

    # --- actions -----------------------------------------------------------------------------------------------

    def _act(
        self, action: Callable[[Any, int], None], item: AttentionItem, done: str
    ) -> Callable[[ft.ControlEvent], Awaitable[None]]:
        title = record_title(item.title, self.tr)

        async def run(_event: ft.ControlEvent) -> None:
            try:
                await self.ctx.call(action, self.ctx.db, item.id)
            except Exception as error:
                self.ctx.report(error, self.tr("Could not resolve “{title}”.", title=title))
                return
            self.ctx.show_message(self.tr("“{title}”: {done}.", title=title, done=done))
            self.ctx.after_save()
            await self._reload()

        return run

    def _open(self, item: AttentionItem) -> Callable[[ft.ControlEvent], None]:
        route = f"/clients/{item.record_id}/edit" if item.entity == "client" else f"/sessions/{item.record_id}"
        return self.ctx.opener(route)

    def _confirm_discard(self, item: AttentionItem) -> Callable[[ft.ControlEvent], None]:
        tr = self.tr
        discard_now = self._act(discard, item, tr("discarded the change"))

        async def confirmed(event: ft.ControlEvent) -> None:
            self.ctx.page.pop_dialog()
            await discard_now(event)

        def ask(_event: ft.ControlEvent) -> None:
            self.ctx.page.show_dialog(
                ft.AlertDialog(
                    modal=True,
                    title=ft.Text(tr("Discard this change?")),
                    content=ft.Text(
                        tr(
                            "“{title}” will not reach the server. A new record leaves this device; an edited one "
                            "goes back to how it is on the server. This cannot be undone.",
                            title=record_title(item.title, tr),
                        )
                    ),
                    actions=[
                        ft.TextButton(tr("Cancel"), on_click=lambda _e: self.ctx.page.pop_dialog()),
                        ft.FilledButton(tr("Discard"), on_click=confirmed),
                    ],
                )
            )

        return ask


def record_title(title: RecordTitle, tr: Translator) -> str:
    """A queued record as a worker recognises it: "Amal Haddad", or "Direct Service · 2 déc. 2026 · Amal Haddad"."""
    if title.entity == "client":
        return title.name or tr("Unnamed client")
    kind = choice_label(SESSION_TYPES, title.session_type, tr) or tr("Session")
    when = tr.date(title.service_date) if title.service_date else tr("no date")
    who = title.name
    if not who and title.people:
        names = [name or tr("Unknown client") for name in title.people[:NAMES_IN_TITLE]]
        who = ", ".join(names)
        extra = len(title.people) - NAMES_IN_TITLE
        if extra > 0:
            who = tr.ngettext("{names} and {num} more", "{names} and {num} more", extra, names=who)
    return " · ".join(part for part in (kind, when, who) if part)


def _field_label(entity: str, name: str, tr: Translator) -> str:
    labels = CLIENT_FIELD_LABELS if entity == "client" else SESSION_FIELD_LABELS
    return tr(labels[name]) if name in labels else name.replace("_", " ").capitalize()


def _reasons(item: AttentionItem, tr: Translator) -> list[str]:
    if item.entity == "session":
        # Service-form problems are named by position ("client 2"): the names may not be on this device.
        return error_summary(item.reasons, [], tr) or [tr("The server gave no reason.")]
    reasons = [
        tr("{field}: {problem}", field=_field_label("client", r.field, tr), problem=error_text(r, tr))
        for r in item.reasons
    ]
    return reasons or [tr("The server gave no reason.")]


def _comparison(item: AttentionItem, tr: Translator) -> ft.Control:
    """Each differing field with both versions, stacked so it reads on a phone as well as a tablet."""
    if item.theirs is None:
        return widgets.muted(tr("The server no longer shows this record to you."))
    rows = [
        ft.Column(
            spacing=2,
            controls=[
                ft.Text(_field_label(item.entity, name, tr), weight=ft.FontWeight.W_600),
                ft.Text(tr("Mine: {value}", value=field_value(item.entity, name, item.mine.get(name), tr))),
                ft.Text(tr("Server's: {value}", value=field_value(item.entity, name, item.theirs.get(name), tr))),
            ],
        )
        for name in item.differences
    ]
    return ft.Column(spacing=8, controls=rows or [widgets.muted(tr("Both versions say the same."))])


def field_value(entity: str, name: str, value: object, tr: Translator) -> str:
    """One field of a record in its wire form, as the worker reads it: numbers and days written the language's way
    ("1 234", "2 déc. 2026"), yes or no, a count of nested items; long text cut short."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return yes_no(value, tr)
    if isinstance(value, int | float):
        return tr.number(value)
    if isinstance(value, str) and name in _day_fields(entity):
        return _day(value, tr)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        text = ", ".join(value) or "—"
    elif isinstance(value, list):
        text = tr.ngettext("{num} item", "{num} items", len(value))
    else:
        text = str(value)
    return text if len(text) <= VALUE_CHARACTERS_SHOWN else text[: VALUE_CHARACTERS_SHOWN - 1] + "…"


_WIRE_RECORDS: dict[str, type[msgspec.Struct]] = {"client": ClientData, "session": SessionData}


@functools.cache
def _day_fields(entity: str) -> frozenset[str]:
    """The wire fields of ``entity`` that hold a day (as ISO text on the wire), read from its record's definition."""
    fields = msgspec.structs.fields(_WIRE_RECORDS[entity]) if entity in _WIRE_RECORDS else ()
    return frozenset(field.encode_name for field in fields if date in (field.type, *get_args(field.type)))


def _day(value: str, tr: Translator) -> str:
    try:
        return tr.date(date.fromisoformat(value))
    except ValueError:  # not a day after all: shown as it came
        return value


def _moment(saved_at: str) -> datetime | str:
    """When an outbox entry was saved (stored as ISO text), as a moment to write the worker's way."""
    try:
        return datetime.fromisoformat(saved_at)
    except ValueError:
        return saved_at
