//! Command templates: the user's command string with placeholders that bleed fills in.
//!
//! Every substituted value is shell-quoted, because the command runs under `sh -c` and test
//! names are data: a test called `it's "quoted" $(touch /tmp/x)` must reach the runner as one
//! word and execute nothing.

use std::path::Path;

use crate::error::{Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placeholder {
    Seed,
    Tests,
    TestsFile,
    Report,
    Worker,
}

impl Placeholder {
    pub const ALL: [Placeholder; 5] = [
        Placeholder::Seed,
        Placeholder::Tests,
        Placeholder::TestsFile,
        Placeholder::Report,
        Placeholder::Worker,
    ];

    pub fn token(self) -> &'static str {
        match self {
            Placeholder::Seed => "<seed>",
            Placeholder::Tests => "<tests>",
            Placeholder::TestsFile => "<tests-file>",
            Placeholder::Report => "<report>",
            Placeholder::Worker => "<worker>",
        }
    }

    fn name(self) -> &'static str {
        let token = self.token();
        &token[1..token.len() - 1]
    }
}

/// The values one run gives the placeholders. A placeholder present in the template but
/// without a value here is an error, never an empty string.
#[derive(Clone, Copy, Debug, Default)]
pub struct Values<'a> {
    pub seed: Option<u64>,
    pub tests: Option<&'a [String]>,
    pub tests_file: Option<&'a Path>,
    pub report: Option<&'a Path>,
    pub worker: Option<usize>,
}

impl Values<'_> {
    /// The same values for the runner's environment, so wrapper scripts need no placeholders.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env = Vec::new();
        if let Some(seed) = self.seed {
            env.push(("BLEED_SEED".to_string(), seed.to_string()));
        }
        if let Some(worker) = self.worker {
            env.push(("BLEED_WORKER".to_string(), worker.to_string()));
        }
        if let Some(report) = self.report {
            env.push(("BLEED_REPORT".to_string(), report.display().to_string()));
        }
        if let Some(file) = self.tests_file {
            env.push(("BLEED_TESTS_FILE".to_string(), file.display().to_string()));
        }
        env
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    text: String,
}

