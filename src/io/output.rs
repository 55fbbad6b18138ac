//! Stage four: writing rendered files to the output folder.
//!
//! Files are staged beside the output as they are rendered and the output
//! switches to them only after every page rendered ([`Staging`]), so a
//! build with an error changes nothing and a reader never sees two builds
//! mixed (ARCHITECTURE.md, "The output switch"). A file is written only
//! when its bytes changed (a no-op build touches nothing, so deploys and
//! rsync stay small). Files that no output claims any more are removed if
//! sheaf wrote them ([`Owned`]), and only inside the output folder, which
//! must not hold the site's sources.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::{xxh3_128, xxh3_64};

use crate::base::error::{Error, Result};
use crate::produce::render::Output;

/// What a write did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WriteReport {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// Refuses output folders that a clean-up could destroy sources in: the
/// site root, an ancestor of it, or a folder holding content or templates.
pub(crate) fn check_output_dir(root: &Path, output: &Path, protected: &[PathBuf]) -> Result<()> {
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
    // Said plainly, rather than as the OS's "File exists" when the folder
    // is made: the first part of the path that exists must be a folder.
    if let Some(file) = output
        .ancestors()
        .find(|p| std::fs::metadata(p).is_ok())
        .filter(|p| !p.is_dir())
    {
        return refuse(&if file == output {
            "it is a file, not a folder".to_string()
        } else {
            format!("{} is a file, not a folder", file.display())
        });
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

/// Hashes of the output paths of the files sheaf wrote into an output
/// folder, from the record the last build left (`cache::load_owned`);
/// `None` when there is no record, and then nothing in a non-empty folder
/// is sheaf's unless this build writes it too.
pub(crate) type Owned = Option<HashSet<u64>>;

/// The key of an output path in an [`Owned`] record.
pub(crate) fn owned_key(path: &str) -> u64 {
    xxh3_64(path.as_bytes())
}

/// What a commit did and what the next build needs to know.
#[derive(Debug, Default)]
pub(crate) struct Committed {
    pub(crate) report: WriteReport,
    /// What the folder holds now, when the staging was made
    /// [`Staging::with_manifest`].
    pub(crate) manifest: Option<Manifest>,
    /// The new ownership record: the keys of every output path, sorted.
    pub(crate) owned: Vec<u64>,
    /// Files no output claims that sheaf did not write: left alone.
    pub(crate) foreign: Vec<String>,
}

/// Writes `outputs` into `dir`, skipping identical files and removing
/// stale ones that `owned` says sheaf wrote.
pub(crate) fn write<'a>(
    dir: &Path,
    outputs: impl IntoIterator<Item = &'a Output>,
    owned: Owned,
) -> Result<Committed> {
    let outputs: Vec<&Output> = outputs.into_iter().collect();
    let mut staging = Staging::new(dir)?.with_owned(owned);
    staging.stage(&outputs)?;
    staging.commit_tracked()
}

/// A write in two steps, so a build can hand over its files in batches
/// (and not hold them all in memory) and still change nothing unless it
/// succeeds: [`Staging::stage`] compares each file with the one on disk
/// and writes the changed ones into a staging folder beside the output
/// (`<parent>/.<name>.sheaf-staging/files`, never inside the published
/// tree), at the same paths; [`Staging::commit_tracked`] switches the output from
/// the old files to the new ones (see ARCHITECTURE.md, "The output
/// switch"). A `Staging` dropped without a commit removes what it staged.
pub(crate) struct Staging {
    /// The output folder as the user named it (for messages).
    dir: PathBuf,
    /// The folder the files live in: `dir` with symbolic links resolved.
    real: PathBuf,
    /// The staging folder: beside `real` (`beside`), else, when that is
    /// impossible (another file system, a parent sheaf cannot write),
    /// `<real>/.sheaf-staging`.
    tmp: PathBuf,
    /// `<tmp>/files`: the staged tree.
    files: PathBuf,
    beside: bool,
    /// Output paths seen, changed or not (the rest are stale).
    claimed: HashSet<String>,
    /// Files staged.
    staged: usize,
    unchanged: usize,
    committed: bool,
    /// The output folder is inside the staging folder (a commit under
    /// way): never removed with it.
    hidden: bool,
    /// The output folder held nothing (or did not exist) when staging
    /// began, so no file there is compared with (a first build skips
    /// 250,000 failing lookups at 100,000 papers).
    empty: bool,
    /// The process's umask would make new files unreadable to others (a
    /// web server): set 0644 on them.
    chmod_new: bool,
    /// What the last build wrote here, when tracked (see [`Manifest`]).
    known: Option<Manifest>,
    /// Which files here sheaf wrote (see [`Owned`]).
    owned: Owned,
    /// Each output's path and hash for the next manifest, with the file's
    /// metadata as it was found (unchanged) or staged (written).
    seen: Vec<(String, u128, Seen)>,
    /// Folders made in the staging folder so far.
    folders: std::sync::Mutex<HashSet<PathBuf>>,
}

/// What a build left in an output folder, file by file: the hash of each
/// file's bytes and metadata that changes whenever the file does. The next
/// build hashes each new file instead of reading the old one back, which
/// at 100,000 papers saves reading 3 GB. A file whose metadata differs
/// (edited, replaced, restored from a backup) is compared byte by byte as
/// usual.
///
/// Like git's index, it distrusts files changed too close to when it was
/// made: a change within the same tick of a coarse clock would leave the
/// change time as it was, so such files are compared by reading, once.
///
/// It also records folders (see [`verify`]) whose listing held only its
/// files and folders: adding, removing or renaming anything in a folder
/// changes the folder's change time, so a folder whose metadata is as
/// recorded need not be listed again to know it holds nothing else.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Manifest {
    files: HashMap<String, (u128, Stat)>,
    /// When it was made, as (seconds, nanoseconds) since 1970.
    made: (i64, i64),
    /// Folders, by output path ending in `/` (`""` for the output folder),
    /// found to hold only the files above and folders that hold some of
    /// them, with their metadata from before they were listed; only those
    /// whose last change was at least [`RACY_SECONDS`] older than that.
    dirs: HashMap<String, Stat>,
}

/// A [`Manifest`] as sheaf wrote it before it recorded folders: still
/// read, so a folder an older sheaf built and recorded only in its
/// manifest stays known as sheaf's (`cache::load_owned`).
#[derive(Deserialize)]
pub(crate) struct ManifestV1 {
    files: HashMap<String, (u128, Stat)>,
    made: (i64, i64),
}

impl From<ManifestV1> for Manifest {
    fn from(old: ManifestV1) -> Manifest {
        Manifest {
            files: old.files,
            made: old.made,
            dirs: HashMap::new(),
        }
    }
}

/// How far before a manifest was made a file must have last changed for
/// the manifest to vouch for it.
const RACY_SECONDS: i64 = 2;

/// What `stage` learnt about an output's file, to check at commit.
#[derive(Debug, Clone, Copy)]
enum Seen {
    /// Unchanged, with its metadata before it was compared (or vouched for).
    Found(Stat),
    /// Written, with the staged file's metadata (the inode survives the
    /// rename into place).
    Written(Stat),
    /// Nothing to vouch with.
    Unknown,
}

impl Manifest {
    /// The entry for `path` if the file is still as recorded and changed
    /// well before the manifest was made.
    fn vouches(&self, path: &str, hash: u128, now: &Stat) -> bool {
        self.files.get(path).is_some_and(|(h, stat)| {
            *h == hash
                && stat == now
                && (stat.ctime, stat.ctime_nsec) < (self.made.0 - RACY_SECONDS, self.made.1)
        })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// When it was made: what identifies it to the build record saved
    /// with it (`cache::Record`).
    pub(crate) fn made(&self) -> (i64, i64) {
        self.made
    }

    /// The output paths of the files it records.
    pub(crate) fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }
}

/// The metadata of a file that its content cannot change without changing:
/// the inode, its change time (which, unlike the modification time, no
/// tool can set back) and the length. Of a folder, what adding, removing
/// or renaming anything in it changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Stat {
    len: u64,
    ino: u64,
    ctime: i64,
    ctime_nsec: i64,
}

impl Stat {
    /// `None` where the platform does not have these (a manifest then
    /// vouches for nothing), or when `path` is not a file (links are not
    /// followed).
    pub(crate) fn of(path: &Path) -> Option<Stat> {
        Stat::of_kind(path, false)
    }

    /// [`Stat::of`] a folder.
    fn of_dir(path: &Path) -> Option<Stat> {
        Stat::of_kind(path, true)
    }

    fn of_kind(path: &Path, dir: bool) -> Option<Stat> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let m = std::fs::symlink_metadata(path).ok()?;
            let kind = if dir { m.is_dir() } else { m.is_file() };
            kind.then(|| Stat {
                len: m.len(),
                ino: m.ino(),
                ctime: m.ctime(),
                ctime_nsec: m.ctime_nsec(),
            })
        }
        #[cfg(not(unix))]
        {
            let _ = (path, dir);
            None
        }
    }

    /// Whether its last change was long enough before `now` that any
    /// later change gives another change time, whatever the clock's tick
    /// (see [`Manifest`]): only such metadata is recorded to vouch for
    /// what was read after it was taken.
    pub(crate) fn settled(&self, now: (i64, i64)) -> bool {
        (self.ctime, self.ctime_nsec) < (now.0 - RACY_SECONDS, now.1)
    }
}

