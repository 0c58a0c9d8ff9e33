"""What kind of target a number is: a change, a level, a ceiling, a count per cadence, a rank.

Works on the sentence left after the period, cadence and metric grammars claimed their
words; ``§`` stands where a metric phrase was. Units follow docs/ARCHITECTURE.md (see
:mod:`core.goals`): ``change_pct`` in percent, levels in the metric's unit (0.03 for 3%).
"""

from __future__ import annotations

import re

from core.catalog import Metric
from core.goals import ParsedGoal, Target
from core.smart.numbers import Number, find_numbers

INCREASE = (r"成長|提升|增加|提高|突破|增長|上升|拉高|擴大|新增|衝高|衝到|翻倍|增|多|"
            r"\bgrow(?:s|th|ing)?\b|\bincreas\w*|\braise\b|\bboost\w*|\blift\b|\bdoubl\w*|\btripl\w*|"
            r"\bgain\w*|\bexpand\w*|\badd\w*|\bup\b|\bmore\b|\bhigher\b|\bclimb\w*|\brise\b|\bscale\b|\bget\b")
DECREASE = (r"降低|減少|低於|下降|降至|降到|壓低|壓到|縮減|減|降|少於|不超過|以下|"
            r"\breduc\w*|\bcut\w*|\blower\w*|\bdecreas\w*|\bdrop\w*|\bunder\b|\bbelow\b|\bless\b|"
            r"\bdeclin\w*|\bshrink\w*|\bfall\w*|\bdown\b|\bbring down\b|\bminimi[sz]e\b")
REACH = (r"達到|達成|達|做到|拚到|維持|穩定|保持|進入|至少|"
         r"\breach\w*|\bhit\b|\bachiev\w*|\bmaintain\w*|\bkeep\b|\bstay\w*|\battain\w*|\bat least\b")
IMPROVE = r"優化|改善|改進|更好|變好|\bimprov\w*|\boptimi[sz]\w*|\bbetter\b"
# 「比去年好」, "better than last year": a direction against last year, without a number.
VS_LAST_YEAR = r"比去年|較去年|than last year|(?:over|vs\.?|versus) last year|\bbeat last year"
_CEILING = (r"低於|少於|不超過|不高於|以下|以內|之下|控制在|壓在|"
            r"\bunder\b|\bbelow\b|\bless than\b|\bat most\b|\bno more than\b|\blower than\b|\bmax(?:imum)?\b|≤|<=|<")
_THRESHOLD = (r"至少|以上|不少於|不低於|最少|起碼|或以上|"
              r"\bat least\b|\bor more\b|\bminimum\b|\bno less than\b|\bmore than\b|\bover\b|≥|>=|超過")
_BREAK = r"突破|衝破|(?<![突衝])破|\bbreak\w*|\bpast\b|\bsurpass\w*|\bexceed\w*|\btop\b(?!\s*\d)|\bcross\w*"
_TO = (r"(?:到|至|達到?|達成|做到|拚到|為|在|\bto\b|\bat\b|\breach\w*|\bhit\b|\bof\b|\bkeep\b|\bmaintain\b)"
       r"\s*[:：]?\s*$")
RELATIVE = r"相對|\brelative(?:ly)?\b"
# 「成長 2 倍」: ×2 or +200%? Taiwanese usage has both; 「成長到 2 倍」 / 「翻 2 倍」 is ×2.
_GROW_BY_TIMES = r"(?:成長|增加|提升|提高|增長)了?$"
_RANK_RE = re.compile(r"前\s*(?P<n>\d+)\s*名?|\btop[\s-]*(?P<n2>\d+)\b|第\s*(?P<n3>\d+)\s*名|"
                      r"\b(?:position|rank(?:ing)?)\s*#?\s*(?P<n4>\d+)\b|#(?P<n5>\d+)\b")


