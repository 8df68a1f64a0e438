//! Jest: seeded order from `--randomize --seed`, results from `--json --outputFile`, and
//! replays of one file's tests under the failing run's seed, filtered with `-t`.
//!
//! Jest shuffles the children of every describe block, in place, from one generator per test
//! file, before it knows which tests `-t` will skip; and its JSON report walks that shuffled
//! tree, so it lists a file's tests in the order they ran. Filtering a file with `-t` under the
//! same seed therefore runs the chosen tests in the relative order they had in the full run.
//! That is how a probe is replayed. It cannot put tests in any other order, and it cannot put
//! files in an order either (Jest's sequencer decides), which does not matter because each file
//! has its own module registry and globals: bisecting stays within the victim's file.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use super::node::{
    install_script, node_script_prefix, option_name, runs_under_node, split_node_script,
};
use super::{Adapter, Capabilities, Invocation, RunResults, accepts_appended_args, inline_order};
use crate::error::{Error, Result};
use crate::outcome::{Outcome, TestResult};
use crate::template::{Placeholder, Template, Values, join_keeping_placeholders, quote};

pub struct Jest;

/// Between the file and the describe blocks and test of an id, as Jest prints them.
const SEPARATOR: &str = " › ";

/// Jest options that take one value; the value may be the next word.
const OPTIONS_WITH_A_VALUE: &[&str] = &[
    "--cacheDirectory",
    "--changedSince",
    "--collectCoverageFrom",
    "-c",
    "--config",
    "--coverageDirectory",
    "--coverageProvider",
    "--coverageThreshold",
    "--env",
    "--filter",
    "--globalSetup",
    "--globalTeardown",
    "--globals",
    "--haste",
    "-w",
    "--maxWorkers",
    "--maxConcurrency",
    "--moduleNameMapper",
    "--notifyMode",
    "--openHandlesTimeout",
    "--outputFile",
    "--preset",
    "--prettierPath",
    "--resolver",
    "--rootDir",
    "--runner",
    "--seed",
    "--shard",
    "--testEnvironment",
    "--testEnvironmentOptions",
    "--testFailureExitCode",
    "-t",
    "--testNamePattern",
    "--testResultsProcessor",
    "--testRunner",
    "--testSequencer",
    "--testTimeout",
    "--transform",
    "--workerGracefulExitTimeout",
];

/// Jest options that take every following word up to the next option (yargs arrays).
const OPTIONS_WITH_VALUES: &[&str] = &[
    "--coveragePathIgnorePatterns",
    "--coverageReporters",
    "--ignoreProjects",
    "--moduleDirectories",
    "--moduleFileExtensions",
    "--modulePathIgnorePatterns",
    "--modulePaths",
    "--projects",
    "--reporters",
    "--roots",
    "--selectProjects",
    "--setupFiles",
    "--setupFilesAfterEnv",
    "--snapshotSerializers",
    "--testMatch",
    "--testPathIgnorePatterns",
    "--testPathPattern",
    "--testPathPatterns",
    "--testRegex",
    "--transformIgnorePatterns",
    "--unmockedModulePathPatterns",
    "--watchPathIgnorePatterns",
];

/// Options that choose which tests or files run; a replay chooses them itself.
const SELECTING_OPTIONS: &[&str] = &[
    "-t",
    "--testNamePattern",
    "--testPathPattern",
    "--testPathPatterns",
    "--shard",
    "--filter",
    "-o",
    "--onlyChanged",
    "-f",
    "--onlyFailures",
    "--changedSince",
    "--lastCommit",
    "--findRelatedTests",
    "--runTestsByPath",
];

/// Options under which Jest never finishes a run.
const WATCH_OPTIONS: &[&str] = &["--watch", "--watchAll"];

