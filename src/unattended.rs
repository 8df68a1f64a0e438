//! `bleed hunt --bisect`: the hunt, then a bisection of every order-dependent and brittle test it
//! found, one after another, each from a failing run the hunt recorded, ending with what was
//! found and where the reproducers are. Made for a night run nobody watches.
//!
//! The bisections share what is recorded: each reads the hunt's runs, its confirmation runs and
//! the probes of the bisections before it for orders already run (`bisect::reuse`), and a victim
//! bisected before from the same failing run of the same command is not bisected again, so that
//! running the same command after Ctrl-C finishes only what was left.

use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::bisect::{self, Bisection, Located, Outcome, Source, Unbisected, Verdict};
use crate::error::{Error, ExitCode, Result};
use crate::flips::{Analysis, Flip};
use crate::human::{self, Paint, count, counted};
use crate::hunt::{self, Hunt};
use crate::progress;
use crate::repro;
use crate::store;
use crate::template::quote;
use crate::{fit, flip_table};

/// What `hunt --bisect --json` prints: the hunt's document, with its bisections in the order run.
#[derive(Serialize)]
pub struct Unattended {
    #[serde(flatten)]
    pub hunt: Hunt,
    pub bisections: Vec<Bisected>,
    /// Victims whose bisection stopped with an error; the others were still bisected.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bisection_errors: Vec<Unbisected>,
}

impl Unattended {
    /// The hunt's code, which is 1 whenever a test flipped: a victim bisected down to its
    /// culprits still needs fixing. A bisection that could not run makes it worse (3, 4).
    pub fn exit_code(&self) -> ExitCode {
        worst(self.hunt.exit_code(), &self.bisection_errors)
    }
}

fn worst(hunt: ExitCode, errors: &[Unbisected]) -> ExitCode {
    errors
        .iter()
        .filter_map(|e| ExitCode::ALL.into_iter().find(|&c| c as i32 == e.exit_code))
        .fold(hunt, |worst, code| {
            if code as i32 > worst as i32 {
                code
            } else {
                worst
            }
        })
}

/// A bisection as `hunt --bisect` hands it back.
#[derive(Serialize)]
pub struct Bisected {
    #[serde(flatten)]
    pub bisection: Bisection,
    /// Read from the store: the victim was bisected before from the same failing run of the same
    /// command, so it was not bisected again.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub recorded_before: bool,
}

/// A victim, and the seed of the failing run to bisect it from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub victim: String,
    pub seed: u64,
}

/// The flips worth bisecting, in the hunt's order (order-dependent, then brittle; most failing
/// first within each kind).
pub fn targets(analysis: &Analysis) -> Vec<Target> {
    analysis
        .flips
        .iter()
        .filter(|flip| flip.kind.bisectable())
        .filter_map(|flip| {
            Some(Target {
                victim: flip.test.clone(),
                seed: failing_seed(flip)?,
            })
        })
        .collect()
}

/// The first of its failing seeds that the hunt replayed, else its first: the one the hunt's
/// table suggests. A replayed order needs no run to be reproduced, since the replay answers it.
fn failing_seed(flip: &Flip) -> Option<u64> {
    let replayed: Vec<u64> = flip
        .evidence
        .iter()
        .flat_map(|evidence| &evidence.replayed)
        .map(|replay| replay.seed)
        .collect();
    flip.failed_seeds
        .iter()
        .find(|seed| replayed.contains(seed))
        .or(flip.failed_seeds.first())
        .copied()
}

/// The latest recorded bisection of the victim from the same failing run of the same command.
fn bisected_before(earlier: &[Bisection], command: &str, target: &Target) -> Option<Bisection> {
    earlier
        .iter()
        .rev()
        .find(|b| {
            b.victim == target.victim
                && b.seed == Some(target.seed)
                && b.command.as_deref() == Some(command)
        })
        .cloned()
}

