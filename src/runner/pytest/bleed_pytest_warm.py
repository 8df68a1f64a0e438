"""Written by bleed's pytest adapter and loaded with `-p bleed_pytest_warm`, next to
`-p bleed_pytest`, for warm probes (bleed's docs/warm.md): pytest boots and collects the suite
once, then, instead of running it, serves probes on the Unix socket $BLEED_WARM_SOCKET. Each
probe runs in a forked child that runs exactly the requested tests through pytest's own run
loop and ends the session as a cold run would; the parent never runs a test.

--bleed-collect=PATH     collected instead of the command line's paths (repeatable), set inside
                         the process so that rootdir, ini and conftests are the replay's.
--bleed-randomly=FLAG    a pytest-randomly option of the hunt (repeatable), for probes that run
                         the hunt's own order under a seed.
--bleed-distributed      the hunt spreads its tests over xdist workers: its own order is refused,
                         since one child runs one order in one process.
"""

import gc
import importlib.util
import json
import os
import select
import signal
import socket
import sys
import warnings

import pytest

import bleed_pytest


# The collected items before any pytest_collection_modifyitems ran: a hunt's order is made again
# from them under each probe's seed. Failed collections, for the boot's error.
_collected = None
_collect_errors = []
# Set in a child: its pytest_cmdline_main ends the process with pytest's exit code.
_in_child = False


def pytest_addoption(parser):
    group = parser.getgroup("bleed")
    group.addoption("--bleed-collect", dest="bleed_collect", action="append", default=[])
    group.addoption("--bleed-randomly", dest="bleed_randomly", action="append", default=[])
    group.addoption("--bleed-distributed", dest="bleed_distributed", action="store_true")


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    if config.getoption("bleed_collect"):
        config.args = list(config.getoption("bleed_collect"))


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_collection_modifyitems(session, config, items):
    global _collected
    if _collected is None:
        _collected = list(items)
    yield


def pytest_collectreport(report):
    if report.failed:
        _collect_errors.append(
            f"pytest could not collect {report.nodeid or 'the tests'}: "
            f"{bleed_pytest.first_line(bleed_pytest.message_of(report))}"
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_cmdline_main(config):
    outcome = yield
    if not _in_child:
        return
    # The child ends here, after the session finished and pytest unconfigured, without the
    # exit handlers and finalizers it inherited: they belong to the parent's boot (a database
    # connection's __del__ would close the parent's socket).
    try:
        code = int(outcome.get_result())
    except BaseException:
        code = int(pytest.ExitCode.INTERNAL_ERROR)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(code)


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session):
    try:
        Server(session).serve()
    except Forked:
        # In the child, set up for its probe: pytest's own loop runs session.items next, as in
        # a cold run.
        return None


class Server:
    def __init__(self, session):
        self.session = session
        self.config = session.config
        self.by_id = {
            bleed_pytest.command_line_id(self.config, item.nodeid): item
            for item in session.items
        }
        self.children = {}
        self.buffer = b""

    def serve(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(os.environ["BLEED_WARM_SOCKET"])
        problem = self.boot_problem()
        if problem is not None:
            self.send({"event": "error", "message": problem})
            self.finish()
        version = f"pytest {pytest.__version__}"
        self.send({"event": "ready", "tests": len(self.session.items), "version": version})
        # A child's exit wakes the select below through this pipe, so its `exited` goes out at
        # once rather than at the next poll.
        self.wake_read, self.wake_write = os.pipe()
        os.set_blocking(self.wake_write, False)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)
        signal.set_wakeup_fd(self.wake_write)
        while True:
            ready, _, _ = select.select([self.sock, self.wake_read], [], [], 1.0)
            if self.wake_read in ready:
                os.read(self.wake_read, 4096)
            self.reap()
            if self.sock in ready:
                try:
                    data = self.sock.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    self.finish()
                self.buffer += data
                while b"\n" in self.buffer:
                    line, self.buffer = self.buffer.split(b"\n", 1)
                    if line.strip():
                        self.probe(json.loads(line))

    def boot_problem(self):
        if _collect_errors:
            return _collect_errors[0]
        if not self.session.items:
            return "no tests were collected"
        return None

    def send(self, record):
        try:
            self.sock.sendall((json.dumps(record) + "\n").encode())
        except OSError:
            self.finish()

    def finish(self):
        """bleed is gone (or the boot failed): nothing the server started outlives it."""
        for pid in self.children:
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
        for pid in self.children:
            try:
                os.waitpid(pid, 0)
            except OSError:
                pass
        os._exit(0)

    def reap(self):
        for pid in list(self.children):
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done, status = pid, 0
            if done == 0:
                continue
            probe = self.children.pop(pid)
            if os.WIFSIGNALED(status):
                code = 128 + os.WTERMSIG(status)
            else:
                code = os.WEXITSTATUS(status)
            self.send({"event": "exited", "probe": probe, "status": code})

    def probe(self, request):
        number = request["probe"]
        try:
            items = self.items_of(request)
        except Refused as refused:
            self.send({"event": "refused", "probe": number, "message": str(refused)})
            return
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        if hasattr(gc, "freeze"):
            # Out of the cycle collector's sight: a child's first full collection would otherwise
            # write to every object of the boot and copy the whole heap, which made a one-test
            # probe of a 400-test suite four times slower.
            gc.freeze()
        with warnings.catch_warnings():
            # Python 3.12 warns about forking a process with threads; the docs say what a fork
            # leaves behind.
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:
            try:
                self.become_child(request, items)
            except BaseException as error:
                sys.stderr.write(f"bleed: the warm probe could not start: {error!r}\n")
                sys.stderr.flush()
                os._exit(int(pytest.ExitCode.INTERNAL_ERROR))
            raise Forked()
        try:
            # Set here too, so that bleed can signal the group as soon as it reads the pid.
            os.setpgid(pid, pid)
        except OSError:
            pass
        self.children[pid] = number
        self.send({"event": "forked", "probe": number, "pid": pid})

    def items_of(self, request):
        """The items the probe runs, or None for the hunt's own order under the probe's seed."""
        order = request.get("order")
        if order is None:
            if request.get("seed") is None:
                raise Refused("a probe without an order needs a seed")
            if self.config.getoption("bleed_distributed"):
                raise Refused(
                    "the hunt spreads its tests over xdist workers (-n), and a warm run is one "
                    "process"
                )
            if importlib.util.find_spec("pytest_randomly") is None:
                raise Refused(
                    "pytest-randomly, which orders the hunt's runs, is not installed for "
                    f"{sys.executable}"
                )
            return None
        missing = [test for test in order if test not in self.by_id]
        if missing:
            raise Refused(
                f"no test {missing[0]} was collected ({len(missing)} of the order's "
                f"{len(order)} tests are missing)"
            )
        if len(set(order)) != len(order):
            raise Refused("the order lists a test twice, and pytest runs each test once")
        return [self.by_id[test] for test in order]

    def become_child(self, request, items):
        global _in_child
        _in_child = True
        os.setpgid(0, 0)
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        # Closed through the socket object, whose finalizer would otherwise close the number
        # again once a file of the child's own has it.
        self.sock.close()
        os.close(self.wake_read)
        os.close(self.wake_write)
        redirect(self.config, request["log"])
        os.environ.update(request.get("env") or {})
        self.config.hook.pytest_bleed_after_fork(config=self.config)
        if items is None:
            items = hunt_order(self.config, self.session, request["seed"])
        else:
            deselect_like_a_replay(self.config, self.session.items, items)
        start_run(self.config, self.session, items, request["report"])


