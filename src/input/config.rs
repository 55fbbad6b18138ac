//! `site-config.yaml`: the site's settings and its research themes.
//!
//! Loading validates everything a build relies on (URLs, theme ids, keyword
//! rules) so that later stages can trust the config without re-checking.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::base::error::{line_of, Diagnostic};
use crate::base::urls::Urls;
use crate::input::matcher::KeywordRules;
use crate::input::yaml;

pub mod imports;

pub use crate::base::paths::CONFIG_FILE;

/// One research theme as written in the config.
#[derive(Debug, Clone, Deserialize, PartialEq, Hash)]
#[serde(deny_unknown_fields)]
pub struct ThemeDef {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Words or phrases; a paper whose title or abstract contains one (as
    /// whole words, any case) belongs to the theme unless its front matter
    /// names its themes.
    #[serde(default)]
    pub keywords: Vec<String>,
}

/// A tag the importer suggests when a paper matches its keywords.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TagRule {
    pub(crate) tag: String,
    pub(crate) keywords: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    author: String,
    #[serde(default = "default_language")]
    language: String,
    base_url: String,
    #[serde(default)]
    templates: Option<PathBuf>,
    #[serde(default = "default_content_dir")]
    content_dir: PathBuf,
    #[serde(default = "default_output_dir")]
    output_dir: PathBuf,
    #[serde(default = "default_front_page_size")]
    front_page_size: usize,
    #[serde(default = "default_page_size")]
    page_size: usize,
    #[serde(default = "default_feed_size")]
    feed_size: usize,
    #[serde(default)]
    allow_raw_html: bool,
    #[serde(default = "default_catch_all")]
    catch_all: ThemeDef,
    #[serde(default)]
    themes: Vec<ThemeDef>,
    #[serde(default)]
    tags: Vec<TagRule>,
    #[serde(default = "default_arxiv_api")]
    arxiv_api: String,
    #[serde(default)]
    cname: Option<String>,
    // The live sources (`sheaf import --hf-daily`, `--doi`, `--from-config`).
    #[serde(default = "imports::default_hf_api")]
    hf_api: String,
    #[serde(default = "imports::default_crossref_api")]
    crossref_api: String,
    #[serde(default)]
    contact_email: Option<String>,
    #[serde(default)]
    imports: Vec<imports::RawImport>,
    #[serde(default = "default_search")]
    search: bool,
    #[serde(default)]
    extra: serde_yaml::Mapping,
}

fn default_arxiv_api() -> String {
    "https://export.arxiv.org/api/query".into()
}

fn default_search() -> bool {
    true
}

fn default_language() -> String {
    "en".into()
}
/// Where a site without a `templates` key that has its own copy of the
/// default theme keeps it (where `sheaf init` used to put it).
pub(crate) const THEME_DIR: &str = "themes/default";

/// The value of `templates` that names the theme built into sheaf.
pub(crate) const BUILTIN: &str = "builtin";

/// The visual theme a site uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Theme {
    /// The default theme built into the running sheaf
    /// ([`crate::input::theme::DEFAULT_THEME`]): upgrading sheaf upgrades it.
    Builtin,
    /// A theme folder, relative to the site root.
    Folder(PathBuf),
}
fn default_content_dir() -> PathBuf {
    "content".into()
}
fn default_output_dir() -> PathBuf {
    "public".into()
}
fn default_page_size() -> usize {
    50
}
fn default_front_page_size() -> usize {
    20
}
/// Papers in each feed unless the config says (`feed_size`): enough that
/// a reader who looks once a day misses nothing of a busy digest.
pub const DEFAULT_FEED_SIZE: usize = 50;
fn default_feed_size() -> usize {
    DEFAULT_FEED_SIZE
}
fn default_catch_all() -> ThemeDef {
    ThemeDef {
        id: "other".into(),
        title: "Other papers".into(),
        description: "Papers that match no research theme yet.".into(),
        keywords: Vec::new(),
    }
}

