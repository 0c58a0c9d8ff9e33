"""Large files read in chunks (``core.importing.stream``) give what a whole read gives.

A generated corpus: hundreds of seeded CSV files mixing what real exports hold (encodings,
delimiters, preambles, quoted cells with commas, quotes and line breaks, blank lines, totals,
bad and negative values, future dates, duplicate keys far apart, breakdowns that add up),
each read whole and read in chunks of a few hundred characters — so chunk boundaries fall
everywhere — and compared: the same observations, the same rejected rows with the same row
numbers, the same warnings.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.errors import KgiError
from core.importing import stream
from core.importing.reader import read_file
from core.importing.stream import read_export

TODAY = dt.date(2025, 6, 30)
NAMES = ["Brand", "春季檔期", 'Say "hi"', "Shoes, boots", "Line\nbreak", "Retargeting", "品牌關鍵字", "Zeta"]
CP950_NAMES = ["Brand", "春季檔期", "Shoes, boots", "Retargeting", "品牌關鍵字"]
DEVICES = ["mobile", "desktop", "tablet"]
KEYS = ["date", "metric", "dimension", "granularity"]


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "stream_min_bytes", lambda: 1)
    monkeypatch.setattr(stream, "HEAD_CHARS", 700)
    monkeypatch.setattr(stream, "CHUNK_CHARS", 230)
    monkeypatch.setattr(stream, "PIECE_BYTES", 97)


def _quote(cell: str, delimiter: str) -> str:
    if any(ch in cell for ch in (delimiter, '"', "\n")):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def _value(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.03:
        return "abc"
    if roll < 0.05:
        return "-5"
    if roll < 0.08:
        return ""
    if roll < 0.12:
        return f'{rng.randint(1000, 99999):,}'
    return str(rng.randint(0, 900))


def make_csv(seed: int) -> tuple[bytes, str]:
    """One random export and its file name."""
    rng = random.Random(seed)
    encoding = rng.choice(["utf-8", "utf-8-sig", "utf-16", "cp950"])
    delimiter = rng.choice([",", ",", "\t", ";"])
    names = CP950_NAMES if encoding == "cp950" else NAMES
    breakdown = rng.random() < 0.3
    header = ["Date", "Campaign", *(["Device"] if breakdown else []), "Impressions", "Clicks", "Cost"]
    lines = []
    if rng.random() < 0.3:
        lines += ["# Report", "# Account: demo", ""]
    lines.append(delimiter.join(header))
    rows = []
    start = dt.date(2025, 1, 1)
    for day in range(rng.randint(20, 70)):
        date = start + dt.timedelta(days=day)
        for name in rng.sample(names, rng.randint(1, len(names))):
            cells = [date.isoformat(), name]
            if breakdown:
                cells.append(rng.choice(DEVICES))
            cells += [_value(rng), _value(rng), f"{rng.randint(0, 9999) / 100:.2f}"]
            rows.append(cells)
    for _ in range(rng.randint(0, 6)):  # duplicates of earlier keys, far from the first
        rows.append(list(rng.choice(rows)))
    for _ in range(rng.randint(0, 3)):  # future and broken dates
        rows.append(["2026-01-05" if rng.random() < 0.5 else "2025-13-45", rng.choice(names),
                     *(["mobile"] if breakdown else []), "1", "1", "1.00"])
    rng.shuffle(rows[len(rows) // 2:])
    for row in rows:
        lines.append(delimiter.join(_quote(c, delimiter) for c in row))
        if rng.random() < 0.02:
            lines.append("")
    if rng.random() < 0.4:
        lines.append(delimiter.join(["Total", "", *([""] if breakdown else []), "100", "10", "5.00"]))
    text = "\n".join(lines) + ("\n" if rng.random() < 0.8 else "")
    if rng.random() < 0.3:
        text = text.replace("\n", "\r\n")
    return text.encode(encoding), f"export-{seed}.csv"


def _observations(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frame = pd.concat([f.astype({"metric": str, "dimension": str, "granularity": str}) for f in frames],
                      ignore_index=True)
    frame = frame[KEYS + ["value"]].astype({"metric": str, "dimension": str, "granularity": str})
    return frame.sort_values(KEYS).reset_index(drop=True)


def _rejected(parsed) -> list[tuple]:
    return sorted((r.row, r.column or "", r.key, str(r.params.get("first", ""))) for r in parsed.rejected)


BATCHES = [range(start, start + 20) for start in range(0, 160, 20)]


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("seeds", BATCHES, ids=lambda r: f"seeds{r.start}-{r.stop - 1}")
def test_chunked_reads_match_whole_reads(seeds: range, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    streamed_files = 0
    for seed in seeds:
        data, name = make_csv(seed)
        monkeypatch.setattr(stream, "CHUNK_CHARS", random.Random(-seed).randint(150, 2500))
        whole = read_file(data, name, today=TODAY)
        chunked = read_export(data, name, today=TODAY, spill_dir=str(tmp_path))
        if chunked.spill is None:
            assert chunked.meta.get("streamed") is None
            continue
        streamed_files += 1
        assert len(chunked.spill.chunks) > 1, seed
        got, want = _observations(list(chunked.spill.frames())), _observations([whole.observations])
        pd.testing.assert_frame_equal(got[KEYS], want[KEYS], obj=f"seed {seed}")
        np.testing.assert_allclose(got["value"], want["value"], rtol=1e-12, err_msg=f"seed {seed}")
        assert _rejected(chunked) == _rejected(whole), seed
        assert chunked.row_count == len(whole.observations)
        assert chunked.metrics == whole.metrics
        assert (chunked.spill.start, chunked.spill.end) == (whole.observations["date"].min().date(),
                                                           whole.observations["date"].max().date())
        assert chunked.meta["granularity"] == whole.meta["granularity"]
        skipped = {w.key for w in whole.warnings} - {w.key for w in chunked.warnings}
        assert not skipped, (seed, skipped)
        chunked.spill.discard()
    assert streamed_files >= 0.7 * len(seeds)


def make_xlsx(seed: int) -> bytes:
    """One random workbook: typed cells, a notes sheet, errors, totals, duplicates."""
    import io

    from openpyxl import Workbook

    rng = random.Random(seed)
    book = Workbook(write_only=rng.random() < 0.5)
    if rng.random() < 0.3:
        book.create_sheet("Notes").append(["Exported by hand"])
    sheet = book.create_sheet("Report")
    breakdown = rng.random() < 0.3
    if rng.random() < 0.3:
        sheet.append(["Campaign report 2025"])
        sheet.append([])
    sheet.append(["Date", "Campaign", *(["Device"] if breakdown else []), "Impressions", "Clicks", "Cost"])
    rows = []
    for day in range(rng.randint(10, 40)):
        date = dt.date(2025, 1, 1) + dt.timedelta(days=day)
        for name in rng.sample(NAMES, rng.randint(1, 4)):
            cell_date = date if rng.random() < 0.8 else dt.datetime.combine(date, dt.time(0, 0))
            value = rng.choice([rng.randint(0, 999), rng.random() * 50, "#DIV/0!", None, "abc", -3, "1,234"])
            rows.append([cell_date, name, *([rng.choice(DEVICES)] if breakdown else []),
                         value, rng.randint(0, 50), round(rng.random() * 100, 2)])
    for _ in range(rng.randint(0, 4)):
        rows.append(list(rng.choice(rows)))
    for row in rows:
        sheet.append(row)
    if rng.random() < 0.4:
        sheet.append(["Total", "", *([""] if breakdown else []), 100, 10, 5.0])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("seeds", [range(0, 25), range(25, 50)], ids=lambda r: f"seeds{r.start}-{r.stop - 1}")
def test_chunked_workbook_reads_match_whole_reads(seeds: range, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    streamed_files = 0
    for seed in seeds:
        data = make_xlsx(seed)
        monkeypatch.setattr(stream, "CHUNK_ROWS", random.Random(-seed).randint(3, 60))
        whole = read_file(data, "report.xlsx", today=TODAY)
        chunked = read_export(data, "report.xlsx", today=TODAY, spill_dir=str(tmp_path), stream_min=1)
        if chunked.spill is None:
            continue
        streamed_files += 1
        got, want = _observations(list(chunked.spill.frames())), _observations([whole.observations])
        pd.testing.assert_frame_equal(got[KEYS], want[KEYS], obj=f"seed {seed}")
        np.testing.assert_allclose(got["value"], want["value"], rtol=1e-12, err_msg=f"seed {seed}")
        assert _rejected(chunked) == _rejected(whole), seed
        assert not {w.key for w in whole.warnings} - {w.key for w in chunked.warnings}, seed
        chunked.spill.discard()
    assert streamed_files >= 0.7 * len(seeds)


def _daily(days: int, first: dt.date = dt.date(2025, 1, 1), fmt: str = "%Y-%m-%d") -> list[str]:
    return [f"{(first + dt.timedelta(days=d)).strftime(fmt)},Brand,{d + 10},{d % 7}" for d in range(days)]


HEADER = "Date,Campaign,Impressions,Clicks"


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("case", ["second_table", "date_order_turns", "big5_after_ascii", "percent_turns"])
def test_files_that_change_shape_midway_are_read_whole(case: str, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """What the first chunk could not foresee sends the file to a whole read: same answer."""
    monkeypatch.setattr(stream, "SNIFF_BYTES", 600)  # the encoding chosen on plain ASCII
    if case == "second_table":
        lines = [HEADER, *_daily(60), "", "Session default channel group,Date,Sessions", "Direct,20250101,3",
                 "Organic Search,20250101,4"]
    elif case == "date_order_turns":  # days 1-12 of each month read either way until the 13th
        lines = [HEADER, *[f"{m:02d}/{d:02d}/2025,Brand,{d},{m}" for d in range(1, 13) for m in range(1, 13)],
                 *[f"{d:02d}/{m:02d}/2025,Brand,{d},{m}" for d in range(13, 29) for m in range(1, 13)]]
    elif case == "percent_turns":
        lines = ["Date,Campaign,Clicks,CTR", *[f"2025-01-{d:02d},C{c},5,0.{c}" for d in range(1, 29) for c in range(9)],
                 *[f"2025-02-{d:02d},C{c},5,{c + 2}" for d in range(1, 29) for c in range(9)]]
    else:
        lines = [HEADER, *_daily(80), "2025-03-22,春季檔期,5,1"]
    encoding = "cp950" if case == "big5_after_ascii" else "utf-8"
    data = ("\n".join(lines) + "\n").encode(encoding)
    chunked = read_export(data, "x.csv", today=TODAY, spill_dir=str(tmp_path))
    whole = read_file(data, "x.csv", today=TODAY)
    assert chunked.spill is None and not list(tmp_path.iterdir())
    pd.testing.assert_frame_equal(chunked.observations, whole.observations)


@pytest.mark.usefixtures("small_chunks")
def test_an_unclosed_quote_in_a_late_chunk_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "MAX_PENDING_CHARS", 3_000)
    lines = [HEADER, *_daily(40), '2025-02-10,"Brand,5,1', *_daily(200, dt.date(2025, 2, 11))]
    with pytest.raises(KgiError) as caught:
        read_export(("\n".join(lines) + "\n").encode(), "x.csv", today=TODAY, spill_dir=str(tmp_path))
    assert caught.value.key == "import.file.unclosed_quote"
    assert "line" in caught.value.message("en").lower()
    assert not list(tmp_path.iterdir())  # nothing left behind


@pytest.mark.usefixtures("small_chunks")
def test_a_line_without_end_is_refused_without_holding_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "MAX_PENDING_CHARS", 3_000)
    data = ("\n".join([HEADER, *_daily(40)]) + "\n" + "9" * 20_000).encode()
    with pytest.raises(KgiError) as caught:
        read_export(data, "x.csv", today=TODAY, spill_dir=str(tmp_path))
    assert caught.value.key == "import.file.line_too_long"


@pytest.mark.usefixtures("small_chunks")
def test_months_read_from_all_chunks(tmp_path: Path) -> None:
    """Month totals dated the 1st: the reading is decided on every chunk's dates."""
    lines = ["Date,Revenue", *[f"{2020 + m // 12}-{m % 12 + 1:02d}-01,{m * 100}" for m in range(60)]]
    data = ("\n".join(lines) + "\n").encode()
    chunked = read_export(data, "months.csv", today=TODAY, spill_dir=str(tmp_path))
    assert chunked.spill is not None and len(chunked.spill.chunks) > 1
    assert chunked.meta["granularity"] == "month" == read_file(data, "months.csv", today=TODAY).meta["granularity"]
    assert set(pd.concat(chunked.spill.frames())["granularity"].astype(str)) == {"month"}


