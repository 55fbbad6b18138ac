//! `sheaf init`: a scaffolded digest builds, works under its sub-path,
//! escapes what the user typed, never overwrites, and carries a Pages
//! workflow; the repository's own workflow is checked here too.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use sheaf::build::{build, BuildOptions};
use sheaf::front::init::{
    eject_theme, init, init_with, DEFAULT_THEME, EXAMPLE_PAPER, THEME_DIR, WORKFLOW_PATH,
};
use sheaf::input::config::Theme;

use crate::common::snapshot;

const REPO: &str = env!("CARGO_MANIFEST_DIR");
const EXAMPLE_PAGE: &str = "papers/attention-is-all-you-need/index.html";

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn usage_error(result: sheaf::Result<Vec<PathBuf>>) -> String {
    match result {
        Err(e @ sheaf::Error::Usage(_)) => e.to_string(),
        Err(e) => panic!("expected a usage error, got {e}"),
        Ok(files) => panic!("init should have refused, but wrote {files:?}"),
    }
}

fn yaml(path: &Path) -> serde_yaml::Value {
    serde_yaml::from_str(&read(path))
        .unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()))
}

/// The `uses:` of every step of every job, by job name.
fn actions(workflow: &serde_yaml::Value) -> BTreeMap<String, Vec<String>> {
    workflow["jobs"]
        .as_mapping()
        .expect("jobs")
        .iter()
        .map(|(name, job)| {
            let uses = job["steps"]
                .as_sequence()
                .expect("steps")
                .iter()
                .filter_map(|s| s["uses"].as_str().map(String::from))
                .collect();
            (name.as_str().unwrap().to_string(), uses)
        })
        .collect()
}

