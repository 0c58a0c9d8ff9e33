"""zh-TW interface exports and hand-kept sheets as Taiwanese small businesses have them.

Every figure is made up here. Each builder returns bytes, and the ``*_MONTHS`` dicts next to
them hold the true monthly figures a correct reading gives. Layouts confirmed by a public
source are marked [confirmed]; the others follow the tool's English layout with its zh-TW
labels and are marked [inferred] (see docs/formats/zh-tw-and-hand-kept.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from builders import csv_text, xlsx

# --- Search Console, zh-TW interface [inferred: column names from Google's zh-Hant help] ------

GSC_ZH_MONTHS = {("clicks", "2024-05"): 40.0, ("impressions", "2024-05"): 2500.0}


def gsc_zh_chart_csv(position: str = "排序") -> bytes:
    rows = [
        ["日期", "點擊", "曝光", "點閱率", position],
        ["2024-05-01", "10", "1,000", "1%", "8.5"],
        ["2024-05-02", "30", "1,500", "2%", "6"],
    ]
    return csv_text(rows).encode("utf-8")


def gsc_zh_xlsx() -> bytes:
    return xlsx({
        "圖表": [["日期", "點擊", "曝光", "點閱率", "平均排序"], ["2024-05-01", 10.0, 1000.0, 0.01, 8.5],
                 ["2024-05-02", 30.0, 1500.0, 0.02, 6.0]],
        "查詢": [["熱門查詢", "點擊", "曝光", "點閱率", "排序"], ["烏龍茶", 5.0, 50.0, 0.1, 3.0]],
        "網頁": [["熱門網頁", "點擊", "曝光", "點閱率", "排序"], ["https://x.example/", 5.0, 50.0, 0.1, 3.0]],
        "篩選器": [["篩選器", "值"], ["搜尋類型", "網頁"]],
    })


# --- Google Ads, zh-TW interface [inferred: headers from three zh-TW code bases] --------------

GOOGLE_ADS_ZH_MONTHS = {("ad_spend", "2024-01"): 3469.57, ("clicks", "2024-01"): 283.0,
                        ("impressions", "2024-01"): 5447.0, ("conversions", "2024-01"): 15.0,
                        ("conversion_value", "2024-01"): 18979.15}


def google_ads_zh_csv() -> bytes:
    header = ["日期", "廣告活動狀況", "廣告活動", "貨幣代碼", "點擊", "曝光", "點閱率", "費用", "平均單次點擊出價",
              "轉換", "單次轉換費用", "轉換價值"]
    rows = [
        header,
        ["2024-01-01", "已啟用", "品牌字", "TWD", "105", "2,498", "4.20%", "1,112.37", "10.59", "3.00", "370.79",
         "3,666.10"],
        ["2024-01-02", "已啟用", "品牌字", "TWD", "178", "2,949", "6.04%", "2,357.20", "13.24", "12.00", "196.43",
         "15,313.05"],
        ["總計：廣告活動", " --", " --", "TWD", "283", "5,447", "5.20%", "3,469.57", "12.26", "15.00", "231.30",
         "18,979.15"],
        ["總計：帳戶", " --", " --", "TWD", "283", "5,447", "5.20%", "3,469.57", "12.26", "15.00", "231.30",
         "18,979.15"],
    ]
    return ("廣告活動報表\n2024年1月1日 - 2024年1月2日\n" + csv_text(rows)).encode("utf-8")


def google_ads_zh_cjk_dates_xlsx() -> bytes:
    """The same report as a workbook with 「2024年1月1日」 dates, numbers as numbers."""
    rows: list[list[Any]] = [["廣告活動報表"], ["2024年1月1日 - 2024年1月2日"],
                             ["天", "廣告活動", "貨幣代碼", "點擊", "曝光", "費用", "轉換", "轉換價值"],
                             ["2024年1月1日", "品牌字", "TWD", 105, 2498, 1112.37, 3, 3666.10],
                             ["2024年1月2日", "品牌字", "TWD", 178, 2949, 2357.20, 12, 15313.05],
                             ["總計：帳戶", "", "TWD", 283, 5447, 3469.57, 15, 18979.15]]
    return xlsx({"廣告活動報表": rows})


def google_ads_zh_utf16() -> bytes:
    lines = google_ads_zh_csv().decode("utf-8").splitlines()
    import csv
    import io

    rows = list(csv.reader(io.StringIO("\n".join(lines[2:]))))
    text = "\r\n".join(lines[:2]) + "\r\n" + csv_text(rows, "\t").replace("\n", "\r\n")
    return b"\xff\xfe" + text.encode("utf-16-le")


# --- GA4, zh-TW interface [inferred: names from a zh-TW importer's alias list] ----------------

GA4_ZH_MONTHS = {("sessions", "2024-01"): 310.0, ("revenue", "2024-01"): 7500.5, ("orders", "2024-01"): 7.0,
                 ("conversions", "2024-01"): 8.0, ("organic_sessions", "2024-01"): 220.0}


def ga4_zh_csv() -> bytes:
    preamble = [
        "# ----------------------------------------",
        "# 流量開發：工作階段預設管道群組",
        "# 帳戶: 茶行",
        "# 資源: 茶行 GA4",
        "# ----------------------------------------",
        "# 開始日期: 20240101",
        "# 結束日期: 20240102",
    ]
    rows = [
        ["工作階段預設管道群組", "日期", "工作階段", "互動工作階段", "參與度", "主要事件", "電子商務購買", "總收益"],
        ["自然搜尋", "20240101", "100", "60", "0.6", "3", "2", "2500.5"],
        ["直接", "20240101", "50", "20", "0.4", "1", "1", "900"],
        ["自然搜尋", "20240102", "120", "70", "0.58", "4", "4", "4100"],
        ["直接", "20240102", "40", "10", "0.25", "0", "0", "0"],
        ["", "", "310", "160", "0.52", "8", "7", "7500.5"],
    ]
    return ("\n".join(preamble) + "\n" + csv_text(rows)).encode("utf-8")


# --- Shopify Analytics, zh-TW interface [inferred] --------------------------------------------

SHOPIFY_ZH_MONTHS = {("sessions", "2024-03"): 450.0, ("revenue", "2024-03"): 12300.0, ("orders", "2024-03"): 9.0,
                     ("users", "2024-03"): 330.0}


def shopify_analytics_zh_csv() -> bytes:
    rows = [
        ["日", "線上商店訪客", "工作階段", "總銷售額", "訂單"],
        ["2024-03-01", "100", "150", "4,000.00", "3"],
        ["2024-03-02", "110", "140", "5,300.00", "4"],
        ["2024-03-03", "120", "160", "3,000.00", "2"],
    ]
    return csv_text(rows).encode("utf-8")


# --- Instagram (Meta Business Suite), zh-TW interface [inferred] ------------------------------

INSTAGRAM_ZH_MONTHS = {("reach", "2024-09"): 12100.0, ("impressions", "2024-09"): 18000.0,
                       ("posts", "2024-09"): 3.0, ("new_followers", "2024-09"): 17.0,
                       ("engagements", "2024-09"): 785.0}


def instagram_zh_csv() -> bytes:
    rows = [
        ["貼文編號", "帳號編號", "帳號用戶名稱", "帳號名稱", "說明", "持續時間（秒）", "發佈時間", "永久連結", "貼文類型",
         "資料註解", "日期", "瀏覽次數", "觸及人數", "讚", "分享", "追蹤", "留言", "儲存"],
        ["1789", "1784", "tea.shop", "茶行", "新茶上市", "32", "09/15/2024 18:00", "https://www.instagram.com/reel/x/",
         "IG 連續短片", "", "終身", "15,000", "9800", "410", "120", "14", "20", "55"],
        ["1790", "1784", "tea.shop", "茶行", "第二篇", "0", "09/15/2024 20:00", "https://www.instagram.com/p/y/",
         "IG 圖片", "", "終身", "1000", "800", "40", "2", "1", "3", "5"],
        ["1791", "1784", "tea.shop", "茶行", "第三篇", "15", "09/16/2024 09:00", "https://www.instagram.com/reel/z/",
         "IG 連續短片", "", "終身", "2000", "1500", "100", "10", "2", "8", "12"],
    ]
    return csv_text(rows).encode("utf-8")


# --- hand-kept sheets ---------------------------------------------------------------------

# Six months of a tea shop's books: revenue, orders, ad spend per month.
BOOKS = {
    1: (100_000.0, 50.0, 8_000.0), 2: (120_000.0, 60.0, 9_000.0), 3: (90_000.0, 40.0, 7_000.0),
    4: (110_000.0, 55.0, 8_500.0), 5: (130_000.0, 66.0, 9_500.0), 6: (125_000.0, 61.0, 9_200.0),
}
BOOKS_MONTHS = {
    (metric, f"2024-{m:02d}"): figures[i]
    for m, figures in BOOKS.items()
    for i, metric in enumerate(("revenue", "orders", "ad_spend"))
}
_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun"]


def _book_rows(label: Any, subtotals: bool = True) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for month, (revenue, orders, spend) in BOOKS.items():
        rows.append([label(month), revenue, orders, spend])
        if subtotals and month == 3:
            q1 = [sum(BOOKS[m][i] for m in (1, 2, 3)) for i in range(3)]
            rows.append(["第一季小計", *q1])
    if subtotals:
        rows.append(["合計", *(sum(f[i] for f in BOOKS.values()) for i in range(3))])
    return rows


def books_titled_xlsx() -> bytes:
    """A title row, then 月份｜營收｜訂單｜廣告費, labels 「2024年1月」, a Q1 subtotal and a total."""
    rows = [["2024 年營運日報"], ["月份", "營收", "訂單", "廣告費"], *_book_rows(lambda m: f"2024年{m}月")]
    return xlsx({"營運": rows})


def books_stacked_header_xlsx() -> bytes:
    """「月份」 merged down beside the title merged over 「營收｜訂單｜廣告費」; labels "Jan 2024"."""
    rows = [["月份", "2024 年營運日報", "", ""], ["", "營收", "訂單", "廣告費"],
            *_book_rows(lambda m: f"{_EN[m - 1]} 2024")]
    return xlsx({"Books": rows})


def books_corner_below_xlsx() -> bytes:
    """The header's blank corner filled in the row below (「月」), months 「1月」 under a year title."""
    rows = [["2024 年營運日報"], ["", "營收", "訂單", "廣告費"], ["月", "", "", ""],
            *_book_rows(lambda m: f"{m}月")]
    return xlsx({"工作表1": rows})


