"""Module-level state shared by the tests, as an application's globals would be."""

settings = {"currency": "USD", "slow_backend": False}
