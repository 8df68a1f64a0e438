//! pytest ≥ 7.0: seeded order from pytest-randomly; results, and explicit orders, through a small
//! plugin of bleed's (`bleed_pytest.py`, written under the temp dir and loaded with
//! `-p bleed_pytest`), which names each test by the node id the command line accepts back.
//!
//! Why a plugin: JUnit's `file` names the file that defines the function, the decorator's module
//! for a test wrapped by a decorator from elsewhere, so ids rebuilt from it need not exist; and
//! `@file` arguments, the other way to keep a long order off the command line, need pytest 8.2.
//! JUnit is still read for reports from CI (`bleed bisect --junit`).

use std::path::Path;

mod command;
mod report;

use super::{
    Adapter, Capabilities, Invocation, JUNIT_OUTCOME, RunResults, VictimCheck, Warm,
    accepts_appended_args, inline_order, parse_version, scripted_order,
};
use crate::error::{Error, Result};
use crate::template::{Placeholder, Template, Values, join_keeping_placeholders};
use command::{MODULE, WARM_MODULE, install_plugin, with_plugin_path, without_plugin_path};

pub struct Pytest;

/// Options of pytest and common plugins that take their value as the next argument, so that
/// the value is not mistaken for a test path.
const OPTIONS_WITH_VALUES: &[&str] = &[
    "-k",
    "-m",
    "-p",
    "-o",
    "-c",
    "-W",
    "-n",
    "--rootdir",
    "--basetemp",
    "--junitxml",
    "--junit-xml",
    "--junit-prefix",
    "--deselect",
    "--ignore",
    "--ignore-glob",
    "--confcutdir",
    "--maxfail",
    "--tb",
    "--durations",
    "--durations-min",
    "--log-level",
    "--log-file",
    "--log-format",
    "--capture",
    "--color",
    "--import-mode",
    "--override-ini",
    "--config-file",
    "--cov",
    "--cov-report",
    "--dist",
    "--numprocesses",
    "--randomly-seed",
    "--timeout",
];

/// Options that would reorder or distribute the tests of a replay; dropped from it.
const REORDERING_OPTIONS: &[&str] = &["-n", "--numprocesses", "--dist", "--randomly-seed"];

/// Where the pytest program word is: `pytest`, `py.test`, a path to either, or `-m pytest`.
fn pytest_position(words: &[String]) -> Option<usize> {
    words.iter().enumerate().position(|(i, word)| {
        let base = word.rsplit('/').next().unwrap_or(word);
        matches!(base, "pytest" | "py.test")
            && (i == 0 || words[i - 1] == "-m" || !words[i - 1].starts_with('-'))
    })
}

fn correct_example() -> &'static str {
    "e.g. --cmd \"python3 -m pytest -q tests\" (bleed adds -p randomly --randomly-seed=<seed> and its plugin, which writes <report>)"
}

/// The options that load bleed's plugin and send its report to `<report>`.
fn plugin_args() -> String {
    format!("-p {MODULE} --bleed-report={}", Placeholder::Report.token())
}

/// Whether the command sets `PYTHONPATH` itself before the program.
fn sets_pythonpath(command: &str) -> bool {
    Invocation::parse(command).is_some_and(|invocation| {
        invocation.words[..invocation.args]
            .iter()
            .any(|word| word.starts_with("PYTHONPATH="))
    })
}

/// The user's words without a JUnit report at `<report>` and its `junit_family`, which bleed's
/// plugin replaces; None when there is none.
fn without_junit_report(words: &[String]) -> Option<Vec<String>> {
    let at_report = |word: &str| {
        ["--junitxml=", "--junit-xml="]
            .iter()
            .any(|option| word.strip_prefix(option) == Some(Placeholder::Report.token()))
    };
    if !words.iter().any(|word| at_report(word)) {
        return None;
    }
    let mut kept = Vec::new();
    let mut rest = words.iter().peekable();
    while let Some(word) = rest.next() {
        let family_next = matches!(word.as_str(), "-o" | "--override-ini")
            && rest.peek().is_some_and(|v| v.starts_with("junit_family="));
        if family_next {
            rest.next();
        } else if !at_report(word) && !word.starts_with("--override-ini=junit_family=") {
            kept.push(word.clone());
        }
    }
    Some(kept)
}

