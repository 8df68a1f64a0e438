//! REPORT.md: the bisection as a Markdown block for a bug report or a pull request.

use std::fmt::Write as _;

use super::{
    cleaner_probes, confirmation_line, culprits, location, probes_made, probing_line, runner_line,
    verdict_line, victim,
};
use crate::bisect::{Bisection, Located, Verdict};

pub fn report(result: &Bisection) -> String {
    let mut md = String::new();
    let victim = victim(result);
    match &victim.name {
        Some(name) => {
            let _ = writeln!(md, "### Order-dependent test: {}\n", escape(name));
            let _ = writeln!(md, "{}{}\n", code(&victim.id), place(&victim));
        }
        None => {
            let _ = writeln!(md, "### Order-dependent test: {}\n", code(&victim.id));
        }
    }
    let _ = writeln!(md, "**Verdict:** {}\n", verdict_line(result));
    if let Some(confirmed) = &result.confirmation {
        let _ = writeln!(md, "**Confirmed:** {}\n", confirmation_line(confirmed));
    }
    let label = if result.verdict == Verdict::Brittle {
        "State-setters (must run first for the test to pass)"
    } else {
        "Polluters (make it fail when run before it)"
    };
    let (_, _, tests) = culprits(result);
    let _ = writeln!(md, "{label}:\n");
    for test in tests {
        let _ = writeln!(md, "- {}", named(test));
    }
    if let Some(between) = result.cleaned_by_any {
        let _ = writeln!(
            md,
            "\nCleaners: {}. Those tried:\n",
            super::any_cleans(result.cleaners.len(), between)
        );
        for test in &result.cleaners {
            let _ = writeln!(md, "- {}", named(test));
        }
    } else if !result.cleaners.is_empty() {
        let _ = writeln!(md, "\nCleaners (hide the failure when run in between):\n");
        for test in &result.cleaners {
            let _ = writeln!(md, "- {}", named(test));
        }
    }
    if let Some(message) = &result.failure_message {
        let _ = writeln!(md, "\nFailure:\n\n{}", fenced(message, ""));
    }
    if let Some(reproducer) = &result.reproducer {
        let (then, alone) = if result.verdict == Verdict::Brittle {
            ("passes", "fails")
        } else {
            ("fails", "passes")
        };
        let _ = writeln!(
            md,
            "\nReproduce (the test {then}):\n\n{}",
            fenced(&reproducer.command, "sh")
        );
        let _ = writeln!(
            md,
            "\nThe test alone ({alone}):\n\n{}",
            fenced(&result.isolation_command, "sh")
        );
        let _ = writeln!(
            md,
            "\n`repro.sh`, beside this report, runs both from anywhere in a checkout (or from \
             elsewhere: `sh repro.sh path/to/checkout`) and says whether the order dependency \
             still reproduces."
        );
    }
    facts(&mut md, result);
    md
}

/// The table of what was run and how the verdict was reached.
fn facts(md: &mut String, result: &Bisection) {
    let _ = writeln!(md, "\n| | |\n|---|---|");
    let _ = writeln!(md, "| runner | {} |", cell(&runner_line(result)));
    if let Some(command) = &result.command {
        let _ = writeln!(md, "| command | {} |", cell(&code(command)));
    }
    match (&result.shared_origin, result.seed) {
        (Some(origin), _) => {
            let _ = writeln!(md, "| failing order | {} |", cell(origin));
        }
        (None, Some(seed)) => {
            let _ = writeln!(md, "| failing order | seed {seed} |");
        }
        (None, None) => {}
    }
    // The same counts as the probes row below: the search's, and the cleaner search's.
    let _ = writeln!(
        md,
        "| found by | bleed {}, {}{} |",
        env!("CARGO_PKG_VERSION"),
        probes_made(result),
        cleaner_probes(result)
    );
    if let Some(line) = probing_line(&result.probe) {
        let _ = writeln!(md, "| probes | {} |", cell(&line.replace('\n', " ")));
    }
}

/// A test as people read it, then its id: `**Checkout in dollars** — `features/a.feature:12``.
fn named(test: &Located) -> String {
    match &test.name {
        Some(name) => format!("**{}** — {}{}", escape(name), code(&test.id), place(test)),
        None => format!("{}{}", code(&test.id), place(test)),
    }
}

/// ` (spec/cart_spec.rb:4)` after an id that does not say where the test is.
fn place(test: &Located) -> String {
    let location = location(test);
    if location.is_empty() {
        location
    } else {
        format!(" {}", location.trim_start())
    }
}

