"""LINE OA, Shopee, SHOPLINE, 91APP, Stripe and Mailchimp's campaign report: each generated
sample (format_builders.py) is detected and gives its true monthly figures."""

from __future__ import annotations

import datetime as dt

import format_builders as fb
import pytest

from core.aggregate import aggregate
from core.i18n import t
from core.importing import read_file

TODAY = dt.date(2025, 1, 1)
SAMPLES = fb.all_samples()


def monthly(parsed, metric: str) -> dict[str, float]:
    got = aggregate(parsed.observations, metric, by="month")
    return {k: float(v) for k, v in got.items()}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_is_detected_and_gives_its_monthly_figures(name: str) -> None:
    sample = SAMPLES[name]
    parsed = read_file(sample.data, sample.name, today=TODAY)
    assert parsed.source == sample.source
    assert parsed.confidence >= 0.8  # a four-column LINE friends file has three telling headers
    assert parsed.rejected == []
    for metric, months in sample.expected.items():
        got = monthly(parsed, metric)
        assert sorted(got) == sorted(months), (metric, got)
        for month, want in months.items():
            assert got[month] == pytest.approx(want, rel=1e-9, abs=1e-9), (metric, month)
    for warning in parsed.warnings:
        assert "{" not in warning.message("en") and "{" not in warning.message("zh-TW")


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_no_personal_data_in_observations_or_preview(name: str) -> None:
    sample = SAMPLES[name]
    parsed = read_file(sample.data, sample.name, today=TODAY)
    shown = repr(parsed.observations.to_dict()) + repr([(c.name, c.samples) for c in parsed.columns])
    shown += repr(parsed.meta) + repr([r.params for r in parsed.rejected])
    for value in fb.PII_VALUES:
        assert value not in shown, value
    assert "@example.invalid" not in shown


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("builder", ["shopee_zh", "shopee_en", "shopline_zh", "shopline_en", "91app", "stripe_subs"])
def test_generated_corpora(builder: str, seed: int) -> None:
    """Many random exports per layout: every one gives exactly its own figures."""
    make = {
        "shopee_zh": lambda: fb.shopee_orders("zh", orders=25, seed=100 + seed, workbook=seed % 2 == 0),
        "shopee_en": lambda: fb.shopee_orders("en", orders=25, seed=200 + seed, workbook=seed % 2 == 1),
        "shopline_zh": lambda: fb.shopline_orders("zh", orders=20, seed=300 + seed),
        "shopline_en": lambda: fb.shopline_orders("en", orders=20, seed=400 + seed),
        "91app": lambda: fb.ninety_one_app_orders(orders=15, seed=500 + seed),
        "stripe_subs": lambda: fb.stripe_subscriptions(customers=15, seed=600 + seed),
    }[builder]
    sample = make()
    parsed = read_file(sample.data, sample.name, today=TODAY)
    assert parsed.source == sample.source
    for metric, months in sample.expected.items():
        got = monthly(parsed, metric)
        assert {k: round(v, 6) for k, v in got.items()} == {k: round(v, 6) for k, v in months.items()}, metric


def test_shopee_statuses_are_explained_in_both_languages() -> None:
    sample = SAMPLES["shopee_orders_zh_xlsx"]
    parsed = read_file(sample.data, sample.name, today=TODAY)
    keys = {w.key for w in parsed.warnings}
    assert {"import.fmt.orders_cancelled", "import.fmt.orders_returned", "import.fmt.orders_return_pending"} <= keys
    cancelled = next(w for w in parsed.warnings if w.key == "import.fmt.orders_cancelled")
    assert cancelled.params["count"] == sample.notes["states"]["cancelled"]
    assert "不成立" in cancelled.message("zh-TW") and "cancelled" in cancelled.message("en")


def test_order_preview_shows_which_column_gave_which_metric() -> None:
    sample = SAMPLES["shopline_orders_zh"]
    parsed = read_file(sample.data, sample.name, today=TODAY)
    roles = {c.name: (c.role, c.metric) for c in parsed.columns}
    assert roles["訂單號碼"] == ("metric", "orders")
    assert roles["訂單合計"] == ("metric", "revenue")
    assert roles["訂單日期"][0] == "date"
    assert roles["電郵"] == ("pii", None) and roles["收件人"] == ("pii", None)
    assert next(c for c in parsed.columns if c.name == "電話號碼").samples == []


def test_line_rates_are_ratios_of_sums_never_means() -> None:
    sample = SAMPLES["line_messages_zh"]
    parsed = read_file(sample.data, sample.name, today=TODAY)
    assert "line_open_rate" not in set(parsed.observations["metric"])  # the file's rates are not stored
    rates = next(c for c in parsed.columns if c.name == "開封率")
    assert (rates.role, rates.metric, rates.note) == ("ignored", "line_open_rate", "import.note.rate_from_parts")
    got = monthly(parsed, "line_open_rate")
    obs = parsed.observations
    for month, value in got.items():
        rows = obs[obs["date"].dt.strftime("%Y-%m") == month]
        opens = rows.loc[rows["metric"] == "line_message_opens", "value"].sum()
        delivered = rows.loc[rows["metric"] == "line_messages_delivered", "value"].sum()
        assert value == pytest.approx(opens / delivered)


def test_line_friends_is_the_months_last_level() -> None:
    sample = SAMPLES["line_friends_en"]
    parsed = read_file(sample.data, sample.name, today=TODAY)
    assert monthly(parsed, "line_friends") == sample.expected["line_friends"]
    roles = {c.name: (c.role, c.metric) for c in parsed.columns}
    assert roles["Friends"] == ("metric", "line_friends")
    assert roles["Target reach"][0] == roles["Blocks"][0] == "ignored"  # known, not a figure we keep


