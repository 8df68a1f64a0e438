//! `bleed bisect` on the real pytest suite with planted order dependencies
//! (testdata/pytest/suite, described in its PLANTED.md): every way of giving the failing order,
//! the verdicts, the probe budget, and the reproducer it hands back.

use std::fs;
use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::util::{self, Sandbox};

pub const SUITE: &str = "pytest/suite";

/// The command a user would type: bleed completes it with the seed and the report.
pub const COMMAND: &str = "python3 -m pytest -q tests";

/// Pinned, so the history is known: 5 of its 30 runs show V3 passing with C3 between P3 and
/// V3, the only evidence that makes bleed try C3 as a cleaner. (The order PLANTED.md calls
/// rare is another one: C3 before P3.)
const MASTER_SEED: &str = "19497";

/// pytest-randomly seeds (not master seeds) whose orders put P1 before V1, so V1 fails: checked
/// by hand with `python3 -m pytest -p randomly --randomly-seed=N tests`, and by the tests
/// themselves before they rely on it. Two different ones, so the two sources cannot share a
/// mistake.
const SEED_FAILING_V1: &str = "1";
const JUNIT_SEED_FAILING_V1: &str = "2";

pub const P1: &str = "tests/test_settings.py::test_switch_currency_to_eur";
pub const V1: &str = "tests/test_cart.py::test_total_is_in_dollars";
const PA: &str = "tests/test_inventory.py::test_stock_check_opens_connection";
const PB: &str = "tests/test_pricing.py::test_price_lookup_opens_connection";
const V2: &str = "tests/test_cart.py::test_checkout_gets_a_connection";
const P3: &str = "tests/test_settings.py::test_warm_price_cache";
const C3: &str = "tests/test_plugins.py::test_reload_clears_price_cache";
const V3: &str = "tests/test_pricing.py::test_apple_costs_three";
const S4: &str = "tests/test_plugins.py::test_register_csv_exporter";
const B4: &str = "tests/test_inventory.py::test_export_inventory_as_csv";
const P5: &str = "tests/test_labels.py::test_custom_banner[it's \"quoted\" $(touch bleed-pwned)]";
const V5: &str = "tests/test_settings.py::test_banner_defaults_to_welcome";

/// The suite's 23 tests in pytest's collection order.
const ALL_TESTS: [&str; 23] = [
    V1,
    V2,
    "tests/test_cart.py::test_empty_cart_totals_zero",
    "tests/test_cart.py::test_quantities_add_up",
    "tests/test_cart.py::test_discount_never_negative",
    PA,
    B4,
    "tests/test_inventory.py::test_sku_is_uppercase",
    "tests/test_inventory.py::test_restock_adds_units",
    P5,
    "tests/test_labels.py::test_label_fits_on_a_line",
    "tests/test_labels.py::test_label_strips_whitespace",
    S4,
    C3,
    "tests/test_plugins.py::test_plugin_names_are_sorted",
    PB,
    V3,
    "tests/test_pricing.py::test_pear_costs_four",
    "tests/test_pricing.py::test_prices_are_integers",
    P1,
    P3,
    V5,
    "tests/test_settings.py::test_timezone_is_utc",
];

/// All 23 tests with V1 last and P1 at `position` among the 22 before it: a failing order.
pub fn order_with_p1_at(position: usize) -> Vec<&'static str> {
    let mut order: Vec<&str> = ALL_TESTS
        .iter()
        .copied()
        .filter(|id| ![P1, V1].contains(id))
        .collect();
    order.insert(position, P1);
    order.push(V1);
    order
}

/// Writes `order` where `--order-file` can read it, one id a line.
pub fn write_order(sandbox: &Sandbox, name: &str, order: &[&str]) {
    sandbox.write(name, &format!("{}\n", order.join("\n")));
}

fn bisect(sandbox: &Sandbox, victim: &str, args: &[&str]) -> Output {
    sandbox
        .bleed()
        .args(["bisect", "--victim", victim, "--json"])
        .args(args)
        .output()
        .expect("run bleed")
}

