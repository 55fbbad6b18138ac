//! `sheaf init DIR`: scaffolds a new digest from nothing.
//!
//! A new digest gets everything `sheaf build` needs and GitHub Pages
//! publishes: `site-config.yaml` with example research themes, one example
//! entry, a Pages workflow and a `.gitignore` for the output. Its visual
//! theme is the default theme built into the binary (`templates: builtin`),
//! so upgrading sheaf upgrades its look; `--eject-theme` (or `sheaf
//! eject-theme` later, [`eject_theme`]) writes a copy to edit instead.
//!
//! It never overwrites: a folder that already holds a digest (a config or a
//! content folder), or any file it would write, is refused before anything
//! is written. The one file it may share with an existing folder is
//! `.gitignore`, which gets the output and cache folders appended.

use std::path::{Path, PathBuf};

use time::Date;

use crate::base::error::{Error, Result};
use crate::base::urls::Urls;
use crate::input::config::{Config, CONFIG_FILE};
use crate::io::fs::{append, canonical, exists, is_folder, read_text_if_present, NewFiles};

/// Where an ejected copy of the visual theme goes (the config's
/// `templates` then).
pub const THEME_DIR: &str = crate::input::config::THEME_DIR;
/// Where the scaffold puts the GitHub Pages workflow.
pub const WORKFLOW_PATH: &str = ".github/workflows/pages.yml";
/// The example entry.
pub const EXAMPLE_PAPER: &str = "content/papers/attention-is-all-you-need.md";
/// The title of a digest whose `--title` was not given.
pub const DEFAULT_TITLE: &str = "Research digest";

pub use crate::input::theme::DEFAULT_THEME;

// The scaffold's own files, kept as files so they read (and diff) as what
// they become. `@NAME@` marks what `scaffold` fills in.
const CONFIG_TEMPLATE: &str = include_str!("init/site-config.yaml");
const EXAMPLE_TEMPLATE: &str = include_str!("init/example-paper.md");
const GITIGNORE: &str = include_str!("init/gitignore");

/// The config's `templates` for the built-in theme, with what to know.
const TEMPLATES_BUILTIN: &str = "\
# The visual theme: `builtin` is the one built into sheaf, which changes
# with sheaf when it is upgraded. Files in templates/ and static/ next to
# this file override its files one by one; `sheaf eject-theme` copies the
# whole theme into themes/default/ to edit.
templates: builtin
";

/// The config's `templates` for an ejected copy.
const TEMPLATES_EJECTED: &str = "\
# The visual theme: a folder with templates/ and static/, here a copy of
# sheaf's default theme to edit (`templates: builtin` goes back to the one
# built into sheaf). Files in templates/ and static/ next to this file
# override its files one by one.
templates: themes/default
";

/// Scaffolds a new digest in `dir` (created if missing; it may exist if it
/// holds no digest) and returns the files written, in the order written.
///
/// `base_url` is validated like the config's; without one the site gets a
/// placeholder under `example.github.io`, named after the folder, with a
/// comment saying to change it. On any error nothing is left behind.
pub fn init(dir: &Path, title: Option<&str>, base_url: Option<&str>) -> Result<Vec<PathBuf>> {
    init_with(dir, title, base_url, false)
}

/// [`init`], with the option to write a copy of the default theme into
/// `themes/default/` (and name it in the config) instead of using the one
/// built into sheaf.
pub fn init_with(
    dir: &Path,
    title: Option<&str>,
    base_url: Option<&str>,
    eject_theme: bool,
) -> Result<Vec<PathBuf>> {
    init_scheduled(dir, title, base_url, eject_theme, None)
}

