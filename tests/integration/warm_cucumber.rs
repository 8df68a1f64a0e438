//! cucumber's warm server (src/runner/cucumber/bleed_cucumber_warm.rb) on the planted suite of
//! testdata/cucumber, driven the way docs/warm.md says bleed drives it: the adapter's own
//! `warm` command started with `sh -c` in a group of its own, a Unix socket, JSON lines, and
//! each probe's report read by the adapter's `read_results`. Every warm answer is checked
//! against a cold run of the same order.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use std::{fs, thread};

use bleed::outcome::Outcome;
use bleed::runner::Cucumber;
use bleed::template::Values;
use serde_json::{Value, json};

use crate::runner_cucumber::{B4, C3, P1, P3, P5, PA, PB, S4, V1, V2, V3, V5};
use crate::util::{self, Sandbox};
use crate::warm_client::{self, Commands, Probe, Results, Server};

/// Longer than anything here should take: a hang fails the test instead of stalling the suite.
const HANG: Duration = Duration::from_secs(120);

fn require_cucumber() -> bool {
    util::require_runner("cucumber", &[&["cucumber", "--version"]])
}

/// The server for plain `cucumber` in the sandbox, with its first event and the commands it
/// was derived from.
fn start(sandbox: &Sandbox) -> (Server, Value, Commands) {
    let commands = Commands::of(&Cucumber, "cucumber", sandbox);
    let (server, first) = Server::start(&Cucumber, sandbox, &commands.server);
    (server, first, commands)
}

/// Every probe here runs as bleed's first job does.
fn worker() -> Value {
    json!({"BLEED_WORKER": "1"})
}

/// A probe the server must run, not refuse.
fn probe(server: &mut Server, order: Option<&[&str]>, seed: Option<u64>) -> Probe {
    server
        .probe(order, seed, worker())
        .unwrap_or_else(|refused| panic!("refused: {refused}"))
}

fn outcome_of(results: &Results, test: &str) -> Outcome {
    results
        .iter()
        .find(|(id, _)| id == test)
        .unwrap_or_else(|| panic!("{test} did not run: {results:?}"))
        .1
}

#[test]
fn warm_probes_give_the_planted_verdicts_of_cold_runs_and_leak_nothing_into_each_other() {
    if !require_cucumber() {
        return;
    }
    let sandbox = Sandbox::with_suite("cucumber");
    let (mut server, ready, commands) = start(&sandbox);
    assert_eq!(ready["event"], "ready", "{ready}");
    assert_eq!(ready["tests"], 19);
    assert_eq!(ready["version"], "cucumber 2.4.0");
    // Each polluted order is followed by an order that passes only if nothing of it stayed
    // behind: every probe starts from the booted state, never from the last probe's.
    let cases: [(&[&str], &str, Outcome); 10] = [
        (&[P1, V1], V1, Outcome::Failed),
        (&[V1], V1, Outcome::Passed),
        (&[PA, PB, V2], V2, Outcome::Failed),
        (&[PA, V2], V2, Outcome::Passed),
        (&[P3, V3], V3, Outcome::Failed),
        (&[P3, C3, V3], V3, Outcome::Passed),
        (&[B4], B4, Outcome::Failed),
        (&[S4, B4], B4, Outcome::Passed),
        (&[P5, V5], V5, Outcome::Failed),
        (&[V5], V5, Outcome::Passed),
    ];
    for (order, victim, expected) in cases {
        let warm = probe(&mut server, Some(order), None);
        let ran: Vec<&str> = warm.results.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ran, order, "the probe ran exactly its order");
        assert_eq!(outcome_of(&warm.results, victim), expected, "{order:?}");
        assert_eq!(
            (warm.status, warm.results),
            warm_client::cold(&sandbox, &Cucumber, &commands.replay, order),
            "{order:?}"
        );
    }
    util::assert_nothing_ran_as_code(&sandbox);
    assert_eq!(server.close(), 0);
}

