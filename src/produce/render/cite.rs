//! How papers are cited and exchanged: BibTeX entries with stable keys,
//! COinS (for the Zotero connector on list pages), schema.org JSON-LD, and
//! `papers.json`, the digest for other tools.
//!
//! Everything here is built from the model alone, and every string from a
//! paper is escaped for the format it lands in.

use std::borrow::Cow;

use rayon::prelude::*;

use serde::Serialize;

use crate::input::content::arxiv_id::ArxivId;
use crate::input::content::Entry;
use crate::model::{Paper, Site};

/// Citation keys for every paper (see [`crate::input::content::unique_keys`]).
pub(crate) fn keys(site: &Site) -> Vec<String> {
    let entries: Vec<&Entry> = site.papers.iter().map(|p| &*p.entry).collect();
    crate::input::content::unique_keys(&entries)
}

/// A value inside BibTeX braces, written onto `out`: LaTeX specials
/// escaped, braces balanced. BibTeX counts every brace, escaped or not
/// (`\}` still closes a group), so braces are written as commands,
/// `\textbraceleft{}`, that hold none of their own; `--` would print as a
/// dash, so hyphens are kept apart.
fn push_bib_value(out: &mut String, s: &str) {
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '{' => out.push_str("\\textbraceleft{}"),
            '}' => out.push_str("\\textbraceright{}"),
            '%' | '&' | '$' | '#' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '-' if chars.peek() == Some(&'-') => out.push_str("-{}"),
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
}

/// A value of a verbatim field (`doi`, `url`), written onto `out`: BibTeX
/// still counts its braces, but nothing in it is read as a command, so
/// braces, backslashes and white space are percent-encoded (the same URL
/// or DOI) and the rest stays as written.
fn push_bib_verbatim(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '{' => out.push_str("%7B"),
            '}' => out.push_str("%7D"),
            '\\' => out.push_str("%5C"),
            c if c.is_whitespace() => out.push_str("%20"),
            c => out.push(c),
        }
    }
}

/// One name of an `author` list, written onto `out`. BibTeX splits the
/// list at every `and` outside braces, whatever its case, so a name
/// holding the word ("ATLAS and CMS Collaborations", "Research and
/// Development Team") is braced whole, and stays one (corporate) name.
fn push_bib_name(out: &mut String, name: &str) {
    let braced = name
        .split_whitespace()
        .any(|w| w.eq_ignore_ascii_case("and"));
    if braced {
        out.push('{');
    }
    push_bib_value(out, name);
    if braced {
        out.push('}');
    }
}

/// The BibTeX entry of a paper. Written onto one string, field by field:
/// a string per field and per name, then one per line, made it a few
/// percent of a build (it is made three times a paper).
pub(crate) fn bibtex(paper: &Paper, key: &str) -> String {
    let e = &paper.entry;
    let arxiv = e.arxiv.as_deref().and_then(|a| ArxivId::parse(a).ok());
    let kind = if e.journal_ref.is_some() && arxiv.is_none() {
        "article"
    } else {
        "misc"
    };
    let mut out = String::with_capacity(
        192 + key.len()
            + e.title.len()
            + e.authors.iter().map(|a| a.len() + 5).sum::<usize>()
            + e.journal_ref.as_ref().map_or(0, String::len),
    );
    // `  name = {`, the value, then `},` and a line break.
    fn field(out: &mut String, name: &str, value: impl FnOnce(&mut String)) {
        out.push_str("  ");
        out.push_str(name);
        out.push_str(" = {");
        value(out);
        out.push_str("},\n");
    }
    // Keys are not padded to one width: the entry is on every paper page
    // and in two bundles, where the padding cost 22 MB at 100,000 papers.
    out.push('@');
    out.push_str(kind);
    out.push('{');
    out.push_str(key);
    out.push_str(",\n");
    // Former keys (BibLaTeX aliases), so documents that cite them still
    // find the paper.
    let mut ids = e.bibtex_ids.iter().filter(|id| *id != key).peekable();
    if ids.peek().is_some() {
        field(&mut out, "ids", |out| {
            for (n, id) in ids.enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                out.push_str(id);
            }
        });
    }
    // Double braces keep the title's capitals as written.
    field(&mut out, "title", |out| {
        out.push('{');
        push_bib_value(out, &e.title);
        out.push('}');
    });
    if !e.authors.is_empty() {
        field(&mut out, "author", |out| {
            for (n, a) in e.authors.iter().enumerate() {
                if n > 0 {
                    out.push_str(" and ");
                }
                push_bib_name(out, a);
            }
        });
    }
    // Only the paper's own date, as far as it is known: the day it entered
    // the digest is not when it was published, and `@misc` needs no year.
    if let Some(when) = e.published {
        use std::fmt::Write as _;
        // Writing to a String cannot fail.
        field(&mut out, "year", |out| {
            let _ = write!(out, "{}", when.year());
        });
        if let Some(month) = when.month() {
            field(&mut out, "month", |out| {
                let _ = write!(out, "{}", month as u8);
            });
        }
    }
    if let Some(id) = &arxiv {
        field(&mut out, "eprint", |out| out.push_str(&id.id));
        field(&mut out, "archivePrefix", |out| out.push_str("arXiv"));
        if let Some(primary) = e.categories.first() {
            field(&mut out, "primaryClass", |out| push_bib_value(out, primary));
        }
    }
    match (&e.doi, &arxiv) {
        (Some(doi), _) => field(&mut out, "doi", |out| push_bib_verbatim(out, doi)),
        (None, Some(id)) => field(&mut out, "doi", |out| out.push_str(&id.doi())),
        _ => {}
    }
    if let Some(j) = &e.journal_ref {
        let name = if kind == "article" { "journal" } else { "note" };
        field(&mut out, name, |out| push_bib_value(out, j));
    }
    // The paper's own address; the digest's page about it is not one.
    match (&e.url, &arxiv) {
        (Some(url), _) => field(&mut out, "url", |out| push_bib_verbatim(out, url)),
        (None, Some(id)) => field(&mut out, "url", |out| push_bib_verbatim(out, &id.abs_url())),
        _ => {}
    }
    out.push_str("}\n");
    // No room to spare: a one-off build holds every entry at once for
    // `papers.bib`, near its peak at 100,000 papers.
    out.shrink_to_fit();
    out
}

