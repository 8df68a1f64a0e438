//! `hunt --shard`: which of a hunt's runs this machine makes. Pure: CI's variables come in
//! through a lookup the caller passes, so tests give a fake environment.
//!
//! Shard K of N (`--shard K/N`, 1-based like nextest's `--partition`) owns the runs whose
//! index i, the position in the hunt's seed sequence counted from 0, has `i % N == K - 1`.
//! Round robin rather than blocks: every shard gets early seeds, and raising `--runs` later
//! extends every shard's share in step, so N shards of one hunt (one command, one master seed)
//! make together exactly the runs one machine would make, none twice.

use std::fmt;

use crate::error::{Error, Result};

/// One share of a hunt's runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// Counted from 0, as `i % total` is.
    index: u64,
    total: u64,
}

/// A shard, and where it came from, for the line that says which shard a machine took.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chosen {
    pub shard: Shard,
    /// The CI variables it was read from, e.g. "CircleCI's CIRCLE_NODE_INDEX=1,
    /// CIRCLE_NODE_TOTAL=4"; None when given as `K/N`.
    pub source: Option<String>,
}

/// A CI service's pair of parallelism variables.
struct Provider {
    name: &'static str,
    index: &'static str,
    total: &'static str,
    /// What the first node's index is: 0 or 1.
    first: u64,
}

/// Checked in this order; a node of one service does not set another's variables.
const PROVIDERS: [Provider; 5] = [
    Provider {
        name: "CircleCI",
        index: "CIRCLE_NODE_INDEX",
        total: "CIRCLE_NODE_TOTAL",
        first: 0,
    },
    Provider {
        name: "GitLab",
        index: "CI_NODE_INDEX",
        total: "CI_NODE_TOTAL",
        first: 1,
    },
    Provider {
        name: "Buildkite",
        index: "BUILDKITE_PARALLEL_JOB",
        total: "BUILDKITE_PARALLEL_JOB_COUNT",
        first: 0,
    },
    Provider {
        name: "Semaphore",
        index: "SEMAPHORE_JOB_INDEX",
        total: "SEMAPHORE_JOB_COUNT",
        first: 1,
    },
    Provider {
        name: "Bitbucket",
        index: "BITBUCKET_PARALLEL_STEP",
        total: "BITBUCKET_PARALLEL_STEP_COUNT",
        first: 0,
    },
];

impl Shard {
    /// Shard `k` of `n`, 1-based.
    pub fn new(k: u64, n: u64) -> Option<Shard> {
        (1..=n).contains(&k).then(|| Shard {
            index: k - 1,
            total: n,
        })
    }

    /// 1-based, as the user counts.
    pub fn k(self) -> u64 {
        self.index + 1
    }

    pub fn n(self) -> u64 {
        self.total
    }

    /// Whether run `index` of the hunt is this shard's.
    pub fn owns(self, index: u64) -> bool {
        index % self.total == self.index
    }

    /// How many of a hunt's first `runs` runs are this shard's.
    pub fn share(self, runs: u64) -> u64 {
        if runs > self.index {
            (runs - 1 - self.index) / self.total + 1
        } else {
            0
        }
    }

    /// This shard's runs of a `runs`-run hunt, by index: "runs 1, 5, 9 (3 of 12)", with the
    /// middle left out of a long share.
    pub fn describe_share(self, runs: u64) -> String {
        let share = self.share(runs);
        let at = |nth: u64| (self.index + nth * self.total).to_string();
        let listed = match share {
            0 => return format!("no runs, since the hunt has only {runs}"),
            1 => return format!("run {} (1 of {runs})", at(0)),
            2..=4 => (0..share).map(at).collect::<Vec<_>>().join(", "),
            _ => format!("{}, {}, {}, …, {}", at(0), at(1), at(2), at(share - 1)),
        };
        format!("runs {listed} ({share} of {runs})")
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.k(), self.total)
    }
}

/// `K/N`, or `auto` to read the shard from the CI service's variables through `env`.
pub fn parse(text: &str, env: impl Fn(&str) -> Option<String>) -> Result<Chosen> {
    if text == "auto" {
        return from_ci(env);
    }
    let numbers = text
        .split_once('/')
        .and_then(|(k, n)| Some((k.trim().parse::<u64>().ok()?, n.trim().parse::<u64>().ok()?)));
    let Some((k, n)) = numbers else {
        return Err(Error::usage(format!(
            "--shard {text}: expected K/N, shard K of N counted from 1 (e.g. 2/4), or auto"
        )));
    };
    match Shard::new(k, n) {
        Some(shard) => Ok(Chosen {
            shard,
            source: None,
        }),
        None if n == 0 => Err(Error::usage(format!(
            "--shard {text}: a hunt cannot be split into 0 shards"
        ))),
        None if k == 0 => Err(Error::usage(format!(
            "--shard {text}: shards are counted from 1, so the shards of {n} are 1/{n} … {n}/{n}"
        ))),
        None => Err(Error::usage(format!(
            "--shard {text}: there is no shard {k} of {n}; the shards of {n} are 1/{n} … {n}/{n}"
        ))),
    }
}

