//! What a build weighs: the size report, and what each page carries or
//! leaves to another (README, "Output size").

use std::process::Command;

use crate::common::*;

/// Every file under `dir`, with its size.
fn sizes_on_disk(dir: &std::path::Path) -> Vec<(String, u64)> {
    snapshot(dir)
        .into_iter()
        .map(|(path, bytes)| (path, bytes.len() as u64))
        .collect()
}

#[test]
fn the_build_reports_its_output_by_part() {
    let site = TestSite::bundled();
    let report = site.build().unwrap();
    let disk = sizes_on_disk(&site.out());
    let total = report.sizes.total();
    assert_eq!(total.files, disk.len());
    assert_eq!(total.files, report.files);
    assert_eq!(total.bytes, disk.iter().map(|(_, b)| b).sum::<u64>());
    let parts = report.sizes.parts();
    assert!(
        parts.windows(2).all(|w| w[0].1.bytes >= w[1].1.bytes),
        "largest first: {parts:?}"
    );
    let papers = parts.iter().find(|(name, _)| *name == "papers/").unwrap().1;
    let on_disk: u64 = disk
        .iter()
        .filter(|(p, _)| p.starts_with("papers/"))
        .map(|(_, b)| b)
        .sum();
    assert_eq!(papers.bytes, on_disk);
    assert!(!report.sizes.over_pages_limit());
    assert!(
        report
            .warnings
            .iter()
            .all(|w| !w.message.contains("GitHub Pages")),
        "{:?}",
        report.warnings
    );
}

#[test]
fn the_command_prints_the_output_size() {
    let site = TestSite::bundled();
    let out = Command::new(env!("CARGO_BIN_EXE_sheaf"))
        .arg("--root")
        .arg(site.root())
        .arg("build")
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().find(|l| l.starts_with("Output: ")).unwrap();
    let files = snapshot(&site.out()).len();
    assert!(
        line.contains(" files; largest: ") && line.contains(" MB in "),
        "{line}"
    );
    let thousands = |n: usize| {
        let s = n.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    assert!(
        line.contains(&format!(" in {} files;", thousands(files))),
        "{line}"
    );
}

/// A paper is one file, its page: its BibTeX is on the page (with copy
/// and download buttons) and in the theme and digest `.bib` files.
#[test]
fn a_paper_is_one_file() {
    let site = TestSite::bundled();
    let report = site.build().unwrap();
    let under_papers: Vec<String> = snapshot(&site.out())
        .into_keys()
        // `papers/index.html` only leads to the archive.
        .filter(|p| p.starts_with("papers/") && p != "papers/index.html")
        .collect();
    assert_eq!(under_papers.len(), report.papers, "{under_papers:?}");
    assert!(under_papers.iter().all(|p| p.ends_with("/index.html")));
    let page = site.read("papers/layer-normalization/index.html");
    // The copy and download buttons are made by cite.js from the entry.
    assert!(page.contains("<pre class=\"bibtex\" id=\"bibtex\"><code>@misc{ba2016layer,"));
    assert!(page.contains("/sheaf/cite.js"));
    assert!(!page.contains("<button type=\"button\""));
    assert!(!page.contains("cite.bib"));
    assert!(site.read("papers.bib").contains("@misc{ba2016layer,"));
}

/// The lists that index the digest (tags, months, verdicts, statuses) show
/// a row per paper; the front page and the theme pages show cards with the
/// start of the abstract, and the front page COinS for reference managers.
#[test]
fn index_lists_are_rows_and_reading_lists_cards() {
    let site = TestSite::bundled();
    site.build().unwrap();
    for path in [
        "tags/benchmark/index.html",
        "archive/2025/05/index.html",
        "verdict/must-read/index.html",
        "status/reading/index.html",
    ] {
        let list = site.read(path);
        assert!(list.contains("class=\"paper-rows\""), "{path}");
        assert!(!list.contains("class=\"excerpt\""), "{path}");
        assert!(!list.contains("Z3988"), "{path}");
        assert!(list.contains("/sheaf/papers/"), "{path}");
    }
    for path in ["index.html", "themes/llm-reasoning/index.html"] {
        let list = site.read(path);
        assert!(list.contains("class=\"excerpt\""), "{path}");
        assert_eq!(list.contains("class=\"Z3988\""), path == "index.html");
    }
}

#[test]
fn feeds_carry_the_configured_number_of_papers() {
    let site = TestSite::bundled();
    let config = site.root().join("site-config.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}\nfeed_size: 3\n")).unwrap();
    site.build().unwrap();
    for path in ["atom.xml", "rss.xml", "themes/llm-reasoning/atom.xml"] {
        let feed = feed_rs::parser::parse(site.read(path).as_bytes()).unwrap();
        assert_eq!(feed.entries.len(), 3, "{path}");
    }
    std::fs::write(&config, format!("{text}\nfeed_size: 0\n")).unwrap();
    let error = build_error(&site);
    assert!(error.contains("`feed_size` must be at least 1"), "{error}");
    assert!(error.contains("site-config.yaml:"), "{error}");
}

