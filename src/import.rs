//! `bleed import`: test reports from CI runs that bleed did not start, recorded as runs of the
//! store, so that `bleed report` counts the nightly runs a team already has.
//!
//! Each report is read by the readers bleed already has: JUnit XML by `junit` through the
//! adapter whose ids it uses (pytest's node ids for pytest's report, mocha's for its xunit
//! report, `classname::name` for the rest), a runner's own JSON by that runner's adapter. The
//! run keeps the report's order, outcomes and durations; its seed, start and wall time come
//! from the report where it says them, else from the flags and the file.
//!
//! An imported run's id is the hash of the report's bytes, so importing a file again adds
//! nothing. It has no master seed and no index: it belongs to no hunt, and `bleed hunt` never
//! counts it as one of its own runs.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, SystemTime};

use regex_lite::Regex;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::human::count;
use crate::junit;
use crate::outcome::TestResult;
use crate::progress;
use crate::run::fnv1a;
use crate::runner::{self, Adapter, RunResults};
use crate::store::{RunRecord, RunStatus, SCHEMA, Store};

/// The command of an imported run when `--cmd` does not give one.
pub const IMPORTED_TEMPLATE: &str = "imported";

/// The extensions of the files a directory is searched for.
const EXTENSIONS: [&str; 4] = ["xml", "json", "jsonl", "ndjson"];

/// Adapters that read a runner's own JSON, tried in turn on a JSON report nobody named.
const JSON_READERS: [&str; 4] = ["rspec", "jest", "cucumber", "go"];

pub struct Settings {
    pub store: PathBuf,
    pub paths: Vec<PathBuf>,
    /// The seed of every run whose report carries none.
    pub seed: Option<u64>,
    /// A pattern with one capture group that finds the seed in a report's path.
    pub seed_from: Option<String>,
    /// The command CI ran, recorded as the runs' template: also picks the adapter.
    pub template: Option<String>,
    pub runner: Option<String>,
}

/// What a report says of its run besides its results.
#[derive(Debug, Default, PartialEq)]
pub struct Facts {
    pub seed: Option<u64>,
    /// RFC 3339, UTC.
    pub started_at: Option<String>,
    pub wall_seconds: Option<f64>,
}

/// Imports every report and returns the summary line to print.
pub fn import(settings: &Settings) -> Result<String> {
    let pattern = settings
        .seed_from
        .as_deref()
        .map(seed_pattern)
        .transpose()?;
    let forced = match (&settings.template, &settings.runner) {
        (None, None) => None,
        (template, runner) => Some(runner::select(
            template.as_deref().unwrap_or(""),
            runner.as_deref(),
        )?),
    };
    let mut files = Vec::new();
    for path in &settings.paths {
        files.extend(reports_in(path)?);
    }
    if files.is_empty() {
        return Err(Error::usage(format!(
            "no file with a report's extension ({}) in {}",
            EXTENSIONS.map(|e| format!(".{e}")).join(", "),
            shown_paths(&settings.paths)
        )));
    }
    warn_of_runs_split_into_files(&files);
    let store = Store::open(&settings.store)?;
    let loaded = store.load_runs()?;
    for warning in &loaded.warnings {
        progress::warn(warning);
    }
    let mut held: HashSet<String> = loaded.records.into_iter().map(|r| r.id).collect();
    let (mut added, mut already, mut skipped) = (0, 0, 0);
    for file in &files {
        let Some(record) = read_report(file, forced.as_deref(), settings, pattern.as_ref())? else {
            skipped += 1;
            continue;
        };
        if held.insert(record.id.clone()) {
            store.append_run(&record)?;
            added += 1;
        } else {
            already += 1;
        }
    }
    if added + already == 0 {
        return Err(Error::usage(format!(
            "none of the {} is a test report bleed reads: JUnit XML, or the JSON of RSpec, Jest, \
             cucumber or go test",
            count(files.len(), "file")
        )));
    }
    let mut summary = format!("imported {}", count(added, "run"));
    if already > 0 {
        summary.push_str(&format!(" ({already} already there)"));
    }
    summary.push_str(&format!(
        " from {} into {}",
        count(files.len(), "file"),
        settings.store.display()
    ));
    if skipped > 0 {
        summary.push_str(&format!(
            "; {} skipped (not test reports)",
            count(skipped, "file")
        ));
    }
    summary.push('\n');
    Ok(summary)
}