/// How a hunt's results reach bleed.
enum Reporting {
    /// bleed's plugin writes `<report>`: it goes into this command (the user's, without a JUnit
    /// report at `<report>`, which the plugin's replaces).
    Plugin(String),
    /// A compound command, to which nothing can be added, writes xunit1 JUnit to `<report>`
    /// itself: read as a CI report is.
    OwnJunit,
}

fn reporting(user: &Template) -> Result<Reporting> {
    let text = user.as_str();
    let simple = accepts_appended_args(text);
    if !user.has(Placeholder::Report) {
        return if simple {
            Ok(Reporting::Plugin(text.trim_end().to_string()))
        } else {
            Err(Error::usage(format!(
                "bleed cannot add its options to a compound command (pipe, &&, ;, redirection): \
                 make it one simple command, {}",
                correct_example()
            )))
        };
    }
    if simple {
        let words = shell_words::split(text).ok();
        return match words.as_deref().and_then(without_junit_report) {
            Some(kept) => Ok(Reporting::Plugin(join_keeping_placeholders(&kept))),
            None => Err(Error::usage(format!(
                "bleed reads pytest's results through a plugin of its own, which writes <report>: \
                 leave <report> out of the command, {}",
                correct_example()
            ))),
        };
    }
    if !text.contains("junit_family=xunit1") {
        return Err(Error::usage(format!(
            "a compound command that writes JUnit to <report> must write xunit1, which names each \
             test's file: add -o junit_family=xunit1, or make the command simple, {}",
            correct_example()
        )));
    }
    Ok(Reporting::OwnJunit)
}

/// What the hunt adds for its order: nothing when the command has `<seed>`.
fn seed_additions(user: &Template) -> Result<Option<&'static str>> {
    let text = user.as_str();
    if user.has(Placeholder::Seed) {
        return Ok(None);
    }
    if text.contains("randomly-seed") {
        return Err(Error::usage(format!(
            "the command fixes pytest-randomly's seed: write --randomly-seed=<seed> so each run gets its own, {}",
            correct_example()
        )));
    }
    if text.contains("no:randomly") {
        return Err(Error::usage(format!(
            "the command disables pytest-randomly (-p no:randomly), so the order would never change: {}",
            correct_example()
        )));
    }
    Ok(Some("-p randomly --randomly-seed=<seed>"))
}

