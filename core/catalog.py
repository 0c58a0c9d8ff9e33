"""The metric catalog, loaded once from ``core/data/catalog.toml``.

Everything that needs a fact about a metric (its names, unit, direction, how it aggregates,
which columns hold it, which identities it takes part in) reads it from here.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

DATA_DIR = Path(__file__).parent / "data"

Unit = Literal["count", "currency", "percent", "ratio", "rank"]
Direction = Literal["higher", "lower"]
Aggregation = Literal["sum", "ratio", "last", "weighted_mean"]

BUSINESS_TYPES: tuple[str, ...] = ("ecommerce", "saas", "b2b", "social", "seo", "ads", "email")


@dataclass(frozen=True)
class Metric:
    key: str
    en: str
    zh: str
    unit: Unit
    direction: Direction
    aggregation: Aggregation
    numerator: str | None = None
    denominator: str | None = None
    weight: str | None = None
    note: str | None = None
    aliases_en: tuple[str, ...] = ()
    aliases_zh: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()
    core_for: tuple[str, ...] = ()

    def name(self, lang: str) -> str:
        return self.zh if lang.startswith("zh") else self.en

    @property
    def higher_is_better(self) -> bool:
        return self.direction == "higher"

    @property
    def is_rate(self) -> bool:
        """Percent metrics: a "+30%" on them is ambiguous (relative or percentage points)."""
        return self.unit == "percent"

    @property
    def components(self) -> tuple[str, ...]:
        """Metrics that must be stored for this one to be recomputed from its parts."""
        if self.aggregation == "ratio":
            return (self.numerator or "", self.denominator or "")
        if self.aggregation == "weighted_mean":
            return (self.weight or "",)
        return ()


@dataclass(frozen=True)
class Identity:
    target: str
    kind: Literal["product", "quotient", "stock"]
    factors: tuple[str, ...] = ()
    numerator: str | None = None
    denominator: str | None = None
    flow: str | None = None
    note: str | None = None

    @property
    def parts(self) -> tuple[str, ...]:
        if self.kind == "product":
            return self.factors
        if self.kind == "quotient":
            return (self.numerator or "", self.denominator or "")
        return (self.flow or "",)


@dataclass(frozen=True)
class Catalog:
    metrics: dict[str, Metric]
    identities: tuple[Identity, ...]
    influences: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def __getitem__(self, key: str) -> Metric:
        return self.metrics[key]

    def __contains__(self, key: object) -> bool:
        return key in self.metrics

    def keys(self) -> list[str]:
        return list(self.metrics)

    def identities_for(self, target: str) -> list[Identity]:
        return [i for i in self.identities if i.target == target]

    def drivers_of(self, target: str) -> set[str]:
        """Every metric that moves ``target``, through identities (recursively) or influences."""
        seen: set[str] = set()
        frontier = [target]
        while frontier:
            current = frontier.pop()
            direct = {p for i in self.identities_for(current) for p in i.parts}
            direct |= {s for s, t in self.influences if t == current}
            for d in direct - seen - {target}:
                seen.add(d)
                frontier.append(d)
        return seen


# Currency codes and signs that exports put in brackets after a header. Only these are
# stripped: "CTR (all)" must stay apart from "CTR".
CURRENCY_TOKENS = frozenset(
    ["usd", "twd", "ntd", "eur", "gbp", "jpy", "hkd", "cny", "rmb", "aud", "cad", "sgd", "myr", "inr", "idr", "pen", "krw", "thb", "php", "vnd", "nzd", "chf", "sek", "nok", "dkk", "brl", "mxn", "zar", "aed", "sar", "try", "pln", "czk", "huf", "ils", "nt$", "us$", "$", "元", "新台幣"]
)
_BRACKETED_TAIL = re.compile(r"\(([^()]*)\)$")


def normalize_label(text: str) -> str:
    """Normalise a column header or phrase for matching.

    NFKC (full-width brackets become ASCII), lower case, currency codes in brackets removed
    (``Amount spent (USD)`` → ``amount spent``), runs of white space folded.
    """
    text = unicodedata.normalize("NFKC", str(text)).strip().lower()
    match = _BRACKETED_TAIL.search(text)
    if match and match.group(1).strip() in CURRENCY_TOKENS:
        text = text[: match.start()].strip()
    return re.sub(r"\s+", " ", text)


@cache
def load_catalog() -> Catalog:
    raw = tomllib.loads((DATA_DIR / "catalog.toml").read_text(encoding="utf-8"))
    metrics: dict[str, Metric] = {}
    for key, spec in raw["metrics"].items():
        tuple_fields = ("aliases_en", "aliases_zh", "synonyms", "core_for")
        values = {k: (tuple(v) if k in tuple_fields else v) for k, v in spec.items()}
        metrics[key] = Metric(key=key, **values)
    identities = tuple(
        Identity(**{k: (tuple(v) if k == "factors" else v) for k, v in spec.items()})
        for spec in raw.get("identities", [])
    )
    influences = tuple((i["source"], i["target"]) for i in raw.get("influences", []))
    return Catalog(metrics=metrics, identities=identities, influences=influences)


def metric(key: str) -> Metric:
    return load_catalog()[key]


def display_name(metric: str, label: str, lang: str) -> str:
    """What to call a goal: the user's own label, else the catalog's name, else the key."""
    if label.strip():
        return label
    catalog = load_catalog()
    return catalog[metric].name(lang) if metric in catalog else metric


def unit_of(metric: str) -> str:
    """The metric's unit; a key the catalog does not know is a plain count."""
    catalog = load_catalog()
    return catalog[metric].unit if metric in catalog else "count"


@cache
def synonym_index() -> dict[str, str]:
    """Normalised column synonym → metric key."""
    index: dict[str, str] = {}
    for m in load_catalog().metrics.values():
        for name in (m.key, m.en, m.zh, *m.synonyms):
            index.setdefault(normalize_label(name), m.key)
    return index
