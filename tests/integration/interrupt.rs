//! Ctrl-C in the middle of a hunt or a bisection: bleed stops, says how to go on, keeps its
//! records whole and leaves no suite running behind it.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::bisect_pytest::{self, COMMAND, P1, SUITE, V1};
use crate::util::{self, Sandbox};

/// Bounds every wait, so a bleed that ignores Ctrl-C fails the test instead of hanging it.
const PATIENCE: Duration = Duration::from_secs(120);

/// Any master seed does: the hunt is cut short, then finished.
const MASTER_SEED: &str = "19497";

/// Keeps each run busy for a second, so Ctrl-C lands while suites are running.
const SLOW_TEST: &str = "import time\n\n\ndef test_takes_a_second():\n    time.sleep(1)\n";

/// Slows every probe, the victim alone included, since a bisection runs no fixed test.
const SLOW_CONFTEST: &str = "import time\n\ntime.sleep(1)\n";

fn start_bleed(sandbox: &Sandbox, args: &[&str]) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin("bleed"))
        .args(args)
        .current_dir(sandbox.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start bleed")
}

fn lines_in(path: &Path) -> usize {
    fs::read_to_string(path).map_or(0, |text| text.lines().count())
}

/// Processes whose command line names the sandbox: the suites bleed started there, whose
/// report paths are absolute. A zombie's command line is empty, so only live ones count.
fn processes_in(sandbox: &Sandbox) -> Vec<String> {
    let dir = sandbox.path().canonicalize().expect("the sandbox exists");
    let needle = format!("{}/", dir.display());
    let mut found = Vec::new();
    for entry in fs::read_dir("/proc").expect("Linux has /proc") {
        let entry = entry.expect("read /proc");
        let Ok(raw) = fs::read(entry.path().join("cmdline")) else {
            // Not a process, or one that ended while we looked.
            continue;
        };
        let cmdline = String::from_utf8_lossy(&raw).replace('\0', " ");
        if cmdline.contains(&needle) {
            found.push(format!(
                "{}: {cmdline}",
                entry.file_name().to_string_lossy()
            ));
        }
    }
    found
}

