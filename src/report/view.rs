//! The one view of a store that every format renders: built once, pure (records in, view out).
//!
//! Counts come from the runs of hunts, and from runs imported from CI's reports (`bleed import`),
//! which ran the suite as a hunt does: probes and confirmation runs replay orders chosen to make a
//! test fail, so they would inflate its failure rate. A test's kind is the verdict of
//! its latest bisection where that names culprits (or found the order innocent), else what its
//! latest hunt classified it as. Serialised as is, this is the `--format json` schema (see
//! `docs/report.md`); `SCHEMA` is bumped when a field changes meaning or goes away.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use serde::Serialize;

use super::tally::{Kept, Tallies};
use crate::bisect::{Bisection, Verdict};
use crate::classify::{self, Checked, Kind, Observed, Span};
use crate::flips;
use crate::records::Ran;
use crate::store::RunStatus;

pub const SCHEMA: u32 = 1;

/// How many tests `slowest` lists.
const SLOWEST: usize = 10;

/// What a store holds, as records in memory: for tests.
#[cfg(test)]
#[derive(Default)]
pub struct Recorded {
    pub runs: Vec<crate::store::RunRecord>,
    pub confirmations: Vec<crate::hunt::Confirmation>,
    pub bisections: Vec<Bisection>,
}

#[derive(Clone, Debug, Serialize)]
pub struct View {
    pub schema: u32,
    /// The bleed that made the report.
    pub bleed_version: String,
    pub health: Health,
    /// Every test seen in a hunt: the ones that failed first, most failing first; then the
    /// others by id.
    pub tests: Vec<TestStats>,
    pub slowest: Vec<Slow>,
    /// Polluter → victim pairs from bisections, and the hunt's suspects for victims not yet
    /// bisected.
    pub interference: Vec<Interference>,
    pub timeouts: Vec<TimedOut>,
    /// The hunt runs in the order they started: the columns of each test's `history`.
    pub runs: Vec<RunColumn>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Health {
    pub runs: usize,
    pub ok: usize,
    pub broken: usize,
    pub timed_out: usize,
    /// Runs made to classify flips (replays of failing seeds, tests alone).
    pub confirmation_runs: usize,
    pub bisections: usize,
    /// Probes the bisections ran, all together.
    pub bisection_probes: usize,
    /// Distinct tests seen in hunts.
    pub tests: usize,
    /// Tests that failed at least once.
    pub failing_tests: usize,
    /// Wall time of a hunt run, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_seconds: Option<Spread>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_run: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_run: Option<String>,
    pub hunts: Vec<HuntSummary>,
}

/// One hunt: a command and a master seed; or the runs imported under one command.
#[derive(Clone, Debug, Serialize)]
pub struct HuntSummary {
    pub command: String,
    pub runner: String,
    /// Absent for imported runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub master_seed: Option<u64>,
    /// Who chose the orders, for a hunt in bleed's orders (`--order`): another hunt than the
    /// runner's own with the same command and master seed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    /// Runs imported from CI's reports rather than run by a hunt.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub imported: bool,
    pub runs: usize,
    pub ok: usize,
    pub broken: usize,
    pub timed_out: usize,
    pub first_run: String,
    pub last_run: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct TestStats {
    pub id: String,
    /// The title people read, where the runner gives one that differs from the id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Runs where it passed or failed (skips count as neither).
    pub runs: usize,
    pub failures: usize,
    pub skipped: usize,
    /// Null for a test that never failed: there, for scripts that read every test's kind.
    pub kind: Option<Kind>,
    /// Why it is of its kind, in a sentence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// Seeds of the runs where it failed; an imported run without a seed adds none.
    pub failed_seeds: Vec<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_failed: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_failed: Option<String>,
    pub mean_pass_seconds: Option<f64>,
    pub mean_fail_seconds: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pass_seconds: Option<Spread>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fail_seconds: Option<Spread>,
    /// Its most frequent failure message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// For a test that failed: one letter per entry of `runs`: `P` passed, `F` failed, `S`
    /// skipped, `-` not run (or the run gave no report).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<String>,
}

impl HuntSummary {
    /// `master seed 7`, or `imported` for runs imported from CI's reports.
    pub fn origin(&self) -> String {
        match (self.master_seed, &self.order) {
            (Some(seed), Some(order)) => format!("master seed {seed}, --order {order}"),
            (Some(seed), None) => format!("master seed {seed}"),
            (None, _) => "imported".to_string(),
        }
    }
}

impl TestStats {
    pub fn fail_rate(&self) -> f64 {
        if self.runs == 0 {
            0.0
        } else {
            self.failures as f64 / self.runs as f64
        }
    }
}

/// How a set of durations spreads, in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Spread {
    pub count: usize,
    pub mean: f64,
    /// Standard deviation (of the sample).
    pub sd: f64,
    pub min: f64,
    pub median: f64,
    pub max: f64,
}

impl Spread {
    pub fn of(values: &[f64]) -> Option<Spread> {
        if values.is_empty() {
            return None;
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let count = sorted.len();
        let mean = sorted.iter().sum::<f64>() / count as f64;
        let variance = if count > 1 {
            sorted.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (count - 1) as f64
        } else {
            0.0
        };
        let median = if count % 2 == 1 {
            sorted[count / 2]
        } else {
            (sorted[count / 2 - 1] + sorted[count / 2]) / 2.0
        };
        Some(Spread {
            count,
            mean,
            sd: variance.sqrt(),
            min: sorted[0],
            median,
            max: sorted[count - 1],
        })
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Slow {
    pub id: String,
    pub mean_seconds: f64,
    pub max_seconds: f64,
    pub runs: usize,
}

/// Where a victim's culprits come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Found and confirmed by a bisection.
    Bisected,
    /// Tests that ran before the victim in every failing run of the hunt and in no passing
    /// one (for a brittle victim, the other way round): a lead, not a verdict.
    Suspected,
}

#[derive(Clone, Debug, Serialize)]
pub struct Interference {
    pub victim: String,
    pub source: Source,
    /// The bisection's verdict, for `bisected`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    /// Tests that make the victim fail when they run before it (for a brittle victim: none).
    pub polluters: Vec<String>,
    /// Tests that hide the failure when they run between the polluters and the victim.
    pub cleaners: Vec<String>,
    /// For a brittle victim: tests that must run before it for it to pass.
    pub state_setters: Vec<String>,
    /// The reproducer: the culprits then the victim.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reproduce: Option<String>,
    /// The victim by itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alone: Option<String>,
    /// How the verdict was confirmed, in a sentence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmed: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probes: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bisected_at: Option<String>,
    /// For a victim not yet bisected: the command that bisects it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bisect: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TimedOut {
    pub command: String,
    pub seed: u64,
    pub started_at: String,
    /// The test that was running, or else the last one that finished.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub while_running: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RunColumn {
    pub seed: Option<u64>,
    pub master_seed: Option<u64>,
    /// For an imported run: the report it was read from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imported: Option<String>,
    pub started_at: String,
    pub wall_seconds: f64,
    pub status: RunStatus,
}

impl View {
    /// The view of records in memory, read as `bleed report` reads a store: every run (from
    /// its line), then the confirmations and bisections.
    #[cfg(test)]
    pub fn build(recorded: Recorded) -> View {
        let mut tallies = Tallies::default();
        for run in recorded.runs {
            let line = serde_json::to_string(&run).expect("a record encodes");
            tallies.add_run(crate::store::decode(&line).expect("and decodes"));
        }
        for confirmation in recorded.confirmations {
            tallies.add_confirmation(confirmation);
        }
        for bisection in recorded.bisections {
            tallies.add_bisection(bisection);
        }
        View::of(tallies, Path::new(crate::store::DEFAULT_ROOT))
    }

    /// `store`: where the records were read, for the commands the view suggests.
    pub(super) fn of(mut tallies: Tallies, store: &Path) -> View {
        let columns = columns(&tallies.runs);
        let hunts = group_hunts(&tallies.runs, &columns);
        let kinds = classify(&tallies, &hunts);
        let bisections = latest_bisections(std::mem::take(&mut tallies.bisections));
        let tests = test_stats(&tallies, &columns, &kinds, &bisections);
        let interference = interference(&tests, &kinds, &bisections, store);
        let runs: Vec<&Kept> = columns.order.iter().map(|&at| &tallies.runs[at]).collect();
        View {
            schema: SCHEMA,
            bleed_version: env!("CARGO_PKG_VERSION").to_string(),
            health: health(&runs, &hunts, &tests, &tallies, &bisections),
            slowest: slowest(&tests),
            timeouts: timeouts(&runs),
            runs: runs
                .iter()
                .map(|r| RunColumn {
                    seed: r.seed,
                    master_seed: r.master_seed,
                    imported: r.imported.clone(),
                    started_at: r.started_at.clone(),
                    wall_seconds: r.wall_seconds,
                    status: r.status,
                })
                .collect(),
            tests,
            interference,
        }
    }

    pub fn failing(&self) -> impl Iterator<Item = &TestStats> {
        self.tests.iter().filter(|t| t.failures > 0)
    }

    /// Nothing needs looking at: no test failed and every run gave results.
    pub fn clean(&self) -> bool {
        self.health.failing_tests == 0 && self.health.broken == 0 && self.health.timed_out == 0
    }

    pub fn test(&self, id: &str) -> Option<&TestStats> {
        self.tests.iter().find(|t| t.id == id)
    }
}

/// The kept runs as the report's columns: in the order they started.
struct Columns {
    /// The runs (their place in `Tallies::runs`), column by column.
    order: Vec<usize>,
    /// The column of each run.
    of: Vec<usize>,
}

fn columns(runs: &[Kept]) -> Columns {
    let mut order: Vec<usize> = (0..runs.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&runs[a], &runs[b]);
        a.started_at.cmp(&b.started_at).then(a.id.cmp(&b.id))
    });
    let mut of = vec![0; runs.len()];
    for (column, &at) in order.iter().enumerate() {
        of[at] = column;
    }
    Columns { order, of }
}

/// The runs of each hunt (a command and a master seed), and the imported runs of each command
/// and runner as one more, in the order they started; each hunt's runs in that order too.
fn group_hunts(runs: &[Kept], columns: &Columns) -> Vec<(HuntSummary, Vec<usize>)> {
    let mut hunts: Vec<(HuntSummary, Vec<usize>)> = Vec::new();
    for &at in &columns.order {
        let run = &runs[at];
        let master_seed = run.master_seed;
        let found = hunts.iter_mut().find(|(h, _)| {
            h.command == run.template
                && h.master_seed == master_seed
                && h.order == run.order
                && h.imported == run.imported.is_some()
                && (!h.imported || h.runner == run.runner)
        });
        let (summary, members) = match found {
            Some(hunt) => hunt,
            None => {
                hunts.push((
                    HuntSummary {
                        command: run.template.clone(),
                        runner: run.runner.clone(),
                        master_seed,
                        order: run.order.clone(),
                        imported: run.imported.is_some(),
                        runs: 0,
                        ok: 0,
                        broken: 0,
                        timed_out: 0,
                        first_run: run.started_at.clone(),
                        last_run: run.started_at.clone(),
                    },
                    Vec::new(),
                ));
                hunts.last_mut().expect("just pushed")
            }
        };
        summary.runs += 1;
        match run.status {
            RunStatus::Ok => summary.ok += 1,
            RunStatus::Broken => summary.broken += 1,
            RunStatus::Timeout => summary.timed_out += 1,
        }
        summary.last_run = run.started_at.clone();
        members.push(at);
    }
    hunts
}

/// A failing test's kind as its latest hunt saw it.
struct Classified {
    kind: Kind,
    why: Option<String>,
    /// Tests that ran before it in every failing run and in no passing one; for a brittle
    /// test, in every passing run and in no failing one.
    suspects: Vec<String>,
}

/// Each failing test's kind and why, from the latest hunt it failed in, classified as the hunt
/// itself classifies (`classify::settle`) with the confirmation runs recorded for it.
/// Imported runs have none: their kinds are what the runs alone settle, and the classifier
/// tells runs apart by seed, so a failure in an imported run without one only gets a reason.
fn classify(tallies: &Tallies, hunts: &[(HuntSummary, Vec<usize>)]) -> HashMap<String, Classified> {
    let mut kinds = HashMap::new();
    for (summary, members) in hunts {
        let members: Vec<&Kept> = members.iter().map(|&at| &tallies.runs[at]).collect();
        let observed = observed(&members);
        let own: Vec<Checked> = tallies
            .confirmations
            .iter()
            .filter(|c| {
                c.run.template == summary.command
                    && summary.master_seed.is_some()
                    && c.run.master_seed == summary.master_seed
                    && c.run.order == summary.order
            })
            .map(|c| Checked {
                check: &c.check,
                results: if c.run.status == RunStatus::Ok {
                    &c.run.results
                } else {
                    &[]
                },
            })
            .collect();
        let why_not = if summary.imported {
            "imported runs come without confirmation runs: hunt the suite with bleed hunt to \
             classify it"
        } else {
            "its confirmation runs have not been made: run the hunt again to classify it"
        };
        let failed = failed_in(observed.iter().map(|o| o.ran));
        let unseeded = members.iter().filter(|r| r.seed.is_none());
        for test in failed_in(unseeded.filter_map(|r| r.ran.as_ref())) {
            if !failed.contains(&test) {
                let classified = Classified {
                    kind: Kind::Unconfirmed,
                    why: Some(
                        "it failed in imported runs whose seeds are unknown, which bleed cannot \
                         replay: import them with --seed or --seed-from, or hunt the suite"
                            .to_string(),
                    ),
                    suspects: Vec::new(),
                };
                kinds.insert(tallies.names.id(test).to_string(), classified);
            }
        }
        for test in failed {
            let id = tallies.names.id(test);
            let settled =
                classify::settle(id, &observed, &tallies.names, &own, |_| why_not.to_string());
            let classified = match settled.kind {
                Kind::AlwaysFailing => Classified {
                    kind: Kind::AlwaysFailing,
                    why: None,
                    suspects: Vec::new(),
                },
                Kind::Brittle => Classified {
                    kind: Kind::Brittle,
                    why: Some(settled.evidence.reason),
                    suspects: classify::setter_suspects(id, &observed, &tallies.names),
                },
                kind => Classified {
                    kind,
                    why: Some(settled.evidence.reason),
                    suspects: settled.evidence.suspects,
                },
            };
            kinds.insert(id.to_string(), classified);
        }
    }
    kinds
}

/// A hunt's runs that gave their report under a seed, as classification sees them.
fn observed<'a>(members: &[&'a Kept]) -> Vec<Observed<'a>> {
    let spans: Vec<Span> = members
        .iter()
        .map(|r| Span {
            host: r.host.as_deref(),
            started_at: &r.started_at,
            wall_seconds: r.wall_seconds,
        })
        .collect();
    let overlapped = classify::overlapped(&spans);
    members
        .iter()
        .zip(overlapped)
        .filter_map(|(r, overlapped)| {
            Some(Observed {
                seed: r.seed?,
                ran: r.ran.as_ref()?,
                overlapped,
            })
        })
        .collect()
}

