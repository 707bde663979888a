"""The committed generated protobuf modules are exactly what scripts/gen_protos.py produces now."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIRE = ROOT / "metrics_build" / "wire"


def test_generated_wire_code_is_not_stale(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_protos.py"), "--out", str(tmp_path)], check=True)
    fresh = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*_pb2.py*"))
    committed = sorted(p.relative_to(ROOT) for p in WIRE.glob("*_pb2.py*"))
    assert fresh == committed, "a .proto was added or removed: run scripts/gen_protos.py"
    for rel in fresh:
        assert (tmp_path / rel).read_bytes() == (ROOT / rel).read_bytes(), (
            f"{rel} is stale: run `python scripts/gen_protos.py` and commit the result"
        )


def test_every_proto_has_generated_module_and_stub() -> None:
    protos = sorted((ROOT / "protos").rglob("*.proto"))
    assert protos
    for proto in protos:
        stem = proto.relative_to(ROOT / "protos").with_suffix("")
        assert (ROOT / f"{stem}_pb2.py").is_file()
        assert (ROOT / f"{stem}_pb2.pyi").is_file()
