//! An incremental rebuild must give exactly what a full build of the same
//! files gives, whatever the edit, while rendering less.

use crate::common::*;
use sheaf::build::{BuildOptions, Session};

/// Applies `edit` to a live session and compares with a fresh build.
fn check(
    name: &str,
    edit: impl FnOnce(&TestSite) -> Vec<std::path::PathBuf>,
) -> sheaf::build::Update {
    let site = TestSite::bundled();
    let mut session = Session::new(site.root(), BuildOptions::default()).unwrap();
    let changed = edit(&site);
    let update = session.apply(&changed).unwrap();
    let fresh = Session::new(site.root(), BuildOptions::default()).unwrap();
    let (a, b) = (session_outputs(&session), session_outputs(&fresh));
    let differ = differing(&a, &b);
    if let Some(k) = differ.first() {
        let x = String::from_utf8_lossy(a.get(k).map(|v| v.as_slice()).unwrap_or(b""));
        let y = String::from_utf8_lossy(b.get(k).map(|v| v.as_slice()).unwrap_or(b""));
        for (l1, l2) in x.lines().zip(y.lines()) {
            if l1 != l2 {
                eprintln!("DIFF {k}:\n  incremental: {l1}\n  full:        {l2}");
                break;
            }
        }
    }
    assert!(
        differ.is_empty(),
        "{name}: incremental and full builds differ in {differ:?}"
    );
    update
}

fn rewrite(
    site: &TestSite,
    slug: &str,
    f: impl FnOnce(String) -> String,
) -> Vec<std::path::PathBuf> {
    let path = site.papers().join(format!("{slug}.md"));
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, f(text)).unwrap();
    vec![path]
}

const PAPER: &str = "layer-normalization";

#[test]
fn notes_edit_renders_only_what_shows_the_notes() {
    let update = check("notes", |s| rewrite(s, PAPER, |t| t + "\nNew notes.\n"));
    // The page and the search index (the shard of the two new words, "new"
    // and "notes", packed in one file; not the fragment, whose snippet text
    // is the abstract's first 1,000 bytes) change; no list, nor papers.json
    // (which holds no notes).
    let mut changed = update.changed.clone();
    changed.sort();
    let (search, pages): (Vec<String>, Vec<String>) =
        changed.into_iter().partition(|p| p.starts_with("search/"));
    assert_eq!(pages, ["papers/layer-normalization/index.html"]);
    assert_eq!(search.len(), 1, "{search:?}");
    assert!(search[0].starts_with("search/t/wn"), "{search:?}");
    assert!(!update.full);
    assert!(update.rendered < 10, "rendered {}", update.rendered);
}

#[test]
fn a_doi_edit_updates_the_bundles_and_no_list() {
    let update = check("doi", |s| {
        rewrite(s, PAPER, |t| {
            t.replacen("---\n", "---\ndoi: \"10.5555/layer-norm.2016\"\n", 1)
        })
    });
    assert!(!update.full);
    for bundle in ["papers.json", "papers.bib"] {
        assert!(
            update.changed.iter().any(|p| p == bundle),
            "{bundle}: {:?}",
            update.changed
        );
    }
    // Lists show no DOI.
    assert!(
        !update
            .changed
            .iter()
            .any(|p| p.starts_with("tags/") || p.starts_with("archive/")),
        "{:?}",
        update.changed
    );
}

#[test]
fn abstract_edit_updates_lists_and_feeds() {
    let update = check("abstract", |s| {
        rewrite(s, PAPER, |t| {
            t.replace("Training state-of-the-art", "Training modern")
        })
    });
    assert!(!update.full);
    assert!(
        update.changed.iter().any(|p| p.starts_with("themes/")),
        "{:?}",
        update.changed
    );
}

