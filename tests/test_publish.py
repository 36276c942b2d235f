"""The published figures and quoted numbers are products of committed data (analysis.publish)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from analysis import publish

IMAGE = re.compile(r"!\[[^\]]*\]\(([^)]+\.png)\)")


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> publish.Sources:
    """The committed data, with the default run's report (its tables: what the quoted
    numbers read) written once for the module, as ``--check`` writes it."""
    return publish.Sources(tmp_path_factory.mktemp("report"), make_plots=False)


def test_every_quoted_number_is_what_the_committed_data_gives(sources: publish.Sources) -> None:
    differences = []
    quoted = 0
    for page in publish.PAGES:
        text = page.read_text()
        quoted += len(publish.QUOTED.findall(text))
        differences += publish.requote(sources, page, text)[1]
    assert quoted >= 40, "the pages quote their headline numbers between markers"
    assert [d.text() for d in differences] == []


def test_a_number_edited_by_hand_is_caught(sources: publish.Sources, tmp_path: Path) -> None:
    readme = publish.ROOT / "README.md"
    text = readme.read_text()
    match = next(m for m in publish.QUOTED.finditer(text) if m["key"] == "core16.share-nothing")
    edited = text[: match.start("text")] + "9–10" + text[match.end("text") :]
    page = tmp_path / "README.md"
    page.write_text(edited)
    rewritten, differences = publish.requote(sources, page, edited)
    assert [(d.key, d.written) for d in differences] == [("core16.share-nothing", "9–10")]
    assert rewritten == text


def test_check_exits_1_naming_the_edited_number(
    sources: publish.Sources,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    page = tmp_path / "page.md"
    page.write_text("A/A: <!--q:check:calibration-ft.json:0-->92 of 92<!--/q--> covered.\n")
    monkeypatch.setattr(publish, "PAGES", (page,))
    assert publish.main(["--check"]) == 1
    err = capsys.readouterr().err
    assert "check:calibration-ft.json:0" in err and "'92 of 92'" in err and "'90 of 92'" in err
    assert page.read_text().count("92 of 92") == 1, "--check writes nothing"


def test_unknown_key_is_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "page.md"
    page.write_text("<!--q:no-such-number-->1<!--/q-->\n")
    monkeypatch.setattr(publish, "PAGES", (page,))
    assert publish.main(["--check"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "unknown quoted number 'no-such-number'" in err


def test_every_figure_the_docs_show_is_published() -> None:
    shown = set()
    for page in publish.PAGES:
        for link in IMAGE.findall(page.read_text()):
            target = (page.parent / link).resolve()
            assert target.is_file(), f"{page.name} shows {link}, which does not exist"
            shown.add(target.relative_to(publish.DOCS).as_posix())
    on_disk = {p.name for p in publish.DOCS.glob("*.png")}
    assert on_disk == set(publish.FIGURES)
    assert shown <= set(publish.FIGURES)


def test_figures_regenerate_from_committed_data(tmp_path: Path) -> None:
    written = publish.publish_figures(publish.Sources(tmp_path / "report"), tmp_path)
    names = {p.name for p in written}
    assert set(publish.FIGURES) <= names
    for name in publish.FIGURES:
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the committed ratios table is what the committed raw suites give
    fresh = pd.read_csv(tmp_path / "data" / "precision-2core" / "default-run-ratios.csv")
    committed = pd.read_csv(publish.PRECISION / "default-run-ratios.csv")
    pd.testing.assert_frame_equal(fresh, committed)
