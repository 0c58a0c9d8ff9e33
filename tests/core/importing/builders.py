"""Export files written by test code in each tool's real layout (export-formats.md).

Every figure is made up here; no third-party file is copied. Each builder returns bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import openpyxl


def csv_text(rows: Sequence[Sequence[Any]], delimiter: str = ",") -> str:
    import csv

    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def xlsx(sheets: dict[str, Sequence[Sequence[Any]]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- GA4 ----------------------------------------------------------------------------------

GA4_PREAMBLE = [
    "# ----------------------------------------",
    "# Traffic acquisition: Session primary channel group (Default Channel Group)",
    "# Account: Test Shop",
    "# Property: Test Shop (GA4)",
    "# ----------------------------------------",
    "# ",
    "# All Users",
    "# Start date: 20240101",
    "# End date: 20240102",
]


def ga4_standard() -> bytes:
    rows = [
        ["Session primary channel group (Default Channel Group)", "Date", "Sessions", "Engaged sessions",
         "Engagement rate", "Key events", "Ecommerce purchases", "Total revenue"],
        ["Organic Search", "20240101", "100", "60", "0.6", "3", "2", "2500.5"],
        ["Direct", "20240101", "50", "20", "0.4", "1", "1", "900"],
        ["Organic Search", "20240102", "120", "70", "0.5833333333333334", "4", "4", "4100"],
        ["Direct", "20240102", "40", "10", "0.25", "0", "0", "0"],
    ]
    return ("\n".join(GA4_PREAMBLE) + "\n" + csv_text(rows).rstrip("\n")).encode("utf-8")


def ga4_exploration() -> bytes:
    text = (
        "# ----------------------------------------\n"
        "# Test Shop GA4\n"
        "# Untitled exploration-Free form 1\n"
        "# 20240101-20240103\n"
        "# ----------------------------------------\n"
        "\n"
        "Date,Sessions,Total users,Key events,Bounce rate\n"
        ",600,500,30,0.3,Grand total\n"
        "20240101,100,90,5,0.3\n"
        "20240102,200,170,10,0.25\n"
        "20240103,300,240,15,0.2\n"
    )
    return text.encode("utf-8")


def ga4_overview() -> bytes:
    text = (
        "# ----------------------------------------\n"
        "# Report CSV Export\n"
        "# Account: Test Shop\n"
        "# Property: Test Shop - GA4\n"
        "# ----------------------------------------\n"
        "#  \n"
        "# Start date: 20240301\n"
        "# End date: 20240303\n"
        "Nth day,Users\n"
        "0000,10\n"
        "0001,20\n"
        "0002,30\n"
        "\n"
        "# How much revenue are you generating?\n"
        "# Start date: 20240301\n"
        "# End date: 20240303\n"
        "Nth day,Total revenue\n"
        "0000,100.5\n"
        "0001,200\n"
        "0002,0\n"
        "\n"
        "# Start date: 20240301\n"
        "# End date: 20240303\n"
        "Nth day,Sessions\n"
        "\n"
        "# Start date: 20240301\n"
        "# End date: 20240303\n"
        "Platform,Key events\n"
        "web,12\n"
        "Android,3\n"
    )
    return text.encode("utf-8")


# --- Search Console -----------------------------------------------------------------------

GSC_HEADER = ["Date", "Clicks", "Impressions", "CTR", "Position"]


def gsc_chart_csv(newest_first: bool = False, name: str = "Date") -> bytes:
    rows = [
        ["2024-05-01", "10", "1000", "1%", "8.5"],
        ["2024-05-02", "30", "1500", "2%", "6"],
        ["2024-05-03", "0", "0", "", ""],
    ]
    if newest_first:
        rows.reverse()
    return csv_text([[name, *GSC_HEADER[1:]], *rows]).rstrip("\n").encode("utf-8")


def gsc_queries_csv() -> bytes:
    rows = [["Top queries", "Clicks", "Impressions", "CTR", "Position"], ["oolong tea", "44", "71", "61.97%", "2.13"]]
    return csv_text(rows).encode("utf-8")


def gsc_xlsx() -> bytes:
    chart = [GSC_HEADER, ["2024-05-01", 10.0, 1000.0, 0.01, 8.5], ["2024-05-02", 30.0, 1500.0, 0.02, 6.0]]
    return xlsx({
        "Chart": chart,
        "Queries": [["Top queries", "Clicks", "Impressions", "CTR", "Position"], ["oolong", 5.0, 50.0, 0.1, 3.0]],
        "Pages": [["Top pages", "Clicks", "Impressions", "CTR", "Position"], ["https://x.example/", 5.0, 50.0, 0.1, 3.0]],
        "Countries": [["Country", "Clicks", "Impressions", "CTR", "Position"]],
        "Devices": [["Device", "Clicks", "Impressions", "CTR", "Position"]],
        "Search appearance": [["Search Appearance", "Clicks", "Impressions", "CTR", "Position"]],
        "Filters": [["Filter", "Value"], ["Search type", "Web"], ["Date", "May 1, 2024-May 2, 2024"]],
    })


def gsc_compare_csv() -> bytes:
    rows = [
        ["Date", "Last 28 days Clicks", "Previous 28 days Clicks", "Last 28 days Impressions",
         "Previous 28 days Impressions", "Last 28 days CTR", "Previous 28 days CTR"],
        ["2024-05-01", "10", "99", "100", "999", "10%", "9.9%"],
    ]
    return csv_text(rows).encode("utf-8")


# --- Meta Ads -----------------------------------------------------------------------------

META_HEADER = ["Day", "Campaign name", "Reach", "Impressions", "Amount spent (USD)", "Link clicks",
               "CTR (link click-through rate)", "Purchases", "Purchase ROAS (return on ad spend)",
               "CPM (cost per 1,000 impressions) (USD)", "Reporting starts", "Reporting ends"]


def meta_csv_en(bom: bool = True) -> bytes:
    rows = [
        META_HEADER,
        ["2024-02-01", "Prospecting", "800", "1000", "50.00", "20", "2", "2", "4.5", "50", "2024-02-01", "2024-02-01"],
        ["2024-02-01", "Retargeting", "300", "400", "20.00", "", "", "", "", "50", "2024-02-01", "2024-02-01"],
        ["2024-02-02", "Prospecting", "900", "1200", "60.00", "30", "2.5", "3", "5", "50", "2024-02-02", "2024-02-02"],
    ]
    text = csv_text(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def meta_xlsx_zh() -> bytes:
    header = ["行銷活動名稱", "廣告組合名稱", "廣告名稱", "月", "觸及人數", "曝光次數", "花費金額 (TWD)",
              "連結點擊次數", "CTR（全部）", "購買次數", "購買 ROAS（廣告投資報酬率）", "廣告編號", "行銷活動名稱",
              "分析報告開始", "分析報告結束"]
    rows = [
        header,
        ["春季檔期", "組合A", "廣告1", "2025-10-01 - 2025-10-31", 28.0, 44.0, 10.0, 1.0, 2.27272727, "", "",
         "120234635470890487", "春季檔期", "2025-10-01", "2025-10-31"],
        ["春季檔期", "組合A", "廣告2", "2025-10-01 - 2025-10-31", 100.0, 156.0, 90.0, 4.0, 2.5641, 2.0, 3.0,
         "120234635470890488", "春季檔期", "2025-10-01", "2025-10-31"],
        ["秋季檔期", "組合B", "廣告3", "2025-11-01 - 2025-11-30", 50.0, 60.0, 30.0, "", "", "", "",
         "120234635470890489", "秋季檔期", "2025-11-01", "2025-11-30"],
    ]
    return xlsx({"Creative Reporting": rows})


# --- Google Ads ---------------------------------------------------------------------------

ADS_HEADER = ["Day", "Campaign status", "Campaign", "Currency code", "Clicks", "Impr.", "CTR", "Cost", "Avg. CPC",
              "Conversions", "Cost / conv.", "Conv. value", "Conv. value / cost"]
ADS_ROWS = [
    ["2024-01-01", "Enabled", "Brand", "TWD", "105", "2,498", "4.20%", "1112.37", "10.59", "3.00", "370.79", "3,666.10", "3.30"],
    ["2024-01-01", "Enabled", "Generic - 烏龍茶", "TWD", "199", "4,040", "4.93%", "2604.88", "13.09", "11.00", "236.81", "15,012.97", "5.76"],
    ["2024-01-02", "Enabled", "Brand", "TWD", "178", "2,949", "6.04%", "2357.20", "13.24", "12.00", "196.43", "15,313.05", "6.50"],
    ["Total: Campaigns", " --", " --", "TWD", "482", "9,487", "5.08%", "6074.45", "12.60", "26.00", "233.63", "33,992.12", "5.60"],
    ["Total: Account", " --", " --", "TWD", "482", "9,487", "5.08%", "6074.45", "12.60", "26.00", "233.63", "33,992.12", "5.60"],
]


def google_ads_csv() -> bytes:
    text = "Campaign report\n1 January 2024 - 2 January 2024\n" + csv_text([ADS_HEADER, *ADS_ROWS])
    return text.encode("utf-8")


def google_ads_utf16_tab() -> bytes:
    text = "Campaign report\r\n1 January 2024 - 2 January 2024\r\n" + csv_text([ADS_HEADER, *ADS_ROWS], "\t").replace("\n", "\r\n")
    return b"\xff\xfe" + text.encode("utf-16-le")


def google_ads_xlsx() -> bytes:
    def num(v: str) -> Any:
        v = v.strip()
        if v.endswith("%"):
            return float(v[:-1]) / 100
        try:
            return float(v.replace(",", ""))
        except ValueError:
            return "--" if v == "--" else v

    rows = [["Campaign report"], ["January 1, 2024 - January 2, 2024"], ADS_HEADER]
    rows += [[num(c) if i >= 4 else c.strip() for i, c in enumerate(r)] for r in ADS_ROWS]
    return xlsx({"Campaign report": rows})


# --- Mailchimp, Shopify, Instagram --------------------------------------------------------


def mailchimp_csv() -> bytes:
    header = ["Title", "Subject", "List", "Send Date", "Send Weekday", "Total Recipients", "Successful Deliveries",
              "Unique Opens", "Open Rate", "Total Opens", "Unique Clicks", "Click Rate", "Total Clicks", "Total Revenue"]
    rows = [
        header,
        ["[03-01-24] News", "Hello", "Subscribers", "Mar 01, 2024 09:30 am", "Friday", "1000", "990", "300", "30.30%", "450", "40", "4.04%", "60", "1234.50"],
        ["[03-01-24] VIP", "VIP", "VIP", "Mar 01, 2024 06:00 pm", "Friday", "100", "100", "50", "50.00%", "70", "10", "10.00%", "12", "n/a"],
        ["[03-15-24] News", "Hello 2", "Subscribers", "Mar 15, 2024 09:30 am", "Friday", "1000", "995", "310", "31.16%", "470", "45", "4.52%", "70", "2000"],
    ]
    return csv_text(rows).encode("utf-8")


SHOPIFY_HEADER = ["Name", "Email", "Financial Status", "Paid at", "Currency", "Subtotal", "Total", "Refunded Amount",
                  "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price", "Billing Name", "Billing Zip",
                  "Billing Phone", "Note Attributes", "Cancelled at"]


def shopify_orders_csv() -> bytes:
    rows = [
        SHOPIFY_HEADER,
        ["#1001", "amy@example.invalid", "paid", "2024-04-01 10:00:00 +0800", "TWD", "1000.00", "1000.00", "0.00",
         "2024-04-01 10:00:00 +0800", "1", "烏龍茶", "600.00", "Amy Chen", "'10617", "+886 900 000 000",
         "gift: yes\nwrap: red", ""],
        ["#1001", "", "", "", "", "", "", "", "", "1", "紅茶", "400.00", "", "", "", "", ""],
        ["#1002", "bob@example.invalid", "partially_refunded", "2024-04-01 23:50:00 +0800", "TWD", "500.00", "500.00",
         "100.00", "2024-04-01 23:50:00 +0800", "1", "綠茶", "500.00", "Bob Lin", "'10617", "", "", ""],
        ["#1003", "cat@example.invalid", "voided", "", "TWD", "300.00", "300.00", "0.00",
         "2024-04-02 09:00:00 +0800", "1", "綠茶", "300.00", "Cat Wu", "'10617", "", "", "2024-04-02 09:05:00 +0800"],
        ["#1004", "dan@example.invalid", "paid", "2024-04-02 12:00:00 +0800", "TWD", "700.00", "700.00", "0.00",
         "2024-04-02 12:00:00 +0800", "2", "烏龍茶", "350.00", "Dan Ho", "'10617", "", "", ""],
    ]
    return csv_text(rows).encode("utf-8")


def shopify_analytics_csv() -> bytes:
    text = (
        '"Week","Online store visitors","Sessions","Week (previous_year)","Online store visitors (previous_year)",'
        '"Sessions (previous_year)","Online store visitors (previous_year) ","Sessions (previous_year) "\n'
        '"2024-01-01",100,150,"2023-01-02",90,120,11.1,25\n'
        '"2024-01-08",110,160,"2023-01-09",100,140,10,14.3\n'
    )
    return text.encode("utf-8")


def instagram_csv() -> bytes:
    rows = [
        ["Post ID", "Account ID", "Account username", "Account name", "Description", "Duration (sec)", "Publish time",
         "Permalink", "Post type", "Data comment", "Date", "Views", "Reach", "Likes", "Shares", "Follows", "Comments", "Saves"],
        ["1789", "1784", "tea.shop", "Tea Shop", "New tea, out now", "32", "09/15/2024 18:00",
         "https://www.instagram.com/reel/x/", "IG reel", "", "Lifetime", "15,000", "9800", "410", "120", "14", "20", "55"],
        ["1790", "1784", "tea.shop", "Tea Shop", "Second", "0", "09/15/2024 20:00",
         "https://www.instagram.com/p/y/", "IG image", "", "Lifetime", "1000", "800", "40", "2", "1", "3", "5"],
        ["1791", "1784", "tea.shop", "Tea Shop", "Third", "15", "09/16/2024 09:00",
         "https://www.instagram.com/reel/z/", "IG reel", "", "Lifetime", "2000", "1500", "100", "10", "2", "8", "12"],
    ]
    return csv_text(rows).encode("utf-8")


# --- our own template and hand-kept sheets -------------------------------------------------


def template_long_csv() -> bytes:
    rows = [
        ["date", "metric", "value", "source", "dimension"],
        ["2024-01-31", "revenue", "1000", "", ""],
        ["2024-01-31", "營收", "500", "pos", "台北店"],
        ["2024-01-31", "ctr", "3.5%", "", ""],
        ["2024-02-01", "Sessions", "120", "", ""],
    ]
    return csv_text(rows).encode("utf-8")


def big5_roc_csv() -> bytes:
    rows = [
        ["日期", "營收", "訂單數", "工作階段", "備註"],
        ["113/01/30", "NT$1,234", "3", "100", "週二"],
        ["113/01/31", "NT$12,000", "10", "250", "月底促銷"],
        ["113/02/01", "元500", "1", "80", ""],
    ]
    return csv_text(rows).encode("cp950")


def english_serial_xlsx() -> bytes:
    rows = [
        ["Monthly tracking"],
        ["Date", "Revenue", "Orders", "Sessions", "Notes"],
        [45292, 1500.0, 5.0, 300.0, "new year"],
        [45293, 900.0, 3.0, 250.0, ""],
        [45294, 1200.5, 4.0, 280.0, ""],
    ]
    return xlsx({"Tracking": rows})
