#!/usr/bin/env python3
"""Generate metrics_build/wire/*_pb2.py and .pyi stubs from protos/ with the pinned grpcio-tools.

Usage: python scripts/gen_protos.py [--out DIR]   (DIR defaults to the repository root)
tests/test_wire_generated.py regenerates into a temporary directory and fails when the
committed modules differ, so the generated code can never go stale.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
from pathlib import Path

PINNED_GRPCIO_TOOLS = "1.85.1"
ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "protos"


def proto_files() -> list[Path]:
    """Every .proto under protos/, in a stable order."""
    return sorted(PROTO_ROOT.rglob("*.proto"))


def generate(out: Path) -> None:
    """Run protoc (from grpcio-tools) over every proto file, writing modules and stubs under `out`."""
    version = importlib.metadata.version("grpcio-tools")
    if version != PINNED_GRPCIO_TOOLS:
        raise SystemExit(f"gen_protos: grpcio-tools {PINNED_GRPCIO_TOOLS} is required, found {version}")
    from grpc_tools import protoc  # imported late: only needed to generate

    include = Path(protoc.__file__).parent / "_proto"
    args = [
        "protoc",
        f"-I{PROTO_ROOT}",
        f"-I{include}",
        f"--python_out={out}",
        f"--pyi_out={out}",
        *(str(p) for p in proto_files()),
    ]
    if protoc.main(args) != 0:
        raise SystemExit("gen_protos: protoc failed")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT)
    ns = parser.parse_args()
    generate(ns.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
