//! Decoding text files and reading YAML safely.
//!
//! Every file sheaf reads from a site is read by `io::fs::read_text` and
//! decoded here ([`decode`]), so a byte-order mark, Windows line endings or
//! a file that is not UTF-8 are handled the same way everywhere.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde_yaml::Value;

use crate::base::error::Diagnostic;

/// UTF-8 check and newline normalisation of a file's bytes.
pub(crate) fn decode(path: &Path, bytes: Vec<u8>) -> std::result::Result<String, Diagnostic> {
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
/// Nesting is bounded by a scan before parsing ([`check_nesting`]): the
/// parser's own recursion limit comes only after time that grows with the
/// square of the depth. serde_yaml bounds alias expansion, and strings may
/// not hold characters that XML cannot carry ([`check_chars`]).
pub(crate) fn from_str<T: DeserializeOwned>(
    text: &str,
    path: &Path,
    line_offset: usize,
) -> std::result::Result<T, Diagnostic> {
    check_nesting(text, path, line_offset)?;
    let parsed = serde_yaml::from_str(text).map_err(|e| located(&e, text, path, line_offset))?;
    // The check reads strings, which `T` may have typed away: one more
    // parse, only for text with a double-quoted escape in it.
    if has_escape(text) {
        let value: Value =
            serde_yaml::from_str(text).map_err(|e| located(&e, text, path, line_offset))?;
        check_chars(&value, text, path, line_offset)?;
    }
    Ok(parsed)
}

/// [`from_str`] for a [`Value`], parsed once.
pub(crate) fn value_from_str(
    text: &str,
    path: &Path,
    line_offset: usize,
) -> std::result::Result<Value, Diagnostic> {
    check_nesting(text, path, line_offset)?;
    let value: Value =
        serde_yaml::from_str(text).map_err(|e| located(&e, text, path, line_offset))?;
    if has_escape(text) {
        check_chars(&value, text, path, line_offset)?;
    }
    Ok(value)
}

/// A serde_yaml error as a diagnostic on the line to look at, in words a
/// curator can act on.
fn located(e: &serde_yaml::Error, text: &str, path: &Path, line_offset: usize) -> Diagnostic {
    let (message, line) = place(&e.to_string(), e.location().map(|l| l.line()));
    let (message, line) = explain(message, line, text);
    Diagnostic::error(path, line.map(|l| l + line_offset), message)
}

/// What serde_yaml says without a useful line or in its own terms, said
/// again with one.
fn explain(message: String, line: Option<usize>, text: &str) -> (String, Option<usize>) {
    // Alias bombs: no position from serde_yaml; the first alias is where
    // the expansion starts.
    if message.starts_with("repetition limit exceeded") || message.starts_with("recursion limit") {
        let alias = regex::Regex::new(r"(^|[\s\[{,:])\*[^\s\[\]{},]+").expect("valid pattern");
        let first = text.lines().position(|l| alias.is_match(l)).map(|i| i + 1);
        let message = format!(
            "{message}: aliases (`*name`) and merge keys (`<<`) here expand to far more than the \
             text; write the values out"
        );
        return (message, first.or(line));
    }
    // serde_yaml places a duplicate key at its mapping, and serde's derive
    // (the config's typed fields: "duplicate field `title`") at the
    // mapping's start; the duplicate is the key's second appearance.
    let derived = regex::Regex::new(r"duplicate field `([^`]+)`").expect("valid pattern");
    let duplicate = message
        .strip_prefix("duplicate entry with key ")
        .map(|k| k.trim_matches('"').to_string())
        .or_else(|| derived.captures(&message).map(|c| c[1].to_string()));
    if let Some(key) = duplicate.as_deref() {
        let pattern = format!(
            r#"(^|[\s{{,\-?])["']?{}["']?\s*:(\s|$)"#,
            regex::escape(key)
        );
        // The first appearance, then the next at the same indent: the same
        // key nested deeper (a theme's `title` under the site's) is
        // another mapping's.
        // (A flow mapping on one line has both on that line.)
        let at = regex::Regex::new(&pattern).ok().and_then(|key_at| {
            let seen: Vec<(usize, usize)> = text
                .lines()
                .enumerate()
                .flat_map(|(i, l)| key_at.find_iter(l).map(move |m| (i + 1, m.start())))
                .collect();
            let &(_, column) = seen.first()?;
            seen[1..]
                .iter()
                .find(|&&(_, at)| at == column)
                .or(seen.get(1))
                .map(|&(n, _)| n)
        });
        return (
            format!("the key `{key}` appears twice in one mapping; keep one"),
            at.or(line),
        );
    }
    // A number too large for any integer type: serde_yaml names the type
    // it tried last, which says nothing to a curator.
    let huge = regex::Regex::new(r"^(?:(.+): )?invalid type: integer `(\d+)` as u128")
        .expect("valid pattern");
    if let Some(c) = huge.captures(&message) {
        let field = c
            .get(1)
            .map_or("a value".to_string(), |f| format!("`{}`", f.as_str()));
        return (
            format!(
                "{field} is the number {}, too large for any field sheaf reads; \
                 if it is an id, a date or text, write it in quotes",
                &c[2]
            ),
            line,
        );
    }
    (message, line)
}

/// The first map key inside `value` that templates cannot take, said as a
/// curator would read it: Tera's values are JSON's, whose keys are text
/// (a whole number or `true`/`false` becomes its text), so a key that is
/// null, a fraction, a list, a map or tagged has no place there.
pub(crate) fn key_templates_refuse(value: &serde_yaml::Value) -> Option<&'static str> {
    use serde_yaml::Value;
    match value {
        Value::Mapping(map) => map.iter().find_map(|(k, v)| {
            let refused = match k {
                Value::String(_) | Value::Bool(_) => None,
                Value::Number(n) if n.is_i64() || n.is_u64() => None,
                Value::Number(_) => Some("a fraction"),
                Value::Null => Some("null (`~` or nothing)"),
                Value::Sequence(_) => Some("a list"),
                Value::Mapping(_) => Some("a map"),
                Value::Tagged(_) => Some("a tagged value"),
            };
            refused.or_else(|| key_templates_refuse(v))
        }),
        Value::Sequence(items) => items.iter().find_map(key_templates_refuse),
        Value::Tagged(tagged) => key_templates_refuse(&tagged.value),
        _ => None,
    }
}

