//! Record files read a line at a time, and runs held compactly, for summaries of large stores.
//!
//! A hunt of 1,000 runs of 10,000 tests records ten million results. Held as `TestResult`s,
//! each with its id, file and message as strings of its own, they take gigabytes; a summary
//! needs of each run only the order its tests ran in and how each did. So a summary reads the
//! store one line at a time ([`read_lines`]), folds what it needs of a test's results into
//! aggregates of its own as it goes, and keeps of each run a [`Ran`]: the tests' numbers in
//! [`Names`] and their outcomes, five bytes a result.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::hash::{BuildHasher, RandomState};
use std::io::{BufRead, BufReader};
use std::path::Path;

use serde::Deserialize;
use serde::de::{Deserializer, Visitor};

use crate::error::{Error, Result};
use crate::outcome::{Outcome, TestResult};
use crate::store::{RunRecord, RunStatus};

/// Hands each line of the record file at `path` to `take`, trimmed, blank lines left out; a
/// line `take` refuses (`Err(why)`) is skipped with a warning naming it, one for a torn last
/// line saying so. Returns the warnings. A missing file has no lines.
pub(crate) fn read_lines(
    path: &Path,
    mut take: impl FnMut(&str) -> std::result::Result<(), String>,
) -> Result<Vec<String>> {
    let mut warnings = Vec::new();
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(warnings),
        Err(e) => return Err(Error::store(format!("cannot read {}: {e}", path.display()))),
    };
    let mut reader = BufReader::new(file);
    let mut bytes = Vec::new();
    let mut number = 0;
    loop {
        bytes.clear();
        let read = reader
            .read_until(b'\n', &mut bytes)
            .map_err(|e| Error::store(format!("cannot read {}: {e}", path.display())))?;
        if read == 0 {
            break;
        }
        number += 1;
        let complete = bytes.last() == Some(&b'\n');
        // Checked first as it is almost always valid: the lossy reading is slower.
        let text = match std::str::from_utf8(&bytes) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(&bytes),
        };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        if let Err(why) = take(text) {
            let place = if complete {
                "line"
            } else {
                "torn last line (a crash mid-write?)"
            };
            warnings.push(format!(
                "{}: skipped {place} {number}: {why}",
                path.display()
            ));
        }
    }
    Ok(warnings)
}

/// A result as its line has it, its strings borrowed from the line unless they hold escapes:
/// read so, the results of a run cost no allocation each. Read like `TestResult`.
#[derive(Debug, Deserialize)]
pub struct ResultRef<'a> {
    #[serde(borrow)]
    pub id: Text<'a>,
    pub outcome: Outcome,
    #[serde(default)]
    pub duration: Option<f64>,
    #[serde(default, borrow)]
    pub message: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub file: Option<Text<'a>>,
    #[serde(default)]
    pub line: Option<u32>,
    #[serde(default, borrow)]
    pub name: Option<Text<'a>>,
}

impl ResultRef<'_> {
    pub fn into_owned(self) -> TestResult {
        TestResult {
            id: self.id.0.into_owned(),
            outcome: self.outcome,
            duration: self.duration,
            message: self.message.map(|t| t.0.into_owned()),
            file: self.file.map(|t| t.0.into_owned()),
            line: self.line,
            name: self.name.map(|t| t.0.into_owned()),
        }
    }
}

/// A string from a line, borrowed where the line holds it as is. (serde borrows a `Cow<str>`
/// field, but not one inside an `Option`.)
#[derive(Debug, PartialEq)]
pub struct Text<'a>(pub Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for Visit<'a> {
            type Value = Text<'a>;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E>(self, text: &'de str) -> std::result::Result<Text<'a>, E> {
                Ok(Text(Cow::Borrowed(text)))
            }

            fn visit_str<E>(self, text: &str) -> std::result::Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(text.to_string())))
            }

            fn visit_string<E>(self, text: String) -> std::result::Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(text)))
            }
        }
        deserializer.deserialize_str(Visit(std::marker::PhantomData))
    }
}

impl std::ops::Deref for Text<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

