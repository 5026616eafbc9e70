"""Normalising what people type or paste from Excel: full-width digits, stray spaces."""

from __future__ import annotations

import unicodedata


def normalize_text(value: object) -> str:
    """Return a clean single-line string.

    NFKC turns full-width digits, letters and punctuation (１２３，ＡＢＣ，％) into their ASCII forms
    while leaving Chinese characters alone; then every run of white space (including the ideographic
    space U+3000 and non-breaking spaces) becomes one ordinary space, trimmed at both ends.
    """
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return " ".join(text.split())


def normalize_number(value: object) -> str:
    """Like normalize_text, but also drops thousands separators and inner spaces: '１２，３４５ ' → '12345'."""
    text = normalize_text(value)
    return text.replace(",", "").replace(" ", "")
