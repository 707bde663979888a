"""The README's Python example runs as written and writes a file the platform accepts."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from oracle import assert_resim_accepts

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_example_writes_a_valid_file(tmp_path: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) == 1
    script = tmp_path / "example.py"
    script.write_text(blocks[0], encoding="utf-8")
    subprocess.run([sys.executable, str(script)], cwd=tmp_path, check=True, timeout=120)
    msg = assert_resim_accepts(tmp_path / "out" / "python-api" / "metrics.binproto")
    assert sorted(x.name for x in msg.job_level_metrics.metrics) == ["max speed", "speed over time"]
