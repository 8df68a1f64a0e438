//! One run of the suite: render the command, execute it, read its report, make the record.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use crate::error::{Error, Result, clip_command};
use crate::exec::{self, Job, Record};
use crate::interrupt;
use crate::leftovers;
use crate::runner::Adapter;
use crate::store::{self, RunRecord, RunStatus, SCHEMA, Store};
use crate::template::{self, Fit, Limits, Placeholder, Template, Values};
use crate::warm::{self, Server, Warmth};

/// Between SIGTERM and SIGKILL: long enough for a runner to write its report on the way out.
pub const GRACE: Duration = Duration::from_secs(5);

/// One run to perform: a run of a hunt, a one-off run of a seed, or a bisection's probe.
pub struct Planned<'a> {
    pub id: String,
    pub adapter: &'a dyn Adapter,
    /// The template the user gave, which with the master seed names the hunt.
    pub user_template: &'a str,
    /// The command to run, completed by the adapter.
    pub command: &'a Template,
    pub master_seed: Option<u64>,
    pub index: Option<u64>,
    pub seed: Option<u64>,
    /// An explicit order, for `<tests>` and `<tests-file>`.
    pub tests: Option<&'a [String]>,
    pub worker: usize,
    pub timeout: Option<Duration>,
    /// Warm runs where they can be had; None for a fresh process whatever happens.
    pub warmth: Option<&'a Warmth>,
}

/// How a run is started: a fresh process, or warm (docs/warm.md).
#[derive(Clone, Copy)]
pub enum Via<'a> {
    /// `sh -c` of the rendered command.
    Cold,
    /// A child forked by the warm server; the record keeps the cold command, which is what a
    /// person runs to see the same.
    Server(&'a Server),
    /// `command` is a prebuilt one (go's test binary) that skips the boot.
    Prebuilt,
}

pub enum Ended {
    Recorded(Box<RunRecord>),
    /// Stopped by Ctrl-C before it finished: nothing about it is worth keeping.
    Interrupted,
}

/// A stable, short name for a hunt (or a bisection), used in run ids and log names.
pub fn hunt_tag(user_template: &str, master_seed: u64) -> String {
    let hash = fnv1a(user_template.bytes().chain(master_seed.to_le_bytes()));
    format!("{:08x}", hash >> 32)
}

