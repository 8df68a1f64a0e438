"""Interference: the suite shares one scratch directory between copies, so while another copy
runs, this test finds that copy's files and fails. Alone it always passes."""

import os
import time

from conftest import SCRATCH


def test_scratch_directory_is_ours():
    # Long enough that two copies started together are both here at once.
    time.sleep(0.4)
    others = [p.name for p in SCRATCH.glob("running-*") if p.name != f"running-{os.getpid()}"]
    assert not others, f"another copy of the suite is using {SCRATCH}: {others}"
