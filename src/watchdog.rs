//! Runs die with bleed, even when bleed is killed with SIGKILL and cannot stop them itself.
//!
//! The first time bleed starts a process group, it forks a watchdog: a small process of its
//! own group that holds the read end of a pipe, and nothing else, while bleed holds the write
//! end. bleed tells it each group it starts and each it is done with. When bleed dies, however
//! it dies, the kernel closes the write end; the watchdog reads end-of-file, sends SIGTERM to
//! every group still on its list, gives them `GRACE`, sends SIGKILL, and exits. When bleed exits
//! normally, the list is empty and the watchdog simply exits.
//!
//! Why a process and not a parent-death signal alone: `PR_SET_PDEATHSIG` (which `exec` also
//! sets) reaches only the run's first process, not the runner it starts or the runner's
//! workers, and it fires when the *thread* that forked the run ends. Why its own group: a
//! signal to bleed's group (a CI job cancelled, a `kill -9 -PGID`) must not take the watchdog
//! down with bleed.
//!
//! The watchdog is forked from a process with threads, so until it exits it calls only
//! async-signal-safe functions (read, kill, nanosleep, …) on memory of its own stack.

use std::io;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// Between the watchdog's SIGTERM and its SIGKILL: as long as a run gets when bleed stops it.
pub const GRACE: Duration = crate::run::GRACE;

/// The most groups the watchdog keeps: far more than `--jobs` runs and a warm server's probes
/// make at once. Groups past it go unwatched; `exec`'s parent-death signal still ends their
/// leaders.
const CAPACITY: usize = 4096;

/// One message on the pipe: a group id and whether to watch or forget it. Eight bytes are
/// written at once, under PIPE_BUF, so messages from several threads never interleave.
const WATCH: i32 = 1;
const FORGET: i32 = 0;

/// How often the watchdog checks, in its grace period, whether the groups are gone.
const CHECK: Duration = Duration::from_millis(50);

enum State {
    NotStarted,
    /// The write end of the pipe to a running watchdog.
    Running(i32),
    /// It could not be started or has died: runs go unwatched, as they did before there was
    /// a watchdog, and bleed said so once.
    Unavailable,
}

static STATE: Mutex<State> = Mutex::new(State::NotStarted);

/// Asks the watchdog to end the group `pgid` if bleed dies before `forget(pgid)`.
pub fn watch(pgid: i32) {
    send(pgid, WATCH);
}

/// The group is over, or bleed will see to it itself.
pub fn forget(pgid: i32) {
    send(pgid, FORGET);
}

fn send(pgid: i32, op: i32) {
    let mut state = state();
    if matches!(*state, State::NotStarted) {
        *state = match start() {
            Ok(fd) => State::Running(fd),
            Err(err) => {
                unavailable(&err);
                State::Unavailable
            }
        };
    }
    let State::Running(fd) = *state else {
        return;
    };
    let mut message = [0u8; 8];
    message[..4].copy_from_slice(&pgid.to_ne_bytes());
    message[4..].copy_from_slice(&op.to_ne_bytes());
    // SAFETY: the buffer is valid for its length; fd is the pipe's write end, open until here.
    let written = unsafe { libc::write(fd, message.as_ptr().cast(), message.len()) };
    if written != message.len() as isize {
        // The watchdog is gone (EPIPE: Rust ignores SIGPIPE) or the pipe is broken.
        unavailable(&io::Error::last_os_error());
        // SAFETY: fd is ours and is not used again.
        unsafe { libc::close(fd) };
        *state = State::Unavailable;
    }
}

fn unavailable(err: &io::Error) {
    crate::progress::warn(&format!(
        "cannot keep a watchdog over the runs ({err}): if bleed is killed, runs it started may \
         keep going; the next bleed in this store ends them"
    ));
}

fn state() -> MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Elsewhere runs go unwatched: the watchdog leans on Linux's pipe2, close_range and /proc.
#[cfg(not(target_os = "linux"))]
fn start() -> io::Result<i32> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "bleed's watchdog runs on Linux only",
    ))
}

/// Forks the watchdog and returns the write end of its pipe.
#[cfg(target_os = "linux")]
fn start() -> io::Result<i32> {
    let mut fds = [0; 2];
    // SAFETY: fds has room for the two descriptors pipe2 writes. CLOEXEC keeps the runs bleed
    // starts from inheriting either end: a run holding the write end would keep the watchdog
    // from ever seeing bleed die.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let [read, write] = fds;
    // SAFETY: the child runs only async-signal-safe code (see `watch_over`) and never returns.
    match unsafe { libc::fork() } {
        -1 => {
            let err = io::Error::last_os_error();
            // SAFETY: both descriptors are ours and unused.
            unsafe {
                libc::close(read);
                libc::close(write);
            }
            Err(err)
        }
        0 => unsafe { watch_over(read) },
        _ => {
            // SAFETY: the read end is the watchdog's now.
            unsafe { libc::close(read) };
            Ok(write)
        }
    }
}

#[cfg(target_os = "linux")]
/// The watchdog's whole life.
///
/// # Safety
///
/// Only in the child of a fork: it calls only async-signal-safe functions, allocates nothing,
/// and ends in `_exit`.
unsafe fn watch_over(read: i32) -> ! {
    unsafe {
        detach(read);
        let mut groups = [0i32; CAPACITY];
        let mut count = 0;
        loop {
            let mut message = [0u8; 8];
            let got = libc::read(3, message.as_mut_ptr().cast(), message.len());
            if got < 0 && *libc::__errno_location() == libc::EINTR {
                continue;
            }
            if got != message.len() as isize {
                // End of file: bleed is gone, however it went.
                break;
            }
            let pgid = i32::from_ne_bytes([message[0], message[1], message[2], message[3]]);
            let op = i32::from_ne_bytes([message[4], message[5], message[6], message[7]]);
            if op == WATCH && count < CAPACITY {
                groups[count] = pgid;
                count += 1;
            } else if let Some(at) = groups[..count].iter().position(|&g| g == pgid) {
                groups[at] = groups[count - 1];
                count -= 1;
            }
        }
        end_groups(&groups[..count]);
        libc::_exit(0)
    }
}

