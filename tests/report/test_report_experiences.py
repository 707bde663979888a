"""Verdicts, flakiness and regression onset of experiences, checked against sequences worked out by hand."""

from __future__ import annotations

import pytest

from metrics_build.report.experiences import ExperienceState, flaky, regressions, verdict


@pytest.mark.parametrize(("status", "warn_passes", "errors_fail", "expected"), [
    ("PASSED", False, False, True), ("BLOCKER", False, False, False), ("WARNING", False, False, False),
    ("WARNING", True, False, True), ("ERROR", False, False, None), ("ERROR", False, True, False),
    ("CANCELLED", False, True, None), ("RUNNING", False, False, None), ("QUEUED", True, True, None),
    ("SOMETHING_NEW", False, False, None), (None, False, False, None),
])
def test_verdicts(status: str | None, warn_passes: bool, errors_fail: bool, expected: bool | None) -> None:
    assert verdict(status, warn_passes=warn_passes, errors_fail=errors_fail) is expected


def _follow(name: str, history: list[tuple[str, str, str]]) -> ExperienceState:
    """`history`: (conflated status, build, line) per batch, oldest first."""
    state = ExperienceState(key=name, name=name)
    for index, (status, build, line) in enumerate(history):
        state.update(index, status, verdict(status), line=line, build=build)
    return state


def test_changes_between_consecutive_verdicts() -> None:
    # batch:   0 P (b1)   1 F (b1)   2 CANCELLED   3 F (b2)   4 P (b2)   5 P (b3)
    # verdicts P F F P P: pairs (P,F) (F,F) (F,P) (P,P) → 2 changes of 4 compared;
    # same build: 0→1 both b1 and different → 1; 3→4 both b2 and different → 2.
    e = _follow("a", [("PASSED", "b1", "main"), ("BLOCKER", "b1", "main"), ("CANCELLED", "b1", "main"),
                      ("WARNING", "b2", "main"), ("PASSED", "b2", "main"), ("PASSED", "b3", "main")])
    assert (e.changes, e.compared, e.same_build_changes, e.change_rate) == (2, 4, 2, 0.5)
    assert list(e.recent) == ["P", "F", "F", "P", "P"]
    assert (e.passed, e.failed, e.pass_rate) == (3, 2, 60.0)
    assert e.statuses == {"PASSED": 3, "BLOCKER": 1, "CANCELLED": 1, "WARNING": 1}
    assert not e.failing_now and e.last_pass == 5 and e.streak_start is None


def test_changes_count_on_one_build_line_at_a_time() -> None:
    # main: P P P   release: F F   interleaved: no change on either line, although consecutive batches
    # alternate between P and F.
    e = _follow("b", [("PASSED", "m1", "main"), ("BLOCKER", "r1", "release"), ("PASSED", "m2", "main"),
                      ("BLOCKER", "r2", "release"), ("PASSED", "m3", "main")])
    assert (e.changes, e.compared) == (0, 3)
    assert e.lines["main"].compared == 2 and e.lines["release"].compared == 1


def test_onset_is_the_start_of_the_current_failing_run() -> None:
    # verdicts by batch: 0 P, 1 F, 2 P, 3 F, 4 (ERROR: none), 5 F, 6 (RUNNING: none)
    # → failing now since batch 3, 2 failing verdicts in the run, last passed in batch 2.
    e = _follow("c", [("PASSED", "1", ""), ("BLOCKER", "2", ""), ("PASSED", "3", ""), ("WARNING", "4", ""),
                      ("ERROR", "5", ""), ("BLOCKER", "6", ""), ("RUNNING", "7", "")])
    assert e.failing_now
    assert (e.streak_start, e.streak, e.last_pass, e.last_batch, e.last_status) == (3, 2, 2, 5, "BLOCKER")


def test_never_passed() -> None:
    e = _follow("d", [("BLOCKER", "1", ""), ("WARNING", "2", "")])
    assert (e.streak_start, e.streak, e.last_pass, e.changes) == (0, 2, None, 0)


def test_rankings() -> None:
    steady = _follow("steady", [("PASSED", "1", "")] * 4)
    flipper = _follow("flipper", [("PASSED", "1", ""), ("BLOCKER", "1", ""), ("PASSED", "1", ""),
                                  ("BLOCKER", "1", "")])            # 3 changes of 3, all on one build
    once = _follow("once", [("PASSED", "1", ""), ("PASSED", "2", ""), ("BLOCKER", "3", "")])   # 1 of 2
    once_more = _follow("a-once", [("PASSED", "1", ""), ("BLOCKER", "2", "")])                  # 1 of 1
    broken = _follow("broken", [("BLOCKER", "1", "")] * 3)
    everyone = [steady, flipper, once, once_more, broken]
    assert [e.name for e in flaky(everyone)] == ["flipper", "a-once", "once"]
    # failing now: flipper since batch 3, once since batch 2, a-once since 1, broken since 0 (newest onset first)
    assert [(e.name, e.streak_start) for e in regressions(everyone)] == [
        ("flipper", 3), ("once", 2), ("a-once", 1), ("broken", 0)]


def test_recent_keeps_the_newest_twenty() -> None:
    e = _follow("e", [("PASSED", str(i), "") if i % 3 else ("BLOCKER", str(i), "") for i in range(30)])
    assert len(e.recent) == 20
    assert "".join(e.recent) == "".join("P" if i % 3 else "F" for i in range(10, 30))
