"""The sync state the top bar shows at a glance, in the words a worker reads."""

from dataclasses import dataclass
from datetime import datetime, timedelta

SIGN_IN_AGAIN = "Sign in again"


@dataclass(slots=True)
class SyncStatus:
    """``online`` is None until the first attempt tells; ``pending``/``needs_attention`` count outbox entries."""

    online: bool | None = None
    syncing: bool = False
    pending: int = 0
    needs_attention: int = 0
    last_success: datetime | None = None
    last_error: str = ""
    needs_sign_in: bool = False

    def headline(self, now: datetime) -> str:
        """The most useful single line, most urgent first: what the worker must do, then what is happening."""
        if self.syncing:
            return "Syncing…"
        if self.needs_sign_in:
            return SIGN_IN_AGAIN
        if self.needs_attention:
            verb = "needs" if self.needs_attention == 1 else "need"
            return f"{self.needs_attention} {verb} attention"
        if self.online is False:
            return f"Offline · {self.pending} waiting" if self.pending else "Offline"
        if self.last_error:
            return f"Sync failed · {self.pending} waiting" if self.pending else "Sync failed · retrying"
        if self.last_success is None:
            return "Not synced yet"
        synced = f"Synced {_ago(now - self.last_success)}"
        return f"{synced} · {self.pending} waiting" if self.pending else synced


def _ago(elapsed: timedelta) -> str:
    seconds = max(int(elapsed.total_seconds()), 0)
    if seconds < 60:
        return "just now"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min ago"
    hours = minutes // 60
    if hours < 24:
        return f"{hours} h ago"
    days = hours // 24
    return "1 day ago" if days == 1 else f"{days} days ago"
