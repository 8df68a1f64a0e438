//! What Linux's /proc says about processes: who is alive in a process group, when a process
//! started, and what environment it was started with. Where /proc cannot be read, nothing is
//! found, and callers treat that as "nothing left to stop".

use std::fs;
use std::path::Path;

/// The fields of `/proc/<pid>/stat` that bleed needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stat {
    pub pid: i32,
    /// `R`, `S`, `D`, `T`, … and `Z` for a zombie, which is dead and only waits to be reaped.
    pub state: char,
    pub pgrp: i32,
    /// Clock ticks after boot: with the pid, it names a process for good, since pids are reused.
    pub started: u64,
}

impl Stat {
    /// Whether the process can still do something: zombies (`Z`) and the dying (`X`) cannot.
    pub fn alive(&self) -> bool {
        !matches!(self.state, 'Z' | 'X' | 'x')
    }
}

/// `/proc/<pid>/stat`, or None if there is no such process (or no /proc).
pub fn stat(pid: i32) -> Option<Stat> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&text)
}

/// Every process /proc lists (thread-group leaders; threads share their leader's group).
pub fn processes() -> Vec<Stat> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(stat)
        .collect()
}

/// The pids of the group's members that are still alive, zombies left out: a group whose
/// members are all zombies has nothing left to stop, though its id stays taken until they are
/// reaped, which init may take a second or two to do.
pub fn alive_in_group(pgid: i32) -> Vec<i32> {
    processes()
        .into_iter()
        .filter(|stat| stat.pgrp == pgid && stat.alive())
        .map(|stat| stat.pid)
        .collect()
}

/// Whether process `pid` was started with `entry` (`NAME=value`) in its environment. Only the
/// user's own processes can be read, which are the only ones bleed could have started.
pub fn started_with(pid: i32, entry: &str) -> bool {
    fs::read(Path::new("/proc").join(pid.to_string()).join("environ"))
        .is_ok_and(|environ| has_entry(&environ, entry.as_bytes()))
}

fn has_entry(environ: &[u8], entry: &[u8]) -> bool {
    environ.split(|&byte| byte == 0).any(|found| found == entry)
}

/// The fields after the command name, which may itself hold spaces and parentheses, so the
/// text is split at the last `)`.
fn parse_stat(text: &str) -> Option<Stat> {
    let (head, rest) = text.rsplit_once(')')?;
    let pid = head.split_whitespace().next()?.parse().ok()?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Counted from field 3 of proc(5): state, ppid, pgrp, …, starttime is field 22.
    Some(Stat {
        pid,
        state: fields.first()?.chars().next()?,
        pgrp: fields.get(2)?.parse().ok()?,
        started: fields.get(19)?.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use std::os::unix::process::CommandExt;
    use std::process::Command;

    use super::*;
    use crate::interrupt::isolated::eventually;

    #[test]
    fn a_stat_line_is_read_past_a_hostile_command_name() {
        let line = "4242 (a) b (c)) S 1 4240 4240 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 \
                    987654 1000 200 18446744073709551615";
        assert_eq!(
            parse_stat(line),
            Some(Stat {
                pid: 4242,
                state: 'S',
                pgrp: 4240,
                started: 987_654
            })
        );
        assert_eq!(parse_stat("4242 (cut short) S 1"), None);
        assert_eq!(parse_stat(""), None);
    }

    #[test]
    fn zombies_are_not_alive() {
        let stat = |state| Stat {
            pid: 2,
            state,
            pgrp: 2,
            started: 0,
        };
        assert!(stat('S').alive() && stat('T').alive() && stat('D').alive());
        assert!(!stat('Z').alive() && !stat('X').alive());
    }

    #[test]
    fn environment_entries_match_whole() {
        let environ = b"PATH=/bin\0BLEED_RUN_TOKEN=1-2-3\0HOME=/root\0";
        assert!(has_entry(environ, b"BLEED_RUN_TOKEN=1-2-3"));
        assert!(!has_entry(environ, b"BLEED_RUN_TOKEN=1-2"));
        assert!(!has_entry(environ, b"BLEED_RUN_TOKEN=1-2-33"));
        assert!(!has_entry(b"", b"BLEED_RUN_TOKEN=1-2-3"));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_is_found_alive_with_its_environment() {
        let own = i32::try_from(std::process::id()).expect("pids fit in pid_t");
        let stat = stat(own).expect("/proc lists this process");
        assert!(stat.alive() && stat.started > 0);
        assert!(processes().iter().any(|found| found.pid == own));

        let mut child = Command::new("sleep")
            .arg("1000")
            .env("BLEED_PROCFS_TEST", "yes")
            .process_group(0)
            .spawn()
            .expect("sleep starts");
        let pid = i32::try_from(child.id()).expect("pids fit in pid_t");
        // Until the exec, the child has bleed's environment.
        eventually("sleep to start", || {
            started_with(pid, "BLEED_PROCFS_TEST=yes")
        });
        assert!(!started_with(pid, "BLEED_PROCFS_TEST=no"));
        assert_eq!(alive_in_group(pid), vec![pid]);
        child.kill().expect("kill");
        child.wait().expect("reaped");
        assert!(alive_in_group(pid).is_empty());
    }
}
