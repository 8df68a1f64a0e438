//! What kind of flip each flipped test is, and the evidence for it. Pure: runs in, kinds out.
//!
//! | kind | meaning | how it is established |
//! |---|---|---|
//! | `order-dependent` | fails after some tests, passes alone | its failing orders fail again in 3 replays with nothing else running, and it passes alone, and with its passing seeds replayed those runs are beyond chance (or tests before it explain every run beyond chance) |
//! | `brittle` | fails alone, passes after some tests | its failing orders fail again, and it fails alone, beyond chance as for `order-dependent` |
//! | `non-deterministic` | one and the same order both passes and fails | two runs with the same tests before it disagree, a failing order passes when replayed, or alone it both passes and fails |
//! | `interference` | fails only while another copy of the suite runs | every failure was in a run that overlapped another, and a failing order replayed alone passes |
//! | `always-failing` | fails in every run, and alone | checked alone |
//! | `unconfirmed` | a check it needs was not run (`--no-confirm`, or no way to run it) | — |
//!
//! The recorded runs are used first; a confirmation run is asked for (`Step::Needs`) only where
//! they leave doubt: a replay of a failing seed, run with nothing else running, or the test alone.

use serde::{Deserialize, Serialize};

use crate::chance::{self, Rate, Trials};
use crate::human::{count, times};
use crate::outcome::{Outcome, TestResult};
use crate::records::{Names, Ran};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    OrderDependent,
    Brittle,
    NonDeterministic,
    Interference,
    AlwaysFailing,
    Unconfirmed,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::OrderDependent,
        Kind::Brittle,
        Kind::Interference,
        Kind::NonDeterministic,
        Kind::AlwaysFailing,
        Kind::Unconfirmed,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::OrderDependent => "order-dependent",
            Kind::Brittle => "brittle",
            Kind::NonDeterministic => "non-deterministic",
            Kind::Interference => "interference",
            Kind::AlwaysFailing => "always-failing",
            Kind::Unconfirmed => "unconfirmed",
        }
    }

    /// What the kind means, for the heading of its group in the hunt's table.
    pub fn meaning(self) -> &'static str {
        match self {
            Kind::OrderDependent => "fails after some tests, passes alone: bisect it",
            Kind::Brittle => {
                "fails alone, passes after some tests: bisect it for its state-setters"
            }
            Kind::Interference => {
                "fails only while another copy of the suite runs: its failing orders pass alone"
            }
            Kind::NonDeterministic => {
                "the same order both passed and failed: timing, randomness or the network, not the order"
            }
            Kind::AlwaysFailing => "fails in every run and alone: broken, not order-dependent",
            Kind::Unconfirmed => {
                "not checked: --no-confirm, or the confirmation runs gave no usable results"
            }
        }
    }

    /// Kinds whose cause is in the order, and so worth bisecting.
    pub fn bisectable(self) -> bool {
        matches!(self, Kind::OrderDependent | Kind::Brittle)
    }
}

/// One recorded run of the hunt, as classification sees it.
pub struct Observed<'a> {
    pub seed: u64,
    pub ran: &'a Ran,
    /// Another run of the suite was running during part of this one.
    pub overlapped: bool,
}

/// When and where a run ran, to tell the runs that overlapped another.
pub struct Span<'a> {
    /// The machine it ran on, where the record says.
    pub host: Option<&'a str>,
    /// RFC 3339.
    pub started_at: &'a str,
    pub wall_seconds: f64,
}

/// How finely `started_at` is stamped: a run that starts right after another may be stamped
/// up to this much before that one's end, so a shorter overlap is none.
const STAMP_PRECISION: f64 = 0.001;

/// For each run, whether another of `runs` was going on during part of it on the same
/// machine: runs on different machines cannot interfere, however their times overlap.
pub fn overlapped(runs: &[Span]) -> Vec<bool> {
    let times: Vec<Option<(f64, f64)>> = runs.iter().map(Span::time).collect();
    runs.iter()
        .zip(&times)
        .enumerate()
        .map(|(i, (run, time))| {
            time.is_some_and(|(start, end)| {
                runs.iter()
                    .zip(&times)
                    .enumerate()
                    .any(|(j, (other, time))| {
                        j != i
                            && run.same_machine(other)
                            && time.is_some_and(|(s, e)| {
                                s + STAMP_PRECISION < end && start + STAMP_PRECISION < e
                            })
                    })
            })
        })
        .collect()
}

impl Span<'_> {
    /// When it started and ended, in seconds since the epoch.
    fn time(&self) -> Option<(f64, f64)> {
        let started = humantime::parse_rfc3339_weak(self.started_at).ok()?;
        let start = started
            .duration_since(std::time::SystemTime::UNIX_EPOCH)
            .ok()?
            .as_secs_f64();
        Some((start, start + self.wall_seconds))
    }

    /// Whether two runs may have shared a machine: yes unless both say where they ran.
    fn same_machine(&self, other: &Span) -> bool {
        match (self.host, other.host) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        }
    }
}

/// A confirmation run: what it checks.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "check", rename_all = "kebab-case")]
pub enum Check {
    /// The run of a seed again, with nothing else running.
    Replay { seed: u64 },
    /// One test by itself.
    Alone { test: String },
}

/// A confirmation run that was made: what it checked and what it reported (nothing when its
/// report was unusable).
pub struct Checked<'a> {
    pub check: &'a Check,
    pub results: &'a [TestResult],
}

