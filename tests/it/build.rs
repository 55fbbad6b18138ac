//! Building the bundled digest into a temporary folder and reading it back.

use std::collections::HashSet;
use std::path::Path;

use crate::common::*;

fn built() -> TestSite {
    let site = TestSite::bundled();
    let report = site.build().expect("the bundled digest builds");
    assert_eq!(report.papers, 120);
    site
}

fn files(dir: &Path) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect()
}

#[test]
fn writes_every_page_kind() {
    let site = built();
    let all = files(&site.out());
    let count = |prefix: &str, suffix: &str| {
        all.iter()
            .filter(|f| f.starts_with(prefix) && f.ends_with(suffix))
            .filter(|f| **f != format!("{prefix}index.html"))
            .count()
    };
    assert_eq!(count("papers/", "/index.html"), 120);
    let config = sheaf::io::load::config(site.root()).unwrap();
    // One page and one feed per theme, plus the catch-all.
    assert_eq!(count("themes/", "/index.html"), config.themes.len() + 1);
    assert_eq!(count("themes/", "/atom.xml"), config.themes.len() + 1);
    assert!(count("tags/", "/index.html") >= 5);
    assert!(all.contains(&"archive/2025/05/index.html".to_string()));
    for f in [
        "index.html",
        "themes/index.html",
        "tags/index.html",
        "archive/index.html",
        "404.html",
        "atom.xml",
        "rss.xml",
        "sitemap.xml",
        "robots.txt",
        ".nojekyll",
        "style.css",
        "syntax.css",
    ] {
        assert!(all.contains(&f.to_string()), "{f} missing");
    }
}

#[test]
fn paper_page_has_cleaned_abstract_and_links() {
    let site = built();
    let page =
        site.read("papers/miniplm-knowledge-distillation-for-pre-training-language/index.html");
    assert!(page.contains("<h1"), "has a title heading");
    assert!(page.contains("MiniPLM: Knowledge Distillation for Pre-Training Language Models"));
    assert!(
        page.contains("href=\"https://github.com/thu-coai/MiniPLM\""),
        "code link without the trailing period"
    );
    assert!(!page.contains("href=\"https://github.com/thu-coai/MiniPLM.\""));
    let canonical = "<link rel=\"canonical\" href=\"https://sheaf-digest.github.io/sheaf/papers/miniplm-knowledge-distillation-for-pre-training-language/\">";
    assert!(page.contains(canonical));

    let page =
        site.read("papers/stelocoder-a-decoder-only-llm-for-multi-language-to-python/index.html");
    assert!(page.contains("Rozière"), "TeX accent cleaned");
    let page =
        site.read("papers/videollm-mod-efficient-video-language-streaming-with-mixture/index.html");
    assert!(page.contains("~42% time"), "\\textasciitilde42\\% cleaned");
    assert!(!page.contains("\\%") && !page.contains("textasciitilde"));
    let page = site.read("papers/can-we-learn-better-with-hard-samples/index.html");
    assert!(page.contains("delta (δ)"));
    let page =
        site.read("papers/enhancing-llm-reasoning-via-critique-models-with-test-time/index.html");
    assert_eq!(
        page.matches("href=\"https://mathcritique.github.io/\"")
            .count(),
        1,
        "one link, not a mangled one"
    );
    assert!(!without_bibtex(&page).contains("{https://"));
}

/// A page without the parts that are TeX on purpose: the BibTeX block and
/// the TeX source annotations of formulas.
fn without_bibtex(page: &str) -> String {
    let mut out = page.to_string();
    for (open, close) in [
        ("<pre class=\"bibtex\"", "</pre>"),
        ("<annotation", "</annotation>"),
    ] {
        while let Some(start) = out.find(open) {
            let end = start + out[start..].find(close).unwrap_or(open.len()) + close.len();
            out.replace_range(start..end.min(out.len()), "");
        }
    }
    out
}

