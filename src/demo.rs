//! `bleed demo`: a hunt on a built-in suite, so a newcomer sees bleed work without installing
//! any runner. The suite is run by bleed itself (the hidden `demo-runner` subcommand), one
//! process per run, with state shared between tests in memory, as a real suite would.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::Args;

use crate::classify::Kind;
use crate::cli::DemoArgs;
use crate::error::{Error, ExitCode, Result};
use crate::human::{Paint, count};
use crate::order::Mode;
use crate::template::Template;
use crate::template::quote;
use crate::{bisect, fit, flip_table, hunt, interrupt, seed};

#[derive(Args)]
pub struct RunnerArgs {
    /// Write a JUnit XML report here
    #[arg(long, value_name = "FILE")]
    report: PathBuf,
    /// Shuffle the whole suite with this seed (ignored when tests are listed)
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Run the tests listed in this file, one id a line, in that order
    #[arg(long, value_name = "FILE")]
    tests_file: Option<PathBuf>,
    /// Run these tests in this order
    #[arg(value_name = "TEST")]
    tests: Vec<String>,
}

/// What the demo's tests share, as a real suite shares globals, a database or a cache.
#[derive(Default)]
struct World {
    currency_is_euro: bool,
    prices_cached: bool,
    taxes_cached: bool,
    admin_logged_in: bool,
    schema_migrated: bool,
    users: Vec<String>,
}

type Check = fn(&mut World) -> std::result::Result<(), String>;

/// The planted suite: (module, test, body). Ids are `module::test`, like the generic adapter's.
const SUITE: &[(&str, &str, Check)] = &[
    ("currency", "switch_to_euro", |w| {
        w.currency_is_euro = true;
        Ok(())
    }),
    ("checkout", "total_in_dollars", |w| {
        if w.currency_is_euro {
            Err("expected a total in USD, but the currency is still EUR".into())
        } else {
            Ok(())
        }
    }),
    ("cache", "warm_prices", |w| {
        w.prices_cached = true;
        Ok(())
    }),
    ("cache", "warm_taxes", |w| {
        w.taxes_cached = true;
        Ok(())
    }),
    ("invoice", "renders_fresh_totals", |w| {
        if w.prices_cached && w.taxes_cached {
            Err("stale invoice: prices and taxes both came from the cache".into())
        } else {
            Ok(())
        }
    }),
    ("session", "login_admin", |w| {
        w.admin_logged_in = true;
        Ok(())
    }),
    ("session", "logout", |w| {
        w.admin_logged_in = false;
        Ok(())
    }),
    ("permissions", "guest_cannot_delete", |w| {
        if w.admin_logged_in {
            Err("guest deleted a record: an admin session leaked".into())
        } else {
            Ok(())
        }
    }),
    ("db", "migrate", |w| {
        w.schema_migrated = true;
        Ok(())
    }),
    ("orders", "list_orders", |w| {
        if w.schema_migrated {
            Ok(())
        } else {
            Err("no such table: orders".into())
        }
    }),
    ("clock", "timer_resolution", |_| {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        if nanos.is_multiple_of(4) {
            Err("timer fired 3ms late".into())
        } else {
            Ok(())
        }
    }),
    ("users", "signup", |w| {
        w.users.push("ada".into());
        Ok(())
    }),
    ("users", "rename", |_| Ok(())),
    ("search", "finds_by_name", |_| Ok(())),
    ("search", "empty_query", |_| Ok(())),
    ("mail", "formats_subject", |_| Ok(())),
    ("mail", "queues_welcome", |_| Ok(())),
];

/// What a bisection of a planted victim should conclude: its verdict, its culprits (polluters
/// or state-setters) and its cleaners; `None` for the random failure, which is not bisected.
type Expected = Option<(
    bisect::Verdict,
    &'static [&'static str],
    &'static [&'static str],
)>;

/// A planted case: victim, what was planted, and what its bisection should find.
type Planted = (&'static str, &'static str, Expected);

const PLANTED: &[Planted] = &[
    (
        "checkout::total_in_dollars",
        "fails after currency::switch_to_euro",
        Some((
            bisect::Verdict::Polluted,
            &["currency::switch_to_euro"],
            &[],
        )),
    ),
    (
        "invoice::renders_fresh_totals",
        "fails only after both cache::warm_prices and cache::warm_taxes",
        Some((
            bisect::Verdict::Polluted,
            &["cache::warm_prices", "cache::warm_taxes"],
            &[],
        )),
    ),
    (
        "permissions::guest_cannot_delete",
        "fails after session::login_admin unless session::logout ran in between",
        Some((
            bisect::Verdict::Polluted,
            &["session::login_admin"],
            &["session::logout"],
        )),
    ),
    (
        "orders::list_orders",
        "fails alone, passes after db::migrate",
        Some((bisect::Verdict::Brittle, &["db::migrate"], &[])),
    ),
    (
        "clock::timer_resolution",
        "fails at random, whatever the order",
        None,
    ),
];

