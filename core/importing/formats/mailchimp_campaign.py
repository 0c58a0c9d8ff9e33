"""Mailchimp's single-campaign report: a key/value block, then sections, then clicks by URL.

::

    Email Campaign Report
    "Title:","Summer Sale Campaign"
    "Delivery Date/Time:","Mon, Apr 26, 2021 12:25"

    "Overall Stats"
    "Total Recipients:","1000"
    "Successful Deliveries:","995"
    "Recipients Who Opened:","350 (35.18%)"
    "Recipients Who Clicked:","100 (10.05%)"

    "Clicks by URL"
    "URL","Total Clicks","Unique Clicks"

There is no date column: the campaign's send date is a value of the block, and every figure
is one observation on that day, with the campaign title as the dimension. Counts written with
their percent (``350 (35.18%)``) give the count; rates are never stored (open and click rates
are ratios of the counts). See ``docs/formats/mailchimp_campaign.md``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from core.errors import KgiError
from core.importing.parsed import ColumnInfo
from core.importing.sources import get_source, norm
from core.importing.values import parse_dates, parse_numbers

if TYPE_CHECKING:
    from core.importing.decode import Decoded
    from core.importing.planning import _Context

KEY = "mailchimp_campaign"
HEAD_ROWS = 80  # the block sits at the top; the clicks-by-URL table below is not read
_TITLES = ("email campaign report", "campaign report", "ab campaign report", "a/b campaign report")
_DATE_KEYS = ("delivery date/time", "send date", "sent", "send time", "date sent", "sent on", "delivery date")
_NAME_KEYS = ("title", "campaign", "campaign name", "name")
# metric → keys, best first. Total (not unique) opens and clicks are never the metric.
_FIGURES: dict[str, tuple[str, ...]] = {
    "emails_delivered": ("successful deliveries", "delivered", "emails delivered"),
    "email_opens": ("recipients who opened", "unique opens", "opens", "opened"),
    "email_clicks": ("recipients who clicked", "unique clicks", "clicks", "clicked"),
    "email_revenue": ("total sales", "total revenue", "revenue"),
}
_RECIPIENTS = ("total recipients", "recipients")
_BOUNCES = ("bounces", "total bounces")
_STOP_SECTIONS = ("clicks by url", "click performance", "top links clicked", "opens by location")
_LEADING_COUNT = re.compile(r"^\s*([-+]?[\d][\d,]*(?:\.\d+)?)\s*(?:\(.*\))?\s*$")


@dataclass
class _Entry:
    key: str  # normalised, colon removed
    label: str  # as written
    value: str
    section: str
    row: int


@dataclass
class _Block:
    title: str = ""
    entries: list[_Entry] = field(default_factory=list)
    cut: str = ""  # label of an entry the file ends in the middle of

    def find(self, keys: tuple[str, ...]) -> list[_Entry]:
        """Entries of the first of ``keys`` present (one per section holding it)."""
        for key in keys:
            hits = [e for e in self.entries if e.key == key and e.value]
            if hits:
                return hits
        return []


def read(ctx: _Context, decoded: Decoded, requested: str) -> pd.DataFrame | None:
    """Observations of a single-campaign report, or None when the file is not one."""
    if requested not in ("auto", KEY):
        return None
    rows = _head_rows(decoded)
    block = _block(rows, cut_row=len(rows) if _ends_mid_line(decoded) else None)
    if block is None:
        if requested == KEY:
            raise KgiError("import.fmt.mailchimp_campaign_not_report", file=ctx.file_name)
        return None
    ctx.source = get_source(KEY)
    ctx.meta["tables"] = 0
    if any(ctx.mapping.values()):
        ctx.warn("import.fmt.mapping_not_used", columns=", ".join(k for k, v in ctx.mapping.items() if v),
                 source_en=ctx.source.label("en"), source_zh=ctx.source.label("zh-TW"))
    return _observations(ctx, block)


def _head_rows(decoded: Decoded) -> list[list[str]]:
    if decoded.kind == "text":
        text = decoded.text or ""
        head = text[: 64 * 1024]
        lines = head.splitlines()[:HEAD_ROWS]
        try:
            rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=decoded.delimiter or ","))
        except csv.Error:
            return []
    elif decoded.sheets:
        rows = [["" if c is None else str(c) for c in r] for r in decoded.sheets[0].rows[:HEAD_ROWS]]
    else:
        return []
    return [[c.strip() for c in r] for r in rows]


def _ends_mid_line(decoded: Decoded) -> bool:
    """A text file whose last line opens a quote it never closes was cut short there."""
    text = decoded.text or ""
    if decoded.kind != "text" or not text or text.endswith(("\n", "\r")) or text.count("\n") >= HEAD_ROWS:
        return False
    return text[text.rfind("\n") + 1 :].count('"') % 2 == 1


def _block(rows: list[list[str]], cut_row: int | None = None) -> _Block | None:
    """The key/value block, when the head of the file is one; None otherwise.

    ``cut_row``: the number of a last row the file ends in the middle of; its entry is kept
    aside (``_Block.cut``), never read as a figure.
    """
    block, section = _Block(), ""
    for number, cells in enumerate(rows, start=1):
        filled = [c for c in cells if c]
        if not filled:
            continue
        first = cells[0]
        if len(filled) == 1 and not first.endswith(":"):
            lowered = norm(first)
            if number <= 2 and lowered in _TITLES:
                block.title = first
                continue
            if lowered in _STOP_SECTIONS:
                break
            section = lowered
            continue
        if first.endswith(":") and len(cells) > 1:
            if number == cut_row:
                block.cut = first
                continue
            block.entries.append(_Entry(norm(first[:-1]), first, cells[1], section, number))
        elif block.entries:
            break  # a table header (URL, Total Clicks ...): the block is over
    keys = {e.key for e in block.entries}
    known = keys & {k for keys_ in _FIGURES.values() for k in keys_}
    if block.title and block.entries:
        return block  # the report's own first line: a cut or dateless one is still this report
    if len(block.entries) >= 3 and known and keys & set(_DATE_KEYS):
        return block
    return None


def _observations(ctx: _Context, block: _Block) -> pd.DataFrame:

    if block.cut:
        ctx.warn("import.fmt.mailchimp_campaign_cut_off", label=block.cut)
    date_entry = next(iter(block.find(_DATE_KEYS)), None)
    if date_entry is None:
        raise KgiError("import.fmt.mailchimp_campaign_no_date", file=ctx.file_name,
                       keys=", ".join(e.label for e in block.entries[:12]))
    day = _day(ctx, date_entry)
    name_entry = next(iter(block.find(_NAME_KEYS)), None)
    name = name_entry.value[:300] if name_entry else ""
    used: dict[str, str] = {}  # entry label → metric
    values: dict[str, float] = {}
    for metric, keys in _FIGURES.items():
        value = _figure(ctx, block.find(keys), used, metric)
        if value is not None:
            values[metric] = value
    if "emails_delivered" not in values:
        _deliveries_from_recipients(ctx, block, values, used)
    if not values:
        raise KgiError("import.fmt.mailchimp_campaign_no_figures", file=ctx.file_name)
    for entry in block.entries:
        role, metric = ("metric", used[entry.label]) if entry.label in used else ("ignored", None)
        if entry is date_entry:
            role = "date"
        elif entry is name_entry:
            role = "dimension"
        ctx.columns.append(ColumnInfo(name=entry.label, normalized=entry.key, metric=metric, role=role,
                                      samples=[entry.value[:60]],
                                      note=None if role != "ignored" else "import.note.not_imported"))
    ctx.meta["start"] = ctx.meta["end"] = day.date().isoformat()
    return pd.DataFrame({
        "date": [day] * len(values), "metric": list(values), "value": list(values.values()),
        "dimension": [name] * len(values), "granularity": ["day"] * len(values), "source": [KEY] * len(values),
    })


def _day(ctx: _Context, entry: _Entry) -> pd.Timestamp:
    parsed = parse_dates(pd.Series([entry.value], dtype=object), prefer="mon_d_y")
    day = parsed.dates.iloc[0]
    if pd.isna(day):
        raise KgiError("import.fmt.mailchimp_campaign_bad_date", file=ctx.file_name, key=entry.label,
                       value=entry.value[:60])
    if day.date() > ctx.today:
        raise KgiError("import.fmt.mailchimp_campaign_future", file=ctx.file_name, value=entry.value[:60],
                       today=ctx.today.isoformat())
    return pd.Timestamp(day.date())


def _count(ctx: _Context, text: str) -> float | None:
    """``350 (35.18%)`` → 350; ``1,751`` → 1751; ``CA$12.50`` → 12.5; anything else None."""
    match = _LEADING_COUNT.match(text)
    if match:
        return float(match.group(1).replace(",", ""))
    result = parse_numbers(pd.Series([text], dtype=object))
    if result.currency:
        ctx.currency = ctx.currency or result.currency
    value = result.values.iloc[0]
    return None if pd.isna(value) or bool(result.bad.iloc[0]) else float(value)


def _figure(ctx: _Context, entries: list[_Entry], used: dict[str, str], metric: str) -> float | None:
    """One figure: the overall section's, or the sum over A/B combination sections (said so)."""
    if not entries:
        return None
    overall = [e for e in entries if e.section in ("", "overall stats")]
    chosen = overall[:1] or entries
    numbers = [_count(ctx, e.value) for e in chosen]
    if any(n is None or n < 0 for n in numbers):
        ctx.warn("import.fmt.mailchimp_campaign_unreadable", label=chosen[0].label, value=chosen[0].value[:60])
        return None
    if len(chosen) > 1:
        ctx.warn("import.fmt.mailchimp_campaign_combinations", label=chosen[0].label, count=len(chosen))
    for entry in chosen:
        used[entry.label] = metric
    return float(sum(numbers))  # type: ignore[arg-type]


def _deliveries_from_recipients(ctx: _Context, block: _Block, values: dict[str, float], used: dict[str, Any]) -> None:
    """Deliveries = recipients − bounces when the report states both; never recipients alone."""
    recipients = block.find(_RECIPIENTS)
    bounces = block.find(_BOUNCES)
    if recipients and bounces:
        sent, bounced = _count(ctx, recipients[0].value), _count(ctx, bounces[0].value)
        if sent is not None and bounced is not None and 0 <= bounced <= sent:
            values["emails_delivered"] = sent - bounced
            used[recipients[0].label] = "emails_delivered"
            ctx.warn("import.fmt.mailchimp_campaign_delivered_derived", recipients=recipients[0].label,
                     bounces=bounces[0].label)
            return
    if recipients:
        ctx.warn("import.fmt.mailchimp_campaign_no_deliveries")