/// Prints the hunt's table, bisects its victims printing a line for each as it ends, and ends
/// with what was found; `--json` prints it all at the end instead. `resume` is the command that
/// carries on after Ctrl-C.
pub fn bisect_hunt(
    hunt: Hunt,
    settings: &hunt::Settings,
    json: bool,
    resume: &str,
) -> Result<ExitCode> {
    let paint = Paint::stdout();
    let started = Instant::now();
    let targets = targets(&hunt.analysis);
    if !json {
        let mut text = flip_table::render(&hunt, None, paint, fit::stdout_width());
        text.push_str(&heading(&hunt, targets.len()));
        human::print(&text)?;
    }
    let mut result = Unattended {
        hunt,
        bisections: Vec::new(),
        bisection_errors: Vec::new(),
    };
    let show = |line: &str| if json { Ok(()) } else { human::print(line) };
    let stopped = bisect_each(&targets, settings, &mut result, resume, show)?;
    if json {
        human::print_json(&result)?;
    } else {
        let attempted = !targets.is_empty();
        human::print(&ending(
            &result.bisections,
            attempted,
            &settings.store,
            started.elapsed(),
        ))?;
    }
    match stopped {
        Some(error) => Err(error),
        None => Ok(result.exit_code()),
    }
}

/// Bisects each target in turn, or takes its earlier bisection from the store, handing a line
/// for each to `show`. Some(error) when Ctrl-C stopped it: what finished is in `result`.
fn bisect_each(
    targets: &[Target],
    settings: &hunt::Settings,
    result: &mut Unattended,
    resume: &str,
    mut show: impl FnMut(&str) -> Result<()>,
) -> Result<Option<Error>> {
    let path = settings.store.join(bisect::BISECTIONS_FILE);
    let earlier = store::load_records::<Bisection>(&path)?.records;
    let project = std::env::current_dir()
        .map_err(|e| Error::store(format!("cannot read the current directory: {e}")))?;
    for (index, target) in targets.iter().enumerate() {
        let turn = Turn {
            target,
            number: index + 1,
            of: targets.len(),
            done: finished(result, targets.len()),
        };
        match turn.take(settings, &earlier, resume) {
            Ok(bisected) => {
                let dir = repro::default_dir(&settings.store, &target.victim);
                repro::write(&bisected.bisection, &dir, &project)?;
                show(&line(&bisected))?;
                result.bisections.push(bisected);
            }
            Err(error) if error.code == ExitCode::Interrupted => return Ok(Some(error)),
            Err(error) => {
                show(&unbisected_line(target, &error))?;
                let label = Paint::stderr().red("error");
                progress::say(&format!("{label}: {}: {}", target.victim, error.message));
                result.bisection_errors.push(Unbisected {
                    victim: target.victim.clone(),
                    error: error.message,
                    exit_code: error.code as i32,
                });
            }
        }
    }
    Ok(None)
}

/// One victim's turn: its place among the victims, and what finished before it.
struct Turn<'a> {
    target: &'a Target,
    number: usize,
    of: usize,
    done: String,
}

impl Turn<'_> {
    /// The victim's earlier bisection from the store, else a new one. Ctrl-C is an error that
    /// says what finished before and how to go on.
    fn take(
        &self,
        settings: &hunt::Settings,
        earlier: &[Bisection],
        resume: &str,
    ) -> Result<Bisected> {
        let Turn {
            target,
            number,
            of,
            done,
        } = self;
        if let Some(bisection) = bisected_before(earlier, settings.template.as_str(), target) {
            progress::say(&format!(
                "{} was bisected before from seed {}: not again",
                target.victim, target.seed
            ));
            return Ok(Bisected {
                bisection,
                recorded_before: true,
            });
        }
        progress::say(&format!(
            "bisecting {} from seed {}, {number} of {of}",
            target.victim, target.seed
        ));
        match bisect::bisect(&bisect_settings(settings, target)) {
            Ok(Outcome::Done(bisection)) => Ok(Bisected {
                bisection: *bisection,
                recorded_before: false,
            }),
            Ok(Outcome::Interrupted(stopped)) => {
                Err(stopped.into_error(Some(done.clone()), &go_on(resume)))
            }
            Err(error) if error.code == ExitCode::Interrupted => Err(Error::interrupted(format!(
                "{}, after {done}\n{}",
                error.message,
                go_on(resume)
            ))),
            Err(error) => Err(error),
        }
    }
}

