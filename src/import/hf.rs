//! (being written)

use std::path::Path;

use super::Parsed;

pub fn looks_like(_text: &str) -> bool {
    false
}

pub fn parse(_path: &Path, _text: &str) -> Parsed {
    Parsed::default()
}
