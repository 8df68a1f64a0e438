//! `bleed bisect --from-log`: the failing run a CI log shows, bisected one victim after another.
//!
//! The log gives the runner, each failing test, the seed of the run it failed in and, when it
//! shows one, the command (`ci_log`). Each victim is then bisected as `--seed` would bisect it,
//! from one local run of that seed; for parallel_tests, the run of the victim's process alone,
//! its files under its seed. The exit code is the highest of the bisections'.

use std::path::Path;

use serde::Serialize;

use super::{Bisection, Outcome, START_OVER, Settings, Source, bisect};
use crate::ci_log::{self, Found, Target};
use crate::error::{Error, ExitCode, Result};
use crate::human::{Paint, count, counted};
use crate::progress;
use crate::template::Template;

/// What `--from-log --json` prints: what the log showed, then each bisection in the order run.
#[derive(Serialize)]
pub struct FromLog {
    pub log: String,
    pub found: Found,
    pub bisections: Vec<Bisection>,
    /// The victims that could not be bisected, each with the error that stopped it.
    pub errors: Vec<Unbisected>,
}

#[derive(Serialize)]
pub struct Unbisected {
    pub victim: String,
    pub error: String,
    pub exit_code: i32,
}

/// Reads the log at `path` and bisects its failing tests (or `victim`) in turn, handing each
/// finished bisection to `done`. `settings` holds the options given; its victim and source are
/// the log's, and its command too unless `--cmd` was given.
pub fn bisect_log(
    path: &Path,
    settings: &Settings,
    victim: Option<&str>,
    mut done: impl FnMut(&Bisection) -> Result<()>,
) -> Result<(FromLog, ExitCode)> {
    let log = path.display().to_string();
    let text =
        std::fs::read(path).map_err(|e| Error::usage(format!("cannot read the log {log}: {e}")))?;
    let found = ci_log::read(&String::from_utf8_lossy(&text), settings.runner.as_deref())
        .map_err(|e| Error::usage(format!("{log}: {e}")))?;
    let given = settings.template.as_ref().map(Template::as_str);
    let targets = found
        .targets(victim, given)
        .map_err(|e| Error::usage(format!("{log}: {e}")))?;
    progress::say(&announcement(&log, &found, &targets));
    let mut result = FromLog {
        log: log.clone(),
        found,
        bisections: Vec::new(),
        errors: Vec::new(),
    };
    let mut worst = ExitCode::Success;
    for (index, target) in targets.iter().enumerate() {
        if targets.len() > 1 {
            progress::say(&format!(
                "bisecting {} ({}), {} of {}",
                target.victim,
                target.context,
                index + 1,
                targets.len()
            ));
        }
        let code = match bisect_target(&log, &result.found, target, settings) {
            Ok(Outcome::Done(bisection)) => {
                done(&bisection)?;
                let code = bisection.verdict.exit_code();
                result.bisections.push(*bisection);
                code
            }
            Ok(Outcome::Interrupted(stopped)) => {
                let done = result.bisections.len() + result.errors.len();
                let done = format!("{done} of the log's {}", count(targets.len(), "victim"));
                return Err(stopped.into_error(Some(done), START_OVER));
            }
            Err(error) if error.code == ExitCode::Interrupted => return Err(error),
            Err(error) => {
                let label = Paint::stderr().red("error");
                progress::say(&format!("{label}: {}: {}", target.victim, error.message));
                result.errors.push(Unbisected {
                    victim: target.victim.clone(),
                    error: error.message,
                    exit_code: error.code as i32,
                });
                error.code
            }
        };
        if code as i32 > worst as i32 {
            worst = code;
        }
    }
    Ok((result, worst))
}

/// One line on what the log showed and what will be bisected.
fn announcement(log: &str, found: &Found, targets: &[Target]) -> String {
    let mut what = format!(
        "{log}: {} output, {}",
        found.runner,
        count(found.failing.len(), "failing test")
    );
    if let Some(seed) = found.seed {
        what.push_str(&format!(" under seed {seed}"));
    }
    if !found.processes.is_empty() {
        what.push_str(&format!(
            " in {} of parallel_tests",
            counted(found.processes.len(), "process", "processes")
        ));
    }
    if let Some(command) = &found.command {
        what.push_str(&format!(" (ran {})", crate::error::clip_command(command)));
    }
    let victims: Vec<&str> = targets.iter().map(|t| t.victim.as_str()).collect();
    format!("{what}; bisecting {}", victims.join(", "))
}

fn bisect_target(
    log: &str,
    found: &Found,
    target: &Target,
    settings: &Settings,
) -> Result<Outcome> {
    let (seed, command) = target.run.clone().map_err(Error::usage)?;
    bisect(&Settings {
        template: Some(Template::parse(&command)?),
        victim: target.victim.clone(),
        source: Source::Log {
            seed,
            from: format!("{log} ({})", target.context),
        },
        runner: settings
            .runner
            .clone()
            .or_else(|| Some(found.runner.to_string())),
        ..settings.clone()
    })
}
