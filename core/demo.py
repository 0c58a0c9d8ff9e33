"""The demo workspace: a Taiwanese tea shop with two years of plausible daily data.

"茶葉電商（示範）" ("Demo Tea Shop" in English) sells tea online. Its plan is the article's e-commerce row — revenue +50%
for the year, conversion rate +10%, AOV +15%, ROAS 5.0 — plus organic traffic +20% and an
email open rate of 25%. The data is built so the dashboard tells a story today:

- traffic grew about 30% on last year and AOV about 16% (gift boxes sell well): on track;
- the conversion rate slipped about 8% instead of rising 10%: off track, and it is the driver
  that explains why revenue (+~40%) is behind its +50%;
- ROAS sits around 4.4 against 5.0: at risk.

Everything is seeded, so two demos built on the same day hold the same numbers. The period is
the current calendar year (the previous one in January and February, when too little of the
year has passed to show anything), with the year before it as history for baselines and the
seasonal split. Seasonality follows the Taiwanese retail calendar: Chinese New Year gift
buying (and the holiday lull), 618, Mid-Autumn gift boxes, Double 11 and Christmas.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from core.errors import KgiError
from core.i18n import DEFAULT_LANGUAGE, normalize_language, t
from core.models import ImportBatch, Kgi, Observation, Workspace
from core.workspaces import create_workspace

DEMO_NAME = "茶葉電商（示範）"  # the zh-TW name; t("demo.name", lang) in general
SEED = 20240618

# Chinese New Year's Day (lunar new year) by Gregorian year.
_CNY = {
    2022: date(2022, 2, 1), 2023: date(2023, 1, 22), 2024: date(2024, 2, 10),
    2025: date(2025, 1, 29), 2026: date(2026, 2, 17), 2027: date(2027, 2, 6),
    2028: date(2028, 1, 26), 2029: date(2029, 2, 13), 2030: date(2030, 2, 3),
    2031: date(2031, 1, 23), 2032: date(2032, 2, 11),
}
# Mid-Autumn Festival by year (tea gift boxes sell in the two weeks before).
_MID_AUTUMN = {
    2022: date(2022, 9, 10), 2023: date(2023, 9, 29), 2024: date(2024, 9, 17),
    2025: date(2025, 10, 6), 2026: date(2026, 9, 25), 2027: date(2027, 9, 15),
    2028: date(2028, 10, 3), 2029: date(2029, 9, 22), 2030: date(2030, 9, 12),
    2031: date(2031, 10, 1), 2032: date(2032, 9, 19),
}
_WEEKDAY = np.array([1.0, 1.02, 1.0, 0.98, 0.95, 0.88, 1.08])  # Mon..Sun
_CHANNELS = {  # GA4 default channel group → share of sessions (last year, this year)
    "Organic Search": (0.33, 0.36),
    "Paid Social": (0.21, 0.20),
    "Paid Search": (0.15, 0.15),
    "Direct": (0.16, 0.14),
    "Email": (0.08, 0.08),
    "Referral": (0.07, 0.07),
}
_CHANNEL_CR = {"Organic Search": 0.9, "Paid Social": 0.8, "Paid Search": 1.4, "Direct": 1.3,
               "Email": 1.5, "Referral": 0.8}
_CAMPAIGNS = {
    "meta_ads": {"FB｜春季新茶上市": 0.45, "IG｜高山茶禮盒": 0.35, "FB｜再行銷 30 天": 0.20},
    "google_ads": {"搜尋｜品牌字": 0.4, "購物廣告｜全商品": 0.6},
}


@dataclass(frozen=True)
class DemoCalendar:
    """The demo's dates: history from ``data_start``, the plan's year from ``period_start``."""

    period_start: date
    data_start: date
    data_end: date

    @classmethod
    def for_today(cls, today: date) -> DemoCalendar:
        year = today.year if today.month >= 3 else today.year - 1
        return cls(date(year, 1, 1), date(year - 1, 1, 1), today - timedelta(days=1))

    def days(self) -> pd.DatetimeIndex:
        return pd.date_range(self.data_start, self.data_end, freq="D")


def _season(days: pd.DatetimeIndex) -> np.ndarray:
    """Daily demand multiplier from the retail calendar."""
    mult = np.ones(len(days))
    as_dates = days.date
    for i, d in enumerate(as_dates):
        for eve in (c for c in (_CNY.get(d.year), _CNY.get(d.year + 1)) if c):
            lead = (eve - d).days
            if 3 <= lead <= 24:  # gift buying in the three weeks before
                mult[i] *= 1.55
            elif -6 <= lead < 3:  # holiday: logistics stop, people travel
                mult[i] *= 0.55
        if d.month == 6 and d.day <= 18:
            mult[i] *= 1.35 if d.day < 16 else 1.7
        moon = _MID_AUTUMN.get(d.year)
        if moon and 0 <= (moon - d).days <= 14:
            mult[i] *= 1.45
        if d.month == 11 and d.day <= 11:
            mult[i] *= 1.5 if d.day < 9 else 2.4
        if d.month == 12 and 10 <= d.day <= 24:
            mult[i] *= 1.2
        if d.month in (7, 8):
            mult[i] *= 0.88  # summer: hot tea sells less
    return mult * _WEEKDAY[days.day_of_week]


def _this_year(days: pd.DatetimeIndex, cal: DemoCalendar) -> np.ndarray:
    return np.asarray(days >= pd.Timestamp(cal.period_start))


def _rows(days: pd.DatetimeIndex, metric: str, values: np.ndarray, dimension: str = "") -> pd.DataFrame:
    return pd.DataFrame({"date": days.date, "metric": metric, "value": values.astype(float),
                         "dimension": dimension})


def _ga4(cal: DemoCalendar, rng: np.random.Generator) -> pd.DataFrame:
    days = cal.days()
    n = len(days)
    now = _this_year(days, cal)
    season = _season(days)
    # Traffic: ~3,000 sessions a day last year, +25% this year, drifting up through the year.
    progress = np.clip((days - pd.Timestamp(cal.period_start)).days / 365.0, 0, 1)
    growth = np.where(now, 1.2 + 0.2 * progress, 1.0)
    sessions_total = 3000 * season * growth * rng.lognormal(0, 0.06, n)
    # Gift seasons convert better; this year's site redesign converts ~8% worse.
    cr = 0.020 * np.where(now, 0.92, 1.0) * (1 + 0.15 * (season > 1.3))
    aov = 1150 * np.where(now, 1.16, 1.0) * (1 + 0.12 * (season > 1.3))
    frames = []
    for channel, (share_then, share_now) in _CHANNELS.items():
        share = np.where(now, share_now, share_then)
        sessions = np.round(sessions_total * share * rng.lognormal(0, 0.05, n))
        orders = rng.poisson(np.maximum(sessions * cr * _CHANNEL_CR[channel] * 0.935, 0))
        revenue = np.round(orders * aov * rng.lognormal(0, 0.08, n))
        frames += [
            _rows(days, "sessions", sessions, channel),
            _rows(days, "orders", orders, channel),
            _rows(days, "conversions", orders, channel),  # GA4 purchases are the key event
            _rows(days, "revenue", revenue, channel),
        ]
        if channel == "Organic Search":
            frames.append(_rows(days, "organic_sessions", sessions, channel))
    return pd.concat(frames, ignore_index=True)


def _ads(cal: DemoCalendar, rng: np.random.Generator, source: str, daily_spend: float) -> pd.DataFrame:
    days = cal.days()
    n = len(days)
    now = _this_year(days, cal)
    season = _season(days)
    roas = np.where(now, 4.4, 4.6) * (1 + 0.1 * (season > 1.3))
    cpc = 9.0 if source == "meta_ads" else 14.0
    ctr = 0.012 if source == "meta_ads" else 0.045
    frames = []
    for campaign, share in _CAMPAIGNS[source].items():
        spend = np.round(daily_spend * share * np.sqrt(season) * np.where(now, 1.2, 1.0)
                         * rng.lognormal(0, 0.1, n))
        clicks = np.round(spend / cpc * rng.lognormal(0, 0.08, n))
        impressions = np.round(clicks / ctr * rng.lognormal(0, 0.08, n))
        value = np.round(spend * roas * rng.lognormal(0, 0.15, n))
        conversions = rng.poisson(np.maximum(value / 1250, 0))
        frames += [
            _rows(days, "ad_spend", spend, campaign),
            _rows(days, "impressions", impressions, campaign),
            _rows(days, "clicks", clicks, campaign),
            _rows(days, "conversions", conversions, campaign),
            _rows(days, "conversion_value", value, campaign),
        ]
    return pd.concat(frames, ignore_index=True)


def _mailchimp(cal: DemoCalendar, rng: np.random.Generator) -> pd.DataFrame:
    days = cal.days()
    send = np.isin(days.day_of_week, (1, 4))  # newsletters on Tuesdays and Fridays
    days = days[send]
    n = len(days)
    now = _this_year(days, cal)
    list_size = np.where(now, 21000, 18000) * (1 + 0.1 * rng.random(n))
    delivered = np.round(list_size)
    opens = np.round(delivered * np.where(now, 0.27, 0.24) * rng.lognormal(0, 0.06, n))
    clicks = np.round(delivered * 0.032 * rng.lognormal(0, 0.1, n))
    revenue = np.round(clicks * 0.05 * 1300 * rng.lognormal(0, 0.15, n))
    return pd.concat([
        _rows(days, "emails_delivered", delivered),
        _rows(days, "email_opens", opens),
        _rows(days, "email_clicks", clicks),
        _rows(days, "email_revenue", revenue),
    ], ignore_index=True)


def _search_console(cal: DemoCalendar, rng: np.random.Generator) -> pd.DataFrame:
    days = cal.days()
    n = len(days)
    now = _this_year(days, cal)
    season = _season(days)
    impressions = np.round(60000 * season * np.where(now, 1.3, 1.0) * rng.lognormal(0, 0.07, n))
    clicks = np.round(impressions * 0.018 * rng.lognormal(0, 0.06, n))
    position = np.round(np.where(now, 8.1, 9.4) + rng.normal(0, 0.4, n), 1)
    return pd.concat([
        _rows(days, "impressions", impressions),
        _rows(days, "clicks", clicks),
        _rows(days, "keyword_position", position),
    ], ignore_index=True)


def demo_observations(cal: DemoCalendar, seed: int = SEED) -> dict[str, pd.DataFrame]:
    """Daily observations per source (columns date, metric, value, dimension); deterministic."""
    rng = np.random.default_rng(seed)
    return {
        "ga4": _ga4(cal, rng),
        "meta_ads": _ads(cal, rng, "meta_ads", 9000),
        "google_ads": _ads(cal, rng, "google_ads", 6000),
        "mailchimp": _mailchimp(cal, rng),
        "search_console": _search_console(cal, rng),
    }


def bulk_insert(
    engine: Engine, workspace_id: int, source: str, frame: pd.DataFrame, file_name: str
) -> int:
    """Store ``frame`` (date, metric, value, dimension) as one import batch, fast.

    One SQLAlchemy Core ``insert`` of plain dicts in one transaction: tens of thousands of
    rows in well under a second, where one ORM object per row would take minutes. Only for
    generated data on a fresh workspace (nothing to supersede).
    """
    dates = pd.to_datetime(frame["date"])
    digest = hashlib.sha256(f"{file_name}:{workspace_id}:{source}".encode()).hexdigest()
    with engine.begin() as conn:
        batch_id = conn.execute(
            insert(ImportBatch).values(
                workspace_id=workspace_id, file_name=file_name, file_hash=digest, source=source,
                status="imported", rows=len(frame), metrics=sorted(frame["metric"].unique().tolist()),
                start=dates.min().date(), end=dates.max().date(), replaced=0, errors=[],
                created_at=pd.Timestamp.now(tz="UTC").to_pydatetime(),
            ).returning(ImportBatch.id)
        ).scalar_one()
        rows = [
            {"workspace_id": workspace_id, "metric": m, "date": d, "granularity": "day",
             "value": float(v), "source": source, "dimension": dim, "import_id": batch_id,
             "superseded_by": None}
            for d, m, v, dim in zip(
                dates.dt.date, frame["metric"], frame["value"], frame["dimension"], strict=True
            )
        ]
        conn.execute(insert(Observation), rows)
    return int(batch_id)


def _free_name(engine: Engine, lang: str) -> str:
    name = t("demo.name", lang)
    with engine.connect() as conn:
        taken = set(conn.execute(select(Workspace.name)).scalars())
    if name not in taken:
        return name
    number = 2
    while f"{name} {number}" in taken:
        number += 1
    return f"{name} {number}"


def _plan(engine: Engine, ws: Workspace, year: int, lang: str) -> None:
    from core.plans import apply_templates, get_plan, save_kgi, save_kpi

    save_kgi(engine, ws.id, t("demo.kgi", lang, year=year), lang=lang)
    with engine.begin() as conn:  # gift seasons: split the year's target like last year's sales
        conn.execute(update(Kgi).where(Kgi.workspace_id == ws.id).values(split="seasonal"))
    apply_templates(engine, ws.id)
    sources = {"conversion_rate": ["ga4"], "aov": ["ga4"], "roas": ["meta_ads", "google_ads"]}
    for kpi in get_plan(engine, ws.id).kpis:
        if kpi.metric in sources:
            save_kpi(engine, ws.id, kpi_id=kpi.id, metric=kpi.metric, target_kind=kpi.target_kind,
                     target_value=kpi.target_value, cadence=kpi.cadence, sources=sources[kpi.metric],
                     label=kpi.label, template_key=kpi.template_key)
    save_kpi(engine, ws.id, metric="organic_sessions", target_kind="change_pct", target_value=20,
             sources=["ga4"], label=t("demo.kpi.organic_sessions", lang))
    save_kpi(engine, ws.id, metric="open_rate", target_kind="level", target_value=0.25,
             sources=["mailchimp"], label=t("demo.kpi.open_rate", lang))


def create_demo(engine: Engine, *, today: date | None = None, lang: str = DEFAULT_LANGUAGE) -> Workspace:
    """Create the demo workspace with its plan and data, in the user's language; returns it.

    The name is "茶葉電商（示範）" (English: "Demo Tea Shop"), or "… 2"... when taken; the
    KGI sentence, the KPI labels and the workspace language follow ``lang``.
    """
    lang = normalize_language(lang)
    cal = DemoCalendar.for_today(today or date.today())
    ws = create_workspace(
        engine, _free_name(engine, lang), "ecommerce", currency="TWD", language=lang,
        period_start=cal.period_start, period_months=12, is_demo=True,
    )
    try:
        for source, frame in demo_observations(cal).items():
            bulk_insert(engine, ws.id, source, frame, f"demo-{source}.csv")
        _plan(engine, ws, cal.period_start.year, lang)
    except Exception as exc:
        _drop(engine, ws.id)
        if isinstance(exc, KgiError):
            raise
        raise KgiError("track.demo_failed") from exc
    return ws


def _drop(engine: Engine, workspace_id: int) -> None:
    """Remove a half-built demo so a failure leaves nothing behind."""
    from sqlalchemy import delete

    from core.models import Kpi

    with engine.begin() as conn:
        for table in (Observation, ImportBatch, Kpi, Kgi):
            conn.execute(delete(table).where(table.workspace_id == workspace_id))
        conn.execute(delete(Workspace).where(Workspace.id == workspace_id))
