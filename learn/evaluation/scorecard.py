"""The scorecard: policies by suite (mean and 95% CI), per level, and the cooperation metrics,
read from one or more DuckDB files written by the suite runner; plus a chart (PNG and SVG, drawn
with matplotlib by learn/evaluation/figures.py).

`python -m learn scorecard RUN_OR_DB... [--png FILE]`: each argument is a run directory (its
`stats.duckdb`) or a `.duckdb` file. The files are ATTACHed read-only and their suite tables
are read as one (`UNION ALL BY NAME`, so files written by different versions, with more or fewer
columns, still combine); `merge(out, inputs)` writes them into one file instead.

Confidence intervals: the mean over episodes (each episode's value is already a mean over its
agents) +- t(0.975, n-1) * sd / sqrt(n), the t quantile from scipy (`mean_ci`, from
learn/studies/analysis.py); a suite pools the episodes of all its levels.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Iterable

import duckdb

from learn.rundir.stats import SUITE_SCHEMA, SUITE_TABLES
from learn.studies.analysis import mean_ci  # (mean, 95% t half-width from scipy, n); NaN half-width for n < 2

COOP_SHOWN = {
    "hearts": "hearts",
    "attack_kin": "atk kin",
    "attack_non_kin": "atk non-kin",
    "kin_attack_share": "kin share",
    "given": "given",
    "given_kin": "given kin",
    "given_non_kin": "given non-kin",
    "top_group_heart_share": "top group hearts",
    "bonds_formed": "bonds formed",
    "bonds_kept": "bonds kept",
    "equality": "equality",
    "sustainability": "sustain",
    "peace": "peace",
}


class ScorecardError(ValueError):
    """No usable input (missing file, no suite results)."""


def resolve_db(path: str | Path) -> Path:
    p = Path(path)
    if p.is_dir():
        p = p / "stats.duckdb"
    if not p.is_file():
        raise ScorecardError(f"{path}: no such run directory or DuckDB file")
    return p


def connect(paths: Iterable[str | Path]) -> duckdb.DuckDBPyConnection:
    """An in-memory connection with every input ATTACHed read-only (as src0, src1, ...) and one
    view per suite table over all of them, plus a `source` column naming the file."""
    paths = [resolve_db(p) for p in paths]
    if not paths:
        raise ScorecardError("no input: give run directories or .duckdb files")
    con = duckdb.connect()
    have: dict[str, list[str]] = {t: [] for t in SUITE_TABLES}
    for i, p in enumerate(paths):
        try:
            con.execute(f"ATTACH '{_sql_str(str(p))}' AS src{i} (READ_ONLY)")
        except duckdb.Error as e:
            raise ScorecardError(f"{p}: cannot open as DuckDB ({str(e).splitlines()[0][:200]})") from None
        tables = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = ?", [f"src{i}"]
            ).fetchall()
        }
        for t in SUITE_TABLES:
            if t in tables:
                have[t].append(f"SELECT *, '{_sql_str(str(p))}' AS source FROM src{i}.{t}")
    if not have["suite_episodes"]:
        raise ScorecardError(
            f"no suite results in {', '.join(map(str, paths))} "
            "(write some with: python -m learn eval CHECKPOINT --suite NAME)"
        )
    empty = duckdb.connect()
    empty.execute(SUITE_SCHEMA)
    for t, selects in have.items():
        if selects:
            con.execute(f"CREATE TEMP VIEW {t} AS " + " UNION ALL BY NAME ".join(selects))
        else:  # an empty view with the current columns
            cols = ", ".join(
                f"CAST(NULL AS {ty}) AS {c}"
                for c, ty in empty.execute(
                    f"SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '{t}' "
                    "ORDER BY ordinal_position"
                ).fetchall()
            )
            con.execute(f"CREATE TEMP VIEW {t} AS SELECT {cols}, '' AS source WHERE false")
    empty.close()
    return con


def _sql_str(s: str) -> str:
    return s.replace("'", "''")


def check_db_target(path: str | Path, flag: str = "--merge") -> None:
    """Refuse a DuckDB file to be written that cannot be one, before any work (the command line
    calls this first; a write would fail only at the end): a directory, a path under a file, or
    an existing file DuckDB cannot open (another kind of file, or one a writer holds)."""
    p = Path(path)
    for parent in p.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ScorecardError(
                    f"{flag} {path}: {parent} is a file, not a directory; give a path in a directory"
                )
            break
    if p.is_dir():
        raise ScorecardError(f"{flag} {path}: is a directory; give a .duckdb file")
    if p.exists():
        try:
            duckdb.connect(str(p), read_only=True).close()
        except duckdb.Error as e:
            raise ScorecardError(
                f"{flag} {path}: cannot be opened as DuckDB ({str(e).splitlines()[0][:200]}); "
                f"give a new path or a DuckDB file"
            ) from None


def merge(out: str | Path, inputs: Iterable[str | Path]) -> dict[str, int]:
    """Write the suite tables of every input into the DuckDB file `out` (created or appended to;
    runs already there, by run_id, are skipped). Returns the rows added per table."""
    check_db_target(out)
    inputs = list(inputs)
    src = connect(inputs)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    dst = duckdb.connect(str(out))
    try:
        dst.execute(SUITE_SCHEMA)
        known = {r[0] for r in dst.execute("SELECT run_id FROM suite_runs").fetchall()}
        added = {}
        dst.begin()
        for t in SUITE_TABLES:
            cols = [
                r[0]
                for r in dst.execute(
                    f"SELECT column_name FROM information_schema.columns WHERE table_name = '{t}' "
                    "ORDER BY ordinal_position"
                ).fetchall()
            ]
            src_cols = {d[0] for d in src.execute(f"SELECT * FROM {t} LIMIT 0").description}
            sel = ", ".join(c if c in src_cols else "NULL" for c in cols)
            rows = [r for r in src.execute(f"SELECT run_id, {sel} FROM {t}").fetchall() if r[0] not in known]
            if rows:
                dst.executemany(
                    f"INSERT INTO {t} VALUES ({', '.join('?' * len(cols))})", [r[1:] for r in rows]
                )
            added[t] = len(rows)
        dst.commit()
    finally:
        dst.close()
        src.close()
    return added


LATEST = """
WITH runs AS (SELECT DISTINCT e.run_id, e.policy, e.level, r.time FROM suite_episodes e
              JOIN suite_runs r ON e.run_id = r.run_id),
     latest AS (SELECT policy, level, arg_max(run_id, time) AS run_id FROM runs GROUP BY policy, level)
