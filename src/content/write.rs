//! Writing entries: the text of a new entry file.

use time::Date;

/// What an importer knows about a paper: the fields the source owns, plus
/// the themes and tags it suggests.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewEntry {
    pub title: String,
    pub date: Option<Date>,
    pub authors: Vec<String>,
    pub arxiv: Option<String>,
    pub url: Option<String>,
    pub code: Option<String>,
    pub themes: Vec<String>,
    pub tags: Vec<String>,
    /// Markdown.
    pub abstract_md: String,
    /// Markdown: the curator's notes (empty for a fresh import).
    pub notes_md: String,
}

/// A YAML scalar that reads back as exactly `s`. A JSON string is a valid
/// YAML double-quoted scalar, and serde_json escapes everything that needs it.
fn quoted(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| quoted(s)).collect();
    format!("[{}]", quoted.join(", "))
}

/// The file text of an entry, in the documented key order.
pub fn render_entry(e: &NewEntry) -> String {
    let mut out = String::from("---\n");
    out += &format!("title: {}\n", quoted(&e.title));
    if let Some(date) = e.date {
        out += &format!("date: {date}\n");
    }
    if !e.authors.is_empty() {
        out += &format!("authors: {}\n", list(&e.authors));
    }
    for (key, value) in [("arxiv", &e.arxiv), ("url", &e.url), ("code", &e.code)] {
        if let Some(v) = value {
            out += &format!("{key}: {}\n", quoted(v));
        }
    }
    if !e.themes.is_empty() {
        out += &format!("themes: {}\n", list(&e.themes));
    }
    if !e.tags.is_empty() {
        out += &format!("tags: {}\n", list(&e.tags));
    }
    out += &abstract_block(&e.abstract_md);
    out += "---\n";
    out += &e.notes_md;
    out
}

/// The abstract as a literal block scalar, which keeps Markdown readable
/// in the file. Falls back to a quoted scalar for text a block cannot
/// hold exactly (leading spaces or tabs on the first line).
fn abstract_block(text: &str) -> String {
    let text = text.trim_end();
    if text.is_empty() {
        return "abstract: \"\"\n".into();
    }
    if text.starts_with([' ', '\t']) || text.contains('\t') {
        return format!("abstract: {}\n", quoted(text));
    }
    let mut out = String::from("abstract: |\n");
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::parse_entry;
    use std::path::Path;

    #[test]
    fn round_trips() {
        let e = NewEntry {
            title: "A \"quoted\" title: with colon #hash".into(),
            date: Some(time::macros::date!(2025 - 05 - 07)),
            authors: vec!["Zoë O'Neil".into()],
            code: Some("https://github.com/a/b".into()),
            themes: vec!["llm".into()],
            abstract_md: "First line with 50% and \\*.\n\nSecond: paragraph.".into(),
            notes_md: "My notes.\n".into(),
            ..Default::default()
        };
        let text = render_entry(&e);
        let (parsed, warnings) = parse_entry(Path::new("x.md"), &text).unwrap();
        assert!(warnings.is_empty());
        assert_eq!(parsed.title, e.title);
        assert_eq!(parsed.authors, e.authors);
        assert_eq!(parsed.code, e.code);
        assert_eq!(parsed.themes, Some(e.themes.clone()));
        assert_eq!(parsed.abstract_md.trim_end(), e.abstract_md);
        assert_eq!(parsed.notes_md, e.notes_md);
    }
}
