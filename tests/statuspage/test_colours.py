"""The status colours are readable: WCAG AA contrast (4.5:1), computed here, for each
state's text on the white card and for the white banner text on the state's colour."""

from __future__ import annotations

import pytest

from bot.statuspage_web.views import STATE_COLOURS


def luminance(hex_colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("state", list(STATE_COLOURS))
def test_each_state_colour_reads_on_white_both_ways(state) -> None:
    assert contrast(STATE_COLOURS[state], "#ffffff") >= 4.5


def test_the_contrast_formula_matches_known_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
