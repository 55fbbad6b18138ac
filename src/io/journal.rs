//! Writing a set of entry files all or nothing, even if the process is
//! killed half way (an import that touches many entries).
//!
//! Every file is first written whole into a staging folder of its own
//! beside the papers folder (never inside it, so no reader ever takes a
//! temporary file for an entry). Then a journal naming each staged file
//! and its target is written and renamed into place: that rename is the
//! commit. Only then do the staged files move to their targets, one rename
//! each. A process killed before the commit leaves the entries as they
//! were; one killed after it leaves a journal. The next reader of the
//! entries ([`recover`], called by `load`) finishes a journal, so from then
//! on every file is the new one, and removes the staging folder of an
//! import whose process is gone. Finishing is idempotent, so a reader that
//! runs beside a live import does no harm.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::base::error::{Error, Result};

/// Staging folders are `<content>/.sheaf-import-<pid>-<n>`: one per
/// import, so two imports at once never touch each other's files.
const PREFIX: &str = ".sheaf-import-";
const JOURNAL: &str = "journal";

/// The folder that holds the staging folders of the papers folder `papers`.
pub(crate) fn staging_parent(papers: &Path) -> &Path {
    papers.parent().unwrap_or(Path::new("."))
}

/// The staging folders beside `papers`, whoever made them.
pub fn staging_dirs(papers: &Path) -> Vec<PathBuf> {
    let Ok(items) = std::fs::read_dir(staging_parent(papers)) else {
        return Vec::new();
    };
    items
        .filter_map(|i| i.ok())
        .filter(|i| i.file_name().to_string_lossy().starts_with(PREFIX))
        .map(|i| i.path())
        .collect()
}

/// Where a write to the entry at `path` goes: an entry that is a link
/// (into the site) is rewritten where it leads, and stays a link.
pub(crate) fn through_link(path: PathBuf) -> PathBuf {
    match std::fs::symlink_metadata(&path) {
        Ok(m) if m.file_type().is_symlink() => path.canonicalize().unwrap_or(path),
        _ => path,
    }
}

/// Writes every `(path, bytes)` so that, once [`recover`] has run after a
/// crash, either all of them are on disk or none.
pub(crate) fn write_all(papers: &Path, files: &[(PathBuf, Vec<u8>)]) -> Result<()> {
    recover(papers)?;
    let base = staging_parent(papers);
    let staging = fresh_dir(base)?;
    let result = stage_and_commit(papers, base, &staging, files);
    if result.is_err() && !staging.join(JOURNAL).exists() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
}

fn stage_and_commit(
    papers: &Path,
    base: &Path,
    staging: &Path,
    files: &[(PathBuf, Vec<u8>)],
) -> Result<()> {
    let mut journal = String::new();
    let canonical_base = base.canonicalize().ok();
    for (i, (target, bytes)) in files.iter().enumerate() {
        // Relative to the content folder, so a moved site still recovers;
        // a target outside it is refused before the commit, as `finish`
        // would refuse it.
        let shown = target
            .strip_prefix(base)
            .ok()
            .or_else(|| target.strip_prefix(canonical_base.as_ref()?).ok())
            .filter(|rel| plain_entry_path(rel));
        let Some(text) = shown
            .and_then(Path::to_str)
            .filter(|t| !t.contains('\n') && !t.contains('\t'))
        else {
            return Err(Error::write(
                target,
                std::io::Error::other(
                    "not an entry file of the content folder (an entry linked from outside it?)",
                ),
            ));
        };
        write_with_mode(&staging.join(i.to_string()), target, bytes)?;
        journal += &format!("{i}\t{text}\n");
    }
    // The commit point: the journal appears whole, or not at all.
    crate::io::fs::write_atomic(&staging.join(JOURNAL), journal.as_bytes())?;
    finish(papers, staging, &journal)
}

/// A new staging folder of this process.
fn fresh_dir(base: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(base).map_err(|e| Error::write(base, e))?;
    let pid = std::process::id();
    for n in 0u32.. {
        let dir = base.join(format!("{PREFIX}{pid}-{n}"));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::write(&dir, e)),
        }
    }
    unreachable!("u32 names run out only after 4 billion folders")
}

