//! `bleed hunt --shard`: shards of one hunt run side by side, each in its own copy of the
//! planted pytest suite with its own store, make together exactly the runs of a one-machine
//! hunt, and once `bleed merge`d their store gives the same flips without running anything more.

use std::collections::BTreeMap;
use std::process::Output;

use serde_json::Value;

use crate::util::{self, Sandbox};

const SUITE: &str = "pytest/suite";
const COMMAND: &str = "python3 -m pytest -q -p randomly --randomly-seed=<seed> \
    --junitxml=<report> -o junit_family=xunit1 tests";
/// As in hunt_pytest.rs: under its first 12 run seeds every planted victim fails and passes.
const MASTER_SEED: &str = "19497";
const RUNS: u64 = 12;
const SHARDS: u64 = 3;

/// Every CI variable `--shard auto` reads: a test run on CI must not see its own.
const CI_VARIABLES: [&str; 10] = [
    "CIRCLE_NODE_INDEX",
    "CIRCLE_NODE_TOTAL",
    "CI_NODE_INDEX",
    "CI_NODE_TOTAL",
    "BUILDKITE_PARALLEL_JOB",
    "BUILDKITE_PARALLEL_JOB_COUNT",
    "SEMAPHORE_JOB_INDEX",
    "SEMAPHORE_JOB_COUNT",
    "BITBUCKET_PARALLEL_STEP",
    "BITBUCKET_PARALLEL_STEP_COUNT",
];

fn hunt(sandbox: &Sandbox, runs: u64, extra: &[&str]) -> Output {
    let mut command = sandbox.bleed();
    for name in CI_VARIABLES {
        command.env_remove(name);
    }
    command
        .args(["hunt", "--cmd", COMMAND, "--seed", MASTER_SEED, "--json"])
        .args(["--runs", &runs.to_string()])
        .args(extra)
        .output()
        .expect("run bleed")
}

/// A store's runs by index, with their seeds.
fn indexes_and_seeds(sandbox: &Sandbox) -> Vec<(u64, u64)> {
    let mut pairs: Vec<(u64, u64)> = sandbox
        .runs()
        .iter()
        .map(|run| {
            (
                run["index"].as_u64().expect("a hunt's run has an index"),
                run["seed"].as_u64().expect("and a seed"),
            )
        })
        .collect();
    pairs.sort();
    pairs
}

/// What a hunt says of each flip that does not depend on which confirmation runs were made:
/// its kind, its counts and its seeds, in the hunt's order (the table shows the first).
fn flips(report: &Value) -> BTreeMap<String, Value> {
    report["flips"]
        .as_array()
        .expect("flips[]")
        .iter()
        .map(|flip| {
            let test = flip["test"].as_str().expect("a flip names its test");
            let summary = serde_json::json!({
                "kind": flip["kind"],
                "failed": flip["failed"],
                "passed": flip["passed"],
                "failed_seeds": flip["failed_seeds"],
                "passed_seeds": flip["passed_seeds"],
            });
            (test.to_string(), summary)
        })
        .collect()
}

/// `bleed merge` of the shards' stores into `into`'s, as a CI job merges the artifacts.
fn merge(into: &Sandbox, shards: &[Sandbox]) {
    let output = into
        .bleed()
        .arg("merge")
        .args(shards.iter().map(|shard| shard.path().join(".bleed")))
        .output()
        .expect("run bleed merge");
    assert_eq!(
        util::exit_code(&output),
        0,
        "merging the shards; stderr:\n{}",
        util::stderr(&output)
    );
    eprintln!("{}", String::from_utf8_lossy(&output.stdout));
}

fn confirmations(report: &Value) -> u64 {
    report["runs"]["confirmations"]
        .as_u64()
        .expect("runs.confirmations")
}

