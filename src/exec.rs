//! One run of the user's command: `sh -c` in a process group of its own, stdin closed, stdout
//! and stderr through a pipe to a capped log (`log_cap`), and a timeout (or Ctrl-C) that takes
//! down every process the run started.
//!
//! Nothing a run starts outlives it. When its shell ends on its own, what it left running in
//! its group (a server started with `&`, a grandchild that ignored its parent's end) is stopped
//! too, and counted in `Finished::strays`. When bleed dies, the watchdog (see `watchdog`) ends
//! the group and a parent-death signal the shell; should both fail, the run's entry in the
//! store (see `leftovers`) lets the next bleed end it.
//!
//! The shell is reaped last. Until then it is a zombie that holds the group's id, so no signal
//! sent to the group, however late, can reach an unrelated group that was given the same id.

use std::fs::File;
use std::io::{self, PipeReader, Read, Seek, SeekFrom};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::human::{count, counted};
use crate::interrupt::{self, signal_group};
use crate::leftovers::InFlight;
use crate::log_cap::CappedLog;
use crate::procfs;

/// How long a run waits for news (output, its shell's end) before checking its timeout, Ctrl-C,
/// and, while it is being stopped, whether its group is gone.
const POLL: Duration = Duration::from_millis(50);

/// How much of a log `log_tail` reads: enough for an error message, however big the log.
const TAIL_BYTES: u64 = 4096;

/// One read of the run's output.
const CHUNK: usize = 64 * 1024;

/// The most output read once the run is over: what sits in the pipe. A process that escaped
/// the group (setsid) may keep writing; the log does not wait for it.
const DRAIN: usize = 16 * CHUNK;

/// One run to perform.
#[derive(Clone, Debug)]
pub struct Job {
    /// Already rendered; run as `sh -c <command>`.
    pub command: String,
    /// Added to the inherited environment.
    pub env: Vec<(String, String)>,
    pub cwd: Option<PathBuf>,
    /// Receives stdout and stderr, interleaved as written, capped (see `log_cap`); created or
    /// truncated. Its directory must exist.
    pub log: PathBuf,
    pub timeout: Option<Duration>,
    /// Between SIGTERM and SIGKILL when stopping the run or what it left running, and between
    /// the forwarded SIGINT and SIGTERM after Ctrl-C.
    pub grace: Duration,
    /// Where the run is recorded while it goes (see `leftovers`); None for no record.
    pub record: Option<Record>,
}