def _last_match(pattern: str, text: str) -> re.Match[str] | None:
    found = None
    for m in re.finditer(pattern, text):
        found = m
    return found


_DIRECTIONS = (("increase", INCREASE), ("decrease", DECREASE), ("reach", REACH), ("improve", IMPROVE))


def direction_near(r: str, pos: int, metric: Metric | None) -> str | None:
    """The direction word nearest before ``pos`` (else the first after it)."""
    before, after = r[:pos], r[pos:]
    best: tuple[int, str] | None = None
    for name, pattern in _DIRECTIONS:
        m = _last_match(pattern, before)
        if m and (best is None or m.end() > best[0]):
            best = (m.end(), name)
    if best is None:
        firsts = []
        for name, pattern in _DIRECTIONS:
            m = re.search(pattern, after)
            if m:
                firsts.append((m.start(), name))
        best = min(firsts) if firsts else None
    if best is None:
        return None
    name = best[1]
    if name == "improve":
        return "decrease" if metric is not None and not metric.higher_is_better else "increase"
    return name


def in_metric_units(number: Number, metric: Metric | None) -> float:
    """A level in the metric's unit: percent metrics are fractions (5% → 0.05, "CTR 3" → 0.03).

    A minus written before a level keeps it ("reach -100 orders" is −100, which then fails as
    impossible, rather than silently becoming 100)."""
    value = number.value
    if metric is not None and metric.unit == "percent" and (number.is_percent or number.value >= 1):
        value = number.value / 100
    return -value if number.sign == "-" else value


def parse_target(goal: ParsedGoal, r: str, metric: Metric | None) -> None:
    """Fill ``goal``'s target, direction, baseline and flags from the unclaimed words ``r``."""
    rank = _RANK_RE.search(r)
    if rank:
        n = next(int(g) for g in rank.groups() if g)
        goal.target = Target("rank", float(n))
        goal.direction = "reach"
        return
    numbers = find_numbers(r)
    if len(numbers) > 1:
        # A bare year the period grammar did not read ("… of 2026") is never the target
        # when the sentence has another number.
        numbers = [n for n in numbers if not _year_like(n, r)] or numbers
    # A number glued to a period word the grammar did not claim (「3 季」, 「7 月」, 3Q) is
    # never a target: better no target (Measurable fails and says so) than a wrong one.
    numbers = [n for n in numbers if not _period_like(n, r)]
    if not numbers:
        _target_without_number(goal, r, metric)
        return
    frm = re.search(r"(?:從|由|\bfrom\b)\s*$", r[: numbers[0].start])
    if frm and len(numbers) >= 2:
        goal.baseline = in_metric_units(numbers[0], metric)
        number = numbers[1]
    else:
        number = numbers[0]
    goal.currency = number.currency
    index = numbers.index(number)
    pre_start = numbers[index - 1].end if index > 0 else 0
    pre = r[max(pre_start, number.start - 24): number.start]
    post = r[number.end: number.end + 16].split("|")[0]
    direction = direction_near(r, number.start, metric)
    kind, value, direction = _classify(number, pre, post, direction, metric, goal.cadence)
    if kind == "change_pct" and metric is not None and metric.is_rate and not re.search(RELATIVE, r):
        goal.ambiguous_rate = True
    if kind == "count_per_cadence":
        goal.increment = bool(re.search(INCREASE, pre + post) or number.sign == "+")
    if goal.baseline is not None and kind == "level" and value != goal.baseline:
        # 「從 2% 提升到 3%」: the sentence's own start says which way the level lies.
        direction = "increase" if value > goal.baseline else "decrease"
    goal.direction = direction
    goal.target = Target(kind, value, goal.cadence or ("period" if kind == "count_per_cadence" else None))
    if number.is_times and kind == "change_pct" and re.search(_GROW_BY_TIMES, pre.strip()):
        if number.value <= 1:  # 「成長一倍」: +100% (×1 would be no growth at all)
            goal.target = Target("change_pct", number.value * 100, goal.target.cadence)
        else:
            goal.alternatives = (Target("change_pct", number.value * 100),)


