//! The harness: sandboxes that hold a copy of a testdata suite, the `bleed` binary run inside
//! them, and the check that a real test runner is installed.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

/// Longer than any hunt here should take: a hang fails the test instead of stalling the suite.
const BLEED_TIME_LIMIT: Duration = Duration::from_secs(300);

/// Whether `runner` is installed, judged by `probes` (program and arguments), which must all
/// succeed. Missing, the calling test should return at once: it is skipped loudly, or, under
/// `CI=true`, failed, because a runner CI forgot to install must not turn into a green build
/// that tested nothing.
pub fn require_runner(runner: &str, probes: &[&[&str]]) -> bool {
    for probe in probes {
        let (program, args) = probe.split_first().expect("a probe names a program");
        let installed = StdCommand::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !installed {
            let why = format!("`{}` failed", probe.join(" "));
            if on_ci() {
                panic!(
                    "{runner} is not installed ({why}); CI must run every test: install it in .ci/run"
                );
            }
            // Written to the stderr handle, not with eprintln!, which the test harness
            // captures and hides for a test that passes.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: {runner} is not installed ({why})"
            );
            return false;
        }
    }
    true
}

/// pytest and the pytest-randomly plugin that shuffles its runs, as `require_runner` wants them.
pub fn require_pytest() -> bool {
    require_runner(
        "pytest with pytest-randomly",
        &[
            &["python3", "-m", "pytest", "--version"],
            &["python3", "-c", "import pytest_randomly"],
        ],
    )
}

fn on_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true" || value == "1")
}

/// A fresh temporary directory where bleed runs, so no run leaves anything in the repository
/// and tests running in parallel never share a `.bleed/` store.
pub struct Sandbox {
    dir: TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().expect("create a temporary directory"),
        }
    }

    /// A sandbox holding a copy of `testdata/<suite>`.
    pub fn with_suite(suite: &str) -> Sandbox {
        let sandbox = Sandbox::new();
        let source = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata")
            .join(suite);
        copy_tree(&source, sandbox.path());
        sandbox
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, relative: &str, contents: &str) {
        let path = self.path().join(relative);
        fs::create_dir_all(path.parent().expect("a file has a parent directory"))
            .expect("create the file's directory");
        fs::write(&path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }

    /// The `bleed` binary, to run with this sandbox as its working directory.
    pub fn bleed(&self) -> Command {
        let mut command = Command::cargo_bin("bleed").expect("the bleed binary is built");
        command.current_dir(self.path()).timeout(BLEED_TIME_LIMIT);
        command
    }

    /// The runs recorded in `.bleed/runs.jsonl`, oldest first; none if there is no store.
    pub fn runs(&self) -> Vec<Value> {
        self.records("runs.jsonl")
    }

    /// The probes bisections ran, from `.bleed/probes.jsonl`, oldest first.
    pub fn probes(&self) -> Vec<Value> {
        self.records("probes.jsonl")
    }

    fn records(&self, file: &str) -> Vec<Value> {
        let path = self.path().join(".bleed").join(file);
        let Ok(text) = fs::read_to_string(&path) else {
            return Vec::new();
        };
        text.lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("a line of {file} is not JSON ({e}): {line}"))
            })
            .collect()
    }

    /// A copy of a Node suite that finds its runner where CI's `npm` installed it, in
    /// `node_modules` beside the suite, as a project's own would.
    pub fn with_node_suite(suite: &str, node_modules: &str) -> Sandbox {
        let sandbox = Sandbox::with_suite(suite);
        std::os::unix::fs::symlink(node_modules, sandbox.path().join("node_modules"))
            .expect("link node_modules into the sandbox");
        sandbox
    }

    /// Runs `script` with `sh -c` in the sandbox, as a user pasting a printed command would.
    pub fn sh(&self, script: &str) -> Output {
        StdCommand::new("sh")
            .args(["-c", script])
            .current_dir(self.path())
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("run sh -c {script}: {e}"))
    }

    /// Every file or directory called `name` anywhere in the sandbox.
    pub fn find(&self, name: &str) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let mut pending = vec![self.path().to_path_buf()];
        while let Some(dir) = pending.pop() {
            for entry in fs::read_dir(&dir).expect("read a sandbox directory") {
                let entry = entry.expect("read a directory entry");
                if entry.file_name() == name {
                    found.push(entry.path());
                }
                if entry.file_type().expect("stat a directory entry").is_dir() {
                    pending.push(entry.path());
                }
            }
        }
        found
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display())) {
        let entry = entry.expect("read a directory entry");
        let name = entry.file_name();
        // Left behind by running the suite by hand; a stale cache must not leak into a test.
        if name == "__pycache__" || name == ".pytest_cache" || name == ".bleed" {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().expect("stat a directory entry").is_dir() {
            fs::create_dir_all(&target).expect("create a directory in the sandbox");
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy a file into the sandbox");
        }
    }
}

