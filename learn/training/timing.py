"""Where a trainer's time goes: four named phases, and the engine's own systems.

The phases are env (stepping the vector), inference (the policy in the rollout, sampling,
copies to and from the env buffers), learn (GAE and the update) and other (logging,
checkpoints). The monitor reads them back as `timing/<phase>`; it imports PHASES from here,
so this module imports no torch at load time (the monitor starts without it).
"""

from __future__ import annotations

import time

PHASES = ("env", "inference", "learn", "other")


class Timer:
    """Seconds per named phase; `with timer("env"): ...`."""

    def __init__(self):
        self.total = dict.fromkeys(PHASES, 0.0)
        self._phase = None

    def __call__(self, phase: str):
        self._phase = phase
        return self

    def __enter__(self):
        self._t0 = time.perf_counter()

    def __exit__(self, *exc):
        self.total[self._phase] += time.perf_counter() - self._t0


class EngineTimings:
    """Seconds each engine system ran since the last call, summed over the in-process envs of a
    vector, as `engine/<phase>.<system>`. The engine only keeps running totals, so the last
    totals are kept here to give per-epoch figures. None for the multiprocessing backend: its
    envs are in other processes."""

    def __init__(self):
        self._ns: dict[str, int] = {}

    def since_last(self, vecenv) -> dict[str, float]:
        now: dict[str, int] = {}
        for env in getattr(vecenv, "envs", None) or []:
            timings = getattr(env, "timings", None)
            for t in (timings() if timings else {}).values():
                key = f"engine/{t.phase}.{t.name}"
                now[key] = now.get(key, 0) + t.total_ns
        out = {k: max(0, v - self._ns.get(k, 0)) / 1e9 for k, v in now.items()}
        self._ns = now
        return out


def sync(device) -> None:
    """Wait for the GPU's queued work on a torch.device, so that a wall-clock interval covers it
    (no-op on CPU)."""
    if device.type == "cuda":
        import torch

        torch.cuda.synchronize(device)
