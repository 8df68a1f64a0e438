//! How many runs each `--order` needs before every planted order-dependent test shows, on
//! simulated suites: `cargo bench --bench detection` (docs/detection.md, "Benchmark").
//!
//! Counts runs, never time: a run is a run of the whole suite, so runs are the cost. Each suite
//! is M modules of T tests as pytest collects them; six victims are planted in it (`Case`) on
//! tests drawn from a fixed seed, where the collection order passes every one of them, as a
//! green CI would. For each order and each of 20 master seeds, runs follow one another until
//! every victim has shown: a victim shows in a run where its outcome differs from its outcome
//! alone (what bleed's hunt then confirms). The runner's orders are modelled as pytest-randomly
//! and cucumber make them, bleed's are the ones `src/order.rs` makes. Then the coverage
//! (`bleed::coverage`) of the orders' first runs, as many as the mean, is set beside the share
//! of victims the simulation had not shown by then: the model and the simulation should agree.

use std::collections::{HashMap, HashSet};

use bleed::coverage::{Coverage, coverage};
use bleed::order::{Arrangement, Mode};
use bleed::seed::run_seed;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

/// The suites: modules, tests per module, and how their tests are named.
const SUITES: [(usize, usize, Naming); 3] = [
    (10, 10, Naming::Worded),
    (20, 25, Naming::Worded),
    (10, 10, Naming::Numbered),
];
const MASTER_SEEDS: std::ops::RangeInclusive<u64> = 1..=20;
/// Runs after which a victim not yet shown counts as missed.
const CAP: u64 = 20_000;
const NAMING_SEED: u64 = 2021;
const PLANTING_SEED: u64 = 19497;

#[derive(Clone, Copy, PartialEq)]
enum Naming {
    /// `tests/test_invoice_totals.py::test_rounds_half_up`: names of many lengths, defined in
    /// no particular order, as people write them.
    Worded,
    /// `tests/test_m03.py::test_t07`: every node id of one length, as a parametrized test's
    /// are, and defined in sorted order.
    Numbered,
}

/// Tests `0..modules * per_module`, numbered in collection order: modules by path (pytest
/// sorts a directory's files), each module's tests in definition order.
struct Suite {
    modules: usize,
    per_module: usize,
    naming: Naming,
    ids: Vec<String>,
    /// What pytest names the module of `tests/<name>.py`.
    module_names: Vec<String>,
    /// Each test's function name, the end of its node id.
    functions: Vec<String>,
    index: HashMap<String, usize>,
    /// pytest runs any order of node ids bleed gives it: one free group.
    arrangement: Arrangement,
}

impl Suite {
    fn new(modules: usize, per_module: usize, naming: Naming) -> Suite {
        let mut rng = ChaCha8Rng::seed_from_u64(NAMING_SEED);
        let mut module_names = match naming {
            Naming::Worded => distinct_names(&mut rng, modules, 3..=14),
            Naming::Numbered => (0..modules).map(|m| format!("test_m{m:02}")).collect(),
        };
        module_names.sort();
        let functions: Vec<String> = (0..modules)
            .flat_map(|_| match naming {
                Naming::Worded => distinct_names(&mut rng, per_module, 3..=24),
                Naming::Numbered => (0..per_module).map(|t| format!("test_t{t:02}")).collect(),
            })
            .collect();
        let ids: Vec<String> = functions
            .iter()
            .enumerate()
            .map(|(test, function)| {
                format!("tests/{}.py::{function}", module_names[test / per_module])
            })
            .collect();
        let index = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.clone(), i))
            .collect();
        let arrangement = Arrangement::flat(ids.iter().cloned());
        Suite {
            modules,
            per_module,
            naming,
            ids,
            module_names,
            functions,
            index,
            arrangement,
        }
    }

    fn len(&self) -> usize {
        self.ids.len()
    }

    fn module_of(&self, test: usize) -> usize {
        test / self.per_module
    }

    fn title(&self) -> String {
        let naming = match self.naming {
            Naming::Worded => "named as people name tests",
            Naming::Numbered => "every node id of one length (test_m03.py::test_t07)",
        };
        format!(
            "{} modules × {} tests ({} tests), {naming}",
            self.modules,
            self.per_module,
            self.len()
        )
    }

    fn numbered(&self, order: Vec<String>) -> Vec<usize> {
        order.iter().map(|id| self.index[id]).collect()
    }
}

