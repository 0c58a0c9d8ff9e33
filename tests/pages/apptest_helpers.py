"""Helpers for AppTest-based page tests (imported by the tests; pytest puts this folder on
``sys.path`` because ``tests/`` has no ``__init__.py``)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from core.i18n import t

ROOT = Path(__file__).resolve().parents[2]


def assert_clean(at: AppTest) -> None:
    """No exception reached Streamlit, and no page fell back to the "something went wrong" box."""
    assert not at.exception, [e.value for e in at.exception]
    unexpected = {t("ui.error.unexpected", lang) for lang in ("en", "zh-TW")}
    shown = [e.value for e in at.error]
    assert not unexpected & set(shown), shown


def page_text(at: AppTest) -> str:
    """Every text a person can read on the current screen (for "is it there?" checks)."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "info", "warning",
                 "success", "error", "metric"):
        for element in getattr(at, kind):
            parts.append(str(getattr(element, "value", "")))
            if kind == "metric":
                parts.append(str(element.label))
    parts.extend(b.label for b in at.button)
    return "\n".join(parts)
