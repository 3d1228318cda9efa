"""Template helpers for the curator workspace."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import strip_tags
from django.utils.text import Truncator

register = template.Library()


@register.filter
def number(value: Any) -> str:
    """Return a stored number without trailing zeros (Decimal("0.0700") -> "0.07")."""
    if value is None or value == "":
        return ""
    if isinstance(value, Decimal):
        text = f"{value:f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


@register.filter
def person(user: Any) -> str:
    """Return how a user is named next to what they did (full name, else username)."""
    if user is None:
        return "irtkb"
    return user.get_full_name() or user.get_username()


@register.filter
def abstract_snippet(abstract: Any, words: int = 40) -> str:
    """Return the first ``words`` words of a paper's abstract sections, markup removed."""
    text = " ".join(
        section.get("text", "") for section in abstract or [] if isinstance(section, dict)
    )
    return Truncator(strip_tags(text)).words(words)