fn runs(workflow: &serde_yaml::Value) -> String {
    workflow["jobs"]["build"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// What both workflows must do: build on a push to main, publish with the
/// official Pages actions, and hold just the permissions those need.
fn assert_pages_workflow(workflow: &serde_yaml::Value) {
    // YAML 1.2 (serde_yaml) reads `on` as a string, as GitHub does.
    let on = &workflow["on"];
    assert_eq!(on["push"]["branches"][0].as_str(), Some("main"));
    assert!(on.get("workflow_dispatch").is_some());
    // Nothing by default; each job just what it needs.
    assert_eq!(
        workflow["permissions"].as_mapping().map(|m| m.len()),
        Some(0)
    );
    let build = &workflow["jobs"]["build"]["permissions"];
    assert_eq!(build["contents"].as_str(), Some("read"));
    assert_eq!(build["pages"].as_str(), Some("read"));
    assert_eq!(build.as_mapping().unwrap().len(), 2);
    let deploy = &workflow["jobs"]["deploy"]["permissions"];
    assert_eq!(deploy["pages"].as_str(), Some("write"));
    assert_eq!(deploy["id-token"].as_str(), Some("write"));
    assert_eq!(deploy.as_mapping().unwrap().len(), 2);
    assert_eq!(workflow["concurrency"]["group"].as_str(), Some("pages"));

    let actions = actions(workflow);
    let build = &actions["build"];
    let uses = |job: &[String], action: &str| job.iter().any(|u| u.starts_with(action));
    assert!(uses(build, "actions/checkout@"), "{build:?}");
    assert!(uses(build, "actions/configure-pages@"), "{build:?}");
    assert!(uses(build, "actions/upload-pages-artifact@"), "{build:?}");
    let upload = workflow["jobs"]["build"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/upload-pages-artifact@"))
        })
        .unwrap();
    assert_eq!(upload["with"]["path"].as_str(), Some("public"));

    let deploy = &workflow["jobs"]["deploy"];
    assert_eq!(deploy["needs"].as_str(), Some("build"));
    assert_eq!(deploy["environment"]["name"].as_str(), Some("github-pages"));
    assert!(
        uses(&actions["deploy"], "actions/deploy-pages@"),
        "{actions:?}"
    );
}

/// Every root-relative link in every page starts with `base_path` and
/// names a file the build wrote. Returns how many links were checked.
fn assert_links_resolve(out: &Path, base_path: &str) -> usize {
    let all: HashSet<String> = snapshot(out).into_keys().collect();
    let attr = regex::Regex::new(r#"(?:href|src)="([^"]*)""#).unwrap();
    let mut checked = 0;
    for page in all.iter().filter(|f| f.ends_with(".html")) {
        let html = read(&out.join(page));
        for cap in attr.captures_iter(&html) {
            let url = &cap[1];
            if url.starts_with("http") || url.starts_with("mailto:") || url.starts_with('#') {
                continue;
            }
            let Some(path) = url.strip_prefix(base_path) else {
                panic!("{page}: link {url} is not under {base_path}");
            };
            let path = path.split('#').next().unwrap();
            let target = if path.is_empty() || path.ends_with('/') {
                format!("{path}index.html")
            } else {
                path.to_string()
            };
            assert!(
                all.contains(&target),
                "{page}: link {url} resolves to nothing"
            );
            checked += 1;
        }
    }
    checked
}

/// Undoes the HTML escaping Tera may have applied, in any of its forms.
fn unescape(html: &str) -> String {
    html.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[test]
fn a_scaffolded_digest_builds_under_its_sub_path() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("reading-group");
    let written = init(
        &root,
        Some("Ada's reading group"),
        Some("https://ada.github.io/reading-group"),
    )
    .unwrap();

    let files = snapshot(&root);
    for expected in [
        "site-config.yaml",
        EXAMPLE_PAPER,
        WORKFLOW_PATH,
        ".gitignore",
    ] {
        assert!(files.contains_key(expected), "{expected} missing");
    }
    // The theme is the one built into sheaf: no copy is frozen.
    assert!(!root.join("themes").exists());
    // It reports exactly what it wrote.
    let reported: HashSet<PathBuf> = written.into_iter().collect();
    let on_disk: HashSet<PathBuf> = files.keys().map(|f| root.join(f)).collect();
    assert_eq!(reported, on_disk);

    let config = sheaf::io::load::config(&root).unwrap();
    assert_eq!(config.title, "Ada's reading group");
    // The URL is normalised, as the config would have it.
    assert_eq!(
        config.urls.base_url(),
        "https://ada.github.io/reading-group/"
    );
    assert!(config.themes.len() >= 3);
    assert!(config.themes.iter().all(|t| !t.keywords.is_empty()));

    let report = build(&root, &BuildOptions::default()).unwrap();
    assert_eq!(report.papers, 1);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let out = root.join("public");
    let index = read(&out.join("index.html"));
    let paper = read(&out.join(EXAMPLE_PAGE));
    assert!(index.contains("href=\"/reading-group/papers/attention-is-all-you-need/\""));
    assert!(paper.contains("Attention Is All You Need"));
    assert!(paper.contains("https://arxiv.org/abs/1706.03762"));
    // The keyword rules, not the entry, put it in a theme.
    assert!(read(&out.join("themes/language-models/index.html")).contains("Attention Is All"));
    let checked = assert_links_resolve(&out, "/reading-group/");
    assert!(checked > 50, "only {checked} links checked");
    assert!(read(&out.join("atom.xml"))
        .contains("https://ada.github.io/reading-group/papers/attention-is-all-you-need/"));

    // `sheaf check` has nothing to say about the example either.
    let today = time::OffsetDateTime::now_utc().date();
    let findings = sheaf::front::curate::check(&root, today, None).unwrap();
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn without_a_base_url_the_placeholder_is_named_after_the_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("My Papers");
    std::fs::create_dir(&root).unwrap();
    init(&root, None, None).unwrap();
    let text = read(&root.join("site-config.yaml"));
    assert!(text.contains("CHANGE IT"), "{text}");
    let config = sheaf::io::load::config(&root).unwrap();
    assert_eq!(
        config.urls.base_url(),
        "https://example.github.io/my-papers/"
    );
    assert_eq!(config.title, sheaf::front::init::DEFAULT_TITLE);
    build(&root, &BuildOptions::default()).unwrap();
    assert_links_resolve(&root.join("public"), "/my-papers/");
}

#[test]
fn a_title_with_yaml_and_html_syntax_round_trips_escaped() {
    // YAML and HTML syntax, and one of the scaffold's own template markers.
    let title = r#"Ada's "papers": #1 <b>RL</b> & {more} [x] - y \ z @BASE_URL@"#;
    let tmp = tempfile::tempdir().unwrap();
    init(tmp.path(), Some(title), Some("https://example.org/")).unwrap();
    let config = sheaf::io::load::config(tmp.path()).unwrap();
    assert_eq!(config.title, title);

    build(tmp.path(), &BuildOptions::default()).unwrap();
    let index = read(&tmp.path().join("public/index.html"));
    assert!(!index.contains("<b>RL</b>"), "the title was not escaped");
    let heading = regex::Regex::new(r#"<h1 id="page-title"[^>]*>([^<]*)</h1>"#).unwrap();
    let shown = &heading.captures(&index).expect("the front page heading")[1];
    assert_eq!(unescape(shown), title);
    let head = regex::Regex::new(r"<title>([^<]*)</title>").unwrap();
    assert_eq!(
        unescape(&head.captures(&index).expect("a <title>")[1]),
        title
    );
}

#[test]
fn init_refuses_an_existing_digest_and_leaves_it_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    init(tmp.path(), Some("First"), None).unwrap();
    let before = snapshot(tmp.path());
    let message = usage_error(init(tmp.path(), Some("Second"), None));
    assert!(message.contains("already holds a digest"), "{message}");
    assert!(message.contains("site-config.yaml"), "{message}");
    assert_eq!(snapshot(tmp.path()), before);

    // A content folder alone is a digest too; nothing is written beside it.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("content/papers")).unwrap();
    let message = usage_error(init(tmp.path(), None, None));
    assert!(message.contains("content"), "{message}");
    assert!(snapshot(tmp.path()).is_empty());
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
}

#[test]
fn init_refuses_to_overwrite_any_file_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let workflow = tmp.path().join(WORKFLOW_PATH);
    std::fs::create_dir_all(workflow.parent().unwrap()).unwrap();
    std::fs::write(&workflow, "mine\n").unwrap();
    let before = snapshot(tmp.path());
    let message = usage_error(init(tmp.path(), None, None));
    assert!(message.contains(WORKFLOW_PATH), "{message}");
    assert_eq!(snapshot(tmp.path()), before);
    assert!(!tmp.path().join("themes").exists());

    // A theme file counts too, when the theme is to be written.
    let tmp = tempfile::tempdir().unwrap();
    let style = tmp.path().join(THEME_DIR).join("static/style.css");
    std::fs::create_dir_all(style.parent().unwrap()).unwrap();
    std::fs::write(&style, "body {}\n").unwrap();
    let before = snapshot(tmp.path());
    let message = usage_error(init_with(tmp.path(), None, None, true));
    assert!(
        message.contains("themes/default/static/style.css"),
        "{message}"
    );
    assert_eq!(snapshot(tmp.path()), before);
}

#[test]
fn init_fits_into_a_fresh_repository() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("README.md"), "# My digest\n").unwrap();
    std::fs::write(tmp.path().join(".gitignore"), "target/\n*.swp").unwrap();
    let written = init(tmp.path(), None, None).unwrap();
    assert_eq!(read(&tmp.path().join("README.md")), "# My digest\n");
    let gitignore = read(&tmp.path().join(".gitignore"));
    assert!(gitignore.starts_with("target/\n*.swp\n"), "{gitignore}");
    assert!(gitignore.lines().any(|l| l == "/public/"), "{gitignore}");
    assert!(written.contains(&tmp.path().join(".gitignore")));

    assert!(
        gitignore.lines().any(|l| l == "/.sheaf-cache/"),
        "{gitignore}"
    );

    // A .gitignore that already ignores the output gets only the cache.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join(".gitignore"), "public/\n").unwrap();
    init(tmp.path(), None, None).unwrap();
    let gitignore = read(&tmp.path().join(".gitignore"));
    assert!(gitignore.starts_with("public/\n\n# Entries"), "{gitignore}");
    assert!(gitignore.ends_with("\n/.sheaf-cache/\n"), "{gitignore}");
    assert_eq!(gitignore.matches("public").count(), 1, "{gitignore}");

    // One that ignores both is left as it is.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join(".gitignore"), "/public\n.sheaf-cache/\n").unwrap();
    let written = init(tmp.path(), None, None).unwrap();
    assert_eq!(
        read(&tmp.path().join(".gitignore")),
        "/public\n.sheaf-cache/\n"
    );
    assert!(!written.contains(&tmp.path().join(".gitignore")));
}

