"""Hangs only in the orders where test_enable_slow_backend ran before it."""

import time

from state import settings


def test_nightly_report():
    if settings["slow_backend"]:
        time.sleep(600)
