//! What a long job is doing, on stderr. On a terminal, a bar (indicatif). Elsewhere (CI logs,
//! pipes), where a bar would draw nothing, a plain line every few seconds and at the end of a
//! phase, as cargo and nextest do in CI:
//!
//! ```text
//! bleed: hunt: 12/30 runs, 2 tests flipped, 40s elapsed, ETA 1m00s
//! ```
//!
//! Callers do not ask which: they count and set a message. Whatever else bleed says on stderr
//! while a bar draws goes through `say` and `warn`, so that no line lands inside the bar.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressState, ProgressStyle};

use crate::human::{self, Paint};

/// How often a plain progress line may be printed when stderr is not a terminal.
pub const LINE_INTERVAL: Duration = Duration::from_secs(10);

/// With nothing new to say, a plain line is still printed after this many intervals, so a CI
/// log shows that a long run is going on rather than stuck.
const QUIET_INTERVALS: u32 = 6;

/// Sets the interval in milliseconds instead, so tests need not wait ten seconds.
const INTERVAL_VAR: &str = "BLEED_PROGRESS_INTERVAL_MS";

/// The bar drawing now, if any (one at a time): messages printed while it draws suspend it.
static DRAWING: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// What a progress line counts.
#[derive(Clone, Copy, Debug)]
pub struct Job {
    /// The job's name at the start of a line: `hunt`, `bisect`.
    pub name: &'static str,
    /// The unit counted, singular and plural.
    pub one: &'static str,
    pub many: &'static str,
}

pub const HUNT: Job = Job {
    name: "hunt",
    one: "run",
    many: "runs",
};

pub const CONFIRMING: Job = Job {
    name: "hunt",
    one: "confirmation run",
    many: "confirmation runs",
};

pub const BISECT: Job = Job {
    name: "bisect",
    one: "probe",
    many: "probes",
};

/// Where a job stands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Status {
    pub done: u64,
    pub total: Option<u64>,
    /// What is going on, or what has been found so far; may be empty.
    pub message: String,
}

/// A plain progress line: `bleed: hunt: 12/30 runs, 2 tests flipped, 40s elapsed, ETA 1m00s`.
pub fn line(job: Job, status: &Status, elapsed: Duration) -> String {
    let counted = match status.total {
        Some(total) => format!("{}/{total} {}", status.done, job.many),
        None => human::counted(status.done as usize, job.one, job.many),
    };
    let mut line = format!("bleed: {}: {counted}", job.name);
    if !status.message.is_empty() {
        line.push_str(", ");
        line.push_str(&status.message);
    }
    line.push_str(&format!(", {} elapsed", human::elapsed(elapsed)));
    if let Some(eta) = eta(status, elapsed) {
        line.push_str(&format!(", ETA {}", human::elapsed(eta)));
    }
    line
}

fn eta(status: &Status, elapsed: Duration) -> Option<Duration> {
    time_left(status.done, status.total?, elapsed)
}

/// The time left, from the pace so far; None before the first unit or after the last.
fn time_left(done: u64, total: u64, elapsed: Duration) -> Option<Duration> {
    if done == 0 || done >= total {
        return None;
    }
    Some(elapsed.mul_f64((total - done) as f64 / done as f64))
}

/// Whether a plain line is due at a tick: something changed since the last one, or it has
/// been quiet for too long.
fn due(
    status: &Status,
    printed: Option<&Status>,
    since_printed: Duration,
    interval: Duration,
) -> bool {
    printed != Some(status) || since_printed >= interval * QUIET_INTERVALS
}

/// A job's progress on stderr, drawn as a bar or printed as lines; cleared or stopped when
/// dropped.
pub struct Progress {
    inner: Inner,
    stopped: AtomicBool,
}

enum Inner {
    Bar(ProgressBar),
    Lines(Arc<Lines>, Mutex<Option<JoinHandle<()>>>),
}

