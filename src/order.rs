//! Orders bleed chooses itself (`hunt --order shuffle|reverse|pairs`), at the level the runner
//! can replay. Pure: a suite's arrangement in, orders out.
//!
//! An `Arrangement` is the suite as a tree whose groups the runner keeps together: pytest and
//! cucumber run any list in the order given (one free group of tests), RSpec runs each example
//! group whole and its own examples before its nested groups, bleed keeps a mocha file whole.
//! Every order here permutes the members of free groups and nothing else, so the runner can run
//! it exactly.
//!
//! `pairs` follows Wei et al. (TACAS 2021): a Tuscan square on k symbols is k rows, each a
//! permutation, in which every ordered pair of symbols stands adjacent at least once, where k
//! random permutations cover only about 1 − 1/e of the pairs. A free group of k members gets
//! such a square of its own, so after as many runs as the largest group has rows, every two
//! members of every group have run side by side, in both orders.

use std::fmt;

use serde::Serialize;

use crate::seed;

/// Who decides a hunt's orders.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The runner shuffles under each run's seed (bleed shuffles for runners that cannot).
    #[default]
    Runner,
    /// Uniform permutations of the whole suite, as far as the runner's groups allow.
    Shuffle,
    /// The natural order backwards.
    Reverse,
    /// A schedule putting every ordered pair of tests side by side.
    Pairs,
}

