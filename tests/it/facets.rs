//! The pages that index the digest beside the months: verdicts and
//! statuses, years, venues, the top view, and the pages that only lead
//! elsewhere, so that no page's URL cut back by a segment answers 404.

use std::collections::{BTreeMap, BTreeSet};

use crate::common::*;
use sheaf::build::{BuildOptions, Session};

/// An entry with a date, a venue and figures (`None` leaves them out).
fn paper(
    title: &str,
    date: &str,
    venue: Option<&str>,
    upvotes: Option<u64>,
    stars: Option<u64>,
    extra: &str,
) -> String {
    let mut front = format!("title: {title:?}\ndate: {date}\n{extra}");
    if let Some(v) = venue {
        front.push_str(&format!("journal_ref: {v:?}\n"));
    }
    if upvotes.is_some() || stars.is_some() {
        front.push_str("metrics:\n");
        if let Some(n) = upvotes {
            front.push_str(&format!("  upvotes: {n}\n"));
        }
        if let Some(n) = stars {
            front.push_str(&format!("  stars: {n}\n"));
        }
        front.push_str(&format!("  as_of: {date}\n"));
    }
    format!("---\n{front}abstract: |\n  An abstract about gaussian splatting.\n---\nNotes.\n")
}

/// Three years, every verdict and status, venues (one spelt two ways, one
/// with no letters), figures, and lists of more than one page.
fn site() -> TestSite {
    let mut files = Vec::new();
    let verdicts = ["must-read", "worth-a-skim", "skip"];
    let statuses = ["to-read", "reading", "read"];
    for i in 0..14 {
        let year = 2023 + i % 3;
        let date = format!("{year}-{:02}-{:02}", 1 + i % 12, 1 + i);
        let venue = match i % 4 {
            0 => Some(if i == 0 {
                "NeurIPS 2024"
            } else {
                "neurips 2024"
            }),
            1 => Some("ICML 2023"),
            2 => Some("!!!"),
            _ => None,
        };
        let extra = format!(
            "verdict: {}\nstatus: {}\n",
            verdicts[i % 3],
            statuses[(i / 3) % 3]
        );
        let upvotes = (i % 2 == 0).then_some(10 + i as u64);
        files.push((
            format!("p{i:02}.md"),
            paper(&format!("Paper {i}"), &date, venue, upvotes, None, &extra),
        ));
    }
    let site = TestSite::with_owned_papers(&files);
    let config = site.root().join("site-config.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}\npage_size: 2\n")).unwrap();
    site
}

/// Every file of the output, `/`-separated.
fn files(site: &TestSite) -> BTreeSet<String> {
    snapshot(&site.out()).into_keys().collect()
}

