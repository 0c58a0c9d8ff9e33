"""Broken forms of the new layouts (LINE OA, Shopee, SHOPLINE, 91APP, Stripe, Mailchimp's
campaign report): a missing date column, a file cut short, a wrong or missing header. Each gets
a clear message in both languages naming the tool and the fix, never a raw key or a guess."""

from __future__ import annotations

import datetime as dt
import io
import re

import format_builders as fb
import openpyxl
import pytest

from core.errors import KgiError
from core.i18n import messages
from core.importing import read_file

TODAY = dt.date(2025, 1, 1)


def error_of(data: bytes, name: str, **kwargs) -> KgiError:
    with pytest.raises(KgiError) as err:
        read_file(data, name, today=TODAY, **kwargs)
    for lang in ("en", "zh-TW"):
        text = err.value.message(lang)
        assert text and "{" not in text and "Traceback" not in text
        assert not re.search(r"\bimport\.[a-z_]+\.[a-z_]+", text)  # never a raw message key
    return err.value


def csv_without(sample: fb.Sample, column: str) -> bytes:
    """The sample's CSV with one column taken out (header and cells)."""
    import csv

    rows = list(csv.reader(io.StringIO(sample.data.decode("utf-8-sig"))))
    at = rows[0].index(column)
    return fb.csv_text([r[:at] + r[at + 1 :] for r in rows]).encode("utf-8")


def xlsx_without(sample: fb.Sample, column: str) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(sample.data))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    sheet.delete_cols(header.index(column) + 1)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def cut(data: bytes, keep: float = 0.6) -> bytes:
    """The first part of a text file, ending in the middle of a row (no final line break)."""
    text = data.decode("utf-8-sig")
    end = int(len(text) * keep)
    while text[end - 1] in "\n\r,":
        end -= 1
    return text[:end].encode("utf-8")


# --- a missing date column ----------------------------------------------------------------------

NO_DATE = {
    "shopee_zh": (lambda: xlsx_without(fb.shopee_orders("zh"), "訂單成立日期"), "Order.all.xlsx", "蝦皮", "Shopee"),
    "shopee_en": (lambda: csv_without(fb.shopee_orders("en", workbook=False), "Order Creation Date"), "Order.all.csv",
                  "蝦皮", "Shopee"),
    "shopline": (lambda: csv_without(fb.shopline_orders("zh"), "訂單日期"), "orders.csv", "SHOPLINE", "SHOPLINE"),
    "91app": (lambda: xlsx_without(fb.ninety_one_app_orders(), "訂購日期"), "91app.xlsx", "91APP", "91APP"),
    "line_messages": (lambda: csv_without(fb.line_messages("zh"), "傳送日期"), "message.csv", "LINE", "LINE"),
    "line_friends": (lambda: csv_without(fb.line_friends("en"), "Date"), "friends.csv", "LINE", "LINE"),
    "stripe_payments": (lambda: csv_without(fb.stripe_payments(), "Created date (UTC)"), "payments.csv", "Stripe",
                        "Stripe"),
}


@pytest.mark.parametrize("case", sorted(NO_DATE))
def test_missing_date_column_names_the_tool_and_the_fix(case: str) -> None:
    build, name, zh_name, en_name = NO_DATE[case]
    err = error_of(build(), name)
    assert err.key in ("import.file.no_date_source", "import.fmt.orders_columns")
    assert en_name in err.message("en") and zh_name in err.message("zh-TW")


def test_stripe_subscriptions_without_any_start_date() -> None:
    data = csv_without(fb.stripe_subscriptions(), "Start (UTC)")
    data = csv_without(fb.Sample(data, "s.csv", "", {}), "Created (UTC)")
    err = error_of(data, "subscriptions.csv")
    assert err.key == "import.file.no_date_source"
    assert "Stripe" in err.message("en") and "All" in err.message("en") and "Stripe" in err.message("zh-TW")


def test_stripe_subscriptions_without_interval() -> None:
    err = error_of(csv_without(fb.stripe_subscriptions(), "Interval"), "subscriptions.csv")
    assert err.key == "import.fmt.stripe_columns" and "Interval" in err.message("en")


