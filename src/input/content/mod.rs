//! Paper entries: the Markdown files with YAML front matter under
//! `content/papers/`. This module parses and validates one entry in
//! isolation (nothing here knows the site's themes) and writes new ones.

pub mod arxiv_id;
mod cite_key;
mod entry;
mod identity;
mod slug;
mod write;

pub(crate) use cite_key::unique_keys;
pub use entry::{
    parse_date, parse_entry, Entry, Metrics, PartialDate, Status, Verdict, KNOWN_KEYS, SOURCE_KEYS,
};
pub use identity::{identity_keys, identity_keys_from, lenient_identity_keys, Ids};
pub(crate) use slug::cut_slug;
pub use slug::{slug_for_title, unique_slug};
pub use write::{render_entry, set_fields, DatePrecision, Field, NewEntry};
