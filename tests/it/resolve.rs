//! `sheaf resolve`: finding the arXiv paper behind an entry by its title,
//! against a stand-in for the arXiv API on 127.0.0.1 that answers each
//! title query with a recorded response, and from an Atom file (the
//! bundled digest's facts).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::*;
use sheaf::front::import::{resolve, Found, ResolveOptions};

const TODAY: time::Date = time::macros::date!(2026 - 01 - 02);

const LN_ABSTRACT: &str = "Training state-of-the-art, deep neural networks is computationally expensive. One way to reduce the training time is to normalize the activities of the neurons.";

/// The recorded answers, by the phrase of a `ti:"…"` query: what arXiv
/// answers for it.
fn recorded() -> HashMap<&'static str, Vec<String>> {
    let ln = atom_entry(
        "1607.06450v1",
        "Layer\n      Normalization",
        LN_ABSTRACT,
        &["Jimmy Lei Ba", "Jamie Ryan Kiros", "Geoffrey E. Hinton"],
        "2016-07-21",
    );
    // A phrase search finds the phrase inside longer titles too.
    let rms = atom_entry(
        "1910.07467v1",
        "Root Mean Square Layer Normalization",
        "Layer normalization (LayerNorm) has been successfully applied.",
        &["Biao Zhang", "Rico Sennrich"],
        "2019-10-16",
    );
    let scaling = atom_entry(
        "2001.08361v1",
        "Scaling Laws for Neural Language Models",
        "We study empirical scaling laws for language model performance.",
        &["Jared Kaplan"],
        "2020-01-23",
    );
    let twin = |id: &str| {
        atom_entry(
            id,
            "Sparse Training",
            "A paper about sparse training.",
            &["Some One"],
            "2021-02-03",
        )
    };
    let revised = atom_entry(
        "2406.00001v3",
        "A Revised Paper",
        "The third version's abstract, rewritten since the entry was taken.",
        &["Rev Iser"],
        "2024-06-01",
    );
    HashMap::from([
        ("layer normalization", vec![ln, rms]),
        ("scaling laws for neural language model", vec![scaling]),
        (
            "sparse training",
            vec![twin("2102.00001v1"), twin("2102.00002v2")],
        ),
        ("a paper nobody wrote", vec![]),
        ("a revised paper", vec![revised]),
    ])
}

/// What the fake API was asked.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<HashMap<String, String>>>>);

impl Log {
    fn queries(&self) -> Vec<HashMap<String, String>> {
        self.0.lock().unwrap().clone()
    }
}

