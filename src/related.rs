//! Related papers: for each paper, the five most similar others, by TF-IDF
//! cosine similarity over title and abstract, with shared themes breaking
//! ties.
//!
//! It must scale to 100,000 papers, so no pair of papers is compared unless
//! they share a distinctive term: each paper keeps only its strongest terms,
//! and an inverted index from those terms to papers yields the candidates.

use std::collections::HashMap;

use rayon::prelude::*;

/// How many related papers a page lists.
pub const RELATED: usize = 5;

/// Terms kept per paper: enough to find neighbours, few enough to keep
/// posting lists short.
const TERMS_PER_PAPER: usize = 24;

/// A term in more than this share of papers says nothing about any.
const MAX_DF_SHARE: f64 = 0.2;

/// One paper as the computation sees it.
pub struct Doc<'a> {
    /// Term counts of title and abstract.
    pub terms: &'a [(String, u32)],
    /// Theme indices, for ties.
    pub themes: &'a [usize],
}

/// The related papers of every paper, as indices, best first.
pub fn related(docs: &[Doc]) -> Vec<Vec<usize>> {
    let n = docs.len();
    if n < 2 {
        return vec![Vec::new(); n];
    }
    let mut df: HashMap<&str, u32> = HashMap::new();
    for d in docs {
        for (t, _) in d.terms {
            *df.entry(t.as_str()).or_default() += 1;
        }
    }
    // Small digests keep every shared term; large ones drop the common.
    let max_df = (((n as f64) * MAX_DF_SHARE) as u32).max(25);
    // Sparse, normalised vectors of each paper's strongest terms.
    let vectors: Vec<Vec<(&str, f32)>> = docs
        .par_iter()
        .map(|d| {
            let mut v: Vec<(&str, f32)> = d
                .terms
                .iter()
                .filter_map(|(t, tf)| {
                    let df = df[t.as_str()];
                    // A term no other paper has cannot link two papers.
                    (df >= 2 && df <= max_df).then(|| {
                        let w = (1.0 + (*tf as f64).ln()) * ((n as f64) / df as f64).ln();
                        (t.as_str(), w as f32)
                    })
                })
                .collect();
            v.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
            v.truncate(TERMS_PER_PAPER);
            let norm = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
            if norm > 0.0 {
                for (_, w) in &mut v {
                    *w /= norm;
                }
            }
            v
        })
        .collect();
    let mut postings: HashMap<&str, Vec<(u32, f32)>> = HashMap::new();
    for (i, v) in vectors.iter().enumerate() {
        for &(t, w) in v {
            postings.entry(t).or_default().push((i as u32, w));
        }
    }
    (0..n)
        .into_par_iter()
        .map_init(
            || (vec![0f32; n], Vec::new()),
            |(scores, touched), i| {
                for &(t, w) in &vectors[i] {
                    for &(j, wj) in &postings[t] {
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
                let mut best: Vec<(usize, f32, usize)> =
                    touched.iter().map(|&j| (j, scores[j], shared(j))).collect();
                // Similarity first; among near-equals, shared themes; then
                // the paper order, so the result is the same every build.
                best.sort_by(|a, b| {
                    let (sa, sb) = ((a.1 * 1000.0).round(), (b.1 * 1000.0).round());
                    sb.total_cmp(&sa).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0))
                });
                for &j in touched.iter() {
                    scores[j] = 0.0;
                }
                touched.clear();
                best.into_iter().take(RELATED).map(|(j, _, _)| j).collect()
            },
        )
        .collect()
}

/// Term counts of a text (words and two-word phrases).
pub fn term_counts(text: &str) -> Vec<(String, u32)> {
    let mut counts: HashMap<String, u32> = HashMap::new();
    for t in crate::text::terms(text) {
        *counts.entry(t).or_default() += 1;
    }
    let mut v: Vec<(String, u32)> = counts.into_iter().collect();
    v.sort();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similar_papers_find_each_other() {
        let texts = [
            "Gaussian splatting for novel view synthesis of scenes",
            "Dynamic scenes with 4D Gaussian splatting in real time",
            "Language model pretraining on curated tokens",
            "Scaling language model pretraining with better tokens",
            "Gaussian splatting of large city scenes",
        ];
        let terms: Vec<Vec<(String, u32)>> = texts.iter().map(|t| term_counts(t)).collect();
        let docs: Vec<Doc> = terms
            .iter()
            .map(|t| Doc {
                terms: t,
                themes: &[],
            })
            .collect();
        let r = related(&docs);
        assert!(r[0].starts_with(&[1]) || r[0].starts_with(&[4]), "{r:?}");
        assert!(!r[0].contains(&2) && !r[0].contains(&3), "{r:?}");
        assert_eq!(r[2].first(), Some(&3));
        assert!(r.iter().enumerate().all(|(i, list)| !list.contains(&i)));
    }
}
