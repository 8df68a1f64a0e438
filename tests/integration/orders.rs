//! `bleed hunt --order shuffle|reverse|pairs` and `--until-quiet`, against the real runners: the
//! orders bleed chooses reach the runner as chosen, keep together what the runner keeps
//! together, and find what the runner's own orders hardly ever show.

use std::collections::{BTreeSet, HashSet};
use std::process::Output;

use serde_json::Value;

use crate::util::{self, Sandbox};
use crate::{hunt_pytest, runner_cucumber, runner_rspec};

const PYTEST: &str = "python3 -m pytest -q -p randomly -p no:cacheprovider --randomly-seed=<seed>";

const ADJACENT: &str = "pytest/adjacent";
const LEAKS: &str = "tests/test_b.py::test_b3_opens_a_socket_and_forgets_it";
const SEES_THE_LEAK: &str = "tests/test_d.py::test_d2_finds_no_socket_open";

fn hunt(sandbox: &Sandbox, command: &str, args: &[&str]) -> Output {
    sandbox
        .bleed()
        .args(["hunt", "--cmd", command, "--json"])
        .args(args)
        .output()
        .expect("run bleed")
}

/// The recorded runs of the hunt (not the run that listed the suite), oldest first.
fn hunt_runs(sandbox: &Sandbox) -> Vec<Value> {
    sandbox
        .runs()
        .into_iter()
        .filter(|run| !run["index"].is_null())
        .collect()
}

fn order_of(run: &Value) -> Vec<String> {
    util::ids(&run["results"])
        .into_iter()
        .map(str::to_string)
        .collect()
}