/// A stand-in for the arXiv API on 127.0.0.1: answers every `ti:"…"`
/// phrase of a query with its recorded entries. A query with the phrase
/// `overloaded` gets HTTP 503; one with `silent` gets no answer at all.
/// Returns its base URL and the log of queries.
fn fake_arxiv() -> (String, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let log = Log::default();
    let kept = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let log = kept.clone();
            std::thread::spawn(move || {
                let mut request = String::new();
                let _ = BufReader::new(&stream).read_line(&mut request);
                let target = request.split_whitespace().nth(1).unwrap_or("/");
                let url = url::Url::parse(&format!("http://fake{target}")).unwrap();
                let query: HashMap<String, String> = url.query_pairs().into_owned().collect();
                log.0.lock().unwrap().push(query.clone());
                let search = query.get("search_query").cloned().unwrap_or_default();
                let phrases: Vec<&str> = search
                    .split("ti:\"")
                    .skip(1)
                    .filter_map(|p| p.split('"').next())
                    .collect();
                if phrases.contains(&"silent") {
                    // Never answers (the client gives up first).
                    std::thread::sleep(Duration::from_secs(20));
                    return;
                }
                let (status, body) = if phrases.contains(&"overloaded") {
                    ("503 Service Unavailable", "Rate exceeded.".to_string())
                } else {
                    let answers = recorded();
                    let max: usize = query
                        .get("max_results")
                        .and_then(|m| m.parse().ok())
                        .unwrap_or(10);
                    let entries: Vec<String> = phrases
                        .iter()
                        .flat_map(|p| answers.get(p).cloned().unwrap_or_default())
                        .take(max)
                        .collect();
                    ("200 OK", feed(&entries))
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: application/atom+xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    (format!("http://{addr}/api/query"), log)
}

const CURATED_LN: &str = "---\n# The curator's comment stays.\ntitle: \"Layer Normalization\"\ndate: 2025-05-07\nstatus: read # read twice\nverdict: must-read\nreviewer: Ada\nabstract: |\n  Training state-of-the-art, deep neural networks is computationally expensive. One way to reduce the training time is to normalize the activities of the neurons.\n---\nMy notes, with a table:\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nAnd a last line without a newline.";

fn plain(title: &str) -> String {
    entry(title, "")
}

/// A site with entries for every recorded case, pointed at `api`.
fn site_with(api: &str, papers: &[(&str, String)]) -> TestSite {
    let refs: Vec<(&str, &str)> = papers.iter().map(|(n, t)| (*n, t.as_str())).collect();
    let site = TestSite::with_papers(&refs);
    let path = site.root().join("site-config.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{text}\narxiv_api: \"{api}\"\n")).unwrap();
    site
}

fn every_case() -> Vec<(&'static str, String)> {
    vec![
        ("layer-normalization.md", CURATED_LN.to_string()),
        (
            "scaling-laws.md",
            plain("Scaling Laws for Neural Language Model"),
        ),
        ("sparse-training.md", plain("Sparse Training")),
        ("nobody.md", plain("A Paper Nobody Wrote")),
        ("overloaded.md", plain("Overloaded")),
        ("silent.md", plain("Silent")),
    ]
}

fn sheaf(root: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sheaf"))
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .unwrap()
}

/// `resolve` against the fake API, quickly: no wait between requests and
/// a short timeout.
fn run_resolve(site: &TestSite, extra: &[&str]) -> (Output, String, String) {
    let mut args = vec!["resolve", "--interval", "0", "--timeout", "0.5"];
    args.extend_from_slice(extra);
    let out = sheaf(site.root(), &args);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    (out, stdout, stderr)
}

fn read(site: &TestSite, name: &str) -> String {
    std::fs::read_to_string(site.papers().join(name)).unwrap()
}

#[test]
fn every_case_gets_its_message_and_only_a_match_is_written() {
    let (api, _) = fake_arxiv();
    let cases = every_case();
    let site = site_with(&api, &cases);
    // One title a request, so a failing request fails only its entry.
    let (out, stdout, stderr) = run_resolve(&site, &["--batch", "1"]);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");

    // Exact match: recorded, the distractor with the phrase inside a
    // longer title ignored.
    assert!(
        stdout.contains("resolved content/papers/layer-normalization.md: arXiv 1607.06450v1 (arxiv, arxiv_version, authors, categories, published, updated)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  key: layer → ba2016layer (layer kept in bibtex_ids)"),
        "{stdout}"
    );
    let ln = read(&site, "layer-normalization.md");
    assert!(ln.contains("arxiv: \"1607.06450\"\n"), "{ln}");
    assert!(ln.contains("arxiv_version: 1\n"), "{ln}");
    assert!(
        ln.contains("authors: [\"Jimmy Lei Ba\", \"Jamie Ryan Kiros\", \"Geoffrey E. Hinton\"]\n"),
        "{ln}"
    );
    assert!(ln.contains("published: 2016-07-21\n"), "{ln}");
    assert!(
        ln.contains("categories: [\"stat.ML\", \"cs.LG\"]\n"),
        "{ln}"
    );
    assert!(ln.contains("bibtex_ids: [\"layer\"]\n"), "{ln}");
    assert!(!ln.contains("revised:"), "the abstract matched: {ln}");
    // The notes body and every curator's line survive byte for byte:
    // taking out the added keys gives the file as it was.
    let added = [
        "arxiv:",
        "arxiv_version:",
        "authors:",
        "published:",
        "updated:",
        "categories:",
        "bibtex_ids:",
    ];
    let without: Vec<&str> = ln
        .split_inclusive('\n')
        .filter(|l| !added.iter().any(|k| l.starts_with(k)))
        .collect();
    assert_eq!(without.concat(), CURATED_LN);

    // Near miss: both titles, nothing written.
    assert!(
        stdout.contains("near miss content/papers/scaling-laws.md: \"Scaling Laws for Neural Language Model\" is not the title of 2001.08361 \"Scaling Laws for Neural Language Models\""),
        "{stdout}"
    );
    // Two candidates: ambiguous, an error, nothing written.
    assert!(
        stderr.contains("ambiguous content/papers/sparse-training.md: 2 arXiv papers are titled \"Sparse Training\": 2102.00001 \"Sparse Training\", 2102.00002 \"Sparse Training\"; nothing written"),
        "{stderr}"
    );
    // No result.
    assert!(
        stdout.contains(
            "not found content/papers/nobody.md: no arXiv paper is titled \"A Paper Nobody Wrote\""
        ),
        "{stdout}"
    );
    // HTTP 503 and a timeout: a message naming the entry and the cause.
    assert!(
        stderr.contains("failed content/papers/overloaded.md (\"Overloaded\"): cannot fetch")
            && stderr.contains("HTTP 503"),
        "{stderr}"
    );
    assert!(
        stderr.contains("failed content/papers/silent.md (\"Silent\"): cannot fetch")
            && stderr.contains("no answer within 0.5 s"),
        "{stderr}"
    );
    assert!(
        stdout.contains("1 resolved, 1 near misses, 1 not found, 1 ambiguous, 2 failed"),
        "{stdout}"
    );
    assert!(stderr.contains("3 entries were not resolved"), "{stderr}");
    for (name, text) in &cases[1..] {
        assert_eq!(&read(&site, name), text, "{name} was written");
    }
}

#[test]
fn titles_are_batched_into_one_query_and_misses_asked_again_alone() {
    let (api, log) = fake_arxiv();
    let site = site_with(
        &api,
        &[
            ("layer-normalization.md", CURATED_LN.to_string()),
            ("nobody.md", plain("A Paper Nobody Wrote")),
            ("revised.md", plain("A Revised Paper")),
        ],
    );
    let config = sheaf::io::load::config(site.root()).unwrap();
    let mut opts = ResolveOptions::new(TODAY);
    opts.interval = Duration::ZERO;
    let report = resolve(&config, &opts, &sheaf::base::progress::Silent).unwrap();
    assert_eq!(report.resolved(), 2, "{report:#?}");
    assert_eq!(report.failed(), 0);
    let queries = log.queries();
    // One request for the three titles, then the one it did not find, alone.
    assert_eq!(queries.len(), 2, "{:?}", queries);
    let first = &queries[0]["search_query"];
    for phrase in [
        "ti:\"layer normalization\"",
        "ti:\"a paper nobody wrote\"",
        "ti:\"a revised paper\"",
    ] {
        assert!(first.contains(phrase), "{first}");
    }
    assert_eq!(first.matches(" OR ").count(), 2, "{first}");
    assert_eq!(queries[0]["max_results"], "30");
    assert_eq!(queries[1]["search_query"], "ti:\"a paper nobody wrote\"");
}

#[test]
fn the_default_interval_is_three_seconds() {
    let opts = ResolveOptions::new(TODAY);
    assert_eq!(opts.interval, Duration::from_secs(3));
    assert_eq!(
        sheaf::front::import::resolve_defaults::INTERVAL_SECONDS,
        3.0
    );
    let help = Command::new(env!("CARGO_BIN_EXE_sheaf"))
        .args(["resolve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    let interval = help
        .split("--interval")
        .nth(1)
        .and_then(|h| h.split("--").next())
        .unwrap_or_default();
    assert!(interval.contains("[default: 3]"), "{help}");
}

#[test]
fn a_different_abstract_is_kept_unless_asked_and_the_entry_marked_revised() {
    let (api, _) = fake_arxiv();
    let site = site_with(&api, &[("revised.md", plain("A Revised Paper"))]);
    let before = read(&site, "revised.md");
    let config = sheaf::io::load::config(site.root()).unwrap();
    let mut opts = ResolveOptions::new(TODAY);
    opts.interval = Duration::ZERO;
    let report = resolve(&config, &opts, &sheaf::base::progress::Silent).unwrap();
    let Found::Resolved { version, notes, .. } = &report.resolutions[0].found else {
        panic!("{report:#?}")
    };
    assert_eq!(*version, Some(3));
    assert!(
        notes.iter().any(|n| n.contains("abstract differs")),
        "{notes:?}"
    );
    let text = read(&site, "revised.md");
    assert!(
        text.contains("  An abstract about gaussian splatting.\n"),
        "{text}"
    );
    assert!(!text.contains("third version"), "{text}");
    assert!(text.contains("revised: 2026-01-02\n"), "{text}");
    assert!(text.contains("arxiv_version: 3\n"), "{text}");

    // Asked to, it takes arXiv's abstract.
    std::fs::write(site.papers().join("revised.md"), &before).unwrap();
    opts.update_abstracts = true;
    resolve(&config, &opts, &sheaf::base::progress::Silent).unwrap();
    let text = read(&site, "revised.md");
    assert!(
        text.contains("  The third version's abstract, rewritten since the entry was taken.\n"),
        "{text}"
    );
    assert!(text.contains("revised: 2026-01-02\n"), "{text}");
}

#[test]
fn dry_run_shows_the_diff_and_writes_nothing() {
    let (api, _) = fake_arxiv();
    let site = site_with(&api, &[("layer-normalization.md", CURATED_LN.to_string())]);
    let before = snapshot(&site.papers());
    let (out, stdout, stderr) = run_resolve(&site, &["--dry-run"]);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains(
            "would be resolved content/papers/layer-normalization.md: arXiv 1607.06450v1"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("+arxiv: \"1607.06450\""), "{stdout}");
    assert!(stdout.contains("+bibtex_ids: [\"layer\"]"), "{stdout}");
    assert!(stdout.contains("(dry run: nothing written)"), "{stdout}");
    assert_eq!(snapshot(&site.papers()), before);
}

#[test]
fn named_entries_only_and_entries_with_an_id_are_left_alone() {
    let (api, log) = fake_arxiv();
    let site = site_with(
        &api,
        &[
            ("layer-normalization.md", CURATED_LN.to_string()),
            ("nobody.md", plain("A Paper Nobody Wrote")),
            ("has-id.md", entry("Has an Id", "arxiv: \"2310.06825\"\n")),
        ],
    );
    let (out, stdout, stderr) = run_resolve(&site, &["nobody", "has-id"]);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout
            .contains("skipped content/papers/has-id.md: it has an arXiv id already (2310.06825)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("not found content/papers/nobody.md"),
        "{stdout}"
    );
    assert!(!stdout.contains("layer-normalization"), "{stdout}");
    assert_eq!(read(&site, "layer-normalization.md"), CURATED_LN);
    assert!(log
        .queries()
        .iter()
        .all(|q| !q["search_query"].contains("layer")));

    let (out, _, stderr) = run_resolve(&site, &["no-such-entry"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("content/papers/no-such-entry.md") && stderr.contains("no such entry"),
        "{stderr}"
    );
}

#[test]
fn a_changed_key_stays_an_alias_that_biblatex_reads() {
    let (api, _) = fake_arxiv();
    let site = site_with(&api, &[("layer-normalization.md", CURATED_LN.to_string())]);
    let (out, _, stderr) = run_resolve(&site, &[]);
    assert!(out.status.success(), "{stderr}");
    site.build().unwrap();
    let bib = site.read("papers.bib");
    assert!(bib.contains("@misc{ba2016layer,\n"), "{bib}");
    assert!(bib.contains("  ids = {layer},\n"), "{bib}");
    let parsed = biblatex::Bibliography::parse(&bib).unwrap();
    let by_alias = parsed.get("layer").expect("the former key finds the paper");
    assert_eq!(by_alias.key, "ba2016layer");
    let json: serde_json::Value = serde_json::from_str(&site.read("papers.json")).unwrap();
    let paper = &json["papers"][0];
    assert_eq!(paper["bibtex_key"], "ba2016layer");
    assert_eq!(paper["bibtex_ids"], serde_json::json!(["layer"]));

    // A new paper whose key would be the alias steps around it, so the
    // old citation still names the paper it named.
    site.write_paper("layer-wise.md", &plain("Layer-wise Training"));
    site.build().unwrap();
    let bib = site.read("papers.bib");
    let parsed = biblatex::Bibliography::parse(&bib).unwrap();
    assert_eq!(parsed.get("layer").unwrap().key, "ba2016layer");
    assert!(parsed.get("layera").is_some(), "{bib}");
}

#[test]
fn a_bad_alias_is_an_error_with_its_line() {
    let site = TestSite::with_papers(&[("bad.md", &entry("Bad", "bibtex_ids: [\"two words\"]\n"))]);
    let err = build_error(&site);
    assert!(err.contains("content/papers/bad.md:4"), "{err}");
    assert!(err.contains("not a BibTeX key"), "{err}");
}

const FACTS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/arxiv/bundled-digest.atom"
);

/// The parsed entries of a folder, by file name.
fn entries(dir: &std::path::Path) -> Vec<(String, sheaf::input::content::Entry)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|item| {
            let path = item.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let entry = sheaf::input::content::parse_entry(&path, &text).unwrap().0;
            (
                path.file_name().unwrap().to_string_lossy().to_string(),
                entry,
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn the_bundled_digest_holds_what_its_facts_file_gives() {
    let repo = entries(&std::path::Path::new(REPO).join("content/papers"));
    let with_facts = repo
        .iter()
        .filter(|(_, e)| e.arxiv.is_some() && !e.authors.is_empty())
        .count();
    assert!(with_facts >= 110, "{with_facts} of {}", repo.len());

    // Applying the file again finds nothing to change.
    let site = TestSite::bundled();
    let before = snapshot(&site.papers());
    let out = sheaf(site.root(), &["resolve", "--from", FACTS]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("0 resolved, 0 near misses, 2 not found, 0 ambiguous, 0 failed"),
        "{stdout}"
    );
    assert_eq!(snapshot(&site.papers()), before);

    // From the entries as the seed import left them (no facts), the file
    // gives back every fact the repository holds, and the abstracts stay.
    let facts = [
        "arxiv:",
        "arxiv_version:",
        "authors:",
        "published:",
        "updated:",
        "categories:",
    ];
    for item in std::fs::read_dir(site.papers()).unwrap() {
        let path = item.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let seed: String = text
            .split_inclusive('\n')
            .filter(|l| !facts.iter().any(|k| l.starts_with(k)))
            .collect();
        std::fs::write(&path, seed).unwrap();
    }
    let out = sheaf(site.root(), &["resolve", "--from", FACTS]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("118 resolved"));
    let again = entries(&site.papers());
    assert_eq!(again.len(), repo.len());
    for ((name, a), (_, b)) in again.iter().zip(&repo) {
        assert_eq!(
            (&a.title, &a.abstract_md, &a.notes_md, &a.code),
            (&b.title, &b.abstract_md, &b.notes_md, &b.code),
            "{name}"
        );
        assert_eq!(
            (
                &a.arxiv,
                a.arxiv_version,
                &a.authors,
                a.published,
                a.updated
            ),
            (
                &b.arxiv,
                b.arxiv_version,
                &b.authors,
                b.published,
                b.updated
            ),
            "{name}"
        );
        // Former keys are not compared: stripped of their facts, the
        // entries' keys move again and resolve records that, while the
        // repository's entries keep none (their only published keys were
        // the `anon2025…` ones, which named no author and a false year).
        assert_eq!(&a.categories, &b.categories, "{name}");
        assert_eq!(a.revised, None, "{name}: the seed abstract is the file's");
    }
}

#[test]
fn an_alias_that_moves_another_key_rebuilds_like_a_full_build() {
    use sheaf::build::{BuildOptions, Session};
    let outputs = |s: &Session| -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<_> = s
            .outputs()
            .iter()
            .map(|(p, o)| (p.clone(), o.bytes.to_vec()))
            .collect();
        v.sort();
        v
    };
    let site = TestSite::bundled();
    let mut session = Session::new(site.root(), BuildOptions::default()).unwrap();
    // 1-bit Adam has neither authors nor a year: its key is its first
    // word, "1". Claiming that as another paper's former key moves it.
    let path = site.papers().join("layer-normalization.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replacen("date:", "bibtex_ids: [\"1\"]\ndate:", 1);
    std::fs::write(&path, text).unwrap();
    session.apply(&[path]).unwrap();
    let fresh = Session::new(site.root(), BuildOptions::default()).unwrap();
    let bib = |s: &Session| {
        s.outputs()
            .iter()
            .find(|(p, _)| p.as_str() == "papers.bib")
            .map(|(_, o)| String::from_utf8_lossy(&o.bytes).to_string())
            .unwrap()
    };
    assert!(bib(&fresh).contains("@misc{1a,"), "{}", bib(&fresh));
    assert!(
        outputs(&session) == outputs(&fresh),
        "incremental and full builds differ"
    );
}

#[test]
fn a_paper_already_in_the_digest_is_not_given_to_a_second_entry() {
    let (api, _) = fake_arxiv();
    let held = entry(
        "LayerNorm, as the curator titled it",
        "arxiv: \"1607.06450\"\n",
    );
    let site = site_with(
        &api,
        &[
            ("layer-normalization.md", CURATED_LN.to_string()),
            ("layernorm.md", held),
        ],
    );
    let stderr = refused(&site, &[]);
    assert!(
        stderr.contains("duplicate content/papers/layer-normalization.md: its arXiv paper is content/papers/layernorm.md already; nothing written"),
        "{stderr}"
    );
}

/// Runs `resolve`, which must fail (exit 1) and leave every entry as it
/// was; its standard error.
fn refused(site: &TestSite, args: &[&str]) -> String {
    let before = snapshot(&site.papers());
    let (out, stdout, stderr) = run_resolve(site, args);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert_eq!(snapshot(&site.papers()), before);
    stderr
}

#[test]
fn a_broken_facts_file_writes_nothing() {
    let site = TestSite::bundled();
    let before = snapshot(&site.papers());
    let text = std::fs::read_to_string(FACTS).unwrap();
    let cut = site.root().join("cut.atom");
    std::fs::write(&cut, &text[..text.len() / 2]).unwrap();
    let out = sheaf(site.root(), &["resolve", "--from", cut.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cut.atom:") && stderr.contains("well-formed"),
        "{stderr}"
    );
    assert_eq!(snapshot(&site.papers()), before);
}

/// Found in review: an entry that names the paper only by its URL, or one
/// that does not parse, holds it as surely as one with `arxiv:`.
#[test]
fn a_paper_held_by_url_or_by_a_broken_entry_is_not_given_twice() {
    let (api, _) = fake_arxiv();
    let by_url = entry(
        "LayerNorm, as the curator titled it",
        "url: \"https://arxiv.org/abs/1607.06450v2\"\n",
    );
    let site = site_with(
        &api,
        &[
            ("layer-normalization.md", CURATED_LN.to_string()),
            ("layernorm.md", by_url),
        ],
    );
    let stderr = refused(&site, &["layer-normalization"]);
    assert!(
        stderr.contains("its arXiv paper is content/papers/layernorm.md already"),
        "{stderr}"
    );

    let broken = "---\ntitle: LayerNorm\ndate: 2025-05-07\narxiv: \"1607.06450\"\nstatus: read\nstatus: reading\n---\n";
    let site = site_with(
        &api,
        &[
            ("layer-normalization.md", CURATED_LN.to_string()),
            ("layernorm.md", broken.to_string()),
        ],
    );
    let stderr = refused(&site, &[]);
    assert!(stderr.contains("content/papers/layernorm.md"), "{stderr}");
}
