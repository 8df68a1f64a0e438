//! `bleed hunt`: run the suite under a sequence of seeds, record every run, report the flips.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::exec;
use crate::flips::{self, Analysis};
use crate::interrupt;
use crate::outcome::TestResult;
use crate::run::{self, Ended, Planned};
use crate::runner::{self, Adapter};
use crate::seed;
use crate::store::{RunRecord, RunStatus, Store};
use crate::template::{Placeholder, Template};

pub struct Settings {
    pub template: Template,
    /// The hunt's total: runs already recorded count towards it.
    pub runs: u64,
    pub jobs: usize,
    pub master_seed: Option<u64>,
    pub timeout: Option<Duration>,
    pub runner: Option<String>,
    pub store: PathBuf,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RunCounts {
    pub total: usize,
    pub ok: usize,
    pub broken: usize,
    pub timed_out: usize,
}

#[derive(Debug, Serialize)]
pub struct Hunt {
    pub master_seed: u64,
    /// The command as the user gave it.
    pub command: String,
    pub runner: String,
    pub runs: RunCounts,
    #[serde(flatten)]
    pub analysis: Analysis,
    /// Runs made by this invocation (the rest were recorded before).
    pub new_runs: usize,
    pub interrupted: bool,
    pub store: PathBuf,
}

pub fn hunt(settings: &Settings) -> Result<Hunt> {
    let user_template = settings.template.as_str();
    let adapter = runner::select(user_template, settings.runner.as_deref())?;
    let command = adapter.hunt_command(&settings.template)?;
    let store = Store::open(&settings.store)?;
    let loaded = store.load_runs()?;
    for warning in &loaded.warnings {
        eprintln!("bleed: warning: {warning}");
    }
    let master_seed = choose_master_seed(settings.master_seed, user_template, &loaded.records);
    let mut recorded: Vec<RunRecord> = loaded
        .records
        .into_iter()
        .filter(|r| r.template == user_template && r.master_seed == Some(master_seed))
        .collect();
    let done: HashSet<u64> = recorded.iter().filter_map(|r| r.index).collect();
    let todo: Vec<u64> = (0..settings.runs).filter(|i| !done.contains(i)).collect();
    if !done.is_empty() && !todo.is_empty() {
        eprintln!(
            "bleed: continuing the hunt with master seed {master_seed}: {} runs recorded, {} to go",
            done.len(),
            todo.len()
        );
    }

    if !todo.is_empty() {
        runner::checked_version(adapter.as_ref(), &settings.template)?;
    }
    let tag = run::hunt_tag(user_template, master_seed);
    // A runner with no seeded order of its own gets its orders from bleed: groups of its tests
    // shuffled under each run's seed, replayed as explicit orders.
    let shuffled_by_bleed =
        !command.has(Placeholder::Seed) && !command.as_str().contains("BLEED_SEED");
    let (replay, groups) = if shuffled_by_bleed && !todo.is_empty() {
        let natural = match recorded.iter().rev().find(|r| r.status == RunStatus::Ok) {
            Some(record) => record.results.clone(),
            None => natural_run(
                adapter.as_ref(),
                &command,
                master_seed,
                &tag,
                settings,
                &store,
            )?,
        };
        (
            Some(adapter.replay_command(&command)?),
            shuffle_groups(adapter.as_ref(), &natural),
        )
    } else {
        (None, Vec::new())
    };
    let order_of = |index: u64| -> Option<Vec<String>> {
        replay.as_ref()?;
        let mut shuffled = groups.clone();
        seed::shuffle(&mut shuffled, seed::run_seed(master_seed, index));
        Some(shuffled.into_iter().flatten().collect())
    };
    let plan = |index: u64, worker: usize| -> Result<Ended> {
        let order = order_of(index);
        let planned = Planned {
            id: format!("{tag}-{index}"),
            adapter: adapter.as_ref(),
            user_template,
            command: replay.as_ref().unwrap_or(&command),
            master_seed: Some(master_seed),
            index: Some(index),
            seed: Some(seed::run_seed(master_seed, index)),
            tests: order.as_deref(),
            worker,
            timeout: settings.timeout,
        };
        run::perform(&planned, &store)
    };
    let progress = progress_bar(todo.len() as u64);
    let mut interrupted = false;
    let mut new_runs = 0;
    let mut remaining = todo.as_slice();

    // A typo in the command breaks every run the same way: find out from the first, alone.
    if !recorded
        .iter()
        .any(|r| r.status == RunStatus::Ok && r.index.is_some())
        && let Some((&first, rest)) = remaining.split_first()
    {
        match plan(first, 1)? {
            Ended::Interrupted => interrupted = true,
            Ended::Recorded(record) => {
                store.append_run(&record)?;
                if record.status != RunStatus::Ok {
                    progress.finish_and_clear();
                    return Err(first_run_failed(&record, &store));
                }
                new_runs += 1;
                progress.inc(1);
                recorded.push(*record);
                remaining = rest;
            }
        }
    }

    if !interrupted {
        let (sender, receiver) = mpsc::channel();
        let next = AtomicUsize::new(0);
        let mut flip_watch = FlipWatch::new(&recorded);
        std::thread::scope(|scope| -> Result<()> {
            for worker in 1..=settings.jobs {
                let (sender, next, plan, remaining) = (sender.clone(), &next, &plan, remaining);
                scope.spawn(move || {
                    while !interrupt::requested() {
                        let Some(&index) = remaining.get(next.fetch_add(1, Ordering::SeqCst))
                        else {
                            break;
                        };
                        if sender.send(plan(index, worker)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(sender);
            for ended in receiver {
                match ended? {
                    Ended::Interrupted => interrupted = true,
                    Ended::Recorded(record) => {
                        store.append_run(&record)?;
                        flip_watch.add(&record);
                        new_runs += 1;
                        progress.inc(1);
                        progress.set_message(flip_watch.summary());
                        recorded.push(*record);
                    }
                }
            }
            Ok(())
        })?;
    }
    progress.finish_and_clear();
    interrupted |= interrupt::requested();

    // The natural-order run of a bleed-shuffled hunt only lists the tests: it has no seed to
    // replay, so it is neither counted nor analysed.
    recorded.retain(|r| r.index.is_some());
    let ok_runs = recorded.iter().filter(|r| r.status == RunStatus::Ok);
    let analysis = flips::analyse(ok_runs.filter_map(|r| Some((r.seed?, r.results.as_slice()))));
    Ok(Hunt {
        master_seed,
        command: user_template.to_string(),
        runner: adapter.name().to_string(),
        runs: count(&recorded),
        analysis,
        new_runs,
        interrupted,
        store: store.root().to_path_buf(),
    })
}

/// Runs the suite once in the runner's own order, to learn its tests.
fn natural_run(
    adapter: &dyn Adapter,
    command: &Template,
    master_seed: u64,
    tag: &str,
    settings: &Settings,
    store: &Store,
) -> Result<Vec<TestResult>> {
    let planned = Planned {
        id: format!("{tag}-natural"),
        adapter,
        user_template: settings.template.as_str(),
        command,
        master_seed: Some(master_seed),
        index: None,
        seed: None,
        tests: None,
        worker: 1,
        timeout: settings.timeout,
    };
    match run::perform(&planned, store)? {
        Ended::Interrupted => Err(Error::interrupted(
            "interrupted while listing the suite's tests; nothing else was run",
        )),
        Ended::Recorded(record) => {
            store.append_run(&record)?;
            if record.status != RunStatus::Ok {
                return Err(first_run_failed(&record, store));
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
    eprintln!("bleed: master seed {drawn} (pass --seed {drawn} to replay this hunt)");
    drawn
}

fn count(records: &[RunRecord]) -> RunCounts {
    let mut counts = RunCounts {
        total: records.len(),
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

fn first_run_failed(record: &RunRecord, store: &Store) -> Error {
    let log = store.root().join(&record.log);
    let problem = record.problem.as_deref().unwrap_or("no results");
    let tail = exec::log_tail(&log, 15);
    let indented: String = tail.lines().map(|line| format!("    {line}\n")).collect();
    Error::suite(format!(
        "the first run gave no results ({problem}); check the command by running it yourself:\n    {}\n\
         last lines of its output ({}):\n{}",
        record.command,
        log.display(),
        indented.trim_end()
    ))
}

fn progress_bar(runs: u64) -> ProgressBar {
    // indicatif draws nothing when stderr is not a terminal, so CI logs stay clean.
    let bar = ProgressBar::new(runs);
    let style = ProgressStyle::with_template(
        "{spinner} {bar:30} {pos}/{len} runs  {elapsed} (ETA {eta})  {msg}",
    )
    .expect("the progress template is valid");
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Counts flips as runs arrive, for the progress line.
struct FlipWatch {
    seen: HashMap<String, (bool, bool)>,
    flips: usize,
}

impl FlipWatch {
    fn new(records: &[RunRecord]) -> FlipWatch {
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
            1 => "1 test flipped".to_string(),
            n => format!("{n} tests flipped"),
        }
    }
}
