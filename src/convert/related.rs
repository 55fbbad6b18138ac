//! Related papers: for each paper, the five most similar others, by TF-IDF
//! cosine similarity over title and abstract, with shared themes breaking
//! ties.
//!
//! It must scale to 100,000 papers, so no pair of papers is compared unless
//! they share a distinctive term: each paper keeps only its strongest terms,
//! and an inverted index from those terms to papers yields the candidates.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rayon::prelude::*;

/// How many related papers a page lists.
pub(crate) const RELATED: usize = 5;

/// Terms kept per paper: enough to find neighbours, few enough to keep
/// posting lists short.
const TERMS_PER_PAPER: usize = 24;

/// A term in more than this share of papers says little about any, and its
/// posting list would make every paper a candidate of every other.
const MAX_DF_SHARE: f64 = 0.01;

/// Bounds on that cut: small digests keep every shared term, large ones
/// never walk posting lists longer than this.
const MIN_MAX_DF: u32 = 25;
const MAX_MAX_DF: u32 = 300;

/// A term, as a 64-bit hash: computed once per entry and kept across
/// rebuilds, so the statistics over all papers hash integers, not strings.
pub(crate) type Term = u64;

/// Terms are hashes already: a map needs only to mix their bits (one
/// multiply), not to hash them again. Mixed because hashbrown tells keys
/// apart by their top bits, which are all the same within a part of a
/// [`Parts`] map.
type TermMap<V> = HashMap<Term, V, BuildHasherDefault<Mixed>>;

#[derive(Default)]
struct Mixed(u64);

impl Hasher for Mixed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
        self.0 = self.0.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// Bits of a term that pick its part of a [`Parts`] map.
const PART_BITS: u32 = 3;
const PARTS: usize = 1 << PART_BITS;

/// The part of a [`Parts`] map that holds `t`.
fn part(t: Term) -> usize {
    (t >> (64 - PART_BITS)) as usize
}

/// A map of terms in parts, by their top bits, filled in parallel: one
/// map of the postings (2.4 million at 100,000 papers) took a core 0.4 s,
/// a cache miss a posting, where eight parts that each stay in cache take
/// 0.1 s.
struct Parts<V>(Vec<TermMap<V>>);

impl<V: Send> Parts<V> {
    /// Fills each part in parallel: `fill(p, map)` puts the terms of part
    /// `p` into `map`.
    fn fill(fill: impl Fn(usize, &mut TermMap<V>) + Sync) -> Parts<V> {
        Parts(
            (0..PARTS)
                .into_par_iter()
                .map(|p| {
                    let mut map = TermMap::default();
                    fill(p, &mut map);
                    map
                })
                .collect(),
        )
    }

    fn get(&self, t: Term) -> Option<&V> {
        self.0[part(t)].get(&t)
    }
}

/// The term counts of a text, sorted by term. Every paper keeps its own
/// between builds (300,000 terms at 10,000 papers), so they are stored
/// compactly: ten bytes a term, where `(Term, u32)` pairs take sixteen.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct TermCounts {
    terms: Box<[Term]>,
    /// Saturating: a term seen more than 65,535 times in one title and
    /// abstract (which takes an abstract of over 256 KB, of that one
    /// word) weighs as if seen 65,535 times.
    counts: Box<[u16]>,
}

impl TermCounts {
    pub(crate) fn iter(&self) -> impl Iterator<Item = (Term, u16)> + '_ {
        self.terms.iter().copied().zip(self.counts.iter().copied())
    }

    pub(crate) fn len(&self) -> usize {
        self.terms.len()
    }
}

/// One paper as the computation sees it.
pub(crate) struct Doc<'a> {
    /// Term counts of title and abstract.
    pub(crate) terms: &'a TermCounts,
    /// Theme indices, for ties.
    pub(crate) themes: &'a [usize],
}

