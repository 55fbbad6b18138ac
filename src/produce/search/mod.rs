//! Full-text search that runs in the reader's browser, with no server.
//!
//! At build time every paper becomes a list of weighted terms
//! ([`doc_terms`], computed once per entry with the rest of
//! `model::Derived`). [`Index`] groups them into an inverted index split
//! into small JSON files, so the browser fetches only what a query needs:
//!
//! - `search/index.json`: the number of docs, the docs per chunk, which
//!   keys are split and which keys have a shard (a few KB at 10,000
//!   papers); fetched first.
//! - `search/t/<file>.json` ([`key_file`] names it): the terms whose key
//!   is their shortest prefix of
//!   two characters or more that is not split, each with its postings
//!   (doc gaps and scores, compactly encoded: [`encode_postings`]). A key
//!   is split when its postings would make a big file.
//! - `search/d/<n>.json`: title, path, authors, date and themes of docs
//!   `64n..64n+63`, for the result list;
//! - `search/x/<n>.json`: the plain text of docs `8n..8n+7`, for
//!   highlighted snippets.
//!
//! Scores are BM25F-like with field weights (title over authors over
//! themes and tags over abstract and notes), normalised by a fixed
//! reference length rather than the corpus average, so a paper's scores
//! depend on that paper alone and an edit rewrites only the shards its
//! terms fall in. The reader's side is `search.js`, written next to the
//! index; it must tokenize exactly like `tokens` (and `doc_terms`).
//!
//! Why not Pagefind or elasticlunr: Pagefind's indexer took 2.8 s for
//! 10,000 short records on 2 cores (the whole build's budget), and
//! elasticlunr writes one index file that the browser downloads whole (it
//! grows with the corpus). See README, "Search".

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use rayon::prelude::*;
use unicode_normalization::UnicodeNormalization;

use crate::base::artifact::{Depends, Output};
use crate::base::display::{authors_short, display_date};
use crate::base::paths::paper_path;
use crate::model::Site;

/// The reader's side of the search, written to the site root.
const SCRIPT: &str = include_str!("search.js");

/// The search's fixed files (its script), when the site has a search.
pub(crate) fn fixed_outputs(site: &Site) -> Vec<Output> {
    if !site.config.search {
        return Vec::new();
    }
    vec![Output {
        path: crate::base::paths::SEARCH_SCRIPT.into(),
        bytes: SCRIPT.as_bytes().into(),
        depends: Depends::Nothing,
    }]
}

/// Words too common to find anything with; `search.js` drops the same.
/// Sorted, for a binary search (a unit test checks).
pub(crate) const STOP: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has", "have", "in",
    "into", "is", "it", "its", "of", "on", "or", "our", "that", "the", "their", "these", "this",
    "to", "was", "we", "were", "which", "with",
];

/// Docs per chunk of the result list and of the snippet texts.
const META_CHUNK: usize = 64;
const TEXT_CHUNK: usize = 8;
/// Snippet text kept per paper: enough for a window around most matches.
const TEXT_LIMIT: usize = 2000;

/// Field weights: a word in the title says more than one in the abstract.
const TITLE: f32 = 4.0;
const AUTHORS: f32 = 3.0;
const LABELS: f32 = 2.0;
const BODY: f32 = 1.0;
/// BM25 constants; `REFERENCE` is a typical weighted paper length.
const K1: f32 = 1.2;
const B: f32 = 0.5;
const REFERENCE: f32 = 320.0;

/// The searchable fields of one paper.
pub(crate) struct Fields<'a> {
    pub(crate) title: &'a str,
    pub(crate) authors: &'a [String],
    /// Theme titles and tag names.
    pub(crate) labels: &'a [&'a str],
    pub(crate) abstract_text: &'a str,
    pub(crate) notes_text: &'a str,
}

/// A paper's terms with their scores (1..=63), sorted by term. Kept for
/// every paper between rebuilds, so stored compactly: the terms in one
/// string, one per line, and the scores beside (a boxed string per term
/// would cost several times the text at 100,000 papers).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct DocTerms {
    terms: Box<str>,
    scores: Box<[u8]>,
}

impl DocTerms {
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, u8)> {
        self.terms
            .split('\n')
            .filter(|t| !t.is_empty())
            .zip(self.scores.iter().copied())
    }
}

