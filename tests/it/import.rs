//! Importing from real source formats, merging into the digest, and never
//! losing what the curator wrote.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use crate::common::*;
use sheaf::front::import::{import_arxiv, import_file, Action, ImportOptions, ImportReport};
use sheaf::input::config::Config;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/import");

fn fixture(name: &str) -> PathBuf {
    Path::new(FIXTURES).join(name)
}

fn options() -> ImportOptions {
    ImportOptions {
        date: time::macros::date!(2025 - 05 - 07),
        format: None,
        theme: None,
        skip_bad: false,
        dry_run: false,
        keep_tags: false,
    }
}

fn import(site: &TestSite, file: &str, opts: &ImportOptions) -> ImportReport {
    let config = sheaf::io::load::config(site.root()).unwrap();
    import_file(&config, &fixture(file), opts).unwrap_or_else(|e| panic!("{e}"))
}

fn read(site: &TestSite, name: &str) -> String {
    std::fs::read_to_string(site.papers().join(name)).unwrap()
}

const ODF: &str = "online-difficulty-filtering-for-reasoning-oriented.md";

#[test]
fn arxiv_atom_file_becomes_entries() {
    let site = TestSite::with_papers(&[]);
    let report = import(&site, "arxiv-v1.xml", &options());
    assert_eq!(report.created(), 2, "{report:?}");
    let text = read(&site, ODF);
    for line in [
        "title: \"Online Difficulty Filtering for Reasoning Oriented Reinforcement Learning\"",
        "date: 2025-05-07",
        "arxiv: \"2504.03380\"",
        "arxiv_version: 1",
        "code: \"https://github.com/example/balanced-filter\"",
        "authors: [\"Sanghwan Bae\", \"Jiwoo Hong\", \"Min Young Lee\"]",
        "categories: [\"cs.LG\", \"cs.AI\"]",
        "published: 2025-04-04",
    ] {
        assert!(text.contains(line), "{line} in\n{text}");
    }
    assert!(
        text.contains("additional 10% in AIME"),
        "TeX cleaned: {text}"
    );
    let old = read(&site, "a-note-on-strings-in-godel-space.md");
    assert!(
        old.contains("title: \"A Note on Strings in Gödel Space\""),
        "{old}"
    );
    assert!(old.contains("arxiv: \"hep-th/9901001\""));
    assert!(old.contains("authors: [\"J. Schröder\"]"));
    assert!(old.contains("journal_ref: \"Phys. Lett. B 450 (1999) 1-10\""));
    // The site builds with the imported entries and links to arXiv.
    site.build().unwrap();
    let page = site.read("papers/online-difficulty-filtering-for-reasoning-oriented/index.html");
    assert!(page.contains("https://arxiv.org/abs/2504.03380"));
}

#[test]
fn reimport_updates_the_source_fields_and_keeps_the_curators() {
    let site = TestSite::with_papers(&[]);
    import(&site, "arxiv-v1.xml", &options());
    // The curator files it, writes notes and a comment, adds a key.
    let path = site.papers().join(ODF);
    let curated = read(&site, ODF)
        .lines()
        .filter(|l| !l.starts_with("tags:"))
        .map(|l| format!("{l}\n"))
        .collect::<String>()
        .replacen("---\n", "---\n# keep this comment\n", 1)
        .replace("date: 2025-05-07\n", "date: 2025-05-07\nthemes: [llm-reasoning]\ntags: [grpo]\nstatus: reading\nverdict: must-read\nfeatured: true\nreviewer: Ada\n")
        + "My notes, which no import may touch.\n";
    std::fs::write(&path, &curated).unwrap();

    let mut later = options();
    later.date = time::macros::date!(2025 - 05 - 21);
    let report = import(&site, "arxiv-v3.xml", &later);
    let outcome = report
        .outcomes
        .iter()
        .find(|o| o.path.as_deref() == Some(path.as_path()))
        .unwrap();
    let Action::Updated(keys) = &outcome.action else {
        panic!("{outcome:?}")
    };
    assert!(
        keys.contains(&"arxiv_version".to_string()) && keys.contains(&"abstract".to_string()),
        "{keys:?}"
    );
    assert!(
        outcome.notes.iter().any(|n| n.contains("new version v3")),
        "{:?}",
        outcome.notes
    );
    assert!(outcome.notes.iter().any(|n| n.contains("abstract changed")));

    let text = read(&site, ODF);
    assert!(text.contains("arxiv_version: 3") && text.contains("12% in AIME"));
    assert!(text.contains("revised: 2025-05-21"));
    assert!(text.contains("updated: 2025-05-20"));
    for kept in [
        "# keep this comment\n",
        "date: 2025-05-07\n",
        "themes: [llm-reasoning]\n",
        "tags: [grpo]\n",
        "status: reading\n",
        "verdict: must-read\n",
        "featured: true\n",
        "reviewer: Ada\n",
    ] {
        assert!(text.contains(kept), "{kept:?} lost:\n{text}");
    }
    assert!(
        text.ends_with("---\nMy notes, which no import may touch.\n"),
        "{text}"
    );
    // The same import again changes nothing.
    let again = import(&site, "arxiv-v3.xml", &later);
    assert_eq!(again.unchanged(), 2, "{again:?}");
    assert_eq!(read(&site, ODF), text);
}