/// The shard the CI service's parallelism variables name.
fn from_ci(env: impl Fn(&str) -> Option<String>) -> Result<Chosen> {
    let env = |name: &str| env(name).filter(|value| !value.trim().is_empty());
    for provider in &PROVIDERS {
        match (env(provider.index), env(provider.total)) {
            (None, None) => continue,
            (Some(index), Some(total)) => return provider.shard(&index, &total),
            // GitLab sets CI_NODE_TOTAL=1 on every job without `parallel`, and no index: such
            // a job is the only shard.
            (None, Some(total)) if total.trim() == "1" => {
                return Ok(Chosen {
                    shard: Shard::new(1, 1).expect("1/1 is a shard"),
                    source: Some(format!(
                        "{}'s {}=1, without {}: a job that does not run in parallel",
                        provider.name, provider.total, provider.index
                    )),
                });
            }
            (set, _) => {
                let (present, absent) = if set.is_some() {
                    (provider.index, provider.total)
                } else {
                    (provider.total, provider.index)
                };
                return Err(Error::usage(format!(
                    "--shard auto: {}'s {present} is set but {absent} is not; give --shard K/N",
                    provider.name
                )));
            }
        }
    }
    let looked_for: Vec<String> = PROVIDERS
        .iter()
        .map(|p| format!("{}/{} ({})", p.index, p.total, p.name))
        .collect();
    Err(Error::usage(format!(
        "--shard auto found no CI parallelism variables (looked for {}); give --shard K/N",
        looked_for.join(", ")
    )))
}

