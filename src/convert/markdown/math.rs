//! TeX to MathML, safe to put in a page whatever the TeX says.
//!
//! TeX in abstracts comes from the paper's source, so it is hostile until
//! proven otherwise. pulldown-latex makes the MathML, but writes some text
//! as it is: the annotation (the TeX itself), `\operatorname`'s argument and
//! single characters such as `<` in `a < b`. In HTML, MathML is foreign
//! content where an `<img>` start tag ends the `<math>` element, so text
//! that is not escaped can become markup. Three steps make sure it cannot:
//!
//! 1. every string pulldown-latex would write raw is escaped before it gets
//!    it (the annotation, function names, numbers);
//! 2. the single characters it writes raw are escaped after (`escape_chars`):
//!    in its output a `<` that is markup is always followed by a letter or
//!    `/`, and a `>` outside a tag is always text;
//! 3. the result must parse as XML, and is written again from the parsed
//!    tree (`allow_list`) with only the MathML elements and attributes of an
//!    allow-list, every text and attribute escaped. Anything else (an
//!    element outside the list, output that does not parse) and the formula
//!    is shown as code, escaped.
//!
//! Step 3 alone keeps script out; steps 1 and 2 make hostile-looking TeX
//! render as the formula it is, rather than as code.

use pulldown_latex::event::{Content, Event};

use super::highlight::escape;

/// The elements a formula may contain. No `annotation-xml` (an HTML
/// integration point, the way into the mutation XSS of ammonia's 2026
/// advisories), no `maction`, `mglyph` or `malignmark` (which change how
/// browsers parse what follows), no `semantics` children other than these.
pub(super) const ELEMENTS: [&str; 25] = [
    "math",
    "semantics",
    "annotation",
    "mrow",
    "mi",
    "mo",
    "mn",
    "ms",
    "mtext",
    "mspace",
    "msub",
    "msup",
    "msubsup",
    "mfrac",
    "msqrt",
    "mroot",
    "mover",
    "munder",
    "munderover",
    "mtable",
    "mtr",
    "mtd",
    "mstyle",
    "mpadded",
    "mphantom",
];

/// The attributes a formula's elements may carry: presentation only. No
/// `href`, no `style` or `class` (TeX must not reach CSS), no `xlink:*`, no
/// event handlers, no `xmlns` (HTML gives `<math>` its namespace).
pub(super) const ATTRIBUTES: [&str; 24] = [
    "display",
    "mathvariant",
    "stretchy",
    "fence",
    "separator",
    "lspace",
    "rspace",
    "movablelimits",
    "encoding",
    "displaystyle",
    "scriptlevel",
    "accent",
    "accentunder",
    "columnalign",
    "rowspacing",
    "columnspacing",
    "linethickness",
    "minsize",
    "maxsize",
    "symmetric",
    "largeop",
    "width",
    "height",
    "depth",
];

/// TeX as MathML, made at build time so no script is needed to read it.
/// TeX that does not convert cleanly is shown as code, as written.
pub(super) fn math(tex: &str, display: bool) -> String {
    match mathml(tex, display) {
        // Display math comes inside a paragraph: `<math display="block">`
        // is phrasing content, a `<div>` would not be.
        Some(mathml) => mathml,
        None if display => format!("<code class=\"tex tex-display\">{}</code>", escape(tex)),
        None => format!("<code class=\"tex\">{}</code>", escape(tex)),
    }
}

fn mathml(tex: &str, display: bool) -> Option<String> {
    use pulldown_latex::{config::DisplayMode, Parser as TexParser, RenderConfig, Storage};
    let storage = Storage::new();
    let events: Vec<Event> = TexParser::new(tex, &storage)
        .collect::<Result<_, _>>()
        .ok()?;
    // Step 1: the strings pulldown-latex writes as they are.
    let raw = |e: &Event| match e {
        Event::Content(Content::Function(s) | Content::Number(s)) => needs_escape(s),
        _ => false,
    };
    let escaped: Vec<String> = events
        .iter()
        .filter(|e| raw(e))
        .filter_map(|e| match e {
            Event::Content(Content::Function(s) | Content::Number(s)) => Some(escape(s)),
            _ => None,
        })
        .collect();
    let mut next = escaped.iter().map(String::as_str);
    let events = events.into_iter().map(|e| {
        Ok::<_, std::convert::Infallible>(if raw(&e) {
            let s = next.next().unwrap_or("");
            match e {
                Event::Content(Content::Function(_)) => Event::Content(Content::Function(s)),
                _ => Event::Content(Content::Number(s)),
            }
        } else {
            e
        })
    });
    let annotation = escape(tex);
    let config = RenderConfig {
        display_mode: if display {
            DisplayMode::Block
        } else {
            DisplayMode::Inline
        },
        annotation: Some(&annotation),
        ..RenderConfig::default()
    };
    let mut out = String::new();
    pulldown_latex::push_mathml(&mut out, events, config).ok()?;
    // Steps 2 and 3.
    allow_list(&escape_chars(&out))
}

