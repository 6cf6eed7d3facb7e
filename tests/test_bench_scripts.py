"""The benchmark scripts run on a fresh checkout (their figures are not asserted: machines are noisy)."""

import pytest

from benchmarks import overhead


def test_overhead_script_measures_the_three_levels_of_a_step(capsys):
    out = overhead.main(["--rounds", "2", "--calls", "20"])
    assert set(out) == {"env.step", "Scheduler.tick", "Pipeline"}
    assert all(ns > 0 for ns in out.values())
    printed = capsys.readouterr().out
    assert "one world of 24 agents" in printed and "env.step above the tick" in printed


@pytest.mark.slow
def test_time_to_skill_reports_each_target_and_seed(capsys):
    from benchmarks import time_to_skill

    out = time_to_skill.main(
        [
            "--level",
            "tests/levels/tiny_harvest.toml",
            "--seeds",
            "0,1",
            "--max-steps",
            "1536",
            "--targets",
            "0,5",
            "--",
            "--num-worlds",
            "4",
            "--horizon",
            "16",
            "--torch-threads",
            "1",
        ]
    )
    assert set(out) == {0, 1}
    for r in out.values():
        steps, seconds = r["reached"][0.0]  # no hearts on this level: 0 is met at the first episode's end
        assert steps == 64 * 4 and seconds > 0
        assert r["reached"][5.0] is None and r["steps"] == 1536
    printed = capsys.readouterr().out
    assert "0 heart(s): reached by 2/2 seeds" in printed and "5 heart(s): reached by 0/2 seeds" in printed


def test_behaviour_cloning_probe_clones_the_teacher_and_plays(capsys):
    from benchmarks import behaviour_cloning

    out = behaviour_cloning.main(
        ["--level", "harvest", "--samples", "6000", "--epochs", "2", "--arms", "typed;cnn,ego=0"]
    )
    assert [r["arm"] for r in out] == ["typed", "cnn,ego=0"]
    for r in out:
        assert 0.0 <= r["agreement"] <= 1.0
        assert (
            r["clone_hearts"] >= 0.0 and r["clone_return"] == r["clone_return"]
        )  # an episode ended: not NaN
    printed = capsys.readouterr().out
    assert "teacher on harvest" in printed and "hearts" in printed
