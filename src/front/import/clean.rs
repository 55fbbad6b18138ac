//! Cleaning text from paper sources: arXiv-style TeX residue and bare URLs.
//!
//! Abstracts arrive with TeX in them (`50\%`, `Rozi\`ere`, `{\delta}`,
//! `\textasciitilde`) and with URLs glued to punctuation or to the remains
//! of `\href` (`https://x.io/{https://x.io/}.`). [`clean`] parses such text
//! into [`Piece`]s once; they are then written either as Markdown (for
//! abstracts, with every character that Markdown would interpret escaped) or
//! as plain text (for titles). Unknown macros keep their name, without the
//! backslash, so nothing becomes unreadable.

use unicode_normalization::UnicodeNormalization;

/// A cleaned run of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    Text(String),
    Emph(Vec<Piece>),
    Strong(Vec<Piece>),
    Code(String),
    Url(String),
    /// `$…$` or `$$…$$`, kept verbatim (delimiters included) for the
    /// Markdown stage to render as math.
    Math(String),
}

/// The cleaned form of a source text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cleaned {
    pub(crate) pieces: Vec<Piece>,
}

impl Cleaned {
    /// As Markdown that renders to the cleaned text (URLs become links).
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        write_markdown(&self.pieces, &mut out);
        squash_spaces(&out)
    }

    /// As plain text (for titles and author names).
    pub(crate) fn plain(&self) -> String {
        let mut out = String::new();
        write_plain(&self.pieces, &mut out);
        squash_spaces(&out)
    }

    /// Every URL in the text, in order.
    pub(crate) fn urls(&self) -> Vec<String> {
        fn walk(pieces: &[Piece], out: &mut Vec<String>) {
            for p in pieces {
                match p {
                    Piece::Url(u) => out.push(u.clone()),
                    Piece::Emph(inner) | Piece::Strong(inner) => walk(inner, out),
                    _ => {}
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.pieces, &mut out);
        out
    }
}

/// Cleans one source text.
pub fn clean(text: &str) -> Cleaned {
    // Control characters (a source can send them escaped) would make the
    // entry unloadable: a carriage return is a space, the rest go.
    let chars: Vec<char> = text
        .chars()
        .map(|c| if c == '\r' { ' ' } else { c })
        .filter(|&c| !crate::input::yaml::is_refused_char(c))
        .collect();
    let mut parser = Parser {
        chars: &chars,
        pos: 0,
        depth: 0,
    };
    Cleaned {
        pieces: parser.sequence(false),
    }
}

/// Where a code repository lives: a URL on one of these hosts in an
/// abstract is the paper's code.
const CODE_HOSTS: &[&str] = &[
    "github.com",
    "gitlab.com",
    "bitbucket.org",
    "codeberg.org",
    "anonymous.4open.science",
    "sourceforge.net",
];

/// The first URL of `urls` that points at a code repository, normalised
/// (no `.git` suffix, no trailing slash).
pub(crate) fn code_url(urls: &[String]) -> Option<String> {
    urls.iter().find_map(|u| {
        let parsed = url::Url::parse(u).ok()?;
        let host = parsed.host_str()?.trim_start_matches("www.");
        let path_segments = parsed.path().trim_matches('/').split('/').count();
        if !CODE_HOSTS.contains(&host) || parsed.path().trim_matches('/').is_empty() {
            return None;
        }
        // A bare user or organisation page is not a repository.
        if host != "anonymous.4open.science" && path_segments < 2 {
            return None;
        }
        let mut s = u.trim_end_matches('/').to_string();
        if let Some(stripped) = s.strip_suffix(".git") {
            s = stripped.to_string();
        }
        Some(s)
    })
}

/// Nesting deeper than this is treated as text: real abstracts never come
/// close, and it keeps hostile input from exhausting the stack.
const MAX_DEPTH: usize = 32;

struct Parser<'a> {
    chars: &'a [char],
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn starts_with(&self, s: &str) -> bool {
        s.chars()
            .enumerate()
            .all(|(i, c)| self.peek_at(i) == Some(c))
    }

    /// Whether `s` is at `offset` from here, not followed by a letter
    /// (so `\\i` is the dotless i, not `\\in`).
    fn starts_at(&self, offset: usize, s: &str) -> bool {
        let n = s.chars().count();
        s.chars()
            .enumerate()
            .all(|(i, c)| self.peek_at(offset + i) == Some(c))
            && !self
                .peek_at(offset + n)
                .is_some_and(|c| c.is_ascii_alphabetic())
    }

    /// Whether a single `` ` `` here opens a double quote: a `''` closes it
    /// before the next backquote or the end of the paragraph.
    fn closing_quote_follows(&self) -> bool {
        let rest = &self.chars[self.pos + 1..];
        for (i, &c) in rest.iter().enumerate() {
            match c {
                '`' => return false,
                '\n' if rest.get(i + 1) == Some(&'\n') => return false,
                '\'' if rest.get(i + 1) == Some(&'\'') => return i > 0,
                _ => {}
            }
        }
        false
    }

    /// `×` after a number: `5\times faster` reads `5× faster`, while
    /// `2 \times 3` keeps its spaces.
    fn times(&mut self, out: &mut Out) {
        let mut next = self.pos;
        while self.chars.get(next) == Some(&' ') {
            next += 1;
        }
        let factor_follows = self.chars.get(next).is_some_and(|c| c.is_ascii_digit());
        if !factor_follows && out.text.ends_with(' ') {
            let trimmed = out.text.trim_end_matches(' ');
            if trimmed.ends_with(|c: char| c.is_ascii_digit()) {
                out.text.truncate(trimmed.len());
            }
        }
        out.push_char('×');
    }

    /// Parses until the end, or until the `}` that closes the current group.
    fn sequence(&mut self, in_group: bool) -> Vec<Piece> {
        let mut out = Out::default();
        while let Some(c) = self.peek() {
            match c {
                '}' => {
                    self.pos += 1;
                    if in_group {
                        break;
                    }
                    // An unbalanced brace is residue: drop it.
                }
                '{' => {
                    self.pos += 1;
                    self.group(&mut out);
                }
                '\\' => self.command(&mut out),
                '$' => self.math(&mut out),
                // TeX quotes: ``this'' and `this'' are “this”.
                '`' if self.starts_with("``") || self.closing_quote_follows() => {
                    self.pos += if self.starts_with("``") { 2 } else { 1 };
                    out.push_char('“');
                }
                '\'' if self.starts_with("''") => {
                    // `''` closes a quote, but dumps also open with it
                    // (`''progress''`): before a word, after a space, it
                    // opens.
                    let opens = out.text.is_empty() && out.pieces.is_empty()
                        || out.text.ends_with([' ', '(', '[', '\n']);
                    let before_word = self.peek_at(2).is_some_and(char::is_alphanumeric);
                    self.pos += 2;
                    out.push_char(if opens && before_word { '“' } else { '”' });
                }
                // `5times`: `5\times` that lost its backslash.
                't' if out.ends_with_digit()
                    && self.starts_with("times")
                    && !self.peek_at(5).is_some_and(char::is_alphanumeric) =>
                {
                    self.pos += "times".len();
                    self.times(&mut out);
                }
                // biblatex gives `{\'\i}` as a backslash, the accent, then
                // the letter (`Garc\\u{301}ia`); `{\v\j}` as the accent
                // and `\j`.
                c if is_mark(c) && (self.starts_at(1, "\\i") || self.starts_at(1, "\\j")) => {
                    let letter = self.chars[self.pos + 2];
                    self.pos += 3;
                    // Spaces after the control word `\j` are not text.
                    while self.peek() == Some(' ') {
                        self.pos += 1;
                    }
                    out.push_str(&format!("{letter}{c}").nfc().collect::<String>());
                }
                '_' | '^' if self.script_follows() => self.script(c, &mut out),
                'h' if self.starts_with("https://") || self.starts_with("http://") => {
                    self.url(&mut out)
                }
                _ => {
                    out.push_char(c);
                    self.pos += 1;
                }
            }
        }
        out.finish()
    }

    /// A `{…}` group, just after its `{`.
    fn group(&mut self, out: &mut Out) {
        if self.depth >= MAX_DEPTH {
            out.push_char('{');
            return;
        }
        // `{\it text}` and its residue `{it text}` (backslash lost).
        for (word, strong) in [("it", false), ("em", false), ("bf", true), ("sl", false)] {
            let skip = if self.starts_with(&format!("\\{word} ")) {
                word.len() + 2
            } else if self.starts_with(&format!("{word} ")) {
                word.len() + 1
            } else {
                continue;
            };
            self.pos += skip;
            let inner = self.nested(true);
            out.push(if strong {
                Piece::Strong(inner)
            } else {
                Piece::Emph(inner)
            });
            return;
        }
        let inner = self.nested(true);
        let inner_plain = Cleaned {
            pieces: inner.clone(),
        }
        .plain();
        // `8{255}`: the residue of `\frac{8}{255}`.
        if out.ends_with_digit()
            && !inner_plain.is_empty()
            && inner_plain.bytes().all(|b| b.is_ascii_digit())
        {
            out.push_char('/');
            out.push_str(&inner_plain);
            return;
        }
        // The second half of `\href{url}{text}` right after the URL: the
        // link is already there, so the text (often the URL again) goes.
        if out.last_is_url() && !inner_plain.contains(char::is_whitespace) {
            return;
        }
        out.extend(inner);
    }

    fn nested(&mut self, in_group: bool) -> Vec<Piece> {
        self.depth += 1;
        let inner = self.sequence(in_group);
        self.depth -= 1;
        inner
    }

    /// A required argument `{…}` after a macro, if there is one.
    fn argument(&mut self) -> Option<Vec<Piece>> {
        let save = self.pos;
        while self.peek() == Some(' ') {
            self.pos += 1;
        }
        if self.peek() == Some('{') && self.depth < MAX_DEPTH {
            self.pos += 1;
            Some(self.nested(true))
        } else {
            self.pos = save;
            None
        }
    }

    fn command(&mut self, out: &mut Out) {
        self.pos += 1; // the backslash
        let Some(c) = self.peek() else {
            return;
        };
        if c.is_ascii_alphabetic() {
            let start = self.pos;
            while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
                self.pos += 1;
            }
            let name: String = self.chars[start..self.pos].iter().collect();
            self.macro_named(&name, out);
            return;
        }
        self.pos += 1;
        match c {
            '%' | '&' | '$' | '#' | '_' | '{' | '}' | ',' | ' ' => {
                out.push_char(if c == ',' { ' ' } else { c })
            }
            '\\' => out.push_char(' '),
            '\'' | '`' | '^' | '"' | '~' | '=' | '.' => {
                let mark = accent_mark(c);
                self.accented(mark, out, c);
            }
            // biblatex's reading of `\'\i`: a backslash, then the accent
            // itself, then the letter.
            c if is_mark(c) => self.accented(c, out, c),
            _ => out.push_char(c),
        }
    }

    /// The letter after an accent command, bare or braced, with its mark.
    fn accented(&mut self, mark: char, out: &mut Out, fallback: char) {
        // The dotless i and j take accents in TeX (`\'\i`, `\'{\i}`): the
        // accented letter is the usual í.
        for (form, skip) in [("\\i", 2), ("\\j", 2), ("{\\i}", 4), ("{\\j}", 4)] {
            let here = if skip == 4 {
                self.starts_with(form)
            } else {
                self.starts_at(0, form)
            };
            if here {
                let letter = self.chars[self.pos + skip - 1 - usize::from(skip == 4)];
                self.pos += skip;
                // What ends the control word `\i` is not text.
                if self.starts_with("{}") {
                    self.pos += 2;
                } else if skip == 2 {
                    while self.peek() == Some(' ') {
                        self.pos += 1;
                    }
                }
                out.push_str(&format!("{letter}{mark}").nfc().collect::<String>());
                return;
            }
        }
        let letter = match self.peek() {
            Some('{') => {
                let close = self.chars[self.pos..].iter().position(|&c| c == '}');
                match close {
                    Some(1) => {
                        self.pos += 2;
                        None
                    }
                    Some(2) => {
                        let l = self.chars[self.pos + 1];
                        self.pos += 3;
                        Some(l)
                    }
                    _ => None,
                }
            }
            Some(l) if l.is_alphabetic() => {
                self.pos += 1;
                Some(l)
            }
            _ => None,
        };
        match letter {
            // `\i` inside an accent (`\'{\i}`) is a dotless i: use plain i.
            Some('\\') => out.push_char(fallback),
            Some(l) => out.push_str(&format!("{l}{mark}").nfc().collect::<String>()),
            None => out.push_char(if fallback == '~' { '~' } else { fallback }),
        }
    }

    fn macro_named(&mut self, name: &str, out: &mut Out) {
        if name == "times" {
            if self.starts_with("{}") {
                self.pos += 2;
            }
            self.times(out);
            return;
        }
        if let Some(symbol) = symbol(name) {
            out.push_str(symbol);
            // `{}` after a symbol macro only ends the control word.
            if self.starts_with("{}") {
                self.pos += 2;
            }
            return;
        }
        if let Some(mark) = letter_accent(name) {
            self.accented(mark, out, ' ');
            return;
        }
        match name {
            "textit" | "emph" | "textsl" => {
                if let Some(arg) = self.argument() {
                    out.push(Piece::Emph(arg));
                }
            }
            "textbf" => {
                if let Some(arg) = self.argument() {
                    out.push(Piece::Strong(arg));
                }
            }
            "texttt" | "verb" => {
                if let Some(arg) = self.argument() {
                    out.push(Piece::Code(Cleaned { pieces: arg }.plain()));
                }
            }
            "url" | "href" => {
                if let Some(arg) = self.argument() {
                    let target = Cleaned { pieces: arg }.plain();
                    if name == "href" {
                        let _text = self.argument();
                    }
                    out.push(Piece::Url(target));
                }
            }
            _ => {
                // Unknown: keep what it says, readable. With an argument,
                // the argument is the text (`\textsc{Foo}`); without one,
                // the macro's name is (`\model` was a placeholder name).
                match self.argument() {
                    Some(arg) => out.extend(arg),
                    None => out.push_str(name),
                }
            }
        }
    }

    fn math(&mut self, out: &mut Out) {
        let display = self.starts_with("$$");
        let delim = if display { 2 } else { 1 };
        let body_start = self.pos + delim;
        let close = (body_start..self.chars.len()).find(|&i| {
            self.chars[i] == '$'
                && self.chars[i - 1] != '\\'
                && (!display || self.chars.get(i + 1) == Some(&'$'))
        });
        match close {
            Some(end) if end > body_start => {
                let raw: String = self.chars[self.pos..end + delim].iter().collect();
                self.pos = end + delim;
                // `5$\times$` and `$5\times$` are text: 5×.
                let body = raw.trim_matches('$').trim();
                if let Some(number) = body.strip_suffix("\\times").map(str::trim_end) {
                    if number.chars().all(|c| c.is_ascii_digit() || c == '.')
                        && !number.starts_with('.')
                    {
                        out.push_str(number);
                        self.times(out);
                        return;
                    }
                }
                out.push(Piece::Math(raw));
            }
            _ => {
                out.push_char('$');
                self.pos += 1;
            }
        }
    }

    fn script_follows(&self) -> bool {
        match self.peek_at(1) {
            Some('{') => true,
            Some('*') => self.peek() == Some('^'),
            Some(c) => c.is_ascii_digit() && self.pos > 0,
            None => false,
        }
    }

    /// `_{2}` and `^{10}`: Unicode sub- and superscripts where they exist,
    /// else the text as written.
    fn script(&mut self, c: char, out: &mut Out) {
        let start = self.pos;
        self.pos += 1;
        let body = if self.peek() == Some('{') {
            let close = self.chars[self.pos..].iter().position(|&c| c == '}');
            match close {
                Some(n) => {
                    let s: String = self.chars[self.pos + 1..self.pos + n].iter().collect();
                    self.pos += n + 1;
                    s
                }
                None => {
                    out.push_char(c);
                    return;
                }
            }
        } else {
            let d = self.chars[self.pos];
            self.pos += 1;
            d.to_string()
        };
        let mapped: Option<String> = body
            .chars()
            .map(|ch| {
                if c == '_' {
                    subscript(ch)
                } else {
                    superscript(ch)
                }
            })
            .collect();
        match mapped {
            Some(m) if !m.is_empty() => out.push_str(&m),
            _ => {
                let raw: String = self.chars[start..self.pos].iter().collect();
                out.push_str(&raw.replace(['{', '}'], ""));
            }
        }
    }

    fn url(&mut self, out: &mut Out) {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| !c.is_whitespace() && !matches!(c, '{' | '}' | '<' | '>' | '"'))
        {
            self.pos += 1;
        }
        let mut end = self.pos;
        // Trailing punctuation belongs to the sentence, not the link; a
        // closing parenthesis stays only when the URL opened one.
        while end > start {
            let last = self.chars[end - 1];
            let opens = self.chars[start..end].iter().filter(|&&c| c == '(').count();
            let closes = self.chars[start..end].iter().filter(|&&c| c == ')').count();
            if matches!(last, '.' | ',' | ';' | ':' | '!' | '?' | '\'' | ']')
                || (last == ')' && closes > opens)
            {
                end -= 1;
            } else {
                break;
            }
        }
        let url: String = self.chars[start..end].iter().collect();
        self.pos = end;
        if crate::base::urls::is_web_url(&url) {
            out.push(Piece::Url(url));
        } else {
            out.push_str(&url);
        }
    }
}

