//! What one entry becomes before the site is assembled: its Markdown
//! converted, its themes and tags resolved, its terms counted. A pure
//! function of the entry's fields ([`DerivedSource`]) and a part of the
//! config ([`DerivedConfig`]), which is why the cache can key it by them.

use crate::convert::markdown::{self, Source};
use crate::input::config::{Config, ThemeDef};
use crate::input::content::Entry;

/// Everything computed from one entry and the config, and nothing else:
/// the costly part of the model, reused across rebuilds for entries that
/// did not change.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Derived {
    pub(crate) abstract_html: String,
    pub(crate) notes_html: String,
    /// The abstract as plain text (excerpts, descriptions, theme rules).
    pub(crate) abstract_text: String,
    /// `@/` link targets in the abstract and the notes.
    pub(crate) abstract_links: Vec<String>,
    pub(crate) notes_links: Vec<String>,
    /// Theme ids: the front matter's, else those whose keywords match;
    /// empty means the catch-all.
    pub(crate) theme_ids: Vec<String>,
    /// Tag slugs with the names as written, in order, without repeats.
    pub(crate) tags: Vec<(String, String)>,
    /// The notes as plain text (search snippets).
    pub(crate) notes_text: String,
    /// Term counts of title and abstract, for related papers.
    pub(crate) terms: crate::convert::related::TermCounts,
    /// Scored words of every searchable field, for the search index.
    pub(crate) search: crate::convert::terms::DocTerms,
}

/// The fields of an entry that [`Derived`] is made from, and only those:
/// [`Derived::new`] sees nothing else, so these and the config identify
/// its result (the on-disk cache keys it by a hash of them).
#[derive(Hash)]
pub struct DerivedSource<'a> {
    pub(crate) title: &'a str,
    pub(crate) authors: &'a [String],
    pub(crate) themes: Option<&'a [String]>,
    pub(crate) tags: &'a [String],
    pub(crate) abstract_md: &'a str,
    pub(crate) notes_md: &'a str,
}

impl<'a> From<&'a Entry> for DerivedSource<'a> {
    fn from(e: &'a Entry) -> DerivedSource<'a> {
        DerivedSource {
            title: &e.title,
            authors: &e.authors,
            themes: e.themes.as_deref(),
            tags: &e.tags,
            abstract_md: &e.abstract_md,
            notes_md: &e.notes_md,
        }
    }
}

/// The parts of the config [`Derived::new`] reads, and only those: the
/// cache keys conversions by them, so editing the site's title, feeds or
/// page sizes keeps every conversion.
#[derive(Debug)]
pub struct DerivedConfig<'a> {
    /// Links in Markdown resolve under the base URL.
    pub(crate) urls: &'a crate::base::urls::Urls,
    pub(crate) allow_raw_html: bool,
    pub(crate) search: bool,
    /// Ids and keywords (theme rules) and titles (search labels).
    pub(crate) themes: &'a [ThemeDef],
    pub(crate) theme_matchers: &'a crate::input::matcher::KeywordRules,
    pub(crate) catch_all_title: &'a str,
}

impl<'a> From<&'a Config> for DerivedConfig<'a> {
    fn from(c: &'a Config) -> DerivedConfig<'a> {
        DerivedConfig {
            urls: &c.urls,
            allow_raw_html: c.allow_raw_html,
            search: c.search,
            themes: &c.themes,
            theme_matchers: &c.theme_matchers,
            catch_all_title: &c.catch_all.title,
        }
    }
}

/// What the cache keys conversions by. Every field is named, so a new one
/// does not compile until it is hashed (or left out with a reason). The
/// keyword matchers are left out: they are made from the themes' keywords,
/// which are in.
impl std::hash::Hash for DerivedConfig<'_> {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        let DerivedConfig {
            urls,
            allow_raw_html,
            search,
            themes,
            theme_matchers: _,
            catch_all_title,
        } = self;
        urls.hash(h);
        allow_raw_html.hash(h);
        search.hash(h);
        themes.hash(h);
        catch_all_title.hash(h);
    }
}

impl DerivedConfig<'_> {
    /// The ids of the themes whose keywords match `text`, in config order.
    pub fn matching_themes(&self, text: &str) -> Vec<String> {
        self.theme_matchers
            .matching(text)
            .into_iter()
            .map(|i| self.themes[i].id.clone())
            .collect()
    }
}

impl Derived {
    pub(crate) fn new(e: &DerivedSource, config: &DerivedConfig) -> Derived {
        let abs = markdown::render(e.abstract_md, Source::Abstract, config.urls);
        let notes = markdown::render(
            e.notes_md,
            Source::Notes {
                allow_raw_html: config.allow_raw_html,
            },
            config.urls,
        );
        let abstract_text = abs.text;
        let theme_ids = match e.themes {
            Some(ids) => ids.to_vec(),
            None => config.matching_themes(&format!("{}\n{}", e.title, abstract_text)),
        };
        let mut tags: Vec<(String, String)> = Vec::new();
        for name in e.tags {
            let slug = slug::slugify(name);
            if !tags.iter().any(|(s, _)| *s == slug) {
                tags.push((slug, name.clone()));
            }
        }
        let terms =
            crate::convert::related::term_counts(&format!("{}. {}", e.title, abstract_text));
        let notes_text = notes.text;
        let search = if config.search {
            let themes = theme_ids.iter().filter_map(|id| {
                config
                    .themes
                    .iter()
                    .find(|t| t.id == *id)
                    .map(|t| t.title.as_str())
            });
            let catch_all = theme_ids.is_empty().then_some(config.catch_all_title);
            let labels: Vec<&str> = themes
                .chain(catch_all)
                .chain(tags.iter().map(|(_, name)| name.as_str()))
                .collect();
            crate::convert::terms::doc_terms(&crate::convert::terms::Fields {
                title: e.title,
                authors: e.authors,
                labels: &labels,
                abstract_text: &abstract_text,
                notes_text: &notes_text,
            })
        } else {
            crate::convert::terms::DocTerms::default()
        };
        // Kept for every paper between rebuilds: no spare capacity.
        let tight = |mut s: String| {
            s.shrink_to_fit();
            s
        };
        Derived {
            terms,
            search,
            notes_text: tight(notes_text),
            abstract_html: tight(abs.html),
            notes_html: tight(notes.html),
            abstract_text: tight(abstract_text),
            abstract_links: abs.internal_links,
            notes_links: notes.internal_links,
            theme_ids,
            tags,
        }
    }
}