/// The tests that failed in any of `runs`.
fn failed_in<'a>(runs: impl Iterator<Item = &'a Ran>) -> BTreeSet<u32> {
    runs.flat_map(Ran::iter)
        .filter(|(_, outcome)| outcome.is_failure())
        .map(|(test, _)| test)
        .collect()
}

/// The latest bisection of each victim: a later one knows more (a fix, a longer history).
fn latest_bisections(bisections: Vec<Bisection>) -> BTreeMap<String, Bisection> {
    let mut latest: BTreeMap<String, Bisection> = BTreeMap::new();
    for bisection in bisections {
        let newer = latest
            .get(&bisection.victim)
            .is_none_or(|held| held.started_at <= bisection.started_at);
        if newer {
            latest.insert(bisection.victim.clone(), bisection);
        }
    }
    latest
}

/// A bisection's verdict as a kind, where it settles one.
fn verdict_kind(verdict: Verdict) -> Option<Kind> {
    match verdict {
        Verdict::Polluted => Some(Kind::OrderDependent),
        Verdict::Brittle => Some(Kind::Brittle),
        Verdict::NonDeterministic => Some(Kind::NonDeterministic),
        Verdict::NotReproduced | Verdict::FailsAlone => None,
    }
}

fn test_stats(
    tallies: &Tallies,
    columns: &Columns,
    kinds: &HashMap<String, Classified>,
    bisections: &BTreeMap<String, Bisection>,
) -> Vec<TestStats> {
    let mut histories = histories(tallies, columns);
    let mut tests: Vec<TestStats> = tallies
        .tests
        .iter()
        .enumerate()
        .map(|(test, tally)| {
            let id = tallies.names.id(test as u32);
            let failures = tally.failures();
            let (kind, why) = kind_of(id, failures, kinds, bisections);
            let mut failed_runs: Vec<usize> = tally
                .failed
                .as_ref()
                .map(|f| f.runs.clone())
                .unwrap_or_default();
            failed_runs.sort_by_key(|&at| columns.of[at]);
            let started = |at: &usize| tallies.runs[*at].started_at.clone();
            let fail_seconds = tally.failed.as_ref().map_or(&[][..], |f| &f.seconds);
            TestStats {
                id: id.to_string(),
                // A title the id already ends with (generic JUnit's `name` of `module::name`)
                // is not said twice.
                name: tally
                    .name
                    .as_ref()
                    .map(|(_, name)| name.clone())
                    .filter(|name| !id.ends_with(name.as_str())),
                file: tally.file.as_ref().map(|(_, file)| file.clone()),
                line: tally.line.map(|(_, line)| line),
                runs: tally.passes + failures,
                failures,
                skipped: tally.skipped,
                kind,
                why,
                failed_seeds: failed_runs
                    .iter()
                    .filter_map(|&at| tallies.runs[at].seed)
                    .collect(),
                first_failed: failed_runs.first().map(started),
                last_failed: failed_runs.last().map(started),
                mean_pass_seconds: Spread::of(&tally.pass_seconds).map(|s| s.mean),
                mean_fail_seconds: Spread::of(fail_seconds).map(|s| s.mean),
                pass_seconds: Spread::of(&tally.pass_seconds),
                fail_seconds: Spread::of(fail_seconds),
                message: tally
                    .failed
                    .as_ref()
                    .and_then(|f| flips::most_frequent(&f.messages)),
                history: histories
                    .remove(&(test as u32))
                    .map(|h| String::from_utf8_lossy(&h).into()),
            }
        })
        .collect();
    tests.sort_by(|a, b| {
        (b.failures > 0)
            .cmp(&(a.failures > 0))
            .then(b.fail_rate().total_cmp(&a.fail_rate()))
            .then(b.failures.cmp(&a.failures))
            .then(a.id.cmp(&b.id))
    });
    tests
}

