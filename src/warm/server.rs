//! bleed's end of a warm server (docs/warm.md): start it, wait for it to boot, send it probes,
//! and supervise each forked child the way `exec` supervises a cold run (timeout, Ctrl-C, the
//! whole process group), so that a warm probe ends as a `Finished` like any other run.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::json;

use crate::exec::{self, Finished};
use crate::interrupt::{self, GroupGuard, signal_group};

use super::lock;

/// How often a boot or a probe is checked on, as in `exec`.
const POLL: Duration = Duration::from_millis(50);

/// How long a server that was told to stop gets before it is killed.
const SHUTDOWN: Duration = Duration::from_secs(2);

/// One probe for the server.
pub struct Request<'a> {
    /// None: the runner's own order under `seed` (a warm hunt).
    pub order: Option<&'a [String]>,
    pub seed: Option<u64>,
    pub report: &'a Path,
    pub log: &'a Path,
    pub env: &'a [(String, String)],
}

/// A booted server, ready for probes from several threads at once.
pub struct Server {
    pgid: i32,
    handle: duct::Handle,
    writer: Mutex<UnixStream>,
    waiting: Arc<Mutex<Waiting>>,
    next: AtomicU64,
    log: PathBuf,
    /// From starting the server to its `ready`.
    pub boot: Duration,
    /// What the server said it runs, e.g. "pytest 8.3.4".
    pub version: Option<String>,
    _tracked: GroupGuard,
}

#[derive(Default)]
struct Waiting {
    probes: HashMap<u64, Sender<Event>>,
    /// The connection ended: nobody will answer any more.
    closed: bool,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
enum Message {
    Ready {
        #[serde(default)]
        version: Option<String>,
    },
    Error {
        message: String,
    },
    Forked {
        probe: u64,
        pid: i32,
    },
    Exited {
        probe: u64,
        status: i32,
    },
    Refused {
        probe: u64,
        message: String,
    },
}

#[derive(Debug)]
enum Event {
    Forked(i32),
    Exited(i32),
    Refused(String),
}

impl Server {
    /// Starts `command` and waits until the server it starts is ready, for at most `boot_limit`.
    /// The error says why there is no server, with the end of its log when it has one.
    pub fn start(
        command: &str,
        log: &Path,
        boot_limit: Option<Duration>,
    ) -> Result<Server, String> {
        let started = Instant::now();
        let socket = socket_path();
        let _ = std::fs::remove_file(&socket);
        let listener = UnixListener::bind(&socket)
            .map_err(|e| format!("cannot listen on {}: {e}", socket.display()))?;
        let handle = duct::cmd("sh", ["-c", command])
            .env("BLEED_WARM_SOCKET", &socket)
            .stdin_null()
            .stderr_to_stdout()
            .stdout_path(log)
            .unchecked()
            .before_spawn(|command| {
                command.process_group(0);
                Ok(())
            })
            .start()
            .map_err(|e| {
                format!(
                    "cannot start `sh -c {}`: {e}",
                    crate::error::clip_command(command)
                )
            })?;
        let pgid = i32::try_from(handle.pids()[0]).expect("pids fit in pid_t");
        let tracked = interrupt::track(pgid);
        let connected = accept(&listener, &handle, started, boot_limit);
        let _ = std::fs::remove_file(&socket);
        let booting = Booting {
            pgid,
            handle,
            log,
            tracked,
        };
        let stream = match connected {
            Ok(stream) => stream,
            Err(reason) => return Err(booting.fail(&reason)),
        };
        booting.ready(stream, started, boot_limit)
    }

    /// Runs one probe to its end, or until `timeout` or Ctrl-C stops it. Errors when the server
    /// could not run it (refused, or the server is gone): bleed then probes cold.
    pub fn run(
        &self,
        request: &Request,
        timeout: Option<Duration>,
        grace: Duration,
    ) -> Result<Finished, String> {
        let started = Instant::now();
        let id = self.next.fetch_add(1, Ordering::SeqCst) + 1;
        let (sender, events) = mpsc::channel();
        {
            let mut waiting = lock(&self.waiting);
            if waiting.closed {
                return Err(self.gone());
            }
            waiting.probes.insert(id, sender);
        }
        let ran = self
            .send(id, request)
            .and_then(|()| self.supervise(&events, timeout, grace, started));
        lock(&self.waiting).probes.remove(&id);
        ran
    }

