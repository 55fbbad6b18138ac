//! Stage one of a build: read and validate every input.
//!
//! Everything a build needs from the disk is read here (config, entries,
//! templates, static files) and nowhere else, so that later stages are pure
//! functions of [`Inputs`]. Entries parse in parallel; every problem in every
//! file is collected before giving up.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::base::error::{Diagnostic, Error, Result};
use crate::input::config::Config;
use crate::input::content::{parse_entry, Entry};
use crate::input::inputs::{Inputs, StaticFile, TemplateFile};
use crate::io::output::Stat;

/// Reads and validates `<root>/site-config.yaml`.
pub fn config(root: &Path) -> Result<Config> {
    let path = root.join(crate::base::paths::CONFIG_FILE);
    let text = match crate::io::fs::read_text(&path) {
        Err(Error::Read { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::NotADigest {
                root: root.to_path_buf(),
            })
        }
        read => read?,
    };
    let ejected =
        crate::io::fs::is_folder(&root.join(crate::input::config::THEME_DIR).join("templates"))
            .ok()
            .flatten()
            .unwrap_or(false);
    Config::parse(root, &path, &text, ejected).map_err(Error::Invalid)
}

/// Reads the site of `config` (loaded already, so command-line overrides
/// apply). Fails only when the disk fails; problems in files are collected
/// in [`Inputs::diagnostics`].
pub fn load(config: Config) -> Result<Inputs> {
    load_with(config, None)
}

/// [`load`], with the cache's parsed entries (see [`read_entries`]).
pub(crate) fn load_with(
    config: Config,
    parsed: Option<&crate::io::cache::Parsed>,
) -> Result<Inputs> {
    let root = config.root.clone();
    let mut diagnostics = Vec::new();
    let (entries, mut entry_diags) = load_entries_with(&root, &config.papers_dir(), parsed);
    diagnostics.append(&mut entry_diags);

    let theme_dir = config.theme_dir();
    if let Some(theme_dir) = theme_dir.filter(|d| !d.join("templates").is_dir()) {
        diagnostics.push(Diagnostic::error(
            root.join(crate::input::config::CONFIG_FILE),
            crate::base::error::line_of(
                &std::fs::read_to_string(root.join(crate::input::config::CONFIG_FILE))
                    .unwrap_or_default(),
                "templates:",
            ),
            format!(
                "the visual theme folder {} has no templates/ folder",
                theme_dir.display()
            ),
        ));
    }
    let templates = load_templates(&config, &mut diagnostics);
    let static_files = load_static(&config, &mut diagnostics);

    Ok(Inputs {
        config,
        entries,
        templates,
        static_files,
        diagnostics,
    })
}

