//! The `sheaf` command line: parses arguments, calls the library, prints.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use sheaf::build::{self, BuildOptions};
use sheaf::front::import::{self, Format, ImportOptions, ResolveOptions};
use sheaf::front::workflows::{self, Release};
use sheaf::input::config::CONFIG_FILE;

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

/// `--version`: the package version, and the commit of a release build
/// made from a git checkout (build.rs). Only the command line says it;
/// `site.generator` and every output keep the version alone.
static VERSION: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let commit = include_str!(concat!(env!("OUT_DIR"), "/commit.txt"));
    match commit {
        "" => env!("CARGO_PKG_VERSION").to_string(),
        commit => format!("{} ({commit})", env!("CARGO_PKG_VERSION")),
    }
});

/// A static site generator for curated digests of research papers.
#[derive(Parser)]
#[command(name = "sheaf", version = VERSION.as_str(), about, propagate_version = true)]
struct Cli {
    /// The site root: the folder holding site-config.yaml (default: the
    /// nearest folder from here up that holds one).
    #[arg(long, global = true)]
    root: Option<PathBuf>,
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
    /// example entry, a GitHub Pages workflow and a .gitignore; its visual
    /// theme is the one built into sheaf. Refuses a folder that already
    /// holds a digest.
    Init {
        /// The folder to create the digest in (new, or without a digest).
        dir: PathBuf,
        /// Not an option of init, which takes the folder as DIR: this hides
        /// the global --root from init's help (clap does not add a global
        /// option to a command that has its own of the same name).
        #[arg(long, hide = true)]
        root: Option<PathBuf>,
        /// The site's title.
        #[arg(long)]
        title: Option<String>,
        /// The site's address, e.g. https://USER.github.io/REPOSITORY/
        /// (default: a placeholder to change in site-config.yaml).
        #[arg(long)]
        base_url: Option<String>,
        /// Write a copy of the default visual theme into themes/default/ to
        /// edit, instead of using the one built into sheaf (which changes
        /// with sheaf when it is upgraded).
        #[arg(long)]
        eject_theme: bool,
        /// The release's SHA256SUMS file, read instead of downloading it to
        /// pin the checksums of sheaf's archives in the Pages workflow.
        #[arg(long, value_name = "SHA256SUMS")]
        checksums: Option<PathBuf>,
        /// Also write a workflow that imports the config's `imports:` on
        /// this schedule and opens a pull request with the new papers.
        #[arg(long, value_enum)]
        schedule: Option<workflows::Schedule>,
    },
    /// Rewrite the GitHub workflows sheaf wrote (the Pages workflow) for
    /// this sheaf: its version and its archives' checksums. A workflow
    /// edited since sheaf wrote it is left alone unless --force.
    UpgradeWorkflows {
        /// Replace edited workflows too (the diff shows what goes).
        #[arg(long)]
        force: bool,
        /// The release's SHA256SUMS file, read instead of downloading it.
        #[arg(long, value_name = "SHA256SUMS", conflicts_with = "no_checksums")]
        checksums: Option<PathBuf>,
        /// Write the workflows without checksums (when the release cannot
        /// be reached): they check the archive's build-provenance
        /// attestation instead.
        #[arg(long)]
        no_checksums: bool,
        /// Add the scheduled import workflow (or change its schedule): it
        /// imports the config's `imports:` and opens a pull request.
        #[arg(long, value_enum)]
        schedule: Option<workflows::Schedule>,
    },
    /// Write a copy of the built-in visual theme into themes/default/ to
    /// edit, and make site-config.yaml use it.
    EjectTheme,
    /// Write a new entry with today's date: blank, ready to fill in, or
    /// with an arXiv paper's metadata.
    New {
        /// The paper's title (with --arxiv, arXiv's title is used).
        #[arg(required_unless_present = "arxiv")]
        title: Option<String>,
        /// Its arXiv id, in any form: the entry gets the paper's title,
        /// authors, abstract and dates from the arXiv API, as `sheaf import
        /// --arxiv` writes them.
        #[arg(long)]
        arxiv: Option<String>,
    },
    /// Validate the config and every entry without building: schema, ids,
    /// themes, duplicates, empty abstracts, future dates, broken links, a
    /// placeholder base_url. In GitHub Actions the findings are also
    /// printed as annotations.
    Check {
        /// Check with this base URL instead of the config's (as `build
        /// --base-url` builds with it).
        #[arg(long)]
        base_url: Option<String>,
    },
    /// How many papers each research theme holds, and which are unsorted.
    Themes {
        /// Propose new themes for the unsorted papers, as YAML to paste into
        /// site-config.yaml.
        #[arg(long)]
        suggest: bool,
    },
    /// Import papers into content/papers/: from a file (trending-papers
    /// dump, arXiv Atom, BibTeX, Hugging Face JSON, CSL-JSON, RIS), from the arXiv API,
    /// Hugging Face's daily papers, an arXiv search, Crossref by DOI, or
    /// every source of the config's `imports:` list. Papers already in the
    /// digest get the source's fields updated; the curator's notes and
    /// fields are never touched. A failed request writes nothing.
    #[command(group = clap::ArgGroup::new("input").required(true).args(["source", "arxiv", "hf_daily", "hf_week", "hf_month", "arxiv_query", "doi", "from_config"]))]
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
        /// Keep a reference manager's tags (CSL-JSON `keyword`, RIS `KW`)
        /// as the entries' keywords.
        #[arg(long)]
        keep_tags: bool,
        #[command(flatten)]
        live: LiveArgs,
    },
    /// Find the arXiv paper behind entries without an arXiv id, by title,
    /// and record its id, authors, dates and categories. Only an exact
    /// title (once normalised) is accepted; near misses and ambiguous
    /// titles are reported. The entry's abstract and title stay as they are.
    Resolve {
        /// The entries to resolve, by slug (default: every entry without an
        /// arXiv id).
        slugs: Vec<String>,
        /// Take the papers from this arXiv Atom file instead of the API.
        #[arg(long, value_name = "FILE")]
        from: Option<PathBuf>,
        /// Show what would change, as a diff, and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Replace the entry's abstract (and title spelling) with arXiv's.
        #[arg(long)]
        update_abstracts: bool,
        /// Seconds between two requests to the API (arXiv asks for 3).
        #[arg(long, value_name = "SECONDS", default_value_t = import::resolve_defaults::INTERVAL_SECONDS)]
        interval: f64,
        /// Seconds one request may take.
        #[arg(long, value_name = "SECONDS", default_value_t = import::resolve_defaults::TIMEOUT_SECONDS)]
        timeout: f64,
        /// Titles asked for in one request.
        #[arg(long, value_name = "N", default_value_t = import::resolve_defaults::BATCH, value_parser = clap::value_parser!(u16).range(1..))]
        batch: u16,
    },
}

