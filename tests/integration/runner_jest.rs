//! Integration tests of the jest adapter against the real runner, on the planted suites in
//! testdata/jest/suite and testdata/jest/shapes (described in testdata/jest/PLANTED.md), with
//! the newest Jest (testdata/jest/node_modules, `npm install --prefix testdata/jest`) and Jest 29
//! (testdata/jest-29/node_modules, `npm ci --prefix testdata/jest-29`); each sandbox links to
//! one of them.

use std::collections::BTreeSet;
use std::process::Output;

use crate::util::{self, Plant, Sandbox};

pub(crate) const SUITE: &str = "jest/suite";

pub(crate) const NODE_MODULES: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/jest/node_modules");

/// Jest 29.7.0: the 29 line is the oldest bleed supports (from 29.5.0, which can shuffle).
const OLDEST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/jest-29/node_modules");

/// Pinned: under its first 6 run seeds every planted victim both fails and passes.
const MASTER_SEED: &str = "19497";
const RUNS: u64 = 6;

/// Run seeds of that hunt (runs 0, 1 and 2) under which V1, V2 and V3 fail.
const CURRENCY_FAILS: &str = "1502836065";
const POOL_FAILS: &str = "1874359078";
pub(crate) const PRICES_FAIL: &str = "903379358";

const P1: &str = "__tests__/currency.test.js › switches the display currency to EUR";
const V1: &str = "__tests__/currency.test.js › formats a total in dollars";
const PA: &str = "__tests__/connections.test.js › inventory › stock check opens a connection";
const PB: &str = "__tests__/connections.test.js › pricing › price lookup opens a connection";
const V2: &str = "__tests__/connections.test.js › checkout › gets a connection";
pub(crate) const P3: &str = "__tests__/prices.test.js › remembers a sale price for apples";
const C3: &str = "__tests__/prices.test.js › reloading empties the price cache";
pub(crate) const V3: &str = "__tests__/prices.test.js › an apple costs three";
const S4: &str = "__tests__/exporters.test.js › registers the csv exporter";
const B4: &str = "__tests__/exporters.test.js › exports the inventory as csv";
pub(crate) const P5: &str = "__tests__/labels.test.js › banner (v2.*) [beta] | labels › it's \"quoted\" $(touch bleed-pwned)";
pub(crate) const V5: &str =
    "__tests__/labels.test.js › banner (v2.*) [beta] | labels › defaults to \"Welcome\"";

const VICTIMS: [&str; 5] = [V1, V2, V3, B4, V5];

pub(crate) fn require_jest() -> bool {
    require_jest_in(NODE_MODULES)
}

fn require_jest_in(node_modules: &str) -> bool {
    let jest = format!("{node_modules}/.bin/jest");
    let prefix = node_modules.trim_end_matches("/node_modules");
    util::require_runner(
        &format!("jest (npm install --prefix {prefix})"),
        &[&["node", &jest, "--version"]],
    )
}

fn hunt(sandbox: &Sandbox, command: &str) -> Output {
    sandbox
        .bleed()
        .args(["hunt", "--cmd", command, "--runs", &RUNS.to_string()])
        .args(["--jobs", "2", "--seed", MASTER_SEED, "--json"])
        .output()
        .expect("run bleed")
}

