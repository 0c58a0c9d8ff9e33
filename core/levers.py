"""What to try when a metric is behind: the article's levers per metric (SPEC §2 page 7).

The levers are data (``core/data/levers.toml``) in both languages. A metric with no levers of
its own borrows those of its drivers (the catalog's identities and influences), so every
catalog metric gets some advice.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from core.catalog import load_catalog

LEVERS_FILE = Path(__file__).parent / "data" / "levers.toml"


@dataclass(frozen=True)
class Lever:
    key: str
    title: str
    how: str

    def to_dict(self) -> dict[str, str]:
        return {"key": self.key, "title": self.title, "how": self.how}


@cache
def _data() -> dict[str, Any]:
    return tomllib.loads(LEVERS_FILE.read_text(encoding="utf-8"))


def lever_keys(metric: str) -> list[str]:
    """Lever keys for ``metric``: its own, else its drivers' (deduplicated, in order)."""
    own = _data()["metrics"].get(metric)
    if own:
        return list(own)
    keys: list[str] = []
    if metric in load_catalog():
        for driver in sorted(load_catalog().drivers_of(metric)):
            for key in _data()["metrics"].get(driver, []):
                if key not in keys:
                    keys.append(key)
    return keys


def levers_for(metric: str, lang: str, limit: int | None = None) -> list[Lever]:
    """The levers to try for ``metric``, in ``lang`` (``"zh-TW"`` or ``"en"``)."""
    zh = lang.lower().startswith("zh")
    out = []
    for key in lever_keys(metric)[:limit]:
        spec = _data()["levers"][key]
        out.append(Lever(key, spec["zh" if zh else "en"], spec["how_zh" if zh else "how_en"]))
    return out
