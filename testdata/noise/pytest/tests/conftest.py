"""Marks this copy of the suite as running, for test_race.py, and keeps the call counter of
test_random.py in a file, since every run of the suite is a new process."""

import os
import pathlib

import pytest

SCRATCH = pathlib.Path(__file__).resolve().parent.parent / "scratch"


@pytest.fixture(scope="session", autouse=True)
def running_copy():
    SCRATCH.mkdir(exist_ok=True)
    marker = SCRATCH / f"running-{os.getpid()}"
    marker.touch()
    yield
    marker.unlink()