fn shown_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn seed_pattern(text: &str) -> Result<Regex> {
    let regex = Regex::new(text)
        .map_err(|e| Error::usage(format!("--seed-from {text:?} is not a pattern: {e}")))?;
    if regex.captures_len() != 2 {
        return Err(Error::usage(format!(
            "--seed-from {text:?} needs exactly one capture group, around the seed: e.g. \
             'seed-(\\d+)'"
        )));
    }
    Ok(regex)
}

/// The reports a path names: the file itself, or the files with a report's extension anywhere
/// below a directory, in path order. Hidden directories and `node_modules` are not searched:
/// they hold tools' files, not CI's reports.
fn reports_in(path: &Path) -> Result<Vec<PathBuf>> {
    let meta = fs::metadata(path)
        .map_err(|e| Error::usage(format!("cannot read {}: {e}", path.display())))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut found = Vec::new();
    let mut pending = vec![path.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = fs::read_dir(&dir)
            .map_err(|e| Error::usage(format!("cannot list {}: {e}", dir.display())))?;
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !name.starts_with('.') && name != "node_modules" {
                    pending.push(path);
                }
            } else if path
                .extension()
                .is_some_and(|ext| EXTENSIONS.iter().any(|e| ext.eq_ignore_ascii_case(e)))
            {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Surefire, Gradle and cucumber's `junit` formatter write one run as a directory of
/// `TEST-<class or feature>.xml` files, without the order across them. Each file is read as a
/// run of its own rather than one run in an order made up; the warning says so.
fn warn_of_runs_split_into_files(files: &[PathBuf]) {
    let mut split: Vec<(&Path, usize)> = Vec::new();
    for file in files {
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        if !(name.starts_with("TEST-") && name.ends_with(".xml")) {
            continue;
        }
        let dir = file.parent().unwrap_or(Path::new(""));
        match split.last_mut() {
            Some((last, files)) if *last == dir => *files += 1,
            _ => split.push((dir, 1)),
        }
    }
    for (dir, files) in split.into_iter().filter(|(_, files)| *files > 1) {
        progress::warn(&format!(
            "{} holds {files} TEST-*.xml files, which Surefire, Gradle and cucumber's junit \
             formatter write one class or feature apart for one run: each is imported as a run \
             of its own, since the order across them is not in them (cucumber's --format json \
             report is one run, in its order)",
            dir.display()
        ));
    }
}

/// One report as a run; None, with a warning, for a file that is not a report bleed reads.
fn read_report(
    path: &Path,
    forced: Option<&dyn Adapter>,
    settings: &Settings,
    pattern: Option<&Regex>,
) -> Result<Option<RunRecord>> {
    let bytes =
        fs::read(path).map_err(|e| Error::usage(format!("cannot read {}: {e}", path.display())))?;
    let xml = bytes.trim_ascii_start().starts_with(b"<");
    let suite = xml.then(|| junit::read_path(path).suite);
    let (adapter, mut read) = match forced {
        Some(adapter) => (adapter.name(), adapter.read_results(path)),
        None => match recognise(path, suite.as_ref()) {
            Some(found) => found,
            None => {
                let why = if is_mocha_json(&bytes) {
                    "mocha's JSON reporter, which bleed does not read: mocha's xunit reporter \
                     (--reporter xunit) writes the report bleed reads"
                } else {
                    "not a test report bleed reads"
                };
                progress::warn(&format!("skipped {}: {why}", path.display()));
                return Ok(None);
            }
        },
    };
    localise(&mut read.results, |tail| tail.is_file());
    if read.results.is_empty() {
        progress::warn(&format!(
            "skipped {}: {}",
            path.display(),
            read.problem
                .as_deref()
                .unwrap_or("the report lists no tests")
        ));
        return Ok(None);
    }
    let facts = match &suite {
        Some(suite) => junit_facts(suite),
        None => json_facts(&String::from_utf8_lossy(&bytes)),
    };
    let shown = path.display().to_string();
    let seed = facts
        .seed
        .or(settings.seed)
        .or_else(|| pattern.and_then(|p| seed_in(p, &shown)));
    let started_at = facts.started_at.clone().unwrap_or_else(|| modified(path));
    Ok(Some(record(
        &bytes,
        Origin {
            file: shown,
            template: settings.template.as_deref().unwrap_or(IMPORTED_TEMPLATE),
            runner: adapter,
            seed,
            started_at,
            wall_seconds: facts.wall_seconds,
        },
        read,
    )))
}

/// The adapter that reads a report nobody named: for JUnit, the one whose ids the runner that
/// wrote it uses; for JSON, the first runner's reader that reads it whole (else the first that
/// reads anything, for a report cut short).
fn recognise(path: &Path, suite: Option<&junit::Suite>) -> Option<(&'static str, RunResults)> {
    let adapters = runner::all();
    let named = |name: &str| adapters.iter().find(|a| a.name() == name);
    if let Some(suite) = suite {
        let adapter = match suite.name.as_deref() {
            Some("pytest") => "pytest",
            Some("Mocha Tests") => "mocha",
            _ => "generic",
        };
        let adapter = named(adapter)?;
        return Some((adapter.name(), adapter.read_results(path)));
    }
    let mut partial = None;
    for name in JSON_READERS {
        let adapter = named(name)?;
        let read = adapter.read_results(path);
        if read.results.is_empty() {
            continue;
        }
        if read.problem.is_none() {
            return Some((adapter.name(), read));
        }
        partial.get_or_insert((adapter.name(), read));
    }
    partial
}

/// The document mocha's `json` reporter writes: its `stats`, then `tests`, `passes`,
/// `failures` and `pending`.
fn is_mocha_json(bytes: &[u8]) -> bool {
    serde_json::from_slice::<Value>(bytes)
        .is_ok_and(|d| d["stats"].is_object() && d["passes"].is_array() && d["tests"].is_array())
}

/// A report made on another machine names its test files by that machine's paths
/// (`/home/runner/work/app/app/__tests__/cart.test.js`), and Jest's and mocha's ids begin with
/// the file. Each such file becomes the longest tail of its path that names a file here, as
/// the ids of the same tests begin when they run here; a file with no such tail stays as it is.
fn localise(results: &mut [TestResult], is_here: impl Fn(&Path) -> bool) {
    let mut tails: HashMap<String, Option<String>> = HashMap::new();
    for result in results {
        let Some(file) = result.file.clone() else {
            continue;
        };
        let tail = tails
            .entry(file.clone())
            .or_insert_with(|| local_tail(&file, &is_here));
        let Some(tail) = tail else {
            continue;
        };
        if let Some(rest) = result.id.strip_prefix(file.as_str()) {
            result.id = format!("{tail}{rest}");
        }
        result.file = Some(tail.clone());
    }
}

fn local_tail(file: &str, is_here: &impl Fn(&Path) -> bool) -> Option<String> {
    let path = Path::new(file);
    if !path.is_absolute() {
        return None;
    }
    let parts: Vec<&str> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(part) => part.to_str(),
            _ => None,
        })
        .collect();
    (0..parts.len())
        .map(|skip| parts[skip..].join("/"))
        .find(|tail| is_here(Path::new(tail)))
}

