//! Hugging Face daily papers: what `https://huggingface.co/api/daily_papers`
//! returns, saved to a file.
//!
//! ```json
//! [{"paper": {"id": "2504.03380", "title": "…", "summary": "…",
//!             "authors": [{"name": "Ada Lovelace"}],
//!             "publishedAt": "2025-04-04T17:59:58.000Z", "upvotes": 42,
//!             "githubRepo": "https://github.com/…", "githubStars": 120,
//!             "projectPage": "https://…", "ai_keywords": ["…"]},
//!   "title": "…", "publishedAt": "…", "numComments": 3}]
//! ```
//!
//! Unknown fields are ignored; optional ones may be missing or `null`.
//! serde_json checks the syntax, then a small scanner finds where each
//! paper and field is in the text, so that each paper is read on its own
//! and a field of the wrong type is reported on its line, by paper and
//! field name.

use std::ops::Range;
use std::path::Path;

use serde::de::{DeserializeOwned, IgnoredAny};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};

use super::record::Lines;
use super::{ArxivId, Metrics, Parsed, Record};
use crate::base::error::Diagnostic;

const SHAPE: &str = "a JSON array of Hugging Face daily papers (objects with a `paper` object)";

/// Is this a JSON array whose first element has a `paper` object? Reads
/// the first element only.
pub(crate) fn looks_like(text: &str) -> bool {
    let text = text.trim_start_matches('\u{feff}');
    let b = text.as_bytes();
    let open = skip_ws(b, 0);
    if b.get(open) != Some(&b'[') {
        return false;
    }
    let first = skip_ws(b, open + 1);
    b.get(first) == Some(&b'{')
        && members(text, first).is_some_and(|ms| {
            ms.iter()
                .any(|m| m.name == "paper" && b.get(m.value.start) == Some(&b'{'))
        })
}