    fn send(&self, id: u64, request: &Request) -> Result<(), String> {
        let env: serde_json::Map<String, serde_json::Value> = request
            .env
            .iter()
            .map(|(name, value)| (name.clone(), json!(value)))
            .collect();
        let line = json!({
            "probe": id,
            "order": request.order,
            "seed": request.seed,
            "report": request.report,
            "log": request.log,
            "env": env,
        });
        let mut writer = lock(&self.writer);
        writeln!(writer, "{line}")
            .and_then(|()| writer.flush())
            .map_err(|_| self.gone())
    }

    fn supervise(
        &self,
        events: &Receiver<Event>,
        timeout: Option<Duration>,
        grace: Duration,
        started: Instant,
    ) -> Result<Finished, String> {
        let pid = match self.next_event(events)? {
            Event::Forked(pid) => pid,
            Event::Refused(message) => return Err(format!("the warm server refused: {message}")),
            Event::Exited(_) => return Err("the warm server answered out of turn".to_string()),
        };
        let _tracked = interrupt::track(pid);
        let mut stopping = Stopping::No;
        let mut timed_out = false;
        loop {
            match events.recv_timeout(POLL) {
                Ok(Event::Exited(status)) => {
                    // The child is gone but what it started may be ignoring the SIGTERM, or,
                    // had it ended on its own, still running; the group lives on (and keeps
                    // its id) exactly while such processes do.
                    let strays = match stopping {
                        Stopping::No if !interrupt::requested() => exec::end_strays(pid, grace),
                        Stopping::No | Stopping::Killed => 0,
                        _ => {
                            let _ = signal_group(pid, libc::SIGKILL);
                            0
                        }
                    };
                    return Ok(finished(status, timed_out, started.elapsed(), strays));
                }
                Ok(_) => return Err("the warm server answered out of turn".to_string()),
                Err(RecvTimeoutError::Disconnected) => {
                    let _ = signal_group(pid, libc::SIGKILL);
                    return Err(self.gone());
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
            let overdue = timeout.is_some_and(|limit| started.elapsed() >= limit);
            stopping = match stopping {
                Stopping::No if interrupt::requested() => Stopping::Asked(Instant::now()),
                Stopping::No if overdue => {
                    timed_out = true;
                    let _ = signal_group(pid, libc::SIGTERM);
                    Stopping::Terminated(Instant::now())
                }
                Stopping::Asked(since) if since.elapsed() >= grace => {
                    let _ = signal_group(pid, libc::SIGTERM);
                    Stopping::Terminated(Instant::now())
                }
                Stopping::Terminated(since) if since.elapsed() >= grace => {
                    let _ = signal_group(pid, libc::SIGKILL);
                    Stopping::Killed
                }
                unchanged => unchanged,
            };
        }
    }

    fn next_event(&self, events: &Receiver<Event>) -> Result<Event, String> {
        events.recv().map_err(|_| self.gone())
    }

    fn gone(&self) -> String {
        format!(
            "the warm server stopped answering; the end of its log ({}):\n{}",
            self.log.display(),
            exec::log_tail(&self.log, 10)
        )
    }
}

impl Drop for Server {
    /// Closing the connection tells the server to end its children and exit; what is still
    /// there after a moment is killed.
    fn drop(&mut self) {
        let _ = lock(&self.writer).shutdown(std::net::Shutdown::Both);
        let deadline = Instant::now() + SHUTDOWN;
        while Instant::now() < deadline {
            if matches!(self.handle.try_wait(), Ok(Some(_))) {
                break;
            }
            thread::sleep(POLL);
        }
        let _ = signal_group(self.pgid, libc::SIGKILL);
        let _ = self.handle.wait();
    }
}

/// A server process that has not said it is ready yet.
struct Booting<'a> {
    pgid: i32,
    handle: duct::Handle,
    log: &'a Path,
    tracked: GroupGuard,
}

impl Booting<'_> {
    fn fail(self, reason: &str) -> String {
        let _ = signal_group(self.pgid, libc::SIGKILL);
        let _ = self.handle.wait();
        format!(
            "{reason}; the end of its log ({}):\n{}",
            self.log.display(),
            exec::log_tail(self.log, 10)
        )
    }