/// The words of `text` as the index keeps them: compatibility-decomposed,
/// without combining marks, lowercased, split at anything that is not a
/// letter or digit, at least two characters, no stop words. `search.js`
/// does the same to a query, in the same order.
#[cfg(test)] // only the unit tests ask
pub(crate) fn tokens(text: &str) -> Vec<String> {
    words(&fold(text)).map(str::to_string).collect()
}

/// `text` decomposed, without combining marks, lowercased.
fn fold(text: &str) -> String {
    if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        text.nfkd()
            .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
            .collect::<String>()
            .to_lowercase()
    }
}

/// The indexed words of a folded text.
fn words(folded: &str) -> impl Iterator<Item = &str> {
    // Most text is ASCII, where a byte test splits the same as the char
    // test and is several times quicker (this runs on every abstract).
    let ascii = folded.is_ascii();
    folded
        .split(move |c: char| {
            if ascii {
                !c.is_ascii_alphanumeric()
            } else {
                !c.is_alphanumeric()
            }
        })
        .filter(|w| w.chars().nth(1).is_some() && !is_stop(w))
}

/// The longest stop word, in bytes: longer words need no lookup.
const STOP_MAX_LEN: usize = 5;

fn is_stop(word: &str) -> bool {
    /// The stop words as integers, sorted: comparing integers is quicker
    /// than comparing strings, and every word of every paper is looked up.
    static PACKED: std::sync::LazyLock<Vec<u64>> = std::sync::LazyLock::new(|| {
        let mut packed: Vec<u64> = STOP.iter().map(|w| pack_prefix(w)).collect();
        packed.sort_unstable();
        packed
    });
    word.len() <= STOP_MAX_LEN && PACKED.binary_search(&pack_prefix(word)).is_ok()
}

/// Scores the terms of one paper.
pub(crate) fn doc_terms(f: &Fields) -> DocTerms {
    let mut fields: Vec<(String, f32)> = vec![(fold(f.title), TITLE)];
    fields.extend(f.authors.iter().map(|a| (fold(a), AUTHORS)));
    fields.extend(f.labels.iter().map(|l| (fold(l), LABELS)));
    fields.push((fold(f.abstract_text), BODY));
    fields.push((fold(f.notes_text), BODY));
    let mut tf: ahash::AHashMap<&str, f32> = ahash::AHashMap::with_capacity(256);
    let mut length = 0.0;
    for (text, weight) in &fields {
        for t in words(text) {
            *tf.entry(t).or_default() += weight;
            length += weight;
        }
    }
    let norm = K1 * (1.0 - B + B * length / REFERENCE);
    // Each term behind its first eight bytes as an integer: sorting
    // compares integers, and strings only when those tie (the order is
    // the strings' own, since words hold no NUL bytes).
    let mut scored: Vec<(u64, &str, u8)> = tf
        .into_iter()
        .map(|(t, tf)| {
            let s = tf * (K1 + 1.0) / (tf + norm);
            let q = (s / (K1 + 1.0) * 63.0).round().clamp(1.0, 63.0) as u8;
            (pack_prefix(t), t, q)
        })
        .collect();
    scored.sort_unstable();
    // Words never hold a line break (they are letters and digits).
    let mut terms = String::with_capacity(scored.iter().map(|(_, t, _)| t.len() + 1).sum());
    for (_, t, _) in &scored {
        terms.push_str(t);
        terms.push('\n');
    }
    DocTerms {
        terms: terms.into_boxed_str(),
        scores: scored.iter().map(|&(_, _, q)| q).collect(),
    }
}

/// The first eight bytes of `word`, big-endian, zero-padded: integers in
/// the order of the words, and equal only for equal words of at most
/// eight bytes (words hold no NUL, so the padding cannot match a byte).
fn pack_prefix(word: &str) -> u64 {
    let mut bytes = [0u8; 8];
    let n = word.len().min(8);
    bytes[..n].copy_from_slice(&word.as_bytes()[..n]);
    u64::from_be_bytes(bytes)
}

/// The group a term belongs to: its first two characters. A group with
/// many postings is written as one shard per three-character prefix.
fn key(term: &str) -> &str {
    prefix(term, 2)
}

