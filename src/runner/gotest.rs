//! go test: seeded order from `-shuffle=<seed>`, results from the `go test -json` event stream
//! sent to `<report>`, and probes replayed as a `-run` filter under the failing run's seed.
//!
//! Go shuffles a package's whole list of top-level tests with the seed and only then lets `-run`
//! filter it (`testing.(*M).Run`, go1.19), so a subset of a seeded order runs in the same
//! relative order under the same seed. That is the only order a probe can impose: go has no way
//! to run tests in an order of the caller's choosing. Subtests always run in source order inside
//! their test, so the top-level test is both the unit of order and the unit of ids.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use super::{Adapter, Capabilities, Invocation, RunResults, parse_version};
use crate::error::{Error, Result};
use crate::outcome::{Outcome, TestResult};
use crate::template::{Placeholder, Template, Values, join_keeping_placeholders, quote};

pub struct GoTest;

/// go test writes its events on stdout, and has no option to write them to a file.
const REPORT_REDIRECT: &str = "> <report>";

/// Added to every run; `-count=1` keeps go from answering with cached results.
const SHUFFLE: &str = "-shuffle=<seed>";
const ONCE: &str = "-count=1";
const JSON: &str = "-json";

/// Turns the ids in `<tests>` (`import/path.TestName`) into `$run`, the names joined with `|`,
/// and `$packages`. The ids arrive as positional parameters, so they stay data; globbing is off
/// because `$packages` is expanded unquoted to split it into words.
const REPLAY_PRELUDE: &str = "set -f; set -- <tests>; run=; packages=; \
     for id do run=\"$run|${id##*.}\"; packages=\"$packages ${id%.*}\"; done; ";
/// The filter's top level: the ids' names. A hunt's `-run` that reaches into subtests adds its
/// lower levels (`/fast`) inside the double quotes, before the closing one.
const RUN_FILTER_TOP: &str = "-run \"^(${run#|})\\$";
const PACKAGES: &str = "$packages";

/// Flags of `go test` (build, test and test-binary flags, go1.19 to go1.24) that take their
/// value as the next word when written without `=`.
const FLAGS_WITH_VALUES: &[&str] = &[
    "C",
    "p",
    "asmflags",
    "bench",
    "benchtime",
    "blockprofile",
    "blockprofilerate",
    "buildmode",
    "compiler",
    "count",
    "covermode",
    "coverpkg",
    "coverprofile",
    "cpu",
    "cpuprofile",
    "exec",
    "fuzz",
    "fuzzcachedir",
    "fuzzminimizetime",
    "fuzztime",
    "gccgoflags",
    "gcflags",
    "installsuffix",
    "ldflags",
    "list",
    "memprofile",
    "memprofilerate",
    "mod",
    "modfile",
    "mutexprofile",
    "mutexprofilefraction",
    "o",
    "outputdir",
    "overlay",
    "parallel",
    "pgo",
    "pkgdir",
    "run",
    "shuffle",
    "skip",
    "tags",
    "timeout",
    "toolexec",
    "trace",
    "vet",
];

/// Flags of `go test` that take no separate value.
const BOOLEAN_FLAGS: &[&str] = &[
    "a",
    "asan",
    "benchmem",
    "buildvcs",
    "c",
    "cover",
    "failfast",
    "fullpath",
    "i",
    "json",
    "linkshared",
    "modcacherw",
    "msan",
    "n",
    "race",
    "short",
    "trimpath",
    "v",
    "work",
    "x",
];

/// Flags a hunt cannot use, and why.
const REFUSED_FLAGS: &[(&str, &str)] = &[
    ("c", "-c only compiles the test binary"),
    ("list", "-list only lists the tests"),
    ("fuzz", "-fuzz runs the fuzzer instead of the suite"),
];

/// Flags a replay drops: it sets its own filter, seed and report, and a probe must run every
/// test it asks for (no -failfast) and nothing else (benchmarks run after all tests anyway).
const DROPPED_FROM_REPLAY: &[&str] = &["run", "shuffle", "json", "count", "failfast", "bench"];

fn correct_example() -> &'static str {
    "e.g. --cmd \"go test ./...\" (bleed adds -shuffle=<seed> -count=1 -json > <report>), \
     or in full --runner go --cmd \"go test -shuffle=<seed> -count=1 -json ./... > <report>\""
}

fn replay_example() -> &'static str {
    "e.g. --replay-cmd \"go test -shuffle=<seed> -count=1 -json -run '^(TestA|TestB)$' ./pkg > <report>\""
}

/// One argument of `go test` before the arguments meant for the test binary.
#[derive(Debug, PartialEq)]
enum Argument {
    Flag {
        /// Without dashes and without go's optional `test.` prefix: `-test.run=x` is `run`.
        name: String,
        value: Option<String>,
        words: Vec<String>,
    },
    Package(String),
}

/// A `go test` command taken apart as go itself reads it (cmd/go/internal/test/testflag.go).
#[derive(Debug)]
struct GoTestCommand {
    /// The wrappers, `go` and `test`.
    program: Vec<String>,
    arguments: Vec<Argument>,
    /// From `-args`, `--` or the first positional argument after the packages: what go passes to
    /// the test binary untouched.
    binary_arguments: Vec<String>,
    /// Whether the command already ends with `> <report>`.
    redirects_to_report: bool,
}

impl GoTestCommand {
    /// None when the command is not one `go test` command (optionally behind wrappers and
    /// followed by `> <report>`).
    fn parse(command: &str) -> Option<GoTestCommand> {
        let trimmed = command.trim_end();
        let (command, redirects_to_report) = match trimmed
            .strip_suffix("<report>")
            .map(str::trim_end)
            .and_then(|rest| rest.strip_suffix('>'))
        {
            Some(rest) => (rest, true),
            None => (trimmed, false),
        };
        let invocation = Invocation::parse(command)?;
        if invocation.program != "go" || invocation.arguments().first()? != "test" {
            return None;
        }
        let program = invocation.words[..=invocation.args].to_vec();
        let (arguments, binary_arguments) = split_arguments(&invocation.arguments()[1..]);
        Some(GoTestCommand {
            program,
            arguments,
            binary_arguments,
            redirects_to_report,
        })
    }

