//! The curator's commands besides import: `sheaf new`, `sheaf check` and
//! `sheaf themes`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use time::Date;

use crate::base::error::{Diagnostic, Error, Result};
use crate::front::import::{self, ImportOptions};
use crate::input::config::Config;
use crate::input::content::arxiv_id::ArxivId;
use crate::input::content::{
    identity_keys, identity_keys_from, lenient_identity_keys, slug_for_title, unique_slug, Entry,
    Ids,
};
use crate::io::load::{self, display_path};
use crate::model::{ModelOptions, Site};
use crate::produce::render::Renderer;

/// Writes a blank entry for `title`, dated `today`, and returns its path.
/// Refuses a paper that is already in the digest.
pub fn new_entry(
    config: &Config,
    title: &str,
    arxiv: Option<&str>,
    today: Date,
) -> Result<PathBuf> {
    let title = title.trim();
    if title.is_empty() {
        return Err(Error::Usage("the title is empty".into()));
    }
    let arxiv = arxiv
        .map(ArxivId::parse)
        .transpose()
        .map_err(|why| Error::Usage(format!("--arxiv: {why}")))?;
    let dir = config.papers_dir();
    let (files, _) = load::read_entries(&config.root, &dir, true, None);
    let wanted = identity_keys(Ids {
        arxiv: arxiv.as_ref().map(|a| a.id.as_str()),
        title,
        ..Ids::default()
    });
    refuse_present(config, &files, &wanted)?;
    let taken = files
        .iter()
        .filter_map(|f| f.path.file_stem()?.to_str().map(str::to_string))
        .collect();
    let slug = unique_slug(&slug_for_title(title), &taken);
    let path = dir.join(format!("{slug}.md"));
    let mut text = String::from("---\n");
    text += &format!("title: {}\n", serde_json::Value::String(title.to_string()));
    text += &format!("date: {today}\n");
    if let Some(id) = &arxiv {
        text += &format!("arxiv: \"{}\"\n", id.id);
        if let Some(v) = id.version {
            text += &format!("arxiv_version: {v}\n");
        }
    }
    text += "authors: []\n";
    text += "# themes: [] # the curator's choice; without it the keyword rules decide\n";
    text += "tags: []\n";
    text += "status: to-read\n";
    text += "abstract: |\n  \n";
    text += "---\n";
    crate::io::fs::create_dir_all(&dir)?;
    if !crate::io::fs::write_new(&path, text.as_bytes())? {
        return Err(Error::Usage(format!("{} exists already", path.display())));
    }
    Ok(path)
}

/// Fails when one of the entry `files` has one of the identity keys
/// `wanted`. An entry that does not parse may still hold the paper: what
/// can be read of its identity counts.
fn refuse_present(config: &Config, files: &[load::EntryFile], wanted: &[String]) -> Result<()> {
    for file in files {
        let keys = match (&file.parsed, &file.text) {
            (Ok((e, _)), _) => identity_keys(Ids::of(e)),
            (Err(_), Some(text)) => lenient_identity_keys(text),
            (Err(_), None) => Vec::new(),
        };
        if keys.iter().any(|k| wanted.contains(k)) {
            return Err(Error::Usage(format!(
                "this paper is already in the digest: {}",
                display_path(&config.root, &file.path).display()
            )));
        }
    }
    Ok(())
}