/// Why a test is of its kind, as printed with `hunt --json`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Evidence {
    /// The reason, in a sentence.
    pub reason: String,
    /// Failures in runs that overlapped another run of the suite, of all failures.
    pub overlapping_failures: usize,
    pub failures: usize,
    /// Failing seeds replayed with nothing else running, and whether the test failed again.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replayed: Vec<Replayed>,
    /// Whether the test passed by itself, and how that was seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alone: Option<Alone>,
    /// Tests that ran before it in every failing run and in no passing one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suspects: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Replayed {
    pub seed: u64,
    pub failed: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Alone {
    pub passed: bool,
    /// "run alone", or "ran first in seed N".
    pub seen: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Classified {
    pub kind: Kind,
    pub evidence: Evidence,
}

/// What can be said now: a kind, or the check that would settle it.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    Done(Classified),
    Needs(Check, Evidence),
}

/// `assess`, with a check that is still needed put down as not made, for the reason
/// `unconfirmed_because` gives.
pub fn settle(
    test: &str,
    runs: &[Observed],
    names: &Names,
    checks: &[Checked],
    unconfirmed_because: impl Fn(&Check) -> String,
) -> Classified {
    match assess(test, runs, names, checks) {
        Step::Done(classified) => classified,
        Step::Needs(check, evidence) => unconfirmed(evidence, &check, &unconfirmed_because(&check)),
    }
}

/// The state-setters a brittle test's runs point at: the tests that ran before it in every run
/// where it passed and in none where it failed. (`Evidence::suspects` points the other way, at
/// polluters.)
pub fn setter_suspects(test: &str, runs: &[Observed], names: &Names) -> Vec<String> {
    let facts = Facts::gather(test, runs, names);
    facts.before_every_and_none(&facts.passing, &facts.failing)
}

/// Replays of failing seeds (its failing seeds in turn, again if it has fewer) that must all
/// fail it before anything else is asked: whether that is beyond chance is `beyond_chance`'s.
const REPLAYS: usize = 3;

/// Assesses `test` from the recorded runs (their tests numbered in `names`) and the
/// confirmation runs made so far.
pub fn assess(test: &str, runs: &[Observed], names: &Names, checks: &[Checked]) -> Step {
    let facts = Facts::gather(test, runs, names);
    let mut evidence = Evidence {
        overlapping_failures: facts.failing.iter().filter(|r| r.overlapped).count(),
        failures: facts.failing.len(),
        suspects: facts.suspects(),
        ..Evidence::default()
    };
    if let Some((failed, passed)) = facts.same_order_both_ways() {
        evidence.reason = format!(
            "the same {} ran before it under seeds {failed} and {passed}, with nothing else \
             running: it failed under the first and passed under the second",
            count(facts.before(failed), "test")
        );
        return done(Kind::NonDeterministic, evidence);
    }
    let all_failures_overlapped = evidence.overlapping_failures == facts.failing.len();
    let explained = !all_failures_overlapped && facts.explained_beyond_chance();
    let fails_everywhere = facts.passing.is_empty() && !all_failures_overlapped;
    let replays = replays_of(checks, &facts, &facts.failing_seeds());
    evidence.replayed = replays.clone();
    if !explained && !fails_everywhere {
        let passed = replays.iter().filter(|r| !r.failed).count();
        let failed = replays.len() - passed;
        let wanted = match (passed, failed) {
            (0, _) => REPLAYS,
            (_, 0) if all_failures_overlapped => interference_replays(&facts),
            _ => 0,
        };
        if replays.len() < wanted {
            let seeds = facts.failing_seeds();
            let seed = seeds[replays.len() % seeds.len()];
            return Step::Needs(Check::Replay { seed }, evidence);
        }
        if passed > 0 {
            return order_does_not_reproduce(&facts, evidence, all_failures_overlapped);
        }
    }
    let step = assess_alone(test, &facts, checks, evidence);
    if explained || fails_everywhere {
        return step;
    }
    match step {
        Step::Done(Classified {
            kind: kind @ (Kind::OrderDependent | Kind::Brittle),
            evidence,
        }) => beyond_chance(test, kind, &facts, checks, evidence),
        step => step,
    }
}

/// Most replays of one test's seeds a hunt makes to rule chance out.
const MAX_REPLAYS: usize = 12;

/// Replays of its failing seeds that failed again, replays of its passing seeds that passed
/// again, and its runs alone, as trials against a test failing at random at the rate the hunt
/// saw (see `chance`). Three failing replays and a pass alone are what a test failing at random
/// a third of the time shows 2 % of the time, and one failing two thirds of the time 10 %:
/// passing seeds are replayed (any another test's replays already answer are counted) until
/// chance is below 1 %.
fn beyond_chance(
    test: &str,
    kind: Kind,
    facts: &Facts,
    checks: &[Checked],
    mut evidence: Evidence,
) -> Step {
    let passing_seeds = facts.passing_seeds();
    let passed_again = replays_of(checks, facts, &passing_seeds);
    if let Some(seed) = passed_again.iter().find(|r| r.failed).map(|r| r.seed) {
        evidence.reason = format!(
            "seed {seed} passed it in the hunt and failed it when replayed with nothing else \
             running: its result does not follow from the order"
        );
        return done(Kind::NonDeterministic, evidence);
    }
    let alone = alone_runs(test, facts, checks).len();
    let failed_again = evidence.replayed.len();
    let trials = match kind {
        Kind::Brittle => Trials {
            hits: failed_again + alone,
            misses: passed_again.len(),
        },
        _ => Trials {
            hits: failed_again,
            misses: passed_again.len() + alone,
        },
    };
    let rate = Rate::observed(
        facts.failing.len(),
        facts.failing.len() + facts.passing.len(),
    );
    let needed = chance::still_needed(trials, rate, 1.0);
    if needed == Some(Trials::default()) {
        if !passed_again.is_empty() {
            evidence.reason.push_str(&format!(
                "; {} of its passing seeds passed again",
                count(passed_again.len(), "replay")
            ));
        }
        return done(kind, evidence);
    }
    let failing_seeds = facts.failing_seeds();
    let seed = match needed {
        Some(needed) if failed_again + passed_again.len() < MAX_REPLAYS => {
            if needed.misses > 0 && !passing_seeds.is_empty() {
                passing_seeds[passed_again.len() % passing_seeds.len()]
            } else {
                failing_seeds[failed_again % failing_seeds.len()]
            }
        }
        _ => {
            evidence.reason = format!(
                "{} of its failing seeds failed again and {} of its passing seeds passed again, \
                 but a test failing at random at the rate the hunt saw ({} of {}) would show as \
                 much with a chance of {:.1} %",
                count(failed_again, "replay"),
                passed_again.len(),
                facts.failing.len(),
                count(facts.failing.len() + facts.passing.len(), "run"),
                chance::chance(trials, rate) * 100.0
            );
            return done(Kind::Unconfirmed, evidence);
        }
    };
    Step::Needs(Check::Replay { seed }, evidence)
}

