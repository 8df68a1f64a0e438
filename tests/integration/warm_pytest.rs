//! pytest's warm probe server (src/runner/pytest/bleed_pytest_warm.py) on the real runner,
//! spoken to as docs/warm.md says bleed does: the command the adapter derives, started with
//! `sh -c` in a process group of its own, a Unix socket, JSON lines. Each probe is checked
//! against a cold run of the replay command on the same order, on pytest 9, 7.4 and 7.0.

use std::fs;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bleed::outcome::Outcome;
use bleed::runner::Pytest;
use bleed::template::{Template, Values};
use serde_json::{Value, json};

use crate::hunt_pytest::{B4, C3, P1, P3, P5, PA, PB, S4, V1, V2, V3, V5};
use crate::util::{self, Sandbox};
use crate::warm_client::{self, ANSWER_TIME_LIMIT, Commands, Results, Server};

const SUITE: &str = "pytest/suite";

/// The orders a bisection of the planted cases (PLANTED.md) asks about, each victim last:
/// with and without its polluters, with a cleaner, the brittle test alone and after its setter.
const ORDERS: &[&[&str]] = &[
    &[P1, V1],
    &[V1],
    &[PA, PB, V2],
    &[PA, V2],
    &[PB, V2],
    &[P3, V3],
    &[P3, C3, V3],
    &[C3, P3, V3],
    &[B4],
    &[S4, B4],
    &[P5, V5],
    &[V5],
];

/// The Pythons to test with, each only if installed: pytest 9 with pytest-randomly, pytest 7.4
/// with it, and pytest 7.0.1 without it (.ci/run's install_pytest7 and install_pytest70).
fn pythons() -> Vec<(String, bool)> {
    let mut found = Vec::new();
    for (python, randomly) in [
        ("python3", true),
        ("/opt/bleed-pytest7/bin/python", true),
        ("/opt/bleed-pytest70/bin/python", false),
    ] {
        let version: &[&str] = &[python, "-m", "pytest", "--version"];
        let plugin: &[&str] = &[python, "-c", "import pytest_randomly"];
        let probes = if randomly {
            vec![version, plugin]
        } else {
            vec![version]
        };
        if util::require_runner(&format!("pytest at {python}"), &probes) {
            found.push((python.to_string(), randomly));
        }
    }
    found
}

fn commands(sandbox: &Sandbox, user: &str) -> Commands {
    Commands::of(&Pytest, user, sandbox)
}

/// A cold run of the replay command on `order`, as a cold probe is.
fn cold(sandbox: &Sandbox, replay: &Template, order: &[&str]) -> (i64, Results) {
    warm_client::cold(sandbox, &Pytest, replay, order)
}

#[test]
fn every_planted_order_runs_warm_as_it_runs_cold() {
    for (python, _) in pythons() {
        let sandbox = Sandbox::with_suite(SUITE);
        let commands = commands(&sandbox, &format!("{python} -m pytest -q tests"));
        let (mut server, ready) = Server::start(&Pytest, &sandbox, &commands.server);
        assert_eq!(ready["event"], "ready", "{ready}");
        assert_eq!(ready["tests"], 23, "{ready}");
        let version = ready["version"].as_str().unwrap().to_string();
        assert!(version.starts_with("pytest "), "{version}");
        for order in ORDERS {
            let warm = server.probe(Some(order), None, json!({})).unwrap();
            let (status, results) = cold(&sandbox, &commands.replay, order);
            assert_eq!(warm.results, results, "{version}: {order:?}\n{}", warm.log);
            assert_eq!(warm.status, status, "{version}: {order:?}");
            let ran: Vec<&str> = warm.results.iter().map(|(id, _)| id.as_str()).collect();
            assert_eq!(ran, *order, "{version}");
        }
        // Each victim fails after its polluters and passes without them: the planted cases
        // are seen warm, in both directions, not just cold and warm alike.
        let mut victim = |order: &[&str]| server.probe(Some(order), None, json!({})).unwrap();
        assert_eq!(victim(&[P1, V1]).results[1].1, Outcome::Failed, "{version}");
        assert_eq!(victim(&[V1]).results[0].1, Outcome::Passed, "{version}");
        assert_eq!(victim(&[B4]).results[0].1, Outcome::Failed, "{version}");
        assert!(
            sandbox.find("bleed-pwned").is_empty(),
            "an id reached a shell"
        );
        server.close();
    }
}

