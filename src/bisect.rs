//! `bleed bisect`: from a failing order to the minimal set of tests that make the victim fail.
//!
//! The search itself is `ddmin` (pure); this module finds the failing order, turns each subset
//! the search asks about into a probe run through the adapter's replay command, checks that the
//! runner ran exactly the order asked for, and assembles the verdict.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};

use crate::ddmin::{self, Prober, Verdict as Search};
use crate::error::{Error, ExitCode, Result};
use crate::exec;
use crate::interrupt;
use crate::outcome::TestResult;
use crate::rank::{self, PastRun};
use crate::run::{self, Ended, Planned};
use crate::runner::{self, Adapter};
use crate::store::{self, RunRecord, RunStatus, SCHEMA, Store};
use crate::template::{Placeholder, Template, edit_distance};

/// Where the failing order comes from.
#[derive(Clone, Debug)]
pub enum Source {
    /// A recorded run with this seed, else one run of the command under it.
    Seed(u64),
    /// A recorded run, by id.
    Run(String),
    /// One test id a line, the victim included.
    OrderFile(PathBuf),
    /// A JUnit report (from CI, say) whose testcase order is the run order.
    Junit(PathBuf),
    /// The latest recorded run in which the victim failed.
    Latest,
}

pub struct Settings {
    pub template: Option<Template>,
    pub replay: Option<Template>,
    pub runner: Option<String>,
    pub victim: String,
    pub source: Source,
    pub retries: usize,
    pub jobs: usize,
    pub timeout: Option<Duration>,
    pub cleaners: bool,
    pub out: Option<PathBuf>,
    pub store: PathBuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Fails after its polluters, passes alone.
    Polluted,
    /// Fails alone, passes after its state-setters.
    Brittle,
    /// The failing order passed again: not order-dependent.
    NotReproduced,
    /// Fails alone, and no recorded order where it passed was there to search.
    FailsAlone,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Located {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reproducer {
    pub command: String,
    pub order: Vec<String>,
}

/// The result, as printed with `--json` and kept in `.bleed/bisections.jsonl`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bisection {
    pub schema: u32,
    pub victim: String,
    pub verdict: Verdict,
    pub polluters: Vec<Located>,
    pub cleaners: Vec<Located>,
    pub state_setters: Vec<Located>,
    /// Probes of the search, reproduction, isolation and confirmations included.
    pub probes: usize,
    pub rounds: usize,
    pub cleaner_probes: usize,
    /// Tests that ran before the victim in the order searched.
    pub candidates: usize,
    pub wall_seconds: f64,
    pub reproducer: Option<Reproducer>,
    pub isolation_command: String,
    pub runner: String,
    pub seed: Option<u64>,
    /// Where the failing order came from.
    pub origin: String,
    pub failure_message: Option<String>,
    pub runner_version: Option<String>,
    pub started_at: String,
    /// Why the verdict is what it is, in a sentence, for `not-reproduced` and `fails-alone`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

/// Ctrl-C during the search: the smallest order seen failing so far is still worth showing.
pub struct Interrupted {
    pub smallest_failing: Option<Vec<String>>,
    pub victim: String,
}

pub enum Outcome {
    Done(Box<Bisection>),
    Interrupted(Interrupted),
}

/// The order to search and what is known about it.
struct Failing {
    order: Vec<TestResult>,
    template: Option<String>,
    seed: Option<u64>,
    origin: String,
}

pub fn bisect(settings: &Settings) -> Result<Outcome> {
    let started = Instant::now();
    let started_at = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    let store = Store::open(&settings.store)?;
    let loaded = store.load_runs()?;
    for warning in &loaded.warnings {
        eprintln!("bleed: warning: {warning}");
    }
    let runs = loaded.records;
    let failing = failing_order(settings, &runs)?;
    let template = match (&settings.template, &failing.template) {
        (Some(given), _) => given.clone(),
        (None, Some(recorded)) => Template::parse(recorded)?,
        (None, None) if settings.replay.is_some() => settings.replay.clone().expect("checked"),
        (None, None) => {
            return Err(Error::usage(
                "bleed needs the suite command to replay orders: give --cmd (or --replay-cmd)",
            ));
        }
    };
    let adapter = runner::select(template.as_str(), settings.runner.as_deref())?;
    let replay = match &settings.replay {
        Some(replay) => replay.clone(),
        None => adapter.replay_command(&adapter.hunt_command(&template)?)?,
    };
    let runner_version = runner::checked_version(adapter.as_ref(), &template)?;
    let ids: Vec<String> = failing.order.iter().map(|r| r.id.clone()).collect();
    let position = find_victim(&settings.victim, &ids)?;
    let victim = ids[position].clone();
    // Tests the runner keeps apart from the victim (another go package, another Jest file)
    // cannot have polluted it; leaving them out shortens every probe.
    let candidates: Vec<String> = ids[..position]
        .iter()
        .filter(|id| !adapter.isolated(id, &victim))
        .cloned()
        .collect();
    if replay.has(Placeholder::Seed) && failing.seed.is_none() {
        return Err(Error::usage(format!(
            "the {} runner replays orders under the seed of the failing run, and this order comes \
             with none: give the failing run with --seed or --run",
            adapter.name()
        )));
    }
    let history: Vec<(Vec<String>, bool)> = runs
        .iter()
        .filter(|r| r.status == RunStatus::Ok && r.template == template.as_str())
        .filter_map(|r| {
            let victim_result = r.results.iter().find(|t| t.id == victim)?;
            Some((
                r.results.iter().map(|t| t.id.clone()).collect(),
                victim_result.outcome.is_failure(),
            ))
        })
        .collect();
    let past: Vec<PastRun> = history
        .iter()
        .map(|(order, victim_failed)| PastRun {
            order,
            victim_failed: *victim_failed,
        })
        .collect();

    let context = ProbeContext {
        adapter: adapter.as_ref(),
        replay: &replay,
        user_template: template.as_str(),
        store: &store,
        timeout: settings.timeout,
        tag: format!(
            "b{}-{}",
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or_default(),
            std::process::id()
        ),
        counter: AtomicUsize::new(0),
        progress: probe_progress(),
    };
    let options = ddmin::Options {
        jobs: settings.jobs,
        retries: settings.retries,
        ranking: (!past.is_empty()).then(|| rank::rank(&candidates, &victim, &past)),
    };
    let mut prober = OrderProber::new(
        &context,
        &candidates,
        &[],
        &victim,
        Target::VictimFails,
        failing.seed,
    );
    let search = ddmin::bisect(candidates.len(), &options, &mut prober);
    prober.finish()?;
    let located = |ids: &[String]| -> Vec<Located> {
        ids.iter()
            .map(|id| locate(id, &failing.order, &runs))
            .collect()
    };

    let mut result = Bisection {
        schema: SCHEMA,
        victim: victim.clone(),
        verdict: Verdict::NotReproduced,
        polluters: Vec::new(),
        cleaners: Vec::new(),
        state_setters: Vec::new(),
        probes: search.probes,
        rounds: search.rounds,
        cleaner_probes: 0,
        candidates: candidates.len(),
        wall_seconds: 0.0,
        reproducer: None,
        isolation_command: adapter.reproducer(
            &replay,
            std::slice::from_ref(&victim),
            failing.seed,
        )?,
        runner: adapter.name().to_string(),
        seed: failing.seed,
        origin: failing.origin.clone(),
        failure_message: failing.order[position].message.clone(),
        runner_version,
        started_at,
        evidence: None,
    };
    match search.verdict {
        Search::Interrupted { smallest_failing } => {
            context.progress.finish_and_clear();
            return Ok(Outcome::Interrupted(Interrupted {
                smallest_failing: smallest_failing.map(|set| {
                    let mut order: Vec<String> =
                        set.iter().map(|&i| candidates[i].clone()).collect();
                    order.push(victim.clone());
                    order
                }),
                victim,
            }));
        }
        Search::NotReproduced { tries } => {
            let tries = if tries == 1 {
                "when replayed".to_string()
            } else {
                format!("on all {tries} tries")
            };
            let isolated = position - candidates.len();
            result.evidence = Some(if isolated == 0 {
                format!(
                    "the failing order of {} tests passed {tries}: the failure looks \
                     non-deterministic (timing, randomness, network) rather than order-dependent",
                    candidates.len() + 1
                )
            } else {
                format!(
                    "the failing order passed {tries} without the {isolated} tests the {} runner keeps \
                     apart from the victim (other files or packages): either the failure is \
                     non-deterministic, or state leaked where the runner does not isolate (a database, \
                     files, shared native modules)",
                    adapter.name()
                )
            });
        }
        Search::Unconfirmed { set } => {
            let names: Vec<&str> = set.iter().map(|&i| candidates[i].as_str()).collect();
            result.evidence = Some(format!(
                "the search ended on {} before the victim, but that order passed when run again: \
                 the same order gives different results, so the failure looks non-deterministic \
                 rather than order-dependent",
                names.join(" + ")
            ));
        }
        Search::Minimal { set } => {
            let polluters: Vec<String> = set.iter().map(|&i| candidates[i].clone()).collect();
            result.verdict = Verdict::Polluted;
            let mut order = polluters.clone();
            order.push(victim.clone());
            result.reproducer = Some(Reproducer {
                command: adapter.reproducer(&replay, &order, failing.seed)?,
                order,
            });
            result.polluters = located(&polluters);
            if settings.cleaners {
                let candidates: Vec<String> = rank::cleaner_candidates(&polluters, &victim, &past);
                let search = if replay.has(Placeholder::Seed) {
                    cleaners_under_recorded_seeds(&context, &candidates, &polluters, &victim, &runs)
                } else {
                    let mut prober = OrderProber::new(
                        &context,
                        &candidates,
                        &polluters,
                        &victim,
                        Target::VictimFails,
                        failing.seed,
                    );
                    let (found, probes) = ddmin::find_cleaners(
                        candidates.len(),
                        settings.jobs,
                        settings.retries,
                        &mut prober,
                    );
                    prober.finish().map(|()| {
                        (
                            found
                                .iter()
                                .map(|&i| candidates[i].clone())
                                .collect::<Vec<_>>(),
                            probes,
                        )
                    })
                };
                // The polluters stand on their own: a cleaner search that cannot go on only
                // leaves the cleaners unknown.
                match search {
                    Ok((cleaners, probes)) => {
                        result.cleaners = located(&cleaners);
                        result.cleaner_probes = probes;
                    }
                    Err(error) if error.code != ExitCode::Interrupted => {
                        eprintln!("bleed: warning: the search for cleaners stopped: {error}");
                    }
                    Err(error) => return Err(error),
                }
            }
        }
        Search::Alone => {
            let passing = runs
                .iter()
                .rev()
                .filter(|r| r.status == RunStatus::Ok)
                .find_map(|r| {
                    let at = r
                        .results
                        .iter()
                        .position(|t| t.id == victim && t.outcome.is_pass())?;
                    let before: Vec<String> = r.results[..at]
                        .iter()
                        .map(|t| t.id.clone())
                        .filter(|id| !adapter.isolated(id, &victim))
                        .collect();
                    (!before.is_empty()).then_some((before, r.seed))
                });
            match passing {
                None => {
                    result.verdict = Verdict::FailsAlone;
                    result.evidence = Some(
                        "the victim fails when run alone, and no recorded run shows it passing after \
                         other tests: hunt more, or it is simply broken"
                            .to_string(),
                    );
                }
                Some((before, passing_seed)) => {
                    let mut prober = OrderProber::new(
                        &context,
                        &before,
                        &[],
                        &victim,
                        Target::VictimPasses,
                        passing_seed,
                    );
                    let options = ddmin::Options {
                        jobs: settings.jobs,
                        retries: settings.retries,
                        ranking: None,
                    };
                    let setters = ddmin::bisect(before.len(), &options, &mut prober);
                    prober.finish()?;
                    result.probes += setters.probes;
                    result.rounds += setters.rounds;
                    result.candidates = before.len();
                    match setters.verdict {
                        Search::Minimal { set } => {
                            let setters: Vec<String> =
                                set.iter().map(|&i| before[i].clone()).collect();
                            result.verdict = Verdict::Brittle;
                            let mut order = setters.clone();
                            order.push(victim.clone());
                            let command = adapter.reproducer(&replay, &order, passing_seed)?;
                            result.reproducer = Some(Reproducer { command, order });
                            result.state_setters = located(&setters);
                        }
                        Search::Interrupted { .. } => {
                            context.progress.finish_and_clear();
                            return Ok(Outcome::Interrupted(Interrupted {
                                smallest_failing: None,
                                victim,
                            }));
                        }
                        _ => {
                            result.verdict = Verdict::NotReproduced;
                            result.evidence = Some(
                                "the victim failed alone, yet failed again in a recorded order where it had \
                                 passed: the same order gives different results, so the failure looks \
                                 non-deterministic (timing, randomness, network) rather than order-dependent"
                                    .to_string(),
                            );
                        }
                    }
                }
            }
        }
    }
    context.progress.finish_and_clear();
    result.wall_seconds = started.elapsed().as_secs_f64();
    store::append_record(&store.root().join("bisections.jsonl"), &result)?;
    Ok(Outcome::Done(Box::new(result)))
}

/// Cleaners for runners that replay only sub-orders of a seeded order (go test, Jest): each
/// candidate is probed alone between the polluters and the victim, under the seed of a recorded
/// passing run where it sat there, since the failing run's seed put it elsewhere.
fn cleaners_under_recorded_seeds(
    context: &ProbeContext,
    candidates: &[String],
    polluters: &[String],
    victim: &str,
    runs: &[RunRecord],
) -> Result<(Vec<String>, usize)> {
    let mut cleaners = Vec::new();
    let mut probes = 0;
    for candidate in candidates.iter().take(MAX_SEEDED_CLEANER_PROBES) {
        // The polluters go in the order that run gave them, which is the order its seed keeps.
        let found = runs
            .iter()
            .rev()
            .filter(|r| r.status == RunStatus::Ok && r.seed.is_some())
            .find_map(|r| {
                let at = |id: &str| r.results.iter().position(|t| t.id == id);
                let victim_at = at(victim)?;
                let candidate_at = at(candidate)?;
                let mut placed: Vec<(usize, &String)> = polluters
                    .iter()
                    .map(|p| Some((at(p)?, p)))
                    .collect::<Option<_>>()?;
                placed.sort();
                let polluters_before = placed.last().is_none_or(|&(last, _)| last < candidate_at);
                let ordered: Vec<String> = placed.into_iter().map(|(_, p)| p.clone()).collect();
                (polluters_before && candidate_at < victim_at).then_some((r.seed?, ordered))
            });
        let Some((seed, ordered_polluters)) = found else {
            continue;
        };
        let single = std::slice::from_ref(candidate);
        let mut prober = OrderProber::new(
            context,
            single,
            &ordered_polluters,
            victim,
            Target::VictimFails,
            Some(seed),
        );
        let still_fails = prober.probe(&[vec![0]]);
        prober.finish()?;
        probes += 1;
        if still_fails == [false] {
            cleaners.push(candidate.clone());
        }
    }
    Ok((cleaners, probes))
}

/// Each candidate costs a probe of its own under a seeded replay; the most frequent few are
/// where cleaners are found.
const MAX_SEEDED_CLEANER_PROBES: usize = 8;

/// Where the failing order comes from, read or run.
fn failing_order(settings: &Settings, runs: &[RunRecord]) -> Result<Failing> {
    let from_record = |record: &RunRecord, origin: String| Failing {
        order: record.results.clone(),
        template: Some(record.template.clone()),
        seed: record.seed,
        origin,
    };
    let same_command = |record: &&RunRecord| {
        settings
            .template
            .as_ref()
            .is_none_or(|t| t.as_str() == record.template)
            && record.status == RunStatus::Ok
    };
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
            // A victim named by the end of its id, or misspelt, is resolved (or gets its
            // suggestions) against the tests of the latest recorded run.
            let known = runs
                .iter()
                .any(|r| r.results.iter().any(|t| t.id == settings.victim));
            let victim = match runs.iter().rev().find(same_command) {
                Some(latest) if !known => {
                    let ids: Vec<String> = latest.results.iter().map(|t| t.id.clone()).collect();
                    ids[find_victim(&settings.victim, &ids)?].clone()
                }
                _ => settings.victim.clone(),
            };
            runs.iter()
            .rev()
            .filter(same_command)
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
                    "no recorded run shows {victim} failing: give the failing order with --seed, --run, \
                     --order-file or --junit"
                ))
            })
        }
        Source::Seed(seed) => {
            if let Some(record) = runs
                .iter()
                .rev()
                .filter(same_command)
                .find(|r| r.seed == Some(*seed))
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
            run_seed_once(settings, template, *seed)
        }
        Source::OrderFile(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Error::usage(format!(
                    "cannot read the order file {}: {e}",
                    path.display()
                ))
            })?;
            let order = text
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty() && !line.starts_with('#'))
                .map(|id| TestResult {
                    id: id.to_string(),
                    outcome: crate::outcome::Outcome::Failed,
                    duration: None,
                    message: None,
                    file: None,
                    line: None,
                })
                .collect();
            Ok(Failing {
                order,
                template: None,
                seed: None,
                origin: format!("order file {}", path.display()),
            })
        }
        Source::Junit(path) => {
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
                origin: format!("JUnit report {}", path.display()),
            })
        }
    }
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
    eprintln!("bleed: no recorded run has seed {seed}; running it once");
    let planned = Planned {
        id: format!("{}-s{seed}", run::hunt_tag(template.as_str(), seed)),
        adapter: adapter.as_ref(),
        user_template: template.as_str(),
        command: &command,
        master_seed: None,
        index: None,
        seed: Some(seed),
        tests: None,
        worker: 1,
        timeout: settings.timeout,
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
            })
        }
    }
}

