from state import settings


def test_switch_currency_to_eur():
    settings["currency"] = "EUR"


def test_enable_slow_backend():
    settings["slow_backend"] = True


def test_reads_settings():
    assert "currency" in settings
