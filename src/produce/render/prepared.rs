//! Template values per paper ([`Prepared`]), made once and shared by every
//! page that shows the paper; kept by a session to tell which pages an
//! edit changes.

use super::*;
use tera::value::Key;

/// Template values for every paper, made once per build and shared by all
/// the pages that show the paper. Indexed like `Site::papers`.
///
/// Summaries are shown on many pages, so they are kept. Details (abstract
/// and notes included) are shown on one page and in a feed or two, so
/// they are made when a page needs them; a session that rebuilds after
/// edits keeps only a hash of each, to tell which pages an edit changes.
#[derive(Clone, Default)]
pub struct Prepared {
    pub(super) summaries: Vec<Value>,
    /// A one-off build's summaries ([`Prepared::summarize`]) without their
    /// hash tables, which a summary's 37 keys make 5 KB of its 7 (500 MB
    /// at 100,000 papers, at the build's peak); a page that shows one
    /// makes the map again from them ([`map_value`]).
    compact: Vec<Compact>,
    /// The keys of a [`Compact::Values`], in [`Summary`]'s order: those of
    /// every summary.
    compact_keys: Box<[&'static str]>,
    /// Hashes of the details; empty unless made for rebuilds.
    details: Vec<u64>,
    /// BibTeX keys; they depend on other papers (to stay unique), so only
    /// a structural change, which rebuilds everything, can change them.
    pub(super) keys: Vec<String>,
    /// Each paper's BibTeX entry and its `papers.json` record, made once
    /// and shared by every file that lists them; kept only for rebuilds
    /// (a one-off build makes each when a file needs it, 3 times a paper,
    /// rather than hold 80 MB of them at 100,000 papers through its peak).
    pub(super) bibtex: Vec<String>,
    pub(super) json: Vec<String>,
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
                    if for_rebuilds {
                        cite::bibtex(p, k)
                    } else {
                        String::new()
                    },
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
            compact: Vec::new(),
            compact_keys: Box::default(),
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
            if for_rebuilds {
                prepared.bibtex.push(b);
                prepared.json.push(j);
            }
        }
        prepared
    }

    /// Makes the summaries of the papers before `end` that are not made
    /// yet, kept compact.
    pub(crate) fn summarize(&mut self, site: &Site, end: usize) {
        let start = self.compact.len().min(end);
        if start == end {
            return;
        }
        let fields = |i: usize| summary_fields(site, &site.papers[i], &self.keys[i], &self.links);
        if self.compact_keys.is_empty() {
            self.compact_keys = fields(start).into_iter().map(|(k, _)| k).collect();
        }
        let keys = &self.compact_keys;
        let made: Vec<Compact> = (start..end)
            .into_par_iter()
            .with_max_len(64) // Small pieces (see ARCHITECTURE.md, "Parallel loops").
            .map(|i| {
                let pairs = fields(i);
                if pairs.len() == keys.len()
                    && pairs.iter().zip(keys.iter()).all(|(p, k)| p.0 == *k)
                {
                    Compact::Values(pairs.into_iter().map(|(_, v)| v).collect())
                } else {
                    Compact::Pairs(pairs.into_boxed_slice())
                }
            })
            .collect();
        self.compact.extend(made);
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
        std::mem::take(&mut self.compact)
            .into_par_iter()
            .with_max_len(1024)
            .for_each(drop);
    }

    /// The summary of paper `index`: the kept one, else made now.
    pub(super) fn summary(&self, site: &Site, index: usize) -> Value {
        if let Some(kept) = self.summaries.get(index) {
            return kept.clone();
        }
        let fields = self.summary_fields(site, index);
        map_value(fields.len(), fields.pairs())
    }

    /// The fields of paper `index`'s compact summary, made now if it is
    /// not kept.
    fn summary_fields(&self, site: &Site, index: usize) -> SummaryFields<'_> {
        match self.compact.get(index) {
            Some(Compact::Values(values)) => SummaryFields::Compact(&self.compact_keys, values),
            Some(Compact::Pairs(pairs)) => SummaryFields::Pairs(pairs),
            None => SummaryFields::Made(summary_fields(
                site,
                &site.papers[index],
                &self.keys[index],
                &self.links,
            )),
        }
    }

    /// Recomputes the values of the papers at `indices` (after an edit
    /// that kept every paper in its place), and says which of them changed
    /// their summary, their details, their BibTeX entry or JSON record.
    pub(crate) fn refresh(&mut self, site: &Site, indices: &[usize]) -> Changed {
        let mut changed = Changed::default();
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
            let bibtex = cite::bibtex(paper, key);
            let json = self.json.get(i).map(|_| cite::paper_json(site, i, key));
            if self.summaries.get(i) != Some(&s) {
                changed.summaries.insert(i);
            }
            if self.details.get(i) != Some(&d) {
                changed.details.insert(i);
            }
            if self.bibtex[i] != bibtex || self.json.get(i) != json.as_ref() {
                changed.records.insert(i);
            }
            self.summaries[i] = s;
            if let Some(slot) = self.details.get_mut(i) {
                *slot = d;
            }
            self.bibtex[i] = bibtex;
            if let (Some(slot), Some(json)) = (self.json.get_mut(i), json) {
                *slot = json;
            }
        }
        changed
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

    /// The BibTeX entry of paper `index`: the kept one, else made now.
    pub(super) fn bibtex(&self, site: &Site, index: usize) -> std::borrow::Cow<'_, str> {
        match self.bibtex.get(index) {
            Some(kept) => kept.as_str().into(),
            None => cite::bibtex(&site.papers[index], &self.keys[index]).into(),
        }
    }

    /// The template value of a paper's details: its kept summary and
    /// BibTeX entry, and the rest of [`detail`], in one map made once.
    /// (Serializing a `Detail` whole would also make Tera allocate each
    /// of its 40 keys, since a flattened struct is written as a map.)
    pub(super) fn detail(&self, site: &Site, index: usize) -> Value {
        let bibtex = self.bibtex(site, index).into_owned();
        let more = fields(&detail_more(site, index, bibtex));
        let more_pairs = more.iter().map(|(k, v)| (*k, v));
        if let Some(kept) = self.summaries.get(index) {
            // A session's summary, kept as a map: its keys are not
            // `'static` to Rust, though each is a field's name.
            let mut map = kept.clone().into_map().unwrap_or_default();
            map.extend(more_pairs.map(|(k, v)| (Key::Str(k), v.clone())));
            return Value::from(map);
        }
        let summary = self.summary_fields(site, index);
        map_value(
            summary.len() + more.len(),
            summary.pairs().chain(more_pairs),
        )
    }
}

