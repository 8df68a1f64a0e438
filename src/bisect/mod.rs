//! `bleed bisect`: from a failing order to the minimal set of tests that make the victim fail.
//!
//! The phases, in order: find the failing order and the victim in it; search it (`ddmin`, which
//! first reproduces the order and runs the victim alone); confirm the set it ends on until
//! chance cannot explain it (`confirm`); look for cleaners; build the reproducer; record. The
//! search is pure; `probe` turns each subset it asks about into a run of the adapter's replay
//! command and checks that the runner ran exactly that order.

mod confirm;
mod log;
mod probe;
mod reuse;
mod source;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::chance::{Rate, Trials};
use crate::ddmin::{self, Counts, Prober, Verdict as Search};
use crate::error::{Error, ExitCode, Result};
use crate::human::{count, times};
use crate::hunt::{CONFIRMATIONS_FILE, Confirmation as HuntConfirmation};
use crate::import;
use crate::progress;
use crate::rank::{self, PastRun};
use crate::runner::{self, Adapter};
use crate::store::{self, RunRecord, RunStatus, SCHEMA, Store};
use crate::template::{Placeholder, Template};
use crate::warm::{Probing, Warmth};

use confirm::{Claim, Recorded};
pub use confirm::{Confirmation, percent};
pub use log::{FromLog, Unbisected, bisect_log};
use probe::{OrderProber, ProbeContext, Progress, Reported, Reuse, Target};
use reuse::RecordedOrders;
pub use source::Source;
use source::{Failing, failing_order, find_victim, locate};

#[derive(Clone)]
pub struct Settings {
    pub template: Option<Template>,
    pub replay: Option<Template>,
    pub runner: Option<String>,
    pub victim: String,
    pub source: Source,
    /// Extra tries of a probe that lost the failure; None decides from the history.
    pub retries: Option<usize>,
    pub jobs: usize,
    pub timeout: Option<Duration>,
    pub cleaners: bool,
    pub out: Option<PathBuf>,
    pub store: PathBuf,
    /// Probe warm where the runner can (docs/warm.md); false forces fresh processes.
    pub warm: bool,
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
    /// One and the same order both failed and passed, or the evidence could not rule chance out.
    NonDeterministic,
}

impl Verdict {
    /// As in the JSON: `polluted`, `not-reproduced`, ...
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Polluted => "polluted",
            Verdict::Brittle => "brittle",
            Verdict::NotReproduced => "not-reproduced",
            Verdict::FailsAlone => "fails-alone",
            Verdict::NonDeterministic => "non-deterministic",
        }
    }

    /// Only a verdict that names culprits ends a bisection with nothing left to look at.
    pub fn exit_code(self) -> ExitCode {
        match self {
            Verdict::Polluted | Verdict::Brittle => ExitCode::Success,
            Verdict::NotReproduced | Verdict::FailsAlone | Verdict::NonDeterministic => {
                ExitCode::NeedsAttention
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Located {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// The test's human title, as the runner reported it (see `TestResult::name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reproducer {
    pub command: String,
    pub order: Vec<String>,
}

/// What repro.sh runs: the reproducer and the victim alone, each writing the runner's report
/// to the file the script's `$report` names (and an order, when the command reads one, to
/// `$order`), so that the script judges the victim by its own result in the report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Script {
    pub culprits_then_victim: String,
    pub victim_alone: String,
}

/// An order that both failed and passed, for the `non-deterministic` verdict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SameOrder {
    pub order: Vec<String>,
    pub failed: usize,
    pub passed: usize,
}

pub(crate) const BISECTIONS_FILE: &str = "bisections.jsonl";

/// The result, as printed with `--json` and kept in `.bleed/bisections.jsonl`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bisection {
    pub schema: u32,
    pub victim: String,
    pub verdict: Verdict,
    pub polluters: Vec<Located>,
    pub cleaners: Vec<Located>,
    /// When every test tried between the polluters and the victim hid the failure: how many
    /// tests could have sat there. `cleaners` then holds the ones tried, and the victim fails
    /// only right after its polluters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cleaned_by_any: Option<usize>,
    pub state_setters: Vec<Located>,
    /// Runs of the suite made for the search, reproduction, isolation and confirmations
    /// included; the answers recorded runs gave are in `probes_reused`.
    pub probes: usize,
    /// Probe answers read from recorded runs that had run exactly the order asked about (the
    /// hunt's runs and confirmation runs, earlier bisections' probes) instead of running the
    /// suite: each run answers once, and the confirmation runs a verdict rests on always run.
    #[serde(default)]
    pub probes_reused: usize,
    pub rounds: usize,
    pub cleaner_probes: usize,
    /// Tests that ran before the victim in the order searched.
    pub candidates: usize,
    /// Extra tries of a probe that lost the failure, as given or as chosen from the history.
    #[serde(default)]
    pub retries: usize,
    pub wall_seconds: f64,
    pub reproducer: Option<Reproducer>,
    pub isolation_command: String,
    pub runner: String,
    pub seed: Option<u64>,
    /// Where the failing order came from.
    pub origin: String,
    /// The same, told without the store's run ids or this machine's paths, for REPORT.md.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_origin: Option<String>,
    /// The suite command as the user gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// The victim's failure message in the failing order, whole (see `TestResult::message`).
    pub failure_message: Option<String>,
    /// The victim with its file, line and human title, where the runner reported them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub victim_located: Option<Located>,
    pub runner_version: Option<String>,
    /// The command that printed `runner_version`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_command: Option<String>,
    /// repro.sh's commands, where bleed knows where the runner writes its report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<Script>,
    pub started_at: String,
    /// How the culprits were confirmed, for `polluted` and `brittle`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmation: Option<Confirmation>,
    /// The order that gave both outcomes, for `non-deterministic`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_order: Option<SameOrder>,
    /// Why the verdict is what it is, in a sentence, when it names no culprits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    /// How the probes ran: warm or cold, how many of each, and why warm stopped if it did.
    #[serde(default)]
    pub probe: Probing,
    /// Why recorded runs stopped answering probes, when runs made now went against them: the
    /// verdict is then from runs made now only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records_disagreed: Option<String>,
    /// Probes that ended with processes still running in their group, which bleed ended.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub left_running: usize,
    /// Those processes, over all such probes.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub strays: usize,
}

fn is_zero(count: &usize) -> bool {
    *count == 0
}

/// Ctrl-C during the search: the smallest order seen failing so far is still worth showing.
pub struct Interrupted {
    pub smallest_failing: Option<Vec<String>>,
    pub victim: String,
}

/// What an interrupted bisection's error ends with, where running the same command again
/// starts it over.
pub const START_OVER: &str = "Run the same command again to start over.";

