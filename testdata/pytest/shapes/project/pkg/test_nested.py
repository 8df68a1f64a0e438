from pkg import state
from pkg.util import retried_once


class TestOuter:
    class TestInner:
        @retried_once
        def test_greeting_is_hello(self):
            # The victim: fails when a test left another greeting behind. It asks for no
            # fixture: the wrapper's (*args, **kwargs) hides the test's signature from pytest.
            assert state.greeting["text"] == "hello", f"greeting left over: {state.greeting['text']!r}"

        def test_shelf_starts_empty(self, shelf):
            assert shelf == []

    def test_outer_counts_runs(self):
        assert state.runs >= 1


def test_module_level_in_a_package(shelf):
    shelf.append(1)
    assert shelf == [1]
