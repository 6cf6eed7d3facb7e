"""Data-parallel training with torch.distributed: `torchrun --nproc_per_node N -m learn train ...`.

Each process (rank) runs the whole trainer on its own envs; the policy is wrapped in
DistributedDataParallel for the PPO update, so gradients are averaged over ranks and the
parameters stay identical. Only rank 0 writes the run directory (config.toml, status.json,
metrics.jsonl, stats.duckdb, checkpoints). See docs/distributed.md.

Everything here is a no-op in a plain `python -m learn train` process (`DistContext.enabled`
is False): `setup()` joins a process group only when torchrun's environment (WORLD_SIZE, RANK,
MASTER_ADDR...) is present.

Test-only hooks, read from the environment (documented in docs/distributed.md):
- LEARN_DIST_DEBUG_DIR=DIR: each rank appends one JSON line per epoch to DIR/rank<R>.jsonl
  (pid, epoch, global step, its own steps and episodes, its env seed, a checksum of the
  parameters and buffers).
- LEARN_DIST_FAIL_RANK=R, LEARN_DIST_FAIL_EPOCH=E, LEARN_DIST_FAIL_MODE=raise|exit|hang: rank R
  fails right after its epoch E (raises, exits at once with status 3, or hangs).
"""

from __future__ import annotations

import datetime
import hashlib
import inspect
import json
import math
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import torch
import torch.distributed as dist
from torch import nn

BACKENDS = ("auto", "gloo", "nccl")


class RankTerminated(Exception):
    """This rank got SIGTERM: torchrun stops the surviving workers when one of them failed."""


@dataclass
class DistContext:
    enabled: bool = False
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    backend: str = ""
    owns_group: bool = False  # we called init_process_group (so we destroy it)

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def under_torchrun() -> bool:
    return "WORLD_SIZE" in os.environ and "RANK" in os.environ and "MASTER_ADDR" in os.environ


def resolve_backend(backend: str, device: torch.device) -> str:
    if backend not in BACKENDS:
        from learn.training.config import ConfigError

        raise ConfigError(f"backend {backend!r}: expected one of {', '.join(BACKENDS)}")
    if backend == "auto":
        return "nccl" if device.type == "cuda" else "gloo"
    return backend


def rank_device(device: str, local_rank: int) -> str:
    """Under torchrun, "cuda" (or "auto" resolved to cuda) means this rank's own GPU, cuda:LOCAL_RANK;
    an explicit "cuda:K" is kept as given."""
    return f"cuda:{local_rank}" if device == "cuda" else device


def device_for(device: str) -> str:
    """The device of this process: under torchrun with more than one rank, `rank_device`."""
    if under_torchrun() and int(os.environ["WORLD_SIZE"]) > 1:
        return rank_device(device, int(os.environ.get("LOCAL_RANK", 0)))
    return device


def setup(backend: str, device: torch.device, timeout_s: float) -> DistContext:
    """Join the process group torchrun describes (or the one already initialized); a disabled
    context when not launched by torchrun."""
    if dist.is_available() and dist.is_initialized():
        return DistContext(
            enabled=dist.get_world_size() > 1,
            rank=dist.get_rank(),
            world_size=dist.get_world_size(),
            local_rank=int(os.environ.get("LOCAL_RANK", 0)),
            backend=str(dist.get_backend()),
        )
    if not under_torchrun():
        return DistContext()
    world = int(os.environ["WORLD_SIZE"])
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    if world <= 1:
        return DistContext(local_rank=local_rank)
    be = resolve_backend(backend, device)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    kw = dict(backend=be, timeout=datetime.timedelta(seconds=timeout_s))
    if be == "nccl":
        kw["device_id"] = device  # eager init, binds the communicator to this rank's GPU
    try:
        dist.init_process_group(**kw)
    except TypeError:  # older torch without device_id
        kw.pop("device_id", None)
        dist.init_process_group(**kw)
    return DistContext(
        enabled=True,
        rank=dist.get_rank(),
        world_size=dist.get_world_size(),
        local_rank=local_rank,
        backend=be,
        owns_group=True,
    )


