//! `bleed hunt` and `bleed bisect` on a real cucumber-ruby suite with planted order
//! dependencies (testdata/cucumber, described in its PLANTED.md).

use std::collections::BTreeSet;
use std::fs;
use std::process::Output;

use serde_json::Value;

use crate::util::{self, Plant, Sandbox};

const SUITE: &str = "cucumber";

/// Pinned: in its first 8 runs every planted victim both fails and passes, and V3 passes in a
/// run where C3 sat between P3 and V3, the only evidence bleed has to look for C3 as a cleaner.
const MASTER_SEED: &str = "19497";
const RUNS: usize = 8;

/// The card example's cucumber seed (not a master seed): its order puts P1 before V1.
const CARD_SEED: &str = "19497";

pub(crate) const P1: &str = "features/settings.feature:3";
pub(crate) const V1: &str = "features/checkout.feature:12";
pub(crate) const PA: &str = "features/inventory.feature:3";
pub(crate) const PB: &str = "features/pricing.feature:3";
pub(crate) const V2: &str = "features/checkout.feature:15";
/// The apple row of the outline "Warm the price cache".
pub(crate) const P3: &str = "features/pricing.feature:13";
pub(crate) const C3: &str = "features/plugins.feature:3";
pub(crate) const V3: &str = "features/pricing.feature:16";
pub(crate) const S4: &str = "features/plugins.feature:7";
pub(crate) const B4: &str = "features/inventory.feature:7";
pub(crate) const P5: &str = "features/it's \"quoted\" $(touch bleed-pwned).feature:3";
pub(crate) const V5: &str = "features/settings.feature:7";

const VICTIMS: [&str; 5] = [V1, V2, V3, B4, V5];
const SCENARIOS: usize = 19;

pub(crate) fn require_cucumber() -> bool {
    util::require_runner("cucumber", &[&["cucumber", "--version"]])
}

fn bisect(sandbox: &Sandbox, victim: &str, args: &[&str]) -> Value {
    let output = sandbox
        .bleed()
        .args(["bisect", "--victim", victim, "--json"])
        .args(args)
        .output()
        .expect("run bleed");
    assert_eq!(
        util::exit_code(&output),
        0,
        "bisecting {victim} named no culprits; stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stdout),
        util::stderr(&output)
    );
    util::json(&output)
}

fn sorted_ids(tests: &Value) -> Vec<&str> {
    let mut ids: Vec<&str> = tests
        .as_array()
        .expect("a list of tests")
        .iter()
        .map(|test| test["id"].as_str().expect("a test has an id"))
        .collect();
    ids.sort_unstable();
    ids
}

/// Exactly this verdict and these sets: the minimal set, nothing more.
fn assert_verdict(result: &Value, verdict: &str, culprits: &[&str], cleaners: &[&str]) {
    let named = if verdict == "brittle" {
        "state_setters"
    } else {
        "polluters"
    };
    let mut culprits = culprits.to_vec();
    culprits.sort_unstable();
    let context = format!("{result:#}");
    assert_eq!(result["verdict"], verdict, "{context}");
    assert_eq!(sorted_ids(&result[named]), culprits, "{named}: {context}");
    assert_eq!(sorted_ids(&result["cleaners"]), cleaners, "{context}");
}

fn ids_of(run: &Value) -> Vec<&str> {
    run["results"]
        .as_array()
        .expect("a run records its results")
        .iter()
        .map(|result| result["id"].as_str().expect("a result has an id"))
        .collect()
}

