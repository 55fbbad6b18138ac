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
    /// A stage of a build took `elapsed` (for `--verbose` timings).
    fn timed(&self, _stage: &'static str, _elapsed: std::time::Duration) {}
}

/// Runs `f` and reports how long it took as `stage`.
pub(crate) fn time<T>(progress: &dyn Progress, stage: &'static str, f: impl FnOnce() -> T) -> T {
    let start = std::time::Instant::now();
    let value = f();
    progress.timed(stage, start.elapsed());
    value
}

/// Reports nothing.
pub struct Silent;

impl Progress for Silent {}
