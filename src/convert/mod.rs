pub(crate) mod derived;
pub mod markdown;
pub(crate) mod related;
pub(crate) mod terms;
