//! One identity per arXiv paper, whatever form its id came in.
//!
//! arXiv ids come as `2504.03380`, `2504.03380v2`, `arXiv:2504.03380`,
//! `hep-th/9901001`, `math.CA/0611800` (cited as `math/0611800`), abs and
//! pdf URLs, Hugging Face paper URLs and the arXiv DOI
//! `10.48550/arXiv.2504.03380`. [`ArxivId::parse`] maps all of them to one
//! canonical key (the id without version) and keeps the version apart.

use std::fmt;

/// A canonical arXiv id and, when the source named one, its version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ArxivId {
    /// `2504.03380` or `hep-th/9901001`: no version, no prefix, and for
    /// old-style ids the archive without its subject class.
    pub(crate) id: String,
    pub(crate) version: Option<u32>,
}

impl fmt::Display for ArxivId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.version {
            Some(v) => write!(f, "{}v{v}", self.id),
            None => f.write_str(&self.id),
        }
    }
}

impl ArxivId {
    /// Parses any of the accepted forms; the error says why it is not one.
    pub(crate) fn parse(input: &str) -> Result<ArxivId, String> {
        let s = input.trim();
        if s.is_empty() {
            return Err(format!("{input:?}: the id is empty"));
        }
        let s = strip_wrappers(s);
        let (core, version) = split_version(s)?;
        let id = if let Some((archive, number)) = core.split_once('/') {
            old_style(archive, number)?
        } else {
            new_style(core)?
        };
        Ok(ArxivId { id, version })
    }

    /// The abstract page.
    pub(crate) fn abs_url(&self) -> String {
        format!("https://arxiv.org/abs/{}", self.id)
    }

    /// The PDF of the named version, else the latest.
    #[cfg(test)] // only the unit tests ask
    pub(crate) fn pdf_url(&self) -> String {
        format!("https://arxiv.org/pdf/{self}")
    }

    /// The DOI arXiv registers for every paper.
    pub(crate) fn doi(&self) -> String {
        format!("10.48550/arXiv.{}", self.id)
    }
}

/// Removes URL, DOI and `arXiv:` wrappers, leaving `id[vN]`.
fn strip_wrappers(s: &str) -> &str {
    let mut s = s;
    for prefix in ["https://", "http://"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest;
        }
    }
    s = s.strip_prefix("www.").unwrap_or(s);
    for host in [
        "export.arxiv.org/abs/",
        "export.arxiv.org/pdf/",
        "arxiv.org/abs/",
        "arxiv.org/pdf/",
        "huggingface.co/papers/",
        "hf.co/papers/",
        "doi.org/10.48550/arXiv.",
        "dx.doi.org/10.48550/arXiv.",
    ] {
        if let Some(rest) = strip_prefix_ignore_case(s, host) {
            s = rest;
            break;
        }
    }
    if let Some(rest) = strip_prefix_ignore_case(s, "10.48550/arxiv.") {
        s = rest;
    }
    if let Some(rest) = strip_prefix_ignore_case(s, "arxiv:") {
        s = rest.trim_start();
    }
    // `.pdf`, a query or a fragment after the id belong to the URL.
    let s = s.split(['?', '#']).next().unwrap_or(s);
    let s = s.strip_suffix(".pdf").unwrap_or(s);
    s.trim_end_matches('/')
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// `2504.03380v2` → (`2504.03380`, Some(2)).
fn split_version(s: &str) -> Result<(&str, Option<u32>), String> {
    let digits_end = s.len() - s.bytes().rev().take_while(u8::is_ascii_digit).count();
    if digits_end < s.len() && digits_end > 0 && s.as_bytes()[digits_end - 1] == b'v' {
        let core = &s[..digits_end - 1];
        // Only a `v` that follows the id's own digits starts a version:
        // `solv-int/9901001` has a `v` in its archive name.
        if core.bytes().last().is_some_and(|b| b.is_ascii_digit()) {
            let v: u32 = s[digits_end..]
                .parse()
                .map_err(|_| format!("version number too large in {s:?}"))?;
            if v == 0 {
                return Err(format!("{s:?}: versions start at v1"));
            }
            return Ok((core, Some(v)));
        }
    }
    Ok((s, None))
}

