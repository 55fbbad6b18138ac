pub mod cache;
pub mod fs;
pub mod journal;
pub mod load;
pub(crate) mod output;
