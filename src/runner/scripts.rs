//! The scripts bleed hands to a runner (rspec's ordering helper, the Node launchers): written
//! once under the system temp dir with a hash of their content in the name, so that every bleed
//! of one version shares them and an older or newer bleed has its own, and trusted only when
//! they are this user's and writable by no one else, since the runner loads them as code from a
//! shared directory.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The script `source` as `bleed-<name>-<hash>.<extension>` in the temp dir; `what` names it in
/// an error ("rspec ordering helper").
pub fn install(name: &str, extension: &str, source: &str, what: &str) -> Result<PathBuf> {
    let dir = std::env::temp_dir();
    let hash = crate::run::fnv1a(source.bytes());
    let path = dir.join(format!("bleed-{name}-{hash:016x}.{extension}"));
    if is_ours(&path, source) {
        return Ok(path);
    }
    let cannot = |e: std::io::Error| {
        Error::suite(format!(
            "cannot write bleed's {what} in {}: {e}",
            dir.display()
        ))
    };
    let mut file = tempfile::Builder::new()
        .prefix(&format!("bleed-{name}-"))
        .suffix(&format!(".{extension}"))
        .tempfile_in(&dir)
        .map_err(cannot)?;
    file.write_all(source.as_bytes()).map_err(cannot)?;
    // Readable by all, like any library file; writable by its owner only (checked by is_ours).
    file.as_file()
        .set_permissions(fs::Permissions::from_mode(0o644))
        .map_err(cannot)?;
    match file.persist_noclobber(&path) {
        Ok(_) => Ok(path),
        // Another bleed wrote it first.
        Err(_) if is_ours(&path, source) => Ok(path),
        // The name is taken by a file that is not ours (another user's, on a shared /tmp): the
        // runner must not load it, so this bleed keeps a script of its own.
        Err(error) => error
            .file
            .keep()
            .map(|(_, kept)| kept)
            .map_err(|e| cannot(e.error)),
    }
}

/// Whether `path` holds `source`, is a plain file (not a symlink that could be repointed),
/// written by this user and writable by no one else.
pub fn is_ours(path: &Path, source: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    const SCRIPT: &str = "puts 'bleed'\n";

    #[test]
    fn a_script_is_written_once_and_trusted_only_when_it_is_ours() {
        let first = install("test-script", "rb", SCRIPT, "test script").unwrap();
        assert_eq!(
            install("test-script", "rb", SCRIPT, "test script").unwrap(),
            first
        );
        assert_eq!(fs::read_to_string(&first).unwrap(), SCRIPT);
        assert!(is_ours(&first, SCRIPT));

        let dir = tempfile::tempdir().unwrap();
        let changed = dir.path().join("changed.rb");
        fs::write(&changed, format!("{SCRIPT}system('x')\n")).unwrap();
        assert!(!is_ours(&changed, SCRIPT), "content not bleed's");
        let writable = dir.path().join("writable.rb");
        fs::write(&writable, SCRIPT).unwrap();
        fs::set_permissions(&writable, fs::Permissions::from_mode(0o666)).unwrap();
        assert!(
            !is_ours(&writable, SCRIPT),
            "anyone could change it before the runner loads it"
        );
        let link = dir.path().join("link.rb");
        std::os::unix::fs::symlink(&first, &link).unwrap();
        assert!(!is_ours(&link, SCRIPT), "a symlink can be repointed");
    }
}
