"""The benchmark scripts run on a fresh checkout (their figures are not asserted: machines are noisy)."""

from benchmarks import overhead


def test_overhead_script_measures_the_three_levels_of_a_step(capsys):
    out = overhead.main(["--rounds", "2", "--calls", "20"])
    assert set(out) == {"env.step", "Scheduler.tick", "Pipeline"}
    assert all(ns > 0 for ns in out.values())
    printed = capsys.readouterr().out
    assert "one world of 24 agents" in printed and "env.step above the tick" in printed
