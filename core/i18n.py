"""Translation catalog for zh-TW and English.

Messages live in ``core/data/i18n/*.toml``, one file per area (ui, smart, import, ...), each
message a table with an ``en`` and a ``zh`` string::

    ["smart.specific.fail"]
    en = "No metric was recognised."
    zh = "找不到可衡量的指標。"

Placeholders use ``str.format`` names. Pages and core both look strings up here, so nothing a
user reads is hard-coded in a page.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

I18N_DIR = Path(__file__).parent / "data" / "i18n"
LANGUAGES: tuple[str, ...] = ("zh-TW", "en")
DEFAULT_LANGUAGE = "zh-TW"


def normalize_language(lang: str | None) -> str:
    """Map browser locales and loose spellings (``zh``, ``zh_Hant_TW``, ``en-US``) to ours."""
    if not lang:
        return DEFAULT_LANGUAGE
    lowered = lang.replace("_", "-").lower()
    if lowered.startswith("zh"):
        return "zh-TW"
    if lowered.startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


def _file_key(lang: str) -> str:
    return "zh" if lang == "zh-TW" else "en"


@cache
def messages() -> dict[str, dict[str, str]]:
    """Every message, merged from all files; a key defined twice is an error."""
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(I18N_DIR.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for key, texts in data.items():
            if key in merged:
                raise ValueError(f"message {key!r} is defined twice (second time in {path.name})")
            merged[key] = texts
    return merged


def t(key: str, lang: str = DEFAULT_LANGUAGE, /, **params: Any) -> str:
    """The message ``key`` in ``lang``, with ``params`` filled in.

    A missing key raises ``KeyError`` (tests walk every page, so a typo cannot hide).
    """
    texts = messages()[key]
    template = texts[_file_key(normalize_language(lang))]
    return template.format(**params) if params else template


def has(key: str) -> bool:
    return key in messages()