impl Interrupted {
    /// The error bleed ends with, showing the smallest order seen failing. `done` says what
    /// finished before (the other victims of a log), when anything did; `again` how to go on.
    pub fn into_error(self, done: Option<String>, again: &str) -> Error {
        let found = match self.smallest_failing {
            Some(order) => format!(
                "the smallest order seen failing so far ({}):\n    {}",
                count(order.len(), "test"),
                order.join("\n    ")
            ),
            None => "no failing order was confirmed yet".to_string(),
        };
        let done = done
            .map(|done| format!(", after {done}"))
            .unwrap_or_default();
        Error::interrupted(format!(
            "interrupted while bisecting {}{done}; {found}\n{again}",
            self.victim
        ))
    }
}

pub enum Outcome {
    Done(Box<Bisection>),
    Interrupted(Interrupted),
}

/// Everything the phases share, settled before the first probe.
struct Job {
    store: Store,
    runs: Vec<RunRecord>,
    failing: Failing,
    template: Template,
    adapter: Box<dyn Adapter>,
    replay: Template,
    victim: String,
    position: usize,
    /// The tests before the victim that the runner does not keep apart from it.
    candidates: Vec<String>,
    /// Recorded runs of the same command that ran the victim.
    history: Vec<Past>,
    retries: usize,
    runner_version: Option<String>,
    jobs: usize,
    cleaners: bool,
    /// Warm probes asked for, and possible with this replay command.
    warm: bool,
    /// The recorded runs that may answer probes.
    recorded: RecordedOrders,
}

pub fn bisect(settings: &Settings) -> Result<Outcome> {
    let started = Instant::now();
    let started_at = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    let tag = format!(
        "b{}-{}",
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default(),
        std::process::id()
    );
    let booting = boot_early(settings, &tag);
    let job = prepare(settings)?;
    let mut result = job.blank_result(started_at)?;
    if let Some(evidence) = victim_passed_in_failing_order(&job, settings)? {
        result.evidence = Some(evidence);
    } else {
        let context = job.probe_context(settings.timeout, tag, booting);
        let stopped = search_and_conclude(&job, &context, &mut result);
        result.probe = context.warmth.report();
        result.probes_reused = context.reuse.reused();
        result.probes -= result.probes_reused;
        result.records_disagreed = context.reuse.set_aside_because();
        result.left_running = context.left_running.load(Ordering::SeqCst);
        result.strays = context.strays.load(Ordering::SeqCst);
        complete_from_probes(&mut result, &context.reported);
        if let Some(stopped) = stopped? {
            return Ok(Outcome::Interrupted(stopped));
        }
        context.progress.finish();
    }
    result.wall_seconds = started.elapsed().as_secs_f64();
    store::append_record(&job.store.root().join(BISECTIONS_FILE), &result)?;
    Ok(Outcome::Done(Box::new(result)))
}

/// The tests' titles and places, and the victim's failure message, from the probes where the
/// failing order did not give them.
fn complete_from_probes(result: &mut Bisection, reported: &Reported) {
    let tests = result
        .victim_located
        .iter_mut()
        .chain(&mut result.polluters)
        .chain(&mut result.state_setters)
        .chain(&mut result.cleaners);
    for test in tests {
        reported.complete(test);
    }
    if result.failure_message.is_none() {
        result.failure_message = reported.message(&result.victim);
    }
}

/// A warm server booting while the failing order is found (often one cold run of the whole
/// suite), so that its boot costs no time of its own.
struct Booting(Option<std::thread::JoinHandle<Warmth>>);

impl Booting {
    fn join(mut self) -> Option<Warmth> {
        self.0.take().and_then(|handle| handle.join().ok())
    }
}

impl Drop for Booting {
    /// A bisection that ends before its first probe still ends the server it started.
    fn drop(&mut self) {
        if let Some(handle) = self.0.take() {
            let _ = handle.join();
        }
    }
}

/// Starts the warm server at once when the command is given and warm probes are asked for.
fn boot_early(settings: &Settings, tag: &str) -> Booting {
    let Some(template) = settings.template.clone().filter(|_| settings.warm) else {
        return Booting(None);
    };
    if settings.replay.is_some() {
        return Booting(None);
    }
    let commands =
        runner::select(template.as_str(), settings.runner.as_deref()).and_then(|adapter| {
            let hunt = adapter.hunt_command(&template)?;
            let replay = adapter.replay_command(&hunt)?;
            let store = Store::open(&settings.store)?;
            Ok((adapter, hunt, replay, store))
        });
    let Ok((adapter, hunt, replay, store)) = commands else {
        return Booting(None);
    };
    let (tag, timeout) = (tag.to_string(), settings.timeout);
    Booting(Some(std::thread::spawn(move || {
        Warmth::start(adapter.as_ref(), &hunt, &replay, &store, &tag, timeout)
    })))
}

