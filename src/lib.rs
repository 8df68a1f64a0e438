//! bleed finds the tests that bleed state into other tests.
//!
//! The pure parts (seeds, flip analysis, ddmin) know nothing of processes or files; `exec`,
//! `store` and the runner adapters are the edges that do.

pub mod bisect;
pub mod chance;
pub mod ci_log;
pub mod classify;
pub mod cli;
pub mod coverage;
pub mod ddmin;
pub mod demo;
pub mod error;
pub mod exec;
pub mod fit;
pub mod flip_table;
pub mod flips;
#[cfg(test)]
mod fuzz_tests;
pub mod help;
pub mod human;
pub mod hunt;
pub mod import;
pub mod interrupt;
pub mod junit;
pub mod leftovers;
pub mod log_cap;
pub mod merge;
pub mod order;
pub mod outcome;
pub mod procfs;
pub mod progress;
pub mod rank;
pub mod records;
pub mod report;
pub mod repro;
pub mod run;
pub mod runner;
pub mod seed;
pub mod shard;
pub mod store;
pub mod template;
pub mod unattended;
pub mod warm;
pub mod watchdog;