    fn flag(&self, wanted: &str) -> Option<Option<&str>> {
        self.arguments
            .iter()
            .rev()
            .find_map(|argument| match argument {
                Argument::Flag { name, value, .. } if name == wanted => Some(value.as_deref()),
                _ => None,
            })
    }

    fn packages(&self) -> impl Iterator<Item = &str> {
        self.arguments.iter().filter_map(|argument| match argument {
            Argument::Package(package) => Some(package.as_str()),
            Argument::Flag { .. } => None,
        })
    }
}

fn flag_parts(word: &str) -> Option<(&str, Option<&str>)> {
    if word == "-" || word == "--" || !word.starts_with('-') {
        return None;
    }
    let bare = word.strip_prefix("--").unwrap_or(&word[1..]);
    let (name, value) = match bare.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (bare, None),
    };
    Some((name.strip_prefix("test.").unwrap_or(name), value))
}

/// Splits what follows `go test` the way go does: flags and packages, then what goes to the test
/// binary. After a flag go does not know, a bare word is that flag's value if the flag had none,
/// else the start of the test binary's arguments.
fn split_arguments(words: &[String]) -> (Vec<Argument>, Vec<String>) {
    let mut arguments = Vec::new();
    let mut in_package_list = false;
    let mut packages_ended = false;
    let mut after_unknown_without_value = false;
    let mut at = 0;
    while at < words.len() {
        let word = &words[at];
        let was_after_unknown_without_value = std::mem::take(&mut after_unknown_without_value);
        if matches!(word.as_str(), "--" | "-args" | "--args") {
            return (arguments, words[at..].to_vec());
        }
        if let Some((name, value)) = flag_parts(word) {
            in_package_list = false;
            let known = FLAGS_WITH_VALUES.contains(&name) || BOOLEAN_FLAGS.contains(&name);
            let mut flag_words = vec![word.clone()];
            let mut value = value.map(String::from);
            if value.is_none() && FLAGS_WITH_VALUES.contains(&name) && at + 1 < words.len() {
                at += 1;
                flag_words.push(words[at].clone());
                value = Some(words[at].clone());
            }
            if !known {
                packages_ended = true;
                after_unknown_without_value = value.is_none();
            }
            arguments.push(Argument::Flag {
                name: name.to_string(),
                value,
                words: flag_words,
            });
            at += 1;
            continue;
        }
        if !in_package_list && packages_ended {
            if !was_after_unknown_without_value {
                return (arguments, words[at..].to_vec());
            }
            if let Some(Argument::Flag {
                words: flag_words, ..
            }) = arguments.last_mut()
            {
                flag_words.push(word.clone());
            }
            at += 1;
            continue;
        }
        in_package_list = true;
        packages_ended = true;
        arguments.push(Argument::Package(word.clone()));
        at += 1;
    }
    (arguments, Vec::new())
}

fn words_of(argument: &Argument) -> Vec<String> {
    match argument {
        Argument::Flag { words, .. } => words.clone(),
        Argument::Package(package) => vec![package.clone()],
    }
}

/// What a `-run` pattern selects below the top-level tests. go splits a pattern into
/// alternatives at each `|`, and each alternative into per-level patterns at each `/`, outside
/// brackets and parentheses (testing/match.go, splitRegexp).
#[derive(Debug, PartialEq)]
enum RunLevels<'a> {
    /// Top-level tests only (`TestA|TestB`).
    TopOnly,
    /// One path: `fast/x` below whatever the top level matches, for `TestCart/fast/x`.
    Below(&'a str),
    /// Several paths with subtests (`TestA/x|TestB`), which no one filter of ids can narrow.
    Alternatives,
}

fn run_levels(pattern: &str) -> RunLevels<'_> {
    let (mut brackets, mut parentheses) = (0usize, 0usize);
    let mut first_slash = None;
    let mut alternatives = false;
    let mut chars = pattern.char_indices();
    while let Some((at, c)) = chars.next() {
        let top = brackets == 0 && parentheses == 0;
        match c {
            '[' => brackets += 1,
            ']' => brackets = brackets.saturating_sub(1),
            '(' if brackets == 0 => parentheses += 1,
            ')' if brackets == 0 => parentheses = parentheses.saturating_sub(1),
            '\\' => {
                chars.next();
            }
            '/' if top => {
                first_slash.get_or_insert(at);
            }
            '|' if top => alternatives = true,
            _ => {}
        }
    }
    match first_slash {
        None => RunLevels::TopOnly,
        Some(_) if alternatives => RunLevels::Alternatives,
        Some(at) => RunLevels::Below(&pattern[at + 1..]),
    }
}

/// Written inside a shell's double quotes, where `\`, `"`, `$` and `` ` `` keep their meaning
/// unless escaped.
fn double_quoted(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '"' | '$' | '`') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// The text of a double-quoted shell word from just after its opening quote, and what follows
/// its closing one.
fn read_double_quoted(text: &str) -> Option<(String, &str)> {
    let mut value = String::new();
    let mut chars = text.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => return Some((value, &text[at + 1..])),
            '\\' => {
                let (_, next) = chars.next()?;
                if !matches!(next, '\\' | '"' | '$' | '`') {
                    value.push('\\');
                }
                value.push(next);
            }
            other => value.push(other),
        }
    }
    None
}

/// The top-level test an id names, when the id names a subtest instead (`pkg.TestX/sub`): the
/// first `.Test…`, `.Example…`, `.Fuzz…` or `.Benchmark…` followed by a `/`. Import paths may
/// hold dots and slashes, but no element of one starts so.
fn top_level_of_subtest(id: &str) -> Option<&str> {
    id.match_indices('.').find_map(|(dot, _)| {
        let rest = &id[dot + 1..];
        let named = ["Test", "Example", "Fuzz", "Benchmark"]
            .iter()
            .any(|prefix| rest.starts_with(prefix));
        let name_end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        (named && rest[name_end..].starts_with('/')).then(|| &id[..dot + 1 + name_end])
    })
}