/// The store, the failing order, the adapter and its replay command, the victim and the tests
/// before it, and what the history says.
fn prepare(settings: &Settings) -> Result<Job> {
    let store = Store::open(&settings.store)?;
    store.check_writable()?;
    let loaded = store.load_runs()?;
    for warning in &loaded.warnings {
        progress::warn(warning);
    }
    let runs = loaded.records;
    if let Some(template) = &settings.template {
        runner::check_program(template.as_str())?;
        // A victim the runner cannot run by itself (a go subtest) is refused before a failing
        // seed is run for nothing.
        let adapter = runner::select(template.as_str(), settings.runner.as_deref())?;
        if let Some(reason) = adapter.unrunnable_order(std::slice::from_ref(&settings.victim)) {
            return Err(Error::usage(format!(
                "the {} runner cannot bisect {}: {reason}",
                adapter.name(),
                settings.victim
            )));
        }
    }
    let failing = failing_order(settings, &runs)?;
    // A run imported without --cmd does not say what CI ran: its template is a label.
    let recorded = (failing.template.as_deref()).filter(|t| *t != import::IMPORTED_TEMPLATE);
    let template = match (&settings.template, recorded) {
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
    let position = find_victim(&settings.victim, &failing.order)?;
    let victim = failing.order[position].id.clone();
    // Tests the runner keeps apart from the victim (another go package, another Jest file)
    // cannot have polluted it; leaving them out shortens every probe.
    let candidates: Vec<String> = failing.order[..position]
        .iter()
        .map(|t| t.id.clone())
        .filter(|id| !adapter.isolated(id, &victim))
        .collect();
    if replay.has(Placeholder::Seed) && failing.seed.is_none() {
        return Err(Error::usage(format!(
            "the {} runner replays orders under the seed of the failing run, and this order comes \
             with none: give the failing run with --seed or --run",
            adapter.name()
        )));
    }
    let history = history_of(&runs, template.as_str(), &victim);
    let retries = settings
        .retries
        .unwrap_or_else(|| automatic_retries(&candidates, &victim, &history));
    let recorded = recorded_orders(&store, &runs, template.as_str(), failing.run.as_deref())?;
    Ok(Job {
        store,
        runs,
        failing,
        template,
        adapter,
        replay,
        victim,
        position,
        candidates,
        history,
        retries,
        runner_version,
        jobs: settings.jobs,
        cleaners: settings.cleaners,
        // A replay command the user wrote is run as written.
        warm: settings.warm && settings.replay.is_none(),
        recorded,
    })
}

/// The runs that may answer probes: every run of `template` with results (the hunt's runs, its
/// confirmation runs, bisections' probes) made since the hunt of the failing run began, or
/// since the failing run when no hunt made it. Older runs may have run older code. A failing
/// order from a file or a report is placed in no time, so none may answer for it. Runs imported
/// from CI ran elsewhere.
fn recorded_orders(
    store: &Store,
    runs: &[RunRecord],
    template: &str,
    failing_run: Option<&str>,
) -> Result<RecordedOrders> {
    let mut recorded = RecordedOrders::default();
    let Some(failing) = failing_run.and_then(|id| runs.iter().find(|r| r.id == id)) else {
        return Ok(recorded);
    };
    let since = runs
        .iter()
        .filter(|r| failing.master_seed.is_some() && r.master_seed == failing.master_seed)
        .filter(|r| r.template == failing.template)
        .chain([failing])
        .filter_map(started)
        .min();
    let confirmations =
        store::load_records::<HuntConfirmation>(&store.root().join(CONFIRMATIONS_FILE))?;
    let probes = store::load_records::<RunRecord>(&store.root().join(store::PROBES_FILE))?;
    for warning in confirmations.warnings.iter().chain(&probes.warnings) {
        progress::warn(warning);
    }
    let confirmation_runs = confirmations.records.into_iter().map(|c| c.run);
    let all = runs
        .iter()
        .cloned()
        .chain(confirmation_runs)
        .chain(probes.records);
    for run in all {
        let usable =
            run.status == RunStatus::Ok && run.template == template && run.imported.is_none();
        let recent = since.is_some_and(|since| started(&run).is_some_and(|at| at >= since));
        if usable && recent {
            recorded.add(&run.id, &run.results, run.warm);
        }
    }
    Ok(recorded)
}

fn started(run: &RunRecord) -> Option<SystemTime> {
    humantime::parse_rfc3339_weak(&run.started_at).ok()
}

/// A recorded run of the victim, as the bisection uses it.
struct Past {
    order: Vec<String>,
    victim_failed: bool,
    run: String,
}

fn history_of(runs: &[RunRecord], template: &str, victim: &str) -> Vec<Past> {
    runs.iter()
        .filter(|r| r.status == RunStatus::Ok && r.template == template)
        .filter_map(|r| {
            let result = r.results.iter().find(|t| t.id == victim)?;
            Some(Past {
                order: r.results.iter().map(|t| t.id.clone()).collect(),
                victim_failed: result.outcome.is_failure(),
                run: r.id.clone(),
            })
        })
        .collect()
}

/// No retries, unless the history shows failures that no single test before the victim
/// explains: a victim that may lose its failure at random, where one lost failure would send
/// the search the wrong way.
fn automatic_retries(candidates: &[String], victim: &str, history: &[Past]) -> usize {
    let past = past_runs(history);
    if !past.iter().any(|run| run.victim_failed) {
        return 0;
    }
    let explained = rank::rank(candidates, victim, &past).suspects > 0;
    if explained { 0 } else { 1 }
}

fn past_runs(history: &[Past]) -> Vec<PastRun<'_>> {
    history
        .iter()
        .map(|past| PastRun {
            order: &past.order,
            victim_failed: past.victim_failed,
        })
        .collect()
}

impl Job {
    fn blank_result(&self, started_at: String) -> Result<Bisection> {
        Ok(Bisection {
            schema: SCHEMA,
            victim: self.victim.clone(),
            verdict: Verdict::NotReproduced,
            polluters: Vec::new(),
            cleaners: Vec::new(),
            cleaned_by_any: None,
            state_setters: Vec::new(),
            probes: 0,
            probes_reused: 0,
            rounds: 0,
            cleaner_probes: 0,
            candidates: self.candidates.len(),
            retries: self.retries,
            wall_seconds: 0.0,
            reproducer: None,
            isolation_command: self.adapter.reproducer(
                &self.replay,
                std::slice::from_ref(&self.victim),
                self.failing.seed,
            )?,
            runner: self.adapter.name().to_string(),
            seed: self.failing.seed,
            origin: self.failing.origin.clone(),
            shared_origin: Some(self.failing.shared_origin.clone()),
            command: Some(self.template.as_str().to_string()),
            failure_message: self.failing.order[self.position].message.clone(),
            victim_located: Some(locate(&self.victim, &self.failing.order, &self.runs)),
            runner_version: self.runner_version.clone(),
            version_command: self.adapter.version_command(&self.template),
            script: None,
            started_at,
            confirmation: None,
            same_order: None,
            evidence: None,
            probe: Probing::default(),
            records_disagreed: None,
            left_running: 0,
            strays: 0,
        })
    }

    fn probe_context(
        &self,
        timeout: Option<Duration>,
        tag: String,
        booting: Booting,
    ) -> ProbeContext<'_> {
        let progress = Progress::new();
        let warmth = if let Some(warmth) = booting.join() {
            warmth
        } else if self.warm {
            progress.phase("booting the suite once, for warm probes");
            let hunt = self
                .adapter
                .hunt_command(&self.template)
                .unwrap_or_else(|_| self.template.clone());
            Warmth::start(
                self.adapter.as_ref(),
                &hunt,
                &self.replay,
                &self.store,
                &tag,
                timeout,
            )
        } else {
            Warmth::cold()
        };
        let reuse = Reuse::new(&self.recorded);
        // Picked because the victim failed in it, the failing run is no evidence of that.
        if let Some(run) = &self.failing.run {
            reuse.bar(run);
        }
        ProbeContext {
            adapter: self.adapter.as_ref(),
            replay: &self.replay,
            user_template: self.template.as_str(),
            store: &self.store,
            timeout,
            tag,
            counter: AtomicUsize::new(0),
            left_running: AtomicUsize::new(0),
            strays: AtomicUsize::new(0),
            progress,
            warmth,
            reported: Reported::default(),
            reuse,
        }
    }

    /// The reproducer of `order` for people and for repro.sh, under `seed`.
    fn reproducer(
        &self,
        order: Vec<String>,
        seed: Option<u64>,
    ) -> Result<(Reproducer, Option<Script>)> {
        let adapter = self.adapter.as_ref();
        let alone = std::slice::from_ref(&self.victim);
        let script = match (
            adapter.scripted(&self.replay, &order, seed)?,
            adapter.scripted(&self.replay, alone, seed)?,
        ) {
            (Some(culprits_then_victim), Some(victim_alone)) => Some(Script {
                culprits_then_victim,
                victim_alone,
            }),
            _ => None,
        };
        let command = adapter.reproducer(&self.replay, &order, seed)?;
        Ok((Reproducer { command, order }, script))
    }

    fn located(&self, ids: &[String]) -> Vec<Located> {
        ids.iter()
            .map(|id| locate(id, &self.failing.order, &self.runs))
            .collect()
    }

    fn past(&self) -> Vec<PastRun<'_>> {
        past_runs(&self.history)
    }

    /// Seeds of recorded runs of the same command where the victim failed.
    fn failing_seeds(&self) -> Vec<u64> {
        self.runs
            .iter()
            .filter(|r| r.status == RunStatus::Ok && r.template == self.template.as_str())
            .filter(|r| {
                r.results
                    .iter()
                    .any(|t| t.id == self.victim && t.outcome.is_failure())
            })
            .filter_map(|r| r.seed)
            .collect()
    }
}

