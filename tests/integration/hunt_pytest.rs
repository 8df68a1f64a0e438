//! `bleed hunt` on a real pytest suite with planted order dependencies
//! (testdata/pytest/suite, described in its PLANTED.md).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::process::Output;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{self, Plant, Sandbox};

const SUITE: &str = "pytest/suite";

/// Pinned: under its first 12 run seeds (and so under more) every planted victim both fails
/// and passes; other master seeds would need more runs to be sure of that.
const MASTER_SEED: &str = "19497";

/// The hunt command with everything spelled out, running the tests under `paths`.
fn full_command(paths: &str) -> String {
    format!(
        "python3 -m pytest -q -p randomly --randomly-seed=<seed> --junitxml=<report> \
         -o junit_family=xunit1 {paths}"
    )
}

pub(crate) const P1: &str = "tests/test_settings.py::test_switch_currency_to_eur";
pub(crate) const V1: &str = "tests/test_cart.py::test_total_is_in_dollars";
pub(crate) const PA: &str = "tests/test_inventory.py::test_stock_check_opens_connection";
pub(crate) const PB: &str = "tests/test_pricing.py::test_price_lookup_opens_connection";
pub(crate) const V2: &str = "tests/test_cart.py::test_checkout_gets_a_connection";
pub(crate) const P3: &str = "tests/test_settings.py::test_warm_price_cache";
pub(crate) const C3: &str = "tests/test_plugins.py::test_reload_clears_price_cache";
pub(crate) const V3: &str = "tests/test_pricing.py::test_apple_costs_three";
pub(crate) const S4: &str = "tests/test_plugins.py::test_register_csv_exporter";
pub(crate) const B4: &str = "tests/test_inventory.py::test_export_inventory_as_csv";
pub(crate) const P5: &str =
    "tests/test_labels.py::test_custom_banner[it's \"quoted\" $(touch bleed-pwned)]";
pub(crate) const V5: &str = "tests/test_settings.py::test_banner_defaults_to_welcome";

const VICTIMS: [&str; 5] = [V1, V2, V3, B4, V5];

fn require_pytest() -> bool {
    util::require_runner(
        "pytest with pytest-randomly",
        &[
            &["python3", "-m", "pytest", "--version"],
            &["python3", "-c", "import pytest_randomly"],
        ],
    )
}

fn hunt(sandbox: &Sandbox, command: &str, runs: u32) -> Output {
    sandbox
        .bleed()
        .args(["hunt", "--cmd", command, "--runs", &runs.to_string()])
        .args(["--jobs", "2", "--seed", MASTER_SEED, "--json"])
        .output()
        .expect("run bleed")
}

fn flipping(report: &Value) -> BTreeSet<String> {
    report["flips"]
        .as_array()
        .expect("\"flips\" is an array")
        .iter()
        .map(|flip| {
            flip["test"]
                .as_str()
                .expect("a flip names its test")
                .to_string()
        })
        .collect()
}

fn planted_victims() -> BTreeSet<String> {
    VICTIMS.iter().map(|id| id.to_string()).collect()
}

/// What every finished planted hunt must report, `runs` runs long.
fn assert_planted_hunt(output: &Output, runs: u64) -> Value {
    assert_eq!(
        util::exit_code(output),
        1,
        "flips found means exit 1; stderr:\n{}",
        util::stderr(output)
    );
    let report = util::json(output);
    assert_eq!(report["runner"], "pytest");
    assert_eq!(report["master_seed"].as_u64(), MASTER_SEED.parse().ok());
    let counts = &report["runs"];
    assert_eq!(counts["total"], runs, "{counts}");
    assert_eq!(counts["ok"], runs, "{counts}");
    assert_eq!(counts["broken"], 0, "{counts}");
    assert_eq!(counts["timed_out"], 0, "{counts}");
    assert_eq!(flipping(&report), planted_victims());
    assert_eq!(report["always_failing"], serde_json::json!([]));
    report
}