/// The templates of the visual theme, with the site's own `templates/`
/// overriding them file by file.
pub(crate) fn load_templates(
    config: &Config,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<TemplateFile> {
    overlaid(config, "templates", diagnostics, read_templates, |t| {
        &t.name
    })
}

/// The static files of the visual theme, with the site's own `static/`
/// overriding them file by file.
pub(crate) fn load_static(config: &Config, diagnostics: &mut Vec<Diagnostic>) -> Vec<StaticFile> {
    overlaid(config, "static", diagnostics, read_static, |s| &s.out_path)
}

/// The files of the theme's `folder` (from the disk, or from the binary
/// for the built-in theme), then the site's own `folder`, whose files
/// replace the theme's of the same `name`.
fn overlaid<T>(
    config: &Config,
    folder: &str,
    diagnostics: &mut Vec<Diagnostic>,
    read: fn(&Path, &Path, &mut Vec<Diagnostic>) -> Vec<T>,
    name: fn(&T) -> &String,
) -> Vec<T>
where
    T: Builtin,
{
    let root = &config.root;
    let mut files = match config.theme_dir() {
        Some(dir) => read(root, &dir.join(folder), diagnostics),
        None => crate::input::theme::DEFAULT_THEME
            .iter()
            .filter_map(|(path, bytes)| {
                let name = path.strip_prefix(folder)?.strip_prefix('/')?;
                Some(T::builtin(name, path, bytes))
            })
            .collect(),
    };
    for over in read(root, &root.join(folder), diagnostics) {
        files.retain(|f| name(f) != name(&over));
        files.push(over);
    }
    files
}

/// A theme file made from a file of the built-in theme.
trait Builtin {
    /// `name` inside its folder, `path` inside the theme.
    fn builtin(name: &str, path: &str, bytes: &'static [u8]) -> Self;
}

/// Where messages place a file of the built-in theme: it has none on disk.
const BUILTIN_PLACE: &str = "(sheaf's built-in theme)";

impl Builtin for TemplateFile {
    fn builtin(name: &str, path: &str, bytes: &'static [u8]) -> Self {
        TemplateFile {
            name: name.to_string(),
            path: Path::new(BUILTIN_PLACE).join(path),
            // The theme's files are checked as UTF-8 when they are built
            // in (tests/init.rs); a lossy read only guards the impossible.
            text: String::from_utf8_lossy(bytes).into_owned(),
        }
    }
}

impl Builtin for StaticFile {
    fn builtin(name: &str, _path: &str, bytes: &'static [u8]) -> Self {
        StaticFile {
            out_path: name.to_string(),
            bytes: bytes.to_vec(),
        }
    }
}

/// The path of `path` relative to the site root, for messages that a
/// curator can paste into an editor.
pub(crate) fn display_path(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

/// One entry file as read from the disk.
#[derive(Debug)]
pub(crate) struct EntryFile {
    /// Where it is on disk.
    pub(crate) path: PathBuf,
    /// Its text, when asked for and readable.
    pub(crate) text: Option<String>,
    /// The entry and its warnings, or every error it has (named by the
    /// path relative to the site root, as every message is).
    pub(crate) parsed: std::result::Result<(Entry, Vec<Diagnostic>), Vec<Diagnostic>>,
}

/// The entry files under `dir` (the papers folder), in name order, with a
/// warning for each symbolic link skipped. This is the one listing of
/// entries: build, check, import and `new` all see the same files.
/// Symbolic links count when they lead to a file inside the site, as in a
/// theme's `static/`; hidden files (temporary ones among them) never count.
pub(crate) fn entry_paths(
    root: &Path,
    dir: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<PathBuf> {
    let site = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut paths = Vec::new();
    let walk = WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|item| item.depth() == 0 || !is_hidden(item.file_name()));
    for item in walk {
        match item {
            // The walk knows the file type already: only links need more.
            Ok(item)
                if item.file_type().is_file()
                    && item.path().extension().is_some_and(|x| x == "md") =>
            {
                paths.push(item.into_path());
            }
            // A link to a folder is not followed (a loop, a folder outside
            // the site): said, so no entry goes missing without a word.
            Ok(item)
                if item.path_is_symlink()
                    && item.path().extension().is_none_or(|x| x != "md")
                    && !is_hidden(item.file_name()) =>
            {
                let why = match std::fs::metadata(item.path()) {
                    Ok(m) if m.is_dir() => {
                        "a symbolic link to a folder: sheaf does not follow it, so its entries are not read"
                    }
                    Ok(_) => continue, // a link to a file that is not an entry
                    Err(_) => "a symbolic link that loops or leads nowhere",
                };
                diagnostics.push(Diagnostic::warning(
                    display_path(root, item.path()),
                    None,
                    format!("skipped: {why}"),
                ));
            }
            Ok(item) if item.path_is_symlink() => {
                match is_entry_file(root, &site, dir, item.path()) {
                    Ok(true) => paths.push(item.path().to_path_buf()),
                    Ok(false) => {}
                    Err(warning) => diagnostics.push(warning),
                }
            }
            Ok(_) => {}
            Err(e) if dir.exists() => diagnostics.push(Diagnostic::error(
                display_path(root, e.path().unwrap_or(dir)),
                None,
                format!("cannot read: {e}"),
            )),
            Err(_) => {}
        }
    }
    paths
}

/// Files and folders whose names start with a dot are not entries:
/// editors' lock and swap files, `.git`, temporary files.
fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().starts_with(b".")
}

/// Whether `path`, under the papers folder `dir`, is an entry to read: a
/// `*.md` file, or a symbolic link to one inside the site (`site` is the
/// canonical site root), not hidden. A link that loops, leads nowhere,
/// leads outside the site or to a folder is skipped with a warning.
pub(crate) fn is_entry_file(
    root: &Path,
    site: &Path,
    dir: &Path,
    path: &Path,
) -> std::result::Result<bool, Diagnostic> {
    let hidden = match path.strip_prefix(dir) {
        Ok(inside) => inside.components().any(|c| is_hidden(c.as_os_str())),
        Err(_) => path.file_name().is_some_and(is_hidden),
    };
    if hidden || path.extension().is_none_or(|x| x != "md") {
        return Ok(false);
    }
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(false); // gone
    };
    if !meta.file_type().is_symlink() {
        return Ok(meta.is_file());
    }
    let skipped =
        |why: &str| Diagnostic::warning(display_path(root, path), None, format!("skipped: {why}"));
    match symlink_target(site, path) {
        Ok(target) if target.is_file() => Ok(true),
        Ok(_) => Err(skipped("a symbolic link to a folder, not an entry file")),
        Err(why) => Err(skipped(why)),
    }
}

/// Where a symbolic link leads, when that is inside `site` (canonical).
fn symlink_target(site: &Path, path: &Path) -> std::result::Result<PathBuf, &'static str> {
    match path.canonicalize() {
        Ok(target) if target.starts_with(site) => Ok(target),
        Ok(_) => Err("a symbolic link to a place outside the site"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err("a symbolic link to nothing (its target does not exist)")
        }
        Err(_) => Err("a symbolic link that loops or cannot be followed"),
    }
}