/// The staging folder's parts: the staged tree, the list of stale files a
/// commit removes (written before the switch begins), and the output
/// folder itself while a commit is under way.
const STAGED: &str = "files";
const JOURNAL: &str = "stale";
const HIDDEN: &str = "site";

/// The folder `dir`'s files live in, its parent, and the staging folder
/// beside it.
fn places(dir: &Path) -> Result<(PathBuf, PathBuf, PathBuf)> {
    let real = resolve(dir);
    let (Some(parent), Some(name)) = (real.parent(), real.file_name()) else {
        return Err(Error::UnsafeOutput {
            path: dir.to_path_buf(),
            reason: "it is the root of the file system".into(),
        });
    };
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(".sheaf-staging");
    let beside = parent.join(tmp_name);
    let parent = parent.to_path_buf();
    Ok((real, parent, beside))
}

/// Whether a staging folder is beside `dir` (a build running, or one
/// killed whose leftovers the next [`Staging::new`] removes).
pub(crate) fn staging_left(dir: &Path) -> bool {
    places(dir).is_ok_and(|(real, _, beside)| {
        beside.symlink_metadata().is_ok() || real.join(".sheaf-staging").symlink_metadata().is_ok()
    })
}

/// Finishes a commit into `dir` that a killed sheaf left half done (see
/// [`Staging::new`]), so that what is on disk can be read first.
pub(crate) fn recover_output(dir: &Path) -> Result<()> {
    let (real, _, beside) = places(dir)?;
    if beside.join(HIDDEN).symlink_metadata().is_ok() {
        recover(&real, &beside)?;
    }
    Ok(())
}

impl Staging {
    pub(crate) fn new(dir: &Path) -> Result<Staging> {
        let (real, parent, beside_tmp) = places(dir)?;
        let parent = parent.as_path();
        let refuse = |reason: &str| Error::UnsafeOutput {
            path: dir.to_path_buf(),
            reason: reason.to_string(),
        };
        // What a killed build left: a commit to finish, or staged files.
        recover(&real, &beside_tmp)?;
        let exists = match std::fs::metadata(&real) {
            Ok(m) if m.is_dir() => true,
            Ok(_) => return Err(refuse("it is a file, not a folder")),
            Err(_) => false,
        };
        // Staged files reach the output by rename, so they must be on its
        // file system; a mount point's parent is not.
        let mut beside = !exists || same_device(&real, parent);
        if beside && exists {
            // An older sheaf staged inside the output; a killed build of
            // it left this behind, in the published tree.
            let old = real.join(".sheaf-staging");
            if old.symlink_metadata().is_ok() {
                std::fs::remove_dir_all(&old).map_err(|e| Error::write(&old, e))?;
            }
        }
        if beside && std::fs::create_dir_all(beside_tmp.join(STAGED)).is_err() && exists {
            beside = false; // a parent sheaf may not write in
        }
        let tmp = if beside {
            beside_tmp
        } else {
            let tmp = real.join(".sheaf-staging");
            let _ = std::fs::remove_dir_all(&tmp); // left by a killed build
            tmp
        };
        let files = tmp.join(STAGED);
        std::fs::create_dir_all(&files).map_err(|e| Error::write(&files, e))?;
        let empty = !exists || std::fs::read_dir(&real).is_ok_and(|mut i| i.next().is_none());
        let chmod_new = !new_files_readable(&tmp);
        Ok(Staging {
            dir: dir.to_path_buf(),
            real,
            tmp,
            files,
            beside,
            claimed: HashSet::new(),
            staged: 0,
            unchanged: 0,
            committed: false,
            hidden: false,
            empty,
            chmod_new,
            known: None,
            owned: None,
            seen: Vec::new(),
            folders: Default::default(),
        })
    }

    /// Trusts `manifest` (what the last build wrote here) for files whose
    /// metadata it matches, and makes a new one at commit.
    pub(crate) fn with_manifest(mut self, manifest: Manifest) -> Staging {
        self.known = Some(manifest);
        self
    }

    /// Which files in the folder sheaf wrote: only those are removed when
    /// no output claims them.
    pub(crate) fn with_owned(mut self, owned: Owned) -> Staging {
        self.owned = owned;
        self
    }

    /// Takes the intact files of `verified` at `paths` as outputs of this
    /// build, unchanged, without their bytes: an incremental build keeps
    /// the files of the pages it did not render.
    pub(crate) fn keep(&mut self, verified: &Verified, paths: &[String]) {
        for path in paths {
            if let Some(&(hash, stat)) = verified.intact.get(path) {
                self.claimed.insert(path.clone());
                self.unchanged += 1;
                if self.known.is_some() {
                    self.seen.push((path.clone(), hash, Seen::Found(stat)));
                }
            }
        }
    }

    /// Stages the files among `outputs` whose bytes differ from the disk's.
    pub(crate) fn stage(&mut self, outputs: &[&Output]) -> Result<()> {
        type Staged = (bool, Option<u128>, Seen);
        let results: Vec<Result<Staged>> = outputs
            .par_iter()
            .with_max_len(8) // Small pieces (see ARCHITECTURE.md, "Parallel loops").
            .map(|o| {
                let target = self.real.join(&o.path);
                let hash = self.known.as_ref().map(|_| xxh3_128(&o.bytes));
                // Taken before comparing: a change after it shows at commit.
                let before = hash.filter(|_| !self.empty).and_then(|_| Stat::of(&target));
                if let (Some(known), Some(h), Some(stat)) = (&self.known, hash, before) {
                    if known.vouches(&o.path, h, &stat) {
                        return Ok((false, hash, Seen::Found(stat)));
                    }
                }
                let same = match before {
                    // The length is known already: read only a file that
                    // could match.
                    Some(stat) => stat.len == o.bytes.len() as u64 && holds(&target, &o.bytes),
                    None => !self.empty && same_bytes(&target, &o.bytes),
                };
                if same {
                    return Ok((false, hash, before.map_or(Seen::Unknown, Seen::Found)));
                }
                self.write_staged(o)?;
                let staged = hash.and_then(|_| Stat::of(&self.files.join(&o.path)));
                Ok((true, hash, staged.map_or(Seen::Unknown, Seen::Written)))
            })
            .collect();
        for (r, o) in results.into_iter().zip(outputs) {
            self.claimed.insert(o.path.clone());
            let (staged, hash, seen) = r?;
            if staged {
                self.staged += 1;
            } else {
                self.unchanged += 1;
            }
            if let Some(hash) = hash {
                self.seen.push((o.path.clone(), hash, seen));
            }
        }
        Ok(())
    }

    /// Writes one output into the staging folder.
    fn write_staged(&self, o: &Output) -> Result<()> {
        let staged = self.files.join(&o.path);
        if let Some(parent) = staged.parent() {
            // Each folder once: asking again for every file costs
            // two system calls each, 48,000 at 10,000 papers.
            let known = self.folders.lock().is_ok_and(|f| f.contains(parent));
            if !known {
                std::fs::create_dir_all(parent).map_err(|e| Error::write(parent, e))?;
                if let Ok(mut f) = self.folders.lock() {
                    f.insert(parent.to_path_buf());
                }
            }
        }
        std::fs::write(&staged, &o.bytes).map_err(|e| Error::write(&staged, e))?;
        if self.chmod_new {
            set_mode(&staged, 0o644);
        }
        Ok(())
    }

    /// Moves the staged files into place and removes the stale ones.
    #[cfg(test)] // only the unit tests ask
    pub(crate) fn commit(self) -> Result<WriteReport> {
        self.commit_tracked().map(|c| c.report)
    }

    /// `Staging::commit`, with what the next build needs: the manifest,
    /// the ownership record, the files left alone.
    ///
    /// A file no output claims is stale, and removed, only when the
    /// ownership record says sheaf wrote it; without a record, a folder
    /// holding such a file is refused before anything changes (it could
    /// be a folder of the user's, named by mistake).
    pub(crate) fn commit_tracked(mut self) -> Result<Committed> {
        let mut stale = Vec::new();
        let mut foreign = Vec::new();
        if !self.empty {
            let found = match &self.known {
                Some(known) if !known.dirs.is_empty() => {
                    unclaimed_known(&self.real, &self.claimed, known)?
                }
                _ => unclaimed(&self.real, &self.claimed)?,
            };
            for (file, path) in found {
                match path {
                    Some(p)
                        if self
                            .owned
                            .as_ref()
                            .is_some_and(|o| o.contains(&owned_key(&p))) =>
                    {
                        stale.push(p)
                    }
                    Some(p) => foreign.push(p),
                    None => foreign.push(file.to_string_lossy().into_owned()),
                }
            }
        }
        foreign.sort();
        if self.owned.is_none() && !foreign.is_empty() {
            let mut shown: Vec<&str> = foreign.iter().take(3).map(String::as_str).collect();
            let more = foreign.len() - shown.len();
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            shown
                .iter_mut()
                .for_each(|s| *s = s.trim_start_matches('/'));
            return Err(Error::UnsafeOutput {
                path: self.dir.clone(),
                reason: format!(
                    "it holds files that sheaf did not write ({}{more}), which a build would \
                     remove. sheaf cleans only folders it created (it keeps a record of those \
                     in {}/); move those files away or empty the folder (or choose another \
                     output folder), then build again",
                    shown.join(", "),
                    crate::io::cache::DIR,
                ),
            });
        }
        let removed = stale.len();
        // Whichever moves fewer files: the staged ones into the old tree,
        // or, when most files changed, what the new site keeps of the old
        // tree (unchanged files, and others' files) into the staged one.
        let carry = self.staged + stale.len() > self.unchanged + foreign.len();
        self.switch(stale, carry)?;
        let manifest = self.known.is_some().then(|| self.manifest());
        let mut owned: Vec<u64> = self.claimed.iter().map(|p| owned_key(p)).collect();
        owned.sort_unstable();
        let report = WriteReport {
            written: self.staged,
            unchanged: self.unchanged,
            removed,
        };
        Ok(Committed {
            report,
            manifest,
            owned,
            foreign,
        })
    }

