//! The `sheaf` command line: parses arguments, calls the library, prints.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use sheaf::config::Config;
use sheaf::import::{self, Format, ImportOptions};
use sheaf::site::{self, BuildOptions};

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

/// A static site generator for curated digests of research papers.
#[derive(Parser)]
#[command(name = "sheaf", version, about, propagate_version = true)]
struct Cli {
    /// The site root: the folder holding site-config.yaml.
    #[arg(long, global = true, default_value = ".")]
    root: PathBuf,
    /// Print only errors.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Print more detail (every warning, every file).
    #[arg(long, short, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

/// The options of a build written to disk (`build` and `watch`).
#[derive(clap::Args)]
struct BuildArgs {
    /// Write here instead of the config's output_dir.
    #[arg(long, short)]
    output_dir: Option<PathBuf>,
    /// Use this base URL instead of the config's base_url.
    #[arg(long)]
    base_url: Option<String>,
    /// Publish draft entries too.
    #[arg(long)]
    drafts: bool,
    /// Convert every entry afresh: neither read nor write the cache of
    /// converted entries in .sheaf-cache/.
    #[arg(long)]
    no_cache: bool,
}

impl BuildArgs {
    fn options(&self) -> BuildOptions {
        BuildOptions {
            output_dir: self.output_dir.clone(),
            base_url: self.base_url.clone(),
            drafts: self.drafts,
            cache: !self.no_cache,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output folder.
    Build(BuildArgs),
    /// Build the site in memory, serve it, and rebuild on every save; open
    /// pages reload themselves.
    Serve {
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// The port to listen on (0 picks a free one).
        #[arg(long, short, default_value_t = 1111)]
        port: u16,
        /// Open the site in the default browser.
        #[arg(long)]
        open: bool,
        /// Show draft entries too.
        #[arg(long)]
        drafts: bool,
    },
    /// Build the site, then rebuild what changes on every save.
    Watch(BuildArgs),
    /// Start a new digest in DIR: site-config.yaml with example themes, one
    /// example entry, the default visual theme, a GitHub Pages workflow and a
    /// .gitignore. Refuses a folder that already holds a digest.
    Init {
        /// The folder to create the digest in (new, or without a digest).
        dir: PathBuf,
        /// The site's title.
        #[arg(long)]
        title: Option<String>,
        /// The site's address, e.g. https://USER.github.io/REPOSITORY/
        /// (default: a placeholder to change in site-config.yaml).
        #[arg(long)]
        base_url: Option<String>,
    },
    /// Write a blank entry with today's date, ready to fill in.
    New {
        /// The paper's title.
        title: String,
        /// Its arXiv id, in any form.
        #[arg(long)]
        arxiv: Option<String>,
    },
    /// Validate the config and every entry without building: schema, ids,
    /// themes, duplicates, empty abstracts, future dates, broken links.
    Check,
    /// How many papers each research theme holds, and which are unsorted.
    Themes {
        /// Propose new themes for the unsorted papers, as YAML to paste into
        /// site-config.yaml.
        #[arg(long)]
        suggest: bool,
    },
    /// Import papers into content/papers/: from a file (trending-papers
    /// dump, arXiv Atom, BibTeX, Hugging Face JSON) or from the arXiv API.
    /// Papers already in the digest get the source's fields updated; the
    /// curator's notes and fields are never touched.
    #[command(group = clap::ArgGroup::new("input").required(true).args(["source", "arxiv"]))]
    Import {
        /// The file to import.
        source: Option<PathBuf>,
        /// Ask the arXiv API for these ids (any form: 2504.03380,
        /// arXiv:2310.06825v2, hep-th/9901001, abs or pdf URLs).
        #[arg(long, num_args = 1..)]
        arxiv: Vec<String>,
        /// The source format (detected from the content when left out).
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// The day the papers enter the digest (YYYY-MM-DD); default today.
        #[arg(long)]
        date: Option<String>,
        /// File new papers under this research theme.
        #[arg(long)]
        theme: Option<String>,
        /// Import the good records of a file that has bad ones too.
        #[arg(long)]
        skip_bad: bool,
        /// Show what would change, as a diff, and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: &Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Build(args) => {
            let bar = Bar::new(cli.quiet);
            let report = site::build_with_progress(&cli.root, &args.options(), &bar)?;
            bar.0.finish_and_clear();
            if !cli.quiet {
                print_warnings(&report.warnings, cli.verbose);
                println!(
                    "Built {} papers into {}: {} pages, {} files written, {} unchanged, {} removed in {} ms",
                    report.papers,
                    report.output_dir.display(),
                    report.pages,
                    report.write.written,
                    report.write.unchanged,
                    report.write.removed,
                    report.elapsed.as_millis()
                );
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
        } => serve(cli, *bind, *port, *open, *drafts)?,
        Command::Watch(args) => watch(cli, args.options())?,
        Command::Init {
            dir,
            title,
            base_url,
        } => {
            let written = sheaf::init::init(dir, title.as_deref(), base_url.as_deref())?;
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
            }
        }
        Command::New { title, arxiv } => {
            let config = Config::load(&cli.root)?;
            let today = time::OffsetDateTime::now_utc().date();
            let path = sheaf::curate::new_entry(&config, title, arxiv.as_deref(), today)?;
            if !cli.quiet {
                println!(
                    "created {}",
                    path.strip_prefix(&cli.root).unwrap_or(&path).display()
                );
            }
        }
        Command::Check => {
            let today = time::OffsetDateTime::now_utc().date();
            let findings = sheaf::curate::check(&cli.root, today)?;
            let errors = findings.iter().filter(|d| d.is_error()).count();
            let warnings = findings.len() - errors;
            for d in &findings {
                if d.is_error() || !cli.quiet {
                    eprintln!("{d}\n");
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
                anyhow::bail!("the check found {errors} error{}", plural(errors));
            }
        }
        Command::Themes { suggest } => {
            let report = sheaf::suggest::themes_report(&cli.root, *suggest)?;
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
        } => {
            let config = Config::load(&cli.root)?;
            let date = match date {
                Some(d) => sheaf::content::parse_date(d)
                    .with_context(|| format!("--date {d:?} is not a date written YYYY-MM-DD"))?,
                None => time::OffsetDateTime::now_utc().date(),
            };
            let options = ImportOptions {
                date,
                format: *format,
                theme: theme.clone(),
                skip_bad: *skip_bad,
                dry_run: *dry_run,
            };
            let report = match source {
                Some(source) => import::import_file(&config, source, &options)?,
                None => {
                    let spinner = Bar::new(cli.quiet).0;
                    spinner.set_style(
                        indicatif::ProgressStyle::with_template("{spinner} {msg}")
                            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
                    );
                    spinner.set_message(format!(
                        "asking arXiv for {} paper{}",
                        arxiv.len(),
                        plural(arxiv.len())
                    ));
                    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
                    let report = import::import_arxiv(&config, arxiv, &options);
                    spinner.finish_and_clear();
                    report?
                }
            };
            if !cli.quiet {
                print_import(&report, &cli.root, *dry_run, cli.verbose);
            }
        }
    }
    Ok(())
}

fn serve(
    cli: &Cli,
    bind: std::net::IpAddr,
    port: u16,
    open: bool,
    drafts: bool,
) -> anyhow::Result<()> {
    let runtime = sheaf::serve::runtime()?;
    let root = cli.root.canonicalize().unwrap_or_else(|_| cli.root.clone());
    let options = sheaf::serve::ServeOptions { bind, port, drafts };
    runtime.block_on(sheaf::serve::run(
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

fn watch(cli: &Cli, options: BuildOptions) -> anyhow::Result<()> {
    let start = std::time::Instant::now();
    let mut session = site::Session::new(&cli.root, options)?;
    let out_dir = session.output_dir();
    session.check_output_dir(&out_dir)?;
    // Watch before announcing, so no save after the announcement is missed.
    let watcher = sheaf::watch::Watcher::new(&session.watched())?;
    let mut warnings = session.warnings();
    let write = session.write(&out_dir, &mut warnings)?;
    if !cli.quiet {
        print_warnings(&warnings, cli.verbose);
    }
    println!(
        "Built {} papers into {} in {} ms ({} files written); watching for changes (Ctrl-C to stop)",
        session.papers(),
        out_dir.display(),
        start.elapsed().as_millis(),
        write.written
    );
    loop {
        let Some(batch) = watcher.next(std::time::Duration::from_secs(3600)) else {
            continue;
        };
        let start = std::time::Instant::now();
        let update = batch
            .and_then(|paths| session.apply(&paths))
            .and_then(|update| {
                session.write_update(&out_dir, &update)?;
                Ok(update)
            });
        match update {
            Ok(u) if u.is_empty() => {}
            Ok(u) => println!(
                "Rebuilt in {} ms: {} files written, {} removed",
                start.elapsed().as_millis(),
                u.changed.len(),
                u.removed.len()
            ),
            Err(e) => eprintln!("Rebuild failed; the output keeps the last good build.\n{e}"),
        }
    }
}

fn print_import(
    report: &import::ImportReport,
    root: &std::path::Path,
    dry_run: bool,
    verbose: bool,
) {
    use import::Action;
    let shown = |p: &Option<PathBuf>| {
        p.as_ref()
            .map(|p| p.strip_prefix(root).unwrap_or(p).display().to_string())
            .unwrap_or_default()
    };
    let would = if dry_run { "would be " } else { "" };
    for o in &report.outcomes {
        let line = match &o.action {
            Action::Created => format!("{would}created {}", shown(&o.path)),
            Action::Updated(keys) => {
                format!("{would}updated {} ({})", shown(&o.path), keys.join(", "))
            }
            Action::Unchanged if verbose => format!("unchanged {}", shown(&o.path)),
            Action::Unchanged => continue,
            Action::Skipped(why) => format!("skipped {}: {why}", o.locator),
        };
        let notes = if o.notes.is_empty() {
            String::new()
        } else {
            format!(": {}", o.notes.join("; "))
        };
        println!("{line}{notes}");
        if let Some(diff) = &o.diff {
            print!("{diff}");
        }
    }
    println!(
        "{} created, {} updated, {} unchanged, {} skipped{}",
        report.created(),
        report.updated(),
        report.unchanged(),
        report.skipped(),
        if dry_run {
            " (dry run: nothing written)"
        } else {
            ""
        }
    );
}

/// A progress bar on standard error, for stages that take more than a
/// moment. indicatif draws nothing when standard error is not a terminal,
/// and the bar stays hidden with --quiet or until half a second has passed.
struct Bar(
    indicatif::ProgressBar,
    bool,
    std::sync::Mutex<Vec<(&'static str, std::time::Duration)>>,
);

impl Bar {
    /// The stage timings, as "load 12 ms, model 40 ms, …".
    fn timings(&self) -> String {
        let timings = self.2.lock().map(|t| t.clone()).unwrap_or_default();
        timings
            .iter()
            .map(|(stage, d)| format!("{stage} {} ms", d.as_millis()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn new(quiet: bool) -> Bar {
        let bar = indicatif::ProgressBar::hidden();
        if !quiet {
            bar.set_style(
                indicatif::ProgressStyle::with_template("{msg:>10} [{bar:30}] {pos}/{len}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
        }
        Bar(bar, quiet, Default::default())
    }
}

impl sheaf::progress::Progress for Bar {
    fn start(&self, stage: &str, total: u64) {
        self.0.set_length(total);
        self.0.set_position(0);
        self.0.set_message(stage.to_string());
        self.0.reset_elapsed();
    }

    fn advance(&self, n: u64) {
        self.0.inc(n);
        if self.0.is_hidden() && self.0.elapsed() > std::time::Duration::from_millis(500) && !self.1
        {
            self.0
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
    }

    fn finish(&self) {
        self.0.finish_and_clear();
    }

    fn timed(&self, stage: &'static str, elapsed: std::time::Duration) {
        if let Ok(mut t) = self.2.lock() {
            t.push((stage, elapsed));
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn print_warnings(warnings: &[sheaf::Diagnostic], verbose: bool) {
    const SHOWN: usize = 10;
    for w in warnings
        .iter()
        .take(if verbose { usize::MAX } else { SHOWN })
    {
        eprintln!("{w}\n");
    }
    if !verbose && warnings.len() > SHOWN {
        eprintln!(
            "… and {} more warnings (--verbose shows all)",
            warnings.len() - SHOWN
        );
    }
}
