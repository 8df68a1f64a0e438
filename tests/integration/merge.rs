//! `bleed merge`: the stores of hunts run on several machines, and stores downloaded from CI,
//! merged into one that `hunt`, `report` and `bisect` use as if one machine had made them.

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::hunt_pytest::V1;
use crate::util::{self, Sandbox, exit_code, json, json_exiting, stderr};

const HUNT: &str = "python3 -m pytest -q -p randomly -p no:cacheprovider --randomly-seed=<seed>";

fn hunt(sandbox: &Sandbox, runs: &str) -> Value {
    let output = sandbox
        .bleed()
        .args([
            "hunt", "--cmd", HUNT, "--seed", "7", "--runs", runs, "--json",
        ])
        .output()
        .expect("run bleed hunt");
    json_exiting(&output, 1, &format!("hunting {runs} runs"))
}

fn merge(sandbox: &Sandbox, args: &[&str]) -> (i32, String, String) {
    let output = sandbox
        .bleed()
        .arg("merge")
        .args(args)
        .output()
        .expect("run bleed merge");
    (
        exit_code(&output),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr(&output),
    )
}

/// What a flip list says, in an order that does not depend on how the runs were split.
fn flips(hunt: &Value) -> Vec<(String, String, Vec<u64>)> {
    let mut flips: Vec<(String, String, Vec<u64>)> = hunt["flips"]
        .as_array()
        .expect("flips[]")
        .iter()
        .map(|f| {
            let mut seeds: Vec<u64> = f["failed_seeds"]
                .as_array()
                .expect("failed_seeds[]")
                .iter()
                .map(|s| s.as_u64().expect("a seed"))
                .collect();
            seeds.sort();
            (
                f["test"].as_str().expect("a test").to_string(),
                f["kind"].as_str().expect("a kind").to_string(),
                seeds,
            )
        })
        .collect();
    flips.sort();
    flips
}

fn lines(path: &Path) -> usize {
    fs::read_to_string(path).map_or(0, |text| text.lines().count())
}

