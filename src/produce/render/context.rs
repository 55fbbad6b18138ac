//! The data templates see. The README documents every field here;
//! keep the two in step.
//!
//! Summaries of papers are converted to template values once per build and
//! shared (tera values are reference-counted), so a list page costs a few
//! pointer copies per paper, not a re-serialization.

use serde::Serialize;
use tera::Value;
use time::format_description::well_known::{Rfc2822, Rfc3339};
use time::{Date, OffsetDateTime};

use crate::base::display::{authors_short, display_date};
use crate::base::paths::{month_path, paper_path, tag_path, theme_path};
use crate::base::urls::Urls;
use crate::convert::markdown::excerpt;
use crate::model::{Paper, Site};

#[derive(Serialize)]
pub(crate) struct SiteCtx<'a> {
    pub(crate) title: &'a str,
    pub(crate) description: &'a str,
    pub(crate) author: &'a str,
    pub(crate) language: &'a str,
    pub(crate) base_url: &'a str,
    pub(crate) base_path: &'a str,
    pub(crate) home: String,
    pub(crate) atom_url: String,
    pub(crate) rss_url: String,
    /// BibTeX of every paper, and the digest as JSON.
    pub(crate) bib_url: String,
    pub(crate) json_url: String,
    /// The search page; empty when search is off.
    pub(crate) search_url: String,
    /// The most popular papers; empty when no entry has figures.
    pub(crate) top_url: String,
    pub(crate) extra: &'a serde_yaml::Mapping,
    pub(crate) generator: String,
}

impl<'a> SiteCtx<'a> {
    pub(crate) fn new(site: &'a Site) -> Self {
        let c = &site.config;
        SiteCtx {
            title: &c.title,
            description: &c.description,
            author: &c.author,
            language: &c.language,
            base_url: c.urls.base_url(),
            base_path: c.urls.base_path(),
            home: c.urls.path(""),
            atom_url: c.urls.path("atom.xml"),
            rss_url: c.urls.path("rss.xml"),
            bib_url: c.urls.path("papers.bib"),
            json_url: c.urls.path("papers.json"),
            search_url: if c.search {
                c.urls.path(crate::base::paths::SEARCH_PAGE)
            } else {
                String::new()
            },
            top_url: if site.top.is_empty() {
                String::new()
            } else {
                c.urls.path(crate::base::paths::TOP_PATH)
            },
            extra: &c.extra,
            generator: format!("sheaf {}", env!("CARGO_PKG_VERSION")),
        }
    }
}

#[derive(Serialize)]
pub(crate) struct NavItem {
    pub(crate) title: &'static str,
    pub(crate) url: String,
    pub(crate) current: bool,
}

/// The main navigation, with the section of `kind` marked current.
pub(crate) fn nav(urls: &Urls, kind: &str) -> Vec<NavItem> {
    [
        ("Home", "", &["index"][..]),
        ("Themes", "themes/", &["themes", "theme"][..]),
        ("Tags", "tags/", &["tags", "tag"][..]),
        ("Archive", "archive/", &["archive", "year", "month"][..]),
    ]
    .into_iter()
    .map(|(title, path, kinds)| NavItem {
        title,
        url: urls.path(path),
        current: kinds.contains(&kind),
    })
    .collect()
}

#[derive(Serialize)]
pub(crate) struct PageCtx {
    pub(crate) title: String,
    pub(crate) description: String,
    pub(crate) url: String,
    pub(crate) permalink: String,
    pub(crate) kind: &'static str,
}

#[derive(Serialize)]
pub(crate) struct ThemeLink {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) url: String,
}

#[derive(Serialize)]
pub(crate) struct TagLink {
    pub(crate) name: String,
    pub(crate) url: String,
}

#[derive(Serialize)]
pub(crate) struct ThemeCtx<'a> {
    pub(crate) id: &'a str,
    pub(crate) title: &'a str,
    pub(crate) description: &'a str,
    pub(crate) url: String,
    pub(crate) feed_url: String,
    pub(crate) bib_url: String,
    pub(crate) count: usize,
    pub(crate) catch_all: bool,
}

