//! Parsing one entry file into an [`Entry`].

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_yaml::Value;
use time::Date;

use super::arxiv_id::ArxivId;
use super::write::DatePrecision;
use crate::base::error::Diagnostic;
use crate::base::urls::is_web_url;
use crate::input::config::is_slug;
use crate::input::yaml;

/// The front matter keys sheaf understands. Anything else is kept under
/// `extra`, with a warning when it looks like a typo of one of these.
pub const KNOWN_KEYS: &[&str] = &[
    "title",
    "date",
    "authors",
    "arxiv",
    "arxiv_version",
    "doi",
    "url",
    "code",
    "project",
    "published",
    "updated",
    "revised",
    "categories",
    "journal_ref",
    "keywords",
    "metrics",
    "themes",
    "tags",
    "featured",
    "draft",
    "status",
    "verdict",
    "bibtex_ids",
    "abstract",
];

/// Keys whose values belong to the paper's source: a re-import may
/// rewrite them. Everything else (the body, themes, tags, featured, draft,
/// status, verdict, the entry date and any extra key) is the curator's and
/// an import never touches it.
pub const SOURCE_KEYS: &[&str] = &[
    "title",
    "authors",
    "arxiv",
    "arxiv_version",
    "doi",
    "url",
    "code",
    "project",
    "published",
    "updated",
    "revised",
    "categories",
    "journal_ref",
    "keywords",
    "metrics",
    "abstract",
];

/// Live numbers from a source, with the day they were read.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metrics {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) upvotes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stars: Option<u64>,
    /// Comments on the paper's Hugging Face page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comments: Option<u64>,
    /// `YYYY-MM-DD`.
    pub(crate) as_of: String,
}

/// A date known to the year, the month or the day, as a source gave it:
/// `2020`, `2020-07` or `2020-07-15`. It is held as the first day of what
/// it names, for sorting and comparing only; everything shown or exported
/// says only the precision held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PartialDate {
    first_day: Date,
    precision: DatePrecision,
}

impl PartialDate {
    /// The year, month or day of `date` that `precision` names.
    pub(crate) fn new(date: Date, precision: DatePrecision) -> PartialDate {
        let first_day = match precision {
            DatePrecision::Year => Date::from_calendar_date(date.year(), time::Month::January, 1),
            DatePrecision::Month => Date::from_calendar_date(date.year(), date.month(), 1),
            DatePrecision::Day => Ok(date),
        }
        .unwrap_or(date);
        PartialDate {
            first_day,
            precision,
        }
    }

    /// A full date.
    pub(crate) fn day(date: Date) -> PartialDate {
        PartialDate::new(date, DatePrecision::Day)
    }

    /// The first day of what the date names (for sorting, never for show).
    pub(crate) fn first_day(self) -> Date {
        self.first_day
    }

    pub(crate) fn precision(self) -> DatePrecision {
        self.precision
    }

    pub(crate) fn year(self) -> i32 {
        self.first_day.year()
    }

    /// The month, when known.
    pub(crate) fn month(self) -> Option<time::Month> {
        (self.precision >= DatePrecision::Month).then(|| self.first_day.month())
    }

    /// Whether `self` says all that `other` says: at least as precise, and
    /// the same year (and month) as far as `other` goes. Then `other` adds
    /// nothing and must not replace `self`.
    pub(crate) fn covers(self, other: PartialDate) -> bool {
        self.precision >= other.precision
            && other.precision.refined_by(other.first_day, self.first_day)
    }

    /// `2020`, `2020-07` or `2020-07-15`, as written in front matter: ISO
    /// 8601 at reduced precision.
    pub(crate) fn parse(s: &str) -> Option<PartialDate> {
        let s = s.trim();
        let number = |t: Option<&str>, n: usize| {
            t.filter(|t| t.len() == n && t.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|t| t.parse::<u16>().ok())
        };
        let year = |t| number(t, 4).map(i32::from);
        match s.len() {
            4 => Date::from_calendar_date(year(Some(s))?, time::Month::January, 1)
                .ok()
                .map(|d| PartialDate::new(d, DatePrecision::Year)),
            7 if s.get(4..5) == Some("-") => {
                let month = u8::try_from(number(s.get(5..), 2)?).ok()?;
                let month = time::Month::try_from(month).ok()?;
                Date::from_calendar_date(year(s.get(..4))?, month, 1)
                    .ok()
                    .map(|d| PartialDate::new(d, DatePrecision::Month))
            }
            _ => parse_date(s).map(PartialDate::day),
        }
    }