/// Text shown as itself, not as Markdown: a title like `adds *two* items [v2]`. Only what could
/// start markup is escaped, so that the title still reads as written: `total_label` and
/// `Cart#total` need nothing.
fn escape(text: &str) -> String {
    let chars: Vec<char> = text
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    let mut out = String::with_capacity(text.len());
    for (at, &c) in chars.iter().enumerate() {
        let word = |at: Option<usize>| {
            at.and_then(|at| chars.get(at))
                .is_some_and(|c| c.is_alphanumeric())
        };
        let markup = match c {
            '\\' | '`' | '*' | '[' | ']' | '<' | '~' => true,
            // Inside a word an underscore is a letter.
            '_' => !(word(at.checked_sub(1)) && word(Some(at + 1))),
            // A heading's closing sequence: `#`s with nothing after them.
            '#' => chars[at..].iter().all(|&c| c == '#' || c == ' '),
            _ => false,
        };
        if markup {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A code span that holds any text: fenced by more backticks than the text has in a row, and
/// padded when the text begins or ends with one.
fn code(text: &str) -> String {
    let text = text.replace(['\n', '\r'], " ");
    let ticks = "`".repeat(longest_run(&text, '`') + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

/// A fenced code block that holds any text, a message with ``` in it too.
fn fenced(text: &str, language: &str) -> String {
    let fence = "`".repeat(longest_run(text, '`').max(2) + 1);
    format!("{fence}{language}\n{text}\n{fence}")
}

fn longest_run(text: &str, of: char) -> usize {
    text.split(|c| c != of)
        .map(|run| run.chars().count())
        .max()
        .unwrap_or(0)
}

/// A table cell: a `|` would end it.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_and_blocks_hold_any_text() {
        assert_eq!(code("tests/a.py::test_x"), "`tests/a.py::test_x`");
        assert_eq!(code("a `b` c"), "``a `b` c``");
        assert_eq!(code("`edge"), "`` `edge ``");
        assert_eq!(fenced("x", "sh"), "```sh\nx\n```");
        assert_eq!(fenced("see ```rust", ""), "````\nsee ```rust\n````");
    }

    #[test]
    fn the_report_names_tests_as_people_read_them_and_keeps_the_whole_message() {
        let report = report(&crate::repro::sample());
        assert!(
            report.starts_with(
                "### Order-dependent test: `tests/test_cart.py::test_total[it's \"q\" $(touch pwned)]`\n"
            ),
            "{report}"
        );
        assert!(
            report.contains(
                "- **switches the currency to \\*euros\\*** — `tests/test_settings.py::test_switch_currency` (tests/test_settings.py:5)\n"
            ),
            "{report}"
        );
        assert!(
            report.contains("```\nAssertionError: assert '12.50 EUR' == '12.50 USD'\n\n  - 12.50 USD\n  + 12.50 EUR\n```"),
            "{report}"
        );
        assert!(report.contains("| runner | pytest 9.2.0 |"), "{report}");
        assert!(
            report.contains("| command | `python3 -m pytest -q tests` |"),
            "{report}"
        );
        assert!(
            report
                .contains("| failing order | seed 1234: run 8 of a hunt with master seed 19497 |"),
            "{report}"
        );
        assert!(
            !report.contains("2c04d022"),
            "no run id of the store: {report}"
        );
    }

    #[test]
    fn what_the_search_cost_is_counted_in_words_that_agree_with_the_numbers() {
        let mut result = crate::repro::sample();
        result.probes = 1;
        result.probes_reused = 2;
        result.cleaner_probes = 11;
        let report = report(&result);
        let expected = format!(
            "| found by | bleed {}, 1 probe (and 2 answers from recorded runs), and 11 probes \
             looking for cleaners |\n",
            env!("CARGO_PKG_VERSION")
        );
        assert!(report.contains(&expected), "{report}");
    }

    #[test]
    fn titles_are_shown_as_written() {
        assert_eq!(
            escape("adds *two* items [v2] | fast_path _now_\nnext"),
            "adds \\*two\\* items \\[v2\\] | fast_path \\_now\\_ next"
        );
        assert_eq!(
            escape("Shop::Cart#total_label is in dollars"),
            "Shop::Cart#total_label is in dollars"
        );
        assert_eq!(escape("ends with #"), "ends with \\#");
    }
}
