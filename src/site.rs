//! The build pipeline, start to end: load, model, render, write.
//!
//! A [`Session`] holds the last good build in memory. `sheaf build` makes
//! one and writes it; `serve` and `watch` keep one alive and feed it the
//! paths that changed: [`Session::apply`] reloads only those inputs,
//! rebuilds the model (reusing the Markdown of unchanged entries) and
//! re-renders only the pages that show what changed. Full and incremental
//! builds are the same stages; only the set of pages differs.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::cache::Cache;
use crate::config::{Config, CONFIG_FILE};
use crate::error::{Diagnostic, Error, Result};
use crate::load::{self, display_path, Inputs};
use crate::model::{ModelOptions, Site};
use crate::output::{self, WriteReport};
use crate::progress::{time, Progress, Silent};
use crate::render::{self, Depends, Job, Output, Prepared, Renderer, Stage};
use crate::search;
use crate::urls::Urls;

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
    /// [`crate::cache`]).
    pub cache: bool,
}

#[derive(Debug, Clone)]
pub struct BuildReport {
    pub output_dir: PathBuf,
    pub papers: usize,
    pub pages: usize,
    pub files: usize,
    pub write: WriteReport,
    pub elapsed: Duration,
    pub warnings: Vec<Diagnostic>,
    /// The bytes and files of the output, by part.
    pub sizes: output::Sizes,
}

/// Loads the config at `root` with the overrides of `options` applied.
pub fn load_config(root: &Path, options: &BuildOptions) -> Result<Config> {
    let mut config = Config::load(root).map_err(|e| relative(root, e))?;
    if let Some(base) = &options.base_url {
        config.urls = Urls::new(base).map_err(|m| Error::Usage(format!("--base-url: {m}")))?;
    }
    Ok(config)
}

/// Where a build writes: the override, else the config's `output_dir`.
pub fn output_dir(config: &Config, options: &BuildOptions) -> PathBuf {
    options
        .output_dir
        .clone()
        .unwrap_or_else(|| config.root.join(&config.output_dir))
}

/// Refuses an output folder that a build's clean-up could destroy sources
/// in. `sheaf check` runs the same test on the config's `output_dir`.
pub fn check_output_dir(config: &Config, out_dir: &Path) -> Result<()> {
    let root = &config.root;
    let mut sources = vec![
        root.join(&config.content_dir),
        root.join("templates"),
        root.join("static"),
        root.join(crate::cache::DIR),
    ];
    // The built-in theme has no folder to protect.
    sources.extend(config.theme_dir());
    output::check_output_dir(root, out_dir, &sources)
}

/// Builds the site at `root` and writes it. On any error nothing is written.
pub fn build(root: &Path, options: &BuildOptions) -> Result<BuildReport> {
    build_with_progress(root, options, &Silent)
}

