//! `sheaf resolve`: finds the arXiv paper behind entries that have no
//! arXiv id, by title, and records what arXiv says about it through the
//! same notes-safe merge as `import` ([`super::merge`]).
//!
//! A title is accepted only when it is the entry's title once both are
//! normalised as identity normalises them ([`super::title_key`]); a title
//! that is only close is reported with both spellings, and two papers with
//! the entry's title are reported as ambiguous. The entry keeps its title
//! and abstract (the digest's record) unless asked otherwise. Adding
//! authors and a year moves BibTeX keys; every entry whose key moves keeps
//! its former key in `bibtex_ids`, which the BibTeX output carries as a
//! BibLaTeX alias.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use time::Date;

use super::{
    arxiv_api, atom, clean, existing_entries, merge, title_key, to_entry, unified_diff, Existing,
    ImportOptions, Record,
};
use crate::base::error::{Diagnostic, Error, Result};
use crate::base::progress::Progress;
use crate::input::config::Config;
use crate::input::content::{parse_entry, set_fields, unique_keys, Entry, Field};

/// arXiv asks for at most one request every three seconds.
pub(crate) const DEFAULT_INTERVAL: Duration =
    Duration::from_millis((defaults::INTERVAL_SECONDS * 1000.0) as u64);

/// The command line's defaults, in seconds (clap wants plain numbers).
pub mod defaults {
    pub const INTERVAL_SECONDS: f64 = 3.0;
    pub const TIMEOUT_SECONDS: f64 = 30.0;
    /// Titles asked for in one request (an OR of `ti:` phrases).
    pub const BATCH: u16 = 10;
}

/// Results asked for per title: a short title ("Layer Normalization") is
/// a phrase inside many others.
const RESULTS_PER_TITLE: usize = 10;

/// How close (normalised Levenshtein similarity of normalised titles) a
/// title must be to be reported as a near miss.
const NEAR: f64 = 0.8;

/// The keys `resolve` writes: the facts about the paper, never its title
/// or abstract unless asked (`update_abstracts`).
const FACT_KEYS: &[&str] = &[
    "arxiv",
    "arxiv_version",
    "authors",
    "published",
    "updated",
    "categories",
    "doi",
    "journal_ref",
    "url",
    "code",
    "project",
];

#[derive(Debug, Clone)]
pub struct ResolveOptions {
    /// The entries to resolve, by slug; empty: every entry without an
    /// arXiv id.
    pub slugs: Vec<String>,
    /// An arXiv Atom document to take the papers from, instead of the API.
    pub from: Option<PathBuf>,
    /// Report what would change, with a diff, and write nothing.
    pub dry_run: bool,
    /// Take arXiv's abstract and title spelling instead of keeping the
    /// entry's.
    pub update_abstracts: bool,
    /// The least time between two requests to the API.
    pub interval: Duration,
    /// How long one request may take.
    pub timeout: Duration,
    /// Titles per request.
    pub batch: usize,
    /// The day recorded as `revised` when arXiv's abstract differs.
    pub today: Date,
}

impl ResolveOptions {
    pub fn new(today: Date) -> ResolveOptions {
        ResolveOptions {
            slugs: Vec::new(),
            from: None,
            dry_run: false,
            update_abstracts: false,
            interval: DEFAULT_INTERVAL,
            timeout: Duration::from_millis((defaults::TIMEOUT_SECONDS * 1000.0) as u64),
            batch: usize::from(defaults::BATCH),
            today,
        }
    }
}

/// An arXiv paper offered for an entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub arxiv: String,
    pub title: String,
    /// Similarity of the normalised titles, 0 to 1.
    pub similarity: f64,
}