/// Two machines ran the same hunt (one 6 runs of it, the other all 12): merged, the hunt has
/// nothing left to run and says what the machine that ran all 12 said; a seed that came from
/// either machine can be bisected from the merged store.
#[test]
fn merged_shards_leave_the_hunt_nothing_to_run() {
    if !util::require_pytest() {
        return;
    }
    let first = Sandbox::with_suite("pytest/suite");
    let second = Sandbox::with_suite("pytest/suite");
    hunt(&first, "6");
    let whole = hunt(&second, "12");
    let merged = Sandbox::with_suite("pytest/suite");
    let (code, out, err) = merge(
        &merged,
        &[
            first.path().to_str().unwrap(),
            second.path().join(".bleed").to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("merged 12 runs (6 already there), "),
        "{out}"
    );
    assert!(out.ends_with("from 2 stores into .bleed\n"), "{out}");
    assert!(
        err.contains(&format!(
            "found the store {}/.bleed in {}",
            first.path().display(),
            first.path().display()
        )),
        "the store nested in the first source is named: {err}"
    );
    assert!(
        err.contains("6 records of") && err.contains("kept .bleed's"),
        "the 6 seeds both machines ran are named once: {err}"
    );
    let store = merged.path().join(".bleed");
    for run in merged.runs() {
        let log = run["log"].as_str().expect("a log");
        assert!(
            store.join(log).is_file(),
            "the log of {} came along",
            run["id"]
        );
    }
    let confirmations = lines(&store.join("confirmations.jsonl"));
    assert_eq!(
        confirmations,
        lines(&first.path().join(".bleed/confirmations.jsonl"))
            + lines(&second.path().join(".bleed/confirmations.jsonl")),
        "each machine's confirmation runs are its own, though both number theirs from 1"
    );

    let again = hunt(&merged, "12");
    assert_eq!(again["new_runs"], 0, "nothing left to run");
    assert_eq!(
        flips(&again),
        flips(&whole),
        "the one-machine hunt's result"
    );

    let (code, out, _) = merge(
        &merged,
        &[
            first.path().to_str().unwrap(),
            second.path().to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0);
    assert!(
        out.starts_with("merged 0 runs (18 already there) from 2 stores"),
        "{out}"
    );
    assert_eq!(merged.runs().len(), 12);
    assert_eq!(lines(&store.join("confirmations.jsonl")), confirmations);

    let seed = merged
        .runs()
        .iter()
        .find(|run| {
            run["results"]
                .as_array()
                .expect("results[]")
                .iter()
                .any(|t| t["id"] == V1 && util::is_failure(t["outcome"].as_str().unwrap()))
        })
        .and_then(|run| run["seed"].as_u64())
        .expect("the planted victim failed in some run");
    let bisection = util::bisect(&merged, V1, &["--seed", &seed.to_string()]);
    assert!(
        bisection["origin"]
            .as_str()
            .is_some_and(|o| o.starts_with("recorded run")),
        "the merged run of seed {seed} is found: {}",
        bisection["origin"]
    );
    assert_eq!(util::ids(&bisection["polluters"]), [crate::hunt_pytest::P1]);
}

/// A downloaded CI artifact holds the store one level down, and a folder of artifacts holds one
/// store per shard: merged, the report is the one of the store they were split from.
#[test]
fn stores_are_found_in_artifact_folders_and_report_as_one() {
    let original = Sandbox::with_suite("stores/pytest");
    let sandbox = Sandbox::new();
    let runs = fs::read_to_string(original.path().join("runs.jsonl")).unwrap();
    let (early, late): (Vec<&str>, Vec<&str>) = runs.lines().partition(|line| {
        let run: Value = serde_json::from_str(line).unwrap();
        run["index"].as_u64().unwrap() < 15
    });
    sandbox.write("artifacts/shard-1/runs.jsonl", &(early.join("\n") + "\n"));
    sandbox.write("artifacts/shard-2/runs.jsonl", &(late.join("\n") + "\n"));
    for file in ["confirmations.jsonl", "bisections.jsonl"] {
        let text = fs::read_to_string(original.path().join(file)).unwrap();
        sandbox.write(&format!("artifacts/shard-2/{file}"), &text);
    }
    sandbox.write(
        "nested/shard-1/.bleed/runs.jsonl",
        &(early.join("\n") + "\n"),
    );

    let (code, out, err) = merge(&sandbox, &["artifacts"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("merged 30 runs, ") && out.ends_with("from 2 stores into .bleed\n"),
        "{out}"
    );
    assert!(
        err.contains("found the store artifacts/shard-1 in artifacts"),
        "{err}"
    );
    let report = |sandbox: &Sandbox, store: &str| {
        let output = sandbox
            .bleed()
            .args(["report", "--store", store, "--format", "json"])
            .output()
            .expect("run bleed report");
        json_exiting(&output, 1, "reporting")
    };
    // The same store where a report looks by default: the bisect commands it suggests name a
    // store only when it is another.
    let one_machine = Sandbox::new();
    for file in ["runs.jsonl", "confirmations.jsonl", "bisections.jsonl"] {
        let text = fs::read_to_string(original.path().join(file)).unwrap();
        one_machine.write(&format!(".bleed/{file}"), &text);
    }
    assert_eq!(report(&sandbox, ".bleed"), report(&one_machine, ".bleed"));

    let (code, out, err) = merge(&sandbox, &["nested/shard-1"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("merged 0 runs (15 already there)"), "{out}");
    assert!(
        err.contains("found the store nested/shard-1/.bleed in nested/shard-1"),
        "{err}"
    );
    let source = fs::read_to_string(sandbox.path().join("artifacts/shard-1/runs.jsonl")).unwrap();
    assert_eq!(source, early.join("\n") + "\n", "sources are only read");

    let (code, _, err) = merge(&sandbox, &["nowhere", "artifacts"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = merge(&sandbox, &["nested"]);
    assert_eq!(code, 2, "two levels down is not looked at: {err}");
    assert!(err.contains("no store in nested"), "{err}");
    let (code, _, err) = merge(&sandbox, &[".bleed"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is the store being merged into"), "{err}");
}

/// A store whose runs share no command and no test with the target's is another suite's: it is
/// refused, naming both, and nothing is merged; --force merges it.
#[test]
fn a_store_of_another_suite_is_refused_unless_forced() {
    let sandbox = Sandbox::with_suite("stores/pytest");
    let rspec = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/reports/rspec/seeded.json");
    let imported = sandbox
        .bleed()
        .args(["import", "--store", "other", "--cmd", "rspec --seed <seed>"])
        .arg(&rspec)
        .output()
        .expect("run bleed import");
    assert_eq!(exit_code(&imported), 0, "{}", stderr(&imported));
    let before = fs::read_to_string(sandbox.path().join("runs.jsonl")).unwrap();

    let (code, out, err) = merge(&sandbox, &["--store", ".", "other"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("other holds another suite")
            && err.contains("`rspec --seed <seed>`")
            && err.contains(&format!("`{HUNT}`"))
            && err.contains("--force"),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(sandbox.path().join("runs.jsonl")).unwrap(),
        before,
        "nothing merged"
    );

    let (code, out, err) = merge(&sandbox, &["--store", ".", "--force", "other"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "merged 1 run from 1 store into .\n");
    let report = sandbox
        .bleed()
        .args(["report", "--store", ".", "--format", "json"])
        .output()
        .expect("run bleed report");
    assert_eq!(json(&report)["health"]["runs"], 31);
}