/// The first `n` characters of `s`.
fn prefix(s: &str, n: usize) -> &str {
    let end = s.char_indices().nth(n).map(|(i, _)| i).unwrap_or(s.len());
    &s[..end]
}

/// A shard's file name: `w` and the key when it is plain ASCII, else `u`
/// and its UTF-8 bytes in hex, so names stay portable (no `con.json`,
/// which Windows reserves; `search.js` does the same).
fn key_file(key: &str) -> String {
    if key
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        format!("w{key}")
    } else {
        let mut s = String::from("u");
        for b in key.bytes() {
            let _ = write!(s, "{b:02x}");
        }
        s
    }
}

/// Parts [`Index::new`] gathers terms in, by key, to build in parallel.
const PARTS: usize = 16;

/// The part of a key: any function of the key alone, so each part holds
/// whole groups. The bytes are mixed (a multiply, then high bits), so keys
/// that differ in any byte spread evenly.
fn part(key: &str) -> usize {
    let h = key
        .bytes()
        .fold(0u64, |h, b| h.rotate_left(8) ^ u64::from(b));
    (h.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) as usize % PARTS
}

/// A group with more postings than this is split into three-character
/// shards, so no query downloads the postings of every common word that
/// starts with "co".
const SPLIT: usize = 6000;

/// Term to postings (doc ascending) for the terms of one two-character
/// key.
type Group = BTreeMap<Box<str>, Postings>;
type Postings = Vec<(u32, u8)>;
/// A group's terms, borrowed, in order.
type Terms<'a> = [(&'a Box<str>, &'a Postings)];

/// The inverted index of a site, kept between rebuilds so an edit
/// rewrites only the shards it touches.
#[derive(Clone, Default)]
pub struct Index {
    /// Doc id to paper index. Docs are ordered by first theme, then as the
    /// site orders papers, so a query's results tend to share chunks.
    order: Vec<usize>,
    /// Paper index to doc id.
    doc_of: Vec<u32>,
    /// Two-character key to its terms.
    groups: HashMap<String, Group>,
    /// Two-character key to the keys its files split, and to the keys of
    /// its shard files (for the manifest).
    split: HashMap<String, Vec<String>>,
    keys: HashMap<String, Vec<String>>,
}

impl Index {
    pub fn new(site: &Site) -> Index {
        let mut order: Vec<usize> = (0..site.papers.len()).collect();
        order.sort_by_key(|&i| (site.papers[i].themes.first().copied(), i));
        let mut doc_of = vec![0u32; order.len()];
        for (doc, &i) in order.iter().enumerate() {
            doc_of[i] = doc as u32;
        }
        // Each thread gathers the postings of a run of docs, in parts by
        // key; runs are joined in doc order, so every postings list comes
        // out sorted. Each part then merges, sorts and groups on its own
        // (one map of every term took a core 0.3 s at 100,000 papers).
        let run = order.len().div_ceil(rayon::current_num_threads()).max(1);
        let runs: Vec<Vec<ahash::AHashMap<&str, Postings>>> = order
            .par_chunks(run)
            .enumerate()
            .map(|(r, papers)| {
                let mut parts: Vec<ahash::AHashMap<&str, Postings>> =
                    (0..PARTS).map(|_| ahash::AHashMap::new()).collect();
                for (k, &i) in papers.iter().enumerate() {
                    let doc = (r * run + k) as u32;
                    for (term, score) in site.papers[i].derived.search.iter() {
                        parts[part(key(term))]
                            .entry(term)
                            .or_default()
                            .push((doc, score));
                    }
                }
                parts
            })
            .collect();
        let mut parts: Vec<Vec<ahash::AHashMap<&str, Postings>>> =
            (0..PARTS).map(|_| Vec::new()).collect();
        for run in runs {
            for (p, map) in run.into_iter().enumerate() {
                parts[p].push(map);
            }
        }
        let groups: HashMap<String, Group> = parts
            .into_par_iter()
            .flat_map_iter(|runs| {
                let mut runs = runs.into_iter();
                let mut all = runs.next().unwrap_or_default();
                for more in runs {
                    for (term, list) in more {
                        all.entry(term).or_default().extend(list);
                    }
                }
                let mut terms: Vec<(&str, Postings)> = all.into_iter().collect();
                terms.sort_unstable_by(|a, b| a.0.cmp(b.0));
                // Sorted terms: each key's terms are one run, so every
                // group is built from sorted input.
                let mut groups: Vec<(String, Group)> = Vec::new();
                let mut terms = terms.into_iter().peekable();
                while let Some((first, list)) = terms.next() {
                    let k = key(first);
                    let mut group = vec![(Box::<str>::from(first), list)];
                    while let Some((term, _)) = terms.peek() {
                        if key(term) != k {
                            break;
                        }
                        if let Some((term, list)) = terms.next() {
                            group.push((term.into(), list));
                        }
                    }
                    groups.push((k.to_string(), group.into_iter().collect()));
                }
                groups
            })
            .collect();
        Index {
            order,
            doc_of,
            groups,
            split: HashMap::new(),
            keys: HashMap::new(),
        }
    }

