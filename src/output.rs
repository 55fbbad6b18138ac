//! Stage four: writing rendered files to the output folder.
//!
//! Files are staged as they are rendered and moved into place only after
//! every page rendered ([`Staging`]), so a build with an error changes
//! nothing. A file is written only when its bytes changed (a no-op build
//! touches nothing, so deploys and rsync stay small), each through a
//! staged file and a rename. Files that no output claims any more are
//! removed, and only inside the output folder, which must not hold the
//! site's sources.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::error::{Error, Result};
use crate::fs::write_atomic;
use crate::render::Output;

/// What a write did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WriteReport {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// Refuses output folders that a clean-up could destroy sources in: the
/// site root, an ancestor of it, or a folder holding content or templates.
pub fn check_output_dir(root: &Path, output: &Path, protected: &[PathBuf]) -> Result<()> {
    let out = normalize(output);
    let root = normalize(root);
    let refuse = |reason: &str| {
        Err(Error::UnsafeOutput {
            path: output.to_path_buf(),
            reason: reason.to_string(),
        })
    };
    if out.parent().is_none() || out == Path::new("") {
        return refuse("it is the root of the file system");
    }
    if root.starts_with(&out) {
        return refuse("it is the site root or a folder that contains it");
    }
    for p in protected {
        let p = normalize(p);
        if p.starts_with(&out) || out.starts_with(&p) {
            return refuse(&format!(
                "it overlaps {}, which holds the site's sources",
                p.display()
            ));
        }
    }
    Ok(())
}

/// An absolute, `..`-free form of a path, without touching the disk beyond
/// the current directory (the output folder may not exist yet).
fn normalize(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    let abs = abs.canonicalize().unwrap_or(abs);
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Writes `outputs` into `dir`, skipping identical files and removing
/// stale ones.
pub fn write<'a>(dir: &Path, outputs: impl IntoIterator<Item = &'a Output>) -> Result<WriteReport> {
    let outputs: Vec<&Output> = outputs.into_iter().collect();
    let mut staging = Staging::new(dir)?;
    staging.stage(&outputs)?;
    staging.commit()
}

/// A write in two steps, so a build can hand over its files in batches
/// (and not hold them all in memory) and still change nothing unless it
/// succeeds: [`Staging::stage`] compares each file with the one on disk
/// and writes the changed ones into a staging folder, at the same paths;
/// [`Staging::commit`] moves them into place and removes stale files. A
/// folder that does not exist in the output yet moves whole, with one
/// rename, so a first build costs little more than writing the files. A
/// `Staging` dropped without a commit removes what it staged.
pub struct Staging {
    dir: PathBuf,
    /// `<dir>/.sheaf-staging`; a dot-folder, which clean-ups leave alone.
    tmp: PathBuf,
    /// Output paths seen, changed or not (the rest are stale).
    claimed: HashSet<String>,
    /// Files staged.
    staged: usize,
    unchanged: usize,
    committed: bool,
    /// The output folder did not exist before: a failed build removes it.
    created: bool,
    /// The process's umask would make new files unreadable to others (a
    /// web server): set 0644 on them.
    chmod_new: bool,
}

impl Staging {
    pub fn new(dir: &Path) -> Result<Staging> {
        let created = !dir.exists();
        std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
        let tmp = dir.join(".sheaf-staging");
        // Left over from a build that was killed.
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir(&tmp).map_err(|e| Error::write(&tmp, e))?;
        let chmod_new = !new_files_readable(&tmp);
        Ok(Staging {
            dir: dir.to_path_buf(),
            tmp,
            claimed: HashSet::new(),
            staged: 0,
            unchanged: 0,
            committed: false,
            created,
            chmod_new,
        })
    }