#[test]
fn bad_arguments_are_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("new");
    for url in ["ftp://example.org/", "not a url", "https://"] {
        let message = usage_error(init(&root, None, Some(url)));
        assert!(message.contains("--base-url"), "{message}");
    }
    let message = usage_error(init(&root, Some("  "), None));
    assert!(message.contains("--title"), "{message}");
    assert!(!root.exists());

    let file = tmp.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let message = usage_error(init(&file, None, None));
    assert!(message.contains("not a folder"), "{message}");
}

#[test]
fn the_scaffolded_workflow_installs_sheaf_and_publishes_the_site() {
    let tmp = tempfile::tempdir().unwrap();
    init(tmp.path(), None, None).unwrap();
    let workflow = yaml(&tmp.path().join(WORKFLOW_PATH));
    assert_pages_workflow(&workflow);
    // A digest repository has no sheaf source: it installs the release it
    // was made with, from the package's own repository, never a crate by
    // a name we do not own.
    let runs = runs(&workflow);
    assert!(!runs.contains("cargo install"), "{runs}");
    assert!(
        runs.contains(concat!(env!("CARGO_PKG_REPOSITORY"), "/releases/download")),
        "{runs}"
    );
    assert_eq!(
        workflow["env"]["SHEAF_VERSION"].as_str(),
        Some(env!("CARGO_PKG_VERSION"))
    );
    assert!(actions(&workflow)["build"]
        .iter()
        .any(|u| u.starts_with("actions/cache@")));
    // Between runs, the cache and the site it built: what makes a push of
    // one entry render only the pages that show it.
    let cached: Vec<&str> = workflow["jobs"]["build"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/cache@"))
        })
        .filter_map(|s| s["with"]["path"].as_str())
        .flat_map(str::lines)
        .collect();
    assert!(
        cached.contains(&".sheaf-cache") && cached.contains(&"public"),
        "{cached:?}"
    );
    // It checks, then builds at the address Pages reports.
    let check = runs.find("sheaf check").expect("sheaf check");
    let build = runs
        .find(r#"sheaf build --base-url "${PAGES_BASE_URL%/}/""#)
        .expect("sheaf build at Pages' address");
    assert!(check < build, "{runs}");
    let steps = workflow["jobs"]["build"]["steps"].as_sequence().unwrap();
    let pages = steps
        .iter()
        .position(|s| s["id"].as_str() == Some("pages"))
        .expect("configure-pages with id pages");
    let building = steps
        .iter()
        .position(|s| s["env"]["PAGES_BASE_URL"].as_str().is_some())
        .unwrap();
    assert!(pages < building);
    assert_eq!(
        steps[building]["env"]["PAGES_BASE_URL"].as_str(),
        Some("${{ steps.pages.outputs.base_url }}")
    );

    let gitignore = read(&tmp.path().join(".gitignore"));
    assert!(gitignore.lines().any(|l| l == "/public/"), "{gitignore}");
}