/// The result of a bisection that named its culprits (exit 0).
fn bisected(sandbox: &Sandbox, victim: &str, args: &[&str]) -> Value {
    let output = bisect(sandbox, victim, args);
    assert_eq!(
        util::exit_code(&output),
        0,
        "bisecting {victim} named no culprits; stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stdout),
        util::stderr(&output)
    );
    util::json(&output)
}

fn ids(tests: &Value) -> Vec<&str> {
    let mut ids: Vec<&str> = tests
        .as_array()
        .expect("a list of tests")
        .iter()
        .map(|test| test["id"].as_str().expect("a test has an id"))
        .collect();
    ids.sort_unstable();
    ids
}

fn sorted<'a>(ids: &[&'a str]) -> Vec<&'a str> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids
}

/// Exactly this verdict and these sets: ddmin must return the minimal set, nothing more.
fn assert_verdict(result: &Value, verdict: &str, culprits: &[&str], cleaners: &[&str]) {
    let (named, unnamed) = if verdict == "brittle" {
        ("state_setters", "polluters")
    } else {
        ("polluters", "state_setters")
    };
    let context = format!("{:#}", result);
    assert_eq!(result["verdict"], verdict, "{context}");
    assert_eq!(ids(&result[named]), sorted(culprits), "{named}: {context}");
    assert_eq!(ids(&result[unnamed]), Vec::<&str>::new(), "{context}");
    assert_eq!(ids(&result["cleaners"]), sorted(cleaners), "{context}");
}

/// The probes ran only tests that came before the victim in `order`, in that relative order,
/// each probe ending with the victim: what came after the victim cannot have polluted it.
fn assert_probes_kept_to_the_prefix(probes: &[Value], order: &[&str], victim: &str) {
    assert!(!probes.is_empty(), "no probe was recorded");
    let before = &order[..order
        .iter()
        .position(|id| *id == victim)
        .expect("the victim is in the order")];
    for probe in probes {
        let ran: Vec<&str> = probe["results"]
            .as_array()
            .expect("a probe records its results")
            .iter()
            .map(|result| result["id"].as_str().expect("a result has an id"))
            .collect();
        let (last, earlier) = ran.split_last().expect("a probe ran something");
        assert_eq!(*last, victim, "{}", probe["command"]);
        let mut rest = before.iter();
        assert!(
            earlier.iter().all(|id| rest.any(|known| known == id)),
            "the probe left the tests before the victim or their order: {:?}",
            ran
        );
    }
}

/// Whether some run shows V3 passing because C3 ran between P3 and V3: without one, bleed
/// has no reason to suspect C3 of cleaning.
fn a_run_shows_c3_cleaning(runs: &[Value]) -> bool {
    runs.iter().any(|run| {
        let results = run["results"].as_array().expect("a run has results");
        let at = |id: &str| results.iter().position(|r| r["id"] == id);
        let (Some(p3), Some(c3), Some(v3)) = (at(P3), at(C3), at(V3)) else {
            return false;
        };
        p3 < c3 && c3 < v3 && results[v3]["outcome"] == "passed"
    })
}

/// `repro.sh` checks both halves of the story and says so: exit 0, the victim failing after
/// its culprits and passing alone, or the reverse for a brittle one.
fn assert_repro_script_confirms(sandbox: &Sandbox, dir: &Path) {
    let script = dir.join("repro.sh");
    let output = sandbox.sh(&format!(
        "sh {}",
        shell_words::quote(&script.display().to_string())
    ));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{} did not reproduce:\n{stdout}\n{}",
        script.display(),
        util::stderr(&output)
    );
    for outcome in ["failed", "passed"] {
        assert_eq!(
            stdout
                .matches(&format!("-> the victim {outcome}, as expected"))
                .count(),
            1,
            "{}:\n{stdout}",
            script.display()
        );
    }
}

