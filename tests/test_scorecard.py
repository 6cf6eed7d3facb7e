"""The scorecard: CIs, two runs compared, the chart, merging files of different versions, the
documented tables."""

import re
from pathlib import Path

import duckdb
import numpy as np
import pytest
from PIL import Image
from scipy import stats

from learn.__main__ import main
from learn.evaluation.baselines import RandomPolicy, ScriptedPolicy
from learn.evaluation.scorecard import connect, merge, scorecard, write_chart
from learn.evaluation.suites import SUITES_VERSION, get_suite, run_suite
from learn.rundir.stats import SUITE_TABLES
from learn.studies.analysis import mean_ci


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("sc")
    a, b = d / "runA", d / "runB.duckdb"
    suite = get_suite("harvest") + get_suite("kinship")[:2]
    run_suite(ScriptedPolicy(0), suite, a, episodes=3, max_steps=48, suite_name="mini")
    run_suite(RandomPolicy(0), suite, b, episodes=3, max_steps=48, suite_name="mini")
    return a, b


def test_mean_ci():
    m, h, n = mean_ci([1.0, 2.0, 3.0, None, float("nan")])
    assert (m, n) == (2.0, 3) and h == pytest.approx(4.302653 * 1.0 / 3**0.5, rel=1e-6)
    m, h, n = mean_ci([5.0])
    assert (m, n) == (5.0, 1) and np.isnan(h)
    m, h, n = mean_ci([])
    assert n == 0 and np.isnan(m) and np.isnan(h)


@pytest.mark.parametrize("n", [2, 3, 5, 12, 31, 40, 200])
def test_mean_ci_is_the_t_interval(n):
    """The exact t quantile at every n (the typed table this replaced was off by up to 0.0015 past 30)."""
    xs = np.random.default_rng(n).normal(3.0, 2.0, n)
    m, h, k = mean_ci(xs.tolist())
    lo, hi = stats.t.interval(0.95, n - 1, loc=xs.mean(), scale=stats.sem(xs))
    assert k == n and m == pytest.approx(xs.mean(), abs=1e-12)
    assert m - h == pytest.approx(lo, abs=1e-9) and m + h == pytest.approx(hi, abs=1e-9)


def test_scorecard_two_runs(two_runs, tmp_path, capsys):
    sc = scorecard(two_runs)
    assert sc["policies"] == ["random", "scripted"]
    assert set(sc["suites"]) == {"harvest", "kinship"}
    m_s, h_s, n_s = sc["by_suite"][("scripted", "harvest")]
    m_r, _, n_r = sc["by_suite"][("random", "harvest")]
    assert n_s == n_r == 3 and m_s > m_r and h_s >= 0
    assert (
        sc["coop"][("scripted", ("kinship", "kinship_none"))]["attack_kin"][0] == 0.0
    )  # no kin without kinship
    png = write_chart(sc, tmp_path / "c.png", width=900)
    assert png == tmp_path / "c.png"
    # the metric by suite and seven cooperation panels, 240 px each, under a 60 px legend
    with Image.open(png) as im:
        assert im.format == "PNG" and im.size == (900, 60 + 240 * 8)
    svg = (tmp_path / "c.svg").read_text()
    assert "<svg" in svg and "</svg>" in svg
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.png", "c.svg"]  # no temporary left
    assert main(["scorecard", str(two_runs[0]), str(two_runs[1]), "--png", str(tmp_path / "d.png")]) == 0
    out = capsys.readouterr().out
    assert "scripted" in out and "random" in out and "kinship_teams" in out and "atk non-kin" in out
    assert (tmp_path / "d.png").stat().st_size > 0 and (tmp_path / "d.svg").stat().st_size > 0


def test_the_default_chart_goes_beside_the_results_not_into_the_cwd(two_runs, tmp_path, monkeypatch, capsys):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    assert main(["scorecard", str(two_runs[0]), str(two_runs[1])]) == 0
    first = Path(two_runs[0])
    chart = (first if first.is_dir() else first.parent) / "scorecard.png"
    assert chart.is_file() and f"chart: {chart}" in capsys.readouterr().out
    assert list(cwd.iterdir()) == []


