"""The first pass over a goal sentence: normalise it, then let each grammar claim its part.

:func:`canon` gives the NFKC-normalised, lower-cased copy every grammar reads: full-width
digits and letters become ASCII (「１０萬」 → 「10萬」), minus signs are unified, spaces that touch
a CJK character are dropped (「IG 追蹤數」 = 「IG追蹤數」), and a few Taiwanese ways of writing a
period become one token the period grammar knows: ROC years (「114 年」, 「民國 114 年」) become
the Gregorian year, 「第三季」 / 「第 3 季」 become ``q3`` and 「上半年」 / 「下半年」 ``h1`` / ``h2``.

:class:`Claims` is the sentence as the grammars consume it: the period grammar claims its
words first, then the cadence, the metric phrases and the rank; the number grammar reads only
what is left, so a number that belongs to a period (Q3, 114 年, 第 2 季) is never the target.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f"
CJK_RE = re.compile(f"[{CJK}]")
IDEOGRAPH_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Scripts we do not read: kana, hangul, Cyrillic, Greek, Arabic, Hebrew, Thai, Devanagari.
FOREIGN_RE = re.compile(
    "[\u3040-\u30ff\u31f0-\u31ff\uac00-\ud7af\u1100-\u11ff\u3130-\u318f"
    "\u0400-\u04ff\u0370-\u03ff\u0600-\u06ff\u0590-\u05ff\u0e00-\u0e7f\u0900-\u097f]"
)
# What a claimed stretch of the sentence is replaced with: a break no grammar reads across.
CLAIMED = " | "

ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "兩": 2, "两": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}
_ZH_Q = {"一": "1", "二": "2", "三": "3", "四": "4"}

# ROC (Minguo) years: 「114 年」 = 2025. Only before 年, only 80–199 (1991–2110) unless 「民國」
# says so, and never a count of years (「3 年內」, 「10 年後」).
_ROC_RE = re.compile(r"(?P<roc>民國)?(?<![\d,.])(?P<y>\d{2,3})(?=年(?!內|之內|以內|後|間|期|來|半))")


def detect_language(text: str) -> str:
    """``"zh-TW"`` when the text holds a CJK ideograph, else ``"en"``."""
    return "zh-TW" if IDEOGRAPH_RE.search(text or "") else "en"


def _roc(m: re.Match[str]) -> str:
    year = int(m.group("y"))
    if m.group("roc") or 80 <= year <= 199:
        return str(year + 1911)
    return m.group(0)


def canon(text: str) -> str:
    """The normalised sentence every grammar reads (module docstring)."""
    s = unicodedata.normalize("NFKC", text).lower()
    s = s.replace("\u2212", "-").replace("\u2013", "-").replace("\u2014", "-")
    s = s.replace("﹪", "%").replace("、", ",").replace("，", ",").replace("。", " ")
    s = re.sub(r"\s+", " ", s).strip()
    s = re.sub(f"\\s+(?=[{CJK}])|(?<=[{CJK}])\\s+", "", s)
    s = _ROC_RE.sub(_roc, s)
    s = re.sub(r"第([1-4一二三四])季度?", lambda m: "q" + _ZH_Q.get(m.group(1), m.group(1)), s)
    s = re.sub(r"(20\d{2})年([1-4一二三四])季度?", lambda m: m.group(1) + "年q" + _ZH_Q.get(m.group(2), m.group(2)), s)
    s = re.sub(r"上半年度?", "h1", s)
    return re.sub(r"下半年度?", "h2", s)


@dataclass
class Claims:
    """The sentence as the grammars consume it; each claimed span becomes :data:`CLAIMED`."""

    text: str
    claimed: list[tuple[str, str]] = field(default_factory=list)  # (grammar, words)

    def claim(self, start: int, end: int, grammar: str) -> None:
        self.claimed.append((grammar, self.text[start:end]))
        self.text = self.text[:start] + CLAIMED + self.text[end:]
