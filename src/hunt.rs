//! `bleed hunt`: run the suite under a sequence of seeds, record every run, report the flips,
//! and tell what kind each one is.
//!
//! The phases: open the hunt (adapter, store, master seed, what is left to run); learn the
//! orders (for runners bleed shuffles); the first run alone (a typo breaks every run the same
//! way); the rest over `--jobs` workers; the confirmation runs that classify each flip
//! (`classify`), one at a time so that nothing else runs beside them; the summary.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::classify::{self, Check, Checked, Kind, Observed, Span, Step};
use crate::coverage::{self, Coverage};
use crate::error::{Error, ExitCode, Result};
use crate::exec;
use crate::flips::{self, Analysis};
use crate::human;
use crate::interrupt;
use crate::order::{Arrangement, Mode};
use crate::outcome::TestResult;
use crate::progress::{self, Progress};
use crate::records::{self, Compact, Names, Ran, ResultRef, Timed, Whole};
use crate::run::{self, Ended, Planned};
use crate::runner::{self, Adapter};
use crate::seed;
use crate::shard::Shard;
use crate::store::{self, FirstRuns, HuntLock, RunRecord, RunStatus, SCHEMA, Store};
use crate::template::{Placeholder, Template, quote};
use crate::warm::{Probing, Warmth};

pub struct Settings {
    pub template: Template,
    /// For the generic runner: the command that runs `<tests>` in order, to run a test alone.
    pub replay: Option<Template>,
    /// The hunt's total: runs already recorded count towards it. None for the order's own
    /// length: `DEFAULT_RUNS`, one reversed run, or a whole pairs schedule.
    pub runs: Option<u64>,
    /// Who chooses the orders.
    pub order: Mode,
    /// Stop after this many runs in a row found no test failing or flipping for the first time.
    pub until_quiet: Option<u64>,
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
    /// Runs that ended with processes still running in their group, which bleed ended.
    #[serde(skip_serializing_if = "is_zero")]
    pub left_running: usize,
    /// Those processes, over all such runs.
    #[serde(skip_serializing_if = "is_zero")]
    pub strays: usize,
}