/// Every seed a flip lists is a recorded run in which the test had that result.
fn assert_seeds_match_the_store(report: &Value, runs: &[Value]) {
    let mut outcomes: HashMap<u64, HashMap<&str, &str>> = HashMap::new();
    for run in runs {
        let seed = run["seed"].as_u64().expect("a run records its seed");
        let results = run["results"]
            .as_array()
            .expect("a run records its results");
        let by_test = results
            .iter()
            .map(|r| (r["id"].as_str().unwrap(), r["outcome"].as_str().unwrap()))
            .collect();
        outcomes.insert(seed, by_test);
    }
    for flip in report["flips"].as_array().unwrap() {
        let test = flip["test"].as_str().unwrap();
        for (seeds, count, failing) in [
            ("failed_seeds", "failed", true),
            ("passed_seeds", "passed", false),
        ] {
            let seeds = flip[seeds].as_array().expect("a flip lists its seeds");
            assert_eq!(Some(seeds.len() as u64), flip[count].as_u64(), "{flip}");
            for seed in seeds {
                let seed = seed.as_u64().expect("a seed is a number");
                let outcome = outcomes
                    .get(&seed)
                    .unwrap_or_else(|| panic!("{test}: seed {seed} is not a recorded run"))
                    .get(test)
                    .unwrap_or_else(|| panic!("{test} has no result in the run of seed {seed}"));
                assert_eq!(
                    util::is_failure(outcome),
                    failing,
                    "{test} under seed {seed}: {outcome}"
                );
            }
        }
    }
}

/// The planted cases, by this suite's ids.
pub(crate) const PLANT: Plant = Plant {
    p1: P1,
    v1: V1,
    pa: PA,
    pb: PB,
    v2: V2,
    p3: P3,
    c3: C3,
    v3: V3,
    s4: S4,
    b4: B4,
    p5: P5,
    v5: V5,
};

/// Every recorded outcome is the one the plant predicts from the recorded order, which holds
/// only if results are stored in the order the tests ran.
fn assert_recorded_orders_explain_the_outcomes(runs: &[Value]) {
    for run in runs {
        let results = run["results"].as_array().unwrap();
        let order: Vec<&str> = results.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(
            order.len(),
            23,
            "the whole suite ran under seed {}",
            run["seed"]
        );
        PLANT.assert_outcomes_follow_the_order(run);
    }
}

#[test]
fn a_hunt_finds_exactly_the_planted_victims() {
    if !require_pytest() {
        return;
    }
    let sandbox = Sandbox::with_suite(SUITE);
    let output = hunt(&sandbox, &full_command("tests"), 30);
    let report = assert_planted_hunt(&output, 30);
    let runs = sandbox.runs();
    assert_eq!(runs.len(), 30);
    assert!(runs.iter().all(|run| run["status"] == "ok"));
    assert_seeds_match_the_store(&report, &runs);
    assert_recorded_orders_explain_the_outcomes(&runs);
    assert_the_store_report_agrees(&sandbox, &report);
    util::assert_nothing_ran_as_code(&sandbox);
}

/// `bleed report` on the hunt's store counts and classifies each failing test as the hunt did.
fn assert_the_store_report_agrees(sandbox: &Sandbox, hunt: &Value) {
    let output = sandbox
        .bleed()
        .args(["report", "--format", "json"])
        .output()
        .expect("run bleed report");
    let report = util::json_exiting(&output, 1, "reporting on the hunt's store");
    let failing: Vec<&Value> = report["tests"]
        .as_array()
        .expect("tests[]")
        .iter()
        .filter(|t| t["failures"] != 0)
        .collect();
    let flips = hunt["flips"].as_array().expect("flips[]");
    assert_eq!(failing.len(), flips.len());
    for flip in flips {
        let test = failing
            .iter()
            .find(|t| t["id"] == flip["test"])
            .unwrap_or_else(|| panic!("the report lacks {}", flip["test"]));
        assert_eq!(test["failures"], flip["failed"], "{}", flip["test"]);
        assert_eq!(test["kind"], flip["kind"], "{}", flip["test"]);
        assert_eq!(
            util::seed_set(&test["failed_seeds"]),
            util::seed_set(&flip["failed_seeds"]),
            "{}",
            flip["test"]
        );
    }
}

