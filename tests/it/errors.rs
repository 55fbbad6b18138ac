//! Bad input: every problem is reported with its file and line, the build
//! fails, and the previous output stays as it was.

use crate::common::*;

#[test]
fn every_bad_entry_reported_in_one_run() {
    let site = TestSite::with_papers(&[
        ("good.md", &entry("Good", "")),
        (
            "bad-yaml.md",
            "---\ntitle: \"unterminated\ndate: 2025-05-07\n---\n",
        ),
        (
            "wrong-type.md",
            "---\ntitle: Fine\ndate: 2025-05-07\nauthors: 42\n---\n",
        ),
        ("no-title.md", "---\ndate: 2025-05-07\n---\nbody\n"),
        (
            "bad-theme.md",
            &entry("Bad theme", "themes: [no-such-theme]\n"),
        ),
        (
            "bad-url.md",
            &entry("Bad url", "url: \"javascript:alert(1)\"\n"),
        ),
        ("bad-date.md", "---\ntitle: T\ndate: 7 May 2025\n---\n"),
    ]);
    let err = build_error(&site);
    for expected in [
        "content/papers/bad-yaml.md:2",
        "content/papers/wrong-type.md:4",
        "`authors` must be a list of names, got 42",
        "content/papers/no-title.md:2",
        "missing `title`",
        "content/papers/bad-theme.md:4",
        "unknown theme `no-such-theme`",
        "content/papers/bad-url.md:4",
        "must be an http(s) URL",
        "content/papers/bad-date.md:3",
    ] {
        assert!(err.contains(expected), "expected {expected:?} in:\n{err}");
    }
}

/// `published` takes a year, a year and a month, or a full date; anything
/// else is an error on its line, whether YAML reads it as a number or a
/// string.
#[test]
fn a_published_date_that_is_not_one_is_named_with_its_line() {
    let site = TestSite::with_papers(&[
        ("good-year.md", &entry("Good year", "published: 2020\n")),
        (
            "good-month.md",
            &entry("Good month", "published: \"2020-07\"\n"),
        ),
        ("month-13.md", &entry("Month 13", "published: 2020-13\n")),
        ("word.md", &entry("Word", "published: \"x\"\n")),
        ("short.md", &entry("Short", "published: 15\n")),
        ("one-digit.md", &entry("One digit", "published: 2020-7\n")),
    ]);
    let err = build_error(&site);
    for (file, got) in [
        ("month-13", "got \"2020-13\""),
        ("word", "got \"x\""),
        ("short", "got 15"),
        ("one-digit", "got \"2020-7\""),
    ] {
        let line = line_in(&err, &format!("content/papers/{file}.md"));
        assert_eq!(line, Some(4), "{file}: {err}");
        assert!(err.contains(got), "{file}: {got} in {err}");
    }
    assert!(
        err.contains("`published` must be a date written YYYY-MM-DD"),
        "{err}"
    );
    assert!(!err.contains("good-year"), "{err}");
    assert!(!err.contains("good-month"), "{err}");
}

#[test]
fn failed_build_leaves_old_output_untouched() {
    let site = TestSite::bundled();
    site.build().unwrap();
    let before = site.read("index.html");
    let marker = site.out().join("papers/layer-normalization/index.html");
    let page_before = std::fs::read(&marker).unwrap();
    site.write_paper("broken.md", "---\ntitle: [\n---\n");
    std::fs::remove_file(site.papers().join("layer-normalization.md")).unwrap();
    assert!(site.build().is_err());
    assert_eq!(site.read("index.html"), before);
    assert_eq!(
        std::fs::read(&marker).unwrap(),
        page_before,
        "nothing removed either"
    );
}

#[test]
fn template_error_names_the_template_and_line() {
    let site = TestSite::bundled();
    std::fs::create_dir_all(site.root().join("templates")).unwrap();
    std::fs::write(
        site.root().join("templates/paper.html"),
        "<p>ok</p>\n<p>{{ paper.title | no_such_filter }}</p>\n",
    )
    .unwrap();
    let err = build_error(&site);
    assert!(err.contains("templates/paper.html:2"), "{err}");
    assert!(err.contains("no_such_filter"), "{err}");

    std::fs::write(
        site.root().join("templates/paper.html"),
        "line one\n{% if %}\n",
    )
    .unwrap();
    let err = build_error(&site);
    assert!(err.contains("templates/paper.html:2"), "{err}");
}

