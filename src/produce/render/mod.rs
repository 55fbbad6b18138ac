//! Stage three: the site model rendered to files in memory.
//!
//! Every page is a [`Job`]; its [`Target`] says where it goes and what it
//! shows ([`Depends`]), so a rebuild can re-render only the pages an edit
//! touches. Paper summaries and details are converted to template values
//! once ([`Prepared`]) and shared by every page that lists them. Pages
//! render in parallel; nothing here reads the disk.

mod cite;
mod context;
mod escape;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use rayon::prelude::*;
use tera::{Context, Kwargs, State, Tera, Value};

use crate::base::error::{Diagnostic, Error, Result};
use crate::base::paths::{month_path, paper_path, tag_path, theme_path};
use crate::input::config::Config;
use crate::input::inputs::{StaticFile, TemplateFile};
use crate::model::Site;
use context::*;

pub(crate) use crate::base::artifact::{Depends, Output};

/// How many of the newest papers a feed carries unless the config says
/// (`feed_size`).
pub const FEED_SIZE: usize = crate::input::config::DEFAULT_FEED_SIZE;

/// The pages a site has; each becomes one output. List pages are split
/// into pages of `page_size` papers (the `usize` after the group is the
/// page, from 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Job {
    Index,
    Paper(usize),
    Themes,
    Theme(usize, usize),
    ThemeFeed(usize),
    Tags,
    Tag(usize, usize),
    Archive,
    Month(usize, usize),
    /// A verdict or status list.
    Facet(usize, usize),
    /// BibTeX of a theme's papers, of the whole digest. (A paper's own
    /// entry is on its page, not in a file of its own: see README, "Output
    /// size".)
    ThemeBib(usize),
    DigestBib,
    /// The whole digest as JSON.
    PapersJson,
    NotFound,
    Atom,
    Rss,
    Sitemap,
    /// The search page (the index itself is `search::Index`).
    Search,
}

/// The compiled templates of a site.
pub struct Renderer {
    tera: Tera,
    /// Template name to file, for error messages.
    files: HashMap<String, PathBuf>,
}

impl Renderer {
    /// Compiles the templates; every template with an error is reported.
    pub fn new(templates: &[TemplateFile], config: &Config) -> Result<Renderer> {
        let mut tera = Tera::new();
        tera.set_escape_fn(escape::escape_html);
        let base = config.urls.clone();
        tera.register_function(
            "url",
            move |kwargs: Kwargs, _: &State| -> tera::TeraResult<String> {
                let path: String = kwargs.must_get("path")?;
                Ok(base.path(&path))
            },
        );
        let files: HashMap<String, PathBuf> = templates
            .iter()
            .map(|t| (t.name.clone(), t.path.clone()))
            .collect();
        let mut sources: Vec<(&str, &str)> = templates
            .iter()
            .map(|t| (t.name.as_str(), t.text.as_str()))
            .collect();
        // Themes made before search existed have no search page: they get
        // the default theme's, which fills the usual `content` block.
        if config.search && !sources.iter().any(|(name, _)| *name == SEARCH_TEMPLATE) {
            sources.push((SEARCH_TEMPLATE, DEFAULT_SEARCH_PAGE));
        }
        let result = tera.add_raw_templates(sources);
        let renderer = Renderer { tera, files };
        if let Err(e) = result {
            return Err(Error::Invalid(renderer.diagnostics(&e, None)));
        }
        let missing: Vec<Diagnostic> = REQUIRED
            .iter()
            .filter(|name| !renderer.tera.contains_template(name))
            .map(|name| {
                Diagnostic::error(
                    templates
                        .first()
                        .and_then(|t| t.path.parent())
                        .map(|p| p.join(name))
                        .unwrap_or_else(|| PathBuf::from(name)),
                    None,
                    format!("the visual theme has no template `{name}`"),
                )
            })
            .collect();
        if !missing.is_empty() {
            return Err(Error::Invalid(missing));
        }
        Ok(renderer)
    }

