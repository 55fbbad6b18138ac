//! The long-lived build of `serve` and `watch`: the last good build held in
//! memory, rebuilt in part when inputs change.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use super::{
    absolute, check_output_dir, fixed_outputs, lints, load_all, output_dir, record_ownership,
    relative, render_site, warnings, BuildOptions, Keep, Loaded,
};
use crate::base::error::{Diagnostic, Error, Result};
use crate::base::progress::{Progress, Silent};
use crate::input::config::CONFIG_FILE;
use crate::input::inputs::Inputs;
use crate::io::load::{self, display_path};
use crate::io::output::{self, WriteReport};
use crate::model::{ModelOptions, Site};
use crate::produce::render::{self, Depends, Job, Output, Prepared, Renderer};
use crate::produce::search;

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
    pub(crate) fn css_only(&self) -> bool {
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
    /// The cache being saved after the first build, when it is used.
    cache_saved: Option<std::thread::JoinHandle<Result<usize>>>,
}

impl Session {
    /// A full build, in memory.
    pub fn new(root: &Path, options: BuildOptions) -> Result<Session> {
        Session::with_progress(root, options, &Silent)
    }

    /// A full build, in memory, reporting how rendering goes.
    pub(crate) fn with_progress(
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
        let Loaded {
            root,
            inputs,
            site,
            renderer,
            cache_saved,
            ..
        } = Loaded::new(root, &options, Keep::ForRebuilds, &[], None, progress)?;
        Ok(Session {
            cache_saved,
            root,
            options,
            inputs,
            prepared: Prepared::default(),
            search: search::Index::default(),
            site,
            renderer,
            outputs: BTreeMap::new(),
            pages: 0,
            failed: false,
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
        let owned = crate::io::cache::load_owned(&self.root, dir);
        let committed = output::write(dir, self.outputs.values(), owned.clone())?;
        record_ownership(&self.root, dir, &committed, &owned, warnings);
        Ok(committed.report)
    }

    /// Writes what an incremental rebuild changed into `dir`, and records
    /// the files it adds as sheaf's.
    pub fn write_update(&self, dir: &Path, update: &Update) -> Result<()> {
        output::write_changes(dir, &self.outputs, &update.changed, &update.removed)?;
        if !update.changed.is_empty() || !update.removed.is_empty() {
            let owned = crate::io::cache::load_owned(&self.root, dir);
            let mut keys: Vec<u64> = self.outputs.keys().map(|p| output::owned_key(p)).collect();
            keys.sort_unstable();
            // Best effort: without it, a later build keeps (and names) the
            // files this rebuild added once they are stale.
            let _ = crate::io::cache::save_owned(&self.root, dir, &keys, &owned);
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
    /// ([`crate::input::lints::lints`]), with paths relative to the root.
    pub fn warnings(&self) -> Vec<Diagnostic> {
        warnings(&self.root, &self.site, lints(&self.inputs))
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
        dirs.retain(|d| crate::io::fs::leads_somewhere(d));
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
    pub(crate) fn rebuild_all(&mut self, config_changed: bool) -> Result<Update> {
        let previous = (!config_changed).then_some(&self.site);
        let options = BuildOptions {
            // A running session has the conversions it needs in memory.
            cache: false,
            ..self.options.clone()
        };
        let (inputs, site, renderer, _, _, _) =
            load_all(&self.root, &options, previous, None, false, &Silent)?;
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
        let fixed = fixed_outputs(&self.site, &self.inputs.static_files);
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
        let site_dir = crate::io::fs::canonical(&self.root);
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
        let changed = self.prepared.refresh(&site, &touched_at);
        let jobs: Vec<Job> = render::jobs(&site)
            .into_iter()
            .filter(|&job| render::shows(&site, job, &changed))
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
        let rendered = render_site(
            &mut self.site,
            &self.renderer,
            &self.inputs.static_files,
            &self.root,
            Keep::ForRebuilds,
            None,
            None,
            progress,
            &mut |batch| {
                outputs.extend(batch);
                Ok(())
            },
        )?;
        let pages = rendered.pages;
        self.pages = pages;
        self.prepared = rendered.prepared;
        self.search = rendered.search;
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