/// Replays of its failing seeds with nothing else running that must all pass a test whose
/// failures all came in runs that overlapped others before it is put down to interference: as
/// many as a test failing at random, at the rate the hunt saw, would all pass less than once in
/// a hundred times, and at least `REPLAYS`.
fn interference_replays(facts: &Facts) -> usize {
    let runs = facts.failing.len() + facts.passing.len();
    let rate = facts.failing.len() as f64 / runs as f64;
    let needed = (chance::DOUBT.ln() / (1.0 - rate).ln()).ceil();
    if needed.is_finite() {
        (needed as usize).clamp(REPLAYS, MAX_INTERFERENCE_REPLAYS)
    } else {
        REPLAYS
    }
}

/// Past this many passing replays, a test that fails rarely is left unconfirmed rather than
/// replayed further.
const MAX_INTERFERENCE_REPLAYS: usize = 12;

/// A failing seed replayed with nothing else running passed the test.
fn order_does_not_reproduce(
    facts: &Facts,
    mut evidence: Evidence,
    all_failures_overlapped: bool,
) -> Step {
    let passed: Vec<u64> = evidence
        .replayed
        .iter()
        .filter(|r| !r.failed)
        .map(|r| r.seed)
        .collect();
    let failed = evidence.replayed.len() - passed.len();
    let seed = passed[0];
    if !all_failures_overlapped || failed > 0 {
        evidence.reason = format!(
            "seed {seed} failed it in the hunt and passed it when replayed with nothing else \
             running ({} of {} replays passed): its result does not follow from the order",
            passed.len(),
            evidence.replayed.len()
        );
        return done(Kind::NonDeterministic, evidence);
    }
    let rate = facts.failing.len() as f64 / (facts.failing.len() + facts.passing.len()) as f64;
    let chance_of_random = (1.0 - rate).powi(passed.len() as i32);
    if chance_of_random >= chance::DOUBT {
        evidence.reason = format!(
            "probably interference: {}, and {} with nothing else running passed it, but it \
             failed in only {:.0} % of the runs, so a random failure would pass that many replays \
             {:.0} % of the time",
            failures_overlapped(facts.failing.len()),
            every(passed.len(), "replay", "replays"),
            rate * 100.0,
            chance_of_random * 100.0
        );
        return done(Kind::Unconfirmed, evidence);
    }
    evidence.reason = format!(
        "{}, and {} with nothing else running passed it",
        failures_overlapped(facts.failing.len()),
        every(
            passed.len(),
            "replay of its failing seed",
            "replays of its failing seeds"
        )
    );
    done(Kind::Interference, evidence)
}

fn failures_overlapped(failures: usize) -> String {
    if failures == 1 {
        "its one failure was in a run that overlapped another run of the suite".to_string()
    } else {
        format!(
            "all {failures} of its failures were in runs that overlapped another run of the suite"
        )
    }
}

/// `its one replay`, `all 3 replays`: the subject of a sentence about every one of them.
fn every(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("its one {one}")
    } else {
        format!("all {n} {many}")
    }
}

/// The order reproduces the failure (or it fails in every order): how does it do by itself?
fn assess_alone(test: &str, facts: &Facts, checks: &[Checked], mut evidence: Evidence) -> Step {
    let runs = alone_runs(test, facts, checks);
    let Some(first) = runs.first() else {
        let check = Check::Alone {
            test: test.to_string(),
        };
        return Step::Needs(check, evidence);
    };
    let passed = runs.iter().filter(|a| a.passed).count();
    let failed = runs.len() - passed;
    evidence.alone = Some(first.clone());
    let every_run = facts.passing.is_empty();
    let (kind, reason) = match (passed, failed) {
        (_, 0) if every_run => (
            Kind::OrderDependent,
            format!(
                "it failed in {} of {}, yet passes alone: a test that always ran before it breaks it",
                facts.failing.len(),
                count(facts.failing.len(), "run")
            ),
        ),
        (_, 0) => (
            Kind::OrderDependent,
            "its failing order fails again, and it passes alone".to_string(),
        ),
        (0, _) if every_run => (
            Kind::AlwaysFailing,
            format!(
                "it failed in {} of {}, and alone",
                facts.failing.len(),
                count(facts.failing.len(), "run")
            ),
        ),
        (0, _) => (
            Kind::Brittle,
            format!(
                "it fails alone, yet passed in {}: some test that ran before it sets up what it needs",
                count(facts.passing.len(), "run")
            ),
        ),
        _ => (
            Kind::NonDeterministic,
            format!(
                "run by itself it passed {} and failed {}: the same order both failed and passed",
                times(passed),
                times(failed)
            ),
        ),
    };
    evidence.reason = reason;
    done(kind, evidence)
}

