"""``kgi smart TEXT [--start YYYY-MM-DD] [--type BUSINESS_TYPE]``: SMART check of a goal.

Exit 0 even when letters fail (the answer is a report); 1 for an empty sentence or an unknown
business type; 2 for usage errors. Messages are in ``--lang`` when given, else in the
sentence's own language.
"""

from __future__ import annotations

import argparse
from datetime import date

from core.catalog import BUSINESS_TYPES
from core.errors import KgiError
from core.i18n import t
from core.smart import CRITERIA, check_smart, detect_language, parse_goal, understood_items


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("smart", help=t("smart.cli.help", "en"),
                            description=t("smart.cli.help", "en"))
    parser.add_argument("text", metavar="TEXT", nargs="+", help="the goal sentence (quote it)")
    parser.add_argument("--start", metavar="YYYY-MM-DD",
                        help="start of relative periods (default: first day of this month)")
    parser.add_argument("--type", dest="business_type", metavar="BUSINESS_TYPE",
                        help="business type for the Relevant check: " + ", ".join(BUSINESS_TYPES))
    parser.set_defaults(func=run)


def _start(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise KgiError("smart.bad_start", value=value) from None


def run(args: argparse.Namespace, ctx) -> int:  # noqa: ANN001 - core.cli.Context
    text = " ".join(args.text).strip()
    lang = ctx.lang if ctx.lang_given else detect_language(text)
    if args.business_type is not None and args.business_type not in BUSINESS_TYPES:
        raise KgiError("templates.unknown_type", key=args.business_type, known=", ".join(BUSINESS_TYPES))
    try:
        goal = parse_goal(text, lang=lang, start=_start(args.start), business_type=args.business_type)
    except KgiError as exc:
        # Say it in the sentence's language, whatever the environment's language is.
        ctx.lang = lang
        raise exc
    result = check_smart(goal, lang=lang, business_type=args.business_type)
    if ctx.as_json:
        ctx.print_json(result.to_dict())
        return 0
    for line in _human(result, lang):
        print(line)
    return 0


def _human(result, lang: str) -> list[str]:  # noqa: ANN001 - core.smart.SmartResult
    """The sentence, what was understood (the KGI page shows the same lines), then S M A R T."""
    sep = "：" if lang.startswith("zh") else ": "
    lines = [f"{t('smart.cli.goal', lang)}{sep}{result.goal.text}"]
    lines += [f"  {label}{sep}{value}" for label, value in understood_items(result.goal, lang)]
    lines.append("")
    for key in CRITERIA:
        c = result.criteria[key]
        lines.append(f"{t(f'smart.letter.{key}', lang)}  [{t(f'smart.verdict.{c.verdict}', lang)}]  {c.reason}")
        if c.fix:
            lines.append(f"    → {c.fix}")
    return lines
