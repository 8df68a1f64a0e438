//! Suspicion from history: what the hunt's runs already say about who polluted a victim.
//!
//! Deterministic pollution leaves two kinds of evidence. A lone polluter preceded the victim
//! in every failing run, so a failing run without the candidate before the victim clears it.
//! And the victim never passes right after a lone polluter, so a passing run where the
//! candidate ran immediately before the victim clears it too. A passing run with other tests
//! between the candidate and the victim is weaker evidence: one of them may have been a cleaner.
//! The ranking only orders the search; `ddmin` verifies whatever it suggests.

use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};

/// One recorded run, as far as ranking cares.
pub struct PastRun<'a> {
    /// Test ids in execution order; runs without the victim are ignored.
    pub order: &'a [String],
    pub victim_failed: bool,
}

/// Ranks `candidates` (the ids before the victim in the failing order, in that order) by
/// suspicion, most suspicious first, as indices into `candidates`.
///
/// Candidates are ordered by strong evidence against them (failing runs without them before the
/// victim, passing runs with them immediately before it), then by weak evidence (passing runs
/// with them earlier before it). Ties put the candidate nearest the victim first: much leaked
/// state (a patched global, a changed directory, a mock left installed) is reset by the next
/// test that sets the same thing up, so the fewer tests ran in between, the likelier it survived
/// to reach the victim; and with no history at all, "the test just before it" is the classic
/// culprit.
pub fn rank(candidates: &[String], victim: &str, history: &[PastRun]) -> Ranking {
    let mut against = vec![Against::default(); candidates.len()];
    for run in history {
        let Some(victim_at) = run.order.iter().position(|id| id == victim) else {
            continue;
        };
        let mut before: HashMap<&str, usize> = HashMap::new();
        for (at, id) in run.order[..victim_at].iter().enumerate() {
            before.entry(id.as_str()).or_insert(at);
        }
        for (candidate, against) in candidates.iter().zip(&mut against) {
            match (run.victim_failed, before.get(candidate.as_str())) {
                (true, None) => against.strong += 1,
                (false, Some(&at)) if at + 1 == victim_at => against.strong += 1,
                (false, Some(_)) => against.weak += 1,
                (true, Some(_)) | (false, None) => {}
            }
        }
    }
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by_key(|&i| (against[i].strong, against[i].weak, Reverse(i)));
    let evidence = |i: usize| (against[i].strong, against[i].weak);
    let suspects = match order.first() {
        Some(&top) if against[top].strong == 0 => order
            .iter()
            .take_while(|&&i| evidence(i) == evidence(top))
            .count(),
        _ => 0,
    };
    let seen_both =
        history.iter().any(|run| run.victim_failed) && history.iter().any(|run| !run.victim_failed);
    let explains = suspects > 0 && seen_both && evidence(order[0]) == (0, 0);
    Ranking {
        order,
        suspects,
        explains,
    }
}

/// Candidates by suspicion, and how many lead with nothing strong against them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ranking {
    /// Indices into the candidates, most suspicious first.
    pub order: Vec<usize>,
    /// How many leading entries of `order` the history cannot tell apart from the first, when
    /// no run clears the first: a whole module that always moved with the polluter ties here
    /// (pytest-randomly shuffles modules as blocks), so the search bisects this group rather
    /// than trying its members one by one. Zero when even the first is cleared.
    pub suspects: usize,
    /// The suspects explain every recorded run: they all ran before the victim in each run where
    /// it failed, and none of them did in any run where it passed. The search then probes them
    /// before the full order, which a hit makes unnecessary.
    pub explains: bool,
}

/// How many runs speak against a candidate being a lone polluter.
#[derive(Clone, Copy, Default)]
struct Against {
    /// Runs a lone deterministic polluter cannot explain.
    strong: usize,
    /// Passing runs it preceded with other tests in between: explained only by a cleaner.
    weak: usize,
}

/// Tests that sat between all the `polluters` and the victim in passing runs: the places to
/// look for cleaners, most frequent first. A test that also sat there in a failing run did not
/// clean that time, so it goes after every test that never failed to; ties keep the order in
/// which the history first showed them.
pub fn cleaner_candidates(polluters: &[String], victim: &str, history: &[PastRun]) -> Vec<String> {
    let mut tallies: Vec<Tally> = Vec::new();
    let mut tally_of: HashMap<&str, usize> = HashMap::new();
    for run in history {
        let Some(victim_at) = run.order.iter().position(|id| id == victim) else {
            continue;
        };
        let before = &run.order[..victim_at];
        let mut after_polluters = 0;
        let mut all_before = true;
        for polluter in polluters {
            match before.iter().rposition(|id| id == polluter) {
                Some(at) => after_polluters = after_polluters.max(at + 1),
                None => all_before = false,
            }
        }
        if !all_before {
            continue;
        }
        let mut counted: HashSet<&str> = HashSet::new();
        for id in &before[after_polluters..] {
            if polluters.contains(id) || !counted.insert(id.as_str()) {
                continue;
            }
            let index = *tally_of.entry(id.as_str()).or_insert_with(|| {
                tallies.push(Tally {
                    id,
                    passing: 0,
                    failing: 0,
                });
                tallies.len() - 1
            });
            let tally = &mut tallies[index];
            if run.victim_failed {
                tally.failing += 1;
            } else {
                tally.passing += 1;
            }
        }
    }
    tallies.retain(|tally| tally.passing > 0);
    tallies.sort_by_key(|tally| (tally.failing > 0, Reverse(tally.passing)));
    tallies.into_iter().map(|tally| tally.id.clone()).collect()
}

