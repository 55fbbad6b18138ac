//! BibTeX and BibLaTeX files (`.bib`), as reference managers, Google
//! Scholar, DBLP and arXiv export them.
//!
//! The `biblatex` crate reads the entries: syntax, `@string`s and month
//! macros (`month = oct`), TeX accents (`G\"{o}del` → `Gödel`),
//! case-protecting braces (`{BERT}` → `BERT`), `--` dashes and names
//! (`Lovelace, Ada` → `Ada Lovelace`). This module picks the fields a paper
//! needs and finds its arXiv id in `eprint`, an arXiv `doi` or `url`, or a
//! Google Scholar style `journal = {arXiv preprint arXiv:…}`.
//!
//! Some input makes biblatex overflow the stack (a `crossref` or `@string`
//! cycle, deeply nested command arguments) or panic (its date parser, on
//! years such as `- 999`), so this module keeps such input away from it:
//! each entry goes to biblatex alone with only the fields and `@string`s
//! it needs (which also keeps one bad entry from hiding the others),
//! `crossref`/`xdata` parents are resolved here one level deep, and dates
//! are read here.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;
use std::path::Path;

use biblatex::{
    Bibliography, ChunksExt, Entry, Pair, ParseError, ParseErrorKind, RawBibliography, RawChunk,
    RawEntry, Token,
};
use time::{Date, Month};

use super::record::DatePrecision;
use super::record::Lines;
use super::{ArxivId, Parsed, Record};
use crate::base::error::Diagnostic;

/// The fields a record is made from. Other fields are not read, so a
/// problem in, say, `note` or `file` does not reject an entry.
const FIELDS: &[&str] = &[
    "title",
    "abstract",
    "author",
    "eprint",
    "eprinttype",
    "archiveprefix",
    "eprintclass",
    "primaryclass",
    "doi",
    "url",
    "howpublished",
    "date",
    "year",
    "month",
    "day",
    "journaltitle",
    "journal",
    "booktitle",
    "volume",
    "number",
    "pages",
    "keywords",
];

/// Parent links, renamed on the way into biblatex so that it does not
/// follow them itself (it recurses without end on a cycle).
const PARENT_FIELDS: &[(&str, &str)] = &[("crossref", "sheaf-crossref"), ("xdata", "sheaf-xdata")];

/// Field groups an entry takes from its parents when it has none of the
/// group: where it appeared and when. Title, authors and ids are its own.
const INHERITED: &[&[&str]] = &[
    &["journaltitle", "journal"],
    &["booktitle"],
    &["volume"],
    &["number"],
    &["date", "year", "month", "day"],
];

/// Entry types whose `title` is the `booktitle` of the entries that
/// cross-reference them.
const COLLECTIONS: &[&str] = &[
    "proceedings",
    "mvproceedings",
    "collection",
    "mvcollection",
    "book",
    "mvbook",
    "reference",
    "mvreference",
];

/// Whether an entry of this type, when others cross-reference it, is their
/// venue rather than a paper of its own.
fn is_container(kind: &str) -> bool {
    let kind = kind.to_ascii_lowercase();
    COLLECTIONS.contains(&kind.as_str()) || kind == "periodical" || kind == "xdata"
}

/// Braces nested deeper than this are refused: biblatex reads a command's
/// argument recursively, one stack frame per level.
const MAX_BRACE_DEPTH: usize = 32;
/// `@string`s that use `@string`s, and so on, at most this deep.
const MAX_STRING_DEPTH: usize = 16;
/// What one `@string` may expand to.
const MAX_STRING_BYTES: usize = 64 * 1024;
/// What all `@string` uses in a file may expand to together, so that a
/// few short lines cannot ask for gigabytes.
const MAX_TOTAL_EXPANSION: usize = 16 * 1024 * 1024;

/// Does this text start (after blank lines and `%` comments) with an
/// entry such as `@article{`?
pub(crate) fn looks_like(text: &str) -> bool {
    let mut rest = text.trim_start_matches('\u{feff}');
    loop {
        rest = rest.trim_start();
        match rest.strip_prefix('%') {
            Some(comment) => rest = comment.split_once('\n').map_or("", |(_, r)| r),
            None => break,
        }
    }
    let Some(after_at) = rest.strip_prefix('@') else {
        return false;
    };
    let name_len = after_at
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(after_at.len());
    name_len > 0 && after_at[name_len..].trim_start().starts_with('{')
}

/// Reads every entry of a `.bib` file. A proceedings volume, book or
/// journal that other entries `crossref` (as DBLP exports them) is where
/// papers appeared, not a paper, and gives no record; nor do `@xdata`
/// entries.
pub(crate) fn parse(path: &Path, text: &str) -> Parsed {
    let lines = Lines::new(text);
    let raw = match RawBibliography::parse(text) {
        Ok(raw) => raw,
        Err(e) => {
            return Parsed {
                records: Vec::new(),
                errors: vec![file_error(path, text, &lines, &e)],
            }
        }
    };
    let strings = Strings::new(text, &raw.abbreviations);
    let mut budget = MAX_TOTAL_EXPANSION;
    let mut first_of_key: HashMap<&str, usize> = HashMap::new();
    let mut items = Vec::with_capacity(raw.entries.len());
    for (index, spanned) in raw.entries.iter().enumerate() {
        let entry = &spanned.v;
        let line = lines.line(spanned.span.start);
        let item = Item {
            raw: entry,
            locator: format!("@{}{{{}}}", entry.kind.v, entry.key.v),
            line,
            read: match first_of_key.get(entry.key.v) {
                Some(&first) => Err(Problem::new(
                    line,
                    format!(
                        "the key {:?} is used twice; the first is at line {}",
                        entry.key.v,
                        lines.line(raw.entries[first].span.start)
                    ),
                )),
                None => read_entry(text, &lines, entry, line, &strings, &mut budget),
            },
        };
        first_of_key.entry(entry.key.v).or_insert(index);
        items.push(item);
    }

    // Parents first, so that children can take fields from them.
    let mut parents_of = vec![Vec::new(); items.len()];
    let mut is_parent = vec![false; items.len()];
    for (index, item) in items.iter().enumerate() {
        let Ok(entry) = &item.read else { continue };
        for key in parent_keys(entry) {
            if let Some(&parent) = first_of_key.get(key.as_str()) {
                if parent != index {
                    parents_of[index].push(parent);
                    is_parent[parent] |= is_container(items[parent].raw.kind.v);
                }
            }
        }
    }

    let mut parsed = Parsed::default();
    for (index, item) in items.iter().enumerate() {
        let entry = match &item.read {
            Ok(entry) => entry,
            Err(problem) => {
                parsed.errors.push(problem.diagnostic(path, &item.locator));
                continue;
            }
        };
        if is_parent[index] || item.raw.kind.v.eq_ignore_ascii_case("xdata") {
            continue;
        }
        let mut entry = entry.clone();
        for &parent in &parents_of[index] {
            if let Ok(parent_entry) = &items[parent].read {
                inherit(&mut entry, parent_entry, items[parent].raw.kind.v);
            }
        }
        match to_record(&entry, item, &lines) {
            Ok(record) => parsed.records.push(record),
            Err(problem) => parsed.errors.push(problem.diagnostic(path, &item.locator)),
        }
    }
    parsed
}

