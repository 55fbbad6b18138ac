//! The search index as the browser reads it: a query's shard is found
//! through the manifest, postings are decoded, docs resolve to the paper
//! pages. The browser side (search.js) is tested in search_browser.rs.

use std::collections::{BTreeMap, HashSet};
use std::io::Read as _;

use serde_json::Value;

use crate::common::*;

/// Reads a built site's index the way search.js does.
struct Reader<'a> {
    site: &'a TestSite,
    docs: usize,
    width: usize,
    head: usize,
    per_fragment: usize,
    /// Split prefix to the first characters of its children's files.
    kids: BTreeMap<String, Vec<char>>,
}

/// A row of a shard: a term (or "key*"), its number of docs, its best
/// postings best first, and every doc when the head does not hold them.
#[derive(Debug)]
struct Row {
    term: String,
    df: usize,
    head: Vec<(usize, u8)>,
    members: Option<Vec<usize>>,
}

const DIGITS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn digit(c: char) -> usize {
    DIGITS.find(c).unwrap()
}

impl<'a> Reader<'a> {
    fn new(site: &'a TestSite) -> Reader<'a> {
        let file = std::fs::File::open(site.out().join("search/index.json.gz")).unwrap();
        let mut text = String::new();
        flate2::read::GzDecoder::new(file)
            .read_to_string(&mut text)
            .unwrap();
        let manifest: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(manifest["v"], 2);
        let kids = manifest["k"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().chars().collect()))
            .collect();
        Reader {
            site,
            docs: manifest["n"].as_u64().unwrap() as usize,
            width: manifest["w"].as_u64().unwrap() as usize,
            head: manifest["h"].as_u64().unwrap() as usize,
            per_fragment: manifest["f"].as_u64().unwrap() as usize,
            kids,
        }
    }

    /// The key of the shard holding `term`, as search.js finds it: down
    /// the split prefixes by the next character, to the file of the last
    /// child starting at or before it.
    fn key(&self, term: &str) -> Option<String> {
        let chars: Vec<char> = term.chars().collect();
        let mut key: String = chars[..1].iter().collect();
        for i in 1.. {
            let starts = self.kids.get(&key)?;
            if i >= chars.len() {
                return (i >= 2).then_some(key);
            }
            let start = *starts.iter().rev().find(|&&s| s <= chars[i])?;
            let child = format!("{key}{start}");
            if start != chars[i] || !self.kids.contains_key(&child) {
                return Some(child);
            }
            key = child;
        }
        None
    }

