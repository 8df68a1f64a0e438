//! The cucumber command line, read as OptionParser reads it, and what a refusal suggests instead.

use super::super::ruby::{Arg, Grammar};
use super::Invocation;
use crate::template::{Placeholder, join_keeping_placeholders};

/// Options of cucumber-ruby (2.4 … 9) that take their value as the next word, so that the value
/// is not mistaken for a feature path.
const OPTIONS_WITH_VALUES: &[&str] = &[
    "-r",
    "--require",
    "-f",
    "--format",
    "--format-options",
    "-t",
    "--tags",
    "-n",
    "--name",
    "-e",
    "--exclude",
    "-p",
    "--profile",
    "-l",
    "--lines",
    "-I",
    "--snippet-type",
    "-j",
    "--jars",
    "--i18n",
    "--i18n-keywords",
    "--order",
    "--retry",
    "--retry-total",
    "--port",
];

/// `--out [FILE|DIR]` has an optional value: OptionParser takes the next word unless it is an
/// option.
const OPTIONS_WITH_OPTIONAL_VALUES: &[&str] = &["-o", "--out"];

pub(super) const GRAMMAR: Grammar = Grammar {
    with_values: OPTIONS_WITH_VALUES,
    with_optional_values: OPTIONS_WITH_OPTIONAL_VALUES,
    is_optional_value: |next| !next.starts_with('-'),
    long_name,
};

/// Options a replay must not carry: the hunt's shuffle, `--fail-fast` (a candidate that fails
/// would stop the probe before the victim), retries (a retried failure reads as a pass) and
/// `--lines` (a selector of its own).
pub(super) const NOT_REPLAYED: &[&str] = &[
    "--order",
    "--fail-fast",
    "--retry",
    "--retry-total",
    "--lines",
];

/// Formats whose output bleed reads.
pub(super) const READABLE_FORMATS: &[&str] = &["json", "message"];

fn long_name(option: &str) -> &str {
    match option {
        "-f" => "--format",
        "-o" => "--out",
        "-d" => "--dry-run",
        "-l" => "--lines",
        "-p" => "--profile",
        "-r" => "--require",
        "-t" => "--tags",
        "-n" => "--name",
        "-e" => "--exclude",
        other => other,
    }
}

/// The format whose `--out` is `<report>`: the last `--format` before it, or cucumber's default
/// `pretty`. None when `<report>` is used some other way.
pub(super) fn format_writing_report(args: &[Arg]) -> Option<String> {
    let mut format = None;
    for arg in args {
        if arg.is("--format") {
            format = arg.value.clone();
        }
        if writes_report(arg) {
            return Some(format.unwrap_or_else(|| "pretty".to_string()));
        }
    }
    None
}

fn writes_report(arg: &Arg) -> bool {
    arg.is("--out")
        && arg
            .value
            .as_deref()
            .is_some_and(|value| value.contains(Placeholder::Report.token()))
}

/// The arguments without `--out <report>` and the `--format` just before it.
pub(super) fn without_report(args: &[Arg]) -> Vec<&Arg> {
    let mut kept: Vec<&Arg> = Vec::new();
    for arg in args {
        if writes_report(arg) {
            if kept.last().is_some_and(|format| format.is("--format")) {
                kept.pop();
            }
        } else {
            kept.push(arg);
        }
    }
    kept
}

/// What a refusal suggests instead: the user's command without what bleed refuses (bleed adds
/// its own report), and with a seeded order.
pub(super) fn corrected(invocation: &Invocation, args: &[Arg]) -> String {
    let mut words: Vec<String> = invocation.words[..invocation.args].to_vec();
    for arg in without_report(args) {
        if !arg.is("--dry-run") && !arg.is("--order") {
            words.extend(arg.words.iter().cloned());
        }
    }
    words.extend(["--order".to_string(), "random:<seed>".to_string()]);
    format!("e.g. --cmd \"{}\"", join_keeping_placeholders(&words))
}
