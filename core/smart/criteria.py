"""One SMART letter's verdict, with its reason and fix in the chosen language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from core.i18n import t

Verdict = Literal["pass", "warn", "fail", "unknown"]
CRITERIA: tuple[str, ...] = ("specific", "measurable", "achievable", "relevant", "time_bound")


@dataclass(frozen=True)
class Criterion:
    verdict: Verdict
    reason: str
    fix: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"verdict": self.verdict, "reason": self.reason, "fix": self.fix}


def c(verdict: Verdict, lang: str, key: str, fix_key: str | None = None, **params: Any) -> Criterion:
    """A criterion from message keys (core/data/i18n), both filled with ``params``."""
    fix = t(fix_key, lang, **params) if fix_key else ""
    return Criterion(verdict, t(key, lang, **params), fix)
