//! The live sources (`sheaf import --hf-daily`, `--arxiv-query`, `--doi`,
//! `--from-config`) against a stand-in on 127.0.0.1 that answers with
//! recorded responses (tests/fixtures/sources) or fails as the real
//! services do.
//!
//! The stand-in's first path segment picks its behaviour, so one server
//! serves every case: `/ok/…` answers, `/e500/…` fails, `/limited/…` asks
//! to wait a second the first time, `/limited-long/…` an hour, `/slow/…`
//! answers too late, `/empty/…` with nothing, `/garbage/…` with a page
//! that is not the API's.

#[path = "common/http.rs"]
mod http;

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use crate::common::*;
use http::{serve, Fake, Reply};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(Path::new(REPO).join("tests/fixtures/sources").join(name)).unwrap()
}

/// An arXiv API `<entry>` with the abstract every search paper has.
fn search_entry(id: &str, title: &str, authors: &[&str], published: &str) -> String {
    atom_entry(
        id,
        title,
        &format!("An abstract about mixture of experts for {id},\nwrapped at eighty columns as arXiv wraps them."),
        authors,
        published,
    )
}

/// `n` papers numbered from `first` (`2505.10000v1`, …), titled `title N`.
fn numbered(month: &str, n: usize, title: &str) -> Vec<String> {
    (0..n)
        .map(|i| {
            search_entry(
                &format!("{month}.{:05}v1", 10000 + i),
                &format!("{title} {i}"),
                &["A. Author"],
                "2025-05-01",
            )
        })
        .collect()
}

/// What arXiv has for a query: `many` matches 150 papers, `hollow`
/// claims 250 but has 100, anything else three (TeX in a title,
/// non-ASCII names, one paper the digest holds as arXiv:2501.01234).
fn arxiv_corpus(query: &str) -> (usize, Vec<String>) {
    if query.contains("many") {
        return (150, numbered("2505", 150, "Expert Paper Number"));
    }
    if query.contains("hollow") {
        return (250, numbered("2504", 100, "Hollow Paper"));
    }
    (
        3,
        vec![
            search_entry(
                "2505.00002v1",
                "Switch Routing with $\\mathcal{O}(1)$ Experts",
                &["Zoë Müller", "李明"],
                "2025-05-02",
            ),
            search_entry(
                "2501.01234v2",
                "A Mixture of Experts the Curator Knows",
                &["José Ñúñez"],
                "2025-01-03",
            ),
            search_entry(
                "2505.00001v1",
                "Experts All the Way Down",
                &["Søren Ørsted"],
                "2025-05-01",
            ),
        ],
    )
}

/// The recorded answer of each API for a target under `/ok`.
fn answer(rest: &str) -> Reply {
    let url = url::Url::parse(&format!("http://fake{rest}")).unwrap();
    let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    let path = url.path();
    if path.ends_with("/api/daily_papers") {
        let day = q.get("date").cloned().unwrap_or_default();
        let name = format!("hf-{day}.json");
        let body = if Path::new(REPO)
            .join("tests/fixtures/sources")
            .join(&name)
            .exists()
        {
            fixture(&name)
        } else {
            // A day without papers (a weekend).
            "[]".to_string()
        };
        return Reply::ok("application/json; charset=utf-8", body);
    }
    if let Some(ids) = q.get("id_list") {
        let found: Vec<String> = ids
            .split(',')
            .map(|id| {
                search_entry(
                    &format!("{id}v1"),
                    &format!("Paper {id}"),
                    &["C. Author"],
                    "2025-01-02",
                )
            })
            .collect();
        return Reply::ok("application/atom+xml", feed(&found));
    }
    if path.ends_with("/api/query") {
        let (total, all) = arxiv_corpus(q.get("search_query").map_or("", String::as_str));
        let start: usize = q["start"].parse().unwrap();
        let max: usize = q["max_results"].parse().unwrap();
        let page: Vec<String> = all.into_iter().skip(start).take(max).collect();
        return Reply::ok("application/atom+xml", feed_page(total, start, &page));
    }
    if let Some(doi) = path.split("/works/").nth(1) {
        let doi = percent_encoding::percent_decode_str(doi)
            .decode_utf8_lossy()
            .to_lowercase();
        let name = match doi.as_str() {
            "10.18653/v1/n19-1423" => "crossref-bert.json",
            "10.1038/s41586-021-03819-2" => "crossref-jats.json",
            "10.1109/cvpr52729.2023.00100" => "crossref-month.json",
            _ => return Reply::status("404 Not Found", "Resource not found."),
        };
        return Reply::ok("application/json", fixture(name));
    }
    Reply::status("404 Not Found", "no such API")
}