impl Adapter for Pytest {
    fn name(&self) -> &'static str {
        "pytest"
    }

    fn recognises(&self, invocation: &Invocation) -> bool {
        matches!(invocation.program.as_str(), "pytest" | "py.test")
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            seeded_order: "pytest-randomly: -p randomly --randomly-seed=<seed> (added when missing)",
            explicit_order: "node ids in the order given, by bleed's plugin (-p bleed_pytest --bleed-order=<tests-file>), \
                             pytest-randomly off; the reproducer lists the node ids on the command line",
            results: "JSON lines from bleed's plugin (-p bleed_pytest --bleed-report=<report>, added); \
                      JUnit xunit1 from CI with --junit",
            selector: "node id as the command line takes it: path::Class::test[param]",
            versions: "pytest ≥ 7.0 with pytest-randomly; tested on 7.0.1 (orders only), 7.4.4 (pytest-randomly 4.1.0) and 9.2.0 (5.1.0)",
        }
    }

    fn hunt_command(&self, user: &Template) -> Result<Template> {
        let seed = seed_additions(user)?;
        let command = match reporting(user)? {
            Reporting::OwnJunit if seed.is_none() => return Ok(user.clone()),
            Reporting::OwnJunit => {
                return Err(Error::usage(format!(
                    "bleed cannot add its options to a compound command (pipe, &&, ;, redirection): \
                     put --randomly-seed=<seed> in it yourself, {}",
                    correct_example()
                )));
            }
            Reporting::Plugin(command) => command,
        };
        // The plugin before pytest-randomly: it stands in for a missing one (see the plugin).
        let mut command = format!("{command} {}", plugin_args());
        if let Some(seed) = seed {
            command = format!("{command} {seed}");
        }
        let dir = install_plugin()?;
        Template::parse(&with_plugin_path(&command, sets_pythonpath(&command), &dir))
    }

    fn listing_command(&self, hunt: &Template) -> Result<Template> {
        let dir = install_plugin()?;
        let text = without_plugin_path(hunt.as_str(), &dir);
        let words = shell_words::split(&text)
            .ok()
            .filter(|_| accepts_appended_args(&text))
            .ok_or_else(|| {
                Error::usage(
                    "bleed cannot list the tests of a compound pytest command in their natural \
                     order (pipe, &&, ;): hunt with --order runner, or with a plain pytest command",
                )
            })?;
        let Some(start) = pytest_position(&words) else {
            return Err(Error::usage(
                "the command does not run pytest: give --runner generic",
            ));
        };
        let mut kept: Vec<String> = words[..=start].to_vec();
        kept.extend(kept_options(&words[start + 1..], true));
        kept.extend(["-p", "no:randomly", "-p", "no:xdist"].map(String::from));
        let command = join_keeping_placeholders(&kept);
        Template::parse(&with_plugin_path(&command, sets_pythonpath(&command), &dir))
    }

    fn replay_command(&self, hunt: &Template) -> Result<Template> {
        let dir = install_plugin()?;
        let text = without_plugin_path(hunt.as_str(), &dir);
        let words = shell_words::split(&text)
            .ok()
            .filter(|_| accepts_appended_args(&text));
        let Some(words) = words else {
            return Err(Error::usage(
                "bleed cannot derive a replay command from a compound pytest command: give one with --replay-cmd, \
                 e.g. --replay-cmd \"python3 -m pytest -p no:randomly --junitxml=<report> -o junit_family=xunit1 <tests>\"",
            ));
        };
        let Some(start) = pytest_position(&words) else {
            return Err(Error::usage(
                "the command does not run pytest: give --replay-cmd, or --runner generic",
            ));
        };
        let mut kept: Vec<String> = words[..=start].to_vec();
        kept.extend(replayed_options(&words[start + 1..]));
        let mut command = join_keeping_placeholders(&kept);
        // The order goes through a file the plugin reads, which keeps long orders off the
        // command line (ARG_MAX) and works on every pytest ≥ 7 (`@file` needs 8.2).
        command.push_str(&format!(
            " -p no:randomly -p no:xdist {} --bleed-order={}",
            plugin_args(),
            Placeholder::TestsFile.token()
        ));
        Template::parse(&with_plugin_path(&command, sets_pythonpath(&command), &dir))
    }

    fn read_results(&self, report: &Path) -> RunResults {
        report::read(report)
    }

    fn report_extension(&self) -> &'static str {
        "jsonl"
    }

    fn running_test(&self, report: &Path) -> Option<String> {
        report::running(report)
    }

    /// The replay without bleed's plugin: the node ids on the command line, in order, which
    /// pytest 7 and later run as given.
    fn reproducer(&self, replay: &Template, order: &[String], seed: Option<u64>) -> Result<String> {
        match plain_replay(replay, order)? {
            Some(command) => Ok(command),
            // A --replay-cmd written by hand is shown whole, as bleed runs it.
            None => inline_order(replay, order, seed, Path::new("/tmp/bleed-report.jsonl")),
        }
    }

    /// The plain reproducer writing JUnit XML, which any pytest writes without bleed's plugin.
    fn scripted(
        &self,
        replay: &Template,
        order: &[String],
        seed: Option<u64>,
    ) -> Result<Option<String>> {
        match plain_replay(replay, order)? {
            Some(command) => Ok(Some(format!("{command} --junitxml=\"$report\""))),
            None => scripted_order(replay, order, seed),
        }
    }

    fn victim_check(&self, victim: &str, _name: Option<&str>) -> Option<VictimCheck> {
        Some(VictimCheck::program(
            "python3",
            JUNIT_OUTCOME,
            vec![("VICTIM", junit_id(victim))],
        ))
    }

    fn warm_support(&self) -> &'static str {
        "yes: a plugin collects the suite once (conftest.py, test modules), then forks a child per probe \
         that runs the node ids with pytest's own run loop; conftest.py's pytest_bleed_after_fork(config) \
         runs in each child first"
    }

    fn warm(&self, hunt: &Template, replay: &Template, _scratch: &Path) -> Result<Option<Warm>> {
        let dir = install_plugin()?;
        let command = server_command(
            &without_plugin_path(hunt.as_str(), &dir),
            &without_plugin_path(replay.as_str(), &dir),
        )?;
        Ok(Some(Warm::Server {
            command: with_plugin_path(&command, sets_pythonpath(&command), &dir),
        }))
    }

    fn version_command(&self, hunt: &Template) -> Option<String> {
        let text = without_plugin_path(hunt.as_str(), &install_plugin().ok()?);
        let words = shell_words::split(&text).ok()?;
        let start = pytest_position(&words)?;
        let mut command = words[..=start].to_vec();
        command.push("--version".to_string());
        Some(join_keeping_placeholders(&command))
    }

    fn check_version(&self, reported: &str) -> std::result::Result<(), String> {
        match parse_version(reported) {
            Some(version @ (major, minor, patch)) if version < (7, 0, 0) => Err(format!(
                "pytest {major}.{minor}.{patch} is older than 7.0, the oldest bleed supports \
                 (bleed loads a plugin of its own into pytest): python3 -m pip install -U \
                 'pytest>=7' pytest-randomly"
            )),
            _ => Ok(()),
        }
    }
}