/// [`init_with`], also writing the scheduled import workflow
/// (`crate::front::workflows::IMPORT_PATH`) on `schedule` when given.
pub fn init_scheduled(
    dir: &Path,
    title: Option<&str>,
    base_url: Option<&str>,
    eject_theme: bool,
    schedule: Option<crate::front::workflows::Schedule>,
) -> Result<Vec<PathBuf>> {
    let title = title.map(str::trim).unwrap_or(DEFAULT_TITLE);
    if title.is_empty() {
        return Err(Error::Usage("--title must not be empty".into()));
    }
    let base_url = match base_url {
        Some(given) => BaseUrl::Given(
            Urls::new(given)
                .map_err(|m| Error::Usage(format!("--base-url: {m}")))?
                .base_url()
                .to_string(),
        ),
        None => BaseUrl::Placeholder(format!("https://example.github.io/{}/", folder_slug(dir))),
    };
    refuse_existing_digest(dir)?;

    let today = time::OffsetDateTime::now_utc().date();
    let mut scaffold = scaffold(title, &base_url, today, eject_theme);
    if let Some(schedule) = schedule {
        use crate::front::workflows::{render_scheduled, Release, IMPORT_PATH, MANAGED};
        let import = MANAGED.iter().find(|w| w.path == IMPORT_PATH);
        if let Some(import) = import {
            let text = render_scheduled(import, &Release::unpinned(), schedule);
            scaffold.push((IMPORT_PATH.to_string(), text));
        }
    }
    // A scaffold whose config does not load would be a bug here, but one the
    // user would only meet at their first build: check it now.
    let config = &scaffold[0];
    debug_assert_eq!(config.0, CONFIG_FILE);
    Config::parse(dir, &dir.join(CONFIG_FILE), &config.1, eject_theme).map_err(Error::Invalid)?;

    let theme = DEFAULT_THEME
        .iter()
        .filter(|_| eject_theme)
        .map(|(rel, bytes)| (format!("{THEME_DIR}/{rel}"), *bytes));
    let files: Vec<(String, &[u8])> = scaffold
        .iter()
        .map(|(rel, text)| (rel.clone(), text.as_bytes()))
        .chain(theme)
        .collect();
    let taken: Vec<&str> = files
        .iter()
        .map(|(rel, _)| rel.as_str())
        .filter(|rel| exists(&join(dir, rel)))
        .collect();
    if !taken.is_empty() {
        return Err(Error::Usage(format!(
            "{} already has {}; sheaf init writes only new files",
            dir.display(),
            taken.join(", ")
        )));
    }

    // The one file that may already exist: the output folder is added to it.
    let gitignore = join(dir, ".gitignore");
    let gitignore_change = match read_text_if_present(&gitignore)? {
        Some(text) => match missing_rules(&text) {
            missing if missing.is_empty() => Gitignore::Keep,
            missing if text.trim().is_empty() => Gitignore::Append(missing),
            // A blank line between the user's rules and ours.
            missing if text.ends_with('\n') => Gitignore::Append(format!("\n{missing}")),
            missing => Gitignore::Append(format!("\n\n{missing}")),
        },
        None => Gitignore::Create,
    };

    let mut written = NewFiles::default();
    let result = (|| {
        for (rel, bytes) in &files {
            written.create(&join(dir, rel), bytes)?;
        }
        // Last, so that a failure before it leaves an existing one untouched.
        match &gitignore_change {
            Gitignore::Create => written.create(&gitignore, GITIGNORE.as_bytes()),
            Gitignore::Append(text) => append(&gitignore, text.as_bytes()),
            Gitignore::Keep => Ok(()),
        }
    })();
    match result {
        Ok(()) => {
            let mut paths = written.into_paths();
            if matches!(gitignore_change, Gitignore::Append(_)) {
                paths.push(gitignore);
            }
            Ok(paths)
        }
        Err(e) => {
            written.undo();
            Err(e)
        }
    }
}

enum BaseUrl {
    Given(String),
    Placeholder(String),
}

/// What becomes of the folder's `.gitignore`.
enum Gitignore {
    Create,
    /// It exists and does not ignore the output yet: this goes at its end.
    Append(String),
    /// It already ignores the output.
    Keep,
}

/// The scaffold's text files (config first), by path relative to the site
/// root. The theme and `.gitignore` are added by [`init`].
fn scaffold(
    title: &str,
    base_url: &BaseUrl,
    today: Date,
    eject_theme: bool,
) -> Vec<(String, String)> {
    let (url, comment) = match base_url {
        BaseUrl::Given(url) => (url, "# The site's address; every link carries its path.\n"),
        BaseUrl::Placeholder(url) => (
            url,
            "# The site's address; every link carries its path. CHANGE IT to yours:\n\
             # https://<user>.github.io/<repository>/ for a GitHub Pages project site.\n",
        ),
    };
    let config = fill(
        CONFIG_TEMPLATE,
        &[
            ("@TITLE@", &yaml_quoted(title)),
            ("@BASE_URL_COMMENT@", comment),
            ("@BASE_URL@", &yaml_quoted(url)),
            (
                "@TEMPLATES@",
                if eject_theme {
                    TEMPLATES_EJECTED
                } else {
                    TEMPLATES_BUILTIN
                },
            ),
        ],
    );
    vec![
        (CONFIG_FILE.to_string(), config),
        (
            EXAMPLE_PAPER.to_string(),
            fill(EXAMPLE_TEMPLATE, &[("@DATE@", &today.to_string())]),
        ),
        // Without checksums: the command line pins them afterwards when it
        // can reach the release (crate::front::workflows).
        (
            WORKFLOW_PATH.to_string(),
            crate::front::workflows::render(
                &crate::front::workflows::MANAGED[0],
                &crate::front::workflows::Release::unpinned(),
            ),
        ),
    ]
}

