//! A one-off build (`sheaf build`): load, model, render in stages, stream
//! the files to a staging folder as they come, then switch the output over
//! once every page rendered. What a stage has used is freed before the
//! next, so a big digest is never held whole.
//!
//! With the cache, a build redoes only what changed since the last one
//! into the same folder, found by content hashes, never file times (a CI
//! checkout has new ones): the inputs are hashed first ([`InputHashes`]),
//! and when they, the options and sheaf are those of the last build's
//! record (`cache::Record`) and the output folder holds what that build
//! left (`output::verify`), nothing is done. Otherwise, when the config,
//! templates, static files and every paper's place in the lists are
//! unchanged, only the pages that show a paper whose entry or related
//! papers changed are rendered (`render::shows`, as a session does), and
//! the others' files are kept where they are as found intact; anything
//! else renders every page. Either way the bytes are those of a build
//! from nothing (`tests/it/incremental.rs`).

use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::path::Path;
use std::time::{Duration, Instant};

use xxhash_rust::xxh3::Xxh3;

use super::{
    check_output_dir, load_config, output_dir, record_ownership, render_site, warnings,
    BuildOptions, BuildReport, Keep, Loaded,
};
use crate::base::error::{Diagnostic, Result, Severity};
use crate::base::progress::{time, Progress, Silent};
use crate::io::cache::{self, Record};
use crate::io::load::InputHashes;
use crate::io::output::{self, Manifest, WriteReport};
use crate::model::Site;
use crate::produce::render::{self, Job, Output};
use crate::produce::search;

/// Builds the site at `root` and writes it. On any error nothing is written.
pub fn build(root: &Path, options: &BuildOptions) -> Result<BuildReport> {
    build_with_progress(root, options, &Silent)
}

