"""Regenerate the README's pictures in docs/images/ from the commands and pages they show.

    .venv/bin/python scripts/docs_images.py            # figures, and the page screenshots (Chromium)
    .venv/bin/python scripts/docs_images.py --no-pages  # figures only
    .venv/bin/python scripts/docs_images.py --only page-census.png  # one page screenshot
    .venv/bin/python scripts/docs_images.py --only app-paragraph-heatmap.png  # one screen of the web app

Figures come from the same library calls as `attnlab demo`, `attnlab toy`, `attnlab text` and `attnlab
heads`; page screenshots from pages written by `attnlab.write_html`, and the web app's screens from
`attnlab serve`'s app started here on a free loopback port, opened in Debian's Chromium (Playwright).
Look at every picture after running it.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from attnlab.cli import main

IMAGES = Path(__file__).resolve().parents[1] / "docs" / "images"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PAGE_TEXT = "東京はとても美しい街です。猫が好きです。"  # the model view's sentence (MiniLM)
CENSUS_TEXT = "When Mary and John went to the store, John gave a drink to Mary."  # the census tab's (SmolLM2)
# a Japanese paragraph: past the whole page of SmolLM2 (334 tokens), so every view of the app reads from the server
PARAGRAPH = ("東京は日本の首都であり、世界でも有数の大都市です。江戸時代には徳川幕府が置かれ、"
             "政治と文化の中心として栄えました。明治維新の後、天皇が京都から移り住み、近代国家"
             "の首都としての歩みが始まりました。関東大震災や戦争による大きな被害を受けながらも"
             "、そのたびに人々は街を立て直してきました。今日の東京には、高層ビルが立ち並ぶ新宿"
             "や丸の内のような地区がある一方で、浅草や谷中のように古い町並みが残る地区もありま"
             "す。")


def run(args: list[str], out: Path, copies: dict[str, str]) -> None:
    """Run one attnlab command into `out`, then copy its figures {written name: docs name}."""
    assert main([*args, "--out", str(out)]) == 0, args
    for src, dst in copies.items():
        shutil.copyfile(out / src, IMAGES / dst)


def figures(tmp: Path) -> None:
    run(["demo", "--no-model"], tmp / "demo", {f"{n}.png": f"{n}.png" for n in
                                               ("weights", "heads", "pipeline", "pipeline_qkv", "seeds")})
    run(["toy", "--tokens", "I love transformers so much", "--d-model", "8", "--heads", "2", "--causal",
         "--lang", "en"], tmp / "causal", {"heads.png": "heads_causal_en.png"})
    run(["text", "The capital of Japan is", "--model", "smollm2", "--generate", "4", "--layer", "3", "--head", "2"],
        tmp / "smollm2", {n: n for n in ("smollm2-L3-H2.png", "smollm2-layer-means.png")})
    run(["heads", CENSUS_TEXT, "--model", "smollm2", "--lang", "en"], tmp / "census",
        {"smollm2-atlas.png": "census-atlas.png", "smollm2-value-weighted.png": "census-value-weighted.png"})
    notebook_preview()


def notebook_preview() -> None:
    """The PNG a notebook shows where the page cannot run (an untrusted notebook): the tutorial's toy."""
    import attnlab
    from attnlab.notebook import preview

    (IMAGES / "notebook-preview.png").write_bytes(preview(attnlab.run_toy(), lang="en"))