/// What [`eject_theme`] did.
#[derive(Debug)]
pub struct Ejected {
    /// The theme's files, written.
    pub files: Vec<PathBuf>,
    /// The config now names the copy (it named the built-in theme).
    pub config_changed: bool,
}

/// Writes a copy of the built-in theme into `<root>/themes/default/` to
/// edit, and points the config's `templates` at it when it named the
/// built-in theme. Refuses to overwrite any file (writing nothing then).
pub fn eject_theme(root: &Path) -> Result<Ejected> {
    let config = crate::io::load::config(root)?;
    let config_path = root.join(CONFIG_FILE);
    let text = crate::io::fs::read_text(&config_path)?;
    let new_config = match config.templates {
        crate::input::config::Theme::Builtin => Some(templates_ejected(&text)),
        crate::input::config::Theme::Folder(_) => None,
    };
    // The rewrite is by lines, to keep the curator's comments: make sure
    // what it gives is a config whose one `templates` is the copy (a key
    // written in quotes, a value on the next line or an anchor would be
    // rewritten wrongly), before anything is written.
    if let Some(new) = &new_config {
        let templates = serde_yaml::from_str::<serde_yaml::Value>(new)
            .ok()
            .and_then(|v| v.get("templates")?.as_str().map(str::to_string));
        if templates.as_deref() != Some(THEME_DIR) {
            return Err(Error::Usage(format!(
                "cannot rewrite `templates` in {} as it is written; set `templates: {THEME_DIR}`                  there by hand after copying the theme, or write it plainly and run this again                  (nothing written)",
                config_path.display()
            )));
        }
    }
    let taken: Vec<String> = DEFAULT_THEME
        .iter()
        .map(|(rel, _)| format!("{THEME_DIR}/{rel}"))
        .filter(|rel| exists(&join(root, rel)))
        .collect();
    if let Some(first) = taken.first() {
        let more = match taken.len() {
            1 => String::new(),
            n => format!(" and {} more of the theme's files", n - 1),
        };
        return Err(Error::Usage(format!(
            "{} already has {first}{more}; sheaf eject-theme writes only new files",
            root.display(),
        )));
    }
    let mut written = NewFiles::default();
    let result = (|| {
        for (rel, bytes) in DEFAULT_THEME {
            written.create(&join(root, &format!("{THEME_DIR}/{rel}")), bytes)?;
        }
        // Last: a digest whose config names a theme it lacks would not build.
        if let Some(new) = &new_config {
            crate::io::fs::write_atomic(&config_path, new.as_bytes())?;
        }
        Ok(())
    })();
    match result {
        Ok(()) => Ok(Ejected {
            files: written.into_paths(),
            config_changed: new_config.is_some(),
        }),
        Err(e) => {
            written.undo();
            Err(e)
        }
    }
}

/// The config `text` with its `templates` naming the ejected copy: the
/// block `init` wrote is replaced whole, any other `templates:` line (or
/// none: the key is added) by the bare setting.
fn templates_ejected(text: &str) -> String {
    if text.contains(TEMPLATES_BUILTIN) {
        return text.replacen(TEMPLATES_BUILTIN, TEMPLATES_EJECTED, 1);
    }
    let setting = format!("templates: {THEME_DIR}");
    // Only the top-level key, not one nested under `extra:`; the line's
    // own ending (LF or CRLF) stays.
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        if line.starts_with("templates:") {
            let body = line.trim_end_matches(['\r', '\n']).len();
            return format!("{}{setting}{}", &text[..start], &text[start + body..]);
        }
        start += line.len();
    }
    let separator = if text.is_empty() || text.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    format!("{text}{separator}{setting}\n")
}

/// Replaces each marker in `template` with its value, in one pass: a value
/// is never searched for markers, so a title that says `@BASE_URL@` stays
/// a title.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some((at, marker, value)) = values
        .iter()
        .filter_map(|(marker, value)| rest.find(marker).map(|at| (at, marker, value)))
        .min_by_key(|(at, _, _)| *at)
    {
        out.push_str(&rest[..at]);
        out.push_str(value);
        rest = &rest[at + marker.len()..];
    }
    out.push_str(rest);
    out
}

/// Refuses a path that is not a folder, or a folder that holds a digest.
fn refuse_existing_digest(dir: &Path) -> Result<()> {
    match is_folder(dir)? {
        Some(false) => {
            return Err(Error::Usage(format!("{} is not a folder", dir.display())));
        }
        Some(true) => {}
        None => return Ok(()),
    }
    for marker in [CONFIG_FILE, "content"] {
        if exists(&dir.join(marker)) {
            return Err(Error::Usage(format!(
                "{} already holds a digest (it has {marker}); sheaf init only starts new ones",
                dir.display()
            )));
        }
    }
    Ok(())
}