/// Where an imported run came from and what is known of it besides its results.
struct Origin<'a> {
    file: String,
    template: &'a str,
    runner: &'static str,
    seed: Option<u64>,
    started_at: String,
    wall_seconds: Option<f64>,
}

/// The run a report records. Its id is the hash of the report's bytes: the same file imported
/// again is the same run.
fn record(bytes: &[u8], origin: Origin, read: RunResults) -> RunRecord {
    let wall_seconds = origin
        .wall_seconds
        .unwrap_or_else(|| read.results.iter().filter_map(|t| t.duration).sum());
    RunRecord {
        schema: SCHEMA,
        id: format!("imported-{:016x}", fnv1a(bytes.iter().copied())),
        template: origin.template.to_string(),
        runner: origin.runner.to_string(),
        master_seed: None,
        index: None,
        seed: origin.seed,
        command: String::new(),
        worker: 1,
        started_at: origin.started_at,
        wall_seconds,
        exit_code: None,
        status: if read.problem.is_some() {
            RunStatus::Broken
        } else {
            RunStatus::Ok
        },
        problem: read.problem,
        log: String::new(),
        results: read.results,
        running: None,
        warm: false,
        // CI ran each report's suite on a machine of its own, as far as bleed can know: runs
        // whose times overlap there did not share a machine, so they are not interference.
        host: Some(format!("imported {}", origin.file)),
        order: None,
        strays: 0,
        imported: Some(origin.file),
    }
}

fn seed_in(pattern: &Regex, path: &str) -> Option<u64> {
    pattern.captures(path)?.get(1)?.as_str().parse().ok()
}

