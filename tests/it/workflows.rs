//! `sheaf upgrade-workflows`: rewrites the workflows sheaf wrote, those of
//! earlier versions included, and leaves the ones a curator edited alone
//! unless forced; and every workflow pins its actions to commits.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sheaf::front::workflows::{
    archive_name, render, upgrade, Outcome, Release, MANAGED, RUNNER_TARGETS,
};

use crate::common::snapshot;

const REPO: &str = env!("CARGO_MANIFEST_DIR");
const VERSION: &str = env!("CARGO_PKG_VERSION");
const PAGES: &str = ".github/workflows/pages.yml";

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A SHA256SUMS for this version, with a made-up checksum per archive.
fn sums_file(dir: &Path, digit: char) -> PathBuf {
    let text: String = RUNNER_TARGETS
        .iter()
        .map(|t| {
            format!(
                "{}  {}\n",
                digit.to_string().repeat(64),
                archive_name(VERSION, t)
            )
        })
        .collect();
    let path = dir.join(format!("SHA256SUMS-{digit}"));
    std::fs::write(&path, text).unwrap();
    path
}

fn upgrade_command(root: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sheaf"))
        .arg("--root")
        .arg(root)
        .arg("upgrade-workflows")
        .args(extra)
        // Nothing listens there: only --checksums pins.
        .env("SHEAF_RELEASE_BASE", "http://127.0.0.1:1")
        .output()
        .unwrap()
}

/// A digest with the Pages workflow sheaf 0.1.0 wrote, before workflows had
/// a marker line: it installed a stranger's crate named `sheaf`.
fn legacy_digest() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(PAGES);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::copy(
        Path::new(REPO).join("tests/fixtures/workflows/pages-0.1.0.yml"),
        &path,
    )
    .unwrap();
    tmp
}

