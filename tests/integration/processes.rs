//! Nothing a run starts outlives it, however the run or bleed ends: a timeout, a run that
//! leaves a grandchild behind, Ctrl-C and SIGTERM at any moment, bleed killed with SIGKILL.
//! And a run that prints 100 MB leaves a log of 2 MiB. The suite is `testdata/processes`, a
//! shell script the generic adapter drives, whose file `mode` says how it misbehaves.

use std::fs;
use std::process::{Child, Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::util::{self, Sandbox};

const COMMAND: &str = "./suite.sh <seed> <report>";

/// Bounds every wait, so a bleed that does not stop fails the test instead of hanging it.
const PATIENCE: Duration = Duration::from_secs(120);

/// After bleed is killed with SIGKILL: the watchdog's grace period and then some.
const AFTER_SIGKILL: Duration = Duration::from_secs(30);

fn sandbox(mode: &str) -> Sandbox {
    let sandbox = Sandbox::with_suite("processes");
    sandbox.write("mode", mode);
    sandbox
}

/// The live processes in the sandbox other than `bleed`: the suite's.
fn suite_processes(sandbox: &Sandbox, bleed: u32) -> Vec<(i32, String)> {
    util::processes_in(sandbox)
        .into_iter()
        .filter(|(pid, _)| u32::try_from(*pid).ok() != Some(bleed))
        .collect()
}

fn assert_nothing_left(sandbox: &Sandbox, when: &str) {
    assert_eq!(
        util::processes_in(sandbox),
        Vec::<(i32, String)>::new(),
        "left running {when}"
    );
}

fn start_bleed(sandbox: &Sandbox, args: &[String]) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin("bleed"))
        .args(args)
        .current_dir(sandbox.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start bleed")
}

/// Polls `ready` until it holds, failing if bleed ends first or it takes past `PATIENCE`.
fn wait_until(child: &mut Child, what: &str, mut ready: impl FnMut() -> bool) {
    let give_up = Instant::now() + PATIENCE;
    while !ready() {
        if let Some(status) = child.try_wait().expect("poll bleed") {
            panic!("bleed ended ({status}) before {what}");
        }
        assert!(Instant::now() < give_up, "gave up waiting for {what}");
        thread::sleep(Duration::from_millis(20));
    }
}

