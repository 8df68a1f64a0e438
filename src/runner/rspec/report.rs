//! RSpec's JSON report, read into results in run order.

use std::fs;
use std::io::ErrorKind;
use std::path::Path;

use serde::Deserialize;

use crate::outcome::{Outcome, TestResult, in_one_line, trim_message};
use crate::runner::RunResults;

/// The parts of RSpec's JSON report (rspec-core ≥ 3.6, the first to write ids in it) that bleed reads.
#[derive(Deserialize)]
struct Report {
    examples: Vec<Example>,
    #[serde(default)]
    summary: Option<Summary>,
    /// What RSpec said outside of examples, such as a spec file that failed to load.
    #[serde(default)]
    messages: Vec<String>,
}

#[derive(Deserialize)]
struct Summary {
    #[serde(default)]
    errors_outside_of_examples_count: u64,
}

#[derive(Deserialize)]
struct Example {
    id: Option<String>,
    full_description: Option<String>,
    status: String,
    file_path: Option<String>,
    line_number: Option<u32>,
    run_time: Option<f64>,
    exception: Option<Exception>,
}

#[derive(Deserialize)]
struct Exception {
    class: Option<String>,
    message: Option<String>,
}

pub(super) fn read_report(report: &Path) -> RunResults {
    let broken = |problem: String| RunResults {
        results: Vec::new(),
        problem: Some(problem),
    };
    let text = match fs::read_to_string(report) {
        Ok(text) => text,
        Err(error) if error.kind() == ErrorKind::NotFound => {
            return broken(format!(
                "rspec wrote no report at {}: it stopped before running any example, or the command \
                 does not pass --format json --out <report> to it",
                report.display()
            ));
        }
        Err(error) => return broken(format!("cannot read {}: {error}", report.display())),
    };
    if text.trim().is_empty() {
        return broken(
            "the report is empty: rspec writes its JSON when the run ends, and this run did not end"
                .to_string(),
        );
    }
    match results_from_json(&text) {
        Ok(results) => RunResults {
            results,
            problem: None,
        },
        Err(problem) => broken(problem),
    }
}

/// What bleed's helper writes in place of the report when it stops a run.
#[derive(Deserialize)]
struct Refusal {
    bleed_refusal: String,
}

fn results_from_json(text: &str) -> std::result::Result<Vec<TestResult>, String> {
    if let Ok(refusal) = serde_json::from_str::<Refusal>(text) {
        return Err(format!(
            "bleed's ordering helper stopped rspec before any example ran: {}",
            in_one_line(&refusal.bleed_refusal)
        ));
    }
    let report: Report = serde_json::from_str(text).map_err(|error| {
        // serde's errors quote the document, which can hold line breaks.
        let e = in_one_line(&error.to_string()).into_owned();
        if error.is_eof() {
            format!("the report is cut short ({e}): the run did not end")
        } else {
            format!("the report is not RSpec's JSON ({e}): write --format json --out <report>")
        }
    })?;
    let outside = report
        .summary
        .map_or(0, |summary| summary.errors_outside_of_examples_count);
    if report.examples.is_empty() && outside > 0 {
        let first_words = report
            .messages
            .iter()
            .flat_map(|message| message.lines())
            .map(str::trim)
            .find(|line| !line.is_empty())
            .unwrap_or("see the run's log");
        return Err(format!(
            "rspec ran no example, after {outside} error(s) outside of examples: {first_words}"
        ));
    }
    report.examples.into_iter().map(result_of).collect()
}

