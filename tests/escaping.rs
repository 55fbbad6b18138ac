//! Text from papers is untrusted: it must reach every output escaped.

mod common;

use common::*;

const HOSTILE: &str = r#"---
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

#[test]
fn hostile_paper_is_escaped_everywhere() {
    let site = TestSite::with_papers(&[("hostile.md", HOSTILE)]);
    site.build().unwrap();
    let outputs = [
        "papers/hostile/index.html",
        "index.html",
        "themes/other/index.html",
        "archive/index.html",
        "atom.xml",
        "rss.xml",
        "themes/other/atom.xml",
    ];
    for path in outputs {
        let text = site.read(path);
        // The page's own scripts (JSON-LD, the copy button) are fine; the
        // paper's must never run.
        for bad in [
            "<script>alert",
            "<img src=x",
            "href=\"javascript:",
            "<iframe",
            "]]>\n",
        ] {
            assert!(!text.contains(bad), "{path} contains {bad:?}");
        }
    }
    let page = site.read("papers/hostile/index.html");
    assert!(page.contains("&lt;script&gt;alert("), "title shown as text");
    assert!(
        page.contains("O&#39;Brien &amp; Co") || page.contains("O&#x27;Brien &amp; Co"),
        "author escaped"
    );
    assert!(page.contains("<b>bold</b>"), "curator's harmless HTML kept");
    // The attribute cannot be broken out of.
    assert!(
        page.contains("href=\"https://github.com/a/b?x=&quot;&gt;&lt;script&gt;\""),
        "{page}"
    );
    // Feeds stay well-formed XML.
    for feed in ["atom.xml", "rss.xml"] {
        let parsed = feed_rs::parser::parse(site.read(feed).as_bytes()).expect("feed parses");
        let title = parsed.entries[0].title.as_ref().unwrap().content.clone();
        assert!(
            title.contains("<script>alert('t')</script>"),
            "{feed}: title round-trips as text: {title}"
        );
    }
}

#[test]
fn tag_with_markup_gets_a_safe_url() {
    let site = TestSite::with_papers(&[("hostile.md", HOSTILE)]);
    site.build().unwrap();
    assert!(site.out().join("tags/b-tag-b/index.html").exists());
}
