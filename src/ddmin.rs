//! Delta debugging: from a failing order down to the few tests that make the victim fail.
//!
//! The answer has Zeller & Hildebrandt's ddmin guarantee — it reproduces, and removing any one
//! test makes the failure vanish (1-minimal) — but the search is built for the common case of
//! one polluter, where ddmin may probe both halves at every level and adds complements whenever
//! a conjunction is split:
//!
//! 1. Reproduce the full order, then run the victim alone. With `jobs` > 1 both share the first
//!    round, and its spare slots start step 2 or 3 on the bet that the order reproduces.
//! 2. With a ranking, probe first the group of candidates that history could not clear (a
//!    lone polluter preceded the victim in every failing run): its prefix of the search order
//!    reproducing bounds the search to it, so a tied module costs log2 of its size, and a lone
//!    suspect that reproduces is already a verified 1-minimal answer.
//! 3. Find the needed tests one at a time: the shortest prefix of the candidates (in search
//!    order) that still reproduces together with the tests already known to be needed ends in a
//!    needed test. A (jobs + 1)-ary search finds that prefix; once a few tests are left they are
//!    tried singly, and when the others do not reproduce the last one is assumed, so that its
//!    confirmation is its only probe (optimistic halving). One polluter thus costs at most
//!    ⌈log2 n⌉ + 3 probes in all with one job and no retries.
//!    Each further test of a conjunction is searched for in the shorter list before the last one.
//! 4. Verify 1-minimality: each one-smaller set is probed. If one reproduces — a cleaner or a
//!    re-polluter made the suite non-monotone, or noise misled the search — start again from it.
//!
//! Probes come in two strengths. Steering probes run once: a lost reproduction there only costs
//! a detour, which step 4 corrects. Probes the verdict rests on (full order, victim alone,
//! one-smaller sets) are settled: a non-reproduction is believed only after `retries` more tries,
//! while a reproduction on any try is believed at once, since noise makes failures vanish far
//! more often than appear. The final set is therefore confirmed by having reproduced itself,
//! never by inference.

use std::collections::HashMap;
use std::ops::Range;

use crate::rank::Ranking;

/// Runs probes for the search.
pub trait Prober {
    /// Runs one round: up to `jobs` subsets that may run in parallel. Each subset holds sorted
    /// candidate indices, run in that order and followed by the victim. Returns one bool per
    /// subset: true = the target outcome reproduced (for polluters: the victim failed).
    fn probe(&mut self, subsets: &[Vec<usize>]) -> Vec<bool>;

    /// True once the user asked to stop (Ctrl-C). Asked before and after every round; a round
    /// that ends interrupted is discarded, because a killed run says nothing about the order.
    fn interrupted(&self) -> bool {
        false
    }
}

/// How to search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// How many probes a round may hold; 0 is taken as 1.
    pub jobs: usize,
    /// How many more times a probe that did NOT reproduce is repeated before it is believed.
    pub retries: usize,
    /// Candidates by suspicion (see `rank`). It only reorders the search: out-of-range and
    /// repeated indices are ignored, missing ones are searched last.
    pub ranking: Option<Ranking>,
}

/// What the search concluded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The polluters (sorted candidate indices): the set reproduced, and removing any one of them
    /// made the failure vanish on every try.
    Minimal { set: Vec<usize> },
    /// The full order did not reproduce on any of `tries` tries: not order-dependent (NOD).
    NotReproduced { tries: usize },
    /// The victim shows the target outcome with no candidates before it.
    Alone,
    /// One and the same order, `set` before the victim, both reproduced and did not: the outcome
    /// does not follow from the order (NOD), so the search stopped there. With `retries` asked
    /// for, the set the search ends on must reproduce again on a fresh try, or it ends so too.
    NonDeterministic { set: Vec<usize>, seen: Counts },
    /// The prober reported an interruption. `smallest_failing` is the smallest set seen to
    /// reproduce so far (a reproducer to show the user), if any did.
    Interrupted {
        smallest_failing: Option<Vec<usize>>,
    },
}

/// What the probes of one subset showed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub reproduced: usize,
    pub vanished: usize,
}

/// The result of `bisect` and what it cost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bisection {
    pub verdict: Verdict,
    /// What the full order and the victim alone showed: orders fixed before the search began,
    /// so their outcomes are evidence for the verdict, unlike those of the subsets it chose.
    pub full: Counts,
    pub alone: Counts,
    /// Every subset run, including reproduction, isolation, confirmations and retries.
    pub probes: usize,
    /// How many times the prober was called.
    pub rounds: usize,
}

/// The whole search over the candidates `0..n` that preceded the victim in the failing order:
/// reproduce the full order, run the victim alone, minimize, verify.
pub fn bisect(n: usize, options: &Options, prober: &mut dyn Prober) -> Bisection {
    let mut session = Session::new(prober, options.jobs, options.retries);
    session.stop_on_contradiction = true;
    let verdict = match search(n, options.ranking.as_ref(), &mut session) {
        Ok(verdict) => verdict,
        Err(Stop::Interrupted) => Verdict::Interrupted {
            smallest_failing: session.smallest_reproducing.clone(),
        },
        Err(Stop::Contradicted(set)) => Verdict::NonDeterministic {
            seen: session.counts(&set),
            set,
        },
    };
    Bisection {
        verdict,
        full: session.counts(&(0..n).collect::<Vec<_>>()),
        alone: session.counts(&[]),
        probes: session.probes,
        rounds: session.rounds,
    }
}

/// Below this many candidates, `find_cleaners` is cheap enough to run whole.
const WORTH_SAMPLING: usize = 8;

/// Whether every candidate looks like a cleaner: the victim fails only right after its
/// polluters, and any test between them undoes the pollution (a connection the next test
/// closes). Searching such a suite for cleaners would probe every candidate alone, twice; a
/// sample spread over the candidates (the first, the middle and the last), each believed only
/// after `retries` more tries, says it in a handful of probes. Returns the sample when every one
/// of it cleaned (None when one kept the failure, or there are too few candidates to bother),
/// and the probes made. `prober` is as for `find_cleaners`.
pub fn every_one_cleans(
    candidates: usize,
    jobs: usize,
    retries: usize,
    prober: &mut dyn Prober,
) -> (Option<Vec<usize>>, usize) {
    if candidates < WORTH_SAMPLING {
        return (None, 0);
    }
    let sample = vec![0, candidates / 2, candidates - 1];
    let mut session = Session::new(prober, jobs, retries);
    let singles: Vec<Vec<usize>> = sample.iter().map(|&c| vec![c]).collect();
    let all_cleaned = matches!(session.settle(&singles), Ok(None));
    (all_cleaned.then_some(sample), session.probes)
}

