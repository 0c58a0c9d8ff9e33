"""``parse_goal``: a goal sentence in zh-TW or English, understood.

The grammars run in a fixed order over :class:`~core.smart.tokens.Claims`: the period claims
its words first (so 「Q3」, 「114 年」, 「第 2 季」 never become the target), then the cadence,
the metric phrases and the rank; the number grammar reads what is left.

Decisions worth knowing:

* Relative periods (「一年內」, "within 6 months") and deadlines ("by Dec 2025", 「年底前」) start
  at ``start``; without one, ``start`` is the first day of the current month. Quarters and
  halves without a year are the next such quarter or half from ``start``.
* A deadline that names a day ends on that day; a day that does not exist (2025-02-30) is kept
  in ``ParsedGoal.notes`` (see :func:`invalid_date`) and fails Time-bound.
* An absolute increase of followers (「IG 追蹤數成長 10,000 人」) becomes a count of
  ``new_followers`` per cadence, or per ``"period"`` without one. On other metrics an absolute
  increase is a ``count_per_cadence`` too, flagged ``increment=True`` (「營收增加 100 萬」).
* A decrease is a negative ``change_pct`` (「CPA 降低 20%」 → −20); "reduce churn to 3%" is a
  level of 0.03 with direction ``decrease``.
* A sentence's own starting point (「從 80 萬提升到 100 萬」, "from 2% to 2.5%") is its baseline.
* Two readings are kept, never guessed: a phrase the business type does not resolve keeps
  every metric in ``metric_readings``; 「成長 2 倍」 keeps the other reading in ``alternatives``.
* A sentence in another script (kana, hangul, Cyrillic, ...) or with nothing recognisable is
  *not understood*. Only an empty sentence raises (``KgiError("smart.empty")``); pages and the
  CLI use :func:`is_blank` first.
"""

from __future__ import annotations

import re
from datetime import date

from core.catalog import Metric, load_catalog
from core.errors import KgiError
from core.goals import ParsedGoal
from core.i18n import normalize_language
from core.smart.dates import PeriodHit
from core.smart.metrics import VAGUE_PHRASES, find_metrics, resolve
from core.smart.periods import claim_cadence, claim_periods
from core.smart.targets import parse_target
from core.smart.tokens import FOREIGN_RE, Claims, canon, detect_language

# ParsedGoal has no field for a date that does not exist; the parser leaves it in ``notes``
# with this prefix so Time-bound can name it instead of saying "no deadline".
INVALID_DATE_NOTE = "invalid_date:"
# Longer than this is not one goal sentence; it is not parsed (hostile input costs nothing).
MAX_GOAL_CHARS = 500
TOO_LONG_NOTE = "too_long:"
# Two different periods in one sentence: "two_periods:2025-01-01 → 2025-12-31|… → 2026-12-31".
TWO_PERIODS_NOTE = "two_periods:"

# Words that say the sentence reports on a period rather than sets a goal for it.
_REVIEW_RE = r"去年|上一?季|上個月|\blast (?:year|quarter|month)\b|\b(?:grew|was|were|achieved|reached|increased|rose)\b|成長了|達到了|增加了"


def default_start(today: date | None = None) -> date:
    """The first day of the current month: where relative periods start without a workspace."""
    return (today or date.today()).replace(day=1)


def is_blank(text: str | None) -> bool:
    """True for a sentence with nothing to parse (empty, spaces, a cleared input)."""
    return text is None or not str(text).strip()


def _describe(hit: PeriodHit) -> str:
    if hit.period is not None:
        return f"{hit.period.start.isoformat()} → {hit.period.end.isoformat()}"
    return (hit.deadline or hit.invalid_date or "?").__str__()


def two_periods(goal: ParsedGoal) -> tuple[str, str] | None:
    """The two different periods a sentence named, if it named two."""
    for note in goal.notes:
        if note.startswith(TWO_PERIODS_NOTE):
            first, _, second = note.removeprefix(TWO_PERIODS_NOTE).partition("|")
            return first, second
    return None


def invalid_date(goal: ParsedGoal) -> str | None:
    """The impossible day the sentence named ("2025-02-30"), if any."""
    for note in goal.notes:
        if note.startswith(INVALID_DATE_NOTE):
            return note.removeprefix(INVALID_DATE_NOTE)
    return None


