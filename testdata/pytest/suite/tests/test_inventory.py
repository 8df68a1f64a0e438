import shared_state


def test_stock_check_opens_connection():
    # Polluter PA: opens a connection and forgets to close it.
    assert shared_state.open_connection("stock-check") == "stock-check"


def test_export_inventory_as_csv():
    # Brittle B4: relies on the csv exporter another test registers.
    assert "csv" in shared_state.exporters, "no csv exporter registered"
    assert shared_state.exporters["csv"](["a", "b"]) == "a,b"


def test_sku_is_uppercase():
    assert "ab-1".upper() == "AB-1"


def test_restock_adds_units():
    assert 3 + 7 == 10