#[test]
fn an_earlier_versions_workflow_is_upgraded_and_the_change_shown() {
    let tmp = legacy_digest();
    let sums = sums_file(tmp.path(), 'a');
    let out = upgrade_command(tmp.path(), &["--checksums", sums.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("rewritten for sheaf"), "{stdout}");
    // The diff names what went and what came.
    assert!(
        stdout.contains("-        run: cargo install sheaf --version"),
        "{stdout}"
    );
    assert!(stdout.contains(&"a".repeat(64)), "{stdout}");
    let written = read(&tmp.path().join(PAGES));
    let release = Release::from_sums(&read(&sums), "sums").unwrap();
    assert_eq!(written, render(&MANAGED[0], &release));
    assert!(!written.contains("cargo install sheaf "), "{written}");

    // Once more: nothing to do.
    let out = upgrade_command(tmp.path(), &["--checksums", sums.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("already written"));

    // A new release's checksums replace the old ones.
    let newer = sums_file(tmp.path(), 'b');
    let out = upgrade_command(tmp.path(), &["--checksums", newer.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let written = read(&tmp.path().join(PAGES));
    assert!(written.contains(&"b".repeat(64)) && !written.contains(&"a".repeat(64)));
}

#[test]
fn an_edited_workflow_is_left_alone_unless_forced() {
    for start in ["legacy", "marked"] {
        let tmp = legacy_digest();
        let sums = sums_file(tmp.path(), 'c');
        if start == "marked" {
            let release = Release::unpinned();
            std::fs::write(tmp.path().join(PAGES), render(&MANAGED[0], &release)).unwrap();
        }
        let path = tmp.path().join(PAGES);
        let edited = read(&path).replace("branches: [main]", "branches: [main, deploy-from-here]");
        std::fs::write(&path, &edited).unwrap();

        let before = snapshot(tmp.path());
        let out = upgrade_command(tmp.path(), &["--checksums", sums.to_str().unwrap()]);
        assert!(!out.status.success(), "{start}: {}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("edited since sheaf wrote it"), "{stderr}");
        assert!(stderr.contains("--force"), "{stderr}");
        // It shows what --force would take away.
        assert!(
            stderr.contains("-    branches: [main, deploy-from-here]"),
            "{stderr}"
        );
        assert_eq!(snapshot(tmp.path()), before, "{start}");

        let out = upgrade_command(
            tmp.path(),
            &["--force", "--checksums", sums.to_str().unwrap()],
        );
        assert!(out.status.success(), "{start}: {}", text(&out));
        assert!(String::from_utf8_lossy(&out.stdout).contains("replaced (--force)"));
        assert!(read(&path).contains(&"c".repeat(64)));
        assert!(!read(&path).contains("deploy-from-here"));
    }
}

#[test]
fn upgrade_needs_a_workflow_and_good_checksums() {
    // Nothing to upgrade.
    let tmp = tempfile::tempdir().unwrap();
    let out = upgrade_command(
        tmp.path(),
        &["--checksums", sums_file(tmp.path(), 'd').to_str().unwrap()],
    );
    assert!(!out.status.success());
    assert!(
        text(&out).contains("none of the workflows sheaf writes"),
        "{}",
        text(&out)
    );

    // A checksum file that is not this release's is refused, naming it,
    // and nothing is written.
    let tmp = legacy_digest();
    let bad = tmp.path().join("SHA256SUMS");
    std::fs::write(&bad, format!("{}  sheaf-0.0.1-x.tar.gz\n", "e".repeat(64))).unwrap();
    let before = snapshot(tmp.path());
    let out = upgrade_command(tmp.path(), &["--checksums", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("SHA256SUMS lists no archive"),
        "{}",
        text(&out)
    );
    assert_eq!(snapshot(tmp.path()), before);

    // Without the release's checksums, an upgrade stops (it would replace
    // pinned checksums with none) unless told to do without.
    let out = upgrade_command(tmp.path(), &[]);
    assert!(!out.status.success());
    assert!(text(&out).contains("--no-checksums"), "{}", text(&out));
    assert_eq!(snapshot(tmp.path()), before);
    let out = upgrade_command(tmp.path(), &["--no-checksums"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        read(&tmp.path().join(PAGES)),
        render(&MANAGED[0], &Release::unpinned())
    );
}

/// The library call, for a digest that lacks the workflow.
#[test]
fn a_missing_workflow_is_not_created() {
    let tmp = tempfile::tempdir().unwrap();
    let done = upgrade(tmp.path(), &Release::unpinned(), true).unwrap();
    assert!(done.iter().all(|u| u.outcome == Outcome::Missing));
    assert!(snapshot(tmp.path()).is_empty());
}

/// Every workflow in the repository and every one sheaf writes: each
/// third-party action pinned to a full commit, its version in a comment,
/// one commit per action everywhere; no step installs a crate by a name
/// we do not own.
#[test]
fn every_action_is_pinned_to_a_commit() {
    let mut files: Vec<(String, String)> =
        std::fs::read_dir(Path::new(REPO).join(".github/workflows"))
            .unwrap()
            .map(|f| {
                let path = f.unwrap().path();
                (path.display().to_string(), read(&path))
            })
            .collect();
    assert!(files.len() >= 3, "{files:?}");
    for workflow in MANAGED {
        files.push((
            workflow.path.to_string(),
            render(workflow, &Release::unpinned()),
        ));
    }
    let uses = regex::Regex::new(r"(?m)^\s*(?:- )?uses:\s*(\S+)(.*)$").unwrap();
    let pinned = regex::Regex::new(r"^([\w.-]+/[\w./-]+)@([0-9a-f]{40})$").unwrap();
    let comment = regex::Regex::new(r"^ # v\d+(\.\d+)*$").unwrap();
    let mut commits = std::collections::BTreeMap::new();
    for (file, text) in &files {
        for cap in uses.captures_iter(text) {
            let action = &cap[1];
            let pin = pinned
                .captures(action)
                .unwrap_or_else(|| panic!("{file}: {action} is not pinned to a full commit"));
            assert!(
                comment.is_match(&cap[2]),
                "{file}: {action} has no `# vX.Y.Z`"
            );
            let previous =
                commits.insert(pin[1].to_string(), (pin[2].to_string(), cap[2].to_string()));
            if let Some(previous) = previous {
                assert_eq!(
                    previous,
                    (pin[2].to_string(), cap[2].to_string()),
                    "{file}: {action}"
                );
            }
        }
        for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
            assert!(
                !line.contains("cargo install")
                    || line.contains("--path")
                    || line.contains("sheaf-digest"),
                "{file}: {line}"
            );
        }
    }
}
