//! Full-text search that runs in the reader's browser, with no server.
//!
//! At build time every paper becomes a list of scored terms
//! ([`doc_terms`](crate::convert::terms::doc_terms), computed once per entry with the rest of
//! `model::Derived`): a score is `16 * class + strength`, the class of the
//! best field the word is in (title 3, authors 2, themes and tags 1,
//! abstract and notes 0) and a BM25-like strength (1..=15) over all
//! fields, normalised by a fixed reference length rather than the corpus
//! average, so a paper's scores depend on that paper alone and an edit
//! rewrites only the files its terms fall in.
//!
//! [`Index`] writes an inverted index in small files, so the browser
//! fetches only what a query needs (a budget of 100 KB per query at
//! 100,000 papers; README, "Search"). Borrowed from Pagefind: index
//! fragments by the query's terms, one small file per displayed result.
//! Not borrowed: Pagefind's full postings per word, which for a word in
//! most of 100,000 papers alone pass the budget.
//!
//! - `search/index.json.gz`: the number of docs, how doc ids are written,
//!   the head size, the docs per fragment, and which keys have a shard
//!   (so which are split: those with longer keys under them); fetched
//!   first, 10 KB at 100,000 papers.
//! - `search/t/<file>.json.gz` ([`key_file`] names it): the terms whose key
//!   is their shortest prefix of two characters or more that is not split
//!   (a key is split when its rows pass [`SPLIT_BYTES`]), one row each:
//!   the number of docs and the *head*, the [`HEAD`] best postings, score
//!   first; the file of a split key also has a row `key*` for every word
//!   under it, so a short prefix fetches one file. A one-word query is
//!   ranked from the heads alone while they hold enough results that no
//!   other paper can outscore.
//! - `search/m/<hash>.json.gz`: every doc of a row longer than its head (a
//!   bitmap or doc gaps, whichever is shorter; a short list is in the row
//!   itself), fetched only to tell which papers have every word of a
//!   query, or past the heads.
//! - `search/f/<n>.json.gz`: title, path, authors, date, themes (linked)
//!   and the snippet text (the first 1,000 bytes of abstract and notes)
//!   of docs `8n..8n+7`.
//!
//! Every file is gzipped ([`gzip`]); `search.js`
//! gunzips it (or reads it as it is, if the host already decoded it).
//!
//! The reader's side is `search.js`, written next to the index; it ranks
//! (papers with every word first, then by the tier of each word: its
//! class, and a whole word above a word it begins; then strength times
//! rarity) and must tokenize exactly like `tokens`.
//!
//! Why not Pagefind or elasticlunr: Pagefind's indexer took 2.8 s for
//! 10,000 short records on 2 cores (the whole build's budget), and
//! elasticlunr writes one index file that the browser downloads whole (it
//! grows with the corpus). See README, "Search".

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use rayon::prelude::*;

use crate::base::artifact::{gzip, Depends, Output};
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