    /// Commits, removing `removed` (output paths this session wrote) as
    /// stale, without looking for others: an incremental rebuild's write.
    pub(crate) fn commit_listed(mut self, removed: &[String]) -> Result<()> {
        let present = removed
            .iter()
            .filter(|p| self.real.join(p).symlink_metadata().is_ok())
            .cloned()
            .collect();
        self.switch(present, false)
    }

    /// Switches the output folder from the old files to the new: the
    /// staged files and, gone, the `stale` ones (see ARCHITECTURE.md,
    /// "The output switch").
    fn switch(&mut self, stale: Vec<String>, carry: bool) -> Result<()> {
        let exists = self.real.symlink_metadata().is_ok();
        if self.staged == 0 && stale.is_empty() {
            // Nothing changes: nothing is written.
        } else if !exists {
            // A first build: the whole tree appears with one rename.
            rename(&self.files, &self.real)?;
        } else if self.beside {
            write_journal(&self.tmp.join(JOURNAL), carry, &stale)?;
            rename(&self.real, &self.tmp.join(HIDDEN))?;
            self.hidden = true;
            finish(&self.real, &self.tmp)?;
            self.hidden = false;
        } else {
            // Another file system: file by file in place (see
            // ARCHITECTURE.md for what a reader can see then).
            remove_listed(&self.real, &stale)?;
            move_into(&self.files, &self.real)?;
        }
        self.committed = true;
        let _ = std::fs::remove_dir_all(&self.tmp);
        Ok(())
    }

    /// The manifest of the files just committed.
    fn manifest(&mut self) -> Manifest {
        let seen = std::mem::take(&mut self.seen);
        let real = &self.real;
        let files = seen
            .into_par_iter()
            .filter_map(|(path, hash, seen)| {
                // Only files that are still what this build found or
                // wrote: anything that replaced or changed one since
                // has another inode or change time.
                let now = Stat::of(&real.join(&path))?;
                let ours = match seen {
                    Seen::Found(stat) => stat == now,
                    Seen::Written(staged) => staged.ino == now.ino && staged.len == now.len,
                    Seen::Unknown => false,
                };
                ours.then_some((path, (hash, now)))
            })
            .collect();
        Manifest {
            files,
            made: now(),
            dirs: HashMap::new(),
        }
    }
}

/// `dir` with its symbolic links resolved, so the output switch renames
/// the folder the files are in, not a link to it (a dangling link names
/// the folder it will be).
fn resolve(dir: &Path) -> PathBuf {
    if let Ok(real) = dir.canonicalize() {
        return real;
    }
    if let Ok(target) = std::fs::read_link(dir) {
        let parent = dir.parent().unwrap_or(Path::new(""));
        return normalize(&parent.join(target));
    }
    normalize(dir)
}

/// Whether `a` and `b` are on the same file system (where that cannot be
/// told, they are taken to be: a rename across would fail loudly).
fn same_device(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        true
    }
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to).map_err(|e| Error::write(to, e))
}

/// Finishes a commit whose output folder is hidden in the staging folder
/// `tmp`, in the direction the journal says: either the staged files move
/// into the hidden folder, the journal's stale files go and the folder is
/// put back, or (`carry`) what the new site keeps of the hidden folder
/// moves into the staged tree, which takes its place. Every step can be
/// run again after a kill.
fn finish(real: &Path, tmp: &Path) -> Result<()> {
    let hidden = tmp.join(HIDDEN);
    let files = tmp.join(STAGED);
    // Written before the folder was hidden; missing only if a person
    // removed it, and then stale files stay (nothing is mixed).
    let (carry, stale) = read_journal(&tmp.join(JOURNAL)).unwrap_or_default();
    if carry {
        // Gone once it took the output's place: only the old tree's
        // leftovers remain, to be removed with the staging folder.
        if files.exists() {
            let mut holding = HashSet::new();
            for path in &stale {
                let mut parent = Path::new(path).parent();
                while let Some(p) = parent.filter(|p| !p.as_os_str().is_empty()) {
                    holding.insert(format!("{}/", p.to_string_lossy()));
                    parent = p.parent();
                }
            }
            let stale: HashSet<String> = stale.into_iter().collect();
            carry_into(&hidden, &files, Some(""), &stale, &holding)?;
            rename(&files, real)?;
        }
        return Ok(());
    }
    // Removed first: a stale file can stand where a new folder goes.
    remove_listed(&hidden, &stale)?;
    if files.exists() {
        move_into(&files, &hidden)?;
    }
    rename(&hidden, real)?;
    Ok(())
}

/// Moves into the staged tree `to` everything of the old tree `from` that
/// the new site keeps: what `to` lacks and is not `stale` (folders whole,
/// unless they hold a stale file: `holding` lists those, as `a/b/`). What
/// `to` has replaces the old, keeping the old file's mode.
fn carry_into(
    from: &Path,
    to: &Path,
    prefix: Option<&str>,
    stale: &HashSet<String>,
    holding: &HashSet<String>,
) -> Result<()> {
    // In parallel, as `move_into`.
    listing(from)?
        .par_iter()
        .with_max_len(16)
        .try_for_each(|entry| {
            let source = entry.path();
            let target = to.join(entry.file_name());
            let path = match (prefix, entry.file_name().to_str()) {
                (Some(prefix), Some(name)) => Some(format!("{prefix}{name}")),
                _ => None,
            };
            let old = entry.file_type().map_err(|e| Error::read(&source, e))?;
            match std::fs::symlink_metadata(&target) {
                Ok(new) if old.is_dir() && new.is_dir() => {
                    let rel = path.map(|p| p + "/");
                    carry_into(&source, &target, rel.as_deref(), stale, holding)?;
                }
                Ok(new) => {
                    if old.is_file() && new.is_file() {
                        if let Ok(m) = entry.metadata() {
                            if m.permissions() != new.permissions() {
                                keep_mode(&target, &m);
                            }
                        }
                    }
                }
                Err(_) if old.is_dir() => {
                    let rel = path.map(|p| p + "/");
                    if rel.as_ref().is_some_and(|r| holding.contains(r)) {
                        std::fs::create_dir_all(&target).map_err(|e| Error::write(&target, e))?;
                        carry_into(&source, &target, rel.as_deref(), stale, holding)?;
                        let _ = std::fs::remove_dir(&target); // only if nothing was kept
                    } else {
                        rename(&source, &target)?;
                    }
                }
                Err(_) => {
                    if !path.as_ref().is_some_and(|p| stale.contains(p)) {
                        rename(&source, &target)?;
                    }
                }
            }
            Ok(())
        })
}

/// Puts right what a killed sheaf left in the staging folder `tmp` of the
/// output `real`: a commit that had begun is finished (the output holds
/// the killed build's files), anything else is dropped (it holds the old).
fn recover(real: &Path, tmp: &Path) -> Result<()> {
    // With the output in place, a commit that hid it has finished (both
    // directions end by putting a tree back at `real`); what is left is
    // the old tree's leftovers, being removed when the kill came, perhaps
    // with the journal already gone, which would read as the other
    // direction and move them over the output.
    if tmp.join(HIDDEN).symlink_metadata().is_ok() && real.symlink_metadata().is_err() {
        finish(real, tmp)?;
    }
    match std::fs::remove_dir_all(tmp) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::write(tmp, e)),
    }
}

fn write_journal(path: &Path, carry: bool, stale: &[String]) -> Result<()> {
    let bytes = postcard::to_allocvec(&(carry, stale))
        .map_err(|e| Error::write(path, std::io::Error::other(e)))?;
    let mut sealed = xxh3_64(&bytes).to_le_bytes().to_vec();
    sealed.extend_from_slice(&bytes);
    std::fs::write(path, sealed).map_err(|e| Error::write(path, e))
}

fn read_journal(path: &Path) -> Option<(bool, Vec<String>)> {
    let bytes = std::fs::read(path).ok()?;
    let (sum, payload) = bytes.split_at_checked(8)?;
    (sum == xxh3_64(payload).to_le_bytes()).then_some(())?;
    postcard::from_bytes(payload).ok()
}

