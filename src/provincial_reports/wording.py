"""How figures are written for people, one rule wherever they read them: in an answer to a
province, on the report pages and in the terminal. Thousands are separated; trailing zeros of
decimals dropped; a figure not reported is a dash, never a zero."""

from __future__ import annotations

from decimal import Decimal

NOT_REPORTED = "—"


def figure_text(value: Decimal | float | None, value_type: str = "decimal", decimals: int = 2) -> str:
    """Money to the cent (or `decimals` places) without trailing zeros; counts as whole numbers."""
    if value is None:
        return NOT_REPORTED
    if value_type == "integer":
        return f"{int(value):,}"
    exact = value if isinstance(value, Decimal) else float(value)  # a Decimal is never rounded through a float
    return f"{exact:,.{decimals}f}".rstrip("0").rstrip(".")
