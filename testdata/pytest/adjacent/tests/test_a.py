from tests import leftovers


def test_a1():
    assert 1 + 1 == 2


def test_a2():
    assert 2 + 2 == 4


def test_a3():
    assert 3 + 3 == 6


def test_a4():
    assert 4 + 4 == 8


def test_a5():
    assert 5 + 5 == 10
