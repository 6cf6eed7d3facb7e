"""What `learn study` and `learn sweep` share to run trainings beside the process that drives them:
the torch threads every run is pinned to, the worker-process functions of `--jobs N` (spawned
processes that report over a pipe), the SIGTERM guard that passes a stop on to them, and the
set-up both runners do before their first run (`check_jobs`, `running`).

A run's numbers must not depend on where it trains: in the driving process (`--jobs 1`), in a
spawned process (`--jobs N`) or in a Ray task (learn/studies/ray_tasks.py). Each pins its torch threads to
the same count (the run's `torch_threads`, else RUN_THREADS) before it trains, and a worker
process or Ray task also gets the BLAS libraries' thread variables set to that count.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

# torch threads of a study's or a sweep's runs (unless their config sets torch_threads) and of a
# study's evaluations: fixed, whatever --jobs or --ray is, so that results do not depend on them
RUN_THREADS = 1

# the BLAS libraries' thread variables, read once when a process starts
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def cores() -> int:
    """CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def pin_threads(n: int, interop: bool = False) -> int:
    """Set torch's intra-op threads to `n` (and its inter-op threads, where this process still
    allows it); returns the count before."""
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(n)
    if interop:
        try:
            torch.set_num_interop_threads(n)
        except RuntimeError:  # settable once, before any inter-op work of the process
            pass
    return old


class thread_env:
    """The thread variables of the BLAS libraries set to `n` (unless set already) while a worker
    process starts, so that it inherits them (torch's own threads are pinned in the worker)."""

    def __init__(self, n: int):
        self.n, self.set = n, []

    def __enter__(self):
        for k in THREAD_VARS:
            if k not in os.environ:
                os.environ[k] = str(self.n)
                self.set.append(k)

    def __exit__(self, *exc):
        for k in self.set:
            os.environ.pop(k, None)


class RunFailed(Exception):
    """A training that failed away from the driving process, in a worker process or a Ray task
    (the message is the worker's error, shown as it is)."""


def train_worker(data: dict[str, Any], threads: int, conn) -> None:
    """One study run in a spawned process (`learn study --jobs N`): its torch threads pinned, then
    `train`; sends ("ok", {wall_s, SPS}) or ("error", why) to the parent."""
    try:
        pin_threads(threads, interop=True)
        conn.send(("ok", train_summary(data)))
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the run wrote a checkpoint and stopped
        conn.send(("error", "interrupted (a checkpoint was written)"))
    except BaseException as e:
        conn.send(("error", f"{type(e).__name__}: {e}"))
    finally:
        conn.close()


def train_summary(data: dict[str, Any]) -> dict[str, float]:
    """Train one study run (TrainConfig fields): {wall_s, SPS}, what the driver prints."""
    from learn.training.config import from_dict
    from learn.training.train import train

    summary = train(from_dict(data, "study run"))
    return {"wall_s": float(summary["wall_s"]), "SPS": float(summary["SPS"])}


def study_run(data: dict[str, Any]) -> dict[str, float]:
    """One study run in a Ray task (learn/studies/ray_tasks.py): as `train_summary`, after taking up what
    an earlier attempt of the task left in the run directory (Ray runs a task again when its
    worker died): its checkpoint is resumed from, a run without one is moved aside."""
    from learn.rundir.rundir import lock_holder, reclaim_run_dir

    rd = Path(data["run_dir"])
    if lock_holder(rd):  # an attempt Ray thought dead still trains there: never take its run over
        raise RuntimeError(f"{rd}: still trained by {lock_holder(rd)}; not taken over")
    data = {**data, "resume": reclaim_run_dir(rd)}
    return train_summary(data)


def sweep_trial(args: dict[str, Any]) -> dict[str, Any]:
    """One sweep trial in a Ray task: `args["fn"]` (default learn.studies.sweep_trial.run_trial) of
    `args["task"]`, after moving aside what an earlier attempt of the task left: a trial that
    Ray runs again starts its runs, and its curve, afresh."""
    import time

    from learn.rundir.rundir import lock_holder

    for run in args["task"]["runs"]:
        rd = Path(run["run_dir"])
        if rd.exists():
            if lock_holder(rd):  # an attempt Ray thought dead still trains there: never move a live run
                raise RuntimeError(f"{rd}: still trained by {lock_holder(rd)}; not moved aside")
            rd.rename(rd.with_name(f"{rd.name}.stale-{time.strftime('%Y%m%d-%H%M%S')}"))
    fn = args["fn"]
    if fn is None:
        from learn.studies.sweep_trial import run_trial as fn
    return fn(args["task"])


