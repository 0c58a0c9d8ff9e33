"""The copy style guide (docs/STYLE.md), enforced on every user-facing catalog.

Walks core/data/i18n/*.toml, levers.toml, templates.toml, catalog.toml, sources.toml and the
per-source readers: every string under a zh key (``zh``, ``how_zh``, ``label_zh``, ``note_zh``…)
is checked as zh-TW copy, every string under an en key as English copy. Keys that hold what a
user *types* or a tool *exports* (synonyms, aliases, column headers, the article's variants)
are input grammar, not copy, and are skipped.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.typography import zh_punctuation

DATA = Path(__file__).resolve().parents[2] / "core" / "data"
CATALOGS = sorted(
    [*DATA.glob("i18n/*.toml"), DATA / "levers.toml", DATA / "templates.toml",
     DATA / "catalog.toml", DATA / "sources.toml", *DATA.glob("sources/*.toml")]
)

# Input grammar, not copy: what users type and tools export.
SKIPPED_KEYS = {"synonyms", "aliases_en", "aliases_zh", "variants", "headers", "columns"}

# English words allowed inside zh-TW copy: product and tool names, metric acronyms, file
# formats, currencies and units (docs/STYLE.md keeps the reasons).
ZH_ALLOWED_WORDS = {
    # the article's own terms and metric acronyms
    "KGI", "KPI", "SMART", "ROAS", "CTR", "CPC", "CPA", "CAC", "AOV", "MRR", "SEO", "KOL",
    "A", "B", "ID",
    # products, platforms and tools
    "Google", "Analytics", "GA4", "Ads", "Search", "Console", "Meta", "Facebook", "Instagram",
    "IG", "LINE", "Pay", "Shopify", "Shopee", "SHOPLINE", "91APP", "Stripe", "Mailchimp",
    "Excel", "Planner", "Email",
    # file formats, currencies and units
    "CSV", "TSV", "TXT", "PDF", "XLSX", "XLS", "xlsx", "zip", "MB", "NT", "TWD", "USD", "K", "M",
    "QR", "Code", "Tab",
    # standards named as they are written: mail transport, text encodings, the NUL character
    "SMTP", "STARTTLS", "TLS", "UTF", "Big5", "NUL",
    # terms Taiwanese marketers write in English: business models, SEO tags, the SMART letters
    "SaaS", "B2B", "Title", "Description", "S", "R", "T", "N", "Apple",
    # statistics: the p value is written so in Taiwanese textbooks
    "p",
    # language codes, as the setting takes them
    "zh", "TW", "en",
}

# CJK allowed inside English copy: quoted on purpose, each with its reason in docs/STYLE.md.
EN_ALLOWED_CJK = {
    "每月檢討 KPI 達成率",  # the article's own heading, cited by name
    "繁體中文",  # the language switch names itself
    "萬", "億",  # explaining how zh-TW figures are read
}

CJK = r"\u3400-\u9fff\uf900-\ufaff"
CJK_PUNCT = r"\u3000-\u303f\uff00-\uffef"
CJK_CHAR = re.compile(f"[{CJK}]")
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
HALF_NEXT_TO_CJK = re.compile(
    f"(?<=[{CJK}{CJK_PUNCT}])[,:;()]|[,:;()](?=[{CJK}{CJK_PUNCT}])"
)
HALF_PARENS_AROUND_CJK = re.compile(f"\\([^()]*[{CJK}][^()]*\\)")
WORD = re.compile(r"[0-9]*[A-Za-z][A-Za-z0-9]*")
# Spans that name something the user sees or types in English, so English is right there:
# quoted names (a tool's button, a column header), a term glossed with its Chinese in （）,
# commands, flags, settings, file names, addresses and date masks.
NAMED_SPANS = re.compile(
    r"「[^」]*」|『[^』]*』|“[^”]*”|\"[^\"]*\"|`[^`]*`"
    r"|[A-Za-z][\w &/.-]*（[^）]*）|（[A-Za-z][A-Za-z &/.-]*）"
    r"|kgi\b[^，。；）」]*"
    r"|--[\w-]+|\w+://\S*|\w+=\w+|\S*\.[A-Za-z]\w*|YYYY(-MM)?(-DD)?"
    # environment variables, a command's one-letter options, a configuration table's name
    r"|\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b|(?<!\w)-[A-Za-z]\b|\[[a-z]+\]"
)


def _is_zh_key(key: str) -> bool:
    return key == "zh" or key.startswith("zh_") or key.endswith("_zh")


def _is_en_key(key: str) -> bool:
    return key == "en" or key.startswith("en_") or key.endswith("_en")


def _strings(node: object, path: str, lang: str | None) -> Iterator[tuple[str, str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in SKIPPED_KEYS:
                continue
            sub = "zh" if _is_zh_key(key) else "en" if _is_en_key(key) else lang
            yield from _strings(value, f"{path}.{key}", sub)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _strings(value, f"{path}[{i}]", lang)
    elif isinstance(node, str) and lang:
        # the article's examples are kept verbatim and made full-width when shown
        yield path, lang, zh_punctuation(node) if lang == "zh" and path.startswith("templates.toml.types") else node


def copy_strings() -> list[tuple[str, str, str]]:
    """(where, language, text) for every user-facing string in the catalogs."""
    out = []
    for path in CATALOGS:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        out.extend(_strings(data, path.name, None))
    return out


def zh_problems(text: str) -> list[str]:
    """What in one zh-TW string breaks docs/STYLE.md."""
    bare = PLACEHOLDER.sub("", text)
    found = []
    if "你" in bare:
        found.append("你 (write 您)")
    # a tool's own English label is quoted as it is written, colon included; so is an address
    literal = re.sub(r"「[^」]*[A-Za-z][^」]*」|\w+://\S*", "「」", bare)
    for m in HALF_NEXT_TO_CJK.finditer(literal):
        found.append(f"half-width {m.group()!r} next to Chinese: …{literal[max(0, m.start() - 6):m.end() + 6]}…")
    for m in HALF_PARENS_AROUND_CJK.finditer(bare):
        found.append(f"half-width parentheses around Chinese: {m.group()}")
    if CJK_CHAR.search(bare):
        for word in WORD.findall(NAMED_SPANS.sub("", bare)):
            if word not in ZH_ALLOWED_WORDS:
                found.append(f"English word {word!r} not in the allow-list")
    return found


def en_problems(text: str) -> list[str]:
    """What in one English string breaks docs/STYLE.md: CJK outside the allow-list."""
    bare = PLACEHOLDER.sub("", text)
    bare = re.sub(r"“[^”]*”|\"[^\"]*\"", "", bare)  # a quoted name, e.g. a zh-TW column header
    for allowed in sorted(EN_ALLOWED_CJK, key=len, reverse=True):
        bare = bare.replace(allowed, "")
    found = [f"Chinese {m.group()!r} in English copy" for m in re.finditer(f"[{CJK}{CJK_PUNCT}]+", bare)]
    return found


def test_catalogs_are_found() -> None:
    strings = copy_strings()
    assert len(CATALOGS) > 20
    assert sum(1 for _, lang, _ in strings if lang == "zh") > 1000
    assert sum(1 for _, lang, _ in strings if lang == "en") > 1000


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_catalog_copy_follows_style_guide(lang: str) -> None:
    check = zh_problems if lang == "zh" else en_problems
    bad = [f"{where}: {p}" for where, la, text in copy_strings() if la == lang for p in check(text)]
    assert not bad, f"{len(bad)} style problems:\n" + "\n".join(bad)


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("集中產出已經帶來流量與訂單的主題,停掉沒有成效的內容形式。", False),
        ("客單價:先處理", False),
        ("(LINE Pay、超商取貨)", False),
        ("（LINE Pay、超商取貨）", True),
        ("你可以上傳 CSV", False),
        ("您可以上傳 CSV", True),
        ("請按 Upload 上傳", False),
        ("{metric}:{value}", True),
        ("每月 {n} 筆，共 {total} 筆", True),
        ("時間 12:30", True),
        ("請選擇「Download」下載", True),
        ("date（日期）— 這個數字所屬的日期", True),
        ("可用這個指令：kgi import 檔案 --workspace 工作區", True),
    ],
)
def test_zh_rules(text: str, ok: bool) -> None:
    assert (not zh_problems(text)) is ok, zh_problems(text)


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("Revenue、Paid members", False),
        ("Add a column named Date (or “日期”)", True),
        ("(LINE Pay, 超商取貨)", False),
        ("As the article's 每月檢討 KPI 達成率 says", True),
        ("{name} is on track", True),
    ],
)
def test_en_rules(text: str, ok: bool) -> None:
    assert (not en_problems(text)) is ok, en_problems(text)


PAGE_TITLES = {
    "workspace": "ui.workspace.title", "kgi": "ui.kgi.title", "kpis": "ui.kpis.title",
    "plan": "ui.plan.title", "upload": "ui.upload.title", "dashboard": "track.dashboard.title",
    "review": "track.review.title", "optimise": "track.optimise.title", "settings": "ui.settings.title",
}


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
@pytest.mark.parametrize("page", sorted(PAGE_TITLES))
def test_one_name_per_page(page: str, lang: str) -> None:
    """The sidebar calls a page what the page calls itself (優化建議 on both, not 優化 on one)."""
    from core.i18n import t

    assert t(f"ui.nav.{page}", lang) == t(PAGE_TITLES[page], lang)

