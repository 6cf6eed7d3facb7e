"""What the trainer makes of the episodes that ended in an epoch: each env's info dicts carry
an episode count and per-episode means, so means over several infos are weighted by episodes.
"""

from __future__ import annotations

from typing import Any

from learn.evaluation.reference import failed_action_share


def count(infos: list[dict[str, Any]]) -> int:
    """Episodes that the infos stand for (an info without a count is one episode)."""
    return sum(int(i.get("episodes", 1)) for i in infos)


def weighted(infos: list[dict[str, Any]], key: str) -> float:
    """The mean of `key` over the episodes of the infos that have it (NaN for none)."""
    num = sum(float(i[key]) * int(i.get("episodes", 1)) for i in infos if key in i)
    den = sum(int(i.get("episodes", 1)) for i in infos if key in i)
    return num / den if den else float("nan")


def per_level(infos: list[dict[str, Any]]) -> dict[str, float]:
    """A curriculum's episodes by level: `level/<name>/episode_return`, `.../hearts`, `.../episodes`."""
    by: dict[str, list[dict[str, Any]]] = {}
    for i in infos:
        if "level" in i:
            by.setdefault(str(i["level"]), []).append(i)
    out = {}
    for name, group in sorted(by.items()):
        out[f"level/{name}/episode_return"] = weighted(group, "episode_return")
        out[f"level/{name}/hearts"] = weighted(group, "hearts")
        out[f"level/{name}/episodes"] = float(count(group))
        # the sampler's probability of the level when these episodes ended
        out[f"level/{name}/p"] = weighted(
            [i for i in infos if f"curriculum.{name}" in i], f"curriculum.{name}"
        )
    return out


def failed_share(infos: list[dict[str, Any]]) -> float:
    """The share of failed actions over the episodes whose infos say (NaN for none)."""
    pairs = [(failed_action_share(i), int(i.get("episodes", 1))) for i in infos]
    pairs = [(f, n) for f, n in pairs if f is not None]
    den = sum(n for _, n in pairs)
    return sum(f * n for f, n in pairs) / den if den else float("nan")
