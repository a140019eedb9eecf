"""The HTTP transport: what goes on the wire, and which exception each kind of failure becomes."""

import gzip
import json
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from requests.adapters import BaseAdapter

from app.i18n import translator
from app.ui.messages import error_text
from protocol.api import APP_VERSION_HEADER, PENDING_CHANGES_HEADER
from sync.transport import (
    APP_VERSION,
    CursorExpired,
    DeviceRevoked,
    HttpTransport,
    InsecureServer,
    Offline,
    ProtocolError,
    ServerError,
    Throttled,
    TooLarge,
    Unauthorized,
    UntrustedServer,
    WorkerDeactivated,
    parse_retry_after,
)


class ScriptedServer(BaseAdapter):
    """A requests adapter that records each request and answers from a script (or raises a connection error)."""

    def __init__(self, *answers: tuple[int, Any, dict[str, str]] | Exception):
        super().__init__()
        self.answers = list(answers)
        self.requests: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, body, headers = answer
        response = requests.Response()
        response.status_code = status
        response._content = body if isinstance(body, bytes) else json.dumps(body).encode()
        response.headers.update(headers)
        response.request = request
        response.url = request.url or ""
        return response

    def close(self) -> None:
        pass


def transport_with(
    *answers: tuple[int, Any, dict[str, str]] | Exception,
    token: str | None = "tok",
    url: str = "https://server.test/",
    allow_insecure: bool = False,
) -> tuple:
    server = ScriptedServer(*answers)
    http = requests.Session()
    http.mount("http://", server)
    http.mount("https://", server)
    return HttpTransport(url, token=token, session=http, allow_insecure=allow_insecure), server


def answer(status: int, body: Any = None, **headers: str) -> tuple[int, Any, dict[str, str]]:
    return status, {} if body is None else body, headers


def test_login_sends_the_credentials_and_keeps_the_token_for_later_calls() -> None:
    login_answer = {"token": "secret-token", "expires_at": "2030-01-01T00:00:00+00:00", "worker": {}, "agency": {}}
    transport, server = transport_with(answer(200, login_answer), answer(204), token=None)

    transport.login("wlee", "pw", "device-1", "Tablet 3")
    transport.logout()

    login, logout = server.requests
    assert login.url == "https://server.test/api/v1/auth/login"
    assert json.loads(login.body) == {
        "user_id": "wlee",
        "password": "pw",
        "device_id": "device-1",
        "device_name": "Tablet 3",
    }
    assert logout.headers["Authorization"] == "Bearer secret-token"
    assert transport.token is None


def test_push_sends_gzip_json_with_the_bearer_token_and_returns_the_results() -> None:
    results = [{"op_id": "op-1", "status": "applied", "version": 1}]
    transport, server = transport_with(answer(200, {"results": results}))
    changes = [{"op_id": "op-1", "entity": "client", "id": "c1", "base_version": None, "data": {"first_name": "A"}}]

    assert transport.push("device-1", changes) == results

    [sent] = server.requests
    assert sent.headers["Content-Encoding"] == "gzip"
    assert sent.headers["Authorization"] == "Bearer tok"
    assert json.loads(gzip.decompress(sent.body)) == {"device_id": "device-1", "changes": changes}


def test_pull_asks_from_the_cursor_with_the_page_size() -> None:
    page = {"changes": [], "cursor": "abc-7", "has_more": False}
    transport, server = transport_with(answer(200, page), answer(200, page))

    transport.pull(None, 500)
    transport.pull("abc-3", 500)

    assert server.requests[0].url == "https://server.test/api/v1/sync/pull?limit=500"
    assert server.requests[1].url == "https://server.test/api/v1/sync/pull?limit=500&cursor=abc-3"


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (requests.ConnectionError("refused"), Offline),
        (requests.ReadTimeout("slow"), Offline),
        (requests.exceptions.SSLError("certificate verify failed"), UntrustedServer),
        (answer(500, {"detail": "boom"}), ServerError),
        (answer(503, b"<html>maintenance</html>"), ServerError),
        (answer(401, {"detail": "Invalid token"}), Unauthorized),
        (answer(410, {"detail": "cursor expired"}), CursorExpired),
        (answer(422, {"detail": [{"msg": "field required"}]}), ProtocolError),
        (answer(413, {"detail": "body too large"}), TooLarge),
        (answer(403, {"detail": "Reported lost", "code": "device_revoked"}), DeviceRevoked),
        (answer(403, {"detail": "Deactivated", "code": "worker_deactivated"}), WorkerDeactivated),
        (answer(403, {"detail": "Forbidden"}), ProtocolError),
        (answer(200, b"not json"), ProtocolError),
        (answer(200, {"changes": "nope"}), ProtocolError),
    ],
)
def test_each_failure_becomes_its_typed_exception(reply: Any, expected: type[Exception]) -> None:
    transport, _ = transport_with(reply, reply)  # a dropped connection is tried twice

    with pytest.raises(expected):
        transport.pull(None, 10)


def test_a_connection_dropped_as_it_was_reused_is_tried_once_more_for_push_and_pull() -> None:
    results = [{"op_id": "op-1", "status": "applied", "version": 1}]
    dropped = requests.ConnectionError("Connection aborted: RemoteDisconnected")
    transport, server = transport_with(dropped, answer(200, {"results": results}), dropped, dropped)

    assert transport.push("device-1", [{"op_id": "op-1"}]) == results
    with pytest.raises(Offline):
        transport.pull(None, 10)  # a second drop in a row: really offline
    assert [request.method for request in server.requests] == ["POST", "POST", "GET", "GET"]


