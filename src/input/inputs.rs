//! Everything a build reads, as values: what `io::load` gives the model.

use std::path::PathBuf;
use std::sync::Arc;

use crate::base::error::Diagnostic;
use crate::input::config::Config;
use crate::input::content::Entry;

/// A template file: its name for Tera (`paper.html`, `partials/card.html`)
/// and its text.
#[derive(Debug, Clone)]
pub struct TemplateFile {
    pub(crate) name: String,
    pub(crate) path: PathBuf,
    pub(crate) text: String,
}

/// A file copied to the output as it is.
#[derive(Debug, Clone)]
pub struct StaticFile {
    /// Path inside the output, with `/` separators.
    pub(crate) out_path: String,
    pub(crate) bytes: Vec<u8>,
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