/// Test ids, each held once and known by its number: the order it was first seen in. The ids
/// lie end to end in one string, and the table from an id's hash to its number holds no
/// pointers to follow: a summary looks up every result's id, and with the ids scattered over
/// the heap, those lookups were a third of its time.
#[derive(Clone, Debug, Default)]
pub struct Names {
    text: String,
    /// Where each id ends in `text`.
    ends: Vec<usize>,
    /// The first id with each hash; the next with the same hash, by number, in `same_hash`.
    by_hash: HashMap<u64, u32>,
    same_hash: Vec<Option<u32>>,
    hasher: RandomState,
}

impl Names {
    /// The number of `id`, given one if it has none yet.
    pub fn number(&mut self, id: &str) -> u32 {
        let hash = self.hasher.hash_one(id);
        if let Some(number) = self.lookup(hash, id) {
            return number;
        }
        let number = u32::try_from(self.ends.len()).expect("fewer than 2^32 distinct test ids");
        self.text.push_str(id);
        self.ends.push(self.text.len());
        self.same_hash.push(self.by_hash.insert(hash, number));
        number
    }

    /// The number of `id`, if it has been seen.
    pub fn find(&self, id: &str) -> Option<u32> {
        self.lookup(self.hasher.hash_one(id), id)
    }

    fn lookup(&self, hash: u64, id: &str) -> Option<u32> {
        let mut candidate = self.by_hash.get(&hash).copied();
        while let Some(number) = candidate {
            if self.id(number) == id {
                return Some(number);
            }
            candidate = self.same_hash[number as usize];
        }
        None
    }

    pub fn id(&self, number: u32) -> &str {
        let number = number as usize;
        let start = if number == 0 {
            0
        } else {
            self.ends[number - 1]
        };
        &self.text[start..self.ends[number]]
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

/// A run's results, compact: each test's number and outcome, in the order they ran.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ran {
    pub tests: Vec<u32>,
    pub outcomes: Vec<Outcome>,
}

impl Ran {
    pub fn of(results: &[TestResult], names: &mut Names) -> Ran {
        Ran {
            tests: results.iter().map(|r| names.number(&r.id)).collect(),
            outcomes: results.iter().map(|r| r.outcome).collect(),
        }
    }

    /// Where `test` first failed, or else first ran, and how it did there: a run that ran a
    /// test twice (ids a runner cannot tell apart) and failed it once failed it.
    pub fn find(&self, test: u32) -> Option<(usize, Outcome)> {
        let mut first = None;
        for (at, (t, outcome)) in self.iter().enumerate() {
            if t != test {
                continue;
            }
            if outcome.is_failure() {
                return Some((at, outcome));
            }
            first.get_or_insert((at, outcome));
        }
        first
    }

    pub fn len(&self) -> usize {
        self.tests.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tests.is_empty()
    }

    /// Each test with its outcome, in the order they ran.
    pub fn iter(&self) -> impl Iterator<Item = (u32, Outcome)> + '_ {
        self.tests
            .iter()
            .copied()
            .zip(self.outcomes.iter().copied())
    }
}

/// A run's results compact, with what the flip table shows of them besides: each result's
/// duration and each failure's message. Thirteen bytes a result, and the messages.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Timed {
    pub ran: Ran,
    /// Each result's duration in seconds; NaN where the runner gave none (a record cannot
    /// hold a NaN: JSON has none).
    pub seconds: Vec<f64>,
    /// Each failure's message, with its place in the run.
    pub messages: Vec<(u32, String)>,
}

impl Timed {
    pub fn of(results: &[TestResult], names: &mut Names) -> Timed {
        let messages = results
            .iter()
            .enumerate()
            .filter(|(_, r)| r.outcome.is_failure())
            .filter_map(|(at, r)| Some((at as u32, r.message.clone()?)))
            .collect();
        Timed {
            ran: Ran::of(results, names),
            seconds: results
                .iter()
                .map(|r| r.duration.unwrap_or(f64::NAN))
                .collect(),
            messages,
        }
    }

    /// The duration of the result at `at`, if the runner gave one.
    pub fn seconds(&self, at: usize) -> Option<f64> {
        Some(self.seconds[at]).filter(|s| !s.is_nan())
    }
}

