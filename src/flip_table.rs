//! The hunt's result as a terminal table.

use std::fmt::Write;

use crate::bisect::percent;
use crate::classify::Kind;
use crate::exec;
use crate::fit::{Fit, column_widths, wrap};
use crate::flips::Flip;
use crate::human::{Paint, count, counted, duration, visible_width};
use crate::hunt::Hunt;
use crate::order::Mode;
use crate::outcome::first_line;
use crate::template::quote;

/// Above this chance of missing a polluter that pollutes only the test right after it, the
/// table points at `--order pairs`.
const PAIRS_WORTH_IT: f64 = 0.05;

/// The table, coloured by `paint`; `bisect` is how to call `bleed bisect` on this hunt's runs
/// (with its store and replay command when they are not the defaults), for the next step, or
/// None when the bisections follow (`hunt --bisect`). `width`: the terminal's, to fit the table
/// to; None leaves it whole (a pipe, a file).
pub fn render(hunt: &Hunt, bisect: Option<&str>, paint: Paint, width: Option<usize>) -> String {
    let mut out = String::new();
    headline(&mut out, hunt);
    let flips = &hunt.analysis.flips;
    if flips.is_empty() && hunt.analysis.always_failing.is_empty() {
        let _ = writeln!(
            out,
            "no test failed among {}",
            count(hunt.analysis.tests, "test")
        );
    } else if !flips.is_empty() {
        let _ = writeln!(
            out,
            "{} of {} flipped:",
            count(flips.len(), "test"),
            hunt.analysis.tests
        );
        for kind in Kind::ALL {
            let group: Vec<&Flip> = flips.iter().filter(|f| f.kind == kind).collect();
            if !group.is_empty() {
                let heading = format!("{} ({})", kind.name(), group.len());
                let lead = format!("{}: ", heading_paint(kind, paint, &heading));
                out.push('\n');
                for line in hang(&lead, kind.meaning(), width) {
                    let _ = writeln!(out, "{line}");
                }
                table(&mut out, &group, paint, width);
            }
        }
        if flips
            .iter()
            .any(|f| f.failed_seeds.len() > 1 || f.passed_seeds.len() > 1)
        {
            let _ = writeln!(
                out,
                "\n{}",
                paint.dim("One seed of each is shown; --json lists them all.")
            );
        }
    }
    if !hunt.analysis.always_failing.is_empty() {
        let heading = format!("always-failing ({})", hunt.analysis.always_failing.len());
        let _ = writeln!(
            out,
            "\n{}: {}",
            heading_paint(Kind::AlwaysFailing, paint, &heading),
            Kind::AlwaysFailing.meaning()
        );
        for test in &hunt.analysis.always_failing {
            let _ = writeln!(out, "  {test}");
        }
    }
    timeouts(&mut out, hunt, paint);
    indistinguishable(&mut out, hunt);
    missed(&mut out, hunt);
    next_steps(&mut out, hunt, bisect, paint);
    out
}

/// A kind's heading in its colour: red for what the order causes, yellow for the brittle, cyan
/// for what the order does not explain, dim for what was not checked.
fn heading_paint(kind: Kind, paint: Paint, heading: &str) -> String {
    let coloured = match kind {
        Kind::OrderDependent | Kind::AlwaysFailing => paint.red(heading),
        Kind::Brittle => paint.yellow(heading),
        Kind::NonDeterministic | Kind::Interference => paint.cyan(heading),
        Kind::Unconfirmed => return paint.dim(heading),
    };
    paint.bold(&coloured)
}