/// A `/`-separated relative path under `dir`, with the platform's separator.
fn join(dir: &Path, rel: &str) -> PathBuf {
    rel.split('/')
        .fold(dir.to_path_buf(), |p, part| p.join(part))
}

/// The blocks of the scaffold's `.gitignore` (a comment, then a rule)
/// whose rule `gitignore` lacks, in any of its usual spellings.
fn missing_rules(gitignore: &str) -> String {
    let has = |rule: &str| {
        let bare = rule.trim_matches('/');
        gitignore
            .lines()
            .any(|l| l.trim().trim_matches('/') == bare)
    };
    GITIGNORE
        .split("\n\n")
        .filter(|block| !block.lines().last().is_some_and(has))
        .map(|block| block.trim_end().to_string() + "\n")
        .collect::<Vec<_>>()
        .join("\n")
}

/// The folder's name as a URL segment, for the placeholder base URL: the
/// repository is usually named after the folder.
fn folder_slug(dir: &Path) -> String {
    let absolute = canonical(dir);
    let name = absolute
        .file_name()
        .map(|n| slug::slugify(n.to_string_lossy()))
        .unwrap_or_default();
    if name.is_empty() {
        "digest".into()
    } else {
        name
    }
}

/// A YAML double-quoted scalar holding exactly `s`. JSON's string syntax is
/// almost YAML's, but YAML also forbids raw non-printable characters (DEL,
/// C1 controls, the BOM) and folds raw NEL and line and paragraph
/// separators, so those are escaped too.
fn yaml_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            ' '..='~' | '\u{A0}'..='\u{2027}' | '\u{202A}'..='\u{D7FF}' => out.push(c),
            '\u{E000}'..='\u{FEFE}' | '\u{FF00}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}' => {
                out.push(c)
            }
            // Everything left is in the Basic Multilingual Plane.
            c => out.push_str(&format!("\\u{:04X}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_round_trips_through_yaml() {
        let awkward = [
            "plain",
            "",
            "Ada's \"reading\" group: #1 & <b>RL</b>",
            "- [a, b]: {c}",
            "tab\tnew\nline\r\\back",
            "null",
            "~",
            "yes",
            "\u{7F}\u{80}\u{85}\u{9F}\u{2028}\u{2029}\u{FEFF}\u{FFFE}\u{FFFF}",
            "\u{0}\u{1}\u{1F}",
            "Rozière δ ₂ 😀 \u{D7FF}\u{E000}\u{10FFFF}",
        ];
        for s in awkward {
            let yaml = format!("title: {}\n", yaml_quoted(s));
            let back: std::collections::BTreeMap<String, String> = serde_yaml::from_str(&yaml)
                .unwrap_or_else(|e| panic!("{yaml:?} does not parse: {e}"));
            assert_eq!(back["title"], s, "{yaml:?}");
        }
        // Every character up to the end of the Latin-1 and General
        // Punctuation blocks, one at a time.
        for c in (0u32..0x2100).filter_map(char::from_u32) {
            let s = format!("a{c}b");
            let back: String = serde_yaml::from_str(&yaml_quoted(&s)).unwrap();
            assert_eq!(back, s, "U+{:04X}", u32::from(c));
        }
    }

    #[test]
    fn markers_are_filled_once() {
        let values = [("@A@", "@B@"), ("@B@", "b"), ("@AB@", "x")];
        assert_eq!(fill("@A@ @B@ @AB@ @A", &values), "@B@ b x @A");
    }

    #[test]
    fn placeholder_url_is_named_after_the_folder() {
        assert_eq!(folder_slug(Path::new("/nowhere/My Papers")), "my-papers");
        assert_eq!(folder_slug(Path::new("/")), "digest");
    }

    #[test]
    fn ejecting_rewrites_only_the_templates_line() {
        let ejected = format!("templates: {THEME_DIR}");
        assert_eq!(
            templates_ejected(
                "title: x\r\ntemplates: builtin # mine\r\nextra:\r\n  templates: y\r\n"
            ),
            format!("title: x\r\n{ejected}\r\nextra:\r\n  templates: y\r\n")
        );
        assert_eq!(
            templates_ejected("title: x"),
            format!("title: x\n{ejected}\n")
        );
        let scaffold = format!("a: 1\n{TEMPLATES_BUILTIN}b: 2\n");
        assert_eq!(
            templates_ejected(&scaffold),
            format!("a: 1\n{TEMPLATES_EJECTED}b: 2\n")
        );
    }

    #[test]
    fn output_folder_already_ignored() {
        assert!(!missing_rules("target\n/public/\n").contains("public"));
        assert!(!missing_rules("public\n/.sheaf-cache\n").contains("public"));
        assert!(missing_rules("public\n.sheaf-cache\n").is_empty());
        assert!(missing_rules("public-notes/\n").contains("/public/"));
    }
}
