"""CSV tables: header units, numeric and state columns, axes by name or option, malformed rows."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from source_helpers import DROP, KEEP, load, steps, times, values, write_text

from metrics_build.channels import ChannelKind
from metrics_build.sources import SourceOptions


def test_columns_units_and_time_axis(tmp_path: Path) -> None:
    write_text(tmp_path / "drive.csv", "time_s,speed [m/s],state,comment\n"
                                       "1700000000.5,1.25,nominal,\n"
                                       "1700000001.0,2.5,DEGRADED,ok\n")
    loaded = load(tmp_path)
    speed = loaded.channels["speed"]
    assert values(speed) == [1.25, 2.5] and speed.unit == "m/s"
    assert times(speed) == [1_700_000_000_500_000_000, 1_700_000_001_000_000_000]
    state = loaded.channels["state"]
    assert state.kind is ChannelKind.STATE and values(state) == ["nominal", "DEGRADED"]
    assert values(loaded.channels["comment"]) == ["ok"] and times(loaded.channels["comment"]) == [
        1_700_000_001_000_000_000]
    assert "time_s" not in loaded.channels


def test_semicolon_delimiter_and_step_column(tmp_path: Path) -> None:
    write_text(tmp_path / "t.csv", "step;loss;acc\n0;1.5;0.1\n10;1.0;0.2\n20;0.5;0.3\n")
    loss = load(tmp_path).channels["loss"]
    assert values(loss) == [1.5, 1.0, 0.5] and steps(loss) == [0, 10, 20] and loss.timestamps_ns is None


def test_configured_columns_and_row_number_default(tmp_path: Path) -> None:
    write_text(tmp_path / "t.csv", "when,n,v\n5,7,1\n6,8,2\n")
    configured = load(tmp_path, SourceOptions(time_column="when", step_column="n")).channels
    assert sorted(configured) == ["v"]
    assert times(configured["v"]) == [5_000_000_000, 6_000_000_000] and steps(configured["v"]) == [7, 8]
    write_text(tmp_path / "t.csv", "a,b\n1,2\n3,4\n")
    plain = load(tmp_path).channels
    assert steps(plain["a"]) == [0, 1] and values(plain["b"]) == [2.0, 4.0]


def test_malformed_rows_are_skipped_and_counted(tmp_path: Path) -> None:
    write_text(tmp_path / "t.csv", "step,v\n1,1.0\n2\n3,3.0,extra\nfour,4.0\n\n5,\n6,6.0\n7,n/a\n")
    loaded = load(tmp_path)
    assert values(loaded.channels["v"]) == [1.0, 6.0]
    report = loaded.reports[0]
    assert report.rows_read == 7
    assert dict(report.skip_reasons) == {"wrong number of fields": 2, "no step": 1, "no usable value": 1}
    assert report.values_dropped == {"type mismatch": 1}


def test_empty_and_header_only_files(tmp_path: Path) -> None:
    write_text(tmp_path / "a.csv", "")
    write_text(tmp_path / "b.csv", "step,v\n")
    loaded = load(tmp_path)
    assert loaded.channels == {}
    assert [(r.path, r.rows_read) for r in loaded.reports] == [("a.csv", 0), ("b.csv", 0)]


def test_huge_and_nonfinite_cells(tmp_path: Path) -> None:
    write_text(tmp_path / "t.csv", "step,v\n1,1e308\n2,NaN\n3,inf\n4,-Infinity\n5,1e400\n6,"
               + "9" * 30 + "\n")
    dropped = load(tmp_path, DROP)
    np.testing.assert_array_equal(dropped.channels["v"].values, [1e308, float("9" * 30)])
    assert steps(dropped.channels["v"]) == [1, 6]
    assert dropped.reports[0].values_dropped == {"non-finite value": 4}
    kept = load(tmp_path, KEEP).channels["v"].values
    np.testing.assert_array_equal(kept, [1e308, math.nan, math.inf, -math.inf, math.inf, float("9" * 30)])


def test_duplicate_and_blank_headers_get_distinct_names(tmp_path: Path) -> None:
    write_text(tmp_path / "t.csv", "v,v,\n1,2,3\n")
    assert sorted(load(tmp_path).channels) == ["column_3", "v", "v_2"]


def test_nul_bytes_do_not_abort(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_bytes(b"step,v\n1,1\n2,\x002\n3,3\n")
    loaded = load(tmp_path)
    assert values(loaded.channels["v"]) == [1.0, 3.0] and steps(loaded.channels["v"]) == [1, 3]
    assert loaded.reports[0].values_dropped == {"type mismatch": 1}


def test_byte_order_mark_and_crlf_line_ends(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_bytes(b"\xef\xbb\xbfstep,x\r\n1,2\r\n3,4\r\n")
    loaded = load(tmp_path)
    assert sorted(loaded.channels) == ["x"] and steps(loaded.channels["x"]) == [1, 3]
