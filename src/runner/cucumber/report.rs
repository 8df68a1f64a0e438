//! cucumber's JSON and message reports, read into results in run order.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::ErrorKind;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::outcome::{Outcome, TestResult, in_one_line, trim_message, without_stack};
use crate::runner::RunResults;

pub(super) fn read_report(report: &Path) -> RunResults {
    let broken = |problem: String| RunResults {
        results: Vec::new(),
        problem: Some(problem),
    };
    if report.is_dir() {
        return broken(format!(
            "{} is a directory, as cucumber's junit formatter writes it (one file per feature, which \
             loses the order across features): write --format json --out <report>",
            report.display()
        ));
    }
    let text = match fs::read_to_string(report) {
        Ok(text) => text,
        Err(error) if error.kind() == ErrorKind::NotFound => {
            return broken(format!(
                "cucumber wrote no report at {}: it stopped before the scenarios ran (its output says \
                 why), or the command does not pass --format json --out <report> to it",
                report.display()
            ));
        }
        Err(error) => return broken(format!("cannot read {}: {error}", report.display())),
    };
    match text.trim_start().chars().next() {
        None => broken(
            "the report is empty: cucumber writes its JSON when the run ends, and this run did not end"
                .to_string(),
        ),
        Some('[') => match results_from_json(&text) {
            Ok(results) => RunResults {
                results,
                problem: None,
            },
            Err(problem) => broken(problem),
        },
        Some('{') => results_from_messages(&text),
        Some(_) => broken(
            "the report is neither cucumber's json nor its message output: write --format json --out <report>"
                .to_string(),
        ),
    }
}

/// One step or hook as the JSON formatter writes it.
#[derive(Deserialize)]
struct JsonStep {
    /// Boxed: a step without a result (a long list of `{}`) then costs a pointer, not a result.
    result: Option<Box<JsonResult>>,
    /// AfterStep hooks, nested in their step.
    #[serde(default)]
    after: Box<[JsonStep]>,
}

#[derive(Deserialize)]
struct JsonResult {
    status: String,
    error_message: Option<String>,
    /// Nanoseconds.
    duration: Option<f64>,
}

/// Lists of steps and hooks are boxed slices, two thirds the size of vectors: a report can
/// hold a great many elements.
#[derive(Deserialize)]
struct JsonElement {
    line: u32,
    #[serde(default)]
    name: String,
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    before: Box<[JsonStep]>,
    #[serde(default)]
    steps: Box<[JsonStep]>,
    #[serde(default)]
    after: Box<[JsonStep]>,
    #[serde(default)]
    around: Box<[JsonStep]>,
}

#[derive(Deserialize)]
struct JsonFeature {
    uri: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    elements: Vec<JsonElement>,
}

/// What the steps and hooks of one attempt at a test case came to.
#[derive(Default)]
struct Tally {
    failed: bool,
    unfinished: bool,
    message: Option<String>,
    seconds: f64,
    timed: bool,
}

impl Tally {
    /// `status` as cucumber spells it in either format (`failed`, `FAILED`).
    fn add(&mut self, status: &str, message: Option<&str>, seconds: Option<f64>) {
        match status.to_ascii_lowercase().as_str() {
            "failed" | "ambiguous" => {
                if !self.failed {
                    // cucumber writes the backtrace after the message.
                    self.message = message.and_then(|m| {
                        let text = trim_message(&without_stack(m));
                        match (text, failing_step(m)) {
                            (Some(text), Some(step)) => Some(format!("{text}\n{step}")),
                            (text, step) => text.or(step),
                        }
                    });
                }
                self.failed = true;
            }
            "passed" => {}
            // Undefined, pending and skipped steps: the scenario did not run to its end.
            _ => self.unfinished = true,
        }
        if let Some(seconds) = seconds {
            self.seconds += seconds;
            self.timed = true;
        }
    }

    fn into_result(self, id: String, file: &str, line: u32, name: Option<String>) -> TestResult {
        let outcome = if self.failed {
            Outcome::Failed
        } else if self.unfinished {
            Outcome::Skipped
        } else {
            Outcome::Passed
        };
        TestResult {
            id,
            outcome,
            duration: self.timed.then_some(self.seconds),
            message: self.message,
            file: Some(file.to_string()),
            line: Some(line),
            name,
        }
    }
}