/// `bleed bisect --seed S --victim V` with the hunt's command, store, runner, replay command,
/// timeout, jobs and warmth.
fn bisect_settings(settings: &hunt::Settings, target: &Target) -> bisect::Settings {
    bisect::Settings {
        template: Some(settings.template.clone()),
        replay: settings.replay.clone(),
        runner: settings.runner.clone(),
        victim: target.victim.clone(),
        source: Source::Seed(target.seed),
        retries: None,
        jobs: settings.jobs,
        timeout: settings.timeout,
        cleaners: true,
        out: None,
        store: settings.store.clone(),
        warm: settings.warm,
    }
}

/// What finished before Ctrl-C, for the error: "2 of the hunt's 5 victims".
fn finished(result: &Unattended, targets: usize) -> String {
    let done = result.bisections.len() + result.bisection_errors.len();
    format!("{done} of the hunt's {}", count(targets, "victim"))
}

fn go_on(resume: &str) -> String {
    format!(
        "Run the same command again to go on; the finished bisections are kept and not run \
         again:\n    {resume}"
    )
}

/// What comes after the hunt's table: what will be bisected, or why nothing is.
fn heading(hunt: &Hunt, targets: usize) -> String {
    if targets > 0 {
        format!(
            "\nBisecting {}, one after another:\n",
            counted(
                targets,
                "order-dependent or brittle test",
                "order-dependent and brittle tests"
            )
        )
    } else if !hunt.analysis.flips.is_empty() {
        "\nNothing to bisect: no test flipped with the order (order-dependent or brittle).\n"
            .to_string()
    } else {
        String::new()
    }
}

/// One line: the victim, the verdict with the culprits, and what it cost.
fn line(bisected: &Bisected) -> String {
    let b = &bisected.bisection;
    let mut said = match b.verdict {
        Verdict::Polluted => format!("polluted by {}", joined(&b.polluters, " + ")),
        Verdict::Brittle => format!("brittle, passes after {}", joined(&b.state_setters, " + ")),
        verdict => verdict.name().to_string(),
    };
    if b.cleaned_by_any.is_some() {
        said.push_str(", cleaned by any test run between them");
    } else if !b.cleaners.is_empty() {
        said.push_str(&format!(", cleaned by {}", joined(&b.cleaners, " or ")));
    }
    let cost = if bisected.recorded_before {
        "bisected before".to_string()
    } else {
        cost(b.probes + b.cleaner_probes, b.probes_reused)
    };
    format!("  {} → {said} ({cost})\n", b.victim)
}

fn unbisected_line(target: &Target, error: &Error) -> String {
    let first = error.message.lines().next().unwrap_or_default();
    format!("  {} → not bisected: {first}\n", target.victim)
}

fn joined(tests: &[Located], separator: &str) -> String {
    let ids: Vec<&str> = tests.iter().map(|t| t.id.as_str()).collect();
    ids.join(separator)
}

/// The suite runs bisecting made, and the answers it read from recorded runs instead.
fn cost(probes: usize, reused: usize) -> String {
    let runs = count(probes, "probe");
    match reused {
        0 => runs,
        reused => format!(
            "{runs}, {}",
            counted(
                reused,
                "answer from a recorded run",
                "answers from recorded runs"
            )
        ),
    }
}

