//! `bleed hunt --bisect`: the hunt, then a bisection of each order-dependent and brittle test,
//! on the planted suites of pytest (testdata/pytest/suite) and cucumber (testdata/cucumber).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::util::{self, Plant, Sandbox};
use crate::{bisect_pytest, hunt_pytest, runner_cucumber};

/// Pinned, as for the suites' other hunts: in its first runs every planted victim both fails and
/// passes.
const MASTER_SEED: &str = "19497";

/// Runs `bleed hunt --bisect --json` and returns its document, which must have exited 1: a
/// test that flipped needs fixing, bisected or not.
fn hunt_bisect(sandbox: &Sandbox, command: &str, runs: &str) -> Value {
    let output = sandbox
        .bleed()
        .args(["hunt", "--cmd", command, "--runs", runs, "--jobs", "2"])
        .args(["--seed", MASTER_SEED, "--bisect", "--json"])
        .output()
        .expect("run bleed");
    util::json_exiting(&output, 1, "hunting and bisecting")
}

/// The tests `named` lists, as a set.
fn set<'a>(bisection: &'a Value, named: &str) -> BTreeSet<&'a str> {
    util::ids(&bisection[named]).into_iter().collect()
}

/// What the plant says bisecting `victim` must find: its verdict, the list that names the
/// culprits, and the culprits.
fn planted(plant: &Plant, victim: &str) -> (&'static str, &'static str, Vec<&'static str>) {
    match victim {
        v if v == plant.v1 => ("polluted", "polluters", vec![plant.p1]),
        v if v == plant.v2 => ("polluted", "polluters", vec![plant.pa, plant.pb]),
        v if v == plant.v3 => ("polluted", "polluters", vec![plant.p3]),
        v if v == plant.b4 => ("brittle", "state_setters", vec![plant.s4]),
        v if v == plant.v5 => ("polluted", "polluters", vec![plant.p5]),
        other => panic!("{other} is no planted victim"),
    }
}

/// Every order-dependent and brittle flip was bisected, once, to exactly its planted culprits
/// (a cleaner, when one is named, is the planted one).
fn assert_planted_bisections(result: &Value, plant: &Plant) {
    let bisectable: BTreeSet<&str> = result["flips"]
        .as_array()
        .expect("flips[]")
        .iter()
        .filter(|flip| ["order-dependent", "brittle"].contains(&flip["kind"].as_str().unwrap()))
        .map(|flip| flip["test"].as_str().expect("a flip names its test"))
        .collect();
    assert!(!bisectable.is_empty(), "{result:#}");
    let bisections = result["bisections"].as_array().expect("bisections[]");
    let victims: Vec<&str> = bisections
        .iter()
        .map(|b| b["victim"].as_str().expect("a bisection names its victim"))
        .collect();
    assert_eq!(
        victims.len(),
        bisectable.len(),
        "each victim once: {victims:?}"
    );
    assert_eq!(victims.iter().copied().collect::<BTreeSet<_>>(), bisectable);
    for bisection in bisections {
        let victim = bisection["victim"].as_str().unwrap();
        let (verdict, named, culprits) = planted(plant, victim);
        assert_eq!(bisection["verdict"], verdict, "{bisection:#}");
        assert_eq!(
            set(bisection, named),
            culprits.into_iter().collect(),
            "{bisection:#}"
        );
        let cleaners = set(bisection, "cleaners");
        assert!(
            cleaners.is_empty() || cleaners == BTreeSet::from([plant.c3]),
            "{bisection:#}"
        );
    }
}

fn total(bisections: &[Value], field: &str) -> u64 {
    bisections
        .iter()
        .map(|b| {
            b[field]
                .as_u64()
                .unwrap_or_else(|| panic!("no {field}: {b:#}"))
        })
        .sum()
}