    /// A template error as diagnostics at the template's file and line.
    fn diagnostics(&self, e: &tera::Error, output: Option<&str>) -> Vec<Diagnostic> {
        let prefix = match output {
            Some(out) => format!("template error while rendering {out}: "),
            None => "template error: ".to_string(),
        };
        let mut cause = String::new();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            cause.push_str(&format!(": {s}"));
            source = s.source();
        }
        match e.kind() {
            tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => {
                vec![Diagnostic::error(
                    self.file(r.filename()),
                    Some(r.span().start_line),
                    format!("{prefix}{}{cause}", r.message()),
                )]
            }
            other => {
                // Checks made after parsing (unknown filters, functions,
                // includes) arrive as finished reports: take their places.
                let text = other.to_string();
                let mut found = Vec::new();
                let mut message = String::new();
                for line in text.lines() {
                    if let Some(m) = line.strip_prefix("error: ") {
                        message = m.to_string();
                    } else if let Some(place) = line.trim_start().strip_prefix("--> ") {
                        let mut parts = place.rsplitn(3, ':');
                        let (_col, line_no, name) = (parts.next(), parts.next(), parts.next());
                        if let (Some(name), Some(line_no)) =
                            (name, line_no.and_then(|l| l.parse().ok()))
                        {
                            found.push(Diagnostic::error(
                                self.file(name),
                                Some(line_no),
                                format!("{prefix}{message}{cause}"),
                            ));
                        }
                    }
                }
                if found.is_empty() {
                    found.push(Diagnostic::error(
                        "templates",
                        None,
                        format!("{prefix}{text}{cause}"),
                    ));
                }
                found
            }
        }
    }

    /// The file of a template, by its name.
    fn file(&self, name: &str) -> PathBuf {
        self.files
            .get(name)
            .cloned()
            .unwrap_or_else(|| PathBuf::from(name))
    }
}

/// Templates every visual theme must have.
const REQUIRED: &[&str] = &[
    "index.html",
    "paper.html",
    "themes.html",
    "theme.html",
    "tags.html",
    "tag.html",
    "archive.html",
    "month.html",
    "facet.html",
    "404.html",
    "atom.xml",
    "rss.xml",
    "sitemap.xml",
];

/// The search page's template; a theme without one gets
/// [`DEFAULT_SEARCH_PAGE`].
const SEARCH_TEMPLATE: &str = "search.html";
const DEFAULT_SEARCH_PAGE: &str = include_str!("../../../themes/default/templates/search.html");

/// When a one-off build renders a job. The order keeps its peak memory
/// down: the pages that show papers' HTML come first, so the HTML can be
/// freed ([`crate::model::Site::forget_html`]) before the summaries the
/// lists show are made, and those reuse its memory; the digest-wide files
/// come last, after the summaries are freed. A session kept for rebuilds
/// renders in any order and frees nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Stage {
    /// Feeds: the details, HTML included, of a few papers each.
    Feeds,
    /// Each paper's own page: its details and its kept summary.
    Papers,
    /// The lists and the rest: summaries, BibTeX and the site's structure.
    Lists,
    /// The files made of every paper that show no summaries: the sitemap,
    /// `papers.bib` and `papers.json` (the last alone is 300 MB at 100,000
    /// papers).
    DigestWide,
}

/// The [`Stage`] of `job`: only feeds and paper pages show a paper's
/// HTML (through [`Prepared::detail`]).
pub(crate) fn stage(job: Job) -> Stage {
    match job {
        Job::Atom | Job::Rss | Job::ThemeFeed(_) => Stage::Feeds,
        Job::Paper(_) => Stage::Papers,
        Job::Sitemap | Job::DigestBib | Job::PapersJson => Stage::DigestWide,
        Job::Index
        | Job::Themes
        | Job::Theme(..)
        | Job::Tags
        | Job::Tag(..)
        | Job::Archive
        | Job::Month(..)
        | Job::Facet(..)
        | Job::ThemeBib(_)
        | Job::NotFound
        | Job::Search => Stage::Lists,
    }
}

/// All the pages of a site.
pub fn jobs(site: &Site) -> Vec<Job> {
    let size = site.config.page_size;
    let pages = |n: usize| n.div_ceil(size).max(1);
    let mut jobs = vec![
        Job::Index,
        Job::Themes,
        Job::Tags,
        Job::Archive,
        Job::NotFound,
        Job::Atom,
        Job::Rss,
        Job::Sitemap,
        Job::DigestBib,
        Job::PapersJson,
    ];
    if site.config.search {
        jobs.push(Job::Search);
    }
    jobs.extend((0..site.papers.len()).map(Job::Paper));
    jobs.extend((0..site.themes.len()).map(Job::ThemeBib));
    for (t, theme) in site.themes.iter().enumerate() {
        jobs.extend((0..pages(theme.papers.len())).map(|p| Job::Theme(t, p)));
        jobs.push(Job::ThemeFeed(t));
    }
    for (t, tag) in site.tags.iter().enumerate() {
        jobs.extend((0..pages(tag.papers.len())).map(|p| Job::Tag(t, p)));
    }
    for (m, month) in site.months.iter().enumerate() {
        jobs.extend((0..pages(month.papers.len())).map(|p| Job::Month(m, p)));
    }
    for (f, facet) in site.facets.iter().enumerate() {
        jobs.extend((0..pages(facet.papers.len())).map(|p| Job::Facet(f, p)));
    }
    jobs
}

