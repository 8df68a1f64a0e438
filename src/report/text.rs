//! `--format text`: aligned tables for a terminal. Ids come last on a row, whole, so they can be
//! copied; only the lines under them (messages, seeds) are cut to the terminal's width.

use std::fmt::Write as _;

use super::view::{Interference, Source, Spread, TestStats, View};
use crate::classify::Kind;
use crate::fit::{Fit, ID_ROOM, column_widths, cut};
use crate::human::{Paint, count, counted, duration, plus_minus};

/// `width`: cut long lines to it; `None` leaves them whole (a pipe, a file).
pub fn render(view: &View, paint: Paint, width: Option<usize>) -> String {
    let mut out = String::new();
    headline(&mut out, view, paint);
    most_failing(&mut out, view, paint, width);
    interference(&mut out, view, paint);
    slowest(&mut out, view, paint);
    timeouts(&mut out, view, paint);
    health(&mut out, view, paint);
    out
}

fn headline(out: &mut String, view: &View, paint: Paint) {
    let health = &view.health;
    let failing = match health.failing_tests {
        0 => paint.green("none failed"),
        n => paint.red(&format!("{n} failed at least once")),
    };
    let _ = writeln!(
        out,
        "{} of {}: of the suite's {}, {failing}",
        paint.bold(&count(health.runs, "run")),
        count(health.hunts.len(), "hunt"),
        count(health.tests, "test"),
    );
}

fn most_failing(out: &mut String, view: &View, paint: Paint, width: Option<usize>) {
    let failing: Vec<&TestStats> = view.failing().collect();
    if failing.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{}", paint.bold("Most failing"));
    let header = [
        "failed",
        "rate",
        "kind",
        "pass: mean ± sd",
        "fail: mean ± sd",
        "first failed",
        "last failed",
    ];
    let rows: Vec<[String; 7]> = failing
        .iter()
        .map(|t| {
            [
                format!("{}/{}", t.failures, t.runs),
                format!("{:.0}%", t.fail_rate() * 100.0),
                t.kind.map(Kind::name).unwrap_or_default().to_string(),
                mean_and_spread(t.pass_seconds),
                mean_and_spread(t.fail_seconds),
                short_time(t.first_failed.as_deref()),
                short_time(t.last_failed.as_deref()),
            ]
        })
        .collect();
    let widths = column_widths(&header, &rows);
    // The dates go first, then the durations, both of a pair at once; the counts and the kind
    // always stay.
    let Fit {
        shown,
        indent,
        room,
    } = Fit::of(&widths, &[7, 5, 3], ID_ROOM, width);
    let right_aligned = [true, true, false, true, true, false, false];
    let line = |cells: &[String; 7], paint_cell: &dyn Fn(usize, &str) -> String| {
        let mut text = String::from("  ");
        for (c, cell) in cells.iter().enumerate().take(shown) {
            let pad = " ".repeat(widths[c] - cell.chars().count());
            let painted = paint_cell(c, cell);
            if right_aligned[c] {
                let _ = write!(text, "{pad}{painted}  ");
            } else {
                let _ = write!(text, "{painted}{pad}  ");
            }
        }
        text
    };
    let header_cells = header.map(str::to_string);
    let _ = writeln!(out, "{}test", line(&header_cells, &|_, c| paint.dim(c)));
    for (test, row) in failing.iter().zip(&rows) {
        let painted = |c: usize, cell: &str| match c {
            0 => paint.red(cell),
            2 => paint_kind(paint, test.kind, cell),
            _ => cell.to_string(),
        };
        let _ = writeln!(out, "{}{}", line(row, &painted), shown_id(test, paint));
        for detail in details(test, row, shown, room) {
            let _ = writeln!(
                out,
                "{}{}",
                " ".repeat(indent),
                paint.dim(&cut(&detail, room))
            );
        }
    }
}

/// The lines under a failing test's row: its message, its seeds, and what its row had no room
/// for, each to fit in `room`.
fn details(test: &TestStats, row: &[String; 7], shown: usize, room: Option<usize>) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(message) = &test.message {
        lines.push(format!("└ {}", message.lines().next().unwrap_or_default()));
    }
    lines.push(format!(
        "  {}",
        seeds(&test.failed_seeds, room.map(|r| r.saturating_sub(2)))
    ));
    let took: Vec<String> = [(&row[3], "passing"), (&row[4], "failing")]
        .into_iter()
        .filter(|(time, _)| *time != "-")
        .map(|(time, outcome)| format!("{time} {outcome}"))
        .collect();
    if shown < 5 && !took.is_empty() {
        let together = format!("  took {}", took.join(", "));
        if room.is_none_or(|room| together.chars().count() <= room) {
            lines.push(together);
        } else {
            lines.extend(took.iter().map(|took| format!("  took {took}")));
        }
    }
    if shown < 7 {
        lines.push(format!("  first failed {}, last {}", row[5], row[6]));
    }
    lines
}

