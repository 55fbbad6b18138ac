//! Writing a set of entry files all or nothing, even if the process is
//! killed half way (an import that touches many entries).
//!
//! Every file is first written whole into a staging folder beside the
//! papers folder (never inside it, so no reader ever takes a temporary file
//! for an entry). Then a journal naming each staged file and its target is
//! written and renamed into place: that rename is the commit. Only then do
//! the staged files move to their targets, one rename each. A process
//! killed before the commit leaves the entries as they were (the next
//! import removes the staging folder); one killed after it leaves a
//! journal that the next reader of the entries ([`recover`], called by
//! `load`) finishes, so from then on every file is the new one. Recovery is
//! idempotent, so a reader that runs beside a live import does no harm.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The staging folder of the papers folder `papers`.
pub fn staging_dir(papers: &Path) -> PathBuf {
    papers
        .parent()
        .unwrap_or(Path::new("."))
        .join(".sheaf-import")
}

const JOURNAL: &str = "journal";

/// Writes every `(path, bytes)` so that, once [`recover`] has run after a
/// crash, either all of them are on disk or none. Discards a staging
/// folder that an import killed before its commit left.
pub fn write_all(papers: &Path, files: &[(PathBuf, Vec<u8>)]) -> Result<()> {
    let staging = staging_dir(papers);
    recover(papers)?;
    if staging.exists() {
        // Killed before its commit: nothing of it reached the entries.
        std::fs::remove_dir_all(&staging).map_err(|e| Error::write(&staging, e))?;
    }
    std::fs::create_dir_all(&staging).map_err(|e| Error::write(&staging, e))?;
    let mut journal = String::new();
    for (i, (target, bytes)) in files.iter().enumerate() {
        let staged = staging.join(i.to_string());
        write_with_mode(&staged, target, bytes)?;
        let Some(target_text) = target.to_str().filter(|t| !t.contains('\n')) else {
            return Err(Error::write(
                target,
                std::io::Error::other("the path is not UTF-8 text"),
            ));
        };
        journal += &format!("{i}\t{target_text}\n");
    }
    // The commit point: the journal appears whole, or not at all.
    crate::fs::write_atomic(&staging.join(JOURNAL), journal.as_bytes())?;
    finish(&staging, &journal)
}

/// Finishes an import that was killed after its commit. Does nothing when
/// there is nothing to finish (or only an uncommitted staging folder,
/// which may belong to an import under way).
pub fn recover(papers: &Path) -> Result<()> {
    let staging = staging_dir(papers);
    let journal = match std::fs::read_to_string(staging.join(JOURNAL)) {
        Ok(j) => j,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::read(&staging.join(JOURNAL), e)),
    };
    finish(&staging, &journal)
}

/// Moves every staged file of `journal` to its target, then removes the
/// staging folder. A staged file already moved (by another run of this)
/// is skipped.
fn finish(staging: &Path, journal: &str) -> Result<()> {
    for line in journal.lines() {
        let Some((name, target)) = line.split_once('\t') else {
            continue;
        };
        let staged = staging.join(name);
        let target = Path::new(target);
        match std::fs::rename(&staged, target) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !staged.exists() => {}
            Err(e) if e.kind() == std::io::ErrorKind::CrossesDevices => {
                // The target is on another file system (a linked folder):
                // each file stays atomic, if not the set.
                let bytes = std::fs::read(&staged).map_err(|e| Error::read(&staged, e))?;
                crate::fs::write_atomic(target, &bytes)?;
                let _ = std::fs::remove_file(&staged);
            }
            Err(e) => return Err(Error::write(target, e)),
        }
    }
    let _ = std::fs::remove_file(staging.join(JOURNAL));
    match std::fs::remove_dir_all(staging) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::write(staging, e)),
    }
}

/// Writes `bytes` to `staged` with the mode `target` has, or 0644 for a
/// new file (see [`crate::fs::write_atomic`]).
fn write_with_mode(staged: &Path, target: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = std::fs::File::create(staged).map_err(|e| Error::write(staged, e))?;
    file.write_all(bytes).map_err(|e| Error::write(staged, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(target)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0o644);
        file.set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(|e| Error::write(staged, e))?;
    }
    #[cfg(not(unix))]
    let _ = target;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_committed_journal_is_finished_by_the_next_reader() {
        let dir = tempfile::tempdir().unwrap();
        let papers = dir.path().join("content/papers");
        std::fs::create_dir_all(&papers).unwrap();
        std::fs::write(papers.join("a.md"), "old a").unwrap();
        // What a kill right after the commit leaves.
        let staging = staging_dir(&papers);
        std::fs::create_dir_all(&staging).unwrap();
        std::fs::write(staging.join("0"), "new a").unwrap();
        std::fs::write(staging.join("1"), "new b").unwrap();
        let journal = format!(
            "0\t{}\n1\t{}\n",
            papers.join("a.md").display(),
            papers.join("b.md").display()
        );
        std::fs::write(staging.join(JOURNAL), journal).unwrap();
        recover(&papers).unwrap();
        assert_eq!(
            std::fs::read_to_string(papers.join("a.md")).unwrap(),
            "new a"
        );
        assert_eq!(
            std::fs::read_to_string(papers.join("b.md")).unwrap(),
            "new b"
        );
        assert!(!staging.exists());
        // An uncommitted staging folder is left to the next import, which
        // discards it.
        std::fs::create_dir_all(&staging).unwrap();
        std::fs::write(staging.join("0"), "half").unwrap();
        recover(&papers).unwrap();
        assert!(staging.exists());
        write_all(&papers, &[(papers.join("c.md"), b"c".to_vec())]).unwrap();
        assert!(!staging.exists());
        assert_eq!(
            std::fs::read_to_string(papers.join("a.md")).unwrap(),
            "new a"
        );
        assert_eq!(std::fs::read_to_string(papers.join("c.md")).unwrap(), "c");
    }
}