/// A failing order in which the victim passed leaves nothing to search: say so, with the seeds
/// where it did fail. A recorded order is the user's mistake; a fresh run of the seed, or the
/// run of a seed where a CI log shows the victim failing, is a finding (the failure did not come
/// back), reported as `not-reproduced`.
fn victim_passed_in_failing_order(job: &Job, settings: &Settings) -> Result<Option<String>> {
    let outcome = job.failing.order[job.position].outcome;
    if outcome.is_failure() {
        return Ok(None);
    }
    let seeds = job.failing_seeds();
    let elsewhere = match seeds.as_slice() {
        [] => "no recorded run shows it failing".to_string(),
        [only] => format!("it failed under seed {only}: bisect that with --seed {only}"),
        [first, ..] => format!(
            "it failed under seeds {}: bisect one of those, e.g. --seed {first}",
            seeds
                .iter()
                .take(8)
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let what = format!(
        "the victim {} {} in {}",
        job.victim,
        if outcome.is_pass() {
            "passed"
        } else {
            "did not run"
        },
        job.failing.origin
    );
    if job.failing.fresh || matches!(settings.source, Source::Latest | Source::Log { .. }) {
        return Ok(Some(format!(
            "{what}: the failure did not come back; {elsewhere}"
        )));
    }
    Err(Error::usage(format!(
        "{what}, so there is no failure to bisect; {elsewhere}"
    )))
}

/// How one attempt at the verdict ended.
enum Attempt {
    /// A verdict, or Some(..) when Ctrl-C stopped the search.
    Done(Option<Interrupted>),
    /// A cold run contradicted warm probes on the same order: said, and done again cold.
    Disagreed(String),
    /// Warm probes found no order dependency; before that is a verdict, it is done again cold.
    Unsure(String),
    /// Runs made now went against what recorded runs answered: done again without them.
    Stale(String),
}

/// The search for polluters and what follows from its verdict, warm where it can be. A verdict
/// that rests on warm probes stands only where cold runs agree with it; where they do not, all
/// of it is done again cold. Some(..) when Ctrl-C stopped it.
fn search_and_conclude(
    job: &Job,
    context: &ProbeContext,
    result: &mut Bisection,
) -> Result<Option<Interrupted>> {
    let blank = result.clone();
    let mut unsure: Option<String> = None;
    loop {
        match attempt(job, context, result)? {
            Attempt::Done(stopped) => {
                let cold_found_more = !matches!(
                    result.verdict,
                    Verdict::NotReproduced | Verdict::NonDeterministic
                );
                if let Some(what) = unsure.filter(|_| cold_found_more && stopped.is_none()) {
                    context
                        .warmth
                        .disagree(format!("{what}, but cold probes did"));
                }
                return Ok(stopped);
            }
            Attempt::Disagreed(what) => context.warmth.disagree(what),
            Attempt::Stale(what) => context.reuse.set_aside(what),
            Attempt::Unsure(what) => {
                context.warmth.give_up(&format!("{what}; checking cold"));
                unsure = Some(what);
            }
        }
        let probes = result.probes;
        *result = blank.clone();
        result.probes = probes;
        context.reuse.start_over();
    }
}

fn attempt(job: &Job, context: &ProbeContext, result: &mut Bisection) -> Result<Attempt> {
    context.progress.search(
        "reproducing the failing order",
        "searching",
        job.candidates.len(),
    );
    let past = job.past();
    let options = ddmin::Options {
        jobs: job.jobs,
        retries: job.retries,
        ranking: (!past.is_empty()).then(|| rank::rank(&job.candidates, &job.victim, &past)),
    };
    let (search, warm) = run_search(
        context,
        result,
        (&job.candidates, &job.victim),
        (Target::VictimFails, job.failing.seed),
        &options,
    )?;
    match search.verdict {
        Search::Interrupted { smallest_failing } => {
            return Ok(Attempt::Done(Some(Interrupted {
                smallest_failing: smallest_failing.map(|set| {
                    let mut order = pick(&job.candidates, &set);
                    order.push(job.victim.clone());
                    order
                }),
                victim: job.victim.clone(),
            })));
        }
        Search::NotReproduced { .. } | Search::NonDeterministic { .. } if warm => {
            return Ok(Attempt::Unsure(
                "warm probes did not show the failure following from the order".to_string(),
            ));
        }
        Search::NonDeterministic { .. } if context.reuse.used() => {
            return Ok(Attempt::Stale(
                "one order both failed and passed, counting what recorded runs answered"
                    .to_string(),
            ));
        }
        Search::NotReproduced { tries } => conclude_not_reproduced(job, result, tries),
        Search::NonDeterministic { set, seen } => {
            conclude_non_deterministic(job, result, &job.candidates, &set, seen)
        }
        Search::Minimal { set } => {
            let found = Found {
                run: job.failing.run.as_deref(),
                candidates: &job.candidates,
                set,
                fixed: Trials {
                    hits: search.full.reproduced,
                    misses: search.alone.vanished,
                },
                target: Target::VictimFails,
                seed: job.failing.seed,
                warm,
            };
            match confirm_culprits(job, context, result, &found)? {
                Confirmed::Yes => conclude_polluted(job, context, result, &found.set)?,
                Confirmed::No => {}
                Confirmed::Disagreed(what) => return Ok(Attempt::Disagreed(what)),
                Confirmed::Unsure(what) => return Ok(Attempt::Unsure(what)),
                Confirmed::Stale(what) => return Ok(Attempt::Stale(what)),
            }
        }
        Search::Alone => {
            if warm && !fails_alone_cold(job, context, result)? {
                return Ok(Attempt::Disagreed(format!(
                    "{} failed alone in warm probes but passed alone in a fresh process",
                    job.victim
                )));
            }
            return search_state_setters(job, context, result);
        }
    }
    Ok(Attempt::Done(None))
}

/// ddmin over `candidates` for the tests that give the victim the `target` outcome, its probes
/// and rounds counted into `result`; with whether the probes ran warm.
fn run_search(
    context: &ProbeContext,
    result: &mut Bisection,
    (candidates, victim): (&[String], &str),
    (target, seed): (Target, Option<u64>),
    options: &ddmin::Options,
) -> Result<(ddmin::Bisection, bool)> {
    let mut prober = OrderProber::new(context, candidates, &[], victim, target, seed);
    let warm = prober.warm();
    let search = ddmin::bisect(candidates.len(), options, &mut prober);
    prober.finish()?;
    result.probes += search.probes;
    result.rounds += search.rounds;
    Ok((search, warm))
}

/// The victim alone, in a fresh process: whether it failed.
fn fails_alone_cold(job: &Job, context: &ProbeContext, result: &mut Bisection) -> Result<bool> {
    let mut prober = OrderProber::new(
        context,
        &job.candidates,
        &[],
        &job.victim,
        Target::VictimFails,
        job.failing.seed,
    )
    .cold();
    let failed = prober.probe(&[Vec::new()]);
    prober.finish()?;
    if prober.interrupted() {
        return Err(Error::interrupted(
            "interrupted while running the victim alone; run the same command again",
        ));
    }
    result.probes += 1;
    Ok(failed == [true])
}

fn pick(candidates: &[String], set: &[usize]) -> Vec<String> {
    set.iter().map(|&i| candidates[i].clone()).collect()
}

fn conclude_not_reproduced(job: &Job, result: &mut Bisection, tries: usize) {
    let tries = if tries == 1 {
        "when replayed".to_string()
    } else {
        format!("on all {tries} tries")
    };
    let isolated = job.position - job.candidates.len();
    result.verdict = Verdict::NotReproduced;
    result.evidence = Some(if isolated == 0 {
        format!(
            "the failing order of {} passed {tries}: the failure did not come back in that \
             order, so it depends on something other than the tests before it (timing, randomness, \
             the network, or another copy of the suite running at the same time)",
            count(job.candidates.len() + 1, "test")
        )
    } else {
        format!(
            "the failing order passed {tries} without the {} the {} runner keeps apart from the \
             victim (other files or packages): either the failure is non-deterministic, or state \
             leaked where the runner does not isolate (a database, files, shared native modules)",
            count(isolated, "test"),
            job.adapter.name()
        )
    });
}

fn conclude_non_deterministic(
    job: &Job,
    result: &mut Bisection,
    candidates: &[String],
    set: &[usize],
    seen: Counts,
) {
    let mut order = pick(candidates, set);
    order.push(job.victim.clone());
    result.verdict = Verdict::NonDeterministic;
    result.evidence = Some(format!(
        "one and the same order of {} ({}) failed {} and passed {}: the victim's result \
         does not follow from the order, so no test before it can be blamed",
        count(order.len(), "test"),
        probe_summary(&order),
        times(seen.reproduced),
        times(seen.vanished)
    ));
    result.same_order = Some(SameOrder {
        order,
        failed: seen.reproduced,
        passed: seen.vanished,
    });
}

fn probe_summary(order: &[String]) -> String {
    match order {
        [victim] => format!("{victim} alone"),
        [first, victim] => format!("{first} then {victim}"),
        [first, .., victim] => format!("{first} … {victim}"),
        [] => String::new(),
    }
}

/// A set the search ended on, with what the fixed orders showed about it.
struct Found<'a> {
    /// The recorded run whose order was searched.
    run: Option<&'a str>,
    candidates: &'a [String],
    set: Vec<usize>,
    fixed: Trials,
    target: Target,
    seed: Option<u64>,
    /// The search ran warm: the confirmation must include a cold run of the set then the
    /// victim, and a cold run that goes the other way is a disagreement, not chance.
    warm: bool,
}

enum Confirmed {
    Yes,
    /// Chance could explain the verdict: it is `non-deterministic`, with the counts.
    No,
    Disagreed(String),
    /// Warm probes contradicted each other: done again cold before anything is concluded.
    Unsure(String),
    /// Runs made now contradicted recorded runs: done again without them.
    Stale(String),
}

/// Runs the set then the victim, and the victim alone, each in a fresh process, until chance can
/// no longer explain the verdict (see `confirm`).
fn confirm_culprits(
    job: &Job,
    context: &ProbeContext,
    result: &mut Bisection,
    found: &Found,
) -> Result<Confirmed> {
    context.progress.phase("confirming");
    let culprits = pick(found.candidates, &found.set);
    let mut claim = claim_with_history(job, context, found, &culprits);
    let searched = searched_how(job, context, found, &culprits)?;
    let reused_before = context.reuse.reused();
    let (believed, tally) = probe_until_settled(job, context, found, searched, &mut claim)?;
    result.probes += tally.probes;
    let outcome_word = if found.target == Target::VictimFails {
        "fails"
    } else {
        "passes"
    };
    if let Some(again) = contradicted(job, context, found, &culprits, &tally, outcome_word) {
        return Ok(again);
    }
    let confirmation_runs = tally.probes - (context.reuse.reused() - reused_before);
    result.confirmation = Some(Confirmation::new(&claim, confirmation_runs, outcome_word));
    if !believed {
        conclude_unconfirmed(job, result, &culprits, &claim, tally.against, outcome_word);
        return Ok(Confirmed::No);
    }
    Ok(Confirmed::Yes)
}

/// What the fixed orders showed, with the recorded runs the verdict explains as history. From
/// here on the history counts once, as history: none of its runs may answer a confirmation
/// probe.
fn claim_with_history(
    job: &Job,
    context: &ProbeContext,
    found: &Found,
    culprits: &[String],
) -> Claim {
    let recorded = history_evidence(
        &job.history,
        &job.victim,
        culprits,
        found.target == Target::VictimFails,
        |run| found.run == Some(run) || context.reuse.answered(run),
    );
    for past in &job.history {
        context.reuse.bar(&past.run);
    }
    let target_runs = recorded.iter().filter(|r| r.target_outcome).count();
    Claim {
        fixed: found.fixed,
        history: confirm::history_trials(&recorded),
        rate: Rate::observed(target_runs, recorded.len()),
        candidates: found.candidates.len(),
        culprits: culprits.len(),
    }
}

/// How the search ran the reproducer's order, which decides what the confirmation must run cold.
fn searched_how(
    job: &Job,
    context: &ProbeContext,
    found: &Found,
    culprits: &[String],
) -> Result<Searched> {
    let mut order = culprits.to_vec();
    order.push(job.victim.clone());
    Ok(if found.warm {
        Searched::Warm
    } else if job.adapter.plain_replay(&job.replay, &order)?.is_some() || !context.reuse.ran(&order)
    {
        Searched::OtherCommand
    } else {
        Searched::Printed
    })
}

/// Confirmation probes, round after round, until chance no longer explains the claim (true), no
/// reasonable number of probes would do, or a probe went against it (false).
fn probe_until_settled(
    job: &Job,
    context: &ProbeContext,
    found: &Found,
    searched: Searched,
    claim: &mut Claim,
) -> Result<(bool, Tally)> {
    let prober = |cold: bool| {
        let prober = OrderProber::new(
            context,
            found.candidates,
            &[],
            &job.victim,
            found.target,
            found.seed,
        );
        if cold { prober.cold() } else { prober }
    };
    let mut cold_prober = prober(true);
    let mut warm_prober = prober(false);
    let mut tally = Tally::default();
    let believed = loop {
        let Some(needed) = claim.still_needed() else {
            break false;
        };
        let (cold, warm) = split_cold(needed, searched, tally.cold);
        if cold == Trials::default() && warm == Trials::default() {
            break true;
        }
        for (prober, trials, is_cold) in [
            (&mut cold_prober, cold, true),
            (&mut warm_prober, warm, false),
        ] {
            run_confirmations(prober, found, trials, job.jobs, is_cold, claim, &mut tally)?;
        }
        if tally.against != Trials::default() {
            break false;
        }
    };
    Ok((believed, tally))
}

/// Confirmation probes that went against the search because its answers cannot be trusted
/// (recorded runs, or warm probes), rather than by chance: the search is done again.
fn contradicted(
    job: &Job,
    context: &ProbeContext,
    found: &Found,
    culprits: &[String],
    tally: &Tally,
    outcome_word: &str,
) -> Option<Confirmed> {
    let order = || probe_summary(&[culprits.to_vec(), vec![job.victim.clone()]].concat());
    // Runs made now that go against records may mean the code changed since: the records go
    // before the warm probes are doubted.
    if context.reuse.used() && tally.against != Trials::default() {
        return Some(Confirmed::Stale(format!(
            "the search, reading recorded runs, found the victim {outcome_word} after {}; run \
             now, {} went the other way {} and the victim alone {}",
            culprits.join(" + "),
            order(),
            times(tally.against.hits),
            times(tally.against.misses)
        )));
    }
    if found.warm && tally.against_cold != Trials::default() {
        return Some(Confirmed::Disagreed(format!(
            "warm probes found the victim {outcome_word} after {}; in fresh processes, {} \
             went the other way {} and the victim alone {}",
            culprits.join(" + "),
            order(),
            times(tally.against_cold.hits),
            times(tally.against_cold.misses)
        )));
    }
    if found.warm && tally.against != Trials::default() {
        return Some(Confirmed::Unsure(
            "warm confirmation probes went against the warm search".to_string(),
        ));
    }
    None
}

/// The recorded runs of the victim as evidence for `culprits`, leaving out those `counted`
/// already: the run the searched order came from, which was picked for its outcome, and the
/// runs that answered a probe, which count among the probes.
fn history_evidence(
    history: &[Past],
    victim: &str,
    culprits: &[String],
    target_failure: bool,
    counted: impl Fn(&str) -> bool,
) -> Vec<Recorded> {
    history
        .iter()
        .filter(|past| !counted(&past.run))
        .filter_map(|past| {
            let at = past.order.iter().position(|id| id == victim)?;
            Some(Recorded {
                culprits_before: culprits.iter().all(|c| past.order[..at].contains(c)),
                target_outcome: past.victim_failed == target_failure,
            })
        })
        .collect()
}

/// What the confirmation probes showed so far.
#[derive(Default)]
struct Tally {
    probes: usize,
    /// Probes that went against the verdict, and those of them that ran cold.
    against: Trials,
    against_cold: Trials,
    /// Cold probes that went as the verdict says.
    cold: Trials,
}

/// What the search's probes ran, beside the commands bleed prints.
#[derive(Clone, Copy)]
enum Searched {
    /// The printed commands themselves, each in a fresh process.
    Printed,
    /// The replay command, each in a fresh process, where bleed prints a plain one; or the
    /// printed commands, but the reproducer's order only ever answered by a recorded run.
    OtherCommand,
    Warm,
}

/// The confirmation probes `needed`, split into those that must run cold and those that may run
/// warm. Unless the search ran the printed commands themselves, the first run of the
/// reproducer's order is cold (and, after a warm search, the first of the victim alone): the
/// commands bleed prints must have shown the verdict as a person will run them. After a cold
/// search, all are cold.
fn split_cold(needed: Trials, searched: Searched, cold_so_far: Trials) -> (Trials, Trials) {
    let first_hit = usize::from(cold_so_far.hits == 0);
    match searched {
        Searched::Printed => (needed, Trials::default()),
        Searched::OtherCommand => (
            Trials {
                hits: needed.hits.max(first_hit),
                misses: needed.misses,
            },
            Trials::default(),
        ),
        Searched::Warm => {
            let cold = Trials {
                hits: first_hit,
                misses: usize::from(cold_so_far.misses == 0 && needed.misses > 0),
            };
            let warm = Trials {
                hits: needed.hits.saturating_sub(cold.hits),
                misses: needed.misses - cold.misses,
            };
            (cold, warm)
        }
    }
}

/// Runs `trials` confirmation probes (culprits then victim, and the victim alone) and counts
/// what they showed.
fn run_confirmations(
    prober: &mut OrderProber,
    found: &Found,
    trials: Trials,
    jobs: usize,
    cold: bool,
    claim: &mut Claim,
    tally: &mut Tally,
) -> Result<()> {
    let mut subsets = vec![found.set.clone(); trials.hits];
    subsets.extend(std::iter::repeat_n(Vec::new(), trials.misses));
    for round in subsets.chunks(jobs.max(1)) {
        let answers = prober.probe(round);
        prober.finish()?;
        if prober.interrupted() {
            return Err(Error::interrupted(format!(
                "interrupted while confirming what the search found, not yet confirmed: {} \
                 before the victim; run the same command again",
                pick(found.candidates, &found.set).join(" + ")
            )));
        }
        tally.probes += round.len();
        for (subset, shown) in round.iter().zip(answers) {
            let (went, against) = match (subset.is_empty(), shown) {
                (false, true) => (&mut claim.fixed.hits, None),
                (true, false) => (&mut claim.fixed.misses, None),
                (false, false) => (&mut tally.against.hits, Some(true)),
                (true, true) => (&mut tally.against.misses, Some(false)),
            };
            *went += 1;
            match (cold, against) {
                (true, Some(true)) => tally.against_cold.hits += 1,
                (true, Some(false)) => tally.against_cold.misses += 1,
                (true, None) if subset.is_empty() => tally.cold.misses += 1,
                (true, None) => tally.cold.hits += 1,
                (false, _) => {}
            }
        }
    }
    Ok(())
}

/// The confirmation went against the verdict, or could not rule chance out.
fn conclude_unconfirmed(
    job: &Job,
    result: &mut Bisection,
    culprits: &[String],
    claim: &Claim,
    against: Trials,
    outcome: &str,
) {
    result.verdict = Verdict::NonDeterministic;
    let mut order = culprits.to_vec();
    order.push(job.victim.clone());
    let (shown, opposite) = if outcome == "fails" {
        ("failed", "passed")
    } else {
        ("passed", "failed")
    };
    result.evidence = Some(format!(
        "the search ended on {} before the victim, but it cannot be blamed: that order {shown} {} \
         and {opposite} {}, and the victim alone {opposite} {} and {shown} {}; a victim that {outcome} \
         at random would show this with a chance of {}",
        culprits.join(" + "),
        times(claim.fixed.hits),
        times(against.hits),
        times(claim.fixed.misses),
        times(against.misses),
        percent(claim.chance())
    ));
    if against.hits > 0 {
        result.same_order = Some(SameOrder {
            order,
            failed: if outcome == "fails" {
                claim.fixed.hits
            } else {
                against.hits
            },
            passed: if outcome == "fails" {
                against.hits
            } else {
                claim.fixed.hits
            },
        });
    }
}

/// Cleaners and the reproducer for a confirmed set of polluters.
fn conclude_polluted(
    job: &Job,
    context: &ProbeContext,
    result: &mut Bisection,
    set: &[usize],
) -> Result<()> {
    let polluters = pick(&job.candidates, set);
    result.verdict = Verdict::Polluted;
    let mut order = polluters.clone();
    order.push(job.victim.clone());
    let (reproducer, script) = job.reproducer(order, job.failing.seed)?;
    result.reproducer = Some(reproducer);
    result.script = script;
    result.polluters = job.located(&polluters);
    if !job.cleaners {
        return Ok(());
    }
    context.progress.phase("looking for cleaners");
    // The polluters stand on their own: a cleaner search that cannot go on only leaves the
    // cleaners unknown.
    match find_cleaners(job, context, &polluters) {
        Ok(found) => {
            result.cleaners = job.located(&found.cleaners);
            result.cleaner_probes = found.probes;
            result.cleaned_by_any = found.by_any;
        }
        Err(error) if error.code != ExitCode::Interrupted => {
            progress::warn(&format!("the search for cleaners stopped: {error}"));
        }
        Err(error) => return Err(error),
    }
    Ok(())
}

/// What the cleaner search found.
struct Cleaners {
    cleaners: Vec<String>,
    probes: usize,
    /// Set when every test tried cleaned: how many could have sat between.
    by_any: Option<usize>,
}

fn find_cleaners(job: &Job, context: &ProbeContext, polluters: &[String]) -> Result<Cleaners> {
    let past = job.past();
    let candidates = rank::cleaner_candidates(polluters, &job.victim, &past);
    if job.replay.has(Placeholder::Seed) {
        let (cleaners, probes) =
            cleaners_under_recorded_seeds(context, &candidates, polluters, job)?;
        return Ok(Cleaners {
            cleaners,
            probes,
            by_any: None,
        });
    }
    // Its probes are counted apart, as runs: orders made up of polluters, a few candidates and
    // the victim are seldom recorded anyway.
    let mut prober = OrderProber::new(
        context,
        &candidates,
        polluters,
        &job.victim,
        Target::VictimFails,
        job.failing.seed,
    )
    .fresh();
    // A cleaner is believed only when it cleaned on a second try too: a failure that vanished
    // once may have vanished by chance.
    let retries = job.retries.max(1);
    let (sample, sampled) =
        ddmin::every_one_cleans(candidates.len(), job.jobs, retries, &mut prober);
    if let Some(sample) = sample {
        prober.finish()?;
        return Ok(Cleaners {
            cleaners: pick(&candidates, &sample),
            probes: sampled,
            by_any: Some(candidates.len()),
        });
    }
    let (found, probes) = ddmin::find_cleaners(candidates.len(), job.jobs, retries, &mut prober);
    prober.finish()?;
    Ok(Cleaners {
        cleaners: pick(&candidates, &found),
        probes: sampled + probes,
        by_any: None,
    })
}

/// The victim fails alone: search a recorded order where it passed for its state-setters.
fn search_state_setters(
    job: &Job,
    context: &ProbeContext,
    result: &mut Bisection,
) -> Result<Attempt> {
    let Some((before, passing_seed, passing_run)) = latest_passing_order(job) else {
        result.verdict = Verdict::FailsAlone;
        result.evidence = Some(
            "the victim fails when run alone, and no recorded run shows it passing after other \
             tests: hunt more, or it is simply broken"
                .to_string(),
        );
        return Ok(Attempt::Done(None));
    };
    // Picked because the victim passed in it, the passing run is no evidence of that.
    context.reuse.bar(&passing_run);
    context.progress.search(
        "reproducing the passing order",
        "searching for state-setters",
        before.len(),
    );
    let options = ddmin::Options {
        jobs: job.jobs,
        retries: job.retries,
        ranking: None,
    };
    let (setters, warm) = run_search(
        context,
        result,
        (&before, &job.victim),
        (Target::VictimPasses, passing_seed),
        &options,
    )?;
    result.candidates = before.len();
    match setters.verdict {
        Search::Minimal { set } => {
            let found = Found {
                run: Some(passing_run.as_str()),
                candidates: &before,
                set,
                fixed: Trials {
                    hits: setters.full.reproduced,
                    misses: setters.alone.vanished,
                },
                target: Target::VictimPasses,
                seed: passing_seed,
                warm,
            };
            if let Some(again) = conclude_state_setters(job, context, result, &found)? {
                return Ok(again);
            }
        }
        Search::Interrupted { .. } => {
            return Ok(Attempt::Done(Some(Interrupted {
                smallest_failing: None,
                victim: job.victim.clone(),
            })));
        }
        _ if warm => {
            return Ok(Attempt::Unsure(
                "warm probes found no tests that make the victim pass".to_string(),
            ));
        }
        _ if context.reuse.used() => {
            return Ok(Attempt::Stale(
                "no tests that make the victim pass were found, counting what recorded runs \
                 answered"
                    .to_string(),
            ));
        }
        Search::NonDeterministic { set, seen } => {
            conclude_non_deterministic(job, result, &before, &set, seen)
        }
        _ => {
            result.verdict = Verdict::NonDeterministic;
            result.evidence = Some(
                "the victim failed alone, yet failed again in a recorded order where it had \
                 passed: the same order gives different results, so its result does not follow \
                 from the order"
                    .to_string(),
            );
        }
    }
    Ok(Attempt::Done(None))
}

/// The state-setters the search ended on, confirmed: brittle when they are. Some(..) when the
/// confirmation found the search's answers untrustworthy and it must be done again.
fn conclude_state_setters(
    job: &Job,
    context: &ProbeContext,
    result: &mut Bisection,
    found: &Found,
) -> Result<Option<Attempt>> {
    match confirm_culprits(job, context, result, found)? {
        Confirmed::Yes => {
            let setters = pick(found.candidates, &found.set);
            result.verdict = Verdict::Brittle;
            let mut order = setters.clone();
            order.push(job.victim.clone());
            let (reproducer, script) = job.reproducer(order, found.seed)?;
            result.reproducer = Some(reproducer);
            result.script = script;
            result.state_setters = job.located(&setters);
            Ok(None)
        }
        Confirmed::No => Ok(None),
        Confirmed::Disagreed(what) => Ok(Some(Attempt::Disagreed(what))),
        Confirmed::Unsure(what) => Ok(Some(Attempt::Unsure(what))),
        Confirmed::Stale(what) => Ok(Some(Attempt::Stale(what))),
    }
}

/// The tests before the victim in the latest recorded run where it passed, with that run's seed
/// and id.
fn latest_passing_order(job: &Job) -> Option<(Vec<String>, Option<u64>, String)> {
    job.runs
        .iter()
        .rev()
        .filter(|r| r.status == RunStatus::Ok)
        .find_map(|r| {
            let at = r
                .results
                .iter()
                .position(|t| t.id == job.victim && t.outcome.is_pass())?;
            let before: Vec<String> = r.results[..at]
                .iter()
                .map(|t| t.id.clone())
                .filter(|id| !job.adapter.isolated(id, &job.victim))
                .collect();
            (!before.is_empty()).then(|| (before, r.seed, r.id.clone()))
        })
}

/// Cleaners for runners that replay only sub-orders of a seeded order (go test, Jest): each
/// candidate is probed alone between the polluters and the victim, under the seed of a recorded
/// passing run where it sat there, since the failing run's seed put it elsewhere. A candidate
/// that cleaned is probed once more before it is believed.
fn cleaners_under_recorded_seeds(
    context: &ProbeContext,
    candidates: &[String],
    polluters: &[String],
    job: &Job,
) -> Result<(Vec<String>, usize)> {
    let mut cleaners = Vec::new();
    let mut probes = 0;
    for candidate in candidates.iter().take(MAX_SEEDED_CLEANER_PROBES) {
        let Some((seed, ordered_polluters)) =
            seed_placing_between(&job.runs, candidate, polluters, &job.victim)
        else {
            continue;
        };
        let single = std::slice::from_ref(candidate);
        let mut prober = OrderProber::new(
            context,
            single,
            &ordered_polluters,
            &job.victim,
            Target::VictimFails,
            Some(seed),
        )
        .fresh();
        let mut cleaned = true;
        for _ in 0..2 {
            let still_fails = prober.probe(&[vec![0]]);
            prober.finish()?;
            probes += 1;
            if still_fails == [true] {
                cleaned = false;
                break;
            }
        }
        if cleaned {
            cleaners.push(candidate.clone());
        }
    }
    Ok((cleaners, probes))
}

/// A recorded passing run's seed under which `candidate` sat between all the polluters and the
/// victim, with the polluters in the order that run gave them (the order its seed keeps).
fn seed_placing_between(
    runs: &[RunRecord],
    candidate: &str,
    polluters: &[String],
    victim: &str,
) -> Option<(u64, Vec<String>)> {
    runs.iter()
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
        })
}