fn headline(out: &mut String, hunt: &Hunt) {
    let runs = hunt.runs;
    let mut health = format!("{} ok", runs.ok);
    if runs.broken > 0 {
        let _ = write!(health, ", {} broken", runs.broken);
    }
    if runs.timed_out > 0 {
        let _ = write!(health, ", {} timed out", runs.timed_out);
    }
    let confirmations = match runs.confirmations {
        0 => String::new(),
        n => format!(
            ", and {}",
            counted(n, "confirmation run", "confirmation runs")
        ),
    };
    let order = match hunt.order {
        Mode::Runner => String::new(),
        order => format!(", --order {order}"),
    };
    let _ = writeln!(
        out,
        "{} ({health}) of `{}`{order}, master seed {}, runner {}{confirmations}",
        count(runs.total, "run"),
        hunt.command,
        hunt.master_seed,
        hunt.runner
    );
    if let Some(kept) = &hunt.kept_together {
        let _ = writeln!(
            out,
            "{} keeps together {kept}: bleed's orders vary the rest",
            hunt.runner
        );
    }
    if let Some(quiet) = hunt.quiet.filter(|q| q.stopped_early) {
        let _ = writeln!(
            out,
            "stopped early: the last {} found no test failing or flipping for the first time",
            count(quiet.quiet_runs as usize, "run")
        );
    }
    if let Some(share) = hunt.shard {
        let _ = writeln!(
            out,
            "shard {}/{}: {} of the hunt's {}; `bleed merge` the shards' stores for the whole hunt",
            share.k,
            share.n,
            count(runs.asked as usize, "run"),
            share.hunt_runs
        );
    }
    if runs.left_running > 0 {
        let _ = writeln!(
            out,
            "{}",
            exec::left_running("run", runs.left_running, runs.strays)
        );
    }
    if (runs.ok as u64) < runs.asked && !hunt.interrupted {
        let _ = writeln!(
            out,
            "only {} of {} asked for gave results: the flips below rest on fewer runs",
            runs.ok,
            count(runs.asked as usize, "run")
        );
    }
}

/// How many of a row's columns to try keeping as the terminal narrows, most first: the seed
/// it passed with goes first, then the one it failed with, then both means; its count stays.
const KEEP: [usize; 4] = [5, 4, 3, 1];

fn table(out: &mut String, flips: &[&Flip], paint: Paint, width: Option<usize>) {
    let header = [
        "failed",
        "mean pass",
        "mean fail",
        "failed with seed",
        "passed with seed",
    ];
    let rows: Vec<[String; 5]> = flips
        .iter()
        .map(|flip| {
            [
                format!("{}/{}", flip.failed, flip.failed + flip.passed),
                duration(flip.mean_pass_seconds),
                duration(flip.mean_fail_seconds),
                seeds(&flip.failed_seeds),
                seeds(&flip.passed_seeds),
            ]
        })
        .collect();
    let widths = column_widths(&header, &rows);
    let id_width = flips.iter().map(|f| f.test.chars().count()).max();
    let fit = Fit::of(&widths, &KEEP, id_width.unwrap_or(0), width);
    let line = |cells: [&str; 5], paint: Paint| {
        let mut text = String::from("  ");
        for (c, cell) in cells.iter().enumerate().take(fit.shown) {
            let pad = " ".repeat(widths[c] - cell.chars().count());
            // Numbers read best right-aligned, seeds left-aligned.
            match c {
                0 => {
                    let _ = write!(text, "{pad}{}  ", paint.red(cell));
                }
                1 | 2 => {
                    let _ = write!(text, "{pad}{cell}  ");
                }
                _ => {
                    let _ = write!(text, "{cell}{pad}  ");
                }
            }
        }
        text
    };
    let header_line = format!("{}test", line(header, Paint::plain()));
    let _ = writeln!(out, "{}", paint.dim(&header_line));
    for (row, flip) in rows.iter().zip(flips) {
        let cells = row.each_ref().map(String::as_str);
        let _ = writeln!(out, "{}{}", line(cells, paint), flip.test);
        for detail in details(flip, row, fit, paint) {
            let _ = writeln!(out, "{}{detail}", " ".repeat(fit.indent));
        }
    }
}

