//! Who writes into a store, and what reaches the kernel: two bleeds of one hunt at once, a
//! bleed killed while it appends, a merge into a hunt that is running, a store that cannot be
//! written, and orders too long for one command-line argument (docs/reliability.md).
//!
//! The suites here are small Python scripts of the generic runner's kind, which can hold their
//! runs at a gate (a file the test creates) so that what must overlap does, without a timing
//! guess.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{self, Sandbox};

/// Bounds every wait, so a bleed that never gets going fails the test instead of hanging it.
const PATIENCE: Duration = Duration::from_secs(120);

/// A suite of `SUITE_TESTS` tests (8 unless said) that writes JUnit XML to its first argument.
/// `--seed S` shuffles them by S (an empty S keeps the natural order); `--from FILE` runs the
/// ids listed one a line; any other arguments are the ids to run, in order. Each run notes its
/// start in started.txt and its end in finished.txt; once more than `GATE_AFTER` runs have
/// started, a run waits for the file `gate` before it writes its report.
const SUITE: &str = r#"import os, random, sys, time
from xml.sax.saxutils import quoteattr
report, args = sys.argv[1], sys.argv[2:]
count = int(os.environ.get("SUITE_TESTS", "8"))
natural = [f"t.Case::test_{i:05}" for i in range(count)]
if os.environ.get("SUITE_NEWLINE"):
    natural[1] = "t.Case::test two\nlines"
if args[:1] == ["--seed"]:
    order = natural[:]
    if args[1]:
        random.Random(int(args[1])).shuffle(order)
elif args[:1] == ["--from"]:
    order = open(args[1]).read().splitlines()
else:
    order = args
with open("started.txt", "a") as started:
    started.write(f"{os.getpid()}\n")
gate_after = int(os.environ.get("GATE_AFTER", "-1"))
if gate_after >= 0 and len(open("started.txt").read().split()) > gate_after:
    while not os.path.exists("gate"):
        time.sleep(0.02)
cases = []
for test in order:
    classname, _, name = test.rpartition("::")
    cases.append(f"<testcase classname={quoteattr(classname)} name={quoteattr(name)} time='0.001'/>")
with open(report + ".part", "w") as out:
    out.write(f"<testsuite tests='{len(cases)}'>{''.join(cases)}</testsuite>")
os.rename(report + ".part", report)
with open("finished.txt", "a") as finished:
    finished.write(f"{os.getpid()}\n")
"#;

const HUNT: &str = "python3 suite.py <report> --seed <seed>";

fn suite() -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.write("suite.py", SUITE);
    sandbox
}

fn start_bleed(sandbox: &Sandbox, env: &[(&str, &str)], args: &[&str]) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin("bleed"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(sandbox.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start bleed")
}

/// The records appended whole so far: a line is a record once its newline is written.
fn records_in(sandbox: &Sandbox) -> usize {
    fs::read(sandbox.path().join(".bleed/runs.jsonl"))
        .map_or(0, |bytes| bytes.iter().filter(|&&b| b == b'\n').count())
}

fn lines_in(sandbox: &Sandbox, file: &str) -> usize {
    fs::read_to_string(sandbox.path().join(file)).map_or(0, |text| text.lines().count())
}

/// Waits until `ready`, failing the test if `child` ends first or it takes past all patience.
fn wait_until(child: &mut Child, what: &str, ready: impl Fn() -> bool) {
    let give_up = Instant::now() + PATIENCE;
    while !ready() {
        if let Some(status) = child.try_wait().expect("poll bleed") {
            panic!("bleed ended ({status}) before {what}");
        }
        if Instant::now() > give_up {
            let _ = child.kill();
            panic!("gave up waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn open_gate(sandbox: &Sandbox) {
    sandbox.write("gate", "");
}

fn hunt_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "hunt", "--cmd", HUNT, "--runs", "40", "-j", "4", "--seed", "42", "--json",
    ];
    args.extend_from_slice(extra);
    args
}

/// The runs of the store: each index of the hunt once, no id twice, none broken.
fn assert_each_run_once(sandbox: &Sandbox, planned: u64) {
    let runs = sandbox.runs();
    let ids: BTreeSet<&str> = runs.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), runs.len(), "an id recorded twice");
    let indexes: Vec<u64> = runs.iter().filter_map(|r| r["index"].as_u64()).collect();
    let distinct: BTreeSet<u64> = indexes.iter().copied().collect();
    assert_eq!(indexes.len(), distinct.len(), "an index recorded twice");
    assert_eq!(distinct, (0..planned).collect::<BTreeSet<u64>>());
    let broken: Vec<&Value> = runs.iter().filter(|r| r["status"] != "ok").collect();
    assert!(
        broken.is_empty(),
        "runs that should not have broken: {broken:?}"
    );
}