/// `count` distinct names `test_<word>`, the words of lowercase letters and underscores with
/// lengths in `lengths`.
fn distinct_names(
    rng: &mut ChaCha8Rng,
    count: usize,
    lengths: std::ops::RangeInclusive<u64>,
) -> Vec<String> {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyz_";
    let mut names: Vec<String> = Vec::new();
    while names.len() < count {
        let span = lengths.end() - lengths.start() + 1;
        let length = lengths.start() + rng.next_u64() % span;
        let word: String = (0..length)
            .map(|at| {
                // No underscore first or last, where a person would not put one.
                let letters = if at == 0 || at + 1 == length { 26 } else { 27 };
                char::from(LETTERS[(rng.next_u64() % letters) as usize])
            })
            .collect();
        let name = format!("test_{word}");
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The kinds of victim planted in every suite, one of each.
#[derive(Clone, Copy, PartialEq)]
enum Case {
    /// Fails whenever a test of another module ran earlier.
    OtherModule,
    /// Fails whenever a test of its own module ran earlier.
    SameModule,
    /// Fails only right after a test of another module (a connection the next test closes).
    Adjacent,
    /// Fails unless a state-setter ran earlier: it fails alone.
    Brittle,
    /// Fails when a polluter ran earlier with no run of a cleaner between them.
    Cleaner,
    /// Fails when two polluters both ran earlier.
    TwoPolluters,
}

impl Case {
    const ALL: [Case; 6] = [
        Case::OtherModule,
        Case::SameModule,
        Case::Adjacent,
        Case::Brittle,
        Case::Cleaner,
        Case::TwoPolluters,
    ];

    fn name(self) -> &'static str {
        match self {
            Case::OtherModule => "other-module",
            Case::SameModule => "same-module",
            Case::Adjacent => "adjacent",
            Case::Brittle => "brittle",
            Case::Cleaner => "cleaner",
            Case::TwoPolluters => "two-polluters",
        }
    }

    /// How many tests besides the victim the case needs.
    fn others(self) -> usize {
        match self {
            Case::Cleaner | Case::TwoPolluters => 2,
            _ => 1,
        }
    }

    /// Whether one run with the first of the others right before the victim shows it, which a
    /// `pairs` schedule guarantees within `pairs_runs()` runs.
    fn shown_by_one_pair(self) -> bool {
        self != Case::TwoPolluters
    }
}

/// A victim and the tests its outcome depends on.
struct Planted {
    case: Case,
    victim: usize,
    /// The polluter, state-setter or first polluter; then the cleaner or second polluter.
    others: Vec<usize>,
}

impl Planted {
    /// Whether the victim fails after `before`, the tests that ran before it, in their order.
    fn fails(&self, before: &[usize]) -> bool {
        let ran = |test: usize| before.contains(&test);
        let first = self.others[0];
        match self.case {
            Case::OtherModule | Case::SameModule => ran(first),
            Case::Adjacent => before.last() == Some(&first),
            Case::Brittle => !ran(first),
            Case::Cleaner => {
                let cleaner = self.others[1];
                before
                    .iter()
                    .rev()
                    .find(|&&t| t == first || t == cleaner)
                    .is_some_and(|&t| t == first)
            }
            Case::TwoPolluters => ran(first) && ran(self.others[1]),
        }
    }

    /// Whether the victim's outcome in `order` differs from its outcome alone.
    fn shown_by(&self, order: &[usize]) -> bool {
        let at = order
            .iter()
            .position(|&t| t == self.victim)
            .expect("every order runs the victim");
        self.fails(&order[..at]) != self.fails(&[])
    }

    /// Whether the modules of the tests are as the case says.
    fn fits(&self, suite: &Suite) -> bool {
        let victim_module = suite.module_of(self.victim);
        let other_module = |test: usize| suite.module_of(test) != victim_module;
        match self.case {
            Case::OtherModule | Case::Adjacent | Case::Cleaner => other_module(self.others[0]),
            Case::SameModule => !other_module(self.others[0]),
            Case::Brittle | Case::TwoPolluters => true,
        }
    }
}

/// One victim of each case, on tests drawn from a fixed seed: each case's tests distinct from
/// every other case's, in the modules the case asks for, placed so that the collection order
/// passes the victim.
fn plant(suite: &Suite) -> Vec<Planted> {
    let mut rng = ChaCha8Rng::seed_from_u64(PLANTING_SEED ^ suite.len() as u64);
    let collection_order: Vec<usize> = (0..suite.len()).collect();
    let mut used: Vec<usize> = Vec::new();
    let mut planted = Vec::new();
    for case in Case::ALL {
        let candidate = loop {
            let mut tests: Vec<usize> = Vec::new();
            while tests.len() < 1 + case.others() {
                let test = (rng.next_u64() % suite.len() as u64) as usize;
                if !used.contains(&test) && !tests.contains(&test) {
                    tests.push(test);
                }
            }
            let candidate = Planted {
                case,
                victim: tests[0],
                others: tests[1..].to_vec(),
            };
            let passes_as_collected = !candidate.fails(&collection_order[..candidate.victim]);
            if candidate.fits(suite) && passes_as_collected {
                break candidate;
            }
        };
        used.push(candidate.victim);
        used.extend(&candidate.others);
        planted.push(candidate);
    }
    planted
}

/// Who orders the runs: the runner, as three runners do it, or bleed (`--order`).
#[derive(Clone, Copy, PartialEq)]
enum Orders {
    /// pytest-randomly 4.0 on (5.1 is installed here) under `--randomly-seed=<run seed>`:
    /// modules sorted by crc32("<seed>::<module name>"), then each module's tests by
    /// crc32("<seed>::<node id>").
    PytestRandomly,
    /// pytest-randomly before 4.0, which sorted by MD5 keys (3.10 on) or shuffled: as good as
    /// a uniform shuffle of the modules, then of each module's tests.
    Bucketed,
    /// A uniform shuffle of all tests, as cucumber's `--order random` gives (2.4 sorts every
    /// scenario by SHA-256 of seed + index), and RSpec's for the examples of one group.
    Uniform,
    Shuffle,
    Reverse,
    Pairs,
}

impl Orders {
    const ALL: [Orders; 6] = [
        Orders::PytestRandomly,
        Orders::Bucketed,
        Orders::Uniform,
        Orders::Shuffle,
        Orders::Reverse,
        Orders::Pairs,
    ];

    fn label(self) -> String {
        match self {
            Orders::PytestRandomly => format!("{} (pytest-randomly 4+)", Mode::Runner),
            Orders::Bucketed => format!("{} (pytest-randomly 3)", Mode::Runner),
            Orders::Uniform => format!("{} (uniform)", Mode::Runner),
            Orders::Shuffle => Mode::Shuffle.to_string(),
            Orders::Reverse => Mode::Reverse.to_string(),
            Orders::Pairs => Mode::Pairs.to_string(),
        }
    }

    /// Whether every run has the same order, so that a victim its first run misses is never
    /// shown.
    fn same_every_run(self) -> bool {
        self == Orders::Reverse
    }

    /// The tests of run `index` of the hunt with master seed `master`, in the order they run.
    fn order(self, suite: &Suite, master: u64, index: u64) -> Vec<usize> {
        let arrangement = &suite.arrangement;
        match self {
            Orders::PytestRandomly => pytest_randomly(suite, run_seed(master, index)),
            Orders::Bucketed => bucketed(suite, run_seed(master, index)),
            Orders::Uniform => {
                let mut order: Vec<usize> = (0..suite.len()).collect();
                order.shuffle(&mut ChaCha8Rng::seed_from_u64(run_seed(master, index)));
                order
            }
            Orders::Shuffle => suite.numbered(arrangement.shuffled(run_seed(master, index))),
            Orders::Reverse => suite.numbered(arrangement.reversed()),
            Orders::Pairs => suite.numbered(arrangement.pairs_order(master, index)),
        }
    }
}

/// pytest-randomly's `_reorganize_items` for a suite of plain test functions (no classes).
/// Python's sort is stable, as is `sort_by_cached_key`. The CRC register is carried over the
/// parts the keys share (`<seed>::`, then a module's `tests/<module>.py::`), which gives the
/// CRC of each whole key at a fraction of the cost.
fn pytest_randomly(suite: &Suite, seed: u64) -> Vec<usize> {
    let seeded = crc32_update(!0, format!("{seed}::").as_bytes());
    let mut modules: Vec<usize> = (0..suite.modules).collect();
    modules.sort_by_cached_key(|&m| !crc32_update(seeded, suite.module_names[m].as_bytes()));
    let mut order = Vec::with_capacity(suite.len());
    for module in modules {
        let path = format!("tests/{}.py::", suite.module_names[module]);
        let in_module = crc32_update(seeded, path.as_bytes());
        let first = module * suite.per_module;
        let mut tests: Vec<usize> = (first..first + suite.per_module).collect();
        tests.sort_by_cached_key(|&t| !crc32_update(in_module, suite.functions[t].as_bytes()));
        order.extend(tests);
    }
    order
}

/// Modules in the order listed, each with its tests in the order listed.
type Listed = [(usize, [usize; 4]); 3];

/// The orders `pytest --collect-only --randomly-seed=<seed>` (pytest-randomly 5.1) listed a
/// suite of 3 modules of 4 tests in, `tests/test_m00.py::test_t00` and on, which the model must
/// give.
const PYTEST_RANDOMLY_COLLECTED: [(u64, Listed); 3] = [
    (1, [(0, [0, 1, 3, 2]), (1, [3, 2, 0, 1]), (2, [2, 3, 1, 0])]),
    (
        12345,
        [(2, [2, 3, 1, 0]), (0, [0, 1, 3, 2]), (1, [3, 2, 0, 1])],
    ),
    (
        1502836065,
        [(0, [2, 3, 1, 0]), (1, [1, 0, 2, 3]), (2, [0, 1, 3, 2])],
    ),
];

fn check_pytest_randomly_model() {
    assert_eq!(
        crc32_update(!0, b"123456789"),
        !0xCBF4_3926,
        "CRC-32 check value"
    );
    let suite = Suite::new(3, 4, Naming::Numbered);
    for (seed, modules) in PYTEST_RANDOMLY_COLLECTED {
        let collected: Vec<usize> = modules
            .iter()
            .flat_map(|&(module, tests)| tests.map(|t| module * 4 + t))
            .collect();
        assert_eq!(pytest_randomly(&suite, seed), collected, "seed {seed}");
    }
}

/// The modules in a uniformly random order, each module's tests in a uniformly random order,
/// on a generator of its own (neither bleed's nor the other models').
fn bucketed(suite: &Suite, seed: u64) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(1);
    let mut modules: Vec<usize> = (0..suite.modules).collect();
    modules.shuffle(&mut rng);
    let mut order = Vec::with_capacity(suite.len());
    for module in modules {
        let first = module * suite.per_module;
        let mut tests: Vec<usize> = (first..first + suite.per_module).collect();
        tests.shuffle(&mut rng);
        order.extend(tests);
    }
    order
}