/// Run by node in front of the user's Jest command: reads the order bleed wrote (one id a
/// line), checks that it is one file's tests, and runs the command on that file
/// (`--runTestsByPath`) with a test runner of bleed's that wraps Jest's own (jest-circus) and
/// skips every test not asked for. `-t` cannot do that: Jest matches it without regard to case,
/// and every test of a name matches it. The wrapper sees the tests in the order they were
/// defined, before Jest shuffles them, so it knows each twin (same titles) by its place among
/// them: `… #2` is the second. Once the file has run, it names the twins it ran so in the
/// report, since Jest's report alone cannot tell them apart. The ids stay data all the way
/// from the file to the wrapper: no shell sees them.
const REPLAY_SCRIPT: &str = r#"const fs = require("fs"), path = require("path"), os = require("os");
const fail = (m) => { console.error("bleed: " + m); process.exit(2); };
const [list, ...command] = process.argv.slice(2);
const sep = " \u203a ";
const ids = fs.readFileSync(list, "utf8").split("\n").filter(Boolean);
const files = [...new Set(ids.map((id) => id.split(sep)[0]))];
if (files.length !== 1) fail("a Jest replay runs the tests of one file, and this order has " + files.length + ": " + files.join(", "));
// Each id names titles and a place among namesakes; an id ending in " #k" may also be a title
// that ends so, and both readings are wanted.
const wanted = [];
for (const id of ids) {
  if (!id.includes(sep)) fail(id + " names a file, not a test");
  const titles = id.split(sep).slice(1);
  wanted.push(JSON.stringify([titles, 1]));
  const twin = / #(\d+)$/.exec(titles[titles.length - 1]);
  if (twin && Number(twin[1]) > 1) wanted.push(JSON.stringify([titles.slice(0, -1).concat(titles[titles.length - 1].slice(0, twin.index)), Number(twin[1])]));
}
const from = (names, dir) => names.reduce((at, name) => path.dirname(require.resolve(name + "/package.json", { paths: [at] })), dir);
let circus;
for (const via of [[], ["jest", "jest-cli", "jest-config"], ["jest", "@jest/core", "jest-config"]]) {
  try { circus = require.resolve("jest-circus/runner", { paths: [from(via, process.cwd())] }); break; } catch (e) {}
}
if (!circus) fail("cannot find jest-circus, Jest's test runner, from " + process.cwd());
function runner() {
  const loaded = require(CIRCUS);
  const own = typeof loaded === "function" ? loaded : loaded.default;
  const chosen = new Set(WANTED);
  const places = new Map();
  let ran = [];
  const choose = (block, titles, count) => {
    for (const child of block.children) {
      const named = titles.concat(child.name);
      if (child.type === "describeBlock") { choose(child, named, count); continue; }
      const key = JSON.stringify(named);
      const nth = (count.get(key) || 0) + 1;
      count.set(key, nth);
      places.set(child, nth);
      if (!chosen.has(JSON.stringify([named, nth]))) child.mode = "skip";
    }
  };
  const walk = (block) => block.children.flatMap((child) => child.type === "describeBlock" ? walk(child) : [child]);
  return async (globalConfig, config, environment, runtime, testPath, send) => {
    const handle = environment.handleTestEvent;
    environment.handleTestEvent = function (event, state) {
      if (event.name === "run_start") choose(state.rootDescribeBlock, [], new Map());
      if (event.name === "run_finish") ran = walk(state.rootDescribeBlock);
      return handle ? handle.call(this, event, state) : undefined;
    };
    const result = await own(globalConfig, config, environment, runtime, testPath, send);
    result.testResults.forEach((assertion, at) => {
      const nth = ran[at] && places.get(ran[at]);
      if (nth > 1) { assertion.title += " #" + nth; assertion.fullName += " #" + nth; }
    });
    return result;
  };
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bleed-jest-"));
const wrapper = path.join(dir, "runner.cjs");
fs.writeFileSync(wrapper, "const CIRCUS = " + JSON.stringify(circus) + ", WANTED = " + JSON.stringify(wanted) + ";\nmodule.exports = (" + runner + ")();\n");
const file = files[0].startsWith("-") ? "./" + files[0] : files[0];
const run = require("child_process").spawnSync(command[0], command.slice(1).concat(["--testRunner", wrapper, "--runTestsByPath", file]), { stdio: "inherit" });
fs.rmSync(dir, { recursive: true, force: true });
if (run.error) fail("cannot run " + command[0] + ": " + run.error.message);
process.exit(run.status === null ? 1 : run.status);"#;

impl Jest {
    /// `path › describe › test`: the file relative to the working directory, then the titles.
    pub fn test_id(file: &str, titles: &[String]) -> String {
        let mut id = file.to_string();
        for title in titles {
            id.push_str(SEPARATOR);
            id.push_str(title);
        }
        id
    }

    /// The file part of an id.
    fn file_of(id: &str) -> &str {
        id.split_once(SEPARATOR).map_or(id, |(file, _)| file)
    }

    /// The `-t` pattern that matches exactly these tests of one file (ids without the file):
    /// Jest matches it, case-insensitively, against the titles joined by spaces. A title that
    /// itself holds ` › ` is matched either way.
    pub fn name_pattern(names: &[&str]) -> String {
        let escaped: Vec<String> = names
            .iter()
            .map(|name| {
                let mut out = String::new();
                for c in name.chars() {
                    if ".*+?^${}()|[]\\/".contains(c) {
                        out.push('\\');
                    }
                    out.push(c);
                }
                out.split(SEPARATOR).collect::<Vec<_>>().join("(?: › | )")
            })
            .collect();
        format!("^(?:{})$", escaped.join("|"))
    }
}

fn correct_example() -> &'static str {
    "e.g. --cmd \"npx jest --ci --randomize --seed=<seed> --json --outputFile=<report>\""
}