#[test]
fn every_planted_victim_is_bisected_from_the_hunt_history() {
    if !util::require_pytest() {
        return;
    }
    let sandbox = Sandbox::with_suite(SUITE);
    let hunt = sandbox
        .bleed()
        .args(["hunt", "--cmd", COMMAND, "--runs", "30", "--jobs", "2"])
        .args(["--seed", MASTER_SEED])
        .output()
        .expect("run bleed");
    assert_eq!(
        util::exit_code(&hunt),
        1,
        "the hunt finds flips; stderr:\n{}",
        util::stderr(&hunt)
    );
    assert!(
        a_run_shows_c3_cleaning(&sandbox.runs()),
        "master seed {MASTER_SEED} no longer yields a run with C3 cleaning up after P3"
    );

    let cases: [(&str, &str, &[&str], &[&str]); 5] = [
        (V1, "polluted", &[P1], &[]),
        (V2, "polluted", &[PA, PB], &[]),
        (V3, "polluted", &[P3], &[C3]),
        (B4, "brittle", &[S4], &[]),
        (V5, "polluted", &[P5], &[]),
    ];
    for (number, (victim, verdict, culprits, cleaners)) in cases.into_iter().enumerate() {
        let out = format!("repro-{number}");
        let result = bisected(&sandbox, victim, &["--jobs", "2", "--out", &out]);
        assert_verdict(&result, verdict, culprits, cleaners);
        assert!(
            result["origin"]
                .as_str()
                .is_some_and(|origin| origin.contains("latest")),
            "{result:#}"
        );
        assert_repro_script_confirms(&sandbox, &sandbox.path().join(&out));
    }
    util::assert_nothing_ran_as_code(&sandbox);
}

#[test]
fn one_polluter_costs_at_most_log2_n_plus_3_probes() {
    if !util::require_pytest() {
        return;
    }
    // Early, in the middle, and right before the victim: the bound must hold wherever the
    // polluter sits, with no history to rank the candidates.
    for position in [0, 10, 21] {
        let sandbox = Sandbox::with_suite(SUITE);
        let order = order_with_p1_at(position);
        write_order(&sandbox, "order.txt", &order);
        let result = bisected(
            &sandbox,
            V1,
            &[
                "--cmd",
                COMMAND,
                "--order-file",
                "order.txt",
                "--no-cleaners",
            ],
        );
        assert_verdict(&result, "polluted", &[P1], &[]);
        let n = order.len() - 1;
        assert_eq!(result["candidates"], n, "{result:#}");
        let bound = n.next_power_of_two().trailing_zeros() as usize + 3;
        let probes = result["probes"].as_u64().expect("probes is a number") as usize;
        // With no history, the verdict is then confirmed by a fixed number of probes.
        let confirming = result["confirmation"]["extra_probes"].as_u64().unwrap() as usize;
        assert_eq!(confirming, 5, "{result:#}");
        assert!(
            probes - confirming <= bound,
            "P1 at {position}: {probes} probes for {n} candidates, more than ⌈log2 n⌉ + 3 = {bound} \
             before the confirmation"
        );
        assert_eq!(result["cleaner_probes"], 0, "{result:#}");
        let recorded = sandbox.probes();
        assert_eq!(
            recorded.len(),
            probes,
            "the count covers every probe that ran"
        );
        assert_probes_kept_to_the_prefix(&recorded, &order, V1);
    }
}

