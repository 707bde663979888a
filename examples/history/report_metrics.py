"""A Python report metric for examples/history: the experiences whose current run of failures is the
longest, from the history report mode already folded (no extra request)."""

from metrics_build import model as m


def streaks(history, longest=3):
    """A bar per experience failing now: how many batches in a row it has failed."""
    failing = sorted((e for e in history.experiences if e.failing_now), key=lambda e: (-e.streak, e.name))[:longest]
    if not failing:
        return m.TextMetric(name="longest failing streaks", text="No experience is failing now.",
                            status=m.Status.PASSED)
    labels = m.strings("longest failing streaks: experiences", [e.name for e in failing])
    values = m.doubles("longest failing streaks: batches", [e.streak for e in failing], index=labels)
    worst = failing[0]
    status = m.Status.FAIL_WARN if worst.streak >= 3 else m.Status.PASSED
    return m.BarChartMetric(name="longest failing streaks", values=[values], status=status,
                            y_axis_name="failing batches in a row",
                            description=f"{worst.name} has failed {worst.streak} batches in a row")