#[test]
fn no_tex_residue_anywhere() {
    let site = built();
    let residue = regex::Regex::new(r"\\(%|`|'|textasciitilde|delta)|\{\\").unwrap();
    for f in files(&site.out())
        .iter()
        .filter(|f| f.ends_with(".html") || f.ends_with(".xml"))
    {
        let text = without_bibtex(&site.read(f));
        assert!(!residue.is_match(&text), "TeX residue in {f}");
    }
}

#[test]
fn themes_group_papers() {
    let site = built();
    let splatting = site.read("themes/vision-3d/index.html");
    for slug in [
        "mvgs-multi-view-regulated-gaussian-splatting-for-novel-view",
        "wild-gs-real-time-novel-view-synthesis-from-unconstrained",
        "real-time-photorealistic-dynamic-scene-representation-and",
    ] {
        assert!(
            splatting.contains(&format!("/sheaf/papers/{slug}/")),
            "{slug} in vision-3d"
        );
    }
    let rl = site.read("themes/reinforcement-learning/index.html");
    assert!(rl.contains("/sheaf/papers/online-difficulty-filtering-for-reasoning-oriented/"));
    assert!(!rl.contains("/sheaf/papers/layer-normalization/"));
    // The catch-all holds few papers.
    let other = site.read("themes/other/index.html");
    assert!(other.matches("/sheaf/papers/").count() <= 6);
}

#[test]
fn feeds_parse_and_link_under_the_sub_path() {
    let site = built();
    for path in ["atom.xml", "rss.xml", "themes/vision-3d/atom.xml"] {
        let feed = feed_rs::parser::parse(site.read(path).as_bytes())
            .unwrap_or_else(|e| panic!("{path} does not parse: {e}"));
        assert!(!feed.entries.is_empty(), "{path} has entries");
        for entry in &feed.entries {
            let link = &entry.links[0].href;
            assert!(
                link.starts_with("https://sheaf-digest.github.io/sheaf/papers/"),
                "{link}"
            );
            assert!(entry.title.is_some());
        }
    }
    let atom = feed_rs::parser::parse(site.read("atom.xml").as_bytes()).unwrap();
    assert_eq!(atom.entries.len(), sheaf::produce::render::FEED_SIZE);
    let sitemap = site.read("sitemap.xml");
    assert_eq!(
        sitemap
            .matches("<loc>https://sheaf-digest.github.io/sheaf/papers/")
            .count(),
        120
    );
    assert!(site
        .read("robots.txt")
        .contains("Sitemap: https://sheaf-digest.github.io/sheaf/sitemap.xml"));
}

