//! Numbers, durations and colour the way people read them, in one place so that every output
//! says `1 probe`, `2 probes` and `0.55ms` alike.

use std::io::{IsTerminal, Write};

use serde::Serialize;

use crate::error::{Error, Result};

/// Prints to stdout. A reader that went away (`bleed report | head`) is not an error, as in
/// ripgrep: `print!` would panic on the closed pipe.
pub fn print(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::store(format!("cannot write to stdout: {e}")))
        }
        _ => Ok(()),
    }
}

/// Prints one JSON document on stdout, as `--json` promises.
pub fn print_json(value: &impl Serialize) -> Result<()> {
    let mut json = serde_json::to_string_pretty(value)
        .map_err(|e| Error::store(format!("cannot encode the result as JSON: {e}")))?;
    json.push('\n');
    print(&json)
}

/// `1 probe`, `2 probes`: for nouns that take an `s`.
pub fn count(n: usize, noun: &str) -> String {
    counted(n, noun, &format!("{noun}s"))
}

/// `1 polluter`, `3 state-setters`, `1 run of 2`: the plural given whole.
pub fn counted(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// `once`, `2 times`: how often something happened, for any count.
pub fn times(n: usize) -> String {
    if n == 1 {
        "once".to_string()
    } else {
        format!("{n} times")
    }
}

/// A duration in seconds, to three significant figures at most: `-` when unknown, `0.55ms`,
/// `12.3ms`, `2.50s`, `1m05s`. A runner's 0 is a time under what it can tell apart (go test
/// counts hundredths of a second, Jest and mocha milliseconds), so it reads `<10ms`, not `0s`.
pub fn duration(value: Option<f64>) -> String {
    match value {
        None => "-".to_string(),
        Some(s) if s <= 0.0 => "<10ms".to_string(),
        Some(s) if s < 0.000_01 => "<0.01ms".to_string(),
        Some(s) if s < 0.001 => format!("{:.2}ms", s * 1e3),
        Some(s) if s < 1.0 => format!("{:.1}ms", s * 1e3),
        Some(s) if s < 60.0 => format!("{s:.2}s"),
        Some(s) => format!("{}m{:02}s", (s / 60.0) as u64, (s % 60.0) as u64),
    }
}

/// How far durations of one thing vary: `± 0` when they do not at all, where `duration` would
/// take the 0 for a time too short to measure.
pub fn plus_minus(sd: f64) -> String {
    if sd <= 0.0 {
        "± 0".to_string()
    } else {
        format!("± {}", duration(Some(sd)))
    }
}

/// Time gone or left, to the second: `<1s`, `14s`, `1m40s`, `2h05m`. Under a second is not
/// `0s`, which would read as no time at all: an ETA of `0s` while runs are left.
pub fn elapsed(time: std::time::Duration) -> String {
    let seconds = time.as_secs();
    match seconds {
        0 => "<1s".to_string(),
        1..60 => format!("{seconds}s"),
        60..3600 => format!("{}m{:02}s", seconds / 60, seconds % 60),
        _ => format!("{}h{:02}m", seconds / 3600, seconds % 3600 / 60),
    }
}

/// Whether to colour what goes to a stream: never with `NO_COLOR` (no-color.org), always with
/// `CLICOLOR_FORCE`, else only on a terminal that is not `TERM=dumb`.
pub fn colour_for(stream: &impl IsTerminal) -> bool {
    decide_colour(
        |name| std::env::var_os(name).filter(|v| !v.is_empty()).is_some(),
        std::env::var("TERM").ok().as_deref(),
        stream.is_terminal(),
    )
}

fn decide_colour(set: impl Fn(&str) -> bool, term: Option<&str>, terminal: bool) -> bool {
    if set("NO_COLOR") {
        false
    } else if set("CLICOLOR_FORCE") {
        true
    } else {
        terminal && term != Some("dumb")
    }
}

/// ANSI styles, or nothing when colour is off, so callers write one format either way.
#[derive(Clone, Copy, Debug)]
pub struct Paint {
    pub enabled: bool,
}

impl Paint {
    pub fn stdout() -> Paint {
        Paint {
            enabled: colour_for(&std::io::stdout()),
        }
    }

    pub fn stderr() -> Paint {
        Paint {
            enabled: colour_for(&std::io::stderr()),
        }
    }

    pub fn plain() -> Paint {
        Paint { enabled: false }
    }

    fn wrap(self, code: &str, text: &str) -> String {
        if self.enabled && !text.is_empty() {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub fn bold(self, text: &str) -> String {
        self.wrap("1", text)
    }

    pub fn dim(self, text: &str) -> String {
        self.wrap("2", text)
    }

    pub fn red(self, text: &str) -> String {
        self.wrap("31", text)
    }

    pub fn green(self, text: &str) -> String {
        self.wrap("32", text)
    }

    pub fn yellow(self, text: &str) -> String {
        self.wrap("33", text)
    }

    pub fn cyan(self, text: &str) -> String {
        self.wrap("36", text)
    }
}

/// The width of text as a terminal shows it: escape sequences take no room.
pub fn visible_width(text: &str) -> usize {
    let mut width = 0;
    let mut in_escape = false;
    for c in text.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, _) => width += 1,
        }
    }
    width
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_agree_with_their_number() {
        assert_eq!(count(1, "probe"), "1 probe");
        assert_eq!(count(0, "probe"), "0 probes");
        assert_eq!(count(2, "run"), "2 runs");
        assert_eq!(
            counted(3, "state-setter", "state-setters"),
            "3 state-setters"
        );
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(None), "-");
        assert_eq!(
            duration(Some(0.0)),
            "<10ms",
            "a runner's 0 is under its resolution"
        );
        assert_eq!(duration(Some(0.000_000_4)), "<0.01ms");
        assert_eq!(duration(Some(0.000_25)), "0.25ms");
        assert_eq!(duration(Some(0.0123)), "12.3ms");
        assert_eq!(duration(Some(2.5)), "2.50s");
        assert_eq!(duration(Some(65.0)), "1m05s");
    }

    #[test]
    fn no_spread_is_zero_not_a_time_too_short_to_measure() {
        assert_eq!(plus_minus(0.0), "± 0");
        assert_eq!(plus_minus(0.000_25), "± 0.25ms");
    }

    #[test]
    fn elapsed_time_reads_to_the_second() {
        use std::time::Duration;
        assert_eq!(elapsed(Duration::from_millis(400)), "<1s");
        assert_eq!(elapsed(Duration::from_secs(14)), "14s");
        assert_eq!(elapsed(Duration::from_secs(100)), "1m40s");
        assert_eq!(elapsed(Duration::from_secs(7500)), "2h05m");
    }

    #[test]
    fn no_color_wins_then_force_then_the_terminal() {
        let none = |_: &str| false;
        assert!(decide_colour(none, Some("xterm"), true));
        assert!(!decide_colour(none, Some("dumb"), true));
        assert!(!decide_colour(none, Some("xterm"), false));
        assert!(!decide_colour(|n| n == "NO_COLOR", Some("xterm"), true));
        assert!(decide_colour(|n| n == "CLICOLOR_FORCE", None, false));
        assert!(!decide_colour(|_| true, None, true));
    }

    #[test]
    fn escapes_take_no_width() {
        let paint = Paint { enabled: true };
        assert_eq!(visible_width(&paint.red("failed")), 6);
        assert_eq!(visible_width("plain"), 5);
        assert_eq!(Paint::plain().bold("x"), "x");
    }
}