#[test]
fn the_repository_workflow_builds_with_its_own_sheaf() {
    let workflow = yaml(&Path::new(REPO).join(".github/workflows/pages.yml"));
    assert_pages_workflow(&workflow);
    let runs = runs(&workflow);
    assert!(runs.contains("cargo build --release --locked"), "{runs}");
    assert!(runs.contains("./target/release/sheaf check"), "{runs}");
    assert!(
        runs.contains(r#"./target/release/sheaf build --base-url "${PAGES_BASE_URL%/}/""#),
        "{runs}"
    );
}

/// The binary carries the repository's default theme, every file of it.
#[test]
fn the_embedded_theme_is_the_default_theme() {
    let on_disk = snapshot(&Path::new(REPO).join(THEME_DIR));
    let embedded: BTreeMap<String, Vec<u8>> = DEFAULT_THEME
        .iter()
        .map(|(path, bytes)| (path.to_string(), bytes.to_vec()))
        .collect();
    let missing: Vec<&String> = on_disk
        .keys()
        .filter(|f| !embedded.contains_key(*f))
        .collect();
    let extra: Vec<&String> = embedded
        .keys()
        .filter(|f| !on_disk.contains_key(*f))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "add to (or remove from) DEFAULT_THEME in src/init.rs: missing {missing:?}, gone {extra:?}"
    );
    assert!(
        on_disk == embedded,
        "the embedded theme differs from {THEME_DIR}"
    );
}