/// Accumulates pieces, merging adjacent text.
#[derive(Default)]
struct Out {
    pieces: Vec<Piece>,
    text: String,
}

impl Out {
    fn push_char(&mut self, c: char) {
        self.text.push(c);
    }

    fn push_str(&mut self, s: &str) {
        self.text.push_str(s);
    }

    fn flush(&mut self) {
        if !self.text.is_empty() {
            self.pieces
                .push(Piece::Text(std::mem::take(&mut self.text)));
        }
    }

    fn push(&mut self, piece: Piece) {
        match piece {
            Piece::Text(t) => self.text.push_str(&t),
            other => {
                self.flush();
                self.pieces.push(other);
            }
        }
    }

    fn extend(&mut self, pieces: Vec<Piece>) {
        for p in pieces {
            self.push(p);
        }
    }

    fn ends_with_digit(&self) -> bool {
        self.text.chars().last().is_some_and(|c| c.is_ascii_digit())
    }

    fn last_is_url(&self) -> bool {
        self.text.is_empty() && matches!(self.pieces.last(), Some(Piece::Url(_)))
    }

    fn finish(mut self) -> Vec<Piece> {
        self.flush();
        self.pieces
    }
}

/// A combining diacritical mark (the accents TeX puts on letters).
fn is_mark(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

fn accent_mark(c: char) -> char {
    match c {
        '\'' => '\u{301}',
        '`' => '\u{300}',
        '^' => '\u{302}',
        '"' => '\u{308}',
        '~' => '\u{303}',
        '=' => '\u{304}',
        _ => '\u{307}', // '.'
    }
}

/// Accent commands spelled with a letter: `\c{c}` is ç.
fn letter_accent(name: &str) -> Option<char> {
    Some(match name {
        "c" => '\u{327}',
        "v" => '\u{30c}',
        "u" => '\u{306}',
        "H" => '\u{30b}',
        "k" => '\u{328}',
        "r" => '\u{30a}',
        "d" => '\u{323}',
        "b" => '\u{331}',
        _ => return None,
    })
}

/// Macros that stand for a character or a short string.
fn symbol(name: &str) -> Option<&'static str> {
    Some(match name {
        "textasciitilde" | "sim" => "~",
        "textasciicircum" => "^",
        "textbackslash" => "\\",
        "textendash" => "–",
        "textemdash" => "—",
        "ldots" | "dots" | "cdots" | "textellipsis" => "…",
        "textquoteleft" => "‘",
        "textquoteright" => "’",
        "textquotedblleft" => "“",
        "textquotedblright" => "”",
        "textregistered" => "®",
        "texttrademark" => "™",
        "copyright" => "©",
        "S" => "§",
        "P" => "¶",
        "i" => "ı",
        "o" => "ø",
        "O" => "Ø",
        "ss" => "ß",
        "ae" => "æ",
        "AE" => "Æ",
        "oe" => "œ",
        "OE" => "Œ",
        "aa" => "å",
        "AA" => "Å",
        "l" => "ł",
        "L" => "Ł",
        "LaTeX" => "LaTeX",
        "TeX" => "TeX",
        "times" => "×",
        "cdot" => "·",
        "pm" => "±",
        "mp" => "∓",
        "approx" => "≈",
        "simeq" => "≃",
        "neq" | "ne" => "≠",
        "leq" | "le" => "≤",
        "geq" | "ge" => "≥",
        "ll" => "≪",
        "gg" => "≫",
        "infty" => "∞",
        "to" | "rightarrow" => "→",
        "leftarrow" => "←",
        "Rightarrow" => "⇒",
        "leftrightarrow" => "↔",
        "in" => "∈",
        "sum" => "∑",
        "prod" => "∏",
        "sqrt" => "√",
        "partial" => "∂",
        "nabla" => "∇",
        "propto" => "∝",
        "degree" => "°",
        "alpha" => "α",
        "beta" => "β",
        "gamma" => "γ",
        "delta" => "δ",
        "epsilon" | "varepsilon" => "ε",
        "zeta" => "ζ",
        "eta" => "η",
        "theta" | "vartheta" => "θ",
        "iota" => "ι",
        "kappa" => "κ",
        "lambda" => "λ",
        "mu" => "μ",
        "nu" => "ν",
        "xi" => "ξ",
        "pi" => "π",
        "rho" | "varrho" => "ρ",
        "sigma" => "σ",
        "tau" => "τ",
        "upsilon" => "υ",
        "phi" | "varphi" => "φ",
        "chi" => "χ",
        "psi" => "ψ",
        "omega" => "ω",
        "Gamma" => "Γ",
        "Delta" => "Δ",
        "Theta" => "Θ",
        "Lambda" => "Λ",
        "Xi" => "Ξ",
        "Pi" => "Π",
        "Sigma" => "Σ",
        "Upsilon" => "Υ",
        "Phi" => "Φ",
        "Psi" => "Ψ",
        "Omega" => "Ω",
        _ => return None,
    })
}

