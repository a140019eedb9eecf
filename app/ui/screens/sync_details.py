"""Sync details: what is waiting to reach the server, and what needs the worker to decide.

A refused change shows the server's reasons beside the field names the worker knows; a conflict shows both versions
of each field that differs, with "Keep mine" and "Keep server's". Nothing is dropped without the worker choosing it.
"""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import flet as ft

from app.ui import theme, widgets
from app.ui.context import AppContext
from app.ui.forms import SESSION_FIELD_LABELS, error_summary
from app.ui.screens.client_form import CLIENT_FIELD_LABELS
from app.usecases.attention import (
    CONFLICT,
    AttentionItem,
    PendingItem,
    discard,
    keep_mine,
    keep_server,
    needs_attention,
    pending_items,
    retry,
)
from sync.status import SyncStatus

PENDING_SHOWN = 50
VALUE_CHARACTERS_SHOWN = 160


def _load(ctx: AppContext) -> tuple[list[AttentionItem], list[PendingItem]]:
    return needs_attention(ctx.db), pending_items(ctx.db)


async def sync_details_view(ctx: AppContext) -> ft.Control:
    details = _SyncDetails(ctx)
    await details.load()
    ctx.watch_status(details.status_changed, while_on_screen=True)
    return details.root


class _SyncDetails:
    def __init__(self, ctx: AppContext):
        self.ctx = ctx
        self.headline = ft.Text(theme_style=ft.TextThemeStyle.TITLE_MEDIUM, weight=ft.FontWeight.W_600)
        self.facts = widgets.muted("")
        self.attention = ft.Column(spacing=12)
        self.pending = ft.Column(spacing=8)
        self.sign_in_again = ft.FilledButton("Sign in again", icon=ft.Icons.LOGIN, on_click=ctx.sign_out, visible=False)
        self.root = widgets.screen(
            ft.Column(spacing=8, controls=[self.headline, self.facts, self.sign_in_again]),
            widgets.actions(ft.FilledButton("Sync now", icon=ft.Icons.SYNC, on_click=lambda _e: ctx.sync_now())),
            widgets.section("Needs attention", self.attention),
            widgets.section("Waiting to sync", self.pending),
        )

    async def load(self) -> None:
        attention, pending = await self.ctx.call(_load, self.ctx)
        self._show_status(self.ctx.sync_status)
        self.attention.controls = [self._attention_card(item) for item in attention] or [
            widgets.muted("Nothing needs your attention.")
        ]
        shown = [self._pending_row(item) for item in pending[:PENDING_SHOWN]]
        if len(pending) > PENDING_SHOWN:
            shown.append(widgets.muted(f"…and {len(pending) - PENDING_SHOWN} more changes."))
        self.pending.controls = shown or [widgets.muted("Every change on this device has reached the server.")]

    def _show_status(self, status: SyncStatus) -> None:
        self.headline.value = status.headline(datetime.now(UTC))
        facts = []
        if status.last_success:
            facts.append(f"Last successful sync {status.last_success.astimezone():%Y-%m-%d %H:%M}.")
        if status.last_error:
            facts.append(f"Last problem: {status.last_error}")
        self.facts.value = " ".join(facts) or "No sync has finished yet on this device."
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
            self.ctx.report(error, "read the sync queue")
            return
        self.root.update()

    # --- rows --------------------------------------------------------------------------------------------------

    def _pending_row(self, item: PendingItem) -> ft.Control:
        lines = [ft.Text(item.title, weight=ft.FontWeight.W_600), widgets.muted(f"Saved {item.saved_at[:16]}")]
        if item.last_error:
            lines.append(widgets.muted(f"Tried {item.attempts}×, last problem: {item.last_error}"))
        return widgets.card(widgets.waiting_badge(), *lines)

    def _attention_card(self, item: AttentionItem) -> ft.Control:
        lines: list[ft.Control] = [
            ft.Text(item.title, weight=ft.FontWeight.W_600),
            ft.Text(item.explanation),
        ]
        if item.problem == CONFLICT:
            lines.append(_comparison(item))
            actions = [
                ft.FilledButton("Keep mine", on_click=self._act(keep_mine, item, "kept your version")),
                ft.OutlinedButton("Keep server's", on_click=self._act(keep_server, item, "kept the server's version")),
            ]
        else:
            lines.extend(ft.Text(f"• {line}", color=theme.ERROR_TEXT) for line in _reasons(item))
            actions = [
                ft.FilledButton("Open to fix", icon=ft.Icons.EDIT, on_click=self._open(item)),
                ft.OutlinedButton("Retry", icon=ft.Icons.REPLAY, on_click=self._act(retry, item, "queued it again")),
                ft.TextButton("Discard", icon=ft.Icons.DELETE_OUTLINE, on_click=self._confirm_discard(item)),
            ]
        lines.append(widgets.actions(*actions))
        badge = widgets.badge(
            "Conflict" if item.problem == CONFLICT else "Not accepted", theme.ATTENTION_TEXT, theme.ATTENTION_BACKGROUND
        )
        return widgets.card(badge, *lines)

    # --- actions -----------------------------------------------------------------------------------------------

    def _act(
        self, action: Callable[[Any, int], None], item: AttentionItem, done: str
    ) -> Callable[[ft.ControlEvent], Awaitable[None]]:
        async def run(_event: ft.ControlEvent) -> None:
            try:
                await self.ctx.call(action, self.ctx.db, item.id)
            except Exception as error:
                self.ctx.report(error, f"resolve “{item.title}”")
                return
            self.ctx.show_message(f"“{item.title}”: {done}.")
            self.ctx.after_save()
            await self._reload()

        return run

    def _open(self, item: AttentionItem) -> Callable[[ft.ControlEvent], None]:
        route = f"/clients/{item.record_id}/edit" if item.entity == "client" else f"/sessions/{item.record_id}"
        return self.ctx.opener(route)

    def _confirm_discard(self, item: AttentionItem) -> Callable[[ft.ControlEvent], None]:
        discard_now = self._act(discard, item, "discarded the change")

        async def confirmed(event: ft.ControlEvent) -> None:
            self.ctx.page.pop_dialog()
            await discard_now(event)

        def ask(_event: ft.ControlEvent) -> None:
            self.ctx.page.show_dialog(
                ft.AlertDialog(
                    modal=True,
                    title=ft.Text("Discard this change?"),
                    content=ft.Text(
                        f"“{item.title}” will not reach the server. A new record leaves this device; an edited one "
                        "goes back to how it is on the server. This cannot be undone."
                    ),
                    actions=[
                        ft.TextButton("Cancel", on_click=lambda _e: self.ctx.page.pop_dialog()),
                        ft.FilledButton("Discard", on_click=confirmed),
                    ],
                )
            )

        return ask