/// The refusal of a second bleed of a running hunt: exit 4, one line that names the holder.
fn assert_refused_by(output: &Output, holder: u32) {
    let stderr = util::stderr(output);
    assert_eq!(util::exit_code(output), 4, "{stderr}");
    let error = stderr.lines().last().unwrap_or_default();
    assert!(
        error.starts_with(&format!(
            "bleed: error: another bleed (pid {holder}) is running "
        )) && error.contains(&format!("while kill -0 {holder};")),
        "{stderr}"
    );
}

/// Was: 74 records, 34 ids twice and 7 runs falsely broken, the two bleeds reading and
/// deleting each other's reports. Now the second bleed refuses while the first holds the hunt,
/// and once it is done, continues it with nothing left to run.
#[test]
fn a_second_bleed_of_a_running_hunt_refuses_and_the_first_makes_each_run_once() {
    let sandbox = suite();
    let gated = [("GATE_AFTER", "0")];
    let mut first = start_bleed(&sandbox, &gated, &hunt_args(&[]));
    wait_until(&mut first, "the first run started", || {
        lines_in(&sandbox, "started.txt") > 0
    });
    let second = sandbox
        .bleed()
        .args(hunt_args(&[]))
        .output()
        .expect("run bleed");
    assert_refused_by(&second, first.id());

    open_gate(&sandbox);
    let first = first.wait_with_output().expect("wait for the first bleed");
    let report = util::json_exiting(&first, 0, "the hunt that held the lock");
    assert_eq!(report["runs"]["total"], 40);
    assert_each_run_once(&sandbox, 40);

    let again = sandbox
        .bleed()
        .args(hunt_args(&[]))
        .output()
        .expect("run bleed");
    let report = util::json_exiting(&again, 0, "the same hunt once the first let go");
    assert_eq!(report["runs"]["total"], 40);
    assert_eq!(sandbox.runs().len(), 40, "nothing ran twice");
}

/// Was: the second exited 3 with a false "no report was written". Started together, one of
/// the two holds the hunt (the other cannot end before the gate opens) and the other refuses.
#[test]
fn two_bleeds_of_one_hunt_started_together_make_each_run_once() {
    let sandbox = suite();
    let gated = [("GATE_AFTER", "0")];
    let mut one = start_bleed(&sandbox, &gated, &hunt_args(&[]));
    let mut other = start_bleed(&sandbox, &gated, &hunt_args(&[]));
    let give_up = Instant::now() + PATIENCE;
    let (refused, mut holder) = loop {
        if one.try_wait().expect("poll bleed").is_some() {
            break (one, other);
        }
        if other.try_wait().expect("poll bleed").is_some() {
            break (other, one);
        }
        assert!(Instant::now() < give_up, "neither bleed refused");
        std::thread::sleep(Duration::from_millis(20));
    };
    let refused = refused.wait_with_output().expect("collect the refusal");
    wait_until(&mut holder, "the holder's first run started", || {
        lines_in(&sandbox, "started.txt") > 0
    });
    assert_refused_by(&refused, holder.id());
    open_gate(&sandbox);
    let held = holder.wait_with_output().expect("wait for the holder");
    util::json_exiting(&held, 0, "the hunt that held the lock");
    assert_each_run_once(&sandbox, 40);
}