/// The package part of an id: test names are Go identifiers and never hold a dot, while import
/// paths may (`example.com/labels.v2`).
fn package_of(id: &str) -> Option<&str> {
    id.rsplit_once('.').map(|(package, _)| package)
}

impl Adapter for GoTest {
    fn name(&self) -> &'static str {
        "go"
    }

    fn recognises(&self, invocation: &Invocation) -> bool {
        invocation.program == "go" && invocation.arguments().first().is_some_and(|a| a == "test")
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            seeded_order: "-shuffle=<seed> (added when missing): shuffles each package's top-level tests",
            explicit_order: "subsets of a seeded order only: -run '^(A|B)$' under the failing run's seed, one package at a time",
            results: "go test -json events, stdout sent to <report> (added when missing)",
            selector: "import/path.TestName (top-level tests; subtests count in their test)",
            versions: "go ≥ 1.17; tested on 1.19.8",
        }
    }

    fn hunt_command(&self, user: &Template) -> Result<Template> {
        let Some(command) = GoTestCommand::parse(user.as_str()) else {
            if user.has(Placeholder::Seed) && user.has(Placeholder::Report) {
                // A script or a compound command: it is the user's to get right.
                return Ok(user.clone());
            }
            return Err(Error::usage(format!(
                "bleed cannot add its options to a compound command (pipe, &&, ;, redirection): \
                 put -shuffle=<seed> and -json > <report> in it yourself, {}",
                correct_example()
            )));
        };
        if user.has(Placeholder::Report) && !command.redirects_to_report {
            return Err(Error::usage(format!(
                "go test writes its -json events on stdout: use <report> only as the final \
                 redirection `> <report>`, {}",
                correct_example()
            )));
        }
        for (flag, why) in REFUSED_FLAGS {
            if command.flag(flag).is_some() {
                return Err(Error::usage(format!(
                    "{why}, so a hunt would have no results: drop it, {}",
                    correct_example()
                )));
            }
        }
        match command.flag("shuffle") {
            None | Some(Some("<seed>")) => {}
            Some(value) => {
                return Err(Error::usage(format!(
                    "the command sets go's shuffle itself (-shuffle={}): write -shuffle=<seed> so \
                     each run gets a seed bleed records and can replay, {}",
                    value.unwrap_or(""),
                    correct_example()
                )));
            }
        }
        if let Some(count) = command.flag("count").filter(|count| *count != Some("1")) {
            return Err(Error::usage(format!(
                "-count={} runs every test several times in one run, so results could not be told \
                 apart: use -count=1 and more --runs instead",
                count.unwrap_or("")
            )));
        }
        if command
            .flag("cpu")
            .flatten()
            .is_some_and(|cpus| cpus.contains(','))
        {
            return Err(Error::usage(
                "a -cpu list runs every test once per value, so results could not be told apart: \
                 give one value, or hunt once per value",
            ));
        }
        let mut additions = Vec::new();
        if command.flag("shuffle").is_none() {
            additions.push(SHUFFLE);
        }
        if command.flag("count").is_none() {
            additions.push(ONCE);
        }
        if command.flag("json").is_none() {
            additions.push(JSON);
        }
        if additions.is_empty() && command.redirects_to_report {
            return Ok(user.clone());
        }
        let mut words = command.program.clone();
        words.extend(command.arguments.iter().flat_map(words_of));
        words.extend(additions.iter().map(|word| word.to_string()));
        words.extend(command.binary_arguments.iter().cloned());
        Template::parse(&format!(
            "{} {REPORT_REDIRECT}",
            join_keeping_placeholders(&words)
        ))
    }

    fn replay_command(&self, hunt: &Template) -> Result<Template> {
        let Some(command) = GoTestCommand::parse(hunt.as_str()).filter(|c| c.redirects_to_report)
        else {
            return Err(Error::usage(format!(
                "bleed cannot derive a replay command from this go test command: give one with \
                 --replay-cmd, {}",
                replay_example()
            )));
        };
        if command.packages().any(|package| package.ends_with(".go")) {
            return Err(Error::usage(format!(
                "bleed replays go tests by package, and this command names .go files: name the \
                 package instead (go test ./cart, not go test cart/cart_test.go), or give \
                 --replay-cmd, {}",
                replay_example()
            )));
        }
        // The hunt ran only some subtests of each test it matched; the probes run the same ones.
        let pattern = command.flag("run").flatten().unwrap_or("");
        let lower_levels = match run_levels(pattern) {
            RunLevels::TopOnly => String::new(),
            RunLevels::Below(lower) => double_quoted(&format!("/{lower}")),
            RunLevels::Alternatives => {
                return Err(Error::usage(format!(
                    "the hunt's -run '{pattern}' is an alternation of paths into subtests, which \
                     bleed cannot narrow to the tests of a probe: hunt with one path (-run \
                     'TestCart/fast', or '/(fast|slow)' for those subtests of every test), or give \
                     --replay-cmd, {}",
                    replay_example()
                )));
            }
        };
        let mut words: Vec<String> = Vec::new();
        let mut packages_at = None;
        for argument in &command.arguments {
            match argument {
                Argument::Package(_) => {
                    packages_at.get_or_insert(words.len());
                }
                Argument::Flag {
                    name,
                    words: flag_words,
                    ..
                } => {
                    if !DROPPED_FROM_REPLAY.contains(&name.as_str()) {
                        words.extend(flag_words.iter().cloned());
                    }
                }
            }
        }
        let packages_at = packages_at.unwrap_or(words.len());
        let joined = |words: &[String]| -> String {
            if words.is_empty() {
                String::new()
            } else {
                format!("{} ", join_keeping_placeholders(words))
            }
        };
        let binary_arguments = join_keeping_placeholders(&command.binary_arguments);
        let text = format!(
            "{REPLAY_PRELUDE}{program} {before}{PACKAGES} {after}{SHUFFLE} {ONCE} {JSON} {RUN_FILTER_TOP}{lower_levels}\" {binary_arguments}",
            program = join_keeping_placeholders(&command.program),
            before = joined(&words[..packages_at]),
            after = joined(&words[packages_at..]),
        );
        Template::parse(&format!("{} {REPORT_REDIRECT}", text.trim_end()))
    }

    fn read_results(&self, report: &Path) -> RunResults {
        match std::fs::read(report) {
            Ok(bytes) => parse_events(&String::from_utf8_lossy(&bytes)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => RunResults {
                results: Vec::new(),
                problem: Some(format!("no report was written at {}", report.display())),
            },
            Err(error) => RunResults {
                results: Vec::new(),
                problem: Some(format!(
                    "cannot read the report at {}: {error}",
                    report.display()
                )),
            },
        }
    }

    /// The go command of the replay, with the filter and packages written out and without
    /// bleed's report: `go test ./cart -shuffle=19497 -count=1 -run '^(TestA|TestB)$'`.
    fn reproducer(&self, replay: &Template, order: &[String], seed: Option<u64>) -> Result<String> {
        let Some(command) = replay.as_str().strip_prefix(REPLAY_PRELUDE) else {
            return render_foreign_replay(replay, order, seed);
        };
        let names: Vec<&str> = order
            .iter()
            .map(|id| id.rsplit('.').next().unwrap_or(id))
            .collect();
        let mut packages: Vec<&str> = Vec::new();
        for package in order.iter().map(|id| package_of(id).unwrap_or(id)) {
            if !packages.contains(&package) {
                packages.push(package);
            }
        }
        let packages: Vec<String> = packages.iter().map(|package| quote(package)).collect();
        let command = command
            .trim_end()
            .trim_end_matches(REPORT_REDIRECT)
            .trim_end();
        let marker = format!("{JSON} {RUN_FILTER_TOP}");
        let (before, lower_levels, after) = command
            .split_once(&marker)
            .and_then(|(before, rest)| {
                let (lower_levels, after) = read_double_quoted(rest)?;
                Some((before, lower_levels, after))
            })
            .ok_or_else(|| Error::usage("the replay command lost its -run filter"))?;
        let filter = format!(
            "-run {}",
            quote(&format!("^({})${lower_levels}", names.join("|")))
        );
        let command = format!("{before}{filter}{after}").replace(PACKAGES, &packages.join(" "));
        Template::parse(&command)?.render(&Values {
            seed,
            worker: Some(1),
            ..Values::default()
        })
    }

    fn version_command(&self, hunt: &Template) -> Option<String> {
        let command = GoTestCommand::parse(hunt.as_str())?;
        let mut words = command.program;
        *words.last_mut()? = "version".to_string();
        Some(join_keeping_placeholders(&words))
    }

    fn report_extension(&self) -> &'static str {
        "json"
    }

    /// `go version` prints `go version go1.19.8 linux/amd64`.
    fn check_version(&self, reported: &str) -> std::result::Result<(), String> {
        match parse_version(reported) {
            Some((1, minor, _)) if minor < 17 => Err(format!(
                "bleed needs go 1.17 or later, the first with -shuffle, and go version says \
                 {reported}: upgrade go, or use --runner generic with your own --cmd and \
                 --replay-cmd"
            )),
            _ => Ok(()),
        }
    }

    /// go shuffles and `-run` selects top-level tests; a subtest always runs inside its test, in
    /// source order, so it has no place of its own in an order.
    fn unrunnable_order(&self, order: &[String]) -> Option<String> {
        order.iter().find_map(|id| {
            let top_level = top_level_of_subtest(id)?;
            Some(format!(
                "{id} is a subtest, and go test shuffles and selects top-level tests only (a \
                 subtest runs inside its test, in source order): bisect its test instead, \
                 --victim {}",
                quote(top_level)
            ))
        })
    }

    /// Each package's tests run in their own process, so they share no memory; only state
    /// outside the process (files, databases) could cross, and bleed does not search for that.
    fn isolated(&self, candidate: &str, victim: &str) -> bool {
        match (package_of(candidate), package_of(victim)) {
            (Some(candidate), Some(victim)) => candidate != victim,
            _ => false,
        }
    }
}