    fn ready(
        self,
        stream: UnixStream,
        started: Instant,
        boot_limit: Option<Duration>,
    ) -> Result<Server, String> {
        let left = boot_limit.map(|limit| limit.saturating_sub(started.elapsed()));
        let reader = stream
            .try_clone()
            .and_then(|read| {
                read.set_read_timeout(left.map(|d| d.max(POLL)))?;
                Ok(read)
            })
            .map_err(|e| format!("cannot read from the warm server: {e}"));
        let mut reader = match reader {
            Ok(read) => BufReader::new(read),
            Err(reason) => return Err(self.fail(&reason)),
        };
        let mut line = String::new();
        let version = match reader.read_line(&mut line).map(|_| parse(&line)) {
            Ok(Some(Message::Ready { version })) => version,
            Ok(Some(Message::Error { message })) => {
                return Err(self.fail(&format!("the warm server could not boot: {message}")));
            }
            Ok(_) => return Err(self.fail("the warm server closed without saying it was ready")),
            Err(e) => return Err(self.fail(&format!("the warm server did not get ready: {e}"))),
        };
        let _ = reader.get_ref().set_read_timeout(None);
        let waiting = Arc::new(Mutex::new(Waiting::default()));
        let dispatching = Arc::clone(&waiting);
        thread::spawn(move || dispatch(reader, &dispatching));
        Ok(Server {
            pgid: self.pgid,
            handle: self.handle,
            writer: Mutex::new(stream),
            waiting,
            next: AtomicU64::new(0),
            log: self.log.to_path_buf(),
            boot: started.elapsed(),
            version,
            _tracked: self.tracked,
        })
    }
}

/// Waits for the server to connect, giving up when it exits, Ctrl-C is pressed or the boot
/// takes longer than the limit.
fn accept(
    listener: &UnixListener,
    handle: &duct::Handle,
    started: Instant,
    boot_limit: Option<Duration>,
) -> Result<UnixStream, String> {
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("cannot wait for the warm server: {e}"))?;
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream
                    .set_nonblocking(false)
                    .map_err(|e| format!("cannot talk to the warm server: {e}"))?;
                return Ok(stream);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(format!("cannot wait for the warm server: {e}")),
        }
        if let Ok(Some(output)) = handle.try_wait() {
            return Err(format!(
                "the warm server exited while booting ({})",
                output.status
            ));
        }
        if interrupt::requested() {
            return Err("interrupted while the warm server was booting".to_string());
        }
        if boot_limit.is_some_and(|limit| started.elapsed() >= limit) {
            return Err("the warm server took longer to boot than the timeout".to_string());
        }
        thread::sleep(POLL);
    }
}

/// Hands each message to the probe it is about, until the connection ends.
fn dispatch(reader: BufReader<UnixStream>, waiting: &Mutex<Waiting>) {
    for line in reader.lines() {
        let Ok(line) = line else { break };
        let (probe, event) = match parse(&line) {
            Some(Message::Forked { probe, pid }) => (probe, Event::Forked(pid)),
            Some(Message::Exited { probe, status }) => (probe, Event::Exited(status)),
            Some(Message::Refused { probe, message }) => (probe, Event::Refused(message)),
            _ => continue,
        };
        if let Some(sender) = lock(waiting).probes.get(&probe) {
            let _ = sender.send(event);
        }
    }
    let mut waiting = lock(waiting);
    waiting.closed = true;
    waiting.probes.clear();
}

fn parse(line: &str) -> Option<Message> {
    serde_json::from_str(line.trim()).ok()
}

/// The server's `status`: an exit code, or 128 + the signal that killed the child.
fn finished(status: i32, timed_out: bool, wall: Duration, strays: usize) -> Finished {
    let signal = (128..128 + 65).contains(&status).then(|| status - 128);
    Finished {
        exit_code: if signal.is_some() { None } else { Some(status) },
        signal,
        timed_out,
        interrupted: interrupt::requested(),
        wall,
        strays,
    }
}

#[derive(Clone, Copy)]
enum Stopping {
    No,
    /// Ctrl-C: `interrupt` forwarded SIGINT to the child's group; TERM follows after the grace.
    Asked(Instant),
    Terminated(Instant),
    Killed,
}