impl Provider {
    fn shard(&self, index: &str, total: &str) -> Result<Chosen> {
        let source = format!(
            "{}'s {}={index}, {}={total}",
            self.name, self.index, self.total
        );
        let numbers = index
            .trim()
            .parse::<u64>()
            .ok()
            .zip(total.trim().parse::<u64>().ok());
        let shard = numbers
            .and_then(|(index, total)| Shard::new((index + 1).checked_sub(self.first)?, total));
        match shard {
            Some(shard) => Ok(Chosen {
                shard,
                source: Some(source),
            }),
            None => Err(Error::usage(format!(
                "--shard auto: {source} is not a shard ({} counts nodes from {}); give --shard K/N",
                self.name, self.first
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn explicit(text: &str) -> Result<Chosen> {
        parse(text, |_| panic!("K/N reads no variable"))
    }

    /// A fake environment: names and values.
    type Vars<'a> = &'a [(&'a str, &'a str)];

    fn auto(vars: Vars) -> Result<Chosen> {
        let env: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        parse("auto", |name| env.get(name).cloned())
    }

    fn error(result: Result<Chosen>) -> String {
        let error = result.expect_err("refused");
        assert_eq!(error.code, crate::error::ExitCode::Usage);
        assert!(!error.message.contains('\n'), "one line: {}", error.message);
        error.message
    }

    #[test]
    fn k_of_n_counts_from_one() {
        let chosen = explicit("2/4").unwrap();
        assert_eq!(chosen.shard, Shard::new(2, 4).unwrap());
        assert_eq!(chosen.shard.to_string(), "2/4");
        assert_eq!(chosen.source, None);
        assert!(chosen.shard.owns(1) && chosen.shard.owns(5) && !chosen.shard.owns(2));
        assert_eq!(explicit("1/1").unwrap().shard.to_string(), "1/1");
    }

    #[test]
    fn impossible_shards_are_refused_in_one_line() {
        assert!(error(explicit("0/3")).contains("counted from 1"));
        assert!(error(explicit("4/3")).contains("there is no shard 4 of 3"));
        assert!(error(explicit("1/0")).contains("0 shards"));
        for malformed in ["a/b", "2", "2/", "/4", "-1/4", "2/4/6", ""] {
            assert!(
                error(explicit(malformed)).contains("expected K/N"),
                "{malformed}"
            );
        }
    }

    /// Every index belongs to exactly one shard, and each shard's share is what it owns.
    #[test]
    fn shards_split_every_hunt_exactly() {
        for n in 1..=7 {
            for runs in 0..=30 {
                let shards: Vec<Shard> = (1..=n).map(|k| Shard::new(k, n).unwrap()).collect();
                for index in 0..runs {
                    let owners = shards.iter().filter(|s| s.owns(index)).count();
                    assert_eq!(owners, 1, "run {index} of {runs} over {n} shards");
                }
                for shard in &shards {
                    let owned = (0..runs).filter(|&i| shard.owns(i)).count() as u64;
                    assert_eq!(shard.share(runs), owned, "shard {shard} of {runs} runs");
                }
            }
        }
    }

    #[test]
    fn a_share_is_described_by_its_run_indexes() {
        let shard = Shard::new(2, 4).unwrap();
        assert_eq!(shard.describe_share(20), "runs 1, 5, 9, …, 17 (5 of 20)");
        assert_eq!(shard.describe_share(12), "runs 1, 5, 9 (3 of 12)");
        assert_eq!(shard.describe_share(2), "run 1 (1 of 2)");
        assert_eq!(
            Shard::new(4, 4).unwrap().describe_share(3),
            "no runs, since the hunt has only 3"
        );
    }

    /// Each CI's node numbering, as its documentation gives it.
    #[test]
    fn auto_reads_each_ci_in_its_own_numbering() {
        let cases: [(Vars, &str, &str); 5] = [
            (
                &[("CIRCLE_NODE_INDEX", "1"), ("CIRCLE_NODE_TOTAL", "4")],
                "2/4",
                "CircleCI's CIRCLE_NODE_INDEX=1, CIRCLE_NODE_TOTAL=4",
            ),
            (
                &[("CI_NODE_INDEX", "1"), ("CI_NODE_TOTAL", "4")],
                "1/4",
                "GitLab's CI_NODE_INDEX=1, CI_NODE_TOTAL=4",
            ),
            (
                &[
                    ("BUILDKITE_PARALLEL_JOB", "3"),
                    ("BUILDKITE_PARALLEL_JOB_COUNT", "4"),
                ],
                "4/4",
                "Buildkite's BUILDKITE_PARALLEL_JOB=3, BUILDKITE_PARALLEL_JOB_COUNT=4",
            ),
            (
                &[("SEMAPHORE_JOB_INDEX", "3"), ("SEMAPHORE_JOB_COUNT", "3")],
                "3/3",
                "Semaphore's SEMAPHORE_JOB_INDEX=3, SEMAPHORE_JOB_COUNT=3",
            ),
            (
                &[
                    ("BITBUCKET_PARALLEL_STEP", "0"),
                    ("BITBUCKET_PARALLEL_STEP_COUNT", "2"),
                ],
                "1/2",
                "Bitbucket's BITBUCKET_PARALLEL_STEP=0, BITBUCKET_PARALLEL_STEP_COUNT=2",
            ),
        ];
        for (vars, shard, source) in cases {
            let chosen = auto(vars).unwrap();
            assert_eq!(chosen.shard.to_string(), shard, "{vars:?}");
            assert_eq!(chosen.source.as_deref(), Some(source));
        }
    }

    #[test]
    fn auto_without_ci_names_what_it_looked_for() {
        let message = error(auto(&[("CI", "true"), ("CI_NODE_INDEX", "")]));
        for provider in &PROVIDERS {
            assert!(message.contains(provider.index), "{message}");
            assert!(message.contains(provider.total), "{message}");
        }
        assert!(message.contains("--shard K/N"), "{message}");
    }

    #[test]
    fn auto_refuses_what_is_not_a_shard() {
        let off_by_one = error(auto(&[("CI_NODE_INDEX", "0"), ("CI_NODE_TOTAL", "3")]));
        assert!(off_by_one.contains("counts nodes from 1"), "{off_by_one}");
        let past_the_end = error(auto(&[
            ("CIRCLE_NODE_INDEX", "4"),
            ("CIRCLE_NODE_TOTAL", "4"),
        ]));
        assert!(
            past_the_end.contains("CIRCLE_NODE_INDEX=4"),
            "{past_the_end}"
        );
        let garbled = error(auto(&[
            ("BUILDKITE_PARALLEL_JOB", "x"),
            ("BUILDKITE_PARALLEL_JOB_COUNT", "2"),
        ]));
        assert!(garbled.contains("is not a shard"), "{garbled}");
        let half = error(auto(&[("SEMAPHORE_JOB_COUNT", "4")]));
        assert!(
            half.contains("SEMAPHORE_JOB_COUNT is set but SEMAPHORE_JOB_INDEX is not"),
            "{half}"
        );
        let half = error(auto(&[("CI_NODE_INDEX", "2")]));
        assert!(
            half.contains("CI_NODE_INDEX is set but CI_NODE_TOTAL is not"),
            "{half}"
        );
    }

    /// GitLab documents CI_NODE_TOTAL as 1, and CI_NODE_INDEX as unset, on a job without
    /// `parallel`: `--shard auto` in a job shared by parallel and plain pipelines must work.
    #[test]
    fn a_gitlab_job_that_does_not_run_in_parallel_is_the_only_shard() {
        let chosen = auto(&[("CI_NODE_TOTAL", "1")]).unwrap();
        assert_eq!(chosen.shard.to_string(), "1/1");
        assert_eq!(
            chosen.source.as_deref(),
            Some(
                "GitLab's CI_NODE_TOTAL=1, without CI_NODE_INDEX: a job that does not run in parallel"
            )
        );
        let half = error(auto(&[("CI_NODE_TOTAL", "3")]));
        assert!(
            half.contains("CI_NODE_TOTAL is set but CI_NODE_INDEX is not"),
            "{half}"
        );
    }
}
