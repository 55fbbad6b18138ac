pub mod config;
pub mod content;
pub mod matcher;
pub mod yaml;
