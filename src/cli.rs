//! Command-line parsing (raw flags) and dispatch to the jobs, with errors turned into exit codes.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::builder::TypedValueParser as _;
use clap::{Args, Parser, Subcommand};

use crate::bisect::{self, Source};
use crate::error::{Error, ExitCode, Result};
use crate::human::{self, Paint};
use crate::order::Mode;
use crate::shard::{self, Shard};
use crate::template::{Template, quote};
use crate::{
    demo, fit, flip_table, help, hunt, import, interrupt, merge, progress, report, repro, runner,
    store, unattended,
};

/// The `--timeout` default ("30m" in the flags).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

#[derive(Parser)]
#[command(
    name = "bleed",
    version,
    about = "Find the tests that bleed state into other tests",
    long_about = "Find the tests that bleed state into other tests.\n\n\
        bleed runs your suite again and again under recorded seeds, reports the tests whose \
        result flips with the order, and keeps every run under .bleed/ so nothing has to run twice.",
    after_help = help::top()
)]
struct Cli {
    /// `bleed --store DIR hunt ...`, as resume hints printed it before `--store` moved to the
    /// subcommands that have a store.
    #[arg(long, hide = true, value_name = "DIR")]
    store: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

/// `--store`, for the subcommands that read or write the store.
#[derive(Args)]
struct StoreArgs {
    /// Where runs are recorded [default: .bleed]
    #[arg(long, value_name = "DIR")]
    store: Option<PathBuf>,
}

impl StoreArgs {
    /// The store named after the subcommand, else before it, else the default.
    fn resolve(&self, before: Option<PathBuf>) -> PathBuf {
        self.store
            .clone()
            .or(before)
            .unwrap_or_else(|| PathBuf::from(store::DEFAULT_ROOT))
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run the suite under many seeds and report the tests whose result flips, each with its kind
    #[command(after_help = help::hunt())]
    Hunt(HuntArgs),
    /// Find the minimal set of tests that make a victim fail, and a reproducer to paste
    #[command(long_about = help::BISECT_ABOUT, after_help = help::bisect())]
    Bisect(BisectArgs),
    /// Report on everything recorded in the store: the tests that fail most, their durations,
    /// the slowest tests, which tests interfere with which, and the health of the runs
    #[command(after_help = help::report())]
    Report(ReportArgs),
    /// Merge stores recorded elsewhere (CI shards, downloaded artifacts) into this one
    #[command(long_about = help::MERGE_ABOUT, after_help = help::merge())]
    Merge(MergeArgs),
    /// Record CI's test reports (JUnit XML, a runner's JSON) as runs, for bleed report
    #[command(long_about = help::IMPORT_ABOUT, after_help = help::import())]
    Import(ImportArgs),
    /// Hunt and bisect on a built-in suite with planted order dependencies: no runner needed
    #[command(after_help = help::demo())]
    Demo(DemoArgs),
    /// List the runners bleed knows and what each supports
    #[command(after_help = help::runners())]
    Runners,
    /// The demo's tiny test runner (used by `bleed demo`)
    #[command(hide = true)]
    DemoRunner(demo::RunnerArgs),
}

#[derive(Args)]
struct HuntArgs {
    /// The suite command, run under `sh -c`. Placeholders: <seed>, <report>, <worker>,
    /// <tests>, <tests-file> (also in the environment as BLEED_SEED, BLEED_REPORT, BLEED_WORKER)
    #[arg(long, value_name = "TEMPLATE")]
    cmd: String,

    /// Runs in the hunt, counting those already recorded for the same command and master seed
    /// [default: 20; with --order pairs, the whole schedule (about one run per test); with
    /// --order reverse, 1; with --until-quiet, at most 500]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    runs: Option<u64>,

    /// Who chooses the orders: the runner under each seed; bleed, with uniform shuffles of the
    /// whole suite, the natural order backwards, or a schedule that puts every two tests side
    /// by side (pairs), wherever the runner can run such orders
    #[arg(long, default_value = "runner", value_name = "HOW", value_parser = order_mode())]
    order: Mode,

