import shared_state


def format_total(cents):
    return f"{cents / 100:.2f} {shared_state.settings['currency']}"


def test_total_is_in_dollars():
    # Victim V1: breaks when a test leaves another currency behind.
    assert format_total(1250) == "12.50 USD"


def test_checkout_gets_a_connection():
    # Victim V2: needs one free connection; the pool survives one leak but not two.
    connection = shared_state.open_connection("checkout")
    try:
        assert connection == "checkout"
    finally:
        shared_state.close_connection(connection)


def test_empty_cart_totals_zero():
    assert sum([]) == 0


def test_quantities_add_up():
    assert sum([1, 2, 3]) == 6


def test_discount_never_negative():
    assert max(0, 5 - 10) == 0