def pages(tmp: Path, only: str | None = None) -> None:
    from playwright.sync_api import sync_playwright

    import attnlab

    jobs = [  # (trace, page options, file, tab, what to do before the screenshot); traces made when used
        (lambda: attnlab.run_toy(tokens=("東京", "は", "美しい", "街"), d_model=4, heads=2, causal=True,
                                 temperature=0.7), {"lang": "en"}, "page-pipeline.png", "pipeline", _hover_output),
        (lambda: attnlab.run_text(PAGE_TEXT, model="minilm"), {"lang": "ja"}, "page-modelview.png", "modelview", None),
        (lambda: attnlab.run_text("The capital of Japan is Tokyo", model="smollm2"), {"lang": "en", "focus": (1, 4)},
         "page-bridge.png", "pipeline", _hover_bridge),
        (lambda: attnlab.run_text(CENSUS_TEXT, model="smollm2"), {"lang": "en"}, "page-census.png", "atlas",
         _census_sink),
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for make, options, name, tab, act in jobs:
            if only is not None and name != only:
                continue
            trace = make()
            path = tmp / f"{name}.html"
            attnlab.write_html(trace, path, **options)
            page = browser.new_page(viewport={"width": 1280, "height": 560})
            page.goto(path.as_uri())
            page.wait_for_selector("body[data-ready]", state="attached")
            page.click(f'nav.tabs button[data-view="{tab}"]')
            if act is not None:
                act(page)
            page.screenshot(path=str(IMAGES / name), full_page=True)
            page.close()
        browser.close()


def _hover_output(page) -> None:
    page.select_option('section[data-pane="pipeline"] select', "1")
    box = page.locator('section[data-pane="pipeline"] canvas[data-stage="output"]').bounding_box()
    xy = page.evaluate("window.__attnlab.views.pipeline.cellXY('output', 2, 1)")
    page.mouse.move(box["x"] + xy["x"], box["y"] + xy["y"])  # output cell (2, 1)


def _hover_bridge(page) -> None:
    box = page.locator('section[data-pane="pipeline"] canvas[data-stage="weights"]').bounding_box()
    page.mouse.move(box["x"] + box["width"] - 20, box["y"] + box["height"] - 20)


def _census_sink(page) -> None:
    page.select_option('section[data-pane="atlas"] select', "first_token")
    xy = page.evaluate("window.__attnlab.views.atlas.cellXY(17, 4)")
    box = page.locator("[data-testid=census-canvas]").bounding_box()
    page.mouse.move(box["x"] + xy["x"], box["y"] + xy["y"])


# the web app's screens: (file, address, what to do before the screenshot); {tid}: the paragraph's trace
APP_SCREENS = [
    ("app-playground.png", "/?lang=en&tokens=Tokyo%20is%20a%20beautiful%20city&d_model=8&heads=2&seed=7&view=pipeline",
     lambda page: _app_hover_x(page)),
    ("app-paragraph-heatmap.png", "/t/{tid}?lang=ja&view=heatmap&layer=3&head=2", lambda page: _keyboard_cursor(page)),
    ("app-paragraph-headview.png", "/t/{tid}?lang=ja&view=headview&layer=3&head=0", None),
    ("app-paragraph-modelview.png", "/t/{tid}?lang=ja&view=modelview", None),
]
SETTLED = """() => { const a = window.__attnlab; if (!a || !a.ready) return false;
  return ![...document.querySelectorAll('[data-testid$="-loading"]')].some((e) => !e.hidden); }"""


def app(only: str | None = None) -> None:
    """Screens of the web app on a real model: a Japanese paragraph in SmolLM2 (past one page: every view
    reads from the server) and the playground."""
    import socket
    import threading
    import time

    import uvicorn
    from playwright.sync_api import sync_playwright

    from attnlab.models.api import run_text
    from attnlab.server import ServeConfig, create_app

    fastapi_app = create_app(ServeConfig(port=0))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(fastapi_app, log_level="warning"))
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    state = fastapi_app.fastapi.state.attnlab
    inputs = {"text": PARAGRAPH, "model": "smollm2", "generate": 0, "truncate": False}
    tid = state.texts.put("text", inputs, run_text(PARAGRAPH, "smollm2")).id
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for name, address, act in APP_SCREENS:
            if only is not None and name != only:
                continue
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(url + address.format(tid=tid))
            while not page.evaluate(SETTLED):
                time.sleep(0.25)
            if act is not None:
                act(page)
            time.sleep(0.5)
            page.screenshot(path=str(IMAGES / name), full_page=name != "app-paragraph-headview.png")
            page.close()
        browser.close()
    server.should_exit = True


def _app_hover_x(page) -> None:
    box = page.locator('canvas.pipe-mat[data-stage="weights"]').bounding_box()
    xy = page.evaluate("window.__attnlab.views.pipeline.cellXY('weights', 3, 1)")
    page.mouse.move(box["x"] + xy["x"], box["y"] + xy["y"])


def _keyboard_cursor(page) -> None:
    page.locator("[data-testid=heatmap-map]").focus()
    for key in ("ArrowDown",) * 12 + ("ArrowRight",) * 3:
        page.keyboard.press(key)


def cli() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-pages", action="store_true", help="figures only (no Chromium)")
    ap.add_argument("--only", metavar="FILE", help="only this screenshot (page-census.png, app-playground.png), "
                                                   "no figures")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.only is None:
            figures(Path(tmp))
        if not args.no_pages:
            if args.only is None or args.only.startswith("page-"):
                pages(Path(tmp), args.only)
            if args.only is None or args.only.startswith("app-"):
                app(args.only)
    print(f"written into {IMAGES}: look at every picture")


if __name__ == "__main__":
    cli()
