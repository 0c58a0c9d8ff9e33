"""91APP order export (訂單查詢 → 匯出), zh-TW interface. The layout is inferred, not seen in a
published sample: see ``docs/formats/91app.md``.

91APP splits an order (主單, ``TG…``) into sub-orders per shipment; each row is a product line
and carries its own status. The order is counted once (distinct 主單編號, else 訂單編號); with
an order total the order's first row speaks for it, with line amounts only (``小計``) the lines
still standing are summed.

Status grammar (``訂單狀態`` / ``子單狀態``, and ``退貨狀態`` / ``退款狀態`` when present):

* an order status with 取消 (``cancel``) and no return word → ``cancelled`` (even when its
  payment was refunded);
* 退貨 or 退款 with a finished word (完成, 成功, 已退) or ``returned`` / ``refunded`` → ``returned``;
* any other 退貨 / 退款 / ``return`` / ``refund`` → ``return_pending``, unless it also says 取消
  (取消退貨: a withdrawn return, the order stands);
* everything else (已成立, 已出貨, 已完成 ...) → ``ok``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.importing.formats.orders import OrderColumns, State
from core.importing.formats.orders import parse_orders as _parse_orders

if TYPE_CHECKING:
    import pandas as pd

    from core.importing.planning import _Context, _Plan

COLUMNS = OrderColumns(
    order_id=("主單編號", "主單號", "訂單編號", "order number", "order id"),
    total=("訂單總金額", "主單金額", "結帳金額", "應付金額", "order total"),
    line_amount=("小計", "商品小計", "subtotal"),
    status=("訂單狀態", "子單狀態", "order status", "退貨狀態", "退款狀態", "return status"),
    status_roles=("order", "order", "order", "return", "return", "return"),
)

_CANCELLED = ("取消", "cancel")
_RETURN_WORDS = ("退貨", "退款", "return", "refund")
_DONE = ("完成", "成功", "已退", "returned", "refunded")


def classify(cells: dict[str, str]) -> State:
    order, ret = cells.get("order", ""), cells.get("return", "")
    if _says(order, _CANCELLED) and not _says(order, _RETURN_WORDS):
        return "cancelled"  # also when the cancelled order's payment was refunded
    for text in (order, ret):
        if _says(text, _RETURN_WORDS) and not _says(text, _CANCELLED):  # 取消退貨: a withdrawn return
            return "returned" if _says(text, _DONE) else "return_pending"
    return "ok"


def _says(text: str, words: tuple[str, ...]) -> bool:
    return any(word in text for word in words)


def parse_orders(ctx: _Context, plan: _Plan) -> pd.DataFrame:
    return _parse_orders(ctx, plan, COLUMNS, classify)