pub(crate) fn theme_ctx(site: &Site, index: usize) -> ThemeCtx<'_> {
    let t = &site.themes[index];
    let urls = &site.config.urls;
    ThemeCtx {
        id: &t.def.id,
        title: &t.def.title,
        description: &t.def.description,
        url: urls.path(&theme_path(&t.def.id)),
        feed_url: urls.path(&format!("{}atom.xml", theme_path(&t.def.id))),
        bib_url: urls.path(&format!("{}papers.bib", theme_path(&t.def.id))),
        count: t.papers.len(),
        catch_all: t.catch_all,
    }
}

#[derive(Serialize)]
pub(crate) struct TagCtx<'a> {
    pub(crate) name: &'a str,
    pub(crate) url: String,
    pub(crate) count: usize,
}

pub(crate) fn tag_ctx(site: &Site, index: usize) -> TagCtx<'_> {
    let t = &site.tags[index];
    TagCtx {
        name: &t.name,
        url: site.config.urls.path(&tag_path(&t.slug)),
        count: t.papers.len(),
    }
}

#[derive(Serialize)]
pub(crate) struct MonthCtx {
    pub(crate) key: String,
    pub(crate) title: String,
    pub(crate) url: String,
    pub(crate) count: usize,
}

pub(crate) fn month_ctx(site: &Site, index: usize) -> MonthCtx {
    let m = &site.months[index];
    let name = time::Month::try_from(m.month)
        .map(|m| m.to_string())
        .unwrap_or_default();
    MonthCtx {
        key: format!("{:04}-{:02}", m.year, m.month),
        title: format!("{name} {}", m.year),
        url: site.config.urls.path(&month_path(m.year, m.month)),
        count: m.papers.len(),
    }
}

#[derive(Serialize)]
pub(crate) struct FacetCtx {
    /// `verdict` or `status`.
    pub(crate) kind: &'static str,
    pub(crate) value: &'static str,
    pub(crate) label: &'static str,
    pub(crate) url: String,
    pub(crate) count: usize,
}

pub(crate) fn facet_ctx(site: &Site, index: usize) -> FacetCtx {
    let f = &site.facets[index];
    FacetCtx {
        kind: f.kind,
        value: f.value,
        label: f.label,
        url: site.config.urls.path(&facet_path(f)),
        count: f.papers.len(),
    }
}

pub(crate) fn facet_path(f: &crate::model::Facet) -> String {
    crate::base::paths::facet_path(f.kind, f.value)
}

/// Words of the abstract a card carries: about two lines, enough to tell
/// what a paper is about; the paper's page has the rest. Each word costs
/// about 7 bytes on every card of the paper (on the theme pages, 1 MB per
/// word at 100,000 papers).
pub(super) const EXCERPT_WORDS: usize = 25;

/// Everything a list shows about a paper.
#[derive(Serialize)]
pub(crate) struct Summary<'a> {
    pub(crate) slug: &'a str,
    pub(crate) title: &'a str,
    pub(crate) url: String,
    pub(crate) permalink: String,
    /// The day the paper entered the digest (`date` in front matter).
    pub(crate) date: String,
    pub(crate) date_display: String,
    /// The paper's own date, as far as the entry knows it: its year
    /// (`2016`), empty when unknown; and its venue (`journal_ref`).
    pub(crate) published_year: String,
    /// The paper's own date as precise as the entry holds it (`2016`,
    /// `2016-07`, `2016-07-15`), empty when unknown.
    pub(crate) published: String,
    pub(crate) venue: &'a str,
    pub(crate) authors: &'a [String],
    pub(crate) authors_short: String,
    pub(crate) arxiv: &'a str,
    pub(crate) link: String,
    pub(crate) pdf: String,
    pub(crate) code: &'a str,
    /// The project page (`project`), or empty.
    pub(crate) project: &'a str,
    /// Live numbers, only with the day they were read: `stars` and
    /// `upvotes` are `none` when unknown or when the entry has no
    /// `metrics.as_of`; `metrics_as_of` is `2025-05-07`,
    /// `metrics_as_of_display` `7 May 2025`, both empty without metrics.
    pub(crate) stars: Option<u64>,
    pub(crate) upvotes: Option<u64>,
    pub(crate) metrics_as_of: String,
    pub(crate) metrics_as_of_display: String,
    pub(crate) themes: Vec<ThemeLink>,
    pub(crate) tags: Vec<TagLink>,
    pub(crate) featured: bool,
    pub(crate) status: &'static str,
    pub(crate) verdict: &'static str,
    /// The list of papers with the same status or verdict.
    pub(crate) status_url: String,
    pub(crate) verdict_url: String,
    pub(crate) excerpt: String,
    /// The BibTeX key.
    pub(crate) cite_key: &'a str,
    /// An OpenURL context object for a COinS span (Zotero).
    pub(crate) coins: String,
    /// The day sheaf saw a newer version or a changed abstract, else empty.
    pub(crate) revised: String,
    pub(crate) revised_display: String,
}

