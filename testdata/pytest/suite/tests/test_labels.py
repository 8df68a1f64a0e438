import pytest

import shared_state

# The id is hostile on purpose: it lands in the node id, and so in bleed's commands and
# reports, where it must stay data. A shell that ran it would create `bleed-pwned` in the cwd.
HOSTILE_ID = "it's \"quoted\" $(touch bleed-pwned)"


@pytest.mark.parametrize("text", ["Summer sale!"], ids=[HOSTILE_ID])
def test_custom_banner(text):
    # Polluter P5: sets a banner and never restores the default.
    shared_state.banner["text"] = text
    assert shared_state.banner["text"] == text


def test_label_fits_on_a_line():
    assert len("Fresh pears") < 40


def test_label_strips_whitespace():
    assert " pear ".strip() == "pear"