/// Highlighted code is a span per run of one kind of token, with a short
/// class the generated stylesheet colours in light and dark; syntect's
/// class per scope made a six-line snippet 6 KB.
#[test]
fn highlighted_code_uses_short_classes_the_stylesheet_defines() {
    let notes = "Notes.\n\n```rust\n// Sum the scores.\npub fn total(scores: &[f32]) -> f32 {\n    let s = \"a \\\"quoted\\\" <b>\";\n    scores.iter().sum::<f32>() + 1.0\n}\n```\n";
    let a = entry("Paper A", "").replace("Notes.\n", notes);
    let site = TestSite::with_papers(&[("a.md", &a)]);
    site.build().unwrap();
    let page = site.read("papers/a/index.html");
    let start = page
        .find("<pre class=\"hl-code\" data-lang=\"rust\"><code>")
        .unwrap();
    let code = &page[start..start + page[start..].find("</pre>").unwrap()];
    let classes: std::collections::BTreeSet<&str> = code
        .split("<span class=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    assert!(
        !code.contains("hl-") || code.matches("hl-").count() == 1,
        "{code}"
    );
    assert!(classes.iter().all(|c| c.len() == 1), "{classes:?}");
    // A comment, a keyword, a string, a number: four kinds at least.
    for kind in ["c", "k", "s", "n"] {
        assert!(classes.contains(kind), "{kind} in {classes:?}: {code}");
    }
    // One span for `pub fn`, white space inside it; the text as written.
    assert!(code.contains("<span class=\"k\">pub fn"), "{code}");
    assert!(code.contains("&lt;b&gt;"), "{code}");
    let text: String = {
        let mut t = String::new();
        let mut in_tag = false;
        for c in code.chars() {
            match c {
                '<' => in_tag = true,
                '>' if in_tag => in_tag = false,
                c if !in_tag => t.push(c),
                _ => {}
            }
        }
        t
    };
    assert!(
        text.ends_with("    scores.iter().sum::&lt;f32&gt;() + 1.0\n}\n"),
        "{text}"
    );
    assert!(page.contains("<link rel=\"stylesheet\" href=\"/sheaf/syntax.css\">"));
    let css = site.read("syntax.css");
    let (light, dark) = css
        .split_once("@media (prefers-color-scheme: dark)")
        .unwrap();
    for class in &classes {
        let rule = format!(".hl-code .{class} {{ color: #");
        assert!(light.contains(&rule), "{rule} in light: {light}");
        assert!(dark.contains(&rule), "{rule} in dark: {dark}");
    }
    assert!(light.contains(".hl-code { color: #") && dark.contains(".hl-code { color: #"));
}

/// Templates are indented for their readers, not for every page: no line
/// of any page or feed starts with white space, except inside `<pre>`.
#[test]
fn no_page_is_indented_outside_pre() {
    let site = TestSite::bundled();
    site.build().unwrap();
    let mut checked = 0;
    for (path, bytes) in snapshot(&site.out()) {
        if !(path.ends_with(".html") || path.ends_with(".xml")) {
            continue;
        }
        let text = String::from_utf8(bytes).unwrap();
        let mut in_pre = false;
        for (n, line) in text.lines().enumerate() {
            assert!(
                in_pre || !line.starts_with([' ', '\t']),
                "{path}:{}: {line:?}",
                n + 1
            );
            if let (Some(o), c) = (line.rfind("<pre"), line.rfind("</pre")) {
                in_pre = c.is_none_or(|c| o > c);
            } else if line.contains("</pre") {
                in_pre = false;
            }
        }
        checked += 1;
    }
    assert!(checked > 20, "{checked}");
}

/// `papers.json` leaves out what an entry leaves empty, rather than
/// writing `null`, `{}` or `false` in each of 100,000 records; a paper
/// page's JSON-LD leaves out the site it is part of (the page's own) and
/// the DOI made from an arXiv id (its `sameAs` names the arXiv page).
#[test]
fn records_carry_only_what_the_entry_holds() {
    let site = TestSite::bundled();
    site.build().unwrap();
    let json = site.read("papers.json");
    for empty in [":null", ":{}", "\"featured\":false", "\"keywords\":[]"] {
        assert!(!json.contains(empty), "{empty} in papers.json");
    }
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    let papers = parsed["papers"].as_array().unwrap();
    assert!(papers.iter().all(|p| p["authors"].is_array()));
    assert!(papers.iter().any(|p| p["featured"] == true));
    let page = site.read("papers/layer-normalization/index.html");
    assert!(
        page.contains("\"sameAs\":\"https://arxiv.org/abs/"),
        "{page}"
    );
    for left_out in ["isPartOf", "propertyID\":\"arXiv", "10.48550/arXiv"] {
        let start = page.find("application/ld+json").unwrap();
        let end = start + page[start..].find("</script>").unwrap();
        assert!(!page[start..end].contains(left_out), "{left_out}");
    }
}

/// Pages no longer carry the Cite block's buttons: `cite.js` makes them,
/// in a browser, with the download named after the entry's key.
#[tokio::test]
async fn cite_js_makes_the_cite_buttons() {
    use crate::common::browser::*;
    if !browser_installed("the cite buttons test") {
        return;
    }
    let site = TestSite::bundled();
    site.build().unwrap();
    let server = crate::common::static_server::StaticServer::start(site.out(), "/sheaf/");
    let browser = Browser::start().await;
    let client = browser.client.clone();
    client
        .goto(&format!("{}papers/layer-normalization/", server.base))
        .await
        .unwrap();
    let read = r#"const p = document.querySelector("pre.bibtex + p.cite-actions");
return p ? [...p.querySelectorAll("button")].map((b) => b.textContent) : null;"#;
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let labels = client.execute(read, vec![]).await.unwrap();
        if !labels.is_null() {
            assert_eq!(
                labels,
                serde_json::json!(["Copy BibTeX", "Download ba2016layer.bib"])
            );
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no buttons");
        tokio::time::sleep(POLL).await;
    }
    // Cleanup only: dropping `browser` kills ChromeDriver and Chromium. A
    // close that times out on a loaded machine must not fail a test whose
    // checks all passed.
    let _ = client.close().await;
}
