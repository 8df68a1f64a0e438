//! Where a bisection's failing order comes from, and which test in it is the victim.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::human::count;
use crate::outcome::{Outcome, TestResult};
use crate::progress;
use crate::run::{self, Ended, Planned};
use crate::runner;
use crate::store::{RunRecord, RunStatus, Store};
use crate::template::{Placeholder, Template, edit_distance};

use super::{Located, Settings};

/// Where the failing order comes from.
#[derive(Clone, Debug)]
pub enum Source {
    /// A recorded run with this seed, else one run of the command under it.
    Seed(u64),
    /// The failing run a CI log shows, by its seed: found as `Seed` is. `from` says where in
    /// the log ("ci.log, seed 13, parallel_tests process 3"). The log, not the user, says the
    /// victim failed there: a run where it passes is a finding (the failure did not come back).
    Log { seed: u64, from: String },
    /// A recorded run, by id.
    Run(String),
    /// One test id a line, the victim included.
    OrderFile(PathBuf),
    /// A report from CI (JUnit, or the runner's own format) whose order is the run order.
    Report(PathBuf),
    /// The latest recorded run in which the victim failed.
    Latest,
}

/// The order to search and what is known about it.
pub struct Failing {
    pub order: Vec<TestResult>,
    pub template: Option<String>,
    pub seed: Option<u64>,
    pub origin: String,
    /// The same, told without the store's run ids or this machine's paths, for REPORT.md.
    pub shared_origin: String,
    /// True when bleed ran it just now rather than reading it from a record or a file.
    pub fresh: bool,
    /// The recorded run it is, if any: picked because the victim failed in it, it is no
    /// evidence that the victim fails after its culprits.
    pub run: Option<String>,
}

fn from_record(record: &RunRecord, origin: String) -> Failing {
    Failing {
        order: record.results.clone(),
        template: Some(record.template.clone()),
        seed: record.seed,
        origin,
        shared_origin: shared_origin(record),
        fresh: false,
        run: Some(record.id.clone()),
    }
}

/// A readable run of the command given, or of any command when none was.
fn same_command(settings: &Settings, record: &RunRecord) -> bool {
    settings
        .template
        .as_ref()
        .is_none_or(|t| t.as_str() == record.template)
        && record.status == RunStatus::Ok
}

/// Where the failing order comes from, read or run.
pub fn failing_order(settings: &Settings, runs: &[RunRecord]) -> Result<Failing> {
    match &settings.source {
        Source::Run(id) => runs
            .iter()
            .find(|r| &r.id == id)
            .map(|r| from_record(r, format!("recorded run {id}")))
            .ok_or_else(|| {
                Error::usage(format!(
                    "no recorded run has the id {id}: see .bleed/runs.jsonl"
                ))
            }),
        Source::Latest => {
            let victim = resolve_in_latest(settings, runs)?;
            runs.iter()
                .rev()
                .filter(|r| same_command(settings, r))
                .find(|r| {
                    r.results
                        .iter()
                        .any(|t| t.id == victim && t.outcome.is_failure())
                })
                .map(|r| {
                    from_record(
                        r,
                        format!("recorded run {} (the latest where the victim failed)", r.id),
                    )
                })
                .ok_or_else(|| {
                    Error::usage(format!(
                        "no recorded run shows {victim} failing: give the failing order with --seed, \
                         --run, --order-file or --report"
                    ))
                })
        }
        Source::Seed(seed) => seeded(settings, runs, *seed),
        Source::Log { seed, from } => {
            let mut failing = seeded(settings, runs, *seed)?;
            failing.origin = format!("{from}: {}", failing.origin);
            Ok(failing)
        }
        Source::OrderFile(path) => read_order_file(path),
        Source::Report(path) => {
            let template = settings.template.as_ref().map(|t| t.as_str()).unwrap_or("");
            let adapter = runner::select(template, settings.runner.as_deref())?;
            let read = adapter.read_results(path);
            if let Some(problem) = read.problem {
                return Err(Error::usage(format!(
                    "cannot use the report {}: {problem}",
                    path.display()
                )));
            }
            Ok(Failing {
                order: read.results,
                template: None,
                seed: None,
                origin: format!("report {}", path.display()),
                shared_origin: format!("the report {}", file_name(path)),
                fresh: false,
                run: None,
            })
        }
    }
}

/// A recorded run as someone without the store can place it: its seed, and which run of which
/// hunt it was.
fn shared_origin(record: &RunRecord) -> String {
    match (record.seed, record.master_seed, record.index) {
        (Some(seed), Some(master), Some(index)) => format!(
            "seed {seed}: run {} of a hunt with master seed {master}",
            index + 1
        ),
        (Some(seed), ..) => format!("a run under seed {seed}"),
        (None, ..) => "a recorded run".to_string(),
    }
}

/// A file named by itself: where it sits on this machine says nothing to others.
fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or(path, Path::new)
        .display()
        .to_string()
}

