//! What a bisection costs in suite runs, on simulated suites: `cargo bench --bench probes`.
//!
//! Counts probes and rounds, never time: a real probe runs a test suite, so the number of probes
//! is the cost. Each case plants its culprits at several places in a failing order of n tests,
//! bisects it without history and with the ranking a short simulated hunt gives, with one job
//! and with four, and checks that the answer is the planted one.

use bleed::ddmin::{Options, Prober, Verdict, bisect};
use bleed::rank::{PastRun, Ranking, rank};
use bleed::seed::{run_seed, shuffle};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

const SIZES: [usize; 4] = [10, 100, 1_000, 10_000];
const PLACEMENTS: usize = 12;
const HUNT_RUNS: u64 = 20;
const MASTER_SEED: u64 = 19497;

/// Why the victim fails, over the candidates that ran before it, in their run order.
enum Cause {
    /// Every one of these ran before it.
    AllOf(Vec<usize>),
    /// Two polluters with a cleaner between them in the failing order: the victim fails when
    /// the last of the three to run before it was a polluter.
    CleanerBetween {
        first: usize,
        cleaner: usize,
        second: usize,
    },
}

impl Cause {
    fn fails(&self, before_victim: &[usize]) -> bool {
        match self {
            Cause::AllOf(culprits) => culprits.iter().all(|c| before_victim.contains(c)),
            Cause::CleanerBetween {
                first,
                cleaner,
                second,
            } => before_victim
                .iter()
                .rev()
                .find(|&t| t == first || t == cleaner || t == second)
                .is_some_and(|t| t != cleaner),
        }
    }

    /// Whether a bisection found what was planted.
    fn is_answer(&self, set: &[usize]) -> bool {
        match self {
            Cause::AllOf(culprits) => set == culprits.as_slice(),
            Cause::CleanerBetween { first, second, .. } => set == [*first] || set == [*second],
        }
    }
}

/// A failing order's candidates `0..n`, run as the prober is told.
struct SimulatedSuite<'a> {
    cause: &'a Cause,
}

impl Prober for SimulatedSuite<'_> {
    fn probe(&mut self, subsets: &[Vec<usize>]) -> Vec<bool> {
        subsets.iter().map(|s| self.cause.fails(s)).collect()
    }
}

#[derive(Clone, Copy)]
enum Case {
    Single,
    Pair,
    Triple,
    PolluterAndCleaner,
}

impl Case {
    fn name(self) -> &'static str {
        match self {
            Case::Single => "single polluter",
            Case::Pair => "pair (AND)",
            Case::Triple => "triple (AND)",
            Case::PolluterAndCleaner => "polluter+cleaner",
        }
    }

    /// The `placement`-th planting in an order of `n`: single polluters spread evenly from
    /// first to last, the others at places drawn from a fixed seed.
    fn plant(self, n: usize, placement: usize, rng: &mut ChaCha8Rng) -> Cause {
        let mut distinct = |count: usize| {
            let mut picked: Vec<usize> = Vec::new();
            while picked.len() < count {
                let test = (rng.next_u64() % n as u64) as usize;
                if !picked.contains(&test) {
                    picked.push(test);
                }
            }
            picked.sort_unstable();
            picked
        };
        match self {
            Case::Single => Cause::AllOf(vec![placement * (n - 1) / (PLACEMENTS - 1)]),
            Case::Pair => Cause::AllOf(distinct(2)),
            Case::Triple => Cause::AllOf(distinct(3)),
            Case::PolluterAndCleaner => {
                let places = distinct(3);
                Cause::CleanerBetween {
                    first: places[0],
                    cleaner: places[1],
                    second: places[2],
                }
            }
        }
    }
}

