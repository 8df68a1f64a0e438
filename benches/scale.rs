//! Writes a synthetic store for `benches/scale.sh`: `cargo bench --bench scale -- DIR RUNS TESTS`.
//!
//! The store is what a pytest hunt of RUNS runs of a suite of TESTS tests under master seed 7
//! records (`runs.jsonl` only): each run's order a shuffle under its seed, every result with a
//! duration, a file and a line, as pytest's reports give them. Planted in it, so that the flip
//! analysis and the classification have work to do: three order-dependent victims (each fails
//! whenever its polluter ran before it), two tests that fail at random one run in five, one test
//! that always fails and one in a hundred skipped. The runs follow one another on one machine,
//! as `-j 1` makes them, so none overlaps another.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use bleed::outcome::{Outcome, TestResult};
use bleed::seed::{run_seed, shuffle, sub_seed};
use bleed::store::{RunRecord, RunStatus, SCHEMA};

const TEMPLATE: &str =
    "python3 -m pytest -q -p randomly -p no:cacheprovider --randomly-seed=<seed>";
const MASTER_SEED: u64 = 7;
const PER_MODULE: usize = 50;
/// 2026-11-30T00:00:00Z, when the synthetic hunt starts.
const EPOCH: u64 = 1_795_996_800;

struct Plan {
    tests: usize,
    /// (polluter, victim)
    polluted: [(usize, usize); 3],
    random: [usize; 2],
    always: usize,
}

impl Plan {
    fn new(tests: usize) -> Plan {
        assert!(
            tests >= 100,
            "the planted tests need a suite of 100 tests or more"
        );
        let at = |share: usize| tests * share / 100;
        Plan {
            tests,
            polluted: [(at(3), at(40)), (at(55), at(21)), (at(70), at(71))],
            random: [at(12), at(88)],
            always: at(64),
        }
    }

    fn id(&self, test: usize) -> String {
        format!("{}::test_t{test:06}", self.file(test))
    }

    fn file(&self, test: usize) -> String {
        format!("tests/test_m{:05}.py", test / PER_MODULE)
    }

    fn outcome(&self, test: usize, ran: &[bool], seed: u64) -> Outcome {
        if test % 100 == 99 {
            return Outcome::Skipped;
        }
        let polluted = self
            .polluted
            .iter()
            .any(|&(polluter, victim)| victim == test && ran[polluter]);
        let unlucky = self.random.contains(&test) && sub_seed(seed, test as u64).is_multiple_of(5);
        if polluted || unlucky || test == self.always {
            Outcome::Failed
        } else {
            Outcome::Passed
        }
    }

    fn run(&self, index: u64, started: f64) -> RunRecord {
        let seed = run_seed(MASTER_SEED, index);
        let mut order: Vec<usize> = (0..self.tests).collect();
        shuffle(&mut order, seed);
        let mut ran = vec![false; self.tests];
        let results: Vec<TestResult> = order
            .iter()
            .map(|&test| {
                let outcome = self.outcome(test, &ran, seed);
                ran[test] = true;
                let jitter = sub_seed(seed, self.tests as u64 + test as u64) % 1_000_000;
                TestResult {
                    id: self.id(test),
                    outcome,
                    duration: Some(0.0004 + (test % 7) as f64 * 0.0011 + jitter as f64 * 1e-9),
                    message: outcome
                        .is_failure()
                        .then(|| format!("AssertionError: test {test} saw state left behind")),
                    file: Some(self.file(test)),
                    line: Some(5 + 6 * (test % PER_MODULE) as u32),
                    name: None,
                }
            })
            .collect();
        let wall_seconds = 60.0 + (seed % 10_000) as f64 / 1000.0;
        let failed = results.iter().any(|r| r.outcome.is_failure());
        RunRecord {
            schema: SCHEMA,
            id: format!("5ca1e000-{index}"),
            template: TEMPLATE.to_string(),
            runner: "pytest".to_string(),
            master_seed: Some(MASTER_SEED),
            index: Some(index),
            seed: Some(seed),
            command: TEMPLATE.replace("<seed>", &seed.to_string()),
            worker: 1,
            started_at: rfc3339(started),
            wall_seconds,
            exit_code: Some(i32::from(failed)),
            status: RunStatus::Ok,
            problem: None,
            log: format!("logs/5ca1e000-{index}.log"),
            results,
            running: None,
            warm: false,
            imported: None,
            host: Some("bench/5ca1e000".to_string()),
            order: None,
            strays: 0,
        }
    }
}

fn rfc3339(seconds: f64) -> String {
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs_f64(seconds);
    humantime::format_rfc3339_millis(at).to_string()
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let [dir, runs, tests] = args.as_slice() else {
        eprintln!("usage: cargo bench --bench scale -- DIR RUNS TESTS");
        std::process::exit(2);
    };
    let dir = PathBuf::from(dir);
    let runs: u64 = runs.parse().expect("RUNS is a number");
    let plan = Plan::new(tests.parse().expect("TESTS is a number"));
    fs::create_dir_all(&dir).expect("create the store directory");
    let mut out = BufWriter::new(File::create(dir.join("runs.jsonl")).expect("create runs.jsonl"));
    let mut started = EPOCH as f64;
    for index in 0..runs {
        let record = plan.run(index, started);
        started += record.wall_seconds + 1.0;
        serde_json::to_writer(&mut out, &record).expect("write a run");
        out.write_all(b"\n").expect("write a run");
    }
    out.flush().expect("write runs.jsonl");
}
