//! `bleed bisect --from-log`: real console logs, made here by running the real runners (and
//! parallel_rspec, parallel_cucumber) on the planted suites under seeds where a victim fails,
//! then bisected from the log alone.

use std::process::Output;

use serde_json::Value;

use crate::util::{self, Sandbox};
use crate::{
    hunt_pytest, runner_cucumber as cucumber, runner_gotest as go, runner_jest as jest,
    runner_rspec as rspec,
};

/// Runs `script` in the sandbox with its console output, stdout and stderr together as CI shows
/// them, going to `ci.log`; the run is expected to fail, since a victim fails under its seed.
fn make_log(sandbox: &Sandbox, script: &str) -> String {
    let output = sandbox.sh(&format!("{script} > ci.log 2>&1"));
    let log = std::fs::read_to_string(sandbox.path().join("ci.log")).expect("read ci.log");
    assert!(
        !output.status.success(),
        "`{script}` was to fail a planted victim; its log:\n{log}"
    );
    log
}

fn bisect_log(sandbox: &Sandbox, extra: &[&str]) -> Output {
    bisect_log_with(&mut sandbox.bleed(), extra)
}

fn bisect_log_with(bleed: &mut assert_cmd::Command, extra: &[&str]) -> Output {
    bleed
        .args(["bisect", "--from-log", "ci.log", "--json", "--jobs", "2"])
        .args(extra)
        .output()
        .expect("run bleed")
}

/// Each bisection as (victim, verdict, polluters).
fn verdicts(result: &Value) -> Vec<(String, String, Vec<String>)> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    result["bisections"]
        .as_array()
        .unwrap_or_else(|| panic!("no bisections: {result}"))
        .iter()
        .map(|b| {
            let mut polluters: Vec<String> = b["polluters"]
                .as_array()
                .expect("polluters")
                .iter()
                .map(|p| text(&p["id"]))
                .collect();
            polluters.sort();
            (text(&b["victim"]), text(&b["verdict"]), polluters)
        })
        .collect()
}

/// Sorted, as `verdicts` gives them.
fn owned(polluters: &[&str]) -> Vec<String> {
    let mut owned: Vec<String> = polluters.iter().map(|p| p.to_string()).collect();
    owned.sort();
    owned
}

#[test]
fn a_pytest_randomly_log_is_bisected_under_its_seed() {
    if !util::require_pytest() {
        return;
    }
    let sandbox = Sandbox::with_suite("pytest/suite");
    let log = make_log(
        &sandbox,
        "python3 -m pytest -p randomly --randomly-seed=3 tests",
    );
    assert!(log.contains("Using --randomly-seed=3"), "{log}");
    let result = util::json_exiting(&bisect_log(&sandbox, &[]), 0, "bisecting the log");
    assert_eq!(result["found"]["runner"], "pytest");
    assert_eq!(result["found"]["seed"], 3);
    assert_eq!(
        verdicts(&result),
        [(
            hunt_pytest::V5.to_string(),
            "polluted".to_string(),
            owned(&[hunt_pytest::P5])
        )]
    );
    let origin = result["bisections"][0]["origin"].as_str().unwrap();
    assert!(origin.starts_with("ci.log (seed 3)"), "{origin}");
    util::assert_nothing_ran_as_code(&sandbox);
}

/// RSpec lists its failures by location (`rspec ./spec/settings_spec.rb:17 # …`): each becomes
/// the example there, and both are bisected, one after the other.
#[test]
fn an_rspec_log_with_two_failures_bisects_both() {
    if !rspec::require_rspec() {
        return;
    }
    let sandbox = Sandbox::with_suite(rspec::SUITE);
    make_log(&sandbox, "rspec --seed 19497");
    let result = util::json_exiting(&bisect_log(&sandbox, &[]), 0, "bisecting the log");
    assert_eq!(result["found"]["seed"], 19497);
    assert_eq!(
        verdicts(&result),
        [
            (
                rspec::V5.to_string(),
                "polluted".to_string(),
                owned(&[rspec::P5])
            ),
            (
                rspec::V2.to_string(),
                "polluted".to_string(),
                owned(&[rspec::PA, rspec::PB])
            ),
        ]
    );
    util::assert_nothing_ran_as_code(&sandbox);
}

#[test]
fn a_cucumber_log_is_bisected_under_its_seed() {
    if !util::require_runner("cucumber", &[&["cucumber", "--version"]]) {
        return;
    }
    let sandbox = Sandbox::with_suite("cucumber");
    make_log(&sandbox, "cucumber --order random:2");
    let result = util::json_exiting(&bisect_log(&sandbox, &[]), 0, "bisecting the log");
    assert_eq!(
        verdicts(&result),
        [(
            cucumber::V5.to_string(),
            "polluted".to_string(),
            owned(&[cucumber::P5])
        )]
    );
    util::assert_nothing_ran_as_code(&sandbox);
}

