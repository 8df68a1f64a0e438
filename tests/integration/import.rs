//! `bleed import`: the reports of CI runs bleed did not start, recorded as runs that `bleed
//! report` counts like any other.

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::hunt_pytest::{PLANT, V1};
use crate::util::{self, Sandbox, exit_code, json_exiting, stderr};
use crate::{
    runner_cucumber as cucumber, runner_gotest as go, runner_jest as jest, runner_mocha as mocha,
};

fn import(sandbox: &Sandbox, args: &[&str]) -> (i32, String, String) {
    let output = sandbox
        .bleed()
        .arg("import")
        .args(args)
        .output()
        .expect("run bleed import");
    (
        exit_code(&output),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr(&output),
    )
}

/// Six nightly CI runs of the planted pytest suite, each under its own pytest-randomly seed,
/// kept as JUnit reports in folders named after the seed, beside a file that is no report.
#[test]
fn junit_reports_from_ci_are_runs_the_report_counts() {
    if !util::require_pytest() {
        return;
    }
    let sandbox = Sandbox::with_suite("pytest/suite");
    for seed in 1..=6 {
        let ran = sandbox.sh(&format!(
            "python3 -m pytest -q -p randomly -p no:cacheprovider --randomly-seed={seed} \
             --junitxml=ci/nightly-seed-{seed}/junit.xml"
        ));
        assert!(
            ran.status.code() == Some(1),
            "a planted victim fails: {ran:?}"
        );
    }
    sandbox.write("ci/package.json", "{\"name\": \"not a report\"}\n");

    let (code, out, err) = import(&sandbox, &["ci", "--seed-from", r"seed-(\d+)"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "imported 6 runs from 7 files into .bleed; 1 file skipped (not test reports)\n"
    );
    assert!(err.contains("skipped ci/package.json"), "{err}");
    let runs = sandbox.runs();
    let mut seeds: Vec<u64> = runs.iter().map(|r| r["seed"].as_u64().unwrap()).collect();
    seeds.sort();
    assert_eq!(
        seeds,
        [1, 2, 3, 4, 5, 6],
        "each seed from its folder's name"
    );
    for run in &runs {
        assert_eq!(run["template"], "imported");
        assert_eq!(run["runner"], "pytest", "pytest's report, read as pytest's");
        assert_eq!(
            run["imported"],
            format!("ci/nightly-seed-{}/junit.xml", run["seed"])
        );
        assert_eq!(run["status"], "ok");
        assert!(run["index"].is_null() && run["master_seed"].is_null());
        assert!(
            run["wall_seconds"].as_f64().unwrap() > 0.0,
            "the suite's time"
        );
        // pytest's JUnit timestamp, made UTC as bleed records times.
        assert!(
            run["started_at"].as_str().unwrap().ends_with('Z'),
            "{}",
            run["started_at"]
        );
        PLANT.assert_outcomes_follow_the_order(run);
    }
    let failing_seeds: Vec<u64> = runs
        .iter()
        .filter(|run| {
            run["results"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["id"] == V1 && util::is_failure(t["outcome"].as_str().unwrap()))
        })
        .map(|run| run["seed"].as_u64().unwrap())
        .collect();
    assert!(
        !failing_seeds.is_empty(),
        "the planted victim failed in some run"
    );

    let output = sandbox
        .bleed()
        .args(["report", "--format", "json"])
        .output()
        .expect("run bleed report");
    let report = json_exiting(&output, 1, "reporting on imported runs");
    assert_eq!(report["health"]["runs"], 6);
    let hunts = report["health"]["hunts"].as_array().unwrap();
    assert_eq!(hunts.len(), 1, "{hunts:?}");
    assert_eq!(hunts[0]["imported"], true);
    assert!(hunts[0].get("master_seed").is_none());
    let victim: &Value = report["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == V1)
        .expect("the planted victim");
    assert_eq!(victim["failures"], failing_seeds.len());
    assert_eq!(victim["runs"], 6);
    let mut reported: Vec<u64> = victim["failed_seeds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_u64().unwrap())
        .collect();
    reported.sort();
    assert_eq!(reported, failing_seeds);
    assert!(victim["kind"].is_string(), "a failing test has a kind");

    let bisect = sandbox
        .bleed()
        .args(["bisect", "--victim", V1])
        .output()
        .expect("run bleed bisect");
    assert_eq!(exit_code(&bisect), 2, "{}", stderr(&bisect));
    assert!(
        stderr(&bisect).contains("give --cmd"),
        "a run imported without --cmd does not say what to run: {}",
        stderr(&bisect)
    );

    let before = fs::read_to_string(sandbox.path().join(".bleed/runs.jsonl")).unwrap();
    let (code, out, _) = import(&sandbox, &["ci", "--seed-from", r"seed-(\d+)"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("imported 0 runs (6 already there)"),
        "{out}"
    );
    assert_eq!(
        fs::read_to_string(sandbox.path().join(".bleed/runs.jsonl")).unwrap(),
        before,
        "importing again adds nothing"
    );
}

/// The runners' own JSON reports: RSpec's carries its seed, Jest's its start time.
#[test]
fn runners_json_reports_are_recognised_with_what_they_carry() {
    let sandbox = Sandbox::new();
    let reports = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/reports");
    for (from, to) in [
        ("rspec/seeded.json", "ci/rspec.json"),
        ("jest/planted.json", "ci/jest.json"),
        ("go/shuffled.json", "ci/go.json"),
    ] {
        let text = fs::read_to_string(reports.join(from)).unwrap();
        sandbox.write(to, &text);
    }
    let (code, out, err) = import(&sandbox, &["ci"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "imported 3 runs from 3 files into .bleed\n");
    let runs = sandbox.runs();
    let run = |runner: &str| {
        runs.iter()
            .find(|r| r["runner"] == runner)
            .unwrap_or_else(|| panic!("a {runner} run: {runs:?}"))
    };
    assert_eq!(run("rspec")["seed"], 3);
    assert_eq!(run("go")["seed"], 5, "from go's -test.shuffle line");
    assert!(run("jest")["seed"].is_null());
    assert_eq!(run("jest")["started_at"], "2026-11-22T02:44:59.267Z");
    assert_eq!(
        run("rspec")["results"][0]["id"],
        "./spec/it's \"quoted\" $(touch pwned)_spec.rb[1:1]",
        "the runner's own ids, in the report's order"
    );

    let (code, _, err) = import(&sandbox, &["ci", "--seed-from", r"seed-\d+"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("exactly one capture group"), "{err}");
    let (code, _, err) = import(&sandbox, &["no-such-dir"]);
    assert_eq!(code, 2, "{err}");
    let fresh = Sandbox::new();
    fs::create_dir(fresh.path().join("empty")).unwrap();
    let (code, _, err) = import(&fresh, &["empty"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        err,
        "bleed: error: no file with a report's extension (.xml, .json, .jsonl, .ndjson) in empty\n"
    );
    assert!(!fresh.path().join(".bleed").exists(), "no store was made");
}

/// The runs of `report --format json` reports for `test`: its failures and its failing seeds.
fn reported(sandbox: &Sandbox, test: &str) -> (u64, Vec<u64>) {
    let output = sandbox
        .bleed()
        .args(["report", "--format", "json"])
        .output()
        .expect("run bleed report");
    let report = json_exiting(&output, 1, "reporting on imported runs");
    let entry = report["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == test)
        .unwrap_or_else(|| panic!("{test} in the report: {report}"));
    let mut seeds: Vec<u64> = entry["failed_seeds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_u64().unwrap())
        .collect();
    seeds.sort();
    (entry["failures"].as_u64().unwrap(), seeds)
}

/// Jest's JSON names each test file by its absolute path on the machine that ran it. Made in
/// one checkout and imported in another, as a CI artifact is, its tests get the ids they have
/// when Jest runs here, so the report counts them with the hunts' runs and bisect can run them.
#[test]
fn a_jest_report_from_another_machine_names_the_tests_as_here() {
    if !jest::require_jest() {
        return;
    }
    let ci = Sandbox::with_node_suite(jest::SUITE, jest::NODE_MODULES);
    ci.sh(&format!(
        "node_modules/.bin/jest --ci --randomize --seed={} --json --outputFile=report.json",
        jest::PRICES_FAIL
    ));
    let here = Sandbox::with_node_suite(jest::SUITE, jest::NODE_MODULES);
    let report = fs::read_to_string(ci.path().join("report.json")).expect("Jest's report");
    assert!(report.contains(&ci.path().display().to_string()));
    here.write(&format!("ci/jest-seed-{}.json", jest::PRICES_FAIL), &report);

    let (code, out, err) = import(&here, &["ci", "--seed-from", r"seed-(\d+)"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "imported 1 run from 1 file into .bleed\n");
    let runs = here.runs();
    assert_eq!(runs[0]["runner"], "jest");
    for result in runs[0]["results"].as_array().unwrap() {
        let id = result["id"].as_str().unwrap();
        assert!(id.starts_with("__tests__/"), "{id}");
    }
    let seed: u64 = jest::PRICES_FAIL.parse().unwrap();
    assert_eq!(reported(&here, jest::V3), (1, vec![seed]));
    assert_eq!(reported(&here, jest::V5), (1, vec![seed]));
}

/// cucumber's JSON report is one run in its order, each scenario by its line; its `junit`
/// formatter writes one file per feature without the order across them, which is said.
#[test]
fn cucumber_reports_are_runs_and_its_junit_files_are_said_to_be_one_feature_each() {
    if !cucumber::require_cucumber() {
        return;
    }
    let sandbox = Sandbox::with_suite("cucumber");
    for seed in 1..=3 {
        sandbox.sh(&format!(
            "mkdir -p ci/json && cucumber --order random:{seed} \
             --format json --out ci/json/cucumber-seed-{seed}.json \
             --format junit --out ci/junit-seed-{seed}"
        ));
    }
    let (code, out, err) = import(&sandbox, &["ci/json", "--seed-from", r"seed-(\d+)"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "imported 3 runs from 3 files into .bleed\n");
    let runs = sandbox.runs();
    let mut failing_seeds = Vec::new();
    for run in &runs {
        assert_eq!(run["runner"], "cucumber");
        cucumber::PLANT.assert_outcomes_follow_the_order(run);
        let victim = run["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == cucumber::V5)
            .expect("every run ran the victim");
        assert!(victim["duration"].as_f64().is_some(), "{victim}");
        if util::is_failure(victim["outcome"].as_str().unwrap()) {
            failing_seeds.push(run["seed"].as_u64().unwrap());
        }
    }
    failing_seeds.sort();
    assert_eq!(
        reported(&sandbox, cucumber::V5),
        (failing_seeds.len() as u64, failing_seeds)
    );

    let (code, _, err) = import(&sandbox, &["ci/junit-seed-1"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("ci/junit-seed-1 holds 6 TEST-*.xml files")
            && err.contains("each is imported as a run of its own"),
        "{err}"
    );
}

/// mocha's `json` reporter is not one bleed reads: the refusal names the one it reads.
#[test]
fn a_mocha_json_report_is_refused_with_the_reporter_bleed_reads() {
    if !mocha::require_mocha() {
        return;
    }
    let sandbox = Sandbox::with_node_suite(mocha::SUITE, mocha::NODE_MODULES);
    sandbox.sh(
        "mkdir -p ci && node_modules/.bin/mocha --reporter json > ci/mocha.json; \
         node_modules/.bin/mocha --reporter xunit --reporter-option output=ci/xunit.xml",
    );
    let (code, _, err) = import(&sandbox, &["ci/mocha.json"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("skipped ci/mocha.json: mocha's JSON reporter")
            && err.contains("--reporter xunit"),
        "{err}"
    );
    let (code, out, err) = import(&sandbox, &["ci/xunit.xml"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "imported 1 run from 1 file into .bleed\n");
    assert_eq!(sandbox.runs()[0]["runner"], "mocha");
}

/// `go test -json` carries its seed (`-test.shuffle N`) and its events' times: the run's wall
/// time is their span, where the tests' own durations round to nothing.
#[test]
fn a_go_test_json_report_gives_its_seed_and_its_span() {
    if !go::require_go() {
        return;
    }
    let sandbox = Sandbox::with_suite(go::SUITE);
    sandbox.sh(&format!(
        "mkdir -p ci && GOPROXY=off GOTOOLCHAIN=local GOFLAGS= GOWORK=off \
         go test -count=1 -json -shuffle={} ./... > ci/go.json",
        go::ALL_FAIL_SEED
    ));
    let (code, out, err) = import(&sandbox, &["ci"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "imported 1 run from 1 file into .bleed\n");
    let run = &sandbox.runs()[0];
    assert_eq!(run["runner"], "go");
    assert_eq!(run["seed"].to_string(), go::ALL_FAIL_SEED);
    assert!(run["wall_seconds"].as_f64().unwrap() > 0.0, "{run}");
    let seed: u64 = go::ALL_FAIL_SEED.parse().unwrap();
    assert_eq!(reported(&sandbox, go::V1), (1, vec![seed]));
}
