//! The on-disk cache of what each entry converts to, so a build converts
//! only the entries that changed since the last one.
//!
//! Converting an entry ([`Derived`]: Markdown to HTML, code highlighting,
//! theme rules, the terms of related papers and of the search index) is
//! most of a build's work that depends on one entry alone. A [`Cache`]
//! keeps those results in `<root>/.sheaf-cache/derived/`, keyed by a hash
//! of everything they are made from:
//!
//! - the entry's fields that [`DerivedSource`] lists (the only ones
//!   [`Derived::new`] can see);
//! - the parts of the config that [`DerivedConfig`] lists (again the only
//!   ones `Derived::new` can see: base URL, raw HTML rule, search, themes),
//!   hashed field by field (a new field there does not compile until it is
//!   hashed too), so a new site title or page size keeps them;
//! - the sheaf executable (a hash of its bytes), since a
//!   new sheaf may convert Markdown differently.
//!
//! Records are spread over [`SHARDS`] files by key, so saving after an edit
//! rewrites two small files, not the whole cache. Beside them,
//! `related.bin` keeps the related papers of the last build with a hash of
//! their inputs (every paper's terms and themes), so editing notes, or
//! nothing, does not recompute them. `outputs/` keeps, per output folder,
//! the [`Manifest`] of what the last build wrote there, so the next one
//! need not read the files back to know they are unchanged; `owners/`
//! keeps, per output folder, which files sheaf wrote there (the record that
//! lets a build remove stale files, kept even by `--no-cache` builds). The
//! cache is an optimisation only: a shard that is missing, unreadable, from another
//! sheaf or corrupt counts as empty, and a cache that cannot be written is
//! skipped. Neither ever fails a build or changes its output.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::{xxh3_128, Xxh3};

use crate::base::error::{Error, Result};
use crate::input::config::Config;
use crate::io::output::{Manifest, ManifestV1, Stat};
use crate::model::{Derived, DerivedConfig, DerivedSource, Earlier, Site};

/// The cache folder, under the site root.
pub const DIR: &str = ".sheaf-cache";

/// Files the records are spread over: at 100,000 papers each holds about
/// 400, so an edit rewrites a few megabytes at most.
const SHARDS: usize = 256;

/// The folder of the shards, in [`DIR`].
const SHARD_DIR: &str = "derived";

/// The related papers of the last build.
const RELATED_FILE: &str = "related.bin";

/// Bumped whenever the record layout changes.
const FORMAT: u32 = 3;

/// Identifies a [`Derived`]: a 128-bit hash of its sources (see the module
/// docs), so two different entries never share one in practice.
pub(crate) type Key = u128;

/// Conversions by key, as a shard file holds them.
type Records = Vec<(Key, Arc<Derived>)>;

/// What `related.bin` holds: the related papers of the whole site, and
/// the hash of what they were computed from.
#[derive(Serialize, Deserialize)]
struct Related {
    key: u128,
    lists: Vec<Vec<usize>>,
}

/// The cached conversions of one site, loaded at the start of a build.
pub struct Cache {
    dir: PathBuf,
    stamp: u128,
    records: HashMap<Key, Arc<Derived>>,
    /// The keys each shard file held when loaded, to rewrite only the
    /// shards whose records change.
    loaded: Vec<HashSet<Key>>,
    /// The last build's related papers, by the hash of their inputs.
    related: Option<(u128, Vec<Vec<usize>>)>,
}

impl Earlier for Cache {
    fn derived(&self, source: &DerivedSource) -> Option<Arc<Derived>> {
        self.records.get(&self.key(source)).cloned()
    }

    /// Only when every index is in range, too.
    fn related(&self, key: u128, papers: usize) -> Option<Vec<Vec<usize>>> {
        self.related
            .as_ref()
            .filter(|(k, lists)| {
                *k == key && lists.len() == papers && lists.iter().flatten().all(|&i| i < papers)
            })
            .map(|(_, lists)| lists.clone())
    }
}

