//! Bringing papers in from where curators find them.
//!
//! Each source format has its own module that turns a file into
//! [`Record`]s; this module cleans them (see [`clean`]), decides which are
//! new, and writes entries through [`crate::content`]. Importers never touch
//! rendering. A file with a bad record writes nothing.

pub mod arxiv_id;
mod bibtex;
pub mod clean;
mod hf;
mod record;
mod trending;

pub use arxiv_id::ArxivId;
pub use record::{Metrics, Parsed, Record};

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use time::Date;

use crate::config::Config;
use crate::content::{parse_entry, render_entry, slug_for_title, unique_slug, NewEntry};
use crate::error::{Diagnostic, Error, Result};
use crate::yaml;

/// The source formats sheaf reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A text dump of a "trending papers" page: title line, abstract line.
    Trending,
}

impl Format {
    /// Guesses the format from a file's text.
    pub fn detect(text: &str) -> Option<Format> {
        trending::looks_like(text).then_some(Format::Trending)
    }
}

#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The day the papers enter the digest.
    pub date: Date,
    pub format: Option<Format>,
    /// Report what would happen, write nothing.
    pub dry_run: bool,
}

/// What an import did (or, with `--dry-run`, would do).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub created: Vec<PathBuf>,
    /// Papers already in the digest, with the file that holds them.
    pub unchanged: Vec<PathBuf>,
}

/// Imports every paper of `source` into the site's `content/papers/`.
pub fn import_file(config: &Config, source: &Path, opts: &ImportOptions) -> Result<ImportReport> {
    let text = yaml::read_text(source)?;
    let format = match opts.format.or_else(|| Format::detect(&text)) {
        Some(f) => f,
        None => {
            return Err(Error::Invalid(vec![Diagnostic::error(
                source,
                None,
                "cannot tell the format of this file; name it with --format",
            )]))
        }
    };
    let records = match format {
        Format::Trending => trending::parse(source, &text).map_err(Error::Invalid)?,
    };
    let entries: Vec<NewEntry> = records
        .iter()
        .map(|r| to_entry(config, r, opts.date))
        .collect();
    write_new(config, entries, opts.dry_run)
}

/// Cleans a record into an entry: TeX and URLs fixed, code link found,
/// tags suggested by the config's tag rules.
pub fn to_entry(config: &Config, record: &Record, date: Date) -> NewEntry {
    let title = clean::clean(&record.title).plain();
    let abstract_clean = clean::clean(&record.abstract_text);
    let abstract_md = abstract_clean.markdown();
    let plain_abstract = abstract_clean.plain();
    let code = clean::code_url(&abstract_clean.urls());
    let tags = config.matching_tags(&format!("{title}\n{plain_abstract}"));
    NewEntry {
        title,
        date: Some(date),
        code,
        tags,
        abstract_md,
        ..Default::default()
    }
}

/// The identity of a paper without an id: its title, case and punctuation
/// folded, so a re-import of the same dump finds the same papers.
pub fn title_key(title: &str) -> String {
    slug::slugify(title)
}

/// Writes the entries that are not in the digest yet. Each file is written
/// whole (temporary file, then rename), so an import never leaves a
/// half-written entry behind.
fn write_new(config: &Config, entries: Vec<NewEntry>, dry_run: bool) -> Result<ImportReport> {
    let dir = config.papers_dir();
    let existing = existing_titles(&dir)?;
    let mut taken: HashSet<String> = existing.values().filter_map(|p| stem(p)).collect();
    let mut report = ImportReport::default();
    let mut to_write = Vec::new();
    for entry in entries {
        let key = title_key(&entry.title);
        if let Some(path) = existing.get(&key) {
            report.unchanged.push(path.clone());
            continue;
        }
        let slug = unique_slug(&slug_for_title(&entry.title), &taken);
        taken.insert(slug.clone());
        let path = dir.join(format!("{slug}.md"));
        report.created.push(path.clone());
        to_write.push((path, render_entry(&entry)));
    }
    if dry_run || to_write.is_empty() {
        return Ok(report);
    }
    std::fs::create_dir_all(&dir).map_err(|e| Error::write(&dir, e))?;
    for (path, text) in to_write {
        write_atomic(&path, text.as_bytes())?;
    }
    Ok(report)
}

fn stem(path: &Path) -> Option<String> {
    path.file_stem()?.to_str().map(str::to_string)
}

/// The title key of every entry already in `dir`. Entries that do not parse
/// are keyed by file name only, so they are never overwritten.
fn existing_titles(dir: &Path) -> Result<HashMap<String, PathBuf>> {
    let mut map = HashMap::new();
    if !dir.exists() {
        return Ok(map);
    }
    for item in walkdir::WalkDir::new(dir).min_depth(1).max_depth(1) {
        let item = item.map_err(|e| Error::read(dir, e.into()))?;
        let path = item.path();
        if path.extension().is_none_or(|x| x != "md") {
            continue;
        }
        let text = yaml::read_text(path)?;
        let key = match parse_entry(path, &text) {
            Ok((entry, _)) => title_key(&entry.title),
            Err(_) => format!("file:{}", path.display()),
        };
        map.insert(key, path.to_path_buf());
    }
    Ok(map)
}

/// Writes a file so that readers see the old bytes or the new, never a mix.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::write(path, e))?;
    tmp.write_all(bytes).map_err(|e| Error::write(path, e))?;
    tmp.persist(path).map_err(|e| Error::write(path, e.error))?;
    Ok(())
}
