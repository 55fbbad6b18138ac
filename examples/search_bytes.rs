//! Measures what one search query downloads, in headless Chromium: the
//! built site is served from 127.0.0.1 (as `tests/search_browser.rs`
//! serves it), the search page is opened fresh for every query, and every
//! file fetched between submitting the query and the results standing is
//! counted from the browser's Resource Timing entries.
//!
//! ```text
//! cargo run --release --example search_bytes -- --site /dev/shm/c100k/public \
//!     [--gzip] [--verbose] "diffusion" "reinforcement lear" ...
//! ```
//!
//! `--gzip` serves text files gzipped, as GitHub Pages does; without it the
//! bytes are the files' own. Prints a Markdown table and the median and
//! maximum. Needs Debian's `chromium` and `chromium-driver`.
//! `scripts/bench.sh --search-bytes` drives it.

#![allow(unreachable_pub)] // a program, not a library

// The browser tests' helpers; this program uses part of them.
#[allow(dead_code)]
#[path = "../tests/it/common/browser.rs"]
mod chrome;
#[allow(dead_code)]
#[path = "../tests/it/common/static_server.rs"]
mod static_server;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use serde_json::Value;

use static_server::StaticServer;

const USAGE: &str = "usage: search_bytes --site DIR [--gzip] [--verbose] QUERY...";

/// Submits the query once the page is ready, after forgetting what the
/// page itself loaded.
const SUBMIT: &str = r#"
const [query] = arguments;
performance.setResourceTimingBufferSize(100000);
performance.clearResourceTimings();
const input = document.getElementById('search-q');
input.value = query;
document.getElementById('search-form').requestSubmit();
return true;"#;

/// The results once they stand, with every file fetched for them.
const READ: &str = r#"
const [query] = arguments;
const r = document.getElementById('search-results');
if (r.dataset.query !== query || r.dataset.state !== 'done') return null;
const files = performance.getEntriesByType('resource').map(e => ({
  name: e.name, body: e.encodedBodySize, transfer: e.transferSize, decoded: e.decodedBodySize,
}));
return {
  files,
  shown: r.querySelectorAll(':scope > li:not([hidden])').length,
  status: document.getElementById('search-status').textContent,
  ms: Number(r.dataset.totalMs || 'NaN'),
};"#;

struct Args {
    site: PathBuf,
    gzip: bool,
    verbose: bool,
    queries: Vec<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        site: PathBuf::new(),
        gzip: false,
        verbose: false,
        queries: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--site" => args.site = it.next().ok_or(USAGE)?.into(),
            "--gzip" => args.gzip = true,
            "--verbose" => args.verbose = true,
            "-h" | "--help" => return Err(USAGE.into()),
            _ if arg.starts_with("--") => return Err(format!("unknown option {arg}\n{USAGE}")),
            _ => args.queries.push(arg),
        }
    }
    if args.site.as_os_str().is_empty() || args.queries.is_empty() {
        return Err(USAGE.into());
    }
    Ok(args)
}

/// The path the site is built for: the search page's `data-base`.
fn base_path(site: &std::path::Path) -> Result<String, String> {
    let page = std::fs::read_to_string(site.join("search/index.html"))
        .map_err(|e| format!("{}: {e}", site.join("search/index.html").display()))?;
    let start = page
        .find("data-base=\"")
        .ok_or("no data-base on the search page")?
        + 11;
    let end = start + page[start..].find('"').ok_or("unclosed data-base")?;
    let base = &page[start..end];
    let path = match base.find("://") {
        Some(i) => base[i + 3..].find('/').map_or("/", |j| &base[i + 3 + j..]),
        None => base,
    };
    Ok(if path.ends_with('/') {
        path.to_string()
    } else {
        format!("{path}/")
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("search_bytes: {message}");
            return ExitCode::FAILURE;
        }
    };
    let prefix = match base_path(&args.site) {
        Ok(prefix) => prefix,
        Err(message) => {
            eprintln!("search_bytes: {message}");
            return ExitCode::FAILURE;
        }
    };
    let prefix: &'static str = Box::leak(prefix.into_boxed_str());
    let server = StaticServer::start_with(args.site.clone(), prefix, args.gzip);
    let browser = chrome::Browser::start().await;
    let client = browser.client.clone();

    println!("| query | files | KB | KB with headers | results shown | status |");
    println!("| --- | ---: | ---: | ---: | ---: | --- |");
    let mut totals = Vec::new();
    for query in &args.queries {
        if let Err(e) = client.goto(&format!("{}search/", server.base)).await {
            eprintln!("search_bytes: opening the search page: {e}");
            return ExitCode::FAILURE;
        }
        if let Err(e) = client
            .execute(SUBMIT, vec![Value::from(query.as_str())])
            .await
        {
            eprintln!("search_bytes: submitting {query:?}: {e}");
            return ExitCode::FAILURE;
        }
        let deadline = Instant::now() + Duration::from_secs(120);
        let page = loop {
            let page = client
                .execute(READ, vec![Value::from(query.as_str())])
                .await;
            if let Ok(page) = page {
                if !page.is_null() {
                    break page;
                }
            }
            if Instant::now() > deadline {
                eprintln!("search_bytes: {query:?} did not finish in 120 s");
                return ExitCode::FAILURE;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let files = page["files"].as_array().cloned().unwrap_or_default();
        let sum = |key: &str| -> f64 { files.iter().filter_map(|f| f[key].as_f64()).sum() };
        let (body, transfer) = (sum("body"), sum("transfer"));
        totals.push(body);
        println!(
            "| {query} | {} | {:.1} | {:.1} | {} | {} |",
            files.len(),
            body / 1000.0,
            transfer / 1000.0,
            page["shown"],
            page["status"].as_str().unwrap_or_default()
        );
        if args.verbose {
            for f in &files {
                eprintln!(
                    "  {} {} bytes ({} decoded)",
                    f["name"].as_str().unwrap_or_default(),
                    f["body"],
                    f["decoded"]
                );
            }
        }
    }
    totals.sort_by(f64::total_cmp);
    // The lower middle for an even count: a real query, not an average.
    let median = totals[(totals.len() - 1) / 2];
    let max = totals[totals.len() - 1];
    println!();
    println!(
        "Per query ({} queries, {}): median {:.1} KB, max {:.1} KB",
        totals.len(),
        if args.gzip {
            "text served gzipped"
        } else {
            "files as stored"
        },
        median / 1000.0,
        max / 1000.0
    );
    drop(client);
    drop(browser);
    ExitCode::SUCCESS
}
