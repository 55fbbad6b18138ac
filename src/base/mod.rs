pub mod error;
pub mod progress;
pub mod text;
pub mod urls;