/// Runs held compact ([`Timed`]), their tests numbered in `names`. What reads a run's results
/// as the runner gave them (the adapter, to arrange the suite) has them whole for two runs that
/// gave their report: the first that listed the suite and the latest of the hunt.
#[derive(Debug, Default)]
pub struct Compact {
    pub names: Names,
    pub runs: Vec<RunRecord<Timed>>,
    listing: Option<Vec<TestResult>>,
    hunted: Option<Vec<TestResult>>,
}

/// Which run's results [`Compact::whole`] gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Whole {
    /// The first that listed the suite (it has no index).
    Listing,
    /// The latest run of the hunt (it has an index).
    Hunted,
}

impl Compact {
    /// Takes in a run.
    pub fn push(&mut self, mut record: RunRecord) {
        let timed = Timed::of(&record.results, &mut self.names);
        let results = std::mem::take(&mut record.results);
        match (record.status, record.index) {
            (RunStatus::Ok, Some(_)) => self.hunted = Some(results),
            (RunStatus::Ok, None) if self.listing.is_none() => self.listing = Some(results),
            _ => {}
        }
        self.runs.push(with_results(record, timed));
    }

    /// The results, whole, of that run.
    pub fn whole(&self, which: Whole) -> Option<&[TestResult]> {
        match which {
            Whole::Listing => self.listing.as_deref(),
            Whole::Hunted => self.hunted.as_deref(),
        }
    }

    pub fn retain(&mut self, keep: impl FnMut(&RunRecord<Timed>) -> bool) {
        self.runs.retain(keep);
    }

    /// An empty set of runs that numbers tests as this one does, for runs that follow its own
    /// (`append`).
    pub fn continued(&self) -> Compact {
        Compact {
            names: self.names.clone(),
            ..Compact::default()
        }
    }

    /// Takes in the runs of `later`, which `continued` this one.
    pub fn append(&mut self, later: Compact) {
        self.names = later.names;
        self.runs.extend(later.runs);
        self.listing = self.listing.take().or(later.listing);
        self.hunted = later.hunted.or(self.hunted.take());
    }
}

impl std::ops::Deref for Compact {
    type Target = [RunRecord<Timed>];

    fn deref(&self) -> &[RunRecord<Timed>] {
        &self.runs
    }
}