def shutdown(ctx: DistContext, ok: bool) -> None:
    """Leave the process group. After a failure the group is left alone: peers may be gone and
    the process is about to exit anyway."""
    if ctx.owns_group and ok and dist.is_initialized():
        try:
            # every rank reaches this point before any tears its connections down. Without it, a
            # finished 2-rank job (the resume in test_distributed) twice ended with rank 1
            # aborting in C++ ("terminate called without an active exception"), in about five
            # full test runs; with it, 10 of 10 runs passed. Rare enough that this is not proof.
            dist.barrier()
            dist.destroy_process_group()
        except Exception:
            pass
        ctx.owns_group = False


def exit_rank(code: int) -> None:
    """End a rank of a multi-rank torchrun job without running C++ static destructors: even
    after `shutdown`, a finished 2-rank CPU job now and then (about one full test run in ten)
    ended with a rank aborting at interpreter exit, "terminate called without an active
    exception", a gloo thread destroyed while joinable, and torchrun then failed the whole job.
    Everything the run writes (checkpoints, stats, metrics) is closed by then; only the
    standard streams need flushing. A single process exits normally."""
    if under_torchrun() and int(os.environ["WORLD_SIZE"]) > 1:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


# ---- collectives on small Python objects -----------------------------------------------------
def broadcast(ctx: DistContext, obj: Any, src: int = 0) -> Any:
    """`obj` from rank `src` on every rank (pickled; for small things: configs, paths, checkpoints)."""
    if not ctx.enabled:
        return obj
    box = [obj if ctx.rank == src else None]
    dist.broadcast_object_list(box, src=src)
    return box[0]


def all_gather(ctx: DistContext, obj: Any) -> list[Any]:
    """Every rank's `obj`, in rank order."""
    if not ctx.enabled:
        return [obj]
    out: list[Any] = [None] * ctx.world_size
    dist.all_gather_object(out, obj)
    return out