def books_roc_csv() -> bytes:
    """Big5 CSV, ROC month labels 「113年1月」, 總計 at the end, NT$ amounts."""
    rows = [["113 年度營運月報"], ["年月", "營收", "訂單數", "廣告費"]]
    for month, (revenue, orders, spend) in BOOKS.items():
        rows.append([f"113年{month}月", f"NT${revenue:,.0f}", f"{orders:.0f}", f"{spend:,.0f}"])
    rows.append(["總計", "", "", ""])
    return csv_text(rows).encode("cp950")


def books_slash_csv(style: str = "{y}/{m}") -> bytes:
    """Labels 「2024/1」 (or another ``style``), a blank column between two blocks of figures."""
    rows = [["日期", "營收", "訂單", "", "廣告費"]]
    for month, (revenue, orders, spend) in BOOKS.items():
        rows.append([style.format(y=2024, m=month, mm=f"{month:02d}"), revenue, orders, "", spend])
    return csv_text(rows).encode("utf-8")


def books_month_start_csv(last_day: bool = False) -> bytes:
    """Month totals dated the 1st of each month (or its last day)."""
    rows = [["日期", "營收", "訂單", "廣告費"]]
    for month, (revenue, orders, spend) in BOOKS.items():
        day = dt.date(2024, month, 1)
        if last_day:
            day = (dt.date(2024, month + 1, 1) - dt.timedelta(days=1))
        rows.append([day.isoformat(), revenue, orders, spend])
    return csv_text(rows).encode("utf-8")