class Refused(Exception):
    pass


class Forked(Exception):
    """Unwinds a child from the server's loop back into pytest's."""


def redirect(config, log):
    """stdin from /dev/null, stdout and stderr to the probe's log, and pytest's capturing started
    anew over them: the one started at boot still holds the server's descriptors, and its
    temporary files are shared with every other child."""
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o644)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.close(out)
    capman = config.pluginmanager.getplugin("capturemanager")
    if capman is not None and capman._global_capturing is not None:
        # Dropped, not stopped: stopping would restore the server's descriptors and read the
        # shared temporary files. Between tests the boot's capture is suspended, so the standard
        # descriptors are already the ones just set.
        capman._global_capturing = None
        capman.start_global_capturing()
        capman.suspend_global_capture()
    # faulthandler writes a crash's or a timeout's traceback to a copy of stderr made at boot.
    import _pytest.faulthandler as faulthandler_plugin

    for name in ("fault_handler_stderr_fd_key", "fault_handler_stderr_key"):
        key = getattr(faulthandler_plugin, name, None)
        if key is not None and key in config.stash:
            target = config.stash[key]
            os.dup2(2, target if isinstance(target, int) else target.fileno())


def deselect_like_a_replay(config, collected, chosen):
    """A cold replay collects the files of its order and deselects their other tests."""
    files = {item.path for item in chosen}
    kept = set(map(id, chosen))
    others = [item for item in collected if item.path in files and id(item) not in kept]
    reset_terminal(config, len(chosen) + len(others))
    if others:
        config.hook.pytest_deselected(items=others)


def hunt_order(config, session, seed):
    """The items in the order a hunt's run under `seed` gives them: pytest-randomly registered
    with that seed, and every pytest_collection_modifyitems run again over the collection as a
    cold run does (deselection by -k and -m, the user's own, pytest-randomly's shuffle)."""
    import pytest_randomly

    flags = config.getoption("bleed_randomly")
    config.option.randomly_seed = int(seed)
    config.option.randomly_reset_seed = "--randomly-dont-reset-seed" not in flags
    config.option.randomly_reorganize = "--randomly-dont-reorganize" not in flags
    # The replay's -p no:randomly blocks its name; under another one it runs every hook it would
    # in a cold hunt from here on (its pytest_configure, which stores the seed, at once).
    config.pluginmanager.register(pytest_randomly, "bleed-warm-randomly")
    items = list(_collected)
    reset_terminal(config, len(items))
    config.hook.pytest_collection_modifyitems(session=session, config=config, items=items)
    return items


def reset_terminal(config, collected):
    """The terminal reporter as a fresh session has it: its counts, progress and clock are the
    boot's, and the header and collection line went to the server's log."""
    terminal = config.pluginmanager.getplugin("terminalreporter")
    if terminal is None:
        return
    terminal.stats = {}
    terminal._numcollected = collected
    terminal._progress_nodeids_reported = set()
    terminal._main_color = None
    terminal._known_types = None
    terminal.currentfspath = None


def start_run(config, session, items, report):
    """Hands pytest a session that has run nothing: its own loop, failure counting (-x,
    --maxfail), session finish and exit code then behave as in a cold run."""
    session.items = items
    session.testscollected = len(items)
    session.testsfailed = 0
    session.shouldfail = False
    session.shouldstop = False
    config.option.bleed_report = report
    config._bleed_report = bleed_pytest.Report(report)
    lfplugin = config.pluginmanager.getplugin("lfplugin")
    if lfplugin is not None and getattr(config, "cache", None) is not None:
        # Reread, so the child records its failures over the cache as it is now, not at boot.
        lfplugin.lastfailed = config.cache.get("cache/lastfailed", {})
    terminal = config.pluginmanager.getplugin("terminalreporter")
    if terminal is not None:
        terminal.pytest_sessionstart(session)
        terminal.pytest_collection_finish(session)
