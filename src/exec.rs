//! One run of the user's command: `sh -c` in a process group of its own, stdin closed, stdout
//! and stderr to a log, and a timeout (or Ctrl-C) that takes down every process the run started.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::thread;
use std::time::{Duration, Instant};

use crate::interrupt::{self, signal_group};

/// How often a run is checked on: short, so a timeout or Ctrl-C is acted on promptly.
const POLL: Duration = Duration::from_millis(50);

/// How much of a log `log_tail` reads: enough for an error message, however big the log.
const TAIL_BYTES: u64 = 4096;

/// One run to perform.
#[derive(Clone, Debug)]
pub struct Job {
    /// Already rendered; run as `sh -c <command>`.
    pub command: String,
    /// Added to the inherited environment.
    pub env: Vec<(String, String)>,
    pub cwd: Option<PathBuf>,
    /// Receives stdout and stderr, interleaved as written; created or truncated. Its directory
    /// must exist.
    pub log: PathBuf,
    pub timeout: Option<Duration>,
    /// Between SIGTERM and SIGKILL when stopping the run, and between the forwarded SIGINT and
    /// SIGTERM after Ctrl-C.
    pub grace: Duration,
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq)]
pub struct Finished {
    /// `None` when the shell was killed by a signal.
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub timed_out: bool,
    /// The user pressed Ctrl-C while the run was going, so it may have been cut short. Check it
    /// before anything else: an interrupted run can also have timed out, or exited with any code.
    pub interrupted: bool,
    /// From spawning the shell to the end of the run, stopping included.
    pub wall: Duration,
}

impl Finished {
    /// sh exits 127 when it cannot find the command: the command is wrong, not the suite.
    pub fn command_not_found(&self) -> bool {
        self.exit_code == Some(127)
    }
}

/// How far the stopping of a run has gone.
#[derive(Clone, Copy)]
enum Stopping {
    No,
    /// Ctrl-C forwarded SIGINT (see `interrupt`), noticed here at `since`.
    Interrupted {
        since: Instant,
    },
    Terminated {
        since: Instant,
    },
    /// Nothing in the group survives SIGKILL, so there is nothing left to wait for.
    Killed,
}

/// Runs `job` to the end, or until its timeout or Ctrl-C stops it. Errors only when the shell
/// cannot be started (or, in theory, waited for); how the command itself fared is in `Finished`.
pub fn run(job: &Job) -> io::Result<Finished> {
    let mut expression = duct::cmd("sh", ["-c", job.command.as_str()])
        .stdin_null()
        .stderr_to_stdout()
        .stdout_path(&job.log)
        .unchecked()
        .before_spawn(|command| {
            // Leader of its own group, so that one signal reaches every process the suite
            // starts, and the terminal's Ctrl-C reaches bleed alone (see `interrupt`).
            command.process_group(0);
            Ok(())
        });
    for (name, value) in &job.env {
        expression = expression.env(name, value);
    }
    if let Some(dir) = &job.cwd {
        expression = expression.dir(dir);
    }

    let started = Instant::now();
    let handle = expression.start()?;
    // A single command has a single pid, and a group leader's pid is its group's id.
    let pgid = i32::try_from(handle.pids()[0]).expect("pids fit in pid_t");
    let _tracked = interrupt::track(pgid);
    let (status, timed_out) = match supervise(&handle, pgid, job, started) {
        Ok(ended) => ended,
        Err(err) => {
            // Whatever went wrong, a suite nobody watches must not keep running.
            let _ = signal_group(pgid, libc::SIGKILL);
            return Err(err);
        }
    };
    Ok(Finished {
        exit_code: status.code(),
        signal: status.signal(),
        timed_out,
        interrupted: interrupt::requested(),
        wall: started.elapsed(),
    })
}