WEEKS = [(dt.date(2024, 1, 1) + dt.timedelta(days=7 * i), 1000.0 + 100 * i, 10.0 + i) for i in range(8)]
WEEKS_MONTHS = {
    ("revenue", "2024-01"): sum(r for d, r, _ in WEEKS if d.month == 1),
    ("revenue", "2024-02"): sum(r for d, r, _ in WEEKS if d.month == 2),
}


def weekly_csv() -> bytes:
    rows = [["週起始日", "營收", "訂單"], *[[d.isoformat(), r, o] for d, r, o in WEEKS]]
    return csv_text(rows).encode("utf-8")


def weekly_dates_csv() -> bytes:
    """Weekly figures under a plain 日期 header: the 7-day steps say they are weeks."""
    rows = [["日期", "營收", "訂單"], *[[d.isoformat(), r, o] for d, r, o in WEEKS]]
    return csv_text(rows).encode("utf-8")


# One sheet per month, the same header on each, daily rows and a 合計 row at the bottom.
DAILY = {(m, d): (1000.0 * m + d, float(d % 3 + 1)) for m in (1, 2, 3) for d in range(1, 6)}
DAILY_MONTHS = {
    **{("revenue", f"2024-{m:02d}"): sum(v[0] for (mm, _), v in DAILY.items() if mm == m) for m in (1, 2, 3)},
    **{("orders", f"2024-{m:02d}"): sum(v[1] for (mm, _), v in DAILY.items() if mm == m) for m in (1, 2, 3)},
}


def sheet_per_month_xlsx() -> bytes:
    sheets: dict[str, list[list[Any]]] = {}
    for month in (1, 2, 3):
        rows: list[list[Any]] = [[f"2024 年 {month} 月營運日報"], ["日期", "營收", "訂單", "備註"]]
        days = [(d, DAILY[(month, d)]) for d in range(1, 6)]
        rows += [[dt.datetime(2024, month, d), rev, orders, ""] for d, (rev, orders) in days]
        rows.append(["合計", sum(v[0] for _, v in days), sum(v[1] for _, v in days), ""])
        sheets[f"{month}月"] = rows
    return xlsx(sheets)


def unmapped_columns_csv() -> bytes:
    """A sheet whose 「廣告花費(千元)」 is a metric in another unit: said, never imported."""
    rows = [["日期", "營收", "廣告花費(千元)", "Total Ad Spend (TWD)"],
            ["2024-01-01", "1000", "8", "9000"], ["2024-01-02", "1200", "9", "9000"]]
    return csv_text(rows).encode("utf-8")