/// `kill -9` mid-hunt, with runs appended and others running, and a torn line such as a kill
/// in the middle of an append leaves: the store reads, with a warning for the torn line, and
/// the resumed hunt makes exactly the runs that are missing.
#[test]
fn a_hunt_killed_while_it_appends_resumes_to_exactly_the_planned_runs() {
    let sandbox = suite();
    let args = [
        "hunt", "--cmd", HUNT, "--runs", "20", "-j", "4", "--seed", "7", "--json",
    ];
    let mut bleed = start_bleed(&sandbox, &[("GATE_AFTER", "10")], &args);
    // Ten runs recorded, and one held at the gate on each of the four workers.
    wait_until(&mut bleed, "runs recorded and others held", || {
        records_in(&sandbox) == 10 && lines_in(&sandbox, "started.txt") == 14
    });
    bleed.kill().expect("kill -9 bleed");
    bleed.wait().expect("reap bleed");
    let recorded = sandbox.runs().len();
    let mut torn = serde_json::to_string(&sandbox.runs()[0]).unwrap();
    torn.truncate(torn.len() / 2);
    fs::OpenOptions::new()
        .append(true)
        .open(sandbox.path().join(".bleed/runs.jsonl"))
        .and_then(|mut file| file.write_all(torn.as_bytes()))
        .expect("tear the last line");

    // bleed's watchdog ends the suites it left running; only then is the store quiet.
    open_gate(&sandbox);
    let give_up = Instant::now() + PATIENCE;
    while !util::processes_in(&sandbox).is_empty() {
        assert!(Instant::now() < give_up, "the orphaned runs never ended");
        std::thread::sleep(Duration::from_millis(20));
    }

    let resumed = sandbox.bleed().args(args).output().expect("run bleed");
    let stderr = util::stderr(&resumed);
    let report = util::json_exiting(&resumed, 0, "the resumed hunt");
    assert!(stderr.contains("torn last line"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{recorded} runs recorded, {} to go",
            20 - recorded
        )),
        "{stderr}"
    );
    assert_eq!(report["runs"]["total"], 20);
    let whole: Vec<Value> = fs::read_to_string(sandbox.path().join(".bleed/runs.jsonl"))
        .unwrap()
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    assert_eq!(whole.len(), 20, "the torn line is the only one lost");
    let indexes: BTreeSet<u64> = whole.iter().filter_map(|r| r["index"].as_u64()).collect();
    assert_eq!(indexes, (0..20).collect::<BTreeSet<u64>>());
}

/// A merge would write runs and logs of a hunt beside the bleed running it: it refuses, and
/// goes through once the hunt is done.
#[test]
fn a_merge_into_a_running_hunt_waits_for_it() {
    let elsewhere = suite();
    let made = elsewhere
        .bleed()
        .args(hunt_args(&[]))
        .output()
        .expect("run bleed");
    util::json_exiting(&made, 0, "the hunt made elsewhere");

    let sandbox = suite();
    let mut hunting = start_bleed(&sandbox, &[("GATE_AFTER", "0")], &hunt_args(&[]));
    wait_until(&mut hunting, "the hunt's first run started", || {
        lines_in(&sandbox, "started.txt") > 0
    });
    let source = elsewhere.path().join(".bleed");
    let merge = || {
        sandbox
            .bleed()
            .arg("merge")
            .arg(&source)
            .output()
            .expect("run bleed merge")
    };
    assert_refused_by(&merge(), hunting.id());
    open_gate(&sandbox);
    let hunted = hunting.wait_with_output().expect("wait for the hunt");
    util::json_exiting(&hunted, 0, "the hunt");
    let merged = merge();
    assert_eq!(util::exit_code(&merged), 0, "{}", util::stderr(&merged));
    assert_each_run_once(&sandbox, 40);
}

