//! arXiv API responses: an Atom `<feed>` of `<entry>`s, saved to a file or
//! fetched over HTTP (see [`super::arxiv_api`]).
//!
//! Each entry has an `id` (the abs URL with version), `title`, `summary`,
//! `published`, `updated`, `author/name`s, `category` terms, and in the
//! `arxiv:` namespace `primary_category`, `doi` and `journal_ref`. The API
//! reports an unknown or malformed id as an entry whose id is under
//! `arxiv.org/api/errors`: that becomes an error naming the id.

use std::path::Path;

use roxmltree::{Document, Node};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{Parsed, Record};
use crate::base::error::Diagnostic;
use crate::input::content::arxiv_id::ArxivId;

const ATOM: &str = "http://www.w3.org/2005/Atom";
const ARXIV: &str = "http://arxiv.org/schemas/atom";

/// An Atom document (a `<feed>` in the Atom namespace).
pub(crate) fn looks_like(text: &str) -> bool {
    let head: String = text.chars().take(2000).collect();
    head.contains("<feed") && head.contains(ATOM)
}

pub(crate) fn parse(path: &Path, text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let doc = match Document::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            let pos = e.pos();
            parsed.errors.push(Diagnostic::error(
                path,
                Some(pos.row as usize),
                format!("not a well-formed arXiv Atom file: {e}"),
            ));
            return parsed;
        }
    };
    let root = doc.root_element();
    if !root.has_tag_name((ATOM, "feed")) {
        parsed.errors.push(Diagnostic::error(
            path,
            Some(1),
            "expected an Atom <feed> (an arXiv API response)",
        ));
        return parsed;
    }
    for (n, entry) in root
        .children()
        .filter(|c| c.has_tag_name((ATOM, "entry")))
        .enumerate()
    {
        let line = doc.text_pos_at(entry.range().start).row as usize;
        match record(entry, n + 1, line) {
            Ok(r) => parsed.records.push(r),
            Err(message) => parsed
                .errors
                .push(Diagnostic::error(path, Some(line), message)),
        }
    }
    parsed
}

/// How many papers the whole query matches (`opensearch:totalResults`),
/// for paging an arXiv search; `None` when the feed does not say.
pub(super) fn total_results(text: &str) -> Option<u64> {
    const OPENSEARCH: &str = "http://a9.com/-/spec/opensearch/1.1/";
    let doc = Document::parse(text).ok()?;
    let total = child(doc.root_element(), OPENSEARCH, "totalResults")?;
    total.text()?.trim().parse().ok()
}

fn child<'a>(node: Node<'a, 'a>, ns: &str, name: &str) -> Option<Node<'a, 'a>> {
    node.children().find(|c| c.has_tag_name((ns, name)))
}

