//! What the reference-manager formats (CSL-JSON, RIS) share: finding a
//! paper's arXiv id among the fields that can carry one, its venue as a
//! journal reference, names written `Family, Given`, and dates given in
//! parts at year, month or day precision.

use time::{Date, Month};

use super::bibtex::{is_arxiv_url, starts_with_ignore_case, strip_doi_prefix};
use super::record::DatePrecision;
use super::ArxivId;

/// The identifiers of one record, gathered field by field. Every arXiv id
/// found must be the same paper's.
#[derive(Default)]
pub(super) struct Ids {
    /// The field and the id it gave, in the order read.
    found: Vec<(String, ArxivId)>,
    pub(super) doi: Option<String>,
    pub(super) url: Option<String>,
}

/// A field whose value is wrong, and why.
pub(super) type FieldError = (String, String);

impl Ids {
    /// A DOI field: arXiv's own DOI names the paper, any other is kept.
    pub(super) fn doi(&mut self, field: &str, value: &str) -> Result<(), FieldError> {
        let doi = strip_doi_prefix(value.trim());
        if doi.is_empty() {
            return Ok(());
        }
        if starts_with_ignore_case(doi, "10.48550/arxiv.") {
            self.arxiv(field, doi, "the arXiv DOI")
        } else {
            if self.doi.is_none() {
                self.doi = Some(doi.to_string());
            }
            Ok(())
        }
    }

    /// A URL field: an arXiv page names the paper, any other is its page.
    pub(super) fn url(&mut self, field: &str, value: &str) -> Result<(), FieldError> {
        let url = value.trim();
        if url.is_empty() {
            return Ok(());
        }
        if is_arxiv_url(url) {
            self.arxiv(field, url, "the arXiv address")
        } else {
            if self.url.is_none() && crate::base::urls::is_web_url(url) {
                self.url = Some(url.to_string());
            }
            Ok(())
        }
    }

    /// A field that may mention the paper's arXiv id (`arXiv:2504.03380
    /// [cs.LG]`, an arXiv URL; or, when `bare` says the field is an arXiv
    /// number, `2504.03380` alone). Anything else in it is not an id.
    pub(super) fn mention(
        &mut self,
        field: &str,
        value: &str,
        bare: bool,
    ) -> Result<(), FieldError> {
        let value = value.trim();
        if let Some(at) = find_ignore_case(value, "arxiv:") {
            let token = value[at..]
                .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '[' | ']'))
                .next()
                .unwrap_or("");
            return self.arxiv(field, token, "the arXiv id");
        }
        if is_arxiv_url(value) {
            return self.arxiv(field, value, "the arXiv address");
        }
        if bare && !value.is_empty() {
            return self.arxiv(field, value, "the arXiv number");
        }
        Ok(())
    }

    fn arxiv(&mut self, field: &str, value: &str, what: &str) -> Result<(), FieldError> {
        match ArxivId::parse(value) {
            Ok(id) => {
                self.found.push((field.to_string(), id));
                Ok(())
            }
            Err(why) => Err((
                field.to_string(),
                format!("{what} {value:?} in `{field}` is not a valid arXiv id: {why}"),
            )),
        }
    }

    /// The arXiv id all fields agree on (with the first version any of
    /// them names).
    pub(super) fn arxiv_id(&self) -> Result<Option<ArxivId>, FieldError> {
        let Some((first_field, first)) = self.found.first() else {
            return Ok(None);
        };
        if let Some((field, other)) = self.found.iter().find(|(_, id)| id.id != first.id) {
            return Err((
                field.clone(),
                format!(
                    "`{first_field}` gives the arXiv id {} but `{field}` gives {}",
                    first.id, other.id
                ),
            ));
        }
        Ok(Some(ArxivId {
            id: first.id.clone(),
            version: self.found.iter().find_map(|(_, id)| id.version),
        }))
    }
}

/// Is this venue arXiv itself (`arXiv`, `arXiv preprint arXiv:…`, DBLP's
/// `CoRR`), which is no journal reference?
pub(super) fn is_arxiv_venue(venue: &str) -> bool {
    let venue = venue.trim();
    venue.eq_ignore_ascii_case("corr") || starts_with_ignore_case(venue, "arxiv")
}

/// `Nature 521(7553), 436–444`: the venue with its volume, issue and pages
/// when given.
pub(super) fn journal_ref(
    venue: &str,
    volume: Option<&str>,
    issue: Option<&str>,
    pages: Option<&str>,
) -> String {
    let mut out = venue.trim().to_string();
    if let Some(volume) = volume.map(str::trim).filter(|v| !v.is_empty()) {
        out.push(' ');
        out.push_str(volume);
    }
    if let Some(issue) = issue.map(str::trim).filter(|v| !v.is_empty()) {
        out.push_str(&format!("({issue})"));
    }
    if let Some(pages) = pages.map(str::trim).filter(|v| !v.is_empty()) {
        out.push_str(", ");
        out.push_str(pages);
    }
    out
}