/// A new entry for the arXiv paper `id` (any id form), with its metadata
/// from the arXiv API, written as `sheaf import --arxiv` writes one.
/// Refuses a paper already in the digest (by id, or by the title arXiv
/// gives). Returns the entry's path and title.
pub fn new_from_arxiv(config: &Config, id: &str, today: Date) -> Result<(PathBuf, String)> {
    let wanted = ArxivId::parse(id).map_err(|why| Error::Usage(format!("--arxiv: {why}")))?;
    let (files, _) = load::read_entries(&config.root, &config.papers_dir(), true, None);
    // The id's key alone: there is no title yet.
    let by_id = identity_keys(Ids {
        arxiv: Some(&wanted.id),
        ..Ids::default()
    })[..1]
        .to_vec();
    refuse_present(config, &files, &by_id)?;
    let mut parsed = import::fetch_arxiv(config, &[id.to_string()])?;
    // The answer may hold other papers; only this one is asked for.
    parsed
        .records
        .retain(|r| r.arxiv.as_ref().is_some_and(|a| a.id == wanted.id));
    let options = ImportOptions {
        date: today,
        format: None,
        theme: None,
        skip_bad: false,
        dry_run: false,
        keep_tags: false,
    };
    for record in &parsed.records {
        let new = import::to_entry(config, record, &options);
        let ids = Ids {
            arxiv: new.arxiv.as_deref(),
            doi: new.doi.as_deref(),
            url: new.url.as_deref(),
            title: &new.title,
        };
        refuse_present(config, &files, &identity_keys(ids))?;
    }
    let report = import::import_records(config, parsed, &options)?;
    report
        .outcomes
        .into_iter()
        .find(|o| o.action == import::Action::Created)
        .and_then(|o| Some((o.path?, o.title)))
        .ok_or_else(|| Error::Usage(format!("arXiv gave no paper for {id}")))
}

/// Everything `sheaf check` finds: errors first, then warnings, each with
/// its file and line.
///
/// `base_url` overrides the config's, as `build --base-url` does, so a
/// workflow that builds at the address GitHub Pages gives checks that
/// address and not the config's placeholder.
pub fn check(root: &Path, today: Date, base_url: Option<&str>) -> Result<Vec<Diagnostic>> {
    let mut config = match crate::io::load::config(root) {
        Ok(c) => c,
        Err(Error::Invalid(d)) => return Ok(relative(root, d)),
        Err(e) => return Err(e),
    };
    if let Some(base) = base_url {
        config.urls = crate::base::urls::Urls::new(base)
            .map_err(|m| Error::Usage(format!("--base-url: {m}")))?;
    }
    let mut findings: Vec<Diagnostic> = Vec::new();
    // The output folder a build would refuse, refused by the same test.
    let out_dir = crate::build::output_dir(&config, &crate::build::BuildOptions::default());
    match crate::build::check_output_dir(&config, &out_dir) {
        Ok(()) => {}
        Err(e @ Error::UnsafeOutput { .. }) => {
            let file = root.join(crate::input::config::CONFIG_FILE);
            let line = crate::io::fs::read_text(&file)
                .ok()
                .and_then(|text| crate::base::error::line_of(&text, "output_dir:"));
            findings.push(Diagnostic::error(file, line, e.to_string()));
        }
        Err(e) => return Err(e),
    }
    let inputs = load::load(config)?;
    // The model checks themes and links between entries; drafts are
    // checked too, since they will be published one day.
    match Site::build(&inputs, ModelOptions { drafts: true }, None, None) {
        Ok(site) => findings.extend(site.warnings),
        Err(Error::Invalid(d)) => findings.extend(d),
        Err(e) => return Err(e),
    }
    if let Err(Error::Invalid(d)) = Renderer::new(&inputs.templates, &inputs.config) {
        findings.extend(d);
    }
    findings.extend(duplicates(&inputs.entries));
    findings.extend(crate::input::lints::lints(
        &inputs.config,
        &inputs.entries,
        today,
    ));
    let mut findings = relative(root, findings);
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.file.cmp(&b.file))
            .then_with(|| a.line.cmp(&b.line))
    });
    findings.dedup();
    Ok(findings)
}

/// The same paper in two files, whatever id form each uses.
fn duplicates(entries: &[std::sync::Arc<Entry>]) -> Vec<Diagnostic> {
    let mut first: HashMap<String, &Entry> = HashMap::new();
    let mut out = Vec::new();
    for e in entries {
        for (key, line_key) in identity_keys_from(Ids::of(e)) {
            match first.get(&key) {
                Some(other) if other.source != e.source => {
                    out.push(Diagnostic::error(
                        &e.source,
                        Some(e.line_of(line_key)),
                        format!("the same paper as {} ({key})", other.source.display()),
                    ));
                    break;
                }
                Some(_) => {}
                None => {
                    first.insert(key, e);
                }
            }
        }
    }
    out
}

fn relative(root: &Path, diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diags
        .into_iter()
        .map(|d| Diagnostic {
            file: display_path(root, &d.file),
            ..d
        })
        .collect()
}
