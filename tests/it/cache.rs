//! The cache of converted entries (`.sheaf-cache/`): a build with it makes
//! the same bytes as one without, follows every edit of an entry and of the
//! config, rewrites only what changed, and never fails a build, whatever
//! state the cache is in.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use sheaf::build::{build, BuildOptions, BuildReport};
use sheaf::io::cache::{Cache, DIR};
use sheaf::model::{DerivedSource, Earlier};

use crate::common::{entry, snapshot, TestSite};

fn build_into(site: &TestSite, out: &str, cache: bool) -> BuildReport {
    build(
        site.root(),
        &BuildOptions {
            output_dir: Some(site.root().join(out)),
            cache,
            ..BuildOptions::default()
        },
    )
    .unwrap()
}

fn shards(site: &TestSite) -> Vec<(PathBuf, SystemTime)> {
    let dir = site.root().join(DIR).join("derived");
    let mut found: Vec<(PathBuf, SystemTime)> = std::fs::read_dir(&dir)
        .map(|items| {
            items
                .map(|i| i.unwrap().path())
                .map(|p| {
                    let modified = std::fs::metadata(&p).unwrap().modified().unwrap();
                    (p, modified)
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

/// Builds `site` with and without the cache and compares the bytes.
fn cached_equals_uncached(site: &TestSite, step: &str) {
    build_into(site, "cached", true);
    build_into(site, "plain", false);
    assert!(
        snapshot(&site.root().join("cached")) == snapshot(&site.root().join("plain")),
        "the cached build differs after {step}"
    );
}

/// How many of the site's current entries the cache on disk holds.
fn cached_entries(root: &Path) -> (usize, usize) {
    let config = sheaf::io::load::config(root).unwrap();
    let cache = Cache::open(root, &config);
    let inputs = sheaf::io::load::load(config).unwrap();
    let hits = inputs
        .entries
        .iter()
        .filter(|e| cache.derived(&DerivedSource::from(&***e)).is_some())
        .count();
    (hits, cache.len())
}

#[test]
fn a_cached_build_makes_the_same_bytes_as_an_uncached_one() {
    let site = TestSite::bundled();
    build_into(&site, "plain", false);
    // Only the record of which files sheaf wrote, which lets the next
    // build clean the folder.
    let kept: Vec<_> = std::fs::read_dir(site.root().join(DIR))
        .unwrap()
        .map(|i| i.unwrap().file_name())
        .collect();
    assert_eq!(
        kept,
        ["owners"],
        "a build without the cache must not write one"
    );
    build_into(&site, "cold", true);
    let papers = std::fs::read_dir(site.papers()).unwrap().count();
    assert_eq!(cached_entries(site.root()), (papers, papers));
    build_into(&site, "warm", true);
    let plain = snapshot(&site.root().join("plain"));
    assert_eq!(plain, snapshot(&site.root().join("cold")));
    assert_eq!(plain, snapshot(&site.root().join("warm")));
}

#[test]
fn a_no_op_build_rewrites_no_shard_and_an_edit_rewrites_few() {
    let site = TestSite::with_owned_papers(
        &(0..40)
            .map(|i| (format!("p{i}.md"), entry(&format!("Paper {i}"), "")))
            .collect::<Vec<_>>(),
    );
    build_into(&site, "public", true);
    let before = shards(&site);
    assert!(!before.is_empty());
    // Timestamps are coarse on some file systems.
    std::thread::sleep(std::time::Duration::from_millis(20));
    build_into(&site, "public", true);
    assert_eq!(shards(&site), before, "a no-op build rewrote the cache");

    site.write_paper("p7.md", &entry("Paper 7, revised", ""));
    build_into(&site, "public", true);
    let after = shards(&site);
    let rewritten = after.iter().filter(|s| !before.contains(s)).count();
    assert!(
        (1..=2).contains(&rewritten),
        "one edit should rewrite at most two shards, not {rewritten}"
    );
    // The old version's record is gone; the new one is there.
    assert_eq!(cached_entries(site.root()), (40, 40));
    std::fs::remove_file(site.papers().join("p3.md")).unwrap();
    build_into(&site, "public", true);
    assert_eq!(cached_entries(site.root()), (39, 39));
}

#[test]
fn edits_to_an_entry_or_the_config_are_never_served_from_the_cache() {
    let site = TestSite::with_papers(&[
        ("a.md", &entry("First paper", "")),
        ("b.md", &entry("Second paper", "")),
    ]);
    build_into(&site, "public", true);
    assert!(site
        .read("papers/a/index.html")
        .contains("gaussian splatting"));

    // The abstract changes: the page follows.
    site.write_paper(
        "a.md",
        "---\ntitle: First paper\ndate: 2025-05-07\nabstract: |\n  Now about *diffusion* models.\n---\nNotes.\n",
    );
    build_into(&site, "public", true);
    let page = site.read("papers/a/index.html");
    assert!(page.contains("<em>diffusion</em>"), "{page}");
    assert!(!page.contains("gaussian splatting"));

    // A config change that alters conversions (a keyword rule files the
    // paper under another theme) takes effect on cached entries too.
    let config_path = site.root().join("site-config.yaml");
    let config = std::fs::read_to_string(&config_path).unwrap();
    let theme = sheaf::io::load::config(site.root()).unwrap().themes[0]
        .id
        .clone();
    assert!(!site
        .read(&format!("themes/{theme}/index.html"))
        .contains("Second paper"));
    let needle = format!("  - id: {theme}\n");
    assert!(config.contains(&needle), "the bundled config lists {theme}");
    let mut lines: Vec<String> = config.lines().map(str::to_string).collect();
    let at = lines.iter().position(|l| *l == needle.trim_end()).unwrap();
    let keywords = (at..lines.len())
        .find(|&i| lines[i].trim_start().starts_with("keywords:"))
        .unwrap();
    lines[keywords] = "    keywords: [gaussian splatting]".to_string();
    std::fs::write(&config_path, lines.join("\n") + "\n").unwrap();
    build_into(&site, "public", true);
    assert!(site
        .read(&format!("themes/{theme}/index.html"))
        .contains("Second paper"));
}

#[test]
fn a_corrupt_or_unwritable_cache_never_fails_a_build() {
    let site = TestSite::bundled();
    build_into(&site, "plain", false);
    let expected = snapshot(&site.root().join("plain"));
    build_into(&site, "public", true);

    // Every shard garbled, truncated or emptied.
    for (i, (path, _)) in shards(&site).into_iter().enumerate() {
        let bytes = std::fs::read(&path).unwrap();
        let broken = match i % 3 {
            0 => bytes.iter().map(|b| b ^ 0x5a).collect(),
            1 => bytes[..bytes.len() / 2].to_vec(),
            _ => Vec::new(),
        };
        std::fs::write(&path, broken).unwrap();
    }
    // And the related papers: a flipped byte in the middle.
    let related = site.root().join(DIR).join("related.bin");
    let mut bytes = std::fs::read(&related).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&related, bytes).unwrap();
    // Nothing changed: the build does nothing, and reads no conversion.
    let report = build_into(&site, "public", true);
    assert_eq!(report.rendered, 0);
    assert!(report.warnings.iter().all(|w| !w.message.contains("cache")));
    assert_eq!(snapshot(&site.root().join("public")), expected);
    // Into a new folder every page is made, from the damaged cache.
    let report = build_into(&site, "other", true);
    assert_eq!(report.rendered, report.pages);
    assert!(report.warnings.iter().all(|w| !w.message.contains("cache")));
    assert_eq!(snapshot(&site.root().join("other")), expected);
    // The rebuilt cache is whole again.
    let papers = std::fs::read_dir(site.papers()).unwrap().count();
    assert_eq!(cached_entries(site.root()).0, papers);

    // A file where the cache folder goes: the build succeeds and says why
    // the cache was not saved.
    std::fs::remove_dir_all(site.root().join(DIR)).unwrap();
    std::fs::write(site.root().join(DIR), "not a folder").unwrap();
    let report = build_into(&site, "public", true);
    assert_eq!(snapshot(&site.root().join("public")), expected);
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.message.contains("could not save the cache")),
        "{:?}",
        report.warnings
    );
}

#[test]
fn after_edits_a_cached_build_equals_an_uncached_one() {
    let paper = |title: &str, topic: &str, notes: &str| {
        format!("---\ntitle: {title:?}\ndate: 2025-05-07\nabstract: |\n  We study {topic} with {topic} benchmarks and new {topic} methods.\n---\n{notes}\n")
    };
    let site = TestSite::with_owned_papers(&[
        (
            "a.md".into(),
            paper("Alpha", "gaussian splatting", "Notes."),
        ),
        ("b.md".into(), paper("Beta", "gaussian splatting", "Notes.")),
        (
            "c.md".into(),
            paper("Gamma", "diffusion sampling", "Notes."),
        ),
        (
            "d.md".into(),
            paper("Delta", "diffusion sampling", "Notes."),
        ),
    ]);
    let same = |step: &str| cached_equals_uncached(&site, step);
    same("the first build");
    // Related papers change: Gamma moves to the other topic.
    site.write_paper("c.md", &paper("Gamma", "gaussian splatting", "Notes."));
    same("an abstract edit");
    let page = std::fs::read_to_string(site.root().join("cached/papers/c/index.html")).unwrap();
    let related = &page[page.find("Related").expect("a related list")..];
    assert!(related.contains("Alpha"), "{related}");
    // Notes only: related papers stay, the page changes.
    site.write_paper(
        "c.md",
        &paper("Gamma", "gaussian splatting", "New *notes*."),
    );
    same("a notes edit");
    std::fs::remove_file(site.papers().join("b.md")).unwrap();
    same("a deletion");
}

#[test]
fn output_files_changed_behind_sheafs_back_are_put_back() {
    let site = TestSite::bundled();
    build_into(&site, "public", true);
    let expected = snapshot(&site.out());
    let page = site.out().join("index.html");
    let original = std::fs::read(&page).unwrap();
    // Same length, other bytes; after a pause, since older kernels keep
    // change times in ticks of a few milliseconds.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let tampered: Vec<u8> = original.iter().map(|b| b.to_ascii_uppercase()).collect();
    assert_ne!(tampered, original);
    std::fs::write(&page, &tampered).unwrap();
    std::fs::remove_file(site.out().join("style.css")).unwrap();
    std::fs::write(site.out().join("stray.html"), "not sheaf's").unwrap();
    let report = build_into(&site, "public", true);
    // A file sheaf did not write is left alone, and named.
    assert_eq!((report.write.written, report.write.removed), (2, 0));
    assert!(report
        .warnings
        .iter()
        .any(|w| w.to_string().contains("stray.html")));
    std::fs::remove_file(site.out().join("stray.html")).unwrap();
    assert_eq!(snapshot(&site.out()), expected);
}

#[test]
fn each_field_a_conversion_reads_is_in_its_key() {
    let site = TestSite::with_papers(&[
        (
            "a.md",
            &entry("First paper", "authors: [Ada Lovelace]\ntags: [alpha]\n"),
        ),
        ("b.md", &entry("Second paper", "")),
    ]);
    let theme = sheaf::io::load::config(site.root()).unwrap().themes[0]
        .id
        .clone();
    let same = |step: &str| cached_equals_uncached(&site, step);
    same("the first build");
    let edits = [
        (
            "authors",
            "authors: [Grace Hopper]\ntags: [alpha]\n".to_string(),
        ),
        (
            "tags",
            "authors: [Grace Hopper]\ntags: [beta]\n".to_string(),
        ),
        (
            "themes",
            format!("authors: [Grace Hopper]\ntags: [beta]\nthemes: [{theme}]\n"),
        ),
    ];
    for (field, extra) in edits {
        site.write_paper("a.md", &entry("First paper", &extra));
        same(&format!("an edit of {field}"));
    }
}

#[test]
fn the_cache_folder_cannot_be_the_output_folder() {
    let site = TestSite::bundled();
    let result = build(
        site.root(),
        &BuildOptions {
            output_dir: Some(site.root().join(DIR)),
            cache: true,
            ..BuildOptions::default()
        },
    );
    match result {
        Err(e @ sheaf::Error::UnsafeOutput { .. }) => {
            assert!(e.to_string().contains(".sheaf-cache"), "{e}")
        }
        other => panic!("expected a refusal, got {:?}", other.map(|r| r.output_dir)),
    }
}

#[test]
fn config_edits_that_conversions_do_not_read_keep_the_cache() {
    let site = TestSite::bundled();
    build_into(&site, "public", true);
    let before = shards(&site);
    std::thread::sleep(std::time::Duration::from_millis(20));
    let config = site.root().join("site-config.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    let retitled = text.replacen("title: \"", "title: \"Renamed: ", 1);
    assert_ne!(retitled, text);
    std::fs::write(&config, &retitled).unwrap();
    build_into(&site, "public", true);
    assert_eq!(
        shards(&site),
        before,
        "a new site title re-converted entries"
    );
    build_into(&site, "plain", false);
    assert_eq!(snapshot(&site.out()), snapshot(&site.root().join("plain")));
    assert!(site.read("index.html").contains("Renamed: "));

    // The base URL is in every converted link: that edit starts afresh.
    let moved = retitled.replace("github.io/sheaf/", "github.io/digest/");
    std::fs::write(&config, moved).unwrap();
    build_into(&site, "public", true);
    let after = shards(&site);
    assert!(after.iter().all(|s| !before.contains(s)));
    build_into(&site, "plain", false);
    assert_eq!(snapshot(&site.out()), snapshot(&site.root().join("plain")));
}

#[test]
fn entries_with_the_same_sources_do_not_make_a_no_op_build_rewrite_the_cache() {
    // Two files with the same fields have one record: their shard must
    // still count as unchanged.
    let mut files: Vec<(String, String)> = (0..20)
        .map(|i| (format!("p{i}.md"), entry(&format!("Paper {i}"), "")))
        .collect();
    files.push(("p0-copy.md".into(), entry("Paper 0", "")));
    let site = TestSite::with_owned_papers(&files);
    build_into(&site, "public", true);
    let before = shards(&site);
    std::thread::sleep(std::time::Duration::from_millis(20));
    build_into(&site, "public", true);
    assert_eq!(shards(&site), before, "a no-op build rewrote the cache");
}
