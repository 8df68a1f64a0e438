//! How many confirmation probes a culprit verdict needs before it is a claim worth printing.
//!
//! The verdict "the victim fails after S and passes alone" (or, for a brittle victim, "passes
//! after S and fails alone") is put to the question `chance` asks: would a test that fails at
//! random, whatever the order, have produced this evidence? The evidence is the outcome of orders
//! fixed before the search chose S (the full failing order, the victim alone), the confirmation
//! probes run after it (S then the victim, the victim alone), and the hunt's history when the
//! verdict explains every recorded run. Pure: the bisection runs the probes this asks for.

use serde::{Deserialize, Serialize};

use crate::chance::{self, Rate, Trials};

/// One recorded run as the verdict sees it: whether all of the culprits ran before the victim,
/// and whether the victim showed the outcome the verdict is about (failed, or for a brittle
/// victim passed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub culprits_before: bool,
    pub target_outcome: bool,
}

/// The trials the history adds to a verdict: None unless the verdict explains every recorded
/// run (the victim showed the outcome exactly when all the culprits ran before it). A run it
/// does not explain may hide a cleaner, or show chance at work: either way the history then
/// says nothing sure, and only fresh probes count.
pub fn history_trials(history: &[Recorded]) -> Option<Trials> {
    if history.is_empty() {
        return None;
    }
    let mut trials = Trials::default();
    for run in history {
        match (run.culprits_before, run.target_outcome) {
            (true, true) => trials.hits += 1,
            (false, false) => trials.misses += 1,
            _ => return None,
        }
    }
    Some(trials)
}

/// Everything that speaks for a culprit verdict.
#[derive(Clone, Debug, PartialEq)]
pub struct Claim {
    /// Probes of fixed orders: `hits` ran the culprits and showed the outcome, `misses` ran the
    /// victim without them and did not.
    pub fixed: Trials,
    /// The history's trials, when it explains every run.
    pub history: Option<Trials>,
    /// The victim's rate of the outcome over the recorded runs, when there are any.
    pub rate: Rate,
    /// How many candidates the search chose the culprits among.
    pub candidates: usize,
    pub culprits: usize,
}

impl Claim {
    /// The chance that a test showing the outcome at random would have produced this evidence.
    ///
    /// With a history the verdict explains, the history's runs count as trials, but the search
    /// could have ended on any set of the same size, so the chance is multiplied by the number
    /// of such sets; the rate is left free, since those runs pin it themselves. Without one,
    /// only the probes count, under the rate the history shows (or any rate).
    pub fn chance(&self) -> f64 {
        let (trials, rate, choices) = self.terms();
        (choices * chance::chance(trials, rate)).min(1.0)
    }

    /// The confirmation probes still needed: `hits` runs of the culprits then the victim,
    /// `misses` runs of the victim alone. None when no reasonable number would do.
    pub fn still_needed(&self) -> Option<Trials> {
        let (trials, rate, choices) = self.terms();
        chance::still_needed(trials, rate, choices)
    }

    fn terms(&self) -> (Trials, Rate, f64) {
        match self.history {
            Some(history) => (
                Trials {
                    hits: self.fixed.hits + history.hits,
                    misses: self.fixed.misses + history.misses,
                },
                Rate::UNKNOWN,
                // The search could have stopped at any size up to this one.
                (1..=self.culprits)
                    .map(|size| chance::choices(self.candidates, size))
                    .sum(),
            ),
            None => (self.fixed, self.rate, 1.0),
        }
    }
}

/// What the confirmation showed, as printed with `--json` and kept with the bisection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Confirmation {
    /// Runs of the culprits then the victim (the full failing order included) that showed the
    /// verdict's outcome.
    pub with_culprits: usize,
    /// Runs of the victim alone that showed the opposite outcome.
    pub alone: usize,
    /// Recorded runs the verdict explains, counted as evidence (0 when it does not explain all).
    pub history_runs: usize,
    /// Confirmation probes run after the search, within `probes`.
    pub extra_probes: usize,
    /// The chance that a test failing at random would have passed this check.
    pub chance: f64,
    /// Why this many, in a sentence.
    pub basis: String,
}