    /// Stop once this many runs in a row found no test failing or flipping for the first time
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u64).range(1..))]
    until_quiet: Option<u64>,

    /// Runs at once; each gets its own <worker> number
    #[arg(long, short = 'j', default_value_t = 1, value_name = "J", value_parser = clap::value_parser!(u64).range(1..=256))]
    jobs: u64,

    /// Master seed the run seeds derive from [default: the last hunt's of this command, else drawn]
    #[arg(long, value_name = "N")]
    seed: Option<u64>,

    /// Make only shard K of N of the runs (run i when i % N is K-1), with the same --seed on
    /// every shard, then `bleed merge` their stores; auto reads CircleCI, GitLab, Buildkite,
    /// Semaphore or Bitbucket's parallelism variables (docs/ci.md)
    #[arg(long, value_name = "K/N|auto")]
    shard: Option<String>,

    /// Kill a run (its whole process tree) after this long, e.g. 90s, 10m
    #[arg(long, default_value = "30m", value_name = "DURATION", value_parser = humantime::parse_duration)]
    timeout: Duration,

    /// Force a runner adapter instead of recognising it from the command
    #[arg(long, value_name = "NAME", value_parser = clap::builder::PossibleValuesParser::new(runner::names()))]
    runner: Option<String>,

    /// For the generic runner: the command that runs exactly <tests> (or <tests-file>) in
    /// order, writing <report>; bleed uses it to run a flipped test by itself
    #[arg(long, value_name = "TEMPLATE")]
    replay_cmd: Option<String>,

    /// Skip the confirmation runs that tell each flip's kind (replays of failing seeds with
    /// nothing else running, tests run alone); kinds are then "unconfirmed"
    #[arg(long)]
    no_confirm: bool,

    /// Boot the suite once and fork a run per seed, where the runner allows (see bleed
    /// runners); off by default, since a hunt should run the suite as CI does
    #[arg(long)]
    warm: bool,

    /// Then bisect every order-dependent and brittle test found, one after another, from a
    /// failing run of the hunt, probing as the hunt ran (warm with --warm); a test bisected
    /// before from the same run is not bisected again
    #[arg(long, conflicts_with_all = ["shard", "no_confirm"])]
    bisect: bool,

    /// Print the result as one JSON document on stdout (with --bisect, with `bisections`)
    #[arg(long)]
    json: bool,

    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Args)]
#[command(group(clap::ArgGroup::new("source").args(["seed", "run", "order_file", "report", "from_log"])))]
struct BisectArgs {
    /// The test that fails, as the runner names it (pytest: its node id) [default with
    /// --from-log: each failing test of the log in turn]
    #[arg(long, value_name = "ID", required_unless_present = "from_log")]
    victim: Option<String>,

    /// The suite command, as for `hunt` [default: the command of the recorded run]
    #[arg(long, value_name = "TEMPLATE")]
    cmd: Option<String>,

    /// The command that runs exactly <tests> (or <tests-file>) in order, writing <report>
    /// [default: derived from --cmd by the runner adapter]
    #[arg(long, value_name = "TEMPLATE")]
    replay_cmd: Option<String>,

    /// The failing order is the one of this seed: a recorded run, else one run of --cmd
    #[arg(long, value_name = "N")]
    seed: Option<u64>,

    /// The failing order is that of this recorded run
    #[arg(long, value_name = "ID")]
    run: Option<String>,

    /// The failing order, one test id a line, the victim included
    #[arg(long, value_name = "FILE")]
    order_file: Option<PathBuf>,

    /// The failing order is the test order of this report from CI: JUnit XML, or the runner's
    /// own format where bleed reads that (cucumber JSON, RSpec JSON, go test -json, ...)
    #[arg(long, visible_alias = "junit", value_name = "FILE")]
    report: Option<PathBuf>,

