//! cucumber-ruby: seeded order from `--order random:<seed>`, results in execution order from the
//! JSON formatter (or the `message` NDJSON formatter of cucumber ≥ 4, when the command writes
//! that to `<report>` itself), explicit order from `--order defined` and `path.feature:LINE`
//! locations, which cucumber runs in the order given, across files and within them.
//!
//! A test is one scenario, or one example row of a scenario outline, and its id is the location
//! that selects exactly it: the scenario's line, or the row's line. The outline's own line would
//! select every row, and a background's line every scenario of the file.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::ErrorKind;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::ruby::{Arg, Grammar, split_args};
use super::{Adapter, Capabilities, Generic, Invocation, RunResults, parse_version};
use crate::error::{Error, Result};
use crate::outcome::{Outcome, TestResult};
use crate::template::{Placeholder, Template, Values, join_keeping_placeholders};

pub struct Cucumber;

/// Options of cucumber-ruby (2.4 … 9) that take their value as the next word, so that the value
/// is not mistaken for a feature path.
const OPTIONS_WITH_VALUES: &[&str] = &[
    "-r",
    "--require",
    "-f",
    "--format",
    "--format-options",
    "-t",
    "--tags",
    "-n",
    "--name",
    "-e",
    "--exclude",
    "-p",
    "--profile",
    "-l",
    "--lines",
    "-I",
    "--snippet-type",
    "-j",
    "--jars",
    "--i18n",
    "--i18n-keywords",
    "--order",
    "--retry",
    "--retry-total",
    "--port",
];

/// `--out [FILE|DIR]` has an optional value: OptionParser takes the next word unless it is an
/// option.
const OPTIONS_WITH_OPTIONAL_VALUES: &[&str] = &["-o", "--out"];

const GRAMMAR: Grammar = Grammar {
    with_values: OPTIONS_WITH_VALUES,
    with_optional_values: OPTIONS_WITH_OPTIONAL_VALUES,
    is_optional_value: |next| !next.starts_with('-'),
    long_name,
};

/// Options a replay must not carry: the hunt's shuffle, `--fail-fast` (a candidate that fails
/// would stop the probe before the victim), retries (a retried failure reads as a pass) and
/// `--lines` (a selector of its own).
const NOT_REPLAYED: &[&str] = &[
    "--order",
    "--fail-fast",
    "--retry",
    "--retry-total",
    "--lines",
];

/// Formats whose output bleed reads.
const READABLE_FORMATS: &[&str] = &["json", "message"];

fn long_name(option: &str) -> &str {
    match option {
        "-f" => "--format",
        "-o" => "--out",
        "-d" => "--dry-run",
        "-l" => "--lines",
        "-p" => "--profile",
        "-r" => "--require",
        "-t" => "--tags",
        "-n" => "--name",
        "-e" => "--exclude",
        other => other,
    }
}

/// The format whose `--out` is `<report>`: the last `--format` before it, or cucumber's default
/// `pretty`. None when `<report>` is used some other way.
fn format_writing_report(args: &[Arg]) -> Option<String> {
    let mut format = None;
    for arg in args {
        if arg.is("--format") {
            format = arg.value.clone();
        }
        if writes_report(arg) {
            return Some(format.unwrap_or_else(|| "pretty".to_string()));
        }
    }
    None
}

fn writes_report(arg: &Arg) -> bool {
    arg.is("--out")
        && arg
            .value
            .as_deref()
            .is_some_and(|value| value.contains(Placeholder::Report.token()))
}

/// The arguments without `--out <report>` and the `--format` just before it.
fn without_report(args: &[Arg]) -> Vec<&Arg> {
    let mut kept: Vec<&Arg> = Vec::new();
    for arg in args {
        if writes_report(arg) {
            if kept.last().is_some_and(|format| format.is("--format")) {
                kept.pop();
            }
        } else {
            kept.push(arg);
        }
    }
    kept
}

/// What a refusal suggests instead: the user's command without what bleed refuses (bleed adds
/// its own report), and with a seeded order.
fn corrected(invocation: &Invocation, args: &[Arg]) -> String {
    let mut words: Vec<String> = invocation.words[..invocation.args].to_vec();
    for arg in without_report(args) {
        if !arg.is("--dry-run") && !arg.is("--order") {
            words.extend(arg.words.iter().cloned());
        }
    }
    words.extend(["--order".to_string(), "random:<seed>".to_string()]);
    format!("e.g. --cmd \"{}\"", join_keeping_placeholders(&words))
}

