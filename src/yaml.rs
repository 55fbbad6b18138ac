//! Reading text files and YAML safely.
//!
//! Every file sheaf reads from a site goes through [`read_text`], so a
//! byte-order mark, Windows line endings, a file that is not UTF-8 or one
//! that is absurdly large are handled the same way everywhere.

use std::path::Path;

use serde::de::DeserializeOwned;

use crate::error::{Diagnostic, Error, Result};

/// Larger inputs are refused rather than parsed: no real config or entry
/// comes near this, and it bounds the memory a hostile file can take.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Reads a text file: size-checked, UTF-8, BOM stripped, `\r\n` as `\n`.
pub fn read_text(path: &Path) -> Result<String> {
    let meta = std::fs::metadata(path).map_err(|e| Error::read(path, e))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(Error::Invalid(vec![Diagnostic::error(
            path,
            None,
            format!(
                "file is {} bytes, more than the {MAX_FILE_BYTES} bytes sheaf accepts",
                meta.len()
            ),
        )]));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::read(path, e))?;
    decode(path, bytes).map_err(|d| Error::Invalid(vec![d]))
}

/// UTF-8 check and newline normalisation of a file's bytes.
pub fn decode(path: &Path, bytes: Vec<u8>) -> std::result::Result<String, Diagnostic> {
    let text = String::from_utf8(bytes).map_err(|e| {
        let line = e.as_bytes()[..e.utf8_error().valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        Diagnostic::error(path, Some(line), "file is not valid UTF-8 text")
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    Ok(if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text.to_string()
    })
}

/// Deserializes YAML, turning an error into a diagnostic at the right line
/// of `path`. `line_offset` is the number of lines before the YAML starts
/// within the file (front matter starts after its `---` line).
///
/// serde_yaml bounds recursion depth and alias expansion, so deeply nested
/// or self-referencing documents fail with an error instead of a hang.
pub fn from_str<T: DeserializeOwned>(
    text: &str,
    path: &Path,
    line_offset: usize,
) -> std::result::Result<T, Diagnostic> {
    serde_yaml::from_str(text).map_err(|e| {
        let (message, line) = place(&e.to_string(), e.location().map(|l| l.line()));
        Diagnostic::error(path, line.map(|l| l + line_offset), message)
    })
}

/// serde_yaml says where it noticed a problem ("at line 3 column 1") and,
/// for unclosed quotes and brackets, where the construct began (", while
/// scanning a quoted scalar at line 1 column 8"). The beginning is where a
/// curator has to look, so that is the line we report; the message keeps
/// the rest in the file's own line numbers.
fn place(msg: &str, at: Option<usize>) -> (String, Option<usize>) {
    let line_in = |s: &str| -> Option<usize> {
        let rest = &s[s.find(" at line ")? + 9..];
        rest.split(' ').next()?.parse().ok()
    };
    match msg.split_once(", while ") {
        Some((problem, context)) => {
            let start = line_in(context).or(at);
            let problem = problem.split(" at line ").next().unwrap_or(problem);
            let context = context.split(" at line ").next().unwrap_or(context);
            (
                format!("{problem}, while {context} that starts here"),
                start,
            )
        }
        None => (msg.split(" at line ").next().unwrap_or(msg).to_string(), at),
    }
}
