"""The ``kgi`` command: the same core as the app, for scripts and cron jobs (SPEC §9).

Each sub-command lives in its own module with a ``register(subparsers)`` function. Errors a
person can act on are :class:`core.errors.KgiError` and print as one sentence on stderr with
exit code 1; usage errors exit 2; a traceback is never shown.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from core.errors import KgiError
from core.i18n import normalize_language, t
from core.usertext import json_terminal_safe, terminal_safe

# Modules that provide sub-commands; a module that does not exist yet is skipped, so the
# command grows as features land.
COMMAND_MODULES = (
    "core.cli.smart",
    "core.cli.workspace",
    "core.cli.plan",
    "core.cli.imports",
    "core.cli.actuals",
    "core.cli.sources",
    "core.cli.progress",
    "core.cli.report",
    "core.cli.abtest",
    "core.cli.demo",
    "core.cli.digest",
    "core.cli.members",
)


@dataclass
class Context:
    """What every sub-command gets besides its own arguments."""

    lang: str
    lang_given: bool
    db_url: str | None
    as_json: bool
    _engine: Engine | None = field(default=None, repr=False)

    def engine(self) -> Engine:
        if self._engine is None:
            from core.db import get_engine

            self._engine = get_engine(self.db_url)
        return self._engine

    def print_json(self, payload: Any) -> None:
        print(json_terminal_safe(json.dumps(payload, ensure_ascii=False, indent=2, default=str)))


def _env_language() -> tuple[str, bool]:
    for var in ("KGI_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value and value not in ("C", "POSIX", "C.UTF-8"):
            return normalize_language(value), var == "KGI_LANG"
    return "en", False


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors exit 2 with a short message and no traceback."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"kgi: {message}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kgi", description="KGI Planner: SMART goals, KPIs and tracking.")
    parser.add_argument("--db", metavar="URL", help="database URL (default: KGI_DATABASE_URL or the app's SQLite file)")
    parser.add_argument("--lang", choices=["zh-TW", "en"], help="language of messages")
    parser.add_argument("--json", action="store_true", help="print JSON for programs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(sub)
    return parser


def _json_anywhere(argv: list[str]) -> tuple[list[str], bool]:
    """Accept ``--json`` after the sub-command too (``kgi smart TEXT --json``)."""
    if "--json" in argv:
        return [a for a in argv if a != "--json"], True
    return argv, False


def main(argv: Sequence[str] | None = None) -> int:
    args_list, as_json = _json_anywhere(list(sys.argv[1:] if argv is None else argv))
    lang_argv = _lang_anywhere(args_list)
    parser = build_parser()
    try:
        args = parser.parse_args(lang_argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    env_lang, env_given = _env_language()
    ctx = Context(
        lang=args.lang or env_lang,
        lang_given=bool(args.lang) or env_given,
        db_url=args.db,
        as_json=as_json or args.json,
    )
    try:
        from core.audit import acting_as, cli_actor

        with _terminal_safe_output(), acting_as(cli_actor()):
            return int(args.func(args, ctx) or 0)
    except KgiError as exc:
        print(terminal_safe(exc.message(ctx.lang)), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`kgi ... | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as exc:  # the promise is: never a traceback
        print(t("cli.unexpected", ctx.lang, error=type(exc).__name__), file=sys.stderr)
        if os.environ.get("KGI_DEBUG"):
            raise
        return 1


class _SafeStream:
    """A text stream that drops escape sequences and control characters before writing: a file,
    campaign or workspace name printed by any sub-command cannot drive the terminal."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def write(self, text: str) -> int:
        self._inner.write(terminal_safe(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@contextmanager
def _terminal_safe_output() -> Iterator[None]:
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _SafeStream(sys.stdout), _SafeStream(sys.stderr)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def _lang_anywhere(argv: list[str]) -> list[str]:
    """Move ``--lang X`` written after the sub-command to the front, where argparse wants it."""
    out: list[str] = []
    front: list[str] = []
    i = 0
    while i < len(argv):
        if argv[i] == "--lang" and i + 1 < len(argv):
            front += argv[i : i + 2]
            i += 2
            continue
        if argv[i].startswith("--lang="):
            front.append(argv[i])
        else:
            out.append(argv[i])
        i += 1
    return front + out


if __name__ == "__main__":
    raise SystemExit(main())
