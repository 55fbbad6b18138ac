//! A one-off build (`sheaf build`): load, model, render in stages, stream
//! the files to a staging folder as they come, then switch the output over
//! once every page rendered. Nothing is kept for rebuilds; what a stage has
//! used is freed before the next, so a big digest is never held whole.

use std::path::Path;
use std::time::{Duration, Instant};

use super::{
    check_output_dir, output_dir, record_ownership, render_site, warnings, BuildOptions,
    BuildReport, Keep, Loaded,
};
use crate::base::error::{Diagnostic, Result};
use crate::base::progress::{Progress, Silent};
use crate::io::output;

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
    let mut loaded = Loaded::new(root, options, progress)?;
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
        .then(|| crate::io::cache::load_manifest(&loaded.root, &out_dir));
    // The record is of the folder as a finished build left it.
    output::recover_output(&out_dir)?;
    let owned = crate::io::cache::load_owned(&loaded.root, &out_dir);
    let Loaded {
        root,
        inputs,
        site,
        renderer,
        cache_saved,
    } = &mut loaded;
    let rendered = render_site(
        site,
        renderer,
        &inputs.static_files,
        root,
        Keep::Nothing,
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
    let committed = match staging {
        Some(s) => s.commit_tracked()?,
        None => output::write(&out_dir, [], owned.clone())?,
    };
    let mut warnings = warnings(root, site, inputs);
    if sizes.over_pages_limit() {
        // First, so the ten warnings a build shows never hide it.
        warnings.insert(0, too_big_for_pages(&out_dir, &sizes));
    }
    record_ownership(root, &out_dir, &committed, &owned, &mut warnings);
    let write = committed.report;
    if let Some(m) = committed.manifest {
        if let Err(e) = crate::io::cache::save_manifest(root, &out_dir, &m) {
            warnings.push(Diagnostic::warning(
                crate::io::cache::DIR,
                None,
                format!("could not save the list of files written ({}); the next build reads them back to compare", crate::base::error::chain(&e)),
            ));
        }
    }
    progress.timed("write", writing + started.elapsed());
    // The process may exit next: the cache must be on disk first. A cache
    // that cannot be saved only makes the next build slower.
    if let Some(saving) = cache_saved.take() {
        let failed = match saving.join() {
            Ok(Ok(_)) => None,
            Ok(Err(e)) => Some(crate::base::error::chain(&e)),
            Err(_) => Some("the saving thread failed".to_string()),
        };
        if let Some(why) = failed {
            warnings.push(Diagnostic::warning(
                crate::io::cache::DIR,
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
        pages: rendered.pages,
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

/// The warning of a build whose output GitHub Pages would not publish,
/// naming what takes the room.
fn too_big_for_pages(out_dir: &Path, sizes: &output::Sizes) -> Diagnostic {
    Diagnostic::warning(
        out_dir,
        None,
        format!(
            "the site is larger than the 1 GB GitHub Pages publishes: {}; see README, \"Output size\"",
            sizes.describe(3)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_too_big_for_pages_is_warned_of_with_its_largest_parts() {
        let mut sizes = output::Sizes::default();
        sizes.add("papers/a/index.html", 700_000_000);
        sizes.add("papers.json", 320_000_000);
        sizes.add("themes/t/index.html", 200_000_000);
        sizes.add("tags/t/index.html", 100_000_000);
        sizes.add("index.html", 1_000);
        assert!(sizes.over_pages_limit());
        let warning = too_big_for_pages(Path::new("public"), &sizes);
        assert_eq!(warning.severity, crate::base::error::Severity::Warning);
        assert_eq!(
            warning.message,
            "the site is larger than the 1 GB GitHub Pages publishes: 1320.0 MB in 5 files; \
             largest: papers/ 700.0 MB (1 file), papers.json 320.0 MB (1 file), themes/ 200.0 MB \
             (1 file); see README, \"Output size\""
        );
    }
}