pub(crate) fn parse(path: &Path, text: &str) -> Parsed {
    let lines = Lines::new(text);
    let file_error = |line: usize, message: String| Parsed {
        records: Vec::new(),
        errors: vec![Diagnostic::error(path, Some(line), message)],
    };
    if let Err(e) = serde_json::from_str::<IgnoredAny>(text) {
        return file_error(e.line().max(1), format!("this file is not valid JSON: {e}"));
    }

    let b = text.as_bytes();
    let start = skip_ws(b, 0);
    if b.get(start) != Some(&b'[') {
        return file_error(
            lines.line(start),
            format!("expected {SHAPE}, found {}", found(text, start)),
        );
    }
    let Some(elements) = items(b, start) else {
        return file_error(
            lines.line(start),
            "cannot find the elements of this array".to_string(),
        );
    };
    if let Some(first) = elements.first() {
        if let Err(problem) = paper_object(text, first.start) {
            return file_error(
                lines.line(first.start),
                format!("expected {SHAPE}; the first element {problem}"),
            );
        }
    }

    let mut parsed = Parsed::default();
    for (n, element) in elements.iter().enumerate() {
        let index = n + 1;
        let line = lines.line(element.start);
        match read_paper(text, index, element.start, line) {
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

/// The members of an element and of its `paper` object, or what the
/// element is instead.
fn paper_object(text: &str, start: usize) -> Result<(Vec<Member>, Vec<Member>), String> {
    let b = text.as_bytes();
    if b.get(start) != Some(&b'{') {
        return Err(format!("is {}", found(text, start)));
    }
    let outer = members(text, start).ok_or("is not a readable object")?;
    let paper = last(&outer, "paper").ok_or("has no `paper`")?;
    if b.get(paper.value.start) != Some(&b'{') {
        return Err(format!(
            "has a `paper` that is {}",
            found(text, paper.value.start)
        ));
    }
    let inner = members(text, paper.value.start).ok_or("has an unreadable `paper`")?;
    Ok((outer, inner))
}

/// One element as a record; on error, the locator, the byte offset of the
/// problem and what it is.
fn read_paper(
    text: &str,
    index: usize,
    start: usize,
    line: usize,
) -> Result<Record, (String, usize, String)> {
    let (outer, inner) = paper_object(text, start).map_err(|problem| {
        (
            format!("paper {index}"),
            start,
            format!("expected an object with a `paper` object, but the element {problem}"),
        )
    })?;
    let top = Object {
        text,
        prefix: "",
        members: outer,
    };
    let paper = Object {
        text,
        prefix: "paper.",
        members: inner,
    };

    let id = paper.get::<String>("id", "a string (an arXiv id)");
    let locator = match &id {
        Ok(Some(id)) => format!("paper {index} ({id})"),
        _ => format!("paper {index}"),
    };
    let fail = |e: FieldError| (locator.clone(), e.at, e.message);

    let id = id.map_err(fail)?.ok_or_else(|| {
        (
            locator.clone(),
            start,
            "has no arXiv id (`paper.id`)".to_string(),
        )
    })?;
    let arxiv = ArxivId::parse(&id).map_err(|why| {
        let at = paper.member("id").map_or(start, |m| m.value.start);
        (
            locator.clone(),
            at,
            format!("`paper.id` {id:?} is not a valid arXiv id: {why}"),
        )
    })?;

    let title = match paper.get::<String>("title", "a string").map_err(fail)? {
        Some(title) => Some(title),
        None => top.get::<String>("title", "a string").map_err(fail)?,
    };
    let title = title.filter(|t| !t.trim().is_empty()).ok_or_else(|| {
        (
            locator.clone(),
            start,
            "has no title (`paper.title`)".to_string(),
        )
    })?;
    let summary = match paper.get::<String>("summary", "a string").map_err(fail)? {
        Some(summary) => summary,
        None => top
            .get::<String>("summary", "a string")
            .map_err(fail)?
            .unwrap_or_default(),
    };

    let authors = paper.authors().map_err(fail)?;
    let published = paper.date("publishedAt").map_err(fail)?;
    let upvotes = match paper
        .get::<u64>("upvotes", "a whole number")
        .map_err(fail)?
    {
        Some(n) => Some(n),
        None => top.get::<u64>("upvotes", "a whole number").map_err(fail)?,
    };
    let stars = paper
        .get::<u64>("githubStars", "a whole number")
        .map_err(fail)?;
    let comments = top
        .get::<u64>("numComments", "a whole number")
        .map_err(fail)?;
    let link = |name: &str| -> Result<Option<String>, (String, usize, String)> {
        let value = paper
            .get::<String>(name, "a string (a URL)")
            .map_err(fail)?;
        Ok(value
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty()))
    };
    let code = link("githubRepo")?;
    let project = link("projectPage")?;
    let keywords = paper
        .get::<Vec<String>>("ai_keywords", "a list of strings")
        .map_err(fail)?
        .unwrap_or_default();

    Ok(Record {
        locator,
        line: Some(line),
        title,
        abstract_text: summary,
        authors,
        arxiv: Some(arxiv),
        published,
        published_precision: super::record::DatePrecision::Day,
        code,
        project,
        keywords,
        metrics: (upvotes.is_some() || stars.is_some() || comments.is_some()).then_some(Metrics {
            upvotes,
            stars,
            comments,
        }),
        ..Record::default()
    })
}

/// A field of the wrong type: where its value starts and what is wrong.
pub(super) struct FieldError {
    pub(super) at: usize,
    pub(super) message: String,
}

/// The members of one JSON object, read on demand.
pub(super) struct Object<'a> {
    pub(super) text: &'a str,
    /// How messages name the object's fields: `paper.` or nothing.
    pub(super) prefix: &'static str,
    pub(super) members: Vec<Member>,
}

impl Object<'_> {
    pub(super) fn member(&self, name: &str) -> Option<&Member> {
        last(&self.members, name)
    }

    /// A field as `T`; `None` when it is missing or `null`.
    pub(super) fn get<T: DeserializeOwned>(
        &self,
        name: &str,
        expected: &str,
    ) -> Result<Option<T>, FieldError> {
        let Some(m) = self.member(name) else {
            return Ok(None);
        };
        let raw = self.text.get(m.value.clone()).unwrap_or("");
        if raw == "null" {
            return Ok(None);
        }
        serde_json::from_str(raw)
            .map(Some)
            .map_err(|_| self.wrong(name, expected, m.value.start))
    }

    pub(super) fn wrong(&self, name: &str, expected: &str, at: usize) -> FieldError {
        FieldError {
            at,
            message: format!(
                "`{}{name}` should be {expected}, not {}",
                self.prefix,
                found(self.text, at)
            ),
        }
    }

    /// `authors`: objects with a `name` (as the API gives them) or plain
    /// strings; authors without a name are left out.
    fn authors(&self) -> Result<Vec<String>, FieldError> {
        const EXPECTED: &str = "a list of authors (objects with a `name`)";
        let Some(m) = self.member("authors") else {
            return Ok(Vec::new());
        };
        let b = self.text.as_bytes();
        match b.get(m.value.start) {
            Some(b'n') => return Ok(Vec::new()),
            Some(b'[') => {}
            _ => return Err(self.wrong("authors", EXPECTED, m.value.start)),
        }
        let list = items(b, m.value.start)
            .ok_or_else(|| self.wrong("authors", EXPECTED, m.value.start))?;
        let mut names = Vec::new();
        for item in list {
            let name = match b.get(item.start) {
                Some(b'"') => self
                    .text
                    .get(item.clone())
                    .and_then(|raw| serde_json::from_str::<String>(raw).ok()),
                Some(b'{') => {
                    let author = Object {
                        text: self.text,
                        prefix: "paper.authors[].",
                        members: members(self.text, item.start).unwrap_or_default(),
                    };
                    author.get::<String>("name", "a string")?
                }
                _ => return Err(self.wrong("authors", EXPECTED, item.start)),
            };
            if let Some(name) = name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()) {
                names.push(name);
            }
        }
        Ok(names)
    }

    /// An RFC 3339 timestamp (or a bare `YYYY-MM-DD`) as its UTC day.
    fn date(&self, name: &str) -> Result<Option<Date>, FieldError> {
        const EXPECTED: &str = "an RFC 3339 timestamp such as 2025-04-07T12:00:00Z";
        let Some(text) = self.get::<String>(name, EXPECTED)? else {
            return Ok(None);
        };
        let text = text.trim();
        let utc = OffsetDateTime::parse(text, &Rfc3339)
            .ok()
            .and_then(|t| t.checked_to_offset(UtcOffset::UTC))
            .map(|t| t.date());
        let day =
            utc.or_else(|| Date::parse(text, format_description!("[year]-[month]-[day]")).ok());
        match day {
            Some(day) => Ok(Some(day)),
            None => {
                let at = self.member(name).map_or(0, |m| m.value.start);
                Err(self.wrong(name, EXPECTED, at))
            }
        }
    }
}

