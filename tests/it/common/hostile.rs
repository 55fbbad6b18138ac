//! Hostile entries: text from papers (and curators) that tries to become
//! markup or script, or to break the XML and BibTeX sheaf writes. One site
//! holds them all, so every test of escaping (static in `escaping.rs`, in a
//! browser in `escaping_browser.rs`) checks every case.
//!
//! Payloads that would run call `alert` or set `window.pwned`, which the
//! browser test watches.

use super::{snapshot, TestSite};

/// Markup in every front matter field and raw HTML in notes.
pub const HOSTILE: &str = r#"---
title: "<script>alert('t')</script> & \"quotes\""
date: 2025-05-07
authors: ["<img src=x onerror=alert(1)>", "O'Brien & Co"]
code: "https://github.com/a/b?x=\"><script>"
tags: ["<b>tag</b>"]
abstract: |
  An abstract with <script>alert('a')</script> and <img src=x onerror=alert(2)>
  and a [link](javascript:alert(3)) and ]]> and &amp; entity.
---
Notes with <iframe src="https://evil.example"></iframe> and <b>bold</b>.
"#;

/// TeX that tries to leave `<math>`, or to reach links and CSS. In HTML,
/// MathML is foreign content: an `<img>` start tag or `</math>` in it ends
/// the formula and becomes a real element.
pub const TEX_PAYLOADS: [&str; 14] = [
    "$<img src=x onerror=alert(1)>$",
    "$</math><img src=x onerror=alert(1)>$",
    "$<img src=x onerror=window.pwned=1>$",
    r"$\text{<img src=x onerror=alert(1)>}$",
    r"$\href{javascript:alert(1)}{x}$",
    r"$\style{background:url(javascript:alert(1))}{x}$",
    r"$\class{x}{y}$",
    r"$\unicode{<img src=x onerror=alert(1)>}$",
    r#"$\mathrm{"><svg onload=alert(1)>}$"#,
    r"$\operatorname{<img src=x onerror=window.pwned=1>}$",
    r"$\operatorname{</mi></math><svg onload=alert(1)>}$",
    "$$<img src=x onerror=alert(1)>$$",
    "$$</math><img src=x onerror=window.pwned=1>$$",
    r"$$\text{</math><svg onload=alert(1)>}$$",
];

/// An entry with every TeX payload in its abstract and in its notes.
pub fn tex_entry() -> String {
    let lines: Vec<String> = TEX_PAYLOADS
        .iter()
        .map(|p| format!("Payload {p} here.\n"))
        .collect();
    let indented: String = lines.iter().map(|l| format!("  {l}\n")).collect();
    format!(
        "---\ntitle: \"TeX that tries to run script\"\ndate: 2025-05-07\n\
         authors: [\"Mallory\"]\nabstract: |\n{indented}---\nThe notes, the same:\n\n{}",
        lines.join("\n")
    )
}

/// The title of the search page's hostile case.
pub const HOSTILE_TITLE: &str = "Robust parsing of <img src=x onerror=alert(1)> tags";

/// A venue (`journal_ref`) with markup and a path that climbs.
pub const HOSTILE_VENUE: &str = "../../<script>alert('v')</script> <img src=x onerror=alert(5)>";

/// Every hostile entry, by file name.
pub fn cases() -> Vec<(String, String)> {
    vec![
        ("hostile.md".into(), HOSTILE.into()),
        ("tex.md".into(), tex_entry()),
        (
            "title.md".into(),
            format!(
                "---\ntitle: {HOSTILE_TITLE:?}\ndate: 2025-05-06\n\
                 authors: [\"Mallory <b>Bold</b>\", \"Evil}}}}\", \"{{Open\"]\n\
                 abstract: \"A paper whose title tries to inject markup into every page.\"\n---\n\
                 Notes.\n"
            ),
        ),
        (
            // Text that would close the JSON-LD script and open its own
            // (`tests/cite.rs` has the harmless form).
            "script-close.md".into(),
            "---\ntitle: \"A </script><img src=x onerror=alert(1)><script>alert(2)</script> & {braced} 50% title\"\n\
             date: 2025-05-05\nauthors: [\"O'Brien & Co\", \"Zoë {Z} Ünal</script><script>alert(3)</script>\"]\n\
             abstract: |\n  Text with </script><script>alert(4)</script> in it.\n---\n"
                .into(),
        ),
        (
            // Characters XML can carry but only just: tab, NEL, the line
            // separator, a CDATA end, a lone ampersand, a non-character
            // neighbour (U+FFFD).
            "odd-chars.md".into(),
            "---\ntitle: \"Tab\\there, NEL\\u0085, LS\\u2028 ]]> & <x> \\uFFFD\"\n\
             date: 2025-05-04\nauthors: [\"A\\tB\"]\ntags: [\"x]]>\"]\n\
             abstract: \"CDATA ]]> end & \\u0085 next\"\n---\n]]> in notes.\n"
                .into(),
        ),
        (
            // A venue that tries to become markup or a path out of the
            // site, with figures, so the venue pages and the top view
            // show it.
            "venue.md".into(),
            format!(
                "---\ntitle: \"Venue case\"\ndate: 2025-05-02\njournal_ref: {HOSTILE_VENUE:?}\n\
                 verdict: must-read\nstatus: reading\n\
                 metrics:\n  upvotes: 7\n  stars: 3\n  as_of: 2025-05-02\n\
                 abstract: \"A venue name with markup.\"\n---\n"
            ),
        ),
        (
            // What BibTeX counts or reads as markup: braces that do not
            // balance, backslashes, specials, a dash pair.
            "bib.md".into(),
            r#"---
title: "Unbalanced }} and {{ braces -- a \\textbf{backslash} with % & $ # _ ~ ^"
date: 2025-05-03
authors: ["Evil}}", "{Open", "Back\\slash \\}", "O'Brien & Co"]
journal_ref: "J. {Braces}} 5 (2025) 1--10"
doi: "10.1000/x}{y"
url: "https://example.org/p?a=1&b=2_x~y#z"
abstract: "Braces."
---
"#
            .into(),
        ),
    ]
}

/// The bundled config and theme with every hostile case, built.
pub fn hostile_site() -> TestSite {
    let site = TestSite::with_owned_papers(&cases());
    site.build().unwrap();
    site
}

/// Every file of the output whose name ends with `ext`, by relative path.
pub fn outputs(site: &TestSite, ext: &str) -> Vec<(String, String)> {
    snapshot(&site.out())
        .into_iter()
        .filter(|(path, _)| path.ends_with(ext))
        .map(|(path, bytes)| (path, String::from_utf8(bytes).unwrap()))
        .collect()
}

/// Whether a feed element holds HTML (escaped): Atom's `content` and
/// `summary` of type `html`, RSS items' `description`. A feed reader
/// shows these as HTML.
pub fn carries_html(node: &roxmltree::Node) -> bool {
    match node.tag_name().name() {
        "content" | "summary" => node.attribute("type") == Some("html"),
        "description" => node.parent().is_some_and(|p| p.has_tag_name("item")),
        _ => false,
    }
}
