//! Runs in flight, on disk, so that what a dead bleed left running is found and ended.
//!
//! Before a run starts, bleed writes `<store>/running/<token>.json`: the run, the bleed that
//! owns it (pid and start time, which together name a process for good), the machine, and once
//! it has started, its process group. The run's processes carry `BLEED_RUN_TOKEN=<token>` in
//! their environment. The file is removed when the run is over, so one that outlives its owner
//! marks a run whose bleed died (SIGKILL, the OOM killer, a crash) with nobody to stop it: the
//! watchdog should have, but it can be killed too.
//!
//! `sweep`, at the start of every bleed that opens the store, ends such leftovers. It only
//! ever signals a group that holds a process started with the run's token: a process group id
//! is reused once the group empties, and an unrelated group that got the same id carries no
//! token of ours. A process that carried the token into a group of its own (a daemon that
//! called setsid) is ended with that group.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::human::{count, counted};
use crate::interrupt::signal_group;
use crate::procfs;

/// The store's directory of runs in flight.
pub const DIR: &str = "running";

/// The environment variable every process of a run inherits: what proves a process is one of
/// ours when its bleed is gone.
pub const TOKEN_VAR: &str = "BLEED_RUN_TOKEN";

/// How often a sweep checks whether the leftovers it signalled are gone.
const CHECK: Duration = Duration::from_millis(50);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Entry {
    token: String,
    /// The run id, which names its log.
    run: String,
    owner: Owner,
    /// `run::machine`: a store shared between machines holds runs whose processes cannot be
    /// seen from here.
    machine: Option<String>,
    /// The run's process group, once it has started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pgid: Option<i32>,
}

/// A process, named so that a reused pid does not pass for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Owner {
    pid: i32,
    /// Clock ticks after boot (`/proc/<pid>/stat`).
    started: u64,
}

impl Owner {
    fn this_process() -> Owner {
        static OWN: OnceLock<Owner> = OnceLock::new();
        *OWN.get_or_init(|| {
            let pid = i32::try_from(std::process::id()).expect("pids fit in pid_t");
            let started = procfs::stat(pid).map_or(0, |stat| stat.started);
            Owner { pid, started }
        })
    }

    fn alive(self) -> bool {
        procfs::stat(self.pid).is_some_and(|stat| stat.started == self.started && stat.alive())
    }
}

/// A run's entry in the store, removed when dropped.
#[derive(Debug)]
pub struct InFlight {
    path: PathBuf,
    entry: Entry,
}

impl InFlight {
    /// Records that run `run` is about to start, under a token no other run shares.
    pub fn begin(dir: &Path, run: &str) -> io::Result<InFlight> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let owner = Owner::this_process();
        let token = format!(
            "{}-{}-{}",
            owner.pid,
            owner.started,
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        fs::create_dir_all(dir)?;
        let in_flight = InFlight {
            path: dir.join(format!("{token}.json")),
            entry: Entry {
                token,
                run: run.to_string(),
                owner,
                machine: crate::run::machine().map(str::to_string),
                pgid: None,
            },
        };
        in_flight.save()?;
        Ok(in_flight)
    }

    /// The `NAME=value` every process of the run inherits.
    pub fn env(&self) -> (String, String) {
        (TOKEN_VAR.to_string(), self.entry.token.clone())
    }

    /// The run started as the process group `pgid`.
    pub fn started(&mut self, pgid: i32) -> io::Result<()> {
        self.entry.pgid = Some(pgid);
        self.save()
    }