impl Adapter for Cucumber {
    fn name(&self) -> &'static str {
        "cucumber"
    }

    fn recognises(&self, invocation: &Invocation) -> bool {
        invocation.program == "cucumber"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            seeded_order: "--order random:<seed> (added when missing)",
            explicit_order: "--order defined with path.feature:LINE locations, run in the order given across and within files",
            results: "--format json --out <report> (added when missing); --format message NDJSON (cucumber ≥ 4) is read too",
            selector: "path.feature:LINE: the scenario's line, or the example row's line in an outline",
            versions: "cucumber-ruby ≥ 2.4; tested on 2.4.0",
        }
    }

    fn hunt_command(&self, user: &Template) -> Result<Template> {
        let Some(invocation) = Invocation::parse(user.as_str()) else {
            if user.has(Placeholder::Seed) && user.has(Placeholder::Report) {
                return Ok(user.clone());
            }
            return Err(Error::usage(format!(
                "bleed cannot add its options to a compound command (pipe, &&, ;, redirection): put \
                 --order random:<seed> and --format json --out <report> in it yourself, e.g. --cmd \
                 \"cd app && bundle exec cucumber --order random:<seed> --format json --out <report>\" \
                 (command given: {})",
                user.as_str()
            )));
        };
        let args = split_args(invocation.arguments(), &GRAMMAR);
        let correction = || corrected(&invocation, &args);
        if args.iter().any(|arg| arg.is("--dry-run")) {
            return Err(Error::usage(format!(
                "the command has --dry-run, which runs no step, so no scenario could fail: drop it, {}",
                correction()
            )));
        }
        let mut additions = Vec::new();
        match args.iter().rev().find(|arg| arg.is("--order")) {
            None => additions.push("--order random:<seed>"),
            Some(order) => {
                let value = order.value.as_deref().unwrap_or("");
                if !(value.starts_with("random:") && value.contains(Placeholder::Seed.token())) {
                    let why = match value {
                        "random" => {
                            "shuffles under a seed bleed cannot record (cucumber 2.4 even prints another one than it used)"
                        }
                        _ if value.starts_with("random:") => {
                            "fixes the seed, so every run would test the same order"
                        }
                        _ => "keeps the defined order, so the order would never change",
                    };
                    return Err(Error::usage(format!(
                        "--order {value} {why}: write --order random:<seed> so each run gets its own, {}",
                        correction()
                    )));
                }
            }
        }
        if !user.has(Placeholder::Report) {
            let chooses_output = args.iter().any(|arg| arg.is("--format") || arg.is("--out"));
            if !chooses_output {
                // Any --format replaces cucumber's default one: keep it, so the run's log reads
                // as the user's own runs do.
                additions.push("--format pretty");
            }
            additions.push("--format json --out <report>");
        } else if let Some(format) = format_writing_report(&args)
            && !READABLE_FORMATS.contains(&format.as_str())
        {
            let why = if format == "junit" {
                "cucumber's junit formatter writes one file per feature, which loses the order of the run across features"
            } else {
                "bleed reads cucumber's json (or message) output, which keeps the order of the run"
            };
            return Err(Error::usage(format!(
                "the command writes --format {format} to <report>, and {why}: leave <report> to bleed, which adds \
                 --format json --out <report>, {}",
                correction()
            )));
        }
        Ok(if additions.is_empty() {
            user.clone()
        } else {
            user.with_args(&additions.join(" "))
        })
    }

    fn replay_command(&self, hunt: &Template) -> Result<Template> {
        let Some(invocation) = Invocation::parse(hunt.as_str()) else {
            return Err(Error::usage(
                "bleed cannot derive a replay command from a compound cucumber command: give one with \
                 --replay-cmd, e.g. --replay-cmd \"cd app && bundle exec cucumber --order defined \
                 --format json --out <report> <tests>\"",
            ));
        };
        if !self.recognises(&invocation) {
            return Err(Error::usage(
                "the command does not run cucumber: give --replay-cmd, or --runner generic",
            ));
        }
        let mut kept: Vec<String> = invocation.words[..invocation.args].to_vec();
        for arg in split_args(invocation.arguments(), &GRAMMAR) {
            let keep = match arg.option.as_deref() {
                Some(option) => !NOT_REPLAYED.contains(&option),
                // Feature paths give way to the locations; NAME=value words are environment.
                None => is_environment_assignment(&arg.words[0]),
            };
            if keep {
                kept.extend(arg.words);
            }
        }
        let mut command = join_keeping_placeholders(&kept);
        command.push_str(" --order defined <tests>");
        Template::parse(&command)
    }

    fn read_results(&self, report: &Path) -> RunResults {
        read_report(report)
    }

    /// The replay command without bleed's report, with the order inline.
    fn reproducer(&self, replay: &Template, order: &[String], seed: Option<u64>) -> Result<String> {
        let invocation =
            Invocation::parse(replay.as_str()).filter(|_| !replay.has(Placeholder::TestsFile));
        let Some(invocation) = invocation else {
            // A --replay-cmd written by hand is shown whole, as bleed runs it: the generic
            // adapter keeps the trait's way of doing that.
            return Generic.reproducer(replay, order, seed);
        };
        let args = split_args(invocation.arguments(), &GRAMMAR);
        let mut kept = without_report(&args);
        // `--format pretty` alone is cucumber's default, spelled out by hunt_command.
        let outputs: Vec<&&Arg> = kept
            .iter()
            .filter(|arg| arg.is("--format") || arg.is("--out"))
            .collect();
        if let [only] = outputs.as_slice()
            && only.is("--format")
            && only.value.as_deref() == Some("pretty")
        {
            kept.retain(|arg| !arg.is("--format"));
        }
        let mut words: Vec<String> = invocation.words[..invocation.args].to_vec();
        words.extend(kept.iter().flat_map(|arg| arg.words.iter().cloned()));
        Template::parse(&join_keeping_placeholders(&words))?.render(&Values {
            seed,
            tests: Some(order),
            ..Values::default()
        })
    }

    fn version_command(&self, hunt: &Template) -> Option<String> {
        let invocation = Invocation::parse(hunt.as_str())?;
        let mut command = invocation.words[..invocation.args].to_vec();
        command.push("--version".to_string());
        Some(join_keeping_placeholders(&command))
    }

    fn report_extension(&self) -> &'static str {
        "json"
    }

    /// `cucumber --version` prints the bare version (`2.4.0`, `9.2.0`).
    fn check_version(&self, reported: &str) -> std::result::Result<(), String> {
        match parse_version(reported) {
            Some((major, minor, _)) if (major, minor) < (2, 4) => Err(format!(
                "bleed needs cucumber-ruby 2.4 or later, and cucumber --version says {reported}: \
                 before 2.4, --order random:N kept each feature's scenarios together and shuffled \
                 differently on each platform (1.x has no --order at all), so a seed from CI would \
                 not replay here; upgrade cucumber, or use --runner generic with your own --cmd and \
                 --replay-cmd"
            )),
            _ => Ok(()),
        }
    }
}