def test_sign_in_is_not_repeated_after_a_dropped_connection() -> None:
    transport, server = transport_with(requests.ConnectionError("reset"), token=None)

    with pytest.raises(Offline):
        transport.login("wlee", "secret", "3f1c2f7e-5b1a-4d7e-9a53-2f1d2c3b4a5e", "tablet")
    assert len(server.requests) == 1


def test_a_protocol_error_carries_the_servers_detail() -> None:
    transport, _ = transport_with(answer(400, {"detail": "Too many changes in one push (at most 500)."}))

    with pytest.raises(ProtocolError) as raised:
        transport.push("d", [])

    assert raised.value.status == 400
    assert raised.value.detail == "Too many changes in one push (at most 500)."


def test_a_push_answer_with_the_wrong_number_of_results_is_refused() -> None:
    transport, _ = transport_with(answer(200, {"results": []}))

    with pytest.raises(ProtocolError):
        transport.push("d", [{"op_id": "x"}])


def test_throttling_carries_retry_after_in_seconds() -> None:
    transport, _ = transport_with(answer(429, {"detail": "slow down"}, **{"Retry-After": "42"}))

    with pytest.raises(Throttled) as raised:
        transport.pull(None, 10)

    assert raised.value.retry_after_seconds == 42


def test_a_busy_server_says_when_to_come_back_and_other_failures_do_not() -> None:
    busy = answer(503, {"detail": "maintenance"}, **{"Retry-After": "90"})
    failing = answer(500, {"detail": "boom"}, **{"Retry-After": "90"})  # only a 503's Retry-After means "busy"
    transport, _ = transport_with(busy, failing)

    with pytest.raises(ServerError) as first:
        transport.pull(None, 10)
    with pytest.raises(ServerError) as second:
        transport.pull(None, 10)

    assert (first.value.retry_after_seconds, second.value.retry_after_seconds) == (90, None)


def test_calls_that_need_a_token_fail_as_unauthorized_without_one() -> None:
    transport, server = transport_with(token=None)

    with pytest.raises(Unauthorized):
        transport.pull(None, 10)
    assert server.requests == []


def test_every_call_names_the_app_version_and_token_calls_the_changes_waiting() -> None:
    page = {"changes": [], "cursor": "abc-7", "has_more": False}
    transport, server = transport_with(answer(200, {"status": "ok", "protocol": 1}), answer(200, page))
    transport.pending_changes = 12

    transport.health()
    transport.pull(None, 10)

    health, pull = server.requests
    assert health.headers[APP_VERSION_HEADER] == pull.headers[APP_VERSION_HEADER] == APP_VERSION
    assert PENDING_CHANGES_HEADER not in health.headers
    assert pull.headers[PENDING_CHANGES_HEADER] == "12"


@pytest.mark.parametrize(
    "url",
    [
        "http://outpost.example.org",
        "http://8.8.8.8:8000",
        "http://[2001:db8::1]",
        "http://100.64.0.1",
        "http://outpost.local",
    ],
)
def test_no_password_or_token_goes_in_clear_beyond_this_computer_or_a_private_network(url: str) -> None:
    transport, server = transport_with(answer(200, {"status": "ok", "protocol": 1}), url=url)

    with pytest.raises(InsecureServer, match="https://"):
        transport.login("wlee", "secret", "device-1", "tablet")
    with pytest.raises(InsecureServer):
        transport.pull(None, 10)
    transport.health()  # carries no secret
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000", "http://localhost:8000", "http://10.1.2.3", "http://172.20.0.5", "http://192.168.1.20",
     "http://[::1]:8000", "http://[fd12:3456::1]", "https://outpost.example.org"],
)  # fmt: skip
def test_https_anywhere_and_plain_http_to_a_loopback_or_private_address_are_allowed(url: str) -> None:
    page = {"changes": [], "cursor": "abc-7", "has_more": False}
    transport, server = transport_with(answer(200, page), url=url)

    transport.pull(None, 10)
    assert len(server.requests) == 1


def test_allow_insecure_lets_secrets_go_to_any_http_server() -> None:
    page = {"changes": [], "cursor": "abc-7", "has_more": False}
    transport, server = transport_with(answer(200, page), url="http://outpost.example.org", allow_insecure=True)

    transport.pull(None, 10)
    assert server.requests[0].headers["Authorization"] == "Bearer tok"


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        ("0", 0.0),
        ("-5", 0.0),
        ("Wed, 01 Jan 2031 00:01:30 GMT", 90.0),
        ("Wed, 01 Jan 2031 00:00:00 GMT", 0.0),  # already past: retry now, not "wait forever"
        ("soon", None),
        ("", None),
        ("nan", None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(header: str, seconds: float | None) -> None:
    now = datetime(2031, 1, 1, 0, 0, 0, tzinfo=UTC)

    assert parse_retry_after(header, now=now) == seconds


def test_a_failure_is_a_problem_the_worker_reads_in_their_language() -> None:
    transport, _ = transport_with(answer(503, {"detail": "Service Unavailable"}))

    with pytest.raises(ServerError) as busy:
        transport.pull(None, 10)
    with pytest.raises(InsecureServer) as insecure:
        transport_with(url="http://public.example/")[0].pull(None, 10)

    assert str(busy.value) == "The server had a problem (error 503)."
    assert error_text(busy.value.problem, translator("fr")) == "Le serveur a eu un problème (erreur 503)."
    french = error_text(insecure.value.problem, translator("fr"))
    assert french.startswith("Cette adresse de serveur n'est pas sécurisée")
