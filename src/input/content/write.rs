//! Writing entries: new files, and updates of the source's fields in an
//! existing file that keep everything else as the curator left it.

use time::Date;

use super::entry::{Metrics, PartialDate};

/// A front matter value as sheaf writes it.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Str(String),
    Int(u64),
    Date(Date),
    /// A date to the year, month or day: `2020`, `2020-07`, `2020-07-15`.
    PartialDate(PartialDate),
    List(Vec<String>),
    /// Markdown, written as a literal block.
    Markdown(String),
    Metrics(Metrics),
}

/// How much of a source's date the source gave: BibTeX often has only a
/// year, or a year and a month (the date is then the first day of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub enum DatePrecision {
    Year,
    Month,
    #[default]
    Day,
}

impl DatePrecision {
    /// Whether `precise`, a full date, says at least what `self` says of
    /// `date` (the same year, and month when given): then `date` adds
    /// nothing and must not replace it.
    pub(crate) fn refined_by(self, date: Date, precise: Date) -> bool {
        match self {
            DatePrecision::Year => precise.year() == date.year(),
            DatePrecision::Month => {
                precise.year() == date.year() && precise.month() == date.month()
            }
            DatePrecision::Day => false,
        }
    }
}

/// What an importer knows about a paper: the fields the source owns, plus
/// the themes and tags it suggests for a new entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewEntry {
    pub(crate) title: String,
    pub(crate) date: Option<Date>,
    pub(crate) authors: Vec<String>,
    pub(crate) arxiv: Option<String>,
    pub(crate) arxiv_version: Option<u32>,
    pub(crate) doi: Option<String>,
    pub(crate) url: Option<String>,
    pub(crate) code: Option<String>,
    pub(crate) project: Option<String>,
    /// As precise as the source gave it.
    pub(crate) published: Option<PartialDate>,
    pub(crate) updated: Option<Date>,
    pub(crate) categories: Vec<String>,
    pub(crate) journal_ref: Option<String>,
    pub(crate) keywords: Vec<String>,
    pub(crate) metrics: Option<Metrics>,
    pub(crate) themes: Vec<String>,
    pub(crate) tags: Vec<String>,
    /// Markdown.
    pub(crate) abstract_md: String,
    /// Markdown: the curator's notes (empty for a fresh import).
    pub(crate) notes_md: String,
}

impl NewEntry {
    /// The fields the source owns and has values for, in the order sheaf
    /// writes them (the abstract last).
    pub(crate) fn source_fields(&self) -> Vec<(&'static str, Field)> {
        let mut out = vec![("title", Field::Str(self.title.clone()))];
        let mut opt = |key: &'static str, v: &Option<String>| {
            if let Some(v) = v {
                out.push((key, Field::Str(v.clone())));
            }
        };
        opt("arxiv", &self.arxiv);
        opt("doi", &self.doi);
        opt("url", &self.url);
        opt("code", &self.code);
        opt("project", &self.project);
        opt("journal_ref", &self.journal_ref);
        if let Some(v) = self.arxiv_version {
            out.push(("arxiv_version", Field::Int(u64::from(v))));
        }
        for (key, list) in [
            ("authors", &self.authors),
            ("categories", &self.categories),
            ("keywords", &self.keywords),
        ] {
            if !list.is_empty() {
                out.push((key, Field::List(list.clone())));
            }
        }
        if let Some(d) = self.published {
            out.push(("published", Field::PartialDate(d)));
        }
        if let Some(d) = self.updated {
            out.push(("updated", Field::Date(d)));
        }
        if let Some(m) = &self.metrics {
            out.push(("metrics", Field::Metrics(m.clone())));
        }
        out.push(("abstract", Field::Markdown(self.abstract_md.clone())));
        out
    }
}

