"""Fixed histogram bucket edges, as both config sections declare them.

Edges are fixed in the config, never derived from one run's data, so histograms of different tests
merge exactly: either `edges` (strictly increasing, finite) or `lower`, `upper` and `count` equal
widths.
"""

from __future__ import annotations

import math
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class FixedEdges(BaseModel):
    """The bucket-edge fields of a histogram spec (a mixin for the specs of both modes)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    edges: list[float] | None = None
    lower: float | None = None
    upper: float | None = None
    count: int | None = Field(default=None, ge=1, le=10_000, description="number of equal-width buckets")

    @model_validator(mode="after")
    def _fixed_edges(self) -> Self:
        if self.edges is not None:
            if any(v is not None for v in (self.lower, self.upper, self.count)):
                raise ValueError("give either `edges` or `lower`/`upper`/`count`, not both")
            if len(self.edges) < 2:
                raise ValueError("`edges` needs at least two values")
            if not all(math.isfinite(e) for e in self.edges):
                raise ValueError("`edges` must be finite")
            if any(b <= a for a, b in zip(self.edges, self.edges[1:], strict=False)):
                raise ValueError("`edges` must be strictly increasing")
            return self
        if self.lower is None or self.upper is None or self.count is None:
            raise ValueError("a histogram needs fixed `edges`, or all of `lower`, `upper` and `count`")
        if not (math.isfinite(self.lower) and math.isfinite(self.upper)) or self.upper <= self.lower:
            raise ValueError("`lower` and `upper` must be finite with lower < upper")
        return self

    def bucket_edges(self) -> list[float]:
        """The fixed edges: `edges` as given, or `count` equal widths from `lower` to `upper`."""
        if self.edges is not None:
            return list(self.edges)
        lower, upper, count = float(self.lower or 0.0), float(self.upper or 0.0), int(self.count or 1)
        step = (upper - lower) / count
        return [lower + i * step for i in range(count)] + [upper]
