//! Cards and list data files: a card shows what its entry holds and
//! nothing else; each list has one data file (not one per page) whose rows
//! are its papers in its order (README, "For readers").

use std::io::Read;

use serde_json::Value;

use crate::common::hostile::HOSTILE_TITLE;
use crate::common::*;

const FULL: &str = r#"---
title: "A paper with every fact"
date: 2025-05-07
authors: ["Ada Lovelace", "Grace Hopper", "Alan Turing", "Emmy Noether"]
arxiv: "2401.00001"
published: 2023-07
journal_ref: "NeurIPS 2023"
code: "https://github.com/example/every-fact"
project: "https://example.org/every-fact"
metrics: {stars: 1234, upvotes: 56, as_of: "2025-05-01"}
verdict: must-read
status: reading
themes: [llm-reasoning]
abstract: "An abstract about reasoning, long enough to be cut into an excerpt for the card."
---
"#;

const BARE: &str = r#"---
title: "A paper with few facts"
date: 2025-05-06
themes: [llm-reasoning]
abstract: "Reasoning."
---
"#;

fn gunzip(bytes: &[u8]) -> Value {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The card of the paper whose page is `slug`, as the theme page has it.
fn card(page: &str, slug: &str) -> String {
    let start = page
        .find(&format!("<a href=\"/sheaf/papers/{slug}/\">"))
        .unwrap_or_else(|| panic!("no card of {slug}"));
    let end = page[start..].find("</article>").unwrap();
    page[start..start + end].to_string()
}

#[test]
fn a_card_shows_the_facts_its_entry_holds_and_no_others() {
    let site = TestSite::with_papers(&[("full.md", FULL), ("bare.md", BARE)]);
    site.build().unwrap();
    let page = site.read("themes/llm-reasoning/index.html");
    let full = card(&page, "full");
    for shown in [
        "Ada Lovelace, Grace Hopper et al.",
        ">2023</span>",
        "<span class=\"venue\">NeurIPS 2023</span>",
        "<time datetime=\"2025-05-07\">7 May 2025</time>",
        "href=\"/sheaf/verdict/must-read/\"",
        "href=\"/sheaf/status/reading/\"",
        "<a href=\"https://arxiv.org/abs/2401.00001\">Abstract</a>",
        "<a href=\"https://arxiv.org/pdf/2401.00001\">PDF</a>",
        "<a href=\"https://github.com/example/every-fact\">Code</a>",
        "<a href=\"https://example.org/every-fact\">Project</a>",
        "1234 stars, 56 upvotes <span class=\"as-of\">as of <time datetime=\"2025-05-01\">1 May 2025</time></span>",
        "<details class=\"excerpt\"><summary>Excerpt</summary><p>An abstract about reasoning",
    ] {
        assert!(full.contains(shown), "{shown:?} not in {full}");
    }
    // All the authors are on the paper's own page.
    assert!(site.read("papers/full/index.html").contains("Emmy Noether"));

    let bare = card(&page, "bare");
    assert!(
        bare.contains("Added <time datetime=\"2025-05-06\">"),
        "{bare}"
    );
    for absent in [
        "class=\"authors\"",
        "class=\"published\"",
        "class=\"venue\"",
        "class=\"badge",
        ">Abstract</a>",
        ">PDF</a>",
        ">Code</a>",
        ">Project</a>",
        "stars",
        "upvotes",
        "as of",
    ] {
        assert!(!bare.contains(absent), "{absent:?} in {bare}");
    }
}

#[test]
fn each_list_has_one_data_file_with_its_papers_in_order() {
    let site = TestSite::bundled();
    let config = site.root().join("site-config.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}\npage_size: 5\n")).unwrap();
    site.build().unwrap();
    let files = snapshot(&site.out());
    let data: Vec<&String> = files
        .keys()
        .filter(|p| p.ends_with("list.json.gz"))
        .collect();
    let lists: Vec<String> = files
        .keys()
        .filter(|p| {
            let inner = p.matches('/').count() >= 2 && !p.contains("/page/");
            // A year's page lists its months, not papers.
            let year = regex::Regex::new(r"^archive/\d{4}/index\.html$").unwrap();
            p.ends_with("/index.html")
                && !year.is_match(p)
                && [
                    "themes/", "tags/", "archive/", "verdict/", "status/", "venue/",
                ]
                .iter()
                .any(|s| p.starts_with(s) && inner)
        })
        .map(|p| p.replace("index.html", "list.json.gz"))
        .chain(["list.json.gz".to_string()])
        .collect();
    let mut data: Vec<String> = data.into_iter().cloned().collect();
    let mut lists = lists;
    data.sort();
    lists.sort();
    assert_eq!(data, lists, "one data file per list, none per page");
    assert!(files.keys().any(|p| p.contains("/page/2/")), "paged lists");

    // A theme's rows are its papers in its order, over every page.
    let theme = "themes/llm-reasoning/";
    let file = gunzip(&files[&format!("{theme}list.json.gz")]);
    assert_eq!(file["v"], 1);
    assert_eq!(file["size"], 5);
    assert_eq!(file["papers"], "/sheaf/papers/");
    let rows = file["p"].as_array().unwrap();
    let page = site.read(&format!("{theme}index.html"));
    assert!(
        page.contains(&format!("data-count=\"{}\"", rows.len())),
        "{page}"
    );
    let slugs: Vec<&str> = rows.iter().map(|r| r[0].as_str().unwrap()).collect();
    let shown =
        regex::Regex::new(r#"class="card-title"><a href="/sheaf/papers/([^/]+)/""#).unwrap();
    let first_page: Vec<&str> = shown
        .captures_iter(&page)
        .map(|c| c.get(1).unwrap().as_str())
        .collect();
    assert_eq!(first_page.len(), 5);
    assert_eq!(&slugs[..5], &first_page[..]);
    let second = site.read(&format!("{theme}page/2/index.html"));
    let second_page: Vec<&str> = shown
        .captures_iter(&second)
        .map(|c| c.get(1).unwrap().as_str())
        .collect();
    assert_eq!(&slugs[5..5 + second_page.len()], &second_page[..]);
}

#[test]
fn hostile_text_in_a_data_file_is_data() {
    let site = TestSite::with_papers(&[(
        "hostile.md",
        &format!(
            "---\ntitle: {HOSTILE_TITLE:?}\ndate: 2025-05-06\n\
                 authors: [\"Mallory </script><b>\"]\ntags: [\"<b>tag</b>\", \"\\\"quoted\\\"\"]\n\
                 journal_ref: \"J. </script>\"\nabstract: \"Text.\"\n---\n"
        ),
    )]);
    site.build().unwrap();
    let file = gunzip(&std::fs::read(site.out().join("list.json.gz")).unwrap());
    let row = &file["p"][0];
    assert_eq!(row[1], HOSTILE_TITLE);
    assert_eq!(row[2], "Mallory </script><b>");
    assert_eq!(row[9], "J. </script>");
    assert_eq!(
        file["tags"],
        serde_json::json!(["\"quoted\"", "<b>tag</b>"])
    );
}
