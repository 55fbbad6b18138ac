//! Writes a generated N-paper digest for benchmarking, and optionally the
//! same papers as a Hugo site and as a Zola site, so the tools can be timed
//! on one corpus.
//!
//! ```text
//! cargo run --release --example gen_corpus -- --papers 10000 --out /tmp/c10k [--hugo /tmp/h10k] [--zola /tmp/z10k] [--facts]
//! ```
//!
//! `--facts` adds what importers write and the bench corpus lacks: a venue
//! (`journal_ref`) on one paper in four and live figures (`metrics`) on
//! one in two, so the venue pages and the top view can be measured.
//!
//! The papers come from `benches/corpus.rs` (the generator the benches
//! use), so a corpus here is byte for byte what `edit_latency` measures.
//! `scripts/bench.sh` drives this.
#![allow(unreachable_pub)] // also compiled as a bench crate of its own

#[path = "../benches/corpus.rs"]
mod corpus;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sheaf::convert::markdown::plain_text;
use sheaf::input::config::Config;

const USAGE: &str = "usage: gen_corpus --papers N --out DIR [--hugo DIR] [--zola DIR] [--facts]";

/// The Hugo layouts: a minimal theme with the page set sheaf makes.
const HUGO_LAYOUTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/hugo/layouts");
/// The Zola templates: the same page set as the Hugo layouts.
const ZOLA_TEMPLATES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/zola/templates");

struct Args {
    papers: usize,
    out: PathBuf,
    hugo: Option<PathBuf>,
    zola: Option<PathBuf>,
    facts: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut papers = None;
    let mut out = None;
    let mut hugo = None;
    let mut zola = None;
    let mut facts = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--papers" => {
                let v = value()?;
                papers = Some(
                    v.parse()
                        .map_err(|_| format!("--papers: not a number: {v}"))?,
                );
            }
            "--out" => out = Some(PathBuf::from(value()?)),
            "--hugo" => hugo = Some(PathBuf::from(value()?)),
            "--zola" => zola = Some(PathBuf::from(value()?)),
            "--facts" => facts = true,
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    Ok(Args {
        papers: papers.ok_or(USAGE)?,
        out: out.ok_or(USAGE)?,
        hugo,
        zola,
        facts,
    })
}

