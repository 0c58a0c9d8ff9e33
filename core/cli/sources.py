"""``kgi sources --workspace W [--set METRIC=FAMILY]...``: which source each metric counts.

Sources that measure the same thing (revenue in GA4 and in the shop) are never added up: each
metric has a source of record per workspace (SPEC §3). ``--set revenue=web_analytics`` chooses
another, ``--set revenue=auto`` goes back to the default.
"""

from __future__ import annotations

import argparse

from core.catalog import load_catalog
from core.cli import Context
from core.errors import KgiError
from core.i18n import t
from core.measurement import family_label, measurement_label
from core.sources_of_record import workspace_sources
from core.typography import join_list
from core.workspaces import get_workspace, set_source_of_record


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("sources", help="the source of record of each metric")
    parser.add_argument("--workspace", required=True, help="workspace name or id")
    parser.add_argument("--set", dest="choices", action="append", default=[], metavar="METRIC=FAMILY",
                        help="count METRIC from FAMILY (shop, books, web_analytics, ads, ... or auto)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    engine = ctx.engine()
    ws = get_workspace(engine, args.workspace)
    for choice in args.choices:
        metric, sep, family = choice.partition("=")
        if not sep or not metric.strip() or not family.strip():
            raise KgiError("measurement.bad_setting")
        set_source_of_record(engine, ws.id, metric.strip(), family.strip())
        if not ctx.as_json:
            print(t("measurement.cli.set", ctx.lang, metric=load_catalog()[metric.strip()].name(ctx.lang),
                    family=family_label(family.strip(), ctx.lang)))
    listed = workspace_sources(engine, ws.id)
    if ctx.as_json:
        ctx.print_json([item.to_dict() for item in listed])
        return 0
    print(t("measurement.cli.head", ctx.lang, name=ws.name))
    for item in listed:
        choice = item.choice
        record = measurement_label(choice.record, ctx.lang) or t("measurement.cli.none", ctx.lang)
        others = join_list((measurement_label(a, ctx.lang) for a in choice.alternatives), ctx.lang)
        print(t(
            "measurement.cli.line", ctx.lang, metric=load_catalog()[item.metric].name(ctx.lang), record=record,
            chosen=t("measurement.cli.chosen", ctx.lang) if choice.chosen_by == "workspace" else "",
            others=t("measurement.cli.others", ctx.lang, sources=others) if others else "",
        ))
    return 0
