pub mod artifact;
pub mod display;
pub mod error;
pub mod paths;
pub mod progress;
pub mod text;
pub mod urls;
