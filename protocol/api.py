"""Where the endpoints are and what each side may send: the limits the server enforces and the device respects."""

from typing import Final

API_PREFIX: Final = "/api/v1"
HEALTH_PATH: Final = "/health"
LOGIN_PATH: Final = "/auth/login"
LOGOUT_PATH: Final = "/auth/logout"
PUSH_PATH: Final = "/sync/push"
PULL_PATH: Final = "/sync/pull"

MAX_CHANGES_PER_PUSH: Final = 500
DEFAULT_PULL_LIMIT: Final = 1_000
MAX_PULL_LIMIT: Final = 5_000
MAX_BODY_BYTES: Final = 16 * 1024 * 1024
"""A request body's size limit, as sent and once inflated from gzip."""

# Sent by the device on every call (the version) and on every call with a token (the changes it holds unsent); the
# server's device list shows them. A call without the version comes from an app older than these additions, and a
# refusal it would not understand is answered 401 instead of 403 (see ``enums.RefusalCode``).
APP_VERSION_HEADER: Final = "Outpost-App-Version"
PENDING_CHANGES_HEADER: Final = "Outpost-Pending-Changes"
