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

use serde_json::json;

use super::*;
use crate::base::artifact::gzip;
use crate::input::content::{Status, Verdict};

/// The data file's format; `lists.js` refuses another.
const VERSION: u32 = 1;

/// The data file's name, in the folder of the list's first page.
const FILE: &str = "list.json.gz";

/// The site path of a list's data file.
pub(super) fn path(site: &Site, list: List) -> String {
    format!("{}{FILE}", jobs::list_of(site, list).0)
}

/// The gzipped data file of `list`.
pub(super) fn data(site: &Site, list: List) -> Vec<u8> {
    let papers = jobs::list_of(site, list).1;
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
    let facets = |values: &mut dyn Iterator<Item = (&'static str, &'static str, &str)>| {
        values
            .map(|(slug, label, kind)| json!([slug, label, urls.path(&format!("{kind}/{slug}/"))]))
            .collect::<Vec<_>>()
    };
    let head = json!({
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
    });
    // The head as a JSON object, then the rows written straight after it:
    // building a value per row took longer than the rest of the file.
    let mut out = serde_json::to_vec(&head).unwrap_or_default();
    out.pop(); // The closing brace, written after the rows.
    out.extend_from_slice(b",\"p\":[");
    let mut fields: Vec<Field> = Vec::with_capacity(13);
    for (n, &i) in papers.iter().enumerate() {
        let paper = &site.papers[i];
        let e = &paper.entry;
        let code = |n: Option<usize>| n.map_or(0, |n| n + 1);
        let metrics = e
            .metrics
            .as_ref()
            .and_then(|m| crate::input::content::parse_date(&m.as_of).map(|d| (m, d)));
        fields.clear();
        fields.extend([
            Field::Text(e.slug.as_str().into()),
            Field::Text(e.title.as_str().into()),
            Field::Text(crate::base::display::authors_short(&e.authors).into()),
            Field::Text(e.date.to_string().into()),
            Field::Text(
                e.published
                    .map(|d| d.to_string())
                    .unwrap_or_default()
                    .into(),
            ),
            Field::Number(code(
                e.verdict
                    .and_then(|v| Verdict::ALL.iter().position(|&x| x == v)),
            ) as u64),
            Field::Number(code(
                e.status
                    .and_then(|s| Status::ALL.iter().position(|&x| x == s)),
            ) as u64),
            Field::Indices(paper.themes.iter().map(|&t| theme_at[t]).collect()),
            Field::Indices(paper.tags.iter().map(|&t| tag_at[t]).collect()),
            Field::Text(e.journal_ref.as_deref().unwrap_or("").into()),
            Field::Maybe(metrics.and_then(|(m, _)| m.stars)),
            Field::Maybe(metrics.and_then(|(m, _)| m.upvotes)),
            Field::Text(
                metrics
                    .map(|(_, d)| d.to_string())
                    .unwrap_or_default()
                    .into(),
            ),
        ]);
        while fields.last().is_some_and(Field::is_empty) {
            fields.pop();
        }
        if n > 0 {
            out.push(b',');
        }
        out.push(b'[');
        for (k, field) in fields.iter().enumerate() {
            if k > 0 {
                out.push(b',');
            }
            field.write(&mut out);
        }
        out.push(b']');
    }
    out.extend_from_slice(b"]}");
    gzip(&out)
}

/// One field of a row.
enum Field<'a> {
    Text(Cow<'a, str>),
    Number(u64),
    Maybe(Option<u64>),
    Indices(Vec<usize>),
}

impl Field<'_> {
    /// Whether a trailing field says nothing, and can be left off.
    fn is_empty(&self) -> bool {
        match self {
            Field::Text(s) => s.is_empty(),
            Field::Number(n) => *n == 0,
            Field::Maybe(n) => n.is_none(),
            Field::Indices(v) => v.is_empty(),
        }
    }

    fn write(&self, out: &mut Vec<u8>) {
        use std::io::Write as _;
        // Writing to a Vec cannot fail.
        let _ = match self {
            Field::Text(s) => serde_json::to_writer(&mut *out, s).map_err(std::io::Error::other),
            Field::Number(n) | Field::Maybe(Some(n)) => write!(out, "{n}"),
            Field::Maybe(None) => out.write_all(b"null"),
            Field::Indices(v) => serde_json::to_writer(&mut *out, v).map_err(std::io::Error::other),
        };
    }
}
