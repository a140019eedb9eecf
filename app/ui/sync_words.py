"""The sync state in the words a worker reads: the top bar's one line, and the Sync screen's.

``SyncStatus`` (sync/status.py) holds only facts (counts, times, flags); this module says them in the worker's
language, most urgent first: what the worker must do, then what is happening.
"""

from datetime import datetime, timedelta

from app.i18n import Translator
from app.usecases.device import SyncStatus


def headline(status: SyncStatus, now: datetime, tr: Translator) -> str:
    """The most useful single line: "Syncing…", "Sign in again", "2 need attention", "Offline · 3 waiting"…"""
    if status.syncing:
        return tr("Syncing…")
    if status.needs_sign_in:
        return tr("Sign in again")
    if status.needs_attention:
        return tr.ngettext("{num} needs attention", "{num} need attention", status.needs_attention)
    if status.online is False:
        return _with_waiting(tr("Offline"), status.pending, tr)
    if status.last_error:
        return _with_waiting(tr("Sync failed"), status.pending, tr) if status.pending else tr("Sync failed · retrying")
    if status.last_success is None:
        return tr("Not synced yet")
    return _with_waiting(tr("Synced {when}", when=ago(now - status.last_success, tr)), status.pending, tr)


def _with_waiting(state: str, pending: int, tr: Translator) -> str:
    if not pending:
        return state
    return tr("{state} · {waiting}", state=state, waiting=tr.ngettext("{num} waiting", "{num} waiting", pending))


def ago(elapsed: timedelta, tr: Translator) -> str:
    """How long ago, as short as the top bar needs it: "just now", "2 min ago", "5 h ago", "3 days ago"."""
    seconds = max(int(elapsed.total_seconds()), 0)
    if seconds < 60:
        return tr("just now")
    minutes = seconds // 60
    if minutes < 60:
        return tr("{num} min ago", num=minutes)
    hours = minutes // 60
    if hours < 24:
        return tr("{num} h ago", num=hours)
    return tr.ngettext("{num} day ago", "{num} days ago", hours // 24)