fn is_environment_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

fn read_report(report: &Path) -> RunResults {
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
    result: Option<JsonResult>,
    /// AfterStep hooks, nested in their step.
    #[serde(default)]
    after: Vec<JsonStep>,
}

#[derive(Deserialize)]
struct JsonResult {
    status: String,
    error_message: Option<String>,
    /// Nanoseconds.
    duration: Option<f64>,
}

#[derive(Deserialize)]
struct JsonElement {
    line: u32,
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    before: Vec<JsonStep>,
    #[serde(default)]
    steps: Vec<JsonStep>,
    #[serde(default)]
    after: Vec<JsonStep>,
    #[serde(default)]
    around: Vec<JsonStep>,
}

#[derive(Deserialize)]
struct JsonFeature {
    uri: String,
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
                    self.message = message.map(first_line);
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

    fn into_result(self, id: String, file: &str, line: u32) -> TestResult {
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
        }
    }
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or("").trim_end().to_string()
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
            format!("the report is not cucumber's JSON: {error}")
        }
    })?;
    let mut attempts = Vec::new();
    for feature in &features {
        let mut background = Tally::default();
        for element in &feature.elements {
            // A background element belongs to the scenario after it; one followed by another
            // belonged to a scenario without steps, which cucumber leaves out.
            let mut tally = if element.kind == "background" {
                Tally::default()
            } else {
                std::mem::take(&mut background)
            };
            let nested = element.steps.iter().flat_map(|step| &step.after);
            let items = element
                .before
                .iter()
                .chain(&element.steps)
                .chain(nested)
                .chain(&element.after)
                .chain(&element.around);
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
                attempts.push(tally.into_result(id, &feature.uri, element.line));
            }
        }
    }
    Ok(merge_retries(attempts))
}

/// `--retry` runs a failed test case again at once: its attempts are neighbours in the report.
/// They are one result, flaky when a retry passed.
fn merge_retries(attempts: Vec<TestResult>) -> Vec<TestResult> {
    let mut results: Vec<TestResult> = Vec::new();
    for attempt in attempts {
        match results.last_mut() {
            Some(previous) if previous.id == attempt.id => {
                let failed_before = previous.outcome.is_failure();
                previous.outcome = match attempt.outcome {
                    Outcome::Passed if failed_before => Outcome::Flaky,
                    outcome => outcome,
                };
                if previous.message.is_none() {
                    previous.message = attempt.message;
                }
                previous.duration = match (previous.duration, attempt.duration) {
                    (Some(a), Some(b)) => Some(a + b),
                    (a, b) => a.or(b),
                };
            }
            _ => results.push(attempt),
        }
    }
    results
}

