//! Probes: each subset the search asks about, run as an explicit order through the adapter's
//! replay command, recorded, and checked against the order the runner reported.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use crate::ddmin::Prober;
use crate::error::{Error, Result};
use crate::exec;
use crate::human;
use crate::interrupt;
use crate::outcome::TestResult;
use crate::progress;
use crate::run::{self, Ended, Planned, Via};
use crate::runner::Adapter;
use crate::store::{self, RunStatus, Store};
use crate::template::Template;
use crate::warm::Warmth;

use super::Located;
use super::reuse::RecordedOrders;

/// What every probe of one bisection shares.
pub struct ProbeContext<'a> {
    pub adapter: &'a dyn Adapter,
    pub replay: &'a Template,
    pub user_template: &'a str,
    pub store: &'a Store,
    pub timeout: Option<Duration>,
    pub tag: String,
    pub counter: AtomicUsize,
    /// Probes that left processes running, and those processes (`Bisection::strays`).
    pub left_running: AtomicUsize,
    pub strays: AtomicUsize,
    pub progress: Progress,
    pub warmth: Warmth,
    pub reported: Reported,
    pub reuse: Reuse<'a>,
}

/// Answers from recorded runs (see `reuse`), and what this bisection took from them.
pub struct Reuse<'a> {
    recorded: &'a RecordedOrders,
    /// Runs that may answer no probe: the run whose order is searched, picked for its outcome,
    /// and the history, once it counts as such.
    barred: Mutex<HashSet<String>>,
    /// Runs that answered a probe of this attempt at a verdict: each answers once.
    answered: Mutex<HashSet<String>>,
    /// Probes answered by a recorded run, over all attempts.
    reused: AtomicUsize,
    /// Orders this attempt at a verdict ran itself.
    ran: Mutex<HashSet<Vec<String>>>,
    /// Why recorded runs answer no more: a run made now went against what they said.
    set_aside: Mutex<Option<String>>,
}

impl<'a> Reuse<'a> {
    pub fn new(recorded: &'a RecordedOrders) -> Self {
        Reuse {
            recorded,
            barred: Mutex::default(),
            answered: Mutex::default(),
            reused: AtomicUsize::new(0),
            ran: Mutex::default(),
            set_aside: Mutex::default(),
        }
    }

    /// `run` may answer no probe: it was picked for its outcome, or it counts as evidence
    /// already.
    pub fn bar(&self, run: &str) {
        lock(&self.barred).insert(run.to_string());
    }

    /// Whether `run` answered a probe of this attempt: its outcome counts among the probes'.
    pub fn answered(&self, run: &str) -> bool {
        lock(&self.answered).contains(run)
    }

    /// A new attempt at the verdict, which counts none of the evidence before: the runs that
    /// answered may answer again, and the orders run before show nothing of this attempt.
    pub fn start_over(&self) {
        lock(&self.answered).clear();
        lock(&self.ran).clear();
    }

    /// Whether recorded runs answered a probe of this attempt.
    pub fn used(&self) -> bool {
        !lock(&self.answered).is_empty()
    }

    /// Runs made now went against what recorded runs said (the code changed since, or the
    /// victim is noisier than they showed): say so; from now on every probe runs.
    pub fn set_aside(&self, what: String) {
        progress::say(&format!(
            "recorded runs and runs made now disagree: {what}; bisecting again without them"
        ));
        lock(&self.set_aside).get_or_insert(what);
    }

    /// Why recorded runs stopped answering, if they did.
    pub fn set_aside_because(&self) -> Option<String> {
        lock(&self.set_aside).clone()
    }

    /// Probes answered by recorded runs so far.
    pub fn reused(&self) -> usize {
        self.reused.load(Ordering::SeqCst)
    }

    /// Whether this attempt ran `order` itself, rather than only reading it from a record.
    pub fn ran(&self, order: &[String]) -> bool {
        lock(&self.ran).contains(order)
    }