def trial_worker(fn, task: dict[str, Any], threads: int, conn) -> None:
    """One sweep trial in a spawned process (`learn sweep --jobs N`): torch threads pinned, then
    `fn(task)`; sends its result, or {"state": "interrupted" | "error", "error": why}."""
    try:
        pin_threads(threads, interop=True)
        conn.send(fn(task))
    except KeyboardInterrupt:
        conn.send({"state": "interrupted", "error": "interrupted"})
    except BaseException as e:
        conn.send({"state": "error", "error": f"{type(e).__name__}: {e}"})
    finally:
        conn.close()


class PassOnSigterm:
    """While trainings run in worker processes: SIGTERM to the driver is passed on to them (each
    writes a checkpoint at its next epoch and stops, learn.training.distributed.SigtermGuard) and raised
    here as Terminated at the next `check()` (never from the handler, which could land inside a
    DuckDB commit). `stop_all()` does the same for Ctrl-C and waits for the workers.
    `running`: sentinel -> (job, process, pipe, start), as the --jobs loops keep it."""

    def __init__(self, running: dict[Any, tuple[Any, Any, Any, float]]):
        self.running, self.got = running, None
        try:
            self.old = signal.signal(signal.SIGTERM, self._handle)
        except ValueError:  # not the main thread
            self.old = None

    def _handle(self, signum, frame) -> None:
        self.got = signum
        self._signal_all(signum)

    def _signal_all(self, signum: int) -> None:
        for _, proc, _, _ in list(self.running.values()):
            if proc.is_alive():
                try:
                    os.kill(proc.pid, signum)
                except ProcessLookupError:
                    pass

    def check(self) -> None:
        if self.got is not None:
            from learn.training.distributed import Terminated

            raise Terminated(f"got signal {self.got}")

    def stop_all(self, grace_s: float = 300.0) -> None:
        if self.got is None:
            self._signal_all(signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        for _, proc, _, _ in list(self.running.values()):
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                proc.kill()
                proc.join()

    def restore(self) -> None:
        if self.old is not None:
            signal.signal(signal.SIGTERM, self.old)
            self.old = None


def check_jobs(jobs: int | None, ray: str | None, ray_copy: bool, error: type[Exception]) -> None:
    """`--jobs` and `--ray-copy` as both runners take them; `error` is the runner's own."""
    if jobs is not None and jobs < 1:
        raise error(f"--jobs must be at least 1, got {jobs}")
    if ray_copy and not ray:
        raise error("--ray-copy: only with --ray ADDRESS (it says how Ray workers send runs back)")


@contextmanager
def running(
    out: Path,
    who: str,
    error: type[Exception],
    progress: Callable[[str], None],
    ray: str | None = None,
    resources: Any = None,
    configs: dict[str, Any] | None = None,
    file: str = "",
) -> Iterator[tuple[Any, Callable[[], None]]]:
    """What a study or a sweep holds while it runs: with `ray`, the Ray connection (after checking
    the file's [resources] against the `configs` it trains, {what: config}), then `out` made and
    locked, so one runner owns it (`who` names the command in the refusal). Yields the cluster
    (None without Ray) and a function that disconnects early (a Ray instance started for the
    trainings is not kept through the report)."""
    from learn.rundir.rundir import RunLock

    with ExitStack() as stack:
        cluster = None
        if ray:
            from learn.studies.cluster_spec import check_resources
            from learn.studies.ray_cluster import connect

            check_resources(resources, configs or {}, file, error)
            cluster = stack.enter_context(connect(ray, error, progress))
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise error(f"--out {out}: cannot be created ({e.strerror}); give a writable directory") from None
        lock = RunLock(out, who=who, fix="give another --out")
        try:
            yield cluster, stack.close
        finally:
            lock.release()