/// Everything the paper's own page and the feeds show: its summary and
/// more, in one map.
#[derive(Serialize)]
pub(crate) struct Detail<'a> {
    #[serde(flatten)]
    pub(crate) summary: Summary<'a>,
    #[serde(flatten)]
    pub(crate) more: DetailMore<'a>,
}

/// What only the paper's own page and the feeds show.
#[derive(Serialize)]
pub(super) struct DetailMore<'a> {
    pub abstract_html: &'a str,
    pub notes_html: &'a str,
    pub search_url: String,
    /// The paper's BibTeX entry (shown on its page; there is no file of
    /// it alone: see README, "Output size").
    pub bibtex: String,
    /// schema.org JSON-LD, safe to print inside a script element.
    pub(crate) json_ld: String,
    /// `YYYY/MM/DD`, `YYYY/MM` or `YYYY`, as Google Scholar reads
    /// `citation_publication_date`: only what the entry holds; empty when
    /// the paper's own date is unknown (the day it was added is not its
    /// publication date).
    pub(crate) citation_date: String,
    /// The most similar papers, best first.
    pub(crate) related: Vec<RelatedCtx<'a>>,
    pub(crate) extra: &'a std::collections::BTreeMap<String, serde_yaml::Value>,
    /// What the paper's source says beyond the summary.
    pub(crate) source: SourceCtx<'a>,
    /// RFC 3339, for Atom: the day sheaf last saw the paper revised, else
    /// the day it entered the digest.
    pub(crate) updated: String,
    /// RFC 2822, for RSS.
    pub(crate) date_rfc2822: String,
}

#[derive(Serialize)]
pub(crate) struct RelatedCtx<'a> {
    pub(crate) title: &'a str,
    pub(crate) url: String,
    pub(crate) date: String,
    pub(crate) date_display: String,
}

#[derive(Serialize)]
pub(crate) struct SourceCtx<'a> {
    pub(crate) arxiv_version: Option<u32>,
    pub(crate) doi: &'a str,
    /// `https://doi.org/…` for the DOI (or arXiv's own DOI), else empty.
    pub(crate) doi_url: String,
    pub(crate) project: &'a str,
    pub(crate) published: String,
    pub(crate) published_display: String,
    pub(crate) updated_display: String,
    pub(crate) categories: &'a [String],
    pub(crate) journal_ref: &'a str,
    pub(crate) keywords: &'a [String],
    pub(crate) upvotes: Option<u64>,
    pub(crate) stars: Option<u64>,
    /// When the live numbers were read (`7 May 2025`), empty without them.
    pub(crate) metrics_as_of: String,
}

