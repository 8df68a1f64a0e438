//! A runner that goes wrong the ways runners do: it exits 0 without a report, writes half a
//! report or random bytes, dies of SIGSEGV, runs another order than it was asked for, or hangs
//! while bleed is stopped by Ctrl-C or SIGTERM in the middle of a bisection. Each time bleed
//! says what went wrong in one line, exits with its documented code (docs/exit-codes.md), keeps
//! its store readable and leaves nothing running.
//!
//! The runner is testdata/faults/suite.py, told how and from which invocation on to go wrong
//! by a file `fault` in the sandbox.

use std::fs;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{self, Sandbox};

const HUNT: &str = "python3 suite.py <seed> <report>";
const REPLAY: &str = "python3 suite.py --tests <tests-file> <report>";

/// Its order is delta, polluter, alpha, bravo, foxtrot, charlie, echo, victim: the polluter
/// among six tests for a bisection to search.
const FAILING_SEED: &str = "9";
const VICTIM: &str = "suite::victim";
const POLLUTER: &str = "suite::polluter";

/// The faults that leave no report to read, and what bleed says of each.
const BROKEN_REPORTS: [(&str, &str); 4] = [
    ("no-report", "no report was written at "),
    ("truncated", "report is truncated after "),
    ("binary", "report is not XML: "),
    ("segfault", "the command was killed by SIGSEGV (exit 139)"),
];

/// Bounds every wait, so that a bleed that ignores a signal fails the test instead of hanging.
const PATIENCE: Duration = Duration::from_secs(120);

fn python_installed() -> bool {
    util::require_runner("python3", &[&["python3", "--version"]])
}

/// The suite, going wrong with `fault` from its `from`th invocation on.
fn faulty(fault: &str, from: usize) -> Sandbox {
    let sandbox = Sandbox::with_suite("faults");
    sandbox.write("fault", &format!("{fault} {from}\n"));
    sandbox
}

fn hunt(sandbox: &Sandbox) -> Output {
    sandbox
        .bleed()
        .args(["hunt", "--runner", "generic", "--cmd", HUNT])
        .args(["--runs", "4", "--jobs", "1", "--seed", "7"])
        .output()
        .expect("run bleed")
}

/// A bisection of the victim in the order of the failing seed, one probe at a time.
const BISECT: [&str; 12] = [
    "bisect",
    "--runner",
    "generic",
    "--cmd",
    HUNT,
    "--replay-cmd",
    REPLAY,
    "--seed",
    FAILING_SEED,
    "--victim",
    VICTIM,
    "--json",
];

fn bisect(sandbox: &Sandbox) -> Output {
    sandbox.bleed().args(BISECT).output().expect("run bleed")
}

/// The line of bleed's error (the tail of the runner's output may follow it).
fn error_line(output: &Output) -> String {
    let stderr = util::stderr(output);
    stderr
        .lines()
        .find(|line| line.starts_with("bleed: error: "))
        .unwrap_or_else(|| panic!("no error in stderr:\n{stderr}"))
        .to_string()
}

/// The statuses of the hunt runs `bleed report` reads from the store, in the order they ran.
fn reported_runs(sandbox: &Sandbox) -> Vec<String> {
    let output = sandbox
        .bleed()
        .args(["report", "--format", "json"])
        .output()
        .expect("run bleed");
    let code = util::exit_code(&output);
    assert!(
        [0, 1].contains(&code),
        "bleed report could not read the store (exit {code}):\n{}",
        util::stderr(&output)
    );
    let runs = util::json(&output)["runs"].clone();
    runs.as_array()
        .unwrap_or_else(|| panic!("\"runs\" is an array: {runs}"))
        .iter()
        .map(|run| {
            run["status"]
                .as_str()
                .expect("a run has a status")
                .to_string()
        })
        .collect()
}

fn assert_nothing_running(sandbox: &Sandbox) {
    assert_eq!(util::processes_in(sandbox), Vec::new(), "left running");
}

/// How many times bleed started the runner.
fn invocations(sandbox: &Sandbox) -> usize {
    fs::read_to_string(sandbox.path().join(".invocations")).map_or(0, |text| text.lines().count())
}

/// What a bisection leaves in the store, read by `bleed report` (which lists hunts' runs only)
/// and line by line: the failing seed's run, the probes with their statuses, and no verdict.
fn assert_bisection_store(sandbox: &Sandbox, probes: &[&str], context: &str) {
    assert_eq!(reported_runs(sandbox), Vec::<String>::new(), "{context}");
    let runs = sandbox.runs();
    assert_eq!(runs.len(), 1, "{context}: {runs:?}");
    assert_eq!(
        (&runs[0]["status"], &runs[0]["seed"]),
        (&"ok".into(), &9.into()),
        "{context}"
    );
    let recorded = sandbox.probes();
    let statuses: Vec<&str> = recorded
        .iter()
        .map(|probe| probe["status"].as_str().expect("a probe has a status"))
        .collect();
    assert_eq!(statuses, probes, "{context}");
    assert!(
        !sandbox.path().join(".bleed/bisections.jsonl").exists(),
        "{context}: an unfinished bisection was recorded"
    );
}