/// Each candidate costs a probe of its own under a seeded replay; the most frequent few are
/// where cleaners are found.
const MAX_SEEDED_CLEANER_PROBES: usize = 8;

#[cfg(test)]
mod tests {
    use super::*;

    fn history(runs: &[(&[&str], bool)]) -> Vec<Past> {
        runs.iter()
            .enumerate()
            .map(|(i, (order, failed))| Past {
                order: order.iter().map(|s| s.to_string()).collect(),
                victim_failed: *failed,
                run: format!("r{i}"),
            })
            .collect()
    }

    #[test]
    fn a_warm_search_is_confirmed_by_one_cold_run_of_each_printed_command() {
        let t = |hits, misses| Trials { hits, misses };
        // Nothing more needed by chance: still one cold run of the reproducer's order.
        assert_eq!(
            split_cold(t(0, 0), Searched::Warm, t(0, 0)),
            (t(1, 0), t(0, 0))
        );
        // The first of each kind cold, the rest warm.
        assert_eq!(
            split_cold(t(3, 2), Searched::Warm, t(0, 0)),
            (t(1, 1), t(2, 1))
        );
        assert_eq!(
            split_cold(t(2, 2), Searched::Warm, t(1, 1)),
            (t(0, 0), t(2, 2))
        );
        // After a cold search everything is cold.
        assert_eq!(
            split_cold(t(3, 2), Searched::Printed, t(0, 0)),
            (t(3, 2), t(0, 0))
        );
        assert_eq!(
            split_cold(t(0, 0), Searched::Printed, t(0, 0)),
            (t(0, 0), t(0, 0))
        );
    }

