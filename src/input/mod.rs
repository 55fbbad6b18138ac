pub mod config;
pub mod content;
pub(crate) mod inputs;
pub(crate) mod lints;
pub(crate) mod matcher;
pub(crate) mod theme;
pub(crate) mod yaml;
