"""The Session form's two pick lists: the languages the service was given in, and the staff who see the session."""

from collections.abc import Sequence

from app.domain.sessions import Session
from app.ui.field_kit import ErrorTarget, PickList
from app.ui.screens.session_sections import Changed, SessionWords
from app.usecases.reference import Option


class Languages:
    """The languages the service was given in: "Add Language" → pick → "Update"."""

    def __init__(self, words: SessionWords, session: Session, languages: Sequence[Option], changed: Changed):
        tr = words.tr
        self.session = session
        self.changed = changed
        self.pick_list = PickList(
            tr,
            title=words.label("languages"),
            add_text=tr("Add Language"),
            picker_label=tr("Language"),
            choose_first=tr("Choose a language first."),
            kind="language",
            options=languages,
            codes=session.languages,
            on_change=self._changed,
        )
        self.pick_list.note.value = words.help("languages")
        self.control = self.pick_list.control

    def error_targets(self) -> dict[str, ErrorTarget]:
        return {"languages": self.pick_list.error}

    def _changed(self, codes: list[str]) -> None:
        self.session.languages = codes
        self.changed()


class Staff:
    """The workers who see the session on their dashboard; "Add Worker" only where another may be listed."""

    def __init__(self, words: SessionWords, session: Session, workers: Sequence[Option], changed: Changed):
        tr = self.tr = words.tr
        self.session = session
        self.changed = changed
        self.pick_list = PickList(
            tr,
            title=words.label("staff"),
            add_text=tr("Add Worker"),
            picker_label=tr("Worker"),
            choose_first=tr("Choose a worker first."),
            kind="worker",
            options=workers,
            codes=session.staff,
            on_change=self._changed,
        )
        self.explain()
        self.control = self.pick_list.control

    def error_targets(self) -> dict[str, ErrorTarget]:
        return {"staff": self.pick_list.error}

    def explain(self) -> None:
        """ "Add Worker" only where another worker may be listed: a Group Activity, or a session whose worker was
        removed (recording it for someone else); otherwise the note says why it is not offered."""
        group = self.session.is_group_activity
        self.pick_list.add_button.visible = group or not self.session.staff
        self.pick_list.note.value = (
            self.tr("Everyone listed sees this session on their dashboard.")
            if group or not self.session.staff
            else self.tr(
                "Only a Group Activity session can list more than one worker. "
                "To record this session for another worker, remove yourself first."
            )
        )

    def _changed(self, codes: list[str]) -> None:
        self.session.staff = codes
        self.explain()
        self.changed()