/// Removes the files at output paths `stale` under `dir` (those already
/// gone are fine), then the folders they leave empty.
fn remove_listed(dir: &Path, stale: &[String]) -> Result<()> {
    let mut folders = HashSet::new();
    for path in stale {
        let file = dir.join(path);
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            // A folder now: an incremental rebuild's list predates it.
            Err(_) if file.symlink_metadata().is_ok_and(|m| m.is_dir()) => {}
            Err(e) => return Err(Error::write(&file, e)),
        }
        let mut parent = Path::new(path).parent();
        while let Some(p) = parent.filter(|p| !p.as_os_str().is_empty()) {
            folders.insert(p.to_path_buf());
            parent = p.parent();
        }
    }
    // Deepest first, so parents empty out after their children.
    let mut folders: Vec<PathBuf> = folders.into_iter().collect();
    folders.sort_by_key(|f| std::cmp::Reverse(f.components().count()));
    for folder in &folders {
        let _ = std::fs::remove_dir(dir.join(folder)); // fails, as intended, when not empty
    }
    Ok(())
}

/// Moves everything in the staging folder `from` to the same place under
/// `to`: a folder `to` lacks moves whole, a file replaces the one there.
fn move_into(from: &Path, to: &Path) -> Result<()> {
    // In parallel: the output is hidden until the moves end, and renames in
    // different folders do not wait for each other.
    listing(from)?
        .par_iter()
        .with_max_len(16)
        .try_for_each(|entry| {
            let source = entry.path();
            let target = to.join(entry.file_name());
            let is_dir = entry
                .file_type()
                .map_err(|e| Error::read(&source, e))?
                .is_dir();
            match std::fs::symlink_metadata(&target) {
                Ok(m) if is_dir && m.is_dir() => return move_into(&source, &target),
                Ok(m) => {
                    // A file where a folder goes, or the other way round (the
                    // old one is stale: this build writes the other kind), or a
                    // file replacing a file, which keeps its mode. A link is a
                    // file here: it goes, and what it points at stays.
                    if m.is_dir() {
                        std::fs::remove_dir_all(&target).map_err(|e| Error::write(&target, e))?;
                    } else if is_dir {
                        std::fs::remove_file(&target).map_err(|e| Error::write(&target, e))?;
                    } else if m.is_file() {
                        keep_mode(&source, &m);
                    }
                }
                Err(_) => {}
            }
            rename(&source, &target)
        })
}

/// The entries of the folder `dir`.
fn listing(dir: &Path) -> Result<Vec<std::fs::DirEntry>> {
    std::fs::read_dir(dir)
        .and_then(|items| items.collect())
        .map_err(|e| Error::read(dir, e))
}