def all_mean(ctx: DistContext, x: float, device: torch.device) -> float:
    """The mean of a float over ranks (used to agree on PPO's early stop)."""
    if not ctx.enabled:
        return x
    t = torch.tensor([x], dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return float(t) / ctx.world_size


def main_decides(
    ctx: DistContext, fn: Callable[[], Any], refusal: type[Exception], share: bool = True
) -> Any:
    """Rank 0 alone runs `fn` (it names, reads or creates the run's files, which the other ranks
    need not see). A `refusal` that fn raises reaches every rank as the same error, so that all
    ranks stop together rather than the others waiting in the next collective. `share`: the
    other ranks get fn's result too; False for a result that is rank 0's own (a file lock), and
    theirs is None."""
    out = err = None
    if ctx.is_main:
        try:
            out = fn()
        except refusal as e:
            err = str(e)
    if share:
        out, err = broadcast(ctx, (out, err))
    else:
        err = broadcast(ctx, err)
    if err:
        raise refusal(err)
    return out


def reduce_epoch(ctx: DistContext, steps: int, infos: list[dict[str, Any]], metrics: dict[str, float]):
    """All ranks' epoch stats: steps summed, episode infos pooled (so episode counts add up
    and episode means are weighted by episodes over all ranks), losses averaged over ranks.
    Timings and engine timings stay rank 0's own. A single process's are returned as they are."""
    if not ctx.enabled:
        return steps, infos, metrics
    parts = all_gather(ctx, (steps, infos, metrics))
    steps = sum(p[0] for p in parts)
    infos = [i for p in parts for i in p[1]]
    out = dict(metrics)
    for k in metrics:
        vals = [float(p[2][k]) for p in parts if k in p[2] and math.isfinite(float(p[2][k]))]
        out[k] = sum(vals) / len(vals) if vals else float("nan")
    return steps, infos, out


def kl_mean(ctx: DistContext, device: torch.device) -> Callable[[float], float] | None:
    """`ppo_update`'s kl_mean: the mean approx KL over ranks, so that every rank takes the same
    early stop; None in a single process (its own KL decides)."""
    return (lambda kl: all_mean(ctx, kl, device)) if ctx.enabled else None


def status_fields(ctx: DistContext) -> dict[str, Any]:
    """What status.json says about the job's ranks (nothing for a single process)."""
    return dict(world_size=ctx.world_size, backend=ctx.backend) if ctx.enabled else {}


def sync_obs_scale(ctx: DistContext, policy: nn.Module) -> None:
    """The encoder's per-channel observation maxima grow from each rank's own observations;
    take the max over ranks so that every rank normalizes the same way."""
    if not ctx.enabled:
        return
    for name, buf in policy.named_buffers():
        if name.endswith("obs_max"):
            dist.all_reduce(buf, op=dist.ReduceOp.MAX)


# ---- the DDP wrapper ---------------------------------------------------------------------------
class _Dispatch(nn.Module):
    """DDP only hooks `forward`; recurrent PPO calls `forward_sequence`. This routes both
    through one forward so both get their gradients all-reduced."""

    def __init__(self, policy: nn.Module):
        super().__init__()
        self.policy = policy

    def forward(self, *args, sequence: bool = False):
        return self.policy.forward_sequence(*args) if sequence else self.policy(*args)


class PolicyDDP(nn.parallel.DistributedDataParallel):
    """A policy in DDP that still looks like a policy to `ppo_update` (`recurrent`,
    `forward_sequence`). Buffers are not broadcast on every forward: the only buffer (obs_max)
    is kept equal by `sync_obs_scale`."""

    def __init__(self, policy: nn.Module, device: torch.device):
        ids = [device] if device.type == "cuda" else None
        # newer torch renames broadcast_buffers (deprecated) to forward_sync_buffers
        params = inspect.signature(nn.parallel.DistributedDataParallel.__init__).parameters
        key = "forward_sync_buffers" if "forward_sync_buffers" in params else "broadcast_buffers"
        no_sync = {key: False}
        super().__init__(_Dispatch(policy), device_ids=ids, **no_sync)

    @property
    def recurrent(self) -> bool:
        return bool(getattr(self.module.policy, "recurrent", False))

    def forward_sequence(self, obs, starts, state):
        return self(obs, starts, state, sequence=True)


def wrap_policy(ctx: DistContext, policy: nn.Module, device: torch.device) -> nn.Module:
    """The module the PPO update trains: the policy itself, or the policy in DDP. DDP's
    constructor broadcasts rank 0's parameters and buffers, so all ranks start equal."""
    return PolicyDDP(policy, device) if ctx.enabled else policy


# ---- failure handling --------------------------------------------------------------------------
class Terminated(KeyboardInterrupt):
    """SIGTERM (what `kill` and job schedulers send) in a single-process run: handled as Ctrl-C is,
    so the run writes a checkpoint and its status before it exits."""


class SigtermGuard:
    """Turns SIGTERM into an exception. Single process: `Terminated`, a KeyboardInterrupt (the
    trainer checkpoints and marks the run interrupted), raised by `check()` at the next epoch
    boundary: raised from the handler, it could land inside a DuckDB commit, which then hangs.
    Under torchrun (which sends it to the
    surviving workers when one of them failed): RankTerminated, so the trainer's `finally` runs and
    rank 0 marks the run failed. `shield()` ignores SIGTERM while that `finally` writes
    status.json (torchrun escalates to SIGKILL after its grace period anyway); `restore()` puts
    the previous handler back."""

    def __init__(self, ctx: DistContext):
        self.ctx, self.old, self.pending = ctx, None, None
        try:
            self.old = signal.signal(signal.SIGTERM, self._raise)
        except ValueError:  # not the main thread
            self.old = None

    def check(self) -> None:
        """Raise Terminated if SIGTERM came since the last check (single process)."""
        if self.pending is not None:
            raise Terminated(f"got signal {self.pending}")

    def _raise(self, signum, frame):
        if not self.ctx.enabled:
            self.pending = signum  # acted on at the next epoch boundary (check)
            return
        raise RankTerminated(
            f"rank {self.ctx.rank} got signal {signum} from torchrun: another rank failed "
            "or the job was stopped"
        )

    def shield(self) -> None:
        if self.old is not None:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)

    def restore(self) -> None:
        if self.old is not None:
            signal.signal(signal.SIGTERM, self.old)
            self.old = None


