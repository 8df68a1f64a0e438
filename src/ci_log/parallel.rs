//! parallel_tests (`parallel_rspec`, `parallel_cucumber`): one process per group of files, each
//! under its own seed, its output interleaved with the others' unless `--serialize-stdout`.
//!
//! With `--verbose-command` or `--verbose` (`--verbose-process-command` and
//! `--verbose-rerun-command` before 4.0 and again from 4.7.1) it prints each process's command, prefixed with
//! `TEST_ENV_NUMBER=2 PARALLEL_TEST_GROUPS=3`, before the processes start (or, serialized, without
//! the prefix before each process's output), and after the summary one command per failing
//! process with that process's seed:
//!
//! ```text
//! Tests have failed for a parallel_test group. Use the following command to run the group again:
//!
//! TEST_ENV_NUMBER=3 PARALLEL_TEST_GROUPS=3 rspec spec/cart_spec.rb spec/inventory_spec.rb --seed 13
//! ```
//!
//! A failing test belongs to the process that ran its file; its seed is the one of that
//! process's rerun command, else (a log without rerun commands, serialized) the first seed
//! printed after the process's own command and before the next one's.

use serde::Serialize;

use super::command::seed_in;
use crate::runner::{self, Invocation, is_assignment};

const RERUN_HEADER: &str = "Tests have failed for a parallel_test group.";

/// One process of a parallel_tests run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Process {
    /// Its `TEST_ENV_NUMBER` (1 for the first, which has none), where a command line shows it.
    pub number: Option<usize>,
    pub seed: Option<i64>,
    /// The test files it ran, as its command names them.
    pub files: Vec<String>,
    /// The command it ran, as the log shows it.
    pub command: String,
    /// The command parallel_tests printed to run it again under its seed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rerun: Option<String>,
    pub failing: Vec<String>,
}

/// Whether the log is parallel_tests output: its opening count or its rerun header.
pub(super) fn is_parallel(lines: &[String]) -> bool {
    lines
        .iter()
        .any(|line| line.starts_with(RERUN_HEADER) || is_opening_count(line))
}

/// `3 processes for 6 specs, ~ 2 specs per process`.
fn is_opening_count(line: &str) -> bool {
    let mut words = line.split(' ');
    let count = words.next().is_some_and(|w| w.parse::<u64>().is_ok());
    count
        && matches!(words.next(), Some("process" | "processes"))
        && words.next() == Some("for")
        && line.ends_with(" per process")
}

/// The processes the log shows commands for, with the failing tests each ran. `seeds` are the
/// runner's seed lines, for a process with no rerun command.
pub(super) fn processes(
    lines: &[String],
    runner: &str,
    failing: &[String],
    seeds: &[(usize, i64)],
) -> Vec<Process> {
    let header = lines
        .iter()
        .position(|line| line.starts_with(RERUN_HEADER))
        .unwrap_or(lines.len());
    let commands: Vec<(usize, &String)> = lines[..header]
        .iter()
        .enumerate()
        .filter(|(_, line)| runs(runner, line))
        .collect();
    // Serialized output follows each process's command; commands printed one after another
    // before any output (4.x without --serialize-stdout) own none of what follows.
    let serialized = commands.windows(2).all(|pair| {
        let (at, next) = (pair[0].0, pair[1].0);
        lines[at + 1..next].iter().any(|line| !line.is_empty())
    });
    let mut processes: Vec<Process> = commands
        .iter()
        .enumerate()
        .map(|(index, &(at, line))| {
            let next = commands.get(index + 1).map_or(header, |&(next, _)| next);
            let printed = seeds
                .iter()
                .find(|&&(s, _)| serialized && at < s && s < next)
                .map(|&(_, seed)| seed);
            process(runner, line, seed_in(runner, line).or(printed))
        })
        .collect();
    for line in lines[header..].iter().filter(|line| runs(runner, line)) {
        let rerun = process(runner, line, seed_in(runner, line));
        match processes.iter_mut().find(|p| p.files == rerun.files) {
            Some(known) => {
                known.seed = rerun.seed.or(known.seed);
                known.rerun = Some(line.clone());
                known.number = rerun.number.or(known.number);
            }
            None => processes.push(Process {
                rerun: Some(line.clone()),
                ..rerun
            }),
        }
    }
    for process in &mut processes {
        process.failing = failing
            .iter()
            .filter(|test| process.runs_file_of(test))
            .cloned()
            .collect();
    }
    // Processes start at once, so their commands reach the log in any order: list them by
    // their TEST_ENV_NUMBER (the first process has an empty one).
    processes.sort_by_key(|process| process.number.unwrap_or(1));
    processes
}