/// Whether a word is the Jest program: `jest`, a path to it, or `jest.js` run by node.
fn is_jest(word: &str) -> bool {
    let base = word.rsplit('/').next().unwrap_or(word);
    matches!(base, "jest" | "jest.js")
}

fn jest_position(words: &[String]) -> Option<usize> {
    words.iter().position(|word| is_jest(word))
}

fn has_option(words: &[String], names: &[&str]) -> bool {
    words.iter().any(|word| names.contains(&option_name(word)))
}

/// A Jest argument: an option with the values it took, or a positional word.
struct Argument<'a> {
    words: &'a [String],
    positional: bool,
}

/// Splits Jest's arguments the way its yargs parser does, so that option values are not
/// mistaken for path patterns.
fn arguments(words: &[String]) -> Vec<Argument<'_>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < words.len() {
        let word = &words[at];
        let name = option_name(word);
        let inline_value = name.len() < word.len();
        let looks_like_option = |w: &String| w.starts_with('-') && w.parse::<f64>().is_err();
        let mut end = at + 1;
        if !inline_value && OPTIONS_WITH_A_VALUE.contains(&name) {
            if words.get(end).is_some_and(|next| !looks_like_option(next)) {
                end += 1;
            }
        } else if OPTIONS_WITH_VALUES.contains(&name) {
            while words.get(end).is_some_and(|next| !looks_like_option(next)) {
                end += 1;
            }
        }
        out.push(Argument {
            words: &words[at..end],
            positional: !word.starts_with('-'),
        });
        at = end;
    }
    out
}

