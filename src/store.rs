//! The store under `.bleed/`: append-only JSON lines, one record a line.
//!
//! A record is written with one `write` under an exclusive `flock`, then synced, so parallel
//! workers and concurrent bleed processes never interleave lines. A crash can still leave a
//! torn last line; readers skip it with a warning, and the next append starts a fresh line.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
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
        Ok(Store { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn log_path(&self, run_id: &str) -> PathBuf {
        self.root.join("logs").join(format!("{run_id}.log"))
    }

    pub fn report_path(&self, run_id: &str, extension: &str) -> PathBuf {
        self.root
            .join("reports")
            .join(format!("{run_id}.{extension}"))
    }

    /// The store-relative form of a path inside it, for records that survive a moved checkout.
    /// Writes an explicit order, one test id a line, for `<tests-file>`.
    pub fn write_order(&self, run_id: &str, tests: &[String]) -> Result<PathBuf> {
        let dir = self.root.join("orders");
        let path = dir.join(format!("{run_id}.txt"));
        let mut text = tests.join("\n");
        text.push('\n');
        fs::create_dir_all(&dir)
            .and_then(|()| fs::write(&path, text))
            .map_err(|e| {
                Error::store(format!(
                    "cannot write the test order {}: {e}",
                    path.display()
                ))
            })?;
        Ok(path)
    }

    pub fn relative(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .display()
            .to_string()
    }

    pub fn append_run(&self, record: &RunRecord) -> Result<()> {
        append_record(&self.root.join(RUNS_FILE), record)
    }

    pub fn load_runs(&self) -> Result<Loaded<RunRecord>> {
        load_records(&self.root.join(RUNS_FILE))
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