/// bleed run with at most `stack_kib` of stack, which sets ARG_MAX to a quarter of it.
fn bleed_with_stack(
    sandbox: &Sandbox,
    stack_kib: u32,
    env: &[(&str, &str)],
    args: &[&str],
) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -s {stack_kib} && exec \"$0\" \"$@\""))
        .arg(assert_cmd::cargo::cargo_bin("bleed"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(sandbox.path())
        .stdin(Stdio::null())
        .output()
        .expect("run bleed under ulimit -s")
}

/// The hunt of bleed's own shuffles of the suite, whose replay takes the order as `<tests>`.
fn shuffled_hunt(replay: &str) -> Vec<String> {
    [
        "hunt",
        "--cmd",
        "python3 suite.py <report> --seed \"$BLEED_SEED\"",
        "--order",
        "shuffle",
        "--replay-cmd",
        replay,
        "--runs",
        "1",
        "--seed",
        "3",
        "--no-confirm",
        "--json",
    ]
    .map(String::from)
    .into()
}

const TESTS_REPLAY: &str = "python3 suite.py <report> <tests>";

/// Was: `cannot start`, exit 3, and an error of 1.4 MB that was the whole command. 12,000 ids
/// of 20 bytes make a command of 260 kB: too long for one argument, so the shell reads them
/// into its arguments from a file, and the runner gets each as an argument of its own.
#[test]
fn an_order_longer_than_one_argument_reaches_the_runner_through_a_file() {
    let sandbox = suite();
    let args = shuffled_hunt(TESTS_REPLAY);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = bleed_with_stack(&sandbox, 8192, &[("SUITE_TESTS", "12000")], &args);
    util::json_exiting(&output, 0, "a hunt of 12,000 tests through <tests>");
    let runs = sandbox.runs();
    let shuffled = runs
        .iter()
        .find(|r| r["index"] == 0)
        .expect("the shuffled run is recorded");
    assert!(
        shuffled["command"].as_str().unwrap().len() > 131_072,
        "the order is longer than one argument"
    );
    let natural: Vec<String> = util::ran(&runs[0]).into_iter().map(|(id, _)| id).collect();
    let ran: Vec<String> = util::ran(shuffled).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ran.len(), 12_000);
    assert_ne!(ran, natural, "bleed's shuffle, not the natural order");
    assert_eq!(
        ran.iter().collect::<BTreeSet<_>>(),
        natural.iter().collect::<BTreeSet<_>>(),
        "every id arrived whole"
    );
    assert!(
        fs::read_dir(sandbox.path().join(".bleed/orders"))
            .unwrap()
            .next()
            .is_none(),
        "the order's file goes with the run that read it"
    );
}

/// With ARG_MAX at 256 KiB the same order fits no command line, and the generic runner reads
/// no order file of its own: one line that says so and names `<tests-file>`, under 1 KB.
#[test]
fn an_order_too_long_for_any_command_line_is_refused_in_one_line() {
    let sandbox = suite();
    let args = shuffled_hunt(TESTS_REPLAY);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = bleed_with_stack(&sandbox, 1024, &[("SUITE_TESTS", "12000")], &args);
    let stderr = util::stderr(&output);
    assert_eq!(util::exit_code(&output), 2, "{stderr}");
    let error = stderr.lines().last().unwrap_or_default();
    assert!(
        error.starts_with("bleed: error: the order of 12000 tests makes a command line of about ")
            && error.contains("<tests-file>"),
        "{stderr}"
    );
    assert!(stderr.len() < 1024, "{} bytes: {stderr}", stderr.len());
    assert!(
        sandbox.runs().iter().all(|r| r["index"].is_null()),
        "no shuffled run was made"
    );
}