impl Template {
    /// Accepts a command string, refusing placeholders that look like a typo of a known one
    /// (`<SEED>`, `<test>`), which would otherwise reach the shell as a redirection.
    pub fn parse(text: &str) -> Result<Template> {
        if text.trim().is_empty() {
            return Err(Error::usage(
                "the command is empty: give the suite command with --cmd",
            ));
        }
        for word in angle_words(text) {
            let known = Placeholder::ALL.iter().any(|p| p.name() == word);
            if !known && let Some(near) = near_placeholder(word) {
                return Err(Error::usage(format!(
                    "unknown placeholder <{word}> in the command: did you mean {}?",
                    near.token()
                )));
            }
        }
        Ok(Template {
            text: text.to_string(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn has(&self, placeholder: Placeholder) -> bool {
        self.text.contains(placeholder.token())
    }

    /// A new template with `extra` appended as further arguments.
    pub fn with_args(&self, extra: &str) -> Template {
        Template {
            text: format!("{} {}", self.text.trim_end(), extra),
        }
    }

    pub fn render(&self, values: &Values) -> Result<String> {
        let mut out = self.text.clone();
        for placeholder in Placeholder::ALL {
            if !out.contains(placeholder.token()) {
                continue;
            }
            let value = match placeholder {
                Placeholder::Seed => values.seed.map(|s| s.to_string()),
                Placeholder::Worker => values.worker.map(|w| w.to_string()),
                Placeholder::Report => values.report.map(quote_path),
                Placeholder::TestsFile => values.tests_file.map(quote_path),
                Placeholder::Tests => values
                    .tests
                    .map(|tests| tests.iter().map(|t| quote(t)).collect::<Vec<_>>().join(" ")),
            };
            let value = value.ok_or_else(|| {
                Error::usage(format!(
                    "the command uses {} but this job has no value for it",
                    placeholder.token()
                ))
            })?;
            out = out.replace(placeholder.token(), &value);
        }
        Ok(out)
    }
}

/// What the kernel lets a new program's command line be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The longest one argument may be, its terminating NUL included (Linux's MAX_ARG_STRLEN,
    /// 32 pages). `sh -c <command>` makes the whole command one argument.
    pub argument: Option<usize>,
    /// The most the arguments and the environment may take together, each string with its NUL
    /// and its pointer (ARG_MAX).
    pub total: usize,
}

/// Linux never lets the arguments and environment take more than 3/4 of its 8 MiB default
/// stack limit, whatever `ulimit -s` says.
const LINUX_TOTAL_CAP: usize = 6 << 20;

/// Room left for the program's path, which the kernel copies beside its arguments.
const PATH_ROOM: usize = 4096;

impl Limits {
    pub fn of_this_machine() -> Limits {
        // SAFETY: sysconf only reads system parameters.
        let (page, arg_max) = unsafe {
            (
                libc::sysconf(libc::_SC_PAGESIZE),
                libc::sysconf(libc::_SC_ARG_MAX),
            )
        };
        let page = usize::try_from(page).unwrap_or(4096);
        let total = usize::try_from(arg_max).unwrap_or(128 << 10);
        Limits {
            argument: cfg!(target_os = "linux").then_some(32 * page),
            total: if cfg!(target_os = "linux") {
                total.min(LINUX_TOTAL_CAP)
            } else {
                total
            },
        }
    }
}

/// The bytes the environment a run inherits takes in its command line: each `NAME=value`
/// with its NUL and its pointer, `extra` (bleed's own variables) included.
pub fn environment_bytes(extra: &[(String, String)]) -> usize {
    let inherited = std::env::vars_os()
        .filter(|(name, _)| !extra.iter().any(|(ours, _)| name == ours.as_str()))
        .map(|(name, value)| name.len() + value.len());
    let ours = extra.iter().map(|(name, value)| name.len() + value.len());
    inherited.chain(ours).map(|bytes| bytes + 2 + POINTER).sum()
}

const POINTER: usize = std::mem::size_of::<usize>();

/// How a rendered command can reach the runner.
#[derive(Debug, PartialEq, Eq)]
pub enum Fit {
    /// As it is, the order inline: `sh -c <command>`.
    Inline,
    /// Too long for one argument, but not for the runner's command line: the shell reads the
    /// order from a file into its arguments (`"$@"` where `<tests>` was), and the runner gets
    /// each test as an argument of its own.
    TestsAsArguments,
    /// Too long whichever way: why, in a sentence.
    TooLong(String),
}

/// How `command`, rendered from `template` with `tests`, can be run under `limits` beside an
/// environment of `environment` bytes.
pub fn fit(
    command: &str,
    template: &Template,
    tests: Option<&[String]>,
    environment: usize,
    limits: &Limits,
) -> Fit {
    // `sh`, `-c` and the command, with their NULs and pointers, and the shell's path.
    let shell_line = |command: usize| command + 1 + "sh -c ".len() + 3 * POINTER + PATH_ROOM;
    let one_argument = limits.argument.is_none_or(|limit| command.len() < limit);
    if one_argument && environment + shell_line(command.len()) <= limits.total {
        return Fit::Inline;
    }
    let size = bytes(command.len());
    let Some(tests) = tests.filter(|_| template.has(Placeholder::Tests)) else {
        return Fit::TooLong(format!(
            "the command is {size}, more than the kernel lets {}",
            if one_argument {
                format!(
                    "a command line be with this environment ({})",
                    bytes(limits.total)
                )
            } else {
                format!("one argument be ({})", bytes(limits.argument.unwrap_or(0)))
            }
        ));
    };
    if let Some(limit) = limits.argument
        && let Some(long) = tests.iter().find(|test| test.len() >= limit)
    {
        return Fit::TooLong(format!(
            "one test id is {}, more than the kernel lets one argument be ({})",
            bytes(long.len()),
            bytes(limit)
        ));
    }
    // The runner's own line: its words (the inline command overcounts them, quoting and
    // all), and a pointer for each test.
    let runner_line = environment + shell_line(command.len()) + tests.len() * POINTER;
    if runner_line > limits.total {
        return Fit::TooLong(format!(
            "the order of {} makes a command line of about {}, more than the kernel lets one be \
             ({}, the environment included)",
            crate::human::count(tests.len(), "test"),
            bytes(runner_line),
            bytes(limits.total)
        ));
    }
    Fit::TestsAsArguments
}

/// `2.04 MiB`, `131072 bytes`: a size as a person reads it.
fn bytes(count: usize) -> String {
    if count < 1 << 20 {
        format!("{count} bytes")
    } else {
        format!("{:.2} MiB", count as f64 / f64::from(1 << 20))
    }
}

/// A script for `sh` to source that makes `tests` its positional parameters, quoted as
/// `<tests>` would have them inline: any id, line breaks and all, arrives as one word.
pub fn set_arguments(tests: &[String]) -> String {
    let mut script = String::from("set --");
    for test in tests {
        script.push(' ');
        script.push_str(&quote(test));
    }
    script.push('\n');
    script
}

impl Template {
    /// The command with `<tests>` as the shell's arguments, which it first reads by sourcing
    /// `arguments` (written by `set_arguments`): the one command line that holds the order is
    /// then the runner's, where each test is an argument of its own.
    pub fn render_tests_as_arguments(&self, values: &Values, arguments: &Path) -> Result<String> {
        let others = Template {
            text: self.text.replace(Placeholder::Tests.token(), "\"$@\""),
        };
        let command = others.render(&Values {
            tests: None,
            ..*values
        })?;
        Ok(format!(". {} && {command}", quote_path(arguments)))
    }
}

fn quote_path(path: &Path) -> String {
    quote(&path.display().to_string())
}

/// Quotes a word for `sh` only when it needs it, so commands shown to the user stay readable:
/// `--junitxml=/tmp/r.xml` is left alone, `it's` becomes `'it'\''s'`.
pub fn quote(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./:=@%+,".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// Joins words back into a command, quoting each but leaving placeholders as they are.
pub fn join_keeping_placeholders(words: &[String]) -> String {
    let quote_word = |word: &String| {
        let mut out = String::new();
        let mut rest = word.as_str();
        while let Some((start, placeholder)) = Placeholder::ALL
            .iter()
            .filter_map(|p| rest.find(p.token()).map(|at| (at, *p)))
            .min_by_key(|(at, _)| *at)
        {
            if start > 0 {
                out.push_str(&quote(&rest[..start]));
            }
            out.push_str(placeholder.token());
            rest = &rest[start + placeholder.token().len()..];
        }
        if !rest.is_empty() || out.is_empty() {
            out.push_str(&quote(rest));
        }
        out
    };
    words.iter().map(quote_word).collect::<Vec<_>>().join(" ")
}

/// The words written as `<word>` in a command: candidates for placeholders.
fn angle_words(text: &str) -> impl Iterator<Item = &str> {
    text.match_indices('<').filter_map(move |(start, _)| {
        let rest = &text[start + 1..];
        let end = rest.find('>')?;
        let word = &rest[..end];
        let plausible = !word.is_empty()
            && word.len() <= 16
            && word
                .chars()
                .all(|c| c.is_ascii_alphabetic() || c == '-' || c == '_');
        plausible.then_some(word)
    })
}

fn near_placeholder(word: &str) -> Option<Placeholder> {
    let lowered = word.to_ascii_lowercase().replace('_', "-");
    Placeholder::ALL.into_iter().find(|p| {
        let name = p.name();
        lowered == name || edit_distance(&lowered, name) <= 2
    })
}

/// Levenshtein distance, for "did you mean" suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    const HOSTILE: &str = "it's \"quoted\" $(touch /tmp/x) `id` ; rm -rf nothing \\ *";

    #[test]
    fn hostile_test_names_reach_the_shell_as_single_words() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("pwned");
        let evil = format!("$(touch {})", marker.display());
        let tests = vec![
            HOSTILE.to_string(),
            evil.clone(),
            "plain".to_string(),
            String::new(),
        ];
        let template = Template::parse("printf '%s\\n' <tests>").unwrap();
        let command = template
            .render(&Values {
                tests: Some(&tests),
                ..Values::default()
            })
            .unwrap();
        let output = Command::new("sh").arg("-c").arg(&command).output().unwrap();
        let printed = String::from_utf8(output.stdout).unwrap();
        let expected = format!("{HOSTILE}\n{evil}\nplain\n\n");
        assert_eq!(printed, expected);
        assert!(!marker.exists(), "a test name was executed by the shell");
    }

    #[test]
    fn paths_with_spaces_stay_one_argument() {
        let template = Template::parse("printf '[%s]' --junitxml=<report> <tests-file>").unwrap();
        let report = Path::new("/tmp/a dir/report's.xml");
        let list = Path::new("/tmp/list file");
        let values = Values {
            report: Some(report),
            tests_file: Some(list),
            ..Values::default()
        };
        let command = template.render(&values).unwrap();
        let output = Command::new("sh").arg("-c").arg(&command).output().unwrap();
        assert_eq!(
            String::from_utf8(output.stdout).unwrap(),
            "[--junitxml=/tmp/a dir/report's.xml][/tmp/list file]"
        );
    }

    #[test]
    fn seed_and_worker_are_substituted_everywhere() {
        let template =
            Template::parse("run --seed <seed> --db test_<worker> --again <seed>").unwrap();
        let values = Values {
            seed: Some(19497),
            worker: Some(2),
            ..Values::default()
        };
        assert_eq!(
            template.render(&values).unwrap(),
            "run --seed 19497 --db test_2 --again 19497"
        );
    }

    #[test]
    fn a_placeholder_without_a_value_is_an_error() {
        let template = Template::parse("pytest --randomly-seed=<seed>").unwrap();
        let error = template.render(&Values::default()).unwrap_err();
        assert!(error.message.contains("<seed>"), "{}", error.message);
    }

    #[test]
    fn near_miss_placeholders_are_refused_with_a_suggestion() {
        for (text, suggestion) in [
            ("x <SEED>", "<seed>"),
            ("x <test>", "<tests>"),
            ("x <tests_file>", "<tests-file>"),
            ("x <reprot>", "<report>"),
        ] {
            let error = Template::parse(text).unwrap_err();
            assert!(
                error.message.contains(suggestion),
                "{text}: {}",
                error.message
            );
        }
    }

    #[test]
    fn shell_redirections_are_not_placeholders() {
        for text in [
            "sort < input.txt > out.txt",
            "diff <(a) <(b)",
            "echo '<html>'",
        ] {
            assert!(Template::parse(text).is_ok(), "{text}");
        }
    }

    #[test]
    fn words_are_quoted_only_when_needed_and_placeholders_survive_joining() {
        assert_eq!(quote("--junitxml=/tmp/r.xml"), "--junitxml=/tmp/r.xml");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("~/x"), "'~/x'");
        assert_eq!(quote("it's"), "'it'\\''s'");
        let words: Vec<String> = [
            "pytest",
            "--junitxml=<report>",
            "-k",
            "not slow",
            "@<tests-file>",
            "a b<seed>c",
        ]
        .map(String::from)
        .into();
        assert_eq!(
            join_keeping_placeholders(&words),
            "pytest --junitxml=<report> -k 'not slow' @<tests-file> 'a b'<seed>c"
        );
        let output = Command::new("sh")
            .arg("-c")
            .arg(format!("printf '[%s]' {}", quote(HOSTILE)))
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8(output.stdout).unwrap(),
            format!("[{HOSTILE}]")
        );
    }

