//! Flip analysis: which tests passed in some runs and failed in others. Pure: runs in, table out.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::classify::{Evidence, Kind};
use crate::records::{Names, Timed};

/// One test's record over a hunt.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Flip {
    pub test: String,
    pub failed: usize,
    pub passed: usize,
    /// Seeds of the runs where it failed, in the order the runs were given.
    pub failed_seeds: Vec<u64>,
    pub passed_seeds: Vec<u64>,
    pub mean_pass_seconds: Option<f64>,
    pub mean_fail_seconds: Option<f64>,
    /// Its most frequent failure message, whole: the hunt's table shows its first line.
    pub message: Option<String>,
    /// What kind of flip it is, once the hunt has classified it.
    pub kind: Kind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

impl Flip {
    pub fn fail_rate(&self) -> f64 {
        self.failed as f64 / (self.failed + self.passed) as f64
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Analysis {
    /// Every test that failed in some run, most failing first. A test that failed in every run
    /// is here too until the hunt finds it fails alone as well.
    pub flips: Vec<Flip>,
    /// Tests that failed in every run and alone: broken, not order-dependent.
    pub always_failing: Vec<String>,
    /// How many distinct tests were seen.
    pub tests: usize,
}

#[derive(Default)]
struct Tally {
    failed_seeds: Vec<u64>,
    passed_seeds: Vec<u64>,
    pass_seconds: Vec<f64>,
    fail_seconds: Vec<f64>,
    messages: BTreeMap<String, usize>,
}

/// Analyses complete runs, each given as its seed and its results (their tests numbered in
/// `names`). Skipped results count as neither pass nor fail. Only the tests that failed are
/// tallied: the runs are read twice, to find them, then for them.
pub fn analyse(runs: &[(u64, &Timed)], names: &Names) -> Analysis {
    let mut seen = vec![false; names.len()];
    let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut failing: Vec<Option<&str>> = vec![None; names.len()];
    for (_, timed) in runs {
        for (test, outcome) in timed.ran.iter() {
            seen[test as usize] = true;
            if outcome.is_failure() {
                failing[test as usize] = Some(names.id(test));
            }
        }
    }
    for &(seed, timed) in runs {
        let mut messages = timed.messages.iter().peekable();
        for (at, (test, outcome)) in timed.ran.iter().enumerate() {
            let message = messages.next_if(|(place, _)| *place as usize == at);
            let Some(id) = failing[test as usize] else {
                continue;
            };
            let tally = tallies.entry(id).or_default();
            if outcome.is_failure() {
                tally.failed_seeds.push(seed);
                tally.fail_seconds.extend(timed.seconds(at));
                if let Some((_, message)) = message {
                    *tally.messages.entry(message.clone()).or_default() += 1;
                }
            } else if outcome.is_pass() {
                tally.passed_seeds.push(seed);
                tally.pass_seconds.extend(timed.seconds(at));
            }
        }
    }
    let mut analysis = Analysis {
        tests: seen.iter().filter(|&&s| s).count(),
        ..Analysis::default()
    };
    for (test, tally) in tallies {
        analysis.flips.push(Flip {
            test: test.to_string(),
            failed: tally.failed_seeds.len(),
            passed: tally.passed_seeds.len(),
            mean_pass_seconds: mean(&tally.pass_seconds),
            mean_fail_seconds: mean(&tally.fail_seconds),
            message: most_frequent(&tally.messages),
            failed_seeds: tally.failed_seeds,
            passed_seeds: tally.passed_seeds,
            kind: Kind::Unconfirmed,
            evidence: None,
        });
    }
    analysis.flips.sort_by(|a, b| {
        b.fail_rate()
            .total_cmp(&a.fail_rate())
            .then(b.failed.cmp(&a.failed))
            .then(a.test.cmp(&b.test))
    });
    analysis
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// The message seen most often; ties go to the alphabetically first, so that the same runs
/// always give the same message.
pub(crate) fn most_frequent(messages: &BTreeMap<String, usize>) -> Option<String> {
    let mut best: Option<(&String, usize)> = None;
    for (message, &count) in messages {
        if best.is_none_or(|(_, most)| count > most) {
            best = Some((message, count));
        }
    }
    best.map(|(message, _)| message.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{Outcome, TestResult};
    use proptest::prelude::*;

    fn analysed(runs: &[(u64, Vec<TestResult>)]) -> Analysis {
        let mut names = Names::default();
        let timed: Vec<(u64, Timed)> = runs
            .iter()
            .map(|(seed, results)| (*seed, Timed::of(results, &mut names)))
            .collect();
        let runs: Vec<(u64, &Timed)> = timed.iter().map(|(seed, timed)| (*seed, timed)).collect();
        analyse(&runs, &names)
    }

    fn result(id: &str, outcome: Outcome, seconds: f64, message: Option<&str>) -> TestResult {
        TestResult {
            id: id.into(),
            outcome,
            duration: Some(seconds),
            message: message.map(String::from),
            file: None,
            line: None,
            name: None,
        }
    }

    #[test]
    fn finds_the_tests_whose_result_flips_with_the_seed() {
        use Outcome::*;
        let runs = [
            (
                11,
                vec![
                    result("a", Passed, 1.0, None),
                    result("v", Failed, 3.0, Some("E: x")),
                    result("s", Skipped, 0.0, None),
                ],
            ),
            (
                12,
                vec![
                    result("v", Passed, 1.0, None),
                    result("a", Passed, 3.0, None),
                    result("broken", Errored, 1.0, Some("boom")),
                ],
            ),
            (
                13,
                vec![
                    result("v", Failed, 5.0, Some("E: x")),
                    result("broken", Failed, 1.0, None),
                ],
            ),
            (14, vec![result("v", Flaky, 1.0, Some("E: y"))]),
        ];
        let analysis = analysed(&runs);
        assert_eq!(analysis.tests, 4);
        let (broken, flipped): (Vec<Flip>, Vec<Flip>) =
            analysis.flips.into_iter().partition(|f| f.passed == 0);
        assert_eq!(broken.len(), 1);
        assert_eq!((broken[0].test.as_str(), broken[0].failed), ("broken", 2));
        assert_eq!(
            flipped,
            vec![Flip {
                test: "v".into(),
                failed: 3,
                passed: 1,
                failed_seeds: vec![11, 13, 14],
                passed_seeds: vec![12],
                mean_pass_seconds: Some(1.0),
                mean_fail_seconds: Some(3.0),
                message: Some("E: x".into()),
                kind: Kind::Unconfirmed,
                evidence: None,
            }]
        );
    }

    #[test]
    fn most_failing_come_first_and_ties_are_stable() {
        use Outcome::*;
        let runs = [
            (
                1,
                vec![
                    result("b", Failed, 0.0, None),
                    result("a", Failed, 0.0, None),
                    result("c", Failed, 0.0, None),
                ],
            ),
            (
                2,
                vec![
                    result("b", Passed, 0.0, None),
                    result("a", Passed, 0.0, None),
                    result("c", Failed, 0.0, None),
                ],
            ),
            (
                3,
                vec![
                    result("b", Passed, 0.0, None),
                    result("a", Passed, 0.0, None),
                    result("c", Passed, 0.0, None),
                ],
            ),
        ];
        let analysis = analysed(&runs);
        let order: Vec<&str> = analysis.flips.iter().map(|f| f.test.as_str()).collect();
        assert_eq!(order, vec!["c", "a", "b"]);
    }

    #[test]
    fn no_runs_means_no_flips() {
        assert_eq!(analysed(&[]), Analysis::default());
    }

    /// The analysis as it was made from every result held whole: each test tallied, failing
    /// or not, run by run.
    fn analysed_whole(runs: &[(u64, Vec<TestResult>)]) -> Analysis {
        let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();
        for (seed, results) in runs {
            for result in results {
                let tally = tallies.entry(result.id.as_str()).or_default();
                if result.outcome.is_failure() {
                    tally.failed_seeds.push(*seed);
                    tally.fail_seconds.extend(result.duration);
                    if let Some(message) = &result.message {
                        *tally.messages.entry(message.clone()).or_default() += 1;
                    }
                } else if result.outcome.is_pass() {
                    tally.passed_seeds.push(*seed);
                    tally.pass_seconds.extend(result.duration);
                }
            }
        }
        let mut analysis = Analysis {
            tests: tallies.len(),
            ..Analysis::default()
        };
        for (test, tally) in tallies {
            if !tally.failed_seeds.is_empty() {
                analysis.flips.push(Flip {
                    test: test.to_string(),
                    failed: tally.failed_seeds.len(),
                    passed: tally.passed_seeds.len(),
                    mean_pass_seconds: mean(&tally.pass_seconds),
                    mean_fail_seconds: mean(&tally.fail_seconds),
                    message: most_frequent(&tally.messages),
                    failed_seeds: tally.failed_seeds,
                    passed_seeds: tally.passed_seeds,
                    kind: Kind::Unconfirmed,
                    evidence: None,
                });
            }
        }
        analysis.flips.sort_by(|a, b| {
            b.fail_rate()
                .total_cmp(&a.fail_rate())
                .then(b.failed.cmp(&a.failed))
                .then(a.test.cmp(&b.test))
        });
        analysis
    }

    fn results() -> impl Strategy<Value = Vec<TestResult>> {
        let one = (
            0..5usize,
            0..5usize,
            proptest::option::of(0..5u32),
            proptest::option::of(0..3usize),
        )
            .prop_map(|(id, outcome, seconds, message)| TestResult {
                id: ["a", "b", "c", "d", "e"][id].to_string(),
                outcome: [
                    Outcome::Passed,
                    Outcome::Failed,
                    Outcome::Errored,
                    Outcome::Skipped,
                    Outcome::Flaky,
                ][outcome],
                duration: seconds.map(|s| f64::from(s) * 0.7 + 0.01),
                message: message.map(|m| format!("E{m}")),
                file: None,
                line: None,
                name: None,
            });
        proptest::collection::vec(one, 0..8)
    }

    proptest! {
        #[test]
        fn tallying_only_the_tests_that_failed_changes_nothing(
            runs in proptest::collection::vec((1..4u64, results()), 0..6)
        ) {
            prop_assert_eq!(analysed(&runs), analysed_whole(&runs));
        }
    }
}
