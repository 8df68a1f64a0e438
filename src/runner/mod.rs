//! Runner adapters: what bleed knows about each test runner, behind one trait.
//!
//! An adapter completes the user's hunt command with what it needs (a seed, a report), derives
//! the command that replays an explicit order, and reads the runner's report into results in
//! execution order. Everything runner-specific lives in one file per runner.

mod cucumber;
mod generic;
mod gotest;
mod jest;
mod mocha;
mod node;
mod pytest;
mod rspec;
mod ruby;
mod scripts;

use std::path::Path;

use crate::error::{Error, Result};
use crate::junit::{self, Case};
use crate::order::Arrangement;
use crate::outcome::TestResult;
use crate::template::{Placeholder, Template, Values, edit_distance, quote};

pub use cucumber::Cucumber;
pub use generic::Generic;
pub use gotest::GoTest;
pub use jest::Jest;
pub use mocha::Mocha;
pub use pytest::Pytest;
pub use rspec::Rspec;

/// What a finished run's report said.
#[derive(Debug, Default)]
pub struct RunResults {
    /// In execution order, as far as the report could be read.
    pub results: Vec<TestResult>,
    /// Why the report could not be read whole (missing, empty, truncated): the run is broken.
    pub problem: Option<String>,
}

/// How a runner's probes skip the suite's boot (see docs/warm.md).
pub enum Warm {
    /// A server in the runner's own language, started with `sh -c`, that boots the suite once
    /// and forks a child per probe, speaking the protocol of docs/warm.md.
    Server { command: String },
    /// Commands with the boot already paid (go's test binary, built once): `replay` runs
    /// exactly `<tests>` like the replay command, `hunt` runs the runner's own order of
    /// `<seed>` like the hunt command.
    Prebuilt { replay: Template, hunt: Template },
}

/// What a runner can do, for `bleed runners` and the docs.
pub struct Capabilities {
    /// How a hunt varies the order.
    pub seeded_order: &'static str,
    /// How a probe imposes an explicit order, and at what granularity.
    pub explicit_order: &'static str,
    /// Where ordered results come from.
    pub results: &'static str,
    /// What a test id looks like.
    pub selector: &'static str,
    /// The runner versions bleed supports and the ones its tests run on.
    pub versions: &'static str,
}

/// A command with its wrappers (`bundle exec`, `npx`, `python3 -m`, `env X=1`, …) seen through:
/// `program` is the runner itself and `words[args..]` its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invocation {
    pub words: Vec<String>,
    pub program: String,
    /// Index in `words` of the program's first argument.
    pub args: usize,
}

impl Invocation {
    /// None for commands that are not one simple command (pipes, `&&`) or cannot be split. A
    /// final `> <report>`, where a runner prints its report on stdout, is allowed.
    pub fn parse(command: &str) -> Option<Invocation> {
        let command = command.trim_end();
        let command = command
            .strip_suffix(Placeholder::Report.token())
            .and_then(|rest| rest.trim_end().strip_suffix('>'))
            .unwrap_or(command);
        if !accepts_appended_args(command) {
            return None;
        }
        let words = shell_words::split(command).ok()?;
        let mut at = 0;
        loop {
            let word = words.get(at)?;
            let base = word.rsplit('/').next().unwrap_or(word);
            let next = words.get(at + 1).map(String::as_str);
            match base {
                _ if is_assignment(word) => at += 1,
                "env" | "time" | "nice" | "bunx" | "exec" => at += 1,
                // npx's own options come before the program: `npx --yes -p jest@30 jest`.
                "npx" => {
                    at += 1;
                    while let Some(option) = words.get(at).filter(|w| w.starts_with('-')) {
                        let takes_value =
                            matches!(option.as_str(), "-p" | "--package" | "-c" | "--call");
                        at += if takes_value { 2 } else { 1 };
                    }
                }
                "bundle" | "pnpm" | "poetry" | "uv" | "pipenv" | "hatch" | "pdm" | "npm"
                    if matches!(next, Some("exec" | "run")) =>
                {
                    at += 2
                }
                "yarn" | "pnpm" => at += 1,
                _ if base.starts_with("python") && next == Some("-m") => {
                    let module = words.get(at + 2)?.clone();
                    return Some(Invocation {
                        words,
                        program: module,
                        args: at + 3,
                    });
                }
                _ => {
                    let program = base.to_string();
                    return Some(Invocation {
                        words,
                        program,
                        args: at + 1,
                    });
                }
            }
        }
    }

