//! The live sources' settings in `site-config.yaml` and its `imports:`
//! list, which `sheaf import --from-config` (and the scheduled workflow)
//! runs as one import:
//!
//! ```yaml
//! hf_api: https://huggingface.co        # default
//! crossref_api: https://api.crossref.org # default
//! contact_email: curator@example.org    # sent to Crossref as mailto
//! imports:
//!   - hf_daily: 1                       # the last N days, or a day, or a range
//!     theme: llm                        # where its new papers land
//!   - arxiv_query: 'cat:cs.LG AND abs:"mixture of experts"'
//!     max: 50                           # default 100
//!   - doi: [10.18653/v1/N19-1423]
//!   - arxiv: [2501.01234]
//!   - file: imports/library.bib         # relative to the site
//! ```
//!
//! Every item is checked when the config loads, with its line.

use std::path::{Component, Path, PathBuf};

use serde::Deserialize;
use time::Date;

use super::RawConfig;
use crate::base::error::Diagnostic;
use crate::input::content::arxiv_id::ArxivId;

pub fn default_hf_api() -> String {
    "https://huggingface.co".into()
}

pub fn default_crossref_api() -> String {
    "https://api.crossref.org".into()
}

/// Papers asked of an arXiv search without a `max`.
pub const DEFAULT_MAX: usize = 100;
/// The most an `arxiv_query` item (or `--max`) may ask for.
pub const MAX_MAX: usize = 10_000;

/// One string or a list of them, from YAML. A number is refused: an
/// unquoted arXiv id such as 2501.01230 is a number to YAML, and loses its
/// last zero.
fn strings(key: &str, value: &serde_yaml::Value) -> Result<Vec<String>, String> {
    use serde_yaml::Value;
    let one = |v: &Value| match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Err(format!(
            "`{key}`: {n} is a number to YAML; put it in quotes ('{n}')"
        )),
        _ => Err(format!("`{key}` takes a string or a list of strings")),
    };
    match value {
        Value::Sequence(items) => items.iter().map(one).collect(),
        v => one(v).map(|s| vec![s]),
    }
}

/// An item of `imports:` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawImport {
    #[serde(default)]
    hf_daily: Option<serde_yaml::Value>,
    #[serde(default)]
    arxiv_query: Option<String>,
    #[serde(default)]
    max: Option<usize>,
    #[serde(default)]
    doi: Option<serde_yaml::Value>,
    #[serde(default)]
    arxiv: Option<serde_yaml::Value>,
    #[serde(default)]
    file: Option<PathBuf>,
    #[serde(default)]
    theme: Option<String>,
}

/// Which days of Hugging Face's daily papers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HfDays {
    /// The last N days, ending the day of the import.
    Last(usize),
    /// These days.
    Days(Vec<Date>),
}

/// What an item imports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportSource {
    HfDaily(HfDays),
    ArxivQuery {
        query: String,
        max: usize,
    },
    Doi(Vec<String>),
    Arxiv(Vec<String>),
    /// A file, relative to the site root, of any format `import` reads.
    File(PathBuf),
}

/// A checked item of `imports:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportItem {
    pub source: ImportSource,
    /// The theme its new papers land in.
    pub theme: Option<String>,
    /// Its line in `site-config.yaml`, for messages.
    pub line: Option<usize>,
}

/// The checked live-source settings.
pub(super) struct Checked {
    pub contact_email: Option<String>,
    pub items: Vec<ImportItem>,
}