/// Template values for every paper, made once per build and shared by all
/// the pages that show the paper. Indexed like `Site::papers`.
///
/// Summaries are shown on many pages, so they are kept. Details (abstract
/// and notes included) are shown on one page and in a feed or two, so
/// they are made when a page needs them; a session that rebuilds after
/// edits keeps only a hash of each, to tell which pages an edit changes.
#[derive(Clone, Default)]
pub struct Prepared {
    summaries: Vec<Value>,
    /// Hashes of the details; empty unless made for rebuilds.
    details: Vec<u64>,
    /// BibTeX keys; they depend on other papers (to stay unique), so only
    /// a structural change, which rebuilds everything, can change them.
    keys: Vec<String>,
    /// Each paper's BibTeX entry, made once and shared by every file that
    /// lists them, and its `papers.json` record (kept only for rebuilds).
    bibtex: Vec<String>,
    json: Vec<String>,
    /// The theme and tag links every summary shares.
    links: LinkValues,
}

impl Prepared {
    /// The values of every paper; `for_rebuilds` keeps what
    /// [`Prepared::refresh`] compares with.
    pub fn new(site: &Site, for_rebuilds: bool) -> Prepared {
        Prepared::make(site, for_rebuilds, true)
    }

    /// The values of a one-off build, without summaries yet: those are
    /// made by [`Prepared::summarize`] as the paper pages render (see
    /// [`Stage`]).
    pub(crate) fn without_summaries(site: &Site) -> Prepared {
        Prepared::make(site, false, false)
    }

    fn make(site: &Site, for_rebuilds: bool, summaries: bool) -> Prepared {
        let keys = cite::keys(site);
        let links = LinkValues::new(site);
        let made: Vec<(Option<Value>, u64, String, String)> = site
            .papers
            .par_iter()
            .zip(&keys)
            .enumerate()
            .with_max_len(256) // Small pieces (see ARCHITECTURE.md, "Parallel loops").
            .map(|(i, (p, k))| {
                (
                    summaries.then(|| summary_value(site, p, k, &links)),
                    if for_rebuilds {
                        detail_hash(site, i, k)
                    } else {
                        0
                    },
                    cite::bibtex(p, k),
                    // One-off builds make `papers.json`'s records when they
                    // write it, rather than keep them all.
                    if for_rebuilds {
                        cite::paper_json(site, i, k)
                    } else {
                        String::new()
                    },
                )
            })
            .collect();
        let mut prepared = Prepared {
            summaries: Vec::with_capacity(made.len()),
            details: Vec::with_capacity(made.len()),
            keys,
            bibtex: Vec::with_capacity(made.len()),
            json: Vec::with_capacity(made.len()),
            links,
        };
        for (s, d, b, j) in made {
            prepared.summaries.extend(s);
            if for_rebuilds {
                prepared.details.push(d);
            }
            prepared.bibtex.push(b);
            if for_rebuilds {
                prepared.json.push(j);
            }
        }
        prepared
    }

    /// Makes the summaries of the papers before `end` that are not made
    /// yet.
    pub(crate) fn summarize(&mut self, site: &Site, end: usize) {
        let start = self.summaries.len().min(end);
        if start == end {
            return;
        }
        let made: Vec<Value> = (start..end)
            .into_par_iter()
            .with_max_len(64) // Small pieces (see ARCHITECTURE.md, "Parallel loops").
            .map(|i| summary_value(site, &site.papers[i], &self.keys[i], &self.links))
            .collect();
        self.summaries.extend(made);
    }

    /// Frees the summaries, keeping what the digest-wide files use (see
    /// [`Stage::DigestWide`]): a one-off build renders those last, after
    /// every list, so the two are never in memory together.
    pub(crate) fn forget_summaries(&mut self) {
        // On every core: freeing 100,000 summaries took one 0.2 s.
        std::mem::take(&mut self.summaries)
            .into_par_iter()
            .with_max_len(1024)
            .for_each(drop);
    }

    /// The summary of paper `index`: the kept one, else made now.
    fn summary(&self, site: &Site, index: usize) -> Value {
        match self.summaries.get(index) {
            Some(kept) => kept.clone(),
            None => summary_value(site, &site.papers[index], &self.keys[index], &self.links),
        }
    }