impl Adapter for Jest {
    fn name(&self) -> &'static str {
        "jest"
    }

    fn recognises(&self, invocation: &Invocation) -> bool {
        runs_under_node(invocation, is_jest)
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            seeded_order: "--randomize --seed=<seed> (added when missing): the tests of every describe block, in each file",
            explicit_order: "one file's tests (each file has its own modules), under the failing run's seed, chosen with -t: sub-orders of that seed's order only",
            results: "--json --outputFile=<report> --testLocationInResults (added when missing), in run order",
            selector: "path/to/file.test.js › describe › test",
            versions: "≥ 29.5.0 (--randomize); tested on 29.7.0 and 30.5.2",
        }
    }

    fn hunt_command(&self, user: &Template) -> Result<Template> {
        let text = user.as_str();
        let words = shell_words::split(text).unwrap_or_default();
        if has_option(&words, WATCH_OPTIONS) {
            return Err(Error::usage(format!(
                "the command watches for changes (--watch, --watchAll), so a run never ends: drop it, {}",
                correct_example()
            )));
        }
        if has_option(&words, &["--no-randomize"]) || words.iter().any(|w| w == "--randomize=false")
        {
            return Err(Error::usage(format!(
                "the command turns Jest's shuffling off, so the order would never change: {}",
                correct_example()
            )));
        }
        // Some options are needed to vary the order and read the results; the rest help: no
        // snapshot is written by one run and compared by the next, and locations give line
        // numbers and tell twins apart. The number of worker processes stays the user's: a test
        // run in band sees Jest's command line in process.argv, and `--runInBand` there broke a
        // suite that reads it.
        let mut additions = Vec::new();
        let mut needed = false;
        let mut add = |option: &'static str, is_needed: bool| {
            additions.push(option);
            needed |= is_needed;
        };
        if !has_option(&words, &["--ci", "--no-ci"]) {
            add("--ci", false);
        }
        if !has_option(&words, &["--randomize"]) {
            add("--randomize", true);
        }
        if !user.has(Placeholder::Seed) && !text.contains("BLEED_SEED") {
            if has_option(&words, &["--seed"]) {
                return Err(Error::usage(format!(
                    "the command fixes Jest's seed: write --seed=<seed> so each run gets its own, {}",
                    correct_example()
                )));
            }
            add("--seed=<seed>", true);
        }
        if !has_option(&words, &["--json"]) {
            add("--json", true);
        }
        if !user.has(Placeholder::Report) && !text.contains("BLEED_REPORT") {
            if has_option(&words, &["--outputFile"]) {
                return Err(Error::usage(format!(
                    "the command writes Jest's report to a fixed path: write --outputFile=<report> so each run gets its own, {}",
                    correct_example()
                )));
            }
            add("--outputFile=<report>", true);
        }
        if !has_option(&words, &["--testLocationInResults"]) {
            add("--testLocationInResults", false);
        }
        if !accepts_appended_args(text) {
            if needed {
                return Err(Error::usage(format!(
                    "bleed cannot add its options to a compound command (pipe, &&, ;, redirection): put them in it yourself, {}",
                    correct_example()
                )));
            }
            return Ok(user.clone());
        }
        if additions.is_empty() {
            return Ok(user.clone());
        }
        Ok(user.with_args(&additions.join(" ")))
    }

    fn replay_command(&self, hunt: &Template) -> Result<Template> {
        let words = shell_words::split(hunt.as_str())
            .ok()
            .filter(|_| accepts_appended_args(hunt.as_str()));
        let Some(words) = words else {
            return Err(Error::usage(format!(
                "bleed cannot derive a replay command from a compound Jest command: give --cmd as one \
                 simple Jest command, {}",
                correct_example()
            )));
        };
        let Some(start) = jest_position(&words) else {
            return Err(Error::usage(
                "the command does not run jest: give --runner to name the right one",
            ));
        };
        let script = install_script("jest-replay", REPLAY_SCRIPT)?;
        let mut command = node_script_prefix(&words, start, &script);
        for argument in arguments(&words[start + 1..]) {
            let name = option_name(&argument.words[0]);
            if !argument.positional && !SELECTING_OPTIONS.contains(&name) {
                command.extend(argument.words.iter().cloned());
            }
        }
        Template::parse(&join_keeping_placeholders(&command))
    }

    fn read_results(&self, report: &Path) -> RunResults {
        let text = match std::fs::read_to_string(report) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return broken(format!("no report was written at {}", report.display()));
            }
            Err(e) => {
                return broken(format!(
                    "cannot read the report at {}: {e}",
                    report.display()
                ));
            }
        };
        let cwd = std::env::current_dir().unwrap_or_default();
        parse_report(&text, &cwd).unwrap_or_else(|problem| {
            broken(format!(
                "the report at {} is not Jest's JSON ({problem})",
                report.display()
            ))
        })
    }

    /// The Jest command without bleed's report options, with the order's `-t` pattern and file
    /// inline and the seed filled in.
    fn reproducer(&self, replay: &Template, order: &[String], seed: Option<u64>) -> Result<String> {
        let Some((assignments, jest)) =
            split_node_script(replay, &install_script("jest-replay", REPLAY_SCRIPT)?)
        else {
            // A replay command the user gave: bleed cannot tell its report options from the rest.
            return inline_order(replay, order, seed, Path::new("/tmp/bleed-report.json"));
        };
        let Some(first) = order.first() else {
            return Err(Error::usage("a reproducer needs at least one test"));
        };
        let file = Jest::file_of(first);
        if let Some(other) = order.iter().find(|id| Jest::file_of(id) != file) {
            return Err(Error::usage(format!(
                "a Jest reproducer runs the tests of one file, and this order has {file} and {}",
                Jest::file_of(other)
            )));
        }
        let names: Vec<&str> = order
            .iter()
            .map(|id| id.split_once(SEPARATOR).map_or("", |(_, name)| name))
            .collect();
        let mut words = assignments;
        let mut jest = jest.into_iter().peekable();
        while let Some(word) = jest.next() {
            match word.as_str() {
                "--json" | "--testLocationInResults" | "--outputFile=<report>" => {}
                "--outputFile" if jest.peek().is_some_and(|next| next == "<report>") => {
                    jest.next();
                }
                _ => words.push(word),
            }
        }
        let command = Template::parse(&join_keeping_placeholders(&words))?.render(&Values {
            seed,
            ..Values::default()
        })?;
        let file = if file.starts_with('-') {
            format!("./{file}")
        } else {
            file.to_string()
        };
        Ok(format!(
            "{command} -t {} --runTestsByPath {}",
            quote(&Jest::name_pattern(&names)),
            quote(&file)
        ))
    }

    fn report_extension(&self) -> &'static str {
        "json"
    }

    /// `--randomize` and `--seed` arrived in Jest 29.5.0: an older Jest rejects them.
    fn check_version(&self, reported: &str) -> std::result::Result<(), String> {
        match super::parse_version(reported) {
            Some(version) if version < (29, 5, 0) => Err(format!(
                "Jest {} cannot shuffle its tests (--randomize arrived in Jest 29.5.0): upgrade \
                 Jest to 29.5 or later, e.g. npm install --save-dev jest@30",
                reported.trim()
            )),
            _ => Ok(()),
        }
    }

    fn version_command(&self, hunt: &Template) -> Option<String> {
        let words = shell_words::split(hunt.as_str()).ok()?;
        let start = jest_position(&words)?;
        let mut command = words[..=start].to_vec();
        command.push("--version".to_string());
        Some(join_keeping_placeholders(&command))
    }

    /// Each test file has its own module registry and globals, so only the victim's own file
    /// can have polluted it (see docs/runners/jest.md for what files still share).
    fn isolated(&self, candidate: &str, victim: &str) -> bool {
        Jest::file_of(candidate) != Jest::file_of(victim)
    }
}