impl Mode {
    pub const ALL: [Mode; 4] = [Mode::Runner, Mode::Shuffle, Mode::Reverse, Mode::Pairs];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Runner => "runner",
            Mode::Shuffle => "shuffle",
            Mode::Reverse => "reverse",
            Mode::Pairs => "pairs",
        }
    }

    pub fn parse(text: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|mode| mode.as_str() == text)
    }

    /// How the mode is kept in a run record: None for the runner's own orders, which is what
    /// records written before `--order` existed mean.
    pub fn recorded(self) -> Option<String> {
        (self != Mode::Runner).then(|| self.as_str().to_string())
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A suite as the runner lets bleed arrange it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arrangement {
    Test(String),
    /// Members that run together, in any order among themselves.
    Free(Vec<Arrangement>),
    /// Members that run together, in this order.
    Fixed(Vec<Arrangement>),
}

impl Arrangement {
    /// Tests any order of which the runner runs as given, listed in their natural order.
    pub fn flat<I: IntoIterator<Item = String>>(tests: I) -> Arrangement {
        Arrangement::Free(tests.into_iter().map(Arrangement::Test).collect())
    }

    /// The same arrangement with each free group's members sorted by their first test, so that
    /// a seed means the same order whichever run the arrangement was read from.
    pub fn canonical(self) -> Arrangement {
        match self {
            Arrangement::Test(id) => Arrangement::Test(id),
            Arrangement::Fixed(members) => {
                Arrangement::Fixed(members.into_iter().map(Arrangement::canonical).collect())
            }
            Arrangement::Free(members) => {
                let mut members: Vec<Arrangement> =
                    members.into_iter().map(Arrangement::canonical).collect();
                members.sort_by(|a, b| a.first_test().cmp(&b.first_test()));
                members.dedup();
                Arrangement::Free(members)
            }
        }
    }

    fn first_test(&self) -> Option<&str> {
        match self {
            Arrangement::Test(id) => Some(id),
            Arrangement::Free(members) | Arrangement::Fixed(members) => {
                members.iter().find_map(Arrangement::first_test)
            }
        }
    }

    /// The tests in the order the arrangement lists them.
    pub fn tests(&self) -> Vec<String> {
        self.arranged(&mut |_, members| (0..members).collect())
    }

    /// How many tests there are.
    pub fn len(&self) -> usize {
        match self {
            Arrangement::Test(_) => 1,
            Arrangement::Free(members) | Arrangement::Fixed(members) => {
                members.iter().map(Arrangement::len).sum()
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether every order of the tests is one the runner can run.
    pub fn is_flat(&self) -> bool {
        match self {
            Arrangement::Test(_) => true,
            Arrangement::Free(members) => members
                .iter()
                .all(|member| matches!(member, Arrangement::Test(_))),
            Arrangement::Fixed(members) => members.len() <= 1 && members.iter().all(Self::is_flat),
        }
    }

    /// A uniformly random order under `seed`: each free group's members shuffled on a stream of
    /// its own. The outermost group is shuffled under `seed` itself, which keeps the orders of
    /// hunts recorded before groups could nest (mocha's files) what they were.
    pub fn shuffled(&self, seed: u64) -> Vec<String> {
        self.arranged(&mut |group, members| {
            let mut order: Vec<usize> = (0..members).collect();
            let stream = if group == 0 {
                seed
            } else {
                seed::sub_seed(seed, group as u64)
            };
            seed::shuffle(&mut order, stream);
            order
        })
    }

    /// The order backwards, as far as groups allow: each free group's members reversed.
    pub fn reversed(&self) -> Vec<String> {
        self.arranged(&mut |_, members| (0..members).rev().collect())
    }

    /// How many runs `pairs` needs to put every two members of every free group side by side.
    pub fn pairs_runs(&self) -> u64 {
        let mut most = 1;
        self.visit_free(&mut |_, members| most = most.max(tuscan_rows(members) as u64));
        most
    }

    /// Run `index` of the `pairs` schedule of a hunt with this master seed. Each free group of
    /// k members goes through Tuscan squares of k symbols, one row a run, each square with its
    /// symbols relabelled and its rows taken in an order drawn under the master seed (so hunts
    /// with other master seeds run other schedules); a group done with one square starts
    /// another. The rows of a square are shifts of one another, so in their own order two
    /// neighbouring runs keep most pairs of tests the same way round: a polluter that only needs
    /// to run earlier would wait for many runs, where in a drawn order it waits about two.
    pub fn pairs_order(&self, master: u64, index: u64) -> Vec<String> {
        self.arranged(&mut |group, members| {
            let rows = tuscan_rows(members) as u64;
            let (square, row) = (index / rows, index % rows);
            let stream = seed::sub_seed(seed::sub_seed(master, group as u64), square);
            let mut labels: Vec<usize> = (0..members).collect();
            seed::shuffle(&mut labels, stream);
            let mut row_order: Vec<usize> = (0..rows as usize).collect();
            seed::shuffle(&mut row_order, seed::sub_seed(stream, 0));
            tuscan_row(members, row_order[row as usize])
                .into_iter()
                .map(|symbol| labels[symbol])
                .collect()
        })
    }

    /// The tests in an order where each free group's members are arranged by `arrange(group,
    /// members)`, which returns a permutation of `0..members`. Groups are numbered in the order
    /// they are met, depth first, the outermost 0.
    fn arranged(&self, arrange: &mut dyn FnMut(usize, usize) -> Vec<usize>) -> Vec<String> {
        let mut order = Vec::with_capacity(self.len());
        let mut group = 0;
        self.arrange_into(arrange, &mut group, &mut order);
        order
    }

    fn arrange_into(
        &self,
        arrange: &mut dyn FnMut(usize, usize) -> Vec<usize>,
        group: &mut usize,
        order: &mut Vec<String>,
    ) {
        match self {
            Arrangement::Test(id) => order.push(id.clone()),
            Arrangement::Fixed(members) => {
                for member in members {
                    member.arrange_into(arrange, group, order);
                }
            }
            Arrangement::Free(members) => {
                let permutation = arrange(*group, members.len());
                *group += 1;
                let mut parts: Vec<Vec<String>> = Vec::with_capacity(members.len());
                for member in members {
                    let mut part = Vec::new();
                    member.arrange_into(arrange, group, &mut part);
                    parts.push(part);
                }
                for at in permutation {
                    order.append(&mut parts[at]);
                }
            }
        }
    }

    /// Calls `visit(group, members)` for each free group, numbered as `arranged` numbers them.
    fn visit_free(&self, visit: &mut dyn FnMut(usize, usize)) {
        self.arranged(&mut |group, members| {
            visit(group, members);
            (0..members).collect()
        });
    }
}

/// How many rows the Tuscan square bleed uses for k symbols has: k when k is even, k + 1
/// otherwise (the square of k + 1 with the extra symbol taken out).
pub fn tuscan_rows(k: usize) -> usize {
    match k {
        0 | 1 => 1,
        k if k.is_multiple_of(2) => k,
        k => k + 1,
    }
}

/// Row `row` of the Tuscan square on `0..k`. For even k it is Williams' row-complete Latin
/// square: the sequence 0, 1, k−1, 2, k−2, … has every nonzero difference once between
/// neighbours, so its k translates put every ordered pair side by side exactly once. For odd k,
/// the square of k + 1 with the symbol k removed: joining its neighbours only adds pairs.
pub fn tuscan_row(k: usize, row: usize) -> Vec<usize> {
    if k <= 1 {
        return (0..k).collect();
    }
    let even = if k.is_multiple_of(2) { k } else { k + 1 };
    let base = (0..even).map(|j| {
        if j % 2 == 1 {
            j.div_ceil(2)
        } else {
            (even - j / 2) % even
        }
    });
    base.map(|symbol| (symbol + row) % even)
        .filter(|&symbol| symbol < k)
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;

    use super::*;

    fn test(id: &str) -> Arrangement {
        Arrangement::Test(id.to_string())
    }

    fn flat(n: usize) -> Arrangement {
        Arrangement::flat((0..n).map(|i| format!("t{i:03}")))
    }

    fn adjacent_pairs(orders: &[Vec<String>]) -> HashSet<(String, String)> {
        orders
            .iter()
            .flat_map(|order| order.windows(2).map(|w| (w[0].clone(), w[1].clone())))
            .collect()
    }

    #[test]
    fn tuscan_squares_put_every_ordered_pair_side_by_side() {
        for k in 0..40 {
            let rows: Vec<Vec<usize>> = (0..tuscan_rows(k)).map(|r| tuscan_row(k, r)).collect();
            let mut seen = HashSet::new();
            for row in &rows {
                let mut sorted = row.clone();
                sorted.sort();
                assert_eq!(sorted, (0..k).collect::<Vec<_>>(), "k={k}: {row:?}");
                seen.extend(row.windows(2).map(|w| (w[0], w[1])));
            }
            assert_eq!(seen.len(), k * k.saturating_sub(1), "k={k}");
        }
    }

    #[test]
    fn even_squares_put_each_pair_side_by_side_exactly_once() {
        let rows: Vec<Vec<usize>> = (0..6).map(|r| tuscan_row(6, r)).collect();
        let pairs: Vec<(usize, usize)> = rows
            .iter()
            .flat_map(|row| row.windows(2).map(|w| (w[0], w[1])).collect::<Vec<_>>())
            .collect();
        assert_eq!(pairs.len(), 30);
        assert_eq!(pairs.iter().collect::<HashSet<_>>().len(), 30);
        assert_eq!(rows[0], [0, 1, 5, 2, 4, 3]);
    }

    #[test]
    fn a_flat_suite_has_every_pair_covered_after_n_runs() {
        for n in [2, 3, 5, 8, 21] {
            let suite = flat(n);
            let runs = suite.pairs_runs();
            assert!(runs as usize <= n + 1, "n={n}: {runs}");
            let orders: Vec<Vec<String>> = (0..runs).map(|i| suite.pairs_order(7, i)).collect();
            assert_eq!(adjacent_pairs(&orders).len(), n * (n - 1), "n={n}");
        }
    }

    /// Reversed is the order as listed, backwards: not sorted.
    #[test]
    fn reverse_keeps_to_the_order_listed() {
        let listed = ["tests/test_b.py::test_setup", "tests/test_b.py::test_a"].map(String::from);
        assert_eq!(
            Arrangement::flat(listed).reversed(),
            ["tests/test_b.py::test_a", "tests/test_b.py::test_setup"]
        );
    }

    /// Over the first runs of a schedule, a pair of tests shows both ways round about as soon
    /// as under random orders, not only after most of the square.
    #[test]
    fn early_pairs_runs_order_most_pairs_both_ways() {
        let suite = flat(40);
        let orders: Vec<Vec<String>> = (0..4).map(|i| suite.pairs_order(11, i)).collect();
        let position = |order: &[String], test: &str| order.iter().position(|t| t == test);
        let tests = suite.tests();
        let mut both_ways = 0;
        let mut pairs = 0;
        for a in &tests {
            for b in tests.iter().filter(|b| *b > a) {
                pairs += 1;
                let ways: HashSet<bool> = orders
                    .iter()
                    .map(|order| position(order, a) < position(order, b))
                    .collect();
                both_ways += usize::from(ways.len() == 2);
            }
        }
        // Four uniform orders show a pair both ways with a chance of 7/8.
        assert!(both_ways * 100 > pairs * 75, "{both_ways} of {pairs}");
    }

    #[test]
    fn other_master_seeds_run_other_schedules_and_the_next_square_starts_after_the_first() {
        let suite = flat(10);
        assert_ne!(suite.pairs_order(1, 0), suite.pairs_order(2, 0));
        assert_eq!(suite.pairs_order(1, 3), suite.pairs_order(1, 3));
        let second: Vec<Vec<String>> = (10..20).map(|i| suite.pairs_order(1, i)).collect();
        assert_eq!(adjacent_pairs(&second).len(), 90);
    }

    /// RSpec-like: two groups, one with a nested group after its own examples.
    fn nested() -> Arrangement {
        Arrangement::Free(vec![
            Arrangement::Fixed(vec![
                Arrangement::Free(vec![test("a1"), test("a2"), test("a3")]),
                Arrangement::Free(vec![Arrangement::Free(vec![test("n1"), test("n2")])]),
            ]),
            Arrangement::Free(vec![test("b1"), test("b2")]),
        ])
        .canonical()
    }

    fn keeps_groups_together(order: &[String]) {
        let at = |id: &str| order.iter().position(|t| t == id).unwrap();
        let a: Vec<usize> = ["a1", "a2", "a3", "n1", "n2"].map(at).to_vec();
        assert_eq!(
            a.iter().max().unwrap() - a.iter().min().unwrap(),
            4,
            "{order:?}"
        );
        assert!(at("n1").min(at("n2")) > at("a1").max(at("a2")).max(at("a3")));
        assert_eq!(at("b1").abs_diff(at("b2")), 1, "{order:?}");
    }

    #[test]
    fn groups_stay_together_in_every_order() {
        let suite = nested();
        for seed in 0..50 {
            keeps_groups_together(&suite.shuffled(seed));
            keeps_groups_together(&suite.pairs_order(seed, seed % 5));
        }
        keeps_groups_together(&suite.reversed());
        assert_eq!(suite.tests(), ["a1", "a2", "a3", "n1", "n2", "b1", "b2"]);
        assert_eq!(suite.reversed(), ["b2", "b1", "a3", "a2", "a1", "n2", "n1"]);
        assert!(!suite.is_flat());
        assert!(flat(3).is_flat());
    }

    #[test]
    fn nested_pairs_cover_every_pair_within_each_group() {
        let suite = nested();
        assert_eq!(suite.pairs_runs(), 4);
        let orders: Vec<Vec<String>> = (0..4).map(|i| suite.pairs_order(3, i)).collect();
        let seen = adjacent_pairs(&orders);
        for (x, y) in [("a1", "a2"), ("a3", "a1"), ("n2", "n1"), ("b2", "b1")] {
            assert!(seen.contains(&(x.to_string(), y.to_string())), "{x} {y}");
        }
    }

    /// Hunts of mocha recorded before orders nested shuffled the sorted files under the run
    /// seed: the outermost group keeps that stream.
    #[test]
    fn the_outermost_group_shuffles_as_before() {
        let files = Arrangement::Free(vec![
            Arrangement::Fixed(vec![test("b.js 1"), test("b.js 2")]),
            Arrangement::Fixed(vec![test("a.js 1")]),
            Arrangement::Fixed(vec![test("c.js 1")]),
        ])
        .canonical();
        let mut groups = vec![vec!["a.js 1"], vec!["b.js 1", "b.js 2"], vec!["c.js 1"]];
        seed::shuffle(&mut groups, 1502836065);
        let before: Vec<String> = groups.concat().iter().map(|s| s.to_string()).collect();
        assert_eq!(files.shuffled(1502836065), before);
    }

    #[test]
    fn modes_read_back_what_they_print() {
        for mode in Mode::ALL {
            assert_eq!(Mode::parse(mode.as_str()), Some(mode));
        }
        assert_eq!(Mode::Runner.recorded(), None);
        assert_eq!(Mode::Pairs.recorded().as_deref(), Some("pairs"));
    }

    proptest! {
        #[test]
        fn every_order_is_a_permutation(n in 0usize..30, seed in any::<u64>(), index in 0u64..64) {
            let suite = flat(n);
            let mut expected = suite.tests();
            expected.sort();
            for mut order in [suite.shuffled(seed), suite.pairs_order(seed, index), suite.reversed()] {
                order.sort();
                prop_assert_eq!(&order, &expected);
            }
        }
    }
}