/// Deeper nesting than any real config or entry needs; far below where the
/// parser slows down.
pub(crate) const MAX_NESTING: usize = 64;

/// Refuses YAML nested deeper than [`MAX_NESTING`], in one pass over the
/// text: flow collections (`[` and `{`, counted outside quotes, comments
/// and block scalars) and block collections (each deeper indentation, and
/// each `- ` of a compact `- - x`).
fn check_nesting(
    text: &str,
    path: &Path,
    line_offset: usize,
) -> std::result::Result<(), Diagnostic> {
    let too_deep = |line: usize| {
        Diagnostic::error(
            path,
            Some(line + line_offset),
            format!("YAML nested more than {MAX_NESTING} levels deep here; sheaf accepts at most {MAX_NESTING}"),
        )
    };
    // Indentation of the open block collections.
    let mut indents: Vec<usize> = Vec::new();
    // Open flow collections, and the quote a flow scalar is open in.
    let mut flow = 0usize;
    let mut quote: Option<char> = None;
    // Lines deeper than this belong to a block scalar (`|` or `>`).
    let mut scalar_at: Option<usize> = None;
    for (i, line) in text.lines().enumerate() {
        let number = i + 1;
        let content = line.trim_start_matches(' ');
        let indent = line.len() - content.len();
        if let Some(at) = scalar_at {
            if content.is_empty() || indent > at {
                continue;
            }
            scalar_at = None;
        }
        if flow == 0 && quote.is_none() {
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            while indents.last().is_some_and(|&top| top > indent) {
                indents.pop();
            }
            if indents.last() != Some(&indent) {
                indents.push(indent);
            }
            // `- - x`: a sequence in a sequence on one line.
            let mut rest = content;
            let mut column = indent;
            while let Some(after) = rest.strip_prefix("- ") {
                let inner = after.trim_start_matches(' ');
                column += rest.len() - inner.len();
                rest = inner;
                if !rest.is_empty() {
                    indents.push(column);
                }
            }
            if indents.len() > MAX_NESTING {
                return Err(too_deep(number));
            }
        }
        // Flow collections and quotes, character by character.
        let mut at_value = flow == 0 && quote.is_none();
        let mut prev = ' ';
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match (quote, c) {
                (Some('"'), '\\') => {
                    chars.next();
                }
                (Some(q), c) if c == q => {
                    if q == '\'' && chars.peek() == Some(&'\'') {
                        chars.next();
                    } else {
                        quote = None;
                    }
                }
                (Some(_), _) => {}
                (None, '#') if prev == ' ' || prev == '\t' => break,
                (None, '"' | '\'') if flow > 0 || at_value => quote = Some(c),
                (None, '[' | '{') if flow > 0 || at_value => {
                    flow += 1;
                    if indents.len() + flow > MAX_NESTING {
                        return Err(too_deep(number));
                    }
                }
                (None, ']' | '}') if flow > 0 => flow -= 1,
                (None, '|' | '>') if flow == 0 && at_value => {
                    scalar_at = Some(indent);
                    break;
                }
                _ => {}
            }
            // In block context a collection or quote can only start a value:
            // at the start of the line, after `- ` or after `: `.
            if quote.is_none() && flow == 0 {
                at_value = match c {
                    ' ' | '\t' => at_value || prev == ':' || prev == '-',
                    _ => false,
                };
            }
            prev = c;
        }
    }
    Ok(())
}

