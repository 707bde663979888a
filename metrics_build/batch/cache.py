"""The fetch cache: every downloaded object stored on disk as it arrives, keyed by its id.

Batch mode folds each test into its statistics and lets it go; what a second pass needs (default
histograms, Python metrics that read the whole batch) is read back from here, one test at a time. A
cache kept with `--cache-dir` makes a run resumable: a rerun downloads nothing it already has. By
default the cache is a temporary directory removed at the end; it is never inside `outputs/`, which
the platform uploads.

Layout: `ROOT/<batch>/<job>.pack`, one append-only file per test, and `ROOT/<batch>/<job>.json`, its
index, once the test is complete (names are hashes, so no id becomes a path). A pack is a sequence of
records, each a header line `<m|d> <hash of the object id> <length>` and the object's bytes, appended in
one `writev` as the object arrives. One file per test, not per object: on these machines the files,
renames and directories of 35,000 objects cost more CPU than their downloads. When a pack is opened
again, its records are read back up to the first incomplete one (a run killed mid-write leaves at
most one, cut off), and each is checked before it is reused: it must parse as the message the listing
promised, with the listed name.

Only the thread that iterates the batch writes to and reads from the cache; fetch workers only download.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from metrics_build.errors import InputError, OutputError
from metrics_build.reader import ObjectKind, decode_object

log = logging.getLogger("metrics_build.batch")

_HEADER = re.compile(rb"([md]) ([0-9a-f]{32}) ([0-9]{1,12})\n")
_MAX_HEADER = 64


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _letter(kind: ObjectKind) -> bytes:
    return b"m" if kind is ObjectKind.METRIC else b"d"


@dataclass(frozen=True)
class CachedObject:
    """One object of a test as the index lists it: where its bytes are in the test's pack."""

    kind: ObjectKind
    object_id: str
    name: str
    offset: int
    length: int


@dataclass
class _Pack:
    """An open pack: its descriptor, its size, and the records found in it when it was opened."""

    fd: int
    size: int
    found: dict[tuple[bytes, str], tuple[int, int]]  # (letter, id hash) → (offset, length)


def _scan(data: bytes) -> tuple[dict[tuple[bytes, str], tuple[int, int]], int]:
    """The complete records of a pack's bytes, and where the last complete one ends."""
    found: dict[tuple[bytes, str], tuple[int, int]] = {}
    at = 0
    while at < len(data):
        match = _HEADER.match(data, at, min(len(data), at + _MAX_HEADER))
        if match is None:
            break
        start, length = match.end(), int(match.group(3))
        if start + length > len(data):
            break
        found[(match.group(1), match.group(2).decode())] = (start, length)
        at = start + length
    return found, at