/// `sheaf import` from the live sources (README: "Importing from live
/// sources").
#[derive(clap::Args, Debug)]
struct LiveArgs {
    /// Hugging Face's daily papers of a day (YYYY-MM-DD) or of a range
    /// (FIRST..LAST, both included).
    #[arg(long, value_name = "DAY|FIRST..LAST")]
    hf_daily: Option<String>,
    /// Hugging Face's daily papers of the last 7 days, ending at --date.
    #[arg(long)]
    hf_week: bool,
    /// Hugging Face's daily papers of the last 30 days, ending at --date.
    #[arg(long)]
    hf_month: bool,
    /// The newest papers of an arXiv search (its `search_query` syntax,
    /// such as 'cat:cs.LG AND abs:"mixture of experts"').
    #[arg(long, value_name = "QUERY")]
    arxiv_query: Option<String>,
    /// How many papers --arxiv-query brings at most.
    #[arg(long, value_name = "N", requires = "arxiv_query", default_value_t = sheaf::input::config::imports::DEFAULT_MAX as u32,
          value_parser = clap::value_parser!(u32).range(1..=sheaf::input::config::imports::MAX_MAX as i64))]
    max: u32,
    /// Works from Crossref, by DOI (10.18653/v1/N19-1423, doi:…, or a
    /// doi.org URL).
    #[arg(long, num_args = 1.., value_name = "DOI")]
    doi: Vec<String>,
    /// Every source of site-config.yaml's `imports:` list, as one import.
    #[arg(long)]
    from_config: bool,
    /// Seconds between two requests to a source (default: 3 for arXiv,
    /// 1 for Hugging Face and Crossref).
    #[arg(long, value_name = "SECONDS")]
    interval: Option<f64>,
    /// Seconds one request may take (--arxiv's too).
    #[arg(long, value_name = "SECONDS", default_value_t = import::net::defaults::TIMEOUT_SECONDS)]
    timeout: f64,
    /// Times a rate-limited request (HTTP 429) is asked again.
    #[arg(long, value_name = "N", default_value_t = import::net::defaults::RETRIES)]
    retries: u32,
    /// The longest Retry-After waited out; a longer one fails the import.
    #[arg(long, value_name = "SECONDS", default_value_t = import::net::defaults::MAX_WAIT_SECONDS)]
    max_wait: f64,
}

