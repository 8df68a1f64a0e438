//! bleed's side of the warm-server protocol (docs/warm.md), for the tests of each runner's
//! server: the adapter's own `warm` command started with `sh -c` in a process group of its own,
//! a Unix socket, JSON lines, each probe's report read by the adapter's `read_results` as a cold
//! run's is, and the cold run of the same order to hold it against.

use std::fs;
use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use bleed::outcome::Outcome;
use bleed::runner::{Adapter, Warm};
use bleed::template::{Template, Values};
use serde_json::{Value, json};

use crate::util::Sandbox;

/// Longer than any probe here takes: a server that stops answering fails the test instead of
/// stalling the suite.
pub const ANSWER_TIME_LIMIT: Duration = Duration::from_secs(120);

/// Each test's id and outcome, in the order they ran.
pub type Results = Vec<(String, Outcome)>;

/// What the adapter derives from the user's command: the hunt's and the replay's commands, and
/// the warm server's.
pub struct Commands {
    pub hunt: Template,
    pub replay: Template,
    pub server: String,
}

impl Commands {
    pub fn of(adapter: &dyn Adapter, user: &str, sandbox: &Sandbox) -> Commands {
        let hunt = adapter
            .hunt_command(&Template::parse(user).unwrap())
            .unwrap();
        let replay = adapter.replay_command(&hunt).unwrap();
        let Some(Warm::Server { command }) = adapter.warm(&hunt, &replay, sandbox.path()).unwrap()
        else {
            panic!("{}'s warm probes are a server", adapter.name())
        };
        Commands {
            hunt,
            replay,
            server: command,
        }
    }
}

/// One warm server, with bleed's side of the socket; its socket, log, and each probe's report
/// and log are in `.warm` in the sandbox.
pub struct Server {
    pub process: Child,
    adapter: &'static dyn Adapter,
    reader: BufReader<UnixStream>,
    writer: UnixStream,
    scratch: PathBuf,
    probes: u64,
}

/// What one probe came to.
pub struct Probe {
    pub pid: i32,
    pub status: i64,
    pub results: Results,
    pub log: String,
}

impl Server {
    /// The server `command` starts in the sandbox, once connected, with its first event: ready,
    /// or the error its boot came to.
    pub fn start(
        adapter: &'static dyn Adapter,
        sandbox: &Sandbox,
        command: &str,
    ) -> (Server, Value) {
        let scratch = sandbox.path().join(".warm");
        fs::create_dir_all(&scratch).unwrap();
        let socket = scratch.join("warm.sock");
        let listener = UnixListener::bind(&socket).unwrap();
        let log = fs::File::create(scratch.join("server.log")).unwrap();
        let process = Command::new("sh")
            .args(["-c", command])
            .current_dir(sandbox.path())
            .env("BLEED_WARM_SOCKET", &socket)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .process_group(0)
            .spawn()
            .unwrap();
        let stream = accept(&listener, &scratch);
        stream.set_read_timeout(Some(ANSWER_TIME_LIMIT)).unwrap();
        let mut server = Server {
            process,
            adapter,
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
            scratch,
            probes: 0,
        };
        let first = server.event();
        (server, first)
    }

    pub fn event(&mut self) -> Value {
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap_or_else(|e| {
            panic!(
                "no answer from the server ({e}); its log:\n{}",
                server_log(&self.scratch)
            )
        });
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not an event ({e}): {line:?}"))
    }

    /// Sends a probe with `env` for its child and returns its number and the server's first
    /// answer.
    pub fn send(&mut self, order: Option<&[&str]>, seed: Option<u64>, env: Value) -> (u64, Value) {
        self.probes += 1;
        let probe = self.probes;
        let request = json!({
            "probe": probe,
            "order": order,
            "seed": seed,
            "report": self.report(probe),
            "log": self.log(probe),
            "env": env,
        });
        writeln!(self.writer, "{request}").unwrap();
        (probe, self.event())
    }

    /// Where the child of probe number `probe` writes its report.
    pub fn report(&self, probe: u64) -> PathBuf {
        let extension = self.adapter.report_extension();
        self.scratch.join(format!("p{probe}.{extension}"))
    }

    fn log(&self, probe: u64) -> PathBuf {
        self.scratch.join(format!("p{probe}.log"))
    }

    /// Sends a probe and waits for it to end; Err with the message when it is refused.
    pub fn probe(
        &mut self,
        order: Option<&[&str]>,
        seed: Option<u64>,
        env: Value,
    ) -> Result<Probe, String> {
        let (probe, forked) = self.send(order, seed, env);
        if forked["event"] == "refused" {
            return Err(forked["message"].as_str().unwrap().to_string());
        }
        assert_eq!(forked["event"], "forked", "{forked}");
        assert_eq!(forked["probe"], probe, "{forked}");
        let exited = self.event();
        assert_eq!(exited["event"], "exited", "{exited}");
        assert_eq!(exited["probe"], probe, "{exited}");
        Ok(Probe {
            pid: forked["pid"].as_i64().unwrap() as i32,
            status: exited["status"].as_i64().unwrap(),
            results: results(self.adapter, &self.report(probe)),
            log: fs::read_to_string(self.log(probe)).unwrap_or_default(),
        })
    }

    /// Closes bleed's side of the socket, as bleed's exit or death does, waits for the server
    /// to go, and returns its exit code.
    pub fn close(mut self) -> i32 {
        drop(self.reader);
        drop(self.writer);
        let deadline = Instant::now() + ANSWER_TIME_LIMIT;
        loop {
            if let Some(status) = self.process.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "the server outlived its socket");
            thread::sleep(Duration::from_millis(20));
        }
    }
}

fn accept(listener: &UnixListener, scratch: &Path) -> UnixStream {
    listener.set_nonblocking(true).unwrap();
    let deadline = Instant::now() + ANSWER_TIME_LIMIT;
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false).unwrap();
                return stream;
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                assert!(
                    Instant::now() < deadline,
                    "the server never connected; its log:\n{}",
                    server_log(scratch)
                );
                thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("accept: {e}"),
        }
    }
}

fn server_log(scratch: &Path) -> String {
    fs::read_to_string(scratch.join("server.log")).unwrap_or_default()
}

/// The report's results, checked by the adapter's own reader as a cold run's are.
pub fn results(adapter: &dyn Adapter, report: &Path) -> Results {
    let read = adapter.read_results(report);
    assert_eq!(read.problem, None, "{}", report.display());
    read.results
        .into_iter()
        .map(|result| (result.id, result.outcome))
        .collect()
}

/// The same order run cold, by the replay command in a fresh process, as a cold probe is: its
/// exit code and results.
pub fn cold(
    sandbox: &Sandbox,
    adapter: &dyn Adapter,
    replay: &Template,
    order: &[&str],
) -> (i64, Results) {
    let order: Vec<String> = order.iter().map(|id| id.to_string()).collect();
    let tests_file = sandbox.path().join(".cold-order");
    fs::write(&tests_file, order.join("\n") + "\n").unwrap();
    let report = sandbox
        .path()
        .join(format!(".cold-report.{}", adapter.report_extension()));
    let command = replay
        .render(&Values {
            tests: Some(&order),
            tests_file: Some(&tests_file),
            report: Some(&report),
            worker: Some(1),
            ..Values::default()
        })
        .unwrap();
    let output = sandbox.sh(&command);
    (
        i64::from(output.status.code().unwrap()),
        results(adapter, &report),
    )
}