/// What `resolve` found for one entry.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    /// The paper, recorded (or with `--dry-run`, to be): the keys that
    /// changed (empty when the entry already said all of it) and what the
    /// curator should hear about.
    Resolved {
        arxiv: String,
        version: Option<u32>,
        changed: Vec<String>,
        notes: Vec<String>,
    },
    /// A named entry that has an arXiv id already: left alone.
    HasId(String),
    /// No title matched; these came close. Nothing written.
    NearMiss(Vec<Candidate>),
    /// Several papers have the entry's title. Nothing written.
    Ambiguous(Vec<Candidate>),
    /// No paper has the entry's title, and none comes close.
    NotFound,
    /// The paper is in the digest already, as this entry (or another
    /// entry of this run resolved to it). Nothing written.
    Duplicate(PathBuf),
    /// The API could not be asked (network, timeout, HTTP error, a broken
    /// answer). Nothing written.
    Failed(String),
    /// Not resolved here, but its BibTeX key moved because another
    /// paper's did; the former key is kept.
    KeyMoved,
}

impl Found {
    /// Whether `resolve` should end with a failure exit code.
    pub(crate) fn is_failure(&self) -> bool {
        matches!(
            self,
            Found::Failed(_) | Found::Ambiguous(_) | Found::Duplicate(_)
        )
    }
}

/// One entry's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolution {
    pub path: PathBuf,
    pub title: String,
    pub found: Found,
    /// The entry's BibTeX key before and after, when it moved.
    pub key: Option<(String, String)>,
    /// With `--dry-run`, the change as a unified diff.
    pub diff: Option<String>,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct ResolveReport {
    pub resolutions: Vec<Resolution>,
}

impl ResolveReport {
    pub fn count(&self, f: impl Fn(&Found) -> bool) -> usize {
        self.resolutions.iter().filter(|r| f(&r.found)).count()
    }
    /// Entries that got an arXiv id (or, dry run, would).
    pub fn resolved(&self) -> usize {
        self.count(|f| matches!(f, Found::Resolved { .. }))
    }
    pub fn failed(&self) -> usize {
        self.count(Found::is_failure)
    }
}