    pub fn arguments(&self) -> &[String] {
        &self.words[self.args..]
    }
}

pub trait Adapter: Send + Sync {
    fn name(&self) -> &'static str;

    /// Whether this adapter is the one for a command, judged on the runner behind its wrappers.
    fn recognises(&self, invocation: &Invocation) -> bool;

    fn capabilities(&self) -> Capabilities;

    /// The command a hunt runs: the user's, completed with the options this runner needs.
    /// Refuses, with a corrected example, a command from which no results could be read or
    /// whose order would not vary with the seed.
    fn hunt_command(&self, user: &Template) -> Result<Template>;

    /// The command that runs exactly the tests in `<tests>` (or `<tests-file>`) in the order
    /// given, derived from the hunt command. It may use `<seed>`: probes then run under the
    /// seed of the failing run (for runners that keep a subset's relative order under a seed,
    /// like go test's `-shuffle` with a `-run` filter).
    fn replay_command(&self, hunt: &Template) -> Result<Template>;

    /// Reads the report a run left at `report`.
    fn read_results(&self, report: &Path) -> RunResults;

    /// The replay command reading its order from `<tests-file>` where it took `<tests>`, for an
    /// order too long for any command line; None when the runner reads no order from a file.
    fn order_from_file(&self, _replay: &Template) -> Option<Template> {
        None
    }

    /// The test that was running when a run was killed, when the report streams each test's
    /// start (a hang is then pinned on its test).
    fn running_test(&self, _report: &Path) -> Option<String> {
        None
    }