/// The plain lines' state, shared with the thread that prints them.
struct Lines {
    job: Job,
    interval: Duration,
    started: Instant,
    state: Mutex<LineState>,
    stopped: Mutex<bool>,
    wake: Condvar,
}

struct LineState {
    status: Status,
    printed: Option<Status>,
    printed_at: Instant,
}

impl Progress {
    /// Progress over `total` units when the total is known, else a count.
    pub fn new(job: Job, total: Option<u64>) -> Progress {
        let inner = if std::io::stderr().is_terminal() {
            Inner::Bar(bar(job, total))
        } else {
            let lines = Arc::new(Lines {
                job,
                interval: interval(),
                started: Instant::now(),
                state: Mutex::new(LineState {
                    status: Status {
                        total,
                        ..Status::default()
                    },
                    printed: None,
                    printed_at: Instant::now(),
                }),
                stopped: Mutex::new(false),
                wake: Condvar::new(),
            });
            let ticking = Arc::clone(&lines);
            let ticker = std::thread::spawn(move || ticking.tick_until_stopped());
            Inner::Lines(lines, Mutex::new(Some(ticker)))
        };
        Progress {
            inner,
            stopped: AtomicBool::new(false),
        }
    }

    pub fn inc(&self) {
        match &self.inner {
            Inner::Bar(bar) => bar.inc(1),
            Inner::Lines(lines, _) => lines.update(|status| status.done += 1),
        }
    }

    pub fn set_message(&self, message: String) {
        match &self.inner {
            Inner::Bar(bar) => bar.set_message(message),
            Inner::Lines(lines, _) => lines.update(|status| status.message = message),
        }
    }

    /// A new phase begins: without a terminal, say so now rather than at the next tick, once
    /// the job has run for an interval. A job that stops at once on bad input then says one
    /// line, its error, as errors promise.
    pub fn milestone(&self) {
        if let Inner::Lines(lines, _) = &self.inner
            && lines.started.elapsed() >= lines.interval
        {
            lines.print();
        }
    }

    /// The end of the job: the bar is cleared; without a terminal, a last line is printed.
    pub fn finish(&self) {
        if self.stopped.load(Ordering::SeqCst) {
            return;
        }
        if let Inner::Lines(lines, _) = &self.inner {
            let worth_a_line = {
                let state = lock(&lines.state);
                state.status.done > 0 || state.printed.is_some()
            };
            if worth_a_line {
                lines.print();
            }
        }
        self.stop();
    }

    fn stop(&self) {
        if self.stopped.swap(true, Ordering::SeqCst) {
            return;
        }
        match &self.inner {
            Inner::Bar(bar) => {
                bar.finish_and_clear();
                *lock(&DRAWING) = None;
            }
            Inner::Lines(lines, ticker) => {
                *lock(&lines.stopped) = true;
                lines.wake.notify_all();
                if let Some(ticker) = lock(ticker).take() {
                    let _ = ticker.join();
                }
            }
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Lines {
    fn update(&self, change: impl FnOnce(&mut Status)) {
        change(&mut lock(&self.state).status);
    }

    fn print(&self) {
        let mut state = lock(&self.state);
        eprintln!("{}", line(self.job, &state.status, self.started.elapsed()));
        state.printed = Some(state.status.clone());
        state.printed_at = Instant::now();
    }

    fn tick_until_stopped(&self) {
        let mut stopped = lock(&self.stopped);
        loop {
            stopped = self
                .wake
                .wait_timeout(stopped, self.interval)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
            if *stopped {
                return;
            }
            let is_due = {
                let state = lock(&self.state);
                due(
                    &state.status,
                    state.printed.as_ref(),
                    state.printed_at.elapsed(),
                    self.interval,
                )
            };
            if is_due {
                self.print();
            }
        }
    }
}

fn interval() -> Duration {
    std::env::var(INTERVAL_VAR)
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(LINE_INTERVAL, Duration::from_millis)
}

fn bar(job: Job, total: Option<u64>) -> ProgressBar {
    let (bar, template) = match total {
        Some(total) => (
            ProgressBar::new(total),
            "{spinner} {bar:30} {pos}/{len} {unit}  {took}{left}  {msg}",
        ),
        None => (
            ProgressBar::new_spinner(),
            "{spinner} {counted}  {took}  {msg}",
        ),
    };
    // Times as the plain lines give them: indicatif's own `{eta}` reads "0s" before the first
    // run has finished, as if none were left.
    let style = ProgressStyle::with_template(template)
        .expect("the progress template is valid")
        .with_key(
            "took",
            |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = w.write_str(&human::elapsed(state.elapsed()));
            },
        )
        .with_key(
            "left",
            |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                let left = state
                    .len()
                    .and_then(|total| time_left(state.pos(), total, state.elapsed()));
                if let Some(left) = left {
                    let _ = write!(w, " (ETA {})", human::elapsed(left));
                }
            },
        )
        .with_key(
            "unit",
            move |_: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = w.write_str(job.many);
            },
        )
        .with_key(
            "counted",
            move |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = w.write_str(&human::counted(state.pos() as usize, job.one, job.many));
            },
        );
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    *lock(&DRAWING) = Some(bar.clone());
    bar
}

