//! Stage one of a build: read and validate every input.
//!
//! Everything a build needs from the disk is read here (config, entries,
//! templates, static files) and nowhere else, so that later stages are pure
//! functions of [`Inputs`]. Entries parse in parallel; every problem in every
//! file is collected before giving up.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::config::Config;
use crate::content::{parse_entry, Entry};
use crate::error::{Diagnostic, Error, Result};
use crate::yaml;

/// A template file: its name for Tera (`paper.html`, `partials/card.html`)
/// and its text.
#[derive(Debug, Clone)]
pub struct TemplateFile {
    pub name: String,
    pub path: PathBuf,
    pub text: String,
}

/// A file copied to the output as it is.
#[derive(Debug, Clone)]
pub struct StaticFile {
    /// Path inside the output, with `/` separators.
    pub out_path: String,
    pub bytes: Vec<u8>,
}

/// Everything read from the disk for one build.
#[derive(Debug, Clone)]
pub struct Inputs {
    pub config: Config,
    /// Shared, so a rebuild can keep unchanged entries as they are and the
    /// model can tell them apart by pointer.
    pub entries: Vec<Arc<Entry>>,
    pub templates: Vec<TemplateFile>,
    pub static_files: Vec<StaticFile>,
    /// Problems found while reading. Errors here do not stop loading: the
    /// model adds its own findings and reports them all together.
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads the site of `config` (loaded already, so command-line overrides
/// apply). Fails only when the disk fails; problems in files are collected
/// in [`Inputs::diagnostics`].
pub fn load(config: Config) -> Result<Inputs> {
    let root = config.root.clone();
    let mut diagnostics = Vec::new();
    let (entries, mut entry_diags) = load_entries(&root, &config.papers_dir());
    diagnostics.append(&mut entry_diags);

    let theme_dir = config.theme_dir();
    if let Some(theme_dir) = theme_dir.filter(|d| !d.join("templates").is_dir()) {
        diagnostics.push(Diagnostic::error(
            root.join(crate::config::CONFIG_FILE),
            crate::error::line_of(
                &std::fs::read_to_string(root.join(crate::config::CONFIG_FILE)).unwrap_or_default(),
                "templates:",
            ),
            format!(
                "the visual theme folder {} has no templates/ folder",
                theme_dir.display()
            ),
        ));
    }
    let templates = load_templates(&config, &mut diagnostics);
    let static_files = load_static(&config, &mut diagnostics);

    Ok(Inputs {
        config,
        entries,
        templates,
        static_files,
        diagnostics,
    })
}

/// The templates of the visual theme, with the site's own `templates/`
/// overriding them file by file.
pub fn load_templates(config: &Config, diagnostics: &mut Vec<Diagnostic>) -> Vec<TemplateFile> {
    overlaid(config, "templates", diagnostics, read_templates, |t| {
        &t.name
    })
}

/// The static files of the visual theme, with the site's own `static/`
/// overriding them file by file.
pub fn load_static(config: &Config, diagnostics: &mut Vec<Diagnostic>) -> Vec<StaticFile> {
    overlaid(config, "static", diagnostics, read_static, |s| &s.out_path)
}

/// The files of the theme's `folder` (from the disk, or from the binary
/// for the built-in theme), then the site's own `folder`, whose files
/// replace the theme's of the same `name`.
fn overlaid<T>(
    config: &Config,
    folder: &str,
    diagnostics: &mut Vec<Diagnostic>,
    read: fn(&Path, &Path, &mut Vec<Diagnostic>) -> Vec<T>,
    name: fn(&T) -> &String,
) -> Vec<T>
where
    T: Builtin,
{
    let root = &config.root;
    let mut files = match config.theme_dir() {
        Some(dir) => read(root, &dir.join(folder), diagnostics),
        None => crate::init::DEFAULT_THEME
            .iter()
            .filter_map(|(path, bytes)| {
                let name = path.strip_prefix(folder)?.strip_prefix('/')?;
                Some(T::builtin(name, path, bytes))
            })
            .collect(),
    };
    for over in read(root, &root.join(folder), diagnostics) {
        files.retain(|f| name(f) != name(&over));
        files.push(over);
    }
    files
}

/// A theme file made from a file of the built-in theme.
trait Builtin {
    /// `name` inside its folder, `path` inside the theme.
    fn builtin(name: &str, path: &str, bytes: &'static [u8]) -> Self;
}

/// Where messages place a file of the built-in theme: it has none on disk.
const BUILTIN_PLACE: &str = "(sheaf's built-in theme)";

impl Builtin for TemplateFile {
    fn builtin(name: &str, path: &str, bytes: &'static [u8]) -> Self {
        TemplateFile {
            name: name.to_string(),
            path: Path::new(BUILTIN_PLACE).join(path),
            // The theme's files are checked as UTF-8 when they are built
            // in (tests/init.rs); a lossy read only guards the impossible.
            text: String::from_utf8_lossy(bytes).into_owned(),
        }
    }
}

impl Builtin for StaticFile {
    fn builtin(name: &str, _path: &str, bytes: &'static [u8]) -> Self {
        StaticFile {
            out_path: name.to_string(),
            bytes: bytes.to_vec(),
        }
    }
}

/// The path of `path` relative to the site root, for messages that a
/// curator can paste into an editor.
pub fn display_path(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

/// Every `*.md` in the papers folder (and below), parsed in parallel.
pub fn load_entries(root: &Path, dir: &Path) -> (Vec<Arc<Entry>>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut paths = Vec::new();
    for item in WalkDir::new(dir).follow_links(false).sort_by_file_name() {
        match item {
            Ok(item) if item.file_type().is_file() => {
                let p = item.path();
                if p.extension().is_some_and(|x| x == "md") {
                    paths.push(p.to_path_buf());
                }
            }
            Ok(_) => {}
            Err(e) if dir.exists() => diagnostics.push(Diagnostic::error(
                e.path().unwrap_or(dir),
                None,
                format!("cannot read: {e}"),
            )),
            Err(_) => {}
        }
    }
    let results: Vec<_> = paths
        .par_iter()
        .with_max_len(64) // Small pieces (see ARCHITECTURE.md, "Parallel loops").
        .map(|path| {
            let shown = display_path(root, path);
            let text = match yaml::read_text(path) {
                Ok(t) => t,
                Err(Error::Invalid(d)) => {
                    return Err(d
                        .into_iter()
                        .map(|d| Diagnostic {
                            file: shown.clone(),
                            ..d
                        })
                        .collect())
                }
                Err(e) => {
                    return Err(vec![Diagnostic::error(
                        &shown,
                        None,
                        crate::error::chain(&e),
                    )])
                }
            };
            parse_entry(&shown, &text)
        })
        .collect();
    let mut entries = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok((entry, mut warnings)) => {
                diagnostics.append(&mut warnings);
                entries.push(Arc::new(entry));
            }
            Err(mut errors) => diagnostics.append(&mut errors),
        }
    }
    (entries, diagnostics)
}

/// Every file under `dir` with its `/`-separated name. Symbolic links are
/// followed only when they point inside the site root: a theme must not be
/// able to publish `/etc` by linking to it.
fn files_under(
    root: &Path,
    dir: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<(String, PathBuf)> {
    if !dir.is_dir() {
        return Vec::new();
    }
    let site = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut out = Vec::new();
    for item in WalkDir::new(dir).follow_links(false).sort_by_file_name() {
        let item = match item {
            Ok(item) => item,
            Err(e) => {
                diagnostics.push(Diagnostic::error(
                    e.path().unwrap_or(dir),
                    None,
                    format!("cannot read: {e}"),
                ));
                continue;
            }
        };
        let path = item.path();
        let is_file = if item.path_is_symlink() {
            match path.canonicalize() {
                Ok(target) if target.starts_with(&site) => target.is_file(),
                _ => {
                    diagnostics.push(Diagnostic::warning(
                        path,
                        None,
                        "skipped: a symbolic link to a place outside the site",
                    ));
                    false
                }
            }
        } else {
            item.file_type().is_file()
        };
        if is_file {
            let rel = path.strip_prefix(dir).unwrap_or(path);
            let name = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push((name, path.to_path_buf()));
        }
    }
    out
}

fn read_templates(root: &Path, dir: &Path, diagnostics: &mut Vec<Diagnostic>) -> Vec<TemplateFile> {
    files_under(root, dir, diagnostics)
        .into_iter()
        .filter_map(|(name, path)| match yaml::read_text(&path) {
            Ok(text) => Some(TemplateFile { name, path, text }),
            Err(e) => {
                diagnostics.extend(match e {
                    Error::Invalid(d) => d,
                    other => vec![Diagnostic::error(&path, None, crate::error::chain(&other))],
                });
                None
            }
        })
        .collect()
}

fn read_static(root: &Path, dir: &Path, diagnostics: &mut Vec<Diagnostic>) -> Vec<StaticFile> {
    files_under(root, dir, diagnostics)
        .into_iter()
        .filter_map(|(out_path, path)| match std::fs::read(&path) {
            Ok(bytes) => Some(StaticFile { out_path, bytes }),
            Err(e) => {
                diagnostics.push(Diagnostic::error(&path, None, format!("cannot read: {e}")));
                None
            }
        })
        .collect()
}