    /// The file extension of the report the runner writes at `<report>`, so that a report kept
    /// under `.bleed/reports/` opens as what it is.
    fn report_extension(&self) -> &'static str {
        "xml"
    }

    /// Why the runner cannot run exactly `order`, said before any probe runs it (an RSpec order
    /// that splits an example group, a go subtest selected alone). None when it can.
    fn unrunnable_order(&self, _order: &[String]) -> Option<String> {
        None
    }

    /// A command a person can paste to run exactly `order`, without bleed. The default keeps
    /// the replay command whole, sending its report to a scratch file.
    fn reproducer(&self, replay: &Template, order: &[String], seed: Option<u64>) -> Result<String> {
        inline_order(replay, order, seed, Path::new("/tmp/bleed-report.xml"))
    }

    /// The command that runs `order` through the runner's own options alone, with `<report>`,
    /// when they can say it; `reproducer` and `scripted` then print it. Cold probes run it in
    /// place of the replay command, so that a command bleed prints is one it has seen run the
    /// order. None to print and probe with the replay command.
    fn plain_replay(&self, _replay: &Template, _order: &[String]) -> Result<Option<Template>> {
        Ok(None)
    }

    /// The reproducer as repro.sh runs it: `reproducer`'s command, with the runner's report
    /// written to the file the script's `$report` names (and an order file, if the command
    /// reads one, at `$order`), in the format `victim_check` reads. None when bleed cannot
    /// tell where the command writes its report: the script then goes by the exit code. The
    /// default renders a replay command that has `<report>`.
    fn scripted(
        &self,
        replay: &Template,
        order: &[String],
        seed: Option<u64>,
    ) -> Result<Option<String>> {
        scripted_order(replay, order, seed)
    }

    /// How repro.sh reads the outcome of the test `victim` from the report `scripted` writes;
    /// None to go by the exit code. `name` is the test's name as its report gave it, by which a
    /// runner whose ids are places in a file (RSpec's `[1:2]`, cucumber's `:12`) tells that an
    /// id still names the same test in another checkout.
    fn victim_check(&self, _victim: &str, _name: Option<&str>) -> Option<VictimCheck> {
        None
    }

    /// The command that prints the runner's version, for bug reports and `check_version`.
    fn version_command(&self, _hunt: &Template) -> Option<String> {
        None
    }

    /// Refuses, with the version found and what to do, a runner version outside the range
    /// bleed supports. `reported` is the first line `version_command` printed.
    fn check_version(&self, _reported: &str) -> std::result::Result<(), String> {
        Ok(())
    }

    /// True when `candidate` cannot leave state behind for `victim` because the runner keeps
    /// them apart (separate processes or module registries): bisecting skips such candidates.
    fn isolated(&self, _candidate: &str, _victim: &str) -> bool {
        false
    }

    /// Groups of tests in a run that the runner's report cannot tell apart (Jest's twins defined
    /// at one place: `test.each` rows without a placeholder, a test made in a loop). Their ids
    /// follow the order they ran, so an id may not name the same test in two runs; the hunt
    /// says so.
    fn indistinguishable(&self, _results: &[TestResult]) -> Vec<Vec<String>> {
        Vec::new()
    }

    /// Whether and how probes skip the suite's boot, in a sentence for `bleed runners`.
    fn warm_support(&self) -> &'static str {
        "no: every probe is a fresh run of the replay command"
    }

    /// Sets up warm probes for these commands, building in `scratch` what must be built first;
    /// None where the runner has none. An error says why they cannot be had this time, and
    /// bleed then probes cold.
    fn warm(&self, _hunt: &Template, _replay: &Template, _scratch: &Path) -> Result<Option<Warm>> {
        Ok(None)
    }

    /// How bleed may arrange the tests of `natural` (a run of the whole suite) in the orders it
    /// chooses itself (`hunt --order`, and every order of a runner with no seeded order of its
    /// own): the groups the replay command keeps together. The default is any order at all. An
    /// error says why the runner cannot run an order bleed chooses.
    fn arrangement(&self, natural: &[TestResult]) -> std::result::Result<Arranged, String> {
        Ok(Arranged {
            arrangement: Arrangement::flat(natural.iter().map(|result| result.id.clone())),
            kept_together: None,
        })
    }

    /// The hunt command with the runner's own shuffling off: one run of it lists the suite in
    /// its natural order, for the orders bleed chooses. The default serves commands with no
    /// seeded order to turn off.
    fn listing_command(&self, hunt: &Template) -> Result<Template> {
        if hunt.has(Placeholder::Seed) {
            return Err(Error::usage(format!(
                "bleed cannot list the tests of this {} command in their natural order: hunt with \
                 --order runner",
                self.name()
            )));
        }
        Ok(hunt.clone())
    }
}

/// A suite as a runner lets bleed arrange it.
pub struct Arranged {
    /// In the order of the run it was read from.
    pub arrangement: Arrangement,
    /// What the runner keeps together, when it cannot run every order ("each example group,
    /// its own examples before its nested groups"), for the hunt to say.
    pub kept_together: Option<&'static str>,
}

