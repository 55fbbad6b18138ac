//! What the production stages make: files in memory, each with what it
//! shows, so a rebuild knows which ones an edit makes stale. Defined here,
//! below both, so the pages (`produce::render`), the search index
//! (`produce::search`) and the writer (`io::output`) share them without
//! depending on one another.

/// What an output shows, so a rebuild knows when it is stale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Depends {
    /// Fixed files (robots.txt, stylesheets, the 404 page): only config,
    /// template or static changes.
    Nothing,
    /// Only which pages exist and their counts (indexes, sitemap): changes
    /// only with the site's structure.
    Structure,
    /// The summaries (title, authors, excerpt, links…) of these papers
    /// (indices into `Site::papers`; an edit that moves a paper renders
    /// everything, so they stay valid between rebuilds).
    Summaries(Vec<usize>),
    /// Everything about these papers, abstracts and notes included.
    Details(Vec<usize>),
    /// Only the BibTeX entries and `papers.json` records of these papers
    /// (the bundles made of those alone), which hold no notes.
    Records(Vec<usize>),
    /// A file of the search index, which keeps its own account of what
    /// an edit touches (`search::Index::update`).
    Search,
}

/// One rendered file.
#[derive(Debug, Clone)]
pub struct Output {
    /// Path inside the output folder, `/`-separated.
    pub path: String,
    /// Shared, not copied, when `serve` hands a build's files to readers.
    pub bytes: bytes::Bytes,
    pub depends: Depends,
}

/// `bytes` gzipped, as the files the browser reads (the search index, the
/// lists' data files) are stored: less to store and to download, whether
/// or not the host compresses. Deterministic (no time or name in the
/// header). The fastest level: at 100,000 papers level 6 saved 7% of the
/// search index's bytes but made its stage of a 10,000-paper build about
/// 60% slower, and made the lists' data files 30% smaller at a few times
/// the cost.
pub(crate) fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::GzBuilder::new().write(
        Vec::with_capacity(bytes.len() / 2),
        flate2::Compression::new(1),
    );
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}