/// Short, under the temp dir: a Unix socket's path must fit in about 100 bytes, which a store
/// deep in a checkout may not.
fn socket_path() -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    std::env::temp_dir().join(format!(
        "bleed-warm-{}-{}.sock",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRACE: Duration = Duration::from_millis(500);

    fn fake(boot: &str, dir: &Path) -> Result<Server, String> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/warm/fake_server.py");
        let command = format!("FAKE_BOOT={boot} python3 {}", script.display());
        Server::start(
            &command,
            &dir.join("server.log"),
            Some(Duration::from_secs(20)),
        )
    }

    fn probe(
        server: &Server,
        dir: &Path,
        snippet: &str,
        timeout: Option<Duration>,
    ) -> Result<Finished, String> {
        let order = vec!["t".to_string()];
        let env = vec![("FAKE_PROBE".to_string(), snippet.to_string())];
        let request = Request {
            order: Some(&order),
            seed: None,
            report: &dir.join("report"),
            log: &dir.join("probe.log"),
            env: &env,
        };
        server.run(&request, timeout, GRACE)
    }

    #[test]
    fn a_probe_ends_with_its_exit_code_or_its_signal() {
        let dir = tempfile::tempdir().unwrap();
        let server = fake("ok", dir.path()).unwrap();
        assert_eq!(server.version.as_deref(), Some("fake 1.0"));
        let passed = probe(&server, dir.path(), "echo ran; exit 0", None).unwrap();
        assert_eq!((passed.exit_code, passed.signal), (Some(0), None));
        let log = std::fs::read_to_string(dir.path().join("probe.log")).unwrap();
        assert_eq!(log, "ran\n");
        let failed = probe(&server, dir.path(), "exit 1", None).unwrap();
        assert_eq!(failed.exit_code, Some(1));
        let killed = probe(&server, dir.path(), "kill -9 $$", None).unwrap();
        assert_eq!((killed.exit_code, killed.signal), (None, Some(9)));
    }

    #[test]
    fn probes_run_side_by_side() {
        let dir = tempfile::tempdir().unwrap();
        let server = fake("ok", dir.path()).unwrap();
        let codes: Vec<Option<i32>> = thread::scope(|scope| {
            let handles: Vec<_> = (0..4)
                .map(|n| {
                    let server = &server;
                    let dir = dir.path().join(n.to_string());
                    std::fs::create_dir(&dir).unwrap();
                    scope.spawn(move || {
                        probe(server, &dir, &format!("sleep 0.2; exit {n}"), None)
                            .unwrap()
                            .exit_code
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(codes, vec![Some(0), Some(1), Some(2), Some(3)]);
    }

    #[test]
    fn the_timeout_takes_down_the_probes_whole_group() {
        let dir = tempfile::tempdir().unwrap();
        let server = fake("ok", dir.path()).unwrap();
        let pidfile = dir.path().join("group");
        let snippet = format!(
            "echo $$ > {}; sh -c 'trap \"\" TERM; sleep 600' & sleep 600",
            pidfile.display()
        );
        let ended = probe(
            &server,
            dir.path(),
            &snippet,
            Some(Duration::from_millis(300)),
        )
        .unwrap();
        assert!(ended.timed_out);
        let group: i32 = std::fs::read_to_string(&pidfile)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        crate::interrupt::isolated::assert_group_gone(group);
    }

    #[test]
    fn a_refused_probe_and_a_dead_server_are_errors_not_results() {
        let dir = tempfile::tempdir().unwrap();
        let server = fake("ok", dir.path()).unwrap();
        let order = vec!["unknown".to_string()];
        let request = Request {
            order: Some(&order),
            seed: None,
            report: &dir.path().join("r"),
            log: &dir.path().join("l"),
            env: &[],
        };
        let refused = server.run(&request, None, GRACE).unwrap_err();
        assert!(refused.contains("refused: no test unknown"), "{refused}");
        let died = probe(&server, dir.path(), "die", None).unwrap_err();
        assert!(died.contains("stopped answering"), "{died}");
        let after = probe(&server, dir.path(), "exit 0", None).unwrap_err();
        assert!(after.contains("stopped answering"), "{after}");
    }

    #[test]
    fn a_server_that_cannot_boot_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let crashed = fake("crash", dir.path()).err().unwrap();
        assert!(crashed.contains("exited while booting"), "{crashed}");
        assert!(crashed.contains("no module named app"), "{crashed}");
        let said = fake("error", dir.path()).err().unwrap();
        assert!(
            said.contains("could not boot: no tests were collected"),
            "{said}"
        );
    }

    #[test]
    fn a_server_that_never_boots_is_given_up_on() {
        let dir = tempfile::tempdir().unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/warm/fake_server.py");
        let command = format!("FAKE_BOOT=hang python3 {}", script.display());
        let slow = Server::start(
            &command,
            &dir.path().join("s.log"),
            Some(Duration::from_millis(400)),
        )
        .err()
        .unwrap();
        assert!(slow.contains("longer to boot"), "{slow}");
    }
}