/// [`build`], reporting how rendering goes.
pub fn build_with_progress(
    root: &Path,
    options: &BuildOptions,
    progress: &dyn Progress,
) -> Result<BuildReport> {
    let start = Instant::now();
    let known = if options.cache {
        let root = crate::io::fs::resolved(root)?;
        let config = load_config(&root, options)?;
        let out_dir = output_dir(&config, options);
        check_output_dir(&config, &out_dir)?;
        output::recover_output(&out_dir)?;
        let known = time(progress, "hash", || {
            Known::read(&root, &config, &out_dir, options)
        });
        if let Some(k) = &known {
            if let Some(mut report) = time(progress, "verify", || unchanged(&root, &out_dir, k)) {
                report.elapsed = start.elapsed();
                return Ok(report);
            }
        }
        // The last search index, which an edit's build updates, is read
        // back on another thread while the entries load. Only when the
        // config, templates and static files are the last build's: else
        // every page renders and the index is made whole. (An edit that
        // moves a paper renders everything too, and reads it for nothing.)
        let search_read = known
            .as_ref()
            .and_then(|k| {
                k.record
                    .as_ref()
                    .filter(|r| r.global == k.global && r.search != 0 && config.search)
            })
            .map(|r| {
                let sum = r.search;
                std::thread::spawn(move || cache::load_search(&root, &out_dir, sum))
            });
        (known, search_read)
    } else {
        (None, None)
    };
    let (known, mut search_read) = known;
    let before: &[u128] = match known.as_ref().and_then(|k| k.record.as_ref()) {
        Some(record) => &record.derived,
        None => &[],
    };
    let hashes = known.as_ref().map(|k| &k.hashes);
    let mut loaded = Loaded::new(root, options, Keep::Nothing, before, hashes, progress)?;
    let out_dir = output_dir(&loaded.site.config, options);
    check_output_dir(&loaded.site.config, &out_dir)?;
    // Files go to disk (staged) batch by batch as they are rendered, so a
    // big digest is never held in memory whole; they are moved into place
    // only once every page rendered.
    let mut staging: Option<output::Staging> = None;
    let mut files = 0;
    let mut sizes = output::Sizes::default();
    let mut writing = Duration::ZERO;
    let mut manifest = options
        .cache
        .then(|| cache::load_manifest(&loaded.root, &out_dir));
    // The record is of the folder as a finished build left it.
    output::recover_output(&out_dir)?;
    let owned = cache::load_owned(&loaded.root, &out_dir);
    // What this build's record will say, and the pages it need not render.
    let keys = known
        .as_ref()
        .map(|k| Keys::of(&loaded.site, k, &loaded.card_keys));
    let plan = match (&known, &keys) {
        (Some(k), Some(keys)) => time(progress, "plan", || plan(&loaded.site, &out_dir, k, keys)),
        _ => None,
    };
    let pages = render::jobs(&loaded.site).len();
    // The search index after the edit, when only some pages render.
    let mut updated: Option<search::Index> = None;
    let mut search_files = None;
    let subset = match (plan, &known) {
        (
            Some(Plan {
                render,
                kept,
                changed,
            }),
            Some(k),
        ) => {
            let mut s = output::Staging::new(&out_dir)?.with_owned(owned.clone());
            if let Some(m) = manifest.take() {
                s = s.with_manifest(m);
            }
            let mut keep = vec![kept];
            if loaded.site.config.search {
                let update = time(progress, "search", || {
                    let index = search_read.take()?.join().ok()??;
                    update_search(&loaded, &out_dir, k, &changed, index)
                });
                if let Some((index, made, verified, paths)) = update {
                    updated = Some(index);
                    search_files = Some(made);
                    keep.push((verified, paths));
                }
            }
            for (verified, paths) in &keep {
                s.keep(verified, paths);
                files += paths.len();
                for (path, len) in verified.lens(paths) {
                    sizes.add(path, len);
                }
            }
            staging = Some(s);
            Some(render)
        }
        _ => None,
    };
    let Loaded {
        root,
        inputs,
        site,
        renderer,
        cache_saved,
        derived_keys,
        entries_as_hashed,
        lints,
        ..
    } = &mut loaded;
    let rendered = render_site(
        site,
        renderer,
        &inputs.static_files,
        root,
        Keep::Nothing,
        subset,
        search_files,
        progress,
        &mut |outputs| {
            let started = Instant::now();
            let staging = match &mut staging {
                Some(s) => s,
                None => {
                    let new = output::Staging::new(&out_dir)?.with_owned(owned.clone());
                    staging.insert(match manifest.take() {
                        Some(m) => new.with_manifest(m),
                        None => new,
                    })
                }
            };
            files += outputs.len();
            for o in outputs.iter() {
                sizes.add(&o.path, o.bytes.len() as u64);
            }
            staging.stage(&outputs.iter().collect::<Vec<_>>())?;
            writing += started.elapsed();
            Ok(())
        },
    )?;
    let started = Instant::now();
    // The search index is kept in the cache (for the next build to update)
    // while the output switches, on another thread. Its file is named
    // after the output folder, so only when that exists: a first build
    // keeps it after.
    let index = updated.as_ref().unwrap_or(&rendered.search);
    let search_file = (known.is_some() && site.config.search)
        .then(|| cache::search_file(root, &out_dir))
        .flatten();
    let (committed, search_saved) = std::thread::scope(|scope| -> Result<_> {
        let saving = search_file
            .as_deref()
            .map(|file| scope.spawn(move || cache::save_search(file, index)));
        let committed = match staging {
            Some(s) => s.commit_tracked()?,
            None => output::write(&out_dir, [], owned.clone())?,
        };
        // A thread that failed saved nothing: the next build makes the
        // index whole.
        let saved = saving.map(|thread| thread.join().ok().and_then(|r| r.ok()));
        Ok((committed, saved))
    })?;
    let mut warnings = warnings(root, site, std::mem::take(lints));
    if sizes.over_pages_limit() {
        // First, so the ten warnings a build shows never hide it.
        let artifact = time(progress, "artifact estimate", || {
            output::artifact_estimate(&out_dir)
        });
        warnings.insert(0, too_big_for_pages(&out_dir, &sizes, artifact));
    }
    record_ownership(root, &out_dir, &committed, &owned, &mut warnings);
    let write = committed.report;
    if let Some(m) = &committed.manifest {
        match cache::save_manifest(root, &out_dir, m) {
            Ok(()) => {
                if let (Some(k), Some(keys)) = (&known, keys) {
                    let mut record = keys.record(k, m, site, pages, &warnings, &committed.foreign);
                    record.derived = std::mem::take(derived_keys);
                    record.until = warnings_until(&inputs.entries, record.day);
                    if site.config.search {
                        let saved = search_saved.unwrap_or_else(|| {
                            let file = cache::search_file(root, &out_dir)?;
                            cache::save_search(&file, index).ok()
                        });
                        // Without it, the next build makes the index whole.
                        record.search = saved.unwrap_or(0);
                    }
                    // Only if no input changed while it was read: the
                    // record must name what the pages were made from.
                    // Entries read as hashed need no second hashing.
                    let same = if *entries_as_hashed {
                        InputHashes::global_of(&site.config) == Some(k.hashes.global)
                    } else {
                        InputHashes::of(&site.config).is_some_and(|h| h == k.hashes)
                    };
                    if same {
                        let _ = cache::save_record(root, &out_dir, &record);
                    }
                }
            }
            Err(e) => warnings.push(Diagnostic::warning(
                cache::DIR,
                None,
                format!("could not save the list of files written ({}); the next build reads them back to compare", crate::base::error::chain(&e)),
            )),
        }
    }
    progress.timed("write", writing + started.elapsed());
    // The process may exit next: the cache must be on disk first. A cache
    // that cannot be saved only makes the next build slower.
    if let Some(saving) = cache_saved.take() {
        let failed = match time(progress, "cache wait", || saving.join()) {
            Ok(Ok(_)) => None,
            Ok(Err(e)) => Some(crate::base::error::chain(&e)),
            Err(_) => Some("the saving thread failed".to_string()),
        };
        if let Some(why) = failed {
            warnings.push(Diagnostic::warning(
                cache::DIR,
                None,
                format!(
                    "could not save the cache of converted entries ({why}); the next build \
                     converts every entry again (--no-cache skips the cache)"
                ),
            ));
        }
    }
    let report = BuildReport {
        output_dir: out_dir,
        papers: site.papers.len(),
        pages,
        rendered: rendered.pages,
        files,
        write,
        elapsed: start.elapsed(),
        warnings,
        sizes,
    };
    // Freeing a big model takes a while and nobody waits for it.
    std::thread::spawn(move || drop((loaded, rendered)));
    Ok(report)
}

