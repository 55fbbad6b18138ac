//! Words of a text, for the statistics that compare papers (theme
//! suggestions, related papers).

/// Words (three letters or more, not stop words) and two-word phrases, in
/// text order, each phrase before its second word.
pub(crate) fn terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_term(text, |first, second| match second {
        Some(w) => out.push(format!("{first} {w}")),
        None => out.push(first.to_string()),
    });
    out
}

/// Calls `f(word, None)` for each term of `text` as [`terms`] finds them,
/// and `f(first, Some(second))` for each two-word phrase, without
/// allocating a string per term (this runs on every abstract).
pub(crate) fn for_each_term(text: &str, mut f: impl FnMut(&str, Option<&str>)) {
    // The previous word, when it was a term: a phrase starts there.
    let mut prev = String::new();
    for_each_word(text, |w| {
        if !is_term(w) {
            prev.clear();
            return;
        }
        if !prev.is_empty() {
            f(&prev, Some(w));
        }
        f(w, None);
        prev.clear();
        prev.push_str(w);
    });
}

/// Whether a lowercased word counts as a term: three letters or more,
/// starting with a letter, not a stop word.
pub(crate) fn is_term(word: &str) -> bool {
    word.chars().nth(2).is_some()
        && word.chars().next().is_some_and(char::is_alphabetic)
        && !STOP_SET.contains(word)
}

/// Calls `f` with each word of `text` as [`terms`] splits it, lowercased
/// (in a buffer reused between words, so nothing is allocated per word).
pub(crate) fn for_each_word(text: &str, mut f: impl FnMut(&str)) {
    let mut buf = String::new();
    // On ASCII text a byte test splits the same, several times quicker.
    let ascii = text.is_ascii();
    let split = move |c: char| {
        !(c == '-'
            || if ascii {
                c.is_ascii_alphanumeric()
            } else {
                c.is_alphanumeric()
            })
    };
    for w in text.split(split) {
        // Empty words (between two separators) are passed on too: they
        // break phrases.
        let w = w.trim_matches('-');
        buf.clear();
        if w.is_ascii() {
            buf.push_str(w);
            buf.make_ascii_lowercase();
        } else {
            buf.push_str(&w.to_lowercase());
        }
        f(&buf);
    }
}

/// The stop words, for lookups in constant time (every word of every
/// abstract is looked up).
static STOP_SET: std::sync::LazyLock<ahash::AHashSet<&'static str>> =
    std::sync::LazyLock::new(|| STOP.iter().copied().collect());

/// Common English words and the stock phrases of abstracts.
const STOP: &[&str] = &[
    "the",
    "and",
    "for",
    "are",
    "but",
    "not",
    "you",
    "all",
    "any",
    "can",
    "had",
    "her",
    "was",
    "one",
    "our",
    "out",
    "has",
    "have",
    "his",
    "how",
    "its",
    "may",
    "new",
    "now",
    "own",
    "see",
    "two",
    "who",
    "did",
    "get",
    "him",
    "let",
    "she",
    "too",
    "use",
    "used",
    "using",
    "uses",
    "with",
    "this",
    "that",
    "from",
    "they",
    "them",
    "then",
    "than",
    "their",
    "there",
    "these",
    "those",
    "which",
    "while",
    "where",
    "when",
    "what",
    "will",
    "would",
    "could",
    "should",
    "into",
    "onto",
    "over",
    "under",
    "upon",
    "about",
    "above",
    "after",
    "before",
    "between",
    "both",
    "each",
    "few",
    "more",
    "most",
    "other",
    "some",
    "such",
    "only",
    "same",
    "very",
    "also",
    "well",
    "even",
    "many",
    "much",
    "been",
    "being",
    "were",
    "does",
    "doing",
    "through",
    "during",
    "without",
    "within",
    "across",
    "against",
    "because",
    "however",
    "therefore",
    "thus",
    "here",
    "further",
    "further",
    "via",
    "per",
    "based",
    "show",
    "shows",
    "shown",
    "paper",
    "propose",
    "proposed",
    "proposes",
    "present",
    "presents",
    "approach",
    "approaches",
    "method",
    "methods",
    "result",
    "results",
    "work",
    "study",
    "studies",
    "existing",
    "novel",
    "demonstrate",
    "demonstrates",
    "experiments",
    "experimental",
    "performance",
    "significantly",
    "achieve",
    "achieves",
    "achieving",
    "different",
    "various",
    "several",
    "large",
    "small",
    "high",
    "low",
    "first",
    "second",
    "often",
    "able",
    "make",
    "makes",
    "including",
    "provide",
    "provides",
    "framework",
    "models",
    "model",
    "training",
    "data",
    "learning",
    "task",
    "tasks",
    "state-of-the-art",
    "effective",
    "efficient",
    "efficiency",
    "improve",
    "improves",
    "improved",
    "improvement",
    "improvements",
    "outperforms",
    "recent",
    "problem",
    "problems",
    "set",
    "sets",
    "time",
    "times",
    "way",
    "ways",
    "key",
    "main",
    "while",
    "whether",
    "yet",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_skip_stop_words_and_pair_neighbours() {
        let t = terms("The Gaussian splatting of 3D scenes, using splatting.");
        assert!(t.contains(&"gaussian splatting".to_string()));
        assert!(t.contains(&"scenes".to_string()));
        assert!(!t.iter().any(|w| w == "the" || w == "using"));
    }
}
