"""A failure that follows no order: it fails on every third call, counted across runs in a file,
so whatever ran before it, the same order both fails and passes (deterministically, so the test
of bleed that uses it cannot be flaky). BLEED_NOISE_RANDOM=1 makes it fail 30 % of the time at
random instead, for the benchmark that measures how often bisect blames anyone."""

import os

from conftest import SCRATCH


def _fails_this_time():
    if os.environ.get("BLEED_NOISE_RANDOM") == "1":
        return os.urandom(1)[0] < 77
    counter = SCRATCH / "random-calls"
    calls = int(counter.read_text()) + 1 if counter.exists() else 1
    counter.write_text(str(calls))
    return calls % 3 == 0


def test_flaky_clock():
    assert not _fails_this_time(), "the clock answered late"
