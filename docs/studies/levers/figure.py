"""The figure of docs/training.md, "Social acts": each configuration's dose-response (gifts per
opportunity against r), one line per seed, from the probes' study directories.

    python -m learn study docs/studies/levers/probe.toml --jobs 2     # ... and probe2 .. probe7
    python docs/studies/levers/figure.py OUT.png [RUNS_DIR]          # RUNS_DIR: default runs/
"""

import sys
from collections import defaultdict
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from learn.evaluation import figures  # noqa: E402

# (study name, arm, title)
PANELS = [
    ("probe1", "cb0.5", "1. defaults, 400k"),
    ("probe2", "drawn_1m2", "2. defaults, 1.2M"),
    ("probe2", "drawn_ent05", "3. entropy 0.05, 400k"),
    ("probe3", "ent05", "4. entropy 0.05, 800k"),
    ("probe3", "ent05_g90", "5. entropy 0.05, gamma 0.9, 800k"),
    ("probe3", "ent10", "6. entropy 0.1, 800k"),
    ("probe2", "fixed_r1", "7. fixed r = 1, 400k"),
    ("probe4", "cb0.3_ent10", "8. c/b 0.3: entropy 0.1, 800k"),
    ("probe4", "cb0.7_ent10", "9. c/b 0.7: entropy 0.1, 800k"),
    ("probe5", "cb0.3_anneal", "10. c/b 0.3: entropy 0.1 to 0, 1.2M"),
    ("probe5", "cb0.5_anneal", "11. entropy 0.1 to 0, 1.2M"),
    ("probe6", "cb0.7_anneal", "12. c/b 0.7: entropy 0.1 to 0, 1.2M"),
    ("probe6", "cb0.7_anneal_teach", "13. c/b 0.7: + giver teacher 300k"),
    ("probe7", "cb0.7_teach600k", "14. c/b 0.7: giver teacher 600k"),
]
SEEDS = ["seed 0", "seed 1", "seed 2"]  # probes 1-6 ran 2 seeds, probe 7 three


def main(out: str, runs: str = "runs") -> None:
    cols = 4
    rows = (len(PANELS) + cols - 1) // cols
    fig = figures.new_figure(300 * cols, 60 + 230 * rows)
    axes = fig.subplots(rows, cols, squeeze=False)
    colors = figures.colors_for(SEEDS)
    for i, (study, arm, title) in enumerate(PANELS):
        con = duckdb.connect(str(Path(runs) / f"study-{study}" / "study.duckdb"), read_only=True)
        found = con.execute(
            """SELECT r.seed, p.level, sum(gifts), sum(give_opportunities)
            FROM study_runs r JOIN suite_pairs p USING (run_id)
            WHERE p.actor_group = 0 AND r.kind = 'trained' AND r.arm = ?
            GROUP BY ALL ORDER BY r.seed, p.level""",
            [arm],
        ).fetchall()
        con.close()
        series = defaultdict(dict)
        for seed, level, acts, opps in found:  # the giver's acts (group 0) at grid entry "r=VALUE"
            series[f"seed {seed}"][float(level[2:])] = acts / opps if opps else float("nan")
        xs = sorted({x for s in series.values() for x in s})
        ax = axes[i // cols][i % cols]
        figures.xy_panel(
            ax,
            title,
            xs,
            {s: [(v.get(x, float("nan")), float("nan"), 2) for x in xs] for s, v in sorted(series.items())},
            colors,
            "relatedness r",
            metric="give_rate",
        )
        ax.set_ylim(-0.02, 0.55)  # one scale for all (at most 0.5 here: a gift takes a turn and a transfer)
        ax.set_xticks([0.05, 0.25, 0.5, 0.75, 0.95])
    for j in range(len(PANELS), rows * cols):
        axes[j // cols][j % cols].set_visible(False)
    figures.legend(fig, SEEDS, colors)
    figures.save(fig, out)


if __name__ == "__main__":
    main(*sys.argv[1:])
