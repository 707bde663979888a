"""Episodes: per-episode reductions of channels, and episode channels when a source did not make them.

Channels named `episode.*` with one sample per episode (what the eval-runner source makes, ordered
by end step) give each episode its own sample. Any other channel is sliced by step: an episode
covers the samples whose step is in [start_step, end_step] (inclusive). Channels are not split by
environment, so with several environments running at once such a slice holds every sample logged
in the episode's step range.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from metrics_build.channels import Channel, ChannelKind, Episode, Loaded
from metrics_build.test_mode.reduce import SAME_UNIT, NotApplicable, reduce_channel
from metrics_build.test_mode.series import step_slice

EPISODE_CHANNELS = ("episode.reward", "episode.length", "episode.success")


def episode_label(episode: Episode, many_envs: bool) -> str:
    """`episode 3`, or `env 1 episode 3` when several environments ran."""
    return f"env {episode.env_index} episode {episode.index}" if many_envs else f"episode {episode.index}"


def per_episode(episodes: Sequence[Episode], channels: Sequence[Channel],
                reduction: str) -> tuple[list[str], npt.NDArray[np.float64]]:
    """`reduction` of every channel within every episode.

    Episodes where any channel has no samples (or no answer) are left out.

    Returns:
        Episode labels and a table of shape (episodes kept, channels).

    Raises:
        NotApplicable: no episodes, a channel without steps, or no episode with samples.
    """
    if not episodes:
        raise NotApplicable("the logs hold no episodes")
    if all(_one_per_episode(ch, episodes) for ch in channels):
        ordered = _by_end(episodes)
        many = len({e.env_index for e in episodes}) > 1
        table = np.column_stack([ch.values for ch in channels]).astype(np.float64)
        keep = np.asarray(~np.isnan(table).any(axis=1), dtype=bool)
        kept = [episode_label(e, many) for e, k in zip(ordered, list(keep), strict=True) if k]
        return kept, _one_sample(reduction, table[keep])
    for ch in channels:
        if ch.steps is None:
            raise NotApplicable(f"channel {ch.name!r} has no steps, so it cannot be split into episodes")
    many_envs = len({e.env_index for e in episodes}) > 1
    labels: list[str] = []
    rows: list[list[float]] = []
    for episode in episodes:
        row: list[float] = []
        for ch in channels:
            part = step_slice(ch, episode.start_step, episode.end_step)
            if part is None or len(part) == 0:
                break
            try:
                row.append(reduce_channel(reduction, part))
            except NotApplicable:
                break
        if len(row) == len(channels):
            labels.append(episode_label(episode, many_envs))
            rows.append(row)
    if not rows:
        raise NotApplicable("no episode has samples of " + ", ".join(repr(ch.name) for ch in channels))
    return labels, np.array(rows, dtype=np.float64).reshape(len(rows), len(channels))


def _one_sample(reduction: str, table: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """A reduction of one sample per cell: the value itself, 1 for count, 0 for std."""
    if reduction == "count":
        return np.ones_like(table)
    if reduction == "std":
        return np.zeros_like(table)
    if reduction in SAME_UNIT:
        return table
    raise NotApplicable(f"{reduction!r} of a single sample per episode has no answer")


def _by_end(episodes: Sequence[Episode]) -> list[Episode]:
    return sorted(episodes, key=lambda e: (e.end_step, e.env_index, e.index))


def _one_per_episode(ch: Channel, episodes: Sequence[Episode]) -> bool:
    """True for an `episode.*` channel holding one sample per episode, in end-step order."""
    return (ch.name.startswith("episode.") and ch.kind is ChannelKind.NUMERIC and len(ch) == len(episodes)
            and ch.steps is not None and bool(np.array_equal(ch.steps, [e.end_step for e in _by_end(episodes)])))


def with_episode_channels(loaded: Loaded) -> Loaded:
    """`loaded` plus `episode.reward/length/success` channels (stepped by end step) if episodes exist
    and no source made them."""
    if not loaded.episodes or any(name in loaded.channels for name in EPISODE_CHANNELS):
        return loaded
    ordered = _by_end(loaded.episodes)
    channels = dict(loaded.channels)
    for name, attr in (("episode.reward", "reward"), ("episode.length", "length"), ("episode.success", "success")):
        kept = [e for e in ordered if getattr(e, attr) is not None]
        if kept:
            channels[name] = Channel(
                name=name, kind=ChannelKind.NUMERIC,
                values=np.array([float(getattr(e, attr)) for e in kept], dtype=np.float64),
                steps=np.array([e.end_step for e in kept], dtype=np.int64), source=kept[0].source,
            )
    return replace(loaded, channels=channels)
