//! `bleed hunt`: run the suite under a sequence of seeds, record every run, report the flips,
//! and tell what kind each one is.
//!
//! The phases: open the hunt (adapter, store, master seed, what is left to run); learn the
//! orders (for runners bleed shuffles); the first run alone (a typo breaks every run the same
//! way); the rest over `--jobs` workers; the confirmation runs that classify each flip
//! (`classify`), one at a time so that nothing else runs beside them; the summary.

use std::borrow::Borrow;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::classify::{self, Check, Checked, Kind, Observed, Step};
use crate::error::{Error, ExitCode, Result};
use crate::exec;
use crate::flips::{self, Analysis};
use crate::human;
use crate::interrupt;
use crate::outcome::TestResult;
use crate::progress::{self, Progress};
use crate::run::{self, Ended, Planned};
use crate::runner::{self, Adapter};
use crate::seed;
use crate::shard::Shard;
use crate::store::{self, RunRecord, RunStatus, SCHEMA, Store};
use crate::template::{Placeholder, Template, quote};
use crate::warm::{Probing, Warmth};

pub struct Settings {
    pub template: Template,
    /// For the generic runner: the command that runs `<tests>` in order, to run a test alone.
    pub replay: Option<Template>,
    /// The hunt's total: runs already recorded count towards it.
    pub runs: u64,
    /// Make only this shard's share of the runs (`--shard`); the other shards make the rest.
    pub shard: Option<Shard>,
    pub jobs: usize,
    pub master_seed: Option<u64>,
    pub timeout: Option<Duration>,
    pub runner: Option<String>,
    /// Run the confirmation runs that classify each flip.
    pub confirm: bool,
    pub store: PathBuf,
    /// Boot the suite once and fork a run per seed (docs/warm.md).
    pub warm: bool,
}

impl Settings {
    /// `bleed bisect` with what bisecting this hunt's runs needs said again: the store when it
    /// is not the default, a forced runner, and the command that replays an explicit order.
    pub fn bisect_command(&self, program: &str) -> String {
        let mut words = vec![program.to_string(), "bisect".to_string()];
        if self.store != Path::new(store::DEFAULT_ROOT) {
            words.extend([
                "--store".to_string(),
                quote(&self.store.display().to_string()),
            ]);
        }
        if let Some(runner) = &self.runner {
            words.extend(["--runner".to_string(), runner.clone()]);
        }
        if let Some(replay) = &self.replay {
            words.extend(["--replay-cmd".to_string(), quote(replay.as_str())]);
        }
        words.join(" ")
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RunCounts {
    /// Runs asked for: `--runs`, or a shard's share of them.
    pub asked: u64,
    pub total: usize,
    pub ok: usize,
    pub broken: usize,
    pub timed_out: usize,
    /// Confirmation runs recorded for this hunt, in `.bleed/confirmations.jsonl`.
    pub confirmations: usize,
}

/// A run killed by the timeout: a finding, since a test may hang only in some orders.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TimedOut {
    pub seed: u64,
    pub run: String,
    /// Tests the run had finished when it was killed.
    pub finished: usize,
    /// The test that was running, when the order is known (bleed's own shuffles), else the
    /// last one that finished.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub running: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_finished: Option<String>,
    /// The run's output, relative to the store.
    pub log: String,
}

#[derive(Debug, Serialize)]
pub struct Hunt {
    pub master_seed: u64,
    /// The command as the user gave it.
    pub command: String,
    pub runner: String,
    pub runs: RunCounts,
    /// The share of the hunt these runs are, for a sharded hunt: what was counted and analysed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardShare>,
    #[serde(flatten)]
    pub analysis: Analysis,
    pub timeouts: Vec<TimedOut>,
    /// Groups of tests the runner's report cannot tell apart: their ids follow the order they
    /// ran, so their flips may mix them up.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub indistinguishable: Vec<Vec<String>>,
    /// Runs made by this invocation (the rest were recorded before).
    pub new_runs: usize,
    /// How this invocation's runs went with `--warm`: warm and cold counts, and why warm runs
    /// stopped if they did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warm: Option<Probing>,
    pub interrupted: bool,
    pub store: PathBuf,
}

impl Hunt {
    /// 0 only when every run asked for gave results and no test failed.
    pub fn exit_code(&self) -> ExitCode {
        let runs = self.runs;
        let clean = self.analysis.flips.is_empty()
            && self.analysis.always_failing.is_empty()
            && runs.broken == 0
            && runs.timed_out == 0
            && runs.ok as u64 >= runs.asked;
        if clean {
            ExitCode::Success
        } else {
            ExitCode::NeedsAttention
        }
    }
}

/// Which shard of how long a hunt a sharded hunt's result covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ShardShare {
    /// The shard, counted from 1 as `--shard K/N` counts.
    pub k: u64,
    pub n: u64,
    /// The whole hunt's runs (`--runs`), of which this shard makes `runs.asked`.
    pub hunt_runs: u64,
}

