# %% [markdown]
# # A study's tables in pandas: the dose-response, redrawn
#
# `python -m learn study STUDY.toml --out DIR` leaves every number of its report in
# `DIR/study.duckdb` (tables documented in docs/evaluation.md). This takes them into pandas and
# redraws the report's dose-response (`dose_response.png`): for each arm, the act's rate per
# opportunity (acts / opportunities, from `suite_pairs`, the acts of the study's `actors`)
# against the relatedness r the episodes were played at; for the trained policies, each seed
# (thin) and their mean with its 95% t interval over seeds; one curve per baseline.
#
#     python examples/study_analysis.py DIR -o dose.png
#
# The same cells are examples/study_analysis.ipynb (a test keeps the two equal); in a notebook,
# set STUDY_DIR below.

# %%
import argparse
import json
import sys
from pathlib import Path

import duckdb
import pandas as pd
from matplotlib.figure import Figure  # a figure without pyplot: no window, whatever the display
from scipy import stats

from game.load.level import load_level
from learn.studies.study import grid_name
from learn.studies.study_spec import load_study, predicted

STUDY_DIR = "runs/study-kin_aggression-smoke"  # in a notebook: your study directory
OUT = None  # in a notebook: a PNG path to write, or None to only show the figure below

if "__file__" in globals():  # run as a script: the command line says where to read and write
    ap = argparse.ArgumentParser(
        description="Redraw a study's dose-response from its study.duckdb with pandas."
    )
    ap.add_argument("study_dir", help="the study directory (python -m learn study ... --out DIR)")
    ap.add_argument("-o", "--out", required=True, help="PNG to write (an SVG is written beside it)")
    args = ap.parse_args()
    STUDY_DIR, OUT = args.study_dir, args.out

# %% [markdown]
# What the study measured: its act, its actor groups and its relatedness grid, from the study file
# the directory was made from (`plan.json` names it and holds the grid as it was run).

# %%
study_dir = Path(STUDY_DIR)
db_path, plan_path = study_dir / "study.duckdb", study_dir / "plan.json"
if not db_path.is_file() or not plan_path.is_file():
    sys.exit(
        f"{study_dir}: not a study directory (no study.duckdb or plan.json); give the --out of `learn study`"
    )
plan = json.loads(plan_path.read_text())
study = load_study(plan["file"])[0]
if not study.act or not plan["eval"]["relatedness"]:
    sys.exit(f"{plan['file']}: the study has no act or no relatedness grid, so no dose-response to draw")
grid = {grid_name(r): float(r) for r in plan["eval"]["relatedness"]}  # suite entry (`level` column) -> r
acts, opps = ("gifts", "give_opportunities") if study.act == "give" else ("attacks", "attack_opportunities")
arms = [a.name for a in study.arms]
groups = list(
    load_level(study_dir / "levels" / f"{arms[0]}.toml").groups
)  # actor_group is an index into these
actor_groups = (
    [groups.index(g) for g in study.actors if g in groups] if study.actors else list(range(len(groups)))
)

# %% [markdown]
# The tables, read into pandas: `study_runs` names each evaluated job (arm, seed, kind) and its
# `run_id`; `suite_pairs` holds, per episode and ordered pair of agents, the acts and opportunities.

# %%
con = duckdb.connect(str(db_path), read_only=True)
runs = con.execute("SELECT arm, seed, kind, run_id FROM study_runs ORDER BY time").fetchdf()
pairs = con.execute(
    f"SELECT run_id, level, actor_group, {acts} AS acts, {opps} AS opportunities FROM suite_pairs"
).fetchdf()
con.close()

# %% [markdown]
# The rate per job and r: acts / opportunities summed over the job's episodes and actor pairs (a
# job without an opportunity at some r has no rate there). A job evaluated twice counts the
# evaluation written last, as the report does.

# %%
pairs = pairs[pairs["level"].isin(grid) & pairs["actor_group"].isin(actor_groups)].copy()
pairs["r"] = pairs["level"].map(grid)
dose = pairs.groupby(["run_id", "r"], as_index=False)[["acts", "opportunities"]].sum()
dose["rate"] = (dose["acts"] / dose["opportunities"]).where(dose["opportunities"] > 0)
latest = runs.drop_duplicates(["arm", "seed", "kind"], keep="last")
dose = latest.merge(dose, on="run_id")
print(dose.pivot_table(index=["arm", "kind", "seed"], columns="r", values="rate").round(3).to_string())

# %% [markdown]
# The trained policies: the mean over seeds of each seed's rate, with its 95% t interval.


# %%
def mean_ci(rates: pd.Series) -> pd.Series:
    xs = rates.dropna()
    half = stats.t.ppf(0.975, len(xs) - 1) * stats.sem(xs) if len(xs) > 1 else float("nan")
    return pd.Series({"mean": xs.mean(), "half_width": half, "seeds": len(xs)})


trained = dose[dose["kind"] == "trained"]
curve = trained.groupby(["arm", "r"])["rate"].apply(mean_ci).unstack().reset_index()
print(curve.pivot(index="arm", columns="r", values="mean").round(3).to_string())

# %% [markdown]
# The figure: one panel per arm, the prediction dashed where the arm has one.

# %%
cols = min(3, len(arms))
rows = -(-len(arms) // cols)
fig = Figure(figsize=(4.2 * cols, 3.4 * rows), layout="tight")
axes = fig.subplots(rows, cols, squeeze=False, sharey=True)
for ax, arm in zip(axes.flat, arms):
    for _, seed in trained[trained["arm"] == arm].groupby("seed"):
        ax.plot(seed["r"], seed["rate"], color="C0", alpha=0.3, linewidth=0.8)
    c = curve[curve["arm"] == arm]
    ax.errorbar(c["r"], c["mean"], yerr=c["half_width"], color="C0", marker="o", capsize=3, label="trained")
    for i, (kind, base) in enumerate(
        dose[(dose["arm"] == arm) & (dose["kind"] != "trained")].groupby("kind")
    ):
        ax.plot(base["r"], base["rate"], color=f"C{i + 1}", marker=".", label=kind)
    t = predicted(study, next(a for a in study.arms if a.name == arm))
    if t is not None:
        ax.axvline(t, color="grey", linestyle="--", linewidth=1, label="predicted")
    ax.set(title=arm, xlabel="relatedness r", ylim=(-0.02, 1.02))
axes[0][0].set_ylabel(f"{acts} per opportunity")
axes[0][0].legend(fontsize=8)
for ax in axes.flat[len(arms) :]:
    ax.set_visible(False)
if OUT:
    fig.savefig(OUT, dpi=100)
    fig.savefig(Path(OUT).with_suffix(".svg"))
    print(f"wrote {OUT}")
fig  # in a notebook: the figure, shown
