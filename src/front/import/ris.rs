//! RIS: what EndNote, Mendeley, Zotero, Google Scholar and most publishers
//! export.
//!
//! ```text
//! TY  - JOUR
//! AU  - Vaswani, Ashish
//! TI  - Attention Is All You Need
//! T2  - Advances in Neural Information Processing Systems
//! PY  - 2017
//! DA  - 2017/06/12/
//! AB  - The dominant sequence transduction models …
//! DO  - 10.48550/arXiv.1706.03762
//! UR  - http://arxiv.org/abs/1706.03762
//! KW  - attention
//! ER  -
//! ```
//!
//! A record runs from `TY` to `ER`; each line is a two-character tag, two
//! spaces (some exporters write one), a hyphen and the value. A line that
//! is not a tag continues the value above it (exporters wrap long
//! abstracts). Authors come from `AU`/`A1`, the title from `TI`/`T1`, the
//! abstract from `AB`/`N2`, the date from the most precise of `DA`, `PY`
//! and `Y1` (`YYYY/MM/DD/other`, parts may be empty), the venue from
//! `JF`, `JO`, `T2`, `BT` or `JA` with `VL`, `IS`, `SP`–`EP`. The arXiv id
//! is found in `DO`, `UR`, `L1`, `L2`, `M1`, `M3`, `AN` or an arXiv venue;
//! they must agree. `KW` lines are the record's keywords, which the import
//! keeps only when asked (`--keep-tags`). Other tags are ignored.

use std::path::Path;

use super::biblio::{self, Ids};
use super::record::DatePrecision;
use super::{Parsed, Record};
use crate::base::error::Diagnostic;

/// Does the text start (after blank lines) with a `TY  - ` line?
pub(super) fn looks_like(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .lines()
        .find(|l| !l.trim().is_empty())
        .and_then(tag_line)
        .is_some_and(|(tag, _)| tag == "TY")
}

/// `AU  - Lovelace, Ada` → (`AU`, `Lovelace, Ada`).
fn tag_line(line: &str) -> Option<(&str, &str)> {
    let line = line.trim_end_matches('\r');
    let b = line.as_bytes();
    let tag_ok = b.len() >= 2
        && b[0].is_ascii_uppercase()
        && (b[1].is_ascii_uppercase() || b[1].is_ascii_digit());
    if !tag_ok {
        return None;
    }
    let rest = &line[2..];
    let spaces = rest.len() - rest.trim_start_matches(' ').len();
    let after = rest[spaces..].strip_prefix('-')?;
    if !(1..=2).contains(&spaces) || !(after.is_empty() || after.starts_with(' ')) {
        return None;
    }
    Some((&line[..2], after.trim()))
}

/// One field of a record: its tag, value and line.
struct Field {
    tag: String,
    value: String,
    line: usize,
}

pub(super) fn parse(path: &Path, text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let error = |line: usize, message: String| Diagnostic::error(path, Some(line), message);
    // The record being read: its number, first line and fields.
    let mut open: Option<(usize, usize, Vec<Field>)> = None;
    let mut count = 0;
    for (n, line) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        let n = n + 1;
        match tag_line(line) {
            Some(("TY", kind)) => {
                if let Some((index, start, _)) = open.take() {
                    parsed.errors.push(error(
                        start,
                        format!("record {index} (line {start}): no `ER` ends it before the next `TY` at line {n}"),
                    ));
                }
                count += 1;
                let ty = Field {
                    tag: "TY".into(),
                    value: kind.to_string(),
                    line: n,
                };
                open = Some((count, n, vec![ty]));
            }
            Some(("ER", _)) => match open.take() {
                Some((index, start, fields)) => match to_record(index, start, &fields) {
                    Ok(record) => parsed.records.push(record),
                    Err((line, message)) => parsed.errors.push(error(
                        line,
                        format!("record {index} (line {start}): {message}"),
                    )),
                },
                None => parsed.errors.push(error(
                    n,
                    "`ER` without a `TY` that starts its record".into(),
                )),
            },
            Some((tag, value)) => match &mut open {
                Some((_, _, fields)) => fields.push(Field {
                    tag: tag.to_string(),
                    value: value.to_string(),
                    line: n,
                }),
                None => parsed.errors.push(error(
                    n,
                    format!("`{tag}` outside a record (a record starts with `TY  - `)"),
                )),
            },
            None if line.trim().is_empty() => {}
            None => match open.as_mut().and_then(|(_, _, fields)| fields.last_mut()) {
                // A wrapped value.
                Some(field) => {
                    if !field.value.is_empty() {
                        field.value.push(' ');
                    }
                    field.value.push_str(line.trim());
                }
                None => parsed.errors.push(error(
                    n,
                    format!(
                        "{:?} is not a RIS line (expected `XX  - value`)",
                        short(line.trim())
                    ),
                )),
            },
        }
    }
    if let Some((index, start, _)) = open {
        parsed.errors.push(error(
            start,
            format!("record {index} (line {start}): the file ends before its `ER  - `"),
        ));
    }
    parsed
}

