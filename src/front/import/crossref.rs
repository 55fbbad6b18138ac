//! Crossref's answer for one work (`GET {crossref_api}/works/{doi}`):
//!
//! ```json
//! {"status": "ok", "message-type": "work",
//!  "message": {"DOI": "10.18653/v1/N19-1423", "URL": "http://dx.doi.org/…",
//!              "title": ["BERT: …"],
//!              "author": [{"given": "Jacob", "family": "Devlin"}, {"name": "…"}],
//!              "container-title": ["Proceedings of …"],
//!              "issued": {"date-parts": [[2019, 6]]},
//!              "abstract": "<jats:p>…</jats:p>", "subject": ["…"]}}
//! ```
//!
//! Titles and abstracts may carry JATS (or stray HTML) markup: only its
//! text is kept. `issued` gives the year, the year and month, or the day:
//! the entry's `published` keeps exactly that precision.

use serde::Deserialize;
use time::{Date, Month};

use super::record::DatePrecision;
use super::{ArxivId, Record};

#[derive(Deserialize)]
struct Answer {
    #[serde(rename = "message-type")]
    message_type: Option<String>,
    message: Option<Work>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Work {
    #[serde(rename = "DOI")]
    doi: Option<String>,
    #[serde(rename = "URL")]
    url: Option<String>,
    title: Vec<String>,
    author: Vec<Author>,
    #[serde(rename = "container-title")]
    container_title: Vec<String>,
    issued: Option<Issued>,
    #[serde(rename = "abstract")]
    abstract_text: Option<String>,
    subject: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Author {
    given: Option<String>,
    family: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Issued {
    #[serde(rename = "date-parts")]
    date_parts: Vec<Vec<Option<i64>>>,
}

/// The work in a Crossref answer as a record, or what is wrong with the
/// answer.
pub(super) fn parse(locator: &str, text: &str) -> Result<Record, String> {
    let answer: Answer = serde_json::from_str(text).map_err(|e| {
        format!("the answer is not a Crossref work (JSON with a `message` object): {e}")
    })?;
    if let Some(kind) = answer.message_type.as_deref().filter(|k| *k != "work") {
        return Err(format!("the answer is a Crossref {kind:?}, not a \"work\""));
    }
    let work = answer
        .message
        .ok_or("the answer has no `message` (the work)")?;
    let title = work
        .title
        .iter()
        .map(|t| markup_text(t, false))
        .find(|t| !t.trim().is_empty())
        .ok_or("the work has no title")?;
    let authors = work
        .author
        .iter()
        .filter_map(|a| {
            let given = a.given.as_deref().map(str::trim).unwrap_or("");
            let family = a.family.as_deref().map(str::trim).unwrap_or("");
            let name = match (given, family) {
                ("", "") => a.name.as_deref().map(str::trim).unwrap_or("").to_string(),
                ("", f) => f.to_string(),
                (g, "") => g.to_string(),
                (g, f) => format!("{g} {f}"),
            };
            (!name.is_empty()).then_some(name)
        })
        .collect();
    let (published, published_precision) = work
        .issued
        .as_ref()
        .and_then(|i| i.date_parts.first())
        .and_then(|parts| date_parts(parts))
        .map_or((None, DatePrecision::Day), |(d, p)| (Some(d), p));
    let doi = work
        .doi
        .map(|d| d.trim().to_string())
        .filter(|d| !d.is_empty());
    // arXiv's own DOI names the arXiv paper: an arXiv id, not a DOI.
    let arxiv = doi
        .as_deref()
        .filter(|d| d.to_lowercase().starts_with("10.48550/"))
        .and_then(|d| ArxivId::parse(d).ok());
    let doi = if arxiv.is_some() { None } else { doi };
    Ok(Record {
        locator: locator.to_string(),
        title,
        abstract_text: work
            .abstract_text
            .as_deref()
            .map(|a| markup_text(a, true))
            .unwrap_or_default(),
        authors,
        url: if arxiv.is_some() {
            None
        } else {
            work.url.filter(|u| crate::base::urls::is_web_url(u))
        },
        arxiv,
        doi,
        published,
        published_precision,
        journal_ref: work
            .container_title
            .iter()
            .map(|t| markup_text(t, false))
            .find(|t| !t.trim().is_empty()),
        keywords: work.subject,
        ..Record::default()
    })
}

/// `[2019]`, `[2019, 6]` or `[2019, 6, 2]` as a date and its precision.
fn date_parts(parts: &[Option<i64>]) -> Option<(Date, DatePrecision)> {
    let year = i32::try_from((*parts.first()?)?).ok()?;
    let month = parts
        .get(1)
        .copied()
        .flatten()
        .and_then(|m| u8::try_from(m).ok())
        .and_then(|m| Month::try_from(m).ok());
    let day = parts
        .get(2)
        .copied()
        .flatten()
        .and_then(|d| u8::try_from(d).ok());
    match (month, day) {
        (Some(m), Some(d)) => Date::from_calendar_date(year, m, d)
            .ok()
            .map(|date| (date, DatePrecision::Day))
            .or_else(|| {
                Some((
                    Date::from_calendar_date(year, m, 1).ok()?,
                    DatePrecision::Month,
                ))
            }),
        (Some(m), None) => Some((
            Date::from_calendar_date(year, m, 1).ok()?,
            DatePrecision::Month,
        )),
        (None, _) => Some((
            Date::from_calendar_date(year, Month::January, 1).ok()?,
            DatePrecision::Year,
        )),
    }
}

/// The text of JATS or HTML markup: tags dropped, entities decoded, white
/// space folded; with `paragraphs`, each `<p>` a paragraph and a leading
/// `<title>` ("Abstract") left out. Text without markup is returned as
/// it is.
pub(super) fn markup_text(text: &str, paragraphs: bool) -> String {
    if !text.contains('<') && !text.contains('&') {
        return fold(text);
    }
    let wrapped = format!(
        "<root xmlns:jats=\"http://www.ncbi.nlm.nih.gov/JATS1\" xmlns:mml=\"http://www.w3.org/1998/Math/MathML\" xmlns:xlink=\"http://www.w3.org/1999/xlink\">{text}</root>"
    );
    match roxmltree::Document::parse(&wrapped) {
        Ok(doc) => {
            let root = doc.root_element();
            let paras: Vec<String> = if paragraphs {
                root.descendants()
                    .filter(|n| n.tag_name().name() == "p")
                    .filter(|n| !n.ancestors().skip(1).any(|a| a.tag_name().name() == "p"))
                    .map(|n| fold(&node_text(n)))
                    .filter(|p| !p.is_empty())
                    .collect()
            } else {
                Vec::new()
            };
            if paras.is_empty() {
                fold(&node_text(root))
            } else {
                paras.join("\n\n")
            }
        }
        // Not well-formed (HTML entities, stray `<`): drop anything that
        // looks like a tag.
        Err(_) => fold(&crude_text(text)),
    }
}

/// Every text below `node`, a section title aside.
fn node_text(node: roxmltree::Node) -> String {
    let mut out = String::new();
    for d in node.descendants().filter(|d| d.is_text()) {
        if d.ancestors().any(|a| a.tag_name().name() == "title") {
            continue;
        }
        // Inline markup (<italic>, <sub>) splits words no more than it
        // does on the page.
        out.push_str(d.text().unwrap_or(""));
    }
    out
}

fn fold(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Tags removed, the XML entities decoded.
fn crude_text(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        match rest[open..].find('>') {
            Some(close) => {
                rest = &rest[open + close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jats_abstracts_keep_their_text_and_paragraphs() {
        let a = "<jats:title>Abstract</jats:title><jats:p>We introduce <jats:italic>BERT</jats:italic>, a model &amp; more.</jats:p>\n<jats:p>Second  paragraph with <mml:math><mml:mi>x</mml:mi></mml:math>.</jats:p>";
        assert_eq!(
            markup_text(a, true),
            "We introduce BERT, a model & more.\n\nSecond paragraph with x."
        );
        // Not XML: tags dropped all the same, no panic.
        assert_eq!(markup_text("<p>a &nbsp;b<br> c &lt; d", true), "a b c < d");
        assert_eq!(markup_text("x < y", false), "x < y");
        assert_eq!(markup_text("Plain  title", false), "Plain title");
    }

    #[test]
    fn date_parts_keep_their_precision() {
        let d = |p: &[Option<i64>]| date_parts(p).map(|(d, p)| (d.to_string(), p));
        assert_eq!(
            d(&[Some(2019)]),
            Some(("2019-01-01".into(), DatePrecision::Year))
        );
        assert_eq!(
            d(&[Some(2019), Some(6)]),
            Some(("2019-06-01".into(), DatePrecision::Month))
        );
        assert_eq!(
            d(&[Some(2019), Some(6), Some(2)]),
            Some(("2019-06-02".into(), DatePrecision::Day))
        );
        assert_eq!(d(&[None]), None);
        assert_eq!(d(&[]), None);
        assert_eq!(
            d(&[Some(2019), Some(13)]),
            Some(("2019-01-01".into(), DatePrecision::Year))
        );
    }

    #[test]
    fn a_work_becomes_a_record() {
        let text = r#"{"status":"ok","message-type":"work","message":{"DOI":"10.18653/v1/N19-1423","URL":"http://dx.doi.org/10.18653/v1/n19-1423","title":["BERT: Pre-training"],"author":[{"given":"Jacob","family":"Devlin","sequence":"first"},{"name":"The Consortium"},{"family":"Müller"}],"container-title":["Proceedings of NAACL"],"issued":{"date-parts":[[2019]]}}}"#;
        let r = parse("10.18653/v1/N19-1423", text).unwrap();
        assert_eq!(r.title, "BERT: Pre-training");
        assert_eq!(r.authors, ["Jacob Devlin", "The Consortium", "Müller"]);
        assert_eq!(r.doi.as_deref(), Some("10.18653/v1/N19-1423"));
        assert_eq!(r.journal_ref.as_deref(), Some("Proceedings of NAACL"));
        assert_eq!(r.published_precision, DatePrecision::Year);
        assert!(parse("x", "[]").is_err());
        assert!(parse("x", r#"{"message-type":"work-list","message":{}}"#).is_err());
        assert!(parse("x", r#"{"message-type":"work","message":{"title":[]}}"#).is_err());
    }
}