fn subscript(c: char) -> Option<char> {
    Some(match c {
        '0'..='9' => char::from_u32(0x2080 + (c as u32 - '0' as u32))?,
        '+' => '₊',
        '-' => '₋',
        _ => return None,
    })
}

fn superscript(c: char) -> Option<char> {
    Some(match c {
        '1' => '¹',
        '2' => '²',
        '3' => '³',
        '0' | '4'..='9' => char::from_u32(0x2070 + (c as u32 - '0' as u32))?,
        '+' => '⁺',
        '-' => '⁻',
        '*' => '*',
        _ => return None,
    })
}

/// Backslash-escapes every character that Markdown (with the extensions
/// sheaf enables) could read as syntax, so source text stays text.
fn escape_markdown(text: &str, out: &mut String) {
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '~' | '$' | '&' | '|' | '#'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
}

fn write_markdown(pieces: &[Piece], out: &mut String) {
    for piece in pieces {
        match piece {
            Piece::Text(t) => escape_markdown(t, out),
            Piece::Emph(inner) | Piece::Strong(inner) => {
                let mark = if matches!(piece, Piece::Emph(_)) {
                    "*"
                } else {
                    "**"
                };
                let mut body = String::new();
                write_markdown(inner, &mut body);
                let trimmed = body.trim();
                if trimmed.is_empty() {
                    out.push_str(&body);
                } else {
                    // Emphasis markers must touch their text.
                    let lead = &body[..body.len() - body.trim_start().len()];
                    out.push_str(lead);
                    out.push_str(mark);
                    out.push_str(trimmed);
                    out.push_str(mark);
                    if body.ends_with(char::is_whitespace) {
                        out.push(' ');
                    }
                }
            }
            Piece::Code(c) => {
                let fence = if c.contains('`') { "`` " } else { "`" };
                out.push_str(fence);
                out.push_str(c);
                out.push_str(&fence.chars().rev().collect::<String>());
            }
            Piece::Url(u) => {
                out.push('<');
                out.push_str(u);
                out.push('>');
            }
            Piece::Math(m) => out.push_str(m),
        }
    }
}