    /// Whole or not at all: a sweep must never read half an entry.
    fn save(&self) -> io::Result<()> {
        let text = serde_json::to_string(&self.entry).map_err(io::Error::other)?;
        let partial = self.path.with_extension("tmp");
        fs::write(&partial, text)?;
        fs::rename(&partial, &self.path)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Ends what dead bleeds left running in the store at `root`, saying so on stderr, and forgets
/// their entries. Entries of live bleeds (another hunt in the same store) and of other
/// machines are left alone. Quick when there is nothing to do, as there nearly always is.
pub fn sweep(root: &Path) {
    let dir = root.join(DIR);
    let Ok(files) = fs::read_dir(&dir) else {
        return;
    };
    let here = crate::run::machine();
    let mut dead = Vec::new();
    for path in files.flatten().map(|file| file.path()) {
        let Some(entry) = read(&path) else {
            // A `.tmp` its writer died before renaming, or a file that is not ours.
            if path.extension().is_some_and(|ext| ext == "tmp") && stale(&path) {
                let _ = fs::remove_file(&path);
            }
            continue;
        };
        if owner_gone(&entry, here) == Some(true) {
            dead.push((path, entry));
        }
    }
    if dead.is_empty() {
        return;
    }
    let entries: Vec<&Entry> = dead.iter().map(|(_, entry)| entry).collect();
    let (ended, runs) = end_leftovers(&entries);
    if ended > 0 {
        let owners: BTreeSet<i32> = entries.iter().map(|entry| entry.owner.pid).collect();
        let owners: Vec<String> = owners.iter().map(i32::to_string).collect();
        crate::progress::warn(&format!(
            "ended {} that a bleed which is gone (pid {}) left running: {}",
            counted(ended, "process", "processes"),
            owners.join(", "),
            runs.join(", ")
        ));
    }
    for (path, _) in dead {
        let _ = fs::remove_file(path);
    }
}

/// Whether the bleed that wrote `entry` is gone; None when it ran on another machine, which
/// this one cannot look into.
fn owner_gone(entry: &Entry, here: Option<&str>) -> Option<bool> {
    let recorded = entry.machine.as_deref();
    if recorded == here {
        return Some(!entry.owner.alive());
    }
    // `run::machine` is the host and its boot: the same host booted since, and nothing of the
    // entry's runs survived that.
    (recorded.is_some() && host(recorded) == host(here)).then_some(true)
}

fn host(machine: Option<&str>) -> Option<&str> {
    machine.map(|machine| machine.rsplit_once('/').map_or(machine, |(host, _)| host))
}

/// Left by a writer that died mid-save: any `.tmp` older than a minute.
fn stale(path: &Path) -> bool {
    fs::metadata(path)
        .and_then(|meta| meta.modified())
        .is_ok_and(|time| {
            time.elapsed()
                .is_ok_and(|age| age > Duration::from_secs(60))
        })
}

fn read(path: &Path) -> Option<Entry> {
    if path.extension().is_none_or(|ext| ext != "json") {
        return None;
    }
    serde_json::from_str(&fs::read_to_string(path).ok()?).ok()
}

/// Ends the groups that hold a process carrying one of the entries' tokens: SIGTERM, up to
/// `GRACE` to go, then SIGKILL. Returns how many live processes they held, and the runs they
/// were part of.
fn end_leftovers(entries: &[&Entry]) -> (usize, Vec<String>) {
    let processes = procfs::processes();
    let mut groups = BTreeSet::new();
    let mut runs = BTreeSet::new();
    for entry in entries {
        let carried = format!("{TOKEN_VAR}={}", entry.token);
        for stat in processes.iter().filter(|stat| stat.alive()) {
            if procfs::started_with(stat.pid, &carried) {
                groups.insert(stat.pgrp);
                runs.insert(entry.run.clone());
            }
        }
    }
    let members = |groups: &BTreeSet<i32>| -> usize {
        groups
            .iter()
            .map(|&pgid| procfs::alive_in_group(pgid).len())
            .sum()
    };
    let ended = members(&groups);
    for &pgid in &groups {
        let _ = signal_group(pgid, libc::SIGTERM);
    }
    let give_up = Instant::now() + crate::run::GRACE;
    while members(&groups) > 0 && Instant::now() < give_up {
        thread::sleep(CHECK);
    }
    for &pgid in &groups {
        if !procfs::alive_in_group(pgid).is_empty() {
            let _ = signal_group(pgid, libc::SIGKILL);
        }
    }
    let runs = runs.into_iter().collect::<Vec<_>>();
    let shown = match runs.len() {
        0..=3 => runs,
        n => {
            let mut shown = runs[..3].to_vec();
            shown.push(format!("and {} more", count(n - 3, "run")));
            shown
        }
    };
    (ended, shown)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::os::unix::process::CommandExt;
    use std::process::{Child, Command};

    use super::*;
    use crate::interrupt::isolated::{assert_group_gone, eventually};

    fn entry(dir: &Path, run: &str) -> InFlight {
        InFlight::begin(dir, run).expect("the entry is written")
    }

    /// A group started as a run of `token` would be: sh, with a sleeper, both carrying it. The
    /// test reaps the shell, as bleed would, or the group never empties.
    fn run_with(token: &(String, String), script: &str) -> (Child, i32) {
        let child = Command::new("sh")
            .args(["-c", script])
            .env(&token.0, &token.1)
            .process_group(0)
            .spawn()
            .expect("sh starts");
        let pgid = i32::try_from(child.id()).expect("pids fit in pid_t");
        eventually("the group's sleeper to start", || {
            procfs::alive_in_group(pgid).len() >= 2
        });
        (child, pgid)
    }

    fn kill(mut child: Child, pgid: i32) {
        let _ = signal_group(pgid, libc::SIGKILL);
        child.wait().expect("reaped");
        assert_group_gone(pgid);
    }

    fn carriers(token: &(String, String)) -> Vec<i32> {
        let carried = format!("{}={}", token.0, token.1);
        procfs::processes()
            .into_iter()
            .filter(|stat| stat.alive() && procfs::started_with(stat.pid, &carried))
            .map(|stat| stat.pid)
            .collect()
    }

    #[test]
    fn owners_are_judged_on_their_own_machine_only() {
        let mut entry = Entry {
            token: "t".into(),
            run: "r".into(),
            owner: Owner::this_process(),
            machine: Some("host/boot1".into()),
            pgid: None,
        };
        assert_eq!(owner_gone(&entry, Some("host/boot1")), Some(false));
        assert_eq!(owner_gone(&entry, Some("host/boot2")), Some(true));
        assert_eq!(owner_gone(&entry, Some("other/boot1")), None);
        entry.owner.started += 1;
        assert_eq!(owner_gone(&entry, Some("host/boot1")), Some(true));
        entry.machine = None;
        assert_eq!(owner_gone(&entry, Some("host/boot1")), None);
    }

    #[test]
    fn an_entry_lives_as_long_as_its_run() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut first = entry(dir.path(), "r-1");
        let second = entry(dir.path(), "r-2");
        assert_ne!(first.env(), second.env());
        first.started(4242).expect("saved");
        let saved = read(&first.path).expect("readable");
        assert_eq!(saved.pgid, Some(4242));
        assert_eq!(saved.run, "r-1");
        assert_eq!(saved.owner, Owner::this_process());
        assert!(saved.owner.alive());
        drop(first);
        drop(second);
        assert_eq!(fs::read_dir(dir.path()).expect("dir").count(), 0);
    }

    #[test]
    fn a_sweep_leaves_live_owners_alone() {
        let store = tempfile::tempdir().expect("tempdir");
        let mut ours = entry(&store.path().join(DIR), "r-live");
        let (child, pgid) = run_with(&ours.env(), "sleep 1000 & wait");
        ours.started(pgid).expect("saved");

        sweep(store.path());

        let left = procfs::alive_in_group(pgid).len();
        kill(child, pgid);
        assert_eq!(left, 2, "a live bleed's run was ended");
        assert!(ours.path.exists());
    }

    #[test]
    fn a_sweep_ends_what_a_dead_owner_left_and_only_that() {
        let store = tempfile::tempdir().expect("tempdir");
        let mut left = entry(&store.path().join(DIR), "r-left");
        // The tokens's group, and a daemon that left it with setsid but kept the token.
        let (child, pgid) = run_with(
            &left.env(),
            "trap '' TERM; setsid sleep 1000 & sleep 1000 & wait",
        );
        left.started(pgid).expect("saved");
        // A group that carries no token: a stranger, even if it had the recorded id.
        let (stranger_child, stranger) =
            run_with(&("UNRELATED".into(), "1".into()), "sleep 1000 & wait");
        // The owner is dead: a pid no process has, as after a reboot or a kill -9.
        left.entry.owner = Owner {
            pid: i32::MAX,
            started: 1,
        };
        left.save().expect("saved");
        let path = left.path.clone();
        let token = left.env();
        eventually("sh, its sleeper and the daemon to start", || {
            carriers(&token).len() == 3
        });
        std::mem::forget(left);

        sweep(store.path());

        let stranger_left = procfs::alive_in_group(stranger).len();
        kill(stranger_child, stranger);
        kill(child, pgid);
        assert!(carriers(&token).is_empty(), "the daemon was left");
        assert!(!path.exists(), "the entry was kept");
        assert_eq!(stranger_left, 2, "a stranger was ended");
    }
}