/// The planted cases, by this suite's ids.
const PLANT: Plant = Plant {
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

#[test]
fn a_hunt_finds_exactly_the_planted_victims_and_bisect_their_causes() {
    hunt_and_bisect_the_planted_suite(NODE_MODULES);
}

#[test]
fn jest_29_finds_the_planted_victims_too() {
    hunt_and_bisect_the_planted_suite(OLDEST);
}

fn hunt_and_bisect_the_planted_suite(node_modules: &str) {
    if !require_jest_in(node_modules) {
        return;
    }
    let sandbox = Sandbox::with_node_suite(SUITE, node_modules);
    let output = hunt(&sandbox, "node_modules/.bin/jest");
    let report = util::json_exiting(&output, 1, "flips found means exit 1");
    assert_eq!(report["runner"], "jest");
    assert_eq!(report["runs"]["ok"], RUNS, "{}", report["runs"]);
    let flipping: BTreeSet<&str> = util::flipped(&report).into_iter().collect();
    assert_eq!(flipping, VICTIMS.into_iter().collect());
    assert_eq!(report["always_failing"], serde_json::json!([]));

    // Every recorded outcome is the one the plant predicts from the recorded order, which holds
    // only if the results are stored in the order the tests ran.
    for run in sandbox.runs() {
        let results = run["results"]
            .as_array()
            .expect("a run records its results");
        assert_eq!(
            results.len(),
            18,
            "the whole suite ran under seed {}",
            run["seed"]
        );
        PLANT.assert_outcomes_follow_the_order(&run);
    }

    // Brittle: fails alone, so bisect searches a recorded passing order for what it needs.
    let bisection = util::bisect_json(&sandbox, "node_modules/.bin/jest", B4, &[]);
    assert_eq!(bisection["verdict"], "brittle");
    assert_eq!(util::ids(&bisection["state_setters"]), [S4]);

    let bisection = util::bisect_json(&sandbox, "node_modules/.bin/jest", V5, &[]);
    assert_eq!(bisection["verdict"], "polluted");
    assert_eq!(util::ids(&bisection["polluters"]), [P5]);
    util::assert_nothing_ran_as_code(&sandbox);

    // Cleaners are looked for among the tests that sat between polluter and victim in the
    // hunt's passing runs, each under the seed of such a run.
    let bisection = util::bisect_json(
        &sandbox,
        "node_modules/.bin/jest",
        V3,
        &["--seed", PRICES_FAIL],
    );
    assert_eq!(bisection["verdict"], "polluted");
    assert_eq!(util::ids(&bisection["polluters"]), [P3]);
    assert_eq!(util::ids(&bisection["cleaners"]), [C3]);
}

/// The one-line form a developer types after CI went red: no hunt, just the seed.
#[test]
fn bisect_from_a_seed_finds_the_polluter_and_a_reproducer_that_fails() {
    if !require_jest() {
        return;
    }
    let sandbox = Sandbox::with_node_suite(SUITE, NODE_MODULES);
    let bisection = util::bisect_json(&sandbox, "npx jest", V1, &["--seed", CURRENCY_FAILS]);
    assert_eq!(bisection["verdict"], "polluted");
    assert_eq!(util::ids(&bisection["polluters"]), [P1]);
    assert_eq!(bisection["runner"], "jest");

    let reproducer = bisection["reproducer"]["command"]
        .as_str()
        .expect("a reproducer");
    assert!(
        reproducer.starts_with(&format!(
            "npx jest --ci --randomize --seed={CURRENCY_FAILS} "
        )),
        "{reproducer}"
    );
    let output = sandbox.sh(reproducer);
    let printed = format!(
        "{}{}",
        util::stderr(&output),
        String::from_utf8_lossy(&output.stdout)
    );
    assert_eq!(output.status.code(), Some(1), "{reproducer}:\n{printed}");
    assert!(
        printed.contains("1 failed, 2 skipped, 1 passed"),
        "{printed}"
    );

    let alone = bisection["isolation_command"]
        .as_str()
        .expect("an isolation command");
    let output = sandbox.sh(alone);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{alone}:\n{}",
        util::stderr(&output)
    );
}

#[test]
fn bisect_finds_both_polluters_that_fail_only_together() {
    if !require_jest() {
        return;
    }
    let sandbox = Sandbox::with_node_suite(SUITE, NODE_MODULES);
    let bisection = util::bisect_json(
        &sandbox,
        "node_modules/.bin/jest",
        V2,
        &["--seed", POOL_FAILS],
    );
    assert_eq!(bisection["verdict"], "polluted");
    let polluters: BTreeSet<&str> = util::ids(&bisection["polluters"]).into_iter().collect();
    assert_eq!(polluters, [PA, PB].into());
}

#[test]
fn a_fixed_seed_is_refused_with_a_corrected_command() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .bleed()
        .args([
            "hunt",
            "--runs",
            "2",
            "--cmd",
            "npx jest --randomize --seed=3",
        ])
        .output()
        .expect("run bleed");
    let stderr = util::stderr(&output);
    assert_eq!(util::exit_code(&output), 2, "stderr:\n{stderr}");
    assert!(stderr.contains("--seed=<seed>"), "stderr:\n{stderr}");
    assert!(!sandbox.path().join(".bleed").join("runs.jsonl").exists());
}

const SHAPES: &str = "jest/shapes";

/// The victim of the shapes suite, its polluter, and the polluter's case twin.
const TOTALS: &str = "__tests__/rates.test.js › rates › totals without tax";
const CAPITAL: &str = "__tests__/rates.test.js › rates › Applies the rate";
const LOWER: &str = "__tests__/rates.test.js › rates › applies the rate";

