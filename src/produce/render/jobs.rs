//! Which pages a site has ([`Job`]), where each goes and what it shows
//! ([`Target`], [`Depends`]), and when a one-off build renders it
//! ([`Stage`]): what a rebuild needs to know without rendering anything.

use std::borrow::Cow;

use super::*;

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
    /// `sitemap.xml`: every URL, or, past [`SITEMAP_MAX_URLS`], the index
    /// of the parts.
    Sitemap,
    /// Part `k` (from 0) of a sitemap too big for one file.
    SitemapPart(usize),
    /// The search page (the index itself is `search::Index`).
    Search,
    /// `verdict/` or `status/`: the values of a facet kind (`verdict`,
    /// `status`) with their counts.
    FacetIndex(&'static str),
    /// `archive/<yyyy>/`: the months of a year (index into `Site::years`).
    Year(usize),
    /// `venue/` and each venue's list.
    Venues,
    Venue(usize, usize),
    /// `top/`: the most popular papers of the last week and month.
    Top,
    /// A page that only leads to another, so that cutting the last part
    /// off any page's URL never gives a 404.
    Redirect(Redirect),
    /// A list's data file, for sorting and filtering it in the browser.
    ListData(List),
}

/// What a [`Job::Redirect`] stands in for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Redirect {
    /// `papers/`, to the archive.
    Papers,
    /// A list's `page/` folder, to its first page.
    Pages(List),
}

/// A list of papers: every paper (the front page's), or a paginated
/// group (an index into the `Site` field it names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum List {
    All,
    Theme(usize),
    Tag(usize),
    Month(usize),
    Facet(usize),
    Venue(usize),
}

/// A list's site path and its papers, in its order.
pub(super) fn list_of(site: &Site, list: List) -> (String, Cow<'_, [usize]>) {
    let (path, papers) = match list {
        List::All => return (String::new(), (0..site.papers.len()).collect()),
        List::Theme(t) => {
            let g = &site.themes[t];
            (theme_path(&g.def.id), &g.papers)
        }
        List::Tag(t) => {
            let g = &site.tags[t];
            (tag_path(&g.slug), &g.papers)
        }
        List::Month(m) => {
            let g = &site.months[m];
            (month_path(g.year, g.month), &g.papers)
        }
        List::Facet(f) => {
            let g = &site.facets[f];
            (facet_path(g), &g.papers)
        }
        List::Venue(v) => {
            let g = &site.venues[v];
            (venue_path(&g.slug), &g.papers)
        }
    };
    (path, Cow::Borrowed(papers))
}

/// Every paginated list of a site (all but [`List::All`]).
pub(super) fn lists(site: &Site) -> impl Iterator<Item = List> + '_ {
    (0..site.themes.len())
        .map(List::Theme)
        .chain((0..site.tags.len()).map(List::Tag))
        .chain((0..site.months.len()).map(List::Month))
        .chain((0..site.facets.len()).map(List::Facet))
        .chain((0..site.venues.len()).map(List::Venue))
}

/// The facet kinds some paper has a value of, in the order of
/// `Site::facets`.
pub(super) fn facet_kinds(site: &Site) -> Vec<&'static str> {
    let mut kinds: Vec<&'static str> = Vec::new();
    for f in &site.facets {
        if !kinds.contains(&f.kind) {
            kinds.push(f.kind);
        }
    }
    kinds
}

/// The papers the top view may show: every paper added within its
/// longest range of any metric. Their figures decide its order, so an
/// edit of any of them renders it again (which figures they hold, and so
/// the ranges, change only with the site's structure: `same_place`).
pub(super) fn top_candidates(site: &Site) -> Vec<usize> {
    let Some(from) = site.top.iter().map(|l| l.from).min() else {
        return Vec::new();
    };
    let to = site.top.iter().map(|l| l.to).max().unwrap_or(from);
    (0..site.papers.len())
        .filter(|&i| (from..=to).contains(&site.papers[i].entry.date))
        .collect()
}

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
        Job::Sitemap | Job::SitemapPart(_) | Job::DigestBib | Job::PapersJson => Stage::DigestWide,
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
        | Job::Search
        | Job::FacetIndex(_)
        | Job::Year(_)
        | Job::Venues
        | Job::Venue(..)
        | Job::Top
        | Job::Redirect(_)
        | Job::ListData(_) => Stage::Lists,
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
    jobs.extend((0..sitemap_parts(site)).map(Job::SitemapPart));
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
    jobs.extend(facet_kinds(site).into_iter().map(Job::FacetIndex));
    jobs.extend((0..site.years.len()).map(Job::Year));
    if !site.venues.is_empty() {
        jobs.push(Job::Venues);
    }
    for (v, venue) in site.venues.iter().enumerate() {
        jobs.extend((0..pages(venue.papers.len())).map(|p| Job::Venue(v, p)));
    }
    if !site.top.is_empty() {
        jobs.push(Job::Top);
    }
    if !site.papers.is_empty() {
        jobs.push(Job::Redirect(Redirect::Papers));
    }
    jobs.extend(
        lists(site)
            .filter(|&l| pages(list_of(site, l).1.len()) > 1)
            .map(|l| Job::Redirect(Redirect::Pages(l))),
    );
    jobs.extend(
        std::iter::once(List::All)
            .chain(lists(site))
            .map(Job::ListData),
    );
    jobs
}

