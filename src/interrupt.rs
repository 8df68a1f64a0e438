//! Ctrl-C, the way cargo-nextest does it: the first press stops new runs and asks the running
//! suites to wind down; the second kills them, and bleed still says what it kept and how to
//! resume; a third leaves at once, for a bleed stuck on something that is not a suite.
//!
//! Every run is the leader of its own process group (see `exec`) so that a timeout can kill its
//! whole tree. The terminal's SIGINT therefore reaches bleed alone: this module passes it on to
//! the groups it tracks, and `exec` escalates to SIGTERM and SIGKILL if they do not stop. That
//! also keeps the second press in bleed's hands. The groups tracked here are the ones the
//! watchdog ends if bleed dies (see `watchdog`).

use std::collections::BTreeSet;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, Once, PoisonError};

use crate::error::ExitCode;
use crate::watchdog;

static REQUESTED: AtomicBool = AtomicBool::new(false);
static KILLED: AtomicBool = AtomicBool::new(false);
static GROUPS: Mutex<BTreeSet<i32>> = Mutex::new(BTreeSet::new());
static INSTALL: Once = Once::new();

/// Routes SIGINT, SIGTERM and SIGHUP to bleed's handler. Later calls do nothing.
pub fn install() {
    INSTALL.call_once(|| {
        if let Err(err) = ctrlc::set_handler(on_signal) {
            eprintln!(
                "bleed: cannot handle Ctrl-C ({err}); interrupting may leave the suites running"
            );
        }
    });
}

/// Whether the user asked to stop: schedulers start no more runs once this is true.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// Whether the user pressed Ctrl-C twice: running suites were killed, and runs still being
/// stopped need not wait for them to wind down.
pub fn killed() -> bool {
    KILLED.load(Ordering::SeqCst)
}

/// What the first Ctrl-C does: raise the flag and pass SIGINT on to every running suite, so
/// each can stop the way it would at a terminal (pytest, for one, still writes its report).
/// Calling it again does nothing; a Ctrl-C after it counts as the second press.
pub fn request() {
    // Raised under the lock so that a group being tracked at this very moment gets exactly one
    // SIGINT, from here or from `track`.
    let groups = groups();
    if !REQUESTED.swap(true, Ordering::SeqCst) {
        for &pgid in groups.iter() {
            // A group whose leader just exited may have no members left: nothing to stop.
            let _ = signal_group(pgid, libc::SIGINT);
        }
    }
}

/// Keeps a running group on the list that Ctrl-C signals, until dropped.
#[derive(Debug)]
pub struct GroupGuard {
    pgid: i32,
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        groups().remove(&self.pgid);
        watchdog::forget(self.pgid);
    }
}

/// Puts the process group `pgid` on the list that Ctrl-C signals, and in the watchdog's care. A
/// group tracked after the first press is sent SIGINT at once: it started too late to get the
/// forwarded one; after the second, SIGKILL.
#[must_use = "the group is forgotten as soon as the guard is dropped"]
pub fn track(pgid: i32) -> GroupGuard {
    watchdog::watch(pgid);
    let mut groups = groups();
    groups.insert(pgid);
    if killed() {
        let _ = signal_group(pgid, libc::SIGKILL);
    } else if requested() {
        let _ = signal_group(pgid, libc::SIGINT);
    }
    GroupGuard { pgid }
}