/// The lines under a flip's row: its message, what its row had no room for, and why it is of
/// its kind, each to fit in the room the row leaves. Nothing is cut: a seed or a sentence cut
/// short would say something else.
fn details(flip: &Flip, row: &[String; 5], fit: Fit, paint: Paint) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(message) = &flip.message {
        lines.extend(hang("└ ", first_line(message), fit.room));
    }
    if fit.shown < 3 {
        let means = [
            format!("mean pass {}", row[1]),
            format!("mean fail {}", row[2]),
        ];
        side_by_side(&mut lines, &means, fit.room);
    }
    let seeds: Vec<String> = [(3, "failed"), (4, "passed")]
        .into_iter()
        .filter(|&(c, _)| c >= fit.shown && !row[c].is_empty())
        .map(|(c, outcome)| format!("{outcome} with seed {}", row[c]))
        .collect();
    side_by_side(&mut lines, &seeds, fit.room);
    if let Some(evidence) = &flip.evidence {
        let lead = format!("  {} ", paint.dim("why:"));
        lines.extend(hang(&lead, &evidence.reason, fit.room));
    }
    lines
}

/// `text` after `lead`, broken between words to fit in `room`, its lines after the first
/// starting under its first; None leaves it on one line.
fn hang(lead: &str, text: &str, room: Option<usize>) -> Vec<String> {
    let Some(room) = room else {
        return vec![format!("{lead}{text}")];
    };
    let under = " ".repeat(visible_width(lead));
    wrap(text, room.saturating_sub(under.len()))
        .into_iter()
        .enumerate()
        .map(|(i, part)| format!("{}{part}", if i == 0 { lead } else { &under }))
        .collect()
}

/// Facts a row had no room for, on one line when it fits in `room`, else one a line.
fn side_by_side(lines: &mut Vec<String>, facts: &[String], room: Option<usize>) {
    if facts.is_empty() {
        return;
    }
    let together = format!("  {}", facts.join(" · "));
    if room.is_none_or(|room| together.chars().count() <= room) {
        lines.push(together);
    } else {
        lines.extend(facts.iter().map(|fact| format!("  {fact}")));
    }
}

fn timeouts(out: &mut String, hunt: &Hunt, paint: Paint) {
    if hunt.timeouts.is_empty() {
        if hunt.runs.broken > 0 {
            let _ = writeln!(
                out,
                "\n{} no usable report; the output is under {}",
                counted(hunt.runs.broken, "run gave", "runs gave"),
                hunt.store.join("logs").display()
            );
        }
        return;
    }
    let heading = format!("timed out ({})", hunt.timeouts.len());
    let _ = writeln!(
        out,
        "\n{}: killed by --timeout; a test may hang only in some orders",
        paint.bold(&paint.yellow(&heading))
    );
    for timeout in &hunt.timeouts {
        let place = match (&timeout.running, &timeout.last_finished) {
            (Some(running), _) => format!("while running {running}"),
            (None, Some(last)) => {
                format!("after {}, the last {last}", count(timeout.finished, "test"))
            }
            (None, None) => "before any test reported".to_string(),
        };
        let _ = writeln!(
            out,
            "  seed {}: {place}; output in {}",
            timeout.seed,
            hunt.store.join(&timeout.log).display()
        );
    }
}

fn indistinguishable(out: &mut String, hunt: &Hunt) {
    if hunt.indistinguishable.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n{} cannot tell these tests apart (the same title at the same place, such as test.each \
         rows without a placeholder): their ids follow the order they ran, so a flip may mix them up",
        hunt.runner
    );
    for group in &hunt.indistinguishable {
        let _ = writeln!(out, "  {}", group.join(", "));
    }
}