    /// Stages the files among `outputs` whose bytes differ from the disk's.
    pub fn stage(&mut self, outputs: &[&Output]) -> Result<()> {
        let results: Vec<Result<bool>> = outputs
            .par_iter()
            .map(|o| {
                if same_bytes(&self.dir.join(&o.path), &o.bytes) {
                    return Ok(false);
                }
                let staged = self.tmp.join(&o.path);
                if let Some(parent) = staged.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| Error::write(parent, e))?;
                }
                std::fs::write(&staged, &o.bytes).map_err(|e| Error::write(&staged, e))?;
                if self.chmod_new {
                    set_mode(&staged, 0o644);
                }
                Ok(true)
            })
            .collect();
        for (r, o) in results.into_iter().zip(outputs) {
            self.claimed.insert(o.path.clone());
            if r? {
                self.staged += 1;
            } else {
                self.unchanged += 1;
            }
        }
        Ok(())
    }

    /// Moves the staged files into place and removes the stale ones.
    pub fn commit(mut self) -> Result<WriteReport> {
        move_into(&self.tmp, &self.dir)?;
        self.committed = true;
        let _ = std::fs::remove_dir_all(&self.tmp);
        let removed = remove_stale(&self.dir, &self.claimed)?;
        Ok(WriteReport {
            written: self.staged,
            unchanged: self.unchanged,
            removed,
        })
    }
}

/// Moves everything in the staging folder `from` to the same place under
/// `to`: a folder `to` lacks moves whole, a file replaces the one there.
fn move_into(from: &Path, to: &Path) -> Result<()> {
    let entries = std::fs::read_dir(from).map_err(|e| Error::read(from, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::read(from, e))?;
        let source = entry.path();
        let target = to.join(entry.file_name());
        let is_dir = entry
            .file_type()
            .map_err(|e| Error::read(&source, e))?
            .is_dir();
        match std::fs::symlink_metadata(&target) {
            Ok(m) if is_dir && m.is_dir() => move_into(&source, &target)?,
            Ok(m) => {
                // A file where a folder goes, or the other way round.
                if m.is_dir() {
                    std::fs::remove_dir_all(&target).map_err(|e| Error::write(&target, e))?;
                } else if !is_dir {
                    keep_mode(&source, &m);
                }
                std::fs::rename(&source, &target).map_err(|e| Error::write(&target, e))?;
            }
            Err(_) => std::fs::rename(&source, &target).map_err(|e| Error::write(&target, e))?,
        }
    }
    Ok(())
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.tmp);
            if self.created {
                let _ = std::fs::remove_dir(&self.dir); // only if empty
            }
        }
    }
}

/// Whether the file at `path` holds exactly `bytes` (a size check first,
/// so most changed files are not read).
fn same_bytes(path: &Path, bytes: &[u8]) -> bool {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() && m.len() == bytes.len() as u64 => {
            std::fs::read(path).is_ok_and(|old| old == bytes)
        }
        _ => false,
    }
}

/// Whether a file created in `dir` can be read by everyone.
fn new_files_readable(dir: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let probe = dir.join("probe");
        let mode = std::fs::write(&probe, b"")
            .and_then(|()| std::fs::metadata(&probe))
            .map(|m| m.permissions().mode());
        let _ = std::fs::remove_file(&probe);
        mode.is_ok_and(|m| m & 0o044 == 0o044)
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        true
    }
}

fn set_mode(path: &Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
}

/// A replaced file keeps its mode (a new one gets the process's default,
/// normally 0644, which web servers can read).
fn keep_mode(staged: &Path, old: &std::fs::Metadata) {
    let _ = std::fs::set_permissions(staged, old.permissions());
}

