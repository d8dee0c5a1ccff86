"""The gate every request passes: Host check, access token, origin of writes, body size, headers.

One ASGI middleware, outermost, so that nothing of the app runs for a refused request:

1. Host must name this server (`config.host_allowed`): against DNS rebinding.
2. When a token is set, it must come as `?token=`, the `attnlab_token` cookie, or
   `Authorization: Bearer`. A page opened with a correct `?token=` is redirected to the same address
   without it, with the cookie set (HttpOnly, SameSite=Strict), so the token leaves the address bar.
   Compared in constant time.
3. Requests that change something (any method but GET/HEAD) from a browser must come from this
   server's own pages: an `Origin` header naming another host is refused (no CORS is ever sent, so
   other sites cannot read answers either).
4. Bodies: a Content-Length over `max_body` gets 413 before anything is read; a body that grows past
   it while being read raises `BodyTooLarge` (answered 413 by the app's error handler).
5. Every answer carries a Content-Security-Policy that allows only this server's own files
   (`default-src 'self'`), no framing, no referrer, no MIME sniffing.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode

from ..errors import AttnlabError
from .config import ServeConfig, host_allowed, host_name

COOKIE = "attnlab_token"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
       "form-action 'self'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]


class BodyTooLarge(AttnlabError):
    """A request body over the server's limit (answered 413)."""


class Guard:
    """The ASGI middleware described in the module docstring."""

    def __init__(self, app: Callable, config: ServeConfig) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        refusal = self._refuse(scope, headers)
        if refusal is not None:
            await _answer(send, *refusal)
            return
        redirect = self._token_redirect(scope, headers)
        if redirect is not None:
            await _answer(send, 303, "", extra=redirect)
            return
        await self.app(scope, self._limited(receive, headers), _with_headers(send))

    def _refuse(self, scope: Scope, headers: dict[str, str]) -> tuple[int, str] | None:
        cfg = self.config
        host = headers.get("host", "")
        if not host_allowed(host, cfg):
            return 400, (f"host {host_name(host) or host!r} is not this server: open it by its address "
                         f"({cfg.url()}); other names are refused against DNS rebinding")
        if cfg.token is not None and not hmac.compare_digest(_given_token(scope, headers).encode(), cfg.token.encode()):
            return 401, ("this server needs its access token: open the address printed when it started "
                         "(…/?token=...), or send Authorization: Bearer <token>")
        origin = headers.get("origin")
        if scope["method"] not in ("GET", "HEAD") and origin is not None:
            origin_host = origin.split("://", 1)[-1]
            if not host_allowed(origin_host, cfg) or host_name(origin_host) != host_name(host):
                return 403, f"requests from {origin} are refused: use this server's own pages"
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > cfg.max_body):
            return 413, f"the request body is {length} bytes; this server accepts at most {cfg.max_body}"
        return None

    def _token_redirect(self, scope: Scope, headers: dict[str, str]) -> list[tuple[bytes, bytes]] | None:
        """A page (not /api) opened with ?token=: redirect without it and set the cookie."""
        if self.config.token is None or scope["method"] != "GET" or scope["path"].startswith("/api/"):
            return None
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        if not any(k == "token" for k, _ in query):
            return None
        rest = urlencode([(k, v) for k, v in query if k != "token"])
        location = scope["path"] + (f"?{rest}" if rest else "")
        cookie = f"{COOKIE}={self.config.token}; HttpOnly; SameSite=Strict; Path=/"
        return [(b"location", location.encode("latin-1")), (b"set-cookie", cookie.encode("latin-1"))]

    def _limited(self, receive: Receive, headers: dict[str, str]) -> Receive:
        limit, seen = self.config.max_body, 0

        async def guarded() -> dict:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(f"the request body is over {limit} bytes, this server's limit")
            return message

        return guarded


def _given_token(scope: Scope, headers: dict[str, str]) -> str:
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    for k, v in parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True):
        if k == "token":
            return v
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie", ""))
    except Exception:  # a malformed Cookie header is no token
        return ""
    return cookie[COOKIE].value if COOKIE in cookie else ""


def _with_headers(send: Send) -> Send:
    async def wrapped(message: dict) -> None:
        if message["type"] == "http.response.start":
            present = {k.lower() for k, _ in message.get("headers", [])}
            extra = [(k, v) for k, v in SECURITY_HEADERS if k not in present]
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return wrapped


async def _answer(send: Send, status: int, error: str, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"error": error}, ensure_ascii=False).encode() if error else b""
    headers = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode()),
               (b"cache-control", b"no-store"), *SECURITY_HEADERS, *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
