//! What the Node runners (Jest, mocha) share: their replays start a small node script that
//! reads the order from `<tests-file>`, so test names never pass through a shell. The script is
//! a file bleed writes under the system temp dir, so that a command shown in a message or a log
//! is one line, not the script.

use std::path::{Path, PathBuf};

use super::Invocation;
use crate::error::Result;
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

/// `[VAR=value …] node <script> <tests-file> [wrappers …] <runner>`: the start of a replay
/// command for the runner at `words[runner]`, to which its own arguments are added. Leading
/// assignments stay in front of `node`, which passes its environment on; `exec` and `time`
/// are shell words that mean nothing to the process the script starts.
pub(super) fn node_script_prefix(words: &[String], runner: usize, script: &Path) -> Vec<String> {
    let assignments = words[..runner]
        .iter()
        .take_while(|w| is_assignment(w))
        .count();
    let wrappers = words[assignments..runner]
        .iter()
        .skip_while(|w| matches!(w.as_str(), "exec" | "time"));
    let mut command = words[..assignments].to_vec();
    command.push("node".to_string());
    command.push(script.display().to_string());
    command.push("<tests-file>".to_string());
    command.extend(wrappers.cloned());
    command.push(words[runner].clone());
    command
}

/// `[VAR=value …] node [node's options] <script>` and the user's command from its wrappers on:
/// the two halves of a command that runs `script` in front of the runner at `words[runner]`,
/// in one node process. The user's own `node` options (`node --expose-gc …/jest`) are given to
/// the script's node too; `exec` and `time` mean nothing to it and are dropped.
pub(super) fn launch_halves(
    words: &[String],
    runner: usize,
    script: &Path,
) -> (Vec<String>, Vec<String>) {
    let assignments = words[..runner]
        .iter()
        .take_while(|w| is_assignment(w))
        .count();
    let command: Vec<String> = words[assignments..]
        .iter()
        .skip_while(|w| matches!(w.as_str(), "exec" | "time"))
        .cloned()
        .collect();
    let mut launcher = words[..assignments].to_vec();
    launcher.push("node".to_string());
    if command.first().is_some_and(|word| word == "node") {
        let options = command[1..].iter().take_while(|w| w.starts_with('-'));
        launcher.extend(options.cloned());
    }
    launcher.push(script.display().to_string());
    (launcher, command)
}

/// Splits a replay command made with [`node_script_prefix`] into the words before its
/// `node <script> <tests-file>` and the runner's command after it.
pub(super) fn split_node_script(
    replay: &Template,
    script: &Path,
) -> Option<(Vec<String>, Vec<String>)> {
    let words = shell_words::split(replay.as_str()).ok()?;
    let script = script.display().to_string();
    let at = words
        .windows(3)
        .position(|w| w[0] == "node" && w[1] == script && w[2] == "<tests-file>")?;
    Some((words[..at].to_vec(), words[at + 3..].to_vec()))
}

/// A Node script of bleed's, as `bleed-<name>-<hash>.cjs` in the temp dir.
pub(super) fn install_script(name: &str, source: &str) -> Result<PathBuf> {
    super::scripts::install(name, "cjs", source, &format!("{name} script"))
}