SELECT e.* FROM suite_episodes e JOIN latest l
    ON e.run_id = l.run_id AND e.policy = l.policy AND e.level = l.level
"""


def scorecard(
    paths: Iterable[str | Path], metric: str = "mean_return", all_runs: bool = False
) -> dict[str, Any]:
    """The numbers behind the printed tables and the chart. Each policy is scored on each level
    by its most recent run there (re-running an eval replaces its old numbers); `all_runs`
    pools every run instead."""
    con = connect(paths)
    try:
        cols = {d[0] for d in con.execute("SELECT * FROM suite_episodes LIMIT 0").description}
        if metric not in cols:
            raise ScorecardError(f"unknown metric {metric!r}; columns: {', '.join(sorted(cols))}")
        src = "suite_episodes" if all_runs else f"({LATEST})"
        rows = con.execute(
            f"SELECT policy, suite, level, {metric}, "
            + ", ".join(c if c in cols else "NULL" for c in COOP_SHOWN)
            + f" FROM {src} ORDER BY policy, suite, level, episode"
        ).fetchall()
        runs = con.execute(
            "SELECT DISTINCT policy, version, code_version, source FROM suite_runs ORDER BY policy"
        ).fetchall()
    finally:
        con.close()
    policies = list(dict.fromkeys(r[0] for r in rows))
    suites = list(dict.fromkeys(r[1] for r in rows))
    levels = list(dict.fromkeys((r[1], r[2]) for r in rows))

    def cell(sel):
        return mean_ci(r[3] for r in rows if sel(r))

    by_suite = {(p, s): cell(lambda r: r[0] == p and r[1] == s) for p in policies for s in suites}
    by_level = {(p, lv): cell(lambda r: r[0] == p and (r[1], r[2]) == lv) for p in policies for lv in levels}
    coop = {}
    for p in policies:
        for lv in levels:
            sel = [r for r in rows if r[0] == p and (r[1], r[2]) == lv]
            if sel:
                coop[(p, lv)] = {k: mean_ci(r[4 + i] for r in sel) for i, k in enumerate(COOP_SHOWN)}
    return dict(
        metric=metric,
        policies=policies,
        suites=suites,
        levels=levels,
        by_suite=by_suite,
        by_level=by_level,
        coop=coop,
        runs=runs,
    )


def _fmt(m: float, h: float, n: int, digits: int = 3) -> str:
    if n == 0:
        return "-"
    if m != 0 and abs(m) < 0.01:  # small scores keep their significant digits
        digits = 5
    if math.isnan(h):
        return f"{m:.{digits}f} (n={n})"
    return f"{m:.{digits}f} ± {h:.{digits}f}"


def print_scorecard(sc: dict[str, Any], console=None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console(width=200)
    t = Table(title=f"{sc['metric']} per agent-episode by suite: mean ± 95% CI")
    t.add_column("policy")
    for s in sc["suites"]:
        t.add_column(s, justify="right")
    for p in sc["policies"]:
        t.add_row(p, *[_fmt(*sc["by_suite"][(p, s)]) for s in sc["suites"]])
    console.print(t)
    t = Table(title=f"{sc['metric']} by level: mean ± 95% CI")
    t.add_column("suite")
    t.add_column("level")
    for p in sc["policies"]:
        t.add_column(p, justify="right")
    for lv in sc["levels"]:
        t.add_row(lv[0], lv[1], *[_fmt(*sc["by_level"][(p, lv)]) for p in sc["policies"]])
    console.print(t)
    t = Table(title="cooperation per agent-episode (means; shares are fractions of the episode's total)")
    t.add_column("level")
    t.add_column("policy")
    for label in COOP_SHOWN.values():
        t.add_column(label, justify="right")
    for lv in sc["levels"]:
        for p in sc["policies"]:
            c = sc["coop"].get((p, lv))
            if c:
                t.add_row(lv[1], p, *[("-" if c[k][2] == 0 else f"{c[k][0]:.3f}") for k in COOP_SHOWN])
    console.print(t)


def write_chart(sc: dict[str, Any], path: str | Path, width: int = 1100) -> Path:
    """Panels: the metric by suite; then, for the levels with kin structure (kinship, cooperation,
    competition suites, or all levels when none), attacks on non-kin and kin, resources given to
    non-kin and kin, hearts, equality and peace. Each panel has its own scale, bounded by the
    range its metric can take (figures.metric_range), and every bar its value where it fits; a
    policy has the same colour in every figure (figures.colors_for). Written as `path` (a PNG
    `width` pixels wide) and as an SVG beside it (path.with_suffix(".svg")); returns `path`."""
    from learn.evaluation import figures

    policies = sc["policies"]
    colors = figures.colors_for(policies)
    coop_levels = [lv for lv in sc["levels"] if lv[0] in ("kinship", "cooperation", "competition")] or sc[
        "levels"
    ]
    metric = sc["metric"]
    if len(sc["suites"]) > 1:
        panels = [
            (
                f"{metric} per agent-episode by suite (95% CI)",
                metric,
                sc["suites"],
                {p: [sc["by_suite"][(p, s)] for s in sc["suites"]] for p in policies},
            )
        ]
    else:  # one suite: its levels
        panels = [
            (
                f"{metric} per agent-episode by level (95% CI)",
                metric,
                [lv[1] for lv in sc["levels"]],
                {p: [sc["by_level"][(p, lv)] for lv in sc["levels"]] for p in policies},
            )
        ]
    for key, title in (
        ("attack_non_kin", "attacks on non-kin per agent-episode"),
        ("attack_kin", "attacks on kin per agent-episode"),
        ("given_non_kin", "resources given to non-kin per agent-episode"),
        ("given_kin", "resources given to kin per agent-episode"),
        ("hearts", "hearts made per agent-episode"),
        ("equality", "equality (1 - Gini of returns)"),
        ("peace", "peace (share of agent-ticks not frozen)"),
    ):
        panels.append(
            (
                f"{title} (95% CI)",
                key,
                [lv[1] for lv in coop_levels],
                {
                    p: [
                        sc["coop"].get((p, lv), {}).get(key, (float("nan"), float("nan"), 0))
                        for lv in coop_levels
                    ]
                    for p in policies
                },
            )
        )
    ph = 240
    fig = figures.new_figure(width, 60 + ph * len(panels))
    axes = fig.subplots(len(panels), 1, squeeze=False)[:, 0]
    figures.legend(fig, policies, colors)
    for ax, (title, key, groups, series) in zip(axes, panels):
        figures.bar_panel(ax, title, groups, series, colors, metric=key)
    figures.save(fig, path, formats=("png", "svg"))
    return Path(path)