#[test]
fn one_identity_whatever_the_id_form() {
    // An entry that cites the paper by its canonical id, with another title.
    let existing = entry("Curator's own title", "arxiv: \"2504.03380\"\n");
    let site = TestSite::with_papers(&[("mine.md", &existing)]);
    let report = import(&site, "arxiv-v1.xml", &options());
    assert_eq!(
        report.created(),
        1,
        "only the other paper is new: {report:?}"
    );
    assert_eq!(report.updated(), 1);
    let text = read(&site, "mine.md");
    assert!(
        text.contains("Online Difficulty Filtering"),
        "source title wins: {text}"
    );
    assert!(!site.papers().join(ODF).exists(), "no duplicate file");
}

#[test]
fn dry_run_shows_a_diff_and_writes_nothing() {
    let site = TestSite::with_papers(&[]);
    import(&site, "arxiv-v1.xml", &options());
    let before = read(&site, ODF);
    let mut dry = options();
    dry.dry_run = true;
    let report = import(&site, "arxiv-v3.xml", &dry);
    let diff = report
        .outcomes
        .iter()
        .find_map(|o| o.diff.clone())
        .expect("a diff");
    assert!(
        diff.contains("-arxiv_version: 1") && diff.contains("+arxiv_version: 3"),
        "{diff}"
    );
    assert_eq!(read(&site, ODF), before);
}

#[test]
fn bad_files_write_nothing_and_name_the_problem() {
    let site = TestSite::with_papers(&[]);
    let config = sheaf::io::load::config(site.root()).unwrap();
    let err = import_file(&config, &fixture("arxiv-truncated.xml"), &options())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("arxiv-truncated.xml:") && err.contains("well-formed"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(site.papers()).unwrap().count(), 0);

    let unknown = site.root().join("unknown.txt");
    std::fs::write(&unknown, "just some words\n").unwrap();
    let err = import_file(&config, &unknown, &options())
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot tell the format"), "{err}");
}

#[test]
fn theme_option_files_new_papers() {
    let site = TestSite::with_papers(&[]);
    let mut opts = options();
    opts.theme = Some("vision-3d".into());
    import(&site, "arxiv-v1.xml", &opts);
    assert!(read(&site, ODF).contains("themes: [\"vision-3d\"]"));
    opts.theme = Some("nope".into());
    let config = sheaf::io::load::config(site.root()).unwrap();
    assert!(import_file(&config, &fixture("arxiv-v1.xml"), &opts).is_err());
}

/// A stand-in for the arXiv API on 127.0.0.1, answering with recorded
/// responses. Returns its base URL.
fn fake_arxiv() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut request = String::new();
            let _ = BufReader::new(&stream).read_line(&mut request);
            let (status, body) = if request.contains("/broken") {
                ("503 Service Unavailable", "overloaded".to_string())
            } else if request.contains("2501.99999") {
                (
                    "200 OK",
                    std::fs::read_to_string(fixture("arxiv-unknown.xml")).unwrap(),
                )
            } else {
                (
                    "200 OK",
                    std::fs::read_to_string(fixture("arxiv-v1.xml")).unwrap(),
                )
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/atom+xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{addr}")
}

fn site_with_api(api: &str) -> (TestSite, Config) {
    let site = TestSite::with_papers(&[]);
    let path = site.root().join("site-config.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{text}\narxiv_api: \"{api}\"\n")).unwrap();
    let config = sheaf::io::load::config(site.root()).unwrap();
    (site, config)
}

