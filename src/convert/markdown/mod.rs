//! Markdown to HTML: pulldown-cmark with the extensions curators expect,
//! syntect for code, and the safety rules for text that comes from papers.
//!
//! Two kinds of text go through here and are treated differently:
//! - abstracts belong to the paper's source and are untrusted: raw HTML in
//!   them is shown as text, never passed through;
//! - notes belong to the curator: raw HTML is cleaned by ammonia unless the
//!   config allows it as written.
//!
//! In both, TeX (`$…$`, `$$…$$`) becomes MathML that `math` holds to an
//! allow-list, whatever the TeX says and whatever the config allows.
//!
//! In both, links may only use http(s), mailto, fragments and site paths:
//! `javascript:` and friends are dropped. `@/papers/<slug>.md` links to
//! another entry, resolved under the base path and checked by the model.

mod highlight;
mod math;

use std::collections::HashSet;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::base::urls::Urls;
use highlight::highlight;
pub(crate) use highlight::highlight_css;
use math::math;

/// Which text is being rendered; see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Abstract,
    Notes { allow_raw_html: bool },
}

/// The HTML of one text, with what the model needs to know about it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rendered {
    pub(crate) html: String,
    /// The plain text, as [`plain_text`] gives it (made in the same pass).
    pub(crate) text: String,
    /// Targets of `@/…` links, as written, for the model to check.
    pub(crate) internal_links: Vec<String>,
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_MATH
}

/// Renders Markdown. Headings are shifted to start at `<h3>` (see
/// [`shift_headings`]) and each gets an `id` for linking.
pub fn render(markdown: &str, source: Source, urls: &Urls) -> Rendered {
    let mut internal_links = Vec::new();
    let mut ids = HashSet::new();
    let mut events: Vec<Event> = Vec::new();
    let mut has_raw_html = false;
    // The plain text comes from the events as parsed, before any change
    // below, so it is what `plain_text` makes from a parse of its own.
    let mut raw_text = Plain::with_capacity(markdown.len());
    let mut parser = Parser::new_ext(markdown, options())
        .inspect(|e| raw_text.push_event(e))
        .peekable();
    // Links that were dropped: their end tags must be dropped too.
    let mut dropped_links = Vec::new();

    while let Some(event) = parser.next() {
        match event {
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                // The heading's text is needed for its id: collect it.
                let mut inner = Vec::new();
                for e in parser.by_ref() {
                    if matches!(e, Event::End(TagEnd::Heading(_))) {
                        break;
                    }
                    inner.push(e);
                }
                let text: String = inner
                    .iter()
                    .filter_map(|e| match e {
                        Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                        _ => None,
                    })
                    .collect();
                let base = id
                    .map(|i| i.to_string())
                    .unwrap_or_else(|| slug::slugify(&text));
                let base = if base.is_empty() {
                    "section".into()
                } else {
                    base
                };
                let mut unique = base.clone();
                let mut n = 1;
                while !ids.insert(unique.clone()) {
                    n += 1;
                    unique = format!("{base}-{n}");
                }
                events.push(Event::Start(Tag::Heading {
                    level,
                    id: Some(unique.into()),
                    classes,
                    attrs,
                }));
                events.extend(inner);
                events.push(Event::End(TagEnd::Heading(level)));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => match resolve_link(&dest_url, urls, &mut internal_links) {
                Some(dest) => {
                    dropped_links.push(false);
                    events.push(Event::Start(Tag::Link {
                        link_type,
                        dest_url: dest.into(),
                        title,
                        id,
                    }))
                }
                None => dropped_links.push(true),
            },
            Event::End(TagEnd::Link) => {
                if !dropped_links.pop().unwrap_or(false) {
                    events.push(Event::End(TagEnd::Link));
                }
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest = resolve_link(&dest_url, urls, &mut internal_links).unwrap_or_default();
                events.push(Event::Start(Tag::Image {
                    link_type,
                    dest_url: dest.into(),
                    title,
                    id,
                }))
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let mut code = String::new();
                for e in parser.by_ref() {
                    match e {
                        Event::Text(t) => code.push_str(&t),
                        Event::End(TagEnd::CodeBlock) => break,
                        _ => {}
                    }
                }
                let lang = match &kind {
                    CodeBlockKind::Fenced(info) => info.split_whitespace().next().unwrap_or(""),
                    CodeBlockKind::Indented => "",
                };
                events.push(Event::Html(highlight(&code, lang).into()));
            }
            // pulldown-cmark's checkbox has no accessible name; screen
            // readers would announce an unlabelled form field.
            Event::TaskListMarker(done) => events.push(Event::InlineHtml(
                if done {
                    r#"<input type="checkbox" disabled="" checked="" aria-label="Done"> "#
                } else {
                    r#"<input type="checkbox" disabled="" aria-label="Not done"> "#
                }
                .into(),
            )),
            Event::InlineMath(tex) => events.push(Event::InlineHtml(math(&tex, false).into())),
            Event::DisplayMath(tex) => events.push(Event::InlineHtml(math(&tex, true).into())),
            Event::Html(html) | Event::InlineHtml(html) => match source {
                Source::Abstract => events.push(Event::Text(html)),
                Source::Notes { .. } => {
                    has_raw_html = true;
                    events.push(Event::Html(html));
                }
            },
            other => events.push(other),
        }
    }

    drop(parser);
    shift_headings(&mut events);
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    if has_raw_html
        && source
            == (Source::Notes {
                allow_raw_html: false,
            })
    {
        html = sanitize(&html);
    }
    Rendered {
        html,
        text: raw_text.out,
        internal_links,
    }
}

