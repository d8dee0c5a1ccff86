"""The page as a string: user text stays text, nothing is fetched, the notebook wrapper is escaped,
labels exist in both languages, and write_html is atomic and fails clearly."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import zlib
from html.parser import HTMLParser

import pytest

from attnlab.errors import AttnlabError
from attnlab.html import render_page, write_html
from attnlab.html.code import script
from attnlab.html.render import code_for, json_for_script
from attnlab.toy import run_toy
from attnlab.views import page_views

from .fakes import INJECTIONS, FakeTrace, words


class Tags(HTMLParser):
    """Collects start tags and the text of <script> elements as a browser would tokenise them."""

    def __init__(self):
        super().__init__()
        self.tags, self.scripts, self._in = [], [], None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in = dict(attrs).get("id", "") if tag == "script" else None

    def handle_data(self, data):
        if self._in is not None:
            self.scripts.append((self._in, data))

    def handle_endtag(self, tag):
        self._in = None


def parse(page: str) -> Tags:
    t = Tags()
    t.feed(page)
    return t


@pytest.fixture(scope="module")
def hostile_page():
    return render_page(FakeTrace(words(14)), lang="en")


def test_injection_tokens_never_become_markup(hostile_page):
    for bad in INJECTIONS:
        assert bad not in hostile_page
    tags = parse(hostile_page)
    assert {t for t, _ in tags.tags} <= {"html", "head", "meta", "title", "style", "body", "main", "script"}
    assert sum(1 for t, _ in tags.tags if t == "script") == 4  # meta, data, packed code, boot
    meta = json.loads(dict(tags.scripts)["attnlab-meta"])
    assert [t["text"] for t in meta["tokens"]] == words(14)  # the exact text comes back as data


def test_json_for_script_escapes_closers():
    text = json_for_script({"t": "</script><!-- & \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"t": "</script><!-- & \u2028"}


def test_no_url_is_fetched(hostile_page):
    """The only URLs in the page are XML namespace names (identifiers, never fetched)."""
    urls = set(re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s\"'<>)]*", hostile_page))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert "@import" not in hostile_page and "url(" not in hostile_page


def test_csp_blocks_fetches_and_foreign_scripts(hostile_page):
    tags = parse(hostile_page)
    metas = [a for t, a in tags.tags if t == "meta"]
    csp = next(a["content"] for a in metas if a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]

    meta = json.loads(dict(tags.scripts)["attnlab-meta"])
    code = code_for(page_views(FakeTrace(words(14))), "en", meta["arrays"])
    packed = code.packed
    for runs in (script("boot"), code.script):  # the boot script and the page script it inflates: the only two
        digest = base64.b64encode(hashlib.sha256(runs.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    assert csp.count("'sha256-") == 2
    inflated = zlib.decompress(base64.b64decode(packed)).decode()  # what the boot script inflates
    assert inflated.split("\0") == [code.css + "\n", code.labels, code.script]
    assert json.loads(code.labels)["query"] == "Query (attending)"  # the page's words, in its language
    assert f'<script type="application/octet-stream" id="attnlab-code">{packed}</script>' in hostile_page


def test_notebook_iframe_is_escaped():
    trace = FakeTrace(words(8))
    out = trace._repr_html_()
    tags = parse(out)
    assert [t for t, _ in tags.tags] == ["iframe", "script"]  # the frame and the script sizing it
    assert tags.tags[0][1]["srcdoc"] == trace.to_html()  # the parser unescapes the attribute back
    assert tags.tags[0][1]["sandbox"] == "allow-scripts allow-downloads"  # no same-origin
    for bad in INJECTIONS:
        assert bad not in out and html.escape(bad, quote=True) not in trace.to_html()


def test_views_and_languages():
    toy = run_toy()
    assert '"view":"pipeline"' in render_page(toy)
    assert '"view":"heatmap"' in render_page(FakeTrace(words(4)))
    assert '<html lang="en">' in render_page(toy, lang="en", view="headview")
    with pytest.raises(AttnlabError, match="needs a toy trace"):
        render_page(FakeTrace(words(4)), view="pipeline")
    with pytest.raises(AttnlabError, match="'graph' is not a page view"):
        render_page(toy, view="graph")
    with pytest.raises(AttnlabError, match="lang 'fr'"):
        render_page(toy, lang="fr")


def test_write_html_atomic(tmp_path):
    out = write_html(run_toy(), tmp_path / "page.html", lang="en")
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]  # no temp file left behind


def test_write_html_errors(tmp_path):
    with pytest.raises(AttnlabError, match="does not exist"):
        write_html(run_toy(), tmp_path / "missing" / "page.html")
    with pytest.raises(AttnlabError, match="is a folder"):
        write_html(run_toy(), tmp_path)
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(AttnlabError, match=r"afile' is not a folder"):
        write_html(run_toy(), afile / "page.html")
    # a folder nobody may create files in (works for root too, unlike chmod)
    with pytest.raises(AttnlabError, match=r"cannot write the page to '/proc/page\.html': "):
        write_html(run_toy(), "/proc/page.html")


def test_notebook_too_large_shows_the_reason():
    from .test_encode import HugeTrace

    out = HugeTrace(2000)._repr_html_()  # not one layer of 12 heads and their mean fits (2**25 // (13 * 2000**2) = 0)
    assert out.startswith("<pre>attnlab: ") and "attnlab serve" in out


def test_unpacked_page_holds_its_code_as_text():
    page = render_page(run_toy(), lang="en", pack=False)
    tags = parse(page)
    assert sum(1 for t, _ in tags.tags if t == "script") == 4 and "attnlab-code" not in page  # meta, data, words, code
    assert json.loads(dict(tags.scripts)["attnlab-labels"])["pipeline"] == "Pipeline"
    code = next(text for sid, text in tags.scripts if sid == "")
    digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}';" in html.unescape(page)  # the one script that runs
