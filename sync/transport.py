"""Talking to the central server over HTTP, with every failure turned into one of a few typed exceptions.

The engine and the runner decide what to do from the exception's type alone (wait and retry, ask the worker to
sign in again, pull everything again), so nothing above this module looks at status codes or ``requests`` errors.
What the worker reads of a failure (the Sync screen's "last problem", a refused sign-in) is the exception's
``problem``: a code with its values, declared here like the domain's problems, so the screen says it in the
worker's language (``app.ui.messages.error_text``); ``str()`` of the exception is the English, for logs.
"""

import gzip
import importlib.metadata
import ipaddress
import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests

from app.domain.errors import FieldError, Problem
from app.domain.errors import problem as declare
from app.domain.words import N_
from protocol import codec
from protocol.api import (
    API_PREFIX,
    APP_VERSION_HEADER,
    HEALTH_PATH,
    LOGIN_PATH,
    LOGOUT_PATH,
    PENDING_CHANGES_HEADER,
    PULL_PATH,
    PUSH_PATH,
)
from protocol.enums import RefusalCode

DEFAULT_TIMEOUT = (5.0, 30.0)  # (connect, read) seconds: fail fast on no network, allow a slow big page
# zlib's usual default: level 9 took twice as long for a few percent fewer bytes on a 500-session push.
GZIP_LEVEL = 6


def _app_version() -> str:
    try:
        return importlib.metadata.version("outpost")
    except importlib.metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


APP_VERSION = _app_version()


# What a worker may read of a failure to talk to the server.
NOT_SIGNED_IN_ON_SERVER = declare("sync.not_signed_in", N_("Not signed in on the server."))
SIGN_IN_REFUSED = declare("sync.sign_in_refused", N_("The server no longer accepts this sign-in. Sign in again."))
UNREACHABLE = declare("sync.unreachable", N_("Cannot reach the server."))
CONNECTION_FAILED = declare("sync.connection_failed", N_("The connection to the server failed."))
UNTRUSTED = declare("sync.untrusted", N_("The server's certificate is not trusted; nothing was sent."))
INSECURE = declare(
    "sync.insecure",
    N_(
        "This server address is not secure (http://). Passwords travel only over https://, or over http:// to "
        "this computer or a private network address (such as 192.168.1.20). Ask your administrator for the "
        "https:// address."
    ),
)
SERVER_FAILED = declare("sync.server_failed", N_("The server had a problem (error {http_status})."))
SLOW_DOWN = declare("sync.slow_down", N_("The server asked to slow down."))
REQUEST_TOO_LARGE = declare("sync.too_large", N_("The request is too large for the server."))
DEVICE_REPORTED_LOST = declare("sync.device_revoked", N_("The server says this device was reported lost."))
WORKER_NO_LONGER_ACTIVE = declare("sync.worker_deactivated", N_("The server says this account is no longer active."))
CURSOR_EXPIRED = declare("sync.cursor_expired", N_("The server no longer keeps the changes this device asked for."))
REQUEST_REFUSED = declare("sync.refused", N_("The server refused the request (error {http_status}): {answer}"))
NOT_JSON = declare("sync.answer.not_json", N_("The server's answer is not JSON."))
NOT_AN_OBJECT = declare("sync.answer.not_object", N_("The server's answer is not a JSON object."))
NO_TOKEN = declare("sync.answer.no_token", N_("The server's sign-in answer has no token."))
PUSH_RESULTS_MISSING = declare(
    "sync.answer.push_results", N_("The server's push answer does not have one result per change.")
)
PULL_PAGE_MALFORMED = declare("sync.answer.pull_page", N_("The server's pull answer lacks changes or a cursor."))


class TransportError(Exception):
    """Any reason a request to the server did not produce a usable answer.

    ``problem`` is what the worker reads: ``reason``, a problem declared above filled in with ``params``, or a
    message written elsewhere (one of the catalog's, or a test's) shown as it is."""

    default: Problem | None = None
    """The reason of an exception raised without one."""

    def __init__(self, reason: Problem | str = "", /, **params: str | int):
        if reason == "" and self.default is not None:
            reason = self.default
        self.problem = reason.at("", **params) if isinstance(reason, Problem) else FieldError("", reason)
        super().__init__(self.problem.message)


class Offline(TransportError):
    """The server could not be reached, or stopped answering (no network, refused, timed out, dropped)."""

    default = UNREACHABLE


class UntrustedServer(Offline):
    """The server's TLS certificate could not be verified: a wrong address, a misconfigured server, a captive
    portal or someone in the middle. Nothing was sent; the device treats the server as out of reach."""

    default = UNTRUSTED