/// Reads and parses one entry file; `keep_text` keeps its text (import
/// rewrites it), which a build does not need.
pub(crate) fn read_entry(root: &Path, path: &Path, keep_text: bool) -> EntryFile {
    read_entry_hashed(root, path, keep_text, false).0
}

/// [`read_entry`], with the [`content_hash`] of what it parsed when `hash`
/// is asked and the file was read.
fn read_entry_hashed(
    root: &Path,
    path: &Path,
    keep_text: bool,
    hash: bool,
) -> (EntryFile, Option<u128>) {
    let shown = display_path(root, path);
    let mut hashed = None;
    let mut seen = |bytes: &[u8]| {
        if hash {
            hashed = Some(content_hash(&shown, bytes));
        }
    };
    let (text, parsed) = match crate::io::fs::read_text_seen(path, &mut seen) {
        Ok(text) => {
            let parsed = parse_entry(&shown, &text);
            (keep_text.then_some(text), parsed)
        }
        Err(Error::Invalid(d)) => (
            None,
            Err(d
                .into_iter()
                .map(|d| Diagnostic {
                    file: shown.clone(),
                    ..d
                })
                .collect()),
        ),
        Err(e) => (
            None,
            Err(vec![Diagnostic::error(
                &shown,
                None,
                crate::base::error::chain(&e),
            )]),
        ),
    };
    let file = EntryFile {
        path: path.to_path_buf(),
        text,
        parsed,
    };
    (file, hashed)
}

/// The hash of an entry file by content: its name (relative to the root)
/// and its bytes. What [`InputHashes`] records and the parsed entries
/// (`cache::Parsed`) are kept by.
fn content_hash(name: &Path, bytes: &[u8]) -> u128 {
    use std::hash::Hash;
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    name.hash(&mut h);
    h.update(bytes);
    h.digest128()
}

