//! Reference-manager formats (CSL-JSON, RIS) through the one import path,
//! and the scheduled import workflow `sheaf init --schedule` writes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::*;
use sheaf::front::import::{import_file, Action, ImportOptions, ImportReport};

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

fn import(site: &TestSite, path: &Path, opts: &ImportOptions) -> sheaf::Result<ImportReport> {
    let config = sheaf::io::load::config(site.root()).unwrap();
    import_file(&config, path, opts)
}

fn read(site: &TestSite, name: &str) -> String {
    std::fs::read_to_string(site.papers().join(name))
        .unwrap_or_else(|e| panic!("{name}: {e}\n{:?}", snapshot(&site.papers()).keys()))
}

fn sheaf(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sheaf"))
        .arg("--root")
        .arg(root)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

const NOTES: &str = "My notes: read section 3 twice.\n";

/// An entry the curator already has, under an id form the source does not
/// use, with notes and curator keys.
fn curated(title: &str, id_line: &str) -> String {
    format!("---\ntitle: {title:?}\ndate: 2025-01-02\n{id_line}\nstatus: reading\nthemes: [robustness]\nabstract: |\n  The curator's copy of the abstract.\n---\n{NOTES}")
}

fn assert_curated_kept(text: &str) {
    for kept in [
        "date: 2025-01-02\n",
        "status: reading\n",
        "themes: [robustness]\n",
    ] {
        assert!(text.contains(kept), "{kept:?} kept in\n{text}");
    }
    assert!(text.ends_with(&format!("---\n{NOTES}")), "{text}");
}

#[test]
fn a_zotero_csl_export_becomes_entries_and_merges_by_any_id_form() {
    let site = TestSite::with_papers(&[
        // The arXiv paper by its bare id; Zotero gives its DOI and URL.
        (
            "odf.md",
            &curated(
                "Online difficulty filtering (my title)",
                "arxiv: \"2504.03380\"",
            ),
        ),
        // The journal paper by a DOI URL in another case; Zotero gives the
        // DOI.
        (
            "lecun.md",
            &curated(
                "Deep learning",
                "url: \"https://doi.org/10.1038/NATURE14539\"",
            ),
        ),
    ]);
    let report = import(&site, &fixture("zotero.json"), &options()).unwrap();
    assert_eq!(
        (report.created(), report.updated(), report.skipped()),
        (3, 2, 0),
        "{report:#?}"
    );
    // Never a duplicate: two entries merged, three new.
    assert_eq!(snapshot(&site.papers()).len(), 5);

    let odf = read(&site, "odf.md");
    assert_curated_kept(&odf);
    // The title is the source's, as from every source.
    assert!(
        odf.contains(
            "title: \"Online Difficulty Filtering for Reasoning Oriented Reinforcement Learning\""
        ),
        "{odf}"
    );
    assert!(
        odf.contains("additional 10% in AIME"),
        "abstract cleaned: {odf}"
    );
    assert!(odf.contains("published: 2025-04-04"), "{odf}");
    assert!(
        !odf.contains("to-review"),
        "tags only with --keep-tags: {odf}"
    );

    let lecun = read(&site, "lecun.md");
    assert_curated_kept(&lecun);
    for line in [
        "doi: \"10.1038/nature14539\"",
        "journal_ref: \"Nature 521(7553), 436-444\"",
        "published: 2015-05-28",
        "authors: [\"Yann LeCun\", \"Yoshua Bengio\", \"Geoffrey Hinton\"]",
    ] {
        assert!(lecun.contains(line), "{line} in\n{lecun}");
    }

    let vaswani = read(&site, "attention-is-all-you-need.md");
    for line in [
        "arxiv: \"1706.03762\"",
        "arxiv_version: 7",
        "published: 2017-06\n",
        "journal_ref: \"Advances in Neural Information Processing Systems 30\"",
        "\"Łukasz Kaiser\"",
    ] {
        assert!(vaswani.contains(line), "{line} in\n{vaswani}");
    }
    assert!(!vaswani.contains("keywords"), "{vaswani}");

    let beta = std::fs::read_dir(site.papers())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("vae"))
        .unwrap();
    let beta = std::fs::read_to_string(beta).unwrap();
    // TeX math stays math, as from every source (the site renders it).
    assert!(
        beta.contains("title: \"$\\\\beta$-VAE: Learning Basic Visual Concepts"),
        "{beta}"
    );
    assert!(beta.contains("published: 2017\n"), "{beta}");
    assert!(beta.contains("\"Loïc Matthey\""), "{beta}");
    assert!(
        beta.contains("url: \"https://openreview.net/forum?id=Sy2fzU9gl\""),
        "{beta}"
    );

    let tsne = read(&site, "visualizing-data-using-t-sne.md");
    assert!(tsne.contains("\"Laurens van der Maaten\""), "{tsne}");
    assert!(tsne.contains("published: 2008-11\n"), "{tsne}");

    // Again: nothing changes, nothing is added.
    let before = snapshot(&site.papers());
    let again = import(&site, &fixture("zotero.json"), &options()).unwrap();
    assert_eq!(again.unchanged(), 5, "{again:#?}");
    assert_eq!(snapshot(&site.papers()), before);

    // With --keep-tags, Zotero's tags become keywords.
    let mut keep = options();
    keep.keep_tags = true;
    import(&site, &fixture("zotero.json"), &keep).unwrap();
    let odf = read(&site, "odf.md");
    assert!(
        odf.contains("keywords: [\"Computer Science - Machine Learning\", \"to-review\"]"),
        "{odf}"
    );
    assert_curated_kept(&odf);
    site.build().unwrap();
}

