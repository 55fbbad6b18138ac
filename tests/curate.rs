//! `sheaf new`, `sheaf check` and `sheaf themes`.

mod common;

use std::process::Command;

use common::*;

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
    let (ok, stdout, stderr) = sheaf(
        site.root(),
        &["new", "A Study of Things", "--arxiv", "arXiv:2501.01234v2"],
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("created content/papers/a-study-of-things.md"));
    let text = std::fs::read_to_string(site.papers().join("a-study-of-things.md")).unwrap();
    assert!(text.contains("title: \"A Study of Things\""));
    assert!(text.contains("arxiv: \"2501.01234\"\narxiv_version: 2"));
    assert!(text.contains("status: to-read"));
    // The blank entry builds.
    site.build().unwrap();
    // The same paper again, by another id form: refused.
    let (ok, _, stderr) = sheaf(
        site.root(),
        &[
            "new",
            "Other title",
            "--arxiv",
            "https://arxiv.org/pdf/2501.01234",
        ],
    );
    assert!(!ok);
    assert!(
        stderr.contains("already in the digest: content/papers/a-study-of-things.md"),
        "{stderr}"
    );
    let (ok, _, stderr) = sheaf(site.root(), &["new", "X", "--arxiv", "12345"]);
    assert!(!ok && stderr.contains("12345"), "{stderr}");
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
