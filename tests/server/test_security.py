"""The gate: loopback by default, a token off loopback, Host checks against DNS rebinding, no CORS,
writes only from this server's pages, body limits, a CSP that loads nothing from outside; the token's
redirect only to a path here, and paths or queries of any bytes answered 4xx JSON (never 5xx)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attnlab.errors import AttnlabError
from attnlab.server import ServeConfig
from attnlab.server.config import host_allowed, is_loopback, resolve_token
from attnlab.server.security import same_origin

from .conftest import make_client

TOKEN = "s3cret-token-for-tests"


def test_loopback_needs_no_token_and_other_addresses_get_one():
    assert resolve_token("127.0.0.1", None, env={}) is None
    assert resolve_token("::1", None, env={}) is None
    made = resolve_token("0.0.0.0", None, env={})
    assert made is not None and len(made) >= 24
    assert resolve_token("192.168.1.20", None, env={}) != made  # a new one each start
    assert resolve_token("0.0.0.0", None, env={"ATTNLAB_TOKEN": TOKEN}) == TOKEN
    assert resolve_token("127.0.0.1", TOKEN, env={}) == TOKEN  # given on loopback: required too
    with pytest.raises(AttnlabError, match="at least 8 printable"):
        resolve_token("0.0.0.0", "short", env={})
    assert is_loopback("localhost") and not is_loopback("0.0.0.0")


def test_the_url_printed_carries_the_token():
    cfg = ServeConfig(host="0.0.0.0", port=8765, token=TOKEN)
    assert cfg.url() == f"http://127.0.0.1:8765/?token={TOKEN}"
    assert ServeConfig(host="192.168.1.20", token=TOKEN).url(9000) == f"http://192.168.1.20:9000/?token={TOKEN}"


@pytest.mark.parametrize("host,ok", [
    ("127.0.0.1:8765", True), ("localhost:8765", True), ("[::1]:8765", True), ("192.168.1.20:8765", True),
    ("evil.example:8765", False), ("127.0.0.1.nip.io:8765", False), ("", False), ("attacker.localhost", False),
])
def test_host_names_other_than_ip_literals_and_localhost_are_refused(host, ok):
    assert host_allowed(host, ServeConfig()) is ok


def test_a_rebound_host_gets_400_before_anything_runs():
    c, _ = make_client()
    r = c.get("/api/health", headers={"host": "evil.example:8765"})
    assert r.status_code == 400
    assert "DNS rebinding" in r.json()["error"]


def test_token_by_query_cookie_or_bearer_and_401_without():
    c, _ = make_client(ServeConfig(token=TOKEN))
    r = c.get("/api/health")
    assert r.status_code == 401 and "access token" in r.json()["error"]
    assert c.get("/api/health", params={"token": "wrong-token-xx"}).status_code == 401
    assert c.get("/api/health", params={"token": TOKEN}).status_code == 200
    assert c.get("/api/health", headers={"authorization": f"Bearer {TOKEN}"}).status_code == 200
    # a page opened with ?token= is redirected without it and gets the cookie; the cookie then suffices
    r = c.get("/", params={"token": TOKEN, "lang": "en"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/?lang=en"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"attnlab_token={TOKEN}") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert c.get("/", headers={"cookie": f"attnlab_token={TOKEN}"}).status_code == 200
    assert c.get("/", headers={"cookie": "attnlab_token=nope"}).status_code == 401


def test_no_cors_and_writes_only_from_this_servers_pages(client):
    r = client.get("/api/health", headers={"origin": "http://evil.example"})
    assert r.status_code == 200 and not any(h.startswith("access-control-") for h in r.headers)
    r = client.options("/api/toy", headers={"origin": "http://evil.example", "access-control-request-method": "POST"})
    assert not any(h.startswith("access-control-") for h in r.headers)
    r = client.post("/api/toy", json={}, headers={"origin": "http://evil.example"})
    assert r.status_code == 403 and "refused" in r.json()["error"]
    assert client.post("/api/toy", json={}, headers={"origin": "http://127.0.0.1:8765"}).status_code == 200
    # a form post (no JSON content type) never reaches the library
    r = client.post("/api/toy", content=b"tokens=a", headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400 and "Content-Type: application/json" in r.json()["error"]


def test_oversized_bodies_get_413_whether_announced_or_streamed():
    c, _ = make_client(ServeConfig(max_body=1000))
    r = c.post("/api/toy", json={"tokens": "a " * 2000})
    assert r.status_code == 413 and "1000" in r.json()["error"]

    def chunks():  # no Content-Length: the limit applies while reading
        for _ in range(20):
            yield b"[" + b"1," * 50 + b"1]"

    r = c.post("/api/toy", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_every_answer_carries_a_csp_that_loads_only_this_servers_files(client):
    for path in ("/", "/api/health", "/static/app.js", "/nope"):
        r = client.get(path)
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert r.headers["x-content-type-options"] == "nosniff"
    page = client.get("/").text
    assert "http://" not in page and "https://" not in page  # no CDN, no external anything


def test_swagger_from_a_cdn_is_off_and_docs_is_local(client):
    assert client.get("/redoc").status_code == 404
    r = client.get("/docs")
    assert r.status_code == 200 and "cdn" not in r.text.lower() and "swagger" not in r.text.lower()
    assert client.get("/openapi.json").json()["paths"]["/api/toy"]["post"]["requestBody"]
    c, _ = make_client(ServeConfig(docs=False))
    assert c.get("/docs").status_code == 404


# redirects: only ever to a path on this server -------------------------------------------------

OPEN_REDIRECTS = [b"//evil.example/", b"/\\evil.example/", b"/%2F%2Fevil.example/", b"/%2f/evil.example",
                  b"/%5C%5Cevil.example/", b"/\\/evil.example", b"///evil.example", b"/%09/evil.example",
                  b"/%0a/evil.example", b"/ /evil.example", b"/%20//evil.example", b"/http://evil.example",
                  b"/%68ttp:%2F%2Fevil.example", b"/t/%ED%B3%BF", b"/%FF", b"/%E6%9D%B1%E4%BA%AC"]


def _same_origin(location: str) -> bool:
    """What a browser would do with this Location on http://127.0.0.1:8765: stay on that host."""
    from urllib.parse import urljoin, urlsplit

    base = "http://127.0.0.1:8765/t/x"
    plain = location.isascii() and not any(c in location for c in "\\\t\n\r ")
    return (plain and location.startswith("/") and location[1:2] != "/"
            and urlsplit(urljoin(base, location)).netloc == "127.0.0.1:8765")