#[test]
fn arxiv_ids_are_fetched_over_http() {
    let api = fake_arxiv();
    let (site, config) = site_with_api(&format!("{api}/api/query"));
    let ids = [
        "arXiv:2504.03380v1".to_string(),
        "https://arxiv.org/abs/hep-th/9901001".to_string(),
    ];
    let report = import_arxiv(&config, &ids, &options()).unwrap();
    assert_eq!(report.created(), 2, "{report:?}");
    assert!(read(&site, ODF).contains("arxiv: \"2504.03380\""));

    let err = import_arxiv(&config, &["2501.99999".to_string()], &options())
        .unwrap_err()
        .to_string();
    assert!(err.contains("arXiv does not know 2501.99999"), "{err}");
    let err = import_arxiv(&config, &["not-an-id".to_string()], &options())
        .unwrap_err()
        .to_string();
    assert!(err.contains("not-an-id"), "{err}");

    let (_, broken) = site_with_api(&format!("{api}/broken"));
    let err = import_arxiv(&broken, &["2504.03380".to_string()], &options())
        .unwrap_err()
        .to_string();
    assert!(err.contains("503"), "{err}");

    // Nothing listens here: a clear message, not a panic.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (_, nowhere) = site_with_api(&format!("http://{closed}/api"));
    let err = import_arxiv(&nowhere, &["2504.03380".to_string()], &options())
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot fetch"), "{err}");
}

#[test]
fn bibtex_and_hugging_face_files_become_entries() {
    let site = TestSite::with_papers(&[]);
    let report = import(&site, "papers.bib", &options());
    assert_eq!(report.created(), 4, "{report:?}");
    let code_llama = read(&site, "code-llama-open-foundation-models-for-code.md");
    assert!(code_llama.contains("arxiv: \"2308.12950\""), "{code_llama}");
    assert!(
        code_llama.contains("\"Baptiste Rozière\""),
        "TeX accents in names: {code_llama}"
    );
    let bert = read(
        &site,
        "bert-pre-training-of-deep-bidirectional-transformers-for.md",
    );
    assert!(bert.contains("doi: \"10.18653/v1/N19-1423\""), "{bert}");
    assert!(
        bert.contains("published: 2019-06\n"),
        "month macro, and no invented day: {bert}"
    );

    let mut day_two = options();
    day_two.date = time::macros::date!(2025 - 05 - 08);
    let report = import(&site, "hf-daily.json", &day_two);
    assert_eq!(report.created(), 3, "{report:?}");
    let movie = read(&site, "movie-gen-a-cast-of-media-foundation-models.md");
    assert!(
        movie.contains("project: \"https://ai.meta.com/research/movie-gen/\""),
        "{movie}"
    );
    let r1 = read(
        &site,
        "deepseek-r1-incentivizing-reasoning-capability-in-llms-via.md",
    );
    assert!(
        r1.contains("metrics: {upvotes: 412, stars: 91234, comments: 4, as_of: 2025-05-08}"),
        "{r1}"
    );
    // Read again a week later: the numbers are re-dated, nothing else moves.
    let mut later = options();
    later.date = time::macros::date!(2025 - 05 - 15);
    let report = import(&site, "hf-daily.json", &later);
    assert_eq!(
        report.updated(),
        2,
        "the two papers with live numbers: {report:?}"
    );
    assert!(read(
        &site,
        "deepseek-r1-incentivizing-reasoning-capability-in-llms-via.md"
    )
    .contains("as_of: 2025-05-15"));
    site.build().unwrap();
    let page =
        site.read("papers/deepseek-r1-incentivizing-reasoning-capability-in-llms-via/index.html");
    assert!(
        page.contains("412 upvotes, 91234 GitHub stars as of 15 May 2025"),
        "shown as of the day read"
    );
}

#[test]
fn skip_bad_imports_the_good_records_only() {
    let site = TestSite::with_papers(&[]);
    let bib = site.root().join("mixed.bib");
    std::fs::write(
        &bib,
        "@misc{good, title = {A Good Paper}, eprint = {2401.00001}, archivePrefix = {arXiv}}\n\n@misc{bad, title = {A Bad Paper}, eprint = {2401.0001}, archivePrefix = {arXiv}}\n",
    )
    .unwrap();
    let config = sheaf::io::load::config(site.root()).unwrap();
    let err = import_file(&config, &bib, &options())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("mixed.bib:3") && err.contains("2401.0001"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(site.papers()).unwrap().count(),
        0,
        "nothing written"
    );
    let mut opts = options();
    opts.skip_bad = true;
    let report = import_file(&config, &bib, &opts).unwrap();
    assert_eq!((report.created(), report.skipped()), (1, 1), "{report:?}");
}