/// Each failing test's outcome run by run, a letter a column; where a run ran it more than
/// once, its last result there.
fn histories(tallies: &Tallies, columns: &Columns) -> HashMap<u32, Vec<u8>> {
    let mut histories: HashMap<u32, Vec<u8>> = tallies
        .tests
        .iter()
        .enumerate()
        .filter(|(_, tally)| tally.failed.is_some())
        .map(|(test, _)| (test as u32, vec![b'-'; columns.order.len()]))
        .collect();
    for (column, &at) in columns.order.iter().enumerate() {
        let Some(ran) = &tallies.runs[at].ran else {
            continue;
        };
        for (test, outcome) in ran.iter() {
            if let Some(history) = histories.get_mut(&test) {
                history[column] = if outcome.is_failure() {
                    b'F'
                } else if outcome.is_pass() {
                    b'P'
                } else {
                    b'S'
                };
            }
        }
    }
    histories
}

fn kind_of(
    id: &str,
    failures: usize,
    kinds: &HashMap<String, Classified>,
    bisections: &BTreeMap<String, Bisection>,
) -> (Option<Kind>, Option<String>) {
    if failures == 0 {
        return (None, None);
    }
    let bisected = bisections
        .get(id)
        .and_then(|b| Some((verdict_kind(b.verdict)?, b)));
    if let Some((kind, bisection)) = bisected {
        let why = bisection
            .confirmation
            .as_ref()
            .map(|c| format!("bisected: {}", c.basis))
            .or_else(|| bisection.evidence.clone());
        return (Some(kind), why);
    }
    match kinds.get(id) {
        Some(classified) => (Some(classified.kind), classified.why.clone()),
        None => (Some(Kind::Unconfirmed), None),
    }
}

