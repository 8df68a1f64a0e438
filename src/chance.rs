//! Could chance alone have produced this evidence? The arithmetic behind every verdict that
//! names a culprit or a kind.
//!
//! The doubt is always the same alternative: the test fails at random, at some rate `p`,
//! whatever ran before it. A claim such as "it fails after S and passes without S" is then
//! backed by trials of two sorts: runs where the claim predicted a failure and the test failed
//! (`hits`), and runs where it predicted a pass and the test passed (`misses`). A test failing at
//! random at rate `p` produces that record with probability `p^hits · (1 − p)^misses`. Only
//! trials on orders fixed in advance count: a set that the search picked *because* it failed
//! once is no evidence of itself.
//!
//! `p` is rarely known. When the hunt saw the test, its failure rate bounds `p` (a Wilson
//! interval, so that a few runs do not pin it too tightly); otherwise every `p` is possible.
//! The chance of a claim is the worst case over the allowed `p`, times the number of claims the
//! evidence could have picked among (a Bonferroni bound: with 400 candidates, one of them fits
//! by luck 400 times as often as a given one). A claim is believed once that chance is below
//! `DOUBT`.

use serde::Serialize;

/// The chance below which a claim is believed: 1 %.
pub const DOUBT: f64 = 0.01;

/// The most extra trials a confirmation plan may ask for: past it, the evidence is better read
/// as "this test is mostly random" than collected further.
pub const MAX_TRIALS: usize = 40;

/// Trials for a claim, counted on orders fixed in advance.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Trials {
    /// The claim predicted a failure, and the test failed.
    pub hits: usize,
    /// The claim predicted a pass, and the test passed.
    pub misses: usize,
}

/// What is known of the rate at which the test might fail at random.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rate {
    pub low: f64,
    pub high: f64,
}

impl Rate {
    /// Nothing is known: any rate from 0 to 1.
    pub const UNKNOWN: Rate = Rate {
        low: 0.0,
        high: 1.0,
    };

    /// The rate a test failed at over `runs` runs, widened to its 95 % Wilson interval.
    pub fn observed(failures: usize, runs: usize) -> Rate {
        if runs == 0 {
            return Rate::UNKNOWN;
        }
        let n = runs as f64;
        let phat = failures as f64 / n;
        let z = 1.96_f64;
        let z2 = z * z;
        let centre = (phat + z2 / (2.0 * n)) / (1.0 + z2 / n);
        let half = z * ((phat * (1.0 - phat) + z2 / (4.0 * n)) / n).sqrt() / (1.0 + z2 / n);
        Rate {
            low: (centre - half).max(0.0),
            high: (centre + half).min(1.0),
        }
    }
}

/// The worst-case probability, over the rates allowed, that a test failing at random produces
/// `trials`: `max p^hits (1 − p)^misses`, reached at `p = hits / (hits + misses)` clamped to
/// the allowed rates.
pub fn chance(trials: Trials, rate: Rate) -> f64 {
    let (hits, misses) = (trials.hits as f64, trials.misses as f64);
    if hits + misses == 0.0 {
        return 1.0;
    }
    let p = (hits / (hits + misses)).clamp(rate.low, rate.high);
    let term = |count: f64, probability: f64| {
        if count == 0.0 {
            0.0
        } else if probability <= 0.0 {
            f64::NEG_INFINITY
        } else {
            count * probability.ln()
        }
    };
    (term(hits, p) + term(misses, 1.0 - p)).exp()
}

/// Whether `trials` back a claim picked among `choices` alternatives beyond reasonable doubt.
pub fn believed(trials: Trials, rate: Rate, choices: f64) -> bool {
    choices.max(1.0) * chance(trials, rate) < DOUBT
}

/// The fewest extra trials — `hits` more runs where the claim predicts a failure, `misses` more
/// where it predicts a pass — after which `trials`, all coming out as predicted, would be
/// believed. Of the plans with the fewest trials, the one leaving the least chance. None when
/// more than `MAX_TRIALS` would be needed.
pub fn still_needed(trials: Trials, rate: Rate, choices: f64) -> Option<Trials> {
    for total in 0..=MAX_TRIALS {
        let best = (0..=total)
            .map(|hits| Trials {
                hits,
                misses: total - hits,
            })
            .map(|extra| {
                let after = Trials {
                    hits: trials.hits + extra.hits,
                    misses: trials.misses + extra.misses,
                };
                (chance(after, rate), extra)
            })
            .filter(|(_, extra)| {
                believed(
                    Trials {
                        hits: trials.hits + extra.hits,
                        misses: trials.misses + extra.misses,
                    },
                    rate,
                    choices,
                )
            })
            .min_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((_, extra)) = best {
            return Some(extra);
        }
    }
    None
}