class ServerError(TransportError):
    """The server answered 5xx: it is there but failing; try again later. ``retry_after_seconds`` is the
    Retry-After of a 503 (a busy server says when to come back), when it gave one."""

    def __init__(self, reason: Problem | str = "", retry_after_seconds: float | None = None, **params: str | int):
        super().__init__(reason, **params)
        self.retry_after_seconds = retry_after_seconds


class Throttled(TransportError):
    """The server answered 429; ``retry_after_seconds`` is its Retry-After, when it gave one."""

    default = SLOW_DOWN

    def __init__(self, reason: Problem | str = "", retry_after_seconds: float | None = None, **params: str | int):
        super().__init__(reason, **params)
        self.retry_after_seconds = retry_after_seconds


class Unauthorized(TransportError):
    """401: the credentials or token are not accepted; only signing in again helps."""

    default = SIGN_IN_REFUSED


class DeviceRevoked(TransportError):
    """403 ``device_revoked``: the administrator reported this device lost; it must delete all its data."""

    default = DEVICE_REPORTED_LOST


class WorkerDeactivated(TransportError):
    """403 ``worker_deactivated``: this worker left; the device must remove their key (their work was pushed)."""

    default = WORKER_NO_LONGER_ACTIVE


class TooLarge(TransportError):
    """413: the request is over the server's size limit; the same changes must go in smaller pushes."""

    default = REQUEST_TOO_LARGE


class CursorExpired(TransportError):
    """410: the server no longer keeps changes back to this cursor; the device must pull everything again."""

    default = CURSOR_EXPIRED


class ProtocolError(TransportError):
    """Another 4xx, or an answer that is not what the protocol promises; ``detail`` says what the server said."""

    def __init__(self, reason: Problem | str = "", status: int | None = None, detail: Any = None, **params: str | int):
        super().__init__(reason, **params)
        self.status = status
        self.detail = detail


class InsecureServer(TransportError):
    """The server's address would carry a password or token in clear text across networks we do not control."""

    default = INSECURE


# Where plain http:// may carry a password: this computer, and the private address ranges a LAN or VPN uses.
_PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in ("127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
                    "::1/128", "fc00::/7", "fe80::/10")
)  # fmt: skip


def refuse_insecure_server(base_url: str) -> None:
    """Raise InsecureServer unless ``base_url`` is https://, or http:// to a loopback or private address literal.

    A host name is judged by its name alone, never by what it resolves to today: a name can be made to resolve
    anywhere. ``localhost`` is loopback by definition (RFC 6761).
    """
    parts = urlsplit(base_url)
    if parts.scheme == "https":
        return
    host = (parts.hostname or "").lower()
    if parts.scheme == "http" and (host == "localhost" or host.endswith(".localhost") or _is_private_address(host)):
        return
    raise InsecureServer()


def _is_private_address(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in _PRIVATE_NETWORKS)


class Transport(Protocol):
    """What the sync engine and sign-in need from a server connection (HTTP here, in-memory fakes in tests)."""

    token: str | None
    pending_changes: int | None
    """How many changes the device holds unsent; reported to the server with each call that carries the token."""

    def health(self) -> dict[str, Any]: ...

    def login(self, user_id: str, password: str, device_id: str, device_name: str) -> dict[str, Any]: ...

    def logout(self) -> None: ...

    def push(self, device_id: str, changes: list[dict[str, Any]]) -> list[dict[str, Any]]: ...

    def pull(self, cursor: str | None, limit: int) -> dict[str, Any]: ...


PUSH_HEADERS = {"Content-Type": "application/json", "Content-Encoding": "gzip"}


def push_body(device_id: str, changes: list[dict[str, Any]]) -> bytes:
    """A push request's body as the app sends it: the envelope as JSON, gzip-compressed (sent with PUSH_HEADERS)."""
    return gzip.compress(codec.dumps_bytes({"device_id": device_id, "changes": changes}), compresslevel=GZIP_LEVEL)


def push_results(answer: dict[str, Any], sent: int) -> list[dict[str, Any]]:
    """The results of a push answer, checked to hold one per change sent."""
    results = answer.get("results")
    if not isinstance(results, list) or len(results) != sent:
        raise ProtocolError(PUSH_RESULTS_MISSING, 200, answer)
    return results


def pull_params(cursor: str | None, limit: int) -> dict[str, Any]:
    """A pull's query: the page size, and the cursor unless this is a pull from the beginning."""
    return {"limit": limit, "cursor": cursor} if cursor else {"limit": limit}


def pull_page(answer: dict[str, Any]) -> dict[str, Any]:
    """A pull answer, checked to hold a list of changes and a cursor."""
    if not isinstance(answer.get("changes"), list) or not isinstance(answer.get("cursor"), str):
        raise ProtocolError(PULL_PAGE_MALFORMED, 200, answer)
    return answer


