"""Start the app: ``python -m ui.launch [streamlit options]`` (what ``./dev app`` runs).

Streamlit treats a ``pages/`` folder beside the main script as an old-style multipage app
until the first ``st.navigation`` call, so the very first visit after a start to a deep link
(``/actuals``) would show "Page not found" before ``app.py`` registers its pages. ``app.py``
registers every page itself, so we say so before the server starts.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli as streamlit_cli

APP = Path(__file__).resolve().parents[1] / "app.py"
DEFAULTS = ("--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false")


def _warm_up_readers() -> None:
    """Start the uploads' limited reader process in the background, so the first upload of a
    session does not wait the few seconds it takes to start."""
    from core.importing.sandbox import warm_up

    threading.Thread(target=warm_up, name="kgi-warm-up", daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    PagesManager.uses_pages_directory = False
    _warm_up_readers()
    sys.argv = ["streamlit", "run", str(APP), *DEFAULTS, *(sys.argv[1:] if argv is None else argv)]
    return streamlit_cli.main()


if __name__ == "__main__":
    raise SystemExit(main())