/// What the last build with the cache into the same folder left (its
/// manifest, and its record when that goes with the manifest), and the
/// hashes of what this one reads.
struct Known {
    hashes: InputHashes,
    /// [`Record::global`] of this build.
    global: u128,
    manifest: Manifest,
    record: Option<Record>,
}

impl Known {
    /// `None` when the inputs cannot be hashed without a full load (see
    /// [`InputHashes::of`]).
    fn read(
        root: &Path,
        config: &crate::input::config::Config,
        out_dir: &Path,
        options: &BuildOptions,
    ) -> Option<Known> {
        let hashes = InputHashes::of(config)?;
        let global = cache::global_key(hashes.global, &(options.drafts, &options.base_url));
        let manifest = cache::load_manifest(root, out_dir);
        let record = cache::load_record(root, out_dir)
            .filter(|r| !manifest.is_empty() && r.manifest_made == manifest.made());
        Some(Known {
            hashes,
            global,
            manifest,
            record,
        })
    }

    /// [`Record::inputs`] of this build.
    fn inputs(&self) -> u128 {
        let mut h = Xxh3::new();
        self.global.hash(&mut h);
        self.hashes.entries.hash(&mut h);
        h.digest128()
    }
}

/// The day, for warnings that depend on it.
fn today() -> i32 {
    time::OffsetDateTime::now_utc().date().to_julian_day()
}

