//! The binary's own modules, above every layer of the library: what the
//! command line takes ([`args`]) and what it prints ([`report`]).
//! `main.rs` runs the commands.

pub(crate) mod args;
pub(crate) mod report;
