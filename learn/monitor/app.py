"""The textual app: `MonitorApp(run_dir).run()`; see learn/monitor/__init__.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static, TabbedContent, TabPane

from learn.monitor.data import RunReader
from learn.monitor.formatting import fmt
from learn.monitor.snapshot import Snapshot
from learn.monitor.widgets import LinePlot, RunHeader, bar, sparkline
from learn.training.timing import PHASES

PANELS = ("overview", "losses", "time", "game")
LOSSES = (
    ("policy loss", "losses/policy"),
    ("value loss", "losses/value"),
    ("entropy", "losses/entropy"),
    ("approx KL", "losses/approx_kl"),
    ("clip fraction", "losses/clipfrac"),
    ("explained variance", "losses/explained_variance"),
)
SUMMARY = (
    ("episode return", "charts/episode_return"),
    ("hearts / agent / episode", "charts/hearts"),
    ("SPS (epoch)", "charts/SPS"),
    ("learning rate", "charts/learning_rate"),
    ("episodes (epoch)", "charts/episodes"),
    ("failed actions (share)", "charts/failed_actions"),
) + LOSSES
PHASE_DOC = {
    "env": "stepping the envs (the engine)",
    "inference": "rollout: policy, sampling, copies",
    "learn": "GAE and the PPO update",
    "other": "logging, checkpoints, periodic evals",
}
SOCIAL = (
    ("episode_return", "episode return"),
    ("hearts", "hearts made"),
    ("hearts_held", "hearts held at the end"),
    ("attack.kin", "attacks on kin"),
    ("attack.non_kin", "attacks on non-kin"),
    ("attacked.by_kin", "attacked by kin"),
    ("attacked.by_non_kin", "attacked by non-kin"),
    ("attack.building", "attacks on buildings"),
    ("building.destroyed", "buildings destroyed"),
    ("freeze.caused", "freezes caused"),
    ("status.frozen.ticks", "ticks spent frozen"),
    ("action.frozen", "actions lost to a freeze"),
    ("shield.absorbed", "hits absorbed by a shield"),
    ("bonds.formed", "bonds formed"),
    ("energy.spent", "energy spent"),
    ("action.no_energy", "actions without energy"),
    ("action.invalid_arg", "actions with a bad argument"),
)
RES_STATS = ("gained", "used", "stolen", "lost", "given", "received", "destroyed")

HELP = """\
[b]learn monitor[/b]: follows a training run's files; it never writes to the run or slows the trainer.