/// Checks `hf_api`, `crossref_api`, `contact_email` and every item of
/// `imports:`, adding an error with its line for each problem.
pub(super) fn check(
    raw: &RawConfig,
    path: &Path,
    text: &str,
    diags: &mut Vec<Diagnostic>,
) -> Checked {
    let err = |line: Option<usize>, msg: String| Diagnostic::error(path, line, msg);
    for (key, value) in [("hf_api", &raw.hf_api), ("crossref_api", &raw.crossref_api)] {
        if !crate::base::urls::is_web_url(value) {
            diags.push(err(
                crate::base::error::line_of(text, &format!("{key}:")),
                format!("`{key}` must be an http(s) URL, got {value:?}"),
            ));
        }
    }
    let contact_email = raw
        .contact_email
        .as_deref()
        .map(str::trim)
        .map(str::to_string);
    if let Some(mail) = &contact_email {
        if !is_email(mail) {
            diags.push(err(
                crate::base::error::line_of(text, "contact_email:"),
                format!("`contact_email` must be an e-mail address such as curator@example.org, got {mail:?}"),
            ));
        }
    }
    let lines = item_lines(text, raw.imports.len());
    let known_theme = |id: &str| raw.catch_all.id == id || raw.themes.iter().any(|t| t.id == id);
    let mut items = Vec::new();
    for (n, item) in raw.imports.iter().enumerate() {
        let line = lines.get(n).copied().flatten();
        let at = |msg: String| err(line, format!("imports item {}: {msg}", n + 1));
        let before = diags.len();
        if let Some(theme) = &item.theme {
            if !known_theme(theme) {
                diags.push(at(format!("`theme: {theme}` is not a theme of this site")));
            }
        }
        let named: Vec<&str> = [
            ("hf_daily", item.hf_daily.is_some()),
            ("arxiv_query", item.arxiv_query.is_some()),
            ("doi", item.doi.is_some()),
            ("arxiv", item.arxiv.is_some()),
            ("file", item.file.is_some()),
        ]
        .iter()
        .filter(|(_, set)| *set)
        .map(|(k, _)| *k)
        .collect();
        if named.len() != 1 {
            diags.push(at(if named.is_empty() {
                "names no source: one of hf_daily, arxiv_query, doi, arxiv, file".into()
            } else {
                format!(
                    "names {} sources ({}): one per item",
                    named.len(),
                    named.join(", ")
                )
            }));
            continue;
        }
        if item.max.is_some() && item.arxiv_query.is_none() {
            diags.push(at("`max` goes with `arxiv_query` only".into()));
        }
        let source = match named[0] {
            "hf_daily" => match item.hf_daily.as_ref().map(hf_days) {
                Some(Ok(days)) => Some(ImportSource::HfDaily(days)),
                Some(Err(why)) => {
                    diags.push(at(format!("`hf_daily`: {why}")));
                    None
                }
                None => None,
            },
            "arxiv_query" => {
                let query = item.arxiv_query.clone().unwrap_or_default();
                let max = item.max.unwrap_or(DEFAULT_MAX);
                if query.trim().is_empty() {
                    diags.push(at("`arxiv_query` is empty".into()));
                }
                if !(1..=MAX_MAX).contains(&max) {
                    diags.push(at(format!("`max` must be from 1 to {MAX_MAX}, got {max}")));
                }
                Some(ImportSource::ArxivQuery { query, max })
            }
            key @ ("doi" | "arxiv") => {
                let (value, what) = if key == "doi" {
                    (item.doi.as_ref(), "DOI")
                } else {
                    (item.arxiv.as_ref(), "id")
                };
                let checked = checked_list(key, value, what, |s| {
                    if key == "doi" {
                        normalize_doi(s)
                    } else {
                        ArxivId::parse(s).map(|_| s.to_string())
                    }
                });
                match checked {
                    Ok(list) if key == "doi" => Some(ImportSource::Doi(list)),
                    Ok(list) => Some(ImportSource::Arxiv(list)),
                    Err(problems) => {
                        diags.extend(problems.into_iter().map(at));
                        None
                    }
                }
            }
            _ => {
                let file = item.file.clone().unwrap_or_default();
                if file.as_os_str().is_empty()
                    || file.is_absolute()
                    || file.components().any(|c| c == Component::ParentDir)
                {
                    diags.push(at(format!(
                        "`file` must be a file inside the site, got {:?}",
                        file.display().to_string()
                    )));
                }
                Some(ImportSource::File(file))
            }
        };
        if let (Some(source), true) = (source, diags.len() == before) {
            items.push(ImportItem {
                source,
                theme: item.theme.clone(),
                line,
            });
        }
    }
    Checked {
        contact_email,
        items,
    }
}

