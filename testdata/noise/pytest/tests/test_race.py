"""Interference: the suite shares one scratch directory between copies, so while another copy
runs, this test finds that copy's marker and fails. Alone it always passes. Markers of copies that
were killed (a timeout) stay behind, so only those of live processes count."""

import os
import time

from conftest import SCRATCH


def alive(pid):
    """A copy that was killed may stay a zombie until init reaps it: that one is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def test_scratch_directory_is_ours():
    # Long enough that two copies started together are both here at once.
    time.sleep(0.4)
    others = [
        p.name
        for p in SCRATCH.glob("running-*")
        if p.name != f"running-{os.getpid()}" and alive(int(p.name.split("-")[1]))
    ]
    assert not others, f"another copy of the suite is using {SCRATCH}: {others}"