/// The first day after `today` on which one of the entries' dates stops
/// being in the future, and its warning (`input::lints`) goes: until then
/// the warnings of a build made `today` stand. `i32::MAX` when none is.
fn warnings_until(entries: &[std::sync::Arc<crate::input::content::Entry>], today: i32) -> i32 {
    use crate::input::content::PartialDate;
    entries
        .iter()
        .flat_map(|e| {
            [
                Some(PartialDate::day(e.date)),
                e.published,
                e.updated.map(PartialDate::day),
            ]
        })
        .flatten()
        .map(|d| d.first_day().to_julian_day())
        .filter(|&d| d > today)
        .min()
        .unwrap_or(i32::MAX)
}

/// The report of a build with nothing to do, when that is what this one
/// is: the inputs are those the last build read, and the output folder
/// holds exactly what it left (files someone since edited, removed or
/// added there make this `None`). What it rendered is not redone.
fn unchanged(root: &Path, out_dir: &Path, k: &Known) -> Option<BuildReport> {
    let record = k.record.as_ref()?;
    let today = today();
    let dated = record.day <= today && today < record.until;
    if record.inputs != k.inputs() || !dated || output::staging_left(out_dir) {
        return None;
    }
    let verified = output::verify(out_dir, &k.manifest, None, true).ok()?;
    if !verified.changed.is_empty() || verified.unknown != record.foreign {
        return None;
    }
    if verified.refreshes() {
        // Files read to be vouched for (a restored folder, files written
        // just before the manifest was made) are vouched for by their
        // metadata next time. Best effort: without it, they are read again.
        let manifest = verified.manifest();
        if cache::save_manifest(root, out_dir, &manifest).is_ok() {
            let record = Record {
                manifest_made: manifest.made(),
                ..record.clone()
            };
            let _ = cache::save_record(root, out_dir, &record);
        }
    }
    let files = verified.len();
    Some(BuildReport {
        output_dir: out_dir.to_path_buf(),
        papers: record.paper_count,
        pages: record.pages,
        rendered: 0,
        files,
        write: WriteReport {
            written: 0,
            unchanged: files,
            removed: 0,
        },
        elapsed: Duration::ZERO,
        warnings: record
            .warnings
            .iter()
            .map(|(error, file, line, message)| Diagnostic {
                severity: if *error {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                file: file.clone(),
                line: *line,
                message: message.clone(),
            })
            .collect(),
        sizes: verified.sizes(),
    })
}

/// What this build's record says of the site, made before rendering
/// (which frees parts of the model).
struct Keys {
    structure: u128,
    papers: Vec<(String, u128)>,
    /// Each paper's [`super::card_key`], in the site's order.
    cards: Vec<u128>,
}

impl Keys {
    /// `cards`: each paper's [`super::card_key`], made before the model
    /// dropped the Markdown.
    fn of(site: &Site, k: &Known, cards: &[u128]) -> Keys {
        let files: HashMap<&Path, u128> = k
            .hashes
            .entries
            .iter()
            .map(|(path, hash)| (path.as_path(), *hash))
            .collect();
        let papers = site
            .papers
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut h = Xxh3::new();
                // A file changed since it was hashed: no key it could match.
                files
                    .get(p.entry.source.as_path())
                    .unwrap_or(&u128::MAX)
                    .hash(&mut h);
                site.related.get(i).hash(&mut h);
                (p.entry.slug.clone(), h.digest128())
            })
            .collect();
        Keys {
            structure: structure_key(site),
            papers,
            cards: cards.to_vec(),
        }
    }

    fn record(
        self,
        k: &Known,
        manifest: &Manifest,
        site: &Site,
        pages: usize,
        warnings: &[Diagnostic],
        foreign: &[String],
    ) -> Record {
        Record {
            manifest_made: manifest.made(),
            inputs: k.inputs(),
            global: k.global,
            structure: self.structure,
            papers: self.papers,
            cards: self.cards,
            paper_count: site.papers.len(),
            pages,
            warnings: warnings
                .iter()
                .map(|d| (d.is_error(), d.file.clone(), d.line, d.message.clone()))
                .collect(),
            day: today(),
            until: i32::MAX,
            foreign: foreign.to_vec(),
            derived: Vec::new(),
            search: 0,
        }
    }
}