/// A recorded run of the command with this seed, else one run of it.
fn seeded(settings: &Settings, runs: &[RunRecord], seed: u64) -> Result<Failing> {
    if let Some(record) = runs
        .iter()
        .rev()
        .filter(|r| same_command(settings, r))
        .find(|r| r.seed == Some(seed))
    {
        return Ok(from_record(
            record,
            format!("recorded run {} (seed {seed})", record.id),
        ));
    }
    let Some(template) = &settings.template else {
        return Err(Error::usage(format!(
            "no recorded run has seed {seed}: give --cmd so bleed can run it once"
        )));
    };
    run_seed_once(settings, template, seed)
}

/// A victim named by the end of its id, by a runner's failure line, or misspelt, is resolved
/// (or gets its suggestions) against the tests of the latest recorded run.
fn resolve_in_latest(settings: &Settings, runs: &[RunRecord]) -> Result<String> {
    let known = runs
        .iter()
        .any(|r| r.results.iter().any(|t| t.id == settings.victim));
    match runs.iter().rev().find(|r| same_command(settings, r)) {
        Some(latest) if !known => Ok(latest.results
            [find_victim(&settings.victim, &latest.results)?]
        .id
        .clone()),
        _ => Ok(settings.victim.clone()),
    }
}

/// One test id a line. Only the line break is taken off: a test whose name ends in a space is
/// still itself. Blank lines and `#` comments are skipped.
fn read_order_file(path: &Path) -> Result<Failing> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::usage(format!(
            "cannot read the order file {}: {e}",
            path.display()
        ))
    })?;
    let order = text
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .filter(|line| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
        .map(|id| TestResult {
            id: id.to_string(),
            outcome: Outcome::Failed,
            duration: None,
            message: None,
            file: None,
            line: None,
            name: None,
        })
        .collect();
    Ok(Failing {
        order,
        template: None,
        seed: None,
        origin: format!("order file {}", path.display()),
        shared_origin: format!("the order file {}", file_name(path)),
        fresh: false,
        run: None,
    })
}

fn run_seed_once(settings: &Settings, template: &Template, seed: u64) -> Result<Failing> {
    let adapter = runner::select(template.as_str(), settings.runner.as_deref())?;
    let command = adapter.hunt_command(template)?;
    if !command.has(Placeholder::Seed) {
        return Err(Error::usage(format!(
            "no recorded run has seed {seed}, and the {} runner has no seeded order of its own: its \
             orders come from bleed's shuffles, so bisect a recorded run (--run ID, or no source for the \
             latest where the victim failed) after bleed hunt",
            adapter.name()
        )));
    }
    let store = Store::open(&settings.store)?;
    progress::say(&format!("no recorded run has seed {seed}; running it once"));
    let planned = Planned {
        // Another bisection may run the same seed at the same time: each keeps its own log.
        id: format!(
            "{}-s{seed}-{}",
            run::hunt_tag(template.as_str(), seed),
            std::process::id()
        ),
        adapter: adapter.as_ref(),
        user_template: template.as_str(),
        command: &command,
        master_seed: None,
        index: None,
        seed: Some(seed),
        tests: None,
        worker: 1,
        timeout: settings.timeout,
        warmth: None,
    };
    match run::perform(&planned, &store)? {
        Ended::Interrupted => Err(Error::interrupted(
            "interrupted while running the failing seed; nothing to bisect yet",
        )),
        Ended::Recorded(record) => {
            store.append_run(&record)?;
            if record.status != RunStatus::Ok {
                return Err(Error::suite(format!(
                    "the run of seed {seed} gave no results ({}); its output: {}",
                    record.problem.as_deref().unwrap_or("no report"),
                    store.root().join(&record.log).display()
                )));
            }
            Ok(Failing {
                order: record.results.clone(),
                template: Some(record.template.clone()),
                seed: Some(seed),
                origin: format!("a run of seed {seed} ({})", record.id),
                shared_origin: shared_origin(&record),
                fresh: true,
                run: Some(record.id.clone()),
            })
        }
    }
}

/// The victim's position in the order: its exact id; else the test at a runner's own failure
/// line (`./spec/cart_spec.rb:12`, `features/checkout.feature:12`, `tests/a.py:40`); else the
/// one id ending with what was typed. An unknown one gets the nearest ids as suggestions.
pub fn find_victim(victim: &str, order: &[TestResult]) -> Result<usize> {
    if let Some(at) = order.iter().position(|t| t.id == victim) {
        return Ok(at);
    }
    if let Some(at) = at_location(victim, order) {
        return Ok(at);
    }
    let ending: Vec<usize> = (0..order.len())
        .filter(|&i| order[i].id.ends_with(victim))
        .collect();
    if let [only] = ending.as_slice() {
        return Ok(*only);
    }
    let mut near: Vec<(usize, &String)> = order
        .iter()
        .map(|t| {
            let distance = if t.id.contains(victim) || victim.contains(t.id.as_str()) {
                0
            } else {
                edit_distance(victim, &t.id)
            };
            (distance, &t.id)
        })
        .filter(|(distance, id)| *distance <= (id.len().max(victim.len()) / 3).max(3))
        .collect();
    near.sort();
    let suggestions: Vec<String> = near.iter().take(5).map(|(_, id)| (*id).clone()).collect();
    let hint = if suggestions.is_empty() {
        format!(
            "the order has {}; check the id (it is case-sensitive)",
            count(order.len(), "test")
        )
    } else {
        format!("did you mean: {}", suggestions.join(", "))
    };
    Err(Error::usage(format!(
        "the victim {victim} is not in the failing order; {hint}"
    )))
}