    fn file(&self, key: &str) -> String {
        let name = if key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            format!("w{key}")
        } else {
            std::iter::once("u".to_string())
                .chain(key.bytes().map(|b| format!("{b:02x}")))
                .collect()
        };
        format!("search/t/{name}.json.gz")
    }

    /// Every row of the shard of `key`.
    fn shard(&self, key: &str) -> Vec<Row> {
        let shard: Value = serde_json::from_str(&self.gunzip(&self.file(key))).unwrap();
        assert_eq!(shard["v"], 2);
        shard["t"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| {
                let head: Vec<char> = row[2].as_str().unwrap().chars().collect();
                let head = head
                    .chunks(self.width + 1)
                    .map(|c| {
                        let doc = c[..self.width].iter().fold(0, |d, &c| d * 64 + digit(c));
                        let score = digit(c[self.width]) as u8;
                        assert!((1..=63).contains(&score));
                        (doc, score)
                    })
                    .collect();
                let members = row.get(3).map(|m| {
                    let m = m.as_str().unwrap();
                    if let Some(path) = m.strip_prefix("search/") {
                        let text = self.gunzip(&format!("search/{path}"));
                        let file: Value = serde_json::from_str(&text).unwrap();
                        members(file["m"].as_str().unwrap())
                    } else {
                        members(m)
                    }
                });
                Row {
                    term: row[0].as_str().unwrap().to_string(),
                    df: row[1].as_u64().unwrap() as usize,
                    head,
                    members,
                }
            })
            .collect()
    }

    /// The text of a gzipped file of the index.
    fn gunzip(&self, path: &str) -> String {
        assert!(path.ends_with(".json.gz"), "{path}");
        let file = std::fs::File::open(self.site.out().join(path)).unwrap();
        let mut json = String::new();
        flate2::read::GzDecoder::new(file)
            .read_to_string(&mut json)
            .unwrap();
        json
    }

    /// The row of `term` (or of `key*`), if a paper has it.
    fn row(&self, term: &str) -> Option<Row> {
        let key = match term.strip_suffix('*') {
            Some(key) => key.to_string(),
            None => self.key(term)?,
        };
        self.shard(&key).into_iter().find(|r| r.term == term)
    }

    /// Doc id to score for `term` from its head, empty when no paper has it.
    fn postings(&self, term: &str) -> BTreeMap<usize, u8> {
        self.row(term)
            .map(|r| r.head.into_iter().collect())
            .unwrap_or_default()
    }

    /// The record of doc `doc`: title, path, authors, date, themes, text.
    fn record(&self, doc: usize) -> Value {
        assert!(doc < self.docs);
        let json = self.gunzip(&format!("search/f/{}.json.gz", doc / self.per_fragment));
        let chunk: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(chunk["v"], 2);
        chunk["d"][doc % self.per_fragment].clone()
    }

    /// The path (relative to the site) of doc `doc`'s page.
    fn path(&self, doc: usize) -> String {
        self.record(doc)[1].as_str().unwrap().to_string()
    }

    fn text(&self, doc: usize) -> String {
        self.record(doc)[5].as_str().unwrap().to_string()
    }

    /// Papers with `term`, best first.
    fn find(&self, term: &str) -> Vec<String> {
        let row = self.row(term).map(|r| r.head).unwrap_or_default();
        row.into_iter().map(|(d, _)| self.path(d)).collect()
    }

    /// The papers a query finds, best first, ranked as search.js ranks
    /// (its comments give the rule): papers with every word first; each
    /// word scored by its tier (2 * class of the field it is in, plus 1
    /// for the whole word, as against a word it begins), then strength
    /// times the rarity of the query word. For sites whose heads hold
    /// every doc.
    fn rank(&self, query: &str) -> Vec<String> {
        let words: Vec<String> = query
            .to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.len() >= 2)
            .map(str::to_string)
            .collect();
        let mut per_word = Vec::new();
        for q in &words {
            let rows: Vec<(bool, Row)> = self
                .key(q)
                .map(|key| self.shard(&key))
                .unwrap_or_default()
                .into_iter()
                .filter_map(|r| {
                    let whole = r.term == *q;
                    let star = r.term.strip_suffix('*') == Some(q.as_str());
                    let prefix = !r.term.ends_with('*') && r.term.starts_with(q.as_str());
                    (whole || star || prefix).then_some((whole, r))
                })
                .collect();
            let df = rows
                .iter()
                .find(|(_, r)| r.term.ends_with('*'))
                .map(|(_, r)| r.df)
                .unwrap_or_else(|| rows.iter().map(|(_, r)| r.df).sum::<usize>().min(self.docs));
            let n = self.docs as f64;
            let idf = (1.0 + (n - df as f64 + 0.5) / (df as f64 + 0.5)).ln();
            let mut scores: BTreeMap<usize, f64> = BTreeMap::new();
            for (whole, row) in rows {
                assert!(row.members.is_none(), "rank() reads heads only");
                for (doc, s) in row.head {
                    let tier = 2 * (s >> 4) as u32 + u32::from(whole);
                    let v = f64::from(tier) * 16.0 + idf.min(12.0) * f64::from(s & 15) / 15.0;
                    let e = scores.entry(doc).or_insert(0.0);
                    *e = e.max(v);
                }
            }
            per_word.push(scores);
        }
        let mut all: Vec<(usize, usize, f64)> = (0..self.docs)
            .filter_map(|doc| {
                let found: Vec<f64> = per_word
                    .iter()
                    .filter_map(|s| s.get(&doc).copied())
                    .collect();
                (!found.is_empty()).then(|| (doc, found.len(), found.iter().sum()))
            })
            .collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.total_cmp(&a.2)).then(a.0.cmp(&b.0)));
        all.into_iter().map(|(d, _, _)| self.path(d)).collect()
    }
}