/// One entry of the file and what biblatex made of it.
struct Item<'s> {
    raw: &'s RawEntry<'s>,
    locator: String,
    line: usize,
    read: Result<Entry, Problem>,
}

impl Item<'_> {
    /// The line of one of the entry's own fields, else of the entry.
    fn field_line(&self, lines: &Lines, names: &[&str]) -> usize {
        self.raw
            .fields
            .iter()
            .find(|p| names.iter().any(|n| p.key.v.eq_ignore_ascii_case(n)))
            .map_or(self.line, |p| lines.line(p.key.span.start))
    }
}

/// What is wrong with one entry, and where.
#[derive(Debug)]
struct Problem {
    line: usize,
    message: String,
}

impl Problem {
    fn new(line: usize, message: impl Into<String>) -> Problem {
        Problem {
            line,
            message: message.into(),
        }
    }

    fn diagnostic(&self, path: &Path, locator: &str) -> Diagnostic {
        Diagnostic::error(
            path,
            Some(self.line),
            format!("{locator}: {}", self.message),
        )
    }
}

/// Hands one entry to biblatex, with the `@string`s it uses and only the
/// fields sheaf reads.
fn read_entry(
    text: &str,
    lines: &Lines,
    raw: &RawEntry,
    line: usize,
    strings: &Strings,
    budget: &mut usize,
) -> Result<Entry, Problem> {
    let mut kept: Vec<(&str, &Pair)> = Vec::new();
    let mut needed = BTreeSet::new();
    let mut expansion = 0usize;
    for pair in &raw.fields {
        let key = pair.key.v.to_ascii_lowercase();
        let name = match FIELDS.iter().find(|f| **f == key) {
            Some(f) => *f,
            None => match PARENT_FIELDS.iter().find(|(f, _)| *f == key) {
                Some((_, renamed)) => *renamed,
                None => continue,
            },
        };
        let field_line = lines.line(pair.key.span.start);
        if brace_depth(text.get(pair.value.span.clone()).unwrap_or("")) > MAX_BRACE_DEPTH {
            return Err(Problem::new(
                field_line,
                format!("`{key}` nests braces more than {MAX_BRACE_DEPTH} deep"),
            ));
        }
        for chunk in &pair.value.v {
            let RawChunk::Abbreviation(abbr) = chunk.v else {
                continue;
            };
            match strings.lookup(abbr) {
                Some((index, Ok(bytes))) => {
                    strings.closure(index, &mut needed);
                    expansion = expansion.saturating_add(bytes);
                }
                Some((_, Err(refused))) => {
                    let through = match refused.culprit {
                        Some(culprit) if culprit != abbr => format!("uses `{culprit}`, which "),
                        _ => String::new(),
                    };
                    return Err(Problem::new(
                        field_line,
                        format!(
                            "`{key}` uses the @string `{abbr}`, which {through}{}",
                            refused.why
                        ),
                    ));
                }
                // A month macro, or undefined: biblatex says which.
                None => {}
            }
        }
        kept.push((name, pair));
    }
    *budget = budget.checked_sub(expansion).ok_or_else(|| {
        Problem::new(
            line,
            format!(
                "the @strings used in this file expand to more than {} MiB; this entry was not read",
                MAX_TOTAL_EXPANSION / (1024 * 1024)
            ),
        )
    })?;

    let mut mini = MiniSource::default();
    for &index in &needed {
        let def = strings.defs[index];
        mini.literal("@string{");
        mini.copy(text, def.key.span.clone());
        mini.literal(" = ");
        mini.copy(text, def.value.span.clone());
        mini.literal("}\n");
    }
    // The key and type are sheaf's: biblatex needs neither, and a real key
    // may be one that biblatex would read differently on its own.
    mini.literal("@misc{entry,\n");
    for (name, pair) in &kept {
        mini.literal(name);
        mini.literal(" = ");
        mini.copy(text, pair.value.span.clone());
        mini.literal(",\n");
    }
    mini.literal("}\n");

    // biblatex's own bugs should cost one entry, not the import.
    let result = std::panic::catch_unwind(|| Bibliography::parse(&mini.text));
    match result {
        Ok(Ok(bibliography)) => bibliography
            .into_iter()
            .next()
            .ok_or_else(|| Problem::new(line, "biblatex found no entry here")),
        Ok(Err(e)) => {
            let at = mini.original(e.span.start);
            let place = at.and_then(|pos| {
                kept.iter()
                    .find(|(_, p)| p.value.span.contains(&pos) || p.value.span.end == pos)
                    .map(|(_, p)| format!("`{}`", p.key.v.to_ascii_lowercase()))
                    .or_else(|| {
                        strings
                            .containing(pos)
                            .map(|n| format!("the @string `{n}`"))
                    })
            });
            let problem = describe(&e.kind);
            Err(Problem::new(
                at.map_or(line, |pos| lines.line(pos)),
                match place {
                    Some(place) => format!("cannot read {place}: {problem}"),
                    None => format!("cannot read this entry: {problem}"),
                },
            ))
        }
        Err(_) => Err(Problem::new(line, "the BibTeX reader failed on this entry")),
    }
}

/// The keys an entry names in `crossref` and `xdata`, as biblatex reads
/// them.
fn parent_keys(entry: &Entry) -> Vec<String> {
    let mut keys = Vec::new();
    if let Ok(key) = entry.get_as::<String>(PARENT_FIELDS[0].1) {
        keys.push(key.trim().to_string());
    }
    if let Ok(list) = entry.get_as::<Vec<String>>(PARENT_FIELDS[1].1) {
        keys.extend(list.into_iter().map(|k| k.trim().to_string()));
    }
    keys.retain(|k| !k.is_empty());
    keys
}