/// The one stand-in for every source and every behaviour.
fn fake() -> Fake {
    serve(|target, before| {
        let (mode, rest) = target[1..].split_once('/').unwrap_or(("", ""));
        let rest = format!("/{rest}");
        match mode {
            "ok" => answer(&rest),
            "e500" => Reply::status("500 Internal Server Error", "upstream broke"),
            "limited" if before == 0 => {
                Reply::status("429 Too Many Requests", "slow down").header("Retry-After", "1")
            }
            "limited" => answer(&rest),
            "limited-long" => {
                Reply::status("429 Too Many Requests", "slow down").header("Retry-After", "3600")
            }
            "slow" => answer(&rest).after(Duration::from_secs(4)),
            "empty" => Reply::ok("application/json", ""),
            "garbage" => Reply::ok(
                "text/html",
                "<!doctype html><html><body>We'll be right back</body></html>",
            ),
            _ => Reply::status("404 Not Found", "unknown mode"),
        }
    })
}

/// A site with `papers` whose three APIs are the stand-in in `mode`.
fn site(fake: &Fake, mode: &str, papers: &[(&str, String)], extra: &str) -> TestSite {
    let refs: Vec<(&str, &str)> = papers.iter().map(|(n, t)| (*n, t.as_str())).collect();
    let site = TestSite::with_papers(&refs);
    let path = site.root().join("site-config.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let base = &fake.base;
    std::fs::write(
        &path,
        format!("{text}\nhf_api: \"{base}/{mode}\"\narxiv_api: \"{base}/{mode}/api/query\"\ncrossref_api: \"{base}/{mode}\"\n{extra}"),
    )
    .unwrap();
    site
}

/// `sheaf import …` quickly: no pause between requests, a short timeout.
fn import(site: &TestSite, args: &[&str]) -> (Output, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sheaf"))
        .arg("--root")
        .arg(site.root())
        .arg("import")
        .args(["--interval", "0", "--timeout", "1", "--date", "2025-05-08"])
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    (out, stdout, stderr)
}

fn ok(site: &TestSite, args: &[&str]) -> String {
    let (out, stdout, stderr) = import(site, args);
    assert!(out.status.success(), "{args:?}\n{stdout}\n{stderr}");
    stdout
}

fn read(site: &TestSite, name: &str) -> String {
    std::fs::read_to_string(site.papers().join(name)).unwrap_or_else(|e| {
        panic!(
            "{name}: {e}\n{:?}",
            std::fs::read_dir(site.papers())
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect::<Vec<_>>()
        )
    })
}

fn files(site: &TestSite) -> usize {
    std::fs::read_dir(site.papers()).unwrap().count()
}

/// The curator's entry for a paper, under another id form, with notes and
/// fields that must survive.
fn curated(title: &str, id_line: &str) -> String {
    format!("---\ntitle: {title:?}\ndate: 2025-01-05\n{id_line}status: read # twice\nverdict: must-read\nreviewer: Ada\nthemes: [robustness]\nabstract: |\n  The curator's copy of the abstract.\n---\nMy notes on this paper.\n\nThey stay.")
}

/// A site whose digest holds DeepSeek-R1 (2501.12948) by its versioned
/// abs URL only.
fn with_r1(fake: &Fake, version: &str, extra: &str) -> TestSite {
    let url = format!("url: \"https://arxiv.org/abs/2501.12948{version}\"\n");
    site(
        fake,
        "ok",
        &[("r1.md", curated("DeepSeek-R1", &url))],
        extra,
    )
}

fn assert_curated_kept(text: &str) {
    for kept in [
        "status: read # twice\n",
        "verdict: must-read\n",
        "reviewer: Ada\n",
        "themes: [robustness]\n",
        "date: 2025-01-05\n",
    ] {
        assert!(text.contains(kept), "{kept:?} lost:\n{text}");
    }
    assert!(
        text.ends_with("---\nMy notes on this paper.\n\nThey stay."),
        "{text}"
    );
}

#[test]
fn hf_daily_brings_a_day_with_its_live_numbers_and_merges_a_known_paper() {
    let fake = fake();
    // The digest holds DeepSeek-R1 by its versioned abs URL only.
    let site = with_r1(&fake, "v2", "");
    let stdout = ok(&site, &["--hf-daily", "2025-05-07"]);
    assert!(
        stdout.contains("2 created, 1 updated, 0 unchanged, 0 skipped"),
        "{stdout}"
    );
    let q = fake.queries("/api/daily_papers");
    assert_eq!(q.len(), 1);
    assert_eq!(q[0]["date"], "2025-05-07");
    assert_eq!(q[0]["limit"], "100");

    let moe = read(&site, "sparse-mixture-of-experts-with-o-n-routing.md");
    // Math stays TeX (the site renders it); text-mode TeX is cleaned.
    assert!(
        moe.contains(
            "title: \"Sparse Mixture of Experts with $\\\\mathcal{O}(\\\\log n)$ Routing\"\n"
        ),
        "{moe}"
    );
    let gs = read(&site, "gaussian-splatting-at-10-000-fps.md");
    assert!(!gs.contains("\\,"), "{gs}");
    assert!(
        gs.contains("metrics: {upvotes: 23, comments: 0, as_of: 2025-05-08}"),
        "{gs}"
    );
    assert!(
        moe.contains("authors: [\"Zoë Müller-Łukasiewicz\", \"李明\", \"José Ñúñez\"]"),
        "{moe}"
    );
    assert!(moe.contains("arxiv: \"2505.04588\""), "{moe}");
    assert!(
        moe.contains("code: \"https://github.com/example/logmoe\""),
        "{moe}"
    );
    assert!(
        moe.contains("project: \"https://example.org/logmoe\""),
        "{moe}"
    );
    // The day they were read: the import's date.
    assert!(
        moe.contains("metrics: {upvotes: 87, stars: 312, comments: 5, as_of: 2025-05-08}"),
        "{moe}"
    );
    assert!(moe.contains("date: 2025-05-08"), "{moe}");

    let r1 = read(&site, "r1.md");
    assert_curated_kept(&r1);
    assert!(r1.contains("arxiv: \"2501.12948\""), "{r1}");
    assert!(
        r1.contains("metrics: {upvotes: 412, stars: 91234, comments: 4, as_of: 2025-05-08}"),
        "{r1}"
    );
    assert_eq!(files(&site), 3);

    // Again: nothing new, nothing duplicated.
    let stdout = ok(&site, &["--hf-daily", "2025-05-07"]);
    assert!(stdout.contains("0 created"), "{stdout}");
    assert_eq!(files(&site), 3);
}

#[test]
fn hf_ranges_weeks_and_months_ask_for_each_day() {
    let fake = fake();
    let site = site(&fake, "ok", &[], "");
    // The same paper on both days is one entry.
    let stdout = ok(&site, &["--hf-daily", "2025-05-06..2025-05-07"]);
    assert!(stdout.contains("3 created"), "{stdout}");
    assert!(stdout.contains("the same paper as"), "{stdout}");
    let days: Vec<String> = fake
        .queries("/api/daily_papers")
        .iter()
        .map(|q| q["date"].clone())
        .collect();
    assert_eq!(days, ["2025-05-06", "2025-05-07"]);

    let fake = self::fake();
    let site = self::site(&fake, "ok", &[], "");
    ok(&site, &["--hf-week"]);
    let days: Vec<String> = fake
        .queries("/api/daily_papers")
        .iter()
        .map(|q| q["date"].clone())
        .collect();
    assert_eq!(days.len(), 7);
    assert_eq!(
        (days[0].as_str(), days[6].as_str()),
        ("2025-05-02", "2025-05-08")
    );
    assert_eq!(files(&site), 3);

    ok(&site, &["--hf-month"]);
    assert_eq!(fake.queries("/api/daily_papers").len(), 37);

    let (out, _, stderr) = import(&site, &["--hf-daily", "2025-05-07..2025-05-01"]);
    assert!(!out.status.success());
    assert!(stderr.contains("ends before it starts"), "{stderr}");
}

#[test]
fn an_arxiv_query_pages_newest_first_and_stops_at_max_or_the_end() {
    let fake = fake();
    let site = site(
        &fake,
        "ok",
        &[(
            "known.md",
            curated(
                "A Mixture of Experts",
                "url: \"https://arxiv.org/pdf/2501.01234v1\"\n",
            ),
        )],
        "",
    );
    let stdout = ok(
        &site,
        &[
            "--arxiv-query",
            "cat:cs.LG AND abs:\"mixture of experts\"",
            "--max",
            "200",
        ],
    );
    // Three results: one request, however large --max.
    let q = fake.queries("/api/query");
    assert_eq!(q.len(), 1, "{q:?}");
    assert_eq!(
        q[0]["search_query"],
        "cat:cs.LG AND abs:\"mixture of experts\""
    );
    assert_eq!(
        (q[0]["start"].as_str(), q[0]["max_results"].as_str()),
        ("0", "100")
    );
    assert_eq!(
        (q[0]["sortBy"].as_str(), q[0]["sortOrder"].as_str()),
        ("submittedDate", "descending")
    );
    assert!(stdout.contains("2 created, 1 updated"), "{stdout}");
    let known = read(&site, "known.md");
    assert_curated_kept(&known);
    assert!(
        known.contains("arxiv: \"2501.01234\"\narxiv_version: 2\n"),
        "{known}"
    );
    let switch = read(&site, "switch-routing-with-o-1-experts.md");
    assert!(
        switch.contains("authors: [\"Zoë Müller\", \"李明\"]"),
        "{switch}"
    );
    assert_eq!(files(&site), 3);

    // 150 matches, at most 120: two pages, the second only as long as needed.
    let stdout = ok(&site, &["--arxiv-query", "many experts", "--max", "120"]);
    assert!(stdout.contains("120 created"), "{stdout}");
    let q = fake.queries("/api/query");
    let pages: Vec<(&str, &str)> = q[1..]
        .iter()
        .map(|q| (q["start"].as_str(), q["max_results"].as_str()))
        .collect();
    assert_eq!(pages, [("0", "100"), ("100", "20")]);

    // totalResults promises more than the pages hold: an empty page ends it.
    let stdout = ok(&site, &["--arxiv-query", "hollow", "--max", "1000"]);
    assert!(stdout.contains("100 created"), "{stdout}");
    assert_eq!(fake.queries("/api/query").len(), 3 + 2);
}

#[test]
fn dois_come_from_crossref_with_their_precision_and_the_polite_mailto() {
    let fake = fake();
    let site = site(
        &fake,
        "ok",
        &[(
            "bert.md",
            curated(
                "BERT",
                "arxiv: \"1810.04805\"\ndoi: \"10.18653/v1/N19-1423\"\n",
            ),
        )],
        "contact_email: curator@example.org\n",
    );
    let stdout = ok(
        &site,
        &[
            "--doi",
            "10.18653/v1/N19-1423",
            "https://doi.org/10.1038/s41586-021-03819-2",
            "doi:10.1109/cvpr52729.2023.00100",
        ],
    );
    assert!(stdout.contains("2 created, 1 updated"), "{stdout}");
    let targets = fake.targets();
    assert_eq!(targets.len(), 3);
    assert!(
        targets[0].starts_with("/ok/works/10.18653/v1/N19-1423?mailto=curator%40example.org"),
        "{targets:?}"
    );

    let bert = read(&site, "bert.md");
    assert_curated_kept(&bert);
    assert!(bert.contains("arxiv: \"1810.04805\""), "{bert}");
    // A year alone stays a year.
    assert!(bert.contains("published: 2019\n"), "{bert}");
    assert!(
        bert.contains(
            "journal_ref: \"Proceedings of the 2019 Conference of the North American Chapter"
        ),
        "{bert}"
    );
    assert!(bert.contains("authors: [\"Jacob Devlin\", \"Ming-Wei Chang\", \"Kenton Lee\", \"Kristina Toutanova\"]"), "{bert}");

    let fold = std::fs::read_dir(site.papers())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("alphafold"))
        .unwrap();
    let fold = std::fs::read_to_string(fold).unwrap();
    assert!(fold.contains("published: 2021-07-15\n"), "{fold}");
    assert!(
        fold.contains("doi: \"10.1038/s41586-021-03819-2\""),
        "{fold}"
    );
    assert!(fold.contains("journal_ref: \"Nature\""), "{fold}");
    assert!(fold.contains("\"Žiga Avsec\""), "{fold}");
    assert!(fold.contains("\"AlphaFold Team\""), "{fold}");
    // JATS: the text kept, the tags and the "Abstract" heading gone.
    assert!(fold.contains("with atomic accuracy even"), "{fold}");
    assert!(!fold.contains("jats"), "{fold}");
    assert!(!fold.contains("<i>"), "{fold}");
    assert!(fold.contains("de novo"), "{fold}");

    let cvpr = read(&site, "lodz-fast-inference-for-3d-gaussian-splatting.md");
    assert!(cvpr.contains("published: 2023-06\n"), "{cvpr}");
    assert!(
        cvpr.contains("\"Paweł Wróblewski\", \"Ewa Łuczak\""),
        "{cvpr}"
    );

    // Without a contact address no mailto is sent.
    let plain = self::site(&fake, "ok", &[], "");
    ok(&plain, &["--doi", "10.18653/v1/N19-1423"]);
    let last = fake.targets().pop().unwrap();
    assert_eq!(last, "/ok/works/10.18653/v1/N19-1423", "{last}");

    // A DOI Crossref does not know: its 404, and nothing written.
    let (out, _, stderr) = import(&plain, &["--doi", "10.1234/nobody"]);
    assert!(!out.status.success());
    assert!(
        stderr.contains("Crossref") && stderr.contains("404"),
        "{stderr}"
    );
    let (out, _, stderr) = import(&plain, &["--doi", "not-a-doi"]);
    assert!(!out.status.success());
    assert!(stderr.contains("is not a DOI"), "{stderr}");
}

