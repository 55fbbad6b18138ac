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