impl Cache {
    /// Loads the cache of the site at `root` built with `config`. Anything
    /// wrong with the files makes them count as empty.
    pub fn open(root: &Path, config: &Config) -> Cache {
        let dir = root.join(DIR);
        let stamp = stamp(config);
        let shards: Vec<Records> = (0..SHARDS)
            .into_par_iter()
            .map(|n| read_shard(&shard_path(&dir, n), stamp))
            .collect();
        let loaded = shards
            .iter()
            .map(|records| records.iter().map(|(k, _)| *k).collect())
            .collect();
        let records = shards.into_iter().flatten().collect();
        let related =
            read_sealed::<Related>(&dir.join(RELATED_FILE), stamp).map(|r| (r.key, r.lists));
        for folder in [dir.clone(), dir.join(SHARD_DIR), dir.join(OUTPUT_DIR)] {
            sweep_temporaries(&folder);
        }
        Cache {
            dir,
            stamp,
            records,
            loaded,
            related,
        }
    }

    /// The key of an entry's conversion.
    pub(crate) fn key(&self, source: &DerivedSource) -> Key {
        let mut h = Xxh3::new();
        self.stamp.hash(&mut h);
        source.hash(&mut h);
        h.digest128()
    }

    /// The conversion the cache holds under `key`, if any.
    pub(crate) fn by_key(&self, key: Key) -> Option<Arc<Derived>> {
        self.records.get(&key).cloned()
    }

    /// How many conversions the cache holds.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Saves the conversions of `site`'s papers, and only those, on another
    /// thread: records of entries since edited or deleted are dropped, and
    /// only shards whose set of records changed are written (the thread
    /// returns how many were). The thread takes only what it writes
    /// from `site`: after a build that changed nothing, no conversion. (A
    /// one-off build frees each paper's HTML once its page is written,
    /// `Site::forget_html`, but not while a conversion is shared.)
    pub(crate) fn save_in_background(self, site: &Site) -> std::thread::JoinHandle<Result<usize>> {
        let plan = self.plan(site);
        std::thread::spawn(move || plan.write())
    }

    /// What saving `site` writes: the shards whose set of records changed
    /// and those left empty, and the related papers when they are not the
    /// ones on disk already. The cache's own records are dropped.
    fn plan(self, site: &Site) -> Save {
        let key = site.related_key();
        let related = (self.related.as_ref().map(|(k, _)| *k) != Some(key)).then(|| Related {
            key,
            lists: site.related.clone(),
        });
        let keyed: Records = site
            .papers
            .par_iter()
            .map(|p| (self.key(&DerivedSource::from(&*p.entry)), p.derived.clone()))
            .collect();
        let mut shards: Vec<Records> = vec![Vec::new(); SHARDS];
        for (key, derived) in keyed {
            shards[shard_of(key)].push((key, derived));
        }
        // A shard left with no records goes, whatever it held (records of
        // deleted entries, or another sheaf's), so no stale file stays.
        let empty = (0..SHARDS).filter(|&n| shards[n].is_empty()).collect();
        let changed = shards
            .into_iter()
            .enumerate()
            .filter(|(n, records)| {
                // As sets: entries with the same sources share one record.
                let keys: HashSet<Key> = records.iter().map(|(k, _)| *k).collect();
                !records.is_empty() && keys != self.loaded[*n]
            })
            .collect();
        Save {
            dir: self.dir,
            stamp: self.stamp,
            empty,
            changed,
            related,
        }
    }
}

/// The files a [`Cache::save_in_background`] writes and removes.
struct Save {
    dir: PathBuf,
    stamp: u128,
    /// Shards with no records.
    empty: Vec<usize>,
    changed: Vec<(usize, Records)>,
    related: Option<Related>,
}

impl Save {
    fn write(self) -> Result<usize> {
        for &n in &self.empty {
            let _ = std::fs::remove_file(shard_path(&self.dir, n));
        }
        if self.changed.is_empty() && self.related.is_none() {
            return Ok(0);
        }
        let shards = self.dir.join(SHARD_DIR);
        std::fs::create_dir_all(&shards).map_err(|e| Error::write(&shards, e))?;
        let written = self.changed.len();
        if let Some(related) = &self.related {
            write_sealed(&self.dir.join(RELATED_FILE), self.stamp, related)?;
        }
        let (dir, stamp) = (&self.dir, self.stamp);
        self.changed
            .into_par_iter()
            .map(|(n, mut records)| {
                // The same records in the same order give the same bytes.
                records.sort_unstable_by_key(|(k, _)| *k);
                records.dedup_by_key(|(k, _)| *k);
                write_sealed(&shard_path(dir, n), stamp, &records)
            })
            .collect::<Result<()>>()?;
        Ok(written)
    }
}