/// Each source's command and the path of its request.
const SOURCES: &[(&[&str], &str)] = &[
    (
        &["--hf-daily", "2025-05-07"],
        "/api/daily_papers?date=2025-05-07",
    ),
    (
        &["--arxiv-query", "cat:cs.LG", "--max", "5"],
        "/api/query?search_query=cat%3Acs.LG",
    ),
    (
        &["--doi", "10.18653/v1/N19-1423"],
        "/works/10.18653/v1/N19-1423",
    ),
];

/// A failed request: a non-zero exit, a message naming the source and
/// the request URL, and not a byte written.
fn fails(mode: &str, expect: &str) {
    let fake = fake();
    for (args, request) in SOURCES {
        let site = site(
            &fake,
            mode,
            &[("r1.md", curated("DeepSeek-R1", "arxiv: \"2501.12948\"\n"))],
            "",
        );
        let before = snapshot(site.root());
        let (out, stdout, stderr) = import(&site, args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{mode} {args:?}\n{stdout}\n{stderr}"
        );
        let source = if args[0] == "--doi" {
            "Crossref"
        } else if args[0] == "--hf-daily" {
            "Hugging Face"
        } else {
            "the arXiv API"
        };
        assert!(stderr.contains(source), "{mode} {args:?}: {stderr}");
        assert!(
            stderr.contains(&format!("{}/{mode}", fake.base)) && stderr.contains(request),
            "{mode} {args:?}: the request URL in {stderr}"
        );
        assert!(
            stderr.contains(expect),
            "{mode} {args:?}: {expect:?} in {stderr}"
        );
        assert_eq!(snapshot(site.root()), before, "{mode} {args:?} wrote");
    }
}