/// The papers of page `page` of a list.
pub(super) fn page_of(list: &[usize], page: usize, size: usize) -> &[usize] {
    let start = (page * size).min(list.len());
    &list[start..(start + size).min(list.len())]
}

/// The site path of page `page` (from 0) of a list at `base`.
pub(super) fn paged_path(base: &str, page: usize) -> String {
    if page == 0 {
        base.to_string()
    } else {
        format!("{}{}/", pages_path(base), page + 1)
    }
}

/// The papers the front page shows: the featured ones and the newest.
pub(super) fn front_page(site: &Site) -> Vec<usize> {
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

/// The papers an edit that kept every paper in its place changed, by
/// what of them changed: [`shows`] tells the pages to render again.
#[derive(Debug, Default)]
pub(crate) struct Changed {
    /// What lists show of them ([`Depends::Summaries`]).
    pub(crate) summaries: HashSet<usize>,
    /// Anything their pages and feed items show ([`Depends::Details`]).
    pub(crate) details: HashSet<usize>,
    /// Their BibTeX entries or `papers.json` records
    /// ([`Depends::Records`]).
    pub(crate) records: HashSet<usize>,
}

/// Whether `job` shows something of a paper that `changed` says changed:
/// the pages an edit that kept every paper in its place must render again.
pub(crate) fn shows(site: &Site, job: Job, changed: &Changed) -> bool {
    match job {
        // Every paper's job: answered without making its path, which for
        // 20,000 jobs took a third of an edit's rebuild.
        Job::Paper(i) => {
            debug_assert_eq!(target(site, job).depends, Depends::Details(vec![i]));
            changed.details.contains(&i)
        }
        _ => match target(site, job).depends {
            Depends::Summaries(s) => s.iter().any(|i| changed.summaries.contains(i)),
            Depends::Details(s) => s.iter().any(|i| changed.details.contains(i)),
            Depends::Records(s) => s.iter().any(|i| changed.records.contains(i)),
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
                Depends::Records(slugs(&theme.papers)),
            )
        }
        Job::DigestBib => ("", "papers.bib".into(), Depends::Records(slugs(&all()))),
        Job::PapersJson => ("", "papers.json".into(), Depends::Records(slugs(&all()))),
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
        Job::Sitemap if sitemap_parts(site) > 0 => ("", "sitemap.xml".into(), Depends::Structure),
        Job::Sitemap => ("sitemap.xml", "sitemap.xml".into(), Depends::Structure),
        Job::SitemapPart(k) => ("sitemap.xml", sitemap_part_path(k), Depends::Structure),
        Job::Search => (
            "search.html",
            format!("{}index.html", crate::base::paths::SEARCH_PAGE),
            Depends::Structure,
        ),
        Job::FacetIndex(kind) => (
            "facets.html",
            format!("{}index.html", facet_index_path(kind)),
            Depends::Structure,
        ),
        Job::Year(y) => (
            "year.html",
            format!("{}index.html", year_path(site.years[y].year)),
            Depends::Structure,
        ),
        Job::Venues => (
            "venues.html",
            format!("{VENUES_PATH}index.html"),
            Depends::Structure,
        ),
        Job::Venue(v, p) => {
            let venue = &site.venues[v];
            (
                "venue.html",
                format!("{}index.html", paged_path(&venue_path(&venue.slug), p)),
                Depends::Summaries(slugs(page_of(&venue.papers, p, size))),
            )
        }
        Job::Top => (
            "top.html",
            format!("{TOP_PATH}index.html"),
            Depends::Details(top_candidates(site)),
        ),
        Job::Redirect(Redirect::Papers) => (
            "redirect.html",
            format!("{PAPERS_PATH}index.html"),
            Depends::Structure,
        ),
        Job::Redirect(Redirect::Pages(list)) => (
            "redirect.html",
            format!("{}index.html", pages_path(&list_of(site, list).0)),
            Depends::Structure,
        ),
        Job::ListData(list) => (
            "",
            super::lists::path(site, list),
            Depends::Summaries(list_of(site, list).1.into_owned()),
        ),
    };
    Target {
        template,
        path,
        depends,
    }
}