/// How repro.sh tells what happened to the victim from the runner's report.
pub struct VictimCheck {
    /// The program the check runs, one the runner needs anyway (`python3`, `ruby`, `node`);
    /// None for a check in plain sh.
    pub program: Option<&'static str>,
    /// The body of the shell function `victim_outcome REPORT`, which prints `passed`,
    /// `failed` or `skipped` then the test's place in the run (a number that grows with the
    /// order the tests ran: `failed 12`), or `missing` (not in the report) or `unreadable`.
    pub body: String,
    /// The variables the check reads, with their values: the victim's id and what is derived
    /// from it. Test names are data: they reach the check only through these.
    pub env: Vec<(&'static str, String)>,
}

impl VictimCheck {
    /// A check by a program of `program` read from the script itself, given the report's path
    /// as its one argument.
    fn program(
        program: &'static str,
        source: &str,
        env: Vec<(&'static str, String)>,
    ) -> VictimCheck {
        let invocation = match program {
            "python3" => "python3 - \"$1\"",
            "ruby" => "ruby - \"$1\"",
            _ => "node - \"$1\"",
        };
        VictimCheck {
            program: Some(program),
            body: format!(
                "{invocation} <<'BLEED_CHECK'\n{}\nBLEED_CHECK",
                source.trim_end()
            ),
            env,
        }
    }
}

/// repro.sh's check of a JUnit XML report, for runners that write one.
const JUNIT_OUTCOME: &str = include_str!("junit_outcome.py");

/// Stand-ins for repro.sh's temporary files in a rendered command: rendering quotes a path, and
/// the shell variables that hold them must be expanded, so they replace the stand-ins after.
const SCRIPT_REPORT: &str = "/bleed/repro.sh/report";
const SCRIPT_ORDER: &str = "/bleed/repro.sh/order";

/// A command rendered with the stand-ins, made into what repro.sh runs.
fn for_script(command: &str) -> String {
    command
        .replace(SCRIPT_REPORT, "\"$report\"")
        .replace(SCRIPT_ORDER, "\"$order\"")
}

/// The replay rendered whole for repro.sh, when it writes its report at `<report>`.
fn scripted_order(
    replay: &Template,
    order: &[String],
    seed: Option<u64>,
) -> Result<Option<String>> {
    if !replay.has(Placeholder::Report) {
        return Ok(None);
    }
    let command = render_order(
        replay,
        order,
        seed,
        Path::new(SCRIPT_REPORT),
        Path::new(SCRIPT_ORDER),
    )?;
    Ok(Some(for_script(&command)))
}

/// The replay rendered whole for a person: the order goes into a scratch file first when the
/// command reads one, and the report to `report`.
fn inline_order(
    replay: &Template,
    order: &[String],
    seed: Option<u64>,
    report: &Path,
) -> Result<String> {
    render_order(
        replay,
        order,
        seed,
        report,
        Path::new("/tmp/bleed-order.txt"),
    )
}

fn render_order(
    replay: &Template,
    order: &[String],
    seed: Option<u64>,
    report: &Path,
    scratch: &Path,
) -> Result<String> {
    let command = replay.render(&Values {
        seed,
        tests: Some(order),
        tests_file: Some(scratch),
        report: Some(report),
        worker: Some(1),
    })?;
    if !replay.has(Placeholder::TestsFile) {
        return Ok(command);
    }
    let lines: Vec<String> = order.iter().map(|test| quote(test)).collect();
    Ok(format!(
        "printf '%s\\n' {} > {} && {command}",
        lines.join(" "),
        scratch.display()
    ))
}

/// The first line the version command prints on stdout, else on stderr: wrappers such as npx
/// print their own warnings on stderr first.
pub fn runner_version(command: &str) -> Option<String> {
    let output = duct::cmd("sh", ["-c", command])
        .stdout_capture()
        .stderr_capture()
        .stdin_null()
        .unchecked()
        .run()
        .ok()?;
    let first_line = |bytes: &[u8]| {
        String::from_utf8_lossy(bytes)
            .lines()
            .map(str::trim)
            .find(|line| !line.is_empty())
            .map(String::from)
    };
    first_line(&output.stdout).or_else(|| first_line(&output.stderr))
}

/// The runner's version line, checked against the range the adapter supports. None when the
/// adapter cannot tell its version; a version outside the range is refused before anything runs.
pub fn checked_version(adapter: &dyn Adapter, hunt: &Template) -> Result<Option<String>> {
    let Some(reported) = adapter
        .version_command(hunt)
        .and_then(|command| runner_version(&command))
    else {
        return Ok(None);
    };
    adapter.check_version(&reported).map_err(Error::suite)?;
    Ok(Some(reported))
}

/// Refuses a command whose program the shell would not find, before anything else is said about
/// it: `pytets -q tests` is a typo to point at, not a template lacking placeholders.
pub fn check_program(command: &str) -> Result<()> {
    let Some(program) = first_program(command) else {
        return Ok(());
    };
    if program_exists(&program) {
        return Ok(());
    }
    let known = [
        "pytest", "rspec", "cucumber", "jest", "mocha", "go", "npx", "bundle", "python3",
    ];
    let nearest = known
        .iter()
        .map(|name| (edit_distance(&program, name), *name))
        .filter(|&(distance, _)| distance <= 2)
        .min();
    let hint = match nearest {
        Some((_, name)) => format!("did you mean {name}?"),
        None => "check the spelling, or install it (is it on PATH?)".to_string(),
    };
    Err(Error::suite(format!(
        "command not found: {program} (the program --cmd runs); {hint}"
    )))
}

/// The program the shell runs first, past `X=1`, `env`, `time`, `nice` and `exec`; None when
/// the command cannot be read that way or starts with something the shell resolves itself.
fn first_program(command: &str) -> Option<String> {
    let words = shell_words::split(command).ok()?;
    let word = words
        .into_iter()
        .find(|w| !is_assignment(w) && !matches!(w.as_str(), "env" | "time" | "nice" | "exec"))?;
    let resolved_by_shell = [
        "cd", ".", "source", "export", "set", "test", "[", "if", "for", "while", "until", "case",
        "{", "(", "!", "true", "false", "command", "eval", "builtin", "unset", "ulimit", "umask",
    ];
    let opaque =
        word.contains(['$', '`', '<', '(', '{']) || resolved_by_shell.contains(&word.as_str());
    (!opaque).then_some(word)
}

fn program_exists(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let executable = |path: &Path| {
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if program.contains('/') {
        return executable(Path::new(program));
    }
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| executable(&dir.join(program)))
    })
}

