//! BibTeX keys: `lastnameYYYYfirstword`, unique within a digest. Here,
//! not in `render`, because `resolve` tells the curator which keys its
//! changes move (and keeps the old ones as aliases, `bibtex_ids`).

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use super::Entry;

/// Citation keys for `entries` (the published papers of a digest), stable
/// across builds and unique among them: `lastnameYYYYfirstword`, with `a`,
/// `b`… added (in slug order) where two papers would share one, or where
/// the key is another paper's former key (an alias in its `bibtex_ids`),
/// so a citation of an old key never lands on the wrong paper. A part the
/// entry does not hold is left out (`ba2016layer`, `layer2016`, `layer`): a
/// key never names an invented author or year.
pub(crate) fn unique_keys(entries: &[&Entry]) -> Vec<String> {
    // In parallel: slugifying 100,000 names and titles takes a core 0.2 s.
    let mut keys: Vec<String> = entries.par_iter().map(|e| base_key(e)).collect();
    let mut groups: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, b) in keys.iter().enumerate() {
        groups.entry(b).or_default().push(i);
    }
    // Former keys, and whose they are.
    let mut aliases: HashMap<&str, HashSet<usize>> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        for alias in &e.bibtex_ids {
            aliases.entry(alias.as_str()).or_default().insert(i);
        }
    }
    let mut shared: Vec<(usize, String)> = Vec::new();
    for (base, mut members) in groups {
        let taken_as_alias = aliases
            .get(base)
            .is_some_and(|owners| owners.iter().any(|o| !members.contains(o)));
        if members.len() < 2 && !taken_as_alias {
            continue;
        }
        members.sort_by(|&a, &b| entries[a].slug.cmp(&entries[b].slug));
        for (n, &i) in members.iter().enumerate() {
            shared.push((i, format!("{base}{}", suffix(n))));
        }
    }
    for (i, key) in shared {
        keys[i] = key;
    }
    keys
}

/// a, b, …, z, aa, ab, …
fn suffix(mut n: usize) -> String {
    let mut s = String::new();
    loop {
        s.insert(0, (b'a' + (n % 26) as u8) as char);
        if n < 26 {
            return s;
        }
        n = n / 26 - 1;
    }
}

const TITLE_SKIP: &[&str] = &[
    "a", "an", "the", "on", "of", "for", "and", "to", "in", "with", "towards", "toward",
];

/// The key of one entry before it is made unique.
pub(crate) fn base_key(e: &Entry) -> String {
    let ascii = |s: &str| -> String {
        slug::slugify(s)
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect()
    };
    let author = e
        .authors
        .first()
        .and_then(|a| a.split_whitespace().last())
        .map(ascii)
        .unwrap_or_default();
    let year = e
        .published
        .map(|d| d.year().to_string())
        .unwrap_or_default();
    let word = e
        .title
        .split(|c: char| !c.is_alphanumeric())
        .map(|w| w.to_lowercase())
        .find(|w| !w.is_empty() && !TITLE_SKIP.contains(&w.as_str()))
        .map(|w| ascii(&w))
        .unwrap_or_default();
    // Without an author the title word leads, so the key does not start
    // with the year: `layer2016` reads as a key, `2016layer` as a number.
    let key = if author.is_empty() {
        format!("{word}{year}")
    } else {
        format!("{author}{year}{word}")
    };
    if key.is_empty() {
        // A title of symbols only, no author, no date: still a valid key.
        "paper".into()
    } else {
        key
    }
}

/// Whether `key` can be a BibTeX key: no white space, none of the
/// characters BibTeX and biber read as syntax.
pub(crate) fn is_valid_key(key: &str) -> bool {
    !key.is_empty()
        && !key
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || ",{}()\"#%'=\\~".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes() {
        assert_eq!(suffix(0), "a");
        assert_eq!(suffix(25), "z");
        assert_eq!(suffix(26), "aa");
    }

    #[test]
    fn valid_keys() {
        assert!(is_valid_key("ba2016layer"));
        assert!(is_valid_key("layer:v1"));
        assert!(!is_valid_key("two words"));
        assert!(!is_valid_key("a,b"));
        assert!(!is_valid_key(""));
    }
}
