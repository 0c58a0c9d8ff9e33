"""``kgi demo``: create the demo workspace (a tea shop with two years of data).

The demo speaks the language of the command (``kgi --lang en demo``, KGI_LANG, LANG).
"""

from __future__ import annotations

import argparse

from core.cli import Context
from core.demo import create_demo
from core.i18n import t


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("demo", help="create the demo workspace")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    del args
    ws = create_demo(ctx.engine(), lang=ctx.lang)
    if ctx.as_json:
        ctx.print_json({"id": ws.id, "name": ws.name, "business_type": ws.business_type,
                        "period_start": ws.period_start.isoformat()})
    else:
        print(t("track.cli.demo_created", ctx.lang, name=ws.name, id=ws.id))
    return 0
