//! Stage four: writing rendered files to the output folder.
//!
//! Writing starts only after every page rendered, so a build with an error
//! writes nothing. A file is written only when its bytes changed (a no-op
//! build touches nothing, so deploys and rsync stay small), each through a
//! temporary file and a rename. Files that no output claims any more are
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
pub fn write(dir: &Path, outputs: &[Output]) -> Result<WriteReport> {
    std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
    let results: Vec<Result<bool>> = outputs
        .par_iter()
        .map(|o| {
            let path = dir.join(&o.path);
            if std::fs::read(&path).is_ok_and(|old| old == o.bytes) {
                return Ok(false);
            }
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| Error::write(parent, e))?;
            }
            write_atomic(&path, &o.bytes)?;
            Ok(true)
        })
        .collect();
    let mut report = WriteReport::default();
    for r in results {
        if r? {
            report.written += 1;
        } else {
            report.unchanged += 1;
        }
    }
    report.removed = remove_stale(dir, outputs)?;
    Ok(report)
}

/// Removes files under `dir` that no output claims, then empty folders.
/// Dot-folders at the top (`.git` of a deploy checkout) are left alone.
fn remove_stale(dir: &Path, outputs: &[Output]) -> Result<usize> {
    let keep: HashSet<PathBuf> = outputs.iter().map(|o| dir.join(&o.path)).collect();
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
