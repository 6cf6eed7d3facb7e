"""GridEnv: the game as a native PufferLib env over many independent worlds.

Specification (see docs/game_systems.md for one tick in detail):
- Agents: `num_agents = num_worlds * agents_per_world`; agent i is agent `i % A` of world `i // A`.
- Actions: `MultiDiscrete([len(action_names), max_arg])`, one `(action, argument)` row per agent.
  An action id out of range is a caller bug (ValueError naming the agent); an argument out of
  range for its action makes that action fail (counted as `action.invalid_arg`). The valid pairs
  alone, one per row, are `flat_actions` (named by `flat_action_names`: `move_forward`,
  `attack_4`...), the list learners choose from (game/rules/action_table.py).
- Observations: uint8 `(window, window, channels)` per agent, egocentric, channels named by
  `feature_names`.
- Rewards: change of capped inventory value plus building rewards, mixed by kinship.
- Episodes: after `max_steps` ticks a world's agents are truncated and the world resets itself
  (a fresh state on the same map, or on a fresh map when the level's `map.fixed` is false; its
  RNG stream continues; a fresh `random` kinship when the level's `kinship.draw` is "episode").
  No terminals.
- Infos: a list with one summary dict per `report_interval` steps in which episodes ended; every
  counter of `stat_names` is in every summary (0 when nothing happened).
- Seeds: a non-negative integer (a Python or numpy integer); anything else is refused.
- Determinism: world w's map, kinship and RNG derive from `seed + w` (later episodes' maps and
  kinship draws from `episode_seed(seed, w, episode)`), so the same level, seed and actions give
  the same trajectory whatever the batch size.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import pufferlib
import gymnasium

from engine import Scheduler
from game.rules.action_table import flat_actions
from game.systems.binding import scalars
from game.rules.schema import Level
from game.rules.constants import DR, TERRAIN_WALL
from game.state.kinship import KIN_ARRAYS, kinship_classes, set_kinship
from game.load.level import decode, load_level, merge
from game.maps.make import episode_seed, make_layout
from game.state.memory import check_memory
from game.state.world import AGENT_COLUMNS, blank_world, build, check_fit, place_layout, scratch_arrays
from game.env.stats import stat_names, summarize
from game.systems.install import add_system, install
from engine.systems_cy.envstep import ActionLoader, EnvStep
from engine.systems_cy.step import When

ORIENTATIONS = ("up", "down", "left", "right")
assert len(ORIENTATIONS) == len(DR)


class EnvStateError(RuntimeError):
    """step() on an env that was never reset, or that was closed."""


def check_seed(seed: Any) -> int:
    """`seed` as a Python int: an int or numpy integer >= 0 (what `default_rng().integers` returns).
    A float or bool is refused rather than truncated, so that 1.5 cannot run silently as seed 1."""
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise ValueError(
            f"seed must be a non-negative integer (int or numpy integer), got {seed!r} "
            f"({type(seed).__name__})"
        )
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    return int(seed)  # numpy integers overflow the C long the map generators take


class GridEnv(pufferlib.PufferEnv):
    def __init__(
        self, level: Level, num_worlds: int = 1, seed: int = 0, buf: Any = None, name: str = "level"
    ):
        if not isinstance(num_worlds, int) or num_worlds < 1:
            raise ValueError(f"num_worlds must be an int >= 1, got {num_worlds!r}")
        seed = check_seed(seed)
        self.level = level
        self.level_name = name
        self.num_worlds = num_worlds
        self.seed = seed
        self._life = "new"  # -> "ready" at reset(), "closed" at close(): step() needs "ready"
        if num_worlds > 1:  # refused with what it would need, before it fills the memory
            check_memory(level, num_worlds, name)
        self._build(seed)
        tab = self.tables
        win = level.obs.window
        self.agents_per_world = self.world.resources.num_agents
        self.num_agents = num_worlds * self.agents_per_world
        self.single_observation_space = gymnasium.spaces.Box(0, 255, (win, win, tab.features.count), np.uint8)
        self.single_action_space = gymnasium.spaces.MultiDiscrete([len(tab.action_names), tab.max_arg])
        self.render_mode = None
        super().__init__(buf)
        self.action_names = list(tab.action_names)
        self.flat_actions, self.flat_action_names = flat_actions(
            tab.action_names, tab.action_code, tab.arg_count, tab.arg_labels
        )
        self.feature_names = list(tab.features.names)
        self.resource_names = list(tab.resource_names)
        self.group_names = list(tab.group_names)
        self.stat_names = stat_names(self.resource_names)
        self._listeners: list[tuple[str, Any]] = []
        self._pending_infos: list[dict[str, Any]] = []  # one list for the env's life (EnvStep holds it)
        self.final_observations: np.ndarray | None = None  # keep_final() allocates them
        self.final_returns: np.ndarray | None = None
        self.final_stats: np.ndarray | None = None
        self.final_items: np.ndarray | None = None
        self._bind()

    # ---- construction -----------------------------------------------------------------
    def _build(self, seed: int) -> None:
        self.world, self.tables, self.layouts = build(self.level, self.num_worlds, seed, self.level_name)
        # the reset template: a copy of the first state, so world w resets to exactly it
        self.template = self.world.clone()
        if not self.level.map.fixed:  # a fresh map per episode is placed on a blank world of one
            self._blank = blank_world(self.level, self.tables, self.layouts[0], 1, self.world.capacity, seed)
            self._scratch = self._blank.clone()
        self.episodes = np.zeros(self.num_worlds, np.int64)  # episodes finished since the reset, per world

    def _bind(self) -> None:
        world, tab, level = self.world, self.tables, self.level
        W, A = self.num_worlds, self.agents_per_world
        self._obs = self._buffer_view(self.observations, "observations")
        self._actions = np.zeros((W, A, 2), np.int32)
        loader = ActionLoader(self._actions, len(tab.action_names))
        extra = scalars(level, tab)
        self._ended = np.zeros(W, np.uint8)
        self._ended_count = np.zeros(1, np.int32)
        extra.update(
            **scratch_arrays(world, tab.features.count),
            obs=self._obs,
            actions=self._actions,
            env_rewards=self._buffer_view(self.rewards, "rewards"),
            env_truncations=self._buffer_view(self.truncations.view(np.uint8), "truncations"),
            ended=self._ended,
            ended_count=self._ended_count,
        )
        self._records = extra["cell_records"]  # the observation kernel's cell records (state() reads them)
        self.signals = world.resources.signals
        for name, listener in self._listeners:
            self.signals.connect(name, listener)
        self.scheduler = Scheduler(world, signals=self.signals, num_agents=self.num_agents)
        install(self.scheduler, world, tab, level, extra)
        add_system(self.scheduler, "episode_end", When(self._ended_count, self._end_episodes))
        buffers = (self.observations, self.rewards, self.terminals, self.truncations)
        self._step = EnvStep(
            loader, self.scheduler.ticker, buffers, self._pending_infos, self._report, self._other_actions
        )
        self._observe = self.scheduler["observation"].fn  # the reset observes with the same bound kernel

    def _buffer_view(self, buf: np.ndarray, name: str) -> np.ndarray:
        """The (worlds, agents, ...) view of a flat env buffer the kernels write in place."""
        view = buf.reshape(self.num_worlds, self.agents_per_world, *buf.shape[1:])
        if not np.shares_memory(view, buf) or not view.flags.c_contiguous:
            raise RuntimeError(f"the {name} buffer must be C-contiguous so the kernels can write it in place")
        return view

    # ---- PufferEnv API ----------------------------------------------------------------
    def reset(self, seed: int | None = None):
        if seed is not None:
            seed = check_seed(seed)
        fresh_maps_drawn = not self.level.map.fixed and self.episodes.any()
        if (seed is not None and seed != self.seed) or fresh_maps_drawn:
            # a new seed, or templates that moved on to later maps: start again from episode 0
            self.seed = self.seed if seed is None else seed
            self._build(self.seed)
            self._bind()
        else:
            for w in range(self.num_worlds):
                self.world.copy_world(w, self.template, w)  # episode 0's state, kinship included
            self.episodes[:] = 0  # counts (and per-episode kinship draws) start again from episode 0
            if seed is not None:  # the same seed replays from the start, randomness included
                self.world.resources.rng[...] = self.template.resources.rng
        self.world.tick = 0
        self.tick = 0
        self._pending_infos.clear()
        self._since_report = 0
        self.rewards[:] = 0
        self.terminals[:] = False
        self.truncations[:] = False
        self._observe()
        self._life = "ready"
        return self.observations, []

    def observe(self) -> np.ndarray:
        """Write the current observations into the buffer again (for an env that shares its
        buffers with others, as a curriculum's levels do) and return it."""
        self._observe()
        return self.observations

    def step(self, actions):
        if self._life != "ready":
            raise EnvStateError(
                f"{self.level_name}: step() {'after close()' if self._life == 'closed' else 'before reset()'}"
                f"{'' if self._life == 'closed' else ': call env.reset() first'}"
            )
        # in C (engine/systems_cy/envstep.pyx): a C-contiguous int32 (agents, 2) array is copied
        # and range-checked in one loop, then the tick runs; anything else goes through
        # _other_actions first
        return self._step(actions)

    def _other_actions(self, actions, code: int) -> None:
        """Actions the C loader did not take: another layout (-2; checked and converted in
        numpy), or a bad action id at agent `code` (only the action buffer was written: no
        state has changed)."""
        if code >= 0:
            raise self._bad_action(code, int(actions[code, 0]))
        np.copyto(self._actions.reshape(-1, 2), self._check_actions(actions), casting="unsafe")

    @property
    def tick(self) -> int:
        """Steps since the last reset."""
        return self._step.tick

    @tick.setter
    def tick(self, n: int) -> None:
        self._step.tick = n

    @property
    def _since_report(self) -> int:
        return self._step.since_report

    @_since_report.setter
    def _since_report(self, n: int) -> None:
        self._step.since_report = n

    def close(self) -> None:
        self._life = "closed"

    # ---- episode ends (after the episode kernel, only on ticks where a world's episode ended) --
    def _end_episodes(self) -> None:
        world = self.world
        ticks = world.resources.episode_tick
        done = np.flatnonzero(self._ended)
        for w in done:
            self.signals.emit("episode_end", int(w), -1, int(ticks[w]))
        self._pending_infos.append(self._summary(done))
        if self.final_observations is not None:
            self._keep_final_of(done)
        for w in done:
            self.episodes[w] += 1
            if not self.level.map.fixed:
                self._next_map(int(w))
            world.copy_world(int(w), self.template, int(w))
            if self.level.kinship.draw == "episode":
                self._draw_kinship(int(w))

    def keep_final(self) -> None:
        """From now on, before a world resets at its episode's end, keep its agents' last
        observation, return, stat counters and inventory in `final_observations` (num_agents,
        window, window, channels), `final_returns` (num_agents,), `final_stats` (num_agents,
        len(stat_names)) and `final_items` (num_agents, resources), rows as in the buffers
        (final_summary(i) reads them); valid for the agents truncated on the last step.

        The step's own observation is then already the next episode's first, and a learner that
        bootstraps at truncation needs the last one (Gymnasium's final observation). Off by
        default: it costs an observation pass on the ticks where an episode ends."""
        if self.final_observations is None:
            self.final_observations = np.zeros_like(self.observations)
            self.final_returns = np.zeros(self.num_agents, np.float32)
            self.final_stats = np.zeros(
                (self.num_agents, len(self.stat_names)), self.world.resources.stats.dtype
            )
            self.final_items = np.zeros((self.num_agents, len(self.resource_names)), np.int32)

    def _keep_final_of(self, worlds: np.ndarray) -> None:
        """keep_final's copies for the ended `worlds`, taken before they reset (the observe phase
        runs after this and writes the next episode's first observation)."""
        self._observe()
        A, r = self.agents_per_world, self.world.resources
        for w in worlds:
            rows = slice(w * A, (w + 1) * A)
            self.final_observations[rows] = self.observations[rows]
            self.final_returns[rows] = r.episode_return[w, :A]
            self.final_stats[rows] = r.stats[w, :A]
            self.final_items[rows] = self.world["inventory"].items[w, :A]

    def _draw_kinship(self, w: int) -> None:
        """A fresh K for world w's next episode (`kinship.draw = "episode"`), into the world only.

        Drawn from the seed of that episode, the one its fresh map would use (episode_seed), so the
        draws replay with the env seed; the template keeps episode 0's K (the world's build-time
        draw), which reset() restores. The kernels and the observation read the kin arrays every
        tick; mate bonds are kept apart (bond_partner, added by the kinship kernel), so a bond's
        share adds to whatever K is drawn.
        """
        A = self.agents_per_world
        seed = episode_seed(self.seed, w, int(self.episodes[w]))
        groups = self.world["agent"].group[w, :A]
        set_kinship(self.world.resources, w, *kinship_classes(self.level, groups, seed, self.level_name))

    def _next_map(self, w: int) -> None:
        """Put a fresh map for world w's next episode into the reset template.

        The template's kinship (game/state/kinship.py) stays: it is episode 0's K (a random one is
        drawn once per world; with `kinship.draw = "episode"` _draw_kinship redraws the world's own).
        """
        seed = episode_seed(self.seed, w, int(self.episodes[w]))
        layout = make_layout(self.level, seed)
        check_fit(
            layout,
            self.layouts[0],
            self.template.capacity,
            self.tables,
            f"{self.level_name}: map of seed {seed}",
        )
        one = self._scratch
        one.copy_world(0, self._blank, 0)
        place_layout(one, 0, self.level, self.tables, layout)
        t = self.template.resources
        kin = {name: getattr(t, name)[w].copy() for name in KIN_ARRAYS}
        self.template.copy_world(w, one, 0)
        for name, value in kin.items():
            getattr(t, name)[w] = value
        self.layouts[w] = layout

    def _summary(self, worlds: np.ndarray) -> dict[str, Any]:
        """The episode summary of the `worlds` that just ended: means per agent over their agents."""
        r, A = self.world.resources, self.agents_per_world
        items = self.world["inventory"].items[worlds, :A]
        return self._episode_summary(r.episode_return[worlds], r.stats[worlds], items, len(worlds))

    def final_summary(self, i: int) -> dict[str, Any]:
        """Agent i's own summary of its last ended episode (the world summary's keys, its own
        values); needs keep_final()."""
        if self.final_returns is None:
            raise EnvStateError("final_summary() needs env.keep_final() called before the episode ended")
        return self._episode_summary(self.final_returns[i], self.final_stats[i], self.final_items[i], 1)

    def _episode_summary(
        self, returns: np.ndarray, stats: np.ndarray, items: np.ndarray, episodes: int
    ) -> dict[str, Any]:
        """Means over the agents of `returns` (...), `stats` (..., stats), `items` (..., resources)."""
        out = {
            "episodes": episodes,
            "episode_return": float(returns.mean()),
            "episode_length": int(self.level.max_steps),
        }
        if "heart" in self.resource_names:
            out["hearts"] = float(stats[..., self.stat_names.index("heart.gained")].mean())
            out["hearts_held"] = float(items[..., self.resource_names.index("heart")].mean())
        out.update(summarize(stats, self.stat_names))
        return out

    def _report(self) -> list[dict[str, Any]]:
        if not self._pending_infos or self._since_report < self.level.report_interval:
            return []
        infos = self._pending_infos.copy()
        self._pending_infos.clear()
        self._since_report = 0
        if len(infos) == 1:
            return infos
        n = sum(i["episodes"] for i in infos)
        keys = {k for i in infos for k in i}
        merged = {k: sum(i.get(k, 0) * i["episodes"] for i in infos) / n for k in keys}
        merged["episodes"] = n
        return [merged]

    def _bad_action(self, i: int, action: int) -> ValueError:
        w, k = divmod(i, self.agents_per_world)
        return ValueError(
            f"agent {i} (world {w}, agent {k}): action id {action} is out of range "
            f"0..{len(self.action_names) - 1} ({', '.join(self.action_names)})"
        )

    def _check_actions(self, actions) -> np.ndarray:
        a = np.asarray(actions)
        if a.shape != (self.num_agents, 2):
            raise ValueError(
                f"actions must have shape ({self.num_agents}, 2): one (action, argument) row per agent; "
                f"got shape {a.shape}"
            )
        if a.dtype.kind not in "iu":
            raise ValueError(f"actions must be integers (int32 preferred), got dtype {a.dtype}")
        ids = a[:, 0]
        bad = (ids < 0) | (ids >= len(self.action_names))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise self._bad_action(i, int(ids[i]))
        if a.dtype != np.int32:
            a = np.clip(a, np.iinfo(np.int32).min, np.iinfo(np.int32).max)
        return a

    # ---- signals ----------------------------------------------------------------------
    def on(self, signal: str, listener) -> None:
        """Call `listener(world, entity, value)` at the end of each tick for every `signal`:
        agent_frozen (entity frozen, value attacker), building_destroyed (row, attacker),
        bond_formed (agent, partner), episode_end (-1, episode length). Unheard signals cost
        nothing: kernels skip them."""
        self.signals.connect(signal, listener)
        self._listeners.append((signal, listener))

    # ---- inspection -------------------------------------------------------------------
    def inspect_agent(self, i: int) -> dict[str, Any]:
        if not 0 <= i < self.num_agents:
            raise IndexError(f"agent {i} out of range 0..{self.num_agents - 1}")
        w, k = divmod(i, self.agents_per_world)
        world = self.world
        ag, pos = world["agent"], world["position"]
        r = world.resources
        partners = [
            int(p)
            for p, until in zip(r.bond_partner[w, k], r.bond_until[w, k])
            if p >= 0 and until > r.episode_tick[w]
        ]
        return {
            "agent": i,
            "world": w,
            "index": k,
            "position": (int(pos.r[w, k]), int(pos.c[w, k])),
            "orientation": ORIENTATIONS[int(ag.orientation[w, k])],
            "energy": int(ag.energy[w, k]),
            "max_energy": int(ag.max_energy[w, k]),
            "inventory": {n: int(v) for n, v in zip(self.resource_names, world["inventory"].items[w, k])},
            "frozen": int(ag.frozen[w, k]),
            "shield": bool(ag.shield[w, k]),
            "color": int(ag.color[w, k]),
            # the state mechanics add (profile's `profile`: its meaning is the column's doc)
            **{c.name: int(getattr(ag, c.name)[w, k]) for c in AGENT_COLUMNS},
            "group": self.group_names[int(ag.group[w, k])],
            "bonds": partners,
            "episode_return": float(r.episode_return[w, k]),
            "last_action": self.action_names[r.last_action[w, k]] if r.last_action[w, k] >= 0 else None,
            "last_success": bool(r.success[w, k]),
        }

    def state(self) -> np.ndarray:
        """The whole map of a one-world env, (height, width, channels) uint8 in the observation's
        channels: each cell as any observer sees it (agent, inventory, wall, building); the
        channels that depend on who looks (kin, bond, self.*) are 0, since no one does."""
        if self.num_worlds != 1:
            raise ValueError(
                f"state() shows one world's map; this env has num_worlds={self.num_worlds}: "
                f"make it with num_worlds=1"
            )
        # the observation kernel encodes every cell of a world into its record table (row: grid
        # code - TERRAIN_WALL), which holds the last world's records only right after it ran
        self._observe()
        return self._records[self.world.resources.grid[0] - TERRAIN_WALL, : self.tables.features.count]

    def state_hash(self, worlds=None) -> str:
        return self.world.state_hash(worlds)

    def timings(self):
        return self.scheduler.timings()


def make_env(
    level_path: str | Path | Level, num_worlds: int = 1, seed: int = 0, buf: Any = None, **overrides
) -> GridEnv:
    """The env over `num_worlds` worlds of a level file, a shipped level's name ("arena") or a
    Level; `seed` is a non-negative integer (world w is seeded seed + w); `buf` the PufferLib
    buffers to adopt (None: its own); overrides merge onto the level's TOML tables, e.g.
    `make_env("arena", max_steps=200, combat={"damage": 5})`. The returned GridEnv (a native
    pufferlib.PufferEnv) is specified in game/env/gridenv.py's docstring."""
    if isinstance(level_path, Level):
        level, name = level_path, level_path.name or "level"
        if overrides:
            level = decode(merge(msgspec.to_builtins(level), overrides), name)
    else:
        level = load_level(level_path, overrides or None)
        name = Path(level_path).name
    return GridEnv(level, num_worlds=num_worlds, seed=seed, buf=buf, name=name)
