"""How long the CLI makes a learner wait: `attnlab --help`, the command list, `attnlab toy` (the
printout alone, and with its figures), each beside `python -c "import torch"` measured in the same
run, as a ratio (the machine's speed and load cancel out of it, mostly).

Every command runs in a fresh process (as typed in a shell), stdout to /dev/null, in a temporary
folder; the cases run round-robin (one of each, then again), so a burst of load from other jobs
falls on all of them alike; the table gives the median and the fastest of the runs. With --ref, the
same commands also run on the code of a git ref (its `src/`, extracted with git archive) for a
before / after in one run.

    PYTHONPATH=src python bench/bench_cli.py              # 9 runs of each
    PYTHONPATH=src python bench/bench_cli.py --runs 15 --ref main
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "python -c 'import torch'"
CASES = {  # name: argv after `python`
    BASELINE: ["-c", "import torch"],
    "attnlab --help": ["-m", "attnlab", "--help"],
    "attnlab (the command list)": ["-m", "attnlab"],
    "attnlab toy --help": ["-m", "attnlab", "toy", "--help"],
    "attnlab toy (printout)": ["-m", "attnlab", "toy"],
    "attnlab toy --out DIR (printout + 6 figure files)": ["-m", "attnlab", "toy", "--out", "figs"],
}


def timed(argv: list[str], src: Path, cwd: Path) -> float:
    """Seconds from start to exit of `python argv` importing attnlab from `src`."""
    env = dict(os.environ, PYTHONPATH=str(src), ATTNLAB_PROGRESS="0")
    start = time.perf_counter()
    subprocess.run([sys.executable, *argv], cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    return time.perf_counter() - start


def extract(ref: str, into: Path) -> Path:
    """The `src/` of git `ref`, extracted into `into`."""
    archive = subprocess.run(["git", "archive", ref, "src"], cwd=ROOT, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def measure(sources: dict[str, Path], runs: int, cwd: Path) -> dict[tuple[str, str], list[float]]:
    """{(code, case): seconds of each run}, the cases of every code interleaved round-robin."""
    times: dict[tuple[str, str], list[float]] = {}
    for i in range(runs):
        for code, src in sources.items():
            for name, argv in CASES.items():
                if name == BASELINE and code != "now":
                    continue  # torch is the same for every code: measured once per round
                times.setdefault((code, name), []).append(timed(argv, src, cwd))
        print(f"round {i + 1}/{runs} done", file=sys.stderr, flush=True)
    return times


def table(times: dict[tuple[str, str], list[float]]) -> str:
    base = statistics.median(times[("now", BASELINE)])
    lines = ["| code | command | median s | fastest s | median / import torch |", "|---|---|---:|---:|---:|"]
    for (code, name), seconds in times.items():
        median = statistics.median(seconds)
        lines.append(f"| {code} | `{name}` | {median:.2f} | {min(seconds):.2f} | {median / base:.2f} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=9, help="runs of each command (default 9)")
    ap.add_argument("--ref", default=None, help="also time the code of this git ref (e.g. main)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sources = {"now": ROOT / "src"}
        if args.ref:
            sources[args.ref] = extract(args.ref, Path(tmp) / "ref")
        cwd = Path(tmp) / "work"  # where `toy` (before this change) and `--out figs` write
        cwd.mkdir()
        load = os.getloadavg()
        times = measure(sources, args.runs, cwd)
        print(table(times))
        after = os.getloadavg()
        print(f"\n{args.runs} runs each, {os.cpu_count()} CPUs, load average (1 min) {load[0]:.1f} before, "
              f"{after[0]:.1f} after; python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