class FetchCache:
    """Objects on disk, by batch, job and object id.

    Use `FetchCache.open(...)` and close it (or use it as a context manager): a temporary cache is then
    removed. Not thread-safe: only the iterating thread uses it.
    """

    def __init__(self, root: Path, batch_id: str, *, temporary: bool) -> None:
        self.root = root
        self.temporary = temporary
        self.batch_dir = root / _key(batch_id)
        self._open: dict[str, _Pack] = {}
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
        """Close open packs, report disk use; remove the cache when it is temporary."""
        for job_id in list(self._open):
            self._close(job_id)
        log.info("fetch cache %s: %d objects downloaded (%.1f MB), %d reused (%.1f MB)%s", self.root,
                 self.objects_written, self.written / 1e6, self.objects_reused, self.reused / 1e6,
                 "; removed" if self.temporary else "; kept")
        if self.temporary:
            shutil.rmtree(self.root, ignore_errors=True)

    def pack_path(self, job_id: str) -> Path:
        """The file holding one job's objects."""
        return self.batch_dir / f"{_key(job_id)}.pack"

    def _index_path(self, job_id: str) -> Path:
        return self.batch_dir / f"{_key(job_id)}.json"

    def _failed(self, exc: OSError) -> OutputError:
        return OutputError(f"cannot write to the fetch cache {self.root}: {exc.strerror or exc}")

    def _pack(self, job_id: str) -> _Pack:
        pack = self._open.get(job_id)
        if pack is not None:
            return pack
        path = self.pack_path(job_id)
        try:
            self.batch_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o666)
        except OSError as exc:
            raise self._failed(exc) from None
        try:
            data = os.pread(fd, os.fstat(fd).st_size, 0) if os.fstat(fd).st_size else b""
            found, end = _scan(data)
            if end < len(data):
                os.ftruncate(fd, end)  # a record cut off by a kill: appends start after the last whole one
        except OSError as exc:
            os.close(fd)
            raise self._failed(exc) from None
        pack = self._open[job_id] = _Pack(fd, end, found)
        return pack

    def reuse(self, job_id: str, kind: ObjectKind, object_id: str, name: str) -> CachedObject | None:
        """The cached copy of an object, when the test's pack holds one that parses as `kind` and has the
        listed `name` (else None: it is downloaded again)."""
        pack = self._pack(job_id)
        where = pack.found.get((_letter(kind), _key(object_id))) if pack.found else None
        if where is None:
            return None
        offset, length = where
        try:
            body = os.pread(pack.fd, length, offset)
            message = decode_object(kind, body) if len(body) == length else None
        except (OSError, ValueError):
            message = None
        if message is None or (name and message.name != name):
            return None
        self.reused += length
        self.objects_reused += 1
        return CachedObject(kind, object_id, name, offset, length)

    def append(self, job_id: str, kind: ObjectKind, object_id: str, name: str, body: bytes) -> CachedObject:
        """Store one downloaded object at the end of its test's pack.

        Raises:
            OutputError: the disk is full or not writable.
        """
        pack = self._pack(job_id)
        header = b"%s %s %d\n" % (_letter(kind), _key(object_id).encode(), len(body))
        try:
            written = os.writev(pack.fd, [header, body])
        except OSError as exc:
            raise self._failed(exc) from None
        if written != len(header) + len(body):
            os.ftruncate(pack.fd, pack.size)
            raise OutputError(f"cannot write to the fetch cache {self.root}: a short write (disk full?)")
        offset = pack.size + len(header)
        pack.size += written
        self.written += len(body)
        self.objects_written += 1
        return CachedObject(kind, object_id, name, offset, len(body))

    def _close(self, job_id: str) -> None:
        pack = self._open.pop(job_id, None)
        if pack is not None:
            os.close(pack.fd)

    def complete(self, job_id: str, objects: list[CachedObject]) -> None:
        """Close a complete test's pack and record its objects (in order)."""
        self._close(job_id)
        entries = [[o.kind.value, o.object_id, o.name, o.offset, o.length] for o in objects]
        index = self._index_path(job_id)
        try:
            self.batch_dir.mkdir(parents=True, exist_ok=True)
            tmp = index.with_suffix(".tmp")
            tmp.write_text(json.dumps(entries, separators=(",", ":")), encoding="utf-8")
            os.replace(tmp, index)
        except OSError as exc:
            raise self._failed(exc) from None

    def read_index(self, job_id: str) -> list[CachedObject]:
        """A complete test's objects, as `complete` recorded them (none when it has no index)."""
        try:
            entries = json.loads(self._index_path(job_id).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [CachedObject(ObjectKind(kind), object_id, name, offset, length)
                for kind, object_id, name, offset, length in entries]

    def read(self, job_id: str, objects: list[CachedObject]) -> list[bytes]:
        """The bytes of some of a test's objects (one read of its pack).

        Raises:
            OutputError: the pack went missing or shrank (the cache was changed under a running batch).
        """
        if not objects:
            return []
        start = min(o.offset for o in objects)
        end = max(o.offset + o.length for o in objects)
        try:
            with open(self.pack_path(job_id), "rb", buffering=0) as handle:
                handle.seek(start)
                data = handle.read(end - start)
        except OSError as exc:
            raise OutputError(f"fetch cache {self.root}: the objects of job {job_id} are gone "
                              f"({exc.strerror or exc})") from None
        if len(data) != end - start:
            raise OutputError(f"fetch cache {self.root}: the objects of job {job_id} were cut short")
        view = memoryview(data)
        return [bytes(view[o.offset - start:o.offset - start + o.length]) for o in objects]

    def bodies(self, job_id: str, objects: list[CachedObject]) -> list[tuple[ObjectKind, str, bytes]]:
        """(kind, name, bytes) of some of a test's objects, as the reader decodes them (one read)."""
        return [(o.kind, o.name, body) for o, body in zip(objects, self.read(job_id, objects), strict=True)]

    def objects(self, job_id: str) -> Iterator[tuple[CachedObject, bytes]]:
        """Every indexed object of a complete job with its bytes, in index order."""
        index = self.read_index(job_id)
        yield from zip(index, self.read(job_id, index), strict=True)


__all__ = ["CachedObject", "FetchCache"]
