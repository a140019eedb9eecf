"""Reading request bodies with a size limit, gzip-encoded or not.

Devices may gzip large pushes (``Content-Encoding: gzip``). Both the bytes on the wire and the inflated body are
capped, so neither a huge upload nor a small "zip bomb" can exhaust the server's memory. Problems become plain
HTTP errors before any endpoint code runs, so nothing is written.
"""

import json
import re
import zlib
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.routing import APIRoute

from protocol.api import MAX_BODY_BYTES
from server.schemas import ErrorDetail, Refusal

_GZIP_WINDOW = 16 + zlib.MAX_WBITS
_TOO_LARGE = f"The request body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB."
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

BODY_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorDetail, "description": "The body is not JSON, not valid Unicode, or not valid gzip."},
    413: {"model": ErrorDetail, "description": "The body is over 16 MB, sent or inflated."},
    415: {"model": ErrorDetail, "description": "A Content-Encoding other than gzip."},
}
REFUSALS: dict[str, Any] = {
    "model": Refusal,
    "description": "The device was revoked (`device_revoked`) or the worker deactivated (`worker_deactivated`). "
    "Sent only to apps that send the `Outpost-App-Version` header; older apps get 401 instead.",
}


def inflate_gzip(raw: bytes, *, limit: int) -> bytes:
    """The gzip body's content; 413 when it inflates past ``limit``, 400 when it is not one whole gzip stream."""
    inflater = zlib.decompressobj(_GZIP_WINDOW)
    try:
        content = inflater.decompress(raw, limit + 1)
    except zlib.error as problem:
        raise HTTPException(status_code=400, detail="The request body is not valid gzip.") from problem
    if len(content) > limit:
        raise HTTPException(status_code=413, detail=_TOO_LARGE)
    if not inflater.eof or inflater.unused_data:
        raise HTTPException(status_code=400, detail="The request body is not valid gzip (cut short or extra data).")
    return content


def holds_lone_surrogate(decoded: Any) -> bool:
    """True when any text in decoded JSON, keys included, holds half of a UTF-16 surrogate pair.

    JSON may spell one (``"\\ud800"``) and Python decodes it, but it is not a character: it cannot be stored as
    UTF-8, and echoing it in an answer would fail half way through, so such a body is refused before anything runs.
    """
    pending = [decoded]
    while pending:  # a loop, not recursion: the body may nest as deep as the JSON parser allows
        item = pending.pop()
        if isinstance(item, str):
            if _LONE_SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


class LimitedBodyRequest(Request):
    """A request whose body is read at most once, within the limit, and inflated when gzip-encoded."""

    async def body(self) -> bytes:
        if not hasattr(self, "_body"):
            raw = await self._read_within_limit()
            encoding = self.headers.get("content-encoding", "identity").strip().lower()
            if encoding == "gzip":
                self._body = inflate_gzip(raw, limit=MAX_BODY_BYTES)
            elif encoding == "identity":
                self._body = raw
            else:
                raise HTTPException(status_code=415, detail="Request bodies may only be sent plain or gzip-encoded.")
        return self._body

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            try:
                decoded = json.loads(await self.body())
            except (json.JSONDecodeError, UnicodeDecodeError) as problem:
                raise HTTPException(status_code=400, detail="The request body is not valid JSON.") from problem
            if holds_lone_surrogate(decoded):
                raise HTTPException(status_code=400, detail="The request body is not valid Unicode (a lone surrogate).")
            self._json = decoded
        return self._json

    async def _read_within_limit(self) -> bytes:
        declared = self.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise HTTPException(status_code=413, detail=_TOO_LARGE)
        chunks: list[bytes] = []
        size = 0
        async for chunk in self.stream():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise HTTPException(status_code=413, detail=_TOO_LARGE)
            chunks.append(chunk)
        return b"".join(chunks)


class LimitedBodyRoute(APIRoute):
    """Route class giving every endpoint of a router a LimitedBodyRequest."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            return await handler(LimitedBodyRequest(request.scope, request.receive))

        return handle
