//! Keyword rules: does a text mention any of these words or phrases?

use regex::{Regex, RegexSet, RegexSetBuilder};

/// The pattern of one keyword list; `None` when it has no keywords.
fn pattern(keywords: &[String]) -> Option<String> {
    let alternatives: Vec<String> = keywords
        .iter()
        .map(|k| {
            k.split_whitespace()
                .map(regex::escape)
                .collect::<Vec<_>>()
                .join(r"\s+")
        })
        .filter(|k| !k.is_empty())
        .collect();
    if alternatives.is_empty() {
        return None;
    }
    // `\b` fails next to keywords that end in punctuation ("C++"), so the
    // boundary is spelled out: start/end of text or a non-word character.
    Some(format!(
        r"(?i)(?:^|\W)(?:{})(?:\W|$)",
        alternatives.join("|")
    ))
}

/// Keyword rules: each matches a text that contains any of its keywords
/// as whole words or phrases, ignoring case, with any run of white space
/// between the words of a phrase ("RL" matches "robust RL agents" but not
/// "URL"). All rules are matched in one pass over a text (every paper's
/// title and abstract is checked against every research theme).
#[derive(Debug, Clone)]
pub struct KeywordRules {
    patterns: Vec<String>,
    /// Compiled when first used: a build that finds nothing changed loads
    /// the config but matches nothing, and compiling takes milliseconds.
    matcher: std::sync::OnceLock<Matcher>,
    /// The rule of each pattern (rules without keywords have none).
    rule_of: Vec<usize>,
}

#[derive(Debug, Clone)]
enum Matcher {
    None,
    /// All rules at once.
    Set(RegexSet),
    /// One regex per rule, when the rules are too many or too long for
    /// one set (`None` for a rule that is too long by itself: it matches
    /// nothing rather than crash).
    Each(Vec<Option<Regex>>),
}

/// Compiled-size limit of the one-pass set: generous, since a digest's
/// rules are compiled once per build.
const SET_SIZE_LIMIT: usize = 64 << 20;

impl KeywordRules {
    pub(crate) fn new<'a>(rules: impl IntoIterator<Item = &'a [String]>) -> KeywordRules {
        let (mut patterns, mut rule_of) = (Vec::new(), Vec::new());
        for (i, keywords) in rules.into_iter().enumerate() {
            if let Some(p) = pattern(keywords) {
                patterns.push(p);
                rule_of.push(i);
            }
        }
        KeywordRules {
            patterns,
            matcher: std::sync::OnceLock::new(),
            rule_of,
        }
    }

    fn matcher(&self) -> &Matcher {
        let patterns = &self.patterns;
        // Every keyword is escaped, so a pattern is always valid: only the
        // size limits can fail.
        self.matcher.get_or_init(|| {
            if patterns.is_empty() {
                Matcher::None
            } else {
                match RegexSetBuilder::new(patterns)
                    .size_limit(SET_SIZE_LIMIT)
                    .build()
                {
                    Ok(set) => Matcher::Set(set),
                    Err(_) => Matcher::Each(patterns.iter().map(|p| Regex::new(p).ok()).collect()),
                }
            }
        })
    }

    /// The rules that match `text`, in order.
    pub(crate) fn matching(&self, text: &str) -> Vec<usize> {
        match self.matcher() {
            Matcher::Set(set) => set
                .matches(text)
                .into_iter()
                .map(|p| self.rule_of[p])
                .collect(),
            Matcher::Each(each) => each
                .iter()
                .zip(&self.rule_of)
                .filter(|(r, _)| r.as_ref().is_some_and(|r| r.is_match(text)))
                .map(|(_, &rule)| rule)
                .collect(),
            Matcher::None => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(lists: &[&[&str]]) -> KeywordRules {
        let lists: Vec<Vec<String>> = lists
            .iter()
            .map(|l| l.iter().map(|s| s.to_string()).collect())
            .collect();
        KeywordRules::new(lists.iter().map(Vec::as_slice))
    }

    #[test]
    fn whole_words_any_case() {
        let rl = rules(&[&["RL", "reinforcement learning"]]);
        assert_eq!(rl.matching("robust rl agents"), [0]);
        assert_eq!(rl.matching("Deep Reinforcement\n Learning"), [0]);
        assert!(rl.matching("a URL shortener").is_empty());
        assert_eq!(rules(&[&["C++"]]).matching("written in C++."), [0]);
        assert!(rules(&[&[]]).matching("anything").is_empty());
    }

    #[test]
    fn many_long_rules_still_match() {
        // More than one default-sized set can hold: every rule must still
        // match its own keyword.
        let lists: Vec<Vec<String>> = (0..150)
            .map(|i| (0..15).map(|k| format!("keyword{i}x{k} phrase")).collect())
            .collect();
        let r = KeywordRules::new(lists.iter().map(Vec::as_slice));
        assert_eq!(r.matching("about Keyword149x3   phrase here"), [149]);
        assert_eq!(r.matching("keyword0x0 phrase"), [0]);
    }

    #[test]
    fn every_matching_rule_in_order() {
        let r = rules(&[&["RL"], &[], &["C++", "rust"], &["splatting"]]);
        assert_eq!(
            r.matching("Robust RL agents written in C++ (not a URL)"),
            [0, 2]
        );
    }
}