/// Takes from a parent the field groups the entry lacks, as biblatex's
/// crossref resolution does (one level only): a collection's title is its
/// papers' `booktitle`, a periodical's their `journaltitle`.
fn inherit(entry: &mut Entry, parent: &Entry, parent_kind: &str) {
    for group in INHERITED {
        if group.iter().any(|f| entry.get(f).is_some()) {
            continue;
        }
        for field in *group {
            let value = match parent.get(field) {
                Some(value) => Some(value.to_vec()),
                None if *field == "booktitle"
                    && COLLECTIONS
                        .iter()
                        .any(|k| k.eq_ignore_ascii_case(parent_kind)) =>
                {
                    parent.get("title").map(<[_]>::to_vec)
                }
                None if *field == "journaltitle"
                    && parent_kind.eq_ignore_ascii_case("periodical") =>
                {
                    parent.get("title").map(<[_]>::to_vec)
                }
                None => None,
            };
            if let Some(value) = value {
                entry.set(field, value);
            }
        }
    }
}

/// A field's text: braces and TeX resolved by biblatex, trimmed, `None`
/// when missing or blank.
fn field(entry: &Entry, names: &[&str]) -> Option<String> {
    names.iter().find_map(|name| {
        let value = entry.get(name)?.format_verbatim();
        let value = value.trim();
        (!value.is_empty()).then(|| value.to_string())
    })
}

fn to_record(entry: &Entry, item: &Item, lines: &Lines) -> Result<Record, Problem> {
    let problem =
        |names: &[&str], message: String| Problem::new(item.field_line(lines, names), message);

    let Some(title) = field(entry, &["title"]) else {
        return Err(Problem::new(item.line, "the entry has no title"));
    };
    let authors = entry
        .author()
        .unwrap_or_default()
        .iter()
        .map(|person| person.to_string().trim().to_string())
        // `and others` is BibTeX for "et al.", not a name.
        .filter(|name| !name.is_empty() && !name.eq_ignore_ascii_case("others"))
        .collect();

    let ids = find_arxiv(entry).map_err(|(names, message)| problem(names, message))?;
    let (published, published_precision) = match published(entry) {
        Ok(Some((date, precision))) => (Some(date), precision),
        Ok(None) => (None, DatePrecision::Day),
        Err((names, message)) => return Err(problem(names, message)),
    };

    let is_arxiv = ids.arxiv.is_some();
    let categories = match field(entry, &["eprintclass", "primaryclass"]) {
        Some(class) if is_arxiv => vec![class],
        _ => Vec::new(),
    };
    let keywords = field(entry, &["keywords"])
        .map(|k| super::biblio::keyword_list(&k))
        .unwrap_or_default();

    Ok(Record {
        locator: item.locator.clone(),
        line: Some(item.line),
        title,
        abstract_text: field(entry, &["abstract"]).unwrap_or_default(),
        authors,
        arxiv: ids.arxiv,
        doi: ids.doi,
        url: ids.url,
        code: None,
        project: None,
        published,
        published_precision,
        updated: None,
        categories,
        journal_ref: if ids.venue_is_arxiv {
            None
        } else {
            journal_ref(entry)
        },
        keywords,
        metrics: None,
        theme: None,
    })
}

/// The identifiers of an entry.
#[derive(Default)]
struct Ids {
    arxiv: Option<ArxivId>,
    doi: Option<String>,
    url: Option<String>,
    /// The journal is arXiv itself (`arXiv preprint …`, DBLP's `CoRR`),
    /// which is no journal reference.
    venue_is_arxiv: bool,
}

type FieldError = (&'static [&'static str], String);

/// The arXiv id from every field that can carry one; they must agree.
fn find_arxiv(entry: &Entry) -> Result<Ids, FieldError> {
    let mut ids = Ids::default();
    let mut found: Vec<(&'static [&'static str], ArxivId)> = Vec::new();
    let invalid = |names: &'static [&'static str], what: String, why: String| -> FieldError {
        (names, format!("{what} is not a valid arXiv id: {why}"))
    };

    const EPRINT: &[&str] = &["eprint"];
    if let Some(eprint) = field(entry, EPRINT) {
        let kind = field(entry, &["eprinttype", "archiveprefix"]);
        let says_arxiv = kind
            .as_deref()
            .is_some_and(|k| k.eq_ignore_ascii_case("arxiv"))
            || starts_with_ignore_case(&eprint, "arxiv:");
        match ArxivId::parse(&eprint) {
            Ok(id) if says_arxiv || kind.is_none() => found.push((EPRINT, id)),
            Err(why) if says_arxiv => {
                return Err(invalid(EPRINT, format!("`eprint` {eprint:?}"), why))
            }
            // Another archive's eprint (HAL, PubMed…).
            _ => {}
        }
    }

    const DOI: &[&str] = &["doi"];
    if let Some(doi) = field(entry, DOI) {
        let doi = strip_doi_prefix(&doi);
        if starts_with_ignore_case(doi, "10.48550/arxiv.") {
            match ArxivId::parse(doi) {
                Ok(id) => found.push((DOI, id)),
                Err(why) => return Err(invalid(DOI, format!("the arXiv DOI {doi:?}"), why)),
            }
        } else {
            ids.doi = Some(doi.to_string());
        }
    }

    const URL: &[&str] = &["url"];
    if let Some(url) = field(entry, URL) {
        if is_arxiv_url(&url) {
            match ArxivId::parse(&url) {
                Ok(id) => found.push((URL, id)),
                Err(why) => return Err(invalid(URL, format!("the arXiv address {url:?}"), why)),
            }
        } else {
            ids.url = Some(url);
        }
    }

    const JOURNAL: &[&str] = &["journaltitle", "journal"];
    if let Some(journal) = field(entry, JOURNAL) {
        if let Some(at) = find_ignore_case(&journal, "arxiv:") {
            ids.venue_is_arxiv = true;
            let token = journal[at..]
                .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
                .next()
                .unwrap_or("");
            match ArxivId::parse(token) {
                Ok(id) => found.push((JOURNAL, id)),
                Err(why) => return Err(invalid(JOURNAL, format!("{token:?} in `journal`"), why)),
            }
        } else if journal.eq_ignore_ascii_case("corr") || starts_with_ignore_case(&journal, "arxiv")
        {
            ids.venue_is_arxiv = true;
            // DBLP: `journal = {CoRR}, volume = {abs/1810.04805}`.
            const VOLUME: &[&str] = &["volume"];
            if let Some(number) = field(entry, VOLUME)
                .as_deref()
                .and_then(|v| v.strip_prefix("abs/"))
            {
                match ArxivId::parse(number) {
                    Ok(id) => found.push((VOLUME, id)),
                    Err(why) => {
                        return Err(invalid(VOLUME, format!("the CoRR volume {number:?}"), why))
                    }
                }
            }
        }
    }

    const HOWPUBLISHED: &[&str] = &["howpublished"];
    if let Some(url) = field(entry, HOWPUBLISHED).as_deref().and_then(first_url) {
        if is_arxiv_url(url) {
            match ArxivId::parse(url) {
                Ok(id) => found.push((HOWPUBLISHED, id)),
                Err(why) => {
                    return Err(invalid(
                        HOWPUBLISHED,
                        format!("the arXiv address {url:?}"),
                        why,
                    ))
                }
            }
        } else if ids.url.is_none() {
            ids.url = Some(url.to_string());
        }
    }

    if let Some((first_names, first)) = found.first() {
        if let Some((names, other)) = found.iter().find(|(_, id)| id.id != first.id) {
            return Err((
                names,
                format!(
                    "`{}` gives the arXiv id {} but `{}` gives {}",
                    first_names[0], first.id, names[0], other.id
                ),
            ));
        }
        ids.arxiv = Some(ArxivId {
            id: first.id.clone(),
            version: found.iter().find_map(|(_, id)| id.version),
        });
    }
    Ok(ids)
}