#[test]
fn structural_edits_match_a_full_build() {
    check("title", |s| {
        rewrite(s, PAPER, |t| {
            t.replace(
                "title: \"Layer Normalization\"",
                "title: \"Zeta Normalization\"",
            )
        })
    });
    check("themes", |s| {
        rewrite(s, PAPER, |t| {
            t.replacen("date:", "themes: [vision-3d]\ndate:", 1)
        })
    });
    check("tags", |s| {
        rewrite(s, PAPER, |t| {
            t.replacen("date:", "tags: [brand-new-tag]\ndate:", 1)
        })
    });
    check("date", |s| {
        rewrite(s, PAPER, |t| {
            t.replace("date: 2025-05-07", "date: 2024-01-02")
        })
    });
    check("draft", |s| {
        rewrite(s, PAPER, |t| t.replacen("date:", "draft: true\ndate:", 1))
    });
    check("verdict", |s| {
        rewrite(s, PAPER, |t| {
            t.replace("verdict: must-read", "verdict: skip")
        })
    });
    check("featured", |s| {
        rewrite(s, PAPER, |t| {
            t.replacen("date:", "featured: true\ndate:", 1)
        })
    });
    check("add", |s| {
        let path = s.papers().join("a-new-paper.md");
        std::fs::write(&path, entry("A new paper", "")).unwrap();
        vec![path]
    });
    check("remove", |s| {
        let path = s.papers().join(format!("{PAPER}.md"));
        std::fs::remove_file(&path).unwrap();
        vec![path]
    });
    check("rename", |s| {
        let from = s.papers().join(format!("{PAPER}.md"));
        let to = s.papers().join("layer-norm.md");
        std::fs::rename(&from, &to).unwrap();
        vec![from, to]
    });
}

#[test]
fn template_and_static_edits_match_a_full_build() {
    let update = check("template", |s| {
        let path = s.root().join("themes/default/templates/paper.html");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(
            &path,
            text.replace(
                "<h2 id=\"abstract-title\">Abstract</h2>",
                "<h2 id=\"abstract-title\">Summary</h2>",
            ),
        )
        .unwrap();
        vec![path]
    });
    assert!(update.full);
    // A template and the config saved together (a checkout): the config
    // counts, whichever comes first. The new base path is in the notes'
    // `@/` links, which only converting the entries again can change.
    check("template and config", |s| {
        let template = s.root().join("themes/default/templates/paper.html");
        let text = std::fs::read_to_string(&template).unwrap();
        std::fs::write(&template, text.replace("Abstract</h2>", "Summary</h2>")).unwrap();
        let config = s.root().join("site-config.yaml");
        let text = std::fs::read_to_string(&config).unwrap();
        std::fs::write(
            &config,
            text.replace("github.io/sheaf/", "github.io/digest/"),
        )
        .unwrap();
        vec![template, config]
    });
    let update = check("static", |s| {
        let path = s.root().join("themes/default/static/extra.css");
        std::fs::write(&path, "p { color: red }").unwrap();
        vec![path]
    });
    assert_eq!(update.changed, ["extra.css"]);
    check("config", |s| {
        let path = s.root().join("site-config.yaml");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(
            &path,
            text.replace("front_page_size: 20", "front_page_size: 5"),
        )
        .unwrap();
        vec![path]
    });
}

#[test]
fn a_failed_rebuild_keeps_the_last_good_outputs() {
    let site = TestSite::bundled();
    let mut session = Session::new(site.root(), BuildOptions::default()).unwrap();
    let before = session_outputs(&session);
    let changed = rewrite(&site, PAPER, |t| {
        t.replace("date: 2025-05-07", "date: never")
    });
    let err = session.apply(&changed).unwrap_err().to_string();
    assert!(
        err.contains("content/papers/layer-normalization.md:"),
        "{err}"
    );
    assert!(session.failed());
    assert_eq!(session_outputs(&session), before);
    let changed = rewrite(&site, PAPER, |t| {
        t.replace("date: never", "date: 2025-05-07")
    });
    session.apply(&changed).unwrap();
    assert!(!session.failed());
}

#[test]
fn edits_that_keep_papers_in_place_take_the_fast_path_and_match_a_full_build() {
    // A new link to another paper keeps every paper in its place.
    let update = check("link", |s| {
        rewrite(s, PAPER, |t| {
            t + "\nSee also [1-bit Adam](@/papers/1-bit-adam-communication-efficient-large-scale-training-with.md).\n"
        })
    });
    assert!(!update.full);

    // A link to a paper that does not exist is an error, reported with
    // the file, and the last good outputs stay.
    let site = TestSite::bundled();
    let mut session = Session::new(site.root(), BuildOptions::default()).unwrap();
    let before = session_outputs(&session);
    let changed = rewrite(&site, PAPER, |t| {
        t + "\n[gone](@/papers/no-such-paper.md)\n"
    });
    let err = session.apply(&changed).unwrap_err().to_string();
    assert!(
        err.contains("layer-normalization.md") && err.contains("no-such-paper"),
        "{err}"
    );
    assert_eq!(session_outputs(&session), before);
}