/// The exit code, with bleed's stderr in the panic message when there is none (killed).
pub fn exit_code(output: &Output) -> i32 {
    output.status.code().unwrap_or_else(|| {
        panic!(
            "bleed was killed ({}); stderr:\n{}",
            output.status,
            stderr(output)
        )
    })
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The one JSON document `--json` prints on stdout.
pub fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            stderr(output)
        )
    })
}

pub fn is_failure(outcome: &str) -> bool {
    matches!(outcome, "failed" | "errored" | "flaky")
}

/// The file the planted hostile names would create if a shell ever ran one as code: each
/// suite has a test whose name or path holds `$(touch bleed-pwned)`.
pub const PWNED: &str = "bleed-pwned";

/// Test names are data: after all the runs, nothing in the sandbox was created by one.
pub fn assert_nothing_ran_as_code(sandbox: &Sandbox) {
    assert_eq!(
        sandbox.find(PWNED),
        Vec::<PathBuf>::new(),
        "a test name ran as code"
    );
}

/// bleed's JSON document, once it exited with `code`; otherwise a failure that shows what it
/// was doing and its stderr.
pub fn json_exiting(output: &Output, code: i32, doing: &str) -> Value {
    assert_eq!(
        exit_code(output),
        code,
        "{doing}; stderr:\n{}",
        stderr(output)
    );
    json(output)
}

/// A JSON array of seeds as a set: the order runs finished in is not part of a result.
pub fn seed_set(seeds: &Value) -> BTreeSet<u64> {
    seeds
        .as_array()
        .expect("an array of seeds")
        .iter()
        .filter_map(Value::as_u64)
        .collect()
}

/// The tests of `hunt --json`'s flips, in the order it lists them.
pub fn flipped(report: &Value) -> Vec<&str> {
    report["flips"]
        .as_array()
        .unwrap_or_else(|| panic!("\"flips\" is an array: {report}"))
        .iter()
        .map(|flip| flip["test"].as_str().expect("a flip names its test"))
        .collect()
}

/// The ids of a list of tests in bleed's JSON (polluters, cleaners, state_setters), in order.
pub fn ids(tests: &Value) -> Vec<&str> {
    tests
        .as_array()
        .unwrap_or_else(|| panic!("a list of tests: {tests}"))
        .iter()
        .map(|test| test["id"].as_str().expect("a test has an id"))
        .collect()
}

/// `bleed bisect --victim <victim> --jobs 2 --json <extra…>`, which must name culprits (exit 0).
pub fn bisect(sandbox: &Sandbox, victim: &str, extra: &[&str]) -> Value {
    let output = sandbox
        .bleed()
        .args(["bisect", "--victim", victim, "--jobs", "2", "--json"])
        .args(extra)
        .output()
        .expect("run bleed");
    json_exiting(&output, 0, &format!("bisecting {victim} {extra:?}"))
}

/// `bleed bisect --cmd <command> --victim <victim> --jobs 2 --json <source…>`, which must
/// name culprits (exit 0). The probe counts are part of what an adapter is judged by, so they
/// go to the test log.
pub fn bisect_json(sandbox: &Sandbox, command: &str, victim: &str, source: &[&str]) -> Value {
    let bisection = bisect(sandbox, victim, &[&["--cmd", command], source].concat());
    eprintln!(
        "{victim}: {} probes, {} cleaner probes",
        bisection["probes"], bisection["cleaner_probes"]
    );
    bisection
}

/// The five cases every runner's suite plants (see each suite's PLANTED.md), by its ids: a
/// single polluter, a pair that fails only together, a polluter with a cleaner, a brittle test
/// with its state-setter, and a polluter with a hostile name.
pub struct Plant {
    pub p1: &'static str,
    pub v1: &'static str,
    pub pa: &'static str,
    pub pb: &'static str,
    pub v2: &'static str,
    pub p3: &'static str,
    pub c3: &'static str,
    pub v3: &'static str,
    pub s4: &'static str,
    pub b4: &'static str,
    pub p5: &'static str,
    pub v5: &'static str,
}

impl Plant {
    /// Whether the plant says `test` fails after the tests in `before`, in the order they ran.
    pub fn fails_after(&self, test: &str, before: &[&str]) -> bool {
        let ran = |id: &str| before.contains(&id);
        if test == self.v1 {
            ran(self.p1)
        } else if test == self.v2 {
            ran(self.pa) && ran(self.pb)
        } else if test == self.v3 {
            let cleaned = |p3: usize| before[p3..].contains(&self.c3);
            before
                .iter()
                .rposition(|id| *id == self.p3)
                .is_some_and(|p3| !cleaned(p3))
        } else if test == self.b4 {
            !ran(self.s4)
        } else if test == self.v5 {
            ran(self.p5)
        } else {
            false
        }
    }