/// Every entry file under `dir`, read and parsed in parallel, with the
/// listing's own findings (skipped links, unreadable folders). With
/// `parsed` (a build with the cache), a file whose content hash, as hashed
/// before loading, is one the cache parsed before is not read: its entry
/// and warnings are the cache's, the same values as a parse (only an
/// entry parsed without errors is kept); every other is read and parsed,
/// and what they all parsed to is noted for the cache to save.
pub(crate) fn read_entries(
    root: &Path,
    dir: &Path,
    keep_text: bool,
    parsed: Option<&crate::io::cache::Parsed>,
) -> (Vec<EntryFile>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    // An import killed while moving its files into place is finished
    // first, so every reader sees all of it or none.
    if let Err(e) = crate::io::journal::recover(dir) {
        diagnostics.push(Diagnostic::error(
            display_path(root, crate::io::journal::staging_parent(dir)),
            None,
            format!(
                "cannot finish an interrupted import: {}",
                crate::base::error::chain(&e)
            ),
        ));
    }
    let paths = entry_paths(root, dir, &mut diagnostics);
    let Some(cache) = parsed.filter(|_| !keep_text) else {
        let files = paths
            .par_iter()
            .with_max_len(64) // Small pieces (see ARCHITECTURE.md, "Parallel loops").
            .map(|path| read_entry(root, path, keep_text))
            .collect();
        return (files, diagnostics);
    };
    let (files, hashes): (Vec<EntryFile>, Vec<(PathBuf, Option<u128>)>) = paths
        .par_iter()
        .with_max_len(64)
        .map(|path| {
            let name = display_path(root, path);
            let kept = cache
                .hash_of(&name)
                .and_then(|hash| Some((hash, cache.take(hash)?)));
            match kept {
                Some((hash, entry)) => {
                    let file = EntryFile {
                        path: path.clone(),
                        text: None,
                        parsed: Ok(entry),
                    };
                    (file, (name, Some(hash)))
                }
                None => {
                    let (file, hash) = read_entry_hashed(root, path, false, true);
                    (file, (name, hash))
                }
            }
        })
        .unzip();
    cache.note(files.iter().zip(&hashes).map(|(file, (name, hash))| {
        let parsed = file.parsed.as_ref().ok();
        (
            name.as_path(),
            *hash,
            parsed.map(|(entry, warnings)| (entry, warnings.as_slice())),
        )
    }));
    (files, diagnostics)
}

/// Every entry in the papers folder (and below), parsed in parallel, with
/// every problem found: in the files, and two files that would be the same
/// page.
pub fn load_entries(root: &Path, dir: &Path) -> (Vec<Arc<Entry>>, Vec<Diagnostic>) {
    load_entries_with(root, dir, None)
}

/// [`load_entries`], with the cache's parsed entries (see [`read_entries`]).
fn load_entries_with(
    root: &Path,
    dir: &Path,
    parsed: Option<&crate::io::cache::Parsed>,
) -> (Vec<Arc<Entry>>, Vec<Diagnostic>) {
    let (files, mut diagnostics) = read_entries(root, dir, false, parsed);
    let mut entries = Vec::with_capacity(files.len());
    for file in files {
        match file.parsed {
            Ok((entry, mut warnings)) => {
                diagnostics.append(&mut warnings);
                entries.push(Arc::new(entry));
            }
            Err(mut errors) => diagnostics.append(&mut errors),
        }
    }
    diagnostics.extend(slug_clashes(&entries));
    (entries, diagnostics)
}

/// How every slug-clash message starts, so a rebuild can drop the old
/// ones before it looks again.
pub(crate) const SLUG_CLASH: &str = "two entries for one page:";

/// Entries whose file names (in different folders) give the same slug,
/// hence the same page: an error on the later file naming both.
pub(crate) fn slug_clashes(entries: &[Arc<Entry>]) -> Vec<Diagnostic> {
    let mut first: std::collections::HashMap<&str, &Entry> = std::collections::HashMap::new();
    let mut out = Vec::new();
    for e in entries {
        match first.entry(e.slug.as_str()) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(e);
            }
            std::collections::hash_map::Entry::Occupied(o) => {
                let (a, b) = if o.get().source <= e.source {
                    (&o.get().source, &e.source)
                } else {
                    (&e.source, &o.get().source)
                };
                out.push(Diagnostic::error(
                    b,
                    Some(1),
                    format!(
                        "{SLUG_CLASH} {} and {} both have the slug `{}` (the page papers/{}/); rename one",
                        a.display(),
                        b.display(),
                        e.slug,
                        e.slug
                    ),
                ));
            }
        }
    }
    out
}