/// Every test of the shapes suite as bleed names it: each counted, twins numbered.
const SHAPE_IDS: [&str; 13] = [
    CAPITAL,
    LOWER,
    TOTALS,
    "__tests__/rates.test.js › rates › rounds to cents",
    "__tests__/rates.test.js › rates › rounds to cents #2",
    "__tests__/rates.test.js › rates › doubles an amount",
    "__tests__/rates.test.js › rates › doubles an amount #2",
    "__tests__/rates.test.js › rates › halves an amount",
    "__tests__/rates.test.js › rates › halves an amount #2",
    "__tests__/rates.test.js › rates › keeps a trailing space ",
    "__tests__/rates.test.js › rates › when exempt › abroad › it's \"quoted\" $(touch bleed-pwned)",
    "__tests__/argv.test.js › runs in the processes the command asked for",
    "__tests__/argv.test.js › prints text unless asked for JSON",
];

#[test]
fn tests_named_alike_are_counted_and_bisected_apart() {
    shapes_are_hunted_and_bisected(NODE_MODULES);
}

#[test]
fn jest_29_tells_tests_named_alike_apart() {
    shapes_are_hunted_and_bisected(OLDEST);
}

/// Real suites name tests alike: case twins, a title written twice, `test.each` rows and a
/// loop under one title. Each is a test of its own, counted, and a probe runs exactly the ones
/// asked for, which `-t` cannot (it ignores case). The suite also reads process.argv, which
/// must hold the user's command line and none of bleed's options.
fn shapes_are_hunted_and_bisected(node_modules: &str) {
    if !require_jest_in(node_modules) {
        return;
    }
    let sandbox = Sandbox::with_node_suite(SHAPES, node_modules);
    let output = hunt(&sandbox, "node_modules/.bin/jest");
    let report = util::json_exiting(&output, 1, "flips found means exit 1");
    assert_eq!(report["runs"]["ok"], RUNS, "{}", report["runs"]);
    let flipping: Vec<&str> = util::flipped(&report);
    assert_eq!(flipping, [TOTALS]);
    assert_eq!(report["always_failing"], serde_json::json!([]));
    // The test.each rows without a placeholder, and the tests made in a loop, share a title
    // and a place: the hunt says so.
    let indistinguishable: Vec<&str> = report["indistinguishable"]
        .as_array()
        .expect("said")
        .iter()
        .map(|group| group[0].as_str().expect("an id"))
        .collect();
    assert_eq!(
        indistinguishable,
        [
            "__tests__/rates.test.js › rates › doubles an amount",
            "__tests__/rates.test.js › rates › halves an amount"
        ]
    );
    let expected: BTreeSet<&str> = SHAPE_IDS.into_iter().collect();
    for run in sandbox.runs() {
        let ids: Vec<&str> = run["results"]
            .as_array()
            .expect("a run records its results")
            .iter()
            .map(|r| r["id"].as_str().expect("an id"))
            .collect();
        assert_eq!(ids.len(), SHAPE_IDS.len(), "every test counted: {ids:?}");
        assert_eq!(ids.iter().copied().collect::<BTreeSet<_>>(), expected);
        let command = run["command"].as_str().expect("a command");
        assert!(
            command.contains(".json "),
            "a JSON report is named so: {command}"
        );
        let totals = ids.iter().position(|id| *id == TOTALS).unwrap();
        let polluted = ids[..totals].contains(&CAPITAL);
        let failed = run["results"][totals]["outcome"] == "failed";
        assert_eq!(failed, polluted, "{ids:?}");
    }

    let bisection = util::bisect_json(&sandbox, "node_modules/.bin/jest", TOTALS, &[]);
    assert_eq!(bisection["verdict"], "polluted");
    assert_eq!(util::ids(&bisection["polluters"]), [CAPITAL]);
    let probes = sandbox.probes();
    let apart = probes.iter().any(|probe| {
        let results = probe["results"].as_array().expect("a probe has results");
        let ran = |id: &str| results.iter().any(|r| r["id"] == id);
        ran(CAPITAL) && !ran(LOWER)
    });
    assert!(apart, "a probe ran the polluter without its case twin");
    util::assert_nothing_ran_as_code(&sandbox);
}

/// Jest before 29.5.0 has no --randomize: refused before anything runs, with what to do.
#[test]
fn a_jest_that_cannot_shuffle_is_refused_at_once() {
    let sandbox = Sandbox::new();
    sandbox.write("old/jest", "#!/bin/sh\necho 29.4.3\n");
    let output = sandbox
        .bleed()
        .args([
            "hunt",
            "--runs",
            "2",
            "--runner",
            "jest",
            "--cmd",
            "sh old/jest",
        ])
        .output()
        .expect("run bleed");
    let stderr = util::stderr(&output);
    assert_eq!(util::exit_code(&output), 3, "stderr:\n{stderr}");
    assert!(stderr.contains("Jest 29.4.3"), "stderr:\n{stderr}");
    assert!(stderr.contains("upgrade Jest to 29.5"), "stderr:\n{stderr}");
    assert!(sandbox.runs().is_empty(), "nothing ran");
}
