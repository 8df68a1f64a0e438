//! `bleed merge`: stores recorded elsewhere (CI shards, a colleague's machine) merged into this
//! one, so that `hunt`, `report` and `bisect` see every run as if one machine had made them.
//!
//! The core is pure: the target's records and one source's in, the records to append and what
//! was left out. What makes two records the same depends on how their ids are made:
//!
//! - A run's id names what it is (`<hunt tag>-<index>` is one seed of one hunt, an imported
//!   run's is the hash of its report), so runs are the same by id. Two machines that ran the
//!   same seed of a hunt hold two records under one id: the target's is kept, and the merge
//!   warns, since counting both would weigh that seed twice.
//! - Confirmation runs and probes are numbered per machine (`-c1`, `-p1`), so every shard of a
//!   hunt has its own `-c1`: they are the same when all but the id and log agree, and one that
//!   only shares its id is kept under the id with its content's hash appended.
//! - Bisections are the same by victim and start time.
//!
//! The edge finds the stores (a store directory, or a downloaded CI artifact that holds one),
//! refuses a store of another suite, appends through `store::append_record` and copies the logs
//! of what it merged. Sources are only read.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs;
use std::path::{Component, Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::bisect::{BISECTIONS_FILE, Bisection};
use crate::error::{Error, Result};
use crate::human::{count, counted};
use crate::hunt::{self, CONFIRMATIONS_FILE, Confirmation};
use crate::import::IMPORTED_TEMPLATE;
use crate::progress;
use crate::run::fnv1a;
use crate::store::{self, HuntLock, PROBES_FILE, RUNS_FILE, RunRecord, Store};

/// The files that make a directory a store: any one of them is enough.
const RECORD_FILES: [&str; 4] = [RUNS_FILE, CONFIRMATIONS_FILE, BISECTIONS_FILE, PROBES_FILE];

/// Everything a store holds that a merge carries over.
#[derive(Clone, Debug, Default)]
pub struct Records {
    pub runs: Vec<RunRecord>,
    pub confirmations: Vec<Confirmation>,
    pub bisections: Vec<Bisection>,
    pub probes: Vec<RunRecord>,
}

/// How many records of each kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub runs: usize,
    pub confirmations: usize,
    pub bisections: usize,
    pub probes: usize,
}

/// What one source adds to the target.
#[derive(Debug, Default)]
pub struct Merged {
    pub records: Records,
    /// Logs to copy, store-relative: where the source has it, where the target gets it.
    pub logs: Vec<(String, String)>,
    /// Records the target already had (conflicts included).
    pub already: Tally,
    /// Runs and bisections the target holds under the same id with other content: the
    /// target's were kept.
    pub conflicts: Vec<String>,
}

/// A source that shares neither a command nor a test with the target.
#[derive(Debug, PartialEq, Eq)]
pub struct AnotherSuite {
    pub source: Vec<String>,
    pub target: Vec<String>,
}

impl Records {
    /// The commands of its hunts and confirmation runs. The template that imported runs get
    /// when no `--cmd` was given is the same for every suite, so it tells nothing.
    fn commands(&self) -> BTreeSet<&str> {
        self.all_runs()
            .map(|r| r.template.as_str())
            .filter(|t| *t != IMPORTED_TEMPLATE)
            .collect()
    }

    fn test_ids(&self) -> HashSet<&str> {
        self.all_runs()
            .flat_map(|r| r.results.iter().map(|t| t.id.as_str()))
            .collect()
    }

    fn all_runs(&self) -> impl Iterator<Item = &RunRecord> {
        self.runs
            .iter()
            .chain(self.confirmations.iter().map(|c| &c.run))
    }

    /// Takes in what a merge added, so that the next source is compared with it too.
    fn absorb(&mut self, added: &Records) {
        self.runs.extend(added.runs.iter().cloned());
        self.confirmations
            .extend(added.confirmations.iter().cloned());
        self.bisections.extend(added.bisections.iter().cloned());
        self.probes.extend(added.probes.iter().cloned());
    }

    fn tally(&self) -> Tally {
        Tally {
            runs: self.runs.len(),
            confirmations: self.confirmations.len(),
            bisections: self.bisections.len(),
            probes: self.probes.len(),
        }
    }
}