/// `NAME=value` before a program: an environment assignment for it.
pub fn is_assignment(word: &str) -> bool {
    word.contains('=') && !word.starts_with(['-', '='])
}

/// The first `major.minor[.patch]` in a version line ("pytest 7.4.4", "v20.1.0", "3.12.0").
pub fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let mut parts = text[start..]
        .split(|c: char| !c.is_ascii_digit())
        .map(|part| part.parse::<u32>().ok());
    let major = parts.next()??;
    let minor = parts.next().flatten()?;
    let patch = parts.next().flatten().unwrap_or(0);
    Some((major, minor, patch))
}

/// Every adapter, in the order they are tried on a command; the generic one last.
pub fn all() -> Vec<Box<dyn Adapter>> {
    vec![
        Box::new(Pytest),
        Box::new(Cucumber),
        Box::new(Rspec),
        Box::new(Jest),
        Box::new(GoTest),
        Box::new(Mocha),
        Box::new(Generic),
    ]
}

/// The names `--runner` accepts.
pub fn names() -> Vec<&'static str> {
    all().iter().map(|adapter| adapter.name()).collect()
}

/// The adapter for a command: the one named by `--runner`, else the one recognised from the
/// command, else the generic one.
pub fn select(command: &str, forced: Option<&str>) -> Result<Box<dyn Adapter>> {
    let mut adapters = all();
    if let Some(name) = forced {
        let Some(position) = adapters.iter().position(|a| a.name() == name) else {
            let names: Vec<&str> = adapters.iter().map(|a| a.name()).collect();
            return Err(Error::usage(format!(
                "unknown runner '{name}': use one of {} (see bleed runners)",
                names.join(", ")
            )));
        };
        return Ok(adapters.swap_remove(position));
    }
    let generic = adapters.len() - 1;
    let position = Invocation::parse(command)
        .and_then(|invocation| adapters.iter().position(|a| a.recognises(&invocation)))
        .unwrap_or(generic);
    Ok(adapters.swap_remove(position))
}

/// Reads a JUnit report into results, naming each case with the adapter's `id`; the testcase's
/// own name is the human one where the id is more than that. A testcase without a name or a
/// classname cuts the report short there: nothing could name it or run it again.
fn results_from_junit(report: &Path, id: impl Fn(&Case) -> String) -> RunResults {
    let parsed = junit::read_path(report);
    let mut results = Vec::with_capacity(parsed.cases.len());
    for case in &parsed.cases {
        let id = id(case);
        if id.is_empty() {
            let problem = format!(
                "testcase {} of the report has neither a name nor a classname, so bleed cannot \
                 name it or run it again",
                results.len() + 1
            );
            return RunResults {
                results,
                problem: Some(problem),
            };
        }
        results.push(TestResult {
            name: (id != case.name).then(|| case.name.clone()),
            id,
            outcome: case.outcome,
            duration: case.time,
            message: case.message.clone(),
            file: case.file.clone(),
            line: case.line,
        });
    }
    RunResults {
        results,
        problem: parsed.problem,
    }
}

