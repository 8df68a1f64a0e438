import shared_state


def test_price_lookup_opens_connection():
    # Polluter PB: opens a connection and forgets to close it.
    assert shared_state.open_connection("price-lookup") == "price-lookup"


def test_apple_costs_three():
    # Victim V3: reads through the price cache.
    assert shared_state.price_of("apple") == 3


def test_pear_costs_four():
    assert {"pear": 4}["pear"] == 4


def test_prices_are_integers():
    assert isinstance(7, int)
