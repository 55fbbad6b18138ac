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
    assert!(page.contains("data-download=\"bibtex\""));
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
