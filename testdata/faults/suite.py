"""A stand-in test runner that misbehaves on demand, for tests/integration/faults.rs.

    python3 suite.py <seed> <report>          runs the suite in the order of <seed>
    python3 suite.py --tests <file> <report>  runs exactly the tests listed in <file>, in order

Eight tests, named `suite::<name>` in the JUnit report it writes; `victim` fails when
`polluter` ran before it. A file `fault` in the working directory, `<fault> [<from>]`, makes it
go wrong from its <from>th invocation on (1 when not given), invocations being counted in
`.invocations` there, so that a hunt's first runs or a bisection's first probes go well:

    no-report   exits 0 without writing the report
    truncated   writes the report cut off in the middle of a testcase
    binary      writes random bytes where the report goes
    segfault    dies of SIGSEGV before writing the report
    reorder     runs the tests it was asked for with the first two swapped
    hang        writes its pid to `.hanging` and sleeps until it is killed

The fault is a file, not a variable in the command, so that the command bleed records is the
same with the fault and without it.
"""

import fcntl
import os
import random
import signal
import sys
import time

TESTS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "polluter", "victim"]
CLASS = "suite"


def invocation():
    """This invocation's number, counting from 1, whoever else runs at the same time."""
    with open(".invocations", "a+") as counter:
        fcntl.flock(counter, fcntl.LOCK_EX)
        counter.seek(0)
        number = len(counter.read().splitlines()) + 1
        counter.write(f"{number}\n")
    return number


def chosen_fault(number):
    try:
        with open("fault") as chosen:
            words = chosen.read().split()
    except FileNotFoundError:
        return ""
    start = int(words[1]) if len(words) > 1 else 1
    return words[0] if number >= start else ""


def report(order):
    polluted = False
    cases = []
    for name in order:
        verdict = ""
        if name == "victim" and polluted:
            verdict = '<failure message="polluted">the polluter ran first</failure>'
        polluted = polluted or name == "polluter"
        cases.append(f'<testcase classname="{CLASS}" name="{name}" time="0.001">{verdict}</testcase>')
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="faults" tests="{len(order)}">\n'
        + "\n".join(cases)
        + "\n</testsuite>\n"
    )


def main():
    args = sys.argv[1:]
    if args[0] == "--tests":
        with open(args[1]) as listed:
            order = [line.strip().removeprefix(CLASS + "::") for line in listed if line.strip()]
    else:
        order = list(TESTS)
        random.Random(int(args[0])).shuffle(order)
    path = args[-1]
    fault = chosen_fault(invocation())
    if fault == "no-report":
        return
    if fault == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
    if fault == "hang":
        with open(".hanging", "w") as hanging:
            hanging.write(f"{os.getpid()}\n")
        while True:
            time.sleep(60)
    if fault == "reorder" and len(order) > 1:
        order[0], order[1] = order[1], order[0]
    text = report(order)
    if fault == "truncated":
        text = text[: text.index("<testcase", len(text) // 2) + 20]
    with open(path, "wb") as out:
        if fault == "binary":
            out.write(random.Random(path).randbytes(4096))
        else:
            out.write(text.encode())


main()
