import shared_state
from util import audited


@audited
def test_switch_currency_to_eur():
    # Polluter P1: switches the currency and never switches it back. Wrapped by a decorator from
    # tests/util.py, which JUnit names as its file: its real node id must still be found.
    shared_state.settings["currency"] = "EUR"
    assert shared_state.settings["currency"] == "EUR"


def test_warm_price_cache():
    # Polluter P3: leaves a stale promotional price in the cache.
    shared_state.price_cache["apple"] = 0
    assert shared_state.price_of("apple") == 0


def test_banner_defaults_to_welcome():
    # Victim V5: breaks when a test leaves a custom banner behind.
    text = shared_state.banner["text"] or "Welcome"
    assert text == "Welcome", f"banner left over from another test: {text!r}"


def test_timezone_is_utc():
    assert "UTC".lower() == "utc"