    /// The failing run is the one this CI console log shows (RSpec, cucumber, pytest, Jest, go
    /// test, parallel_tests): its seed, its command (unless --cmd is given) and its failing
    /// tests (unless --victim is given), each bisected in turn; see docs/ci-logs.md
    #[arg(long, value_name = "FILE")]
    from_log: Option<PathBuf>,

    /// Repeat a probe that passes up to R more times before believing it [default: 0, or 1
    /// when the recorded runs show failures that no single test before the victim explains]
    #[arg(long, value_name = "R")]
    retries: Option<usize>,

    /// Probes at once
    #[arg(long, short = 'j', default_value_t = 1, value_name = "J", value_parser = clap::value_parser!(u64).range(1..=256))]
    jobs: u64,

    /// Kill a probe (its whole process tree) after this long
    #[arg(long, default_value = "30m", value_name = "DURATION", value_parser = humantime::parse_duration)]
    timeout: Duration,

    /// Force a runner adapter instead of recognising it from the command
    #[arg(long, value_name = "NAME", value_parser = clap::builder::PossibleValuesParser::new(runner::names()))]
    runner: Option<String>,

    /// Don't look for cleaners once the polluters are known
    #[arg(long)]
    no_cleaners: bool,

    /// warm: boot the suite once and fork a probe from it, where the runner allows (see bleed
    /// runners); confirmations still run cold. cold: a fresh process for every probe
    #[arg(long, value_enum, default_value_t = ProbeMode::Warm, value_name = "MODE")]
    probe: ProbeMode,

    /// Where to write repro.sh and REPORT.md [default: <store>/repro/<victim>/; with
    /// --from-log, a directory per victim in DIR]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,

    /// Print the result as one JSON document on stdout
    #[arg(long)]
    json: bool,

    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Args)]
struct ReportArgs {
    #[command(flatten)]
    store: StoreArgs,

    /// text (the default) on a terminal, markdown for a pull-request comment, json (schema in
    /// docs/report.md), junit for CI dashboards, html for one self-contained page (with --out)
    #[arg(long, value_enum, default_value_t = report::Format::Text, value_name = "FORMAT")]
    format: report::Format,

    /// Write the report to this file instead of stdout
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(Args)]
struct MergeArgs {
    /// A store to merge from, or a folder with stores right below it (shard-1/.bleed/)
    #[arg(value_name = "STORE", required = true)]
    sources: Vec<PathBuf>,

    /// Merge a store even when its runs share no command and no test with this store's
    #[arg(long)]
    force: bool,

    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Args)]
struct ImportArgs {
    /// A report, or a directory searched for *.xml, *.json, *.jsonl and *.ndjson files
    #[arg(value_name = "FILE|DIR", required = true)]
    paths: Vec<PathBuf>,

    /// The seed of each run whose report carries none
    #[arg(long, value_name = "N")]
    seed: Option<u64>,

    /// A pattern with one capture group that finds each run's seed in its report's path, where
    /// the report carries none, e.g. 'seed-(\d+)'
    #[arg(long, value_name = "REGEX", conflicts_with = "seed")]
    seed_from: Option<String>,

    /// The command CI ran, recorded as the runs' command; the runner is recognised from it
    /// [default: "imported"]
    #[arg(long, value_name = "TEMPLATE")]
    cmd: Option<String>,

    /// Read every report as this runner's, instead of recognising each one
    #[arg(long, value_name = "NAME", value_parser = clap::builder::PossibleValuesParser::new(runner::names()))]
    runner: Option<String>,

    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ProbeMode {
    Warm,
    Cold,
}

#[derive(Args)]
pub struct DemoArgs {
    /// Runs in the demo hunt
    #[arg(long, default_value_t = 40, value_name = "N")]
    pub runs: u64,

    /// Master seed of the demo hunt
    #[arg(long, default_value_t = 19497, value_name = "N")]
    pub seed: u64,

    /// Where the demo records its runs, for the commands it suggests next [default: a new
    /// temporary directory, kept]
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
}

/// Runs bleed on the process arguments and returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                ExitCode::Usage as i32
            } else {
                0
            };
        }
    };
    match dispatch(cli) {
        Ok(code) => code as i32,
        Err(error) => {
            eprintln!("bleed: {}: {error}", Paint::stderr().red("error"));
            error.code as i32
        }
    }
}

