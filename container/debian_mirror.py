#!/usr/bin/env python3
"""Print the Debian mirror URI that this machine's apt uses for a suite (for debootstrap).

Reads one-line `sources.list` files and deb822 `.sources` files the way apt does (only `*.list` and
`*.sources` in `sources.list.d`, skipping `Enabled: no` stanzas), and prints the first `deb` URI that
serves the suite with the `main` component. Exits 1 with a message when there is none.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path


def _one_line_entries(text: str) -> Iterator[tuple[str, str, list[str], list[str]]]:
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        words = line.split()
        kind, rest = words[0], words[1:]
        if rest and rest[0].startswith("["):  # options such as [signed-by=...] or [ arch=amd64 ]
            while rest and not rest[0].endswith("]"):
                rest = rest[1:]
            rest = rest[1:]
        if len(rest) >= 2:
            yield kind, rest[0], [rest[1]], rest[2:]


def _deb822_entries(text: str) -> Iterator[tuple[str, str, list[str], list[str]]]:
    for stanza in text.split("\n\n"):
        fields: dict[str, str] = {}
        key = ""
        for raw in stanza.splitlines():
            if raw.startswith("#"):
                continue
            if raw[:1].isspace() and key:  # continuation line
                fields[key] += " " + raw.strip()
                continue
            if ":" in raw:
                key, value = raw.split(":", 1)
                key = key.strip().lower()
                fields[key] = value.strip()
        if fields.get("enabled", "yes").lower() == "no":
            continue
        for kind in fields.get("types", "").split():
            for uri in fields.get("uris", "").split():
                yield kind, uri, fields.get("suites", "").split(), fields.get("components", "").split()


def apt_entries(apt_dir: Path) -> Iterator[tuple[str, str, list[str], list[str]]]:
    """(type, uri, suites, components) of every source apt would read under `apt_dir`, in apt's order."""
    main_list = apt_dir / "sources.list"
    if main_list.is_file():
        yield from _one_line_entries(main_list.read_text(encoding="utf-8", errors="replace"))
    parts = apt_dir / "sources.list.d"
    if parts.is_dir():
        for path in sorted(parts.iterdir()):
            text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
            if path.suffix == ".list":
                yield from _one_line_entries(text)
            elif path.suffix == ".sources":
                yield from _deb822_entries(text)


def find_mirror(apt_dir: Path, suite: str) -> str | None:
    """The first `deb` URI serving `suite` with component `main`, without a trailing slash."""
    for kind, uri, suites, components in apt_entries(apt_dir):
        if kind == "deb" and suite in suites and "main" in components:
            return uri.rstrip("/")
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apt-dir", type=Path, default=Path("/etc/apt"), help="apt configuration directory")
    parser.add_argument("--suite", default="bookworm", help="Debian suite (default bookworm)")
    ns = parser.parse_args(argv)
    mirror = find_mirror(ns.apt_dir, ns.suite)
    if mirror is None:
        print(f"debian_mirror: no enabled 'deb' source for suite {ns.suite!r} with component 'main' "
              f"under {ns.apt_dir}", file=sys.stderr)
        return 1
    print(mirror)
    return 0


if __name__ == "__main__":
    sys.exit(main())