/// A summary kept without its map.
#[derive(Clone)]
enum Compact {
    /// The values of [`Prepared::compact_keys`], in order.
    Values(Box<[Value]>),
    /// Keys and values, for a summary whose keys differ (none do: a
    /// summary's keys are its struct's fields).
    Pairs(Box<[(&'static str, Value)]>),
}

/// A summary's fields, as [`Prepared::summary_fields`] finds them.
enum SummaryFields<'a> {
    /// [`Compact::Values`] and their keys.
    Compact(&'a [&'static str], &'a [Value]),
    Pairs(&'a [(&'static str, Value)]),
    Made(Vec<(&'static str, Value)>),
}

impl SummaryFields<'_> {
    fn len(&self) -> usize {
        match self {
            SummaryFields::Compact(_, values) => values.len(),
            SummaryFields::Pairs(pairs) => pairs.len(),
            SummaryFields::Made(pairs) => pairs.len(),
        }
    }

    /// Each key with its value; cloning one copies a short string or
    /// counts a reference.
    fn pairs(&self) -> impl Iterator<Item = (&'static str, &Value)> {
        let (compact, pairs) = match self {
            SummaryFields::Compact(keys, values) => (Some((*keys, *values)), &[][..]),
            SummaryFields::Pairs(pairs) => (None, *pairs),
            SummaryFields::Made(pairs) => (None, &pairs[..]),
        };
        compact
            .into_iter()
            .flat_map(|(keys, values)| keys.iter().copied().zip(values))
            .chain(pairs.iter().map(|(k, v)| (*k, v)))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::inputs::Inputs;
    use std::path::Path;
    use std::sync::Arc;

    /// Three papers with short and long strings, authors, a theme, tags,
    /// and one without an arXiv id.
    fn site() -> Site {
        let config = crate::input::config::Config::parse(
            Path::new("/site"),
            Path::new("site-config.yaml"),
            "title: T\nbase_url: https://example.org/a-long-enough-sub-path/\nthemes:\n  - id: llm\n    title: LLM\n    keywords: [language]\n",
            false,
        )
        .unwrap();
        let entries = (0..3)
            .map(|i| {
                let arxiv = if i == 2 {
                    String::new()
                } else {
                    format!("arxiv: \"2505.0123{i}\"\n")
                };
                let text = format!(
                    "---\ntitle: \"A paper on <language> & models, {i}\"\ndate: 2025-05-0{}\n{arxiv}\
                     authors: [Ada Lovelace, Alan Turing, Grace Hopper]\ntags: [llm, a tag]\n\
                     abstract: Language models {i} do things that take more than a few words to say.\n---\nNotes.\n",
                    i + 1
                );
                let path = format!("content/papers/p{i}.md");
                let (entry, _) =
                    crate::input::content::parse_entry(Path::new(&path), &text).unwrap();
                Arc::new(entry)
            })
            .collect();
        let inputs = Inputs {
            config,
            entries,
            templates: Vec::new(),
            static_files: Vec::new(),
            diagnostics: Vec::new(),
        };
        Site::build(&inputs, crate::model::ModelOptions::default(), None, None).unwrap()
    }

    /// `a` and `b` are equal, and so are their fields' kinds (a string
    /// marked safe is printed unescaped; `==` does not tell).
    fn same(a: &Value, b: &Value) {
        assert_eq!(a, b);
        let (a, b) = (a.as_map().unwrap(), b.as_map().unwrap());
        for (k, v) in a {
            assert_eq!(v.is_safe(), b[k].is_safe(), "{k}");
        }
    }

    #[test]
    fn compact_summaries_and_details_are_the_values_of_their_structs() {
        let site = site();
        let n = site.papers.len();
        assert!(site
            .papers
            .iter()
            .all(|p| !p.themes.is_empty() && p.tags.len() == 2));
        let kept = Prepared::new(&site, true);
        let mut one_off = Prepared::without_summaries(&site);
        // A feed's details come before any summary is made.
        let early: Vec<Value> = (0..n).map(|i| one_off.detail(&site, i)).collect();
        one_off.summarize(&site, n);
        for (i, early) in early.iter().enumerate() {
            let key = &kept.keys[i];
            let summary = value(&summary(&site, &site.papers[i], key));
            same(&one_off.summary(&site, i), &summary);
            same(&kept.summary(&site, i), &summary);
            let detail = value(&detail(&site, i, key));
            same(early, &detail);
            same(&one_off.detail(&site, i), &detail);
            same(&kept.detail(&site, i), &detail);
        }
        // Kept without a map, in one order of keys.
        assert!(one_off
            .compact
            .iter()
            .all(|c| matches!(c, Compact::Values(v) if v.len() == one_off.compact_keys.len())));
    }
}