fn dispatch(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Hunt(args) => {
            let store = args.store.resolve(cli.store);
            run_hunt(args, store)
        }
        Command::Bisect(args) => {
            let store = args.store.resolve(cli.store);
            run_bisect(args, store)
        }
        Command::Report(args) => report::report(&report::Settings {
            store: args.store.resolve(cli.store),
            format: args.format,
            out: args.out,
        }),
        Command::Merge(args) => {
            let summary = merge::merge_stores(&merge::Settings {
                store: args.store.resolve(cli.store),
                sources: args.sources,
                force: args.force,
            })?;
            human::print(&summary)?;
            Ok(ExitCode::Success)
        }
        Command::Import(args) => {
            let summary = import::import(&import::Settings {
                store: args.store.resolve(cli.store),
                paths: args.paths,
                seed: args.seed,
                seed_from: args.seed_from,
                template: args.cmd,
                runner: args.runner,
            })?;
            human::print(&summary)?;
            Ok(ExitCode::Success)
        }
        Command::Demo(mut args) => {
            args.store = args.store.or(cli.store);
            demo::run(&args)
        }
        Command::Runners if cli.store.is_some() => Err(Error::usage(
            "bleed runners reads no store: leave out --store",
        )),
        Command::Runners => {
            human::print(&runners_table())?;
            Ok(ExitCode::Success)
        }
        Command::DemoRunner(args) => Ok(demo::run_suite(&args)),
    }
}

/// The hunt's length as known before its suite is listed: `--runs`, or the order's own when it
/// does not depend on the suite.
fn known_runs(args: &HuntArgs) -> Option<u64> {
    match (args.runs, args.order, args.until_quiet) {
        (Some(runs), _, _) => Some(runs),
        (None, Mode::Reverse, _) => Some(1),
        (None, Mode::Pairs, _) => None,
        (None, _, Some(_)) => Some(hunt::QUIET_RUNS_CAP),
        (None, _, None) => Some(hunt::DEFAULT_RUNS),
    }
}

fn order_mode() -> impl clap::builder::TypedValueParser<Value = Mode> {
    clap::builder::PossibleValuesParser::new(Mode::ALL.map(Mode::as_str))
        .map(|name| Mode::parse(&name).unwrap_or_default())
}

fn run_hunt(args: HuntArgs, store: PathBuf) -> Result<ExitCode> {
    let shard = args
        .shard
        .as_deref()
        .map(|text| choose_shard(text, args.seed, known_runs(&args)))
        .transpose()?;
    interrupt::install();
    let settings = hunt::Settings {
        template: Template::parse(&args.cmd)?,
        replay: args
            .replay_cmd
            .as_deref()
            .map(Template::parse)
            .transpose()?,
        confirm: !args.no_confirm,
        warm: args.warm,
        runs: args.runs,
        order: args.order,
        until_quiet: args.until_quiet,
        shard,
        jobs: args.jobs as usize,
        master_seed: args.seed,
        timeout: Some(args.timeout),
        runner: args.runner,
        store,
    };
    let result = hunt::hunt(&settings)?;
    let mut resume = resume_command(&settings, result.master_seed);
    if args.bisect {
        resume.push_str(" --bisect");
        if !result.interrupted {
            return unattended::bisect_hunt(result, &settings, args.json, &resume);
        }
    }
    if args.json {
        human::print_json(&result)?;
    } else {
        human::print(&flip_table::render(
            &result,
            Some(&settings.bisect_command("bleed")),
            Paint::stdout(),
            fit::stdout_width(),
        ))?;
    }
    if result.interrupted {
        return Err(Error::interrupted(format!(
            "interrupted after {}; what was recorded is kept. Resume with:\n    {}",
            human::counted(result.new_runs, "new run", "new runs"),
            resume
        )));
    }
    Ok(result.exit_code())
}

