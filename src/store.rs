//! The store under `.bleed/`: append-only JSON lines, one record a line.
//!
//! A record is written with one `write` under an exclusive `flock`, then synced, so parallel
//! workers and concurrent bleed processes never interleave lines. A crash can still leave a
//! torn last line; readers skip it with a warning, and the next append starts a fresh line.
//!
//! One hunt has one writer: `lock_hunt` holds a lock under `locks/` for the hunt's lifetime, so
//! that a second bleed of the same hunt refuses instead of running the same seeds again under
//! the same ids. The files a run only needs while it runs (its report, its order) carry the
//! process id as well, so that no two processes ever share one. Should a run be recorded twice
//! anyway (a store from before the lock, two stores merged by hand), `load_runs` keeps the first.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::human;
use crate::outcome::TestResult;
use crate::records;

/// Bumped when a record changes incompatibly; older bleeds skip newer records with a warning.
pub const SCHEMA: u32 = 1;

/// Where the store is when `--store` does not say.
pub const DEFAULT_ROOT: &str = ".bleed";

pub(crate) const RUNS_FILE: &str = "runs.jsonl";

/// The runs of bisections' probes.
pub(crate) const PROBES_FILE: &str = "probes.jsonl";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// The report was read whole.
    Ok,
    /// The run ended but its report was missing, truncated or unreadable.
    Broken,
    /// Killed after `--timeout`.
    Timeout,
}

/// One run of the suite, as recorded. Its results are `TestResult`s, but where a summary of a
/// large store reads them borrowed from the line (`records::ResultRef`) or holds them compact
/// (`records::Timed`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord<R = Vec<TestResult>> {
    pub schema: u32,
    pub id: String,
    /// The command template as the user gave it: with `master_seed`, it names the hunt.
    pub template: String,
    pub runner: String,
    /// Set for the runs of a hunt.
    pub master_seed: Option<u64>,
    /// Position in the hunt's seed sequence.
    pub index: Option<u64>,
    /// Absent for a probe, which replays an explicit order.
    pub seed: Option<u64>,
    /// The command exactly as it ran under `sh -c`.
    pub command: String,
    pub worker: usize,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub wall_seconds: f64,
    pub exit_code: Option<i32>,
    pub status: RunStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// The run's output, relative to the store.
    pub log: String,
    /// In execution order.
    pub results: R,
    /// For a run killed by the timeout: the test that was running, when the runner's report
    /// tells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub running: Option<String>,
    /// Run warm (docs/warm.md): forked from a booted server, or through a prebuilt binary.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub warm: bool,
    /// For a run bleed did not start (`bleed import`): the report it was read from. Older
    /// bleeds skip the field like any they do not know, and read the run as a one-off run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imported: Option<String>,
    /// The machine it ran on (`run::machine`): runs on different machines cannot interfere,
    /// however their times overlap. Absent in older records, which may have run anywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Who chose the order, for runs of a hunt whose orders bleed chose (`hunt --order`):
    /// "shuffle", "reverse" or "pairs". With the template and master seed, it names the hunt;
    /// absent for the runner's own orders, as in records made before the option existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    /// Processes the run left running in its process group when it ended on its own, which
    /// bleed then ended (see `exec`). Absent when there were none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub strays: usize,
}

fn is_zero(count: &usize) -> bool {
    *count == 0
}