    /// As shown to readers: `2020`, `July 2020`, `15 July 2020`.
    pub(crate) fn display(self) -> String {
        let d = self.first_day;
        match self.precision {
            DatePrecision::Year => d.year().to_string(),
            DatePrecision::Month => format!("{} {}", d.month(), d.year()),
            DatePrecision::Day => format!("{} {} {}", d.day(), d.month(), d.year()),
        }
    }
}

/// ISO 8601 at the precision held: `2020`, `2020-07`, `2020-07-15`.
impl std::fmt::Display for PartialDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = self.first_day;
        match self.precision {
            DatePrecision::Year => write!(f, "{:04}", d.year()),
            DatePrecision::Month => write!(f, "{:04}-{:02}", d.year(), d.month() as u8),
            DatePrecision::Day => write!(f, "{d}"),
        }
    }
}

/// Where the curator is with a paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    ToRead,
    Reading,
    Read,
}

impl Status {
    pub(crate) const ALL: [Status; 3] = [Status::ToRead, Status::Reading, Status::Read];

    /// As written in front matter and URLs.
    pub(crate) fn slug(self) -> &'static str {
        match self {
            Status::ToRead => "to-read",
            Status::Reading => "reading",
            Status::Read => "read",
        }
    }

    /// As shown to readers.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Status::ToRead => "to read",
            Status::Reading => "reading",
            Status::Read => "read",
        }
    }
}

/// The curator's judgement of a paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    MustRead,
    WorthASkim,
    Skip,
}

impl Verdict {
    pub(crate) const ALL: [Verdict; 3] = [Verdict::MustRead, Verdict::WorthASkim, Verdict::Skip];

    pub(crate) fn slug(self) -> &'static str {
        match self {
            Verdict::MustRead => "must-read",
            Verdict::WorthASkim => "worth-a-skim",
            Verdict::Skip => "skip",
        }
    }

    pub(crate) fn label(self) -> &'static str {
        match self {
            Verdict::MustRead => "must read",
            Verdict::WorthASkim => "worth a skim",
            Verdict::Skip => "skip",
        }
    }
}

/// One paper, as its file says. Validated in isolation; theme ids are
/// checked against the config when the site model is built.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The file, as given to [`parse_entry`] (used in messages).
    pub source: PathBuf,
    /// The file name without `.md`: the paper's URL segment.
    pub slug: String,
    pub title: String,
    /// The day the paper entered the digest.
    pub date: Date,
    pub authors: Vec<String>,
    pub arxiv: Option<String>,
    pub url: Option<String>,
    pub code: Option<String>,
    /// The curator's choice of themes; `None` lets the keyword rules decide.
    pub themes: Option<Vec<String>>,
    pub tags: Vec<String>,
    pub featured: bool,
    pub draft: bool,
    pub status: Option<Status>,
    pub verdict: Option<Verdict>,
    /// Markdown, owned by the source the paper came from.
    pub abstract_md: String,
    /// Markdown, owned by the curator: the body of the file.
    pub notes_md: String,
    /// 1-based line in the file where the notes start.
    pub notes_line: usize,
    /// Unknown front matter keys, kept as written.
    pub extra: BTreeMap<String, Value>,
    /// The version of the arXiv paper the curator read.
    pub arxiv_version: Option<u32>,
    /// A DOI other than arXiv's own.
    pub doi: Option<String>,
    pub project: Option<String>,
    /// Source dates: first published (to the year, month or day, as the
    /// source gave it), last revised by the authors, and the day sheaf saw
    /// a newer version or a changed abstract.
    pub published: Option<PartialDate>,
    pub updated: Option<Date>,
    pub revised: Option<Date>,
    pub categories: Vec<String>,
    pub journal_ref: Option<String>,
    pub keywords: Vec<String>,
    pub metrics: Option<Metrics>,
    /// Former BibTeX keys of the paper, still accepted as aliases (the
    /// curator's; `resolve` adds one when its changes move the key).
    pub bibtex_ids: Vec<String>,
    /// The line of each top-level front matter key, to place later findings.
    pub key_lines: HashMap<String, usize>,
}

