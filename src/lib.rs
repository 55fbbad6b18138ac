//! sheaf: a static site generator for curated digests of research papers.
//!
//! The modules are the pipeline's layers, lowest first (see
//! `ARCHITECTURE.md`, "Layers"); a layer uses only the layers below it:
//! - [`base`]: errors, text, URLs and page paths, the artifact types.
//! - [`input`]: the configuration and content entries, parsed and validated.
//! - [`convert`]: per-entry conversions (Markdown, derived data, search
//!   terms, related papers).
//! - [`model`]: the site model built from the inputs.
//! - [`produce`]: pages, feeds and the search index, as files in memory.
//! - [`io`]: the only layer that touches the disk: reading inputs, the
//!   cache, writing output, the import journal.
//! - [`build`]: a one-off build and the long-lived session of `serve`.
//! - [`front`]: the commands' front ends: serve, watch, import, curate,
//!   init, suggest, workflow upgrades.

// These docs are a codemap for contributors (`cargo doc
// --document-private-items`), so they link to crate-private items freely.
#![allow(rustdoc::private_intra_doc_links)]

pub mod base;
pub mod build;
pub mod convert;
pub mod front;
pub mod input;
pub mod io;
pub mod model;
pub mod produce;

pub use base::error::{Diagnostic, Error, Result, Severity};