/// A hash of what decides which pages exist and where each paper sits in
/// every list, and what a page shows of papers other than its own: each
/// paper's slug and place (`model::place`, what a session compares), themes
/// and tags (as their first paper spells them). An edit that changes it
/// renders every page, as in a session.
fn structure_key(site: &Site) -> u128 {
    let mut h = Xxh3::new();
    site.papers.len().hash(&mut h);
    for p in &site.papers {
        p.entry.slug.hash(&mut h);
        crate::model::place(&p.entry).hash(&mut h);
        p.themes.hash(&mut h);
        for &t in &p.tags {
            (&site.tags[t].slug, &site.tags[t].name).hash(&mut h);
        }
    }
    h.digest128()
}

/// What an incremental build renders, and the files it keeps: the
/// verification of the kept files, and their output paths.
struct Plan {
    render: Vec<Job>,
    kept: (output::Verified, Vec<String>),
    /// The papers whose entry or related papers changed.
    changed: Vec<usize>,
}

/// The search index of the last build (`index`, from
/// `cache::load_search`) updated for the `changed` papers
/// (`search::Index::update`, given what they were from the cache of
/// conversions), the files it rewrites, and the verification and paths of
/// the index files it keeps. `None` when a changed paper's former
/// conversion is not at hand, or a kept file is not intact: the index is
/// then made whole (as when the last index could not be read back).
fn update_search(
    loaded: &Loaded,
    out_dir: &Path,
    k: &Known,
    changed: &[usize],
    mut index: search::Index,
) -> Option<(search::Index, Vec<Output>, output::Verified, Vec<String>)> {
    let before = loaded.before.as_ref()?;
    let mut old = loaded.site.clone();
    for (i, derived) in before {
        old.papers.get_mut(*i)?.derived = derived.clone();
    }
    let (made, removed) = index.update(&old, &loaded.site, changed);
    let rewritten: HashSet<&str> = made
        .iter()
        .map(|o| o.path.as_str())
        .chain(removed.iter().map(String::as_str))
        .collect();
    // The index's own files (the search page is a page, kept or rendered
    // with the others).
    let kept: Vec<String> = k
        .manifest
        .paths()
        .filter(|p| p.starts_with("search/") && p.ends_with(".json.gz") && !rewritten.contains(p))
        .map(str::to_string)
        .collect();
    let verified = output::verify(out_dir, &k.manifest, Some(&kept), false).ok()?;
    if !verified.changed.is_empty() {
        return None;
    }
    Some((index, made, verified, kept))
}

/// The pages to render when the last build's record allows rendering only
/// some: the same config, templates, static files, options and sheaf, and
/// every paper in its place. The pages that show no changed paper are kept
/// if their files are intact; the others are rendered.
fn plan(site: &Site, out_dir: &Path, k: &Known, keys: &Keys) -> Option<Plan> {
    let record = k.record.as_ref()?;
    if record.global != k.global
        || record.structure != keys.structure
        || record.papers.len() != keys.papers.len()
    {
        return None;
    }
    let mut changed = HashSet::new();
    for (i, (now, then)) in keys.papers.iter().zip(&record.papers).enumerate() {
        if now.0 != then.0 {
            return None;
        }
        if now.1 != then.1 {
            changed.insert(i);
        }
    }
    let mut listed: Vec<usize> = changed.iter().copied().collect();
    listed.sort_unstable();
    // Of the changed papers, those whose lists and bundles change too: all
    // of them when the last record kept no card keys.
    let cards: HashSet<usize> = changed
        .iter()
        .copied()
        .filter(|&i| record.cards.get(i) != keys.cards.get(i))
        .collect();
    let changed = render::Changed {
        summaries: cards.clone(),
        details: changed,
        records: cards,
    };
    let (mut todo, skipped): (Vec<Job>, Vec<Job>) = render::jobs(site)
        .into_iter()
        .partition(|&job| render::shows(site, job, &changed));
    let paths: Vec<String> = skipped
        .iter()
        .map(|&job| render::target(site, job).path)
        .collect();
    let verified = output::verify(out_dir, &k.manifest, Some(&paths), false).ok()?;
    let mut kept = Vec::with_capacity(paths.len());
    for (job, path) in skipped.into_iter().zip(paths) {
        if verified.is_intact(&path) {
            kept.push(path);
        } else {
            todo.push(job);
        }
    }
    Some(Plan {
        render: todo,
        kept: (verified, kept),
        changed: listed,
    })
}