/// The victim's position in the order; an unknown one gets the nearest ids as suggestions.
fn find_victim(victim: &str, ids: &[String]) -> Result<usize> {
    if let Some(at) = ids.iter().position(|id| id == victim) {
        return Ok(at);
    }
    let ending: Vec<usize> = (0..ids.len())
        .filter(|&i| ids[i].ends_with(victim))
        .collect();
    if let [only] = ending.as_slice() {
        return Ok(*only);
    }
    let mut near: Vec<(usize, &String)> = ids
        .iter()
        .map(|id| {
            let distance = if id.contains(victim) || victim.contains(id.as_str()) {
                0
            } else {
                edit_distance(victim, id)
            };
            (distance, id)
        })
        .filter(|(distance, id)| *distance <= (id.len().max(victim.len()) / 3).max(3))
        .collect();
    near.sort();
    let suggestions: Vec<String> = near.iter().take(5).map(|(_, id)| (*id).clone()).collect();
    let hint = if suggestions.is_empty() {
        format!(
            "the order has {} tests; check the id (it is case-sensitive)",
            ids.len()
        )
    } else {
        format!("did you mean: {}", suggestions.join(", "))
    };
    Err(Error::usage(format!(
        "the victim {victim} is not in the failing order; {hint}"
    )))
}