impl Entry {
    /// The line of a front matter key, or the first line of the file.
    pub(crate) fn line_of(&self, key: &str) -> usize {
        self.key_lines.get(key).copied().unwrap_or(1)
    }
}

/// Splits a file into front matter and body. Returns the YAML, the body and
/// the 1-based line the body starts on.
fn split(text: &str) -> Option<(&str, &str, usize)> {
    let rest = text.strip_prefix("---\n")?;
    let (yaml, body) = if let Some(stripped) = rest.strip_prefix("---") {
        ("", stripped)
    } else {
        let end = rest.find("\n---")?;
        (&rest[..end + 1], &rest[end + 4..])
    };
    // The closing fence may be followed by spaces, then must end its line.
    let after_fence = body.trim_start_matches([' ', '\t']);
    let body = match after_fence.strip_prefix('\n') {
        Some(b) => b,
        None if after_fence.is_empty() => "",
        None => return None,
    };
    let body_line = yaml.lines().count() + 3;
    Some((yaml, body, body_line))
}

/// Top-level keys and their 1-based lines (front matter starts on line 2).
fn key_lines(yaml: &str) -> HashMap<String, usize> {
    let mut lines = HashMap::new();
    for (i, line) in yaml.lines().enumerate() {
        if line.starts_with([' ', '\t', '#', '-']) {
            continue;
        }
        if let Some((key, _)) = line.split_once(':') {
            let key = key.trim().trim_matches(['"', '\'']);
            lines.entry(key.to_string()).or_insert(i + 2);
        }
    }
    lines
}