/// Finishes every import that was killed after its commit, and removes
/// the staging folders of imports killed before it. Leaves alone the
/// staging of an import still running (see [`abandoned`]).
pub(crate) fn recover(papers: &Path) -> Result<()> {
    for staging in staging_dirs(papers) {
        match std::fs::read_to_string(staging.join(JOURNAL)) {
            Ok(journal) => finish(papers, &staging, &journal)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if abandoned(&staging) {
                    match std::fs::remove_dir_all(&staging) {
                        Ok(()) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => return Err(Error::write(&staging, e)),
                    }
                }
            }
            Err(e) => return Err(Error::read(&staging.join(JOURNAL), e)),
        }
    }
    Ok(())
}

/// Whether the import that made `staging` (named after its process id)
/// is gone. Where processes cannot be looked up (no `/proc`), a folder
/// untouched for a day counts as abandoned.
fn abandoned(staging: &Path) -> bool {
    let name = staging.file_name().unwrap_or_default().to_string_lossy();
    let pid = name
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.split('-').next())
        .and_then(|p| p.parse::<u32>().ok());
    match pid {
        Some(pid) if pid == std::process::id() => false,
        Some(pid) if Path::new("/proc/self").exists() => {
            !Path::new("/proc").join(pid.to_string()).exists()
        }
        _ => std::fs::metadata(staging)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age.as_secs() > 24 * 3600),
    }
}

/// Moves every staged file of `journal` to its target (relative to the
/// papers folder's parent), then removes the staging folder. A staged file
/// already moved (by another run of this) is skipped. A journal is only
/// obeyed when every line of it is one an import writes (see
/// [`checked_moves`]): the staging folder may come from anywhere, a pull
/// request among them, and a reader such as `sheaf check` must not be
/// made to move files around the disk.
fn finish(papers: &Path, staging: &Path, journal: &str) -> Result<()> {
    for (staged, target) in checked_moves(papers, staging, journal)? {
        match std::fs::rename(&staged, &target) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !staged.exists() => {}
            Err(e) if e.kind() == std::io::ErrorKind::CrossesDevices => {
                // The target is on another file system (a linked folder):
                // each file stays atomic, if not the set.
                let bytes = std::fs::read(&staged).map_err(|e| Error::read(&staged, e))?;
                crate::io::fs::write_atomic(&target, &bytes)?;
                let _ = std::fs::remove_file(&staged);
            }
            Err(e) => return Err(Error::write(&target, e)),
        }
    }
    let _ = std::fs::remove_file(staging.join(JOURNAL));
    match std::fs::remove_dir_all(staging) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::write(staging, e)),
    }
}

/// The moves a journal asks for, each checked: a staged name is a number
/// (what [`stage_and_commit`] writes), a target a `.md` file named by
/// plain components (no `..`, not absolute, not hidden) from the content
/// folder, in a folder that really is inside it (no link out of it). An
/// entry that is a link into the site is written where it leads, so the
/// target may be beside the papers folder. One bad line refuses the whole
/// journal, which is left for the curator to look at; nothing moves.
fn checked_moves(papers: &Path, staging: &Path, journal: &str) -> Result<Vec<(PathBuf, PathBuf)>> {
    let base = staging_parent(papers);
    let inside = base.canonicalize().ok();
    let refuse = |why: String| {
        Err(Error::read(
            &staging.join(JOURNAL),
            std::io::Error::other(format!(
                "{why}; this is not a journal sheaf wrote, so it was not followed                  (look at the folder, then remove it)"
            )),
        ))
    };
    let mut moves = Vec::new();
    for line in journal.lines() {
        let Some((name, target)) = line.split_once('\t') else {
            return refuse(format!("a line without a tab: {line:?}"));
        };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_digit()) {
            return refuse(format!("{name:?} is not the name of a staged file"));
        }
        let rel = Path::new(target);
        if !plain_entry_path(rel) {
            return refuse(format!(
                "{target:?} is not an entry file of the content folder"
            ));
        }
        let target = base.join(rel);
        // Every folder on the way must be inside the content folder: a
        // linked folder would take the file elsewhere.
        let folder = target.parent().and_then(|f| f.canonicalize().ok());
        match (&inside, folder) {
            (Some(inside), Some(folder)) if folder.starts_with(inside) => {}
            _ => return refuse(format!("{target:?} is not inside the content folder")),
        }
        moves.push((staging.join(name), target));
    }
    Ok(moves)
}

