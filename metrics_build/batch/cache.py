"""The fetch cache: every downloaded object stored on disk as it arrives, keyed by its id.

Batch mode folds each test into its statistics and lets it go; what a second pass needs (default
histograms, Python metrics that read the whole batch) is read back from here, one test at a time. A
cache kept with `--cache-dir` makes a run resumable: a rerun downloads nothing it already has. By
default the cache is a temporary directory removed at the end; it is never inside `outputs/`, which
the platform uploads.

Layout: `ROOT/<batch>/<job>/` holding one file per object (`m-<id>.pb`, `d-<id>.pb`, named by a hash of
the id so no id can escape the directory) and `index.json` once the test is complete. Files are written
atomically and checked when reused (they must parse as the message the listing promised, with the
listed name), so a run killed mid-write never leaves a file that passes for an object.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from metrics_build.errors import InputError, OutputError
from metrics_build.reader import ObjectKind, decode_object

log = logging.getLogger("metrics_build.batch")

_INDEX = "index.json"


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


@dataclass(frozen=True)
class CachedObject:
    """One object of a test as the index lists it."""

    kind: ObjectKind
    object_id: str
    name: str
    file: str


class FetchCache:
    """Objects on disk, by batch, job and object id. Thread-safe for `get` / `put` from the fetch pool.

    Use `FetchCache.open(...)` and close it (or use it as a context manager): a temporary cache is then
    removed.
    """

    def __init__(self, root: Path, batch_id: str, *, temporary: bool) -> None:
        self.root = root
        self.temporary = temporary
        self.batch_dir = root / _key(batch_id)
        self._lock = threading.Lock()
        self.written = 0
        self.reused = 0
        self.objects_written = 0
        self.objects_reused = 0

    @classmethod
    def open(cls, cache_dir: Path | None, *, batch_id: str, outputs: Path) -> FetchCache:
        """The cache in `cache_dir` (kept), or in a new temporary directory (removed on close).

        Raises:
            InputError: `cache_dir` is inside `outputs` (the platform uploads everything there).
            OutputError: the directory cannot be created.
        """
        if cache_dir is not None:
            resolved, out = cache_dir.resolve(), outputs.resolve()
            if resolved == out or out in resolved.parents:
                raise InputError(f"--cache-dir {cache_dir}: must not be inside the outputs directory {outputs} "
                                 "(the platform uploads everything there)")
            try:
                cache_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise OutputError(f"cannot create the fetch cache {cache_dir}: {exc.strerror or exc}") from None
            return cls(cache_dir, batch_id, temporary=False)
        try:
            root = Path(tempfile.mkdtemp(prefix="metrics-build-cache-"))
        except OSError as exc:
            raise OutputError(f"cannot create a temporary fetch cache: {exc.strerror or exc}") from None
        return cls(root, batch_id, temporary=True)

    def __enter__(self) -> FetchCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Report disk use; remove the cache when it is temporary."""
        log.info("fetch cache %s: %d objects downloaded (%.1f MB), %d reused (%.1f MB)%s", self.root,
                 self.objects_written, self.written / 1e6, self.objects_reused, self.reused / 1e6,
                 "; removed" if self.temporary else "; kept")
        if self.temporary:
            shutil.rmtree(self.root, ignore_errors=True)

    def job_dir(self, job_id: str) -> Path:
        """Where one job's objects live."""
        return self.batch_dir / _key(job_id)

    @staticmethod
    def file_name(kind: ObjectKind, object_id: str) -> str:
        """The file of one object (a hash of its id: ids never become paths)."""
        return f"{'m' if kind is ObjectKind.METRIC else 'd'}-{_key(object_id)}.pb"

    def get(self, job_id: str, kind: ObjectKind, object_id: str, name: str) -> bool:
        """Whether a complete copy of the object is cached (it parses as `kind` and has the listed
        `name`); a broken copy is removed."""
        path = self.job_dir(job_id) / self.file_name(kind, object_id)
        try:
            body = path.read_bytes()
        except OSError:
            return False
        try:
            message = decode_object(kind, body)
        except ValueError:
            message = None
        if message is None or (name and message.name != name):
            path.unlink(missing_ok=True)
            return False
        with self._lock:
            self.reused += len(body)
            self.objects_reused += 1
        return True

    def put(self, job_id: str, kind: ObjectKind, object_id: str, body: bytes) -> None:
        """Store one downloaded object atomically.

        Raises:
            OutputError: the disk is full or not writable.
        """
        directory = self.job_dir(job_id)
        target = directory / self.file_name(kind, object_id)
        try:
            directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(body)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise OutputError(f"cannot write to the fetch cache {self.root}: {exc.strerror or exc}") from None
        with self._lock:
            self.written += len(body)
            self.objects_written += 1

    def write_index(self, job_id: str, objects: list[CachedObject]) -> None:
        """Record a complete test's objects (in order)."""
        directory = self.job_dir(job_id)
        entries = [[o.kind.value, o.object_id, o.name, o.file] for o in objects]
        try:
            directory.mkdir(parents=True, exist_ok=True)
            tmp = directory / f".{_INDEX}.tmp"
            tmp.write_text(json.dumps(entries), encoding="utf-8")
            os.replace(tmp, directory / _INDEX)
        except OSError as exc:
            raise OutputError(f"cannot write to the fetch cache {self.root}: {exc.strerror or exc}") from None

    def read_index(self, job_id: str) -> list[CachedObject]:
        """A complete test's objects, as `write_index` recorded them (none when it has no index)."""
        try:
            entries = json.loads((self.job_dir(job_id) / _INDEX).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [CachedObject(ObjectKind(kind), object_id, name, file) for kind, object_id, name, file in entries]

    def read(self, job_id: str, obj: CachedObject) -> bytes:
        """The bytes of one indexed object.

        Raises:
            OutputError: the file went missing (the cache was changed under a running batch).
        """
        try:
            return (self.job_dir(job_id) / obj.file).read_bytes()
        except OSError as exc:
            raise OutputError(f"fetch cache {self.root}: object {obj.name!r} of job {job_id} is gone "
                              f"({exc.strerror or exc})") from None

    def disk_use(self) -> int:
        """Bytes of objects in this batch's part of the cache."""
        total = 0
        for dirpath, _, files in os.walk(self.batch_dir):
            total += sum(os.path.getsize(os.path.join(dirpath, f)) for f in files)
        return total

    def objects(self, job_id: str) -> Iterator[tuple[CachedObject, bytes]]:
        """Every indexed object of a job with its bytes, in index order."""
        for obj in self.read_index(job_id):
            yield obj, self.read(job_id, obj)


__all__ = ["CachedObject", "FetchCache"]
