//! HTML escaping for template output.
//!
//! Tera's own escaper writes one byte at a time through a `dyn Write`,
//! which made it a tenth of a whole build's time. This one writes the runs
//! between special characters whole. It escapes the same five characters
//! (`&`, `<`, `>`, `"` and `'`), so text from papers stays inert in element
//! content and in attributes quoted either way.

use std::io::{self, Write};

/// The entity for each byte that needs one.
fn entity(byte: u8) -> Option<&'static [u8]> {
    match byte {
        b'&' => Some(b"&amp;"),
        b'<' => Some(b"&lt;"),
        b'>' => Some(b"&gt;"),
        b'"' => Some(b"&quot;"),
        b'\'' => Some(b"&#39;"),
        _ => None,
    }
}

/// Writes `input` to `out` with the five HTML-special characters escaped;
/// the signature is Tera's `EscapeFn`.
pub(crate) fn escape_html(input: &str, out: &mut dyn Write) -> io::Result<()> {
    let bytes = input.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        // The specials are ASCII, so a run boundary is a char boundary.
        if let Some(e) = entity(b) {
            out.write_all(&bytes[start..i])?;
            out.write_all(e)?;
            start = i + 1;
        }
    }
    out.write_all(&bytes[start..])
}

/// `input` escaped as [`escape_html`] does, as a string: XML text and
/// attribute values need the same five (the entities are XML's own).
pub(crate) fn escaped(input: &str) -> String {
    let mut out = Vec::with_capacity(input.len());
    // Writing to a Vec cannot fail; escaping keeps UTF-8 valid.
    let _ = escape_html(input, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(s: &str) -> String {
        let mut out = Vec::new();
        escape_html(s, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escapes_every_special_and_keeps_the_rest() {
        assert_eq!(
            escaped(r#"<a href="x" title='y'>Q&A</a> é"#),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;Q&amp;A&lt;/a&gt; é"
        );
        assert_eq!(escaped(""), "");
        assert_eq!(escaped("plain"), "plain");
        assert_eq!(escaped("&&"), "&amp;&amp;");
    }

    #[test]
    fn escapes_exactly_like_teras_own_escaper() {
        let theirs = |s: &str| {
            let mut out = Vec::new();
            tera::escape_html(s, &mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        // Every character up to U+024F, then pseudo-random mixes of
        // specials, ASCII and multi-byte characters.
        let all: String = (0u32..0x250).filter_map(char::from_u32).collect();
        assert_eq!(escaped(&all), theirs(&all));
        let alphabet: Vec<char> = "&<>\"'a z/é€𝔸\n".chars().collect();
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..2000 {
            let len = (seed % 24) as usize;
            let s: String = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    alphabet[(seed % alphabet.len() as u64) as usize]
                })
                .collect();
            assert_eq!(escaped(&s), theirs(&s), "{s:?}");
        }
    }
}
