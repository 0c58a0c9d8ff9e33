"""``kgi plan new|show|export``."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.catalog import load_catalog
from core.cli import Context
from core.errors import KgiError
from core.i18n import t
from core.plans import apply_templates, plan_summary, save_kgi
from core.workspaces import get_workspace

LETTERS = ("specific", "measurable", "achievable", "relevant", "time_bound")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("plan", help="the KGI, its KPIs and the driver check")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    actions.required = True
    new = actions.add_parser("new", help="set the workspace's KGI (and the type's KPI templates)")
    new.add_argument("--workspace", required=True)
    new.add_argument("--kgi", required=True, help="the goal sentence, zh-TW or English")
    new.add_argument("--baseline", type=float, help="the KGI metric's current level")
    new.add_argument("--with-templates", action="store_true", help="add the business type's KPI templates")
    new.set_defaults(func=run_new)
    show = actions.add_parser("show", help="show the plan with its SMART verdicts and driver check")
    show.add_argument("--workspace", required=True)
    show.set_defaults(func=run_show)
    export = actions.add_parser("export", help="write the plan workbook")
    export.add_argument("--workspace", required=True)
    export.add_argument("-o", "--output", required=True, help="plan.xlsx (or .csv)")
    export.add_argument("--split", choices=["linear", "seasonal"], default=None,
                        help="monthly split (default: the plan's own, linear if none)")
    export.set_defaults(func=run_export)


def _lang(ctx: Context, workspace_lang: str) -> str:
    return ctx.lang if ctx.lang_given else workspace_lang


def run_new(args: argparse.Namespace, ctx: Context) -> int:
    engine = ctx.engine()
    ws = get_workspace(engine, args.workspace)
    lang = _lang(ctx, ws.language)
    if not args.kgi.strip():
        raise KgiError("smart.empty")
    save_kgi(engine, ws.id, args.kgi, lang=lang, baseline=args.baseline)
    if args.with_templates:
        apply_templates(engine, ws.id)
    summary = plan_summary(engine, ws.id, lang)
    if ctx.as_json:
        ctx.print_json(summary)
    else:
        _print_summary(summary, lang)
    return 0


def run_show(args: argparse.Namespace, ctx: Context) -> int:
    engine = ctx.engine()
    ws = get_workspace(engine, args.workspace)
    lang = _lang(ctx, ws.language)
    summary = plan_summary(engine, ws.id, lang)
    if ctx.as_json:
        ctx.print_json(summary)
        return 0
    if summary["kgi"] is None:
        raise KgiError("plan.no_kgi")
    _print_summary(summary, lang)
    return 0


def run_export(args: argparse.Namespace, ctx: Context) -> int:
    from core.export.plan_workbook import plan_csv_bytes, plan_workbook_bytes

    engine = ctx.engine()
    ws = get_workspace(engine, args.workspace)
    lang = _lang(ctx, ws.language)
    out = Path(args.output)
    if not out.parent.resolve().is_dir():
        raise KgiError("cli.output_dir_missing", folder=str(out.parent))
    if out.suffix.lower() == ".csv":
        data = plan_csv_bytes(engine, ws.id, lang)
    else:
        data = plan_workbook_bytes(engine, ws.id, lang, split=args.split)
    out.write_bytes(data)
    if ctx.as_json:
        ctx.print_json({"file": str(out), "bytes": len(data)})
    else:
        print(t("cli.plan.exported", lang, file=str(out)))
    return 0


def _print_summary(summary: dict, lang: str) -> None:
    catalog = load_catalog()
    kgi = summary["kgi"]
    print(t("cli.plan.kgi", lang, text=kgi["text"]))
    for letter in LETTERS:
        crit = (kgi.get("criteria") or {}).get(letter)
        if crit:
            word = t(f"cli.verdict.{crit['verdict']}", lang)
            print(f"  {letter[0].upper()}  {word:<8} {crit['reason']}")
            if crit.get("fix") and crit["verdict"] != "pass":
                print(f"     → {crit['fix']}")
    print(t("cli.plan.kpis", lang, count=len(summary["kpis"])))
    for kpi in summary["kpis"]:
        target = kpi["target"]
        print(f"  - {kpi['name']}: {target['kind']} {target['value']}")
    check = summary.get("driver_check")
    if not check:
        return
    if check.get("implied_change_pct") is not None:
        print(t("cli.plan.implied", lang, pct=f"{check['implied_change_pct']:+.1f}"))
    for missing in check.get("missing", []):
        name = catalog[missing["metric"]].name(lang)
        if missing.get("needed_change_pct") is not None:
            print(t("cli.plan.missing", lang, metric=name, pct=f"{missing['needed_change_pct']:+.1f}"))
        elif missing.get("needed_total") is not None:
            print(t("cli.plan.missing_total", lang, metric=name, total=f"{missing['needed_total']:,.0f}"))
    for metric in check.get("unrelated", []):
        print(t("cli.plan.unrelated", lang, metric=catalog[metric].name(lang)))
