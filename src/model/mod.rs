//! Stage two: the site model, a pure function of the loaded inputs.
//!
//! [`Site`] holds every published paper with its Markdown rendered once, and
//! the groupings the pages are made of: research themes, tags, archive
//! months and years, verdicts and statuses, venues, and the most popular
//! papers by their live figures. Checks that need the whole site (theme ids against the config,
//! links between entries) happen here.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use rayon::prelude::*;

use crate::base::error::{Diagnostic, Error, Result};
pub use crate::convert::derived::{Derived, DerivedConfig, DerivedSource};
use crate::input::config::{Config, ThemeDef};
use crate::input::content::{Entry, Status, Verdict};
use crate::input::inputs::Inputs;

/// A published paper: its entry, what was derived from the entry alone, and
/// where it sits in the site.
#[derive(Debug, Clone)]
pub struct Paper {
    pub entry: Arc<Entry>,
    pub derived: Arc<Derived>,
    /// Indices into [`Site::themes`].
    pub themes: Vec<usize>,
    /// Indices into [`Site::tags`].
    pub tags: Vec<usize>,
}

/// What earlier runs computed, handed to [`Site::build`] so it need not
/// compute it again. The model never names where it is kept: the on-disk
/// cache (`io::cache`, a layer above) implements this.
pub trait Earlier: Sync {
    /// The conversion of an entry with this source, made with the config
    /// the cache was opened with, if an earlier run saved it.
    fn derived(&self, source: &DerivedSource) -> Option<Arc<Derived>>;
    /// The related papers of `papers` papers computed from inputs with
    /// hash `key`, if the last run's were.
    fn related(&self, key: u128, papers: usize) -> Option<Vec<Vec<usize>>>;
}

/// A research theme and the papers in it (indices into [`Site::papers`],
/// newest first).
#[derive(Debug, Clone)]
pub struct ThemeGroup {
    pub(crate) def: ThemeDef,
    pub(crate) catch_all: bool,
    pub(crate) papers: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct TagGroup {
    /// As the first paper to use it spelt it.
    pub(crate) name: String,
    pub(crate) slug: String,
    pub(crate) papers: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct MonthGroup {
    pub(crate) year: i32,
    pub(crate) month: u8,
    pub(crate) papers: Vec<usize>,
}

/// A year of the archive: its months (indices into [`Site::months`],
/// newest first) and how many papers they hold.
#[derive(Debug, Clone)]
pub struct YearGroup {
    pub(crate) year: i32,
    pub(crate) months: Vec<usize>,
    pub(crate) count: usize,
}

/// Papers whose entries name the same venue (`journal_ref`, compared by
/// slug).
#[derive(Debug, Clone)]
pub struct VenueGroup {
    /// As the newest paper spells it.
    pub(crate) name: String,
    pub(crate) slug: String,
    pub(crate) papers: Vec<usize>,
}

/// A live figure an entry's `metrics` may hold that says how popular a
/// paper is (comments say how much it is discussed, so they rank nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Upvotes,
    Stars,
}

impl Metric {
    pub(crate) const ALL: [Metric; 2] = [Metric::Upvotes, Metric::Stars];

    /// As a field and a word: `upvotes`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Metric::Upvotes => "upvotes",
            Metric::Stars => "stars",
        }
    }

    /// The figure `entry` holds, if any.
    pub(crate) fn of(self, entry: &Entry) -> Option<u64> {
        let m = entry.metrics.as_ref()?;
        match self {
            Metric::Upvotes => m.upvotes,
            Metric::Stars => m.stars,
        }
    }
}

/// The papers with the highest figure of one [`Metric`] among those added
/// to the digest from `from` to `to` (both included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopList {
    pub(crate) metric: Metric,
    /// The length of the range: 7 (a week) or 30 (a month).
    pub(crate) days: i64,
    pub(crate) from: time::Date,
    pub(crate) to: time::Date,
    /// Papers (indices into [`Site::papers`]) with their figure, highest
    /// first; ties newest first.
    pub(crate) papers: Vec<(usize, u64)>,
}

/// How many papers a [`TopList`] shows.
pub(crate) const TOP_SIZE: usize = 20;

/// The ranges of the top view, in days, each ending on the day the
/// newest paper with the figure was added (see [`top`]).
pub(crate) const TOP_DAYS: [i64; 2] = [7, 30];