/// The victim the demo suggests bisecting next: its bisection shows a polluter and a cleaner.
const SUGGESTED: &str = "permissions::guest_cannot_delete";

fn matches(
    found: &bisect::Bisection,
    (verdict, wanted, cleaners): &(bisect::Verdict, &[&str], &[&str]),
) -> bool {
    fn sorted(tests: &[bisect::Located]) -> Vec<&str> {
        let mut ids: Vec<&str> = tests.iter().map(|t| t.id.as_str()).collect();
        ids.sort();
        ids
    }
    let culprits = if found.verdict == bisect::Verdict::Brittle {
        &found.state_setters
    } else {
        &found.polluters
    };
    found.verdict == *verdict && sorted(culprits) == *wanted && sorted(&found.cleaners) == *cleaners
}

fn id(module: &str, test: &str) -> String {
    format!("{module}::{test}")
}

/// The hidden runner: runs the suite (or the listed tests) and writes a JUnit report.
pub fn run_suite(args: &RunnerArgs) -> ExitCode {
    match run_suite_checked(args) {
        Ok(true) => ExitCode::Success,
        Ok(false) => ExitCode::NeedsAttention,
        Err(message) => {
            eprintln!("demo-runner: {message}");
            ExitCode::Usage
        }
    }
}

fn run_suite_checked(args: &RunnerArgs) -> std::result::Result<bool, String> {
    let mut listed = args.tests.clone();
    if let Some(file) = &args.tests_file {
        let text =
            fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        listed.extend(
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .map(String::from),
        );
    }
    let order: Vec<usize> = if listed.is_empty() {
        let mut all: Vec<usize> = (0..SUITE.len()).collect();
        if let Some(seed) = args.seed {
            seed::shuffle(&mut all, seed);
        }
        all
    } else {
        listed
            .iter()
            .map(|wanted| {
                SUITE
                    .iter()
                    .position(|(module, test, _)| id(module, test) == *wanted)
                    .ok_or_else(|| format!("no test named {wanted:?}"))
            })
            .collect::<std::result::Result<_, _>>()?
    };
    let mut world = World::default();
    let mut xml = String::new();
    let mut failures = 0;
    for &index in &order {
        let (module, test, check) = SUITE[index];
        let started = std::time::Instant::now();
        // A little work per test, so that durations in the report mean something.
        std::thread::sleep(Duration::from_micros(500 + 250 * (index as u64 % 5)));
        let outcome = check(&mut world);
        let time = started.elapsed().as_secs_f64();
        let _ = write!(
            xml,
            "  <testcase classname=\"{}\" name=\"{}\" time=\"{time:.6}\"",
            escape(module),
            escape(test)
        );
        match outcome {
            Ok(()) => xml.push_str("/>\n"),
            Err(message) => {
                failures += 1;
                let _ = write!(
                    xml,
                    ">\n    <failure message=\"{}\"/>\n  </testcase>\n",
                    escape(&message)
                );
            }
        }
    }
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"demo\" tests=\"{}\" failures=\"{failures}\">\n{xml}</testsuite>\n",
        order.len()
    );
    fs::write(&args.report, document)
        .map_err(|e| format!("cannot write {}: {e}", args.report.display()))?;
    Ok(failures == 0)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `bleed demo`: hunts on the planted suite, bisects what it finds, and says what to run next.