/// The shard `--shard` names, announced with where it came from and the runs it makes. Every
/// shard must derive its seeds from one master seed, so a drawn one will not do.
fn choose_shard(text: &str, seed: Option<u64>, runs: Option<u64>) -> Result<Shard> {
    if seed.is_none() {
        let today = humantime::format_rfc3339(std::time::SystemTime::now()).to_string();
        return Err(Error::usage(format!(
            "--shard needs --seed: every shard must run the same seed sequence, so give each the \
             same --seed N (e.g. the nightly's date, --seed {})",
            today[..10].replace('-', "")
        )));
    }
    let chosen = shard::parse(text, |name| std::env::var(name).ok())?;
    let from = chosen
        .source
        .map(|source| format!(" (from {source})"))
        .unwrap_or_default();
    let share = match runs {
        Some(runs) => chosen.shard.describe_share(runs),
        None => format!(
            "every run i of the schedule with i % {} = {}",
            chosen.shard.n(),
            chosen.shard.k() - 1
        ),
    };
    progress::say(&format!("shard {}{from}: {share}", chosen.shard));
    Ok(chosen.shard)
}

/// The command that carries on where an interrupted hunt stopped: the same store, command,
/// master seed and total, with the options that shaped the runs.
fn resume_command(settings: &hunt::Settings, master_seed: u64) -> String {
    let mut words = vec!["bleed".to_string(), "hunt".to_string()];
    if settings.store != Path::new(store::DEFAULT_ROOT) {
        words.extend([
            "--store".to_string(),
            quote(&settings.store.display().to_string()),
        ]);
    }
    words.extend([
        "--cmd".to_string(),
        quote(settings.template.as_str()),
        "--seed".to_string(),
        master_seed.to_string(),
    ]);
    if let Some(runs) = settings.runs {
        words.extend(["--runs".to_string(), runs.to_string()]);
    }
    if settings.order != Mode::Runner {
        words.extend(["--order".to_string(), settings.order.to_string()]);
    }
    if let Some(quiet) = settings.until_quiet {
        words.extend(["--until-quiet".to_string(), quiet.to_string()]);
    }
    if let Some(shard) = settings.shard {
        words.extend(["--shard".to_string(), shard.to_string()]);
    }
    if settings.jobs != 1 {
        words.extend(["--jobs".to_string(), settings.jobs.to_string()]);
    }
    if let Some(timeout) = settings.timeout.filter(|&t| t != DEFAULT_TIMEOUT) {
        words.extend([
            "--timeout".to_string(),
            humantime::format_duration(timeout).to_string(),
        ]);
    }
    if let Some(runner) = &settings.runner {
        words.extend(["--runner".to_string(), runner.clone()]);
    }
    if let Some(replay) = &settings.replay {
        words.extend(["--replay-cmd".to_string(), quote(replay.as_str())]);
    }
    if !settings.confirm {
        words.push("--no-confirm".to_string());
    }
    if settings.warm {
        words.push("--warm".to_string());
    }
    words.join(" ")
}