/// When the file was last written; the epoch when that is unknown, or outside the years
/// bleed can write (a file dated before 1970).
fn modified(path: &Path) -> String {
    fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(rfc3339)
        .unwrap_or_else(|| humantime::format_rfc3339_millis(SystemTime::UNIX_EPOCH).to_string())
}

/// The first second humantime cannot write: it panics on times from the year 10000 on, and on
/// times before 1970.
const YEAR_10000: Duration = Duration::from_secs(253_402_300_800);

/// A time as bleed records times, RFC 3339 in UTC to the millisecond; None outside the years
/// 1970 to 9999, which a report can name but humantime cannot write.
fn rfc3339(time: SystemTime) -> Option<String> {
    let since_epoch = time.duration_since(SystemTime::UNIX_EPOCH).ok()?;
    (since_epoch < YEAR_10000).then(|| humantime::format_rfc3339_millis(time).to_string())
}

/// A JUnit report's facts: its suite's timestamp and time, and a seed property (`seed`,
/// `randomly_seed`, `rspec.seed`: any name that is or ends in "seed").
pub fn junit_facts(suite: &junit::Suite) -> Facts {
    let seed = suite.properties.iter().find_map(|(name, value)| {
        let name = name.to_ascii_lowercase();
        let named = name == "seed"
            || name
                .strip_suffix("seed")
                .is_some_and(|rest| rest.ends_with(['_', '-', '.']));
        named.then(|| value.trim().parse().ok()).flatten()
    });
    Facts {
        seed,
        started_at: suite.timestamp.as_deref().and_then(utc),
        wall_seconds: suite.time,
    }
}

/// A runner's JSON report's facts: RSpec's `seed` and `summary.duration`; Jest's `startTime`
/// and its test files' `endTime` (milliseconds since the epoch); go test's `-test.shuffle`
/// line and its first and last events' times. The wall time is the span, not the sum of the
/// tests' durations, which leaves out setup and counts tests run side by side twice.
pub fn json_facts(text: &str) -> Facts {
    if let Ok(document) = serde_json::from_str::<Value>(text) {
        let start = document["startTime"].as_u64();
        let end = document["testResults"].as_array().and_then(|files| {
            files
                .iter()
                .filter_map(|file| file["endTime"].as_u64())
                .max()
        });
        let jest_wall = start
            .zip(end)
            .and_then(|(start, end)| end.checked_sub(start))
            .map(|ms| ms as f64 / 1000.0);
        return Facts {
            seed: document["seed"].as_u64(),
            started_at: start
                .and_then(|ms| SystemTime::UNIX_EPOCH.checked_add(Duration::from_millis(ms)))
                .and_then(rfc3339),
            wall_seconds: document["summary"]["duration"].as_f64().or(jest_wall),
        };
    }
    let events: Vec<Value> = text
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    let seed = events.iter().find_map(|event| {
        let output = event["Output"].as_str()?;
        output.trim().strip_prefix("-test.shuffle ")?.parse().ok()
    });
    let times: Vec<SystemTime> = events
        .iter()
        .filter_map(|event| event["Time"].as_str().and_then(instant))
        .collect();
    let span = times.iter().min().zip(times.iter().max());
    Facts {
        seed,
        started_at: times.first().copied().and_then(rfc3339),
        wall_seconds: span
            .and_then(|(first, last)| last.duration_since(*first).ok())
            .map(|span| span.as_secs_f64()),
    }
}

/// A report's timestamp in RFC 3339 UTC, as bleed records times: ISO 8601 with an offset, `Z`
/// or none (taken as UTC, as Surefire and jest-junit write local time without saying which),
/// or an RFC 2822 date in GMT as mocha writes it (`Sun, 22 Nov 2026 02:16:06 GMT`).
pub fn utc(text: &str) -> Option<String> {
    // An offset can move the first hour of 1970 or the last of 9999 out of those years.
    instant(text).and_then(rfc3339)
}

/// The time a report's timestamp names, read as `utc` reads it.
fn instant(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    if let Some(iso) = rfc2822_as_iso(text) {
        return instant(&iso);
    }
    let (local, offset) = split_offset(text)?;
    let time = humantime::parse_rfc3339_weak(local).ok()?;
    if offset >= 0 {
        time.checked_sub(Duration::from_secs(offset.unsigned_abs()))
    } else {
        time.checked_add(Duration::from_secs(offset.unsigned_abs()))
    }
}