fn source_ctx(e: &crate::input::content::Entry) -> SourceCtx<'_> {
    let show = |d: Option<time::Date>| d.map(display_date).unwrap_or_default();
    let doi = e.doi.as_deref().unwrap_or("");
    let doi_url = match (doi, &e.arxiv) {
        ("", Some(id)) => format!("https://doi.org/10.48550/arXiv.{id}"),
        ("", None) => String::new(),
        (doi, _) => format!("https://doi.org/{doi}"),
    };
    SourceCtx {
        arxiv_version: e.arxiv_version,
        doi,
        doi_url,
        project: e.project.as_deref().unwrap_or(""),
        // `2020`, `2020-07` or a full date, as the entry holds it.
        published: e.published.map(|d| d.to_string()).unwrap_or_default(),
        published_display: e.published.map(|d| d.display()).unwrap_or_default(),
        updated_display: show(e.updated),
        categories: &e.categories,
        journal_ref: e.journal_ref.as_deref().unwrap_or(""),
        keywords: &e.keywords,
        upvotes: e.metrics.as_ref().and_then(|m| m.upvotes),
        stars: e.metrics.as_ref().and_then(|m| m.stars),
        metrics_as_of: e
            .metrics
            .as_ref()
            .and_then(|m| crate::input::content::parse_date(&m.as_of))
            .map(display_date)
            .unwrap_or_default(),
    }
}

pub(crate) fn summary<'a>(site: &'a Site, paper: &'a Paper, key: &'a str) -> Summary<'a> {
    Summary {
        themes: paper.themes.iter().map(|&t| theme_link(site, t)).collect(),
        tags: paper.tags.iter().map(|&t| tag_link(site, t)).collect(),
        ..summary_without_links(site, paper, key)
    }
}

fn theme_link(site: &Site, theme: usize) -> ThemeLink {
    let g = &site.themes[theme];
    ThemeLink {
        id: g.def.id.clone(),
        title: g.def.title.clone(),
        url: site.config.urls.path(&theme_path(&g.def.id)),
    }
}

fn tag_link(site: &Site, tag: usize) -> TagLink {
    let t = &site.tags[tag];
    TagLink {
        name: t.name.clone(),
        url: site.config.urls.path(&tag_path(&t.slug)),
    }
}

/// The template values of every theme's and tag's link, made once: the
/// summaries of a site's papers hold clones of them, which share one
/// copy (a summary is kept for every paper while a site renders).
#[derive(Clone, Default)]
pub(crate) struct LinkValues {
    themes: Vec<Value>,
    tags: Vec<Value>,
}

impl LinkValues {
    pub(crate) fn new(site: &Site) -> LinkValues {
        LinkValues {
            themes: (0..site.themes.len())
                .map(|t| value(&theme_link(site, t)))
                .collect(),
            tags: (0..site.tags.len())
                .map(|t| value(&tag_link(site, t)))
                .collect(),
        }
    }
}

/// [`summary`] as a template value, sharing the theme and tag links of
/// `links`.
pub(crate) fn summary_value(site: &Site, paper: &Paper, key: &str, links: &LinkValues) -> Value {
    let fields = summary_fields(site, paper, key, links);
    map_value(fields.len(), fields.iter().map(|(k, v)| (*k, v)))
}

/// [`summary_value`]'s fields, in [`Summary`]'s order, for those that
/// keep them without a map or add to them (see [`fields`]).
pub(crate) fn summary_fields(
    site: &Site,
    paper: &Paper,
    key: &str,
    links: &LinkValues,
) -> Vec<(&'static str, Value)> {
    let shared = |values: &[Value], indices: &[usize]| {
        Value::from(
            indices
                .iter()
                .filter_map(|&i| values.get(i).cloned())
                .collect::<Vec<Value>>(),
        )
    };
    let mut fields = fields(&summary_without_links(site, paper, key));
    for (k, v) in &mut fields {
        match *k {
            "themes" => *v = shared(&links.themes, &paper.themes),
            "tags" => *v = shared(&links.tags, &paper.tags),
            _ => {}
        }
    }
    fields
}

