"""A module outside any package (no __init__.py): pytest imports it by its directory."""

import pytest

from pkg import state

# Ids as odd as pytest allows: `::` and brackets inside a parameter, quotes, a trailing space,
# non-ASCII (which pytest escapes in the node id), a tab, and shell syntax that must stay data.
ODD_IDS = [
    "a::b [c]",
    "it's \"quoted\" $(touch bleed-pwned) ",
    "café ☕",
    "tab\there",
    "]x[",
]


@pytest.mark.parametrize("index", range(len(ODD_IDS)), ids=ODD_IDS)
def test_greeting_variant(index):
    # The polluter is the second one alone: it changes the greeting and never restores it.
    if index == 1:
        state.greeting["text"] = "howdy"
    assert index < len(ODD_IDS)


def test_plain_in_a_loose_module(shelf):
    assert shelf == []
