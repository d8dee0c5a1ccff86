"""The Ray engine: Ray Data maps the pending parts over a pool of actors, each holding the model once.

    parts (their Part fields) --from_items--> map_batches(PartActor, batch_size=1, actor pool) --> driver writes

Each actor loads the model once (`models.api.load`), then for each part it is handed reads the
part's documents from the input itself (`inputs.read_part`: the input must be at the same path on
every node, e.g. a shared file system), scores them with `local.compute_part` (the same code as the
local engine, so the same rows) and returns the part file's bytes. Only those bytes (zstd Parquet,
~100 kB per 256 short documents of SmolLM2) travel through the object store; the driver writes them
(`parts.write_part`), so only the driver needs the output folder. Parts come back in any order; each
is written as it arrives, so an interrupt or a dead actor loses only the parts in flight.

Cluster: `ray.init()` joins the cluster named by RAY_ADDRESS, else starts a local one (`num_cpus`:
all cores unless given). Joining is checked first, in bounded time (`check_cluster`): ray.init
waits minutes in C++ for an address where no cluster answers (seen: 127.0.0.1:1, or a port where
another server listens), deaf to signals, so the check runs a TCP connect (seconds) and then
ray.init itself in a child process that is killed after RAY_CONNECT_TIMEOUT seconds.
Actors ask for one GPU each where the cluster has GPUs (then the pool has as many actors as GPUs)
and move the model there (`trace_ids` sends the inputs to the model's device); else `cpus_per_actor`
CPUs each (torch then uses that many threads). The GPU path has not run on a GPU yet: no GPU was
lent to the task that wrote it (docs/scaling.md).
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from ..errors import AttnlabError
from ..i18n import tr_error
from .document import Options
from .inputs import InputPlan, Part
from .local import Progress
from .parts import write_part

PART_FIELDS = tuple(f.name for f in fields(Part))  # one row of the dataset per part: its fields
TCP_TIMEOUT = 5.0  # seconds for RAY_ADDRESS's host to accept a connection
RAY_CONNECT_TIMEOUT = 45.0  # seconds for a child process to import Ray and join the cluster (2-10 s when it answers)
_JOIN = ("import logging, os, ray; ray.init(address=os.environ['RAY_ADDRESS'], include_dashboard=False, "
         "logging_level=logging.ERROR, log_to_driver=False); ray.shutdown()")


def _plain(value: Any) -> Any:
    """A numpy scalar from a batch as the plain Python value a Part holds."""
    return value.item() if hasattr(value, "item") else str(value)


class PartActor:
    """A Ray Data callable class: the model, loaded once per actor; one part per call."""

    def __init__(self, model: str, plan: dict, options: dict, threads: int | None) -> None:
        import torch

        from ..models.api import load

        if threads:
            torch.set_num_threads(threads)
        self.lm = load(model)
        if torch.cuda.is_available():  # Ray gave this actor a GPU (CUDA_VISIBLE_DEVICES: that one)
            self.lm.model.to("cuda")  # fp32, as loaded; the traces then live on the GPU, the scores come back
        self.plan = InputPlan(**plan, parts=())  # the file; each batch row carries its own part
        self.options = Options(**options)

    def __call__(self, batch: dict) -> dict:
        import numpy as np

        from .local import compute_part

        out: dict[str, list] = {"index": [], "data": [], "documents": [], "tokens": []}
        for i in range(len(batch["index"])):
            part = Part(**{name: _plain(batch[name][i]) for name in PART_FIELDS})
            data, info = compute_part(self.lm, self.plan, part, self.options)
            out["index"].append(part.index)
            out["data"].append(data)
            out["documents"].append(part.stop - part.start)
            out["tokens"].append(info["tokens"])
        return {"index": np.array(out["index"], dtype=np.int64), "data": np.array(out["data"], dtype=object),
                "documents": np.array(out["documents"], dtype=np.int64),
                "tokens": np.array(out["tokens"], dtype=np.int64)}


def ray_module() -> Any:
    try:
        import ray
        import ray.data
    except ImportError:
        raise AttnlabError("--engine ray needs Ray: pip install 'attnlab[ray]'") from None
    return ray


def check_cluster(tcp_timeout: float = TCP_TIMEOUT, join_timeout: float = RAY_CONNECT_TIMEOUT) -> None:
    """When RAY_ADDRESS names a cluster: refuse, in seconds, an address where none answers (see the
    module docstring). Without RAY_ADDRESS (or "local") there is nothing to join: a local one starts."""
    address = os.environ.get("RAY_ADDRESS", "").strip()
    if address in ("", "local"):
        return
    if address != "auto":
        host, _, port = address.removeprefix("ray://").rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise tr_error(AttnlabError, "err_ray_address", address=address)
        try:
            socket.create_connection((host.strip("[]"), int(port)), timeout=tcp_timeout).close()
        except OSError as e:
            problem = "timed out" if isinstance(e, TimeoutError) else e.strerror or str(e)
            raise tr_error(AttnlabError, "err_ray_unreachable", address=address, problem=problem) from None
    try:
        joined = subprocess.run([sys.executable, "-c", _JOIN], capture_output=True, timeout=join_timeout)
    except subprocess.TimeoutExpired:
        raise tr_error(AttnlabError, "err_ray_timeout", address=address, seconds=round(join_timeout)) from None
    if joined.returncode != 0:
        lines = [ln for ln in joined.stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
        raise tr_error(AttnlabError, "err_ray_unreachable", address=address,
                       problem=(lines[-1] if lines else f"exit code {joined.returncode}")[:200])


def run_ray(model: str, plan: InputPlan, pending: Sequence[Part], options: Options, out: Path,
            progress: bool | None = None, *, num_cpus: int | None = None, workers: int | None = None,
            cpus_per_actor: int = 1) -> None:
    """Compute the pending parts on a Ray cluster (see the module docstring) and write them here."""
    ray = ray_module()
    started = not ray.is_initialized()
    if started:
        local = os.environ.get("RAY_ADDRESS", "").strip() in ("", "local")
        ray.init(address="local" if local else None, num_cpus=num_cpus if local else None, include_dashboard=False,
                 logging_level=logging.WARNING, log_to_driver=False, configure_logging=True)
        logging.getLogger("ray.data").setLevel(logging.WARNING)  # no per-run INFO lines on stderr
    try:
        _run(ray, model, plan, pending, options, out, progress, workers, cpus_per_actor)
    finally:
        if started:
            ray.shutdown()


def _run(ray, model, plan, pending, options, out, progress, workers, cpus_per_actor) -> None:
    if not pending:
        return
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False  # the driver's own bar counts documents
    ctx.print_on_execution_start = False
    resources = ray.cluster_resources()
    gpus = int(resources.get("GPU", 0))
    cpus = int(resources.get("CPU", 1))
    size = workers or (gpus if gpus else max(1, cpus // cpus_per_actor))
    size = max(1, min(size, len(pending)))
    header = {k: v for k, v in asdict(plan).items() if k != "parts"}  # small: the actors' constructor argument
    ds = ray.data.from_items([asdict(p) for p in pending], override_num_blocks=len(pending))
    ds = ds.map_batches(
        PartActor,
        fn_constructor_kwargs={"model": model, "plan": header, "options": asdict(options),
                               "threads": None if gpus else cpus_per_actor},
        batch_size=1,
        compute=ray.data.ActorPoolStrategy(size=size),
        num_cpus=0 if gpus else cpus_per_actor,
        num_gpus=1 if gpus else 0,
        batch_format="numpy",
    )
    bar = Progress(sum(p.stop - p.start for p in pending), progress, f"attnlab corpus (ray, {size} actors)")
    try:
        for batch in ds.iter_batches(batch_size=None, batch_format="numpy", prefetch_batches=0):
            for index, data, documents, tokens in zip(batch["index"], batch["data"], batch["documents"],
                                                      batch["tokens"]):
                write_part(out, int(index), bytes(data))
                bar(int(documents), int(tokens))
    except Exception as e:
        raise _one_line(e) from None
    finally:
        bar.close()


def _one_line(e: BaseException) -> BaseException:
    """The AttnlabError inside a Ray error (a worker's bad input), else one line naming the failure."""
    seen = set()
    cur: BaseException | None = e
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, AttnlabError):
            return AttnlabError(str(cur))
        cur = getattr(cur, "cause", None) or cur.__cause__
    if isinstance(e, KeyboardInterrupt):
        return e
    first = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return AttnlabError(f"a Ray worker failed ({type(e).__name__}: {first[:200]}); the parts written so far are "
                        "kept: rerun the same command to resume")
