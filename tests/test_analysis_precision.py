"""analysis.precision: a run's ft/gil ratios read against the main job's targets."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis import precision


def _row(threads: int, ratio: float, half: float, role: str = "primitive") -> dict[str, object]:
    return {"num": "ft", "den": "gil", "variant": "v", "role": role, "threads": threads,
            "ratio": ratio, "lo": ratio * (1 - half), "hi": ratio * (1 + half)}  # fmt: skip


def test_counts_ratios_within_the_target_of_their_thread_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        _row(1, 1.5, 0.04), _row(1, 1.5, 0.06), _row(1, 1.0, 0.049, role="control"),
        _row(2, 0.8, 0.09), _row(2, 0.8, 0.2), _row(2, 0.8, 0.01, role="family"),
        {**_row(1, 2.0, 0.01), "num": "ft-gil"},
    ]  # fmt: skip
    pd.DataFrame(rows).to_csv(tmp_path / "ratios.csv", index=False)
    found = precision.ratio_precision(pd.read_csv(tmp_path / "ratios.csv"))
    assert [(r["threads"], r["ratios"], r["within_target"]) for r in found] == [
        (1, 3, 2),
        (2, 2, 1),
    ]
    assert found[0]["median_halfwidth"] == pytest.approx(0.049)
    assert precision.main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "1 thread(s): 2 of 3 within +-5%" in out and "2 thread(s): 1 of 2 within +-10%" in out


def test_a_directory_without_ratios_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert precision.main([str(tmp_path)]) == 2
    assert capsys.readouterr().err.count("\n") == 1
