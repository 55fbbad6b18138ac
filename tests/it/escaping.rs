//! Text from papers is untrusted: it must reach every output escaped.

use crate::common::hostile;

use crate::common::*;
use hostile::*;

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

/// Markup a hostile payload would leave in HTML if it got through: an
/// element that loads or runs something, an event handler, a
/// `javascript:` URL. The page's own scripts (JSON-LD, the copy button)
/// start `<script>` or `<script type=`, never `<script>alert`.
fn injected(html: &str) -> Option<String> {
    let patterns = [
        r"(?i)<(img|svg|iframe|object|embed)[\s>/]",
        r"(?i)<script>alert",
        // A tag, its attributes (quoted values skipped whole), a handler.
        r#"(?i)<[a-z][a-z0-9-]*(\s+[^\s"'>/=]+(\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?)*\s+on[a-z]+\s*="#,
        r#"(?i)(href|src|action)\s*=\s*["']?\s*javascript:"#,
    ];
    patterns.iter().find_map(|p| {
        let m = regex::Regex::new(p).unwrap().find(html)?;
        Some(html[m.start()..].chars().take(80).collect())
    })
}

#[test]
fn tex_payloads_never_become_markup() {
    let site = hostile_site();
    let page = site.read("papers/tex/index.html");
    assert_eq!(
        page.matches("<math").count(),
        2 * TEX_PAYLOADS.len() - 2 * 4,
        "every payload but the unsupported macros converts, in abstract and notes: {page}"
    );
    for (path, html) in outputs(&site, ".html") {
        if let Some(what) = injected(&html) {
            panic!("{path} has {what:?}");
        }
        for bad in ["annotation-xml", "style=\"background", "class=\"x\""] {
            assert!(!html.contains(bad), "{path} contains {bad}");
        }
    }
    // Feeds carry pages' HTML escaped inside XML: read it back and check
    // it the same way, as a feed reader would show it.
    let mut carried = 0;
    for (path, xml) in outputs(&site, ".xml") {
        let doc = roxmltree::Document::parse(&xml)
            .unwrap_or_else(|e| panic!("{path} is not well-formed: {e}"));
        for node in doc.descendants().filter(|n| carries_html(n)) {
            carried += 1;
            if let Some(what) = injected(node.text().unwrap_or("")) {
                panic!("{path} carries {what:?}");
            }
        }
    }
    assert!(
        carried >= 2 * cases().len(),
        "abstracts found in feeds: {carried}"
    );
}