@pytest.mark.usefixtures("small_chunks")
def test_a_first_chunk_whose_rows_all_come_again_still_previews(tmp_path: Path) -> None:
    """Rows that add up (Instagram posts per day and type): every key of the first chunk comes
    again at the end, so the combining moves all its rows; the preview still shows rows."""
    header = "Post ID,Account username,Publish time,Post type,Reach,Views,Follows"
    first = [f"{d},teashop,2025-01-{d:02d} 09:00,IG image,{d},{d * 3},1" for d in range(1, 29)]
    middle = [f"{100 + d},teashop,2025-02-{d:02d} 09:00,IG reel,{d},{d * 3},1" for d in range(1, 29)]
    again = [f"{200 + d},teashop,2025-01-{d:02d} 18:00,IG image,{d * 10},{d},2" for d in range(1, 29)]
    data = ("\n".join([header, *first, *middle, *again]) + "\n").encode()
    chunked = read_export(data, "posts.csv", today=TODAY, spill_dir=str(tmp_path))
    whole = read_file(data, "posts.csv", today=TODAY)
    assert chunked.spill is not None and len(chunked.observations) > 0
    assert len(np.load(Path(chunked.spill.directory, chunked.spill.chunks[0]))["value"]) == 0  # all moved
    got, want = _observations(list(chunked.spill.frames())), _observations([whole.observations])
    pd.testing.assert_frame_equal(got, want)
    assert chunked.row_count == len(whole.observations)