fn summary_without_links<'a>(site: &'a Site, paper: &'a Paper, key: &'a str) -> Summary<'a> {
    let e = &paper.entry;
    let urls = &site.config.urls;
    let path = paper_path(&e.slug);
    let arxiv = e.arxiv.as_deref().unwrap_or("");
    let link = match (&e.url, arxiv) {
        (Some(u), _) => u.clone(),
        (None, "") => String::new(),
        (None, id) => format!("https://arxiv.org/abs/{id}"),
    };
    let authors_short = authors_short(&e.authors);
    // Numbers are shown only with the day they were read.
    let as_of = e
        .metrics
        .as_ref()
        .and_then(|m| crate::input::content::parse_date(&m.as_of).map(|d| (m, d)));
    Summary {
        slug: &e.slug,
        title: &e.title,
        url: urls.path(&path),
        permalink: urls.permalink(&path),
        date: e.date.to_string(),
        date_display: display_date(e.date),
        published_year: e
            .published
            .map(|d| d.year().to_string())
            .unwrap_or_default(),
        published: e.published.map(|d| d.to_string()).unwrap_or_default(),
        venue: e.journal_ref.as_deref().unwrap_or(""),
        authors: &e.authors,
        authors_short,
        arxiv,
        link,
        pdf: if arxiv.is_empty() {
            String::new()
        } else {
            format!("https://arxiv.org/pdf/{arxiv}")
        },
        code: e.code.as_deref().unwrap_or(""),
        project: e.project.as_deref().unwrap_or(""),
        stars: as_of.and_then(|(m, _)| m.stars),
        upvotes: as_of.and_then(|(m, _)| m.upvotes),
        metrics_as_of: as_of.map(|(_, d)| d.to_string()).unwrap_or_default(),
        metrics_as_of_display: as_of.map(|(_, d)| display_date(d)).unwrap_or_default(),
        // Filled by `summary` or, shared, by `summary_value`.
        themes: Vec::new(),
        tags: Vec::new(),
        featured: e.featured,
        status: e.status.map(|s| s.label()).unwrap_or(""),
        verdict: e.verdict.map(|v| v.label()).unwrap_or(""),
        status_url: e
            .status
            .map(|s| urls.path(&format!("status/{}/", s.slug())))
            .unwrap_or_default(),
        verdict_url: e
            .verdict
            .map(|v| urls.path(&format!("verdict/{}/", v.slug())))
            .unwrap_or_default(),
        excerpt: excerpt(&paper.derived.abstract_text, EXCERPT_WORDS),
        cite_key: key,
        coins: super::cite::coins(paper),
        revised: e.revised.map(|d| d.to_string()).unwrap_or_default(),
        revised_display: e.revised.map(display_date).unwrap_or_default(),
    }
}

/// The details of paper `index`.
pub(crate) fn detail<'a>(site: &'a Site, index: usize, key: &'a str) -> Detail<'a> {
    let paper = &site.papers[index];
    Detail {
        summary: summary(site, paper, key),
        more: detail_more(site, index, super::cite::bibtex(paper, key)),
    }
}