def _field_label(entity: str, name: str) -> str:
    labels = CLIENT_FIELD_LABELS if entity == "client" else SESSION_FIELD_LABELS
    return labels.get(name, name.replace("_", " ").capitalize())


def _reasons(item: AttentionItem) -> list[str]:
    if item.entity == "session":
        # Service-form problems are named by position ("client 2"): the names may not be on this device.
        return error_summary(item.reasons, []) or ["The server gave no reason."]
    return [f"{_field_label('client', r.field)}: {r.message}" for r in item.reasons] or ["The server gave no reason."]


def _comparison(item: AttentionItem) -> ft.Control:
    """Each differing field with both versions, stacked so it reads on a phone as well as a tablet."""
    if item.theirs is None:
        return widgets.muted("The server no longer shows this record to you.")
    rows = [
        ft.Column(
            spacing=2,
            controls=[
                ft.Text(_field_label(item.entity, name), weight=ft.FontWeight.W_600),
                ft.Text(f"Mine: {_shown(item.mine.get(name))}"),
                ft.Text(f"Server's: {_shown(item.theirs.get(name))}"),
            ],
        )
        for name in item.differences
    ]
    return ft.Column(spacing=8, controls=rows or [widgets.muted("Both versions say the same.")])


def _shown(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        text = ", ".join(value) or "—"
    elif isinstance(value, list):
        text = f"{len(value)} item{'s' if len(value) != 1 else ''}"
    else:
        text = str(value)
    return text if len(text) <= VALUE_CHARACTERS_SHOWN else text[: VALUE_CHARACTERS_SHOWN - 1] + "…"