/// Every root-relative link and asset in every page is under the base path
/// and names a file the build wrote, as GitHub Pages would serve it.
#[test]
fn internal_links_resolve_under_the_sub_path() {
    let site = built();
    let out = site.out();
    let all: HashSet<String> = files(&out).into_iter().collect();
    let attr = regex::Regex::new(r#"(?:href|src)="([^"]*)""#).unwrap();
    let mut checked = 0;
    for f in all.iter().filter(|f| f.ends_with(".html")) {
        let page = site.read(f);
        for cap in attr.captures_iter(&page) {
            let url = &cap[1];
            if url.starts_with("http") || url.starts_with("mailto:") || url.starts_with('#') {
                continue;
            }
            assert!(
                url.starts_with("/sheaf/"),
                "{f}: link {url} is not under the base path"
            );
            let path = url.trim_start_matches("/sheaf/").split('#').next().unwrap();
            let target = if path.is_empty() || path.ends_with('/') {
                format!("{path}index.html")
            } else {
                path.to_string()
            };
            assert!(all.contains(&target), "{f}: link {url} resolves to nothing");
            checked += 1;
        }
    }
    assert!(checked > 1000, "only {checked} links checked");
}

#[test]
fn base_url_override_moves_every_link() {
    let site = TestSite::bundled();
    sheaf::build::build(
        site.root(),
        &sheaf::build::BuildOptions {
            base_url: Some("https://example.org/".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let index = site.read("index.html");
    assert!(index.contains("href=\"/papers/"));
    assert!(!index.contains("/sheaf/"));
}

#[test]
fn a_build_that_changes_nothing_writes_nothing() {
    let site = built();
    let before = std::fs::metadata(site.out().join("index.html"))
        .unwrap()
        .modified()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let report = site.build().unwrap();
    assert_eq!(report.write.written, 0);
    assert_eq!(report.write.removed, 0);
    let after = std::fs::metadata(site.out().join("index.html"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(before, after);
}

#[test]
fn stale_files_are_removed_and_drafts_hidden() {
    let site = built();
    let paper = site.papers().join("layer-normalization.md");
    let text = std::fs::read_to_string(&paper).unwrap();
    std::fs::write(&paper, text.replacen("---\n", "---\ndraft: true\n", 1)).unwrap();
    let report = site.build().unwrap();
    assert_eq!(report.papers, 119);
    assert!(report.write.removed >= 1);
    assert!(!site
        .out()
        .join("papers/layer-normalization/index.html")
        .exists());
    assert!(!site.read("index.html").contains("layer-normalization"));
    // Previews can show drafts.
    let report = sheaf::build::build(
        site.root(),
        &sheaf::build::BuildOptions {
            drafts: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(report.papers, 120);
}

#[test]
fn notes_markdown_features() {
    let notes = "## Why it matters\n\nSee [the other paper](@/papers/b.md) and <span onclick=\"x()\">this</span>.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\ndef f():\n    return 1\n```\n\n- [x] read it\n";
    let a = entry("Paper A", "").replace("Notes.\n", notes);
    let site = TestSite::with_papers(&[("a.md", &a), ("b.md", &entry("Paper B", ""))]);
    site.build().unwrap();
    let page = site.read("papers/a/index.html");
    assert!(page.contains("id=\"why-it-matters\""), "heading anchor");
    assert!(
        page.contains("href=\"/sheaf/papers/b/\""),
        "link between entries"
    );
    assert!(!page.contains("onclick"), "raw HTML sanitised");
    assert!(page.contains("<table>"));
    assert!(page.contains("class=\"hl-"), "code highlighted");
    assert!(page.contains("type=\"checkbox\""));
}

#[test]
fn verdict_and_status_lists() {
    let site = built();
    let must = site.read("verdict/must-read/index.html");
    assert!(must.contains("/sheaf/papers/layer-normalization/"));
    assert!(must.contains("/sheaf/papers/online-difficulty-filtering-for-reasoning-oriented/"));
    assert!(!must.contains("/sheaf/papers/tapered-off-policy-reinforce-stable-and-efficient/"));
    let reading = site.read("status/reading/index.html");
    assert!(reading.contains("/sheaf/papers/tapered-off-policy-reinforce-stable-and-efficient/"));
    // Badges link to those lists.
    let page = site.read("papers/layer-normalization/index.html");
    assert!(page.contains("href=\"/sheaf/verdict/must-read/\""));
    assert!(page.contains("href=\"/sheaf/status/read/\""));
    // Verdicts nobody uses have no page.
    assert!(!site.out().join("verdict/skip").exists());
}

#[test]
fn related_papers_make_sense() {
    let site = built();
    let page =
        site.read("papers/mvgs-multi-view-regulated-gaussian-splatting-for-novel-view/index.html");
    let start = page.find("class=\"related-list\"").expect("a related list");
    let list = &page[start..start + page[start..].find("</ol>").unwrap()];
    let hrefs: Vec<&str> = list
        .split("href=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    assert_eq!(hrefs.len(), 5, "{list}");
    // The three nearest are the other Gaussian-splatting papers.
    for slug in [
        "wild-gs-real-time-novel-view-synthesis-from-unconstrained",
        "real-time-photorealistic-dynamic-scene-representation-and",
        "citygaussianv2-efficient-and-geometrically-accurate",
    ] {
        assert!(
            hrefs[..3].contains(&format!("/sheaf/papers/{slug}/").as_str()),
            "{slug} not in {hrefs:?}"
        );
    }
    assert!(!hrefs.iter().any(|h| h.contains("mvgs")), "not itself");
}

/// Builds the site into `out` (the cache on or off).
fn build_to(site: &TestSite, out: &Path, cache: bool) -> sheaf::Result<sheaf::build::BuildReport> {
    sheaf::build::build(
        site.root(),
        &sheaf::build::BuildOptions {
            output_dir: Some(out.to_path_buf()),
            cache,
            ..Default::default()
        },
    )
}

/// A folder of the user's: a document, a page, a nested file.
fn users_folder(dir: &Path) {
    std::fs::create_dir_all(dir.join("drafts")).unwrap();
    std::fs::write(dir.join("thesis.tex"), "\\documentclass{article}").unwrap();
    std::fs::write(dir.join("index.html"), "<p>my own page</p>").unwrap();
    std::fs::write(dir.join("drafts/plan.md"), "# plan").unwrap();
}

#[test]
fn a_folder_sheaf_did_not_make_is_refused_and_left_byte_for_byte() {
    let site = TestSite::bundled();
    let docs = site.root().join("Documents");
    users_folder(&docs);
    let before = snapshot(&docs);
    for cache in [true, false] {
        let err = build_to(&site, &docs, cache).unwrap_err().to_string();
        assert!(
            err.contains("did not write") && err.contains("thesis.tex"),
            "{err}"
        );
        assert!(err.contains("empty the folder"), "{err}");
        assert_eq!(snapshot(&docs), before, "the user's folder changed");
    }
    // Staging never lingers, beside the folder or in it.
    let names: Vec<_> = std::fs::read_dir(site.root())
        .unwrap()
        .map(|i| i.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains("staging")), "{names:?}");
    // The same through the config's output_dir, and for `watch`'s write.
    let config = site.root().join("site-config.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("output_dir: public", "output_dir: Documents"),
    )
    .unwrap();
    assert!(site.build().unwrap_err().to_string().contains("thesis.tex"));
    let session =
        sheaf::build::Session::new(site.root(), sheaf::build::BuildOptions::default()).unwrap();
    let err = session
        .write(&docs, &mut Vec::new())
        .unwrap_err()
        .to_string();
    assert!(err.contains("thesis.tex"), "{err}");
    assert_eq!(snapshot(&docs), before, "the user's folder changed");
    // Emptied, it is taken.
    std::fs::remove_dir_all(&docs).unwrap();
    std::fs::create_dir(&docs).unwrap();
    let report = site.build().unwrap();
    assert_eq!(report.write.removed, 0);
    assert!(docs.join("papers/layer-normalization/index.html").exists());
}

#[test]
fn files_added_to_sheafs_folder_are_kept_while_stale_ones_go() {
    let site = built();
    std::fs::write(site.out().join("CNAME"), "papers.example.org").unwrap();
    std::fs::write(site.out().join("papers/notes.txt"), "mine").unwrap();
    let paper = site.papers().join("layer-normalization.md");
    let text = std::fs::read_to_string(&paper).unwrap();
    std::fs::write(&paper, text.replacen("---\n", "---\ndraft: true\n", 1)).unwrap();
    let report = site.build().unwrap();
    assert!(report.write.removed >= 1, "{:?}", report.write);
    assert!(!site.out().join("papers/layer-normalization").exists());
    assert_eq!(site.read("CNAME"), "papers.example.org");
    assert_eq!(site.read("papers/notes.txt"), "mine");
    let warned: String = report.warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        warned.contains("CNAME") && warned.contains("1 more"),
        "{warned}"
    );
}

/// What an older sheaf left: an output folder and, with the cache, its
/// manifest, but no ownership record.
fn forget_ownership(site: &TestSite) {
    let owners = site.root().join(".sheaf-cache/owners");
    assert!(owners.exists(), "the build recorded its files");
    std::fs::remove_dir_all(owners).unwrap();
}

#[test]
fn an_older_sheafs_output_is_still_sheafs() {
    // Built with the cache: its manifest knows every file, so a stale
    // page goes.
    let site = TestSite::bundled();
    build_to(&site, &site.out(), true).unwrap();
    forget_ownership(&site);
    let paper = site.papers().join("layer-normalization.md");
    let text = std::fs::read_to_string(&paper).unwrap();
    std::fs::write(&paper, text.replacen("---\n", "---\ndraft: true\n", 1)).unwrap();
    let report = build_to(&site, &site.out(), true).unwrap();
    assert!(report.write.removed >= 1, "{:?}", report.write);
    assert!(!site.out().join("papers/layer-normalization").exists());
    std::fs::write(&paper, &text).unwrap();

    // Built without the cache: nothing knows its files, but every one is
    // a file this build writes, so nothing would be removed.
    let plain = site.root().join("plain");
    build_to(&site, &plain, false).unwrap();
    std::fs::remove_dir_all(site.root().join(".sheaf-cache")).unwrap();
    let report = build_to(&site, &plain, false).unwrap();
    assert_eq!((report.write.written, report.write.removed), (0, 0));
    // And from then on it is recorded as sheaf's.
    std::fs::write(&paper, &text).unwrap();
    build_to(&site, &plain, false).unwrap();
    std::fs::write(&paper, text.replacen("---\n", "---\ndraft: true\n", 1)).unwrap();
    let report = build_to(&site, &plain, false).unwrap();
    assert!(report.write.removed >= 1, "{:?}", report.write);

    // Without any record, a stale page makes the folder unknown: refused,
    // saying what to do.
    std::fs::write(&paper, &text).unwrap();
    build_to(&site, &plain, false).unwrap();
    std::fs::remove_dir_all(site.root().join(".sheaf-cache")).unwrap();
    std::fs::write(&paper, text.replacen("---\n", "---\ndraft: true\n", 1)).unwrap();
    let err = build_to(&site, &plain, false).unwrap_err().to_string();
    assert!(err.contains("papers/layer-normalization/"), "{err}");
    assert!(plain.join("papers/layer-normalization/index.html").exists());
}

#[cfg(unix)]
#[test]
fn an_output_that_is_a_link_stays_a_link() {
    let site = TestSite::bundled();
    let real = site.root().join("elsewhere/site");
    std::fs::create_dir_all(&real).unwrap();
    std::os::unix::fs::symlink(&real, site.out()).unwrap();
    site.build().unwrap();
    let paper = site.papers().join("layer-normalization.md");
    let text = std::fs::read_to_string(&paper).unwrap();
    std::fs::write(&paper, text.replace("title:", "featured: true\ntitle:")).unwrap();
    let report = site.build().unwrap();
    assert!(report.write.written > 0);
    assert!(site.out().is_symlink());
    assert!(real.join("papers/layer-normalization/index.html").exists());
    // Staging went beside the folder the files are in, and is gone.
    let beside: Vec<_> = std::fs::read_dir(site.root().join("elsewhere"))
        .unwrap()
        .map(|i| i.unwrap().file_name())
        .collect();
    assert_eq!(beside, ["site"]);
}

#[test]
fn a_build_after_one_killed_in_its_commit_finishes_it_and_cleans_up() {
    let site = built();
    let before = snapshot(&site.out());
    // What a build killed between hiding the output and putting it back
    // leaves: the folder inside the staging folder, nothing left to move.
    let staging = site.root().join(".public.sheaf-staging");
    std::fs::create_dir_all(staging.join("files")).unwrap();
    std::fs::rename(site.out(), staging.join("site")).unwrap();
    assert!(!site.out().exists());
    // The next build, after an edit that makes a page stale.
    let paper = site.papers().join("layer-normalization.md");
    let text = std::fs::read_to_string(&paper).unwrap();
    std::fs::write(&paper, text.replacen("---\n", "---\ndraft: true\n", 1)).unwrap();
    let report = site.build().unwrap();
    assert!(report.write.removed >= 1, "{:?}", report.write);
    assert!(!staging.exists());
    std::fs::write(&paper, &text).unwrap();
    site.build().unwrap();
    assert_eq!(snapshot(&site.out()), before);
}

#[test]
fn an_output_path_that_is_a_file_is_said_to_be_one() {
    let site = TestSite::bundled();
    let file = site.root().join("notes.txt");
    std::fs::write(&file, "mine").unwrap();
    let err = build_to(&site, &file, false).unwrap_err().to_string();
    assert!(err.contains("is a file"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
}