#[test]
fn http_errors_fail_cleanly() {
    fails("e500", "HTTP 500");
}

#[test]
fn malformed_answers_fail_cleanly() {
    fails("garbage", "the answer is not");
}

#[test]
fn empty_answers_fail_cleanly() {
    fails("empty", "empty body");
}

#[test]
fn a_server_that_does_not_answer_in_time_fails_cleanly() {
    fails("slow", "no answer within 1 s");
}

#[test]
fn arxiv_ids_take_the_timeout_too() {
    let fake = fake();
    let site = site(&fake, "slow", &[], "");
    let (out, _, stderr) = import(&site, &["--arxiv", "2501.01234"]);
    assert!(!out.status.success());
    assert!(stderr.contains("no answer within 1 s"), "{stderr}");
    assert_eq!(files(&site), 0);
}

#[test]
fn a_long_rate_limit_fails_saying_when_to_retry() {
    fails("limited-long", "try again after");
}

#[test]
fn a_short_rate_limit_is_waited_out() {
    let fake = fake();
    for (args, _) in SOURCES {
        let site = site(&fake, "limited", &[], "");
        let stdout = ok(&site, args);
        assert!(!stdout.contains(" 0 created"), "{args:?}: {stdout}");
    }
    // Every request asked twice: the 429, then the answer.
    let targets = fake.targets();
    assert_eq!(targets.len(), 6, "{targets:?}");
    for pair in targets.chunks(2) {
        assert_eq!(pair[0], pair[1]);
    }
    // `--arxiv` (by id) and `resolve` share the arXiv client: a short
    // rate limit is waited out there too.
    let fake = self::fake();
    let site = site(&fake, "limited", &[], "");
    let stdout = ok(&site, &["--arxiv", "2501.01234"]);
    assert!(stdout.contains("1 created"), "{stdout}");
    assert_eq!(fake.targets().len(), 2);

    // And with no retries allowed, the 429 is the answer.
    let fake = self::fake();
    let site = self::site(&fake, "limited", &[], "");
    let (out, _, stderr) = import(&site, &["--hf-daily", "2025-05-07", "--retries", "0"]);
    assert!(!out.status.success());
    assert!(stderr.contains("429"), "{stderr}");
}

