//! The file system, for every layer above: reading text files within a
//! size limit, and writing files so that a reader, or a crash, never sees
//! half of one.

use std::io::Write;
use std::path::Path;

use crate::base::error::{Diagnostic, Error, Result};
use crate::input::yaml::decode;

/// Larger inputs are refused rather than parsed: no real config or entry
/// comes near this, and it bounds the memory a hostile file can take.
pub(crate) const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Reads a text file: size-checked, UTF-8, BOM stripped, `\r\n` as `\n`.
pub fn read_text(path: &Path) -> Result<String> {
    read_text_seen(path, &mut |_| {})
}

/// [`read_text`], showing `seen` the bytes as read, before decoding (an
/// entry's content hash is of those).
pub(crate) fn read_text_seen(path: &Path, seen: &mut dyn FnMut(&[u8])) -> Result<String> {
    use std::io::Read;
    // One open for the size and the bytes (a build reads 100,000 entries),
    // and never more than the limit, even from a file that grows meanwhile.
    let file = std::fs::File::open(path).map_err(|e| Error::read(path, e))?;
    let len = file.metadata().map_err(|e| Error::read(path, e))?.len();
    let too_big = |size: u64| {
        Error::Invalid(vec![Diagnostic::error(
            path,
            None,
            format!("file is {size} bytes, more than the {MAX_FILE_BYTES} bytes sheaf accepts"),
        )])
    };
    if len > MAX_FILE_BYTES {
        return Err(too_big(len));
    }
    // One byte more than the file: the read that finds its end needs room.
    let mut bytes = Vec::with_capacity(len as usize + 1);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::read(path, e))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    seen(&bytes);
    decode(path, bytes).map_err(|d| Error::Invalid(vec![d]))
}

/// A file's text exactly as it is on disk (no BOM or line-end changes,
/// unlike [`read_text`]) when it exists, `None` when it does not: for the
/// files sheaf appends to or compares byte for byte (`.gitignore`, its
/// workflows), not for inputs it parses.
pub(crate) fn read_text_if_present(path: &Path) -> Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::read(path, e)),
    }
}

/// Creates a folder and the folders above it that are missing.
pub(crate) fn create_dir_all(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))
}

/// Does anything (a file, a folder, even a dangling link) have this name?
pub(crate) fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// Is there something here that can be opened or watched: a file or a
/// folder, or a link that leads to one? A dangling link is not.
pub(crate) fn leads_somewhere(path: &Path) -> bool {
    std::fs::metadata(path).is_ok()
}

/// Is `path` a file, or a link to one? (Finding the digest from a folder
/// inside it, as cargo finds `Cargo.toml`.)
pub fn is_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

/// The absolute path of `root` with links resolved; an error when it
/// cannot be (it does not exist). Watchers report absolute, resolved
/// paths, so a session's root must be one to match them.
pub(crate) fn resolved(root: &Path) -> Result<std::path::PathBuf> {
    std::fs::canonicalize(root).map_err(|e| Error::read(root, e))
}

/// Whether `path` is a folder: `None` when nothing is there.
pub(crate) fn is_folder(path: &Path) -> Result<Option<bool>> {
    match std::fs::metadata(path) {
        Ok(m) => Ok(Some(m.is_dir())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::read(path, e)),
    }
}

/// The absolute path of `path` with links resolved where it exists (the
/// real folder's name, for a placeholder URL); `build` compares watched
/// paths without resolving links, with its own `absolute`.
pub fn canonical(path: &Path) -> std::path::PathBuf {
    std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

/// Adds to the end of an existing file.
pub(crate) fn append(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::File::options()
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(bytes))
        .map_err(|e| Error::write(path, e))
}

/// New files written one by one, taken back together if a later one
/// fails (`sheaf init`: a scaffold is there whole or not at all).
#[derive(Default)]
pub(crate) struct NewFiles {
    files: Vec<std::path::PathBuf>,
    dirs: Vec<std::path::PathBuf>,
}

