//! Code highlighting with syntect: a few short token classes in the HTML,
//! colours in one generated stylesheet that follows the reader's light or
//! dark preference.
//!
//! syntect's own HTML writes every scope of every token as a class (a
//! six-line snippet was 6 KB of spans); a reader sees only a token's
//! colour, so each token gets the class of its kind ([`KINDS`]), adjacent
//! tokens of one kind share a span, and white space joins the span around
//! it (README, "Output size").

use std::sync::LazyLock;

use syntect::easy::ScopeRangeIterator;
use syntect::highlighting::{Color, FontStyle, Highlighter, Style, Theme, ThemeSet};
use syntect::parsing::{ParseState, Scope, ScopeStack, SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;

/// Syntax definitions load once, on the first code block: a digest without
/// code never pays for them.
static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(SyntaxSet::load_defaults_newlines);

/// The kinds of token that get a colour: (class, scope prefixes, the scope
/// whose colour each theme gives the class). A token takes the kind of its
/// innermost scope that has one (a string's quote marks are the string's);
/// a token of no kind is plain text. More specific prefixes come first.
pub(crate) const KINDS: &[(&str, &[&str], &str)] = &[
    ("c", &["comment"], "comment.line"),
    ("s", &["string"], "string.quoted.double"),
    ("o", &["keyword.operator"], "keyword.operator"),
    ("k", &["keyword", "storage"], "keyword.control"),
    ("n", &["constant", "support.constant"], "constant.numeric"),
    (
        "f",
        &[
            "entity.name.function",
            "support.function",
            "variable.function",
        ],
        "entity.name.function",
    ),
    ("g", &["entity.name.tag"], "entity.name.tag"),
    (
        "a",
        &["entity.other.attribute-name"],
        "entity.other.attribute-name",
    ),
    (
        "t",
        &[
            "entity.name",
            "support.type",
            "support.class",
            "entity.other.inherited-class",
        ],
        "entity.name.type",
    ),
    ("v", &["variable"], "variable.parameter"),
    ("i", &["markup.inserted"], "markup.inserted"),
    ("d", &["markup.deleted"], "markup.deleted"),
    ("h", &["markup.heading"], "markup.heading"),
];

/// [`KINDS`]' prefixes as scopes, with the index of their kind, in order.
static PREFIXES: LazyLock<Vec<(Scope, usize)>> = LazyLock::new(|| {
    KINDS
        .iter()
        .enumerate()
        .flat_map(|(k, (_, prefixes, _))| {
            prefixes
                .iter()
                .filter_map(move |p| Scope::new(p).ok().map(|s| (s, k)))
        })
        .collect()
});

/// The kind of a token from its scopes, innermost first.
fn kind_of(stack: &[Scope]) -> Option<usize> {
    stack.iter().rev().find_map(|scope| {
        PREFIXES
            .iter()
            .find(|(prefix, _)| prefix.is_prefix_of(*scope))
            .map(|&(_, k)| k)
    })
}

/// The colour themes of the stylesheet (from syntect's defaults).
const LIGHT: &str = "InspiredGitHub";
const DARK: &str = "base16-ocean.dark";

/// WCAG AA for normal text.
const MIN_CONTRAST: f64 = 4.5;

/// Highlights a code block into `<pre class="hl-code">` with class spans;
/// an unknown language is shown as plain, escaped code.
pub(super) fn highlight(code: &str, lang: &str) -> String {
    let lang_attr = if lang.is_empty() {
        String::new()
    } else {
        format!(" data-lang=\"{}\"", escape(lang))
    };
    let syntax = (!lang.is_empty())
        .then(|| SYNTAXES.find_syntax_by_token(lang))
        .flatten();
    let body = syntax
        .and_then(|syntax| spans(code, syntax))
        .unwrap_or_else(|| escape_text(code));
    format!("<pre class=\"hl-code\"{lang_attr}><code>{body}</code></pre>\n")
}

/// The code as HTML with a span per run of one kind, or `None` when syntect
/// fails on it (then it is shown plain).
fn spans(code: &str, syntax: &SyntaxReference) -> Option<String> {
    let mut state = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    let mut out = String::with_capacity(code.len() * 2);
    // The open span's kind, if one is open.
    let mut open: Option<usize> = None;
    for line in LinesWithEndings::from(code) {
        let ops = state.parse_line(line, &SYNTAXES).ok()?;
        for (range, op) in ScopeRangeIterator::new(&ops, line) {
            stack.apply(op).ok()?;
            let text = line.get(range)?;
            if text.is_empty() {
                continue;
            }
            // White space shows no colour: it stays in whatever span is open.
            if !text.trim().is_empty() {
                let kind = kind_of(stack.as_slice());
                if kind != open {
                    if open.is_some() {
                        out.push_str("</span>");
                    }
                    if let Some(k) = kind {
                        out.push_str("<span class=\"");
                        out.push_str(KINDS[k].0);
                        out.push_str("\">");
                    }
                    open = kind;
                }
            }
            // Writing to a String cannot fail.
            let _ = pulldown_cmark_escape::escape_html_body_text(&mut out, text);
        }
    }
    if open.is_some() {
        out.push_str("</span>");
    }
    Some(out)
}

/// Text for element content: `<`, `>` and `&` escaped (quotes need not be,
/// and code is full of them).
fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // Writing to a String cannot fail.
    let _ = pulldown_cmark_escape::escape_html_body_text(&mut out, s);
    out
}

