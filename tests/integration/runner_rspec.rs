//! Integration tests of the rspec adapter against the real runner, on the suite with planted
//! order dependencies in testdata/rspec/suite (described in its PLANTED.md).

use std::collections::BTreeSet;
use std::process::{Command, Output};

use serde_json::Value;

use crate::util::{self, Plant, Sandbox};

pub(crate) const SUITE: &str = "rspec/suite";

/// Pinned: in a hunt of 12 runs from it, every planted victim both fails and passes, and a
/// passing run has the cleaner between its polluter and victim.
pub(crate) const MASTER_SEED: &str = "19497";
pub(crate) const RUNS: u64 = 12;

/// Pinned: under it the pair victim fails with 13 tests before it, the hostile polluter among them.
pub(crate) const FAILING_SEED: &str = "19497";

pub(crate) const P1: &str = "./spec/settings_spec.rb[1:1]";
pub(crate) const V1: &str = "./spec/cart_spec.rb[1:1]";
pub(crate) const PA: &str = "./spec/inventory_spec.rb[1:1]";
pub(crate) const PB: &str = "./spec/pricing_spec.rb[1:1]";
pub(crate) const V2: &str = "./spec/cart_spec.rb[2:1:1]";
pub(crate) const P3: &str = "./spec/settings_spec.rb[2:1]";
pub(crate) const C3: &str = "./spec/plugins_spec.rb[1:1]";
pub(crate) const V3: &str = "./spec/pricing_spec.rb[2:1]";
pub(crate) const S4: &str = "./spec/plugins_spec.rb[2:1]";
pub(crate) const B4: &str = "./spec/inventory_spec.rb[2:1]";
pub(crate) const P5: &str = "./spec/labels/it's \"quoted\" $(touch bleed-pwned)_spec.rb[1:1]";
pub(crate) const V5: &str = "./spec/settings_spec.rb[3:1:1]";

pub(crate) const VICTIMS: [&str; 5] = [V1, V2, V3, B4, V5];

pub(crate) fn require_rspec() -> bool {
    util::require_runner(
        "rspec (apt-get install ruby-rspec)",
        &[&["rspec", "--version"]],
    )
}

/// The pinned hunt, with `extra` options (`--warm`).
pub(crate) fn hunt(sandbox: &Sandbox, extra: &[&str]) -> Value {
    let output = sandbox
        .bleed()
        .args(["hunt", "--cmd", "rspec", "--runs", &RUNS.to_string()])
        .args(["--jobs", "2", "--seed", MASTER_SEED, "--json"])
        .args(extra)
        .output()
        .expect("run bleed");
    assert_eq!(
        util::exit_code(&output),
        1,
        "flips found means exit 1; stderr:\n{}",
        util::stderr(&output)
    );
    util::json(&output)
}

fn bisect(sandbox: &Sandbox, args: &[&str]) -> Value {
    let output = bisect_output(sandbox, args);
    assert_eq!(
        util::exit_code(&output),
        0,
        "a bisection that names its culprits exits 0; stderr:\n{}",
        util::stderr(&output)
    );
    util::json(&output)
}

fn bisect_output(sandbox: &Sandbox, args: &[&str]) -> Output {
    sandbox
        .bleed()
        .arg("bisect")
        .args(args)
        .args(["--jobs", "2", "--json"])
        .output()
        .expect("run bleed")
}

