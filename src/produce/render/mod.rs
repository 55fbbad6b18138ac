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
mod jobs;
mod lists;
mod prepared;
mod templates;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use rayon::prelude::*;
use tera::{Context, Kwargs, State, Tera, Value};

use crate::base::error::{Diagnostic, Error, Result};
use crate::base::paths::{
    facet_index_path, month_path, pages_path, paper_path, tag_path, theme_path, venue_path,
    year_path, PAPERS_PATH, TOP_PATH, VENUES_PATH,
};
use crate::input::config::Config;
use crate::input::inputs::{StaticFile, TemplateFile};
use crate::model::Site;
use context::*;
use jobs::{facet_kinds, list_of, page_of, paged_path};
pub use jobs::{jobs, Job, List, Redirect};
pub(crate) use jobs::{shows, stage, target, Changed, Stage, Target};
pub use prepared::Prepared;
pub use templates::Renderer;

pub(crate) use crate::base::artifact::{Depends, Output};

/// How many of the newest papers a feed carries unless the config says
/// (`feed_size`).
pub const FEED_SIZE: usize = crate::input::config::DEFAULT_FEED_SIZE;

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
                    // A full build's lists render after every summary is
                    // made (see `Stage`); an incremental build's few lists
                    // make theirs here.
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

    /// `list_data_url`: the URL of the data file `lists.js` sorts and
    /// filters the whole list from; `list_count`: the papers in it.
    fn insert_list_data(&self, ctx: &mut Context, list: List) {
        ctx.insert(
            "list_data_url",
            &self.site.config.urls.path(&lists::path(self.site, list)),
        );
        ctx.insert("list_count", &list_of(self.site, list).1.len());
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
                self.insert_list_data(&mut ctx, List::All);
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
                self.insert_list_data(&mut ctx, List::Theme(t));
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
                self.insert_list_data(&mut ctx, List::Tag(t));
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
                let years: Vec<_> = (0..site.years.len()).map(|y| year_ctx(site, y)).collect();
                ctx.insert("years", &years);
                ctx.insert("browse", &self.browse());
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
                self.insert_list_data(&mut ctx, List::Month(m));
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
                self.insert_list_data(&mut ctx, List::Facet(f));
                ctx
            }
            Job::FacetIndex(kind) => {
                let facet_title = facet_kind_title(kind);
                let mut ctx = self.page(
                    "facets",
                    page_path,
                    facet_title.into(),
                    format!("{facet_title} of the papers in {title}"),
                );
                let values: Vec<_> = (0..site.facets.len())
                    .filter(|&f| site.facets[f].kind == kind)
                    .map(|f| facet_ctx(site, f))
                    .collect();
                ctx.insert("kind", kind);
                ctx.insert("facets", &values);
                ctx
            }
            Job::Year(y) => {
                let year = &site.years[y];
                let mut ctx = self.page(
                    "year",
                    page_path,
                    year.year.to_string(),
                    format!("Papers added to {title} in {}, by month", year.year),
                );
                let months: Vec<_> = year.months.iter().map(|&m| month_ctx(site, m)).collect();
                ctx.insert("year", &year_ctx(site, y));
                ctx.insert("months", &months);
                ctx
            }
            Job::Venues => {
                let mut ctx = self.page(
                    "venues",
                    page_path,
                    "Venues".into(),
                    format!("The venues of the papers in {title}"),
                );
                let venues: Vec<_> = (0..site.venues.len()).map(|v| venue_ctx(site, v)).collect();
                ctx.insert("venues", &venues);
                ctx
            }
            Job::Venue(v, p) => {
                let venue = &site.venues[v];
                let mut ctx = self.list_page(
                    "venue",
                    &venue_path(&venue.slug),
                    p,
                    format!("Venue: {}", venue.name),
                    format!("Papers of {}", venue.name),
                    &venue.papers,
                );
                ctx.insert("venue", &venue_ctx(site, v));
                self.insert_list_data(&mut ctx, List::Venue(v));
                ctx
            }
            Job::Top => {
                let mut ctx = self.page(
                    "top",
                    page_path,
                    "Most popular".into(),
                    format!("The most popular papers of {title} in their last week and month"),
                );
                ctx.insert_value("top", self.top());
                ctx
            }
            Job::Redirect(to) => {
                let (target, name) = match to {
                    Redirect::Papers => ("archive/".to_string(), "Archive".to_string()),
                    Redirect::Pages(list) => (list_of(site, list).0, self.list_title(list)),
                };
                let urls = &site.config.urls;
                let mut ctx = self.page("redirect", page_path, name, String::new());
                ctx.insert(
                    "redirect",
                    &serde_json::json!({
                        "url": urls.path(&target),
                        "permalink": urls.permalink(&target),
                    }),
                );
                ctx
            }
            Job::ThemeBib(_) | Job::DigestBib | Job::PapersJson | Job::ListData(_) => {
                self.base.clone()
            }
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
                ctx.insert("entries", &sitemap_entries(site, None));
                ctx
            }
            Job::SitemapPart(k) => {
                let mut ctx = self.base.clone();
                ctx.insert("entries", &sitemap_entries(site, Some(k)));
                ctx
            }
        }
    }

    /// The pages that index the digest otherwise than by month, for the
    /// archive: only those the site has.
    fn browse(&self) -> Vec<BrowseLink> {
        let site = self.site;
        let urls = &site.config.urls;
        let mut links: Vec<BrowseLink> = facet_kinds(site)
            .into_iter()
            .map(|kind| BrowseLink {
                title: facet_kind_title(kind),
                url: urls.path(&facet_index_path(kind)),
            })
            .collect();
        if !site.venues.is_empty() {
            links.push(BrowseLink {
                title: "Venues",
                url: urls.path(VENUES_PATH),
            });
        }
        if !site.top.is_empty() {
            links.push(BrowseLink {
                title: "Most popular",
                url: urls.path(TOP_PATH),
            });
        }
        links
    }

    /// The top view's template value: one entry per metric, each with its
    /// ranges (`TopRangeCtx` and `papers`: `{paper, figure, as_of,
    /// as_of_display}`).
    fn top(&self) -> Value {
        let site = self.site;
        let mut metrics: Vec<(&'static str, Vec<Value>)> = Vec::new();
        for list in &site.top {
            let papers: Vec<Value> = list
                .papers
                .iter()
                .map(|&(i, figure)| {
                    let (as_of, as_of_display) = metrics_as_of(&site.papers[i].entry);
                    let mut map: BTreeMap<&'static str, Value> = BTreeMap::new();
                    map.insert("paper", self.prepared.summary(site, i));
                    map.insert("figure", figure.into());
                    map.insert("as_of", as_of.into());
                    map.insert("as_of_display", as_of_display.into());
                    Value::from(map)
                })
                .collect();
            let mut range = context::value(&top_range_ctx(list))
                .into_map()
                .unwrap_or_default();
            range.insert(tera::value::Key::Str("papers"), Value::from(papers));
            let name = list.metric.name();
            match metrics.last_mut() {
                Some((m, ranges)) if *m == name => ranges.push(Value::from(range)),
                _ => metrics.push((name, vec![Value::from(range)])),
            }
        }
        Value::from(
            metrics
                .into_iter()
                .map(|(metric, ranges)| {
                    let mut map: BTreeMap<&'static str, Value> = BTreeMap::new();
                    map.insert("metric", metric.into());
                    map.insert("ranges", Value::from(ranges));
                    Value::from(map)
                })
                .collect::<Vec<_>>(),
        )
    }

    /// What a list is called, for the page that leads to it.
    fn list_title(&self, list: List) -> String {
        let site = self.site;
        match list {
            List::All => site.config.title.clone(),
            List::Theme(t) => site.themes[t].def.title.clone(),
            List::Tag(t) => format!("Tagged “{}”", site.tags[t].name),
            List::Month(m) => format!("Papers of {}", month_ctx(site, m).title),
            List::Facet(f) => {
                let facet = &site.facets[f];
                format!("{}: {}", facet_kind_title(facet.kind), facet.label)
            }
            List::Venue(v) => format!("Venue: {}", site.venues[v].name),
        }
    }

    fn render(&self, job: Job) -> std::result::Result<Output, Vec<Diagnostic>> {
        let Target {
            template,
            path,
            depends,
        } = target(self.site, job);
        if let Job::ListData(list) = job {
            return Ok(Output {
                path,
                bytes: lists::data(self.site, list).into(),
                depends,
            });
        }
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
        // On every core: a one-off build makes the entries here.
        let bib = |papers: &[usize]| -> String {
            papers
                .par_iter()
                .with_max_len(1024)
                .map(|&i| self.prepared.bibtex(site, i))
                .collect::<Vec<_>>()
                .join("\n")
        };
        match job {
            Job::ThemeBib(t) => bib(&site.themes[t].papers),
            Job::DigestBib => bib(&(0..site.papers.len()).collect::<Vec<_>>()),
            Job::Sitemap => sitemap_index(site),
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

/// The most URLs one sitemap file may list (sitemaps.org); a site with
/// more gets a sitemap index (`sitemap.xml`) and parts (`sitemap-1.xml`…).
pub(crate) const SITEMAP_MAX_URLS: usize = 50_000;

/// How many part files the sitemap needs: 0 when `sitemap.xml` holds every
/// URL itself.
pub(super) fn sitemap_parts(site: &Site) -> usize {
    let mut count = 0;
    sitemap_urls(site, &mut |_, _| count += 1);
    parts_for(count, SITEMAP_MAX_URLS)
}

fn parts_for(urls: usize, max: usize) -> usize {
    if urls <= max {
        0
    } else {
        urls.div_ceil(max)
    }
}

/// The URLs of part `part` of the sitemap, or of all of it.
fn sitemap_entries(site: &Site, part: Option<usize>) -> Vec<SitemapEntry> {
    let urls = &site.config.urls;
    let range = match part {
        Some(k) => k * SITEMAP_MAX_URLS..(k + 1) * SITEMAP_MAX_URLS,
        None => 0..usize::MAX,
    };
    let mut entries = Vec::new();
    let mut n = 0;
    sitemap_urls(site, &mut |path, date| {
        if range.contains(&n) {
            entries.push(SitemapEntry {
                permalink: urls.permalink(&path),
                lastmod: date.map(|d| d.to_string()).unwrap_or_default(),
            });
        }
        n += 1;
    });
    entries
}

/// The sitemap index of a site too big for one sitemap: its parts, each
/// with the newest `lastmod` of its URLs.
fn sitemap_index(site: &Site) -> String {
    let parts = sitemap_parts(site);
    let mut newest: Vec<Option<time::Date>> = vec![None; parts];
    let mut n = 0;
    sitemap_urls(site, &mut |_, date| {
        let k = n / SITEMAP_MAX_URLS;
        newest[k] = newest[k].max(date);
        n += 1;
    });
    index_xml(&site.config.urls, &newest)
}

fn index_xml(urls: &crate::base::urls::Urls, newest: &[Option<time::Date>]) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (k, date) in newest.iter().enumerate() {
        let loc = escape::escaped(&urls.permalink(&sitemap_part_path(k)));
        xml.push_str(&format!("<sitemap><loc>{loc}</loc>"));
        if let Some(d) = date {
            xml.push_str(&format!("<lastmod>{d}</lastmod>"));
        }
        xml.push_str("</sitemap>\n");
    }
    xml.push_str("</sitemapindex>\n");
    xml
}

/// The site path of part `k` (from 0) of a big sitemap.
pub(super) fn sitemap_part_path(k: usize) -> String {
    format!("sitemap-{}.xml", k + 1)
}

/// Every URL the sitemap lists, in its order, with its `lastmod`.
fn sitemap_urls(site: &Site, add: &mut dyn FnMut(String, Option<time::Date>)) {
    let size = site.config.page_size;
    let newest = site.papers.iter().map(|p| p.entry.date).max();
    let newest_of = |papers: &[usize]| papers.iter().map(|&i| site.papers[i].entry.date).max();
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
    for v in &site.venues {
        lists(venue_path(&v.slug), &v.papers);
    }
    for kind in facet_kinds(site) {
        add(facet_index_path(kind), newest);
    }
    for y in &site.years {
        let newest_of_year = y
            .months
            .first()
            .and_then(|&m| newest_of(&site.months[m].papers));
        add(year_path(y.year), newest_of_year);
    }
    if !site.venues.is_empty() {
        add(VENUES_PATH.into(), newest);
    }
    if let Some(to) = site.top.iter().map(|l| l.to).max() {
        add(TOP_PATH.into(), Some(to));
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sitemap_is_split_only_past_its_limit() {
        assert_eq!(parts_for(0, 3), 0);
        assert_eq!(parts_for(3, 3), 0);
        assert_eq!(parts_for(4, 3), 2);
        assert_eq!(parts_for(109_928, SITEMAP_MAX_URLS), 3);
    }

    #[test]
    fn a_sitemap_index_names_each_part_with_its_newest_day() {
        let urls = crate::base::urls::Urls::new("https://example.org/a&b/").unwrap();
        let day = time::macros::date!(2025 - 05 - 07);
        let xml = index_xml(&urls, &[Some(day), None]);
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
             <sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n\
             <sitemap><loc>https://example.org/a&amp;b/sitemap-1.xml</loc><lastmod>2025-05-07</lastmod></sitemap>\n\
             <sitemap><loc>https://example.org/a&amp;b/sitemap-2.xml</loc></sitemap>\n\
             </sitemapindex>\n"
        );
    }
}
