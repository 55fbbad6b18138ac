//! One identity per paper: its canonical arXiv id, else its DOI, else its
//! normalised title.

use std::collections::HashMap;

use super::arxiv_id::ArxivId;

/// The fields of an entry (or of an imported record) that can name a
/// paper. Every reader of identity (`check`, `import`, `new`) goes through
/// [`identity_keys`] with all of them, so they agree on what is a duplicate.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ids<'a> {
    pub(crate) arxiv: Option<&'a str>,
    pub(crate) doi: Option<&'a str>,
    /// An arXiv abs or pdf URL, a Hugging Face paper URL or a doi.org URL
    /// names the paper as well as `arxiv:` or `doi:` would.
    pub(crate) url: Option<&'a str>,
    pub(crate) title: &'a str,
}

impl<'a> Ids<'a> {
    /// The ids of an entry.
    pub(crate) fn of(e: &'a super::Entry) -> Ids<'a> {
        Ids {
            arxiv: e.arxiv.as_deref(),
            doi: e.doi.as_deref(),
            url: e.url.as_deref(),
            title: &e.title,
        }
    }
}

/// Hosts whose URLs carry an arXiv id (see [`ArxivId::parse`]).
const ARXIV_URLS: [&str; 6] = [
    "arxiv.org/abs/",
    "arxiv.org/pdf/",
    "export.arxiv.org/abs/",
    "export.arxiv.org/pdf/",
    "huggingface.co/papers/",
    "hf.co/papers/",
];

/// The DOI of a doi.org URL.
fn doi_of_url(rest: &str) -> Option<&str> {
    ["doi.org/", "dx.doi.org/"]
        .iter()
        .find_map(|h| {
            rest.get(..h.len())
                .filter(|p| p.eq_ignore_ascii_case(h))
                .map(|_| &rest[h.len()..])
        })
        .filter(|d| d.starts_with("10."))
}

/// A paper's identity keys, strongest first, and which field gave each
/// (`arxiv`, `doi`, `url` or `title`). Two entries with a key in common
/// are the same paper, whatever form each wrote its id in.
pub fn identity_keys_from(ids: Ids<'_>) -> Vec<(String, &'static str)> {
    let mut keys: Vec<(String, &'static str)> = Vec::new();
    let mut push = |key: String, field: &'static str| {
        if !keys.iter().any(|(k, _)| *k == key) {
            keys.push((key, field));
        }
    };
    if let Some(id) = ids.arxiv.and_then(|a| ArxivId::parse(a).ok()) {
        push(format!("arXiv {}", id.id), "arxiv");
    }
    let mut doi_key = |doi: &str, field: &'static str| {
        // arXiv's own DOI names the arXiv paper.
        match ArxivId::parse(doi) {
            Ok(id) if doi.trim().to_lowercase().starts_with("10.48550/") => {
                push(format!("arXiv {}", id.id), field)
            }
            _ => push(format!("DOI {}", doi.trim().to_lowercase()), field),
        }
    };
    if let Some(doi) = ids.doi {
        doi_key(doi, "doi");
    }
    if let Some(url) = ids.url {
        let rest = url.trim();
        let rest = rest
            .strip_prefix("https://")
            .or_else(|| rest.strip_prefix("http://"))
            .unwrap_or(rest);
        let rest = rest.strip_prefix("www.").unwrap_or(rest);
        let lower = rest.to_lowercase();
        if ARXIV_URLS.iter().any(|h| lower.starts_with(h)) {
            if let Ok(id) = ArxivId::parse(url) {
                push(format!("arXiv {}", id.id), "url");
            }
        } else if let Some(doi) = doi_of_url(rest) {
            let doi = percent_encoding::percent_decode_str(doi).decode_utf8_lossy();
            doi_key(&doi, "url");
        }
    }
    push(format!("title “{}”", slug::slugify(ids.title)), "title");
    keys
}

/// [`identity_keys_from`] without the fields.
pub fn identity_keys(ids: Ids<'_>) -> Vec<String> {
    identity_keys_from(ids)
        .into_iter()
        .map(|(k, _)| k)
        .collect()
}