/// zlib's CRC-32 (reflected, polynomial 0xEDB88320), as pytest-randomly's `_crc32` calls it.
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut byte = 0;
    while byte < 256 {
        let mut crc = byte as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 {
                0xEDB8_8320 ^ (crc >> 1)
            } else {
                crc >> 1
            };
            bit += 1;
        }
        table[byte] = crc;
        byte += 1;
    }
    table
};

/// The CRC register after `bytes`, from `state` (`!0` to start; the CRC is the register
/// inverted), so that a shared prefix is hashed once.
fn crc32_update(state: u32, bytes: &[u8]) -> u32 {
    bytes.iter().fold(state, |crc, &byte| {
        CRC_TABLE[((crc ^ u32::from(byte)) & 0xFF) as usize] ^ (crc >> 8)
    })
}

/// For each planted victim, the number of runs until one showed it (1 for the first run),
/// None when none did within `CAP` runs, or in the one order of an order that never changes.
fn runs_until_shown(
    suite: &Suite,
    planted: &[Planted],
    orders: Orders,
    master: u64,
) -> Vec<Option<u64>> {
    let mut shown: Vec<Option<u64>> = vec![None; planted.len()];
    let runs = if orders.same_every_run() { 1 } else { CAP };
    for index in 0..runs {
        let order = orders.order(suite, master, index);
        for (victim, shown) in planted.iter().zip(&mut shown) {
            if shown.is_none() && victim.shown_by(&order) {
                *shown = Some(index + 1);
            }
        }
        if shown.iter().all(Option::is_some) {
            break;
        }
    }
    shown
}