mod curator_work_survives {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Step {
        Import {
            v3: bool,
            day: u8,
        },
        /// A BibTeX record of the paper without an abstract, and with the
        /// year only (or the year and month) of its publication.
        ImportBare {
            month: bool,
        },
        EditNotes(String),
        Tag(String),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (any::<bool>(), 1u8..28).prop_map(|(v3, day)| Step::Import { v3, day }),
            any::<bool>().prop_map(|month| Step::ImportBare { month }),
            "[a-zA-Z0-9 .,:#*_>|\\[\\]()\n-]{0,120}".prop_map(Step::EditNotes),
            "[a-z][a-z0-9-]{0,10}[a-z0-9]".prop_map(Step::Tag),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        /// Whatever mix of imports and curator edits, every field the
        /// curator owns and the notes are exactly as the curator left them.
        #[test]
        fn any_sequence_of_imports_and_edits(
            steps in proptest::collection::vec(step(), 1..8),
            status in prop_oneof![Just("to-read"), Just("reading"), Just("read")],
            featured in any::<bool>(),
            reviewer in "[a-zA-Z ]{1,20}",
        ) {
            let site = TestSite::with_papers(&[]);
            import(&site, "arxiv-v1.xml", &options());
            let path = site.papers().join(ODF);
            let curated = curate_imported(
                &path,
                &format!("status: {status}\nfeatured: {featured}\nreviewer: {reviewer:?}\nthemes: [robustness]\n"),
            );
            let mut notes = String::new();
            let mut tags = vec!["first".to_string()];
            let (first, _) = sheaf::input::content::parse_entry(&path, &curated).unwrap();
            let mut abstract_md = first.abstract_md.clone();
            for step in steps {
                match step {
                    Step::Import { v3, day } => {
                        let mut opts = options();
                        opts.date = time::Date::from_calendar_date(2025, time::Month::June, day).unwrap();
                        import(&site, if v3 { "arxiv-v3.xml" } else { "arxiv-v1.xml" }, &opts);
                        let text = std::fs::read_to_string(&path).unwrap();
                        abstract_md = sheaf::input::content::parse_entry(&path, &text).unwrap().0.abstract_md;
                    }
                    Step::ImportBare { month } => {
                        let bib = site.root().join("bare.bib");
                        std::fs::write(&bib, format!(
                            "@misc{{odf, title = {{Online Difficulty Filtering for Reasoning Oriented Reinforcement Learning}}, eprint = {{2504.03380}}, archivePrefix = {{arXiv}}, year = {{2025}}{}}}\n",
                            if month { ", month = apr" } else { "" }
                        )).unwrap();
                        let config = sheaf::io::load::config(site.root()).unwrap();
                        import_file(&config, &bib, &options()).unwrap();
                    }
                    Step::EditNotes(new) => {
                        edit_notes(&path, &new);
                        notes = new;
                    }
                    Step::Tag(tag) => add_tag(&path, &mut tags, tag),
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let (entry, _) = sheaf::input::content::parse_entry(&path, &text).unwrap();
                prop_assert_eq!(&entry.notes_md, &notes);
                prop_assert_eq!(&entry.tags, &tags);
                prop_assert_eq!(entry.themes.clone(), Some(vec!["robustness".to_string()]));
                prop_assert_eq!(entry.featured, featured);
                prop_assert_eq!(entry.date.to_string(), "2025-05-07");
                prop_assert_eq!(entry.extra.get("reviewer").and_then(|v| v.as_str()), Some(reviewer.as_str()));
                let status_line = format!("status: {status}");
                prop_assert!(text.contains(&status_line));
                // The source's own fields are always there, and a record
                // that lacks one leaves it as the last that had it wrote it.
                prop_assert_eq!(entry.arxiv.as_deref(), Some("2504.03380"));
                prop_assert_eq!(&entry.abstract_md, &abstract_md);
                prop_assert!(!abstract_md.trim().is_empty());
                prop_assert_eq!(entry.published.map(|d| d.to_string()), Some("2025-04-04".to_string()));
            }
            // Only one file for the paper, whatever happened.
            let files = std::fs::read_dir(site.papers()).unwrap().count();
            prop_assert_eq!(files, 2);
        }
    }
}

/// An import file of its own, in the site's folder.
fn import_text(
    site: &TestSite,
    name: &str,
    text: &str,
    opts: &ImportOptions,
) -> sheaf::Result<ImportReport> {
    let path = site.root().join(name);
    std::fs::write(&path, text).unwrap();
    let config = sheaf::io::load::config(site.root()).unwrap();
    import_file(&config, &path, opts)
}

#[test]
fn a_broken_entry_stops_the_import_and_skip_bad_skips_only_its_paper() {
    // The curator added a second `status:`: the entry no longer parses.
    let broken = "---\ntitle: \"Curator's title\"\ndate: 2025-05-07\narxiv: \"2504.03380\"\nstatus: to-read\nstatus: read\nabstract: |\n  Kept.\n---\nNotes.\n";
    let site = TestSite::with_papers(&[("mine.md", broken)]);
    let config = sheaf::io::load::config(site.root()).unwrap();
    let before = snapshot(&site.papers());
    let err = import_file(&config, &fixture("arxiv-v1.xml"), &options())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("content/papers/mine.md:") && err.contains("status"),
        "{err}"
    );
    assert_eq!(snapshot(&site.papers()), before, "nothing written");
    let mut dry = options();
    dry.dry_run = true;
    assert!(import_file(&config, &fixture("arxiv-v1.xml"), &dry).is_err());