/// The end of the night: what the bisections cost, where the reproducers are, and the command
/// that shows everything together. Nothing when nothing was to be bisected.
fn ending(bisections: &[Bisected], attempted: bool, store: &Path, elapsed: Duration) -> String {
    if !attempted {
        return String::new();
    }
    let fresh: Vec<&Bisection> = bisections
        .iter()
        .filter(|b| !b.recorded_before)
        .map(|b| &b.bisection)
        .collect();
    let earlier = bisections.len() - fresh.len();
    let mut text = if bisections.is_empty() {
        "\nNo victim could be bisected".to_string()
    } else if fresh.is_empty() {
        format!(
            "\nNothing bisected again: {} taken from the store",
            counted(earlier, "bisection", "bisections")
        )
    } else {
        let probes: usize = fresh.iter().map(|b| b.probes + b.cleaner_probes).sum();
        let reused: usize = fresh.iter().map(|b| b.probes_reused).sum();
        let mut text = format!(
            "\n{} in {}, {}",
            counted(fresh.len(), "bisection", "bisections"),
            human::elapsed(elapsed),
            cost(probes, reused)
        );
        if earlier > 0 {
            text.push_str(&format!(
                "; {} taken from the store",
                count(earlier, "earlier bisection")
            ));
        }
        text
    };
    if bisections.iter().any(|b| b.bisection.reproducer.is_some()) {
        text.push_str(&format!(
            ".\nReproducers (repro.sh, REPORT.md) are in {}",
            store.join("repro").join("<victim>").display()
        ));
    }
    let mut report = "bleed report".to_string();
    if store != Path::new(store::DEFAULT_ROOT) {
        report.push_str(&format!(" --store {}", quote(&store.display().to_string())));
    }
    text.push_str(&format!(".\nAll of it together: {report}\n"));
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::{Evidence, Kind, Replayed};

    fn flip(test: &str, kind: Kind, failed_seeds: &[u64], replayed: &[u64]) -> Flip {
        Flip {
            test: test.to_string(),
            failed: failed_seeds.len(),
            passed: 3,
            failed_seeds: failed_seeds.to_vec(),
            passed_seeds: vec![90, 91, 92],
            mean_pass_seconds: None,
            mean_fail_seconds: None,
            message: None,
            kind,
            evidence: Some(Evidence {
                replayed: replayed
                    .iter()
                    .map(|&seed| Replayed { seed, failed: true })
                    .collect(),
                ..Evidence::default()
            }),
        }
    }

    fn target(victim: &str, seed: u64) -> Target {
        Target {
            victim: victim.to_string(),
            seed,
        }
    }

    #[test]
    fn the_order_dependent_and_brittle_flips_are_bisected_in_the_hunts_order() {
        let analysis = Analysis {
            flips: vec![
                flip("od", Kind::OrderDependent, &[5, 6], &[]),
                flip("brittle", Kind::Brittle, &[7], &[]),
                flip("nod", Kind::NonDeterministic, &[8], &[]),
                flip("shared", Kind::Interference, &[9], &[]),
                flip("unsure", Kind::Unconfirmed, &[10], &[]),
            ],
            always_failing: vec!["broken".to_string()],
            tests: 9,
        };
        assert_eq!(
            targets(&analysis),
            vec![target("od", 5), target("brittle", 7)]
        );
    }

    /// A replayed failing order is already reproduced by its replay: its bisection starts with
    /// one probe fewer.
    #[test]
    fn a_victim_is_bisected_from_a_failing_seed_the_hunt_replayed() {
        let replayed = flip("v", Kind::OrderDependent, &[5, 6, 7], &[9, 7, 6]);
        assert_eq!(failing_seed(&replayed), Some(6));
        let explained = flip("v", Kind::OrderDependent, &[5, 6, 7], &[]);
        assert_eq!(
            failing_seed(&explained),
            Some(5),
            "the seed the table shows"
        );
        let mut unknown = explained.clone();
        unknown.evidence = None;
        assert_eq!(failing_seed(&unknown), Some(5));
    }

    #[test]
    fn only_a_bisection_of_the_same_victim_run_and_command_is_taken_from_the_store() {
        let command = "python3 -m pytest -q tests";
        let earlier = |victim: &str, seed: u64, command: &str, probes: usize| Bisection {
            victim: victim.to_string(),
            seed: Some(seed),
            command: Some(command.to_string()),
            probes,
            ..repro::sample()
        };
        let store = [
            earlier("v", 5, command, 1),
            earlier("v", 6, command, 2),
            earlier("v", 5, "pytest tests/unit", 3),
            earlier("w", 5, command, 4),
            earlier("v", 5, command, 5),
        ];
        let found = bisected_before(&store, command, &target("v", 5)).unwrap();
        assert_eq!(found.probes, 5, "the latest");
        assert!(bisected_before(&store, command, &target("v", 7)).is_none());
        assert!(bisected_before(&store, "pytest", &target("v", 6)).is_none());
    }

    #[test]
    fn a_bisection_that_could_not_run_makes_the_exit_code_worse_never_better() {
        let error = |code: ExitCode| Unbisected {
            victim: "v".to_string(),
            error: "e".to_string(),
            exit_code: code as i32,
        };
        assert_eq!(
            worst(ExitCode::NeedsAttention, &[]),
            ExitCode::NeedsAttention
        );
        assert_eq!(
            worst(ExitCode::NeedsAttention, &[error(ExitCode::Suite)]),
            ExitCode::Suite
        );
        assert_eq!(
            worst(
                ExitCode::NeedsAttention,
                &[error(ExitCode::Store), error(ExitCode::Suite)]
            ),
            ExitCode::Store
        );
    }

    #[test]
    fn the_night_ends_with_the_cost_the_reproducers_and_the_report() {
        let bisected = |probes, probes_reused, recorded_before| Bisected {
            bisection: Bisection {
                probes,
                cleaner_probes: 1,
                probes_reused,
                ..repro::sample()
            },
            recorded_before,
        };
        let minute = Duration::from_secs(60);
        let night = [
            bisected(3, 2, false),
            bisected(5, 0, false),
            bisected(9, 9, true),
        ];
        assert_eq!(
            ending(&night, true, Path::new(".bleed"), minute),
            "\n2 bisections in 1m00s, 10 probes, 2 answers from recorded runs; 1 earlier \
             bisection taken from the store.\nReproducers (repro.sh, REPORT.md) are in \
             .bleed/repro/<victim>.\nAll of it together: bleed report\n"
        );
        assert_eq!(
            ending(&night[2..], true, Path::new("night runs"), minute),
            "\nNothing bisected again: 1 bisection taken from the store.\nReproducers \
             (repro.sh, REPORT.md) are in night runs/repro/<victim>.\nAll of it together: \
             bleed report --store 'night runs'\n"
        );
        assert_eq!(ending(&[], false, Path::new(".bleed"), minute), "");
    }

    #[test]
    fn each_bisection_is_one_line_with_its_culprits_and_its_cost() {
        let located = |id: &str| Located {
            id: id.to_string(),
            file: None,
            line: None,
            name: None,
        };
        let polluted = Bisection {
            victim: "v".to_string(),
            polluters: vec![located("a"), located("b")],
            cleaners: vec![located("c"), located("d")],
            cleaned_by_any: None,
            probes: 7,
            cleaner_probes: 3,
            probes_reused: 2,
            ..repro::sample()
        };
        let fresh = Bisected {
            bisection: polluted.clone(),
            recorded_before: false,
        };
        assert_eq!(
            line(&fresh),
            "  v → polluted by a + b, cleaned by c or d (10 probes, 2 answers from recorded runs)\n"
        );
        let earlier = Bisected {
            bisection: polluted,
            recorded_before: true,
        };
        assert_eq!(
            line(&earlier),
            "  v → polluted by a + b, cleaned by c or d (bisected before)\n"
        );
        let brittle = Bisected {
            bisection: Bisection {
                victim: "v".to_string(),
                verdict: Verdict::Brittle,
                polluters: Vec::new(),
                state_setters: vec![located("s")],
                probes: 1,
                cleaner_probes: 0,
                probes_reused: 0,
                ..repro::sample()
            },
            recorded_before: false,
        };
        assert_eq!(line(&brittle), "  v → brittle, passes after s (1 probe)\n");
        let unsure = Bisected {
            bisection: Bisection {
                verdict: Verdict::NonDeterministic,
                polluters: Vec::new(),
                cleaner_probes: 0,
                ..brittle.bisection.clone()
            },
            recorded_before: false,
        };
        assert_eq!(line(&unsure), "  v → non-deterministic (1 probe)\n");
    }
}