/// A replay command the user gave, rendered for a person to paste.
fn render_foreign_replay(replay: &Template, order: &[String], seed: Option<u64>) -> Result<String> {
    let scratch = Path::new("/tmp/bleed-order.txt");
    let command = replay.render(&Values {
        seed,
        tests: Some(order),
        tests_file: Some(scratch),
        report: Some(Path::new("/tmp/bleed-report.json")),
        worker: Some(1),
    })?;
    if !replay.has(Placeholder::TestsFile) {
        return Ok(command);
    }
    let lines: Vec<String> = order.iter().map(|test| quote(test)).collect();
    Ok(format!(
        "printf '%s\\n' {} > {} && {command}",
        lines.join(" "),
        scratch.display()
    ))
}

/// One line of `go test -json` (cmd/test2json's TestEvent).
#[derive(Deserialize)]
struct Event {
    #[serde(rename = "Action")]
    action: String,
    #[serde(rename = "Package", default)]
    package: String,
    #[serde(rename = "Test", default)]
    test: Option<String>,
    #[serde(rename = "Elapsed", default)]
    elapsed: Option<f64>,
    #[serde(rename = "Output", default)]
    output: Option<String>,
    /// go ≥ 1.24: set on a package's `fail` when it did not build.
    #[serde(rename = "FailedBuild", default)]
    failed_build: Option<String>,
}

/// A top-level test as the events tell it.
struct Running {
    package: String,
    name: String,
    outcome: Option<Outcome>,
    elapsed: Option<f64>,
    /// Failed subtests, innermost first, in the order they failed.
    failed_subtests: Vec<String>,
}

