//! The command line's arguments (clap), and where the digest they name is.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use sheaf::build::BuildOptions;
use sheaf::front::import::{self, Format};
use sheaf::front::workflows;
use sheaf::input::config::CONFIG_FILE;

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
pub(crate) struct Cli {
    /// The site root: the folder holding site-config.yaml (default: the
    /// nearest folder from here up that holds one).
    #[arg(long, global = true)]
    pub(crate) root: Option<PathBuf>,
    /// Print only errors.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub(crate) quiet: bool,
    /// Print more detail (every warning, every file).
    #[arg(long, short, global = true)]
    pub(crate) verbose: bool,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The options of a build written to disk (`build` and `watch`).
#[derive(clap::Args)]
pub(crate) struct BuildArgs {
    /// Write here instead of the config's output_dir.
    #[arg(long, short)]
    pub(crate) output_dir: Option<PathBuf>,
    /// Use this base URL instead of the config's base_url.
    #[arg(long)]
    pub(crate) base_url: Option<String>,
    /// Publish draft entries too.
    #[arg(long)]
    pub(crate) drafts: bool,
    /// Convert every entry afresh: neither read nor write the cache of
    /// converted entries in .sheaf-cache/.
    #[arg(long)]
    pub(crate) no_cache: bool,
}

impl BuildArgs {
    pub(crate) fn options(&self) -> BuildOptions {
        BuildOptions {
            output_dir: self.output_dir.clone(),
            base_url: self.base_url.clone(),
            drafts: self.drafts,
            cache: !self.no_cache,
        }
    }
}

#[derive(Subcommand)]
pub(crate) enum Command {
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
pub(crate) struct LiveArgs {
    /// Hugging Face's daily papers of a day (YYYY-MM-DD) or of a range
    /// (FIRST..LAST, both included).
    #[arg(long, value_name = "DAY|FIRST..LAST")]
    pub(crate) hf_daily: Option<String>,
    /// Hugging Face's daily papers of the last 7 days, ending at --date.
    #[arg(long)]
    pub(crate) hf_week: bool,
    /// Hugging Face's daily papers of the last 30 days, ending at --date.
    #[arg(long)]
    pub(crate) hf_month: bool,
    /// The newest papers of an arXiv search (its `search_query` syntax,
    /// such as 'cat:cs.LG AND abs:"mixture of experts"').
    #[arg(long, value_name = "QUERY")]
    pub(crate) arxiv_query: Option<String>,
    /// How many papers --arxiv-query brings at most.
    #[arg(long, value_name = "N", requires = "arxiv_query", default_value_t = sheaf::input::config::imports::DEFAULT_MAX as u32,
          value_parser = clap::value_parser!(u32).range(1..=sheaf::input::config::imports::MAX_MAX as i64))]
    pub(crate) max: u32,
    /// Works from Crossref, by DOI (10.18653/v1/N19-1423, doi:…, or a
    /// doi.org URL).
    #[arg(long, num_args = 1.., value_name = "DOI")]
    pub(crate) doi: Vec<String>,
    /// Every source of site-config.yaml's `imports:` list, as one import.
    #[arg(long)]
    pub(crate) from_config: bool,
    /// Seconds between two requests to a source (default: 3 for arXiv,
    /// 1 for Hugging Face and Crossref).
    #[arg(long, value_name = "SECONDS")]
    pub(crate) interval: Option<f64>,
    /// Seconds one request may take (--arxiv's too).
    #[arg(long, value_name = "SECONDS", default_value_t = import::net::defaults::TIMEOUT_SECONDS)]
    pub(crate) timeout: f64,
    /// Times a rate-limited request (HTTP 429) is asked again.
    #[arg(long, value_name = "N", default_value_t = import::net::defaults::RETRIES)]
    pub(crate) retries: u32,
    /// The longest Retry-After waited out; a longer one fails the import.
    #[arg(long, value_name = "SECONDS", default_value_t = import::net::defaults::MAX_WAIT_SECONDS)]
    pub(crate) max_wait: f64,
}

impl LiveArgs {
    pub(crate) fn net(&self) -> anyhow::Result<import::net::NetOptions> {
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
    pub(crate) fn source(&self, date: time::Date) -> anyhow::Result<Option<import::live::Live>> {
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

/// Where the digest is, and how it was found.
pub(crate) struct Digest {
    pub(crate) root: PathBuf,
    /// The folders from the current one up were searched, and none holds
    /// a config.
    pub(crate) searched: bool,
}

impl Digest {
    /// `--root`, else the nearest folder from the current one up that holds
    /// site-config.yaml, as cargo finds Cargo.toml.
    pub(crate) fn find(given: Option<&Path>) -> Digest {
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
