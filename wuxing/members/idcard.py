"""Chinese resident identity numbers (GB 11643-1999): 18 characters, the last a checksum (0–9 or X);
characters 7–14 the birth date, the 17th odd for a man and even for a woman."""

from __future__ import annotations

import datetime as dt

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def normalise(raw: str) -> str:
    return (raw or "").strip().upper()


def problems(raw: str, *, birth_date: dt.date | None = None, sex: str = "") -> list[str]:
    """What is wrong with an identity number (empty: nothing), in Chinese; checks the birth date and sex
    entered with it when given."""
    number = normalise(raw)
    if len(number) != 18 or not number[:17].isascii() or not number[:17].isdigit():
        return ["身份证号应为 18 位：前 17 位为数字，最后一位为数字或 X"]
    if number[17] not in "0123456789X":
        return ["身份证号最后一位应为数字或 X"]
    if check_char(number[:17]) != number[17]:
        return ["身份证号校验码不正确（最后一位），请核对号码"]
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return ["身份证号第 7–14 位不是有效的出生日期"]
    out = []
    if birth_date is not None and born != birth_date:
        out.append(f"身份证号中的出生日期 {born:%Y-%m-%d} 与填写的出生日期 {birth_date:%Y-%m-%d} 不一致")
    if sex and sex_of(number) != sex:
        out.append("身份证号第 17 位（奇数为男、偶数为女）与填写的性别不一致")
    return out


def birth_date_of(number: str) -> dt.date:
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def sex_of(number: str) -> str:
    return "M" if int(number[16]) % 2 else "F"


def mask_id(number: str | None) -> str:
    """110105199001011234 → 110105********1234: the region and the last four stay, the birth date goes."""
    text = (number or "").strip()
    if len(text) != 18:
        return "*" * len(text)
    return text[:6] + "*" * 8 + text[-4:]


def make(region: str, born: dt.date, serial: int, sex: str) -> str:
    """A well-formed number (demo data and tests): `serial` 0–99 and the sex give the 15th–17th digits."""
    seventeenth = (serial % 5) * 2 + (1 if sex == "M" else 0)
    first17 = f"{region}{born:%Y%m%d}{serial % 100:02d}{seventeenth}"
    return first17 + check_char(first17)
