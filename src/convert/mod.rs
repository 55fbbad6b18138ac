pub mod markdown;
pub mod related;
