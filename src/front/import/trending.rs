//! The text dump of a "trending papers" page.
//!
//! ```text
//! new
//! Get trending papers in your email inbox!
//! Subscribe
//! byAK and the research community
//! May 7
//! <title>
//! <abstract>
//! <title>
//! <abstract>
//! ```
//! Blank lines between lines are ignored. The header is optional.

use std::path::Path;

use super::Record;
use crate::base::error::Diagnostic;

const HEADER: &[&str] = &[
    "new",
    "get trending papers in your email inbox!",
    "subscribe",
    "byak and the research community",
];

const MONTHS: &[&str] = &[
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// A line such as `May 7`: the page's date, the last line of the header.
fn is_day_line(line: &str) -> bool {
    let mut words = line.split_whitespace();
    let (Some(month), Some(day), None) = (words.next(), words.next(), words.next()) else {
        return false;
    };
    let month = month.to_lowercase();
    MONTHS.iter().any(|m| month.starts_with(m))
        && day.len() <= 2
        && day.bytes().all(|b| b.is_ascii_digit())
}

fn is_header(line: &str) -> bool {
    HEADER.contains(&line.to_lowercase().as_str()) || is_day_line(line)
}

/// The non-blank lines with their 1-based line numbers.
fn lines(text: &str) -> Vec<(usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
        .collect()
}

/// Does this text look like a trending-papers dump?
pub(crate) fn looks_like(text: &str) -> bool {
    let lines = lines(text);
    let header = lines.iter().take_while(|(_, l)| is_header(l)).count();
    if header >= 2 {
        return true;
    }
    // Without the header: alternating short title lines and long abstracts.
    let body = &lines[header..];
    body.len() >= 2
        && body.len().is_multiple_of(2)
        && body
            .chunks(2)
            .all(|pair| pair[0].1.len() < 300 && pair[1].1.len() > pair[0].1.len())
}

pub(crate) fn parse(path: &Path, text: &str) -> Result<Vec<Record>, Vec<Diagnostic>> {
    let lines = lines(text);
    let header = lines.iter().take_while(|(_, l)| is_header(l)).count();
    let body = &lines[header..];
    let mut errors = Vec::new();
    let mut records = Vec::new();
    for pair in body.chunks(2) {
        let (line, title) = pair[0];
        let Some(&(_, abstract_text)) = pair.get(1) else {
            errors.push(Diagnostic::error(
                path,
                Some(line),
                format!("the paper {title:?} has no abstract line after its title"),
            ));
            continue;
        };
        if title.chars().count() > 500 {
            errors.push(Diagnostic::error(
                path,
                Some(line),
                "a title line is over 500 characters: is a title or an abstract line missing above it?",
            ));
            continue;
        }
        records.push(Record::new(
            format!("line {line}"),
            Some(line),
            title,
            abstract_text,
        ));
    }
    if records.is_empty() && errors.is_empty() {
        errors.push(Diagnostic::error(
            path,
            None,
            "no papers found in this file",
        ));
    }
    if errors.is_empty() {
        Ok(records)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_pairs() {
        let text = "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nbyAK and the research community\n\nMay 7\n\nA title\n\nAn abstract that is longer.\n\nB\n\nAnother abstract.\n";
        assert!(looks_like(text));
        let r = parse(Path::new("x"), text).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].title, "A title");
        assert_eq!(r[0].line, Some(11));
        assert_eq!(r[1].abstract_text, "Another abstract.");
    }

    #[test]
    fn missing_abstract_names_the_line() {
        let err = parse(Path::new("x"), "May 7\nT1\nA1 long\nT2\n").unwrap_err();
        assert_eq!(err[0].line, Some(4));
    }
}