    /// Every file of the index, at once (benchmarks; builds hand them
    /// over in parts with [`Index::outputs_each`]).
    pub fn outputs(&mut self, site: &Site) -> Vec<Output> {
        let mut all = Vec::new();
        let collected = self.outputs_each(site, &mut |files| {
            all.extend(files);
            Ok(())
        });
        debug_assert!(collected.is_ok(), "collecting cannot fail");
        all
    }

    /// [`Index::outputs`], handed to `sink` part by part, so a one-off
    /// build never holds them all (the snippets alone are 190 MB at
    /// 100,000 papers). Stops at the first error of `sink`.
    pub(crate) fn outputs_each(
        &mut self,
        site: &Site,
        sink: &mut dyn FnMut(Vec<Output>) -> crate::Result<()>,
    ) -> crate::Result<()> {
        /// Chunk files made and handed over at a time.
        const PART: usize = 256;
        let docs = self.order.len();
        let groups: Vec<(&String, &Group)> = self.groups.iter().collect();
        let made: Vec<(String, GroupFiles)> = groups
            .par_iter()
            .with_max_len(1) // Small pieces (see ARCHITECTURE.md, "Parallel loops").
            .map(|(k, g)| (k.to_string(), group_files(k, g)))
            .collect();
        let mut shards = Vec::new();
        self.split.clear();
        self.keys.clear();
        for (k, files) in made {
            shards.extend(self.note(&k, files));
        }
        shards.push(self.manifest());
        sink(shards)?;
        let this = &*self;
        for (count, make) in [
            (
                docs.div_ceil(META_CHUNK),
                &(|c| this.meta_chunk(site, c)) as &(dyn Fn(usize) -> Output + Sync),
            ),
            (docs.div_ceil(TEXT_CHUNK), &|c| this.text_chunk(site, c)),
        ] {
            for start in (0..count).step_by(PART) {
                sink(
                    (start..count.min(start + PART))
                        .into_par_iter()
                        .with_max_len(8) // Small pieces (see ARCHITECTURE.md, "Parallel loops").
                        .map(make)
                        .collect(),
                )?;
            }
        }
        Ok(())
    }

