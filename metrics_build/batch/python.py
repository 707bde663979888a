"""Python batch metrics (`[[batch.python]]`), in two forms.

- A class with `update(test)`, `merge(other)` and `compute()`: it streams. One instance (made with the
  entry's `args`) is updated with every test as it is fetched; instances of shards are merged in test
  order; `compute()` returns metrics, data and events.
- A function `f(batch, **args)`: it gets the whole batch as `BatchTests`, whose `tests` are read back
  from the fetch cache one at a time each time they are iterated (never all in memory at once).

Either way the output goes through the runner every mode shares: a failing entry becomes its FAIL_BLOCK
text metric and never loses the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from metrics_build import model as m
from metrics_build.config import PythonEntry
from metrics_build.records import TestInfo, TestRecord
from metrics_build.user_code import load_function, on_sys_path
from metrics_build.user_code.runner import EntryOutput, check_output, describe_error, failure_metric, sort_output

log = logging.getLogger("metrics_build.python")

WHAT = "Python batch metric"


class LazyTests(Sequence[TestRecord]):
    """The batch's tests in order, each read when asked for (from the fetch cache)."""

    def __init__(self, infos: Sequence[TestInfo], read: Callable[[], Iterator[TestRecord]],
                 read_one: Callable[[TestInfo], TestRecord]) -> None:
        self._infos = infos
        self._read = read
        self._read_one = read_one

    def __len__(self) -> int:
        return len(self._infos)

    def __iter__(self) -> Iterator[TestRecord]:
        return self._read()

    def __getitem__(self, index: int) -> TestRecord:  # type: ignore[override]
        return self._read_one(self._infos[index])

    @property
    def infos(self) -> Sequence[TestInfo]:
        """The tests' jobs, without reading their metrics."""
        return self._infos


@dataclass(frozen=True)
class BatchTests:
    """What a function-form Python batch metric receives.

    Attributes:
        project_id / batch_id: The batch.
        tests: Every test (errored and cancelled ones too), read lazily, in the batch's order.
    """

    project_id: str
    batch_id: str
    tests: LazyTests


def _is_streaming(obj: object) -> bool:
    return isinstance(obj, type) and all(callable(getattr(obj, a, None)) for a in ("update", "merge", "compute"))


@dataclass
class PythonEntries:
    """The entries of one run: streaming instances (folded with the tests), functions (called at the end),
    and entries that failed before they could run."""

    entries: list[PythonEntry] = field(default_factory=list)
    instances: dict[int, Any] = field(default_factory=dict)
    functions: dict[int, Callable[..., Any]] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls, entries: Sequence[PythonEntry], config_dir: Path | None) -> PythonEntries:
        """Load every entry; a class with update/merge/compute is instantiated with the entry's `args`."""
        loaded = cls(entries=list(entries))
        for i, entry in enumerate(entries):
            try:
                with on_sys_path(config_dir):
                    obj = load_function(entry.function, config_dir)
                    if _is_streaming(obj):
                        loaded.instances[i] = obj(**entry.args)
                    else:
                        loaded.functions[i] = obj
            except (Exception, SystemExit) as exc:
                loaded._fail(i, exc)
        return loaded

    def _fail(self, i: int, exc: BaseException) -> None:
        self.errors[i] = describe_error(exc)
        self.instances.pop(i, None)
        log.error("%s %s failed: %s", WHAT, self.entries[i].label(), self.errors[i])

    def update(self, test: TestRecord, config_dir: Path | None) -> None:
        """Fold one test into every streaming instance."""
        if not self.instances:
            return
        with on_sys_path(config_dir):
            for i, instance in list(self.instances.items()):
                try:
                    instance.update(test)
                except (Exception, SystemExit) as exc:
                    self._fail(i, exc)

    def merge(self, other: PythonEntries, config_dir: Path | None) -> None:
        """Merge a later shard's instances into these (same entries)."""
        for i, error in other.errors.items():
            self.errors.setdefault(i, error)
            self.instances.pop(i, None)
        with on_sys_path(config_dir):
            for i, instance in list(self.instances.items()):
                try:
                    instance.merge(other.instances[i])
                except (Exception, SystemExit) as exc:
                    self._fail(i, exc)

    def results(self, batch: BatchTests, names: m.Names, config_dir: Path | None) -> EntryOutput:
        """Every entry's output, in entry order, each checked on its own."""
        total = EntryOutput()
        for i, entry in enumerate(self.entries):
            if i not in self.errors:
                try:
                    with on_sys_path(config_dir):
                        result = (self.instances[i].compute() if i in self.instances
                                  else self.functions[i](batch, **entry.args))
                        out = sort_output(result)
                    check_output(out, names)
                    total.extend(out)
                    continue
                except (Exception, SystemExit) as exc:
                    self._fail(i, exc)
            total.metrics.append(failure_metric(entry, self.errors[i], names, WHAT))
            total.failed.append(entry.label())
        return total


__all__ = ["BatchTests", "LazyTests", "PythonEntries"]