#[test]
fn respelling_a_tag_its_first_paper_names_matches_a_full_build() {
    // A tag is shown as the first paper using it spells it: respelling it
    // there renames the tag on every page that shows it.
    let update = check("tag spelling", |s| {
        rewrite(
            s,
            "1-5-pints-technical-report-pretraining-in-days-not-months",
            |t| t.replacen("\"llm\"", "\"LLM\"", 1),
        )
    });
    assert!(update.full);
}

#[test]
fn a_word_added_then_removed_leaves_no_search_shard_behind() {
    let site = TestSite::bundled();
    let mut session = Session::new(site.root(), BuildOptions::default()).unwrap();
    let path = site.papers().join(format!("{PAPER}.md"));
    let original = std::fs::read_to_string(&path).unwrap();
    // A word of a first letter no other word has: its shard ("ωμ", in
    // hex) is new, and goes with it.
    std::fs::write(&path, format!("{original}\nAn ωμέγα appears.\n")).unwrap();
    let added = session.apply(std::slice::from_ref(&path)).unwrap();
    assert!(
        added
            .changed
            .contains(&"search/t/ucf89cebc.json.gz".to_string()),
        "{added:?}"
    );
    std::fs::write(&path, &original).unwrap();
    let removed = session.apply(std::slice::from_ref(&path)).unwrap();
    assert_eq!(removed.removed, ["search/t/ucf89cebc.json.gz"]);
    let fresh = Session::new(site.root(), BuildOptions::default()).unwrap();
    assert_eq!(session_outputs(&session), session_outputs(&fresh));
}

