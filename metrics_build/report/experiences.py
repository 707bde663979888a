"""Each experience followed across the history, one small state each, updated batch by batch: how often it
ended in each status, its verdicts per build line (flakiness), and its current failing streak (regression
onset).

A test's verdict comes from its conflated status: PASSED passes, BLOCKER fails, WARNING fails (passes
with `warn_passes`), ERROR has no verdict (fails with `errors_fail`); cancelled, queued and running
tests have none. Verdicts are compared between consecutive batches in which the experience has one.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field


def verdict(conflated: str | None, *, warn_passes: bool = False, errors_fail: bool = False) -> bool | None:
    """Whether a test with this conflated status passed; None: no verdict (see the module docstring)."""
    if conflated == "PASSED":
        return True
    if conflated == "BLOCKER":
        return False
    if conflated == "WARNING":
        return warn_passes
    if conflated == "ERROR" and errors_fail:
        return False
    return None


@dataclass
class LineState:
    """An experience's verdicts on one build line (a branch): the last one, and how often they changed.

    Attributes:
        last / last_build: The newest verdict and the build it came from.
        compared: Consecutive pairs of verdicts seen (one fewer than the verdicts).
        changes: Pairs whose verdicts differ (pass → fail or fail → pass).
        same_build_changes: Changes between two runs of the same build: the code did not change, the
            result did (the plainest sign of a flaky test).
    """

    last: bool | None = None
    last_build: str | None = None
    compared: int = 0
    changes: int = 0
    same_build_changes: int = 0


@dataclass
class ExperienceState:
    """One experience across the history.

    Attributes:
        key: Its id (or `name:<name>` when the API gives none).
        name: Its newest name.
        tags: Its tag names.
        statuses: Tests per conflated status.
        passed / failed: Tests with a passing / failing verdict.
        lines: Verdict history per build line.
        recent: The newest verdicts, oldest first ("P" passed, "F" failed), at most `RECENT`.
        last_status: The conflated status of its newest test with a verdict.
        streak_start: Batch index where its current run of failing verdicts began (None: passing now).
        streak: Failing verdicts in that run.
        last_pass: Batch index of its newest passing verdict (None: never passed in the report).
        last_batch: Batch index of its newest verdict.
    """

    RECENT = 20

    key: str
    name: str
    tags: tuple[str, ...] = ()
    statuses: Counter[str] = field(default_factory=Counter)
    passed: int = 0
    failed: int = 0
    lines: dict[str, LineState] = field(default_factory=dict)
    recent: deque[str] = field(default_factory=lambda: deque(maxlen=ExperienceState.RECENT))
    last_status: str | None = None
    streak_start: int | None = None
    streak: int = 0
    last_pass: int | None = None
    last_batch: int | None = None

    def update(self, batch: int, conflated: str, passed: bool | None, *, line: str, build: str | None) -> None:
        """Add this experience's test of batch index `batch` (batches come in order)."""
        self.statuses[conflated] += 1
        if passed is None:
            return
        state = self.lines.setdefault(line, LineState())
        if state.last is not None:
            state.compared += 1
            if state.last != passed:
                state.changes += 1
                state.same_build_changes += build is not None and build == state.last_build
        state.last, state.last_build = passed, build
        self.recent.append("P" if passed else "F")
        self.last_status, self.last_batch = conflated, batch
        if passed:
            self.passed += 1
            self.streak_start, self.streak, self.last_pass = None, 0, batch
        else:
            self.failed += 1
            if self.streak_start is None:
                self.streak_start = batch
            self.streak += 1

    @property
    def changes(self) -> int:
        """Verdict changes between consecutive batches, summed over build lines."""
        return sum(s.changes for s in self.lines.values())

    @property
    def compared(self) -> int:
        """Consecutive pairs of verdicts compared, summed over build lines."""
        return sum(s.compared for s in self.lines.values())

    @property
    def same_build_changes(self) -> int:
        """Changes between two runs of the same build, summed over build lines."""
        return sum(s.same_build_changes for s in self.lines.values())

    @property
    def change_rate(self) -> float:
        """changes / compared (0 when nothing was compared)."""
        return self.changes / self.compared if self.compared else 0.0

    @property
    def failing_now(self) -> bool:
        """Whether its newest verdict is a failure."""
        return self.streak_start is not None

    @property
    def pass_rate(self) -> float | None:
        """Percent of its verdicts that passed, or None without any."""
        total = self.passed + self.failed
        return 100.0 * self.passed / total if total else None


def flaky(experiences: list[ExperienceState]) -> list[ExperienceState]:
    """Experiences whose verdict changed at least once, most changes first (then the higher change rate,
    then more same-build changes, then by name and key)."""
    found = [e for e in experiences if e.changes]
    return sorted(found, key=lambda e: (-e.changes, -e.change_rate, -e.same_build_changes, e.name, e.key))


def regressions(experiences: list[ExperienceState]) -> list[ExperienceState]:
    """Experiences failing now, the most recent onset first (then the longer streak, then by name, key)."""
    found = [e for e in experiences if e.streak_start is not None]
    return sorted(found, key=lambda e: (-(e.streak_start or 0), -e.streak, e.name, e.key))


__all__ = ["ExperienceState", "LineState", "flaky", "regressions", "verdict"]
