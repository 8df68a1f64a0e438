//! What the Node runners (Jest, mocha) share: their replays start a small node script that
//! reads the order from `<tests-file>`, so test names never pass through a shell. The script is
//! a file bleed writes under the system temp dir, so that a command shown in a message or a log
//! is one line, not the script.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::Invocation;
use crate::error::{Error, Result};
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

/// The script `source`, written once under the system temp dir as `bleed-<name>-<hash>.cjs`,
/// so that every bleed of this version shares it and another version has its own.
pub(super) fn install_script(name: &str, source: &str) -> Result<PathBuf> {
    let dir = std::env::temp_dir();
    let hash = crate::run::fnv1a(source.bytes());
    let path = dir.join(format!("bleed-{name}-{hash:016x}.cjs"));
    if is_ours(&path, source) {
        return Ok(path);
    }
    let cannot = |e: std::io::Error| {
        Error::suite(format!(
            "cannot write bleed's {name} script in {}: {e}",
            dir.display()
        ))
    };
    let mut file = tempfile::Builder::new()
        .prefix(&format!("bleed-{name}-"))
        .suffix(".cjs")
        .tempfile_in(&dir)
        .map_err(cannot)?;
    file.write_all(source.as_bytes()).map_err(cannot)?;
    file.as_file()
        .set_permissions(fs::Permissions::from_mode(0o644))
        .map_err(cannot)?;
    match file.persist_noclobber(&path) {
        Ok(_) => Ok(path),
        // Another bleed wrote it first.
        Err(_) if is_ours(&path, source) => Ok(path),
        // The name is taken by a file that is not ours (another user's, on a shared /tmp):
        // node must not run it, so this bleed keeps a script of its own.
        Err(error) => error
            .file
            .keep()
            .map(|(_, kept)| kept)
            .map_err(|e| cannot(e.error)),
    }
}

/// Whether `path` holds `source`, written by this user and writable by no one else: node runs
/// it as code, and the temp dir is shared.
fn is_ours(path: &Path, source: &str) -> bool {
    let Ok(metadata) = fs::symlink_metadata(path) else {
        return false;
    };
    // SAFETY: geteuid has no preconditions and cannot fail.
    let user = unsafe { libc::geteuid() };
    metadata.file_type().is_file()
        && metadata.uid() == user
        && metadata.mode() & 0o022 == 0
        && fs::read(path).is_ok_and(|content| content == source.as_bytes())
}