fn interference(
    tests: &[TestStats],
    kinds: &HashMap<String, Classified>,
    bisections: &BTreeMap<String, Bisection>,
    store: &Path,
) -> Vec<Interference> {
    let ids = |located: &[crate::bisect::Located]| -> Vec<String> {
        located.iter().map(|t| t.id.clone()).collect()
    };
    let mut pairs: Vec<Interference> = bisections
        .values()
        .filter(|b| matches!(b.verdict, Verdict::Polluted | Verdict::Brittle))
        .map(|b| Interference {
            victim: b.victim.clone(),
            source: Source::Bisected,
            verdict: Some(b.verdict),
            polluters: ids(&b.polluters),
            cleaners: ids(&b.cleaners),
            state_setters: ids(&b.state_setters),
            reproduce: b.reproducer.as_ref().map(|r| r.command.clone()),
            alone: Some(b.isolation_command.clone()),
            confirmed: b.confirmation.as_ref().map(|c| c.basis.clone()),
            probes: Some(b.probes + b.cleaner_probes),
            bisected_at: Some(b.started_at.clone()),
            bisect: None,
        })
        .collect();
    for test in tests {
        let bisectable = test.kind.is_some_and(Kind::bisectable);
        if !bisectable || bisections.contains_key(&test.id) {
            continue;
        }
        let suspects = kinds
            .get(&test.id)
            .map(|c| c.suspects.clone())
            .unwrap_or_default();
        let brittle = test.kind == Some(Kind::Brittle);
        pairs.push(Interference {
            victim: test.id.clone(),
            source: Source::Suspected,
            verdict: None,
            polluters: if brittle { vec![] } else { suspects.clone() },
            cleaners: vec![],
            state_setters: if brittle { suspects } else { vec![] },
            reproduce: None,
            alone: None,
            confirmed: None,
            probes: None,
            bisected_at: None,
            bisect: test
                .failed_seeds
                .last()
                .map(|&seed| bisect_command(store, seed, &test.id)),
        });
    }
    pairs
}

