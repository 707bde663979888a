"""Pieces every section of the config shares: the frozen base, thresholds, fixed histogram edges and
users' Python entries.

Every model is frozen and rejects unknown keys, so a typo is an error that names the key.
"""

from __future__ import annotations

import itertools
import math
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from metrics_build.platform import ImportanceName, Severity

__all__ = ["MAX_BUCKETS", "FixedEdges", "Frozen", "ImportanceName", "NonEmpty", "PythonEntry", "Severity",
           "Thresholds"]

MAX_BUCKETS = 10_000


class Frozen(BaseModel):
    """Base of every config model: immutable, unknown keys rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")


NonEmpty = Annotated[str, Field(min_length=1)]


class Thresholds(Frozen):
    """`fails_above` / `fails_below` (either optional) and how bad failing is."""

    fails_above: float | None = None
    fails_below: float | None = None
    severity: Severity = "block"

    @field_validator("fails_above", "fails_below")
    @classmethod
    def _not_nan(cls, v: float | None) -> float | None:
        if v is not None and math.isnan(v):
            raise ValueError("a threshold cannot be NaN")
        return v

    @model_validator(mode="after")
    def _ordered(self) -> Any:
        if self.fails_above is not None and self.fails_below is not None and self.fails_below >= self.fails_above:
            raise ValueError("fails_below must be less than fails_above (otherwise every value fails)")
        return self

    @property
    def has_thresholds(self) -> bool:
        """True when at least one threshold is set."""
        return self.fails_above is not None or self.fails_below is not None


class FixedEdges(Frozen):
    """Fixed histogram bucket edges: `edges` (strictly increasing, finite), or `lower`, `upper` and
    `count` equal widths.

    Edges are fixed in the config, never derived from one run's data, so histograms of different tests
    merge exactly. Ranges whose equal-width edges would not be strictly increasing floats (too narrow
    for `count` buckets, or overflowing) are refused here, at `config --check`, not at run time.
    """

    edges: list[float] | None = None
    lower: float | None = None
    upper: float | None = None
    count: int | None = Field(default=None, ge=1, le=MAX_BUCKETS, description="number of equal-width buckets")

    @model_validator(mode="after")
    def _fixed_edges(self) -> Self:
        if self.edges is not None:
            if any(v is not None for v in (self.lower, self.upper, self.count)):
                raise ValueError("give either `edges` or `lower`/`upper`/`count`, not both")
            if len(self.edges) < 2:
                raise ValueError("`edges` needs at least two values")
            if len(self.edges) > MAX_BUCKETS + 1:
                raise ValueError(f"`edges` has more than {MAX_BUCKETS + 1} values")
            if not all(math.isfinite(e) for e in self.edges):
                raise ValueError("`edges` must be finite")
            if any(b <= a for a, b in itertools.pairwise(self.edges)):
                raise ValueError("`edges` must be strictly increasing")
            return self
        if self.lower is None or self.upper is None or self.count is None:
            raise ValueError("a histogram needs fixed `edges`, or all of `lower`, `upper` and `count`")
        if not (math.isfinite(self.lower) and math.isfinite(self.upper)) or self.upper <= self.lower:
            raise ValueError("`lower` and `upper` must be finite with lower < upper")
        computed = self.bucket_edges()
        if not all(math.isfinite(e) for e in computed) or any(
                b <= a for a, b in itertools.pairwise(computed)):
            raise ValueError(f"`lower` = {self.lower!r} to `upper` = {self.upper!r} cannot be split into "
                             f"{self.count} distinct float buckets (the range is too narrow or too wide)")
        return self

    def bucket_edges(self) -> list[float]:
        """The fixed edges: `edges` as given, or `count` equal widths from `lower` to `upper`."""
        if self.edges is not None:
            return list(self.edges)
        lower, upper, count = float(self.lower or 0.0), float(self.upper or 0.0), int(self.count or 1)
        step = (upper - lower) / count
        return [lower + i * step for i in range(count)] + [upper]


class PythonEntry(Frozen):
    """A user's Python metric: `module:function`, called with the mode's input and `args` as keywords.

    The module is looked up beside the config file first (loaded under a private name), else imported.
    """

    function: str = Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
    name: NonEmpty | None = Field(default=None, description="name of its failure metric if it fails")
    args: dict[str, Any] = Field(default_factory=dict)

    def label(self) -> str:
        """The name of this entry in logs and in its failure metric."""
        return self.name or self.function
