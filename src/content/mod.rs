//! Paper entries: the Markdown files with YAML front matter under
//! `content/papers/`. This module parses and validates one entry in
//! isolation (nothing here knows the site's themes) and writes new ones.

mod entry;
mod slug;
mod write;

pub use entry::{check_arxiv_id, parse_date, parse_entry, Entry, Status, Verdict, KNOWN_KEYS};
pub use slug::{slug_for_title, unique_slug};
pub use write::{render_entry, NewEntry};
