"""`python -m game describe LEVEL`: the resolved config, the spaces, the actions and the features."""

from __future__ import annotations

from pathlib import Path

from game.env.gridenv import make_env
from game.load.level import dump_level, load_level
from game.rules.schema import setting


def describe_text(path: str, seed: int = 0, config: bool = True) -> str:
    level = load_level(path)
    env = make_env(path, num_worlds=1, seed=seed)
    tab = env.tables
    lay = env.layouts[0]
    obs, act = env.single_observation_space, env.single_action_space
    counts: dict[str, int] = {}
    for n, _, _ in lay.objects:
        counts[n] = counts.get(n, 0) + 1
    groups: dict[str, int] = {}
    for g, _, _ in lay.agents:
        groups[g] = groups.get(g, 0) + 1
    m = level.map
    lines = [
        f"level: {level.name or Path(path).stem}  ({path})",
        f"description: {level.description}",
        f"map: {lay.height}x{lay.width}, "
        + (f"generator '{m.generator}'" if m.generator else "ascii")
        + ((f", seed {m.seed}" if m.seed >= 0 else ", seeded per world") if m.generator else "")
        + (", fixed" if m.fixed else ", fresh per episode"),
        f"agents per world: {env.agents_per_world} ({', '.join(f'{g} {n}' for g, n in groups.items())})",
        f"objects: {', '.join(f'{n} {c}' for n, c in counts.items()) or 'none'}; "
        f"terrain walls {int(lay.walls.sum())}",
        f"episode: {level.max_steps} ticks; kinship: {level.kinship.mode}",
        f"observation space: {obs.shape} {obs.dtype.name} "
        f"({obs.shape[0]}x{obs.shape[1]} window, {obs.shape[2]} channels)",
        f"action space: MultiDiscrete({act.nvec.tolist()})",
        "actions (id name args cost):",
    ]
    for i, (name, code) in enumerate(zip(tab.action_names, tab.action_code)):
        lines.append(f"  {i:2d} {name:<9s} {int(tab.arg_count[code]):2d}  {setting(level, name).cost}")
    lines.append(f"features ({len(env.feature_names)}):")
    for i, f in enumerate(env.feature_names):
        lines.append(f"  {i:2d} {f}")
    if config:
        lines += ["", "# resolved config", dump_level(level)]
    return "\n".join(lines)