/// Resolves the entries `opts` names (or every entry without an arXiv
/// id) and writes what was found, unless `opts.dry_run`. A failure for one
/// entry is reported in its [`Resolution`]; an `Err` means nothing was
/// tried (a bad `--from` file, an unknown slug).
pub fn resolve(
    config: &Config,
    opts: &ResolveOptions,
    progress: &dyn Progress,
) -> Result<ResolveReport> {
    let dir = config.papers_dir();
    let digest = existing_entries(config)?;
    // A broken entry may hold one of the papers (as for import): without it
    // read, resolve could give its paper to a second entry.
    if !digest.broken.is_empty() {
        return Err(Error::Invalid(
            digest.broken.into_iter().flat_map(|b| b.errors).collect(),
        ));
    }
    let targets = targets(&digest.entries, &dir, &opts.slugs)?;
    let mut report = ResolveReport::default();
    let mut wanted = Vec::new();
    let mut results: Vec<(usize, Found)> = Vec::new();
    for &i in &targets {
        match &digest.entries[i].entry.arxiv {
            Some(id) => results.push((i, Found::HasId(id.clone()))),
            None => wanted.push(i),
        }
    }
    let titles: Vec<&str> = wanted
        .iter()
        .map(|&i| digest.entries[i].entry.title.as_str())
        .collect();
    let answers = match &opts.from {
        Some(file) => from_file(file, &titles)?,
        None => from_api(config, opts, &titles, progress),
    };

    // Planned texts, by entry index.
    let mut planned: HashMap<usize, String> = HashMap::new();
    // Who holds each arXiv id, so a paper is never given to two entries.
    // By identity, as import finds papers: an id in `arxiv`, `doi` or `url`.
    let mut holders: HashMap<String, usize> = digest
        .index
        .iter()
        .filter_map(|(key, &i)| Some((key.strip_prefix("arXiv ")?.to_string(), i)))
        .collect();
    for (&i, answer) in wanted.iter().zip(answers) {
        let e = &digest.entries[i];
        let found = match answer {
            Lookup::Match(record)
                if record
                    .arxiv
                    .as_ref()
                    .is_some_and(|a| holders.get(&a.id).is_some_and(|&h| h != i)) =>
            {
                let id = record
                    .arxiv
                    .as_ref()
                    .map(|a| a.id.clone())
                    .unwrap_or_default();
                Found::Duplicate(digest.entries[holders[&id]].path.clone())
            }
            Lookup::Match(record) => {
                if let Some(a) = &record.arxiv {
                    holders.insert(a.id.clone(), i);
                }
                let (text, found) = record_facts(config, opts, e, &record);
                if text != e.text {
                    planned.insert(i, text);
                }
                found
            }
            Lookup::Ambiguous(c) => Found::Ambiguous(c),
            Lookup::NearMiss(c) => Found::NearMiss(c),
            Lookup::NotFound => Found::NotFound,
            Lookup::Failed(why) => Found::Failed(why),
        };
        results.push((i, found));
    }

    let moved = keep_former_keys(&digest.entries, &mut planned)?;
    for (i, found) in results {
        report
            .resolutions
            .push(resolution(&digest.entries, i, found, &moved));
    }
    let resolved: HashSet<usize> = targets.iter().copied().collect();
    let mut others: Vec<usize> = moved
        .keys()
        .copied()
        .filter(|i| !resolved.contains(i))
        .collect();
    others.sort_unstable();
    for i in others {
        report
            .resolutions
            .push(resolution(&digest.entries, i, Found::KeyMoved, &moved));
    }

    report.resolutions.sort_by(|a, b| a.path.cmp(&b.path));
    let by_path: HashMap<&Path, usize> = digest
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.path.as_path(), i))
        .collect();
    if opts.dry_run {
        for r in &mut report.resolutions {
            let i = by_path[r.path.as_path()];
            if let Some(text) = planned.get(&i) {
                r.diff = Some(unified_diff(&r.path, &digest.entries[i].text, text));
            }
        }
        return Ok(report);
    }
    let mut order: Vec<_> = planned.into_iter().collect();
    order.sort_by_key(|(i, _)| *i);
    // All or nothing, as an import writes (see `journal`).
    let files: Vec<(std::path::PathBuf, Vec<u8>)> = order
        .into_iter()
        .map(|(i, text)| {
            let path = crate::io::journal::through_link(digest.entries[i].path.clone());
            (path, text.into_bytes())
        })
        .collect();
    if !files.is_empty() {
        crate::io::journal::write_all(&config.papers_dir(), &files)?;
    }
    Ok(report)
}

fn resolution(
    entries: &[Existing],
    i: usize,
    found: Found,
    moved: &HashMap<usize, (String, String)>,
) -> Resolution {
    Resolution {
        path: entries[i].path.clone(),
        title: entries[i].entry.title.clone(),
        found,
        key: moved.get(&i).cloned(),
        diff: None,
    }
}

/// The indices of the entries to resolve: the named ones, or all.
fn targets(entries: &[Existing], dir: &Path, slugs: &[String]) -> Result<Vec<usize>> {
    if slugs.is_empty() {
        return Ok((0..entries.len()).collect());
    }
    let mut out = Vec::new();
    let mut unknown = Vec::new();
    for slug in slugs {
        let slug = slug.trim_end_matches(".md");
        let slug = slug.rsplit('/').next().unwrap_or(slug);
        match entries.iter().position(|e| e.entry.slug == slug) {
            Some(i) if !out.contains(&i) => out.push(i),
            Some(_) => {}
            None => unknown.push(Diagnostic::error(
                dir.join(format!("{slug}.md")),
                None,
                "no such entry (or it does not parse: `sheaf check` says why)",
            )),
        }
    }
    if unknown.is_empty() {
        Ok(out)
    } else {
        Err(Error::Invalid(unknown))
    }
}

/// What the source said about one title.
enum Lookup {
    Match(Box<Record>),
    Ambiguous(Vec<Candidate>),
    NearMiss(Vec<Candidate>),
    NotFound,
    Failed(String),
}

impl Lookup {
    /// Whether asking again, alone, could give a better answer.
    fn worth_retrying(&self) -> bool {
        matches!(self, Lookup::NearMiss(_) | Lookup::NotFound)
    }
}

