use std::fmt;

/// Exit codes are part of bleed's interface: scripts and CI branch on them.
/// Keep `docs/exit-codes.md` in step with this list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitCode {
    /// The job finished: a hunt found no flip; a bisection named the culprits.
    Success = 0,
    /// The job finished with something to look at: a hunt found flips; a bisection could not
    /// name culprits (the failure did not come back, or the victim fails alone).
    NeedsAttention = 1,
    /// The command line or an input file is wrong: nothing was run.
    Usage = 2,
    /// The suite could not be run or its report could not be read.
    Suite = 3,
    /// The store under `.bleed/` could not be read or written.
    Store = 4,
    /// Stopped by Ctrl-C (or SIGTERM); what was recorded is kept.
    Interrupted = 130,
}

/// An error that ends the program: one line for the user saying what is wrong and what to do.
#[derive(Debug)]
pub struct Error {
    pub code: ExitCode,
    pub message: String,
}

impl Error {
    pub fn usage(message: impl Into<String>) -> Self {
        Error {
            code: ExitCode::Usage,
            message: message.into(),
        }
    }

    pub fn suite(message: impl Into<String>) -> Self {
        Error {
            code: ExitCode::Suite,
            message: message.into(),
        }
    }

    pub fn store(message: impl Into<String>) -> Self {
        Error {
            code: ExitCode::Store,
            message: message.into(),
        }
    }

    pub fn interrupted(message: impl Into<String>) -> Self {
        Error {
            code: ExitCode::Interrupted,
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
