from tests import leftovers


def test_d1():
    assert 1 + 1 == 2


def test_d2_finds_no_socket_open():
    assert leftovers.open_socket is None, f"socket left open: {leftovers.open_socket}"


def test_d3():
    assert 3 + 3 == 6


def test_d4():
    assert 4 + 4 == 8


def test_d5():
    assert 5 + 5 == 10
