//! A paper's searchable words, scored once per entry (in [`Derived`]) so
//! the search index (`produce/search`) only gathers them: folding, stop
//! words, field classes and BM25-like strengths. `search.js` must fold and
//! drop stop words exactly like this (a unit test of the search compares
//! the stop words).
//!
//! [`Derived`]: crate::convert::derived::Derived

use unicode_normalization::UnicodeNormalization;

/// Words too common to find anything with; `search.js` drops the same.
/// Sorted, for a binary search (a unit test checks).
pub(crate) const STOP: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has", "have", "in",
    "into", "is", "it", "its", "of", "on", "or", "our", "that", "the", "their", "these", "this",
    "to", "was", "we", "were", "which", "with",
];

/// Field weights: a word in the title says more than one in the abstract.
const TITLE: f32 = 4.0;
const AUTHORS: f32 = 3.0;
const LABELS: f32 = 2.0;
const BODY: f32 = 1.0;
/// BM25 constants; `REFERENCE` is a typical weighted paper length.
const K1: f32 = 1.2;
const B: f32 = 0.5;
const REFERENCE: f32 = 320.0;

/// The searchable fields of one paper.
pub(crate) struct Fields<'a> {
    pub(crate) title: &'a str,
    pub(crate) authors: &'a [String],
    /// Theme titles and tag names.
    pub(crate) labels: &'a [&'a str],
    pub(crate) abstract_text: &'a str,
    pub(crate) notes_text: &'a str,
}

/// A paper's terms with their scores (1..=63, see [`doc_terms`]), sorted by term. Kept for
/// every paper between rebuilds, so stored compactly: the terms in one
/// string, one per line, and the scores beside (a boxed string per term
/// would cost several times the text at 100,000 papers).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct DocTerms {
    terms: Box<str>,
    scores: Box<[u8]>,
}

impl DocTerms {
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, u8)> {
        self.terms
            .split('\n')
            .filter(|t| !t.is_empty())
            .zip(self.scores.iter().copied())
    }
}

/// The words of `text` as the index keeps them: compatibility-decomposed,
/// without combining marks, lowercased, split at anything that is not a
/// letter or digit, at least two characters, no stop words. `search.js`
/// does the same to a query, in the same order.
#[cfg(test)] // only the unit tests ask
pub(crate) fn tokens(text: &str) -> Vec<String> {
    words(&fold(text)).map(str::to_string).collect()
}

/// `text` decomposed, without combining marks, lowercased.
pub(crate) fn fold(text: &str) -> String {
    if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        text.nfkd()
            .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
            .collect::<String>()
            .to_lowercase()
    }
}

/// The indexed words of a folded text.
pub(crate) fn words(folded: &str) -> impl Iterator<Item = &str> {
    // Most text is ASCII, where a byte test splits the same as the char
    // test and is several times quicker (this runs on every abstract).
    let ascii = folded.is_ascii();
    folded
        .split(move |c: char| {
            if ascii {
                !c.is_ascii_alphanumeric()
            } else {
                !c.is_alphanumeric()
            }
        })
        .filter(|w| w.chars().nth(1).is_some() && !is_stop(w))
}

/// The longest stop word, in bytes: longer words need no lookup.
pub(crate) const STOP_MAX_LEN: usize = 5;

pub(crate) fn is_stop(word: &str) -> bool {
    /// The stop words as integers, sorted: comparing integers is quicker
    /// than comparing strings, and every word of every paper is looked up.
    static PACKED: std::sync::LazyLock<Vec<u64>> = std::sync::LazyLock::new(|| {
        let mut packed: Vec<u64> = STOP.iter().map(|w| pack_prefix(w)).collect();
        packed.sort_unstable();
        packed
    });
    word.len() <= STOP_MAX_LEN && PACKED.binary_search(&pack_prefix(word)).is_ok()
}

/// Where a word occurs, best first: the class is the high bits of its
/// score, so a word in the title outranks any number of mentions in the
/// abstract (the README's rule), whatever the lengths.
pub(crate) const CLASS_TITLE: u8 = 3;
pub(crate) const CLASS_AUTHORS: u8 = 2;
pub(crate) const CLASS_LABELS: u8 = 1;
pub(crate) const CLASS_BODY: u8 = 0;

/// Scores the terms of one paper: `16 * class + strength`, the class of
/// the best field the word is in, the strength (1..=15) its BM25-like
/// weight over all fields.
pub(crate) fn doc_terms(f: &Fields) -> DocTerms {
    let mut fields: Vec<(String, f32, u8)> = vec![(fold(f.title), TITLE, CLASS_TITLE)];
    fields.extend(f.authors.iter().map(|a| (fold(a), AUTHORS, CLASS_AUTHORS)));
    fields.extend(f.labels.iter().map(|l| (fold(l), LABELS, CLASS_LABELS)));
    fields.push((fold(f.abstract_text), BODY, CLASS_BODY));
    fields.push((fold(f.notes_text), BODY, CLASS_BODY));
    let mut tf: ahash::AHashMap<&str, (f32, u8)> = ahash::AHashMap::with_capacity(256);
    let mut length = 0.0;
    for (text, weight, class) in &fields {
        for t in words(text) {
            let e = tf.entry(t).or_insert((0.0, *class));
            e.0 += weight;
            e.1 = e.1.max(*class);
            length += weight;
        }
    }
    let norm = K1 * (1.0 - B + B * length / REFERENCE);
    // Each term behind its first eight bytes as an integer: sorting
    // compares integers, and strings only when those tie (the order is
    // the strings' own, since words hold no NUL bytes).
    let mut scored: Vec<(u64, &str, u8)> = tf
        .into_iter()
        .map(|(t, (tf, class))| {
            let s = tf * (K1 + 1.0) / (tf + norm);
            let strength = (s / (K1 + 1.0) * 15.0).round().clamp(1.0, 15.0) as u8;
            (pack_prefix(t), t, class * 16 + strength)
        })
        .collect();
    scored.sort_unstable();
    // Words never hold a line break (they are letters and digits).
    let mut terms = String::with_capacity(scored.iter().map(|(_, t, _)| t.len() + 1).sum());
    for (_, t, _) in &scored {
        terms.push_str(t);
        terms.push('\n');
    }
    DocTerms {
        terms: terms.into_boxed_str(),
        scores: scored.iter().map(|&(_, _, q)| q).collect(),
    }
}

/// The first eight bytes of `word`, big-endian, zero-padded: integers in
/// the order of the words, and equal only for equal words of at most
/// eight bytes (words hold no NUL, so the padding cannot match a byte).
pub(crate) fn pack_prefix(word: &str) -> u64 {
    let mut bytes = [0u8; 8];
    let n = word.len().min(8);
    bytes[..n].copy_from_slice(&word.as_bytes()[..n]);
    u64::from_be_bytes(bytes)
}