/// Refuses folders with anything in them: a smaller corpus written over a
/// larger one would keep the extra papers and skew every measurement.
fn ensure_empty(dir: &Path) -> Result<(), String> {
    let has_items = std::fs::read_dir(dir).is_ok_and(|mut items| items.next().is_some());
    if has_items {
        return Err(format!(
            "{} is not empty; give a new or empty folder",
            dir.display()
        ));
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("gen_corpus: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    ensure_empty(&args.out)?;
    for dir in args.hugo.iter().chain(&args.zola) {
        ensure_empty(dir)?;
    }

    corpus::write_site(&args.out);
    let papers_dir = args.out.join("content/papers");
    let config =
        sheaf::io::load::config(&args.out).map_err(|e| format!("the bundled config: {e}"))?;
    let hugo = args
        .hugo
        .as_deref()
        .map(|dir| HugoSite::start(dir, &config));
    let zola = args.zola.as_deref().map(|dir| zola_start(dir, &config));

    for i in 0..args.papers {
        let paper = corpus::paper(i);
        let file = format!("{}.md", paper.slug);
        let entry = if args.facts {
            with_facts(i, &paper.date, paper.sheaf_entry())
        } else {
            paper.sheaf_entry()
        };
        std::fs::write(papers_dir.join(&file), entry)
            .map_err(|e| format!("writing {file}: {e}"))?;
        if hugo.is_some() || zola.is_some() {
            let themes = sheaf_themes(&config, &paper);
            if let Some(hugo) = &hugo {
                std::fs::write(hugo.papers.join(&file), paper.hugo_page(&themes))
                    .map_err(|e| format!("writing the Hugo page {file}: {e}"))?;
            }
            if let Some(papers) = &zola {
                std::fs::write(papers.join(&file), paper.zola_page(&themes))
                    .map_err(|e| format!("writing the Zola page {file}: {e}"))?;
            }
        }
    }
    println!("{} papers in {}", args.papers, args.out.display());
    if let Some(dir) = &args.hugo {
        println!("the same papers as a Hugo site in {}", dir.display());
    }
    if let Some(dir) = &args.zola {
        println!("the same papers as a Zola site in {}", dir.display());
    }
    Ok(())
}

/// Venues an ML digest's papers appear in; with the year, 36 at most.
const VENUES: &[&str] = &[
    "NeurIPS",
    "ICML",
    "ICLR",
    "ACL",
    "EMNLP",
    "CVPR",
    "AAAI",
    "TMLR",
    "JMLR",
    "Nature Machine Intelligence",
    "Transactions of the ACL",
    "COLM",
];

/// Paper `i`'s entry with a venue on one paper in four and figures on
/// one in two (upvotes; stars too on one in five), read the day the
/// paper was added. Deterministic, like the rest of the corpus.
fn with_facts(i: usize, date: &str, entry: String) -> String {
    let mut facts = String::new();
    if i % 4 == 1 {
        let year = date.get(..4).unwrap_or("2024");
        let _ = writeln!(
            facts,
            "journal_ref: \"{} {year}\"",
            VENUES[(i / 4) % VENUES.len()]
        );
    }
    if i.is_multiple_of(2) {
        let upvotes = (i * 7_919) % 311;
        let _ = write!(facts, "metrics:\n  upvotes: {upvotes}\n");
        if i.is_multiple_of(5) {
            let _ = writeln!(facts, "  stars: {}", (i * 104_729) % 2_003);
        }
        let _ = writeln!(facts, "  as_of: {date}");
    }
    match entry.strip_prefix("---\n") {
        Some(rest) => format!("---\n{facts}{rest}"),
        None => entry,
    }
}

/// The themes sheaf files a paper under: its front matter's, else those
/// whose keywords match its title and abstract (as `model::Derived` does),
/// else the catch-all. Hugo cannot run keyword rules, so they are written
/// into its front matter.
fn sheaf_themes(config: &Config, paper: &corpus::Paper) -> Vec<String> {
    let ids = match &paper.themes {
        Some(ids) => ids.iter().map(|s| s.to_string()).collect(),
        None => sheaf::model::DerivedConfig::from(config).matching_themes(&format!(
            "{}\n{}",
            paper.title,
            plain_text(&paper.abstract_md)
        )),
    };
    if ids.is_empty() {
        vec![config.catch_all.id.clone()]
    } else {
        ids
    }
}

struct HugoSite {
    papers: PathBuf,
}

impl HugoSite {
    /// Writes the config, layouts and one `_index.md` per theme (so theme
    /// pages have sheaf's titles and descriptions, and a feed each); papers
    /// come after.
    fn start(dir: &Path, config: &Config) -> HugoSite {
        corpus::copy_dir(Path::new(HUGO_LAYOUTS), &dir.join("layouts"));
        std::fs::write(dir.join("hugo.toml"), hugo_toml(config)).unwrap();
        for theme in config.themes.iter().chain([&config.catch_all]) {
            let folder = dir.join("content/themes").join(&theme.id);
            std::fs::create_dir_all(&folder).unwrap();
            std::fs::write(
                folder.join("_index.md"),
                format!(
                    "---\ntitle: {:?}\ndescription: {:?}\noutputs: [\"html\", \"rss\"]\n---\n",
                    theme.title, theme.description
                ),
            )
            .unwrap();
        }
        let papers = dir.join("content/papers");
        std::fs::create_dir_all(&papers).unwrap();
        HugoSite { papers }
    }
}

/// Hugo's config, matching sheaf's: the same base URL and page sizes,
/// themes, tags, months (`archive`), verdicts and statuses as taxonomies,
/// Chroma highlighting with CSS classes like sheaf's syntect output, and a
/// 50-item RSS feed like sheaf's.
fn hugo_toml(config: &Config) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "baseURL = {:?}", config.urls.base_url());
    let _ = writeln!(s, "title = {:?}", config.title);
    let _ = writeln!(s, "defaultContentLanguage = {:?}", config.language);
    let _ = writeln!(s, "summaryLength = 40");
    // sheaf has no /papers/ list page; Hugo's `section` kind would add one.
    let _ = writeln!(s, "disableKinds = [\"section\"]");
    let _ = writeln!(s, "\n[params]");
    let _ = writeln!(s, "description = {:?}", config.description);
    let _ = writeln!(s, "author = {:?}", config.author);
    let _ = writeln!(s, "frontPageSize = {}", config.front_page_size);
    let _ = writeln!(s, "\n[pagination]\npagerSize = {}", config.page_size);
    let _ = writeln!(s, "\n[services.rss]\nlimit = 50");
    // Feeds for the front page and, through their `_index.md`, each theme:
    // sheaf makes no feeds for tags, months, verdicts or statuses.
    let _ = writeln!(
        s,
        "\n[outputs]\nhome = [\"html\", \"rss\"]\ntaxonomy = [\"html\"]\nterm = [\"html\"]"
    );
    let _ = writeln!(
        s,
        "\n[taxonomies]\ntheme = \"themes\"\ntag = \"tags\"\narchive = \"archive\"\nverdict = \"verdict\"\nstatus = \"status\""
    );
    let _ = writeln!(
        s,
        "\n[markup.highlight]\ncodeFences = true\nnoClasses = false"
    );
    s
}

