"""What every metric builder shares during one test-mode run: channels, names, shared data objects."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from metrics_build import model as m
from metrics_build.channels import Channel, ChannelKind, Loaded
from metrics_build.platform import export_name
from metrics_build.test_mode.reduce import NotApplicable
from metrics_build.test_mode.series import IntArray

_IMPORTANCE = {
    "zero": m.Importance.ZERO, "low": m.Importance.LOW, "medium": m.Importance.MEDIUM,
    "high": m.Importance.HIGH, "critical": m.Importance.CRITICAL,
}


def importance(name: str) -> m.Importance:
    """The config's importance word as the model enum."""
    return _IMPORTANCE[name]


def fail_status(severity: str) -> m.Status:
    """FAIL_BLOCK for "block", FAIL_WARN for "warn"."""
    return m.Status.FAIL_BLOCK if severity == "block" else m.Status.FAIL_WARN


def matches(name: str, patterns: Sequence[str]) -> bool:
    """True when `name` matches one of the glob `patterns` (`*`, `?`, `[..]`)."""
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


@dataclass
class BuildContext:
    """Shared state of one computation.

    Attributes:
        loaded: The logs (channels, episodes, events, results).
        names: Every name used so far in the output.
        max_plot_points: Plot size limit (`[output] max_plot_points`).
        base_status: Status of metrics without thresholds (PASSED or RAW).
        export: Channel globs exported for batch mode.
    """

    loaded: Loaded
    names: m.Names
    max_plot_points: int = 10_000
    base_status: m.Status = m.Status.PASSED
    export: Sequence[str] = ("*",)
    _time_indexes: dict[tuple[int, int, int], list[tuple[IntArray, m.SeriesData]]] = field(default_factory=dict)
    _values: dict[str, m.SeriesData] = field(default_factory=dict)

    def channel(self, name: str) -> Channel:
        """The channel called `name`.

        Raises:
            NotApplicable: the logs hold no such channel, or it has no samples.
        """
        ch = self.loaded.channels.get(name)
        if ch is None:
            raise NotApplicable(f"channel {name!r} was not found in the logs")
        if len(ch) == 0:
            raise NotApplicable(f"channel {name!r} has no samples")
        return ch

    def numeric(self, name: str) -> Channel:
        """The numeric channel called `name` (NotApplicable if missing, empty or holding states)."""
        ch = self.channel(name)
        if ch.kind is not ChannelKind.NUMERIC:
            raise NotApplicable(f"channel {name!r} holds states, not numbers")
        return ch

    def exported(self, channel: str) -> bool:
        """True when `channel` is exported for batch mode."""
        return matches(channel, self.export)

    def time_index(self, channel: Channel, ns: IntArray) -> m.SeriesData:
        """A TIMESTAMP series for `ns`, shared with every earlier plot that has the same axis."""
        key = (int(ns.shape[0]), int(ns[0]) if ns.size else 0, int(ns[-1]) if ns.size else 0)
        for known, data in self._time_indexes.get(key, []):
            if np.array_equal(known, ns):
                return data
        data = m.timestamps(self.names.unique(f"{channel.name} time"), ns)
        self._time_indexes.setdefault(key, []).append((data.values, data))
        return data

    def values_data(self, channel: Channel) -> m.SeriesData:
        """The channel's full series as one un-indexed data, shared by its export and any metric.

        An exported channel's data is its export (`export/<channel>`, the name batch mode reads);
        otherwise the data is named after the channel.
        """
        known = self._values.get(channel.name)
        if known is not None:
            return known
        if self.exported(channel.name):
            name = export_name(channel.name)
            self.names.claim(name)
        else:
            name = self.names.unique(channel.name)
        if channel.kind is ChannelKind.NUMERIC:
            data = m.doubles(name, channel.values, unit=channel.unit)
        else:
            data = m.strings(name, channel.values, unit=channel.unit)
        self._values[channel.name] = data
        return data

    def reserve_exports(self) -> None:
        """Claim the export name of every exported channel before any other data is named."""
        for name in self.loaded.channels:
            if self.exported(name):
                self.names.claim(export_name(name))

    def exports(self) -> list[m.SeriesData]:
        """The export data of every exported, non-empty channel, in channel order."""
        return [self.values_data(ch) for name, ch in self.loaded.channels.items()
                if len(ch) and self.exported(name)]
