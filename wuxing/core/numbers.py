"""Bounded numbers from what people type, paste or put in an Excel cell.

The text is checked for its form and its size *before* it is turned into a number, so the work never
depends on what was typed: "1e1000000" or five thousand nines are refused in microseconds instead of
building a giant integer (which took Python over a minute and held up every other request).

A plain number is: an optional sign, ASCII digits, at most one decimal point. Before the check the text
is folded with NFKC (full-width １２，３４５．５ → 12,345.5) and thousands separators and spaces are
dropped. Refused, each with its own Chinese message:

- exponent notation (1e5, 2E-3): "请填写普通数字，不要用科学计数法";
- more than ``int_digits`` digits before the point (leading zeros do not count):
  "数字过大：最多 N 位整数";
- more than ``places`` digits after the point (trailing zeros do not count): "最多保留 N 位小数";
- anything else that is not a plain number (NaN, Infinity, letters, digits of other scripts such as
  Arabic-Indic ٣, two points): ``FORM`` — callers usually replace it with the range they expect.

Cells arrive from openpyxl as int, float or Decimal too; those are bounded the same way (a float 1e300
is "数字过大", a float with more decimals than allowed is refused rather than rounded).

Pure Python, no Django: the rating engine (``wuxing.rules.engine``) uses it.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Literal

__all__ = [
    "EXPONENT_MESSAGE",
    "NumberError",
    "parse_decimal",
    "parse_whole",
    "places_message",
    "too_big_message",
]

EXPONENT_MESSAGE = "请填写普通数字，不要用科学计数法"
FORM_MESSAGE = "请填写数字"

ErrorKind = Literal["form", "exponent", "too_big", "places"]

# sign, integer digits, optional point and fraction digits; ASCII digits only (re's \d would accept ٣)
_PLAIN = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?")
_EXPONENT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+")


def too_big_message(int_digits: int) -> str:
    return f"数字过大：最多 {int_digits} 位整数"


def places_message(places: int) -> str:
    return "应为整数" if places == 0 else f"最多保留 {places} 位小数"


class NumberError(ValueError):
    """Input that is not a plain number of the allowed size. ``kind`` says which check failed."""

    def __init__(self, kind: ErrorKind, message: str):
        self.kind = kind
        super().__init__(message)


def _fold(text: str) -> str:
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    if "," in text:
        text = text.replace(",", "")
    if " " in text or not text.isprintable():
        text = "".join(text.split())
    return text


def parse_decimal(raw: str | int | float | Decimal, *, int_digits: int, places: int) -> Decimal:
    """``raw`` as an exact Decimal with at most ``int_digits`` integer digits and ``places`` decimals.

    Raises NumberError (a ValueError with a Chinese message). The sign is kept; callers check ranges.
    """
    if isinstance(raw, bool):
        raise NumberError("form", FORM_MESSAGE)
    if isinstance(raw, int):
        if abs(raw) >= 10**int_digits:  # comparing is cheap even for a huge int; printing it is not
            raise NumberError("too_big", too_big_message(int_digits))
        return Decimal(raw)
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise NumberError("form", FORM_MESSAGE)
        if abs(raw) >= 10**int_digits:
            raise NumberError("too_big", too_big_message(int_digits))
        return _bounded_decimal(Decimal(repr(raw)), int_digits, places)
    if isinstance(raw, Decimal):
        if not raw.is_finite():
            raise NumberError("form", FORM_MESSAGE)
        return _bounded_decimal(raw, int_digits, places)
    return _parse_text(_fold(str(raw)), int_digits, places)


def _bounded_decimal(number: Decimal, int_digits: int, places: int) -> Decimal:
    if number.is_zero():
        return number
    if number.adjusted() >= int_digits:  # adjusted(): the exponent of the leading digit, O(1)
        raise NumberError("too_big", too_big_message(int_digits))
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)  # finite
    if -exponent > places and number != number.quantize(Decimal(1).scaleb(-places)):
        raise NumberError("places", places_message(places))
    return number


def _parse_text(text: str, int_digits: int, places: int) -> Decimal:
    match = _PLAIN.fullmatch(text)
    if match is None or not (match.group(2) or match.group(3)):
        if _EXPONENT.fullmatch(text):
            raise NumberError("exponent", EXPONENT_MESSAGE)
        raise NumberError("form", FORM_MESSAGE)
    whole, fraction = match.group(2), match.group(3) or ""
    if len(whole.lstrip("0")) > int_digits:
        raise NumberError("too_big", too_big_message(int_digits))
    if len(fraction.rstrip("0")) > places:
        raise NumberError("places", places_message(places))
    # Only now, with the size known, is the text converted (trailing zeros beyond `places` dropped).
    if len(fraction) <= places:
        return Decimal(text)
    return Decimal(f"{match.group(1)}{whole or '0'}.{fraction[: max(places, 1)]}".rstrip("."))


def parse_whole(raw: str | int | float | Decimal, *, max_value: int, min_value: int = 0) -> int:
    """A whole number between ``min_value`` and ``max_value`` ("3", "3.0", 3.0 and ３ are 3).

    Raises NumberError: exponent notation and too many digits keep their own messages; anything else
    (a fraction, a sign out of range, text) says the range, e.g. "应为 0–9999 之间的整数".
    """
    if type(raw) is int and min_value <= raw <= max_value:  # a stored count: nothing to check
        return raw
    digits = len(str(max(abs(max_value), abs(min_value))))
    try:
        number = parse_decimal(raw, int_digits=digits, places=0)
    except NumberError as exc:
        if exc.kind in ("exponent", "too_big"):
            raise
        raise NumberError(exc.kind, f"应为 {min_value}–{max_value} 之间的整数") from None
    if not min_value <= number <= max_value:
        raise NumberError("form", f"应为 {min_value}–{max_value} 之间的整数")
    return int(number)