/// The step that failed, from the frame of the feature file that ends cucumber's backtrace
/// (`features/checkout.feature:13:in `Then 400 cents read "$4.00"'`): the message alone does not
/// say which of the scenario's steps it came from.
fn failing_step(message: &str) -> Option<String> {
    message.lines().rev().find_map(|line| {
        let (place, step) = line.trim().split_once(":in `")?;
        let step = step.strip_suffix('\'')?;
        let (file, number) = place.rsplit_once(':')?;
        let numbered = !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit());
        (file.ends_with(".feature") && numbered).then(|| format!("failing step: {step} ({place})"))
    })
}

/// How people read a scenario: its feature's name, then its own.
fn scenario_name(feature: &str, scenario: &str) -> Option<String> {
    match (feature.trim(), scenario.trim()) {
        ("", "") => None,
        ("", scenario) => Some(scenario.to_string()),
        (feature, "") => Some(feature.to_string()),
        (feature, scenario) => Some(format!("{feature}: {scenario}")),
    }
}

fn location_id(uri: &str, line: u32) -> String {
    format!("{uri}:{line}")
}

/// The JSON formatter's report: a new feature object each time the run moves to another file, a
/// background element before each scenario it ran for (holding that scenario's Before hooks too).
fn results_from_json(text: &str) -> std::result::Result<Vec<TestResult>, String> {
    let features: Vec<JsonFeature> = serde_json::from_str(text).map_err(|error| {
        if error.is_eof() {
            "the JSON report ends early: the run was cut short while cucumber wrote it".to_string()
        } else {
            format!(
                "the report is not cucumber's JSON: {}",
                in_one_line(&error.to_string())
            )
        }
    })?;
    let mut attempts = Vec::new();
    // Each feature's elements are freed once read.
    for feature in features {
        let mut background = Tally::default();
        for element in &feature.elements {
            // A background element belongs to the scenario after it; one followed by another
            // belonged to a scenario without steps, which cucumber leaves out.
            let mut tally = if element.kind == "background" {
                Tally::default()
            } else {
                std::mem::take(&mut background)
            };
            let nested = element.steps.iter().flat_map(|step| step.after.iter());
            let items = element
                .before
                .iter()
                .chain(element.steps.iter())
                .chain(nested)
                .chain(element.after.iter())
                .chain(element.around.iter());
            for item in items {
                if let Some(result) = &item.result {
                    let seconds = result.duration.map(|nanos| nanos / 1e9);
                    tally.add(&result.status, result.error_message.as_deref(), seconds);
                }
            }
            if element.kind == "background" {
                background = tally;
            } else {
                let id = location_id(&feature.uri, element.line);
                let name = scenario_name(&feature.name, &element.name);
                attempts.push(tally.into_result(id, &feature.uri, element.line, name));
            }
        }
    }
    Ok(merge_retries(attempts))
}

/// `--retry` runs a failed test case again at once: its attempts are neighbours in the report.
/// They are one result, flaky when a retry passed. Merged in place: a second list of results
/// would double what a long report costs.
fn merge_retries(mut attempts: Vec<TestResult>) -> Vec<TestResult> {
    attempts.dedup_by(|attempt, previous| {
        if previous.id != attempt.id {
            return false;
        }
        let failed_before = previous.outcome.is_failure();
        previous.outcome = match attempt.outcome {
            Outcome::Passed if failed_before => Outcome::Flaky,
            outcome => outcome,
        };
        if previous.message.is_none() {
            previous.message = attempt.message.take();
        }
        previous.duration = match (previous.duration, attempt.duration) {
            (Some(a), Some(b)) => Some(a + b),
            (a, b) => a.or(b),
        };
        true
    });
    attempts
}

