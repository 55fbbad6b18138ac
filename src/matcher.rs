//! Keyword rules: does a text mention any of these words or phrases?

use regex::Regex;

/// Matches a text that contains any of a list of keywords as whole words or
/// phrases, ignoring case, with any run of white space between the words of
/// a phrase. "RL" matches "robust RL agents" but not "URL".
#[derive(Debug, Clone)]
pub struct KeywordMatcher {
    regex: Option<Regex>,
}

impl KeywordMatcher {
    pub fn new(keywords: &[String]) -> KeywordMatcher {
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
            return KeywordMatcher { regex: None };
        }
        // `\b` fails next to keywords that end in punctuation ("C++"), so the
        // boundary is spelled out: start/end of text or a non-word character.
        let pattern = format!(r"(?i)(?:^|\W)(?:{})(?:\W|$)", alternatives.join("|"));
        KeywordMatcher {
            // Every keyword is escaped, so the pattern is always valid; the
            // size limit is the only way this can fail, and then we match
            // nothing rather than crash.
            regex: Regex::new(&pattern).ok(),
        }
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.regex.as_ref().is_some_and(|r| r.is_match(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(words: &[&str]) -> KeywordMatcher {
        KeywordMatcher::new(&words.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn whole_words_any_case() {
        let rl = m(&["RL", "reinforcement learning"]);
        assert!(rl.is_match("robust rl agents"));
        assert!(rl.is_match("Deep Reinforcement\n Learning"));
        assert!(!rl.is_match("a URL shortener"));
        assert!(m(&["C++"]).is_match("written in C++."));
        assert!(!m(&[]).is_match("anything"));
    }
}
