"""TensorBoard event files of a run, in RUN/tb (`tensorboard = true`, the default; `--no-tensorboard`).

The scalars are the numbers of metrics.jsonl's lines (learn/rundir/stats.py hands each line over as it
writes it), so the two can never disagree: losses, SPS, returns, hearts, a curriculum's per-level
figures, the periodic evaluations and the game's stats (`episode/<name>`), each against the global
agent-step. The run's tags (a study's arm and seed) and its config go in as text, and the tags as
hparams, so that TensorBoard's HParams tab can group a study's runs.

A resumed run appends to the same directory (a new event file) with `purge_step` just past the
step it resumed from: the epochs past the checkpoint that the interrupted session had logged are
hidden, as the resumed session logs them again. Only rank 0 writes (it alone holds the RunStats).
`torch.utils.tensorboard` is imported here, when a run starts, never by `import learn`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from learn.training.config import ConfigError

TB_DIR = "tb"
# what the HParams tab shows beside the tags: the run's headline scalars
HPARAM_METRICS = ("charts/episode_return", "charts/hearts", "eval/score")
# config fields shown as hparams beside the tags (the whole config is in the text)
HPARAM_FIELDS = ("level", "policy", "seed", "learning_rate", "total_steps")


def check_tensorboard() -> None:
    """ConfigError unless TensorBoard can be written: checked before the run directory is claimed,
    so that a missing package never leaves a half-made run behind."""
    import importlib.util

    if importlib.util.find_spec("tensorboard") is None:
        raise ConfigError(
            "tensorboard: the tensorboard package is not installed (pip install "
            "tensorboard==2.21.0), or train with --no-tensorboard"
        )


class TensorBoardLog:
    """One session's SummaryWriter on RUN/tb."""

    def __init__(
        self,
        run_dir: str | Path,
        start_step: int,
        tags: dict[str, str],
        config: dict[str, Any],
        config_text: str,
    ):
        try:
            from torch.utils.tensorboard import SummaryWriter
            from torch.utils.tensorboard.summary import hparams
        except ImportError:
            raise ConfigError(
                "tensorboard: the tensorboard package is not installed (pip install "
                "tensorboard==2.21.0), or train with --no-tensorboard"
            ) from None

        self.log_dir = Path(run_dir) / TB_DIR
        # purge_step hides what an interrupted session logged past the checkpoint this one resumes
        # from (events of steps >= purge_step): the checkpoint's own epoch stays
        self.writer = SummaryWriter(
            str(self.log_dir), purge_step=start_step + 1 if start_step else None, flush_secs=30
        )
        if tags:
            rows = "\n".join(f"| {k} | {v} |" for k, v in tags.items())
            self.writer.add_text("run/tags", f"| tag | value |\n|---|---|\n{rows}", global_step=start_step)
        self.writer.add_text(
            "run/config", "    " + config_text.replace("\n", "\n    "), global_step=start_step
        )
        values = {
            **{f: config[f] for f in HPARAM_FIELDS if f in config},
            **{f"tag/{k}": v for k, v in tags.items()},
        }
        file_writer = self.writer._get_file_writer()  # hparams into this run's own directory, not a new one
        for summary in hparams(values, dict.fromkeys(HPARAM_METRICS)):
            file_writer.add_summary(summary, global_step=start_step)

    def scalars(self, step: int, values: dict[str, Any]) -> None:
        """One epoch's numbers (None, for a figure that was NaN or missing, is left out)."""
        for name, value in values.items():
            if value is not None:
                self.writer.add_scalar(name, value, global_step=step)
        self.writer.flush()  # an epoch is seconds long: TensorBoard shows it at once

    def close(self) -> None:
        self.writer.close()