#[test]
fn a_hunt_bisects_every_planted_victim_sharing_the_recorded_runs() {
    if !util::require_pytest() {
        return;
    }
    let sandbox = Sandbox::with_suite(bisect_pytest::SUITE);
    let result = hunt_bisect(&sandbox, bisect_pytest::COMMAND, "12");
    assert_planted_bisections(&result, &hunt_pytest::PLANT);
    let bisections = result["bisections"].as_array().unwrap();
    assert!(
        bisections
            .iter()
            .all(|b| b.get("recorded_before").is_none()),
        "nothing was bisected before"
    );
    // `probes` counts the suite runs made, and every one is in probes.jsonl.
    let made = total(bisections, "probes") + total(bisections, "cleaner_probes");
    assert_eq!(made, sandbox.probes().len() as u64);
    // The hunt's replays and runs of a test alone answer probes no bisection has to run: the
    // reproductions and isolations it would otherwise make afresh.
    let reused = total(bisections, "probes_reused");
    assert!(reused > 0, "no probe was answered by a recorded run");
    util::assert_nothing_ran_as_code(&sandbox);

    // The same command again bisects nothing: each bisection is taken from the store.
    let again = sandbox
        .bleed()
        .args(["hunt", "--cmd", bisect_pytest::COMMAND, "--runs", "12"])
        .args(["--jobs", "2", "--seed", MASTER_SEED, "--bisect"])
        .output()
        .expect("run bleed");
    assert_eq!(util::exit_code(&again), 1, "{}", util::stderr(&again));
    let text = String::from_utf8_lossy(&again.stdout);
    let lines: Vec<&str> = text.lines().filter(|line| line.contains(" → ")).collect();
    assert_eq!(lines.len(), bisections.len(), "{text}");
    assert!(
        lines.iter().all(|line| line.ends_with("(bisected before)")),
        "{text}"
    );
    assert!(text.contains("All of it together: bleed report"), "{text}");
    assert_eq!(sandbox.probes().len() as u64, made, "no probe ran again");

    // Once P1 cleans up after itself, the recorded runs tell of code that is gone: the runs made
    // now go against them, and the bisection blames nobody.
    let fixed = std::fs::read_to_string(sandbox.path().join("tests/test_settings.py"))
        .unwrap()
        .replacen(
            "    assert shared_state.settings[\"currency\"] == \"EUR\"\n",
            "    assert shared_state.settings[\"currency\"] == \"EUR\"\n    \
             shared_state.settings[\"currency\"] = \"USD\"\n",
            1,
        );
    sandbox.write("tests/test_settings.py", &fixed);
    let v1 = bisections
        .iter()
        .find(|b| b["victim"] == hunt_pytest::V1)
        .expect("V1 was bisected");
    let seed = v1["seed"].to_string();
    let output = sandbox
        .bleed()
        .args([
            "bisect",
            "--victim",
            hunt_pytest::V1,
            "--seed",
            &seed,
            "--json",
        ])
        .output()
        .expect("run bleed");
    let after_fix = util::json_exiting(&output, 1, "bisecting a fixed victim");
    assert_eq!(after_fix["verdict"], "not-reproduced", "{after_fix:#}");
    assert_eq!(
        after_fix["polluters"],
        serde_json::json!([]),
        "{after_fix:#}"
    );
}

#[test]
fn a_cucumber_hunt_bisects_every_planted_victim() {
    if !util::require_runner("cucumber", &[&["cucumber", "--version"]]) {
        return;
    }
    let sandbox = Sandbox::with_suite("cucumber");
    let result = hunt_bisect(&sandbox, "cucumber --order random:<seed>", "8");
    assert_planted_bisections(&result, &runner_cucumber::PLANT);
    let bisections = result["bisections"].as_array().unwrap();
    let made = total(bisections, "probes") + total(bisections, "cleaner_probes");
    assert_eq!(made, sandbox.probes().len() as u64);
    assert!(total(bisections, "probes_reused") > 0);
    util::assert_nothing_ran_as_code(&sandbox);
}
