//! Warnings about inputs that are valid but probably not what the curator
//! meant. Below the build and the commands, so `sheaf check` and `sheaf
//! build` show the same ones.

use time::Date;

use crate::base::error::Diagnostic;
use crate::input::config::Config;
use crate::input::content::{Entry, PartialDate};

/// The warnings about a site that builds but is probably not what the
/// curator meant: a `base_url` still at the placeholder `sheaf init` wrote,
/// empty abstracts, dates in the future. `sheaf check` and `sheaf build`
/// both show them (`build::Session::warnings`).
pub(crate) fn lints(
    config: &Config,
    entries: &[std::sync::Arc<Entry>],
    today: Date,
) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    let base_url = config.urls.base_url();
    // `sheaf init`'s placeholder is on example.github.io; any `example.`
    // host is one of the names reserved for examples (RFC 2606).
    let host = url::Url::parse(base_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string));
    if host.is_some_and(|h| h.starts_with("example.")) {
        findings.push(Diagnostic::warning(
            config.root.join(crate::input::config::CONFIG_FILE),
            config.base_url_line,
            format!(
                "`base_url` is still the placeholder {base_url}: set it to the site's address \
                 (https://<user>.github.io/<repository>/ on GitHub Pages), or the feeds, the \
                 sitemap and every canonical link point there"
            ),
        ));
    }
    for e in entries {
        if e.abstract_md.trim().is_empty() {
            findings.push(Diagnostic::warning(
                &e.source,
                Some(e.line_of("abstract")),
                "the abstract is empty",
            ));
        }
        // A year or month is in the future when its first day is.
        for (key, date) in [
            ("date", Some(PartialDate::day(e.date))),
            ("published", e.published),
            ("updated", e.updated.map(PartialDate::day)),
        ] {
            if let Some(d) = date.filter(|d| d.first_day() > today) {
                findings.push(Diagnostic::warning(
                    &e.source,
                    Some(e.line_of(key)),
                    format!("`{key}` {d} is in the future"),
                ));
            }
        }
    }
    findings
}
