//! Keyword rules: does a text mention any of these words or phrases?

use regex::RegexSet;

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
    set: Option<RegexSet>,
    /// The rule of each pattern in the set (rules without keywords have
    /// none).
    rule_of: Vec<usize>,
}

impl KeywordRules {
    pub fn new<'a>(rules: impl IntoIterator<Item = &'a [String]>) -> KeywordRules {
        let (mut patterns, mut rule_of) = (Vec::new(), Vec::new());
        for (i, keywords) in rules.into_iter().enumerate() {
            if let Some(p) = pattern(keywords) {
                patterns.push(p);
                rule_of.push(i);
            }
        }
        KeywordRules {
            // As above: escaped keywords, so only the size limit can fail.
            set: (!patterns.is_empty())
                .then(|| RegexSet::new(&patterns).ok())
                .flatten(),
            rule_of,
        }
    }

    /// The rules that match `text`, in order.
    pub fn matching(&self, text: &str) -> Vec<usize> {
        match &self.set {
            Some(set) => set
                .matches(text)
                .into_iter()
                .map(|p| self.rule_of[p])
                .collect(),
            None => Vec::new(),
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
    fn every_matching_rule_in_order() {
        let r = rules(&[&["RL"], &[], &["C++", "rust"], &["splatting"]]);
        assert_eq!(
            r.matching("Robust RL agents written in C++ (not a URL)"),
            [0, 2]
        );
    }
}