#[derive(Debug, Clone)]
pub struct Site {
    pub config: Config,
    /// Newest first; ties by title.
    pub papers: Vec<Paper>,
    /// The config's themes in order, then the catch-all.
    pub themes: Vec<ThemeGroup>,
    /// By slug.
    pub tags: Vec<TagGroup>,
    /// Newest first.
    pub months: Vec<MonthGroup>,
    /// The years of [`Site::months`], newest first.
    pub years: Vec<YearGroup>,
    /// By slug; only venues some entry names.
    pub venues: Vec<VenueGroup>,
    /// For each metric some entry holds, the metric most entries hold
    /// first: the week's list, then the month's. Empty when no entry has
    /// metrics.
    pub top: Vec<TopList>,
    /// Papers by the curator's verdict, then by status; only non-empty
    /// groups, in a fixed order.
    pub facets: Vec<Facet>,
    /// For each paper, its most similar papers (indices), best first.
    pub related: Vec<Vec<usize>>,
    pub warnings: Vec<Diagnostic>,
}

/// Papers that share a verdict or a reading status: the lists a reader
/// filters by ("everything the curator calls a must-read").
#[derive(Debug, Clone)]
pub struct Facet {
    /// `verdict` or `status`: the first part of the pages' path.
    pub(crate) kind: &'static str,
    /// As in front matter and URLs: `must-read`.
    pub(crate) value: &'static str,
    /// As shown: `must read`.
    pub(crate) label: &'static str,
    pub(crate) papers: Vec<usize>,
}

/// Options that change what is published.
#[derive(Debug, Clone, Copy, Default)]
pub struct ModelOptions {
    /// Publish drafts too (for previews).
    pub(crate) drafts: bool,
}

/// The slug an `@/` link target names (`papers/<slug>.md#anchor`).
fn link_slug(link: &str) -> Option<&str> {
    let path = link.split('#').next().unwrap_or_default();
    path.strip_prefix("papers/")?.strip_suffix(".md")
}

/// What decides where an entry sits in every list: the date and title
/// (the order), front-page and facet membership, the venue, which figures
/// it holds (the top view's range; their values only reorder it, see
/// `top`), and the BibTeX key inputs (first author, year, former keys,
/// which other papers' keys step around). Themes and tags are compared by
/// the caller. A session compares places ([`same_place`]); a cached build
/// hashes them (`build::once`), so the two cannot drift apart.
#[derive(PartialEq, Eq, Hash)]
pub(crate) struct Place<'a> {
    date: time::Date,
    title: &'a str,
    featured: bool,
    status: Option<crate::input::content::Status>,
    verdict: Option<crate::input::content::Verdict>,
    first_author: Option<&'a String>,
    published: Option<crate::input::content::PartialDate>,
    bibtex_ids: &'a [String],
    draft: bool,
    journal_ref: Option<&'a str>,
    figures: [bool; Metric::ALL.len()],
}

/// The place of `e` in every list (see [`Place`]).
pub(crate) fn place(e: &Entry) -> Place<'_> {
    Place {
        date: e.date,
        title: &e.title,
        featured: e.featured,
        status: e.status,
        verdict: e.verdict,
        first_author: e.authors.first(),
        published: e.published,
        bibtex_ids: &e.bibtex_ids,
        draft: e.draft,
        journal_ref: e.journal_ref.as_deref(),
        figures: Metric::ALL.map(|m| m.of(e).is_some()),
    }
}

/// Whether two versions of an entry sit in the same place in every list.
pub(crate) fn same_place(a: &Entry, b: &Entry) -> bool {
    place(a) == place(b)
}

/// Related papers, reused from the previous build when no title or
/// abstract changed (editing notes, the common case, changes neither).
fn related_papers(
    papers: &[Paper],
    previous: Option<&Site>,
    earlier: Option<&dyn Earlier>,
) -> Vec<Vec<usize>> {
    if let Some(prev) = previous {
        let same = prev.papers.len() == papers.len()
            && prev.papers.iter().zip(papers).all(|(a, b)| {
                // Shared themes break ties, so they count too.
                a.entry.slug == b.entry.slug
                    && a.themes == b.themes
                    && (Arc::ptr_eq(&a.derived, &b.derived)
                        || (a.entry.title == b.entry.title
                            && a.derived.abstract_text == b.derived.abstract_text))
            });
        if same {
            return prev.related.clone();
        }
    }
    let docs = related_docs(papers);
    let cached =
        earlier.and_then(|c| c.related(crate::convert::related::input_key(&docs), papers.len()));
    if let Some(found) = cached {
        return found;
    }
    crate::convert::related::related(&docs)
}

