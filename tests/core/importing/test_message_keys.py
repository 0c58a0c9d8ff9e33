"""No message key used in core/importing can reach a user unresolved (issue 11).

Walks the source for every ``import.*`` / ``store.*`` key a reader or the store raises,
rejects or warns with, and renders each in both languages with the parameters the code
passes at that call (found by reading the call), plus row and column for row messages.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from core.i18n import has, t
from core.importing.messages import render

ROOT = Path(__file__).resolve().parents[3]
FILES = sorted((ROOT / "core" / "importing").glob("*.py")) + [ROOT / "core" / "store.py",
                                                              ROOT / "core" / "writequeue.py"]
CALLS = {"KgiError", "reject", "warn", "Message", "RejectedRow", "Problem"}


KEY = re.compile(r"^(?:import|store)\.[a-z0-9_]+(?:\.[a-z0-9_]+)*$")


def _calls() -> list[tuple[str, str, set[str]]]:
    """(file:line, key, parameter names) for every literal message key in the files.

    The parameters are the keyword names of the call the key is passed to (and the keys of
    a dict literal passed with it); a key that is not an argument of a call (kept in a
    table, returned) gets none, so its message must render with row, column and value.
    """
    found = []
    for path in FILES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        in_calls: set[int] = set()
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and KEY.match(arg.value):
                    params = {kw.arg for kw in node.keywords if kw.arg}
                    for other in node.args:
                        if isinstance(other, ast.Dict):
                            params |= {k.value for k in other.keys if isinstance(k, ast.Constant)}
                    found.append((f"{path.name}:{node.lineno}", arg.value, params))
                    in_calls.add(id(arg))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str) and KEY.match(node.value)
                    and id(node) not in in_calls):
                found.append((f"{path.name}:{node.lineno}", node.value, set()))
    return found


CALL_SITES = _calls()


def test_the_walk_finds_the_calls() -> None:
    keys = {key for _, key, _ in CALL_SITES}
    assert {"import.row.bad_date", "import.file.far_cell", "import.row.error_cell", "store.busy"} <= keys


@pytest.mark.parametrize(("where", "key", "params"), CALL_SITES, ids=[f"{w}:{k}" for w, k, _ in CALL_SITES])
def test_every_key_renders_in_both_languages(where: str, key: str, params: set[str]) -> None:
    assert has(key), f"{where}: {key} is not in core/data/i18n"
    values = {name: "x" for name in params} | {"value": "v", "row": 7, "column": "Sessions"}
    for lang in ("en", "zh-TW"):
        text = t(key, lang, **values)
        assert text and "{" not in text and key not in text


@pytest.mark.parametrize("key", sorted({k for _, k, _ in CALL_SITES if k.startswith("import.row.")}))
def test_row_messages_show_their_row_and_column(key: str) -> None:
    for lang in ("en", "zh-TW"):
        text = render(key, lang, 7, "Sessions", {"value": "v", "first": 2, "today": "2024-06-30",
                                                 "expected": "YYYY-MM-DD", "cell": "B"})
        assert "7" in text and key not in text


def test_an_unknown_key_is_a_sentence_not_the_key() -> None:
    from core.store import Problem

    for problem in (Problem("import.row.bad_date", {"value": "x"}, row=3, column="Date"),
                    Problem("import.row.no_such_thing", {}, row=3), Problem("import.file.gone", {})):
        for lang in ("en", "zh-TW"):
            text = problem.message(lang)
            assert "import." not in text and "{" not in text
    assert Problem("import.row.bad_date", {"value": "x"}, row=3, column="Date").message("en") == \
        "Row 3: “x” in Date is not a date."