/// Which sheaf and which config made a record; see the module docs.
fn stamp(config: &Config) -> u128 {
    let mut h = Xxh3::new();
    FORMAT.hash(&mut h);
    env!("CARGO_PKG_VERSION").hash(&mut h);
    // A build of sheaf is told apart by its executable: a rebuilt binary
    // (a new version, or a developer's change) starts a new cache.
    executable().hash(&mut h);
    DerivedConfig::from(config).hash(&mut h);
    h.digest128()
}

/// A hash of the running executable's bytes, made once per process: the
/// same sheaf, however it was installed (package managers and
/// reproducible builds reset modification times), and any change to it.
/// Unreadable, it is a value no other run shares, so nothing is reused.
fn executable() -> u128 {
    static HASH: std::sync::OnceLock<u128> = std::sync::OnceLock::new();
    *HASH.get_or_init(|| {
        // In pieces: a debug build of sheaf is 170 MB.
        let hashed = std::env::current_exe()
            .and_then(std::fs::File::open)
            .and_then(|mut file| {
                use std::io::Read;
                let mut h = Xxh3::new();
                let mut buf = vec![0; 1 << 20];
                loop {
                    match file.read(&mut buf)? {
                        0 => return Ok(h.digest128()),
                        n => h.update(&buf[..n]),
                    }
                }
            });
        match hashed {
            Ok(hash) => hash,
            Err(_) => {
                let mut h = Xxh3::new();
                std::time::SystemTime::now().hash(&mut h);
                std::process::id().hash(&mut h);
                h.digest128()
            }
        }
    })
}

/// The folder of output manifests, in [`DIR`].
const OUTPUT_DIR: &str = "outputs";

/// Manifests kept: one per output folder built into, the least recently
/// written dropped beyond this.
const MAX_MANIFESTS: usize = 8;

/// What the last build with the cache wrote to `out_dir` (see
/// [`Manifest`]); empty when unknown.
pub(crate) fn load_manifest(root: &Path, out_dir: &Path) -> Manifest {
    let Some(path) = manifest_path(root, out_dir) else {
        return Manifest::default();
    };
    // Manifests describe files on disk, whichever sheaf wrote them: no
    // stamp but the format's. One without folders decodes only as such
    // (a shorter payload).
    read_sealed(&path, 0)
        .or_else(|| read_sealed::<ManifestV1>(&path, 0).map(Manifest::from))
        .unwrap_or_default()
}

/// Keeps the manifest of what a build just wrote to `out_dir`.
pub(crate) fn save_manifest(root: &Path, out_dir: &Path, manifest: &Manifest) -> Result<()> {
    let Some(path) = manifest_path(root, out_dir) else {
        return Ok(());
    };
    let dir = root.join(DIR).join(OUTPUT_DIR);
    std::fs::create_dir_all(&dir).map_err(|e| Error::write(&dir, e))?;
    write_sealed(&path, 0, manifest)?;
    // Benchmarks and previews build into many folders: keep the newest.
    keep_newest(&dir, MAX_MANIFESTS)
}

/// The folder of ownership records, in [`DIR`].
const OWNERS_DIR: &str = "owners";

/// Ownership records kept: one per output folder built into.
const MAX_OWNERS: usize = 32;

/// The first bytes of an ownership record. Its own format, not the
/// cache's [`FORMAT`]: a new cache format must not make sheaf forget which
/// folders are its own.
const OWNERS_MAGIC: &[u8; 16] = b"sheaf-owned-v1\n\0";

/// Which files in `out_dir` sheaf wrote (see [`crate::io::output::Owned`]):
/// the record the last build left, else, for a folder an older sheaf
/// built, the files its manifest lists; `None` when neither is there.
pub(crate) fn load_owned(root: &Path, out_dir: &Path) -> crate::io::output::Owned {
    let path = record_path(root, OWNERS_DIR, out_dir)?;
    if let Some(keys) = read_owned(&path) {
        return Some(keys.into_iter().collect());
    }
    let manifest = load_manifest(root, out_dir);
    (!manifest.is_empty()).then(|| manifest.paths().map(crate::io::output::owned_key).collect())
}