#[test]
fn an_endnote_ris_export_becomes_entries_and_merges_by_any_id_form() {
    let site = TestSite::with_papers(&[(
        "bert.md",
        &curated("BERT", "doi: \"10.48550/arXiv.1810.04805\""),
    )]);
    let report = import(&site, &fixture("endnote.ris"), &options()).unwrap();
    assert_eq!(
        (report.created(), report.updated(), report.skipped()),
        (3, 1, 0),
        "{report:#?}"
    );
    assert_eq!(snapshot(&site.papers()).len(), 4);

    let bert = read(&site, "bert.md");
    assert_curated_kept(&bert);
    for line in [
        "arxiv: \"1810.04805\"",
        "arxiv_version: 2",
        "published: 2018-10-11",
        "\"Ming-Wei Chang\"",
    ] {
        assert!(bert.contains(line), "{line} in\n{bert}");
    }
    // The wrapped abstract line is one paragraph; arXiv is no journal.
    assert!(bert.contains("which stands for Bidirectional"), "{bert}");
    assert!(!bert.contains("journal_ref"), "{bert}");

    let resnet = read(&site, "deep-residual-learning-for-image-recognition.md");
    for line in [
        "doi: \"10.1109/CVPR.2016.90\"",
        "published: 2016-06\n",
        "journal_ref: \"2016 IEEE Conference on Computer Vision and Pattern Recognition (CVPR), 770–778\"",
        "url: \"https://ieeexplore.ieee.org/document/7780459\"",
    ] {
        assert!(resnet.contains(line), "{line} in\n{resnet}");
    }
    let kpca = read(
        &site,
        "nonlinear-component-analysis-as-a-kernel-eigenvalue-problem.md",
    );
    assert!(
        kpca.contains(
            "authors: [\"Bernhard Schölkopf\", \"Alexander Smola\", \"Klaus-Robert Müller\"]"
        ),
        "{kpca}"
    );
    assert!(
        kpca.contains("journal_ref: \"Neural Computation 10(5), 1299–1319\""),
        "{kpca}"
    );
    assert!(kpca.contains("published: 1998\n"), "{kpca}");

    let sparse = std::fs::read_dir(site.papers())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("sparse"))
        .unwrap();
    let sparse = std::fs::read_to_string(sparse).unwrap();
    assert!(sparse.contains("arxiv: \"2301.00001\""), "{sparse}");
    assert!(
        sparse.contains("\"Zdeněk Dvořák\", \"Patric R. J. Østergård\""),
        "{sparse}"
    );
    // TeX text commands are cleaned, math stays math.
    assert!(sparse.contains("*every* $k$-sparse"), "{sparse}");

    let before = snapshot(&site.papers());
    let again = import(&site, &fixture("endnote.ris"), &options()).unwrap();
    assert_eq!(again.unchanged(), 4, "{again:#?}");
    assert_eq!(snapshot(&site.papers()), before);
    site.build().unwrap();
}