/// A confirmation run as kept in `.bleed/confirmations.jsonl`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Confirmation {
    pub schema: u32,
    pub check: Check,
    pub run: RunRecord,
}

pub(crate) const CONFIRMATIONS_FILE: &str = "confirmations.jsonl";

/// The most confirmation runs one invocation makes: the rest of the flips stay unconfirmed
/// until the hunt is run again.
const MAX_CONFIRMATIONS: usize = 60;

pub fn hunt(settings: &Settings) -> Result<Hunt> {
    let mut hunting = open(settings)?;
    let progress = Progress::new(progress::HUNT, Some(hunting.todo.len() as u64));
    let mut state = State::default();
    first_run(&hunting, &progress, &mut state)?;
    if !state.interrupted {
        pool(&hunting, &progress, &mut state)?;
    }
    progress.finish();
    state.interrupted |= interrupt::requested();
    hunting.recorded.append(&mut state.records);
    // The natural-order run of a bleed-shuffled hunt only lists the tests: it has no seed to
    // replay, so it is neither counted nor analysed.
    hunting.recorded.retain(|r| r.index.is_some());
    let mut analysis = flips::analyse(
        hunting
            .recorded
            .iter()
            .filter(|r| r.status == RunStatus::Ok)
            .filter_map(|r| Some((r.seed?, r.results.as_slice()))),
    );
    let confirmations = if state.interrupted {
        hunting.load_confirmations()?
    } else {
        confirm(&hunting, &mut analysis, &mut state)?
    };
    classify_all(&hunting, &mut analysis, &confirmations, &state);
    Ok(Hunt {
        master_seed: hunting.master_seed,
        command: settings.template.as_str().to_string(),
        runner: hunting.adapter.name().to_string(),
        runs: count(
            &hunting.recorded,
            settings
                .shard
                .map_or(settings.runs, |s| s.share(settings.runs)),
            confirmations.len(),
        ),
        shard: settings.shard.map(|shard| ShardShare {
            k: shard.k(),
            n: shard.n(),
            hunt_runs: settings.runs,
        }),
        warm: settings.warm.then(|| hunting.warmth.report()),
        timeouts: timeouts(&hunting),
        indistinguishable: hunting
            .recorded
            .iter()
            .rev()
            .find(|r| r.status == RunStatus::Ok)
            .map(|r| hunting.adapter.indistinguishable(&r.results))
            .unwrap_or_default(),
        analysis,
        new_runs: state.new_runs,
        interrupted: state.interrupted || interrupt::requested(),
        store: hunting.store.root().to_path_buf(),
    })
}

/// What one invocation of the hunt has done so far.
#[derive(Default)]
struct State {
    records: Vec<RunRecord>,
    new_runs: usize,
    interrupted: bool,
    /// Why confirmation stopped short, when it did.
    unconfirmed_because: Option<String>,
}

/// The hunt as settled before its first run.
struct Hunting<'a> {
    settings: &'a Settings,
    adapter: Box<dyn Adapter>,
    command: Template,
    store: Store,
    master_seed: u64,
    tag: String,
    recorded: Vec<RunRecord>,
    todo: Vec<u64>,
    /// For runners bleed shuffles: the replay command and the groups of tests it shuffles.
    shuffled: Option<(Template, Vec<Vec<String>>)>,
    warmth: Warmth,
}

