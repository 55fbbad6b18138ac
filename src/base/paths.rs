//! Where things are: the digest's configuration file and the site paths
//! of its pages (`/`-separated, relative to the site's root; [`Urls`]
//! turns them into URLs). Pages, feeds, the search index and the sitemap
//! all link to pages, so the paths live below all of them.
//!
//! [`Urls`]: crate::base::urls::Urls

/// The file that makes a folder a sheaf digest.
pub const CONFIG_FILE: &str = "site-config.yaml";

/// The search page.
pub(crate) const SEARCH_PAGE: &str = "search/";

/// The search page's script.
pub(crate) const SEARCH_SCRIPT: &str = "search.js";

pub(crate) fn paper_path(slug: &str) -> String {
    format!("papers/{slug}/")
}

pub(crate) fn theme_path(id: &str) -> String {
    format!("themes/{id}/")
}

pub(crate) fn tag_path(slug: &str) -> String {
    format!("tags/{slug}/")
}

pub(crate) fn month_path(year: i32, month: u8) -> String {
    format!("archive/{year:04}/{month:02}/")
}

/// `verdict/must-read/`, `status/reading/`.
pub(crate) fn facet_path(kind: &str, value: &str) -> String {
    format!("{kind}/{value}/")
}

/// The parent of every paper's page: not a list of its own (the archive
/// is), but a reader who cuts a paper's URL back lands there.
pub(crate) const PAPERS_PATH: &str = "papers/";

/// `archive/2025/`: the months of a year.
pub(crate) fn year_path(year: i32) -> String {
    format!("archive/{year:04}/")
}

/// `verdict/`, `status/`: the values of a facet.
pub(crate) fn facet_index_path(kind: &str) -> String {
    format!("{kind}/")
}

/// Every venue (`journal_ref`) the entries name.
pub(crate) const VENUES_PATH: &str = "venue/";

pub(crate) fn venue_path(slug: &str) -> String {
    format!("{VENUES_PATH}{slug}/")
}

/// The most popular papers by their live figures.
pub(crate) const TOP_PATH: &str = "top/";

/// The folder of a list's later pages (`themes/x/page/`); page `n` (from
/// 1) is `page/n/` in it, and the folder itself leads to the first page.
pub(crate) fn pages_path(list: &str) -> String {
    format!("{list}page/")
}