/// The warm server: the replay's pytest run (its options, rootdir, ini and conftests) with the
/// warm plugin in place of the order, collecting the hunt's paths and knowing the hunt's
/// pytest-randomly options for probes that run the hunt's own order. Both commands come without
/// the plugin's `PYTHONPATH`.
fn server_command(hunt: &str, replay: &str) -> Result<String> {
    let order = format!("--bleed-order={}", Placeholder::TestsFile.token());
    let words = shell_words::split(replay).unwrap_or_default();
    if !words.contains(&order) {
        return Err(Error::usage(
            "the replay command is not one bleed derived (--replay-cmd): bleed cannot tell how a \
             server started once would run it",
        ));
    }
    let report = format!("--bleed-report={}", Placeholder::Report.token());
    let mut kept: Vec<String> = words
        .into_iter()
        .filter(|word| *word != order && *word != report)
        .collect();
    kept.extend(["-p".to_string(), WARM_MODULE.to_string()]);
    let hunt_words = shell_words::split(hunt).unwrap_or_default();
    if let Some(start) = pytest_position(&hunt_words) {
        let hunt = hunt_arguments(&hunt_words[start + 1..]);
        kept.extend(
            hunt.paths
                .iter()
                .map(|path| format!("--bleed-collect={path}")),
        );
        kept.extend(
            hunt.randomly
                .iter()
                .map(|flag| format!("--bleed-randomly={flag}")),
        );
        if hunt.distributed {
            kept.push("--bleed-distributed".to_string());
        }
    }
    let command = join_keeping_placeholders(&kept);
    if let Some(placeholder) = Placeholder::ALL
        .iter()
        .find(|placeholder| command.contains(placeholder.token()))
    {
        return Err(Error::usage(format!(
            "the replay command takes {} from each probe, which a server started once cannot",
            placeholder.token()
        )));
    }
    Ok(command)
}

/// What a warm server takes from the hunt's own arguments.
#[derive(Default)]
struct HuntArguments {
    /// Its arguments that are not options or their values.
    paths: Vec<String>,
    /// Its pytest-randomly options that change the order or the reseeding.
    randomly: Vec<String>,
    /// Whether it spreads its tests over xdist workers, which no single child can do.
    distributed: bool,
}

fn hunt_arguments(args: &[String]) -> HuntArguments {
    let mut found = HuntArguments::default();
    let mut rest = args.iter();
    while let Some(word) = rest.next() {
        let name = word.split_once('=').map_or(word.as_str(), |(name, _)| name);
        if matches!(name, "-n" | "--numprocesses" | "--dist")
            || word.starts_with("-n") && word[2..].chars().all(|c| c.is_ascii_alphanumeric())
        {
            found.distributed = true;
        }
        if matches!(
            word.as_str(),
            "--randomly-dont-reset-seed" | "--randomly-dont-reorganize"
        ) {
            found.randomly.push(word.clone());
        } else if OPTIONS_WITH_VALUES.contains(&word.as_str()) {
            rest.next();
        } else if !word.starts_with('-') {
            found.paths.push(word.clone());
        }
    }
    found
}