fn open(settings: &Settings) -> Result<Hunting<'_>> {
    let user_template = settings.template.as_str();
    runner::check_program(user_template)?;
    let adapter = runner::select(user_template, settings.runner.as_deref())?;
    let command = adapter.hunt_command(&settings.template)?;
    let store = Store::open(&settings.store)?;
    let loaded = store.load_runs()?;
    for warning in &loaded.warnings {
        progress::warn(warning);
    }
    let master_seed = choose_master_seed(settings.master_seed, user_template, &loaded.records);
    // A shard counts and analyses its own share, whatever else the store holds; the run in the
    // runner's own order (no index) lists the tests for every shard.
    let ours = |index: u64| settings.shard.is_none_or(|shard| shard.owns(index));
    let recorded: Vec<RunRecord> = loaded
        .records
        .into_iter()
        .filter(|r| r.template == user_template && r.master_seed == Some(master_seed))
        .filter(|r| r.index.is_none_or(ours))
        .collect();
    let done: HashSet<u64> = recorded.iter().filter_map(|r| r.index).collect();
    let todo: Vec<u64> = (0..settings.runs)
        .filter(|&i| ours(i) && !done.contains(&i))
        .collect();
    if !done.is_empty() && !todo.is_empty() {
        let whose = match settings.shard {
            Some(shard) => format!("shard {shard} of the hunt"),
            None => "the hunt".to_string(),
        };
        progress::say(&format!(
            "continuing {whose} with master seed {master_seed}: {} recorded, {} to go",
            human::count(done.len(), "run"),
            todo.len()
        ));
    }
    if !todo.is_empty() {
        runner::checked_version(adapter.as_ref(), &settings.template)?;
    }
    let mut hunting = Hunting {
        settings,
        tag: run::hunt_tag(user_template, master_seed),
        adapter,
        command,
        store,
        master_seed,
        recorded,
        todo,
        shuffled: None,
        warmth: Warmth::cold(),
    };
    hunting.shuffled = shuffled_orders(&hunting)?;
    if settings.warm && !hunting.todo.is_empty() {
        hunting.warmth = boot_once(&hunting);
    }
    Ok(hunting)
}

/// `--warm`: the suite booted once for all of the hunt's runs (docs/warm.md).
fn boot_once(hunting: &Hunting) -> Warmth {
    progress::say("booting the suite once, for warm runs");
    let replay = match &hunting.shuffled {
        Some((replay, _)) => Ok(replay.clone()),
        None => hunting.adapter.replay_command(&hunting.command),
    };
    match replay {
        Ok(replay) => Warmth::start(
            hunting.adapter.as_ref(),
            &hunting.command,
            &replay,
            &hunting.store,
            &hunting.tag,
            hunting.settings.timeout,
        ),
        Err(error) => {
            progress::warn(&format!("no warm runs: {error}; running cold"));
            Warmth::cold()
        }
    }
}

/// A runner with no seeded order of its own gets its orders from bleed: groups of its tests
/// shuffled under each run's seed, replayed as explicit orders. The groups come from a recorded
/// run, else from one run in the runner's own order.
fn shuffled_orders(hunting: &Hunting) -> Result<Option<(Template, Vec<Vec<String>>)>> {
    let command = &hunting.command;
    let shuffled_by_bleed =
        !command.has(Placeholder::Seed) && !command.as_str().contains("BLEED_SEED");
    if !shuffled_by_bleed {
        return Ok(None);
    }
    let natural = match hunting
        .recorded
        .iter()
        .rev()
        .find(|r| r.status == RunStatus::Ok)
    {
        Some(record) => record.results.clone(),
        None if hunting.todo.is_empty() => return Ok(None),
        None => natural_run(hunting)?,
    };
    Ok(Some((
        hunting.adapter.replay_command(command)?,
        shuffle_groups(hunting.adapter.as_ref(), &natural),
    )))
}