fn needs_escape(s: &str) -> bool {
    s.contains(['<', '>', '&', '"'])
}

/// Escapes the characters pulldown-latex writes as text without escaping
/// (`<mo><</mo>`, `<mi>&</mi>`); markup and the entities it writes itself
/// stay. `&nbsp;`, its only named entity that XML lacks, becomes `&#160;`.
fn escape_chars(mathml: &str) -> String {
    let mut out = String::with_capacity(mathml.len() + 16);
    let mut in_tag = false;
    let mut chars = mathml.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let rest = &mathml[i + c.len_utf8()..];
        match c {
            '<' if !in_tag && rest.starts_with(|n: char| n.is_ascii_alphabetic() || n == '/') => {
                in_tag = true;
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' if in_tag => {
                in_tag = false;
                out.push(c);
            }
            '>' => out.push_str("&gt;"),
            '&' if !in_tag => match entity(rest) {
                Some("nbsp") => {
                    out.push_str("&#160;");
                    for _ in 0.."nbsp;".len() {
                        chars.next();
                    }
                }
                Some(_) => out.push(c),
                None => out.push_str("&amp;"),
            },
            _ => out.push(c),
        }
    }
    out
}

/// The name of the entity `rest` starts with (after its `&`), if it is one
/// XML knows or `nbsp`.
fn entity(rest: &str) -> Option<&str> {
    let (name, _) = rest.split_once(';')?;
    let known = matches!(name, "amp" | "lt" | "gt" | "quot" | "apos" | "nbsp")
        || name
            .strip_prefix('#')
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    known.then_some(name)
}

