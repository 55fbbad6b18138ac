//! `sheaf new`, `sheaf check` and `sheaf themes`.

use std::process::Command;

use crate::common::*;

fn sheaf(root: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sheaf"))
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_passes_on_the_bundled_digest() {
    let site = TestSite::bundled();
    let (ok, stdout, stderr) = sheaf(site.root(), &["check"]);
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.contains("0 errors"), "{stdout}");
}

#[test]
fn check_finds_every_kind_of_problem() {
    let site = TestSite::with_papers(&[
        ("a.md", &entry("Paper A", "arxiv: \"math/0611800\"\n")),
        // The same paper, named by arXiv's DOI in another form.
        ("b.md", &entry("Paper B", "doi: \"10.48550/arXiv.math.CA/0611800\"\n")),
        ("c.md", &entry("Paper A", "")),
        ("d.md", &entry("Paper D", "arxiv: \"2504.03380v2\"\n")),
        ("e.md", &entry("Paper E", "themes: [no-such-theme]\n")),
        ("f.md", "---\ntitle: Paper F\ndate: 2999-01-01\nabstract: \"\"\n---\nSee [x](@/papers/nowhere.md).\n"),
    ]);
    let (ok, stdout, stderr) = sheaf(site.root(), &["check"]);
    assert!(!ok, "errors give a non-zero exit");
    for expected in [
        "content/papers/b.md:4",
        "the same paper as content/papers/a.md (arXiv math/0611800)",
        "content/papers/c.md:2",
        "the same paper as content/papers/a.md (title",
        "content/papers/d.md:4",
        "leave out the version suffix",
        "content/papers/e.md:4",
        "unknown theme `no-such-theme`",
        "content/papers/f.md:3",
        "is in the future",
        "the abstract is empty",
        "broken link `@/papers/nowhere.md`",
    ] {
        assert!(stderr.contains(expected), "{expected:?} in:\n{stderr}");
    }
    // Errors are listed before warnings.
    let first_warning = stderr.find("warning:").unwrap();
    let last_error = stderr.rfind("error:").unwrap();
    assert!(last_error < first_warning, "{stderr}");
    assert!(
        stdout.contains(" errors, ") && stdout.contains(" warnings"),
        "{stdout}"
    );
}

#[test]
fn new_writes_a_blank_entry_once() {
    let site = TestSite::with_papers(&[]);
    let (ok, stdout, stderr) = sheaf(site.root(), &["new", "A Study of Things"]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("created content/papers/a-study-of-things.md"));
    let text = std::fs::read_to_string(site.papers().join("a-study-of-things.md")).unwrap();
    assert!(text.contains("title: \"A Study of Things\""));
    assert!(text.contains("status: to-read"));
    // The blank entry builds.
    site.build().unwrap();
    // The same paper again, by its title in another case: refused.
    let (ok, _, stderr) = sheaf(site.root(), &["new", "A study of things!"]);
    assert!(!ok);
    assert!(
        stderr.contains("already in the digest: content/papers/a-study-of-things.md"),
        "{stderr}"
    );
    let (ok, _, stderr) = sheaf(site.root(), &["new", "X", "--arxiv", "12345"]);
    assert!(!ok && stderr.contains("12345"), "{stderr}");
    // A name taken by something that is not an entry (here a folder) is
    // refused, and what is there is left as it is.
    let folder = site.papers().join("a-folder.md");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("keep.txt"), "mine").unwrap();
    let (ok, _, stderr) = sheaf(site.root(), &["new", "A folder"]);
    assert!(!ok && stderr.contains("exists already"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(folder.join("keep.txt")).unwrap(),
        "mine"
    );
}

/// A stand-in for the arXiv API on 127.0.0.1 that answers every query
/// with a recorded answer (two papers, 2504.03380 and hep-th/9901001).
fn fake_arxiv() -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let body =
        std::fs::read_to_string(format!("{REPO}/tests/fixtures/import/arxiv-v1.xml")).unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut request = String::new();
            let _ = BufReader::new(&stream).read_line(&mut request);
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/atom+xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{addr}/api/query")
}

fn site_with_api(api: &str) -> TestSite {
    let site = TestSite::with_papers(&[]);
    let path = site.root().join("site-config.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{text}\narxiv_api: \"{api}\"\n")).unwrap();
    site
}

#[test]
fn new_with_an_arxiv_id_fetches_the_paper() {
    let site = site_with_api(&fake_arxiv());
    let (ok, stdout, stderr) = sheaf(site.root(), &["new", "--arxiv", "arXiv:2504.03380v1"]);
    assert!(ok, "{stderr}");
    let name = "online-difficulty-filtering-for-reasoning-oriented.md";
    assert!(
        stdout.contains(&format!("created content/papers/{name}")),
        "{stdout}"
    );
    let text = std::fs::read_to_string(site.papers().join(name)).unwrap();
    assert!(text.contains("arxiv: \"2504.03380\""), "{text}");
    assert!(text.contains("authors: ["), "{text}");
    assert!(!text.contains("authors: []"), "{text}");
    let entry = sheaf::input::content::parse_entry(std::path::Path::new(name), &text)
        .unwrap()
        .0;
    assert!(entry.abstract_md.len() > 100, "{text}");
    assert!(entry.published.is_some(), "{text}");
    // Only the paper asked for, though the answer held two.
    assert_eq!(std::fs::read_dir(site.papers()).unwrap().count(), 1);

    // Again, by another id form: refused, nothing written.
    let before = snapshot(&site.papers());
    let (ok, _, stderr) = sheaf(
        site.root(),
        &[
            "new",
            "Other",
            "--arxiv",
            "https://arxiv.org/pdf/2504.03380",
        ],
    );
    assert!(!ok);
    assert!(
        stderr.contains(&format!("already in the digest: content/papers/{name}")),
        "{stderr}"
    );
    assert_eq!(snapshot(&site.papers()), before);

    // A title that is not arXiv's is said to be replaced.
    let (ok, stdout, stderr) = sheaf(
        site.root(),
        &["new", "Strings", "--arxiv", "hep-th/9901001"],
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("arXiv's title"), "{stdout}");
}

#[test]
fn new_with_an_arxiv_id_and_no_answer_says_how_to_write_a_blank_one() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let site = site_with_api(&format!("http://{closed}/api/query"));
    let (ok, _, stderr) = sheaf(site.root(), &["new", "--arxiv", "2504.03380"]);
    assert!(!ok);
    assert!(stderr.contains("cannot fetch"), "{stderr}");
    assert!(stderr.contains("without --arxiv"), "{stderr}");
    assert_eq!(std::fs::read_dir(site.papers()).unwrap().count(), 0);
}

#[test]
fn themes_report_and_suggestions() {
    let site = TestSite::bundled();
    let (ok, stdout, stderr) = sheaf(site.root(), &["themes", "--suggest"]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("120 papers in"), "{stdout}");
    assert!(stdout.contains("other (catch-all)"));
    assert!(stdout.contains("Matching no theme"));
    // The suggestion block is YAML ready to paste under `themes:`.
    let yaml: String = stdout
        .lines()
        .skip_while(|l| !l.starts_with("# Suggested"))
        .collect::<Vec<_>>()
        .join("\n");
    let themes: Vec<serde_yaml::Value> = serde_yaml::from_str(&yaml.replace("\n  ", "\n")).unwrap();
    assert!(!themes.is_empty());
    for t in &themes {
        assert!(
            t["id"].as_str().is_some() && t["keywords"].as_sequence().is_some(),
            "{t:?}"
        );
    }
}
