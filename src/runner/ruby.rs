//! What the Ruby runners (cucumber, RSpec) share: their command lines, read the way Ruby's
//! OptionParser reads them, so that an option's value is never mistaken for a path.

use super::Invocation;
use crate::error::{Error, Result};
use crate::template::{Template, join_keeping_placeholders};

/// One argument of a command line: an option with its value, or a positional word.
#[derive(Debug, PartialEq)]
pub(super) struct Arg {
    /// The words as written: one, or an option and its value.
    pub words: Vec<String>,
    /// The option's long name (`-f` is `--format`); None for a positional word.
    pub option: Option<String>,
    pub value: Option<String>,
}

impl Arg {
    pub fn is(&self, long: &str) -> bool {
        self.option.as_deref() == Some(long)
    }
}

/// How one runner's options take their values.
pub(super) struct Grammar {
    /// Options that take the next word as their value.
    pub with_values: &'static [&'static str],
    /// Options whose value is optional, and whether a next word is that value.
    pub with_optional_values: &'static [&'static str],
    pub is_optional_value: fn(&str) -> bool,
    /// The long name of a short option (`-f` is `--format`).
    pub long_name: fn(&str) -> &str,
}

pub(super) fn split_args(words: &[String], grammar: &Grammar) -> Vec<Arg> {
    let mut args = Vec::new();
    let mut rest = words.iter().peekable();
    let mut options_ended = false;
    while let Some(word) = rest.next() {
        if options_ended || !word.starts_with('-') || word == "-" || word == "--" {
            options_ended |= word == "--";
            args.push(Arg {
                words: vec![word.clone()],
                option: None,
                value: None,
            });
            continue;
        }
        if word.starts_with("--")
            && let Some((name, value)) = word.split_once('=')
        {
            args.push(Arg {
                words: vec![word.clone()],
                option: Some(name.to_string()),
                value: Some(value.to_string()),
            });
            continue;
        }
        let optional = grammar.with_optional_values.contains(&word.as_str());
        let takes_value = |name: &str| {
            grammar.with_values.contains(&name) || grammar.with_optional_values.contains(&name)
        };
        // `-fjson`: a short option with its value attached.
        let attached = word
            .get(..2)
            .filter(|short| !word.starts_with("--") && word.len() > 2 && takes_value(short));
        if let Some(short) = attached {
            args.push(Arg {
                words: vec![word.clone()],
                option: Some((grammar.long_name)(short).to_string()),
                value: Some(word[2..].to_string()),
            });
            continue;
        }
        let next_is_value = rest.peek().is_some_and(|next| {
            if optional {
                (grammar.is_optional_value)(next)
            } else {
                grammar.with_values.contains(&word.as_str())
            }
        });
        let value = if next_is_value {
            rest.next().cloned()
        } else {
            None
        };
        let mut words = vec![word.clone()];
        words.extend(value.clone());
        args.push(Arg {
            words,
            option: Some((grammar.long_name)(word).to_string()),
            value,
        });
    }
    args
}

/// The hunt command of a Ruby runner with its shuffling off: `dropped` options (the seed and
/// the order) taken out and `--order defined` put in, so that one run lists the suite as it is
/// written. A compound command, whose options bleed cannot see, is refused.
pub(super) fn in_defined_order(
    runner: &str,
    hunt: &Template,
    grammar: &Grammar,
    dropped: &[&str],
) -> Result<Template> {
    let invocation = Invocation::parse(hunt.as_str()).ok_or_else(|| {
        Error::usage(format!(
            "bleed cannot list the tests of a compound {runner} command in their defined order \
             (pipe, &&, ;): hunt with --order runner, or with a plain {runner} command"
        ))
    })?;
    let mut words = invocation.words[..invocation.args].to_vec();
    for arg in split_args(invocation.arguments(), grammar) {
        if !dropped.iter().any(|option| arg.is(option)) {
            words.extend(arg.words);
        }
    }
    words.extend(["--order".to_string(), "defined".to_string()]);
    Template::parse(&join_keeping_placeholders(&words))
}

/// A Ruby runner's reproducer that also writes its JSON report where repro.sh reads it
/// (`$report`), keeping `shown` (the runner's default format) on the terminal unless the
/// command chooses a format of its own: any `--format` replaces the default.
pub fn with_json_report(command: &str, shown: &str) -> String {
    let words = shell_words::split(command).unwrap_or_default();
    let formats = words
        .iter()
        .any(|word| word == "-f" || word.starts_with("--format"));
    let shown = if formats {
        String::new()
    } else {
        format!(" --format {shown}")
    };
    format!("{command}{shown} --format json --out \"$report\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRAMMAR: Grammar = Grammar {
        with_values: &["-f", "--format", "--order"],
        with_optional_values: &["-o", "--out"],
        is_optional_value: |next| !next.starts_with('-'),
        long_name: |option| match option {
            "-f" => "--format",
            "-o" => "--out",
            other => other,
        },
    };

    fn split(command: &str) -> Vec<(Option<String>, Option<String>, Vec<String>)> {
        let words = shell_words::split(command).unwrap();
        split_args(&words, &GRAMMAR)
            .into_iter()
            .map(|a| (a.option, a.value, a.words))
            .collect()
    }

    fn owned(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn values_are_read_as_optionparser_reads_them() {
        assert_eq!(
            split("-fjson --order=random:3 -f pretty --out -o report.json a.feature -- -x"),
            vec![
                (
                    Some("--format".into()),
                    Some("json".into()),
                    owned(&["-fjson"])
                ),
                (
                    Some("--order".into()),
                    Some("random:3".into()),
                    owned(&["--order=random:3"])
                ),
                (
                    Some("--format".into()),
                    Some("pretty".into()),
                    owned(&["-f", "pretty"])
                ),
                (Some("--out".into()), None, owned(&["--out"])),
                (
                    Some("--out".into()),
                    Some("report.json".into()),
                    owned(&["-o", "report.json"])
                ),
                (None, None, owned(&["a.feature"])),
                (None, None, owned(&["--"])),
                (None, None, owned(&["-x"])),
            ]
        );
    }
}