/// The docs of a membership file's text (see search.js).
fn members(text: &str) -> Vec<usize> {
    let (kind, rest) = text.split_at(1);
    let mut out = Vec::new();
    match kind {
        "b" => {
            for (i, c) in rest.chars().enumerate() {
                let bits = digit(c);
                out.extend((0..6).filter(|b| bits & (1 << b) != 0).map(|b| i * 6 + b));
            }
        }
        "g" => {
            let mut values = rest.chars().map(digit);
            let mut doc = 0;
            while let Some(mut v) = values.next() {
                let (mut gap, mut shift) = (0, 0);
                while v >= 32 {
                    gap |= (v - 32) << shift;
                    shift += 5;
                    v = values.next().unwrap();
                }
                doc += gap | (v << shift);
                out.push(doc);
            }
        }
        _ => panic!("unknown membership {text:?}"),
    }
    out
}

fn paper(title: &str, authors: &str, abstract_text: &str, extra: &str, notes: &str) -> String {
    format!(
        "---\ntitle: {title:?}\nauthors: [{authors}]\ndate: 2025-05-07\n{extra}abstract: |\n  {abstract_text}\n---\n{notes}\n"
    )
}

fn site() -> TestSite {
    TestSite::with_papers(&[
        (
            "kestrel.md",
            &paper(
                "Hovering flight control",
                "Ada Lovelace, Grace Hopper",
                "We study how the kestrel holds still against the wind.",
                "tags: [ornithology]\n",
                "Curator notes mention pelicans.",
            ),
        ),
        (
            "splat.md",
            &paper(
                "Gaussian splatting for birds",
                "Alan Turing",
                "A gaussian splatting method for feathers.",
                "",
                "",
            ),
        ),
        (
            "mention.md",
            &paper(
                "Feather rendering",
                "Édouard Lucas",
                "Unlike gaussian splatting, we ray-trace feathers.",
                "",
                "",
            ),
        ),
    ])
}

#[test]
fn every_field_is_searchable_and_resolves_to_the_paper() {
    let site = site();
    site.build().unwrap();
    let index = Reader::new(&site);
    assert_eq!(index.docs, 3);
    let kestrel = vec!["papers/kestrel/".to_string()];
    // Abstract, title, authors, tag, notes.
    for word in [
        "kestrel",
        "hovering",
        "lovelace",
        "hopper",
        "ornithology",
        "pelicans",
    ] {
        assert_eq!(index.find(word), kestrel, "{word}");
    }
    // Accents fold: "Édouard" is found as "edouard".
    assert_eq!(index.find("edouard"), ["papers/mention/"]);
    // Stop words and one-letter words are not indexed.
    assert!(index.postings("the").is_empty() && index.postings("we").is_empty());
    // The snippet text holds the abstract and the notes.
    let doc = *index.postings("kestrel").keys().next().unwrap();
    let text = index.text(doc);
    assert!(
        text.contains("holds still") && text.contains("pelicans"),
        "{text}"
    );
}

#[test]
fn a_word_in_the_title_ranks_above_a_mention_in_the_abstract() {
    let site = site();
    site.build().unwrap();
    let index = Reader::new(&site);
    let found = index.find("splatting");
    assert_eq!(found, ["papers/splat/", "papers/mention/"]);
}