/// The one test defined at `path:line`, as runners print failures. A line inside a test's body
/// (RSpec prints the example's first line, but people paste the failing line) selects the test
/// that starts last at or before it in that file.
fn at_location(victim: &str, order: &[TestResult]) -> Option<usize> {
    let (path, line) = victim.rsplit_once(':')?;
    let line: u32 = line.parse().ok()?;
    let path = path.trim_start_matches("./");
    let in_file: Vec<(usize, u32)> = order
        .iter()
        .enumerate()
        .filter(|(_, t)| {
            t.file
                .as_deref()
                .is_some_and(|f| f.trim_start_matches("./") == path)
        })
        .filter_map(|(at, t)| Some((at, t.line?)))
        .collect();
    if let Some(&(at, _)) = in_file.iter().find(|&&(_, l)| l == line) {
        return Some(at);
    }
    let start = in_file
        .iter()
        .filter(|&&(_, l)| l <= line)
        .map(|&(_, l)| l)
        .max()?;
    let starting: Vec<usize> = in_file
        .iter()
        .filter(|&&(_, l)| l == start)
        .map(|&(at, _)| at)
        .collect();
    match starting.as_slice() {
        [only] => Some(*only),
        _ => None,
    }
}

pub fn locate(id: &str, order: &[TestResult], runs: &[RunRecord]) -> Located {
    let mut results = order
        .iter()
        .chain(runs.iter().rev().flat_map(|r| r.results.iter()))
        .filter(|t| t.id == id);
    let known = results
        .clone()
        .find(|t| t.file.is_some() || t.line.is_some());
    Located {
        id: id.to_string(),
        file: known.and_then(|t| t.file.clone()),
        line: known.and_then(|t| t.line),
        name: results.find_map(|t| t.name.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tests(names: &[&str]) -> Vec<TestResult> {
        names
            .iter()
            .map(|n| TestResult::bare(n, Outcome::Passed))
            .collect()
    }

    fn at(id: &str, file: &str, line: u32) -> TestResult {
        TestResult {
            file: Some(file.to_string()),
            line: Some(line),
            ..tests(&[id]).remove(0)
        }
    }

    #[test]
    fn victims_are_found_exactly_or_by_unique_ending() {
        let order = tests(&[
            "tests/a.py::test_x",
            "tests/b.py::test_total",
            "tests/b.py::test_totals",
        ]);
        assert_eq!(find_victim("tests/b.py::test_total", &order).unwrap(), 1);
        assert_eq!(find_victim("b.py::test_totals", &order).unwrap(), 2);
    }

    #[test]
    fn a_runners_failure_line_names_the_test_defined_there() {
        let order = vec![
            at("./spec/cart_spec.rb[1:1]", "./spec/cart_spec.rb", 4),
            at("./spec/cart_spec.rb[1:2]", "./spec/cart_spec.rb", 12),
            at("./spec/tax_spec.rb[1:1]", "./spec/tax_spec.rb", 12),
        ];
        assert_eq!(find_victim("./spec/cart_spec.rb:12", &order).unwrap(), 1);
        assert_eq!(find_victim("spec/tax_spec.rb:12", &order).unwrap(), 2);
        // A line inside the first example's body.
        assert_eq!(find_victim("./spec/cart_spec.rb:7", &order).unwrap(), 0);
        assert!(find_victim("./spec/cart_spec.rb:2", &order).is_err());
    }

    #[test]
    fn order_files_keep_trailing_spaces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("order.txt");
        std::fs::write(&path, "# a comment\ntest a \r\n\n  \ntest b\n").unwrap();
        let ids: Vec<String> = read_order_file(&path)
            .unwrap()
            .order
            .into_iter()
            .map(|t| t.id)
            .collect();
        assert_eq!(ids, vec!["test a ", "test b"]);
    }

    #[test]
    fn unknown_victims_get_near_matches() {
        let order = tests(&[
            "tests/a.py::test_x",
            "tests/b.py::test_total",
            "tests/c.py::test_other",
        ]);
        let error = find_victim("tests/b.py::test_totl", &order).unwrap_err();
        assert!(
            error
                .message
                .contains("did you mean: tests/b.py::test_total"),
            "{}",
            error.message
        );
        let error = find_victim("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", &order).unwrap_err();
        assert!(
            error.message.contains("the order has 3 tests"),
            "{}",
            error.message
        );
    }
}
