"""The planted order dependency: fails after test_switch_currency_to_eur."""

from state import settings


def test_total_is_in_dollars():
    assert settings["currency"] == "USD", f"expected USD, got {settings['currency']}"


def test_cart_starts_empty():
    assert True