/// The command that bisects a suspected victim from one of its failing runs, run where the
/// report was: the store said again unless it is the default, as the report may have been read
/// from a store downloaded from CI.
fn bisect_command(store: &Path, seed: u64, victim: &str) -> String {
    let store = if store == Path::new(crate::store::DEFAULT_ROOT) {
        String::new()
    } else {
        format!(
            " --store {}",
            crate::template::quote(&store.display().to_string())
        )
    };
    format!(
        "bleed bisect{store} --seed {seed} --victim {}",
        crate::template::quote(victim)
    )
}

fn slowest(tests: &[TestStats]) -> Vec<Slow> {
    let mut timed: Vec<Slow> = tests
        .iter()
        .filter_map(|t| {
            let all: Vec<Spread> = [t.pass_seconds, t.fail_seconds]
                .into_iter()
                .flatten()
                .collect();
            let count: usize = all.iter().map(|s| s.count).sum();
            (count > 0).then(|| Slow {
                id: t.id.clone(),
                mean_seconds: all.iter().map(|s| s.mean * s.count as f64).sum::<f64>()
                    / count as f64,
                max_seconds: all.iter().map(|s| s.max).fold(0.0, f64::max),
                runs: count,
            })
        })
        .collect();
    timed.sort_by(|a, b| {
        b.mean_seconds
            .total_cmp(&a.mean_seconds)
            .then(a.id.cmp(&b.id))
    });
    timed.truncate(SLOWEST);
    timed
}

