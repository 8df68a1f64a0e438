//! bleed's integration tests: the real binary, run on real suites in throwaway directories.
//!
//! One test binary with modules, as ripgrep does, so the tests share one harness and one link.

mod bisect_pytest;
mod ci_docs;
mod cli;
mod demo;
mod faults;
mod from_log;
mod hostile;
mod hunt_bisect;
mod hunt_errors;
mod hunt_pytest;
mod import;
mod interrupt;
mod merge;
mod noise;
mod orders;
mod processes;
mod report;
mod report_html;
mod repro;
mod runner_cucumber;
mod runner_gotest;
mod runner_jest;
mod runner_mocha;
mod runner_pytest;
mod runner_rspec;
mod shard;
mod util;
mod warm_client;
mod warm_cucumber;
mod warm_pytest;
mod warm_rspec;
mod warm_truth;
mod writers;
