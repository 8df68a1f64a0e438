"""State shared by every test module, as a real application's globals would be.

Each planted case (see PLANTED.md) owns its own keys, so the cases cannot interact.
"""

# Case 1: the display currency. Default "USD".
settings = {"currency": "USD"}

# Case 2: a pool of two database connections; a test that opens one and never closes it leaks.
POOL_SIZE = 2
open_connections = []

# Case 3: cached prices, normally empty.
price_cache = {}

# Case 4: exporters registered by name; empty until someone registers them.
exporters = {}

# Case 5: the banner shown on the storefront; None means the default.
banner = {"text": None}


def open_connection(owner):
    if len(open_connections) >= POOL_SIZE:
        raise RuntimeError(f"connection pool exhausted, held by {open_connections}")
    open_connections.append(owner)
    return owner


def close_connection(owner):
    open_connections.remove(owner)


def price_of(item):
    # A cached price wins over the catalogue, as a real read-through cache would.
    return price_cache.get(item, {"apple": 3, "pear": 4}[item])