/// The group a term belongs to: its first character. A group's terms are
/// written in shards of whole prefixes ([`split_files`]).
fn key(term: &str) -> &str {
    prefix(term, 1)
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

/// Postings a term's row keeps in its shard: its best docs, by score.
/// A longer list's full set of docs is in a membership file, fetched
/// only when a query needs it (see the module docs).
const HEAD: usize = 64;

/// A shard whose rows would take more bytes than this is split by longer
/// prefixes, so no query downloads the rows of every word that starts
/// with "co".
const SPLIT_BYTES: usize = 12_000;

/// Term to postings (doc ascending) for the terms of one two-character
/// key.
type Group = BTreeMap<Box<str>, Postings>;
type Postings = Vec<(u32, u8)>;
/// A group's terms, borrowed, in order.
type Terms<'a> = [(&'a Box<str>, &'a Postings)];

/// The inverted index of a site, kept between rebuilds so an edit
/// rewrites only the shards it touches (in memory by a session, in
/// `.sheaf-cache/` by `sheaf build`).
#[derive(Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Index {
    /// Doc id to paper index. Docs are ordered by first theme, then as the
    /// site orders papers, so a query's results tend to share chunks.
    order: Vec<usize>,
    /// Paper index to doc id.
    doc_of: Vec<u32>,
    /// Two-character key to its terms.
    groups: HashMap<String, Group>,
    /// Group key to its split prefixes, each with the first characters
    /// of its children's files (for the manifest).
    kids: HashMap<String, Vec<(String, String)>>,
    /// Two-character key to the paths of every file its group wrote
    /// (shards and memberships), to tell which files an edit removes.
    files: HashMap<String, Vec<String>>,
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
            kids: HashMap::new(),
            files: HashMap::new(),
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
    /// build never holds them all. Stops at the first error of `sink`.
    pub fn outputs_each(
        &mut self,
        site: &Site,
        sink: &mut dyn FnMut(Vec<Output>) -> crate::Result<()>,
    ) -> crate::Result<()> {
        /// Fragment files made and handed over at a time.
        const PART: usize = 256;
        let docs = self.order.len();
        let layout = Layout::new(docs);
        let groups: Vec<(&String, &Group)> = self.groups.iter().collect();
        let made: Vec<(String, GroupFiles)> = groups
            .par_iter()
            .with_max_len(1) // Small pieces (see ARCHITECTURE.md, "Parallel loops").
            .map(|(k, g)| (k.to_string(), group_files(k, g, layout)))
            .collect();
        let mut shards = Vec::new();
        self.kids.clear();
        self.files.clear();
        for (k, files) in made {
            shards.extend(self.note(&k, files));
        }
        shards.push(self.manifest());
        sink(shards)?;
        let this = &*self;
        let count = docs.div_ceil(FRAGMENT);
        for start in (0..count).step_by(PART) {
            sink(
                (start..count.min(start + PART))
                    .into_par_iter()
                    .with_max_len(8) // Small pieces (see ARCHITECTURE.md, "Parallel loops").
                    .map(|c| this.fragment(site, c))
                    .collect(),
            )?;
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
        let layout = Layout::new(self.order.len());
        let mut keys: BTreeSet<String> = BTreeSet::new();
        let mut fragments = BTreeSet::new();
        let mut changed = Vec::new();
        for &i in papers {
            let (Some(before), Some(after)) = (old.papers.get(i), new.papers.get(i)) else {
                continue;
            };
            let doc = self.doc_of[i];
            fragments.insert(doc as usize / FRAGMENT);
            if before.derived.search != after.derived.search {
                // Only the terms that came, went or changed score move: a
                // short edit leaves most of a paper's (quantized) scores as
                // they were, and each term moved rewrites its group's files.
                let was: BTreeSet<(&str, u8)> = before.derived.search.iter().collect();
                let is: BTreeSet<(&str, u8)> = after.derived.search.iter().collect();
                let gone: Vec<&str> = was.difference(&is).map(|&(t, _)| t).collect();
                let came: Vec<(&str, u8)> = is.difference(&was).copied().collect();
                keys.extend(
                    gone.iter()
                        .chain(came.iter().map(|(t, _)| t))
                        .map(|t| key(t).to_string()),
                );
                changed.push((doc, gone, came));
            }
        }
        // The files these groups have now (noted when they were written),
        // to tell which ones the edit removes.
        let before_files: BTreeSet<String> = keys
            .iter()
            .filter_map(|k| self.files.get(k))
            .flatten()
            .cloned()
            .collect();
        for (doc, gone, came) in changed {
            for term in gone {
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
            for (term, score) in came {
                let list = postings(&mut self.groups, term);
                let at = list.partition_point(|&(d, _)| d < doc);
                list.insert(at, (doc, score));
            }
        }
        let mut out = Vec::new();
        for k in &keys {
            self.kids.remove(k);
            self.files.remove(k);
            if let Some(group) = self.groups.get(k) {
                let files = group_files(k, group, layout);
                out.extend(self.note(k, files));
            }
        }
        let after_files: BTreeSet<&str> = out.iter().map(|o| o.path.as_str()).collect();
        let removed = before_files
            .into_iter()
            .filter(|p| !after_files.contains(p.as_str()))
            .collect();
        out.push(self.manifest());
        out.extend(fragments.into_iter().map(|c| self.fragment(new, c)));
        (out, removed)
    }

    /// Remembers how group `k` is split and which files it wrote, and
    /// hands those files back.
    fn note(&mut self, k: &str, made: GroupFiles) -> Vec<Output> {
        self.kids.insert(k.to_string(), made.kids);
        self.files.insert(
            k.to_string(),
            made.files.iter().map(|o| o.path.clone()).collect(),
        );
        made.files
    }

    /// What a query needs before it fetches shards: the number of docs
    /// (for inverse document frequencies and membership bitmaps), how doc
    /// ids and rows are encoded, and how terms are split into files: for
    /// every split prefix, the first characters of its children's files
    /// (`"k":{"c":"aho","co":"amr"}`: under `c`, files `ca` (terms from
    /// `ca` to before `ch`), `ch` and `co`; `co` is split again: its own
    /// file `co` and `coa`, `com`, `cor`). See [`split_files`].
    fn manifest(&self) -> Output {
        let kids: BTreeMap<&str, &str> = self
            .kids
            .values()
            .flatten()
            .map(|(k, s)| (k.as_str(), s.as_str()))
            .collect();
        let body = serde_json::json!({
            "v": VERSION,
            "n": self.order.len(),
            "w": Layout::new(self.order.len()).width,
            "h": HEAD,
            "f": FRAGMENT,
            "k": kids,
        });
        output(
            "search/index.json.gz".into(),
            gzip(body.to_string().as_bytes()),
        )
    }

    /// What the results show of docs `FRAGMENT * chunk ..`: per doc, title,
    /// path, authors, date, themes (title and path) and the text snippets
    /// are cut from; as JSON, gzipped (see the module docs).
    fn fragment(&self, site: &Site, chunk: usize) -> Output {
        let start = (chunk * FRAGMENT).min(self.order.len());
        let docs = &self.order[start..(start + FRAGMENT).min(self.order.len())];
        let rows: Vec<serde_json::Value> = docs
            .iter()
            .map(|&i| {
                let p = &site.papers[i];
                let themes: Vec<[String; 2]> = p
                    .themes
                    .iter()
                    .map(|&t| {
                        let def = &site.themes[t].def;
                        // The theme page's path, as render's `theme_path`
                        // makes it (not imported: search and render stay
                        // apart; a test checks the page is there).
                        [def.title.clone(), crate::base::paths::theme_path(&def.id)]
                    })
                    .collect();
                let d = &p.derived;
                let mut text = truncate(&d.abstract_text, TEXT_LIMIT).to_string();
                if !d.notes_text.is_empty() && text.len() + 2 < TEXT_LIMIT {
                    text.push_str("\n\n");
                    let room = TEXT_LIMIT.saturating_sub(text.len());
                    text.push_str(truncate(&d.notes_text, room));
                }
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
                    text,
                ])
            })
            .collect();
        let body = serde_json::json!({"v": VERSION, "d": rows});
        output(
            format!("search/f/{chunk}.json.gz"),
            gzip(body.to_string().as_bytes()),
        )
    }
}