impl LiveArgs {
    fn net(&self) -> anyhow::Result<import::net::NetOptions> {
        let seconds = |name: &str, s: f64| {
            Duration::try_from_secs_f64(s)
                .with_context(|| format!("--{name} {s}: not a number of seconds"))
        };
        Ok(import::net::NetOptions {
            interval: self.interval.map(|s| seconds("interval", s)).transpose()?,
            timeout: seconds("timeout", self.timeout)?,
            retries: self.retries,
            max_wait: seconds("max-wait", self.max_wait)?,
        })
    }

    /// The live source asked for, if any (--from-config aside).
    fn source(&self, date: time::Date) -> anyhow::Result<Option<import::live::Live>> {
        use import::live::Live;
        use sheaf::input::config::imports::{last_days, parse_days};
        Ok(if let Some(spec) = &self.hf_daily {
            Some(Live::HfDaily(
                parse_days(spec).map_err(|why| anyhow::anyhow!("--hf-daily {why}"))?,
            ))
        } else if self.hf_week {
            Some(Live::HfDaily(last_days(7, date)))
        } else if self.hf_month {
            Some(Live::HfDaily(last_days(30, date)))
        } else if let Some(query) = &self.arxiv_query {
            if query.trim().is_empty() {
                anyhow::bail!("--arxiv-query is empty");
            }
            Some(Live::ArxivQuery {
                query: query.clone(),
                max: self.max as usize,
            })
        } else if !self.doi.is_empty() {
            Some(Live::Doi(self.doi.clone()))
        } else {
            None
        })
    }
}

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

/// Where the digest is, and how it was found.
struct Digest {
    root: PathBuf,
    /// The folders from the current one up were searched, and none holds
    /// a config.
    searched: bool,
}

impl Digest {
    /// `--root`, else the nearest folder from the current one up that holds
    /// site-config.yaml, as cargo finds Cargo.toml.
    fn find(given: Option<&Path>) -> Digest {
        if let Some(root) = given {
            return Digest {
                root: root.to_path_buf(),
                searched: false,
            };
        }
        let here = PathBuf::from(".");
        if sheaf::io::fs::is_file(&here.join(CONFIG_FILE)) {
            return Digest {
                root: here,
                searched: false,
            };
        }
        let cwd = std::env::current_dir().unwrap_or_default();
        match cwd
            .ancestors()
            .find(|dir| sheaf::io::fs::is_file(&dir.join(CONFIG_FILE)))
        {
            Some(root) => Digest {
                root: root.to_path_buf(),
                searched: false,
            },
            None => Digest {
                root: here,
                searched: true,
            },
        }
    }
}

/// An error already shown in full (the findings of `sheaf check`): it only
/// sets the exit code.
#[derive(Debug)]
struct Reported;

impl std::fmt::Display for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("failed")
    }
}

impl std::error::Error for Reported {}

