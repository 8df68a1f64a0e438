//! Runner adapters: what bleed knows about each test runner, behind one trait.
//!
//! An adapter completes the user's hunt command with what it needs (a seed, a report), derives
//! the command that replays an explicit order, and reads the runner's report into results in
//! execution order. Everything runner-specific lives in one file per runner.

mod generic;
mod pytest;

use std::path::Path;

use crate::error::{Error, Result};
use crate::outcome::TestResult;
use crate::template::Template;

pub use generic::Generic;
pub use pytest::Pytest;

/// What a finished run's report said.
#[derive(Debug, Default)]
pub struct RunResults {
    /// In execution order, as far as the report could be read.
    pub results: Vec<TestResult>,
    /// Why the report could not be read whole (missing, empty, truncated): the run is broken.
    pub problem: Option<String>,
}

pub trait Adapter: Send + Sync {
    fn name(&self) -> &'static str;

    /// The command a hunt runs: the user's, completed with the options this runner needs.
    /// Refuses, with a corrected example, a command from which no results could be read or
    /// whose order would not vary with the seed.
    fn hunt_command(&self, user: &Template) -> Result<Template>;

    /// The command that runs exactly the tests in `<tests>` (or `<tests-file>`) in the order
    /// given, derived from the hunt command.
    fn replay_command(&self, hunt: &Template) -> Result<Template>;

    /// Reads the report a run left at `report`.
    fn read_results(&self, report: &Path) -> RunResults;
}

/// The adapter names `--runner` accepts.
pub const NAMES: [&str; 2] = ["generic", "pytest"];

/// The adapter for a command: the one named by `--runner`, else the one recognised from the
/// command, else the generic one.
pub fn select(command: &str, forced: Option<&str>) -> Result<Box<dyn Adapter>> {
    match forced {
        Some("generic") => Ok(Box::new(Generic)),
        Some("pytest") => Ok(Box::new(Pytest)),
        Some(other) => Err(Error::usage(format!(
            "unknown runner '{other}': use one of {}",
            NAMES.join(", ")
        ))),
        None if Pytest::recognises(command) => Ok(Box::new(Pytest)),
        None => Ok(Box::new(Generic)),
    }
}
