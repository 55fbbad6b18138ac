pub mod derived;
pub mod markdown;
pub mod related;
