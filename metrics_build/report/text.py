"""Markdown for the report's text metrics: tables whose cells cannot break the table, times, rates."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

from metrics_build.errors import one_line
from metrics_build.report.stats import Proportion


def cell(value: object) -> str:
    """A table cell: one line, `|` escaped, "-" when empty."""
    shown = one_line(str(value)).replace("|", "\\|")
    return shown or "-"


def table(header: Sequence[str], rows: Sequence[Sequence[object]], *, right: Sequence[bool] | None = None) -> str:
    """A markdown table; `right[i]` aligns column i to the right (numbers)."""
    align = ["---:" if right is not None and right[i] else "---" for i in range(len(header))]
    lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def clipped(rows: list[list[object]], limit: int, what: str) -> tuple[list[list[object]], str]:
    """The first `limit` rows, and a line saying how many were left out ("" when none)."""
    if len(rows) <= limit:
        return rows, ""
    return rows[:limit], f"\n\n{len(rows) - limit} more {what} not shown (`[report] max_rows` = {limit})."


def when(moment: datetime | None) -> str:
    """A time as `YYYY-MM-DD HH:MM` UTC ("-" when unknown)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if moment is not None else "-"


def percent(value: float | None, digits: int = 1) -> str:
    """`87.5%` ("-" for None or NaN)."""
    return "-" if value is None or math.isnan(value) else f"{value:.{digits}f}%"


def rate(p: Proportion) -> str:
    """`75.0% (3/4)` ("-" without a verdict)."""
    return f"{percent(100.0 * p.rate)} ({p.successes}/{p.trials})" if p.trials else "-"


def interval(p: Proportion) -> str:
    """`[30.1%, 95.4%]` ("-" without a verdict)."""
    return f"[{percent(100.0 * p.low)}, {percent(100.0 * p.high)}]" if p.trials else "-"


def number(value: float | None) -> str:
    """Up to six significant digits ("-" for None or NaN)."""
    return "-" if value is None or math.isnan(value) else f"{value:.6g}"


def plural(n: int, word: str) -> str:
    """`1 batch`, `2 batchs`... with `word`'s plural given as `batch|batches`."""
    one, _, many = word.partition("|")
    return f"{n} {one if n == 1 else (many or one + 's')}"


__all__ = ["cell", "clipped", "interval", "number", "percent", "plural", "rate", "table", "when"]