def parse_goal(text: str, lang: str | None = None, start: date | None = None, *,
               business_type: str | None = None) -> ParsedGoal:
    """Parse a goal sentence in zh-TW or English.

    Parameters
    ----------
    text : str
        The sentence, e.g. 「2024 年全年營收成長 30%」 or "Grow organic traffic 50% by Dec 2025".
    lang : str, optional
        Language for messages; default: the sentence's own (:func:`detect_language`).
    start : date, optional
        Start of relative periods, deadlines and year-less quarters (the workspace's period
        start); default the first day of the current month.
    business_type : str, optional
        Resolves words that name different metrics per business type (catalog aliases that
        several metrics share, such as 「點擊率」 or 「訂閱數」).

    Raises
    ------
    KgiError
        ``smart.empty`` for an empty or blank sentence.
    """
    if is_blank(text):
        raise KgiError("smart.empty")
    text = str(text).strip()
    lang = normalize_language(lang) if lang else detect_language(text)
    start = start or default_start()
    goal = ParsedGoal(text=text, lang=lang, start=start)
    if len(text) > MAX_GOAL_CHARS:
        goal.understood = False
        goal.notes = (f"{TOO_LONG_NOTE}{len(text)}",)
        return goal
    if FOREIGN_RE.search(text):
        goal.foreign_script = True
        goal.understood = False
        return goal

    claims = Claims(canon(text))
    hits = claim_periods(claims, start)
    hit = hits[0] if hits else None
    others = [h for h in hits[1:] if (h.period, h.deadline) != (hit.period, hit.deadline)] if hit else []
    if hit is not None and others:
        # Two different periods (「2025 年 … 2026 年底前」): keep both, never pick one silently.
        first, second = (_describe(h) for h in (hit, others[0]))
        goal.notes = (*goal.notes, f"{TWO_PERIODS_NOTE}{first}|{second}")
    if hit is not None:
        goal.period = hit.period
        goal.period_relative = hit.relative
        goal.deadline = hit.deadline
        if hit.invalid_date:
            goal.notes = (*goal.notes, INVALID_DATE_NOTE + hit.invalid_date)
    goal.cadence = claim_cadence(claims)
    goal.review = bool(re.search(_REVIEW_RE, claims.text + " ".join(w for _, w in claims.claimed)))
    metric = _claim_metric(goal, claims, business_type)
    parse_target(goal, claims.text, metric)
    _apply_flow_rule(goal)
    if goal.target and goal.target.kind == "rank" and goal.metric in (None, "keywords_top3"):
        goal.metric = "keyword_position"
    if not any((goal.metric, goal.metric_readings, goal.direction, goal.target, goal.period,
                goal.cadence, goal.deadline, goal.notes)):
        goal.understood = False
    return goal


def _claim_metric(goal: ParsedGoal, claims: Claims, business_type: str | None) -> Metric | None:
    """Find the metric phrases, resolve shared ones by business type, blank them out (§)."""
    spans = find_metrics(claims.text)
    if any(sp.metric != "reach" for sp in spans):
        # "Reach 50,000 paid members": the English verb, not the metric Reach.
        spans = [sp for sp in spans if not (sp.metric == "reach" and sp.phrase == "reach")]
    readings = [resolve(sp.metrics, business_type) for sp in spans]
    keys = list(dict.fromkeys(r[0] for r in readings if len(r) == 1))
    shared = next((r for r in readings if len(r) > 1), None)
    if shared is not None and not keys:
        goal.metric_readings = shared
        goal.metric_phrase = spans[readings.index(shared)].phrase
    elif keys:
        goal.metric = keys[0]
        goal.other_metrics = tuple(keys[1:])
        goal.metric_phrase = spans[readings.index((keys[0],))].phrase
        vague = [sp.phrase for sp in spans if sp.phrase in VAGUE_PHRASES]
        goal.vague_term = vague[0] if vague else None
    text = claims.text
    for sp in spans:
        text = text[: sp.start] + "§" * (sp.end - sp.start) + text[sp.end:]
    claims.text = text
    catalog = load_catalog()
    if goal.metric:
        return catalog[goal.metric]
    if goal.metric_readings:
        # Units decide how a number reads (3% → 0.03): use them when every reading agrees.
        units = {catalog[k].unit for k in goal.metric_readings}
        return catalog[goal.metric_readings[0]] if len(units) == 1 else None
    return None


def _apply_flow_rule(goal: ParsedGoal) -> None:
    """An increment of followers is new followers: +10,000 followers → new_followers.

    Only followers: paid members also leave (churn), so "+5,000 paid members" stays a
    change of the stock rather than becoming trial conversions.
    """
    if goal.target is None or goal.target.kind != "count_per_cadence" or goal.metric is None:
        return
    for identity in load_catalog().identities_for(goal.metric):
        if identity.kind == "stock" and identity.flow == "new_followers":
            goal.metric = identity.flow
            goal.increment = False
            return