/// An id with a line break cannot be one line of `<tests-file>`: bleed says so by name, where
/// the runner used to be blamed for tests it could not find. Through `<tests>` it arrives whole.
#[test]
fn a_test_id_with_a_line_break_is_refused_for_a_tests_file_and_passes_through_tests() {
    let sandbox = suite();
    let env = [("SUITE_NEWLINE", "1")];
    let from_file = shuffled_hunt("python3 suite.py <report> --from <tests-file>");
    let from_file: Vec<&str> = from_file.iter().map(String::as_str).collect();
    let output = bleed_with_stack(&sandbox, 8192, &env, &from_file);
    let stderr = util::stderr(&output);
    assert_eq!(util::exit_code(&output), 3, "{stderr}");
    assert!(
        stderr.lines().last().unwrap_or_default().starts_with(
            "bleed: error: the test id \"t.Case::test two\\nlines\" holds a line break, and \
             <tests-file> lists one test a line"
        ),
        "{stderr}"
    );

    let inline = shuffled_hunt(TESTS_REPLAY);
    let inline: Vec<&str> = inline.iter().map(String::as_str).collect();
    let fresh = suite();
    let output = bleed_with_stack(&fresh, 8192, &env, &inline);
    util::json_exiting(&output, 0, "the same hunt through <tests>");
    let shuffled = fresh.runs().into_iter().find(|r| r["index"] == 0).unwrap();
    assert!(
        util::ran(&shuffled)
            .iter()
            .any(|(id, _)| id == "t.Case::test two\nlines"),
        "the id arrived whole"
    );
}

/// bleed as a user other than root when the tests run as root, whom permissions do not stop;
/// None (the test skips loudly, or fails on CI) when that cannot be had.
fn unprivileged(sandbox: &Sandbox) -> Option<Command> {
    let bleed = assert_cmd::cargo::cargo_bin("bleed");
    // SAFETY: geteuid only reads the process's credentials.
    if unsafe { libc::geteuid() } != 0 {
        let mut command = Command::new(bleed);
        command.current_dir(sandbox.path());
        return Some(command);
    }
    let drop_root = [
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
    ];
    let bleed_path = bleed.to_string_lossy().into_owned();
    let probe: Vec<&str> = drop_root
        .iter()
        .copied()
        .chain([bleed_path.as_str(), "--version"])
        .collect();
    if !util::require_runner("setpriv, to run bleed as nobody", &[&probe]) {
        return None;
    }
    let mut command = Command::new(drop_root[0]);
    command
        .args(&drop_root[1..])
        .arg(bleed)
        .current_dir(sandbox.path());
    Some(command)
}

/// Lets the unprivileged user work in the sandbox, as the owner of a checkout would.
fn open_to_all(sandbox: &Sandbox, paths: &[&str]) {
    for path in paths {
        let made = sandbox.sh(&format!("chmod 777 {path}"));
        assert!(made.status.success(), "{made:?}");
    }
}

fn assert_unwritable_store_refused(output: &Output, sandbox: &Sandbox, place: &str) {
    let stderr = util::stderr(output);
    assert_eq!(util::exit_code(output), 4, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("bleed: error: the store cannot be written (")
            && stderr.contains(place)
            && stderr.trim_end().ends_with("nothing was run"),
        "{stderr}"
    );
    assert_eq!(lines_in(sandbox, "started.txt"), 0, "a suite ran");
}

/// Was: the hunt started and exited 3, "cannot start". Now: exit 4 before any suite runs.
#[test]
fn an_unwritable_log_folder_is_the_stores_fault_and_found_before_any_run() {
    let sandbox = suite();
    fs::create_dir_all(sandbox.path().join(".bleed/logs")).unwrap();
    open_to_all(&sandbox, &[".", ".bleed"]);
    let made = sandbox.sh("chmod 555 .bleed/logs");
    assert!(made.status.success(), "{made:?}");
    let Some(mut bleed) = unprivileged(&sandbox) else {
        return;
    };
    let output = bleed
        .args(["hunt", "--cmd", HUNT, "--runs", "4"])
        .output()
        .expect("run bleed");
    assert_unwritable_store_refused(&output, &sandbox, ".bleed/logs: Permission denied");
}