impl NewFiles {
    /// Creates a new file. Unlike [`write_atomic`] (a temporary file made
    /// private, then renamed), this gives the file the usual permissions,
    /// and it fails rather than replace a file that appeared meanwhile.
    pub(crate) fn create(&mut self, path: &Path, bytes: &[u8]) -> Result<()> {
        if let Some(parent) = path.parent() {
            // Create missing folders one by one, outermost first, so that
            // each can be removed again.
            let missing: Vec<&Path> = parent
                .ancestors()
                .take_while(|p| !p.as_os_str().is_empty() && !exists(p))
                .collect();
            for dir in missing.into_iter().rev() {
                std::fs::create_dir(dir).map_err(|e| Error::write(dir, e))?;
                self.dirs.push(dir.to_path_buf());
            }
        }
        let mut file = std::fs::File::options()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| Error::write(path, e))?;
        // Ours from here on, even if writing fails.
        self.files.push(path.to_path_buf());
        file.write_all(bytes).map_err(|e| Error::write(path, e))
    }

    /// The files created, in order.
    pub(crate) fn into_paths(self) -> Vec<std::path::PathBuf> {
        self.files
    }

    /// Best effort: the error that made us undo is the one worth reporting.
    pub(crate) fn undo(self) {
        for file in self.files.iter().rev() {
            let _ = std::fs::remove_file(file);
        }
        for dir in self.dirs.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// Writes a file so that readers see the old bytes or the new, never a mix.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_parts(path, &[bytes])
}

/// [`write_atomic`] of `parts` one after the other, without joining them
/// in memory first (a big cache file's header and payload).
pub(crate) fn write_atomic_parts(path: &Path, parts: &[&[u8]]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::write(path, e))?;
    for bytes in parts {
        tmp.write_all(bytes).map_err(|e| Error::write(path, e))?;
    }
    set_mode_of(tmp.as_file(), path).map_err(|e| Error::write(path, e))?;
    tmp.persist(path).map_err(|e| Error::write(path, e.error))?;
    Ok(())
}

/// Writes a new file as [`write_atomic`] does, unless something has that
/// name already (`false`, nothing written): checked by the rename itself,
/// so a file that appears meanwhile (an editor's) is never replaced.
/// Where the file system has no such rename (nor hard links: FAT, some
/// network mounts), the file is created exclusively and written in place.
pub(crate) fn write_new(path: &Path, bytes: &[u8]) -> Result<bool> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::write(path, e))?;
    tmp.write_all(bytes).map_err(|e| Error::write(path, e))?;
    set_mode_of(tmp.as_file(), path).map_err(|e| Error::write(path, e))?;
    match tmp.persist_noclobber(path) {
        Ok(_) => Ok(true),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) if exists(path) => Err(Error::write(path, e.error)),
        Err(_) => match std::fs::File::options()
            .write(true)
            .create_new(true)
            .open(path)
        {
            Ok(mut file) => {
                file.write_all(bytes).map_err(|e| Error::write(path, e))?;
                Ok(true)
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(Error::write(path, e)),
        },
    }
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

#[cfg(test)]
mod read_tests {
    use super::*;

    fn read(bytes: &[u8]) -> Result<String> {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("entry.md");
        std::fs::write(&path, bytes).expect("write");
        read_text(&path)
    }

    #[test]
    fn text_comes_back_without_bom_and_with_unix_line_ends() {
        assert_eq!(read(b"a\nb\n").ok().as_deref(), Some("a\nb\n"));
        assert_eq!(
            read(b"\xef\xbb\xbfa\r\nb\rc").ok().as_deref(),
            Some("a\nb\nc")
        );
    }

    #[test]
    fn a_file_over_the_limit_is_refused() {
        let at_limit = vec![b'a'; MAX_FILE_BYTES as usize];
        assert_eq!(read(&at_limit).map(|s| s.len()).ok(), Some(at_limit.len()));
        let over = vec![b'a'; MAX_FILE_BYTES as usize + 1];
        match read(&over) {
            Err(Error::Invalid(d)) => {
                assert!(d[0].message.contains("more than the"), "{}", d[0].message);
                assert!(d[0].file.ends_with("entry.md"), "{:?}", d[0].file);
            }
            other => panic!("expected the size error, got {:?}", other.map(|s| s.len())),
        }
    }

    #[test]
    fn bad_utf8_is_placed_on_its_line() {
        match read(b"ok\nok\n\xff\n") {
            Err(Error::Invalid(d)) => assert_eq!(d[0].line, Some(3)),
            other => panic!("expected a UTF-8 error, got {:?}", other.map(|s| s.len())),
        }
    }
}

#[cfg(test)]
mod write_new_tests {
    use super::*;

    #[test]
    fn a_new_file_is_written_whole_and_an_existing_one_is_never_replaced() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("a.md");
        assert!(write_new(&path, b"first").expect("written"));
        assert_eq!(std::fs::read(&path).expect("read"), b"first");
        // Something with the name, as if an editor saved it meanwhile.
        assert!(!write_new(&path, b"second").expect("refused, not an error"));
        assert_eq!(std::fs::read(&path).expect("read"), b"first");
        let folder = dir.path().join("b.md");
        std::fs::create_dir(&folder).expect("folder");
        assert!(!write_new(&folder, b"x").expect("refused"));
        assert!(folder.is_dir());
        // No temporary file is left behind either way.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }
}
