"""The status grammars of the order exports, over generated status texts with known states."""

from __future__ import annotations

import itertools

import pytest

from core.importing.formats import ninety_one_app, shopee, shopline
from core.importing.sources import norm

# Words each platform writes, by what they mean.
SHOPEE_ORDER = {"ok": ["已完成", "運送中", "待出貨", "待付款", "Completed", "Shipping", "To ship", "Unpaid"],
                "cancelled": ["不成立", "已取消", "Cancelled"],
                "return": ["退貨/退款", "Return/Refund"]}
SHOPEE_RETURN = {"": [""], "done": ["退款成功", "退貨退款完成", "已退款", "Refund Successful", "Completed", "Refunded"],
                 "void": ["已取消退貨申請", "賣家拒絕退款", "退款申請已駁回", "Request Cancelled", "Rejected"],
                 "open": ["退貨退款申請中", "等待賣家回應", "Requested", "Processing"]}


def test_shopee_grammar_over_every_combination() -> None:
    for (order_kind, orders), (ret_kind, rets) in itertools.product(SHOPEE_ORDER.items(), SHOPEE_RETURN.items()):
        for order, ret in itertools.product(orders, rets):
            got = shopee.classify({"order": norm(order), "return": norm(ret)})
            if order_kind == "cancelled":
                want = "cancelled"
            elif ret_kind == "done":
                want = "returned"
            elif ret_kind == "open" or (ret_kind == "" and order_kind == "return"):
                want = "return_pending"
            else:
                want = "ok"
            assert got == want, (order, ret)


@pytest.mark.parametrize("order", ["已完成", "已確認", "處理中", "Completed", "Confirmed", "Pending"])
@pytest.mark.parametrize("payment", ["已付款", "未付款", "部分退款", "已退款", "Paid", "Unpaid", "Partially Refunded",
                                     "Refunded"])
@pytest.mark.parametrize("ret", ["", "RT0001"])
def test_shopline_grammar(order: str, payment: str, ret: str) -> None:
    got = shopline.classify({"order": norm(order), "payment": norm(payment), "return": norm(ret)})
    refunded = payment in ("已退款", "Refunded")
    assert got == ("returned" if refunded else "return_pending" if ret else "ok")
    assert shopline.classify({"order": norm("已取消"), "payment": norm(payment), "return": ""}) == "cancelled"
    assert shopline.classify({"order": norm("Cancelled"), "payment": norm(payment), "return": ""}) == "cancelled"


@pytest.mark.parametrize(("order", "ret", "want"), [
    ("已成立", "", "ok"), ("已出貨", "", "ok"), ("已完成", "", "ok"),
    ("已取消", "", "cancelled"), ("取消", "", "cancelled"), ("已取消", "已退款", "cancelled"),
    ("退貨完成", "", "returned"), ("已完成", "退款成功", "returned"), ("已退貨", "", "returned"),
    ("退貨處理中", "", "return_pending"), ("已完成", "退貨申請中", "return_pending"),
    ("取消退貨", "", "ok"), ("已完成", "已取消退貨", "ok"),
])
def test_ninety_one_app_grammar(order: str, ret: str, want: str) -> None:
    assert ninety_one_app.classify({"order": norm(order), "return": norm(ret)}) == want