/// Was: every suite ran, and the first append failed. Now a hunt and a bisection refuse before
/// anything runs, and a report, which only reads, still reads the store.
#[test]
fn a_read_only_store_is_refused_before_anything_runs() {
    let sandbox = suite();
    let made = sandbox
        .bleed()
        .args(["hunt", "--cmd", HUNT, "--runs", "2", "--seed", "5"])
        .output()
        .expect("run bleed");
    assert_eq!(util::exit_code(&made), 0, "{}", util::stderr(&made));
    fs::remove_file(sandbox.path().join("started.txt")).unwrap();
    open_to_all(&sandbox, &["."]);
    let locked = sandbox.sh("chmod -R a-w .bleed && chmod a+rX -R .bleed");
    assert!(locked.status.success(), "{locked:?}");
    let Some(mut hunt) = unprivileged(&sandbox) else {
        return;
    };
    let output = hunt
        .args(["hunt", "--cmd", HUNT, "--runs", "4", "--seed", "5"])
        .output()
        .expect("run bleed");
    assert_unwritable_store_refused(&output, &sandbox, "Permission denied");

    let mut bisect = unprivileged(&sandbox).expect("as above");
    let output = bisect
        .args([
            "bisect",
            "--cmd",
            HUNT,
            "--seed",
            "11",
            "--victim",
            "t.Case::test_00003",
        ])
        .output()
        .expect("run bleed");
    assert_unwritable_store_refused(&output, &sandbox, "Permission denied");

    let mut report = unprivileged(&sandbox).expect("as above");
    let output = report.arg("report").output().expect("run bleed report");
    assert_eq!(util::exit_code(&output), 0, "{}", util::stderr(&output));
}

/// cucumber reads an order from a rerun file (`@FILE`, one location a line): with ARG_MAX at
/// its floor of 128 KiB, 600 locations of 230 bytes fit neither one argument nor the runner's
/// command line, and the shuffled run goes through the file, in the order bleed chose.
#[test]
fn a_cucumber_order_too_long_for_the_command_line_goes_through_a_rerun_file() {
    if !util::require_runner("cucumber", &[&["cucumber", "--version"]]) {
        return;
    }
    let sandbox = Sandbox::new();
    let dir = format!("features/{}", "a_folder_named_at_length".repeat(8));
    let mut feature = String::from("Feature: many\n");
    for number in 0..600 {
        feature.push_str(&format!("  Scenario: number {number}\n    Given a step\n"));
    }
    sandbox.write(
        &format!("{dir}/{}.feature", "many_scenarios".repeat(3)),
        &feature,
    );
    sandbox.write(&format!("{dir}/steps.rb"), "Given('a step') { }\n");
    let args = [
        "hunt",
        "--cmd",
        "cucumber --order random:<seed>",
        "--order",
        "shuffle",
        "--runs",
        "1",
        "--seed",
        "3",
        "--no-confirm",
        "--json",
    ];
    let output = bleed_with_stack(&sandbox, 512, &[], &args);
    util::json_exiting(&output, 0, "a cucumber hunt of 600 long locations");
    let runs = sandbox.runs();
    let shuffled = runs.iter().find(|r| r["index"] == 0).expect("recorded");
    let ran: Vec<String> = util::ran(shuffled).into_iter().map(|(id, _)| id).collect();
    let natural: Vec<String> = util::ran(&runs[0]).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ran.len(), 600);
    assert!(ran[0].len() > 200, "{}", ran[0]);
    assert_ne!(ran, natural, "bleed's shuffle, not the natural order");
    let asked: Vec<&str> = shuffled["command"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .filter(|word| word.contains(".feature:"))
        .collect();
    assert_eq!(ran, asked, "run in the order the command gave");
}