fn short(s: &str) -> String {
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(59).collect::<String>())
    } else {
        s.to_string()
    }
}

/// A record from its fields; on error, the line and what is wrong.
fn to_record(index: usize, start: usize, fields: &[Field]) -> Result<Record, (usize, String)> {
    let all = |tags: &[&str]| -> Vec<&Field> {
        fields
            .iter()
            .filter(|f| tags.contains(&f.tag.as_str()) && !f.value.is_empty())
            .collect()
    };
    let first = |tags: &[&str]| {
        // In the order of `tags`: `TI` before `T1` wherever they are.
        tags.iter()
            .find_map(|t| all(&[t]).first().map(|f| f.value.clone()))
    };
    let line_of = |tag: &str| {
        fields
            .iter()
            .find(|f| f.tag == tag)
            .map_or(start, |f| f.line)
    };

    let title = first(&["TI", "T1", "CT"]).ok_or((start, "has no title (`TI`)".to_string()))?;
    let authors = all(&["AU", "A1"])
        .into_iter()
        .map(|f| biblio::uninvert(&f.value))
        .filter(|a| !a.is_empty())
        .collect();

    let mut published: Option<(time::Date, DatePrecision)> = None;
    for tag in ["DA", "PY", "Y1"] {
        for f in all(&[tag]) {
            let date = ris_date(&f.value).map_err(|why| {
                let expected = "expected YYYY/MM/DD/, where parts may be empty";
                (
                    f.line,
                    format!("`{tag}` {:?} is not a date ({expected}): {why}", f.value),
                )
            })?;
            if let Some(date) = date {
                if published.is_none_or(|(_, p)| precision_rank(date.1) > precision_rank(p)) {
                    published = Some(date);
                }
            }
        }
    }

    let mut ids = Ids::default();
    let at = |(tag, message): biblio::FieldError| (line_of(&tag), message);
    for f in fields {
        let tag = f.tag.as_str();
        match tag {
            "DO" => ids.doi(tag, &f.value).map_err(at)?,
            "UR" => {
                // Some exporters put several addresses on one line.
                for url in f.value.split([';', ' ']).filter(|u| !u.is_empty()) {
                    ids.url(tag, url).map_err(at)?;
                }
            }
            "L1" | "L2" | "M1" | "M3" | "AN" => ids.mention(tag, &f.value, false).map_err(at)?,
            _ => {}
        }
    }
    let mut journal_ref = None;
    if let Some(venue) = first(&["JF", "JO", "T2", "BT", "JA"]) {
        if biblio::is_arxiv_venue(&venue) {
            let tag = ["JF", "JO", "T2", "BT", "JA"]
                .into_iter()
                .find(|t| !all(&[t]).is_empty())
                .unwrap_or("JO");
            ids.mention(tag, &venue, false).map_err(at)?;
        } else {
            let pages = match (first(&["SP"]), first(&["EP"])) {
                (Some(sp), Some(ep)) if sp != ep => Some(format!("{sp}–{ep}")),
                (Some(sp), _) => Some(sp),
                (None, ep) => ep,
            };
            journal_ref = Some(biblio::journal_ref(
                &venue,
                first(&["VL"]).as_deref(),
                first(&["IS"]).as_deref(),
                pages.as_deref(),
            ));
        }
    }
    let arxiv = ids.arxiv_id().map_err(at)?;
    let keywords = all(&["KW"])
        .into_iter()
        .flat_map(|f| {
            f.value
                .split(';')
                .map(str::trim)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|k| !k.is_empty())
        .collect();

    let (published, published_precision) = match published {
        Some((d, p)) => (Some(d), p),
        None => (None, DatePrecision::Day),
    };
    Ok(Record {
        locator: format!("record {index} (line {start})"),
        line: Some(start),
        title,
        abstract_text: first(&["AB", "N2"]).unwrap_or_default(),
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

fn precision_rank(p: DatePrecision) -> u8 {
    match p {
        DatePrecision::Year => 0,
        DatePrecision::Month => 1,
        DatePrecision::Day => 2,
    }
}

/// `2017`, `2017///`, `2017/06/12/`, `2017/06/12/Spring`, also
/// `2017-06-12`; `None` for an empty value.
fn ris_date(value: &str) -> Result<Option<(time::Date, DatePrecision)>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let separator = if value.contains('/') { '/' } else { '-' };
    let mut parts = value.split(separator).map(str::trim);
    let number = |p: Option<&str>, what: &str| -> Result<Option<i64>, String> {
        match p {
            None | Some("") => Ok(None),
            Some(p) if p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()) => Ok(p.parse().ok()),
            Some(p) if p.bytes().all(|b| b.is_ascii_digit()) => {
                Err(format!("its {what} has too many digits"))
            }
            Some(_) => Err(format!("its {what} is not a number")),
        }
    };
    let year = number(parts.next(), "year")?.ok_or("the year is missing")?;
    if year < 1000 {
        return Err("its year is not four digits".into());
    }
    let month = number(parts.next(), "month")?;
    let day = if month.is_some() {
        number(parts.next(), "day")?
    } else {
        None
    };
    biblio::date_from_parts(year, month, day).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ris(text: &str) -> Parsed {
        parse(Path::new("refs.ris"), text)
    }

    #[test]
    fn records_become_entries() {
        let parsed = ris("\u{feff}TY  - JOUR\r\nAU  - Schröder, Jürgen\r\nAU  - King, Martin Luther, Jr.\r\nTI  - A title on\r\n   two lines\r\nT2  - Nature\r\nVL  - 521\r\nIS  - 7553\r\nSP  - 436\r\nEP  - 444\r\nPY  - 2015///\r\nDA  - 2015/05/28/\r\nDO  - https://doi.org/10.1038/nature14539\r\nKW  - deep learning\r\nER  - \r\n\r\nTY  - CPAPER\nTI  - Second\nUR  - https://arxiv.org/abs/1706.03762v2\nM3  - arXiv:1706.03762\nJO  - arXiv preprint arXiv:1706.03762\nPY  - 2017\nER  -\n");
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let [a, b] = &parsed.records[..] else {
            panic!("{:?}", parsed.records)
        };
        assert_eq!(a.locator, "record 1 (line 1)");
        assert_eq!(a.title, "A title on two lines");
        assert_eq!(a.authors, ["Jürgen Schröder", "Martin Luther King Jr."]);
        assert_eq!(a.journal_ref.as_deref(), Some("Nature 521(7553), 436–444"));
        assert_eq!(a.published, Some(time::macros::date!(2015 - 05 - 28)));
        assert_eq!(a.published_precision, DatePrecision::Day);
        assert_eq!(a.doi.as_deref(), Some("10.1038/nature14539"));
        assert_eq!(a.keywords, ["deep learning"]);
        assert_eq!(b.line, Some(17));
        let id = b.arxiv.as_ref().unwrap();
        assert_eq!((id.id.as_str(), id.version), ("1706.03762", Some(2)));
        assert_eq!((b.journal_ref.clone(), b.url.clone()), (None, None));
        assert_eq!(b.published_precision, DatePrecision::Year);
    }

    #[test]
    fn errors_have_lines() {
        let parsed = ris("TY  - JOUR\nTI  - Fine\nER  - \nTY  - JOUR\nTI  - Bad\nPY  - 20x7\nER  - \nAU  - Stray, Line\nTY  - JOUR\nTI  - Unended\n");
        let errors: Vec<(Option<usize>, &str)> = parsed
            .errors
            .iter()
            .map(|d| (d.line, d.message.as_str()))
            .collect();
        assert_eq!(
            errors,
            [
                (
                    Some(6),
                    "record 2 (line 4): `PY` \"20x7\" is not a date (expected YYYY/MM/DD/, where parts may be empty): its year is not a number"
                ),
                (
                    Some(8),
                    "`AU` outside a record (a record starts with `TY  - `)"
                ),
                (
                    Some(9),
                    "record 3 (line 9): the file ends before its `ER  - `"
                ),
            ]
        );
        assert_eq!(parsed.records.len(), 1);
        let untitled = ris("TY  - JOUR\nAU  - Someone\nER  - \n");
        assert_eq!(
            untitled.errors[0].message,
            "record 1 (line 1): has no title (`TI`)"
        );
    }

    #[test]
    fn detection() {
        assert!(looks_like("\u{feff}\nTY  - JOUR\nER  - "));
        assert!(looks_like("TY - JOUR\n"));
        assert!(!looks_like("TYPE - JOUR\n"));
        assert!(!looks_like("@article{x,}"));
    }

    proptest::proptest! {
        /// Any prefix of a real export, and any text: records or errors,
        /// never a panic.
        #[test]
        fn never_panics(cut in 0usize..2000, noise in "(TY  - |[A-Z0-9 -]{0,8}|\\PC{0,40}\n){0,20}") {
            let text = include_str!("../../../tests/fixtures/import/endnote.ris");
            let cut = (0..=cut.min(text.len())).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            let _ = ris(&text[..cut]);
            let _ = ris(&noise);
            let _ = looks_like(&noise);
        }
    }
}
