"""User text is text: Markdown/HTML/directives escaped for the pages, terminal controls removed
for the CLI; a generated corpus of hostile names round-trips to what was typed."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest
from parsed_fakes import daily, parsed

from core import store
from core.cli import main
from core.db import make_engine, migrate
from core.usertext import md_plain, terminal_safe
from core.workspaces import create_workspace

HOSTILE = (
    "[click me](http://evil.example)",
    "![tracker](http://evil.example/p.png)",
    "<img src=x onerror=alert(1)>",
    "<b>bold</b> &amp; **strong** _em_ ~~gone~~ `code`",
    ":red[alarm] :material/warning: $x^2$",
    "# heading",
    "- list item",
    "1. numbered",
    "> quote",
    "www.evil.example",
    "a | b | c",
)
ANSI = "\x1b[31mred\x1b[0m \x1b]8;;http://evil.example\x07link\x1b]8;;\x07\x07\x08\r\u202eevil"

# A CommonMark reader of backslash escapes: what a Markdown renderer shows for escaped text.
_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def shown(markdown: str) -> str:
    return _UNESCAPE.sub(r"\1", markdown)


@pytest.mark.parametrize("name", HOSTILE)
def test_markdown_syntax_is_escaped_and_shows_what_was_typed(name: str) -> None:
    escaped = md_plain(name)
    assert shown(escaped) == name
    # No unescaped syntax character is left.
    assert not re.search(r"(?<!\\)[\[\]()<>*_`~:$!|&#]", escaped)


def test_a_generated_corpus_round_trips() -> None:
    parts = ["[", "]", "(", ")", "!", "*", "_", "<", ">", "#", "-", "1.", ":", "$", "\\", "`", "a", " ", "中"]
    for combo in itertools.product(parts, repeat=3):
        name = "".join(combo)
        escaped = md_plain(name)
        assert shown(escaped) == name
        assert not re.search(r"(?<!\\)[\[\]()<>*_`~:$!|&#]", escaped.replace("\\\\", ""))
        assert not escaped.lstrip().startswith(("-", "+", "1."))


def test_terminal_controls_are_removed() -> None:
    assert terminal_safe(ANSI) == "red linkevil"
    assert "\x1b" not in terminal_safe(ANSI) and "\x07" not in terminal_safe(ANSI)
    assert terminal_safe("tea.csv\n") == "tea.csv\n"
    assert terminal_safe("a\nb", keep_newlines=False) == "a b"
    assert md_plain("two\nlines") == "two lines"


@pytest.fixture
def db(db_url: str):
    eng = make_engine(db_url)
    migrate(eng)
    yield db_url, eng
    eng.dispose()


def test_the_cli_prints_no_terminal_escapes(db, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    url, eng = db
    ws = create_workspace(eng, "Client \x1b[2J\x1b[31mA", "ecommerce")
    store.store_parsed(eng, ws.id, parsed(daily("clicks", {"2024-01-01": 1}, "B"), name=f"x{ANSI}.csv"), "a")
    printed = []
    for argv in (["workspace", "list"], ["imports", "list", "--workspace", str(ws.id)]):
        assert main(["--db", url, "--lang", "en", *argv]) == 0
        out, err = capsys.readouterr()
        assert "\x1b" not in out + err and "\x07" not in out + err and "\u202e" not in out
        printed.append(out)
    assert "Client A" in printed[0]
    assert "xred linkevil.csv" in printed[1]
    # JSON keeps the name exactly (escaped by JSON itself), for programs.
    assert main(["--db", url, "imports", "list", "--workspace", str(ws.id), "--json"]) == 0
    out, _ = capsys.readouterr()
    assert json.loads(out)[0]["file"] == f"x{ANSI}.csv"