class HttpTransport:
    """Protocol v1 over ``requests``. ``login`` keeps the token it receives for the calls that follow.

    A password or token is never sent to an insecure address (see ``refuse_insecure_server``) unless the app was
    started with ``--allow-insecure-server`` (``allow_insecure``).
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        session: requests.Session | None = None,
        allow_insecure: bool = False,
    ):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.http = session or requests.Session()
        self.allow_insecure = allow_insecure
        self.pending_changes: int | None = None

    def health(self) -> dict[str, Any]:
        return self._json(self._request("GET", HEALTH_PATH))

    def login(self, user_id: str, password: str, device_id: str, device_name: str) -> dict[str, Any]:
        body = {"user_id": user_id, "password": password, "device_id": device_id, "device_name": device_name}
        answer = self._json(self._request("POST", LOGIN_PATH, json=body, carries_secret=True))
        token = answer.get("token")
        if not isinstance(token, str) or not token:
            raise ProtocolError(NO_TOKEN, 200, answer)
        self.token = token
        return answer

    def logout(self) -> None:
        self._request("POST", LOGOUT_PATH, authorized=True)
        self.token = None

    def push(self, device_id: str, changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Send changes (gzip-compressed: a batch of sessions shrinks about tenfold) and return their results."""
        body = push_body(device_id, changes)
        headers = dict(PUSH_HEADERS)
        sent = self._request("POST", PUSH_PATH, data=body, headers=headers, authorized=True, retry_dropped=True)
        return push_results(self._json(sent), len(changes))

    def pull(self, cursor: str | None, limit: int) -> dict[str, Any]:
        params = pull_params(cursor, limit)
        answer = self._json(self._request("GET", PULL_PATH, params=params, authorized=True, retry_dropped=True))
        return pull_page(answer)

    def _request(
        self,
        method: str,
        path: str,
        *,
        authorized: bool = False,
        carries_secret: bool = False,
        retry_dropped: bool = False,
        **kwargs: Any,
    ) -> requests.Response:
        headers = {APP_VERSION_HEADER: APP_VERSION, **kwargs.pop("headers", {})}
        if (authorized or carries_secret) and not self.allow_insecure:
            refuse_insecure_server(self.base_url)
        if authorized:
            if not self.token:
                raise Unauthorized(NOT_SIGNED_IN_ON_SERVER)
            headers["Authorization"] = f"Bearer {self.token}"
            if self.pending_changes is not None:
                headers[PENDING_CHANGES_HEADER] = str(self.pending_changes)
        url = self.base_url + API_PREFIX + path
        try:
            try:
                response = self.http.request(method, url, headers=headers, timeout=self.timeout, **kwargs)
            except requests.ConnectionError as exc:
                if not retry_dropped or isinstance(exc, requests.Timeout):
                    raise
                # A kept-alive connection the server closed just as it was reused: one fresh try. Safe for push
                # and pull only, which the server applies at most once however often they arrive.
                response = self.http.request(method, url, headers=headers, timeout=self.timeout, **kwargs)
        except requests.exceptions.SSLError as exc:
            raise UntrustedServer() from exc
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise Offline() from exc  # which failure it was stays in the exception chain, for the log
        except requests.RequestException as exc:
            raise Offline(CONNECTION_FAILED) from exc
        _raise_for_status(response)
        return response

    @staticmethod
    def _json(response: requests.Response) -> dict[str, Any]:
        try:
            answer = codec.loads(response.content)
        except ValueError as exc:
            raise ProtocolError(NOT_JSON, response.status_code) from exc
        if not isinstance(answer, dict):
            raise ProtocolError(NOT_AN_OBJECT, response.status_code, answer)
        return answer


def _raise_for_status(response: requests.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    detail = _detail(response)
    if status >= 500:
        retry_after = parse_retry_after(response.headers.get("Retry-After")) if status == 503 else None
        raise ServerError(SERVER_FAILED, retry_after, http_status=status)
    if status == 413:
        raise TooLarge()
    if status == 429:
        raise Throttled(SLOW_DOWN, parse_retry_after(response.headers.get("Retry-After")))
    if status == 401:
        raise Unauthorized()
    if status == 403 and (refusal := _REFUSALS.get(_code(response))) is not None:
        raise refusal()
    if status == 410:
        raise CursorExpired()
    raise ProtocolError(REQUEST_REFUSED, status, detail, http_status=status, answer=str(detail))


_REFUSALS: dict[str, type[TransportError]] = {
    RefusalCode.DEVICE_REVOKED: DeviceRevoked,
    RefusalCode.WORKER_DEACTIVATED: WorkerDeactivated,
}


def _code(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("code", "")) if isinstance(body, dict) else ""


def _detail(response: requests.Response) -> Any:
    try:
        body = response.json()
    except ValueError:
        return response.text[:500]
    return body.get("detail", body) if isinstance(body, dict) else body


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: either a number of seconds or an HTTP date."""
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(seconds, 0.0)