/// A command line of the runner with test files: a process's, not a failure line.
fn runs(runner: &str, line: &str) -> bool {
    runner::select(line, None).is_ok_and(|adapter| adapter.name() == runner)
        && !test_files(runner, line).is_empty()
}

fn process(runner: &str, line: &str, seed: Option<i64>) -> Process {
    Process {
        number: env_number(line),
        seed,
        files: test_files(runner, line),
        command: line.to_string(),
        rerun: None,
        failing: Vec::new(),
    }
}

/// The process's `TEST_ENV_NUMBER`, where the command line shows it (empty for the first).
fn env_number(line: &str) -> Option<usize> {
    let invocation = Invocation::parse(line)?;
    invocation.words[..invocation.args]
        .iter()
        .find_map(|word| word.strip_prefix("TEST_ENV_NUMBER="))
        .map(|number| number.parse().unwrap_or(1))
}

/// The words of a command that name test files (`spec/cart_spec.rb`, `features/a.feature:3:7`),
/// as parallel_tests chose them by their suffix; not the value of `--require`.
fn test_files(runner: &str, line: &str) -> Vec<String> {
    let Some(invocation) = Invocation::parse(line) else {
        return Vec::new();
    };
    let arguments = invocation.arguments();
    let is_test_file = |word: &str| match runner {
        "rspec" => word.ends_with("_spec.rb"),
        "cucumber" => file_part(word).ends_with(".feature"),
        _ => false,
    };
    arguments
        .iter()
        .enumerate()
        .filter(|&(at, word)| {
            let after_require = at > 0 && matches!(arguments[at - 1].as_str(), "-r" | "--require");
            !after_require && !word.starts_with('-') && !is_assignment(word) && is_test_file(word)
        })
        .map(|(_, word)| word.clone())
        .collect()
}

/// A test's or a file argument's file: without `./`, RSpec's `[1:2]` or a `:LINE` suffix.
fn file_part(test: &str) -> &str {
    let test = test.strip_prefix("./").unwrap_or(test);
    let test = match test.rfind('[') {
        Some(at) if test.ends_with(']') => &test[..at],
        _ => test,
    };
    let mut end = test.len();
    while let Some((rest, line)) = test[..end].rsplit_once(':') {
        if line.is_empty() || !line.chars().all(|c| c.is_ascii_digit()) {
            break;
        }
        end = rest.len();
    }
    &test[..end]
}

impl Process {
    /// "process 3", else (serialized output names no number) "process of spec/a_spec.rb, …".
    pub fn name(&self) -> String {
        match (self.number, self.files.first()) {
            (Some(number), _) => format!("process {number}"),
            (None, Some(file)) if self.files.len() > 1 => format!("process of {file}, …"),
            (None, Some(file)) => format!("process of {file}"),
            (None, None) => "process".to_string(),
        }
    }

    /// Whether it ran the file of `test` (an id, a location or a file).
    pub(super) fn runs_file_of(&self, test: &str) -> bool {
        let file = file_part(test);
        self.files.iter().any(|f| {
            let f = file_part(f);
            file == f || file.starts_with(&format!("{f}/"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_told_from_option_values() {
        assert_eq!(
            test_files(
                "cucumber",
                "cucumber -r features/support/env.rb features/a.feature:3:7 --order random:1"
            ),
            ["features/a.feature:3:7"]
        );
        assert_eq!(
            test_files(
                "rspec",
                "TEST_ENV_NUMBER=2 rspec --require spec_helper spec/a_spec.rb"
            ),
            ["spec/a_spec.rb"]
        );
        assert_eq!(file_part("./spec/a_spec.rb[1:2]"), "spec/a_spec.rb");
        assert_eq!(file_part("features/a.feature:3:7"), "features/a.feature");
        assert_eq!(file_part("./spec/a_spec.rb:12"), "spec/a_spec.rb");
    }

    #[test]
    fn the_opening_count_is_recognised() {
        assert!(is_opening_count(
            "3 processes for 6 specs, ~ 2 specs per process"
        ));
        assert!(is_opening_count(
            "1 process for 1 feature, ~ 1 feature per process"
        ));
        assert!(!is_opening_count("19 examples, 2 failures"));
    }
}
