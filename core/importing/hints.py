"""Small grammars for what hand-kept sheets and localised exports write around their figures.

* :func:`is_total_label`: a totals or subtotal row's label (「總計：帳戶」, 「1 月小計」,
  "Q1 total", "Total: Campaigns"), so such rows are skipped as subtotals, never read as data
  and never rejected as a bad date.
* :func:`suggest_metric`: the metric a header most likely means when the reader left it
  unmapped (a catalog alias such as 「廣告費」, a synonym with a unit such as 「營收（千元）」, a close
  spelling such as 「廣告花費金額」), so the user is told instead of the column vanishing.
"""

from __future__ import annotations

import difflib
import re
from functools import cache

from core.catalog import load_catalog, normalize_label, synonym_index
from core.importing.sources import norm, registry, split_currency

# English totals words; the zh-TW ones come from ``sources.toml`` (``totals``).
_EN_WORDS = ("grand total", "sub-total", "sub total", "subtotal", "totals", "total", "sum")
_CJK = r"[\u3400-\u9fff]"


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    words = sorted({*registry().totals, *_EN_WORDS}, key=len, reverse=True)
    cjk = [w for w in words if re.search(_CJK, w)]
    english = [w for w in words if not re.search(_CJK, w)]
    alternatives = "|".join(re.escape(w) for w in words)
    # 「總計：帳戶」, "Total: Campaigns", 「合計（含稅）」, "Total - all stores".
    prefix = re.compile(rf"^(?:{alternatives})\s*(?::|\(|-|–|—)")
    # 「1 月小計」, 「第一季合計」, 「Q1 合計」, 「上半年總計」: a short scope, then the word.
    cjk_suffix = re.compile(rf"^.{{0,16}}?(?:{'|'.join(re.escape(w) for w in cjk)})\s*$")
    # "Q1 total", "Jan subtotal", "week 1 total", "Total": a short scope, then the word.
    en_suffix = re.compile(rf"^(?:[\w.'/&-]+\s+){{0,3}}(?:{'|'.join(re.escape(w) for w in english)})$")
    return prefix, cjk_suffix, en_suffix


def is_total_label(value: object) -> bool:
    """True when a cell labels a totals or subtotal row (see the module docstring)."""
    if not isinstance(value, str):
        return False
    text = norm(value)
    if not text or len(text) > 40:
        return False
    if text in registry().totals:
        return True
    prefix, cjk_suffix, en_suffix = _patterns()
    return bool(prefix.match(text) or cjk_suffix.match(text) or en_suffix.match(text))


# --- columns that look like a metric ------------------------------------------------------

# Unit and scale words people add to a header: 「營收（元）」, 「營收(千元)」, "Revenue in TWD".
_UNIT = re.compile(
    r"\s*[(\[]\s*(?:[a-z]{3}|nt\$|us\$|\$|元|千元|萬元|萬|千|百萬|%|％|筆|次|人|件|個|張|則|則數)\s*[)\]]\s*$"
    r"|\s*(?:\bin\s+[a-z]{3}|金額|總額|數量|總數|（千元）)$"
)
CLOSE_MATCH = 0.88


@cache
def _alias_index() -> dict[str, str]:
    """Normalised catalog names, synonyms and aliases (both languages) → metric key."""
    index = dict(synonym_index())
    for metric in load_catalog().metrics.values():
        for name in (*metric.aliases_en, *metric.aliases_zh):
            index.setdefault(normalize_label(name), metric.key)
    return index


def suggest_metric(header: str) -> str | None:
    """The metric an unmapped ``header`` probably holds, or None.

    Tried in order: an alias of the catalog; the header less a unit or scale word; a close
    spelling (``difflib`` ratio at least :data:`CLOSE_MATCH`) of any name, synonym or alias.
    """
    base, _currency = split_currency(header)
    if not base or len(base) > 60:
        return None
    index = _alias_index()
    if base in index:
        return index[base]
    stripped = _UNIT.sub("", base).strip()
    if stripped and stripped in index:
        return index[stripped]
    names = [n for n in index if len(n) >= 4]
    close = difflib.get_close_matches(stripped or base, names, n=1, cutoff=CLOSE_MATCH)
    if close:
        return index[close[0]]
    # A known name inside a longer header: 「廣告花費金額」, "Total ad spend".
    within = [n for n in names if len(n) >= 3 and n in base and len(n) / len(base) >= 0.5]
    return index[max(within, key=len)] if within else None


def unmapped_columns(columns: list, mapping: dict[str, str]) -> list[tuple[str, str]]:
    """Ignored columns whose header looks like a metric: (column name, suggested metric).

    Left out: columns the user chose to ignore, columns a source knows and skips on purpose
    (rates recomputed from their parts, comparison columns, duplicates, personal data), and
    suggestions of a metric the file already imports from another column.
    """
    imported = {c.metric for c in columns if c.role == "metric" and c.metric}
    found: dict[str, str] = {}
    for info in columns:
        if info.role != "ignored" or info.note not in ("import.note.unknown", None) or info.metric:
            continue
        if info.name in mapping or info.name in found:
            continue
        metric = suggest_metric(info.name)
        if metric and metric not in imported:
            found[info.name] = metric
    return list(found.items())