/// Reads cucumber's `message` NDJSON: test cases in the order they started, each named by its
/// pickle's file and the line of its last AST node (the example row for an outline).
fn results_from_messages(text: &str) -> RunResults {
    let mut lines_of_nodes: HashMap<String, u32> = HashMap::new();
    let mut pickles: HashMap<String, (String, u32)> = HashMap::new();
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
                pickles.insert(id, (uri, line));
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
        let (Some((uri, line)), Some(tally)) = (location, tallies.remove(&attempt)) else {
            continue;
        };
        attempts.push(tally.into_result(location_id(uri, *line), uri, *line));
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

    fn sample(relative: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/reports/cucumber")
            .join(relative)
    }

    fn hunt(command: &str) -> Result<Template> {
        Cucumber.hunt_command(&Template::parse(command).unwrap())
    }

    fn replay_of(command: &str) -> String {
        let hunt = hunt(command).unwrap();
        Cucumber.replay_command(&hunt).unwrap().as_str().to_string()
    }

    fn summary(results: &[TestResult]) -> Vec<(&str, Outcome, Option<&str>)> {
        results
            .iter()
            .map(|r| (r.id.as_str(), r.outcome, r.message.as_deref()))
            .collect()
    }

    const HOSTILE: &str = "features/it's \"quoted\" $(touch bleed-pwned).feature:3";

    #[test]
    fn versions_from_2_4_on_are_accepted_and_older_ones_refused_with_what_to_do() {
        for accepted in ["2.4.0", "3.1.2", "9.2.0", "11.1.1"] {
            assert_eq!(Cucumber.check_version(accepted), Ok(()), "{accepted}");
        }
        for refused in ["2.3.3", "2.0.0", "1.3.20"] {
            let error = Cucumber.check_version(refused).unwrap_err();
            assert!(
                error.contains(&format!("says {refused}")) && error.contains("upgrade cucumber"),
                "{error}"
            );
            assert!(error.contains("--runner generic"), "{error}");
        }
    }

    #[test]
    fn recognises_cucumber_behind_its_usual_wrappers() {
        let recognised =
            |command: &str| Invocation::parse(command).is_some_and(|i| Cucumber.recognises(&i));
        for yes in [
            "cucumber",
            "cucumber --order random:<seed>",
            "bundle exec cucumber --tags @smoke",
            "bin/cucumber features",
            "env RAILS_ENV=test bundle exec cucumber",
            "/usr/bin/cucumber -p ci",
        ] {
            assert!(recognised(yes), "{yes}");
        }
        for no in [
            "cucumber-js",
            "npx cucumber-js --format json:<report>",
            "rspec --seed <seed>",
            "echo cucumber",
            "cd app && cucumber",
        ] {
            assert!(!recognised(no), "{no}");
        }
    }

    #[test]
    fn a_bare_command_gets_a_seeded_order_and_a_json_report() {
        assert_eq!(
            hunt("cucumber --order random:<seed>").unwrap().as_str(),
            "cucumber --order random:<seed> --format pretty --format json --out <report>"
        );
        assert_eq!(
            hunt("bundle exec cucumber features").unwrap().as_str(),
            "bundle exec cucumber features --order random:<seed> --format pretty --format json --out <report>"
        );
        // The user's own output stays as it is; only the report is added.
        assert_eq!(
            hunt("cucumber -f progress --tags @fast").unwrap().as_str(),
            "cucumber -f progress --tags @fast --order random:<seed> --format json --out <report>"
        );
        for complete in [
            "cucumber --order random:<seed> --format json --out <report>",
            "cucumber --order=random:<seed> -f message -o <report>",
            "cd app && cucumber --order random:<seed> --format json --out <report>",
        ] {
            assert_eq!(hunt(complete).unwrap().as_str(), complete);
        }
    }

    #[test]
    fn commands_that_cannot_vary_or_report_are_refused_with_a_corrected_example() {
        for (command, hint, example) in [
            (
                "bundle exec cucumber --order random:5 features",
                "fixes the seed",
                "e.g. --cmd \"bundle exec cucumber features --order random:<seed>\"",
            ),
            (
                "cucumber --order random",
                "cannot record",
                "e.g. --cmd \"cucumber --order random:<seed>\"",
            ),
            (
                "cucumber --order=defined -t @a",
                "never change",
                "e.g. --cmd \"cucumber -t @a --order random:<seed>\"",
            ),
            (
                "cucumber -d",
                "--dry-run",
                "e.g. --cmd \"cucumber --order random:<seed>\"",
            ),
            (
                "cucumber --order random:<seed> --format junit --out <report>",
                "one file per feature",
                "e.g. --cmd \"cucumber --order random:<seed>\"",
            ),
            (
                "cucumber -f progress -f html -o <report>",
                "keeps the order",
                "e.g. --cmd \"cucumber -f progress --order random:<seed>\"",
            ),
            (
                "cd app && cucumber",
                "compound",
                "--order random:<seed> --format json --out <report>",
            ),
        ] {
            let error = hunt(command).unwrap_err();
            assert!(
                error.message.contains(hint) && error.message.contains(example),
                "{command}: {}",
                error.message
            );
        }
    }

    #[test]
    fn replay_runs_the_locations_in_defined_order_and_keeps_the_rest() {
        assert_eq!(
            replay_of("cucumber --order random:<seed>"),
            "cucumber --format pretty --format json --out <report> --order defined <tests>"
        );
        assert_eq!(
            replay_of(
                "bundle exec cucumber --order random:<seed> --tags '@a and not @b' -r features \
                 features/checkout.feature @rerun.txt RAILS_ENV=test --fail-fast --retry 2 -l 12 -p ci \
                 -f progress -o progress.txt"
            ),
            "bundle exec cucumber --tags '@a and not @b' -r features RAILS_ENV=test -p ci \
             -f progress -o progress.txt --format json --out <report> --order defined <tests>"
        );
    }

    #[test]
    fn replay_needs_a_simple_cucumber_command() {
        let compound = Template::parse(
            "cd app && cucumber --order random:<seed> --format json --out <report>",
        )
        .unwrap();
        let error = Cucumber.replay_command(&compound).unwrap_err();
        assert!(error.message.contains("--replay-cmd"), "{}", error.message);
        let other = Template::parse("rspec --seed <seed>").unwrap();
        assert!(Cucumber.replay_command(&other).is_err());
    }

    #[test]
    fn the_reproducer_is_the_replay_without_bleeds_report_and_with_the_order_inline() {
        let order = vec![
            HOSTILE.to_string(),
            "features/checkout.feature:12".to_string(),
        ];
        let replay = Template::parse(&replay_of("cucumber --order random:<seed>")).unwrap();
        assert_eq!(
            Cucumber.reproducer(&replay, &order, Some(19497)).unwrap(),
            "cucumber --order defined 'features/it'\\''s \"quoted\" $(touch bleed-pwned).feature:3' \
             features/checkout.feature:12"
        );
        let replay = Template::parse(&replay_of("bundle exec cucumber -f progress")).unwrap();
        assert_eq!(
            Cucumber.reproducer(&replay, &order[1..], None).unwrap(),
            "bundle exec cucumber -f progress --order defined features/checkout.feature:12"
        );
        let by_hand = Template::parse("cd app && cucumber -f json -o <report> <tests>").unwrap();
        assert_eq!(
            Cucumber.reproducer(&by_hand, &order[1..], None).unwrap(),
            "cd app && cucumber -f json -o /tmp/bleed-report.xml features/checkout.feature:12"
        );
        assert_eq!(
            Cucumber
                .version_command(&Template::parse("bundle exec cucumber -p ci").unwrap())
                .unwrap(),
            "bundle exec cucumber --version"
        );
    }

    #[test]
    fn options_are_told_from_feature_paths_in_every_spelling() {
        let words: Vec<String> = [
            "--format=json",
            "-fjson",
            "-o",
            "-t",
            "@a",
            "--out",
            "x.json",
            "features",
            "--",
            "-x",
        ]
        .map(String::from)
        .into();
        let args = split_args(&words, &GRAMMAR);
        let shape: Vec<(Option<&str>, Option<&str>)> = args
            .iter()
            .map(|a| (a.option.as_deref(), a.value.as_deref()))
            .collect();
        assert_eq!(
            shape,
            [
                (Some("--format"), Some("json")),
                (Some("--format"), Some("json")),
                (Some("--out"), None),
                (Some("--tags"), Some("@a")),
                (Some("--out"), Some("x.json")),
                (None, None),
                (None, None),
                (None, None),
            ]
        );
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
                    Some("expected 5 items")
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
                    Some("expected 3 items")
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
            Some("expected $4.00, got €4.00 (RuntimeError)")
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
            Some("Expected values to be strictly equal:")
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