/// A store may hold several hunts, of several commands; a source that shares neither a command
/// nor a single test id with a target that holds runs is another suite's.
pub fn another_suite(target: &Records, source: &Records) -> Option<AnotherSuite> {
    let (theirs, ours) = (source.commands(), target.commands());
    let (their_tests, our_tests) = (source.test_ids(), target.test_ids());
    let empty =
        |commands: &BTreeSet<&str>, tests: &HashSet<&str>| commands.is_empty() && tests.is_empty();
    if empty(&ours, &our_tests) || empty(&theirs, &their_tests) {
        return None;
    }
    let shared = !theirs.is_disjoint(&ours) || !their_tests.is_disjoint(&our_tests);
    (!shared).then(|| AnotherSuite {
        source: theirs.into_iter().map(String::from).collect(),
        target: ours.into_iter().map(String::from).collect(),
    })
}

/// What `source` adds to `target`: each record once, the target's kept where they differ.
pub fn merge(target: &Records, source: Records) -> Merged {
    let mut merged = Merged::default();
    let mut runs: HashMap<String, Value> = target
        .runs
        .iter()
        .map(|r| (r.id.clone(), json(r)))
        .collect();
    for run in source.runs {
        match runs.get(&run.id) {
            Some(held) => {
                merged.already.runs += 1;
                // Each shard of a hunt whose orders bleed chooses lists the suite itself: any
                // one listing serves.
                let listing = run.index.is_none() && run.master_seed.is_some();
                if *held != json(&run) && !listing {
                    merged.conflicts.push(run.id.clone());
                }
            }
            None => {
                runs.insert(run.id.clone(), json(&run));
                merged.logs.extend(log_copy(&run.log, &run.log));
                merged.records.runs.push(run);
            }
        }
    }
    let mut numbered = Numbered::new(target.confirmations.iter().map(|c| &c.run));
    for mut confirmation in source.confirmations {
        match numbered.place(&mut confirmation.run, &mut merged.logs) {
            true => merged.records.confirmations.push(confirmation),
            false => merged.already.confirmations += 1,
        }
    }
    let mut numbered = Numbered::new(target.probes.iter());
    for mut probe in source.probes {
        match numbered.place(&mut probe, &mut merged.logs) {
            true => merged.records.probes.push(probe),
            false => merged.already.probes += 1,
        }
    }
    let mut bisections: HashMap<(String, String), Value> = target
        .bisections
        .iter()
        .map(|b| ((b.victim.clone(), b.started_at.clone()), json(b)))
        .collect();
    for bisection in source.bisections {
        let key = (bisection.victim.clone(), bisection.started_at.clone());
        match bisections.get(&key) {
            Some(held) => {
                merged.already.bisections += 1;
                if *held != json(&bisection) {
                    merged.conflicts.push(format!(
                        "the bisection of {} at {}",
                        bisection.victim, bisection.started_at
                    ));
                }
            }
            None => {
                bisections.insert(key, json(&bisection));
                merged.records.bisections.push(bisection);
            }
        }
    }
    merged
}

/// Runs whose ids are numbered per machine, known by their content without id and log.
struct Numbered {
    ids: HashSet<String>,
    contents: HashSet<String>,
}

impl Numbered {
    fn new<'a>(held: impl Iterator<Item = &'a RunRecord>) -> Numbered {
        let mut numbered = Numbered {
            ids: HashSet::new(),
            contents: HashSet::new(),
        };
        for run in held {
            numbered.ids.insert(run.id.clone());
            numbered.contents.insert(content(run));
        }
        numbered
    }

    /// Whether `run` is new; a new one that only shares its id gets an id of its own, and its
    /// log a name to match.
    fn place(&mut self, run: &mut RunRecord, logs: &mut Vec<(String, String)>) -> bool {
        let content = content(run);
        if !self.contents.insert(content.clone()) {
            return false;
        }
        let from = run.log.clone();
        if self.ids.contains(&run.id) {
            run.id = format!("{}-{:08x}", run.id, fnv1a(content.bytes()) >> 32);
            if !run.log.is_empty() {
                run.log = format!("logs/{}.log", run.id);
            }
        }
        self.ids.insert(run.id.clone());
        logs.extend(log_copy(&from, &run.log));
        true
    }
}

fn json(record: &impl Serialize) -> Value {
    serde_json::to_value(record).unwrap_or(Value::Null)
}