#[test]
fn no_probe_sees_the_state_of_the_one_before() {
    let Some((python, _)) = pythons().into_iter().next() else {
        return;
    };
    let sandbox = Sandbox::with_suite(SUITE);
    let commands = commands(&sandbox, &format!("{python} -m pytest -q tests"));
    let (mut server, _) = Server::start(&Pytest, &sandbox, &commands.server);
    // Each polluter changes module state in its child; the probe after it must not see it,
    // though both children came from one process.
    for polluters in [&[P1][..], &[PA, PB], &[P3], &[P5]] {
        let polluted = server.probe(Some(polluters), None, json!({})).unwrap();
        assert_eq!(polluted.status, 0, "{}", polluted.log);
        for victim in [V1, V2, V3, V5] {
            let clean = server.probe(Some(&[victim]), None, json!({})).unwrap();
            assert_eq!(
                clean.results,
                vec![(victim.to_string(), Outcome::Passed)],
                "{victim} after {polluters:?}:\n{}",
                clean.log
            );
        }
    }
    // The brittle test's setter does not carry over either.
    server.probe(Some(&[S4]), None, json!({})).unwrap();
    let alone = server.probe(Some(&[B4]), None, json!({})).unwrap();
    assert_eq!(alone.results[0].1, Outcome::Failed, "{}", alone.log);
    server.close();
}

#[test]
fn a_probe_without_an_order_runs_the_hunts_order_under_its_seed() {
    for (python, randomly) in pythons() {
        let sandbox = Sandbox::with_suite(SUITE);
        let commands = commands(&sandbox, &format!("{python} -m pytest -q tests"));
        let (mut server, _) = Server::start(&Pytest, &sandbox, &commands.server);
        for seed in [1, 2, 12345] {
            let warm = server.probe(None, Some(seed), json!({}));
            if !randomly {
                let refused = warm.err().expect("no pytest-randomly, no hunt order");
                assert!(refused.contains("pytest-randomly"), "{refused}");
                continue;
            }
            let warm = warm.unwrap();
            let report = sandbox.path().join(".cold-hunt.jsonl");
            let command = commands
                .hunt
                .render(&Values {
                    seed: Some(seed),
                    report: Some(&report),
                    ..Values::default()
                })
                .unwrap();
            sandbox.sh(&command);
            assert_eq!(
                warm.results,
                warm_client::results(&Pytest, &report),
                "{python}, seed {seed}"
            );
        }
        server.close();
    }
}

#[test]
fn maxfail_counts_the_failures_of_its_own_probe() {
    let Some((python, _)) = pythons().into_iter().next() else {
        return;
    };
    let sandbox = Sandbox::with_suite(SUITE);
    let commands = commands(&sandbox, &format!("{python} -m pytest -q -x tests"));
    let (mut server, _) = Server::start(&Pytest, &sandbox, &commands.server);
    // Each probe fails once: with the boot's or the last probe's count, -x would stop the
    // second probe before its first test, or let the first run past its failure.
    for _ in 0..2 {
        let order = [B4, P1, V1];
        let warm = server.probe(Some(&order), None, json!({})).unwrap();
        let (status, results) = cold(&sandbox, &commands.replay, &order);
        assert_eq!(warm.results, results, "{}", warm.log);
        assert_eq!(results, vec![(B4.to_string(), Outcome::Failed)]);
        assert_eq!(warm.status, status);
    }
    server.close();
}