/// Cleaners: among `candidates` (indices into some caller list), those that, placed between the
/// polluters and the victim, make the failure vanish. `prober.probe` receives sorted subsets of
/// candidate indices (each run as polluters + subset + victim by the caller) and answers true
/// when the failure STILL reproduces. Returns the sorted cleaners and the number of probes.
///
/// Binary splitting (adaptive group testing): the untested candidates are probed together as a
/// pool, and a pool that keeps the failure holds no cleaner. A group that cleans is halved until
/// a cleaner is isolated: a half that keeps the failure is cleared whole, and then the other
/// half is assumed to hold the cleaner without a probe of its own; when the probed half cleans
/// instead, the other half goes back to the pool. So no cleaner costs one probe and each cleaner
/// about log2(n) + 2 more. With `jobs` > 1 a suspect group is cut into as many parts as the
/// round has room for.
///
/// This assumes a group keeps the failure exactly when it holds no cleaner: each cleaner cleans
/// alone, and nothing in its group undoes its work. A cleaner canceled by a re-polluter in its
/// group can therefore be missed, but nothing is reported that did not make the failure vanish
/// when probed alone. Every probe runs once: a caller whose suite is noisy should repeat a
/// probe that lost the failure inside its prober, since noise would make a test look like a
/// cleaner. On interruption, the cleaners verified so far are returned.
pub fn find_cleaners(
    candidates: usize,
    jobs: usize,
    retries: usize,
    prober: &mut dyn Prober,
) -> (Vec<usize>, usize) {
    let mut session = Session::new(prober, jobs, retries);
    let mut cleaners = Vec::new();
    let mut pool: Vec<usize> = (0..candidates).collect();
    // Groups believed to hold a cleaner. A single test here was inferred, never probed alone.
    let mut suspects: Vec<Vec<usize>> = Vec::new();
    while !suspects.is_empty() || !pool.is_empty() {
        let mut plans = Vec::new();
        let mut waiting = Vec::new();
        let mut budget = session.jobs;
        let groups = suspects.len();
        for (index, group) in suspects.drain(..).enumerate() {
            if budget == 0 {
                waiting.push(group);
                continue;
            }
            // Share the round so every suspect advances, cutting finer when slots are spare.
            let share = (budget / (groups - index)).max(1);
            let plan = Plan::for_suspect(group, share);
            budget -= plan.probed.len();
            plans.push(plan);
        }
        // The pool waits for a free slot: it only collects what is probably clean.
        if budget > 0 && !pool.is_empty() {
            pool.sort_unstable();
            plans.push(Plan {
                probed: vec![std::mem::take(&mut pool)],
                unprobed: None,
            });
        }
        let subsets: Vec<Vec<usize>> = plans.iter().flat_map(|plan| plan.probed.clone()).collect();
        let Ok(still_reproduces) = session.glance(&subsets) else {
            break;
        };
        let mut outcomes = still_reproduces.into_iter();
        for plan in plans {
            let mut any_cleaned = false;
            for part in plan.probed {
                if outcomes.next() == Some(false) {
                    any_cleaned = true;
                    if let [cleaner] = part[..] {
                        cleaners.push(cleaner);
                    } else {
                        waiting.push(part);
                    }
                }
            }
            if let Some(rest) = plan.unprobed {
                if any_cleaned {
                    pool.extend(rest);
                } else {
                    // Every probed part kept the failure, so the cleaner that made the whole
                    // group clean must be in the rest.
                    waiting.push(rest);
                }
            }
        }
        suspects = waiting;
    }
    // A vanished failure is believed, as everywhere, only after `retries` more tries: in a
    // noisy suite failures vanish now and then whatever ran before the victim.
    let mut believed = Vec::new();
    for cleaner in cleaners {
        match session.settle(&[vec![cleaner]]) {
            Ok(None) => believed.push(cleaner),
            Ok(Some(_)) => {}
            Err(_) => break,
        }
    }
    believed.sort_unstable();
    (believed, session.probes)
}

/// One group's share of a round in `find_cleaners`.
struct Plan {
    probed: Vec<Vec<usize>>,
    /// The last part of a suspect group: it holds the cleaner if no probed part does.
    unprobed: Option<Vec<usize>>,
}

impl Plan {
    fn for_suspect(group: Vec<usize>, share: usize) -> Self {
        if group.len() == 1 {
            return Plan {
                probed: vec![group],
                unprobed: None,
            };
        }
        let parts = (share + 1).min(group.len());
        let mut probed: Vec<Vec<usize>> = (0..parts)
            .map(|j| group[group.len() * j / parts..group.len() * (j + 1) / parts].to_vec())
            .collect();
        let unprobed = probed.pop();
        Plan { probed, unprobed }
    }
}

/// Why the search stopped early; it unwinds through `?` back to `bisect`.
enum Stop {
    /// The user asked to stop.
    Interrupted,
    /// This subset both reproduced and did not.
    Contradicted(Vec<usize>),
}

/// The prober plus what every subset has shown, so no subset is run twice unless a belief
/// needs another try.
struct Session<'p> {
    prober: &'p mut dyn Prober,
    jobs: usize,
    tries_to_believe: usize,
    probes: usize,
    rounds: usize,
    seen: HashMap<Vec<usize>, Counts>,
    smallest_reproducing: Option<Vec<usize>>,
    /// The search's verdicts rest on each order giving one outcome; the cleaner search only
    /// believes the cleaners whose every try cleaned.
    stop_on_contradiction: bool,
    contradicted: Option<Vec<usize>>,
}

impl<'p> Session<'p> {
    fn new(prober: &'p mut dyn Prober, jobs: usize, retries: usize) -> Self {
        Session {
            prober,
            jobs: jobs.max(1),
            tries_to_believe: retries + 1,
            probes: 0,
            rounds: 0,
            seen: HashMap::new(),
            smallest_reproducing: None,
            stop_on_contradiction: false,
            contradicted: None,
        }
    }

    fn counts(&self, subset: &[usize]) -> Counts {
        self.seen.get(subset).copied().unwrap_or_default()
    }

    /// One call to the prober, counted; copies of a subset are extra tries.
    fn call(&mut self, subsets: &[Vec<usize>]) -> Result<Vec<bool>, Stop> {
        debug_assert!(!subsets.is_empty() && subsets.len() <= self.jobs);
        if self.prober.interrupted() {
            return Err(Stop::Interrupted);
        }
        let outcomes = self.prober.probe(subsets);
        self.probes += subsets.len();
        self.rounds += 1;
        if self.prober.interrupted() {
            return Err(Stop::Interrupted);
        }
        assert_eq!(
            outcomes.len(),
            subsets.len(),
            "a prober answers every subset of its round"
        );
        Ok(outcomes)
    }

    /// One round whose outcomes join what is known of each subset.
    fn round(&mut self, subsets: Vec<Vec<usize>>) -> Result<(), Stop> {
        let outcomes = self.call(&subsets)?;
        for (subset, reproduced) in subsets.into_iter().zip(outcomes) {
            self.record(subset, reproduced);
        }
        match self.contradicted.take() {
            Some(set) if self.stop_on_contradiction => Err(Stop::Contradicted(set)),
            _ => Ok(()),
        }
    }

