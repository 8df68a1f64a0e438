#!/usr/bin/env python3
"""Writes a suite with one planted polluter among N tests, for benches/warm_vs_peers.sh.

    benches/gen_suite.py RUNNER TESTS BOOT SEED DIR      RUNNER: pytest, rspec or cucumber

The suite boots the way real ones do: conftest.py imports, spec_helper requires, env.rb
requires an app module that takes BOOT seconds to load. One test of the N - 1 tidy ones (drawn
from SEED) leaves state behind; the victim, in a file of its own, fails when it runs after it.

Then it looks for a failing order: the first seed from SEED on under which the runner's own
shuffle puts the polluter before the victim, read from a dry run (collect-only, --dry-run) with
the boot skipped (GEN_SUITE_NO_BOOT=1, read by the app module only for this search). It prints one
JSON line: the victim's and the polluter's ids as bleed names them, the failing seed, and writes
order.txt, that seed's order (pytest only, for detect-test-pollution's --testids-file).
"""

import json
import os
import pathlib
import random
import re
import subprocess
import sys


def spread(n, files):
    """The tidy tests' numbers per file: n - 1 of them over `files` files."""
    per = -(-(n - 1) // files)
    return [range(f * per, min((f + 1) * per, n - 1)) for f in range(files)]


def pytest_suite(root, n, boot, polluter):
    tests = root / "tests"
    tests.mkdir()
    (tests / "__init__.py").write_text("")
    (tests / "app.py").write_text(
        "import os\nimport time\n\n"
        "# The app the suite boots: settings, models, its imports.\n"
        f"if not os.environ.get('GEN_SUITE_NO_BOOT'):\n    time.sleep({boot})\n\nleaked = {{}}\n"
    )
    (tests / "conftest.py").write_text("import tests.app  # noqa: F401\n")
    files = max(10, n // 40)
    for f, numbers in enumerate(spread(n, files)):
        lines = ["from tests import app\n"]
        for k in numbers:
            body = "    app.leaked['tz'] = 'Europe/Paris'\n" if k == polluter else "    assert True\n"
            lines.append(f"def test_{k:05d}():\n{body}")
            if k == polluter:
                polluter_id = f"tests/test_m{f:02d}.py::test_{k:05d}"
        (tests / f"test_m{f:02d}.py").write_text("\n".join(lines))
    (tests / "test_victim.py").write_text(
        "from tests import app\n\n\ndef test_victim():\n    assert 'tz' not in app.leaked\n"
    )
    (root / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    return "tests/test_victim.py::test_victim", polluter_id


def rspec_suite(root, n, boot, polluter):
    (root / "app").mkdir()
    (root / "app" / "boot.rb").write_text(
        "# The app the suite boots: gems, models, initializers.\n"
        f"sleep({boot}) unless ENV['GEN_SUITE_NO_BOOT']\n\nmodule State\n  LEAKED = {{}}\nend\n"
    )
    spec = root / "spec"
    spec.mkdir()
    (spec / "spec_helper.rb").write_text("require_relative '../app/boot'\n")
    (root / ".rspec").write_text("--require spec_helper\n")
    files = max(10, n // 40)
    for f, numbers in enumerate(spread(n, files)):
        lines = [f"RSpec.describe 'm{f:02d}' do"]
        for at, k in enumerate(numbers, 1):
            body = "State::LEAKED[:tz] = 'Europe/Paris'" if k == polluter else "expect(1).to eq(1)"
            lines.append(f"  it 't{k:05d}' do\n    {body}\n  end")
            if k == polluter:
                polluter_id = f"./spec/m{f:02d}_spec.rb[1:{at}]"
        (spec / f"m{f:02d}_spec.rb").write_text("\n".join(lines) + "\nend\n")
    (spec / "victim_spec.rb").write_text(
        "RSpec.describe 'victim' do\n  it 'sees no leak' do\n"
        "    expect(State::LEAKED).to be_empty\n  end\nend\n"
    )
    return "./spec/victim_spec.rb[1:1]", polluter_id


def cucumber_suite(root, n, boot, polluter):
    (root / "app").mkdir()
    (root / "app" / "boot.rb").write_text(
        "# The app the suite boots: gems, models, initializers.\n"
        f"sleep({boot}) unless ENV['GEN_SUITE_NO_BOOT']\n\nmodule State\n  LEAKED = {{}}\nend\n"
    )
    features = root / "features"
    (features / "support").mkdir(parents=True)
    (features / "step_definitions").mkdir()
    (features / "support" / "env.rb").write_text("require_relative '../../app/boot'\n")
    (features / "step_definitions" / "steps.rb").write_text(
        "Given('a tidy step') { }\n"
        "Given('the time zone leaks') { State::LEAKED[:tz] = 'Europe/Paris' }\n"
        "Then('nothing has leaked') { raise 'leaked' unless State::LEAKED.empty? }\n"
    )
    files = max(10, n // 40)
    for f, numbers in enumerate(spread(n, files)):
        lines = [f"Feature: m{f:02d}", ""]
        for k in numbers:
            step = "the time zone leaks" if k == polluter else "a tidy step"
            if k == polluter:
                polluter_id = f"features/m{f:02d}.feature:{len(lines) + 1}"
            lines += [f"  Scenario: t{k:05d}", f"    Given {step}", ""]
        (features / f"m{f:02d}.feature").write_text("\n".join(lines))
    (features / "victim.feature").write_text(
        "Feature: victim\n\n  Scenario: sees no leak\n    Then nothing has leaked\n"
    )
    return "features/victim.feature:3", polluter_id


def dry_order(runner, root, seed):
    """The ids in the order the runner's shuffle under `seed` runs them, without running them."""
    env = dict(os.environ, GEN_SUITE_NO_BOOT="1")
    if runner == "pytest":
        command = ["python3", "-m", "pytest", "-q", "--collect-only", "-p", "randomly",
                   f"--randomly-seed={seed}", "tests"]
    elif runner == "rspec":
        command = ["rspec", "--seed", str(seed), "--dry-run", "--format", "json"]
    else:
        command = ["cucumber", "--order", f"random:{seed}", "--dry-run", "--format", "pretty",
                   "--no-color"]
    out = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True).stdout
    if runner == "pytest":
        return [line for line in out.splitlines() if "::" in line]
    if runner == "rspec":
        return [example["id"] for example in json.loads(out)["examples"]]
    return re.findall(r"Scenario: .*# (features/\S+:\d+)", out)


def main():
    runner, n, boot, seed, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
    root = pathlib.Path(out)
    root.mkdir(parents=True)
    random.seed(seed)
    polluter = random.randrange(n - 1)
    write = {"pytest": pytest_suite, "rspec": rspec_suite, "cucumber": cucumber_suite}[runner]
    victim, polluter_id = write(root, n, boot, polluter)
    for failing in range(seed, seed + 50):
        order = dry_order(runner, root, failing)
        if len(order) != n:
            sys.exit(f"the {runner} dry run listed {len(order)} tests, not {n}")
        if order.index(polluter_id) < order.index(victim):
            break
    else:
        sys.exit("no seed in 50 puts the polluter before the victim")
    (root / "order.txt").write_text("\n".join(order[: order.index(victim) + 1]) + "\n")
    print(json.dumps({"victim": victim, "polluter": polluter_id, "seed": failing}))


if __name__ == "__main__":
    main()