/// `0.55ms ± 0.11ms`: a test's mean duration and its sample standard deviation; `<10ms` alone
/// when the runner timed every run as 0, which says nothing of a spread.
pub(super) fn mean_and_spread(spread: Option<Spread>) -> String {
    match spread {
        Some(spread) if spread.count > 1 && spread.max > 0.0 => {
            format!("{} {}", duration(Some(spread.mean)), plus_minus(spread.sd))
        }
        Some(spread) => duration(Some(spread.mean)),
        None => "-".to_string(),
    }
}

fn shown_id(test: &TestStats, paint: Paint) -> String {
    match &test.name {
        Some(name) => format!("{}  {}", test.id, paint.dim(name)),
        None => test.id.clone(),
    }
}

fn paint_kind(paint: Paint, kind: Option<Kind>, text: &str) -> String {
    match kind {
        Some(Kind::OrderDependent | Kind::AlwaysFailing) => paint.red(text),
        Some(Kind::Brittle) => paint.yellow(text),
        Some(Kind::Interference | Kind::NonDeterministic) => paint.cyan(text),
        Some(Kind::Unconfirmed) | None => paint.dim(text),
    }
}

/// The seeds a test failed with: the first few that fit in `room`, and how many more. Seeds
/// are never cut: one cut would be another seed.
fn seeds(seeds: &[u64], room: Option<usize>) -> String {
    const SHOWN: usize = 5;
    if seeds.is_empty() {
        return "failed only in imported runs without a seed".to_string();
    }
    let fits = |line: &String| room.is_none_or(|room| line.chars().count() <= room);
    (1..=seeds.len().min(SHOWN))
        .rev()
        .map(|listed| seeds_line(seeds, listed))
        .find(fits)
        .unwrap_or_else(|| seeds_line(seeds, 1))
}

fn seeds_line(seeds: &[u64], listed: usize) -> String {
    let shown: Vec<String> = seeds.iter().take(listed).map(u64::to_string).collect();
    let noun = if seeds.len() == 1 { "seed" } else { "seeds" };
    match seeds.len() - listed {
        0 => format!("failed with {noun} {}", shown.join(", ")),
        more => format!("failed with {noun} {} and {more} more", shown.join(", ")),
    }
}

fn interference(out: &mut String, view: &View, paint: Paint) {
    if view.interference.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{}", paint.bold("Polluters → victims"));
    for pair in &view.interference {
        let label = match (pair.source, &pair.verdict) {
            (Source::Suspected, _) => paint.yellow("suspected, not bisected yet"),
            (Source::Bisected, Some(verdict)) => {
                paint.green(&format!("bisected: {}", verdict_name(*verdict)))
            }
            (Source::Bisected, None) => paint.green("bisected"),
        };
        let _ = writeln!(out, "  {}  ({label})", paint.bold(&pair.victim));
        culprit_lines(out, view, pair);
        for (label, command) in [
            ("reproduce", &pair.reproduce),
            ("alone", &pair.alone),
            ("bisect", &pair.bisect),
        ] {
            if let Some(command) = command {
                let _ = writeln!(out, "    {label:<13}{}", paint.cyan(command));
            }
        }
    }
}

