"""The title customers read: set by people, else neutral, never the internal title."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.rendering import Renderer
from bot.services.incident_titles import clean_title, customer_title


@dataclass
class _Incident:
    public_title: str | None
    severity: str = "sev2"
    title: str = "Checkout eu"


def test_without_a_public_title_customers_read_the_neutral_wording() -> None:
    assert customer_title(Renderer(), _Incident(None)) == "Service disruption"
    assert customer_title(Renderer(), _Incident("Checkout errors")) == "Checkout errors"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ('"Checkout errors for EU customers"', "Checkout errors for EU customers"),
        ("“Checkout errors”", "Checkout errors"),
        ("  Checkout\x00 errors\n for EU  ", "Checkout errors for EU"),
        ("It's down", "It's down"),
        ('""', ""),
    ],
)
def test_titles_are_one_clean_line_without_the_quotes_typed_around_them(
    typed: str, stored: str
) -> None:
    assert clean_title(typed) == stored
