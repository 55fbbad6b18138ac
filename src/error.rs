//! Errors and diagnostics.
//!
//! Problems in user input (config, entries, templates) are collected as
//! [`Diagnostic`]s, each naming a file and, where known, a line, so that one
//! run reports every problem instead of stopping at the first. Everything
//! else that can fail (I/O, refusing a dangerous output folder) is an
//! [`Error`] variant with the path it concerns.

use std::fmt;
use std::path::{Path, PathBuf};

/// How bad a finding is: errors stop a build, warnings are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// One finding about one place in one file, printed in the style of rustc:
///
/// ```text
/// error: `date` is not a date (expected YYYY-MM-DD): "May 7"
///   --> content/papers/foo.md:3
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: PathBuf,
    /// 1-based line, when the problem has a place in the file.
    pub line: Option<usize>,
    pub message: String,
}

impl Diagnostic {
    pub fn error(
        file: impl Into<PathBuf>,
        line: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: file.into(),
            line,
            message: message.into(),
        }
    }

    pub fn warning(
        file: impl Into<PathBuf>,
        line: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(file, line, message)
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(f, "{label}: {}", self.message)?;
        match self.line {
            Some(line) => write!(f, "  --> {}:{line}", self.file.display()),
            None => write!(f, "  --> {}", self.file.display()),
        }
    }
}

/// Everything the library can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input has problems; every one found is listed.
    #[error("{}", Diagnostics(.0))]
    Invalid(Vec<Diagnostic>),

    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// sheaf refuses to write (and later clean) a folder that holds the
    /// site's own sources.
    #[error("refusing to use {} as the output folder: {reason}", path.display())]
    UnsafeOutput { path: PathBuf, reason: String },

    #[error("{0}")]
    Usage(String),

    #[error("cannot fetch {url}: {message}")]
    Fetch { url: String, message: String },

    #[error("cannot watch {}: {message}", path.display())]
    Watch { path: PathBuf, message: String },

    #[error("cannot serve on {address}: {message}")]
    Serve { address: String, message: String },
}

impl Error {
    pub fn read(path: &Path, source: std::io::Error) -> Self {
        Error::Read {
            path: path.to_path_buf(),
            source,
        }
    }

    pub fn write(path: &Path, source: std::io::Error) -> Self {
        Error::Write {
            path: path.to_path_buf(),
            source,
        }
    }

    /// The diagnostics of an [`Error::Invalid`], empty for other errors.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            Error::Invalid(d) => d,
            _ => &[],
        }
    }
}

struct Diagnostics<'a>(&'a [Diagnostic]);

impl fmt::Display for Diagnostics<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors = self.0.iter().filter(|d| d.is_error()).count();
        for d in self.0 {
            writeln!(f, "{d}\n")?;
        }
        write!(
            f,
            "{errors} error{} found",
            if errors == 1 { "" } else { "s" }
        )
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The 1-based line of the first line in `text` that, trimmed, starts with
/// `prefix`. Used to place semantic errors (found after YAML parsing, which
/// forgets positions) on the line a curator has to fix.
pub fn line_of(text: &str, prefix: &str) -> Option<usize> {
    text.lines()
        .position(|l| l.trim_start().trim_start_matches("- ").starts_with(prefix))
        .map(|i| i + 1)
}
