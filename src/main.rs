//! The `sheaf` command line: parses arguments, calls the library, prints.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;

use sheaf::build::{self, BuildOptions};
use sheaf::front::import::{self, ImportOptions, ResolveOptions};
use sheaf::front::workflows::{self, Release};

mod cli;

use cli::args::{Cli, Command, Digest};
use cli::report::{
    plural, print_diagnostic, print_error, print_import, print_resolve, print_sheaf_error,
    print_warnings, report_error, spinner, Bar, Reported, HELP,
};

// A build allocates millions of short strings and values on every core;
// jemalloc makes a 10,000-paper build about a tenth faster than glibc's
// malloc. Returning freed pages after 200 ms (not 10 s) keeps its peak
// memory near glibc's (docs/benchmarks.md).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read by the allocator at start-up: a C string
/// pointer named `malloc_conf` (the crate prefixes jemalloc's symbols
/// with `_rjem_`).
#[cfg(not(target_env = "msvc"))]
#[export_name = "_rjem_malloc_conf"]
pub static MALLOC_CONF: ConfString = ConfString(c"dirty_decay_ms:200,muzzy_decay_ms:0".as_ptr());

/// A `const char *` as C declares it, which a static may hold.
#[cfg(not(target_env = "msvc"))]
#[repr(transparent)]
pub struct ConfString(*const std::ffi::c_char);

// It points at a string literal, which nothing writes.
#[cfg(not(target_env = "msvc"))]
unsafe impl Sync for ConfString {}

fn main() -> ExitCode {
    // The time zone can only be read while the process has one thread.
    sheaf::front::watch::set_local_offset(
        time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC),
    );
    let cli = Cli::parse();
    let digest = Digest::find(cli.root.as_deref());
    match run(&cli, &digest) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            report_error(&e, &digest);
            ExitCode::FAILURE
        }
    }
}

