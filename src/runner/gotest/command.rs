//! The `go test` command line: read as go reads it, and the pieces of the commands bleed builds.

use super::Invocation;

/// go test writes its events on stdout, and has no option to write them to a file.
pub(super) const REPORT_REDIRECT: &str = "> <report>";

/// Added to every run; `-count=1` keeps go from answering with cached results.
pub(super) const SHUFFLE: &str = "-shuffle=<seed>";
pub(super) const ONCE: &str = "-count=1";
pub(super) const JSON: &str = "-json";

/// Turns the ids in `<tests>` (`import/path.TestName`) into `$run`, the names joined with `|`,
/// and `$packages`. The ids arrive as positional parameters, so they stay data; globbing is off
/// because `$packages` is expanded unquoted to split it into words.
pub(super) const REPLAY_PRELUDE: &str = "set -f; set -- <tests>; run=; packages=; \
     for id do run=\"$run|${id##*.}\"; packages=\"$packages ${id%.*}\"; done; ";
/// The filter's top level: the ids' names. A hunt's `-run` that reaches into subtests adds its
/// lower levels (`/fast`) inside the double quotes, before the closing one.
pub(super) const RUN_FILTER_TOP: &str = "-run \"^(${run#|})\\$";
pub(super) const PACKAGES: &str = "$packages";

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

/// Whether go test knows the flag, as one of its own or one it rewrites for the test binary:
/// the flags it does not know go to the binary as written.
pub(super) fn is_known_flag(name: &str) -> bool {
    FLAGS_WITH_VALUES.contains(&name) || BOOLEAN_FLAGS.contains(&name)
}

/// Flags a hunt cannot use, and why.
pub(super) const REFUSED_FLAGS: &[(&str, &str)] = &[
    ("c", "-c only compiles the test binary"),
    ("list", "-list only lists the tests"),
    ("fuzz", "-fuzz runs the fuzzer instead of the suite"),
];

/// Flags a replay drops: it sets its own filter, seed and report, and a probe must run every
/// test it asks for (no -failfast) and nothing else (benchmarks run after all tests anyway).
pub(super) const DROPPED_FROM_REPLAY: &[&str] =
    &["run", "shuffle", "json", "count", "failfast", "bench"];

pub(super) fn correct_example() -> &'static str {
    "e.g. --cmd \"go test ./...\" (bleed adds -shuffle=<seed> -count=1 -json > <report>), \
     or in full --runner go --cmd \"go test -shuffle=<seed> -count=1 -json ./... > <report>\""
}

pub(super) fn replay_example() -> &'static str {
    "e.g. --replay-cmd \"go test -shuffle=<seed> -count=1 -json -run '^(TestA|TestB)$' ./pkg > <report>\""
}

/// One argument of `go test` before the arguments meant for the test binary.
#[derive(Debug, PartialEq)]
pub(super) enum Argument {
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
pub(super) struct GoTestCommand {
    /// The wrappers, `go` and `test`.
    pub(super) program: Vec<String>,
    pub(super) arguments: Vec<Argument>,
    /// From `-args`, `--` or the first positional argument after the packages: what go passes to
    /// the test binary untouched.
    pub(super) binary_arguments: Vec<String>,
    /// Whether the command already ends with `> <report>`.
    pub(super) redirects_to_report: bool,
}

impl GoTestCommand {
    /// None when the command is not one `go test` command (optionally behind wrappers and
    /// followed by `> <report>`).
    pub(super) fn parse(command: &str) -> Option<GoTestCommand> {
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

    pub(super) fn flag(&self, wanted: &str) -> Option<Option<&str>> {
        self.arguments
            .iter()
            .rev()
            .find_map(|argument| match argument {
                Argument::Flag { name, value, .. } if name == wanted => Some(value.as_deref()),
                _ => None,
            })
    }

    pub(super) fn packages(&self) -> impl Iterator<Item = &str> {
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
pub(super) fn split_arguments(words: &[String]) -> (Vec<Argument>, Vec<String>) {
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
            let known = is_known_flag(name);
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

pub(super) fn words_of(argument: &Argument) -> Vec<String> {
    match argument {
        Argument::Flag { words, .. } => words.clone(),
        Argument::Package(package) => vec![package.clone()],
    }
}

/// What a `-run` pattern selects below the top-level tests. go splits a pattern into
/// alternatives at each `|`, and each alternative into per-level patterns at each `/`, outside
/// brackets and parentheses (testing/match.go, splitRegexp).
#[derive(Debug, PartialEq)]
pub(super) enum RunLevels<'a> {
    /// Top-level tests only (`TestA|TestB`).
    TopOnly,
    /// One path: `fast/x` below whatever the top level matches, for `TestCart/fast/x`.
    Below(&'a str),
    /// Several paths with subtests (`TestA/x|TestB`), which no one filter of ids can narrow.
    Alternatives,
}

pub(super) fn run_levels(pattern: &str) -> RunLevels<'_> {
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
pub(super) fn double_quoted(text: &str) -> String {
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
pub(super) fn read_double_quoted(text: &str) -> Option<(String, &str)> {
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
pub(super) fn top_level_of_subtest(id: &str) -> Option<&str> {
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
pub(super) fn package_of(id: &str) -> Option<&str> {
    id.rsplit_once('.').map(|(package, _)| package)
}