#[test]
fn a_seed_with_no_recorded_run_is_run_once_then_bisected() {
    if !util::require_pytest() {
        return;
    }
    let sandbox = Sandbox::with_suite(SUITE);
    let output = bisect(
        &sandbox,
        V1,
        &["--cmd", COMMAND, "--seed", SEED_FAILING_V1, "--jobs", "2"],
    );
    let stderr = util::stderr(&output);
    let runs = sandbox.runs();
    assert_eq!(runs.len(), 1, "the seed runs once; stderr:\n{stderr}");
    assert_eq!(runs[0]["seed"].as_u64(), SEED_FAILING_V1.parse().ok());
    let v1_failed = runs[0]["results"]
        .as_array()
        .expect("a run has results")
        .iter()
        .any(|r| r["id"] == V1 && util::is_failure(r["outcome"].as_str().unwrap_or("")));
    assert!(
        v1_failed,
        "pytest-randomly no longer fails V1 under seed {SEED_FAILING_V1}: pin another"
    );
    assert!(stderr.contains("running it once"), "stderr:\n{stderr}");
    assert_eq!(util::exit_code(&output), 0, "stderr:\n{stderr}");

    let result = util::json(&output);
    assert_verdict(&result, "polluted", &[P1], &[]);
    assert_eq!(result["seed"].as_u64(), SEED_FAILING_V1.parse().ok());

    // The default place: .bleed/repro/<the victim's id made into one directory name>/.
    let scripts: Vec<_> = sandbox
        .find("repro.sh")
        .into_iter()
        .filter(|path| path.starts_with(sandbox.path().join(".bleed").join("repro")))
        .collect();
    let [script] = scripts.as_slice() else {
        panic!("expected one repro.sh under .bleed/repro, found {scripts:?}");
    };
    let dir = script.parent().expect("repro.sh is in a directory");
    assert_repro_script_confirms(&sandbox, dir);

    let reproducer = result["reproducer"]["command"]
        .as_str()
        .expect("a reproducer command");
    assert_eq!(result["reproducer"]["order"], serde_json::json!([P1, V1]));
    let reproduced = sandbox.sh(reproducer);
    // pytest exits 1 when a test failed; a usage error or a missing test would be 4 or 5.
    assert_eq!(
        reproduced.status.code(),
        Some(1),
        "`{reproducer}` must fail the victim:\n{}",
        String::from_utf8_lossy(&reproduced.stdout)
    );
    let isolation = result["isolation_command"]
        .as_str()
        .expect("an isolation command");
    let alone = sandbox.sh(isolation);
    assert_eq!(
        alone.status.code(),
        Some(0),
        "`{isolation}` must pass the victim:\n{}",
        String::from_utf8_lossy(&alone.stdout)
    );

    let report = fs::read_to_string(dir.join("REPORT.md")).expect("REPORT.md is written");
    assert!(
        report.contains(V1),
        "REPORT.md does not name the victim:\n{report}"
    );
    assert!(
        report.contains(P1),
        "REPORT.md does not name the polluter:\n{report}"
    );
}

#[test]
fn a_junit_report_from_ci_gives_the_failing_order() {
    if !util::require_pytest() {
        return;
    }
    let sandbox = Sandbox::with_suite(SUITE);
    let randomly = format!("-p randomly --randomly-seed={JUNIT_SEED_FAILING_V1}");
    // What CI would have left behind: a plain pytest-randomly run writing xunit1 JUnit.
    let ci = sandbox.sh(&format!(
        "python3 -m pytest -q {randomly} --junitxml=ci.xml -o junit_family=xunit1 tests"
    ));
    let report = fs::read_to_string(sandbox.path().join("ci.xml")).unwrap_or_else(|e| {
        panic!(
            "pytest wrote no ci.xml ({e}):\n{}",
            String::from_utf8_lossy(&ci.stdout)
        )
    });
    let v1_case = report
        .split("<testcase ")
        .find(|case| case.contains("name=\"test_total_is_in_dollars\""))
        .expect("the report has V1");
    assert!(
        v1_case.contains("<failure"),
        "pytest-randomly no longer fails V1 under seed {JUNIT_SEED_FAILING_V1}: pin another"
    );
    // The same seed's order straight from pytest, to check bleed against.
    let collected = sandbox.sh(&format!(
        "python3 -m pytest -q --collect-only {randomly} tests"
    ));
    let collected = String::from_utf8_lossy(&collected.stdout).into_owned();
    let order: Vec<&str> = collected
        .lines()
        .filter(|line| line.contains("::"))
        .collect();
    assert_eq!(order.len(), 23, "{collected}");

    let result = bisected(&sandbox, V1, &["--cmd", COMMAND, "--junit", "ci.xml"]);
    assert_verdict(&result, "polluted", &[P1], &[]);
    let before_v1 = order.iter().position(|id| *id == V1).expect("V1 ran");
    assert_eq!(result["candidates"], before_v1, "{result:#}");
    assert!(
        sandbox.runs().is_empty(),
        "the report gave the order: the whole suite need not run"
    );
    assert_probes_kept_to_the_prefix(&sandbox.probes(), &order, V1);
}

