//! CSL-JSON: what Zotero (Export → CSL JSON), Mendeley, pandoc and
//! Crossref (content negotiation, one object) write.
//!
//! ```json
//! [{"id": "vaswani2017", "type": "article-journal",
//!   "title": "…", "abstract": "…", "container-title": "…",
//!   "volume": "30", "issue": "2", "page": "5998-6008",
//!   "author": [{"family": "Vaswani", "given": "Ashish"},
//!              {"literal": "DeepMind"}],
//!   "issued": {"date-parts": [[2017, 6, 12]]},
//!   "DOI": "…", "URL": "…", "number": "arXiv:1706.03762",
//!   "keyword": "attention, transformers"}]
//! ```
//!
//! The arXiv id is found in `number`, `URL`, `archive_location` (with
//! `archive: arXiv`), an arXiv DOI (`10.48550/arXiv.…`) or a Google
//! Scholar style `container-title` (`arXiv preprint arXiv:…`); they must
//! agree. `keyword` (Zotero's tags, comma-separated) becomes the record's
//! keywords, which the import keeps only when asked (`--keep-tags`).
//! Unknown fields are ignored. As for Hugging Face JSON, serde_json checks
//! the syntax, then the scanner of [`super::hf`] finds where each record
//! and field is, so that each record is read on its own and an error
//! names its record and line.

use std::path::Path;

use serde_json::Value;

use super::biblio::{self, Ids};
use super::hf::{found, items, last, members, skip_ws, FieldError, Object};
use super::record::{DatePrecision, Lines};
use super::{Parsed, Record};
use crate::base::error::Diagnostic;

const SHAPE: &str = "CSL-JSON (a list of objects with a `type` and a `title`)";

/// Is this CSL-JSON: a JSON array whose first element (or a single
/// object) has a `type` and a `title` or `id`, and no Hugging Face
/// `paper`? Reads the first element only.
pub(super) fn looks_like(text: &str) -> bool {
    let text = text.trim_start_matches('\u{feff}');
    let b = text.as_bytes();
    let mut first = skip_ws(b, 0);
    if b.get(first) == Some(&b'[') {
        first = skip_ws(b, first + 1);
    }
    b.get(first) == Some(&b'{')
        && members(text, first).is_some_and(|ms| {
            let has = |name: &str| last(&ms, name).is_some();
            has("type") && (has("title") || has("id")) && !has("paper")
        })
}

/// For a file that starts like JSON (`[` or `{`) but does not parse: the
/// syntax error, with its line.
pub(super) fn json_error(path: &Path, text: &str) -> Option<Diagnostic> {
    let b = text.as_bytes();
    let start = skip_ws(b, usize::from(text.starts_with('\u{feff}')) * 3);
    if !matches!(b.get(start), Some(b'[' | b'{')) {
        return None;
    }
    let e = serde_json::from_str::<serde::de::IgnoredAny>(text).err()?;
    Some(Diagnostic::error(
        path,
        Some(e.line().max(1)),
        format!("this file is not valid JSON: {e}"),
    ))
}

pub(super) fn parse(path: &Path, text: &str) -> Parsed {
    let lines = Lines::new(text);
    let file_error = |line: usize, message: String| Parsed {
        records: Vec::new(),
        errors: vec![Diagnostic::error(path, Some(line), message)],
    };
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
        return file_error(e.line().max(1), format!("this file is not valid JSON: {e}"));
    }
    let b = text.as_bytes();
    let start = skip_ws(b, 0);
    let elements = match b.get(start) {
        Some(b'[') => items(b, start),
        // Crossref answers one object.
        Some(b'{') => Some(std::iter::once(start..text.trim_end().len()).collect()),
        _ => None,
    };
    let Some(elements) = elements else {
        return file_error(
            lines.line(start),
            format!("expected {SHAPE}, found {}", found(text, start)),
        );
    };
    let mut parsed = Parsed::default();
    for (n, element) in elements.iter().enumerate() {
        match read_item(text, n + 1, element.start, &lines) {
            Ok(record) => parsed.records.push(record),
            Err((locator, at, message)) => parsed.errors.push(Diagnostic::error(
                path,
                Some(lines.line(at)),
                format!("{locator}: {message}"),
            )),
        }
    }
    parsed
}