impl Confirmation {
    pub fn new(claim: &Claim, extra_probes: usize, outcome: &str) -> Confirmation {
        let history_runs = claim.history.map_or(0, |h| h.hits + h.misses);
        let chance = percent(claim.chance());
        let basis = match claim.history {
            Some(_) => {
                let sets: f64 = (1..=claim.culprits)
                    .map(|size| chance::choices(claim.candidates, size))
                    .sum();
                let sets = if sets == 1.0 {
                    "the 1 set".to_string()
                } else {
                    format!("the {sets} sets")
                };
                format!(
                    "with all {history_runs} recorded runs of the victim explained too, a victim \
                     that {outcome} at random would show this with a chance of {chance} (counting \
                     {sets} the search could have ended on)"
                )
            }
            None if claim.rate == Rate::UNKNOWN => format!(
                "a victim that {outcome} at random, at any rate, would show this with a chance of \
                 {chance}"
            ),
            None => format!(
                "a victim that {outcome} at random, at the rate its recorded runs show ({}–{}), \
                 would show this with a chance of {chance}",
                percent(claim.rate.low),
                percent(claim.rate.high),
            ),
        };
        Confirmation {
            with_culprits: claim.fixed.hits,
            alone: claim.fixed.misses,
            history_runs,
            extra_probes,
            chance: claim.chance(),
            basis,
        }
    }
}