    /// Every outcome of a recorded run is the one the plant predicts from the recorded order,
    /// which holds only if results are stored in the order the tests ran.
    pub fn assert_outcomes_follow_the_order(&self, run: &Value) {
        let results = run["results"]
            .as_array()
            .expect("a run records its results");
        let order: Vec<&str> = results
            .iter()
            .map(|r| r["id"].as_str().expect("an id"))
            .collect();
        for (position, result) in results.iter().enumerate() {
            assert_eq!(
                is_failure(result["outcome"].as_str().expect("an outcome")),
                self.fails_after(order[position], &order[..position]),
                "{} under seed {}, after {:?}",
                order[position],
                run["seed"],
                &order[..position]
            );
        }
    }
}

/// A runner too old for bleed is refused in one line, with the version it gave, before
/// anything runs. The old runner is faked by `old/<program>` in the sandbox, which answers
/// `<program> <version_arg>` with `version_line` and runs the real program otherwise;
/// `hunt_command` runs it, and `refusal` is how the error line must start.
pub fn assert_too_old_is_refused(
    sandbox: &Sandbox,
    (program, version_arg, version_line): (&str, &str, &str),
    hunt_command: &str,
    refusal: &str,
) {
    sandbox.write(
        &format!("old/{program}"),
        &format!(
            "#!/bin/sh\n[ \"$1\" = {version_arg} ] && {{ echo {version_line}; exit 0; }}\nexec {program} \"$@\"\n"
        ),
    );
    let made = sandbox.sh(&format!("chmod +x old/{program}"));
    assert!(made.status.success(), "{made:?}");
    let output = sandbox
        .bleed()
        .args(["hunt", "--cmd", hunt_command, "--runs", "2"])
        .output()
        .expect("run bleed");
    let stderr = stderr(&output);
    assert_eq!(exit_code(&output), 3, "{stderr}");
    let error = stderr.lines().last().unwrap_or_default();
    assert!(
        error.starts_with(&format!("bleed: error: {refusal}"))
            && error.contains(&format!("says {version_line}: ")),
        "the last line says it all: {stderr}"
    );
    assert!(sandbox.runs().is_empty(), "nothing ran");
}

/// The ids and outcomes of a recorded run (or probe), in the order they ran.
pub fn ran(run: &Value) -> Vec<(String, String)> {
    run["results"]
        .as_array()
        .expect("a run records its results")
        .iter()
        .map(|r| {
            (
                r["id"].as_str().expect("an id").to_string(),
                r["outcome"].as_str().expect("an outcome").to_string(),
            )
        })
        .collect()
}

/// A recorded run: its seed, and each test's outcome in the order it ran.
pub type SeededRun = (u64, Vec<(String, String)>);

/// The runs of a hunt, by seed: what a warm hunt and a cold one of the same seeds must share.
pub fn runs_by_seed(sandbox: &Sandbox) -> Vec<SeededRun> {
    let mut runs: Vec<SeededRun> = sandbox
        .runs()
        .iter()
        .map(|run| (run["seed"].as_u64().expect("a seed"), ran(run)))
        .collect();
    runs.sort();
    runs
}

/// Whether process `pid` exists, or with a negative `pid` the process group `-pid`.
pub fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only asks whether the process or group exists.
    unsafe { libc::kill(pid, 0) == 0 }
}

/// The live processes whose working directory is in the sandbox, pid and command line: what
/// bleed started there, a warm server and its children. A zombie is already dead, waiting to
/// be reaped, and does not count.
pub fn processes_in(sandbox: &Sandbox) -> Vec<(i32, String)> {
    let dir = sandbox.path().canonicalize().expect("the sandbox exists");
    let mut found = Vec::new();
    for entry in fs::read_dir("/proc").expect("Linux has /proc").flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        if !fs::read_link(entry.path().join("cwd")).is_ok_and(|cwd| cwd.starts_with(&dir)) {
            continue;
        }
        let stat = fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        let zombie = stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'));
        if !zombie {
            let command = fs::read(entry.path().join("cmdline")).unwrap_or_default();
            found.push((pid, String::from_utf8_lossy(&command).replace('\0', " ")));
        }
    }
    found
}

/// Waits, `patience` at most, until no process is left in the sandbox: once bleed was killed
/// with SIGKILL, its warm server and the server's children must go by themselves.
pub fn assert_no_process_outlives_bleed(sandbox: &Sandbox, patience: Duration) {
    let deadline = Instant::now() + patience;
    loop {
        let left = processes_in(sandbox);
        if left.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "left running after bleed was killed: {left:?}"
        );
        thread::sleep(Duration::from_millis(20));
    }
}