    const LINUX: Limits = Limits {
        argument: Some(131_072),
        total: 2_097_152,
    };

    fn ids(count: usize, length: usize) -> Vec<String> {
        (0..count)
            .map(|i| format!("{i:0length$}", length = length))
            .collect()
    }

    #[test]
    fn an_order_is_inline_until_the_command_outgrows_one_argument() {
        let template = Template::parse("run --junit <report> <tests>").unwrap();
        let fits = |tests: &[String], environment| {
            let command = template
                .render(&Values {
                    tests: Some(tests),
                    report: Some(Path::new("/r.xml")),
                    ..Values::default()
                })
                .unwrap();
            fit(&command, &template, Some(tests), environment, &LINUX)
        };
        assert_eq!(fits(&ids(1_000, 99), 4_000), Fit::Inline);
        // 12,000 ids of 100 bytes: 1.2 MB, past the 128 KiB of one argument but not ARG_MAX.
        assert_eq!(fits(&ids(12_000, 99), 4_000), Fit::TestsAsArguments);
        let Fit::TooLong(why) = fits(&ids(30_000, 99), 4_000) else {
            panic!("3 MB of ids fit no command line");
        };
        assert!(why.starts_with("the order of 30000 tests"), "{why}");
        // A huge environment leaves less room for the same order.
        assert!(matches!(fits(&ids(12_000, 99), 1_500_000), Fit::TooLong(_)));
    }