def record(fn: Callable) -> Callable:
    """torchrun's error recorder: a failing rank's traceback appears in torchrun's summary."""
    if not under_torchrun():
        return fn
    from torch.distributed.elastic.multiprocessing.errors import record as _record

    return _record(fn)


def explain(ctx: DistContext, e: BaseException) -> str:
    """A one-line reason for status.json, naming the likely cause of a collective's failure."""
    e = _terminated_cause(e) or e
    msg = f"{type(e).__name__}: {e}".strip()
    if ctx.enabled and not isinstance(e, RankTerminated) and _is_comm_error(e):
        msg = f"rank {ctx.rank}: a collective failed or timed out; another rank probably died or hung ({msg})"
    return msg[:500]


def _terminated_cause(e: BaseException) -> RankTerminated | None:
    """The RankTerminated behind `e`, if any: a SIGTERM that lands inside a native call (a DuckDB
    query writing stats) comes back as that library's own error ("Query interrupted") with the
    guard's RankTerminated as its cause."""
    seen: set[int] = set()
    while e is not None and id(e) not in seen:
        if isinstance(e, RankTerminated):
            return e
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    return None


def _is_comm_error(e: BaseException) -> bool:
    names = {c.__name__ for c in type(e).__mro__}
    text = str(e)
    return bool(names & {"DistError", "DistBackendError", "DistNetworkError"}) or any(
        w in text for w in ("Connection closed", "Connection reset", "Timed out", "timed out", "NCCL")
    )


# ---- test hooks --------------------------------------------------------------------------------
def state_checksum(state: dict[str, torch.Tensor]) -> str:
    """sha256 over a state dict's names and values (as float64): equal iff the weights are."""
    h = hashlib.sha256()
    for name, t in state.items():
        h.update(name.encode())
        h.update(t.detach().to("cpu", torch.float64).contiguous().numpy().tobytes())
    return h.hexdigest()


def debug_epoch(ctx: DistContext, policy: nn.Module, epoch: int, global_step: int, **local: Any) -> None:
    """Test hooks after each epoch: the per-rank record (with this rank's own `local` numbers),
    then maybe an injected failure."""
    out = os.environ.get("LEARN_DIST_DEBUG_DIR")
    if out:
        rec = dict(
            rank=ctx.rank,
            world_size=ctx.world_size,
            pid=os.getpid(),
            epoch=epoch,
            global_step=global_step,
            checksum=state_checksum(policy.state_dict()),
            time=time.time(),
            **local,
        )
        Path(out).mkdir(parents=True, exist_ok=True)
        with open(Path(out) / f"rank{ctx.rank}.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps(rec) + "\n")
    fail_rank = os.environ.get("LEARN_DIST_FAIL_RANK")
    fail_epoch = int(os.environ.get("LEARN_DIST_FAIL_EPOCH", 2))
    if fail_rank is None or int(fail_rank) != ctx.rank or epoch != fail_epoch:
        return
    mode = os.environ.get("LEARN_DIST_FAIL_MODE", "raise")
    if mode == "exit":
        os._exit(3)
    if mode == "hang":
        while True:
            time.sleep(3600)
    raise RuntimeError(f"injected failure on rank {ctx.rank} after epoch {epoch} (LEARN_DIST_FAIL_RANK)")