#[test]
fn a_probe_without_an_order_runs_the_hunts_order_of_its_seed() {
    if !require_cucumber() {
        return;
    }
    let sandbox = Sandbox::with_suite("cucumber");
    let (mut server, _, commands) = start(&sandbox);
    let warm = probe(&mut server, None, Some(19497));
    let report = sandbox.path().join("hunt.json");
    let command = commands
        .hunt
        .render(&Values {
            seed: Some(19497),
            report: Some(&report),
            worker: Some(1),
            ..Values::default()
        })
        .unwrap();
    let output = sandbox.sh(&command);
    assert_eq!(warm.results.len(), 19);
    assert_eq!(
        (warm.status, warm.results),
        (
            i64::from(output.status.code().unwrap()),
            warm_client::results(&Cucumber, &report)
        )
    );
    server.close();
}

#[test]
fn an_id_that_names_no_scenario_is_refused_and_the_server_goes_on() {
    if !require_cucumber() {
        return;
    }
    let sandbox = Sandbox::with_suite("cucumber");
    let (mut server, _, _) = start(&sandbox);
    for unknown in ["features/checkout.feature:13", "features/nowhere.feature:3"] {
        let (probe, refused) = server.send(Some(&[P1, unknown]), None, worker());
        assert_eq!(refused["event"], "refused", "{refused}");
        assert_eq!(refused["probe"], probe);
        assert!(
            refused["message"].as_str().unwrap().contains(unknown),
            "{refused}"
        );
    }
    assert_eq!(probe(&mut server, Some(&[V1]), None).status, 0);
    server.close();
}

/// Appends `<what> <pid>` to notes.txt from the suite's own support code; `<what>` gets a
/// `+socket` when the code could see bleed's socket, which a cold run never has.
const NOTES: &str = r##"
def bleed_note(what)
  what += '+socket' if ENV.key?('BLEED_WARM_SOCKET')
  File.open('notes.txt', 'a') { |file| file.puts("#{what} #{Process.pid}") }
end
bleed_note('loaded')
Bleed.after_fork { bleed_note('after_fork') } if defined?(Bleed)
AfterConfiguration { bleed_note('after_configuration') }
at_exit { bleed_note('at_exit') }
"##;

#[test]
fn support_code_loads_once_and_each_child_runs_after_fork_after_configuration_and_at_exit() {
    if !require_cucumber() {
        return;
    }
    let sandbox = Sandbox::with_suite("cucumber");
    sandbox.write("features/support/env.rb", NOTES);
    let cold_notes = sandbox.sh("cucumber --order defined features/checkout.feature:12 >/dev/null && cat notes.txt && rm notes.txt");
    let cold_lines = String::from_utf8_lossy(&cold_notes.stdout).into_owned();
    let cold_kinds: Vec<&str> = cold_lines
        .lines()
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(cold_kinds, ["loaded", "after_configuration", "at_exit"]);

    let (mut server, _, _) = start(&sandbox);
    let pids: Vec<i32> = (0..3)
        .map(|_| probe(&mut server, Some(&[V1]), None).pid)
        .collect();
    assert_eq!(server.close(), 0);
    let notes = fs::read_to_string(sandbox.path().join("notes.txt")).unwrap();
    let of = |pid: i32| -> Vec<&str> {
        notes
            .lines()
            .filter(|line| line.ends_with(&format!(" {pid}")))
            .map(|line| line.split(' ').next().unwrap())
            .collect()
    };
    for &pid in &pids {
        assert_eq!(
            of(pid),
            ["after_fork", "after_configuration", "at_exit"],
            "{notes}"
        );
    }
    let server_lines: Vec<&str> = notes
        .lines()
        .filter(|line| !pids.iter().any(|pid| line.ends_with(&format!(" {pid}"))))
        .collect();
    assert_eq!(server_lines.len(), 1, "{notes}");
    assert!(server_lines[0].starts_with("loaded "), "{notes}");
}

#[test]
fn a_boot_that_fails_is_told_to_bleed_in_one_line() {
    if !require_cucumber() {
        return;
    }
    let sandbox = Sandbox::with_suite("cucumber");
    sandbox.write(
        "features/support/env.rb",
        "raise 'cannot reach the test database'\n",
    );
    let (server, error, _) = start(&sandbox);
    assert_eq!(error["event"], "error", "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("cannot reach the test database"),
        "{error}"
    );
    assert_eq!(server.close(), 2);
}