/// A run without its id and log, which are all that two machines' copies of one run differ in.
fn content(run: &RunRecord) -> String {
    let mut value = json(run);
    if let Some(fields) = value.as_object_mut() {
        fields.remove("id");
        fields.remove("log");
    }
    value.to_string()
}

fn log_copy(from: &str, to: &str) -> Option<(String, String)> {
    (!from.is_empty()).then(|| (from.to_string(), to.to_string()))
}

/// `bleed merge` as the command line gives it.
pub struct Settings {
    pub store: PathBuf,
    pub sources: Vec<PathBuf>,
    /// Merge stores of another suite too.
    pub force: bool,
}

/// One store found in a source argument.
struct Source {
    root: PathBuf,
    records: Records,
}

/// Merges every source into the store and returns the summary line to print.
pub fn merge_stores(settings: &Settings) -> Result<String> {
    let target = Store::open(&settings.store)?;
    let mut sources = Vec::new();
    for argument in &settings.sources {
        for root in find_stores(argument)? {
            if fs::canonicalize(&root).is_ok_and(|r| r == target.root()) {
                return Err(Error::usage(format!(
                    "{} is the store being merged into (--store): name the stores to merge from",
                    root.display()
                )));
            }
            let records = load(&root)?;
            sources.push(Source { root, records });
        }
    }
    let mut held = load(target.root())?;
    let mut plans = Vec::new();
    let mut refused = Vec::new();
    for source in sources {
        if !settings.force
            && let Some(other) = another_suite(&held, &source.records)
        {
            refused.push(refusal(&source.root, &other));
            continue;
        }
        let merged = merge(&held, source.records);
        held.absorb(&merged.records);
        plans.push((source.root, merged));
    }
    if !refused.is_empty() {
        return Err(Error::usage(format!(
            "{}; nothing was merged. A store may hold several hunts, but a source must share a \
             command or a test with {}: --force merges it anyway",
            refused.join("; "),
            settings.store.display()
        )));
    }
    let _held = lock_hunts(&target, &plans)?;
    let mut added = Tally::default();
    let mut already = Tally::default();
    for (root, merged) in &plans {
        write(&target, &settings.store, root, merged)?;
        let tally = merged.records.tally();
        added.runs += tally.runs;
        added.confirmations += tally.confirmations;
        added.bisections += tally.bisections;
        added.probes += tally.probes;
        already.runs += merged.already.runs;
    }
    Ok(summary(added, already, plans.len(), &settings.store))
}

/// The hunts the merge adds runs to, held while it writes: a hunt running in the store must not
/// have runs and logs of its seeds written beside its own.
fn lock_hunts(target: &Store, plans: &[(PathBuf, Merged)]) -> Result<Vec<HuntLock>> {
    let tags: BTreeSet<String> = plans
        .iter()
        .flat_map(|(_, merged)| {
            let confirmed = merged.records.confirmations.iter().map(|c| &c.run);
            merged.records.runs.iter().chain(confirmed)
        })
        .filter_map(hunt::record_hunt_tag)
        .collect();
    tags.iter()
        .map(|tag| target.lock_hunt(tag, &format!("a hunt ({tag}) the merge adds runs to")))
        .collect()
}

fn refusal(root: &Path, other: &AnotherSuite) -> String {
    let list = |commands: &[String]| match commands {
        [] => "no command (imported runs)".to_string(),
        commands => commands
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", "),
    };
    format!(
        "{} holds another suite: its runs share no command and no test with this store's \
         (its commands: {}; this store's: {})",
        root.display(),
        list(&other.source),
        list(&other.target)
    )
}

/// `merged 12 runs (4 already there), 3 confirmation runs, 1 bisection from 3 stores into .bleed`
fn summary(added: Tally, already: Tally, stores: usize, into: &Path) -> String {
    let mut parts = vec![format!(
        "merged {}{}",
        count(added.runs, "run"),
        if already.runs > 0 {
            format!(" ({} already there)", already.runs)
        } else {
            String::new()
        }
    )];
    if added.confirmations > 0 {
        parts.push(count(added.confirmations, "confirmation run"));
    }
    if added.probes > 0 {
        parts.push(count(added.probes, "probe"));
    }
    if added.bisections > 0 {
        parts.push(count(added.bisections, "bisection"));
    }
    format!(
        "{} from {} into {}\n",
        parts.join(", "),
        count(stores, "store"),
        into.display()
    )
}

