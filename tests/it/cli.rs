//! The `sheaf` binary: exit codes, messages, import of the seed format.

use std::process::Command;

use crate::common::*;

fn sheaf(root: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sheaf"))
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn build_prints_a_summary_and_the_output_size() {
    let site = TestSite::bundled();
    let out = sheaf(site.root(), &["build"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The summary, then the output's size (tests/size.rs).
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert!(
        stdout.contains("Built 120 papers") && stdout.contains(" ms"),
        "{stdout}"
    );
    assert!(stdout.lines().nth(1).unwrap().starts_with("Output: "));
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
        sheaf::input::content::parse_entry(path, &text).unwrap().0
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

/// The binary run in `dir` with `args` and no --root, with the colour and
/// CI variables of the test's own environment cleared.
fn sheaf_in(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sheaf"));
    command.current_dir(dir).args(args);
    for var in [
        "NO_COLOR",
        "CLICOLOR",
        "CLICOLOR_FORCE",
        "GITHUB_ACTIONS",
        "GITHUB_WORKSPACE",
    ] {
        command.env_remove(var);
    }
    command.envs(env.iter().copied()).output().unwrap()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn error_and_warning_are_coloured_only_where_colour_is_wanted() {
    let site = TestSite::with_papers(&[("bad.md", "---\ntitle: x\ndate: soon\n---\n")]);
    let root = site.root();
    // Not a terminal: plain text.
    let plain = stderr(&sheaf_in(root, &["build"], &[]));
    assert!(plain.contains("error: `date`"), "{plain}");
    assert!(!plain.contains('\u{1b}'), "{plain:?}");
    // Forced, as a CI log or a pager asks: the label is red.
    let forced = stderr(&sheaf_in(root, &["build"], &[("CLICOLOR_FORCE", "1")]));
    assert!(
        forced.contains("\u{1b}[1m\u{1b}[31merror\u{1b}[0m: `date`"),
        "{forced:?}"
    );
    // The same for a warning.
    site.write_paper("bad.md", &entry("Typo", "tittle: x\n"));
    let warned = stderr(&sheaf_in(root, &["check"], &[("CLICOLOR_FORCE", "1")]));
    assert!(
        warned.contains("\u{1b}[33mwarning\u{1b}[0m: "),
        "{warned:?}"
    );
    let no_color = stderr(&sheaf_in(root, &["check"], &[("NO_COLOR", "1")]));
    assert!(
        no_color.contains("warning: ") && !no_color.contains('\u{1b}'),
        "{no_color:?}"
    );
}

#[test]
fn outside_a_digest_says_so_and_how_to_start_one() {
    let dir = tempfile::tempdir().unwrap();
    for args in [&["build"][..], &["check"], &["new", "A title"]] {
        let out = sheaf_in(dir.path(), args, &[]);
        assert!(!out.status.success());
        let text = stderr(&out);
        assert!(text.contains("is not in a sheaf digest"), "{text}");
        assert!(text.contains("any folder above it"), "{text}");
        assert!(
            text.contains("sheaf init") && text.contains("--root"),
            "{text}"
        );
        assert!(!text.contains("os error"), "{text}");
    }
    let given = sheaf(dir.path(), &["build"]);
    let text = stderr(&given);
    assert!(
        text.contains("is not a sheaf digest: it has no site-config.yaml"),
        "{text}"
    );
}

#[test]
fn the_digest_is_found_from_a_folder_inside_it() {
    let site = TestSite::with_papers(&[("a.md", &entry("Paper A", ""))]);
    let inside = site.root().join("themes/default/templates");
    let out = sheaf_in(&inside, &["build"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(site.out().join("papers/a/index.html").exists());
    assert!(!inside.join("public").exists());
}

#[test]
fn check_prints_its_summary_once() {
    let site = TestSite::with_papers(&[("bad.md", "---\ntitle: x\ndate: soon\n---\n")]);
    let out = sheaf(site.root(), &["check"]);
    assert!(!out.status.success());
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert_eq!(all.matches("1 error").count(), 1, "{all}");
}

#[test]
fn a_malformed_arxiv_id_is_quoted_once() {
    let site = TestSite::with_papers(&[]);
    for id in ["12ab", "2504.0338", "hep-th/99", "2504.03380v0", ""] {
        let out = sheaf(site.root(), &["import", "--arxiv", id]);
        assert!(!out.status.success());
        let text = stderr(&out);
        assert_eq!(text.matches(&format!("{id:?}")).count(), 1, "{text}");
    }
}

#[test]
fn init_help_does_not_offer_root() {
    let help = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_sheaf"))
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(help(&["build", "--help"]).contains("--root"));
    let init = help(&["init", "--help"]);
    assert!(init.contains("Usage") && !init.contains("--root"), "{init}");
    let dir = tempfile::tempdir().unwrap();
    let out = sheaf(dir.path(), &["init", "x"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("--root means nothing"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.path().join("x").exists());
}

#[test]
fn an_os_error_is_printed_once() {
    let site = TestSite::with_papers(&[]);
    let config = site.root().join("site-config.yaml");
    std::fs::remove_file(&config).unwrap();
    std::fs::create_dir(&config).unwrap();
    let text = stderr(&sheaf(site.root(), &["build"]));
    let reason = std::fs::read_to_string(&config).unwrap_err().to_string();
    assert!(text.contains("cannot read"), "{text}");
    assert_eq!(text.matches(&reason).count(), 1, "{text}");
}

#[test]
fn an_output_path_that_is_a_file_is_called_a_file() {
    let site = TestSite::with_papers(&[]);
    let file = site.root().join("notes.txt");
    std::fs::write(&file, "mine").unwrap();
    for out in [file.clone(), file.join("public")] {
        let result = sheaf(
            site.root(),
            &["build", "--output-dir", out.to_str().unwrap()],
        );
        let text = stderr(&result);
        assert!(!result.status.success());
        assert!(text.contains("is a file, not a folder"), "{text}");
        assert!(!text.contains("os error"), "{text}");
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
}

#[test]
fn in_github_actions_findings_are_annotations_on_file_and_line() {
    let site = TestSite::with_papers(&[
        ("bad.md", "---\ntitle: x\ndate: soon\n---\n"),
        ("typo.md", &entry("Typo, 100%", "tittle: x\n")),
    ]);
    let root = site.root().to_str().unwrap();
    let actions = [("GITHUB_ACTIONS", "true"), ("GITHUB_WORKSPACE", root)];
    let out = sheaf_in(site.root(), &["check"], &actions);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("::error file=content/papers/bad.md,line=3::`date` must be a date"),
        "{stdout}"
    );
    assert!(
        stdout.contains("::warning file=content/papers/typo.md,line=4::"),
        "{stdout}"
    );
    // Not in Actions: none.
    let out = sheaf_in(site.root(), &["check"], &[]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("::"));
    // The build shows its warnings the same way, check's own included.
    site.write_paper(
        "bad.md",
        "---\ntitle: Fixed\ndate: 2025-05-07\nabstract: \"\"\n---\n",
    );
    let out = sheaf_in(site.root(), &["build"], &actions);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("::warning file=content/papers/typo.md,line=4::"),
        "{stdout}"
    );
    assert!(
        stdout.contains("::warning file=content/papers/bad.md,line=4::the abstract is empty"),
        "{stdout}"
    );
}

/// `sheaf serve` prints, for every rebuild, the time and what changed.
#[test]
fn serve_rebuild_lines_have_the_time_and_the_changed_path() {
    use std::io::BufRead as _;
    let site = TestSite::with_papers(&[("a.md", &entry("Paper A", ""))]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_sheaf"))
        .arg("--root")
        .arg(site.root())
        .args(["serve", "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let (tx, lines) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let next = || {
        lines
            .recv_timeout(std::time::Duration::from_secs(60))
            .unwrap_or_else(|_| String::from("(nothing)"))
    };
    let first = next();
    site.write_paper(
        "a.md",
        &entry("Paper A", "").replace("Notes.", "New notes."),
    );
    let rebuilt = next();
    child.kill().ok();
    child.wait().ok();
    assert!(first.starts_with("Serving"), "{first}");
    let line = regex::Regex::new(
        r"^\d\d:\d\d:\d\d content/papers/a\.md changed: rebuilt in \d+ ms, \d+ pages rendered",
    )
    .unwrap();
    assert!(line.is_match(&rebuilt), "{rebuilt}");
}

/// `sheaf build` shows the warnings `sheaf check` shows, not only the
/// entry parser's; a base_url left at `sheaf init`'s placeholder is one.
#[test]
fn build_warns_as_check_does() {
    let site = TestSite::with_papers(&[
        (
            "f.md",
            "---\ntitle: Paper F\ndate: 2999-01-01\nabstract: \"\"\n---\n",
        ),
        (
            "g.md",
            "---\ntitle: Paper G\ndate: 2024-01-01\nabstract: Words.\n---\nNotes.\n",
        ),
    ]);
    let config = site.root().join("site-config.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    let placeholder = regex::Regex::new(r#"(?m)^base_url: .*$"#)
        .unwrap()
        .replace(&text, "base_url: \"https://example.github.io/papers/\"");
    std::fs::write(&config, placeholder.as_ref()).unwrap();
    let check = stderr(&sheaf(site.root(), &["check"]));
    let build = sheaf(site.root(), &["build"]);
    assert!(build.status.success(), "{}", stderr(&build));
    let build = stderr(&build);
    for expected in [
        "the abstract is empty\n  --> content/papers/f.md:4",
        "`date` 2999-01-01 is in the future\n  --> content/papers/f.md:3",
        "`base_url` is still the placeholder https://example.github.io/papers/",
    ] {
        assert!(check.contains(expected), "{expected:?} in {check}");
        assert!(build.contains(expected), "{expected:?} in {build}");
    }
    // Without the cache a build drops each entry's Markdown once it is
    // converted: the lints that read it still see it, and only F's is empty.
    let uncached = sheaf(site.root(), &["build", "--no-cache"]);
    assert!(uncached.status.success(), "{}", stderr(&uncached));
    let uncached = stderr(&uncached);
    assert_eq!(uncached, build);
    assert_eq!(build.matches("the abstract is empty").count(), 1, "{build}");
    let line = text
        .lines()
        .position(|l| l.starts_with("base_url:"))
        .unwrap()
        + 1;
    assert!(
        build.contains(&format!("--> site-config.yaml:{line}")),
        "{build}"
    );
    // The address a build is given (the Pages workflow gives Pages' own)
    // is the one that counts.
    let real = stderr(&sheaf(
        site.root(),
        &["build", "--base-url", "https://ada.github.io/papers/"],
    ));
    assert!(!real.contains("placeholder"), "{real}");
    assert!(real.contains("the abstract is empty"), "{real}");
    // So does `check`'s, which the Pages workflow runs first.
    let checked = stderr(&sheaf(
        site.root(),
        &["check", "--base-url", "https://ada.github.io/papers/"],
    ));
    assert!(!checked.contains("placeholder"), "{checked}");
    assert!(checked.contains("the abstract is empty"), "{checked}");
}
