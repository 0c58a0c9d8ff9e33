"""User text is text: file names, campaign names and workspace names shown safely.

Anything a person typed or uploaded may contain Markdown (``[x](http://evil)``,
``![](http://tracker)``), HTML, Streamlit directives (``:red[…]``, ``:material/…:``), LaTeX
(``$…$``) or terminal escapes (``\\x1b]8;;…``). Two functions neutralise it where it is shown:

- :func:`md_plain` escapes every character Markdown (and Streamlit's extensions) would read,
  so the text renders literally inside ``st.markdown``/``st.caption``/``st.info`` and labels;
- :func:`terminal_safe` removes control characters (ANSI/OSC sequences, C0/C1 controls,
  bidirectional overrides) before the CLI prints.
"""

from __future__ import annotations

import re
from typing import Any

# The ASCII punctuation Markdown, GFM (tables, strikethrough, autolinks), HTML, Streamlit's
# colour/icon directives and emoji shortcodes (``:``) or KaTeX (``$``) read as syntax anywhere in
# a line; CommonMark shows a backslash-escaped punctuation character literally.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#!|<>~:$&])")
# What is syntax only at the start of a line: a list item, a numbered item, a quote.
_MD_LINE_START = re.compile(r"^(\s*)([-+=]|\d+[.)])")
_WWW = re.compile(r"(?i)\bwww\.")
# ANSI CSI/OSC sequences first (so their printable tail goes too), then lone controls.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?")
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def md_plain(value: Any) -> str:
    """``value`` as text Markdown shows literally (line breaks become spaces)."""
    text = terminal_safe(str(value)).replace("\r", " ").replace("\n", " ").replace("\t", " ")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = _WWW.sub(lambda m: m.group(0)[:-1] + "\\.", text)  # GFM links a bare www.host
    return _MD_LINE_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], text)


def terminal_safe(value: Any, *, keep_newlines: bool = True) -> str:
    """``value`` without escape sequences or control characters a terminal would act on."""
    text = _ANSI.sub("", str(value))
    text = _CONTROLS.sub("", text)
    if not keep_newlines:
        text = text.replace("\n", " ").replace("\t", " ")
    return text


def json_terminal_safe(dumped: str) -> str:
    """JSON text (from ``json.dumps(..., ensure_ascii=False)``) with every character a terminal
    would act on written as a ``\\u`` escape with four hex digits: the same data for a program,
    inert on screen."""
    return _CONTROLS.sub(lambda m: f"\\u{ord(m.group(0)):04x}", dumped)
