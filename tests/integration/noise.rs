//! Verdicts on noisy suites (testdata/noise, described in each PLANTED.md): a race between
//! parallel copies of the suite, a failure that follows no order, a test that hangs in some
//! orders, beside one true order dependency. bleed must give each its kind, blame nobody for
//! the noise, and exit non-zero for the hang.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::util::{self, Sandbox};

const PYTEST: &str = "noise/pytest";
const PYTEST_CMD: &str = "python3 -m pytest -q";
const OD_VICTIM: &str = "tests/test_checkout.py::test_total_is_in_dollars";
const RACE: &str = "tests/test_race.py::test_scratch_directory_is_ours";
const RANDOM: &str = "tests/test_random.py::test_flaky_clock";

/// Each flipped test's kind, from `hunt --json`.
fn kinds(report: &Value) -> BTreeMap<String, String> {
    report["flips"]
        .as_array()
        .expect("flips")
        .iter()
        .map(|flip| {
            (
                flip["test"].as_str().expect("test").to_string(),
                flip["kind"]
                    .as_str()
                    .expect("every flip has a kind")
                    .to_string(),
            )
        })
        .collect()
}

#[test]
fn a_parallel_pytest_hunt_tells_races_noise_and_hangs_from_order_dependencies() {
    if !util::require_pytest() {
        return;
    }
    let sandbox = Sandbox::with_suite(PYTEST);
    let output = sandbox
        .bleed()
        .args(["hunt", "--cmd", PYTEST_CMD, "--runs", "12", "--jobs", "2"])
        .args(["--seed", "19497", "--timeout", "4s", "--json"])
        .output()
        .expect("run bleed");
    let report = util::json_exiting(&output, 1, "hunting a noisy suite");
    let kinds = kinds(&report);
    eprintln!("kinds: {kinds:?}\nstderr:\n{}", util::stderr(&output));
    assert_eq!(
        kinds.get(OD_VICTIM).map(String::as_str),
        Some("order-dependent")
    );
    assert_eq!(kinds.get(RACE).map(String::as_str), Some("interference"));
    assert_eq!(
        kinds.get(RANDOM).map(String::as_str),
        Some("non-deterministic")
    );
    assert_eq!(
        kinds.len(),
        3,
        "nothing else flips (the hang is a timeout, not a flip): {kinds:?}"
    );
    let timeouts = report["timeouts"].as_array().expect("timeouts");
    assert!(
        !timeouts.is_empty(),
        "the hang after test_enable_slow_backend timed out"
    );
    for timeout in timeouts {
        assert!(timeout["seed"].is_u64(), "{timeout}");
        assert_eq!(
            timeout["running"], "tests/test_report.py::test_nightly_report",
            "the hanging test is named from bleed's pytest plugin: {timeout}"
        );
    }
    assert!(report["runs"]["confirmations"].as_u64().unwrap() > 0);
    let confirmations = std::fs::read_to_string(sandbox.path().join(".bleed/confirmations.jsonl"))
        .expect("confirmation runs are recorded");
    assert_eq!(
        confirmations.lines().count() as u64,
        report["runs"]["confirmations"].as_u64().unwrap()
    );

    // The table says the same, grouped, and points only at the order-dependent test.
    let table = sandbox
        .bleed()
        .args([
            "hunt", "--cmd", PYTEST_CMD, "--runs", "12", "--seed", "19497",
        ])
        .output()
        .expect("run bleed");
    assert_eq!(util::exit_code(&table), 1);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("interference (1)"), "{text}");
    assert!(text.contains("non-deterministic (1)"), "{text}");
    assert!(text.contains("timed out ("), "{text}");
    assert!(
        text.contains(&format!("--victim {OD_VICTIM}")),
        "the hint points at the order-dependent test: {text}"
    );
    assert!(
        text.contains("<worker>"),
        "interference says what to do: {text}"
    );

    // Bisecting the random failure names nobody.
    let output = sandbox
        .bleed()
        .args(["bisect", "--victim", RANDOM, "--json"])
        .output()
        .expect("run bleed");
    let bisection = util::json_exiting(&output, 1, "bisecting a random failure");
    assert!(
        matches!(
            bisection["verdict"].as_str(),
            Some("non-deterministic" | "not-reproduced")
        ),
        "{bisection}"
    );
    assert_eq!(bisection["polluters"], serde_json::json!([]));
    assert_eq!(bisection["cleaners"], serde_json::json!([]));
}

