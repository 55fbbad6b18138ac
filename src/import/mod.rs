//! Bringing papers in from where curators find them.
//!
//! Each source format has its own module that turns a file into
//! [`Record`]s; this module cleans them all the same way (see [`clean`]),
//! finds each paper's entry by identity (canonical arXiv id, else DOI, else
//! normalised title), and creates new entries or updates only the fields
//! the source owns (see [`crate::content::SOURCE_KEYS`]) in existing ones.
//! Importers never touch rendering. A file with a bad record writes nothing
//! unless asked to skip it; every file is written whole.

mod arxiv_api;
mod atom;
mod bibtex;
pub mod clean;
mod hf;
mod record;
mod resolve;
mod trending;

pub use crate::content::arxiv_id;
pub use arxiv_id::ArxivId;
pub use record::{Metrics, Parsed, Record};
pub use resolve::{
    defaults as resolve_defaults, resolve, Candidate, Found, Resolution, ResolveOptions,
    ResolveReport,
};

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use time::Date;

use crate::config::Config;
use crate::content::{
    identity_keys, parse_entry, render_entry, set_fields, slug_for_title, unique_slug, Entry,
    Field, NewEntry,
};
use crate::error::{Diagnostic, Error, Result};
use crate::fs::write_atomic;
use crate::yaml;

/// The source formats sheaf reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A text dump of a "trending papers" page: title line, abstract line.
    Trending,
    /// An arXiv API response (Atom).
    Arxiv,
    /// BibTeX.
    Bibtex,
    /// Hugging Face daily-papers JSON.
    HfJson,
}

