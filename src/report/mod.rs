//! `bleed report`: the store as a whole, for the morning after a nightly hunt: which tests fail
//! most, how long they take, which are slowest, which interfere with which, and how healthy the
//! runs were. One view is built from the store (`view`), and each format renders it, one file a
//! format.

mod html;
mod json;
mod junit;
mod markdown;
mod tally;
mod text;
pub mod view;

use std::fs;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use crate::bisect::{BISECTIONS_FILE, Bisection};
use crate::error::{Error, ExitCode, Result};
use crate::fit::terminal_width;

use crate::human::{Paint, count, counted, duration, plus_minus};
use crate::hunt::{CONFIRMATIONS_FILE, Confirmation};
use crate::records;
use crate::store::{self, RUNS_FILE};
use tally::Tallies;
use view::View;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned tables for a terminal (coloured there, unless NO_COLOR is set)
    Text,
    /// Tables and lists for a pull-request comment or a wiki page
    Markdown,
    /// One JSON document (schema: docs/report.md)
    Json,
    /// One testcase per test with its flip statistics, for dashboards that read JUnit XML
    Junit,
    /// One self-contained page: histories, the polluter → victim graph, durations, reproducers
    Html,
}

pub struct Settings {
    pub store: PathBuf,
    pub format: Format,
    /// Where to write the report; stdout when absent.
    pub out: Option<PathBuf>,
}

pub fn report(settings: &Settings) -> Result<ExitCode> {
    let view = View::of(read(&settings.store)?, &settings.store);
    let rendered = render(&view, settings)?;
    match &settings.out {
        Some(path) => fs::write(path, rendered).map_err(|e| {
            Error::store(format!(
                "cannot write the report to {}: {e}",
                path.display()
            ))
        })?,
        None => crate::human::print(&rendered)?,
    }
    Ok(if view.clean() {
        ExitCode::Success
    } else {
        ExitCode::NeedsAttention
    })
}

fn render(view: &View, settings: &Settings) -> Result<String> {
    let to_terminal = settings.out.is_none() && std::io::stdout().is_terminal();
    Ok(match settings.format {
        Format::Text => {
            let paint = if settings.out.is_some() {
                Paint::plain()
            } else {
                Paint::stdout()
            };
            let width = to_terminal.then(terminal_width).flatten();
            text::render(view, paint, width)
        }
        Format::Markdown => markdown::render(view),
        Format::Json => json::render(view)?,
        Format::Junit => junit::render(view),
        Format::Html if to_terminal => {
            return Err(Error::usage(
                "an HTML report is a page, not terminal output: give --out report.html",
            ));
        }
        Format::Html => html::render(view),
    })
}

/// Suite health as label and value, worded alike in every format. Broken and timed-out runs
/// are counted even when there are none: that none broke is what a health check is for.
fn health_facts(health: &view::Health) -> Vec<(&'static str, String)> {
    let mut facts = vec![(
        "runs",
        format!(
            "{} ({} ok, {} broken, {} timed out), and {}",
            health.runs,
            health.ok,
            health.broken,
            health.timed_out,
            counted(
                health.confirmation_runs,
                "confirmation run",
                "confirmation runs"
            )
        ),
    )];
    if let Some(spread) = health.run_seconds {
        facts.push((
            "wall per run",
            format!(
                "mean {} {}, from {} to {}",
                duration(Some(spread.mean)),
                plus_minus(spread.sd),
                duration(Some(spread.min)),
                duration(Some(spread.max))
            ),
        ));
    }
    if health.bisections > 0 {
        facts.push((
            "bisections",
            format!(
                "{}, {} in all",
                health.bisections,
                count(health.bisection_probes, "probe")
            ),
        ));
    }
    facts
}

/// Why a suspected victim names no suspects, worded for the way its suspects point.
fn no_suspects(view: &View, victim: &str) -> &'static str {
    if view.test(victim).and_then(|t| t.kind) == Some(crate::classify::Kind::Brittle) {
        "no single test ran before it in every passing run and in no failing one"
    } else {
        "no single test ran before it in every failing run and in no passing one"
    }
}

/// The timed-out runs grouped by where they hung (`while running <test>`), most first.
fn timeouts_by_place(view: &View) -> Vec<(String, Vec<u64>)> {
    let mut groups: Vec<(String, Vec<u64>)> = Vec::new();
    for timeout in &view.timeouts {
        let place = match &timeout.while_running {
            Some(test) => format!("while running {test}"),
            None => "before any test reported".to_string(),
        };
        match groups.iter_mut().find(|(p, _)| *p == place) {
            Some((_, seeds)) => seeds.push(timeout.seed),
            None => groups.push((place, vec![timeout.seed])),
        }
    }
    groups.sort_by_key(|(_, seeds)| std::cmp::Reverse(seeds.len()));
    groups
}

/// Everything the store holds, read a record at a time into what the report needs of it, with
/// a warning for each line that had to be skipped. Reads only: a report never creates or
/// changes anything in the store.
fn read(root: &Path) -> Result<Tallies> {
    if !root.join(RUNS_FILE).exists() {
        return Err(Error::usage(format!(
            "no runs are recorded in {}: run `bleed hunt` first, or point --store at a store",
            root.display()
        )));
    }
    let mut tallies = Tallies::default();
    let mut first = store::FirstRuns::default();
    let runs_file = root.join(RUNS_FILE);
    let mut warnings = records::read_lines(&runs_file, |line| {
        let run = store::decode(line)?;
        if first.is_first(&run) {
            tallies.add_run(run);
        }
        Ok(())
    })?;
    warnings.extend(first.warning(&runs_file));
    warnings.extend(records::read_lines(
        &root.join(CONFIRMATIONS_FILE),
        |line| {
            tallies.add_confirmation(store::decode::<Confirmation>(line)?);
            Ok(())
        },
    )?);
    warnings.extend(records::read_lines(&root.join(BISECTIONS_FILE), |line| {
        tallies.add_bisection(store::decode::<Bisection>(line)?);
        Ok(())
    })?);
    for warning in &warnings {
        eprintln!("bleed: warning: {warning}");
    }
    Ok(tallies)
}