/// The hunt's options a replay keeps: not its paths (the order names the tests), not bleed's
/// plugin (the replay loads it its own way), and nothing that reorders or distributes tests.
fn replayed_options(args: &[String]) -> Vec<String> {
    kept_options(args, false)
}

/// The hunt's arguments without what reorders or distributes tests; with `listing`, its paths
/// and bleed's plugin stay, so that the run is the whole suite in pytest's own order.
fn kept_options(args: &[String], listing: bool) -> Vec<String> {
    let mut kept = Vec::new();
    let mut rest = args.iter();
    while let Some(word) = rest.next() {
        let (name, inline_value) = match word.split_once('=') {
            Some((name, _)) if name.starts_with("--") => (name, true),
            _ => (word.as_str(), false),
        };
        let takes_next = !inline_value && OPTIONS_WITH_VALUES.contains(&name);
        let value = if takes_next { rest.next() } else { None };
        let toggled = |plugin: &str| plugin.ends_with("randomly") || plugin == MODULE;
        let plugin_toggle = name == "-p" && value.is_some_and(|v| toggled(v))
            || word.len() > 2 && word.strip_prefix("-p").is_some_and(toggled);
        let plugin_toggle = plugin_toggle && !(listing && value.is_some_and(|v| v == MODULE));
        let drop = REORDERING_OPTIONS.contains(&name)
            || name.starts_with("--randomly-")
            || !listing && (name.starts_with("--bleed-") || !word.starts_with('-'))
            || plugin_toggle;
        if !drop {
            kept.push(word.clone());
            kept.extend(value.cloned());
        }
    }
    kept
}

/// The replay without bleed's plugin and with the node ids written out; None for a replay
/// command written by hand, which bleed shows whole.
fn plain_replay(replay: &Template, order: &[String]) -> Result<Option<String>> {
    let dir = install_plugin()?;
    let text = without_plugin_path(replay.as_str(), &dir);
    let ours = format!("--bleed-order={}", Placeholder::TestsFile.token());
    let words = shell_words::split(&text)
        .map_err(|e| Error::usage(format!("cannot read the replay command: {e}")))?;
    if !words.contains(&ours) {
        return Ok(None);
    }
    let mut kept = Vec::new();
    let mut words = words.into_iter().peekable();
    while let Some(word) = words.next() {
        if word == "-p" && words.peek().is_some_and(|value| value == MODULE) {
            words.next();
        } else if !word.starts_with("--bleed-") {
            kept.push(word);
        }
    }
    kept.push(Placeholder::Tests.token().to_string());
    let command = Template::parse(&join_keeping_placeholders(&kept))?.render(&Values {
        tests: Some(order),
        ..Values::default()
    })?;
    Ok(Some(command))
}

