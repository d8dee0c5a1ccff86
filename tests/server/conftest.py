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