/// What the related-papers computation reads of each paper.
fn related_docs(papers: &[Paper]) -> Vec<crate::convert::related::Doc<'_>> {
    papers
        .iter()
        .map(|p| crate::convert::related::Doc {
            terms: &p.derived.terms,
            themes: &p.themes,
        })
        .collect()
}

fn facets(papers: &[Paper]) -> Vec<Facet> {
    let group = |kind, value, label, pick: &dyn Fn(&Entry) -> bool| Facet {
        kind,
        value,
        label,
        papers: (0..papers.len())
            .filter(|&i| pick(&papers[i].entry))
            .collect(),
    };
    let verdicts = Verdict::ALL.into_iter().map(|v| {
        group("verdict", v.slug(), v.label(), &move |e: &Entry| {
            e.verdict == Some(v)
        })
    });
    let statuses = Status::ALL.into_iter().map(|s| {
        group("status", s.slug(), s.label(), &move |e: &Entry| {
            e.status == Some(s)
        })
    });
    verdicts
        .chain(statuses)
        .filter(|f| !f.papers.is_empty())
        .collect()
}

/// The years of `months` (newest first), newest first.
fn years(months: &[MonthGroup]) -> Vec<YearGroup> {
    let mut years: Vec<YearGroup> = Vec::new();
    for (m, month) in months.iter().enumerate() {
        match years.last_mut() {
            Some(y) if y.year == month.year => {
                y.months.push(m);
                y.count += month.papers.len();
            }
            _ => years.push(YearGroup {
                year: month.year,
                months: vec![m],
                count: month.papers.len(),
            }),
        }
    }
    years
}

/// Longest venue slug: a `journal_ref` can be a whole citation.
const MAX_VENUE_SLUG: usize = 60;

/// The URL segment of a venue: ASCII, hyphenated, cut at a word boundary;
/// empty when the name has no letters or digits (such a venue gets no
/// page).
pub(crate) fn venue_slug(name: &str) -> String {
    crate::input::content::cut_slug(&slug::slugify(name), MAX_VENUE_SLUG)
}

/// Papers by venue, by slug; a venue is named as its newest paper spells
/// it.
fn venues(papers: &[Paper]) -> Vec<VenueGroup> {
    let mut groups: BTreeMap<String, VenueGroup> = BTreeMap::new();
    for (i, p) in papers.iter().enumerate() {
        let Some(name) = p.entry.journal_ref.as_deref().map(str::trim) else {
            continue;
        };
        let slug = venue_slug(name);
        if slug.is_empty() {
            continue;
        }
        groups
            .entry(slug)
            .or_insert_with_key(|slug| VenueGroup {
                name: name.to_string(),
                slug: slug.clone(),
                papers: Vec::new(),
            })
            .papers
            .push(i);
    }
    groups.into_values().collect()
}

/// The top view. A static page cannot know the day it is read, and the
/// build's own day would make two builds of the same entries differ, so
/// each range ends on the day the newest paper holding the figure was
/// added: the lists are the most popular of the digest's last week and
/// month of papers, and the page names the days.
fn top(papers: &[Paper]) -> Vec<TopList> {
    let mut metrics: Vec<(Metric, usize)> = Metric::ALL
        .into_iter()
        .map(|m| {
            (
                m,
                papers.iter().filter(|p| m.of(&p.entry).is_some()).count(),
            )
        })
        .filter(|&(_, n)| n > 0)
        .collect();
    // Stable: upvotes before stars when as many entries hold each.
    metrics.sort_by_key(|&(_, n)| std::cmp::Reverse(n));
    let mut lists = Vec::new();
    for (metric, _) in metrics {
        let Some(to) = papers
            .iter()
            .filter(|p| metric.of(&p.entry).is_some())
            .map(|p| p.entry.date)
            .max()
        else {
            continue;
        };
        for days in TOP_DAYS {
            let from = to
                .checked_sub(time::Duration::days(days - 1))
                .unwrap_or(time::Date::MIN);
            let mut shown: Vec<(usize, u64)> = papers
                .iter()
                .enumerate()
                .filter(|(_, p)| (from..=to).contains(&p.entry.date))
                .filter_map(|(i, p)| metric.of(&p.entry).map(|n| (i, n)))
                .collect();
            // Papers are newest first: a tie keeps that order.
            shown.sort_by_key(|&(i, n)| (std::cmp::Reverse(n), i));
            shown.truncate(TOP_SIZE);
            lists.push(TopList {
                metric,
                days,
                from,
                to,
                papers: shown,
            });
        }
    }
    lists
}

