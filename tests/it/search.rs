//! The search index as the browser reads it: a query's shard is found
//! through the manifest, postings are decoded, docs resolve to the paper
//! pages. The browser side (search.js) is tested in search_browser.rs.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;

use crate::common::*;

/// Reads a built site's index the way search.js does.
struct Reader<'a> {
    site: &'a TestSite,
    docs: usize,
    split: HashSet<String>,
}

impl<'a> Reader<'a> {
    fn new(site: &'a TestSite) -> Reader<'a> {
        let manifest: Value = serde_json::from_str(&site.read("search/index.json")).unwrap();
        assert_eq!(manifest["v"], 1);
        Reader {
            site,
            docs: manifest["n"].as_u64().unwrap() as usize,
            split: manifest["split"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k.as_str().unwrap().to_string())
                .collect(),
        }
    }

    /// The shortest prefix (two characters or more) that is not split.
    fn file(&self, term: &str) -> String {
        let chars: Vec<char> = term.chars().collect();
        let mut n = 2.min(chars.len());
        while n < chars.len() && self.split.contains(&chars[..n].iter().collect::<String>()) {
            n += 1;
        }
        let key: String = chars[..n].iter().collect();
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
        format!("search/t/{name}.json")
    }

    /// Doc id to score for `term`, empty when no paper has it.
    fn postings(&self, term: &str) -> BTreeMap<usize, u32> {
        let path = self.file(term);
        let Ok(text) = std::fs::read_to_string(self.site.out().join(&path)) else {
            return BTreeMap::new();
        };
        let shard: Value = serde_json::from_str(&text).unwrap();
        let Some(row) = shard["t"]
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row[0] == term)
        else {
            return BTreeMap::new();
        };
        decode(row[1].as_str().unwrap())
    }

    /// The path (relative to the site) of doc `doc`'s page.
    fn path(&self, doc: usize) -> String {
        assert!(doc < self.docs);
        let chunk: Value =
            serde_json::from_str(&self.site.read(&format!("search/d/{}.json", doc / 64))).unwrap();
        chunk["d"][doc % 64][1].as_str().unwrap().to_string()
    }

    fn text(&self, doc: usize) -> String {
        let chunk: Value =
            serde_json::from_str(&self.site.read(&format!("search/x/{}.json", doc / 8))).unwrap();
        chunk["x"][doc % 8].as_str().unwrap().to_string()
    }

    /// Papers with `term`, best first.
    fn find(&self, term: &str) -> Vec<String> {
        let mut hits: Vec<(usize, u32)> = self.postings(term).into_iter().collect();
        hits.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        hits.into_iter().map(|(d, _)| self.path(d)).collect()
    }
}

fn decode(s: &str) -> BTreeMap<usize, u32> {
    const DIGITS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut values = s.chars().map(|c| DIGITS.find(c).unwrap() as u32);
    let mut out = BTreeMap::new();
    let mut doc = 0usize;
    while let Some(mut v) = values.next() {
        let (mut gap, mut shift) = (0usize, 0);
        while v >= 32 {
            gap |= ((v - 32) as usize) << shift;
            shift += 5;
            v = values.next().unwrap();
        }
        gap |= (v as usize) << shift;
        doc += gap;
        let score = values.next().unwrap();
        assert!((1..=63).contains(&score));
        out.insert(doc, score);
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
fn the_meta_chunk_carries_what_a_result_shows() {
    let site = site();
    site.build().unwrap();
    let index = Reader::new(&site);
    let doc = *index.postings("kestrel").keys().next().unwrap();
    let chunk: Value =
        serde_json::from_str(&site.read(&format!("search/d/{}.json", doc / 64))).unwrap();
    let row = &chunk["d"][doc % 64];
    assert_eq!(row[0], "Hovering flight control");
    assert_eq!(row[2], "Ada Lovelace, Grace Hopper");
    // No `published`: the day added, said as such, not passed off as its date.
    assert_eq!(row[3], "added 7 May 2025");
    assert!(row[4].as_array().is_some_and(|t| !t.is_empty()));
    // The search page and its script are there, and every page links to it.
    assert!(site.read("search/index.html").contains("search.js"));
    assert!(site.read("search.js").contains("const STOP"));
    assert!(site.read("index.html").contains("/search/"));
}

#[test]
fn big_groups_split_into_longer_prefixes() {
    // Enough papers sharing words that start alike to pass the split
    // threshold (6,000 postings under one two-letter key).
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
    assert!(index.split.contains("co"), "{:?}", index.split);
    assert_ne!(index.file("co3x1"), "search/t/wco.json");
    assert_eq!(
        index.postings("co3x1").len(),
        (0..400).filter(|i| i % 7 == 1).count()
    );
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
    let long = "a".repeat(1999);
    let site = TestSite::with_papers(&[(
        "long.md",
        &paper("Long abstract", "A B", &long, "", "Notes that do not fit."),
    )]);
    site.build().unwrap();
    let index = Reader::new(&site);
    let text = index.text(0);
    assert!(text.len() <= 2000, "{} bytes", text.len());
    assert!(text.starts_with(&long));
}
