import os

import conftest
from tests import shop


def test_count():
    assert True


def test_total():
    assert os.getpid() == conftest.CONNECTION_OWNER, "the connection opened at boot is unusable here"
    assert shop.currency == "USD"