/// The element's text with runs of white space (arXiv wraps titles and
/// abstracts at 80 columns) folded to single spaces.
fn text_of(node: Option<Node>) -> String {
    node.and_then(|n| n.text())
        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn date_of(node: Option<Node>) -> Option<time::Date> {
    let t = text_of(node);
    OffsetDateTime::parse(&t, &Rfc3339)
        .map(|d| d.date())
        .ok()
        .or_else(|| crate::input::content::parse_date(&t))
}

fn record(entry: Node, n: usize, line: usize) -> Result<Record, String> {
    let id_text = text_of(child(entry, ATOM, "id"));
    if id_text.contains("arxiv.org/api/errors") {
        let why = text_of(child(entry, ATOM, "summary"));
        return Err(format!("entry {n}: arXiv reports an error: {why}"));
    }
    let arxiv =
        ArxivId::parse(&id_text).map_err(|e| format!("entry {n}: bad id {id_text:?}: {e}"))?;
    let locator = format!("entry {n} ({arxiv})");
    let title = text_of(child(entry, ATOM, "title"));
    if title.is_empty() {
        return Err(format!("{locator}: no <title>"));
    }
    let authors = entry
        .children()
        .filter(|c| c.has_tag_name((ATOM, "author")))
        .map(|a| text_of(child(a, ATOM, "name")))
        .filter(|a| !a.is_empty())
        .collect();
    // Primary category first, then the others, without repeats.
    let mut categories: Vec<String> = child(entry, ARXIV, "primary_category")
        .and_then(|c| c.attribute("term"))
        .map(|t| vec![t.to_string()])
        .unwrap_or_default();
    for c in entry
        .children()
        .filter(|c| c.has_tag_name((ATOM, "category")))
    {
        if let Some(term) = c.attribute("term") {
            if !categories.iter().any(|x| x == term) {
                categories.push(term.to_string());
            }
        }
    }
    let doi = Some(text_of(child(entry, ARXIV, "doi"))).filter(|d| !d.is_empty());
    let journal_ref = Some(text_of(child(entry, ARXIV, "journal_ref"))).filter(|d| !d.is_empty());
    Ok(Record {
        locator,
        line: Some(line),
        title,
        abstract_text: text_of(child(entry, ATOM, "summary")),
        authors,
        published: date_of(child(entry, ATOM, "published")),
        published_precision: super::record::DatePrecision::Day,
        updated: date_of(child(entry, ATOM, "updated")),
        categories,
        doi,
        journal_ref,
        arxiv: Some(arxiv),
        ..Record::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FEED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <title>arXiv Query</title>
  <entry>
    <id>http://arxiv.org/abs/2310.06825v2</id>
    <updated>2023-10-12T17:59:30Z</updated>
    <published>2023-10-10T17:54:58Z</published>
    <title>Mistral
      7B</title>
    <summary>  We introduce Mistral 7B, a 7-billion-parameter
  language model.
</summary>
    <author><name>Albert Q. Jiang</name></author>
    <author><name>Alexandre Sablayrolles</name></author>
    <arxiv:doi>10.1000/example</arxiv:doi>
    <link href="http://arxiv.org/abs/2310.06825v2" rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/2310.06825v2" rel="related" type="application/pdf"/>
    <arxiv:primary_category term="cs.CL" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.CL" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.AI" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
  <entry>
    <id>http://arxiv.org/api/errors#incorrect_id_format_for_1234</id>
    <title>Error</title>
    <summary>incorrect id format for 1234</summary>
  </entry>
</feed>"#;

    #[test]
    fn reads_entries_and_errors() {
        let parsed = parse(Path::new("q.xml"), FEED);
        assert_eq!(parsed.records.len(), 1);
        let r = &parsed.records[0];
        assert_eq!(r.title, "Mistral 7B");
        assert_eq!(
            r.abstract_text,
            "We introduce Mistral 7B, a 7-billion-parameter language model."
        );
        assert_eq!(r.authors, ["Albert Q. Jiang", "Alexandre Sablayrolles"]);
        let id = r.arxiv.as_ref().unwrap();
        assert_eq!((id.id.as_str(), id.version), ("2310.06825", Some(2)));
        assert_eq!(r.categories, ["cs.CL", "cs.AI"]);
        assert_eq!(r.published.unwrap().to_string(), "2023-10-10");
        assert_eq!(r.updated.unwrap().to_string(), "2023-10-12");
        assert_eq!(r.doi.as_deref(), Some("10.1000/example"));
        assert_eq!(parsed.errors.len(), 1);
        assert!(parsed.errors[0]
            .message
            .contains("incorrect id format for 1234"));
    }

    #[test]
    fn truncated_xml_names_the_line() {
        let cut = &FEED[..FEED.len() / 2];
        let parsed = parse(Path::new("q.xml"), cut);
        assert!(parsed.records.is_empty());
        assert!(parsed.errors[0].line.is_some());
        assert!(
            parsed.errors[0].message.contains("well-formed"),
            "{}",
            parsed.errors[0]
        );
        assert!(looks_like(FEED));
    }
}
