"""Module state the tests share, as an application's globals would."""

# How many tests ran in this process (counted by the rootdir conftest).
runs = 0

# The greeting; a test that changes it and never restores it pollutes the victim.
greeting = {"text": "hello"}