#[test]
fn what_the_server_cannot_run_is_refused() {
    let Some((python, _)) = pythons().into_iter().next() else {
        return;
    };
    let sandbox = Sandbox::with_suite(SUITE);
    // A hunt over xdist workers: its replays run in one process, its own orders cannot.
    let commands = commands(&sandbox, &format!("{python} -m pytest -q -n 2 tests"));
    let (mut server, _) = Server::start(&Pytest, &sandbox, &commands.server);
    let refused = server
        .probe(
            Some(&[P1, "tests/test_cart.py::test_gone"]),
            None,
            json!({}),
        )
        .err()
        .expect("refused");
    assert!(
        refused.contains("tests/test_cart.py::test_gone"),
        "{refused}"
    );
    let refused = server
        .probe(None, Some(1), json!({}))
        .err()
        .expect("refused");
    assert!(refused.contains("xdist"), "{refused}");
    // The server goes on serving.
    let after = server.probe(Some(&[P1, V1]), None, json!({})).unwrap();
    assert_eq!(after.status, 1, "{}", after.log);
    assert_eq!(after.results, cold(&sandbox, &commands.replay, &[P1, V1]).1);
    server.close();
}

/// A suite whose conftest.py implements the after-fork hook, recording the process it ran in
/// and the probe's environment as it saw it.
const AFTER_FORK_CONFTEST: &str = r#"
import os
import pytest

AFTER_FORK = []

@pytest.hookimpl(optionalhook=True)
def pytest_bleed_after_fork(config):
    AFTER_FORK.append((os.getpid(), os.environ.get("BLEED_WORKER")))
"#;

const AFTER_FORK_TEST: &str = r#"
import os
import conftest

def test_the_hook_ran_once_in_this_process_with_the_probes_env():
    assert conftest.AFTER_FORK == [(os.getpid(), os.environ["BLEED_WORKER"])]
    print("after-fork-pid", os.getpid())
"#;

#[test]
fn the_after_fork_hook_runs_in_each_child_before_its_tests() {
    for (python, _) in pythons() {
        let sandbox = Sandbox::new();
        sandbox.write("tests/conftest.py", AFTER_FORK_CONFTEST);
        sandbox.write("tests/test_hook.py", AFTER_FORK_TEST);
        let commands = commands(&sandbox, &format!("{python} -m pytest -q -s tests"));
        let (mut server, _) = Server::start(&Pytest, &sandbox, &commands.server);
        let test = "tests/test_hook.py::test_the_hook_ran_once_in_this_process_with_the_probes_env";
        for worker in ["1", "2"] {
            let probe = server
                .probe(Some(&[test]), None, json!({"BLEED_WORKER": worker}))
                .unwrap();
            assert_eq!(probe.status, 0, "{python}:\n{}", probe.log);
            assert!(
                probe.log.contains(&format!("after-fork-pid {}", probe.pid)),
                "{python}: the test ran in the forked child:\n{}",
                probe.log
            );
        }
        server.close();
        // Cold, the hook is declared and never called: the conftest loads, the test sees no call.
        let (status, _) = cold(&sandbox, &commands.replay, &[test]);
        assert_eq!(status, 1, "{python}");
    }
}

