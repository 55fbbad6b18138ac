//! The build pipeline, start to end: load, model, render, write.
//!
//! `build` and the future `serve`/`watch` share these stages; this module
//! only strings them together and applies command-line overrides.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::error::{Diagnostic, Error, Result};
use crate::load::{self, display_path};
use crate::model::{ModelOptions, Site};
use crate::output::{self, WriteReport};
use crate::render::{self, Renderer};
use crate::urls::Urls;

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Overrides the config's `output_dir` (relative to the current folder).
    pub output_dir: Option<PathBuf>,
    /// Overrides the config's `base_url`.
    pub base_url: Option<String>,
    /// Publish drafts too.
    pub drafts: bool,
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

/// Builds the site at `root`. On any error nothing is written.
pub fn build(root: &Path, options: &BuildOptions) -> Result<BuildReport> {
    let start = Instant::now();
    let config = load_config(root, options)?;
    let out_dir = output_dir(&config, options);
    output::check_output_dir(
        root,
        &out_dir,
        &[
            root.join(&config.content_dir),
            root.join(&config.templates),
            root.join("templates"),
            root.join("static"),
        ],
    )?;
    let inputs = load::load(config).map_err(|e| relative(root, e))?;
    // Content and template problems are reported together.
    let site = Site::build(
        &inputs,
        ModelOptions {
            drafts: options.drafts,
        },
    );
    let renderer = Renderer::new(&inputs.templates, &inputs.config.urls);
    let (site, renderer) = match (site, renderer) {
        (Ok(site), Ok(renderer)) => (site, renderer),
        (site, renderer) => {
            let mut all = Vec::new();
            for e in [site.err(), renderer.err()].into_iter().flatten() {
                match e {
                    Error::Invalid(d) => all.extend(d),
                    other => return Err(other),
                }
            }
            return Err(relative(root, Error::Invalid(all)));
        }
    };
    let jobs = render::jobs(&site);
    let mut outputs = render::render(&site, &renderer, &jobs).map_err(|e| relative(root, e))?;
    outputs.extend(render::fixed_outputs(&site, &inputs.static_files));
    let write = output::write(&out_dir, &outputs)?;
    Ok(BuildReport {
        output_dir: out_dir,
        papers: site.papers.len(),
        pages: jobs.len(),
        files: outputs.len(),
        write,
        elapsed: start.elapsed(),
        warnings: site
            .warnings
            .iter()
            .map(|d| relative_diag(root, d.clone()))
            .collect(),
    })
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