/// What the JSON value at `at` is, for messages: `the string "1.2k"`.
pub(super) fn found(text: &str, at: usize) -> String {
    let b = text.as_bytes();
    let end = value_end(b, at).unwrap_or(b.len());
    let raw = text.get(at..end).unwrap_or("");
    let short = |s: &str| {
        if s.chars().count() > 60 {
            format!("{}…", s.chars().take(59).collect::<String>())
        } else {
            s.to_string()
        }
    };
    match b.get(at) {
        Some(b'"') => format!("the string {}", short(raw)),
        Some(b'{') => "an object".to_string(),
        Some(b'[') => "a list".to_string(),
        Some(b'n') => "null".to_string(),
        Some(b't' | b'f') => raw.to_string(),
        Some(_) => format!("the number {}", short(raw)),
        None => "nothing".to_string(),
    }
}

/// A member of a JSON object: its (unescaped) name and where its value is.
#[derive(Debug, Clone)]
pub(super) struct Member {
    pub(super) name: String,
    pub(super) value: Range<usize>,
}

/// The last member of that name, as serde_json would keep it.
pub(super) fn last<'m>(members: &'m [Member], name: &str) -> Option<&'m Member> {
    members.iter().rev().find(|m| m.name == name)
}

// A scanner for the positions of values in JSON text. It is meant for
// text serde_json has accepted, but answers `None` rather than panicking
// on anything else (`looks_like` runs it on unchecked text). It loops
// instead of recursing, so nesting depth costs no stack.

