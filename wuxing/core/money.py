"""Money: Decimal yuan with fen precision and one rounding rule (ROUND_HALF_UP). Never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")


class MoneyError(ValueError):
    pass


def _parse(value: object) -> Decimal:
    if isinstance(value, float):
        raise MoneyError("金额不能用浮点数表示")
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError) as exc:
        raise MoneyError(f"“{value}”不是有效的金额") from exc
    if not amount.is_finite():
        raise MoneyError(f"“{value}”不是有效的金额")
    return amount


def to_yuan(value: object) -> Decimal:
    """Parse a yuan amount (str, int or Decimal) and round it to the fen, half up."""
    return _parse(value).quantize(FEN, rounding=ROUND_HALF_UP)


def wan_to_yuan(value: object) -> Decimal:
    """万元 → 元: to_yuan(5万) = 50000.00. Same input rules as to_yuan (no float, MoneyError when invalid)."""
    return to_yuan(_parse(value) * 10000)