/// Records read back, with a line of warning for each one that had to be skipped.
#[derive(Debug)]
pub struct Loaded<T> {
    pub records: Vec<T>,
    pub warnings: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the store at `root`, made absolute so that commands which
    /// change directory still write their reports into it.
    pub fn open(root: &Path) -> Result<Store> {
        for dir in [root.to_path_buf(), root.join("logs"), root.join("reports")] {
            fs::create_dir_all(&dir).map_err(|e| {
                Error::store(format!(
                    "cannot create the store directory {}: {e}",
                    dir.display()
                ))
            })?;
        }
        let root = fs::canonicalize(root)
            .map_err(|e| Error::store(format!("cannot resolve {}: {e}", root.display())))?;
        // Whatever a bleed that died in this store left running goes before anything new starts.
        crate::leftovers::sweep(&root);
        Ok(Store { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The run's output, kept with its record. Run ids are one process's own (a hunt's under
    /// its lock, a bisection's carry its process), so the name needs nothing more.
    pub fn log_path(&self, run_id: &str) -> PathBuf {
        self.root.join("logs").join(format!("{run_id}.log"))
    }

    /// Where the runner writes the run's report: named after the process too, so that whatever
    /// another bleed runs under the same id, neither reads or deletes the other's report.
    pub fn report_path(&self, run_id: &str, extension: &str) -> PathBuf {
        self.root
            .join("reports")
            .join(scratch_name(run_id, extension))
    }

    /// Writes an explicit order, one test id a line, for `<tests-file>`. An id that holds a line
    /// break cannot be written so: it is refused by name rather than split into two ids the
    /// runner would not find.
    pub fn write_order(&self, run_id: &str, tests: &[String]) -> Result<PathBuf> {
        if let Some(id) = tests.iter().find(|id| !listable(std::slice::from_ref(id))) {
            return Err(Error::suite(format!(
                "the test id {} holds a line break, and <tests-file> lists one test a line, so \
                 bleed cannot give it to the runner this way: rename the test, or give a \
                 --replay-cmd that takes <tests>",
                crate::error::clip_command(&format!("{id:?}"))
            )));
        }
        let mut text = tests.join("\n");
        text.push('\n');
        self.write_scratch(&scratch_name(run_id, "txt"), &text, "the test order")
    }

    /// Writes, for a shell to source, a script that makes `tests` its positional parameters:
    /// how an order too long for one argument reaches a command that takes `<tests>`.
    pub fn write_arguments(&self, run_id: &str, script: &str) -> Result<PathBuf> {
        self.write_scratch(&scratch_name(run_id, "args.sh"), script, "the test order")
    }

    fn write_scratch(&self, name: &str, text: &str, what: &str) -> Result<PathBuf> {
        let dir = self.root.join("orders");
        let path = dir.join(name);
        fs::create_dir_all(&dir)
            .and_then(|()| fs::write(&path, text))
            .map_err(|e| Error::store(format!("cannot write {what} {}: {e}", path.display())))?;
        Ok(path)
    }

    /// Refuses, in one line, a store that could not take a hunt's or a bisection's records,
    /// before any suite runs: finding out at the first append would lose the runs made so far.
    pub fn check_writable(&self) -> Result<()> {
        let scratch = format!(".write-check-{}", std::process::id());
        let dirs = ["logs", "reports", "orders", "locks"].map(|dir| self.root.join(dir));
        for dir in std::iter::once(self.root.clone()).chain(dirs) {
            let probe = dir.join(&scratch);
            let written = fs::create_dir_all(&dir).and_then(|()| {
                OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .open(&probe)
                    .map(drop)
            });
            let _ = fs::remove_file(&probe);
            written.map_err(|e| unwritable(&dir, &e))?;
        }
        for file in RECORD_FILES {
            let path = self.root.join(file);
            match OpenOptions::new().append(true).open(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(unwritable(&path, &e));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Takes the hunt named `tag` for this process until the lock is dropped (or the process
    /// dies, killed or not), refusing at once if another bleed holds it. `what` names the hunt
    /// in the refusal.
    pub fn lock_hunt(&self, tag: &str, what: &str) -> Result<HuntLock> {
        let dir = self.root.join("locks");
        let path = dir.join(format!("{tag}.lock"));
        let fail = |e: std::io::Error| {
            Error::store(format!("cannot lock {} in {}: {e}", what, path.display()))
        };
        fs::create_dir_all(&dir).map_err(fail)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(fail)?;
        // SAFETY: flock only reads the descriptor, which the lock keeps open for its life.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            let error = std::io::Error::last_os_error();
            if error.raw_os_error() != Some(libc::EWOULDBLOCK) {
                return Err(fail(error));
            }
            return Err(held_by(&holder_of(&mut file), what, &self.root));
        }
        // Who holds it, for the refusal another bleed prints; a lock file left by a process
        // that died says a stale pid, which the next holder overwrites.
        file.set_len(0)
            .and_then(|()| file.write_all(format!("{}\n", std::process::id()).as_bytes()))
            .map_err(fail)?;
        Ok(HuntLock { _file: file })
    }

    /// The store-relative form of a path inside it, for records that survive a moved checkout.
    pub fn relative(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .display()
            .to_string()
    }

    pub fn append_run(&self, record: &RunRecord) -> Result<()> {
        append_record(&self.root.join(RUNS_FILE), record)
    }

    /// The recorded runs, each once: see `load_runs_at`.
    pub fn load_runs(&self) -> Result<Loaded<RunRecord>> {
        load_runs_at(&self.root)
    }
}

/// Held while a hunt runs; dropping it (or the process dying) lets the next bleed have the hunt.
#[derive(Debug)]
pub struct HuntLock {
    _file: File,
}

/// The files that hold records, which a hunt or a bisection may append to.
const RECORD_FILES: [&str; 4] = [
    RUNS_FILE,
    PROBES_FILE,
    crate::hunt::CONFIRMATIONS_FILE,
    crate::bisect::BISECTIONS_FILE,
];

/// Whether `tests` can be written one a line, as `<tests-file>` lists them.
pub fn listable(tests: &[String]) -> bool {
    !tests.iter().any(|id| id.contains(['\n', '\r']))
}

/// A scratch file's name: the run's id, this process, and its kind.
fn scratch_name(run_id: &str, extension: &str) -> String {
    format!("{run_id}.{}.{extension}", std::process::id())
}

fn unwritable(path: &Path, error: &std::io::Error) -> Error {
    Error::store(format!(
        "the store cannot be written ({}: {error}): make it writable, or give another --store; \
         nothing was run",
        path.display()
    ))
}

/// The pid the holder of a lock wrote in it. A holder writes it just after taking the lock, so
/// an empty file is read again for a moment before the holder goes unnamed.
fn holder_of(file: &mut File) -> String {
    for _ in 0..100 {
        let mut holder = String::new();
        let read = file
            .seek(SeekFrom::Start(0))
            .and_then(|_| file.read_to_string(&mut holder));
        if read.is_err() || !holder.trim().is_empty() {
            return holder.trim().to_string();
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    String::new()
}

fn held_by(holder: &str, what: &str, root: &Path) -> Error {
    let (who, wait) = match holder.parse::<u32>() {
        Ok(pid) => (
            format!("another bleed (pid {pid})"),
            format!("wait for it to end (`while kill -0 {pid}; do sleep 10; done`)"),
        ),
        Err(_) => (
            "another bleed".to_string(),
            "wait for it to end".to_string(),
        ),
    };
    Error::store(format!(
        "{who} is running {what} in {}: {wait}, then run this command again; `bleed report` \
         shows what it has recorded so far",
        root.display()
    ))
}

/// The runs recorded in the store at `root`, each once: a run recorded twice, under one id or
/// as the same run of the same hunt, is kept the first time, and the rest are skipped with a
/// warning that counts them, so that no seed is counted or weighed twice.
pub fn load_runs_at(root: &Path) -> Result<Loaded<RunRecord>> {
    let path = root.join(RUNS_FILE);
    let mut loaded = load_records::<RunRecord>(&path)?;
    let mut first = FirstRuns::default();
    loaded.records.retain(|record| first.is_first(record));
    loaded.warnings.extend(first.warning(&path));
    Ok(loaded)
}

/// Tells the first record of each run, by id and by place in its hunt, from the same run
/// recorded again (two bleeds of one hunt before hunts were locked, stores merged by hand).
#[derive(Default)]
pub struct FirstRuns {
    ids: HashSet<String>,
    places: HashSet<(String, Option<u64>, Option<String>, u64)>,
    skipped: usize,
}

impl FirstRuns {
    pub fn is_first<R>(&mut self, record: &RunRecord<R>) -> bool {
        let place = record.index.map(|index| {
            (
                record.template.clone(),
                record.master_seed,
                record.order.clone(),
                index,
            )
        });
        let new_place = place
            .as_ref()
            .is_none_or(|place| !self.places.contains(place));
        if !self.ids.contains(&record.id) && new_place {
            self.ids.insert(record.id.clone());
            self.places.extend(place);
            true
        } else {
            self.skipped += 1;
            false
        }
    }

    /// The warning for the runs skipped, if any, in the file at `path`.
    pub fn warning(&self, path: &Path) -> Option<String> {
        (self.skipped > 0).then(|| {
            format!(
                "{}: skipped {} recorded again (the first of each counts; two bleeds ran one \
                 hunt at once?)",
                path.display(),
                human::counted(self.skipped, "run", "runs")
            )
        })
    }
}

/// Appends one record as one line. Public to the crate so later record kinds share it.
pub(crate) fn append_record<T: Serialize>(path: &Path, record: &T) -> Result<()> {
    let mut line = serde_json::to_string(record).map_err(|e| {
        Error::store(format!(
            "cannot encode a record for {}: {e}",
            path.display()
        ))
    })?;
    line.push('\n');
    let fail =
        |e: std::io::Error| Error::store(format!("cannot append to {}: {e}", path.display()));
    let mut file = OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .open(path)
        .map_err(fail)?;
    let _lock = FileLock::exclusive(&file).map_err(fail)?;
    if !ends_with_newline(&mut file).map_err(fail)? {
        line.insert(0, '\n');
    }
    file.write_all(line.as_bytes()).map_err(fail)?;
    file.sync_data().map_err(fail)
}

/// Reads every record, skipping (with a warning) torn, corrupt and newer-schema lines.
pub(crate) fn load_records<T: DeserializeOwned>(path: &Path) -> Result<Loaded<T>> {
    let mut records = Vec::new();
    let warnings = records::read_lines(path, |text| {
        records.push(decode(text)?);
        Ok(())
    })?;
    Ok(Loaded { records, warnings })
}

/// One record from its line; why not, for a line that is not one this bleed can read.
pub(crate) fn decode<'a, T: Deserialize<'a>>(text: &'a str) -> std::result::Result<T, String> {
    #[derive(Deserialize)]
    struct Version {
        schema: u32,
    }
    let schema = match leading_schema(text) {
        Some(schema) => schema,
        None => {
            serde_json::from_str::<Version>(text)
                .map_err(|e| e.to_string())?
                .schema
        }
    };
    if schema > SCHEMA {
        return Err(format!("written by a newer bleed (schema {schema})"));
    }
    serde_json::from_str(text).map_err(|e| e.to_string())
}

/// The schema of a record that starts with it, as bleed writes every record: read from the
/// first bytes, where parsing the line for it would read all of it twice.
fn leading_schema(text: &str) -> Option<u32> {
    let rest = text.strip_prefix("{\"schema\":")?;
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let after = rest[digits..].chars().next();
    if digits == 0 || !matches!(after, Some(',' | '}')) {
        return None;
    }
    rest[..digits].parse().ok()
}

fn ends_with_newline(file: &mut File) -> std::io::Result<bool> {
    let length = file.seek(SeekFrom::End(0))?;
    if length == 0 {
        return Ok(true);
    }
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

/// An exclusive advisory lock, released when dropped (or when the process dies). Declared
/// after the file it locks, so it is dropped first.
struct FileLock {
    fd: RawFd,
}

impl FileLock {
    fn exclusive(file: &File) -> std::io::Result<FileLock> {
        let fd = file.as_raw_fd();
        // SAFETY: flock only reads the descriptor, which the caller keeps open for the lock's life.
        if unsafe { libc::flock(fd, libc::LOCK_EX) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(FileLock { fd })
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        // SAFETY: as above; unlocking a descriptor we hold cannot corrupt anything.
        unsafe { libc::flock(self.fd, libc::LOCK_UN) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Outcome;

    fn record(index: u64) -> RunRecord {
        RunRecord {
            schema: SCHEMA,
            id: format!("abc-{index}"),
            template: "pytest --seed <seed>".into(),
            runner: "pytest".into(),
            master_seed: Some(7),
            index: Some(index),
            seed: Some(1000 + index),
            command: format!("pytest --seed {}", 1000 + index),
            worker: 1,
            started_at: "2026-11-22T00:00:00Z".into(),
            wall_seconds: 1.5,
            exit_code: Some(1),
            status: RunStatus::Ok,
            problem: None,
            log: format!("logs/abc-{index}.log"),
            results: vec![TestResult {
                id: "it's \"quoted\" $(x)\n".into(),
                outcome: Outcome::Failed,
                duration: Some(0.25),
                message: Some("boom".into()),
                file: None,
                line: None,
                name: Some("boom's \"title\"".into()),
            }],
            running: None,
            warm: false,
            imported: None,
            host: None,
            order: None,
            strays: 0,
        }
    }

    #[test]
    fn records_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join(".bleed")).unwrap();
        store.append_run(&record(0)).unwrap();
        store.append_run(&record(1)).unwrap();
        let loaded = store.load_runs().unwrap();
        assert_eq!(loaded.records, vec![record(0), record(1)]);
        assert!(loaded.warnings.is_empty());
    }

    #[test]
    fn a_torn_last_line_is_skipped_and_the_next_append_starts_a_new_line() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.append_run(&record(0)).unwrap();
        let full = serde_json::to_string(&record(1)).unwrap();
        let mut file = OpenOptions::new()
            .append(true)
            .open(dir.path().join(RUNS_FILE))
            .unwrap();
        file.write_all(&full.as_bytes()[..full.len() / 2]).unwrap();
        drop(file);

        let loaded = store.load_runs().unwrap();
        assert_eq!(loaded.records, vec![record(0)]);
        assert_eq!(loaded.warnings.len(), 1);
        assert!(
            loaded.warnings[0].contains("torn last line"),
            "{}",
            loaded.warnings[0]
        );

        store.append_run(&record(2)).unwrap();
        let loaded = store.load_runs().unwrap();
        assert_eq!(loaded.records, vec![record(0), record(2)]);
        assert_eq!(loaded.warnings.len(), 1, "only the torn line is lost");
    }

    #[test]
    fn newer_schemas_and_garbage_are_skipped_with_warnings() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut newer = serde_json::to_value(record(0)).unwrap();
        newer["schema"] = serde_json::json!(SCHEMA + 1);
        fs::write(
            dir.path().join(RUNS_FILE),
            format!(
                "{newer}\nnot json\n\n{}\n",
                serde_json::to_string(&record(3)).unwrap()
            ),
        )
        .unwrap();
        let loaded = store.load_runs().unwrap();
        assert_eq!(loaded.records, vec![record(3)]);
        assert_eq!(loaded.warnings.len(), 2);
        assert!(loaded.warnings[0].contains("newer bleed"));
    }

    /// `imported` was added without a schema bump: a bleed that does not know a field must
    /// read the record anyway, which serde does unless a struct denies unknown fields.
    #[test]
    fn fields_a_bleed_does_not_know_are_ignored_and_imported_is_optional() {
        let mut imported = record(0);
        imported.imported = Some("ci/junit-7.xml".into());
        let mut newer = serde_json::to_value(&imported).unwrap();
        newer["added_by_a_later_bleed"] = serde_json::json!({"any": [1, 2]});
        assert_eq!(decode::<RunRecord>(&newer.to_string()), Ok(imported));

        let plain = serde_json::to_value(record(0)).unwrap();
        assert!(plain.get("imported").is_none(), "not written when absent");
        assert_eq!(decode::<RunRecord>(&plain.to_string()), Ok(record(0)));
    }

    #[test]
    fn a_missing_store_file_reads_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let loaded = store.load_runs().unwrap();
        assert!(loaded.records.is_empty() && loaded.warnings.is_empty());
    }

    #[test]
    fn a_run_recorded_twice_counts_once_and_the_first_record_wins() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut again = record(0);
        again.exit_code = Some(0);
        // The same run of the same hunt under another id: a store from before hunt tags
        // carried the order, or merged by hand.
        let mut renamed = record(1);
        renamed.id = "other-1".into();
        let mut other_hunt = record(1);
        other_hunt.id = "xyz-1".into();
        other_hunt.master_seed = Some(8);
        let mut one_off = record(2);
        one_off.index = None;
        let mut one_off_again = one_off.clone();
        one_off_again.id = "abc-2-again".into();
        for run in [
            &record(0),
            &record(1),
            &again,
            &renamed,
            &other_hunt,
            &one_off,
            &one_off_again,
        ] {
            store.append_run(run).unwrap();
        }
        let loaded = store.load_runs().unwrap();
        let ids: Vec<&str> = loaded.records.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["abc-0", "abc-1", "xyz-1", "abc-2", "abc-2-again"]);
        assert_eq!(
            loaded.records[0].exit_code,
            Some(1),
            "the first record wins"
        );
        assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
        assert!(
            loaded.warnings[0].contains("skipped 2 runs recorded again"),
            "{}",
            loaded.warnings[0]
        );
    }

    #[test]
    fn a_hunt_has_one_holder_at_a_time_and_is_free_once_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let held = store.lock_hunt("abc", "this hunt").unwrap();
        let refused = store.lock_hunt("abc", "this hunt").unwrap_err();
        assert_eq!(refused.code, crate::error::ExitCode::Store);
        let pid = std::process::id();
        assert!(
            refused.message.starts_with(&format!(
                "another bleed (pid {pid}) is running this hunt in "
            )),
            "{}",
            refused.message
        );
        assert!(refused.message.contains(&format!("while kill -0 {pid};")));
        assert!(!refused.message.contains('\n'));
        let other = store.lock_hunt("xyz", "another hunt");
        assert!(other.is_ok(), "another hunt runs alongside");
        drop(held);
        assert!(store.lock_hunt("abc", "this hunt").is_ok());
    }

    #[test]
    fn scratch_files_are_named_after_the_process() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let pid = std::process::id();
        let report = store.report_path("abc-3", "xml");
        assert!(
            report.ends_with(format!("reports/abc-3.{pid}.xml")),
            "{report:?}"
        );
        let order = store
            .write_order("abc-3", &["a".into(), "b c".into()])
            .unwrap();
        assert!(
            order.ends_with(format!("orders/abc-3.{pid}.txt")),
            "{order:?}"
        );
        assert_eq!(fs::read_to_string(order).unwrap(), "a\nb c\n");
        assert_eq!(store.log_path("abc-3"), dir.path().join("logs/abc-3.log"));
    }

    #[test]
    fn an_id_with_a_line_break_is_refused_for_a_tests_file_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let error = store
            .write_order("abc-4", &["fine".into(), "two\nlines".into()])
            .unwrap_err();
        assert!(
            error.message.starts_with(
                "the test id \"two\\nlines\" holds a line break, and <tests-file> lists one \
                 test a line"
            ),
            "{}",
            error.message
        );
        assert!(!error.message.contains('\n'));
    }

    /// A record file bleed cannot append to (here a directory in its place, which stops root
    /// as well as anyone) is found before anything runs.
    #[test]
    fn a_store_that_cannot_take_records_is_refused_up_front() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert!(store.check_writable().is_ok());
        assert!(
            fs::read_dir(dir.path()).unwrap().all(|e| !e
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains("write-check")),
            "the check leaves nothing behind"
        );
        fs::create_dir(dir.path().join(PROBES_FILE)).unwrap();
        let error = store.check_writable().unwrap_err();
        assert_eq!(error.code, crate::error::ExitCode::Store);
        assert!(
            error.message.starts_with("the store cannot be written (")
                && error.message.contains(PROBES_FILE)
                && error.message.ends_with("nothing was run"),
            "{}",
            error.message
        );
    }

    #[test]
    fn concurrent_appends_never_interleave() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut big = record(0);
        big.results = (0..2_000).map(|_| record(0).results[0].clone()).collect();
        std::thread::scope(|scope| {
            for thread in 0..8u64 {
                let (store, big) = (store.clone(), big.clone());
                scope.spawn(move || {
                    for i in 0..25 {
                        let mut own = big.clone();
                        own.index = Some(thread * 100 + i);
                        own.id = format!("abc-{}", thread * 100 + i);
                        store.append_run(&own).unwrap();
                    }
                });
            }
        });
        let loaded = store.load_runs().unwrap();
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
        let mut indexes: Vec<u64> = loaded.records.iter().filter_map(|r| r.index).collect();
        indexes.sort();
        let expected: Vec<u64> = (0..8)
            .flat_map(|t| (0..25).map(move |i| t * 100 + i))
            .collect();
        assert_eq!(indexes, expected);
    }

    /// bleed writes the schema first, and reads it from there without parsing the line twice;
    /// a line that starts otherwise is parsed for it.
    #[test]
    fn the_schema_is_read_from_the_start_of_a_line_or_else_parsed() {
        assert_eq!(leading_schema(r#"{"schema":1,"id":"x"}"#), Some(1));
        assert_eq!(leading_schema(r#"{"schema":12}"#), Some(12));
        for other in [
            r#"{ "schema":1}"#,
            r#"{"schema":1.5}"#,
            r#"{"schema":"1"}"#,
            "{}",
        ] {
            assert_eq!(leading_schema(other), None, "{other}");
        }
        let newer = serde_json::to_string(&record(0)).unwrap().replacen(
            r#"{"schema":1,"#,
            r#"{"schema":2,"#,
            1,
        );
        assert_eq!(
            decode::<RunRecord>(&newer),
            Err("written by a newer bleed (schema 2)".to_string())
        );
        let spaced = serde_json::to_string(&record(0)).unwrap().replacen(
            r#"{"schema":1,"#,
            r#"{ "schema": 1, "#,
            1,
        );
        assert_eq!(decode::<RunRecord>(&spaced), Ok(record(0)));
    }
}