/// The validated configuration of one site.
#[derive(Debug, Clone)]
pub struct Config {
    /// The site root: the folder that holds `site-config.yaml`.
    pub root: PathBuf,
    pub title: String,
    pub description: String,
    pub author: String,
    pub language: String,
    pub urls: Urls,
    /// The visual theme: `templates: builtin`, or a folder. Without the
    /// key, `themes/default/` when the site has one (older digests carry
    /// a copy there), else the built-in theme.
    pub templates: Theme,
    pub content_dir: PathBuf,
    pub output_dir: PathBuf,
    pub front_page_size: usize,
    /// Papers per page of a theme, tag or month list.
    pub page_size: usize,
    /// The newest papers each feed carries.
    pub feed_size: usize,
    pub allow_raw_html: bool,
    pub catch_all: ThemeDef,
    pub themes: Vec<ThemeDef>,
    pub tag_rules: Vec<TagRule>,
    pub extra: serde_yaml::Mapping,
    /// The arXiv API endpoint `sheaf import --arxiv` asks.
    pub arxiv_api: String,
    /// The custom domain GitHub Pages serves the site at, written to
    /// `CNAME` in the output.
    pub cname: Option<String>,
    /// Write the in-browser search index and the search page.
    pub search: bool,
    /// The live sources: see [`imports`].
    pub hf_api: String,
    pub crossref_api: String,
    /// The curator's address, sent to Crossref as `mailto` when set.
    pub contact_email: Option<String>,
    /// What `sheaf import --from-config` imports.
    pub imports: Vec<imports::ImportItem>,
    /// The keyword rules of `themes` and of `tag_rules`, by index.
    pub theme_matchers: KeywordRules,
    pub tag_matchers: KeywordRules,
    /// The line of `base_url` in the file, for messages about it.
    pub base_url_line: Option<usize>,
}

impl Config {
    /// Parses config text; `path` is only used in messages.
    /// `ejected_theme` says whether the site holds a theme folder at
    /// [`THEME_DIR`] (with its `templates/`), used when the config names
    /// none; the caller looked, since this layer does not touch the disk.
    pub(crate) fn parse(
        root: &Path,
        path: &Path,
        text: &str,
        ejected_theme: bool,
    ) -> std::result::Result<Config, Vec<Diagnostic>> {
        let raw: RawConfig = yaml::from_str(text, path, 0).map_err(|d| vec![d])?;
        let mut diags = Vec::new();
        let err = |key: &str, msg: String| Diagnostic::error(path, line_of(text, key), msg);

        let urls = match Urls::new(&raw.base_url) {
            Ok(u) => Some(u),
            Err(msg) => {
                diags.push(err("base_url:", msg));
                None
            }
        };
        if raw.title.trim().is_empty() {
            diags.push(err("title:", "`title` must not be empty".into()));
        }
        if raw.page_size == 0 {
            diags.push(err("page_size:", "`page_size` must be at least 1".into()));
        }
        if raw.feed_size == 0 {
            diags.push(err("feed_size:", "`feed_size` must be at least 1".into()));
        }
        if raw.front_page_size == 0 {
            diags.push(err(
                "front_page_size:",
                "`front_page_size` must be at least 1".into(),
            ));
        }

        let mut seen = HashSet::new();
        for theme in std::iter::once(&raw.catch_all).chain(&raw.themes) {
            let at = format!("id: {}", theme.id);
            if !is_slug(&theme.id) {
                diags.push(err(
                    &at,
                    format!(
                        "theme id `{}` must be lowercase letters, digits and hyphens",
                        theme.id
                    ),
                ));
            }
            if !seen.insert(theme.id.as_str()) {
                diags.push(err(&at, format!("theme id `{}` is used twice", theme.id)));
            }
            if theme.title.trim().is_empty() {
                diags.push(err(&at, format!("theme `{}` has an empty title", theme.id)));
            }
            if theme.keywords.iter().any(|k| k.trim().is_empty()) {
                diags.push(err(
                    &at,
                    format!("theme `{}` has an empty keyword", theme.id),
                ));
            }
        }
        for rule in &raw.tags {
            if !is_slug(&rule.tag) {
                diags.push(err(
                    &format!("tag: {}", rule.tag),
                    format!(
                        "tag `{}` must be lowercase letters, digits and hyphens",
                        rule.tag
                    ),
                ));
            }
        }
        // Templates read `site.extra` as JSON-like values; a key they cannot
        // take would stop the render with no line to show.
        if let Some(what) =
            crate::input::yaml::key_templates_refuse(&serde_yaml::Value::Mapping(raw.extra.clone()))
        {
            diags.push(err(
                "extra:",
                format!("`extra` holds a map with a key that is {what}, which templates cannot take; write the key as text"),
            ));
        }
        let live = imports::check(&raw, path, text, &mut diags);
        let templates = match raw.templates {
            Some(dir) if dir == Path::new(BUILTIN) => Theme::Builtin,
            Some(dir) => Theme::Folder(dir),
            None if ejected_theme => Theme::Folder(THEME_DIR.into()),
            None => Theme::Builtin,
        };
        let no_folder = PathBuf::new();
        let theme_folder = match &templates {
            Theme::Folder(dir) => dir,
            Theme::Builtin => &no_folder,
        };
        for (key, dir) in [
            ("templates:", theme_folder),
            ("content_dir:", &raw.content_dir),
            ("output_dir:", &raw.output_dir),
        ] {
            if dir.is_absolute() || dir.components().any(|c| c.as_os_str() == "..") {
                diags.push(err(
                    key,
                    format!(
                        "`{}` must be a folder inside the site, got {}",
                        key.trim_end_matches(':'),
                        dir.display()
                    ),
                ));
            }
        }

        if !crate::base::urls::is_web_url(&raw.arxiv_api) {
            diags.push(err(
                "arxiv_api:",
                format!(
                    "`arxiv_api` must be an http(s) URL, got {:?}",
                    raw.arxiv_api
                ),
            ));
        }
        let cname = raw.cname.as_deref().map(str::trim);
        if let Some(cname) = cname {
            if let Err(msg) = check_cname(cname, urls.as_ref()) {
                diags.push(err("cname:", msg));
            }
        }
        let (Some(urls), true) = (urls, diags.is_empty()) else {
            return Err(diags);
        };
        Ok(Config {
            root: root.to_path_buf(),
            base_url_line: line_of(text, "base_url:"),
            theme_matchers: KeywordRules::new(raw.themes.iter().map(|t| t.keywords.as_slice())),
            tag_matchers: KeywordRules::new(raw.tags.iter().map(|t| t.keywords.as_slice())),
            title: raw.title,
            description: raw.description,
            author: raw.author,
            language: raw.language,
            urls,
            templates,
            content_dir: raw.content_dir,
            output_dir: raw.output_dir,
            front_page_size: raw.front_page_size,
            page_size: raw.page_size,
            feed_size: raw.feed_size,
            allow_raw_html: raw.allow_raw_html,
            catch_all: raw.catch_all,
            themes: raw.themes,
            tag_rules: raw.tags,
            extra: raw.extra,
            arxiv_api: raw.arxiv_api,
            cname: cname.map(str::to_string),
            search: raw.search,
            hf_api: raw.hf_api,
            crossref_api: raw.crossref_api,
            contact_email: live.contact_email,
            imports: live.items,
        })
    }