/// Runs until shown, for one order: `[master seed][case]`.
struct Simulation {
    orders: Orders,
    shown: Vec<Vec<Option<u64>>>,
}

impl Simulation {
    fn run(suite: &Suite, planted: &[Planted], orders: Orders) -> Simulation {
        let shown = MASTER_SEEDS
            .map(|master| runs_until_shown(suite, planted, orders, master))
            .collect();
        Simulation { orders, shown }
    }

    /// Per seed, the runs until every victim showed.
    fn all_shown(&self) -> Vec<Option<u64>> {
        self.shown
            .iter()
            .map(|seed| {
                seed.iter()
                    .copied()
                    .try_fold(0, |most, runs| Some(most.max(runs?)))
            })
            .collect()
    }

    fn case(&self, at: usize) -> Vec<Option<u64>> {
        self.shown.iter().map(|seed| seed[at]).collect()
    }

    /// How many of the seeds' victims of `case` were not yet shown after `runs` runs.
    fn unshown_after(&self, case: usize, runs: u64) -> usize {
        self.case(case)
            .iter()
            .filter(|shown| shown.is_none_or(|n| n > runs))
            .count()
    }
}

/// Mean, median and max of runs until shown, a miss counting as `CAP` runs (so that with any
/// miss the mean is a lower bound), and the number of misses.
struct Summary {
    mean: f64,
    median: Option<u64>,
    max: Option<u64>,
    missed: usize,
    seeds: usize,
}

