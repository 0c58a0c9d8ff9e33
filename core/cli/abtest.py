"""``kgi abtest``: significance of a difference in two conversion rates, or the sample size.

    kgi abtest --a 120/2400 --b 150/2400 [--alpha 0.05]
    kgi abtest --sample-size --baseline 0.03 --mde 0.1 [--power 0.8] [--alpha 0.05]

Rates may be written as fractions (0.03) or percents (3%).
"""

from __future__ import annotations

import argparse
import re
from typing import Any

from core.abtest import ABResult, sample_size, two_proportion_test
from core.errors import KgiError
from core.formatting import format_pct_change, format_value
from core.i18n import t

_PAIR = re.compile(r"^\s*(\d[\d,]*)\s*/\s*(\d[\d,]*)\s*$")


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "abtest",
        help="significance of a difference in two rates, or the sample size an A/B test needs",
        description="Two-proportion z-test (two-sided) with the confidence interval of the lift, "
        "or the visitors per version needed to detect a given lift.",
    )
    parser.add_argument("--a", metavar="CONVERSIONS/VISITORS", help="version A (control), e.g. 120/2400")
    parser.add_argument("--b", metavar="CONVERSIONS/VISITORS", help="version B, e.g. 150/2400")
    parser.add_argument("--alpha", default="0.05", help="significance level (default 0.05)")
    parser.add_argument("--sample-size", action="store_true", help="compute the sample size instead")
    parser.add_argument("--baseline", help="current conversion rate, e.g. 0.03 or 3%%")
    parser.add_argument("--mde", help="minimum detectable relative effect, e.g. 0.1 or 10%%")
    parser.add_argument("--power", default="0.8", help="power (default 0.8)")
    parser.set_defaults(func=run)


def parse_pair(text: str) -> tuple[int, int]:
    """``"120/2400"`` (thousands separators allowed) → ``(120, 2400)``."""
    match = _PAIR.match(text or "")
    if not match:
        raise KgiError("numbers.abtest.bad_pair", text=text)
    return int(match.group(1).replace(",", "")), int(match.group(2).replace(",", ""))


def parse_rate(text: str) -> float:
    """``"0.03"`` or ``"3%"`` → 0.03."""
    raw = (text or "").strip()
    percent = raw.endswith("%")
    try:
        value = float(raw.rstrip("%").strip().replace(",", ""))
    except ValueError:
        raise KgiError("numbers.abtest.bad_number", text=text) from None
    return value / 100 if percent else value


def run(args: argparse.Namespace, ctx: Any) -> int:
    alpha = parse_rate(args.alpha)
    if args.sample_size:
        return _run_sample_size(args, ctx, alpha)
    if not args.a or not args.b:
        raise KgiError("numbers.abtest.need_groups")
    conv_a, n_a = parse_pair(args.a)
    conv_b, n_b = parse_pair(args.b)
    result = two_proportion_test(conv_a, n_a, conv_b, n_b, alpha=alpha)
    if ctx.as_json:
        ctx.print_json(result.to_dict())
    else:
        print(_describe(result, (conv_a, n_a), (conv_b, n_b), ctx.lang))
    return 0


def _run_sample_size(args: argparse.Namespace, ctx: Any, alpha: float) -> int:
    if args.baseline is None or args.mde is None:
        raise KgiError("numbers.abtest.need_baseline")
    baseline, mde, power = parse_rate(args.baseline), parse_rate(args.mde), parse_rate(args.power)
    per_group = sample_size(baseline, mde, power=power, alpha=alpha)
    if ctx.as_json:
        ctx.print_json(
            {
                "baseline_rate": baseline,
                "mde_relative": mde,
                "power": power,
                "alpha": alpha,
                "per_group": per_group,
                "total": 2 * per_group,
            }
        )
        return 0
    print(
        t(
            "numbers.abtest.sample_size_line",
            ctx.lang,
            mde=format_pct_change(mde * 100, ctx.lang),
            baseline=format_value(baseline, "percent", ctx.lang),
            power=f"{power:g}",
            alpha=f"{alpha:g}",
            per_group=f"{per_group:,}",
            total=f"{2 * per_group:,}",
        )
    )
    return 0


def _describe(result: ABResult, a: tuple[int, int], b: tuple[int, int], lang: str) -> str:
    lines = [
        t("numbers.abtest.group_line", lang, group=group, rate=format_value(rate, "percent", lang, decimals=2),
          conversions=f"{conv:,}", visitors=f"{n:,}")
        for group, rate, (conv, n) in (("A", result.rate_a, a), ("B", result.rate_b, b))
    ]
    if result.lift is None:
        lines.append(t("numbers.abtest.lift_undefined", lang))
    else:
        lines.append(
            t(
                "numbers.abtest.lift_line",
                lang,
                lift=format_pct_change(result.lift * 100, lang),
                level=f"{(1 - result.alpha) * 100:g}%",
                low=format_pct_change(None if result.ci_low is None else result.ci_low * 100, lang),
                high=format_pct_change(None if result.ci_high is None else result.ci_high * 100, lang),
            )
        )
    lines.append(t("numbers.abtest.stats_line", lang, z=f"{result.z:.2f}", p=f"{result.p_value:.3f}"))
    verdict = "numbers.abtest.significant" if result.significant else "numbers.abtest.not_significant"
    lines.append(t(verdict, lang, alpha=f"{result.alpha:g}"))
    return "\n".join(lines)