    /// A recorded run's outcome for the last test of `order`, that run then spent; None when no
    /// run that may answer ran exactly `order`.
    fn answer(&self, order: &[String], warm: bool, reported: &Reported) -> Option<TestResult> {
        if lock(&self.set_aside).is_some() {
            return None;
        }
        let barred = lock(&self.barred);
        let mut answered = lock(&self.answered);
        let answer = self.recorded.find(order, warm, |run| {
            barred.contains(run) || answered.contains(run)
        })?;
        answered.insert(answer.run.to_string());
        reported.add(answer.results);
        self.reused.fetch_add(1, Ordering::SeqCst);
        Some(answer.last().clone())
    }

    fn record_ran(&self, order: &[String]) {
        lock(&self.ran).insert(order.to_vec());
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the probes' reports said of each test: its title, its place, a failure message. A
/// failing order read from an order file names its tests and nothing more.
#[derive(Default)]
pub struct Reported(Mutex<HashMap<String, TestResult>>);

impl Reported {
    fn add(&self, results: &[TestResult]) {
        let mut known = self.0.lock().expect("no probe thread panicked");
        for result in results {
            let Some(seen) = known.get_mut(&result.id) else {
                known.insert(result.id.clone(), result.clone());
                continue;
            };
            seen.name = seen.name.take().or_else(|| result.name.clone());
            seen.file = seen.file.take().or_else(|| result.file.clone());
            seen.line = seen.line.or(result.line);
            if seen.message.is_none() && result.outcome.is_failure() {
                seen.message = result.message.clone();
            }
        }
    }

    /// Fills in what `test` lacks from what the probes reported.
    pub fn complete(&self, test: &mut Located) {
        let known = self.0.lock().expect("no probe thread panicked");
        let Some(seen) = known.get(&test.id) else {
            return;
        };
        test.name = test.name.take().or_else(|| seen.name.clone());
        if test.file.is_none() && test.line.is_none() {
            test.file = seen.file.clone();
            test.line = seen.line;
        }
    }

    /// A failure message a probe reported for `id`.
    pub fn message(&self, id: &str) -> Option<String> {
        let known = self.0.lock().expect("no probe thread panicked");
        known.get(id).and_then(|seen| seen.message.clone())
    }
}

/// A bisection's progress: its probes, the phase it is in and its rounds so far and, while
/// searching, how many tests are still suspected. Rounds are counted by phase, so that the
/// search's agree with the `in N rounds` the bisection ends with. Cleared however the
/// bisection ends.
pub struct Progress {
    shown: progress::Progress,
    state: Mutex<Search>,
}

#[derive(Default)]
struct Search {
    phase: &'static str,
    /// What the phase does until its first round is over: a search first runs the whole order.
    opening: Option<&'static str>,
    rounds: usize,
    /// The fewest candidates a probe of this search reproduced with; None outside a search.
    suspects: Option<usize>,
}

impl Progress {
    pub fn new() -> Progress {
        Progress {
            shown: progress::Progress::new(progress::BISECT, None),
            state: Mutex::new(Search::default()),
        }
    }

    /// A phase that names no suspects (confirming, looking for cleaners).
    pub fn phase(&self, phase: &'static str) {
        self.begin(Search {
            phase,
            ..Search::default()
        });
    }

    /// A search among `candidates` tests, which probes narrow down once its first round,
    /// `opening`, has run the whole order.
    pub fn search(&self, opening: &'static str, phase: &'static str, candidates: usize) {
        self.begin(Search {
            phase,
            opening: Some(opening),
            suspects: Some(candidates),
            rounds: 0,
        });
    }

    pub fn finish(&self) {
        *self.lock() = Search {
            phase: "done",
            ..Search::default()
        };
        self.show();
        self.shown.finish();
    }

    fn begin(&self, search: Search) {
        *self.lock() = search;
        self.show();
        self.shown.milestone();
    }

    /// A round of probes ran; those that reproduced the target did so with these many candidates.
    fn round(&self, reproduced_with: impl Iterator<Item = usize>) {
        {
            let mut state = self.lock();
            state.rounds += 1;
            if let Some(suspects) = &mut state.suspects {
                *suspects = reproduced_with.fold(*suspects, usize::min);
            }
        }
        self.show();
    }

    fn inc(&self) {
        self.shown.inc();
    }

    fn show(&self) {
        let message = self.lock().message();
        self.shown.set_message(message);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Search> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Search {
    /// `searching (3 rounds, 6 tests still suspected)`.
    fn message(&self) -> String {
        let mut facts = Vec::new();
        if self.rounds > 0 {
            facts.push(human::count(self.rounds, "round"));
        }
        if let Some(suspects) = self.suspects {
            facts.push(format!(
                "{} still suspected",
                human::count(suspects, "test")
            ));
        }
        let phase = match self.opening {
            Some(opening) if self.rounds == 0 => opening,
            _ => self.phase,
        };
        if facts.is_empty() {
            phase.to_string()
        } else {
            format!("{phase} ({})", facts.join(", "))
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Target {
    VictimFails,
    VictimPasses,
}

/// Runs the subsets the search asks about as `prefix + subset + victim`.
pub struct OrderProber<'a> {
    context: &'a ProbeContext<'a>,
    candidates: &'a [String],
    prefix: &'a [String],
    victim: &'a str,
    target: Target,
    /// The seed of the order being searched, for runners that replay under it.
    seed: Option<u64>,
    /// Every probe a fresh run of the replay command, as the confirmation's are.
    cold: bool,
    /// Recorded runs may answer, where they ran exactly the order asked about.
    reuse: bool,
    /// A probe that could not be used (broken report, order not honoured) stops the search:
    /// the rest of it would rest on nothing.
    error: Option<Error>,
}

impl<'a> OrderProber<'a> {
    pub fn new(
        context: &'a ProbeContext<'a>,
        candidates: &'a [String],
        prefix: &'a [String],
        victim: &'a str,
        target: Target,
        seed: Option<u64>,
    ) -> Self {
        OrderProber {
            context,
            candidates,
            prefix,
            victim,
            target,
            seed,
            cold: false,
            reuse: true,
            error: None,
        }
    }

    /// Probes run as a person would run them: the evidence a verdict may not do without, so
    /// always run now, never read from a record.
    pub fn cold(mut self) -> Self {
        self.cold = true;
        self.reuse = false;
        self
    }

    /// Every probe run now, none answered by a recorded run.
    pub fn fresh(mut self) -> Self {
        self.reuse = false;
        self
    }

    /// Whether this prober's answers came, or will come, from warm probes.
    pub fn warm(&self) -> bool {
        !self.cold && self.context.warmth.is_warm()
    }

    pub fn finish(&mut self) -> Result<()> {
        match self.error.take() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    fn order(&self, subset: &[usize]) -> Vec<String> {
        let mut order = self.prefix.to_vec();
        order.extend(subset.iter().map(|&i| self.candidates[i].clone()));
        order.push(self.victim.to_string());
        order
    }

    fn run_one(&self, order: &[String], worker: usize) -> Result<Option<bool>> {
        let context = self.context;
        if let Some(reason) = context.adapter.unrunnable_order(order) {
            return Err(Error::suite(format!(
                "the {} runner cannot run the order bleed needs: {reason}",
                context.adapter.name()
            )));
        }
        let plain = if self.cold {
            context.adapter.plain_replay(context.replay, order)?
        } else {
            None
        };
        let number = context.counter.fetch_add(1, Ordering::SeqCst) + 1;
        let planned = Planned {
            id: format!("{}-p{number}", context.tag),
            adapter: context.adapter,
            user_template: context.user_template,
            command: plain.as_ref().unwrap_or(context.replay),
            master_seed: None,
            index: None,
            seed: self.seed,
            tests: Some(order),
            worker,
            timeout: context.timeout,
            warmth: (!self.cold).then_some(&context.warmth),
        };
        let record = match run::perform(&planned, context.store)? {
            Ended::Interrupted => return Ok(None),
            Ended::Recorded(record) => record,
        };
        store::append_record(&context.store.root().join(store::PROBES_FILE), &record)?;
        if record.strays > 0 {
            context.left_running.fetch_add(1, Ordering::SeqCst);
            context.strays.fetch_add(record.strays, Ordering::SeqCst);
        }
        context.progress.inc();
        if self.cold {
            // Runs with a warmth of their own count themselves; these had none.
            context.warmth.count(Via::Cold);
        }
        let warm = record.warm;
        if record.status != RunStatus::Ok {
            let problem = record.problem.as_deref().unwrap_or("no report");
            if warm {
                return self.retry_cold(
                    &format!("a warm probe gave no results ({problem})"),
                    order,
                    worker,
                );
            }
            let log = context.store.root().join(&record.log);
            return Err(Error::suite(format!(
                "a probe gave no results ({problem}); command: {}\nlast lines of its output ({}):\n{}",
                crate::error::clip_command(&record.command),
                log.display(),
                exec::log_tail(&log, 10)
            )));
        }
        context.reported.add(&record.results);
        let ran: Vec<&str> = record.results.iter().map(|r| r.id.as_str()).collect();
        if let Some(difference) = first_difference(order, &ran) {
            if warm {
                return self.retry_cold(
                    &format!("a warm probe did not run the order asked for: {difference}"),
                    order,
                    worker,
                );
            }
            if plain.is_some() {
                return Err(Error::suite(format!(
                    "the {} command bleed would print as the reproducer did not run the order it \
                     was made for, so bleed cannot give it: {difference}; command: {}",
                    context.adapter.name(),
                    crate::error::clip_command(&record.command)
                )));
            }
            return Err(Error::suite(format!(
                "the {} runner did not run the order bleed asked for, so its results cannot be \
                 trusted: {difference}. Give a --replay-cmd that runs exactly <tests> in order.",
                context.adapter.name(),
            )));
        }
        context.reuse.record_ran(order);
        let victim = record
            .results
            .last()
            .expect("the order ends with the victim");
        Ok(Some(self.shows_target(victim)))
    }

    fn shows_target(&self, victim: &TestResult) -> bool {
        match self.target {
            Target::VictimFails => victim.outcome.is_failure(),
            Target::VictimPasses => victim.outcome.is_pass(),
        }
    }

    /// The answer of a recorded run that ran exactly `order`, if one may give it: a warm run
    /// only while this prober's probes may run warm.
    fn recorded_answer(&self, order: &[String]) -> Option<bool> {
        if !self.reuse {
            return None;
        }
        let context = self.context;
        let victim = context
            .reuse
            .answer(order, self.warm(), &context.reported)?;
        Some(self.shows_target(&victim))
    }
}

impl OrderProber<'_> {
    /// A warm probe that could not be used is no answer: warm probing stops, and the probe runs
    /// again cold.
    fn retry_cold(&self, reason: &str, order: &[String], worker: usize) -> Result<Option<bool>> {
        self.context.warmth.give_up(reason);
        self.run_one(order, worker)
    }
}

/// Where the order the runner ran first departs from the one asked for, in words; None when
/// they are the same.
pub fn first_difference(asked: &[String], ran: &[&str]) -> Option<String> {
    let shown = |id: &str| format!("{id:?}");
    let at = asked
        .iter()
        .zip(ran)
        .position(|(a, r)| a != r)
        .unwrap_or(asked.len().min(ran.len()));
    let said = match (asked.get(at), ran.get(at)) {
        (None, None) => return None,
        (Some(wanted), Some(got)) => format!(
            "at position {} of {}, it ran {} where bleed asked for {}",
            at + 1,
            asked.len(),
            shown(got),
            shown(wanted)
        ),
        (Some(wanted), None) => format!(
            "it ran only {} of the {} asked for, stopping before {}",
            ran.len(),
            human::count(asked.len(), "test"),
            shown(wanted)
        ),
        (None, Some(extra)) => format!(
            "it ran the {} asked for, then {} more, starting with {}",
            human::count(asked.len(), "test"),
            ran.len() - asked.len(),
            shown(extra)
        ),
    };
    Some(said)
}

impl Prober for OrderProber<'_> {
    fn probe(&mut self, subsets: &[Vec<usize>]) -> Vec<bool> {
        if self.interrupted() {
            return vec![false; subsets.len()];
        }
        let orders: Vec<Vec<String>> = subsets.iter().map(|s| self.order(s)).collect();
        let recorded: Vec<Option<bool>> = orders.iter().map(|o| self.recorded_answer(o)).collect();
        let unanswered = orders
            .iter()
            .zip(&recorded)
            .filter(|(_, answer)| answer.is_none())
            .map(|(order, _)| order);
        let ran: Vec<Result<Option<bool>>> = std::thread::scope(|scope| {
            let this = &*self;
            let handles: Vec<_> = unanswered
                .enumerate()
                .map(|(slot, order)| scope.spawn(move || this.run_one(order, slot + 1)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a probe thread panicked"))
                .collect()
        });
        let mut ran = ran.into_iter();
        let outcomes: Vec<Result<Option<bool>>> = recorded
            .into_iter()
            .map(|answer| match answer {
                Some(answer) => Ok(Some(answer)),
                None => ran.next().expect("every unanswered order ran"),
            })
            .collect();
        let mut answers = Vec::with_capacity(subsets.len());
        // A round cut short by an error or Ctrl-C narrows nothing.
        if outcomes.iter().all(|o| matches!(o, Ok(Some(_)))) {
            self.context.progress.round(
                subsets
                    .iter()
                    .zip(&outcomes)
                    .filter(|(_, o)| matches!(o, Ok(Some(true))))
                    .map(|(subset, _)| subset.len()),
            );
        }
        for outcome in outcomes {
            match outcome {
                Ok(Some(answer)) => answers.push(answer),
                Ok(None) => answers.push(false),
                Err(error) => {
                    self.error.get_or_insert(error);
                    answers.push(false);
                }
            }
        }
        answers
    }

    fn interrupted(&self) -> bool {
        self.error.is_some() || interrupt::requested()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn a_search_says_it_reproduces_first_then_that_it_searches_counting_its_own_rounds() {
        let mut search = Search {
            phase: "searching",
            opening: Some("reproducing the failing order"),
            rounds: 0,
            suspects: Some(15),
        };
        assert_eq!(
            search.message(),
            "reproducing the failing order (15 tests still suspected)"
        );
        search.rounds = 1;
        search.suspects = Some(9);
        assert_eq!(
            search.message(),
            "searching (1 round, 9 tests still suspected)"
        );
        let done = Search {
            phase: "done",
            ..Search::default()
        };
        assert_eq!(done.message(), "done", "the summary says what it cost");
    }

    #[test]
    fn the_first_difference_between_orders_is_named() {
        let asked = ids(&["a", "b", "c"]);
        assert_eq!(first_difference(&asked, &["a", "b", "c"]), None);
        assert_eq!(
            first_difference(&asked, &["a", "c", "b"]).unwrap(),
            "at position 2 of 3, it ran \"c\" where bleed asked for \"b\""
        );
        assert_eq!(
            first_difference(&asked, &["a"]).unwrap(),
            "it ran only 1 of the 3 tests asked for, stopping before \"b\""
        );
        assert_eq!(
            first_difference(&asked, &["a", "b", "c", "d"]).unwrap(),
            "it ran the 3 tests asked for, then 1 more, starting with \"d\""
        );
        // Ids that differ only in trailing spaces are told apart.
        assert!(
            first_difference(&ids(&["t "]), &["t"])
                .unwrap()
                .contains("\"t\" where bleed asked for \"t \"")
        );
    }
}
