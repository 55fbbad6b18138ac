pub mod render;
pub mod search;