#[test]
fn a_failing_day_of_a_range_writes_no_day() {
    // The second day's answer is broken: the first day's papers are not
    // written either.
    let fake = serve(|target, _| {
        if target.contains("date=2025-05-07") {
            Reply::ok("application/json", "[{\"paper\": ")
        } else {
            answer(target.strip_prefix("/ok").unwrap_or(target))
        }
    });
    let site = site(&fake, "ok", &[], "");
    let (out, _, stderr) = import(&site, &["--hf-daily", "2025-05-06..2025-05-07"]);
    assert!(!out.status.success());
    assert!(stderr.contains("date=2025-05-07"), "{stderr}");
    assert_eq!(files(&site), 0);
}

const CONFIG_IMPORTS: &str = "contact_email: curator@example.org
imports:
  - hf_daily: 2025-05-06..2025-05-07
    theme: architectures
  - arxiv_query: 'cat:cs.LG AND abs:\"mixture of experts\"'
    max: 10
  # a comment between items
  - doi: ['10.1109/cvpr52729.2023.00100']
    theme: vision-3d
  - file: extra.bib
";

#[test]
fn from_config_runs_every_item_as_one_import() {
    let fake = fake();
    let site = with_r1(&fake, "v1", CONFIG_IMPORTS);
    std::fs::write(
        site.root().join("extra.bib"),
        "@article{kim2024, title = {Attention Is Not Quite All You Need}, author = {Kim, Ji-ho and Ødegård, Ola}, year = {2024}, journal = {Journal of Tests}}\n",
    )
    .unwrap();
    let stdout = ok(&site, &["--from-config"]);
    for line in [
        "site-config.yaml:119 item 1 (Hugging Face daily papers 2025-05-06..2025-05-07): 4 papers",
        "site-config.yaml:121 item 2 (arXiv query \"cat:cs.LG AND abs:\\\"mixture of experts\\\"\" (at most 10)): 3 papers",
        "site-config.yaml:124 item 3 (Crossref 10.1109/cvpr52729.2023.00100): 1 paper",
        "site-config.yaml:126 item 4 (file extra.bib): 1 paper",
        "7 created, 1 updated",
    ] {
        assert!(stdout.contains(line), "{line:?} in\n{stdout}");
    }
    // Each item's papers land in its theme; the curator's theme stays.
    let moe = read(&site, "sparse-mixture-of-experts-with-o-n-routing.md");
    assert!(moe.contains("themes: [\"architectures\"]"), "{moe}");
    let cvpr = read(&site, "lodz-fast-inference-for-3d-gaussian-splatting.md");
    assert!(cvpr.contains("themes: [\"vision-3d\"]"), "{cvpr}");
    let r1 = read(&site, "r1.md");
    assert_curated_kept(&r1);
    assert_eq!(files(&site), 8);
    // The polite address goes to Crossref only.
    for t in fake.targets() {
        assert_eq!(t.contains("mailto"), t.contains("/works/"), "{t}");
    }
}