fn is_zero(count: &usize) -> bool {
    *count == 0
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
    /// Who chose the orders (`--order`).
    pub order: Mode,
    /// What the runner keeps together in the orders bleed chose, when it cannot run them all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept_together: Option<String>,
    pub runs: RunCounts,
    /// With `--until-quiet`: how the hunt stood when it ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quiet: Option<Quiet>,
    /// What the orders run could have missed (see `coverage`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Coverage>,
    /// The runs `--order pairs` needs to put every two tests side by side, where the runner can
    /// run bleed's orders.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pairs_runs: Option<u64>,
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

/// How `--until-quiet` ended a hunt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Quiet {
    /// The runs in a row without news that end the hunt (`--until-quiet K`).
    pub after: u64,
    /// The runs at the end of the hunt that found no test failing or flipping for the first
    /// time.
    pub quiet_runs: u64,
    /// True when the quiet runs ended the hunt before its last run.
    pub stopped_early: bool,
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

/// The stream of the master seed that seeds the run listing a suite whose shuffle bleed cannot
/// turn off.
const LISTING_STREAM: u64 = 0x11_5717;

/// Runs in a hunt when `--runs` is not given, for orders with no length of their own.
pub const DEFAULT_RUNS: u64 = 20;

/// The most runs `--until-quiet` makes when `--runs` is not given.
pub const QUIET_RUNS_CAP: u64 = 500;

pub fn hunt(settings: &Settings) -> Result<Hunt> {
    let mut hunting = open(settings)?;
    let progress = Progress::new(progress::HUNT, Some(hunting.todo.len() as u64));
    let mut state = State::new(&hunting.recorded);
    first_run(&hunting, &progress, &mut state)?;
    if !state.interrupted && !state.quiet(settings) {
        pool(&hunting, &progress, &mut state)?;
    }
    progress.finish();
    state.interrupted |= interrupt::requested();
    hunting.recorded.append(std::mem::take(&mut state.records));
    // The run that lists the suite for the orders bleed chooses has no seed to replay, so it
    // is neither counted nor analysed.
    hunting.recorded.retain(|r| r.index.is_some());
    let mut analysis = flips::analyse(&analysed(&hunting.recorded), &hunting.recorded.names);
    let confirmations = if state.interrupted {
        hunting.load_confirmations(&analysis)?
    } else {
        confirm(&hunting, &mut analysis, &mut state)?
    };
    classify_all(&hunting, &mut analysis, &confirmations, &state);
    let share = settings
        .shard
        .map_or(hunting.runs, |s| s.share(hunting.runs));
    let quiet = settings.until_quiet.map(|after| Quiet {
        after,
        quiet_runs: state.quiet_runs,
        stopped_early: state.quiet(settings) && (hunting.recorded.len() as u64) < share,
    });
    Ok(Hunt {
        master_seed: hunting.master_seed,
        command: settings.template.as_str().to_string(),
        runner: hunting.adapter.name().to_string(),
        order: settings.order,
        kept_together: hunting
            .chosen
            .as_ref()
            .filter(|_| settings.order != Mode::Runner)
            .and_then(|chosen| chosen.kept_together)
            .map(str::to_string),
        runs: count(
            &hunting.recorded,
            if quiet.is_some_and(|q| q.stopped_early) {
                hunting.recorded.len() as u64
            } else {
                share
            },
            confirmations.len(),
        ),
        quiet,
        coverage: coverage_of(&hunting),
        pairs_runs: pairs_runs(&hunting),
        shard: settings.shard.map(|shard| ShardShare {
            k: shard.k(),
            n: shard.n(),
            hunt_runs: hunting.runs,
        }),
        warm: settings.warm.then(|| hunting.warmth.report()),
        timeouts: timeouts(&hunting),
        indistinguishable: hunting
            .recorded
            .whole(Whole::Hunted)
            .map(|results| hunting.adapter.indistinguishable(results))
            .unwrap_or_default(),
        analysis,
        new_runs: state.new_runs,
        interrupted: state.interrupted || interrupt::requested(),
        store: hunting.store.root().to_path_buf(),
    })
}

/// The length of a pairs schedule for the suite as the latest run saw it.
fn pairs_runs(hunting: &Hunting) -> Option<u64> {
    let latest = hunting.recorded.whole(Whole::Hunted)?;
    let arranged = hunting.adapter.arrangement(latest).ok()?;
    Some(arranged.arrangement.canonical().pairs_runs())
}

/// The share of polluter/victim pairs that the orders of the hunt's runs could have missed.
fn coverage_of(hunting: &Hunting) -> Option<Coverage> {
    let orders: Vec<&[u32]> = hunting
        .recorded
        .iter()
        .filter(|r| r.status == RunStatus::Ok)
        .map(|r| r.results.ran.tests.as_slice())
        .collect();
    let names = &hunting.recorded.names;
    coverage::coverage(&orders, |before, after| {
        hunting.adapter.isolated(names.id(before), names.id(after))
    })
}

/// The complete runs with their seeds, in the hunt's order rather than the store's: runs
/// finish out of order under --jobs, and merged shards are stored shard after shard, yet the
/// seeds the table shows first must be those of one machine's hunt.
fn analysed(recorded: &Compact) -> Vec<(u64, &Timed)> {
    let mut in_order: Vec<&RunRecord<Timed>> = recorded
        .iter()
        .filter(|r| r.status == RunStatus::Ok)
        .collect();
    in_order.sort_by_key(|r| r.index);
    in_order
        .into_iter()
        .filter_map(|r| Some((r.seed?, &r.results)))
        .collect()
}

/// What one invocation of the hunt has done so far.
struct State {
    /// The runs made, after those recorded before.
    records: Compact,
    new_runs: usize,
    interrupted: bool,
    /// Why confirmation stopped short, when it did.
    unconfirmed_because: Option<String>,
    /// What the runs so far have shown, to tell a run with news from a quiet one.
    watch: FlipWatch,
    /// The runs since the last one with news, those recorded before included.
    quiet_runs: u64,
}

impl State {
    /// The state of a hunt about to run, with what its recorded runs showed, in their order.
    fn new(recorded: &Compact) -> State {
        let mut in_order: Vec<&RunRecord<Timed>> = recorded.iter().collect();
        in_order.sort_by_key(|r| r.index);
        let mut state = State {
            records: recorded.continued(),
            new_runs: 0,
            interrupted: false,
            unconfirmed_because: None,
            watch: FlipWatch::default(),
            quiet_runs: 0,
        };
        for record in in_order {
            State::watch(&mut state.watch, &mut state.quiet_runs, record);
        }
        state
    }

    /// Takes in a run's results, and whether it brought news.
    fn watch(watch: &mut FlipWatch, quiet_runs: &mut u64, record: &RunRecord<Timed>) {
        if record.index.is_none() {
            return;
        }
        if watch.add(record.status, &record.results.ran) {
            *quiet_runs = 0;
        } else {
            *quiet_runs += 1;
        }
    }

    /// Whether `--until-quiet` has been met.
    fn quiet(&self, settings: &Settings) -> bool {
        settings
            .until_quiet
            .is_some_and(|after| self.quiet_runs >= after)
    }

    fn record(&mut self, record: RunRecord, progress: &Progress) {
        self.records.push(record);
        let pushed = self.records.last().expect("just pushed");
        State::watch(&mut self.watch, &mut self.quiet_runs, pushed);
        self.new_runs += 1;
        progress.inc();
        progress.set_message(self.watch.summary());
    }
}

/// The hunt as settled before its first run.
struct Hunting<'a> {
    settings: &'a Settings,
    adapter: Box<dyn Adapter>,
    command: Template,
    store: Store,
    master_seed: u64,
    tag: String,
    /// This process's hold on the hunt, for as long as the hunt runs.
    _lock: HuntLock,
    recorded: Compact,
    /// The hunt's length: `--runs`, or the order's own.
    runs: u64,
    todo: Vec<u64>,
    /// For orders bleed chooses: how it replays them, and the suite as it may arrange it.
    chosen: Option<Chosen>,
    warmth: Warmth,
}