def _year_like(number: Number, r: str) -> bool:
    written = r[number.start:number.end].strip().lstrip("+-")
    return bool(re.fullmatch(r"20\d{2}", written)) and number.unit is None and number.currency is None


def _period_like(number: Number, r: str) -> bool:
    written = r[number.start:number.end]
    first = number.start + len(written) - len(written.lstrip())  # the match may start on a space
    before = r[first - 1] if first > 0 else ""
    after = r[number.end:number.end + 1]
    return number.unit is None and (after in ("月", "季", "年", "q", "h") or before in ("q", "h"))


def _target_without_number(goal: ParsedGoal, r: str, metric: Metric | None) -> None:
    """'double revenue', 「營收翻倍」: a target in words; otherwise only a direction."""
    if re.search(r"翻倍|\bdoubl\w*", r):
        goal.target, goal.direction = Target("change_pct", 100.0), "increase"
    elif re.search(r"\btripl\w*", r):
        goal.target, goal.direction = Target("change_pct", 200.0), "increase"
    elif re.search(r"減半|\bhalve\w*", r):
        goal.target, goal.direction = Target("change_pct", -50.0), "decrease"
    else:
        goal.direction = direction_near(r, len(r), metric)
        vs = re.search(VS_LAST_YEAR, r)
        if vs:
            goal.reference = "last_year"
            if goal.direction is None or re.search(r"好|佳|better|beat", r[vs.end():] + r[:vs.start()]):
                better_is_lower = metric is not None and not metric.higher_is_better
                goal.direction = "decrease" if better_is_lower else "increase"


def _classify(number: Number, pre: str, post: str, direction: str | None,
              metric: Metric | None, cadence: str | None) -> tuple[str, float, str | None]:
    """Kind of target, its value (ARCHITECTURE conventions) and the direction."""
    near_pre = pre[-10:]
    decreasing = direction == "decrease" or number.sign == "-"
    sign = -1.0 if decreasing else 1.0
    if number.is_points:
        return "change_pp", sign * number.value, "decrease" if decreasing else "increase"
    if re.search(_CEILING, near_pre) or re.search(_CEILING, post[:8]):
        return "ceiling", in_metric_units(number, metric), "decrease"
    percent_on_count = number.is_percent and (metric is None or metric.unit != "percent")
    if cadence and not number.is_percent and not number.is_times:
        return "count_per_cadence", number.value, direction or "increase"
    threshold = re.search(_THRESHOLD, near_pre) or re.search(_THRESHOLD, post[:8]) or post.startswith("+")
    if threshold and not percent_on_count:
        return "threshold", in_metric_units(number, metric), direction or "reach"
    if number.is_times:
        if metric is not None and metric.unit == "ratio":
            return "level", number.value, direction or "reach"
        return "change_pct", (number.value - 1) * 100, "increase"
    if percent_on_count:
        if direction is None and number.sign is None:
            return "change_pct", number.value, None
        return "change_pct", sign * number.value, "decrease" if decreasing else "increase"
    if re.search(_BREAK, near_pre):
        return "level", in_metric_units(number, metric), "increase"
    if re.search(_TO, pre):
        return "level", in_metric_units(number, metric), direction or "reach"
    if number.is_percent and (number.sign or direction in ("increase", "decrease")):
        return "change_pct", sign * number.value, "decrease" if decreasing else "increase"
    if number.sign and not number.is_percent:
        return "count_per_cadence", sign * number.value, "decrease" if decreasing else "increase"
    if direction in ("increase", "decrease") and not number.is_percent:
        # 「追蹤數成長 10,000 人」: an amount added over the period.
        return "count_per_cadence", sign * number.value, direction
    return "level", in_metric_units(number, metric), direction or "reach"