/// COinS: an OpenURL context object, the `title` of a `<span class="Z3988">`.
pub(crate) fn coins(paper: &Paper) -> String {
    let e = &paper.entry;
    let mut url = url::form_urlencoded::Serializer::new(String::new());
    url.append_pair("ctx_ver", "Z39.88-2004");
    url.append_pair("rft_val_fmt", "info:ofi/fmt:kev:mtx:journal");
    url.append_pair(
        "rft.genre",
        if e.journal_ref.is_some() {
            "article"
        } else {
            "preprint"
        },
    );
    url.append_pair("rft.atitle", &e.title);
    for a in &e.authors {
        url.append_pair("rft.au", a);
    }
    if let Some(published) = e.published {
        url.append_pair("rft.date", &published.to_string());
    }
    if let Some(j) = &e.journal_ref {
        url.append_pair("rft.jtitle", j);
    }
    if let Some(id) = e.arxiv.as_deref().and_then(|a| ArxivId::parse(a).ok()) {
        url.append_pair("rft_id", &format!("info:arxiv/{}", id.id));
        url.append_pair("rft_id", &id.abs_url());
    }
    if let Some(doi) = &e.doi {
        url.append_pair("rft_id", &format!("info:doi/{doi}"));
    }
    url.finish()
}

/// schema.org `ScholarlyArticle` JSON-LD, ready to go inside a
/// `<script type="application/ld+json">`: `<` is escaped so no text from a
/// paper can close the script. It names the paper, its authors, date, its
/// arXiv page and its own DOI; the abstract is on the page itself (and was
/// half the size of every paper page's `<head>`: README, "Output size"),
/// `name` would only repeat `headline`, the site it is part of is the
/// page's own, and an arXiv paper's DOI is made from its id, which
/// `sameAs` already holds.
pub(super) fn json_ld(site: &Site, paper: &Paper) -> String {
    let e = &paper.entry;
    let urls = &site.config.urls;
    let arxiv = e.arxiv.as_deref().and_then(|a| ArxivId::parse(a).ok());
    let ld = JsonLd {
        context: "https://schema.org",
        kind: "ScholarlyArticle",
        author: e
            .authors
            .iter()
            .map(|a| Person {
                kind: "Person",
                name: a,
            })
            .collect(),
        date_published: e.published.map(|d| d.to_string()),
        headline: &e.title,
        identifier: e.doi.as_deref().map(|doi| PropertyValue {
            kind: "PropertyValue",
            property_id: "DOI",
            value: doi,
        }),
        keywords: (!e.keywords.is_empty()).then(|| e.keywords.join(", ")),
        same_as: arxiv.as_ref().map(|id| id.abs_url()),
        url: urls.permalink(&crate::base::paths::paper_path(&e.slug)),
    };
    script_safe(&serde_json::to_string(&ld).unwrap_or_default())
}