/// `YYMM.NNNN` (2007–2014) or `YYMM.NNNNN` (2015 on).
fn new_style(s: &str) -> Result<String, String> {
    let Some((yymm, number)) = s.split_once('.') else {
        return Err(format!(
            "{s:?} is not an arXiv id: expected YYMM.NNNNN (2504.03380) or archive/YYMMNNN (hep-th/9901001)"
        ));
    };
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    if yymm.len() != 4 || !digits(yymm) {
        return Err(format!("{s:?}: expected four digits (YYMM) before the dot"));
    }
    let month: u32 = yymm[2..].parse().unwrap_or(0);
    if !(1..=12).contains(&month) {
        return Err(format!("{s:?}: month {month:02} does not exist"));
    }
    let year: u32 = yymm[..2].parse().unwrap_or(0);
    if !digits(number) {
        return Err(format!("{s:?}: expected digits after the dot"));
    }
    match (number.len(), year) {
        (4, 7..=14) | (5, 15..) => Ok(s.to_string()),
        (4, _) => Err(format!(
            "{s:?}: ids since 2015 have five digits after the dot"
        )),
        (5, _) => Err(format!(
            "{s:?}: ids before 2015 have four digits after the dot"
        )),
        _ => Err(format!("{s:?}: expected four or five digits after the dot")),
    }
}

/// `hep-th/9901001`, `math.CA/0611800` (→ `math/0611800`),
/// `solv-int/9901001`.
fn old_style(archive: &str, number: &str) -> Result<String, String> {
    let archive_only = archive
        .split('.')
        .next()
        .unwrap_or(archive)
        .to_ascii_lowercase();
    let valid_archive = !archive_only.is_empty()
        && archive_only
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'-')
        && !archive_only.starts_with('-')
        && !archive_only.ends_with('-');
    if !valid_archive {
        return Err(format!("{archive:?} is not an arXiv archive name"));
    }
    if number.len() != 7 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "\"{archive}/{number}\": old-style ids have seven digits after the slash (YYMMNNN)"
        ));
    }
    let month: u32 = number[2..4].parse().unwrap_or(0);
    if !(1..=12).contains(&month) {
        return Err(format!(
            "\"{archive}/{number}\": month {month:02} does not exist"
        ));
    }
    Ok(format!("{archive_only}/{number}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        ArxivId::parse(s).unwrap_or_else(|e| panic!("{s}: {e}")).id
    }

    #[test]
    fn every_form_maps_to_one_key() {
        for form in [
            "2504.03380",
            "2504.03380v2",
            "arxiv:2504.03380",
            "arXiv:2504.03380v1",
            "https://arxiv.org/abs/2504.03380",
            "https://arxiv.org/abs/2504.03380v3",
            "https://arxiv.org/pdf/2504.03380v3.pdf",
            "https://arxiv.org/pdf/2504.03380",
            "http://export.arxiv.org/abs/2504.03380",
            "https://huggingface.co/papers/2504.03380",
            "10.48550/arXiv.2504.03380",
            "https://doi.org/10.48550/arXiv.2504.03380",
        ] {
            assert_eq!(canon(form), "2504.03380", "{form}");
        }
        assert_eq!(canon("1412.6980"), "1412.6980");
        assert_eq!(canon("hep-th/9901001"), "hep-th/9901001");
        assert_eq!(canon("hep-th/9901001v2"), "hep-th/9901001");
        assert_eq!(canon("math.CA/0611800"), "math/0611800");
        assert_eq!(canon("math/0611800"), "math/0611800");
        assert_eq!(canon("solv-int/9901001"), "solv-int/9901001");
        assert_eq!(
            canon("https://arxiv.org/abs/solv-int/9901001v1"),
            "solv-int/9901001"
        );
    }

    #[test]
    fn versions_are_kept_apart() {
        let id = ArxivId::parse("arXiv:2310.06825v2").unwrap();
        assert_eq!((id.id.as_str(), id.version), ("2310.06825", Some(2)));
        assert_eq!(id.to_string(), "2310.06825v2");
        assert_eq!(id.pdf_url(), "https://arxiv.org/pdf/2310.06825v2");
        assert_eq!(id.doi(), "10.48550/arXiv.2310.06825");
        assert_eq!(ArxivId::parse("solv-int/9901001").unwrap().version, None);
    }

    #[test]
    fn malformed_ids_say_why() {
        for (bad, why) in [
            ("", "empty"),
            ("2504.0338", "five digits"),
            ("1412.69801", "four digits"),
            ("2513.03380", "month 13"),
            ("25043380", "not an arXiv id"),
            ("hep-th/990100", "seven digits"),
            ("HEP_TH/9901001", "archive"),
            ("2504.03380v0", "v1"),
        ] {
            let err = ArxivId::parse(bad).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }
}
