//! The build pipeline, start to end: load, model, render, write.
//!
//! Two kinds of build share the stages here ([`Loaded`], [`render_site`]):
//! - [`build`] (`once.rs`), `sheaf build`: renders in stages, streams the
//!   files to a staging folder as they come, frees what it has used, and
//!   switches the output over once every page rendered.
//! - [`Session`] (`session.rs`), `serve` and `watch`: holds the last good
//!   build in memory and is fed the paths that changed: [`Session::apply`]
//!   reloads only those inputs, rebuilds the model (reusing the Markdown of
//!   unchanged entries) and re-renders only the pages that show what
//!   changed.

mod once;
mod session;

pub use once::{build, build_with_progress};
pub use session::{Session, Update};

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::base::error::{Diagnostic, Error, Result};
use crate::base::progress::{time, Progress};
use crate::base::urls::Urls;
use crate::input::config::Config;
use crate::input::inputs::{Inputs, StaticFile};
use crate::io::cache::Cache;
use crate::io::load::{self, display_path};
use crate::io::output::{self, WriteReport};
use crate::model::{ModelOptions, Site};
use crate::produce::render::{self, Job, Output, Prepared, Renderer, Stage};
use crate::produce::search;

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Overrides the config's `output_dir` (relative to the current folder).
    pub output_dir: Option<PathBuf>,
    /// Overrides the config's `base_url`.
    pub base_url: Option<String>,
    /// Publish drafts too.
    pub drafts: bool,
    /// Reuse the entry conversions of earlier builds kept in
    /// `<root>/.sheaf-cache`, and keep this build's there (see
    /// [`crate::io::cache`]).
    pub cache: bool,
}

#[derive(Debug, Clone)]
pub struct BuildReport {
    pub output_dir: PathBuf,
    pub papers: usize,
    /// The pages of the site.
    pub pages: usize,
    /// The pages this build rendered: fewer than `pages` when it rendered
    /// only those showing what changed since the last build (with the
    /// cache), none when nothing changed.
    pub rendered: usize,
    pub files: usize,
    pub write: WriteReport,
    pub elapsed: Duration,
    pub warnings: Vec<Diagnostic>,
    /// The bytes and files of the output, by part.
    pub sizes: output::Sizes,
}

/// Loads the config at `root` with the overrides of `options` applied.
pub fn load_config(root: &Path, options: &BuildOptions) -> Result<Config> {
    let mut config = crate::io::load::config(root).map_err(|e| relative(root, e))?;
    if let Some(base) = &options.base_url {
        config.urls = Urls::new(base).map_err(|m| Error::Usage(format!("--base-url: {m}")))?;
    }
    Ok(config)
}

/// Where a build writes: the override, else the config's `output_dir`.
pub(crate) fn output_dir(config: &Config, options: &BuildOptions) -> PathBuf {
    options
        .output_dir
        .clone()
        .unwrap_or_else(|| config.root.join(&config.output_dir))
}

/// Refuses an output folder that a build's clean-up could destroy sources
/// in. `sheaf check` runs the same test on the config's `output_dir`.
pub(crate) fn check_output_dir(config: &Config, out_dir: &Path) -> Result<()> {
    let root = &config.root;
    let mut sources = vec![
        root.join(&config.content_dir),
        root.join("templates"),
        root.join("static"),
        root.join(crate::io::cache::DIR),
    ];
    // The built-in theme has no folder to protect.
    sources.extend(config.theme_dir());
    output::check_output_dir(root, out_dir, &sources)
}

/// What a render keeps after the pages are made.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// A one-off build: it renders in stages and frees, as it goes, what
    /// the next stage does not need (see `render::Stage`).
    Nothing,
    /// A session: every paper's template values and the search index,
    /// for the rebuilds to come.
    ForRebuilds,
}

/// What [`render_site`] made besides the files it handed out.
struct Rendered {
    /// Pages rendered.
    pages: usize,
    /// Empty unless kept for rebuilds.
    prepared: Prepared,
    search: search::Index,
}

