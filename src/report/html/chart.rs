//! The duration charts and the runs' wall times, drawn with SVG lengths in percent of the
//! chart's width: they stretch to any screen without scaling their text or markers, so one
//! drawing serves a laptop and a phone.

use std::fmt::Write as _;

use super::{Esc, Id, full_time, split_id};
use crate::human::{duration, plus_minus, times};
use crate::report::view::{RunColumn, Spread, TestStats, View};
use crate::store::RunStatus;

/// Durations of one test are compared on a log axis: a test's passing and failing times differ
/// by a factor (a timeout, a retry), and the slowest tests of a suite span decades.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Axis {
    /// log10 of the seconds at the left and the right end.
    lo: f64,
    hi: f64,
}

impl Axis {
    /// An axis that holds every positive value, with room at the ends for the markers.
    fn over(values: impl IntoIterator<Item = f64>) -> Option<Axis> {
        let logs: Vec<f64> = values
            .into_iter()
            .filter(|v| *v > 0.0)
            .map(f64::log10)
            .collect();
        let lo = logs.iter().copied().reduce(f64::min)?;
        let hi = logs.iter().copied().reduce(f64::max)?;
        let pad = ((hi - lo) * 0.05).max(0.05);
        Some(Axis {
            lo: lo - pad,
            hi: hi + pad,
        })
    }

    /// Where `seconds` falls, in percent of the width; values off the axis (zero) sit at its
    /// left end.
    fn at(&self, seconds: f64) -> f64 {
        if seconds <= 0.0 {
            return 0.0;
        }
        ((seconds.log10() - self.lo) / (self.hi - self.lo) * 100.0).clamp(0.0, 100.0)
    }