#[test]
fn site_templates_override_the_theme() {
    let site = TestSite::with_papers(&[("a.md", &entry("A <b>bold</b> title", ""))]);
    std::fs::create_dir_all(site.root().join("templates")).unwrap();
    std::fs::write(
        site.root().join("templates/paper.html"),
        "<!DOCTYPE html><title>{{ paper.title }}</title>",
    )
    .unwrap();
    site.build().unwrap();
    let page = site.read("papers/a/index.html");
    assert_eq!(
        page,
        "<!DOCTYPE html><title>A &lt;b&gt;bold&lt;/b&gt; title</title>"
    );
}

#[test]
fn bom_and_windows_line_endings_are_read() {
    let text = "\u{feff}---\r\ntitle: \"CRLF paper\"\r\ndate: 2025-05-07\r\nabstract: |\r\n  Line.\r\n---\r\nNotes here.\r\n";
    let site = TestSite::with_papers(&[("crlf.md", text)]);
    site.build().unwrap();
    let page = site.read("papers/crlf/index.html");
    assert!(page.contains("CRLF paper") && page.contains("Notes here."));
    assert!(!page.contains('\r'));
}

#[test]
fn non_utf8_file_is_named() {
    let site = TestSite::with_papers(&[("good.md", &entry("Good", ""))]);
    std::fs::write(
        site.papers().join("latin1.md"),
        b"---\ntitle: caf\xe9\n---\n",
    )
    .unwrap();
    let err = build_error(&site);
    assert!(err.contains("content/papers/latin1.md:2"), "{err}");
    assert!(err.contains("not valid UTF-8"), "{err}");
}