/// schema.org JSON-LD of a paper. Fields in alphabetical order, as a
/// `serde_json::Value` map would write them, so the output keeps its
/// shape; a struct is several times quicker to write than such a map.
#[derive(Serialize)]
struct JsonLd<'a> {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    author: Vec<Person<'a>>,
    #[serde(rename = "datePublished", skip_serializing_if = "Option::is_none")]
    date_published: Option<String>,
    headline: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    identifier: Option<PropertyValue<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    keywords: Option<String>,
    #[serde(rename = "sameAs", skip_serializing_if = "Option::is_none")]
    same_as: Option<String>,
    url: String,
}

#[derive(Serialize)]
struct Person<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: &'a str,
}

#[derive(Serialize)]
struct PropertyValue<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "propertyID")]
    property_id: &'static str,
    value: &'a str,
}

/// JSON that cannot end a `<script>` element or open an HTML comment, in
/// one pass (a `replace` per character copied it three times).
fn script_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut start = 0;
    for (i, b) in json.bytes().enumerate() {
        let escape = match b {
            b'<' => "\\u003c",
            b'>' => "\\u003e",
            b'&' => "\\u0026",
            _ => continue,
        };
        // The three are ASCII, so `i` is a char boundary.
        out.push_str(&json[start..i]);
        out.push_str(escape);
        start = i + 1;
    }
    out.push_str(&json[start..]);
    out
}

/// One paper in `papers.json`: every field but the Markdown of the abstract
/// and notes, themes resolved. The texts are on the paper's page (`url`)
/// and in the digest's repository; in this file they were three quarters
/// of 320 MB at 100,000 papers (README, "Output size"). A field the entry
/// leaves empty is left out (a missing key reads as null or empty), not
/// written as `null`, `[]`, `{}` or `false` in every record.
#[derive(Serialize)]
struct JsonPaper<'a> {
    slug: &'a str,
    url: String,
    title: &'a str,
    date: String,
    authors: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    arxiv: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    arxiv_version: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    doi: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    link: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    project: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    revised: Option<String>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    categories: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    journal_ref: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    keywords: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    metrics: Option<&'a crate::input::content::Metrics>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    themes: Vec<JsonTheme<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    featured: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verdict: Option<&'static str>,
    bibtex_key: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    bibtex_ids: &'a [String],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extra: &'a std::collections::BTreeMap<String, serde_yaml::Value>,
}

#[derive(Serialize)]
struct JsonTheme<'a> {
    id: &'a str,
    title: &'a str,
}

/// One paper of `papers.json`, as compact JSON. Papers are serialized one
/// by one so a rebuild after an edit re-serializes only the edited ones.
pub(crate) fn paper_json(site: &Site, index: usize, key: &str) -> String {
    let urls = &site.config.urls;
    let p = &site.papers[index];
    let e = &p.entry;
    let day = |d: Option<time::Date>| d.map(|d| d.to_string());
    // ISO 8601 at the precision held: `2020`, `2020-07` or a full date.
    let paper = JsonPaper {
        slug: &e.slug,
        url: urls.permalink(&crate::base::paths::paper_path(&e.slug)),
        title: &e.title,
        date: e.date.to_string(),
        authors: &e.authors,
        arxiv: e.arxiv.as_deref(),
        arxiv_version: e.arxiv_version,
        doi: e.doi.as_deref(),
        link: e.url.as_deref(),
        code: e.code.as_deref(),
        project: e.project.as_deref(),
        published: e.published.map(|d| d.to_string()),
        updated: day(e.updated),
        revised: day(e.revised),
        categories: &e.categories,
        journal_ref: e.journal_ref.as_deref(),
        keywords: &e.keywords,
        metrics: e.metrics.as_ref(),
        themes: p
            .themes
            .iter()
            .map(|&t| JsonTheme {
                id: &site.themes[t].def.id,
                title: &site.themes[t].def.title,
            })
            .collect(),
        tags: p.tags.iter().map(|&t| site.tags[t].name.as_str()).collect(),
        featured: e.featured,
        status: e.status.map(|s| s.slug()),
        verdict: e.verdict.map(|v| v.slug()),
        bibtex_key: key,
        bibtex_ids: &e.bibtex_ids,
        extra: &e.extra,
    };
    serde_json::to_string(&paper).unwrap_or_default()
}