/// Every file under `dir` with its `/`-separated name. Symbolic links are
/// followed only when they point inside the site root: a theme must not be
/// able to publish `/etc` by linking to it.
fn files_under(
    root: &Path,
    dir: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<(String, PathBuf)> {
    if !dir.is_dir() {
        return Vec::new();
    }
    let site = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut out = Vec::new();
    for item in WalkDir::new(dir).follow_links(false).sort_by_file_name() {
        let item = match item {
            Ok(item) => item,
            Err(e) => {
                diagnostics.push(Diagnostic::error(
                    e.path().unwrap_or(dir),
                    None,
                    format!("cannot read: {e}"),
                ));
                continue;
            }
        };
        let path = item.path();
        let is_file = if item.path_is_symlink() {
            match symlink_target(&site, path) {
                Ok(target) => target.is_file(),
                Err(why) => {
                    diagnostics.push(Diagnostic::warning(path, None, format!("skipped: {why}")));
                    false
                }
            }
        } else {
            item.file_type().is_file()
        };
        if is_file {
            let rel = path.strip_prefix(dir).unwrap_or(path);
            let name = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push((name, path.to_path_buf()));
        }
    }
    out
}

fn read_templates(root: &Path, dir: &Path, diagnostics: &mut Vec<Diagnostic>) -> Vec<TemplateFile> {
    files_under(root, dir, diagnostics)
        .into_iter()
        .filter_map(|(name, path)| match crate::io::fs::read_text(&path) {
            Ok(text) => Some(TemplateFile { name, path, text }),
            Err(e) => {
                diagnostics.extend(match e {
                    Error::Invalid(d) => d,
                    other => vec![Diagnostic::error(
                        &path,
                        None,
                        crate::base::error::chain(&other),
                    )],
                });
                None
            }
        })
        .collect()
}

fn read_static(root: &Path, dir: &Path, diagnostics: &mut Vec<Diagnostic>) -> Vec<StaticFile> {
    files_under(root, dir, diagnostics)
        .into_iter()
        .filter_map(|(out_path, path)| match std::fs::read(&path) {
            Ok(bytes) => Some(StaticFile { out_path, bytes }),
            Err(e) => {
                diagnostics.push(Diagnostic::error(&path, None, format!("cannot read: {e}")));
                None
            }
        })
        .collect()
}

/// Hashes of everything a build of `config` reads, taken without parsing
/// anything, so a build can tell cheaply what changed since the last one
/// (`build::once`). Content only, never file times: a fresh checkout (new
/// times, as in CI) hashes the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InputHashes {
    /// The config file, and the templates and static files of the site and
    /// of its theme folder (the built-in theme is part of the executable,
    /// which the caller hashes).
    pub(crate) global: u128,
    /// Every entry file, as [`entry_paths`] lists them (relative to the
    /// root, as `Entry::source` names them), with a hash of its path and
    /// bytes.
    pub(crate) entries: Vec<(PathBuf, u128)>,
}

impl InputHashes {
    /// The [`InputHashes`] of the site of `config`; `None` when reading finds
    /// anything a full load would report (an unreadable file, a skipped link,
    /// an import to finish), which only a full build can.
    pub(crate) fn of(config: &Config) -> Option<InputHashes> {
        let root = &config.root;
        let papers = config.papers_dir();
        if !crate::io::journal::staging_dirs(&papers).is_empty() {
            return None; // an import to finish, or running: read_entries sees to it
        }
        let mut diagnostics = Vec::new();
        let paths = entry_paths(root, &papers, &mut diagnostics);
        // A file whose metadata is what it was when last hashed is the file
        // hashed then (see `cache::InputStats`); any other is read.
        let known = crate::io::cache::load_input_stats(root);
        let now = crate::io::output::now();
        let hashed = |name: &Path, path: &Path| -> Option<(u128, Option<Stat>)> {
            // Taken before reading: a change after it gives other metadata.
            let stat = Stat::of(path);
            if let (Some(stat), Some((hash, was))) = (stat, known.get(name)) {
                if *was == stat {
                    return Some((*hash, Some(stat)));
                }
            }
            let bytes = std::fs::read(path).ok()?;
            Some((content_hash(name, &bytes), stat.filter(|s| s.settled(now))))
        };
        let entries: Option<Vec<(PathBuf, u128, Option<Stat>)>> = paths
            .par_iter()
            .with_max_len(64) // Small pieces (see ARCHITECTURE.md, "Parallel loops").
            .map(|path| {
                let name = display_path(root, path);
                let (hash, stat) = hashed(&name, path)?;
                Some((name, hash, stat))
            })
            .collect();
        let entries = entries?;
        let stats: crate::io::cache::InputStats = entries
            .iter()
            .filter_map(|(name, hash, stat)| Some((name.clone(), (*hash, (*stat)?))))
            .collect();
        if stats != known {
            // Best effort: without it, the files are read next time.
            let _ = crate::io::cache::save_input_stats(root, &stats);
        }
        let entries = entries
            .into_iter()
            .map(|(name, hash, _)| (name, hash))
            .collect();
        if !diagnostics.is_empty() {
            return None;
        }
        Some(InputHashes {
            global: InputHashes::global_of(config)?,
            entries,
        })
    }