struct Chosen {
    replay: Template,
    /// As the suite was listed, for the natural order backwards.
    natural: Arrangement,
    /// With each group's members sorted, so that a seed means the same order whichever run
    /// listed the suite.
    canonical: Arrangement,
    kept_together: Option<&'static str>,
}

fn open(settings: &Settings) -> Result<Hunting<'_>> {
    let user_template = settings.template.as_str();
    runner::check_program(user_template)?;
    let adapter = runner::select(user_template, settings.runner.as_deref())?;
    let command = adapter.hunt_command(&settings.template)?;
    let store = Store::open(&settings.store)?;
    store.check_writable()?;
    let master_seed = choose_master_seed(settings.master_seed, user_template, &store)?;
    let tag = hunt_tag(settings, master_seed);
    let what = format!(
        "this hunt (master seed {master_seed}; a hunt with another --seed may run beside it)"
    );
    // The runs are read once the lock is held, so that another bleed of this hunt has
    // recorded all it will.
    let lock = store.lock_hunt(&tag, &what)?;
    // A shard counts and analyses its own share, whatever else the store holds; the run that
    // lists the suite (no index) serves every shard.
    let ours = |index: u64| settings.shard.is_none_or(|shard| shard.owns(index));
    let recorded = load(&store, |r| {
        r.template == user_template
            && r.master_seed == Some(master_seed)
            && r.order == settings.order.recorded()
            && r.index.is_none_or(ours)
    })?;
    let done: HashSet<u64> = recorded.iter().filter_map(|r| r.index).collect();
    let pending = |runs: u64| (0..runs).any(|i| ours(i) && !done.contains(&i));
    let may_run = settings.runs.is_none_or(pending);
    if may_run {
        runner::checked_version(adapter.as_ref(), &settings.template)?;
    }
    let mut hunting = Hunting {
        settings,
        tag,
        _lock: lock,
        adapter,
        command,
        store,
        master_seed,
        recorded,
        runs: 0,
        todo: Vec::new(),
        chosen: None,
        warmth: Warmth::cold(),
    };
    hunting.chosen = chosen_orders(&hunting, may_run)?;
    hunting.runs = settings.runs.unwrap_or_else(|| default_runs(&hunting));
    hunting.todo = (0..hunting.runs)
        .filter(|&i| ours(i) && !done.contains(&i))
        .collect();
    if State::new(&hunting.recorded).quiet(settings) {
        hunting.todo.clear();
    }
    announce(&hunting, done.len());
    if settings.warm && !hunting.todo.is_empty() {
        hunting.warmth = boot_once(&hunting);
    }
    Ok(hunting)
}

/// The hunt's name in run ids and logs; a hunt whose orders bleed chooses is another hunt
/// than the runner's own with the same command and master seed.
fn hunt_tag(settings: &Settings, master_seed: u64) -> String {
    tag(
        settings.template.as_str(),
        master_seed,
        settings.order.recorded().as_deref(),
    )
}