fn run(cli: &Cli, digest: &Digest) -> anyhow::Result<()> {
    let root = &digest.root;
    match &cli.command {
        Command::Build(args) => {
            let bar = Bar::new(cli.quiet);
            let report = build::build_with_progress(root, &args.options(), &bar)?;
            bar.finish();
            if !cli.quiet {
                print_warnings(&report.warnings, root, cli.verbose);
                println!(
                    "Built {} paper{} into {}: {} pages ({} rendered), {} files written, {} unchanged, {} removed in {} ms",
                    report.papers,
                    plural(report.papers),
                    report.output_dir.display(),
                    report.pages,
                    report.rendered,
                    report.write.written,
                    report.write.unchanged,
                    report.write.removed,
                    report.elapsed.as_millis()
                );
                // What GitHub Pages would hold: it publishes at most 1 GB.
                println!("Output: {}", report.sizes.describe(3));
                if cli.verbose {
                    println!("Stages: {}", bar.timings());
                }
            }
        }
        Command::Serve {
            bind,
            port,
            open,
            drafts,
        } => serve(root, *bind, *port, *open, *drafts)?,
        Command::Watch(args) => watch(cli, root, args.options())?,
        Command::Init {
            dir,
            root: init_root,
            title,
            base_url,
            eject_theme,
            checksums,
            schedule,
        } => {
            if init_root.is_some() || cli.root.is_some() {
                anyhow::bail!(
                    "init makes the digest in DIR (`sheaf init DIR`); --root means nothing to it"
                );
            }
            let release = release(checksums.as_deref(), cli.quiet)?;
            let written = sheaf::front::init::init_scheduled(
                dir,
                title.as_deref(),
                base_url.as_deref(),
                *eject_theme,
                *schedule,
            )?;
            // init writes the workflow without checksums; pin them now.
            if !release.sha256.is_empty() {
                workflows::upgrade(dir, &release, false)?;
                if !cli.quiet {
                    println!(
                        "Pinned the checksums of sheaf {}'s release archives in {}{}.",
                        release.version,
                        sheaf::front::init::WORKFLOW_PATH,
                        if schedule.is_some() {
                            format!(" and {}", workflows::IMPORT_PATH)
                        } else {
                            String::new()
                        }
                    );
                }
            }
            if !cli.quiet {
                if cli.verbose {
                    for path in &written {
                        println!("created {}", path.display());
                    }
                }
                println!(
                    "Created a digest in {} ({} files).",
                    dir.display(),
                    written.len()
                );
                if base_url.is_none() {
                    println!("Set base_url in site-config.yaml to the site's address.");
                }
                println!(
                    "Build it with `sheaf --root {} build`; push it to GitHub and set Settings → Pages → Source to \"GitHub Actions\" to publish it.",
                    dir.display()
                );
                if schedule.is_some() {
                    println!("{SCHEDULE_HELP}");
                }
            }
        }
        Command::UpgradeWorkflows {
            force,
            checksums,
            no_checksums,
            schedule,
        } => upgrade_workflows(
            cli,
            root,
            *force,
            (checksums.as_deref(), *no_checksums),
            *schedule,
        )?,
        Command::New { title, arxiv } => {
            let config = sheaf::io::load::config(root)?;
            let today = time::OffsetDateTime::now_utc().date();
            let path = match (arxiv, title) {
                (Some(id), given) => {
                    let spinner = spinner(cli.quiet, format!("asking arXiv for {id}"));
                    let made = sheaf::front::curate::new_from_arxiv(&config, id, today);
                    spinner.finish_and_clear();
                    let (path, arxiv_title) = match made {
                        Err(e @ sheaf::Error::Fetch { .. }) => {
                            print_sheaf_error(&e, root);
                            anstream::eprintln!(
                                "{HELP}help{HELP:#}: `sheaf new \"Title\"` without --arxiv writes a blank entry"
                            );
                            return Err(Reported.into());
                        }
                        made => made?,
                    };
                    if given.as_deref().is_some_and(|t| t.trim() != arxiv_title) && !cli.quiet {
                        println!("The entry has arXiv's title: {arxiv_title}");
                    }
                    path
                }
                (None, Some(title)) => {
                    sheaf::front::curate::new_entry(&config, title, None, today)?
                }
                (None, None) => anyhow::bail!("give the paper's title, or --arxiv ID"),
            };
            if !cli.quiet {
                println!(
                    "created {}",
                    path.strip_prefix(root).unwrap_or(&path).display()
                );
            }
        }
        Command::EjectTheme => {
            let ejected = sheaf::front::init::eject_theme(root)?;
            if !cli.quiet {
                let theme = root.join(sheaf::front::init::THEME_DIR);
                println!(
                    "Wrote the default theme into {} ({} files).",
                    theme.display(),
                    ejected.files.len()
                );
                if ejected.config_changed {
                    println!(
                        "site-config.yaml now says `templates: {}`; `templates: builtin` goes back to the theme built into sheaf.",
                        sheaf::front::init::THEME_DIR
                    );
                } else {
                    println!(
                        "site-config.yaml names another theme; set `templates: {}` to use the copy.",
                        sheaf::front::init::THEME_DIR
                    );
                }
            }
        }
        Command::Check { base_url } => {
            let today = time::OffsetDateTime::now_utc().date();
            let findings = sheaf::front::curate::check(root, today, base_url.as_deref())?;
            let errors = findings.iter().filter(|d| d.is_error()).count();
            let warnings = findings.len() - errors;
            for d in &findings {
                if d.is_error() || !cli.quiet {
                    print_diagnostic(d, root);
                }
            }
            if !cli.quiet {
                println!(
                    "{errors} error{}, {warnings} warning{}",
                    plural(errors),
                    plural(warnings)
                );
            }
            if errors > 0 {
                // The summary above said so already.
                return Err(Reported.into());
            }
        }
        Command::Themes { suggest } => {
            let report = sheaf::front::suggest::themes_report(root, *suggest)?;
            print!("{report}");
        }
        Command::Import {
            source,
            arxiv,
            format,
            date,
            theme,
            skip_bad,
            dry_run,
            keep_tags,
            live,
        } => {
            let config = sheaf::io::load::config(root)?;
            let date = match date {
                Some(d) => sheaf::input::content::parse_date(d)
                    .with_context(|| format!("--date {d:?} is not a date written YYYY-MM-DD"))?,
                None => time::OffsetDateTime::now_utc().date(),
            };
            let options = ImportOptions {
                date,
                format: *format,
                theme: theme.clone(),
                skip_bad: *skip_bad,
                dry_run: *dry_run,
                keep_tags: *keep_tags,
            };
            let net = live.net()?;
            let report = match (source, live.source(date)?) {
                (Some(source), _) => import::import_file(&config, source, &options)?,
                (None, Some(what)) => {
                    let bar = Bar::new(cli.quiet);
                    let report = import::live::import_live(&config, &what, &options, &net, &bar);
                    bar.finish();
                    report?
                }
                (None, None) if live.from_config => {
                    let bar = Bar::new(cli.quiet);
                    let done = import::live::import_from_config(&config, &options, &net, &bar);
                    bar.finish();
                    let (items, report) = done?;
                    if !cli.quiet {
                        for i in &items {
                            let bad = if i.errors > 0 {
                                format!(", {} not read", i.errors)
                            } else {
                                String::new()
                            };
                            println!("{}: {} paper{}{bad}", i.item, i.records, plural(i.records));
                        }
                    }
                    report
                }
                (None, None) => {
                    let spinner = spinner(
                        cli.quiet,
                        format!(
                            "asking arXiv for {} paper{}",
                            arxiv.len(),
                            plural(arxiv.len())
                        ),
                    );
                    let report = import::fetch_arxiv_within(&config, arxiv, net.timeout)
                        .and_then(|parsed| import::import_records(&config, parsed, &options));
                    spinner.finish_and_clear();
                    report?
                }
            };
            if !cli.quiet {
                print_import(&report, root, *dry_run, cli.verbose);
            }
        }
        Command::Resolve {
            slugs,
            from,
            dry_run,
            update_abstracts,
            interval,
            timeout,
            batch,
        } => {
            let config = sheaf::io::load::config(root)?;
            let seconds = |name: &str, s: f64| {
                Duration::try_from_secs_f64(s)
                    .with_context(|| format!("--{name} {s}: not a number of seconds"))
            };
            let mut options = ResolveOptions::new(time::OffsetDateTime::now_utc().date());
            options.slugs = slugs.clone();
            options.from = from.clone();
            options.dry_run = *dry_run;
            options.update_abstracts = *update_abstracts;
            options.interval = seconds("interval", *interval)?;
            options.timeout = seconds("timeout", *timeout)?;
            options.batch = usize::from(*batch);
            let bar = Bar::new(cli.quiet);
            let report = import::resolve(&config, &options, &bar)?;
            bar.finish();
            print_resolve(&report, root, *dry_run, cli.quiet, cli.verbose);
            let failed = report.failed();
            if failed > 0 {
                anyhow::bail!(
                    "{failed} entr{} not resolved (see above); nothing was written for {}",
                    if failed == 1 { "y was" } else { "ies were" },
                    if failed == 1 { "it" } else { "them" }
                );
            }
        }
    }
    Ok(())
}

