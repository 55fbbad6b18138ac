//! Papers straight from the live sources: Hugging Face's daily papers by
//! day, an arXiv search, DOIs through Crossref. Each turns its answers
//! into [`Record`](super::Record)s with the parser of the matching file format (the
//! daily-papers JSON parser, the Atom parser) and goes through the same
//! clean and notes-safe merge as a file ([`super::import_records`]): a
//! request that fails writes nothing.

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use serde::de::IgnoredAny;
use time::Date;

use super::net::{self, NetOptions, Source};
use super::resolve::Throttle;
use super::{atom, crossref, hf, import_records, ImportOptions, ImportReport, Parsed};
use crate::base::error::{Diagnostic, Error, Result};
use crate::base::progress::Progress;
use crate::input::config::Config;

/// Hugging Face answers at most this many papers a request; a day with
/// more is read in pages.
const HF_LIMIT: usize = 100;
/// Pages of one day read at most (no day has had a thousand papers).
const HF_MAX_PAGES: usize = 10;
/// arXiv search results asked for in one request.
pub const ARXIV_PAGE: usize = 100;

/// A live source and what to ask it for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Live {
    /// Hugging Face's daily papers of these days.
    HfDaily(Vec<Date>),
    /// The newest `max` papers of an arXiv search (`search_query` syntax).
    ArxivQuery { query: String, max: usize },
    /// Works by DOI, from Crossref.
    Doi(Vec<String>),
}

impl Live {
    /// How the command line or the config names it, for messages.
    pub fn describe(&self) -> String {
        match self {
            Live::HfDaily(days) => match (days.first(), days.last()) {
                (Some(a), Some(b)) if a != b => format!("Hugging Face daily papers {a}..{b}"),
                (Some(a), _) => format!("Hugging Face daily papers {a}"),
                _ => "Hugging Face daily papers".into(),
            },
            Live::ArxivQuery { query, max } => format!("arXiv query {query:?} (at most {max})"),
            Live::Doi(dois) => format!("Crossref {}", dois.join(", ")),
        }
    }
}

use crate::input::config::imports::{last_days, normalize_doi};

/// Imports what `live` answers, as one all-or-nothing import.
pub fn import_live(
    config: &Config,
    live: &Live,
    opts: &ImportOptions,
    net: &NetOptions,
    progress: &dyn Progress,
) -> Result<ImportReport> {
    let parsed = fetch(config, live, net, progress)?;
    import_records(config, parsed, opts)
}

/// When each source was last asked: requests to one source keep their
/// interval across the items of an `imports:` list too.
#[derive(Debug, Default)]
pub struct Pacing(HashMap<Source, Instant>);

impl Pacing {
    /// Waits until `source` may be asked again, and notes that it is.
    fn wait(&mut self, source: Source, net: &NetOptions) {
        let mut throttle = Throttle {
            interval: net.interval.unwrap_or(source.interval()),
            last: self.0.get(&source).copied(),
        };
        throttle.wait();
        self.0
            .insert(source, throttle.last.unwrap_or_else(Instant::now));
    }
}

/// Asks the source and parses its answers, writing nothing. A request
/// that fails (network, HTTP error, rate limit, an answer that is not
/// what the source sends) is an error; a bad record in a good answer is
/// one of [`Parsed::errors`] (which `--skip-bad` skips).
pub fn fetch(
    config: &Config,
    live: &Live,
    net: &NetOptions,
    progress: &dyn Progress,
) -> Result<Parsed> {
    fetch_paced(config, live, net, progress, &mut Pacing::default())
}