/// The version of the index format; `search.js` checks it.
const VERSION: u32 = 2;

/// Docs per fragment file, and the snippet text kept per paper: the
/// start of the abstract (most say what they are about early), and what
/// keeps ten results' fragments within the download budget.
const FRAGMENT: usize = 8;
const TEXT_LIMIT: usize = 1000;

/// How doc ids are written: `width` base64 digits each, enough for `docs`.
#[derive(Clone, Copy)]
struct Layout {
    docs: usize,
    width: usize,
}

impl Layout {
    fn new(docs: usize) -> Layout {
        let mut width = 1;
        while 64usize.pow(width as u32) < docs {
            width += 1;
        }
        Layout { docs, width }
    }
}

/// The shard files of one group (and the membership files of its long
/// rows), and how it is split.
fn group_files(k: &str, group: &Group, layout: Layout) -> GroupFiles {
    let terms: Vec<(&Box<str>, &Postings)> = group.iter().collect();
    let mut made = GroupFiles::default();
    split_files(k, &terms, layout, &mut made);
    made
}

#[derive(Default)]
struct GroupFiles {
    files: Vec<Output>,
    /// Each split prefix, with the first characters of its children's
    /// files.
    kids: Vec<(String, String)>,
}

/// What a row takes in its shard, about (for packing shards).
fn row_bytes(term: &str, list: &[(u32, u8)], layout: Layout) -> usize {
    let members = match list.len() {
        n if n <= HEAD => 0,
        n => Some(members_len(n, layout.docs))
            .filter(|&m| m <= INLINE)
            .unwrap_or(24),
    };
    term.len() + 12 + list.len().min(HEAD) * (layout.width + 1) + members
}

