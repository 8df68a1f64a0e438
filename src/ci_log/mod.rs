//! A CI console log read for what a bisection needs: which runner ran, under which seed, with
//! which command, and which tests failed, named as bleed's adapters name them. Pure: text in,
//! findings out; `bisect --from-log` runs them.
//!
//! Recognised, after colour codes and CI timestamps are taken off (`lines`):
//!
//! | runner | seed | failing tests |
//! |---|---|---|
//! | RSpec | `Randomized with seed N` | `rspec ./spec/cart_spec.rb:12 # …` (a location bisect resolves to the example) |
//! | cucumber | `Randomized with seed N` | `cucumber features/checkout.feature:12 # Scenario: …` |
//! | pytest | `Using --randomly-seed=N` | `FAILED tests/test_cart.py::test_x - …`, `ERROR …` |
//! | Jest | `Seed: N` | `FAIL __tests__/x.test.js`, then `  ● describe › test` |
//! | go test | `-test.shuffle N` (one per package) | `--- FAIL: TestX`, named by the package of `FAIL\texample.com/pkg` |
//!
//! The command comes from the log when it shows one: a CI system's echo of it (`##[group]Run`,
//! `$ `, `+ `) or parallel_tests' commands (`parallel`), with its seed replaced by `<seed>`.

mod command;
mod lines;
mod parallel;
mod runners;

use std::collections::HashSet;

use serde::Serialize;

pub use parallel::Process;
use runners::{SEED_PATTERNS, Scan};

/// What a log says about its failing run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Found {
    /// bleed's adapter for the runner: `rspec`, `cucumber`, `pytest`, `jest`, `go`.
    pub runner: &'static str,
    /// The seed of the run, when every failure shows the same one.
    pub seed: Option<i64>,
    /// The command the log shows the runner run with, as it shows it.
    pub command: Option<String>,
    pub failing: Vec<Failing>,
    /// parallel_tests' processes, when the log is theirs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub processes: Vec<Process>,
}

/// A failing test, with the seed of the run (or process) it failed in.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Failing {
    pub test: String,
    pub seed: Option<i64>,
    /// Its parallel_tests process: an index into `Found::processes`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process: Option<usize>,
}

/// One bisection to run: a victim, the seed of its failing run and the command that runs it.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub victim: String,
    /// Where the victim failed, for messages: "seed 13, parallel_tests process 3".
    pub context: String,
    /// The seed and command template, or why this victim cannot be bisected from the log.
    pub run: Result<(u64, String), String>,
}

/// Reads a log. `forced` is the runner given with `--runner`, which also picks among runners
/// that all failed in one log.
pub fn read(text: &str, forced: Option<&str>) -> Result<Found, String> {
    let lines = lines::clean(text);
    let scans = runners::scan(&lines);
    let scan = choose(&scans, forced)?;
    let mut failing: Vec<Failing> = Vec::new();
    let mut seen = HashSet::new();
    for (at, test) in &scan.failures {
        if seen.insert(test) {
            failing.push(Failing {
                test: test.clone(),
                seed: scan.seed_for(*at),
                process: None,
            });
        }
    }
    let mut processes = Vec::new();
    if matches!(scan.runner, "rspec" | "cucumber") && parallel::is_parallel(&lines) {
        let tests: Vec<String> = failing.iter().map(|f| f.test.clone()).collect();
        processes = parallel::processes(&lines, scan.runner, &tests, &scan.seeds);
        if processes.is_empty() {
            return Err(format!(
                "this is parallel_tests output without its processes' commands, so bleed cannot \
                 tell which files ran together under which seed: run parallel_{} with \
                 --verbose-command or --verbose (--verbose-rerun-command before 4.0 and from \
                 4.7.1)",
                scan.runner
            ));
        }
        // Interleaved output puts no seed next to its failures: the process's is the one.
        for failing in &mut failing {
            failing.process = processes
                .iter()
                .position(|p| p.failing.contains(&failing.test));
            failing.seed = failing.process.and_then(|at| processes[at].seed);
        }
        // Processes interleave their output differently each time: their order is the stable one.
        failing.sort_by_key(|f| f.process);
    }
    let seeds: Vec<Option<i64>> = failing.iter().map(|f| f.seed).collect();
    let seed = match seeds.split_first() {
        Some((first, rest)) if rest.iter().all(|s| s == first) => *first,
        Some(_) => None,
        None => only_seed(scan),
    };
    Ok(Found {
        runner: scan.runner,
        seed,
        command: echoed_command(&lines, scan),
        failing,
        processes,
    })
}

