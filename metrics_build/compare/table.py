"""The comparison as text: a header (tests, pass rates, flips, tests left out) and one row per metric,
most severe first; rendered for a terminal or as Markdown (the summary text metric)."""

from __future__ import annotations

import math

from metrics_build.compare.analysis import Comparison, TestsComparison
from metrics_build.compare.pairing import SideCounts
from metrics_build.compare.stats import Differences, Flips, Interval, Rate
from metrics_build.compare.verdict import MetricComparison, Verdict

# Names listed inline before "and N more" (tests on one side only, tests without metrics).
MAX_LISTED = 20
COLUMNS = ("verdict", "metric", "n", "mean diff", "median diff", "CI of mean", "d_z", "flips", "tests")


def num(value: float | None, signed: bool = False) -> str:
    """A short number: 4 significant digits, "-" when absent."""
    if value is None or math.isnan(value):
        return "-"
    if math.isinf(value):
        return "+inf" if value > 0 else "-inf"
    return f"{value:+.4g}" if signed else f"{value:.4g}"


def interval(ci: Interval | None) -> str:
    """`[low, high]`, or "-"."""
    return "-" if ci is None else f"[{num(ci.low, True)}, {num(ci.high, True)}]"


def rate(r: Rate) -> str:
    """`3/6 = 50% [19%, 81%]` (the Wilson interval)."""
    if r.value is None or r.ci is None:
        return "no tests"
    return f"{r.passed}/{r.total} = {r.value:.0%} [{r.ci.low:.0%}, {r.ci.high:.0%}]"


def flips(f: Flips) -> str:
    """`+2/-0 p=0.5`: to failing / to passing, McNemar's exact p."""
    if f.p_value is None:
        return "none"
    return f"+{f.worse}/-{f.better} p={f.p_value:.3g}"


def verdict_label(verdict: Verdict, severity: str) -> str:
    """`REGRESSION (block)` for regressions, else the verdict."""
    return f"REGRESSION ({severity})" if verdict is Verdict.REGRESSION else verdict.value


def _counts(c: SideCounts) -> str:
    return f"{c.ok} with metrics, {c.errored} errored, {c.cancelled} cancelled, {c.missing} missing"


def _listed(names: tuple[str, ...] | list[str]) -> str:
    more = len(names) - MAX_LISTED
    return ", ".join(names[:MAX_LISTED]) + (f" and {more} more" if more > 0 else "")


def header_lines(c: Comparison) -> list[str]:
    """What the tests did: counts, pass rates, flips, and every test left out of the pairs."""
    t: TestsComparison = c.tests
    pct = round(c.settings.confidence * 100, 6)
    lines = [
        f"baseline {c.baseline_source}: {_counts(t.baseline)}",
        f"candidate {c.candidate_source}: {_counts(t.candidate)}",
        f"tests without metrics: {'counted as failures' if t.denominator == 'fail' else 'left out'} "
        f"(denominator = {t.denominator!r})",
        f"pass rate ({pct:g}% Wilson): {rate(t.baseline_rate)} -> {rate(t.candidate_rate)}; "
        f"flips {flips(t.flips)} (McNemar exact): {verdict_label(t.verdict, t.severity)}",
    ]
    if t.newly_failing:
        lines.append(f"newly failing tests: {_listed(t.newly_failing)}")
    if t.only_baseline:
        lines.append(f"only in baseline: {_listed(t.only_baseline)}")
    if t.only_candidate:
        lines.append(f"only in candidate: {_listed(t.only_candidate)}")
    for side, name, outcome, reason in t.without_metrics[:MAX_LISTED]:
        lines.append(f"{side} {name}: {outcome.value}: {reason}")
    if len(t.without_metrics) > MAX_LISTED:
        lines.append(f"... and {len(t.without_metrics) - MAX_LISTED} more tests without metrics")
    return lines


def _tests_cell(m: MetricComparison) -> str:
    named = ", ".join(f"{t} ({num(d, True)})" if d is not None else t for t, d in m.named_tests)
    notes = [n for n in (m.differences.note,) if n]
    if m.unpaired:
        notes.append(f"{m.unpaired} unpaired")
    if m.nonfinite:
        notes.append(f"{m.nonfinite} non-finite")
    return "; ".join([named, *notes] if named else notes)


def metric_row(m: MetricComparison) -> tuple[str, ...]:
    """One metric as the table's cells."""
    d: Differences = m.differences
    unit = f" {m.unit}" if m.unit and d.mean is not None else ""
    return (verdict_label(m.verdict, m.severity), m.name, str(d.n), num(d.mean, True) + unit,
            num(d.median, True), interval(d.ci), num(d.effect, True), flips(m.flips), _tests_cell(m))


def footer(c: Comparison) -> str:
    """One line: what regressed, or that nothing did."""
    regressed = c.regressions
    if not regressed:
        return "no significant regression"
    return f"{len(regressed)} significant regressions: {_listed(regressed)}"


def terminal_table(c: Comparison) -> str:
    """The whole comparison for a terminal: header, aligned columns, footer."""
    rows = [COLUMNS, *(metric_row(m) for m in c.metrics)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS) - 1)]
    body = ["  ".join([*(cell.ljust(w) for cell, w in zip(r[:-1], widths, strict=True)), r[-1]]).rstrip()
            for r in rows]
    return "\n".join([*header_lines(c), "", *body, "", footer(c)]) + "\n"


def _md(cell: str) -> str:
    return cell.replace("|", "\\|") or " "


def markdown(c: Comparison) -> str:
    """The whole comparison as Markdown (the output's summary text)."""
    lines = [f"**{footer(c)}**", "", *(f"- {line}" for line in header_lines(c)), ""]
    lines.append("| " + " | ".join(COLUMNS) + " |")
    lines.append("|" + "---|" * len(COLUMNS))
    lines += ["| " + " | ".join(_md(cell) for cell in metric_row(m)) + " |" for m in c.metrics]
    return "\n".join(lines) + "\n"
