"""The driver's side of `learn study --ray ADDRESS` and `learn sweep --ray ADDRESS`
(docs/distributed.md, "Studies and sweeps on a cluster (Ray)").

- `connect(address, ...)`: `local` starts a Ray instance on this machine with its cores (stopped
  at the end), `auto` joins the cluster this machine is part of (`ray start`; or RAY_ADDRESS),
  `ray://HOST:PORT` joins one through the Ray client; an address that answers nothing is one
  line naming it and what to do. A program that called `ray.init` itself is used as it is.
- `Cluster.submit(payload, resources)`: one task (learn/studies/ray_tasks.py `run`) with the CPUs and GPUs
  a run asks for (a study's or a sweep's `[resources]`, learn/studies/cluster_spec.py), the run's torch
  threads in its BLAS variables, and `max_retries`: a worker that dies is run again by Ray.
- `Cluster.outcome(ref)`: the task's result; a task Ray gave up on (its worker died every time)
  comes back as a failed one, with Ray's reason.
- `Cluster.probe(out)`: a token file in the driver's directory; a worker that reads it writes the
  runs there itself, any other trains in a temporary directory and sends them back.
- `Mailbox`: how a trial's training curve reaches the driver's Optuna study (learn/studies/sweep.py).

The driver alone holds the study directory: the plan, the lock, study.duckdb or optuna.db, the
evaluations and the report; the workers only train (and a sweep's trials evaluate).
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from learn.studies.workers import THREAD_VARS, cores

LOCAL = "local"
PROBE = ".ray-probe"
# seconds the driver waits for stopped tasks to write their checkpoint (Ctrl-C, SIGTERM)
STOP_GRACE_S = 120.0


class Cluster:
    """A connection to Ray: its resources, the task function, and how to read its results."""

    def __init__(self, address: str, started: bool):
        import ray

        from learn.studies import ray_tasks

        self.address, self.started = address, started
        total = ray.cluster_resources()
        self.cpus, self.gpus = float(total.get("CPU", 0)), float(total.get("GPU", 0))
        self._task = ray.remote(ray_tasks.run)

    @property
    def may_copy(self) -> bool:
        """Whether a worker may lack the driver's filesystem (any cluster but one started here)."""
        return not self.started

    def slots(self, cpus: float, gpus: float) -> int:
        """Runs of `cpus` CPUs and `gpus` GPUs the cluster holds at once (at least 1)."""
        n = self.cpus // cpus if cpus else float("inf")
        if gpus:
            n = min(n, self.gpus // gpus)
        return max(1, int(min(n, 1 << 20)))

    def fits(self, cpus: float, gpus: float) -> bool:
        return cpus <= self.cpus and gpus <= self.gpus

    def submit(self, payload: dict[str, Any], cpus: float, gpus: float, retries: int):
        threads = str(payload["threads"])
        env = {k: os.environ.get(k, threads) for k in THREAD_VARS}  # as a --jobs worker inherits them
        return self._task.options(
            num_cpus=cpus,
            num_gpus=gpus,
            max_retries=retries,
            runtime_env={"env_vars": env},
            name=payload.get("name", "run"),
        ).remote(payload)

    def wait(self, refs: list, timeout: float) -> list:
        import ray

        return ray.wait(refs, num_returns=1, timeout=timeout)[0] if refs else []

    def outcome(self, ref, retries: int) -> dict[str, Any]:
        """The task's result; one that Ray could not finish as a failed result naming why."""
        import ray
        from ray import exceptions as rex

        try:
            return ray.get(ref)
        except rex.TaskCancelledError:
            why, interrupted = "interrupted before it wrote a checkpoint", True
        except (
            rex.WorkerCrashedError,
            rex.NodeDiedError,
            rex.OutOfMemoryError,
            rex.LocalRayletDiedError,
        ) as e:
            why = (
                f"its worker died {retries + 1} times (Ray retried it {retries} times; [resources] retries): "
                f"{_first_line(e)}"
            )
            interrupted = False
        except rex.RayError as e:
            why, interrupted = f"{type(e).__name__}: {_first_line(e)}", False
        return {
            "ok": False,
            "value": why,
            "interrupted": interrupted,
            "runs": {},
            "shared": False,
            "node": "?",
        }

    def cancel(self, refs: list) -> list:
        """Stop the tasks (KeyboardInterrupt in each: a training writes a checkpoint); the refs
        that ended within STOP_GRACE_S."""
        import ray

        try:
            for ref in refs:
                ray.cancel(ref, recursive=False)  # not its pending mailbox calls
            return ray.wait(refs, num_returns=len(refs), timeout=STOP_GRACE_S)[0] if refs else []
        except Exception:  # Ray itself is going (Ctrl-C reaches a `local` Ray's processes too)
            return []

    @contextmanager
    def probe(self, out: Path) -> Iterator[list[str]]:
        """[path, token]: written into `out` for the tasks' filesystem check, removed after."""
        path, token = out.resolve() / PROBE, secrets.token_hex(16)
        path.write_text(token, encoding="utf-8")
        try:
            yield [str(path), token]
        finally:
            path.unlink(missing_ok=True)

    def mailbox(self):
        import ray

        return ray.remote(num_cpus=0)(Mailbox).remote()


@contextmanager
def connect(address: str, error: type[Exception], progress: Callable[[str], None]) -> Iterator[Cluster]:
    """The cluster at `address` (module docstring) for the block; `error` (one line) when there is none."""
    try:
        import ray
    except ImportError:
        raise error(
            "--ray: the ray package is not installed (pip install ray==2.60.0; `make setup` installs it)"
        ) from None
    if ray.is_initialized():  # this program connected itself: use that connection, and leave it open
        yield Cluster(address, started=False)
        return
    started = address == LOCAL
    if started:
        kwargs: dict[str, Any] = {"address": "local", "num_cpus": cores(), "include_dashboard": False}
        # "local": a new instance even where RAY_ADDRESS is set or `ray start` made one here (joining
        # that with num_cpus would fail)
    else:
        kwargs = {"address": address}
        progress(f"connecting to the Ray cluster at {address}")
    try:
        ray.init(logging_level=logging.WARNING, **kwargs)
    except Exception as e:  # ConnectionError, a timeout of the client, a malformed address
        raise error(
            f"--ray {address}: no Ray cluster answers there ({_first_line(e)}); start one with "
            f"`ray start --head` and give `--ray auto` on one of its machines or `--ray ray://HEAD:10001` "
            f"from elsewhere, or give `--ray local` to start one on this machine"
        ) from None
    try:
        yield Cluster(address, started)
    finally:
        ray.shutdown()


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


class Mailbox:
    """A trial's curve points, from its task to the driver and back (a Ray actor, taking no CPU):
    the task's `ask(key, number, value, step)` waits until the driver has reported the point to
    its Optuna study and `answer`ed whether to prune; the driver `take`s the points waiting. So
    only the driver opens optuna.db, wherever the trials run."""

    def __init__(self):
        self.waiting: list[tuple[str, int, float, int]] = []
        self.events: dict[str, asyncio.Event] = {}
        self.answers: dict[str, bool] = {}

    async def ask(self, key: str, number: int, value: float, step: int) -> bool:
        event = self.events[key] = asyncio.Event()
        self.waiting.append((key, number, value, step))
        await event.wait()
        return self.answers.pop(key)

    async def take(self) -> list[tuple[str, int, float, int]]:
        out, self.waiting = self.waiting, []
        return out

    async def answer(self, key: str, prune: bool) -> None:
        self.answers[key] = prune
        event = self.events.pop(key, None)
        if event is not None:
            event.set()