#[test]
fn hostile_yaml_neither_hangs_nor_explodes() {
    // A billion laughs: aliases that expand exponentially.
    let mut laughs = String::from(
        "---\ntitle: x\ndate: 2025-05-07\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    for i in 1..10 {
        let prev = format!("*a{}", i - 1);
        laughs += &format!("a{i}: &a{i} [{}]\n", [prev.as_str(); 9].join(", "));
    }
    laughs += "---\n";
    let deep = format!(
        "---\ntitle: x\ndate: 2025-05-07\nx: {}{}\n---\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let site = TestSite::with_papers(&[("laughs.md", &laughs), ("deep.md", &deep)]);
    let err = build_error(&site);
    assert!(err.contains("content/papers/laughs.md"), "{err}");
    assert!(err.contains("content/papers/deep.md"), "{err}");
}

#[test]
fn huge_file_is_refused() {
    let site = TestSite::with_papers(&[("good.md", &entry("Good", ""))]);
    let huge = entry("Huge", "") + &"x".repeat(5 * 1024 * 1024);
    site.write_paper("huge.md", &huge);
    let err = build_error(&site);
    assert!(
        err.contains("content/papers/huge.md") && err.contains("bytes"),
        "{err}"
    );
}

#[test]
fn refuses_output_over_sources() {
    let site = TestSite::bundled();
    for out in [
        site.root().to_path_buf(),
        site.papers(),
        site.root().join("content"),
        site.root().join(".."),
    ] {
        let result = sheaf::build::build(
            site.root(),
            &sheaf::build::BuildOptions {
                output_dir: Some(out.clone()),
                ..Default::default()
            },
        );
        assert!(
            matches!(result, Err(sheaf::Error::UnsafeOutput { .. })),
            "{} was accepted",
            out.display()
        );
    }
    assert_eq!(
        std::fs::read_dir(site.papers()).unwrap().count(),
        120,
        "nothing deleted"
    );
}

#[test]
fn bad_config_is_reported_with_its_line() {
    let site = TestSite::bundled();
    let config = std::fs::read_to_string(site.root().join("site-config.yaml")).unwrap();
    std::fs::write(
        site.root().join("site-config.yaml"),
        config.replace(
            "base_url: \"https://sheaf-digest.github.io/sheaf/\"",
            "base_url: \"ftp://nowhere\"\ntitel: oops",
        ),
    )
    .unwrap();
    let err = build_error(&site);
    assert!(err.contains("site-config.yaml:"), "{err}");
    assert!(err.contains("titel"), "unknown key named: {err}");
}

#[test]
fn typo_keys_warn_and_reach_templates_as_extra() {
    let site = TestSite::with_papers(&[("a.md", &entry("A", "tittle: typo\nreviewer: Ada\n"))]);
    let report = site.build().unwrap();
    let warning = report
        .warnings
        .iter()
        .map(|w| w.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(warning.contains("did you mean `title`"), "{warning}");
    assert!(warning.contains("content/papers/a.md:4"), "{warning}");
    assert!(
        !warning.contains("reviewer"),
        "a deliberate extra key is not a typo"
    );
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_site_are_not_published() {
    let site = TestSite::with_papers(&[("a.md", &entry("A", ""))]);
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "secret").unwrap();
    let static_dir = site.root().join("themes/default/static");
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        static_dir.join("secret.txt"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path(), static_dir.join("outside")).unwrap();
    // A link that stays inside the site is fine.
    std::os::unix::fs::symlink(static_dir.join("style.css"), static_dir.join("alias.css")).unwrap();
    let report = site.build().unwrap();
    assert!(!site.out().join("secret.txt").exists());
    assert!(!site.out().join("outside").exists());
    assert!(site.out().join("alias.css").exists());
    let warnings: String = report.warnings.iter().map(|w| w.to_string()).collect();
    assert!(warnings.contains("outside the site"), "{warnings}");
}

#[test]
fn a_page_that_fails_to_render_leaves_every_file_untouched() {
    // Other pages render (and are staged) before the failing one is found;
    // none of them may reach the output folder.
    let site = TestSite::bundled();
    site.build().unwrap();
    let before = site.read("index.html");
    let page = site.out().join("papers/layer-normalization/index.html");
    let page_before = std::fs::read(&page).unwrap();
    site.write_paper(
        "layer-normalization.md",
        &std::fs::read_to_string(site.papers().join("layer-normalization.md"))
            .unwrap()
            .replace("title:", "featured: true\ntitle:"),
    );
    std::fs::create_dir_all(site.root().join("templates")).unwrap();
    let paper = std::fs::read_to_string(site.root().join("themes/default/templates/paper.html"))
        .unwrap()
        .replace(
            "{% block content %}",
            "{% block content %}{% if paper.slug == \"layer-normalization\" %}{{ paper.no_such_field.deeper }}{% endif %}",
        );
    std::fs::write(site.root().join("templates/paper.html"), paper).unwrap();
    let err = build_error(&site);
    assert!(
        err.contains("papers/layer-normalization/index.html"),
        "{err}"
    );
    assert_eq!(site.read("index.html"), before, "the front page changed");
    assert_eq!(std::fs::read(&page).unwrap(), page_before);
    assert!(!site.out().join(".sheaf-staging").exists());
}

#[test]
fn pages_staged_before_a_later_failure_never_reach_the_output() {
    // More pages than one render batch (512): paper pages are staged in
    // the first batches, the theme page fails in a later one.
    let files: Vec<(String, String)> = (0..1100)
        .map(|i| (format!("p{i}.md"), entry(&format!("Paper {i}"), "")))
        .collect();
    let site = TestSite::with_owned_papers(&files);
    site.build().unwrap();
    let page = site.out().join("papers/p7/index.html");
    let before = std::fs::read(&page).unwrap();
    let config = site.root().join("site-config.yaml");
    edit_file(&config, "title:", "title: Renamed digest #");
    std::fs::create_dir_all(site.root().join("templates")).unwrap();
    std::fs::write(
        site.root().join("templates/theme.html"),
        "{{ theme.no_such_field.deeper }}",
    )
    .unwrap();
    let err = build_error(&site);
    assert!(err.contains("theme"), "{err}");
    assert_eq!(std::fs::read(&page).unwrap(), before);
    assert!(!site.out().join(".sheaf-staging").exists());
}

#[test]
fn a_static_file_named_like_a_page_is_an_error() {
    let site = TestSite::bundled();
    std::fs::create_dir_all(site.root().join("static/search")).unwrap();
    std::fs::write(site.root().join("static/search/index.html"), "<p>mine</p>").unwrap();
    let err = build_error(&site);
    assert!(err.contains("search/index.html"), "{err}");
    assert!(err.contains("static file"), "{err}");
}

#[test]
fn a_theme_without_a_search_page_gets_the_default_one() {
    let site = TestSite::bundled();
    std::fs::remove_file(site.root().join("themes/default/templates/search.html")).unwrap();
    site.build().unwrap();
    assert!(site.read("search/index.html").contains("search-results"));
}

/// The line of `file` the error names, as in `content/papers/x.md:5`.
fn line_in(err: &str, file: &str) -> Option<usize> {
    let at = err.find(file)? + file.len();
    err[at..]
        .strip_prefix(':')?
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

#[test]
fn control_characters_from_escapes_are_refused_on_their_line() {
    // Raw control bytes are refused by the YAML parser; escapes bring the
    // same characters in, and XML (the feeds) cannot carry them.
    let site = TestSite::with_papers(&[
        (
            "title.md",
            &entry("Bell\u{7}", "").replace("\"Bell\\u{7}\"", "\"Bell\\u0001\""),
        ),
        (
            "author.md",
            "---\ntitle: Fine\ndate: 2025-05-07\nauthors: [\"Ada\",\n  \"Eve\\x1b[31m\"]\n---\n",
        ),
        ("fine.md", &entry("Tab\\there and NEL\\u0085", "")),
    ]);
    let err = build_error(&site);
    assert_eq!(line_in(&err, "content/papers/title.md"), Some(2), "{err}");
    assert_eq!(line_in(&err, "content/papers/author.md"), Some(5), "{err}");
    assert!(err.contains("U+0001") && err.contains("U+001B"), "{err}");
    assert!(!err.contains("fine.md"), "tab and NEL are text: {err}");

    // The config's strings reach the feeds too.
    let site = TestSite::bundled();
    let config_path = site.root().join("site-config.yaml");
    let config = std::fs::read_to_string(&config_path).unwrap();
    std::fs::write(
        &config_path,
        config.replacen(
            "author: \"The sheaf curators\"",
            "author: \"The \\u0002 curators\"",
            1,
        ),
    )
    .unwrap();
    let err = build_error(&site);
    assert!(
        err.contains("site-config.yaml:4") && err.contains("U+0002"),
        "{err}"
    );
}

#[test]
fn deep_nesting_is_refused_before_parsing() {
    // 100,000 levels took the parser minutes; the scan answers at once.
    let flow = format!(
        "---\ntitle: x\ndate: 2025-05-07\ndeep: {}{}\n---\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let mut block = String::from("---\ntitle: x\ndate: 2025-05-07\ndeep:\n");
    for depth in 1..200 {
        block += &format!("{}k:\n", " ".repeat(depth));
    }
    block += "---\n";
    let mut config_like = entry(
        "Fine",
        "metrics: {upvotes: 1, stars: 2, as_of: 2025-05-07}\n",
    );
    config_like = config_like.replace(
        "abstract: |",
        "nested: [[a, \"[[[\"], {c: [d]}, '{{{']\nabstract: |",
    );
    let site = TestSite::with_papers(&[
        ("flow.md", &flow),
        ("block.md", &block),
        ("fine.md", &config_like),
    ]);
    let err = build_error(&site);
    assert_eq!(line_in(&err, "content/papers/flow.md"), Some(4), "{err}");
    // The 65th level of the block mapping.
    assert_eq!(
        line_in(&err, "content/papers/block.md"),
        Some(3 + 65),
        "{err}"
    );
    assert!(err.contains("nested more than 64 levels"), "{err}");
    assert!(!err.contains("fine.md"), "ordinary nesting is fine: {err}");
}

#[test]
fn yaml_errors_name_the_line_to_look_at() {
    let mut laughs = String::from(
        "---\ntitle: x\ndate: 2025-05-07\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    for i in 1..10 {
        let prev = format!("*a{}", i - 1);
        laughs += &format!("a{i}: &a{i} [{}]\n", [prev.as_str(); 9].join(", "));
    }
    laughs += "---\n";
    let mut merges = String::from("---\ntitle: x\ndate: 2025-05-07\nm0: &m0 {a: 1}\n");
    for i in 1..40 {
        merges += &format!("m{i}: &m{i} {{<<: [*m{p}, *m{p}], k{i}: 1}}\n", p = i - 1);
    }
    merges += "---\n";
    let site = TestSite::with_papers(&[
        (
            "huge-inside.md",
            "---\ntitle: x\ndate: 2025-05-07\nmetrics: {upvotes: 1e41, stars: 1, as_of: 2025-01-01}\n\
             authors: [Ada, 340282366920938463463374607431768211456]\n---\n",
        ),
        ("laughs.md", &laughs),
        ("merges.md", &merges),
        (
            "dup.md",
            "---\ntitle: x\ndate: 2025-05-07\nstatus: read\nabstract: a\nstatus: reading\n---\n",
        ),
        (
            "huge.md",
            "---\ntitle: x\ndate: 2025-05-07\narxiv: 99999999999999999999999\n---\n",
        ),
    ]);
    let err = build_error(&site);
    // The first alias, where the expansion starts.
    assert_eq!(line_in(&err, "content/papers/laughs.md"), Some(5), "{err}");
    assert_eq!(line_in(&err, "content/papers/merges.md"), Some(5), "{err}");
    // The duplicate, not the first `status`.
    assert_eq!(line_in(&err, "content/papers/dup.md"), Some(6), "{err}");
    assert!(err.contains("`status` appears twice"), "{err}");
    assert_eq!(line_in(&err, "content/papers/huge.md"), Some(4), "{err}");
    assert!(
        err.contains("`arxiv` is the number 99999999999999999999999, too large"),
        "{err}"
    );
    assert!(!err.contains("u128"), "{err}");
    assert!(
        err.contains("`metrics` must be a mapping of upvotes, stars, comments and as_of (YYYY-MM-DD), got a mapping: the number")
            && err.contains("is too large or not a whole number"),
        "{err}"
    );
    assert!(
        err.contains("where text belongs: write it in quotes"),
        "{err}"
    );
    assert!(!err.contains("expected u64"), "{err}");
}

#[test]
fn two_entries_with_one_slug_are_an_error_naming_both() {
    let site =
        TestSite::with_papers(&[("same.md", &entry("First", "")), ("b.md", &entry("B", ""))]);
    std::fs::create_dir_all(site.papers().join("older")).unwrap();
    site.write_paper("older/same.md", &entry("Second", ""));
    for err in [
        build_error(&site),
        sheaf::front::curate::check(site.root(), time::macros::date!(2025 - 06 - 01), None)
            .unwrap()
            .iter()
            .map(|d| d.to_string())
            .collect::<String>(),
    ] {
        assert!(
            err.contains("content/papers/older/same.md") && err.contains("content/papers/same.md"),
            "{err}"
        );
        assert!(err.contains("`same`"), "{err}");
    }
    // In a live session: the clash appears with the second file and goes
    // with it.
    std::fs::remove_file(site.papers().join("older/same.md")).unwrap();
    let mut session =
        sheaf::build::Session::new(site.root(), sheaf::build::BuildOptions::default()).unwrap();
    let second = site.papers().join("older/same.md");
    site.write_paper("older/same.md", &entry("Second", ""));
    let err = session
        .apply(std::slice::from_ref(&second))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("content/papers/older/same.md") && err.contains("`same`"),
        "{err}"
    );
    std::fs::remove_file(&second).unwrap();
    session.apply(std::slice::from_ref(&second)).unwrap();
    // An edit of the other file that leaves the clash (a title) still
    // fails; the clash is not forgotten.
    site.write_paper("older/same.md", &entry("Second", ""));
    assert!(session.apply(std::slice::from_ref(&second)).is_err());
    site.write_paper("same.md", &entry("First, edited", ""));
    let err = session
        .apply(&[site.papers().join("same.md")])
        .unwrap_err()
        .to_string();
    assert!(err.contains("`same`"), "{err}");
}

#[cfg(unix)]
#[test]
fn symlinked_entries_count_inside_the_site_and_warn_otherwise() {
    let site = TestSite::with_papers(&[("a.md", &entry("A", ""))]);
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("x.md"), entry("Outside", "")).unwrap();
    let papers = site.papers();
    std::os::unix::fs::symlink(outside.path().join("x.md"), papers.join("outside.md")).unwrap();
    std::os::unix::fs::symlink(papers.join("loop.md"), papers.join("loop.md")).unwrap();
    std::os::unix::fs::symlink(papers.join("gone.txt"), papers.join("dangling.md")).unwrap();
    // Kept elsewhere in the site and linked in: an entry like any other.
    std::fs::create_dir_all(site.root().join("drafts")).unwrap();
    std::fs::write(site.root().join("drafts/kept.md"), entry("Kept", "")).unwrap();
    std::os::unix::fs::symlink(site.root().join("drafts/kept.md"), papers.join("kept.md")).unwrap();
    // Links to folders are not followed, and say so (found in review).
    std::os::unix::fs::symlink(outside.path(), papers.join("indir")).unwrap();
    std::os::unix::fs::symlink(papers.join("dirloop"), papers.join("dirloop")).unwrap();
    let report = site.build().unwrap();
    assert_eq!(report.papers, 2, "a.md and kept.md");
    assert!(site.out().join("papers/kept/index.html").exists());
    assert!(!site.out().join("papers/outside/index.html").exists());
    let warnings: Vec<String> = report.warnings.iter().map(|w| w.to_string()).collect();
    for (file, why) in [
        ("outside.md", "outside the site"),
        ("loop.md", "loops"),
        ("dangling.md", "does not exist"),
        ("indir", "a symbolic link to a folder"),
        ("dirloop", "loops or leads nowhere"),
    ] {
        assert!(
            warnings
                .iter()
                .any(|w| w.contains(&format!("content/papers/{file}")) && w.contains(why)),
            "{file}: {warnings:?}"
        );
    }
}

#[test]
fn check_finds_duplicates_named_only_by_a_url() {
    for url in [
        "https://arxiv.org/abs/2504.03380v2",
        "https://huggingface.co/papers/2504.03380",
        "https://arxiv.org/pdf/2504.03380v1",
    ] {
        let site = TestSite::with_papers(&[
            ("a.md", &entry("Paper A", "arxiv: \"2504.03380\"\n")),
            ("b.md", &entry("Paper B", &format!("url: {url:?}\n"))),
        ]);
        let found: Vec<String> =
            sheaf::front::curate::check(site.root(), time::macros::date!(2025 - 06 - 01), None)
                .unwrap()
                .iter()
                .map(|d| d.to_string())
                .collect();
        assert!(
            found.iter().any(|d| d.contains("content/papers/b.md:4")
                && d.contains("the same paper as content/papers/a.md (arXiv 2504.03380)")),
            "{url}: {found:?}"
        );
    }
}

#[test]
fn check_refuses_an_output_dir_that_build_refuses() {
    let site = TestSite::with_papers(&[("a.md", &entry("A", ""))]);
    let path = site.root().join("site-config.yaml");
    let config = std::fs::read_to_string(&path).unwrap();
    for bad in ["content", "content/papers", ".", "themes"] {
        let text = config.replace("output_dir: public", &format!("output_dir: {bad}"));
        std::fs::write(&path, &text).unwrap();
        assert!(site.build().is_err(), "{bad}: build refuses it");
        let line = text
            .lines()
            .position(|l| l.starts_with("output_dir:"))
            .unwrap()
            + 1;
        let found =
            sheaf::front::curate::check(site.root(), time::macros::date!(2025 - 06 - 01), None)
                .unwrap();
        assert!(
            found.iter().any(|d| d.is_error()
                && d.to_string().contains(&format!("site-config.yaml:{line}"))
                && (d.message.contains("overlaps") || d.message.contains("site root"))),
            "{bad}: {found:?}"
        );
    }
}

#[test]
fn hidden_and_temporary_files_are_not_entries() {
    let site = TestSite::with_papers(&[("a.md", &entry("A", ""))]);
    // An editor's swap file, a temporary file of an atomic write, a
    // hidden folder: none is an entry, so none can clash or fail.
    site.write_paper(".a.md", &entry("A swap", ""));
    site.write_paper(".tmpAb12Cd", &entry("A temp", ""));
    std::fs::create_dir_all(site.papers().join(".git")).unwrap();
    site.write_paper(".git/a.md", &entry("In git", ""));
    let report = site.build().unwrap();
    assert_eq!(report.papers, 1);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let mut session =
        sheaf::build::Session::new(site.root(), sheaf::build::BuildOptions::default()).unwrap();
    site.write_paper(".a.md", "---\nbroken");
    session.apply(&[site.papers().join(".a.md")]).unwrap();
    assert!(!session.failed());
}

#[test]
fn new_refuses_a_paper_held_by_an_entry_that_does_not_parse() {
    let broken = "---\ntitle: \"Mine\"\ndate: 2025-05-07\narxiv: \"2504.03380\"\nstatus: read\nstatus: read\n---\n";
    let site = TestSite::with_papers(&[("sub-mine.md", broken)]);
    let config = sheaf::io::load::config(site.root()).unwrap();
    let today = time::macros::date!(2025 - 06 - 01);
    let err =
        sheaf::front::curate::new_entry(&config, "Another title", Some("2504.03380v2"), today)
            .unwrap_err()
            .to_string();
    assert!(err.contains("content/papers/sub-mine.md"), "{err}");
    assert_eq!(std::fs::read_dir(site.papers()).unwrap().count(), 1);
}

/// A key written twice in site-config.yaml is placed at its second
/// appearance, as in entries (serde's "duplicate field" had no line of
/// its own; found in review).
#[test]
fn a_repeated_config_key_is_placed_at_the_repeat() {
    let site = TestSite::with_papers(&[("a.md", &entry("A", ""))]);
    let path = site.root().join("site-config.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let repeat = text.lines().count() + 1;
    std::fs::write(&path, format!("{text}title: \"Again\"\n")).unwrap();
    let err = build_error(&site);
    assert!(err.contains("`title` appears twice"), "{err}");
    assert!(err.contains(&format!("site-config.yaml:{repeat}")), "{err}");
}

/// An unknown front matter key is kept under `extra` whatever YAML it
/// holds, but templates only take maps with string, integer or boolean
/// keys: a mapping keyed by null, a float or a list (valid YAML) made the
/// build panic in Tera's `Value::from_serializable`
/// (`render::context::value`; exit 101, no file or line; found in
/// review). The config's `extra` (templates' `site.extra`) too. It must
/// build, or fail with an error naming the file.
#[test]
fn an_unknown_key_holding_a_map_with_odd_keys_never_panics_the_build() {
    let outcome = |site: &TestSite, file: &str| -> Option<String> {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| site.build())) {
            Err(_) => Some("panicked".to_string()),
            Ok(Ok(_)) => None,
            Ok(Err(e)) => (!e.to_string().contains(file)).then(|| e.to_string()),
        }
    };
    let mut wrong = Vec::new();
    for (name, value) in [
        ("null-key.md", "{~: v}"),
        ("float-key.md", "{1.5: v}"),
        ("list-key.md", "{[1, 2]: v}"),
    ] {
        let site = TestSite::with_papers(&[(name, &entry("Odd", &format!("mine: {value}\n")))]);
        if let Some(why) = outcome(&site, &format!("content/papers/{name}")) {
            wrong.push(format!("entry `mine: {value}`: {why}"));
        }
    }
    let site = TestSite::with_papers(&[("a.md", &entry("A", ""))]);
    let path = site.root().join("site-config.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("\nextra:\n"),
        "the bundled config has an extra block"
    );
    std::fs::write(
        &path,
        text.replacen("\nextra:\n", "\nextra:\n  ? ~\n  : v\n", 1),
    )
    .unwrap();
    if let Some(why) = outcome(&site, "site-config.yaml") {
        wrong.push(format!("config `extra` keyed by null: {why}"));
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    // The entry's key is left out with a warning on its line; the config's
    // is an error at `extra:` (a template asked for it).
    let site = TestSite::with_papers(&[(
        "odd.md",
        &entry(
            "Odd",
            "mine: {[1, 2]: v}\nfine: {1: a, true: b, x: {2: c}}\n",
        ),
    )]);
    let report = site.build().expect("builds");
    let warnings: Vec<String> = report.warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        warnings.iter().any(|w| w.contains("content/papers/odd.md:")
            && w.contains("`mine` holds a map with a key that is a list")
            && w.contains("left out of `extra`")),
        "{warnings:#?}"
    );
    assert!(
        !warnings.iter().any(|w| w.contains("`fine`")),
        "{warnings:#?}"
    );
    let config = site.root().join("site-config.yaml");
    edit_file(&config, "\nextra:\n", "\nextra:\n  ? 1.5\n  : v\n");
    let err = site.build().expect_err("refused").to_string();
    assert!(
        err.contains("site-config.yaml") && err.contains("a key that is a fraction"),
        "{err}"
    );
}
