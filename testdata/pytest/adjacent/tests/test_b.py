from tests import leftovers


def test_b1():
    assert 1 + 1 == 2


def test_b2():
    assert 2 + 2 == 4


def test_b3_opens_a_socket_and_forgets_it():
    leftovers.open_socket = "127.0.0.1:5432"


def test_b4():
    assert 4 + 4 == 8


def test_b5():
    assert 5 + 5 == 10