/// The local time and its offset east of UTC in seconds.
fn split_offset(text: &str) -> Option<(&str, i64)> {
    if let Some(local) = text.strip_suffix(['Z', 'z']) {
        return Some((local, 0));
    }
    // An offset comes after the time of day, never in the date's first ten characters.
    let Some(at) = text.rfind(['+', '-']).filter(|&at| at > 10) else {
        return Some((text, 0));
    };
    let (local, offset) = text.split_at(at);
    let digits: String = offset[1..].chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i64 = digits[..2].parse().ok()?;
    let minutes: i64 = digits[2..].parse().ok()?;
    let seconds = hours * 3600 + minutes * 60;
    Some((
        local,
        if offset.starts_with('-') {
            -seconds
        } else {
            seconds
        },
    ))
}

fn rfc2822_as_iso(text: &str) -> Option<String> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let words: Vec<&str> = text.split_whitespace().collect();
    let [_, day, month, year, time, "GMT" | "UTC" | "+0000"] = words.as_slice() else {
        return None;
    };
    let month = MONTHS.iter().position(|m| m == month)? + 1;
    let day: u32 = day.parse().ok()?;
    Some(format!("{year}-{month:02}-{day:02}T{time}Z"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Outcome;

    #[test]
    fn timestamps_become_utc_whatever_zone_they_were_written_in() {
        for (written, utc_time) in [
            (
                "2026-11-22T02:15:27.212942+00:00",
                "2026-11-22T02:15:27.212Z",
            ),
            ("2026-11-22T03:15:27+01:00", "2026-11-22T02:15:27.000Z"),
            ("2026-11-21T21:15:27-0500", "2026-11-22T02:15:27.000Z"),
            ("2026-11-22T02:16:13", "2026-11-22T02:16:13.000Z"),
            ("2026-11-22T02:37:37.41393371Z", "2026-11-22T02:37:37.413Z"),
            ("Sun, 22 Nov 2026 02:16:06 GMT", "2026-11-22T02:16:06.000Z"),
        ] {
            assert_eq!(utc(written).as_deref(), Some(utc_time), "{written}");
        }
        for garbage in [
            "",
            "yesterday",
            "2026-11-22T02:15:27+1",
            "Sun, 22 Foo 2026 x GMT",
        ] {
            assert_eq!(utc(garbage), None, "{garbage}");
        }
    }

    /// Each of these made humantime panic, which writes no time before 1970 or after 9999.
    #[test]
    fn times_bleed_cannot_write_are_left_out() {
        assert_eq!(utc("1970-01-01T00:00:00+01:00"), None);
        assert_eq!(utc("9999-12-31T23:59:59-01:00"), None);
        assert_eq!(
            utc("9999-12-31T23:59:59+01:00").as_deref(),
            Some("9999-12-31T22:59:59.000Z")
        );
        for millis in ["253402300800000", "18446744073709551615"] {
            let facts = json_facts(&format!("{{\"startTime\": {millis}}}"));
            assert_eq!(facts.started_at, None, "{millis}");
        }
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old.xml");
        fs::write(&old, "<testsuite><testcase name=\"a\"/></testsuite>").unwrap();
        let before_1970 = SystemTime::UNIX_EPOCH - Duration::from_secs(86_400);
        fs::File::options()
            .write(true)
            .open(&old)
            .and_then(|file| file.set_modified(before_1970))
            .unwrap();
        assert_eq!(modified(&old), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn a_seed_comes_from_a_property_named_so() {
        let suite = |name: &str, value: &str| junit::Suite {
            properties: vec![
                ("hostname".into(), "ci-7".into()),
                (name.into(), value.into()),
            ],
            ..junit::Suite::default()
        };
        for name in ["seed", "randomly_seed", "rspec.seed", "Random-Seed"] {
            assert_eq!(
                junit_facts(&suite(name, " 4242 ")).seed,
                Some(4242),
                "{name}"
            );
        }
        assert_eq!(junit_facts(&suite("linseed", "4242")).seed, None);
        assert_eq!(junit_facts(&suite("seed", "none")).seed, None);
    }

    #[test]
    fn json_reports_give_their_seed_start_and_duration() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/reports");
        let read = |file: &str| json_facts(&fs::read_to_string(root.join(file)).unwrap());
        let rspec = read("rspec/seeded.json");
        assert_eq!(rspec.seed, Some(3));
        assert_eq!(rspec.wall_seconds, Some(0.061233017));
        let jest = read("jest/planted.json");
        assert_eq!(jest.started_at.as_deref(), Some("2026-11-22T02:44:59.267Z"));
        assert_eq!(
            jest.wall_seconds,
            Some(3.056),
            "from its start to its last file's end"
        );
        let go = read("go/shuffled.json");
        assert_eq!(go.seed, Some(5));
        assert_eq!(go.started_at.as_deref(), Some("2026-11-22T02:37:37.413Z"));
        let span = go.wall_seconds.expect("from its first event to its last");
        assert!((span - 0.164813966).abs() < 1e-9, "{span}");
    }

    #[test]
    fn files_named_by_another_machines_paths_become_the_files_here() {
        let here = ["__tests__/cart.test.js", "test/app/a.spec.js"];
        let is_here = |tail: &Path| here.iter().any(|h| Path::new(h) == tail);
        let result = |file: &str, title: &str| TestResult {
            file: Some(file.to_string()),
            ..TestResult::bare(&format!("{file} › {title}"), Outcome::Passed)
        };
        let mut results = vec![
            result("/home/runner/work/app/app/__tests__/cart.test.js", "adds"),
            result("/home/runner/work/app/app/__tests__/cart.test.js", "totals"),
            result("/builds/team/test/app/a.spec.js", "it's \"quoted\""),
            result("/home/runner/work/app/app/__tests__/gone.test.js", "x"),
            result("__tests__/cart.test.js", "already here"),
        ];
        localise(&mut results, is_here);
        let ids: Vec<(&str, Option<&str>)> = results
            .iter()
            .map(|r| (r.id.as_str(), r.file.as_deref()))
            .collect();
        assert_eq!(
            ids,
            [
                (
                    "__tests__/cart.test.js › adds",
                    Some("__tests__/cart.test.js")
                ),
                (
                    "__tests__/cart.test.js › totals",
                    Some("__tests__/cart.test.js")
                ),
                (
                    "test/app/a.spec.js › it's \"quoted\"",
                    Some("test/app/a.spec.js")
                ),
                (
                    "/home/runner/work/app/app/__tests__/gone.test.js › x",
                    Some("/home/runner/work/app/app/__tests__/gone.test.js")
                ),
                (
                    "__tests__/cart.test.js › already here",
                    Some("__tests__/cart.test.js")
                ),
            ]
        );
    }

    #[test]
    fn mochas_json_report_is_told_apart() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/reports");
        let mocha =
            br#"{"stats": {"tests": 1}, "tests": [], "pending": [], "failures": [], "passes": []}"#;
        assert!(is_mocha_json(mocha));
        for other in ["jest/planted.json", "rspec/seeded.json", "go/shuffled.json"] {
            assert!(
                !is_mocha_json(&fs::read(root.join(other)).unwrap()),
                "{other}"
            );
        }
    }

    #[test]
    fn the_seed_pattern_needs_one_group() {
        let pattern = seed_pattern(r"seed-(\d+)").unwrap();
        assert_eq!(
            seed_in(&pattern, "ci/nightly-seed-1234/junit.xml"),
            Some(1234)
        );
        assert_eq!(seed_in(&pattern, "ci/junit.xml"), None);
        for wrong in [r"seed-\d+", r"(seed)-(\d+)", "seed-("] {
            assert_eq!(
                seed_pattern(wrong).unwrap_err().code,
                crate::error::ExitCode::Usage
            );
        }
    }

    #[test]
    fn the_same_bytes_make_the_same_run_and_a_cut_report_a_broken_one() {
        let origin = || Origin {
            file: "junit.xml".into(),
            template: IMPORTED_TEMPLATE,
            runner: "generic",
            seed: None,
            started_at: "2026-11-22T02:15:27.212Z".into(),
            wall_seconds: None,
        };
        let results = || RunResults {
            results: vec![TestResult {
                duration: Some(0.5),
                ..TestResult::bare("a", Outcome::Passed)
            }],
            problem: None,
        };
        let one = record(b"<testsuite/>", origin(), results());
        assert_eq!(one, record(b"<testsuite/>", origin(), results()));
        assert_ne!(one.id, record(b"<testsuite />", origin(), results()).id);
        assert_eq!((one.status, one.wall_seconds), (RunStatus::Ok, 0.5));
        assert_eq!(one.imported.as_deref(), Some("junit.xml"));
        assert_eq!((one.index, one.master_seed), (None, None));
        let cut = RunResults {
            problem: Some("report is truncated".into()),
            ..results()
        };
        assert_eq!(
            record(b"<testsuite>", origin(), cut).status,
            RunStatus::Broken
        );
    }
}