/// `cname:` in the config becomes a CNAME file for GitHub Pages.
#[test]
fn a_custom_domain_writes_cname() {
    let tmp = tempfile::tempdir().unwrap();
    init(tmp.path(), None, Some("https://papers.example.org/")).unwrap();
    build(tmp.path(), &BuildOptions::default()).unwrap();
    assert!(!tmp.path().join("public/CNAME").exists());

    let config_path = tmp.path().join("site-config.yaml");
    let text = read(&config_path).replace("# cname: ", "cname: ");
    std::fs::write(&config_path, text).unwrap();
    build(tmp.path(), &BuildOptions::default()).unwrap();
    assert_eq!(
        read(&tmp.path().join("public/CNAME")),
        "papers.example.org\n"
    );
}

/// Adding or removing `cname:` while `serve` or `watch` runs adds or removes
/// the CNAME file, as a full build would.
#[test]
fn editing_cname_updates_a_running_session() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    init(&root, None, Some("https://papers.example.org/")).unwrap();
    let config_path = root.join("site-config.yaml");
    let original = read(&config_path);
    let mut session = sheaf::build::Session::new(&root, BuildOptions::default()).unwrap();
    assert!(!session.outputs().contains_key("CNAME"));

    std::fs::write(&config_path, original.replace("# cname: ", "cname: ")).unwrap();
    let update = session.apply(std::slice::from_ref(&config_path)).unwrap();
    assert!(update.changed.contains(&"CNAME".to_string()), "{update:?}");
    assert_eq!(
        &session.outputs()["CNAME"].bytes[..],
        b"papers.example.org\n"
    );

    std::fs::write(&config_path, &original).unwrap();
    let update = session.apply(std::slice::from_ref(&config_path)).unwrap();
    assert!(update.removed.contains(&"CNAME".to_string()), "{update:?}");
}

/// A custom domain is served at its root: a `cname` that is not a bare
/// domain, or a `base_url` elsewhere, would break every link.
#[test]
fn a_custom_domain_must_match_the_base_url() {
    for (base_url, cname) in [
        ("https://ada.github.io/reading-group/", "papers.example.org"),
        ("https://papers.example.org/digest/", "papers.example.org"),
        ("https://papers.example.org/", "https://papers.example.org/"),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        init(tmp.path(), None, Some(base_url)).unwrap();
        let config_path = tmp.path().join("site-config.yaml");
        let text =
            read(&config_path).replace("# cname: papers.example.org", &format!("cname: {cname:?}"));
        std::fs::write(&config_path, text).unwrap();
        let message = match build(tmp.path(), &BuildOptions::default()) {
            Ok(_) => panic!("{base_url} with cname {cname} should not build"),
            Err(e) => e.to_string(),
        };
        assert!(message.contains("cname"), "{message}");
        assert!(message.contains("site-config.yaml:"), "{message}");
        assert!(!tmp.path().join("public").exists());
    }
}

/// The scaffold is the user's source: ordinary files, readable by their
/// tools and by others as their umask allows, not private temporary files.
#[cfg(unix)]
#[test]
fn scaffolded_files_have_ordinary_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let written = init(tmp.path(), None, None).unwrap();
    let umask = {
        let probe = tmp.path().join("probe");
        std::fs::write(&probe, "").unwrap();
        std::fs::metadata(&probe).unwrap().permissions().mode() & 0o777
    };
    for path in written {
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, umask, "{}", path.display());
    }
}

