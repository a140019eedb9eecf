"""The top bar's one-line sync state, in English and French."""

from datetime import UTC, datetime, timedelta

import pytest

from app.i18n import translator
from app.ui.sync_words import headline
from sync.status import SyncStatus
from sync.transport import SERVER_FAILED

NOW = datetime(2025, 3, 10, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (SyncStatus(), "Not synced yet"),
        (SyncStatus(online=False, pending=3), "Offline · 3 waiting"),
        (SyncStatus(online=False), "Offline"),
        (SyncStatus(online=True, syncing=True, pending=3), "Syncing…"),
        (SyncStatus(online=True, last_success=NOW - timedelta(minutes=2)), "Synced 2 min ago"),
        (SyncStatus(online=True, last_success=NOW - timedelta(seconds=20)), "Synced just now"),
        (SyncStatus(online=True, last_success=NOW - timedelta(hours=5)), "Synced 5 h ago"),
        (SyncStatus(online=True, last_success=NOW - timedelta(days=1, hours=2)), "Synced 1 day ago"),
        (SyncStatus(online=True, last_success=NOW - timedelta(days=3)), "Synced 3 days ago"),
        (SyncStatus(online=True, pending=2, last_success=NOW - timedelta(minutes=7)), "Synced 7 min ago · 2 waiting"),
        (SyncStatus(online=False, needs_attention=2, pending=3), "2 need attention"),
        (SyncStatus(online=True, needs_attention=1), "1 needs attention"),
        (SyncStatus(online=True, needs_sign_in=True, needs_attention=1), "Sign in again"),
        (SyncStatus(last_error=SERVER_FAILED.at("", http_status=503), pending=4), "Sync failed · 4 waiting"),
    ],
)
def test_headline_says_the_most_useful_thing_first(status: SyncStatus, expected: str) -> None:
    assert headline(status, NOW, translator("en")) == expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (SyncStatus(online=False, pending=1), "Hors ligne · 1 en attente"),
        (SyncStatus(online=True, last_success=NOW - timedelta(seconds=20)), "Synchronisé à l'instant"),
        (SyncStatus(online=True, last_success=NOW - timedelta(days=1, hours=2)), "Synchronisé il y a 1 jour"),
        (SyncStatus(online=True, last_success=NOW - timedelta(days=3)), "Synchronisé il y a 3 jours"),
        (SyncStatus(online=True, needs_attention=1), "1 à régler"),
        (SyncStatus(online=True, needs_attention=2), "2 à régler"),
        (SyncStatus(online=True, pending=1234, last_success=NOW), "Synchronisé à l'instant · 1\u00a0234 en attente"),
    ],
)
def test_headline_in_french_counts_the_french_way(status: SyncStatus, expected: str) -> None:
    """French counts 0 and 1 alike (singular) and writes thousands with a no-break space."""
    assert headline(status, NOW, translator("fr")) == expected
