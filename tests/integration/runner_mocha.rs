//! Integration tests of the mocha adapter against the real runner, on the planted suites in
//! testdata/mocha/suite and testdata/mocha/shapes (described in testdata/mocha/PLANTED.md), with
//! the newest mocha (testdata/mocha/node_modules, `npm ci --prefix testdata/mocha`) and the
//! oldest bleed supports (testdata/mocha-10/node_modules); each sandbox links to one of them.

use std::collections::BTreeSet;
use std::process::Output;

use serde_json::Value;

use crate::util::{self, Plant, Sandbox};

pub(crate) const SUITE: &str = "mocha/suite";

pub(crate) const NODE_MODULES: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/mocha/node_modules");

/// mocha 10.4.0, the oldest version bleed supports.
const OLDEST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/testdata/mocha-10/node_modules"
);

const MOCHA: &str = "node_modules/.bin/mocha";

/// Pinned: under its first 4 run seeds every planted victim both fails and passes (bleed
/// shuffles the files); 6 leave room.
const MASTER_SEED: &str = "19497";
const RUNS: u64 = 6;

/// The run seed of that hunt's run 1, in which V1 fails.
const CURRENCY_FAILS: &str = "1874359078";

const P1: &str = "test/settings.spec.js › Settings switches the currency to EUR";
const V1: &str = "test/cart.spec.js › Cart total is in dollars";
const PA: &str = "test/inventory.spec.js › Inventory stock check opens a connection";
const PB: &str = "test/pricing.spec.js › Pricing price lookup opens a connection";
const V2: &str = "test/cart.spec.js › Cart checkout gets a connection";
const P3: &str = "test/settings.spec.js › Settings warms the price cache";
const C3: &str = "test/plugins.spec.js › Plugins reload clears the price cache";
const V3: &str = "test/pricing.spec.js › Pricing an apple costs three";
const S4: &str = "test/plugins.spec.js › Plugins register the csv exporter";
const B4: &str = "test/inventory.spec.js › Inventory exports as csv";
const P5: &str = "test/labels.spec.js › it's \"quoted\" $(touch bleed-pwned)";
const V5: &str = "test/settings.spec.js › Settings banner defaults to \"Welcome\"";

const VICTIMS: [&str; 5] = [V1, V2, V3, B4, V5];

pub(crate) fn require_mocha() -> bool {
    require_mocha_in(NODE_MODULES)
}

fn require_mocha_in(node_modules: &str) -> bool {
    let mocha = format!("{node_modules}/.bin/mocha");
    let prefix = node_modules.trim_end_matches("/node_modules");
    util::require_runner(
        &format!("mocha (npm ci --prefix {prefix})"),
        &[&["node", &mocha, "--version"]],
    )
}