fn report_error(e: &anyhow::Error, digest: &Digest) {
    if e.is::<Reported>() {
        return;
    }
    // Only an error of the library as it is: one with context added is
    // shown with the context.
    let top: &(dyn std::error::Error + 'static) = e.as_ref();
    match top.downcast_ref::<sheaf::Error>() {
        Some(sheaf::Error::NotADigest { root }) => {
            let cwd = std::env::current_dir().unwrap_or_default();
            let what = if digest.searched {
                format!(
                    "{} is not in a sheaf digest: neither it nor any folder above it has {CONFIG_FILE}",
                    cwd.display()
                )
            } else {
                format!(
                    "{} is not a sheaf digest: it has no {CONFIG_FILE}",
                    root.display()
                )
            };
            print_error(&what);
            anstream::eprintln!(
                "{HELP}help{HELP:#}: `sheaf init DIR` starts a new digest in DIR; `sheaf --root DIR COMMAND` works on one elsewhere"
            );
        }
        Some(e) => print_sheaf_error(e, &digest.root),
        // `{:#}` prints each cause once: no message repeats its source.
        None => print_error(&format!("{e:#}")),
    }
}

/// An error of the library: its findings one by one, or its message and
/// each of its causes.
fn print_sheaf_error(e: &sheaf::Error, root: &Path) {
    match e {
        sheaf::Error::Invalid(findings) => {
            for d in findings {
                print_diagnostic(d, root);
            }
            let errors = findings.iter().filter(|d| d.is_error()).count();
            eprintln!("{errors} error{} found", plural(errors));
        }
        e => print_error(&sheaf::base::error::chain(e)),
    }
}

const ERROR: anstyle::Style = anstyle::AnsiColor::Red.on_default().bold();
const WARNING: anstyle::Style = anstyle::AnsiColor::Yellow.on_default().bold();
const HELP: anstyle::Style = anstyle::AnsiColor::Cyan.on_default().bold();
const ARROW: anstyle::Style = anstyle::AnsiColor::Blue.on_default().bold();

/// `error: message` on standard error, the label coloured when standard
/// error is a terminal that shows colour (anstream strips the styles
/// otherwise, and for NO_COLOR; CLICOLOR_FORCE forces them).
fn print_error(message: &str) {
    anstream::eprintln!("{ERROR}error{ERROR:#}: {message}");
}

/// A finding as `sheaf check` shows it, coloured like [`print_error`]; in
/// GitHub Actions also as a workflow command on standard output, so the
/// workflow's page shows it on the file and line.
fn print_diagnostic(d: &sheaf::Diagnostic, root: &Path) {
    let style = if d.is_error() { ERROR } else { WARNING };
    anstream::eprintln!(
        "{style}{}{style:#}: {}\n  {ARROW}-->{ARROW:#} {}\n",
        d.severity.label(),
        d.message,
        d.location()
    );
    if std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true") {
        println!("{}", d.workflow_command(&workspace_path(root, &d.file)));
    }
}

/// A finding's file (relative to the site root) as GitHub wants it:
/// relative to the repository, which is the workspace, else the current
/// folder.
fn workspace_path(root: &Path, file: &Path) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    let full = cwd.join(root).join(file);
    let full = std::path::absolute(&full).unwrap_or(full);
    let mut normal = PathBuf::new();
    for part in full.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                normal.pop();
            }
            other => normal.push(other),
        }
    }
    let base = std::env::var_os("GITHUB_WORKSPACE")
        .map(PathBuf::from)
        .unwrap_or(cwd);
    normal
        .strip_prefix(&base)
        .map(Path::to_path_buf)
        .unwrap_or(normal)
}