    /// Recomputes the values of the papers at `indices` (after an edit
    /// that kept every paper in its place). Returns the indices whose
    /// summary changed and those whose details changed.
    pub(crate) fn refresh(&mut self, site: &Site, indices: &[usize]) -> (Vec<usize>, Vec<usize>) {
        let (mut summaries, mut details) = (Vec::new(), Vec::new());
        // Made again from `site` (a few dozen values), not taken from
        // `self.links`, so the summaries compared are the site's as it is.
        let links = LinkValues::new(site);
        for &i in indices {
            let Some(paper) = site.papers.get(i) else {
                continue;
            };
            let key = &self.keys[i];
            let s = summary_value(site, paper, key, &links);
            let d = detail_hash(site, i, key);
            if self.summaries.get(i) != Some(&s) {
                summaries.push(i);
            }
            if self.details.get(i) != Some(&d) {
                details.push(i);
            }
            self.summaries[i] = s;
            if let Some(slot) = self.details.get_mut(i) {
                *slot = d;
            }
            self.bibtex[i] = cite::bibtex(paper, key);
            if let Some(slot) = self.json.get_mut(i) {
                *slot = cite::paper_json(site, i, key);
            }
        }
        (summaries, details)
    }

    /// The values [`Prepared::refresh`] would replace for `indices`, to put
    /// back with [`Prepared::restore`] if the rebuild fails (cheaper than
    /// copying the values of every paper).
    pub(crate) fn backup(&self, indices: &[usize]) -> PreparedBackup {
        let papers = indices
            .iter()
            .filter(|&&i| i < self.summaries.len())
            .map(|&i| Saved {
                index: i,
                summary: self.summaries[i].clone(),
                detail: self.details.get(i).copied(),
                bibtex: self.bibtex[i].clone(),
                json: self.json.get(i).cloned(),
            })
            .collect();
        PreparedBackup { papers }
    }

    pub(crate) fn restore(&mut self, backup: PreparedBackup) {
        for Saved {
            index: i,
            summary,
            detail,
            bibtex,
            json,
        } in backup.papers
        {
            self.summaries[i] = summary;
            if let (Some(slot), Some(d)) = (self.details.get_mut(i), detail) {
                *slot = d;
            }
            self.bibtex[i] = bibtex;
            if let (Some(slot), Some(json)) = (self.json.get_mut(i), json) {
                *slot = json;
            }
        }
    }

    /// The template value of a paper's details: its kept summary and
    /// BibTeX entry, and the rest of [`detail`]. (Serializing a `Detail`
    /// whole would also make Tera allocate each of its 40 keys, since a
    /// flattened struct is written as a map.)
    fn detail(&self, site: &Site, index: usize) -> Value {
        let key = &self.keys[index];
        let summary = self.summary(site, index);
        let bibtex = match self.bibtex.get(index) {
            Some(kept) => kept.clone(),
            None => cite::bibtex(&site.papers[index], key),
        };
        let mut map = summary.into_map().unwrap_or_default();
        map.extend(
            value(&detail_more(site, index, bibtex))
                .into_map()
                .unwrap_or_default(),
        );
        Value::from(map)
    }
}

/// Some papers' values as they were; see [`Prepared::backup`].
pub(crate) struct PreparedBackup {
    papers: Vec<Saved>,
}

/// One paper's values in a [`PreparedBackup`].
struct Saved {
    index: usize,
    summary: Value,
    detail: Option<u64>,
    bibtex: String,
    json: Option<String>,
}

/// A hash of what a paper's details show.
fn detail_hash(site: &Site, index: usize, key: &str) -> u64 {
    use std::hash::Hasher;
    struct HashWriter(std::hash::DefaultHasher);
    impl std::io::Write for HashWriter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.write(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut w = HashWriter(std::hash::DefaultHasher::new());
    // Serializing into a hasher cannot fail; a failure would only make
    // the hash differ, and the page be rendered again.
    let _ = serde_json::to_writer(&mut w, &detail(site, index, key));
    w.0.finish()
}

/// The papers of page `page` of a list.
fn page_of(list: &[usize], page: usize, size: usize) -> &[usize] {
    let start = (page * size).min(list.len());
    &list[start..(start + size).min(list.len())]
}

/// The site path of page `page` (from 0) of a list at `base`.
fn paged_path(base: &str, page: usize) -> String {
    if page == 0 {
        base.to_string()
    } else {
        format!("{base}page/{}/", page + 1)
    }
}

/// The papers the front page shows: the featured ones and the newest.
fn front_page(site: &Site) -> Vec<usize> {
    let mut shown: Vec<usize> = (0..site.papers.len())
        .filter(|&i| site.papers[i].entry.featured)
        .collect();
    shown.extend(0..site.papers.len().min(site.config.front_page_size));
    shown
}

/// Where a page goes, from which template, and what it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    pub(crate) template: &'static str,
    pub(crate) path: String,
    pub(crate) depends: Depends,
}