/// Runs are recorded in `--store`, else in a new temporary directory that is kept, so that the
/// suggested commands have them to read.
pub fn run(args: &DemoArgs) -> Result<ExitCode> {
    interrupt::install();
    let store = match &args.store {
        Some(store) => store.clone(),
        None => tempfile::Builder::new()
            .prefix("bleed-demo-")
            .tempdir()
            .map_err(|e| {
                Error::store(format!(
                    "cannot create a temporary directory for the demo: {e}"
                ))
            })?
            .keep(),
    };
    let paint = Paint::stdout();
    println!(
        "bleed demo: {} with planted order dependencies, {} under seeds derived from {}, \
         recorded in {}\n",
        count(SUITE.len(), "test"),
        count(args.runs as usize, "run"),
        args.seed,
        store.display()
    );
    let settings = hunt_settings(args, &store)?;
    let program = program();
    let bisect_command = settings.bisect_command(&program);
    let result = hunt::hunt(&settings)?;
    print!(
        "{}",
        flip_table::render(&result, Some(&bisect_command), paint, fit::stdout_width())
    );
    if result.interrupted {
        return Err(Error::interrupted("demo interrupted"));
    }
    let kinds: BTreeMap<&str, Kind> = result
        .analysis
        .flips
        .iter()
        .map(|f| (f.test.as_str(), f.kind))
        .collect();
    println!(
        "\nBisecting each flipping test (bleed bisect --victim TEST), from the latest run where it failed:\n"
    );
    let mut all_found = true;
    for planted in PLANTED {
        all_found &= check_planted(planted, &kinds, &settings, args.runs, paint)?;
    }
    let bisectable = |test: &str| kinds.get(test).is_some_and(|kind| kind.bisectable());
    let suggested = [SUGGESTED]
        .into_iter()
        .chain(PLANTED.iter().map(|(victim, ..)| *victim))
        .find(|test| bisectable(test));
    if let Some(victim) = suggested {
        println!(
            "\n{}\n  {}",
            paint.bold(
                "Next, bisect one yourself, for its whole story and a reproducer (repro.sh, \
                 REPORT.md):"
            ),
            paint.cyan(&format!("{bisect_command} --victim {}", quote(victim)))
        );
    }
    println!(
        "\n{}\n  {}",
        paint.bold("Everything the demo recorded, as the report a nightly hunt ends with:"),
        paint.cyan(&format!(
            "{program} report --store {}",
            quote(&store.display().to_string())
        ))
    );
    println!(
        "\n{}\n  {program} hunt --cmd \"<your test command>\" --runs 30",
        paint.bold(
            "Then hunt on your own suite (bleed hunt --help shows the command for each runner):"
        )
    );
    Ok(if all_found {
        ExitCode::Success
    } else {
        ExitCode::NeedsAttention
    })
}

/// How to run this very bleed again from the same directory: by name when that is what the
/// shell finds on PATH, else by its path (`cargo run` runs one that is not on PATH).
fn program() -> String {
    let Ok(exe) = std::env::current_exe() else {
        return "bleed".to_string();
    };
    let same = |found: &Path| {
        fs::canonicalize(found).is_ok_and(|found| fs::canonicalize(&exe).is_ok_and(|e| e == found))
    };
    let on_path = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| same(&dir.join("bleed"))));
    if on_path {
        "bleed".to_string()
    } else {
        quote(&exe.display().to_string())
    }
}

/// The demo suite run by this very executable, hunted with two jobs.
fn hunt_settings(args: &DemoArgs, store: &Path) -> Result<hunt::Settings> {
    let exe = std::env::current_exe().map_err(|e| {
        Error::suite(format!(
            "cannot find the bleed executable to run the demo suite: {e}"
        ))
    })?;
    let exe = quote(&exe.display().to_string());
    Ok(hunt::Settings {
        template: Template::parse(&format!(
            "{exe} demo-runner --seed <seed> --report <report>"
        ))?,
        replay: Some(Template::parse(&format!(
            "{exe} demo-runner --report <report> --tests-file <tests-file>"
        ))?),
        confirm: true,
        warm: false,
        runs: Some(args.runs),
        order: Mode::Runner,
        until_quiet: None,
        shard: None,
        jobs: 2,
        master_seed: Some(args.seed),
        timeout: Some(Duration::from_secs(60)),
        runner: Some("generic".to_string()),
        store: store.to_path_buf(),
    })
}