/// The normalised title of a record, as identity has it.
fn record_title_key(record: &Record) -> String {
    title_key(&clean::clean(&record.title).plain())
}

/// Finds `title` among `records`: exactly one paper with its normalised
/// title, several, or the nearest others.
fn lookup(title: &str, records: &[(String, &Record)]) -> Lookup {
    let key = title_key(title);
    let mut exact: Vec<&Record> = Vec::new();
    let mut near: Vec<Candidate> = Vec::new();
    for (other, record) in records {
        let id = record
            .arxiv
            .as_ref()
            .map(|a| a.id.clone())
            .unwrap_or_default();
        if *other == key {
            // The same paper twice in an answer is still one paper.
            if !exact
                .iter()
                .any(|r| r.arxiv.as_ref().map(|a| &a.id) == record.arxiv.as_ref().map(|a| &a.id))
            {
                exact.push(record);
            }
            continue;
        }
        let similarity = strsim::normalized_levenshtein(&key, other);
        if similarity >= NEAR && !near.iter().any(|c| c.arxiv == id) {
            near.push(Candidate {
                arxiv: id,
                title: clean::clean(&record.title).plain(),
                similarity,
            });
        }
    }
    match exact.len() {
        1 => Lookup::Match(Box::new(exact[0].clone())),
        0 if near.is_empty() => Lookup::NotFound,
        0 => {
            near.sort_by(|a, b| b.similarity.total_cmp(&a.similarity));
            near.truncate(3);
            Lookup::NearMiss(near)
        }
        _ => Lookup::Ambiguous(
            exact
                .iter()
                .map(|r| Candidate {
                    arxiv: r.arxiv.as_ref().map(|a| a.id.clone()).unwrap_or_default(),
                    title: clean::clean(&r.title).plain(),
                    similarity: 1.0,
                })
                .collect(),
        ),
    }
}

/// Looks every title up in an arXiv Atom file. A file with a bad record
/// is refused whole, as `import` refuses it.
fn from_file(file: &Path, titles: &[&str]) -> Result<Vec<Lookup>> {
    let text = crate::io::fs::read_text(file)?;
    if !atom::looks_like(&text) {
        return Err(Error::Invalid(vec![Diagnostic::error(
            file,
            Some(1),
            "not an arXiv Atom document (an API response: a <feed> in the Atom namespace)",
        )]));
    }
    let parsed = atom::parse(file, &text);
    if !parsed.errors.is_empty() {
        return Err(Error::Invalid(parsed.errors));
    }
    let keyed: Vec<(String, &Record)> = parsed
        .records
        .iter()
        .map(|r| (record_title_key(r), r))
        .collect();
    Ok(titles.iter().map(|t| lookup(t, &keyed)).collect())
}

/// Keeps requests at least `interval` apart (also the live sources').
pub(super) struct Throttle {
    pub(super) interval: Duration,
    pub(super) last: Option<Instant>,
}

impl Throttle {
    pub(super) fn wait(&mut self) {
        if let Some(last) = self.last {
            let next = last + self.interval;
            let now = Instant::now();
            if next > now {
                std::thread::sleep(next - now);
            }
        }
        self.last = Some(Instant::now());
    }
}

/// The `search_query` phrase for a title: its words, without the
/// punctuation the query syntax would read (quotes, colons, parentheses).
fn phrase(title: &str) -> Option<String> {
    let words = title_key(title).replace('-', " ");
    (!words.is_empty()).then(|| format!("ti:\"{words}\""))
}