    #[test]
    fn a_plain_reproducer_the_search_did_not_run_is_run_cold_once() {
        let t = |hits, misses| Trials { hits, misses };
        assert_eq!(
            split_cold(t(0, 0), Searched::OtherCommand, t(0, 0)),
            (t(1, 0), t(0, 0))
        );
        assert_eq!(
            split_cold(t(2, 1), Searched::OtherCommand, t(0, 0)),
            (t(2, 1), t(0, 0))
        );
        assert_eq!(
            split_cold(t(0, 0), Searched::OtherCommand, t(1, 0)),
            (t(0, 0), t(0, 0))
        );
    }

    /// A hunt run where the victim ran first answers the bisection's "victim alone" probe; it is
    /// then one probe's outcome, and the same run counted in the history too would be one run
    /// counted twice.
    #[test]
    fn a_run_that_answered_a_probe_is_not_counted_again_as_history() {
        let history = history(&[
            (&["p", "v"], true),
            (&["v", "p"], false),
            (&["a", "v"], false),
        ]);
        let culprits = vec!["p".to_string()];
        let all = history_evidence(&history, "v", &culprits, true, |_| false);
        assert_eq!(all.len(), 3);
        let spent = ["r0", "r1"];
        let left = history_evidence(&history, "v", &culprits, true, |run| spent.contains(&run));
        assert_eq!(
            left,
            vec![Recorded {
                culprits_before: false,
                target_outcome: false
            }]
        );
    }

    #[test]
    fn a_verdict_is_named_as_in_the_json() {
        for verdict in [
            Verdict::Polluted,
            Verdict::Brittle,
            Verdict::NotReproduced,
            Verdict::FailsAlone,
            Verdict::NonDeterministic,
        ] {
            assert_eq!(serde_json::json!(verdict), verdict.name());
        }
    }

    #[test]
    fn retries_are_automatic_only_when_no_single_test_explains_the_failures() {
        let candidates: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let explained = history(&[(&["a", "v"], true), (&["b", "v"], false)]);
        assert_eq!(automatic_retries(&candidates, "v", &explained), 0);
        let random = history(&[
            (&["a", "v"], true),
            (&["b", "v"], true),
            (&["a", "v"], false),
        ]);
        assert_eq!(automatic_retries(&candidates, "v", &random), 1);
        assert_eq!(automatic_retries(&candidates, "v", &[]), 0);
    }
}
