//! `bleed hunt` failing early and clearly: commands it refuses, and suites it cannot run.

use crate::util::{self, Sandbox};

#[test]
fn a_command_without_a_seed_is_refused_with_an_example() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .bleed()
        .args([
            "hunt",
            "--runner",
            "generic",
            "--cmd",
            "true <report>",
            "--runs",
            "3",
        ])
        .output()
        .expect("run bleed");
    let stderr = util::stderr(&output);
    assert_eq!(util::exit_code(&output), 2, "stderr:\n{stderr}");
    assert!(
        stderr.contains("<seed>"),
        "the message shows a command with <seed>; stderr:\n{stderr}"
    );
    assert!(sandbox.runs().is_empty(), "a refused command ran");
}

#[test]
fn an_unknown_runner_is_a_usage_error() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .bleed()
        .args([
            "hunt",
            "--runner",
            "nose",
            "--cmd",
            "nosetests --seed <seed> --out <report>",
        ])
        .output()
        .expect("run bleed");
    let stderr = util::stderr(&output);
    assert_eq!(util::exit_code(&output), 2, "stderr:\n{stderr}");
    assert!(
        stderr.contains("pytest"),
        "the known runners are listed; stderr:\n{stderr}"
    );
    assert!(sandbox.runs().is_empty(), "a refused command ran");
}

#[test]
fn a_missing_program_stops_the_hunt_before_any_run() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .bleed()
        .args(["hunt", "--runs", "30", "--jobs", "1", "--seed", "7"])
        .args(["--cmd", "bleed-no-such-runner --seed <seed> --out <report>"])
        .output()
        .expect("run bleed");
    let stderr = util::stderr(&output);
    assert_eq!(util::exit_code(&output), 3, "stderr:\n{stderr}");
    assert!(
        stderr.contains("command not found: bleed-no-such-runner"),
        "stderr:\n{stderr}"
    );
    assert!(sandbox.runs().is_empty(), "nothing ran");
}