/// [`build`], reporting how rendering goes.
pub fn build_with_progress(
    root: &Path,
    options: &BuildOptions,
    progress: &dyn Progress,
) -> Result<BuildReport> {
    let start = Instant::now();
    let mut session = Session::load(root, options.clone(), progress)?;
    session.streaming = true;
    let out_dir = session.output_dir();
    session.check_output_dir(&out_dir)?;
    // Files go to disk (staged) batch by batch as they are rendered, so a
    // big digest is never held in memory whole; they are moved into place
    // only once every page rendered.
    let mut staging: Option<output::Staging> = None;
    let mut files = 0;
    let mut sizes = output::Sizes::default();
    let mut writing = Duration::ZERO;
    let mut manifest = options
        .cache
        .then(|| crate::cache::load_manifest(&session.root, &out_dir));
    // The record is of the folder as a finished build left it.
    output::recover_output(&out_dir)?;
    let owned = crate::cache::load_owned(&session.root, &out_dir);
    session.render_each(progress, &mut |outputs| {
        let started = Instant::now();
        let staging = match &mut staging {
            Some(s) => s,
            None => {
                let new = output::Staging::new(&out_dir)?.with_owned(owned.clone());
                staging.insert(match manifest.take() {
                    Some(m) => new.with_manifest(m),
                    None => new,
                })
            }
        };
        files += outputs.len();
        for o in outputs.iter() {
            sizes.add(&o.path, o.bytes.len() as u64);
        }
        staging.stage(&outputs.iter().collect::<Vec<_>>())?;
        writing += started.elapsed();
        Ok(())
    })?;
    let started = Instant::now();
    let committed = match staging {
        Some(s) => s.commit_tracked()?,
        None => output::write(&out_dir, [], owned.clone())?,
    };
    let mut warnings = session.warnings();
    if sizes.over_pages_limit() {
        // First, so the ten warnings a build shows never hide it.
        warnings.insert(0, too_big_for_pages(&out_dir, &sizes));
    }
    record_ownership(&session.root, &out_dir, &committed, &owned, &mut warnings);
    let write = committed.report;
    if let Some(m) = committed.manifest {
        if let Err(e) = crate::cache::save_manifest(&session.root, &out_dir, &m) {
            warnings.push(Diagnostic::warning(
                crate::cache::DIR,
                None,
                format!("could not save the list of files written ({}); the next build reads them back to compare", crate::error::chain(&e)),
            ));
        }
    }
    progress.timed("write", writing + started.elapsed());
    // The process may exit next: the cache must be on disk first. A cache
    // that cannot be saved only makes the next build slower.
    if let Some(saving) = session.cache_saved.take() {
        let failed = match saving.join() {
            Ok(Ok(_)) => None,
            Ok(Err(e)) => Some(crate::error::chain(&e)),
            Err(_) => Some("the saving thread failed".to_string()),
        };
        if let Some(why) = failed {
            warnings.push(Diagnostic::warning(
                crate::cache::DIR,
                None,
                format!(
                    "could not save the cache of converted entries ({why}); the next build \
                     converts every entry again (--no-cache skips the cache)"
                ),
            ));
        }
    }
    let report = BuildReport {
        output_dir: out_dir,
        papers: session.site.papers.len(),
        pages: session.pages,
        files,
        write,
        elapsed: start.elapsed(),
        warnings,
        sizes,
    };
    // Freeing a big model takes a while and nobody waits for it.
    std::thread::spawn(move || drop(session));
    Ok(report)
}

