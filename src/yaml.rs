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
    use std::io::Read;
    // One open for the size and the bytes (a build reads 100,000 entries),
    // and never more than the limit, even from a file that grows meanwhile.
    let file = std::fs::File::open(path).map_err(|e| Error::read(path, e))?;
    let len = file.metadata().map_err(|e| Error::read(path, e))?.len();
    let too_big = |size: u64| {
        Error::Invalid(vec![Diagnostic::error(
            path,
            None,
            format!("file is {size} bytes, more than the {MAX_FILE_BYTES} bytes sheaf accepts"),
        )])
    };
    if len > MAX_FILE_BYTES {
        return Err(too_big(len));
    }
    // One byte more than the file: the read that finds its end needs room.
    let mut bytes = Vec::with_capacity(len as usize + 1);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::read(path, e))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
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
    // Copied only when there is something to take out.
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    };
    Ok(if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text
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

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8]) -> Result<String> {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("entry.md");
        std::fs::write(&path, bytes).expect("write");
        read_text(&path)
    }

    #[test]
    fn text_comes_back_without_bom_and_with_unix_line_ends() {
        assert_eq!(read(b"a\nb\n").ok().as_deref(), Some("a\nb\n"));
        assert_eq!(
            read(b"\xef\xbb\xbfa\r\nb\rc").ok().as_deref(),
            Some("a\nb\nc")
        );
    }

    #[test]
    fn a_file_over_the_limit_is_refused() {
        let at_limit = vec![b'a'; MAX_FILE_BYTES as usize];
        assert_eq!(read(&at_limit).map(|s| s.len()).ok(), Some(at_limit.len()));
        let over = vec![b'a'; MAX_FILE_BYTES as usize + 1];
        match read(&over) {
            Err(Error::Invalid(d)) => {
                assert!(d[0].message.contains("more than the"), "{}", d[0].message);
                assert!(d[0].file.ends_with("entry.md"), "{:?}", d[0].file);
            }
            other => panic!("expected the size error, got {:?}", other.map(|s| s.len())),
        }
    }

    #[test]
    fn bad_utf8_is_placed_on_its_line() {
        match read(b"ok\nok\n\xff\n") {
            Err(Error::Invalid(d)) => assert_eq!(d[0].line, Some(3)),
            other => panic!("expected a UTF-8 error, got {:?}", other.map(|s| s.len())),
        }
    }
}