fn tag(template: &str, master_seed: u64, order: Option<&str>) -> String {
    match order {
        None => run::hunt_tag(template, master_seed),
        Some(order) => run::hunt_tag(&format!("{template} --order {order}"), master_seed),
    }
}

/// The tag of the hunt a recorded run belongs to, as its hunt named it; None for a run of no
/// hunt (a probe, an imported or one-off run).
pub fn record_hunt_tag(record: &RunRecord) -> Option<String> {
    Some(tag(
        &record.template,
        record.master_seed?,
        record.order.as_deref(),
    ))
}

/// The hunt's length when `--runs` is not given: a pairs schedule's, one reversed run, or
/// `DEFAULT_RUNS` (`QUIET_RUNS_CAP` at most, until quiet).
fn default_runs(hunting: &Hunting) -> u64 {
    let chosen = hunting.chosen.as_ref();
    match (hunting.settings.order, chosen) {
        (Mode::Pairs, Some(chosen)) => chosen.canonical.pairs_runs(),
        (Mode::Reverse, _) => 1,
        _ if hunting.settings.until_quiet.is_some() => QUIET_RUNS_CAP,
        _ => DEFAULT_RUNS,
    }
}

/// Says what is being continued, and what the runner keeps together in bleed's orders.
fn announce(hunting: &Hunting, done: usize) {
    if hunting.todo.is_empty() {
        return;
    }
    if done > 0 {
        let whose = match hunting.settings.shard {
            Some(shard) => format!("shard {shard} of the hunt"),
            None => "the hunt".to_string(),
        };
        progress::say(&format!(
            "continuing {whose} with master seed {}: {} recorded, {} to go",
            hunting.master_seed,
            human::count(done, "run"),
            hunting.todo.len()
        ));
    }
    let order = hunting.settings.order;
    if let Some(chosen) = hunting.chosen.as_ref().filter(|_| order != Mode::Runner) {
        let tests = human::count(chosen.canonical.len(), "test");
        let length = match order {
            Mode::Pairs => format!(
                ", {} for every two to have run side by side",
                human::count(chosen.canonical.pairs_runs() as usize, "run")
            ),
            _ => String::new(),
        };
        let kept = chosen
            .kept_together
            .map(|kept| {
                format!(
                    "; {} keeps together {kept}, so the orders vary the rest",
                    hunting.adapter.name()
                )
            })
            .unwrap_or_default();
        progress::say(&format!("--order {order}: {tests}{length}{kept}"));
    }
}