pub(super) fn verdict_name(verdict: crate::bisect::Verdict) -> String {
    serde_json::to_value(verdict)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn culprit_lines(out: &mut String, view: &View, pair: &Interference) {
    let suspected = pair.source == Source::Suspected;
    let groups = [
        (
            if suspected { "suspects" } else { "fails after" },
            &pair.polluters,
        ),
        ("cleaners", &pair.cleaners),
        (
            if suspected {
                "suspects"
            } else {
                "passes after"
            },
            &pair.state_setters,
        ),
    ];
    for (label, tests) in groups {
        for (i, test) in tests.iter().enumerate() {
            let label = if i == 0 { label } else { "" };
            let _ = writeln!(out, "    {label:<13}{test}");
        }
    }
    if suspected && pair.polluters.is_empty() && pair.state_setters.is_empty() {
        let _ = writeln!(
            out,
            "    {:<13}{}",
            "suspects",
            super::no_suspects(view, &pair.victim)
        );
    }
}

fn slowest(out: &mut String, view: &View, paint: Paint) {
    if view.slowest.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{}", paint.bold("Slowest"));
    let header = ["mean", "max", "runs"];
    let rows: Vec<[String; 3]> = view
        .slowest
        .iter()
        .map(|s| {
            [
                duration(Some(s.mean_seconds)),
                duration(Some(s.max_seconds)),
                s.runs.to_string(),
            ]
        })
        .collect();
    let widths = column_widths(&header, &rows);
    let line = |cells: [&str; 3]| {
        cells
            .iter()
            .enumerate()
            .map(|(c, cell)| format!("{cell:>width$}  ", width = widths[c]))
            .collect::<String>()
    };
    let _ = writeln!(out, "  {}test", paint.dim(&line(header)));
    for (slow, row) in view.slowest.iter().zip(&rows) {
        let _ = writeln!(out, "  {}{}", line([&row[0], &row[1], &row[2]]), slow.id);
    }
}

fn timeouts(out: &mut String, view: &View, paint: Paint) {
    if view.timeouts.is_empty() {
        return;
    }
    let heading = format!("Timed out ({})", view.timeouts.len());
    let _ = writeln!(out, "\n{}", paint.bold(&heading));
    for (place, seeds) in super::timeouts_by_place(view) {
        let listed: Vec<String> = seeds.iter().map(u64::to_string).collect();
        let _ = writeln!(out, "  {place}: {}", counted(seeds.len(), "seed", "seeds"));
        let _ = writeln!(out, "    {}", paint.dim(&listed.join(", ")));
    }
}

fn health(out: &mut String, view: &View, paint: Paint) {
    let health = &view.health;
    let _ = writeln!(out, "\n{}", paint.bold("Suite health"));
    for (label, value) in super::health_facts(health) {
        let _ = writeln!(out, "  {label:<14}{value}");
    }
    for (i, hunt) in health.hunts.iter().enumerate() {
        let label = if i == 0 { "hunts" } else { "" };
        let _ = writeln!(
            out,
            "  {label:<14}`{}` ({}), {}: {}, {} to {}",
            hunt.command,
            hunt.runner,
            hunt.origin(),
            count(hunt.runs, "run"),
            short_time(Some(&hunt.first_run)),
            short_time(Some(&hunt.last_run)),
        );
    }
}

/// `2026-12-02 06:08` from an RFC 3339 time, in UTC as recorded.
pub(super) fn short_time(time: Option<&str>) -> String {
    match time {
        Some(time) if time.len() >= 16 => time[..16].replace('T', " "),
        Some(time) => time.to_string(),
        None => "-".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_say_how_many_more_there_are() {
        assert_eq!(seeds(&[7], None), "failed with seed 7");
        assert_eq!(
            seeds(&[1, 2, 3, 4, 5, 6, 7], None),
            "failed with seeds 1, 2, 3, 4, 5 and 2 more"
        );
    }

    #[test]
    fn seeds_that_do_not_fit_are_counted_not_cut() {
        let seeds_of_a_hunt = [1502836065, 1874359078, 903379358, 527449820, 547810140, 9];
        assert_eq!(
            seeds(&seeds_of_a_hunt, Some(52)),
            "failed with seeds 1502836065, 1874359078 and 4 more"
        );
    }

    /// A fixture store's report as a terminal of `width` columns shows it.
    fn fixture_at(store: &str, width: usize) -> (View, String) {
        let store = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/stores")
            .join(store);
        let view = View::of(
            super::super::read(&store).expect("the fixture store"),
            &store,
        );
        let text = render(&view, Paint::plain(), Some(width));
        (view, text)
    }

    #[test]
    fn a_narrow_terminal_loses_no_fact_and_no_line_under_a_test_overflows() {
        for (store, width) in [60, 80, 120, 200]
            .into_iter()
            .flat_map(|width| [("pytest", width), ("noise", width)])
        {
            let (view, text) = fixture_at(store, width);
            let section = &text[..text
                .find("\nPolluters → victims")
                .expect("the next section")];
            for test in view.failing() {
                let at = section.find(&format!("  {}\n", test.id)).expect("its row");
                let under: Vec<&str> = section[at..]
                    .lines()
                    .skip(1)
                    .take_while(|l| {
                        let l = l.trim_start();
                        ["└ ", "failed ", "took ", "first failed "]
                            .iter()
                            .any(|start| l.starts_with(start))
                    })
                    .collect();
                let shown = format!("{}\n{}", &section[..at], under.join("\n"));
                let row = section[..at].rsplit('\n').next().unwrap_or_default();
                for fact in [
                    mean_and_spread(test.pass_seconds),
                    mean_and_spread(test.fail_seconds),
                    short_time(test.first_failed.as_deref()),
                ] {
                    assert!(
                        row.contains(&fact) || under.iter().any(|l| l.contains(&fact)),
                        "{width} columns: {fact} of {} is shown:\n{shown}",
                        test.id
                    );
                }
                for line in under {
                    assert!(
                        line.chars().count() <= width,
                        "{width} columns: {line:?} overflows"
                    );
                    if let Some(listed) = line.trim().strip_prefix("failed with seeds ") {
                        let listed = listed.split(" and ").next().unwrap_or_default();
                        for seed in listed.split(", ") {
                            let seed: u64 = seed.parse().unwrap_or_else(|_| {
                                panic!("{width} columns: {seed:?} is a whole seed: {line}")
                            });
                            assert!(test.failed_seeds.contains(&seed), "{line}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_test_the_runner_timed_as_0_has_no_spread_to_show() {
        let untimed = Spread::of(&[0.0, 0.0, 0.0]);
        assert_eq!(mean_and_spread(untimed), "<10ms");
        assert_eq!(mean_and_spread(Spread::of(&[0.002, 0.002])), "2.0ms ± 0");
    }

    #[test]
    fn times_drop_seconds_and_the_t() {
        assert_eq!(
            short_time(Some("2026-12-02T06:08:10.665Z")),
            "2026-12-02 06:08"
        );
        assert_eq!(short_time(None), "-");
    }
}