/// A scaffolded digest uses the theme built into sheaf, which gives
/// exactly what a copy of it gives; the site's own templates/ and static/
/// still override single files.
#[test]
fn the_built_in_theme_builds_what_a_copy_builds() {
    let tmp = tempfile::tempdir().unwrap();
    let (builtin, ejected) = (tmp.path().join("a"), tmp.path().join("b"));
    let url = Some("https://ada.github.io/papers/");
    init(&builtin, Some("Papers"), url).unwrap();
    init_with(&ejected, Some("Papers"), url, true).unwrap();
    let builtin_config = sheaf::io::load::config(&builtin).unwrap();
    assert_eq!(builtin_config.templates, Theme::Builtin);
    assert!(!builtin.join("themes").exists());
    assert!(read(&builtin.join("site-config.yaml")).contains("\ntemplates: builtin\n"));
    assert_eq!(
        sheaf::io::load::config(&ejected).unwrap().templates,
        Theme::Folder(THEME_DIR.into())
    );
    assert_eq!(
        snapshot(&ejected.join(THEME_DIR)).len(),
        DEFAULT_THEME.len()
    );
    build(&builtin, &BuildOptions::default()).unwrap();
    build(&ejected, &BuildOptions::default()).unwrap();
    let (a, b) = (
        snapshot(&builtin.join("public")),
        snapshot(&ejected.join("public")),
    );
    assert!(a.len() > 50); // Pages, feeds, the search index (about 70 files).
    assert!(
        a == b,
        "the built-in theme and its copy build different sites"
    );

    // Single files of the built-in theme are overridden by the site's.
    std::fs::create_dir_all(builtin.join("static")).unwrap();
    std::fs::write(builtin.join("static/style.css"), "body { color: teal }\n").unwrap();
    std::fs::create_dir_all(builtin.join("templates")).unwrap();
    std::fs::write(
        builtin.join("templates/404.html"),
        "{% extends \"base.html\" %}{% block content %}Lost here.{% endblock %}",
    )
    .unwrap();
    build(&builtin, &BuildOptions::default()).unwrap();
    let out = builtin.join("public");
    assert_eq!(read(&out.join("style.css")), "body { color: teal }\n");
    let page = read(&out.join("404.html"));
    assert!(
        page.contains("Lost here.") && page.contains("<html"),
        "{page}"
    );
    assert_eq!(
        read(&out.join(EXAMPLE_PAGE)),
        read(&ejected.join("public").join(EXAMPLE_PAGE))
    );
}

/// `sheaf eject-theme` writes the built-in theme into themes/default/ and
/// points the config at it, once; the copy is then the one used.
#[test]
fn eject_theme_writes_a_copy_the_site_then_uses() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    init(root, None, Some("https://ada.github.io/papers/")).unwrap();
    let ejected = eject_theme(root).unwrap();
    assert!(ejected.config_changed);
    assert_eq!(ejected.files.len(), DEFAULT_THEME.len());
    for (rel, bytes) in DEFAULT_THEME {
        assert_eq!(
            &std::fs::read(root.join(THEME_DIR).join(rel)).unwrap(),
            bytes,
            "{rel}"
        );
    }
    let config = sheaf::io::load::config(root).unwrap();
    assert_eq!(config.templates, Theme::Folder(THEME_DIR.into()));
    let text = read(&root.join("site-config.yaml"));
    assert!(!text.contains("\ntemplates: builtin\n"), "{text}");
    assert!(text.contains("\ntemplates: themes/default\n"), "{text}");

    // An edit of the copy shows.
    let footer = root.join(THEME_DIR).join("templates/404.html");
    std::fs::write(
        &footer,
        "{% extends \"base.html\" %}{% block content %}Edited copy.{% endblock %}",
    )
    .unwrap();
    build(root, &BuildOptions::default()).unwrap();
    assert!(read(&root.join("public/404.html")).contains("Edited copy."));

    // Twice: refused, nothing touched.
    let before = snapshot(root);
    let message = match eject_theme(root) {
        Err(e) => e.to_string(),
        Ok(e) => panic!("ejected twice: {e:?}"),
    };
    assert!(message.contains("themes/default/"), "{message}");
    assert!(message.contains("writes only new files"), "{message}");
    assert!(snapshot(root) == before);
}

