//! pytest's results, from the JSON lines bleed's plugin writes, or from a JUnit XML report that
//! CI kept (`bleed bisect --junit`), told apart by their first character.

use std::fs;
use std::io::ErrorKind;
use std::path::Path;

use serde::Deserialize;

use super::super::{RunResults, results_from_junit};
use crate::junit::Case;
use crate::outcome::{TestResult, in_one_line, trim_message};

/// One line of the plugin's report.
#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum Line {
    /// A test began; its result follows once it ends.
    Started(String),
    Test(TestResult),
    End {},
    Error(String),
}

pub(super) fn read(path: &Path) -> RunResults {
    let text = match fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return broken(format!("no report was written at {}", path.display()));
        }
        Err(e) => return broken(format!("cannot read the report at {}: {e}", path.display())),
    };
    if text.trim_start().starts_with('<') {
        read_junit(path)
    } else {
        read_lines(&text)
    }
}

fn broken(problem: String) -> RunResults {
    RunResults {
        results: Vec::new(),
        problem: Some(problem),
    }
}

/// The plugin's report: a test a line as each finished, then an end line. Without the end line
/// pytest was stopped before the end of its run, and the tests it did not reach are missing.
fn read_lines(text: &str) -> RunResults {
    let mut results = Vec::new();
    let mut ended = false;
    let mut error = None;
    // Lines are taken one at a time, not collected: a report of blank lines would cost a
    // slice per byte.
    for (number, line) in text.split_inclusive('\n').enumerate() {
        let Some(line) = line.strip_suffix('\n') else {
            return RunResults {
                problem: Some(format!(
                    "the report is cut off in the middle of line {}",
                    number + 1
                )),
                results,
            };
        };
        match serde_json::from_str::<Line>(line) {
            Ok(Line::Started(_)) => {}
            Ok(Line::Test(result)) if result.id.is_empty() => {
                return RunResults {
                    problem: Some(format!(
                        "line {} of the report is a test without an id",
                        number + 1
                    )),
                    results,
                };
            }
            Ok(Line::Test(mut result)) => {
                result.message = result.message.as_deref().and_then(trim_message);
                results.push(result);
            }
            Ok(Line::End {}) => ended = true,
            Ok(Line::Error(message)) => {
                error.get_or_insert_with(|| in_one_line(&message).into_owned());
            }
            Err(e) => {
                return RunResults {
                    problem: Some(format!(
                        "line {} of the report is not one of bleed's pytest plugin ({})",
                        number + 1,
                        in_one_line(&e.to_string())
                    )),
                    results,
                };
            }
        }
    }
    let problem = error.or_else(|| {
        (!ended).then(|| {
            format!(
                "pytest stopped before the end of its run: the report ends after {}",
                crate::human::count(results.len(), "test")
            )
        })
    });
    RunResults { results, problem }
}

/// The test that started and never ended, in a report cut short (a run killed while it hung).
pub(super) fn running(path: &Path) -> Option<String> {
    let text = fs::read_to_string(path).ok()?;
    let mut running = None;
    for line in text.lines() {
        match serde_json::from_str::<Line>(line) {
            Ok(Line::Started(id)) => running = Some(id),
            Ok(Line::Test(result)) if running.as_deref() == Some(result.id.as_str()) => {
                running = None;
            }
            _ => {}
        }
    }
    running
}

fn read_junit(path: &Path) -> RunResults {
    let mut read = results_from_junit(path, node_id);
    read.results = merge_teardown_errors(read.results);
    // pytest writes the 0-based line of the `def`; editors and tracebacks count from 1. A node
    // id is already what people read: no other name.
    for result in &mut read.results {
        result.line = result.line.map(|line| line + 1);
        result.name = None;
    }
    read
}

/// The node id of a JUnit test case, `path::Class::name[param]`, rebuilt from the dotted
/// `classname` (pytest makes it from the node id: module path, then classes) and xunit1's
/// `file`, which tells where the module path ends. `file` names the file that defines the
/// function, which for a test wrapped by a decorator from another module is the decorator's:
/// then, as with xunit2 (no `file`), the classes are taken to be the trailing parts that start
/// with a capital letter, as `Test…` classes do.
pub(super) fn node_id(case: &Case) -> String {
    let classname = case.classname.as_deref().unwrap_or("");
    if classname.is_empty() {
        return case.name.clone();
    }
    let from_file = case.file.as_deref().and_then(|file| {
        let module = file.trim_end_matches(".py").replace(['/', '\\'], ".");
        let classes = classname.strip_prefix(module.as_str())?;
        (classes.is_empty() || classes.starts_with('.')).then(|| (file.to_string(), classes))
    });
    let (file, classes) = from_file.unwrap_or_else(|| {
        let parts: Vec<&str> = classname.split('.').collect();
        let module_parts = parts
            .iter()
            .rposition(|part| !part.starts_with(|c: char| c.is_ascii_uppercase()))
            .map_or(parts.len(), |last| last + 1);
        let classes = &classname[parts[..module_parts].join(".").len()..];
        (format!("{}.py", parts[..module_parts].join("/")), classes)
    });
    let mut id = file;
    for class in classes.split('.').filter(|c| !c.is_empty()) {
        id.push_str("::");
        id.push_str(class);
    }
    id.push_str("::");
    id.push_str(&case.name);
    id
}