impl Hunting<'_> {
    /// The explicit order of run `index`, for runners bleed shuffles.
    fn order_of(&self, index: u64) -> Option<Vec<String>> {
        let (_, groups) = self.shuffled.as_ref()?;
        let mut shuffled = groups.clone();
        seed::shuffle(&mut shuffled, seed::run_seed(self.master_seed, index));
        Some(shuffled.into_iter().flatten().collect())
    }

    fn hunt_command(&self) -> &Template {
        self.shuffled
            .as_ref()
            .map_or(&self.command, |(replay, _)| replay)
    }

    fn run_index(&self, index: u64, worker: usize) -> Result<Ended> {
        let order = self.order_of(index);
        let planned = Planned {
            id: format!("{}-{index}", self.tag),
            adapter: self.adapter.as_ref(),
            user_template: self.settings.template.as_str(),
            command: self.hunt_command(),
            master_seed: Some(self.master_seed),
            index: Some(index),
            seed: Some(seed::run_seed(self.master_seed, index)),
            tests: order.as_deref(),
            worker,
            timeout: self.settings.timeout,
            warmth: Some(&self.warmth),
        };
        run::perform(&planned, &self.store)
    }

    /// The id of the hunt's `number`th confirmation run. A shard's carry the shard, so that the
    /// stores of a hunt's shards merge without two confirmations sharing an id or a log.
    fn confirmation_id(&self, number: usize) -> String {
        match self.settings.shard {
            Some(shard) => format!("{}-s{}of{}-c{number}", self.tag, shard.k(), shard.n()),
            None => format!("{}-c{number}", self.tag),
        }
    }

    fn load_confirmations(&self) -> Result<Vec<Confirmation>> {
        let loaded =
            store::load_records::<Confirmation>(&self.store.root().join(CONFIRMATIONS_FILE))?;
        let template = self.settings.template.as_str();
        Ok(loaded
            .records
            .into_iter()
            .filter(|c| c.run.template == template && c.run.master_seed == Some(self.master_seed))
            .collect())
    }
}

/// A typo in the command breaks every run the same way: find out from the first, alone. A
/// first run killed by the timeout is a finding like any other (a test may hang only in some
/// orders), so the hunt goes on.
fn first_run(hunting: &Hunting, progress: &Progress, state: &mut State) -> Result<()> {
    let has_usable_run = hunting
        .recorded
        .iter()
        .any(|r| r.status != RunStatus::Broken && r.index.is_some());
    let Some(&first) = hunting.todo.first().filter(|_| !has_usable_run) else {
        return Ok(());
    };
    match hunting.run_index(first, 1)? {
        Ended::Interrupted => state.interrupted = true,
        Ended::Recorded(record) => {
            hunting.store.append_run(&record)?;
            if record.status == RunStatus::Broken {
                let which = if hunting.shuffled.is_some() {
                    "the first run in an order of bleed's"
                } else {
                    "the first run"
                };
                return Err(first_run_failed(&record, &hunting.store, which));
            }
            state.new_runs += 1;
            progress.inc();
            state.records.push(*record);
        }
    }
    Ok(())
}