/// A malformed file names itself and the line; nothing is written unless
/// `--skip-bad`, and then only the bad record is left out.
fn refused(site: &TestSite, name: &str, text: &str, expected: &[&str]) {
    let path = site.root().join(name);
    std::fs::write(&path, text).unwrap();
    let before = snapshot(&site.papers());
    let message = import(site, &path, &options()).unwrap_err().to_string();
    for part in expected {
        assert!(message.contains(part), "{part:?} in {message}");
    }
    assert_eq!(snapshot(&site.papers()), before, "nothing written");
}

#[test]
fn malformed_csl_json_names_the_file_the_record_and_the_line() {
    let site = TestSite::with_papers(&[]);
    let text = "[\n  {\"id\": \"good\", \"type\": \"article\", \"title\": \"A good paper\"},\n  {\"id\": \"bad\", \"type\": \"article\", \"title\": \"A bad one\",\n   \"issued\": {\"date-parts\": [[2019, 13, 1]]}}\n]\n";
    refused(
        &site,
        "library.json",
        text,
        &["library.json:4", "record 2 (bad)", "13 is not a month"],
    );
    refused(
        &site,
        "broken.json",
        "[\n  {\"id\": \"x\", \"type\": \"article\",\n   \"title\": \"Unclosed\"\n",
        &["broken.json:4", "not valid JSON"],
    );
    let mut skip = options();
    skip.skip_bad = true;
    let report = import(&site, &site.root().join("library.json"), &skip).unwrap();
    assert_eq!((report.created(), report.skipped()), (1, 1), "{report:#?}");
}

#[test]
fn malformed_ris_names_the_file_and_the_line() {
    let site = TestSite::with_papers(&[]);
    refused(
        &site,
        "refs.ris",
        "TY  - JOUR\nTI  - A good paper\nER  - \n\nTY  - JOUR\nTI  - Bad date\nPY  - 19x8\nER  - \n",
        &["refs.ris:7", "record 2 (line 5)", "`PY`"],
    );
    refused(
        &site,
        "unended.ris",
        "TY  - JOUR\nTI  - Never ends\nAU  - Someone\n",
        &["unended.ris:1", "ends before its `ER"],
    );
}

