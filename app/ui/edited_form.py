"""The save-and-leave flow the session and service forms share: an edit marks the form unsaved and clears the
edited field's old complaint, and leaving with unsaved edits saves them first or asks before leaving them behind.
The question itself (``confirm_leaving``) is the client form's too.
"""

import asyncio
from collections.abc import Callable

import flet as ft

from app.ui.context import AppContext
from app.ui.field_kit import ErrorTarget, show_error


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
        return await confirm_leaving(
            self.ctx,
            tr(
                "Your latest changes cannot be saved yet: the problems are shown on the form. "
                "If you leave now, they are lost; what was saved before stays."
            ),
            stay=tr("Stay and fix"),
        )


async def confirm_leaving(ctx: AppContext, explanation: str, *, stay: str) -> bool:
    """Ask "Leave without saving?": True when the worker chooses to leave what they typed behind."""
    tr = ctx.tr
    choice: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def choose(leave: bool) -> Callable[[ft.ControlEvent], None]:
        def chosen(_event: ft.ControlEvent) -> None:
            ctx.page.pop_dialog()
            if not choice.done():
                choice.set_result(leave)

        return chosen

    ctx.page.show_dialog(
        ft.AlertDialog(
            modal=True,
            title=ft.Text(tr("Leave without saving?")),
            content=ft.Text(explanation),
            actions=[
                ft.FilledButton(stay, on_click=choose(False)),
                ft.TextButton(tr("Leave without saving"), on_click=choose(True)),
            ],
        )
    )
    return await choice
