//! The pytest adapter's ids and orders on the real runner, on pytest 9 (the default `python3`)
//! and on pytest 7 (a venv .ci/run makes): the shapes suite (testdata/pytest/shapes, described
//! in its PLANTED.md), run from the directory above its rootdir, and the decorated polluter of
//! the planted suite (testdata/pytest/suite).

use std::collections::BTreeSet;
use std::time::Instant;

use serde_json::Value;

use crate::util::{self, Sandbox};

const SHAPES: &str = "pytest/shapes";
const SUITE: &str = "pytest/suite";

const POLLUTER: &str =
    "project/loose/test_params.py::test_greeting_variant[it's \"quoted\" $(touch bleed-pwned) ]";
const VICTIM: &str = "project/pkg/test_nested.py::TestOuter::TestInner::test_greeting_is_hello";

/// The planted suite's P1, wrapped by a decorator from tests/util.py, and its victim V1.
const DECORATED_P1: &str = "tests/test_settings.py::test_switch_currency_to_eur";
const V1: &str = "tests/test_cart.py::test_total_is_in_dollars";

/// Where .ci/run installs pytest 7 with a pytest-randomly that runs on it.
const PYTEST7_DEFAULT: &str = "/opt/bleed-pytest7/bin/python";

/// The Pythons to test with: python3 (pytest 9), then pytest 7's venv, each only if installed.
fn pythons() -> Vec<String> {
    let pytest7 =
        std::env::var("BLEED_PYTEST7_PYTHON").unwrap_or_else(|_| PYTEST7_DEFAULT.to_string());
    let mut found = Vec::new();
    for (label, python) in [
        ("pytest with pytest-randomly", "python3".to_string()),
        (
            "pytest 7 with pytest-randomly (.ci/run's install_pytest7)",
            pytest7,
        ),
    ] {
        let runner = format!("{label} at {python}");
        if util::require_runner(
            &runner,
            &[
                &[&python, "-m", "pytest", "--version"],
                &[&python, "-c", "import pytest_randomly"],
            ],
        ) {
            found.push(python);
        }
    }
    found
}

