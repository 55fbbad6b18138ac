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

use crate::base::error::{Diagnostic, Error, Result, Severity};
use crate::input::config::Config;
use crate::input::content::{DatePrecision, Entry, Metrics, PartialDate, Status, Verdict};
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
const FORMAT: u32 = 4;

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
    /// The entries as parsed.
    parsed: Parsed,
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
        Cache::open_with(root, config, None)
    }

    /// [`Cache::open`], with the parsed entries when the entries' `hashes`
    /// are given (see [`Parsed`]).
    pub(crate) fn open_with(
        root: &Path,
        config: &Config,
        hashes: Option<&crate::io::load::InputHashes>,
    ) -> Cache {
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
        let parsed = match hashes {
            Some(hashes) => Parsed::open(&dir, parse_stamp(), hashes),
            None => Parsed::none(),
        };
        for folder in [
            dir.clone(),
            dir.join(SHARD_DIR),
            dir.join(OUTPUT_DIR),
            dir.join(ENTRY_DIR),
        ] {
            sweep_temporaries(&folder);
        }
        Cache {
            dir,
            stamp,
            records,
            loaded,
            related,
            parsed,
        }
    }

    /// The entries as the last builds parsed them.
    pub(crate) fn parsed(&self) -> &Parsed {
        &self.parsed
    }

    /// Writes the parsed entries that loading noted ([`Parsed::note`]),
    /// so their copies (every entry, Markdown and all, on a first build)
    /// are freed before the model, the build's peak, rather than held
    /// until [`Cache::save_in_background`]. Best effort, as that is.
    pub(crate) fn save_parsed(&mut self) {
        let pending = self.parsed.pending.get_mut().ok().and_then(Option::take);
        if let Some(parsed) = pending {
            parsed.write(&self.dir, parse_stamp());
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
    /// thread, given each paper's [`Cache::key`] (made while its Markdown
    /// was at hand): records of entries since edited or deleted are
    /// dropped, and only shards whose set of records changed are written
    /// (the thread returns how many were). The thread takes only what it
    /// writes from `site`: after a build that changed nothing, no
    /// conversion; and it lets go of each shard's once written. (A one-off
    /// build frees each paper's HTML once its page is written and no shard
    /// still to write holds it, `Site::forget_html`.)
    pub(crate) fn save_in_background(
        self,
        site: &Site,
        keys: &[Key],
    ) -> std::thread::JoinHandle<Result<usize>> {
        let plan = self.plan(site, keys);
        std::thread::spawn(move || plan.write())
    }

    /// What saving `site` writes: the shards whose set of records changed
    /// and those left empty, and the related papers when they are not the
    /// ones on disk already. The cache's own records are dropped.
    fn plan(mut self, site: &Site, keys: &[Key]) -> Save {
        debug_assert_eq!(keys.len(), site.papers.len());
        let key = site.related_key();
        let related = (self.related.as_ref().map(|(k, _)| *k) != Some(key)).then(|| Related {
            key,
            lists: site.related.clone(),
        });
        let mut shards: Vec<Records> = vec![Vec::new(); SHARDS];
        for (&key, p) in keys.iter().zip(&site.papers) {
            shards[shard_of(key)].push((key, p.derived.clone()));
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
            parsed: self.parsed.pending.get_mut().ok().and_then(Option::take),
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
    parsed: Option<ParsedSave>,
}

impl Save {
    fn write(mut self) -> Result<usize> {
        if let Some(parsed) = self.parsed.take() {
            parsed.write(&self.dir, parse_stamp());
        }
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
    write_payload(path, stamp, xxh3_128(&payload), &payload)
}

/// Writes what `encode(&(FORMAT, stamp, checksum, payload))` gives, as
/// the header then the payload, never copied into one buffer: postcard
/// prefixes a byte slice with its length as it encodes a `usize`, so the
/// header is the encoding of the tuple with the length in the slice's
/// place. The search index of 100,000 papers is 77 MB.
fn write_payload(path: &Path, stamp: u128, checksum: u128, payload: &[u8]) -> Result<()> {
    let header = encode(path, &(FORMAT, stamp, checksum, payload.len()))?;
    crate::io::fs::write_atomic_parts(path, &[&header, payload])
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
    /// A hash of each paper's entry without its notes, in the same order:
    /// what lists, BibTeX and `papers.json` show of it (`build::once`).
    pub(crate) cards: Vec<u128>,
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

/// The file [`save_search`] keeps the search index of `out_dir` in;
/// `None` when the folder does not exist.
pub(crate) fn search_file(root: &Path, out_dir: &Path) -> Option<PathBuf> {
    record_path(root, SEARCH_DIR, out_dir)
}

/// Keeps the search index of the build just made into the folder whose
/// [`search_file`] is `path`, for the next build to update; returns its
/// checksum, which the build's [`Record`] names it by.
pub(crate) fn save_search(path: &Path, index: &crate::produce::search::Index) -> Result<u128> {
    let dir = path.parent().unwrap_or(path);
    std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
    // Sized first: grown by doubling, the buffer of a 77 MB index (at
    // 100,000 papers) was copied as it grew, at the end of the build.
    let payload = postcard::experimental::serialized_size(index)
        .and_then(|size| postcard::to_extend(index, Vec::with_capacity(size)))
        .map_err(|e| Error::write(path, std::io::Error::other(e)))?;
    let checksum = xxh3_128(&payload);
    write_payload(path, 0, checksum, &payload)?;
    keep_newest(dir, MAX_MANIFESTS)?;
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

/// The folder of the parsed entries' shards, in [`DIR`].
const ENTRY_DIR: &str = "entries";

/// Parsed entries by the content hash of their file (`io::load`'s
/// `content_hash`: the path and the bytes), as a shard file holds them.
type ParsedRecords = Vec<(u128, ParsedEntry)>;

/// The entries of the last builds as parsed, so a build parses only the
/// entry files whose content changed (`io::load::read_entries` asks it
/// first). Kept in [`SHARDS`] files under `entries/`, by content hash, so
/// an edit rewrites one or two; stamped with the sheaf executable only, as
/// parsing reads nothing but the file. Entries whose parse failed are not
/// kept (a build stops on them anyway), nor those with a YAML tag in an
/// unknown key (a tag's spelling is not kept exactly).
pub(crate) struct Parsed {
    /// The content hash of each entry file by its name (relative to the
    /// root, as `Entry::source`), as hashed before loading.
    names: HashMap<PathBuf, u128>,
    /// The records, by shard, taken as they are used.
    shards: Vec<std::sync::Mutex<HashMap<u128, ParsedEntry>>>,
    /// The hashes each shard file held when loaded.
    loaded: Vec<HashSet<u128>>,
    /// The shards to write after loading ([`Parsed::note`]).
    pending: std::sync::Mutex<Option<ParsedSave>>,
    /// Whether the entries loaded were those hashed, file for file
    /// ([`Parsed::note`]).
    as_hashed: std::sync::atomic::AtomicBool,
}

/// An entry as parsed, with its warnings.
pub(crate) type EntryParsed<'a> = (&'a Entry, &'a [Diagnostic]);

/// What saving the parsed entries writes: the shards whose set of records
/// changed, and those left empty.
struct ParsedSave {
    empty: Vec<usize>,
    changed: Vec<(usize, ParsedRecords)>,
}

impl Parsed {
    /// Nothing known, nothing saved (a session, or a build whose inputs
    /// could not be hashed).
    fn none() -> Parsed {
        Parsed {
            names: HashMap::new(),
            shards: Vec::new(),
            loaded: Vec::new(),
            pending: std::sync::Mutex::new(None),
            as_hashed: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn open(dir: &Path, stamp: u128, hashes: &crate::io::load::InputHashes) -> Parsed {
        let shards: Vec<ParsedRecords> = (0..SHARDS)
            .into_par_iter()
            .map(|n| read_sealed(&entry_shard_path(dir, n), stamp).unwrap_or_default())
            .collect();
        let loaded = shards
            .iter()
            .map(|records| records.iter().map(|(k, _)| *k).collect())
            .collect();
        Parsed {
            names: hashes.entries.iter().cloned().collect(),
            shards: shards
                .into_iter()
                .map(|records| std::sync::Mutex::new(records.into_iter().collect()))
                .collect(),
            loaded,
            pending: std::sync::Mutex::new(None),
            as_hashed: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The content hash the file `name` had when hashed, if it was.
    pub(crate) fn hash_of(&self, name: &Path) -> Option<u128> {
        self.names.get(name).copied()
    }

    /// The entry and warnings parsed from a file with content hash `hash`,
    /// if kept; each is taken once.
    pub(crate) fn take(&self, hash: u128) -> Option<(Entry, Vec<Diagnostic>)> {
        let shard = self.shards.get(shard_of(hash))?;
        shard.lock().ok()?.remove(&hash)?.into_entry()
    }

    /// Whether the entries loaded were, file for file, those whose hashes
    /// it was opened with: the same files, each read (or taken from the
    /// cache) with the hash it had when hashed. Then a build's record may
    /// name those hashes as what its pages were made from without hashing
    /// the entries again.
    pub(crate) fn loaded_as_hashed(&self) -> bool {
        self.as_hashed.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Notes what the entry files read (by name, with the content hash of
    /// what was read, `None` when it could not be) parsed to, for the next
    /// save: the shards whose records changed are rewritten. Only for an
    /// opened cache (with the entries' hashes).
    pub(crate) fn note<'a>(
        &self,
        files: impl ExactSizeIterator<Item = (&'a Path, Option<u128>, Option<EntryParsed<'a>>)>,
    ) {
        if self.loaded.is_empty() {
            return;
        }
        let mut as_hashed = files.len() == self.names.len();
        let mut shards: Vec<Vec<(u128, &Entry, &[Diagnostic])>> = vec![Vec::new(); SHARDS];
        for (name, hash, parsed) in files {
            as_hashed &= hash.is_some() && hash == self.hash_of(name);
            // An entry that cannot be kept is not counted in its shard's
            // keys either, or that shard would differ from what was loaded
            // and be rewritten on every build.
            if let (Some(hash), Some((entry, warnings))) = (hash, parsed) {
                if ParsedEntry::can_keep(entry) {
                    shards[shard_of(hash)].push((hash, entry, warnings));
                }
            }
        }
        self.as_hashed
            .store(as_hashed, std::sync::atomic::Ordering::Relaxed);
        let empty = (0..SHARDS).filter(|&n| shards[n].is_empty()).collect();
        let changed = shards
            .into_iter()
            .enumerate()
            .filter(|(n, records)| {
                let keys: HashSet<u128> = records.iter().map(|(k, _, _)| *k).collect();
                !records.is_empty() && keys != self.loaded[*n]
            })
            .map(|(n, records)| {
                let records = records
                    .into_iter()
                    .filter_map(|(k, e, w)| Some((k, ParsedEntry::of(e, w)?)))
                    .collect();
                (n, records)
            })
            .collect();
        if let Ok(mut pending) = self.pending.lock() {
            *pending = Some(ParsedSave { empty, changed });
        }
    }
}

impl ParsedSave {
    /// Best effort: a shard not written is parsed again next time.
    fn write(self, dir: &Path, stamp: u128) {
        for &n in &self.empty {
            let _ = std::fs::remove_file(entry_shard_path(dir, n));
        }
        if self.changed.is_empty() || std::fs::create_dir_all(dir.join(ENTRY_DIR)).is_err() {
            return;
        }
        self.changed.into_par_iter().for_each(|(n, mut records)| {
            // The same records in the same order give the same bytes.
            records.sort_unstable_by_key(|(k, _)| *k);
            records.dedup_by_key(|(k, _)| *k);
            let _ = write_sealed(&entry_shard_path(dir, n), stamp, &records);
        });
    }
}

fn entry_shard_path(dir: &Path, n: usize) -> PathBuf {
    dir.join(ENTRY_DIR).join(format!("{n:02x}.bin"))
}

/// Which sheaf made a parsed entry: parsing reads only the file.
fn parse_stamp() -> u128 {
    let mut h = Xxh3::new();
    FORMAT.hash(&mut h);
    "parsed".hash(&mut h);
    env!("CARGO_PKG_VERSION").hash(&mut h);
    executable().hash(&mut h);
    h.digest128()
}

/// An [`Entry`] and its warnings as a shard keeps them: in a form
/// postcard encodes (no untagged YAML values, no skipped fields), made
/// field by field so a new field of [`Entry`] does not compile until it
/// is kept.
#[derive(Serialize, Deserialize)]
struct ParsedEntry {
    source: PathBuf,
    slug: String,
    title: String,
    /// Dates as Julian day numbers.
    date: i32,
    authors: Vec<String>,
    arxiv: Option<String>,
    url: Option<String>,
    code: Option<String>,
    themes: Option<Vec<String>>,
    tags: Vec<String>,
    featured: bool,
    draft: bool,
    status: Option<Status>,
    verdict: Option<Verdict>,
    abstract_md: String,
    notes_md: String,
    notes_line: usize,
    extra: Vec<(String, Yaml)>,
    arxiv_version: Option<u32>,
    doi: Option<String>,
    project: Option<String>,
    /// The first day and the precision (0 year, 1 month, 2 day).
    published: Option<(i32, u8)>,
    updated: Option<i32>,
    revised: Option<i32>,
    categories: Vec<String>,
    journal_ref: Option<String>,
    keywords: Vec<String>,
    metrics: Option<KeptMetrics>,
    bibtex_ids: Vec<String>,
    key_lines: Vec<(String, usize)>,
    /// (error, file, line, message).
    warnings: Vec<(bool, PathBuf, Option<usize>, String)>,
}

/// An entry's live figures: upvotes, stars, comments, as of.
type KeptMetrics = (Option<u64>, Option<u64>, Option<u64>, String);

/// A YAML value of an unknown key, untagged.
#[derive(Serialize, Deserialize)]
enum Yaml {
    Null,
    Bool(bool),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    String(String),
    Sequence(Vec<Yaml>),
    Mapping(Vec<(Yaml, Yaml)>),
}

impl Yaml {
    /// `None` for a tagged value.
    fn of(value: &serde_yaml::Value) -> Option<Yaml> {
        use serde_yaml::Value;
        Some(match value {
            Value::Null => Yaml::Null,
            Value::Bool(b) => Yaml::Bool(*b),
            Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => Yaml::Unsigned(u),
                (None, Some(i)) => Yaml::Signed(i),
                (None, None) => Yaml::Float(n.as_f64()?),
            },
            Value::String(s) => Yaml::String(s.clone()),
            Value::Sequence(items) => {
                Yaml::Sequence(items.iter().map(Yaml::of).collect::<Option<_>>()?)
            }
            Value::Mapping(map) => Yaml::Mapping(
                map.iter()
                    .map(|(k, v)| Some((Yaml::of(k)?, Yaml::of(v)?)))
                    .collect::<Option<_>>()?,
            ),
            Value::Tagged(_) => return None,
        })
    }

    fn into_value(self) -> serde_yaml::Value {
        use serde_yaml::Value;
        match self {
            Yaml::Null => Value::Null,
            Yaml::Bool(b) => Value::Bool(b),
            Yaml::Unsigned(u) => Value::Number(u.into()),
            Yaml::Signed(i) => Value::Number(i.into()),
            Yaml::Float(f) => Value::Number(f.into()),
            Yaml::String(s) => Value::String(s),
            Yaml::Sequence(items) => {
                Value::Sequence(items.into_iter().map(Yaml::into_value).collect())
            }
            Yaml::Mapping(pairs) => Value::Mapping(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k.into_value(), v.into_value()))
                    .collect(),
            ),
        }
    }
}

impl ParsedEntry {
    /// Whether [`ParsedEntry::of`] keeps the entry: its unknown keys' YAML
    /// can be written back exactly (no tags).
    fn can_keep(entry: &Entry) -> bool {
        entry.extra.values().all(|v| Yaml::of(v).is_some())
    }

    /// `None` when the entry cannot be kept exactly.
    fn of(entry: &Entry, warnings: &[Diagnostic]) -> Option<ParsedEntry> {
        let Entry {
            source,
            slug,
            title,
            date,
            authors,
            arxiv,
            url,
            code,
            themes,
            tags,
            featured,
            draft,
            status,
            verdict,
            abstract_md,
            notes_md,
            notes_line,
            extra,
            arxiv_version,
            doi,
            project,
            published,
            updated,
            revised,
            categories,
            journal_ref,
            keywords,
            metrics,
            bibtex_ids,
            key_lines,
        } = entry;
        Some(ParsedEntry {
            source: source.clone(),
            slug: slug.clone(),
            title: title.clone(),
            date: date.to_julian_day(),
            authors: authors.clone(),
            arxiv: arxiv.clone(),
            url: url.clone(),
            code: code.clone(),
            themes: themes.clone(),
            tags: tags.clone(),
            featured: *featured,
            draft: *draft,
            status: *status,
            verdict: *verdict,
            abstract_md: abstract_md.clone(),
            notes_md: notes_md.clone(),
            notes_line: *notes_line,
            extra: extra
                .iter()
                .map(|(k, v)| Some((k.clone(), Yaml::of(v)?)))
                .collect::<Option<_>>()?,
            arxiv_version: *arxiv_version,
            doi: doi.clone(),
            project: project.clone(),
            published: published.map(|p| {
                let precision = match p.precision() {
                    DatePrecision::Year => 0,
                    DatePrecision::Month => 1,
                    DatePrecision::Day => 2,
                };
                (p.first_day().to_julian_day(), precision)
            }),
            updated: updated.map(|d| d.to_julian_day()),
            revised: revised.map(|d| d.to_julian_day()),
            categories: categories.clone(),
            journal_ref: journal_ref.clone(),
            keywords: keywords.clone(),
            metrics: metrics
                .as_ref()
                .map(|m| (m.upvotes, m.stars, m.comments, m.as_of.clone())),
            bibtex_ids: bibtex_ids.clone(),
            // Sorted: a map's order changes from run to run, and a shard
            // of the same entries should be the same bytes.
            key_lines: {
                let mut lines: Vec<(String, usize)> =
                    key_lines.iter().map(|(k, l)| (k.clone(), *l)).collect();
                lines.sort_unstable();
                lines
            },
            warnings: warnings
                .iter()
                .map(|d| (d.is_error(), d.file.clone(), d.line, d.message.clone()))
                .collect(),
        })
    }

    /// `None` when a date is out of range (a damaged record).
    fn into_entry(self) -> Option<(Entry, Vec<Diagnostic>)> {
        let day = |d: i32| time::Date::from_julian_day(d).ok();
        let published = match self.published {
            None => None,
            Some((first, precision)) => {
                let precision = match precision {
                    0 => DatePrecision::Year,
                    1 => DatePrecision::Month,
                    2 => DatePrecision::Day,
                    _ => return None,
                };
                Some(PartialDate::new(day(first)?, precision))
            }
        };
        let optional = |d: Option<i32>| match d {
            Some(d) => day(d).map(Some),
            None => Some(None),
        };
        let entry = Entry {
            source: self.source,
            slug: self.slug,
            title: self.title,
            date: day(self.date)?,
            authors: self.authors,
            arxiv: self.arxiv,
            url: self.url,
            code: self.code,
            themes: self.themes,
            tags: self.tags,
            featured: self.featured,
            draft: self.draft,
            status: self.status,
            verdict: self.verdict,
            abstract_md: self.abstract_md,
            notes_md: self.notes_md,
            notes_line: self.notes_line,
            extra: self
                .extra
                .into_iter()
                .map(|(k, v)| (k, v.into_value()))
                .collect(),
            arxiv_version: self.arxiv_version,
            doi: self.doi,
            project: self.project,
            published,
            updated: optional(self.updated)?,
            revised: optional(self.revised)?,
            categories: self.categories,
            journal_ref: self.journal_ref,
            keywords: self.keywords,
            metrics: self
                .metrics
                .map(|(upvotes, stars, comments, as_of)| Metrics {
                    upvotes,
                    stars,
                    comments,
                    as_of,
                }),
            bibtex_ids: self.bibtex_ids,
            key_lines: self.key_lines.into_iter().collect(),
        };
        let warnings = self
            .warnings
            .into_iter()
            .map(|(error, file, line, message)| Diagnostic {
                severity: if error {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                file,
                line,
                message,
            })
            .collect();
        Some((entry, warnings))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_file_is_written_as_the_tuple_encodes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sealed.bin");
        // Lengths whose prefix takes one, two and three bytes.
        for len in [0, 5, 200, 70_000] {
            let value: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            write_sealed(&path, 7, &value).unwrap();
            let payload = encode(&path, &value).unwrap();
            let joined = encode(
                &path,
                &(FORMAT, 7u128, xxh3_128(&payload), payload.as_slice()),
            )
            .unwrap();
            assert_eq!(std::fs::read(&path).unwrap(), joined);
            assert_eq!(read_sealed::<Vec<u8>>(&path, 7), Some(value));
        }
    }

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

    /// An entry with every field set, an unknown key of each YAML kind and
    /// a warning.
    const RICH: &str = "---\ntitle: \"A: rich entry\"\ndate: 2025-05-07\nauthors: [Ada Lovelace, Alan Turing]\n\
arxiv: \"2504.03380\"\narxiv_version: 2\ndoi: \"10.1000/xyz\"\nurl: https://example.org/a\n\
code: https://example.org/c\nproject: https://example.org/p\npublished: 2020-07\nupdated: 2025-01-02\n\
revised: 2024-12-31\ncategories: [cs.LG]\njournal_ref: NeurIPS 2025\nkeywords: [a, b]\n\
metrics:\n  upvotes: 3\n  comments: 1\n  as_of: 2025-05-01\nthemes: [llm]\ntags: [x, y]\nfeatured: true\n\
draft: false\nstatus: reading\nverdict: must-read\nbibtex_ids: [old2020]\nabstract: An *abstract*.\n\
titel: typo\nmine:\n  n: -4\n  f: 2.5\n  big: 18446744073709551615\n  none: ~\n  list: [true, \"s\", {k: v}]\n\
---\nThe notes.\n";

    fn round_trip(text: &str) -> Option<(Entry, Vec<Diagnostic>)> {
        let (entry, warnings) =
            crate::input::content::parse_entry(Path::new("content/papers/a.md"), text).unwrap();
        let kept = ParsedEntry::of(&entry, &warnings)?;
        let bytes = postcard::to_allocvec(&kept).unwrap();
        let back = postcard::from_bytes::<ParsedEntry>(&bytes)
            .unwrap()
            .into_entry();
        assert_eq!(back, Some((entry, warnings)));
        back
    }

    #[test]
    fn a_parsed_entry_is_kept_as_it_was_parsed() {
        let (entry, warnings) = round_trip(RICH).unwrap();
        // What the entry holds, so the round trip above covers it.
        assert!(entry.published.is_some() && entry.metrics.is_some());
        assert_eq!(entry.extra.len(), 2);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        round_trip("---\ntitle: T\ndate: 2025-05-07\npublished: 2020\n---\n").unwrap();
        // A YAML tag is not kept (its spelling would not be exact).
        let (tagged, w) = crate::input::content::parse_entry(
            Path::new("a.md"),
            "---\ntitle: T\ndate: 2025-05-07\nmine: !thing 3\n---\n",
        )
        .unwrap();
        assert!(ParsedEntry::of(&tagged, &w).is_none());
    }

    #[test]
    fn entries_are_read_from_the_parsed_cache_by_content_hash_only() {
        let (_dir, root, papers) = crate::io::load::test_site();
        std::fs::write(papers.join("a.md"), RICH).unwrap();
        std::fs::write(
            papers.join("b.md"),
            "---\ntitle: B\ndate: 2025-05-07\n---\nB.\n",
        )
        .unwrap();
        std::fs::write(papers.join("c.md"), "---\ntitle: [\n---\n").unwrap();
        let config = crate::io::load::config(&root).unwrap();
        let parse = || crate::io::load::read_entries(&root, &papers, false, None).0;
        let read =
            |parsed: &Parsed| crate::io::load::read_entries(&root, &papers, false, Some(parsed)).0;
        let parsed_of = |files: &[crate::io::load::EntryFile]| {
            files.iter().map(|f| f.parsed.clone()).collect::<Vec<_>>()
        };
        let save = |parsed: Parsed| {
            if let Some(save) = parsed.pending.into_inner().unwrap() {
                save.write(&root.join(DIR), parse_stamp());
            }
        };
        let hashes = crate::io::load::InputHashes::of(&config).unwrap();
        // Nothing kept yet: every file parsed, the good ones noted.
        let first = Parsed::open(&root.join(DIR), parse_stamp(), &hashes);
        assert_eq!(parsed_of(&read(&first)), parsed_of(&parse()));
        assert!(first.loaded_as_hashed());
        save(first);
        let kept = Parsed::open(&root.join(DIR), parse_stamp(), &hashes);
        assert_eq!(
            kept.shards
                .iter()
                .map(|s| s.lock().unwrap().len())
                .sum::<usize>(),
            2
        );
        // Kept: the same values as a parse.
        assert_eq!(parsed_of(&read(&kept)), parsed_of(&parse()));
        // The cache answers by the hash taken before loading: a file
        // changed since is what it was when hashed (as here, where the
        // hashes are the old ones), so a build's record names it rightly.
        std::fs::write(
            papers.join("b.md"),
            "---\ntitle: B2\ndate: 2025-05-07\n---\nB.\n",
        )
        .unwrap();
        let stale = Parsed::open(&root.join(DIR), parse_stamp(), &hashes);
        let files = read(&stale);
        assert_eq!(files[1].parsed.as_ref().unwrap().0.title, "B");
        assert!(stale.loaded_as_hashed());
        // Hashed again, the new text is parsed, and saved in its shard.
        let hashes = crate::io::load::InputHashes::of(&config).unwrap();
        let fresh = Parsed::open(&root.join(DIR), parse_stamp(), &hashes);
        assert_eq!(parsed_of(&read(&fresh)), parsed_of(&parse()));
        save(fresh);
        // Damaged shards count as empty: every file is parsed again.
        for item in std::fs::read_dir(root.join(DIR).join(ENTRY_DIR)).unwrap() {
            std::fs::write(item.unwrap().path(), "garbage").unwrap();
        }
        let damaged = Parsed::open(&root.join(DIR), parse_stamp(), &hashes);
        assert!(damaged.shards.iter().all(|s| s.lock().unwrap().is_empty()));
        assert_eq!(parsed_of(&read(&damaged)), parsed_of(&parse()));
        assert!(damaged.loaded_as_hashed());
        // A file read with other bytes than it was hashed with, or one
        // more file: the entries are not those hashed.
        std::fs::write(
            papers.join("b.md"),
            "---\ntitle: B3\ndate: 2025-05-07\n---\nB.\n",
        )
        .unwrap();
        let changed = Parsed::open(&root.join(DIR), parse_stamp(), &hashes);
        assert_eq!(read(&changed)[1].parsed.as_ref().unwrap().0.title, "B3");
        assert!(!changed.loaded_as_hashed());
        let hashes = crate::io::load::InputHashes::of(&config).unwrap();
        std::fs::write(
            papers.join("d.md"),
            "---\ntitle: D\ndate: 2025-05-07\n---\n",
        )
        .unwrap();
        let added = Parsed::open(&root.join(DIR), parse_stamp(), &hashes);
        read(&added);
        assert!(!added.loaded_as_hashed());
    }
}
