//! The data file of each list ([`List`]): what `lists.js` needs to sort
//! and filter a whole list in the reader's browser, when the reader asks
//! (README, "Sorting and filtering lists").
//!
//! One gzipped JSON file per list, not per page, beside the list's first
//! page (`themes/<id>/list.json.gz`; the front page's, of every paper, at
//! the root). A paper is in about six lists, so every byte of its row
//! counts six times: a row holds only what a sort, a filter or a result
//! row shows, positionally, with empty trailing fields left off, and
//! theme and tag names once per file. The static pages never need it.
//!
//! ```text
//! {"v": 1, "size": page_size, "papers": "/sheaf/papers/",
//!  "verdicts": [[slug, label, url], …], "statuses": [[slug, label, url], …],
//!  "themes": [[id, title], …], "tags": [name, …],
//!  "p": [[slug, title, authors_short, added, published, verdict, status,
//!         [theme…], [tag…], venue, stars, upvotes, metrics_as_of], …]}
//! ```
//!
//! `verdict` and `status` are 1 + an index into `verdicts`/`statuses`, 0
//! for none; themes and tags are indices into this file's `themes` and
//! `tags` (only those its papers carry, by name); `published` is as
//! precise as the entry holds it (`2016`, `2016-07`, `2016-07-15`) or
//! empty; numbers are `null` when unknown. Rows are in the list's order
//! (newest added first).

use std::borrow::Cow;
use std::io::Write as _;

use serde_json::{json, Value as Json};

use super::*;
use crate::input::content::{Status, Verdict};

/// Which list a data file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum List {
    /// Every paper: the front page's.
    All,
    Theme(usize),
    Tag(usize),
    Month(usize),
    Facet(usize),
}

/// The data file's format; `lists.js` refuses another.
const VERSION: u32 = 1;

/// The data file's name, in the folder of the list's first page.
const FILE: &str = "list.json.gz";

impl List {
    /// The papers of the list, in its order.
    pub(super) fn papers(self, site: &Site) -> Cow<'_, [usize]> {
        match self {
            List::All => Cow::Owned((0..site.papers.len()).collect()),
            List::Theme(t) => Cow::Borrowed(&site.themes[t].papers),
            List::Tag(t) => Cow::Borrowed(&site.tags[t].papers),
            List::Month(m) => Cow::Borrowed(&site.months[m].papers),
            List::Facet(f) => Cow::Borrowed(&site.facets[f].papers),
        }
    }

    /// The site path of the list's data file.
    pub(super) fn path(self, site: &Site) -> String {
        let folder = match self {
            List::All => String::new(),
            List::Theme(t) => theme_path(&site.themes[t].def.id),
            List::Tag(t) => tag_path(&site.tags[t].slug),
            List::Month(m) => month_path(site.months[m].year, site.months[m].month),
            List::Facet(f) => facet_path(&site.facets[f]),
        };
        format!("{folder}{FILE}")
    }

    /// Every list of a site that has a page.
    pub(super) fn all(site: &Site) -> impl Iterator<Item = List> + '_ {
        std::iter::once(List::All)
            .chain((0..site.themes.len()).map(List::Theme))
            .chain((0..site.tags.len()).map(List::Tag))
            .chain((0..site.months.len()).map(List::Month))
            .chain((0..site.facets.len()).map(List::Facet))
    }
}

/// The gzipped data file of `list`.
pub(super) fn data(site: &Site, list: List) -> Vec<u8> {
    let papers = list.papers(site);
    // This file's theme and tag tables: those its papers carry, ordered
    // by name, so each file names each once.
    let used = |of: fn(&crate::model::Paper) -> &[usize], count: usize| -> Vec<usize> {
        let mut seen = vec![false; count];
        for &i in papers.iter() {
            for &x in of(&site.papers[i]) {
                seen[x] = true;
            }
        }
        (0..count).filter(|&x| seen[x]).collect()
    };
    let mut themes = used(|p| &p.themes, site.themes.len());
    themes.sort_by(|&a, &b| site.themes[a].def.title.cmp(&site.themes[b].def.title));
    let mut tags = used(|p| &p.tags, site.tags.len());
    tags.sort_by(|&a, &b| site.tags[a].name.cmp(&site.tags[b].name));
    let local = |table: &[usize], count: usize| -> Vec<usize> {
        let mut at = vec![0; count];
        for (k, &x) in table.iter().enumerate() {
            at[x] = k;
        }
        at
    };
    let (theme_at, tag_at) = (
        local(&themes, site.themes.len()),
        local(&tags, site.tags.len()),
    );
    let urls = &site.config.urls;
    let rows: Vec<Json> = papers
        .iter()
        .map(|&i| {
            let paper = &site.papers[i];
            let e = &paper.entry;
            let code = |n: Option<usize>| n.map_or(0, |n| n + 1);
            let metrics = e
                .metrics
                .as_ref()
                .and_then(|m| crate::input::content::parse_date(&m.as_of).map(|d| (m, d)));
            let mut row = vec![
                json!(e.slug),
                json!(e.title),
                json!(crate::base::display::authors_short(&e.authors)),
                json!(e.date.to_string()),
                json!(e.published.map(|d| d.to_string()).unwrap_or_default()),
                json!(code(
                    e.verdict
                        .and_then(|v| Verdict::ALL.iter().position(|&x| x == v))
                )),
                json!(code(
                    e.status
                        .and_then(|s| Status::ALL.iter().position(|&x| x == s))
                )),
                json!(paper.themes.iter().map(|&t| theme_at[t]).collect::<Vec<_>>()),
                json!(paper.tags.iter().map(|&t| tag_at[t]).collect::<Vec<_>>()),
                json!(e.journal_ref.as_deref().unwrap_or("")),
                json!(metrics.and_then(|(m, _)| m.stars)),
                json!(metrics.and_then(|(m, _)| m.upvotes)),
                json!(metrics.map(|(_, d)| d.to_string())),
            ];
            while row.last().is_some_and(empty) {
                row.pop();
            }
            Json::Array(row)
        })
        .collect();
    let facets = |values: &mut dyn Iterator<Item = (&'static str, &'static str, &str)>| {
        values
            .map(|(slug, label, kind)| json!([slug, label, urls.path(&format!("{kind}/{slug}/"))]))
            .collect::<Vec<_>>()
    };
    let file = json!({
        "v": VERSION,
        "size": site.config.page_size,
        "papers": urls.path("papers/"),
        "verdicts": facets(&mut Verdict::ALL.iter().map(|v| (v.slug(), v.label(), "verdict"))),
        "statuses": facets(&mut Status::ALL.iter().map(|s| (s.slug(), s.label(), "status"))),
        "themes": themes
            .iter()
            .map(|&t| json!([site.themes[t].def.id, site.themes[t].def.title]))
            .collect::<Vec<_>>(),
        "tags": tags.iter().map(|&t| json!(site.tags[t].name)).collect::<Vec<_>>(),
        "p": rows,
    });
    gzip(&serde_json::to_vec(&file).unwrap_or_default())
}

/// Whether a trailing field says nothing, and can be left off.
fn empty(v: &Json) -> bool {
    match v {
        Json::Null => true,
        Json::String(s) => s.is_empty(),
        Json::Array(a) => a.is_empty(),
        Json::Number(n) => n.as_u64() == Some(0),
        _ => false,
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::GzBuilder::new().write(
        Vec::with_capacity(bytes.len() / 3),
        flate2::Compression::default(),
    );
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}
