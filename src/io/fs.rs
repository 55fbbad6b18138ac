//! Writing files so that a reader, or a crash, never sees half of one.

use std::io::Write;
use std::path::Path;

use crate::base::error::{Error, Result};

/// Writes a file so that readers see the old bytes or the new, never a mix.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::write(path, e))?;
    tmp.write_all(bytes).map_err(|e| Error::write(path, e))?;
    set_mode_of(tmp.as_file(), path).map_err(|e| Error::write(path, e))?;
    tmp.persist(path).map_err(|e| Error::write(path, e.error))?;
    Ok(())
}

/// Gives `file`, written to replace `target`, the mode `target` has, or
/// 0644 for a new file. Temporary files are private (0600): without this,
/// web servers and GitHub Pages could not read what sheaf publishes, and a
/// curator's entry would lose its mode.
pub(crate) fn set_mode_of(file: &std::fs::File, target: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(target)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0o644);
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = (file, target);
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn new_files_are_readable_and_old_modes_kept() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("new.html");
        write_atomic(&new, b"x").unwrap();
        assert_eq!(
            std::fs::metadata(&new).unwrap().permissions().mode() & 0o777,
            0o644
        );
        let old = dir.path().join("old.md");
        std::fs::write(&old, "a").unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o600)).unwrap();
        write_atomic(&old, b"b").unwrap();
        assert_eq!(
            std::fs::metadata(&old).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}
