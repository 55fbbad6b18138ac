//! The `sheaf` binary: exit codes, messages, import of the seed format.

mod common;

use std::process::Command;

use common::*;

fn sheaf(root: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sheaf"))
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn build_prints_one_summary_line() {
    let site = TestSite::bundled();
    let out = sheaf(site.root(), &["build"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        stdout.contains("Built 120 papers") && stdout.contains(" ms"),
        "{stdout}"
    );
    let quiet = sheaf(site.root(), &["build", "--quiet"]);
    assert!(quiet.status.success() && quiet.stdout.is_empty());
}

#[test]
fn bad_input_exits_non_zero_with_file_and_line() {
    let site = TestSite::with_papers(&[("bad.md", "---\ntitle: x\ndate: soon\n---\n")]);
    let out = sheaf(site.root(), &["build"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("content/papers/bad.md:3"), "{stderr}");
    assert!(!stderr.contains("panicked"));
}

#[test]
fn missing_config_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = sheaf(dir.path(), &["build"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("site-config.yaml"), "{stderr}");
}

#[test]
fn help_on_every_command() {
    for args in [&["--help"][..], &["build", "--help"], &["import", "--help"]] {
        let out = Command::new(env!("CARGO_BIN_EXE_sheaf"))
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success());
        assert!(String::from_utf8_lossy(&out.stdout).contains("Usage"));
    }
}

#[test]
fn importing_the_seed_reproduces_the_bundled_digest() {
    let site = TestSite::with_papers(&[]);
    let seed = format!("{REPO}/tests/fixtures/trending-2025-05-07.txt");
    let out = sheaf(site.root(), &["import", &seed, "--date", "2025-05-07"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("120 created, 0 updated"));
    // The repository's entries are this import plus the curator's edits:
    // every field the source owns is exactly what the import wrote.
    let parse = |path: &std::path::Path| {
        let text = std::fs::read_to_string(path).unwrap();
        sheaf::content::parse_entry(path, &text).unwrap().0
    };
    let mut curated = 0;
    for item in std::fs::read_dir(format!("{REPO}/content/papers")).unwrap() {
        let path = item.unwrap().path();
        let name = path.file_name().unwrap();
        let ours = site.papers().join(name);
        assert!(ours.exists(), "{name:?} not imported");
        let (a, b) = (parse(&ours), parse(&path));
        assert_eq!(a.title, b.title, "{name:?}");
        assert_eq!(a.date, b.date, "{name:?}");
        assert_eq!(a.code, b.code, "{name:?}");
        assert_eq!(a.abstract_md, b.abstract_md, "{name:?}");
        if a.notes_md != b.notes_md {
            curated += 1;
        }
    }
    assert!(
        curated >= 1,
        "the bundled digest carries some curator notes"
    );
}

#[test]
fn reimport_keeps_the_curators_notes() {
    let site = TestSite::bundled();
    let paper = site.papers().join("layer-normalization.md");
    let edited = std::fs::read_to_string(&paper).unwrap() + "My careful notes.\n";
    std::fs::write(&paper, &edited).unwrap();
    let seed = format!("{REPO}/tests/fixtures/trending-2025-05-07.txt");
    let out = sheaf(site.root(), &["import", &seed, "--date", "2025-05-07"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 created, 0 updated, 120 unchanged"));
    assert_eq!(std::fs::read_to_string(&paper).unwrap(), edited);
}

#[test]
fn import_dry_run_writes_nothing() {
    let site = TestSite::with_papers(&[]);
    let seed = format!("{REPO}/tests/fixtures/trending-2025-05-07.txt");
    let out = sheaf(site.root(), &["import", &seed, "--dry-run"]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("would be created content/papers/"),
        "{stdout}"
    );
    assert!(
        stdout.contains("+title: \"Layer Normalization\""),
        "the diff is shown: {stdout}"
    );
    assert!(
        stdout.contains("120 created") && stdout.contains("nothing written"),
        "{stdout}"
    );
    assert_eq!(std::fs::read_dir(site.papers()).unwrap().count(), 0);
}

#[test]
fn import_of_a_broken_file_writes_nothing() {
    let site = TestSite::with_papers(&[]);
    let bad = site.root().join("bad.txt");
    std::fs::write(
        &bad,
        "May 7\n\nTitle one\n\nAbstract one, long enough.\n\nTitle without abstract\n",
    )
    .unwrap();
    let out = sheaf(
        site.root(),
        &["import", bad.to_str().unwrap(), "--format", "trending"],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.txt:7"), "{stderr}");
    assert_eq!(std::fs::read_dir(site.papers()).unwrap().count(), 0);

    std::fs::write(&bad, "{\"not\": \"a dump\"}").unwrap();
    let out = sheaf(site.root(), &["import", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot tell the format"));
}