fn timeouts(runs: &[&Kept]) -> Vec<TimedOut> {
    runs.iter()
        .filter(|r| r.status == RunStatus::Timeout)
        .filter_map(|r| {
            Some(TimedOut {
                command: r.template.clone(),
                seed: r.seed?,
                started_at: r.started_at.clone(),
                while_running: r.while_running.clone(),
            })
        })
        .collect()
}

fn health(
    runs: &[&Kept],
    hunts: &[(HuntSummary, Vec<usize>)],
    tests: &[TestStats],
    tallies: &Tallies,
    bisections: &BTreeMap<String, Bisection>,
) -> Health {
    let count = |status| runs.iter().filter(|r| r.status == status).count();
    let walls: Vec<f64> = runs.iter().map(|r| r.wall_seconds).collect();
    Health {
        runs: runs.len(),
        ok: count(RunStatus::Ok),
        broken: count(RunStatus::Broken),
        timed_out: count(RunStatus::Timeout),
        confirmation_runs: tallies.confirmation_runs,
        bisections: bisections.len(),
        bisection_probes: bisections
            .values()
            .map(|b| b.probes + b.cleaner_probes)
            .sum(),
        tests: tests.len(),
        failing_tests: tests.iter().filter(|t| t.failures > 0).count(),
        run_seconds: Spread::of(&walls),
        first_run: runs.first().map(|r| r.started_at.clone()),
        last_run: runs.last().map(|r| r.started_at.clone()),
        hunts: hunts.iter().map(|(summary, _)| summary.clone()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{Outcome, TestResult};
    use crate::store::{RunRecord, SCHEMA};

    fn run(id: &str, seed: Option<u64>, results: &[(&str, Outcome)]) -> RunRecord {
        RunRecord {
            schema: SCHEMA,
            id: id.into(),
            template: "imported".into(),
            runner: "pytest".into(),
            master_seed: None,
            index: None,
            seed,
            command: String::new(),
            worker: 1,
            started_at: format!("2026-12-02T06:00:0{}.000Z", id.len() % 10),
            wall_seconds: 1.0,
            exit_code: None,
            status: RunStatus::Ok,
            problem: None,
            log: String::new(),
            results: results
                .iter()
                .map(|(t, outcome)| TestResult::bare(t, *outcome))
                .collect(),
            running: None,
            warm: false,
            host: None,
            imported: Some(format!("ci/{id}.xml")),
            order: None,
            strays: 0,
        }
    }

    fn imported(id: &str, seed: Option<u64>, victim: Outcome) -> RunRecord {
        run(id, seed, &[("a", Outcome::Passed), ("victim", victim)])
    }

    #[test]
    fn imported_runs_are_counted_as_one_hunt_per_command_and_runner() {
        let mut one_off = imported("h-s9", Some(9), Outcome::Failed);
        one_off.imported = None;
        let mut rspec = run("r", Some(4), &[("./spec/a_spec.rb[1:1]", Outcome::Passed)]);
        rspec.runner = "rspec".into();
        let view = View::build(Recorded {
            runs: vec![
                imported("i1", Some(1), Outcome::Failed),
                imported("i2", None, Outcome::Failed),
                imported("i3", Some(3), Outcome::Passed),
                imported("i3", Some(3), Outcome::Passed),
                one_off,
                rspec,
            ],
            ..Recorded::default()
        });
        assert_eq!(
            view.health.runs, 4,
            "each imported run once, no one-off run"
        );
        let hunts: Vec<(&str, Option<u64>, bool, usize)> = view
            .health
            .hunts
            .iter()
            .map(|h| (h.runner.as_str(), h.master_seed, h.imported, h.runs))
            .collect();
        assert_eq!(
            hunts,
            [("rspec", None, true, 1), ("pytest", None, true, 3)],
            "in the order they started"
        );
        let victim = view.test("victim").expect("the victim");
        assert_eq!((victim.failures, victim.runs), (2, 3));
        assert_eq!(
            victim.failed_seeds,
            [1],
            "a failure without a seed has none"
        );
        assert_eq!(victim.kind, Some(Kind::Unconfirmed));
        assert!(
            victim
                .why
                .as_deref()
                .unwrap_or_default()
                .contains("imported runs"),
            "{:?}",
            victim.why
        );
        let json = serde_json::to_value(&view.health.hunts[0]).unwrap();
        assert_eq!(json.get("master_seed"), None);
        assert_eq!(json["imported"], true);
    }

    #[test]
    fn a_failure_only_in_runs_without_a_seed_says_why_it_is_unconfirmed() {
        let view = View::build(Recorded {
            runs: vec![
                imported("i1", None, Outcome::Failed),
                imported("i2", None, Outcome::Passed),
            ],
            ..Recorded::default()
        });
        let victim = view.test("victim").expect("the victim");
        assert_eq!((victim.failures, victim.kind), (1, Some(Kind::Unconfirmed)));
        assert!(victim.failed_seeds.is_empty());
        assert!(
            victim
                .why
                .as_deref()
                .unwrap_or_default()
                .contains("--seed-from"),
            "{:?}",
            victim.why
        );
    }

    /// The view's per-run and per-test figures as the report worked them out when it held
    /// every record: the runs deduplicated, sorted by start, then each test tallied column by
    /// column.
    mod held {
        use super::*;
        use proptest::prelude::*;
        use std::collections::HashSet;

        const IDS: [&str; 5] = ["a", "b", "mod::c", "d \"quoted\"\n", "e"];
        const OUTCOMES: [Outcome; 5] = [
            Outcome::Passed,
            Outcome::Failed,
            Outcome::Errored,
            Outcome::Skipped,
            Outcome::Flaky,
        ];

        fn result() -> impl Strategy<Value = TestResult> {
            (
                0..IDS.len(),
                0..OUTCOMES.len(),
                proptest::option::of(0..4u32),
                proptest::option::of(0..2usize),
                proptest::option::of(0..2usize),
                proptest::option::of(1..3u32),
                proptest::option::of(0..2usize),
            )
                .prop_map(|(id, outcome, seconds, message, file, line, name)| {
                    TestResult {
                        id: IDS[id].to_string(),
                        outcome: OUTCOMES[outcome],
                        duration: seconds.map(|s| f64::from(s) * 0.3 + 0.1),
                        message: message.map(|m| ["E: one", "E: \"two\""][m].to_string()),
                        file: file.map(|f| format!("tests/f{f}.py")),
                        line,
                        name: name.map(|n| ["c", "a title"][n].to_string()),
                    }
                })
        }

        /// Runs of two hunts, imported runs and suite listings, some recorded twice, some
        /// started at the same time, out of order, broken or timed out.
        fn runs() -> impl Strategy<Value = Vec<RunRecord>> {
            let one = (
                0..6u64,
                0..4usize,
                0..3usize,
                0..4u64,
                proptest::option::of(1..4u64),
                proptest::collection::vec(result(), 0..7),
                proptest::option::of(0..2usize),
                proptest::option::of(0..2usize),
            )
                .prop_map(|(id, kind, status, start, seed, results, running, host)| {
                    let mut run = super::run(&format!("r{id}"), seed, &[]);
                    run.results = results;
                    run.started_at = format!("2026-12-02T06:00:0{start}.000Z");
                    run.wall_seconds = 1.5 + id as f64;
                    run.status = [RunStatus::Ok, RunStatus::Broken, RunStatus::Timeout][status];
                    run.running = running.map(|r| IDS[r].to_string());
                    run.host = host.map(|h| format!("host-{h}"));
                    if kind < 2 {
                        run.imported = None;
                        run.template = "pytest -p randomly".into();
                        run.master_seed = Some(7 + kind as u64);
                        run.index = Some(id);
                    } else if kind == 3 {
                        run.imported = None;
                    }
                    run
                });
            proptest::collection::vec(one, 0..9)
        }

        /// Each test's figures, in the report's order, as JSON without its kind.
        fn tests_as_held(runs: &[RunRecord]) -> Vec<serde_json::Value> {
            let mut seen = HashSet::new();
            let mut runs: Vec<&RunRecord> = runs
                .iter()
                .filter(|r| (r.index.is_some() && r.master_seed.is_some()) || r.imported.is_some())
                .filter(|r| seen.insert(r.id.clone()))
                .collect();
            runs.sort_by(|a, b| a.started_at.cmp(&b.started_at).then(a.id.cmp(&b.id)));
            #[derive(Default)]
            struct Held {
                name: Option<String>,
                file: Option<String>,
                line: Option<u32>,
                pass: Vec<f64>,
                fail: Vec<f64>,
                passes: usize,
                failures: usize,
                skipped: usize,
                seeds: Vec<u64>,
                first: Option<String>,
                last: Option<String>,
                messages: BTreeMap<String, usize>,
                history: Vec<u8>,
            }
            let mut held: BTreeMap<&str, Held> = BTreeMap::new();
            for (column, run) in runs.iter().enumerate() {
                if run.status != RunStatus::Ok {
                    continue;
                }
                for result in &run.results {
                    let h = held.entry(result.id.as_str()).or_default();
                    h.history.resize(column, b'-');
                    h.name = h.name.take().or_else(|| result.name.clone());
                    h.file = h.file.take().or_else(|| result.file.clone());
                    h.line = h.line.or(result.line);
                    if result.outcome.is_failure() {
                        h.history.push(b'F');
                        h.failures += 1;
                        h.fail.extend(result.duration);
                        h.seeds.extend(run.seed);
                        h.first.get_or_insert_with(|| run.started_at.clone());
                        h.last = Some(run.started_at.clone());
                        if let Some(message) = &result.message {
                            *h.messages.entry(message.clone()).or_default() += 1;
                        }
                    } else if result.outcome.is_pass() {
                        h.history.push(b'P');
                        h.passes += 1;
                        h.pass.extend(result.duration);
                    } else {
                        h.history.push(b'S');
                        h.skipped += 1;
                    }
                }
            }
            let mut tests: Vec<(f64, usize, String, serde_json::Value)> = held
                .into_iter()
                .map(|(id, mut h)| {
                    h.history.resize(runs.len(), b'-');
                    let failures = h.failures;
                    let rate = if h.passes + failures == 0 {
                        0.0
                    } else {
                        failures as f64 / (h.passes + failures) as f64
                    };
                    let value = serde_json::json!({
                        "id": id,
                        "name": h.name.filter(|n| !id.ends_with(n.as_str())),
                        "file": h.file,
                        "line": h.line,
                        "runs": h.passes + failures,
                        "failures": failures,
                        "skipped": h.skipped,
                        "failed_seeds": h.seeds,
                        "first_failed": h.first,
                        "last_failed": h.last,
                        "pass_seconds": Spread::of(&h.pass),
                        "fail_seconds": Spread::of(&h.fail),
                        "message": flips::most_frequent(&h.messages),
                        "history": (failures > 0)
                            .then(|| String::from_utf8_lossy(&h.history).into_owned()),
                    });
                    (rate, failures, id.to_string(), value)
                })
                .collect();
            tests.sort_by(|a, b| {
                (b.1 > 0)
                    .cmp(&(a.1 > 0))
                    .then(b.0.total_cmp(&a.0))
                    .then(b.1.cmp(&a.1))
                    .then(a.2.cmp(&b.2))
            });
            tests.into_iter().map(|(_, _, _, value)| value).collect()
        }

        fn as_built(test: &TestStats) -> serde_json::Value {
            serde_json::json!({
                "id": test.id,
                "name": test.name,
                "file": test.file,
                "line": test.line,
                "runs": test.runs,
                "failures": test.failures,
                "skipped": test.skipped,
                "failed_seeds": test.failed_seeds,
                "first_failed": test.first_failed,
                "last_failed": test.last_failed,
                "pass_seconds": test.pass_seconds,
                "fail_seconds": test.fail_seconds,
                "message": test.message,
                "history": test.history,
            })
        }

        proptest! {
            #[test]
            fn read_a_record_at_a_time_each_test_tallies_as_when_every_record_was_held(
                runs in runs()
            ) {
                let view = View::build(Recorded { runs: runs.clone(), ..Recorded::default() });
                let built: Vec<serde_json::Value> = view.tests.iter().map(as_built).collect();
                // As read back from the store: serde_json may read a float a bit off.
                let held: Vec<RunRecord> = runs
                    .iter()
                    .map(|run| serde_json::from_str(&serde_json::to_string(run).unwrap()).unwrap())
                    .collect();
                prop_assert_eq!(built, tests_as_held(&held));
            }
        }
    }
}