fn write_plain(pieces: &[Piece], out: &mut String) {
    for piece in pieces {
        match piece {
            Piece::Text(t) | Piece::Code(t) | Piece::Url(t) | Piece::Math(t) => out.push_str(t),
            Piece::Emph(inner) | Piece::Strong(inner) => write_plain(inner, out),
        }
    }
}

/// Runs of spaces left where residue was removed become one.
fn squash_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.trim().chars() {
        if c == ' ' && out.ends_with(' ') {
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(s: &str) -> String {
        clean(s).plain()
    }

    #[test]
    fn tex_residue() {
        assert_eq!(plain(r"50\% of"), "50% of");
        assert_eq!(plain(r"Rozi\`ere et al."), "Rozière et al.");
        assert_eq!(plain(r"Bail\'ing in Pinyin"), "Bailíng in Pinyin");
        assert_eq!(
            plain(r"approximately \textasciitilde42\% time"),
            "approximately ~42% time"
        );
        assert_eq!(plain(r"delta ({\delta}) that"), "delta (δ) that");
        assert_eq!(
            plain(r#"G\"odel and \c{c}a and \'{e}t\'e"#),
            "Gödel and ça and été"
        );
        assert_eq!(plain(r"we introduce \model, an"), "we introduce model, an");
        assert_eq!(plain(r"\textsc{Foo} bar"), "Foo bar");
        assert_eq!(plain("epsilon=8{255} and"), "epsilon=8/255 and");
        assert_eq!(plain("T_{2}^*-weighted"), "T₂*-weighted");
        assert_eq!(plain("snake_case stays"), "snake_case stays");
    }

    #[test]
    fn tex_quotes_are_curly() {
        assert_eq!(plain("a ``like this'' b"), "a “like this” b");
        assert_eq!(plain("a `like this'' b"), "a “like this” b");
        assert_eq!(
            clean("``quoted'' and `code` stay").markdown(),
            "“quoted” and \\`code\\` stay"
        );
        assert_eq!(plain("it's Rock 'n' roll"), "it's Rock 'n' roll");
        assert_eq!(plain("the ''progress'' made"), "the “progress” made");
    }

    #[test]
    fn times_after_a_number() {
        assert_eq!(plain(r"5\times faster"), "5× faster");
        assert_eq!(plain(r"5 \times faster"), "5× faster");
        assert_eq!(plain(r"5$\times$ faster"), "5× faster");
        assert_eq!(plain(r"$1.5\times$ faster"), "1.5× faster");
        assert_eq!(
            plain("5times faster, 1.22times less"),
            "5× faster, 1.22× less"
        );
        assert_eq!(plain(r"2 \times 3 grid"), "2 × 3 grid");
        assert_eq!(plain("sometimes 5timestamps"), "sometimes 5timestamps");
        assert_eq!(clean(r"$x\times y$").markdown(), r"$x\times y$");
    }

    #[test]
    fn dotless_i_and_j_take_the_accent() {
        assert_eq!(plain(r"Garc\'{\i}a"), "García");
        assert_eq!(plain(r"Garc{\'\i}a"), "García");
        assert_eq!(plain(r"Mar{\'\i}a"), "María");
        assert_eq!(plain(r"\v\j"), "ǰ");
        assert_eq!(plain(r#"na\"\i ve"#), "naïve");
        // As biblatex hands them over.
        assert_eq!(plain("Garc\\\u{301}ia"), "García");
        assert_eq!(plain("\u{30c}\\j x"), "ǰx");
        assert_eq!(plain(r"\i n \in"), "ı n ∈");
    }

    #[test]
    fn bibtex_accents_on_dotless_letters_arrive_whole() {
        // Through the BibTeX reader, as an import takes them.
        let bib = r"@misc{k, title = {A {\'\i}ndex}, author = {Garc{\'\i}a, Ana and Mar{\'\i}a L{\'o}pez and Ji{\v\j}i}, year = 2024}";
        let parsed = crate::front::import::bibtex::parse(std::path::Path::new("x.bib"), bib);
        let record = &parsed.records[0];
        let authors: Vec<String> = record.authors.iter().map(|a| plain(a)).collect();
        assert_eq!(
            authors,
            ["Ana García", "María López", "Jiǰi"],
            "{:?}",
            record.authors
        );
        assert_eq!(plain(&record.title), "A índex");
    }

    #[test]
    fn control_characters_go() {
        assert_eq!(plain("Bell\u{7} and\rline\u{1b}[31m"), "Bell and line[31m");
    }

    #[test]
    fn emphasis_residue() {
        assert_eq!(
            clean("loss can be {it misaligned} with").markdown(),
            "loss can be *misaligned* with"
        );
        assert_eq!(clean(r"\textbf{bold} x").markdown(), "**bold** x");
    }

    #[test]
    fn urls() {
        let c = clean("Code at https://github.com/thu-coai/MiniPLM.");
        assert_eq!(c.urls(), ["https://github.com/thu-coai/MiniPLM"]);
        assert_eq!(
            c.markdown(),
            "Code at <https://github.com/thu-coai/MiniPLM>."
        );
        let c = clean("See https://mathcritique.github.io/{https://mathcritique.github.io/}.");
        assert_eq!(c.urls(), ["https://mathcritique.github.io/"]);
        assert_eq!(c.plain(), "See https://mathcritique.github.io/.");
        let c = clean("at https://anonymous.4open.science/r/TangleNAS-527C{here}");
        assert_eq!(
            c.urls(),
            ["https://anonymous.4open.science/r/TangleNAS-527C"]
        );
        let c = clean("(see https://en.wikipedia.org/wiki/Foo_(bar)) ok");
        assert_eq!(c.urls(), ["https://en.wikipedia.org/wiki/Foo_(bar)"]);
    }

    #[test]
    fn code_urls() {
        let urls = |s: &str| clean(s).urls();
        assert_eq!(
            code_url(&urls("x https://github.com/EmpathYang/TinyHelen.git. y")),
            Some("https://github.com/EmpathYang/TinyHelen".into())
        );
        assert_eq!(code_url(&urls("https://pangu-draw.github.io")), None);
        assert_eq!(code_url(&urls("https://github.com/org")), None);
    }

    #[test]
    fn markdown_is_escaped() {
        assert_eq!(clean("a*b_c <script>").markdown(), r"a\*b\_c \<script\>");
        assert_eq!(clean("cost $x^2$ here").markdown(), "cost $x^2$ here");
    }

    #[test]
    fn hostile_nesting_does_not_overflow() {
        let deep = "{".repeat(100_000) + "x" + &"}".repeat(100_000);
        assert!(clean(&deep).plain().contains('x'));
    }
}