/// The strings of a `doi` or `arxiv` item, each checked (and perhaps
/// normalised) by `check`; or every problem, as a message.
fn checked_list(
    key: &str,
    value: Option<&serde_yaml::Value>,
    what: &str,
    check: impl Fn(&str) -> Result<String, String>,
) -> Result<Vec<String>, Vec<String>> {
    let list = strings(key, value.unwrap_or(&serde_yaml::Value::Null)).map_err(|why| vec![why])?;
    if list.is_empty() {
        return Err(vec![format!("`{key}` lists no {what}")]);
    }
    let (good, bad): (Vec<_>, Vec<_>) = list.iter().map(|s| check(s)).partition(Result::is_ok);
    if bad.is_empty() {
        Ok(good.into_iter().filter_map(Result::ok).collect())
    } else {
        Err(bad
            .into_iter()
            .filter_map(Result::err)
            .map(|why| format!("`{key}`: {why}"))
            .collect())
    }
}

/// `hf_daily: 3` (the last three days) or a day or range as a string.
fn hf_days(value: &serde_yaml::Value) -> Result<HfDays, String> {
    match value {
        serde_yaml::Value::Number(n) => match n.as_u64() {
            Some(d @ 1..=366) => Ok(HfDays::Last(d as usize)),
            _ => Err(format!("{n} days: give 1 to 366 days back")),
        },
        serde_yaml::Value::String(s) => parse_days(s).map(HfDays::Days),
        _ => Err("give a number of days back (1 for the day of the import), a day YYYY-MM-DD or a range YYYY-MM-DD..YYYY-MM-DD".into()),
    }
}

/// A plausible address: one `@`, something before it, a dotted domain
/// after it, no spaces or controls (Crossref only needs to reach it).
fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && s.chars()
            .all(|c| c.is_ascii_graphic() || (!c.is_ascii() && !c.is_control()))
}

/// The line of each of the first `n` items of the top-level `imports:`
/// list (block style); `None` where it cannot be told (flow style).
fn item_lines(text: &str, n: usize) -> Vec<Option<usize>> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(start) = lines.iter().position(|l| l.starts_with("imports:")) else {
        return vec![None; n];
    };
    let fallback = Some(start + 1);
    let mut found = Vec::new();
    let mut indent: Option<usize> = None;
    for (i, line) in lines.iter().enumerate().skip(start + 1) {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let this = line.len() - trimmed.len();
        if this == 0 && !trimmed.starts_with('-') {
            break; // the next top-level key
        }
        if trimmed.starts_with('-') && indent.is_none_or(|d| d == this) {
            indent = Some(this);
            found.push(Some(i + 1));
        }
    }
    (0..n)
        .map(|i| found.get(i).copied().unwrap_or(fallback))
        .collect()
}

/// Days one `--hf-daily` range may cover.
const MAX_DAYS: i64 = 366;

/// `2025-05-07` or `2025-05-01..2025-05-07` (both days included) as the
/// days it names.
pub fn parse_days(spec: &str) -> std::result::Result<Vec<Date>, String> {
    let day = |s: &str| {
        crate::input::content::parse_date(s.trim())
            .ok_or_else(|| format!("{s:?} is not a date written YYYY-MM-DD"))
    };
    let (first, last) = match spec.split_once("..") {
        Some((a, b)) => (day(a)?, day(b)?),
        None => {
            let d = day(spec)?;
            (d, d)
        }
    };
    if last < first {
        return Err(format!("{spec:?}: the range ends before it starts"));
    }
    let span = (last - first).whole_days() + 1;
    if span > MAX_DAYS {
        return Err(format!(
            "{spec:?} covers {span} days; at most {MAX_DAYS} at once"
        ));
    }
    Ok(days_from(first, span as usize))
}