    /// After an edit that kept every paper in its place (the same docs,
    /// the same order): takes in the new terms of the papers at `papers`
    /// and returns the files that show them, and the files that no longer
    /// exist. `old` is the site before.
    pub(crate) fn update(
        &mut self,
        old: &Site,
        new: &Site,
        papers: &[usize],
    ) -> (Vec<Output>, Vec<String>) {
        let mut keys: BTreeSet<String> = BTreeSet::new();
        let (mut metas, mut texts) = (BTreeSet::new(), BTreeSet::new());
        let mut changed = Vec::new();
        for &i in papers {
            let (Some(before), Some(after)) = (old.papers.get(i), new.papers.get(i)) else {
                continue;
            };
            let doc = self.doc_of[i];
            metas.insert(doc as usize / META_CHUNK);
            texts.insert(doc as usize / TEXT_CHUNK);
            if before.derived.search != after.derived.search {
                let terms = before
                    .derived
                    .search
                    .iter()
                    .chain(after.derived.search.iter());
                keys.extend(terms.map(|(t, _)| key(t).to_string()));
                changed.push((doc, before, after));
            }
        }
        // The shard files these groups have now (noted when they were
        // written), to tell which ones the edit empties.
        let before_files: BTreeSet<String> = keys
            .iter()
            .filter_map(|k| self.keys.get(k))
            .flatten()
            .map(|k| shard_path(k))
            .collect();
        for (doc, before, after) in changed {
            for (term, _) in before.derived.search.iter() {
                let k = key(term);
                if let Some(group) = self.groups.get_mut(k) {
                    if let Some(list) = group.get_mut(term) {
                        list.retain(|&(d, _)| d != doc);
                        if list.is_empty() {
                            group.remove(term);
                        }
                    }
                    if group.is_empty() {
                        self.groups.remove(k);
                    }
                }
            }
            for (term, score) in after.derived.search.iter() {
                let list = postings(&mut self.groups, term);
                let at = list.partition_point(|&(d, _)| d < doc);
                list.insert(at, (doc, score));
            }
        }
        let mut out = Vec::new();
        for k in &keys {
            self.split.remove(k);
            self.keys.remove(k);
            if let Some(group) = self.groups.get(k) {
                let files = group_files(k, group);
                out.extend(self.note(k, files));
            }
        }
        let after_files: BTreeSet<&str> = out.iter().map(|o| o.path.as_str()).collect();
        let removed = before_files
            .into_iter()
            .filter(|p| !after_files.contains(p.as_str()))
            .collect();
        out.push(self.manifest());
        out.extend(metas.into_iter().map(|c| self.meta_chunk(new, c)));
        out.extend(texts.into_iter().map(|c| self.text_chunk(new, c)));
        (out, removed)
    }

    /// Remembers which shard keys group `k` has and which it splits, and
    /// hands back its files.
    fn note(&mut self, k: &str, made: GroupFiles) -> Vec<Output> {
        self.keys.insert(k.to_string(), made.keys);
        if !made.split.is_empty() {
            self.split.insert(k.to_string(), made.split);
        }
        made.files
    }

    /// What a query needs before it fetches shards: the number of docs
    /// (for inverse document frequencies) and which keys are split, so
    /// the browser knows which file holds a term: the shortest prefix of
    /// two characters or more that is not split.
    fn manifest(&self) -> Output {
        let mut split: Vec<&str> = self.split.values().flatten().map(String::as_str).collect();
        split.sort_unstable();
        let mut keys: Vec<&String> = self.keys.values().flatten().collect();
        keys.sort_unstable();
        let body = serde_json::json!({
            "v": 1,
            "n": self.order.len(),
            "d": META_CHUNK,
            "x": TEXT_CHUNK,
            "split": split,
            "keys": keys,
        });
        output("search/index.json".into(), body.to_string())
    }

    fn meta_chunk(&self, site: &Site, chunk: usize) -> Output {
        let docs = self.chunk(chunk, META_CHUNK);
        let rows: Vec<serde_json::Value> = docs
            .iter()
            .map(|&i| {
                let p = &site.papers[i];
                let themes: Vec<&str> = p
                    .themes
                    .iter()
                    .map(|&t| site.themes[t].def.title.as_str())
                    .collect();
                serde_json::json!([
                    p.entry.title,
                    paper_path(&p.entry.slug),
                    authors_short(&p.entry.authors),
                    // The paper's own year where known, else when it
                    // was added, saying so: never one passed off as the other.
                    match p.entry.published {
                        Some(d) => d.year().to_string(),
                        None => format!("added {}", display_date(p.entry.date)),
                    },
                    themes,
                ])
            })
            .collect();
        let body = serde_json::json!({"v": 1, "d": rows});
        output(format!("search/d/{chunk}.json"), body.to_string())
    }

    fn text_chunk(&self, site: &Site, chunk: usize) -> Output {
        let texts: Vec<String> = self
            .chunk(chunk, TEXT_CHUNK)
            .iter()
            .map(|&i| {
                let d = &site.papers[i].derived;
                let mut text = truncate(&d.abstract_text, TEXT_LIMIT).to_string();
                if !d.notes_text.is_empty() && text.len() + 2 < TEXT_LIMIT {
                    text.push_str("\n\n");
                    let room = TEXT_LIMIT.saturating_sub(text.len());
                    text.push_str(truncate(&d.notes_text, room));
                }
                text
            })
            .collect();
        let body = serde_json::json!({"v": 1, "x": texts});
        output(format!("search/x/{chunk}.json"), body.to_string())
    }