#[test]
fn a_runner_that_leaves_no_report_stops_the_hunt_at_its_first_run() {
    if !python_installed() {
        return;
    }
    for (fault, said) in BROKEN_REPORTS {
        let sandbox = faulty(fault, 1);
        let output = hunt(&sandbox);
        assert_eq!(
            util::exit_code(&output),
            3,
            "{fault}: {}",
            util::stderr(&output)
        );
        let error = error_line(&output);
        assert!(
            error.starts_with("bleed: error: the first run gave no results (")
                && error.contains(said),
            "{fault}: {error}"
        );
        assert_eq!(reported_runs(&sandbox), ["broken"], "{fault}");
        assert_nothing_running(&sandbox);
    }
}

#[test]
fn runs_that_leave_no_report_later_are_counted_broken_and_the_hunt_goes_on() {
    if !python_installed() {
        return;
    }
    for (fault, said) in BROKEN_REPORTS {
        let sandbox = faulty(fault, 3);
        let output = hunt(&sandbox);
        assert_eq!(
            util::exit_code(&output),
            1,
            "{fault}: {}",
            util::stderr(&output)
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            stdout.starts_with("4 runs (2 ok, 2 broken)"),
            "{fault}: {stdout}"
        );
        // The confirmation runs came after the fault began, and broke too.
        assert!(
            stdout.contains("the confirmation runs gave no usable results"),
            "{fault}: {stdout}"
        );
        assert_eq!(
            reported_runs(&sandbox),
            ["ok", "ok", "broken", "broken"],
            "{fault}"
        );
        for run in &sandbox.runs()[2..4] {
            let problem = run["problem"].as_str().unwrap_or_default();
            assert!(problem.contains(said), "{fault}: {problem}");
            assert!(!problem.contains('\n'), "{fault}: {problem}");
        }
        assert_nothing_running(&sandbox);
    }
}

#[test]
fn a_probe_that_leaves_no_report_stops_the_bisection() {
    if !python_installed() {
        return;
    }
    for (fault, said) in BROKEN_REPORTS {
        // The failing seed's run and two probes go well; the third probe does not.
        let sandbox = faulty(fault, 4);
        let output = bisect(&sandbox);
        assert_eq!(
            util::exit_code(&output),
            3,
            "{fault}: {}",
            util::stderr(&output)
        );
        let error = error_line(&output);
        assert!(
            error.starts_with("bleed: error: a probe gave no results (") && error.contains(said),
            "{fault}: {error}"
        );
        assert_bisection_store(&sandbox, &["ok", "ok", "broken"], fault);
        let problem = sandbox.probes()[2]["problem"].clone();
        assert!(
            problem.as_str().is_some_and(|p| p.contains(said)),
            "{fault}: {problem}"
        );
        assert_nothing_running(&sandbox);
    }
}

#[test]
fn a_runner_that_runs_another_order_stops_the_bisection_at_the_first_difference() {
    if !python_installed() {
        return;
    }
    // The failing seed's run goes well; from the first probe on, the first two tests swap.
    let sandbox = faulty("reorder", 2);
    let output = bisect(&sandbox);
    assert_eq!(util::exit_code(&output), 3, "{}", util::stderr(&output));
    assert_eq!(
        error_line(&output),
        "bleed: error: the generic runner did not run the order bleed asked for, so its results \
         cannot be trusted: at position 1 of 8, it ran \"suite::polluter\" where bleed asked for \
         \"suite::delta\". Give a --replay-cmd that runs exactly <tests> in order."
    );
    assert_bisection_store(&sandbox, &["ok"], "reorder");
    assert_nothing_running(&sandbox);
}

fn start_bisection(sandbox: &Sandbox) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin("bleed"))
        .args(BISECT)
        .current_dir(sandbox.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start bleed")
}