/// Waits until `ready`, sends bleed one SIGINT, as a terminal's Ctrl-C would, and returns how
/// it ended.
fn interrupt_when(mut child: Child, ready: impl Fn() -> bool) -> Output {
    let give_up = Instant::now() + PATIENCE;
    while !ready() {
        if let Some(status) = child.try_wait().expect("poll bleed") {
            let output = child.wait_with_output().expect("collect bleed's output");
            panic!(
                "bleed ended ({status}) before it could be interrupted; stderr:\n{}",
                util::stderr(&output)
            );
        }
        if Instant::now() > give_up {
            let _ = child.kill();
            panic!("gave up waiting for bleed to get going");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = i32::try_from(child.id()).expect("pids fit in pid_t");
    // SAFETY: kill has no memory-safety preconditions, and `pid` is our own child, not yet
    // reaped, so the id cannot have been reused.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0, "signal bleed");
    let give_up = Instant::now() + PATIENCE;
    while child.try_wait().expect("poll bleed").is_none() {
        if Instant::now() > give_up {
            let _ = child.kill();
            panic!("bleed did not stop after Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("collect bleed's output")
}

#[test]
fn ctrl_c_stops_a_hunt_that_the_printed_command_resumes() {
    if !util::require_pytest() {
        return;
    }
    let sandbox = Sandbox::with_suite(SUITE);
    sandbox.write("tests/test_slow.py", SLOW_TEST);
    let runs_file = sandbox.path().join(".bleed").join("runs.jsonl");
    let hunt = start_bleed(
        &sandbox,
        &[
            "hunt",
            "--cmd",
            COMMAND,
            "--runs",
            "6",
            "--jobs",
            "2",
            "--seed",
            MASTER_SEED,
        ],
    );
    let output = interrupt_when(hunt, || {
        lines_in(&runs_file) >= 1 && !processes_in(&sandbox).is_empty()
    });
    let stderr = util::stderr(&output);
    assert_eq!(util::exit_code(&output), 130, "stderr:\n{stderr}");
    assert_eq!(
        processes_in(&sandbox),
        Vec::<String>::new(),
        "suites outlived bleed"
    );

    let interrupted = sandbox.runs();
    assert!(
        interrupted.len() < 6,
        "the hunt was not cut short: {} runs",
        interrupted.len()
    );
    for run in &interrupted {
        // A run cut short must not be recorded as if the suite had run whole.
        assert_eq!(run["status"], "ok", "{run}");
        assert_eq!(run["results"].as_array().map(Vec::len), Some(24), "{run}");
    }

    let resume = stderr
        .lines()
        .skip_while(|line| !line.contains("Resume with:"))
        .nth(1)
        .unwrap_or_else(|| panic!("no resume command; stderr:\n{stderr}"));
    let argv = shell_words::split(resume).expect("the resume command is one shell command");
    let (program, args) = argv.split_first().expect("a program");
    assert_eq!(program, "bleed", "{resume}");
    for pair in [["--cmd", COMMAND], ["--seed", MASTER_SEED], ["--runs", "6"]] {
        assert!(
            args.windows(2).any(|window| window == pair),
            "`{resume}` lacks {pair:?}"
        );
    }

    let resumed = sandbox.bleed().args(args).output().expect("run bleed");
    assert!(
        [0, 1].contains(&util::exit_code(&resumed)),
        "the resumed hunt did not finish; stderr:\n{}",
        util::stderr(&resumed)
    );
    let runs = sandbox.runs();
    assert_eq!(runs.len(), 6, "resumed to the total");
    assert_eq!(
        runs[..interrupted.len()],
        interrupted[..],
        "recorded runs are kept as they were"
    );
    let mut indexes: Vec<u64> = runs
        .iter()
        .map(|run| run["index"].as_u64().expect("a hunt run has an index"))
        .collect();
    indexes.sort_unstable();
    assert_eq!(indexes, (0..6).collect::<Vec<u64>>(), "each run index once");
    let mut seeds: Vec<u64> = runs
        .iter()
        .map(|run| run["seed"].as_u64().expect("a run has a seed"))
        .collect();
    seeds.sort_unstable();
    seeds.dedup();
    assert_eq!(seeds.len(), 6, "no seed ran twice");
}

#[test]
fn ctrl_c_stops_a_bisection_and_shows_what_it_had() {
    if !util::require_pytest() {
        return;
    }
    let sandbox = Sandbox::with_suite(SUITE);
    sandbox.write("tests/conftest.py", SLOW_CONFTEST);
    let order = bisect_pytest::order_with_p1_at(10);
    bisect_pytest::write_order(&sandbox, "order.txt", &order);
    let probes_file = sandbox.path().join(".bleed").join("probes.jsonl");
    let bisect = start_bleed(
        &sandbox,
        &[
            "bisect",
            "--victim",
            V1,
            "--cmd",
            COMMAND,
            "--order-file",
            "order.txt",
            // Cold, so that each probe pays the slow conftest and Ctrl-C lands in the search:
            // warm, the search is over in about the time of one cold probe.
            "--probe",
            "cold",
        ],
    );
    let output = interrupt_when(bisect, || {
        lines_in(&probes_file) >= 1 && !processes_in(&sandbox).is_empty()
    });
    let stderr = util::stderr(&output);
    assert_eq!(util::exit_code(&output), 130, "stderr:\n{stderr}");
    assert_eq!(
        processes_in(&sandbox),
        Vec::<String>::new(),
        "probes outlived bleed"
    );

    if stderr.contains("smallest order seen failing") {
        let shown: Vec<&str> = stderr
            .lines()
            .skip_while(|line| !line.contains("smallest order seen failing"))
            .skip(1)
            .take_while(|line| line.starts_with("    "))
            .map(str::trim)
            .collect();
        assert_eq!(shown.last(), Some(&V1), "stderr:\n{stderr}");
        // Every order that fails holds the one polluter.
        assert!(shown.contains(&P1), "stderr:\n{stderr}");
    } else {
        assert!(
            stderr.contains("no failing order was confirmed yet"),
            "stderr:\n{stderr}"
        );
    }
    let probes: Vec<Value> = sandbox.probes();
    assert!(!probes.is_empty());
    assert!(
        !sandbox
            .path()
            .join(".bleed")
            .join("bisections.jsonl")
            .exists(),
        "an interrupted bisection was recorded as a result"
    );
    assert!(
        sandbox.find("repro.sh").is_empty(),
        "a reproducer was written for an unfinished bisection"
    );
}

/// Slows every run of the suite a little, so that Ctrl-C lands while a bisection's probe runs.
const SLOWISH_CONFTEST: &str = "import time\n\ntime.sleep(0.3)\n";

fn bisections_in(sandbox: &Sandbox) -> Vec<String> {
    let path = sandbox.path().join(".bleed").join("bisections.jsonl");
    fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn ctrl_c_during_hunt_bisect_keeps_the_finished_bisections_for_the_same_command_to_go_on() {
    if !util::require_pytest() {
        return;
    }
    let sandbox = Sandbox::with_suite(SUITE);
    sandbox.write("tests/conftest.py", SLOWISH_CONFTEST);
    let bisections_file = sandbox.path().join(".bleed").join("bisections.jsonl");
    let hunt = start_bleed(
        &sandbox,
        &[
            "hunt",
            "--cmd",
            COMMAND,
            "--runs",
            "12",
            "--jobs",
            "2",
            "--seed",
            MASTER_SEED,
            "--bisect",
        ],
    );
    let output = interrupt_when(hunt, || {
        lines_in(&bisections_file) >= 1 && !processes_in(&sandbox).is_empty()
    });
    let stderr = util::stderr(&output);
    assert_eq!(util::exit_code(&output), 130, "stderr:\n{stderr}");
    assert_eq!(
        processes_in(&sandbox),
        Vec::<String>::new(),
        "probes outlived bleed"
    );
    let finished = bisections_in(&sandbox);
    assert!(!finished.is_empty());
    assert!(
        stderr.contains(&format!("after {} of the hunt's", finished.len())),
        "stderr:\n{stderr}"
    );
    // What finished was printed before the error, one line each.
    let stdout = String::from_utf8_lossy(&output.stdout);
    let shown = stdout.lines().filter(|line| line.contains(" → ")).count();
    assert_eq!(shown, finished.len(), "stdout:\n{stdout}");

    let resume = stderr
        .lines()
        .skip_while(|line| !line.contains("the finished bisections are kept"))
        .nth(1)
        .unwrap_or_else(|| panic!("no command to go on with; stderr:\n{stderr}"));
    let argv = shell_words::split(resume).expect("the command is one shell command");
    let (program, args) = argv.split_first().expect("a program");
    assert_eq!(program, "bleed", "{resume}");
    assert!(args.iter().any(|arg| arg == "--bisect"), "{resume}");
    let resumed = sandbox
        .bleed()
        .args(args)
        .arg("--json")
        .output()
        .expect("run bleed");
    let result = util::json_exiting(&resumed, 1, "going on with the bisections");
    let bisections = result["bisections"].as_array().expect("bisections[]");
    let recorded_before: Vec<&Value> = bisections
        .iter()
        .filter(|b| b["recorded_before"] == true)
        .collect();
    assert_eq!(recorded_before.len(), finished.len(), "{result:#}");

    let all = bisections_in(&sandbox);
    assert_eq!(
        all[..finished.len()],
        finished[..],
        "finished bisections are kept as they were"
    );
    assert_eq!(all.len(), bisections.len(), "each victim was bisected once");
    let victims: BTreeSet<String> = all
        .iter()
        .map(|line| serde_json::from_str::<Value>(line).unwrap()["victim"].to_string())
        .collect();
    assert_eq!(victims.len(), all.len(), "{victims:?}");
}
