"""concepts: the definitions every layer shares, each with a known answer."""

from __future__ import annotations

import errno
import math
import stat
from pathlib import Path

import pytest

from concepts import files, lock_overhead, matching
from concepts.arms import ARMS, ordered_arms
from concepts.fairness import finish_spread, jain_index
from concepts.families import FAMILY_ORDER, WORKLOADS, traits, workload_metadata


def test_arms_are_one_table() -> None:
    assert ordered_arms(["x", "ft-gil", "gil", "ft"]) == ["gil", "ft", "ft-gil", "x"]
    assert ARMS["ft"].python_gil == "0" and ARMS["gil"].python_gil is None


def test_family_order_is_one_list() -> None:
    import benchmarks

    assert benchmarks.FAMILY_ORDER is FAMILY_ORDER
    assert FAMILY_ORDER[:2] == ("increment", "locked-increment") and "ownership" in FAMILY_ORDER


def test_every_registered_workload_has_traits() -> None:
    from benchmarks import all_workloads

    names = {w.name for w in all_workloads()}
    unknown = sorted(n for n in names if not traits(n).known)
    assert unknown == [] or all(n.startswith("test") for n in unknown), unknown
    # Every real workload is listed, or derived by traits()'s rules (the ownership and
    # shared-object families; a -duration variant of a listed workload).
    derived = {
        n
        for n in names
        if n.startswith(("ownership-", "shared-object-"))
        or (n.endswith("-duration") and n[: -len("-duration")] in WORKLOADS)
    }
    assert set(WORKLOADS) | derived >= {n for n in names if not n.startswith("test")}
    assert workload_metadata("queue-pipeline-queue", 4) == {
        "role": "primitive",
        "ideal": "per-thread",
        "helper_threads": 2,
    }


def test_lock_cost_reference() -> None:
    assert lock_overhead.reference("locked-increment-lock-fine") == "increment-per-thread"
    assert lock_overhead.reference("rlock-lock-shared") == "increment-per-thread"
    assert lock_overhead.reference("semaphore-k1") == "semaphore-unlocked"
    assert lock_overhead.reference("semaphore-unlocked") is None
    assert lock_overhead.reference("increment-per-thread") is None
    assert lock_overhead.reference("semaphore-k1-duration") is None
    assert lock_overhead.primitive_of("rlock-rlock-nested-shared") == "RLock, 3-deep"
    assert lock_overhead.primitive_of("locked-increment-rlock-fine") == "RLock"
    assert lock_overhead.primitive_of("rlock-lock-per-thread") == "Lock"


def test_matching_rule() -> None:
    gil = "'--prefix=/a/gil' '--libdir=/a/gil/lib' '--enable-optimizations' '--with-lto'"
    ft = "'--with-lto' '--prefix=/a/ft' '--enable-optimizations' '--disable-gil'"
    assert matching.pair_mismatches("3.13.5", gil, "3.13.5", ft) == []
    problems = matching.pair_mismatches("3.13.4", "'--enable-shared'", "3.13.5", "''")
    assert problems[0] == "versions differ: gil 3.13.4, ft 3.13.5"
    assert "only gil: --enable-shared" in problems[1]
    assert matching.build_profile(gil) == "optimized"
    assert matching.build_profile("'--prefix=/x'") == "plain"
    assert matching.build_profile("'--enable-optimizations' '--with-lto=full'") == "optimized"
    assert matching.build_profile("'--with-lto'") == "plain"  # LTO without PGO
    assert matching.build_profile(None) == "?"
    assert matching.performance_flags(ft) == [
        "--disable-gil",
        "--enable-optimizations",
        "--with-lto",
    ]


def test_fairness_definitions() -> None:
    assert jain_index([2, 2, 2]) == pytest.approx(1.0)
    assert jain_index([1, 0, 0, 0]) == pytest.approx(0.25)
    assert math.isnan(jain_index([]))
    assert finish_spread([1.0, 2.0], start=0.0) == pytest.approx(0.5)


def test_atomic_write(tmp_path: Path) -> None:
    target = files.atomic_write(tmp_path / "sub" / "a.txt", "one\n")
    assert target.read_text() == "one\n"
    assert stat.S_IMODE(target.stat().st_mode) == files.file_mode()
    with pytest.raises(RuntimeError), files.atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "one\n" and sorted(p.name for p in target.parent.iterdir()) == [
        "a.txt"
    ]


def test_a_full_disk_is_one_line_and_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = files.atomic_write(tmp_path / "bench-ft.json", "finished\n")
    real_write = Path.write_text

    def disk_full(self: Path, text: str, *args: object, **kwargs: object) -> int:
        real_write(self, text[:3])  # part of it lands, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_text", disk_full)
    with pytest.raises(files.WriteError) as caught:
        files.publish(target, "new result\n")
    monkeypatch.undo()
    assert str(caught.value) == f"cannot write {target}: No space left on device"
    assert isinstance(caught.value, OSError) and caught.value.errno == errno.ENOSPC
    # the earlier result is kept (moved to history by publish), no temporary file is left
    kept = list((tmp_path / files.HISTORY_DIR).iterdir())
    assert [p.read_text() for p in kept] == ["finished\n"]
    assert not [p for p in tmp_path.rglob("*.tmp")]


def test_an_unwritable_folder_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "results"
    blocker.write_text("a file where a folder should be\n")
    with pytest.raises(files.WriteError, match=r"^cannot write .*results/calibration/x.json: "):
        files.atomic_write(blocker / "calibration" / "x.json", "{}\n")


def test_a_command_exits_74_with_one_line_on_a_write_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    @files.exits_on_write_error("tool")
    def main() -> int:
        files.atomic_write(tmp_path / "file" / "sub" / "out.json", "{}\n")
        return 0

    (tmp_path / "file").write_text("")
    assert main() == files.EXIT_WRITE_FAILED == 74
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("tool: error: cannot write ")