fn version(sandbox: &Sandbox, python: &str) -> String {
    let output = sandbox.sh(&format!("{python} -m pytest --version"));
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

fn hunt(sandbox: &Sandbox, command: &str, runs: &str) -> Vec<Value> {
    let output = sandbox
        .bleed()
        .args(["hunt", "--cmd", command, "--runs", runs, "--jobs", "2"])
        .args(["--seed", "19497", "--json"])
        .output()
        .expect("run bleed");
    let code = util::exit_code(&output);
    assert!(
        code == 0 || code == 1,
        "`{command}` hunted; stderr:\n{}",
        util::stderr(&output)
    );
    let runs = sandbox.runs();
    assert!(
        runs.iter().all(|run| run["status"] == "ok"),
        "{:#}",
        runs[0]
    );
    runs
}

fn ids(run: &Value) -> Vec<String> {
    run["results"]
        .as_array()
        .expect("a run has results")
        .iter()
        .map(|r| r["id"].as_str().expect("an id").to_string())
        .collect()
}

#[test]
fn every_id_is_the_one_pytest_collects_and_accepts_back() {
    for python in pythons() {
        let sandbox = Sandbox::with_suite(SHAPES);
        let runs = hunt(&sandbox, &format!("{python} -m pytest -q project"), "1");
        let printed: BTreeSet<String> = ids(&runs[0]).into_iter().collect();
        // pytest prints rootdir-relative ids; from the directory above, each starts with project/.
        let collected = sandbox.sh(&format!(
            "cd project && {python} -m pytest --collect-only -q -p no:randomly"
        ));
        let collected: BTreeSet<String> = String::from_utf8_lossy(&collected.stdout)
            .lines()
            .filter(|line| line.contains("::"))
            .map(|line| format!("project/{line}"))
            .collect();
        assert_eq!(collected.len(), 10, "{}", version(&sandbox, &python));
        assert_eq!(printed, collected, "{}", version(&sandbox, &python));

        // Every id, given back on the command line from where the run started, selects its
        // test: pytest exits 4 on an id it cannot find.
        let quoted: Vec<String> = printed
            .iter()
            .map(|id| shell_words::quote(id).into_owned())
            .collect();
        let selected = sandbox.sh(&format!(
            "{python} -m pytest -q -p no:randomly {}",
            quoted.join(" ")
        ));
        let stdout = String::from_utf8_lossy(&selected.stdout);
        assert!(
            stdout.contains("9 passed") || stdout.contains("1 failed, 9 passed"),
            "{}:\n{stdout}",
            version(&sandbox, &python)
        );

        let victim = runs[0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == VICTIM)
            .expect("the victim ran");
        // The definition's file, not the decorator's; the line of its first decorator.
        assert_eq!(victim["file"], "project/pkg/test_nested.py", "{victim}");
        assert_eq!(victim["line"], 7, "{victim}");
        util::assert_nothing_ran_as_code(&sandbox);
    }
}

/// Hunts, then bisects `victim` from the latest failing run: the polluters found, the probe
/// count and the wall time go to the test log.
fn bisect(sandbox: &Sandbox, command: &str, victim: &str) -> Value {
    let started = Instant::now();
    let result = util::bisect_json(sandbox, command, victim, &[]);
    eprintln!(
        "`{command}`: bisecting {victim} took {:.1?} for {} probes",
        started.elapsed(),
        result["probes"]
    );
    result
}

/// The reproducer bleed printed, pasted into a shell: the victim fails (pytest exits 1, not 4
/// for an id it cannot find), and alone it passes.
fn assert_reproduces(sandbox: &Sandbox, result: &Value) {
    let reproducer = result["reproducer"]["command"]
        .as_str()
        .expect("a reproducer");
    assert!(
        !reproducer.contains("bleed_pytest"),
        "the reproducer needs no bleed: {reproducer}"
    );
    let output = sandbox.sh(reproducer);
    assert_eq!(
        output.status.code(),
        Some(1),
        "`{reproducer}`:\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let alone = result["isolation_command"]
        .as_str()
        .expect("an isolation command");
    assert_eq!(sandbox.sh(alone).status.code(), Some(0), "`{alone}`");
}

#[test]
fn the_shapes_victim_is_bisected_to_its_odd_polluter_from_the_directory_above() {
    for python in pythons() {
        let sandbox = Sandbox::with_suite(SHAPES);
        let command = format!("{python} -m pytest -q project");
        let runs = hunt(&sandbox, &command, "6");
        let victim_failed =
            runs.iter().any(|run| {
                run["results"].as_array().unwrap().iter().any(|r| {
                    r["id"] == VICTIM && util::is_failure(r["outcome"].as_str().unwrap_or(""))
                })
            });
        assert!(victim_failed, "no run of the hunt failed the victim");
        let result = bisect(&sandbox, &command, VICTIM);
        assert_eq!(util::ids(&result["polluters"]), [POLLUTER], "{result:#}");
        assert_reproduces(&sandbox, &result);
        util::assert_nothing_ran_as_code(&sandbox);
    }
}

#[test]
fn the_decorated_polluter_is_found_by_its_real_id() {
    for python in pythons() {
        let sandbox = Sandbox::with_suite(SUITE);
        let command = format!("{python} -m pytest -q tests");
        hunt(&sandbox, &command, "12");
        let result = bisect(&sandbox, &command, V1);
        assert_eq!(
            util::ids(&result["polluters"]),
            [DECORATED_P1],
            "{}: {result:#}",
            version(&sandbox, &python)
        );
        assert_reproduces(&sandbox, &result);
    }
}

#[test]
fn a_test_of_the_order_that_pytest_does_not_collect_stops_the_bisection() {
    for python in pythons() {
        let sandbox = Sandbox::with_suite(SHAPES);
        let gone = "project/pkg/test_nested.py::TestOuter::test_renamed_since";
        sandbox.write("order.txt", &format!("{POLLUTER}\n{gone}\n{VICTIM}\n"));
        let output = sandbox
            .bleed()
            .args(["bisect", "--cmd", &format!("{python} -m pytest -q project")])
            .args(["--victim", VICTIM, "--order-file", "order.txt"])
            .output()
            .expect("run bleed");
        let stderr = util::stderr(&output);
        assert_eq!(util::exit_code(&output), 3, "stderr:\n{stderr}");
        assert!(
            stderr.contains("not collected") && stderr.contains("test_renamed_since"),
            "stderr:\n{stderr}"
        );
    }
}

/// Where .ci/run installs pytest 7.0.1, the oldest bleed supports, without pytest-randomly.
const PYTEST70_DEFAULT: &str = "/opt/bleed-pytest70/bin/python";

#[test]
fn the_oldest_pytest_replays_orders_and_a_hunt_without_pytest_randomly_says_what_to_install() {
    let python =
        std::env::var("BLEED_PYTEST70_PYTHON").unwrap_or_else(|_| PYTEST70_DEFAULT.to_string());
    if !util::require_runner(
        &format!("pytest 7.0.1 at {python} (.ci/run's install_pytest70)"),
        &[&[&python, "-m", "pytest", "--version"]],
    ) {
        return;
    }
    let sandbox = Sandbox::with_suite(SHAPES);
    let command = format!("{python} -m pytest -q project");
    let output = sandbox
        .bleed()
        .args(["hunt", "--cmd", &command, "--runs", "2"])
        .output()
        .expect("run bleed");
    let stderr = util::stderr(&output);
    assert_eq!(util::exit_code(&output), 3, "stderr:\n{stderr}");
    let install = format!("{python} -m pip install 'pytest-randomly<5'");
    assert!(
        stderr.contains("pytest-randomly") && stderr.contains(&install),
        "stderr:\n{stderr}"
    );

    // Probes need no pytest-randomly: an order with the odd ids runs as given on pytest 7.0.
    let order = [
        "project/pkg/test_nested.py::test_module_level_in_a_package",
        "project/loose/test_params.py::test_greeting_variant[tab\\there]",
        POLLUTER,
        "project/loose/test_params.py::test_greeting_variant[caf\\xe9 \\u2615]",
        "project/loose/test_params.py::test_greeting_variant[a::b [c]]",
        VICTIM,
    ];
    sandbox.write("order.txt", &format!("{}\n", order.join("\n")));
    let result = util::bisect_json(&sandbox, &command, VICTIM, &["--order-file", "order.txt"]);
    assert_eq!(util::ids(&result["polluters"]), [POLLUTER], "{result:#}");
    assert_eq!(result["runner_version"], "pytest 7.0.1", "{result:#}");
    assert_reproduces(&sandbox, &result);
    util::assert_nothing_ran_as_code(&sandbox);
}