/// `Lovelace, Ada` → `Ada Lovelace`; RIS's `King, Martin Luther, Jr.` →
/// `Martin Luther King Jr.`; a name without a comma stays as it is.
pub(super) fn uninvert(name: &str) -> String {
    let mut parts = name.split(',').map(str::trim);
    let family = parts.next().unwrap_or("");
    let rest: Vec<&str> = parts.filter(|p| !p.is_empty()).collect();
    match rest.split_first() {
        None => family.to_string(),
        Some((given, suffixes)) => {
            let mut out = format!("{given} {family}");
            for s in suffixes {
                out.push(' ');
                out.push_str(s);
            }
            out
        }
    }
}

/// A date from its parts, at the precision of the parts given; the reason
/// when it is not one.
pub(super) fn date_from_parts(
    year: i64,
    month: Option<i64>,
    day: Option<i64>,
) -> Result<(Date, DatePrecision), String> {
    let year = i32::try_from(year)
        .ok()
        .filter(|y| (1000..=9999).contains(y))
        .ok_or_else(|| format!("{year} is not a year (expected four digits)"))?;
    let Some(month) = month else {
        return Ok((date(year, Month::January, 1)?, DatePrecision::Year));
    };
    let month = u8::try_from(month)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or_else(|| format!("{month} is not a month (expected 1–12)"))?;
    let Some(day) = day else {
        return Ok((date(year, month, 1)?, DatePrecision::Month));
    };
    let day = u8::try_from(day).map_err(|_| format!("{day} is not a day of the month"))?;
    Ok((date(year, month, day)?, DatePrecision::Day))
}

fn date(year: i32, month: Month, day: u8) -> Result<Date, String> {
    Date::from_calendar_date(year, month, day)
        .map_err(|_| format!("{year}-{:02}-{day:02} does not exist", month as u8))
}

/// The first four-digit number in a free-text date (`Spring 2015`,
/// `May 28, 2015`), as a year.
pub(super) fn year_in(text: &str) -> Option<(Date, DatePrecision)> {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(3)).find_map(|i| {
        let run = bytes.get(i..i + 4)?;
        let before = i.checked_sub(1).and_then(|j| bytes.get(j));
        let after = bytes.get(i + 4);
        let digit = |b: Option<&u8>| b.is_some_and(u8::is_ascii_digit);
        if run.iter().all(u8::is_ascii_digit) && !digit(before) && !digit(after) {
            let year: i64 = text.get(i..i + 4)?.parse().ok()?;
            date_from_parts(year, None, None).ok()
        } else {
            None
        }
    })
}

/// A keyword field as its keywords: `a, b; c` → `a`, `b`, `c`.
pub(super) fn keyword_list(text: &str) -> Vec<String> {
    text.split([',', ';'])
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect()
}

/// Byte offset of an ASCII `needle` in `text`, any case.
fn find_ignore_case(text: &str, needle: &str) -> Option<usize> {
    text.char_indices()
        .map(|(i, _)| i)
        .find(|&i| starts_with_ignore_case(&text[i..], needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_turn_around() {
        assert_eq!(uninvert("Lovelace, Ada"), "Ada Lovelace");
        assert_eq!(
            uninvert("King, Martin Luther, Jr."),
            "Martin Luther King Jr."
        );
        assert_eq!(uninvert("DeepSeek-AI"), "DeepSeek-AI");
        assert_eq!(uninvert("Schröder,"), "Schröder");
    }

    #[test]
    fn dates_keep_their_precision() {
        let d = |y, m, d| date_from_parts(y, m, d);
        assert_eq!(d(2019, None, None).unwrap().1, DatePrecision::Year);
        assert_eq!(d(2019, Some(6), None).unwrap().1, DatePrecision::Month);
        assert_eq!(
            d(2019, Some(6), Some(2)).unwrap(),
            (time::macros::date!(2019 - 06 - 02), DatePrecision::Day)
        );
        assert!(d(2019, Some(13), None)
            .unwrap_err()
            .contains("13 is not a month"));
        assert!(d(2019, Some(2), Some(30))
            .unwrap_err()
            .contains("2019-02-30"));
        assert!(d(19, None, None).is_err());
        assert_eq!(year_in("Spring 2015").unwrap().0.year(), 2015);
        assert_eq!(year_in("12345"), None);
    }

    #[test]
    fn ids_must_agree() {
        let mut ids = Ids::default();
        ids.doi("DOI", "https://doi.org/10.48550/arXiv.1706.03762")
            .unwrap();
        ids.url("URL", "http://arxiv.org/abs/1706.03762v5").unwrap();
        ids.mention("number", "arXiv:1706.03762 [cs]", false)
            .unwrap();
        let id = ids.arxiv_id().unwrap().unwrap();
        assert_eq!((id.id.as_str(), id.version), ("1706.03762", Some(5)));
        assert_eq!(ids.doi, None);
        ids.mention("note", "arXiv:1810.04805", false).unwrap();
        let (field, message) = ids.arxiv_id().unwrap_err();
        assert_eq!(field, "note");
        assert!(message.contains("1810.04805"), "{message}");
        // Other mentions are not ids.
        let mut ids = Ids::default();
        ids.mention("number", "7553", false).unwrap();
        ids.doi("DOI", "10.1038/nature14539").unwrap();
        assert_eq!(ids.arxiv_id().unwrap(), None);
        assert_eq!(ids.doi.as_deref(), Some("10.1038/nature14539"));
    }
}