/// Reads a `go test -json` stream into one result per top-level test, in the order the tests
/// started.
fn parse_events(text: &str) -> RunResults {
    let mut tests: Vec<Running> = Vec::new();
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    // The first line of output of every test and subtest that printed something of its own.
    let mut first_lines: HashMap<(String, String), String> = HashMap::new();
    let mut packages_started: Vec<String> = Vec::new();
    let mut packages_ended: Vec<String> = Vec::new();
    let mut not_built: Vec<String> = Vec::new();
    let mut events = 0;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    for (number, line) in lines.iter().enumerate() {
        let Ok(event) = serde_json::from_str::<Event>(line) else {
            if !line.ends_with('\n') && number + 1 == lines.len() {
                return cut_short(
                    tests,
                    first_lines,
                    "the report ends in the middle of a line",
                );
            }
            // go < 1.24 prints a failed build as plain text among the events.
            if let Some(package) = build_failure(line) {
                not_built.push(package);
            }
            continue;
        };
        events += 1;
        let package = event.package.clone();
        if !package.is_empty() && !packages_started.contains(&package) {
            packages_started.push(package.clone());
        }
        let Some(name) = event.test.clone().filter(|name| !name.is_empty()) else {
            match event.action.as_str() {
                "pass" | "fail" | "skip" => packages_ended.push(package.clone()),
                "output" => not_built.extend(event.output.as_deref().and_then(build_failure)),
                _ => {}
            }
            not_built.extend(event.failed_build.filter(|path| !path.is_empty()));
            continue;
        };
        let top = name.split('/').next().unwrap_or(&name).to_string();
        let key = (package.clone(), top.clone());
        match event.action.as_str() {
            "run" if top == name => {
                index.entry(key).or_insert_with(|| {
                    tests.push(Running {
                        package: package.clone(),
                        name: top.clone(),
                        outcome: None,
                        elapsed: None,
                        failed_subtests: Vec::new(),
                    });
                    tests.len() - 1
                });
            }
            "output" => {
                if let Some(content) = event.output.as_deref().and_then(content_line) {
                    first_lines
                        .entry((package.clone(), name.clone()))
                        .or_insert_with(|| content.to_string());
                }
            }
            "pass" | "fail" | "skip" => {
                // Benchmarks end without a "run" event; they are not tests bleed can order.
                let Some(&at) = index.get(&key) else { continue };
                let test = &mut tests[at];
                if top != name {
                    if event.action == "fail" {
                        test.failed_subtests.push(name.clone());
                    }
                    continue;
                }
                // go1.19 can report a test's end twice when benchmarks print after it.
                if test.outcome.is_none() {
                    test.outcome = Some(match event.action.as_str() {
                        "pass" => Outcome::Passed,
                        "skip" => Outcome::Skipped,
                        _ => Outcome::Failed,
                    });
                    test.elapsed = event.elapsed;
                }
            }
            _ => {}
        }
    }
    if events == 0 {
        return RunResults {
            results: Vec::new(),
            problem: Some(if text.trim().is_empty() {
                "the report is empty: go test printed no -json events".to_string()
            } else {
                "the report holds no go test -json events: does the command pass -json and send \
                 stdout to <report>?"
                    .to_string()
            }),
        };
    }
    if let Some(package) = not_built.first() {
        let mut read = finish(tests, first_lines);
        read.problem = Some(format!(
            "{package} did not build, so its tests did not run: the compiler's (or vet's) \
             messages are in the log"
        ));
        return read;
    }
    if let Some(package) = packages_started
        .iter()
        .find(|p| !packages_ended.contains(p))
    {
        return cut_short(
            tests,
            first_lines,
            &format!("the report stops before {package} finished"),
        );
    }
    finish(tests, first_lines)
}

fn cut_short(
    tests: Vec<Running>,
    first_lines: HashMap<(String, String), String>,
    why: &str,
) -> RunResults {
    let mut read = finish(tests, first_lines);
    read.problem = Some(format!("{why}: the run was cut short"));
    read
}

fn finish(tests: Vec<Running>, first_lines: HashMap<(String, String), String>) -> RunResults {
    let results = tests
        .into_iter()
        .map(|test| {
            let line_of = |name: &str| first_lines.get(&(test.package.clone(), name.to_string()));
            let (outcome, message) = match test.outcome {
                Some(Outcome::Failed) => {
                    // The failing subtest names where it failed; its parent often printed nothing.
                    let message = test
                        .failed_subtests
                        .iter()
                        .find_map(|name| line_of(name).map(|line| format!("{name}: {line}")))
                        .or_else(|| line_of(&test.name).cloned());
                    (Outcome::Failed, message)
                }
                Some(outcome) => (outcome, None),
                // Started and never ended: the binary died under it (os.Exit, a crash, -timeout).
                None => (
                    Outcome::Errored,
                    Some(line_of(&test.name).cloned().unwrap_or_else(|| {
                        "the test binary exited while this test ran (os.Exit, a crash or a kill)"
                            .to_string()
                    })),
                ),
            };
            TestResult {
                id: format!("{}.{}", test.package, test.name),
                outcome,
                duration: test.elapsed,
                message,
                file: None,
                line: None,
            }
        })
        .collect();
    RunResults {
        results,
        problem: None,
    }
}

/// The package in go's `FAIL <package> [build failed]` (or `[setup failed]`) line.
fn build_failure(line: &str) -> Option<String> {
    let rest = line.trim_end().strip_prefix("FAIL")?.trim_start();
    let package = rest
        .strip_suffix("[build failed]")
        .or_else(|| rest.strip_suffix("[setup failed]"))?;
    Some(package.trim().to_string())
}