    /// The visual theme's folder, absolute when the root is; `None` for
    /// the built-in theme, which has no files to read or watch.
    pub(crate) fn theme_dir(&self) -> Option<PathBuf> {
        match &self.templates {
            Theme::Builtin => None,
            Theme::Folder(dir) => Some(self.root.join(dir)),
        }
    }

    /// The folder that holds paper entries.
    pub(crate) fn papers_dir(&self) -> PathBuf {
        self.root.join(&self.content_dir).join("papers")
    }

    /// Is `id` a theme this site knows (including the catch-all)?
    pub(crate) fn has_theme(&self, id: &str) -> bool {
        self.catch_all.id == id || self.themes.iter().any(|t| t.id == id)
    }

    /// The tags whose rules match `text`, in config order.
    pub(crate) fn matching_tags(&self, text: &str) -> Vec<String> {
        self.tag_matchers
            .matching(text)
            .into_iter()
            .map(|i| self.tag_rules[i].tag.clone())
            .collect()
    }
}

/// `cname` names the custom domain GitHub Pages serves the site at: a bare
/// domain name. Pages serves such a site at the domain's root, so
/// `base_url` must be that root, or every link would point elsewhere.
fn check_cname(cname: &str, urls: Option<&Urls>) -> std::result::Result<(), String> {
    let host = match url::Host::parse(cname) {
        Ok(url::Host::Domain(d)) if d.contains('.') => d,
        _ => {
            return Err(format!(
                "`cname` must be a domain name such as papers.example.org (no scheme, port or path), got {cname:?}"
            ))
        }
    };
    // An invalid base_url has its own error already.
    let Some(urls) = urls else { return Ok(()) };
    let base_host = url::Url::parse(urls.base_url())
        .ok()
        .and_then(|u| u.host_str().map(str::to_string));
    if base_host.as_deref() != Some(host.as_str()) || urls.base_path() != "/" {
        return Err(format!(
            "with `cname: {cname}` GitHub Pages serves the site at the root of that domain, so `base_url` must be \"https://{host}/\", not {:?}",
            urls.base_url()
        ));
    }
    Ok(())
}

/// Lowercase ASCII letters, digits and single hyphens: safe in a URL path
/// and a file name on every platform.
pub(crate) fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}