/// Whether the hunt gave a planted victim the right kind and, when it has culprits, whether
/// bisecting it finds them; says so in a few lines.
fn check_planted(
    (victim, story, expected): &Planted,
    kinds: &BTreeMap<&str, Kind>,
    settings: &hunt::Settings,
    runs: u64,
    paint: Paint,
) -> Result<bool> {
    let mark = |right: bool| {
        if right {
            paint.green("found ")
        } else {
            paint.red("WRONG ")
        }
    };
    let Some(&kind) = kinds.get(victim) else {
        println!(
            "  {}  {victim}: it never flipped in {} ({story})",
            paint.red("MISSED"),
            count(runs as usize, "run")
        );
        return Ok(false);
    };
    let Some(expected) = expected else {
        // A random failure has no culprit to find: the hunt must not send anyone to bisect
        // it. In a parallel hunt a rare one may stay unconfirmed (it could be interference).
        let right = !kind.bisectable();
        println!(
            "  {} {victim}\n      planted: {story}\n      found:   {}, so there is nothing to bisect",
            mark(right),
            kind.name()
        );
        return Ok(right);
    };
    if !kind.bisectable() {
        println!(
            "  {} {victim}: the hunt called it {} ({story})",
            mark(false),
            kind.name()
        );
        return Ok(false);
    }
    let bisection = bisect::bisect(&bisect::Settings {
        template: Some(settings.template.clone()),
        replay: settings.replay.clone(),
        runner: Some("generic".to_string()),
        victim: victim.to_string(),
        source: bisect::Source::Latest,
        retries: Some(1),
        jobs: 2,
        timeout: settings.timeout,
        cleaners: true,
        out: None,
        store: settings.store.clone(),
        warm: false,
    })?;
    let bisect::Outcome::Done(found) = bisection else {
        return Err(Error::interrupted("demo interrupted"));
    };
    let right = matches(&found, expected);
    println!(
        "  {} {victim}\n      planted: {story}\n      found:   {} ({})",
        mark(right),
        describe(&found),
        count(found.probes + found.cleaner_probes, "probe")
    );
    Ok(right)
}

/// A bisection in one line.
fn describe(found: &bisect::Bisection) -> String {
    let names = |tests: &[bisect::Located]| {
        tests
            .iter()
            .map(|t| t.id.as_str())
            .collect::<Vec<_>>()
            .join(" + ")
    };
    let mut line = match found.verdict {
        bisect::Verdict::Polluted => format!("polluted by {}", names(&found.polluters)),
        bisect::Verdict::Brittle => format!("brittle, needs {}", names(&found.state_setters)),
        bisect::Verdict::NotReproduced => "not reproduced (non-deterministic)".to_string(),
        bisect::Verdict::FailsAlone => "fails alone".to_string(),
        bisect::Verdict::NonDeterministic => "non-deterministic".to_string(),
    };
    if !found.cleaners.is_empty() {
        line.push_str(&format!(", cleaned by {}", names(&found.cleaners)));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_listed(tests: &[&str]) -> Vec<(String, bool)> {
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("r.xml");
        let args = RunnerArgs {
            report: report.clone(),
            seed: None,
            tests_file: None,
            tests: tests.iter().map(|t| t.to_string()).collect(),
        };
        run_suite_checked(&args).unwrap();
        let parsed = crate::junit::read_path(&report);
        assert!(parsed.problem.is_none(), "{:?}", parsed.problem);
        parsed
            .cases
            .iter()
            .map(|c| (crate::runner::Generic::case_id(c), c.outcome.is_pass()))
            .collect()
    }

    fn victim_passes(tests: &[&str]) -> bool {
        run_listed(tests).last().unwrap().1
    }

    #[test]
    fn each_planted_case_behaves_as_documented() {
        assert!(victim_passes(&["checkout::total_in_dollars"]));
        assert!(!victim_passes(&[
            "currency::switch_to_euro",
            "checkout::total_in_dollars"
        ]));
        assert!(victim_passes(&[
            "cache::warm_prices",
            "invoice::renders_fresh_totals"
        ]));
        assert!(!victim_passes(&[
            "cache::warm_taxes",
            "cache::warm_prices",
            "invoice::renders_fresh_totals"
        ]));
        assert!(!victim_passes(&[
            "session::login_admin",
            "permissions::guest_cannot_delete"
        ]));
        assert!(victim_passes(&[
            "session::login_admin",
            "session::logout",
            "permissions::guest_cannot_delete"
        ]));
        assert!(!victim_passes(&["orders::list_orders"]));
        assert!(victim_passes(&["db::migrate", "orders::list_orders"]));
    }

    #[test]
    fn listed_tests_run_in_the_order_given_and_unknown_ones_are_refused() {
        let ran: Vec<String> = run_listed(&["mail::queues_welcome", "users::signup"])
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(ran, vec!["mail::queues_welcome", "users::signup"]);
        let dir = tempfile::tempdir().unwrap();
        let args = RunnerArgs {
            report: dir.path().join("r.xml"),
            seed: None,
            tests_file: None,
            tests: vec!["nope".into()],
        };
        assert!(run_suite_checked(&args).unwrap_err().contains("nope"));
    }

    #[test]
    fn every_planted_victim_is_in_the_suite() {
        let ids: Vec<String> = SUITE.iter().map(|(m, t, _)| id(m, t)).collect();
        for (victim, _, _) in PLANTED {
            assert!(ids.contains(&victim.to_string()), "{victim}");
        }
        assert!(PLANTED.iter().any(|(victim, ..)| *victim == SUGGESTED));
    }
}