impl Summary {
    fn of(values: &[Option<u64>]) -> Summary {
        let mut sorted: Vec<u64> = values.iter().map(|v| v.unwrap_or(u64::MAX)).collect();
        sorted.sort_unstable();
        let known = |runs: u64| (runs != u64::MAX).then_some(runs);
        Summary {
            mean: sorted.iter().map(|&r| r.min(CAP) as f64).sum::<f64>() / sorted.len() as f64,
            median: known(sorted[sorted.len() / 2]),
            max: known(sorted[sorted.len() - 1]),
            missed: values.iter().filter(|v| v.is_none()).count(),
            seeds: values.len(),
        }
    }

    /// The mean, with the count of misses in brackets when there were any.
    fn mean_cell(&self, orders: Orders) -> String {
        match self.missed {
            0 => format!("{:.1}", self.mean),
            missed if orders.same_every_run() && missed == self.seeds => "never".to_string(),
            missed => format!(">{:.0} [{missed}]", self.mean),
        }
    }

    fn runs_cell(runs: Option<u64>, orders: Orders) -> String {
        match runs {
            Some(runs) => runs.to_string(),
            None if orders.same_every_run() => "never".to_string(),
            None => format!(">{CAP}"),
        }
    }
}

/// Prints rows of cells, the first column left-aligned and the rest right-aligned.
fn print_table(rows: &[Vec<String>]) {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|row| row.get(c))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            let pad = widths[c] - cell.chars().count();
            if c == 0 {
                line.push_str(&format!("{cell}{}", " ".repeat(pad)));
            } else {
                line.push_str(&format!("  {}{cell}", " ".repeat(pad)));
            }
        }
        println!("{}", line.trim_end());
    }
}