fn read_owned(path: &Path) -> Option<Vec<u64>> {
    let bytes = std::fs::read(path).ok()?;
    let rest = bytes.strip_prefix(OWNERS_MAGIC.as_slice())?;
    let (sum, keys) = rest.split_at_checked(8)?;
    if sum != xxhash_rust::xxh3::xxh3_64(keys).to_le_bytes() || keys.len() % 8 != 0 {
        return None;
    }
    Some(
        keys.chunks_exact(8)
            .filter_map(|k| k.try_into().ok().map(u64::from_le_bytes))
            .collect(),
    )
}

/// Records that sheaf wrote the files with these `keys` (sorted) into
/// `out_dir`, unless the record already says so. Kept even for builds
/// without the cache: it is what lets the next build clean the folder.
pub(crate) fn save_owned(
    root: &Path,
    out_dir: &Path,
    keys: &[u64],
    before: &crate::io::output::Owned,
) -> Result<()> {
    let Some(path) = record_path(root, OWNERS_DIR, out_dir) else {
        return Ok(());
    };
    let same = before
        .as_ref()
        .is_some_and(|b| b.len() == keys.len() && keys.iter().all(|k| b.contains(k)));
    if same && path.exists() {
        return Ok(());
    }
    let dir = root.join(DIR).join(OWNERS_DIR);
    std::fs::create_dir_all(&dir).map_err(|e| Error::write(&dir, e))?;
    let payload: Vec<u8> = keys.iter().flat_map(|k| k.to_le_bytes()).collect();
    let mut bytes = OWNERS_MAGIC.to_vec();
    bytes.extend_from_slice(&xxhash_rust::xxh3::xxh3_64(&payload).to_le_bytes());
    bytes.extend_from_slice(&payload);
    crate::io::fs::write_atomic(&path, &bytes)?;
    keep_newest(&dir, MAX_OWNERS)
}

/// Removes all but the `n` most recently written files of `dir`.
fn keep_newest(dir: &Path, n: usize) -> Result<()> {
    let mut kept: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(dir)
        .map_err(|e| Error::read(dir, e))?
        .filter_map(|item| {
            let path = item.ok()?.path();
            let modified = std::fs::metadata(&path).ok()?.modified().ok()?;
            Some((modified, path))
        })
        .collect();
    kept.sort();
    let surplus = kept.len().saturating_sub(n);
    for (_, old) in kept.into_iter().take(surplus) {
        let _ = std::fs::remove_file(old);
    }
    Ok(())
}

/// The file of the entries' hashes by their metadata, in [`DIR`].
const INPUTS_FILE: &str = "inputs.bin";

/// What the last builds hashed of the entry files (`io::load::InputHashes`):
/// by path relative to the root, its hash and the metadata it had before
/// it was read (only settled metadata, see `Stat::settled`), so a file
/// whose metadata is the same need not be read again. A checkout has new
/// metadata everywhere: its files are read, as without this.
pub(crate) type InputStats = HashMap<PathBuf, (u128, Stat)>;

/// The [`InputStats`] of the site at `root`; empty when missing or damaged.
pub(crate) fn load_input_stats(root: &Path) -> InputStats {
    read_sealed(&root.join(DIR).join(INPUTS_FILE), 0).unwrap_or_default()
}

/// Keeps the [`InputStats`] of the site at `root`.
pub(crate) fn save_input_stats(root: &Path, stats: &InputStats) -> Result<()> {
    let dir = root.join(DIR);
    std::fs::create_dir_all(&dir).map_err(|e| Error::write(&dir, e))?;
    write_sealed(&dir.join(INPUTS_FILE), 0, stats)
}

/// One file per output folder, named by a hash of its absolute path;
/// `None` when the folder does not exist (nothing to vouch for).
fn manifest_path(root: &Path, out_dir: &Path) -> Option<PathBuf> {
    record_path(root, OUTPUT_DIR, out_dir)
}

/// The file in `<root>/.sheaf-cache/<kind>/` about `out_dir`, named by a
/// hash of its absolute path; `None` when the folder does not exist.
fn record_path(root: &Path, kind: &str, out_dir: &Path) -> Option<PathBuf> {
    let absolute = out_dir.canonicalize().ok()?;
    let name = xxhash_rust::xxh3::xxh3_64(absolute.as_os_str().as_encoded_bytes());
    Some(root.join(DIR).join(kind).join(format!("{name:016x}.bin")))
}