/// Whether `job` shows the summary of a paper in `summaries` or the
/// details of one in `details`: the pages an edit that kept every paper in
/// its place must render again.
pub(crate) fn shows(
    site: &Site,
    job: Job,
    summaries: &HashSet<usize>,
    details: &HashSet<usize>,
) -> bool {
    match job {
        // Every paper's job: answered without making its path, which for
        // 20,000 jobs took a third of an edit's rebuild.
        Job::Paper(i) => {
            debug_assert_eq!(target(site, job).depends, Depends::Details(vec![i]));
            details.contains(&i)
        }
        _ => match target(site, job).depends {
            Depends::Summaries(s) => s.iter().any(|i| summaries.contains(i)),
            Depends::Details(s) => s.iter().any(|i| details.contains(i)),
            Depends::Nothing | Depends::Structure | Depends::Search => false,
        },
    }
}

/// The target of a page, without rendering it: a rebuild uses this to
/// decide which pages an edit touches.
pub(crate) fn target(site: &Site, job: Job) -> Target {
    let slugs = |papers: &[usize]| -> Vec<usize> { papers.to_vec() };
    let size = site.config.page_size;
    let feed_size = site.config.feed_size;
    let newest = (0..site.papers.len().min(feed_size)).collect::<Vec<_>>();
    let all = || (0..site.papers.len()).collect::<Vec<_>>();
    let (template, path, depends) = match job {
        Job::Index => (
            "index.html",
            "index.html".to_string(),
            Depends::Summaries(slugs(&front_page(site))),
        ),
        Job::Paper(i) => {
            let slug = &site.papers[i].entry.slug;
            (
                "paper.html",
                format!("{}index.html", paper_path(slug)),
                Depends::Details(vec![i]),
            )
        }
        Job::Themes => (
            "themes.html",
            "themes/index.html".into(),
            Depends::Structure,
        ),
        Job::Theme(t, p) => {
            let theme = &site.themes[t];
            (
                "theme.html",
                format!("{}index.html", paged_path(&theme_path(&theme.def.id), p)),
                Depends::Summaries(slugs(page_of(&theme.papers, p, size))),
            )
        }
        Job::ThemeFeed(t) => {
            let theme = &site.themes[t];
            let shown = &theme.papers[..theme.papers.len().min(feed_size)];
            (
                "atom.xml",
                format!("{}atom.xml", theme_path(&theme.def.id)),
                Depends::Details(slugs(shown)),
            )
        }
        Job::Tags => ("tags.html", "tags/index.html".into(), Depends::Structure),
        Job::Tag(t, p) => {
            let tag = &site.tags[t];
            (
                "tag.html",
                format!("{}index.html", paged_path(&tag_path(&tag.slug), p)),
                Depends::Summaries(slugs(page_of(&tag.papers, p, size))),
            )
        }
        Job::Archive => {
            let shown: Vec<usize> = site
                .months
                .iter()
                .flat_map(|m| page_of(&m.papers, 0, size).iter().copied())
                .collect();
            (
                "archive.html",
                "archive/index.html".into(),
                Depends::Summaries(slugs(&shown)),
            )
        }
        Job::Month(m, p) => {
            let group = &site.months[m];
            (
                "month.html",
                format!(
                    "{}index.html",
                    paged_path(&month_path(group.year, group.month), p)
                ),
                Depends::Summaries(slugs(page_of(&group.papers, p, size))),
            )
        }
        Job::Facet(f, p) => {
            let facet = &site.facets[f];
            (
                "facet.html",
                format!("{}index.html", paged_path(&facet_path(facet), p)),
                Depends::Summaries(slugs(page_of(&facet.papers, p, size))),
            )
        }
        Job::ThemeBib(t) => {
            let theme = &site.themes[t];
            (
                "",
                format!("{}papers.bib", theme_path(&theme.def.id)),
                Depends::Details(slugs(&theme.papers)),
            )
        }
        Job::DigestBib => ("", "papers.bib".into(), Depends::Details(slugs(&all()))),
        Job::PapersJson => ("", "papers.json".into(), Depends::Details(slugs(&all()))),
        Job::NotFound => ("404.html", "404.html".into(), Depends::Nothing),
        Job::Atom => (
            "atom.xml",
            "atom.xml".into(),
            Depends::Details(slugs(&newest)),
        ),
        Job::Rss => (
            "rss.xml",
            "rss.xml".into(),
            Depends::Details(slugs(&newest)),
        ),
        Job::Sitemap => ("sitemap.xml", "sitemap.xml".into(), Depends::Structure),
        Job::Search => (
            "search.html",
            format!("{}index.html", crate::base::paths::SEARCH_PAGE),
            Depends::Structure,
        ),
    };
    Target {
        template,
        path,
        depends,
    }
}