/// A probability as a short percentage: "0.3 %", "12 %", "< 0.001 %".
pub fn percent(probability: f64) -> String {
    let value = probability * 100.0;
    if value < 0.001 {
        "< 0.001 %".to_string()
    } else if value < 1.0 {
        format!("{} %", format!("{value:.3}").trim_end_matches('0'))
    } else {
        format!("{value:.0} %")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha8Rng;
    use rand_chacha::rand_core::{Rng, SeedableRng};

    fn recorded(culprits_before: bool, target_outcome: bool) -> Recorded {
        Recorded {
            culprits_before,
            target_outcome,
        }
    }

    #[test]
    fn only_a_history_the_verdict_explains_counts() {
        let explained = [
            recorded(true, true),
            recorded(false, false),
            recorded(false, false),
        ];
        assert_eq!(
            history_trials(&explained),
            Some(Trials { hits: 1, misses: 2 })
        );
        let cleaned = [recorded(true, true), recorded(true, false)];
        assert_eq!(history_trials(&cleaned), None);
        assert_eq!(history_trials(&[]), None, "no history is no evidence");
    }

    #[test]
    fn a_deterministic_polluter_after_a_hunt_needs_no_more_probes() {
        // 20 runs: the polluter preceded the victim in the 7 where it failed, and in no other.
        let history: Vec<Recorded> = (0..20).map(|i| recorded(i < 7, i < 7)).collect();
        let claim = Claim {
            fixed: Trials { hits: 1, misses: 1 },
            history: history_trials(&history),
            rate: Rate::observed(7, 20),
            candidates: 30,
            culprits: 1,
        };
        assert_eq!(claim.still_needed(), Some(Trials::default()));
        assert!(claim.chance() < chance::DOUBT);
    }

    #[test]
    fn the_sets_the_search_could_have_ended_on_are_counted_in_words_that_agree() {
        let history: Vec<Recorded> = (0..4).map(|i| recorded(i < 2, i < 2)).collect();
        let claim = |candidates| Claim {
            fixed: Trials { hits: 1, misses: 1 },
            history: history_trials(&history),
            rate: Rate::observed(2, 4),
            candidates,
            culprits: 1,
        };
        let one = Confirmation::new(&claim(1), 0, "fails");
        assert!(
            one.basis
                .ends_with("(counting the 1 set the search could have ended on)"),
            "{}",
            one.basis
        );
        let three = Confirmation::new(&claim(3), 0, "fails");
        assert!(
            three
                .basis
                .ends_with("(counting the 3 sets the search could have ended on)"),
            "{}",
            three.basis
        );
    }

    #[test]
    fn a_cold_bisection_confirms_until_chance_is_ruled_out() {
        let claim = Claim {
            fixed: Trials { hits: 1, misses: 1 },
            history: None,
            rate: Rate::UNKNOWN,
            candidates: 400,
            culprits: 1,
        };
        let extra = claim.still_needed().unwrap();
        assert_eq!(extra.hits + extra.misses, 5);
    }

    /// The check itself, simulated: a victim failing 30 % of the time whatever ran before it,
    /// bisected after a 20-run hunt, with the culprits the search happened to end on. The
    /// confirmation must pass it in fewer than 1 % of tries.
    #[test]
    fn a_random_failure_passes_the_confirmation_less_than_once_in_a_hundred() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut fails = || rng.next_u32() % 100 < 30;
        let tries = 20_000;
        let mut blamed = 0;
        for _ in 0..tries {
            let hunt_failures = (0..20).filter(|_| fails()).count();
            // The search's fixed probes: the full order failed (else no search), alone passed.
            if !fails() || fails() {
                continue;
            }
            let mut claim = Claim {
                fixed: Trials { hits: 1, misses: 1 },
                // A history picked by noise is not explained by the set the search ended on.
                history: None,
                rate: Rate::observed(hunt_failures, 20),
                candidates: 50,
                culprits: 1,
            };
            let mut believed = false;
            while let Some(extra) = claim.still_needed() {
                if extra == Trials::default() {
                    believed = true;
                    break;
                }
                let with = (0..extra.hits).all(|_| fails());
                let alone = (0..extra.misses).all(|_| !fails());
                if !(with && alone) {
                    break;
                }
                claim.fixed.hits += extra.hits;
                claim.fixed.misses += extra.misses;
            }
            blamed += usize::from(believed);
        }
        assert!(
            (blamed as f64) < 0.01 * tries as f64,
            "blamed innocents in {blamed} of {tries} tries"
        );
    }

    /// The same, after a hunt: 10 recorded runs of 6 tests in random orders, the victim failing
    /// 30 % of the time whatever the order. The bisection searches the latest failing run, which
    /// therefore counts for nothing, and ends, at worst, on any set of one or two of the tests
    /// before the victim that happens to fit every other run (the search is steered by the
    /// history, so it finds such a set when there is one).
    #[test]
    fn a_random_failure_that_happens_to_fit_the_history_is_still_not_blamed() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let roll = |rng: &mut ChaCha8Rng, percent: u32| rng.next_u32() % 100 < percent;
        let tries = 20_000;
        let mut blamed = 0;
        for _ in 0..tries {
            let mut runs: Vec<(Vec<usize>, bool)> = Vec::new();
            for _ in 0..10 {
                let mut order: Vec<usize> = (0..6).collect();
                for i in (1..order.len()).rev() {
                    order.swap(i, rng.next_u32() as usize % (i + 1));
                }
                runs.push((order, roll(&mut rng, 30)));
            }
            let Some(latest) = runs.iter().rposition(|(_, failed)| *failed) else {
                continue;
            };
            let (failing, _) = runs.remove(latest);
            let victim = 5;
            let candidates: Vec<usize> = failing
                .iter()
                .take_while(|&&t| t != victim)
                .copied()
                .collect();
            let before = |order: &[usize], set: &[usize]| {
                let at = order.iter().position(|&t| t == victim).unwrap();
                set.iter().all(|t| order[..at].contains(t))
            };
            let mut sets: Vec<Vec<usize>> = candidates.iter().map(|&c| vec![c]).collect();
            for (i, &a) in candidates.iter().enumerate() {
                sets.extend(candidates[i + 1..].iter().map(|&b| vec![a, b]));
            }
            let Some((set, history)) = sets.into_iter().find_map(|set| {
                let recorded: Vec<Recorded> = runs
                    .iter()
                    .map(|(order, failed)| recorded(before(order, &set), *failed))
                    .collect();
                history_trials(&recorded).map(|trials| (set, trials))
            }) else {
                continue;
            };
            // The search's fixed probes: the full order failed again, the victim alone passed.
            if !roll(&mut rng, 30) || roll(&mut rng, 30) {
                continue;
            }
            let failures = runs.iter().filter(|(_, failed)| *failed).count();
            let mut claim = Claim {
                fixed: Trials { hits: 1, misses: 1 },
                history: Some(history),
                rate: Rate::observed(failures, runs.len()),
                candidates: candidates.len(),
                culprits: set.len(),
            };
            let believed = loop {
                match claim.still_needed() {
                    None => break false,
                    Some(extra) if extra == Trials::default() => break true,
                    Some(extra) => {
                        let with = (0..extra.hits).all(|_| roll(&mut rng, 30));
                        let alone = (0..extra.misses).all(|_| !roll(&mut rng, 30));
                        if !(with && alone) {
                            break false;
                        }
                        claim.fixed.hits += extra.hits;
                        claim.fixed.misses += extra.misses;
                    }
                }
            };
            blamed += usize::from(believed);
        }
        eprintln!("blamed innocents in {blamed} of {tries} tries");
        assert!(
            (blamed as f64) < 0.01 * tries as f64,
            "blamed innocents in {blamed} of {tries} tries"
        );
    }

    #[test]
    fn percentages_are_short() {
        assert_eq!(percent(0.003), "0.3 %");
        assert_eq!(percent(0.12), "12 %");
        assert_eq!(percent(1e-9), "< 0.001 %");
    }
}