/// The stores in a source argument: the directory itself when it is one, else each directory
/// right below it that is one (a CI artifact often nests the store, as `shard-1/.bleed/`, and
/// a folder of downloaded artifacts holds one per shard).
fn find_stores(argument: &Path) -> Result<Vec<PathBuf>> {
    if !argument.is_dir() {
        return Err(Error::usage(format!(
            "{} is not a directory: name a store (a directory with {RUNS_FILE}) or a folder that \
             holds one",
            argument.display()
        )));
    }
    if is_store(argument) {
        progress::say(&format!("reading the store {}", argument.display()));
        return Ok(vec![argument.to_path_buf()]);
    }
    let entries = fs::read_dir(argument)
        .map_err(|e| Error::usage(format!("cannot list {}: {e}", argument.display())))?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(|entry| Some(entry.ok()?.path()))
        .filter(|path| path.is_dir() && is_store(path))
        .collect();
    found.sort();
    if found.is_empty() {
        return Err(Error::usage(format!(
            "no store in {}: neither it nor a directory right below it holds {RUNS_FILE} (or \
             another record file of bleed's)",
            argument.display()
        )));
    }
    for root in &found {
        progress::say(&format!(
            "found the store {} in {}",
            root.display(),
            argument.display()
        ));
    }
    Ok(found)
}

fn is_store(dir: &Path) -> bool {
    RECORD_FILES.iter().any(|file| dir.join(file).is_file())
}

fn load(root: &Path) -> Result<Records> {
    Ok(Records {
        runs: records(root, RUNS_FILE)?,
        confirmations: records(root, CONFIRMATIONS_FILE)?,
        bisections: records(root, BISECTIONS_FILE)?,
        probes: records(root, PROBES_FILE)?,
    })
}

fn records<T: DeserializeOwned>(root: &Path, file: &str) -> Result<Vec<T>> {
    let loaded = store::load_records(&root.join(file))?;
    for warning in &loaded.warnings {
        progress::warn(warning);
    }
    Ok(loaded.records)
}

/// Appends what one source adds, copies its logs, and warns of the records kept from the target.
fn write(target: &Store, named: &Path, source: &Path, merged: &Merged) -> Result<()> {
    let root = target.root();
    for run in &merged.records.runs {
        store::append_record(&root.join(RUNS_FILE), run)?;
    }
    for confirmation in &merged.records.confirmations {
        store::append_record(&root.join(CONFIRMATIONS_FILE), confirmation)?;
    }
    for probe in &merged.records.probes {
        store::append_record(&root.join(PROBES_FILE), probe)?;
    }
    for bisection in &merged.records.bisections {
        store::append_record(&root.join(BISECTIONS_FILE), bisection)?;
    }
    for (from, to) in &merged.logs {
        copy_log(source, from, root, to)?;
    }
    if !merged.conflicts.is_empty() {
        const SHOWN: usize = 3;
        let mut ids = merged.conflicts[..merged.conflicts.len().min(SHOWN)].join(", ");
        if merged.conflicts.len() > SHOWN {
            ids.push_str(&format!(" and {} more", merged.conflicts.len() - SHOWN));
        }
        progress::warn(&format!(
            "{} of {} {} in {} too, with other content (the same seed run on both machines?): \
             kept {}'s: {ids}",
            counted(merged.conflicts.len(), "record", "records"),
            source.display(),
            if merged.conflicts.len() == 1 {
                "is"
            } else {
                "are"
            },
            named.display(),
            named.display(),
        ));
    }
    Ok(())
}