fn run_bisect(args: BisectArgs, store: PathBuf) -> Result<ExitCode> {
    interrupt::install();
    let source = match (args.seed, args.run, args.order_file, args.report) {
        (Some(seed), ..) => Source::Seed(seed),
        (_, Some(run), ..) => Source::Run(run),
        (_, _, Some(file), _) => Source::OrderFile(file),
        (.., Some(report)) => Source::Report(report),
        _ => Source::Latest,
    };
    let settings = bisect::Settings {
        template: args.cmd.as_deref().map(Template::parse).transpose()?,
        replay: args
            .replay_cmd
            .as_deref()
            .map(Template::parse)
            .transpose()?,
        runner: args.runner,
        victim: args.victim.clone().unwrap_or_default(),
        source,
        retries: args.retries,
        jobs: args.jobs as usize,
        timeout: Some(args.timeout),
        cleaners: !args.no_cleaners,
        out: args.out,
        store,
        warm: args.probe == ProbeMode::Warm,
    };
    if let Some(log) = &args.from_log {
        let mut shown = 0;
        let show = |result: &bisect::Bisection| {
            let written = write_reproducer(&settings, result, true)?;
            if args.json {
                return Ok(());
            }
            let separator = if shown > 0 { "\n" } else { "" };
            shown += 1;
            let text = repro::render(result, written.as_deref(), Paint::stdout());
            human::print(&format!("{separator}{text}"))
        };
        let (result, code) = bisect::bisect_log(log, &settings, args.victim.as_deref(), show)?;
        if args.json {
            human::print_json(&result)?;
        }
        return Ok(code);
    }
    let result = match bisect::bisect(&settings)? {
        bisect::Outcome::Done(result) => result,
        bisect::Outcome::Interrupted(stopped) => {
            return Err(stopped.into_error(None, bisect::START_OVER));
        }
    };
    let written = write_reproducer(&settings, &result, false)?;
    if args.json {
        human::print_json(&result)?;
    } else {
        human::print(&repro::render(&result, written.as_deref(), Paint::stdout()))?;
    }
    Ok(result.verdict.exit_code())
}

/// Writes repro.sh and REPORT.md to `--out` (in a directory per victim when one `--out` serves
/// several, as with `--from-log`), else under the store; the directory, when the bisection gave
/// a reproducer.
fn write_reproducer(
    settings: &bisect::Settings,
    result: &bisect::Bisection,
    per_victim: bool,
) -> Result<Option<PathBuf>> {
    let dir = match &settings.out {
        Some(out) if per_victim => out.join(repro::dir_name(&result.victim)),
        Some(out) => out.clone(),
        None => repro::default_dir(&settings.store, &result.victim),
    };
    let project = std::env::current_dir()
        .map_err(|e| Error::store(format!("cannot read the current directory: {e}")))?;
    repro::write(result, &dir, &project)?;
    Ok(result.reproducer.is_some().then_some(dir))
}