/// Reads cucumber's `message` NDJSON: test cases in the order they started, each named by its
/// pickle's file and the line of its last AST node (the example row for an outline).
fn results_from_messages(text: &str) -> RunResults {
    let mut lines_of_nodes: HashMap<String, u32> = HashMap::new();
    let mut feature_names: HashMap<String, String> = HashMap::new();
    let mut pickles: HashMap<String, (String, u32, Option<String>)> = HashMap::new();
    let mut pickle_of_case: HashMap<String, String> = HashMap::new();
    let mut started: Vec<(String, String)> = Vec::new();
    let mut tallies: HashMap<String, Tally> = HashMap::new();
    let mut finished: HashSet<String> = HashSet::new();
    let mut run_finished = false;
    let mut problem = None;
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let envelope: Value = match serde_json::from_str(line) {
            Ok(envelope) => envelope,
            Err(_) => {
                problem = Some(format!(
                    "line {} of the message report is not JSON: the run was cut short while cucumber wrote it",
                    number + 1
                ));
                break;
            }
        };
        if let Some(document) = envelope.get("gherkinDocument") {
            collect_node_lines(&document["feature"], &mut lines_of_nodes);
            if let (Some(uri), Some(name)) = (
                text_of(document, "uri"),
                text_of(&document["feature"], "name"),
            ) {
                feature_names.insert(uri, name);
            }
        } else if let Some(pickle) = envelope.get("pickle") {
            let node_line = pickle["astNodeIds"]
                .as_array()
                .and_then(|ids| ids.last())
                .and_then(Value::as_str)
                .and_then(|id| lines_of_nodes.get(id).copied());
            let line = node_line.or_else(|| line_of(&pickle["location"]));
            if let (Some(id), Some(uri), Some(line)) =
                (text_of(pickle, "id"), text_of(pickle, "uri"), line)
            {
                let feature = feature_names.get(&uri).map_or("", String::as_str);
                let name = scenario_name(feature, &text_of(pickle, "name").unwrap_or_default());
                pickles.insert(id, (uri, line, name));
            }
        } else if let Some(case) = envelope.get("testCase") {
            if let (Some(id), Some(pickle)) = (text_of(case, "id"), text_of(case, "pickleId")) {
                pickle_of_case.insert(id, pickle);
            }
        } else if let Some(start) = envelope.get("testCaseStarted") {
            if let (Some(id), Some(case)) = (text_of(start, "id"), text_of(start, "testCaseId")) {
                tallies.insert(id.clone(), Tally::default());
                started.push((id, case));
            }
        } else if let Some(step) = envelope.get("testStepFinished") {
            let result = &step["testStepResult"];
            let tally = text_of(step, "testCaseStartedId").and_then(|id| tallies.get_mut(&id));
            if let (Some(tally), Some(status)) = (tally, result["status"].as_str()) {
                let message = result["message"]
                    .as_str()
                    .or_else(|| result["exception"]["message"].as_str());
                tally.add(status, message, seconds_of(&result["duration"]));
            }
        } else if let Some(end) = envelope.get("testCaseFinished") {
            finished.extend(text_of(end, "testCaseStartedId"));
        } else if envelope.get("testRunFinished").is_some() {
            run_finished = true;
        }
    }
    if problem.is_none() && !run_finished {
        problem =
            Some("the message report has no testRunFinished: the run was cut short".to_string());
    }
    let mut attempts = Vec::new();
    for (attempt, case) in started {
        if !finished.contains(&attempt) {
            continue;
        }
        let location = pickle_of_case
            .get(&case)
            .and_then(|pickle| pickles.get(pickle));
        let (Some((uri, line, name)), Some(tally)) = (location, tallies.remove(&attempt)) else {
            continue;
        };
        attempts.push(tally.into_result(location_id(uri, *line), uri, *line, name.clone()));
    }
    RunResults {
        results: merge_retries(attempts),
        problem,
    }
}

/// Records the line of every scenario and example row under a gherkin feature (rules included).
fn collect_node_lines(node: &Value, lines: &mut HashMap<String, u32>) {
    for child in node["children"].as_array().into_iter().flatten() {
        if child.get("rule").is_some() {
            collect_node_lines(&child["rule"], lines);
        }
        let scenario = &child["scenario"];
        let rows = scenario["examples"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|examples| examples["tableBody"].as_array().into_iter().flatten());
        for node in std::iter::once(scenario).chain(rows) {
            if let (Some(id), Some(line)) = (text_of(node, "id"), line_of(&node["location"])) {
                lines.insert(id, line);
            }
        }
    }
}