/// Notes and abstracts sit under the page's `<h1>` and a section `<h2>`,
/// so their top heading level becomes `<h3>` and the rest follow, whatever
/// level the curator started at: heading levels never skip.
fn shift_headings(events: &mut [Event]) {
    let top = events
        .iter()
        .filter_map(|e| match e {
            Event::Start(Tag::Heading { level, .. }) => Some(*level as usize),
            _ => None,
        })
        .min();
    let Some(top) = top else { return };
    let shift = |level: HeadingLevel| {
        let to = (level as usize + 3 - top).min(6);
        HeadingLevel::try_from(to).unwrap_or(HeadingLevel::H6)
    };
    for e in events.iter_mut() {
        match e {
            Event::Start(Tag::Heading { level, .. }) => *level = shift(*level),
            Event::End(TagEnd::Heading(level)) => *level = shift(*level),
            _ => {}
        }
    }
}

/// The URL a link may point to, or `None` to drop the link (keeping its
/// text). `@/papers/x.md` becomes the page of entry `x`.
fn resolve_link(dest: &CowStr, urls: &Urls, internal: &mut Vec<String>) -> Option<String> {
    let dest = dest.trim();
    if let Some(target) = dest.strip_prefix("@/") {
        internal.push(target.to_string());
        let (path, fragment) = match target.split_once('#') {
            Some((p, f)) => (p, format!("#{f}")),
            None => (target, String::new()),
        };
        let path = match path.strip_suffix(".md") {
            Some(stem) => format!("{stem}/"),
            None => path.to_string(),
        };
        return Some(format!("{}{fragment}", urls.path(&path)));
    }
    let scheme = dest
        .split_once(':')
        .map(|(s, _)| s)
        .filter(|s| !s.contains(['/', '?', '#']));
    match scheme.map(|s| s.to_ascii_lowercase()) {
        None => Some(dest.to_string()),
        Some(s) if matches!(s.as_str(), "http" | "https" | "mailto") => Some(dest.to_string()),
        Some(_) => None,
    }
}

/// Cleans HTML that contains curator-written raw HTML, keeping what sheaf's
/// own Markdown output needs (ids on headings, classes for highlighting and
/// footnotes, task list checkboxes).
fn sanitize(html: &str) -> String {
    ammonia::Builder::default()
        .add_generic_attributes(["id", "class"])
        .add_tags(["input"])
        .add_tag_attributes("input", ["type", "checked", "disabled", "aria-label"])
        .add_tag_attributes("pre", ["data-lang"])
        // MathML that sheaf itself made from `$…$`, already held to the
        // same lists (`math::allow_list`).
        .add_tags(math::ELEMENTS)
        .add_generic_attributes(math::ATTRIBUTES)
        .clean(html)
        .to_string()
}

/// The plain text of some Markdown (for excerpts and descriptions).
pub fn plain_text(markdown: &str) -> String {
    let mut plain = Plain::with_capacity(markdown.len());
    for event in Parser::new_ext(markdown, options()) {
        plain.push_event(&event);
    }
    plain.out
}

/// Plain text with runs of white space made one space and none at the
/// ends, squeezed as it is written: one pass over the text, not a copy
/// squeezed afterwards.
struct Plain {
    out: String,
    /// White space seen since the last word.
    space: bool,
}

