"""Exports of LINE OA, Shopee, SHOPLINE, 91APP, Stripe and Mailchimp's campaign report, written
by test code in each tool's layout (see ``docs/formats/``), with their true monthly figures.

Every builder draws its records from a seeded generator, writes them the way the tool does
(its headers in the chosen interface language, line items repeating order fields, statuses in
the tool's words, personal data in its columns), and computes the expected figures from the
records themselves, never from the file. A ``Sample`` carries both.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from builders import csv_text, xlsx

Monthly = dict[str, dict[str, float]]  # metric → "YYYY-MM" → value

# Personal data written into the samples: none of it may ever reach the database.
PII_NAMES = ("王小明", "陳美玲", "林志豪", "Amy Chen", "Brian Lee")
PII_PHONES = ("0912-345-678", "0922-111-333", "+886 933 222 111")
PII_EMAILS = ("amy.chen@example.invalid", "brian.lee@example.invalid", "shop.buyer@example.invalid")
PII_ADDRESSES = ("台北市信義區松高路 11 號", "新北市板橋區文化路一段 100 號", "12 Example Road, Taipei")
PII_VALUES = PII_NAMES + PII_PHONES + PII_EMAILS + PII_ADDRESSES


@dataclass
class Sample:
    data: bytes
    name: str
    source: str
    expected: Monthly
    notes: dict[str, Any] = field(default_factory=dict)


def _month(day: dt.date) -> str:
    return day.strftime("%Y-%m")


def _days(rng: random.Random, start: dt.date, months: int) -> dt.date:
    span = (dt.date(start.year + (start.month - 1 + months) // 12, (start.month - 1 + months) % 12 + 1, 1) - start).days
    return start + dt.timedelta(days=rng.randrange(span))


def _add(expected: Monthly, metric: str, month: str, value: float) -> None:
    expected.setdefault(metric, {}).setdefault(month, 0.0)
    expected[metric][month] += value


def _person(rng: random.Random) -> tuple[str, str, str, str]:
    return rng.choice(PII_NAMES), rng.choice(PII_PHONES), rng.choice(PII_EMAILS), rng.choice(PII_ADDRESSES)


# --- Shopee ------------------------------------------------------------------------------------

SHOPEE_ZH = ["訂單編號", "訂單狀態", "不成立原因", "退貨 / 退款狀態", "買家帳號", "訂單成立日期", "商品總價", "買家支付運費",
             "蝦皮補助運費", "退貨運費", "買家總支付金額", "蝦皮補貼金額", "蝦幣折抵", "銀行信用卡活動折抵", "優惠代碼",
             "賣場優惠券", "成交手續費", "其他服務費", "金流與系統處理費", "商品名稱", "商品選項名稱", "商品原價",
             "商品活動價格", "主商品貨號", "數量", "退貨數量", "收件地址", "收件者電話", "城市", "行政區", "郵遞區號",
             "收件者姓名", "寄送方式", "付款方式", "買家付款時間", "實際出貨時間", "訂單完成時間", "買家備註", "備註"]
SHOPEE_EN = ["Order ID", "Order Status", "Cancel reason", "Return / Refund Status", "Username (Buyer)",
             "Order Creation Date", "Product Subtotal", "Buyer Paid Shipping Fee", "Grand Total", "Shopee Voucher",
             "Shopee Coins Offset", "Product Name", "Variation Name", "Original Price", "Deal Price", "Quantity",
             "Returned quantity", "Receiver Name", "Phone Number", "Delivery Address", "City", "Zip Code",
             "Remark from buyer", "Order Complete Time"]
# (order status, return status) → state, in each interface's words.
SHOPEE_STATUSES = {
    "zh": [("已完成", "", "ok"), ("運送中", "", "ok"), ("待出貨", "", "ok"), ("不成立", "", "cancelled"),
           ("已取消", "", "cancelled"), ("已完成", "退款成功", "returned"), ("退貨/退款", "退貨退款申請中", "return_pending"),
           ("已完成", "已取消退貨申請", "ok"), ("退貨/退款", "", "return_pending")],
    "en": [("Completed", "", "ok"), ("Shipping", "", "ok"), ("To ship", "", "ok"), ("Cancelled", "", "cancelled"),
           ("Completed", "Refund Successful", "returned"), ("Return/Refund", "Requested", "return_pending"),
           ("Completed", "Request Cancelled", "ok")],
}
PRODUCTS = [("阿里山烏龍茶 150g", 450), ("東方美人茶 75g", 680), ("茶具組", 1200), ("冷泡茶包 10 入", 299)]


def shopee_orders(lang: str = "zh", orders: int = 60, seed: int = 1, workbook: bool = True) -> Sample:
    rng = random.Random(seed)
    header = SHOPEE_ZH if lang == "zh" else SHOPEE_EN
    rows: list[list[Any]] = []
    expected: Monthly = {}
    states: dict[str, int] = defaultdict(int)
    for n in range(orders):
        day = _days(rng, dt.date(2024, 1, 1), 3)
        order_id = f"24{day:%m%d}{n:04d}AB{rng.randrange(100, 999)}"
        status, ret, state = rng.choice(SHOPEE_STATUSES[lang])
        lines = [rng.choice(PRODUCTS) + (rng.randint(1, 3),) for _ in range(rng.randint(1, 3))]
        goods = sum(price * qty for _, price, qty in lines)
        shipping = rng.choice([0, 60])
        total = goods + shipping - rng.choice([0, 0, 10, 50])
        states[state] += 1
        if state in ("ok", "return_pending"):
            _add(expected, "orders", _month(day), 1)
            _add(expected, "revenue", _month(day), total)
        name, phone, _email, address = _person(rng)
        created = f"{day:%Y-%m-%d} {rng.randrange(24):02d}:{rng.randrange(60):02d}"
        for product, price, qty in lines:
            if lang == "zh":
                rows.append([order_id, status, "買家申請取消" if state == "cancelled" else "", ret, f"buyer_{n % 17}",
                             created, goods, shipping, 0, 0, total, 0, 0, 0, "", 0, round(total * 0.05), 0,
                             round(total * 0.02), product, "標準", price, price, "SKU-1", qty, 0, address, phone,
                             "台北市", "信義區", "110", name, "7-ELEVEN", "信用卡", created, "", "", "請盡快出貨", ""])
            else:
                rows.append([order_id, status, "Cancelled by buyer" if state == "cancelled" else "", ret,
                             f"buyer_{n % 17}", created, goods, shipping, total, 0, 0, product, "Standard", price, price,
                             qty, 0, name, phone, address, "Taipei City", "110", "please ship soon", ""])
    rows.sort(key=lambda r: r[5] if lang == "zh" else r[5])
    table = [header, *rows]
    if workbook:
        data = xlsx({"orders": table})
        name = "Order.all.20240101_20240331.xlsx"
    else:
        data = csv_text(table).encode("utf-8-sig")
        name = "Order.all.20240101_20240331.csv"
    return Sample(data, name, "shopee_orders", expected, {"states": dict(states)})


def shopee_insights(seed: int = 2) -> Sample:
    """Business Insights, a daily sales overview with a title and a date-range line above it."""
    rng = random.Random(seed)
    rows: list[list[Any]] = [["賣場數據總覽"], ["資料期間：2024/01/01 - 2024/02/29"], [],
                             ["日期", "銷售額", "訂單", "每筆訂單銷售額", "不重複訪客數", "商品頁瀏覽數", "訂單轉換率", "買家數"]]
    expected: Monthly = {}
    day = dt.date(2024, 1, 1)
    while day <= dt.date(2024, 2, 29):
        orders = rng.randint(0, 30)
        sales = sum(rng.randint(200, 1500) for _ in range(orders))
        visitors = orders * rng.randint(20, 40) + rng.randint(1, 50)
        rows.append([day.strftime("%Y/%m/%d"), f"{sales:,}", orders, round(sales / orders, 2) if orders else 0, visitors,
                     visitors * 3, f"{orders / visitors:.2%}", max(orders - 1, 0)])
        _add(expected, "revenue", _month(day), sales)
        _add(expected, "orders", _month(day), orders)
        _add(expected, "users", _month(day), visitors)
        day += dt.timedelta(days=1)
    return Sample(xlsx({"銷售概況": rows}), "shop-stats_20240101_20240229.xlsx", "shopee_insights", expected)


# --- SHOPLINE ----------------------------------------------------------------------------------

SHOPLINE_ZH = ["訂單號碼", "訂單日期", "訂單狀態", "付款狀態", "送貨狀態", "付款方式", "送貨方式", "訂單小計", "運費",
               "優惠折扣", "折抵購物金", "訂單合計", "付款總金額", "已退款金額", "退貨單編號", "顧客", "電郵", "電話號碼",
               "收件人", "收件人電話號碼", "地址 1", "城市", "郵政編號", "商品名稱", "選項", "商品貨號", "數量",
               "商品結帳價", "訂單備註"]
SHOPLINE_EN = ["Order Number", "Order Date", "Order Status", "Payment Status", "Delivery Status", "Payment Method",
               "Delivery Method", "Order Subtotal", "Shipping Fee", "Discount", "Store Credit", "Order Total",
               "Refunded Amount", "Return Order Number", "Customer", "Email", "Phone Number", "Recipient",
               "Recipient Phone Number", "Address 1", "City", "Postcode", "Product Name", "Variation", "SKU",
               "Quantity", "Product Checkout Price", "Order Remarks"]
# (order status, payment status, refunded share, return order?) → state
SHOPLINE_STATUSES = {
    "zh": [("已完成", "已付款", 0.0, False, "ok"), ("已確認", "已付款", 0.0, False, "ok"), ("處理中", "未付款", 0.0, False, "ok"),
           ("已取消", "未付款", 0.0, False, "cancelled"), ("已完成", "已退款", 1.0, True, "returned"),
           ("已完成", "部分退款", 0.25, True, "partial"), ("已完成", "已付款", 0.0, True, "return_pending")],
    "en": [("Completed", "Paid", 0.0, False, "ok"), ("Confirmed", "Paid", 0.0, False, "ok"),
           ("Cancelled", "Unpaid", 0.0, False, "cancelled"), ("Completed", "Refunded", 1.0, True, "returned"),
           ("Completed", "Partially Refunded", 0.5, True, "partial")],
}


def shopline_orders(lang: str = "zh", orders: int = 50, seed: int = 3) -> Sample:
    rng = random.Random(seed)
    header = SHOPLINE_ZH if lang == "zh" else SHOPLINE_EN
    rows: list[list[Any]] = []
    expected: Monthly = {}
    for n in range(orders):
        day = _days(rng, dt.date(2024, 1, 1), 2)
        number = f"2024{day:%m%d}{n:06d}"
        status, payment, refund_share, has_return, state = rng.choice(SHOPLINE_STATUSES[lang])
        lines = [rng.choice(PRODUCTS) + (rng.randint(1, 2),) for _ in range(rng.randint(1, 3))]
        subtotal = sum(price * qty for _, price, qty in lines)
        shipping, discount = rng.choice([0, 80]), rng.choice([0, 100])
        total = subtotal + shipping - discount
        refunded = round(total * refund_share)
        if state in ("ok", "partial", "return_pending"):
            _add(expected, "orders", _month(day), 1)
            _add(expected, "revenue", _month(day), total - refunded)
        name, phone, email, address = _person(rng)
        stamp = f"{day:%Y-%m-%d} {rng.randrange(24):02d}:{rng.randrange(60):02d}:00"
        for product, price, qty in lines:
            common = [number, stamp, status, payment, "已到達" if lang == "zh" else "Arrived",
                      "信用卡" if lang == "zh" else "Credit Card", "7-11 取貨" if lang == "zh" else "7-11 Pickup",
                      subtotal, shipping, discount, 0, total]
            if lang == "zh":
                rows.append([*common, total, refunded, "RT001" if has_return else "", name, email, phone, name, phone,
                             address, "台北市", "110", product, "", "SKU-1", qty, price, "包裝請用禮盒"])
            else:
                rows.append([*common, refunded, "RT001" if has_return else "", name, email, phone, name, phone,
                             address, "Taipei", "110", product, "", "SKU-1", qty, price, "gift box please"])
    return Sample(csv_text([header, *rows]).encode("utf-8-sig"), "order_report_20240101_20240229.csv",
                  "shopline_orders", expected)


# --- 91APP -------------------------------------------------------------------------------------

NINETY_ONE_HEADER = ["主單編號", "訂單編號", "訂購日期", "訂單狀態", "配送狀態", "付款方式", "配送方式", "商品序號", "商品名稱",
                     "數量", "售價", "小計", "訂購人", "訂購人手機", "訂購人Email", "收件人", "收件人手機", "收件地址", "備註"]
NINETY_ONE_LINE_STATES = [("已完成", "ok"), ("已出貨", "ok"), ("已成立", "ok"), ("已取消", "cancelled"),
                          ("退貨完成", "returned"), ("退貨處理中", "return_pending")]


def ninety_one_app_orders(orders: int = 40, seed: int = 4) -> Sample:
    """One row per product line with its own status and 小計: orders are summed from lines."""
    rng = random.Random(seed)
    rows: list[list[Any]] = []
    expected: Monthly = {}
    for n in range(orders):
        day = _days(rng, dt.date(2024, 2, 1), 2)
        master = f"TG{day:%y%m%d}{n:05d}"
        counted, revenue = False, 0.0
        name, phone, email, address = _person(rng)
        stamp = f"{day:%Y/%m/%d} {rng.randrange(24):02d}:{rng.randrange(60):02d}"
        for line in range(rng.randint(1, 3)):
            product, price, qty = rng.choice(PRODUCTS) + (rng.randint(1, 2),)
            status, state = rng.choice(NINETY_ONE_LINE_STATES)
            if state in ("ok", "return_pending"):
                counted, revenue = True, revenue + price * qty
            rows.append([master, f"TS{day:%y%m%d}{n:05d}{line}", stamp, status, "已配送", "信用卡", "宅配", f"P{line}",
                         product, qty, price, price * qty, name, phone, email, name, phone, address, ""])
        if counted:
            _add(expected, "orders", _month(day), 1)
            _add(expected, "revenue", _month(day), revenue)
    return Sample(xlsx({"訂單": [NINETY_ONE_HEADER, *rows]}), "91APP_訂單匯出_202402.xlsx", "ninety_one_app_orders",
                  expected)


# --- LINE Official Account ---------------------------------------------------------------------


def line_messages(lang: str = "zh", messages: int = 30, seed: int = 5) -> Sample:
    """Broadcast messages, one row per message (several on some days), rates as the tool prints them."""
    rng = random.Random(seed)
    if lang == "zh":
        header = ["傳送日期", "訊息標題", "傳送數", "開封人數", "開封率", "點擊人數", "點擊率", "影片觀看人數"]
    else:
        header = ["Sent date", "Title", "Delivered", "Unique impressions", "Open rate", "Unique clicks", "Click rate",
                  "Unique media played"]
    rows: list[list[Any]] = []
    expected: Monthly = {}
    for n in range(messages):
        day = _days(rng, dt.date(2024, 1, 1), 3)
        delivered = rng.randint(500, 5000)
        opens = rng.randint(0, delivered)
        clicks = rng.randint(0, opens)
        rows.append([f"{day:%Y/%m/%d} {rng.randrange(8, 22):02d}:00", f"活動訊息 {n}", f"{delivered:,}", opens,
                     f"{opens / delivered:.1%}", clicks, f"{clicks / delivered:.1%}", 0])
        for metric, value in (("line_messages_delivered", delivered), ("line_message_opens", opens),
                              ("line_message_clicks", clicks)):
            _add(expected, metric, _month(day), value)
    rows.sort(key=lambda r: r[0])
    for month in expected["line_messages_delivered"]:
        expected.setdefault("line_open_rate", {})[month] = (
            expected["line_message_opens"][month] / expected["line_messages_delivered"][month])
        expected.setdefault("line_click_rate", {})[month] = (
            expected["line_message_clicks"][month] / expected["line_messages_delivered"][month])
    return Sample(csv_text([header, *rows]).encode("utf-8-sig"), "message_statistics.csv", "line_oa_messages", expected)


def line_friends(lang: str = "zh", seed: int = 6) -> Sample:
    """Friends per day: the running total (a level), target reach and blocks."""
    rng = random.Random(seed)
    header = ["日期", "好友人數", "目標好友數", "封鎖"] if lang == "zh" else ["Date", "Friends", "Target reach", "Blocks"]
    rows: list[list[Any]] = []
    expected: Monthly = {}
    friends, day = 1200, dt.date(2024, 1, 1)
    while day <= dt.date(2024, 3, 31):
        friends += rng.randint(-3, 25)
        rows.append([day.strftime("%Y%m%d"), friends, int(friends * 0.9), rng.randint(0, 4)])
        expected.setdefault("line_friends", {})[_month(day)] = friends  # the month's last day wins
        day += dt.timedelta(days=1)
    return Sample(csv_text([header, *rows]).encode("utf-8"), "friends.csv", "line_oa_friends", expected)


# --- Stripe ------------------------------------------------------------------------------------

STRIPE_SUBSCRIPTION_HEADER = [
    "id", "Customer ID", "Customer Name", "Customer Email", "Plan", "Product", "Quantity", "Currency", "Interval",
    "Amount", "Status", "Created (UTC)", "Start (UTC)", "Current Period Start (UTC)", "Current Period End (UTC)",
    "Trial Start (UTC)", "Trial End (UTC)", "Application Fee Percent", "Coupon", "Tax Percent", "Canceled At (UTC)",
    "Cancel At Period End", "Ended At (UTC)", "Cancellation Reason",
]
PLANS = [("Starter", "month", 1, 490.0), ("Pro", "month", 1, 1290.0), ("Pro yearly", "year", 1, 12900.0),
         ("Team", "month", 5, 390.0)]
MONTHLY = {"month": 1.0, "year": 1 / 12}


def stripe_subscriptions(customers: int = 40, seed: int = 7, report: dt.date = dt.date(2024, 6, 18)) -> Sample:
    """All subscriptions (active, trialing, cancelled, incomplete), each customer one or two."""
    rng = random.Random(seed)
    subs: list[dict[str, Any]] = []
    for c in range(customers):
        start = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(150))
        plan = rng.choice(PLANS)
        trial = rng.random() < 0.3
        kind = rng.choices(["active", "canceled", "incomplete_expired"], [0.65, 0.3, 0.05])[0]
        trial_end = start + dt.timedelta(days=14) if trial else None
        paid_from = trial_end or start
        end = None
        if kind == "canceled":
            end = paid_from + dt.timedelta(days=rng.randrange(1, 120))
            if end > report:
                kind, end = "active", None
        if kind == "incomplete_expired":
            end = start + dt.timedelta(days=1)
        subs.append({"customer": f"cus_{c:04d}", "plan": plan, "status": kind, "start": start, "trial_end": trial_end,
                     "paid_from": paid_from, "end": end})
        if kind == "canceled" and rng.random() < 0.4 and end is not None and end + dt.timedelta(days=10) < report:
            again = end + dt.timedelta(days=rng.randrange(1, 10))  # came back on another plan
            subs.append({"customer": f"cus_{c:04d}", "plan": rng.choice(PLANS), "status": "active", "start": again,
                         "trial_end": None, "paid_from": again, "end": None})
    rows = []
    for n, s in enumerate(subs):
        name, _plan_interval, quantity, amount = s["plan"]
        person = _person(rng)
        trialing = s["trial_end"] is not None and s["trial_end"] > report
        status = "trialing" if trialing and s["status"] == "active" else s["status"]
        rows.append([f"sub_{n:05d}", s["customer"], person[0], person[2], f"price_{name.lower().replace(' ', '_')}",
                     name, quantity, "twd", s["plan"][1], f"{amount:.2f}", status, _utc(s["start"]), _utc(s["start"]),
                     _utc(_period_start(s, report)), _utc(_period_start(s, report) + dt.timedelta(days=30)),
                     _utc(s["start"]) if s["trial_end"] else "", _utc(s["trial_end"]) if s["trial_end"] else "", "", "",
                     "", _utc(s["end"]) if s["end"] else "", "false", _utc(s["end"]) if s["end"] else "",
                     "cancellation_requested" if s["end"] else ""])
    # The export says nothing of when it was made: its last written date is the "as of" day.
    as_of = max(max(s["start"], _period_start(s, report), s["end"] or s["start"]) for s in subs)
    expected = _stripe_expected([s for s in subs if s["status"] != "incomplete_expired"], as_of)
    return Sample(csv_text([STRIPE_SUBSCRIPTION_HEADER, *rows]).encode("utf-8"), "subscriptions.csv",
                  "stripe_subscriptions", expected, {"report": report})


def _period_start(sub: dict[str, Any], report: dt.date) -> dt.date:
    return max(sub["start"], min(sub["end"] or report, report) - dt.timedelta(days=3))


def _utc(day: dt.date) -> str:
    return f"{day:%Y-%m-%d} 08:30"


def _stripe_expected(subs: list[dict[str, Any]], report: dt.date) -> Monthly:
    """The monthly series by brute force over days (docs/formats/stripe.md)."""

    def paying(s: dict[str, Any], day: dt.date) -> bool:
        return s["paid_from"] <= day and (s["end"] is None or s["end"] > day)

    expected: Monthly = {"mrr": {}, "new_customers": {}, "customers_at_start": {}, "churned_customers": {},
                         "churn_rate": {}}
    first_paid: dict[str, dt.date] = {}
    for s in subs:
        first_paid[s["customer"]] = min(first_paid.get(s["customer"], s["paid_from"]), s["paid_from"])
    month = dt.date(min(s["paid_from"] for s in subs).year, min(s["paid_from"] for s in subs).month, 1)
    while month <= report:
        nxt = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
        last = min(nxt - dt.timedelta(days=1), report)
        key = _month(month)
        live = [s for s in subs if paying(s, last)]
        expected["mrr"][key] = sum(s["plan"][3] * s["plan"][2] * MONTHLY[s["plan"][1]] for s in live)
        expected["new_customers"][key] = float(sum(1 for d in first_paid.values() if month <= d <= last))
        at_start = {s["customer"] for s in subs if paying(s, month - dt.timedelta(days=1))}
        if at_start:
            churned = at_start - {s["customer"] for s in live}
            expected["customers_at_start"][key] = float(len(at_start))
            expected["churned_customers"][key] = float(len(churned))
            expected["churn_rate"][key] = len(churned) / len(at_start)
        month = nxt
    return expected


STRIPE_PAYMENT_HEADER = [
    "id", "Description", "Seller Message", "Created date (UTC)", "Amount", "Amount Refunded", "Currency",
    "Converted Amount", "Converted Amount Refunded", "Fee", "Taxes On Fee", "Converted Currency", "Mode", "Status",
    "Statement Descriptor", "Customer ID", "Customer Description", "Customer Email", "Captured", "Card ID",
    "Card Last4", "Card Brand", "Card Name", "Card Address Line1", "Card Address City", "Card Address Zip",
    "Invoice ID", "Decline Reason",
]


def stripe_payments(payments: int = 80, seed: int = 8) -> Sample:
    rng = random.Random(seed)
    rows = []
    expected: Monthly = {}
    for n in range(payments):
        day = _days(rng, dt.date(2024, 1, 1), 3)
        amount = rng.choice([490.0, 1290.0, 12900.0, 1950.0])
        outcome = rng.choices(["paid", "partial", "refunded", "failed"], [0.75, 0.1, 0.05, 0.1])[0]
        refunded = {"paid": 0.0, "partial": round(amount * 0.3, 2), "refunded": amount, "failed": 0.0}[outcome]
        status = {"paid": "Paid", "partial": "Paid", "refunded": "Refunded", "failed": "Failed"}[outcome]
        if outcome != "failed":
            _add(expected, "revenue", _month(day), amount - refunded)
        person = _person(rng)
        rows.append([f"ch_{n:06d}", "Subscription update", "Payment complete." if outcome != "failed" else "Declined",
                     f"{day:%Y-%m-%d} {rng.randrange(24):02d}:{rng.randrange(60):02d}:00", f"{amount:.2f}",
                     f"{refunded:.2f}", "twd", f"{amount:.2f}", f"{refunded:.2f}", f"{amount * 0.034:.2f}", "0.00",
                     "twd", "Live", status, "TEASHOP", f"cus_{n % 23:04d}", person[0], person[2],
                     "false" if outcome == "failed" else "true", "card_1", "4242", "Visa", person[0], person[3],
                     "Taipei", "110", f"in_{n:06d}", "insufficient_funds" if outcome == "failed" else ""])
    return Sample(csv_text([STRIPE_PAYMENT_HEADER, *rows]).encode("utf-8"), "unified_payments.csv", "stripe_payments",
                  expected)


# --- Mailchimp single-campaign report ----------------------------------------------------------


def mailchimp_campaign(seed: int = 9) -> Sample:
    rng = random.Random(seed)
    recipients = rng.randint(800, 5000)
    bounces = rng.randint(0, 40)
    delivered = recipients - bounces
    opened = rng.randint(0, delivered)
    clicked = rng.randint(0, opened)
    lines = [
        "Email Campaign Report",
        '"Title:","March tea newsletter"',
        '"Subject Line:","New spring harvest, 20% off"',
        '"Delivery Date/Time:","Tue, Mar 12, 2024 09:30"',
        "",
        '"Overall Stats"',
        f'"Total Recipients:","{recipients:,}"',
        f'"Successful Deliveries:","{delivered:,}"',
        f'"Bounces:","{bounces} ({bounces / recipients:.2%})"',
        f'"Times Forwarded:","{rng.randint(0, 9)}"',
        f'"Forwarded Opens:","{rng.randint(0, 9)}"',
        f'"Recipients Who Opened:","{opened:,} ({opened / delivered:.2%})"',
        f'"Total Opens:","{opened * 2:,}"',
        '"Last Open Date:","3/20/24 6:04"',
        f'"Recipients Who Clicked:","{clicked:,} ({clicked / delivered:.2%})"',
        f'"Total Clicks:","{clicked * 3:,}"',
        '"Last Click Date:","3/19/24 21:10"',
        f'"Total Unsubs:","{rng.randint(0, 12)}"',
        '"Total Abuse Complaints:","0"',
        "",
        '"Clicks by URL"',
        '"URL","Total Clicks","Unique Clicks"',
        f'"https://shop.example.invalid/spring","{clicked * 2}","{clicked}"',
        f'"https://shop.example.invalid/about","{clicked}","{clicked // 2}"',
    ]
    expected = {"emails_delivered": {"2024-03": float(delivered)}, "email_opens": {"2024-03": float(opened)},
                "email_clicks": {"2024-03": float(clicked)}, "open_rate": {"2024-03": opened / delivered},
                "email_ctr": {"2024-03": clicked / delivered}}
    return Sample(("\n".join(lines) + "\n").encode("utf-8"), "march_tea_newsletter.csv", "mailchimp_campaign",
                  expected)


def all_samples() -> dict[str, Sample]:
    """Every layout of this module, keyed by a short name (used by the sample and CLI tests)."""
    return {
        "shopee_orders_zh_xlsx": shopee_orders("zh", workbook=True),
        "shopee_orders_en_csv": shopee_orders("en", seed=11, workbook=False),
        "shopee_insights": shopee_insights(),
        "shopline_orders_zh": shopline_orders("zh"),
        "shopline_orders_en": shopline_orders("en", seed=13),
        "ninety_one_app_orders": ninety_one_app_orders(),
        "line_messages_zh": line_messages("zh"),
        "line_messages_en": line_messages("en", seed=15),
        "line_friends_zh": line_friends("zh"),
        "line_friends_en": line_friends("en", seed=16),
        "stripe_subscriptions": stripe_subscriptions(),
        "stripe_payments": stripe_payments(),
        "mailchimp_campaign": mailchimp_campaign(),
    }