fn text_of(value: &Value, key: &str) -> Option<String> {
    value[key].as_str().map(String::from)
}

fn line_of(location: &Value) -> Option<u32> {
    location["line"]
        .as_u64()
        .and_then(|line| u32::try_from(line).ok())
}

fn seconds_of(duration: &Value) -> Option<f64> {
    let seconds = duration["seconds"].as_f64()?;
    let nanos = duration["nanos"].as_f64().unwrap_or(0.0);
    Some(seconds + nanos / 1e9)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::runner::{Adapter, Cucumber};

    const HOSTILE: &str = "features/it's \"quoted\" $(touch bleed-pwned).feature:3";

    fn sample(relative: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/reports/cucumber")
            .join(relative)
    }

    fn summary(results: &[TestResult]) -> Vec<(&str, Outcome, Option<&str>)> {
        results
            .iter()
            .map(|r| (r.id.as_str(), r.outcome, r.message.as_deref()))
            .collect()
    }

    #[test]
    fn json_report_in_run_order_with_hooks_backgrounds_and_outline_rows() {
        let read = Cucumber.read_results(&sample("json/statuses.json"));
        assert_eq!(read.problem, None);
        assert_eq!(
            summary(&read.results),
            [
                (
                    "features/hooks.feature:4",
                    Outcome::Failed,
                    Some("the database is down (RuntimeError)")
                ),
                ("features/basket.feature:6", Outcome::Passed, None),
                (
                    "features/basket.feature:21",
                    Outcome::Failed,
                    Some(
                        "expected 5 items\nbut the basket holds 2 (RuntimeError)\nfailing step: \
                         Then the basket holds <held> items (features/basket.feature:16)"
                    )
                ),
                (
                    "features/hooks.feature:8",
                    Outcome::Failed,
                    Some("cleanup failed (ArgumentError)")
                ),
                // The Before hook's failure is written in the background element before it.
                (
                    "features/fenced.feature:7",
                    Outcome::Failed,
                    Some("the database is down (RuntimeError)")
                ),
                (
                    "features/basket.feature:10",
                    Outcome::Failed,
                    Some(
                        "expected 3 items\nbut the basket holds 2 (RuntimeError)\nfailing step: \
                         Then the basket holds 3 items (features/basket.feature:12)"
                    )
                ),
                ("features/basket.feature:20", Outcome::Passed, None),
                ("features/basket.feature:23", Outcome::Skipped, None),
                ("features/basket.feature:26", Outcome::Skipped, None),
                ("features/hooks.feature:11", Outcome::Passed, None),
            ]
        );
        let first = &read.results[1];
        assert_eq!(
            (first.file.as_deref(), first.line),
            (Some("features/basket.feature"), Some(6))
        );
        assert!(
            read.results
                .iter()
                .all(|r| r.duration.is_some_and(|d| d > 0.0 && d < 1.0))
        );
    }

    #[test]
    fn a_background_is_counted_once_for_the_scenario_after_it() {
        let read = Cucumber.read_results(&sample("json/empty-scenarios.json"));
        assert_eq!(read.problem, None);
        let ids: Vec<&str> = read.results.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            ids,
            ["features/empty.feature:8", "features/empty2.feature:3"]
        );
        // The second background's step and the scenario's own, not the first background's.
        assert_eq!(read.results[0].duration, Some((40_350.0 + 11_858.0) / 1e9));
        assert_eq!(read.results[1].outcome, Outcome::Passed);
    }

    #[test]
    fn json_report_of_the_planted_suite_keeps_the_shuffled_order_and_hostile_paths() {
        let read = Cucumber.read_results(&sample("json/planted-random-19497.json"));
        assert_eq!(read.problem, None);
        let ids: Vec<&str> = read.results.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids.len(), 19);
        assert_eq!(
            &ids[..4],
            [
                "features/inventory.feature:3",
                "features/inventory.feature:7",
                "features/plugins.feature:10",
                "features/pricing.feature:3"
            ]
        );
        assert_eq!(ids[12], HOSTILE);
        let victim = &read.results[16];
        assert_eq!(victim.id, "features/checkout.feature:12");
        assert_eq!(victim.outcome, Outcome::Failed);
        assert_eq!(
            victim.message.as_deref(),
            Some(
                "expected $4.00, got €4.00 (RuntimeError)\nfailing step: Then 400 cents read \
                 \"$4.00\" (features/checkout.feature:13)"
            ),
            "the message, then the step it came from"
        );
        assert_eq!(
            victim.name.as_deref(),
            Some("Checkout: The total is shown in dollars")
        );
    }

    #[test]
    fn message_reports_name_each_example_row_and_keep_the_run_order() {
        let read = Cucumber.read_results(&sample("message/multiple-features.ndjson"));
        assert_eq!(read.problem, None);
        let ids: Vec<&str> = read.results.iter().map(|r| r.id.as_str()).collect();
        let expected: Vec<String> = (1..=3)
            .flat_map(|file| {
                [3, 6, 9].map(|line| {
                    format!("samples/multiple-features/multiple-features-{file}.feature:{line}")
                })
            })
            .collect();
        assert_eq!(ids, expected);

        let read = Cucumber.read_results(&sample("message/examples-tables.ndjson"));
        assert_eq!(read.problem, None);
        let rows: Vec<(u32, Outcome)> = read
            .results
            .iter()
            .map(|r| (r.line.unwrap(), r.outcome))
            .collect();
        assert_eq!(
            rows,
            [19, 20, 25, 26, 35, 36, 37].map(|line| {
                let outcome = if matches!(line, 25 | 26) {
                    Outcome::Failed
                } else {
                    Outcome::Passed
                };
                (line, outcome)
            })
        );
        assert_eq!(
            read.results[2].message.as_deref(),
            Some("Expected values to be strictly equal:\n\n-8 !== 0")
        );
        assert_eq!(
            read.results[0].name.as_deref(),
            Some("Examples Tables: Eating cucumbers")
        );
        assert_eq!(read.results[0].duration, Some(0.003));
    }

    #[test]
    fn retried_attempts_are_one_result_flaky_when_a_retry_passed() {
        let read = Cucumber.read_results(&sample("message/retry.ndjson"));
        assert_eq!(read.problem, None);
        assert_eq!(
            summary(&read.results),
            [
                ("samples/retry/retry.feature:8", Outcome::Passed, None),
                (
                    "samples/retry/retry.feature:11",
                    Outcome::Flaky,
                    Some("Exception in step")
                ),
                (
                    "samples/retry/retry.feature:14",
                    Outcome::Flaky,
                    Some("Exception in step")
                ),
                (
                    "samples/retry/retry.feature:17",
                    Outcome::Failed,
                    Some("Exception in step")
                ),
            ]
        );
    }

    #[test]
    fn reports_cut_short_or_of_another_kind_make_the_run_broken() {
        let truncated = Cucumber.read_results(&sample("json/statuses-truncated.json"));
        assert!(truncated.problem.unwrap().contains("ends early"));
        let truncated =
            Cucumber.read_results(&sample("message/multiple-features-truncated.ndjson"));
        assert!(truncated.problem.unwrap().contains("line 62"));
        assert_eq!(
            truncated.results.len(),
            8,
            "the test cases that finished are kept"
        );

        let junit_directory = Cucumber.read_results(&sample("features"));
        assert!(junit_directory.problem.unwrap().contains("junit"));
        let junit_file = Cucumber.read_results(&sample("features/TEST-features-basket.xml"));
        assert!(
            junit_file
                .problem
                .unwrap()
                .contains("--format json --out <report>")
        );
        let missing = Cucumber.read_results(&sample("json/missing.json"));
        assert!(missing.problem.unwrap().contains("no report"));
        let empty = tempfile::NamedTempFile::new().unwrap();
        let empty = Cucumber.read_results(empty.path());
        assert!(empty.problem.unwrap().contains("empty"));
    }
}