    #[test]
    fn a_command_without_tests_to_move_out_is_refused_when_too_long() {
        let template = Template::parse("run <seed> <report>").unwrap();
        let long = format!("run {} /r.xml", "x".repeat(200_000));
        let Fit::TooLong(why) = fit(&long, &template, None, 0, &LINUX) else {
            panic!("200 kB in one argument");
        };
        assert!(why.contains("one argument be (131072 bytes)"), "{why}");
        let unlimited = Limits {
            argument: None,
            ..LINUX
        };
        assert_eq!(fit(&long, &template, None, 0, &unlimited), Fit::Inline);
    }

    #[test]
    fn one_test_id_longer_than_an_argument_is_refused() {
        let template = Template::parse("run <tests>").unwrap();
        let tests = vec!["x".repeat(140_000)];
        let command = format!("run {}", tests[0]);
        let Fit::TooLong(why) = fit(&command, &template, Some(&tests), 0, &LINUX) else {
            panic!("an id past the argument limit");
        };
        assert!(why.starts_with("one test id is 140000 bytes"), "{why}");
    }

    #[test]
    fn tests_read_as_arguments_reach_the_runner_word_for_word() {
        let dir = tempfile::tempdir().unwrap();
        let tests: Vec<String> = [HOSTILE, "two\nlines", "", "plain"]
            .map(String::from)
            .into();
        let arguments = dir.path().join("order's args.sh");
        std::fs::write(&arguments, set_arguments(&tests)).unwrap();
        let template = Template::parse("printf '[%s]' <tests> --seed <seed>").unwrap();
        let values = Values {
            seed: Some(3),
            tests: Some(&tests),
            ..Values::default()
        };
        let command = template
            .render_tests_as_arguments(&values, &arguments)
            .unwrap();
        assert!(!command.contains("plain"), "{command}");
        let output = Command::new("sh").arg("-c").arg(&command).output().unwrap();
        let inline = template.render(&values).unwrap();
        let expected = Command::new("sh").arg("-c").arg(&inline).output().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&expected.stdout)
        );
        assert!(String::from_utf8_lossy(&output.stdout).ends_with("[plain][--seed][3]"));
    }

    #[test]
    fn environment_carries_the_same_values() {
        let values = Values {
            seed: Some(7),
            worker: Some(1),
            ..Values::default()
        };
        assert_eq!(
            values.env(),
            vec![
                ("BLEED_SEED".to_string(), "7".to_string()),
                ("BLEED_WORKER".to_string(), "1".to_string())
            ]
        );
    }
}