/// Copies a log into the target unless it is missing or already there. Only plain relative
/// paths are followed: a store's records must not make bleed read or write outside the stores.
fn copy_log(source: &Path, from: &str, root: &Path, to: &str) -> Result<()> {
    let plain = |path: &str| {
        Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
    };
    if !plain(from) || !plain(to) {
        return Ok(());
    }
    let (from, target) = (source.join(from), root.join(to));
    if !from.is_file() || target.exists() {
        return Ok(());
    }
    if let Some(dir) = target.parent() {
        fs::create_dir_all(dir)
            .map_err(|e| Error::store(format!("cannot create {}: {e}", dir.display())))?;
    }
    fs::copy(&from, &target).map_err(|e| {
        Error::store(format!(
            "cannot copy the log {} to {}: {e}",
            from.display(),
            target.display()
        ))
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::Check;
    use crate::outcome::{Outcome, TestResult};
    use crate::store::{RunStatus, SCHEMA};

    fn run(id: &str, template: &str, tests: &[&str]) -> RunRecord {
        RunRecord {
            schema: SCHEMA,
            id: id.into(),
            template: template.into(),
            runner: "pytest".into(),
            master_seed: Some(7),
            index: id.rsplit('-').next().and_then(|i| i.parse().ok()),
            seed: Some(100),
            command: template.into(),
            worker: 1,
            started_at: "2026-12-02T06:00:00.000Z".into(),
            wall_seconds: 1.0,
            exit_code: Some(0),
            status: RunStatus::Ok,
            problem: None,
            log: format!("logs/{id}.log"),
            results: tests
                .iter()
                .map(|t| TestResult::bare(t, Outcome::Passed))
                .collect(),
            running: None,
            warm: false,
            host: None,
            imported: None,
            order: None,
            strays: 0,
        }
    }

    fn confirmation(id: &str, started_at: &str) -> Confirmation {
        let mut run = run(id, "pytest", &["a"]);
        run.index = None;
        run.started_at = started_at.into();
        Confirmation {
            schema: SCHEMA,
            check: Check::Alone { test: "a".into() },
            run,
        }
    }

    fn bisection(victim: &str, started_at: &str, probes: usize) -> Bisection {
        serde_json::from_value(serde_json::json!({
            "schema": 1, "victim": victim, "verdict": "polluted",
            "polluters": [{"id": "p"}], "cleaners": [], "state_setters": [],
            "probes": probes, "rounds": 1, "cleaner_probes": 0, "candidates": 3,
            "wall_seconds": 1.0, "reproducer": null, "isolation_command": "x",
            "runner": "pytest", "seed": 7, "origin": "o", "failure_message": null,
            "runner_version": null, "started_at": started_at,
        }))
        .expect("a bisection")
    }

    fn records(runs: Vec<RunRecord>) -> Records {
        Records {
            runs,
            ..Records::default()
        }
    }

    fn ids(runs: &[RunRecord]) -> Vec<&str> {
        runs.iter().map(|r| r.id.as_str()).collect()
    }

    #[test]
    fn runs_are_merged_once_by_id_with_their_logs() {
        let target = records(vec![run("h-0", "pytest", &["a"])]);
        let source = records(vec![
            run("h-0", "pytest", &["a"]),
            run("h-1", "pytest", &["a"]),
            run("h-1", "pytest", &["a"]),
        ]);
        let merged = merge(&target, source);
        assert_eq!(ids(&merged.records.runs), ["h-1"]);
        assert_eq!(merged.already.runs, 2);
        assert!(merged.conflicts.is_empty());
        assert_eq!(
            merged.logs,
            [("logs/h-1.log".to_string(), "logs/h-1.log".to_string())]
        );
    }

    #[test]
    fn a_run_held_with_other_content_keeps_the_targets_and_is_named() {
        let target = records(vec![run("h-0", "pytest", &["a"])]);
        let mut elsewhere = run("h-0", "pytest", &["a"]);
        elsewhere.wall_seconds = 2.0;
        let merged = merge(&target, records(vec![elsewhere]));
        assert!(merged.records.runs.is_empty());
        assert_eq!(merged.already.runs, 1);
        assert_eq!(merged.conflicts, ["h-0"]);
        assert!(merged.logs.is_empty(), "the target's log stays");
    }

    /// Each shard of a hunt in bleed's orders lists the suite once, under one id.
    #[test]
    fn listing_runs_of_two_shards_are_one_run() {
        let listing = |wall_seconds: f64| RunRecord {
            index: None,
            wall_seconds,
            ..run("h-natural", "pytest", &["a"])
        };
        let merged = merge(&records(vec![listing(1.0)]), records(vec![listing(2.0)]));
        assert_eq!(merged.already.runs, 1);
        assert!(merged.conflicts.is_empty());
    }

    /// Each machine numbers its confirmation runs from 1: two shards' `-c1` are two runs.
    #[test]
    fn numbered_records_that_only_share_an_id_are_both_kept() {
        let target = Records {
            confirmations: vec![confirmation("h-c1", "2026-12-02T06:00:00.000Z")],
            ..Records::default()
        };
        let source = Records {
            confirmations: vec![
                confirmation("h-c1", "2026-12-02T06:00:00.000Z"),
                confirmation("h-c1", "2026-12-02T07:00:00.000Z"),
            ],
            ..Records::default()
        };
        let merged = merge(&target, source);
        assert_eq!(merged.already.confirmations, 1);
        let [kept] = merged.records.confirmations.as_slice() else {
            panic!("one new confirmation: {:?}", merged.records.confirmations);
        };
        assert!(kept.run.id.starts_with("h-c1-") && kept.run.id.len() == "h-c1-".len() + 8);
        assert_eq!(kept.run.log, format!("logs/{}.log", kept.run.id));
        assert_eq!(
            merged.logs,
            [("logs/h-c1.log".to_string(), kept.run.log.clone())]
        );

        let mut again = target.clone();
        again.absorb(&merged.records);
        let source = Records {
            confirmations: vec![confirmation("h-c1", "2026-12-02T07:00:00.000Z")],
            ..Records::default()
        };
        let twice = merge(&again, source);
        assert!(
            twice.records.confirmations.is_empty(),
            "merging again adds nothing"
        );
    }

    #[test]
    fn bisections_are_the_same_by_victim_and_start() {
        let target = Records {
            bisections: vec![bisection("v", "2026-12-02T06:00:00Z", 4)],
            ..Records::default()
        };
        let source = Records {
            bisections: vec![
                bisection("v", "2026-12-02T06:00:00Z", 4),
                bisection("v", "2026-12-02T06:00:00Z", 5),
                bisection("v", "2026-12-02T08:00:00Z", 3),
            ],
            ..Records::default()
        };
        let merged = merge(&target, source);
        assert_eq!(merged.already.bisections, 2);
        assert_eq!(merged.conflicts.len(), 1, "{:?}", merged.conflicts);
        assert_eq!(merged.records.bisections.len(), 1);
        assert_eq!(
            merged.records.bisections[0].started_at,
            "2026-12-02T08:00:00Z"
        );
    }

    #[test]
    fn a_store_sharing_no_command_and_no_test_is_another_suite() {
        let target = records(vec![run("h-0", "pytest -q", &["tests/a.py::t"])]);
        let other = records(vec![run("j-0", "npx jest", &["a.test.js › t"])]);
        assert_eq!(
            another_suite(&target, &other),
            Some(AnotherSuite {
                source: vec!["npx jest".into()],
                target: vec!["pytest -q".into()],
            })
        );
        let same_command = records(vec![run("k-0", "pytest -q", &["tests/b.py::t"])]);
        assert_eq!(another_suite(&target, &same_command), None);
        let same_test = records(vec![run("k-0", "pytest -x", &["tests/a.py::t"])]);
        assert_eq!(another_suite(&target, &same_test), None);
        assert_eq!(
            another_suite(&Records::default(), &other),
            None,
            "anything goes into an empty store"
        );
        assert_eq!(another_suite(&target, &Records::default()), None);
    }

    /// Runs imported without `--cmd` all have the same template, whatever their suite.
    #[test]
    fn the_imported_template_does_not_make_two_suites_one() {
        let target = records(vec![run("i-1", IMPORTED_TEMPLATE, &["tests/a.py::t"])]);
        let other = records(vec![run("i-2", IMPORTED_TEMPLATE, &["a.test.js › t"])]);
        assert!(another_suite(&target, &other).is_some());
    }

    #[test]
    fn the_summary_says_what_was_merged_from_where() {
        let added = Tally {
            runs: 12,
            confirmations: 3,
            bisections: 1,
            probes: 0,
        };
        let already = Tally {
            runs: 4,
            ..Tally::default()
        };
        assert_eq!(
            summary(added, already, 3, Path::new(".bleed")),
            "merged 12 runs (4 already there), 3 confirmation runs, 1 bisection from 3 stores \
             into .bleed\n"
        );
        assert_eq!(
            summary(Tally::default(), Tally::default(), 1, Path::new("s")),
            "merged 0 runs from 1 store into s\n"
        );
    }
}