    /// The paper indices of docs `chunk * size ..`.
    fn chunk(&self, chunk: usize, size: usize) -> &[usize] {
        let start = (chunk * size).min(self.order.len());
        &self.order[start..(start + size).min(self.order.len())]
    }
}

/// The shard files of one group, with the key of each, and the keys it
/// splits. A key with more than [`SPLIT`] postings is split: its own file
/// keeps only the terms as long as the key, and every longer prefix gets a
/// file (split again if it is still too big). A single very common word
/// stays in one file.
fn group_files(k: &str, group: &Group) -> GroupFiles {
    let terms: Vec<(&Box<str>, &Postings)> = group.iter().collect();
    let mut made = GroupFiles::default();
    split_files(k, &terms, &mut made);
    made
}

#[derive(Default)]
struct GroupFiles {
    files: Vec<Output>,
    /// The key of each file.
    keys: Vec<String>,
    split: Vec<String>,
}

fn split_files(k: &str, terms: &Terms, made: &mut GroupFiles) {
    let count: usize = terms.iter().map(|(_, l)| l.len()).sum();
    let len = k.chars().count();
    if count <= SPLIT || terms.len() <= 1 {
        made.files.push(shard(k, terms.iter().copied()));
        made.keys.push(k.to_string());
        return;
    }
    made.split.push(k.to_string());
    // Terms are sorted, so those sharing a longer prefix are contiguous;
    // the terms no longer than the key come first.
    let own = terms.partition_point(|(t, _)| t.chars().count() <= len);
    if own > 0 {
        made.files.push(shard(k, terms[..own].iter().copied()));
        made.keys.push(k.to_string());
    }
    let mut start = own;
    while start < terms.len() {
        let sub = prefix(terms[start].0, len + 1);
        let end = start + terms[start..].partition_point(|(t, _)| t.starts_with(sub));
        split_files(sub, &terms[start..end], made);
        start = end;
    }
}

/// One shard file: `{"v":1,"t":[["term","postings"],…]}`, the postings
/// encoded by [`encode_postings`].
fn shard<'a>(key: &str, terms: impl Iterator<Item = (&'a Box<str>, &'a Vec<(u32, u8)>)>) -> Output {
    let mut s = String::from("{\"v\":1,\"t\":[");
    for (n, (term, list)) in terms.enumerate() {
        if n > 0 {
            s.push(',');
        }
        s.push('[');
        s.push_str(&json_string(term));
        s.push_str(",\"");
        encode_postings(list, &mut s);
        s.push_str("\"]");
    }
    s.push_str("]}");
    output(shard_path(key), s)
}

/// Where the shard of `key` goes.
fn shard_path(key: &str) -> String {
    format!("search/t/{}.json", key_file(key))
}

/// URL-safe base64 digits: safe inside a JSON string as they are.
const DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Postings as text, about three characters each instead of nine as JSON
/// numbers: per posting, the gap to the previous doc id (from 0) as a
/// variable-length number, five bits per digit, lowest first, digits 32
/// and up meaning "more follows"; then the score as one digit (1..=63).
fn encode_postings(list: &[(u32, u8)], out: &mut String) {
    let mut prev = 0;
    for &(doc, score) in list {
        let mut gap = doc - prev;
        prev = doc;
        while gap >= 32 {
            out.push(DIGITS[(32 + (gap & 31)) as usize] as char);
            gap >>= 5;
        }
        out.push(DIGITS[gap as usize] as char);
        out.push(DIGITS[score.clamp(1, 63) as usize] as char);
    }
}

/// The postings list of `term`, made empty if new.
fn postings<'a>(groups: &'a mut HashMap<String, Group>, term: &str) -> &'a mut Vec<(u32, u8)> {
    let k = key(term);
    if !groups.contains_key(k) {
        groups.insert(k.to_string(), Group::new());
    }
    let group = groups.get_mut(k).expect("inserted above");
    if !group.contains_key(term) {
        group.insert(term.into(), Vec::new());
    }
    group.get_mut(term).expect("inserted above")
}