/// The runner whose failures the log shows; without failures, the one whose output it shows.
fn choose<'a>(scans: &'a [Scan], forced: Option<&str>) -> Result<&'a Scan, String> {
    if let Some(name) = forced {
        return scans.iter().find(|s| s.runner == name).ok_or_else(|| {
            format!("bleed reads no {name} output in CI logs (it reads RSpec, cucumber, pytest, Jest and go test)")
        });
    }
    let failed: Vec<&Scan> = scans.iter().filter(|s| !s.failures.is_empty()).collect();
    let ran: Vec<&Scan> = scans.iter().filter(|s| s.first_line().is_some()).collect();
    match (failed.as_slice(), ran.as_slice()) {
        ([only], _) | ([], [only]) => Ok(only),
        ([], []) => Err(
            "the log shows no output of a runner bleed reads (RSpec, cucumber, pytest, Jest, go \
             test): is it the whole console log of the failing job?"
                .to_string(),
        ),
        ([], several) | (several, _) => Err(format!(
            "the log shows {} output: say which to bisect with --runner",
            several
                .iter()
                .map(|s| s.runner)
                .collect::<Vec<_>>()
                .join(" and ")
        )),
    }
}

/// The seed of a log with no failure in it, when it printed only one.
fn only_seed(scan: &Scan) -> Option<i64> {
    let (_, first) = *scan.seeds.first()?;
    scan.seeds
        .iter()
        .all(|&(_, seed)| seed == first)
        .then_some(first)
}

/// The last command the CI system echoed before the runner's output that runs this runner.
fn echoed_command(lines: &[String], scan: &Scan) -> Option<String> {
    let first = scan.first_line()?;
    lines[..first]
        .iter()
        .rev()
        .filter_map(|line| lines::echoed_command(line))
        .find(|command| {
            crate::runner::select(command, None).is_ok_and(|adapter| adapter.name() == scan.runner)
        })
        .map(String::from)
}

impl Found {
    /// The bisections to run: the victim given, else each failing test in turn. `cmd` is the
    /// command given with `--cmd`, which replaces the one the log shows.
    pub fn targets(&self, victim: Option<&str>, cmd: Option<&str>) -> Result<Vec<Target>, String> {
        let failing: Vec<Failing> = match victim {
            Some(victim) => vec![self.failing_named(victim)],
            None if self.failing.is_empty() => {
                return Err(format!(
                    "the log shows no failing {} test, so there is nothing to bisect (give one \
                     with --victim to bisect it under the log's seed)",
                    self.runner
                ));
            }
            None => self.failing.clone(),
        };
        let seeds = self.failing.iter().map(|f| f.seed);
        let any_seed = seeds
            .chain(self.processes.iter().map(|p| p.seed))
            .chain([self.seed])
            .any(|seed| seed.is_some());
        if !any_seed {
            return Err(format!(
                "the log shows no seed (looked for {SEED_PATTERNS}): the run was not shuffled, or \
                 its seed went unprinted; bisect with --seed N --cmd CMD --victim ID instead"
            ));
        }
        Ok(failing
            .iter()
            .map(|failing| self.target(failing, cmd))
            .collect())
    }

    /// A victim given by name: one of the failures, else a test of the run under its seed (in
    /// a parallel_tests log, the run of the process that ran its file).
    fn failing_named(&self, victim: &str) -> Failing {
        if let Some(known) = self.failing.iter().find(|f| f.test == victim) {
            return known.clone();
        }
        let process = self.processes.iter().position(|p| p.runs_file_of(victim));
        Failing {
            test: victim.to_string(),
            seed: match process {
                Some(at) => self.processes[at].seed,
                None => self.seed,
            },
            process,
        }
    }

    fn target(&self, failing: &Failing, cmd: Option<&str>) -> Target {
        let process = failing.process.map(|at| &self.processes[at]);
        let mut context = match failing.seed {
            Some(seed) => format!("seed {seed}"),
            None => "no seed".to_string(),
        };
        if let Some(process) = process {
            context.push_str(&format!(", parallel_tests {}", process.name()));
        }
        let run = self.run(failing, process, cmd);
        Target {
            victim: failing.test.clone(),
            context,
            run,
        }
    }

    fn run(
        &self,
        failing: &Failing,
        process: Option<&Process>,
        cmd: Option<&str>,
    ) -> Result<(u64, String), String> {
        if !self.processes.is_empty() && process.is_none() {
            return Err(format!(
                "no parallel_tests process in the log ran the file of {}",
                failing.test
            ));
        }
        let seed = failing.seed.ok_or_else(|| match process {
            Some(process) => format!(
                "the log shows no seed for parallel_tests {} (it printed no rerun command for it)",
                process.name()
            ),
            None => format!(
                "the log shows no seed for the run where {} failed",
                failing.test
            ),
        })?;
        let seed = u64::try_from(seed).ok().filter(|&s| s > 0).ok_or_else(|| {
            format!(
                "{} drew the seed {seed}, and bleed runs seeds from 1 up only (Jest draws negative \
                 ones half the time when --seed is not given); rerun CI with a positive --seed",
                self.runner
            )
        })?;
        let command = match (cmd, process) {
            (Some(cmd), _) => cmd.to_string(),
            (None, Some(process)) => {
                let shown = process.rerun.as_deref().unwrap_or(&process.command);
                command::with_seed_placeholder(self.runner, shown)
            }
            (None, None) => match &self.command {
                Some(shown) => command::with_seed_placeholder(self.runner, shown),
                None => command::usual_command(self.runner).to_string(),
            },
        };
        Ok((seed, command))
    }
}

#[cfg(test)]
mod tests;