fn failed(run: &Value, test: &str) -> bool {
    run["results"]
        .as_array()
        .expect("a run records its results")
        .iter()
        .any(|r| r["id"] == test && util::is_failure(r["outcome"].as_str().unwrap_or("")))
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
/// only if results are stored in the order cucumber ran the scenarios.
fn assert_recorded_orders_explain_the_outcomes(runs: &[Value]) {
    for run in runs {
        let order = ids_of(run);
        assert_eq!(
            order.len(),
            SCENARIOS,
            "the whole suite ran: {}",
            run["command"]
        );
        PLANT.assert_outcomes_follow_the_order(run);
    }
}

/// Every probe ran, in order, only tests that came before the victim in the failing order, and
/// ended with the victim; none of them shuffled.
fn assert_probes_replayed_the_prefix(probes: &[Value], failing: &[&str], victim: &str) {
    assert!(!probes.is_empty(), "no probe was recorded");
    let before = &failing[..failing
        .iter()
        .position(|id| *id == victim)
        .expect("the victim is in the failing order")];
    for probe in probes {
        let command = probe["command"]
            .as_str()
            .expect("a probe records its command");
        assert!(
            command.contains("--order defined") && !command.contains("random"),
            "{command}"
        );
        let ran = ids_of(probe);
        let (last, earlier) = ran.split_last().expect("a probe ran something");
        assert_eq!(*last, victim, "{command}");
        let mut rest = before.iter();
        assert!(
            earlier.iter().all(|id| rest.any(|known| known == id)),
            "the probe left the tests before the victim or their order: {ran:?}"
        );
    }
}

/// The printed reproducer and isolation command do what the verdict says, run as a person would
/// paste them: cucumber exits 1 when the victim fails, 0 when it passes.
fn assert_reproducer_pastes(sandbox: &Sandbox, result: &Value) {
    let (together, alone) = if result["verdict"] == "brittle" {
        (0, 1)
    } else {
        (1, 0)
    };
    for (key, expected) in [
        ("/reproducer/command", together),
        ("/isolation_command", alone),
    ] {
        let command = result
            .pointer(key)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no {key} in {result:#}"));
        let output = sandbox.sh(command);
        assert_eq!(
            output.status.code(),
            Some(expected),
            "`{command}`:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            util::stderr(&output)
        );
    }
}

#[test]
fn the_card_example_works_as_written() {
    if !require_cucumber() {
        return;
    }
    let sandbox = Sandbox::with_suite(SUITE);
    let result = bisect(
        &sandbox,
        V1,
        &[
            "--cmd",
            "cucumber --order random:<seed>",
            "--seed",
            CARD_SEED,
        ],
    );
    assert_verdict(&result, "polluted", &[P1], &[]);
    assert_eq!(result["runner"], "cucumber");
    assert_eq!(
        result["failure_message"],
        "expected $4.00, got €4.00 (RuntimeError)\n\
         failing step: Then 400 cents read \"$4.00\" (features/checkout.feature:13)"
    );
    assert_eq!(
        result["reproducer"]["command"],
        format!("cucumber --order defined {P1} {V1}")
    );
    assert_reproducer_pastes(&sandbox, &result);

    let runs = sandbox.runs();
    let [seeded] = runs.as_slice() else {
        panic!("the seed runs once: {runs:?}");
    };
    assert!(
        failed(seeded, V1),
        "cucumber no longer fails V1 under --order random:{CARD_SEED}"
    );
    assert_recorded_orders_explain_the_outcomes(&runs);
    assert_probes_replayed_the_prefix(&sandbox.probes(), &ids_of(seeded), V1);
}

#[test]
fn a_hunt_flips_exactly_the_planted_victims_and_each_case_bisects() {
    if !require_cucumber() {
        return;
    }
    let sandbox = Sandbox::with_suite(SUITE);
    let hunt = sandbox
        .bleed()
        .args(["hunt", "--cmd", "cucumber", "--runs", &RUNS.to_string()])
        .args(["--jobs", "2", "--seed", MASTER_SEED, "--json"])
        .output()
        .expect("run bleed");
    assert_eq!(
        util::exit_code(&hunt),
        1,
        "flips found means exit 1; stderr:\n{}",
        util::stderr(&hunt)
    );
    let report = util::json(&hunt);
    assert_eq!(report["runner"], "cucumber");
    let mut flipping: Vec<&str> = util::flipped(&report);
    flipping.sort_unstable();
    let mut victims = VICTIMS.to_vec();
    victims.sort_unstable();
    assert_eq!(flipping, victims);
    assert_eq!(report["always_failing"], serde_json::json!([]));

    let runs = sandbox.runs();
    assert_eq!(runs.len(), RUNS);
    assert!(runs.iter().all(|run| run["status"] == "ok"), "{runs:?}");
    assert_recorded_orders_explain_the_outcomes(&runs);
    let c3_cleaned = runs.iter().any(|run| {
        let order = ids_of(run);
        let at = |id: &str| order.iter().position(|ran| *ran == id);
        matches!((at(P3), at(C3), at(V3)), (Some(p3), Some(c3), Some(v3)) if p3 < c3 && c3 < v3)
    });
    assert!(
        c3_cleaned,
        "master seed {MASTER_SEED} no longer yields a run with C3 between P3 and V3"
    );

    let cases: [(&str, &str, &[&str], &[&str]); 4] = [
        (V2, "polluted", &[PA, PB], &[]),
        (V3, "polluted", &[P3], &[C3]),
        (B4, "brittle", &[S4], &[]),
        (V5, "polluted", &[P5], &[]),
    ];
    for (victim, verdict, culprits, cleaners) in cases {
        let failing = runs
            .iter()
            .find(|run| failed(run, victim))
            .unwrap_or_else(|| panic!("master seed {MASTER_SEED} no longer fails {victim}"));
        let run = failing["id"].as_str().expect("a run has an id");
        let result = bisect(&sandbox, victim, &["--run", run, "--jobs", "2"]);
        assert_verdict(&result, verdict, culprits, cleaners);
        assert_reproducer_pastes(&sandbox, &result);
    }
    util::assert_nothing_ran_as_code(&sandbox);
}

#[test]
fn a_json_report_from_ci_gives_the_failing_order() {
    if !require_cucumber() {
        return;
    }
    let sandbox = Sandbox::with_suite(SUITE);
    // What CI would have left behind: its own seeded run, writing cucumber's JSON.
    let ci = sandbox.sh(&format!(
        "cucumber --order random:{CARD_SEED} --format progress --format json --out ci.json"
    ));
    let report = fs::read_to_string(sandbox.path().join("ci.json")).unwrap_or_else(|e| {
        panic!(
            "cucumber wrote no ci.json ({e}):\n{}",
            String::from_utf8_lossy(&ci.stdout)
        )
    });
    // The order straight from the report, to check bleed against.
    let features: Value = serde_json::from_str(&report).expect("ci.json is JSON");
    let order: Vec<String> = features
        .as_array()
        .expect("a list of features")
        .iter()
        .flat_map(|feature| {
            let uri = feature["uri"].as_str().expect("a feature has a uri");
            feature["elements"]
                .as_array()
                .expect("a feature has elements")
                .iter()
                .filter(|element| element["type"] == "scenario")
                .map(move |element| format!("{uri}:{}", element["line"]))
        })
        .collect();
    let order: Vec<&str> = order.iter().map(String::as_str).collect();
    assert_eq!(order.len(), SCENARIOS);
    let position = |id: &str| order.iter().position(|ran| *ran == id);
    assert!(
        position(P5) < position(V5),
        "cucumber no longer runs P5 before V5 under --order random:{CARD_SEED}"
    );

    let result = bisect(
        &sandbox,
        V5,
        &[
            "--cmd",
            "cucumber",
            "--junit",
            "ci.json",
            "--jobs",
            "2",
            "--no-cleaners",
        ],
    );
    assert_verdict(&result, "polluted", &[P5], &[]);
    assert!(
        sandbox.runs().is_empty(),
        "the report gave the order: the whole suite need not run"
    );
    assert_probes_replayed_the_prefix(&sandbox.probes(), &order, V5);
    assert_reproducer_pastes(&sandbox, &result);
    util::assert_nothing_ran_as_code(&sandbox);
}

#[test]
fn commands_bleed_cannot_use_are_refused_with_a_fix() {
    for (command, fix) in [
        ("cucumber --order random:42", "--order random:<seed>"),
        (
            "cucumber --format junit --out <report>",
            "e.g. --cmd \"cucumber --order random:<seed>\"",
        ),
    ] {
        let sandbox = Sandbox::new();
        let output: Output = sandbox
            .bleed()
            .args(["hunt", "--cmd", command, "--runs", "1"])
            .output()
            .expect("run bleed");
        let stderr = util::stderr(&output);
        assert_eq!(util::exit_code(&output), 2, "{command}: {stderr}");
        assert!(stderr.contains(fix), "{command}: {stderr}");
        assert!(sandbox.runs().is_empty(), "{command} ran");
    }
}

/// The shapes suite (testdata/cucumber/shapes, described in its PLANTED.md): scenario names real
/// suites have that a tool could merge, mistake or run.
const SHAPES: &str = "cucumber/shapes";
/// The example row whose item is `it's "quoted" $(touch bleed-pwned)`.
const SHAPES_POLLUTER: &str = "features/shelf.feature:27";
/// The first of two scenarios named "The shelf is empty".
const SHAPES_VICTIM: &str = "features/shelf.feature:29";
/// Pinned: in a hunt of 6 runs from it the shapes victim both fails and passes.
const SHAPES_MASTER_SEED: &str = "19497";

/// How many scenarios cucumber itself counts in the suite (`N scenarios` of a dry run).
fn cucumber_own_count(sandbox: &Sandbox) -> usize {
    let dry = std::process::Command::new("cucumber")
        .arg("--dry-run")
        .current_dir(sandbox.path())
        .output()
        .expect("run cucumber");
    let printed = String::from_utf8_lossy(&dry.stdout);
    printed
        .lines()
        .find_map(|line| line.strip_suffix(" skipped)")?.split_once(" scenarios ("))
        .and_then(|(count, _)| count.parse().ok())
        .unwrap_or_else(|| panic!("no scenario count in:\n{printed}"))
}

#[test]
fn awkward_names_are_all_counted_keep_unique_stable_ids_and_their_polluter_is_found() {
    if !require_cucumber() {
        return;
    }
    let sandbox = Sandbox::with_suite(SHAPES);
    let own = cucumber_own_count(&sandbox);
    assert_eq!(own, 9);
    let output = sandbox
        .bleed()
        .args(["hunt", "--cmd", "cucumber", "--runs", "6", "--jobs", "2"])
        .args(["--seed", SHAPES_MASTER_SEED, "--json"])
        .output()
        .expect("run bleed");
    let report = util::json_exiting(&output, 1, "the planted victim flips");
    let flipped: Vec<&str> = util::flipped(&report);
    assert_eq!(flipped, [SHAPES_VICTIM]);
    let runs = sandbox.runs();
    let first: BTreeSet<&str> = ids_of(&runs[0]).into_iter().collect();
    assert_eq!(
        first.len(),
        own,
        "every scenario and row counted, each once"
    );
    for run in &runs {
        let ids = ids_of(run);
        assert_eq!(ids.len(), own, "{ids:?}");
        assert_eq!(
            ids.iter().copied().collect::<BTreeSet<_>>(),
            first,
            "stable ids"
        );
    }

    let started = std::time::Instant::now();
    let bisection = util::bisect_json(&sandbox, "cucumber", SHAPES_VICTIM, &[]);
    eprintln!(
        "cucumber shapes: bisected in {:.1}s: {}",
        started.elapsed().as_secs_f64(),
        bisection["reproducer"]["command"]
    );
    assert_verdict(&bisection, "polluted", &[SHAPES_POLLUTER], &[]);
    // The version line bleed checked is the one the real program prints first.
    let printed = std::process::Command::new("cucumber")
        .arg("--version")
        .output()
        .expect("ask the version");
    let first_line = String::from_utf8_lossy(&printed.stdout)
        .lines()
        .next()
        .map(String::from);
    assert_eq!(bisection["runner_version"].as_str(), first_line.as_deref());
    let reproducer = bisection["reproducer"]["command"].as_str().unwrap();
    let pasted = sandbox.sh(&format!("{reproducer} --format json --out ran.json"));
    assert_eq!(
        pasted.status.code(),
        Some(1),
        "the victim fails: {pasted:?}"
    );
    let ran: Value =
        serde_json::from_str(&fs::read_to_string(sandbox.path().join("ran.json")).unwrap())
            .unwrap();
    let order: Vec<String> = ran
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|feature| {
            let uri = feature["uri"].as_str().unwrap().to_string();
            feature["elements"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|element| element["type"] != "background")
                .map(move |element| format!("{uri}:{}", element["line"]))
        })
        .collect();
    assert_eq!(
        order,
        [SHAPES_POLLUTER, SHAPES_VICTIM],
        "the reproducer runs exactly that order: {reproducer}"
    );
    util::assert_nothing_ran_as_code(&sandbox);
}

/// A cucumber older than 2.4 (whose seeds do not replay across platforms) is refused before the first run, in one line.
#[test]
fn a_cucumber_older_than_2_4_is_refused_before_anything_runs() {
    let sandbox = Sandbox::with_suite(SHAPES);
    util::assert_too_old_is_refused(
        &sandbox,
        ("cucumber", "--version", "2.3.3"),
        "old/cucumber",
        "bleed needs cucumber-ruby 2.4 or later",
    );
}