/// Writes `value` with a header (format, stamp) and a checksum, so a
/// file from another sheaf, or damaged on disk, is never taken for data.
fn write_sealed(path: &Path, stamp: u128, value: &impl Serialize) -> Result<()> {
    let payload = encode(path, value)?;
    let sealed = encode(
        path,
        &(FORMAT, stamp, xxh3_128(&payload), payload.as_slice()),
    )?;
    crate::io::fs::write_atomic(path, &sealed)
}

fn encode(path: &Path, value: &impl Serialize) -> Result<Vec<u8>> {
    postcard::to_allocvec(value).map_err(|e| Error::write(path, std::io::Error::other(e)))
}

/// The value [`write_sealed`] wrote at `path` with this stamp; `None` when
/// the file is missing, from another format or stamp, or damaged.
fn read_sealed<T: serde::de::DeserializeOwned>(path: &Path, stamp: u128) -> Option<T> {
    let bytes = std::fs::read(path).ok()?;
    // The header first, borrowing the payload: a file from another sheaf
    // is rejected without decoding its records.
    let (format, file_stamp, checksum, payload) =
        postcard::from_bytes::<(u32, u128, u128, &[u8])>(&bytes).ok()?;
    if format != FORMAT || file_stamp != stamp || checksum != xxh3_128(payload) {
        return None;
    }
    postcard::from_bytes(payload).ok()
}

fn shard_of(key: Key) -> usize {
    (key >> 120) as usize % SHARDS
}

fn shard_path(dir: &Path, n: usize) -> PathBuf {
    dir.join(SHARD_DIR).join(format!("{n:02x}.bin"))
}

/// Removes what a killed sheaf left half-written (`fs::write_atomic`'s
/// temporary files), once old enough that no running build owns them.
fn sweep_temporaries(dir: &Path) {
    const OLD: std::time::Duration = std::time::Duration::from_secs(600);
    let Ok(items) = std::fs::read_dir(dir) else {
        return;
    };
    for item in items.flatten() {
        let temporary = item.file_name().to_string_lossy().starts_with(".tmp");
        let old = item
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > OLD));
        if temporary && old {
            let _ = std::fs::remove_file(item.path());
        }
    }
}

/// The records of one shard file, or none when it is missing, corrupt, or
/// from another sheaf or config.
fn read_shard(path: &Path, stamp: u128) -> Records {
    read_sealed(path, stamp).unwrap_or_default()
}

/// The folder of build records, in [`DIR`].
const BUILDS_DIR: &str = "builds";

/// What the last build with the cache made in an output folder, so the
/// next one can tell what it need not do again (`build::once`): which
/// inputs it read, by content hash, and what it reported. It goes with
/// the [`Manifest`] saved beside it (`manifest_made`): a record whose
/// manifest was not saved, or was replaced since, describes nothing.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Record {
    /// When the manifest of the folder this build left was made.
    pub(crate) manifest_made: (i64, i64),
    /// Everything the build read (every input, the options, sheaf).
    pub(crate) inputs: u128,
    /// What every page reads: the config, templates, static files, the
    /// options and sheaf.
    pub(crate) global: u128,
    /// Which pages exist and where each paper sits in every list.
    pub(crate) structure: u128,
    /// Each paper (in the site's order) with a hash of what its own pages
    /// show.
    pub(crate) papers: Vec<(String, u128)>,
    pub(crate) paper_count: usize,
    pub(crate) pages: usize,
    /// The build's warnings, as (error, file, line, message).
    pub(crate) warnings: Vec<(bool, PathBuf, Option<usize>, String)>,
    /// The day the warnings were made (as a Julian day number), and the
    /// first day they may differ on (an entry's date no longer in the
    /// future).
    pub(crate) day: i32,
    pub(crate) until: i32,
    /// Files in the folder that sheaf did not write, left alone.
    pub(crate) foreign: Vec<String>,
    /// The key of each paper's conversion (see [`Cache::key`]), to find
    /// what a changed paper was before.
    pub(crate) derived: Vec<Key>,
    /// The checksum of the search index saved with it ([`save_search`]);
    /// 0 for none.
    pub(crate) search: u128,
}

