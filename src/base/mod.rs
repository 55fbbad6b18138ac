pub(crate) mod artifact;
pub(crate) mod display;
pub mod error;
pub(crate) mod paths;
pub mod progress;
pub(crate) mod text;
pub mod urls;
