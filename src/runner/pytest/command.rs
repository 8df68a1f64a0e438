//! bleed's pytest plugins on disk, and the part of a command that loads them: their directory on
//! `PYTHONPATH` (pytest imports `-p` plugins by module name), then `-p bleed_pytest`.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::template::quote;

/// The plugin, loaded by every run bleed starts: see the comment at its top.
const PLUGIN: &str = include_str!("bleed_pytest.py");

/// The plugin's module name, for `-p`.
pub(super) const MODULE: &str = "bleed_pytest";

/// The warm probes' server, loaded next to the plugin (which it imports) by the warm server only.
const WARM_PLUGIN: &str = include_str!("bleed_pytest_warm.py");

/// The warm plugin's module name, for `-p`.
pub(super) const WARM_MODULE: &str = "bleed_pytest_warm";

/// Every module of the directory, with its source.
const MODULES: [(&str, &str); 2] = [(MODULE, PLUGIN), (WARM_MODULE, WARM_PLUGIN)];

/// Keeps the user's own `PYTHONPATH` after the plugin's directory, and adds no empty entry
/// (which Python would read as the current directory) when there is none.
const INHERITED: &str = "\"${PYTHONPATH:+:$PYTHONPATH}\"";

/// The command with the plugin's directory first on `PYTHONPATH`. A command that sets
/// `PYTHONPATH` itself before the program (`PYTHONPATH=src pytest`, `env PYTHONPATH=src pytest`)
/// gets the directory put in front of its value, which would otherwise win over a prefix.
pub(super) fn with_plugin_path(command: &str, sets_pythonpath: bool, dir: &Path) -> String {
    let dir = quote(&dir.display().to_string());
    if sets_pythonpath {
        command.replacen("PYTHONPATH=", &format!("PYTHONPATH={dir}:"), 1)
    } else {
        format!("PYTHONPATH={dir}{INHERITED} {command}")
    }
}

/// The command as it was before `with_plugin_path`.
pub(super) fn without_plugin_path(command: &str, dir: &Path) -> String {
    let dir = quote(&dir.display().to_string());
    let prefix = format!("PYTHONPATH={dir}{INHERITED} ");
    match command.strip_prefix(&prefix) {
        Some(rest) => rest.to_string(),
        None => command.replacen(&format!("PYTHONPATH={dir}:"), "PYTHONPATH=", 1),
    }
}

/// The directory holding the plugins, written once under the system temp dir with a hash of
/// their content in its name, so that every bleed of this version shares it and another version
/// has its own.
pub(super) fn install_plugin() -> Result<PathBuf> {
    let temp = std::env::temp_dir();
    let dir = temp.join(format!(
        "bleed-pytest-{:016x}",
        crate::run::fnv1a(MODULES.iter().flat_map(|(_, source)| source.bytes()))
    ));
    if is_ours(&dir) {
        return Ok(dir);
    }
    let cannot = |e: std::io::Error| {
        Error::suite(format!(
            "cannot write bleed's pytest plugin in {}: {e}",
            temp.display()
        ))
    };
    // Written in a private directory first, then renamed into place whole, so that a pytest
    // started by a parallel bleed never imports a half-written file.
    let staging = tempfile::Builder::new()
        .prefix("bleed-pytest-")
        .tempdir_in(&temp)
        .map_err(cannot)?;
    for (module, source) in MODULES {
        let mut file =
            fs::File::create(staging.path().join(format!("{module}.py"))).map_err(cannot)?;
        file.write_all(source.as_bytes()).map_err(cannot)?;
    }
    // Readable by all, like any library directory; writable by its owner only (see is_ours).
    fs::set_permissions(staging.path(), fs::Permissions::from_mode(0o755)).map_err(cannot)?;
    let staged = staging.keep();
    match fs::rename(&staged, &dir) {
        Ok(()) => Ok(dir),
        Err(_) if is_ours(&dir) => {
            // Another bleed put its copy in place first.
            let _ = fs::remove_dir_all(&staged);
            Ok(dir)
        }
        // The name is taken by something that is not ours (another user's, on a shared /tmp):
        // pytest must not import it, so this bleed keeps its private copy.
        Err(_) => Ok(staged),
    }
}

/// Whether `dir` holds the plugins, written by this user and writable by no one else: pytest
/// imports them as code, and the temp dir is shared.
fn is_ours(dir: &Path) -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let user = unsafe { libc::geteuid() };
    let private = |path: &Path, is_kind: fn(&fs::Metadata) -> bool| {
        fs::symlink_metadata(path)
            .is_ok_and(|meta| is_kind(&meta) && meta.uid() == user && meta.mode() & 0o022 == 0)
    };
    private(dir, fs::Metadata::is_dir)
        && MODULES.iter().all(|(module, source)| {
            let file = dir.join(format!("{module}.py"));
            private(&file, fs::Metadata::is_file)
                && fs::read(&file).is_ok_and(|content| content == source.as_bytes())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plugin_path_comes_off_as_it_went_on() {
        let dir = Path::new("/tmp/bleed pytest");
        for (command, sets) in [
            ("python3 -m pytest -q tests", false),
            ("PYTHONPATH=src pytest", true),
            ("env A=1 PYTHONPATH='a b' pytest", true),
        ] {
            let with = with_plugin_path(command, sets, dir);
            assert_ne!(with, command);
            assert_eq!(without_plugin_path(&with, dir), command);
        }
        assert_eq!(
            with_plugin_path("pytest", false, dir),
            "PYTHONPATH='/tmp/bleed pytest'\"${PYTHONPATH:+:$PYTHONPATH}\" pytest"
        );
        assert_eq!(
            with_plugin_path("PYTHONPATH=src pytest", true, dir),
            "PYTHONPATH='/tmp/bleed pytest':src pytest"
        );
    }

    #[test]
    fn the_plugin_is_installed_once_and_kept_private() {
        let dir = install_plugin().unwrap();
        assert!(is_ours(&dir), "{}", dir.display());
        assert_eq!(install_plugin().unwrap(), dir);
        for (module, source) in MODULES {
            let content = fs::read_to_string(dir.join(format!("{module}.py"))).unwrap();
            assert_eq!(content, source);
        }
    }
}
