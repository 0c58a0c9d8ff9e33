"""What must never be stored quietly though wrong (issue 11).

Each check here turns a silent mistake into a rejected row, a refused file or a warning,
with its reason in the user's language:

* values: spreadsheet error cells (``#DIV/0!``, ``#N/A``, ``#VALUE!``...), TRUE/FALSE in a
  number column, infinities and magnitudes no marketing figure reaches (|x| ≥ 10^15: a
  value that overflows a sum, like ``1e308``);
* dates before 1990 or after 2100 (ROC year 0 is 1911);
* labels: NUL and other control characters are removed (the same on SQLite and
  PostgreSQL, which refuses NUL), e-mail addresses are replaced by a stable code;
* text files: lines in two encodings (UTF-8 and Big5), and an unclosed quote that swallows
  the following lines into one cell.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd

from core.errors import KgiError

MAX_ABS_VALUE = 1e15
FIRST_YEAR, LAST_YEAR = 1990, 2100
ERROR_CELLS = frozenset({
    "#div/0!", "#n/a", "#value!", "#ref!", "#num!", "#name?", "#null!", "#getting_data", "#spill!",
    "#calc!", "#field!", "#blocked!", "#connect!", "#busy!", "#unknown!",
})
BOOLEAN_TEXT = frozenset({"true", "false"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")


# --- values -------------------------------------------------------------------------------


def value_problems(raw: pd.Series, values: pd.Series, bad: pd.Series) -> list[tuple[np.ndarray, str]]:
    """(rows, message key) for cells that parsed to something they are not.

    ``values`` and ``bad`` are ``parse_numbers``' answer for the raw cells ``raw``. Error
    cells and TRUE/FALSE are looked for only among the cells that came out empty, bad or
    0/1, so a plain number column costs two vectorised comparisons.
    """
    numbers = values.to_numpy(dtype=float, na_value=np.nan)
    problems: list[tuple[np.ndarray, str]] = []
    huge = ~np.isnan(numbers) & ~(np.abs(numbers) < MAX_ABS_VALUE)  # inf counts as huge
    if huge.any():
        problems.append((huge, "import.row.value_too_large"))
    if raw.dtype.kind in "fiu":
        return problems
    suspects = np.isnan(numbers) | bad.to_numpy(dtype=bool) | (numbers == 0) | (numbers == 1)
    if not suspects.any():
        return problems
    positions = np.flatnonzero(suspects)
    cells = raw.iloc[positions]
    kinds = cells.map(_cell_kind).to_numpy(dtype=object)
    for kind, key in (("error", "import.row.error_cell"), ("bool", "import.row.boolean")):
        hit = np.zeros(len(raw), dtype=bool)
        hit[positions[kinds == kind]] = True
        if hit.any():
            problems.append((hit, key))
    return problems


def _cell_kind(value: object) -> str:
    if isinstance(value, bool | np.bool_):
        return "bool"
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ERROR_CELLS:
            return "error"
        if text in BOOLEAN_TEXT:
            return "bool"
    return ""


# --- dates --------------------------------------------------------------------------------


def dates_out_of_range(dates: pd.Series) -> np.ndarray:
    """Dates before :data:`FIRST_YEAR` or after :data:`LAST_YEAR` (NaT is not flagged)."""
    low = pd.Timestamp(FIRST_YEAR, 1, 1)
    high = pd.Timestamp(LAST_YEAR, 12, 31)
    return ((dates < low) | (dates > high)).to_numpy(dtype=bool)


# --- labels -------------------------------------------------------------------------------


def clean_label(text: str) -> str:
    """A label without control characters (NUL included)."""
    return _CONTROL.sub("", text) if _CONTROL.search(text) else text


def has_control(text: str) -> bool:
    return bool(_CONTROL.search(text))


def mask_emails(text: str) -> str:
    """Each e-mail address replaced by ``email-`` and 8 hex digits of its hash: rows stay
    apart (one customer, one code) and the address itself is never stored."""
    return EMAIL.sub(lambda m: "email-" + hashlib.sha256(m.group(0).lower().encode()).hexdigest()[:8], text)


def has_email(text: str) -> bool:
    return "@" in text and bool(EMAIL.search(text))


# --- text files ---------------------------------------------------------------------------


def check_mixed_encoding(data: bytes, file_name: str, max_lines: int = 2_000_000) -> None:
    """Refuse text whose lines are partly UTF-8 and partly Big5 (cp950).

    Called when the whole file is not valid UTF-8. A line of Chinese in UTF-8 is almost
    never valid Big5 text that means anything, and a Big5 line is almost never valid
    UTF-8, so a file with both kinds of lines was put together from two sources: decoding
    it as either would turn half of it into mojibake.
    """
    utf8_line = big5_line = 0
    for number, line in enumerate(data.split(b"\n", max_lines), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8_line = utf8_line or number
        except UnicodeDecodeError:
            big5_line = big5_line or number
        if utf8_line and big5_line:
            raise KgiError("import.file.mixed_encoding", file=file_name, utf8_line=utf8_line,
                           big5_line=big5_line)


SWALLOWED_LINES = 3  # a cell holding this many line breaks that look like records


def check_swallowed_rows(grid: pd.DataFrame, text: str, delimiter: str, file_name: str) -> None:
    """Refuse a CSV where a quote left open swallowed the following lines into one cell.

    Cheap first: only when the file has clearly more line breaks than records are the
    cells looked at. A cell with several line breaks whose lines hold the delimiter is
    records read as text; the message gives the line where the quote opened.
    """
    if text.count("\n") <= len(grid) + 1:
        return
    for column in grid.columns:
        cells = grid[column]
        if cells.dtype.kind not in "OT" and str(cells.dtype) not in ("str", "string"):
            continue
        multi = cells.str.count("\n").fillna(0).to_numpy() >= SWALLOWED_LINES
        for pos in np.flatnonzero(multi):
            cell = str(cells.iloc[pos])
            lines = cell.split("\n")[1:]
            if sum(delimiter in line for line in lines) >= SWALLOWED_LINES - 1:
                start = text.find(cell[:200])
                line_no = text.count("\n", 0, start) + 1 if start >= 0 else int(pos) + 1
                raise KgiError("import.file.unclosed_quote", file=file_name, line=line_no,
                               lines=len(lines) + 1)