/// Waits for the run to end, stopping it if it must. Returns the leader's exit status and
/// whether the timeout stopped it.
fn supervise(
    handle: &duct::Handle,
    pgid: i32,
    job: &Job,
    started: Instant,
) -> io::Result<(ExitStatus, bool)> {
    let mut stopping = Stopping::No;
    let mut timed_out = false;
    let mut status = None;
    loop {
        match status {
            None => status = handle.wait_timeout(POLL)?.map(|output| output.status),
            // The leader is gone but the rest of the group is still being stopped.
            Some(_) => thread::sleep(POLL),
        }
        if let Some(status) = status {
            let done = match stopping {
                // The suite ended on its own, so whatever it left running (a server started
                // with `&`, say) is its business, as it would be at a terminal. Besides, with the
                // leader reaped, the group id can be handed to an unrelated group as soon as
                // this one empties, and a signal sent to it then would hit a stranger.
                Stopping::No => !interrupt::requested(),
                Stopping::Killed => true,
                // Still stopping: the rest of the group was sent the same signals and may not
                // have obeyed. Signalling the group without its leader risks the reuse above,
                // but only if every pid is handed out in the meantime, which a grace period is
                // far too short for.
                Stopping::Interrupted { .. } | Stopping::Terminated { .. } => group_is_empty(pgid),
            };
            if done {
                return Ok((status, timed_out));
            }
        }
        let now = Instant::now();
        let past = |since: Instant, wait: Duration| now.saturating_duration_since(since) >= wait;
        stopping = match stopping {
            // Ctrl-C first: the user's wish outranks a timeout, and it may be what ended a
            // leader whose group lingers.
            Stopping::No if interrupt::requested() => Stopping::Interrupted { since: now },
            Stopping::No if job.timeout.is_some_and(|limit| past(started, limit)) => {
                timed_out = true;
                terminate(pgid, now)
            }
            Stopping::Interrupted { since } if past(since, job.grace) => terminate(pgid, now),
            Stopping::Terminated { since } if past(since, job.grace) => {
                // ESRCH only means everyone already left.
                let _ = signal_group(pgid, libc::SIGKILL);
                Stopping::Killed
            }
            unchanged => unchanged,
        };
    }
}

fn terminate(pgid: i32, now: Instant) -> Stopping {
    // ESRCH only means everyone already left.
    let _ = signal_group(pgid, libc::SIGTERM);
    Stopping::Terminated { since: now }
}

/// No process, zombies included, is left in the group.
fn group_is_empty(pgid: i32) -> bool {
    signal_group(pgid, 0).is_err_and(|err| err.raw_os_error() == Some(libc::ESRCH))
}

