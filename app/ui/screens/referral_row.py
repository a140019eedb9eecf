"""One "Referrals" row of the service form: who the client was referred to, why, and when to follow up."""

from collections.abc import Callable

import flet as ft

from app.ui import widgets
from app.ui.context import AppContext
from app.ui.field_kit import HALF
from app.ui.forms import REFERRAL_FIELD_LABELS, ReferralDraft


class ReferralRow:
    """One "Referrals" row: who the client was referred to, why, and when to follow up."""

    def __init__(
        self, ctx: AppContext, draft: ReferralDraft, on_remove: Callable[[], None], on_edit: Callable[[], None]
    ):
        tr = self.tr = ctx.tr
        self.draft = draft
        self.to = ft.TextField(label=tr(REFERRAL_FIELD_LABELS["to"]), value=draft.to, on_change=self._typed, col=HALF)
        self.reason = ft.TextField(
            label=tr(REFERRAL_FIELD_LABELS["reason"]), value=draft.reason, on_change=self._typed, col=HALF
        )
        self.follow_up = widgets.DateInput(
            ctx.page, tr, tr(REFERRAL_FIELD_LABELS["follow_up_date"]), on_change=self._date_changed
        )
        self.follow_up.field.value = draft.follow_up_text
        self.follow_up.field.on_change = self._typed
        self.on_edit = on_edit
        self.control = ft.Container(
            border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
            border_radius=8,
            padding=12,
            content=ft.ResponsiveRow(
                [
                    self.to,
                    self.reason,
                    ft.Container(content=self.follow_up.control, col=HALF),
                    ft.Container(
                        content=ft.TextButton(tr("Remove"), icon=ft.Icons.CLOSE, on_click=on_remove),
                        col=HALF,
                        alignment=ft.Alignment.CENTER_RIGHT,
                    ),
                ]
            ),
        )

    def _typed(self) -> None:
        self.draft.to = self.to.value
        self.draft.reason = self.reason.value
        self.draft.follow_up_text = self.follow_up.field.value
        self.to.error = None
        self.on_edit()

    def _date_changed(self, _picked: object) -> None:
        self._typed()

    def show_errors(self, by_field: dict[str, str]) -> None:
        """``by_field``: this row's problems, already in the worker's language."""
        self.to.error = by_field.get("to")
        self.follow_up.set_error(by_field.get("follow_up_date"))