/// FNV-1a: tiny, and stable across Rust versions, unlike `DefaultHasher`, for names that must
/// mean the same thing in every run of bleed.
pub fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Runs `planned` warm where its warmth allows; whatever the warm server cannot run (it refused
/// the order, or died) runs again in a fresh process, and later runs stay cold.
pub fn perform(planned: &Planned, store: &Store) -> Result<Ended> {
    let (via, command) = match planned.warmth {
        Some(warmth) => warmth.via(planned.command, planned.tests.is_some()),
        None => (Via::Cold, planned.command),
    };
    match perform_via(planned, via, command, store) {
        // The warm server may have gone because Ctrl-C reached it: no cold run replaces it then.
        Err(Failed::Warm(_)) if interrupt::requested() => Ok(Ended::Interrupted),
        Err(Failed::Warm(reason)) => {
            if let Some(warmth) = planned.warmth {
                warmth.give_up(&reason);
            }
            perform(planned, store)
        }
        Err(Failed::Error(error)) => Err(error),
        Ok(ended) => {
            if let (Some(warmth), Ended::Recorded(_)) = (planned.warmth, &ended) {
                warmth.count(via);
            }
            Ok(ended)
        }
    }
}

enum Failed {
    Warm(String),
    Error(Error),
}

impl From<Error> for Failed {
    fn from(error: Error) -> Failed {
        Failed::Error(error)
    }
}

fn perform_via(
    planned: &Planned,
    via: Via,
    template: &Template,
    store: &Store,
) -> std::result::Result<Ended, Failed> {
    let id = planned.id.clone();
    let report = store.report_path(&id, planned.adapter.report_extension());
    let log = store.log_path(&id);
    remove_report(&report);
    // Written for `$BLEED_TESTS_FILE` too; an order it cannot hold is refused only when the
    // command takes it.
    let tests_file = match planned.tests {
        Some(tests) if template.has(Placeholder::TestsFile) || store::listable(tests) => {
            Some(store.write_order(&id, tests)?)
        }
        _ => None,
    };
    let values = Values {
        seed: planned.seed,
        tests: planned.tests,
        tests_file: tests_file.as_deref(),
        report: Some(&report),
        worker: Some(planned.worker),
    };
    // The record keeps the order inline, as a person pastes it into a shell, which has no
    // limit on one argument; bleed runs what the kernel takes.
    let command = template.render(&values)?;
    let env = values.env();
    let (runnable, arguments) = fit_to_kernel(planned, template, &values, &command, &env, store)?;
    create_log(&log)?;
    // Milliseconds: the hunt tells runs that overlapped from runs made in turn.
    let started_at = humantime::format_rfc3339_millis(SystemTime::now()).to_string();
    let finished = launch(planned, via, &runnable, &env, &report, &log, store)?;
    if finished.interrupted {
        remove_report(&report);
        return Ok(Ended::Interrupted);
    }
    let read = planned.adapter.read_results(&report);
    let running = finished
        .timed_out
        .then(|| planned.adapter.running_test(&report))
        .flatten();
    let problem = too_long_for_the_kernel(&finished, &log).or(read.problem);
    let (status, problem) = judge(&finished, planned.timeout, problem, &read.results);
    // A readable report is fully in the record; a broken one is kept for the user to look at.
    if status == RunStatus::Ok {
        remove_report(&report);
        for file in tests_file.iter().chain(&arguments) {
            let _ = fs::remove_file(file);
        }
    }
    Ok(Ended::Recorded(Box::new(RunRecord {
        schema: SCHEMA,
        id,
        template: planned.user_template.to_string(),
        runner: planned.adapter.name().to_string(),
        master_seed: planned.master_seed,
        index: planned.index,
        seed: planned.seed,
        command,
        worker: planned.worker,
        started_at,
        wall_seconds: finished.wall.as_secs_f64(),
        exit_code: finished.exit_code,
        status,
        problem,
        log: store.relative(&log),
        results: read.results,
        running,
        warm: !matches!(via, Via::Cold),
        imported: None,
        host: machine().map(str::to_string),
        order: None,
        strays: finished.strays,
    })))
}

/// The command to hand `sh -c`, and the file it reads the order from when the order is too
/// long to be inline: the order as the shell's arguments, else the runner's own order file;
/// refused, in one line that says what to use, when too long every way.
fn fit_to_kernel(
    planned: &Planned,
    template: &Template,
    values: &Values,
    command: &str,
    env: &[(String, String)],
    store: &Store,
) -> Result<(String, Option<PathBuf>)> {
    let environment = template::environment_bytes(env);
    let limits = Limits::of_this_machine();
    let why = match template::fit(command, template, values.tests, environment, &limits) {
        Fit::Inline => return Ok((command.to_string(), None)),
        Fit::TestsAsArguments => {
            let tests = values.tests.unwrap_or_default();
            let arguments = store.write_arguments(&planned.id, &template::set_arguments(tests))?;
            let command = template.render_tests_as_arguments(values, &arguments)?;
            return Ok((command, Some(arguments)));
        }
        Fit::TooLong(why) => why,
    };
    if let (Some(tests), Some(from_file)) =
        (values.tests, planned.adapter.order_from_file(template))
    {
        let file = store.write_order(&planned.id, tests)?;
        let command = from_file.render(&Values {
            tests_file: Some(&file),
            ..*values
        })?;
        if template::fit(&command, &from_file, None, environment, &limits) == Fit::Inline {
            return Ok((command, Some(file)));
        }
    }
    Err(Error::usage(format!(
        "{why}: give a --replay-cmd that reads the order from <tests-file> (one test id a line) \
         instead of taking <tests>; the command: {}",
        clip_command(command)
    )))
}

/// The run's log, made before the run so that a log that cannot be written is said to be the
/// store's fault, not the suite's.
fn create_log(log: &Path) -> Result<()> {
    fs::File::create(log).map(drop).map_err(|e| {
        Error::store(format!(
            "cannot write the run's log {}: {e}; make the store writable, or give another --store",
            log.display()
        ))
    })
}

/// Why a run gave no report when the shell could not start the runner because its command line
/// was too long: one argument built by the command itself (go's `-run` filter of every test
/// in the order) can outgrow what the kernel allows, where bleed cannot measure it.
fn too_long_for_the_kernel(finished: &exec::Finished, log: &Path) -> Option<String> {
    (finished.exit_code == Some(126) && exec::log_tail(log, 5).contains("Argument list too long"))
        .then(|| {
            "the runner could not be started: its command line was longer than the kernel allows \
         (Argument list too long); one argument may be 128 KiB at most, and one the command \
         builds itself, such as go's -run filter of every test in the order, can pass that"
                .to_string()
        })
}

/// This machine, as runs record it: the host name, and on Linux the start of the kernel's boot
/// id, which tells apart CI machines that share a host name (GitLab's runner containers are
/// named after the runner, not the machine). The shards of a hunt run on CI nodes at the same
/// time; the merged store must not take that for interference.
pub fn machine() -> Option<&'static str> {
    static MACHINE: OnceLock<Option<String>> = OnceLock::new();
    MACHINE
        .get_or_init(|| {
            let host = host_name()?;
            Some(
                match fs::read_to_string("/proc/sys/kernel/random/boot_id") {
                    Ok(boot) if boot.len() >= 8 => format!("{host}/{}", &boot[..8]),
                    _ => host,
                },
            )
        })
        .as_deref()
}