impl Site {
    /// Frees the HTML and the term counts of `papers`, for a one-off build
    /// whose pages showing them have rendered (see
    /// [`crate::produce::render::Stage`]). A paper whose conversion is
    /// shared (the cache being saved holds it until its shard is written)
    /// keeps them: those are returned, to be tried again later. Term
    /// counts served only the related papers, found by now. At 100,000
    /// papers this is 450 MB, which the summaries made next reuse.
    pub(crate) fn forget_html(&mut self, papers: impl IntoIterator<Item = usize>) -> Vec<usize> {
        let mut shared = Vec::new();
        for i in papers {
            let Some(p) = self.papers.get_mut(i) else {
                continue;
            };
            match Arc::get_mut(&mut p.derived) {
                Some(d) => {
                    d.abstract_html = String::new();
                    d.notes_html = String::new();
                    d.terms = Default::default();
                }
                None => shared.push(i),
            }
        }
        shared
    }

    /// Builds the model. `previous` is the model of an earlier build of the
    /// same site: entries whose Markdown did not change reuse its HTML, so a
    /// rebuild after one edit converts one entry, not all of them.
    ///
    /// `earlier` holds conversions from earlier runs (the on-disk cache);
    /// entries found there are not converted again either.
    pub fn build(
        inputs: &Inputs,
        options: ModelOptions,
        previous: Option<&Site>,
        earlier: Option<&dyn Earlier>,
    ) -> Result<Site> {
        // An entry that did not change is the same allocation as before
        // after an incremental reload, and an equal value after a full one
        // (a template edit reads every file again): its derived data is
        // reused either way.
        let cached: HashMap<&str, &Paper> = previous
            .map(|site| {
                site.papers
                    .iter()
                    .map(|p| (p.entry.slug.as_str(), p))
                    .collect()
            })
            .unwrap_or_default();
        let derived_config = DerivedConfig::from(&inputs.config);
        let derive = |i: usize| {
            let e = &inputs.entries[i];
            match cached.get(e.slug.as_str()) {
                // The same entry, or one read again with the same text
                // (a template or config-free rebuild reloads every file).
                Some(p) if Arc::ptr_eq(&p.entry, e) || p.entry == *e => p.derived.clone(),
                _ => {
                    let source = DerivedSource::from(&**e);
                    earlier
                        .and_then(|c| c.derived(&source))
                        .unwrap_or_else(|| Arc::new(Derived::new(&source, &derived_config)))
                }
            }
        };
        Site::assemble(inputs, options, previous, earlier, &derive)
    }

    /// [`Site::build`] for a one-off build: each entry's Markdown
    /// (`abstract_md`, `notes_md`) is dropped from `inputs` as soon as the
    /// entry is converted (or its conversion found in `earlier`), since
    /// nothing after the conversion reads it (the lints that do, and the
    /// cache's keys, are made before). At 100,000 papers that is some
    /// 250 MB less at the build's peak, which is the end of the model.
    pub(crate) fn build_forgetting_markdown(
        inputs: &mut Inputs,
        options: ModelOptions,
        earlier: Option<&dyn Earlier>,
    ) -> Result<Site> {
        let derived_config = DerivedConfig::from(&inputs.config);
        // In the files' order: the model's order needs every entry.
        let derived: Vec<Option<Arc<Derived>>> = inputs
            .entries
            .par_iter_mut()
            .with_max_len(32) // Small pieces (see ARCHITECTURE.md, "Parallel loops").
            .map(|e| {
                if e.draft && !options.drafts {
                    return None;
                }
                let source = DerivedSource::from(&**e);
                let d = earlier
                    .and_then(|c| c.derived(&source))
                    .unwrap_or_else(|| Arc::new(Derived::new(&source, &derived_config)));
                // Shared entries (none in a one-off build) keep theirs.
                if let Some(e) = Arc::get_mut(e) {
                    e.abstract_md = String::new();
                    e.notes_md = String::new();
                }
                Some(d)
            })
            .collect();
        let derive = |i: usize| {
            derived[i]
                .clone()
                .expect("every published entry was converted above")
        };
        Site::assemble(inputs, options, None, earlier, &derive)
    }

