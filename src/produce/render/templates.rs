//! The site's templates, compiled once per build ([`Renderer`]), with the
//! functions and filters sheaf gives them.

use std::borrow::Cow;

use super::*;

/// The compiled templates of a site.
pub struct Renderer {
    pub(super) tera: Tera,
    /// Template name to file, for error messages.
    files: HashMap<String, PathBuf>,
}

impl Renderer {
    /// Compiles the templates; every template with an error is reported.
    pub fn new(templates: &[TemplateFile], config: &Config) -> Result<Renderer> {
        let mut tera = Tera::new();
        tera.set_escape_fn(escape::escape_html);
        let base = config.urls.clone();
        tera.register_function(
            "url",
            move |kwargs: Kwargs, _: &State| -> tera::TeraResult<String> {
                let path: String = kwargs.must_get("path")?;
                Ok(base.path(&path))
            },
        );
        let files: HashMap<String, PathBuf> = templates
            .iter()
            .map(|t| (t.name.clone(), t.path.clone()))
            .collect();
        let mut sources: Vec<(&str, Cow<'_, str>)> = templates
            .iter()
            .map(|t| (t.name.as_str(), unindent(&t.name, &t.text)))
            .collect();
        // Themes made before search existed have no search page: they get
        // the default theme's, which fills the usual `content` block.
        if config.search && !sources.iter().any(|(name, _)| *name == SEARCH_TEMPLATE) {
            sources.push((
                SEARCH_TEMPLATE,
                unindent(SEARCH_TEMPLATE, DEFAULT_SEARCH_PAGE),
            ));
        }
        // Likewise the pages added after the first themes were ejected.
        for (name, text) in ADDED_LATER {
            if !sources.iter().any(|(n, _)| n == name) {
                sources.push((name, unindent(name, text)));
            }
        }
        let result = tera.add_raw_templates(sources);
        let renderer = Renderer { tera, files };
        if let Err(e) = result {
            return Err(Error::Invalid(renderer.diagnostics(&e, None)));
        }
        let missing: Vec<Diagnostic> = REQUIRED
            .iter()
            .filter(|name| !renderer.tera.contains_template(name))
            .map(|name| {
                Diagnostic::error(
                    templates
                        .first()
                        .and_then(|t| t.path.parent())
                        .map(|p| p.join(name))
                        .unwrap_or_else(|| PathBuf::from(name)),
                    None,
                    format!("the visual theme has no template `{name}`"),
                )
            })
            .collect();
        if !missing.is_empty() {
            return Err(Error::Invalid(missing));
        }
        Ok(renderer)
    }

    /// A template error as diagnostics at the template's file and line.
    pub(super) fn diagnostics(&self, e: &tera::Error, output: Option<&str>) -> Vec<Diagnostic> {
        let prefix = match output {
            Some(out) => format!("template error while rendering {out}: "),
            None => "template error: ".to_string(),
        };
        let mut cause = String::new();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            cause.push_str(&format!(": {s}"));
            source = s.source();
        }
        match e.kind() {
            tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => {
                vec![Diagnostic::error(
                    self.file(r.filename()),
                    Some(r.span().start_line),
                    format!("{prefix}{}{cause}", r.message()),
                )]
            }
            other => {
                // Checks made after parsing (unknown filters, functions,
                // includes) arrive as finished reports: take their places.
                let text = other.to_string();
                let mut found = Vec::new();
                let mut message = String::new();
                for line in text.lines() {
                    if let Some(m) = line.strip_prefix("error: ") {
                        message = m.to_string();
                    } else if let Some(place) = line.trim_start().strip_prefix("--> ") {
                        let mut parts = place.rsplitn(3, ':');
                        let (_col, line_no, name) = (parts.next(), parts.next(), parts.next());
                        if let (Some(name), Some(line_no)) =
                            (name, line_no.and_then(|l| l.parse().ok()))
                        {
                            found.push(Diagnostic::error(
                                self.file(name),
                                Some(line_no),
                                format!("{prefix}{message}{cause}"),
                            ));
                        }
                    }
                }
                if found.is_empty() {
                    found.push(Diagnostic::error(
                        "templates",
                        None,
                        format!("{prefix}{text}{cause}"),
                    ));
                }
                found
            }
        }
    }