/// How often one test sat between the polluters and the victim.
struct Tally<'a> {
    id: &'a String,
    passing: usize,
    failing: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(names: &str) -> Vec<String> {
        names.split_whitespace().map(str::to_owned).collect()
    }

    fn named(candidates: &[String], ranking: &[usize]) -> Vec<String> {
        ranking.iter().map(|&i| candidates[i].clone()).collect()
    }

    #[test]
    fn rank_puts_the_test_present_in_every_failing_run_first() {
        let candidates = ids("a b c d");
        let failing_1 = ids("c a b v d");
        let failing_2 = ids("b d c v a");
        let passing = ids("a d v b c");
        let history = [
            PastRun {
                order: &failing_1,
                victim_failed: true,
            },
            PastRun {
                order: &failing_2,
                victim_failed: true,
            },
            PastRun {
                order: &passing,
                victim_failed: false,
            },
        ];
        let ranking = rank(&candidates, "v", &history);
        // b and c preceded v in both failures and never in a pass: tied, the nearer c first.
        // a missed a failure and preceded a pass; d missed a failure and ran right before v
        // in a pass.
        assert_eq!(named(&candidates, &ranking.order), ids("c b a d"));
        assert_eq!(
            ranking.suspects, 2,
            "b and c are the only tests no run clears"
        );
        assert!(ranking.explains, "b and c account for every run");
    }

    #[test]
    fn rank_treats_a_pass_right_after_a_candidate_as_strong_evidence() {
        let candidates = ids("a b");
        let failing = ids("a b v");
        let right_after_b = ids("a b v");
        let history = [
            PastRun {
                order: &failing,
                victim_failed: true,
            },
            PastRun {
                order: &right_after_b,
                victim_failed: false,
            },
        ];
        // Both preceded v in the pass, but only a had a test (a possible cleaner) in between.
        let ranking = rank(&candidates, "v", &history);
        assert_eq!(ranking.order, vec![0, 1]);
        assert!(!ranking.explains, "a preceded v in a pass");
    }

    #[test]
    fn rank_weighs_a_failure_without_the_candidate_above_any_number_of_passes() {
        let candidates = ids("x y");
        let failing = ids("y v x");
        let passing = ids("y w v x");
        let mut history = vec![PastRun {
            order: &failing,
            victim_failed: true,
        }];
        history.extend((0..3).map(|_| PastRun {
            order: &passing,
            victim_failed: false,
        }));
        // x failed to precede one failure; y preceded three passes, each with room for a cleaner.
        assert_eq!(rank(&candidates, "v", &history).order, vec![1, 0]);
    }

    #[test]
    fn rank_without_history_puts_the_nearest_test_first() {
        let candidates = ids("a b c");
        assert_eq!(rank(&candidates, "v", &[]).order, vec![2, 1, 0]);
    }

    #[test]
    fn rank_ignores_runs_without_the_victim() {
        let candidates = ids("a b");
        let unrelated = ids("b a");
        let history = [PastRun {
            order: &unrelated,
            victim_failed: true,
        }];
        assert_eq!(rank(&candidates, "v", &history).order, vec![1, 0]);
    }

    #[test]
    fn rank_of_no_candidates_is_empty() {
        assert!(rank(&[], "v", &[]).order.is_empty());
    }

    #[test]
    fn cleaner_candidates_are_the_tests_between_polluters_and_victim_in_passes() {
        let polluters = ids("p q");
        let pass_1 = ids("p x q c v y");
        let pass_2 = ids("q c d p e v");
        let pass_3 = ids("c q p e c v");
        let missing_q = ids("p c f v");
        let victim_first = ids("v p q g");
        let history = [
            PastRun {
                order: &pass_1,
                victim_failed: false,
            },
            PastRun {
                order: &pass_2,
                victim_failed: false,
            },
            PastRun {
                order: &pass_3,
                victim_failed: false,
            },
            PastRun {
                order: &missing_q,
                victim_failed: false,
            },
            PastRun {
                order: &victim_first,
                victim_failed: false,
            },
        ];
        // x sat before q; d before p; f and g in runs without both polluters before v.
        // e twice, c twice (once per run even though it appears twice in pass_3).
        assert_eq!(cleaner_candidates(&polluters, "v", &history), ids("c e"));
    }

    #[test]
    fn cleaner_candidates_demote_tests_that_sat_there_in_a_failure() {
        let polluters = ids("p");
        let pass_1 = ids("p a b v");
        let pass_2 = ids("p a v");
        let pass_3 = ids("p b v");
        let fail = ids("p a v");
        let history = [
            PastRun {
                order: &pass_1,
                victim_failed: false,
            },
            PastRun {
                order: &pass_2,
                victim_failed: false,
            },
            PastRun {
                order: &pass_3,
                victim_failed: false,
            },
            PastRun {
                order: &fail,
                victim_failed: true,
            },
        ];
        assert_eq!(cleaner_candidates(&polluters, "v", &history), ids("b a"));
    }

    #[test]
    fn cleaner_candidates_tie_in_order_of_first_sighting() {
        let polluters = ids("p");
        let pass = ids("p b a v");
        let history = [PastRun {
            order: &pass,
            victim_failed: false,
        }];
        assert_eq!(cleaner_candidates(&polluters, "v", &history), ids("b a"));
    }
}