/// The warning of a build whose output GitHub Pages would not publish,
/// naming what takes the room.
/// The artifact deploy-pages checks is compressed, so the files can pass
/// 1 GB long before it does; the warning says how far it is.
fn too_big_for_pages(out_dir: &Path, sizes: &output::Sizes, artifact: Option<u64>) -> Diagnostic {
    let artifact = match artifact {
        Some(bytes) if bytes > output::PAGES_ARTIFACT_LIMIT => format!(
            "; compressed as GitHub uploads it, about {}, more than the 1 GiB deploy-pages \
             accepts without warning that the deployment may fail",
            output::megabytes(bytes)
        ),
        Some(bytes) => format!(
            "; compressed as GitHub uploads it, about {} of the 1 GiB deploy-pages checks",
            output::megabytes(bytes)
        ),
        None => String::new(),
    };
    Diagnostic::warning(
        out_dir,
        None,
        format!(
            "the site's files are larger than the 1 GB GitHub Pages documents for a site: {}{artifact}; \
             see README, \"Output size\"",
            sizes.describe(3)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_stand_until_a_future_date_comes() {
        let text = "---\ntitle: A\ndate: 2025-05-07\npublished: 2026\nabstract: x\n---\n";
        let (entry, _) = crate::input::content::parse_entry(Path::new("a.md"), text).unwrap();
        let entries = [std::sync::Arc::new(entry)];
        let day = |y, m, d| {
            time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), d)
                .unwrap()
                .to_julian_day()
        };
        assert_eq!(warnings_until(&entries, day(2025, 5, 1)), day(2025, 5, 7));
        assert_eq!(warnings_until(&entries, day(2025, 5, 7)), day(2026, 1, 1));
        assert_eq!(warnings_until(&entries, day(2026, 1, 1)), i32::MAX);
    }

    #[test]
    fn a_site_too_big_for_pages_is_warned_of_with_its_largest_parts() {
        let mut sizes = output::Sizes::default();
        sizes.add("papers/a/index.html", 700_000_000);
        sizes.add("papers.json", 320_000_000);
        sizes.add("themes/t/index.html", 200_000_000);
        sizes.add("tags/t/index.html", 100_000_000);
        sizes.add("index.html", 1_000);
        assert!(sizes.over_pages_limit());
        let warning = too_big_for_pages(Path::new("public"), &sizes, Some(300_000_000));
        assert_eq!(warning.severity, crate::base::error::Severity::Warning);
        assert_eq!(
            warning.message,
            "the site's files are larger than the 1 GB GitHub Pages documents for a site: \
             1320.0 MB in 5 files; largest: papers/ 700.0 MB (1 file), papers.json 320.0 MB \
             (1 file), themes/ 200.0 MB (1 file); compressed as GitHub uploads it, about \
             300.0 MB of the 1 GiB deploy-pages checks; see README, \"Output size\""
        );
        let warning = too_big_for_pages(Path::new("public"), &sizes, Some(1_200_000_000));
        assert!(
            warning
                .message
                .contains("about 1200.0 MB, more than the 1 GiB"),
            "{}",
            warning.message
        );
        let warning = too_big_for_pages(Path::new("public"), &sizes, None);
        assert!(
            !warning.message.contains("compressed"),
            "{}",
            warning.message
        );
    }
}