/// The ranking a hunt of `HUNT_RUNS` shuffled runs of all n tests plus the victim would give,
/// the failing order itself among them.
fn ranking_from_hunt(n: usize, cause: &Cause, placement: usize) -> Ranking {
    let name = |test: usize| {
        if test == n {
            "victim".to_owned()
        } else {
            format!("t{test}")
        }
    };
    let failing_order: Vec<usize> = (0..=n).collect();
    let mut orders = vec![failing_order];
    let master = MASTER_SEED + placement as u64;
    for run in 0..HUNT_RUNS {
        let mut order: Vec<usize> = (0..=n).collect();
        shuffle(&mut order, run_seed(master, run));
        orders.push(order);
    }
    let runs: Vec<(Vec<String>, bool)> = orders
        .iter()
        .map(|order| {
            let victim_at = order.iter().position(|&t| t == n).expect("the victim ran");
            let failed = cause.fails(&order[..victim_at]);
            (order.iter().map(|&t| name(t)).collect(), failed)
        })
        .collect();
    let history: Vec<PastRun> = runs
        .iter()
        .map(|(order, failed)| PastRun {
            order,
            victim_failed: *failed,
        })
        .collect();
    let candidates: Vec<String> = (0..n).map(name).collect();
    rank(&candidates, "victim", &history)
}

/// Probes and rounds over the placements of one configuration.
#[derive(Default)]
struct Tally {
    probes: Vec<usize>,
    rounds: Vec<usize>,
    found: usize,
}

impl Tally {
    fn add(&mut self, cause: &Cause, n: usize, options: &Options) {
        let bisection = bisect(n, options, &mut SimulatedSuite { cause });
        self.probes.push(bisection.probes);
        self.rounds.push(bisection.rounds);
        if let Verdict::Minimal { set } = &bisection.verdict
            && cause.is_answer(set)
        {
            self.found += 1;
        }
    }
}

fn mean(values: &[usize]) -> f64 {
    values.iter().sum::<usize>() as f64 / values.len() as f64
}

fn max(values: &[usize]) -> usize {
    values.iter().copied().max().unwrap_or(0)
}

fn main() {
    println!(
        "Probes per bisection over {PLACEMENTS} placements of the culprits, counting \
         reproduction, isolation and confirmation;"
    );
    println!(
        "no noise, retries 0. \"ranked\": ranking from a simulated hunt of {HUNT_RUNS} shuffled \
         runs plus the failing one."
    );
    println!();
    let groups = format!(
        "{:<18} {:>6} {:>8}  {:<7}  {:^15}  {:^15}  {:^15}",
        "", "", "", "", "jobs = 1", "jobs = 4", "jobs = 4"
    );
    println!("{}", groups.trim_end());
    println!(
        "{:<18} {:>6} {:>8}  {:<7}  {:^15}  {:^15}  {:^15}  {:>5}",
        "case",
        "n",
        "⌈log2 n⌉",
        "history",
        "probes mean/max",
        "probes mean/max",
        "rounds mean/max",
        "found"
    );
    let cases = [
        Case::Single,
        Case::Pair,
        Case::Triple,
        Case::PolluterAndCleaner,
    ];
    for case in cases {
        for n in SIZES {
            let mut rng = ChaCha8Rng::seed_from_u64(MASTER_SEED ^ n as u64);
            let causes: Vec<Cause> = (0..PLACEMENTS)
                .map(|placement| case.plant(n, placement, &mut rng))
                .collect();
            for ranked in [false, true] {
                let mut serial = Tally::default();
                let mut parallel = Tally::default();
                for (placement, cause) in causes.iter().enumerate() {
                    let ranking = ranked.then(|| ranking_from_hunt(n, cause, placement));
                    for (jobs, tally) in [(1, &mut serial), (4, &mut parallel)] {
                        let options = Options {
                            jobs,
                            retries: 0,
                            ranking: ranking.clone(),
                        };
                        tally.add(cause, n, &options);
                    }
                }
                println!(
                    "{:<18} {:>6} {:>8}  {:<7}  {:>8.1} / {:<4}  {:>8.1} / {:<4}  {:>8.1} / {:<4}  {:>2}/{:<2}",
                    case.name(),
                    n,
                    n.next_power_of_two().trailing_zeros(),
                    if ranked { "ranked" } else { "none" },
                    mean(&serial.probes),
                    max(&serial.probes),
                    mean(&parallel.probes),
                    max(&parallel.probes),
                    mean(&parallel.rounds),
                    max(&parallel.rounds),
                    serial.found.min(parallel.found),
                    PLACEMENTS,
                );
            }
        }
    }
}