/// A site read, modelled and its templates compiled: the start of either
/// kind of build.
struct Loaded {
    root: PathBuf,
    inputs: Inputs,
    site: Site,
    renderer: Renderer,
    /// The cache being saved, when it is used: beside the rendering,
    /// which does not need it.
    cache_saved: Option<std::thread::JoinHandle<Result<usize>>>,
    /// The cache key of each paper's conversion, when the cache is used.
    derived_keys: Vec<u128>,
    /// Each paper's [`card_key`], when the cache is used.
    card_keys: Vec<u128>,
    /// The warnings `sheaf check` adds ([`lints`]), found before the
    /// model when it drops the Markdown they read.
    lints: Vec<Diagnostic>,
    /// The conversions, from the cache, of the papers whose key is not the
    /// one `before` gave at their index (what they were in the last
    /// build); `None` when one is not in the cache.
    before: Option<Vec<(usize, std::sync::Arc<crate::model::Derived>)>>,
    /// Whether the entries loaded were those of the hashes given, file for
    /// file (`cache::Parsed::loaded_as_hashed`).
    entries_as_hashed: bool,
}

impl Loaded {
    /// `before` is the last build's conversion keys, by paper index;
    /// `hashes`, the entries' content hashes when taken already (with the
    /// cache, the entries the cache parsed before are not parsed again). A
    /// one-off build (`keep` is [`Keep::Nothing`]) drops each entry's
    /// Markdown once converted (see [`Site::build_forgetting_markdown`]),
    /// having made the cache's keys from it; a session converts edited
    /// entries again.
    fn new(
        root: &Path,
        options: &BuildOptions,
        keep: Keep,
        before: &[u128],
        hashes: Option<&crate::io::load::InputHashes>,
        progress: &dyn Progress,
    ) -> Result<Loaded> {
        // Watchers report absolute paths; an absolute root lets them be
        // matched against the entries' paths.
        let root = &crate::io::fs::resolved(root)?;
        let forget = keep == Keep::Nothing;
        let (inputs, site, renderer, cache, lints, (derived_keys, card_keys)) =
            load_all(root, options, None, hashes, forget, progress)?;
        let lints = if forget { lints } else { self::lints(&inputs) };
        let before = cache.as_ref().and_then(|c| {
            derived_keys
                .iter()
                .zip(before)
                .enumerate()
                .filter(|(_, (now, then))| now != then)
                .map(|(i, (_, &then))| Some((i, c.by_key(then)?)))
                .collect()
        });
        let entries_as_hashed = cache
            .as_ref()
            .is_some_and(|c| c.parsed().loaded_as_hashed());
        let cache_saved = cache.map(|c| {
            time(progress, "cache plan", || {
                c.save_in_background(&site, &derived_keys)
            })
        });
        Ok(Loaded {
            root: root.to_path_buf(),
            inputs,
            site,
            renderer,
            cache_saved,
            derived_keys,
            card_keys,
            lints,
            before,
            entries_as_hashed,
        })
    }
}

/// A hash of an entry without its notes: what its summary, its BibTeX
/// entry and its `papers.json` record are made from (with what the
/// structure key and the config hold). The summary, the entry and the
/// record carry no notes (`produce::render`'s `Summary` and `cite`), so
/// an edit to the notes alone, the common one, renders the paper's own
/// page, the feeds it is in and the search index, not every list and
/// bundle that names it. Every field is named, as `ParsedEntry::of` in
/// `io::cache` names them: a new one does not compile until it is hashed
/// or left out with a reason.
pub(super) fn card_key(e: &crate::input::content::Entry) -> u128 {
    use std::hash::Hash;
    let crate::input::content::Entry {
        source,
        slug,
        title,
        date,
        authors,
        arxiv,
        url,
        code,
        themes,
        tags,
        featured,
        draft,
        status,
        verdict,
        abstract_md,
        // What this key leaves out: the notes, where they start in the
        // file, and the lines of the keys (for messages only).
        notes_md: _,
        notes_line: _,
        key_lines: _,
        extra,
        arxiv_version,
        doi,
        project,
        published,
        updated,
        revised,
        categories,
        journal_ref,
        keywords,
        metrics,
        bibtex_ids,
    } = e;
    // `extra` as `papers.json` prints it: serde_yaml's own hash is the same
    // for every decimal number and for a mapping in any order. (Debug,
    // which keeps both, for a value JSON cannot hold.)
    let extra = serde_json::to_string(extra).unwrap_or_else(|_| format!("{extra:?}"));
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    (source, slug, title, date, authors, arxiv, url, code).hash(&mut h);
    (themes, tags, featured, draft, status, verdict, abstract_md).hash(&mut h);
    (
        extra,
        arxiv_version,
        doi,
        project,
        published,
        updated,
        revised,
    )
        .hash(&mut h);
    (categories, journal_ref, keywords, metrics, bibtex_ids).hash(&mut h);
    h.digest128()
}