/// The identity keys of an entry that does not parse, from its `arxiv`,
/// `doi`, `url` and `title` lines read one by one (the first of each;
/// plain, single- or double-quoted values), so that an import can still
/// tell which records are that paper. Empty when none can be read.
pub fn lenient_identity_keys(text: &str) -> Vec<String> {
    let mut found: HashMap<&str, String> = HashMap::new();
    let mut lines = text.lines().peekable();
    if lines.peek().is_some_and(|l| l.trim_end() == "---") {
        lines.next();
    }
    for line in lines {
        if line.trim_end() == "---" {
            break;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let key = key.trim_end().trim_matches(['"', '\'']);
        if !["arxiv", "doi", "url", "title"].contains(&key) || found.contains_key(key) {
            continue;
        }
        if let Some(value) = scalar(value.trim()) {
            found.insert(key, value);
        }
    }
    let title = found.get("title").map(String::as_str).unwrap_or("");
    let mut keys = identity_keys(Ids {
        arxiv: found.get("arxiv").map(String::as_str),
        doi: found.get("doi").map(String::as_str),
        url: found.get("url").map(String::as_str),
        title,
    });
    if slug::slugify(title).is_empty() {
        keys.pop(); // the title key, of no title
    }
    keys
}

/// A one-line YAML scalar, leniently: quoted or plain, comment dropped.
fn scalar(value: &str) -> Option<String> {
    let text = if let Some(rest) = value.strip_prefix('"') {
        let end = rest.rfind('"')?;
        serde_json::from_str::<String>(&value[..end + 2])
            .unwrap_or_else(|_| rest[..end].to_string())
    } else if let Some(rest) = value.strip_prefix('\'') {
        rest[..rest.rfind('\'')?].replace("''", "'")
    } else {
        let plain = match value.find(" #") {
            Some(i) => &value[..i],
            None => value,
        };
        plain.trim().to_string()
    };
    (!text.trim().is_empty() && !text.starts_with(['|', '>', '[', '{'])).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(arxiv: Option<&str>, doi: Option<&str>, url: Option<&str>, title: &str) -> Vec<String> {
        identity_keys(Ids {
            arxiv,
            doi,
            url,
            title,
        })
    }

    #[test]
    fn arxiv_doi_is_the_arxiv_identity() {
        let a = keys(Some("math/0611800"), None, None, "A");
        let b = keys(None, Some("10.48550/arXiv.math.CA/0611800"), None, "B");
        assert_eq!(a[0], b[0]);
        assert_eq!(
            keys(None, Some("10.1000/XYZ"), None, "C")[0],
            "DOI 10.1000/xyz"
        );
    }

    #[test]
    fn urls_carry_ids() {
        let want = "arXiv 2504.03380";
        for url in [
            "https://arxiv.org/abs/2504.03380v2",
            "https://arxiv.org/pdf/2504.03380v1.pdf",
            "http://export.arxiv.org/abs/2504.03380",
            "https://huggingface.co/papers/2504.03380",
            "https://doi.org/10.48550/arXiv.2504.03380",
        ] {
            assert_eq!(keys(None, None, Some(url), "T")[0], want, "{url}");
        }
        assert_eq!(
            keys(None, None, Some("https://doi.org/10.1000/XYZ"), "T")[0],
            "DOI 10.1000/xyz"
        );
        // Other pages name no paper, whatever their path looks like.
        for url in [
            "https://github.com/a/2504.03380",
            "https://example.org/hep-th/9901001",
        ] {
            assert_eq!(keys(None, None, Some(url), "T").len(), 1, "{url}");
        }
    }

    #[test]
    fn a_broken_entry_still_names_its_paper() {
        let keys = lenient_identity_keys(
            "---\ntitle: 'It''s a title' # mine\nstatus: a\nstatus: b\nurl: \"https://huggingface.co/papers/2504.03380\"\n---\nNotes.\n",
        );
        assert_eq!(keys, ["arXiv 2504.03380", "title “it-s-a-title”"]);
        assert_eq!(
            lenient_identity_keys("---\ndoi: 10.1000/XYZ\narxiv: [oops\n---\n"),
            ["DOI 10.1000/xyz"]
        );
        assert!(lenient_identity_keys("---\ntitle: >-\n  Folded\n---\n").is_empty());
        assert!(lenient_identity_keys("no front matter at all").is_empty());
    }
}