fn broken(problem: String) -> RunResults {
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
/// todo, or left out by `-t`) are left out: they have no place in the run order.
fn parse_report(text: &str, cwd: &Path) -> std::result::Result<RunResults, String> {
    let report: Report = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let mut results = Vec::new();
    for file in report.test_results {
        let path = Path::new(&file.name);
        let relative = path.strip_prefix(cwd).unwrap_or(path).display().to_string();
        if file.assertion_results.is_empty() && file.status == "failed" {
            // The file could not be loaded (a syntax error, a missing module): no test ran.
            results.push(TestResult {
                id: relative.clone(),
                outcome: Outcome::Errored,
                duration: None,
                message: first_line(
                    file.message
                        .lines()
                        .filter(|line| !line.contains("Test suite failed to run")),
                ),
                file: Some(relative),
                line: None,
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
                    .and_then(|message| first_line(message.lines())),
                file: Some(relative.clone()),
                line: assertion.location.map(|location| location.line),
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

/// The first line with text, without the terminal colours Jest may have added.
fn first_line<'a>(mut lines: impl Iterator<Item = &'a str>) -> Option<String> {
    lines.find_map(|line| {
        let plain = strip_colours(line);
        let plain = plain.trim();
        (!plain.is_empty()).then(|| plain.to_string())
    })
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

    const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/reports/jest");

    /// The directory the samples were written in (testdata/reports/README.md).
    const SAMPLE_CWD: &str = "/tmp/samples/jest";

    const HOSTILE: &str = "it's \"quoted\" $(touch bleed-pwned)";

    fn template(text: &str) -> Template {
        Template::parse(text).unwrap()
    }

    fn sample(name: &str, cwd: &str) -> RunResults {
        let text = std::fs::read_to_string(Path::new(SAMPLES).join(name)).unwrap();
        parse_report(&text, Path::new(cwd)).unwrap_or_else(broken)
    }

    fn ids(results: &RunResults) -> Vec<&str> {
        results.results.iter().map(|r| r.id.as_str()).collect()
    }

    #[test]
    fn recognises_jest_behind_its_usual_wrappers() {
        let recognised =
            |command: &str| Invocation::parse(command).is_some_and(|i| Jest.recognises(&i));
        for yes in [
            "jest",
            "npx jest --ci",
            "node_modules/.bin/jest __tests__",
            "yarn jest",
            "pnpm exec jest",
            "CI=true npx jest",
            "node node_modules/jest/bin/jest.js",
            "node --expose-gc node_modules/.bin/jest",
        ] {
            assert!(recognised(yes), "{yes}");
        }
        for no in [
            "npm test",
            "npx mocha",
            "python3 -m pytest",
            "node server.js jest",
            "npx jest-junit",
        ] {
            assert!(!recognised(no), "{no}");
        }
    }

    #[test]
    fn a_bare_command_gets_the_seed_and_report_options() {
        let hunt = Jest.hunt_command(&template("npx jest")).unwrap();
        assert_eq!(
            hunt.as_str(),
            "npx jest --ci --randomize --seed=<seed> --json --outputFile=<report> --testLocationInResults"
        );
        let complete = "npx jest --ci --randomize --seed=<seed> -i --json --outputFile=<report> --testLocationInResults __tests__";
        assert_eq!(
            Jest.hunt_command(&template(complete)).unwrap().as_str(),
            complete
        );
        assert_eq!(
            Jest.hunt_command(&template("jest -w 4 --seed <seed> --outputFile <report>"))
                .unwrap()
                .as_str(),
            "jest -w 4 --seed <seed> --outputFile <report> --ci --randomize --json --testLocationInResults"
        );
    }

    #[test]
    fn a_compound_command_is_taken_as_is_when_it_has_what_bleed_needs() {
        let compound = "cd web && npx jest --randomize --seed=<seed> --json --outputFile=<report>";
        assert_eq!(
            Jest.hunt_command(&template(compound)).unwrap().as_str(),
            compound
        );
    }

    #[test]
    fn commands_that_cannot_vary_or_report_are_refused_with_an_example() {
        for (command, hint) in [
            ("npx jest --randomize --seed=3", "--seed=<seed>"),
            ("npx jest --seed 3", "--seed=<seed>"),
            ("npx jest --no-randomize", "shuffling off"),
            (
                "npx jest --json --outputFile=out.json",
                "--outputFile=<report>",
            ),
            ("npx jest --watchAll", "never ends"),
            ("cd web && npx jest", "compound"),
        ] {
            let error = Jest.hunt_command(&template(command)).unwrap_err();
            assert!(error.message.contains(hint), "{command}: {}", error.message);
            assert!(
                error
                    .message
                    .contains("--cmd \"npx jest --ci --randomize --seed=<seed>"),
                "{command}: {}",
                error.message
            );
        }
    }

    #[test]
    fn replay_runs_the_hunt_command_through_the_script_without_its_own_selection() {
        let hunt = Jest
            .hunt_command(&template(
                "CI=true time npx jest -c jest.config.js --roots src lib -t 'slow tests' --shard=1/2 --testPathPatterns a b -o __tests__/only",
            ))
            .unwrap();
        let replay = Jest.replay_command(&hunt).unwrap();
        assert_eq!(
            replay.as_str(),
            format!(
                "CI=true node {} <tests-file> npx jest -c jest.config.js --roots src lib --ci --randomize \
                 --seed=<seed> --json --outputFile=<report> --testLocationInResults",
                install_script("jest-replay", REPLAY_SCRIPT)
                    .unwrap()
                    .display()
            )
        );
        assert!(
            Jest.replay_command(&template("cd web && npx jest"))
                .is_err()
        );
    }

    #[test]
    fn the_reproducer_is_the_jest_command_with_the_order_inline() {
        let replay = Jest
            .replay_command(&Jest.hunt_command(&template("npx jest")).unwrap())
            .unwrap();
        let order = [
            format!("__tests__/labels.test.js › banner (v2.*) › {HOSTILE}"),
            "__tests__/labels.test.js › defaults to \"Welcome\"".to_string(),
        ];
        assert_eq!(
            Jest.reproducer(&replay, &order, Some(19497)).unwrap(),
            "npx jest --ci --randomize --seed=19497 \
             -t '^(?:banner \\(v2\\.\\*\\)(?: › | )it'\\''s \"quoted\" \\$\\(touch bleed-pwned\\)|defaults to \"Welcome\")$' \
             --runTestsByPath __tests__/labels.test.js"
        );
        let mixed = ["a.test.js › x".to_string(), "b.test.js › y".to_string()];
        let error = Jest.reproducer(&replay, &mixed, Some(1)).unwrap_err();
        assert!(error.message.contains("one file"), "{}", error.message);
        assert_eq!(
            Jest.version_command(&template("CI=1 npx jest --ci"))
                .unwrap(),
            "CI=1 npx jest --version"
        );
    }

    #[test]
    fn a_given_replay_command_is_reproduced_whole() {
        let replay = template("npx jest --seed=<seed> --json --outputFile=<report> -t <tests>");
        assert_eq!(
            Jest.reproducer(&replay, &["a b".to_string()], Some(3))
                .unwrap(),
            "npx jest --seed=3 --json --outputFile=/tmp/bleed-report.json -t 'a b'"
        );
    }

    #[test]
    fn name_patterns_escape_every_regex_metacharacter() {
        assert_eq!(
            Jest::name_pattern(&["a.b*c+d?e^f$g{h}i(j)k|l[m]n\\o/p", "plain"]),
            "^(?:a\\.b\\*c\\+d\\?e\\^f\\$g\\{h\\}i\\(j\\)k\\|l\\[m\\]n\\\\o\\/p|plain)$"
        );
    }

    #[test]
    fn files_are_isolated_from_each_other_and_tests_within_a_file_are_not() {
        let victim = "__tests__/a.test.js › block › victim";
        assert!(!Jest.isolated("__tests__/a.test.js › other", victim));
        assert!(Jest.isolated("__tests__/b.test.js › block › victim", victim));
        assert!(Jest.isolated("__tests__/a.test.jsx › other", victim));
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
            Some("Error: expect(received).toBe(expected) // Object.is equality")
        );
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
        assert_eq!(
            read.results[0].message.as_deref(),
            Some("Cannot find module './no-such-module' from '__tests__/broken.test.js'")
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
    }

    #[test]
    fn a_jest_that_cannot_shuffle_is_refused_with_what_to_do() {
        let refusal = Jest.check_version("29.4.3").unwrap_err();
        assert!(refusal.contains("Jest 29.4.3"), "{refusal}");
        assert!(refusal.contains("upgrade Jest to 29.5"), "{refusal}");
        for supported in ["29.5.0", "29.7.0", "30.5.2"] {
            assert_eq!(Jest.check_version(supported), Ok(()));
        }
        assert_eq!(Jest.report_extension(), "json");
    }

    #[test]
    fn colours_are_stripped_from_messages() {
        assert_eq!(
            first_line("\n\u{1b}[2mexpect(\u{1b}[22m\u{1b}[31mreceived\u{1b}[39m)\nmore".lines()),
            Some("expect(received)".to_string())
        );
    }
}