/// The `classname::name` pytest's JUnit XML gives a node id (its `mangle_test_address`): the
/// path made a dotted module, then the classes, then the name with its parameters.
fn junit_id(node_id: &str) -> String {
    let (path, parameters) = node_id.split_at(node_id.find('[').unwrap_or(node_id.len()));
    let mut names: Vec<String> = path.split("::").map(String::from).collect();
    let module = names[0].replace('/', ".");
    names[0] = module.strip_suffix(".py").unwrap_or(&module).to_string();
    let name = format!("{}{parameters}", names.pop().unwrap_or_default());
    if names.is_empty() {
        name
    } else {
        format!("{}::{name}", names.join("."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_ids_are_named_as_pytests_junit_names_them() {
        assert_eq!(
            junit_id("tests/test_cart.py::test_total"),
            "tests.test_cart::test_total"
        );
        assert_eq!(
            junit_id("tests/test_a.py::TestOuter::TestInner::test_z[a/b::c.py]"),
            "tests.test_a.TestOuter.TestInner::test_z[a/b::c.py]"
        );
        assert_eq!(junit_id("test_top.py::test_w"), "test_top::test_w");
    }

    #[test]
    fn the_script_adds_a_junit_report_to_the_plain_reproducer() {
        let hunt = Pytest
            .hunt_command(&Template::parse("python3 -m pytest -q tests").unwrap())
            .unwrap();
        let replay = Pytest.replay_command(&hunt).unwrap();
        let order = ["tests/a.py::t".to_string(), "tests/b.py::it's".to_string()];
        let plain = Pytest.reproducer(&replay, &order, None).unwrap();
        assert_eq!(
            Pytest.scripted(&replay, &order, None).unwrap(),
            Some(format!("{plain} --junitxml=\"$report\""))
        );
    }

    /// What bleed puts in front of a command to load its plugin, for the expected commands.
    fn loading(command: &str) -> String {
        with_plugin_path(command, false, &install_plugin().unwrap())
    }

    #[test]
    fn recognises_pytest_in_its_usual_spellings() {
        let recognised =
            |command: &str| Invocation::parse(command).is_some_and(|i| Pytest.recognises(&i));
        for yes in [
            "pytest",
            "python3 -m pytest -q tests",
            "py.test x",
            ".venv/bin/pytest",
            "poetry run pytest",
            "uv run pytest",
        ] {
            assert!(recognised(yes), "{yes}");
        }
        for no in [
            "rspec --seed <seed>",
            "cargo test",
            "go test ./...",
            "mytool -k pytest",
        ] {
            assert!(!recognised(no), "{no}");
        }
    }

    #[test]
    fn a_command_gets_the_seed_and_the_plugin() {
        let hunt = |command: &str| {
            Pytest
                .hunt_command(&Template::parse(command).unwrap())
                .unwrap()
                .as_str()
                .to_string()
        };
        assert_eq!(
            hunt("python3 -m pytest -q tests"),
            loading(
                "python3 -m pytest -q tests -p bleed_pytest --bleed-report=<report> -p randomly --randomly-seed=<seed>"
            )
        );
        // A JUnit report at <report> gives way to the plugin's; the seed given is kept.
        assert_eq!(
            hunt(
                "python3 -m pytest -q -p randomly --randomly-seed=<seed> --junitxml=<report> -o junit_family=xunit1 tests"
            ),
            loading(
                "python3 -m pytest -q -p randomly --randomly-seed=<seed> tests -p bleed_pytest --bleed-report=<report>"
            )
        );
        let dir = install_plugin().unwrap();
        assert_eq!(
            hunt("PYTHONPATH=src pytest"),
            with_plugin_path(
                "PYTHONPATH=src pytest -p bleed_pytest --bleed-report=<report> -p randomly --randomly-seed=<seed>",
                true,
                &dir
            )
        );
        // A compound command that writes xunit1 itself is run as written and read as JUnit.
        let compound = "cd x && pytest -p randomly --randomly-seed=<seed> --junitxml=<report> -o junit_family=xunit1";
        assert_eq!(hunt(compound), compound);
    }

    #[test]
    fn commands_that_cannot_vary_or_report_are_refused() {
        for (command, hint) in [
            ("pytest --randomly-seed=3 tests", "--randomly-seed=<seed>"),
            ("pytest -p no:randomly tests", "no:randomly"),
            ("pytest --report-log=<report> tests", "leave <report> out"),
            ("cd x && pytest tests", "compound"),
            (
                "cd x && pytest --randomly-seed=<seed> --junitxml=<report>",
                "xunit1",
            ),
        ] {
            let error = Pytest
                .hunt_command(&Template::parse(command).unwrap())
                .unwrap_err();
            assert!(error.message.contains(hint), "{command}: {}", error.message);
        }
    }

    #[test]
    fn replay_drops_shuffling_and_paths_and_keeps_the_rest() {
        let hunt = Pytest
            .hunt_command(
                &Template::parse(
                    "python3 -m pytest -q -k 'not slow' -n 4 --randomly-dont-reorganize tests other/test_x.py",
                )
                .unwrap(),
            )
            .unwrap();
        let replay = Pytest.replay_command(&hunt).unwrap();
        assert_eq!(
            replay.as_str(),
            loading(
                "python3 -m pytest -q -k 'not slow' -p no:randomly -p no:xdist -p bleed_pytest --bleed-report=<report> --bleed-order=<tests-file>"
            )
        );
    }

    fn server(hunt: &Template, replay: &Template) -> Result<String> {
        match Pytest.warm(hunt, replay, Path::new("/nonexistent"))? {
            Some(Warm::Server { command }) => Ok(command),
            _ => panic!("pytest's warm probes are a server"),
        }
    }

    #[test]
    fn the_warm_server_is_the_replay_collecting_the_hunts_paths() {
        let hunt = Pytest
            .hunt_command(
                &Template::parse(
                    "python3 -m pytest -q -k 'not slow' -n 4 --randomly-dont-reorganize tests 'other dir/test_x.py'",
                )
                .unwrap(),
            )
            .unwrap();
        let replay = Pytest.replay_command(&hunt).unwrap();
        assert_eq!(
            server(&hunt, &replay).unwrap(),
            loading(
                "python3 -m pytest -q -k 'not slow' -p no:randomly -p no:xdist -p bleed_pytest -p bleed_pytest_warm \
                 --bleed-collect=tests '--bleed-collect=other dir/test_x.py' \
                 --bleed-randomly=--randomly-dont-reorganize --bleed-distributed"
            )
        );
        // Without paths pytest collects what a hunt would (testpaths, or the directory).
        let plain = Pytest
            .hunt_command(&Template::parse("PYTHONPATH=src pytest").unwrap())
            .unwrap();
        let dir = install_plugin().unwrap();
        assert_eq!(
            server(&plain, &Pytest.replay_command(&plain).unwrap()).unwrap(),
            with_plugin_path(
                "PYTHONPATH=src pytest -p no:randomly -p no:xdist -p bleed_pytest -p bleed_pytest_warm",
                true,
                &dir
            )
        );
    }

    #[test]
    fn a_replay_a_server_cannot_stand_for_goes_cold() {
        let hunt = Pytest
            .hunt_command(&Template::parse("python3 -m pytest -q tests").unwrap())
            .unwrap();
        let own = Template::parse("python3 -m pytest -p no:randomly <tests> --junitxml=<report>")
            .unwrap();
        let error = server(&hunt, &own).unwrap_err();
        assert!(error.message.contains("--replay-cmd"), "{}", error.message);

        let seeded = Pytest
            .hunt_command(
                &Template::parse("python3 -m pytest --fixture-seed=<seed> -p randomly --randomly-seed=<seed> tests")
                    .unwrap(),
            )
            .unwrap();
        let error = server(&seeded, &Pytest.replay_command(&seeded).unwrap()).unwrap_err();
        assert!(error.message.contains("<seed>"), "{}", error.message);
    }

    #[test]
    fn the_reproducer_lists_the_node_ids_without_the_plugin() {
        let replay = Pytest
            .replay_command(
                &Pytest
                    .hunt_command(&Template::parse("python3 -m pytest -q tests").unwrap())
                    .unwrap(),
            )
            .unwrap();
        let order = vec![
            "tests/a.py::test_p[it's \"q\" $(x)]".to_string(),
            "tests/a.py::test_p[a::b ]".to_string(),
            "tests/b.py::test_v".to_string(),
        ];
        assert_eq!(
            Pytest.reproducer(&replay, &order, None).unwrap(),
            "python3 -m pytest -q -p no:randomly -p no:xdist 'tests/a.py::test_p[it'\\''s \"q\" $(x)]' \
             'tests/a.py::test_p[a::b ]' tests/b.py::test_v"
        );
        assert_eq!(
            Pytest
                .version_command(&Template::parse("python3 -m pytest -q tests").unwrap())
                .unwrap(),
            "python3 -m pytest --version"
        );
        assert_eq!(
            Pytest.version_command(&replay).unwrap(),
            "python3 -m pytest --version"
        );
    }

    #[test]
    fn pytest_older_than_7_is_refused_with_what_to_install() {
        assert_eq!(Pytest.check_version("pytest 7.0.0"), Ok(()));
        assert_eq!(Pytest.check_version("pytest 9.2.0"), Ok(()));
        let refused = Pytest
            .check_version("This is pytest version 6.2.5, imported from /x/pytest/__init__.py")
            .unwrap_err();
        assert!(refused.contains("6.2.5"), "{refused}");
        assert!(refused.contains("pip install"), "{refused}");
    }
}
