//! `sheaf themes`: how the papers fall into research themes, and
//! suggestions for the ones that fall into none.
//!
//! Suggestions come from the terms (words and two-word phrases) that are
//! most distinctive of the unsorted papers against the whole digest: their
//! TF-IDF summed over the unsorted papers. Terms an existing theme already
//! matches are left out, and each suggestion must cover papers the ones
//! before it did not.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Write;
use std::path::Path;

use crate::base::error::Result;
use crate::base::text::terms;
use crate::io::load;
use crate::model::{ModelOptions, Site};

/// How many themes `--suggest` proposes at most.
const SUGGESTIONS: usize = 5;

/// The report `sheaf themes [--suggest]` prints.
pub fn themes_report(root: &Path, suggest: bool) -> Result<String> {
    let config = crate::io::load::config(root)?;
    let inputs = load::load(config)?;
    let site = Site::build(&inputs, ModelOptions::default(), None, None)?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} papers in {} research themes",
        site.papers.len(),
        site.themes.len()
    );
    let width = site
        .themes
        .iter()
        .map(|t| t.def.id.len())
        .max()
        .unwrap_or(0)
        + 12;
    for t in &site.themes {
        let id = if t.catch_all {
            format!("{} (catch-all)", t.def.id)
        } else {
            t.def.id.clone()
        };
        let _ = writeln!(out, "  {id:<width$} {:>5}  {}", t.papers.len(), t.def.title);
    }
    let unsorted = site.unsorted();
    let (chosen, unmatched): (Vec<usize>, Vec<usize>) = unsorted
        .iter()
        .partition(|&&i| site.papers[i].entry.themes.is_some());
    for (label, list) in [
        ("Matching no theme", &unmatched),
        ("Filed under the catch-all by the curator", &chosen),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{label} ({}):", list.len());
        for &i in list.iter() {
            let e = &site.papers[i].entry;
            let _ = writeln!(out, "  {}  {}", e.source.display(), e.title);
        }
    }
    if suggest {
        out.push('\n');
        out.push_str(&suggestions(&site, &unmatched));
    }
    Ok(out)
}

/// A YAML snippet of suggested themes for the papers at `unsorted`.
pub(crate) fn suggestions(site: &Site, unsorted: &[usize]) -> String {
    if unsorted.is_empty() {
        return "# Every paper is in a theme: nothing to suggest.\n".into();
    }
    let docs: Vec<Vec<String>> = site
        .papers
        .iter()
        .map(|p| terms(&format!("{}. {}", p.entry.title, p.derived.abstract_text)))
        .collect();
    let mut df: HashMap<&str, usize> = HashMap::new();
    for doc in &docs {
        for t in doc.iter().collect::<HashSet<_>>() {
            *df.entry(t).or_default() += 1;
        }
    }
    let n = docs.len() as f64;
    let covered = &site.config.theme_matchers;
    let mut score: HashMap<&str, f64> = HashMap::new();
    let mut holders: HashMap<&str, BTreeSet<usize>> = HashMap::new();
    for &i in unsorted {
        let doc = &docs[i];
        let len = doc.len().max(1) as f64;
        let mut tf: HashMap<&str, f64> = HashMap::new();
        for t in doc {
            *tf.entry(t).or_default() += 1.0;
        }
        for (t, count) in tf {
            let idf = (n / df[t] as f64).ln() + 1.0;
            *score.entry(t).or_default() += count / len * idf;
            holders.entry(t).or_default().insert(i);
        }
    }
    let mut ranked: Vec<(&str, f64)> = score
        .into_iter()
        .filter(|(t, _)| covered.matching(t).is_empty())
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));

    let mut out = format!(
        "# Suggested themes for {} unsorted paper{} (from their most distinctive terms).\n# Paste under `themes:` in site-config.yaml and edit to taste.\n",
        unsorted.len(),
        if unsorted.len() == 1 { "" } else { "s" }
    );
    let mut placed: BTreeSet<usize> = BTreeSet::new();
    let mut made = 0;
    for (term, _) in &ranked {
        if made == SUGGESTIONS {
            break;
        }
        let papers = &holders[term];
        if papers.is_subset(&placed) {
            continue;
        }
        // Other strong terms of the same papers make good extra keywords.
        let extra: Vec<&str> = ranked
            .iter()
            .map(|(t, _)| *t)
            .filter(|t| {
                t != term && holders[t] == *papers && !t.contains(term) && !term.contains(t)
            })
            .take(2)
            .collect();
        let id = slug::slugify(term);
        let title = capitalise(term);
        let mut keywords = vec![format!("{term:?}")];
        keywords.extend(extra.iter().map(|t| format!("{t:?}")));
        let _ = writeln!(out, "  - id: {id}");
        let _ = writeln!(out, "    title: {title:?}");
        let _ = writeln!(out, "    description: \"\"");
        let _ = writeln!(out, "    keywords: [{}]", keywords.join(", "));
        let slugs: Vec<&str> = papers
            .iter()
            .map(|&i| site.papers[i].entry.slug.as_str())
            .collect();
        let _ = writeln!(out, "    # would hold: {}", slugs.join(", "));
        placed.extend(papers.iter().copied());
        made += 1;
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}
