"""A one-page printable summary of the monthly review, for an agency to send its client.

Self-contained HTML: inline CSS, no script, no external fonts or images, a print stylesheet
(A4, no background bleed, the table never split mid-row), so it can be attached to an e-mail,
opened anywhere, and printed or saved as PDF from the browser. Status is an icon and a word
in a coloured badge: colour is never the only signal. Every piece of text that came from a
person (brand, labels, sentences, actions) goes through :func:`html.escape`.
"""

from __future__ import annotations

from datetime import date
from html import escape

from core.export.review_workbook import (
    STATUS_FILLS,
    STATUS_FONTS,
    STATUSES,
    actions_text,
    check_month,
    status_words,
)
from core.formatting import format_month, format_pct, format_value
from core.i18n import t
from core.review_types import ReviewData, ReviewRow

_CSS = """
*{box-sizing:border-box}
body{font-family:"Noto Sans TC","PingFang TC","Microsoft JhengHei",system-ui,-apple-system,"Segoe UI",sans-serif;
color:#1b1b1b;margin:0;background:#f4f6f9;line-height:1.45}
main{max-width:960px;margin:24px auto;background:#fff;padding:32px 40px;border-radius:8px;
box-shadow:0 1px 4px rgba(0,0,0,.08)}
header h1{font-size:22px;margin:0 0 4px;color:#1f4e79}
header p{margin:0;color:#595959;font-size:13px}
h2{font-size:16px;color:#1f4e79;margin:24px 0 8px;border-bottom:2px solid #1f4e79;padding-bottom:4px}
.headline{font-size:17px;margin:16px 0 0;padding:14px 16px;border-left:6px solid #1f4e79;background:#f2f6fb}
.headline .badge{margin-right:8px}
table{width:100%;border-collapse:collapse;font-size:13px}
th,td{padding:6px 8px;border-bottom:1px solid #d9d9d9;text-align:left;vertical-align:top}
th{background:#1f4e79;color:#fff;font-weight:600}
td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:2px 8px;border-radius:10px;font-weight:700;white-space:nowrap;
border:1px solid currentColor}
.sentence{color:#404040;font-size:12px}
ol{margin:0;padding-left:20px}
li{margin:4px 0}
footer{margin-top:24px;font-size:11px;color:#7f7f7f}
.legend{font-size:11px;color:#595959;margin-top:6px}
@page{size:A4;margin:14mm}
@media print{
 body{background:#fff}
 main{box-shadow:none;margin:0;max-width:none;padding:0;border-radius:0}
 tr{page-break-inside:avoid;break-inside:avoid}
 th{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 .badge{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"""


def _badge(status: str, lang: str) -> str:
    key = status if status in STATUSES else "no_data"
    style = f"background:#{STATUS_FILLS[key]};color:#{STATUS_FONTS[key]}"
    return f'<span class="badge status-{key}" style="{style}">{escape(status_words(key, lang))}</span>'


def _value(row: ReviewRow, value: float | None, lang: str, currency: str) -> str:
    return escape(format_value(value, row.unit, lang, currency))


def _forecast(row: ReviewRow, lang: str, currency: str) -> str:
    text = _value(row, row.forecast, lang, currency)
    if row.forecast_low is not None and row.forecast_high is not None:
        span = t("export.html.range", lang, low=format_value(row.forecast_low, row.unit, lang, currency),
                 high=format_value(row.forecast_high, row.unit, lang, currency))
        text += f'<br><span class="sentence">{escape(span)}</span>'
    return text


def _row_html(row: ReviewRow, lang: str, currency: str) -> str:
    cells = [
        f"<td>{escape(row.name(lang))}</td>",
        f'<td class="num">{_value(row, row.target, lang, currency)}</td>',
        f'<td class="num">{_value(row, row.actual_to_date, lang, currency)}</td>',
        f'<td class="num">{escape(format_pct(row.progress_ratio))}</td>',
        f'<td class="num">{_value(row, row.expected_to_date, lang, currency)}</td>',
        f'<td class="num">{escape(format_pct(row.pace_ratio))}</td>',
        f'<td class="num">{_forecast(row, lang, currency)}</td>',
        f"<td>{_badge(row.status, lang)}"
        + (f'<div class="sentence">{escape(row.sentence)}</div>' if row.sentence else "")
        + "".join(f'<div class="sentence">{escape(note)}</div>' for note in row.notes)
        + "</td>",
    ]
    return "<tr>" + "".join(cells) + "</tr>"


def _table(rows: list[ReviewRow], lang: str, currency: str) -> str:
    columns = ("name", "target", "actual", "progress", "expected", "pace", "forecast", "status")
    head = "".join(f'<th scope="col">{escape(t("export.review.col." + c, lang))}</th>' for c in columns)
    body = "".join(_row_html(r, lang, currency) for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _headline(data: ReviewData, lang: str) -> str:
    kgi = data.kgi
    if kgi is None:
        return f'<p class="headline">{escape(t("export.review.no_kgi", lang))}</p>'
    sentence = kgi.sentence or kgi.name(lang)
    return (f'<p class="headline">{_badge(kgi.status, lang)}'
            f"<strong>{escape(kgi.name(lang))}</strong> — {escape(sentence)}</p>")


def _actions(data: ReviewData, lang: str) -> str:
    listed = actions_text(data.actions)
    if not listed:
        return f"<p>{escape(t('export.review.no_actions', lang))}</p>"
    return "<ol>" + "".join(f"<li>{escape(a)}</li>" for a in listed) + "</ol>"


def summary_html(data: ReviewData, lang: str) -> str:
    """The month's review as one printable HTML page (a complete document, UTF-8)."""
    check_month(data.month)
    currency = data.workspace.currency
    month = format_month(data.month, lang)
    title = t("export.review.title", lang, workspace=data.workspace.name, month=month)
    subtitle = t("export.review.subtitle", lang, as_of=(data.as_of or date.today()).isoformat(),
                 currency=currency, today=date.today().isoformat())
    kpis = (_table(data.rows, lang, currency) if data.rows
            else f"<p>{escape(t('export.review.no_kpis', lang))}</p>")
    kgi_table = _table([data.kgi], lang, currency) if data.kgi is not None else ""
    legend = t("export.review.legend", lang, on_track=format_pct(data.on_track_at),
               at_risk=format_pct(data.at_risk_at))
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(t("export.html.lang", lang))}">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="KGI Planner">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head>",
        "<body><main>",
        f"<header><h1>{escape(title)}</h1><p>{escape(subtitle)}</p></header>",
        _headline(data, lang),
        f"<h2>{escape(t('export.review.kgi', lang))}</h2>{kgi_table}",
        f"<h2>{escape(t('export.review.kpis', lang))}</h2>{kpis}",
        f'<p class="legend">{escape(legend)}</p>',
        f"<h2>{escape(t('export.review.actions', lang))}</h2>{_actions(data, lang)}",
        f"<footer>{escape(t('export.html.prepared', lang, today=date.today().isoformat()))}</footer>",
        "</main></body></html>",
    ]
    return "\n".join(parts)
