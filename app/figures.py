"""Figures as a reader sees them: a share against a bar never reads as equal
to it when it is not (0.7999 against 0.8 is "79.99%" below "80.0%", not
"80.0%" below "80.0%")."""

from __future__ import annotations

MAX_DECIMALS = 6


def percent(value: float, decimals: int = 1) -> str:
    return f"{value:.{decimals}%}"


def percents(value: float, bar: float) -> tuple[str, str]:
    """``value`` and ``bar`` as percentages with one decimal, or with as many
    more as it takes for two different numbers to print differently."""
    decimals = 1
    while decimals < MAX_DECIMALS and value != bar and percent(value, decimals) == percent(bar, decimals):
        decimals += 1
    shown = percent(value, decimals)
    return shown, percent(bar, 1) if float(percent(bar, 1)[:-1]) / 100 == bar else percent(bar, decimals)
