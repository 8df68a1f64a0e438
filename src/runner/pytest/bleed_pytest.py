"""Written by bleed's pytest adapter and loaded with `-p bleed_pytest` (pytest >= 7.0).

--bleed-report=FILE  writes one JSON object a line, flushed as each test finishes:
                     {"test": {id, outcome, duration, message, file, line}} in run order, then
                     {"end": {"exitstatus": N}}. A report without its end line was cut short.
                     An {"error": "..."} line says why the run could not do what bleed asked.
--bleed-order=FILE   runs exactly the tests listed in FILE (one id a line), in that order, and
                     stops the run if one of them is not collected.

An id is the node id as the command line accepts it from the directory pytest was started in:
pytest's own node ids are relative to the rootdir, which need not be that directory.
"""

import importlib.util
import json
import os
import shlex
import sys

import pytest


# The session's config and its collected items by node id, for the hooks that get neither.
_config = None
_items = {}


class Hooks:
    @pytest.hookspec
    def pytest_bleed_after_fork(self, config):
        """Called in each warm probe's child before it runs its tests, for what a fork cannot
        share with the server it came from (reconnect a database opened at boot). Declared in
        every run bleed starts, so that a conftest.py implementing it runs cold as well."""


def pytest_addhooks(pluginmanager):
    pluginmanager.add_hookspecs(Hooks)


def pytest_addoption(parser, pluginmanager):
    group = parser.getgroup("bleed")
    group.addoption("--bleed-report", dest="bleed_report", default=None)
    group.addoption("--bleed-order", dest="bleed_order", default=None)
    # Without pytest-randomly, `-p randomly` would stop pytest with an ImportError before any
    # hook could explain it: a stand-in takes its name and says what to install instead.
    randomly_missing = importlib.util.find_spec("pytest_randomly") is None
    if randomly_missing and not pluginmanager.has_plugin("randomly"):
        if not pluginmanager.is_blocked("randomly"):
            pluginmanager.register(MissingRandomly(), "randomly")


class MissingRandomly:
    def pytest_addoption(self, parser):
        parser.addoption("--randomly-seed", dest="bleed_missing_randomly_seed", default=None)

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config):
        if config.getoption("bleed_missing_randomly_seed") is None:
            return
        # pytest-randomly 5 needs pytest 8.
        wanted = "pytest-randomly" if major_version_of_pytest() >= 8 else "'pytest-randomly<5'"
        message = (
            "bleed: pytest-randomly, which shuffles the hunt's runs, is not installed for "
            f"this Python: {shlex.quote(sys.executable)} -m pip install {wanted}"
        )
        Report.of(config).error(message)
        raise pytest.UsageError(message)


def major_version_of_pytest():
    return int(pytest.__version__.split(".")[0])


class Report:
    """The JSON lines report, written by the process that runs the session (not xdist's workers)."""

    def __init__(self, path):
        self.file = open(path, "w", encoding="utf-8") if path else None
        self.phases = {}

    @staticmethod
    def of(config):
        report = getattr(config, "_bleed_report", None)
        if report is None:
            worker = hasattr(config, "workerinput")
            path = None if worker else config.getoption("bleed_report")
            report = config._bleed_report = Report(path)
        return report

    def write(self, record):
        if self.file:
            self.file.write(json.dumps(record) + "\n")
            self.file.flush()

    def error(self, message):
        self.write({"error": message})


def command_line_id(config, nodeid):
    """The node id as given on the command line from the invocation directory."""
    path, sep, rest = nodeid.partition("::")
    rootdir = str(config.rootpath)
    invocation = str(config.invocation_params.dir)
    if rootdir != invocation:
        path = os.path.relpath(os.path.join(rootdir, path), invocation).replace(os.sep, "/")
    return path + sep + rest


