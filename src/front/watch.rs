//! Watching a site's sources for changes, for `serve` and `watch`.
//!
//! Only writes count: a rebuild reads every source, and read (access)
//! events must not set off another rebuild. Editors save in bursts (write a
//! temporary file, rename, touch), so events are debounced: a burst becomes
//! one batch of paths, and one batch one rebuild.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher as _};

use crate::base::error::{Error, Result};

/// A batch ends once no event came for this long: short enough to feel
/// instant, long enough to merge an editor's save.
pub(crate) const DEBOUNCE: Duration = Duration::from_millis(20);

/// A steady stream of events (a large checkout) still gets rebuilt this
/// often.
const MAX_BATCH: Duration = Duration::from_millis(500);

pub struct Watcher {
    // Dropping the watcher stops the watch.
    _watcher: RecommendedWatcher,
    events: Receiver<notify::Result<notify::Event>>,
}

impl Watcher {
    /// Watches every path in `paths` (folders recursively).
    pub fn new(paths: &[PathBuf]) -> Result<Watcher> {
        let (tx, events) = std::sync::mpsc::channel();
        let mut watcher = notify::recommended_watcher(tx).map_err(|e| Error::Watch {
            path: paths.first().cloned().unwrap_or_default(),
            message: "cannot start the file watcher".into(),
            source: Some(e),
        })?;
        for path in paths {
            watcher
                .watch(path, RecursiveMode::Recursive)
                .map_err(|e| Error::Watch {
                    path: path.clone(),
                    message: "cannot watch for changes".into(),
                    source: Some(e),
                })?;
        }
        Ok(Watcher {
            _watcher: watcher,
            events,
        })
    }

    /// The next batch of changed paths, waiting at most `timeout` for it to
    /// start. `None` on timeout.
    pub fn next(&self, timeout: Duration) -> Option<Result<Vec<PathBuf>>> {
        let deadline = Instant::now() + timeout;
        let mut paths = Vec::new();
        // Wait for the first write.
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(Ok(event)) => {
                    if collect(event, &mut paths) {
                        break;
                    }
                }
                Ok(Err(e)) => return Some(Err(watch_error(e))),
                Err(RecvTimeoutError::Timeout) => return None,
                Err(RecvTimeoutError::Disconnected) => return Some(Err(stopped())),
            }
        }
        // Then take everything until the burst is over.
        let started = Instant::now();
        while started.elapsed() < MAX_BATCH {
            match self.events.recv_timeout(DEBOUNCE) {
                Ok(Ok(event)) => {
                    collect(event, &mut paths);
                }
                Ok(Err(e)) => return Some(Err(watch_error(e))),
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return Some(Err(stopped())),
            }
        }
        paths.sort();
        paths.dedup();
        Some(Ok(paths))
    }
}

/// Adds the paths of a write event; false for events that are not writes.
fn collect(event: notify::Event, paths: &mut Vec<PathBuf>) -> bool {
    match event.kind {
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) | EventKind::Any => {
            paths.extend(event.paths);
            true
        }
        EventKind::Access(_) | EventKind::Other => false,
    }
}

fn watch_error(e: notify::Error) -> Error {
    Error::Watch {
        path: e.paths.first().cloned().unwrap_or_default(),
        message: "the file watcher failed".into(),
        source: Some(e),
    }
}

fn stopped() -> Error {
    Error::Watch {
        path: PathBuf::new(),
        message: "the file watcher stopped".into(),
        source: None,
    }
}

/// The local time zone's offset; UTC until [`set_local_offset`].
static LOCAL_OFFSET: std::sync::OnceLock<time::UtcOffset> = std::sync::OnceLock::new();

/// Sets the offset rebuild lines show the time in. The `time` crate reads
/// the time zone only while the process has one thread (reading it races
/// with a thread changing the environment), so the CLI reads it first
/// thing and hands it here.
pub fn set_local_offset(offset: time::UtcOffset) {
    let _ = LOCAL_OFFSET.set(offset);
}

/// The start of the line a rebuild prints, as Zola's: the time and what
/// changed, `14:03:07 content/papers/a.md changed` (paths relative to
/// `root`, the first three of a bigger batch).
pub fn changes_line(root: &Path, paths: &[PathBuf]) -> String {
    const SHOWN: usize = 3;
    let root = crate::io::fs::canonical(root);
    let mut names: Vec<String> = paths
        .iter()
        .map(|p| p.strip_prefix(&root).unwrap_or(p).display().to_string())
        .collect();
    names.sort();
    names.dedup();
    let more = names.len().saturating_sub(SHOWN);
    names.truncate(SHOWN);
    let now = time::OffsetDateTime::now_utc()
        .to_offset(LOCAL_OFFSET.get().copied().unwrap_or(time::UtcOffset::UTC));
    let clock = now
        .format(time::macros::format_description!(
            "[hour]:[minute]:[second]"
        ))
        .unwrap_or_default();
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!("{clock} {}{more} changed", names.join(", "))
}