/// Shared template data for one render of a site.
struct Shared<'a> {
    site: &'a Site,
    renderer: &'a Renderer,
    prepared: &'a Prepared,
    base: Context,
}

impl Shared<'_> {
    fn list(&self, papers: &[usize]) -> Value {
        Value::from(
            papers
                .iter()
                .map(|&i| {
                    // Lists render after every summary is made (see `Stage`);
                    // making one here would only be slower.
                    debug_assert!(i < self.prepared.summaries.len(), "no summary of paper {i}");
                    self.prepared.summary(self.site, i)
                })
                .collect::<Vec<_>>(),
        )
    }

    fn page(&self, kind: &'static str, path: &str, title: String, description: String) -> Context {
        let urls = &self.site.config.urls;
        let mut ctx = self.base.clone();
        ctx.insert("nav", &nav(urls, kind));
        ctx.insert(
            "page",
            &PageCtx {
                title,
                description,
                url: urls.path(path),
                permalink: urls.permalink(path),
                kind,
            },
        );
        ctx
    }

    /// A page of a paginated list: the context gets `papers` (this page's)
    /// and `pagination`.
    #[allow(clippy::too_many_arguments)]
    fn list_page(
        &self,
        kind: &'static str,
        base: &str,
        page: usize,
        title: String,
        description: String,
        papers: &[usize],
    ) -> Context {
        let size = self.site.config.page_size;
        let pages = papers.len().div_ceil(size).max(1);
        let title = if page == 0 {
            title
        } else {
            format!("{title} (page {} of {pages})", page + 1)
        };
        let mut ctx = self.page(kind, &paged_path(base, page), title, description);
        ctx.insert_value("papers", self.list(page_of(papers, page, size)));
        let urls = &self.site.config.urls;
        let url = |p: usize| urls.path(&paged_path(base, p));
        ctx.insert(
            "pagination",
            &serde_json::json!({
                "page": page + 1,
                "pages": pages,
                "first_url": url(0),
                "prev_url": if page > 0 { url(page - 1) } else { String::new() },
                "next_url": if page + 1 < pages { url(page + 1) } else { String::new() },
                "first_index": page * size + 1,
            }),
        );
        ctx
    }

    fn feed(
        &self,
        path: &str,
        title: String,
        subtitle: &str,
        alternate: &str,
        papers: &[usize],
    ) -> Context {
        let urls = &self.site.config.urls;
        let newest = papers.iter().map(|&i| self.site.papers[i].entry.date).max();
        let mut ctx = self.base.clone();
        ctx.insert(
            "feed",
            &serde_json::json!({
                "title": title,
                "subtitle": subtitle,
                "id": urls.permalink(path),
                "self_url": urls.permalink(path),
                "alternate_url": urls.permalink(alternate),
                "updated": rfc3339(newest.unwrap_or(time::macros::date!(1970 - 01 - 01))),
                "updated_rfc2822": newest.map(rfc2822).unwrap_or_default(),
            }),
        );
        let entries: Vec<Value> = papers
            .iter()
            .take(self.site.config.feed_size)
            .map(|&i| self.prepared.detail(self.site, i))
            .collect();
        ctx.insert_value("entries", Value::from(entries));
        ctx
    }

    /// The template context of a page.
    fn context(&self, job: Job, path: &str) -> Context {
        let site = self.site;
        let all = || (0..site.papers.len()).collect::<Vec<_>>();
        let title = &site.config.title;
        let page_path = path.trim_end_matches("index.html");
        match job {
            Job::Index => {
                let mut ctx =
                    self.page("index", "", title.clone(), site.config.description.clone());
                let featured: Vec<usize> = all()
                    .into_iter()
                    .filter(|&i| site.papers[i].entry.featured)
                    .collect();
                let latest: Vec<usize> = all()
                    .into_iter()
                    .take(site.config.front_page_size)
                    .collect();
                ctx.insert_value("featured", self.list(&featured));
                ctx.insert_value("latest", self.list(&latest));
                ctx.insert("total", &site.papers.len());
                ctx
            }
            Job::Paper(i) => {
                let paper = &site.papers[i];
                let description =
                    crate::convert::markdown::excerpt(&paper.derived.abstract_text, 30);
                let mut ctx = self.page("paper", page_path, paper.entry.title.clone(), description);
                ctx.insert_value("paper", self.prepared.detail(site, i));
                ctx
            }
            Job::Themes => self.page(
                "themes",
                page_path,
                "Research themes".into(),
                format!("The research themes of {title}"),
            ),
            Job::Theme(t, p) => {
                let theme = &site.themes[t];
                let description = if theme.def.description.is_empty() {
                    format!("Papers on {}", theme.def.title)
                } else {
                    theme.def.description.clone()
                };
                let base = theme_path(&theme.def.id);
                let mut ctx = self.list_page(
                    "theme",
                    &base,
                    p,
                    theme.def.title.clone(),
                    description,
                    &theme.papers,
                );
                ctx.insert("theme", &theme_ctx(site, t));
                ctx
            }
            Job::ThemeFeed(t) => {
                let theme = &site.themes[t];
                self.feed(
                    path,
                    format!("{title}: {}", theme.def.title),
                    &theme.def.description,
                    &theme_path(&theme.def.id),
                    &theme.papers,
                )
            }
            Job::Tags => {
                let mut ctx = self.page(
                    "tags",
                    page_path,
                    "Tags".into(),
                    format!("Every tag used in {title}"),
                );
                let tags: Vec<_> = (0..site.tags.len()).map(|t| tag_ctx(site, t)).collect();
                ctx.insert("tags", &tags);
                ctx
            }
            Job::Tag(t, p) => {
                let tag = &site.tags[t];
                let mut ctx = self.list_page(
                    "tag",
                    &tag_path(&tag.slug),
                    p,
                    format!("Tagged “{}”", tag.name),
                    format!("Papers tagged {}", tag.name),
                    &tag.papers,
                );
                ctx.insert("tag", &tag_ctx(site, t));
                ctx
            }
            Job::Archive => {
                let mut ctx = self.page(
                    "archive",
                    page_path,
                    "Archive".into(),
                    format!("Every paper in {title}, by month"),
                );
                let size = site.config.page_size;
                let months: Vec<Value> = (0..site.months.len())
                    .map(|m| {
                        let mc = month_ctx(site, m);
                        let mut map: BTreeMap<&'static str, Value> = BTreeMap::new();
                        map.insert("key", mc.key.into());
                        map.insert("title", mc.title.into());
                        map.insert("url", mc.url.into());
                        map.insert("count", mc.count.into());
                        map.insert(
                            "papers",
                            self.list(page_of(&site.months[m].papers, 0, size)),
                        );
                        Value::from(map)
                    })
                    .collect();
                ctx.insert_value("months", Value::from(months));
                ctx
            }
            Job::Month(m, p) => {
                let mc = month_ctx(site, m);
                let group = &site.months[m];
                let mut ctx = self.list_page(
                    "month",
                    &month_path(group.year, group.month),
                    p,
                    format!("Papers of {}", mc.title),
                    format!("Papers added in {}", mc.title),
                    &group.papers,
                );
                ctx.insert("month", &mc);
                ctx
            }
            Job::Facet(f, p) => {
                let facet = &site.facets[f];
                let kind = if facet.kind == "verdict" {
                    "Verdict"
                } else {
                    "Reading status"
                };
                let mut ctx = self.list_page(
                    "facet",
                    &facet_path(facet),
                    p,
                    format!("{kind}: {}", facet.label),
                    format!("Papers the curator marked “{}”", facet.label),
                    &facet.papers,
                );
                ctx.insert("facet", &facet_ctx(site, f));
                ctx
            }
            Job::ThemeBib(_) | Job::DigestBib | Job::PapersJson => self.base.clone(),
            Job::Search => self.page(
                "search",
                page_path,
                "Search".into(),
                format!("Search the papers of {title}"),
            ),
            Job::NotFound => self.page(
                "404",
                "404.html",
                "Page not found".into(),
                site.config.description.clone(),
            ),
            Job::Atom | Job::Rss => {
                self.feed(path, title.clone(), &site.config.description, "", &all())
            }
            Job::Sitemap => {
                let mut ctx = self.base.clone();
                ctx.insert("entries", &sitemap_entries(site));
                ctx
            }
        }
    }

    fn render(&self, job: Job) -> std::result::Result<Output, Vec<Diagnostic>> {
        let Target {
            template,
            path,
            depends,
        } = target(self.site, job);
        if template.is_empty() {
            return Ok(Output {
                path,
                bytes: self.generated(job).into_bytes().into(),
                depends,
            });
        }
        let ctx = self.context(job, &path);
        let html = self
            .renderer
            .tera
            .render(template, &ctx)
            .map_err(|e| self.renderer.diagnostics(&e, Some(&path)))?;
        Ok(Output {
            path,
            bytes: html.into_bytes().into(),
            depends,
        })
    }

    /// Files sheaf writes without a template.
    fn generated(&self, job: Job) -> String {
        let site = self.site;
        let entries = &self.prepared.bibtex;
        let bib = |papers: &mut dyn Iterator<Item = usize>| -> String {
            papers
                .map(|i| entries[i].as_str())
                .collect::<Vec<_>>()
                .join("\n")
        };
        match job {
            Job::ThemeBib(t) => bib(&mut site.themes[t].papers.iter().copied()),
            Job::DigestBib => bib(&mut (0..site.papers.len())),
            Job::PapersJson => cite::papers_json(site, |i| match self.prepared.json.get(i) {
                Some(kept) => kept.as_str().into(),
                None => cite::paper_json(site, i, &self.prepared.keys[i]).into(),
            }),
            _ => String::new(),
        }
    }
}