[b]Keys[/b]
  1 2 3 4      overview · losses · time split · game stats
  ] and \\[      next / previous panel
  p or space   pause / resume following the run (the view freezes)
  r            read the files now
  ?            this help (escape closes it)
  q            quit (a trainer started with --monitor keeps running)

[b]States[/b]
  [green]RUNNING[/green]      the trainer's process is alive
  [cyan]FINISHED[/cyan]     all steps done, final checkpoint written
  [yellow]INTERRUPTED[/yellow]  stopped with ctrl-c (a checkpoint was written; resume with --resume)
  [red]CRASHED[/red]      the process is gone without a final record, or it raised an error
  WAITING      nothing logged yet;  UNKNOWN: no status.json to tell whether it is alive

[b]Data[/b]
  metrics.jsonl while the run is live (one line per epoch), stats.duckdb once it is over.
  Game stats are means per agent per episode over the episodes that ended in an epoch.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close help")]

    def compose(self) -> ComposeResult:
        with Vertical(id="help"):
            yield Static(HELP, id="help-text")
            yield Static("[dim]escape, q or ? closes this help[/dim]")


def _fill(table: DataTable, rows: list[tuple[str, list[Any]]]) -> None:
    """Show `rows` (key, cells), updating cells in place when the row keys are unchanged."""
    keys = [k for k, _ in rows]
    if [r.value for r in table.rows] == keys:
        cols = list(table.columns)
        for key, cells in rows:
            for col, cell in zip(cols, cells):
                table.update_cell(key, col, cell, update_width=True)  # "26,059" after "-" must fit
    else:
        table.clear()
        for key, cells in rows:
            table.add_row(*cells, key=key)


def _num(v: float | None) -> Text:
    return Text(fmt(v), justify="right")


class MonitorApp(App[None]):
    """Follows one run directory; refreshes every `interval` seconds unless paused."""

    CSS_PATH = "monitor.tcss"
    TITLE = "learn monitor"
    BINDINGS = [
        Binding("1", "panel('overview')", "Overview"),
        Binding("2", "panel('losses')", "Losses"),
        Binding("3", "panel('time')", "Time"),
        Binding("4", "panel('game')", "Game"),
        Binding("right_square_bracket", "cycle(1)", "Next panel", show=False),
        Binding("left_square_bracket", "cycle(-1)", "Previous panel", show=False),
        Binding("p,space", "toggle_pause", "Pause"),
        Binding("r", "reload", "Reload", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]
    paused: reactive[bool] = reactive(False)

    def __init__(self, run_dir: str | Path, *, proc: Any = None, interval: float = 1.0):
        super().__init__()
        self.run_dir = Path(run_dir)
        self.reader = RunReader(self.run_dir, proc=proc)
        self.interval = interval
        self.snapshot: Snapshot = Snapshot(run_dir=self.run_dir)
        self.refreshes = 0

    # ---- layout -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield RunHeader(id="header")
        yield Static(id="message")
        with TabbedContent(id="panels", initial="overview"):
            with TabPane("1 Overview", id="overview"):
                with Grid(classes="plots two"):
                    yield LinePlot("episode return", "charts/episode_return", color="green", id="plot-return")
                    yield LinePlot(
                        "hearts per agent per episode", "charts/hearts", color="magenta", id="plot-hearts"
                    )
                    yield LinePlot("agent-steps per second", "charts/SPS", color="yellow", id="plot-sps")
                    yield DataTable(id="summary", cursor_type="none", zebra_stripes=True)
            with TabPane("2 Losses", id="losses"):
                with Grid(classes="plots three"):
                    for title, key in LOSSES:
                        yield LinePlot(title, key, id="plot-" + key.split("/")[1])
            with TabPane("3 Time split", id="time"):
                with VerticalScroll():
                    yield Static(id="time-note", classes="note")
                    yield DataTable(id="phases", cursor_type="none")
                    yield Static(id="engine-note", classes="note")
                    yield DataTable(id="engine", cursor_type="none", zebra_stripes=True)
            with TabPane("4 Game stats", id="game"):
                with VerticalScroll():
                    yield Static(id="game-note", classes="note")
                    with Horizontal(id="game-top"):
                        yield DataTable(id="actions", cursor_type="none", zebra_stripes=True)
                        yield DataTable(id="social", cursor_type="none", zebra_stripes=True)
                    yield DataTable(id="resources", cursor_type="none", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.main = self.screen  # the panels' screen: queries go there even while the help is shown
        self.sub_title = str(self.run_dir)
        cols = {
            "summary": ("metric", "last", "trend"),
            "phases": ("phase", "what", "last epoch s", "run total s", "share", ""),
            "engine": ("system", "phase", "last epoch ms", "run total s", "share of engine", ""),
            "actions": ("action", "success", "failed", "rate", "rate (run)", "success trend"),
            "social": ("stat", "last", "run mean", "trend"),
            "resources": (
                "resource",
                "made",
                "used",
                "stolen",
                "lost",
                "given",
                "received",
                "destroyed",
                "made (run)",
            ),
        }
        for tid, names in cols.items():
            t = self.main.query_one("#" + tid, DataTable)
            for name in names:
                t.add_column(name, key=name or "bar")
        self.main.query_one("#summary", DataTable).border_title = "latest"
        self.main.query_one("#actions", DataTable).border_title = "actions"
        self.main.query_one("#social", DataTable).border_title = "combat, freezes, bonds"
        self.main.query_one("#resources", DataTable).border_title = "resources"
        self.main.query_one("#phases", DataTable).border_title = "trainer phases"
        self.main.query_one("#engine", DataTable).border_title = "engine systems"
        self.reload()
        self.set_interval(self.interval, self.poll)

    # ---- data ---------------------------------------------------------------------------
    def poll(self) -> None:
        if not self.paused and self.main.is_attached:  # not while the app shuts down
            try:
                self.reload()
            except NoMatches:
                # a poll that races the app's shutdown or a screen change finds no widgets;
                # the next poll redraws everything
                pass

    def reload(self) -> None:
        try:
            snap = self.reader.refresh()
        except Exception as e:  # last resort: the app shows the reason instead of a traceback
            snap = Snapshot(
                run_dir=self.run_dir,
                state="unknown",
                problem=f"Could not read {self.run_dir}: {type(e).__name__}: {e}",
            )
        self.snapshot = snap
        self.refreshes += 1
        self.show(snap)

    def show(self, s: Snapshot) -> None:
        self.main.query_one(RunHeader).show(s, self.paused)
        message = self.main.query_one("#message", Static)
        panels = self.main.query_one("#panels", TabbedContent)
        if s.problem:
            message.update(Text(s.problem))
            message.display, panels.display = True, False
            return
        message.display, panels.display = False, True
        for plot in self.main.query(LinePlot):
            plot.set_data(*s.series(plot.key))
        self._summary(s)
        self._time(s)
        self._game(s)

    def _summary(self, s: Snapshot) -> None:
        rows = []
        levels = sorted(k for k in s.last if k.startswith("level/"))  # a curriculum's levels
        for label, key in SUMMARY + tuple((k[len("level/") :].replace("/", " "), k) for k in levels):
            rows.append(
                (key, [label, _num(s.last.get(key)), Text(sparkline(s.series(key)[1]), style="cyan")])
            )
        # the periodic evaluation (learn/training/periodic_eval.py): its last line, which only every Nth
        # epoch has
        evaluated = next((r for r in reversed(s.rows) if "eval/score" in r), {})
        for key in (k for k in evaluated if k.startswith("eval/") and k != "eval/seconds"):
            label = key.replace("/", " ").replace("mean_return", "return")
            rows.append((key, [label, _num(evaluated[key]), Text(sparkline(s.series(key)[1]), style="cyan")]))
        for name, b in s.reference.items():
            rows.append(
                (
                    f"reference/{name}",
                    [
                        f"{name} baseline return",
                        _num(b.get("mean_return") if isinstance(b, dict) else None),
                        Text(""),
                    ],
                )
            )
        if s.first_return is not None:
            rows.append(("reference/first", ["first epoch's return", _num(s.first_return), Text("")]))
        _fill(self.main.query_one("#summary", DataTable), rows)

    def _time(self, s: Snapshot) -> None:
        last, total = s.phase_times()
        run_total = sum(total.get(p, 0.0) for p in PHASES) or 1.0
        rows = []
        for p in PHASES:
            share = total.get(p, 0.0) / run_total
            rows.append(
                (
                    p,
                    [
                        p,
                        PHASE_DOC[p],
                        _num(last.get(p)),
                        _num(total.get(p)),
                        Text(f"{share:.1%}", justify="right"),
                        Text(bar(share), style="green"),
                    ],
                )
            )
        _fill(self.main.query_one("#phases", DataTable), rows)
        self.main.query_one("#time-note", Static).update(
            f"Seconds per phase, over {len(s.rows)} epochs; share = of the run total. env, inference "
            "(the rollout) and learn are timed by the trainer; other = the rest of each epoch's wall time."
        )
        elast, etotal = s.latest("engine/"), s.totals("engine/")
        engine_sum = sum(etotal.values())
        rows = []
        for name in sorted(etotal, key=lambda n: -etotal[n]):
            phase, _, system = name.partition(".")
            share = etotal[name] / engine_sum if engine_sum else 0.0
            ms = elast.get(name)
            rows.append(
                (
                    name,
                    [
                        system,
                        phase,
                        _num(None if ms is None else ms * 1000),
                        _num(etotal[name]),
                        Text(f"{share:.1%}", justify="right"),
                        Text(bar(share), style="magenta"),
                    ],
                )
            )
        _fill(self.main.query_one("#engine", DataTable), rows)
        env = total.get("env", 0.0)
        if etotal:
            note = f"Engine systems ran {engine_sum:.3g} s in all" + (
                f", {engine_sum / env:.0%} of the env phase (the rest is the vector and its copies)."
                if env
                else "."
            )
        else:
            note = (
                "No engine timings in this log: the multiprocessing backend keeps its envs in other "
                "processes, and runs logged before engine timings existed have none."
            )
        self.main.query_one("#engine-note", Static).update(note)

    def _game(self, s: Snapshot) -> None:
        from game.rules.constants import ACTION_NAMES

        ep = s.episode_rows
        names = s.episode_stat_names()
        if ep:
            last = ep[-1]
            self.main.query_one("#game-note", Static).update(
                f"Per agent per episode. Last: epoch {int(last['epoch'])} ({int(last['charts/episodes'])} "
                f"episodes ended); run: {s.episodes_total:,} episodes over {len(ep)} epochs."
            )
        else:
            self.main.query_one("#game-note", Static).update(
                "No episode has ended yet: game stats come at the end of each episode."
            )
        found = {n.split(".")[1] for n in names if n.startswith("action.") and n.count(".") == 2}
        actions = [a for a in ACTION_NAMES if a in found] + sorted(found - set(ACTION_NAMES))
        rows = []
        for a in actions:
            ok, bad = s.episode_last(f"action.{a}.success"), s.episode_last(f"action.{a}.failed")
            mok, mbad = s.episode_mean(f"action.{a}.success"), s.episode_mean(f"action.{a}.failed")
            rate = ok / (ok + bad) if ok is not None and bad is not None and ok + bad else None
            mrate = mok / (mok + mbad) if mok is not None and mbad is not None and mok + mbad else None
            rows.append(
                (
                    a,
                    [
                        a,
                        _num(ok),
                        _num(bad),
                        Text("-" if rate is None else f"{rate:.1%}", justify="right"),
                        Text("-" if mrate is None else f"{mrate:.1%}", justify="right"),
                        Text(sparkline(s.episode_trend(f"action.{a}.success"), 12), style="cyan"),
                    ],
                )
            )
        _fill(self.main.query_one("#actions", DataTable), rows)

        rows = []
        for key, label in SOCIAL:
            rows.append(
                (
                    key,
                    [
                        label,
                        _num(s.episode_last(key)),
                        _num(s.episode_mean(key)),
                        Text(sparkline(s.episode_trend(key), 12), style="cyan"),
                    ],
                )
            )
        _fill(self.main.query_one("#social", DataTable), rows)

        social = {k for k, _ in SOCIAL}
        resources: dict[str, None] = {}
        for n in names:
            r, _, stat = n.rpartition(".")
            if stat in RES_STATS and r and "." not in r and n not in social:
                resources[r] = None
        rows = []
        for r in resources:
            rows.append(
                (
                    r,
                    [r]
                    + [_num(s.episode_last(f"{r}.{st}")) for st in RES_STATS]
                    + [_num(s.episode_mean(f"{r}.gained"))],
                )
            )
        _fill(self.main.query_one("#resources", DataTable), rows)

    # ---- actions ------------------------------------------------------------------------
    def action_panel(self, name: str) -> None:
        self.main.query_one("#panels", TabbedContent).active = name

    def action_cycle(self, delta: int) -> None:
        tabs = self.main.query_one("#panels", TabbedContent)
        i = PANELS.index(tabs.active) if tabs.active in PANELS else 0
        tabs.active = PANELS[(i + delta) % len(PANELS)]

    def action_toggle_pause(self) -> None:
        self.paused = not self.paused

    def watch_paused(self, paused: bool) -> None:
        if self.refreshes:  # the widgets exist
            self.main.query_one(RunHeader).show(self.snapshot, paused)
            if not paused:
                self.reload()

    def action_reload(self) -> None:
        self.reload()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    @property
    def active_panel(self) -> str:
        return self.main.query_one("#panels", TabbedContent).active
