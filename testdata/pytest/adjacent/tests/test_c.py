from tests import leftovers


def test_c1():
    assert 1 + 1 == 2


def test_c2():
    assert 2 + 2 == 4


def test_c3():
    assert 3 + 3 == 6


def test_c4():
    assert 4 + 4 == 8


def test_c5():
    assert 5 + 5 == 10