/// The warnings `sheaf check` adds ([`crate::input::lints::lints`]), as
/// of today.
fn lints(inputs: &Inputs) -> Vec<Diagnostic> {
    let today = time::OffsetDateTime::now_utc().date();
    crate::input::lints::lints(&inputs.config, &inputs.entries, today)
}

/// The warnings of a build, and `lints` (those `sheaf check` adds), with
/// paths relative to the root.
fn warnings(root: &Path, site: &Site, lints: Vec<Diagnostic>) -> Vec<Diagnostic> {
    site.warnings
        .iter()
        .cloned()
        .chain(lints)
        .map(|d| relative_diag(root, d))
        .collect()
}

/// Renders every file of the site (pages, fixed files, the search
/// index), handing them to `sink` in batches; of the pages, only `subset`
/// when given, and of the search index `search` when given (an
/// incremental build). Every failing page is reported; once one failed,
/// `sink` gets nothing more.
#[allow(clippy::too_many_arguments)]
fn render_site(
    site: &mut Site,
    renderer: &Renderer,
    static_files: &[StaticFile],
    root: &Path,
    keep: Keep,
    subset: Option<Vec<Job>>,
    search: Option<Vec<Output>>,
    progress: &dyn Progress,
    sink: &mut dyn FnMut(Vec<Output>) -> Result<()>,
) -> Result<Rendered> {
    let streaming = keep == Keep::Nothing;
    /// Pages per batch: enough to keep every core busy, few enough
    /// that a batch's bytes are a small part of a big site.
    const BATCH: usize = 512;
    // A subset shows a few papers' summaries: each is made when a page
    // needs it, not every paper's.
    let few = subset.is_some();
    let mut jobs = subset.unwrap_or_else(|| render::jobs(&*site));
    let pages = jobs.len();
    // Only a session kept for rebuilds compares values, and keeps every
    // paper's; a one-off build renders in stages that free what the
    // next does not need (see `render::Stage`).
    let mut prepared = time(progress, "prepare", || {
        if streaming {
            Prepared::without_summaries(&*site)
        } else {
            Prepared::new(&*site, true)
        }
    });
    if streaming {
        // Stable: paper pages stay in paper order.
        jobs.sort_by_key(|&j| render::stage(j));
    }
    let mut errors: Vec<Diagnostic> = Vec::new();
    // Every path handed out: a static file may not take a page's.
    let mut claimed: HashSet<String> = HashSet::new();
    let started = Instant::now();
    let mut sinking = Duration::ZERO;
    progress.start("rendering", pages as u64);
    let mut rest = &jobs[..];
    // Rendered papers whose HTML could not be freed yet (`forget_html`).
    let mut shared: Vec<usize> = Vec::new();
    while !rest.is_empty() {
        let stage = render::stage(rest[0]);
        let same = rest
            .iter()
            .take(BATCH)
            .take_while(|&&j| !streaming || render::stage(j) == stage)
            .count();
        let (batch, after) = rest.split_at(same);
        rest = after;
        let papers: Vec<usize> = batch
            .iter()
            .filter_map(|&j| match j {
                Job::Paper(i) => Some(i),
                _ => None,
            })
            .collect();
        if streaming && !few {
            match stage {
                Stage::Papers => {
                    let end = papers.iter().max().map_or(0, |&i| i + 1);
                    prepared.summarize(&*site, end);
                }
                Stage::Lists => prepared.summarize(&*site, site.papers.len()),
                Stage::DigestWide => prepared.forget_summaries(),
                Stage::Feeds => {}
            }
        }
        match render::render(&*site, renderer, &prepared, batch, progress) {
            Ok(outputs) if errors.is_empty() => {
                claimed.extend(outputs.iter().map(|o| o.path.clone()));
                let t = Instant::now();
                sink(outputs)?;
                sinking += t.elapsed();
            }
            Ok(_) => {}
            Err(Error::Invalid(diags)) => {
                for d in diags {
                    if !errors.contains(&d) {
                        errors.push(d);
                    }
                }
            }
            Err(e) => return Err(e),
        }
        if streaming {
            // Paper pages come after the feeds: nothing shows their HTML
            // again. Those the cache's saving still holds are freed in a
            // later batch, once their shard is written.
            let mut retry = std::mem::take(&mut shared);
            retry.extend(papers);
            shared = site.forget_html(retry);
        }
    }
    progress.finish();
    progress.timed("render", started.elapsed().saturating_sub(sinking));
    if !errors.is_empty() {
        return Err(relative(root, Error::Invalid(errors)));
    }
    // Every page is rendered: a one-off build needs the template values
    // no more, and frees them (here) before the search index is made.
    // A session keeps them, but only once the whole render succeeded.
    let kept = (!streaming).then_some(prepared);
    let fixed = fixed_outputs(&*site, static_files);
    clashes(&mut claimed, &fixed)?;
    sink(fixed)?;
    let index = if let Some(files) = search {
        // Made by the caller (`Index::update`).
        clashes(&mut claimed, &files)?;
        sink(files)?;
        search::Index::default()
    } else if site.config.search {
        let started = Instant::now();
        let mut sinking = Duration::ZERO;
        let mut index = search::Index::new(&*site);
        index.outputs_each(&*site, &mut |files| {
            clashes(&mut claimed, &files)?;
            let t = Instant::now();
            sink(files)?;
            sinking += t.elapsed();
            Ok(())
        })?;
        progress.timed("search", started.elapsed().saturating_sub(sinking));
        index
    } else {
        search::Index::default()
    };
    Ok(Rendered {
        pages,
        prepared: kept.unwrap_or_default(),
        search: index,
    })
}