/// The record with other results.
pub fn with_results<R, S>(record: RunRecord<R>, results: S) -> RunRecord<S> {
    RunRecord {
        schema: record.schema,
        id: record.id,
        template: record.template,
        runner: record.runner,
        master_seed: record.master_seed,
        index: record.index,
        seed: record.seed,
        command: record.command,
        worker: record.worker,
        started_at: record.started_at,
        wall_seconds: record.wall_seconds,
        exit_code: record.exit_code,
        status: record.status,
        problem: record.problem,
        log: record.log,
        results,
        running: record.running,
        warm: record.warm,
        imported: record.imported,
        host: record.host,
        order: record.order,
        strays: record.strays,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn read(text: &[u8]) -> (Vec<String>, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("records.jsonl");
        fs::write(&path, text).unwrap();
        let mut taken = Vec::new();
        let warnings = read_lines(&path, |line| {
            if line.starts_with('{') && line.ends_with('}') {
                taken.push(line.to_string());
                Ok(())
            } else {
                Err("not a record".to_string())
            }
        })
        .unwrap();
        let warnings = warnings
            .iter()
            .map(|w| w.rsplit_once(": skipped ").unwrap().1.to_string())
            .collect();
        (taken, warnings)
    }

    #[test]
    fn lines_are_trimmed_blank_ones_left_out_and_refused_ones_named() {
        let (taken, warnings) = read(b"{a}\n\n  {b}  \nnope\n{c}\r\n{torn");
        assert_eq!(taken, ["{a}", "{b}", "{c}"]);
        assert_eq!(
            warnings,
            [
                "line 4: not a record",
                "torn last line (a crash mid-write?) 6: not a record"
            ]
        );
    }

    #[test]
    fn invalid_utf8_is_read_lossily_and_a_missing_file_has_no_lines() {
        let (taken, warnings) = read(b"{\xff}\n");
        assert_eq!((taken, warnings.len()), (vec!["{\u{fffd}}".to_string()], 0));
        let dir = tempfile::tempdir().unwrap();
        let warnings = read_lines(&dir.path().join("absent.jsonl"), |_| Ok(())).unwrap();
        assert!(warnings.is_empty());
    }

    #[test]
    fn each_id_is_numbered_once_in_the_order_first_seen() {
        let mut names = Names::default();
        let results = [
            TestResult::bare("b", Outcome::Passed),
            TestResult::bare("a", Outcome::Failed),
            TestResult::bare("b", Outcome::Skipped),
        ];
        let ran = Ran::of(&results, &mut names);
        assert_eq!(ran.tests, [0, 1, 0]);
        assert_eq!(ran.find(0), Some((0, Outcome::Passed)), "its first run");
        assert_eq!(ran.find(1), Some((1, Outcome::Failed)));
        let twice = Ran::of(
            &[results[0].clone(), TestResult::bare("b", Outcome::Failed)],
            &mut names,
        );
        assert_eq!(twice.find(0), Some((1, Outcome::Failed)), "its failure");
        assert_eq!(
            (names.id(1), names.find("b"), names.find("c")),
            ("a", Some(0), None)
        );
    }

    #[test]
    fn a_result_read_borrowed_is_the_result_written() {
        let whole = TestResult {
            id: "t::\"quoted\"\n".into(),
            outcome: Outcome::Flaky,
            duration: Some(0.25),
            message: Some("E: \\ boom".into()),
            file: Some("tests/a.py".into()),
            line: Some(7),
            name: Some("plain".into()),
        };
        for result in [whole, TestResult::bare("bare", Outcome::Passed)] {
            let line = serde_json::to_string(&result).unwrap();
            let read: ResultRef = serde_json::from_str(&line).unwrap();
            assert!(matches!(read.file, None | Some(Text(Cow::Borrowed(_)))));
            assert_eq!(read.into_owned(), result);
        }
    }

    fn run(index: Option<u64>, status: RunStatus, ids: &[&str]) -> RunRecord {
        let mut run: RunRecord = serde_json::from_value(serde_json::json!({
            "schema": 1, "id": "r", "template": "t", "runner": "pytest", "command": "t",
            "worker": 1, "started_at": "2026-12-01T10:00:00.000Z", "wall_seconds": 1.0,
            "status": "ok", "log": "l", "results": [],
        }))
        .unwrap();
        run.index = index;
        run.status = status;
        run.results = ids
            .iter()
            .map(|id| TestResult::bare(id, Outcome::Failed))
            .collect();
        run
    }

    #[test]
    fn runs_held_compact_keep_whole_the_first_listing_and_the_latest_run_that_reported() {
        let mut held = Compact::default();
        held.push(run(None, RunStatus::Ok, &["listed first"]));
        held.push(run(Some(0), RunStatus::Ok, &["a"]));
        let mut later = held.continued();
        later.push(run(None, RunStatus::Ok, &["listed again"]));
        later.push(run(Some(1), RunStatus::Ok, &["b", "a"]));
        later.push(run(Some(2), RunStatus::Broken, &["c"]));
        held.append(later);
        let ids = |which| -> Vec<String> {
            held.whole(which)
                .unwrap()
                .iter()
                .map(|r| r.id.clone())
                .collect()
        };
        assert_eq!(ids(Whole::Listing), ["listed first"]);
        assert_eq!(ids(Whole::Hunted), ["b", "a"], "not the broken run");
        assert_eq!(held.len(), 5);
        assert_eq!(
            held[3].results.ran.tests,
            [3, 1],
            "numbered as the first runs were"
        );
        assert_eq!(held.names.id(1), "a");
    }

    #[test]
    fn a_result_without_a_duration_has_none_when_compact() {
        let mut names = Names::default();
        let mut timed = TestResult::bare("a", Outcome::Failed);
        timed.duration = Some(1.5);
        timed.message = Some("boom".into());
        let compact = Timed::of(&[TestResult::bare("b", Outcome::Passed), timed], &mut names);
        assert_eq!((compact.seconds(0), compact.seconds(1)), (None, Some(1.5)));
        assert_eq!(compact.messages, [(1, "boom".to_string())]);
    }
}