#[test]
fn a_themes_edit_that_breaks_a_related_tie_matches_a_full_build() {
    // Beta and Gamma are equally similar to Alpha (their titles' words are
    // their own, so only the abstract counts); the theme Alpha shares
    // with one of them puts that one first among its related papers.
    let paper = |title: &str, themes: &str| {
        format!("---\ntitle: {title}\ndate: 2025-05-07\nthemes: [{themes}]\nabstract: |\n  Sparse attention kernels for long context inference on small devices.\n---\nNotes.\n")
    };
    let site = TestSite::with_owned_papers(&[
        ("alpha.md".into(), paper("Alpha", "llm-reasoning")),
        ("beta.md".into(), paper("Beta", "llm-reasoning")),
        ("gamma.md".into(), paper("Gamma", "reinforcement-learning")),
        (
            "delta.md".into(),
            "---\ntitle: Delta\ndate: 2025-05-07\nabstract: |\n  Diffusion sampling of images.\n---\nNotes.\n".into(),
        ),
    ]);
    let mut session = Session::new(site.root(), BuildOptions::default()).unwrap();
    let related = |session: &Session| {
        let site = session.site();
        let alpha = site
            .papers
            .iter()
            .position(|p| p.entry.slug == "alpha")
            .unwrap();
        site.related[alpha]
            .iter()
            .map(|&i| site.papers[i].entry.slug.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(related(&session), ["beta", "gamma"]);
    site.write_paper("alpha.md", &paper("Alpha", "reinforcement-learning"));
    session.apply(&[site.papers().join("alpha.md")]).unwrap();
    let fresh = Session::new(site.root(), BuildOptions::default()).unwrap();
    assert_eq!(related(&fresh), ["gamma", "beta"]);
    assert_eq!(related(&session), related(&fresh));
    assert_eq!(session_outputs(&session), session_outputs(&fresh));
}

#[test]
fn a_build_to_disk_writes_what_a_session_holds() {
    // `sheaf build` streams batches and makes some values at render time;
    // `serve` keeps everything. Both must give the same bytes.
    let site = TestSite::bundled();
    let session = Session::new(site.root(), BuildOptions::default()).unwrap();
    site.build().unwrap();
    assert!(snapshot(&site.out()) == session_outputs(&session));
}

#[test]
fn a_build_to_disk_in_many_batches_writes_what_a_session_holds() {
    // Over two render batches (512 pages) of paper pages: a one-off build
    // frees each batch's HTML once its pages are written and makes the
    // summaries batch by batch, so feeds, paper pages and lists must
    // still show every paper whole.
    let files: Vec<(String, String)> = (0..1100)
        .map(|i| {
            let text = format!(
                "---\ntitle: \"Paper {i} on topic {t}\"\ndate: 2024-{m:02}-{d:02}\n\
                 tags: [\"tag {k}\"]\nauthors: [\"Ada {i}\"]\nabstract: |\n  Paper {i} studies \
                 *topic {t}* with `code {i}` and gaussian splatting.\n---\n## Notes {i}\n\n\
                 - **point** {i}\n- [link](https://example.org/{i})\n",
                t = i % 13,
                m = i % 12 + 1,
                d = i % 28 + 1,
                k = i % 7,
            );
            (format!("p{i}.md"), text)
        })
        .collect();
    let site = TestSite::with_owned_papers(&files);
    let session = Session::new(site.root(), BuildOptions::default()).unwrap();
    site.build().unwrap();
    let written = snapshot(&site.out());
    let held = session_outputs(&session);
    let differ: Vec<&String> = held
        .keys()
        .chain(written.keys())
        .filter(|k| held.get(*k) != written.get(*k))
        .collect();
    assert!(
        differ.is_empty(),
        "differ: {:?}",
        &differ[..differ.len().min(5)]
    );
    assert!(
        site.read("atom.xml").contains("code 1"),
        "feeds show the abstracts"
    );
}

// `sheaf build` with the cache: across runs, a build redoes only what
// changed, and its output folder is byte for byte a build from nothing.

/// A cached build of `site` into its `public/`.
fn build_cached(site: &TestSite) -> sheaf::build::BuildReport {
    sheaf::build::build(
        site.root(),
        &BuildOptions {
            cache: true,
            ..BuildOptions::default()
        },
    )
    .unwrap()
}

/// Builds `site` from nothing (no cache, a new folder) and compares with
/// its `public/`, naming the first file that differs.
fn same_as_from_nothing(site: &TestSite, step: &str) {
    let fresh = site.root().join("fresh");
    let _ = std::fs::remove_dir_all(&fresh);
    sheaf::build::build(
        site.root(),
        &BuildOptions {
            output_dir: Some(fresh.clone()),
            ..BuildOptions::default()
        },
    )
    .unwrap();
    let (a, b) = (snapshot(&site.out()), snapshot(&fresh));
    let differ: Vec<&String> = a
        .keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .collect();
    assert!(
        differ.is_empty(),
        "after {step}, the incremental build differs from one from nothing in {:?}",
        &differ[..differ.len().min(5)]
    );
    std::fs::remove_dir_all(&fresh).unwrap();
}

/// Edits `site`, builds it with the cache and checks the output against a
/// build from nothing; returns the report.
fn edit_and_build(
    site: &TestSite,
    step: &str,
    edit: impl FnOnce(&TestSite),
) -> sheaf::build::BuildReport {
    edit(site);
    let report = build_cached(site);
    same_as_from_nothing(site, step);
    report
}

#[test]
fn a_cached_build_after_each_kind_of_edit_equals_a_build_from_nothing() {
    let site = TestSite::bundled();
    let first = build_cached(&site);
    assert_eq!(first.rendered, first.pages);
    let paper = site.papers().join(format!("{PAPER}.md"));

    let r = edit_and_build(&site, "nothing", |_| {});
    assert_eq!(
        (r.rendered, r.write.written),
        (0, 0),
        "a no-op renders and writes nothing"
    );
    assert_eq!(r.pages, first.pages);
    assert_eq!(r.files, first.files);
    assert_eq!(r.sizes, first.sizes);
    assert_eq!(r.warnings, first.warnings);

    let r = edit_and_build(&site, "a note", |s| {
        rewrite(s, PAPER, |t| t + "\nA new closing remark.\n");
    });
    // The paper's page and the pages that show its details (the feeds it
    // is in, the top view): no list shows notes, nor does a BibTeX or
    // papers.json record.
    assert!(
        0 < r.rendered && r.rendered <= 8,
        "a note renders the pages that show its notes: {} of {}",
        r.rendered,
        r.pages
    );
    assert!(site
        .read(&format!("papers/{PAPER}/index.html"))
        .contains("A new closing remark."));
    // Only files whose bytes changed are written: its pages, and of the
    // search index its fragment, the shards of its new words and the
    // index's manifest.
    assert!(
        r.write.written < 25,
        "a note rewrites its pages and a few search files: {:?}",
        r.write
    );

    // What the lists show of a paper, and what only its BibTeX and JSON
    // hold, each render what shows them.
    let r = edit_and_build(&site, "an abstract", |s| {
        rewrite(s, PAPER, |t| {
            t.replace("Training state-of-the-art", "Training modern")
        });
    });
    assert!(
        r.rendered > 8 && r.rendered < r.pages / 4,
        "an abstract renders the lists of its paper: {} of {}",
        r.rendered,
        r.pages
    );
    let r = edit_and_build(&site, "a DOI", |s| {
        rewrite(s, PAPER, |t| {
            t.replacen("---\n", "---\ndoi: \"10.5555/layer-norm.2016\"\n", 1)
        });
    });
    assert!(
        0 < r.rendered && r.rendered < r.pages / 4,
        "a DOI renders its page and bundles: {} of {}",
        r.rendered,
        r.pages
    );
    assert!(site.read("papers.json").contains("10.5555/layer-norm.2016"));
    assert!(site.read("papers.bib").contains("10.5555/layer-norm.2016"));

    let r = edit_and_build(&site, "a title", |s| {
        rewrite(s, PAPER, |t| t.replacen("title: ", "title: Retitled ", 1));
    });
    assert_eq!(
        r.rendered, r.pages,
        "a new title moves the paper in its lists"
    );
    edit_and_build(&site, "the themes of an entry", |s| {
        rewrite(s, PAPER, |t| {
            t.replacen("---\n", "---\nthemes: [compression]\n", 1)
        });
    });
    // A venue makes or fills a venue's list; figures put a paper in the
    // top view (and decide its range); their values only reorder it.
    edit_and_build(&site, "a venue", |s| {
        rewrite(s, PAPER, |t| {
            t.replacen("---\n", "---\njournal_ref: \"NeurIPS 2025\"\n", 1)
        });
    });
    edit_and_build(&site, "figures on an entry", |s| {
        rewrite(s, PAPER, |t| {
            t.replacen(
                "---\n",
                "---\nmetrics:\n  upvotes: 120\n  as_of: 2025-05-07\n",
                1,
            )
        });
    });
    edit_and_build(&site, "a figure's value", |s| {
        rewrite(s, PAPER, |t| t.replacen("upvotes: 120", "upvotes: 7", 1));
    });
    edit_and_build(&site, "a template", |s| {
        edit_file(
            &s.root().join("themes/default/templates/paper.html"),
            "Abstract</h2>",
            "Summary</h2>",
        );
    });
    let r = edit_and_build(&site, "the config", |s| {
        edit_file(
            &s.root().join("site-config.yaml"),
            "front_page_size: 20",
            "front_page_size: 5",
        );
    });
    assert_eq!(r.rendered, r.pages);
    edit_and_build(&site, "a removed entry", |s| {
        std::fs::remove_file(&paper).unwrap();
        let _ = s;
    });
    edit_and_build(&site, "an added entry", |s| {
        s.write_paper("a-new-paper.md", &entry("A new paper", "tags: [fresh]\n"));
    });
    edit_and_build(&site, "a static file", |s| {
        std::fs::write(
            s.root().join("themes/default/static/extra.css"),
            "p { color: red }",
        )
        .unwrap();
    });
    let r = edit_and_build(&site, "a deleted output file", |s| {
        std::fs::remove_file(s.out().join("tags/index.html")).unwrap();
    });
    assert_eq!(
        (r.rendered, r.write.written),
        (1, 1),
        "only the missing page: {r:?}"
    );
    let r = edit_and_build(&site, "an output file edited by hand", |s| {
        let page = s.out().join("papers/a-new-paper/index.html");
        let text = std::fs::read_to_string(&page).unwrap();
        // The same length, so only the bytes tell.
        std::fs::write(&page, text.replacen("<html", "<HTML", 1)).unwrap();
    });
    assert_eq!(
        (r.rendered, r.write.written),
        (1, 1),
        "only the edited page: {r:?}"
    );
    // A file of the curator's in the output is left alone, and named.
    std::fs::write(site.out().join("notes.txt"), "mine").unwrap();
    let r = build_cached(&site);
    assert_eq!((r.rendered, r.write.written), (0, 0));
    assert!(
        site.out().join("notes.txt").exists(),
        "a file sheaf did not write stays"
    );
    let r = build_cached(&site);
    assert_eq!((r.rendered, r.write.written), (0, 0));
    assert!(
        r.warnings.iter().any(|w| w.message.contains("notes.txt")),
        "a no-op build repeats the warnings of the last: {:?}",
        r.warnings
    );
    std::fs::remove_file(site.out().join("notes.txt")).unwrap();
    let r = edit_and_build(&site, "the curator's file removed", |_| {});
    assert_eq!((r.rendered, r.write.written), (0, 0));
    assert!(!r.warnings.iter().any(|w| w.message.contains("notes.txt")));
}

/// A cached build of the bundled site whose paper carries `extra` fields
/// (a number with a fraction and a mapping, which `papers.json` prints).
fn site_with_extra() -> TestSite {
    let site = TestSite::bundled();
    rewrite(&site, PAPER, |t| {
        t.replacen(
            "---\n",
            "---\nrating: 4.5\nlinks: {slides: s.pdf, video: v.mp4}\n",
            1,
        )
    });
    build_cached(&site);
    same_as_from_nothing(&site, "extra fields added");
    site
}

#[test]
fn a_cached_build_after_a_fractional_number_in_extra_changes_equals_a_build_from_nothing() {
    // `papers.json` prints `extra`; the card key must tell 4.5 from 2.5
    // (serde_yaml hashes every float alike).
    let site = site_with_extra();
    edit_and_build(&site, "a fractional number in extra", |s| {
        rewrite(s, PAPER, |t| t.replace("rating: 4.5", "rating: 2.5"));
    });
}

#[test]
fn a_cached_build_after_a_mapping_in_extra_is_reordered_equals_a_build_from_nothing() {
    // `papers.json` prints a mapping's keys in the order written; the card
    // key must see that order (serde_yaml hashes a mapping without it).
    let site = site_with_extra();
    edit_and_build(&site, "a mapping in extra reordered", |s| {
        rewrite(s, PAPER, |t| {
            t.replace(
                "links: {slides: s.pdf, video: v.mp4}",
                "links: {video: v.mp4, slides: s.pdf}",
            )
        });
    });
}

#[test]
fn a_fresh_checkout_with_the_cache_and_output_restored_rebuilds_incrementally() {
    // As in CI: the site checked out again at the same path (every file
    // new, with new times), `.sheaf-cache/` and the output folder restored
    // from a cache, one entry changed.
    let site = TestSite::bundled();
    let first = build_cached(&site);
    let keep = tempfile::tempdir().unwrap();
    // Copies are new files: new inodes and times.
    copy_dir(site.root(), keep.path());
    for item in std::fs::read_dir(site.root()).unwrap() {
        let path = item.unwrap().path();
        if path.is_dir() {
            std::fs::remove_dir_all(&path).unwrap();
        } else {
            std::fs::remove_file(&path).unwrap();
        }
    }
    copy_dir(keep.path(), site.root());
    let r = build_cached(&site);
    assert_eq!(
        (r.rendered, r.write.written),
        (0, 0),
        "nothing changed: {r:?}"
    );
    assert_eq!(r.files, first.files);
    let r = edit_and_build(&site, "a note in a fresh checkout", |s| {
        rewrite(s, PAPER, |t| t + "\nChecked out again.\n");
    });
    assert!(
        0 < r.rendered && r.rendered < r.pages / 4,
        "{} of {} pages rendered",
        r.rendered,
        r.pages
    );
    // Without the output folder, every page is rendered: the cache of
    // conversions alone does not make a build incremental.
    std::fs::remove_dir_all(site.out()).unwrap();
    let r = edit_and_build(&site, "a note without the output", |s| {
        rewrite(s, PAPER, |t| t + "\nAnd again.\n");
    });
    assert_eq!(r.rendered, r.pages);
}

#[test]
fn once_metadata_vouches_for_entries_and_folders_every_change_is_still_seen() {
    // Metadata vouches only when some seconds old: wait that out, so the
    // no-ops below record the entries' and the output folders' metadata
    // and the builds after them rely on it.
    let site = TestSite::bundled();
    let first = build_cached(&site);
    std::thread::sleep(std::time::Duration::from_millis(2_500));
    for step in ["a no-op that records", "a no-op that relies on it"] {
        let r = edit_and_build(&site, step, |_| {});
        assert_eq!((r.rendered, r.write.written), (0, 0), "{step}");
    }
    assert!(
        site.root().join(".sheaf-cache/inputs.bin").exists(),
        "the entries' metadata is recorded"
    );
    // An edit of the same length: only the entry's change time tells.
    let r = edit_and_build(&site, "a same-length edit", |s| {
        rewrite(s, PAPER, |t| {
            // The last letter e of the notes becomes an a.
            let at = t.rfind('e').unwrap();
            format!("{}a{}", &t[..at], &t[at + 1..])
        });
    });
    assert!(r.rendered > 0, "{r:?}");
    // A file added in a paper's folder, which the output's manifest had
    // recorded as holding only its page: kept, and the build not a no-op.
    std::thread::sleep(std::time::Duration::from_millis(2_500));
    build_cached(&site);
    let planted = site.out().join(format!("papers/{PAPER}/mine.txt"));
    std::fs::write(&planted, "mine").unwrap();
    let r = build_cached(&site);
    assert_eq!(r.rendered, 0, "{r:?}");
    assert_eq!(std::fs::read_to_string(&planted).unwrap(), "mine");
    std::fs::remove_file(&planted).unwrap();
    // A page's folder removed: written again.
    std::fs::remove_dir_all(site.out().join(format!("papers/{PAPER}"))).unwrap();
    let r = edit_and_build(&site, "a page's folder removed", |_| {});
    assert!(r.write.written > 0, "{r:?}");
    assert_eq!(r.files, first.files);
}

/// The warnings of a build of `site` from nothing (no cache, a new folder).
fn warnings_from_nothing(site: &TestSite) -> Vec<sheaf::base::error::Diagnostic> {
    let fresh = site.root().join("fresh");
    let _ = std::fs::remove_dir_all(&fresh);
    let report = sheaf::build::build(
        site.root(),
        &BuildOptions {
            output_dir: Some(fresh.clone()),
            ..BuildOptions::default()
        },
    )
    .unwrap();
    std::fs::remove_dir_all(&fresh).unwrap();
    report.warnings
}

#[test]
fn entries_parsed_by_an_earlier_build_give_what_a_parse_gives() {
    // A build with the cache parses only the entry files whose content
    // hash is not in `.sheaf-cache/entries/`; the others are the cache's,
    // warnings and all.
    const OTHER: &str = "1-bit-adam-communication-efficient-large-scale-training-with";
    let site = TestSite::bundled();
    build_cached(&site);
    let shards = site.root().join(".sheaf-cache/entries");
    assert!(
        std::fs::read_dir(&shards).unwrap().count() > 0,
        "the parsed entries are kept"
    );
    let same_warnings = |r: &sheaf::build::BuildReport, step: &str| {
        assert_eq!(r.warnings, warnings_from_nothing(&site), "after {step}");
    };
    let r = edit_and_build(&site, "the front matter only", |s| {
        rewrite(s, PAPER, |t| {
            t.replacen("status: read\n", "status: reading\n", 1)
        });
    });
    same_warnings(&r, "the front matter only");
    let typo =
        |r: &sheaf::build::BuildReport| r.warnings.iter().any(|w| w.message.contains("titel"));
    let r = edit_and_build(&site, "a parse warning that appears", |s| {
        rewrite(s, PAPER, |t| t.replacen("---\n", "---\ntitel: typo\n", 1));
    });
    assert!(typo(&r), "{:?}", r.warnings);
    same_warnings(&r, "a parse warning that appears");
    // The entry with the warning now comes from the cache.
    let r = edit_and_build(&site, "another entry's notes", |s| {
        rewrite(s, OTHER, |t| t + "\nAnother remark.\n");
    });
    assert!(r.rendered > 0 && typo(&r), "{:?}", r.warnings);
    same_warnings(&r, "another entry's notes");
    let r = edit_and_build(&site, "a parse warning that goes", |s| {
        rewrite(s, PAPER, |t| t.replacen("titel: typo\n", "", 1));
    });
    assert!(!typo(&r), "{:?}", r.warnings);
    same_warnings(&r, "a parse warning that goes");
    // Damaged shards count as empty: slower, never wrong.
    for item in std::fs::read_dir(&shards).unwrap() {
        std::fs::write(item.unwrap().path(), "garbage").unwrap();
    }
    let r = edit_and_build(&site, "damaged shards of parsed entries", |s| {
        rewrite(s, OTHER, |t| t + "\nAnd another.\n");
    });
    assert!(r.rendered > 0, "{r:?}");
    same_warnings(&r, "damaged shards of parsed entries");
}
