"""Errors that reach people. Each carries an i18n message key and its parameters, so the CLI
and the pages can say what went wrong in the user's language, never as a traceback."""

from __future__ import annotations

from typing import Any


class KgiError(Exception):
    """A problem to explain to the user: ``key`` names a message in ``core/data/i18n``."""

    def __init__(self, key: str, /, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def message(self, lang: str) -> str:
        from core.i18n import t

        return t(self.key, lang, **self.params)
