//! Probe answers the store already holds. In a sequential run every test's outcome follows from
//! the tests that ran before it, so each recorded run answers, for each test t in it, "how does t
//! do after exactly these tests?". A probe asks that question about its victim; a recorded run
//! whose tests up to the victim are exactly the probe's order answers it without running the
//! suite: the hunt's replays answer a bisection's reproduction, its runs of a test alone (or a
//! run where the test came first) the isolation, and one victim's probes often hold another
//! victim's orders.
//!
//! A recorded run is one observation. The bisection marks each run it took an answer from as
//! spent, so that no run is counted twice, and a probe asked again (a retry, a confirmation)
//! gets another run or a fresh one. Pure: which runs may serve is decided by the caller.

use std::collections::HashMap;

use crate::outcome::TestResult;

/// One recorded run that may answer probes.
struct Run {
    id: String,
    results: Vec<TestResult>,
    /// Forked from a booted suite (docs/warm.md): it answers only probes that may run warm.
    warm: bool,
}

/// The recorded runs, indexed by every order they ran up to a passing or failing test.
#[derive(Default)]
pub struct RecordedOrders {
    runs: Vec<Run>,
    /// The hash of the tests up to and including a test: the runs and positions where they ran.
    /// Hashes, not orders, so that a run of n tests costs n entries rather than n²/2 ids; a
    /// match is checked against the run itself.
    at: HashMap<u64, Vec<(usize, usize)>>,
}

/// A recorded run that answers a probe: its id, and its results up to the probe's last test.
pub struct Answer<'a> {
    pub run: &'a str,
    pub results: &'a [TestResult],
}

impl Answer<'_> {
    /// The outcome of the order's last test, the probe's victim.
    pub fn last(&self) -> &TestResult {
        self.results.last().expect("an answer ends with its test")
    }
}

impl RecordedOrders {
    /// Adds a run's results, in the order they ran. Tests that neither passed nor failed
    /// (skipped) answer nothing, though they count in the orders of the tests after them.
    pub fn add(&mut self, id: &str, results: &[TestResult], warm: bool) {
        let index = self.runs.len();
        let mut hash = PREFIX_SEED;
        for (position, result) in results.iter().enumerate() {
            hash = extend(hash, &result.id);
            if result.outcome.is_pass() || result.outcome.is_failure() {
                self.at.entry(hash).or_default().push((index, position));
            }
        }
        self.runs.push(Run {
            id: id.to_string(),
            results: results.to_vec(),
            warm,
        });
    }

    /// A run not `spent` whose tests up to `order`'s last are exactly `order`; a warm run only
    /// when `warm` allows it. Cold runs come first, then the order in which runs were added.
    pub fn find(
        &self,
        order: &[String],
        warm: bool,
        spent: impl Fn(&str) -> bool,
    ) -> Option<Answer<'_>> {
        let hash = order.iter().fold(PREFIX_SEED, |hash, id| extend(hash, id));
        let mut matches: Vec<(usize, usize)> = self
            .at
            .get(&hash)?
            .iter()
            .copied()
            .filter(|&(run, position)| {
                let run = &self.runs[run];
                position + 1 == order.len()
                    && (warm || !run.warm)
                    && !spent(&run.id)
                    && run.results[..=position]
                        .iter()
                        .zip(order)
                        .all(|(result, id)| result.id == *id)
            })
            .collect();
        matches.sort_by_key(|&(run, _)| (self.runs[run].warm, run));
        let &(run, position) = matches.first()?;
        let run = &self.runs[run];
        Some(Answer {
            run: &run.id,
            results: &run.results[..=position],
        })
    }
}

