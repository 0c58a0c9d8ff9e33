"""Goal sentences in zh-TW and English: small explicit grammars and the SMART check (SPEC §6).

The parser is a pipeline of grammars over one normalised sentence (:mod:`.tokens`): the
period grammar (:mod:`.periods`, :mod:`.dates`) claims its words first, then the cadence,
the metric phrases (:mod:`.metrics`, from the catalog's aliases), and the number grammar
(:mod:`.numbers`) reads what is left, so a number that belongs to a period is never the
target; :mod:`.targets` decides what kind of target it is. :mod:`.verdicts` judges each SMART
letter, with :mod:`.sanity` (impossible targets) and :mod:`.achievable` (history, benchmarks).

Everything pages, the CLI and ``core.plans`` use is re-exported here.
"""

from core.smart.achievable import HistoryGrowth, history_growth, required_change
from core.smart.criteria import CRITERIA, Criterion, Verdict
from core.smart.fmt import describe_target, format_level
from core.smart.metrics import VAGUE_PHRASES
from core.smart.numbers import zh_to_number
from core.smart.parse import INVALID_DATE_NOTE, default_start, invalid_date, is_blank, parse_goal
from core.smart.sanity import GROWTH_CEILING_PCT
from core.smart.tokens import detect_language
from core.smart.understood import understood_items
from core.smart.verdicts import SmartResult, check_smart, core_metrics

__all__ = [
    "CRITERIA", "GROWTH_CEILING_PCT", "INVALID_DATE_NOTE", "VAGUE_PHRASES", "Criterion",
    "HistoryGrowth", "SmartResult", "Verdict", "check_smart", "core_metrics", "default_start",
    "describe_target", "detect_language", "format_level", "history_growth", "invalid_date",
    "is_blank", "parse_goal", "required_change", "understood_items", "zh_to_number",
]
