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
    pub(crate) fn error(
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

    pub(crate) fn warning(
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

impl Severity {
    /// The word a diagnostic starts with.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl Diagnostic {
    /// `file:line`, or the file alone when the problem has no line.
    pub fn location(&self) -> String {
        match self.line {
            Some(line) => format!("{}:{line}", self.file.display()),
            None => self.file.display().to_string(),
        }
    }

    /// The finding as a GitHub Actions workflow command, which the
    /// workflow's page shows as an annotation on `file` (a path relative to
    /// the repository) at the line: `::warning file=…,line=…::message`.
    pub fn workflow_command(&self, file: &Path) -> String {
        let mut properties = format!("file={}", escape_property(&file.to_string_lossy()));
        if let Some(line) = self.line {
            properties += &format!(",line={line}");
        }
        format!(
            "::{} {properties}::{}",
            self.severity.label(),
            escape_data(&self.message)
        )
    }
}

/// A workflow command's message: `%`, CR and LF are encoded, as the
/// runner decodes them.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: also `:` and `,`, which would end
/// it.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}: {}", self.severity.label(), self.message)?;
        write!(f, "  --> {}", self.location())
    }
}

/// Everything the library can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input has problems; every one found is listed.
    #[error("{}", Diagnostics(.0))]
    Invalid(Vec<Diagnostic>),

    // The OS's reason is the source, not part of the message: whoever
    // prints the error walks the chain ([`chain`]), so it shows once.
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot write {}", path.display())]
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

    /// The folder holds no `site-config.yaml`.
    #[error("{} is not a sheaf digest: it has no {}", root.display(), crate::base::paths::CONFIG_FILE)]
    NotADigest { root: PathBuf },

    #[error("cannot fetch {url}: {message}")]
    Fetch {
        url: String,
        message: String,
        /// The network or protocol error, when there was one (an HTTP
        /// status the API answered is in `message`).
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },

    #[error("cannot watch {}: {message}", path.display())]
    Watch {
        path: PathBuf,
        message: String,
        #[source]
        source: Option<notify::Error>,
    },

    #[error("cannot serve on {address}: {message}")]
    Serve {
        address: String,
        message: String,
        #[source]
        source: Option<std::io::Error>,
    },
}

impl Error {
    pub(crate) fn read(path: &Path, source: std::io::Error) -> Self {
        Error::Read {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn write(path: &Path, source: std::io::Error) -> Self {
        Error::Write {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// `error` and each of its causes, once each, joined by ": ": how every
/// error is shown, since no message repeats its source.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
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
pub(crate) fn line_of(text: &str, prefix: &str) -> Option<usize> {
    text.lines()
        .position(|l| l.trim_start().trim_start_matches("- ").starts_with(prefix))
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_commands_escape_what_github_decodes() {
        let d = Diagnostic::warning(
            "content/papers/a,b:c%.md",
            Some(3),
            "50% done\r\nnext: line, here",
        );
        assert_eq!(
            d.workflow_command(Path::new("site/content/papers/a,b:c%.md")),
            "::warning file=site/content/papers/a%2Cb%3Ac%25.md,line=3::50%25 done%0D%0Anext: line, here"
        );
        let e = Diagnostic::error("site-config.yaml", None, "bad");
        assert_eq!(
            e.workflow_command(Path::new("site-config.yaml")),
            "::error file=site-config.yaml::bad"
        );
    }

    #[test]
    fn the_chain_names_each_cause_once() {
        let e = Error::read(
            Path::new("/x/site-config.yaml"),
            std::io::Error::from(std::io::ErrorKind::StorageFull),
        );
        let text = chain(&e);
        assert!(
            text.starts_with("cannot read /x/site-config.yaml: "),
            "{text}"
        );
        let cause = std::io::Error::from(std::io::ErrorKind::StorageFull).to_string();
        assert_eq!(text.matches(&cause).count(), 1, "{text}");
    }
}