/// The file text of a new entry: title and date first, the source's
/// fields, the suggested themes and tags, the abstract, then the notes.
pub fn render_entry(e: &NewEntry) -> String {
    let fields = e.source_fields();
    let mut out = String::from("---\n");
    let (title, rest) = fields.split_first().expect("title is always present");
    out += &render_field(title.0, &title.1);
    if let Some(date) = e.date {
        out += &render_field("date", &Field::Date(date));
    }
    let (abstract_field, middle) = rest.split_last().expect("abstract is always present");
    for (key, value) in middle {
        out += &render_field(key, value);
    }
    if !e.themes.is_empty() {
        out += &render_field("themes", &Field::List(e.themes.clone()));
    }
    if !e.tags.is_empty() {
        out += &render_field("tags", &Field::List(e.tags.clone()));
    }
    out += &render_field(abstract_field.0, &abstract_field.1);
    out += "---\n";
    out += &e.notes_md;
    out
}

/// A YAML scalar that reads back as exactly `s`. A JSON string is a valid
/// YAML double-quoted scalar, and serde_json escapes everything that needs it.
fn quoted(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// `key: value` lines for one field, ending in a newline.
pub(crate) fn render_field(key: &str, value: &Field) -> String {
    match value {
        Field::Str(s) => format!("{key}: {}\n", quoted(s)),
        Field::Int(n) => format!("{key}: {n}\n"),
        Field::Date(d) => format!("{key}: {d}\n"),
        Field::PartialDate(d) => format!("{key}: {d}\n"),
        Field::List(items) => {
            let quoted: Vec<String> = items.iter().map(|s| quoted(s)).collect();
            format!("{key}: [{}]\n", quoted.join(", "))
        }
        Field::Markdown(text) => block(key, text),
        Field::Metrics(m) => {
            let mut parts = Vec::new();
            if let Some(u) = m.upvotes {
                parts.push(format!("upvotes: {u}"));
            }
            if let Some(s) = m.stars {
                parts.push(format!("stars: {s}"));
            }
            if let Some(c) = m.comments {
                parts.push(format!("comments: {c}"));
            }
            parts.push(format!("as_of: {}", m.as_of));
            format!("{key}: {{{}}}\n", parts.join(", "))
        }
    }
}

/// Markdown as a literal block scalar, which keeps it readable in the
/// file. Falls back to a quoted scalar for text a block cannot hold exactly
/// (leading white space on the first line, tabs).
fn block(key: &str, text: &str) -> String {
    let text = text.trim_end();
    if text.is_empty() {
        return format!("{key}: \"\"\n");
    }
    if text.starts_with([' ', '\t']) || text.contains('\t') {
        return format!("{key}: {}\n", quoted(text));
    }
    let mut out = format!("{key}: |\n");
    for line in text.lines() {
        if line.trim().is_empty() {
            out.push('\n');
        } else {
            out += "  ";
            out += line.trim_end();
            out.push('\n');
        }
    }
    out
}

/// Sets `fields` in the front matter of an entry's text, leaving every
/// other line as it was: other keys, their order, comments, the body. A
/// key already there is rewritten in place; a new one goes after the last
/// key. Returns `None` when the text has no front matter.
pub fn set_fields(text: &str, fields: &[(&str, Field)]) -> Option<String> {
    let rest = text.strip_prefix("---\n")?;
    let close = if rest.starts_with("---") {
        0
    } else {
        rest.find("\n---")? + 1
    };
    let (yaml, tail) = rest.split_at(close);
    let mut lines: Vec<String> = yaml.lines().map(str::to_string).collect();
    for (key, value) in fields {
        let rendered: Vec<String> = render_field(key, value)
            .lines()
            .map(str::to_string)
            .collect();
        match key_span(&lines, key) {
            Some((start, end)) => {
                lines.splice(start..end, rendered);
            }
            None => {
                // After the last key's span, before trailing comments.
                let at = last_key_end(&lines);
                lines.splice(at..at, rendered);
            }
        }
    }
    let mut out = String::from("---\n");
    for line in &lines {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(tail);
    Some(out)
}

/// Is `line` the start of top-level key `key`?
fn is_key_line(line: &str, key: &str) -> bool {
    let Some(rest) = line.strip_prefix(key) else {
        return false;
    };
    rest.starts_with(':') || rest.trim_start().starts_with(':')
}

fn is_top_level_key(line: &str) -> bool {
    !line.is_empty() && !line.starts_with([' ', '\t', '#', '-']) && line.contains(':')
}

/// Lines `start..end` of a top-level key: its line, then every following
/// line that is indented, a list item, or blank inside a block.
fn key_span(lines: &[String], key: &str) -> Option<(usize, usize)> {
    let start = lines.iter().position(|l| is_key_line(l, key))?;
    Some((start, span_end(lines, start)))
}

fn span_end(lines: &[String], start: usize) -> usize {
    let mut end = start + 1;
    let mut last_content = end;
    while end < lines.len() {
        let line = &lines[end];
        if line.trim().is_empty() {
            end += 1;
            continue;
        }
        if line.starts_with([' ', '\t', '-']) {
            end += 1;
            last_content = end;
            continue;
        }
        break;
    }
    // Blank lines after a block belong to what follows.
    last_content
}

fn last_key_end(lines: &[String]) -> usize {
    match lines.iter().rposition(|l| is_top_level_key(l)) {
        Some(i) => span_end(lines, i),
        None => lines.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::content::parse_entry;
    use std::path::Path;

    #[test]
    fn round_trips() {
        let e = NewEntry {
            title: "A \"quoted\" title: with colon #hash".into(),
            date: Some(time::macros::date!(2025 - 05 - 07)),
            authors: vec!["Zoë O'Neil".into()],
            arxiv: Some("2504.03380".into()),
            arxiv_version: Some(2),
            code: Some("https://github.com/a/b".into()),
            categories: vec!["cs.LG".into()],
            // A month: the day given here is not the source's, and is dropped.
            published: Some(PartialDate::new(
                time::macros::date!(2020 - 03 - 09),
                DatePrecision::Month,
            )),
            metrics: Some(Metrics {
                upvotes: Some(12),
                stars: None,
                comments: None,
                as_of: "2025-05-07".into(),
            }),
            themes: vec!["llm".into()],
            abstract_md: "First line with 50% and \\*.\n\nSecond: paragraph.".into(),
            notes_md: "My notes.\n".into(),
            ..Default::default()
        };
        let text = render_entry(&e);
        assert!(text.contains("\npublished: 2020-03\n"), "{text}");
        let (parsed, warnings) = parse_entry(Path::new("x.md"), &text).unwrap();
        assert_eq!(parsed.published, e.published);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(parsed.title, e.title);
        assert_eq!(parsed.authors, e.authors);
        assert_eq!(parsed.code, e.code);
        assert_eq!(parsed.arxiv_version, Some(2));
        assert_eq!(parsed.categories, ["cs.LG"]);
        assert_eq!(parsed.metrics, e.metrics);
        assert_eq!(parsed.themes, Some(e.themes.clone()));
        assert_eq!(parsed.abstract_md.trim_end(), e.abstract_md);
        assert_eq!(parsed.notes_md, e.notes_md);
    }

    #[test]
    fn set_fields_keeps_everything_else() {
        let text = "---\n# The curator's comment\ntitle: \"Old\"\ndate: 2025-05-07\nthemes: [a] # mine\nabstract: |\n  Old abstract.\n\n  Second paragraph.\n\n# trailing comment\nreviewer: Ada\n---\nNotes stay.\n";
        let out = set_fields(
            text,
            &[
                ("title", Field::Str("New".into())),
                ("abstract", Field::Markdown("New abstract.".into())),
                ("arxiv_version", Field::Int(3)),
            ],
        )
        .unwrap();
        assert_eq!(
            out,
            "---\n# The curator's comment\ntitle: \"New\"\ndate: 2025-05-07\nthemes: [a] # mine\nabstract: |\n  New abstract.\n\n# trailing comment\nreviewer: Ada\narxiv_version: 3\n---\nNotes stay.\n"
        );
        assert!(set_fields("no front matter", &[]).is_none());
    }
}