    /// Runs `subset` afresh, up to `times` times, until it reproduces again. The answer rests
    /// on one reproduction seen during the search; when the suite is noisy that is not enough,
    /// since a failure that comes at random also comes, now and then, after whatever ran before
    /// it. Seen twice, it is believed; true with no tries asked for.
    fn confirm(&mut self, subset: &[usize], times: usize) -> Result<bool, Stop> {
        let mut left = times;
        if left == 0 {
            return Ok(true);
        }
        while left > 0 {
            let batch = left.min(self.jobs);
            let outcomes = self.call(&vec![subset.to_vec(); batch])?;
            for &reproduced in &outcomes {
                self.record(subset.to_vec(), reproduced);
            }
            if outcomes.contains(&true) {
                return Ok(true);
            }
            left -= batch;
        }
        Ok(false)
    }

    fn record(&mut self, subset: Vec<usize>, reproduced: bool) {
        if reproduced
            && self
                .smallest_reproducing
                .as_ref()
                .is_none_or(|smallest| subset.len() < smallest.len())
        {
            self.smallest_reproducing = Some(subset.clone());
        }
        let counts = self.seen.entry(subset.clone()).or_default();
        if reproduced {
            counts.reproduced += 1;
        } else {
            counts.vanished += 1;
        }
        if counts.reproduced > 0 && counts.vanished > 0 && self.contradicted.is_none() {
            self.contradicted = Some(subset);
        }
    }

    fn reproduced(&self, subset: &[usize]) -> bool {
        self.counts(subset).reproduced > 0
    }

    /// How many tries the belief about `subset` rests on: one reproduction is enough.
    fn tries(&self, subset: &[usize]) -> usize {
        match self.counts(subset) {
            Counts {
                reproduced: 0,
                vanished,
            } => vanished,
            _ => 1,
        }
    }

    /// Steering: every subset seen at least once; what was already seen is not run again.
    fn glance(&mut self, subsets: &[Vec<usize>]) -> Result<Vec<bool>, Stop> {
        let mut unseen: Vec<Vec<usize>> = Vec::new();
        for subset in subsets {
            if !self.seen.contains_key(subset) && !unseen.contains(subset) {
                unseen.push(subset.clone());
            }
        }
        for chunk in unseen.chunks(self.jobs) {
            self.round(chunk.to_vec())?;
        }
        Ok(subsets.iter().map(|s| self.reproduced(s)).collect())
    }

    /// Belief: tries the subsets until one reproduces (its index is returned at once, the rest
    /// no longer matter to the caller) or every one has failed to on all its tries (`None`).
    /// Each round gives every unsettled subset one more try before any gets two, and spends
    /// spare slots on further tries, which are likely needed: a set that has not reproduced
    /// once seldom does on the next try.
    fn settle(&mut self, subsets: &[Vec<usize>]) -> Result<Option<usize>, Stop> {
        loop {
            if let Some(index) = subsets.iter().position(|s| self.reproduced(s)) {
                return Ok(Some(index));
            }
            let mut owed: Vec<(&Vec<usize>, usize)> = Vec::new();
            for subset in subsets {
                let missing = self.tries_to_believe.saturating_sub(self.tries(subset));
                if missing > 0 && !owed.iter().any(|(s, _)| *s == subset) {
                    owed.push((subset, missing));
                }
            }
            if owed.is_empty() {
                return Ok(None);
            }
            let most = owed.iter().map(|&(_, missing)| missing).max().unwrap_or(0);
            let mut batch = Vec::new();
            for pass in 0..most {
                for &(subset, missing) in &owed {
                    if pass < missing && batch.len() < self.jobs {
                        batch.push(subset.clone());
                    }
                }
            }
            self.round(batch)?;
        }
    }
}

fn search(n: usize, ranking: Option<&Ranking>, session: &mut Session) -> Result<Verdict, Stop> {
    let alone: Vec<usize> = Vec::new();
    if n == 0 {
        // The failing order was the victim by itself: isolation and reproduction are one probe.
        return Ok(match session.settle(std::slice::from_ref(&alone))? {
            Some(_) => Verdict::Alone,
            None => Verdict::NotReproduced {
                tries: session.tries(&alone),
            },
        });
    }
    let ranked = sanitize(n, ranking.map(|r| r.order.as_slice()));
    let suspects = ranking.map_or(0, |r| r.suspects).min(ranked.len());
    let explained = ranking.is_some_and(|r| r.explains) && 0 < suspects && suspects < n;
    let order = search_order(n, ranked);
    let opened = match explained {
        true => open_on_history(&order, suspects, session)?,
        false => None,
    };
    let opened = match opened {
        Some(opened) => opened,
        None => open(&order, suspects, session)?,
    };
    match opened {
        Opened::Decided(verdict) => Ok(verdict),
        Opened::Failing { set, head_start } => minimize(&order, set, head_start, session),
    }
}

/// How the first rounds of a search ended.
enum Opened {
    /// The full order did not reproduce, or the victim reproduced alone.
    Decided(Verdict),
    /// `set` reproduces, and the end of the shortest reproducing prefix of the search order
    /// lies in `head_start`.
    Failing {
        set: Vec<usize>,
        head_start: Range<usize>,
    },
}

/// When the suspects explain every recorded run, they are probed before anything else: a hit
/// shows at once that the order replays and where the culprit lies, so the full order need not
/// run. None when they miss; the usual opening then follows, reusing what was probed.
fn open_on_history(
    order: &[usize],
    suspects: usize,
    session: &mut Session,
) -> Result<Option<Opened>, Stop> {
    let alone: Vec<usize> = Vec::new();
    let singly = suspects <= session.jobs + 1;
    let tries: Vec<Vec<usize>> = if singly {
        order[..suspects].iter().map(|&t| vec![t]).collect()
    } else {
        vec![union(&[], &order[..suspects])]
    };
    let mut round = tries.clone();
    if session.jobs > tries.len() {
        round.push(alone.clone());
    }
    session.glance(&round)?;
    let Some(hit) = first_hit(session, &tries)? else {
        return Ok(None);
    };
    if session.settle(std::slice::from_ref(&alone))?.is_some() {
        return Ok(Some(Opened::Decided(Verdict::Alone)));
    }
    Ok(Some(Opened::Failing {
        set: tries[hit].clone(),
        head_start: if singly { 0..1 } else { 0..suspects },
    }))
}