fn print_runs_table(simulations: &[Simulation]) {
    let mut header: Vec<String> = ["order", "all: mean", "median", "max", "missed"]
        .map(String::from)
        .to_vec();
    header.extend(Case::ALL.map(|case| case.name().to_string()));
    let mut rows = vec![header];
    for simulation in simulations {
        let orders = simulation.orders;
        let all = Summary::of(&simulation.all_shown());
        let mut row = vec![
            orders.label(),
            all.mean_cell(orders),
            Summary::runs_cell(all.median, orders),
            Summary::runs_cell(all.max, orders),
            all.missed.to_string(),
        ];
        row.extend(
            (0..Case::ALL.len()).map(|c| Summary::of(&simulation.case(c)).mean_cell(orders)),
        );
        rows.push(row);
    }
    print_table(&rows);
}

/// Master seed 1's first `runs` orders, each distinct order once (running an order again
/// shows nothing new), named: coverage counts every pair, so the order of the runs is no matter.
fn distinct_orders(suite: &Suite, orders: Orders, runs: u64) -> Vec<Vec<&str>> {
    let master = *MASTER_SEEDS.start();
    let distinct: HashSet<Vec<&str>> = (0..runs)
        .map(|index| {
            let order = orders.order(suite, master, index);
            order.iter().map(|&t| suite.ids[t].as_str()).collect()
        })
        .collect();
    distinct.into_iter().collect()
}

/// The coverage of `orders` over the pairs (x, victim) for each of `victims` and each x that
/// `counts(x, victim)` accepts: the share of the tests that could have polluted those victims
/// whose pollution the orders could not have shown.
fn coverage_of_victims(
    suite: &Suite,
    orders: &[Vec<&str>],
    victims: &[usize],
    counts: impl Fn(usize, usize) -> bool,
) -> Coverage {
    coverage(orders, |x, victim| {
        let (x, victim) = (suite.index[x], suite.index[victim]);
        !(victims.contains(&victim) && counts(x, victim))
    })
    .expect("a victim has tests before it")
}

fn print_coverage_table(suite: &Suite, planted: &[Planted], simulations: &[Simulation]) {
    let at = |case: Case| {
        Case::ALL
            .iter()
            .position(|&c| c == case)
            .expect("every case is planted")
    };
    let (other_module, same_module, adjacent) = (
        at(Case::OtherModule),
        at(Case::SameModule),
        at(Case::Adjacent),
    );
    let seeds = MASTER_SEEDS.count();
    let header = [
        "order",
        "runs",
        "orders",
        "missed_before",
        "unshown",
        "missed_adjacent",
        "unshown",
    ];
    let mut rows = vec![header.map(String::from).to_vec()];
    for simulation in simulations {
        let orders = simulation.orders;
        let runs = if orders.same_every_run() {
            1
        } else {
            Summary::of(&simulation.all_shown()).mean.ceil() as u64
        };
        let distinct = distinct_orders(suite, orders, runs);
        let polluted = [planted[other_module].victim, planted[same_module].victim];
        let before = coverage_of_victims(suite, &distinct, &polluted, |_, _| true);
        let beside = coverage_of_victims(
            suite,
            &distinct,
            &[planted[adjacent].victim],
            |x, victim| suite.module_of(x) != suite.module_of(victim),
        );
        let polluters_unshown = simulation.unshown_after(other_module, runs)
            + simulation.unshown_after(same_module, runs);
        let adjacent_unshown = simulation.unshown_after(adjacent, runs);
        rows.push(vec![
            orders.label(),
            runs.to_string(),
            distinct.len().to_string(),
            format!("{:.3}", before.missed_before),
            format!(
                "{:.3} ({polluters_unshown}/{})",
                polluters_unshown as f64 / (2 * seeds) as f64,
                2 * seeds
            ),
            format!("{:.3}", beside.missed_adjacent),
            format!(
                "{:.3} ({adjacent_unshown}/{seeds})",
                adjacent_unshown as f64 / seeds as f64
            ),
        ]);
    }
    print_table(&rows);
}

