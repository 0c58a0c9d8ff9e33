"""SHOPLINE order report (訂單 → 更多動作 → 匯出訂單報表), zh-TW and English interfaces.
See ``docs/formats/shopline.md`` for the layout and where it was seen.

Status grammar (``訂單狀態`` / ``Order Status``, ``付款狀態`` / ``Payment Status`` and the
return-order number ``退貨單編號``):

* an order status holding 取消 or 刪除 (``Cancelled``, ``Deleted``) → ``cancelled``;
* a payment status of a full refund (已退款, ``Refunded``; not 部分退款 / ``Partially refunded``)
  → ``returned``;
* a return order number on an order not refunded yet → ``return_pending``;
* everything else → ``ok``; a partial refund stays an order and its ``已退款金額`` /
  ``Refunded Amount`` is taken off its revenue.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.importing.formats.orders import OrderColumns, State
from core.importing.formats.orders import parse_orders as _parse_orders

if TYPE_CHECKING:
    import pandas as pd

    from core.importing.planning import _Context, _Plan

COLUMNS = OrderColumns(
    order_id=("訂單號碼", "訂單編號", "order number", "order no."),
    total=("訂單合計", "order total", "付款總金額", "total paid"),
    refunded=("已退款金額", "refunded amount"),
    status=("訂單狀態", "order status", "付款狀態", "payment status", "退貨單編號", "return order number"),
    status_roles=("order", "order", "payment", "payment", "return", "return"),
)

_CANCELLED = ("取消", "刪除", "cancel", "delete")
_PARTIAL = ("部分", "partial")
_REFUNDED = ("已退款", "refunded")


def classify(cells: dict[str, str]) -> State:
    order, payment, ret = cells.get("order", ""), cells.get("payment", ""), cells.get("return", "")
    if any(word in order for word in _CANCELLED):
        return "cancelled"
    if any(word in payment for word in _REFUNDED) and not any(word in payment for word in _PARTIAL):
        return "returned"
    if ret:
        return "return_pending"
    return "ok"


def parse_orders(ctx: _Context, plan: _Plan) -> pd.DataFrame:
    return _parse_orders(ctx, plan, COLUMNS, classify)
