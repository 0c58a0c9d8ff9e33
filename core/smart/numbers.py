"""The number grammar: Arabic and Chinese numerals, units, currency, percent and points.

A number is ``SIGN? CURRENCY? MANTISSA (UNIT)* SUFFIX?`` where the mantissa is Arabic (with
thousands separators and decimals; full-width digits are already ASCII after NFKC) or Chinese
numerals, and units 十 / 百 / 千 / 萬 / 億 compose exactly, with Arabic or Chinese digits:
一百二十萬五千 = 1,205,000, 1.5 萬 = 15,000, 三萬五 = 35,000, 5 千 = 5,000, 1,500 萬 =
15,000,000, 兩千 = 2,000. A measure word (名 人 位 篇 則 筆 張 個 次 件 條 家 元 塊 …) ends a
number and is never read as a numeral: 「5 千名」 is 5,000 people, not 51,000.

The suffix says what the number is: percent (%, 百分之二十), percentage points (個百分點, pp),
tenths (3 成 = 30%), times (倍, x), a currency (元, NT$, US$, $) or a count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.smart.tokens import ZH_DIGITS

_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG_UNITS = {"萬": 10_000, "万": 10_000, "億": 100_000_000, "亿": 100_000_000}
MEASURE_WORDS = "名人位篇則筆張個次件條家間支組台份單"

_ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_ZH_CHARS = "零〇一二兩两三四五六七八九十百千萬万億亿"
_MANTISSA = f"(?:{_ARABIC}|[{_ZH_CHARS}])(?:{_ARABIC}|[{_ZH_CHARS}])*"
_EN_MULT = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "b": 1e9,
            "bn": 1e9, "billion": 1e9}
_NUMBER_RE = re.compile(
    r"(?P<sign>[+\-])?\s*(?P<cur>nt\$|us\$|ntd\s?|twd\s?|usd\s?|新台幣|新臺幣|台幣|臺幣|\$)?\s*"
    r"(?P<pct_pre>百分之)?"
    f"(?P<num>{_MANTISSA})"
    r"(?:\s*(?P<mult>million|thousand|billion|bn|mn|k(?![a-z])|m(?![a-z])|b(?![a-z])))?"
    r"(?:\s*(?P<unit>%|percent(?![a-z])|趴|個百分點|百分點|percentage points?|pp(?![a-z])|pts?(?![a-z])"
    r"|points?(?![a-z])|x(?![a-z])|倍|成(?![長交本為功員效果立])|塊錢|元|塊"
    f"|[{MEASURE_WORDS}]"
    r"|usd(?![a-z])|twd(?![a-z])|ntd(?![a-z])|dollars?(?![a-z])))?"
)
_CURRENCY = {"nt$": "TWD", "ntd": "TWD", "twd": "TWD", "新台幣": "TWD", "新臺幣": "TWD",
             "台幣": "TWD", "臺幣": "TWD", "us$": "USD", "usd": "USD", "元": "TWD", "塊": "TWD",
             "塊錢": "TWD"}


@dataclass(frozen=True)
class Number:
    """One number as written, in the sentence's own unit (percent as 30, not 0.3)."""

    value: float
    start: int
    end: int
    sign: str | None
    unit: str | None
    currency: str | None

    @property
    def is_percent(self) -> bool:
        return self.unit in ("%", "percent", "趴", "百分之", "成")

    @property
    def is_points(self) -> bool:
        return self.unit is not None and (
            "百分點" in self.unit or self.unit.startswith(("pp", "pt", "point", "percentage"))
        )

    @property
    def is_times(self) -> bool:
        return self.unit in ("x", "倍")

    @property
    def measure(self) -> str | None:
        """The measure word after the number (名, 篇, 筆 …), if any."""
        return self.unit if self.unit is not None and self.unit in MEASURE_WORDS else None


def zh_to_number(token: str) -> float:
    """Chinese (and mixed Arabic) numerals to a number, composed exactly.

    三 → 3, 十二 → 12, 兩千 → 2000, 一百二十萬五千 → 1,205,000, 1.5萬 → 15,000, 三萬五 →
    35,000 (a digit after a unit counts in the next lower unit), 1億2千萬 → 120,000,000,
    半 → 0.5.
    """
    token = token.replace(",", "")
    if token == "半":
        return 0.5
    parts = re.findall(r"\d+(?:\.\d+)?|.", token)
    total = 0.0  # everything at 億 level and above
    wan = 0.0  # the 萬 section
    section = 0.0  # below 萬
    current: float | None = None
    last_unit = 0
    for part in parts:
        if part[0].isdigit():
            current = float(part)
        elif part in ZH_DIGITS:
            current = float(ZH_DIGITS[part])
        elif part in _SMALL_UNITS:
            unit = _SMALL_UNITS[part]
            section += (1.0 if current is None else current) * unit
            current, last_unit = None, unit
        elif part in _BIG_UNITS:
            unit = _BIG_UNITS[part]
            value = section + (current or 0.0)
            if unit == 10_000:
                wan += (value or 1.0) * unit
            else:
                total += (wan + value or 1.0) * unit
                wan = 0.0
            section, current, last_unit = 0.0, None, unit
    if current is not None and last_unit and len(parts) > 1 and parts[-1] in ZH_DIGITS and parts[-2] in {
        **_SMALL_UNITS, **_BIG_UNITS
    } and last_unit >= 100:
        current *= last_unit / 10  # 三萬五 = 35,000, 兩千五 = 2,500
    return total + wan + section + (current or 0.0)


def _plausible(num: str, after: str) -> bool:
    """A run of Chinese numerals is a number only when it looks like one.

    「一」 is also a word (一致, 統一): a run with no Arabic digit must end in a unit, a measure
    word or a percent sign, or be a composed numeral (兩千, 五十萬).
    """
    if re.search(r"\d", num):
        return True
    if re.fullmatch(r"[百千萬万億亿]+", num):
        return False
    if after and (after[0] in MEASURE_WORDS or after[0] in "%倍成元塊趴" or after.startswith("個百分點")):
        return True
    return len(num) >= 2 and bool(re.search("[十百千萬万億亿]", num))


def find_numbers(s: str) -> list[Number]:
    """Every number in ``s`` (the part of the sentence no other grammar claimed)."""
    found = []
    for m in _NUMBER_RE.finditer(s):
        num = m.group("num")
        if not _plausible(num, s[m.end("num"):m.end("num") + 4].lstrip()):
            continue
        value = zh_to_number(num)
        if m.group("mult"):
            value *= _EN_MULT[m.group("mult")]
        unit = m.group("unit")
        if m.group("pct_pre"):
            unit = "百分之"
        if unit == "成":
            value *= 10
        cur = (m.group("cur") or "").strip()
        currency = _CURRENCY.get(cur) or _CURRENCY.get(unit or "")
        if cur == "$" and unit in ("usd",):
            currency = "USD"
        found.append(Number(value, m.start(), m.end(), m.group("sign"), unit, currency))
    return found