/// One URL of the sitemap, as its template sees it.
#[derive(serde::Serialize)]
struct SitemapEntry {
    permalink: String,
    lastmod: String,
}

fn sitemap_entries(site: &Site) -> Vec<SitemapEntry> {
    let urls = &site.config.urls;
    let size = site.config.page_size;
    let newest = site.papers.iter().map(|p| p.entry.date).max();
    let newest_of = |papers: &[usize]| papers.iter().map(|&i| site.papers[i].entry.date).max();
    let mut entries = Vec::new();
    let mut add = |path: String, date: Option<time::Date>| {
        entries.push(SitemapEntry {
            permalink: urls.permalink(&path),
            lastmod: date.map(|d| d.to_string()).unwrap_or_default(),
        });
    };
    add(String::new(), newest);
    for p in ["themes/", "tags/", "archive/"] {
        add(p.into(), newest);
    }
    for p in &site.papers {
        add(paper_path(&p.entry.slug), Some(p.entry.date));
    }
    let mut lists = |base: String, papers: &[usize]| {
        for page in 0..papers.len().div_ceil(size).max(1) {
            add(
                paged_path(&base, page),
                newest_of(page_of(papers, page, size)),
            );
        }
    };
    for t in &site.themes {
        lists(theme_path(&t.def.id), &t.papers);
    }
    for t in &site.tags {
        lists(tag_path(&t.slug), &t.papers);
    }
    for m in &site.months {
        lists(month_path(m.year, m.month), &m.papers);
    }
    for f in &site.facets {
        lists(facet_path(f), &f.papers);
    }
    entries
}