    /// The model from the inputs, given each published entry's conversion
    /// by its index in `inputs.entries`.
    fn assemble(
        inputs: &Inputs,
        options: ModelOptions,
        previous: Option<&Site>,
        earlier: Option<&dyn Earlier>,
        derive: &(dyn Fn(usize) -> Arc<Derived> + Sync),
    ) -> Result<Site> {
        let config = &inputs.config;
        let mut diagnostics = inputs.diagnostics.clone();
        let mut order: Vec<usize> = (0..inputs.entries.len())
            .filter(|&i| options.drafts || !inputs.entries[i].draft)
            .collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (&inputs.entries[a], &inputs.entries[b]);
            b.date.cmp(&a.date).then_with(|| a.title.cmp(&b.title))
        });
        let entries: Vec<&Arc<Entry>> = order.iter().map(|&i| &inputs.entries[i]).collect();

        // Theme ids named in front matter must exist.
        for entry in &entries {
            for id in entry.themes.iter().flatten() {
                if !config.has_theme(id) {
                    let known: Vec<&str> = config.themes.iter().map(|t| t.id.as_str()).collect();
                    diagnostics.push(Diagnostic::error(
                        &entry.source,
                        Some(entry.line_of("themes")),
                        format!(
                            "unknown theme `{id}`; the themes in site-config.yaml are: {}, {}",
                            known.join(", "),
                            config.catch_all.id
                        ),
                    ));
                }
            }
        }

        let derived: Vec<Arc<Derived>> = order
            .par_iter()
            .with_max_len(32) // Small pieces (see ARCHITECTURE.md, "Parallel loops").
            .map(|&i| derive(i))
            .collect();

        // Links between entries must point at a published entry.
        let slugs: HashSet<&str> = entries.iter().map(|e| e.slug.as_str()).collect();
        for (entry, d) in entries.iter().zip(&derived) {
            let links = d
                .abstract_links
                .iter()
                .map(|l| (l, entry.line_of("abstract")))
                .chain(d.notes_links.iter().map(|l| (l, entry.notes_line)));
            for (link, line) in links {
                let ok = link_slug(link).is_some_and(|slug| slugs.contains(slug));
                if !ok {
                    diagnostics.push(Diagnostic::error(
                        &entry.source,
                        Some(line),
                        format!("broken link `@/{link}`: link to another paper as `@/papers/<slug>.md`, and the paper must exist and be published"),
                    ));
                }
            }
        }

        if diagnostics.iter().any(Diagnostic::is_error) {
            return Err(Error::Invalid(diagnostics));
        }

        let mut themes: Vec<ThemeGroup> = config
            .themes
            .iter()
            .map(|def| ThemeGroup {
                def: def.clone(),
                catch_all: false,
                papers: Vec::new(),
            })
            .chain(std::iter::once(ThemeGroup {
                def: config.catch_all.clone(),
                catch_all: true,
                papers: Vec::new(),
            }))
            .collect();
        let theme_index: HashMap<String, usize> = themes
            .iter()
            .enumerate()
            .map(|(i, t)| (t.def.id.clone(), i))
            .collect();
        let catch_all = themes.len() - 1;

        let mut tag_groups: BTreeMap<&str, TagGroup> = BTreeMap::new();
        let mut months: BTreeMap<(i32, u8), Vec<usize>> = BTreeMap::new();
        let mut paper_themes = Vec::with_capacity(entries.len());
        for (i, (entry, d)) in entries.iter().zip(&derived).enumerate() {
            let mut ts: Vec<usize> = d
                .theme_ids
                .iter()
                .filter_map(|id| theme_index.get(id).copied())
                .collect();
            ts.dedup();
            if ts.is_empty() {
                ts.push(catch_all);
            }
            for &t in &ts {
                themes[t].papers.push(i);
            }
            paper_themes.push(ts);
            for (slug, name) in &d.tags {
                tag_groups
                    .entry(slug.as_str())
                    .or_insert_with(|| TagGroup {
                        name: name.clone(),
                        slug: slug.clone(),
                        papers: Vec::new(),
                    })
                    .papers
                    .push(i);
            }
            months
                .entry((entry.date.year(), entry.date.month() as u8))
                .or_default()
                .push(i);
        }
        let tags: Vec<TagGroup> = tag_groups.into_values().collect();
        let tag_index: HashMap<&str, usize> = tags
            .iter()
            .enumerate()
            .map(|(i, t)| (t.slug.as_str(), i))
            .collect();
        let papers: Vec<Paper> = entries
            .iter()
            .zip(derived)
            .zip(paper_themes)
            .map(|((entry, derived), themes)| Paper {
                entry: Arc::clone(entry),
                tags: derived
                    .tags
                    .iter()
                    .filter_map(|(slug, _)| tag_index.get(slug.as_str()).copied())
                    .collect(),
                derived,
                themes,
            })
            .collect();
        let months: Vec<MonthGroup> = months
            .into_iter()
            .rev()
            .map(|((year, month), papers)| MonthGroup {
                year,
                month,
                papers,
            })
            .collect();

        let facets = facets(&papers);
        let years = years(&months);
        let venues = venues(&papers);
        let top = top(&papers);
        let related = related_papers(&papers, previous, earlier);
        Ok(Site {
            config: config.clone(),
            facets,
            years,
            venues,
            top,
            related,
            papers,
            themes,
            tags,
            months,
            warnings: diagnostics,
        })
    }

    /// Identifies the inputs of [`Site::related`], for the cache.
    pub(crate) fn related_key(&self) -> u128 {
        crate::convert::related::input_key(&related_docs(&self.papers))
    }

    /// The model after edits that keep every paper in its place, made
    /// from this one without regrouping 10,000 papers: only the edited
    /// entries are converted, and the groupings are copied. `None` when an
    /// edit may move a paper or there is an error to report; the caller
    /// then builds the model anew with [`Site::build`], which gives the
    /// same model when this one is `Some` (`tests/incremental.rs`).
    pub(crate) fn with_edits(
        &self,
        inputs: &Inputs,
        edited: &[Arc<Entry>],
        options: ModelOptions,
    ) -> Option<Site> {
        if inputs.diagnostics.iter().any(Diagnostic::is_error) {
            return None;
        }
        let mut papers = self.papers.clone();
        for entry in edited {
            let i = self
                .papers
                .iter()
                .position(|p| p.entry.slug == entry.slug)?;
            let old = &self.papers[i];
            if entry.draft && !options.drafts {
                return None;
            }
            let derived = Derived::new(
                &DerivedSource::from(&**entry),
                &DerivedConfig::from(&self.config),
            );
            let links = derived.abstract_links.iter().chain(&derived.notes_links);
            let links_resolve = links.into_iter().all(|link| self.links_to_a_paper(link));
            if !same_place(&old.entry, entry)
                || old.derived.theme_ids != derived.theme_ids
                || old.derived.tags != derived.tags
                || !links_resolve
            {
                return None;
            }
            papers[i] = Paper {
                entry: Arc::clone(entry),
                derived: Arc::new(derived),
                themes: old.themes.clone(),
                tags: old.tags.clone(),
            };
        }
        let related = related_papers(&papers, Some(self), None);
        // Figures may have changed: the ranges stay (`same_place`), the
        // order may not.
        let top = top(&papers);
        Some(Site {
            years: self.years.clone(),
            venues: self.venues.clone(),
            top,
            config: self.config.clone(),
            papers,
            themes: self.themes.clone(),
            tags: self.tags.clone(),
            months: self.months.clone(),
            facets: self.facets.clone(),
            related,
            warnings: inputs.diagnostics.clone(),
        })
    }

    /// Whether an `@/` link target is a published paper.
    fn links_to_a_paper(&self, link: &str) -> bool {
        link_slug(link).is_some_and(|slug| self.papers.iter().any(|p| p.entry.slug == slug))
    }

    /// The papers in the catch-all theme.
    pub(crate) fn unsorted(&self) -> &[usize] {
        self.themes
            .last()
            .map(|t| t.papers.as_slice())
            .unwrap_or_default()
    }
}