fn host_name() -> Option<String> {
    let mut buffer = [0u8; 256];
    // SAFETY: gethostname writes at most buffer.len() bytes into the buffer it is given.
    let status = unsafe { libc::gethostname(buffer.as_mut_ptr().cast(), buffer.len()) };
    if status != 0 {
        return None;
    }
    let end = buffer.iter().position(|&b| b == 0).unwrap_or(buffer.len());
    let name = String::from_utf8_lossy(&buffer[..end]).into_owned();
    (!name.is_empty()).then_some(name)
}

/// Starts the run `via` its way and waits for its end.
fn launch(
    planned: &Planned,
    via: Via,
    command: &str,
    env: &[(String, String)],
    report: &Path,
    log: &Path,
    store: &Store,
) -> std::result::Result<exec::Finished, Failed> {
    match via {
        Via::Server(server) => {
            let request = warm::Request {
                order: planned.tests,
                seed: planned.seed,
                report,
                log,
                env,
            };
            server
                .run(&request, planned.timeout, GRACE)
                .map_err(Failed::Warm)
        }
        Via::Cold | Via::Prebuilt => {
            let job = Job {
                command: command.to_string(),
                env: env.to_vec(),
                cwd: None,
                log: log.to_path_buf(),
                timeout: planned.timeout,
                grace: GRACE,
                record: Some(Record {
                    dir: store.root().join(leftovers::DIR),
                    run: planned.id.clone(),
                }),
            };
            exec::run(&job).map_err(|e| {
                Failed::Error(Error::suite(format!(
                    "cannot start `sh -c {}`: {e}",
                    clip_command(command)
                )))
            })
        }
    }
}

/// Whether a finished run gave results, and if not, why.
fn judge(
    finished: &exec::Finished,
    timeout: Option<Duration>,
    problem: Option<String>,
    results: &[crate::outcome::TestResult],
) -> (RunStatus, Option<String>) {
    if finished.timed_out {
        let limit = timeout
            .map(|t| humantime::format_duration(t).to_string())
            .unwrap_or_default();
        (
            RunStatus::Timeout,
            Some(format!("killed after the {limit} timeout")),
        )
    } else if finished.command_not_found() {
        (
            RunStatus::Broken,
            Some("the shell could not find the command (exit 127)".to_string()),
        )
    } else if let Some(problem) = problem {
        (RunStatus::Broken, Some(with_death(problem, finished)))
    } else if results.is_empty() {
        let problem = "the report lists no tests".to_string();
        (RunStatus::Broken, Some(with_death(problem, finished)))
    } else {
        (RunStatus::Ok, None)
    }
}

