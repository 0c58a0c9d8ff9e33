"""Chunks on disk: written without pickle, read back as the reader's frames, cleared in time."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from core.errors import KgiError
from core.importing.spill import Spill, is_present, upload_spill_dir, write_chunk, write_labels


def _spill(directory: Path, **extra) -> Spill:
    write_chunk(directory / "chunk-00000.npz", days=np.array([19723, 19754]), metric=np.array([0, 1]),
                metric_labels=["sessions", "orders"], dimension=np.array([1, 0]), granularity=np.array([0, 0]),
                granularity_labels=["day"], value=np.array([10.0, 2.0]))
    write_labels(directory, ["", "春季檔期 “A”"])
    return Spill(directory=str(directory), chunks=["chunk-00000.npz"], rows=2, metrics=["orders", "sessions"],
                 start=None, end=None, source="sheet", **extra)


def test_chunks_come_back_as_the_readers_frames(tmp_path: Path) -> None:
    frame = next(_spill(tmp_path).frames())
    assert frame["date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-01", "2024-02-01"]
    assert frame["metric"].astype(str).tolist() == ["sessions", "orders"]
    assert frame["dimension"].astype(str).tolist() == ["春季檔期 “A”", ""]
    assert frame["value"].tolist() == [10.0, 2.0]
    assert set(frame["source"].astype(str)) == {"sheet"}


def test_a_month_reading_moves_dates_to_the_first(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    frame = next(_spill(tmp_path / "m", granularity="month", month_start=True).frames())
    assert frame["date"].dt.day.tolist() == [1, 1]
    assert set(frame["granularity"].astype(str)) == {"month"}


def test_chunks_are_never_unpickled(tmp_path: Path) -> None:
    spill = _spill(tmp_path)
    np.save(tmp_path / "chunk-00000.npz", np.array([object()], dtype=object), allow_pickle=True)
    (tmp_path / "chunk-00000.npz.npy").rename(tmp_path / "chunk-00000.npz")
    with pytest.raises(ValueError):
        next(spill.frames())


def test_cleared_chunks_say_to_upload_again(tmp_path: Path) -> None:
    spill = _spill(tmp_path)
    assert is_present(spill)
    spill.discard()
    assert not is_present(spill)
    with pytest.raises(KgiError) as caught:
        next(spill.frames())
    assert "upload" in caught.value.message("en").lower() and "重新上傳" in caught.value.message("zh-TW")


def test_the_pages_spills_are_cleared_when_old_or_too_many(tmp_path: Path) -> None:
    now = time.time()
    ages = {"stream-old": 7 * 3600, "stream-a": 300, "stream-b": 200, "stream-c": 100}
    for name, age in ages.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "chunk-00000.npz").write_bytes(b"x" * 1000)
        os.utime(tmp_path / name, (now - age, now - age))
    upload_spill_dir(tmp_path, now=now, max_bytes=2500)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stream-b", "stream-c"]