/// Saves which files `committed` says sheaf wrote into `out_dir`, and
/// warns about the files it left alone there.
fn record_ownership(
    root: &Path,
    out_dir: &Path,
    committed: &output::Committed,
    before: &output::Owned,
    warnings: &mut Vec<Diagnostic>,
) {
    if let Err(e) = crate::io::cache::save_owned(root, out_dir, &committed.owned, before) {
        warnings.push(Diagnostic::warning(
            crate::io::cache::DIR,
            None,
            format!(
                "could not record which files sheaf wrote into {} ({e}); the next build \
                 refuses to remove stale files there",
                out_dir.display()
            ),
        ));
    }
    if let Some(first) = committed.foreign.first() {
        let more = committed.foreign.len() - 1;
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        warnings.push(Diagnostic::warning(
            out_dir,
            None,
            format!(
                "left alone: {first}{more}, which sheaf did not write and no page \
                 claims; they are published with the site (static files belong in static/)"
            ),
        ));
    }
}

/// Fails when one of `outputs` takes a path already handed out: a static
/// file named like a page or a search file would replace it on one build
/// and lose to it on the next.
fn clashes(claimed: &mut HashSet<String>, outputs: &[Output]) -> Result<()> {
    let found: Vec<Diagnostic> = outputs
        .iter()
        .filter(|o| !claimed.insert(o.path.clone()))
        .map(|o| {
            Diagnostic::error(
                Path::new("static").join(&o.path),
                None,
                format!(
                    "`{}` is both a static file and a file sheaf writes; rename or remove the static file",
                    o.path
                ),
            )
        })
        .collect();
    if found.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(found))
    }
}