/// A line of a test's own output, not go's framing (`=== RUN`, `--- FAIL: …`).
fn content_line(output: &str) -> Option<&str> {
    let line = output.trim();
    let framing = [
        "=== RUN",
        "=== PAUSE",
        "=== CONT",
        "=== NAME",
        "--- PASS",
        "--- FAIL",
        "--- SKIP",
    ];
    (!line.is_empty() && !framing.iter().any(|prefix| line.starts_with(prefix))).then_some(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/reports/go")
            .join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }

    fn hunt(command: &str) -> Result<Template> {
        GoTest.hunt_command(&Template::parse(command).unwrap())
    }

    fn replay(command: &str) -> String {
        GoTest
            .replay_command(&hunt(command).unwrap())
            .unwrap()
            .as_str()
            .to_string()
    }

    fn outcomes(read: &RunResults) -> Vec<(&str, Outcome)> {
        read.results
            .iter()
            .map(|result| (result.id.as_str(), result.outcome))
            .collect()
    }

    #[test]
    fn go_test_is_recognised_behind_wrappers_and_nothing_else_is() {
        let recognised =
            |command: &str| Invocation::parse(command).is_some_and(|i| GoTest.recognises(&i));
        for yes in [
            "go test ./...",
            "/usr/lib/go-1.19/bin/go test -v .",
            "env GOFLAGS=-mod=mod go test ./...",
            "CGO_ENABLED=0 time go test ./cart",
        ] {
            assert!(recognised(yes), "{yes}");
        }
        for no in [
            "go vet ./...",
            "go build",
            "gotestsum -- ./...",
            "pytest go test",
            "go",
        ] {
            assert!(!recognised(no), "{no}");
        }
    }

    #[test]
    fn a_bare_command_gets_a_seed_a_single_count_and_a_json_report() {
        assert_eq!(
            hunt("go test ./...").unwrap().as_str(),
            "go test ./... -shuffle=<seed> -count=1 -json > <report>"
        );
        assert_eq!(
            hunt("go test -v -run 'Cart|Price' ./cart -args -update")
                .unwrap()
                .as_str(),
            "go test -v -run 'Cart|Price' ./cart -shuffle=<seed> -count=1 -json -args -update > <report>"
        );
        let complete = "go test -shuffle=<seed> -count=1 -json ./... > <report>";
        assert_eq!(hunt(complete).unwrap().as_str(), complete);
        assert_eq!(
            hunt("go test -shuffle <seed> ./...").unwrap().as_str(),
            "go test -shuffle <seed> ./... -count=1 -json > <report>"
        );
        let script = "cd svc && go test -shuffle=<seed> -json ./... > <report>";
        assert_eq!(hunt(script).unwrap().as_str(), script);
    }

    #[test]
    fn commands_that_cannot_vary_or_report_are_refused_with_an_example() {
        for (command, hint) in [
            ("go test -shuffle=on ./...", "-shuffle=<seed>"),
            ("go test -shuffle=42 ./...", "-shuffle=<seed>"),
            ("go test -shuffle off ./...", "-shuffle=<seed>"),
            ("go test -count=3 ./...", "-count=1"),
            ("go test -cpu 1,2 ./...", "-cpu"),
            ("go test -c ./cart", "only compiles"),
            ("go test -list . ./cart", "only lists"),
            ("go test -json ./... | tee out.json", "compound"),
            ("go test -coverprofile=<report> ./...", "> <report>"),
        ] {
            let error = hunt(command).unwrap_err();
            assert!(error.message.contains(hint), "{command}: {}", error.message);
        }
    }

    #[test]
    fn arguments_are_split_as_go_splits_them() {
        let words = |text: &str| -> Vec<String> { shell_words::split(text).unwrap() };
        let (arguments, binary) = split_arguments(&words("-v ./a ./b -run X -timeout 5s"));
        assert_eq!(
            arguments
                .iter()
                .filter(|a| matches!(a, Argument::Package(_)))
                .count(),
            2
        );
        assert!(binary.is_empty());
        // An unknown flag ends the package list; a bare word after it is its value, the next
        // bare word goes to the test binary.
        let (arguments, binary) = split_arguments(&words("./a -golden dir -v extra -run X"));
        assert_eq!(arguments.len(), 3, "{arguments:?}");
        assert_eq!(binary, words("extra -run X"));
        let (_, binary) = split_arguments(&words("./a -- -update"));
        assert_eq!(binary, words("-- -update"));
        let (arguments, _) = split_arguments(&words("-test.run=^TestA$ --count 1"));
        assert_eq!(
            arguments,
            vec![
                Argument::Flag {
                    name: "run".into(),
                    value: Some("^TestA$".into()),
                    words: words("-test.run=^TestA$"),
                },
                Argument::Flag {
                    name: "count".into(),
                    value: Some("1".into()),
                    words: words("--count 1"),
                },
            ]
        );
    }

    #[test]
    fn the_replay_filters_the_failing_seeds_order_by_name_and_package() {
        assert_eq!(
            replay(
                "go test -v -failfast -run 'Cart|Price' -timeout 5m ./... -bench . -args -update"
            ),
            "set -f; set -- <tests>; run=; packages=; for id do run=\"$run|${id##*.}\"; \
             packages=\"$packages ${id%.*}\"; done; go test -v -timeout 5m $packages \
             -shuffle=<seed> -count=1 -json -run \"^(${run#|})\\$\" -args -update > <report>"
        );
        assert_eq!(
            replay("env GOFLAGS=-mod=mod go test"),
            "set -f; set -- <tests>; run=; packages=; for id do run=\"$run|${id##*.}\"; \
             packages=\"$packages ${id%.*}\"; done; env GOFLAGS=-mod=mod go test $packages \
             -shuffle=<seed> -count=1 -json -run \"^(${run#|})\\$\" > <report>"
        );
    }

    #[test]
    fn replays_that_would_not_run_what_the_hunt_ran_are_refused() {
        let files = GoTest
            .replay_command(&hunt("go test cart/cart_test.go").unwrap())
            .unwrap_err();
        assert!(files.message.contains(".go files"), "{}", files.message);
        let compound = Template::parse("cd x && go test -shuffle=<seed> -json > <report>").unwrap();
        assert!(
            GoTest
                .replay_command(&compound)
                .unwrap_err()
                .message
                .contains("--replay-cmd")
        );
    }

    /// The rendered replay, run by a real `sh`, hands go exactly the filter and packages meant,
    /// with ids as data.
    #[test]
    fn the_replay_turns_ids_into_a_filter_and_packages_in_sh() {
        let replay = GoTest
            .replay_command(&hunt("go test ./...").unwrap())
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("report's.json");
        let tests = vec![
            "example.com/shop/labels.v2.TestBanner".to_string(),
            "example.com/shop/labels.v2.TestWelcome".to_string(),
            "$(touch pwned) *".to_string(),
        ];
        let command = replay
            .render(&Values {
                seed: Some(19497),
                tests: Some(&tests),
                report: Some(&report),
                ..Values::default()
            })
            .unwrap();
        // A stand-in for go that prints the arguments it was given.
        let command = command.replacen("go test", "printf '[%s]' go test", 1);
        let output = std::process::Command::new("sh")
            .arg("-c")
            .arg(&command)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(output.status.success(), "{command}");
        assert_eq!(
            std::fs::read_to_string(&report).unwrap(),
            "[go][test][example.com/shop/labels.v2][example.com/shop/labels.v2][$(touch][pwned)][*]\
             [-shuffle=19497][-count=1][-json][-run][^(TestBanner|TestWelcome|$(touch pwned) *)$]"
        );
        assert!(!dir.path().join("pwned").exists());
    }

    /// A hunt whose `-run` reaches into subtests is replayed with the same lower levels, so the
    /// probes run what the hunt ran, and its reproducer too; quotes and `$` in the pattern stay
    /// data all the way.
    #[test]
    fn a_hunt_run_that_selects_subtests_is_replayed_with_the_same_subtests() {
        assert_eq!(run_levels("TestA/fast/x"), RunLevels::Below("fast/x"));
        assert_eq!(run_levels("/(it|empty)"), RunLevels::Below("(it|empty)"));
        assert_eq!(run_levels("(A/b)|[/]|a\\/b"), RunLevels::TopOnly);
        assert_eq!(run_levels("TestA|TestB/x"), RunLevels::Alternatives);
        let alternatives = GoTest
            .replay_command(&hunt("go test -run 'TestA|TestB/x' ./...").unwrap())
            .unwrap_err();
        assert!(
            alternatives.message.contains("alternation of paths"),
            "{}",
            alternatives.message
        );
        let replay = GoTest
            .replay_command(
                &hunt("go test -run 'Cart/it'\\''s \"$(touch pwned)\"`x`' ./...").unwrap(),
            )
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("report.json");
        let tests = vec!["example.com/shop/cart.TestCart".to_string()];
        let command = replay
            .render(&Values {
                seed: Some(7),
                tests: Some(&tests),
                report: Some(&report),
                ..Values::default()
            })
            .unwrap()
            .replacen("go test", "printf '[%s]' go test", 1);
        let output = std::process::Command::new("sh")
            .arg("-c")
            .arg(&command)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(output.status.success(), "{command}");
        let filter = "^(TestCart)$/it's \"$(touch pwned)\"`x`";
        assert_eq!(
            std::fs::read_to_string(&report).unwrap(),
            format!(
                "[go][test][example.com/shop/cart][-shuffle=7][-count=1][-json][-run][{filter}]"
            )
        );
        assert_eq!(
            GoTest.reproducer(&replay, &tests, Some(7)).unwrap(),
            format!(
                "go test example.com/shop/cart -shuffle=7 -count=1 -run {}",
                quote(filter)
            )
        );
        assert!(!dir.path().join("pwned").exists());
    }

    #[test]
    fn a_subtest_is_refused_with_its_top_level_test_to_bisect_instead() {
        for (id, top_level) in [
            (
                "example.com/bleedsuite/cart.TestTable/same_name#01",
                "example.com/bleedsuite/cart.TestTable",
            ),
            (
                "example.com/x/labels.v2.TestBanner/it's_\"quoted\"_$(touch_bleed-pwned)",
                "example.com/x/labels.v2.TestBanner",
            ),
            (
                "gopkg.in/a.v1.ExampleHello/sub.v2",
                "gopkg.in/a.v1.ExampleHello",
            ),
        ] {
            let order = vec!["example.com/x/cart.TestA".to_string(), id.to_string()];
            let reason = GoTest.unrunnable_order(&order).expect("refused");
            assert!(
                reason.starts_with(&format!("{id} is a subtest"))
                    && reason.ends_with(&format!("--victim {}", quote(top_level))),
                "{reason}"
            );
        }
        let top_level = vec![
            "example.com/bleedsuite/labels.v2.TestBanner".to_string(),
            "example.com/Testing/cart.TestA".to_string(),
            "gopkg.in/yaml.v3.FuzzDecode".to_string(),
        ];
        assert_eq!(GoTest.unrunnable_order(&top_level), None);
    }

    #[test]
    fn go_from_1_17_on_is_accepted_and_older_is_refused_with_what_to_do() {
        for accepted in [
            "go version go1.19.8 linux/amd64",
            "go version go1.17 linux/amd64",
            "go version go1.22.0 darwin/arm64",
            "go version go1.21rc2 linux/amd64",
            "go version devel go1.23-5f5f3a8 Thu Feb 1 10:00:00 2024 +0000 linux/amd64",
        ] {
            assert_eq!(GoTest.check_version(accepted), Ok(()), "{accepted}");
        }
        for refused in [
            "go version go1.16.15 linux/amd64",
            "go version go1.11.6 linux/amd64",
        ] {
            let error = GoTest.check_version(refused).unwrap_err();
            assert!(
                error.contains(&format!("says {refused}")) && error.contains("upgrade go"),
                "{error}"
            );
            assert!(error.contains("--runner generic"), "{error}");
        }
    }

    #[test]
    fn the_reproducer_is_the_go_command_alone() {
        let replay = GoTest
            .replay_command(&hunt("go test -v ./...").unwrap())
            .unwrap();
        let order = vec![
            "example.com/bleedsuite/cart.TestSwitchCurrencyToEUR".to_string(),
            "example.com/bleedsuite/cart.TestTotalIsInDollars".to_string(),
        ];
        assert_eq!(
            GoTest.reproducer(&replay, &order, Some(19497)).unwrap(),
            "go test -v example.com/bleedsuite/cart -shuffle=19497 -count=1 \
             -run '^(TestSwitchCurrencyToEUR|TestTotalIsInDollars)$'"
        );
        let foreign = Template::parse("go test -run <tests> > <report>").unwrap();
        assert_eq!(
            GoTest.reproducer(&foreign, &order[1..], None).unwrap(),
            "go test -run example.com/bleedsuite/cart.TestTotalIsInDollars > /tmp/bleed-report.json"
        );
        assert_eq!(
            GoTest
                .version_command(&hunt("env GOFLAGS=-mod=mod go test ./...").unwrap())
                .unwrap(),
            "env GOFLAGS=-mod=mod go version"
        );
    }

    #[test]
    fn tests_of_different_packages_are_isolated() {
        let cart = "example.com/bleedsuite/cart.TestTotalIsInDollars";
        assert!(!GoTest.isolated("example.com/bleedsuite/cart.TestSwitchCurrencyToEUR", cart));
        assert!(GoTest.isolated(
            "example.com/bleedsuite/billing.TestSwitchCurrencyToEUR",
            cart
        ));
        assert!(GoTest.isolated(
            "example.com/bleedsuite/labels.v2.TestBanner",
            "example.com/bleedsuite/labels.TestBanner"
        ));
    }

    #[test]
    fn a_shuffled_run_gives_top_level_tests_in_start_order() {
        let read = parse_events(&sample("shuffled.json"));
        assert_eq!(read.problem, None);
        let shop = |name: &str| format!("example.com/samples/shop.{name}");
        let tags = |name: &str| format!("example.com/samples/tags.v1.{name}");
        let expected = [
            (tags("TestTrim"), Outcome::Passed),
            (tags("TestLower"), Outcome::Passed),
            (shop("TestApplyDiscount"), Outcome::Passed),
            (shop("TestParallelTwo"), Outcome::Passed),
            (shop("TestPriceWithoutDiscount"), Outcome::Failed),
            (shop("TestSleeps"), Outcome::Passed),
            (shop("TestSkipped"), Outcome::Skipped),
            (shop("TestTable"), Outcome::Failed),
            (shop("TestPanics"), Outcome::Passed),
            (shop("TestParallelOne"), Outcome::Passed),
            (shop("TestExits"), Outcome::Passed),
            (shop("FuzzParse"), Outcome::Passed),
            (shop("ExampleHello"), Outcome::Passed),
        ];
        let expected: Vec<(&str, Outcome)> = expected
            .iter()
            .map(|(id, outcome)| (id.as_str(), *outcome))
            .collect();
        assert_eq!(outcomes(&read), expected);
        let message = |id: &str| {
            read.results
                .iter()
                .find(|r| r.id == id)
                .and_then(|r| r.message.clone())
        };
        assert_eq!(
            message(&shop("TestPriceWithoutDiscount")).as_deref(),
            Some("shop_test.go:16: price has a 10% discount, want none")
        );
        assert_eq!(
            message(&shop("TestTable")).as_deref(),
            Some("TestTable/fails: shop_test.go:26: checking fails")
        );
        assert_eq!(message(&shop("TestSkipped")), None);
        let parallel = read
            .results
            .iter()
            .find(|r| r.id == shop("TestParallelOne"))
            .unwrap();
        assert_eq!(parallel.duration, Some(0.01));
    }

    #[test]
    fn a_test_the_binary_died_under_is_an_error_and_later_tests_are_absent() {
        let read = parse_events(&sample("exit.json"));
        assert_eq!(read.problem, None);
        let last = read.results.last().unwrap();
        assert_eq!(last.id, "example.com/samples/shop.TestExits");
        assert_eq!(last.outcome, Outcome::Errored);
        assert!(
            last.message.as_deref().unwrap().contains("exited"),
            "{last:?}"
        );
        assert_eq!(read.results.len(), 9);

        let read = parse_events(&sample("timeout.json"));
        let last = read.results.last().unwrap();
        assert_eq!(last.id, "example.com/samples/shop.TestSleeps");
        assert_eq!(last.outcome, Outcome::Errored);
        assert_eq!(
            last.message.as_deref(),
            Some("panic: test timed out after 2s")
        );

        let read = parse_events(&sample("panic.json"));
        let last = read.results.last().unwrap();
        assert_eq!(last.id, "example.com/samples/shop.TestPanics");
        assert_eq!(last.outcome, Outcome::Failed);
        assert_eq!(last.message.as_deref(), Some("panic: kaboom [recovered]"));
    }

    #[test]
    fn benchmarks_add_no_results() {
        let read = parse_events(&sample("bench.json"));
        assert_eq!(read.problem, None);
        assert_eq!(
            outcomes(&read),
            vec![(
                "example.com/samples/shop.TestApplyDiscount",
                Outcome::Passed
            )]
        );
        // go1.19 may end a test twice when a benchmark prints after it: the first end counts.
        let twice = "{\"Action\":\"run\",\"Package\":\"p\",\"Test\":\"TestA\"}\n\
                     {\"Action\":\"fail\",\"Package\":\"p\",\"Test\":\"TestA\",\"Elapsed\":1}\n\
                     {\"Action\":\"pass\",\"Package\":\"p\",\"Test\":\"TestA\",\"Elapsed\":2}\n\
                     {\"Action\":\"fail\",\"Package\":\"p\",\"Elapsed\":2}\n";
        let read = parse_events(twice);
        assert_eq!(outcomes(&read), vec![("p.TestA", Outcome::Failed)]);
        assert_eq!(read.results[0].duration, Some(1.0));
    }

    #[test]
    fn a_package_that_did_not_build_breaks_the_run() {
        let read = parse_events(&sample("build-failed.json"));
        let problem = read.problem.unwrap();
        assert!(
            problem.contains("example.com/samples/broken did not build"),
            "{problem}"
        );
        let newer = "{\"Action\":\"start\",\"Package\":\"p\"}\n\
                     {\"Action\":\"fail\",\"Package\":\"p\",\"FailedBuild\":\"p\"}\n";
        assert!(
            parse_events(newer)
                .problem
                .unwrap()
                .contains("p did not build")
        );
    }

    #[test]
    fn a_cut_or_foreign_report_is_a_problem() {
        let read = parse_events(&sample("truncated.json"));
        assert!(read.problem.unwrap().contains("cut short"));
        assert!(
            !read.results.is_empty(),
            "what was read is kept for the record"
        );
        let whole_lines: String = sample("truncated.json")
            .split_inclusive('\n')
            .filter(|line| line.ends_with('\n'))
            .collect();
        let problem = parse_events(&whole_lines).problem.unwrap();
        assert!(
            problem.contains("before example.com/samples/shop finished"),
            "{problem}"
        );
        assert!(parse_events("").problem.unwrap().contains("empty"));
        let text = "ok  \texample.com/x\t0.01s\n";
        assert!(parse_events(text).problem.unwrap().contains("-json"));
        let missing = GoTest.read_results(Path::new("/nonexistent/bleed/report.json"));
        assert!(missing.problem.unwrap().contains("no report"));
    }
}