/// One element as a record; on error, the locator, the byte offset of the
/// problem and what it is.
fn read_item(
    text: &str,
    index: usize,
    start: usize,
    lines: &Lines,
) -> Result<Record, (String, usize, String)> {
    let b = text.as_bytes();
    let plain = format!("record {index}");
    if b.get(start) != Some(&b'{') {
        return Err((
            plain,
            start,
            format!("expected an object, found {}", found(text, start)),
        ));
    }
    let Some(ms) = members(text, start) else {
        return Err((plain, start, "is not a readable object".into()));
    };
    let item = Object {
        text,
        prefix: "",
        members: ms,
    };
    let id = item.get::<Value>("id", "a string").ok().flatten();
    let locator = match id.as_ref().and_then(scalar) {
        Some(id) => format!("record {index} ({id})"),
        None => plain,
    };
    let fail = |e: FieldError| (locator.clone(), e.at, e.message);
    let at = |name: &str| item.member(name).map_or(start, |m| m.value.start);

    let title = string(&item, "title")
        .map_err(fail)?
        .ok_or_else(|| (locator.clone(), start, "has no title (`title`)".to_string()))?;
    let abstract_text = string(&item, "abstract").map_err(fail)?.unwrap_or_default();
    let authors = authors(&item).map_err(fail)?;
    let (published, published_precision) = match issued(&item).map_err(fail)? {
        Some((date, precision)) => (Some(date), precision),
        None => (None, DatePrecision::Day),
    };

    let mut ids = Ids::default();
    let field_error = |(field, message): biblio::FieldError| (locator.clone(), at(&field), message);
    if let Some(doi) = string(&item, "DOI").map_err(fail)? {
        ids.doi("DOI", &doi).map_err(field_error)?;
    }
    if let Some(url) = string(&item, "URL").map_err(fail)? {
        ids.url("URL", &url).map_err(field_error)?;
    }
    if let Some(number) = string(&item, "number").map_err(fail)? {
        ids.mention("number", &number, false).map_err(field_error)?;
    }
    let archive_is_arxiv = string(&item, "archive")
        .map_err(fail)?
        .is_some_and(|a| a.trim().eq_ignore_ascii_case("arxiv"));
    if let Some(location) = string(&item, "archive_location").map_err(fail)? {
        ids.mention("archive_location", &location, archive_is_arxiv)
            .map_err(field_error)?;
    }
    let venue = string(&item, "container-title").map_err(fail)?;
    let mut journal_ref = None;
    if let Some(venue) = venue.as_deref().filter(|v| !v.trim().is_empty()) {
        if biblio::is_arxiv_venue(venue) {
            ids.mention("container-title", venue, false)
                .map_err(field_error)?;
        } else {
            journal_ref = Some(biblio::journal_ref(
                venue,
                string(&item, "volume").map_err(fail)?.as_deref(),
                string(&item, "issue").map_err(fail)?.as_deref(),
                string(&item, "page").map_err(fail)?.as_deref(),
            ));
        }
    }
    let arxiv = ids.arxiv_id().map_err(field_error)?;
    let keywords = string(&item, "keyword")
        .map_err(fail)?
        .map(|k| biblio::keyword_list(&k))
        .unwrap_or_default();

    Ok(Record {
        locator,
        line: Some(lines.line(start)),
        title,
        abstract_text,
        authors,
        arxiv,
        doi: ids.doi,
        url: ids.url,
        published,
        published_precision,
        journal_ref,
        keywords,
        ..Record::default()
    })
}

