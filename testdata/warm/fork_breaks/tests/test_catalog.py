def test_list():
    assert True


def test_search():
    assert True