/// Every run of the test by itself: a recorded run where it ran first with nothing else running,
/// and the confirmation runs of it alone.
fn alone_runs(test: &str, facts: &Facts, checks: &[Checked]) -> Vec<Alone> {
    let mut runs: Vec<Alone> = facts.ran_first().into_iter().collect();
    runs.extend(checks.iter().filter_map(|checked| match checked.check {
        Check::Alone { test: checked_test } if checked_test == test => {
            let result = checked.results.iter().find(|r| r.id == test)?;
            Some(Alone {
                passed: result.outcome.is_pass(),
                seen: "run alone".to_string(),
            })
        }
        _ => None,
    }));
    runs
}

/// The replays of the test's failing seeds that ran it.
fn replays_of(checks: &[Checked], facts: &Facts, seeds: &[u64]) -> Vec<Replayed> {
    let mut replays: Vec<Replayed> = Vec::new();
    for checked in checks {
        let Check::Replay { seed } = checked.check else {
            continue;
        };
        if !seeds.contains(seed) {
            continue;
        }
        if let Some(result) = checked.results.iter().find(|r| r.id == facts.test) {
            replays.push(Replayed {
                seed: *seed,
                failed: result.outcome.is_failure(),
            });
        }
    }
    replays
}

fn done(kind: Kind, evidence: Evidence) -> Step {
    Step::Done(Classified { kind, evidence })
}

/// Marks a step that needed a check bleed did not run.
pub fn unconfirmed(mut evidence: Evidence, check: &Check, why: &str) -> Classified {
    let wanted = match check {
        Check::Replay { seed } => format!("a replay of seed {seed} with nothing else running"),
        Check::Alone { .. } => "a run of the test alone".to_string(),
    };
    evidence.reason = format!("not classified: it needs {wanted}, and {why}");
    Classified {
        kind: Kind::Unconfirmed,
        evidence,
    }
}

/// The runs that ran `test`, split by its outcome.
struct Facts<'a> {
    test: &'a str,
    names: &'a Names,
    failing: Vec<Seen<'a>>,
    passing: Vec<Seen<'a>>,
}

/// A run that ran the test, as far as the test's first run in it.
struct Seen<'a> {
    seed: u64,
    overlapped: bool,
    /// The tests that ran before it.
    before: &'a [u32],
    outcome: Outcome,
}

impl<'a> Facts<'a> {
    fn gather(test: &'a str, runs: &'a [Observed<'a>], names: &'a Names) -> Facts<'a> {
        let mut facts = Facts {
            test,
            names,
            failing: Vec::new(),
            passing: Vec::new(),
        };
        let Some(number) = names.find(test) else {
            return facts;
        };
        for run in runs {
            let Some((at, outcome)) = run.ran.find(number) else {
                continue;
            };
            let seen = Seen {
                seed: run.seed,
                overlapped: run.overlapped,
                before: &run.ran.tests[..at],
                outcome,
            };
            if outcome.is_failure() {
                facts.failing.push(seen);
            } else if outcome.is_pass() {
                facts.passing.push(seen);
            }
        }
        facts
    }

    /// How many tests ran before it under `seed`.
    fn before(&self, seed: u64) -> usize {
        self.failing
            .iter()
            .chain(&self.passing)
            .find(|r| r.seed == seed)
            .map_or(0, |r| r.before.len())
    }

    /// Two runs with nothing else running and the same tests, in the same order, before the
    /// test, one failing it and one passing it: (failing seed, passing seed).
    fn same_order_both_ways(&self) -> Option<(u64, u64)> {
        let passed: Vec<&Seen> = self.passing.iter().filter(|r| !r.overlapped).collect();
        self.failing.iter().filter(|r| !r.overlapped).find_map(|r| {
            let same = passed.iter().find(|p| p.before == r.before)?;
            Some((r.seed, same.seed))
        })
    }

    /// Tests that ran before it in every failing run and in no passing one.
    fn suspects(&self) -> Vec<String> {
        self.before_every_and_none(&self.failing, &self.passing)
    }

    /// Tests that ran before it in every run of `every` and in no run of `none`, by id.
    fn before_every_and_none(&self, every: &[Seen], none: &[Seen]) -> Vec<String> {
        let mut every = every.iter();
        let Some(first) = every.next() else {
            return Vec::new();
        };
        let mut common: Vec<u32> = first.before.to_vec();
        common.sort_unstable();
        common.dedup();
        // Marks each test with the last run of `every` it ran before the test in, or as seen
        // before it in a run of `none`: a pass over each run, however long the suite.
        const IN_NONE: u32 = u32::MAX;
        let mut mark = vec![0u32; self.names.len()];
        for (run, stamp) in every.zip(1..) {
            if common.is_empty() {
                break;
            }
            for &t in run.before {
                mark[t as usize] = stamp;
            }
            common.retain(|&t| mark[t as usize] == stamp);
        }
        for run in none.iter().take_while(|_| !common.is_empty()) {
            for &t in run.before {
                mark[t as usize] = IN_NONE;
            }
        }
        common.retain(|&t| mark[t as usize] != IN_NONE);
        let mut ids: Vec<&str> = common.iter().map(|&t| self.names.id(t)).collect();
        ids.sort_unstable();
        ids.into_iter().map(String::from).collect()
    }

    /// Whether some test before it explains every run so well that a test failing at random
    /// would fit it less than once in a hundred times, counting every test that could have.
    fn explained_beyond_chance(&self) -> bool {
        if self.suspects().is_empty() || self.passing.is_empty() {
            return false;
        }
        let mut seen = vec![false; self.names.len()];
        for run in self.failing.iter().chain(&self.passing) {
            for &t in run.before {
                seen[t as usize] = true;
            }
        }
        let trials = Trials {
            hits: self.failing.len(),
            misses: self.passing.len(),
        };
        let could_have = seen.iter().filter(|&&s| s).count();
        chance::believed(trials, Rate::UNKNOWN, could_have as f64)
    }

