"""The rootdir's conftest: a fixture every module uses, and the state the planted case shares."""

import pytest

from pkg import state


@pytest.fixture
def shelf():
    # Each test gets a fresh shelf; what leaks is module state, not this.
    return []


@pytest.fixture(autouse=True)
def count_runs():
    state.runs += 1
    yield