fn runners_table() -> String {
    let mut out = String::new();
    for adapter in runner::all() {
        let can = adapter.capabilities();
        let orders = match adapter.arrangement(&[]) {
            Ok(arranged) => match arranged.kept_together {
                Some(kept) => format!("runner, shuffle, reverse, pairs, keeping together {kept}"),
                None => "runner, shuffle, reverse, pairs, any order of the tests".to_string(),
            },
            Err(reason) => format!("runner only: {reason}"),
        };
        out.push_str(&format!(
            "{}\n  versions        {}\n  seeded order    {}\n  explicit order  {}\n  --order         {orders}\n  warm probes     {}\n  results         {}\n  test id         {}\n\n",
            adapter.name(),
            can.versions,
            can.seeded_order,
            can.explicit_order,
            adapter.warm_support(),
            can.results,
            can.selector
        ));
    }
    out.push_str(
        "bleed recognises the runner from the command (also behind bundle exec, npx, python3 -m);\n\
         --runner NAME forces one.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(store: &str) -> hunt::Settings {
        hunt::Settings {
            template: Template::parse("./run --seed <seed> --junit <report>").unwrap(),
            replay: Some(Template::parse("./run --junit <report> <tests>").unwrap()),
            confirm: true,
            warm: false,
            runs: Some(30),
            order: Mode::Pairs,
            until_quiet: Some(5),
            shard: Shard::new(2, 3),
            jobs: 2,
            master_seed: None,
            timeout: Some(DEFAULT_TIMEOUT),
            runner: None,
            store: PathBuf::from(store),
        }
    }

    fn parse(command: &str) -> Cli {
        Cli::try_parse_from(shell_words::split(command).unwrap())
            .unwrap_or_else(|e| panic!("{command}: {e}"))
    }

    /// The commands bleed prints for the user to run next parse, and name the same store.
    #[test]
    fn printed_commands_parse_back_with_their_store() {
        for store in [".bleed", "my runs"] {
            let settings = settings(store);
            let resumed = parse(&resume_command(&settings, 7));
            let Command::Hunt(args) = resumed.command else {
                panic!("not a hunt");
            };
            assert_eq!(args.store.resolve(resumed.store), Path::new(store));
            assert_eq!(args.seed, Some(7));
            assert_eq!(args.shard.as_deref(), Some("2/3"));
            assert_eq!(args.runs, Some(30));
            assert_eq!(args.order, Mode::Pairs);
            assert_eq!(args.until_quiet, Some(5));

            let bisect = parse(&format!(
                "{} --seed 9 --victim t",
                settings.bisect_command("bleed")
            ));
            let Command::Bisect(args) = bisect.command else {
                panic!("not a bisection");
            };
            assert_eq!(args.store.resolve(bisect.store), Path::new(store));
            assert_eq!(
                args.replay_cmd.as_deref(),
                Some("./run --junit <report> <tests>")
            );
        }
    }

    #[test]
    fn store_before_the_subcommand_still_counts() {
        let cli = parse("bleed --store old hunt --cmd x");
        let Command::Hunt(args) = cli.command else {
            panic!("not a hunt");
        };
        assert_eq!(args.store.resolve(cli.store), Path::new("old"));
    }

    /// Every bleed command in the code blocks of `doc`, with its continuation lines (a trailing
    /// `\`, or YAML's folded lines that go on with `--` options) and without what the shell
    /// does around it (`(cd … && `, `) &`, `|| [ $? -eq 1 ]`, `>> file`).
    fn documented_commands(doc: &str) -> Vec<String> {
        let mut commands: Vec<String> = Vec::new();
        let mut in_code = false;
        let mut going_on = false;
        for line in doc.lines() {
            let text = line.trim();
            if text.starts_with("```") {
                in_code = !in_code;
                continue;
            }
            let continued = going_on || text.starts_with("--") || text.starts_with("||");
            if let (true, Some(last)) = (in_code && continued, commands.last_mut()) {
                last.push(' ');
                last.push_str(text.trim_end_matches('\\'));
            } else if let Some(at) = in_code.then(|| bleed_command_at(text)).flatten() {
                commands.push(text[at..].trim_end_matches('\\').to_string());
            } else {
                going_on = false;
                continue;
            }
            going_on = text.ends_with('\\');
        }
        commands
    }

    /// Where `bleed <subcommand>` starts in a line: not in `name: Build bleed once`.
    fn bleed_command_at(line: &str) -> Option<usize> {
        let cli = <Cli as clap::CommandFactory>::command();
        line.match_indices("bleed ").map(|(at, _)| at).find(|&at| {
            let next = line[at + "bleed ".len()..].split_whitespace().next();
            cli.get_subcommands()
                .any(|sub| Some(sub.get_name()) == next)
        })
    }

    /// What the CI service or the shell gives the variables whose value must parse.
    const DOCUMENTED_VALUES: [(&str, &str); 7] = [
        ("<< pipeline.parameters.hunt-runs >>", "40"),
        ("<< pipeline.number >>", "7"),
        ("\"$HUNT_RUNS\"", "40"),
        ("\"$SEED\"", "7"),
        ("\"$seed\"", "7"),
        ("\"$CI_PIPELINE_IID\"", "7"),
        ("\"$k/3\"", "2/3"),
    ];

    /// docs/ci.md is for copying: each of its bleed commands parses as this bleed's.
    #[test]
    fn the_commands_in_the_ci_guide_parse() {
        let commands = documented_commands(include_str!("../docs/ci.md"));
        assert!(commands.len() > 20, "{commands:#?}");
        for command in commands {
            let mut line = command.clone();
            for (variable, value) in DOCUMENTED_VALUES {
                line = line.replace(variable, value);
            }
            let words = shell_words::split(&line).unwrap_or_else(|e| panic!("{line}: {e}"));
            let words: Vec<&str> = words
                .iter()
                .map(|w| w.trim_end_matches(')'))
                .take_while(|w| !["||", ">>", ">", "&", "&&"].contains(w))
                .collect();
            if let Err(error) = Cli::try_parse_from(&words) {
                panic!("{command}\n{error}");
            }
        }
    }
}