/// Removes files under `dir` that no output claims, then empty folders.
/// Dot-folders at the top (`.git` of a deploy checkout) are left alone.
fn remove_stale(dir: &Path, claimed: &HashSet<String>) -> Result<usize> {
    let keep: HashSet<PathBuf> = claimed.iter().map(|p| dir.join(p)).collect();
    let mut removed = 0;
    let mut folders = Vec::new();
    let walker = WalkDir::new(dir)
        .min_depth(1)
        .into_iter()
        .filter_entry(|e| {
            !(e.depth() == 1
                && e.file_type().is_dir()
                && e.file_name().to_string_lossy().starts_with('.'))
        });
    for item in walker {
        let item = item.map_err(|e| Error::read(dir, e.into()))?;
        if item.file_type().is_dir() {
            folders.push(item.path().to_path_buf());
        } else if !keep.contains(item.path()) {
            std::fs::remove_file(item.path()).map_err(|e| Error::write(item.path(), e))?;
            removed += 1;
        }
    }
    // Deepest first, so parents empty out after their children.
    for folder in folders.iter().rev() {
        let _ = std::fs::remove_dir(folder); // fails, as intended, when not empty
    }
    Ok(removed)
}

/// Writes the outputs an incremental rebuild changed and removes the ones
/// it dropped. Unlike [`write`], it does not walk the whole folder.
pub fn write_changes(
    dir: &Path,
    outputs: &std::collections::BTreeMap<String, Output>,
    changed: &[String],
    removed: &[String],
) -> Result<()> {
    for path in changed {
        if let Some(o) = outputs.get(path) {
            let target = dir.join(&o.path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(|e| Error::write(parent, e))?;
            }
            write_atomic(&target, &o.bytes)?;
        }
    }
    for path in removed {
        let target = dir.join(path);
        match std::fs::remove_file(&target) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::write(&target, e)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Depends;

    fn out(path: &str, bytes: &str) -> Output {
        Output {
            path: path.into(),
            bytes: bytes.as_bytes().to_vec(),
            depends: Depends::Nothing,
        }
    }

    #[test]
    fn a_staging_dropped_without_commit_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("public");
        write(&site, &[out("index.html", "old"), out("a/b.html", "b")]).unwrap();
        let mut staging = Staging::new(&site).unwrap();
        staging
            .stage(&[&out("index.html", "new"), &out("c/d.html", "d")])
            .unwrap();
        drop(staging);
        assert_eq!(
            std::fs::read_to_string(site.join("index.html")).unwrap(),
            "old"
        );
        assert!(site.join("a/b.html").exists());
        assert!(!site.join("c").exists() && !site.join(".sheaf-staging").exists());

        // A first build that fails leaves no output folder behind.
        let fresh = dir.path().join("fresh");
        let mut staging = Staging::new(&fresh).unwrap();
        staging.stage(&[&out("x.html", "x")]).unwrap();
        drop(staging);
        assert!(!fresh.exists());
    }

    #[test]
    fn commit_moves_new_folders_whole_replaces_files_and_removes_stale_ones() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("public");
        write(
            &site,
            &[
                out("index.html", "old"),
                out("a/b.html", "b"),
                out("gone.html", "g"),
            ],
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let p = std::fs::Permissions::from_mode(0o640);
            std::fs::set_permissions(site.join("index.html"), p).unwrap();
        }
        let mut staging = Staging::new(&site).unwrap();
        staging
            .stage(&[&out("index.html", "new"), &out("a/b.html", "b")])
            .unwrap();
        staging.stage(&[&out("c/d/e.html", "e")]).unwrap();
        let report = staging.commit().unwrap();
        assert_eq!(
            report,
            WriteReport {
                written: 2,
                unchanged: 1,
                removed: 1
            }
        );
        assert_eq!(
            std::fs::read_to_string(site.join("index.html")).unwrap(),
            "new"
        );
        assert_eq!(
            std::fs::read_to_string(site.join("c/d/e.html")).unwrap(),
            "e"
        );
        assert!(!site.join("gone.html").exists() && !site.join(".sheaf-staging").exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &str| {
                std::fs::metadata(site.join(p))
                    .unwrap()
                    .permissions()
                    .mode()
            };
            assert_eq!(
                mode("index.html") & 0o777,
                0o640,
                "a replaced file keeps its mode"
            );
            assert_eq!(
                mode("c/d/e.html") & 0o044,
                0o044,
                "new files are world-readable"
            );
        }
    }
}
