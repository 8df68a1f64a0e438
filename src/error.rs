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

impl ExitCode {
    pub const ALL: [ExitCode; 6] = [
        ExitCode::Success,
        ExitCode::NeedsAttention,
        ExitCode::Usage,
        ExitCode::Suite,
        ExitCode::Store,
        ExitCode::Interrupted,
    ];
}

/// The exit codes of `bleed hunt`, for its `--help`.
pub const HUNT_EXIT_CODES: &str = "Exit codes: 0 every run gave results and no test failed; \
    1 a test failed in some run (see its kind), a run timed out or broke, or fewer runs than asked \
    gave results; 2 bad usage or input; 3 the suite could not be run or read (command not found, \
    unsupported runner version, no report); 4 the store could not be read or written, or \
    another bleed is running the same hunt in it; 130 interrupted (resume with the printed \
    command). With --bisect: the same, or 3 or 4 when a bisection could not run (the other \
    victims are still bisected). See docs/exit-codes.md.";

/// The exit codes of `bleed bisect`, for its `--help`.
pub const BISECT_EXIT_CODES: &str = "Exit codes: 0 culprits named and confirmed beyond chance \
    (polluted, brittle); 1 no culprit can be named (not-reproduced, non-deterministic, \
    fails-alone); 2 bad usage or input (unknown victim, a seed where the victim passed, a log \
    with no seed or no failing test); 3 the suite could not be run or read, or a probe's order \
    was not honoured; 4 the store could not be read or written; 130 interrupted. With --from-log \
    and several victims: the highest of their codes. See docs/exit-codes.md.";

/// The exit codes of `bleed report`, for its `--help`.
pub const REPORT_EXIT_CODES: &str = "Exit codes: 0 no test failed and every run gave results; \
    1 a test failed in some run, or a run timed out or broke; 2 bad usage or input (no runs \
    recorded in the store); 4 the store could not be read, or the report written. See \
    docs/exit-codes.md.";

/// The exit codes of `bleed merge`, for its `--help`.
pub const MERGE_EXIT_CODES: &str = "Exit codes: 0 merged (also when every record was already \
    there); 2 bad usage or input (a source that holds no store, the target itself, a store of \
    another suite without --force: then nothing is merged); 4 a store could not be read or \
    written, or a hunt the merge adds runs to is running. See docs/exit-codes.md.";

/// The exit codes of `bleed import`, for its `--help`.
pub const IMPORT_EXIT_CODES: &str = "Exit codes: 0 imported (also when every run was already \
    there); 2 bad usage or input (a path that does not exist, a --seed-from without one capture \
    group, no file that is a test report bleed reads); 4 the store could not be read or written. \
    See docs/exit-codes.md.";

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

/// The most of a command an error shows: enough to recognise it, never a screenful. An order
/// of 12,000 tests makes a command of a megabyte and more, and an error that echoed it whole
/// would bury its reason.
pub const SHOWN_COMMAND_BYTES: usize = 300;

/// A command as an error shows it: whole when short, else its start and end around the count of
/// the bytes left out, so the program and the report path stay readable.
pub fn clip_command(command: &str) -> String {
    if command.len() <= SHOWN_COMMAND_BYTES {
        return command.to_string();
    }
    let head = floor_char_boundary(command, SHOWN_COMMAND_BYTES * 2 / 3);
    let tail = ceil_char_boundary(command, command.len() - SHOWN_COMMAND_BYTES / 3);
    format!(
        "{} … [{} bytes in all] … {}",
        &command[..head],
        command.len(),
        &command[tail..]
    )
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_commands_are_shown_whole_and_long_ones_clipped_in_the_middle() {
        assert_eq!(clip_command("pytest -q"), "pytest -q");
        let long = format!(
            "pytest {} --junitxml=/r.xml",
            "tests/test_é.py::t ".repeat(5_000)
        );
        let clipped = clip_command(&long);
        assert!(clipped.len() < 400, "{} bytes", clipped.len());
        assert!(
            clipped.starts_with("pytest tests/test_é.py::t"),
            "{clipped}"
        );
        assert!(clipped.ends_with("--junitxml=/r.xml"), "{clipped}");
        assert!(clipped.contains(&format!("[{} bytes in all]", long.len())));
    }

    #[test]
    fn the_documented_exit_codes_are_the_real_ones() {
        let doc = include_str!("../docs/exit-codes.md");
        for code in ExitCode::ALL {
            let row = format!("\n| {} |", code as i32);
            assert!(
                doc.contains(&row),
                "docs/exit-codes.md lacks a row for {code:?}"
            );
            for help in [HUNT_EXIT_CODES, BISECT_EXIT_CODES] {
                assert!(
                    help.contains(&format!("{} ", code as i32)),
                    "a --help text lacks {code:?}"
                );
            }
        }
        for code in [
            ExitCode::Success,
            ExitCode::NeedsAttention,
            ExitCode::Usage,
            ExitCode::Store,
        ] {
            assert!(REPORT_EXIT_CODES.contains(&format!("{} ", code as i32)));
        }
        for help in [MERGE_EXIT_CODES, IMPORT_EXIT_CODES] {
            for code in [ExitCode::Success, ExitCode::Usage, ExitCode::Store] {
                assert!(help.contains(&format!("{} ", code as i32)), "{help}");
            }
        }
        let header = doc
            .lines()
            .find(|l| l.starts_with("| code |"))
            .expect("the table's header");
        for command in ["hunt", "bisect", "demo", "report", "merge", "import"] {
            assert!(
                header.contains(&format!("`{command}`")),
                "docs/exit-codes.md has no column for {command}"
            );
        }
        let rows = doc
            .lines()
            .filter(|l| l.starts_with("| ") && l.as_bytes()[2].is_ascii_digit());
        assert_eq!(
            rows.count(),
            ExitCode::ALL.len(),
            "no undocumented or stale rows"
        );
    }
}