impl Format {
    /// Guesses the format from a file's text.
    pub fn detect(text: &str) -> Option<Format> {
        if atom::looks_like(text) {
            Some(Format::Arxiv)
        } else if hf::looks_like(text) {
            Some(Format::HfJson)
        } else if bibtex::looks_like(text) {
            Some(Format::Bibtex)
        } else if trending::looks_like(text) {
            Some(Format::Trending)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The day the papers enter the digest (and the day live numbers and
    /// revisions are recorded as seen).
    pub date: Date,
    pub format: Option<Format>,
    /// The curator's theme for new entries (overrides the keyword rules).
    pub theme: Option<String>,
    /// Import the good records of a file that also has bad ones.
    pub skip_bad: bool,
    /// Report what would happen, with a diff, and write nothing.
    pub dry_run: bool,
}

/// What happened to one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Created,
    /// The source's fields that changed, by key.
    Updated(Vec<String>),
    Unchanged,
    Skipped(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Where the record was in its source.
    pub locator: String,
    pub title: String,
    /// The entry file (none for a skipped record).
    pub path: Option<PathBuf>,
    pub action: Action,
    /// What a curator should hear about: a newer version, a changed
    /// abstract.
    pub notes: Vec<String>,
    /// With `--dry-run`, the change as a unified diff.
    pub diff: Option<String>,
}

/// What an import did (or, with `--dry-run`, would do).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub outcomes: Vec<Outcome>,
}

impl ImportReport {
    pub fn count(&self, f: impl Fn(&Action) -> bool) -> usize {
        self.outcomes.iter().filter(|o| f(&o.action)).count()
    }
    pub fn created(&self) -> usize {
        self.count(|a| *a == Action::Created)
    }
    pub fn updated(&self) -> usize {
        self.count(|a| matches!(a, Action::Updated(_)))
    }
    pub fn unchanged(&self) -> usize {
        self.count(|a| *a == Action::Unchanged)
    }
    pub fn skipped(&self) -> usize {
        self.count(|a| matches!(a, Action::Skipped(_)))
    }
}

/// Imports every paper of `source` into the site's `content/papers/`.
pub fn import_file(config: &Config, source: &Path, opts: &ImportOptions) -> Result<ImportReport> {
    let text = yaml::read_text(source)?;
    let Some(format) = opts.format.or_else(|| Format::detect(&text)) else {
        return Err(Error::Invalid(vec![Diagnostic::error(
            source,
            None,
            "cannot tell the format of this file (a trending-papers dump, arXiv Atom, BibTeX or Hugging Face JSON); name it with --format",
        )]));
    };
    let parsed = match format {
        Format::Trending => match trending::parse(source, &text) {
            Ok(records) => Parsed {
                records,
                errors: Vec::new(),
            },
            Err(errors) => Parsed {
                records: Vec::new(),
                errors,
            },
        },
        Format::Arxiv => atom::parse(source, &text),
        Format::Bibtex => bibtex::parse(source, &text),
        Format::HfJson => hf::parse(source, &text),
    };
    import_records(config, parsed, opts)
}

/// Asks the arXiv API (the config's `arxiv_api`) for `ids`, in any id
/// form, and imports what it answers.
pub fn import_arxiv(config: &Config, ids: &[String], opts: &ImportOptions) -> Result<ImportReport> {
    import_records(config, fetch_arxiv(config, ids)?, opts)
}

/// Asks the arXiv API for `ids` and parses its answer, writing nothing; an
/// id it does not know is one of the errors.
pub fn fetch_arxiv(config: &Config, ids: &[String]) -> Result<Parsed> {
    let shown = Path::new("--arxiv");
    let mut errors = Vec::new();
    let mut wanted = Vec::new();
    for raw in ids {
        match ArxivId::parse(raw) {
            Ok(id) => wanted.push(id),
            // Every reason names the id already.
            Err(why) => errors.push(Diagnostic::error(shown, None, why)),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let pages = arxiv_api::fetch(&config.arxiv_api, &wanted)?;
    let mut parsed = Parsed::default();
    for page in &pages {
        let p = atom::parse(Path::new(&config.arxiv_api), page);
        parsed.records.extend(p.records);
        parsed.errors.extend(p.errors);
    }
    for id in &wanted {
        let found = parsed
            .records
            .iter()
            .any(|r| r.arxiv.as_ref().is_some_and(|a| a.id == id.id));
        if !found {
            parsed.errors.push(Diagnostic::error(
                shown,
                None,
                format!("arXiv does not know {id} (the API returned no paper for it)"),
            ));
        }
    }
    Ok(parsed)
}

/// Cleans a record into the fields its source owns, plus the themes and
/// tags suggested for a new entry.
pub fn to_entry(config: &Config, record: &Record, opts: &ImportOptions) -> NewEntry {
    let title = clean::clean(&record.title).plain();
    let abstract_clean = clean::clean(&record.abstract_text);
    let abstract_md = abstract_clean.markdown();
    let plain_abstract = abstract_clean.plain();
    let code = record
        .code
        .clone()
        .or_else(|| clean::code_url(&abstract_clean.urls()));
    let tags = config.matching_tags(&format!("{title}\n{plain_abstract}"));
    let web = |u: &Option<String>| u.clone().filter(|u| crate::urls::is_web_url(u));
    NewEntry {
        title,
        date: Some(opts.date),
        authors: record
            .authors
            .iter()
            .map(|a| clean::clean(a).plain())
            .filter(|a| !a.is_empty())
            .collect(),
        arxiv: record.arxiv.as_ref().map(|a| a.id.clone()),
        arxiv_version: record.arxiv.as_ref().and_then(|a| a.version),
        doi: record.doi.clone(),
        url: web(&record.url),
        code: web(&code),
        project: web(&record.project),
        published: record.published,
        updated: record.updated,
        categories: record.categories.clone(),
        journal_ref: record.journal_ref.as_ref().map(|j| clean::clean(j).plain()),
        keywords: record.keywords.clone(),
        metrics: record.metrics.map(|m| crate::content::Metrics {
            upvotes: m.upvotes,
            stars: m.stars,
            as_of: opts.date.to_string(),
        }),
        themes: opts.theme.iter().cloned().collect(),
        tags,
        abstract_md,
        notes_md: String::new(),
    }
}

/// The identity of a paper without an arXiv id or DOI: its title, case and
/// punctuation folded.
pub fn title_key(title: &str) -> String {
    slug::slugify(title)
}

/// An entry already in the digest.
struct Existing {
    path: PathBuf,
    text: String,
    entry: Entry,
}

/// The entries already in the digest.
struct Digest {
    entries: Vec<Existing>,
    /// Identity key to index in `entries`.
    index: HashMap<String, usize>,
    /// File names taken, parsed or not.
    slugs: HashSet<String>,
}

/// Every entry in `dir`, indexed by identity.
fn existing_entries(dir: &Path) -> Result<Digest> {
    let mut list = Vec::new();
    let mut index = HashMap::new();
    let mut slugs = HashSet::new();
    if !dir.exists() {
        return Ok(Digest {
            entries: list,
            index,
            slugs,
        });
    }
    for item in walkdir::WalkDir::new(dir).min_depth(1).max_depth(1) {
        let item = item.map_err(|e| Error::read(dir, e.into()))?;
        let path = item.path();
        if path.extension().is_none_or(|x| x != "md") {
            continue;
        }
        if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
            slugs.insert(stem.to_string());
        }
        let text = yaml::read_text(path)?;
        // An entry that does not parse is never touched: its file name is
        // taken, and nothing can match it.
        if let Ok((entry, _)) = parse_entry(path, &text) {
            for key in identity_keys(entry.arxiv.as_deref(), entry.doi.as_deref(), &entry.title) {
                index.entry(key).or_insert(list.len());
            }
            list.push(Existing {
                path: path.to_path_buf(),
                text,
                entry,
            });
        }
    }
    Ok(Digest {
        entries: list,
        index,
        slugs,
    })
}

/// Merges records into the digest. Nothing is written unless every record
/// is good (or `skip_bad`), and then each file is written whole.
/// Creates or updates the entries of parsed records (what every import
/// does once its source is read).
pub fn import_records(
    config: &Config,
    parsed: Parsed,
    opts: &ImportOptions,
) -> Result<ImportReport> {
    if let Some(theme) = &opts.theme {
        if !config.has_theme(theme) {
            return Err(Error::Usage(format!(
                "--theme {theme}: no such theme in site-config.yaml"
            )));
        }
    }
    let mut report = ImportReport::default();
    if !parsed.errors.is_empty() {
        if !opts.skip_bad {
            return Err(Error::Invalid(parsed.errors));
        }
        for e in &parsed.errors {
            report.outcomes.push(Outcome {
                locator: format!(
                    "{}{}",
                    e.file.display(),
                    e.line.map(|l| format!(":{l}")).unwrap_or_default()
                ),
                title: String::new(),
                path: None,
                action: Action::Skipped(e.message.clone()),
                notes: Vec::new(),
                diff: None,
            });
        }
    }
    let dir = config.papers_dir();
    let Digest {
        entries: existing,
        index,
        slugs: mut taken,
    } = existing_entries(&dir)?;
    // Planned file contents, by path; later records of the same paper see
    // what earlier ones planned.
    let mut planned: Vec<(PathBuf, String, String)> = Vec::new(); // path, old, new
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (at, record) in parsed.records.iter().enumerate() {
        let new = to_entry(config, record, opts);
        let keys = identity_keys(new.arxiv.as_deref(), new.doi.as_deref(), &new.title);
        if let Some(first) = keys.iter().find_map(|k| seen.get(k)) {
            report.outcomes.push(Outcome {
                locator: record.locator.clone(),
                title: new.title.clone(),
                path: None,
                action: Action::Skipped(format!(
                    "the same paper as {} earlier in this import",
                    parsed.records[*first].locator
                )),
                notes: Vec::new(),
                diff: None,
            });
            continue;
        }
        for k in &keys {
            seen.insert(k.clone(), at);
        }
        match keys.iter().find_map(|k| index.get(k)) {
            None => {
                let slug = unique_slug(&slug_for_title(&new.title), &taken);
                taken.insert(slug.clone());
                let path = dir.join(format!("{slug}.md"));
                planned.push((path.clone(), String::new(), render_entry(&new)));
                report.outcomes.push(Outcome {
                    locator: record.locator.clone(),
                    title: new.title.clone(),
                    path: Some(path),
                    action: Action::Created,
                    notes: Vec::new(),
                    diff: None,
                });
            }
            Some(&i) => {
                let old = &existing[i];
                let (text, changed, notes) = merge(&old.text, &old.entry, &new, opts.date, None);
                let action = if changed.is_empty() {
                    Action::Unchanged
                } else {
                    planned.push((old.path.clone(), old.text.clone(), text));
                    Action::Updated(changed)
                };
                report.outcomes.push(Outcome {
                    locator: record.locator.clone(),
                    title: new.title.clone(),
                    path: Some(old.path.clone()),
                    action,
                    notes,
                    diff: None,
                });
            }
        }
    }
    if opts.dry_run {
        for outcome in &mut report.outcomes {
            if let Some((path, old, new)) = planned
                .iter()
                .find(|(p, _, _)| Some(p) == outcome.path.as_ref())
            {
                outcome.diff = Some(unified_diff(path, old, new));
            }
        }
        return Ok(report);
    }
    if !planned.is_empty() {
        std::fs::create_dir_all(&dir).map_err(|e| Error::write(&dir, e))?;
    }
    for (path, _, text) in planned {
        write_atomic(&path, text.as_bytes())?;
    }
    Ok(report)
}

/// The text of an existing entry with the source's fields updated, the keys
/// that changed, and what the curator should hear about. Only the keys the
/// source owns and has values for are touched; the body and every
/// curator's key stay as they are, comments and order included. `only`
/// narrows the source's keys further (`resolve` keeps the abstract).
fn merge(
    text: &str,
    old: &Entry,
    new: &NewEntry,
    today: Date,
    only: Option<&[&str]>,
) -> (String, Vec<String>, Vec<String>) {
    let mut current = text.to_string();
    let mut changed = Vec::new();
    let mut notes = Vec::new();
    let mut fields = new.source_fields();
    fields.retain(|(key, _)| only.is_none_or(|keys| keys.contains(key)));
    // A version the curator has not seen, or a changed abstract, is a
    // revision worth marking on the site.
    let newer_version = match (old.arxiv_version, new.arxiv_version) {
        (Some(a), Some(b)) if b > a => {
            notes.push(format!("new version v{b} (the entry had v{a})"));
            true
        }
        _ => false,
    };
    let abstract_changed = old.abstract_md.trim() != new.abstract_md.trim();
    if abstract_changed {
        notes.push("the abstract changed".into());
    }
    if newer_version || abstract_changed {
        fields.push(("revised", Field::Date(today)));
    }
    for (key, value) in fields {
        if let Some(next) = set_fields(&current, &[(key, value)]) {
            if next != current {
                changed.push(key.to_string());
                current = next;
            }
        }
    }
    (current, changed, notes)
}

fn unified_diff(path: &Path, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(2)
        .header(
            &format!("a/{}", path.display()),
            &format!("b/{}", path.display()),
        )
        .to_string()
}
