# repro.sh's check: the victim's outcome in a JUnit XML report, printed as one word. VICTIM is
# the victim's id as bleed names a test case: classname::name, or the name alone.
import os
import sys
import xml.etree.ElementTree as ElementTree

try:
    cases = list(ElementTree.parse(sys.argv[1]).getroot().iter("testcase"))
except (OSError, ElementTree.ParseError):
    print("unreadable")
    sys.exit()


def key(case):
    classname, name = case.get("classname") or "", case.get("name") or ""
    return classname + "::" + name if classname else name


def outcome(case):
    tags = {child.tag for child in case}
    if tags & {"failure", "error", "flakyFailure", "flakyError"}:
        return "failed"
    return "skipped" if "skipped" in tags else "passed"


def nested(one, other):
    return one.endswith("." + other) or other.endswith("." + one)


victim = os.environ["VICTIM"]
found = [outcome(case) for case in cases if key(case) == victim]
# pytest names a case's class from its rootdir and bleed names tests from where pytest runs: a
# rootdir above that directory puts more of the path in front of the classname, one below it
# less.
found = found or [outcome(case) for case in cases if nested(key(case), victim)]
if not found:
    print("missing")
elif "failed" in found:
    print("failed")
elif all(each == "skipped" for each in found):
    print("skipped")
else:
    print("passed")