/// Parses and validates one entry. `path` names the file in messages and
/// gives the slug. Returns the entry with its warnings, or every error found.
pub fn parse_entry(path: &Path, text: &str) -> Result<(Entry, Vec<Diagnostic>), Vec<Diagnostic>> {
    let Some((yaml_text, body, notes_line)) = split(text) else {
        return Err(vec![Diagnostic::error(
            path,
            Some(1),
            "missing front matter: an entry starts with a line `---`, then YAML, then a line `---`",
        )]);
    };
    let value: Value = yaml::value_from_str(yaml_text, path, 1).map_err(|d| vec![d])?;
    let map = match value {
        Value::Mapping(m) => m,
        Value::Null => Default::default(),
        _ => {
            return Err(vec![Diagnostic::error(
                path,
                Some(2),
                "front matter must be a mapping of `key: value` lines",
            )])
        }
    };

    let key_lines = key_lines(yaml_text);
    let mut fields = Fields {
        path,
        key_lines: &key_lines,
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    let mut extra = BTreeMap::new();
    let mut known: HashMap<&str, Value> = HashMap::new();
    for (key, value) in map {
        let Value::String(key) = key else {
            fields.error_at(2, format!("front matter key {key:?} is not a string"));
            continue;
        };
        match KNOWN_KEYS.iter().find(|k| **k == key) {
            Some(k) => {
                known.insert(k, value);
            }
            None => {
                if let Some(near) = KNOWN_KEYS
                    .iter()
                    .find(|k| strsim::damerau_levenshtein(k, &key.to_lowercase()) <= 2)
                {
                    fields.warn(
                        &key,
                        format!("unknown key `{key}` (did you mean `{near}`?); kept under `extra`"),
                    );
                }
                // Left out rather than refused: sheaf reads no unknown
                // key, so the digest still builds.
                if let Some(what) = crate::input::yaml::key_templates_refuse(&value) {
                    fields.warn(
                        &key,
                        format!(
                            "`{key}` holds a map with a key that is {what}, which templates cannot take; \
                             left out of `extra` (write the key as text)"
                        ),
                    );
                    continue;
                }
                extra.insert(key, value);
            }
        }
    }

    let slug = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string();
    if !is_slug(&slug) {
        fields.error_at(
            1,
            format!(
                "file name `{slug}` is not a valid slug: use lowercase letters, digits and hyphens"
            ),
        );
    }

    let has_title = known.get("title").is_some_and(|v| !v.is_null());
    let title: Option<String> = fields.take(&mut known, "title", "a string");
    let title = match title.map(|t| t.trim().to_string()) {
        Some(t) if !t.is_empty() => t,
        Some(_) => {
            fields.error("title", "`title` is empty".into());
            String::new()
        }
        None if !has_title => {
            fields.error_at(2, "missing `title`".into());
            String::new()
        }
        None => String::new(),
    };

    let date = match fields.take::<Value>(&mut known, "date", "a date") {
        None => {
            fields.error_at(
                2,
                "missing `date` (the day the paper entered the digest, YYYY-MM-DD)".into(),
            );
            None
        }
        Some(v) => {
            let parsed = match &v {
                Value::String(s) => parse_date(s),
                _ => None,
            };
            if parsed.is_none() {
                fields.error(
                    "date",
                    format!("`date` must be a date written YYYY-MM-DD, got {}", show(&v)),
                );
            }
            parsed
        }
    };

    let authors: Vec<String> = fields
        .take(&mut known, "authors", "a list of names")
        .unwrap_or_default();
    let authors = authors
        .into_iter()
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
        .collect();

    let arxiv: Option<String> = fields.take(&mut known, "arxiv", "a string such as \"2504.03380\"");
    if let Some(id) = &arxiv {
        if let Err(why) = check_arxiv_id(id) {
            fields.error("arxiv", format!("`arxiv` {id:?}: {why}"));
        }
    }

    let url = web_url_of(&mut fields, &mut known, "url");
    let code = web_url_of(&mut fields, &mut known, "code");

    let themes: Option<Vec<String>> = fields.take(&mut known, "themes", "a list of theme ids");
    let tags: Vec<String> = fields
        .take(&mut known, "tags", "a list of tags")
        .unwrap_or_default();
    let tags: Vec<String> = tags
        .into_iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    for tag in &tags {
        if slug::slugify(tag).is_empty() {
            fields.error("tags", format!("tag {tag:?} has no letters or digits"));
        }
    }
    let featured = fields
        .take(&mut known, "featured", "true or false")
        .unwrap_or(false);
    let draft = fields
        .take(&mut known, "draft", "true or false")
        .unwrap_or(false);
    let status = fields.take(&mut known, "status", "one of to-read, reading, read");
    let verdict = fields.take(
        &mut known,
        "verdict",
        "one of must-read, worth-a-skim, skip",
    );
    let abstract_md: String = fields
        .take(&mut known, "abstract", "a string (Markdown)")
        .unwrap_or_default();
    let arxiv_version = fields.take(&mut known, "arxiv_version", "a version number such as 2");
    let doi: Option<String> = fields.take(&mut known, "doi", "a DOI such as \"10.1000/xyz\"");
    let project = web_url_of(&mut fields, &mut known, "project");
    let published = match fields.take::<Value>(&mut known, "published", "a date") {
        None => None,
        Some(v) => {
            // `2020` unquoted is a number to YAML; quoted, a string.
            let parsed = match &v {
                Value::String(s) => PartialDate::parse(s),
                Value::Number(n) => n
                    .as_u64()
                    .filter(|y| (1000..=9999).contains(y))
                    .and_then(|y| PartialDate::parse(&y.to_string())),
                _ => None,
            };
            if parsed.is_none() {
                fields.error(
                    "published",
                    format!(
                        "`published` must be a date written YYYY-MM-DD, or YYYY-MM or YYYY when \
                         only the month or year is known, got {}",
                        show(&v)
                    ),
                );
            }
            parsed
        }
    };
    let mut date_of = |key: &str| -> Option<Date> {
        let v: Option<Value> = fields.take(&mut known, key, "a date");
        let v = v?;
        let d = match &v {
            Value::String(s) => parse_date(s),
            _ => None,
        };
        if d.is_none() {
            fields.error(
                key,
                format!(
                    "`{key}` must be a date written YYYY-MM-DD, got {}",
                    show(&v)
                ),
            );
        }
        d
    };
    let updated = date_of("updated");
    let revised = date_of("revised");
    let categories = fields
        .take(&mut known, "categories", "a list such as [cs.LG]")
        .unwrap_or_default();
    let journal_ref = fields.take(&mut known, "journal_ref", "a string");
    let keywords = fields
        .take(&mut known, "keywords", "a list of words")
        .unwrap_or_default();
    let metrics: Option<Metrics> = fields.take(
        &mut known,
        "metrics",
        "a mapping of upvotes, stars, comments and as_of (YYYY-MM-DD)",
    );
    if let Some(m) = &metrics {
        if parse_date(&m.as_of).is_none() {
            fields.error(
                "metrics",
                format!(
                    "`metrics.as_of` must be a date written YYYY-MM-DD, got {:?}",
                    m.as_of
                ),
            );
        }
    }

    let bibtex_ids: Vec<String> = fields
        .take(&mut known, "bibtex_ids", "a list of BibTeX keys")
        .unwrap_or_default();
    for id in &bibtex_ids {
        if !super::cite_key::is_valid_key(id) {
            fields.error(
                "bibtex_ids",
                format!("`bibtex_ids`: {id:?} is not a BibTeX key (no spaces, commas, braces or quotes)"),
            );
        }
    }

    if !fields.errors.is_empty() {
        return Err(fields.errors);
    }
    let warnings = fields.warnings;
    let entry = Entry {
        source: path.to_path_buf(),
        slug,
        title,
        date: date.unwrap_or(Date::MIN),
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
        notes_md: body.to_string(),
        notes_line,
        extra,
        key_lines,
    };
    Ok((entry, warnings))
}

/// Collects typed front matter fields and the problems found on the way.
struct Fields<'a> {
    path: &'a Path,
    key_lines: &'a HashMap<String, usize>,
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
}