/// Jest prints its seed in the summary, after the failures (`Seed:        903379358`), and
/// names each failure by its file, then its describe blocks and title: under that seed V3
/// fails after P3, and V5 after P5, whose name would run as code if it reached a shell.
#[test]
fn a_jest_log_is_bisected_under_its_seed() {
    if !jest::require_jest() {
        return;
    }
    let sandbox = Sandbox::with_node_suite(jest::SUITE, jest::NODE_MODULES);
    let log = make_log(
        &sandbox,
        &format!(
            "node_modules/.bin/jest --ci --randomize --seed={}",
            jest::PRICES_FAIL
        ),
    );
    assert!(log.contains(jest::PRICES_FAIL), "{log}");
    let result = util::json_exiting(&bisect_log(&sandbox, &[]), 0, "bisecting the log");
    assert_eq!(result["found"]["runner"], "jest");
    assert_eq!(result["found"]["seed"].to_string(), jest::PRICES_FAIL);
    let mut verdicts = verdicts(&result);
    // Jest reports its files as its workers finish them.
    verdicts.sort();
    assert_eq!(
        verdicts,
        [
            (
                jest::V5.to_string(),
                "polluted".to_string(),
                owned(&[jest::P5])
            ),
            (
                jest::V3.to_string(),
                "polluted".to_string(),
                owned(&[jest::P3])
            ),
        ],
        "{log}"
    );
    util::assert_nothing_ran_as_code(&sandbox);
}

/// go test prints `-test.shuffle N` before the output of each package that failed, and each
/// package shuffles its own tests: under 527449820 every planted victim fails, four in `cart`
/// and one in `labels.v2`, and each is bisected among its own package's tests. The brittle
/// one fails alone, which is no culprit named: exit 1.
#[test]
fn a_go_test_log_is_bisected_package_by_package() {
    if !go::require_go() {
        return;
    }
    let sandbox = Sandbox::with_suite(go::SUITE);
    let log = make_log(
        &sandbox,
        &format!(
            "GOPROXY=off GOTOOLCHAIN=local GOFLAGS= GOWORK=off \
             go test -count=1 -shuffle={} ./...",
            go::ALL_FAIL_SEED
        ),
    );
    assert!(
        log.contains(&format!("-test.shuffle {}", go::ALL_FAIL_SEED)),
        "{log}"
    );
    let output = bisect_log_with(go::offline(&mut sandbox.bleed()), &[]);
    let result = util::json_exiting(&output, 1, "bisecting the log");
    assert_eq!(result["found"]["runner"], "go");
    assert_eq!(result["found"]["seed"].to_string(), go::ALL_FAIL_SEED);
    let mut verdicts = verdicts(&result);
    verdicts.sort();
    let mut expected = [
        (go::V1, "polluted", owned(&[go::P1])),
        (go::V2, "polluted", owned(&[go::PA, go::PB])),
        (go::V3, "polluted", owned(&[go::P3])),
        (go::B4, "fails-alone", vec![]),
        (go::V5, "polluted", owned(&[go::P5])),
    ]
    .map(|(victim, verdict, polluters)| (victim.to_string(), verdict.to_string(), polluters));
    expected.sort();
    assert_eq!(verdicts, expected, "{log}");
    util::assert_nothing_ran_as_code(&sandbox);
}

fn require_parallel_tests() -> bool {
    util::require_runner(
        "parallel_tests (apt-get install ruby-parallel-tests)",
        &[
            &["parallel_rspec", "--version"],
            &["parallel_cucumber", "--version"],
        ],
    )
}

