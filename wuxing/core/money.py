"""Money: Decimal yuan with fen precision and one rounding rule (ROUND_HALF_UP). Never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from wuxing.core.numbers import NumberError, parse_decimal, too_big_message

FEN = Decimal("0.01")
# Bounds checked on the text before it is converted (see core/numbers.py): up to 999,999,999,999.99 yuan
# (enough for any district budget), and extra decimals beyond the fen that are then rounded half up.
YUAN_INT_DIGITS = 12
YUAN_INPUT_PLACES = 8


class MoneyError(ValueError):
    pass


def _parse(value: object) -> Decimal:
    if isinstance(value, float):
        raise MoneyError("金额不能用浮点数表示")
    if not isinstance(value, str | int | Decimal) or isinstance(value, bool):
        raise MoneyError("不是有效的金额")
    try:
        return parse_decimal(value, int_digits=YUAN_INT_DIGITS, places=YUAN_INPUT_PLACES)
    except NumberError as exc:
        raise MoneyError(f"不是有效的金额：{exc}") from exc


def to_yuan(value: object) -> Decimal:
    """Parse a yuan amount (str, int or Decimal) and round it to the fen, half up."""
    return _parse(value).quantize(FEN, rounding=ROUND_HALF_UP)


def wan_to_yuan(value: object) -> Decimal:
    """万元 → 元: to_yuan(5万) = 50000.00. Same input rules as to_yuan (no float, MoneyError when invalid)."""
    amount = _parse(value) * 10000
    if amount.adjusted() >= YUAN_INT_DIGITS:
        raise MoneyError(f"不是有效的金额：{too_big_message(YUAN_INT_DIGITS)}")
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)