/// The `pairs` schedule's promise: within its first `pairs_runs()` runs every ordered pair of
/// tests stands side by side, so every victim one pair shows has shown.
fn check_pairs_promise(suite: &Suite, planted: &[Planted], simulation: &Simulation) {
    let promised = suite.arrangement.pairs_runs();
    for (master, shown) in MASTER_SEEDS.zip(&simulation.shown) {
        for (victim, runs) in planted.iter().zip(shown) {
            if victim.case.shown_by_one_pair() {
                assert!(
                    runs.is_some_and(|runs| runs <= promised),
                    "pairs with master seed {master} showed the {} victim after {runs:?} runs, \
                     not within the {promised} its schedule promises",
                    victim.case.name()
                );
            }
        }
    }
}

fn print_planted(suite: &Suite, planted: &[Planted]) {
    for victim in planted {
        let others: Vec<&str> = victim
            .others
            .iter()
            .map(|&t| suite.ids[t].as_str())
            .collect();
        println!(
            "  {:<14} {}  <-  {}",
            victim.case.name(),
            suite.ids[victim.victim],
            others.join(", ")
        );
    }
}

fn print_legend() {
    let seeds = MASTER_SEEDS.count();
    let (first, last) = (MASTER_SEEDS.start(), MASTER_SEEDS.end());
    for line in [
        format!(
            "Runs until each planted victim shows (its outcome in a run differs from its outcome \
             alone), over master seeds {first}..={last}, at most {CAP} runs each."
        ),
        "all: runs until every victim showed (mean, median, max); missed: seeds where some \
         victim did not show."
            .to_string(),
        format!(
            "Victim columns: mean runs until it showed; \">m [k]\": k of {seeds} seeds did not \
             show it within {CAP} runs, counted as {CAP}, so m is a lower bound;"
        ),
        "\"never\": the order is the same every run and did not show it.".to_string(),
        String::new(),
        "Coverage (bleed::coverage) of master seed 1's first R runs, R the mean above rounded up \
         (1 for reverse); orders: how many of them differ."
            .to_string(),
        "missed_before: share of pairs (x, v), v the other-module or same-module victim and x \
         any other test, that no run ordered x first."
            .to_string(),
        "missed_adjacent: share of pairs (x, v), v the adjacent victim and x in another module, \
         that no run put side by side."
            .to_string(),
        format!(
            "unshown: beside each, the share of those victims the simulation had not shown after \
             R runs, over the {seeds} seeds."
        ),
    ] {
        println!("{line}");
    }
}

fn main() {
    check_pytest_randomly_model();
    print_legend();
    for (modules, per_module, naming) in SUITES {
        let suite = Suite::new(modules, per_module, naming);
        let planted = plant(&suite);
        println!();
        println!(
            "{}; pairs_runs() = {}; planted (victim <- polluter, setter or cleaner):",
            suite.title(),
            suite.arrangement.pairs_runs()
        );
        print_planted(&suite, &planted);
        println!();
        let simulations: Vec<Simulation> = Orders::ALL
            .map(|orders| Simulation::run(&suite, &planted, orders))
            .into();
        let pairs = simulations
            .iter()
            .find(|simulation| simulation.orders == Orders::Pairs)
            .expect("pairs is simulated");
        check_pairs_promise(&suite, &planted, pairs);
        print_runs_table(&simulations);
        println!();
        print_coverage_table(&suite, &planted, &simulations);
    }
}
