# repro.sh's check: the victim's outcome in a JUnit XML report, printed as one word, then the
# place of its first test case in the report, which is the order it ran in. VICTIM is the
# victim's id as bleed names a test case: classname::name, or the name alone.
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
places = list(enumerate(cases, 1))
found = [(place, outcome(case)) for place, case in places if key(case) == victim]
# pytest names a case's class from its rootdir and bleed names tests from where pytest runs: a
# rootdir above that directory puts more of the path in front of the classname, one below it
# less.
found = found or [
    (place, outcome(case)) for place, case in places if nested(key(case), victim)
]
outcomes = [each for _, each in found]
if not found:
    print("missing")
elif "failed" in outcomes:
    print("failed", found[0][0])
elif all(each == "skipped" for each in outcomes):
    print("skipped", found[0][0])
else:
    print("passed", found[0][0])
