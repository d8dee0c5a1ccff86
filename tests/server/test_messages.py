"""The server's own refusals come in the language the request names (?lang=ja|en), English when it
names none: the gate's, the body parser's, the stores', the router's. The library's messages (the
CLI's) stay as they are in either case."""

from __future__ import annotations

import re

import pytest

from attnlab.i18n import STRINGS, t
from attnlab.server import ServeConfig
from attnlab.server.messages import ServerError, error_text, lang_of, printable

from .conftest import make_client

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
TOKEN = "s3cret-token-for-tests"


def _refusals(c, lang_query: str) -> dict[str, tuple[int, str]]:
    """One refusal of each kind the server makes itself, asked with `lang_query` ("" or "lang=ja")."""
    q = f"?{lang_query}" if lang_query else ""
    sep = "&" if q else "?"
    tid = c.post("/api/toy/page", json={"tokens": "a b"}).json()["trace_id"]
    calls = {
        "host": c.get(f"/api/health{q}", headers={"host": "evil.example"}),
        "origin": c.post(f"/api/toy{q}", json={}, headers={"origin": "http://evil.example"}),
        "json_type": c.post(f"/api/toy{q}", content=b"{}", headers={"content-type": "text/plain"}),
        "bad_json": c.post(f"/api/toy{q}", content=b"{nope", headers={"content-type": "application/json"}),
        "too_deep": c.post(f"/api/toy{q}", content=b"[" * 99 + b"]" * 99, headers={"content-type": "application/json"}),
        "int": c.post(f"/api/toy{q}", json={"heads": "two"}),
        "unknown_option": c.post(f"/api/toy{q}", json={"colour": 1}),
        "model": c.post(f"/api/text{q}", json={"text": "a", "model": "/etc"}),
        "trace_unknown": c.get(f"/api/traces/text-0123456789abcdef{q}"),
        "tile_outside": c.get(f"/api/traces/{tid}/tile{q}{sep}tx=5"),
        "not_found": c.get(f"/nowhere{q}"),
        "method": c.delete(f"/api/health{q}"),
        "invalid": c.get(f"/api/traces/{tid}/tile{q}{sep}layer=x"),
    }
    return {k: (r.status_code, r.json()["error"]) for k, r in calls.items()}


def test_refusals_follow_the_requests_language():
    c, _ = make_client()
    ja, en, default = (_refusals(c, q) for q in ("lang=ja", "lang=en", ""))
    for kind, (status, text) in ja.items():
        assert 400 <= status < 500 and en[kind][0] == status, kind
        assert JAPANESE.search(text), (kind, text)
        assert not JAPANESE.search(en[kind][1]), (kind, en[kind][1])
        assert default[kind] == en[kind], kind  # no language named: English, the CLI's
    assert ja["trace_unknown"][1] == t("srv_trace_unknown", "ja", tid="text-0123456789abcdef")
    assert en["trace_unknown"][1] == t("srv_trace_unknown", "en", tid="text-0123456789abcdef")


def test_the_token_refusal_too_and_other_languages_fall_back_to_english():
    c, _ = make_client(ServeConfig(token=TOKEN))
    assert c.get("/api/health?lang=ja").json()["error"] == t("srv_token", "ja")
    assert c.get("/api/health?lang=fr").json()["error"] == t("srv_token", "en")
    assert lang_of(b"a=1&lang=ja") == "ja" and lang_of("lang=xx") == "en" and lang_of(b"") == "en"


def test_library_messages_speak_the_requests_language():
    """A keyed library error (i18n.tr_error) is said in ?lang= (issue 17: every surface speaks the user's
    language, with its own advice); English without ?lang=."""
    c, _ = make_client()
    for query, lang in (("?lang=ja", "ja"), ("?lang=en", "en"), ("", "en")):
        r = c.post(f"/api/toy{query}", json={"d_model": 6, "heads": 4})
        said = r.json()["error"]
        assert r.status_code == 400 and said.startswith(t("err_toy_divisible", lang, d_model=6, heads=4)), said
        assert bool(JAPANESE.search(said)) == (lang == "ja")


@pytest.mark.parametrize("key", sorted(k for k in STRINGS if k.startswith("srv_")))
def test_every_server_message_formats_in_both_languages(key):
    fields = {name: "X" for name in re.findall(r"{(\w+)", STRINGS[key]["en"])}
    e = ServerError(key, **fields)
    assert str(e) == t(key, "en", **fields) and e.text("ja") == t(key, "ja", **fields)


def test_error_text_never_carries_a_lone_surrogate():
    assert error_text(ValueError("bad \udcff"), "en") == "bad \\udcff"
    assert printable("東京 ok") == "東京 ok"


def test_every_key_the_server_names_is_in_the_vocabulary():
    from pathlib import Path

    import attnlab.server

    source = "".join(p.read_text(encoding="utf-8") for p in Path(attnlab.server.__file__).parent.glob("*.py"))
    named = set(re.findall(r'"(srv_\w+)"', source))
    assert len(named) > 30 and named <= set(STRINGS), sorted(named - set(STRINGS))
