"""The observations of a file too large to hold at once, waiting on disk chunk by chunk.

``core.importing.stream`` reads such a file in the reading child and writes each chunk's
observations here; the server's process then stores them one chunk at a time
(``core.store``), so neither process ever holds the whole file's rows.

Chunks are plain ``.npz`` arrays, loaded without pickle: the files come from the child that
read an untrusted upload, and loading them must not be able to run anything. Dimension labels
are kept once for the whole file (ids in the chunks), as one UTF-8 blob and its offsets.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import KgiError

LABELS_FILE = "dimensions.npz"
KEEP_SECONDS = 6 * 3600  # a read on the Upload page waits this long for its Import click


@dataclass
class Spill:
    """Where a large file's observations wait, and what they add up to."""

    directory: str
    chunks: list[str]  # file names inside ``directory``, in file order
    rows: int  # observations in all chunks
    metrics: list[str]
    start: dt.date | None
    end: dt.date | None
    source: str
    granularity: str | None = None  # every row read as this, or None: as the chunk says
    month_start: bool = False  # dates moved to the 1st of their month (rows read as months)
    _labels: list[str] | None = field(default=None, repr=False, compare=False)

    def frames(self) -> Iterator[pd.DataFrame]:
        """Each chunk as the reader's observation frame (date, metric, value, dimension,
        granularity, source), with the file's granularity reading applied.

        Raises ``KgiError("import.spill.gone")`` when the chunks were cleared away meanwhile
        (a file read hours ago and left on the Upload page): reading it again brings them back.
        """
        labels = self.dimension_labels()
        for name in self.chunks:
            try:
                frame = self._frame(Path(self.directory, name), labels)
            except FileNotFoundError:
                raise KgiError("import.spill.gone") from None
            yield frame

    def dimension_labels(self) -> list[str]:
        if self._labels is None:
            try:
                with np.load(Path(self.directory, LABELS_FILE), allow_pickle=False) as stored:
                    self._labels = decode_labels(stored["blob"], stored["offsets"])
            except FileNotFoundError:
                raise KgiError("import.spill.gone") from None
        return self._labels

    def _frame(self, path: Path, labels: list[str]) -> pd.DataFrame:
        with np.load(path, allow_pickle=False) as chunk:
            days = chunk["days"].astype("datetime64[D]")
            metric = pd.Categorical.from_codes(chunk["metric"], chunk["metric_labels"].tolist())
            dims, local = np.unique(chunk["dimension"], return_inverse=True)
            dimension = pd.Categorical.from_codes(local.reshape(-1), [labels[i] for i in dims.tolist()])
            granularity = pd.Categorical.from_codes(chunk["granularity"], chunk["granularity_labels"].tolist())
            value = chunk["value"]
        if self.month_start:
            days = days.astype("datetime64[M]").astype("datetime64[D]")
        if self.granularity is not None:
            granularity = pd.Categorical.from_codes(np.zeros(len(value), dtype=np.int8), [self.granularity])
        return pd.DataFrame({
            "date": days.astype("datetime64[ns]"), "metric": metric, "value": value, "dimension": dimension,
            "granularity": granularity,
            "source": pd.Categorical.from_codes(np.zeros(len(value), dtype=np.int8), [self.source]),
        })

    def discard(self) -> None:
        """Remove the chunks (the directory itself belongs to whoever made it)."""
        with contextlib.suppress(OSError):
            shutil.rmtree(self.directory)


def write_chunk(path: Path, *, days: np.ndarray, metric: np.ndarray, metric_labels: list[str],
                dimension: np.ndarray, granularity: np.ndarray, granularity_labels: list[str],
                value: np.ndarray) -> None:
    """One chunk: day numbers, codes into the labels given, global dimension ids, values."""
    np.savez(path, days=days.astype(np.int32), metric=metric.astype(np.int16),
             metric_labels=np.array(metric_labels, dtype=str), dimension=dimension.astype(np.int64),
             granularity=granularity.astype(np.int8), granularity_labels=np.array(granularity_labels, dtype=str),
             value=value.astype(np.float64))


def read_chunk(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as chunk:
        return {name: chunk[name] for name in chunk.files}


def write_labels(directory: Path, labels: list[str]) -> None:
    encoded = [label.encode("utf-8") for label in labels]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    blob = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    np.savez(Path(directory, LABELS_FILE), blob=blob, offsets=offsets)


def decode_labels(blob: np.ndarray, offsets: np.ndarray) -> list[str]:
    data = blob.tobytes()
    bounds = offsets.tolist()
    return [data[bounds[i]:bounds[i + 1]].decode("utf-8") for i in range(len(bounds) - 1)]


MAX_KEPT_BYTES = 4 * 1024**3  # all the page's spills together; the oldest go first beyond it


def upload_spill_dir(root: Path | None = None, now: float | None = None, max_bytes: int = MAX_KEPT_BYTES) -> str:
    """The directory the app's reads spill into (``KGI_SPILL_DIR``, else one per machine
    under the temp directory),
    with spills not used for :data:`KEEP_SECONDS` cleared away first, and the oldest ones
    beyond ``max_bytes`` altogether.

    ``kgi import`` spills into a directory of its own that goes with the command; the page
    cannot know when a read is done with (the user may click Import an hour later, or read
    the file again with another mapping), so its spills live until they are this old or this
    many. A spill cleared too early only asks for the file again (``import.spill.gone``).
    """
    root = root or Path(os.environ.get("KGI_SPILL_DIR") or Path(tempfile.gettempdir()) / "kgi-spill")
    root.mkdir(mode=0o700, exist_ok=True)
    limit = (time.time() if now is None else now) - KEEP_SECONDS
    kept: list[tuple[float, int, Path]] = []
    for entry in root.glob("stream-*"):
        with contextlib.suppress(OSError):
            used = entry.stat().st_mtime
            if used < limit:
                shutil.rmtree(entry)
            else:
                kept.append((used, sum(f.stat().st_size for f in entry.iterdir()), entry))
    total = sum(size for _, size, _ in kept)
    for _, size, entry in sorted(kept, key=lambda item: item[0]):
        if total <= max_bytes:
            break
        shutil.rmtree(entry, ignore_errors=True)
        total -= size
    return str(root)


def is_present(spill: Spill) -> bool:
    """Whether a spill's chunks are still there (and marks them as just used, so the
    clearing in :func:`upload_spill_dir` keeps them)."""
    directory = Path(spill.directory)
    try:
        os.utime(directory)  # never creates it (Path.touch would make a file)
    except OSError:
        return False
    return all(Path(directory, name).exists() for name in spill.chunks)