/// `--warm`: the suite booted once for all of the hunt's runs (docs/warm.md).
fn boot_once(hunting: &Hunting) -> Warmth {
    progress::say("booting the suite once, for warm runs");
    let replay = match &hunting.chosen {
        Some(chosen) => Ok(chosen.replay.clone()),
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

/// The orders bleed chooses: with `--order shuffle|reverse|pairs`, and for a runner with no
/// seeded order of its own. The suite is arranged from the run that listed it, else any
/// recorded run, else one run listing it now (when there is anything to run).
fn chosen_orders(hunting: &Hunting, may_run: bool) -> Result<Option<Chosen>> {
    let command = &hunting.command;
    let seeded = command.has(Placeholder::Seed) || command.as_str().contains("BLEED_SEED");
    let order = hunting.settings.order;
    if order == Mode::Runner && seeded {
        return Ok(None);
    }
    let cannot = |reason: String| {
        Error::usage(format!(
            "--order {order} needs orders bleed chooses, and {reason}: hunt with --order runner"
        ))
    };
    hunting.adapter.arrangement(&[]).map_err(cannot)?;
    let listed = hunting.recorded.whole(Whole::Listing);
    // Reversing needs the suite as listed; the others any run of it.
    let any = || hunting.recorded.whole(Whole::Hunted);
    let natural = match listed.or_else(|| any().filter(|_| order != Mode::Reverse)) {
        Some(results) => results.to_vec(),
        None if !may_run => return Ok(None),
        None => natural_run(hunting)?,
    };
    let arranged = hunting.adapter.arrangement(&natural).map_err(cannot)?;
    Ok(Some(Chosen {
        replay: alone_command(hunting)?,
        canonical: arranged.arrangement.clone().canonical(),
        natural: arranged.arrangement,
        kept_together: arranged.kept_together,
    }))
}

impl Hunting<'_> {
    /// The explicit order of run `index`, for orders bleed chooses.
    fn order_of(&self, index: u64) -> Option<Vec<String>> {
        let chosen = self.chosen.as_ref()?;
        Some(match self.settings.order {
            Mode::Runner | Mode::Shuffle => chosen
                .canonical
                .shuffled(seed::run_seed(self.master_seed, index)),
            Mode::Reverse => chosen.natural.reversed(),
            Mode::Pairs => chosen.canonical.pairs_order(self.master_seed, index),
        })
    }

    fn hunt_command(&self) -> &Template {
        self.chosen
            .as_ref()
            .map_or(&self.command, |chosen| &chosen.replay)
    }

    /// A run as the store keeps it: marked with who chose its order.
    fn recorded(&self, ended: Ended) -> Ended {
        match ended {
            Ended::Recorded(mut record) => {
                record.order = self.settings.order.recorded();
                Ended::Recorded(record)
            }
            Ended::Interrupted => Ended::Interrupted,
        }
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
        Ok(self.recorded(run::perform(&planned, &self.store)?))
    }

    /// The id of the hunt's `number`th confirmation run. A shard's carry the shard, so that the
    /// stores of a hunt's shards merge without two confirmations sharing an id or a log.
    fn confirmation_id(&self, number: usize) -> String {
        match self.settings.shard {
            Some(shard) => format!("{}-s{}of{}-c{number}", self.tag, shard.k(), shard.n()),
            None => format!("{}-c{number}", self.tag),
        }
    }

    /// The confirmation runs recorded for this hunt, read a line at a time, each cut to the
    /// flips' results (`flips_only`).
    fn load_confirmations(&self, analysis: &Analysis) -> Result<Vec<Confirmation>> {
        let template = self.settings.template.as_str();
        let mut confirmations = Vec::new();
        // As before records were read a line at a time, a line that cannot be read is left
        // out without a word: the hunt has warned of the store's runs already.
        let _ = records::read_lines(&self.store.root().join(CONFIRMATIONS_FILE), |line| {
            let confirmation: Confirmation = store::decode(line)?;
            let run = &confirmation.run;
            if run.template == template
                && run.master_seed == Some(self.master_seed)
                && run.order == self.settings.order.recorded()
            {
                confirmations.push(flips_only(confirmation, analysis));
            }
            Ok(())
        })?;
        Ok(confirmations)
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
                let which = if hunting.chosen.is_some() {
                    "the first run in an order of bleed's"
                } else {
                    "the first run"
                };
                return Err(first_run_failed(&record, &hunting.store, which));
            }
            state.record(*record, progress);
        }
    }
    Ok(())
}

