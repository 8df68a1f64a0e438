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