fn output(path: String, body: String) -> Output {
    Output {
        path,
        bytes: body.into_bytes().into(),
        depends: Depends::Search,
    }
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// At most `max` bytes of `s`, cut at a character boundary.
fn truncate(s: &str, max: usize) -> &str {
    // `str::floor_char_boundary` would do, but needs Rust 1.91 (MSRV 1.85).
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_fold_case_accents_and_drop_stop_words() {
        let t = tokens("The Schrödinger équation of GPT-4, a 3D model");
        assert_eq!(t, ["schrodinger", "equation", "gpt", "3d", "model"]);
    }

    #[test]
    fn terms_come_in_the_order_of_the_strings() {
        let f = Fields {
            title: "zeta alphabetically alphabet alphabets alphabetic über uber",
            authors: &["Ab Ba".into()],
            labels: &["a1 9z 10 1"],
            abstract_text: "transformers transformer transform transformation ŷes",
            notes_text: "",
        };
        let scored = doc_terms(&f);
        let terms: Vec<&str> = scored.iter().map(|(t, _)| t).collect();
        let mut sorted = terms.clone();
        sorted.sort_unstable();
        assert_eq!(terms, sorted);
        assert!(terms.len() > 12, "{terms:?}");
    }

    #[test]
    fn title_words_outweigh_abstract_words() {
        let f = Fields {
            title: "Gaussian splatting",
            authors: &["Ada Lovelace".into()],
            labels: &["Vision"],
            abstract_text: "We study radiance fields and splatting.",
            notes_text: "",
        };
        let terms = doc_terms(&f);
        let score = |w: &str| terms.iter().find(|(t, _)| *t == w).map(|(_, s)| s);
        assert!(score("gaussian") > score("radiance"));
        assert!(score("lovelace").is_some() && score("vision").is_some());
        assert_eq!(score("we"), None);
    }

    #[test]
    fn postings_encode_gaps_and_scores() {
        let mut s = String::new();
        encode_postings(&[(0, 1), (5, 63), (5 + 32, 2), (5 + 32 + 1000, 9)], &mut s);
        // Gap 32 is "more, 0" then 1; gap 1000 = 8 + 31 * 32 is "more, 8"
        // then 31.
        assert_eq!(s, "AB F_ gBC ofJ".replace(' ', ""));
    }

    #[test]
    fn keys_and_file_names() {
        assert_eq!(key("diffusion"), "di");
        assert_eq!(key("αβγ"), "αβ");
        assert_eq!(prefix("αβγ", 3), "αβγ");
        assert_eq!(key_file("di"), "wdi");
        assert_eq!(key_file("con"), "wcon");
        assert_eq!(key_file("αβ"), "uceb1ceb2");
        assert_eq!(key_file("é1"), "uc3a931");
    }

    #[test]
    fn the_script_drops_the_same_stop_words() {
        let start = SCRIPT
            .find("const STOP = \"")
            .expect("search.js declares STOP")
            + "const STOP = \"".len();
        let end = start + SCRIPT[start..].find('"').expect("closing quote");
        let js: Vec<&str> = SCRIPT[start..end].split(' ').collect();
        assert_eq!(js, STOP);
    }

    #[test]
    fn ascii_and_unicode_splitting_agree_on_ascii_text() {
        let text = "graph-based rl, 2x faster: the model's 4d gaussians (v2) & more";
        let slow: Vec<&str> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().nth(1).is_some() && STOP.binary_search(w).is_err())
            .collect();
        assert_eq!(words(text).collect::<Vec<_>>(), slow);
        // Non-ASCII text takes the other branch: letters of any script.
        assert_eq!(
            words("étude über 模型 the naïve").collect::<Vec<_>>(),
            ["étude", "über", "模型", "naïve"]
        );
    }

    #[test]
    fn stop_words_are_sorted_and_short() {
        assert!(STOP.windows(2).all(|w| w[0] < w[1]));
        assert!(STOP.iter().all(|w| w.len() <= STOP_MAX_LEN));
        assert_eq!(STOP.iter().map(|w| w.len()).max(), Some(STOP_MAX_LEN));
        assert!(STOP.iter().all(|w| is_stop(w)));
        for word in ["", "x", "ann", "there", "thes", "whic", "withs", "models"] {
            assert!(!is_stop(word), "{word}");
        }
    }
}