pub(super) fn is_arxiv_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let host = lower
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_start_matches("www.")
        .trim_start_matches("export.");
    host.starts_with("arxiv.org/")
}

/// `https://doi.org/10.1/x`, `doi:10.1/x` → `10.1/x`.
pub(super) fn strip_doi_prefix(doi: &str) -> &str {
    for prefix in [
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "http://dx.doi.org/",
        "doi:",
    ] {
        if starts_with_ignore_case(doi, prefix) {
            return doi[prefix.len()..].trim();
        }
    }
    doi
}

/// The first http(s) URL in a text such as `\url{https://…}`.
fn first_url(text: &str) -> Option<&str> {
    let start = find_ignore_case(text, "https://").or_else(|| find_ignore_case(text, "http://"))?;
    let rest = &text[start..];
    let end = rest
        .find(|c: char| c.is_whitespace() || matches!(c, '{' | '}' | '"' | '<' | '>'))
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

pub(super) fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// Byte offset of an ASCII `needle` in `text`, any case.
fn find_ignore_case(text: &str, needle: &str) -> Option<usize> {
    text.char_indices()
        .map(|(i, _)| i)
        .find(|&i| starts_with_ignore_case(&text[i..], needle))
}

/// `Nature 521(7553), 436–444`, `Proceedings of NAACL-HLT 2019, 4171–4186`.
fn journal_ref(entry: &Entry) -> Option<String> {
    let mut out = field(entry, &["journaltitle", "journal", "booktitle"])?;
    if let Some(volume) = field(entry, &["volume"]) {
        out.push(' ');
        out.push_str(&volume);
    }
    if let Some(number) = field(entry, &["number"]) {
        out.push_str(&format!("({number})"));
    }
    if let Some(pages) = field(entry, &["pages"]) {
        out.push_str(", ");
        out.push_str(&pages);
    }
    Some(out)
}

const DATE_FIELDS: &[&str] = &["date"];
const YEAR_FIELDS: &[&str] = &["year"];
const MONTH_FIELDS: &[&str] = &["month"];
const DAY_FIELDS: &[&str] = &["day"];

/// The publication date from `date`, else `year`, `month` and `day`; the
/// first of the month or year when the day or month is not given, with
/// how much was given.
/// biblatex has already turned month macros (`oct`) into names.
fn published(entry: &Entry) -> Result<Option<(Date, DatePrecision)>, FieldError> {
    if let Some(date) = field(entry, DATE_FIELDS) {
        return parse_date_field(&date).map(Some).ok_or_else(|| {
            (
                DATE_FIELDS,
                format!("`date` {date:?} is not a date (expected YYYY, YYYY-MM or YYYY-MM-DD)"),
            )
        });
    }
    let Some(year_text) = field(entry, YEAR_FIELDS) else {
        return Ok(None);
    };
    let year = parse_year(&year_text).ok_or_else(|| {
        (
            YEAR_FIELDS,
            format!("`year` {year_text:?} is not a year (expected four digits)"),
        )
    })?;
    let mut precision = DatePrecision::Year;
    let month = match field(entry, MONTH_FIELDS) {
        Some(text) => {
            precision = DatePrecision::Month;
            parse_month(&text).ok_or_else(|| {
                (
                    MONTH_FIELDS,
                    format!("`month` {text:?} is not a month (expected 1–12, a name or jan…dec)"),
                )
            })?
        }
        None => Month::January,
    };
    let day = match field(entry, DAY_FIELDS) {
        // A day without a month says nothing more than the year.
        Some(text) => {
            if precision == DatePrecision::Month {
                precision = DatePrecision::Day;
            }
            text.parse::<u8>()
                .ok()
                .filter(|d| (1..=31).contains(d))
                .ok_or_else(|| {
                    (
                        DAY_FIELDS,
                        format!("`day` {text:?} is not a day of the month"),
                    )
                })?
        }
        None => 1,
    };
    Date::from_calendar_date(year, month, day)
        .map(|d| Some((d, precision)))
        .map_err(|_| {
            (
                DAY_FIELDS,
                format!("{year}-{:02}-{day:02} does not exist", month as u8),
            )
        })
}

/// `2019`, `2019-06`, `2019-06-02`, also with a time (`2019-06-02T10:00`),
/// as the start of a range (`2019-06-02/2019-06-07`) or uncertain (`2019?`).
fn parse_date_field(text: &str) -> Option<(Date, DatePrecision)> {
    let text = text.trim_end_matches(['?', '~', '%']);
    let text = text.split('/').next()?.trim();
    let text = text.split('T').next()?;
    let mut parts = text.split('-');
    let year = parse_year(parts.next()?)?;
    let mut precision = DatePrecision::Year;
    let month = match parts.next() {
        Some(m) => {
            precision = DatePrecision::Month;
            Month::try_from(parse_number(m, 2)?).ok()?
        }
        None => Month::January,
    };
    let day = match parts.next() {
        Some(d) => {
            precision = DatePrecision::Day;
            parse_number(d, 2)?
        }
        None => 1,
    };
    if parts.next().is_some() {
        return None;
    }
    Date::from_calendar_date(year, month, day)
        .ok()
        .map(|d| (d, precision))
}

fn parse_year(text: &str) -> Option<i32> {
    let text = text.trim();
    (text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// One or two ASCII digits (at most `max_digits`).
fn parse_number(text: &str, max_digits: usize) -> Option<u8> {
    let ok =
        !text.is_empty() && text.len() <= max_digits && text.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| text.parse().ok()).flatten()
}

/// `10`, `October`, `oct`, `Oct.`; biblatex writes macros out in full.
fn parse_month(text: &str) -> Option<Month> {
    let text = text.trim().trim_end_matches('.');
    if let Some(n) = parse_number(text, 2) {
        return Month::try_from(n).ok();
    }
    const NAMES: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let lower = text.to_lowercase();
    let index = NAMES
        .iter()
        .position(|name| lower.len() >= 3 && name.starts_with(&lower))?;
    Month::try_from(index as u8 + 1).ok()
}

/// The `@string` definitions of a file, checked before biblatex expands
/// them: it recurses once per level and without end on a cycle.
struct Strings<'s> {
    text: &'s str,
    defs: Vec<&'s Pair<'s>>,
    /// The definition biblatex uses for a name: the last one.
    by_name: HashMap<&'s str, usize>,
    /// Per definition: its expanded size in bytes, or why it is refused.
    checked: Vec<Result<usize, Refused<'s>>>,
}

impl<'s> Strings<'s> {
    fn new(text: &'s str, pairs: &'s [Pair<'s>]) -> Strings<'s> {
        let defs: Vec<&Pair> = pairs.iter().collect();
        let by_name = defs.iter().enumerate().map(|(i, p)| (p.key.v, i)).collect();
        let mut strings = Strings {
            text,
            checked: Vec::new(),
            defs,
            by_name,
        };
        let mut state = vec![Visit::New; strings.defs.len()];
        for index in 0..strings.defs.len() {
            // Fills `state`; the results are read from there.
            let _ = strings.visit(index, 0, &mut state);
        }
        strings.checked = state
            .into_iter()
            .map(|s| match s {
                Visit::Done(result) => result,
                _ => Err(Refused::new("could not be checked")),
            })
            .collect();
        strings
    }

    fn visit(
        &self,
        index: usize,
        depth: usize,
        state: &mut [Visit<'s>],
    ) -> Result<usize, Refused<'s>> {
        match &state[index] {
            Visit::Done(result) => return result.clone(),
            Visit::Active => return Err(Refused::new("refers back to itself")),
            Visit::New => {}
        }
        if depth >= MAX_STRING_DEPTH {
            return Err(Refused::new(format!(
                "nests @strings more than {MAX_STRING_DEPTH} deep"
            )));
        }
        state[index] = Visit::Active;
        let result = self.expand(index, depth, state);
        state[index] = Visit::Done(result.clone());
        result
    }

    fn expand(
        &self,
        index: usize,
        depth: usize,
        state: &mut [Visit<'s>],
    ) -> Result<usize, Refused<'s>> {
        let def = self.defs[index];
        if brace_depth(self.text.get(def.value.span.clone()).unwrap_or("")) > MAX_BRACE_DEPTH {
            return Err(Refused::new(format!(
                "nests braces more than {MAX_BRACE_DEPTH} deep"
            )));
        }
        let mut bytes = 0usize;
        for chunk in &def.value.v {
            bytes = bytes.saturating_add(match chunk.v {
                RawChunk::Normal(s) => s.len(),
                RawChunk::Abbreviation(name) => match self.by_name.get(name) {
                    Some(&used) => {
                        self.visit(used, depth + 1, state)
                            .map_err(|refused| Refused {
                                culprit: refused.culprit.or(Some(name)),
                                ..refused
                            })?
                    }
                    // Month names are at most nine bytes.
                    None => 9,
                },
            });
        }
        if bytes > MAX_STRING_BYTES {
            return Err(Refused::new(format!(
                "expands to more than {} KiB",
                MAX_STRING_BYTES / 1024
            )));
        }
        Ok(bytes)
    }

    /// The definition biblatex would use for `name`, and its checked size.
    fn lookup(&self, name: &str) -> Option<(usize, Result<usize, Refused<'s>>)> {
        let &index = self.by_name.get(name)?;
        Some((index, self.checked.get(index)?.clone()))
    }

    /// A (checked, so acyclic) definition and every definition it uses.
    fn closure(&self, index: usize, out: &mut BTreeSet<usize>) {
        let mut stack = vec![index];
        while let Some(index) = stack.pop() {
            if !out.insert(index) {
                continue;
            }
            for chunk in &self.defs[index].value.v {
                if let RawChunk::Abbreviation(name) = chunk.v {
                    stack.extend(self.by_name.get(name));
                }
            }
        }
    }

    /// The name of the definition whose value holds byte `pos`.
    fn containing(&self, pos: usize) -> Option<&'s str> {
        self.defs
            .iter()
            .find(|d| d.value.span.contains(&pos))
            .map(|d| d.key.v)
    }
}

/// Why a `@string` is not handed to biblatex.
#[derive(Debug, Clone)]
struct Refused<'s> {
    /// The `@string` at fault, when it is another one that this one uses.
    culprit: Option<&'s str>,
    why: String,
}

impl Refused<'_> {
    fn new(why: impl Into<String>) -> Self {
        Refused {
            culprit: None,
            why: why.into(),
        }
    }
}