/// Writes the terms under prefix `k` (sorted; a group's first character,
/// or a longer prefix too big for one file): when `k` is two characters
/// or more, its own file has the terms equal to `k` and a row `k*` for
/// every term under it; the rest is cut by the next character into
/// children, and consecutive children are packed into files of at most
/// [`SPLIT_BYTES`], each named by `k` and its first child's character. A
/// child bigger than that is split the same way. So a query's word is in
/// one file, found from the manifest, and files are neither huge nor
/// many.
fn split_files(k: &str, terms: &Terms, layout: Layout, made: &mut GroupFiles) {
    let len = k.chars().count();
    // Terms are sorted, so those sharing a longer prefix are contiguous;
    // the terms no longer than the key come first.
    let own = terms.partition_point(|(t, _)| t.chars().count() <= len);
    if len >= 2 {
        let star = union(terms, layout.docs);
        let star_name = format!("{k}*");
        let mut rows: Vec<(&str, &[(u32, u8)])> = terms[..own]
            .iter()
            .map(|(t, l)| (&***t, l.as_slice()))
            .collect();
        rows.push((&star_name, &star));
        shard(k, &rows, layout, made);
    }
    let mut starts = String::new();
    // The range of children being packed: its first term, bytes, and
    // first character.
    let mut range: Option<(usize, usize, char)> = None;
    let flush = |range: &mut Option<(usize, usize, char)>,
                 end: usize,
                 starts: &mut String,
                 made: &mut GroupFiles| {
        if let Some((from, _, c)) = range.take() {
            let rows: Vec<(&str, &[(u32, u8)])> = terms[from..end]
                .iter()
                .map(|(t, l)| (&***t, l.as_slice()))
                .collect();
            shard(&format!("{k}{c}"), &rows, layout, made);
            starts.push(c);
        }
    };
    let mut i = own;
    while i < terms.len() {
        let sub = prefix(terms[i].0, len + 1);
        let c = sub.chars().last().unwrap_or_default();
        let end = i + terms[i..].partition_point(|(t, _)| t.starts_with(sub));
        let size: usize = terms[i..end]
            .iter()
            .map(|(t, l)| row_bytes(t, l, layout))
            .sum();
        if size > SPLIT_BYTES && end - i > 1 {
            flush(&mut range, i, &mut starts, made);
            starts.push(c);
            split_files(sub, &terms[i..end], layout, made);
        } else {
            if range.is_some_and(|(_, bytes, _)| bytes + size > SPLIT_BYTES) {
                flush(&mut range, i, &mut starts, made);
            }
            let r = range.get_or_insert((i, 0, c));
            r.1 += size;
        }
        i = end;
    }
    flush(&mut range, terms.len(), &mut starts, made);
    made.kids.push((k.to_string(), starts));
}

