pub mod config;
pub mod content;
pub mod inputs;
pub mod lints;
pub mod matcher;
pub mod theme;
pub mod yaml;