/// The related papers of every paper, as indices, best first.
pub(crate) fn related(docs: &[Doc]) -> Vec<Vec<usize>> {
    let n = docs.len();
    if n < 2 {
        return vec![Vec::new(); n];
    }
    // In parts, for memory: one map of every term (most of them two-word
    // phrases seen once) held its old and new tables together as it last
    // grew, at a first build's peak (docs/benchmarks.md); parts grow one
    // by one. A paper's terms are sorted, so each part's are a run found
    // by two binary searches.
    let df = Parts::<u32>::fill(|p, df| {
        for d in docs {
            let terms = &d.terms.terms;
            let start = terms.partition_point(|&t| part(t) < p);
            let end = start + terms[start..].partition_point(|&t| part(t) == p);
            for &t in &terms[start..end] {
                *df.entry(t).or_default() += 1;
            }
        }
    });
    let max_df = (((n as f64) * MAX_DF_SHARE) as u32).clamp(MIN_MAX_DF, MAX_MAX_DF);
    // Sparse, normalised vectors of each paper's strongest terms.
    let vectors: Vec<Vec<(Term, f32)>> = docs
        .par_iter()
        .with_max_len(512) // Small pieces (see ARCHITECTURE.md, "Parallel loops").
        .map(|d| {
            let mut v: Vec<(Term, f32)> = d
                .terms
                .iter()
                .filter_map(|(t, tf)| {
                    let df = df.get(t).copied().unwrap_or(0);
                    // A term no other paper has cannot link two papers;
                    // one every paper has weighs nothing (and, scoring
                    // zero, would list a candidate once per such term).
                    (df >= 2 && df <= max_df && (df as usize) < n).then(|| {
                        let w = (1.0 + (tf as f64).ln()) * ((n as f64) / df as f64).ln();
                        (t, w as f32)
                    })
                })
                .collect();
            v.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            v.truncate(TERMS_PER_PAPER);
            // Without this each vector keeps room for all of the paper's
            // terms until every paper has one: 240 MB at 100,000 papers.
            v.shrink_to_fit();
            let norm = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
            if norm > 0.0 {
                for (_, w) in &mut v {
                    *w /= norm;
                }
            }
            v
        })
        .collect();
    // Not held through the scoring: with every term of every paper, it is
    // the largest thing here.
    drop(df);
    // Papers in order: each postings list comes out sorted.
    let postings = Parts::<Vec<(u32, f32)>>::fill(|p, postings| {
        for (i, v) in vectors.iter().enumerate() {
            for &(t, w) in v.iter().filter(|(t, _)| part(*t) == p) {
                postings.entry(t).or_default().push((i as u32, w));
            }
        }
    });
    (0..n)
        .into_par_iter()
        // Small pieces (see ARCHITECTURE.md, "Parallel loops"), but each
        // makes its own score table of n floats: no more than 64 of them.
        .with_max_len(1024.max(n / 64))
        .map_init(
            || (vec![0f32; n], Vec::new()),
            |(scores, touched), i| {
                for &(t, w) in &vectors[i] {
                    for &(j, wj) in postings.get(t).into_iter().flatten() {
                        let j = j as usize;
                        if j != i {
                            if scores[j] == 0.0 {
                                touched.push(j);
                            }
                            scores[j] += w * wj;
                        }
                    }
                }
                let shared = |j: usize| {
                    docs[j]
                        .themes
                        .iter()
                        .filter(|t| docs[i].themes.contains(t))
                        .count()
                };
                // Similarity first (to three decimals, so near-equals tie);
                // among ties, shared themes; then the paper order, so the
                // result is the same every build. A total order, so picking
                // the best few first gives what a full sort would.
                let mut best: Vec<(usize, i64, usize)> = touched
                    .iter()
                    .map(|&j| (j, (scores[j] * 1000.0).round() as i64, shared(j)))
                    .collect();
                let order = |a: &(usize, i64, usize), b: &(usize, i64, usize)| {
                    b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0))
                };
                if best.len() > RELATED {
                    best.select_nth_unstable_by(RELATED, order);
                    best.truncate(RELATED);
                }
                best.sort_by(order);
                for &j in touched.iter() {
                    scores[j] = 0.0;
                }
                touched.clear();
                // Not `collect` on `best`: that would reuse its buffer, sized
                // for every candidate, and keep it for every paper.
                let mut list = Vec::with_capacity(best.len());
                list.extend(best.iter().map(|&(j, _, _)| j));
                list
            },
        )
        .collect()
}

/// A hash of everything [`related`] reads, so its result can be kept
/// between builds (by `crate::io::cache`) and reused while this stays the same.
pub(crate) fn input_key(docs: &[Doc]) -> u128 {
    // Each paper hashed on its own, on every core, then the hashes in
    // order: the terms of 10,000 papers are 20 MB, and the hasher is slow
    // when fed field by field, so each paper's fields go in as one slice.
    let papers: Vec<u128> = docs
        .par_iter()
        .with_max_len(256)
        .map_init(Vec::new, |bytes, d| {
            bytes.clear();
            bytes.reserve(16 + d.terms.len() * 10 + d.themes.len() * 8);
            bytes.extend_from_slice(&(d.terms.len() as u64).to_le_bytes());
            for t in d.terms.terms.iter() {
                bytes.extend_from_slice(&t.to_le_bytes());
            }
            for n in d.terms.counts.iter() {
                bytes.extend_from_slice(&n.to_le_bytes());
            }
            bytes.extend_from_slice(&(d.themes.len() as u64).to_le_bytes());
            for t in d.themes {
                bytes.extend_from_slice(&(*t as u64).to_le_bytes());
            }
            xxhash_rust::xxh3::xxh3_128(bytes)
        })
        .collect();
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for p in &papers {
        h.update(&p.to_le_bytes());
    }
    h.digest128()
}