/// Whether the text has a backslash that a double-quoted scalar could read
/// as an escape: the only way to write a control character in YAML (raw
/// ones are refused by the parser).
fn has_escape(text: &str) -> bool {
    text.contains('"') && text.contains('\\')
}

/// Whether XML 1.0 can carry `c`, as text or escaped: not the C0 controls
/// but tab and newline (a carriage return only arrives escaped, from
/// `\r`, and is refused too), not DEL or the C1 controls but NEL, not
/// U+FFFE and U+FFFF. YAML refuses these as raw characters; an escape
/// (`"\u0001"`) brings them in, and feeds, `papers.bib` and pages would
/// carry them.
pub(crate) fn is_refused_char(c: char) -> bool {
    matches!(c, '\0'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{84}' | '\u{86}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}')
}

/// Refuses strings that hold a character of [`is_refused_char`], on the
/// line of the escape that wrote it.
fn check_chars(
    value: &Value,
    text: &str,
    path: &Path,
    line_offset: usize,
) -> std::result::Result<(), Diagnostic> {
    let mut todo = vec![value];
    while let Some(v) = todo.pop() {
        let s = match v {
            Value::String(s) => s,
            Value::Sequence(items) => {
                todo.extend(items);
                continue;
            }
            Value::Mapping(map) => {
                for (k, v) in map {
                    todo.push(k);
                    todo.push(v);
                }
                continue;
            }
            Value::Tagged(t) => {
                todo.push(&t.value);
                continue;
            }
            _ => continue,
        };
        if let Some(c) = s.chars().find(|&c| is_refused_char(c)) {
            let line = escape_line(text, c);
            return Err(Diagnostic::error(
                path,
                line.map(|l| l + line_offset),
                format!(
                    "the text {:?} holds U+{:04X}, a control character or non-character (from an escape \
                     in double quotes) that feeds (XML) cannot carry: remove it",
                    s.chars().take(40).collect::<String>(),
                    c as u32
                ),
            ));
        }
    }
    Ok(())
}

