"""Sign in: "User ID", "Password", "Sign in", the "Server" to use, and the language switch ("Français" / "English").

The first sign-in on a device needs the server; after that the password is checked against this device's copy when
the server cannot be reached, so a worker in a basement with no signal can still start recording.

The language switch is a button named by the language it switches to, at the top where a worker who cannot read
the screen's language looks first. What was typed survives the switch (the shell redraws the screen around the same
``SignInDraft``). A language chosen here becomes the worker's own once they sign in; otherwise their earlier choice
on this device wins.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import flet as ft

from app.i18n import ENGLISH, FRENCH, LANGUAGES
from app.ui import theme, widgets
from app.ui.context import AppContext
from app.ui.messages import error_text
from app.usecases.accounts import SignedIn, SignInFailed

FORM_WIDTH = 420
DRAFT_KEY = "sign-in"
SignedInHandler = Callable[[str | None], Awaitable[None]]
"""Called after a sign-in with a note for the worker (or None), to be shown once the next screen is up."""


@dataclass(slots=True)
class SignInDraft:
    """What the worker typed, kept while the screen is redrawn in another language."""

    user_id: str = ""
    password: str = ""
    server: str = ""
    language_chosen: bool = False


def device_name(page: ft.Page) -> str:
    """How this device is listed on the server and on My Profile: "Outpost web (linux)", "Outpost (android)". It is
    stored once and read in either language, so it holds no words of one."""
    platform = page.platform.value if page.platform else "?"
    return f"Outpost{' web' if page.web else ''} ({platform})"


def sign_in_view(ctx: AppContext, on_signed_in: SignedInHandler) -> ft.Control:
    draft = ctx.remembered.setdefault(DRAFT_KEY, SignInDraft(server=ctx.server_url))
    return _SignIn(ctx, draft, on_signed_in).build()


def other_language(language: str) -> str:
    return FRENCH if language == ENGLISH else ENGLISH


def language_switch(ctx: AppContext, on_switch: Callable[[str], Awaitable[None]]) -> ft.Control:
    """The button that switches to the other language, named in that language ("Français" on English screens)."""
    target = other_language(ctx.tr.language)

    async def switch(_event: ft.ControlEvent) -> None:
        await on_switch(target)

    return ft.Semantics(
        identifier=f"language-{target}",
        content=ft.OutlinedButton(LANGUAGES[target], icon=ft.Icons.TRANSLATE, on_click=switch),
    )


class _SignIn:
    def __init__(self, ctx: AppContext, draft: SignInDraft, on_signed_in: SignedInHandler):
        tr = ctx.tr
        self.ctx = ctx
        self.draft = draft
        self.on_signed_in = on_signed_in
        self.user_id = ft.TextField(
            label=tr("User ID"), value=draft.user_id, on_submit=self._submit, on_change=self._typed, autocorrect=False
        )
        self.password = ft.TextField(
            label=tr("Password"),
            value=draft.password,
            password=True,
            can_reveal_password=True,
            on_submit=self._submit,
            on_change=self._typed,
        )
        self.server = ft.TextField(
            label=tr("Server"),
            value=draft.server,
            keyboard_type=ft.KeyboardType.URL,
            helper=tr("Your agency's central server. Ask your administrator if unsure."),
            helper_max_lines=widgets.ERROR_LINES,  # wraps on a phone instead of ending in "…"
            autocorrect=False,
            on_change=self._typed,
        )
        self.problem = ft.Text(color=theme.ERROR_TEXT, visible=False)
        self.button = ft.FilledButton(tr("Sign in"), icon=ft.Icons.LOGIN, on_click=self._submit)
        self.progress = ft.ProgressBar(visible=False)

    def build(self) -> ft.Control:
        tr = self.ctx.tr
        return ft.Container(
            width=FORM_WIDTH,
            padding=ft.Padding.only(top=24),
            content=ft.Column(
                spacing=16,
                horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
                controls=[
                    ft.Row(
                        alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
                        controls=[
                            ft.Text(
                                "Outpost", theme_style=ft.TextThemeStyle.HEADLINE_MEDIUM, weight=ft.FontWeight.W_600
                            ),
                            language_switch(self.ctx, self._switch_language),
                        ],
                    ),
                    widgets.muted(
                        tr("Record sessions anywhere. Your work is saved on this device and syncs by itself.")
                    ),
                    self.user_id,
                    self.password,
                    self.problem,
                    self.progress,
                    self.button,
                    ft.Text(tr("Server settings"), theme_style=ft.TextThemeStyle.TITLE_SMALL),
                    self.server,
                ],
            ),
        )

    def _typed(self, _event: ft.ControlEvent) -> None:
        self.draft.user_id = self.user_id.value or ""
        self.draft.password = self.password.value or ""
        self.draft.server = self.server.value or ""

    async def _switch_language(self, language: str) -> None:
        self.draft.language_chosen = True
        await self.ctx.switch_language(language)

    async def _submit(self, _event: ft.ControlEvent) -> None:
        self._typed(_event)
        self._busy(True)
        try:
            signed = await self.ctx.call(
                self.ctx.device.sign_in,
                self.draft.server.strip(),
                self.draft.user_id,
                self.draft.password,
                device_name(self.ctx.page),
            )
        except SignInFailed as failed:
            reason = {"reason": error_text(failed.reason, self.ctx.tr)} if failed.reason else {}
            self._show_problem(self.ctx.tr(failed.message, **failed.params, **reason))
            return
        except Exception as error:
            self.ctx.report(error, self.ctx.tr("Could not sign in."))
            self._show_problem(
                self.ctx.tr("Something went wrong while signing in. Try again; if it keeps happening, tell support.")
            )
            return
        finally:
            self._busy(False)
        await self._welcome(signed)

    async def _welcome(self, signed: SignedIn) -> None:
        await self._settle_language(signed.actor.user_id)
        self.ctx.remembered.pop(DRAFT_KEY, None)
        await self.ctx.begin_work(signed.actor)
        offline_note = self.ctx.tr(
            "Signed in on this device: the server is out of reach. Your work is saved here and syncs later."
        )
        await self.on_signed_in(None if signed.online else offline_note)

    async def _settle_language(self, user_id: str) -> None:
        """A language chosen on this screen becomes the worker's; otherwise their own earlier choice applies."""
        if not self.draft.language_chosen:
            own = await self.ctx.call(self.ctx.device.preferred_language, user_id)
            if own is not None:
                self.ctx.use_language(own)
        await self.ctx.call(self.ctx.device.remember_language, self.ctx.tr.language, user_id)

    def _busy(self, busy: bool) -> None:
        self.button.disabled = busy
        self.progress.visible = busy
        if busy:
            self.problem.visible = False
        self.button.update()
        self.progress.update()
        self.problem.update()

    def _show_problem(self, message: str) -> None:
        self.problem.value = message
        self.problem.visible = True
        self.problem.update()