fn locate(id: &str, order: &[TestResult], runs: &[RunRecord]) -> Located {
    let known = order
        .iter()
        .chain(runs.iter().rev().flat_map(|r| r.results.iter()))
        .find(|t| t.id == id && (t.file.is_some() || t.line.is_some()));
    Located {
        id: id.to_string(),
        file: known.and_then(|t| t.file.clone()),
        line: known.and_then(|t| t.line),
    }
}

fn probe_progress() -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {pos} probes  {elapsed}  {msg}")
            .expect("valid template"),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// What every probe of one bisection shares.
struct ProbeContext<'a> {
    adapter: &'a dyn Adapter,
    replay: &'a Template,
    user_template: &'a str,
    store: &'a Store,
    timeout: Option<Duration>,
    tag: String,
    counter: AtomicUsize,
    progress: ProgressBar,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    VictimFails,
    VictimPasses,
}

/// Runs the subsets the search asks about as `prefix + subset + victim`.
struct OrderProber<'a> {
    context: &'a ProbeContext<'a>,
    candidates: &'a [String],
    prefix: &'a [String],
    victim: &'a str,
    target: Target,
    /// The seed of the order being searched, for runners that replay under it.
    seed: Option<u64>,
    /// A probe that could not be used (broken report, order not honoured) stops the search:
    /// the rest of it would rest on nothing.
    error: Option<Error>,
}

