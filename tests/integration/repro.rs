//! The reproducer a bisection hands over, used as a maintainer would: repro.sh run from another
//! directory, and from a copy of the project at another path, where it must still reproduce;
//! then the pollution fixed in the copy, where it must say so and exit 1; and REPORT.md read
//! for the tests' names, the whole failure message, the runner's version and no path of this
//! machine.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tempfile::TempDir;

use crate::util::{self, Sandbox};

/// `bleed bisect --json --jobs 2 <args>` in `dir`, which must name culprits.
fn bisected(sandbox: &Sandbox, dir: &Path, args: &[&str]) -> Value {
    let output = sandbox
        .bleed()
        .current_dir(dir)
        .args(["bisect", "--json", "--jobs", "2"])
        .args(args)
        .env("GOPROXY", "off")
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "")
        .env("GOWORK", "off")
        .output()
        .expect("run bleed");
    let result = util::json_exiting(&output, 0, &format!("bisecting with {args:?}"));
    assert!(
        result["script"].is_object(),
        "repro.sh reads the runner's report: {result:#}"
    );
    result
}

/// The one directory under `.bleed/repro/` that a bisection in `project` wrote.
fn written(project: &Path) -> PathBuf {
    let repro = project.join(".bleed").join("repro");
    let dirs: Vec<PathBuf> = fs::read_dir(&repro)
        .unwrap_or_else(|e| panic!("read {}: {e}", repro.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    let [dir] = dirs.as_slice() else {
        panic!("one reproducer under {}: {dirs:?}", repro.display());
    };
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    assert!(!name.starts_with('.'), "a hidden reproducer folder: {name}");
    dir.clone()
}

/// What a run of a repro.sh printed, with its exit code.
struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

/// `sh <script>` run in `cwd`, as a maintainer would.
fn run(script: &Path, cwd: &Path) -> Ran {
    run_with(script, cwd, &[])
}

/// `sh <script> <args>` run in `cwd`.
fn run_with(script: &Path, cwd: &Path, args: &[&Path]) -> Ran {
    let output = Command::new("sh")
        .arg(script)
        .args(args)
        .current_dir(cwd)
        .env("GOPROXY", "off")
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "")
        .env("GOWORK", "off")
        .output()
        .expect("run sh");
    Ran {
        code: output.status.code().expect("repro.sh was not killed"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

impl Ran {
    fn expect(&self, code: i32, saying: &str) -> &Ran {
        assert!(
            self.code == code && self.stdout.contains(saying),
            "expected exit {code} and {saying:?}, got exit {}:\n{}\n{}",
            self.code,
            self.stdout,
            self.stderr
        );
        self
    }
}

/// A copy of the directory `of` at another path, symbolic links kept as they are.
fn copy_of(of: &Path) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let copy = dir.path().join("elsewhere").join("checkout");
    fs::create_dir_all(&copy).expect("make the copy's directory");
    let status = Command::new("cp")
        .arg("-RP")
        .arg(format!("{}/.", of.display()))
        .arg(&copy)
        .status()
        .expect("run cp");
    assert!(status.success(), "copy {}", of.display());
    (dir, copy)
}

/// Replaces `from` with `to` in the file at `path`, which must hold it.
fn edit(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    assert!(text.contains(from), "{} holds {from:?}", path.display());
    fs::write(path, text.replacen(from, to, 1)).expect("edit the file");
}

/// The script run from another directory and from a copy of the project reproduces; once
/// `fix` has fixed the pollution in the copy, it says so and exits 1.
fn assert_reproduces_anywhere_until_fixed(project: &Path, fix: impl Fn(&Path)) {
    let script = written(project).join("repro.sh");
    let elsewhere = tempfile::tempdir().expect("a temporary directory");
    let found = format!("project: {}", project.canonicalize().unwrap().display());
    run(&script, elsewhere.path())
        .expect(0, "exit 0: it still reproduces")
        .expect(0, &found);

    let (_copy_dir, copy) = copy_of(project);
    let copied_script = written(&copy).join("repro.sh");
    let in_copy = format!("project: {}", copy.canonicalize().unwrap().display());
    run(&copied_script, elsewhere.path()).expect(0, &in_copy);
    // The script saved outside any checkout, as from a bug report, names the checkout.
    let saved = elsewhere.path().join("repro.sh");
    fs::copy(&script, &saved).expect("save the script elsewhere");
    run_with(&saved, elsewhere.path(), &[&copy.join(".")]).expect(0, &in_copy);
    fix(&copy);
    run(&copied_script, elsewhere.path())
        .expect(1, "the pollution looks fixed")
        .expect(
            1,
            "exit 1: the order dependency no longer shows as bleed found it",
        );
}

/// In a copy of the project that `change` leaves with the pollution in place but with its
/// polluter no longer run before the victim (renamed, moved, or reordered by the runner's seed),
/// the victim passes: the script must say why it cannot tell, and exit 2, never that the
/// pollution looks fixed.
fn assert_cannot_tell_after(project: &Path, change: impl Fn(&Path), saying: &str) {
    let (_copy_dir, copy) = copy_of(project);
    change(&copy);
    run(&written(&copy).join("repro.sh"), &copy)
        .expect(2, saying)
        .expect(2, "exit 2: this run could not tell");
}

/// REPORT.md shows no path of the machine it was made on.
fn assert_no_local_path(report: &str, project: &Path) {
    for path in [project.to_path_buf(), project.canonicalize().unwrap()] {
        let path = path.display().to_string();
        assert!(!report.contains(&path), "{path} in REPORT.md:\n{report}");
    }
}

fn report_of(project: &Path) -> String {
    fs::read_to_string(written(project).join("REPORT.md")).expect("REPORT.md is written")
}

#[test]
fn a_pytest_reproducer_runs_from_any_checkout_and_says_when_the_pollution_is_fixed() {
    if !util::require_pytest() {
        return;
    }
    let sandbox = Sandbox::with_suite(crate::bisect_pytest::SUITE);
    let victim = crate::bisect_pytest::V1;
    bisected(
        &sandbox,
        sandbox.path(),
        &[
            "--cmd",
            crate::bisect_pytest::COMMAND,
            "--seed",
            "1",
            "--victim",
            victim,
        ],
    );
    let report = report_of(sandbox.path());
    assert!(
        report.starts_with(&format!("### Order-dependent test: `{victim}`\n")),
        "{report}"
    );
    // The assertion with pytest's diff of the two values, not only its first line.
    assert!(
        report.contains("AssertionError: assert '12.50 EUR' == '12.50 USD'\n\n  - 12.50 USD\n"),
        "{report}"
    );
    assert!(report.contains("| runner | pytest "), "{report}");
    assert!(
        report.contains("| failing order | a run under seed 1 |"),
        "{report}"
    );
    assert_no_local_path(&report, sandbox.path());

    assert_reproduces_anywhere_until_fixed(sandbox.path(), |copy| {
        edit(
            &copy.join("tests/test_settings.py"),
            "    assert shared_state.settings[\"currency\"] == \"EUR\"\n",
            "    assert shared_state.settings[\"currency\"] == \"EUR\"\n    \
             shared_state.settings[\"currency\"] = \"USD\"\n",
        );
    });

    assert_cannot_tell_after(
        sandbox.path(),
        |copy| {
            edit(
                &copy.join("tests/test_settings.py"),
                "@audited\n",
                "import pytest\n@pytest.mark.skip\n@audited\n",
            );
        },
        "-> the polluter tests/test_settings.py::test_switch_currency_to_eur was skipped",
    );

    // A victim renamed since is no answer either way.
    let (_copy_dir, copy) = copy_of(sandbox.path());
    edit(
        &copy.join("tests/test_cart.py"),
        "def test_total_is_in_dollars",
        "def test_total_is_in_usd",
    );
    run(&written(&copy).join("repro.sh"), &copy).expect(2, "the victim is not in the report");
    util::assert_nothing_ran_as_code(&sandbox);
}

#[test]
fn a_pytest_reproducer_finds_the_victim_when_pytests_rootdir_is_below_where_it_runs() {
    if !util::require_pytest() {
        return;
    }
    // pytest.ini is in project/: pytest names the JUnit case from there, bleed from above it.
    let sandbox = Sandbox::with_suite("pytest/shapes");
    // The polluter's id ends with a space and holds shell syntax.
    sandbox.write(
        "order.txt",
        "project/loose/test_params.py::test_greeting_variant[it's \"quoted\" $(touch bleed-pwned) ]\n\
         project/pkg/test_nested.py::TestOuter::TestInner::test_greeting_is_hello\n",
    );
    bisected(
        &sandbox,
        sandbox.path(),
        &[
            "--cmd",
            "python3 -m pytest -q project",
            "--order-file",
            "order.txt",
            "--victim",
            "project/pkg/test_nested.py::TestOuter::TestInner::test_greeting_is_hello",
        ],
    );
    let script = written(sandbox.path()).join("repro.sh");
    run(&script, sandbox.path()).expect(0, "exit 0: it still reproduces");
    util::assert_nothing_ran_as_code(&sandbox);
}

#[test]
fn a_reproducer_finds_the_project_by_its_place_in_a_git_checkout() {
    if !util::require_pytest() || !util::require_runner("git", &[&["git", "--version"]]) {
        return;
    }
    let sandbox = Sandbox::new();
    let suite = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/pytest/suite");
    let shop = sandbox.path().join("shop");
    fs::create_dir_all(&shop).expect("make the project's directory");
    let copied = sandbox.sh(&format!(
        "cp -R {}/. shop && git init -q .",
        shell_words::quote(&suite.display().to_string())
    ));
    assert!(copied.status.success(), "{copied:?}");
    bisected(
        &sandbox,
        &shop,
        &[
            "--cmd",
            crate::bisect_pytest::COMMAND,
            "--seed",
            "1",
            "--victim",
            crate::bisect_pytest::V1,
        ],
    );
    let script = written(&shop).join("repro.sh");
    let text = fs::read_to_string(&script).expect("repro.sh is written");
    assert!(
        text.contains("\nproject=shop\nmarker=tests/test_cart.py\n"),
        "{text}"
    );
    assert!(
        !text.contains(&sandbox.path().display().to_string()),
        "{text}"
    );

    // Another clone: the script found in this one runs from deep inside the other, and the one
    // in the other from its root.
    let (_clone_dir, clone) = copy_of(sandbox.path());
    let in_clone = format!(
        "project: {}",
        clone.join("shop").canonicalize().unwrap().display()
    );
    run(&script, &clone.join("shop/tests")).expect(0, &in_clone);
    run(&written(&clone.join("shop")).join("repro.sh"), &clone)
        .expect(0, &in_clone)
        .expect(0, "using: python3 -m pytest (")
        // The Python itself, not the shim or script PATH finds first.
        .expect(0, "\ninterpreter: /")
        .expect(0, " (Python 3.");
}

#[test]
fn an_rspec_reproducer_names_examples_by_their_descriptions_and_keeps_expected_and_got() {
    if !util::require_runner("rspec", &[&["rspec", "--version"]]) {
        return;
    }
    let sandbox = Sandbox::with_suite(crate::runner_rspec::SUITE);
    bisected(
        &sandbox,
        sandbox.path(),
        &[
            "--cmd",
            "rspec",
            "--seed",
            "1",
            "--victim",
            crate::runner_rspec::V1,
        ],
    );
    assert_eq!(
        written(sandbox.path()).file_name().unwrap(),
        "spec_cart_spec.rb_1_1_"
    );
    let report = report_of(sandbox.path());
    for expected in [
        "### Order-dependent test: Shop::Cart#total_label is in dollars\n\n`./spec/cart_spec.rb[1:1]`",
        "- **Shop::Settings.currency can be switched to euros** — `./spec/settings_spec.rb[1:1]`",
        "```\nexpected: \"$4.00\"\n     got: \"EUR 4.00\"\n\n(compared using ==)\n```",
        "| runner | RSpec 3.",
        "| command | `rspec` |",
    ] {
        assert!(report.contains(expected), "{expected:?} in:\n{report}");
    }
    assert_no_local_path(&report, sandbox.path());
    run(&written(sandbox.path()).join("repro.sh"), sandbox.path())
        .expect(0, "using: rspec (")
        .expect(0, " (ruby ");

    assert_reproduces_anywhere_until_fixed(sandbox.path(), |copy| {
        edit(
            &copy.join("spec/settings_spec.rb"),
            "    expect(Shop::Settings.currency).to eq(\"EUR\")\n",
            "    expect(Shop::Settings.currency).to eq(\"EUR\")\n    \
             Shop::Settings.currency = \"USD\"\n",
        );
    });
    // A group added above the polluter: its id, a place in the file, names the new example.
    assert_cannot_tell_after(
        sandbox.path(),
        |copy| {
            let settings = copy.join("spec/settings_spec.rb");
            let text = fs::read_to_string(&settings).expect("read the spec");
            let added = "RSpec.describe \"a new group\" do\n  it(\"passes\") {}\nend\n\n";
            fs::write(&settings, format!("{added}{text}")).expect("add a group");
        },
        "-> the polluter ./spec/settings_spec.rb[1:1] is not in the runner's report",
    );
}

#[test]
fn a_cucumber_reproducer_names_the_scenario_and_reads_the_json_report() {
    if !util::require_runner("cucumber", &[&["cucumber", "--version"]]) {
        return;
    }
    let sandbox = Sandbox::with_suite("cucumber");
    bisected(
        &sandbox,
        sandbox.path(),
        &[
            "--cmd",
            "cucumber --order random:<seed>",
            "--seed",
            "19497",
            "--victim",
            crate::runner_cucumber::V1,
        ],
    );
    let report = report_of(sandbox.path());
    assert!(
        report.contains(
            "### Order-dependent test: Checkout: The total is shown in dollars\n\n\
             `features/checkout.feature:12`"
        ),
        "{report}"
    );
    assert!(report.contains("| runner | cucumber "), "{report}");
    // The polluter fails once fixed this way: only the victim's own result counts.
    assert_reproduces_anywhere_until_fixed(sandbox.path(), |copy| {
        edit(
            &copy.join("features/step_definitions/shop_steps.rb"),
            "  Shop.currency = 'EUR'\n",
            "  Shop.currency = 'USD'\n",
        );
    });
    // A line added above the polluter: its id, a line, no longer names its scenario.
    assert_cannot_tell_after(
        sandbox.path(),
        |copy| {
            edit(
                &copy.join("features/settings.feature"),
                "Feature: Settings\n",
                "Feature: Settings\n  What the shop lets its owner change.\n",
            );
        },
        "-> the polluter features/settings.feature:3 is not in the runner's report",
    );
}

#[test]
fn a_jest_reproducer_reads_jests_json_report() {
    let node_modules = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/jest/node_modules");
    let jest = format!("{node_modules}/.bin/jest");
    if !util::require_runner("jest", &[&["node", &jest, "--version"]]) {
        return;
    }
    let sandbox = Sandbox::with_node_suite("jest/suite", node_modules);
    bisected(
        &sandbox,
        sandbox.path(),
        &[
            "--cmd",
            "npx jest",
            "--seed",
            "1502836065",
            "--victim",
            "__tests__/currency.test.js › formats a total in dollars",
        ],
    );
    let report = report_of(sandbox.path());
    assert!(
        report.contains("Expected: \"$3.00\"\nReceived: \"€3.00\""),
        "{report}"
    );
    assert_reproduces_anywhere_until_fixed(sandbox.path(), |copy| {
        edit(
            &copy.join("__tests__/currency.test.js"),
            "  expect(money.format(2)).toBe('€2.00');\n",
            "  expect(money.format(2)).toBe('€2.00');\n  money.setCurrency('USD');\n",
        );
    });
    // Two tests added to the file: under the same seed Jest runs the polluter after the victim.
    assert_cannot_tell_after(
        sandbox.path(),
        |copy| {
            let file = copy.join("__tests__/currency.test.js");
            let text = fs::read_to_string(&file).expect("read the test file");
            let added = "\ntest('added one', () => {});\n\ntest('added two', () => {});\n";
            fs::write(&file, format!("{text}{added}")).expect("add two tests");
        },
        "-> the polluter __tests__/currency.test.js › switches the display currency to EUR ran \
         after the victim, not before it",
    );
}

#[test]
fn a_go_reproducer_reads_go_tests_events() {
    if !util::require_runner("go", &[&["go", "version"]]) {
        return;
    }
    let sandbox = Sandbox::with_suite("go");
    bisected(
        &sandbox,
        sandbox.path(),
        &[
            "--cmd",
            "go test ./...",
            "--seed",
            "527449820",
            "--victim",
            "example.com/bleedsuite/cart.TestTotalIsInDollars",
        ],
    );
    assert!(report_of(sandbox.path()).contains("| runner | go version go1."));
    assert_reproduces_anywhere_until_fixed(sandbox.path(), |copy| {
        edit(
            &copy.join("cart/cart_test.go"),
            "\tSetCurrency(\"EUR\")\n",
            "\tSetCurrency(\"EUR\")\n\tdefer SetCurrency(\"USD\")\n",
        );
    });
    // The polluter renamed: -run no longer selects it, and the victim runs alone.
    assert_cannot_tell_after(
        sandbox.path(),
        |copy| {
            edit(
                &copy.join("cart/cart_test.go"),
                "func TestSwitchCurrencyToEUR(",
                "func TestSwitchCurrencyToEuro(",
            );
        },
        "-> the polluter example.com/bleedsuite/cart.TestSwitchCurrencyToEUR is not in the \
         runner's report",
    );
}

#[test]
fn a_mocha_reproducer_reads_mochas_xunit_report() {
    let node_modules = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/mocha/node_modules");
    let mocha = format!("{node_modules}/.bin/mocha");
    if !util::require_runner("mocha", &[&["node", &mocha, "--version"]]) {
        return;
    }
    let sandbox = Sandbox::with_node_suite("mocha/suite", node_modules);
    sandbox.write(
        "order.txt",
        "test/settings.spec.js › Settings switches the currency to EUR\n\
         test/cart.spec.js › Cart total is in dollars\n",
    );
    bisected(
        &sandbox,
        sandbox.path(),
        &[
            "--cmd",
            "node_modules/.bin/mocha",
            "--order-file",
            "order.txt",
            "--victim",
            "test/cart.spec.js › Cart total is in dollars",
        ],
    );
    let report = report_of(sandbox.path());
    assert!(
        report.contains("- **Settings switches the currency to EUR** — "),
        "{report}"
    );
    assert!(
        report.contains("| failing order | the order file order.txt |"),
        "{report}"
    );
    // An order file says nothing of the tests: their titles and the failure come from the probes.
    assert!(
        report.contains("Failure:\n\n```\nExpected values to be strictly equal:\n"),
        "{report}"
    );
    assert_reproduces_anywhere_until_fixed(sandbox.path(), |copy| {
        edit(
            &copy.join("test/settings.spec.js"),
            "    assert.strictEqual(money.format(2), '€2.00');\n",
            "    assert.strictEqual(money.format(2), '€2.00');\n    money.setCurrency('USD');\n",
        );
    });
    // The polluter renamed: --grep no longer selects it, and the victim runs alone.
    assert_cannot_tell_after(
        sandbox.path(),
        |copy| {
            edit(
                &copy.join("test/settings.spec.js"),
                "switches the currency to EUR",
                "switches the currency to euros",
            );
        },
        "-> the polluter test/settings.spec.js › Settings switches the currency to EUR is not in \
         the runner's report",
    );
}

/// A runner that exits 0 whatever failed and writes JUnit: `b` fails when `a` ran before it
/// and `leaks` exists. The hunt orders by the seed's parity; the replay runs the order file.
const FAKE_RUNNER: &str = r#"report=$1; shift
{
  echo '<testsuite name="fake">'
  seen=
  for test in "$@"; do
    if [ "$test" = b ] && [ -n "$seen" ] && [ -f leaks ]; then
      echo '<testcase classname="suite" name="b" file="tests/b.test"><failure message="a left its state behind">trace</failure></testcase>'
    else
      echo "<testcase classname=\"suite\" name=\"$test\" file=\"tests/$test.test\"/>"
    fi
    [ "$test" = a ] && seen=1
  done
  echo '</testsuite>'
} > "$report"
exit 0
"#;

#[test]
fn a_generic_reproducer_judges_the_victim_by_its_junit_report_not_the_exit_code() {
    let sandbox = Sandbox::new();
    sandbox.write("run.sh", FAKE_RUNNER);
    sandbox.write("tests/a.test", "");
    sandbox.write("tests/b.test", "");
    sandbox.write("leaks", "");
    sandbox.write(
        "hunt.sh",
        "if [ $(($1 % 2)) -eq 0 ]; then sh run.sh \"$2\" a b; else sh run.sh \"$2\" b a; fi\n",
    );
    sandbox.write(
        "replay.sh",
        "report=$2\nset -- $(sed 's/^suite:://' \"$1\")\nsh run.sh \"$report\" \"$@\"\n",
    );
    let result = bisected(
        &sandbox,
        sandbox.path(),
        &[
            "--runner",
            "generic",
            "--cmd",
            "sh hunt.sh <seed> <report>",
            "--replay-cmd",
            "sh replay.sh <tests-file> <report>",
            "--seed",
            "2",
            "--victim",
            "suite::b",
        ],
    );
    assert_eq!(util::ids(&result["polluters"]), ["suite::a"]);
    let report = report_of(sandbox.path());
    assert!(
        report.contains("### Order-dependent test: b\n\n`suite::b`"),
        "{report}"
    );
    assert_reproduces_anywhere_until_fixed(sandbox.path(), |copy| {
        fs::remove_file(copy.join("leaks")).expect("remove the leak");
    });
    // A runner that no longer runs the polluter, as one whose test was renamed would not.
    assert_cannot_tell_after(
        sandbox.path(),
        |copy| {
            edit(
                &copy.join("run.sh"),
                "for test in \"$@\"; do\n",
                "for test in \"$@\"; do\n    [ \"$test\" = a ] && continue\n",
            );
        },
        "-> the polluter suite::a is not in the runner's report",
    );
}
