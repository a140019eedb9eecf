"""A stand-in for the central server's sign-in: it answers like the real one, or fails the way a test tells it to."""

import secrets
from typing import Any

from sync.transport import Unauthorized

PASSWORDS = {"wlee": "correct horse", "jdoe": "battery staple", "tkaur": "purple tarmac"}
NAMES = {"wlee": "Wen Lee", "jdoe": "Jane Doe", "tkaur": "Tara Kaur"}
AGENCIES = {"tkaur": "agency-south"}  # everyone else is of agency-north


class AccountServer:
    """Answers sign-ins like the central server, or fails the way it is told to."""

    def __init__(self) -> None:
        self.failure: Exception | None = None
        self.passwords = dict(PASSWORDS)
        self.logins: list[dict[str, str]] = []
        self.logouts: list[str | None] = []
        self.issued = 0
        self.device_keys: dict[str, str] = {}
        self.roles: dict[str, str] = {}  # a worker's role when it is not "worker"
        self.agency_settings: dict[str, int] = {}  # device settings the agency record carries (none: the defaults)

    def transport(self, base_url: str, token: str | None = None) -> "AccountTransport":
        return AccountTransport(self, base_url, token)


class AccountTransport:
    def __init__(self, server: AccountServer, base_url: str, token: str | None) -> None:
        self.server, self.base_url, self.token = server, base_url, token

    def login(self, user_id: str, password: str, device_id: str, device_name: str) -> dict[str, Any]:
        if self.server.failure is not None:
            raise self.server.failure
        self.server.logins.append({"user_id": user_id, "device_id": device_id, "device_name": device_name})
        if self.server.passwords.get(user_id) != password:
            raise Unauthorized("Invalid user ID or password")
        self.server.issued += 1
        agency = AGENCIES.get(user_id, "agency-north")
        return {
            "token": f"token-{self.server.issued}",
            "expires_at": "2099-01-01T00:00:00+00:00",
            "worker": {
                "user_id": user_id,
                "name": NAMES[user_id],
                "role": self.server.roles.get(user_id, "worker"),
                "agency_id": agency,
            },
            "agency": {
                "id": agency,
                "name": "North Centre" if agency == "agency-north" else "South Centre",
                **self.server.agency_settings,
            },
            "device_key": self.server.device_keys.setdefault(device_id, secrets.token_urlsafe(32)),
        }

    def logout(self) -> None:
        if self.server.failure is not None:
            raise self.server.failure
        self.server.logouts.append(self.token)