/// A string, number (as text) or single string of a list; `None` when
/// missing, `null` or blank.
fn string(object: &Object, name: &str) -> Result<Option<String>, FieldError> {
    const EXPECTED: &str = "a string";
    let Some(value) = object.get::<Value>(name, EXPECTED)? else {
        return Ok(None);
    };
    // Crossref gives titles and venues as lists of one.
    let value = match value {
        Value::Array(list) => match list.into_iter().find(|v| !v.is_null()) {
            Some(v) => v,
            None => return Ok(None),
        },
        v => v,
    };
    match scalar(&value) {
        Some(s) => Ok(Some(s).filter(|s| !s.trim().is_empty())),
        None => {
            let at = object.member(name).map_or(0, |m| m.value.start);
            Err(object.wrong(name, EXPECTED, at))
        }
    }
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `author`: name objects (`family`, `given`, particles, `suffix`, or
/// `literal`), in order; names with nothing in them are left out.
fn authors(item: &Object) -> Result<Vec<String>, FieldError> {
    const EXPECTED: &str = "a list of names (objects with `family` and `given`, or `literal`)";
    let Some(m) = item.member("author") else {
        return Ok(Vec::new());
    };
    let b = item.text.as_bytes();
    match b.get(m.value.start) {
        Some(b'n') => return Ok(Vec::new()),
        Some(b'[') => {}
        _ => return Err(item.wrong("author", EXPECTED, m.value.start)),
    }
    let list =
        items(b, m.value.start).ok_or_else(|| item.wrong("author", EXPECTED, m.value.start))?;
    let mut names = Vec::new();
    for element in list {
        if b.get(element.start) != Some(&b'{') {
            return Err(item.wrong("author", EXPECTED, element.start));
        }
        let name = Object {
            text: item.text,
            prefix: "author[].",
            members: members(item.text, element.start).unwrap_or_default(),
        };
        let part = |key: &str| string(&name, key);
        let full = match part("literal")? {
            Some(literal) => literal,
            None => [
                part("given")?,
                part("dropping-particle")?,
                part("non-dropping-particle")?,
                part("family")?,
                part("suffix")?,
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" "),
        };
        if !full.trim().is_empty() {
            names.push(full);
        }
    }
    Ok(names)
}

/// `issued`: `date-parts` (numbers or numeric strings; the first date of a
/// range), else `raw`, else `literal`; a bare string is read as `raw`.
fn issued(item: &Object) -> Result<Option<(time::Date, DatePrecision)>, FieldError> {
    let Some(m) = item.member("issued") else {
        return Ok(None);
    };
    let at = m.value.start;
    let Some(value) = item.get::<Value>("issued", "a date")? else {
        return Ok(None);
    };
    let wrong = |message: String| FieldError { at, message };
    let raw = |text: &str, field: &str| {
        parse_raw(text).map(Some).ok_or_else(|| {
            wrong(format!(
                "`{field}` {text:?} is not a date (expected YYYY, YYYY-MM or YYYY-MM-DD)"
            ))
        })
    };
    let object = match value {
        Value::String(s) => return raw(&s, "issued"),
        Value::Object(o) => o,
        other => {
            return Err(wrong(format!(
                "`issued` should be a date object (with `date-parts`), not {}",
                kind(&other)
            )))
        }
    };
    if let Some(parts) = object.get("date-parts").filter(|v| !v.is_null()) {
        if parts.as_array().is_some_and(Vec::is_empty) {
            return Ok(None);
        }
        let first = parts
            .as_array()
            .and_then(|dates| dates.first())
            .and_then(Value::as_array);
        let Some(first) = first else {
            return Err(wrong(
                "`issued.date-parts` should be a list of dates such as [[2017, 6, 12]]".into(),
            ));
        };
        let mut numbers = Vec::new();
        for part in first.iter().take(3) {
            let n = match part {
                // An empty part ends the date (`[["2017", ""]]`, `[[null]]`).
                Value::Null => break,
                Value::String(s) if s.trim().is_empty() => break,
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse::<i64>().ok(),
                _ => None,
            };
            match n {
                Some(n) => numbers.push(n),
                None => {
                    return Err(wrong(format!(
                        "`issued.date-parts` holds {}, which is not a number",
                        kind(part)
                    )))
                }
            }
        }
        // EDTF seasons (21–24 as the month) say the year only.
        if numbers.get(1).is_some_and(|m| (21..=24).contains(m)) {
            numbers.truncate(1);
        }
        let Some(&year) = numbers.first() else {
            return Ok(None);
        };
        return biblio::date_from_parts(year, numbers.get(1).copied(), numbers.get(2).copied())
            .map(Some)
            .map_err(|why| wrong(format!("`issued.date-parts`: {why}")));
    }
    if let Some(text) = object.get("raw").and_then(Value::as_str) {
        return raw(text, "issued.raw");
    }
    if let Some(text) = object.get("literal").and_then(Value::as_str) {
        // Free text (`Spring 2015`): its year, if it names one.
        return Ok(parse_raw(text).or_else(|| biblio::year_in(text)));
    }
    Ok(None)
}

/// `2017`, `2017-06`, `2017-06-12` (a time or a range after it ignored),
/// or free text with a year in it.
fn parse_raw(text: &str) -> Option<(time::Date, DatePrecision)> {
    let head = text.trim().split(['/', 'T', ' ']).next().unwrap_or("");
    let mut parts = head.split('-');
    let number = |p: Option<&str>| -> Option<Option<i64>> {
        match p {
            None => Some(None),
            Some(p) if !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse().ok().map(Some)
            }
            Some(_) => None,
        }
    };
    let parsed = (|| {
        let year = number(parts.next())??;
        let month = number(parts.next())?;
        let day = number(parts.next())?;
        if parts.next().is_some() || head.split('-').next()?.len() != 4 {
            return None;
        }
        biblio::date_from_parts(year, month, day).ok()
    })();
    parsed.or_else(|| biblio::year_in(text))
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csl(text: &str) -> Parsed {
        parse(Path::new("library.json"), text)
    }

    #[test]
    fn a_zotero_preprint_becomes_a_record() {
        let parsed = csl(r#"[
  {
    "id": "http://zotero.org/users/1/items/ABCD",
    "type": "article",
    "title": "Attention Is All You Need",
    "author": [
      {"family": "Vaswani", "given": "Ashish"},
      {"family": "Beethoven", "given": "Ludwig", "non-dropping-particle": "van"},
      {"family": "King", "given": "Martin Luther", "suffix": "Jr."},
      {"literal": "Google Brain"}
    ],
    "issued": {"date-parts": [["2017", 6]]},
    "number": "arXiv:1706.03762",
    "publisher": "arXiv",
    "DOI": "10.48550/arXiv.1706.03762",
    "URL": "http://arxiv.org/abs/1706.03762v5",
    "keyword": "Computer Science - Machine Learning, attention"
  }
]"#);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let r = &parsed.records[0];
        assert_eq!(r.locator, "record 1 (http://zotero.org/users/1/items/ABCD)");
        assert_eq!(r.line, Some(2));
        assert_eq!(
            r.authors,
            [
                "Ashish Vaswani",
                "Ludwig van Beethoven",
                "Martin Luther King Jr.",
                "Google Brain"
            ]
        );
        let id = r.arxiv.as_ref().unwrap();
        assert_eq!((id.id.as_str(), id.version), ("1706.03762", Some(5)));
        assert_eq!((r.doi.clone(), r.url.clone()), (None, None));
        assert_eq!(r.published_precision, DatePrecision::Month);
        assert_eq!(r.published, Some(time::macros::date!(2017 - 06 - 01)));
        assert_eq!(
            r.keywords,
            ["Computer Science - Machine Learning", "attention"]
        );
    }

    #[test]
    fn crossref_gives_one_object_with_lists() {
        let text = r#"{"type": "article-journal", "title": ["Deep learning"],
            "container-title": ["Nature"], "volume": 521, "issue": "7553", "page": "436-444",
            "DOI": "10.1038/nature14539", "issued": {"raw": "2015-05-28"}}"#;
        assert!(looks_like(text));
        let parsed = csl(text);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let r = &parsed.records[0];
        assert_eq!(r.title, "Deep learning");
        assert_eq!(r.journal_ref.as_deref(), Some("Nature 521(7553), 436-444"));
        assert_eq!(r.doi.as_deref(), Some("10.1038/nature14539"));
        assert_eq!(r.published, Some(time::macros::date!(2015 - 05 - 28)));
    }

    #[test]
    fn errors_name_the_record_and_its_line() {
        let parsed = csl("[\n{\"id\": \"a\", \"type\": \"article\", \"title\": \"Fine\"},\n{\"id\": \"b\", \"type\": \"article\",\n \"title\": \"Bad date\",\n \"issued\": {\"date-parts\": [[2019, 13]]}},\n{\"id\": 7, \"type\": \"book\"}\n]");
        assert_eq!(parsed.records.len(), 1);
        let errors: Vec<(Option<usize>, &str)> = parsed
            .errors
            .iter()
            .map(|d| (d.line, d.message.as_str()))
            .collect();
        assert_eq!(
            errors,
            [
                (
                    Some(5),
                    "record 2 (b): `issued.date-parts`: 13 is not a month (expected 1–12)"
                ),
                (Some(6), "record 3 (7): has no title (`title`)"),
            ]
        );
        let bad = csl("[{\"type\": \"article\", \"title\": \"x\",\n \"author\": \"Ada\"}]");
        assert_eq!(bad.errors[0].line, Some(2));
        assert!(
            bad.errors[0].message.contains("`author` should be a list"),
            "{:?}",
            bad.errors
        );
        let syntax = csl("[\n{\"type\": \"article\",\n\"title\": }]");
        assert_eq!(syntax.errors[0].line, Some(3));
    }

    #[test]
    fn empty_and_seasonal_dates() {
        let date = |parts: &str| {
            let parsed = csl(&format!(
                "[{{\"type\": \"article\", \"title\": \"t\", \"issued\": {{\"date-parts\": {parts}}}}}]"
            ));
            assert!(parsed.errors.is_empty(), "{parts}: {:?}", parsed.errors);
            let r = &parsed.records[0];
            r.published.map(|d| (d.to_string(), r.published_precision))
        };
        assert_eq!(date("[[null]]"), None);
        assert_eq!(date("[[\"\"]]"), None);
        assert_eq!(date("[]"), None);
        assert_eq!(
            date("[[\"2017\", \"\"]]"),
            Some(("2017-01-01".into(), DatePrecision::Year))
        );
        assert_eq!(
            date("[[2017, 22]]"),
            Some(("2017-01-01".into(), DatePrecision::Year))
        );
        assert_eq!(
            date("[[2017, 6, 12], [2017, 6, 14]]"),
            Some(("2017-06-12".into(), DatePrecision::Day))
        );
    }

    #[test]
    fn detection_tells_csl_from_hugging_face() {
        assert!(looks_like(
            "\u{feff}[{\"id\": \"x\", \"type\": \"article\"}]"
        ));
        assert!(!looks_like(
            "[{\"paper\": {\"id\": \"1\"}, \"title\": \"t\", \"type\": \"x\"}]"
        ));
        assert!(!looks_like("[{\"title\": \"no type\"}]"));
        assert!(!looks_like("[]"));
    }

    proptest::proptest! {
        /// Any prefix of a real export, and any text: records or errors,
        /// never a panic.
        #[test]
        fn never_panics(cut in 0usize..2000, noise in "\\PC{0,200}") {
            let text = include_str!("../../../tests/fixtures/import/zotero.json");
            let cut = (0..=cut.min(text.len())).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            let _ = csl(&text[..cut]);
            let _ = csl(&noise);
            let _ = looks_like(&noise);
            let _ = json_error(Path::new("x.json"), &noise);
        }
    }
}