/// What [`detail`] adds to the summary of paper `index`, given its BibTeX
/// entry.
pub(crate) fn detail_more(site: &Site, index: usize, bibtex: String) -> DetailMore<'_> {
    let paper = &site.papers[index];
    let e = &paper.entry;
    DetailMore {
        bibtex,
        json_ld: super::cite::json_ld(site, paper),
        related: site
            .related
            .get(index)
            .map(|list| {
                list.iter()
                    .map(|&j| {
                        let other = &site.papers[j].entry;
                        RelatedCtx {
                            title: &other.title,
                            url: site.config.urls.path(&paper_path(&other.slug)),
                            date: other.date.to_string(),
                            date_display: display_date(other.date),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default(),
        citation_date: e
            .published
            .map(|d| d.to_string().replace('-', "/"))
            .unwrap_or_default(),
        abstract_html: &paper.derived.abstract_html,
        notes_html: &paper.derived.notes_html,
        search_url: arxiv_title_search(&e.title),
        extra: &e.extra,
        source: source_ctx(e),
        updated: rfc3339(e.revised.unwrap_or(e.date).max(e.date)),
        date_rfc2822: rfc2822(e.date),
    }
}

/// arXiv's search for papers titled `title`: the query as `url` writes one
/// (`application/x-www-form-urlencoded`), without parsing the URL it goes
/// on for every paper.
fn arxiv_title_search(title: &str) -> String {
    const SEARCH: &str = "https://arxiv.org/search/?";
    url::form_urlencoded::Serializer::for_suffix(String::from(SEARCH), SEARCH.len())
        .append_pair("query", title)
        .append_pair("searchtype", "title")
        .finish()
}

fn midnight(d: Date) -> OffsetDateTime {
    d.midnight().assume_utc()
}

pub(crate) fn rfc3339(d: Date) -> String {
    midnight(d).format(&Rfc3339).unwrap_or_default()
}

pub(crate) fn rfc2822(d: Date) -> String {
    midnight(d).format(&Rfc2822).unwrap_or_default()
}

/// A serializable value as a template value.
pub(crate) fn value<T: Serialize + ?Sized>(v: &T) -> Value {
    Value::from_serializable(v)
}

/// A struct's fields as template values, in its order, without the map a
/// [`value`] of it would put them in: a page that shows it makes one map
/// of these and others ([`map_value`]), where making a map and copying or
/// extending it hashed every key two or three times. Empty for a value
/// that is not a struct.
pub(crate) fn fields<T: Serialize + ?Sized>(v: &T) -> Vec<(&'static str, Value)> {
    v.serialize(FieldSink).unwrap_or_default()
}

/// The map of `pairs` (`len` of them) as a template value, its table made
/// once at its size: the only way to a map value that does not copy one
/// built first (Tera's `From` of a map inserts each pair into a new one).
/// Tera's serializer takes a value it meets as it is (a reference count).
pub(crate) fn map_value<'a>(
    len: usize,
    pairs: impl Iterator<Item = (&'static str, &'a Value)>,
) -> Value {
    struct Pairs<I>(std::cell::Cell<Option<I>>, usize);
    impl<'a, I: Iterator<Item = (&'static str, &'a Value)>> Serialize for Pairs<I> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeStruct;
            let mut map = s.serialize_struct("", self.1)?;
            for (k, v) in self.0.take().into_iter().flatten() {
                map.serialize_field(k, v)?;
            }
            map.end()
        }
    }
    value(&Pairs(std::cell::Cell::new(Some(pairs)), len))
}

/// The serializer of [`fields`]: a struct's fields, each made a template
/// value; anything else is refused.
struct FieldSink;

/// What [`FieldSink`] refuses: a value that is not a struct.
#[derive(Debug)]
struct NotAStruct;

impl std::fmt::Display for NotAStruct {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not a struct")
    }
}

impl std::error::Error for NotAStruct {}

impl serde::ser::Error for NotAStruct {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        NotAStruct
    }
}