/// [`fetch`], pacing its requests with those already made.
fn fetch_paced(
    config: &Config,
    live: &Live,
    net: &NetOptions,
    progress: &dyn Progress,
    pacing: &mut Pacing,
) -> Result<Parsed> {
    let agent = net::client(net);
    let source = match live {
        Live::HfDaily(_) => Source::HuggingFace,
        Live::ArxivQuery { .. } => Source::Arxiv,
        Live::Doi(_) => Source::Crossref,
    };
    let mut get = |url: &str| {
        pacing.wait(source, net);
        net::get(&agent, source, url, net, &mut std::thread::sleep)
    };
    let malformed = |url: &str, why: String| Error::Fetch {
        url: url.to_string(),
        message: format!("{}: {why}", source.name()),
        source: None,
    };
    let mut parsed = Parsed::default();
    match live {
        Live::HfDaily(days) => {
            let base = format!("{}/api/daily_papers", config.hf_api.trim_end_matches('/'));
            progress.start("Hugging Face", days.len() as u64);
            for day in days {
                for page in 0..HF_MAX_PAGES {
                    let mut params =
                        vec![("date", day.to_string()), ("limit", HF_LIMIT.to_string())];
                    if page > 0 {
                        params.push(("p", page.to_string()));
                    }
                    let url = net::request_url(&base, &params);
                    let body = get(&url)?;
                    let count = match serde_json::from_str::<Vec<IgnoredAny>>(&body) {
                        Ok(items) => items.len(),
                        Err(e) => {
                            return Err(malformed(
                                &url,
                                format!("the answer is not a JSON list of daily papers: {e}"),
                            ))
                        }
                    };
                    let mut p = hf::parse(Path::new(&url), &body);
                    for r in &mut p.records {
                        r.locator = format!("{day} {}", r.locator);
                    }
                    parsed.records.extend(p.records);
                    parsed.errors.extend(p.errors);
                    if count < HF_LIMIT {
                        break;
                    }
                }
                progress.advance(1);
            }
        }
        Live::ArxivQuery { query, max } => {
            progress.start("arXiv", *max as u64);
            let mut start = 0;
            while start < *max {
                let params = [
                    ("search_query", query.clone()),
                    ("start", start.to_string()),
                    ("max_results", ARXIV_PAGE.min(max - start).to_string()),
                    ("sortBy", "submittedDate".to_string()),
                    ("sortOrder", "descending".to_string()),
                ];
                let url = net::request_url(&config.arxiv_api, &params);
                let body = get(&url)?;
                if !atom::looks_like(&body) || roxmltree::Document::parse(&body).is_err() {
                    return Err(malformed(
                        &url,
                        "the answer is not an Atom feed of papers".into(),
                    ));
                }
                let total = atom::total_results(&body);
                let p = atom::parse(Path::new(&url), &body);
                let n = p.records.len() + p.errors.len();
                if start == 0 {
                    if let Some(t) = total.filter(|&t| (t as usize) < *max) {
                        progress.start("arXiv", t);
                    }
                }
                parsed.records.extend(p.records);
                parsed.errors.extend(p.errors);
                progress.advance(n as u64);
                start += n;
                // No more entries: the search is exhausted (or arXiv
                // answered an empty page, which paging further will not
                // mend).
                if n == 0 || total.is_some_and(|t| start as u64 >= t) {
                    break;
                }
            }
        }
        Live::Doi(dois) => {
            // Every DOI checked before the first request.
            let dois = dois
                .iter()
                .map(|d| normalize_doi(d))
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(Error::Usage)?;
            let base = config.crossref_api.trim_end_matches('/');
            progress.start("Crossref", dois.len() as u64);
            for doi in &dois {
                // The DOI is the path: its slashes are Crossref's, the
                // rest encoded.
                const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
                    .remove(b'-')
                    .remove(b'.')
                    .remove(b'_')
                    .remove(b'~')
                    .remove(b'/');
                let path = percent_encoding::utf8_percent_encode(doi, SEGMENT);
                // Crossref's polite pool: sent only when the curator gave
                // an address.
                let params: Vec<(&str, String)> = config
                    .contact_email
                    .iter()
                    .map(|m| ("mailto", m.clone()))
                    .collect();
                let url = net::request_url(&format!("{base}/works/{path}"), &params);
                let body = get(&url)?;
                match crossref::parse(doi, &body) {
                    Ok(record) => parsed.records.push(record),
                    Err(why) => return Err(malformed(&url, why)),
                }
                progress.advance(1);
            }
        }
    }
    progress.finish();
    // Diagnostics name the request, not a file.
    for e in &mut parsed.errors {
        e.message = format!("{}: {}", source.name(), e.message);
    }
    Ok(parsed)
}