/// What the orders run could have missed, and the order that would miss less.
fn missed(out: &mut String, hunt: &Hunt) {
    let Some(coverage) = &hunt.coverage else {
        return;
    };
    let _ = writeln!(
        out,
        "\nHad one test polluted another, {} would have missed it with a chance of {} if it \
         pollutes whenever it runs earlier, {} if only when it runs right before ({} pairs of \
         tests{}).",
        match coverage.runs {
            1 => "this run's order".to_string(),
            n => format!("these {n} runs' orders"),
        },
        chance(coverage.missed_before),
        chance(coverage.missed_adjacent),
        coverage.pairs,
        if coverage.sampled.is_some() {
            ", estimated from a sample"
        } else {
            ""
        }
    );
    if let Some(runs) = hunt
        .pairs_runs
        .filter(|_| hunt.order != Mode::Pairs && coverage.missed_adjacent > PAIRS_WORTH_IT)
    {
        let _ = writeln!(
            out,
            "--order pairs puts every two tests side by side in {}.",
            count(runs as usize, "run")
        );
    }
}

/// A chance as a percentage; none at all is 0, not a bound.
fn chance(probability: f64) -> String {
    if probability == 0.0 {
        "0 %".to_string()
    } else {
        percent(probability)
    }
}

/// The next command worth running, pointing only at kinds whose cause is in the order, and
/// what to do about interference.
fn next_steps(out: &mut String, hunt: &Hunt, bisect: Option<&str>, paint: Paint) {
    let flips = &hunt.analysis.flips;
    if let Some(bisect) = bisect
        && let Some(flip) = flips.iter().find(|f| f.kind.bisectable())
        && let Some(seed) = flip.failed_seeds.first()
    {
        let command = format!("{bisect} --seed {seed} --victim {}", quote(&flip.test));
        let _ = writeln!(
            out,
            "\n{} {}",
            paint.bold("Find what bleeds into it:"),
            paint.cyan(&command)
        );
    }
    if flips.iter().any(|f| f.kind == Kind::Interference) {
        let _ = writeln!(
            out,
            "\nInterference: copies of the suite running at once share something (a scratch \
             directory, a port, a database). Give each its own with <worker> in --cmd (also \
             $BLEED_WORKER, 1…jobs), or hunt with --jobs 1."
        );
    }
}