#[test]
fn closing_the_socket_kills_the_running_child_and_its_group_and_ends_the_server() {
    if !require_cucumber() {
        return;
    }
    let sandbox = Sandbox::with_suite("cucumber");
    sandbox.write(
        "features/stuck.feature",
        "Feature: Stuck\n\n  Scenario: A scenario that waits on a subprocess\n    Given a subprocess that never ends\n",
    );
    sandbox.write(
        "features/step_definitions/stuck_steps.rb",
        "Given('a subprocess that never ends') do\n  File.write('stuck.txt', 'started')\n  system('sleep', '600')\nend\n",
    );
    let (mut server, _, _) = start(&sandbox);
    let server_group = server.process.id() as i32;
    let (_, forked) = server.send(Some(&["features/stuck.feature:3"]), None, worker());
    let child = forked["pid"].as_i64().unwrap() as i32;
    let deadline = Instant::now() + HANG;
    while !sandbox.path().join("stuck.txt").exists() {
        assert!(
            Instant::now() < deadline,
            "the stuck scenario never started"
        );
        thread::sleep(Duration::from_millis(20));
    }
    assert!(util::alive(-child), "the child leads a group of its own");
    assert_eq!(server.close(), 0);
    let deadline = Instant::now() + HANG;
    while util::alive(-child) || util::alive(-server_group) {
        assert!(
            Instant::now() < deadline,
            "a process outlived bleed's socket"
        );
        thread::sleep(Duration::from_millis(20));
    }
}

/// The hunt of runner_cucumber.rs: in its 8 runs every planted victim fails at least once.
const MASTER_SEED: &str = "19497";

fn culprits(bisection: &Value) -> (String, Vec<String>, Vec<String>, Vec<String>) {
    // A verdict leaves out the sets it has no use for.
    let ids = |field: &str| -> Vec<String> {
        let Some(tests) = bisection.get(field).filter(|tests| !tests.is_null()) else {
            return Vec::new();
        };
        let mut ids: Vec<String> = util::ids(tests).into_iter().map(String::from).collect();
        ids.sort();
        ids
    };
    (
        bisection["verdict"].as_str().unwrap().to_string(),
        ids("polluters"),
        ids("state_setters"),
        ids("cleaners"),
    )
}

#[test]
fn bisect_finds_the_same_culprits_warm_and_cold() {
    if !require_cucumber() {
        return;
    }
    let sandbox = Sandbox::with_suite("cucumber");
    let hunt = sandbox
        .bleed()
        .args(["hunt", "--cmd", "cucumber", "--runs", "8", "--jobs", "2"])
        .args(["--seed", MASTER_SEED, "--json"])
        .output()
        .expect("run bleed");
    util::json_exiting(&hunt, 1, "hunting");
    let runs = sandbox.runs();
    let expected: [(&str, &str, &[&str], &[&str]); 5] = [
        (V1, "polluted", &[P1], &[]),
        (V2, "polluted", &[PA, PB], &[]),
        (V3, "polluted", &[P3], &[C3]),
        (B4, "brittle", &[S4], &[]),
        (V5, "polluted", &[P5], &[]),
    ];
    for (victim, verdict, named, cleaners) in expected {
        let failing =
            runs.iter()
                .find(|run| {
                    run["results"].as_array().unwrap().iter().any(|r| {
                        r["id"] == victim && util::is_failure(r["outcome"].as_str().unwrap())
                    })
                })
                .unwrap_or_else(|| panic!("master seed {MASTER_SEED} no longer fails {victim}"));
        let run = failing["id"].as_str().unwrap();
        let warm = util::bisect(&sandbox, victim, &["--run", run, "--probe", "warm"]);
        let cold = util::bisect(&sandbox, victim, &["--run", run, "--probe", "cold"]);
        let mut named: Vec<String> = named.iter().map(|id| id.to_string()).collect();
        named.sort();
        let cleaners: Vec<String> = cleaners.iter().map(|id| id.to_string()).collect();
        let (polluters, setters) = if verdict == "brittle" {
            (Vec::new(), named)
        } else {
            (named, Vec::new())
        };
        let planted = (verdict.to_string(), polluters, setters, cleaners);
        assert_eq!(culprits(&warm), planted, "warm: {warm:#}");
        assert_eq!(culprits(&cold), planted, "cold: {cold:#}");
        let probing = &warm["probe"];
        assert_eq!(probing["mode"], "warm", "{probing}");
        assert!(probing["warm"].as_u64().unwrap() > 0, "{probing}");
        assert_eq!(probing.get("fallback"), None, "{probing}");
        assert_eq!(probing.get("disagreement"), None, "{probing}");
        assert_eq!(cold["probe"]["mode"], "cold", "{}", cold["probe"]);
        assert_eq!(cold["probe"]["warm"], 0, "{}", cold["probe"]);
    }
    util::assert_nothing_ran_as_code(&sandbox);
}

