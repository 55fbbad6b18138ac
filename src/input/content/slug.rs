//! File names for entries: stable, ASCII, short, unique.

use std::collections::HashSet;

/// Longest slug we generate; long titles are cut at a word boundary.
const MAX_SLUG: usize = 60;

/// The slug for a title: ASCII (transliterated), lowercase, hyphenated,
/// at most 60 characters, never empty.
pub fn slug_for_title(title: &str) -> String {
    let out = cut_slug(&slug::slugify(without_macros(title)), MAX_SLUG);
    if out.is_empty() {
        "paper".to_string()
    } else {
        out
    }
}

/// A slug of at most `max` bytes, cut at a word boundary when it can be;
/// empty when `full` is.
pub(crate) fn cut_slug(full: &str, max: usize) -> String {
    let mut out = String::new();
    for word in full.split('-') {
        if !out.is_empty() && out.len() + 1 + word.len() > max {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(word);
    }
    out.truncate(max);
    out.trim_matches('-').to_string()
}

/// The title without TeX macro names (`$\mathcal{O}(n)$` reads `O(n)`):
/// their arguments stay, the names are not words of the title.
fn without_macros(title: &str) -> std::borrow::Cow<'_, str> {
    if !title.contains('\\') {
        return title.into();
    }
    let mut out = String::with_capacity(title.len());
    let mut chars = title.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek().is_some_and(char::is_ascii_alphabetic) {
            while chars.peek().is_some_and(char::is_ascii_alphabetic) {
                chars.next();
            }
            out.push(' ');
        } else if c == '\\' {
            // A control symbol (`\\`, `\%`): not a macro name after it.
            out.push(' ');
            chars.next();
        } else {
            out.push(c);
        }
    }
    out.into()
}

/// `base`, or `base-2`, `base-3`… whichever `taken` does not hold yet.
pub fn unique_slug(base: &str, taken: &HashSet<String>) -> String {
    if !taken.contains(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|s| !taken.contains(s))
        .unwrap_or_else(|| base.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_capped() {
        assert_eq!(
            slug_for_title("Rozière's Café: A Study"),
            "roziere-s-cafe-a-study"
        );
        let long = slug_for_title(&"word ".repeat(40));
        assert!(long.len() <= MAX_SLUG && !long.ends_with('-'));
        assert_eq!(slug_for_title("!!!"), "paper");
    }

    #[test]
    fn tex_macros_leave_their_arguments() {
        assert_eq!(
            slug_for_title(r"Une étude in $\mathcal{O}(n)$"),
            "une-etude-in-o-n"
        );
        assert_eq!(
            slug_for_title(r"\textbf{Bold} claims and $\alpha$-divergence"),
            "bold-claims-and-divergence"
        );
        assert_eq!(slug_for_title(r"Back\\slash"), "back-slash");
    }

    #[test]
    fn unique() {
        let taken: HashSet<String> = ["a".to_string(), "a-2".to_string()].into();
        assert_eq!(unique_slug("a", &taken), "a-3");
        assert_eq!(unique_slug("b", &taken), "b");
    }
}