fn ids(located: &Value) -> Vec<&str> {
    located
        .as_array()
        .expect("a list of tests")
        .iter()
        .map(|test| test["id"].as_str().expect("a test has an id"))
        .collect()
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

/// Runs a command bleed printed, as a person would paste it, and says whether rspec passed.
fn passes(sandbox: &Sandbox, command: &str) -> bool {
    let output = Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(sandbox.path())
        .output()
        .expect("run sh");
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(
        printed.contains("examples,") || printed.contains("example,"),
        "`{command}` ran no examples:\n{printed}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.status.success()
}

fn assert_reproduces(sandbox: &Sandbox, result: &Value, victim_fails: bool) {
    assert_reproduces_with(sandbox, result, victim_fails, "rspec --seed ");
}

fn assert_reproduces_with(sandbox: &Sandbox, result: &Value, victim_fails: bool, plain: &str) {
    let reproducer = result["reproducer"]["command"]
        .as_str()
        .expect("a reproducer");
    let isolation = result["isolation_command"]
        .as_str()
        .expect("an isolation command");
    assert!(
        reproducer.starts_with(plain),
        "a plain rspec command: {reproducer}"
    );
    assert_eq!(passes(sandbox, reproducer), !victim_fails, "{reproducer}");
    assert_eq!(passes(sandbox, isolation), victim_fails, "{isolation}");
}

#[test]
fn a_bare_rspec_hunt_flips_exactly_the_planted_victims_and_bisects_find_their_causes() {
    if !require_rspec() {
        return;
    }
    let sandbox = Sandbox::with_suite(SUITE);
    let report = hunt(&sandbox, &[]);
    assert_eq!(report["runner"], "rspec");
    assert_eq!(report["runs"]["ok"], RUNS, "{}", report["runs"]);
    let flipped: BTreeSet<&str> = util::flipped(&report).into_iter().collect();
    assert_eq!(flipped, VICTIMS.into_iter().collect());
    assert_eq!(report["always_failing"], serde_json::json!([]));

    let runs = sandbox.runs();
    assert_eq!(runs.len() as u64, RUNS);
    for run in &runs {
        let command = run["command"].as_str().unwrap();
        let completed = format!(
            "rspec --seed {} --no-fail-fast --format progress --format json --out /",
            run["seed"]
        );
        assert!(
            command.starts_with(&completed),
            "bleed completes a bare command with a seed and its report: {command}"
        );
        let results = run["results"].as_array().unwrap();
        let order: Vec<&str> = results.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(
            order.len(),
            19,
            "the whole suite ran under seed {}",
            run["seed"]
        );
        PLANT.assert_outcomes_follow_the_order(run);
    }

    let single = bisect(&sandbox, &["--victim", V1]);
    assert_eq!(single["verdict"], "polluted");
    assert_eq!(ids(&single["polluters"]), [P1]);
    assert_reproduces(&sandbox, &single, true);

    let cleaned = bisect(&sandbox, &["--victim", V3]);
    assert_eq!(cleaned["verdict"], "polluted");
    assert_eq!(ids(&cleaned["polluters"]), [P3]);
    assert_eq!(ids(&cleaned["cleaners"]), [C3]);
    assert_reproduces(&sandbox, &cleaned, true);

    let brittle = bisect(&sandbox, &["--victim", B4]);
    assert_eq!(brittle["verdict"], "brittle");
    assert_eq!(ids(&brittle["state_setters"]), [S4]);
    assert_eq!(ids(&brittle["polluters"]), Vec::<&str>::new());
    assert_reproduces(&sandbox, &brittle, false);

    util::assert_nothing_ran_as_code(&sandbox);
}

/// The card's command, `bleed bisect --cmd "rspec" --seed N --victim ID`, with nothing recorded:
/// bleed runs the seed once, then bisects.
#[test]
fn the_card_bisection_works_as_written_and_hostile_ids_stay_data() {
    if !require_rspec() {
        return;
    }
    let sandbox = Sandbox::with_suite(SUITE);
    let pair = bisect(
        &sandbox,
        &["--cmd", "rspec", "--seed", FAILING_SEED, "--victim", V2],
    );
    assert_eq!(pair["verdict"], "polluted");
    let polluters: BTreeSet<&str> = ids(&pair["polluters"]).into_iter().collect();
    assert_eq!(polluters, [PA, PB].into_iter().collect());
    assert_eq!(pair["seed"], FAILING_SEED.parse::<u64>().unwrap());
    assert_eq!(
        pair["runner_version"]
            .as_str()
            .map(|v| v.starts_with("RSpec 3")),
        Some(true)
    );
    assert_reproduces(&sandbox, &pair, true);

    // Now from the run recorded above, and by the end of its id, as find_victim allows.
    let hostile = bisect(
        &sandbox,
        &[
            "--seed",
            FAILING_SEED,
            "--victim",
            "settings_spec.rb[3:1:1]",
        ],
    );
    assert_eq!(hostile["victim"], V5);
    assert_eq!(hostile["verdict"], "polluted");
    assert_eq!(ids(&hostile["polluters"]), [P5]);
    assert_reproduces(&sandbox, &hostile, true);

    util::assert_nothing_ran_as_code(&sandbox);
}

/// Pinned: a run of the suite under it fails V1 with six examples before it.
const CI_SEED: &str = "4242";

/// A report CI kept comes without a seed bleed could replay under: the probes run the order
/// through bleed's helper, and the reproducer is `--order defined` when that runs it.
#[test]
fn a_json_report_from_ci_is_bisected_without_its_seed() {
    if !require_rspec() {
        return;
    }
    let sandbox = Sandbox::with_suite(SUITE);
    let ci = Command::new("rspec")
        .args(["--seed", CI_SEED, "--format", "json", "--out", "ci.json"])
        .current_dir(sandbox.path())
        .output()
        .expect("run rspec");
    assert!(!ci.status.success(), "the CI run fails");
    let result = bisect(
        &sandbox,
        &["--cmd", "rspec", "--junit", "ci.json", "--victim", V1],
    );
    assert_eq!(result["verdict"], "polluted");
    assert_eq!(result["seed"], Value::Null);
    assert_eq!(ids(&result["polluters"]), [P1]);
    assert_reproduces_with(&sandbox, &result, true, "rspec --order defined ");
}

const GROUPED_SPEC: &str = r#"RSpec.describe "a group" do
  it("runs first") { $first = true }
  it("runs second") { expect($between).to be_nil }
end
"#;

const OTHER_SPEC: &str = r#"RSpec.describe "another file" do
  it("sets a global") { $between = true }
end
"#;

/// RSpec runs a group's examples together, so an order with another file's example between two
/// of them cannot be run: bleed says so before running anything, not after a probe that failed.
#[test]
fn an_order_that_splits_a_group_is_refused_with_the_reason_before_any_probe() {
    if !require_rspec() {
        return;
    }
    let sandbox = Sandbox::new();
    sandbox.write("spec/grouped_spec.rb", GROUPED_SPEC);
    sandbox.write("spec/other_spec.rb", OTHER_SPEC);
    sandbox.write(
        "order.txt",
        "./spec/grouped_spec.rb[1:1]\n./spec/other_spec.rb[1:1]\n./spec/grouped_spec.rb[1:2]\n",
    );
    let output = bisect_output(
        &sandbox,
        &[
            "--cmd",
            "rspec",
            "--order-file",
            "order.txt",
            "--victim",
            "./spec/grouped_spec.rb[1:2]",
        ],
    );
    let stderr = util::stderr(&output);
    assert_eq!(util::exit_code(&output), 3, "stderr:\n{stderr}");
    assert!(
        stderr.starts_with(
            "bleed: error: the rspec runner cannot run the order bleed needs: RSpec cannot run the \
             examples in the order listed: ./spec/other_spec.rb[1:1] is listed before \
             ./spec/grouped_spec.rb[1:2]"
        ),
        "the reason is the headline:\n{stderr}"
    );
    for probe in sandbox.probes() {
        assert_eq!(
            probe["status"], "ok",
            "the refused order never ran: {probe}"
        );
    }
}

/// What bleed cannot foresee (here an id the spec no longer has) the helper still refuses, and
/// its reason is the headline, not something to dig out of the probe's log.
#[test]
fn the_helpers_last_guard_gives_its_reason_in_the_headline() {
    if !require_rspec() {
        return;
    }
    let sandbox = Sandbox::new();
    sandbox.write("spec/grouped_spec.rb", GROUPED_SPEC);
    sandbox.write("spec/other_spec.rb", OTHER_SPEC);
    sandbox.write(
        "order.txt",
        "./spec/other_spec.rb[1:1]\n./spec/grouped_spec.rb[1:9]\n",
    );
    let output = bisect_output(
        &sandbox,
        &[
            "--cmd",
            "rspec",
            "--order-file",
            "order.txt",
            "--victim",
            "./spec/grouped_spec.rb[1:9]",
        ],
    );
    let stderr = util::stderr(&output);
    assert_eq!(util::exit_code(&output), 3, "stderr:\n{stderr}");
    // The warm server refuses the unknown id first, and the probe then runs cold.
    let headline = stderr
        .lines()
        .find(|line| line.starts_with("bleed: error:"))
        .unwrap_or_default();
    assert!(
        headline.starts_with(
            "bleed: error: a probe gave no results (bleed's ordering helper stopped rspec before any \
             example ran: no example has the id ./spec/grouped_spec.rb[1:9] (was the spec changed \
             since the run?))"
        ),
        "{stderr}"
    );
}

/// The shapes suite (testdata/rspec/shapes, described in its PLANTED.md): names real suites have
/// that a tool could merge, mistake or run.
const SHAPES: &str = "rspec/shapes";
const SHAPES_POLLUTER: &str = "./spec/shelf_spec.rb[1:5:1:1:1]";
const SHAPES_VICTIM: &str = "./spec/shelf_spec.rb[1:6:1]";
/// Pinned: in a hunt of 6 runs from it the shapes victim both fails and passes.
const SHAPES_MASTER_SEED: &str = "19497";

/// The ids rspec itself lists for the suite, in definition order.
fn rspec_own_ids(sandbox: &Sandbox) -> Vec<String> {
    let listed = Command::new("rspec")
        .args([
            "--dry-run",
            "--order",
            "defined",
            "--format",
            "json",
            "--out",
            "own.json",
        ])
        .current_dir(sandbox.path())
        .output()
        .expect("run rspec");
    assert!(listed.status.success(), "{listed:?}");
    let own: Value =
        serde_json::from_str(&std::fs::read_to_string(sandbox.path().join("own.json")).unwrap())
            .unwrap();
    let ids: Vec<String> = own["examples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|example| example["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(own["summary"]["example_count"], ids.len());
    ids
}

/// Runs a printed command with a JSON report added, as rspec allows options after the ids, and
/// gives the ids in the order rspec ran them with whether each failed.
fn ran_in_order(sandbox: &Sandbox, command: &str) -> Vec<(String, bool)> {
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!("{command} --format json --out ran.json"))
        .current_dir(sandbox.path())
        .output()
        .expect("run sh");
    let ran: Value =
        serde_json::from_str(&std::fs::read_to_string(sandbox.path().join("ran.json")).unwrap())
            .unwrap_or_else(|e| panic!("`{command}` wrote no report ({e}): {output:?}"));
    ran["examples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|example| {
            (
                example["id"].as_str().unwrap().to_string(),
                example["status"] == "failed",
            )
        })
        .collect()
}

#[test]
fn awkward_names_are_all_counted_keep_unique_stable_ids_and_their_polluter_is_found() {
    if !require_rspec() {
        return;
    }
    let sandbox = Sandbox::with_suite(SHAPES);
    let own = rspec_own_ids(&sandbox);
    assert_eq!(own.len(), 9);
    let output = sandbox
        .bleed()
        .args(["hunt", "--cmd", "rspec", "--runs", "6", "--jobs", "2"])
        .args(["--seed", SHAPES_MASTER_SEED, "--json"])
        .output()
        .expect("run bleed");
    let report = util::json_exiting(&output, 1, "the planted victim flips");
    let flipped: Vec<&str> = util::flipped(&report);
    assert_eq!(flipped, [SHAPES_VICTIM]);
    let expected: BTreeSet<&str> = own.iter().map(String::as_str).collect();
    for run in sandbox.runs() {
        let ids: Vec<&str> = run["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|result| result["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids.len(), own.len(), "every example counted: {ids:?}");
        let unique: BTreeSet<&str> = ids.iter().copied().collect();
        assert_eq!(unique, expected, "unique, and the same ids in every run");
    }

    let started = std::time::Instant::now();
    let bisection = util::bisect_json(&sandbox, "rspec", SHAPES_VICTIM, &[]);
    eprintln!(
        "rspec shapes: bisected in {:.1}s: {}",
        started.elapsed().as_secs_f64(),
        bisection["reproducer"]["command"]
    );
    assert_eq!(bisection["verdict"], "polluted");
    assert_eq!(ids(&bisection["polluters"]), [SHAPES_POLLUTER]);
    // The version line bleed checked is the one the real program prints first.
    let printed = Command::new("rspec")
        .arg("--version")
        .output()
        .expect("ask the version");
    let first_line = String::from_utf8_lossy(&printed.stdout)
        .lines()
        .next()
        .map(String::from);
    assert_eq!(bisection["runner_version"].as_str(), first_line.as_deref());
    let reproducer = bisection["reproducer"]["command"].as_str().unwrap();
    let ran = ran_in_order(&sandbox, reproducer);
    assert_eq!(
        ran,
        [
            (SHAPES_POLLUTER.to_string(), false),
            (SHAPES_VICTIM.to_string(), true)
        ],
        "the reproducer runs exactly the order, and the victim fails: {reproducer}"
    );
    util::assert_nothing_ran_as_code(&sandbox);
}

/// An rspec too old for bleed (its JSON has no ids) is refused before the first run, in one line.
#[test]
fn an_rspec_older_than_3_6_is_refused_before_anything_runs() {
    let sandbox = Sandbox::with_suite(SHAPES);
    util::assert_too_old_is_refused(
        &sandbox,
        ("rspec", "--version", "3.5.4"),
        "old/rspec",
        "bleed needs rspec-core 3.6 or later",
    );
}