/// Asks the API for `titles`, several to a request, then asks again, one
/// title at a time, for those the batch answered without the title (a
/// batch's results are shared by its titles, so a short title may have
/// lost its place to the others').
fn from_api(
    config: &Config,
    opts: &ResolveOptions,
    titles: &[&str],
    progress: &dyn Progress,
) -> Vec<Lookup> {
    let agent = arxiv_api::agent(opts.timeout);
    let mut throttle = Throttle {
        interval: opts.interval,
        last: None,
    };
    let mut ask = |group: &[&str]| -> std::result::Result<Vec<Record>, String> {
        let phrases: Vec<String> = group.iter().filter_map(|t| phrase(t)).collect();
        if phrases.is_empty() {
            return Ok(Vec::new());
        }
        throttle.wait();
        let params = [
            ("search_query", phrases.join(" OR ")),
            ("max_results", (group.len() * RESULTS_PER_TITLE).to_string()),
        ];
        let body = arxiv_api::get(&agent, &config.arxiv_api, &params, opts.timeout)
            .map_err(|e| e.to_string())?;
        let parsed = atom::parse(Path::new(&config.arxiv_api), &body);
        if let Some(e) = parsed.errors.first() {
            return Err(format!("arXiv's answer is broken: {}", e.message));
        }
        Ok(parsed.records)
    };
    let batch = opts.batch.max(1);
    progress.start("resolve", titles.len() as u64);
    let mut answers: Vec<Lookup> = Vec::with_capacity(titles.len());
    for group in titles.chunks(batch) {
        match ask(group) {
            Ok(records) => {
                let keyed: Vec<(String, &Record)> =
                    records.iter().map(|r| (record_title_key(r), r)).collect();
                answers.extend(group.iter().map(|t| lookup(t, &keyed)));
            }
            Err(why) => answers.extend(group.iter().map(|_| Lookup::Failed(why.clone()))),
        }
        progress.advance(group.len() as u64);
    }
    if batch > 1 {
        for (title, answer) in titles.iter().zip(answers.iter_mut()) {
            if !answer.worth_retrying() {
                continue;
            }
            *answer = match ask(&[title]) {
                Ok(records) => {
                    let keyed: Vec<(String, &Record)> =
                        records.iter().map(|r| (record_title_key(r), r)).collect();
                    lookup(title, &keyed)
                }
                Err(why) => Lookup::Failed(why),
            };
        }
    }
    progress.finish();
    answers
}

/// The entry's text with arXiv's facts about `record` merged in, and what
/// was found.
fn record_facts(
    config: &Config,
    opts: &ResolveOptions,
    e: &Existing,
    record: &Record,
) -> (String, Found) {
    let import = ImportOptions {
        date: opts.today,
        format: None,
        theme: None,
        skip_bad: false,
        dry_run: opts.dry_run,
        keep_tags: false,
    };
    let mut new = to_entry(config, record, &import);
    let mut notes = Vec::new();
    // The version whose abstract is the entry's; when the abstracts
    // differ, sheaf cannot tell which version the entry was taken from,
    // so it records the one arXiv gave (the newest, from the API) and marks
    // the entry revised, as `import` does.
    let same_abstract = title_key(&new.abstract_md) == title_key(&e.entry.abstract_md);
    let version_known = new.arxiv_version.is_some();
    let mut keys: Vec<&str> = FACT_KEYS.to_vec();
    if opts.update_abstracts {
        keys.extend(["title", "abstract"]);
    } else {
        new.title = e.entry.title.clone();
        new.abstract_md = e.entry.abstract_md.clone();
    }
    let (mut text, mut changed, merge_notes) =
        merge(&e.text, &e.entry, &new, opts.today, Some(&keys));
    notes.extend(merge_notes);
    if !same_abstract {
        notes.push(format!(
            "arXiv's abstract differs from the entry's ({}); {}",
            if opts.update_abstracts {
                "replaced"
            } else {
                "kept"
            },
            if version_known {
                "recorded the version arXiv gave and marked the entry revised"
            } else {
                "marked the entry revised"
            }
        ));
        if let Some(next) = set_fields(&text, &[("revised", Field::Date(opts.today))]) {
            if next != text && !changed.iter().any(|k| k == "revised") {
                changed.push("revised".into());
            }
            text = next;
        }
    }
    let found = Found::Resolved {
        arxiv: new.arxiv.clone().unwrap_or_default(),
        version: new.arxiv_version,
        changed,
        notes,
    };
    (text, found)
}