impl Fields<'_> {
    fn line(&self, key: &str) -> usize {
        self.key_lines.get(key).copied().unwrap_or(2)
    }

    fn error(&mut self, key: &str, message: String) {
        let line = self.line(key);
        self.error_at(line, message);
    }

    fn error_at(&mut self, line: usize, message: String) {
        self.errors
            .push(Diagnostic::error(self.path, Some(line), message));
    }

    fn warn(&mut self, key: &str, message: String) {
        let line = self.line(key);
        self.warnings
            .push(Diagnostic::warning(self.path, Some(line), message));
    }

    /// Removes `key` and converts it; a wrong type is an error naming what
    /// was expected. A `null` value counts as absent.
    fn take<T: DeserializeOwned>(
        &mut self,
        known: &mut HashMap<&str, Value>,
        key: &str,
        expected: &str,
    ) -> Option<T> {
        let value = known.remove(key)?;
        if value.is_null() {
            return None;
        }
        // Read in place: `from_value` would take a copy of the value.
        match T::deserialize(&value) {
            Ok(v) => Some(v),
            Err(e) => {
                // For a list or mapping, what inside it is wrong.
                let inside = match &value {
                    Value::Sequence(_) | Value::Mapping(_) => format!(": {}", say_plainly(&e)),
                    _ => String::new(),
                };
                self.error(
                    key,
                    format!("`{key}` must be {expected}, got {}{inside}", show(&value)),
                );
                None
            }
        }
    }
}

/// serde's complaint about a value inside a list or mapping, in words: a
/// number too large for an integer arrives as a float, which serde calls
/// by its type names.
fn say_plainly(e: &serde_yaml::Error) -> String {
    let message = e.to_string();
    let float = message
        .strip_prefix("invalid type: floating point `")
        .and_then(|rest| rest.split_once('`'));
    match float {
        Some((number, expected))
            if expected.contains("expected u") || expected.contains("expected i") =>
        {
            format!("the number {number} is too large or not a whole number")
        }
        Some((number, expected)) if expected.contains("expected a string") => {
            format!("the number {number} where text belongs: write it in quotes")
        }
        _ => message,
    }
}

/// An http(s) URL field; anything else is an error (it would be a link).
fn web_url_of(fields: &mut Fields, known: &mut HashMap<&str, Value>, key: &str) -> Option<String> {
    let url: Option<String> = fields.take(known, key, "a URL");
    let url = url.map(|u| u.trim().to_string()).filter(|u| !u.is_empty());
    if let Some(u) = &url {
        if !is_web_url(u) {
            fields.error(key, format!("`{key}` must be an http(s) URL, got {u:?}"));
            return None;
        }
    }
    url
}

