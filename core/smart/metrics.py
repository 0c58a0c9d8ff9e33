"""Metric phrases: the catalog's names and aliases (core/data/catalog.toml), longest first.

A phrase the catalog gives to more than one metric (「訂閱數」: paid members of a SaaS, or a
channel's subscribers) is resolved by the business type: the one metric among them that is
the type's core outcome or drives it. Without a type, or when the type does not decide, the
goal keeps every reading and the SMART check says ``unknown`` with all of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from core.catalog import load_catalog
from core.smart.tokens import canon

# Words that name no metric precisely: 「希望業績成長」 must fail Specific (SPEC §6).
VAGUE_PHRASES: frozenset[str] = frozenset({"業績", "業績額"})


def _phrase(name: str) -> str:
    """A catalog name as :func:`canon` writes it, without the ROC/quarter rewriting."""
    return canon(name)


@cache
def phrase_index() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(canonical phrase, metric keys in catalog order), longest phrase first."""
    index: dict[str, list[str]] = {}
    for m in load_catalog().metrics.values():
        names = [m.zh, m.en, *m.aliases_zh, *m.aliases_en, m.key.replace("_", " ")]
        for name in names:
            for variant in (name, re.sub(r"\s*\([^)]*\)\s*$", "", name)):
                phrase = _phrase(variant)
                if len(phrase) >= 2 and m.key not in index.setdefault(phrase, []):
                    index[phrase].append(m.key)
    return tuple(sorted(((p, tuple(k)) for p, k in index.items()), key=lambda kv: -len(kv[0])))


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    phrase: str
    metrics: tuple[str, ...]

    @property
    def metric(self) -> str:
        return self.metrics[0]


def _word_bounded(s: str, start: int, end: int) -> bool:
    before = s[start - 1] if start > 0 else " "
    after = s[end] if end < len(s) else " "
    return not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum())


def find_metrics(s: str) -> list[Span]:
    """Non-overlapping metric phrases, longest first (「自然流量」 beats 「流量」)."""
    taken: list[Span] = []
    for phrase, keys in phrase_index():
        ascii_phrase = phrase.isascii()
        start = s.find(phrase)
        while start != -1:
            end = start + len(phrase)
            if ascii_phrase and not _word_bounded(s, start, end):
                start = s.find(phrase, start + 1)
                continue
            if ascii_phrase and end < len(s) and s[end] == "s" and _word_bounded(s, start, end + 1):
                end += 1  # plural: "keywords", "visitors"
            if not any(start < o.end and o.start < end for o in taken):
                taken.append(Span(start, end, phrase, keys))
            start = s.find(phrase, end)
    return sorted(taken, key=lambda sp: sp.start)


def resolve(keys: tuple[str, ...], business_type: str | None) -> tuple[str, ...]:
    """The readings of a phrase that the business type leaves (all of them when it cannot tell).

    The type decides when exactly one reading is one of its core outcomes, else when exactly
    one is among its KPI templates (core/data/templates.toml); else the type's core outcomes are tried from the most specific (core for the fewest types) to the most
    general, and the first that exactly one reading drives decides: an ``ecommerce``
    「點擊率」 is the ad CTR (it drives orders; the e-mail click rate does not).
    """
    if len(keys) < 2 or not business_type:
        return keys
    catalog = load_catalog()
    cores = sorted((m for m in catalog.metrics.values() if business_type in m.core_for),
                   key=lambda m: len(m.core_for))
    own = [k for k in keys if any(k == m.key for m in cores)]
    if len(own) == 1:
        return (own[0],)
    from core.templates import kpi_templates  # the type's own KPIs, declared in templates.toml

    kpis = [k for k in keys if k in {tpl.metric for tpl in kpi_templates(business_type)}]
    if len(kpis) == 1:
        return (kpis[0],)
    for core in cores:
        drivers = catalog.drivers_of(core.key)
        related = [k for k in keys if k in drivers]
        if len(related) == 1:
            return (related[0],)
    return keys