#[test]
fn the_fragment_carries_what_a_result_shows() {
    let site = site();
    site.build().unwrap();
    let index = Reader::new(&site);
    let doc = *index.postings("kestrel").keys().next().unwrap();
    let row = index.record(doc);
    assert_eq!(row[0], "Hovering flight control");
    assert_eq!(row[1], "papers/kestrel/");
    assert_eq!(row[2], "Ada Lovelace, Grace Hopper");
    // No `published`: the day added, said as such, not passed off as its date.
    assert_eq!(row[3], "added 7 May 2025");
    // Themes as links: a title and the theme page's path, which exists.
    let themes = row[4].as_array().unwrap();
    assert!(!themes.is_empty());
    for theme in themes {
        let path = theme[1].as_str().unwrap();
        assert!(path.starts_with("themes/"), "{theme}");
        assert!(
            site.out().join(path).join("index.html").is_file(),
            "{theme}"
        );
        assert!(!theme[0].as_str().unwrap().is_empty());
    }
    // The search page and its script are there, and every page links to it.
    assert!(site.read("search/index.html").contains("search.js"));
    assert!(site.read("search.js").contains("const STOP"));
    assert!(site.read("index.html").contains("/search/"));
}

#[test]
fn big_groups_split_into_longer_prefixes() {
    // Enough papers sharing words that start alike to pass the split
    // threshold (12,000 bytes of rows under one two-letter key).
    let mut files = Vec::new();
    for i in 0..400 {
        let words: Vec<String> = (0..16).map(|w| format!("co{}x{}", w, i % 7)).collect();
        files.push((
            format!("p{i}.md"),
            paper(&format!("Paper {i}"), "A B", &words.join(" "), "", ""),
        ));
    }
    let site = TestSite::with_owned_papers(&files);
    site.build().unwrap();
    let index = Reader::new(&site);
    assert!(index.kids.contains_key("co"), "{:?}", index.kids);
    // Files of whole prefixes, packed: "co3x1" is not in "co"'s own file,
    // and every word of one file begins alike.
    let key = index.key("co3x1").unwrap();
    assert!(key.starts_with("co") && key.len() == 3, "{key}");
    assert!(index.kids["co"].len() <= 4, "{:?}", index.kids);
    assert_eq!(
        index.postings("co3x1").len(),
        (0..400).filter(|i| i % 7 == 1).count()
    );
    // The split key's own file stands for every word under it ("co*"),
    // so a query "co" fetches one file.
    let star = index.row("co*").expect("a co* row");
    assert_eq!(star.df, 400);
    let docs: HashSet<usize> = star
        .members
        .clone()
        .unwrap_or_else(|| star.head.iter().map(|&(d, _)| d).collect())
        .into_iter()
        .collect();
    assert_eq!(docs.len(), 400);
}

#[test]
fn a_long_row_keeps_its_best_docs_and_lists_the_rest() {
    // More papers with a word than a head holds: the head keeps the best
    // (title before abstract), and a membership file lists every paper.
    let mut files = Vec::new();
    for i in 0..200 {
        files.push((
            format!("p{i:03}.md"),
            paper(&format!("Paper {i}"), "A B", "A common word.", "", ""),
        ));
    }
    for i in 0..3 {
        files.push((
            format!("t{i}.md"),
            paper(
                &format!("Common ground {i}"),
                "A B",
                "Nothing here.",
                "",
                "",
            ),
        ));
    }
    let site = TestSite::with_owned_papers(&files);
    site.build().unwrap();
    let index = Reader::new(&site);
    let row = index.row("common").unwrap();
    assert_eq!(row.df, 203);
    assert_eq!(row.head.len(), index.head);
    assert!(index.head < 203);
    let best: Vec<String> = row.head[..3].iter().map(|&(d, _)| index.path(d)).collect();
    let mut sorted = best.clone();
    sorted.sort();
    assert_eq!(sorted, ["papers/t0/", "papers/t1/", "papers/t2/"]);
    assert!(row.head.windows(2).all(|w| w[0].1 >= w[1].1), "best first");
    let members = row.members.expect("a membership file");
    assert_eq!(members.len(), 203);
    assert_eq!(members.iter().collect::<HashSet<_>>().len(), 203);
    assert!(members.iter().all(|&d| d < index.docs));
}