    /// The file of a template, by its name.
    fn file(&self, name: &str) -> PathBuf {
        self.files
            .get(name)
            .cloned()
            .unwrap_or_else(|| PathBuf::from(name))
    }
}

/// Templates every visual theme must have.
const REQUIRED: &[&str] = &[
    "index.html",
    "paper.html",
    "themes.html",
    "theme.html",
    "tags.html",
    "tag.html",
    "archive.html",
    "month.html",
    "facet.html",
    "404.html",
    "atom.xml",
    "rss.xml",
    "sitemap.xml",
];

/// The search page's template; a theme without one gets
/// [`DEFAULT_SEARCH_PAGE`].
const SEARCH_TEMPLATE: &str = "search.html";
const DEFAULT_SEARCH_PAGE: &str = include_str!("../../../themes/default/templates/search.html");

/// Templates of pages added after themes were first ejected, with the
/// default theme's text, which a theme without them gets (all but
/// `redirect.html` extend `base.html` and fill its `content` block).
const ADDED_LATER: &[(&str, &str)] = &[
    (
        "facets.html",
        include_str!("../../../themes/default/templates/facets.html"),
    ),
    (
        "year.html",
        include_str!("../../../themes/default/templates/year.html"),
    ),
    (
        "venues.html",
        include_str!("../../../themes/default/templates/venues.html"),
    ),
    (
        "venue.html",
        include_str!("../../../themes/default/templates/venue.html"),
    ),
    (
        "top.html",
        include_str!("../../../themes/default/templates/top.html"),
    ),
    (
        "redirect.html",
        include_str!("../../../themes/default/templates/redirect.html"),
    ),
];
/// A template's text without the indentation of its lines: a template is
/// indented for its reader, and every page would carry that indentation
/// (37 MB at 100,000 papers: README, "Output size"). A line break and the
/// spaces after it show as one space in HTML, as the break alone does, so
/// no page looks different; lines inside `<pre>` and `<textarea>`, where
/// spaces show, keep theirs (a `<pre` inside a tag or expression, such
/// as a string a test looks for, opens nothing). Lines keep their numbers,
/// so template errors still name the right line. Only HTML and XML
/// templates are changed.
pub(crate) fn unindent<'a>(name: &str, text: &'a str) -> Cow<'a, str> {
    if !(name.ends_with(".html") || name.ends_with(".xml")) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    // Whether the line starts inside a `<pre>` or `<textarea>`.
    let mut verbatim = false;
    for line in text.split_inclusive('\n') {
        out.push_str(if verbatim {
            line
        } else {
            line.trim_start_matches([' ', '\t'])
        });
        let lower = markup_of(line).to_ascii_lowercase();
        for tag in ["pre", "textarea"] {
            let opened = lower.rfind(&format!("<{tag}"));
            let closed = lower.rfind(&format!("</{tag}"));
            match (opened, closed) {
                (Some(o), Some(c)) => verbatim = o > c,
                (Some(_), None) => verbatim = true,
                (None, Some(_)) => verbatim = false,
                (None, None) => {}
            }
        }
    }
    Cow::Owned(out)
}

/// A template line without its Tera tags, expressions and comments (those
/// that close on the line).
fn markup_of(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find('{') {
        let close = match rest[start..].chars().nth(1) {
            Some('{') => "}}",
            Some('%') => "%}",
            Some('#') => "#}",
            _ => {
                out.push_str(&rest[..=start]);
                rest = &rest[start + 1..];
                continue;
            }
        };
        out.push_str(&rest[..start]);
        match rest[start + 2..].find(close) {
            Some(end) => rest = &rest[start + 2 + end + 2..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indentation_goes_outside_pre_only() {
        let text = "<ul>\n  <li>{{ a }}</li>\n  {%- if x == '<pre' %}\n  <p>\n  <pre>\n  kept\n  </pre>\n  <p>\n";
        assert_eq!(
            unindent("t.html", text),
            "<ul>\n<li>{{ a }}</li>\n{%- if x == '<pre' %}\n<p>\n<pre>\n  kept\n  </pre>\n<p>\n"
        );
        assert_eq!(unindent("t.txt", "  a\n"), "  a\n");
        assert_eq!(markup_of("a {{ b }} c {% d %} e {# f"), "a  c  e ");
    }
}