const PREFIX_SEED: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a over the ids so far, each closed by a byte no UTF-8 text holds, so that ["ab"] and
/// ["a", "b"] differ.
fn extend(hash: u64, id: &str) -> u64 {
    id.bytes().chain([0xff]).fold(hash, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Outcome;

    fn results(tests: &[(&str, Outcome)]) -> Vec<TestResult> {
        tests
            .iter()
            .map(|&(id, outcome)| TestResult {
                id: id.to_string(),
                outcome,
                duration: None,
                message: None,
                file: None,
                line: None,
                name: None,
            })
            .collect()
    }

    fn order(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|id| id.to_string()).collect()
    }

    fn none(_: &str) -> bool {
        false
    }

    use Outcome::{Failed, Passed, Skipped};

    #[test]
    fn a_run_answers_for_every_test_the_order_before_it() {
        let mut recorded = RecordedOrders::default();
        recorded.add(
            "hunt-1",
            &results(&[("p", Passed), ("a", Passed), ("v", Failed), ("w", Passed)]),
            false,
        );
        let answer = recorded
            .find(&order(&["p", "a", "v"]), false, none)
            .unwrap();
        assert_eq!(answer.run, "hunt-1");
        assert_eq!(answer.last().outcome, Failed);
        assert_eq!(answer.results.len(), 3);
        // What ran after the victim does not matter; w's own order is answered too.
        let w = recorded.find(&order(&["p", "a", "v", "w"]), false, none);
        assert_eq!(w.unwrap().last().outcome, Passed);
        assert_eq!(
            recorded
                .find(&order(&["p"]), false, none)
                .unwrap()
                .last()
                .outcome,
            Passed,
            "p ran first: it was run alone"
        );
    }

    #[test]
    fn only_the_exact_order_answers() {
        let mut recorded = RecordedOrders::default();
        recorded.add(
            "r",
            &results(&[("p", Passed), ("a", Passed), ("v", Failed)]),
            false,
        );
        for asked in [
            &["a", "p", "v"][..],
            &["p", "v"],
            &["v"],
            &["a", "v"],
            &["x", "p", "a", "v"],
        ] {
            assert!(
                recorded.find(&order(asked), false, none).is_none(),
                "{asked:?}"
            );
        }
        assert!(recorded.find(&[], false, none).is_none());
    }

    #[test]
    fn ids_that_run_together_are_not_mistaken_for_one() {
        let mut recorded = RecordedOrders::default();
        recorded.add("r", &results(&[("a", Passed), ("bv", Failed)]), false);
        assert!(recorded.find(&order(&["ab", "v"]), false, none).is_none());
        assert!(recorded.find(&order(&["a", "bv"]), false, none).is_some());
    }

    #[test]
    fn a_skipped_test_answers_nothing_but_counts_in_the_order() {
        let mut recorded = RecordedOrders::default();
        recorded.add("r", &results(&[("s", Skipped), ("v", Failed)]), false);
        assert!(recorded.find(&order(&["s"]), false, none).is_none());
        assert!(recorded.find(&order(&["v"]), false, none).is_none());
        assert!(recorded.find(&order(&["s", "v"]), false, none).is_some());
    }

    /// Asked again (a retry, a confirmation), the same order gets another run: each run is one
    /// observation.
    #[test]
    fn a_spent_run_answers_no_more() {
        let mut recorded = RecordedOrders::default();
        recorded.add("first", &results(&[("v", Passed)]), false);
        recorded.add("second", &results(&[("v", Failed), ("x", Passed)]), false);
        let mut spent: Vec<String> = Vec::new();
        let mut seen = Vec::new();
        while let Some(answer) =
            recorded.find(&order(&["v"]), false, |run| spent.iter().any(|s| s == run))
        {
            seen.push((answer.run.to_string(), answer.last().outcome));
            spent.push(answer.run.to_string());
        }
        assert_eq!(
            seen,
            vec![
                ("first".to_string(), Passed),
                ("second".to_string(), Failed)
            ]
        );
    }

    #[test]
    fn a_warm_run_answers_only_where_warm_probes_are_allowed() {
        let mut recorded = RecordedOrders::default();
        recorded.add("warm", &results(&[("v", Failed)]), true);
        assert!(recorded.find(&order(&["v"]), false, none).is_none());
        assert_eq!(
            recorded.find(&order(&["v"]), true, none).unwrap().run,
            "warm"
        );
        recorded.add("cold", &results(&[("v", Failed)]), false);
        assert_eq!(
            recorded.find(&order(&["v"]), true, none).unwrap().run,
            "cold",
            "a cold run is the better evidence"
        );
    }

    #[test]
    fn a_test_that_ran_twice_answers_for_each_of_its_orders() {
        let mut recorded = RecordedOrders::default();
        recorded.add(
            "r",
            &results(&[("v", Passed), ("p", Passed), ("v", Failed)]),
            false,
        );
        assert_eq!(
            recorded
                .find(&order(&["v"]), false, none)
                .unwrap()
                .last()
                .outcome,
            Passed
        );
        assert_eq!(
            recorded
                .find(&order(&["v", "p", "v"]), false, none)
                .unwrap()
                .last()
                .outcome,
            Failed
        );
    }
}