/// Per doc, its best score among `terms`: the postings of "any word
/// beginning with the key", doc ascending.
fn union(terms: &Terms, docs: usize) -> Postings {
    let mut best = vec![0u8; docs];
    for (_, list) in terms {
        for &(doc, score) in list.iter() {
            if let Some(b) = best.get_mut(doc as usize) {
                *b = (*b).max(score);
            }
        }
    }
    best.iter()
        .enumerate()
        .filter(|(_, &s)| s > 0)
        .map(|(d, &s)| (d as u32, s))
        .collect()
}

/// A membership this short is written in its row: a file of its own
/// would cost a request and, at 100,000 papers, thousands of files.
const INLINE: usize = 400;

/// The length of a membership of `df` docs among `docs` (an estimate of
/// [`encode_members`], for the split decision).
fn members_len(df: usize, docs: usize) -> usize {
    let gap = (docs / df.max(1)).max(1);
    let digits = (usize::BITS - gap.leading_zeros()).div_ceil(5).max(1) as usize;
    1 + (df * digits).min(docs.div_ceil(6))
}

/// One shard file, `{"v":2,"t":[[term,df,head,membership?],…]}`, and the
/// membership files of its long rows. `head` is the row's best [`HEAD`]
/// postings, score descending then doc ascending, each the doc id in
/// `width` digits and the score in one ([`DIGITS`]); `membership`, when
/// the head does not hold every doc the term is in, lists them
/// ([`encode_members`], when at most [`INLINE`] long) or names the file
/// that does.
fn shard(key: &str, rows: &[(&str, &[(u32, u8)])], layout: Layout, made: &mut GroupFiles) {
    let mut s = format!("{{\"v\":{VERSION},\"t\":[");
    for (n, (term, list)) in rows.iter().enumerate() {
        if n > 0 {
            s.push(',');
        }
        s.push('[');
        s.push_str(&json_string(term));
        let _ = write!(s, ",{},\"", list.len());
        encode_head(list, layout, &mut s);
        s.push('"');
        if list.len() > HEAD {
            let members = encode_members(list, layout.docs);
            if members.len() <= INLINE {
                let _ = write!(s, ",\"{members}\"");
            } else {
                let path = membership_path(term);
                let _ = write!(s, ",{}", json_string(&path));
                let body = format!("{{\"v\":{VERSION},\"m\":\"{members}\"}}");
                made.files.push(output(path, gzip(body.as_bytes())));
            }
        }
        s.push(']');
    }
    s.push_str("]}");
    made.files.push(output(shard_path(key), gzip(s.as_bytes())));
}

/// Where the membership file of row `term` goes: named by a hash, as a
/// term can be any length and any script.
fn membership_path(term: &str) -> String {
    format!(
        "search/m/{:016x}.json.gz",
        xxhash_rust::xxh3::xxh3_64(term.as_bytes())
    )
}

/// Where the shard of `key` goes.
fn shard_path(key: &str) -> String {
    format!("search/t/{}.json.gz", key_file(key))
}

/// URL-safe base64 digits: safe inside a JSON string as they are.
const DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The best [`HEAD`] postings of `list`, score descending then doc
/// ascending: each the doc id in `layout.width` digits (most significant
/// first), then the score in one.
fn encode_head(list: &[(u32, u8)], layout: Layout, out: &mut String) {
    let best = |a: &(u32, u8), b: &(u32, u8)| b.1.cmp(&a.1).then(a.0.cmp(&b.0));
    let mut head = list.to_vec();
    if head.len() > HEAD {
        head.select_nth_unstable_by(HEAD - 1, best);
        head.truncate(HEAD);
    }
    head.sort_unstable_by(best);
    for (doc, score) in head {
        for d in (0..layout.width).rev() {
            out.push(DIGITS[((doc >> (6 * d)) & 63) as usize] as char);
        }
        out.push(DIGITS[score.clamp(1, 63) as usize] as char);
    }
}