/// Waits for bleed to end by itself, killing it if it takes past `PATIENCE`.
fn finish(mut child: Child) -> Output {
    let give_up = Instant::now() + PATIENCE;
    while child.try_wait().expect("poll bleed").is_none() {
        if Instant::now() > give_up {
            let _ = child.kill();
            let output = child.wait_with_output().expect("collect bleed's output");
            panic!("bleed did not end; stderr:\n{}", util::stderr(&output));
        }
        thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("collect bleed's output")
}

fn signal(child: &Child, signal: i32) {
    let pid = i32::try_from(child.id()).expect("pids fit in pid_t");
    // SAFETY: kill has no memory-safety preconditions, and `pid` is our own child, not yet
    // reaped, so the id cannot have been reused.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0, "signal bleed");
}

fn hunt_args(runs: &str, extra: &[&'static str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "hunt",
        "--cmd",
        COMMAND,
        "--seed",
        "7",
        "--runs",
        runs,
        "--no-confirm",
    ]
    .map(str::to_string)
    .to_vec();
    args.extend(extra.iter().map(|arg| arg.to_string()));
    args
}

fn bleed_hunt(sandbox: &Sandbox, runs: &str, extra: &[&'static str]) -> Output {
    sandbox
        .bleed()
        .args(hunt_args(runs, extra))
        .output()
        .expect("run bleed")
}

/// The resume command bleed printed after "Resume with:", run to the end in the sandbox.
fn resume(sandbox: &Sandbox, stderr: &str) -> Output {
    let line = stderr
        .lines()
        .skip_while(|line| !line.contains("Resume with:"))
        .nth(1)
        .unwrap_or_else(|| panic!("no resume command; stderr:\n{stderr}"));
    let argv = shell_words::split(line).expect("the resume command is one shell command");
    let (program, args) = argv.split_first().expect("a program");
    assert_eq!(program, "bleed", "{line}");
    sandbox.bleed().args(args).output().expect("run bleed")
}

/// Every run index of a hunt of `runs` runs recorded exactly once.
fn assert_complete(sandbox: &Sandbox, runs: u64) {
    let mut indexes: Vec<u64> = sandbox
        .runs()
        .iter()
        .map(|run| run["index"].as_u64().expect("a hunt run has an index"))
        .collect();
    indexes.sort_unstable();
    assert_eq!(
        indexes,
        (0..runs).collect::<Vec<u64>>(),
        "each run index once"
    );
}

#[test]
fn a_timeout_ends_the_whole_tree_of_a_hanging_run() {
    let sandbox = sandbox("hang");
    let output = bleed_hunt(&sandbox, "1", &["--timeout", "2s"]);

    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(util::exit_code(&output), 1, "{}", util::stderr(&output));
    assert!(stdout.contains("1 timed out"), "{stdout}");
    let runs = sandbox.runs();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["status"], "timeout", "{}", runs[0]);
    // Gone when bleed is: it waits until nothing of the run is alive.
    assert_nothing_left(&sandbox, "after the timeout");
}

#[test]
fn a_grandchild_left_behind_is_ended_and_the_summary_says_so() {
    let sandbox = sandbox("stray");
    let output = bleed_hunt(&sandbox, "1", &[]);

    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(util::exit_code(&output), 0, "{}", util::stderr(&output));
    assert_nothing_left(&sandbox, "by a run that ended on its own");
    let runs = sandbox.runs();
    assert_eq!(runs[0]["status"], "ok", "{}", runs[0]);
    assert_eq!(runs[0]["strays"], 1, "{}", runs[0]);
    assert!(
        stdout.contains("1 run left processes running when it ended; bleed ended them (1 process)"),
        "{stdout}"
    );

    let json = util::json_exiting(&bleed_hunt(&sandbox, "1", &["--json"]), 0, "replaying");
    assert_eq!(json["runs"]["left_running"], 1, "{json}");
    assert_eq!(json["runs"]["strays"], 1, "{json}");
}

#[test]
fn a_run_that_prints_100_mb_leaves_a_log_of_its_head_and_tail() {
    let sandbox = sandbox("loud");
    // Python's getrusage sees bleed's peak resident memory once it has waited for it.
    let bleed = assert_cmd::cargo::cargo_bin("bleed");
    let measured = Command::new("python3")
        .args([
            "-c",
            "import resource, subprocess, sys\n\
             code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n\
             print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
        ])
        .arg(&bleed)
        .args(hunt_args("1", &[]))
        .current_dir(sandbox.path())
        .output()
        .expect("run python3");
    let report = String::from_utf8_lossy(&measured.stdout);
    let (code, peak_kib) = report
        .trim()
        .split_once(' ')
        .unwrap_or_else(|| panic!("no measurement: {report} {}", util::stderr(&measured)));
    assert_eq!(code, "0", "{}", util::stderr(&measured));
    let peak_kib: u64 = peak_kib.parse().expect("kilobytes");
    eprintln!("bleed's peak resident memory for a run printing 100 MB: {peak_kib} KiB");

    let runs = sandbox.runs();
    let log = sandbox
        .path()
        .join(".bleed")
        .join(runs[0]["log"].as_str().expect("a log"));
    let text = fs::read_to_string(&log).expect("the log");
    eprintln!("its log: {} bytes", text.len());
    assert!(text.len() < 2 * 1024 * 1024 + 1024, "{} bytes", text.len());
    assert!(text.starts_with("1 of the loud suite\n2 of the loud suite\n"));
    assert!(text.ends_with("4000000 of the loud suite\nthe last line\n"));
    let cut = text
        .lines()
        .find(|line| line.starts_with("[bleed: "))
        .expect("a line says what was cut");
    assert!(
        cut.contains("bytes of output cut here") && cut.contains("of the 98.1 MiB the run printed"),
        "{cut}"
    );
    // Far below the 98 MiB it printed: the output streamed through.
    assert!(peak_kib < 64 * 1024, "bleed peaked at {peak_kib} KiB");
}

/// The suite's processes that a hanging hunt started, once there are `at_least` of them.
fn wait_for_suites(child: &mut Child, sandbox: &Sandbox, at_least: usize) {
    let bleed = child.id();
    wait_until(child, "the suites to start", || {
        suite_processes(sandbox, bleed).len() >= at_least
    });
}

#[test]
fn kill_9_of_bleed_mid_hunt_leaves_nothing_running_and_the_hunt_resumes() {
    let sandbox = sandbox("hang");
    let mut hunt = start_bleed(&sandbox, &hunt_args("3", &["--jobs", "2"]));
    // The first run alone: sh, the suite, two sleepers and the subshell around one.
    wait_for_suites(&mut hunt, &sandbox, 4);

    signal(&hunt, libc::SIGKILL);
    hunt.wait().expect("reaped");
    util::assert_no_process_outlives_bleed(&sandbox, AFTER_SIGKILL);

    sandbox.write("mode", "ok");
    let resumed = bleed_hunt(&sandbox, "3", &["--jobs", "2"]);
    assert_eq!(util::exit_code(&resumed), 0, "{}", util::stderr(&resumed));
    assert_complete(&sandbox, 3);
    let running = sandbox.path().join(".bleed").join("running");
    assert_eq!(
        fs::read_dir(&running).map_or(0, Iterator::count),
        0,
        "entries of runs in flight outlived them"
    );
}

/// The process bleed forked to watch over its runs: its child, in a group of its own.
fn watchdog_of(bleed: u32) -> Option<i32> {
    let bleed = i32::try_from(bleed).expect("pids fit in pid_t");
    fs::read_dir("/proc").ok()?.flatten().find_map(|entry| {
        let pid: i32 = entry.file_name().to_str()?.parse().ok()?;
        let stat = fs::read_to_string(entry.path().join("stat")).ok()?;
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        let (ppid, pgrp): (i32, i32) = (fields.get(1)?.parse().ok()?, fields.get(2)?.parse().ok()?);
        let exe = fs::read_link(entry.path().join("exe")).ok()?;
        let own = exe.file_name()?.to_str()?.starts_with("bleed");
        (ppid == bleed && pgrp == pid && own).then_some(pid)
    })
}

#[test]
fn the_next_bleed_ends_what_a_dead_one_and_its_watchdog_left() {
    let sandbox = sandbox("hang");
    let mut hunt = start_bleed(&sandbox, &hunt_args("1", &[]));
    wait_for_suites(&mut hunt, &sandbox, 4);
    let watchdog = watchdog_of(hunt.id()).expect("bleed keeps a watchdog");

    // The watchdog first, then bleed: the shell dies of its parent-death signal, and only the
    // store's record of the run is left to find the rest.
    // SAFETY: kill has no memory-safety preconditions; the watchdog is bleed's child, alive.
    assert_eq!(unsafe { libc::kill(watchdog, libc::SIGKILL) }, 0);
    signal(&hunt, libc::SIGKILL);
    hunt.wait().expect("reaped");
    let survivors = util::processes_in(&sandbox);
    assert!(!survivors.is_empty(), "nothing survived to be found");

    sandbox.write("mode", "ok");
    let next = bleed_hunt(&sandbox, "1", &[]);
    let stderr = util::stderr(&next);
    assert_eq!(util::exit_code(&next), 0, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "processes that a bleed which is gone (pid {}) left running",
            hunt.id()
        )),
        "{stderr}"
    );
    assert_nothing_left(
        &sandbox,
        &format!("by the next bleed; before it: {survivors:?}"),
    );
    assert_complete(&sandbox, 1);
}

