"""The sync state the top bar shows at a glance, as facts (app/ui/sync_words.py says them in the worker's words)."""

from dataclasses import dataclass
from datetime import datetime

from app.domain.errors import FieldError


@dataclass(slots=True)
class SyncStatus:
    """``online`` is None until the first attempt tells; ``pending``/``needs_attention`` count outbox entries."""

    online: bool | None = None
    syncing: bool = False
    pending: int = 0
    needs_attention: int = 0
    last_success: datetime | None = None
    last_error: FieldError | None = None
    """Why the last attempt failed, as a problem the screens say in the worker's language."""
    needs_sign_in: bool = False
    refused: str = ""
    """The server's refusal (a ``RefusalCode``: ``device_revoked``, ``worker_deactivated``): it will not sync with
    this device, or this worker, again; the app removes what it must and asks for a sign-in."""
