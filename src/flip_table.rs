//! The hunt's result as a terminal table.

use std::fmt::Write;

use crate::classify::Kind;
use crate::flips::Flip;
use crate::human::duration;
use crate::hunt::Hunt;
use crate::outcome::first_line;
use crate::template::quote;

pub fn render(hunt: &Hunt) -> String {
    let mut out = String::new();
    headline(&mut out, hunt);
    let flips = &hunt.analysis.flips;
    if flips.is_empty() && hunt.analysis.always_failing.is_empty() {
        let _ = writeln!(out, "no test failed among {} tests", hunt.analysis.tests);
    } else if !flips.is_empty() {
        let noun = if flips.len() == 1 { "test" } else { "tests" };
        let _ = writeln!(
            out,
            "{} {noun} of {} flipped:",
            flips.len(),
            hunt.analysis.tests
        );
        for kind in Kind::ALL {
            let group: Vec<&Flip> = flips.iter().filter(|f| f.kind == kind).collect();
            if !group.is_empty() {
                let _ = writeln!(
                    out,
                    "\n{} ({}): {}",
                    kind.name(),
                    group.len(),
                    kind.meaning()
                );
                table(&mut out, &group);
            }
        }
    }
    if !hunt.analysis.always_failing.is_empty() {
        let _ = writeln!(
            out,
            "\nalways-failing ({}): {}",
            hunt.analysis.always_failing.len(),
            Kind::AlwaysFailing.meaning()
        );
        for test in &hunt.analysis.always_failing {
            let _ = writeln!(out, "  {test}");
        }
    }
    timeouts(&mut out, hunt);
    indistinguishable(&mut out, hunt);
    next_steps(&mut out, hunt);
    out
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
        1 => ", and 1 confirmation run".to_string(),
        n => format!(", and {n} confirmation runs"),
    };
    let _ = writeln!(
        out,
        "{} runs ({health}) of `{}`, master seed {}, runner {}{confirmations}",
        runs.total, hunt.command, hunt.master_seed, hunt.runner
    );
    if (runs.ok as u64) < runs.asked && !hunt.interrupted {
        let _ = writeln!(
            out,
            "only {} of the {} runs asked for gave results: the flips below rest on fewer runs",
            runs.ok, runs.asked
        );
    }
}

fn table(out: &mut String, flips: &[&Flip]) {
    let header = [
        "failed",
        "mean pass",
        "mean fail",
        "failed with seed",
        "passed with seed",
        "test",
    ];
    let rows: Vec<[String; 6]> = flips
        .iter()
        .map(|flip| {
            [
                format!("{}/{}", flip.failed, flip.failed + flip.passed),
                duration(flip.mean_pass_seconds),
                duration(flip.mean_fail_seconds),
                seeds(&flip.failed_seeds),
                seeds(&flip.passed_seeds),
                flip.test.clone(),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..5)
        .map(|c| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .chain([header[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: [&str; 6]| {
        let mut text = String::from("  ");
        for (c, cell) in cells.iter().take(5).enumerate() {
            let pad = widths[c] - cell.chars().count();
            // Numbers read best right-aligned, seeds left-aligned.
            if c < 3 {
                let _ = write!(text, "{}{cell}  ", " ".repeat(pad));
            } else {
                let _ = write!(text, "{cell}{}  ", " ".repeat(pad));
            }
        }
        text.push_str(cells[5]);
        text
    };
    let _ = writeln!(out, "{}", line(header));
    let indent = 2 + widths.iter().map(|w| w + 2).sum::<usize>();
    for (row, flip) in rows.iter().zip(flips) {
        let _ = writeln!(
            out,
            "{}",
            line([&row[0], &row[1], &row[2], &row[3], &row[4], &row[5]])
        );
        if let Some(message) = &flip.message {
            let _ = writeln!(out, "{}└ {}", " ".repeat(indent), first_line(message));
        }
        if let Some(evidence) = &flip.evidence {
            let _ = writeln!(out, "{}  why: {}", " ".repeat(indent), evidence.reason);
        }
    }
}

fn timeouts(out: &mut String, hunt: &Hunt) {
    if hunt.timeouts.is_empty() {
        if hunt.runs.broken > 0 {
            let _ = writeln!(
                out,
                "\n{} runs gave no usable report; their output is under {}",
                hunt.runs.broken,
                hunt.store.join("logs").display()
            );
        }
        return;
    }
    let _ = writeln!(
        out,
        "\ntimed out ({}): killed by --timeout; a test may hang only in some orders",
        hunt.timeouts.len()
    );
    for timeout in &hunt.timeouts {
        let place = match (&timeout.running, &timeout.last_finished) {
            (Some(running), _) => format!("while running {running}"),
            (None, Some(last)) => format!("after {} tests, the last {last}", timeout.finished),
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

/// The next command worth running, pointing only at kinds whose cause is in the order, and
/// what to do about interference.
fn next_steps(out: &mut String, hunt: &Hunt) {
    let flips = &hunt.analysis.flips;
    if let Some(flip) = flips.iter().find(|f| f.kind.bisectable())
        && let Some(seed) = flip.failed_seeds.first()
    {
        let _ = writeln!(
            out,
            "\nFind what bleeds into it: bleed bisect --seed {seed} --victim {}",
            quote(&flip.test)
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
        [first, rest @ ..] => format!("{first} (+{})", rest.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_show_one_and_count_the_rest() {
        assert_eq!(seeds(&[]), "");
        assert_eq!(seeds(&[7]), "7");
        assert_eq!(seeds(&[7, 8, 9]), "7 (+2)");
    }
}