def test_stripe_without_cancelled_subscriptions_says_churn_may_be_missing() -> None:
    header = ",".join(fb.STRIPE_SUBSCRIPTION_HEADER[:13])
    rows = ["sub_1,cus_1,Amy,a@example.invalid,p,Pro,1,twd,month,1290.00,active,2024-01-05 08:00,2024-01-05 08:00",
            "sub_2,cus_2,Bo,b@example.invalid,p,Pro,1,twd,month,1290.00,active,2024-02-05 08:00,2024-02-05 08:00"]
    parsed = read_file(("\n".join([header, *rows]) + "\n").encode(), "subscriptions.csv", today=TODAY)
    assert parsed.source == "stripe_subscriptions"
    assert any(w.key == "import.fmt.stripe_no_cancellations" for w in parsed.warnings)
    assert monthly(parsed, "mrr") == {"2024-01": 1290.0, "2024-02": 2580.0}
    assert monthly(parsed, "churned_customers") == {"2024-02": 0.0}


def test_stripe_unknown_interval_is_rejected_not_guessed() -> None:
    header = "id,Customer ID,Plan,Product,Quantity,Currency,Interval,Amount,Status,Start (UTC),Canceled At (UTC),Ended At (UTC)"
    rows = ["sub_1,cus_1,p,Pro,1,twd,month,100.00,active,2024-01-05 08:00,,",
            "sub_2,cus_2,p,Pro,1,twd,fortnight,100.00,active,2024-01-06 08:00,,"]
    parsed = read_file(("\n".join([header, *rows]) + "\n").encode(), "subs.csv", today=TODAY)
    [row] = parsed.rejected
    assert (row.row, row.key) == (3, "import.fmt.stripe_bad_interval")
    assert "fortnight" in row.message("en") and "fortnight" in row.message("zh-TW")
    assert monthly(parsed, "mrr") == {"2024-01": 100.0}


def test_mailchimp_campaign_report_reads_the_key_value_block() -> None:
    sample = SAMPLES["mailchimp_campaign"]
    parsed = read_file(sample.data, sample.name, today=TODAY)
    obs = parsed.observations
    assert set(obs["dimension"]) == {"March tea newsletter"}
    assert set(obs["date"].dt.strftime("%Y-%m-%d")) == {"2024-03-12"}
    roles = {c.name: (c.role, c.metric) for c in parsed.columns}
    assert roles["Recipients Who Opened:"] == ("metric", "email_opens")
    assert roles["Total Opens:"] == ("ignored", None)
    assert roles["Delivery Date/Time:"] == ("date", None)


def test_mailchimp_ab_report_without_overall_sums_combinations() -> None:
    text = ('Campaign Report\n"Title:","A/B test"\n"Delivery Date/Time:","Mon, Apr 26, 2021 12:25"\n\n'
            '"Combination 1 Stats"\n"Successful Deliveries:","1,000"\n"Recipients Who Opened:","300 (30%)"\n\n'
            '"Combination 2 Stats"\n"Successful Deliveries:","500"\n"Recipients Who Opened:","100 (20%)"\n')
    parsed = read_file(text.encode(), "ab.csv", today=TODAY)
    assert parsed.source == "mailchimp_campaign"
    assert monthly(parsed, "emails_delivered") == {"2021-04": 1500.0}
    assert monthly(parsed, "open_rate") == {"2021-04": pytest.approx(400 / 1500)}
    assert any(w.key == "import.fmt.mailchimp_campaign_combinations" for w in parsed.warnings)


def test_mailchimp_deliveries_from_recipients_and_bounces_only_when_both_given() -> None:
    head = 'Email Campaign Report\n"Title:","T"\n"Send date:","Apr 26, 2021"\n'
    both = head + '"Recipients:","1,000"\n"Bounces:","20 (2%)"\n"Opens:","300"\n"Clicks:","40"\n'
    parsed = read_file(both.encode(), "c.csv", today=TODAY)
    assert monthly(parsed, "emails_delivered") == {"2021-04": 980.0}
    only = head + '"Recipients:","1,000"\n"Opens:","300"\n"Clicks:","40"\n'
    parsed = read_file(only.encode(), "c.csv", today=TODAY)
    assert "emails_delivered" not in set(parsed.observations["metric"])
    assert any(w.key == "import.fmt.mailchimp_campaign_no_deliveries" for w in parsed.warnings)


def test_every_new_source_has_both_labels_and_hints() -> None:
    from core.importing import get_source

    for key in ("line_oa_messages", "line_oa_friends", "shopee_orders", "shopee_insights", "shopline_orders",
                "ninety_one_app_orders", "stripe_payments", "stripe_subscriptions", "mailchimp_campaign"):
        source = get_source(key)
        assert source.label("en") and source.label("zh-TW") and source.label("en") != key
        assert t(source.hint, "en") and t(source.hint, "zh-TW")


def test_a_users_column_choice_is_honoured_or_said_to_be_unused() -> None:
    """Mapping 商品總價 to revenue makes it the order total; a choice the reader cannot use is said."""
    sample = fb.shopee_orders("zh", orders=10, seed=21)
    default = read_file(sample.data, sample.name, today=TODAY)
    mapped = read_file(sample.data, sample.name, today=TODAY, mapping={"商品總價": "revenue", "數量": "sessions"})
    assert monthly(mapped, "orders") == monthly(default, "orders")
    assert monthly(mapped, "revenue") != monthly(default, "revenue")
    roles = {c.name: (c.role, c.metric) for c in mapped.columns}
    assert roles["商品總價"] == ("metric", "revenue")
    [warning] = [w for w in mapped.warnings if w.key == "import.fmt.mapping_not_used"]
    assert "數量" in warning.message("en") and "蝦皮" in warning.message("zh-TW")
