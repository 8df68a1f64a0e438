//! The command line as a newcomer meets it: progress in CI logs, colour, help, `--store`.
//! The suite is the demo's, run by bleed's hidden `demo-runner`, so no runner is needed.

use assert_cmd::cargo::cargo_bin;

use crate::util::{self, Sandbox};

/// The demo suite as a generic runner's hunt and replay commands.
fn demo_commands() -> (String, String) {
    let exe = cargo_bin("bleed").display().to_string();
    (
        format!("'{exe}' demo-runner --seed <seed> --report <report>"),
        format!("'{exe}' demo-runner --report <report> --tests-file <tests-file>"),
    )
}

#[test]
fn without_a_terminal_hunts_and_bisections_print_plain_progress_lines() {
    let sandbox = Sandbox::new();
    let (hunt, replay) = demo_commands();
    let output = sandbox
        .bleed()
        .env("BLEED_PROGRESS_INTERVAL_MS", "1")
        .args(["hunt", "--cmd", &hunt, "--replay-cmd", &replay])
        .args(["--runs", "6", "--seed", "19497", "--no-confirm"])
        .output()
        .expect("run bleed");
    let stderr = util::stderr(&output);
    assert_eq!(
        util::exit_code(&output),
        1,
        "flips found; stderr:\n{stderr}"
    );
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("bleed: hunt: "))
        .collect();
    assert!(
        lines
            .last()
            .is_some_and(|l| l.starts_with("bleed: hunt: 6/6 runs, ")
                && l.contains(" tests flipped, ")
                && l.contains(" elapsed")),
        "the end of the runs is a line of its own; stderr:\n{stderr}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("/6 runs, ") && l.contains(", ETA ")),
        "runs left come with an ETA; stderr:\n{stderr}"
    );
    assert!(
        !stderr.contains(" 0s"),
        "under a second is not '0s elapsed' or 'ETA 0s'; stderr:\n{stderr}"
    );
    assert!(
        !stderr.contains('\r') && !stderr.contains('\x1b'),
        "no bar, no escapes: {stderr:?}"
    );

    let output = sandbox
        .bleed()
        .env("BLEED_PROGRESS_INTERVAL_MS", "1")
        .args(["bisect", "--replay-cmd", &replay])
        .args(["--victim", "checkout::total_in_dollars"])
        .output()
        .expect("run bleed");
    let stderr = util::stderr(&output);
    assert_eq!(util::exit_code(&output), 0, "stderr:\n{stderr}");
    assert!(
        stderr.lines().any(|l| l
            .starts_with("bleed: bisect: 0 probes, reproducing the failing order (")
            && l.contains(" tests still suspected)")),
        "each phase is announced; stderr:\n{stderr}"
    );
    assert!(
        stderr.lines().any(|l| l.contains(" probes, done, ")),
        "and the end; stderr:\n{stderr}"
    );
}

fn help(args: &[&str]) -> String {
    let output = Sandbox::new()
        .bleed()
        .args(args)
        .arg("--help")
        .output()
        .expect("run bleed");
    assert_eq!(util::exit_code(&output), 0, "{}", util::stderr(&output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn every_help_ends_with_examples_and_bisect_says_which_order_it_takes() {
    let commands = [
        &[][..],
        &["hunt"],
        &["bisect"],
        &["report"],
        &["merge"],
        &["import"],
        &["demo"],
        &["runners"],
    ];
    for command in commands {
        let text = help(command);
        let examples = 1 + text
            .rfind("\nExamples:\n")
            .unwrap_or_else(|| panic!("{command:?}: no examples:\n{text}"));
        assert!(
            text[examples..]
                .lines()
                .skip(1)
                .all(|line| line.is_empty() || line.starts_with("  ")),
            "{command:?}: the examples come last:\n{text}"
        );
        assert!(
            text[examples..].contains("    bleed "),
            "{command:?}:\n{text}"
        );
    }
    assert!(
        help(&["bisect"])
            .contains("bisects the latest recorded run (in --store) in which the victim failed"),
        "{}",
        help(&["bisect"])
    );
    assert!(help(&["hunt"]).contains("Exit codes: 0 every run gave results"));
}

#[test]
fn store_is_an_option_of_the_subcommands_that_have_one() {
    for command in ["hunt", "bisect", "demo"] {
        assert!(help(&[command]).contains("--store <DIR>"), "{command}");
    }
    assert!(!help(&["runners"]).contains("--store"));
    assert!(!help(&[]).contains("--store"));
    let output = Sandbox::new()
        .bleed()
        .args(["--store", "elsewhere", "runners"])
        .output()
        .expect("run bleed");
    assert_eq!(util::exit_code(&output), 2, "{}", util::stderr(&output));

    // Before the subcommand, as resume hints used to print it, it still works.
    let sandbox = Sandbox::new();
    let (hunt, replay) = demo_commands();
    let output = sandbox
        .bleed()
        .args([
            "--store",
            "elsewhere",
            "hunt",
            "--cmd",
            &hunt,
            "--replay-cmd",
            &replay,
        ])
        .args(["--runs", "2", "--no-confirm"])
        .output()
        .expect("run bleed");
    assert!(
        [0, 1].contains(&util::exit_code(&output)),
        "{}",
        util::stderr(&output)
    );
    assert!(sandbox.path().join("elsewhere/runs.jsonl").is_file());
    assert!(!sandbox.path().join(".bleed").exists());
}