/// A short rendering of a YAML value for messages.
fn show(value: &Value) -> String {
    let text = match value {
        Value::String(s) => format!("{s:?}"),
        Value::Sequence(_) => "a list".into(),
        Value::Mapping(_) => "a mapping".into(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    };
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}

/// `2025-05-07`, or an RFC 3339 date-time of which the date counts.
pub fn parse_date(s: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let s = s.trim();
    Date::parse(s.get(..10)?, format)
        .ok()
        .filter(|_| s.len() == 10 || s.as_bytes()[10] == b'T' || s.as_bytes()[10] == b' ')
}

/// Front matter holds the canonical id: any other form is an error that
/// says what to write instead.
pub(crate) fn check_arxiv_id(id: &str) -> Result<(), String> {
    let parsed = ArxivId::parse(id)?;
    if parsed.version.is_some() {
        return Err(format!(
            "leave out the version suffix: write {} (and arxiv_version: {} if it matters)",
            parsed.id,
            parsed.version.unwrap_or(1)
        ));
    }
    if parsed.id != id {
        return Err(format!("write it as {}", parsed.id));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Fields::take` reads a value in place: what it gets, or the error
    /// it says, is what `from_value` of a copy gave, for every type it
    /// reads and for wrong types, numbers too large, tags and nulls.
    /// (Integers too large for 64 bits never get here: the YAML is
    /// refused first, with its own message.)
    #[test]
    fn reading_in_place_is_reading_a_copy() {
        fn same<T: DeserializeOwned + PartialEq + std::fmt::Debug>(value: &Value) {
            let in_place = T::deserialize(value).map_err(|e| e.to_string());
            let copied = serde_yaml::from_value::<T>(value.clone()).map_err(|e| e.to_string());
            assert_eq!(
                in_place,
                copied,
                "{value:?} as {}",
                std::any::type_name::<T>()
            );
        }
        let samples = [
            "x",
            "''",
            "42",
            "-1",
            "2.5",
            "1e400",
            ".nan",
            "1.0e+30",
            "4294967296",
            "true",
            "~",
            "[a, b]",
            "[a, ~]",
            "[a, 1.0e+30]",
            "[1.5, true]",
            "[[a]]",
            "[a, {b: c}]",
            "{a: b}",
            "{}",
            "[]",
            "!tag x",
            "!!str 5",
            "!t [a]",
            "!reading ~",
            "!reading x",
            "to-read",
            "must-read",
            "[to-read]",
            "{reading: 1}",
            "!!binary aGVsbG8=",
            "{as_of: '2025-01-01', stars: 3}",
            "{as_of: 2025-01-01}",
            "{stars: -1, as_of: x}",
            "{stars: 1.0e+30, as_of: x}",
            "{upvotes: 1.5, as_of: x}",
            "{as_of: x, extra: 1}",
            "{? [a] : b}",
            "!m {as_of: x}",
        ];
        for text in samples {
            let value: Value = serde_yaml::from_str(text).unwrap();
            same::<String>(&value);
            same::<Vec<String>>(&value);
            same::<bool>(&value);
            same::<u32>(&value);
            same::<Status>(&value);
            same::<Verdict>(&value);
            same::<Metrics>(&value);
            same::<Value>(&value);
        }
    }

    fn parse(text: &str) -> Result<(Entry, Vec<Diagnostic>), Vec<Diagnostic>> {
        parse_entry(Path::new("content/papers/a-paper.md"), text)
    }

    #[test]
    fn full_entry() {
        let (e, warnings) = parse(
            "---\ntitle: \"A paper\"\ndate: 2025-05-07\nauthors: [A, B]\narxiv: \"2504.03380\"\n\
             tags: [grpo]\nstatus: to-read\nverdict: must-read\ntittle: x\nabstract: |\n  Text.\n---\nNotes\n",
        )
        .unwrap();
        assert_eq!(e.title, "A paper");
        assert_eq!(e.date.to_string(), "2025-05-07");
        assert_eq!(e.authors, ["A", "B"]);
        assert_eq!(e.status, Some(Status::ToRead));
        assert_eq!(e.verdict, Some(Verdict::MustRead));
        assert_eq!(e.abstract_md, "Text.\n");
        assert_eq!(e.notes_md, "Notes\n");
        assert_eq!(e.notes_line, 13);
        assert!(e.extra.contains_key("tittle"));
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].line, Some(9));
    }

    #[test]
    fn every_error_with_its_line() {
        let errs =
            parse("---\ntitle: [1]\ndate: May 7\nurl: javascript:alert(1)\nstatus: done\n---\n")
                .unwrap_err();
        let lines: Vec<_> = errs.iter().map(|d| d.line.unwrap()).collect();
        assert_eq!(lines, [2, 3, 4, 5], "{errs:#?}");
    }

    #[test]
    fn yaml_syntax_error_line() {
        let errs = parse("---\ntitle: a\ndate: 2025-01-01\nauthors: [a, b\n---\n").unwrap_err();
        assert!(errs[0].line.unwrap() >= 4, "{errs:?}");
    }

    #[test]
    fn arxiv_ids() {
        assert!(check_arxiv_id("2504.03380").is_ok());
        assert!(check_arxiv_id("1412.6980").is_ok());
        assert!(check_arxiv_id("hep-th/9901001").is_ok());
        assert!(check_arxiv_id("2504.03380v2")
            .unwrap_err()
            .contains("version"));
        assert!(check_arxiv_id("25.1").is_err());
        assert!(check_arxiv_id("math.CA/0611800")
            .unwrap_err()
            .contains("math/0611800"));
    }

    #[test]
    fn published_to_the_year_month_or_day() {
        let published = |value: &str| {
            parse(&format!(
                "---\ntitle: T\ndate: 2025-05-07\npublished: {value}\n---\n"
            ))
            .map(|(e, _)| {
                e.published
                    .map(|d| (d.to_string(), d.display(), d.precision()))
            })
        };
        for (value, iso, shown, precision) in [
            ("2020", "2020", "2020", DatePrecision::Year),
            ("\"2020\"", "2020", "2020", DatePrecision::Year),
            ("2020-07", "2020-07", "July 2020", DatePrecision::Month),
            ("'2020-07'", "2020-07", "July 2020", DatePrecision::Month),
            (
                "2020-07-15",
                "2020-07-15",
                "15 July 2020",
                DatePrecision::Day,
            ),
        ] {
            assert_eq!(
                published(value).unwrap(),
                Some((iso.to_string(), shown.to_string(), precision)),
                "{value}"
            );
        }
        for bad in [
            "2020-13",
            "\"x\"",
            "15",
            "2020-7",
            "20201",
            "2020-00",
            "2020-02-30",
            "\"2020é\"",
            "\"é2020-1\"",
            "2020.5",
            "[2020]",
        ] {
            let errs = published(bad).unwrap_err();
            assert_eq!(errs.len(), 1, "{bad}: {errs:?}");
            assert_eq!(errs[0].line, Some(4), "{bad}");
            assert!(
                errs[0].message.contains("`published` must be a date"),
                "{bad}: {errs:?}"
            );
        }
    }

    #[test]
    fn a_partial_date_covers_what_it_says_at_least() {
        let d = |s: &str| PartialDate::parse(s).unwrap();
        assert_eq!(d("2020").first_day(), time::macros::date!(2020 - 01 - 01));
        assert_eq!(
            d("2020-07").first_day(),
            time::macros::date!(2020 - 07 - 01)
        );
        assert!(d("2020-07-15").covers(d("2020-07")));
        assert!(d("2020-07-15").covers(d("2020")));
        assert!(d("2020-07").covers(d("2020")));
        assert!(d("2020").covers(d("2020")));
        // January is news to a year held alone, though both start on 1 January.
        assert!(!d("2020").covers(d("2020-01")));
        assert!(!d("2020-07").covers(d("2020-06")));
        assert!(!d("2020-07-15").covers(d("2021")));
        // A full date always replaces (it is written anyway, changing nothing
        // when the same).
        assert!(!d("2020-07-15").covers(d("2020-07-16")));
    }

    #[test]
    fn no_front_matter() {
        assert_eq!(parse("# hi\n").unwrap_err()[0].line, Some(1));
    }
}
