"""The `[batch]` config section: parsing, defaults, and every validation error naming its field."""

from __future__ import annotations

import tomllib
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from metrics_build.config import (
    BatchHistogramSpec,
    BatchSection,
    PassRateSpec,
    PerTestBarSpec,
    ScalarStatSpec,
    StatusCountsSpec,
    WeightedMeanSpec,
    parse_config_text,
)
from metrics_build.config.defaults import DEFAULT_BATCH_TOML
from metrics_build.errors import ConfigError


def _section(text: str) -> BatchSection:
    return BatchSection.model_validate(tomllib.loads(text)["batch"])


def test_default_toml_parses_to_the_default_section() -> None:
    assert _section(DEFAULT_BATCH_TOML) == BatchSection()
    section = BatchSection()
    assert section.use_defaults and section.nan_policy == "skip" and not section.allow_partial
    assert section.metrics == [] and section.python == []


def test_commented_examples_in_the_default_toml_are_valid() -> None:
    # Uncomment every example line: the result must still validate, with one spec of each kind.
    lines = []
    for line in DEFAULT_BATCH_TOML.splitlines():
        stripped = line.removeprefix("# ")
        if stripped.startswith(("[[batch.", "kind", "name", "scalar", "weight", "stat", "fails_", "severity",
                                "channel", "lower", "upper", "count", "function")):
            line = stripped.split("  #")[0]
        lines.append(line)
    section = _section("\n".join(lines))
    kinds = [type(s) for s in section.metrics]
    assert kinds == [WeightedMeanSpec, ScalarStatSpec, BatchHistogramSpec, PassRateSpec, StatusCountsSpec,
                     PerTestBarSpec]
    assert [p.function for p in section.python] == ["my_batch_metrics:compute"]


def test_every_kind_parses() -> None:
    section = _section("""
[batch]
nan_policy = "fail"
[[batch.metrics]]
kind = "weighted_mean"
name = "w"
scalar = "s"
weight_by = "series_length"
weight = "speed"
[[batch.metrics]]
kind = "scalar_stat"
name = "p"
scalar = "s"
stat = "p99.9"
fails_above = 3
severity = "warn"
nan_policy = "skip"
[[batch.metrics]]
kind = "histogram"
name = "h"
channel = "speed"
edges = [0, 1, 5]
""")
    w, p, h = section.metrics
    assert isinstance(w, WeightedMeanSpec) and w.weight == "speed"
    assert isinstance(p, ScalarStatSpec) and p.stat == "p99.9" and p.fails_above == 3.0 and p.nan_policy == "skip"
    assert isinstance(h, BatchHistogramSpec) and h.bucket_edges() == [0.0, 1.0, 5.0]
    assert section.nan_policy == "fail"


def test_equal_width_edges_match_numpy_linspace() -> None:
    spec = BatchHistogramSpec(kind="histogram", name="h", channel="x", lower=-1.5, upper=3.7, count=13)
    edges = spec.bucket_edges()
    np.testing.assert_allclose(edges, np.linspace(-1.5, 3.7, 14), rtol=0, atol=1e-12)
    assert edges[0] == -1.5 and edges[-1] == 3.7
    assert bool(np.all(np.diff(edges) > 0))


@pytest.mark.parametrize(("body", "message"), [
    ({"kind": "scalar_stat", "name": "x", "scalar": "s", "stat": "p101"}, "p<q>"),
    ({"kind": "scalar_stat", "name": "x", "scalar": "s", "stat": "avg"}, "p<q>"),
    ({"kind": "weighted_mean", "name": "x", "scalar": "s", "weight_by": "scalar"}, "needs `weight`"),
    ({"kind": "weighted_mean", "name": "x", "scalar": "s", "weight": "w"}, "only used with"),
    ({"kind": "histogram", "name": "x", "channel": "s"}, "fixed `edges`"),
    ({"kind": "histogram", "name": "x", "channel": "s", "edges": [0, 0, 1]}, "strictly increasing"),
    ({"kind": "histogram", "name": "x", "channel": "s", "edges": [1]}, "at least two"),
    ({"kind": "histogram", "name": "x", "channel": "s", "lower": 1, "upper": 0, "count": 3}, "lower < upper"),
    ({"kind": "histogram", "name": "x", "channel": "s", "edges": [0, 1], "count": 3}, "not both"),
    ({"kind": "pass_rate", "name": "x", "fails_below": float("nan")}, "cannot be NaN"),
    ({"kind": "pass_rate", "name": "x", "colour": "red"}, "Extra inputs are not permitted"),
    ({"kind": "median", "name": "x"}, "does not match any of the expected tags"),
    ({"kind": "pass_rate", "name": ""}, "at least 1 character"),
])
def test_bad_specs_are_rejected_with_a_clear_message(body: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace("[", r"\[")):
        BatchSection.model_validate({"metrics": [body]})


def test_duplicate_names_and_unknown_keys_are_rejected() -> None:
    twice = r'batch\.metrics\[1\] \("rate"\)\.name: the name is already used by batch\.metrics\[0\]'
    with pytest.raises(ConfigError, match=twice):
        parse_config_text('[[batch.metrics]]\nkind = "pass_rate"\nname = "rate"\n' * 2, "c.toml")
    with pytest.raises(ValidationError, match="Extra inputs"):
        BatchSection.model_validate({"workers": 3})
    with pytest.raises(ValidationError, match="nan_policy"):
        BatchSection.model_validate({"nan_policy": "ignore"})
    with pytest.raises(ValidationError, match="function"):
        BatchSection.model_validate({"python": [{"function": "no_colon"}]})


def test_section_is_frozen() -> None:
    section = BatchSection()
    with pytest.raises(ValidationError):
        section.use_defaults = False  # type: ignore[misc]