/// The whole digest as JSON, from the papers' JSON made by [`paper_json`].
pub(crate) fn papers_json<'a>(
    site: &'a Site,
    record: impl Fn(usize) -> Cow<'a, str> + Sync,
) -> String {
    /// Records made at a time: all of them at once would double the
    /// memory `papers.json` takes (300 MB at 100,000 papers).
    const CHUNK: usize = 1024;
    let head = serde_json::json!({
        "title": site.config.title,
        "url": site.config.urls.base_url(),
        "generator": format!("sheaf {}", env!("CARGO_PKG_VERSION")),
    })
    .to_string();
    let n = site.papers.len();
    let mut out = String::new();
    // `{…}` without its closing brace, then the papers array.
    out.push_str(&head[..head.len() - 1]);
    out.push_str(",\"papers\":[\n");
    let make = |start: usize| -> Vec<Cow<str>> {
        (start..n.min(start + CHUNK))
            .into_par_iter()
            .with_max_len(64) // Small pieces (see ARCHITECTURE.md, "Parallel loops").
            .map(&record)
            .collect()
    };
    let mut chunk = make(0);
    // Room for twice what the first records suggest, so the string all but
    // never grows: growing copies it, holding the old and the new (600 MB
    // at 100,000 papers). Room that is never written takes address space,
    // not memory, and `shrink_to_fit` below gives it back (in place with
    // jemalloc, the allocator of the binary).
    let first: usize = chunk.iter().map(|r| r.len() + 2).sum();
    out.reserve(2 * (first * n / chunk.len().max(1)) + 16);
    for start in (0..n).step_by(CHUNK) {
        // The next chunk is made while this one is copied in, which alone
        // would leave every core but one idle.
        let append = |out: &mut String| {
            for (j, r) in chunk.iter().enumerate() {
                if start + j > 0 {
                    out.push_str(",\n");
                }
                out.push_str(r);
            }
        };
        let next = start + CHUNK;
        let (made, ()) = rayon::join(
            || if next < n { make(next) } else { Vec::new() },
            || append(&mut out),
        );
        chunk = made;
    }
    out.push_str("\n]}\n");
    out.shrink_to_fit();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bib_value(s: &str) -> String {
        let mut out = String::new();
        push_bib_value(&mut out, s);
        out
    }

    fn bib_name(name: &str) -> String {
        let mut out = String::new();
        push_bib_name(&mut out, name);
        out
    }

    #[test]
    fn bib_values_are_escaped() {
        assert_eq!(
            bib_value("50% of {x} & y_1 \\o"),
            "50\\% of \\textbraceleft{}x\\textbraceright{} \\& y\\_1 \\textbackslash{}o"
        );
        // Whatever the braces, the value's own are balanced.
        for s in ["Evil}}", "{{Open", "}{", "\\}"] {
            let v = bib_value(s);
            let depth = v.chars().try_fold(0i32, |d, c| match c {
                '{' => Some(d + 1),
                '}' if d == 0 => None,
                '}' => Some(d - 1),
                _ => Some(d),
            });
            assert_eq!(depth, Some(0), "{s} as {v}");
        }
        assert_eq!(bib_value("a--b---c"), "a-{}-b-{}-{}-c");
    }

    #[test]
    fn a_name_holding_and_stays_one_name() {
        assert_eq!(bib_name("Ada Lovelace"), "Ada Lovelace");
        assert_eq!(
            bib_name("ATLAS and CMS Collaborations"),
            "{ATLAS and CMS Collaborations}"
        );
        assert_eq!(bib_name("R AND D Team"), "{R AND D Team}");
        assert_eq!(bib_name("Sandy Anderson"), "Sandy Anderson");
        let entry = format!(
            "@misc{{k, author = {{{} and {}}}}}",
            bib_name("Research and Development Team"),
            bib_name("María García")
        );
        let bib = biblatex::Bibliography::parse(&entry).unwrap();
        let authors = bib.get("k").unwrap().author().unwrap();
        assert_eq!(authors.len(), 2, "{authors:?}");
    }

    #[test]
    fn script_safe_json() {
        assert_eq!(
            script_safe(r#"{"a":"</script><!--"}"#),
            r#"{"a":"\u003c/script\u003e\u003c!--"}"#
        );
        assert_eq!(script_safe("a&b>c é<"), "a\\u0026b\\u003ec é\\u003c");
        assert_eq!(script_safe(""), "");
    }

    proptest::proptest! {
        /// One pass gives what the three replaces gave, on any text
        /// (multi-byte characters next to the escaped ones too).
        #[test]
        fn script_safe_is_the_three_replaces(json in "[<>&a\"/!é李😀\u{2028}\u{2029}\\\\-]{0,24}") {
            let replaced = json
                .replace('<', "\\u003c")
                .replace('>', "\\u003e")
                .replace('&', "\\u0026");
            proptest::prop_assert_eq!(script_safe(&json), replaced);
        }
    }
}
