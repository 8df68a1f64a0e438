//! What a hunt's orders could have missed: of the pairs of tests where one could pollute the
//! other, the share no run ordered so that the pollution would show. Pure: orders in, shares
//! out.
//!
//! A victim of a single polluter shows once some run puts the polluter before it (a flag left
//! set), or, for pollution the next test undoes (a connection the following test closes), right
//! before it. Either way, a run that shows it is one that ordered that pair so, whatever the
//! model that drew the orders; so these shares are exact for the orders run, and answer "if one
//! test of this suite polluted another, what is the chance these runs never showed it".

use std::collections::HashMap;
use std::hash::Hash;

use serde::Serialize;

use crate::seed;

/// Above this many ordered pairs, the shares are estimated from `SAMPLED_PAIRS` of them.
const EXACT_PAIRS: u64 = 4_000_000;
const SAMPLED_PAIRS: usize = 200_000;
const SAMPLE_SEED: u64 = 0x5EED_C0DE;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Coverage {
    /// Runs whose orders count.
    pub runs: usize,
    pub tests: usize,
    /// Ordered pairs of tests the runner does not keep apart.
    pub pairs: u64,
    /// The share of those pairs no run ordered polluter first: the chance a victim that fails
    /// whenever its one polluter ran earlier is still undetected.
    pub missed_before: f64,
    /// The share no run put side by side: the same for a victim that fails only right after
    /// its polluter.
    pub missed_adjacent: f64,
    /// How many pairs the shares were estimated from, when the suite is too large to count
    /// every pair.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sampled: Option<usize>,
}

/// The coverage of `orders` (each a run's tests in the order they ran, as ids or as numbers),
/// counting only pairs for which `isolated` is false. None without a pair to count.
pub fn coverage<T: Copy + Eq + Hash>(
    orders: &[impl AsRef<[T]>],
    isolated: impl Fn(T, T) -> bool,
) -> Option<Coverage> {
    let mut index: HashMap<T, usize> = HashMap::new();
    let mut names: Vec<T> = Vec::new();
    for &test in orders.iter().flat_map(AsRef::as_ref) {
        index.entry(test).or_insert_with(|| {
            names.push(test);
            names.len() - 1
        });
    }
    let n = names.len();
    let runs = orders.len();
    // Test by test, its position in each run side by side: a pair is two such rows read in
    // step, where run by run the two positions lay a suite's length apart and each pair of a
    // thousand runs missed the cache a thousand times.
    let mut positions = vec![u32::MAX; n * runs];
    for (run, order) in orders.iter().enumerate() {
        for (position, test) in order.as_ref().iter().enumerate() {
            positions[index[test] * runs + run] = position as u32;
        }
    }
    let row = |test: usize| &positions[test * runs..(test + 1) * runs];
    let seen = |a: usize, b: usize| -> (bool, bool) {
        let mut before = false;
        for (&pa, &pb) in row(a).iter().zip(row(b)) {
            if pa != u32::MAX && pb != u32::MAX && pa < pb {
                before = true;
                if pb == pa + 1 {
                    return (true, true);
                }
            }
        }
        (before, false)
    };
    let mut tally = Tally::default();
    let all_pairs = n as u64 * (n as u64).saturating_sub(1);
    let sampled = if all_pairs <= EXACT_PAIRS {
        for a in 0..n {
            for b in (0..n).filter(|&b| b != a) {
                if !isolated(names[a], names[b]) {
                    tally.add(seen(a, b));
                }
            }
        }
        None
    } else {
        for draw in 0..SAMPLED_PAIRS as u64 {
            let x = seed::sub_seed(SAMPLE_SEED, draw);
            let (a, b) = ((x % n as u64) as usize, ((x >> 32) % n as u64) as usize);
            if a != b && !isolated(names[a], names[b]) {
                tally.add(seen(a, b));
            }
        }
        Some(SAMPLED_PAIRS)
    };
    if tally.pairs == 0 {
        return None;
    }
    let pairs = match sampled {
        None => tally.pairs,
        Some(_) => (all_pairs as f64 * tally.pairs as f64 / SAMPLED_PAIRS as f64).round() as u64,
    };
    Some(Coverage {
        runs: orders.len(),
        tests: n,
        pairs,
        missed_before: tally.missed_before as f64 / tally.pairs as f64,
        missed_adjacent: tally.missed_adjacent as f64 / tally.pairs as f64,
        sampled,
    })
}