#[test]
fn the_format_is_told_by_content_whatever_the_name() {
    let site = TestSite::with_papers(&[]);
    let root = site.root();
    std::fs::copy(fixture("zotero.json"), root.join("library.json")).unwrap();
    std::fs::copy(fixture("endnote.ris"), root.join("export.txt")).unwrap();
    // Hugging Face daily papers stay Hugging Face's.
    std::fs::copy(fixture("hf-daily.json"), root.join("daily.json")).unwrap();
    for (file, created) in [("library.json", 5), ("export.txt", 4), ("daily.json", 3)] {
        let path = root.join(file);
        let out = sheaf(
            root,
            &["import", path.to_str().unwrap(), "--date", "2025-05-07"],
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains(&format!("{created} created"))
                || stdout.contains(&format!("created {created}")),
            "{file}: {stdout}"
        );
    }
    // Named explicitly, and refused when it is not that format.
    std::fs::copy(fixture("endnote.ris"), root.join("again.ris")).unwrap();
    let again = root.join("again.ris");
    let again = again.to_str().unwrap();
    let out = sheaf(
        root,
        &[
            "import",
            again,
            "--format",
            "ris",
            "--keep-tags",
            "--dry-run",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("Computer Science - Computation and Language"));
    let out = sheaf(root, &["import", again, "--format", "csl-json"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("again.ris:1"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_skipped_record_is_reported_with_its_place() {
    let site = TestSite::with_papers(&[]);
    let path = site.root().join("refs.ris");
    std::fs::write(
        &path,
        "TY  - JOUR\nTI  - One\nER  - \nTY  - JOUR\nAU  - Nobody\nER  - \n",
    )
    .unwrap();
    let mut skip = options();
    skip.skip_bad = true;
    let report = import(&site, &path, &skip).unwrap();
    let skipped: Vec<_> = report
        .outcomes
        .iter()
        .filter(|o| matches!(o.action, Action::Skipped(_)))
        .collect();
    assert_eq!(skipped.len(), 1);
    assert!(skipped[0].locator.ends_with("refs.ris:4"), "{skipped:?}");
}

mod curator_work_survives {
    use super::*;
    use proptest::prelude::*;

    const ODF: &str = "online-difficulty-filtering-for-reasoning-oriented.md";
    const TITLE: &str = "Online Difficulty Filtering for Reasoning Oriented Reinforcement Learning";

    #[derive(Debug, Clone)]
    enum Step {
        /// The paper from Zotero (by its arXiv DOI): published to the month
        /// or the year only, with or without an abstract and tags.
        Csl {
            month: bool,
            abstract_text: Option<String>,
            keep_tags: bool,
        },
        /// The paper from EndNote (by an arXiv URL), likewise.
        Ris {
            month: bool,
            abstract_text: Option<String>,
            keep_tags: bool,
        },
        Arxiv,
        EditNotes(String),
        Tag(String),
    }

    fn step() -> impl Strategy<Value = Step> {
        let abstract_text = proptest::option::of("[A-Za-z][A-Za-z ,.]{0,80}");
        prop_oneof![
            (any::<bool>(), abstract_text.clone(), any::<bool>()).prop_map(
                |(month, abstract_text, keep_tags)| Step::Csl {
                    month,
                    abstract_text,
                    keep_tags
                }
            ),
            (any::<bool>(), abstract_text, any::<bool>()).prop_map(
                |(month, abstract_text, keep_tags)| Step::Ris {
                    month,
                    abstract_text,
                    keep_tags
                }
            ),
            Just(Step::Arxiv),
            "[a-zA-Z0-9 .,:#*_>|\\[\\]()\n-]{0,120}".prop_map(Step::EditNotes),
            "[a-z][a-z0-9-]{0,10}[a-z0-9]".prop_map(Step::Tag),
        ]
    }

    fn csl(month: bool, abstract_text: &Option<String>) -> String {
        let date = if month { "[2025, 4]" } else { "[2025]" };
        let abs = abstract_text
            .as_ref()
            .map(|a| format!("\"abstract\": {a:?},"))
            .unwrap_or_default();
        format!("[{{\"id\": \"odf\", \"type\": \"article\", \"title\": {TITLE:?}, {abs} \"DOI\": \"10.48550/arXiv.2504.03380\", \"keyword\": \"zotero-tag\", \"author\": [{{\"family\": \"Bae\", \"given\": \"Sanghwan\"}}], \"issued\": {{\"date-parts\": [{date}]}}}}]")
    }

    fn ris(month: bool, abstract_text: &Option<String>) -> String {
        let date = if month { "2025/04//" } else { "2025///" };
        let abs = abstract_text
            .as_ref()
            .map(|a| format!("AB  - {a}\r\n"))
            .unwrap_or_default();
        format!("TY  - JOUR\r\nTI  - {TITLE}\r\nAU  - Bae, Sanghwan\r\nUR  - https://arxiv.org/abs/2504.03380v1\r\nPY  - {date}\r\n{abs}KW  - endnote-tag\r\nER  - \r\n")
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        /// Whatever mix of CSL-JSON, RIS and arXiv imports and curator
        /// edits, the curator's fields and notes are as the curator left
        /// them, and the paper has one entry.
        #[test]
        fn any_sequence_of_imports_and_edits(
            steps in proptest::collection::vec(step(), 1..8),
            status in prop_oneof![Just("to-read"), Just("reading"), Just("read")],
            featured in any::<bool>(),
        ) {
            let site = TestSite::with_papers(&[]);
            import(&site, &fixture("arxiv-v1.xml"), &options()).unwrap();
            let path = site.papers().join(ODF);
            let curated = curate_imported(
                &path,
                &format!("status: {status}\nfeatured: {featured}\nthemes: [robustness]\n"),
            );
            let mut notes = String::new();
            let mut tags = vec!["first".to_string()];
            let mut abstract_md = sheaf::input::content::parse_entry(&path, &curated).unwrap().0.abstract_md;
            let mut keywords: Vec<String> = Vec::new();
            for step in steps {
                let mut opts = options();
                match &step {
                    Step::Csl { month, abstract_text, keep_tags } | Step::Ris { month, abstract_text, keep_tags } => {
                        let (name, text, tag) = match &step {
                            Step::Csl { .. } => ("z.json", csl(*month, abstract_text), "zotero-tag"),
                            _ => ("e.ris", ris(*month, abstract_text), "endnote-tag"),
                        };
                        let file = site.root().join(name);
                        std::fs::write(&file, text).unwrap();
                        opts.keep_tags = *keep_tags;
                        import(&site, &file, &opts).unwrap();
                        if let Some(a) = abstract_text.as_ref().filter(|a| !a.trim().is_empty()) {
                            abstract_md = sheaf::input::content::parse_entry(&path, &std::fs::read_to_string(&path).unwrap()).unwrap().0.abstract_md;
                            prop_assert!(abstract_md.contains(a.split_whitespace().next().unwrap()));
                        }
                        if *keep_tags {
                            keywords = vec![tag.to_string()];
                        }
                    }
                    Step::Arxiv => {
                        import(&site, &fixture("arxiv-v1.xml"), &opts).unwrap();
                        abstract_md = sheaf::input::content::parse_entry(&path, &std::fs::read_to_string(&path).unwrap()).unwrap().0.abstract_md;
                    }
                    Step::EditNotes(new) => {
                        edit_notes(&path, new);
                        notes = new.clone();
                    }
                    Step::Tag(tag) => add_tag(&path, &mut tags, tag.clone()),
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let (entry, _) = sheaf::input::content::parse_entry(&path, &text).unwrap();
                prop_assert_eq!(&entry.notes_md, &notes);
                prop_assert_eq!(&entry.tags, &tags);
                prop_assert_eq!(entry.themes.clone(), Some(vec!["robustness".to_string()]));
                prop_assert_eq!(entry.featured, featured);
                prop_assert_eq!(entry.date.to_string(), "2025-05-07");
                let status_line = format!("status: {status}");
                prop_assert!(text.contains(&status_line));
                prop_assert_eq!(entry.arxiv.as_deref(), Some("2504.03380"));
                prop_assert_eq!(&entry.abstract_md, &abstract_md);
                // A year or month never replaces the day arXiv gave.
                prop_assert_eq!(entry.published.map(|d| d.to_string()), Some("2025-04-04".to_string()));
                // Tags arrive as keywords only when asked for.
                prop_assert_eq!(&entry.keywords, &keywords);
            }
            // One file for the paper (and arXiv's other paper), whatever happened.
            prop_assert_eq!(std::fs::read_dir(site.papers()).unwrap().count(), 2);
        }
    }
}

// The scheduled import workflow.

const IMPORT_WORKFLOW: &str = ".github/workflows/sheaf-import.yml";
const VERSION: &str = env!("CARGO_PKG_VERSION");

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `sheaf init` (offline: nothing listens on port 1) with `args`.
fn init_digest(dir: &Path, args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_sheaf"))
        .arg("init")
        .args(args)
        .arg(dir)
        .env("SHEAF_RELEASE_BASE", "http://127.0.0.1:1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
}

/// A SHA256SUMS for this version, one made-up checksum for every archive.
fn sums_file(dir: &Path, digit: char) -> PathBuf {
    let text: String = sheaf::front::workflows::RUNNER_TARGETS
        .iter()
        .map(|t| {
            format!(
                "{}  {}\n",
                digit.to_string().repeat(64),
                sheaf::front::workflows::archive_name(VERSION, t)
            )
        })
        .collect();
    let path = dir.join(format!("SHA256SUMS-{digit}"));
    std::fs::write(&path, text).unwrap();
    path
}

/// A step of a written workflow, by name: the YAML of the file, not a copy.
fn step(workflow: &serde_yaml::Value, job: &str, name: &str) -> serde_yaml::Value {
    workflow["jobs"][job]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| s["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no step {name:?}"))
        .clone()
}

fn workflow(root: &Path, path: &str) -> serde_yaml::Value {
    serde_yaml::from_str(&std::fs::read_to_string(root.join(path)).unwrap()).unwrap()
}

#[test]
fn init_schedule_writes_an_import_workflow_that_installs_sheaf_as_pages_does() {
    let tmp = tempfile::tempdir().unwrap();
    let sums = sums_file(tmp.path(), 'c');
    let daily = tmp.path().join("daily");
    init_digest(
        &daily,
        &["--schedule", "daily", "--checksums", sums.to_str().unwrap()],
    );
    let import = workflow(&daily, IMPORT_WORKFLOW);
    let pages = workflow(&daily, ".github/workflows/pages.yml");
    assert_eq!(
        import["on"]["schedule"][0]["cron"].as_str(),
        Some("17 6 * * *")
    );
    assert!(import["on"]["workflow_dispatch"].is_null());
    assert_eq!(
        import["permissions"],
        serde_yaml::from_str::<serde_yaml::Value>("{}").unwrap()
    );
    assert_eq!(
        import["jobs"]["import"]["permissions"],
        serde_yaml::from_str::<serde_yaml::Value>("{contents: write, pull-requests: write}")
            .unwrap()
    );
    // The same pinned sheaf, installed by the same steps.
    assert_eq!(
        import["env"]["SHEAF_VERSION"],
        pages["env"]["SHEAF_VERSION"]
    );
    let install = step(&import, "import", "Install sheaf");
    assert_eq!(install, step(&pages, "build", "Install sheaf"));
    assert_eq!(
        install["run"]
            .as_str()
            .unwrap()
            .matches(&"c".repeat(64))
            .count(),
        4
    );
    assert_eq!(
        step(&import, "import", "Import new papers")["run"].as_str(),
        Some("sheaf import --from-config")
    );
    for s in import["jobs"]["import"]["steps"].as_sequence().unwrap() {
        if let Some(uses) = s["uses"].as_str() {
            let sha = uses.split('@').nth(1).unwrap();
            assert!(
                sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
                "{uses}"
            );
        }
    }
    let raw = std::fs::read_to_string(daily.join(IMPORT_WORKFLOW)).unwrap();
    for says in [
        "Allow GitHub Actions to create and approve pull requests",
        "60",
        "GITHUB_TOKEN starts no other",
        "persist-credentials: false",
    ] {
        assert!(raw.contains(says), "{says}");
    }

    let weekly = tmp.path().join("weekly");
    init_digest(&weekly, &["--schedule", "weekly"]);
    let import = workflow(&weekly, IMPORT_WORKFLOW);
    assert_eq!(
        import["on"]["schedule"][0]["cron"].as_str(),
        Some("17 6 * * 1")
    );
    // Without --schedule, no import workflow.
    let plain = tmp.path().join("plain");
    init_digest(&plain, &[]);
    assert!(!plain.join(IMPORT_WORKFLOW).exists());
}

fn upgrade(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sheaf"))
        .arg("--root")
        .arg(root)
        .arg("upgrade-workflows")
        .args(args)
        .env("SHEAF_RELEASE_BASE", "http://127.0.0.1:1")
        .output()
        .unwrap()
}

#[test]
fn upgrade_workflows_adds_the_import_workflow_and_keeps_it_in_step() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("d");
    let a = sums_file(tmp.path(), 'a');
    let b = sums_file(tmp.path(), 'b');
    init_digest(&root, &["--checksums", a.to_str().unwrap()]);
    assert!(!root.join(IMPORT_WORKFLOW).exists());

    let out = upgrade(
        &root,
        &["--schedule", "weekly", "--checksums", a.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("sheaf-import.yml: added"),
        "{}",
        text(&out)
    );
    assert!(
        text(&out).contains("Allow GitHub Actions to create"),
        "{}",
        text(&out)
    );
    let added = std::fs::read_to_string(root.join(IMPORT_WORKFLOW)).unwrap();
    assert!(added.contains("- cron: \"17 6 * * 1\""));
    assert_eq!(added.matches(&"a".repeat(64)).count(), 4);

    // A new release's checksums reach both workflows; the schedule stays.
    let out = upgrade(&root, &["--checksums", b.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    for path in [IMPORT_WORKFLOW, ".github/workflows/pages.yml"] {
        let now = std::fs::read_to_string(root.join(path)).unwrap();
        assert_eq!(now.matches(&"b".repeat(64)).count(), 4, "{path}");
        assert!(!now.contains(&"a".repeat(64)), "{path}");
    }
    assert!(std::fs::read_to_string(root.join(IMPORT_WORKFLOW))
        .unwrap()
        .contains("- cron: \"17 6 * * 1\""));
    // Asked for daily: sheaf's own file changes its schedule.
    let out = upgrade(
        &root,
        &["--schedule", "daily", "--checksums", b.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(std::fs::read_to_string(root.join(IMPORT_WORKFLOW))
        .unwrap()
        .contains("- cron: \"17 6 * * *\""));

    // The curator's own cron is an edit: left alone without --force.
    let edited = std::fs::read_to_string(root.join(IMPORT_WORKFLOW))
        .unwrap()
        .replace("17 6 * * *", "0 5 * * 2");
    std::fs::write(root.join(IMPORT_WORKFLOW), &edited).unwrap();
    let out = upgrade(&root, &["--checksums", a.to_str().unwrap()]);
    assert!(
        text(&out).contains("sheaf-import.yml: edited since sheaf wrote it, left alone"),
        "{}",
        text(&out)
    );
    assert_eq!(
        std::fs::read_to_string(root.join(IMPORT_WORKFLOW)).unwrap(),
        edited
    );
}

/// A digest under git with a bare repository as `origin`, the import
/// workflow's steps, and fake `sheaf` and `gh` on PATH that log their
/// calls.
struct Run {
    tmp: tempfile::TempDir,
    import_step: String,
    pr_step: String,
}

const FAKE_SHEAF: &str = r#"#!/bin/sh
# Writes what FAKE_NEW and FAKE_CHANGED say, as an import would.
[ "$1 $2" = "import --from-config" ] || { echo "unexpected: $*" >&2; exit 2; }
for f in $FAKE_NEW; do printf -- '---\ntitle: "%s"\ndate: 2025-05-07\n---\n' "$f" > "content/papers/$f.md"; done
for f in $FAKE_CHANGED; do printf 'changed\n' >> "content/papers/$f.md"; done
"#;

const FAKE_GH: &str = r#"#!/bin/sh
echo "gh $*" >> "$GH_LOG"
if [ "$1 $2" = "pr create" ]; then
  while [ $# -gt 0 ]; do
    if [ "$1" = "--body-file" ]; then cat "$2" >> "$GH_LOG"; fi
    shift
  done
  if [ -n "$GH_FAIL" ]; then
    echo "pull request create failed: GraphQL: GitHub Actions is not permitted to create or approve pull requests (createPullRequest)" >&2
    exit 1
  fi
  echo "https://github.com/curator/digest/pull/7"
fi
"#;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("HOME", dir.parent().unwrap())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl Run {
    fn new() -> Run {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("digest");
        init_digest(&repo, &["--schedule", "daily"]);
        let w = workflow(&repo, IMPORT_WORKFLOW);
        let run_of = |name: &str| {
            step(&w, "import", name)["run"]
                .as_str()
                .unwrap()
                .to_string()
        };
        let run = Run {
            import_step: run_of("Import new papers"),
            pr_step: run_of("Open a pull request"),
            tmp,
        };
        let bin = run.tmp.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        for (name, script) in [("sheaf", FAKE_SHEAF), ("gh", FAKE_GH)] {
            let path = bin.join(name);
            std::fs::write(&path, script).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::fs::write(run.log(), "").unwrap();
        let origin = run.tmp.path().join("origin.git");
        git(
            run.tmp.path(),
            &[
                "init",
                "--quiet",
                "--bare",
                "--initial-branch=main",
                origin.to_str().unwrap(),
            ],
        );
        git(&repo, &["init", "--quiet", "--initial-branch=main"]);
        git(&repo, &["config", "user.name", "Curator"]);
        git(&repo, &["config", "user.email", "curator@example.org"]);
        git(&repo, &["add", "--all"]);
        git(&repo, &["commit", "--quiet", "-m", "digest"]);
        git(
            &repo,
            &["remote", "add", "origin", origin.to_str().unwrap()],
        );
        git(&repo, &["push", "--quiet", "origin", "main"]);
        run
    }

    fn repo(&self) -> PathBuf {
        self.tmp.path().join("digest")
    }

    fn log(&self) -> PathBuf {
        self.tmp.path().join("gh.log")
    }

    /// Runs both steps as the runner would (bash, the step's env).
    fn steps(&self, new: &str, changed: &str, gh_fails: bool) -> Output {
        let path = format!(
            "{}:{}",
            self.tmp.path().join("bin").display(),
            std::env::var("PATH").unwrap()
        );
        let mut command = Command::new("bash");
        command
            .arg("-e")
            .arg("-c")
            .arg(format!("{}\n{}", self.import_step, self.pr_step))
            .current_dir(self.repo())
            .env("PATH", path)
            .env("HOME", self.tmp.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GITHUB_REF_NAME", "main")
            .env("GH_TOKEN", "not-a-token")
            .env("GH_LOG", self.log())
            .env("FAKE_NEW", new)
            .env("FAKE_CHANGED", changed);
        if gh_fails {
            command.env("GH_FAIL", "1");
        }
        command.output().unwrap()
    }

    fn gh_calls(&self) -> String {
        std::fs::read_to_string(self.log()).unwrap()
    }

    fn remote_branches(&self) -> Vec<String> {
        git(&self.repo(), &["ls-remote", "--heads", "origin"])
            .lines()
            .filter_map(|l| l.split('\t').nth(1))
            .map(|r| r.trim_start_matches("refs/heads/").to_string())
            .collect()
    }
}

fn today() -> String {
    time::OffsetDateTime::now_utc().date().to_string()
}

#[test]
fn the_import_workflow_does_nothing_when_nothing_is_new() {
    let run = Run::new();
    let head = git(&run.repo(), &["rev-parse", "HEAD"]);
    let out = run.steps("", "", false);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("::notice::No new papers"),
        "{}",
        text(&out)
    );
    assert_eq!(run.gh_calls(), "", "no gh call");
    assert_eq!(git(&run.repo(), &["rev-parse", "HEAD"]), head, "no commit");
    assert_eq!(run.remote_branches(), ["main"]);
}

#[test]
fn the_import_workflow_opens_one_pull_request_with_the_new_entries() {
    let run = Run::new();
    let out = run.steps("new-paper", "attention-is-all-you-need", false);
    assert!(out.status.success(), "{}", text(&out));
    let day = today();
    let branch = format!("sheaf/import-{day}");
    assert_eq!(run.remote_branches(), ["main".to_string(), branch.clone()]);
    // One commit on the branch, with the two entries.
    let files = git(
        &run.repo(),
        &["diff", "--name-status", "main", &format!("origin/{branch}")],
    );
    assert_eq!(
        files,
        "M\tcontent/papers/attention-is-all-you-need.md\nA\tcontent/papers/new-paper.md\n"
    );
    assert_eq!(
        git(
            &run.repo(),
            &["rev-list", "--count", &format!("main..origin/{branch}")]
        ),
        "1\n"
    );
    let calls = run.gh_calls();
    assert!(calls.starts_with("gh auth setup-git\n"), "{calls}");
    assert_eq!(calls.matches("gh pr create").count(), 1, "{calls}");
    let title = format!("New papers, {day} (1 new, 1 updated)");
    assert!(
        calls.contains(&format!(
            "gh pr create --base main --head {branch} --title {title} --body-file"
        )),
        "{calls}"
    );
    assert!(
        calls.contains("- new: `content/papers/new-paper.md`"),
        "{calls}"
    );
    assert!(
        calls.contains("- updated: `content/papers/attention-is-all-you-need.md`"),
        "{calls}"
    );
    assert!(calls.contains("no other workflow (CI) runs"), "{calls}");
    assert!(text(&out).contains("::notice::Opened https://github.com/curator/digest/pull/7"));
    assert_eq!(
        git(
            &run.repo(),
            &["log", "-1", "--format=%s", &format!("origin/{branch}")]
        ),
        format!("{title}\n")
    );

    // A second run the same day, from main again: a branch of its own.
    git(&run.repo(), &["switch", "--quiet", "main"]);
    git(&run.repo(), &["clean", "--quiet", "-fd"]);
    let out = run.steps("another-paper", "", false);
    assert!(out.status.success(), "{}", text(&out));
    let branches = run.remote_branches();
    assert_eq!(branches.len(), 3, "{branches:?}");
    assert!(
        branches
            .iter()
            .any(|b| b.starts_with(&format!("{branch}-"))),
        "{branches:?}"
    );
    assert_eq!(run.gh_calls().matches("gh pr create").count(), 2);
}

#[test]
fn the_import_workflow_explains_the_repository_setting_when_gh_is_refused() {
    let run = Run::new();
    let out = run.steps("new-paper", "", true);
    assert!(!out.status.success());
    let said = text(&out);
    let errors: Vec<&str> = said
        .lines()
        .filter(|l| l.starts_with("::error::"))
        .collect();
    assert_eq!(errors.len(), 1, "{said}");
    assert!(
        errors[0].contains("\"Allow GitHub Actions to create and approve pull requests\"")
            && errors[0].contains(&format!("sheaf/import-{}", today())),
        "{said}"
    );
    // The papers are kept on the branch for when the setting is on.
    assert_eq!(run.remote_branches().len(), 2);
}