/// The fields [`FieldSink`] collects.
struct Collected(Vec<(&'static str, Value)>);

impl serde::ser::SerializeStruct for Collected {
    type Ok = Vec<(&'static str, Value)>;
    type Error = NotAStruct;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), NotAStruct> {
        self.0.push((key, value(v)));
        Ok(())
    }

    fn end(self) -> Result<Self::Ok, NotAStruct> {
        Ok(self.0)
    }
}

/// [`FieldSink`]'s methods for what it refuses.
macro_rules! refuse {
    ($($name:ident($($arg:ty),*) -> $ok:ty;)*) => {
        $(fn $name(self, $(_: $arg),*) -> Result<$ok, NotAStruct> {
            Err(NotAStruct)
        })*
    };
}

impl serde::Serializer for FieldSink {
    type Ok = Vec<(&'static str, Value)>;
    type Error = NotAStruct;
    type SerializeSeq = serde::ser::Impossible<Self::Ok, NotAStruct>;
    type SerializeTuple = serde::ser::Impossible<Self::Ok, NotAStruct>;
    type SerializeTupleStruct = serde::ser::Impossible<Self::Ok, NotAStruct>;
    type SerializeTupleVariant = serde::ser::Impossible<Self::Ok, NotAStruct>;
    type SerializeMap = serde::ser::Impossible<Self::Ok, NotAStruct>;
    type SerializeStruct = Collected;
    type SerializeStructVariant = serde::ser::Impossible<Self::Ok, NotAStruct>;

    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Collected, NotAStruct> {
        Ok(Collected(Vec::with_capacity(len)))
    }

    refuse! {
        serialize_bool(bool) -> Self::Ok;
        serialize_i8(i8) -> Self::Ok;
        serialize_i16(i16) -> Self::Ok;
        serialize_i32(i32) -> Self::Ok;
        serialize_i64(i64) -> Self::Ok;
        serialize_u8(u8) -> Self::Ok;
        serialize_u16(u16) -> Self::Ok;
        serialize_u32(u32) -> Self::Ok;
        serialize_u64(u64) -> Self::Ok;
        serialize_f32(f32) -> Self::Ok;
        serialize_f64(f64) -> Self::Ok;
        serialize_char(char) -> Self::Ok;
        serialize_str(&str) -> Self::Ok;
        serialize_bytes(&[u8]) -> Self::Ok;
        serialize_none() -> Self::Ok;
        serialize_unit() -> Self::Ok;
        serialize_unit_struct(&'static str) -> Self::Ok;
        serialize_unit_variant(&'static str, u32, &'static str) -> Self::Ok;
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<Self::Ok, NotAStruct> {
        Err(NotAStruct)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<Self::Ok, NotAStruct> {
        Err(NotAStruct)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Self::Ok, NotAStruct> {
        Err(NotAStruct)
    }
}

/// A year of the archive.
#[derive(Serialize)]
pub(crate) struct YearCtx {
    pub(crate) year: i32,
    pub(crate) url: String,
    pub(crate) count: usize,
}

pub(crate) fn year_ctx(site: &Site, index: usize) -> YearCtx {
    let y = &site.years[index];
    YearCtx {
        year: y.year,
        url: site
            .config
            .urls
            .path(&crate::base::paths::year_path(y.year)),
        count: y.count,
    }
}

#[derive(Serialize)]
pub(crate) struct VenueCtx<'a> {
    pub(crate) name: &'a str,
    pub(crate) url: String,
    pub(crate) count: usize,
}

pub(crate) fn venue_ctx(site: &Site, index: usize) -> VenueCtx<'_> {
    let v = &site.venues[index];
    VenueCtx {
        name: &v.name,
        url: site
            .config
            .urls
            .path(&crate::base::paths::venue_path(&v.slug)),
        count: v.papers.len(),
    }
}

/// The name of a facet kind's index page: `Verdicts`.
pub(crate) fn facet_kind_title(kind: &str) -> &'static str {
    if kind == "verdict" {
        "Verdicts"
    } else {
        "Reading statuses"
    }
}

/// A link to a page that indexes the digest another way than by month.
#[derive(Serialize)]
pub(crate) struct BrowseLink {
    pub(crate) title: &'static str,
    pub(crate) url: String,
}

/// One range of the top view; its papers are added as template values.
#[derive(Serialize)]
pub(crate) struct TopRangeCtx {
    /// `upvotes` or `stars`.
    pub(crate) metric: &'static str,
    /// 7 or 30.
    pub(crate) days: i64,
    pub(crate) from: String,
    pub(crate) from_display: String,
    pub(crate) to: String,
    pub(crate) to_display: String,
}

pub(crate) fn top_range_ctx(list: &crate::model::TopList) -> TopRangeCtx {
    TopRangeCtx {
        metric: list.metric.name(),
        days: list.days,
        from: list.from.to_string(),
        from_display: display_date(list.from),
        to: list.to.to_string(),
        to_display: display_date(list.to),
    }
}

/// The day an entry's figures were read: `2025-05-07`, `7 May 2025`.
pub(crate) fn metrics_as_of(e: &crate::input::content::Entry) -> (String, String) {
    e.metrics
        .as_ref()
        .and_then(|m| crate::input::content::parse_date(&m.as_of))
        .map(|d| (d.to_string(), display_date(d)))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_search_is_the_url_crates_own() {
        for title in [
            "Attention",
            "A & B: C/D? #1 + 50% = “é” 🙂",
            "",
            "a=b&c=d\n\t",
        ] {
            let mut url = url::Url::parse("https://arxiv.org/search/").unwrap();
            url.query_pairs_mut()
                .append_pair("query", title)
                .append_pair("searchtype", "title");
            assert_eq!(arxiv_title_search(title), String::from(url), "{title:?}");
        }
    }
}
