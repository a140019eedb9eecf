"""A browser on the console, as far as the server can tell: cookies, forms with their CSRF token, redirects shown.

Pages are fetched and forms sent exactly as a browser would (the token is read from the page that shows the form),
so a test of an action also checks that the page offering it carries a working form.
"""

import re
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

CONSOLE = "/console"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_TAGS = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")


def visible_text(html: str) -> str:
    """The words of a page, roughly as read aloud (tags dropped, spaces collapsed, entities kept simple)."""
    return _SPACES.sub(" ", _TAGS.sub(" ", html)).replace("&#39;", "'").replace("&amp;", "&").strip()


class ConsoleBrowser:
    """On the app in this process (``app``), or on a running server (``base_url`` alone)."""

    def __init__(self, app: FastAPI | None = None, *, base_url: str = "http://testserver"):
        if app is None:
            self.client: httpx.Client = httpx.Client(base_url=base_url, follow_redirects=False, timeout=60)
        else:
            self.client = TestClient(app, base_url=base_url, follow_redirects=False)

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.client.get(CONSOLE + path, params=params or None)

    def token(self, page_path: str) -> str:
        """The CSRF token of the forms on ``page_path``."""
        page = self.get(page_path)
        assert page.status_code == 200, (page_path, page.status_code, page.text[:500])
        match = _TOKEN.search(page.text)
        assert match is not None, f"no form on {page_path}"
        return match.group(1)

    def post(self, path: str, data: dict[str, str] | None = None, *, form_on: str, **extra: Any) -> httpx.Response:
        """Send the form at ``path`` the way the page ``form_on`` offers it."""
        fields = {"csrf_token": self.token(form_on), **(data or {})}
        return self.client.post(CONSOLE + path, data=fields, **extra)

    def sign_in(self, user_id: str, password: str, *, next_path: str = "") -> httpx.Response:
        return self.post("/sign-in", {"user_id": user_id, "password": password, "next": next_path}, form_on="/sign-in")

    def signed_in_as(self, user_id: str, password: str) -> "ConsoleBrowser":
        response = self.sign_in(user_id, password)
        assert response.status_code == 303, visible_text(response.text)
        return self
