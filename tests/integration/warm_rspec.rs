//! Warm probes on RSpec (docs/warm.md, docs/runners/rspec.md): bleed's Ruby server boots the
//! planted suite of testdata/rspec/suite once and forks a child per probe. The verdicts must be
//! the cold ones, no probe may see another's state, `Bleed.after_fork` runs in every child, and
//! nothing outlives a bleed killed with SIGKILL.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::runner_rspec::{
    B4, C3, FAILING_SEED, P1, P3, P5, PA, PB, PLANT, S4, SUITE, V1, V2, V3, V5, hunt, require_rspec,
};
use crate::util::{self, Sandbox};

/// Bounds every wait, so a server that never exits fails the test instead of hanging it.
const PATIENCE: Duration = Duration::from_secs(60);

/// What each planted victim's bisection names: verdict, polluters, cleaners, state-setters.
fn expected(
    victim: &str,
) -> (
    &'static str,
    Vec<&'static str>,
    Vec<&'static str>,
    Vec<&'static str>,
) {
    match victim {
        v if v == V1 => ("polluted", vec![P1], vec![], vec![]),
        v if v == V2 => ("polluted", vec![PA, PB], vec![], vec![]),
        v if v == V3 => ("polluted", vec![P3], vec![C3], vec![]),
        v if v == B4 => ("brittle", vec![], vec![], vec![S4]),
        _ => ("polluted", vec![P5], vec![], vec![]),
    }
}

fn bisect(sandbox: &Sandbox, victim: &str, extra: &[&str]) -> Value {
    let output = sandbox
        .bleed()
        .args(["bisect", "--victim", victim, "--jobs", "2", "--json"])
        .args(extra)
        .output()
        .expect("run bleed");
    util::json_exiting(&output, 0, &format!("bisecting {victim} {extra:?}"))
}

fn sorted(tests: &Value) -> BTreeSet<&str> {
    util::ids(tests).into_iter().collect()
}

fn assert_names_the_planted_culprits(bisection: &Value, victim: &str) {
    let (verdict, polluters, cleaners, setters) = expected(victim);
    assert_eq!(bisection["verdict"], verdict, "{victim}: {bisection}");
    assert_eq!(
        sorted(&bisection["polluters"]),
        polluters.into_iter().collect(),
        "{victim}"
    );
    assert_eq!(
        sorted(&bisection["cleaners"]),
        cleaners.into_iter().collect(),
        "{victim}"
    );
    assert_eq!(
        sorted(&bisection["state_setters"]),
        setters.into_iter().collect(),
        "{victim}"
    );
}

