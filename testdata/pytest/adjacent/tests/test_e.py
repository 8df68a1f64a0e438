from tests import leftovers


def test_e1():
    assert 1 + 1 == 2


def test_e2():
    assert 2 + 2 == 4


def test_e3():
    assert 3 + 3 == 6


def test_e4():
    assert 4 + 4 == 8


def test_e5():
    assert 5 + 5 == 10