/// BibTeX keys change when authors and years arrive (see
/// [`crate::input::content::unique_keys`]). Every entry whose key moves gets its
/// former key added to `bibtex_ids`, in `planned` (its planned text, or its
/// text as it is). Returns the moves, by entry index. Adding aliases can
/// move other keys in turn (a key that is now an alias steps aside), so
/// this runs until nothing moves.
fn keep_former_keys(
    entries: &[Existing],
    planned: &mut HashMap<usize, String>,
) -> Result<HashMap<usize, (String, String)>> {
    // Keys as a default build has them: published entries only.
    let published: Vec<usize> = (0..entries.len())
        .filter(|&i| !entries[i].entry.draft)
        .collect();
    let before = {
        let refs: Vec<&Entry> = published.iter().map(|&i| &entries[i].entry).collect();
        unique_keys(&refs)
    };
    let mut moved: HashMap<usize, (String, String)> = HashMap::new();
    for _round in 0..8 {
        let mut now: HashMap<usize, Entry> = HashMap::new();
        for (&i, text) in planned.iter() {
            let parsed = parse_entry(&entries[i].path, text).map_err(Error::Invalid)?;
            now.insert(i, parsed.0);
        }
        let refs: Vec<&Entry> = published
            .iter()
            .map(|i| now.get(i).unwrap_or(&entries[*i].entry))
            .collect();
        let after = unique_keys(&refs);
        let mut more = false;
        for (n, &i) in published.iter().enumerate() {
            if before[n] == after[n] {
                moved.remove(&i);
                continue;
            }
            moved.insert(i, (before[n].clone(), after[n].clone()));
            let entry = now.get(&i).unwrap_or(&entries[i].entry);
            if entry.bibtex_ids.contains(&before[n]) {
                continue;
            }
            let mut ids = entry.bibtex_ids.clone();
            ids.push(before[n].clone());
            let text = planned.get(&i).unwrap_or(&entries[i].text);
            if let Some(next) = set_fields(text, &[("bibtex_ids", Field::List(ids))]) {
                planned.insert(i, next);
                more = true;
            }
        }
        if !more {
            break;
        }
    }
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, title: &str) -> Record {
        Record {
            arxiv: Some(crate::input::content::arxiv_id::ArxivId::parse(id).unwrap()),
            ..Record::new("r", None, title, "")
        }
    }

    #[test]
    fn phrases_carry_no_query_syntax() {
        assert_eq!(
            phrase("1-bit Adam: \"Fast\" (and) OR-ed").as_deref(),
            Some("ti:\"1 bit adam fast and or ed\"")
        );
        assert_eq!(phrase("?!"), None);
    }

    #[test]
    fn one_paper_twice_is_a_match_two_papers_are_ambiguous() {
        let a = record("2101.00001v1", "Layer {N}ormalization");
        let a2 = record("2101.00001v2", "Layer Normalization");
        let b = record("2101.00002", "Layer  normalization.");
        let keyed = |rs: &[&Record]| -> Vec<(String, Record)> {
            rs.iter()
                .map(|r| (record_title_key(r), (*r).clone()))
                .collect()
        };
        let same = keyed(&[&a, &a2]);
        let refs: Vec<(String, &Record)> = same.iter().map(|(k, r)| (k.clone(), r)).collect();
        assert!(matches!(
            lookup("Layer Normalization", &refs),
            Lookup::Match(_)
        ));
        let two = keyed(&[&a, &b]);
        let refs: Vec<(String, &Record)> = two.iter().map(|(k, r)| (k.clone(), r)).collect();
        assert!(
            matches!(lookup("Layer Normalization", &refs), Lookup::Ambiguous(c) if c.len() == 2)
        );
        assert!(matches!(
            lookup("Layer Normalisation", &refs),
            Lookup::NearMiss(_)
        ));
        assert!(matches!(
            lookup("Something else entirely", &refs),
            Lookup::NotFound
        ));
    }
}
