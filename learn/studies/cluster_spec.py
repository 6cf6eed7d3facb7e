"""The `[resources]` table of a study or sweep file: what one run (a study's arm x seed, or a sweep's
trial) asks of a Ray cluster (`--ray`, learn/studies/ray_cluster.py). Local runs (`--jobs`) ignore it.

    [resources]
    cpus = 2      # default: the run's torch threads (torch_threads, else 1)
    gpus = 1      # default 0: the run trains on the CPU, wherever it lands
    retries = 3   # a run whose worker process dies is run again this many times

`check_resources` checks it against the runs' configs when `--ray` is given, naming the field.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec


def _f(description: str, **kw) -> msgspec.Meta:
    return msgspec.Meta(description=description, **kw)


class Resources(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    cpus: (
        Annotated[
            float,
            _f(
                "CPUs a run takes on a Ray cluster (default: its torch threads, torch_threads "
                "else 1; a fraction shares a core).",
                gt=0,
            ),
        ]
        | None
    ) = None
    gpus: Annotated[
        float,
        _f(
            "GPUs a run takes on a Ray cluster (0: it trains on the CPU, even on a node with a "
            "GPU; a fraction shares one).",
            ge=0,
        ),
    ] = 0.0
    retries: Annotated[
        int,
        _f(
            "Times Ray runs a run again whose worker process died (killed, out of memory, a "
            "node lost); a run that fails for its own reason is not retried.",
            ge=0,
        ),
    ] = 3


def run_cpus(res: Resources, threads: int) -> float:
    """The CPUs one run asks for."""
    return float(res.cpus) if res.cpus is not None else float(threads)


def check_resources(
    res: Resources, configs: dict[str, dict[str, Any]], file: str, error: type[Exception]
) -> None:
    """`error` naming `$.resources.gpus` when the runs' `device` (by name: an arm, or the sweep)
    cannot use what the table gives them: a GPU to a CPU run, or none to a CUDA one."""
    for who, config in configs.items():
        device = str(config.get("device", "auto"))
        if res.gpus and device == "cpu":
            raise error(
                f"{file}: $.resources.gpus: {res.gpus:g} GPUs a run, but {who} trains on "
                f'device = "cpu"; set gpus = 0, or device = "auto" or "cuda" in [train]'
            )
        if not res.gpus and device.startswith("cuda"):
            raise error(
                f'{file}: $.resources.gpus: 0, but {who} trains on device = "{device}": a Ray task '
                f'without a GPU sees none; give gpus = 1 (or a fraction), or device = "auto"'
            )


def device_for(res: Resources, config: dict[str, Any]) -> dict[str, Any]:
    """The run's config for a Ray task: a run given no GPU trains on the CPU (`device = "auto"`
    would take a GPU of its node that Ray gave to another task)."""
    if not res.gpus and str(config.get("device", "auto")) == "auto":
        return {**config, "device": "cpu"}
    return config