/// When, in a hunt of slow runs, a signal lands: before bleed is going, in the first run, or
/// in the pool of parallel runs after some were recorded.
#[derive(Clone, Copy, Debug)]
enum Moment {
    AtOnce,
    FirstRun,
    Pool,
}

fn signal_at(moment: Moment, number: i32) {
    let sandbox = sandbox("slow");
    let mut hunt = start_bleed(&sandbox, &hunt_args("6", &["--jobs", "2"]));
    let runs_file = sandbox.path().join(".bleed").join("runs.jsonl");
    let recorded = || fs::read_to_string(&runs_file).map_or(0, |text| text.lines().count());
    match moment {
        Moment::AtOnce => {}
        Moment::FirstRun => wait_for_suites(&mut hunt, &sandbox, 1),
        Moment::Pool => {
            wait_until(&mut hunt, "a run to be recorded", || recorded() >= 2);
            wait_for_suites(&mut hunt, &sandbox, 1);
        }
    }
    signal(&hunt, number);
    let output = finish(hunt);
    let stderr = util::stderr(&output);
    let why = format!("{moment:?}, signal {number}; stderr:\n{stderr}");
    assert_nothing_left(&sandbox, &why);
    // Readable, line by line (`runs` panics on a line that is not JSON).
    let kept = sandbox.runs();
    match output.status.code() {
        Some(130) => {}
        // Before bleed handles signals, the signal's own default ends it.
        None if matches!(moment, Moment::AtOnce) => return,
        _ => panic!("{}: {why}", output.status),
    }
    for run in &kept {
        assert_eq!(run["status"], "ok", "a run cut short was kept: {run}");
    }
    sandbox.write("mode", "ok");
    let resumed = resume(&sandbox, &stderr);
    assert_eq!(
        util::exit_code(&resumed),
        0,
        "{why}\nresumed:\n{}",
        util::stderr(&resumed)
    );
    assert_complete(&sandbox, 6);
    assert_eq!(sandbox.runs()[..kept.len()], kept[..], "kept runs changed");
}