    /// Round values to label: 1, 2, 5 times a power of ten, only the powers when those are
    /// too many, every digit when they are too few.
    fn ticks(&self) -> Vec<f64> {
        let within = |multipliers: &[f64]| -> Vec<f64> {
            let mut ticks = Vec::new();
            for exponent in self.lo.floor() as i32..=self.hi.ceil() as i32 {
                for m in multipliers {
                    let value = m * 10f64.powi(exponent);
                    let at = value.log10();
                    if at >= self.lo && at <= self.hi {
                        ticks.push(value);
                    }
                }
            }
            ticks
        };
        let ticks = within(&[1.0, 2.0, 5.0]);
        if ticks.len() > 9 {
            return within(&[1.0]);
        }
        if ticks.len() >= 3 {
            return ticks;
        }
        within(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
    }
}

/// `0.5ms`, `10ms`, `2s`: a round value needs no trailing zeros.
fn tick_label(seconds: f64) -> String {
    let trim = |text: String| text.trim_end_matches('0').trim_end_matches('.').to_string();
    if seconds >= 60.0 {
        duration(Some(seconds))
    } else if seconds >= 1.0 {
        format!("{}s", trim(format!("{seconds:.2}")))
    } else {
        format!("{}ms", trim(format!("{:.4}", seconds * 1e3)))
    }
}

pub fn has_durations(view: &View) -> bool {
    !view.slowest.is_empty()
        || view
            .failing()
            .any(|t| t.pass_seconds.is_some() || t.fail_seconds.is_some())
}

/// The spread of each failing test when it passed and when it failed, and of the slowest tests,
/// all on one axis.
pub fn durations(page: &mut String, view: &View) {
    let failing: Vec<&TestStats> = view
        .failing()
        .filter(|t| t.pass_seconds.is_some() || t.fail_seconds.is_some())
        .collect();
    let slowest: Vec<&TestStats> = view
        .slowest
        .iter()
        .filter_map(|s| view.test(&s.id))
        .collect();
    let spreads = failing
        .iter()
        .chain(&slowest)
        .flat_map(|t| [t.pass_seconds, t.fail_seconds])
        .flatten();
    let Some(axis) = Axis::over(spreads.flat_map(|s| [s.min, s.max])) else {
        return;
    };
    let _ = writeln!(
        page,
        "<section id=\"durations\" class=\"card\">\n<h2>Durations</h2>\n<p class=\"legend\">\
         On a log scale: <span>{}min to max</span> <span>{}mean ± sd</span> <span>{}median</span> \
         <span>{}mean</span>; <span class=\"p-text\">green when it passed</span>, \
         <span class=\"f-text\">red when it failed</span>.</p>",
        swatch(
            "<line class=\"whisker\" x1=\"1\" y1=\"6\" x2=\"21\" y2=\"6\"/><line class=\"cap\" x1=\"1\" y1=\"2\" x2=\"1\" y2=\"10\"/><line class=\"cap\" x1=\"21\" y1=\"2\" x2=\"21\" y2=\"10\"/>"
        ),
        swatch("<rect class=\"box\" x=\"3\" y=\"1\" width=\"16\" height=\"10\" rx=\"2\"/>"),
        swatch("<line class=\"median\" x1=\"11\" y1=\"0\" x2=\"11\" y2=\"12\"/>"),
        swatch("<circle class=\"mean\" cx=\"11\" cy=\"6\" r=\"3\"/>"),
    );
    if !failing.is_empty() {
        page.push_str("<h3>Failing tests: when they passed, when they failed</h3>\n");
        group(page, &axis, &failing, |t| {
            [
                ("pass", duration(t.mean_pass_seconds)),
                ("fail", duration(t.mean_fail_seconds)),
            ]
        });
    }
    if !slowest.is_empty() {
        page.push_str("<h3>Slowest tests</h3>\n");
        let shown = |t: &TestStats| {
            let slow = view.slowest.iter().find(|s| s.id == t.id);
            [
                ("mean", duration(slow.map(|s| s.mean_seconds))),
                ("max", duration(slow.map(|s| s.max_seconds))),
            ]
        };
        group(page, &axis, &slowest, shown);
    }
    page.push_str("</section>\n");
}

fn swatch(shapes: &str) -> String {
    format!(
        "<svg class=\"swatch pass\" width=\"22\" height=\"12\" aria-hidden=\"true\">{shapes}</svg>"
    )
}

fn group(
    page: &mut String,
    axis: &Axis,
    tests: &[&TestStats],
    numbers: impl Fn(&TestStats) -> [(&'static str, String); 2],
) {
    let ticks = axis.ticks();
    page.push_str("<div class=\"dist\">\n<div class=\"dist-row axis-row\"><div></div><svg class=\"axis\" height=\"18\" aria-hidden=\"true\">");
    for &tick in &ticks {
        let at = axis.at(tick);
        let anchor = if at < 4.0 {
            "start"
        } else if at > 96.0 {
            "end"
        } else {
            "middle"
        };
        let _ = write!(
            page,
            "<text x=\"{at:.2}%\" y=\"13\" text-anchor=\"{anchor}\">{}</text>",
            tick_label(tick)
        );
    }
    page.push_str("</svg><div></div></div>\n");
    for test in tests {
        let (file, name) = split_id(&test.id);
        let file = file
            .map(|f| format!("<span class=\"file\">{}::<wbr></span>", Id(f)))
            .unwrap_or_default();
        let _ = write!(
            page,
            "<div class=\"dist-row\"><div class=\"label\" title=\"{}\">{file}<code>{}</code></div>",
            Esc(&test.id),
            Id(name)
        );
        spreads(page, axis, &ticks, test);
        let [(a, a_value), (b, b_value)] = numbers(test);
        let _ = writeln!(
            page,
            "<div class=\"nums\"><span class=\"{a}\">{a} {a_value}</span><span class=\"{b}\">{b} {b_value}</span></div></div>"
        );
    }
    page.push_str("</div>\n");
}

fn spreads(page: &mut String, axis: &Axis, ticks: &[f64], test: &TestStats) {
    let rows: Vec<(&str, &str, Spread)> = [
        ("pass", "passed", test.pass_seconds),
        ("fail", "failed", test.fail_seconds),
    ]
    .into_iter()
    .filter_map(|(class, verb, spread)| Some((class, verb, spread?)))
    .collect();
    let height = 10 + 14 * rows.len();
    let label: Vec<String> = rows.iter().map(|(_, verb, s)| describe(verb, s)).collect();
    let _ = write!(
        page,
        "<svg class=\"spread\" height=\"{height}\" role=\"img\" aria-label=\"{}\"><title>{}</title>",
        Esc(&label.join("; ")),
        Esc(&label.join("\n")),
    );
    for &tick in ticks {
        let at = axis.at(tick);
        let _ = write!(
            page,
            "<line class=\"grid\" x1=\"{at:.2}%\" y1=\"0\" x2=\"{at:.2}%\" y2=\"100%\"/>"
        );
    }
    for (row, (class, _, spread)) in rows.iter().enumerate() {
        box_plot(page, axis, class, spread, 12.0 + 14.0 * row as f64);
    }
    page.push_str("</svg>");
}

fn describe(verb: &str, s: &Spread) -> String {
    format!(
        "{verb} {}: median {}, mean {} {}, from {} to {}",
        times(s.count),
        duration(Some(s.median)),
        duration(Some(s.mean)),
        plus_minus(s.sd),
        duration(Some(s.min)),
        duration(Some(s.max)),
    )
}

/// Whiskers from min to max, a box over mean ± sd (within them), a tick at the median and a
/// dot at the mean.
fn box_plot(page: &mut String, axis: &Axis, class: &str, s: &Spread, y: f64) {
    let (min, max) = (axis.at(s.min), axis.at(s.max));
    let low = axis.at((s.mean - s.sd).max(s.min));
    let high = axis.at((s.mean + s.sd).min(s.max));
    let _ = write!(
        page,
        "<g class=\"{class}\"><line class=\"whisker\" x1=\"{min:.2}%\" y1=\"{y}\" x2=\"{max:.2}%\" y2=\"{y}\"/>\
         <line class=\"cap\" x1=\"{min:.2}%\" y1=\"{}\" x2=\"{min:.2}%\" y2=\"{}\"/>\
         <line class=\"cap\" x1=\"{max:.2}%\" y1=\"{}\" x2=\"{max:.2}%\" y2=\"{}\"/>\
         <rect class=\"box\" x=\"{low:.2}%\" y=\"{}\" width=\"{:.2}%\" height=\"10\" rx=\"2\"/>\
         <line class=\"median\" x1=\"{median:.2}%\" y1=\"{}\" x2=\"{median:.2}%\" y2=\"{}\"/>\
         <circle class=\"mean\" cx=\"{:.2}%\" cy=\"{y}\" r=\"3\"/></g>",
        y - 4.0,
        y + 4.0,
        y - 4.0,
        y + 4.0,
        y - 5.0,
        high - low,
        y - 6.0,
        y + 6.0,
        axis.at(s.mean),
        median = axis.at(s.median),
    );
}

/// The colours of the statuses the runs had, when they had more than one.
fn status_legend(runs: &[RunColumn]) -> String {
    let mut legend = String::new();
    for (status, class, said) in [
        (RunStatus::Ok, "run-ok", "ok"),
        (RunStatus::Broken, "run-broken", "broken"),
        (RunStatus::Timeout, "run-timeout", "timed out"),
    ] {
        if runs.iter().any(|r| r.status == status) {
            let _ = write!(legend, " <span class=\"{class}\">{said}</span>");
        }
    }
    if runs.iter().all(|r| r.status == runs[0].status) {
        legend.clear();
    }
    legend
}

/// The wall time of every hunt run in the order they started, so that a slow or broken stretch
/// of the night stands out.
pub fn run_walls(page: &mut String, runs: &[RunColumn]) {
    let longest = runs.iter().map(|r| r.wall_seconds).fold(0.0, f64::max);
    if runs.is_empty() || longest <= 0.0 {
        return;
    }
    const HEIGHT: f64 = 56.0;
    let step = 100.0 / runs.len() as f64;
    let _ = write!(
        page,
        "<figure class=\"walls\"><figcaption>Wall time of each run, oldest first; the longest took {}.{}</figcaption>\
         <svg class=\"walls\" height=\"{HEIGHT}\" role=\"img\" aria-label=\"wall time of each run\">",
        duration(Some(longest)),
        status_legend(runs),
    );
    for (index, run) in runs.iter().enumerate() {
        let height = (run.wall_seconds / longest * (HEIGHT - 2.0)).max(1.0);
        let (class, said) = match run.status {
            RunStatus::Ok => ("run-ok", "ok"),
            RunStatus::Broken => ("run-broken", "broken"),
            RunStatus::Timeout => ("run-timeout", "timed out"),
        };
        let seed = run.seed.map(|s| format!(" · seed {s}")).unwrap_or_default();
        let _ = write!(
            page,
            "<rect class=\"{class}\" x=\"{:.3}%\" y=\"{:.1}\" width=\"{:.3}%\" height=\"{height:.1}\">\
             <title>run {}{seed} · {} · {} · {said}</title></rect>",
            index as f64 * step + step * 0.1,
            HEIGHT - height,
            step * 0.8,
            index + 1,
            Esc(&full_time(&run.started_at)),
            duration(Some(run.wall_seconds)),
        );
    }
    page.push_str("</svg></figure>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_axis_holds_every_value_with_room_at_the_ends() {
        let axis = Axis::over([0.0004, 0.0025, 0.0]).unwrap();
        assert!(axis.at(0.0004) > 0.0 && axis.at(0.0004) < 10.0);
        assert!(axis.at(0.0025) < 100.0 && axis.at(0.0025) > 90.0);
        assert_eq!(axis.at(0.0), 0.0);
        assert_eq!(Axis::over([0.0]), None);
    }

    #[test]
    fn tick_labels_drop_trailing_zeros() {
        let labels: Vec<String> = [0.0005000000000000001, 0.001, 0.01, 0.1, 1.0, 2.5, 120.0]
            .into_iter()
            .map(tick_label)
            .collect();
        assert_eq!(
            labels,
            ["0.5ms", "1ms", "10ms", "100ms", "1s", "2.5s", "2m00s"]
        );
    }

    #[test]
    fn ticks_are_round_and_on_the_axis() {
        let axis = Axis::over([0.0004, 0.0025]).unwrap();
        assert_eq!(axis.ticks(), [0.0005, 0.001, 0.002]);
        let wide = Axis::over([0.0001, 100.0]).unwrap();
        assert_eq!(
            wide.ticks().len(),
            7,
            "powers of ten only: {:?}",
            wide.ticks()
        );
        let narrow = Axis::over([0.3, 0.32]).unwrap();
        for tick in narrow.ticks() {
            assert!((0.0..=100.0).contains(&narrow.at(tick)) && tick > 0.25 && tick < 0.4);
        }
        let single = Axis::over([0.5]).unwrap();
        assert!(single.at(0.5) > 45.0 && single.at(0.5) < 55.0);
    }
}
