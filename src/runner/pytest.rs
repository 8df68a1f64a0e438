//! pytest: seeded order from pytest-randomly, results from xunit1 JUnit (it carries the `file`
//! attribute that node ids need), explicit order by node ids with pytest-randomly switched off.

use std::path::Path;

use super::{
    Adapter, Capabilities, Invocation, RunResults, accepts_appended_args, results_from_junit,
};
use crate::error::{Error, Result};
use crate::junit::Case;
use crate::outcome::TestResult;
use crate::template::{Placeholder, Template, Values, join_keeping_placeholders};

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

impl Pytest {
    /// The node id pytest prints and accepts back: `path::Class::name[param]`, rebuilt from
    /// xunit1's `file` and the dotted `classname` (module path, then classes).
    pub fn node_id(case: &Case) -> String {
        let classname = case.classname.as_deref().unwrap_or("");
        let Some(file) = case.file.as_deref() else {
            // xunit2 has no `file`: the module path is the best guess.
            return if classname.is_empty() {
                case.name.clone()
            } else {
                format!("{}.py::{}", classname.replace('.', "/"), case.name)
            };
        };
        let module = file.trim_end_matches(".py").replace(['/', '\\'], ".");
        let classes = classname.strip_prefix(module.as_str()).unwrap_or("");
        let mut id = file.to_string();
        for class in classes.split('.').filter(|c| !c.is_empty()) {
            id.push_str("::");
            id.push_str(class);
        }
        id.push_str("::");
        id.push_str(&case.name);
        id
    }
}

/// pytest reports an error in teardown as a second testcase of the same name right after the
/// first: one test ran, and it did not pass if either part failed.
fn merge_teardown_errors(results: Vec<TestResult>) -> Vec<TestResult> {
    let mut merged: Vec<TestResult> = Vec::with_capacity(results.len());
    for result in results {
        match merged.last_mut() {
            Some(previous) if previous.id == result.id => {
                if !previous.outcome.is_failure() && result.outcome.is_failure() {
                    previous.outcome = result.outcome;
                    previous.message = result.message;
                }
                if let (Some(total), Some(more)) = (&mut previous.duration, result.duration) {
                    *total += more;
                }
            }
            _ => merged.push(result),
        }
    }
    merged
}

/// Where the pytest program word is: `pytest`, `py.test`, a path to either, or `-m pytest`.
fn pytest_position(words: &[String]) -> Option<usize> {
    words.iter().enumerate().position(|(i, word)| {
        let base = word.rsplit('/').next().unwrap_or(word);
        matches!(base, "pytest" | "py.test")
            && (i == 0 || words[i - 1] == "-m" || !words[i - 1].starts_with('-'))
    })
}