#[test]
fn sigint_at_any_moment_of_a_hunt_leaves_nothing_running_and_resumes() {
    for moment in [Moment::AtOnce, Moment::FirstRun, Moment::Pool] {
        signal_at(moment, libc::SIGINT);
    }
}

#[test]
fn sigterm_at_any_moment_of_a_hunt_leaves_nothing_running_and_resumes() {
    for moment in [Moment::AtOnce, Moment::FirstRun, Moment::Pool] {
        signal_at(moment, libc::SIGTERM);
    }
}

#[test]
fn a_second_ctrl_c_kills_deaf_suites_and_still_says_how_to_resume() {
    let sandbox = sandbox("deaf");
    let mut hunt = start_bleed(&sandbox, &hunt_args("2", &[]));
    // sh, the suite and its sleeper.
    wait_for_suites(&mut hunt, &sandbox, 2);
    signal(&hunt, libc::SIGINT);
    // The first press gives the suites a grace period, and these ignore it.
    thread::sleep(Duration::from_millis(200));
    assert!(
        hunt.try_wait().expect("poll bleed").is_none(),
        "bleed ended after one press"
    );
    signal(&hunt, libc::SIGINT);
    let output = finish(hunt);

    let stderr = util::stderr(&output);
    assert_eq!(util::exit_code(&output), 130, "{stderr}");
    assert!(stderr.contains("killing the running suites"), "{stderr}");
    assert_nothing_left(&sandbox, "after the second Ctrl-C");
    sandbox.write("mode", "ok");
    let resumed = resume(&sandbox, &stderr);
    assert_eq!(util::exit_code(&resumed), 0, "{}", util::stderr(&resumed));
    assert_complete(&sandbox, 2);
}