pub(super) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // Writing to a String cannot fail.
    let _ = pulldown_cmark_escape::escape_html(&mut out, s);
    out
}

/// The stylesheet for highlighted code: each of [`KINDS`] in the colour
/// and font style each theme gives its scope. syntect's stock themes colour
/// some tokens (comments, mostly) below readable contrast, so every colour
/// is darkened or lightened until it reaches WCAG AA against its
/// background.
pub(crate) fn highlight_css() -> String {
    let themes = ThemeSet::load_defaults();
    let css = |name: &str| {
        themes
            .themes
            .get(name)
            .cloned()
            .map(|mut theme| {
                ensure_contrast(&mut theme);
                theme_css(&theme)
            })
            .unwrap_or_default()
    };
    format!(
        "/* Generated by sheaf: code highlighting, light and dark. */\n{}@media (prefers-color-scheme: dark) {{\n{}}}\n",
        css(LIGHT),
        css(DARK)
    )
}

/// The rules of one theme: the block's colours, then one rule per kind.
fn theme_css(theme: &Theme) -> String {
    let hex = |c: Color| format!("#{:02x}{:02x}{:02x}", c.r, c.g, c.b);
    let page = theme.settings.background.unwrap_or(Color::WHITE);
    let text = theme.settings.foreground.unwrap_or(Color::BLACK);
    let mut out = format!(
        ".hl-code {{ color: {}; background-color: {}; }}\n",
        hex(text),
        hex(page)
    );
    let highlighter = Highlighter::new(theme);
    for (class, _, scope) in KINDS {
        let Ok(scope) = Scope::new(scope) else {
            continue;
        };
        let style: Style = highlighter.style_for_stack(&[scope]);
        let mut rule = format!(".hl-code .{class} {{ color: {};", hex(style.foreground));
        if style.background != page {
            rule.push_str(&format!(" background-color: {};", hex(style.background)));
        }
        if style.font_style.contains(FontStyle::BOLD) {
            rule.push_str(" font-weight: bold;");
        }
        if style.font_style.contains(FontStyle::ITALIC) {
            rule.push_str(" font-style: italic;");
        }
        rule.push_str(" }\n");
        out.push_str(&rule);
    }
    out
}

fn ensure_contrast(theme: &mut Theme) {
    let page = theme.settings.background.unwrap_or(Color::WHITE);
    if let Some(fg) = theme.settings.foreground.as_mut() {
        *fg = readable(*fg, page);
    }
    for item in &mut theme.scopes {
        let bg = item.style.background.unwrap_or(page);
        if let Some(fg) = item.style.foreground.as_mut() {
            *fg = readable(*fg, bg);
            // A token with its own background (errors, diffs) may need that
            // background moved too.
            if let Some(own) = item.style.background.as_mut() {
                if contrast(*fg, *own) < MIN_CONTRAST {
                    *own = readable(*own, *fg);
                }
            }
        }
    }
}

/// `fg`, moved towards black or white (whichever contrasts with `bg`)
/// until it is readable on `bg`.
fn readable(fg: Color, bg: Color) -> Color {
    let target = if luminance(bg) > 0.5 { 0.0 } else { 255.0 };
    let mut c = fg;
    for step in 1..=20 {
        if contrast(c, bg) >= MIN_CONTRAST {
            return c;
        }
        let t = f64::from(step) / 20.0;
        let mix = |v: u8| (f64::from(v) * (1.0 - t) + target * t).round() as u8;
        c = Color {
            r: mix(fg.r),
            g: mix(fg.g),
            b: mix(fg.b),
            a: 0xff,
        };
    }
    c
}

/// Relative luminance, as WCAG defines it.
fn luminance(c: Color) -> f64 {
    let channel = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.03928 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)
}

fn contrast(a: Color, b: Color) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_colour_is_readable() {
        let themes = ThemeSet::load_defaults();
        for name in [LIGHT, DARK] {
            let mut theme = themes.themes[name].clone();
            ensure_contrast(&mut theme);
            let bg = theme.settings.background.unwrap_or(Color::WHITE);
            for item in &theme.scopes {
                if let Some(fg) = item.style.foreground {
                    let c = contrast(fg, item.style.background.unwrap_or(bg));
                    assert!(c >= MIN_CONTRAST, "{name}: {fg:?} at {c:.2}");
                }
            }
        }
    }

    #[test]
    fn grey_on_white_is_darkened() {
        let grey = Color {
            r: 0x96,
            g: 0x98,
            b: 0x96,
            a: 0xff,
        };
        assert!(contrast(grey, Color::WHITE) < 3.5);
        assert!(contrast(readable(grey, Color::WHITE), Color::WHITE) >= MIN_CONTRAST);
    }
}