/// The remaining runs over `--jobs` workers, each recorded as it ends, until they are done,
/// Ctrl-C, or `--until-quiet` is met. The runs are handed out one at a time as others end, so
/// that a quiet hunt stops at once (the runs already going finish and count).
fn pool(hunting: &Hunting, progress: &Progress, state: &mut State) -> Result<()> {
    let remaining = &hunting.todo[state.new_runs.min(hunting.todo.len())..];
    let (sender, receiver) = mpsc::channel();
    std::thread::scope(|scope| -> Result<()> {
        let (hand_out, handed) = mpsc::channel::<u64>();
        let handed = Arc::new(Mutex::new(handed));
        for worker in 1..=hunting.settings.jobs {
            let (sender, handed) = (sender.clone(), Arc::clone(&handed));
            scope.spawn(move || {
                let next = || handed.lock().ok().and_then(|h| h.recv().ok());
                while let Some(index) = next() {
                    let ended = if interrupt::requested() {
                        Ok(Ended::Interrupted)
                    } else {
                        hunting.run_index(index, worker)
                    };
                    if sender.send(ended).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        // A send or receive fails only when every worker has died, and the scope then passes
        // on their panic.
        let mut next = remaining.iter();
        let mut going = 0;
        for &index in next.by_ref().take(hunting.settings.jobs) {
            going += usize::from(hand_out.send(index).is_ok());
        }
        while going > 0 {
            let Ok(ended) = receiver.recv() else { break };
            going -= 1;
            match ended? {
                Ended::Interrupted => state.interrupted = true,
                Ended::Recorded(record) => {
                    hunting.store.append_run(&record)?;
                    state.record(*record, progress);
                }
            }
            let stop = state.interrupted || interrupt::requested() || state.quiet(hunting.settings);
            if let Some(&index) = next.next().filter(|_| !stop) {
                going += usize::from(hand_out.send(index).is_ok());
            }
        }
        Ok(())
    })
}

/// The recorded runs as classification sees them, each knowing whether another run of the
/// suite was going on during part of it on the same machine.
fn observed(records: &[RunRecord<Timed>]) -> Vec<Observed<'_>> {
    let spans: Vec<Span> = records
        .iter()
        .map(|r| Span {
            host: r.host.as_deref(),
            started_at: &r.started_at,
            wall_seconds: r.wall_seconds,
        })
        .collect();
    records
        .iter()
        .zip(classify::overlapped(&spans))
        .filter(|(r, _)| r.status == RunStatus::Ok)
        .filter_map(|(r, overlapped)| {
            Some(Observed {
                seed: r.seed?,
                ran: &r.results.ran,
                overlapped,
            })
        })
        .collect()
}

/// Runs the checks that the recorded runs leave in doubt, one at a time, until every flip has
/// a kind, a check cannot be run, or the budget is spent. Returns every confirmation recorded
/// for this hunt.
fn confirm(
    hunting: &Hunting,
    analysis: &mut Analysis,
    state: &mut State,
) -> Result<Vec<Confirmation>> {
    let mut confirmations = hunting.load_confirmations(analysis)?;
    if analysis.flips.is_empty() {
        return Ok(confirmations);
    }
    if !hunting.settings.confirm {
        state.unconfirmed_because = Some("--no-confirm was given".to_string());
        return Ok(confirmations);
    }
    let observed = observed(&hunting.recorded);
    let names = &hunting.recorded.names;
    let mut made = 0;
    let mut tried: HashMap<Check, usize> = HashMap::new();
    let progress = Progress::new(progress::CONFIRMING, None);
    loop {
        let needed = needed_checks(analysis, &observed, names, &confirmations);
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
                    confirmations.push(flips_only(confirmation, analysis));
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

/// A confirmation run with only the results of the flips: classification reads no other, and a
/// confirmation run can be as long as the suite.
fn flips_only(mut confirmation: Confirmation, analysis: &Analysis) -> Confirmation {
    let flips: HashSet<&str> = analysis.flips.iter().map(|f| f.test.as_str()).collect();
    confirmation
        .run
        .results
        .retain(|result| flips.contains(result.id.as_str()));
    confirmation
}

fn needed_checks(
    analysis: &Analysis,
    observed: &[Observed],
    names: &Names,
    confirmations: &[Confirmation],
) -> Vec<Check> {
    let checked = checked(confirmations);
    let needed: BTreeSet<Check> = analysis
        .flips
        .iter()
        .filter_map(
            |flip| match classify::assess(&flip.test, observed, names, &checked) {
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
            let order = hunting.chosen.is_some().then_some(tests.as_slice());
            (hunting.hunt_command().clone(), Some(*seed), order)
        }
        Check::Alone { test } => {
            tests = vec![test.clone()];
            let seed = hunting
                .recorded
                .iter()
                .filter(|r| {
                    let number = hunting.recorded.names.find(test);
                    number.is_some_and(|t| r.results.ran.tests.contains(&t))
                })
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
    Ok(
        match hunting.recorded(run::perform(&planned, &hunting.store)?) {
            Ended::Interrupted => None,
            Ended::Recorded(run) => Some(Confirmation {
                schema: SCHEMA,
                check: check.clone(),
                run: *run,
            }),
        },
    )
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
fn classify_flips(
    analysis: &mut Analysis,
    recorded: &Compact,
    confirmations: &[Confirmation],
    unconfirmed_because: impl Fn(&Check) -> String,
) {
    let observed = observed(recorded);
    let checked = checked(confirmations);
    for flip in &mut analysis.flips {
        let classified = classify::settle(
            &flip.test,
            &observed,
            &recorded.names,
            &checked,
            &unconfirmed_because,
        );
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
                finished: r.results.ran.len(),
                running: r
                    .running
                    .clone()
                    .or_else(|| order.and_then(|o| o.get(r.results.ran.len()).cloned())),
                last_finished: r
                    .results
                    .ran
                    .tests
                    .last()
                    .map(|&t| hunting.recorded.names.id(t).to_string()),
                log: r.log.clone(),
            })
        })
        .collect()
}

/// Runs the suite once in the runner's own order with its shuffling off, to learn its tests
/// and their natural order.
fn natural_run(hunting: &Hunting) -> Result<Vec<TestResult>> {
    // Shuffles and pairs need the tests, not their natural order: a command whose shuffle
    // bleed cannot turn off (a generic one with <seed>) lists them in one seeded run.
    let (listing, seed) = match hunting.adapter.listing_command(&hunting.command) {
        Ok(listing) => (listing, None),
        Err(_) if hunting.settings.order != Mode::Reverse => (
            hunting.command.clone(),
            Some(seed::sub_seed(hunting.master_seed, LISTING_STREAM) % seed::MAX_RUN_SEED + 1),
        ),
        Err(error) => return Err(error),
    };
    let planned = Planned {
        id: format!("{}-natural", hunting.tag),
        adapter: hunting.adapter.as_ref(),
        user_template: hunting.settings.template.as_str(),
        command: &listing,
        master_seed: Some(hunting.master_seed),
        index: None,
        seed,
        tests: None,
        worker: 1,
        timeout: hunting.settings.timeout,
        warmth: None,
    };
    match hunting.recorded(run::perform(&planned, &hunting.store)?) {
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

/// The given seed; else the one of the latest hunt of the same command, so that running the
/// same command again continues it; else a fresh one, announced so it can be replayed.
fn choose_master_seed(given: Option<u64>, template: &str, store: &Store) -> Result<u64> {
    if let Some(seed) = given {
        return Ok(seed);
    }
    // Read for the seed alone: `load` reads the runs again once the hunt is held, and warns
    // of what it skips then.
    let mut first = FirstRuns::default();
    let mut latest = None;
    records::read_lines(&store.root().join(store::RUNS_FILE), |line| {
        let record: RunRecord<Vec<ResultRef>> = store::decode(line)?;
        if first.is_first(&record) && record.template == template && record.master_seed.is_some() {
            latest = record.master_seed;
        }
        Ok(())
    })?;
    if let Some(master) = latest {
        return Ok(master);
    }
    let drawn = seed::draw_master_seed();
    progress::say(&format!(
        "master seed {drawn} (pass --seed {drawn} to replay this hunt)"
    ));
    Ok(drawn)
}

/// The hunt's recorded runs (`ours`), compact, read a line at a time as `store::load_runs_at`
/// reads them: each run once, with a warning for the lines and the runs it skips.
fn load(store: &Store, ours: impl Fn(&RunRecord<Vec<ResultRef>>) -> bool) -> Result<Compact> {
    let mut recorded = Compact::default();
    let mut first = FirstRuns::default();
    let path = store.root().join(store::RUNS_FILE);
    let mut warnings = records::read_lines(&path, |line| {
        let mut record: RunRecord<Vec<ResultRef>> = store::decode(line)?;
        if first.is_first(&record) && ours(&record) {
            let results = std::mem::take(&mut record.results);
            let results = results.into_iter().map(ResultRef::into_owned).collect();
            recorded.push(records::with_results(record, results));
        }
        Ok(())
    })?;
    warnings.extend(first.warning(&path));
    for warning in &warnings {
        progress::warn(warning);
    }
    Ok(recorded)
}

fn count<R>(records: &[RunRecord<R>], asked: u64, confirmations: usize) -> RunCounts {
    let mut counts = RunCounts {
        asked,
        total: records.len(),
        confirmations,
        ..RunCounts::default()
    };
    for record in records {
        if record.strays > 0 {
            counts.left_running += 1;
            counts.strays += record.strays;
        }
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
        crate::error::clip_command(&record.command),
        log.display(),
        indented.trim_end()
    ))
}

/// Counts the tests that failed and flipped as runs arrive: for the progress line, and to
/// tell a run that brought news from a quiet one.
#[derive(Default)]
struct FlipWatch {
    /// What each test (by number) has done so far: `PASSED`, `FAILED`, `FLIPPED`.
    seen: Vec<u8>,
    flips: usize,
}

const PASSED: u8 = 1;
const FAILED: u8 = 2;
const FLIPPED: u8 = 4;

impl FlipWatch {
    /// Takes in a run; true when a test failed or flipped in it for the first time.
    fn add(&mut self, status: RunStatus, ran: &Ran) -> bool {
        if status != RunStatus::Ok {
            return false;
        }
        let mut news = false;
        for (test, outcome) in ran.iter() {
            let test = test as usize;
            if test >= self.seen.len() {
                self.seen.resize(test + 1, 0);
            }
            let seen = &mut self.seen[test];
            if outcome.is_pass() {
                *seen |= PASSED;
            }
            let passed = *seen & PASSED != 0;
            let flipped = if *seen & FAILED == 0 {
                if !outcome.is_failure() {
                    continue;
                }
                *seen |= FAILED;
                news = true;
                passed
            } else {
                passed && *seen & FLIPPED == 0
            };
            if flipped {
                *seen |= FLIPPED;
                self.flips += 1;
                news = true;
            }
        }
        news
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
    use crate::outcome::Outcome;

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
            order: None,
            strays: 0,
        }
    }

    fn with_results(index: u64, outcomes: &[(&str, Outcome)]) -> RunRecord {
        RunRecord {
            results: outcomes
                .iter()
                .map(|(id, outcome)| TestResult::bare(id, *outcome))
                .collect(),
            ..record(index, "2026-12-01T10:00:00.000Z", 1.0)
        }
    }

    /// `bleed merge` takes the lock of the hunt a record belongs to by the record alone: the
    /// tag must be the one the hunt named its runs and its lock with.
    #[test]
    fn a_record_names_the_hunt_that_made_it() {
        let mut made = record(3, "2026-12-01T10:00:00.000Z", 1.0);
        assert_eq!(record_hunt_tag(&made), Some(run::hunt_tag("t", 1)));
        made.order = Some("shuffle".into());
        assert_eq!(
            record_hunt_tag(&made),
            Some(run::hunt_tag("t --order shuffle", 1))
        );
        made.master_seed = None;
        assert_eq!(record_hunt_tag(&made), None, "a run of no hunt");
    }

    /// A run has news when a test fails for the first time or flips for the first time; the
    /// same failures again are quiet, and so are passes of tests never seen failing.
    #[test]
    fn only_first_failures_and_first_flips_are_news() {
        use Outcome::{Failed, Passed};
        let runs = [
            with_results(0, &[("a", Passed), ("b", Passed)]),
            with_results(1, &[("a", Failed), ("b", Passed)]),
            with_results(2, &[("a", Failed), ("b", Passed)]),
            with_results(3, &[("b", Failed), ("a", Passed)]),
            with_results(4, &[("b", Failed), ("a", Failed)]),
            with_results(5, &[("c", Failed)]),
            with_results(6, &[("c", Passed)]),
        ];
        let mut watch = FlipWatch::default();
        let mut names = Names::default();
        let news: Vec<bool> = runs
            .iter()
            .map(|run| watch.add(run.status, &Ran::of(&run.results, &mut names)))
            .collect();
        assert_eq!(news, [false, true, false, true, false, true, true]);
        assert_eq!(watch.flips, 3);
    }

    /// Resumed, a hunt counts the quiet runs at the end of what was recorded, in run order.
    #[test]
    fn quiet_runs_are_counted_from_the_recorded_ones_in_order() {
        use Outcome::{Failed, Passed};
        let mut recorded = Compact::default();
        recorded.push(with_results(2, &[("a", Passed)]));
        recorded.push(with_results(0, &[("a", Passed)]));
        recorded.push(with_results(1, &[("a", Failed)]));
        assert_eq!(State::new(&recorded).quiet_runs, 1);
    }

    /// A hunt reads its runs as `store::load_runs_at` reads the store: each run once, the first
    /// record of it whatever hunt that is, and only then its own.
    #[test]
    fn a_hunt_loads_each_run_once_as_the_store_reads_them() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut other = with_results(0, &[("a", Outcome::Passed)]);
        other.master_seed = Some(2);
        let ours = with_results(0, &[("a", Outcome::Failed)]);
        let mut again = with_results(1, &[("a", Outcome::Passed)]);
        again.id = "r1-again".into();
        for run in [&other, &ours, &with_results(1, &[]), &again] {
            store.append_run(run).unwrap();
        }
        let loaded = load(&store, |r| r.master_seed == Some(1)).unwrap();
        let ids: Vec<&str> = loaded.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            ids,
            ["r1"],
            "r0 is the other hunt's, r1-again the same run as r1"
        );
        let held = store::load_runs_at(store.root()).unwrap();
        let ours_held: Vec<&str> = held
            .records
            .iter()
            .filter(|r| r.master_seed == Some(1))
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(ids, ours_held);
    }
}
