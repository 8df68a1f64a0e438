//! Integration tests of the jest adapter against the real runner, on the planted suite in
//! testdata/jest/suite (described in testdata/jest/PLANTED.md). Jest is installed once into
//! testdata/jest/node_modules (`npm install --prefix testdata/jest`); each sandbox links to it.

use std::collections::BTreeSet;
use std::process::Output;

use crate::util::{self, Plant, Sandbox};

const SUITE: &str = "jest/suite";

const NODE_MODULES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/jest/node_modules");

/// Pinned: under its first 6 run seeds every planted victim both fails and passes.
const MASTER_SEED: &str = "19497";
const RUNS: u64 = 6;

/// Run seeds of that hunt (runs 0, 1 and 2) under which V1, V2 and V3 fail.
const CURRENCY_FAILS: &str = "1502836065";
const POOL_FAILS: &str = "1874359078";
const PRICES_FAIL: &str = "903379358";

const P1: &str = "__tests__/currency.test.js › switches the display currency to EUR";
const V1: &str = "__tests__/currency.test.js › formats a total in dollars";
const PA: &str = "__tests__/connections.test.js › inventory › stock check opens a connection";
const PB: &str = "__tests__/connections.test.js › pricing › price lookup opens a connection";
const V2: &str = "__tests__/connections.test.js › checkout › gets a connection";
const P3: &str = "__tests__/prices.test.js › remembers a sale price for apples";
const C3: &str = "__tests__/prices.test.js › reloading empties the price cache";
const V3: &str = "__tests__/prices.test.js › an apple costs three";
const S4: &str = "__tests__/exporters.test.js › registers the csv exporter";
const B4: &str = "__tests__/exporters.test.js › exports the inventory as csv";
const P5: &str = "__tests__/labels.test.js › banner (v2.*) [beta] | labels › it's \"quoted\" $(touch bleed-pwned)";
const V5: &str =
    "__tests__/labels.test.js › banner (v2.*) [beta] | labels › defaults to \"Welcome\"";

const VICTIMS: [&str; 5] = [V1, V2, V3, B4, V5];

fn require_jest() -> bool {
    let jest = format!("{NODE_MODULES}/.bin/jest");
    util::require_runner(
        "jest (npm install --prefix testdata/jest)",
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
    if !require_jest() {
        return;
    }
    let sandbox = Sandbox::with_node_suite(SUITE, NODE_MODULES);
    let output = hunt(&sandbox, "node_modules/.bin/jest");
    let report = util::json_exiting(&output, 1, "flips found means exit 1");
    assert_eq!(report["runner"], "jest");
    assert_eq!(report["runs"]["ok"], RUNS, "{}", report["runs"]);
    let flipping: BTreeSet<&str> = report["flips"]
        .as_array()
        .expect("\"flips\" is an array")
        .iter()
        .map(|flip| flip["test"].as_str().expect("a flip names its test"))
        .collect();
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
