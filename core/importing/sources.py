"""Export sources as data (``core/data/sources.toml``): header names, roles, detection.

The reader asks two things of this module: which source a table of headers most likely is
(:func:`detect`), and what a given header means for that source (:func:`resolve_column`).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from core.catalog import DATA_DIR, load_catalog, synonym_index

Role = Literal["metric", "date", "dimension", "breakdown", "ignored", "pii"]

# ISO codes we strip from headers such as "Amount spent (USD)" / "花費金額 (TWD)".
CURRENCY_CODES = frozenset(
    ["TWD", "USD", "EUR", "GBP", "JPY", "CNY", "RMB", "HKD", "AUD", "CAD", "SGD", "MYR", "IDR", "INR", "PEN", "THB", "KRW", "PHP", "VND", "NZD", "CHF", "SEK", "NOK", "DKK", "MXN", "BRL", "ZAR", "PLN", "CZK", "HUF", "ILS", "AED", "SAR", "TRY", "CLP", "COP", "ARS", "MOP", "NTD"]
)
_CURRENCY_IN_HEADER = re.compile(r"\s*[(\[]\s*([A-Za-z]{3}|NT\$|US\$|\$|元)\s*[)\]]\s*$")
# Compare-mode prefixes (GSC "Last 28 days Clicks") and Shopify "(previous_year)" suffixes.
_CURRENT_PREFIX = re.compile(
    r"^(?:last \d+ (?:days|weeks|months)|last (?:week|month|year|quarter)|this (?:week|month|year|quarter)|"
    r"current period|過去 ?\d+ ?天|最近 ?\d+ ?天)\s+(.+)$"
)
_PREVIOUS = re.compile(
    r"^(?:previous \d+ (?:days|weeks|months)|previous (?:period|week|month|year|quarter)|same period last year|"
    r"前 ?\d+ ?天|上一期|去年同期)\s+|\((?:previous_year|previous_period|previous year|previous period)\)$|"
    r"^(?:month|week|day) \(previous_year\)$"
)


@dataclass(frozen=True)
class Derivation:
    kind: Literal["filter", "product", "sum", "count_rows"]
    metric: str
    source_metric: str | None = None  # filter: the metric whose rows are filtered
    dimension_from: tuple[str, ...] = ()
    dimension_values: tuple[str, ...] = ()
    factors: tuple[str, ...] = ()  # product: metric keys multiplied (a rate × its base)
    columns: tuple[str, ...] = ()  # sum: normalised headers added up


@dataclass(frozen=True)
class Source:
    key: str
    label_en: str
    label_zh: str
    layout: str = "wide"  # "wide" | "long" | "shopify_orders"
    preamble: str | None = None
    fingerprints: tuple[str, ...] = ()
    min_hits: int = 2
    sheets: tuple[str, ...] = ()
    date_columns: tuple[str, ...] = ()
    date_format: str | None = None
    range_end: dict[str, str] = field(default_factory=dict)
    dimensions: tuple[str, ...] = ()
    breakdowns: tuple[str, ...] = ()
    percent_csv: str = "fraction"
    percent_xlsx: str = "fraction"
    duplicates: str = "reject"
    use_catalog: bool = True
    store_rates: bool = False
    columns: dict[str, str] = field(default_factory=dict)
    pii: tuple[str, ...] = ()
    hint: str = "import.hint.sheet"
    derive: tuple[Derivation, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def label(self, lang: str) -> str:
        return self.label_zh if lang.startswith("zh") else self.label_en


@dataclass(frozen=True)
class Registry:
    sources: dict[str, Source]
    allow_negative: frozenset[str]
    totals: tuple[str, ...]
    date_names: frozenset[str]
    week_names: frozenset[str]
    month_names: frozenset[str]
    dimension_names: tuple[str, ...]
    pii_names: frozenset[str]
    currency_columns: tuple[str, ...]


_SOURCE_FIELDS = {
    "label_en", "label_zh", "layout", "preamble", "sheets", "date_format", "range_end", "dimensions",
    "breakdowns", "percent_csv", "percent_xlsx", "duplicates", "use_catalog", "store_rates",
    "columns", "pii", "hint", "fingerprints", "min_hits", "date_columns",
}
_NORMALISED_LISTS = ("fingerprints", "sheets", "date_columns", "dimensions", "breakdowns", "pii")


@cache
def registry() -> Registry:
    raw = tomllib.loads((DATA_DIR / "sources.toml").read_text(encoding="utf-8"))
    specs = _with_format_sources(raw["sources"])
    sources = {key: _source(key, spec) for key, spec in specs.items()}
    return Registry(
        sources=sources,
        allow_negative=frozenset(raw["allow_negative"]),
        totals=tuple(norm(t) for t in raw["totals"]),
        date_names=frozenset(norm(n) for n in raw["date_names"]),
        week_names=frozenset(norm(n) for n in raw["week_names"]),
        month_names=frozenset(norm(n) for n in raw["month_names"]),
        dimension_names=tuple(norm(n) for n in raw["dimension_names"]),
        pii_names=frozenset(norm(n) for n in raw["pii_names"]),
        currency_columns=tuple(norm(n) for n in raw["currency_columns"]),
    )


FORMAT_SOURCES_DIR = DATA_DIR / "sources"
_LAST_SOURCES = ("kgi_template", "sheet")


def _with_format_sources(base: dict[str, Any]) -> dict[str, Any]:
    """``sources.toml`` plus one file per further export format in ``core/data/sources/``.

    Each format keeps its declaration in its own file; they join before our template and the
    hand-kept sheet, so the source list reads tools first. A key declared twice is an error.
    """
    merged = {k: v for k, v in base.items() if k not in _LAST_SOURCES}
    for path in sorted(FORMAT_SOURCES_DIR.glob("*.toml")):
        for key, spec in tomllib.loads(path.read_text(encoding="utf-8")).get("sources", {}).items():
            if key in base or key in merged:
                raise ValueError(f"source {key!r} is declared twice (again in {path.name})")
            merged[key] = spec
    merged.update({k: base[k] for k in _LAST_SOURCES if k in base})
    return merged


def _source(key: str, spec: dict[str, Any]) -> Source:
    values: dict[str, Any] = {k: v for k, v in spec.items() if k in _SOURCE_FIELDS}
    for name in _NORMALISED_LISTS:
        values[name] = tuple(norm(v) for v in spec.get(name, ()))
    values["columns"] = {norm(k): v for k, v in spec.get("columns", {}).items()}
    values["range_end"] = {norm(k): norm(v) for k, v in spec.get("range_end", {}).items()}
    values["derive"] = tuple(_derivation(d) for d in spec.get("derive", ()))
    values["extra"] = {k: v for k, v in spec.items() if k not in _SOURCE_FIELDS and k != "derive"}
    return Source(key=key, **values)


def _derivation(spec: dict[str, Any]) -> Derivation:
    return Derivation(
        kind=spec["kind"],
        metric=spec["metric"],
        source_metric=spec.get("from"),
        dimension_from=tuple(norm(v) for v in spec.get("dimension_from", ())),
        dimension_values=tuple(norm(v) for v in spec.get("dimension_values", ())),
        factors=tuple(spec.get("factors", ())),
        columns=tuple(norm(v) for v in spec.get("columns", ())),
    )


def source_keys() -> list[str]:
    return list(registry().sources)


def get_source(key: str) -> Source:
    return registry().sources[key]


# --- header normalisation -----------------------------------------------------------------


def norm(text: object) -> str:
    """NFKC, trim, lower case, white space folded. Does NOT strip currency codes."""
    value = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return re.sub(r"\s+", " ", value)


def split_currency(header: str) -> tuple[str, str | None]:
    """``Amount spent (USD)`` → (``amount spent``, ``USD``); ``CTR (all)`` keeps its bracket."""
    text = norm(header)
    match = _CURRENCY_IN_HEADER.search(text)
    if match:
        token = match.group(1).upper()
        if token in CURRENCY_CODES:
            return text[: match.start()].strip(), "TWD" if token == "NTD" else token
        if token in ("NT$", "元"):
            return text[: match.start()].strip(), "TWD"
        if token in ("US$",):
            return text[: match.start()].strip(), "USD"
    return text, None


def comparison_kind(normalised: str) -> tuple[str, str]:
    """('previous'|'current'|'plain', base name) for compare-mode headers (item 17)."""
    if _PREVIOUS.search(normalised):
        return "previous", normalised
    match = _CURRENT_PREFIX.match(normalised)
    if match:
        return "current", match.group(1)
    return "plain", normalised


# --- detection ----------------------------------------------------------------------------


@dataclass
class Detection:
    source: str
    confidence: float
    hits: int


def detect(headers: list[str], *, hash_preamble: bool = False, sheet_names: tuple[str, ...] = ()) -> Detection:
    """The most likely source for a table with these headers (checklist item 19).

    Each source counts how many of its fingerprint names appear; the long-template layout
    needs its metric and value columns; anything else falls back to ``sheet``.
    """
    names = {split_currency(h)[0] for h in headers if str(h).strip()}
    names |= {comparison_kind(n)[1] for n in names}
    best = Detection("sheet", 0.0, 0)
    for source in registry().sources.values():
        if source.key == "sheet" or not source.fingerprints:
            continue
        hits = sum(1 for f in source.fingerprints if f in names)
        if source.preamble == "hash" and hash_preamble:
            hits += 2
        if sheet_names and source.sheets and any(norm(s) in source.sheets for s in sheet_names):
            hits += 1
        if source.layout == "long" and not _long_layout(source, names):
            continue
        if is_template_header(source, headers):
            hits += 3  # our own template's exact header row: nothing else writes it
        if hits >= max(1, source.min_hits) and hits > best.hits:
            best = Detection(source.key, min(1.0, 0.45 + 0.12 * hits), hits)
    if best.source == "sheet":
        index = synonym_index()
        known = sum(1 for n in names if n in index)
        best = Detection("sheet", min(0.9, 0.3 + 0.15 * known) if known else 0.2, known)
    return best


def is_template_header(source: Source, headers: list[str]) -> bool:
    """True when ``headers`` are exactly the source's template header row (``template_header``
    in ``sources.toml``), in order, compared normalised; trailing blank cells do not count."""
    wanted = [norm(h) for h in source.extra.get("template_header", ())]
    if not wanted:
        return False
    given = [norm(h) for h in headers]
    while given and not given[-1]:
        given.pop()
    return given == wanted


def has_long_columns(source: Source, headers: list[str]) -> bool:
    """A table the long layout can read: it has a metric column and a value column."""
    names = {split_currency(h)[0] for h in headers if str(h).strip()}
    return _long_layout(source, names)


def _long_layout(source: Source, names: set[str]) -> bool:
    long_metric = {norm(n) for n in source.extra.get("long_metric", ())}
    long_value = {norm(n) for n in source.extra.get("long_value", ())}
    return bool(names & long_metric) and bool(names & long_value)


# --- column roles -------------------------------------------------------------------------


@dataclass(frozen=True)
class Resolution:
    role: Role
    metric: str | None = None
    via: str = ""  # "mapping" | "source" | "catalog" | "date" | "comparison" | ...


def resolve_column(source: Source, raw: str) -> Resolution:
    """What header ``raw`` means in ``source`` (without the user's mapping, applied earlier)."""
    base, _currency = split_currency(raw)
    reg = registry()
    if base in source.pii or base in reg.pii_names:
        return Resolution("pii", via="pii")
    kind, name = comparison_kind(base)
    if kind == "previous":
        return Resolution("ignored", via="comparison")
    if name in source.date_columns or (not source.date_columns and _is_date_name(name)):
        return Resolution("date", via="date")
    if name in source.columns:
        metric = source.columns[name]
        if metric:
            return Resolution("metric", metric, "source")
        # Known and deliberately not imported (a rate with its parts, a duplicate figure):
        # still say which metric it is, so the mapping table can show it.
        return Resolution("ignored", synonym_index().get(name), "source")
    if name in source.dimensions:
        return Resolution("dimension", via="dimension")
    if name in source.breakdowns:
        return Resolution("breakdown", via="breakdown")
    if source.use_catalog:
        metric = synonym_index().get(name)
        if metric:
            return Resolution("metric", metric, "catalog")
    if source.key in ("sheet", "kgi_template") and name in reg.dimension_names:
        return Resolution("dimension", via="dimension")
    if source.date_columns and _is_date_name(name) and source.key in ("sheet", "kgi_template"):
        return Resolution("date", via="date")
    return Resolution("ignored", via="unknown")


def _is_date_name(name: str) -> bool:
    reg = registry()
    return name in reg.date_names or name in reg.week_names or name in reg.month_names


def granularity_of_header(name: str) -> str | None:
    """``week``/``month`` when the header says so (Shopify ``Week``, zh-TW ``月份``)."""
    reg = registry()
    base = norm(name)
    if base in reg.week_names or base.startswith("nth week"):
        return "week"
    if base in reg.month_names or base.startswith("nth month"):
        return "month"
    return None


def known_header_names() -> frozenset[str]:
    """Every name any source or the catalog knows: used to score header rows."""
    return _known_header_names(id(registry()), id(synonym_index()))


@cache
def _known_header_names(_registry: int, _synonyms: int) -> frozenset[str]:
    """Built once per registry and synonym index (both cached for the process, so their ids
    name them): the header search asks for every row it scores."""
    reg = registry()
    names: set[str] = set(synonym_index())
    for source in reg.sources.values():
        names |= set(source.columns) | set(source.date_columns) | set(source.dimensions)
        names |= set(source.breakdowns) | set(source.fingerprints) | set(source.pii)
        for key in ("long_metric", "long_value", "long_source", "long_dimension"):
            names |= {norm(n) for n in source.extra.get(key, ())}
        if source.extra.get("order_id"):
            names.add(norm(source.extra["order_id"]))
    names |= reg.date_names | reg.week_names | reg.month_names | set(reg.dimension_names) | reg.pii_names
    return frozenset(names)


def metric_exists(key: str) -> bool:
    return key in load_catalog()