/// Found in review: configs that build, with `templates` written in ways
/// the line rewrite cannot follow, are refused whole: nothing written,
/// and the config still builds.
#[test]
fn eject_theme_refuses_a_templates_key_it_cannot_rewrite() {
    for spelling in [
        "templates:\n  builtin\n",
        "\"templates\": builtin\n",
        "templates : builtin\n",
        "templates: &t builtin\nextra: {x: *t}\n",
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        init(root, None, Some("https://ada.github.io/papers/")).unwrap();
        let path = root.join("site-config.yaml");
        let text = read(&path).replace("templates: builtin\n", spelling);
        std::fs::write(&path, &text).unwrap();
        let Ok(config) = sheaf::io::load::config(root) else {
            continue; // a spelling this config schema refuses anyway
        };
        assert_eq!(config.templates, Theme::Builtin, "{spelling:?}");
        let before = snapshot(root);
        let message = match eject_theme(root) {
            Err(e) => e.to_string(),
            Ok(e) => panic!("{spelling:?}: ejected into a broken config: {e:?}"),
        };
        assert!(message.contains("cannot rewrite `templates`"), "{message}");
        assert!(snapshot(root) == before, "{spelling:?}");
    }
}

/// A config without `templates` uses themes/default/ when the site has
/// it (every digest made before the theme was built in), else the
/// built-in theme.
#[test]
fn without_a_templates_key_an_existing_copy_wins() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    init(root, None, Some("https://ada.github.io/papers/")).unwrap();
    let path = root.join("site-config.yaml");
    let text = read(&path).replace("templates: builtin\n", "");
    std::fs::write(&path, &text).unwrap();
    assert_eq!(
        sheaf::io::load::config(root).unwrap().templates,
        Theme::Builtin
    );
    build(root, &BuildOptions::default()).unwrap();
    eject_theme(root).unwrap();
    assert_eq!(
        sheaf::io::load::config(root).unwrap().templates,
        Theme::Folder(THEME_DIR.into())
    );
    std::fs::write(&path, &text).unwrap();
    assert_eq!(
        sheaf::io::load::config(root).unwrap().templates,
        Theme::Folder(THEME_DIR.into())
    );
}

/// `serve` and `watch` on a site with the built-in theme: nothing of the
/// theme to watch, and the site's own overrides still rebuild what they
/// touch.
#[test]
fn a_session_on_the_built_in_theme_rebuilds_overrides() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    init(&root, None, Some("https://ada.github.io/papers/")).unwrap();
    std::fs::create_dir(root.join("static")).unwrap();
    let mut session = sheaf::build::Session::new(&root, BuildOptions::default()).unwrap();
    let watched = session.watched();
    assert!(watched.contains(&root.join("static")), "{watched:?}");
    assert!(watched.iter().all(|w| w.exists()), "{watched:?}");
    assert!(!watched.iter().any(|w| w.starts_with(root.join("themes"))));
    let builtin_css = session.outputs()["style.css"].bytes.clone();

    let css = root.join("static/style.css");
    std::fs::write(&css, "body { color: teal }\n").unwrap();
    let update = session.apply(std::slice::from_ref(&css)).unwrap();
    assert_eq!(update.changed, vec!["style.css".to_string()]);
    assert_eq!(
        &session.outputs()["style.css"].bytes[..],
        b"body { color: teal }\n"
    );

    std::fs::remove_file(&css).unwrap();
    let update = session.apply(std::slice::from_ref(&css)).unwrap();
    assert_eq!(update.changed, vec!["style.css".to_string()]);
    assert_eq!(session.outputs()["style.css"].bytes, builtin_css);

    let paper = root.join(EXAMPLE_PAPER);
    std::fs::write(&paper, read(&paper) + "\nFresh notes.\n").unwrap();
    let update = session.apply(std::slice::from_ref(&paper)).unwrap();
    assert!(!update.is_empty());
}