fn seeds(seeds: &[u64]) -> String {
    match seeds {
        [] => String::new(),
        [only] => only.to_string(),
        [first, rest @ ..] => format!("{first} and {} more", rest.len()),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::classify::Evidence;
    use crate::flips::Analysis;
    use crate::hunt::{RunCounts, ShardShare};

    fn flip(test: &str, kind: Kind, failed_seeds: &[u64], passed_seeds: &[u64]) -> Flip {
        Flip {
            test: test.to_string(),
            failed: failed_seeds.len(),
            passed: passed_seeds.len(),
            failed_seeds: failed_seeds.to_vec(),
            passed_seeds: passed_seeds.to_vec(),
            mean_pass_seconds: Some(0.0012),
            mean_fail_seconds: Some(0.0),
            message: Some("expected USD, got EUR".to_string()),
            kind,
            evidence: Some(Evidence {
                reason: "it passes alone".to_string(),
                ..Evidence::default()
            }),
        }
    }

    fn hunt() -> Hunt {
        Hunt {
            master_seed: 19497,
            command: "pytest -q".to_string(),
            runner: "pytest".to_string(),
            order: Mode::Runner,
            kept_together: None,
            quiet: None,
            coverage: None,
            pairs_runs: None,
            runs: RunCounts {
                asked: 3,
                total: 3,
                ok: 3,
                confirmations: 1,
                ..RunCounts::default()
            },
            shard: None,
            analysis: Analysis {
                flips: vec![
                    flip(
                        "tests/test_cart.py::test_total",
                        Kind::OrderDependent,
                        &[11, 12],
                        &[13],
                    ),
                    flip(
                        "tests/test_clock.py::test_tick",
                        Kind::NonDeterministic,
                        &[12],
                        &[11, 13],
                    ),
                ],
                always_failing: Vec::new(),
                tests: 9,
            },
            timeouts: Vec::new(),
            indistinguishable: Vec::new(),
            new_runs: 3,
            warm: None,
            interrupted: false,
            store: PathBuf::from("/project/.bleed"),
        }
    }

    /// A flip as a hunt of the pytest suite in testdata finds it.
    fn found(
        test: &str,
        kind: Kind,
        seeds: [&[u64]; 2],
        means: [f64; 2],
        lines: [&str; 2],
    ) -> Flip {
        let [message, reason] = lines;
        Flip {
            mean_pass_seconds: Some(means[0]),
            mean_fail_seconds: Some(means[1]),
            message: Some(format!("{message}\nthe rest of the traceback")),
            evidence: Some(Evidence {
                reason: reason.to_string(),
                ..Evidence::default()
            }),
            ..flip(test, kind, seeds[0], seeds[1])
        }
    }

    /// 20 runs of the pytest suite in testdata, with an id longer than a narrow terminal.
    fn pytest_hunt() -> Hunt {
        let seeds: Vec<u64> = (0..20).map(|i| 1_502_836_065 - i * 37_124_711).collect();
        let again = "its failing order fails again, and it passes alone";
        let flips = vec![
            found(
                "tests/test_cart.py::test_total_is_in_dollars",
                Kind::OrderDependent,
                [&seeds[..12], &seeds[12..]],
                [0.000_22, 0.000_58],
                ["AssertionError: assert '12.50 EUR' == '12.50 USD'", again],
            ),
            found(
                "tests/test_cart.py::test_checkout_gets_a_connection",
                Kind::OrderDependent,
                [&seeds[14..], &seeds[..14]],
                [0.000_18, 0.000_27],
                [
                    "RuntimeError: connection pool exhausted, held by ['stock-check', 'price-lookup']",
                    again,
                ],
            ),
            found(
                "tests/test_inventory.py::test_export_inventory_as_csv[every column, in the order of the header]",
                Kind::Brittle,
                [&seeds[..10], &seeds[10..]],
                [0.000_19, 0.0011],
                [
                    "AssertionError: no csv exporter registered",
                    "it fails alone, yet passed in 10 runs: some test that ran before it sets up what it needs",
                ],
            ),
            found(
                "tests/test_clock.py::test_tick",
                Kind::NonDeterministic,
                [&seeds[3..4], &seeds[4..5]],
                [0.0012, 0.0],
                [
                    "AssertionError: the clock answered late",
                    "seed 1391461932 failed it in the hunt and passed it when replayed with nothing else running (2 of 3 replays passed): its result does not follow from the order",
                ],
            ),
        ];
        let mut hunt = hunt();
        hunt.command = "python3 -m pytest -q".to_string();
        hunt.runs = RunCounts {
            asked: 20,
            total: 20,
            ok: 20,
            confirmations: 12,
            ..RunCounts::default()
        };
        hunt.analysis = Analysis {
            flips,
            always_failing: Vec::new(),
            tests: 23,
        };
        hunt
    }

    #[test]
    fn without_a_terminal_nothing_moves() {
        let text = render(&pytest_hunt(), Some("bleed bisect"), Paint::plain(), None);
        let expected = "\
20 runs (20 ok) of `python3 -m pytest -q`, master seed 19497, runner pytest, and 12 confirmation runs
4 tests of 23 flipped:

order-dependent (2): fails after some tests, passes alone: bisect it
  failed  mean pass  mean fail  failed with seed        passed with seed        test
   12/20     0.22ms     0.58ms  1502836065 and 11 more  1057339533 and 7 more   tests/test_cart.py::test_total_is_in_dollars
                                                                                └ AssertionError: assert '12.50 EUR' == '12.50 USD'
                                                                                  why: its failing order fails again, and it passes alone
    6/20     0.18ms     0.27ms  983090111 and 5 more    1502836065 and 13 more  tests/test_cart.py::test_checkout_gets_a_connection
                                                                                └ RuntimeError: connection pool exhausted, held by ['stock-check', 'price-lookup']
                                                                                  why: its failing order fails again, and it passes alone

brittle (1): fails alone, passes after some tests: bisect it for its state-setters
  failed  mean pass  mean fail  failed with seed       passed with seed       test
   10/20     0.19ms      1.1ms  1502836065 and 9 more  1131588955 and 9 more  tests/test_inventory.py::test_export_inventory_as_csv[every column, in the order of the header]
                                                                              └ AssertionError: no csv exporter registered
                                                                                why: it fails alone, yet passed in 10 runs: some test that ran before it sets up what it needs

non-deterministic (1): the same order both passed and failed: timing, randomness or the network, not the order
  failed  mean pass  mean fail  failed with seed  passed with seed  test
     1/2      1.2ms      <10ms  1391461932        1354337221        tests/test_clock.py::test_tick
                                                                    └ AssertionError: the clock answered late
                                                                      why: seed 1391461932 failed it in the hunt and passed it when replayed with nothing else running (2 of 3 replays passed): its result does not follow from the order

One seed of each is shown; --json lists them all.

Find what bleeds into it: bleed bisect --seed 1502836065 --victim tests/test_cart.py::test_total_is_in_dollars
";
        assert_eq!(text, expected);
    }

    /// The lines of `text` from a flip's row to the next row or blank line.
    fn block<'a>(text: &'a str, hunt: &Hunt, flip: &Flip) -> Vec<&'a str> {
        let ends_a_row = |line: &str| hunt.analysis.flips.iter().any(|f| line.ends_with(&f.test));
        let mut lines = text
            .lines()
            .skip_while(|l| !l.ends_with(&format!("  {}", flip.test)));
        let row = lines.next().expect("the flip's row");
        let under =
            lines.take_while(|l| !l.is_empty() && !ends_a_row(l) && !l.starts_with("  failed  "));
        [row].into_iter().chain(under).collect()
    }

    fn words(lines: &[&str]) -> String {
        lines
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn a_narrow_terminal_moves_columns_under_the_test_and_loses_no_fact() {
        let hunt = pytest_hunt();
        for width in [60, 80, 120, 200] {
            let text = render(&hunt, Some("bleed bisect"), Paint::plain(), Some(width));
            let table = &text[text.find("flipped:").expect("the table")
                ..text.find("One seed of each").expect("the footnote")];
            for line in table.lines().filter(|l| l.chars().count() > width) {
                let (count, id) = line.trim_start().split_once("  ").unwrap_or_default();
                assert!(
                    count.contains('/') && hunt.analysis.flips.iter().any(|f| f.test == id),
                    "{width} columns: only a row too long for its id alone may overflow, \
                     whole: {line:?}\n{text}"
                );
            }
            for flip in &hunt.analysis.flips {
                let lines = block(&text, &hunt, flip);
                let (row, said) = (lines[0], words(&lines));
                let header = text[..text.find(row).unwrap_or_default()]
                    .lines()
                    .rfind(|l| l.starts_with("  failed  "))
                    .unwrap_or_default();
                let shown = format!("{width} columns:\n{}", lines.join("\n"));
                assert!(row.contains(&format!("{}/{}", flip.failed, flip.failed + flip.passed)));
                for (label, cell) in [
                    ("mean pass", duration(flip.mean_pass_seconds)),
                    ("mean fail", duration(flip.mean_fail_seconds)),
                    ("failed with seed", seeds(&flip.failed_seeds)),
                    ("passed with seed", seeds(&flip.passed_seeds)),
                ] {
                    let in_its_column = header.contains(label) && row.contains(&cell);
                    assert!(
                        in_its_column || said.contains(&format!("{label} {cell}")),
                        "{label} {cell} is shown: {shown}"
                    );
                }
                let message = first_line(flip.message.as_deref().unwrap_or_default());
                let reason = &flip.evidence.as_ref().expect("evidence").reason;
                for fact in [format!("└ {message}"), format!("why: {reason}")] {
                    assert!(said.contains(&words(&[&fact])), "{fact} is shown: {shown}");
                }
            }
        }
    }

    #[test]
    fn the_table_reads_on_its_own() {
        let text = render(&hunt(), Some("bleed bisect"), Paint::plain(), None);
        let expected = "\
3 runs (3 ok) of `pytest -q`, master seed 19497, runner pytest, and 1 confirmation run
2 tests of 9 flipped:

order-dependent (1): fails after some tests, passes alone: bisect it
  failed  mean pass  mean fail  failed with seed  passed with seed  test
     2/3      1.2ms      <10ms  11 and 1 more     13                tests/test_cart.py::test_total
                                                                    └ expected USD, got EUR
                                                                      why: it passes alone

non-deterministic (1): the same order both passed and failed: timing, randomness or the network, not the order
  failed  mean pass  mean fail  failed with seed  passed with seed  test
     1/3      1.2ms      <10ms  12                11 and 1 more     tests/test_clock.py::test_tick
                                                                    └ expected USD, got EUR
                                                                      why: it passes alone

One seed of each is shown; --json lists them all.

Find what bleeds into it: bleed bisect --seed 11 --victim tests/test_cart.py::test_total
";
        assert_eq!(text, expected);
    }

    #[test]
    fn colour_marks_kinds_failures_and_the_next_step_without_moving_a_column() {
        let plain = render(&hunt(), Some("bleed bisect"), Paint::plain(), None);
        let coloured = render(&hunt(), Some("bleed bisect"), Paint { enabled: true }, None);
        assert!(coloured.contains("\x1b[1m\x1b[31morder-dependent (1)\x1b[0m\x1b[0m:"));
        assert!(coloured.contains("\x1b[1m\x1b[36mnon-deterministic (1)\x1b[0m\x1b[0m:"));
        assert!(coloured.contains("\x1b[31m2/3\x1b[0m"));
        assert!(coloured.contains("\x1b[36mbleed bisect --seed 11"));
        let widths =
            |text: &str| -> Vec<usize> { text.lines().map(crate::human::visible_width).collect() };
        assert_eq!(widths(&coloured), widths(&plain));
        let at = |paint| render(&pytest_hunt(), None, paint, Some(60));
        assert_eq!(
            widths(&at(Paint { enabled: true })),
            widths(&at(Paint::plain()))
        );
    }

    #[test]
    fn a_shard_says_which_share_of_the_hunt_it_made() {
        let mut hunt = hunt();
        hunt.shard = Some(ShardShare {
            k: 2,
            n: 4,
            hunt_runs: 12,
        });
        let text = render(&hunt, Some("bleed bisect"), Paint::plain(), None);
        let head: Vec<&str> = text.lines().take(2).collect();
        assert_eq!(
            head,
            [
                "3 runs (3 ok) of `pytest -q`, master seed 19497, runner pytest, and 1 confirmation run",
                "shard 2/4: 3 runs of the hunt's 12; `bleed merge` the shards' stores for the whole hunt",
            ]
        );
    }

    #[test]
    fn runs_that_left_processes_running_are_said_to_have() {
        let mut hunt = hunt();
        hunt.runs.left_running = 2;
        hunt.runs.strays = 3;
        let text = render(&hunt, Some("bleed bisect"), Paint::plain(), None);
        let head: Vec<&str> = text.lines().take(2).collect();
        assert_eq!(
            head[1],
            "2 runs left processes running when they ended; bleed ended them (3 processes)"
        );
    }

    #[test]
    fn seeds_show_one_and_count_the_rest() {
        assert_eq!(seeds(&[]), "");
        assert_eq!(seeds(&[7]), "7");
        assert_eq!(seeds(&[7, 8, 9]), "7 and 2 more");
    }
}
