"""The article's KGI examples and KPI templates per business type (SPEC §4).

Data lives in ``core/data/templates.toml`` (the article's zh-TW wording, an English rendering,
and the parsed metric and target); names and descriptions of business types are messages in
``core/data/i18n/templates.toml``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from core.catalog import BUSINESS_TYPES, load_catalog
from core.errors import KgiError
from core.goals import Target
from core.i18n import t
from core.typography import zh_punctuation

DATA_FILE = Path(__file__).parent / "data" / "templates.toml"


def _zh(lang: str) -> bool:
    return lang.startswith("zh")


@dataclass(frozen=True)
class KgiExample:
    """An example KGI from the article."""

    key: str
    business_type: str
    metric: str
    target: Target
    text_zh: str
    text_en: str
    section: str
    variants: tuple[str, ...] = ()

    def text(self, lang: str) -> str:
        return zh_punctuation(self.text_zh) if _zh(lang) else self.text_en

    @property
    def article_texts(self) -> tuple[str, ...]:
        """Every wording of this example in the article."""
        return (self.text_zh, *self.variants)


@dataclass(frozen=True)
class KpiTemplate:
    """A KPI the article proposes for a business type (or, when ``suggestion``, that we do)."""

    key: str
    business_type: str
    metric: str
    target: Target
    label_zh: str
    label_en: str
    section: str | None = None
    variants: tuple[str, ...] = ()
    preselected: bool = False
    suggestion: bool = False
    note_zh: str = ""
    note_en: str = ""

    @property
    def cadence(self) -> str:
        """How often the target applies; ``"period"`` when it is for the whole plan."""
        return self.target.cadence or "period"

    def label(self, lang: str) -> str:
        return zh_punctuation(self.label_zh) if _zh(lang) else self.label_en

    def note(self, lang: str) -> str:
        return zh_punctuation(self.note_zh) if _zh(lang) else self.note_en

    @property
    def article_texts(self) -> tuple[str, ...]:
        return () if self.suggestion else (self.label_zh, *self.variants)


@dataclass(frozen=True)
class BusinessType:
    key: str
    kgis: tuple[KgiExample, ...]
    kpis: tuple[KpiTemplate, ...]

    def name(self, lang: str) -> str:
        return t(f"templates.type.{self.key}", lang)

    def description(self, lang: str) -> str:
        return t(f"templates.type.{self.key}.description", lang)

    @property
    def preselected_kpis(self) -> tuple[KpiTemplate, ...]:
        return tuple(k for k in self.kpis if k.preselected)


def _target(spec: dict[str, Any]) -> Target:
    return Target(spec["kind"], float(spec["value"]), spec.get("cadence"))


@cache
def business_types() -> dict[str, BusinessType]:
    """Every business type, in the order of SPEC §2."""
    raw = tomllib.loads(DATA_FILE.read_text(encoding="utf-8"))["types"]
    catalog = load_catalog()
    out: dict[str, BusinessType] = {}
    for key in sorted(raw, key=lambda k: raw[k]["order"]):
        spec = raw[key]
        kgis = tuple(
            KgiExample(key=f"{key}.{k['key']}", business_type=key, metric=k["metric"],
                       target=_target(k), text_zh=k["zh"], text_en=k["en"],
                       section=k["section"], variants=tuple(k.get("variants", ())))
            for k in spec.get("kgis", [])
        )
        kpis = tuple(
            KpiTemplate(key=f"{key}.{k['key']}", business_type=key, metric=k["metric"],
                        target=_target(k), label_zh=k["zh"], label_en=k["en"],
                        section=k.get("section"), variants=tuple(k.get("variants", ())),
                        preselected=k.get("preselected", False),
                        suggestion=k.get("suggestion", False),
                        note_zh=k.get("note_zh", ""), note_en=k.get("note_en", ""))
            for k in spec.get("kpis", [])
        )
        for item in (*kgis, *kpis):
            if item.metric not in catalog:
                raise ValueError(f"template {item.key} names unknown metric {item.metric}")
        out[key] = BusinessType(key=key, kgis=kgis, kpis=kpis)
    if tuple(out) != BUSINESS_TYPES:
        raise ValueError(f"templates cover {tuple(out)}, expected {BUSINESS_TYPES}")
    return out


def business_type(key: str) -> BusinessType:
    """The business type ``key``; raises ``KgiError("templates.unknown_type")`` otherwise."""
    types = business_types()
    if key not in types:
        raise KgiError("templates.unknown_type", key=key, known=", ".join(types))
    return types[key]


def kpi_templates(key: str) -> list[KpiTemplate]:
    return list(business_type(key).kpis)


def kgi_examples(key: str) -> list[KgiExample]:
    return list(business_type(key).kgis)