#[test]
fn a_longer_hunt_continues_the_recorded_one() {
    if !require_pytest() {
        return;
    }
    let sandbox = Sandbox::with_suite(SUITE);
    let seeds = |sandbox: &Sandbox| -> Vec<Value> {
        sandbox
            .runs()
            .iter()
            .map(|run| run["seed"].clone())
            .collect()
    };
    assert_planted_hunt(&hunt(&sandbox, &full_command("tests"), 12), 12);
    let first = seeds(&sandbox);
    assert_eq!(first.len(), 12);

    let report = assert_planted_hunt(&hunt(&sandbox, &full_command("tests"), 16), 16);
    let all = seeds(&sandbox);
    assert_eq!(all.len(), 16, "only the 4 missing runs are added");
    assert_eq!(all[..12], first[..], "recorded runs are kept as they were");
    let distinct: HashSet<String> = all.iter().map(Value::to_string).collect();
    assert_eq!(distinct.len(), 16, "the new runs use new seeds");
    assert_seeds_match_the_store(&report, &sandbox.runs());
}

#[test]
fn a_bare_pytest_command_is_completed() {
    if !require_pytest() {
        return;
    }
    let sandbox = Sandbox::with_suite(SUITE);
    let output = hunt(&sandbox, "python3 -m pytest -q tests", 12);
    let report = assert_planted_hunt(&output, 12);
    assert_seeds_match_the_store(&report, &sandbox.runs());
    util::assert_nothing_ran_as_code(&sandbox);
}

#[test]
fn a_typo_in_the_command_stops_the_hunt_after_its_first_run() {
    if !require_pytest() {
        return;
    }
    let sandbox = Sandbox::with_suite(SUITE);
    let output = sandbox
        .bleed()
        .args(["hunt", "--runs", "30", "--jobs", "1", "--seed", MASTER_SEED])
        .args([
            "--cmd",
            "python3 -m pytestt tests --junitxml=<report> --seed <seed>",
        ])
        .output()
        .expect("run bleed");
    let stderr = util::stderr(&output);
    assert_eq!(util::exit_code(&output), 3, "stderr:\n{stderr}");
    assert!(
        stderr.to_lowercase().contains("first run"),
        "stderr:\n{stderr}"
    );
    assert!(
        stderr.contains("No module named pytestt"),
        "the end of the run's log is shown; stderr:\n{stderr}"
    );
    assert!(
        sandbox.runs().len() <= 1,
        "the hunt went on after a broken first run"
    );
}

const HANGING_TEST: &str = r#"import os
import time


def test_hangs():
    # Tells the Rust test which process must not outlive the timeout.
    with open("hang.pid", "w") as f:
        f.write(str(os.getpid()))
    time.sleep(1000)
"#;

/// Linux keeps a process's state in /proc; a process that is gone, or is a zombie waiting
/// for its reaper, is no longer running.
fn is_running(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z'))
    })
}

#[test]
fn a_hung_run_is_killed_at_the_timeout() {
    if !require_pytest() {
        return;
    }
    let sandbox = Sandbox::new();
    // Pins pytest's rootdir to the sandbox, whatever lies above it.
    sandbox.write("pytest.ini", "[pytest]\n");
    sandbox.write("hang/test_hang.py", HANGING_TEST);
    let output = sandbox
        .bleed()
        .args(["hunt", "--runs", "1", "--seed", MASTER_SEED])
        // Long enough for pytest to start and write its pid on a loaded machine.
        .args(["--timeout", "5s"])
        .args(["--cmd", &full_command("hang")])
        .timeout(Duration::from_secs(120))
        .output()
        .expect("run bleed");
    // Panics if bleed itself hung and had to be killed by the bound above.
    assert_eq!(util::exit_code(&output), 1, "a timeout is a finding");

    let runs = sandbox.runs();
    assert_eq!(runs.len(), 1, "the timed-out run is recorded");
    assert_eq!(runs[0]["status"], "timeout", "{}", runs[0]);

    let pid = std::fs::read_to_string(sandbox.path().join("hang.pid")).expect("the test started");
    let deadline = Instant::now() + Duration::from_secs(10);
    while is_running(&pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!is_running(&pid), "pytest (pid {pid}) outlived the timeout");
}