/// A relative path of plain, visible components ending in `.md`.
fn plain_entry_path(rel: &Path) -> bool {
    use std::path::Component;
    rel.components().all(|c| match c {
        Component::Normal(part) => !part.as_encoded_bytes().starts_with(b"."),
        _ => false,
    }) && rel.extension().is_some_and(|x| x == "md")
}

/// Writes `bytes` to `staged` with the mode `target` has, or 0644 for a
/// new file (see [`crate::io::fs::write_atomic`]).
fn write_with_mode(staged: &Path, target: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = std::fs::File::create(staged).map_err(|e| Error::write(staged, e))?;
    file.write_all(bytes).map_err(|e| Error::write(staged, e))?;
    crate::io::fs::set_mode_of(&file, target).map_err(|e| Error::write(staged, e))
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
        let staging = dir.path().join("content/.sheaf-import-4000000000-0");
        std::fs::create_dir_all(&staging).unwrap();
        std::fs::write(staging.join("0"), "new a").unwrap();
        std::fs::write(staging.join("1"), "new b").unwrap();
        std::fs::write(staging.join(JOURNAL), "0\tpapers/a.md\n1\tpapers/b.md\n").unwrap();
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
        // An import killed before its commit: its folder goes, nothing
        // of it reaches the entries.
        std::fs::create_dir_all(&staging).unwrap();
        std::fs::write(staging.join("0"), "half").unwrap();
        recover(&papers).unwrap();
        assert!(!staging.exists() || !Path::new("/proc/self").exists());
        // One still running (this process) is left alone.
        let mine = fresh_dir(staging_parent(&papers)).unwrap();
        recover(&papers).unwrap();
        assert!(mine.exists());
        std::fs::remove_dir(&mine).unwrap();
        write_all(&papers, &[(papers.join("c.md"), b"c".to_vec())]).unwrap();
        assert!(staging_dirs(&papers).is_empty());
        assert_eq!(
            std::fs::read_to_string(papers.join("a.md")).unwrap(),
            "new a"
        );
        assert_eq!(std::fs::read_to_string(papers.join("c.md")).unwrap(), "c");
    }

    /// A journal is a file anyone can commit into a digest (a pull
    /// request): one that names a file outside the papers folder, or a
    /// staged file that is not one, is refused whole and moves nothing.
    #[test]
    fn a_journal_that_leads_out_of_the_papers_folder_moves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let papers = dir.path().join("content/papers");
        std::fs::create_dir_all(&papers).unwrap();
        std::fs::create_dir_all(dir.path().join(".git/hooks")).unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.txt"), "secret").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(outside.path(), papers.join("linked")).unwrap();
        let secret = outside.path().join("secret.txt");
        let hostile = [
            "0\t../.git/hooks/pre-commit\n".to_string(),
            "0\t/tmp/sheaf-journal-test.md\n".to_string(),
            "0\tpapers/../../x.md\n".to_string(),
            "0\tpapers/a.txt\n".to_string(),
            "0\tpapers/.hidden.md\n".to_string(),
            "0\tpapers/linked/x.md\n".to_string(),
            format!("{}\tpapers/leak.md\n", secret.display()),
            "../../../x\tpapers/leak.md\n".to_string(),
            // One good line does not carry a bad one.
            "0\tpapers/ok.md\n0\t../escaped.md\n".to_string(),
        ];
        for (n, journal) in hostile.iter().enumerate() {
            let staging = dir
                .path()
                .join(format!("content/.sheaf-import-4000000000-{n}"));
            std::fs::create_dir_all(&staging).unwrap();
            std::fs::write(staging.join("0"), "#!/bin/sh\necho pwned\n").unwrap();
            std::fs::write(staging.join(JOURNAL), journal).unwrap();
            let err = crate::base::error::chain(&recover(&papers).unwrap_err());
            assert!(
                err.contains("not a journal sheaf wrote"),
                "{journal:?}: {err}"
            );
            assert!(
                staging.join("0").exists(),
                "{journal:?}: the staged file moved"
            );
            std::fs::remove_dir_all(&staging).unwrap();
        }
        assert!(!dir.path().join(".git/hooks/pre-commit").exists());
        assert!(!Path::new("/tmp/sheaf-journal-test.md").exists());
        assert_eq!(std::fs::read_to_string(&secret).unwrap(), "secret");
        assert!(!outside.path().join("x.md").exists());
        let left: Vec<_> = std::fs::read_dir(&papers).unwrap().collect();
        assert_eq!(left.len(), 1, "only the link: nothing moved in");
    }
}