/// pytest reports an error in teardown as a second testcase of the same name right after the
/// first: one test ran, and it did not pass if either part failed. Merged in place: a second
/// list of results would double what a long report costs.
fn merge_teardown_errors(mut results: Vec<TestResult>) -> Vec<TestResult> {
    results.dedup_by(|teardown, previous| {
        if previous.id != teardown.id {
            return false;
        }
        if !previous.outcome.is_failure() && teardown.outcome.is_failure() {
            previous.outcome = teardown.outcome;
            previous.message = teardown.message.take();
        }
        if let (Some(total), Some(more)) = (&mut previous.duration, teardown.duration) {
            *total += more;
        }
        true
    });
    results
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
            name: None,
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
            // Wrapped by a decorator from tests/util.py: `file` names the decorator's module.
            (
                case(Some("tests/util.py"), "tests.test_a", "test_x"),
                "tests/test_a.py::test_x",
            ),
            (
                case(Some("tests/util.py"), "tests.test_a.TestCart", "test_y"),
                "tests/test_a.py::TestCart::test_y",
            ),
            // A module whose name starts like another's is not taken for it.
            (
                case(Some("tests/test_a.py"), "tests.test_ab", "test_x"),
                "tests/test_ab.py::test_x",
            ),
        ];
        for (case, expected) in cases {
            assert_eq!(node_id(&case), expected);
        }
    }

    #[test]
    fn the_plugins_lines_are_read_in_order_and_a_cut_report_is_broken() {
        let test = |id: &str, outcome: &str| {
            format!(
                "{{\"test\": {{\"id\": \"{id}\", \"outcome\": \"{outcome}\", \"duration\": 0.5, \
                 \"message\": null, \"file\": \"tests/a.py\", \"line\": 3}}}}\n"
            )
        };
        let whole = format!(
            "{}{}{{\"end\": {{\"exitstatus\": 1}}}}\n",
            test("tests/a.py::b", "passed"),
            test("tests/a.py::a", "errored")
        );
        let read = read_lines(&whole);
        assert_eq!(read.problem, None);
        let ids: Vec<(&str, Outcome)> = read
            .results
            .iter()
            .map(|r| (r.id.as_str(), r.outcome))
            .collect();
        assert_eq!(
            ids,
            [
                ("tests/a.py::b", Outcome::Passed),
                ("tests/a.py::a", Outcome::Errored)
            ]
        );
        assert_eq!(read.results[0].line, Some(3));

        let killed = read_lines(&test("tests/a.py::b", "passed"));
        assert_eq!(killed.results.len(), 1, "what finished is kept");
        assert!(
            killed
                .problem
                .unwrap()
                .ends_with("stopped before the end of its run: the report ends after 1 test")
        );

        let cut = &whole[..whole.len() - 10];
        assert!(read_lines(cut).problem.unwrap().contains("cut off"));

        let refused =
            read_lines("{\"error\": \"bleed: not collected\"}\n{\"end\": {\"exitstatus\": 4}}\n");
        assert_eq!(refused.problem.as_deref(), Some("bleed: not collected"));
    }
}

#[cfg(test)]
mod running_tests {
    use super::*;

    #[test]
    fn a_test_that_started_and_never_ended_was_running() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.jsonl");
        let done = r#"{"test": {"id": "t.py::a", "outcome": "passed"}}"#;
        fs::write(
            &path,
            format!("{{\"started\": \"t.py::a\"}}\n{done}\n{{\"started\": \"t.py::b\"}}\n"),
        )
        .unwrap();
        assert_eq!(running(&path).as_deref(), Some("t.py::b"));
        let read = read(&path);
        assert_eq!(read.results.len(), 1);
        assert!(read.problem.is_some(), "no end line: broken");
        fs::write(&path, format!("{{\"started\": \"t.py::a\"}}\n{done}\n")).unwrap();
        assert_eq!(running(&path), None);
    }
}