#[derive(Clone)]
enum Visit<'s> {
    New,
    Active,
    Done(Result<usize, Refused<'s>>),
}

/// The deepest brace nesting of a raw value (escaped braces do not count).
fn brace_depth(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '{' => {
                depth += 1;
                max = max.max(depth);
            }
            '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// The text sheaf hands to biblatex for one entry, pieced together from
/// the file, with a map back to the file's byte offsets for errors.
#[derive(Default)]
struct MiniSource {
    text: String,
    /// (offset in `text`, offset in the file, or `None` for sheaf's own
    /// text), sorted.
    pieces: Vec<(usize, Option<usize>)>,
}

impl MiniSource {
    fn literal(&mut self, s: &str) {
        self.pieces.push((self.text.len(), None));
        self.text.push_str(s);
    }

    fn copy(&mut self, file: &str, range: Range<usize>) {
        self.pieces.push((self.text.len(), Some(range.start)));
        self.text.push_str(file.get(range).unwrap_or(""));
    }

    fn original(&self, pos: usize) -> Option<usize> {
        let index = self.pieces.partition_point(|&(start, _)| start <= pos);
        let (start, original) = *self.pieces.get(index.checked_sub(1)?)?;
        Some(original? + (pos - start))
    }
}

/// The error for a file biblatex cannot read at all.
fn file_error(path: &Path, text: &str, lines: &Lines, e: &ParseError) -> Diagnostic {
    let line = lines.line(e.span.start);
    let column = lines.column(text, e.span.start);
    let mut message = format!(
        "cannot read this BibTeX file: {} (line {line}, column {column})",
        describe(&e.kind)
    );
    if let Some(hint) = unbalanced_entry(text, lines, e.span.start) {
        message.push_str(&format!("; {hint}"));
    }
    Diagnostic::error(path, Some(line), message)
}

fn describe(kind: &ParseErrorKind) -> String {
    let token = |t: &Token| match t {
        Token::Identifier => "a name",
        Token::OpeningBrace => "`{`",
        Token::ClosingBrace => "`}`",
        Token::Comma => "`,`",
        Token::QuotationMark => "`\"`",
        Token::Equals => "`=`",
        Token::DecimalPoint => "`.`",
    };
    match kind {
        ParseErrorKind::UnexpectedEof => {
            "the text ends inside a value: a `{`, `\"` or `$` is not closed".to_string()
        }
        ParseErrorKind::Expected(t) => format!("expected {}", token(t)),
        ParseErrorKind::Unexpected(Token::ClosingBrace) => "a `}` that closes nothing".to_string(),
        ParseErrorKind::Unexpected(t) => format!("unexpected {}", token(t)),
        ParseErrorKind::UnknownAbbreviation(name) => format!(
            "`{name}` is not a defined @string or month (to write it as text, use braces: {{{name}}})"
        ),
        ParseErrorKind::MalformedCommand => "a malformed TeX command".to_string(),
        ParseErrorKind::DuplicateKey(key) => format!("the key {key:?} is used twice"),
        other => other.to_string(),
    }
}

/// Names the first entry whose braces do not balance, when it starts
/// before `error_pos`: the parser only notices at the end of the file or at
/// the next entry.
fn unbalanced_entry(text: &str, lines: &Lines, error_pos: usize) -> Option<String> {
    let at_line_start = |i: usize| {
        let line_start = lines.line_start(i);
        text.get(line_start..i).is_some_and(|s| s.trim().is_empty())
    };
    let starts: Vec<usize> = text
        .match_indices('@')
        .map(|(i, _)| i)
        .filter(|&i| at_line_start(i) && looks_like(&text[i..]))
        .collect();
    for (n, &start) in starts.iter().enumerate() {
        if start > error_pos {
            break;
        }
        let end = starts.get(n + 1).copied().unwrap_or(text.len());
        let entry = &text[start..end];
        let (mut depth, mut chars) = (0i64, entry.chars());
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    chars.next();
                }
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
        }
        if depth != 0 {
            let head = entry.split([',', '\n']).next().unwrap_or("").trim();
            let imbalance = if depth > 0 {
                format!("{depth} `{{` not closed")
            } else {
                format!("{} `}}` too many", -depth)
            };
            return Some(format!(
                "the braces of {head} (line {}) do not balance: {imbalance}",
                lines.line(start)
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::front::import::clean::clean;

    fn fixture(name: &str) -> (String, Parsed) {
        let path = format!(
            "{}/tests/fixtures/import/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap();
        let parsed = parse(Path::new(&path), &text);
        (text, parsed)
    }

    fn bib(text: &str) -> Parsed {
        parse(Path::new("refs.bib"), text)
    }

    fn date(y: i32, m: u8, d: u8) -> Option<Date> {
        Some(Date::from_calendar_date(y, Month::try_from(m).unwrap(), d).unwrap())
    }

    fn messages(parsed: &Parsed) -> Vec<(Option<usize>, &str)> {
        parsed
            .errors
            .iter()
            .map(|d| (d.line, d.message.as_str()))
            .collect()
    }

    #[test]
    fn fixture_entries_become_records() {
        let (text, parsed) = fixture("papers.bib");
        assert!(looks_like(&text));
        assert_eq!(messages(&parsed), []);
        let [llama, bert, adam, goedel] = &parsed.records[..] else {
            panic!("{:#?}", parsed.records)
        };

        // arXiv's own export: eprint, archivePrefix, primaryClass.
        assert_eq!(llama.locator, "@misc{roziere2023code}");
        assert_eq!(llama.line, Some(4));
        assert_eq!(llama.title, "Code Llama: Open Foundation Models for Code");
        assert_eq!(
            llama.authors,
            [
                "Baptiste Rozière",
                "Jonas Gehring",
                "Fabian Gloeckle",
                "Jérémy Rapin",
                "Alexandre Défossez",
                "Cristian Canton Ferrer",
            ]
        );
        let id = llama.arxiv.as_ref().unwrap();
        assert_eq!((id.id.as_str(), id.version), ("2308.12950", None));
        assert_eq!(llama.categories, ["cs.CL"]);
        assert_eq!(llama.published, date(2023, 8, 1));
        // The arXiv abs URL is the id again, not a separate page.
        assert_eq!((llama.url.as_deref(), llama.doi.as_deref()), (None, None));
        assert_eq!(llama.keywords, ["code generation", "large language models"]);
        assert!(llama.abstract_text.starts_with(
            "We release Code Llama, a family of large language models for code based on Llama 2"
        ));
        assert!(llama.abstract_text.contains("up to 67% and 65%"));
        assert_eq!(llama.journal_ref, None);

        // ACL Anthology: quoted values, month macro, a DOI that is not arXiv's.
        assert_eq!(bert.locator, "@inproceedings{devlin-etal-2019-bert}");
        assert_eq!(bert.line, Some(19));
        assert_eq!(
            bert.title,
            "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding"
        );
        assert_eq!(
            bert.authors,
            [
                "Jacob Devlin",
                "Ming-Wei Chang",
                "Kenton Lee",
                "Kristina Toutanova"
            ]
        );
        assert_eq!(bert.arxiv, None);
        assert_eq!(bert.doi.as_deref(), Some("10.18653/v1/N19-1423"));
        assert_eq!(
            bert.url.as_deref(),
            Some("https://aclanthology.org/N19-1423/")
        );
        assert_eq!(bert.published, date(2019, 6, 1));
        assert_eq!(
            bert.journal_ref.as_deref(),
            Some(
                "Proceedings of the 2019 Conference of the North American Chapter of the \
                 Association for Computational Linguistics: Human Language Technologies, \
                 Volume 1 (Long and Short Papers), 4171–4186"
            )
        );
        assert!(bert.abstract_text.contains("model called BERT, which"));

        // An arXiv URL with a version; the Zotero `file` path is not read.
        let id = adam.arxiv.as_ref().unwrap();
        assert_eq!((id.id.as_str(), id.version), ("1412.6980", Some(2)));
        assert_eq!(adam.url, None);
        assert_eq!(adam.authors, ["Diederik P. Kingma", "Jimmy Ba"]);
        assert_eq!(adam.published, date(2014, 12, 1));
        assert!(adam.categories.is_empty());

        // Accents and protected words in a journal article.
        assert_eq!(
            goedel.title,
            "Über formal unentscheidbare Sätze der Principia Mathematica und verwandter Systeme I"
        );
        assert_eq!(goedel.authors, ["Kurt Gödel"]);
        assert_eq!(goedel.doi.as_deref(), Some("10.1007/BF01700692"));
        assert_eq!(
            goedel.journal_ref.as_deref(),
            Some("Monatshefte für Mathematik und Physik 38(1), 173–198")
        );
        assert_eq!(goedel.published, date(1931, 12, 1));
        assert_eq!(goedel.abstract_text, "");
    }

    #[test]
    fn accented_names_read_as_written() {
        let parsed = bib(
            r#"@article{g, title = {T}, author = {G\"{o}del, Kurt and Kurt G\"odel and Erd{\H{o}}s, Paul}}"#,
        );
        let authors = &parsed.records[0].authors;
        assert_eq!(authors, &["Kurt Gödel", "Kurt Gödel", "Paul Erdős"]);
        // And the pipeline's cleaner leaves them so, or finishes the job
        // when a source hands it the TeX.
        for name in authors
            .iter()
            .map(String::as_str)
            .chain([r#"Kurt G\"{o}del"#])
        {
            let cleaned = clean(name).plain();
            assert!(
                cleaned == "Kurt Gödel" || cleaned == "Paul Erdős",
                "{name} → {cleaned}"
            );
        }
    }

    #[test]
    fn unbalanced_braces_name_the_place_and_the_entry() {
        let (_, parsed) = fixture("bad-braces.bib");
        assert!(parsed.records.is_empty());
        let [error] = &parsed.errors[..] else {
            panic!("{:#?}", parsed.errors)
        };
        assert!(error.file.ends_with("bad-braces.bib"));
        assert_eq!(error.line, Some(12));
        assert_eq!(
            error.message,
            "cannot read this BibTeX file: expected `,` (line 12, column 1); the braces of \
             @inproceedings{broken2021 (line 6) do not balance: 1 `{` not closed"
        );

        let parsed = bib("@article{a,\n  title = {Open {ended},\n");
        assert!(parsed.records.is_empty());
        assert_eq!(parsed.errors.len(), 1);
        assert!(
            parsed.errors[0]
                .message
                .contains("the text ends inside a value"),
            "{}",
            parsed.errors[0].message
        );
    }

    #[test]
    fn an_invalid_arxiv_id_rejects_its_record_only() {
        let parsed = bib(r#"
@misc{good1, title = {One}, eprint = {2504.03380}, archivePrefix = {arXiv}}

@misc{bad,
  title = {Two},
  eprint = {2504.0338},
  archivePrefix = {arXiv},
}

@misc{good2, title = {Three}, doi = {10.48550/arXiv.2310.06825}}
"#);
        assert_eq!(
            messages(&parsed),
            [(
                Some(6),
                "@misc{bad}: `eprint` \"2504.0338\" is not a valid arXiv id: \"2504.0338\": \
                 ids since 2015 have five digits after the dot"
            )]
        );
        let titles: Vec<_> = parsed.records.iter().map(|r| r.title.as_str()).collect();
        assert_eq!(titles, ["One", "Three"]);
        // The arXiv DOI gives the id, and is not kept as a DOI.
        assert_eq!(parsed.records[1].arxiv.as_ref().unwrap().id, "2310.06825");
        assert_eq!(parsed.records[1].doi, None);
    }

    #[test]
    fn arxiv_ids_from_every_field_must_agree() {
        let parsed = bib(r#"
@article{scholar, title = {Attention Is All You Need},
  journal = {arXiv preprint arXiv:1706.03762}, year = {2017}}
@article{dblp, title = {Adam}, journal = {CoRR}, volume = {abs/1412.6980}, year = {2014}}
@misc{plain, title = {Old}, eprint = {hep-th/9901001}}
@misc{hal, title = {Elsewhere}, eprint = {hal-01234567}, eprinttype = {HAL}}
@misc{howpub, title = {Mistral 7B}, howpublished = {\url{https://arxiv.org/abs/2310.06825v1}}}
@misc{clash, title = {Clash}, eprint = {2504.03380},
  url = {https://arxiv.org/abs/2504.03381}}
"#);
        let ids: Vec<_> = parsed
            .records
            .iter()
            .map(|r| {
                (
                    r.locator.as_str(),
                    r.arxiv.as_ref().map(|a| a.to_string()),
                    r.journal_ref.clone(),
                )
            })
            .collect();
        assert_eq!(
            ids,
            [
                ("@article{scholar}", Some("1706.03762".into()), None),
                ("@article{dblp}", Some("1412.6980".into()), None),
                ("@misc{plain}", Some("hep-th/9901001".into()), None),
                ("@misc{hal}", None, None),
                ("@misc{howpub}", Some("2310.06825v1".into()), None),
            ]
        );
        assert_eq!(
            messages(&parsed),
            [(
                Some(9),
                "@misc{clash}: `eprint` gives the arXiv id 2504.03380 but `url` gives 2504.03381"
            )]
        );
    }

    #[test]
    fn dates_from_date_or_year_month_day() {
        let parsed = bib(r#"
@misc{a, title = {A}, date = {2021-03-15}}
@misc{b, title = {B}, year = 2020, month = {10}}
@misc{c, title = {C}, year = {2020}, month = {Sept.}, day = {9}}
@misc{d, title = {D}, year = {2019}}
@misc{e, title = {E}, date = {2022-06-02/2022-06-07}}
@misc{f, title = {F}}
"#);
        let dates: Vec<_> = parsed.records.iter().map(|r| r.published).collect();
        assert_eq!(
            dates,
            [
                date(2021, 3, 15),
                date(2020, 10, 1),
                date(2020, 9, 9),
                date(2019, 1, 1),
                date(2022, 6, 2),
                None
            ]
        );
        assert_eq!(messages(&parsed), []);
    }

    #[test]
    fn bad_dates_are_errors_not_panics() {
        // biblatex's own date parser panics on several of these.
        let parsed = bib(r#"
@misc{month13, title = {A}, year = {2020}, month = {13}}
@misc{dayinmonth, title = {B}, year = {2020}, month = {jan 999}}
@misc{signed, title = {C}, year = {- 999}}
@misc{superscript, title = {D}, date = {²}}
@misc{feb30, title = {E}, date = {2020-02-30}}
@misc{nodate, title = {F}, year = {2020}, month = feb, day = {30}}
"#);
        assert!(parsed.records.is_empty());
        assert_eq!(
            messages(&parsed),
            [
                (Some(2), "@misc{month13}: `month` \"13\" is not a month (expected 1–12, a name or jan…dec)"),
                (Some(3), "@misc{dayinmonth}: `month` \"jan 999\" is not a month (expected 1–12, a name or jan…dec)"),
                (Some(4), "@misc{signed}: `year` \"- 999\" is not a year (expected four digits)"),
                (Some(5), "@misc{superscript}: `date` \"²\" is not a date (expected YYYY, YYYY-MM or YYYY-MM-DD)"),
                (Some(6), "@misc{feb30}: `date` \"2020-02-30\" is not a date (expected YYYY, YYYY-MM or YYYY-MM-DD)"),
                (Some(7), "@misc{nodate}: 2020-02-30 does not exist"),
            ]
        );
    }

    #[test]
    fn field_problems_name_the_entry_field_and_line() {
        let parsed = bib(r#"@misc{ok, title = {Fine}}
@misc{dollar,
  title = {Costs $5 million},
}
@misc{notitle, author = {Lovelace, Ada}}
@misc{macro, title = {M}, year = 2020, month = foo}
@misc{ok, title = {Again}}
"#);
        assert_eq!(parsed.records.len(), 1);
        assert_eq!(
            messages(&parsed),
            [
                (Some(3), "@misc{dollar}: cannot read `title`: the text ends inside a value: a `{`, `\"` or `$` is not closed"),
                (Some(5), "@misc{notitle}: the entry has no title"),
                (Some(6), "@misc{macro}: cannot read `month`: `foo` is not a defined @string or month (to write it as text, use braces: {foo})"),
                (Some(7), "@misc{ok}: the key \"ok\" is used twice; the first is at line 1"),
            ]
        );
    }

    #[test]
    fn tex_beyond_accents_is_left_for_the_cleaner() {
        let parsed = bib(r#"@article{m,
  title = {Scaling Laws for {$\mathcal{O}(n^2)$} Attention},
  abstract = {Costs $\mathcal{O}(n^2)$ with \emph{deep} nets --- see \url{https://github.com/x/y}.},
}"#);
        let r = &parsed.records[0];
        assert_eq!(r.title, r"Scaling Laws for $\mathcal{O}(n^2)$ Attention");
        assert_eq!(
            r.abstract_text,
            r"Costs $\mathcal{O}(n^2)$ with \emph{deep} nets — see \url{https://github.com/x/y}."
        );
    }

    #[test]
    fn strings_and_crossref_parents() {
        let parsed = bib(r#"
@string{neurips = "Advances in Neural Information Processing Systems"}
@string{nips17 = neurips # " 30"}

@inproceedings{DBLP:conf/nips/VaswaniSPUJGKP17,
  author    = {Ashish Vaswani and Noam Shazeer},
  title     = {Attention is All you Need},
  pages     = {5998--6008},
  crossref  = {DBLP:conf/nips/2017},
}
@inproceedings{other, title = {Own Venue}, booktitle = nips17, year = {2017}}
@article{follow, title = {A Follow-up}, crossref = {other}}
@article{inj, title = {In a Journal}, crossref = {jmlr}, volume = {21}}
@periodical{jmlr, title = {Journal of Machine Learning Research}, year = {2020}}
@proceedings{DBLP:conf/nips/2017,
  title     = {Advances in Neural Information Processing Systems 30},
  year      = {2017},
  month     = dec,
}
"#);
        assert_eq!(messages(&parsed), []);
        // The proceedings volume is a venue, not a paper; a paper that is
        // cross-referenced stays one.
        let [attention, other, follow, in_journal] = &parsed.records[..] else {
            panic!("{:#?}", parsed.records)
        };
        assert_eq!(attention.title, "Attention is All you Need");
        assert_eq!(attention.published, date(2017, 12, 1));
        assert_eq!(
            attention.journal_ref.as_deref(),
            Some("Advances in Neural Information Processing Systems 30, 5998–6008")
        );
        assert_eq!(
            other.journal_ref.as_deref(),
            Some("Advances in Neural Information Processing Systems 30")
        );
        assert_eq!(follow.published, date(2017, 1, 1));
        assert_eq!(follow.journal_ref, other.journal_ref);
        assert_eq!(
            in_journal.journal_ref.as_deref(),
            Some("Journal of Machine Learning Research 21")
        );
        assert_eq!(in_journal.published, date(2020, 1, 1));
    }

    #[test]
    fn hostile_input_is_refused_without_crashing() {
        // Each of these overflows the stack inside biblatex when handed to
        // it whole.
        let deep = format!(
            "@misc{{deep, title = {{{}e{}}}}}",
            r"\'{".repeat(5000),
            "}".repeat(5000)
        );
        let mut laughs = String::from("@string{s0 = \"haha\"}\n");
        for i in 1..40 {
            laughs.push_str(&format!("@string{{s{i} = s{} # s{}}}\n", i - 1, i - 1));
        }
        laughs.push_str("@misc{laugh, title = s39}\n@misc{fine, title = s3}\n");
        let cases = [
            (
                "@misc{self, title = {A}, crossref = {self}}\n@misc{b, title = {B}}",
                2,
                vec![],
            ),
            (
                "@misc{a, title = {A}, crossref = {b}}\n@misc{b, title = {B}, xdata = {a}}",
                2,
                vec![],
            ),
            (
                "@string{a = b}\n@string{b = a}\n@misc{loop, title = a}\n@misc{ok, title = {OK}}",
                1,
                vec!["@misc{loop}: `title` uses the @string `a`, which refers back to itself"],
            ),
            (
                deep.as_str(),
                0,
                vec!["@misc{deep}: `title` nests braces more than 32 deep"],
            ),
            (
                laughs.as_str(),
                1,
                vec![
                    "@misc{laugh}: `title` uses the @string `s39`, which uses `s15`, \
                     which expands to more than 64 KiB",
                ],
            ),
        ];
        for (text, records, errors) in cases {
            let parsed = bib(text);
            assert_eq!(parsed.records.len(), records, "{text:.80}");
            let got: Vec<_> = parsed.errors.iter().map(|d| d.message.as_str()).collect();
            assert_eq!(got, errors, "{text:.80}");
        }
    }

    #[test]
    fn never_panics_on_a_truncated_or_mangled_file() {
        let (text, _) = fixture("papers.bib");
        for (cut, _) in text.char_indices().step_by(3) {
            let _ = parse(Path::new("cut.bib"), &text[..cut]);
            let _ = looks_like(&text[..cut]);
        }
        for (at, c) in text.char_indices().step_by(7) {
            for with in ["{", "}", "$", "\\", "\"", "@", ",", "#", "²"] {
                let mut mangled = text.clone();
                mangled.replace_range(at..at + c.len_utf8(), with);
                let _ = parse(Path::new("mangled.bib"), &mangled);
            }
        }
    }

    #[test]
    fn sniffing() {
        assert!(looks_like("@article{a, title={T}}"));
        assert!(looks_like(
            "\u{feff}% exported\n% by Zotero\n\n  @InProceedings {a,"
        ));
        assert!(!looks_like("[{\"paper\": {}}]"));
        assert!(!looks_like(
            "new\nGet trending papers in your email inbox!\n"
        ));
        assert!(!looks_like("@ foo"));
        assert!(!looks_like("email me @home{"));
    }
}