#[test]
fn shards_side_by_side_merge_into_the_one_machine_hunt() {
    if !util::require_pytest() {
        return;
    }
    let shards: Vec<Sandbox> = (0..SHARDS).map(|_| Sandbox::with_suite(SUITE)).collect();
    // A shard that made part of its share already carries on from there.
    let started = hunt(&shards[0], 6, &["--shard", "1/3", "--no-confirm"]);
    util::json_exiting(&started, 1, "the first half of shard 1/3");
    assert_eq!(
        indexes_and_seeds(&shards[0])
            .iter()
            .map(|(i, _)| *i)
            .collect::<Vec<_>>(),
        [0, 3]
    );

    let outputs: Vec<Output> = std::thread::scope(|scope| {
        let running: Vec<_> = shards
            .iter()
            .enumerate()
            .map(|(i, shard)| {
                let which = format!("{}/{SHARDS}", i + 1);
                scope.spawn(move || hunt(shard, RUNS, &["--shard", &which]))
            })
            .collect();
        running
            .into_iter()
            .map(|h| h.join().expect("a shard's thread"))
            .collect()
    });
    let mut made_by_shards = 0;
    for (i, (output, shard)) in outputs.iter().zip(&shards).enumerate() {
        let k = i as u64 + 1;
        let report = util::json_exiting(output, 1, &format!("shard {k}/{SHARDS}"));
        let stderr = util::stderr(output);
        let share: Vec<u64> = (0..RUNS).filter(|i| i % SHARDS == k - 1).collect();
        assert!(
            stderr.contains(&format!(
                "bleed: shard {k}/{SHARDS}: runs {} (4 of 12)",
                share
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            "{stderr}"
        );
        assert_eq!(report["runs"]["asked"], 4, "{}", report["runs"]);
        assert_eq!(report["runs"]["ok"], 4, "{}", report["runs"]);
        assert_eq!(
            report["shard"],
            serde_json::json!({"k": k, "n": SHARDS, "hunt_runs": RUNS})
        );
        let continued = k == 1;
        assert_eq!(report["new_runs"], if continued { 2 } else { 4 });
        assert_eq!(
            stderr.contains(
                "continuing shard 1/3 of the hunt with master seed 19497: 2 runs recorded, 2 to go"
            ),
            continued,
            "{stderr}"
        );
        let indexes: Vec<u64> = indexes_and_seeds(shard).iter().map(|(i, _)| *i).collect();
        assert_eq!(indexes, share, "shard {k} made its share and nothing else");
        made_by_shards += confirmations(&report);
    }

    let one = Sandbox::with_suite(SUITE);
    let alone = util::json_exiting(&hunt(&one, RUNS, &[]), 1, "the one-machine hunt");

    let merged = Sandbox::with_suite(SUITE);
    merge(&merged, &shards);
    assert_eq!(
        indexes_and_seeds(&merged),
        indexes_and_seeds(&one),
        "the shards made the one machine's runs, none twice"
    );
    assert_eq!(util::runs_by_seed(&merged), util::runs_by_seed(&one));

    let again = util::json_exiting(&hunt(&merged, RUNS, &[]), 1, "the hunt on the merged store");
    assert_eq!(again["new_runs"], 0, "no hunt run was left to make");
    assert_eq!(
        confirmations(&again),
        made_by_shards,
        "the shards' confirmation runs settled every flip"
    );
    assert_eq!(again["runs"], {
        let mut counts = alone["runs"].clone();
        counts["confirmations"] = made_by_shards.into();
        counts
    });
    assert_eq!(flips(&again), flips(&alone));
    assert_eq!(flips(&again).len(), 5, "the planted victims: {again}");
    assert_eq!(again["always_failing"], alone["always_failing"]);
}

/// Each CI's own variables, in its own numbering, pick the shard; with one run in the hunt no
/// shard past the first has anything to run, so this runs no suite.
#[test]
fn shard_auto_reads_each_ci_in_its_numbering() {
    let sandbox = Sandbox::new();
    let cases: [(&str, &str, &str, &str, &str); 5] = [
        ("CIRCLE_NODE_INDEX", "1", "CIRCLE_NODE_TOTAL", "4", "2/4"),
        ("CI_NODE_INDEX", "3", "CI_NODE_TOTAL", "3", "3/3"),
        (
            "BUILDKITE_PARALLEL_JOB",
            "2",
            "BUILDKITE_PARALLEL_JOB_COUNT",
            "4",
            "3/4",
        ),
        (
            "SEMAPHORE_JOB_INDEX",
            "2",
            "SEMAPHORE_JOB_COUNT",
            "2",
            "2/2",
        ),
        (
            "BITBUCKET_PARALLEL_STEP",
            "1",
            "BITBUCKET_PARALLEL_STEP_COUNT",
            "3",
            "2/3",
        ),
    ];
    for (index, i, total, n, shard) in cases {
        let mut command = sandbox.bleed();
        for name in CI_VARIABLES {
            command.env_remove(name);
        }
        let output = command
            .env(index, i)
            .env(total, n)
            .args([
                "hunt",
                "--cmd",
                COMMAND,
                "--seed",
                MASTER_SEED,
                "--runs",
                "1",
            ])
            .args(["--shard", "auto", "--json"])
            .output()
            .expect("run bleed");
        let report = util::json_exiting(&output, 0, &format!("{index}={i} {total}={n}"));
        let (k, of) = shard.split_once('/').unwrap();
        assert_eq!(report["shard"]["k"].to_string(), k);
        assert_eq!(report["shard"]["n"].to_string(), of);
        assert_eq!(report["runs"]["asked"], 0);
        assert_eq!(
            util::stderr(&output).trim_end(),
            format!(
                "bleed: shard {shard} (from {}'s {index}={i}, {total}={n}): no runs, since the hunt has only 1",
                ci_name(index)
            )
        );
    }
    assert!(sandbox.runs().is_empty(), "nothing ran");
}

fn ci_name(index_variable: &str) -> &'static str {
    match index_variable {
        "CIRCLE_NODE_INDEX" => "CircleCI",
        "CI_NODE_INDEX" => "GitLab",
        "BUILDKITE_PARALLEL_JOB" => "Buildkite",
        "SEMAPHORE_JOB_INDEX" => "Semaphore",
        _ => "Bitbucket",
    }
}

#[test]
fn a_shard_without_a_master_seed_or_ci_is_refused_before_anything_runs() {
    let sandbox = Sandbox::new();
    let refusals = [
        (&["--shard", "2/4"][..], "--shard needs --seed"),
        (&["--shard", "auto"][..], "--shard needs --seed"),
        (
            &["--shard", "auto", "--seed", "7"][..],
            "--shard auto found no CI parallelism variables",
        ),
        (
            &["--shard", "0/3", "--seed", "7"][..],
            "--shard 0/3: shards are counted from 1",
        ),
        (
            &["--shard", "4/3", "--seed", "7"][..],
            "--shard 4/3: there is no shard 4 of 3",
        ),
    ];
    for (args, refusal) in refusals {
        let mut command = sandbox.bleed();
        for name in CI_VARIABLES {
            command.env_remove(name);
        }
        let output = command
            .args(["hunt", "--cmd", COMMAND])
            .args(args)
            .output()
            .expect("run bleed");
        let stderr = util::stderr(&output);
        assert_eq!(util::exit_code(&output), 2, "{args:?}: {stderr}");
        assert!(
            stderr.starts_with(&format!("bleed: error: {refusal}")) && stderr.lines().count() == 1,
            "{args:?}: {stderr}"
        );
    }
    assert!(!sandbox.path().join(".bleed").exists(), "no store was made");
}
