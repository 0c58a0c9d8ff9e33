"""蝦皮購物 Shopee seller centre: the order export (訂單 → 匯出), in the zh-TW and English
interfaces. See ``docs/formats/shopee.md`` for the layout and where it was seen.

Status grammar (``訂單狀態`` / ``Order Status`` and ``退貨 / 退款狀態`` / ``Return / Refund Status``):

* an order status holding 不成立 or 取消 (``Cancelled``) never became a sale → ``cancelled``;
* a return/refund status that says the refund is done (成功, 完成, 已退款; ``Completed``,
  ``Refunded``) → ``returned``; one that says the request was withdrawn or refused (取消, 拒絕,
  駁回; ``Cancelled``, ``Rejected``) leaves the order as it was;
* any other return/refund status, or the order status 退貨/退款 (``Return/Refund``) without
  one → ``return_pending``;
* everything else (待付款, 待出貨, 運送中, 已完成 ...) → ``ok``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.importing.formats.orders import OrderColumns, State
from core.importing.formats.orders import parse_orders as _parse_orders

if TYPE_CHECKING:
    import pandas as pd

    from core.importing.planning import _Context, _Plan

COLUMNS = OrderColumns(
    order_id=("訂單編號", "order id", "order sn"),
    total=("買家總支付金額", "grand total"),
    status=("訂單狀態", "order status", "退貨 / 退款狀態", "退貨/退款狀態", "return / refund status",
            "return/refund status"),
    status_roles=("order", "order", "return", "return", "return", "return"),
)

_CANCELLED = ("不成立", "取消", "cancel")
_RETURN_DONE = ("成功", "完成", "已退款", "退款完成", "completed", "refunded", "success")
_RETURN_VOID = ("取消", "拒絕", "駁回", "cancel", "reject", "withdrawn")
_RETURN_WORDS = ("退貨", "退款", "return", "refund")


def classify(cells: dict[str, str]) -> State:
    order, ret = cells.get("order", ""), cells.get("return", "")
    if any(word in order for word in _CANCELLED):
        return "cancelled"
    if ret:
        if any(word in ret for word in _RETURN_VOID):
            return "ok"
        if any(word in ret for word in _RETURN_DONE):
            return "returned"
        return "return_pending"
    if any(word in order for word in _RETURN_WORDS):
        return "return_pending"
    return "ok"


def parse_orders(ctx: _Context, plan: _Plan) -> pd.DataFrame:
    return _parse_orders(ctx, plan, COLUMNS, classify)