/// A run's entry among the store's runs in flight.
#[derive(Clone, Debug)]
pub struct Record {
    /// The store's `running/` directory.
    pub dir: PathBuf,
    /// The run's id.
    pub run: String,
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
    /// Processes still running in the group when the shell ended on its own, which bleed then
    /// ended.
    pub strays: usize,
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

/// What supervising the run found.
struct Supervised {
    timed_out: bool,
    strays: usize,
}

/// Runs `job` to the end, or until its timeout or Ctrl-C stops it. Errors only when the shell
/// cannot be started (or, in theory, waited for); how the command itself fared is in `Finished`.
pub fn run(job: &Job) -> io::Result<Finished> {
    let mut in_flight = match &job.record {
        Some(record) => Some(InFlight::begin(&record.dir, &record.run).map_err(|err| {
            io::Error::new(
                err.kind(),
                format!("cannot record the run in {}: {err}", record.dir.display()),
            )
        })?),
        None => None,
    };
    let log = CappedLog::new(File::create(&job.log)?);
    let (output, input) = io::pipe()?;
    let mut command = shell(job, input)?;
    if let Some(in_flight) = &in_flight {
        let (name, value) = in_flight.env();
        command.env(name, value);
    }
    let started = Instant::now();
    let child = command.spawn()?;
    // bleed's copies of the pipe's write end: while one is open, the output never ends.
    drop(command);
    let pgid = i32::try_from(child.id()).expect("pids fit in pid_t");
    let tracked = interrupt::track(pgid);
    let mut running = Running::new(child, pgid, output, log);
    let supervised = match in_flight.as_mut().map(|entry| entry.started(pgid)) {
        Some(Err(err)) => Err(err),
        _ => running.supervise(job, started),
    };
    if supervised.is_err() {
        // Whatever went wrong, a suite nobody watches must not keep running.
        let _ = signal_group(pgid, libc::SIGKILL);
    }
    let logged = running.finish_log();
    // Forgotten by the watchdog before the reaping frees the group's id.
    drop(tracked);
    let status = running.child.wait()?;
    drop(in_flight);
    let supervised = supervised?;
    logged?;
    Ok(Finished {
        exit_code: status.code(),
        signal: status.signal(),
        timed_out: supervised.timed_out,
        interrupted: interrupt::requested(),
        wall: started.elapsed(),
        strays: supervised.strays,
    })
}

/// `sh -c <command>` as a run starts it, its output to `input`.
fn shell(job: &Job, input: io::PipeWriter) -> io::Result<Command> {
    let mut command = Command::new("sh");
    command
        .args(["-c", job.command.as_str()])
        .stdin(Stdio::null())
        .stdout(input.try_clone()?)
        .stderr(input)
        .envs(job.env.iter().map(|(name, value)| (name, value)))
        // Leader of its own group, so that one signal reaches every process the suite
        // starts, and the terminal's Ctrl-C reaches bleed alone (see `interrupt`).
        .process_group(0);
    if let Some(dir) = &job.cwd {
        command.current_dir(dir);
    }
    dies_with_bleed(&mut command);
    Ok(command)
}

/// The shell gets SIGTERM when bleed dies, as a run's first line of defence: the watchdog ends
/// the rest of the group. The signal comes when the *thread* that started the shell ends, and
/// that thread waits for the shell in `run`.
#[cfg(target_os = "linux")]
fn dies_with_bleed(command: &mut Command) {
    // SAFETY: getpid has no preconditions.
    let bleed = unsafe { libc::getpid() };
    // SAFETY: the hook calls only prctl and getppid, which are async-signal-safe.
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                return Err(io::Error::last_os_error());
            }
            // bleed died before the prctl, so the signal will never come.
            if libc::getppid() != bleed {
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn dies_with_bleed(_command: &mut Command) {}

/// A started run: its shell, its group, and its output on the way to the log.
struct Running {
    child: Child,
    pgid: i32,
    /// Readable when the shell has exited, where the kernel has pidfds (Linux 5.3): the end is
    /// noticed at once instead of at the next poll.
    pidfd: Option<OwnedFd>,
    /// None once every writer closed it.
    output: Option<PipeReader>,
    /// Taken when the log is finished.
    log: Option<CappedLog<File>>,
    buffer: Vec<u8>,
}

impl Running {
    fn new(child: Child, pgid: i32, output: PipeReader, log: CappedLog<File>) -> Running {
        // SAFETY: pidfd_open takes a pid and flags; the result is a new descriptor or -1.
        let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pgid, 0) };
        Running {
            child,
            pgid,
            // SAFETY: a non-negative result is a descriptor nobody else owns.
            pidfd: (pidfd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(pidfd as RawFd) }),
            output: Some(output),
            log: Some(log),
            buffer: vec![0; CHUNK],
        }
    }

    /// Waits for the run to end, stopping it if it must, and what it left running if it ended
    /// on its own.
    fn supervise(&mut self, job: &Job, started: Instant) -> io::Result<Supervised> {
        let pgid = self.pgid;
        let mut stopping = Stopping::No;
        let mut timed_out = false;
        let mut strays = 0;
        let mut exited = false;
        let mut scanned: Option<Instant> = None;
        loop {
            self.wait_for_news(exited)?;
            exited = exited || self.exited()?;
            let now = Instant::now();
            if exited && scanned.is_none_or(|at| now - at >= POLL) {
                scanned = Some(now);
                let left = procfs::alive_in_group(pgid).len();
                match stopping {
                    Stopping::No if !interrupt::requested() => {
                        if left == 0 {
                            return Ok(Supervised { timed_out, strays });
                        }
                        // Ended on its own, but not whole: the rest goes the way a timed-out
                        // run does.
                        strays = left;
                        stopping = terminate(pgid, now);
                    }
                    Stopping::Killed => return Ok(Supervised { timed_out, strays }),
                    Stopping::Interrupted { .. } | Stopping::Terminated { .. } if left == 0 => {
                        return Ok(Supervised { timed_out, strays });
                    }
                    _ => {}
                }
            }
            stopping = escalate(stopping, pgid, job, started, &mut timed_out);
        }
    }

    /// Waits up to `POLL` for output or the shell's end, and logs what output came.
    fn wait_for_news(&mut self, exited: bool) -> io::Result<()> {
        let watch = |fd: RawFd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        let mut fds = Vec::with_capacity(2);
        if let Some(output) = &self.output {
            fds.push(watch(output.as_raw_fd()));
        }
        if let Some(pidfd) = self.pidfd.as_ref().filter(|_| !exited) {
            fds.push(watch(pidfd.as_raw_fd()));
        }
        let wait = i32::try_from(POLL.as_millis()).expect("a short poll");
        // SAFETY: fds points at fds.len() initialised pollfd structures.
        let ready = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, wait) };
        if ready < 0 {
            let err = io::Error::last_os_error();
            return if err.kind() == io::ErrorKind::Interrupted {
                Ok(())
            } else {
                Err(err)
            };
        }
        let output_ready = self.output.is_some() && fds[0].revents != 0;
        if output_ready {
            self.read_output()?;
        }
        Ok(())
    }

    /// One read of the output into the log; the end of the output closes it.
    fn read_output(&mut self) -> io::Result<usize> {
        let Some(output) = self.output.as_mut() else {
            return Ok(0);
        };
        match output.read(&mut self.buffer) {
            Ok(0) => {
                self.output = None;
                Ok(0)
            }
            Ok(read) => {
                if let Some(log) = self.log.as_mut() {
                    log.write(&self.buffer[..read])?;
                }
                Ok(read)
            }
            Err(err) if err.kind() == io::ErrorKind::Interrupted => Ok(0),
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                self.output = None;
                Ok(0)
            }
            Err(err) => Err(err),
        }
    }

    /// Whether the shell has exited, leaving it unreaped (see the module's comment).
    fn exited(&self) -> io::Result<bool> {
        // SAFETY: an all-zero siginfo_t is a valid value for waitid to fill in.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let flags = libc::WEXITED | libc::WNOHANG | libc::WNOWAIT;
        let pid = libc::id_t::try_from(self.pgid).expect("a positive pid");
        // SAFETY: info is a valid siginfo_t for waitid to write.
        if unsafe { libc::waitid(libc::P_PID, pid, &mut info, flags) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: waitid filled in a SIGCHLD siginfo, or left it zeroed for no news.
        Ok(unsafe { info.si_pid() } != 0)
    }

    /// Logs what is left in the pipe, without waiting for writers that escaped the group, and
    /// writes the end of the log.
    fn finish_log(&mut self) -> io::Result<()> {
        if let Some(output) = &self.output {
            let fd = output.as_raw_fd();
            // SAFETY: fcntl on a descriptor we own; only its status flags change.
            unsafe {
                libc::fcntl(
                    fd,
                    libc::F_SETFL,
                    libc::fcntl(fd, libc::F_GETFL) | libc::O_NONBLOCK,
                )
            };
        }
        let mut drained = 0;
        while self.output.is_some() && drained < DRAIN {
            drained += self.read_output()?.max(1);
        }
        self.output = None;
        match self.log.take() {
            Some(log) => log.finish().map(drop),
            None => Ok(()),
        }
    }
}