/// The release the workflows install: the checksums of its archives from
/// `checksums`, or else downloaded. When neither can be had the workflow
/// gets none, and checks the archive's build-provenance attestation.
fn release(checksums: Option<&std::path::Path>, quiet: bool) -> anyhow::Result<Release> {
    let release = match checksums {
        Some(path) => {
            let text = sheaf::io::fs::read_text(path)?;
            Release::from_sums(&text, &path.display().to_string())?
        }
        None => match workflows::fetch_release() {
            Ok(release) => release,
            Err(e) => {
                if quiet {
                    return Ok(Release::unpinned());
                }
                eprintln!(
                    "warning: {e}\n  the Pages workflow will check sheaf's archive by its \
                     build-provenance attestation (gh attestation verify) instead of a pinned \
                     checksum; to pin it, run `sheaf upgrade-workflows` where the release can be \
                     reached, or give --checksums SHA256SUMS\n"
                );
                return Ok(Release::unpinned());
            }
        },
    };
    let missing = release.unpinned_targets();
    if !missing.is_empty() && !quiet {
        eprintln!(
            "warning: the release's checksums lack {}: runners of those targets check the attestation instead\n",
            missing.join(", ")
        );
    }
    Ok(release)
}

/// What to do on GitHub for the scheduled import workflow to run.
const SCHEDULE_HELP: &str = "The import workflow needs Settings → Actions → General → Workflow permissions → \"Allow GitHub Actions to create and approve pull requests\" (off by default), and an `imports:` list in site-config.yaml.";