    // --skip-bad: the paper of the broken entry is skipped and said so;
    // the other paper is imported; no duplicate.
    let mut opts = options();
    opts.skip_bad = true;
    let report = import_file(&config, &fixture("arxiv-v1.xml"), &opts).unwrap();
    assert_eq!((report.created(), report.skipped()), (1, 1), "{report:?}");
    let skipped = report
        .outcomes
        .iter()
        .find_map(|o| match &o.action {
            Action::Skipped(why) => Some(why.clone()),
            _ => None,
        })
        .unwrap();
    assert!(
        skipped.contains("mine.md") && skipped.contains("does not parse"),
        "{skipped}"
    );
    assert!(!site.papers().join(ODF).exists(), "no duplicate");
    assert_eq!(
        read(&site, "mine.md"),
        broken,
        "the broken entry is not touched"
    );
}

#[test]
fn skip_bad_says_when_a_broken_entry_names_no_paper() {
    // Nothing of this entry's identity can be read.
    let broken = "---\n[unclosed\n---\nNotes.\n";
    let site = TestSite::with_papers(&[("lost.md", broken)]);
    let mut opts = options();
    opts.skip_bad = true;
    let config = sheaf::io::load::config(site.root()).unwrap();
    let report = import_file(&config, &fixture("arxiv-v1.xml"), &opts).unwrap();
    assert_eq!(report.created(), 2, "{report:?}");
    for o in &report.outcomes {
        assert!(
            o.notes
                .iter()
                .any(|n| n.contains("may duplicate") && n.contains("lost.md")),
            "{o:?}"
        );
    }
}

#[test]
fn import_finds_entries_in_subfolders() {
    let site = TestSite::with_papers(&[]);
    std::fs::create_dir_all(site.papers().join("2025")).unwrap();
    site.write_paper(
        "2025/mine.md",
        &entry("Curator's own title", "arxiv: \"2504.03380\"\n"),
    );
    let report = import(&site, "arxiv-v1.xml", &options());
    assert_eq!((report.created(), report.updated()), (1, 1), "{report:?}");
    assert!(read(&site, "2025/mine.md").contains("Online Difficulty Filtering"));
    assert!(!site.papers().join(ODF).exists(), "no duplicate");
}

#[test]
fn a_url_names_the_paper_for_import() {
    for url in [
        "https://arxiv.org/abs/2504.03380v2",
        "https://huggingface.co/papers/2504.03380",
        "https://arxiv.org/pdf/2504.03380v1.pdf",
    ] {
        let site = TestSite::with_papers(&[(
            "mine.md",
            &entry("Curator's own title", &format!("url: {url:?}\n")),
        )]);
        let report = import(&site, "arxiv-v1.xml", &options());
        assert_eq!(
            (report.created(), report.updated()),
            (1, 1),
            "{url}: {report:?}"
        );
        assert!(!site.papers().join(ODF).exists(), "{url}: no duplicate");
    }
}

