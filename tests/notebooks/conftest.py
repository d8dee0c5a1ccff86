"""Real notebook hosts for the tests: JupyterLab and Notebook 7 (from the dev extras) started on a
free loopback port with a random token, in a folder of their own, with settings, workspaces and
runtime files in that folder too (nothing of the user's ~/.jupyter is read or written), news and
update checks off. The browser is the session's Chromium (tests/conftest.py), and every request that
would leave 127.0.0.1 is recorded and refused.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ..html.conftest import ARTIFACTS

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
SHOTS = ARTIFACTS.parent / "notebooks"
START_TIMEOUT = 90  # s: a cold start of JupyterLab on 2 busy cores takes ~10 s


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Host:
    """A running notebook server."""

    kind: str  # "lab" or "notebook"
    root: Path  # the folder it serves
    port: int
    token: str
    proc: subprocess.Popen = field(repr=False)

    def url(self, notebook: str) -> str:
        """The notebook's page; in JupyterLab in a workspace of its own, so that no tab of an earlier
        test is restored next to it."""
        path = f"lab/workspaces/{secrets.token_hex(4)}/tree" if self.kind == "lab" else "notebooks"
        return f"http://127.0.0.1:{self.port}/{path}/{notebook}?token={self.token}"


def _quiet_settings(settings: Path) -> None:
    """No news or update notices (JupyterLab asks on first start whether to fetch news)."""
    folder = settings / "@jupyterlab" / "apputils-extension"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}), encoding="utf-8")


def start_host(kind: str, base: Path) -> Host:
    root, state = base / "root", base / "state"
    root.mkdir(parents=True)
    if kind == "lab":  # Notebook 7 has no such plugin (a settings file for it fails its page)
        _quiet_settings(state / "settings")
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(state / "config"), JUPYTER_RUNTIME_DIR=str(state / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(state / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(state / "workspaces"),
               IPYTHONDIR=str(state / "ipython"), JUPYTER_PLATFORM_DIRS="1")
    module = "jupyterlab" if kind == "lab" else "notebook"
    args = [sys.executable, "-m", module, "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
            "--ServerApp.allow_root=True", "--ServerApp.terminals_enabled=False",
            "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly"]
    if kind == "notebook":  # Notebook 7 has neither news nor update checks
        args = [a for a in args if not a.startswith("--LabApp.")]
    log = (base / f"{kind}.log").open("w")
    proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    host = Host(kind, root, port, token, proc)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{module} exited ({proc.returncode}): {(base / f'{kind}.log').read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2):
                return host
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError(f"{module} did not answer on 127.0.0.1:{port} within {START_TIMEOUT} s")


def stop_host(host: Host) -> None:
    host.proc.terminate()
    try:
        host.proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        host.proc.kill()
        host.proc.wait()


EXECUTE_LIMIT = 300  # s for a whole lesson notebook (about 35 s here: MiniLM twice, the toy figures)


@dataclass
class Executed:
    """A lesson notebook run top to bottom by nbclient, as CI runs it."""

    lang: str
    nb: object  # nbformat NotebookNode with its outputs
    path: Path  # where it was saved (outputs included, never signed: an untrusted copy)
    seconds: float  # wall time of the run


@pytest.fixture(scope="session")
def executed(tmp_path_factory):
    """executed(lang) -> Executed: each lesson is run once per test session, in its own folder and with
    its own IPython profile folder."""
    import nbformat
    from nbclient import NotebookClient

    done: dict[str, Executed] = {}

    def run(lang: str) -> Executed:
        if lang not in done:
            folder = tmp_path_factory.mktemp(f"lesson-{lang}")
            nb = nbformat.read(NOTEBOOKS / f"attention_handson_{lang}.ipynb", as_version=4)
            old = os.environ.get("IPYTHONDIR")
            os.environ["IPYTHONDIR"] = str(folder / "ipython")
            try:
                start = time.monotonic()
                NotebookClient(nb, timeout=EXECUTE_LIMIT, startup_timeout=120, kernel_name="python3",
                               resources={"metadata": {"path": str(folder)}}).execute()
                seconds = time.monotonic() - start
            finally:
                if old is None:
                    os.environ.pop("IPYTHONDIR", None)
                else:
                    os.environ["IPYTHONDIR"] = old
            path = folder / f"attention_handson_{lang}.ipynb"
            nbformat.write(nb, path)
            done[lang] = Executed(lang, nb, path, seconds)
        return done[lang]

    return run


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if shutil.which("jupyter-lab", path=str(Path(sys.executable).parent)) is None:
        pytest.fail("JupyterLab is not installed: it is in the dev extras (pip install -e '.[dev]')")
    host = start_host("lab", tmp_path_factory.mktemp("lab"))
    yield host
    stop_host(host)


@pytest.fixture(scope="module")
def nb7(tmp_path_factory):
    host = start_host("notebook", tmp_path_factory.mktemp("nb7"))
    yield host
    stop_host(host)


@dataclass
class Session:
    """A browser page on a notebook host, with every request it made."""

    page: object  # playwright Page
    requests: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # would have left 127.0.0.1
    errors: list[str] = field(default_factory=list)  # uncaught exceptions not thrown by the host's own code
    host_errors: list[str] = field(default_factory=list)  # thrown inside the host's bundles (see `_thrown_by_host`)

    def shot(self, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path


def _thrown_by_host(stack: str | None) -> bool:
    """An exception whose innermost frame is in JupyterLab's or Notebook 7's own bundles. Notebook 7.6
    throws one while it loads when a page is polled during start-up ("Cannot read properties of
    undefined (reading 'schema')" in its shortcuts plugin), with or without attnlab; the loader of an
    attnlab output runs through eval, so its frames are never in a bundle file."""
    frames = [line.strip() for line in (stack or "").splitlines() if line.strip().startswith("at ")]
    top = frames[0] if frames else ""
    return ("/static/notebook/" in top or "/static/lab/" in top) and "eval" not in top


def _local(url: str) -> bool:
    return url.startswith(("http://127.0.0.1:", "ws://127.0.0.1:", "data:", "blob:", "about:"))


@pytest.fixture
def session(browser):
    """session(viewport) -> Session: a fresh browser context that refuses every non-loopback request."""
    contexts = []

    def opener(viewport=(1280, 900)) -> Session:
        ctx = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, accept_downloads=True)
        contexts.append(ctx)
        s = Session(page=ctx.new_page())

        def route(r):
            s.requests.append(r.request.url)
            if _local(r.request.url):
                r.continue_()
            else:
                s.refused.append(r.request.url)
                r.abort()

        ctx.route("**/*", route)
        s.page.on("request", lambda req: _local(req.url) or s.refused.append(req.url))
        s.page.on("pageerror", lambda e: (s.host_errors if _thrown_by_host(e.stack) else s.errors).append(str(e)))
        return s

    yield opener
    for c in contexts:
        c.close()
