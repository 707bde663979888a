"""The one number parser of every source: JSON scalars, table cells and step values to numbers."""

from __future__ import annotations

import math
from typing import Any

# Text that means a non-finite number rather than a state word ("NaN" in a JSON string, say).
NONFINITE_WORDS = {
    "nan": math.nan, "+nan": math.nan, "-nan": math.nan,
    "inf": math.inf, "+inf": math.inf, "infinity": math.inf, "+infinity": math.inf,
    "-inf": -math.inf, "-infinity": -math.inf,
}
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


def as_number(value: Any) -> float | None:
    """A JSON-like scalar as float, or None when it is not numeric.

    Bools are 0/1, integers too large for float64 become ±inf, and text counts only when it spells a
    non-finite number (`"NaN"`, `"-inf"`, any case); other text is a state word, not a number.
    """
    if isinstance(value, float):
        return value
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    if isinstance(value, str):
        return NONFINITE_WORDS.get(value.strip().lower())
    return None


def parse_number(text: str) -> int | float | None:
    """A table cell or numeric text as a number: integer syntax gives int, other numbers float.

    `nan`, `inf`, `-Infinity` and huge literals (`1e400` -> inf) are numbers; anything else is None.
    """
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return None


def as_step(value: Any) -> int | None:
    """An integer step within int64 (integral floats accepted), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and INT64_MIN <= value <= INT64_MAX:
        return value
    return None