/// Asserts `output` is a usage error that points at V1, the id the user meant.
fn assert_suggests_v1(output: &Output) {
    let stderr = util::stderr(output);
    assert_eq!(util::exit_code(output), 2, "stderr:\n{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line of error; stderr:\n{stderr}");
    assert!(
        lines[0].contains("did you mean") && lines[0].contains(V1),
        "stderr:\n{stderr}"
    );
}

const MISSPELT_V1: &str = "tests/test_cart.py::test_total_is_in_dolars";

#[test]
fn a_misspelt_victim_gets_a_suggestion() {
    // No runner needed: the victim is looked up in the order before anything runs.
    let sandbox = Sandbox::with_suite(SUITE);
    write_order(&sandbox, "order.txt", &order_with_p1_at(0));
    let output = bisect(
        &sandbox,
        MISSPELT_V1,
        &["--cmd", COMMAND, "--order-file", "order.txt"],
    );
    assert_suggests_v1(&output);
    assert!(
        sandbox.probes().is_empty(),
        "probes ran for an unknown victim"
    );
}

#[test]
fn a_misspelt_victim_gets_a_suggestion_from_the_recorded_runs() {
    if !util::require_pytest() {
        return;
    }
    let sandbox = Sandbox::with_suite(SUITE);
    // Run 0 of this hunt fails V1, so the latest-run source has an order to search.
    let hunt = sandbox
        .bleed()
        .args([
            "hunt",
            "--cmd",
            COMMAND,
            "--runs",
            "1",
            "--seed",
            MASTER_SEED,
        ])
        .output()
        .expect("run bleed");
    assert_eq!(
        util::exit_code(&hunt),
        1,
        "V1 failed: {}",
        util::stderr(&hunt)
    );
    assert_suggests_v1(&bisect(&sandbox, MISSPELT_V1, &[]));
}

#[test]
fn an_order_that_passes_again_is_not_reproduced() {
    if !util::require_pytest() {
        return;
    }
    let sandbox = Sandbox::with_suite(SUITE);
    // Claimed to fail, but without P1 nothing can make V1 fail.
    let order: Vec<&str> = order_with_p1_at(0)
        .into_iter()
        .filter(|id| *id != P1)
        .collect();
    write_order(&sandbox, "order.txt", &order);
    let output = bisect(
        &sandbox,
        V1,
        &[
            "--cmd",
            COMMAND,
            "--order-file",
            "order.txt",
            "--retries",
            "2",
            // Cold, so the count is the retries': a warm search that finds nothing is done
            // again cold (docs/warm.md), which doubles it.
            "--probe",
            "cold",
        ],
    );
    assert_eq!(
        util::exit_code(&output),
        1,
        "stderr:\n{}",
        util::stderr(&output)
    );
    let result = util::json(&output);
    assert_eq!(result["verdict"], "not-reproduced", "{result:#}");
    assert_eq!(ids(&result["polluters"]), Vec::<&str>::new());
    assert_eq!(result["reproducer"], Value::Null, "{result:#}");
    // A pass is believed only after the retries: the full order, tried three times.
    assert_eq!(result["probes"], 3, "{result:#}");
    assert!(
        sandbox.find("repro.sh").is_empty(),
        "a reproducer was written for a failure that did not reproduce"
    );
}