/// What [`load_all`] gives: the inputs, the model, the templates, the
/// cache when used, the lints (when `forget`, of the inputs before
/// their Markdown went; else empty), and with the cache the key of each
/// paper's conversion ([`Cache::key`]) and its [`card_key`], by paper
/// index.
type LoadedAll = (
    Inputs,
    Site,
    Renderer,
    Option<Cache>,
    Vec<Diagnostic>,
    (Vec<u128>, Vec<u128>),
);

/// Loads, models and compiles templates, reporting content and template
/// problems together. `forget`: drop each entry's Markdown once converted
/// ([`Site::build_forgetting_markdown`]; not with `previous`).
fn load_all(
    root: &Path,
    options: &BuildOptions,
    previous: Option<&Site>,
    hashes: Option<&crate::io::load::InputHashes>,
    forget: bool,
    progress: &dyn Progress,
) -> Result<LoadedAll> {
    use rayon::prelude::*;
    let config = load_config(root, options)?;
    let mut cache = options.cache.then(|| {
        time(progress, "cache", || {
            Cache::open_with(root, &config, hashes)
        })
    });
    let parsed = cache.as_ref().map(Cache::parsed);
    let mut inputs = time(progress, "load", || load::load_with(config, parsed))
        .map_err(|e| relative(root, e))?;
    let model_options = ModelOptions {
        drafts: options.drafts,
    };
    if let Some(c) = &mut cache {
        time(progress, "save parsed", || c.save_parsed());
    }
    let forget = forget && previous.is_none();
    let lints = if forget { lints(&inputs) } else { Vec::new() };
    // The cache keys conversions by the entries' Markdown, and a build's
    // record keeps each entry's card key: by entry (its allocation),
    // before the model may drop the Markdown.
    let keys: Option<HashMap<usize, (u128, u128)>> = cache.as_ref().map(|c| {
        inputs
            .entries
            .par_iter()
            .with_max_len(256) // Small pieces (see ARCHITECTURE.md, "Parallel loops").
            .map(|e| {
                let key = c.key(&crate::model::DerivedSource::from(&**e));
                (Arc::as_ptr(e) as usize, (key, card_key(e)))
            })
            .collect()
    });
    let site = time(progress, "model", || {
        if forget {
            let earlier = cache.as_ref().map(|c| c as &dyn crate::model::Earlier);
            Site::build_forgetting_markdown(&mut inputs, model_options, earlier)
        } else {
            Site::build(
                &inputs,
                model_options,
                previous,
                cache.as_ref().map(|c| c as &dyn crate::model::Earlier),
            )
        }
    });
    let renderer = time(progress, "templates", || {
        Renderer::new(&inputs.templates, &inputs.config)
    });
    match (site, renderer) {
        (Ok(site), Ok(renderer)) => {
            let paper_keys = match keys {
                Some(keys) => site
                    .papers
                    .iter()
                    .map(|p| keys[&(Arc::as_ptr(&p.entry) as usize)])
                    .unzip(),
                None => (Vec::new(), Vec::new()),
            };
            Ok((inputs, site, renderer, cache, lints, paper_keys))
        }
        (site, renderer) => {
            let mut all = Vec::new();
            for e in [site.err(), renderer.err()].into_iter().flatten() {
                match e {
                    Error::Invalid(d) => all.extend(d),
                    other => return Err(other),
                }
            }
            Err(relative(root, Error::Invalid(all)))
        }
    }
}

fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    }
}

fn relative_diag(root: &Path, d: Diagnostic) -> Diagnostic {
    Diagnostic {
        file: display_path(root, &d.file),
        ..d
    }
}

/// Diagnostics name files relative to the site root, as a curator sees them.
fn relative(root: &Path, e: Error) -> Error {
    match e {
        Error::Invalid(diags) => {
            Error::Invalid(diags.into_iter().map(|d| relative_diag(root, d)).collect())
        }
        other => other,
    }
}

/// The files every build writes whatever the pages: the theme's static
/// files, then the fixed files of the pages and of the search, which win
/// over a static file of the same path.
fn fixed_outputs(site: &Site, static_files: &[StaticFile]) -> Vec<Output> {
    let mut out = render::fixed_outputs(site, static_files);
    for file in search::fixed_outputs(site) {
        out.retain(|o| o.path != file.path);
        out.push(file);
    }
    out
}