/// Reproduces the full order and runs the victim alone, with the first suspects or cuts in
/// the same round where there is room.
fn open(order: &[usize], suspects: usize, session: &mut Session) -> Result<Opened, Stop> {
    let n = order.len();
    let full: Vec<usize> = (0..n).collect();
    let alone: Vec<usize> = Vec::new();
    // History can narrow the polluter down to the first `suspects` tests of `order`. A group
    // that fits a round or two is tried test by test: a lone suspect that reproduces is its own
    // confirmation. A larger group (a whole module that always moved with the victim) has its
    // prefix probed, with spare slots cutting inside it, so it costs log2 of its size. Without
    // a group, the first cuts halve the whole order.
    let singly = if n > 1 && 0 < suspects && suspects <= session.jobs + 1 {
        suspects
    } else {
        0
    };
    let singles: Vec<Vec<usize>> = order[..singly].iter().map(|&t| vec![t]).collect();
    let spare = session.jobs.saturating_sub(2);
    let opening_cuts = if singly == 0 && 0 < suspects && suspects < n {
        let mut cuts = cut_points(0..suspects, spare.saturating_sub(1));
        cuts.push(suspects);
        cuts
    } else if singly == 0 {
        cut_points(0..n, spare)
    } else {
        Vec::new()
    };
    let opening_prefixes: Vec<Vec<usize>> = opening_cuts
        .iter()
        .map(|&cut| union(&[], &order[..cut]))
        .collect();
    // Spare slots of the first round go to the victim alone and then to the first suspects or
    // prefixes: all are needed whenever the full order reproduces, which is the usual case.
    let mut opening = vec![full.clone()];
    if session.jobs > 1 {
        opening.push(alone.clone());
    }
    let room = session.jobs.saturating_sub(opening.len());
    opening.extend(singles.iter().chain(&opening_prefixes).take(room).cloned());
    session.glance(&opening)?;
    if session.settle(std::slice::from_ref(&full))?.is_none() {
        return Ok(Opened::Decided(Verdict::NotReproduced {
            tries: session.tries(&full),
        }));
    }
    if session.settle(std::slice::from_ref(&alone))?.is_some() {
        return Ok(Opened::Decided(Verdict::Alone));
    }
    if let Some(hit) = first_hit(session, &singles)? {
        return Ok(Opened::Failing {
            set: singles[hit].clone(),
            head_start: 0..1,
        });
    }
    let hits = session.glance(&opening_prefixes)?;
    Ok(Opened::Failing {
        set: full,
        head_start: narrow(0..n, &opening_cuts, &hits),
    })
}

/// Shrinks a reproducing set to a 1-minimal one, starting again from any one-smaller set that
/// still reproduces.
fn minimize(
    order: &[usize],
    mut failing: Vec<usize>,
    mut head_start: Range<usize>,
    session: &mut Session,
) -> Result<Verdict, Stop> {
    loop {
        let mut in_failing = vec![false; order.len()];
        for &test in &failing {
            in_failing[test] = true;
        }
        let rest: Vec<usize> = order.iter().copied().filter(|&t| in_failing[t]).collect();
        let found = shrink(session, rest, head_start)?;
        let one_smaller: Vec<Vec<usize>> = (0..found.len())
            .map(|skip| {
                let mut smaller = found.clone();
                smaller.remove(skip);
                smaller
            })
            .collect();
        match session.settle(&one_smaller)? {
            Some(index) => {
                failing = one_smaller[index].clone();
                head_start = 0..failing.len();
            }
            None => {
                // With retries asked for, the suite is noisy: the answer must reproduce again,
                // judged by the same standard as every other non-reproduction.
                let fresh_tries = if session.tries_to_believe > 1 {
                    session.tries_to_believe
                } else {
                    0
                };
                return Ok(if session.confirm(&found, fresh_tries)? {
                    Verdict::Minimal { set: found }
                } else {
                    Verdict::NonDeterministic {
                        seen: session.counts(&found),
                        set: found,
                    }
                });
            }
        }
    }
}

/// The first of `subsets` that reproduces, running them a round at a time and stopping at the
/// round that finds one.
fn first_hit(session: &mut Session, subsets: &[Vec<usize>]) -> Result<Option<usize>, Stop> {
    for (round, chunk) in subsets.chunks(session.jobs).enumerate() {
        if let Some(hit) = session.glance(chunk)?.iter().position(|&hit| hit) {
            return Ok(Some(round * session.jobs + hit));
        }
    }
    Ok(None)
}

/// The ranking's valid indices, each once, in its order.
fn sanitize(n: usize, ranking: Option<&[usize]>) -> Vec<usize> {
    let mut taken = vec![false; n];
    ranking
        .unwrap_or_default()
        .iter()
        .copied()
        .filter(|&i| i < n && !std::mem::replace(&mut taken[i], true))
        .collect()
}

/// Every candidate once: the ranked ones first, the others in their original order.
fn search_order(n: usize, ranked: Vec<usize>) -> Vec<usize> {
    let mut taken = vec![false; n];
    for &i in &ranked {
        taken[i] = true;
    }
    let mut order = ranked;
    order.extend((0..n).filter(|&i| !taken[i]));
    order
}

/// How `find_culprit` ended.
enum Culprit {
    /// The known needed tests plus this one reproduced: the search is over.
    Completes(usize),
    /// `rest[..end]` is the shortest prefix that reproduces with the needed tests (the one a
    /// test shorter did not), so `rest[end - 1]` is needed too, and perhaps more of `rest`.
    Needed(usize),
}

/// A reproducing subset of `rest` (tests in search order) in which every test was needed at the
/// time it was found. The caller verifies 1-minimality. `head_start` bounds the end of the
/// shortest reproducing prefix as far as earlier probes showed: `rest[..start]` did not
/// reproduce, `rest[..end]` did.
fn shrink(
    session: &mut Session,
    mut rest: Vec<usize>,
    head_start: Range<usize>,
) -> Result<Vec<usize>, Stop> {
    // Invariant: `needed` + `rest` reproduced, `needed` alone did not.
    let mut needed = Vec::new();
    let mut bounds = head_start;
    loop {
        match find_culprit(session, &needed, &rest, bounds)? {
            Culprit::Completes(test) => {
                needed.push(test);
                break;
            }
            Culprit::Needed(end) => {
                needed.push(rest[end - 1]);
                rest.truncate(end - 1);
                bounds = 0..rest.len();
                if session.glance(&[union(&needed, &[])])?[0] {
                    break;
                }
            }
        }
    }
    needed.sort_unstable();
    Ok(needed)
}

/// Searches `rest` for the end of the shortest prefix that reproduces together with `needed`,
/// knowing it lies in `bounds`: `needed` + `rest[..bounds.start]` did not reproduce, `needed` +
/// `rest[..bounds.end]` did.
fn find_culprit(
    session: &mut Session,
    needed: &[usize],
    rest: &[usize],
    mut bounds: Range<usize>,
) -> Result<Culprit, Stop> {
    let jobs = session.jobs;
    let mut tried_singly = false;
    while bounds.len() > 1 {
        let width = bounds.len();
        if width <= jobs + 1 && !tried_singly {
            // A test that reproduces singly ends the search with its own confirmation, where
            // a prefix would still need one. The last is assumed, not probed, when the round
            // is full: it is the culprit unless the failure needs two tests from here.
            tried_singly = true;
            let tried = &rest[bounds.start..bounds.start + width.min(jobs)];
            let singles: Vec<Vec<usize>> = tried.iter().map(|&t| union(needed, &[t])).collect();
            let hits = session.glance(&singles)?;
            if let Some(index) = hits.iter().position(|&hit| hit) {
                return Ok(Culprit::Completes(tried[index]));
            }
            if width > jobs {
                let last = rest[bounds.end - 1];
                if session.glance(&[union(needed, &[last])])?[0] {
                    return Ok(Culprit::Completes(last));
                }
            }
            // No single test completes the set: a conjunction, so search prefixes again.
            continue;
        }
        let cuts = cut_points(bounds.clone(), jobs);
        let prefixes: Vec<Vec<usize>> = cuts
            .iter()
            .map(|&cut| union(needed, &rest[..cut]))
            .collect();
        let hits = session.glance(&prefixes)?;
        bounds = narrow(bounds, &cuts, &hits);
    }
    Ok(Culprit::Needed(bounds.end))
}

