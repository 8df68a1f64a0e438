//! Jest's JSON report (`--json --outputFile`): its tests in the order they ran, twins numbered.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use super::super::RunResults;
use super::Jest;
use crate::outcome::{Outcome, TestResult, in_one_line, trim_message, without_stack};

pub(super) fn broken(problem: String) -> RunResults {
    RunResults {
        results: Vec::new(),
        problem: Some(problem),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    test_results: Vec<FileResult>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FileResult {
    /// The file's absolute path.
    name: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    assertion_results: Vec<Assertion>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Assertion {
    #[serde(default)]
    ancestor_titles: Vec<String>,
    title: String,
    /// The describe blocks' titles and the test's own, joined by spaces: what `-t` matches.
    full_name: Option<String>,
    status: String,
    /// Milliseconds.
    duration: Option<f64>,
    #[serde(default)]
    failure_messages: Vec<String>,
    invocations: Option<u32>,
    location: Option<Location>,
}

#[derive(Deserialize)]
struct Location {
    line: u32,
    #[serde(default)]
    column: u32,
}

/// Reads Jest's JSON report, naming files relative to `cwd`. Tests that did not run (skipped,
/// todo, or left out by a probe) are left out: they have no place in the run order.
pub(super) fn parse_report(text: &str, cwd: &Path) -> std::result::Result<RunResults, String> {
    // serde's errors quote the document, which can hold line breaks.
    let report: Report =
        serde_json::from_str(text).map_err(|e| in_one_line(&e.to_string()).into_owned())?;
    let mut results = Vec::new();
    for file in report.test_results {
        let path = Path::new(&file.name);
        let relative = path.strip_prefix(cwd).unwrap_or(path).display().to_string();
        if relative.is_empty() {
            // Its tests would have ids that name no file.
            return Err(format!(
                "a test file of the report is named {:?}",
                file.name
            ));
        }
        if file.assertion_results.is_empty() && file.status == "failed" {
            // The file could not be loaded (a syntax error, a missing module): no test ran.
            results.push(TestResult {
                id: relative.clone(),
                outcome: Outcome::Errored,
                duration: None,
                message: message_of(
                    file.message
                        .lines()
                        .filter(|line| !line.contains("Test suite failed to run")),
                ),
                file: Some(relative),
                line: None,
                name: None,
            });
            continue;
        }
        let ids = twin_ids(&relative, &file.assertion_results);
        for (assertion, id) in file.assertion_results.into_iter().zip(ids) {
            let outcome = match assertion.status.as_str() {
                "passed" if assertion.invocations.is_some_and(|n| n > 1) => Outcome::Flaky,
                "passed" => Outcome::Passed,
                "failed" => Outcome::Failed,
                _ => continue,
            };
            results.push(TestResult {
                id,
                outcome,
                duration: assertion.duration.map(|ms| ms / 1000.0),
                message: assertion
                    .failure_messages
                    .first()
                    .and_then(|message| message_of(message.lines())),
                file: Some(relative.clone()),
                line: assertion.location.map(|location| location.line),
                name: assertion.full_name,
            });
        }
    }
    Ok(RunResults {
        results,
        problem: None,
    })
}

/// The ids of a file's tests, skipped ones included: tests with the same titles (twins) are
/// numbered `… #2`, `… #3` in the order of their place in the file, which is the order they
/// were defined in and does not change with the seed. Twins at the same place (rows of a
/// `test.each` whose title has no placeholder, a test defined in a loop) cannot be told apart
/// by Jest's report: they are numbered in the order they ran. In a replay, bleed's runner has
/// already named each twin by its place in the definition order.
fn twin_ids(file: &str, assertions: &[Assertion]) -> Vec<String> {
    let mut ids: Vec<String> = assertions
        .iter()
        .map(|assertion| {
            let mut titles = assertion.ancestor_titles.clone();
            titles.push(assertion.title.clone());
            Jest::test_id(file, &titles)
        })
        .collect();
    let place = |at: usize| {
        assertions[at]
            .location
            .as_ref()
            .map_or((u32::MAX, u32::MAX), |l| (l.line, l.column))
    };
    let mut groups: HashMap<&str, Vec<usize>> = HashMap::new();
    for (at, id) in ids.iter().enumerate() {
        groups.entry(id.as_str()).or_default().push(at);
    }
    let mut renamed = Vec::new();
    for members in groups.values_mut().filter(|members| members.len() > 1) {
        // Stable: twins at one place keep the order they ran in.
        members.sort_by_key(|&at| place(at));
        for (nth, &at) in members.iter().enumerate().skip(1) {
            renamed.push((at, nth + 1));
        }
    }
    for (at, nth) in renamed {
        ids[at] = format!("{} #{nth}", ids[at]);
    }
    ids
}

/// A twin's id without its ` #k`: the title all its twins share.
pub(super) fn twin_stem(id: &str) -> &str {
    match id.rsplit_once(" #") {
        Some((stem, nth)) if !nth.is_empty() && nth.bytes().all(|b| b.is_ascii_digit()) => stem,
        _ => id,
    }
}

/// A failure message without the terminal colours Jest may have added, and without the stack
/// that follows it.
fn message_of<'a>(lines: impl Iterator<Item = &'a str>) -> Option<String> {
    let plain: Vec<String> = lines.map(strip_colours).collect();
    trim_message(&without_stack(&plain.join("\n")))
}

fn strip_colours(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ parameters, then one final letter.
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::Adapter;

    const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/reports/jest");

    /// The directory the samples were written in (testdata/reports/README.md).
    const SAMPLE_CWD: &str = "/tmp/samples/jest";

    const HOSTILE: &str = "it's \"quoted\" $(touch bleed-pwned)";

    fn sample(name: &str, cwd: &str) -> RunResults {
        let text = std::fs::read_to_string(Path::new(SAMPLES).join(name)).unwrap();
        parse_report(&text, Path::new(cwd)).unwrap_or_else(broken)
    }

    fn ids(results: &RunResults) -> Vec<&str> {
        results.results.iter().map(|r| r.id.as_str()).collect()
    }

    #[test]
    fn a_hunt_report_lists_the_tests_in_the_order_they_ran() {
        let read = sample("planted.json", SAMPLE_CWD);
        assert_eq!(read.problem, None);
        let connections = "__tests__/connections.test.js";
        let prices = "__tests__/prices.test.js";
        let labels = "__tests__/labels.test.js › banner (v2.*) [beta] | labels";
        let currency = "__tests__/currency.test.js";
        let exporters = "__tests__/exporters.test.js";
        let expected = [
            format!("{connections} › pricing › price lookup opens a connection"),
            format!("{connections} › checkout › gets a connection"),
            format!("{connections} › inventory › counts the shelves"),
            format!("{connections} › inventory › stock check opens a connection"),
            format!("{prices} › an apple costs three"),
            format!("{prices} › remembers a sale price for apples"),
            format!("{prices} › reloading empties the price cache"),
            format!("{prices} › a pear costs two"),
            format!("{labels} › defaults to \"Welcome\""),
            format!("{labels} › {HOSTILE}"),
            format!("{labels} › shouts a label"),
            format!("{currency} › adds two amounts"),
            format!("{currency} › switches the display currency to EUR"),
            format!("{currency} › formats a total in dollars"),
            format!("{currency} › converts an amount to cents"),
            format!("{exporters} › exports the inventory as csv"),
            format!("{exporters} › refuses an unknown format"),
            format!("{exporters} › registers the csv exporter"),
        ];
        assert_eq!(ids(&read), expected);
        let failed: Vec<&str> = read
            .results
            .iter()
            .filter(|r| r.outcome == Outcome::Failed)
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(failed, [expected[13].as_str(), expected[15].as_str()]);
        let victim = &read.results[13];
        assert_eq!(victim.file.as_deref(), Some(currency));
        assert_eq!(victim.line, Some(9));
        assert_eq!(
            victim.message.as_deref(),
            Some(
                "Error: expect(received).toBe(expected) // Object.is equality\n\n\
                 Expected: \"$3.00\"\nReceived: \"€3.00\""
            )
        );
        assert_eq!(victim.name.as_deref(), Some("formats a total in dollars"));
        assert!(victim.duration.is_some_and(|seconds| seconds < 1.0));
    }

    #[test]
    fn a_filtered_report_leaves_out_the_tests_that_did_not_run() {
        let read = sample("replay.json", SAMPLE_CWD);
        assert_eq!(
            ids(&read),
            [
                "__tests__/currency.test.js › switches the display currency to EUR",
                "__tests__/currency.test.js › formats a total in dollars",
            ]
        );
    }

    #[test]
    fn retries_skips_and_files_that_failed_to_load_are_read() {
        let read = sample("kinds.json", "/tmp/samples/jest-kinds");
        let outcomes: Vec<(&str, Outcome)> = read
            .results
            .iter()
            .map(|r| (r.id.as_str(), r.outcome))
            .collect();
        assert_eq!(
            outcomes,
            [
                ("__tests__/broken.test.js", Outcome::Errored),
                ("__tests__/kinds.test.js › passes", Outcome::Passed),
                (
                    "__tests__/kinds.test.js › greeting › changes the greeting",
                    Outcome::Passed
                ),
                (
                    "__tests__/kinds.test.js › greeting › still says hello",
                    Outcome::Failed
                ),
                (
                    "__tests__/kinds.test.js › greeting › passes on its second attempt",
                    Outcome::Flaky
                ),
            ]
        );
        let broken = read.results[0].message.as_deref().unwrap_or_default();
        assert_eq!(
            crate::outcome::first_line(broken),
            "Cannot find module './no-such-module' from '__tests__/broken.test.js'"
        );
        assert!(broken.contains("> 1 | const missing"), "{broken}");
        assert!(!broken.contains("Resolver"), "no stack: {broken}");
        assert_eq!(
            read.results[3].name.as_deref(),
            Some("greeting still says hello")
        );
    }

    #[test]
    fn files_outside_the_working_directory_keep_their_absolute_path() {
        let read = sample("replay.json", "/elsewhere");
        assert_eq!(
            read.results[0].id,
            "/tmp/samples/jest/__tests__/currency.test.js › switches the display currency to EUR"
        );
    }

    #[test]
    fn missing_and_truncated_reports_are_problems() {
        let truncated = sample("planted-truncated.json", SAMPLE_CWD);
        assert!(truncated.problem.is_some_and(|p| p.contains("EOF")));
        let dir = tempfile::tempdir().unwrap();
        let missing = Jest.read_results(&dir.path().join("report.json"));
        assert!(missing.problem.is_some_and(|p| p.contains("no report")));
    }

    /// One file's report as Jest 30.5.2 wrote it for testdata/jest/shapes (abridged): twins
    /// at two places, twins at one place (a `test.each` row), case twins, one skipped.
    const TWINS: &str = r#"{"testResults": [{"name": "/p/__tests__/rates.test.js", "status": "passed",
      "assertionResults": [
        {"ancestorTitles": ["rates"], "title": "rounds to cents", "status": "passed", "location": {"line": 24, "column": 3}},
        {"ancestorTitles": ["rates"], "title": "doubles an amount", "status": "passed", "location": {"line": 28, "column": 24}},
        {"ancestorTitles": ["rates"], "title": "Applies the rate", "status": "passed", "location": {"line": 7, "column": 3}},
        {"ancestorTitles": ["rates"], "title": "rounds to cents", "status": "pending", "location": {"line": 20, "column": 3}},
        {"ancestorTitles": ["rates"], "title": "doubles an amount", "status": "failed", "location": {"line": 28, "column": 24}},
        {"ancestorTitles": ["rates"], "title": "applies the rate", "status": "passed", "location": {"line": 12, "column": 3}},
        {"ancestorTitles": ["rates"], "title": "halves an amount #2", "status": "passed", "location": {"line": 33, "column": 5}},
        {"ancestorTitles": ["rates"], "title": "halves an amount", "status": "pending", "location": {"line": 33, "column": 5}}
      ]}]}"#;

    #[test]
    fn twins_are_numbered_by_their_place_and_every_test_is_counted() {
        let read = parse_report(TWINS, Path::new("/p")).unwrap();
        let file = "__tests__/rates.test.js › rates";
        assert_eq!(
            ids(&read),
            [
                // Defined second (line 24), run first: still the second.
                format!("{file} › rounds to cents #2"),
                // At one place, twins are numbered in the order they ran.
                format!("{file} › doubles an amount"),
                format!("{file} › Applies the rate"),
                format!("{file} › doubles an amount #2"),
                format!("{file} › applies the rate"),
                // Named by bleed's runner in a replay, where the first did not run.
                format!("{file} › halves an amount #2"),
            ]
        );
        // Only the twins at one place cannot be told apart, and the hunt says so.
        assert_eq!(
            Jest.indistinguishable(&read.results),
            vec![vec![
                format!("{file} › doubles an amount"),
                format!("{file} › doubles an amount #2"),
            ]]
        );
    }

    #[test]
    fn colours_are_stripped_from_messages() {
        assert_eq!(
            message_of("\n\u{1b}[2mexpect(\u{1b}[22m\u{1b}[31mreceived\u{1b}[39m)\nmore\n    at x (a.js:1:2)".lines()),
            Some("expect(received)\nmore".to_string())
        );
    }
}