impl Plain {
    fn with_capacity(capacity: usize) -> Self {
        Plain {
            out: String::with_capacity(capacity),
            space: false,
        }
    }

    /// What one event adds to the plain text of its Markdown.
    fn push_event(&mut self, event: &Event) {
        match event {
            Event::Text(t) | Event::Code(t) => self.push_str(t),
            Event::SoftBreak | Event::HardBreak | Event::End(TagEnd::Paragraph) => {
                self.space = true
            }
            _ => {}
        }
    }

    fn push_str(&mut self, text: &str) {
        self.space |= text.starts_with(char::is_whitespace);
        let mut words = text.split_whitespace().peekable();
        while let Some(word) = words.next() {
            if self.space && !self.out.is_empty() {
                self.out.push(' ');
            }
            self.out.push_str(word);
            // Between two words of one text there is always white space;
            // after the last, only if the text ends with it.
            self.space = words.peek().is_some() || text.ends_with(char::is_whitespace);
        }
    }
}

/// The first `words` words of a text, with `…` when it was cut.
pub(crate) fn excerpt(text: &str, words: usize) -> String {
    let mut iter = text.split_whitespace();
    let head: Vec<&str> = iter.by_ref().take(words).collect();
    let mut out = head.join(" ");
    if iter.next().is_some() {
        out = out.trim_end_matches([',', ';', ':', '.']).to_string();
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls() -> Urls {
        Urls::new("https://u.github.io/digest/").unwrap()
    }

    proptest::proptest! {
        /// Squeezing as the text is written gives what squeezing the
        /// whole text afterwards gives (a break is a space).
        #[test]
        fn plain_squeezes_as_a_squeeze_of_the_whole(
            parts in proptest::collection::vec(
                proptest::option::of("[ a\t\n\u{a0}\u{2003}b.]{0,6}"), 0..8)
        ) {
            let mut plain = Plain::with_capacity(0);
            let mut whole = String::new();
            for part in &parts {
                match part {
                    Some(text) => {
                        plain.push_event(&Event::Text(text.as_str().into()));
                        whole.push_str(text);
                    }
                    None => {
                        plain.push_event(&Event::SoftBreak);
                        whole.push(' ');
                    }
                }
            }
            let squeezed = whole.split_whitespace().collect::<Vec<_>>().join(" ");
            proptest::prop_assert_eq!(plain.out, squeezed);
        }

        /// The plain text of real Markdown (code spans, breaks, paragraph
        /// ends, Unicode white space, empty texts between markup) is what
        /// the text of its events, squeezed afterwards, was before.
        #[test]
        fn plain_text_is_the_squeeze_of_its_events(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "a", "b c", " ", "\t", "\n", "\n\n", "  \n", "\\\n", "`x  y`", "` `", "``",
                "*", "**e**", "_", "<b>", "<br>", "&amp;", "&nbsp;", "\u{a0}", "\u{2003}",
                "\u{2028}", "\u{200b}", "- ", "> ", "# ", "    ", "[l](https://x.org)", "$m$", "é",
            ]), 0..24)
        ) {
            let md: String = parts.concat();
            let mut whole = String::new();
            for event in Parser::new_ext(&md, options()) {
                match event {
                    Event::Text(t) | Event::Code(t) => whole.push_str(&t),
                    Event::SoftBreak | Event::HardBreak | Event::End(TagEnd::Paragraph) => {
                        whole.push(' ')
                    }
                    _ => {}
                }
            }
            let squeezed = whole.split_whitespace().collect::<Vec<_>>().join(" ");
            proptest::prop_assert_eq!(plain_text(&md), squeezed.clone());
            proptest::prop_assert_eq!(render(&md, Source::Abstract, &urls()).text, squeezed);
        }
    }

    fn notes(md: &str) -> Rendered {
        render(
            md,
            Source::Notes {
                allow_raw_html: false,
            },
            &urls(),
        )
    }

    #[test]
    fn abstract_raw_html_is_text() {
        let r = render("a <script>alert(1)</script> b", Source::Abstract, &urls());
        assert!(r.html.contains("&lt;script&gt;"), "{}", r.html);
        assert!(!r.html.contains("<script"));
    }

    #[test]
    fn notes_raw_html_is_sanitised() {
        let r = notes("<b onclick=\"x()\">bold</b> <script>bad()</script>\n\n# Head\n");
        assert!(r.html.contains("<b>bold</b>"), "{}", r.html);
        assert!(!r.html.contains("script") && !r.html.contains("onclick"));
        assert!(r.html.contains("<h3 id=\"head\">"), "{}", r.html);
        let levels = notes("## Two\n\n### Three\n\n##### Five\n").html;
        assert!(
            levels.contains("<h3 id=\"two\">") && levels.contains("<h4 id=\"three\">"),
            "{levels}"
        );
        assert!(levels.contains("<h6 id=\"five\">"), "{levels}");
        let raw = render(
            "<b onclick=\"x()\">b</b>",
            Source::Notes {
                allow_raw_html: true,
            },
            &urls(),
        );
        assert!(raw.html.contains("onclick"));
    }

    #[test]
    fn dangerous_links_dropped() {
        let r = notes("[x](javascript:alert(1)) [y](https://a.org) [z](@/papers/foo.md#s)");
        assert!(!r.html.contains("javascript"), "{}", r.html);
        assert!(r.html.contains("href=\"https://a.org\""));
        assert!(
            r.html.contains("href=\"/digest/papers/foo/#s\""),
            "{}",
            r.html
        );
        assert_eq!(r.internal_links, ["papers/foo.md#s"]);
    }

    #[test]
    fn extensions() {
        let r = notes("| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n\n~~old~~ \"quoted\" x[^1]\n\n[^1]: note\n\n## Same\n## Same\n");
        for needle in [
            "<table>",
            "checkbox",
            "<del>old</del>",
            "“quoted”",
            "footnote",
            "id=\"same-2\"",
        ] {
            assert!(r.html.contains(needle), "{needle} in {}", r.html);
        }
    }

    #[test]
    fn code_is_highlighted() {
        let r = notes("```rust\nfn main() {}\n```\n\n```nosuchlang\n<x>\n```\n");
        assert!(
            r.html
                .contains("<pre class=\"hl-code\" data-lang=\"rust\">"),
            "{}",
            r.html
        );
        assert!(r.html.contains("hl-"), "{}", r.html);
        assert!(r.html.contains("&lt;x&gt;"));
        assert!(highlight_css().contains("prefers-color-scheme: dark"));
    }

    #[test]
    fn math_becomes_mathml() {
        let r = render(
            "Energy $E = mc^2$ and\n\n$$\\frac{a}{b}$$\n",
            Source::Abstract,
            &urls(),
        );
        assert!(r.html.contains("<math"), "{}", r.html);
        assert!(r.html.contains("<mfrac>"), "{}", r.html);
        assert!(
            r.html.contains("<mi>E</mi>") || r.html.contains("<mi>E"),
            "{}",
            r.html
        );
        let bad = render("broken $\\notacommand{x}$ here", Source::Abstract, &urls());
        assert!(bad.html.contains("<code class=\"tex\">"), "{}", bad.html);
        assert!(!bad.html.contains("<math"), "{}", bad.html);
        // Sanitised notes keep sheaf's own MathML.
        let n = notes("<b>x</b> $x^2$");
        assert!(n.html.contains("<msup>"), "{}", n.html);
        // Text between formulas stays.
        let t = render(
            "mean $\\mu$ and deviation $\\sigma$ of all the inputs of the\nlayer, by $g$",
            Source::Abstract,
            &urls(),
        );
        assert!(t.html.contains("of all the inputs of the"), "{}", t.html);
    }

    #[test]
    fn excerpts() {
        assert_eq!(excerpt("one two three four", 2), "one two…");
        assert_eq!(excerpt("one two", 2), "one two");
        assert_eq!(plain_text("*a* `b`\n\nc"), "a b c");
    }

    #[test]
    fn rendering_makes_the_plain_text_too() {
        let samples = [
            "*a* `b`\n\nc",
            "# Title {#id}\n\nSome *text*, a [link](https://x.org) and [@/papers/a.md](@/papers/a.md).\n",
            "```rust\nfn main() {}\n```\n\nAfter code.",
            "Inline <b>html</b> and a block:\n\n<div>raw</div>\n\nMath $x^2$ and $$y$$.",
            "- [x] done\n- [ ] not\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n![alt text](i.png) [^1]\n\n[^1]: A note.",
            "line one\nline two  \nhard break\n\n> quoted\n\n    indented code",
            "[dropped](javascript:alert(1)) text",
        ];
        for md in samples {
            for source in [
                Source::Abstract,
                Source::Notes {
                    allow_raw_html: false,
                },
            ] {
                assert_eq!(render(md, source, &urls()).text, plain_text(md), "{md:?}");
            }
        }
    }
}