/// parallel_rspec as CI runs it: three processes, each random under its own seed (parallel_tests
/// puts each process's number in place of `$TEST_ENV_NUMBER`: seeds 1, 12 and 13), output
/// interleaved. Process 1 ran the hostile polluter's file and V5's; process 3 ran B4 without the
/// test that sets its state up. Each failure is bisected inside its own process: B4 fails alone
/// there, V5 after P5; the exit code is the worse of the two.
#[test]
fn a_parallel_rspec_log_is_bisected_process_by_process() {
    if !rspec::require_rspec() || !require_parallel_tests() {
        return;
    }
    let sandbox = Sandbox::with_suite(rspec::SUITE);
    let log = make_log(
        &sandbox,
        "parallel_rspec -n 3 --verbose-command -o '--seed 1$TEST_ENV_NUMBER' spec",
    );
    assert!(
        log.contains("Use the following command to run the group again"),
        "{log}"
    );
    let result = util::json_exiting(&bisect_log(&sandbox, &[]), 1, "bisecting the log");
    let processes: Vec<(i64, i64)> = result["found"]["processes"]
        .as_array()
        .unwrap_or_else(|| panic!("no processes: {result}"))
        .iter()
        .map(|p| (p["number"].as_i64().unwrap(), p["seed"].as_i64().unwrap()))
        .collect();
    assert_eq!(processes, [(1, 1), (2, 12), (3, 13)], "{log}");
    assert_eq!(
        verdicts(&result),
        [
            (
                rspec::V5.to_string(),
                "polluted".to_string(),
                owned(&[rspec::P5])
            ),
            (rspec::B4.to_string(), "fails-alone".to_string(), vec![]),
        ],
        "in the order of their processes, however the output interleaved"
    );
    let reproducer = result["bisections"][0]["reproducer"]["command"]
        .as_str()
        .unwrap();
    assert!(
        reproducer.starts_with("TEST_ENV_NUMBER= PARALLEL_TEST_GROUPS=3 rspec --seed 1 "),
        "the process's environment and seed: {reproducer}"
    );
    util::assert_nothing_ran_as_code(&sandbox);
}

/// parallel_cucumber with the default formatter: process 2 ran V3's feature (with its polluter
/// P3) under seed 12, process 1 B4's under seed 1 (cucumber 2.4 prints a seed it did not use
/// when `--order random` has none, so the seeds are given).
#[test]
fn a_parallel_cucumber_log_is_bisected_process_by_process() {
    if !util::require_runner("cucumber", &[&["cucumber", "--version"]]) || !require_parallel_tests()
    {
        return;
    }
    let sandbox = Sandbox::with_suite("cucumber");
    let log = make_log(
        &sandbox,
        "parallel_cucumber -n 3 --verbose-command -o '--order random:1$TEST_ENV_NUMBER' features",
    );
    let result = util::json_exiting(&bisect_log(&sandbox, &[]), 1, "bisecting the log");
    let mut verdicts = verdicts(&result);
    verdicts.sort();
    assert_eq!(
        verdicts,
        [
            (cucumber::B4.to_string(), "fails-alone".to_string(), vec![]),
            (
                cucumber::V3.to_string(),
                "polluted".to_string(),
                owned(&[cucumber::P3])
            ),
        ],
        "{log}"
    );
    let origins: Vec<&str> = result["bisections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["origin"].as_str().unwrap())
        .collect();
    assert!(
        origins
            .iter()
            .any(|o| o.starts_with("ci.log (seed 12, parallel_tests process 2)")),
        "V3 ran in process 2 under seed 12: {origins:?}"
    );
    util::assert_nothing_ran_as_code(&sandbox);
}

/// A victim given with --victim is bisected alone, in the process that ran its file.
#[test]
fn a_victim_given_is_bisected_alone_in_its_process() {
    if !rspec::require_rspec() {
        return;
    }
    let sandbox = Sandbox::with_suite(rspec::SUITE);
    let fixture = format!(
        "{}/testdata/logs/parallel_rspec-serialized.log",
        env!("CARGO_MANIFEST_DIR")
    );
    sandbox.write("ci.log", &std::fs::read_to_string(fixture).unwrap());
    let result = util::json_exiting(
        &bisect_log(&sandbox, &["--victim", "./spec/settings_spec.rb:17"]),
        0,
        "bisecting one victim of the log",
    );
    assert_eq!(
        verdicts(&result),
        [(
            rspec::V5.to_string(),
            "polluted".to_string(),
            owned(&[rspec::P5])
        )]
    );
}

#[test]
fn logs_bleed_cannot_bisect_are_refused_before_anything_runs() {
    let sandbox = Sandbox::new();
    for (log, says) in [
        (
            "F.\n\nrspec ./spec/a_spec.rb:3 # a\n\n2 examples, 1 failure\n",
            "no seed (looked for \"Randomized with seed N\"",
        ),
        (
            "Randomized with seed 5\n..\n\n2 examples, 0 failures\n",
            "no failing rspec test",
        ),
        ("make: *** [all] Error 2\n", "no output of a runner"),
    ] {
        sandbox.write("ci.log", log);
        let output = bisect_log(&sandbox, &[]);
        assert_eq!(util::exit_code(&output), 2, "{}", util::stderr(&output));
        assert!(
            util::stderr(&output).contains(says),
            "{}",
            util::stderr(&output)
        );
        assert!(sandbox.runs().is_empty(), "nothing ran");
    }
}