/// The `n` days that end with `last`.
pub fn last_days(n: usize, last: Date) -> Vec<Date> {
    let first = last - time::Duration::days(n.saturating_sub(1) as i64);
    days_from(first, n)
}

fn days_from(first: Date, n: usize) -> Vec<Date> {
    std::iter::successors(Some(first), |d| d.next_day())
        .take(n)
        .collect()
}

/// A DOI as Crossref takes it: `10.…/…`, from a bare DOI, `doi:` or a
/// doi.org URL.
pub(crate) fn normalize_doi(raw: &str) -> std::result::Result<String, String> {
    let t = raw.trim();
    let lower = t.to_lowercase();
    let rest = [
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "http://dx.doi.org/",
        "doi:",
    ]
    .iter()
    .find(|p| lower.starts_with(*p))
    .map_or(t, |p| &t[p.len()..]);
    match rest.split_once('/') {
        Some((prefix, suffix))
            if prefix.starts_with("10.")
                && prefix.len() > 3
                && prefix[3..].chars().all(|c| c.is_ascii_digit() || c == '.')
                && !suffix.trim().is_empty()
                && !rest.chars().any(char::is_whitespace) =>
        {
            Ok(rest.to_string())
        }
        _ => Err(format!(
            "{raw:?} is not a DOI (10.<registrant>/<suffix>, such as 10.18653/v1/N19-1423)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(extra: &str) -> Result<crate::input::config::Config, Vec<Diagnostic>> {
        let text = format!("title: T\nbase_url: https://example.org/\nthemes:\n  - id: llm\n    title: LLM\n{extra}");
        crate::input::config::Config::parse(
            Path::new("/site"),
            Path::new("site-config.yaml"),
            &text,
            false,
        )
    }

    fn errors(extra: &str) -> Vec<(Option<usize>, String)> {
        load(extra)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|d| (d.line, d.message))
            .collect()
    }

    #[test]
    fn defaults_and_a_good_list() {
        let c = load("").unwrap();
        assert_eq!(c.hf_api, "https://huggingface.co");
        assert_eq!(c.crossref_api, "https://api.crossref.org");
        assert_eq!(c.contact_email, None);
        assert!(c.imports.is_empty());
        let c = load("contact_email: curator@example.org\nimports:\n  - hf_daily: 1\n    theme: llm\n  # a comment\n  - hf_daily: 2025-05-01..2025-05-02\n  - arxiv_query: 'cat:cs.LG'\n    max: 5\n  - doi: 10.18653/v1/N19-1423\n  - arxiv: ['2501.01234', 'arXiv:2310.06825v2']\n  - file: imports/x.bib\nsearch: true\n").unwrap();
        assert_eq!(c.contact_email.as_deref(), Some("curator@example.org"));
        let lines: Vec<Option<usize>> = c.imports.iter().map(|i| i.line).collect();
        assert_eq!(
            lines,
            [Some(8), Some(11), Some(12), Some(14), Some(15), Some(16)]
        );
        assert_eq!(c.imports[0].source, ImportSource::HfDaily(HfDays::Last(1)));
        assert_eq!(c.imports[0].theme.as_deref(), Some("llm"));
        assert!(
            matches!(&c.imports[1].source, ImportSource::HfDaily(HfDays::Days(d)) if d.len() == 2)
        );
        assert_eq!(
            c.imports[2].source,
            ImportSource::ArxivQuery {
                query: "cat:cs.LG".into(),
                max: 5
            }
        );
        assert_eq!(
            c.imports[3].source,
            ImportSource::Doi(vec!["10.18653/v1/N19-1423".into()])
        );
    }

    #[test]
    fn every_bad_item_is_named_with_its_line() {
        let e = errors("imports:\n  - hf_daily: 0\n  - arxiv_query: ''\n  - doi: [nope]\n    theme: nowhere\n  - file: ../x.bib\n  - arxiv: [x]\n    doi: [10.1/x]\n  - max: 3\n  - hf_daily: yesterday\n  - arxiv: [not-an-id]\n  - arxiv: [2501.01230]\n");
        let want: &[(usize, &str)] = &[
            (7, "imports item 1: `hf_daily`: 0 days"),
            (8, "imports item 2: `arxiv_query` is empty"),
            (9, "imports item 3: `theme: nowhere` is not a theme"),
            (9, "imports item 3: `doi`: \"nope\" is not a DOI"),
            (11, "imports item 4: `file` must be a file inside the site"),
            (12, "imports item 5: names 2 sources (doi, arxiv)"),
            (14, "imports item 6: names no source"),
            (
                15,
                "imports item 7: `hf_daily`: \"yesterday\" is not a date",
            ),
            (16, "imports item 8: `arxiv`:"),
            (
                17,
                "imports item 9: `arxiv`: 2501.0123 is a number to YAML; put it in quotes",
            ),
        ];
        assert_eq!(e.len(), want.len(), "{e:#?}");
        for ((line, msg), (wl, wm)) in e.iter().zip(want) {
            assert_eq!(*line, Some(*wl), "{msg}");
            assert!(msg.starts_with(wm), "{msg} / {wm}");
        }
    }

    #[test]
    fn urls_and_the_contact_address_are_checked() {
        let e = errors("hf_api: ftp://x\ncrossref_api: nope\ncontact_email: not an address\n");
        assert_eq!(e.len(), 3, "{e:?}");
        assert_eq!(e[0].0, Some(6));
        assert!(e[0].1.contains("`hf_api` must be an http(s) URL"));
        assert!(e[1].1.contains("`crossref_api`"));
        assert_eq!(e[2].0, Some(8));
        assert!(e[2].1.contains("`contact_email` must be an e-mail address"));
        for bad in ["a@b", "@b.org", "a b@c.org", "a@b.org\n", "a@@b.org"] {
            assert!(!is_email(bad), "{bad}");
        }
        assert!(is_email("zoë+digest@例え.jp"));
        // An unknown key in an item is refused by name, with its line.
        let e = errors("imports:\n  - hf_daily: 1\n    days: 3\n");
        assert!(e[0].1.contains("unknown field `days`"), "{e:?}");
        assert!(e[0].0.is_some(), "{e:?}");
    }

    #[test]
    fn days_and_ranges() {
        let d = |s| parse_days(s).map(|ds| ds.iter().map(ToString::to_string).collect::<Vec<_>>());
        assert_eq!(d("2025-05-07").unwrap(), ["2025-05-07"]);
        assert_eq!(
            d("2025-04-29..2025-05-01").unwrap(),
            ["2025-04-29", "2025-04-30", "2025-05-01"]
        );
        assert!(d("2025-05-07..2025-05-01").is_err());
        assert!(d("yesterday").is_err());
        assert!(d("2020-01-01..2025-01-01").is_err());
        let end = time::macros::date!(2025 - 03 - 02);
        assert_eq!(last_days(7, end).len(), 7);
        assert_eq!(last_days(7, end)[0].to_string(), "2025-02-24");
        assert_eq!(last_days(7, end)[6], end);
    }

    #[test]
    fn dois_in_any_form() {
        for raw in [
            "10.18653/v1/N19-1423",
            "doi:10.18653/v1/N19-1423",
            "https://doi.org/10.18653/v1/N19-1423",
            " http://dx.doi.org/10.18653/v1/N19-1423 ",
        ] {
            assert_eq!(normalize_doi(raw).unwrap(), "10.18653/v1/N19-1423", "{raw}");
        }
        for bad in [
            "",
            "10.1234",
            "11.1/x",
            "10./x",
            "10.1/a b",
            "arXiv:2501.01234",
        ] {
            assert!(normalize_doi(bad).is_err(), "{bad}");
        }
    }
}