def test_shopee_without_the_total_column() -> None:
    err = error_of(xlsx_without(fb.shopee_orders("zh"), "買家總支付金額"), "Order.all.xlsx")
    assert err.key == "import.fmt.orders_columns"
    assert "訂單金額" in err.message("zh-TW") and "order total" in err.message("en")


def test_mailchimp_campaign_without_its_send_date() -> None:
    text = fb.mailchimp_campaign().data.decode().replace('"Delivery Date/Time:","Tue, Mar 12, 2024 09:30"\n', "")
    err = error_of(text.encode(), "campaign.csv")
    assert err.key == "import.fmt.mailchimp_campaign_no_date"
    assert "Successful Deliveries:" in err.message("en") and "寄送日期" in err.message("zh-TW")


def test_mailchimp_campaign_with_an_unreadable_send_date() -> None:
    text = fb.mailchimp_campaign().data.decode().replace("Tue, Mar 12, 2024 09:30", "sometime in spring")
    assert error_of(text.encode(), "campaign.csv").key == "import.fmt.mailchimp_campaign_bad_date"


def test_mailchimp_campaign_sent_after_today() -> None:
    text = fb.mailchimp_campaign().data.decode().replace("Tue, Mar 12, 2024", "Tue, Mar 12, 2030")
    err = error_of(text.encode(), "campaign.csv")
    assert err.key == "import.fmt.mailchimp_campaign_future" and "2025-01-01" in err.message("zh-TW")


def test_choosing_mailchimp_campaign_for_another_file() -> None:
    err = error_of(b"Date,Sessions\n2024-01-01,5\n", "x.csv", source="mailchimp_campaign")
    assert err.key == "import.fmt.mailchimp_campaign_not_report"


# --- a file cut short ------------------------------------------------------------------------------

CUT = {
    "shopee_en": lambda: fb.shopee_orders("en", workbook=False),
    "shopline": lambda: fb.shopline_orders("zh"),
    "line_messages": lambda: fb.line_messages("zh"),
    "line_friends": lambda: fb.line_friends("zh"),
    "stripe_payments": lambda: fb.stripe_payments(),
    "stripe_subscriptions": lambda: fb.stripe_subscriptions(),
}


@pytest.mark.parametrize("case", sorted(CUT))
def test_a_csv_cut_mid_row_leaves_out_that_row_and_says_why(case: str) -> None:
    sample = CUT[case]()
    data = cut(sample.data)
    parsed = read_file(data, sample.name, today=TODAY)
    assert parsed.source == sample.source
    [row] = [r for r in parsed.rejected if r.key == "import.fmt.row_cut_off"]
    assert row.row == len(data.decode().splitlines())
    assert "cut" in row.message("en") and "中途" in row.message("zh-TW")


def test_a_cut_number_is_never_read() -> None:
    """``…,800`` cut to ``…,80``: the last row is rejected, the rows before are all there."""
    data = "日期,好友人數,目標好友數,封鎖\n20240101,1000,900,10\n20240102,1010,905,12\n20240103,80"
    parsed = read_file(data.encode(), "friends.csv", today=TODAY)
    assert parsed.observations["value"].tolist() == [1000.0, 1010.0]
    assert [r.row for r in parsed.rejected] == [4]


def test_a_complete_csv_without_a_final_line_break_is_not_cut() -> None:
    data = "日期,好友人數,目標好友數,封鎖\n20240101,1000,900,10\n20240102,1010,905,12"
    parsed = read_file(data.encode(), "friends.csv", today=TODAY)
    assert parsed.rejected == [] and len(parsed.observations) == 2


def test_mailchimp_campaign_cut_mid_line() -> None:
    text = fb.mailchimp_campaign().data.decode()
    text = text[: text.index('"Recipients Who Opened:"') + len('"Recipients Who Opened:","1')]
    parsed = read_file(text.encode(), "campaign.csv", today=TODAY)
    assert "email_opens" not in set(parsed.observations["metric"])
    [warning] = [w for w in parsed.warnings if w.key == "import.fmt.mailchimp_campaign_cut_off"]
    assert "Recipients Who Opened:" in warning.message("en") and "中途" in warning.message("zh-TW")