fn kinds(hunt: &Value) -> Vec<(String, String)> {
    let mut kinds: Vec<(String, String)> = hunt["flips"]
        .as_array()
        .expect("flips")
        .iter()
        .map(|flip| {
            (
                flip["test"].as_str().unwrap().to_string(),
                flip["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    kinds.sort();
    kinds
}

/// The leak shows only in the test right after the leaking one, across modules: pytest-randomly
/// keeps each module's tests together and shows it about once in 125 runs; the pairs schedule
/// shows it within its 26 runs, and says it left no pair of tests unordered. Bisected, the leak
/// is the polluter, and any test between them cleans: told from a sample of three, not found by
/// probing all 23.
#[test]
fn pairs_finds_a_victim_only_adjacency_shows() {
    if !util::require_pytest() {
        return;
    }
    let sandbox = Sandbox::with_suite(ADJACENT);
    let output = hunt(
        &sandbox,
        PYTEST,
        &["--order", "pairs", "--seed", "5", "--bisect"],
    );
    let result = util::json_exiting(&output, 1, "hunting in pairs");
    let bisection = &result["bisections"][0];
    assert_eq!(bisection["victim"], SEES_THE_LEAK, "{result}");
    assert_eq!(bisection["polluters"][0]["id"], LEAKS);
    assert_eq!(bisection["cleaned_by_any"], 23);
    assert_eq!(bisection["cleaners"].as_array().unwrap().len(), 3);
    assert!(
        bisection["cleaner_probes"].as_u64().unwrap() <= 6,
        "{bisection}"
    );
    assert_eq!(result["order"], "pairs");
    assert_eq!(result["runs"]["total"], 26, "the whole schedule, no --runs");
    assert_eq!(
        kinds(&result),
        [(SEES_THE_LEAK.to_string(), "order-dependent".to_string())]
    );
    assert_eq!(result["coverage"]["missed_adjacent"], 0.0);
    assert_eq!(result["coverage"]["pairs"], 25 * 24);
    let runs = hunt_runs(&sandbox);
    let adjacent: HashSet<(String, String)> = runs
        .iter()
        .flat_map(|run| {
            let order = order_of(run);
            order
                .windows(2)
                .map(|w| (w[0].clone(), w[1].clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(
        adjacent.len(),
        25 * 24,
        "every ordered pair ran side by side"
    );
    for run in &runs {
        assert_eq!(run["order"], "pairs");
        let order = order_of(run);
        let failed = util::ids(&run["results"])
            .into_iter()
            .zip(run["results"].as_array().unwrap())
            .any(|(id, r)| id == SEES_THE_LEAK && util::is_failure(r["outcome"].as_str().unwrap()));
        let right_after = order
            .windows(2)
            .any(|w| w[0] == LEAKS && w[1] == SEES_THE_LEAK);
        assert_eq!(failed, right_after, "{order:?}");
    }
}

/// One run, in the natural order backwards: the run that listed the suite in pytest's own order
/// (pytest-randomly off), reversed exactly; the planted outcomes follow that order.
#[test]
fn reverse_runs_the_natural_order_backwards() {
    if !util::require_pytest() {
        return;
    }
    let sandbox = Sandbox::with_suite("pytest/suite");
    let output = hunt(&sandbox, PYTEST, &["--order", "reverse", "--seed", "5"]);
    let result = util::json(&output);
    assert_eq!(result["runs"]["total"], 1, "{result}");
    let runs = sandbox.runs();
    let listed = runs
        .iter()
        .find(|run| run["index"].is_null())
        .expect("the run that listed the suite");
    assert!(
        listed["command"]
            .as_str()
            .unwrap()
            .contains("-p no:randomly"),
        "{}",
        listed["command"]
    );
    let mut natural = order_of(listed);
    let files: Vec<&str> = natural
        .iter()
        .map(|id| id.split("::").next().unwrap())
        .collect();
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted, "pytest's own order: files in turn");
    natural.reverse();
    let reversed = hunt_runs(&sandbox);
    assert_eq!(order_of(&reversed[0]), natural);
    hunt_pytest::PLANT.assert_outcomes_follow_the_order(&reversed[0]);
    util::assert_nothing_ran_as_code(&sandbox);
}

/// `--until-quiet 3`: the hunt stops once three runs in a row brought no new failure, says so,
/// and run again has nothing left to do; shuffles cross module boundaries, as pytest-randomly
/// never does.
#[test]
fn a_shuffled_hunt_stops_when_quiet_and_stays_stopped() {
    if !util::require_pytest() {
        return;
    }
    let sandbox = Sandbox::with_suite("pytest/suite");
    let args = ["--order", "shuffle", "--until-quiet", "3", "--seed", "5"];
    let result = util::json_exiting(&hunt(&sandbox, PYTEST, &args), 1, "hunting until quiet");
    let quiet = &result["quiet"];
    assert_eq!(quiet["stopped_early"], true, "{result}");
    assert_eq!(quiet["quiet_runs"], 3);
    let total = result["runs"]["total"].as_u64().unwrap();
    assert!((4..100).contains(&total), "{result}");
    assert_eq!(
        result["runs"]["asked"], total,
        "stopping quiet is no shortfall"
    );
    let flipped: BTreeSet<&str> = util::flipped(&result).into_iter().collect();
    let planted: BTreeSet<&str> = [
        hunt_pytest::V1,
        hunt_pytest::V2,
        hunt_pytest::V3,
        hunt_pytest::B4,
        hunt_pytest::V5,
    ]
    .into();
    assert_eq!(flipped, planted);
    let runs = hunt_runs(&sandbox);
    let interleaved = runs.iter().any(|run| {
        let files: Vec<String> = order_of(run)
            .iter()
            .map(|id| id.split("::").next().unwrap().to_string())
            .collect();
        let mut changes = files.windows(2).filter(|w| w[0] != w[1]).count();
        changes += 1;
        changes > files.iter().collect::<HashSet<_>>().len()
    });
    assert!(interleaved, "some shuffle ran a module's tests apart");
    for run in &runs {
        hunt_pytest::PLANT.assert_outcomes_follow_the_order(run);
    }

    let again = util::json_exiting(&hunt(&sandbox, PYTEST, &args), 1, "hunting again");
    assert_eq!(again["new_runs"], 0, "{again}");
    assert_eq!(again["runs"]["total"], total);
}

/// The same command and master seed with another `--order` is another hunt: neither counts
/// the other's runs.
#[test]
fn each_order_is_a_hunt_of_its_own() {
    if !util::require_pytest() {
        return;
    }
    let sandbox = Sandbox::with_suite("pytest/suite");
    let runner = util::json(&hunt(&sandbox, PYTEST, &["--runs", "2", "--seed", "5"]));
    let shuffled = util::json(&hunt(
        &sandbox,
        PYTEST,
        &["--runs", "3", "--seed", "5", "--order", "shuffle"],
    ));
    let runner_again = util::json(&hunt(&sandbox, PYTEST, &["--runs", "2", "--seed", "5"]));
    assert_eq!(runner["runs"]["total"], 2);
    assert_eq!(shuffled["runs"]["total"], 3);
    assert_eq!(shuffled["new_runs"], 3);
    assert_eq!(runner_again["new_runs"], 0);
    assert_eq!(runner_again["runs"]["total"], 2);
    let ids: HashSet<String> = sandbox
        .runs()
        .iter()
        .map(|run| run["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), sandbox.runs().len(), "run ids are unique");
}

/// RSpec runs each example group whole, its own examples before its nested groups: every pairs
/// order keeps to that (the runner refuses any other), the planted outcomes follow the orders,
/// and the hunt says what RSpec keeps together.
#[test]
fn rspec_pairs_keep_each_example_group_together() {
    if !util::require_runner("rspec", &[&["rspec", "--version"]]) {
        return;
    }
    let sandbox = Sandbox::with_suite(runner_rspec::SUITE);
    let output = hunt(&sandbox, "rspec", &["--order", "pairs", "--seed", "5"]);
    let result = util::json_exiting(&output, 1, "hunting rspec in pairs");
    assert!(
        result["kept_together"]
            .as_str()
            .is_some_and(|kept| kept.contains("example group")),
        "{result}"
    );
    let planted: BTreeSet<&str> = [
        runner_rspec::V1,
        runner_rspec::V2,
        runner_rspec::V3,
        runner_rspec::B4,
        runner_rspec::V5,
    ]
    .into();
    let flipped: BTreeSet<&str> = util::flipped(&result).into_iter().collect();
    assert_eq!(flipped, planted);
    let runs = hunt_runs(&sandbox);
    assert_eq!(runs.len() as u64, result["pairs_runs"].as_u64().unwrap());
    for run in &runs {
        runner_rspec::PLANT.assert_outcomes_follow_the_order(run);
        assert_groups_stay_together(&order_of(run));
    }
}

/// Each group, named by a prefix of the scoped ids (`./spec/a_spec.rb[2:1`), runs in one
/// stretch.
fn assert_groups_stay_together(order: &[String]) {
    let mut finished: HashSet<String> = HashSet::new();
    let mut open: Vec<String> = Vec::new();
    for id in order {
        let (file, scoped) = id.rsplit_once('[').unwrap();
        let numbers: Vec<&str> = scoped.trim_end_matches(']').split(':').collect();
        let groups: Vec<String> = (1..numbers.len())
            .map(|depth| format!("{file}[{}", numbers[..depth].join(":")))
            .collect();
        open.retain(|group| {
            let still = groups.contains(group);
            if !still {
                finished.insert(group.clone());
            }
            still
        });
        for group in groups {
            assert!(!finished.contains(&group), "{group} split in {order:?}");
            if !open.contains(&group) {
                open.push(group);
            }
        }
    }
}

/// cucumber runs any list of scenarios in the order given: shuffles mix the features'
/// scenarios, and the planted outcomes follow the orders.
#[test]
fn cucumber_shuffles_cross_feature_files() {
    if !util::require_runner("cucumber", &[&["cucumber", "--version"]]) {
        return;
    }
    let sandbox = Sandbox::with_suite("cucumber");
    let command = "cucumber --order random:<seed>";
    let output = hunt(
        &sandbox,
        command,
        &["--order", "shuffle", "--runs", "4", "--seed", "5"],
    );
    let result = util::json(&output);
    assert_eq!(result["runs"]["ok"], 4, "{result}");
    let runs = hunt_runs(&sandbox);
    let mixed = runs.iter().any(|run| {
        let order = order_of(run);
        let file = |id: &String| id.split(':').next().unwrap().to_string();
        let mut seen: Vec<String> = Vec::new();
        order.iter().map(file).any(|f| {
            let returns = seen.last() != Some(&f) && seen.contains(&f);
            seen.push(f);
            returns
        })
    });
    assert!(mixed, "a feature's scenarios ran apart in some shuffle");
    for run in &runs {
        runner_cucumber::PLANT.assert_outcomes_follow_the_order(run);
    }
}

/// go test cannot run an order bleed chooses: refused before anything runs, with the way on.
#[test]
fn go_refuses_orders_it_cannot_run() {
    if !util::require_runner("go", &[&["go", "version"]]) {
        return;
    }
    let sandbox = Sandbox::with_suite("go");
    let output = hunt(
        &sandbox,
        "go test ./... -shuffle=<seed>",
        &["--order", "pairs", "--seed", "5"],
    );
    assert_eq!(util::exit_code(&output), 2);
    let error = util::stderr(&output);
    assert!(
        error.contains("--order pairs") && error.contains("hunt with --order runner"),
        "{error}"
    );
    assert!(sandbox.runs().is_empty());
}

/// A generic command shuffles under `<seed>`, which bleed cannot turn off: the suite is listed
/// by one seeded run, and the pairs schedule then runs through `--replay-cmd`. Reversing needs
/// the natural order, which such a command cannot give: refused in one line.
#[test]
fn a_generic_command_with_a_seed_is_listed_by_one_seeded_run() {
    if !util::require_runner("python3", &[&["python3", "--version"]]) {
        return;
    }
    let sandbox = Sandbox::with_suite("faults");
    let generic = [
        "--runner",
        "generic",
        "--replay-cmd",
        "python3 suite.py --tests <tests-file> <report>",
        "--seed",
        "5",
    ];
    let command = "python3 suite.py <seed> <report>";
    let mut args = generic.to_vec();
    args.extend(["--order", "pairs"]);
    let result = util::json_exiting(
        &hunt(&sandbox, command, &args),
        1,
        "pairs of a generic suite",
    );
    assert_eq!(result["runs"]["total"], 8, "{result}");
    assert_eq!(result["coverage"]["missed_adjacent"], 0.0);
    assert_eq!(util::flipped(&result), ["suite::victim"]);
    let listed = sandbox
        .runs()
        .into_iter()
        .find(|run| run["index"].is_null())
        .expect("the run that listed the suite");
    assert!(listed["seed"].is_u64(), "{listed}");

    let mut args = generic.to_vec();
    args.extend(["--order", "reverse"]);
    let refused = hunt(&sandbox, command, &args);
    assert_eq!(util::exit_code(&refused), 2, "{}", util::stderr(&refused));
    assert!(util::stderr(&refused).contains("--order runner"));
}