fn run(cli: &Cli, digest: &Digest) -> anyhow::Result<()> {
    let root = &digest.root;
    match &cli.command {
        Command::Build(args) => {
            let bar = Bar::new(cli.quiet);
            let report = build::build_with_progress(root, &args.options(), &bar)?;
            bar.0.finish_and_clear();
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
                    bar.0.finish_and_clear();
                    report?
                }
                (None, None) if live.from_config => {
                    let bar = Bar::new(cli.quiet);
                    let done = import::live::import_from_config(&config, &options, &net, &bar);
                    bar.0.finish_and_clear();
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
            bar.0.finish_and_clear();
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

/// One line per entry (failures on standard error), the former key of
/// every entry whose key moved, then a summary.
fn print_resolve(
    report: &import::ResolveReport,
    root: &std::path::Path,
    dry_run: bool,
    quiet: bool,
    verbose: bool,
) {
    use import::Found;
    let would = if dry_run { "would be " } else { "" };
    let show = |c: &[import::Candidate]| {
        c.iter()
            .map(|c| format!("{} {:?}", c.arxiv, c.title))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for r in &report.resolutions {
        let path = r.path.strip_prefix(root).unwrap_or(&r.path).display();
        let line = match &r.found {
            Found::Resolved {
                arxiv,
                version,
                changed,
                notes,
            } => {
                let id = match version {
                    Some(v) => format!("{arxiv}v{v}"),
                    None => arxiv.clone(),
                };
                let notes = if notes.is_empty() {
                    String::new()
                } else {
                    format!("; {}", notes.join("; "))
                };
                if changed.is_empty() {
                    if !verbose {
                        continue;
                    }
                    format!("unchanged {path}: arXiv {id}{notes}")
                } else {
                    format!(
                        "{would}resolved {path}: arXiv {id} ({}){notes}",
                        changed.join(", ")
                    )
                }
            }
            Found::HasId(id) => format!("skipped {path}: it has an arXiv id already ({id})"),
            Found::NearMiss(c) => format!(
                "near miss {path}: {:?} is not the title of {} (not recorded; if it is the paper, add `arxiv:` by hand)",
                r.title,
                show(c)
            ),
            Found::NotFound => format!("not found {path}: no arXiv paper is titled {:?}", r.title),
            Found::KeyMoved => format!("{would}updated {path} (bibtex_ids)"),
            Found::Ambiguous(c) => {
                eprintln!(
                    "error: ambiguous {path}: {} arXiv papers are titled {:?}: {}; nothing written\n",
                    c.len(),
                    r.title,
                    show(c)
                );
                continue;
            }
            Found::Duplicate(other) => {
                eprintln!(
                    "error: duplicate {path}: its arXiv paper is {} already; nothing written\n",
                    other.strip_prefix(root).unwrap_or(other).display()
                );
                continue;
            }
            Found::Failed(why) => {
                eprintln!("error: failed {path} ({:?}): {why}; nothing written\n", r.title);
                continue;
            }
        };
        if quiet {
            continue;
        }
        println!("{line}");
        if let Some((old, new)) = &r.key {
            println!("  key: {old} → {new} ({old} kept in bibtex_ids)");
        }
        if let Some(diff) = &r.diff {
            print!("{diff}");
        }
    }
    if quiet {
        return;
    }
    let count = |f: fn(&Found) -> bool| report.count(f);
    println!(
        "{} resolved, {} near misses, {} not found, {} ambiguous, {} failed{}",
        count(|f| matches!(f, Found::Resolved { changed, .. } if !changed.is_empty())),
        count(|f| matches!(f, Found::NearMiss(_))),
        count(|f| matches!(f, Found::NotFound)),
        count(|f| matches!(f, Found::Ambiguous(_))),
        count(|f| matches!(f, Found::Failed(_) | Found::Duplicate(_))),
        if dry_run {
            " (dry run: nothing written)"
        } else {
            ""
        }
    );
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

impl sheaf::base::progress::Progress for Bar {
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

/// A spinner on standard error while the arXiv API answers (hidden as
/// [`Bar`] is).
fn spinner(quiet: bool, message: String) -> indicatif::ProgressBar {
    let spinner = Bar::new(quiet).0;
    spinner.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    spinner.set_message(message);
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    spinner
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn print_warnings(warnings: &[sheaf::Diagnostic], root: &Path, verbose: bool) {
    const SHOWN: usize = 10;
    for w in warnings
        .iter()
        .take(if verbose { usize::MAX } else { SHOWN })
    {
        print_diagnostic(w, root);
    }
    if !verbose && warnings.len() > SHOWN {
        eprintln!(
            "… and {} more warnings (--verbose shows all)",
            warnings.len() - SHOWN
        );
    }
}
