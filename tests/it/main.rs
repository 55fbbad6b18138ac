//! The integration tests, one binary: each module builds real sites in
//! temporary folders (or drives the `sheaf` executable) and reads the output.
//! One binary links the crate once, where a file per test linked it once each.
// A test or bench crate: nothing is reachable from outside, so the
// library's `unreachable_pub` rule does not apply.
#![allow(unreachable_pub)]

mod common;
// The benchmarks' synthetic digests (the kill test builds one).
#[path = "../../benches/corpus.rs"]
mod corpus;

mod browser;
mod build;
mod cache;
mod cards;
mod cite;
mod cli;
mod curate;
mod errors;
mod escaping;
mod escaping_browser;
mod facets;
mod formats;
mod import;
mod incremental;
mod init;
mod kill;
mod lists_browser;
mod release;
mod resolve;
mod search;
mod search_browser;
mod serve;
mod size;
mod tidy;
mod workflows;