impl Drop for Staging {
    fn drop(&mut self) {
        // A commit that failed half way keeps the output in the staging
        // folder: the next build finishes it (`recover`).
        if !self.committed && !self.hidden {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

/// Whether the file at `path` holds exactly `bytes` (a size check first,
/// so most changed files are not read).
fn same_bytes(path: &Path, bytes: &[u8]) -> bool {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() && m.len() == bytes.len() as u64 => holds(path, bytes),
        _ => false,
    }
}

/// Whether the file at `path` reads back as `bytes`. Read in pieces: a
/// whole `papers.json` read back beside the one just made would be the
/// build's peak memory at 100,000 papers.
fn holds(path: &Path, bytes: &[u8]) -> bool {
    use std::io::Read;
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    let mut buf = vec![0u8; (1 << 16).min(bytes.len() + 1)];
    let mut rest = bytes;
    loop {
        match file.read(&mut buf) {
            Ok(0) => return rest.is_empty(),
            Ok(n) if rest.len() >= n && buf[..n] == rest[..n] => rest = &rest[n..],
            Ok(_) => return false,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
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

/// The files under `dir` that no output claims, each with its output path
/// (`None` for a name that is not UTF-8, which no output has). Dot-folders
/// at the top (`.git` of a deploy checkout) are not looked in.
fn unclaimed(dir: &Path, claimed: &HashSet<String>) -> Result<Vec<(PathBuf, Option<String>)>> {
    let found = std::sync::Mutex::new(Vec::new());
    find_unclaimed(dir, Some(""), claimed, &found)?;
    Ok(found.into_inner().unwrap_or_else(|e| e.into_inner()))
}

/// [`unclaimed`], listing only the folders `manifest` (what the last build
/// left in `dir`) cannot vouch for (see [`unlisted`]): the files on disk
/// that it does not record, and those it records, still there, that no
/// output claims. The same files as the walk, which at 10,000 papers lists
/// 11,000 folders an edit did not touch.
fn unclaimed_known(
    dir: &Path,
    claimed: &HashSet<String>,
    manifest: &Manifest,
) -> Result<Vec<(PathBuf, Option<String>)>> {
    let (mut found, _, _) = unlisted_files(dir, manifest)?;
    found.retain(|(_, path)| !path.as_ref().is_some_and(|p| claimed.contains(p)));
    // As the walk: not in a dot-folder at the top, not a folder, and not
    // under a folder that is now a link (its files are not the output's;
    // the link itself is in its parent's listing, which changed).
    let in_folders = |p: &str| {
        p.match_indices('/').all(|(slash, _)| {
            std::fs::symlink_metadata(dir.join(&p[..slash])).is_ok_and(|m| m.is_dir())
        })
    };
    let recorded: Vec<&str> = manifest
        .paths()
        .filter(|p| {
            let in_dot_folder = p.starts_with('.') && p.contains('/');
            !claimed.contains(*p) && !in_dot_folder
        })
        .collect();
    found.extend(recorded.into_iter().filter_map(|p| {
        let file = dir.join(p);
        let meta = std::fs::symlink_metadata(&file).ok()?;
        (!meta.is_dir() && in_folders(p)).then(|| (file, Some(p.to_string())))
    }));
    Ok(found)
}

/// Walks `dir` (whose output path is `prefix`) for files no output
/// claims, its subfolders in parallel: listing 10,000 paper folders one
/// after the other took longer than comparing every file.
fn find_unclaimed(
    dir: &Path,
    prefix: Option<&str>,
    claimed: &HashSet<String>,
    found: &std::sync::Mutex<Vec<(PathBuf, Option<String>)>>,
) -> Result<()> {
    let mut files = Vec::new();
    let mut folders = Vec::new();
    for item in std::fs::read_dir(dir).map_err(|e| Error::read(dir, e))? {
        let item = item.map_err(|e| Error::read(dir, e))?;
        let name = item.file_name();
        let path = match (prefix, name.to_str()) {
            (Some(prefix), Some(name)) => Some(format!("{prefix}{name}")),
            _ => None,
        };
        // Not followed: a link is a file here.
        let is_dir = item.file_type().is_ok_and(|t| t.is_dir());
        if is_dir {
            let dot_top = prefix == Some("") && name.to_string_lossy().starts_with('.');
            if !dot_top {
                folders.push((item.path(), path.map(|p| p + "/")));
            }
        } else if !path.as_ref().is_some_and(|p| claimed.contains(p)) {
            files.push((item.path(), path));
        }
    }
    if let Ok(mut f) = found.lock() {
        f.append(&mut files);
    }
    folders
        .par_iter()
        .try_for_each(|(path, rel)| find_unclaimed(path, rel.as_deref(), claimed, found))
}

/// Writes the outputs an incremental rebuild changed and removes the ones
/// it dropped, through the same switch as a build. Unlike [`write()`], it
/// does not walk the whole folder.
pub(crate) fn write_changes(
    dir: &Path,
    outputs: &std::collections::BTreeMap<String, Output>,
    changed: &[String],
    removed: &[String],
) -> Result<()> {
    let mut staging = Staging::new(dir)?;
    let changed: Vec<&Output> = changed.iter().filter_map(|p| outputs.get(p)).collect();
    staging.stage(&changed)?;
    staging.commit_listed(removed)
}

/// GitHub Pages publishes sites of at most 1 GB
/// (<https://docs.github.com/en/pages/getting-started-with-github-pages/github-pages-limits>).
/// Counted here as 10^9 bytes of files, the stricter reading: deploy-pages
/// itself warns only above 1 GiB of the uploaded artifact.
pub(crate) const PAGES_LIMIT_BYTES: u64 = 1_000_000_000;

/// deploy-pages warns when the uploaded artifact passes 1 GiB
/// (`ONE_GIGABYTE` in its `src/internal/deployment.js`) and the deployment
/// may then fail. That artifact is compressed (see [`artifact_estimate`]).
pub(crate) const PAGES_ARTIFACT_LIMIT: u64 = 1 << 30;

/// About how many bytes the artifact GitHub Pages deploys from `dir` takes,
/// or `None` when the folder cannot be read. upload-pages-artifact tars the
/// folder, leaving out names that start with a dot, and upload-artifact
/// zips the tar at deflate level 6; deploy-pages checks that zip's size.
/// HTML that repeats its markup page after page compresses about five
/// times, so the files' own bytes say little about it. Every 64th file, by
/// path, is deflated at that level as one stream, so neighbouring pages
/// share their markup as they do in the tar; the ratio is applied to all
/// the bytes, plus the tar's headers (about 55 bytes each, compressed).
/// Within 7% of the real zip on a generated 10,000-paper digest, and
/// 2.5% over it (300.2 MB against 292.9) at 100,000 papers, in runs.
pub(crate) fn artifact_estimate(dir: &Path) -> Option<u64> {
    use std::io::Write;
    let mut files = visible_files(dir).ok()?;
    files.sort();
    let total: u64 = files.iter().map(|(_, len)| len).sum();
    let sample: Vec<&(PathBuf, u64)> = files.iter().step_by(64).collect();
    // Deflated in runs of a few megabytes, on every core: 1.5 GB of files
    // give a 23 MB sample, a second on one core. A run starts without the
    // one before it, which costs little when each is thousands of times
    // deflate's 32 KB window.
    const RUN: u64 = 4 << 20;
    let mut runs: Vec<Vec<&Path>> = vec![Vec::new()];
    let mut bytes = 0;
    for (path, len) in sample {
        if bytes >= RUN {
            runs.push(Vec::new());
            bytes = 0;
        }
        bytes += len;
        runs.last_mut()?.push(path);
    }
    let deflated: Vec<(u64, u64)> = runs
        .par_iter()
        .map(|run| {
            let mut encoder =
                flate2::write::DeflateEncoder::new(std::io::sink(), flate2::Compression::new(6));
            let mut read = 0u64;
            for path in run {
                let bytes = std::fs::read(path).ok()?;
                read += bytes.len() as u64;
                encoder.write_all(&bytes).ok()?;
            }
            encoder.try_finish().ok()?;
            Some((read, encoder.total_out()))
        })
        .collect::<Option<_>>()?;
    let (sampled, compressed) = deflated
        .iter()
        .fold((0, 0), |(s, c), (read, out)| (s + read, c + out));
    let ratio = if sampled == 0 {
        1.0
    } else {
        compressed as f64 / sampled as f64
    };
    Some((total as f64 * ratio) as u64 + 55 * files.len() as u64)
}

/// The files under `dir` and their lengths, leaving out names that start
/// with a dot (and what is in such folders) and links, as the upload does;
/// its subfolders listed in parallel (listing 139,000 files one after the
/// other took half a second).
fn visible_files(dir: &Path) -> std::io::Result<Vec<(PathBuf, u64)>> {
    let mut files = Vec::new();
    let mut folders = Vec::new();
    for item in std::fs::read_dir(dir)? {
        let item = item?;
        if item.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let kind = item.file_type()?;
        if kind.is_dir() {
            folders.push(item.path());
        } else if kind.is_file() {
            files.push((item.path(), item.metadata()?.len()));
        }
    }
    let nested: Vec<Vec<(PathBuf, u64)>> = folders
        .par_iter()
        .map(|f| visible_files(f))
        .collect::<std::io::Result<_>>()?;
    files.extend(nested.into_iter().flatten());
    Ok(files)
}

/// The bytes and files of a build's output, by part: a folder at the top
/// of the site (`papers/`, `search/`) or a file at its root
/// (`papers.json`), so a curator sees what grows. Only the files the build
/// made count, not others kept in the folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sizes {
    parts: HashMap<String, PartSize>,
}

/// The bytes and files of one part, or of a whole output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PartSize {
    pub bytes: u64,
    pub files: usize,
}

impl Sizes {
    /// Counts a file of `bytes` at output path `path`.
    pub fn add(&mut self, path: &str, bytes: u64) {
        let part = match path.split_once('/') {
            Some((folder, _)) => format!("{folder}/"),
            None => path.to_string(),
        };
        let size = self.parts.entry(part).or_default();
        size.bytes += bytes;
        size.files += 1;
    }

    /// The whole output.
    pub fn total(&self) -> PartSize {
        self.parts
            .values()
            .fold(PartSize::default(), |t, p| PartSize {
                bytes: t.bytes + p.bytes,
                files: t.files + p.files,
            })
    }

    /// Every part, largest first (by bytes, then name).
    pub fn parts(&self) -> Vec<(&str, PartSize)> {
        let mut parts: Vec<(&str, PartSize)> =
            self.parts.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        parts.sort_by(|a, b| b.1.bytes.cmp(&a.1.bytes).then(a.0.cmp(b.0)));
        parts
    }

    /// Whether the output is larger than GitHub Pages publishes.
    pub fn over_pages_limit(&self) -> bool {
        self.total().bytes > PAGES_LIMIT_BYTES
    }

    /// `812.4 MB in 124,312 files; largest: papers/ 560.1 MB, …` with the
    /// `n` largest parts.
    pub fn describe(&self, n: usize) -> String {
        let total = self.total();
        let largest: Vec<String> = self
            .parts()
            .into_iter()
            .take(n)
            .map(|(name, p)| format!("{name} {} ({})", megabytes(p.bytes), files(p.files)))
            .collect();
        format!(
            "{} in {}; largest: {}",
            megabytes(total.bytes),
            files(total.files),
            largest.join(", ")
        )
    }
}

/// Bytes as decimal megabytes (GitHub counts its 1 GB so): `812.4 MB`.
pub(crate) fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// `1 file`, `124,312 files`.
fn files(n: usize) -> String {
    format!("{} file{}", thousands(n), if n == 1 { "" } else { "s" })
}

/// `124312` as `124,312`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What [`verify`] found in an output folder of the files a [`Manifest`]
/// records.
#[derive(Debug, Default)]
pub(crate) struct Verified {
    /// Output paths whose files hold what the manifest says, with their
    /// hash and metadata now (so the next manifest vouches for them).
    intact: HashMap<String, (u128, Stat)>,
    /// Output paths asked about whose files are missing or changed.
    pub(crate) changed: Vec<String>,
    /// Files in the folder that the manifest does not record (only looked
    /// for when asked), as output paths.
    pub(crate) unknown: Vec<String>,
    /// Some file was read to be vouched for (its metadata had changed,
    /// or changed close to when the manifest was made), or some folder
    /// listed that the manifest would now vouch for.
    read: bool,
    /// The folders a manifest made now can vouch for (see [`Manifest`]).
    dirs: HashMap<String, Stat>,
}

impl Verified {
    /// Whether the file at output path `path` is as recorded.
    pub(crate) fn is_intact(&self, path: &str) -> bool {
        self.intact.contains_key(path)
    }

    /// Whether the manifest of these files would say more than the one
    /// they were checked against: files read to be vouched for are
    /// vouched for by their metadata next time.
    pub(crate) fn refreshes(&self) -> bool {
        self.read
    }

    /// A manifest of the intact files, made now.
    pub(crate) fn manifest(&self) -> Manifest {
        Manifest {
            files: self.intact.clone(),
            made: now(),
            dirs: self.dirs.clone(),
        }
    }

    /// The bytes and files of the intact files, by part.
    pub(crate) fn sizes(&self) -> Sizes {
        let mut sizes = Sizes::default();
        for (path, (_, stat)) in &self.intact {
            sizes.add(path, stat.len);
        }
        sizes
    }

    pub(crate) fn len(&self) -> usize {
        self.intact.len()
    }

    /// The length of each intact file among `paths`.
    pub(crate) fn lens<'a>(&'a self, paths: &'a [String]) -> impl Iterator<Item = (&'a str, u64)> {
        paths
            .iter()
            .filter_map(|p| Some((p.as_str(), self.intact.get(p)?.1.len)))
    }
}

/// Checks the files of `dir` against `manifest`, without trusting file
/// times alone: a file whose metadata is as recorded (and not changed
/// close to when the manifest was made) is as recorded; any other is read
/// and its hash compared, so a folder restored from a CI cache (new inodes
/// and times, the same bytes) is found intact, and one edited by hand is
/// not. `paths` (output paths) are the files asked about, all the
/// manifest's when `None`; `walk` also lists the files the manifest does
/// not know of.
pub(crate) fn verify(
    dir: &Path,
    manifest: &Manifest,
    paths: Option<&[String]>,
    walk: bool,
) -> Result<Verified> {
    let real = resolve(dir);
    let asked: Vec<&str> = match paths {
        Some(p) => p.iter().map(String::as_str).collect(),
        None => manifest.paths().collect(),
    };
    type Found = (String, Option<(u128, Stat, bool)>);
    let found: Vec<Found> = asked
        .par_iter()
        .with_max_len(64) // Small pieces (see ARCHITECTURE.md, "Parallel loops").
        .map(|&path| {
            let target = real.join(path);
            let checked = manifest.files.get(path).and_then(|&(hash, _)| {
                let stat = Stat::of(&target)?;
                if manifest.vouches(path, hash, &stat) {
                    return Some((hash, stat, false));
                }
                (hash_file(&target)? == hash && Stat::of(&target) == Some(stat))
                    .then_some((hash, stat, true))
            });
            (path.to_string(), checked)
        })
        .collect();
    let mut verified = Verified::default();
    for (path, checked) in found {
        match checked {
            Some((hash, stat, read)) => {
                verified.read |= read;
                verified.intact.insert(path, (hash, stat));
            }
            None => verified.changed.push(path),
        }
    }
    if walk {
        let (unknown, dirs, listed) = unlisted(&real, manifest)?;
        verified.unknown = unknown;
        verified.unknown.sort();
        // Only a manifest of every file it had can vouch for its folders.
        if paths.is_none() && verified.changed.is_empty() {
            verified.dirs = dirs;
            verified.read |= listed;
        }
    }
    Ok(verified)
}

/// The files in `real` that `manifest` does not record, as [`unclaimed`]
/// finds them, listing only the folders the manifest cannot vouch for;
/// with the folders a manifest made now can vouch for, and whether any of
/// those was listed (so a new manifest would say more).
///
/// The folders of the manifest's files are each looked at, in parallel:
/// one whose metadata is as recorded holds what it held (nothing but
/// those files and folders); any other is listed, and a folder found in
/// it that holds none of the manifest's files is walked whole. Every
/// folder the walk from the top would list is thus listed or vouched for.
/// A folder listed is recorded when it held nothing else and its
/// metadata, taken before listing it, was settled.
fn unlisted(
    real: &Path,
    manifest: &Manifest,
) -> Result<(Vec<String>, HashMap<String, Stat>, bool)> {
    let (found, dirs, listed) = unlisted_files(real, manifest)?;
    let unknown = found
        .into_iter()
        .map(|(file, path)| path.unwrap_or_else(|| file.to_string_lossy().into_owned()))
        .collect();
    Ok((unknown, dirs, listed))
}

/// [`unlisted`], each file with its path on disk and its output path
/// (`None` for a name that is not UTF-8), as [`unclaimed`] gives them.
type Unlisted = (Vec<(PathBuf, Option<String>)>, HashMap<String, Stat>, bool);

fn unlisted_files(real: &Path, manifest: &Manifest) -> Result<Unlisted> {
    let claimed: HashSet<&str> = manifest.paths().collect();
    // Every folder holding a file of the manifest, but none in a
    // dot-folder at the top, which the walk does not look in.
    let mut folders: HashSet<&str> = HashSet::new();
    for path in &claimed {
        let mut end = path.len();
        while let Some(slash) = path[..end].rfind('/') {
            if !folders.insert(&path[..=slash]) {
                break;
            }
            end = slash;
        }
    }
    folders.insert("");
    folders.retain(|f| !f.starts_with('.'));
    let now = now();
    type Looked = (Vec<(PathBuf, Option<String>)>, Option<(String, Stat)>, bool);
    let list: Vec<&str> = folders.iter().copied().collect();
    let looked: Vec<Result<Looked>> = list
        .par_iter()
        .with_max_len(256) // Small pieces (see ARCHITECTURE.md, "Parallel loops").
        .map(|&folder| {
            let path = real.join(folder);
            // Gone, or no longer a folder: its files are missing, and
            // what replaced it is in its parent's listing.
            let Some(stat) = Stat::of_dir(&path) else {
                return Ok((Vec::new(), None, false));
            };
            if manifest.dirs.get(folder) == Some(&stat) {
                return Ok((Vec::new(), Some((folder.to_string(), stat)), false));
            }
            let mut found = Vec::new();
            let mut others = Vec::new();
            for item in std::fs::read_dir(&path).map_err(|e| Error::read(&path, e))? {
                let item = item.map_err(|e| Error::read(&path, e))?;
                let name = item.file_name();
                let rel = name.to_str().map(|n| format!("{folder}{n}"));
                // Not followed: a link is a file here.
                if item.file_type().is_ok_and(|t| t.is_dir()) {
                    let dot_top = folder.is_empty() && name.to_string_lossy().starts_with('.');
                    let rel = rel.map(|r| r + "/");
                    if !dot_top && !rel.as_deref().is_some_and(|r| folders.contains(r)) {
                        others.push((item.path(), rel));
                    }
                } else if !rel.as_deref().is_some_and(|r| claimed.contains(r)) {
                    found.push((item.path(), rel));
                }
            }
            let clean = found.is_empty() && others.is_empty();
            let all = std::sync::Mutex::new(found);
            let none = HashSet::new();
            others
                .par_iter()
                .try_for_each(|(path, rel)| find_unclaimed(path, rel.as_deref(), &none, &all))?;
            let found = all.into_inner().unwrap_or_else(|e| e.into_inner());
            let record = (clean && stat.settled(now)).then(|| (folder.to_string(), stat));
            let listed = record.is_some();
            Ok((found, record, listed))
        })
        .collect();
    let mut unknown = Vec::new();
    let mut dirs = HashMap::new();
    let mut listed = false;
    for r in looked {
        let (mut found, record, new) = r?;
        unknown.append(&mut found);
        dirs.extend(record);
        listed |= new;
    }
    Ok((unknown, dirs, listed))
}

/// A hash of the file at `path`, read in pieces (see [`holds`]).
fn hash_file(path: &Path) -> Option<u128> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).ok()?;
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match file.read(&mut buf) {
            Ok(0) => return Some(h.digest128()),
            Ok(n) => h.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
}

/// Now, as (seconds, nanoseconds) since 1970.
pub(crate) fn now() -> (i64, i64) {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| (d.as_secs() as i64, i64::from(d.subsec_nanos())))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn the_files_no_output_claims_are_those_the_walk_finds_with_a_manifest_too() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        for f in [
            "index.html",
            "a/x.html",
            "a/y.html",
            "b/z.html",
            ".git/HEAD",
        ] {
            let path = out.join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, f).unwrap();
        }
        // What the last build left: its files, and its folders as they are.
        let files = ["index.html", "a/x.html", "a/y.html", "b/z.html"];
        let manifest = Manifest {
            files: files
                .iter()
                .map(|f| (f.to_string(), (0, Stat::of(&out.join(f)).unwrap())))
                .collect(),
            made: now(),
            dirs: ["", "a/", "b/"]
                .iter()
                .map(|d| (d.to_string(), Stat::of_dir(&out.join(d)).unwrap()))
                .collect(),
        };
        // Since then: a file planted in a recorded folder, a new folder,
        // and a recorded folder replaced by a link to one elsewhere.
        std::fs::write(out.join("b/mine.txt"), "mine").unwrap();
        std::fs::create_dir_all(out.join("c")).unwrap();
        std::fs::write(out.join("c/new.txt"), "new").unwrap();
        let elsewhere = tmp.path().join("elsewhere");
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::fs::write(elsewhere.join("y.html"), "not the output's").unwrap();
        std::fs::remove_dir_all(out.join("a")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, out.join("a")).unwrap();
        let claimed: HashSet<String> = ["index.html", "b/z.html", "c/new.txt"]
            .iter()
            .map(|f| f.to_string())
            .collect();
        let sorted = |mut found: Vec<(PathBuf, Option<String>)>| {
            found.sort();
            found
        };
        // The full walk finds `expected`, and the listing by the manifest
        // finds the same.
        let both_find = |expected: &[&str]| {
            let walked = sorted(unclaimed(&out, &claimed).unwrap());
            assert_eq!(
                walked
                    .iter()
                    .map(|(_, p)| p.clone().unwrap())
                    .collect::<Vec<_>>(),
                expected
            );
            assert_eq!(
                sorted(unclaimed_known(&out, &claimed, &manifest).unwrap()),
                walked
            );
        };
        both_find(&["a", "b/mine.txt"]);
        // And with every folder as recorded: the recorded files no output
        // claims.
        std::fs::remove_file(out.join("a")).unwrap();
        std::fs::remove_file(out.join("b/mine.txt")).unwrap();
        std::fs::remove_dir_all(out.join("c")).unwrap();
        std::fs::create_dir_all(out.join("a")).unwrap();
        std::fs::write(out.join("a/x.html"), "x").unwrap();
        both_find(&["a/x.html"]);
    }

    /// The estimate is the whole folder deflated as one stream (what the
    /// zip of the tar holds, less the headers) give or take the sample's
    /// luck, and it leaves out the hidden files the upload leaves out.
    #[test]
    fn the_artifact_estimate_is_near_the_folder_deflated_whole() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let mut whole = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(6));
        let mut files = 0u64;
        for i in 0..640u64 {
            // Pages alike in markup, unlike in text, of uneven lengths.
            let text: String = (0..(20 + i * 7919 % 300))
                .map(|w| format!("w{} ", (w * 2654435761 + i * 40503) % 100_003))
                .collect();
            let page = format!(
                "<!DOCTYPE html><html lang=\"en\"><head><title>Paper {i}</title>\
                 <link rel=\"stylesheet\" href=\"/sheaf/style.css\"></head><body>\
                 <header class=\"site-header\"><a href=\"/sheaf/\">Digest</a></header>\
                 <main><h1>Paper {i}</h1><p>{text}</p></main></body></html>"
            );
            let path = dir.path().join(format!("papers/p{i:04}/index.html"));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &page).unwrap();
            whole.write_all(page.as_bytes()).unwrap();
            files += 1;
        }
        let expected = whole.finish().unwrap().len() as u64 + 55 * files;
        std::fs::create_dir_all(dir.path().join(".sheaf-staging")).unwrap();
        std::fs::write(
            dir.path().join(".sheaf-staging/big"),
            vec![b'x'; 10_000_000],
        )
        .unwrap();
        std::fs::write(dir.path().join(".nojekyll"), vec![b'y'; 10_000_000]).unwrap();
        let estimate = artifact_estimate(dir.path()).unwrap();
        let off = estimate as f64 / expected as f64;
        assert!(
            (0.8..1.25).contains(&off),
            "estimate {estimate}, whole {expected}"
        );
        assert_eq!(artifact_estimate(&dir.path().join("missing")), None);
    }

    #[test]
    fn a_kill_while_the_old_tree_is_removed_leaves_the_new_site() {
        // A commit finished (the new site is in place) and was killed while
        // removing the staging folder, journal first, old tree after.
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("public");
        let tmp = dir.path().join(".public.sheaf-staging");
        std::fs::create_dir_all(real.join("papers/a")).unwrap();
        std::fs::write(real.join("papers/a/index.html"), "new").unwrap();
        std::fs::create_dir_all(tmp.join(HIDDEN).join("papers/b")).unwrap();
        std::fs::write(tmp.join(HIDDEN).join("papers/b/index.html"), "old").unwrap();
        recover(&real, &tmp).unwrap();
        assert_eq!(
            std::fs::read_to_string(real.join("papers/a/index.html")).unwrap(),
            "new"
        );
        assert!(!real.join("papers/b").exists());
        assert!(!tmp.exists());
    }

    #[test]
    fn sizes_by_part_largest_first() {
        let mut sizes = Sizes::default();
        sizes.add("papers/a/index.html", 700);
        sizes.add("papers/b/index.html", 800);
        sizes.add("papers.json", 1_000);
        sizes.add("themes/x/index.html", 100);
        sizes.add("index.html", 50);
        assert_eq!(
            sizes.total(),
            PartSize {
                bytes: 2_650,
                files: 5
            }
        );
        let parts: Vec<(&str, u64, usize)> = sizes
            .parts()
            .into_iter()
            .map(|(n, p)| (n, p.bytes, p.files))
            .collect();
        assert_eq!(
            parts,
            [
                ("papers/", 1_500, 2),
                ("papers.json", 1_000, 1),
                ("themes/", 100, 1),
                ("index.html", 50, 1)
            ]
        );
        assert_eq!(
            sizes.describe(2),
            "0.0 MB in 5 files; largest: papers/ 0.0 MB (2 files), papers.json 0.0 MB (1 file)"
        );
        assert!(!sizes.over_pages_limit());
        sizes.add("search/big.json", PAGES_LIMIT_BYTES);
        assert!(sizes.over_pages_limit());
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
        assert_eq!(megabytes(1_234_567_890), "1234.6 MB");
    }
    use crate::produce::render::Depends;

    fn out(path: &str, bytes: &str) -> Output {
        Output {
            path: path.into(),
            bytes: bytes.as_bytes().to_vec().into(),
            depends: Depends::Nothing,
        }
    }

    /// Every output path under `dir` now, as an ownership record: what a
    /// folder that sheaf alone wrote to would have.
    fn all_owned(dir: &Path) -> Owned {
        let found = unclaimed(dir, &HashSet::new()).unwrap_or_default();
        Some(
            found
                .into_iter()
                .filter_map(|(_, p)| p)
                .map(|p| owned_key(&p))
                .collect(),
        )
    }

    /// [`write`] into a folder whose every file sheaf wrote.
    fn put(dir: &Path, outputs: &[Output]) -> Result<WriteReport> {
        write(dir, outputs, all_owned(dir)).map(|c| c.report)
    }

    #[test]
    fn holds_compares_the_whole_file_in_pieces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        // Several reads' worth, with a change in the last piece.
        let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &big).unwrap();
        assert!(holds(&path, &big));
        let mut changed = big.clone();
        *changed.last_mut().unwrap() ^= 1;
        assert!(!holds(&path, &changed));
        assert!(!holds(&path, &big[..big.len() - 1]));
        let mut longer = big.clone();
        longer.push(0);
        assert!(!holds(&path, &longer));
        std::fs::write(&path, b"").unwrap();
        assert!(holds(&path, b""));
        assert!(!holds(&path, b"x"));
        assert!(!holds(&dir.path().join("missing"), b""));
    }

    /// Stages `outputs` into `dir` with `manifest` and commits.
    fn tracked(dir: &Path, outputs: &[Output], manifest: Manifest) -> (WriteReport, Manifest) {
        let mut staging = Staging::new(dir).unwrap().with_manifest(manifest);
        staging.stage(&outputs.iter().collect::<Vec<_>>()).unwrap();
        let committed = staging.commit_tracked().unwrap();
        (committed.report, committed.manifest.unwrap())
    }

    #[cfg(unix)]
    #[test]
    fn a_manifest_vouches_only_for_files_it_saw_as_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("public");
        let outputs = [out("index.html", "front"), out("a/b.html", "bee")];
        let (report, manifest) = tracked(&site, &outputs, Manifest::default());
        assert_eq!((report.written, manifest.files.len()), (2, 2));

        // Nothing changed: nothing written, the same files recorded.
        let (report, again) = tracked(&site, &outputs, manifest.clone());
        assert_eq!((report.written, report.unchanged), (0, 2));
        assert_eq!(again.files, manifest.files);

        // Edited behind sheaf's back, same length: the file's change time
        // moved, so it is compared and put back. (Kernels before 6.13 keep
        // change times in ticks of a few ms: wait one out.)
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(site.join("a/b.html"), "BEE").unwrap();
        let (report, manifest) = tracked(&site, &outputs, manifest);
        assert_eq!(report.written, 1);
        assert_eq!(
            std::fs::read_to_string(site.join("a/b.html")).unwrap(),
            "bee"
        );
        // Deleted: written again.
        std::fs::remove_file(site.join("index.html")).unwrap();
        let (report, manifest) = tracked(&site, &outputs, manifest);
        assert_eq!(report.written, 1);

        // The manifest is what decides: one that vouches for a file as it
        // sits on disk, changed well before the manifest was made, saves
        // reading it, even when (here, by construction) its bytes are not
        // the ones it claims.
        let stat = Stat::of(&site.join("a/b.html")).unwrap();
        let lying = |made: (i64, i64)| {
            let mut m = manifest.clone();
            m.files.insert("a/b.html".into(), (xxh3_128(b"new"), stat));
            m.made = made;
            m
        };
        let changed = [out("index.html", "front"), out("a/b.html", "new")];
        let long_after = (stat.ctime + RACY_SECONDS + 1, 0);
        let (report, _) = tracked(&site, &changed, lying(long_after));
        assert_eq!((report.written, report.unchanged), (0, 2));
        // A file changed within the manifest's last seconds could have
        // changed again in the same clock tick: it is compared, and written.
        let (report, _) = tracked(&site, &changed, lying((stat.ctime, stat.ctime_nsec)));
        assert_eq!((report.written, report.unchanged), (1, 1));
    }

    #[cfg(unix)]
    #[test]
    fn a_folder_is_listed_unless_its_metadata_is_as_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("public");
        let outputs = [out("index.html", "front"), out("a/b/c.html", "see")];
        let (_, mut manifest) = tracked(&site, &outputs, Manifest::default());
        std::fs::write(site.join("mine.txt"), "x").unwrap();
        let unknown = |m: &Manifest| verify(&site, m, None, true).unwrap().unknown;
        // Folders changed just now are listed, and not recorded: a change
        // in the same clock tick would leave their metadata as it was.
        let verified = verify(&site, &manifest, None, true).unwrap();
        assert_eq!(verified.unknown, ["mine.txt"]);
        assert!(verified.dirs.is_empty());
        // A planted file changes its folder's metadata.
        let stat = |p: &str| Stat::of_dir(&site.join(p)).unwrap();
        manifest.dirs.insert("a/".into(), stat("a/"));
        let before = stat("a/b/");
        // (Kernels before 6.13 keep change times in ticks of a few ms.)
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(site.join("a/b/planted"), "x").unwrap();
        assert_ne!(stat("a/b/"), before);
        // Recorded as it was: listed, the file found.
        manifest.dirs.insert("a/b/".into(), before);
        assert_eq!(unknown(&manifest), ["a/b/planted", "mine.txt"]);
        // Recorded as it is now (a lie, to show it): not listed.
        manifest.dirs.insert("a/b/".into(), stat("a/b/"));
        assert_eq!(unknown(&manifest), ["mine.txt"]);
        // A folder added in a recorded one is walked whole; one removed
        // leaves its files missing.
        std::fs::remove_file(site.join("a/b/planted")).unwrap();
        std::fs::create_dir_all(site.join("a/new/deep")).unwrap();
        std::fs::write(site.join("a/new/deep/x"), "x").unwrap();
        assert_eq!(unknown(&manifest), ["a/new/deep/x", "mine.txt"]);
        std::fs::remove_dir_all(site.join("a/b")).unwrap();
        let verified = verify(&site, &manifest, None, true).unwrap();
        assert_eq!(verified.changed, ["a/b/c.html"]);
        assert!(
            verified.dirs.is_empty(),
            "no folder vouched for with a file gone"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn files_with_names_no_output_can_have_are_never_sheafs() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("public");
        // U+FFFD is what the bad byte would become, read lossily.
        let outputs = [out("x\u{FFFD}.html", "kept")];
        put(&site, &outputs).unwrap();
        let bad = std::ffi::OsStr::from_bytes(b"x\xff.html");
        std::fs::write(site.join(bad), "mine").unwrap();
        let bad_dir = site.join(std::ffi::OsStr::from_bytes(b"d\xff"));
        std::fs::create_dir(&bad_dir).unwrap();
        std::fs::write(bad_dir.join("index.html"), "mine").unwrap();
        let committed = write(&site, &outputs, all_owned(&site)).unwrap();
        assert_eq!(committed.report.removed, 0);
        assert_eq!(committed.foreign.len(), 2, "{:?}", committed.foreign);
        assert!(site.join("x\u{FFFD}.html").exists());
        assert!(site.join(bad).exists() && bad_dir.join("index.html").exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_file_replaced_between_stage_and_commit_is_not_vouched_for() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("public");
        let outputs = [out("a.html", "aaaa")];
        put(&site, &outputs).unwrap();
        let mut staging = Staging::new(&site)
            .unwrap()
            .with_owned(all_owned(&site))
            .with_manifest(Manifest::default());
        staging.stage(&outputs.iter().collect::<Vec<_>>()).unwrap();
        // Another writer (a `sheaf watch` on the same folder) replaces it.
        std::fs::write(site.join("other"), "bbbb").unwrap();
        std::fs::rename(site.join("other"), site.join("a.html")).unwrap();
        let manifest = staging.commit_tracked().unwrap().manifest.unwrap();
        assert!(manifest.files.is_empty(), "{manifest:?}");
        let mut aged = manifest.clone();
        aged.made.0 += 3600;
        let (report, _) = tracked(&site, &outputs, aged);
        assert_eq!(report.written, 1);
        assert_eq!(
            std::fs::read_to_string(site.join("a.html")).unwrap(),
            "aaaa"
        );
    }

    #[test]
    fn a_commit_killed_half_way_is_finished_by_the_next_staging() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("public");
        let old = [
            out("index.html", "old"),
            out("a/b.html", "b"),
            out("gone.html", "g"),
        ];
        put(&site, &old).unwrap();
        let new = [
            out("index.html", "new"),
            out("a/b.html", "b2"),
            out("c/d.html", "d"),
        ];
        let mut staging = Staging::new(&site).unwrap().with_owned(all_owned(&site));
        staging.stage(&new.iter().collect::<Vec<_>>()).unwrap();
        // Staged beside the output, which is untouched until the commit.
        let tmp = dir.path().join(".public.sheaf-staging");
        assert!(tmp.join("files/index.html").exists());
        assert_eq!(
            std::fs::read_to_string(site.join("index.html")).unwrap(),
            "old"
        );
        // What `switch` does, killed after the first file moved.
        write_journal(&tmp.join(JOURNAL), false, &["gone.html".to_string()]).unwrap();
        std::fs::rename(&site, tmp.join(HIDDEN)).unwrap();
        std::fs::rename(tmp.join("files/index.html"), tmp.join("site/index.html")).unwrap();
        std::mem::forget(staging);
        assert!(!site.exists(), "hidden while the commit is under way");

        // The next build's staging finishes it first.
        drop(Staging::new(&site).unwrap());
        let files: Vec<String> = unclaimed(&site, &HashSet::new())
            .unwrap()
            .into_iter()
            .filter_map(|(_, p)| p)
            .collect();
        let mut files = files;
        files.sort();
        assert_eq!(files, ["a/b.html", "c/d.html", "index.html"]);
        for o in &new {
            assert_eq!(std::fs::read(site.join(&o.path)).unwrap(), *o.bytes);
        }
        assert!(!tmp.exists());

        // Killed before the switch began: the staged files are dropped.
        let mut staging = Staging::new(&site).unwrap().with_owned(all_owned(&site));
        staging.stage(&[&out("index.html", "newer")]).unwrap();
        std::mem::forget(staging);
        drop(Staging::new(&site).unwrap());
        assert_eq!(
            std::fs::read_to_string(site.join("index.html")).unwrap(),
            "new"
        );
        assert!(!tmp.exists());
    }

    /// Every file under `dir` with its text, `.git` included.
    fn texts(dir: &Path) -> Vec<(String, String)> {
        let mut found: Vec<(String, String)> = walkdir::WalkDir::new(dir)
            .into_iter()
            .map(|e| e.unwrap())
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e
                    .path()
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                (rel, std::fs::read_to_string(e.path()).unwrap())
            })
            .collect();
        found.sort();
        found
    }

    #[test]
    fn when_most_files_change_what_is_kept_moves_into_the_new_tree() {
        let expected = [
            (".git/HEAD", "ref"),
            ("CNAME", "mine"),
            ("a/b.html", "b"),
            ("c/1.html", "1"),
            ("c/2.html", "2"),
            ("c/3.html", "3"),
            ("index.html", "new"),
            ("k/keep.html", "k"),
            ("k/new.html", "n"),
        ]
        .map(|(p, t)| (p.to_string(), t.to_string()));
        let new = [
            out("index.html", "new"),
            out("a/b.html", "b"),
            out("k/keep.html", "k"),
            out("k/new.html", "n"),
            out("c/1.html", "1"),
            out("c/2.html", "2"),
            out("c/3.html", "3"),
        ];
        for killed in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            let site = dir.path().join("public");
            let old = [
                out("index.html", "old"),
                out("a/b.html", "b"),
                out("gone.html", "g"),
                out("z/old.html", "z"),
                out("k/keep.html", "k"),
                out("k/gone.html", "g"),
            ];
            put(&site, &old).unwrap();
            let owned = all_owned(&site);
            // Not sheaf's: a file of the user's and a deploy checkout.
            std::fs::write(site.join("CNAME"), "mine").unwrap();
            std::fs::create_dir(site.join(".git")).unwrap();
            std::fs::write(site.join(".git/HEAD"), "ref").unwrap();
            let mut staging = Staging::new(&site).unwrap().with_owned(owned);
            staging.stage(&new.iter().collect::<Vec<_>>()).unwrap();
            if !killed {
                let c = staging.commit_tracked().unwrap();
                assert_eq!((c.report.written, c.report.removed), (5, 3));
                assert_eq!(c.foreign, ["CNAME"]);
            } else {
                // Killed after carrying one folder over.
                let tmp = dir.path().join(".public.sheaf-staging");
                let stale = ["gone.html", "k/gone.html", "z/old.html"].map(String::from);
                write_journal(&tmp.join(JOURNAL), true, &stale).unwrap();
                std::fs::rename(&site, tmp.join(HIDDEN)).unwrap();
                std::fs::rename(tmp.join("site/a"), tmp.join("files/a")).unwrap();
                std::mem::forget(staging);
                drop(Staging::new(&site).unwrap());
                assert!(!tmp.exists());
            }
            assert_eq!(texts(&site), expected, "killed: {killed}");
            assert!(!site.join("z").exists());
        }
    }

    #[test]
    fn a_staging_dropped_without_commit_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("public");
        put(&site, &[out("index.html", "old"), out("a/b.html", "b")]).unwrap();
        let mut staging = Staging::new(&site).unwrap().with_owned(all_owned(&site));
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
        assert!(!dir.path().join(".public.sheaf-staging").exists());

        // A first build that fails leaves no output folder behind.
        let fresh = dir.path().join("fresh");
        let mut staging = Staging::new(&fresh).unwrap();
        staging.stage(&[&out("x.html", "x")]).unwrap();
        drop(staging);
        assert!(!fresh.exists());
    }

    #[test]
    fn a_folder_replaces_a_file_or_link_where_it_goes() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("public");
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::fs::write(elsewhere.join("keep.html"), "mine").unwrap();
        put(&site, &[out("tags", "a file"), out("index.html", "i")]).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&elsewhere, site.join("themes")).unwrap();
        let mut staging = Staging::new(&site).unwrap().with_owned(all_owned(&site));
        staging
            .stage(&[
                &out("index.html", "i"),
                &out("tags/index.html", "t"),
                &out("themes/index.html", "h"),
            ])
            .unwrap();
        staging.commit().unwrap();
        assert_eq!(
            std::fs::read_to_string(site.join("tags/index.html")).unwrap(),
            "t"
        );
        assert_eq!(
            std::fs::read_to_string(site.join("themes/index.html")).unwrap(),
            "h"
        );
        assert!(!site.join("themes").is_symlink());
        // What the link pointed at is not the output's.
        assert_eq!(
            std::fs::read_to_string(elsewhere.join("keep.html")).unwrap(),
            "mine"
        );
        assert!(!elsewhere.join("index.html").exists());
    }

    #[test]
    fn stale_files_go_from_old_folders_while_new_ones_are_not_walked() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("public");
        put(
            &site,
            &[
                out("a/keep.html", "k"),
                out("a/old.html", "o"),
                out("z/old.html", "o"),
            ],
        )
        .unwrap();
        let mut staging = Staging::new(&site).unwrap().with_owned(all_owned(&site));
        staging
            .stage(&[
                &out("a/keep.html", "k"),
                &out("a/new/x.html", "x"),
                &out("n/y.html", "y"),
            ])
            .unwrap();
        let report = staging.commit().unwrap();
        assert_eq!(report.removed, 2);
        assert!(!site.join("a/old.html").exists());
        assert!(!site.join("z").exists(), "an emptied folder goes");
        for (path, text) in [
            ("a/keep.html", "k"),
            ("a/new/x.html", "x"),
            ("n/y.html", "y"),
        ] {
            assert_eq!(std::fs::read_to_string(site.join(path)).unwrap(), text);
        }
    }

    #[test]
    fn commit_moves_new_folders_whole_replaces_files_and_removes_stale_ones() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("public");
        put(
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
        let mut staging = Staging::new(&site).unwrap().with_owned(all_owned(&site));
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
