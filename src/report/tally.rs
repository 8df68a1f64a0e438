//! What the report keeps of a store as it reads it, one record at a time: of each run its
//! header and its results compact ([`Ran`]: five bytes a result), of each test its aggregates
//! (counts, durations, messages, where it is defined), of each confirmation run only the
//! results of tests that failed. A store of 30 runs of 50,000 tests is summarised in tens of
//! megabytes, where holding its records took hundreds.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};

use crate::bisect::Bisection;
use crate::hunt::Confirmation;
use crate::records::{Names, Ran, ResultRef};
use crate::store::{RunRecord, RunStatus};

/// The store read so far: feed it every run, then the confirmations and bisections.
#[derive(Default)]
pub struct Tallies {
    pub(super) names: Names,
    /// The runs of hunts and the imported runs, each once, in the order they were read.
    pub(super) runs: Vec<Kept>,
    run_ids: HashSet<String>,
    /// By test number.
    pub(super) tests: Vec<Tally>,
    /// Their results cut to the tests that failed in the runs.
    pub(super) confirmations: Vec<Confirmation>,
    pub(super) confirmation_runs: usize,
    pub(super) bisections: Vec<Bisection>,
}

/// A run as the report keeps it.
pub(super) struct Kept {
    pub id: String,
    pub template: String,
    pub runner: String,
    pub master_seed: Option<u64>,
    /// Who chose the run's order, for a hunt in bleed's orders.
    pub order: Option<String>,
    pub seed: Option<u64>,
    pub imported: Option<String>,
    pub started_at: String,
    pub wall_seconds: f64,
    pub status: RunStatus,
    pub host: Option<String>,
    /// For a run killed by the timeout: the test that was running, or else the last that
    /// finished.
    pub while_running: Option<String>,
    /// For a run that gave its report.
    pub ran: Option<Ran>,
}

impl Kept {
    /// Runs are columns in the order they started (ties by id): whether this one comes first.
    pub fn before(&self, other: &Kept) -> bool {
        (&self.started_at, &self.id) < (&other.started_at, &other.id)
    }
}

/// One test over the runs that gave their report.
#[derive(Default)]
pub(super) struct Tally {
    /// Each the first given in the runs' order, with the run (in `Tallies::runs`) it came from.
    pub name: Option<(usize, String)>,
    pub file: Option<(usize, String)>,
    pub line: Option<(usize, u32)>,
    pub passes: usize,
    pub skipped: usize,
    pub pass_seconds: Vec<f64>,
    /// Absent for a test that never failed, as most have not.
    pub failed: Option<Box<Failed>>,
}

#[derive(Default)]
pub(super) struct Failed {
    /// The run of each failure.
    pub runs: Vec<usize>,
    pub seconds: Vec<f64>,
    pub messages: BTreeMap<String, usize>,
}

impl Tally {
    pub fn failures(&self) -> usize {
        self.failed.as_ref().map_or(0, |failed| failed.runs.len())
    }
}

impl Tallies {
    /// Takes in a run of a hunt or an imported run, once (merged stores may hold a run twice);
    /// any other run (the listing of the suite for bleed's orders) is not counted.
    pub fn add_run(&mut self, record: RunRecord<Vec<ResultRef>>) {
        let counted =
            (record.index.is_some() && record.master_seed.is_some()) || record.imported.is_some();
        if !counted || !self.run_ids.insert(record.id.clone()) {
            return;
        }
        let at = self.runs.len();
        let while_running = match record.status {
            RunStatus::Timeout => record
                .running
                .or_else(|| record.results.last().map(|t| t.id.to_string())),
            _ => None,
        };
        self.runs.push(Kept {
            id: record.id,
            template: record.template,
            runner: record.runner,
            master_seed: record.master_seed,
            order: record.order,
            seed: record.seed,
            imported: record.imported,
            started_at: record.started_at,
            wall_seconds: record.wall_seconds,
            status: record.status,
            host: record.host,
            while_running,
            ran: None,
        });
        if record.status == RunStatus::Ok {
            let ran = self.fold(at, record.results);
            self.runs[at].ran = Some(ran);
        }
    }

    /// Folds the results of run `at` into each test's tally.
    fn fold(&mut self, at: usize, results: Vec<ResultRef>) -> Ran {
        let mut ran = Ran::default();
        let started_later: Vec<bool> = self.runs.iter().map(|r| self.runs[at].before(r)).collect();
        for result in results {
            let test = self.names.number(&result.id);
            if test as usize == self.tests.len() {
                self.tests.push(Tally::default());
            }
            ran.tests.push(test);
            ran.outcomes.push(result.outcome);
            let tally = &mut self.tests[test as usize];
            keep_first(
                &started_later,
                &mut tally.name,
                at,
                result.name.map(|t| t.0),
            );
            keep_first(
                &started_later,
                &mut tally.file,
                at,
                result.file.map(|t| t.0),
            );
            keep_first(
                &started_later,
                &mut tally.line,
                at,
                result.line.map(Cow::<u32>::Owned),
            );
            if result.outcome.is_failure() {
                let failed = tally.failed.get_or_insert_default();
                failed.runs.push(at);
                failed.seconds.extend(result.duration);
                if let Some(message) = result.message {
                    match failed.messages.get_mut(&*message) {
                        Some(seen) => *seen += 1,
                        None => {
                            failed.messages.insert(message.0.into_owned(), 1);
                        }
                    }
                }
            } else if result.outcome.is_pass() {
                tally.passes += 1;
                tally.pass_seconds.extend(result.duration);
            } else {
                tally.skipped += 1;
            }
        }
        ran
    }

    /// Takes in a confirmation run, after every run: classification looks in it only for tests
    /// that failed, so only their results are kept.
    pub fn add_confirmation(&mut self, mut confirmation: Confirmation) {
        self.confirmation_runs += 1;
        let (names, tests) = (&self.names, &self.tests);
        confirmation.run.results.retain(|result| {
            names
                .find(&result.id)
                .is_some_and(|t| tests[t as usize].failed.is_some())
        });
        self.confirmations.push(confirmation);
    }

    pub fn add_bisection(&mut self, bisection: Bisection) {
        self.bisections.push(bisection);
    }
}

/// Keeps `given` (from run `at`) where nothing is held yet, or what is held came from a run
/// that started later (`started_later`, by run): the runs are read in the order they were
/// recorded, which need not be the order they started in.
fn keep_first<T: ToOwned + ?Sized>(
    started_later: &[bool],
    held: &mut Option<(usize, T::Owned)>,
    at: usize,
    given: Option<Cow<T>>,
) {
    let Some(given) = given else {
        return;
    };
    if held.as_ref().is_none_or(|(from, _)| started_later[*from]) {
        *held = Some((at, given.into_owned()));
    }
}