/// The next step of stopping the run, if one is due: Ctrl-C and the timeout start it, the
/// grace periods move it on, and a second Ctrl-C ends it at once.
fn escalate(
    stopping: Stopping,
    pgid: i32,
    job: &Job,
    started: Instant,
    timed_out: &mut bool,
) -> Stopping {
    let now = Instant::now();
    let past = |since: Instant, wait: Duration| now.saturating_duration_since(since) >= wait;
    match stopping {
        Stopping::Killed => Stopping::Killed,
        // The second Ctrl-C already sent SIGKILL to every tracked group.
        _ if interrupt::killed() => Stopping::Killed,
        // Ctrl-C first: the user's wish outranks a timeout, and it may be what ended a
        // leader whose group lingers.
        Stopping::No if interrupt::requested() => Stopping::Interrupted { since: now },
        Stopping::No if job.timeout.is_some_and(|limit| past(started, limit)) => {
            *timed_out = true;
            terminate(pgid, now)
        }
        Stopping::Interrupted { since } if past(since, job.grace) => terminate(pgid, now),
        Stopping::Terminated { since } if past(since, job.grace) => {
            // ESRCH only means everyone already left.
            let _ = signal_group(pgid, libc::SIGKILL);
            Stopping::Killed
        }
        unchanged => unchanged,
    }
}

/// Ends what is still alive in the group `pgid` after its first process ended on its own, the
/// way a timed-out run is stopped: SIGTERM, up to `grace` to go, then SIGKILL. Returns how
/// many processes there were. For the groups of a warm server's probes, whose first process
/// the server reaps: bleed cannot pin their id as `run` does, but a group with a live member
/// keeps its id, so the signals reach no stranger.
pub fn end_strays(pgid: i32, grace: Duration) -> usize {
    let strays = procfs::alive_in_group(pgid).len();
    if strays == 0 {
        return 0;
    }
    let _ = signal_group(pgid, libc::SIGTERM);
    let give_up = Instant::now() + grace;
    while Instant::now() < give_up {
        thread::sleep(POLL);
        if procfs::alive_in_group(pgid).is_empty() {
            return strays;
        }
    }
    let _ = signal_group(pgid, libc::SIGKILL);
    strays
}

