//! The `sheaf` command line: parses arguments, calls the library, prints.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use sheaf::config::Config;
use sheaf::import::{self, Format, ImportOptions};
use sheaf::site::{self, BuildOptions};

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

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output folder.
    Build {
        /// Write here instead of the config's output_dir.
        #[arg(long, short)]
        output_dir: Option<PathBuf>,
        /// Use this base URL instead of the config's base_url.
        #[arg(long)]
        base_url: Option<String>,
        /// Publish draft entries too.
        #[arg(long)]
        drafts: bool,
    },
    /// Import papers from a source file into content/papers/.
    Import {
        /// The file to import.
        source: PathBuf,
        /// The source format (detected from the content when left out).
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// The day the papers enter the digest (YYYY-MM-DD); default today.
        #[arg(long)]
        date: Option<String>,
        /// Show what would be written, write nothing.
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
        Command::Build {
            output_dir,
            base_url,
            drafts,
        } => {
            let options = BuildOptions {
                output_dir: output_dir.clone(),
                base_url: base_url.clone(),
                drafts: *drafts,
            };
            let report = site::build(&cli.root, &options)?;
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
            }
        }
        Command::Import {
            source,
            format,
            date,
            dry_run,
        } => {
            let config = Config::load(&cli.root)?;
            let date = match date {
                Some(d) => sheaf::content::parse_date(d)
                    .with_context(|| format!("--date {d:?} is not a date written YYYY-MM-DD"))?,
                None => time::OffsetDateTime::now_utc().date(),
            };
            let report = import::import_file(
                &config,
                source,
                &ImportOptions {
                    date,
                    format: *format,
                    dry_run: *dry_run,
                },
            )?;
            if !cli.quiet {
                let verb = if *dry_run { "would create" } else { "created" };
                if cli.verbose || *dry_run {
                    for p in &report.created {
                        println!("{verb} {}", p.display());
                    }
                    for p in &report.unchanged {
                        println!("unchanged {} (already in the digest)", p.display());
                    }
                }
                println!(
                    "{}: {verb} {}, {} already in the digest",
                    source.display(),
                    report.created.len(),
                    report.unchanged.len()
                );
            }
        }
    }
    Ok(())
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