/// Up to `count` prefix lengths strictly inside `bounds`, cutting it into near-equal parts.
fn cut_points(bounds: Range<usize>, count: usize) -> Vec<usize> {
    let width = bounds.len();
    let parts = (count + 1).min(width);
    (1..parts)
        .map(|j| bounds.start + width * j / parts)
        .collect()
}

/// The bounds left once the prefixes ending at `cuts` (ascending) showed `hits`: the end of the
/// shortest reproducing prefix lies after the last miss before the first hit, up to that hit.
fn narrow(bounds: Range<usize>, cuts: &[usize], hits: &[bool]) -> Range<usize> {
    match hits.iter().position(|&hit| hit) {
        Some(0) => bounds.start..cuts[0],
        Some(first) => cuts[first - 1]..cuts[first],
        None => cuts.last().map_or(bounds.start, |&cut| cut)..bounds.end,
    }
}

/// The sorted union of two disjoint index lists: a subset as the prober runs it.
fn union(a: &[usize], b: &[usize]) -> Vec<usize> {
    let mut set = [a, b].concat();
    set.sort_unstable();
    set
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand_chacha::ChaCha8Rng;
    use rand_chacha::rand_core::{Rng, SeedableRng};
    use std::collections::HashSet;

    /// A suite simulated by a predicate over the candidates that run before the victim.
    struct Simulated<F> {
        reproduces: F,
        jobs: usize,
        probes: usize,
        rounds: usize,
        ran: HashSet<Vec<usize>>,
    }

    impl<F: FnMut(&[usize]) -> bool> Prober for Simulated<F> {
        fn probe(&mut self, subsets: &[Vec<usize>]) -> Vec<bool> {
            assert!(
                !subsets.is_empty() && subsets.len() <= self.jobs,
                "a round holds 1..=jobs subsets, got {}",
                subsets.len()
            );
            for subset in subsets {
                assert!(
                    subset.windows(2).all(|pair| pair[0] < pair[1]),
                    "subsets keep the original order: {subset:?}"
                );
            }
            self.probes += subsets.len();
            self.rounds += 1;
            self.ran.extend(subsets.iter().cloned());
            subsets.iter().map(|s| (self.reproduces)(s)).collect()
        }
    }

    fn simulated<F: FnMut(&[usize]) -> bool>(jobs: usize, reproduces: F) -> Simulated<F> {
        Simulated {
            reproduces,
            jobs: jobs.max(1),
            probes: 0,
            rounds: 0,
            ran: HashSet::new(),
        }
    }

    fn run(n: usize, options: &Options, reproduces: impl FnMut(&[usize]) -> bool) -> Bisection {
        let mut suite = simulated(options.jobs, reproduces);
        let bisection = bisect(n, options, &mut suite);
        assert_eq!(bisection.probes, suite.probes, "every probe is counted");
        assert_eq!(bisection.rounds, suite.rounds, "every round is counted");
        if let Verdict::Minimal { set } = &bisection.verdict {
            // Confirmed by running, never by inference: the answer and each set one smaller.
            assert!(suite.ran.contains(set), "{set:?} was never run");
            for skip in 0..set.len() {
                let mut smaller = set.clone();
                smaller.remove(skip);
                assert!(suite.ran.contains(&smaller), "{smaller:?} was never run");
            }
        }
        bisection
    }

    fn options(jobs: usize, retries: usize) -> Options {
        Options {
            jobs,
            retries,
            ranking: None,
        }
    }

    /// A ranking whose top test alone is suspect, as history gives when it points at one test.
    fn ranked(jobs: usize, order: Vec<usize>) -> Options {
        Options {
            jobs,
            retries: 0,
            ranking: Some(Ranking {
                order,
                suspects: 1,
                explains: false,
            }),
        }
    }

    /// The victim fails when every one of `culprits` ran before it.
    fn all_of(culprits: &[usize]) -> impl Fn(&[usize]) -> bool + '_ {
        move |subset| culprits.iter().all(|c| subset.binary_search(c).is_ok())
    }

    fn ceil_log2(n: usize) -> usize {
        n.next_power_of_two().trailing_zeros() as usize
    }

    fn minimal(set: &[usize]) -> Verdict {
        Verdict::Minimal { set: set.to_vec() }
    }

    /// Positions worth trying in a long list: both ends, their neighbours, and a spread between.
    fn positions(n: usize) -> Vec<usize> {
        let mut positions = vec![0, 1, n / 3, n / 2, n.saturating_sub(2), n - 1];
        positions.extend((1..8).map(|k| n * k / 8 + k));
        positions.retain(|&p| p < n);
        positions.sort_unstable();
        positions.dedup();
        positions
    }

    /// The answer reproduces and loses the failure when any one test is taken out.
    fn assert_one_minimal(verdict: &Verdict, reproduces: impl Fn(&[usize]) -> bool) {
        let Verdict::Minimal { set } = verdict else {
            panic!("expected a minimal set, got {verdict:?}");
        };
        assert!(reproduces(set), "{set:?} does not reproduce");
        for skip in 0..set.len() {
            let mut smaller = set.clone();
            smaller.remove(skip);
            assert!(
                !reproduces(&smaller),
                "{set:?} is not 1-minimal: {smaller:?} reproduces"
            );
        }
    }

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Effect {
        Pollutes,
        Cleans,
        Neutral,
    }

    /// A suite with one piece of shared state: the victim fails when the last test before it
    /// that touched the state left it dirty.
    fn stateful(effects: &[Effect]) -> impl Fn(&[usize]) -> bool + '_ {
        move |subset| {
            subset
                .iter()
                .rev()
                .map(|&i| effects[i])
                .find(|&effect| effect != Effect::Neutral)
                == Some(Effect::Pollutes)
        }
    }

    #[test]
    fn ddmin_finds_a_single_polluter_within_log2_plus_3_for_every_n_up_to_64() {
        for n in 1..=64 {
            for polluter in 0..n {
                let bisection = run(n, &options(1, 0), all_of(&[polluter]));
                assert_eq!(bisection.verdict, minimal(&[polluter]), "n={n}");
                assert!(
                    bisection.probes <= ceil_log2(n) + 3,
                    "n={n} polluter={polluter}: {} probes",
                    bisection.probes
                );
            }
        }
    }

    #[test]
    fn ddmin_finds_a_single_polluter_within_log2_plus_3_in_large_suites() {
        for n in [100, 1_000, 10_000] {
            for polluter in positions(n) {
                let bisection = run(n, &options(1, 0), all_of(&[polluter]));
                assert_eq!(bisection.verdict, minimal(&[polluter]), "n={n}");
                assert!(
                    bisection.probes <= ceil_log2(n) + 3,
                    "n={n} polluter={polluter}: {} probes",
                    bisection.probes
                );
            }
        }
    }

    #[test]
    fn ddmin_with_one_candidate_needs_only_reproduction_and_isolation() {
        let bisection = run(1, &options(1, 0), all_of(&[0]));
        assert_eq!(bisection.verdict, minimal(&[0]));
        assert_eq!(bisection.probes, 2);
    }

    #[test]
    fn ddmin_finds_a_pair_that_only_fails_together() {
        for n in [2, 3, 10, 100, 1_000] {
            for a in positions(n) {
                for b in positions(n).into_iter().filter(|&b| b > a) {
                    let bisection = run(n, &options(1, 0), all_of(&[a, b]));
                    assert_eq!(bisection.verdict, minimal(&[a, b]), "n={n}");
                    assert!(
                        bisection.probes <= 2 * ceil_log2(n) + 8,
                        "n={n} pair={a},{b}: {} probes",
                        bisection.probes
                    );
                }
            }
        }
    }

    #[test]
    fn ddmin_finds_a_triple_that_only_fails_together() {
        for n in [3, 10, 100, 1_000] {
            let spots = positions(n);
            for (i, &a) in spots.iter().enumerate() {
                for (j, &b) in spots.iter().enumerate().skip(i + 1) {
                    for &c in &spots[j + 1..] {
                        let bisection = run(n, &options(1, 0), all_of(&[a, b, c]));
                        assert_eq!(bisection.verdict, minimal(&[a, b, c]), "n={n}");
                        assert!(
                            bisection.probes <= 3 * ceil_log2(n) + 12,
                            "n={n} triple={a},{b},{c}: {} probes",
                            bisection.probes
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn ddmin_finds_either_polluter_when_a_cleaner_sits_between_them() {
        // p1 .. cleaner .. p2 .. victim: the full order fails through p2. Dropping p2 (but
        // keeping the cleaner) makes it pass, dropping the cleaner brings p1 back: not monotone.
        for n in [3, 10, 64, 1_000] {
            for first in positions(n) {
                for cleaner in positions(n).into_iter().filter(|&c| c > first) {
                    for second in positions(n).into_iter().filter(|&s| s > cleaner) {
                        let mut effects = vec![Effect::Neutral; n];
                        effects[first] = Effect::Pollutes;
                        effects[cleaner] = Effect::Cleans;
                        effects[second] = Effect::Pollutes;
                        let bisection = run(n, &options(1, 0), stateful(&effects));
                        assert!(
                            bisection.verdict == minimal(&[first])
                                || bisection.verdict == minimal(&[second]),
                            "n={n} {first} {cleaner} {second}: {:?}",
                            bisection.verdict
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn ddmin_ignores_a_cleaner_that_ran_before_the_polluter() {
        let n = 100;
        let mut effects = vec![Effect::Neutral; n];
        effects[20] = Effect::Cleans;
        effects[70] = Effect::Pollutes;
        let bisection = run(n, &options(1, 0), stateful(&effects));
        assert_eq!(bisection.verdict, minimal(&[70]));
        assert!(bisection.probes <= ceil_log2(n) + 3);
    }

    #[test]
    fn ddmin_finds_state_setters_of_a_brittle_test_with_the_same_search() {
        // The target is now "the victim passed": it needs 12 (creates the fixture) and 40
        // (seeds it) before it, and 77 (drops the fixture) must not run after them.
        let n = 100;
        let passes = |subset: &[usize]| {
            let has = |t: usize| subset.binary_search(&t).is_ok();
            has(12) && has(40) && !has(77)
        };
        let full_order_passes = (0..n).filter(|&t| t != 77).collect::<Vec<_>>();
        // The caller bisects the passing order it saw, which did not contain 77.
        let bisection = run(
            full_order_passes.len(),
            &options(1, 0),
            |subset: &[usize]| {
                let mapped: Vec<usize> = subset.iter().map(|&i| full_order_passes[i]).collect();
                passes(&mapped)
            },
        );
        assert_eq!(bisection.verdict, minimal(&[12, 40]));
    }

    #[test]
    fn ddmin_blames_nobody_wrongly_when_noise_loses_reproductions() {
        // Noise that loses the failure makes some order both fail and pass: the search stops
        // there as non-deterministic. When no order happens to show both, the answer it reaches
        // despite the lost reproductions is the true one.
        let mut rng = ChaCha8Rng::seed_from_u64(19497);
        let loss_percent = 20;
        let mut stopped = 0;
        for n in [1, 2, 10, 100, 1_000] {
            for polluter in positions(n) {
                let truth = all_of(std::slice::from_ref(&polluter));
                let noisy =
                    |subset: &[usize]| truth(subset) && rng.next_u64() % 100 >= loss_percent;
                match run(n, &options(1, 5), noisy).verdict {
                    Verdict::NonDeterministic { seen, .. } => {
                        assert!(seen.reproduced > 0 && seen.vanished > 0, "n={n}");
                        stopped += 1;
                    }
                    verdict => assert_eq!(verdict, minimal(&[polluter]), "n={n}"),
                }
            }
            let pair = [n / 4, n - 1];
            if pair[0] < pair[1] {
                let truth = all_of(&pair);
                let noisy =
                    |subset: &[usize]| truth(subset) && rng.next_u64() % 100 >= loss_percent;
                match run(n, &options(2, 5), noisy).verdict {
                    Verdict::NonDeterministic { .. } => stopped += 1,
                    verdict => assert_eq!(verdict, minimal(&pair), "n={n}"),
                }
            }
        }
        assert!(stopped > 0, "20 % noise showed itself at least once");
    }

    #[test]
    fn ddmin_retries_a_full_order_that_does_not_reproduce_before_calling_it_nod() {
        let bisection = run(50, &options(1, 3), |_: &[usize]| false);
        assert_eq!(bisection.verdict, Verdict::NotReproduced { tries: 4 });
        assert_eq!(bisection.probes, 4);
    }

    #[test]
    fn ddmin_stops_at_an_order_that_both_failed_and_passed() {
        let mut tries = 0;
        let bisection = run(8, &options(1, 2), |subset: &[usize]| {
            tries += 1;
            // The polluter is 5, and the very first run (the full order) loses the failure.
            tries > 1 && subset.contains(&5)
        });
        assert_eq!(
            bisection.verdict,
            Verdict::NonDeterministic {
                set: (0..8).collect(),
                seen: Counts {
                    reproduced: 1,
                    vanished: 1
                }
            }
        );
        assert_eq!(bisection.probes, 2);
    }

    #[test]
    fn ddmin_with_more_jobs_fills_the_first_round_and_batches_retries() {
        let nod = run(1_000, &options(4, 3), |_: &[usize]| false);
        assert_eq!(nod.verdict, Verdict::NotReproduced { tries: 4 });
        // Full order, alone and two cuts of the search, then the three retries of the full order.
        assert_eq!((nod.probes, nod.rounds), (7, 2));
    }

    #[test]
    fn ddmin_with_retries_confirms_the_answer_afresh() {
        // Every non-empty order fails the first time it runs and never again: a random failure
        // that a search can mistake for pollution, unless its answer must fail a second time.
        let mut seen = std::collections::HashSet::new();
        let mut lucky_once = |subset: &[usize]| !subset.is_empty() && seen.insert(subset.to_vec());
        let bisection = run(8, &options(1, 1), &mut lucky_once);
        assert!(
            matches!(bisection.verdict, Verdict::NonDeterministic { .. }),
            "{:?}",
            bisection.verdict
        );

        let steady = run(8, &options(1, 2), all_of(&[5]));
        assert_eq!(steady.verdict, minimal(&[5]));
    }

    #[test]
    fn ddmin_reports_a_victim_that_fails_alone() {
        let bisection = run(30, &options(1, 0), |_: &[usize]| true);
        assert_eq!(bisection.verdict, Verdict::Alone);
        assert_eq!(bisection.probes, 2);
    }

    #[test]
    fn ddmin_with_no_candidates_decides_from_the_isolation_probe() {
        let fails_alone = run(0, &options(1, 3), |subset: &[usize]| subset.is_empty());
        assert_eq!(fails_alone.verdict, Verdict::Alone);
        assert_eq!(fails_alone.probes, 1);

        let passes_alone = run(0, &options(4, 3), |_: &[usize]| false);
        assert_eq!(passes_alone.verdict, Verdict::NotReproduced { tries: 4 });
        assert_eq!(passes_alone.probes, 4);
        assert_eq!(
            passes_alone.rounds, 1,
            "the tries of one belief share a round"
        );
    }

    #[test]
    fn ddmin_with_the_polluter_ranked_first_needs_three_probes() {
        for n in [2, 10, 1_000] {
            let polluter = n / 2;
            let mut ranking: Vec<usize> = (0..n).rev().collect();
            ranking.retain(|&i| i != polluter);
            ranking.insert(0, polluter);
            let bisection = run(n, &ranked(1, ranking.clone()), all_of(&[polluter]));
            assert_eq!(bisection.verdict, minimal(&[polluter]));
            assert_eq!(bisection.probes, 3, "reproduce, alone, the suspect");

            let parallel = run(n, &ranked(4, ranking), all_of(&[polluter]));
            assert_eq!(parallel.verdict, minimal(&[polluter]));
            assert_eq!(
                parallel.rounds, 1,
                "reproduce, alone and suspects share a round"
            );
        }
    }

    #[test]
    fn ddmin_with_the_polluter_ranked_last_is_still_right() {
        for n in [2, 10, 100, 1_000] {
            for polluter in positions(n) {
                let mut ranking: Vec<usize> = (0..n).filter(|&i| i != polluter).collect();
                ranking.push(polluter);
                let bisection = run(n, &ranked(1, ranking), all_of(&[polluter]));
                assert_eq!(bisection.verdict, minimal(&[polluter]));
                assert!(
                    bisection.probes <= ceil_log2(n) + 4,
                    "one wasted suspect at most"
                );
            }
        }
    }

    /// A ranking whose first `suspects` tests explain the history, as a module that always ran
    /// before the victim when it failed, and never when it passed, does on pytest.
    fn explained(order: Vec<usize>, suspects: usize) -> Options {
        Options {
            jobs: 1,
            retries: 0,
            ranking: Some(Ranking {
                order,
                suspects,
                explains: true,
            }),
        }
    }

    #[test]
    fn a_history_the_suspects_explain_spares_the_full_order() {
        let n = 400;
        let module: Vec<usize> = (60..78).collect();
        for polluter in module.clone() {
            let mut order = module.clone();
            order.extend((0..n).filter(|i| !module.contains(i)));
            let bisection = run(n, &explained(order, module.len()), all_of(&[polluter]));
            assert_eq!(bisection.verdict, minimal(&[polluter]));
            assert_eq!(
                bisection.full,
                Counts::default(),
                "the full order never ran"
            );
            assert!(
                bisection.probes <= ceil_log2(module.len()) + 3,
                "{} probes for a group of {}",
                bisection.probes,
                module.len()
            );
        }
        // A lone suspect that explains the history is probed with the victim, then the victim
        // alone: two probes.
        let single = run(n, &explained(vec![68], 1), all_of(&[68]));
        assert_eq!((single.verdict, single.probes), (minimal(&[68]), 2));
    }

    #[test]
    fn a_history_that_misleads_only_costs_its_probe() {
        let n = 400;
        let bisection = run(n, &explained((60..78).collect(), 18), all_of(&[300]));
        assert_eq!(bisection.verdict, minimal(&[300]));
        assert_eq!(
            bisection.full.reproduced, 1,
            "the full order ran after the miss"
        );
    }

    #[test]
    fn ddmin_tolerates_a_ranking_with_junk() {
        let bisection = run(10, &ranked(1, vec![99, 3, 3, 42]), all_of(&[7]));
        assert_eq!(bisection.verdict, minimal(&[7]));
    }

    #[test]
    fn ddmin_with_more_jobs_needs_fewer_rounds() {
        let n = 10_000;
        for polluter in positions(n) {
            let serial = run(n, &options(1, 0), all_of(&[polluter]));
            let parallel = run(n, &options(4, 0), all_of(&[polluter]));
            assert_eq!(parallel.verdict, minimal(&[polluter]));
            assert!(
                2 * parallel.rounds <= serial.rounds,
                "{} rounds with 4 jobs, {} with 1",
                parallel.rounds,
                serial.rounds
            );
        }
        let pair = run(n, &options(4, 0), all_of(&[1_234, 8_765]));
        assert_eq!(pair.verdict, minimal(&[1_234, 8_765]));
    }

    /// Stops the search after a given number of rounds, as Ctrl-C would.
    struct StopsAfter<F> {
        suite: Simulated<F>,
        rounds_left: usize,
    }

    impl<F: FnMut(&[usize]) -> bool> Prober for StopsAfter<F> {
        fn probe(&mut self, subsets: &[Vec<usize>]) -> Vec<bool> {
            self.rounds_left = self.rounds_left.saturating_sub(1);
            self.suite.probe(subsets)
        }

        fn interrupted(&self) -> bool {
            self.rounds_left == 0
        }
    }

    #[test]
    fn ddmin_interrupted_reports_the_smallest_failing_set_seen() {
        let mut prober = StopsAfter {
            suite: simulated(1, all_of(&[3])),
            rounds_left: 4,
        };
        let bisection = bisect(100, &options(1, 0), &mut prober);
        // Full order, alone, the first half (reproduced), then the fourth round is discarded.
        assert_eq!(
            bisection.verdict,
            Verdict::Interrupted {
                smallest_failing: Some((0..50).collect())
            }
        );
        assert_eq!(bisection.probes, 4);

        let mut before_anything = StopsAfter {
            suite: simulated(1, all_of(&[3])),
            rounds_left: 0,
        };
        let bisection = bisect(100, &options(1, 0), &mut before_anything);
        assert_eq!(
            bisection.verdict,
            Verdict::Interrupted {
                smallest_failing: None
            }
        );
        assert_eq!(bisection.probes, 0);
    }

    fn cleaners_in(n: usize, jobs: usize, cleaners: &[usize]) -> (Vec<usize>, usize) {
        let mut suite = simulated(jobs, |subset: &[usize]| {
            !subset.iter().any(|t| cleaners.contains(t))
        });
        let (found, probes) = find_cleaners(n, jobs, 0, &mut suite);
        assert_eq!(probes, suite.probes);
        (found, probes)
    }

    #[test]
    fn ddmin_find_cleaners_in_a_noisy_suite_reports_no_impostor_with_retries() {
        // No cleaner at all, but a third of the runs lose the failure anyway.
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut noisy = simulated(1, |_: &[usize]| rng.next_u64() % 100 >= 33);
        let (found, _) = find_cleaners(40, 1, 5, &mut noisy);
        assert_eq!(found, Vec::<usize>::new());
    }

    /// A victim that fails only right after its polluter: every test between them cleans. A
    /// spread sample says so in two tries of three singles, where the search would probe all.
    #[test]
    fn every_one_cleaning_is_told_from_a_sample() {
        for jobs in [1, 3] {
            let mut adjacent = simulated(jobs, |subset: &[usize]| subset.is_empty());
            let (sample, probes) = every_one_cleans(23, jobs, 1, &mut adjacent);
            assert_eq!(sample, Some(vec![0, 11, 22]));
            assert_eq!(probes, 6);
            assert!(cleaners_in(23, jobs, &(0..23).collect::<Vec<_>>()).1 > 20);
        }
        let mut one_cleaner = simulated(1, |subset: &[usize]| !subset.contains(&0));
        let (sample, probes) = every_one_cleans(23, 1, 1, &mut one_cleaner);
        assert_eq!(sample, None);
        assert!(probes <= 4, "{probes}");
        let mut few = simulated(1, |subset: &[usize]| subset.is_empty());
        assert_eq!(every_one_cleans(7, 1, 1, &mut few), (None, 0));
    }

    #[test]
    fn ddmin_find_cleaners_of_nothing_costs_nothing() {
        assert_eq!(cleaners_in(0, 1, &[]), (vec![], 0));
    }

    #[test]
    fn ddmin_find_cleaners_without_cleaners_costs_one_probe() {
        assert_eq!(cleaners_in(1_000, 4, &[]), (vec![], 1));
    }

    #[test]
    fn ddmin_find_cleaners_finds_one_cleaner_by_binary_splitting() {
        for n in [1, 2, 3, 10, 1_000] {
            for cleaner in positions(n) {
                let (found, probes) = cleaners_in(n, 1, &[cleaner]);
                assert_eq!(found, vec![cleaner]);
                assert!(probes <= ceil_log2(n) + 3, "n={n}: {probes} probes");
            }
        }
    }

    #[test]
    fn ddmin_find_cleaners_finds_several_cleaners_with_any_jobs() {
        let cleaners = [0, 17, 18, 150, 199];
        for jobs in [1, 2, 4, 8] {
            let (found, probes) = cleaners_in(200, jobs, &cleaners);
            assert_eq!(found, cleaners, "jobs={jobs}");
            assert!(probes < 60, "jobs={jobs}: {probes} probes for 5 of 200");
        }
    }

    #[test]
    fn ddmin_find_cleaners_misses_a_cleaner_canceled_in_its_group_but_reports_no_impostor() {
        // 0 cleans, 1 re-pollutes after it, 3 cleans: the group {0, 1} keeps the failure.
        let effects = [
            Effect::Cleans,
            Effect::Pollutes,
            Effect::Neutral,
            Effect::Cleans,
        ];
        let still_fails = |subset: &[usize]| {
            subset
                .iter()
                .rev()
                .map(|&i| effects[i])
                .find(|&effect| effect != Effect::Neutral)
                != Some(Effect::Cleans)
        };
        let mut suite = simulated(1, still_fails);
        assert_eq!(find_cleaners(4, 1, 0, &mut suite).0, vec![3]);

        // Two tests that clean only together: no single cleaner, and none is reported.
        let mut together = simulated(1, |subset: &[usize]| subset != [0, 1]);
        assert_eq!(find_cleaners(2, 1, 0, &mut together).0, Vec::<usize>::new());
    }

    fn monotone_case()
    -> impl Strategy<Value = (usize, Vec<Vec<usize>>, usize, usize, Option<Ranking>)> {
        (1..=200usize).prop_flat_map(|n| {
            let clause = prop::collection::vec(0..n, 1..=3);
            (
                Just(n),
                prop::collection::vec(clause, 1..=3),
                1..=5usize,
                0..=2usize,
                prop::option::of(
                    (
                        Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
                        0..=n,
                        any::<bool>(),
                    )
                        .prop_map(|(order, suspects, explains)| Ranking {
                            order,
                            suspects,
                            explains,
                        }),
                ),
            )
        })
    }

    proptest! {
        #[test]
        fn ddmin_answer_reproduces_and_is_one_minimal_for_any_or_of_ands(
            (n, clauses, jobs, retries, ranking) in monotone_case()
        ) {
            let reproduces = |subset: &[usize]| {
                clauses.iter().any(|clause| clause.iter().all(|t| subset.binary_search(t).is_ok()))
            };
            let options = Options { jobs, retries, ranking };
            let bisection = run(n, &options, reproduces);
            assert_one_minimal(&bisection.verdict, reproduces);
        }

        #[test]
        fn ddmin_answer_reproduces_and_is_one_minimal_for_polluters_and_cleaners(
            effects in prop::collection::vec(
                prop::sample::select(vec![Effect::Pollutes, Effect::Cleans, Effect::Neutral]),
                1..=200,
            ),
            jobs in 1..=5usize,
        ) {
            let mut effects = effects;
            // The order given to bisect failed: its last state change polluted.
            let last_change = effects.iter().rposition(|&e| e != Effect::Neutral).unwrap_or(0);
            effects[last_change] = Effect::Pollutes;
            let bisection = run(effects.len(), &options(jobs, 0), stateful(&effects));
            assert_one_minimal(&bisection.verdict, stateful(&effects));
        }
    }
}
