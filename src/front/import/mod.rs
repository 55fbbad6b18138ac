//! Bringing papers in from where curators find them.
//!
//! Each source format has its own module that turns a file into
//! [`Record`]s; this module cleans them all the same way (see [`clean`]),
//! finds each paper's entry by identity (canonical arXiv id, else DOI, else
//! normalised title), and creates new entries or updates only the fields
//! the source owns (see [`crate::input::content::SOURCE_KEYS`]) in existing ones.
//! Importers never touch rendering. A file with a bad record writes nothing
//! unless asked to skip it; every file is written whole.

mod arxiv_api;
mod atom;
mod biblio;
mod bibtex;
pub mod clean;
mod crossref;
mod csl;
mod hf;
pub mod live;
pub mod net;
mod record;
mod resolve;
mod ris;
mod trending;

pub use crate::input::content::arxiv_id;
pub use arxiv_id::ArxivId;
pub use record::{Metrics, Parsed, Record};
pub use resolve::{
    defaults as resolve_defaults, resolve, Candidate, Found, Resolution, ResolveOptions,
    ResolveReport,
};

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use time::Date;

use crate::base::error::{Diagnostic, Error, Result};
use crate::input::config::Config;
use crate::input::content::{
    identity_keys, lenient_identity_keys, render_entry, set_fields, slug_for_title, unique_slug,
    Entry, Field, Ids, NewEntry, PartialDate,
};
use crate::io::load;

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
    /// CSL-JSON (Zotero, Mendeley, pandoc, Crossref).
    CslJson,
    /// RIS (EndNote, Mendeley, Zotero, Scholar, publishers).
    Ris,
}

