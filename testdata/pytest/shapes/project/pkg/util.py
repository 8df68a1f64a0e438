"""Decorators for the tests, in another module than the tests themselves."""


def retried_once(test):
    # A hand-written wrapper without functools.wraps: pytest's JUnit report names this file as
    # the wrapped test's file, and only the node id pytest itself uses is a real one.
    def retried_once_test(*args, **kwargs):
        return test(*args, **kwargs)

    retried_once_test.__name__ = test.__name__
    return retried_once_test