fn hunt(sandbox: &Sandbox, command: &str, runs: u64) -> Output {
    sandbox
        .bleed()
        .args(["hunt", "--cmd", command, "--runs", &runs.to_string()])
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
fn the_oldest_supported_mocha_finds_the_planted_victims_too() {
    hunt_and_bisect_the_planted_suite(OLDEST);
}

fn hunt_and_bisect_the_planted_suite(node_modules: &str) {
    if !require_mocha_in(node_modules) {
        return;
    }
    let sandbox = Sandbox::with_node_suite(SUITE, node_modules);
    let output = hunt(&sandbox, MOCHA, RUNS);
    let report = util::json_exiting(&output, 1, "flips found means exit 1");
    assert_eq!(report["runner"], "mocha");
    assert_eq!(report["runs"]["ok"], RUNS, "{}", report["runs"]);
    let flipping: BTreeSet<&str> = util::flipped(&report).into_iter().collect();
    assert_eq!(flipping, VICTIMS.into_iter().collect());
    assert_eq!(report["always_failing"], serde_json::json!([]));

    // Every recorded outcome is the one the plant predicts from the recorded order, which holds
    // only if each run ran the order bleed shuffled and the results are stored in run order.
    let runs = sandbox.runs();
    let shuffled: Vec<&Value> = runs.iter().filter(|run| !run["index"].is_null()).collect();
    assert_eq!(shuffled.len() as u64, RUNS);
    let mut orders = BTreeSet::new();
    for run in shuffled {
        let results = run["results"]
            .as_array()
            .expect("a run records its results");
        assert_eq!(
            results.len(),
            15,
            "the whole suite ran under seed {}",
            run["seed"]
        );
        let order: Vec<&str> = results.iter().map(|r| r["id"].as_str().unwrap()).collect();
        PLANT.assert_outcomes_follow_the_order(run);
        orders.insert(order.join("\n"));
    }
    assert_eq!(
        orders.len() as u64,
        RUNS,
        "every run had an order of its own"
    );

    let bisection = util::bisect_json(&sandbox, MOCHA, V1, &[]);
    assert_eq!(bisection["verdict"], "polluted");
    assert_eq!(util::ids(&bisection["polluters"]), [P1]);

    let bisection = util::bisect_json(&sandbox, MOCHA, V2, &[]);
    let polluters: BTreeSet<&str> = util::ids(&bisection["polluters"]).into_iter().collect();
    assert_eq!(polluters, [PA, PB].into());

    let bisection = util::bisect_json(&sandbox, MOCHA, V3, &[]);
    assert_eq!(util::ids(&bisection["polluters"]), [P3]);
    assert_eq!(util::ids(&bisection["cleaners"]), [C3]);

    let bisection = util::bisect_json(&sandbox, MOCHA, B4, &[]);
    assert_eq!(bisection["verdict"], "brittle");
    assert_eq!(util::ids(&bisection["state_setters"]), [S4]);

    // P5 is a top-level test, which mocha itself always runs first: replaying it after the
    // Settings block takes bleed's rearranging of the suite.
    let bisection = util::bisect_json(&sandbox, MOCHA, V5, &[]);
    assert_eq!(util::ids(&bisection["polluters"]), [P5]);
    util::assert_nothing_ran_as_code(&sandbox);
}

/// The form a developer types after a hunt flagged a test: the usual `npx mocha`, a seed.
#[test]
fn bisect_from_a_seed_finds_the_polluter_and_a_reproducer_that_fails() {
    if !require_mocha() {
        return;
    }
    let sandbox = Sandbox::with_node_suite(SUITE, NODE_MODULES);
    assert_eq!(util::exit_code(&hunt(&sandbox, "npx mocha", 2)), 1);
    let bisection = util::bisect_json(&sandbox, "npx mocha", V1, &["--seed", CURRENCY_FAILS]);
    assert_eq!(bisection["verdict"], "polluted");
    assert_eq!(util::ids(&bisection["polluters"]), [P1]);

    let reproducer = bisection["reproducer"]["command"]
        .as_str()
        .expect("a reproducer");
    let output = sandbox.sh(reproducer);
    let printed = String::from_utf8_lossy(&output.stdout);
    assert_ne!(output.status.code(), Some(0), "{reproducer}:\n{printed}");
    assert!(
        printed.contains("1 passing") && printed.contains("1 failing"),
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

const BRACKETED: &str = r#"let open = false;

describe('Bracketed', () => {
  before(() => {
    open = true;
  });
  after(() => {
    open = false;
  });

  it('first', () => {});
  it('second', () => {});
});

describe('Elsewhere', () => {
  it('between', () => {});
});
"#;

/// mocha runs a describe block's `before` and `after` hooks once around all its tests, so an
/// order that leaves such a block and comes back cannot be run: bleed says so, and stops.
#[test]
fn an_order_that_splits_a_block_with_before_hooks_is_refused_plainly() {
    if !require_mocha() {
        return;
    }
    let sandbox = Sandbox::with_node_suite(SUITE, NODE_MODULES);
    sandbox.write("test/bracketed.spec.js", BRACKETED);
    sandbox.write(
        "order.txt",
        "test/bracketed.spec.js › Bracketed first\n\
         test/bracketed.spec.js › Elsewhere between\n\
         test/bracketed.spec.js › Bracketed second\n",
    );
    let output = sandbox
        .bleed()
        .args(["bisect", "--cmd", MOCHA, "--order-file", "order.txt"])
        .args(["--victim", "test/bracketed.spec.js › Bracketed second"])
        .output()
        .expect("run bleed");
    let stderr = util::stderr(&output);
    assert_eq!(util::exit_code(&output), 3, "stderr:\n{stderr}");
    assert!(
        stderr.contains(
            "mocha runs the tests of \"Bracketed\" together, between its before and after hooks"
        ),
        "stderr:\n{stderr}"
    );
}

const SHAPES: &str = "mocha/shapes";

/// The victim of the shapes suite and its polluter, the second of two tests called the same.
const RECEIPT: &str = "test/receipt.spec.js › Receipt totals without tax";
const SECOND_RATE: &str = "test/rates.spec.js › Rates applies a rate #2";

/// Every test of the shapes suite, as bleed names it in mocha's own order: twins numbered,
/// case twins apart, the trailing space kept.
const SHAPE_IDS: [&str; 11] = [
    "test/rates.spec.js › Rates applies a rate",
    SECOND_RATE,
    "test/rates.spec.js › Rates rounds to cents",
    "test/rates.spec.js › Rates rounds to cents #2",
    "test/rates.spec.js › Rates Rounds up",
    "test/rates.spec.js › Rates rounds up",
    "test/rates.spec.js › Rates keeps a trailing space ",
    "test/rates.spec.js › Rates when exempt abroad it's \"quoted\" $(touch bleed-pwned)",
    "test/rates.spec.js › Rates when exempt abroad it's \"quoted\" $(touch bleed-pwned) #2",
    RECEIPT,
    "test/receipt.spec.js › Receipt prints a header",
];

#[test]
fn tests_called_the_same_are_counted_shuffled_and_bisected_apart() {
    shapes_are_hunted_and_bisected(NODE_MODULES);
}

#[test]
fn the_oldest_supported_mocha_tells_tests_called_the_same_apart() {
    shapes_are_hunted_and_bisected(OLDEST);
}

/// Real suites name tests alike (a table of cases under one title): each is a test of its
/// own, counted, moved with its file in a hunt, and run alone or with its twin in a probe.
fn shapes_are_hunted_and_bisected(node_modules: &str) {
    if !require_mocha_in(node_modules) {
        return;
    }
    let sandbox = Sandbox::with_node_suite(SHAPES, node_modules);
    let output = hunt(&sandbox, MOCHA, RUNS);
    let report = util::json_exiting(&output, 1, "flips found means exit 1");
    assert_eq!(report["runs"]["ok"], RUNS, "{}", report["runs"]);
    let flipping: Vec<&str> = util::flipped(&report);
    assert_eq!(flipping, [RECEIPT]);
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
        // mocha's own order within a file numbers the twins; shuffles move whole files.
        let rates: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|id| id.starts_with("test/rates"))
            .collect();
        assert_eq!(rates, SHAPE_IDS[..9]);
        let receipt = ids.iter().position(|id| *id == RECEIPT).unwrap();
        let polluted = ids[..receipt].contains(&SECOND_RATE);
        let failed = run["results"][receipt]["outcome"] == "failed";
        assert_eq!(failed, polluted, "{ids:?}");
    }

    let bisection = util::bisect_json(&sandbox, MOCHA, RECEIPT, &[]);
    assert_eq!(bisection["verdict"], "polluted");
    assert_eq!(util::ids(&bisection["polluters"]), [SECOND_RATE]);
    let probes = sandbox.probes();
    let asked: Vec<Vec<&str>> = probes
        .iter()
        .map(|probe| {
            let results = probe["results"].as_array().expect("a probe has results");
            results
                .iter()
                .map(|r| r["id"].as_str().expect("an id"))
                .collect()
        })
        .collect();
    assert!(
        asked
            .iter()
            .any(|order| order.contains(&SECOND_RATE) && !order.contains(&SHAPE_IDS[0])),
        "a probe ran the second twin without the first: {asked:?}"
    );
    util::assert_nothing_ran_as_code(&sandbox);
}

#[test]
fn a_mocha_older_than_its_file_attribute_is_refused_at_once() {
    if !require_mocha() {
        return;
    }
    let sandbox = Sandbox::with_node_suite(SHAPES, NODE_MODULES);
    sandbox.write("old/mocha", "#!/bin/sh\necho 9.2.2\n");
    let output = sandbox
        .bleed()
        .args([
            "hunt",
            "--runs",
            "2",
            "--runner",
            "mocha",
            "--cmd",
            "sh old/mocha",
        ])
        .output()
        .expect("run bleed");
    let stderr = util::stderr(&output);
    assert_eq!(util::exit_code(&output), 3, "stderr:\n{stderr}");
    assert!(stderr.contains("mocha 9.2.2"), "stderr:\n{stderr}");
    assert!(
        stderr.contains("upgrade mocha to 10.4"),
        "stderr:\n{stderr}"
    );
    assert!(sandbox.runs().is_empty(), "nothing ran");
}
