"""No message key may reach a user: every key the importer (and the upload page) uses resolves
in zh-TW and English, rendered with exactly the parameters the code passes.

The keys are found by reading the code (``ast``), not listed by hand: a call such as
``KgiError("import.file.no_rows", file=...)``, ``ctx.warn(...)``, ``ctx.reject(...)``,
``ctx.skip(...)``, ``t(...)``/``tr(...)`` with a literal key, and f-string keys such as
``f"import.reason.{problem}"`` (every catalog key with that prefix must render).
"""

from __future__ import annotations

import ast
import re
import string
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.i18n import has, messages, t
from core.importing import read_file
from core.store import Problem

ROOT = Path(__file__).resolve().parents[3]
FILES = [*sorted((ROOT / "core" / "importing").glob("*.py")), ROOT / "ui" / "upload.py", ROOT / "pages" / "upload.py",
         ROOT / "core" / "cli" / "imports.py"]
KEY = re.compile(r"^(?:import|ui\.upload|store)\.[\w.]+$")
PREFIXES = ("import.", "ui.upload.", "store.")
# Calls whose rendering adds the row's number and column (RejectedRow.message, Problem.message).
ROW_CALLS = {"reject", "skip", "RejectedRow"}
LANGS = ("zh-TW", "en")


@dataclass(frozen=True)
class Use:
    file: str
    line: int
    key: str
    params: frozenset[str]
    open_params: bool  # **kwargs passed: the parameters cannot be known here
    row_call: bool
    prefix: bool  # key is an f-string prefix


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _uses() -> list[Use]:
    found = []
    for path in FILES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            named = {k.arg for k in node.keywords if k.arg}
            for arg in node.args:  # ReadFailure("store.too_large", {"size_mb": ...}): a dict of params
                if isinstance(arg, ast.Dict):
                    named |= {k.value for k in arg.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
            params = frozenset(named)
            open_params = any(k.arg is None for k in node.keywords)
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and KEY.match(arg.value):
                    found.append(Use(path.name, node.lineno, arg.value, params, open_params, name in ROW_CALLS, False))
                elif isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
                    head = str(arg.values[0].value)
                    if head.startswith(PREFIXES):
                        found.append(Use(path.name, node.lineno, head, params, open_params, name in ROW_CALLS, True))
        # Keys chosen in an expression first (``key = "a" if x else "b"``): known to exist only.
        seen = {(u.file, u.key) for u in found}
        parts = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
        for node in ast.walk(tree):
            literal = isinstance(node, ast.Constant) and isinstance(node.value, str) and KEY.match(node.value)
            if literal and (path.name, node.value) not in seen:
                seen.add((path.name, node.value))
                found.append(Use(path.name, node.lineno, node.value, frozenset(), True, True, id(node) in parts))
    return found


USES = _uses()


def _placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def test_the_walk_finds_the_importer_keys() -> None:
    keys = {u.key for u in USES}
    for expected in ("import.row.bad_date", "import.skip.subtotal", "import.warn.unmapped_metric",
                     "import.granularity.month_clash", "ui.upload.granularity.label", "import.reason."):
        assert expected in keys
    assert len(keys) > 100


@pytest.mark.parametrize("use", [u for u in USES if not u.prefix], ids=lambda u: f"{u.file}:{u.line}:{u.key}")
def test_every_literal_key_renders_in_both_languages(use: Use) -> None:
    assert has(use.key), f"{use.file}:{use.line} uses {use.key}, which no catalog defines"
    given = set(use.params) | ({"row", "column", "value"} if use.row_call else set())
    for lang in LANGS:
        template = messages()[use.key]["zh" if lang == "zh-TW" else "en"]
        missing = _placeholders(template) - given
        if not use.open_params:
            assert not missing, f"{use.file}:{use.line}: {use.key} ({lang}) needs {sorted(missing)}"
        text = t(use.key, lang, **{p: "X" for p in _placeholders(template)})
        assert "{" not in text and not KEY.match(text)
    assert messages()[use.key]["zh"].strip() and messages()[use.key]["en"].strip()


@pytest.mark.parametrize("use", [u for u in USES if u.prefix], ids=lambda u: f"{u.file}:{u.line}:{u.key}")
def test_every_fstring_key_family_exists(use: Use) -> None:
    family = [k for k in messages() if k.startswith(use.key)]
    assert family, f"{use.file}:{use.line}: no message starts with {use.key}"
    for key in family:
        for lang in LANGS:
            template = messages()[key]["zh" if lang == "zh-TW" else "en"]
            assert "{" not in t(key, lang, **{p: "X" for p in _placeholders(template)})


def test_rejected_rows_stored_and_shown_keep_their_row_and_column() -> None:
    """A rejected row turned into a stored Problem (the CLI and the import result) still says
    its row and column: the message never falls back to the raw key."""
    data = "日期,營收\n2024-01-01,100\n不是日期,120\n2024-01-03,abc\n".encode()
    parsed = read_file(data, "books.csv")
    assert len(parsed.rejected) == 2
    for row in parsed.rejected:
        problem = Problem(row.key, dict(row.params), row.row, row.column)
        for lang in LANGS:
            text = problem.message(lang)
            assert text == row.message(lang)
            assert str(row.row) in text and row.column in text and "import." not in text


@pytest.mark.parametrize("lang", LANGS)
def test_counts_in_import_messages_are_grouped_by_thousands_and_row_numbers_are_not(lang: str) -> None:
    from core.importing.reader import Message

    warning = Message("import.warn.totals_dropped", {"count": 12345, "sheet": ""}).message(lang)
    assert "12,345" in warning and "12345" not in warning
    problem = Problem("import.row.bad_date", {"value": "x"}, row=23456, column="Date").message(lang)
    assert "23456" in problem and "23,456" not in problem