#[test]
fn a_closed_socket_ends_the_server_and_every_child_group() {
    let Some((python, _)) = pythons().into_iter().next() else {
        return;
    };
    let sandbox = Sandbox::new();
    sandbox.write(
        "tests/test_hang.py",
        "import subprocess, time\n\ndef test_hangs():\n    subprocess.Popen(['sleep', '600'])\n    time.sleep(600)\n",
    );
    let commands = commands(&sandbox, &format!("{python} -m pytest -q tests"));
    let (mut server, _) = Server::start(&Pytest, &sandbox, &commands.server);
    let (probe, forked) = server.send(Some(&["tests/test_hang.py::test_hangs"]), None, json!({}));
    assert_eq!(forked["event"], "forked", "{forked}");
    let group = forked["pid"].as_i64().unwrap() as i32;
    // The child leads its own group, where the test's own subprocess also lives.
    let started = Instant::now();
    while !fs::read_to_string(server.report(probe)).is_ok_and(|r| r.contains("started")) {
        assert!(
            started.elapsed() < ANSWER_TIME_LIMIT,
            "the test never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(util::alive(-group), "the child leads a process group");
    let server_pid = server.process.id() as i32;
    server.close();
    assert!(!util::alive(server_pid), "the server is gone");
    let started = Instant::now();
    while util::alive(-group) {
        assert!(
            started.elapsed() < ANSWER_TIME_LIMIT,
            "the child's group outlived the server"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

// Through bleed itself: `bleed bisect` probes warm by default, `--probe cold` in fresh processes.

/// Pinned as in bisect_pytest.rs: its history shows C3 cleaning up after P3.
const MASTER_SEED: &str = "19497";

fn named(tests: &Value) -> Vec<String> {
    sorted(&util::ids(tests))
}

fn sorted(ids: &[&str]) -> Vec<String> {
    let mut ids: Vec<String> = ids.iter().map(|id| id.to_string()).collect();
    ids.sort();
    ids
}

#[test]
fn the_planted_cases_bisect_to_the_same_culprits_warm_and_cold() {
    if !util::require_pytest() {
        return;
    }
    let sandbox = Sandbox::with_suite(SUITE);
    let hunt = sandbox
        .bleed()
        .args([
            "hunt",
            "--cmd",
            "python3 -m pytest -q tests",
            "--runs",
            "30",
        ])
        .args(["--jobs", "2", "--seed", MASTER_SEED])
        .output()
        .expect("run bleed");
    assert_eq!(util::exit_code(&hunt), 1, "{}", util::stderr(&hunt));
    let cases: [(&str, &str, &[&str], &[&str]); 5] = [
        (V1, "polluted", &[P1], &[]),
        (V2, "polluted", &[PA, PB], &[]),
        (V3, "polluted", &[P3], &[C3]),
        (B4, "brittle", &[S4], &[]),
        (V5, "polluted", &[P5], &[]),
    ];
    for (victim, verdict, expected, cleaners) in cases {
        let culprits = if verdict == "brittle" {
            "state_setters"
        } else {
            "polluters"
        };
        let warm = util::bisect(&sandbox, victim, &[]);
        let cold = util::bisect(&sandbox, victim, &["--probe", "cold"]);
        for (result, mode) in [(&warm, "warm"), (&cold, "cold")] {
            let context = format!("{mode}: {result:#}");
            assert_eq!(result["verdict"], verdict, "{context}");
            assert_eq!(named(&result[culprits]), sorted(expected), "{context}");
            assert_eq!(named(&result["cleaners"]), sorted(cleaners), "{context}");
            assert_eq!(result["probe"]["mode"], mode, "{context}");
            assert!(result["probe"]["disagreement"].is_null(), "{context}");
        }
        assert!(
            warm["probe"]["warm"].as_u64().unwrap() > 0,
            "the search ran warm: {warm:#}"
        );
        assert_eq!(cold["probe"]["warm"], 0, "{cold:#}");
    }
    util::assert_nothing_ran_as_code(&sandbox);
}

#[test]
fn a_warm_hunt_runs_each_seed_as_the_cold_hunt_does() {
    if !util::require_pytest() {
        return;
    }
    let hunt = |warm: bool| {
        let sandbox = Sandbox::with_suite(SUITE);
        let mut command = sandbox.bleed();
        command.args(["hunt", "--cmd", "python3 -m pytest -q tests", "--runs", "8"]);
        command.args(["--jobs", "2", "--seed", MASTER_SEED, "--json"]);
        if warm {
            command.arg("--warm");
        }
        let output = command.output().expect("run bleed");
        let hunted = util::json_exiting(&output, 1, "hunting");
        (hunted, util::runs_by_seed(&sandbox))
    };
    let (warm, warm_runs) = hunt(true);
    let (_, cold_runs) = hunt(false);
    assert!(
        warm["warm"]["warm"].as_u64().is_some_and(|n| n > 0),
        "the hunt ran warm: {warm:#}"
    );
    assert_eq!(warm_runs.len(), 8);
    assert_eq!(
        warm_runs, cold_runs,
        "each seed: the same order, the same outcomes"
    );
}

/// A suite whose conftest.py opens a "connection" at boot that only the process that opened
/// it may use, as a database socket is, and reopens it in the after-fork hook: every test
/// checks it, so a probe whose hook did not run fails whole.
const CONNECTED_CONFTEST: &str = r#"
import os
import pytest

class Connection:
    def __init__(self):
        self.pid = os.getpid()

CONNECTION = Connection()

@pytest.hookimpl(optionalhook=True)
def pytest_bleed_after_fork(config):
    global CONNECTION
    CONNECTION = Connection()
    with open(os.path.join(str(config.rootpath), "after-fork.log"), "a") as log:
        log.write(f"{os.getpid()}\n")
    if os.environ.get("HANG_IN_WARM_CHILD"):
        os.environ["WARM_CHILD"] = "1"
"#;

const CONNECTED_TESTS: &str = r#"
import os
import time
import subprocess
import conftest

STATE = {}

def connected():
    assert conftest.CONNECTION.pid == os.getpid(), "a connection from another process"

def test_a_fills():
    connected()

def test_b_pollutes():
    connected()
    STATE["dirty"] = True

def test_c_fills():
    connected()
    if os.environ.get("WARM_CHILD"):
        subprocess.Popen(["sleep", "600"])
        time.sleep(600)

def test_d_fills():
    connected()

def test_z_victim():
    connected()
    assert "dirty" not in STATE
"#;

fn connected_suite() -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.write("pytest.ini", "[pytest]\naddopts = -p no:cacheprovider\n");
    sandbox.write("tests/conftest.py", CONNECTED_CONFTEST);
    sandbox.write("tests/test_connected.py", CONNECTED_TESTS);
    let tests: Vec<String> = ["a_fills", "b_pollutes", "c_fills", "d_fills", "z_victim"]
        .iter()
        .map(|name| format!("tests/test_connected.py::test_{name}"))
        .collect();
    sandbox.write("order.txt", &(tests.join("\n") + "\n"));
    sandbox
}

#[test]
fn the_after_fork_hook_runs_in_each_child_of_a_bisection() {
    if !util::require_pytest() {
        return;
    }
    let sandbox = connected_suite();
    let result = util::bisect(
        &sandbox,
        "tests/test_connected.py::test_z_victim",
        &[
            "--cmd",
            "python3 -m pytest -q tests",
            "--order-file",
            "order.txt",
        ],
    );
    assert_eq!(
        named(&result["polluters"]),
        sorted(&["tests/test_connected.py::test_b_pollutes"]),
        "{result:#}"
    );
    assert_eq!(result["probe"]["mode"], "warm", "{result:#}");
    assert!(result["probe"]["disagreement"].is_null(), "{result:#}");
    let warm = result["probe"]["warm"].as_u64().unwrap() as usize;
    let pids: Vec<String> = fs::read_to_string(sandbox.path().join("after-fork.log"))
        .unwrap_or_default()
        .lines()
        .map(String::from)
        .collect();
    assert!(warm > 0, "{result:#}");
    assert_eq!(pids.len(), warm, "one call per warm probe: {pids:?}");
    let distinct: std::collections::BTreeSet<&String> = pids.iter().collect();
    assert_eq!(
        distinct.len(),
        warm,
        "each in a process of its own: {pids:?}"
    );
}

#[test]
fn killing_bleed_leaves_no_server_and_no_child() {
    if !util::require_pytest() {
        return;
    }
    let sandbox = connected_suite();
    let dir = sandbox.path().canonicalize().unwrap();
    let mut bleed = Command::new(assert_cmd::cargo::cargo_bin("bleed"))
        .args([
            "bisect",
            "--victim",
            "tests/test_connected.py::test_z_victim",
        ])
        .args([
            "--cmd",
            "python3 -m pytest -q tests",
            "--order-file",
            "order.txt",
        ])
        .current_dir(&dir)
        .env("HANG_IN_WARM_CHILD", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // A warm child hangs in test_c_fills, with a subprocess of its own: wait for it.
    let started = Instant::now();
    while !util::processes_in(&sandbox)
        .iter()
        .any(|(_, command)| command.starts_with("sleep 600"))
    {
        assert!(
            started.elapsed() < ANSWER_TIME_LIMIT,
            "no warm child reached the hanging test: {:?}",
            util::processes_in(&sandbox)
        );
        assert!(bleed.try_wait().unwrap().is_none(), "bleed ended early");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        util::processes_in(&sandbox)
            .iter()
            .any(|(_, command)| command.contains("bleed_pytest_warm")),
        "the hang is in a warm probe: {:?}",
        util::processes_in(&sandbox)
    );
    bleed.kill().unwrap();
    bleed.wait().unwrap();
    util::assert_no_process_outlives_bleed(&sandbox, ANSWER_TIME_LIMIT);
}