/// The warning of a build whose output GitHub Pages would not publish,
/// naming what takes the room.
fn too_big_for_pages(out_dir: &Path, sizes: &output::Sizes) -> Diagnostic {
    Diagnostic::warning(
        out_dir,
        None,
        format!(
            "the site is larger than the 1 GB GitHub Pages publishes: {}; see README, \"Output size\"",
            sizes.describe(3)
        ),
    )
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
    if let Err(e) = crate::cache::save_owned(root, out_dir, &committed.owned, before) {
        warnings.push(Diagnostic::warning(
            crate::cache::DIR,
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

/// What one rebuild changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Update {
    /// Output paths whose bytes changed or that are new.
    pub changed: Vec<String>,
    /// Output paths that no longer exist.
    pub removed: Vec<String>,
    /// Whether every page was re-rendered (config, template or structure
    /// change) rather than only those showing the edited entries.
    pub full: bool,
    /// Pages rendered for this update.
    pub rendered: usize,
}

impl Update {
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty() && self.removed.is_empty()
    }

    /// Only stylesheets changed: a browser can swap them without reloading.
    pub fn css_only(&self) -> bool {
        self.removed.is_empty()
            && !self.changed.is_empty()
            && self.changed.iter().all(|p| p.ends_with(".css"))
    }
}

/// The last good build of a site, kept for incremental rebuilds.
pub struct Session {
    root: PathBuf,
    options: BuildOptions,
    /// The inputs as the disk has them now (they may hold errors).
    inputs: Inputs,
    /// The last good model and templates.
    site: Site,
    renderer: Renderer,
    /// Template values of the last good model's papers.
    prepared: Prepared,
    /// The search index of the last good model.
    search: search::Index,
    /// The last good rendered site, by output path.
    outputs: BTreeMap<String, Output>,
    pages: usize,
    /// The last rebuild failed. Until one succeeds, every change rebuilds
    /// everything from the disk, so no partial success (a stylesheet, an
    /// unrelated entry) can hide an error that is still there.
    failed: bool,
    /// A one-off build that streams its outputs to disk: nothing is kept
    /// for rebuilds.
    streaming: bool,
    /// The cache being saved after the first build, when it is used.
    cache_saved: Option<std::thread::JoinHandle<Result<usize>>>,
}

impl Session {
    /// A full build, in memory.
    pub fn new(root: &Path, options: BuildOptions) -> Result<Session> {
        Session::with_progress(root, options, &Silent)
    }

    /// A full build, in memory, reporting how rendering goes.
    pub fn with_progress(
        root: &Path,
        options: BuildOptions,
        progress: &dyn Progress,
    ) -> Result<Session> {
        // Watchers report absolute paths; an absolute root lets them be
        // matched against the entries' paths.
        let mut session = Session::load(root, options, progress)?;
        session.render_all(progress)?;
        Ok(session)
    }

    /// Loads and models the site, rendering nothing yet.
    fn load(root: &Path, options: BuildOptions, progress: &dyn Progress) -> Result<Session> {
        // Watchers report absolute paths; an absolute root lets them be
        // matched against the entries' paths.
        let root = &root.canonicalize().map_err(|e| Error::read(root, e))?;
        let (inputs, site, renderer, cache) = load_all(root, &options, None, progress)?;
        // Saved beside the rendering, which does not need it.
        let cache_saved = cache.map(|c| c.save_in_background(&site));
        Ok(Session {
            cache_saved,
            root: root.to_path_buf(),
            options,
            inputs,
            prepared: Prepared::default(),
            search: search::Index::default(),
            site,
            renderer,
            outputs: BTreeMap::new(),
            pages: 0,
            failed: false,
            streaming: false,
        })
    }

    pub fn outputs(&self) -> &BTreeMap<String, Output> {
        &self.outputs
    }

    pub fn site(&self) -> &Site {
        &self.site
    }

    pub fn output_dir(&self) -> PathBuf {
        output_dir(&self.site.config, &self.options)
    }

    /// Writes the whole build into `dir` (only files whose bytes changed),
    /// removing the files sheaf wrote there that no output claims. Its
    /// warnings (files left alone, a record not saved) go to `warnings`.
    pub fn write(&self, dir: &Path, warnings: &mut Vec<Diagnostic>) -> Result<WriteReport> {
        output::recover_output(dir)?;
        let owned = crate::cache::load_owned(&self.root, dir);
        let committed = output::write(dir, self.outputs.values(), owned.clone())?;
        record_ownership(&self.root, dir, &committed, &owned, warnings);
        Ok(committed.report)
    }

    /// Writes what an incremental rebuild changed into `dir`, and records
    /// the files it adds as sheaf's.
    pub fn write_update(&self, dir: &Path, update: &Update) -> Result<()> {
        output::write_changes(dir, &self.outputs, &update.changed, &update.removed)?;
        if !update.changed.is_empty() || !update.removed.is_empty() {
            let owned = crate::cache::load_owned(&self.root, dir);
            let mut keys: Vec<u64> = self.outputs.keys().map(|p| output::owned_key(p)).collect();
            keys.sort_unstable();
            // Best effort: without it, a later build keeps (and names) the
            // files this rebuild added once they are stale.
            let _ = crate::cache::save_owned(&self.root, dir, &keys, &owned);
        }
        Ok(())
    }

    pub fn papers(&self) -> usize {
        self.site.papers.len()
    }

    /// Refuses an output folder that overlaps the site's sources.
    pub fn check_output_dir(&self, out_dir: &Path) -> Result<()> {
        check_output_dir(&self.site.config, out_dir)
    }

    /// The warnings of the last build, and those `sheaf check` adds
    /// ([`crate::curate::lints`]), with paths relative to the root.
    pub fn warnings(&self) -> Vec<Diagnostic> {
        let today = time::OffsetDateTime::now_utc().date();
        let lints = crate::curate::lints(&self.site.config, &self.inputs.entries, today);
        self.site
            .warnings
            .iter()
            .cloned()
            .chain(lints)
            .map(|d| relative_diag(&self.root, d))
            .collect()
    }

    /// The folders a watcher should watch, and which of their paths
    /// matter: content, the visual theme, site templates and static files,
    /// and the config.
    pub fn watched(&self) -> Vec<PathBuf> {
        let c = &self.site.config;
        // The built-in theme has no folder to watch.
        let mut dirs = vec![
            self.root.join(CONFIG_FILE),
            self.root.join(&c.content_dir),
            self.root.join("templates"),
            self.root.join("static"),
        ];
        dirs.extend(c.theme_dir());
        dirs.retain(|d| d.exists());
        dirs
    }

    /// Rebuilds after `paths` changed on disk. On error the session keeps
    /// serving its last good outputs; the inputs still follow the disk, so
    /// the next change builds from what the files say then.
    pub fn apply(&mut self, paths: &[PathBuf]) -> Result<Update> {
        let result = match self.classify(paths) {
            ChangeKind::Nothing => return Ok(Update::default()),
            _ if self.failed => self.rebuild_all(true),
            ChangeKind::Everything { config } => self.rebuild_all(config),
            ChangeKind::Templates => self.reload_templates(),
            ChangeKind::Static => self.reload_static(),
            ChangeKind::Entries(files) => self.reload_entries(&files),
        };
        self.failed = result.is_err();
        result
    }

    /// Whether the last rebuild failed (the outputs are the last good ones).
    pub fn failed(&self) -> bool {
        self.failed
    }

    fn classify(&self, paths: &[PathBuf]) -> ChangeKind {
        let c = &self.site.config;
        let papers = c.papers_dir();
        let theme = c.theme_dir();
        let in_theme = |path: &Path, folder: &str| {
            theme
                .as_ref()
                .is_some_and(|t| path.starts_with(absolute(&t.join(folder))))
        };
        let out = self.output_dir();
        let mut entries = Vec::new();
        let mut statics = false;
        let mut templates = false;
        for path in paths {
            let path = absolute(path);
            if path.starts_with(absolute(&out)) {
                continue; // our own writes, in watch mode
            }
            if path == absolute(&self.root.join(CONFIG_FILE)) {
                // Whatever else changed with it.
                return ChangeKind::Everything { config: true };
            }
            if in_theme(&path, "templates")
                || path.starts_with(absolute(&self.root.join("templates")))
            {
                templates = true;
            } else if in_theme(&path, "static")
                || path.starts_with(absolute(&self.root.join("static")))
            {
                statics = true;
            } else if path.starts_with(absolute(&papers))
                && path.extension().is_some_and(|x| x == "md")
                // Hidden files are never entries (editors' lock files).
                && !path
                    .file_name()
                    .is_some_and(|n| n.as_encoded_bytes().starts_with(b"."))
            {
                entries.push(path);
            }
        }
        match (templates, entries.is_empty(), statics) {
            (true, true, false) => ChangeKind::Templates,
            (false, true, false) => ChangeKind::Nothing,
            (false, true, true) => ChangeKind::Static,
            (false, false, false) => ChangeKind::Entries(entries),
            // Several kinds at once is rare (a git checkout); rebuild
            // everything.
            _ => ChangeKind::Everything { config: false },
        }
    }

    /// Compiles the templates again and renders every page with them. The
    /// model, the template values and the search index stay: no template
    /// shows in them.
    fn reload_templates(&mut self) -> Result<Update> {
        let mut diagnostics = Vec::new();
        let templates = load::load_templates(&self.inputs.config, &mut diagnostics);
        if diagnostics.iter().any(Diagnostic::is_error) {
            return Err(relative(&self.root, Error::Invalid(diagnostics)));
        }
        let renderer =
            Renderer::new(&templates, &self.inputs.config).map_err(|e| relative(&self.root, e))?;
        let jobs = render::jobs(&self.site);
        let outputs = render::render(&self.site, &renderer, &self.prepared, &jobs, &Silent)
            .map_err(|e| relative(&self.root, e))?;
        self.renderer = renderer;
        self.inputs.templates = templates;
        let mut update = Update {
            full: true,
            rendered: jobs.len(),
            ..Update::default()
        };
        self.merge(outputs, &mut update);
        Ok(update)
    }

    /// Reloads everything. The Markdown of unchanged entries is reused
    /// unless the config changed (links and HTML rules depend on it).
    pub fn rebuild_all(&mut self, config_changed: bool) -> Result<Update> {
        let previous = (!config_changed).then_some(&self.site);
        let options = BuildOptions {
            // A running session has the conversions it needs in memory.
            cache: false,
            ..self.options.clone()
        };
        let (inputs, site, renderer, _) = load_all(&self.root, &options, previous, &Silent)?;
        let old = std::mem::replace(&mut self.site, site);
        let old_renderer = std::mem::replace(&mut self.renderer, renderer);
        let old_inputs = std::mem::replace(&mut self.inputs, inputs);
        match self.render_all(&Silent) {
            Ok(update) => Ok(update),
            Err(e) => {
                self.site = old;
                self.renderer = old_renderer;
                self.inputs = old_inputs;
                Err(e)
            }
        }
    }

    fn reload_static(&mut self) -> Result<Update> {
        self.inputs.static_files = load::load_static(&self.inputs.config, &mut Vec::new());
        let fixed = render::fixed_outputs(&self.site, &self.inputs.static_files);
        let keep: HashSet<&str> = fixed.iter().map(|o| o.path.as_str()).collect();
        let mut update = Update::default();
        let stale: Vec<String> = self
            .outputs
            .values()
            .filter(|o| {
                o.depends == Depends::Nothing
                    && o.path != "404.html"
                    && !keep.contains(o.path.as_str())
            })
            .map(|o| o.path.clone())
            .collect();
        for path in stale {
            self.outputs.remove(&path);
            update.removed.push(path);
        }
        self.merge(fixed, &mut update);
        Ok(update)
    }

    fn reload_entries(&mut self, files: &[PathBuf]) -> Result<Update> {
        let shown: Vec<PathBuf> = files.iter().map(|f| display_path(&self.root, f)).collect();
        let mut touched: HashSet<String> = HashSet::new();
        self.inputs.entries.retain(|e| {
            let hit = shown.contains(&e.source) || files.contains(&e.source);
            if hit {
                touched.insert(e.slug.clone());
            }
            !hit
        });
        self.inputs
            .diagnostics
            .retain(|d| !shown.contains(&d.file) && !files.contains(&d.file));
        // The entries as they are now; a file that is gone or does not
        // parse makes the model be built anew (which reports the error).
        let mut edited = Vec::new();
        let mut all_parsed = true;
        let site_dir = self
            .root
            .canonicalize()
            .unwrap_or_else(|_| self.root.clone());
        let papers = absolute(&self.inputs.config.papers_dir());
        for file in files {
            // The same reader as a full load, so a rebuild sees the files
            // a build sees.
            match load::is_entry_file(&self.root, &site_dir, &papers, file) {
                Ok(true) => {}
                Ok(false) => {
                    all_parsed = false;
                    continue;
                }
                Err(warning) => {
                    all_parsed = false;
                    self.inputs.diagnostics.push(warning);
                    continue;
                }
            }
            match load::read_entry(&self.root, file, false).parsed {
                Ok((entry, warnings)) => {
                    touched.insert(entry.slug.clone());
                    let entry = std::sync::Arc::new(entry);
                    edited.push(entry.clone());
                    self.inputs.entries.push(entry);
                    self.inputs.diagnostics.extend(warnings);
                }
                Err(errors) => {
                    all_parsed = false;
                    self.inputs.diagnostics.extend(errors)
                }
            }
        }
        // Two files for one page: the clashes are looked for again over
        // every entry, since the edit may have made or ended one.
        self.inputs
            .diagnostics
            .retain(|d| !d.message.starts_with(load::SLUG_CLASH));
        let clashes = load::slug_clashes(&self.inputs.entries);
        all_parsed &= clashes.is_empty();
        self.inputs.diagnostics.extend(clashes);
        let fast = all_parsed
            .then(|| {
                self.site
                    .with_edits(&self.inputs, &edited, self.model_options())
            })
            .flatten();
        let site = match fast {
            Some(site) => site,
            None => Site::build(&self.inputs, self.model_options(), Some(&self.site), None)
                .map_err(|e| relative(&self.root, e))?,
        };

        if structure_changed(&self.site, &site, &touched) {
            let old = std::mem::replace(&mut self.site, site);
            return self.render_all(&Silent).inspect_err(|_| self.site = old);
        }
        // The same papers in the same places: refresh the values of the
        // edited ones and render what shows a value that changed.
        // Papers whose related list changed show other titles now.
        let touched_at: Vec<usize> = site
            .papers
            .iter()
            .enumerate()
            .filter(|(i, p)| {
                touched.contains(&p.entry.slug) || site.related.get(*i) != self.site.related.get(*i)
            })
            .map(|(i, _)| i)
            .collect();
        // Refreshed in place; a failed render puts the old values back.
        let backup = self.prepared.backup(&touched_at);
        let (summaries, details) = self.prepared.refresh(&site, &touched_at);
        let (summaries, details): (HashSet<usize>, HashSet<usize>) = (
            summaries.into_iter().collect(),
            details.into_iter().collect(),
        );
        let jobs: Vec<Job> = render::jobs(&site)
            .into_iter()
            .filter(|&job| render::shows(&site, job, &summaries, &details))
            .collect();
        let mut outputs =
            match render::render(&site, &self.renderer, &self.prepared, &jobs, &Silent) {
                Ok(outputs) => outputs,
                Err(e) => {
                    self.prepared.restore(backup);
                    return Err(relative(&self.root, e));
                }
            };
        let mut search_removed = Vec::new();
        if site.config.search {
            let edited: Vec<usize> = (0..site.papers.len())
                .filter(|&i| touched.contains(&site.papers[i].entry.slug))
                .collect();
            let (files, removed) = self.search.update(&self.site, &site, &edited);
            outputs.extend(files);
            search_removed = removed;
        }
        self.site = site;
        let mut update = Update {
            rendered: jobs.len(),
            ..Update::default()
        };
        for path in search_removed {
            if self.outputs.remove(&path).is_some() {
                update.removed.push(path);
            }
        }
        self.merge(outputs, &mut update);
        Ok(update)
    }

    fn model_options(&self) -> ModelOptions {
        ModelOptions {
            drafts: self.options.drafts,
        }
    }

    /// Renders every page and replaces the outputs.
    fn render_all(&mut self, progress: &dyn Progress) -> Result<Update> {
        let mut outputs = Vec::new();
        let pages = self.render_each(progress, &mut |batch| {
            outputs.extend(batch);
            Ok(())
        })?;
        let mut update = Update {
            full: true,
            rendered: pages,
            ..Update::default()
        };
        let keep: HashSet<&str> = outputs.iter().map(|o| o.path.as_str()).collect();
        update.removed = self
            .outputs
            .keys()
            .filter(|p| !keep.contains(p.as_str()))
            .cloned()
            .collect();
        for p in &update.removed {
            self.outputs.remove(p);
        }
        self.merge(outputs, &mut update);
        Ok(update)
    }

    /// Renders every file of the site (pages, fixed files, the search
    /// index), handing them to `sink` in batches, and keeps the template
    /// values and the search index for later rebuilds. Every failing page
    /// is reported; once one failed, `sink` gets nothing more. Returns the
    /// number of pages.
    fn render_each(
        &mut self,
        progress: &dyn Progress,
        sink: &mut dyn FnMut(Vec<Output>) -> Result<()>,
    ) -> Result<usize> {
        /// Pages per batch: enough to keep every core busy, few enough
        /// that a batch's bytes are a small part of a big site.
        const BATCH: usize = 512;
        let mut jobs = render::jobs(&self.site);
        let pages = jobs.len();
        // Only a session kept for rebuilds compares values, and keeps every
        // paper's; a one-off build renders in stages that free what the
        // next does not need (see `render::Stage`).
        let mut prepared = time(progress, "prepare", || {
            if self.streaming {
                Prepared::without_summaries(&self.site)
            } else {
                Prepared::new(&self.site, true)
            }
        });
        if self.streaming {
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
        while !rest.is_empty() {
            let stage = render::stage(rest[0]);
            let same = rest
                .iter()
                .take(BATCH)
                .take_while(|&&j| !self.streaming || render::stage(j) == stage)
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
            if self.streaming {
                match stage {
                    Stage::Papers => {
                        let end = papers.iter().max().map_or(0, |&i| i + 1);
                        prepared.summarize(&self.site, end);
                    }
                    Stage::Lists => prepared.summarize(&self.site, self.site.papers.len()),
                    Stage::DigestWide => prepared.forget_summaries(),
                    Stage::Feeds => {}
                }
            }
            match render::render(&self.site, &self.renderer, &prepared, batch, progress) {
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
            if self.streaming {
                // Paper pages come after the feeds: nothing shows their HTML
                // again.
                self.site.forget_html(papers);
            }
        }
        progress.finish();
        progress.timed("render", started.elapsed().saturating_sub(sinking));
        if !errors.is_empty() {
            return Err(relative(&self.root, Error::Invalid(errors)));
        }
        // Every page is rendered: a one-off build needs the template values
        // no more, and frees them (here) before the search index is made.
        // A session keeps them, but only once the whole render succeeded.
        let kept = (!self.streaming).then_some(prepared);
        let fixed = render::fixed_outputs(&self.site, &self.inputs.static_files);
        clashes(&mut claimed, &fixed)?;
        sink(fixed)?;
        let index = if self.site.config.search {
            let started = Instant::now();
            let mut sinking = Duration::ZERO;
            let mut index = search::Index::new(&self.site);
            index.outputs_each(&self.site, &mut |files| {
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
        self.pages = pages;
        self.prepared = kept.unwrap_or_default();
        self.search = index;
        Ok(pages)
    }

    /// Takes new outputs in, noting which actually changed.
    fn merge(&mut self, outputs: Vec<Output>, update: &mut Update) {
        for o in outputs {
            let same = self
                .outputs
                .get(&o.path)
                .is_some_and(|old| old.bytes == o.bytes);
            if same {
                // Dependencies may change even when the bytes do not.
                if let Some(old) = self.outputs.get_mut(&o.path) {
                    old.depends = o.depends;
                }
            } else {
                update.changed.push(o.path.clone());
                self.outputs.insert(o.path.clone(), o);
            }
        }
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

enum ChangeKind {
    Nothing,
    Everything { config: bool },
    Templates,
    Static,
    Entries(Vec<PathBuf>),
}

/// Did an edit change which pages exist, the order of a list, or what
/// every page shows (theme counts are on every page)? Then all pages are
/// rendered again; otherwise every paper keeps its index.
fn structure_changed(old: &Site, new: &Site, touched: &HashSet<String>) -> bool {
    if old.papers.len() != new.papers.len() {
        return true;
    }
    let find = |site: &Site, slug: &str| site.papers.iter().position(|p| p.entry.slug == slug);
    touched
        .iter()
        .any(|slug| match (find(old, slug), find(new, slug)) {
            (Some(a), Some(b)) => {
                let (a, b) = (&old.papers[a], &new.papers[b]);
                let theme_ids = |site: &Site, p: &crate::model::Paper| -> Vec<String> {
                    p.themes
                        .iter()
                        .map(|&t| site.themes[t].def.id.clone())
                        .collect()
                };
                // Slug and name: a tag is shown as its first paper spells
                // it, on every page that lists it.
                let tag_names = |site: &Site, p: &crate::model::Paper| -> Vec<(String, String)> {
                    p.tags
                        .iter()
                        .map(|&t| (site.tags[t].slug.clone(), site.tags[t].name.clone()))
                        .collect()
                };
                // Anything that moves a paper in or between lists.
                theme_ids(old, a) != theme_ids(new, b)
                    || tag_names(old, a) != tag_names(new, b)
                    || !crate::model::same_place(&a.entry, &b.entry)
            }
            (None, None) => false,
            _ => true,
        })
}

impl Drop for Session {
    /// A build that fails still lets the cache finish saving: the process
    /// may exit next, which would leave half-written files behind.
    fn drop(&mut self) {
        if let Some(saving) = self.cache_saved.take() {
            let _ = saving.join();
        }
    }
}

/// Loads, models and compiles templates, reporting content and template
/// problems together.
fn load_all(
    root: &Path,
    options: &BuildOptions,
    previous: Option<&Site>,
    progress: &dyn Progress,
) -> Result<(Inputs, Site, Renderer, Option<Cache>)> {
    let config = load_config(root, options)?;
    let cache = options
        .cache
        .then(|| time(progress, "cache", || Cache::open(root, &config)));
    let inputs = time(progress, "load", || load::load(config)).map_err(|e| relative(root, e))?;
    let site = time(progress, "model", || {
        Site::build(
            &inputs,
            ModelOptions {
                drafts: options.drafts,
            },
            previous,
            cache.as_ref(),
        )
    });
    let renderer = time(progress, "templates", || {
        Renderer::new(&inputs.templates, &inputs.config)
    });
    match (site, renderer) {
        (Ok(site), Ok(renderer)) => Ok((inputs, site, renderer, cache)),
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

#[cfg(test)]
mod size_tests {
    use super::*;

    #[test]
    fn a_site_too_big_for_pages_is_warned_of_with_its_largest_parts() {
        let mut sizes = output::Sizes::default();
        sizes.add("papers/a/index.html", 700_000_000);
        sizes.add("papers.json", 320_000_000);
        sizes.add("themes/t/index.html", 200_000_000);
        sizes.add("tags/t/index.html", 100_000_000);
        sizes.add("index.html", 1_000);
        assert!(sizes.over_pages_limit());
        let warning = too_big_for_pages(Path::new("public"), &sizes);
        assert_eq!(warning.severity, crate::error::Severity::Warning);
        assert_eq!(
            warning.message,
            "the site is larger than the 1 GB GitHub Pages publishes: 1320.0 MB in 5 files; \
             largest: papers/ 700.0 MB (1 file), papers.json 320.0 MB (1 file), themes/ 200.0 MB \
             (1 file); see README, \"Output size\""
        );
    }
}
