"""zh-TW typography: the full-width punctuation docs/STYLE.md asks for.

The article's examples (core/data/templates.toml) are kept exactly as the article writes them,
half-width punctuation included, so that they stay findable in the article; what a user reads
goes through :func:`zh_punctuation` first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

CJK = "\u3400-\u9fff\uf900-\ufaff"
CJK_PUNCT = "\u3000-\u303f\uff00-\uffef"
_FULL = {",": "，", ":": "：", ";": "；", "(": "（", ")": "）"}
_NEXT_TO_CJK = re.compile(f"(?<=[{CJK}{CJK_PUNCT}])[,:;]|[,:;](?=[{CJK}{CJK_PUNCT}])")
_PARENS_AROUND_CJK = re.compile(f"\\(([^()]*[{CJK}][^()]*)\\)")
_PAREN_NEXT_TO_CJK = re.compile(f"(?<=[{CJK}])\\(([^()]*)\\)|\\(([^()]*)\\)(?=[{CJK}])")


def zh_punctuation(text: str) -> str:
    """``text`` with half-width , : ; ( ) next to or around Chinese made full-width."""
    text = _PARENS_AROUND_CJK.sub(lambda m: f"（{m.group(1)}）", text)
    text = _PAREN_NEXT_TO_CJK.sub(lambda m: f"（{m.group(1) or m.group(2) or ''}）", text)
    text = _NEXT_TO_CJK.sub(lambda m: _FULL[m.group()], text)
    return text.replace("（ ", "（").replace(" ）", "）").replace("， ", "，")


def list_separator(lang: str) -> str:
    """The comma between items of a list: 「、」 in Chinese, ", " in English."""
    return "、" if lang.startswith("zh") else ", "


def join_list(items: Iterable[str], lang: str) -> str:
    """Items as one list in the language's own way (「營收、訂單數」, "revenue, orders")."""
    return list_separator(lang).join(items)