impl<'a> OrderProber<'a> {
    fn new(
        context: &'a ProbeContext<'a>,
        candidates: &'a [String],
        prefix: &'a [String],
        victim: &'a str,
        target: Target,
        seed: Option<u64>,
    ) -> Self {
        OrderProber {
            context,
            candidates,
            prefix,
            victim,
            target,
            seed,
            error: None,
        }
    }

    fn finish(&mut self) -> Result<()> {
        match self.error.take() {
            Some(error) => {
                self.context.progress.finish_and_clear();
                Err(error)
            }
            None => Ok(()),
        }
    }

    fn order(&self, subset: &[usize]) -> Vec<String> {
        let mut order = self.prefix.to_vec();
        order.extend(subset.iter().map(|&i| self.candidates[i].clone()));
        order.push(self.victim.to_string());
        order
    }

    fn run_one(&self, order: &[String], worker: usize) -> Result<Option<bool>> {
        let context = self.context;
        if let Some(reason) = context.adapter.unrunnable_order(order) {
            return Err(Error::suite(format!(
                "the {} runner cannot run the order bleed needs: {reason}",
                context.adapter.name()
            )));
        }
        let number = context.counter.fetch_add(1, Ordering::SeqCst) + 1;
        let planned = Planned {
            id: format!("{}-p{number}", context.tag),
            adapter: context.adapter,
            user_template: context.user_template,
            command: context.replay,
            master_seed: None,
            index: None,
            seed: self.seed,
            tests: Some(order),
            worker,
            timeout: context.timeout,
        };
        let record = match run::perform(&planned, context.store)? {
            Ended::Interrupted => return Ok(None),
            Ended::Recorded(record) => record,
        };
        store::append_record(&context.store.root().join("probes.jsonl"), &record)?;
        context.progress.inc(1);
        if record.status != RunStatus::Ok {
            let log = context.store.root().join(&record.log);
            return Err(Error::suite(format!(
                "a probe gave no results ({}); command: {}\nlast lines of its output ({}):\n{}",
                record.problem.as_deref().unwrap_or("no report"),
                record.command,
                log.display(),
                exec::log_tail(&log, 10)
            )));
        }
        let ran: Vec<&str> = record.results.iter().map(|r| r.id.as_str()).collect();
        if ran != order.iter().map(String::as_str).collect::<Vec<_>>() {
            return Err(Error::suite(format!(
                "the {} runner did not run the order bleed asked for, so its results cannot be trusted: \
                 asked for {} tests ({}), it ran {} ({}). Give a --replay-cmd that runs exactly <tests> in order.",
                context.adapter.name(),
                order.len(),
                summarize(order.iter().map(String::as_str)),
                ran.len(),
                summarize(ran.iter().copied()),
            )));
        }
        let victim = record
            .results
            .last()
            .expect("the order ends with the victim");
        Ok(Some(match self.target {
            Target::VictimFails => victim.outcome.is_failure(),
            Target::VictimPasses => victim.outcome.is_pass(),
        }))
    }
}

