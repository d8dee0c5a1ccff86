"""Server fixtures: the app in-process for API tests (httpx over ASGI), and a real uvicorn server on
a free loopback port for browser tests, started and stopped cleanly around the tests that use it."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")


def make_client(config=None, **kw):
    """A test client (httpx API) for the app of `config`, as a browser on 127.0.0.1:8765 would reach it.
    Exceptions are not raised into the test: a bug shows as the 500 a user would get."""
    from starlette.testclient import TestClient

    from attnlab.server import ServeConfig, create_app

    app = create_app(config or ServeConfig(**kw))
    return TestClient(app, base_url="http://127.0.0.1:8765", raise_server_exceptions=False), app


@pytest.fixture
def client():
    """A fresh app (its own stores and queue) with the default configuration."""
    c, _ = make_client()
    with c:
        yield c


@dataclass
class Running:
    """A server listening on 127.0.0.1:port."""

    url: str  # http://127.0.0.1:<port>
    app: object  # the Guard-wrapped app (app.fastapi.state.attnlab: the shared state)
    config: object  # its ServeConfig

    @property
    def state(self):
        return self.app.fastapi.state.attnlab


@pytest.fixture
def app():
    """(client, the server's state) of an app in this process: routes tests keep traces in it directly."""
    c, made = make_client()
    with c:
        yield c, made.fastapi.state.attnlab


def keep(srv, trace, **inputs):
    """Keep `trace` in the server as a text trace made from `inputs` (text "t", model "synthetic" unless
    given); its id."""
    return srv.texts.put("text", {"text": "t", "model": "synthetic", "generate": 0, "truncate": False, **inputs},
                         trace).id


def poll(ask, limit_s: float = 600, every_s: float = 0.5) -> tuple[object, list[dict]]:
    """Call `ask()` (a request to a route that answers 202 while the model worker computes) until the
    answer is not 202; (the last answer, the progress bodies seen)."""
    seen, deadline = [], time.monotonic() + limit_s
    while True:
        r = ask()
        if r.status_code != 202:
            return r, seen
        seen.append(r.json())
        assert time.monotonic() < deadline
        time.sleep(every_s)


def start_server(config):
    """Start uvicorn in a thread on a socket bound here (port 0: a free one); return (Running, stop)."""
    import uvicorn

    from attnlab.server import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    app = create_app(config)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)

    def stop():
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()
        assert not thread.is_alive(), "the test server did not stop"

    return Running(f"http://127.0.0.1:{port}", app, config), stop


@pytest.fixture(scope="module")
def live_server():
    """A real server for the module's tests (default configuration, loopback, no token)."""
    from attnlab.server import ServeConfig

    running, stop = start_server(ServeConfig(port=0))
    yield running
    stop()


@dataclass
class AppPage:
    """A browser page on the app, recording every request it makes."""

    page: object  # playwright Page
    requests: list  # every URL requested
    errors: list  # console errors and page errors

    def outside(self, base: str) -> list[str]:
        """Requests that went anywhere but the test server on 127.0.0.1."""
        return [u for u in self.requests if not u.startswith(base + "/") and not u.startswith(("data:", "blob:"))]

    def wait(self, expr: str, timeout_s: float = 60) -> None:
        """Poll a JS expression until it is true (wait_for_function would eval a string: the CSP forbids it).
        A poll that lands while the page navigates (its context destroyed) counts as not yet true."""
        from playwright.sync_api import Error

        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if self.page.evaluate(expr):
                    return
            except Error as e:
                if "context was destroyed" not in str(e) and "navigat" not in str(e):
                    raise
            if time.monotonic() > deadline:
                raise TimeoutError(expr)
            time.sleep(0.02)


@pytest.fixture
def open_app(browser):
    """open_app(url) -> AppPage in a fresh browser context (its own cookies), loaded."""
    contexts = []

    def opener(url: str, viewport=(1400, 1000)) -> AppPage:
        ctx = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, accept_downloads=True)
        contexts.append(ctx)
        page = ctx.new_page()
        o = AppPage(page, [], [])
        page.on("request", lambda r: o.requests.append(r.url))
        page.on("console", lambda m: m.type == "error" and o.errors.append(m.text))
        page.on("pageerror", lambda e: o.errors.append(str(e)))
        page.goto(url)
        page.wait_for_selector("body[data-app]", state="attached", timeout=60000)
        return o

    yield opener
    for c in contexts:
        c.close()


def raw_request(url: str, target: bytes, method: bytes = b"GET",
                headers: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """Send one request line as given (bytes, unnormalised: "//evil.example/" stays a path) to a server at
    `url`; (status, headers lower-cased, body). What httpx would rewrite before sending, this does not."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=20) as s:
        s.sendall(method + b" " + target + b" HTTP/1.1\r\nHost: " + f"{host}:{port}".encode() + b"\r\n" + headers
                  + b"Connection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    fields = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), {k.lower(): v for k, v in fields.items()}, body