/// The remaining runs over `--jobs` workers, each recorded as it ends.
fn pool(hunting: &Hunting, progress: &Progress, state: &mut State) -> Result<()> {
    let remaining = &hunting.todo[state.new_runs.min(hunting.todo.len())..];
    let (sender, receiver) = mpsc::channel();
    let next = AtomicUsize::new(0);
    let mut flip_watch = FlipWatch::new(hunting.recorded.iter().chain(&state.records));
    std::thread::scope(|scope| -> Result<()> {
        for worker in 1..=hunting.settings.jobs {
            let (sender, next) = (sender.clone(), &next);
            scope.spawn(move || {
                while !interrupt::requested() {
                    let Some(&index) = remaining.get(next.fetch_add(1, Ordering::SeqCst)) else {
                        break;
                    };
                    if sender.send(hunting.run_index(index, worker)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        for ended in receiver {
            match ended? {
                Ended::Interrupted => state.interrupted = true,
                Ended::Recorded(record) => {
                    hunting.store.append_run(&record)?;
                    flip_watch.add(&record);
                    state.new_runs += 1;
                    progress.inc();
                    progress.set_message(flip_watch.summary());
                    state.records.push(*record);
                }
            }
        }
        Ok(())
    })
}

/// The recorded runs as classification sees them, each knowing whether another run of the
/// suite was going on during part of it on the same machine.
fn observed<R: Borrow<RunRecord>>(records: &[R]) -> Vec<Observed<'_>> {
    let spans: Vec<Option<(f64, f64)>> = records.iter().map(|r| span(r.borrow())).collect();
    records
        .iter()
        .map(Borrow::borrow)
        .enumerate()
        .filter(|(_, r)| r.status == RunStatus::Ok)
        .filter_map(|(i, r)| {
            let overlapped = spans[i].is_some_and(|(start, end)| {
                records
                    .iter()
                    .zip(&spans)
                    .enumerate()
                    .any(|(j, (other, span))| {
                        j != i
                            && same_machine(r, other.borrow())
                            && span.is_some_and(|(s, e)| s < end && start < e)
                    })
            });
            Some(Observed {
                seed: r.seed?,
                results: &r.results,
                overlapped,
            })
        })
        .collect()
}

/// Whether two runs may have shared a machine: yes unless both say where they ran.
fn same_machine(a: &RunRecord, b: &RunRecord) -> bool {
    match (&a.host, &b.host) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

/// When a run started and ended, in seconds since the epoch.
fn span(record: &RunRecord) -> Option<(f64, f64)> {
    let started = humantime::parse_rfc3339_weak(&record.started_at).ok()?;
    let start = started
        .duration_since(SystemTime::UNIX_EPOCH)
        .ok()?
        .as_secs_f64();
    Some((start, start + record.wall_seconds))
}

/// Runs the checks that the recorded runs leave in doubt, one at a time, until every flip has
/// a kind, a check cannot be run, or the budget is spent. Returns every confirmation recorded
/// for this hunt.
fn confirm(
    hunting: &Hunting,
    analysis: &mut Analysis,
    state: &mut State,
) -> Result<Vec<Confirmation>> {
    let mut confirmations = hunting.load_confirmations()?;
    if analysis.flips.is_empty() {
        return Ok(confirmations);
    }
    if !hunting.settings.confirm {
        state.unconfirmed_because = Some("--no-confirm was given".to_string());
        return Ok(confirmations);
    }
    let observed = observed(&hunting.recorded);
    let mut made = 0;
    let mut tried: HashMap<Check, usize> = HashMap::new();
    let progress = Progress::new(progress::CONFIRMING, None);
    loop {
        let needed = needed_checks(analysis, &observed, &confirmations);
        // A check that was run and is still needed gave no usable answer (or answered only
        // part); running it again forever would not help.
        let needed: Vec<Check> = needed
            .into_iter()
            .filter(|check| tried.get(check).copied().unwrap_or(0) < 4)
            .collect();
        if needed.is_empty() {
            break;
        }
        for check in needed {
            if made >= MAX_CONFIRMATIONS {
                state.unconfirmed_because = Some(format!(
                    "this hunt made the most confirmation runs one invocation makes \
                     ({MAX_CONFIRMATIONS}); run it again to go on"
                ));
                return Ok(confirmations);
            }
            progress.set_message(describe_check(&check));
            match run_check(hunting, &check, confirmations.len() + 1)? {
                Some(confirmation) => {
                    store::append_record(
                        &hunting.store.root().join(CONFIRMATIONS_FILE),
                        &confirmation,
                    )?;
                    confirmations.push(confirmation);
                    *tried.entry(check).or_default() += 1;
                    made += 1;
                    progress.inc();
                }
                None => {
                    state.interrupted = true;
                    state.unconfirmed_because =
                        Some("the confirmation runs were interrupted".to_string());
                    return Ok(confirmations);
                }
            }
        }
    }
    progress.set_message(String::new());
    progress.finish();
    Ok(confirmations)
}

fn needed_checks(
    analysis: &Analysis,
    observed: &[Observed],
    confirmations: &[Confirmation],
) -> Vec<Check> {
    let checked = checked(confirmations);
    let needed: BTreeSet<Check> = analysis
        .flips
        .iter()
        .filter_map(
            |flip| match classify::assess(&flip.test, observed, &checked) {
                Step::Needs(check, _) => Some(check),
                Step::Done(_) => None,
            },
        )
        .collect();
    needed.into_iter().collect()
}

fn checked(confirmations: &[Confirmation]) -> Vec<Checked<'_>> {
    confirmations
        .iter()
        .map(|c| Checked {
            check: &c.check,
            results: if c.run.status == RunStatus::Ok {
                &c.run.results
            } else {
                &[]
            },
        })
        .collect()
}

fn describe_check(check: &Check) -> String {
    match check {
        Check::Replay { seed } => format!("replaying seed {seed} alone"),
        Check::Alone { test } => format!("running {test} alone"),
    }
}

/// One confirmation run; None when Ctrl-C stopped it.
fn run_check(hunting: &Hunting, check: &Check, number: usize) -> Result<Option<Confirmation>> {
    let tests: Vec<String>;
    let (command, seed, order) = match check {
        Check::Replay { seed } => {
            let index = hunting
                .recorded
                .iter()
                .find(|r| r.seed == Some(*seed))
                .and_then(|r| r.index);
            tests = index.and_then(|i| hunting.order_of(i)).unwrap_or_default();
            let order = hunting.shuffled.is_some().then_some(tests.as_slice());
            (hunting.hunt_command().clone(), Some(*seed), order)
        }
        Check::Alone { test } => {
            tests = vec![test.clone()];
            let seed = hunting
                .recorded
                .iter()
                .filter(|r| r.results.iter().any(|t| t.id == *test))
                .find_map(|r| r.seed);
            (alone_command(hunting)?, seed, Some(tests.as_slice()))
        }
    };
    let planned = Planned {
        id: hunting.confirmation_id(number),
        adapter: hunting.adapter.as_ref(),
        user_template: hunting.settings.template.as_str(),
        command: &command,
        master_seed: Some(hunting.master_seed),
        index: None,
        seed,
        tests: order,
        worker: 1,
        timeout: hunting.settings.timeout,
        warmth: None,
    };
    Ok(match run::perform(&planned, &hunting.store)? {
        Ended::Interrupted => None,
        Ended::Recorded(run) => Some(Confirmation {
            schema: SCHEMA,
            check: check.clone(),
            run: *run,
        }),
    })
}

/// The command that runs one test by itself: the adapter's replay, or `--replay-cmd`.
fn alone_command(hunting: &Hunting) -> Result<Template> {
    match &hunting.settings.replay {
        Some(replay) => Ok(replay.clone()),
        None => hunting.adapter.replay_command(&hunting.command),
    }
}

/// Gives every failing test its kind and evidence, saying why a check it needs was not run.
fn classify_all(
    hunting: &Hunting,
    analysis: &mut Analysis,
    confirmations: &[Confirmation],
    state: &State,
) {
    let cannot_run_alone = alone_command(hunting).err().map(|e| e.message);
    classify_flips(analysis, &hunting.recorded, confirmations, |check| {
        match (check, &cannot_run_alone, &state.unconfirmed_because) {
            (Check::Alone { .. }, Some(reason), _) => {
                format!("bleed cannot run one test by itself here ({reason})")
            }
            (_, _, Some(reason)) => reason.clone(),
            _ => "its confirmation runs gave no usable results".to_string(),
        }
    });
}

/// Gives every failing test of a hunt its kind and evidence from the hunt's runs and
/// confirmation runs, moves the tests that fail alone and in every run to `always_failing`, and
/// orders the rest by kind, then by failure rate. `unconfirmed_because` says why a check that a
/// test still needs was not run.
pub(crate) fn classify_flips<R: Borrow<RunRecord>>(
    analysis: &mut Analysis,
    recorded: &[R],
    confirmations: &[Confirmation],
    unconfirmed_because: impl Fn(&Check) -> String,
) {
    let observed = observed(recorded);
    let checked = checked(confirmations);
    for flip in &mut analysis.flips {
        let classified = match classify::assess(&flip.test, &observed, &checked) {
            Step::Done(classified) => classified,
            Step::Needs(check, evidence) => {
                classify::unconfirmed(evidence, &check, &unconfirmed_because(&check))
            }
        };
        flip.kind = classified.kind;
        flip.evidence = Some(classified.evidence);
    }
    let (broken, flips): (Vec<_>, Vec<_>) = std::mem::take(&mut analysis.flips)
        .into_iter()
        .partition(|flip| flip.kind == Kind::AlwaysFailing);
    analysis.always_failing = broken.into_iter().map(|flip| flip.test).collect();
    analysis.flips = flips;
    analysis.flips.sort_by_key(|flip| {
        Kind::ALL
            .iter()
            .position(|kind| *kind == flip.kind)
            .unwrap_or(Kind::ALL.len())
    });
}

/// The runs killed by the timeout, with the test that was running where that can be known.
fn timeouts(hunting: &Hunting) -> Vec<TimedOut> {
    hunting
        .recorded
        .iter()
        .filter(|r| r.status == RunStatus::Timeout)
        .filter_map(|r| {
            let order = r.index.and_then(|i| hunting.order_of(i));
            Some(TimedOut {
                seed: r.seed?,
                run: r.id.clone(),
                finished: r.results.len(),
                running: r
                    .running
                    .clone()
                    .or_else(|| order.and_then(|o| o.get(r.results.len()).cloned())),
                last_finished: r.results.last().map(|t| t.id.clone()),
                log: r.log.clone(),
            })
        })
        .collect()
}

/// Runs the suite once in the runner's own order, to learn its tests.
fn natural_run(hunting: &Hunting) -> Result<Vec<TestResult>> {
    let planned = Planned {
        id: format!("{}-natural", hunting.tag),
        adapter: hunting.adapter.as_ref(),
        user_template: hunting.settings.template.as_str(),
        command: &hunting.command,
        master_seed: Some(hunting.master_seed),
        index: None,
        seed: None,
        tests: None,
        worker: 1,
        timeout: hunting.settings.timeout,
        warmth: None,
    };
    match run::perform(&planned, &hunting.store)? {
        Ended::Interrupted => Err(Error::interrupted(
            "interrupted while listing the suite's tests; nothing else was run",
        )),
        Ended::Recorded(record) => {
            hunting.store.append_run(&record)?;
            if record.status != RunStatus::Ok {
                return Err(first_run_failed(
                    &record,
                    &hunting.store,
                    "the run in the runner's own order (to list its tests)",
                ));
            }
            Ok(record.results)
        }
    }
}

/// The groups bleed shuffles, in a canonical order (sorted by first test) so that the same
/// seed gives the same order whichever recorded run the groups were read from.
fn shuffle_groups(adapter: &dyn Adapter, natural: &[TestResult]) -> Vec<Vec<String>> {
    let mut groups = adapter.shuffle_units(natural).unwrap_or_else(|| {
        natural
            .iter()
            .map(|result| vec![result.id.clone()])
            .collect()
    });
    groups.sort();
    groups.dedup();
    groups
}

/// The given seed; else the one of the latest hunt of the same command, so that running the
/// same command again continues it; else a fresh one, announced so it can be replayed.
fn choose_master_seed(given: Option<u64>, template: &str, records: &[RunRecord]) -> u64 {
    if let Some(seed) = given {
        return seed;
    }
    if let Some(master) = records
        .iter()
        .rev()
        .filter(|r| r.template == template)
        .find_map(|r| r.master_seed)
    {
        return master;
    }
    let drawn = seed::draw_master_seed();
    progress::say(&format!(
        "master seed {drawn} (pass --seed {drawn} to replay this hunt)"
    ));
    drawn
}

fn count(records: &[RunRecord], asked: u64, confirmations: usize) -> RunCounts {
    let mut counts = RunCounts {
        asked,
        total: records.len(),
        confirmations,
        ..RunCounts::default()
    };
    for record in records {
        match record.status {
            RunStatus::Ok => counts.ok += 1,
            RunStatus::Broken => counts.broken += 1,
            RunStatus::Timeout => counts.timed_out += 1,
        }
    }
    counts
}

fn first_run_failed(record: &RunRecord, store: &Store, which: &str) -> Error {
    let log = store.root().join(&record.log);
    let problem = record.problem.as_deref().unwrap_or("no results");
    let tail = exec::log_tail(&log, 10);
    let indented: String = tail.lines().map(|line| format!("    {line}\n")).collect();
    Error::suite(format!(
        "{which} gave no results ({problem}); check the command by running it yourself:\n    {}\n\
         last lines of its output ({}):\n{}",
        record.command,
        log.display(),
        indented.trim_end()
    ))
}

/// Counts flips as runs arrive, for the progress line.
struct FlipWatch {
    seen: HashMap<String, (bool, bool)>,
    flips: usize,
}

impl FlipWatch {
    fn new<'a>(records: impl Iterator<Item = &'a RunRecord>) -> FlipWatch {
        let mut watch = FlipWatch {
            seen: HashMap::new(),
            flips: 0,
        };
        for record in records {
            watch.add(record);
        }
        watch
    }

    fn add(&mut self, record: &RunRecord) {
        if record.status != RunStatus::Ok {
            return;
        }
        for result in &record.results {
            let (failed, passed) = self.seen.entry(result.id.clone()).or_default();
            let was_flip = *failed && *passed;
            *failed |= result.outcome.is_failure();
            *passed |= result.outcome.is_pass();
            if !was_flip && *failed && *passed {
                self.flips += 1;
            }
        }
    }

    fn summary(&self) -> String {
        match self.flips {
            0 => String::new(),
            n => format!("{} flipped", human::count(n, "test")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(seed: u64, started_at: &str, wall_seconds: f64) -> RunRecord {
        RunRecord {
            schema: SCHEMA,
            id: format!("r{seed}"),
            template: "t".into(),
            runner: "generic".into(),
            master_seed: Some(1),
            index: Some(seed),
            seed: Some(seed),
            command: "t".into(),
            worker: 1,
            started_at: started_at.into(),
            wall_seconds,
            exit_code: Some(0),
            status: RunStatus::Ok,
            problem: None,
            log: "l".into(),
            results: Vec::new(),
            running: None,
            warm: false,
            imported: None,
            host: None,
        }
    }

    #[test]
    fn runs_that_share_time_overlap_and_runs_in_turn_do_not() {
        let records = [
            record(1, "2026-12-01T10:00:00.000Z", 2.0),
            record(2, "2026-12-01T10:00:01.500Z", 2.0),
            record(3, "2026-12-01T10:00:05.000Z", 1.0),
            record(4, "2026-12-01T10:00:06.000Z", 1.0),
        ];
        let overlapped: Vec<bool> = observed(&records).iter().map(|o| o.overlapped).collect();
        assert_eq!(overlapped, vec![true, true, false, false]);
    }

    /// CI nodes hunting shards at the same time do not interfere; two processes on one
    /// machine may, and so may runs recorded before bleed said where they ran.
    #[test]
    fn only_runs_on_the_same_machine_overlap() {
        let on = |host: Option<&str>, started_at: &str| RunRecord {
            host: host.map(str::to_string),
            ..record(1, started_at, 2.0)
        };
        let records = [
            on(Some("node-1/3f2a9c1d"), "2026-12-01T10:00:00.000Z"),
            on(Some("node-2/77b0e412"), "2026-12-01T10:00:01.000Z"),
        ];
        let overlapped: Vec<bool> = observed(&records).iter().map(|o| o.overlapped).collect();
        assert_eq!(overlapped, vec![false, false]);

        let records = [
            on(Some("node-1/3f2a9c1d"), "2026-12-01T10:00:00.000Z"),
            on(Some("node-1/3f2a9c1d"), "2026-12-01T10:00:01.000Z"),
            on(None, "2026-12-01T10:00:05.000Z"),
            on(Some("node-2/77b0e412"), "2026-12-01T10:00:06.000Z"),
        ];
        let overlapped: Vec<bool> = observed(&records).iter().map(|o| o.overlapped).collect();
        assert_eq!(overlapped, vec![true, true, true, true]);
    }
}