    /// The test ran first in a run with nothing else running: that is running it alone.
    fn ran_first(&self) -> Option<Alone> {
        self.failing
            .iter()
            .chain(&self.passing)
            .filter(|r| !r.overlapped)
            .find(|r| r.before.is_empty())
            .map(|r| Alone {
                passed: r.outcome.is_pass(),
                seen: format!("ran first under seed {}", r.seed),
            })
    }

    /// The seeds that failed it, those that did so without overlapping another run first.
    fn failing_seeds(&self) -> Vec<u64> {
        unique_seeds(&self.failing, &[])
    }

    /// The seeds that passed it and never failed it, those without overlap first.
    fn passing_seeds(&self) -> Vec<u64> {
        unique_seeds(&self.passing, &self.failing_seeds())
    }
}

/// The seeds of `runs`, once each and those that overlapped no other run first, leaving out
/// `except`.
fn unique_seeds(runs: &[Seen], except: &[u64]) -> Vec<u64> {
    let mut seeds: Vec<(bool, u64)> = runs.iter().map(|r| (r.overlapped, r.seed)).collect();
    seeds.sort_by_key(|&(overlapped, _)| overlapped);
    let mut unique: Vec<u64> = Vec::new();
    for (_, seed) in seeds {
        if !unique.contains(&seed) && !except.contains(&seed) {
            unique.push(seed);
        }
    }
    unique
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Outcome;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn result(id: &str, failed: bool) -> TestResult {
        let outcome = if failed {
            Outcome::Failed
        } else {
            Outcome::Passed
        };
        TestResult::bare(id, outcome)
    }

    /// A run: the tests in order, `!` marking a failure.
    fn run(tests: &str) -> Vec<TestResult> {
        tests
            .split_whitespace()
            .map(|t| match t.strip_prefix('!') {
                Some(failed) => result(failed, true),
                None => result(t, false),
            })
            .collect()
    }

    /// Runs as a hunt records them: (seed, results, overlapped), their tests numbered.
    struct Hunted {
        names: Names,
        runs: Vec<(u64, Ran, bool)>,
    }

    impl Hunted {
        fn new(runs: &[(u64, Vec<TestResult>, bool)]) -> Hunted {
            let mut names = Names::default();
            let runs = runs
                .iter()
                .map(|(seed, results, overlapped)| {
                    (*seed, Ran::of(results, &mut names), *overlapped)
                })
                .collect();
            Hunted { names, runs }
        }

        fn observed(&self) -> Vec<Observed<'_>> {
            self.runs
                .iter()
                .map(|(seed, ran, overlapped)| Observed {
                    seed: *seed,
                    ran,
                    overlapped: *overlapped,
                })
                .collect()
        }

        /// `assess` of the victim, v.
        fn assess(&self, checks: &[Checked]) -> Step {
            assess("v", &self.observed(), &self.names, checks)
        }
    }

    fn kind(step: Step) -> Kind {
        match step {
            Step::Done(classified) => classified.kind,
            Step::Needs(check, _) => panic!("still needs {check:?}"),
        }
    }

    #[test]
    fn a_victim_whose_polluter_explains_a_long_history_needs_only_to_pass_alone() {
        let mut runs = Vec::new();
        for seed in 0..12 {
            // p pollutes v; the other tests are innocent.
            let order = if seed % 3 == 0 {
                "a p b !v c"
            } else {
                "b a v p c"
            };
            runs.push((seed, run(order), false));
        }
        runs.push((99, run("v a b p c"), false));
        let hunted = Hunted::new(&runs);
        let step = hunted.assess(&[]);
        let Step::Done(classified) = step else {
            panic!("{step:?}")
        };
        assert_eq!(classified.kind, Kind::OrderDependent);
        assert_eq!(classified.evidence.suspects, vec!["p".to_string()]);
        assert_eq!(
            classified.evidence.alone.unwrap().seen,
            "ran first under seed 99"
        );
    }

    #[test]
    fn a_short_history_asks_for_a_replay_then_for_the_test_alone() {
        let runs = [(1, run("p !v"), false), (2, run("v p"), false)];
        let hunted = Hunted::new(&runs);
        let Step::Needs(check, evidence) = hunted.assess(&[]) else {
            panic!("two runs prove nothing by themselves")
        };
        assert_eq!(check, Check::Replay { seed: 1 });
        assert_eq!(evidence.suspects, vec!["p".to_string()]);
        let replay = Check::Replay { seed: 1 };
        let replayed = run("p !v");
        let mut checks = Vec::new();
        for times in 1..=3 {
            checks.push(Checked {
                check: &replay,
                results: &replayed,
            });
            if times < 3 {
                let Step::Needs(again, _) = hunted.assess(&checks) else {
                    panic!("{times} replays are not enough")
                };
                assert_eq!(again, replay, "its one failing seed, again");
            }
        }
        // v ran first under seed 2 and passed: that is v alone. Two runs bound its rate so
        // loosely that a test failing at random could show this much: seed 2 is replayed too.
        let again = Check::Replay { seed: 2 };
        let passed = run("v p");
        let mut asked = 0;
        loop {
            match hunted.assess(&checks) {
                Step::Needs(check, _) => {
                    assert_eq!(check, again, "its passing seed");
                    asked += 1;
                    assert!(asked <= MAX_REPLAYS);
                    checks.push(Checked {
                        check: &again,
                        results: &passed,
                    });
                }
                Step::Done(classified) => {
                    assert_eq!(classified.kind, Kind::OrderDependent);
                    assert!(
                        classified
                            .evidence
                            .reason
                            .contains("of its passing seeds passed again"),
                        "{}",
                        classified.evidence.reason
                    );
                    break;
                }
            }
        }
        assert!(asked > 0);
    }

    /// A test failing at random, whatever the order, at rates from a fifth to four fifths:
    /// over 20-run hunts of it among ten other tests, with every replay and run alone drawn
    /// at random too, it is called order-dependent or brittle in less than one hunt in a
    /// hundred. With three failing replays and a pass alone as the whole check, one failing
    /// half the time was called order-dependent in one hunt in sixteen.
    #[test]
    fn a_test_failing_at_random_is_rarely_given_an_order_to_blame() {
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(19497);
        let (hunts, mut blamed) = (400, 0);
        for hunt in 0..hunts {
            let rate = [0.2, 0.35, 0.5, 0.65, 0.8][hunt % 5];
            let mut draw = |order: &[&str]| -> Vec<TestResult> {
                order
                    .iter()
                    .map(|&t| result(t, t == "v" && rng.random_bool(rate)))
                    .collect()
            };
            let mut orders: Vec<Vec<&str>> = Vec::new();
            let mut runs = Vec::new();
            for seed in 0..20u64 {
                let mut order = vec!["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "v"];
                crate::seed::shuffle(&mut order, hunt as u64 * 100 + seed);
                runs.push((seed, draw(&order), false));
                orders.push(order);
            }
            if runs
                .iter()
                .all(|(_, results, _)| results.iter().all(|r| r.outcome.is_pass()))
            {
                continue; // never failed: not a flip, so never classified
            }
            let hunted = Hunted::new(&runs);
            let mut made: Vec<(Check, Vec<TestResult>)> = Vec::new();
            let classified = loop {
                let checks: Vec<Checked> = made
                    .iter()
                    .map(|(check, results)| Checked { check, results })
                    .collect();
                match hunted.assess(&checks) {
                    Step::Done(classified) => break classified,
                    Step::Needs(check, _) => {
                        let results = match &check {
                            Check::Replay { seed } => draw(&orders[*seed as usize]),
                            Check::Alone { .. } => draw(&["v"]),
                        };
                        drop(checks);
                        made.push((check, results));
                    }
                }
            };
            if matches!(classified.kind, Kind::OrderDependent | Kind::Brittle) {
                blamed += 1;
            }
        }
        assert!(
            blamed * 100 < hunts,
            "{blamed} of {hunts} hunts blamed the order"
        );
    }

    /// Three failing replays and a pass alone are what a test failing at random half the time
    /// shows one time in sixteen: a replay of a passing seed that fails shows it for what it is.
    #[test]
    fn a_passing_seed_that_fails_when_replayed_is_non_deterministic() {
        let runs = [
            (1, run("a !v"), false),
            (2, run("v a"), false),
            (3, run("b a !v"), false),
            (4, run("b v a"), false),
        ];
        let hunted = Hunted::new(&runs);
        let (failing, passing) = (Check::Replay { seed: 1 }, Check::Replay { seed: 2 });
        let (failed, also_failed) = (run("a !v"), run("!v a"));
        let mut checks: Vec<Checked> = [1, 3]
            .iter()
            .chain(&[1])
            .map(|_| Checked {
                check: &failing,
                results: &failed,
            })
            .collect();
        let Step::Needs(check, _) = hunted.assess(&checks) else {
            panic!("three failing replays and a pass alone do not rule chance out")
        };
        assert_eq!(check, passing);
        checks.push(Checked {
            check: &passing,
            results: &also_failed,
        });
        let Step::Done(classified) = hunted.assess(&checks) else {
            panic!("settled")
        };
        assert_eq!(classified.kind, Kind::NonDeterministic);
        assert!(
            classified
                .evidence
                .reason
                .starts_with("seed 2 passed it in the hunt"),
            "{}",
            classified.evidence.reason
        );
    }

    #[test]
    fn a_failing_order_that_passes_when_replayed_is_non_deterministic() {
        let runs = [(1, run("a !v"), false), (2, run("v a"), false)];
        let hunted = Hunted::new(&runs);
        let replay = Check::Replay { seed: 1 };
        let replayed = run("a v");
        let checks = [Checked {
            check: &replay,
            results: &replayed,
        }];
        assert_eq!(kind(hunted.assess(&checks)), Kind::NonDeterministic);
    }

    #[test]
    fn the_same_order_failing_and_passing_needs_no_confirmation() {
        let runs = [(1, run("a b !v"), false), (2, run("a b v"), false)];
        let hunted = Hunted::new(&runs);
        assert_eq!(kind(hunted.assess(&[])), Kind::NonDeterministic);
        // Not so when one of them overlapped another run: that may be interference.
        let runs = [(1, run("a b !v"), true), (2, run("a b v"), false)];
        let hunted = Hunted::new(&runs);
        assert!(matches!(hunted.assess(&[]), Step::Needs(..)));
    }

    /// Answers every check `assess` asks for with `answer` until it decides; returns the kind
    /// and how many checks it took.
    fn settle(hunted: &Hunted, answer: impl Fn(&Check) -> Vec<TestResult>) -> (Kind, usize) {
        let (classified, checks) = settle_with_reason(hunted, answer);
        (classified.kind, checks)
    }

    fn settle_with_reason(
        hunted: &Hunted,
        answer: impl Fn(&Check) -> Vec<TestResult>,
    ) -> (Classified, usize) {
        let mut made: Vec<(Check, Vec<TestResult>)> = Vec::new();
        loop {
            let checks: Vec<Checked> = made
                .iter()
                .map(|(check, results)| Checked { check, results })
                .collect();
            match hunted.assess(&checks) {
                Step::Done(classified) => return (classified, made.len()),
                Step::Needs(check, _) => {
                    let results = answer(&check);
                    made.push((check, results));
                }
            }
            assert!(made.len() < 50, "assess keeps asking");
        }
    }

    #[test]
    fn failures_only_in_overlapping_runs_that_pass_alone_are_interference() {
        let runs = [
            (1, run("a !v b"), true),
            (2, run("b a v"), true),
            (3, run("v b a"), true),
        ];
        let hunted = Hunted::new(&runs);
        let Step::Needs(check, _) = hunted.assess(&[]) else {
            panic!("a replay is needed")
        };
        assert_eq!(check, Check::Replay { seed: 1 });
        // Failing in a third of the runs, it needs 12 passing replays: (2/3)^12 < 1 %.
        let (kind, checks) = settle(&hunted, |_| run("a v b"));
        assert_eq!((kind, checks), (Kind::Interference, 12));
        // A replay that fails it shows it fails with nothing else running: not interference.
        let (kind, _) = settle(&hunted, |_| run("a !v b"));
        assert_ne!(kind, Kind::Interference);
    }

    #[test]
    fn a_rare_failure_in_overlapping_runs_stays_unconfirmed() {
        let mut runs = vec![(1, run("a !v b"), true)];
        runs.extend((2..20).map(|seed| (seed, run("b a v"), true)));
        let hunted = Hunted::new(&runs);
        let (kind, checks) = settle(&hunted, |_| run("a v b"));
        assert_eq!((kind, checks), (Kind::Unconfirmed, 12));
    }

    #[test]
    fn one_failure_and_one_replay_are_not_all_1_of_them() {
        let runs = [(1, run("a !v b"), true), (2, run("b a v"), true)];
        let hunted = Hunted::new(&runs);
        let (classified, _) = settle_with_reason(&hunted, |_| run("a v b"));
        let reason = classified.evidence.reason;
        assert!(
            reason.contains("its one failure was in a run that overlapped"),
            "{reason}"
        );
        assert!(!reason.contains("all 1 "), "{reason}");
    }

    #[test]
    fn a_test_that_passed_and_failed_alone_once_each_says_once() {
        let runs = [(1, run("a !v"), false), (2, run("b !v a"), false)];
        let hunted = Hunted::new(&runs);
        let alone = Check::Alone {
            test: "v".to_string(),
        };
        let (passes, fails) = (run("v"), run("!v"));
        let checks = [
            Checked {
                check: &alone,
                results: &passes,
            },
            Checked {
                check: &alone,
                results: &fails,
            },
        ];
        let Step::Done(classified) = hunted.assess(&checks) else {
            panic!("passing and failing alone settles it")
        };
        assert_eq!(classified.kind, Kind::NonDeterministic);
        assert!(
            classified
                .evidence
                .reason
                .contains("it passed once and failed once"),
            "{}",
            classified.evidence.reason
        );
    }

    #[test]
    fn a_brittle_tests_setter_suspects_ran_before_it_whenever_it_passed() {
        let runs = [
            (1, run("!v s a"), false),
            (2, run("s a v"), false),
            (3, run("a s v"), false),
            (4, run("a !v s"), false),
        ];
        let hunted = Hunted::new(&runs);
        assert_eq!(
            setter_suspects("v", &hunted.observed(), &hunted.names),
            ["s"]
        );
    }

    #[test]
    fn a_test_failing_everywhere_is_checked_alone() {
        let runs = [(1, run("a !v"), false), (2, run("b !v a"), false)];
        let hunted = Hunted::new(&runs);
        let Step::Needs(check, _) = hunted.assess(&[]) else {
            panic!("an alone run is needed")
        };
        assert_eq!(
            check,
            Check::Alone {
                test: "v".to_string()
            }
        );
        let passes = run("v");
        let fails = run("!v");
        let passed = [Checked {
            check: &check,
            results: &passes,
        }];
        let failed = [Checked {
            check: &check,
            results: &fails,
        }];
        assert_eq!(kind(hunted.assess(&passed)), Kind::OrderDependent);
        assert_eq!(kind(hunted.assess(&failed)), Kind::AlwaysFailing);
    }

    #[test]
    fn a_test_that_fails_alone_but_passes_after_others_is_brittle() {
        let runs = [(1, run("!v a"), false), (2, run("a v"), false)];
        let hunted = Hunted::new(&runs);
        let replay = Check::Replay { seed: 1 };
        let replayed = run("!v a");
        let mut checks: Vec<Checked> = (0..3)
            .map(|_| Checked {
                check: &replay,
                results: &replayed,
            })
            .collect();
        let passing = Check::Replay { seed: 2 };
        let passed = run("a v");
        while let Step::Needs(check, _) = hunted.assess(&checks) {
            assert_eq!(
                check, passing,
                "its passing seed, until chance is ruled out"
            );
            assert!(checks.len() < MAX_REPLAYS);
            checks.push(Checked {
                check: &passing,
                results: &passed,
            });
        }
        assert_eq!(kind(hunted.assess(&checks)), Kind::Brittle);
    }

    /// Ids a runner cannot tell apart run more than once in a run: where one of them failed,
    /// the run failed the test (the flip analysis says so, and its classification once found
    /// no failing run and divided by zero).
    #[test]
    fn a_test_that_ran_twice_in_a_run_and_failed_once_failed_in_it() {
        let runs = [(1, run("v a !v"), false), (2, run("v a"), false)];
        let hunted = Hunted::new(&runs);
        let Step::Needs(check, evidence) = hunted.assess(&[]) else {
            panic!("two runs prove nothing by themselves")
        };
        assert_eq!(check, Check::Replay { seed: 1 });
        assert_eq!(evidence.failures, 1);
    }

    fn span(
        host: Option<&'static str>,
        started_at: &'static str,
        wall_seconds: f64,
    ) -> Span<'static> {
        Span {
            host,
            started_at,
            wall_seconds,
        }
    }

    #[test]
    fn runs_that_share_time_overlap_and_runs_in_turn_do_not() {
        let runs = [
            span(None, "2026-12-01T10:00:00.000Z", 2.0),
            span(None, "2026-12-01T10:00:01.500Z", 2.0),
            span(None, "2026-12-01T10:00:05.000Z", 1.0),
            span(None, "2026-12-01T10:00:06.000Z", 1.0),
        ];
        assert_eq!(overlapped(&runs), vec![true, true, false, false]);
    }

    /// Start times are stamped to the millisecond: a run that began right after another ended
    /// can look as if it began a fraction of a millisecond before.
    #[test]
    fn runs_in_turn_stamped_to_the_millisecond_do_not_overlap() {
        let runs = [
            span(None, "2026-12-01T10:00:00.000Z", 1.000_03),
            span(None, "2026-12-01T10:00:01.000Z", 1.0),
            span(None, "2026-12-01T10:00:01.998Z", 1.0),
        ];
        assert_eq!(overlapped(&runs), vec![false, true, true]);
    }

    /// CI nodes hunting shards at the same time do not interfere; two processes on one
    /// machine may, and so may runs recorded before bleed said where they ran.
    #[test]
    fn only_runs_on_the_same_machine_overlap() {
        let runs = [
            span(Some("node-1/3f2a9c1d"), "2026-12-01T10:00:00.000Z", 2.0),
            span(Some("node-2/77b0e412"), "2026-12-01T10:00:01.000Z", 2.0),
        ];
        assert_eq!(overlapped(&runs), vec![false, false]);

        let runs = [
            span(Some("node-1/3f2a9c1d"), "2026-12-01T10:00:00.000Z", 2.0),
            span(Some("node-1/3f2a9c1d"), "2026-12-01T10:00:01.000Z", 2.0),
            span(None, "2026-12-01T10:00:05.000Z", 2.0),
            span(Some("node-2/77b0e412"), "2026-12-01T10:00:06.000Z", 2.0),
        ];
        assert_eq!(overlapped(&runs), vec![true, true, true, true]);
    }

    /// The suspects and a same-order pair as they were worked out from each run's ids: sets of
    /// the ids before the victim's first result in each run (a run of distinct tests).
    fn as_from_ids(runs: &[(u64, Vec<TestResult>, bool)]) -> (Vec<String>, Option<(u64, u64)>) {
        let before = |results: &[TestResult]| -> Option<(Vec<String>, bool)> {
            let at = results.iter().position(|r| r.id == "v")?;
            let ids = results[..at].iter().map(|r| r.id.clone()).collect();
            Some((ids, results[at].outcome.is_failure()))
        };
        let seen: Vec<(u64, Vec<String>, bool, bool)> = runs
            .iter()
            .filter_map(|(seed, results, overlapped)| {
                let (ids, failed) = before(results)?;
                Some((*seed, ids, failed, *overlapped))
            })
            .collect();
        let mut failing = seen.iter().filter(|r| r.2);
        let mut common: BTreeSet<String> = failing
            .next()
            .map(|r| r.1.iter().cloned().collect())
            .unwrap_or_default();
        for run in failing {
            common.retain(|t| run.1.contains(t));
        }
        for run in seen.iter().filter(|r| !r.2) {
            for t in &run.1 {
                common.remove(t);
            }
        }
        let same = seen.iter().filter(|r| r.2 && !r.3).find_map(|failed| {
            let passed = seen.iter().find(|r| !r.2 && !r.3 && r.1 == failed.1)?;
            Some((failed.0, passed.0))
        });
        (common.into_iter().collect(), same)
    }

    proptest! {
        #[test]
        fn suspects_and_same_orders_are_as_from_the_ids(
            runs in proptest::collection::vec(
                (
                    Just(()).prop_perturb(|_, mut rng| {
                        let mut tests = vec!["a", "b", "c", "d", "v"];
                        for i in (1..tests.len()).rev() {
                            tests.swap(i, rng.random_range(0..=i));
                        }
                        tests.truncate(rng.random_range(2..=5));
                        tests
                    }),
                    any::<bool>(),
                    any::<bool>(),
                ),
                1..8,
            )
        ) {
            let runs: Vec<(u64, Vec<TestResult>, bool)> = runs
                .into_iter()
                .enumerate()
                .map(|(seed, (tests, fails, overlapped))| {
                    let results = tests.iter().map(|t| result(t, *t == "v" && fails)).collect();
                    (seed as u64 + 1, results, overlapped)
                })
                .collect();
            let (suspects, same) = as_from_ids(&runs);
            prop_assume!(runs.iter().any(|(_, r, _)| r.iter().any(|t| t.id == "v" && t.outcome.is_failure())));
            let (evidence, kind) = match Hunted::new(&runs).assess(&[]) {
                Step::Done(classified) => (classified.evidence, Some(classified.kind)),
                Step::Needs(_, evidence) => (evidence, None),
            };
            prop_assert_eq!(evidence.suspects, suspects);
            if let Some((failed, passed)) = same {
                prop_assert_eq!(kind, Some(Kind::NonDeterministic));
                let seeds = format!("under seeds {failed} and {passed}");
                prop_assert!(evidence.reason.contains(&seeds), "{}", evidence.reason);
            }
        }
    }
}