#[test]
fn a_record_without_a_field_leaves_the_entry_s_field_alone() {
    let site = TestSite::with_papers(&[]);
    import(&site, "arxiv-v1.xml", &options());
    let before = read(&site, ODF);
    assert!(before.contains("published: 2025-04-04"), "{before}");
    let bib = |date: &str| {
        format!("@misc{{odf, title = {{Online Difficulty Filtering for Reasoning Oriented Reinforcement Learning}}, eprint = {{2504.03380}}, archivePrefix = {{arXiv}}, {date}}}\n")
    };
    // No abstract, the year only: nothing to change.
    let report = import_text(&site, "a.bib", &bib("year = {2025}"), &options()).unwrap();
    assert_eq!(report.unchanged(), 1, "{report:?}");
    assert!(report.outcomes[0].notes.is_empty(), "{report:?}");
    assert_eq!(read(&site, ODF), before);
    // The year and the month it was published: still nothing new.
    import_text(
        &site,
        "b.bib",
        &bib("year = {2025}, month = apr"),
        &options(),
    )
    .unwrap();
    assert_eq!(read(&site, ODF), before);
    // Another month, or another year, is news.
    import_text(
        &site,
        "c.bib",
        &bib("year = {2025}, month = jun"),
        &options(),
    )
    .unwrap();
    // Written as precise as the source is, no more.
    assert!(read(&site, ODF).contains("published: 2025-06\n"));
    import_text(&site, "d.bib", &bib("date = {2024}"), &options()).unwrap();
    assert!(read(&site, ODF).contains("published: 2024\n"));
    // January of a year held alone is news too, though its first day is
    // the year's.
    import_text(&site, "e.bib", &bib("date = {2024-01}"), &options()).unwrap();
    assert!(read(&site, ODF).contains("published: 2024-01\n"));
    // And the year alone again says nothing the month does not.
    import_text(&site, "f.bib", &bib("year = {2024}"), &options()).unwrap();
    let after = read(&site, ODF);
    assert!(after.contains("published: 2024-01\n"), "{after}");
    // The abstract survived every one of them.
    let abstract_of = |t: &str| t[t.find("abstract:").unwrap()..].to_string();
    assert_eq!(abstract_of(&after), abstract_of(&before));
}