/// Every doc of `list` (doc ascending), the shorter of two ways: `b` and a
/// bitmap, six docs a digit (bit `i` of digit `j` is doc `6j + i`), or
/// `g` and the gaps between docs (from 0) as variable-length numbers, five
/// bits a digit, lowest first, digits 32 and up meaning "more follows".
fn encode_members(list: &[(u32, u8)], docs: usize) -> String {
    let mut gaps = String::from("g");
    let mut prev = 0;
    for &(doc, _) in list {
        let mut gap = doc - prev;
        prev = doc;
        while gap >= 32 {
            gaps.push(DIGITS[(32 + (gap & 31)) as usize] as char);
            gap >>= 5;
        }
        gaps.push(DIGITS[gap as usize] as char);
    }
    let bitmap_len = 1 + docs.div_ceil(6);
    if gaps.len() <= bitmap_len {
        return gaps;
    }
    let mut bits = vec![0u8; docs.div_ceil(6)];
    for &(doc, _) in list {
        if let Some(b) = bits.get_mut(doc as usize / 6) {
            *b |= 1 << (doc % 6);
        }
    }
    std::iter::once('b')
        .chain(bits.iter().map(|&b| DIGITS[b as usize] as char))
        .collect()
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

fn output(path: String, bytes: Vec<u8>) -> Output {
    Output {
        path,
        bytes: bytes.into(),
        depends: Depends::Search,
    }
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// At most `max` bytes of `s`, cut at a character boundary.
fn truncate(s: &str, max: usize) -> &str {
    &s[..s.floor_char_boundary(max)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::terms::*;

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
    fn heads_keep_the_best_postings_best_first() {
        let layout = Layout::new(100);
        assert_eq!(layout.width, 2);
        let mut list: Vec<(u32, u8)> = (0..200).map(|d| (d, 1)).collect();
        list[150].1 = 63;
        list[7].1 = 40;
        let mut s = String::new();
        encode_head(&list, layout, &mut s);
        assert_eq!(s.len(), HEAD * 3);
        // Doc 150 = 2 * 64 + 22: "C" then "W"; score 63 is "_".
        assert!(s.starts_with("CW_AHo"), "{s}");
        // Then the score-1 docs from 0, skipping 7.
        assert_eq!(&s[6..12], "AABABB");
    }

    #[test]
    fn memberships_take_the_shorter_encoding() {
        // Sparse: gaps. 0, 5 and 5 + 1000 (= 8 + 31 * 32: "more, 8", 31).
        let sparse = [(0, 1), (5, 1), (1005, 1)];
        assert_eq!(encode_members(&sparse, 100_000), "gAFof");
        // Dense: a bitmap, six docs a digit.
        let dense: Vec<(u32, u8)> = (0..12).map(|d| (d, 1)).collect();
        assert_eq!(encode_members(&dense, 12), "b__");
        let odd: Vec<(u32, u8)> = vec![(0, 1), (2, 1), (4, 1), (6, 1), (8, 1), (10, 1), (11, 1)];
        assert_eq!(encode_members(&odd, 12), "bV1");
    }

    #[test]
    fn a_title_word_outranks_any_abstract_mention() {
        let f = Fields {
            title: "LoRA",
            authors: &[],
            labels: &[],
            abstract_text: &"adapters ".repeat(200),
            notes_text: "",
        };
        let g = Fields {
            title: "Adapters",
            authors: &[],
            labels: &[],
            abstract_text: "lora lora lora lora lora in a short abstract",
            notes_text: "",
        };
        let score = |f: &Fields, w: &str| {
            doc_terms(f)
                .iter()
                .find(|(t, _)| *t == w)
                .map(|(_, s)| s)
                .unwrap()
        };
        assert!(score(&f, "lora") > score(&g, "lora"));
        assert_eq!(score(&f, "lora") >> 4, CLASS_TITLE);
        assert_eq!(score(&g, "lora") >> 4, CLASS_BODY);
    }

    #[test]
    fn keys_and_file_names() {
        assert_eq!(key("diffusion"), "d");
        assert_eq!(key("αβγ"), "α");
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