/// Step 3: the formula written again from its parsed tree, with only the
/// allowed elements and attributes, every text and value escaped; `None`
/// when it does not parse or holds anything else.
fn allow_list(mathml: &str) -> Option<String> {
    let doc = roxmltree::Document::parse(mathml).ok()?;
    let root = doc.root_element();
    if root.tag_name().name() != "math" {
        return None;
    }
    let mut out = String::with_capacity(mathml.len());
    // Depth first without recursion: deep TeX must not overflow the stack.
    // `None` closes the element on top of `open`.
    let mut todo = vec![Some(root)];
    let mut open = Vec::new();
    while let Some(item) = todo.pop() {
        let Some(node) = item else {
            let name = open.pop()?;
            out.push_str("</");
            out.push_str(name);
            out.push('>');
            continue;
        };
        if node.is_text() {
            out.push_str(&escape(node.text().unwrap_or("")));
            continue;
        }
        if !node.is_element() {
            return None;
        }
        let tag = node.tag_name();
        let name = ELEMENTS
            .iter()
            .find(|e| **e == tag.name())
            .filter(|_| tag.namespace().is_none())?;
        // The annotation is text: the TeX, escaped.
        if *name == "annotation" && node.children().any(|c| !c.is_text()) {
            return None;
        }
        out.push('<');
        out.push_str(name);
        // What says only the default: inline is how `<math>` shows, and an
        // operator that does not stretch has no symmetry to keep.
        let fixed = node.attribute("stretchy") == Some("false");
        for attr in node.attributes() {
            let allowed = attr.namespace().is_none()
                && ATTRIBUTES.contains(&attr.name())
                && (attr.name() != "encoding" || *name == "annotation");
            let default = (*name == "math" && attr.name() == "display" && attr.value() == "inline")
                || (fixed && attr.name() == "symmetric");
            if allowed && !default {
                out.push(' ');
                out.push_str(attr.name());
                out.push_str("=\"");
                out.push_str(&escape(attr.value()));
                out.push('"');
            }
        }
        out.push('>');
        open.push(name);
        todo.push(None);
        todo.extend(node.children().rev().map(Some));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a formula's MathML says as text, tags removed, entities read.
    fn text_of(mathml: &str) -> String {
        roxmltree::Document::parse(mathml)
            .unwrap()
            .descendants()
            .filter(|n| n.is_text())
            .filter_map(|n| n.text())
            .collect()
    }

    const PAYLOADS: [&str; 12] = [
        "<img src=x onerror=alert(1)>",
        "</math><img src=x onerror=alert(1)>",
        r"\text{<img src=x onerror=alert(1)>}",
        r"\href{javascript:alert(1)}{x}",
        r"\style{color:red}{x}",
        r"\class{x}{y}",
        r"\unicode{x41}",
        r#"\mathrm{"><svg onload=alert(1)>}"#,
        r"\operatorname{<img src=x onerror=alert(1)>}",
        r"\operatorname{</mi><mi>}",
        r"\operatorname{<mi>} x",
        r"\mathbb{<} \& x > y",
    ];

    #[test]
    fn hostile_tex_gives_only_allowed_markup() {
        for tex in PAYLOADS {
            for display in [false, true] {
                let html = math(tex, display);
                if html.starts_with("<code") {
                    assert_eq!(html.matches('<').count(), 2, "{tex}: {html}");
                    continue;
                }
                // Well-formed, with only allowed elements and attributes.
                let doc = roxmltree::Document::parse(&html).unwrap();
                for node in doc.descendants().filter(|n| n.is_element()) {
                    assert!(ELEMENTS.contains(&node.tag_name().name()), "{html}");
                    for attr in node.attributes() {
                        assert!(ATTRIBUTES.contains(&attr.name()), "{html}");
                    }
                }
                for bad in ["<img", "<svg", "<b", "style=", "class="] {
                    assert!(!html.contains(bad), "{tex}: {bad} in {html}");
                }
                // The TeX is the annotation, as written.
                assert!(text_of(&html).ends_with(tex), "{tex}: {html}");
            }
        }
    }

    #[test]
    fn characters_that_are_markup_in_html_are_escaped() {
        let html = math("a < b > c", false);
        assert!(html.contains("<mo>&lt;</mo>"), "{html}");
        assert!(html.contains("<mo>&gt;</mo>"), "{html}");
        let html = math(r"\operatorname{<b>} x", false);
        assert!(html.contains("<mi>&lt;b&gt;</mi>"), "{html}");
        let html = math(r"\text{ a&b }", false);
        assert!(
            html.contains("<mtext>\u{a0}a&amp;b\u{a0}</mtext>"),
            "{html}"
        );
    }

    #[test]
    fn ordinary_tex_still_converts() {
        let html = math(
            r"\hat{a}_i = \frac{g_i}{\sigma}\left(a_i - \mu\right)",
            true,
        );
        assert!(html.starts_with("<math display=\"block\">"), "{html}");
        assert!(html.contains("<mfrac>"), "{html}");
        // Colour and array classes are dropped with their attributes; the
        // formula stays.
        let html = math(r"\color{red} x \begin{array}{c} a \end{array}", false);
        assert!(
            html.contains("<mtable>") && !html.contains("style"),
            "{html}"
        );
    }

    #[test]
    fn defaults_are_not_written() {
        let html = math(r"O(n \log n)", false);
        assert!(html.starts_with("<math><semantics>"), "{html}");
        assert!(html.contains("<mo stretchy=\"false\">(</mo>"), "{html}");
        assert!(!html.contains("symmetric"), "{html}");
        let html = math(r"\left( \frac{a}{b} \right)", true);
        assert!(html.starts_with("<math display=\"block\">"), "{html}");
    }

    #[test]
    fn deep_tex_neither_overflows_nor_hangs() {
        for n in [100, 2_000] {
            let tex = format!("{}x{}", "{".repeat(n), "}".repeat(n));
            let html = math(&tex, false);
            assert!(
                html.starts_with("<math") || html.starts_with("<code"),
                "{n}"
            );
            let frac = r"\frac{1}{".repeat(n) + &"}".repeat(n);
            let html = math(&frac, true);
            assert!(
                html.starts_with("<math") || html.starts_with("<code"),
                "{n}"
            );
        }
    }

    #[test]
    fn the_allow_list_refuses_what_it_does_not_know() {
        for bad in [
            "<math><annotation-xml encoding=\"text/html\"><img/></annotation-xml></math>",
            "<math><mi>x</mi><img src=\"x\"/></math>",
            "<math><annotation><mi>x</mi></annotation></math>",
            "<math><mi>x</mi><!-- c --></math>",
            "<svg/>",
            "<math><mi",
        ] {
            assert_eq!(allow_list(bad), None, "{bad}");
        }
        assert_eq!(
            allow_list(
                r#"<math><mi onclick="x" href="y" style="z" mathvariant="normal">&lt;</mi></math>"#
            )
            .as_deref(),
            Some(r#"<math><mi mathvariant="normal">&lt;</mi></math>"#)
        );
    }
}