/// Writes a Zola site's config, templates and sections; returns the folder
/// the papers go to. Zola's pages are sorted by date in the `papers`
/// section, which the front page reads.
fn zola_start(dir: &Path, config: &Config) -> PathBuf {
    corpus::copy_dir(Path::new(ZOLA_TEMPLATES), &dir.join("templates"));
    std::fs::write(dir.join("config.toml"), zola_toml(config)).unwrap();
    let papers = dir.join("content/papers");
    std::fs::create_dir_all(&papers).unwrap();
    std::fs::write(dir.join("content/_index.md"), "+++\n+++\n").unwrap();
    std::fs::write(
        papers.join("_index.md"),
        "+++\ntitle = \"Papers\"\nsort_by = \"date\"\n+++\n",
    )
    .unwrap();
    papers
}

/// Zola's config, matching sheaf's as `hugo_toml` does: the same base
/// URL, page sizes, taxonomies (themes with a feed each), a 50-item RSS
/// feed, and highlighting with CSS classes, light and dark.
fn zola_toml(config: &Config) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "base_url = {:?}", config.urls.base_url());
    let _ = writeln!(s, "title = {:?}", config.title);
    let _ = writeln!(s, "description = {:?}", config.description);
    let _ = writeln!(s, "default_language = {:?}", config.language);
    let _ = writeln!(s, "compile_sass = false\nbuild_search_index = false");
    let _ = writeln!(
        s,
        "generate_feeds = true\nfeed_filenames = [\"rss.xml\"]\nfeed_limit = 50"
    );
    let n = config.page_size;
    let _ = writeln!(
        s,
        "taxonomies = [\n  {{ name = \"themes\", feed = true, paginate_by = {n} }},\n  \
         {{ name = \"tags\", paginate_by = {n} }},\n  {{ name = \"archive\", paginate_by = {n} }},\n  \
         {{ name = \"verdict\", paginate_by = {n} }},\n  {{ name = \"status\", paginate_by = {n} }},\n]"
    );
    let _ = writeln!(
        s,
        "\n[markdown.highlighting]\nstyle = \"class\"\nlight_theme = \"github-light\"\ndark_theme = \"github-dark\""
    );
    let _ = writeln!(s, "\n[extra]");
    let _ = writeln!(s, "author = {:?}", config.author);
    let _ = writeln!(s, "front_page_size = {}", config.front_page_size);
    s
}
