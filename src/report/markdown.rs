//! `--format markdown`: for a pull-request comment or a wiki page. Test ids go in code spans,
//! fenced so that any backtick or pipe inside them stays part of the id.

use std::fmt::Write as _;

use super::text::{mean_and_spread, short_time, verdict_name};
use super::view::{Source, View};
use crate::classify::Kind;
use crate::human::{count, duration};

pub fn render(view: &View) -> String {
    let mut md = String::new();
    let health = &view.health;
    let _ = writeln!(md, "## bleed report\n");
    let _ = writeln!(
        md,
        "{} of {}: {} of the suite's {} failed at least once.",
        count(health.runs, "run"),
        count(health.hunts.len(), "hunt"),
        health.failing_tests,
        count(health.tests, "test")
    );
    most_failing(&mut md, view);
    interference(&mut md, view);
    slowest(&mut md, view);
    timeouts(&mut md, view);
    suite_health(&mut md, view);
    md
}

fn most_failing(md: &mut String, view: &View) {
    if view.health.failing_tests == 0 {
        return;
    }
    let _ = writeln!(md, "\n### Most failing\n");
    let _ = writeln!(
        md,
        "| test | failed | kind | pass: mean ± sd | fail: mean ± sd | first failed | last failed | seeds |"
    );
    let _ = writeln!(md, "|---|---:|---|---:|---:|---|---|---|");
    for test in view.failing() {
        let seeds: Vec<String> = test
            .failed_seeds
            .iter()
            .take(3)
            .map(u64::to_string)
            .collect();
        let more = test.failed_seeds.len().saturating_sub(3);
        let seeds = if more > 0 {
            format!("{} and {more} more", seeds.join(", "))
        } else if seeds.is_empty() {
            "-".to_string()
        } else {
            seeds.join(", ")
        };
        let title = match &test.name {
            Some(name) => format!("{}<br>{}", cell(name), code(&test.id)),
            None => code(&test.id),
        };
        let _ = writeln!(
            md,
            "| {title} | {}/{} | {} | {} | {} | {} | {} | {seeds} |",
            test.failures,
            test.runs,
            test.kind.map(Kind::name).unwrap_or_default(),
            mean_and_spread(test.pass_seconds),
            mean_and_spread(test.fail_seconds),
            short_time(test.first_failed.as_deref()),
            short_time(test.last_failed.as_deref()),
        );
    }
}

fn interference(md: &mut String, view: &View) {
    if view.interference.is_empty() {
        return;
    }
    let _ = writeln!(md, "\n### Polluters → victims\n");
    for pair in &view.interference {
        let how = match (pair.source, pair.verdict) {
            (Source::Bisected, Some(verdict)) => format!("bisected: {}", verdict_name(verdict)),
            (Source::Bisected, None) => "bisected".to_string(),
            (Source::Suspected, _) => "suspected, not bisected yet".to_string(),
        };
        let _ = writeln!(md, "- {} ({how})", code(&pair.victim));
        let suspected = pair.source == Source::Suspected;
        for (label, tests) in [
            (
                if suspected { "suspects" } else { "fails after" },
                &pair.polluters,
            ),
            ("hidden by", &pair.cleaners),
            (
                if suspected {
                    "suspects"
                } else {
                    "passes after"
                },
                &pair.state_setters,
            ),
        ] {
            if !tests.is_empty() {
                let listed: Vec<String> = tests.iter().map(|t| code(t)).collect();
                let _ = writeln!(md, "  - {label} {}", listed.join(", "));
            }
        }
        for (label, command) in [
            ("Reproduce", &pair.reproduce),
            ("The test alone", &pair.alone),
            ("Bisect it", &pair.bisect),
        ] {
            if let Some(command) = command {
                let _ = writeln!(md, "\n  {label}:\n\n  ```sh\n  {command}\n  ```");
            }
        }
    }
}

fn slowest(md: &mut String, view: &View) {
    if view.slowest.is_empty() {
        return;
    }
    let _ = writeln!(md, "\n### Slowest\n");
    let _ = writeln!(md, "| test | mean | max | runs |\n|---|---:|---:|---:|");
    for slow in &view.slowest {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} |",
            code(&slow.id),
            duration(Some(slow.mean_seconds)),
            duration(Some(slow.max_seconds)),
            slow.runs
        );
    }
}

fn timeouts(md: &mut String, view: &View) {
    if view.timeouts.is_empty() {
        return;
    }
    let _ = writeln!(md, "\n### Timed out\n");
    for (place, seeds) in super::timeouts_by_place(view) {
        let listed: Vec<String> = seeds.iter().map(u64::to_string).collect();
        let place = match place.strip_prefix("while running ") {
            Some(test) => format!("while running {}", code(test)),
            None => place,
        };
        let noun = if listed.len() == 1 { "seed" } else { "seeds" };
        let _ = writeln!(md, "- {place}: {noun} {}", listed.join(", "));
    }
}

fn suite_health(md: &mut String, view: &View) {
    let health = &view.health;
    let _ = writeln!(md, "\n### Suite health\n\n| | |\n|---|---|");
    for (label, value) in super::health_facts(health) {
        let _ = writeln!(md, "| {label} | {} |", cell(&value));
    }
    for hunt in &health.hunts {
        let _ = writeln!(
            md,
            "| hunt | {} ({}), {}: {} |",
            code(&hunt.command),
            hunt.runner,
            hunt.origin(),
            count(hunt.runs, "run")
        );
    }
    let _ = writeln!(md, "\n<sub>bleed {}</sub>", view.bleed_version);
}

/// A code span that holds any text: fenced with more backticks than the text has in a row, and
/// with pipes escaped so that a table cell does not end inside it.
fn code(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let text = text.replace('|', "\\|").replace('\n', " ");
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_timed_out_seed_is_a_seed() {
        let mut view = View::build(super::super::view::Recorded::default());
        view.timeouts.push(super::super::view::TimedOut {
            command: "pytest".to_string(),
            seed: 7,
            started_at: "2026-12-02T06:11:08.895Z".to_string(),
            while_running: Some("tests/a.py::test_hangs".to_string()),
        });
        let md = render(&view);
        assert!(
            md.contains("- while running `tests/a.py::test_hangs`: seed 7\n"),
            "{md}"
        );
    }

    #[test]
    fn code_spans_hold_backticks_and_pipes() {
        assert_eq!(code("a::b"), "`a::b`");
        assert_eq!(code("it's `x` | y"), "``it's `x` \\| y``");
        assert_eq!(code("`x`"), "`` `x` ``");
    }
}