pub(super) fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while b
        .get(i)
        .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
    {
        i += 1;
    }
    i
}

/// The end (exclusive) of the string that starts at `i`.
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    while let Some(&c) = b.get(j) {
        match c {
            b'\\' => j += 2,
            b'"' => return Some(j + 1),
            _ => j += 1,
        }
    }
    None
}

/// The end (exclusive) of the value that starts at `i`.
fn value_end(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => string_end(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            while let Some(&c) = b.get(j) {
                match c {
                    b'"' => {
                        j = string_end(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.checked_sub(1)?;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            None
        }
        _ => {
            let mut j = i;
            while b
                .get(j)
                .is_some_and(|c| !matches!(c, b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r'))
            {
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

/// The elements of the array that starts at `i`.
pub(super) fn items(b: &[u8], i: usize) -> Option<Vec<Range<usize>>> {
    let mut out = Vec::new();
    let mut j = skip_ws(b, i + 1);
    if b.get(j) == Some(&b']') {
        return Some(out);
    }
    loop {
        let end = value_end(b, j)?;
        out.push(j..end);
        j = skip_ws(b, end);
        match b.get(j)? {
            b',' => j = skip_ws(b, j + 1),
            b']' => return Some(out),
            _ => return None,
        }
    }
}

/// The members of the object that starts at `i`.
pub(super) fn members(text: &str, i: usize) -> Option<Vec<Member>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut j = skip_ws(b, i + 1);
    if b.get(j) == Some(&b'}') {
        return Some(out);
    }
    loop {
        if b.get(j) != Some(&b'"') {
            return None;
        }
        let key_end = string_end(b, j)?;
        let name = serde_json::from_str::<String>(text.get(j..key_end)?).ok()?;
        j = skip_ws(b, key_end);
        if b.get(j) != Some(&b':') {
            return None;
        }
        let start = skip_ws(b, j + 1);
        let end = value_end(b, start)?;
        out.push(Member {
            name,
            value: start..end,
        });
        j = skip_ws(b, end);
        match b.get(j)? {
            b',' => j = skip_ws(b, j + 1),
            b'}' => return Some(out),
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> (String, Parsed) {
        let path = format!(
            "{}/tests/fixtures/import/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap();
        let parsed = parse(Path::new(&path), &text);
        (text, parsed)
    }

    fn json(text: &str) -> Parsed {
        parse(Path::new("daily.json"), text)
    }

    fn messages(parsed: &Parsed) -> Vec<(Option<usize>, &str)> {
        parsed
            .errors
            .iter()
            .map(|d| (d.line, d.message.as_str()))
            .collect()
    }

    #[test]
    fn fixture_papers_become_records() {
        let (text, parsed) = fixture("hf-daily.json");
        assert!(looks_like(&text));
        assert_eq!(messages(&parsed), []);
        let [r1, movie, v3] = &parsed.records[..] else {
            panic!("{:#?}", parsed.records)
        };

        assert_eq!(r1.locator, "paper 1 (2501.12948)");
        assert_eq!(r1.line, Some(2));
        assert_eq!(
            r1.title,
            "DeepSeek-R1: Incentivizing Reasoning Capability in LLMs via Reinforcement Learning"
        );
        assert!(r1
            .abstract_text
            .starts_with("We introduce our first-generation reasoning models, DeepSeek-R1-Zero and\nDeepSeek-R1."));
        assert_eq!(r1.authors, ["DeepSeek-AI", "Daya Guo", "Dejian Yang"]);
        let id = r1.arxiv.as_ref().unwrap();
        assert_eq!((id.id.as_str(), id.version), ("2501.12948", None));
        assert_eq!(r1.published, Some(time::macros::date!(2025 - 01 - 22)));
        assert_eq!(
            r1.code.as_deref(),
            Some("https://github.com/deepseek-ai/DeepSeek-R1")
        );
        assert_eq!(r1.project, None);
        assert_eq!(
            r1.keywords,
            [
                "reinforcement learning",
                "supervised fine-tuning",
                "distillation"
            ]
        );
        assert_eq!(
            r1.metrics,
            Some(Metrics {
                upvotes: Some(412),
                stars: Some(91234),
                comments: Some(4)
            })
        );
        assert_eq!((r1.url.as_deref(), r1.doi.as_deref()), (None, None));

        // `githubRepo: null`, a project page, unknown fields.
        assert_eq!(movie.locator, "paper 2 (2410.13720)");
        assert_eq!(movie.line, Some(63));
        assert_eq!(movie.code, None);
        assert_eq!(
            movie.project.as_deref(),
            Some("https://ai.meta.com/research/movie-gen/")
        );
        assert_eq!(movie.published, Some(time::macros::date!(2024 - 10 - 17)));
        assert_eq!(
            movie.metrics,
            Some(Metrics {
                upvotes: Some(57),
                stars: None,
                comments: Some(0)
            })
        );
        // Raw: TeX and line breaks are the cleaner's business.
        assert!(movie.abstract_text.contains("a $30$B parameter"));

        // No optional field at all.
        assert_eq!(v3.locator, "paper 3 (2412.19437)");
        assert_eq!(v3.title, "DeepSeek-V3 Technical Report");
        assert!(v3.authors.is_empty() && v3.keywords.is_empty());
        assert_eq!((v3.published, v3.metrics), (None, None));
        assert_eq!((v3.code.as_deref(), v3.project.as_deref()), (None, None));
    }

    #[test]
    fn wrong_shape_is_one_error() {
        let (text, parsed) = fixture("hf-wrong-shape.json");
        assert!(!looks_like(&text));
        assert!(parsed.records.is_empty());
        let [error] = &parsed.errors[..] else {
            panic!("{:#?}", parsed.errors)
        };
        assert!(error.file.ends_with("hf-wrong-shape.json"));
        assert_eq!(error.line, Some(1));
        assert_eq!(
            error.message,
            "expected a JSON array of Hugging Face daily papers (objects with a `paper` object), \
             found an object"
        );

        let parsed = json("[\n  {\"title\": \"T\", \"id\": \"2501.12948\"}\n]");
        assert_eq!(
            messages(&parsed),
            [(
                Some(2),
                "expected a JSON array of Hugging Face daily papers (objects with a `paper` \
                 object); the first element has no `paper`"
            )]
        );
        assert!(json("[]").records.is_empty() && json("[]").errors.is_empty());
    }

    #[test]
    fn invalid_json_names_line_and_column() {
        let parsed = json("[\n  {\"paper\": {\"id\": \"2501.12948\",}}\n]");
        assert!(parsed.records.is_empty());
        assert_eq!(
            messages(&parsed),
            [(
                Some(2),
                "this file is not valid JSON: key must be a string at line 2 column 33"
            )]
        );
    }

    #[test]
    fn a_field_of_the_wrong_type_names_paper_field_and_line() {
        let parsed = json(
            r#"[
  {"paper": {"id": "2501.12948", "title": "Fine"}},
  {"paper": {
    "id": "2410.13720",
    "title": "Stars as text",
    "githubStars": "1.2k"
  }},
  {"paper": {"id": "2412.19437", "title": "Authors", "authors": [{"name": 7}]}},
  {"paper": {"id": "2412.19438", "title": "When", "publishedAt": "yesterday"}},
  {"paper": {"id": 2412.19439, "title": "Number id"}},
  "not a paper",
  {"paper": {"id": "2412.19440", "summary": "No title"}}
]"#,
        );
        assert_eq!(parsed.records.len(), 1);
        assert_eq!(
            messages(&parsed),
            [
                (Some(6), "paper 2 (2410.13720): `paper.githubStars` should be a whole number, not the string \"1.2k\""),
                (Some(8), "paper 3 (2412.19437): `paper.authors[].name` should be a string, not the number 7"),
                (Some(9), "paper 4 (2412.19438): `paper.publishedAt` should be an RFC 3339 timestamp such as 2025-04-07T12:00:00Z, not the string \"yesterday\""),
                (Some(10), "paper 5: `paper.id` should be a string (an arXiv id), not the number 2412.19439"),
                (Some(11), "paper 6: expected an object with a `paper` object, but the element is the string \"not a paper\""),
                (Some(12), "paper 7 (2412.19440): has no title (`paper.title`)"),
            ]
        );
    }

    #[test]
    fn an_invalid_arxiv_id_rejects_its_record_only() {
        let parsed = json(
            r#"[
  {"paper": {"id": "2501.12948", "title": "One"}},
  {"paper": {"id": "2513.00001", "title": "Two"}},
  {"paper": {"id": "2412.19437v2", "title": "Three"}}
]"#,
        );
        assert_eq!(
            messages(&parsed),
            [(
                Some(3),
                "paper 2 (2513.00001): `paper.id` \"2513.00001\" is not a valid arXiv id: \
                 \"2513.00001\": month 13 does not exist"
            )]
        );
        let ids: Vec<_> = parsed
            .records
            .iter()
            .map(|r| r.arxiv.as_ref().unwrap().to_string())
            .collect();
        assert_eq!(ids, ["2501.12948", "2412.19437v2"]);
    }

    #[test]
    fn fallbacks_and_timestamps() {
        let parsed = json(
            r#"[{"title": "Top title", "summary": "Top summary", "upvotes": 3,
  "paper": {"id": "2501.12948", "publishedAt": "2025-01-22T23:30:00-05:00",
            "authors": ["Ada Lovelace", {"name": null}, {"name": " "}],
            "githubRepo": "", "ai_keywords": null}}]"#,
        );
        assert_eq!(messages(&parsed), []);
        let r = &parsed.records[0];
        assert_eq!(
            (r.title.as_str(), r.abstract_text.as_str()),
            ("Top title", "Top summary")
        );
        assert_eq!(r.authors, ["Ada Lovelace"]);
        // The UTC day.
        assert_eq!(r.published, Some(time::macros::date!(2025 - 01 - 23)));
        assert_eq!(r.code, None);
        assert_eq!(r.metrics.and_then(|m| m.upvotes), Some(3));
    }

    #[test]
    fn never_panics_on_a_truncated_or_mangled_file() {
        let (text, _) = fixture("hf-daily.json");
        for (cut, _) in text.char_indices() {
            let _ = parse(Path::new("cut.json"), &text[..cut]);
            let _ = looks_like(&text[..cut]);
        }
        for (at, c) in text.char_indices().step_by(5) {
            for with in ["{", "]", "\"", "\\", "null", "1", "-"] {
                let mut mangled = text.clone();
                mangled.replace_range(at..at + c.len_utf8(), with);
                let _ = parse(Path::new("mangled.json"), &mangled);
                let _ = looks_like(&mangled);
            }
        }
        let deep = format!(
            "[{{\"paper\": {}{}}}]",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(!looks_like(&deep));
        assert_eq!(json(&deep).errors.len(), 1);
    }

    #[test]
    fn sniffing() {
        assert!(looks_like(
            "\u{feff} [ {\"numComments\": 1, \"paper\": {\"id\": \"x\"}} ]"
        ));
        assert!(!looks_like("[]"));
        assert!(!looks_like("[{\"paper\": \"2501.12948\"}]"));
        assert!(!looks_like("@article{a, title={T}}"));
        assert!(!looks_like("[{\"paper\": {"));
    }
}