def test_mailchimp_campaign_cut_before_its_figures() -> None:
    text = 'Email Campaign Report\n"Title:","March"\n"Delivery Date/Time:","Tue, Mar 12, 2024 09:30"\n'
    assert error_of(text.encode(), "campaign.csv").key == "import.fmt.mailchimp_campaign_no_figures"


def test_truncated_order_workbook() -> None:
    data = fb.shopee_orders("zh").data
    assert error_of(data[: len(data) // 2], "Order.all.xlsx").key == "import.file.bad_workbook"


# --- a wrong or missing header -----------------------------------------------------------------------


@pytest.mark.parametrize("builder", ["shopline", "line_messages", "stripe_payments"])
def test_header_row_removed(builder: str) -> None:
    sample = {"shopline": fb.shopline_orders, "line_messages": fb.line_messages,
              "stripe_payments": fb.stripe_payments}[builder]()
    body = sample.data.decode("utf-8-sig").split("\n", 1)[1]
    err = error_of(body.encode(), sample.name)
    assert err.key in ("import.file.no_table", "import.file.no_date", "import.file.no_metric")


def test_shopee_header_renamed_to_something_else() -> None:
    """A header row renamed by hand: not Shopee any more, and nothing is guessed from it."""
    text = fb.shopee_orders("en", workbook=False).data.decode("utf-8-sig").split("\n")
    text[0] = ",".join(f"col{i}" for i in range(len(text[0].split(","))))
    err = error_of("\n".join(text).encode(), "orders.csv")
    assert err.key in ("import.file.no_table", "import.file.no_date", "import.file.no_metric")


def test_order_without_an_amount_is_rejected_not_counted_as_zero() -> None:
    header = ",".join(fb.SHOPLINE_EN)
    row = ["20240105000001", "2024-01-05 10:00:00", "Completed", "Paid", "Arrived", "Card", "Home", "500", "0", "0",
           "0", "", "0", "", "Amy", "a@example.invalid", "0912", "Amy", "0912", "Addr", "Taipei", "110", "Tea", "",
           "S1", "1", "500", "note"]
    ok = list(row)
    ok[0], ok[11] = "20240105000002", "800"
    parsed = read_file(("\n".join([header, ",".join(row), ",".join(ok)]) + "\n").encode(), "o.csv", today=TODAY)
    [rejected] = parsed.rejected
    assert (rejected.row, rejected.key, rejected.column) == (2, "import.fmt.orders_no_amount", "Order Total")
    assert parsed.observations.set_index("metric")["value"].to_dict() == {"orders": 1.0, "revenue": 800.0}


def test_every_new_message_exists_in_both_languages() -> None:
    """Each key of formats.toml has both texts, with the same placeholders."""
    found = [k for k in messages() if k.startswith("import.fmt.") or k.startswith("import.hint.")]
    assert len(found) > 30
    for key in found:
        texts = messages()[key]
        assert texts.get("en") and texts.get("zh"), key
        en = {re.sub(r"_(en|zh)$", "", p) for p in re.findall(r"{(\w+)}", texts["en"])}
        zh = {re.sub(r"_(en|zh)$", "", p) for p in re.findall(r"{(\w+)}", texts["zh"])}
        assert en == zh, key


def test_every_key_the_format_readers_use_resolves_in_both_languages() -> None:
    from pathlib import Path

    from core.i18n import t

    folder = Path(__file__).resolve().parents[3] / "core" / "importing" / "formats"
    used = set()
    for path in folder.glob("*.py"):
        used |= set(re.findall(r'"(import\.[a-z_]+\.[a-z_.]+)"', path.read_text(encoding="utf-8")))
    for path in (folder.parents[2] / "core" / "data" / "sources").glob("*.toml"):
        used |= set(re.findall(r'hint = "(import\.hint\.[a-z_]+)"', path.read_text(encoding="utf-8")))
    assert len(used) > 20
    for key in sorted(used):
        assert key in messages(), key
        for lang in ("en", "zh-TW"):
            assert t(key, lang)