/// The first line with an escape in double quotes that gives `c`.
fn escape_line(text: &str, c: char) -> Option<usize> {
    let escape =
        regex::Regex::new(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0abvfre])")
            .expect("valid pattern");
    let gives = |e: &str| -> Option<char> {
        match e.as_bytes().first()? {
            b'x' | b'u' | b'U' => char::from_u32(u32::from_str_radix(&e[1..], 16).ok()?),
            b'0' => Some('\0'),
            b'a' => Some('\u{7}'),
            b'b' => Some('\u{8}'),
            b'v' => Some('\u{b}'),
            b'f' => Some('\u{c}'),
            b'r' => Some('\r'),
            b'e' => Some('\u{1b}'),
            _ => None,
        }
    };
    text.lines()
        .position(|line| {
            escape.captures_iter(line).any(|m| {
                let whole = m.get(0).map_or(0, |w| w.start());
                // Inside double quotes: an odd number of them before it.
                gives(&m[1]) == Some(c) && line[..whole].matches('"').count() % 2 == 1
            })
        })
        .map(|i| i + 1)
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

    fn nesting(text: &str) -> std::result::Result<(), Option<usize>> {
        check_nesting(text, Path::new("x.yaml"), 0).map_err(|d| d.line)
    }

    #[test]
    fn nesting_counts_collections_not_brackets_in_text() {
        let deep = |n: usize| format!("a: {}{}\n", "[".repeat(n), "]".repeat(n));
        assert_eq!(nesting(&deep(MAX_NESTING - 1)), Ok(()));
        assert_eq!(nesting(&deep(MAX_NESTING)), Err(Some(1)));
        let text = "[".repeat(MAX_NESTING * 2);
        for ok in [
            format!("abstract: |\n  {text}\n  more\ntitle: x\n"),
            format!("abstract: >-\n  {text}\n"),
            format!("title: \"{text}\"\n"),
            format!("title: '{text} '' {text}'\n"),
            format!("title: plain {text}\n"),
            format!("title: x # {text}\n"),
            format!("list: [\"{text}\", '{text}', a]\n"),
            format!("- a\n- \"b\\\" {text}\"\n"),
        ] {
            assert_eq!(nesting(&ok), Ok(()), "{ok}");
        }
        // Flow collections over several lines, and inside block ones.
        let lines = format!(
            "a:\n  b: {}\n{}\n",
            "[\n".repeat(MAX_NESTING),
            "]".repeat(MAX_NESTING)
        );
        assert_eq!(nesting(&lines), Err(Some(2 + MAX_NESTING - 2)));
        let compact = format!("a: x\nb:\n  {}x\n", "- ".repeat(MAX_NESTING));
        assert_eq!(nesting(&compact), Err(Some(3)));
    }

    #[test]
    fn refused_characters_are_what_xml_cannot_carry() {
        for c in [
            '\0', '\u{1}', '\u{8}', '\u{b}', '\u{c}', '\r', '\u{1b}', '\u{7f}', '\u{80}', '\u{9f}',
            '\u{fffe}', '\u{ffff}',
        ] {
            assert!(is_refused_char(c), "{c:?}");
        }
        for c in [
            '\t',
            '\n',
            ' ',
            '~',
            '\u{85}',
            '\u{a0}',
            '\u{2028}',
            '\u{fffd}',
            '\u{1f600}',
        ] {
            assert!(!is_refused_char(c), "{c:?}");
        }
        assert_eq!(
            escape_line("a: \"x\"\nb: \\f\nc: \"\\frac \\f\"\n", '\u{c}'),
            Some(3)
        );
        assert_eq!(escape_line("a: \"\\u00A0 \\x1B\"\n", '\u{1b}'), Some(1));
    }
}
