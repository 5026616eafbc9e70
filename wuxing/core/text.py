"""Normalising what people type or paste from Excel: full-width digits, stray spaces."""

from __future__ import annotations

import unicodedata

# Full-width digits and Latin letters (and the few symbols that appear inside codes and numbers) become
# ASCII; Chinese punctuation in names — （）、，：；“” — is kept exactly as typed.
_FULL_WIDTH = {
    cp: cp - 0xFEE0 for cp in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))
}
_FULL_WIDTH.update({ord("－"): ord("-"), ord("．"): ord("."), ord("／"): ord("/"), ord("＿"): ord("_")})


def normalize_text(value: object) -> str:
    """Return a clean single-line string.

    Full-width digits and letters (１２３，ＡＢＣ) become ASCII while Chinese characters and Chinese
    punctuation stay as typed; every run of white space (including the ideographic space U+3000 and
    non-breaking spaces) becomes one ordinary space, trimmed at both ends.
    """
    if value is None:
        return ""
    text = str(value).translate(_FULL_WIDTH)
    return " ".join(text.split())


def normalize_number(value: object) -> str:
    """For numeric input: NFKC (full-width digits, ％, ，), then drop thousands separators and inner
    spaces: '１２，３４５ ' → '12345'."""
    text = " ".join(unicodedata.normalize("NFKC", str(value if value is not None else "")).split())
    return text.replace(",", "").replace(" ", "")


def normalize_value(value: object) -> str:
    """For values that are not names (indicator values, yes/no answers, units): full NFKC, so that
    '８５％' reads as '85%', then white space folded as in normalize_text."""
    return " ".join(unicodedata.normalize("NFKC", str(value if value is not None else "")).split())


def excerpt(value: object, limit: int = 20) -> str:
    """A short, single-line quotation of user input for an error message: at most `limit` characters,
    with "…" when cut. Messages that echo what someone uploaded go through this, so a 100,000-character
    cell never turns into a 100,000-character error page."""
    text = " ".join(str(value if value is not None else "").lstrip()[: limit * 4 + 1].split())
    return text if len(text) <= limit else text[:limit] + "…"
