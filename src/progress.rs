//! Progress reports from long stages (rendering thousands of pages,
//! importing many papers) to whoever shows them: the command line draws a
//! bar, tests and the preview server stay silent.

/// Receives progress; every method may be called from many threads.
pub trait Progress: Sync {
    /// A stage of `total` steps begins.
    fn start(&self, _stage: &str, _total: u64) {}
    /// `n` more steps are done.
    fn advance(&self, _n: u64) {}
    /// The stage is over.
    fn finish(&self) {}
}

/// Reports nothing.
pub struct Silent;

impl Progress for Silent {}