def read_order(path):
    with open(path, encoding="utf-8", newline="\n") as f:
        return [line[:-1] if line.endswith("\n") else line for line in f if line != "\n"]


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    global _config
    _config = config
    Report.of(config)
    order = config.getoption("bleed_order")
    if order is None:
        return
    config._bleed_order = read_order(order)
    # Only the files of the order are collected, given as arguments inside the process: a long
    # order never reaches a command line.
    files = []
    for test in config._bleed_order:
        path = test.partition("::")[0]
        if path not in files:
            files.append(path)
    config.args = files


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    order = getattr(config, "_bleed_order", None)
    if order is None:
        return
    by_id = {command_line_id(config, item.nodeid): item for item in items}
    missing = [test for test in order if test not in by_id]
    if missing:
        message = (
            f"bleed: {len(missing)} test(s) of the order were not collected, the first: "
            f"{missing[0]!r} (was it renamed or removed since the run, or deselected by -k/-m?)"
        )
        Report.of(config).error(message)
        raise pytest.UsageError(message)
    if len(set(order)) != len(order):
        message = "bleed: the order lists a test twice, and pytest runs each test once"
        Report.of(config).error(message)
        raise pytest.UsageError(message)
    chosen = [by_id[test] for test in order]
    kept = set(map(id, chosen))
    deselected = [item for item in items if id(item) not in kept]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
    items[:] = chosen


def first_line(text):
    for line in str(text).splitlines():
        if line.strip():
            return line.strip()
    return None


def message_of(report):
    longrepr = report.longrepr
    if longrepr is None:
        return None
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        # A skip: (file, line, reason).
        return first_line(longrepr[2])
    # The crash's message is the assertion with its explanation (the compared values, a diff),
    # kept apart from the traceback: all of it is the message. Without one, the text is a
    # traceback, and its first line will do.
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None and getattr(crash, "message", None):
        return str(crash.message)
    return first_line(longrepr)


def definition_line(item):
    """The 1-based line of the test's definition (of its first decorator, as pytest counts it),
    found through the wrappers of decorators from other modules, which need not use
    functools.wraps: pytest's own location then names the decorator's file."""
    module_file = os.path.realpath(str(item.path))
    function = getattr(item, "function", None)
    seen = set()
    while function is not None and id(function) not in seen:
        seen.add(id(function))
        code = getattr(function, "__code__", None)
        if code is not None and os.path.realpath(code.co_filename) == module_file:
            return code.co_firstlineno
        function = getattr(function, "__wrapped__", None) or next(
            (f for f in closure_contents(function) if hasattr(f, "__code__")), None
        )
    return None


def closure_contents(function):
    for cell in getattr(function, "__closure__", None) or ():
        try:
            yield cell.cell_contents
        except ValueError:
            # An empty cell: a variable the wrapper has not bound yet.
            continue


def pytest_runtest_logstart(nodeid, location):
    """Says which test starts, so that a run killed while a test hangs names that test."""
    config = _config
    if config is None:
        return
    Report.of(config).write({"started": command_line_id(config, nodeid)})


def pytest_runtest_logreport(report):
    config = _config
    if config is None:
        return
    state = Report.of(config)
    phases = state.phases.setdefault(report.nodeid, [])
    phases.append(report)
    if report.when == "teardown":
        del state.phases[report.nodeid]
        state.write({"test": result_of(config, report.nodeid, phases)})


def outcome_of(phases):
    """One outcome for a test's setup, call and teardown, as bleed counts them: an error in setup
    or teardown is the test's error, an expected failure (xfail) is a skip."""
    by_phase = {report.when: report for report in phases}
    setup, call, teardown = (by_phase.get(w) for w in ("setup", "call", "teardown"))
    if setup is not None and setup.failed:
        return "errored", setup
    if call is not None and call.failed:
        return "failed", call
    if teardown is not None and teardown.failed:
        return "errored", teardown
    if call is not None and call.skipped or setup is not None and setup.skipped:
        return "skipped", call if call is not None and call.skipped else setup
    return "passed", None


def result_of(config, nodeid, phases):
    outcome, telling = outcome_of(phases)
    item = _items.pop(nodeid, None)
    test_id = command_line_id(config, nodeid)
    return {
        "id": test_id,
        "outcome": outcome,
        "duration": sum(report.duration for report in phases),
        "message": message_of(telling) if telling is not None else None,
        "file": test_id.partition("::")[0],
        "line": definition_line(item) if item is not None else None,
    }




def pytest_collection_finish(session):
    _items.clear()
    _items.update((item.nodeid, item) for item in session.items)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    Report.of(session.config).write({"end": {"exitstatus": int(exitstatus)}})


def pytest_collectreport(report):
    if report.failed and _config is not None:
        Report.of(_config).error(
            f"pytest could not collect {report.nodeid or 'the tests'}: {first_line(message_of(report))}"
        )
