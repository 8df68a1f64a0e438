import shared_state


def test_register_csv_exporter():
    # State-setter S4: registers the exporter that B4 needs, as app start-up would.
    shared_state.exporters["csv"] = ",".join
    assert "csv" in shared_state.exporters


def test_reload_clears_price_cache():
    # Cleaner C3: a reload empties the price cache, hiding what P3 left in it.
    shared_state.price_cache.clear()
    assert shared_state.price_cache == {}


def test_plugin_names_are_sorted():
    assert sorted(["b", "a"]) == ["a", "b"]