#[test]
fn killing_bleed_with_sigkill_mid_probe_leaves_no_server_and_no_child() {
    if !require_cucumber() {
        return;
    }
    let sandbox = Sandbox::with_suite("cucumber");
    // Only warm children run after-fork hooks: cold runs finish, the first warm probe hangs in
    // a subprocess of its own.
    let env = fs::read_to_string(sandbox.path().join("features/support/shop.rb")).unwrap();
    sandbox.write(
        "features/support/shop.rb",
        &format!(
            "{env}\nBleed.after_fork {{ File.write('forked.txt', Process.pid.to_s); system('sleep', '600') }} if defined?(Bleed)\n"
        ),
    );
    let mut bleed = Command::new(env!("CARGO_BIN_EXE_bleed"))
        .args([
            "bisect",
            "--cmd",
            "cucumber --order random:<seed>",
            "--seed",
            "19497",
        ])
        .args(["--victim", V1])
        .current_dir(sandbox.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + HANG;
    while !sandbox.path().join("forked.txt").exists() {
        assert!(
            bleed.try_wait().unwrap().is_none(),
            "bleed ended before probing warm"
        );
        assert!(Instant::now() < deadline, "no warm probe started");
        thread::sleep(Duration::from_millis(20));
    }
    assert!(
        util::processes_in(&sandbox)
            .iter()
            .any(|(_, command)| command.contains("bleed-cucumber-warm-")),
        "the server runs"
    );
    bleed.kill().unwrap();
    bleed.wait().unwrap();
    util::assert_no_process_outlives_bleed(&sandbox, HANG);
}

#[test]
fn a_warm_hunt_records_the_orders_and_outcomes_of_a_cold_one() {
    if !require_cucumber() {
        return;
    }
    let hunts: Vec<Vec<util::SeededRun>> = [&["--warm"][..], &[]]
        .iter()
        .map(|extra| {
            let sandbox = Sandbox::with_suite("cucumber");
            let output = sandbox
                .bleed()
                .args(["hunt", "--cmd", "cucumber", "--runs", "6", "--jobs", "2"])
                .args(["--seed", MASTER_SEED, "--json"])
                .args(*extra)
                .output()
                .expect("run bleed");
            let report = util::json_exiting(&output, 1, "hunting");
            let warm_runs = report["warm"]["warm"].as_u64().unwrap_or(0);
            assert_eq!(warm_runs > 0, !extra.is_empty(), "{}", report["warm"]);
            util::runs_by_seed(&sandbox)
        })
        .collect();
    assert_eq!(hunts[0].len(), 6);
    assert_eq!(hunts[0], hunts[1]);
}

#[test]
fn a_cucumber_the_server_does_not_know_is_probed_cold_saying_why() {
    if !require_cucumber() {
        return;
    }
    let sandbox = Sandbox::with_suite("cucumber");
    // The real cucumber under another version number, as its own program would run it.
    sandbox.write(
        "other/cucumber",
        "#!/usr/bin/env ruby\nrequire 'cucumber/rspec/disable_option_parser'\nrequire 'cucumber/cli/main'\n\
         Cucumber.send(:remove_const, :VERSION)\nCucumber::VERSION = '9.2.0'\n\
         Cucumber::Cli::Main.new(ARGV.dup).execute!\n",
    );
    let made = sandbox.sh("chmod +x other/cucumber");
    assert!(made.status.success(), "{made:?}");
    let output = sandbox
        .bleed()
        .args(["bisect", "--cmd", "other/cucumber --order random:<seed>"])
        .args(["--seed", "19497", "--victim", V1, "--json"])
        .output()
        .expect("run bleed");
    let bisection = util::json_exiting(&output, 0, "bisecting under another version");
    assert_eq!(util::ids(&bisection["polluters"]), [P1]);
    let probing = &bisection["probe"];
    assert_eq!(probing["mode"], "cold", "{probing}");
    assert!(
        probing["fallback"]
            .as_str()
            .unwrap_or("")
            .contains("knows cucumber 2.4 only, and this is cucumber 9.2.0"),
        "{probing}"
    );
}