def test_latest_run_per_level(two_runs, tmp_path):
    db = tmp_path / "again.duckdb"
    run_suite(ScriptedPolicy(1), get_suite("harvest"), db, episodes=2, max_steps=16, suite_name="x")
    run_suite(ScriptedPolicy(1), get_suite("harvest"), db, episodes=4, max_steps=16, suite_name="x")
    assert scorecard([db])["by_suite"][("scripted", "harvest")][2] == 4
    assert scorecard([db], all_runs=True)["by_suite"][("scripted", "harvest")][2] == 6


def _old_version_db(path):
    """A file as an older version might have written it: fewer columns, another version tag."""
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE suite_runs "
        "(run_id VARCHAR, time DOUBLE, suite VARCHAR, policy VARCHAR, version VARCHAR)"
    )
    con.execute("INSERT INTO suite_runs VALUES ('old-1', 1.0, 'harvest', 'legacy', '0')")
    con.execute(
        "CREATE TABLE suite_episodes (run_id VARCHAR, suite VARCHAR, policy VARCHAR, level VARCHAR, "
        "episode INTEGER, seed BIGINT, mean_return DOUBLE, hearts DOUBLE)"
    )
    con.executemany(
        "INSERT INTO suite_episodes VALUES ('old-1', 'harvest', 'legacy', 'harvest', ?, ?, ?, ?)",
        [(e, 3000 + e, 1.0 + e, 1.0) for e in range(3)],
    )
    con.close()


def test_merge_and_query_together(two_runs, tmp_path):
    old = tmp_path / "old.duckdb"
    _old_version_db(old)
    # ATTACHed together, read as one
    con = connect([*two_runs, old])
    got = con.execute(
        "SELECT e.policy, r.version, count(*) FROM suite_episodes e JOIN suite_runs r USING (run_id) "
        "WHERE e.level = 'harvest' GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    con.close()
    assert got == [("legacy", "0", 3), ("random", SUITES_VERSION, 3), ("scripted", SUITES_VERSION, 3)]
    # merged into one file (twice: the second merge adds nothing)
    out = tmp_path / "merged.duckdb"
    added = merge(out, [*two_runs, old])
    assert added["suite_runs"] == 3 and added["suite_episodes"] == 21
    assert merge(out, [*two_runs, old]) == dict.fromkeys(SUITE_TABLES, 0)
    con = duckdb.connect(str(out), read_only=True)
    assert con.execute("SELECT count(*), count(frozen_ticks) FROM suite_episodes").fetchone() == (21, 18)
    assert con.execute("SELECT sum(mean_return) FROM suite_episodes WHERE policy = 'legacy'").fetchone() == (
        6.0,
    )
    con.close()
    sc = scorecard([out])
    assert sc["by_suite"][("legacy", "harvest")][:1] == (2.0,)
    assert (
        main(["scorecard", str(old), str(two_runs[0]), "--png", "", "--merge", str(tmp_path / "m2.duckdb")])
        == 0
    )


def test_scorecard_errors(tmp_path, capsys):
    assert main(["scorecard", str(tmp_path / "nope")]) == 2
    assert "no such run directory" in capsys.readouterr().err
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    assert main(["scorecard", str(empty)]) == 2
    assert "no suite results" in capsys.readouterr().err


def test_tables_documented(two_runs):
    """docs/evaluation.md documents every column of every suite table, in order."""
    doc = (Path(__file__).parent.parent / "docs" / "evaluation.md").read_text()
    con = duckdb.connect(str(Path(two_runs[0]) / "stats.duckdb"), read_only=True)
    for t in SUITE_TABLES:
        m = re.search(rf"^### `{t}`\n(.*?)(?=^#|\Z)", doc, re.S | re.M)
        assert m, f"table {t} not documented"
        documented = re.findall(r"^\| `(\w+)` \|", m.group(1), re.M)
        actual = [d[0] for d in con.execute(f"SELECT * FROM {t} LIMIT 0").description]
        assert documented == actual, t
    con.close()