#[test]
fn items_of_one_source_keep_its_interval_between_them() {
    let fake = fake();
    let extra = "imports:\n  - arxiv_query: 'cat:cs.LG'\n    max: 5\n  - arxiv_query: 'cat:cs.CV'\n    max: 5\n";
    let site = site(&fake, "ok", &[], extra);
    let start = std::time::Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_sheaf"))
        .arg("--root")
        .arg(site.root())
        .args(["import", "--from-config", "--interval", "2"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Two requests, one per item: the second waited out the interval
    // (a lower bound, which sleeping guarantees).
    assert_eq!(fake.queries("/api/query").len(), 2);
    assert!(
        start.elapsed() >= Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn from_config_writes_nothing_when_an_item_fails_unless_skip_bad() {
    let fake = fake();
    // The DOI item's Crossref is down; the others are fine.
    let extra = CONFIG_IMPORTS.replace("10.1109/cvpr52729.2023.00100", "10.1234/nobody");
    let site = site(&fake, "ok", &[], &extra);
    std::fs::write(
        site.root().join("extra.bib"),
        "@misc{a, title = {A Title}, year = {2024}}\n",
    )
    .unwrap();
    let before = snapshot(site.root());
    let (out, stdout, stderr) = import(&site, &["--from-config"]);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("site-config.yaml:124")
            && stderr.contains("imports item 3")
            && stderr.contains("404"),
        "{stderr}"
    );
    assert_eq!(snapshot(site.root()), before);

    let stdout = ok(&site, &["--from-config", "--skip-bad"]);
    assert!(
        stdout.contains("item 3 (failed): 0 papers, 1 not read"),
        "{stdout}"
    );
    assert!(stdout.contains("skipped site-config.yaml:124"), "{stdout}");
    assert!(files(&site) > 0);

    // No list: a clear message.
    let bare = self::site(&fake, "ok", &[], "");
    let (out, _, stderr) = import(&bare, &["--from-config"]);
    assert!(!out.status.success());
    assert!(stderr.contains("no `imports:` list"), "{stderr}");
}

#[test]
fn a_bad_imports_list_is_refused_at_load_with_its_line() {
    let fake = fake();
    let site = site(
        &fake,
        "ok",
        &[],
        "imports:\n  - hf_daily: 1\n  - arxiv_query: x\n    theme: nowhere\n",
    );
    let (out, _, stderr) = import(&site, &["--hf-daily", "2025-05-07"]);
    assert!(!out.status.success());
    assert!(
        stderr.contains("site-config.yaml:119")
            && stderr.contains("`theme: nowhere` is not a theme"),
        "{stderr}"
    );
    assert!(fake.targets().is_empty(), "nothing asked");
}

mod curator_work_survives_live_sources {
    use super::*;
    use proptest::prelude::*;

    /// A paper every live source knows: Hugging Face by id, arXiv by the
    /// query, Crossref by arXiv's own DOI.
    fn server() -> Fake {
        serve(|target, _| {
            let hf = |up: u32| {
                format!(
                    "[{{\"paper\": {{\"id\": \"2505.04588\", \"title\": \"Sparse Routing\", \"summary\": \"Abstract v{up}.\", \"authors\": [{{\"name\": \"Zoë Müller\"}}], \"upvotes\": {up}, \"githubStars\": 3}}, \"numComments\": 1}}]"
                )
            };
            if target.contains("daily_papers") {
                let up = if target.contains("date=2025-05-07") {
                    7
                } else {
                    6
                };
                Reply::ok("application/json", hf(up))
            } else if target.contains("/api/query") {
                let v = if target.contains("v2") { "v2" } else { "v1" };
                Reply::ok(
                    "application/atom+xml",
                    feed(&[search_entry(
                        &format!("2505.04588{v}"),
                        "Sparse Routing",
                        &["Zoë Müller"],
                        "2025-05-07",
                    )]),
                )
            } else {
                Reply::ok(
                    "application/json",
                    "{\"message-type\":\"work\",\"message\":{\"DOI\":\"10.48550/arXiv.2505.04588\",\"title\":[\"Sparse Routing\"],\"author\":[{\"given\":\"Zoë\",\"family\":\"Müller\"}],\"issued\":{\"date-parts\":[[2025,5]]},\"abstract\":\"<jats:p>Abstract from Crossref.</jats:p>\"}}",
                )
            }
        })
    }

    #[derive(Debug, Clone)]
    enum Step {
        Hf(bool),
        Query(bool),
        Doi,
        EditNotes(String),
        Tag(String),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            any::<bool>().prop_map(Step::Hf),
            any::<bool>().prop_map(Step::Query),
            Just(Step::Doi),
            "[a-zA-Z0-9 .,:#*_>|()\n-]{0,80}".prop_map(Step::EditNotes),
            "[a-z][a-z0-9-]{0,8}[a-z0-9]".prop_map(Step::Tag),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

        /// Whatever mix of live imports and curator edits, the curator's
        /// fields and notes are as the curator left them, and the paper
        /// has one entry.
        #[test]
        fn any_sequence_of_live_imports_and_edits(
            steps in proptest::collection::vec(step(), 1..6),
            reviewer in "[a-zA-Z ]{1,12}",
        ) {
            let fake = server();
            let site = site(&fake, "ok", &[(
                "sparse.md",
                format!("---\ntitle: \"Sparse Routing\"\ndate: 2025-05-01\ndoi: \"10.48550/arXiv.2505.04588\"\nstatus: reading\nreviewer: {reviewer:?}\nthemes: [architectures]\ntags: [first]\nabstract: |\n  Mine.\n---\n"),
            )], "");
            let path = site.papers().join("sparse.md");
            let mut notes = String::new();
            let mut tags = vec!["first".to_string()];
            let mut imported = false;
            for step in steps {
                imported |= matches!(step, Step::Hf(_) | Step::Query(_) | Step::Doi);
                match step {
                    Step::Hf(later) => {
                        ok(&site, &["--hf-daily", if later { "2025-05-07" } else { "2025-05-06" }]);
                    }
                    Step::Query(v2) => {
                        ok(&site, &["--arxiv-query", if v2 { "v2" } else { "v1" }]);
                    }
                    Step::Doi => {
                        ok(&site, &["--doi", "10.48550/arXiv.2505.04588"]);
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
                prop_assert_eq!(entry.themes.clone(), Some(vec!["architectures".to_string()]));
                prop_assert_eq!(entry.date.to_string(), "2025-05-01");
                prop_assert_eq!(entry.extra.get("reviewer").and_then(|v| v.as_str()), Some(reviewer.as_str()));
                prop_assert!(text.contains("status: reading\n"));
                // Found under arXiv's DOI, whichever source brought it.
                if imported {
                    prop_assert_eq!(entry.arxiv.as_deref(), Some("2505.04588"));
                }
                prop_assert_eq!(files(&site), 1);
            }
        }
    }
}