/// How many sets of `size` tests there are among `candidates`: the alternatives a search over
/// them could have ended on.
pub fn choices(candidates: usize, size: usize) -> f64 {
    let size = size.min(candidates);
    (0..size).fold(1.0, |acc, i| acc * (candidates - i) as f64 / (i + 1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trials(hits: usize, misses: usize) -> Trials {
        Trials { hits, misses }
    }

    #[test]
    fn a_known_rate_is_the_chance_of_each_trial() {
        let rate = Rate {
            low: 0.3,
            high: 0.3,
        };
        assert!((chance(trials(4, 0), rate) - 0.3f64.powi(4)).abs() < 1e-12);
        assert!((chance(trials(1, 2), rate) - 0.3 * 0.7 * 0.7).abs() < 1e-12);
    }

    #[test]
    fn an_unknown_rate_takes_the_worst_case() {
        // Failing every time fits a test that always fails: no evidence at all.
        assert_eq!(chance(trials(5, 0), Rate::UNKNOWN), 1.0);
        assert_eq!(chance(trials(0, 5), Rate::UNKNOWN), 1.0);
        assert!((chance(trials(1, 1), Rate::UNKNOWN) - 0.25).abs() < 1e-12);
        assert!((chance(trials(4, 4), Rate::UNKNOWN) - 0.5f64.powi(8)).abs() < 1e-12);
    }

    #[test]
    fn a_victim_failing_thirty_percent_at_random_needs_four_failures_after_its_suspects() {
        // The hunt saw it fail in 6 of 20 runs.
        let rate = Rate::observed(6, 20);
        assert!(rate.low < 0.3 && 0.3 < rate.high);
        // One reproduction and one pass alone come from the search's fixed probes.
        let extra = still_needed(trials(1, 1), rate, 1.0).unwrap();
        let after = trials(1 + extra.hits, 1 + extra.misses);
        assert!(believed(after, rate, 1.0));
        assert!(extra.hits + extra.misses <= 6, "{extra:?}");
        // Fewer would not do.
        for fewer in 0..extra.hits + extra.misses {
            for hits in 0..=fewer {
                assert!(!believed(trials(1 + hits, 1 + fewer - hits), rate, 1.0));
            }
        }
    }

    #[test]
    fn without_a_rate_a_balanced_check_of_seven_trials_is_needed() {
        let extra = still_needed(trials(0, 0), Rate::UNKNOWN, 1.0).unwrap();
        assert_eq!(extra.hits + extra.misses, 7);
        assert!(extra.hits.abs_diff(extra.misses) <= 1);
    }

    #[test]
    fn a_long_consistent_history_needs_no_more_trials_even_among_many_candidates() {
        // 6 failing runs all had the suspect first, 14 passing runs did not.
        assert_eq!(
            still_needed(trials(6, 14), Rate::UNKNOWN, choices(400, 1)),
            Some(trials(0, 0))
        );
        // Two runs prove nothing among 400 candidates.
        assert!(!believed(trials(1, 1), Rate::UNKNOWN, choices(400, 1)));
    }

    #[test]
    fn a_test_that_nearly_always_fails_is_cleared_by_passing_alone() {
        let rate = Rate::observed(199, 200);
        assert_eq!(still_needed(trials(0, 0), rate, 1.0), Some(trials(0, 2)));
    }

    #[test]
    fn past_the_trial_limit_there_is_no_plan() {
        assert_eq!(still_needed(trials(0, 0), Rate::UNKNOWN, 1e30), None);
    }

    #[test]
    fn choices_count_sets() {
        assert_eq!(choices(10, 0), 1.0);
        assert_eq!(choices(10, 1), 10.0);
        assert_eq!(choices(10, 2), 45.0);
        assert_eq!(choices(3, 5), 1.0);
    }
}