    /// [`InputHashes::global`] of the site of `config`, alone.
    pub(crate) fn global_of(config: &Config) -> Option<u128> {
        use std::hash::Hash;
        use xxhash_rust::xxh3::{xxh3_128, Xxh3};
        let root = &config.root;
        let mut diagnostics = Vec::new();
        let mut h = Xxh3::new();
        xxh3_128(&std::fs::read(root.join(crate::input::config::CONFIG_FILE)).ok()?).hash(&mut h);
        let mut folders = vec![root.join("templates"), root.join("static")];
        if let Some(theme) = config.theme_dir() {
            // Its templates folder must exist; a full load says so if not.
            theme.join("templates").is_dir().hash(&mut h);
            folders.push(theme.join("templates"));
            folders.push(theme.join("static"));
        }
        for folder in &folders {
            folder.hash(&mut h);
            for (name, path) in files_under(root, folder, &mut diagnostics) {
                name.hash(&mut h);
                xxh3_128(&std::fs::read(&path).ok()?).hash(&mut h);
            }
        }
        diagnostics.is_empty().then(|| h.digest128())
    }
}

/// A site with a one-theme config and an empty papers folder, in a
/// temporary folder (kept while the first value lives), for the io
/// layer's own tests: its root (canonical) and its papers folder.
#[cfg(test)]
pub(crate) fn test_site() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(
        root.join(crate::input::config::CONFIG_FILE),
        "title: T\nbase_url: https://example.org/\nthemes:\n  - id: llm\n    title: LLM\n",
    )
    .unwrap();
    let papers = root.join("content/papers");
    std::fs::create_dir_all(&papers).unwrap();
    (dir, root, papers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn an_entry_is_read_unless_its_metadata_is_as_when_it_was_hashed() {
        let (_dir, root, papers) = test_site();
        std::fs::write(papers.join("a.md"), "one").unwrap();
        let config = config(&root).unwrap();
        let hashes = || InputHashes::of(&config).unwrap().entries;
        let first = hashes();
        let name = PathBuf::from("content/papers/a.md");
        assert_eq!(first.len(), 1);
        // Just written: its metadata is not settled, so none is recorded.
        assert!(crate::io::cache::load_input_stats(&root).is_empty());
        // A record for the file as it is (here, to show it, with another
        // hash) is what decides: the file is not read.
        let stat = Stat::of(&papers.join("a.md")).unwrap();
        let lying = crate::io::cache::InputStats::from([(name.clone(), (7, stat))]);
        crate::io::cache::save_input_stats(&root, &lying).unwrap();
        assert_eq!(hashes(), [(name.clone(), 7)]);
        // Edited (same length): other metadata, so it is read and hashed.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(papers.join("a.md"), "two").unwrap();
        let edited = hashes();
        assert!(edited[0].1 != 7 && edited[0].1 != first[0].1);
        // A damaged record counts as none.
        let file = root.join(crate::io::cache::DIR).join("inputs.bin");
        std::fs::write(&file, "garbage").unwrap();
        assert_eq!(hashes(), edited);
    }
}