/// The record of the last build with the cache into `out_dir`, if it is
/// there and whole.
pub(crate) fn load_record(root: &Path, out_dir: &Path) -> Option<Record> {
    read_sealed(&record_path(root, BUILDS_DIR, out_dir)?, 0)
}

/// Keeps the record of the build just made into `out_dir`.
pub(crate) fn save_record(root: &Path, out_dir: &Path, record: &Record) -> Result<()> {
    let Some(path) = record_path(root, BUILDS_DIR, out_dir) else {
        return Ok(());
    };
    let dir = root.join(DIR).join(BUILDS_DIR);
    std::fs::create_dir_all(&dir).map_err(|e| Error::write(&dir, e))?;
    write_sealed(&path, 0, record)?;
    keep_newest(&dir, MAX_MANIFESTS)
}

/// A hash of what every page of a build reads besides the entries: the
/// inputs hashed in `global` (config, templates, static files), the
/// build's `options`, and the sheaf executable.
pub(crate) fn global_key(global: u128, options: &impl Hash) -> u128 {
    let mut h = Xxh3::new();
    FORMAT.hash(&mut h);
    env!("CARGO_PKG_VERSION").hash(&mut h);
    executable().hash(&mut h);
    global.hash(&mut h);
    options.hash(&mut h);
    h.digest128()
}

/// The folder of search indexes, in [`DIR`].
const SEARCH_DIR: &str = "search";

/// Keeps the search index of the build just made into `out_dir`, for the
/// next build to update; returns its checksum, which the build's
/// [`Record`] names it by (0 when it is not kept).
pub(crate) fn save_search(
    root: &Path,
    out_dir: &Path,
    index: &crate::produce::search::Index,
) -> Result<u128> {
    let Some(path) = record_path(root, SEARCH_DIR, out_dir) else {
        return Ok(0);
    };
    let dir = root.join(DIR).join(SEARCH_DIR);
    std::fs::create_dir_all(&dir).map_err(|e| Error::write(&dir, e))?;
    let payload = encode(&path, index)?;
    let checksum = xxh3_128(&payload);
    let sealed = encode(&path, &(FORMAT, 0u128, checksum, payload.as_slice()))?;
    crate::io::fs::write_atomic(&path, &sealed)?;
    keep_newest(&dir, MAX_MANIFESTS)?;
    Ok(checksum)
}

/// The search index [`save_search`] kept for `out_dir`, if it is the one
/// with this `checksum`.
pub(crate) fn load_search(
    root: &Path,
    out_dir: &Path,
    checksum: u128,
) -> Option<crate::produce::search::Index> {
    let bytes = std::fs::read(record_path(root, SEARCH_DIR, out_dir)?).ok()?;
    let (format, _, sum, payload) =
        postcard::from_bytes::<(u32, u128, u128, &[u8])>(&bytes).ok()?;
    if format != FORMAT || sum != checksum || checksum == 0 || xxh3_128(payload) != sum {
        return None;
    }
    postcard::from_bytes(payload).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_from_before_folders_were_recorded_is_still_read() {
        // As sheaf wrote it then: the files (hash; length, inode, change
        // time) and when it was made.
        type Stat = (u64, u64, i64, i64);
        #[derive(Serialize)]
        struct Old {
            files: HashMap<String, (u128, Stat)>,
            made: (i64, i64),
        }
        let dir = tempfile::tempdir().unwrap();
        let (root, out) = (dir.path().join("site"), dir.path().join("public"));
        std::fs::create_dir_all(&out).unwrap();
        let path = manifest_path(&root, &out).unwrap();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let old = Old {
            files: HashMap::from([("index.html".to_string(), (1, (2, 3, 4, 5)))]),
            made: (6, 7),
        };
        write_sealed(&path, 0, &old).unwrap();
        let manifest = load_manifest(&root, &out);
        assert_eq!(manifest.paths().collect::<Vec<_>>(), ["index.html"]);
        assert_eq!(manifest.made(), (6, 7));
        // And so the files in its folder stay sheaf's.
        assert!(load_owned(&root, &out).is_some_and(|o| o.len() == 1));
    }
}
