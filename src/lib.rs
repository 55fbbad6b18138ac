//! sheaf: a static site generator for curated digests of research papers.
//!
//! The pipeline (see `ARCHITECTURE.md`): [`load`] reads and validates every
//! input, [`model`] builds the site model, [`render`] turns it into files in
//! memory, [`output`] writes them. [`site`] strings the stages together;
//! [`import`] brings papers in from their sources as [`content`] entries.

pub mod cache;
pub mod config;
pub mod content;
pub mod curate;
pub mod error;
pub mod fs;
pub mod import;
pub mod init;
pub mod journal;
pub mod load;
pub mod markdown;
pub mod matcher;
pub mod model;
pub mod output;
pub mod progress;
pub mod related;
pub mod render;
pub mod search;
pub mod serve;
pub mod site;
pub mod suggest;
pub mod text;
pub mod urls;
pub mod watch;
pub mod workflows;
pub mod yaml;

pub use error::{Diagnostic, Error, Result, Severity};