/// Prints `bleed: <text>` on stderr, above the progress bar if one is drawing.
pub fn say(text: &str) {
    let line = format!("bleed: {text}");
    let drawing = lock(&DRAWING).clone();
    match drawing {
        Some(bar) => bar.suspend(|| eprintln!("{line}")),
        None => eprintln!("{line}"),
    }
}

/// Prints `bleed: warning: <text>` on stderr, as `say` does.
pub fn warn(text: &str) {
    say(&format!("{}: {text}", Paint::stderr().yellow("warning")));
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // What these locks guard stays whole if a holder panicked: a count, a message, a flag.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(done: u64, total: Option<u64>, message: &str) -> Status {
        Status {
            done,
            total,
            message: message.to_string(),
        }
    }

    #[test]
    fn a_line_says_how_far_what_was_found_and_how_long_is_left() {
        assert_eq!(
            line(
                HUNT,
                &status(12, Some(30), "2 tests flipped"),
                Duration::from_secs(40)
            ),
            "bleed: hunt: 12/30 runs, 2 tests flipped, 40s elapsed, ETA 1m00s"
        );
        assert_eq!(
            line(HUNT, &status(0, Some(30), ""), Duration::from_secs(3)),
            "bleed: hunt: 0/30 runs, 3s elapsed",
            "no pace yet, so no ETA"
        );
        assert_eq!(
            line(HUNT, &status(30, Some(30), ""), Duration::from_secs(95)),
            "bleed: hunt: 30/30 runs, 1m35s elapsed"
        );
    }

    #[test]
    fn a_count_without_a_total_agrees_with_its_number() {
        assert_eq!(
            line(
                BISECT,
                &status(1, None, "searching"),
                Duration::from_secs(2)
            ),
            "bleed: bisect: 1 probe, searching, 2s elapsed"
        );
        assert_eq!(
            line(CONFIRMING, &status(3, None, ""), Duration::from_secs(14)),
            "bleed: hunt: 3 confirmation runs, 14s elapsed"
        );
    }

    #[test]
    fn a_line_is_due_on_news_or_after_a_long_quiet() {
        let interval = Duration::from_secs(10);
        let now = status(3, Some(9), "");
        assert!(due(&now, None, Duration::ZERO, interval));
        assert!(due(
            &now,
            Some(&status(2, Some(9), "")),
            Duration::ZERO,
            interval
        ));
        assert!(!due(&now, Some(&now), Duration::from_secs(59), interval));
        assert!(due(&now, Some(&now), Duration::from_secs(60), interval));
    }
}