fn result_of(example: Example) -> std::result::Result<TestResult, String> {
    let id = example.id.filter(|id| !id.is_empty()).ok_or(
        "the report has no example ids, which rspec-core writes from version 3.6 on: bleed needs \
         them to run an example again",
    )?;
    let outcome = match example.status.as_str() {
        "passed" => Outcome::Passed,
        "failed" => Outcome::Failed,
        // RSpec reports `skip` and `xit` as pending too.
        "pending" => Outcome::Skipped,
        other => {
            let id = in_one_line(&id);
            return Err(format!("{id} has the status {other:?}, unknown to bleed"));
        }
    };
    // RSpec keeps the backtrace apart: the message is all of what the expectation said, its
    // expected and its got.
    let message = example.exception.and_then(|exception| {
        let message = trim_message(exception.message.as_deref()?)?;
        // RSpec's own failures say what they are; any other error needs its class.
        Some(match exception.class {
            Some(class) if !class.starts_with("RSpec::") => format!("{class}: {message}"),
            _ => message,
        })
    });
    Ok(TestResult {
        id,
        outcome,
        duration: example.run_time,
        message,
        file: example
            .file_path
            .map(|path| path.strip_prefix("./").map(String::from).unwrap_or(path)),
        line: example.line_number,
        name: example.full_description,
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::runner::{Adapter, Rspec};

    fn samples() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/reports/rspec")
    }

    #[test]
    fn the_helpers_refusal_is_the_reason_a_probe_gave_no_results() {
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("refused.json");
        fs::write(
            &report,
            r#"{"bleed_refusal":"no example has the id ./spec/a_spec.rb[1:9] (was the spec changed since the run?)"}"#,
        )
        .unwrap();
        assert_eq!(
            Rspec.read_results(&report).problem.as_deref(),
            Some(
                "bleed's ordering helper stopped rspec before any example ran: no example has the \
                 id ./spec/a_spec.rb[1:9] (was the spec changed since the run?)"
            )
        );
    }

    #[test]
    fn a_real_seeded_report_is_read_in_run_order() {
        let read = Rspec.read_results(&samples().join("seeded.json"));
        assert_eq!(read.problem, None);
        let summary: Vec<(&str, Outcome, Option<&str>)> = read
            .results
            .iter()
            .map(|r| (r.id.as_str(), r.outcome, r.message.as_deref()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    "./spec/it's \"quoted\" $(touch pwned)_spec.rb[1:1]",
                    Outcome::Passed,
                    None
                ),
                ("./spec/cart_spec.rb[1:1]", Outcome::Passed, None),
                ("./spec/cart_spec.rb[1:4]", Outcome::Skipped, None),
                (
                    "./spec/cart_spec.rb[1:2]",
                    Outcome::Failed,
                    Some("expected: 0\n     got: 10\n\n(compared using ==)")
                ),
                ("./spec/cart_spec.rb[1:3:2]", Outcome::Skipped, None),
                (
                    "./spec/cart_spec.rb[1:3:1]",
                    Outcome::Failed,
                    Some("IOError: card reader offline")
                ),
            ]
        );
        let first = &read.results[0];
        assert_eq!(
            first.file.as_deref(),
            Some("spec/it's \"quoted\" $(touch pwned)_spec.rb")
        );
        assert_eq!(first.line, Some(2));
        assert_eq!(
            first.name.as_deref(),
            Some("promotions sets a discount: it's \"quoted\" $(touch pwned)")
        );
        assert_eq!(first.duration, Some(0.009461581));
    }

    #[test]
    fn unusable_reports_say_why() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.json");
        fs::write(&empty, "").unwrap();
        let without_ids = dir.path().join("old.json");
        fs::write(
            &without_ids,
            r#"{"version":"3.5.4","examples":[{"description":"x","status":"passed","file_path":"./spec/a_spec.rb","line_number":2}]}"#,
        )
        .unwrap();
        let junit = dir.path().join("junit.xml");
        fs::write(&junit, "<testsuite><testcase name=\"x\"/></testsuite>").unwrap();
        for (report, expected) in [
            (samples().join("seeded-truncated.json"), "cut short"),
            (
                samples().join("load-error.json"),
                "rspec ran no example, after 1 error(s) outside of examples: An error occurred while loading ./spec/broken_spec.rb.",
            ),
            (dir.path().join("missing.json"), "rspec wrote no report"),
            (empty, "the report is empty"),
            (without_ids, "version 3.6"),
            (junit, "not RSpec's JSON"),
        ] {
            let read = Rspec.read_results(&report);
            let problem = read.problem.unwrap_or_default();
            assert!(
                problem.contains(expected),
                "{}: {problem}",
                report.display()
            );
            assert!(read.results.is_empty());
        }
    }
}