/// Whether appending arguments to the command reaches the runner: not so after a pipe, a
/// `&&`, a `;` or a redirection, where bleed asks for explicit placeholders instead.
fn accepts_appended_args(command: &str) -> bool {
    let mut command = command.to_string();
    for placeholder in Placeholder::ALL {
        command = command.replace(placeholder.token(), "_");
    }
    let mut quote = None;
    let mut escaped = false;
    for c in command.chars() {
        match (quote, c) {
            _ if escaped => escaped = false,
            (Some('\''), '\'') => quote = None,
            (Some('\''), _) => {}
            (_, '\\') => escaped = true,
            (Some('"'), '"') => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '|' | ';' | '&' | '>' | '#' | '\n') => return false,
            (None, _) => {}
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mistyped_program_is_command_not_found_with_a_suggestion() {
        let error = check_program("pytets -q tests").unwrap_err();
        assert_eq!(error.code, crate::error::ExitCode::Suite);
        assert!(
            error.message.contains("command not found: pytets"),
            "{}",
            error.message
        );
        assert!(
            error.message.contains("did you mean pytest?"),
            "{}",
            error.message
        );
        assert!(check_program("sh -c true").is_ok());
        assert!(check_program("A=1 env B=2 sh -c true").is_ok());
        assert!(check_program("cd tests && pytets").is_ok());
        assert!(check_program("$RUNNER --seed <seed>").is_ok());
        assert!(check_program("./no/such/runner").is_err());
    }

    #[test]
    fn versions_are_read_from_version_lines() {
        assert_eq!(parse_version("pytest 7.4.4"), Some((7, 4, 4)));
        assert_eq!(parse_version("v20.1.0"), Some((20, 1, 0)));
        assert_eq!(parse_version("RSpec 3.12"), Some((3, 12, 0)));
        assert_eq!(
            parse_version("go version go1.19.8 linux/amd64"),
            Some((1, 19, 8))
        );
        assert_eq!(parse_version("no digits"), None);
        assert_eq!(parse_version("build 12"), None);
    }

    #[test]
    fn appended_args_reach_simple_commands_only() {
        for simple in [
            "pytest tests",
            "python3 -m pytest -k 'a|b' \"x;y\"",
            "bundle exec rspec --seed <seed>",
        ] {
            assert!(accepts_appended_args(simple), "{simple}");
        }
        for compound in [
            "pytest tests | tee log",
            "cd x && pytest",
            "pytest; echo",
            "pytest > out",
            "pytest # note",
        ] {
            assert!(!accepts_appended_args(compound), "{compound}");
        }
    }

    #[test]
    fn wrappers_are_seen_through() {
        for (command, program, first_argument) in [
            ("pytest -q", "pytest", Some("-q")),
            ("python3 -m pytest tests", "pytest", Some("tests")),
            ("bundle exec rspec --seed <seed>", "rspec", Some("--seed")),
            ("npx jest --ci", "jest", Some("--ci")),
            ("npx --yes -p jest@30 jest --ci", "jest", Some("--ci")),
            ("RAILS_ENV=test bundle exec cucumber", "cucumber", None),
            ("env A=1 B=2 /usr/bin/go test ./...", "go", Some("test")),
            ("yarn mocha spec", "mocha", Some("spec")),
            ("poetry run pytest", "pytest", None),
            ("go test ./... -json > <report>", "go", Some("test")),
        ] {
            let invocation = Invocation::parse(command).unwrap();
            assert_eq!(invocation.program, program, "{command}");
            assert_eq!(
                invocation.arguments().first().map(String::as_str),
                first_argument,
                "{command}"
            );
        }
        assert_eq!(Invocation::parse("cd x && pytest"), None);
        assert_eq!(Invocation::parse("pytest > out.txt"), None);
    }

    #[test]
    fn pytest_is_recognised_and_others_are_generic() {
        assert_eq!(
            select("python3 -m pytest -q tests", None).unwrap().name(),
            "pytest"
        );
        assert_eq!(
            select("mytool --seed <seed>", None).unwrap().name(),
            "generic"
        );
        assert_eq!(
            select("python3 -m pytest", Some("generic")).unwrap().name(),
            "generic"
        );
        let Err(unknown) = select("x", Some("nose")) else {
            panic!("an unknown runner was accepted")
        };
        assert!(unknown.message.contains("pytest"), "{}", unknown.message);
    }
}