/// Kills `sheaf import` of a large file at moments spread over its run:
/// the papers folder must hold the old entries or all the new ones (once
/// the next reader has finished a committed import), and never a
/// temporary file.
#[cfg(unix)]
#[test]
fn a_killed_import_leaves_all_or_nothing() {
    use std::process::{Command, Stdio};
    use std::time::Instant;

    // Existing entries the import updates, and many new papers.
    let existing: Vec<(String, String)> = (0..20)
        .map(|i| {
            (
                format!("old-{i}.md"),
                entry(
                    &format!("Old paper number {i}"),
                    &format!("arxiv: \"2401.{i:05}\"\n"),
                ),
            )
        })
        .collect();
    let mut atom = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    for i in 0..100 {
        atom += &format!(
            "<entry><id>http://arxiv.org/abs/2401.{i:05}v2</id><published>2024-01-02T00:00:00Z</published><updated>2024-01-03T00:00:00Z</updated><title>Paper number {i} on killing imports</title><summary>The abstract of paper {i}, about gaussian splatting and reasoning.</summary><author><name>A. Author</name></author></entry>\n"
        );
    }
    atom += "</feed>\n";
    let sheaf = env!("CARGO_BIN_EXE_sheaf");
    let run = |site: &TestSite| {
        Command::new(sheaf)
            .arg("--root")
            .arg(site.root())
            .args(["--quiet", "import", "--date", "2025-05-07"])
            .arg(site.root().join("big.xml"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    // Only what an import reads: the config and the entries.
    let fresh = || {
        let site = TestSite {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::copy(
            Path::new(REPO).join("site-config.yaml"),
            site.root().join("site-config.yaml"),
        )
        .unwrap();
        std::fs::create_dir_all(site.papers()).unwrap();
        for (name, text) in &existing {
            site.write_paper(name, text);
        }
        std::fs::write(site.root().join("big.xml"), &atom).unwrap();
        site
    };
    let old = snapshot(&fresh().papers());
    // The first sign of writing: the staging folder, or a file more in
    // the papers folder.
    let writing = |site: &TestSite| {
        !sheaf::io::journal::staging_dirs(&site.papers()).is_empty()
            || std::fs::read_dir(site.papers()).map_or(0, |d| d.count()) != existing.len()
    };
    // The complete new set, and when an import here starts writing and how
    // long that takes (only to place the kills; nothing is asserted).
    let reference = fresh();
    let started = Instant::now();
    let mut child = run(&reference);
    let mut first_write = None;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if first_write.is_none() && writing(&reference) {
            first_write = Some(started.elapsed());
        }
        std::thread::sleep(std::time::Duration::from_micros(100));
    };
    let full = started.elapsed();
    let window = full - first_write.unwrap_or_default();
    assert!(status.success());
    let new = snapshot(&reference.papers());
    assert_eq!(new.len(), 100);

    let mut outcomes = (0, 0);
    for trial in 0..20u32 {
        let site = fresh();
        let started = Instant::now();
        let mut child = run(&site);
        let jitter = (trial.wrapping_mul(2_654_435_761) % 1000) as f64 / 1000.0;
        let journal = || {
            sheaf::io::journal::staging_dirs(&site.papers())
                .iter()
                .any(|d| d.join("journal").exists())
        };
        if trial % 2 == 0 {
            // Anywhere in the run.
            std::thread::sleep(full.mul_f64((f64::from(trial) + jitter) / 20.0));
        } else if trial % 4 == 3 {
            // Just after the commit, while the files move into place.
            while !journal() && child.try_wait().unwrap().is_none() {
                std::hint::spin_loop();
            }
        } else {
            // While it writes, where a mix could happen.
            while !writing(&site) && started.elapsed() < full * 3 {
                std::thread::sleep(std::time::Duration::from_micros(100));
            }
            std::thread::sleep(window.mul_f64((f64::from(trial / 2) + jitter) / 10.0));
        }
        let _ = child.kill();
        child.wait().unwrap();
        let files = snapshot(&site.papers());
        assert!(
            files
                .keys()
                .all(|k| k.ends_with(".md") && !k.starts_with('.')),
            "trial {trial}: a temporary file in the papers folder: {:?}",
            files
                .keys()
                .filter(|k| !k.ends_with(".md"))
                .collect::<Vec<_>>()
        );
        // Before its commit, nothing of the import shows.
        let committed = journal();
        if !committed {
            assert!(
                files == old || files == new,
                "trial {trial}: no journal, yet a mix"
            );
        }
        // The next reader of the entries finishes a committed import.
        let (entries, _) = sheaf::io::load::load_entries(site.root(), &site.papers());
        let files = snapshot(&site.papers());
        if files == old {
            assert!(
                !committed,
                "trial {trial}: a committed import was not finished"
            );
            outcomes.0 += 1;
        } else if files == new {
            assert_eq!(entries.len(), 100);
            outcomes.1 += 1;
        } else {
            panic!(
                "trial {trial}: a mix of {} files ({} old, {} new)",
                files.len(),
                files.iter().filter(|(k, v)| old.get(*k) == Some(v)).count(),
                files.iter().filter(|(k, v)| new.get(*k) == Some(v)).count()
            );
        }
        assert!(
            sheaf::io::journal::staging_dirs(&site.papers()).is_empty(),
            "trial {trial}: staging left after the next reader"
        );
    }
    eprintln!("old: {}, new: {}, import {full:?}", outcomes.0, outcomes.1);
}

#[test]
fn live_numbers_a_source_does_not_report_keep_their_value() {
    let site = TestSite::with_papers(&[(
        "r1.md",
        &entry(
            "DeepSeek-R1",
            "arxiv: \"2501.12948\"\nmetrics: {upvotes: 5, stars: 91234, as_of: 2025-01-30}\n",
        ),
    )]);
    let json = r#"[{"paper": {"id": "2501.12948", "title": "DeepSeek-R1", "upvotes": 412, "summary": "An abstract about gaussian splatting."}}]"#;
    import_text(&site, "hf.json", json, &options()).unwrap();
    let text = read(&site, "r1.md");
    assert!(
        text.contains("metrics: {upvotes: 412, stars: 91234, as_of: 2025-05-07}"),
        "{text}"
    );
}