fn summarize<'a>(ids: impl Iterator<Item = &'a str>) -> String {
    let ids: Vec<&str> = ids.collect();
    match ids.len() {
        0..=4 => ids.join(", "),
        n => format!("{}, {} … {}", ids[0], ids[1], ids[n - 1]),
    }
}

impl Prober for OrderProber<'_> {
    fn probe(&mut self, subsets: &[Vec<usize>]) -> Vec<bool> {
        if self.interrupted() {
            return vec![false; subsets.len()];
        }
        let orders: Vec<Vec<String>> = subsets.iter().map(|s| self.order(s)).collect();
        let outcomes: Vec<Result<Option<bool>>> = std::thread::scope(|scope| {
            let this = &*self;
            let handles: Vec<_> = orders
                .iter()
                .enumerate()
                .map(|(slot, order)| scope.spawn(move || this.run_one(order, slot + 1)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a probe thread panicked"))
                .collect()
        });
        let mut answers = Vec::with_capacity(subsets.len());
        for outcome in outcomes {
            match outcome {
                Ok(Some(answer)) => answers.push(answer),
                Ok(None) => answers.push(false),
                Err(error) => {
                    self.error.get_or_insert(error);
                    answers.push(false);
                }
            }
        }
        answers
    }

    fn interrupted(&self) -> bool {
        self.error.is_some() || interrupt::requested()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn victims_are_found_exactly_or_by_unique_ending() {
        let order = ids(&[
            "tests/a.py::test_x",
            "tests/b.py::test_total",
            "tests/b.py::test_totals",
        ]);
        assert_eq!(find_victim("tests/b.py::test_total", &order).unwrap(), 1);
        assert_eq!(find_victim("b.py::test_totals", &order).unwrap(), 2);
    }

    #[test]
    fn unknown_victims_get_near_matches() {
        let order = ids(&[
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