/// The ids and outcomes of a recorded run, in the order they ran.
fn ran(run: &Value) -> Vec<(String, String)> {
    run["results"]
        .as_array()
        .expect("a run records its results")
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn warm_and_cold_bisections_of_every_planted_case_name_the_same_culprits() {
    if !require_rspec() {
        return;
    }
    let sandbox = Sandbox::with_suite(SUITE);
    hunt(&sandbox, &[]);
    for victim in [V1, V2, V3, B4, V5] {
        let warm = bisect(&sandbox, victim, &[]);
        assert_eq!(warm["probe"]["mode"], "warm", "{victim}: {}", warm["probe"]);
        assert!(
            warm["probe"]["warm"].as_u64() > Some(0),
            "{}",
            warm["probe"]
        );
        assert_eq!(warm["probe"].get("fallback"), None, "{}", warm["probe"]);
        assert_eq!(warm["probe"].get("disagreement"), None, "{}", warm["probe"]);
        assert_names_the_planted_culprits(&warm, victim);

        let cold = bisect(&sandbox, victim, &["--probe", "cold"]);
        assert_eq!(cold["probe"]["mode"], "cold", "{}", cold["probe"]);
        assert_eq!(cold["probe"]["warm"], 0, "{}", cold["probe"]);
        assert_names_the_planted_culprits(&cold, victim);
        assert_eq!(cold["reproducer"]["command"], warm["reproducer"]["command"]);
    }
    util::assert_nothing_ran_as_code(&sandbox);
}

/// Each probe's child starts from the booted server, never from another probe: every warm
/// probe's outcomes are the ones the plant predicts from that probe's own order, and some
/// victim passed in a probe after failing in an earlier one, which a leak would have prevented.
#[test]
fn warm_probes_do_not_leak_state_into_each_other() {
    if !require_rspec() {
        return;
    }
    let sandbox = Sandbox::with_suite(SUITE);
    hunt(&sandbox, &[]);
    for victim in [V1, V3, B4] {
        bisect(&sandbox, victim, &[]);
    }
    let warm: Vec<Value> = sandbox
        .probes()
        .into_iter()
        .filter(|probe| probe["warm"] == true)
        .collect();
    assert!(!warm.is_empty(), "no probe ran warm");
    let mut failed_before = BTreeSet::new();
    let mut passed_after_failing = false;
    for probe in &warm {
        PLANT.assert_outcomes_follow_the_order(probe);
        for (id, outcome) in ran(probe) {
            if util::is_failure(&outcome) {
                failed_before.insert(id);
            } else if failed_before.contains(&id) {
                passed_after_failing = true;
            }
        }
    }
    assert!(
        passed_after_failing,
        "no victim passed after failing: the test proves nothing"
    );
}

/// An example that writes the first random number it draws to `draws/<seed>`: the suite's
/// spec_helper seeds Ruby with RSpec's seed, and a warm hunt's run must draw what a cold one does.
const DRAWS_SPEC: &str = r#"
RSpec.describe "a draw" do
  it "is written down" do
    File.write(File.join("draws", RSpec.configuration.seed.to_s), rand(10**9).to_s)
  end
end
"#;

fn draws(sandbox: &Sandbox) -> BTreeMap<String, String> {
    fs::read_dir(sandbox.path().join("draws"))
        .expect("read draws/")
        .map(|entry| {
            let path = entry.expect("an entry").path();
            let seed = path.file_name().unwrap().to_string_lossy().into_owned();
            (seed, fs::read_to_string(&path).expect("a draw"))
        })
        .collect()
}

/// A warm hunt orders each run by its seed as `rspec --seed` does: run for run, the same
/// examples in the same order with the same outcomes, and the same random numbers, as the cold
/// hunt of the same seeds.
#[test]
fn a_warm_hunt_runs_what_the_cold_hunt_runs() {
    if !require_rspec() {
        return;
    }
    let by_seed = |sandbox: &Sandbox| -> BTreeMap<u64, Vec<(String, String)>> {
        sandbox
            .runs()
            .iter()
            .map(|run| (run["seed"].as_u64().expect("a seed"), ran(run)))
            .collect()
    };
    let with_draws = || {
        let sandbox = Sandbox::with_suite(SUITE);
        sandbox.write("spec/draws_spec.rb", DRAWS_SPEC);
        fs::create_dir(sandbox.path().join("draws")).expect("create draws/");
        sandbox
    };
    let cold = with_draws();
    let cold_report = hunt(&cold, &[]);
    let warm = with_draws();
    let warm_report = hunt(&warm, &["--warm"]);
    assert_eq!(util::flipped(&warm_report), util::flipped(&cold_report));
    assert_eq!(by_seed(&warm), by_seed(&cold));
    assert_eq!(draws(&warm), draws(&cold));
    assert_eq!(draws(&cold).len(), by_seed(&cold).len());
    assert!(
        warm.runs().iter().any(|run| run["warm"] == true),
        "no run of the warm hunt was warm"
    );
}

/// Appended to the suite's spec_helper: each child that runs the hook leaves a file named by
/// its pid, then, with BLEED_TEST_HOLD set, waits so that a probe is still running.
const AFTER_FORK: &str = r#"
Bleed.after_fork do
  File.write(File.join("forked", Process.pid.to_s), "")
  sleep 300 if ENV["BLEED_TEST_HOLD"]
end if defined?(Bleed)
"#;

fn with_after_fork_hook() -> Sandbox {
    let sandbox = Sandbox::with_suite(SUITE);
    let helper = sandbox.path().join("spec/spec_helper.rb");
    let mut text = fs::read_to_string(&helper).expect("the suite has a spec_helper");
    text.push_str(AFTER_FORK);
    fs::write(&helper, text).expect("write spec_helper");
    fs::create_dir(sandbox.path().join("forked")).expect("create forked/");
    sandbox
}

fn forked(sandbox: &Sandbox) -> Vec<PathBuf> {
    fs::read_dir(sandbox.path().join("forked"))
        .expect("read forked/")
        .map(|entry| entry.expect("an entry").path())
        .collect()
}

#[test]
fn bleed_after_fork_runs_in_every_warm_child_and_never_cold() {
    if !require_rspec() {
        return;
    }
    let sandbox = with_after_fork_hook();
    let warm = bisect(&sandbox, V2, &["--cmd", "rspec", "--seed", FAILING_SEED]);
    assert_names_the_planted_culprits(&warm, V2);
    let warm_probes = warm["probe"]["warm"]
        .as_u64()
        .expect("a count of warm probes");
    assert!(warm_probes > 0, "{}", warm["probe"]);
    // One file per child, each named by a pid of its own: the hook ran in every child (the
    // server itself, one pid, would have left one).
    assert_eq!(forked(&sandbox).len() as u64, warm_probes);

    let before = forked(&sandbox).len();
    let cold = bisect(&sandbox, V2, &["--probe", "cold"]);
    assert_names_the_planted_culprits(&cold, V2);
    assert_eq!(
        forked(&sandbox).len(),
        before,
        "Bleed is defined only in warm runs"
    );
}

/// The processes whose working directory is the sandbox: the warm server and its children.
fn processes_in(dir: &Path) -> Vec<String> {
    let dir = dir.canonicalize().expect("the sandbox exists");
    let mut found = Vec::new();
    for entry in fs::read_dir("/proc").expect("Linux has /proc") {
        let entry = entry.expect("read /proc");
        let Ok(cwd) = fs::read_link(entry.path().join("cwd")) else {
            continue;
        };
        if cwd.starts_with(&dir) {
            let cmdline = fs::read(entry.path().join("cmdline")).unwrap_or_default();
            found.push(format!(
                "{}: {}",
                entry.file_name().to_string_lossy(),
                String::from_utf8_lossy(&cmdline).replace('\0', " ")
            ));
        }
    }
    found
}

fn wait_until(what: &str, done: impl Fn() -> bool) {
    let give_up = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < give_up, "gave up waiting: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn killing_bleed_leaves_no_warm_server_or_probe_running() {
    if !require_rspec() {
        return;
    }
    let sandbox = with_after_fork_hook();
    let mut bleed = Command::new(assert_cmd::cargo::cargo_bin("bleed"))
        .args([
            "bisect",
            "--cmd",
            "rspec",
            "--seed",
            FAILING_SEED,
            "--victim",
            V5,
        ])
        .env("BLEED_TEST_HOLD", "1")
        .current_dir(sandbox.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start bleed");
    wait_until("a probe's child running its after-fork hook", || {
        !forked(&sandbox).is_empty()
    });
    bleed.kill().expect("SIGKILL bleed");
    bleed.wait().expect("reap bleed");
    wait_until("the server and its children to go", || {
        processes_in(sandbox.path()).is_empty()
    });
}

/// A command that sets RUBYOPT itself keeps the server's Bleed module out: the server says so
/// instead of serving, and bleed probes cold to the same verdict.
#[test]
fn a_server_that_cannot_serve_says_why_and_the_bisection_goes_cold() {
    if !require_rspec() {
        return;
    }
    let sandbox = Sandbox::with_suite(SUITE);
    let bisection = bisect(
        &sandbox,
        V2,
        &["--cmd", "RUBYOPT=-W0 rspec", "--seed", FAILING_SEED],
    );
    assert_names_the_planted_culprits(&bisection, V2);
    assert_eq!(bisection["probe"]["warm"], 0, "{}", bisection["probe"]);
    let fallback = bisection["probe"]["fallback"].as_str().unwrap_or_default();
    assert!(
        fallback.contains("RUBYOPT did not reach the ruby that runs rspec"),
        "{}",
        bisection["probe"]
    );
}