/// Renders the given pages of a site, in parallel, advancing `progress`
/// by one per page. Every failing page is reported.
pub fn render(
    site: &Site,
    renderer: &Renderer,
    prepared: &Prepared,
    jobs: &[Job],
    progress: &dyn crate::base::progress::Progress,
) -> Result<Vec<Output>> {
    let mut base = Context::new();
    base.insert("site", &SiteCtx::new(site));
    let themes: Vec<_> = (0..site.themes.len()).map(|t| theme_ctx(site, t)).collect();
    base.insert("themes", &themes);
    let shared = Shared {
        site,
        renderer,
        prepared,
        base,
    };
    let results: Vec<_> = jobs
        .par_iter()
        .with_max_len(4) // Small pieces (see ARCHITECTURE.md, "Parallel loops").
        .map(|&job| {
            let result = shared.render(job);
            progress.advance(1);
            result
        })
        .collect();
    let mut outputs = Vec::with_capacity(results.len());
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(o) => outputs.push(o),
            Err(diags) => {
                for d in diags {
                    if !errors.contains(&d) {
                        errors.push(d)
                    }
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(outputs)
    } else {
        Err(Error::Invalid(errors))
    }
}

/// The files sheaf writes itself, besides the theme's static files.
pub(crate) fn fixed_outputs(site: &Site, static_files: &[StaticFile]) -> Vec<Output> {
    let urls = &site.config.urls;
    let mut out: Vec<Output> = static_files
        .iter()
        .map(|s| Output {
            path: s.out_path.clone(),
            bytes: s.bytes.clone().into(),
            depends: Depends::Nothing,
        })
        .collect();
    let mut fixed = vec![
        (
            "robots.txt",
            format!(
                "User-agent: *\nAllow: /\nSitemap: {}\n",
                urls.permalink("sitemap.xml")
            )
            .into_bytes(),
        ),
        // GitHub Pages would otherwise run Jekyll, which hides files and
        // folders starting with `_`.
        (".nojekyll", Vec::new()),
        (
            "syntax.css",
            crate::convert::markdown::highlight_css().into_bytes(),
        ),
    ];
    // GitHub Pages takes a custom domain from a CNAME file at the root.
    if let Some(cname) = &site.config.cname {
        fixed.push(("CNAME", format!("{cname}\n").into_bytes()));
    }
    for (path, bytes) in fixed {
        out.retain(|o| o.path != path);
        out.push(Output {
            path: path.into(),
            bytes: bytes.into(),
            depends: Depends::Nothing,
        });
    }
    out
}
