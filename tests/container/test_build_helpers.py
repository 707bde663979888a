"""The image build's helpers that need no Docker engine: the apt mirror lookup and the script's usage."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "build_image.sh"


def _load_mirror_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("debian_mirror", REPO / "container" / "debian_mirror.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


debian_mirror = _load_mirror_module()

DEB822 = """\
Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://mirror.example/debian/
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
"""


def _apt_dir(tmp_path: Path, files: dict[str, str]) -> Path:
    apt = tmp_path / "apt"
    (apt / "sources.list.d").mkdir(parents=True)
    for name, text in files.items():
        (apt / name).write_text(text, encoding="utf-8")
    return apt


def test_deb822_sources(tmp_path: Path) -> None:
    apt = _apt_dir(tmp_path, {"sources.list.d/debian.sources": DEB822})
    assert debian_mirror.find_mirror(apt, "bookworm") == "http://mirror.example/debian"
    assert debian_mirror.find_mirror(apt, "bookworm-security") == "http://mirror.example/debian-security"
    assert debian_mirror.find_mirror(apt, "trixie") is None


def test_one_line_sources_with_options_and_comments(tmp_path: Path) -> None:
    text = ("# deb http://commented.example/debian bookworm main\n"
            "deb-src http://src.example/debian bookworm main\n"
            "deb [arch=amd64 signed-by=/k.gpg] http://first.example/debian bookworm contrib main\n"
            "deb http://second.example/debian bookworm main\n")
    apt = _apt_dir(tmp_path, {"sources.list": text})
    assert debian_mirror.find_mirror(apt, "bookworm") == "http://first.example/debian"


def test_disabled_and_foreign_files_are_ignored(tmp_path: Path) -> None:
    disabled = DEB822.replace("Types: deb\n# http", "Types: deb\nEnabled: no\n# http", 1)
    apt = _apt_dir(tmp_path, {
        "sources.list.d/a.sources": disabled,
        "sources.list.d/b.list.disabled-by-farm": "deb http://ignored.example/debian bookworm main\n",
        "sources.list.d/c.list": "deb http://third.example/debian/ bookworm main\n",
    })
    assert debian_mirror.find_mirror(apt, "bookworm") == "http://third.example/debian"


def test_component_main_is_required(tmp_path: Path) -> None:
    apt = _apt_dir(tmp_path, {"sources.list": "deb http://x.example/debian bookworm non-free\n"})
    assert debian_mirror.find_mirror(apt, "bookworm") is None


def test_cli_prints_mirror_or_says_why_not(tmp_path: Path) -> None:
    apt = _apt_dir(tmp_path, {"sources.list.d/debian.sources": DEB822})
    script = str(REPO / "container" / "debian_mirror.py")
    ok = subprocess.run([sys.executable, script, "--apt-dir", str(apt)], capture_output=True, text=True,
                        check=False)
    assert (ok.returncode, ok.stdout) == (0, "http://mirror.example/debian\n")
    missing = subprocess.run([sys.executable, script, "--apt-dir", str(apt), "--suite", "sid"],
                             capture_output=True, text=True, check=False)
    assert missing.returncode == 1
    assert "no enabled 'deb' source for suite 'sid'" in missing.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--bogus"], "unknown argument: --bogus (see --help)"),
    (["--tag"], "--tag needs a value"),
])
def test_build_script_rejects_bad_arguments(args: list[str], message: str) -> None:
    proc = subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"build_image: error: {message}"


def test_build_script_help() -> None:
    proc = subprocess.run(["bash", str(SCRIPT), "--help"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0
    assert "scripts/build_image.sh [--tag TAG]" in proc.stdout
    assert "debootstrap" in proc.stdout