fn correct_example() -> &'static str {
    "e.g. --cmd \"python3 -m pytest -q -p randomly --randomly-seed=<seed> --junitxml=<report> -o junit_family=xunit1 tests\""
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
            explicit_order: "node ids in the order given, with -p no:randomly, from @<tests-file>",
            results: "JUnit XML with junit_family=xunit1 (added when missing)",
            selector: "node id: path::Class::test[param]",
            versions: "any",
        }
    }

    fn hunt_command(&self, user: &Template) -> Result<Template> {
        let text = user.as_str();
        let simple = accepts_appended_args(text);
        let mut additions = Vec::new();
        if !user.has(Placeholder::Seed) {
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
            additions.push("-p randomly --randomly-seed=<seed>");
        }
        if !user.has(Placeholder::Report) {
            if text.contains("--junitxml") || text.contains("--junit-xml") {
                return Err(Error::usage(format!(
                    "the command writes its JUnit report to a fixed path: write --junitxml=<report> so each run gets its own, {}",
                    correct_example()
                )));
            }
            additions.push("--junitxml=<report> -o junit_family=xunit1");
        } else if !text.contains("junit_family=xunit1") {
            // xunit2 drops the `file` attribute that node ids are rebuilt from; -o wins over the ini.
            additions.push("-o junit_family=xunit1");
        }
        if additions.is_empty() {
            return Ok(user.clone());
        }
        if !simple {
            return Err(Error::usage(format!(
                "bleed cannot add its options to a compound command (pipe, &&, ;, redirection): put <seed> and <report> in it yourself, {}",
                correct_example()
            )));
        }
        Ok(user.with_args(&additions.join(" ")))
    }

    fn replay_command(&self, hunt: &Template) -> Result<Template> {
        let words = shell_words::split(hunt.as_str())
            .ok()
            .filter(|_| accepts_appended_args(hunt.as_str()));
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
        let mut rest = words[start + 1..].iter().peekable();
        while let Some(word) = rest.next() {
            let (name, inline_value) = match word.split_once('=') {
                Some((name, _)) if name.starts_with("--") => (name, true),
                _ => (word.as_str(), false),
            };
            let takes_next = !inline_value && OPTIONS_WITH_VALUES.contains(&name);
            let value = if takes_next { rest.next() } else { None };
            let plugin_toggle = name == "-p" && value.is_some_and(|v| v.ends_with("randomly"))
                || word.starts_with("-p") && word.ends_with("randomly") && word.len() > 2;
            let drop = REORDERING_OPTIONS.contains(&name)
                || name.starts_with("--randomly-")
                || plugin_toggle
                || !word.starts_with('-');
            if !drop {
                kept.push(word.clone());
                kept.extend(value.cloned());
            }
        }
        let mut command = join_keeping_placeholders(&kept);
        // pytest ≥ 8.2 reads arguments from @file, which keeps long orders under ARG_MAX.
        command.push_str(" -p no:randomly -p no:xdist @<tests-file>");
        Template::parse(&command)
    }

    fn read_results(&self, report: &Path) -> RunResults {
        let mut read = results_from_junit(report, Pytest::node_id);
        read.results = merge_teardown_errors(read.results);
        // pytest writes the 0-based line of the `def`; editors and tracebacks count from 1.
        for result in &mut read.results {
            result.line = result.line.map(|line| line + 1);
        }
        read
    }

    /// The replay command without what only bleed needs (the report), with the order inline.
    fn reproducer(
        &self,
        replay: &Template,
        order: &[String],
        _seed: Option<u64>,
    ) -> Result<String> {
        let words = shell_words::split(replay.as_str())
            .map_err(|e| Error::usage(format!("cannot read the replay command: {e}")))?;
        let mut kept = Vec::new();
        let mut words = words.into_iter().peekable();
        while let Some(word) = words.next() {
            if word == "--junitxml=<report>" || word == "@<tests-file>" {
                continue;
            }
            if word == "-o"
                && words
                    .peek()
                    .is_some_and(|value| value == "junit_family=xunit1")
            {
                words.next();
                continue;
            }
            kept.push(word);
        }
        kept.push("<tests>".to_string());
        Template::parse(&join_keeping_placeholders(&kept))?.render(&Values {
            tests: Some(order),
            ..Values::default()
        })
    }

    fn version_command(&self, hunt: &Template) -> Option<String> {
        let words = shell_words::split(hunt.as_str()).ok()?;
        let start = pytest_position(&words)?;
        let mut command = words[..=start].to_vec();
        command.push("--version".to_string());
        Some(join_keeping_placeholders(&command))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Outcome;

    fn case(file: Option<&str>, classname: &str, name: &str) -> Case {
        Case {
            name: name.into(),
            classname: Some(classname.into()),
            file: file.map(String::from),
            line: None,
            outcome: Outcome::Passed,
            time: None,
            message: None,
        }
    }

    #[test]
    fn a_teardown_error_merges_into_its_test() {
        let result = |id: &str, outcome: Outcome| TestResult {
            id: id.into(),
            outcome,
            duration: Some(1.0),
            message: outcome.is_failure().then(|| "teardown failed".to_string()),
            file: None,
            line: None,
        };
        let merged = merge_teardown_errors(vec![
            result("a", Outcome::Passed),
            result("b", Outcome::Passed),
            result("b", Outcome::Errored),
            result("c", Outcome::Passed),
        ]);
        let summary: Vec<(&str, Outcome, Option<f64>)> = merged
            .iter()
            .map(|r| (r.id.as_str(), r.outcome, r.duration))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("a", Outcome::Passed, Some(1.0)),
                ("b", Outcome::Errored, Some(2.0)),
                ("c", Outcome::Passed, Some(1.0))
            ]
        );
        assert_eq!(merged[1].message.as_deref(), Some("teardown failed"));
    }

    #[test]
    fn node_ids_are_rebuilt_from_xunit1() {
        let cases = [
            (
                case(Some("tests/test_a.py"), "tests.test_a", "test_x"),
                "tests/test_a.py::test_x",
            ),
            (
                case(Some("tests/test_a.py"), "tests.test_a.TestCart", "test_y"),
                "tests/test_a.py::TestCart::test_y",
            ),
            (
                case(
                    Some("tests/test_a.py"),
                    "tests.test_a.TestOuter.TestInner",
                    "test_z[it's \"q\" $(x)]",
                ),
                "tests/test_a.py::TestOuter::TestInner::test_z[it's \"q\" $(x)]",
            ),
            (
                case(Some("test_top.py"), "test_top", "test_w"),
                "test_top.py::test_w",
            ),
            (
                case(None, "tests.test_a", "test_x"),
                "tests/test_a.py::test_x",
            ),
        ];
        for (case, expected) in cases {
            assert_eq!(Pytest::node_id(&case), expected);
        }
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
    fn a_bare_command_gets_seed_and_report_options() {
        let hunt = Pytest
            .hunt_command(&Template::parse("python3 -m pytest -q tests").unwrap())
            .unwrap();
        assert_eq!(
            hunt.as_str(),
            "python3 -m pytest -q tests -p randomly --randomly-seed=<seed> --junitxml=<report> -o junit_family=xunit1"
        );
        let complete = "python3 -m pytest -q -p randomly --randomly-seed=<seed> --junitxml=<report> -o junit_family=xunit1 tests";
        assert_eq!(
            Pytest
                .hunt_command(&Template::parse(complete).unwrap())
                .unwrap()
                .as_str(),
            complete
        );
    }

    #[test]
    fn commands_that_cannot_vary_or_report_are_refused() {
        for (command, hint) in [
            ("pytest --randomly-seed=3 tests", "--randomly-seed=<seed>"),
            ("pytest -p no:randomly tests", "no:randomly"),
            ("pytest --junitxml=out.xml tests", "--junitxml=<report>"),
            ("cd x && pytest tests", "compound"),
        ] {
            let error = Pytest
                .hunt_command(&Template::parse(command).unwrap())
                .unwrap_err();
            assert!(error.message.contains(hint), "{command}: {}", error.message);
        }
    }

    #[test]
    fn the_reproducer_is_the_replay_without_bleeds_report_and_with_the_order_inline() {
        let replay = Pytest
            .replay_command(&Template::parse("python3 -m pytest -q tests").unwrap())
            .unwrap();
        let order = vec![
            "tests/a.py::test_p[it's \"q\" $(x)]".to_string(),
            "tests/b.py::test_v".to_string(),
        ];
        assert_eq!(
            Pytest.reproducer(&replay, &order, None).unwrap(),
            "python3 -m pytest -q -p no:randomly -p no:xdist 'tests/a.py::test_p[it'\\''s \"q\" $(x)]' tests/b.py::test_v"
        );
        assert_eq!(
            Pytest
                .version_command(&Template::parse("python3 -m pytest -q tests").unwrap())
                .unwrap(),
            "python3 -m pytest --version"
        );
    }

    #[test]
    fn replay_drops_shuffling_and_paths_and_keeps_the_rest() {
        let hunt = Template::parse(
            "python3 -m pytest -q -p randomly --randomly-seed=<seed> --junitxml=<report> -o junit_family=xunit1 -k 'not slow' -n 4 --randomly-dont-reorganize tests other/test_x.py",
        )
        .unwrap();
        let replay = Pytest.replay_command(&hunt).unwrap();
        assert_eq!(
            replay.as_str(),
            "python3 -m pytest -q --junitxml=<report> -o junit_family=xunit1 -k 'not slow' -p no:randomly -p no:xdist @<tests-file>"
        );
    }
}