/// A report that is missing or broken because the runner crashed says so: the crash is what
/// to look into, not the report.
fn with_death(problem: String, finished: &exec::Finished) -> String {
    // The shell reports a command killed by signal N as its exit code 128 + N.
    let from_the_shell = finished.exit_code.filter(|code| (129..=192).contains(code));
    match (finished.signal, from_the_shell) {
        (Some(signal), _) => format!(
            "{problem}; the command was killed by {}",
            signal_name(signal)
        ),
        (None, Some(code)) => format!(
            "{problem}; the command was killed by {} (exit {code})",
            signal_name(code - 128)
        ),
        (None, None) => problem,
    }
}

fn signal_name(signal: i32) -> String {
    let name = match signal {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGTERM => "SIGTERM",
        _ => return format!("signal {signal}"),
    };
    name.to_string()
}

/// Reports may be a file or (cucumber, Surefire) a directory; stale ones would be read as new.
fn remove_report(path: &Path) {
    if path.is_dir() {
        let _ = fs::remove_dir_all(path);
    } else {
        let _ = fs::remove_file(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn the_machine_is_named_by_host_and_boot() {
        let machine = machine().expect("Linux has a host name");
        let (host, boot) = machine.rsplit_once('/').expect("and a boot id");
        assert_eq!(Some(host.to_string()), host_name());
        assert_eq!(boot.len(), 8, "{machine}");
    }

    #[test]
    fn a_shell_that_could_not_start_the_runner_for_its_length_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("run.log");
        fs::write(&log, "sh: 1: go: Argument list too long\n").unwrap();
        let ended = |exit_code| exec::Finished {
            exit_code: Some(exit_code),
            signal: None,
            timed_out: false,
            interrupted: false,
            wall: Duration::ZERO,
            strays: 0,
        };
        let problem = too_long_for_the_kernel(&ended(126), &log).expect("named");
        assert!(problem.contains("go's -run filter"), "{problem}");
        assert_eq!(too_long_for_the_kernel(&ended(1), &log), None);
        fs::write(&log, "sh: 1: ./run: Permission denied\n").unwrap();
        assert_eq!(too_long_for_the_kernel(&ended(126), &log), None);
    }

    #[test]
    fn hunt_tags_are_pinned_and_depend_on_both_parts() {
        assert_eq!(hunt_tag("pytest <seed>", 1), hunt_tag("pytest <seed>", 1));
        assert_ne!(hunt_tag("pytest <seed>", 1), hunt_tag("pytest <seed>", 2));
        assert_ne!(hunt_tag("pytest <seed>", 1), hunt_tag("pytest  <seed>", 1));
        assert_eq!(hunt_tag("", 0), GOLDEN_EMPTY_TAG);
    }

    const GOLDEN_EMPTY_TAG: &str = "a8c7f832";

    fn finished(exit_code: Option<i32>, signal: Option<i32>) -> exec::Finished {
        exec::Finished {
            exit_code,
            signal,
            timed_out: false,
            interrupted: false,
            wall: Duration::from_secs(1),
            strays: 0,
        }
    }

    #[test]
    fn a_crash_is_named_beside_the_report_it_left_broken() {
        let missing = || Some("no report was written at r.xml".to_string());
        let judged = |exit_code, signal| judge(&finished(exit_code, signal), None, missing(), &[]);
        assert_eq!(
            judged(Some(139), None),
            (
                RunStatus::Broken,
                Some(
                    "no report was written at r.xml; the command was killed by SIGSEGV (exit 139)"
                        .to_string()
                )
            )
        );
        assert_eq!(
            judged(None, Some(libc::SIGABRT)).1.as_deref(),
            Some("no report was written at r.xml; the command was killed by SIGABRT")
        );
        assert_eq!(judged(Some(1), None).1, missing());
        assert_eq!(
            judge(&finished(Some(200), None), None, None, &[])
                .1
                .as_deref(),
            Some("the report lists no tests")
        );
        let passed = [crate::outcome::TestResult::bare(
            "a",
            crate::outcome::Outcome::Passed,
        )];
        assert_eq!(
            judge(&finished(Some(139), None), None, None, &passed),
            (RunStatus::Ok, None)
        );
    }
}