#[cfg(target_os = "linux")]
/// Leaves bleed's group, terminal signals and open files behind, keeping the pipe as fd 3.
///
/// # Safety
///
/// As for `watch_over`.
unsafe fn detach(read: i32) {
    unsafe {
        libc::setpgid(0, 0);
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGPIPE] {
            libc::signal(signal, libc::SIG_DFL);
        }
        // Out of the directory bleed ran in, which may be a checkout someone wants to delete.
        libc::chdir(c"/".as_ptr());
        if read != 3 {
            libc::dup2(read, 3);
        }
        // Nothing of bleed's stays open here: not its stdout, which whoever reads bleed's
        // output waits on, nor a warm server's socket, whose closing tells the server to stop.
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        for fd in 0..3 {
            libc::dup2(null, fd);
        }
        if libc::syscall(libc::SYS_close_range, 4u32, u32::MAX, 0u32) != 0 {
            let mut limit = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
            let last = i32::try_from(limit.rlim_cur.min(1 << 20)).unwrap_or(1 << 20);
            for fd in 4..last {
                libc::close(fd);
            }
        }
    }
}

#[cfg(target_os = "linux")]
/// SIGTERM to every group, then SIGKILL to what is still alive after the grace period.
///
/// # Safety
///
/// As for `watch_over`.
unsafe fn end_groups(groups: &[i32]) {
    let signal_all = |signal| {
        let mut any = false;
        for &pgid in groups {
            // Below 2 would be bleed's own group or every process: never sent.
            // SAFETY: kill has no memory-safety preconditions.
            if pgid > 1 && unsafe { libc::kill(-pgid, signal) } == 0 {
                any = true;
            }
        }
        any
    };
    if !signal_all(libc::SIGTERM) {
        return;
    }
    let checks = GRACE.as_millis() / CHECK.as_millis();
    let pause = libc::timespec {
        tv_sec: 0,
        tv_nsec: CHECK.as_nanos() as libc::c_long,
    };
    for _ in 0..checks {
        // SAFETY: nanosleep reads `pause` and may write nothing when the second pointer is null.
        unsafe { libc::nanosleep(&pause, std::ptr::null_mut()) };
        // Zombies keep a group existing until init reaps them, so this may run the full
        // grace period for nothing; the SIGKILL then finds no one.
        if !signal_all(0) {
            return;
        }
    }
    signal_all(libc::SIGKILL);
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};

    use crate::interrupt::isolated::{self, assert_group_gone, eventually};

    use super::*;

    /// Forgetting a group means the watchdog leaves it alone when bleed goes.
    #[test]
    fn the_watchdog_ends_watched_groups_when_its_bleed_is_killed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut child = isolated::command("watchdog::tests::killed_bleed_isolated")
            .env("BLEED_WATCHDOG_TEST_DIR", dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the test binary starts again");
        let pgid_of = |name: &str| -> i32 {
            let path = dir.path().join(name);
            let mut pgid = 0;
            eventually(&format!("{name} to be written"), || {
                pgid = std::fs::read_to_string(&path)
                    .ok()
                    .and_then(|text| text.trim().parse().ok())
                    .unwrap_or(0);
                pgid > 0
            });
            pgid
        };
        let watched = pgid_of("watched");
        let forgotten = pgid_of("forgotten");
        eventually("both groups to be handed to the watchdog", || {
            dir.path().join("ready").exists()
        });

        child.kill().expect("SIGKILL the stand-in for bleed");
        child.wait().expect("reaped");

        assert_group_gone(watched);
        // SAFETY: kill has no memory-safety preconditions.
        assert_eq!(
            unsafe { libc::kill(-forgotten, 0) },
            0,
            "forgotten was ended"
        );
        // SAFETY: as above.
        unsafe { libc::kill(-forgotten, libc::SIGKILL) };
        assert_group_gone(forgotten);
    }

    #[test]
    #[ignore = "killed with SIGKILL; run by the_watchdog_ends_watched_groups_when_its_bleed_is_killed"]
    fn killed_bleed_isolated() {
        if !isolated::inside("watchdog::tests::killed_bleed_isolated") {
            return;
        }
        let dir = std::path::PathBuf::from(
            std::env::var_os("BLEED_WATCHDOG_TEST_DIR").expect("the test says where"),
        );
        // A group that ignores SIGTERM, with a grandchild, so the SIGKILL is what ends it.
        #[expect(
            clippy::zombie_processes,
            reason = "this process is killed; the test that killed it sees to the groups"
        )]
        let start = |name: &str| {
            let child = Command::new("sh")
                .args(["-c", "trap '' TERM; sleep 1000 & sleep 1000"])
                .process_group(0)
                .spawn()
                .expect("sh starts");
            let pgid = i32::try_from(child.id()).expect("pids fit in pid_t");
            std::fs::write(dir.join(name), pgid.to_string()).expect("write");
            pgid
        };
        let watched = start("watched");
        let forgotten = start("forgotten");
        watch(watched);
        watch(forgotten);
        forget(forgotten);
        std::fs::write(dir.join("ready"), "").expect("write");
        eventually("to be killed", || false);
    }
}