/// Sends `signal` to every process in the group `pgid`.
///
/// Refuses ids below 2: `kill(0, ..)` would signal bleed's own group (the user's shell job)
/// and `kill(-1, ..)` every process the user owns, so a bad id must never reach `kill`.
pub(crate) fn signal_group(pgid: i32, signal: i32) -> io::Result<()> {
    if pgid <= 1 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("refusing to signal process group {pgid}"),
        ));
    }
    // SAFETY: kill has no memory-safety preconditions; a negative id addresses a group.
    if unsafe { libc::kill(-pgid, signal) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

fn groups() -> MutexGuard<'static, BTreeSet<i32>> {
    // The set stays consistent even if a holder panicked: every change is a single insert or
    // remove. Refusing to signal after a panic elsewhere would leave suites running.
    GROUPS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs on ctrlc's own thread, not in signal context, so locking and printing are fine.
fn on_signal() {
    if killed() {
        // The watchdog ends what is still tracked once bleed is gone.
        std::process::exit(ExitCode::Interrupted as i32);
    }
    if requested() {
        crate::progress::say("killing the running suites (Ctrl-C again to quit at once)");
        kill_all();
        return;
    }
    crate::progress::say("interrupted — stopping the running suites (Ctrl-C again to kill them)");
    request();
}

/// What the second Ctrl-C does: SIGKILL to every running suite. Under the lock, like `request`,
/// so that a group tracked at this moment is killed exactly once, here or by `track`.
fn kill_all() {
    let groups = groups();
    KILLED.store(true, Ordering::SeqCst);
    for &pgid in groups.iter() {
        let _ = signal_group(pgid, libc::SIGKILL);
    }
}

/// Helpers for tests that raise the interrupt flag. The flag cannot be lowered again, and the
/// lib tests (exec's, the scheduler's) share one process, so such a test runs in a test process
/// of its own: `isolated::run` starts the test binary again for one `#[ignore]`d test, which
/// checks `isolated::inside` first so that `cargo test -- --ignored` cannot raise the flag under
/// the other tests.
#[cfg(test)]
pub(crate) mod isolated {
    use std::fs::File;
    use std::io::{Read, Seek, SeekFrom};
    use std::os::unix::process::CommandExt;
    use std::path::Path;
    use std::process::{Command, Output};
    use std::time::{Duration, Instant};

    const MARK: &str = "BLEED_ISOLATED_TEST";

    /// Runs the test named `name` (its path without the crate, as libtest lists it) alone in a
    /// new process and returns what it printed and how it ended.
    pub(crate) fn run(name: &str) -> Output {
        // Files, not pipes: a sleeper leaked by a failing test would hold a pipe open, and the
        // wait for its end would outlast the failure by 1000 s.
        let stdout = tempfile::tempfile().expect("temporary file");
        let stderr = tempfile::tempfile().expect("temporary file");
        let status = command(name)
            .stdout(stdout.try_clone().expect("dup"))
            .stderr(stderr.try_clone().expect("dup"))
            .status()
            .expect("the test binary starts again");
        Output {
            status,
            stdout: contents(stdout),
            stderr: contents(stderr),
        }
    }

    /// The command that runs the test named `name` alone in a new process, for a test that
    /// wants to handle that process itself (to kill it, say).
    pub(crate) fn command(name: &str) -> Command {
        // Other builds into the same target directory replace the test binary while it runs;
        // on Linux /proc/self/exe still opens this very one.
        let this = Path::new("/proc/self/exe");
        let exe = if this.exists() {
            this.to_path_buf()
        } else {
            std::env::current_exe().expect("the test binary knows its path")
        };
        let mut command = Command::new(exe);
        command
            .args([
                name,
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(MARK, name);
        // Tests started from a background job (`cargo test &`, nohup) inherit SIGINT ignored,
        // and so would every suite they expect a forwarded SIGINT to stop.
        // SAFETY: the hook only calls signal(), which is async-signal-safe.
        unsafe {
            command.pre_exec(|| {
                libc::signal(libc::SIGINT, libc::SIG_DFL);
                Ok(())
            });
        }
        command
    }

    fn contents(mut file: File) -> Vec<u8> {
        let mut bytes = Vec::new();
        file.seek(SeekFrom::Start(0)).expect("seek");
        file.read_to_end(&mut bytes).expect("read");
        bytes
    }

    /// `run`, for a test expected to pass.
    pub(crate) fn run_passing(name: &str) {
        let output = run(name);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("1 passed"),
            "{name} failed in its own process ({}):\n{stdout}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Whether this process is the one `run` started for `name`.
    pub(crate) fn inside(name: &str) -> bool {
        std::env::var_os(MARK).is_some_and(|mark| mark == name)
    }

    /// Polls `done` until it holds. The bound is only there so a broken build fails instead of
    /// hanging; nothing here should come near it.
    pub(crate) fn eventually(what: &str, mut done: impl FnMut() -> bool) {
        let give_up = Instant::now() + Duration::from_secs(60);
        while !done() {
            assert!(Instant::now() < give_up, "gave up waiting: {what}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits until no process is left in the group. Killed descendants linger as zombies until
    /// init reaps them, which some inits do only every second or so; a survivor that was never
    /// killed (every test process sleeps 1000 s) still fails this.
    pub(crate) fn assert_group_gone(pgid: i32) {
        eventually(&format!("process group {pgid} to empty"), || {
            super::signal_group(pgid, 0).is_err_and(|err| err.raw_os_error() == Some(libc::ESRCH))
        });
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    use std::process::{Child, Command, ExitStatus};

    use super::isolated::{self, eventually};
    use super::*;

    fn sleeper(script: &str) -> Child {
        Command::new("sh")
            .args(["-c", script])
            .process_group(0)
            .spawn()
            .expect("sh starts")
    }

    fn pgid(child: &Child) -> i32 {
        i32::try_from(child.id()).expect("pids fit in pid_t")
    }

    fn exit_of(child: &mut Child) -> ExitStatus {
        let mut status = None;
        eventually("the child to exit", || {
            status = child.try_wait().expect("try_wait works");
            status.is_some()
        });
        status.expect("set when eventually returns")
    }

    #[test]
    fn refuses_to_signal_own_or_every_group() {
        for pgid in [-5, 0, 1] {
            let err = signal_group(pgid, 0).expect_err("must refuse");
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        }
    }

    #[test]
    fn first_press_forwards_sigint_to_tracked_groups() {
        isolated::run_passing("interrupt::tests::first_press_isolated");
    }

    #[test]
    #[ignore = "raises the process-wide flag; run by first_press_forwards_sigint_to_tracked_groups"]
    fn first_press_isolated() {
        if !isolated::inside("interrupt::tests::first_press_isolated") {
            return;
        }
        let mut tracked = sleeper("exec sleep 1000");
        let mut untracked = sleeper("exec sleep 1000");
        let _tracked_guard = track(pgid(&tracked));
        drop(track(pgid(&untracked)));
        assert!(!requested());

        request();
        assert!(requested());
        assert_eq!(exit_of(&mut tracked).signal(), Some(libc::SIGINT));
        assert!(untracked.try_wait().expect("try_wait works").is_none());
        untracked.kill().expect("kill works");
        untracked.wait().expect("wait works");

        // Started after the press: it never saw the forwarded SIGINT, so tracking sends one.
        let mut late = sleeper("exec sleep 1000");
        let _late_guard = track(pgid(&late));
        assert_eq!(exit_of(&mut late).signal(), Some(libc::SIGINT));
    }

    #[test]
    fn second_press_kills_tracked_groups_and_the_third_exits_130() {
        let output = isolated::run("interrupt::tests::second_press_isolated");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(130),
            "{}\n{stdout}\n{stderr}",
            output.status
        );
        for line in [
            "bleed: interrupted — stopping the running suites (Ctrl-C again to kill them)",
            "bleed: killing the running suites (Ctrl-C again to quit at once)",
        ] {
            assert_eq!(stderr.matches(line).count(), 1, "{stderr}");
        }
        assert!(stdout.contains("killed by the second press"), "{stdout}");
        let pgid = stdout
            .lines()
            .find_map(|line| line.split_once("tracked group ").map(|(_, pgid)| pgid))
            .and_then(|pgid| pgid.trim().parse().ok())
            .unwrap_or_else(|| panic!("no group in:\n{stdout}"));
        isolated::assert_group_gone(pgid);
    }

    #[test]
    #[ignore = "exits with 130; run by second_press_kills_tracked_groups_and_the_third_exits_130"]
    fn second_press_isolated() {
        if !isolated::inside("interrupt::tests::second_press_isolated") {
            return;
        }
        install();
        install();
        let dir = tempfile::tempdir().expect("tempdir");
        let ready = dir.path().join("ready");
        // Ignores SIGINT, so only the second press can stop it.
        let mut group = Command::new("sh")
            .args(["-c", "trap '' INT; : > \"$0\"; exec sleep 1000"])
            .arg(&ready)
            .process_group(0)
            .spawn()
            .expect("sh starts");
        eventually("the group to ignore SIGINT", || ready.exists());
        // The process will end in `exit`, which runs no destructors.
        drop(dir);
        let _guard = track(pgid(&group));
        println!("tracked group {}", pgid(&group));
        let press = || {
            // SAFETY: signalling our own pid has no memory-safety preconditions.
            unsafe { libc::kill(libc::getpid(), libc::SIGINT) };
        };

        press();
        eventually("the first press to register", requested);
        assert!(
            signal_group(pgid(&group), 0).is_ok(),
            "the first press must not kill"
        );

        press();
        eventually("the second press to register", killed);
        assert_eq!(exit_of(&mut group).signal(), Some(libc::SIGKILL));
        // Still here to say what it kept: only the third press leaves at once.
        println!("killed by the second press");
        press();
        eventually("the third press to exit the process", || false);
    }
}
