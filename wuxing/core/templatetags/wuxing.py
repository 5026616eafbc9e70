from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def stars(level: int, total: int = 5) -> str:
    """3 → ★★★☆☆"""
    level = int(level or 0)
    return "★" * level + "☆" * (int(total) - level)


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    if mapping is None:
        return None
    try:
        return mapping.get(key)
    except AttributeError:
        pass
    try:
        return mapping[key]  # e.g. a form: form|get_item:name is that field's BoundField
    except (KeyError, IndexError, TypeError):
        return None


@register.filter
def value_text(indicator: Any, value: Any) -> str:
    """An indicator value as Chinese text (是, 3 次, 18 万元) via the rulebook's own wording."""
    return str(indicator.value_text(value))


@register.filter
def yuan(amount: Any) -> str:
    """A Decimal amount of yuan as “52,000.00” (half up to the fen, core/money.py); empty for None."""
    if amount is None or amount == "":
        return ""
    from wuxing.core.money import to_yuan

    return f"{to_yuan(amount):,.2f}"
