"""The gate every request passes: Host check, access token, origin of writes, body size, headers.

One ASGI middleware, outermost, so that nothing of the app runs for a refused request:

1. Host must name this server (`config.host_allowed`): against DNS rebinding.
2. When a token is set, it must come as `?token=`, the `attnlab_token` cookie, or
   `Authorization: Bearer`. A page opened with a correct `?token=` is redirected to the same address
   without it, with the cookie set (HttpOnly, SameSite=Strict), so the token leaves the address bar.
   Compared in constant time. The redirect goes only to a path on this server (`same_origin`): never
   `//host`, `/\\host` or a scheme, however the path was spelled or encoded.
3. Requests that change something (any method but GET/HEAD) from a browser must come from this
   server's own pages: an `Origin` header naming another host is refused (no CORS is ever sent, so
   other sites cannot read answers either).
4. Bodies: a Content-Length over `max_body` gets 413 before anything is read; a body that grows past
   it while being read raises `BodyTooLarge` (answered 413 by the app's error handler).
5. Every answer carries a Content-Security-Policy that allows only this server's own files
   (`default-src 'self'`), no framing, no referrer, no MIME sniffing.

Refusals are JSON `{"error": ...}` in the language the query names (`messages.lang_of`).
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, quote, unquote_to_bytes, urlencode

from .config import ServeConfig, host_allowed, host_name
from .messages import ServerError, error_text, lang_of, printable

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


class Refused(ServerError):
    """A request the gate answers itself (400 Host, 401 token, 403 origin, 413 length): the app never sees it."""

    def __init__(self, status: int, key: str, **fields: object) -> None:
        super().__init__(key, **fields)
        self.status = status  # the answer's status


class BodyTooLarge(ServerError):
    """A request body over the server's limit (answered 413)."""

    status = 413


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
            await _answer(send, refusal.status, error_text(refusal, lang_of(scope.get("query_string", b""))))
            return
        redirect = self._token_redirect(scope, headers)
        if redirect is not None:
            await _answer(send, 303, "", extra=redirect)
            return
        await self.app(scope, self._limited(receive, headers), _with_headers(send))

    def _refuse(self, scope: Scope, headers: dict[str, str]) -> ServerError | None:
        cfg = self.config
        host = headers.get("host", "")
        if not host_allowed(host, cfg):
            return Refused(400, "srv_host", host=printable(repr(host_name(host) or host)[:80]), url=cfg.url())
        if cfg.token is not None and not hmac.compare_digest(_given_token(scope, headers).encode(), cfg.token.encode()):
            return Refused(401, "srv_token")
        origin = headers.get("origin")
        if scope["method"] not in ("GET", "HEAD") and origin is not None:
            origin_host = origin.split("://", 1)[-1]
            if not host_allowed(origin_host, cfg) or host_name(origin_host) != host_name(host):
                return Refused(403, "srv_origin", origin=printable(origin[:80]))
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > cfg.max_body):
            return Refused(413, "srv_body_length", length=printable(length[:40]), limit=cfg.max_body)
        return None

    def _token_redirect(self, scope: Scope, headers: dict[str, str]) -> list[tuple[bytes, bytes]] | None:
        """A page (not /api) opened with ?token=: redirect without it and set the cookie."""
        if self.config.token is None or scope["method"] != "GET" or scope["path"].startswith("/api/"):
            return None
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        if not any(k == "token" for k, _ in query):
            return None
        rest = urlencode([(k, v) for k, v in query if k != "token"])
        location = same_origin(scope.get("raw_path") or scope["path"].encode()) + (f"?{rest}" if rest else "")
        cookie = f"{COOKIE}={self.config.token}; HttpOnly; SameSite=Strict; Path=/"
        return [(b"location", location.encode("ascii")), (b"set-cookie", cookie.encode("latin-1"))]

    def _limited(self, receive: Receive, headers: dict[str, str]) -> Receive:
        limit, seen = self.config.max_body, 0

        async def guarded() -> dict:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge("srv_body_over", limit=limit)
            return message

        return guarded


def same_origin(raw_path: bytes) -> str:
    """A redirect target on this server for a request's path: "/" and the path without its leading
    slashes and backslashes, percent-encoded (ASCII). So "//evil.example/", "/\\evil.example",
    "/%2F%2Fevil.example" or "/%09/evil.example" (browsers drop tabs) never become an address of
    another host: whatever was sent, the answer names a path here."""
    path = unquote_to_bytes(raw_path.split(b"?", 1)[0]).lstrip(b"/\\")
    return "/" + quote(path, safe="/")


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