/// An arXiv API answer whose abstract carries TeX payloads, XML-escaped as
/// arXiv sends them.
const HOSTILE_ATOM: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <title type="html">ArXiv Query</title>
  <id>http://arxiv.org/api/recorded</id>
  <updated>2025-05-07T00:00:00-04:00</updated>
  <entry>
    <id>http://arxiv.org/abs/2504.99999v1</id>
    <updated>2025-04-04T12:00:00Z</updated>
    <published>2025-04-04T12:00:00Z</published>
    <title>Formulas with $\mathrm{"&gt;&lt;svg onload=alert(1)&gt;}$ a payload</title>
    <summary>We show $&lt;img src=x onerror=alert(1)&gt;$ and
$&lt;/math&gt;&lt;img src=x onerror=alert(1)&gt;$ and
$$\text{&lt;/math&gt;&lt;svg onload=alert(1)&gt;}$$ in one abstract.
</summary>
    <author><name>Mallory</name></author>
    <link href="http://arxiv.org/abs/2504.99999v1" rel="alternate" type="text/html"/>
    <arxiv:primary_category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
</feed>
"#;

#[test]
fn imported_abstract_with_tex_payloads_runs_nothing() {
    let site = TestSite::with_papers(&[]);
    let atom = site.root().join("hostile.xml");
    std::fs::write(&atom, HOSTILE_ATOM).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sheaf"))
        .arg("--root")
        .arg(site.root())
        .arg("import")
        .arg(&atom)
        .args(["--date", "2025-05-07"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    site.build().unwrap();
    let mut pages = 0;
    for (path, html) in outputs(&site, ".html") {
        pages += usize::from(html.contains("<math"));
        if let Some(what) = injected(&html) {
            panic!("{path} has {what:?}");
        }
    }
    assert!(pages > 0, "the abstract's formulas became MathML somewhere");
    for (path, xml) in outputs(&site, ".xml") {
        let doc = roxmltree::Document::parse(&xml).unwrap();
        for node in doc.descendants().filter(|n| carries_html(n)) {
            if let Some(what) = injected(node.text().unwrap_or("")) {
                panic!("{path} carries {what:?}");
            }
        }
    }
}

#[test]
fn every_xml_file_is_well_formed_whatever_the_input() {
    let site = hostile_site();
    let xml = outputs(&site, ".xml");
    for must in ["atom.xml", "rss.xml", "sitemap.xml"] {
        assert!(xml.iter().any(|(p, _)| p == must), "{must} not written");
    }
    for (path, text) in &xml {
        roxmltree::Document::parse(text)
            .unwrap_or_else(|e| panic!("{path} is not well-formed XML: {e}"));
    }
    let atom = feed_rs::parser::parse(site.read("atom.xml").as_bytes()).unwrap();
    assert!(
        atom.entries.iter().any(|e| e
            .title
            .as_ref()
            .is_some_and(|t| t.content.starts_with("Tab\there, NEL\u{85}"))),
        "the odd characters arrive as they were"
    );
}

#[test]
fn bibtex_exports_read_back_as_the_entries_say() {
    use biblatex::ChunksExt;
    let site = hostile_site();
    let all = biblatex::Bibliography::parse(&site.read("papers.bib"))
        .unwrap_or_else(|e| panic!("papers.bib does not parse: {e}"));
    assert_eq!(all.len(), cases().len());
    // BibTeX counts every brace, `\}` too (biblatex, the crate, does not):
    // each entry must balance as BibTeX counts.
    let bib = site.read("papers.bib");
    let mut depth = 0i64;
    for line in bib.lines() {
        if line.starts_with('@') {
            assert_eq!(depth, 0, "unbalanced before {line}");
        }
        for c in line.chars() {
            depth += match c {
                '{' => 1,
                '}' => -1,
                _ => 0,
            };
            assert!(depth >= 0, "a brace closes the entry early in {line}");
        }
    }
    assert_eq!(depth, 0);
    for (name, text) in cases() {
        let (entry, _) =
            sheaf::input::content::parse_entry(std::path::Path::new(&name), &text).unwrap();
        let path = format!("papers/{}/index.html", entry.slug);
        let own = biblatex::Bibliography::parse(&page_bibtex(&site.read(&path)))
            .unwrap_or_else(|e| panic!("{path} does not parse: {e}"));
        assert_eq!(own.len(), 1, "{path}");
        let bib = own.iter().next().unwrap();
        let in_all = all
            .get(&bib.key)
            .unwrap_or_else(|| panic!("{} not in papers.bib", bib.key));
        let field = |e: &biblatex::Entry, k: &str| e.get(k).map(|c| c.format_verbatim());
        for k in ["title", "author", "note", "journal", "doi", "url", "year"] {
            assert_eq!(field(bib, k), field(in_all, k), "{path}: {k}");
        }
        // BibTeX reads white space runs as one space.
        let squeeze = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(field(bib, "title"), Some(squeeze(&entry.title)), "{path}");
        let authors: Vec<String> = entry.authors.iter().map(|a| squeeze(a)).collect();
        assert_eq!(
            field(bib, "author").map(|a| a.split(" and ").map(String::from).collect::<Vec<_>>()),
            (!authors.is_empty()).then_some(authors),
            "{path}"
        );
        if let Some(j) = &entry.journal_ref {
            assert_eq!(
                field(bib, "note").or(field(bib, "journal")),
                Some(squeeze(j)),
                "{path}"
            );
        }
        // Verbatim fields: braces and the like percent-encoded.
        let decoded = |k: &str| {
            field(bib, k).map(|v| {
                percent_encoding::percent_decode_str(&v)
                    .decode_utf8_lossy()
                    .into_owned()
            })
        };
        if let Some(doi) = &entry.doi {
            assert_eq!(decoded("doi").as_ref(), Some(doi), "{path}");
        }
        // The paper's own address, or none: never the digest's page.
        let url = decoded("url");
        let arxiv = entry
            .arxiv
            .as_ref()
            .map(|id| format!("https://arxiv.org/abs/{id}"));
        assert_eq!(url, entry.url.clone().or(arxiv), "{path}");
    }
}

/// A venue is shown as text on its index, its list and the top view, and
/// its URL segment is a plain slug inside `venue/`; verdicts and metric
/// names are fixed words, so a hostile one is an error, not output.
#[test]
fn hostile_venues_stay_text_and_their_slugs_stay_inside_the_site() {
    let site = hostile_site();
    let venues: Vec<String> = std::fs::read_dir(site.out().join("venue"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    // The hostile venue and `bib.md`'s.
    assert_eq!(venues.len(), 2, "{venues:?}");
    for slug in &venues {
        assert!(
            slug.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "unsafe slug {slug:?}"
        );
    }
    for path in ["venue/index.html", "top/index.html", "verdict/index.html"] {
        let html = site.read(path);
        assert!(injected(&html).is_none(), "{path}: {:?}", injected(&html));
    }
    let shown =
        "../../&lt;script&gt;alert(&#39;v&#39;)&lt;/script&gt; &lt;img src=x onerror=alert(5)&gt;";
    assert!(
        site.read("venue/index.html").contains(shown),
        "{}",
        site.read("venue/index.html")
    );
    assert!(site.read("top/index.html").contains(">Venue case</a>"));

    for (bad, key) in [
        ("verdict: \"<script>\"\n", "verdict"),
        (
            "metrics:\n  \"<b>likes</b>\": 3\n  as_of: 2025-05-02\n",
            "metrics",
        ),
    ] {
        let site = TestSite::with_papers(&[("bad.md", &entry("Bad", bad))]);
        let error = build_error(&site);
        assert!(error.contains(key), "{error}");
        assert!(!site.out().join("index.html").exists());
    }
}