#[test]
fn bisect_confirms_a_true_polluter_and_says_how() {
    if !util::require_pytest() {
        return;
    }
    let sandbox = Sandbox::with_suite(PYTEST);
    let order = "tests/test_settings.py::test_switch_currency_to_eur\n\
                 tests/test_settings.py::test_reads_settings\n\
                 tests/test_checkout.py::test_cart_starts_empty\n\
                 tests/test_checkout.py::test_total_is_in_dollars\n";
    sandbox.write("order.txt", order);
    let output = sandbox
        .bleed()
        .args(["bisect", "--cmd", PYTEST_CMD, "--victim", OD_VICTIM])
        .args(["--order-file", "order.txt", "--json"])
        .output()
        .expect("run bleed");
    let bisection = util::json_exiting(&output, 0, "bisecting the planted victim");
    assert_eq!(
        util::ids(&bisection["polluters"]),
        vec!["tests/test_settings.py::test_switch_currency_to_eur"]
    );
    let confirmation = &bisection["confirmation"];
    assert!(
        confirmation["chance"].as_f64().unwrap() < 0.01,
        "{confirmation}"
    );
    // With no history, the check is balanced: the reproduction and the isolation of the search
    // plus five confirmation probes.
    assert_eq!(confirmation["extra_probes"], 5, "{confirmation}");
}

#[test]
fn bisecting_a_seed_where_the_victim_passed_says_so_and_names_failing_seeds() {
    if !util::require_pytest() {
        return;
    }
    let sandbox = Sandbox::with_suite(PYTEST);
    let hunt = sandbox
        .bleed()
        .args(["hunt", "--cmd", PYTEST_CMD, "--runs", "8", "--seed", "7"])
        .args(["--timeout", "4s", "--no-confirm", "--json"])
        .output()
        .expect("run bleed");
    let report = util::json(&hunt);
    let flip = report["flips"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["test"] == OD_VICTIM)
        .expect("the planted victim flipped in 8 runs");
    assert_eq!(flip["kind"], "unconfirmed");
    let passed = flip["passed_seeds"][0].as_u64().unwrap();
    let failed = flip["failed_seeds"][0].as_u64().unwrap();
    let output = sandbox
        .bleed()
        .args(["bisect", "--cmd", PYTEST_CMD, "--victim", OD_VICTIM])
        .args(["--seed", &passed.to_string()])
        .output()
        .expect("run bleed");
    assert_eq!(util::exit_code(&output), 2);
    let message = util::stderr(&output);
    assert!(message.contains("passed in recorded run"), "{message}");
    assert!(message.contains(&failed.to_string()), "{message}");
}

#[test]
fn a_mistyped_program_is_command_not_found() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .bleed()
        .args(["hunt", "--cmd", "pytets -q tests"])
        .output()
        .expect("run bleed");
    assert_eq!(util::exit_code(&output), 3);
    let message = util::stderr(&output);
    assert!(message.contains("command not found: pytets"), "{message}");
    assert!(message.contains("did you mean pytest?"), "{message}");
    assert!(
        !message.contains("<seed>"),
        "no complaint about placeholders: {message}"
    );
}

const CUCUMBER: &str = "noise/cucumber";
const CUCUMBER_OD_VICTIM: &str = "features/checkout.feature:3";
const CUCUMBER_RACE: &str = "features/race.feature:3";
const CUCUMBER_RANDOM: &str = "features/clock.feature:3";

fn require_cucumber() -> bool {
    util::require_runner("cucumber", &[&["cucumber", "--version"]])
}

#[test]
fn a_parallel_cucumber_hunt_tells_races_and_noise_from_order_dependencies() {
    if !require_cucumber() {
        return;
    }
    let sandbox = Sandbox::with_suite(CUCUMBER);
    let output = sandbox
        .bleed()
        .args(["hunt", "--cmd", "cucumber", "--runs", "12", "--jobs", "2"])
        .args(["--seed", "19497", "--json"])
        .output()
        .expect("run bleed");
    let report = util::json_exiting(&output, 1, "hunting a noisy suite");
    let kinds = kinds(&report);
    eprintln!("kinds: {kinds:?}");
    assert_eq!(
        kinds.get(CUCUMBER_OD_VICTIM).map(String::as_str),
        Some("order-dependent")
    );
    assert_eq!(
        kinds.get(CUCUMBER_RACE).map(String::as_str),
        Some("interference")
    );
    assert_eq!(
        kinds.get(CUCUMBER_RANDOM).map(String::as_str),
        Some("non-deterministic")
    );
    assert_eq!(kinds.len(), 3, "{kinds:?}");

    // Bisecting the random failure, or the race, names nobody.
    for victim in [CUCUMBER_RANDOM, CUCUMBER_RACE] {
        let output = sandbox
            .bleed()
            .args(["bisect", "--victim", victim, "--json"])
            .output()
            .expect("run bleed");
        let bisection = util::json_exiting(&output, 1, &format!("bisecting {victim}"));
        assert_eq!(bisection["polluters"], serde_json::json!([]), "{bisection}");
    }
    // The planted victim is bisected, with the scenario's own failure line as --victim.
    let output = sandbox
        .bleed()
        .args([
            "bisect",
            "--victim",
            "features/checkout.feature:4",
            "--json",
        ])
        .output()
        .expect("run bleed");
    let bisection = util::json_exiting(&output, 0, "bisecting the planted victim");
    assert_eq!(bisection["victim"], CUCUMBER_OD_VICTIM);
    assert_eq!(
        util::ids(&bisection["polluters"]),
        vec!["features/settings.feature:3"]
    );
}