impl Format {
    /// Guesses the format from a file's text.
    pub(crate) fn detect(text: &str) -> Option<Format> {
        if atom::looks_like(text) {
            Some(Format::Arxiv)
        } else if hf::looks_like(text) {
            Some(Format::HfJson)
        } else if csl::looks_like(text) {
            Some(Format::CslJson)
        } else if ris::looks_like(text) {
            Some(Format::Ris)
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
    /// Keep a reference manager's tags (CSL-JSON `keyword`, RIS `KW`) as
    /// the entry's keywords: they are the curator's own filing, which may
    /// not be meant for the digest.
    pub keep_tags: bool,
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
    pub(crate) fn count(&self, f: impl Fn(&Action) -> bool) -> usize {
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
    import_records(
        config,
        parse_file(source, opts.format, opts.keep_tags)?,
        opts,
    )
}

/// The records of a file, in `format` or the one its text shows; a
/// reference manager's tags become keywords only when `keep_tags`.
pub fn parse_file(source: &Path, format: Option<Format>, keep_tags: bool) -> Result<Parsed> {
    let text = crate::io::fs::read_text(source)?;
    let Some(format) = format.or_else(|| Format::detect(&text)) else {
        // JSON that does not parse cannot be told apart: say where it breaks.
        if let Some(broken) = csl::json_error(source, &text) {
            return Err(Error::Invalid(vec![broken]));
        }
        return Err(Error::Invalid(vec![Diagnostic::error(
            source,
            None,
            "cannot tell the format of this file (a trending-papers dump, arXiv Atom, BibTeX, Hugging Face JSON, CSL-JSON or RIS); name it with --format",
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
        Format::CslJson => csl::parse(source, &text),
        Format::Ris => ris::parse(source, &text),
    };
    let mut parsed = parsed;
    if matches!(format, Format::CslJson | Format::Ris) && !keep_tags {
        for record in &mut parsed.records {
            record.keywords.clear();
        }
    }
    Ok(parsed)
}

/// Asks the arXiv API (the config's `arxiv_api`) for `ids`, in any id
/// form, and imports what it answers.
pub fn import_arxiv(config: &Config, ids: &[String], opts: &ImportOptions) -> Result<ImportReport> {
    import_records(config, fetch_arxiv(config, ids)?, opts)
}

/// Asks the arXiv API for `ids` and parses its answer, writing nothing; an
/// id it does not know is one of the errors.
pub fn fetch_arxiv(config: &Config, ids: &[String]) -> Result<Parsed> {
    fetch_arxiv_within(config, ids, arxiv_api::TIMEOUT)
}

/// [`fetch_arxiv`], each request given `timeout`.
pub fn fetch_arxiv_within(
    config: &Config,
    ids: &[String],
    timeout: std::time::Duration,
) -> Result<Parsed> {
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
    let pages = arxiv_api::fetch(&config.arxiv_api, &wanted, timeout)?;
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
pub(crate) fn to_entry(config: &Config, record: &Record, opts: &ImportOptions) -> NewEntry {
    let title = clean::clean(&record.title).plain();
    let abstract_clean = clean::clean(&record.abstract_text);
    let abstract_md = abstract_clean.markdown();
    let plain_abstract = abstract_clean.plain();
    let code = record
        .code
        .clone()
        .or_else(|| clean::code_url(&abstract_clean.urls()));
    let tags = config.matching_tags(&format!("{title}\n{plain_abstract}"));
    let web = |u: &Option<String>| u.clone().filter(|u| crate::base::urls::is_web_url(u));
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
        published: record
            .published
            .map(|d| PartialDate::new(d, record.published_precision)),
        updated: record.updated,
        categories: record.categories.clone(),
        journal_ref: record.journal_ref.as_ref().map(|j| clean::clean(j).plain()),
        keywords: record.keywords.clone(),
        metrics: record.metrics.map(|m| crate::input::content::Metrics {
            upvotes: m.upvotes,
            stars: m.stars,
            comments: m.comments,
            as_of: opts.date.to_string(),
        }),
        themes: record
            .theme
            .as_ref()
            .or(opts.theme.as_ref())
            .cloned()
            .into_iter()
            .collect(),
        tags,
        abstract_md,
        notes_md: String::new(),
    }
}

/// The identity of a paper without an arXiv id or DOI: its title, case and
/// punctuation folded.
pub(crate) fn title_key(title: &str) -> String {
    slug::slugify(title)
}

/// An entry already in the digest.
struct Existing {
    path: PathBuf,
    text: String,
    entry: Entry,
}

/// An entry file that does not parse, and what can still be read of the
/// paper it holds.
struct Broken {
    /// As shown in messages (relative to the site root).
    shown: PathBuf,
    errors: Vec<Diagnostic>,
    /// The identity keys found by reading its `arxiv`, `doi`, `url` and
    /// `title` lines one by one; empty when none can be read.
    keys: Vec<String>,
}

impl Broken {
    /// The first error, as `file:line: message`.
    fn first_error(&self) -> String {
        match self.errors.first() {
            Some(d) => format!(
                "{}{}: {}",
                d.file.display(),
                d.line.map(|l| format!(":{l}")).unwrap_or_default(),
                d.message
            ),
            None => self.shown.display().to_string(),
        }
    }
}

/// The entries already in the digest.
struct Digest {
    entries: Vec<Existing>,
    /// Identity key to index in `entries`.
    index: HashMap<String, usize>,
    /// Slugs taken (in any folder), parsed or not.
    slugs: HashSet<String>,
    /// Entry files that do not parse.
    broken: Vec<Broken>,
}

/// Every entry of the papers folder (and below, as a build reads them),
/// indexed by identity.
fn existing_entries(config: &Config) -> Result<Digest> {
    let (files, listing) = load::read_entries(&config.root, &config.papers_dir(), true, None);
    let listing_errors: Vec<Diagnostic> =
        listing.into_iter().filter(Diagnostic::is_error).collect();
    if !listing_errors.is_empty() {
        return Err(Error::Invalid(listing_errors));
    }
    let mut digest = Digest {
        entries: Vec::new(),
        index: HashMap::new(),
        slugs: HashSet::new(),
        broken: Vec::new(),
    };
    for file in files {
        if let Some(stem) = file.path.file_stem().and_then(|s| s.to_str()) {
            digest.slugs.insert(stem.to_string());
        }
        match (file.parsed, file.text) {
            (Ok((entry, _)), Some(text)) => {
                for key in identity_keys(Ids::of(&entry)) {
                    digest.index.entry(key).or_insert(digest.entries.len());
                }
                digest.entries.push(Existing {
                    path: file.path,
                    text,
                    entry,
                });
            }
            (parsed, text) => {
                let errors = match parsed {
                    Err(errors) => errors,
                    Ok(_) => Vec::new(), // read without its text: cannot happen
                };
                digest.broken.push(Broken {
                    shown: load::display_path(&config.root, &file.path),
                    keys: text
                        .as_deref()
                        .map(lenient_identity_keys)
                        .unwrap_or_default(),
                    errors,
                });
            }
        }
    }
    Ok(digest)
}

/// Merges records into the digest. Nothing is written unless every record
/// is good and every entry parses (or `skip_bad`), and then the files are
/// written all or nothing (see [`crate::io::journal`]).
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
    let dir = config.papers_dir();
    let Digest {
        entries: existing,
        index,
        slugs: mut taken,
        broken,
    } = existing_entries(config)?;
    // A broken entry may hold one of these papers: without it read, an
    // import would write a duplicate. Stop as a build would.
    if !opts.skip_bad && (!parsed.errors.is_empty() || !broken.is_empty()) {
        let mut errors = parsed.errors;
        errors.extend(broken.into_iter().flat_map(|b| b.errors));
        return Err(Error::Invalid(errors));
    }
    let mut report = ImportReport::default();
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
    // Broken entries whose paper cannot be told: any new entry might be it.
    let unknown: Vec<String> = broken
        .iter()
        .filter(|b| b.keys.is_empty())
        .map(|b| {
            format!(
                "it may duplicate an entry that does not parse and names no paper sheaf can read: {}",
                b.first_error()
            )
        })
        .collect();
    // Planned file contents, by path; later records of the same paper see
    // what earlier ones planned.
    let mut planned: Vec<(PathBuf, String, String)> = Vec::new(); // path, old, new
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (at, record) in parsed.records.iter().enumerate() {
        let new = to_entry(config, record, opts);
        let keys = identity_keys(Ids {
            arxiv: new.arxiv.as_deref(),
            doi: new.doi.as_deref(),
            url: new.url.as_deref(),
            title: &new.title,
        });
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
        if let Some(b) = broken
            .iter()
            .find(|b| b.keys.iter().any(|k| keys.contains(k)))
        {
            report.outcomes.push(Outcome {
                locator: record.locator.clone(),
                title: new.title.clone(),
                path: None,
                action: Action::Skipped(format!("its entry does not parse: {}", b.first_error())),
                notes: Vec::new(),
                diff: None,
            });
            continue;
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
                    notes: unknown.clone(),
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
        crate::io::fs::create_dir_all(&dir)?;
        let files: Vec<(PathBuf, Vec<u8>)> = planned
            .into_iter()
            .map(|(path, _, text)| (crate::io::journal::through_link(path), text.into_bytes()))
            .collect();
        crate::io::journal::write_all(&dir, &files)?;
    }
    Ok(report)
}

/// The text of an existing entry with the source's fields updated, the keys
/// that changed, and what the curator should hear about. Only the keys the
/// source owns and says something about are touched: a field the record
/// lacks (no abstract, no URL) leaves the entry's alone, and a date given
/// only to the year or month does not replace a full date within it. The
/// body and every curator's key stay as they are, comments and order
/// included.
/// `only` narrows the source's keys further (`resolve` keeps the
/// abstract).
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
    let says_nothing = |key: &str, value: &Field| match (key, value) {
        ("title" | "abstract", Field::Str(s) | Field::Markdown(s)) => s.trim().is_empty(),
        ("published", Field::PartialDate(d)) => old.published.is_some_and(|p| p.covers(*d)),
        _ => false,
    };
    let mut fields: Vec<(&str, Field)> = new
        .source_fields()
        .into_iter()
        .filter(|(key, value)| !says_nothing(key, value))
        .map(|(key, value)| match (value, &old.metrics) {
            // Live numbers the source does not report keep their last value.
            (Field::Metrics(mut m), Some(o)) => {
                m.upvotes = m.upvotes.or(o.upvotes);
                m.stars = m.stars.or(o.stars);
                m.comments = m.comments.or(o.comments);
                (key, Field::Metrics(m))
            }
            (value, _) => (key, value),
        })
        .collect();
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
    let abstract_changed =
        !new.abstract_md.trim().is_empty() && old.abstract_md.trim() != new.abstract_md.trim();
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
