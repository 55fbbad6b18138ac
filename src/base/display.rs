//! How dates and author lists read on pages and in search results: one
//! spelling for both, so a result and the card it leads to agree.

use time::Date;

/// Up to three authors, else the first two and "et al.".
pub(crate) fn authors_short(authors: &[String]) -> String {
    match authors.len() {
        0 => String::new(),
        1..=3 => authors.join(", "),
        _ => format!("{} et al.", authors[..2].join(", ")),
    }
}

/// `7 May 2025`.
pub(crate) fn display_date(d: Date) -> String {
    format!("{} {} {}", d.day(), d.month(), d.year())
}