/// What one item of `imports:` brought.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemReport {
    /// `site-config.yaml:12 hf_daily 2025-05-06..2025-05-07`.
    pub item: String,
    /// Papers its source answered.
    pub records: usize,
    /// Records (or, with `--skip-bad`, the whole item) it could not read.
    pub errors: usize,
}

/// Runs every item of the config's `imports:` and merges all they bring
/// as ONE import: all or nothing, unless `opts.skip_bad`, which skips a
/// failing item (or bad record) and imports the rest. Each item's new
/// papers land in its `theme`. Hugging Face's "last N days" end at
/// `opts.date`.
pub fn import_from_config(
    config: &Config,
    opts: &ImportOptions,
    net: &NetOptions,
    progress: &dyn Progress,
) -> Result<(Vec<ItemReport>, ImportReport)> {
    use crate::input::config::imports::{HfDays, ImportSource};
    let file = Path::new(crate::input::config::CONFIG_FILE);
    if config.imports.is_empty() {
        return Err(Error::Usage(format!(
            "{} has no `imports:` list: nothing to import (README, \"Importing from live sources\")",
            crate::input::config::CONFIG_FILE
        )));
    }
    let mut all = Parsed::default();
    let mut items = Vec::new();
    let mut pacing = Pacing::default();
    for (n, item) in config.imports.iter().enumerate() {
        let live = match &item.source {
            ImportSource::HfDaily(HfDays::Last(k)) => Some(Live::HfDaily(last_days(*k, opts.date))),
            ImportSource::HfDaily(HfDays::Days(days)) => Some(Live::HfDaily(days.clone())),
            ImportSource::ArxivQuery { query, max } => Some(Live::ArxivQuery {
                query: query.clone(),
                max: *max,
            }),
            ImportSource::Doi(dois) => Some(Live::Doi(dois.clone())),
            ImportSource::Arxiv(_) | ImportSource::File(_) => None,
        };
        let fetched = match (live, &item.source) {
            (Some(l), _) => {
                fetch_paced(config, &l, net, progress, &mut pacing).map(|p| (l.describe(), p))
            }
            (None, ImportSource::Arxiv(ids)) => {
                pacing.wait(Source::Arxiv, net);
                super::fetch_arxiv_within(config, ids, net.timeout)
                    .map(|p| (format!("arXiv {}", ids.join(", ")), p))
            }
            (None, ImportSource::File(path)) => {
                super::parse_file(&config.root.join(path), None, opts.keep_tags)
                    .map(|p| (format!("file {}", path.display()), p))
            }
            (None, other) => Err(Error::Usage(format!("cannot import {other:?}"))),
        };
        let label = |what: &str| {
            format!(
                "{}{} item {} ({what})",
                crate::input::config::CONFIG_FILE,
                item.line.map(|l| format!(":{l}")).unwrap_or_default(),
                n + 1
            )
        };
        match fetched {
            Ok((what, mut parsed)) => {
                for r in &mut parsed.records {
                    r.theme = item.theme.clone();
                }
                items.push(ItemReport {
                    item: label(&what),
                    records: parsed.records.len(),
                    errors: parsed.errors.len(),
                });
                all.records.extend(parsed.records);
                all.errors.extend(parsed.errors);
            }
            Err(e) => {
                let prefix = format!("imports item {}", n + 1);
                let ds = match e {
                    // A file's (or the API's) own findings, at their lines.
                    Error::Invalid(ds) => ds
                        .into_iter()
                        .map(|mut d| {
                            d.message = format!("{prefix}: {}", d.message);
                            d
                        })
                        .collect(),
                    e => vec![Diagnostic::error(
                        file,
                        item.line,
                        format!("{prefix}: {}", crate::base::error::chain(&e)),
                    )],
                };
                if !opts.skip_bad {
                    return Err(Error::Invalid(ds));
                }
                items.push(ItemReport {
                    item: label("failed"),
                    records: 0,
                    errors: ds.len(),
                });
                all.errors.extend(ds);
            }
        }
    }
    Ok((items, import_records(config, all, opts)?))
}
