"""Helpers shared by the test modules."""


def audited(test):
    # A plain wrapper, without functools.wraps, as many hand-written decorators are: pytest's
    # JUnit report then names this file, not the test's, as the test's `file`.
    def audited_test(*args, **kwargs):
        return test(*args, **kwargs)

    audited_test.__name__ = test.__name__
    return audited_test