def make_instagram_csv(seed: int) -> bytes:
    """Instagram's posts export: several posts a day and type, summed per (day, type); rows
    shuffled so one day's posts sit in many chunks."""
    rng = random.Random(seed)
    lines = []
    for post in range(rng.randint(150, 400)):
        day = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 40))
        kind = rng.choice(["IG image", "IG reel", "IG carousel"])
        reach = rng.choice([str(rng.randint(10, 5000)), "", "abc"]) if rng.random() < 0.1 else str(rng.randint(10, 5000))
        lines.append(f"{9000 + post},teashop,{day.isoformat()} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d},"
                     f"{kind},{reach},{rng.randint(10, 9000)},{rng.randint(0, 30)}")
    rng.shuffle(lines)
    header = "Post ID,Account username,Publish time,Post type,Reach,Views,Follows"
    return ("\n".join([header, *lines]) + "\n").encode()


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("seeds", [range(0, 15), range(15, 30)], ids=lambda r: f"seeds{r.start}-{r.stop - 1}")
def test_rows_that_add_up_across_chunks_are_combined_as_a_whole_read_combines_them(
        seeds: range, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for seed in seeds:
        data = make_instagram_csv(seed)
        monkeypatch.setattr(stream, "CHUNK_CHARS", random.Random(-seed).randint(150, 1200))
        whole = read_file(data, "posts.csv", today=TODAY)
        chunked = read_export(data, "posts.csv", today=TODAY, spill_dir=str(tmp_path))
        assert whole.source == chunked.source == "instagram", seed
        assert any(w.key == "import.warn.breakdown_summed" for w in whole.warnings)
        assert chunked.spill is not None and len(chunked.spill.chunks) > 3, seed
        got, want = _observations(list(chunked.spill.frames())), _observations([whole.observations])
        pd.testing.assert_frame_equal(got[KEYS], want[KEYS], obj=f"seed {seed}")
        np.testing.assert_allclose(got["value"], want["value"], rtol=1e-12, err_msg=f"seed {seed}")
        assert _rejected(chunked) == _rejected(whole), seed
        assert len(chunked.observations) > 0
        chunked.spill.discard()


@pytest.mark.usefixtures("small_chunks")
def test_the_shared_sample_exports_read_in_chunks_as_they_read_whole(shared_dir: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Files this code was not written against (``shared/samples``): in tiny chunks each gives
    the whole read's figures and rejected rows, or is read whole (a Shopify export's first
    piece is its header alone: that is no reason to refuse it)."""
    monkeypatch.setattr(stream, "HEAD_CHARS", 600)
    monkeypatch.setattr(stream, "CHUNK_ROWS", 7)
    today = dt.date(2026, 11, 30)
    samples = sorted(p for p in (shared_dir / "samples").iterdir() if p.suffix in (".csv", ".xlsx"))
    assert len(samples) >= 5
    chunked_files = 0
    for path in samples:
        data = path.read_bytes()
        whole = read_file(data, path.name, today=today)
        chunked = read_export(data, path.name, today=today, spill_dir=str(tmp_path), stream_min=1)
        frames = list(chunked.spill.frames()) if chunked.spill is not None else [chunked.observations]
        chunked_files += chunked.spill is not None
        got, want = _observations(frames), _observations([whole.observations])
        pd.testing.assert_frame_equal(got[KEYS], want[KEYS], obj=path.name)
        np.testing.assert_allclose(got["value"], want["value"], rtol=1e-12, err_msg=path.name)
        assert _rejected(chunked) == _rejected(whole), path.name
        assert (chunked.source, chunked.meta["granularity"]) == (whole.source, whole.meta["granularity"])
    assert chunked_files >= 4