/// The last `lines` lines of the log at `path`, for error messages: at most the last
/// `TAIL_BYTES` of the file are read, invalid UTF-8 is replaced, and a log that cannot be read
/// gives an empty string, since the message it was wanted for is the error that matters.
pub fn log_tail(path: &Path, lines: usize) -> String {
    let (bytes, whole_file) = read_end(path).unwrap_or_default();
    let mut text = bytes.as_slice();
    // A window that starts inside a line would show half a line; drop it unless it is all
    // there is.
    if !whole_file
        && let Some(newline) = text.iter().position(|&byte| byte == b'\n')
        && newline + 1 < text.len()
    {
        text = &text[newline + 1..];
    }
    let text = String::from_utf8_lossy(text);
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// The last `TAIL_BYTES` of the file, and whether that is all of it.
fn read_end(path: &Path) -> io::Result<(Vec<u8>, bool)> {
    let mut file = File::open(path)?;
    let start = file.metadata()?.len().saturating_sub(TAIL_BYTES);
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::new();
    file.take(TAIL_BYTES).read_to_end(&mut bytes)?;
    Ok((bytes, start == 0))
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;
    use crate::interrupt::isolated::{self, assert_group_gone, eventually};

    /// A job run in `dir`, bounded so that a broken stop fails the test instead of hanging it.
    fn job(dir: &Path, command: &str) -> Job {
        Job {
            command: command.to_string(),
            env: Vec::new(),
            cwd: Some(dir.to_path_buf()),
            log: dir.join("log"),
            timeout: Some(Duration::from_secs(60)),
            grace: Duration::from_millis(100),
        }
    }

    fn read_pid(path: &Path) -> i32 {
        let text = fs::read_to_string(path)
            .unwrap_or_else(|err| panic!("{} was not written: {err}", path.display()));
        text.trim().parse().expect("a pid")
    }

    /// Writes the shell's pid, the group id, once the processes before it have started; the
    /// rename keeps a reader from seeing an empty file.
    const WRITE_PGID: &str = "echo $$ > pgid.tmp && mv pgid.tmp pgid";

    #[test]
    fn exit_code_and_output_go_to_the_log() {
        let dir = tempfile::tempdir().expect("tempdir");
        let job = job(dir.path(), "echo out; echo err >&2; exit 3");
        fs::write(&job.log, "stale\n".repeat(100)).expect("write");

        let finished = run(&job).expect("run");

        assert_eq!(finished.exit_code, Some(3));
        assert_eq!(finished.signal, None);
        assert!(!finished.timed_out && !finished.interrupted);
        assert!(!finished.command_not_found());
        assert_eq!(fs::read_to_string(&job.log).expect("log"), "out\nerr\n");
    }

    #[test]
    fn env_and_cwd_are_applied_on_top_of_the_inherited_environment() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sub = dir.path().join("sub");
        fs::create_dir(&sub).expect("mkdir");
        let mut job = job(
            dir.path(),
            r#"printf '%s|%s|%s' "$BLEED_EXEC_TEST" "$(pwd -P)" "${PATH:+inherited}""#,
        );
        job.cwd = Some(sub.clone());
        job.env = vec![("BLEED_EXEC_TEST".into(), "it's $HOME `x`".into())];

        assert_eq!(run(&job).expect("run").exit_code, Some(0));

        let sub = sub.canonicalize().expect("canonical");
        let expected = format!("it's $HOME `x`|{}|inherited", sub.display());
        assert_eq!(fs::read_to_string(&job.log).expect("log"), expected);
    }

    #[test]
    fn stdin_is_closed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let job = job(dir.path(), r#"cat; echo "cat: $?""#);

        let finished = run(&job).expect("run");

        assert!(!finished.timed_out, "cat waited for input");
        assert_eq!(fs::read_to_string(&job.log).expect("log"), "cat: 0\n");
    }

    #[test]
    fn command_not_found_is_127() {
        let dir = tempfile::tempdir().expect("tempdir");
        let job = job(dir.path(), "bleed-exec-test-no-such-command --flag");

        let finished = run(&job).expect("run");

        assert_eq!(finished.exit_code, Some(127));
        assert!(finished.command_not_found());
        assert!(
            fs::read_to_string(&job.log)
                .expect("log")
                .contains("not found")
        );
    }

    #[test]
    fn an_uncreatable_log_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut job = job(dir.path(), "true");
        job.log = dir.path().join("missing").join("log");

        assert!(run(&job).is_err());
    }

    #[test]
    fn timeout_kills_the_whole_tree() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut job = job(
            dir.path(),
            &format!("sleep 1000 & sleep 1000 & (sleep 1000 &); {WRITE_PGID}; wait"),
        );
        let timeout = Duration::from_secs(2);
        job.timeout = Some(timeout);

        let finished = run(&job).expect("run");

        assert!(finished.timed_out && !finished.interrupted);
        // The shell, waiting in `wait`, dies of the SIGTERM.
        assert_eq!(
            (finished.exit_code, finished.signal),
            (None, Some(libc::SIGTERM))
        );
        assert!(finished.wall >= timeout && finished.wall < Duration::from_secs(60));
        assert_group_gone(read_pid(&dir.path().join("pgid")));
    }

    #[test]
    fn timeout_kills_what_ignores_sigterm() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut job = job(
            dir.path(),
            &format!("trap '' TERM; {WRITE_PGID}; sleep 1000"),
        );
        let timeout = Duration::from_secs(2);
        job.timeout = Some(timeout);

        let finished = run(&job).expect("run");

        assert!(finished.timed_out && !finished.interrupted);
        assert_eq!(
            (finished.exit_code, finished.signal),
            (None, Some(libc::SIGKILL))
        );
        assert!(finished.wall >= timeout + job.grace && finished.wall < Duration::from_secs(60));
        assert_group_gone(read_pid(&dir.path().join("pgid")));
    }

    #[test]
    fn what_a_finished_suite_left_running_is_left_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let job = job(
            dir.path(),
            &format!("sleep 1000 & echo $! > left; {WRITE_PGID}"),
        );

        let finished = run(&job).expect("run");

        assert_eq!(finished.exit_code, Some(0));
        let left = read_pid(&dir.path().join("left"));
        // SAFETY: kill has no memory-safety preconditions.
        let alive = unsafe { libc::kill(left, 0) } == 0;
        let pgid = read_pid(&dir.path().join("pgid"));
        signal_group(pgid, libc::SIGKILL).expect("the group is still there");
        assert!(alive, "the background sleep was killed");
        assert_group_gone(pgid);
    }

    #[test]
    fn ctrl_c_stops_running_suites() {
        isolated::run_passing("exec::tests::ctrl_c_isolated");
    }

    #[test]
    #[ignore = "raises the process-wide interrupt flag; run by ctrl_c_stops_running_suites"]
    fn ctrl_c_isolated() {
        if !isolated::inside("exec::tests::ctrl_c_isolated") {
            return;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let [plain, stubborn, late] = ["plain", "stubborn", "late"].map(|name| {
            let path = dir.path().join(name);
            fs::create_dir(&path).expect("mkdir");
            path
        });
        // The shell dies of the forwarded SIGINT, as at a terminal, but what it started in the
        // background ignores SIGINT (sh does that to `&` jobs) and must be stopped after it.
        let plain_job = job(&plain, &format!("sleep 1000 & {WRITE_PGID}; wait"));
        // Shrugs off SIGINT and SIGTERM, so only the escalation to SIGKILL stops it.
        let stubborn_job = job(
            &stubborn,
            &format!("trap '' INT TERM; sleep 1000 & {WRITE_PGID}; wait"),
        );

        let (plain_run, stubborn_run) = thread::scope(|scope| {
            let plain_run = scope.spawn(|| run(&plain_job));
            let stubborn_run = scope.spawn(|| run(&stubborn_job));
            eventually("both suites to start", || {
                plain.join("pgid").exists() && stubborn.join("pgid").exists()
            });
            interrupt::request();
            (
                plain_run.join().expect("no panic").expect("run"),
                stubborn_run.join().expect("no panic").expect("run"),
            )
        });

        assert!(plain_run.interrupted && !plain_run.timed_out);
        assert_eq!(plain_run.signal, Some(libc::SIGINT));
        assert_group_gone(read_pid(&plain.join("pgid")));
        assert!(stubborn_run.interrupted && !stubborn_run.timed_out);
        assert_eq!(stubborn_run.signal, Some(libc::SIGKILL));
        assert_group_gone(read_pid(&stubborn.join("pgid")));

        // A run that starts after the press is stopped too.
        let late_run = run(&job(&late, "sleep 1000")).expect("run");
        assert!(late_run.interrupted && !late_run.timed_out);
    }

    #[test]
    fn log_tail_reads_only_the_end_of_a_big_log() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("log");
        let text: String = (0..100_000).map(|i| format!("line {i}\n")).collect();
        fs::write(&path, text).expect("write");

        assert_eq!(log_tail(&path, 3), "line 99997\nline 99998\nline 99999");

        // Asked for more than the window holds: whole lines only, ending with the last.
        let tail = log_tail(&path, 100_000);
        assert!(tail.len() <= TAIL_BYTES as usize);
        let numbers: Vec<u32> = tail
            .lines()
            .map(|line| {
                let number = line.strip_prefix("line ").expect("a whole line");
                number.parse().expect("a number")
            })
            .collect();
        assert_eq!(numbers.last(), Some(&99_999));
        assert!(numbers.windows(2).all(|pair| pair[1] == pair[0] + 1));
        assert!(numbers[0] > 99_000);
    }

    #[test]
    fn log_tail_of_small_odd_and_missing_logs() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("log");
        fs::write(&path, b"one\r\ntwo \xff\n").expect("write");
        assert_eq!(log_tail(&path, 5), "one\ntwo \u{fffd}");
        assert_eq!(log_tail(&path, 1), "two \u{fffd}");
        assert_eq!(log_tail(&path, 0), "");

        // One line longer than the window: its end is better than nothing.
        fs::write(&path, "x".repeat(10_000)).expect("write");
        assert_eq!(log_tail(&path, 2), "x".repeat(TAIL_BYTES as usize));

        assert_eq!(log_tail(&dir.path().join("missing"), 10), "");
    }
}