#[test]
fn every_parent_of_every_page_has_an_index() {
    let site = site();
    site.build().unwrap();
    let all = files(&site);
    // The pages this asks for exist, so the walk below covers them.
    for page in [
        "verdict/index.html",
        "status/index.html",
        "archive/2024/index.html",
        "venue/index.html",
        "venue/neurips-2024/index.html",
        "venue/neurips-2024/page/2/index.html",
        "venue/neurips-2024/page/index.html",
        "top/index.html",
        "papers/index.html",
        "themes/vision-3d/page/index.html",
        "archive/2023/01/index.html",
    ] {
        assert!(all.contains(page), "no {page}");
    }
    let mut checked = 0;
    for page in all.iter().filter(|f| f.ends_with(".html")) {
        let mut parts: Vec<&str> = page.split('/').collect();
        parts.pop();
        while !parts.is_empty() {
            let parent = format!("{}/index.html", parts.join("/"));
            assert!(
                all.contains(&parent),
                "{page}: its parent {parent} has no page"
            );
            parts.pop();
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} parents checked");
}

#[test]
fn every_link_of_the_new_pages_resolves_and_redirects_lead_to_the_first_page() {
    let site = site();
    site.build().unwrap();
    let all = files(&site);
    let attr = regex::Regex::new(r#"(?:href|src|url)="?([^" >]*)"#).unwrap();
    let new_pages: Vec<&String> = all
        .iter()
        .filter(|f| {
            [
                "verdict/",
                "status/",
                "venue/",
                "top/",
                "papers/index",
                "archive/",
            ]
            .iter()
            .any(|p| f.starts_with(p))
                || f.contains("/page/index.html")
        })
        // Pages, not the lists' data files beside them.
        .filter(|f| f.ends_with(".html"))
        .collect();
    for f in &new_pages {
        for cap in attr.captures_iter(&site.read(f)) {
            let url = cap[1].trim_start_matches("https://sheaf-digest.github.io");
            if !url.starts_with('/') {
                continue;
            }
            let path = url.trim_start_matches("/sheaf/");
            let target = if path.is_empty() || path.ends_with('/') {
                format!("{path}index.html")
            } else {
                path.to_string()
            };
            assert!(all.contains(&target), "{f}: {url} resolves to nothing");
        }
    }
    let page = site.read("themes/vision-3d/page/index.html");
    assert!(
        page.contains(r#"<meta http-equiv="refresh" content="0; url=/sheaf/themes/vision-3d/">"#)
    );
    assert!(page.contains(
        r#"<link rel="canonical" href="https://sheaf-digest.github.io/sheaf/themes/vision-3d/">"#
    ));
    assert!(page
        .contains(r#"<a href="/sheaf/themes/vision-3d/">Vision, 3D and scene reconstruction</a>"#));
    assert!(site
        .read("papers/index.html")
        .contains("url=/sheaf/archive/\">"));
}

#[test]
fn indexes_list_what_entries_hold() {
    let site = site();
    site.build().unwrap();
    let verdicts = site.read("verdict/index.html");
    assert!(verdicts.contains(r#"<a href="/sheaf/verdict/must-read/">Must read</a> <span class="count">5 papers</span>"#), "{verdicts}");
    let statuses = site.read("status/index.html");
    assert!(statuses.contains(r#"<a href="/sheaf/status/reading/">Reading</a>"#));
    // 2025: papers 2, 5, 8, 11 (months 3, 6, 9, 12).
    let year = site.read("archive/2025/index.html");
    for month in ["December 2025", "September 2025", "June 2025", "March 2025"] {
        assert!(
            year.contains(&format!(
                ">{month}</a> <span class=\"count\">1 paper</span>"
            )),
            "{month}: {year}"
        );
    }
    assert!(!year.contains("2024</a>"));
    let archive = site.read("archive/index.html");
    assert!(archive.contains(r#"<a href="/sheaf/archive/2024/">2024</a>"#));
    for link in ["verdict/", "status/", "venue/", "top/"] {
        assert!(
            archive.contains(&format!("href=\"/sheaf/{link}\"")),
            "{link}"
        );
    }
    // One venue however it is spelt, named as its newest paper spells it;
    // a name with no letters has no page.
    let venues = site.read("venue/index.html");
    assert!(venues.contains(r#"<a href="/sheaf/venue/neurips-2024/">neurips 2024</a> <span class="count">4 papers</span>"#), "{venues}");
    assert!(venues.contains(r#"<a href="/sheaf/venue/icml-2023/">ICML 2023</a>"#));
    assert!(!venues.contains("!!!"));
    assert_eq!(
        venues.matches("href=\"/sheaf/venue/").count(),
        2,
        "{venues}"
    );
    let venue = site.read("venue/neurips-2024/index.html");
    assert!(venue.contains("4 papers · page 1 of 2"));
    assert!(venue.contains("/sheaf/venue/neurips-2024/page/2/"));

    let sitemap = site.read("sitemap.xml");
    for path in [
        "verdict/",
        "status/",
        "archive/2023/",
        "venue/",
        "venue/neurips-2024/",
        "venue/neurips-2024/page/2/",
        "top/",
    ] {
        assert!(
            sitemap.contains(&format!(
                "<loc>https://sheaf-digest.github.io/sheaf/{path}</loc>"
            )),
            "sitemap lacks {path}"
        );
    }
    // Pages that only lead elsewhere are not pages to index.
    assert!(!sitemap.contains("/page/</loc>"));
    assert!(!sitemap.contains("/papers/</loc>"));
}

/// The top view's rows: (title, figure) in order, per range heading.
fn top_rows(html: &str) -> BTreeMap<String, Vec<(String, String)>> {
    let range = regex::Regex::new(r#"<h3 class="top-range">(.*?)</h3>"#).unwrap();
    let row = regex::Regex::new(r#"<li><a href="[^"]*">([^<]*)</a>\s*<span class="meta facts"><span class="figure"><strong>(\d+)</strong>"#).unwrap();
    let tag = regex::Regex::new("<[^>]*>").unwrap();
    let mut out = BTreeMap::new();
    let heads: Vec<_> = range.captures_iter(html).collect();
    for (k, h) in heads.iter().enumerate() {
        let start = h.get(0).unwrap().end();
        let end = heads
            .get(k + 1)
            .map(|n| n.get(0).unwrap().start())
            .unwrap_or(html.len());
        let metric = html[..start]
            .rfind("<h2 id=\"top-")
            .map(|i| html[i + 12..].split('"').next().unwrap().to_string())
            .unwrap();
        let rows = row
            .captures_iter(&html[start..end])
            .map(|c| (c[1].to_string(), c[2].to_string()))
            .collect();
        let plain = tag.replace_all(&h[1], "");
        out.insert(format!("{metric}: {plain}"), rows);
    }
    out
}

/// Papers over five weeks, with upvotes, stars, both or neither.
fn top_site() -> TestSite {
    let files = [
        (
            "a.md",
            paper("Newest", "2025-05-07", None, Some(5), Some(1), ""),
        ),
        (
            "b.md",
            paper("Same week", "2025-05-01", None, Some(50), None, ""),
        ),
        (
            "c.md",
            paper("Week before", "2025-04-30", None, Some(500), None, ""),
        ),
        (
            "d.md",
            paper("Month edge", "2025-04-08", None, Some(50), Some(9), ""),
        ),
        (
            "e.md",
            paper("Too old", "2025-04-07", None, Some(900), None, ""),
        ),
        (
            "f.md",
            paper("No figures", "2025-05-06", None, None, None, ""),
        ),
    ];
    TestSite::with_owned_papers(&files.map(|(n, t)| (n.to_string(), t)))
}

#[test]
fn the_top_view_ranks_the_last_week_and_month_and_names_the_days() {
    let site = top_site();
    site.build().unwrap();
    let html = site.read("top/index.html");
    let rows = top_rows(&html);
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    let expected: BTreeMap<String, Vec<(String, String)>> = [
        (
            "upvotes: The week from 1 May 2025 to 7 May 2025",
            pairs(&[("Same week", "50"), ("Newest", "5")]),
        ),
        (
            "upvotes: The 30 days from 8 April 2025 to 7 May 2025",
            // A tie keeps the newer paper first.
            pairs(&[
                ("Week before", "500"),
                ("Same week", "50"),
                ("Month edge", "50"),
                ("Newest", "5"),
            ]),
        ),
        (
            "stars: The week from 1 May 2025 to 7 May 2025",
            pairs(&[("Newest", "1")]),
        ),
        (
            "stars: The 30 days from 8 April 2025 to 7 May 2025",
            pairs(&[("Month edge", "9"), ("Newest", "1")]),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(rows, expected, "{html}");
    // More entries hold upvotes: they come first. Each figure has its day.
    assert!(html.find("By upvotes").unwrap() < html.find("By stars").unwrap());
    assert!(html.contains(r#"<strong>1</strong> star</span><span class="as-of">as of <time datetime="2025-05-07">7 May 2025</time></span>"#), "{html}");
    assert!(site.read("sitemap.xml").contains("/sheaf/top/</loc>"));

    // No figures, no page and no link.
    let none = TestSite::with_papers(&[("a.md", &entry("A paper", ""))]);
    none.build().unwrap();
    assert!(!none.out().join("top").exists());
    assert!(!none.read("archive/index.html").contains("top/"));
    assert!(!none.read("sitemap.xml").contains("/top/"));
}

/// Edits of figures and venues in a session give what a full build gives.
#[test]
fn figure_and_venue_edits_rebuild_as_a_full_build_does() {
    type Edit = fn(String) -> String;
    type Make = fn() -> TestSite;
    let edits: [(Make, &str, &str, Edit); 5] = [
        // Reorders the top view without moving any paper elsewhere.
        (top_site, "a.md", "a figure", |t| {
            t.replace("upvotes: 5\n", "upvotes: 5000\n")
        }),
        (top_site, "d.md", "stars removed", |t| {
            t.replace("  stars: 9\n", "")
        }),
        // Figures where there were none: a new top range.
        (site, "p13.md", "new figures", |t| {
            t.replacen(
                "---\n",
                "---\nmetrics:\n  stars: 3\n  as_of: 2024-02-14\n",
                1,
            )
        }),
        (site, "p00.md", "figures removed", |t| {
            t.replace("metrics:\n  upvotes: 10\n  as_of: 2023-01-01\n", "")
        }),
        (site, "p01.md", "a venue", |t| {
            t.replace("ICML 2023", "NeurIPS 2024")
        }),
    ];
    for (make, file, name, edit) in edits {
        let site = make();
        let mut session = Session::new(site.root(), BuildOptions::default()).unwrap();
        let path = site.papers().join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let edited = edit(text.clone());
        assert_ne!(text, edited, "{name}: the edit changed nothing");
        std::fs::write(&path, edited).unwrap();
        session.apply(&[path]).unwrap();
        let fresh = Session::new(site.root(), BuildOptions::default()).unwrap();
        let differ = differing(&session_outputs(&session), &session_outputs(&fresh));
        assert!(
            differ.is_empty(),
            "{name}: incremental and full differ in {differ:?}"
        );
    }
}