/// Waits until the runner hangs in a probe, sends bleed `signal`, and returns how it ended.
fn stop_at_the_hang(sandbox: &Sandbox, mut bleed: Child, signal: i32) -> Output {
    let hanging = sandbox.path().join(".hanging");
    let give_up = Instant::now() + PATIENCE;
    while !hanging.exists() {
        if bleed.try_wait().expect("poll bleed").is_some() {
            let output = bleed.wait_with_output().expect("collect bleed's output");
            panic!(
                "bleed ended before the runner hung:\n{}",
                util::stderr(&output)
            );
        }
        assert!(Instant::now() < give_up, "the runner never hung");
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = i32::try_from(bleed.id()).expect("pids fit in pid_t");
    // SAFETY: kill has no memory-safety preconditions, and `pid` is our own child, not yet
    // reaped, so the id cannot have been reused.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0, "signal bleed");
    let give_up = Instant::now() + PATIENCE;
    while bleed.try_wait().expect("poll bleed").is_none() {
        if Instant::now() > give_up {
            let _ = bleed.kill();
            panic!("bleed did not stop after signal {signal}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    bleed.wait_with_output().expect("collect bleed's output")
}

/// A bisection stopped once `verified` probes are recorded and the next hangs: what it left.
struct Stopped {
    sandbox: Sandbox,
    /// The runner's invocations up to the stop, the hanging one included.
    invocations: usize,
}

fn bisection_stopped_after(verified: usize, signal: i32) -> Stopped {
    // The failing seed's run is the first invocation, then a probe each.
    let sandbox = faulty("hang", verified + 2);
    let output = stop_at_the_hang(&sandbox, start_bisection(&sandbox), signal);
    let context = format!("signal {signal} after {verified} probes");
    let stderr = util::stderr(&output);
    assert_eq!(util::exit_code(&output), 130, "{context}: {stderr}");
    // While searching it says the smallest failing order seen; while confirming, what it
    // found.
    assert!(
        stderr.contains("bleed: error: interrupted while "),
        "{context}: {stderr}"
    );
    assert_nothing_running(&sandbox);
    assert_bisection_store(&sandbox, &vec!["ok"; verified], &context);
    fs::remove_file(sandbox.path().join("fault")).expect("remove the fault");
    let invocations = invocations(&sandbox);
    Stopped {
        sandbox,
        invocations,
    }
}

/// The bisection run again to its end: its verdict and polluters.
fn finish(sandbox: &Sandbox) -> (Value, Value) {
    let bisection = util::json_exiting(&bisect(sandbox), 0, "bisecting again");
    assert_nothing_running(sandbox);
    (bisection["verdict"].clone(), bisection["polluters"].clone())
}

/// Ctrl-C or SIGTERM while a probe runs, in the search or in the confirmation after it:
/// bleed stops at once with 130, kills the probe, keeps the probes it verified, records no
/// verdict, and the same command run again reaches the verdict a bisection never stopped does.
#[test]
fn a_bisection_stopped_at_any_probe_keeps_what_it_verified() {
    if !python_installed() {
        return;
    }
    let fresh = Sandbox::with_suite("faults");
    let (verdict, polluters) = finish(&fresh);
    assert_eq!(verdict, "polluted");
    assert_eq!(util::ids(&polluters), [POLLUTER]);
    for signal in [libc::SIGINT, libc::SIGTERM] {
        for verified in [1, 3, 7] {
            let stopped = bisection_stopped_after(verified, signal);
            assert_eq!(
                finish(&stopped.sandbox),
                (verdict.clone(), polluters.clone()),
                "signal {signal} after {verified} probes"
            );
        }
    }
}

/// "A bisection resumes from its last verified step, not from scratch": run again, a bisection
/// stopped in its search starts the runner only for the probes it had not verified, and once
/// more for the culprits' order (a verdict read wholly from records is checked by one run made
/// now). Stopped in its confirmation, it makes the confirmation runs again (they must be runs
/// of their own, which docs/reliability.md tells), but not the search.
#[test]
fn a_stopped_bisection_run_again_does_not_redo_its_verified_probes() {
    if !python_installed() {
        return;
    }
    let fresh = Sandbox::with_suite("faults");
    finish(&fresh);
    // The failing seed's run, then every probe.
    let fresh_probes = invocations(&fresh) - 1;
    let stopped = bisection_stopped_after(3, libc::SIGINT);
    finish(&stopped.sandbox);
    let new = invocations(&stopped.sandbox) - stopped.invocations;
    assert!(
        new <= fresh_probes - 3 + 1,
        "stopped by SIGINT after 3 verified probes of the search, the bisection run again \
         started the runner {new} times, where a fresh one probes {fresh_probes} times"
    );
    let stopped = bisection_stopped_after(7, libc::SIGTERM);
    finish(&stopped.sandbox);
    let new = invocations(&stopped.sandbox) - stopped.invocations;
    assert!(
        new < fresh_probes,
        "stopped by SIGTERM in the confirmation, the bisection run again started the runner \
         {new} times, as many as a fresh one ({fresh_probes})"
    );
}