fn upgrade_workflows(
    cli: &Cli,
    root: &std::path::Path,
    force: bool,
    (checksums, no_checksums): (Option<&std::path::Path>, bool),
    schedule: Option<workflows::Schedule>,
) -> anyhow::Result<()> {
    use workflows::Outcome;
    // Unlike init, an upgrade that cannot reach the checksums stops: it
    // would replace pinned checksums with none.
    let release = match (checksums, no_checksums) {
        (_, true) => Release::unpinned(),
        (None, false) => workflows::fetch_release().with_context(|| {
            format!(
                "cannot pin the checksums of sheaf {}'s archives (give --checksums \
                 with the release's SHA256SUMS, or --no-checksums to have the workflow \
                 check the archive's attestation instead)",
                env!("CARGO_PKG_VERSION")
            )
        })?,
        (Some(_), false) => release(checksums, cli.quiet)?,
    };
    let done = workflows::upgrade_scheduling(root, &release, force, schedule)?;
    let mut edited = 0;
    for upgrade in &done {
        let path = upgrade.path.strip_prefix(root).unwrap_or(&upgrade.path);
        let path = path.display();
        match &upgrade.outcome {
            Outcome::Missing => {
                if cli.verbose {
                    println!("{path}: not there, left out");
                }
            }
            Outcome::Created => {
                if !cli.quiet {
                    println!("{path}: added, for sheaf {}", release.version);
                    println!("{SCHEDULE_HELP}");
                }
            }
            Outcome::Current => {
                if !cli.quiet {
                    println!("{path}: already written for sheaf {}", release.version);
                }
            }
            Outcome::Updated { diff } => {
                if !cli.quiet {
                    println!("{path}: rewritten for sheaf {}:\n{diff}", release.version);
                }
            }
            Outcome::Replaced { diff } => {
                if !cli.quiet {
                    println!(
                        "{path}: edited, replaced (--force) for sheaf {}:\n{diff}",
                        release.version
                    );
                }
            }
            Outcome::Edited { diff } => {
                edited += 1;
                eprintln!(
                    "{path}: edited since sheaf wrote it, left alone; --force would change:\n{diff}"
                );
            }
        }
    }
    if done.iter().all(|u| u.outcome == Outcome::Missing) {
        anyhow::bail!(
            "{} has none of the workflows sheaf writes (such as {})",
            root.display(),
            sheaf::front::init::WORKFLOW_PATH
        );
    }
    if edited > 0 {
        anyhow::bail!(
            "{edited} edited workflow{} left alone: merge the change by hand, or give --force to replace {}",
            plural(edited),
            if edited == 1 { "it" } else { "them" }
        );
    }
    Ok(())
}

fn serve(
    root: &Path,
    bind: std::net::IpAddr,
    port: u16,
    open: bool,
    drafts: bool,
) -> anyhow::Result<()> {
    let runtime = sheaf::front::serve::runtime()?;
    let root = sheaf::io::fs::canonical(root);
    let options = sheaf::front::serve::ServeOptions { bind, port, drafts };
    runtime.block_on(sheaf::front::serve::run(
        &root,
        options,
        |addr| {
            let host = if addr.ip().is_unspecified() {
                "127.0.0.1".to_string()
            } else {
                addr.ip().to_string()
            };
            let url = format!("http://{host}:{}/", addr.port());
            println!("Serving {} at {url} (Ctrl-C to stop)", root.display());
            if open {
                open_browser(&url);
            }
        },
        async {
            let _ = tokio::signal::ctrl_c().await;
            println!("Stopped.");
        },
    ))?;
    Ok(())
}

/// Opens `url` with the desktop's handler; failing to is not an error.
fn open_browser(url: &str) {
    let command = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(command).arg(url).spawn() {
        eprintln!("could not open a browser ({command}: {e}); visit {url}");
    }
}

fn watch(cli: &Cli, root: &Path, options: BuildOptions) -> anyhow::Result<()> {
    let start = std::time::Instant::now();
    let mut session = build::Session::new(root, options)?;
    let out_dir = session.output_dir();
    session.check_output_dir(&out_dir)?;
    // Watch before announcing, so no save after the announcement is missed.
    let watcher = sheaf::front::watch::Watcher::new(&session.watched())?;
    let mut warnings = session.warnings();
    let write = session.write(&out_dir, &mut warnings)?;
    if !cli.quiet {
        print_warnings(&warnings, root, cli.verbose);
    }
    println!(
        "Built {} paper{} into {} in {} ms ({} files written); watching for changes (Ctrl-C to stop)",
        session.papers(),
        plural(session.papers()),
        out_dir.display(),
        start.elapsed().as_millis(),
        write.written
    );
    loop {
        let Some(batch) = watcher.next(std::time::Duration::from_secs(3600)) else {
            continue;
        };
        let paths = match batch {
            Ok(paths) => paths,
            Err(e) => {
                print_error(&sheaf::base::error::chain(&e));
                continue;
            }
        };
        let start = std::time::Instant::now();
        let update = session.apply(&paths).and_then(|update| {
            session.write_update(&out_dir, &update)?;
            Ok(update)
        });
        let changes = sheaf::front::watch::changes_line(root, &paths);
        match update {
            Ok(u) if u.is_empty() => {}
            Ok(u) => println!(
                "{changes}: rebuilt in {} ms, {} files written, {} removed",
                start.elapsed().as_millis(),
                u.changed.len(),
                u.removed.len()
            ),
            Err(e) => {
                eprintln!("{changes}: rebuild failed; the output keeps the last good build.");
                print_sheaf_error(&e, root);
            }
        }
    }
}