@pytest.fixture(scope="module")
def token_server():
    from .conftest import start_server

    running, stop = start_server(ServeConfig(port=0, token=TOKEN))
    yield running
    stop()


@pytest.mark.parametrize("path", OPEN_REDIRECTS, ids=lambda p: p.decode("latin-1"))
def test_the_token_redirect_never_leaves_this_server(token_server, path):
    """A real uvicorn, the request line sent as is (httpx would normalise "//evil.example/")."""
    from .conftest import raw_request

    status, headers, body = raw_request(token_server.url, path + b"?lang=en&token=" + TOKEN.encode())
    if status == 400 and not body.startswith(b"{"):  # uvicorn's parser refused the request line itself
        assert b"Invalid HTTP request" in body
        return
    assert status == 303, (status, body)
    assert _same_origin(headers["location"]), headers["location"]
    assert headers["location"].endswith("?lang=en") and "token" not in headers["location"]


@pytest.mark.browser
def test_chromium_reads_every_such_location_as_this_server(browser):
    """The browser's own URL parser (backslashes as slashes, tabs dropped) agrees: same host."""
    page = browser.new_page()
    try:
        locations = [same_origin(p) for p in OPEN_REDIRECTS] + [same_origin(b"\\\\evil.example"), same_origin(b"/\t/x")]
        hosts = page.evaluate("(locs) => locs.map((l) => new URL(l, 'http://127.0.0.1:8765/t/x').host)", locations)
        assert hosts == ["127.0.0.1:8765"] * len(locations), list(zip(locations, hosts))
    finally:
        page.close()


@given(st.binary(max_size=40))
@settings(max_examples=300, deadline=None)
def test_same_origin_makes_a_path_here_of_any_bytes(raw):
    assert _same_origin(same_origin(b"/" + raw))
    assert _same_origin(same_origin(raw))


def test_an_ordinary_page_keeps_its_path_and_query():
    assert same_origin(b"/t/toy-0123456789abcdef") == "/t/toy-0123456789abcdef"
    assert same_origin(b"/") == "/"
    assert same_origin("/東京".encode()) == "/%E6%9D%B1%E4%BA%AC"
    c, _ = make_client(ServeConfig(token=TOKEN))
    r = c.get("/t/toy-0123456789abcdef", params={"token": TOKEN, "lang": "ja", "q": "東京"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/t/toy-0123456789abcdef?lang=ja&q=%E6%9D%B1%E4%BA%AC"


# paths and queries beyond latin-1 (or not UTF-8 at all), on every route ---------------------------

HOSTILE_SEGMENTS = ["ü", "東京", "%ED%B3%BF", "%FF", "%C0%AF", "a%00b", "..%2F..%2Fetc", "😀" * 50]
HOSTILE_QUERY = "lang=%ED%B3%BF&view=東京&layer=%FF&head=ü&z=%F0%9F&mode=\u2028&tid=%00"


def _every_route() -> list[tuple[str, str]]:
    _, app = make_client()
    paths = app.fastapi.openapi()["paths"]
    out = [(method.upper(), path) for path, ops in paths.items() for method in ops]
    return [*out, ("GET", "/"), ("GET", "/t/{tid}"), ("GET", "/docs"), ("GET", "/static/app.js"), ("GET", "/{tid}")]


@pytest.mark.parametrize("method,path", _every_route())
@pytest.mark.parametrize("token", [None, TOKEN])
def test_non_latin1_paths_and_queries_get_4xx_json_or_a_safe_redirect(method, path, token):
    c, _ = make_client(ServeConfig(token=token))
    for seg in HOSTILE_SEGMENTS:
        url = path.replace("{tid}", seg) + "?" + HOSTILE_QUERY + (f"&token={TOKEN}" if token else "")
        r = c.request(method, url, follow_redirects=False, json={} if method == "POST" else None)
        assert r.status_code < 500, (url, r.status_code, r.text[:200])
        if r.status_code in (301, 302, 303, 307, 308):
            assert _same_origin(r.headers["location"]), r.headers["location"]
        elif r.status_code >= 400:
            assert r.headers["content-type"].startswith("application/json"), url
            assert isinstance(r.json()["error"], str) and r.json()["error"]
