//! What the Node runners (Jest, mocha) share: their replays start a small `node -e` script that
//! reads the order from `<tests-file>`, so test names never pass through a shell.

use super::Invocation;
use crate::template::Template;

/// Whether the command runs the runner `is_runner` recognises, directly or as
/// `node path/to/runner …`.
pub(super) fn runs_under_node(invocation: &Invocation, is_runner: fn(&str) -> bool) -> bool {
    is_runner(&invocation.program)
        || invocation.program == "node"
            && invocation
                .arguments()
                .iter()
                .find(|word| !word.starts_with('-'))
                .is_some_and(|word| is_runner(word))
}

/// A `NAME=value` word, which the shell turns into an environment variable.
fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// The option name of a word: `--seed=3` is `--seed`.
pub(super) fn option_name(word: &str) -> &str {
    match word.split_once('=') {
        Some((name, _)) if name.starts_with('-') => name,
        _ => word,
    }
}

/// `[VAR=value …] node -e <script> <tests-file> [wrappers …] <runner>`: the start of a replay
/// command for the runner at `words[runner]`, to which its own arguments are added. Leading
/// assignments stay in front of `node`, which passes its environment on; `exec` and `time`
/// are shell words that mean nothing to the process the script starts.
pub(super) fn node_script_prefix(words: &[String], runner: usize, script: &str) -> Vec<String> {
    let assignments = words[..runner]
        .iter()
        .take_while(|w| is_assignment(w))
        .count();
    let wrappers = words[assignments..runner]
        .iter()
        .skip_while(|w| matches!(w.as_str(), "exec" | "time"));
    let mut command = words[..assignments].to_vec();
    command.extend(["node", "-e", script, "<tests-file>"].map(String::from));
    command.extend(wrappers.cloned());
    command.push(words[runner].clone());
    command
}

/// Splits a replay command made with [`node_script_prefix`] into the words before its
/// `node -e <script> <tests-file>` and the runner's command after it.
pub(super) fn split_node_script(
    replay: &Template,
    script: &str,
) -> Option<(Vec<String>, Vec<String>)> {
    let words = shell_words::split(replay.as_str()).ok()?;
    let at = words
        .windows(4)
        .position(|w| w[0] == "node" && w[1] == "-e" && w[2] == script && w[3] == "<tests-file>")?;
    Some((words[..at].to_vec(), words[at + 4..].to_vec()))
}