/// Term counts of a text (words and two-word phrases, as
/// `text::for_each_term` finds them), terms hashed with [`term_hash`].
pub(crate) fn term_counts(text: &str) -> TermCounts {
    // An abstract has about 200 terms: room for them from the start.
    let mut counts: TermMap<u32> = TermMap::with_capacity_and_hasher(256, Default::default());
    crate::base::text::for_each_term(text, |first, second| {
        let hash = match second {
            Some(w) => term_hash(&[first.as_bytes(), b" ", w.as_bytes()]),
            None => term_hash(&[first.as_bytes()]),
        };
        *counts.entry(hash).or_default() += 1;
    });
    let mut v: Vec<(Term, u32)> = counts.into_iter().collect();
    v.sort_unstable();
    TermCounts {
        terms: v.iter().map(|&(t, _)| t).collect(),
        counts: v
            .iter()
            .map(|&(_, n)| u16::try_from(n).unwrap_or(u16::MAX))
            .collect(),
    }
}

/// The hash of a term given in parts: FNV-1a, fixed (the same term has
/// the same hash in every build) and quick on short words.
pub(crate) fn term_hash(parts: &[&[u8]]) -> Term {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The related papers of texts with no themes.
    fn related_texts(texts: &[&str]) -> Vec<Vec<usize>> {
        let terms: Vec<TermCounts> = texts.iter().map(|t| term_counts(t)).collect();
        let docs: Vec<Doc> = terms
            .iter()
            .map(|t| Doc {
                terms: t,
                themes: &[],
            })
            .collect();
        related(&docs)
    }

    #[test]
    fn similar_papers_find_each_other() {
        let texts = [
            "Gaussian splatting for novel view synthesis of scenes",
            "Dynamic scenes with 4D Gaussian splatting in real time",
            "Language model pretraining on curated tokens",
            "Scaling language model pretraining with better tokens",
            "Gaussian splatting of large city scenes",
        ];
        let r = related_texts(&texts);
        assert!(r[0].starts_with(&[1]) || r[0].starts_with(&[4]), "{r:?}");
        assert!(!r[0].contains(&2) && !r[0].contains(&3), "{r:?}");
        assert_eq!(r[2].first(), Some(&3));
        assert!(r.iter().enumerate().all(|(i, list)| !list.contains(&i)));
    }

    #[test]
    fn terms_every_paper_has_link_no_papers_and_nobody_is_listed_twice() {
        let texts = [
            "sparse attention kernels for long context inference",
            "sparse attention kernels for long context inference",
            "sparse attention kernels for long context inference",
        ];
        assert_eq!(related_texts(&texts), vec![Vec::<usize>::new(); 3]);

        let texts = [
            "sparse attention kernels for long context inference",
            "sparse attention kernels for long context inference",
            "sparse attention kernels for long context inference",
            "diffusion sampling of images",
        ];
        let r = related_texts(&texts);
        assert_eq!(r[0], [1, 2]);
        assert!(r[3].is_empty());
    }

    #[test]
    fn term_counts_match_hashing_each_term() {
        let text = "Gaussian Splatting of the city: 4D-Gaussian splatting, Über-scale scenes";
        let mut expected: HashMap<Term, u32> = HashMap::new();
        for t in crate::base::text::terms(text) {
            *expected.entry(term_hash(&[t.as_bytes()])).or_default() += 1;
        }
        let mut expected: Vec<(Term, u16)> =
            expected.into_iter().map(|(t, n)| (t, n as u16)).collect();
        expected.sort_unstable();
        assert_eq!(term_counts(text).iter().collect::<Vec<_>>(), expected);
    }

    #[test]
    fn counts_are_exact_up_to_65535() {
        // The word is seen n times, the phrase "kernel kernel" n - 1.
        let counts = |n: usize| -> Vec<u16> {
            let text = "kernel ".repeat(n);
            let mut c: Vec<u16> = term_counts(&text).iter().map(|(_, c)| c).collect();
            c.sort_unstable();
            c
        };
        assert_eq!(counts(300), [299, 300]);
        assert_eq!(counts(70_000), [u16::MAX, u16::MAX]);
    }
}