#[derive(Default)]
struct Tally {
    pairs: u64,
    missed_before: u64,
    missed_adjacent: u64,
}

impl Tally {
    fn add(&mut self, (before, adjacent): (bool, bool)) {
        self.pairs += 1;
        self.missed_before += u64::from(!before);
        self.missed_adjacent += u64::from(!adjacent);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::Arrangement;

    fn orders(orders: &[&[&'static str]]) -> Vec<Vec<&'static str>> {
        orders.iter().map(|order| order.to_vec()).collect()
    }

    #[test]
    fn one_order_misses_half_the_pairs_before_and_all_but_its_neighbours() {
        let covered = coverage(&orders(&[&["a", "b", "c", "d"]]), |_, _| false).unwrap();
        assert_eq!(covered.pairs, 12);
        assert_eq!(covered.missed_before, 0.5);
        assert_eq!(covered.missed_adjacent, 9.0 / 12.0);
        let both = coverage(
            &orders(&[&["a", "b", "c", "d"], &["d", "c", "b", "a"]]),
            |_, _| false,
        )
        .unwrap();
        assert_eq!(both.missed_before, 0.0);
        assert_eq!(both.missed_adjacent, 6.0 / 12.0);
    }

    #[test]
    fn pairs_the_runner_keeps_apart_do_not_count() {
        let package = |id: &str| id.split('.').next().unwrap().to_string();
        let covered = coverage(&orders(&[&["p.a", "p.b", "q.c", "q.d"]]), |a, b| {
            package(a) != package(b)
        })
        .unwrap();
        assert_eq!(covered.pairs, 4);
        assert_eq!(covered.missed_before, 0.5);
        assert_eq!(covered.missed_adjacent, 0.5);
        assert_eq!(coverage(&orders(&[&["a"]]), |_, _| false), None);
    }

    #[test]
    fn a_test_missing_from_a_run_is_ordered_by_none_of_its_pairs_there() {
        let covered = coverage(&orders(&[&["a", "b"], &["b"]]), |_, _| false).unwrap();
        assert_eq!(covered.missed_before, 0.5);
    }

    #[test]
    fn a_full_pairs_schedule_misses_nothing() {
        let suite = Arrangement::flat((0..9).map(|i| format!("t{i}")));
        let runs: Vec<Vec<String>> = (0..suite.pairs_runs())
            .map(|i| suite.pairs_order(5, i))
            .collect();
        let views: Vec<Vec<&str>> = runs
            .iter()
            .map(|r| r.iter().map(String::as_str).collect())
            .collect();
        let covered = coverage(&views, |_, _| false).unwrap();
        assert_eq!((covered.missed_before, covered.missed_adjacent), (0.0, 0.0));
    }

    #[test]
    fn large_suites_are_sampled_close_to_the_truth() {
        let tests: Vec<String> = (0..3000).map(|i| format!("t{i}")).collect();
        let order: Vec<&str> = tests.iter().map(String::as_str).collect();
        let covered = coverage(&[order], |_, _| false).unwrap();
        assert_eq!(covered.sampled, Some(SAMPLED_PAIRS));
        assert!((covered.missed_before - 0.5).abs() < 0.01, "{covered:?}");
        assert!(covered.missed_adjacent > 0.99);
        assert!(covered.pairs.abs_diff(3000 * 2999) < 3000 * 2999 / 100);
    }
}