fn terminate(pgid: i32, now: Instant) -> Stopping {
    // ESRCH only means everyone already left.
    let _ = signal_group(pgid, libc::SIGTERM);
    Stopping::Terminated { since: now }
}

/// Said of runs (or probes, as `noun` says) that ended with processes of theirs still running
/// in their group: bleed ended those, and a suite that counted on them, a server started in
/// one run for the next, say, would have been misjudged.
pub fn left_running(noun: &str, runs: usize, strays: usize) -> String {
    format!(
        "{} left processes running when {} ended; bleed ended them ({})",
        count(runs, noun),
        if runs == 1 { "it" } else { "they" },
        counted(strays, "process", "processes")
    )
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
    use crate::log_cap::{HEAD, TAIL};

    /// A job run in `dir`, bounded so that a broken stop fails the test instead of hanging it.
    fn job(dir: &Path, command: &str) -> Job {
        Job {
            command: command.to_string(),
            env: Vec::new(),
            cwd: Some(dir.to_path_buf()),
            log: dir.join("log"),
            timeout: Some(Duration::from_secs(60)),
            grace: Duration::from_millis(100),
            record: None,
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
    fn what_a_finished_suite_left_running_is_ended_and_counted() {
        let dir = tempfile::tempdir().expect("tempdir");
        // One stray shrugs off SIGTERM, so only the SIGKILL after the grace ends it; the suite
        // ends only once it has, or a loaded machine could send SIGTERM before the trap is set.
        let job = job(
            dir.path(),
            &format!(
                "sleep 1000 & (trap '' TERM; : > deaf; exec sleep 1000) & \
                 until [ -e deaf ]; do sleep 0.01; done; {WRITE_PGID}; echo done"
            ),
        );

        let finished = run(&job).expect("run");

        assert_eq!(finished.exit_code, Some(0));
        assert!(!finished.timed_out && !finished.interrupted);
        assert_eq!(finished.strays, 2);
        assert!(
            finished.wall >= job.grace,
            "the stubborn one was not given its grace"
        );
        assert_group_gone(read_pid(&dir.path().join("pgid")));
        assert_eq!(fs::read_to_string(&job.log).expect("log"), "done\n");
    }

    #[test]
    fn a_suite_that_leaves_nothing_has_no_strays() {
        let dir = tempfile::tempdir().expect("tempdir");
        let job = job(dir.path(), "sleep 0.1 & wait; echo done");

        let finished = run(&job).expect("run");

        assert_eq!((finished.exit_code, finished.strays), (Some(0), 0));
    }

    #[test]
    fn a_big_output_is_logged_head_and_tail() {
        let dir = tempfile::tempdir().expect("tempdir");
        // 20 MiB of numbered lines, far past the cap, then a last line.
        let job = job(
            dir.path(),
            "seq 1 3000000 | sed 's/$/ ......./'; echo the end",
        );

        let finished = run(&job).expect("run");

        assert_eq!(finished.exit_code, Some(0));
        let log = fs::read_to_string(&job.log).expect("log");
        assert!(log.len() <= HEAD + TAIL + 200, "{} bytes kept", log.len());
        assert!(log.starts_with("1 .......\n2 .......\n"));
        assert!(log.ends_with("3000000 .......\nthe end\n"));
        let cut = log
            .lines()
            .find(|line| line.starts_with("[bleed: "))
            .expect("a line says what was cut");
        assert!(cut.contains("bytes of output cut here"), "{cut}");
    }

    #[test]
    fn a_run_is_recorded_in_flight_with_its_token() {
        let dir = tempfile::tempdir().expect("tempdir");
        let running = dir.path().join("running");
        let mut job = job(
            dir.path(),
            &format!("{WRITE_PGID}; echo \"$BLEED_RUN_TOKEN\"; ls running; exit 4"),
        );
        job.record = Some(Record {
            dir: running.clone(),
            run: "r-7".to_string(),
        });

        let finished = run(&job).expect("run");

        assert_eq!(finished.exit_code, Some(4));
        let log = fs::read_to_string(&job.log).expect("log");
        let (token, listed) = log.split_once('\n').expect("two lines");
        assert!(!token.is_empty(), "{log}");
        assert!(
            listed.lines().any(|file| file == format!("{token}.json")),
            "{log}"
        );
        assert_eq!(
            fs::read_dir(&running).expect("dir").count(),
            0,
            "left behind"
        );
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
    fn left_processes_are_counted_in_words() {
        assert_eq!(
            left_running("probe", 1, 1),
            "1 probe left processes running when it ended; bleed ended them (1 process)"
        );
        assert_eq!(
            left_running("run", 2, 5),
            "2 runs left processes running when they ended; bleed ended them (5 processes)"
        );
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