/// The cases of issue #22: a prefix must not let a rare word beat the
/// title that has the words.
#[test]
fn a_title_with_the_words_outranks_a_rarer_word_they_begin() {
    let site = TestSite::with_papers(&[
        (
            "rl.md",
            &paper(
                "Reinforcement learning from human feedback",
                "A B",
                "We train policies with rewards learned from preferences.",
                "",
                "",
            ),
        ),
        (
            "learner.md",
            &paper(
                "A meta-learner for few-shot tasks",
                "C D",
                "The learner adapts quickly to new tasks.",
                "",
                "",
            ),
        ),
        (
            "learner-rl.md",
            &paper(
                "A learner that plans",
                "E F",
                "Planning with reinforcement signals.",
                "",
                "",
            ),
        ),
        (
            "mention.md",
            &paper(
                "Curriculum design",
                "G H",
                "Curricula for reinforcement learning agents and learning rates.",
                "",
                "",
            ),
        ),
    ]);
    site.build().unwrap();
    let index = Reader::new(&site);
    let found = index.rank("reinforcement lear");
    assert_eq!(found[0], "papers/rl/", "{found:?}");
    // Every word before some: the paper with only "learner" comes last.
    assert_eq!(found.last().unwrap(), "papers/learner/", "{found:?}");
    // A whole word in the title above a word it begins.
    let found = index.rank("learner");
    assert!(
        found[..2].contains(&"papers/learner-rl/".to_string()),
        "{found:?}"
    );
    let found = index.rank("learn");
    assert_eq!(found.len(), 4, "{found:?}");
}

#[test]
fn lora_in_the_title_outranks_lora_in_the_abstract() {
    let site = TestSite::with_papers(&[
        (
            "peft.md",
            &paper(
                "Parameter-efficient fine-tuning",
                "A B",
                "LoRA, LoRA and LoRA again: LoRA, LoRA, LoRA, LoRA, LoRA, LoRA and LoRA.",
                "",
                "",
            ),
        ),
        (
            "lora.md",
            &paper(
                "LoRA: low-rank adaptation of large language models",
                "C D",
                "We freeze the weights and train rank decompositions in a long abstract \
                 about adapters, transformers, language models and their many layers.",
                "",
                "",
            ),
        ),
    ]);
    site.build().unwrap();
    let index = Reader::new(&site);
    assert_eq!(index.rank("lora"), ["papers/lora/", "papers/peft/"]);
    assert_eq!(index.find("lora"), ["papers/lora/", "papers/peft/"]);
}

#[test]
fn a_whole_word_in_the_title_outranks_a_longer_word_it_begins() {
    let site = TestSite::with_papers(&[
        (
            "graphene.md",
            &paper("Graphene", "A B", "Graphene sheets.", "", ""),
        ),
        (
            "graph.md",
            &paper(
                "Message passing on a graph of many long-named relations",
                "C D",
                "Nodes.",
                "",
                "",
            ),
        ),
    ]);
    site.build().unwrap();
    let index = Reader::new(&site);
    assert_eq!(index.rank("graph"), ["papers/graph/", "papers/graphene/"]);
}

#[test]
fn search_can_be_turned_off() {
    let site = site();
    let config = site.root().join("site-config.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}\nsearch: false\n")).unwrap();
    site.build().unwrap();
    assert!(!site.out().join("search").exists());
    assert!(!site.out().join("search.js").exists());
    assert!(!site.read("index.html").contains("role=\"search\""));
}

#[test]
fn snippet_text_stays_within_its_limit_whatever_the_lengths() {
    // An abstract one byte short of the limit, then notes: the separator
    // must not push the text past the limit (or underflow the room left).
    let long = "a".repeat(999);
    let site = TestSite::with_papers(&[(
        "long.md",
        &paper("Long abstract", "A B", &long, "", "Notes that do not fit."),
    )]);
    site.build().unwrap();
    let index = Reader::new(&site);
    let text = index.text(0);
    assert!(text.len() <= 1000, "{} bytes", text.len());
    assert!(text.starts_with(&long));
}
