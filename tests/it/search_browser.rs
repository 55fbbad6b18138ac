//! End to end: the in-browser search of a built site, in a real browser.
//! The site is built to disk and served under its sub-path (`/sheaf/`, as
//! GitHub Pages would), so the script must find the index from the base
//! path the page gives it. A query from the address bar, a query typed into
//! the box, and a hostile paper title must all come out right.
//!
//! Needs Debian's `chromium` and `chromium-driver`. Without them the test
//! fails under CI (which installs them in .ci/run) and is skipped, loudly,
//! elsewhere.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use fantoccini::{Client, Locator};
use serde_json::Value;

use crate::common::browser::*;
use crate::common::*;

/// The path of the bundled config's `base_url`, where the site is served.
const BASE_PATH: &str = "/sheaf/";

/// The paper that alone has the word “kestrel”, and only in its abstract.
const KESTREL: &str = "kestrel-paper";
const HOSTILE_TITLE: &str = "Robust parsing of <img src=x onerror=alert(1)> tags";

/// Runs in every document before the page's own scripts: a hostile title
/// that became markup would call alert.
const TRAP_ALERTS: &str = r#"window.__alerted = false;
window.alert = () => { window.__alerted = true; };"#;

/// What the search page shows, read in one go.
const READ_RESULTS: &str = r#"
const r = document.getElementById('search-results');
const status = document.getElementById('search-status');
const input = document.getElementById('search-q');
if (!r) return null;
const items = Array.from(r.querySelectorAll(':scope > li')).filter(li => !li.hidden);
return {
  query: r.dataset.query || '',
  state: r.dataset.state || '',
  ms: Number(r.dataset.ms || 'NaN'),
  status: status ? status.textContent : '',
  input: input ? input.value : '',
  href: location.href,
  images: r.querySelectorAll('img, script, iframe').length,
  alerted: window.__alerted === true,
  results: items.map(li => {
    const a = li.querySelector('a');
    const snippet = li.querySelector('.snippet');
    return {
      href: a ? a.href : '',
      title: a ? a.textContent : '',
      title_marks: a ? Array.from(a.querySelectorAll('mark'), m => m.textContent) : [],
      snippet: snippet ? snippet.textContent : '',
      snippet_marks: snippet ? Array.from(snippet.querySelectorAll('mark'), m => m.textContent) : [],
    };
  }),
};"#;

#[tokio::test]
async fn search_page_finds_highlights_and_escapes() {
    if !browser_installed("the search browser test") {
        return;
    }

    let site = TestSite::with_papers(&[
        (
            &format!("{KESTREL}.md"),
            &paper(
                "Hovering flight of small falcons",
                &["Ada Lovelace", "Grace Hopper"],
                "We follow small raptors with sparse cameras. The kestrel hovers into the \
                 wind while it hunts, and we model its wing beats.",
            ),
        ),
        (
            "city-splatting.md",
            &paper(
                "Gaussian splatting for city scenes",
                &["Alan Turing"],
                "Large outdoor scenes rendered in real time from many photographs.",
            ),
        ),
        (
            "dynamic-splatting.md",
            &paper(
                "Dynamic scenes with 4D splatting",
                &["Emmy Noether"],
                "Moving objects rendered with primitives that change over time.",
            ),
        ),
        (
            "sparse-attention.md",
            &paper(
                "Sparse attention for long context",
                &["Kurt Gödel"],
                "Attention over a million tokens with a fixed memory budget.",
            ),
        ),
        (
            "hostile.md",
            &paper(
                HOSTILE_TITLE,
                &["Mallory <b>Bold</b>"],
                "A paper whose title tries to inject markup into every page.",
            ),
        ),
    ]);
    site.build().expect("building the test site");
    assert!(
        site.out().join("search/index.html").is_file() && site.out().join("search.js").is_file(),
        "the build wrote no search page or no search.js"
    );

    let server = StaticServer::start(site.out(), BASE_PATH);
    let base = server.base.clone();
    let browser = Browser::start().await;
    let client = browser.client.clone();
    browser.on_new_document(TRAP_ALERTS).await;

    // A query in the address bar, as the header's search form sends it.
    client
        .goto(&format!("{base}search/?q=kestrel"))
        .await
        .expect("opening the search page");
    let page = wait_for(&client, "kestrel", &server).await;
    let results = page["results"].as_array().unwrap();
    assert_eq!(
        results.len(),
        1,
        "only the kestrel paper has the word: {page:#}"
    );
    let first = &results[0];
    assert_eq!(
        first["href"],
        format!("{base}papers/{KESTREL}/"),
        "{page:#}"
    );
    assert_eq!(
        first["title"], "Hovering flight of small falcons",
        "{page:#}"
    );
    assert!(
        first["snippet"].as_str().unwrap().contains("kestrel"),
        "the snippet should show the matching words of the abstract: {page:#}"
    );
    assert_eq!(
        first["snippet_marks"],
        serde_json::json!(["kestrel"]),
        "the matching word should be marked in the snippet: {page:#}"
    );
    assert_eq!(
        page["input"], "kestrel",
        "the box shows the query: {page:#}"
    );
    assert!(
        page["status"].as_str().unwrap().contains("1 paper"),
        "{page:#}"
    );
    // Only the shard of "ke" was needed, and nothing outside the site.
    let requested = server.requests();
    let shards: Vec<&String> = requested
        .iter()
        .filter(|p| p.starts_with(&format!("{BASE_PATH}search/t/")))
        .collect();
    assert_eq!(
        shards,
        [&format!("{BASE_PATH}search/t/wke.json")],
        "requests: {requested:#?}"
    );
    assert!(
        requested.iter().all(|p| p.starts_with(BASE_PATH)),
        "requests outside the base path: {requested:#?}"
    );

    // A query typed into the box replaces the results and the address.
    let input = client
        .find(Locator::Id("search-q"))
        .await
        .expect("the search box");
    input.clear().await.unwrap();
    input.send_keys("splatting").await.unwrap();
    let page = wait_for(&client, "splatting", &server).await;
    let mut hrefs: Vec<&str> = page["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["href"].as_str().unwrap())
        .collect();
    hrefs.sort();
    assert_eq!(
        hrefs,
        [
            format!("{base}papers/city-splatting/"),
            format!("{base}papers/dynamic-splatting/")
        ],
        "{page:#}"
    );
    for result in page["results"].as_array().unwrap() {
        assert_eq!(
            result["title_marks"],
            serde_json::json!(["splatting"]),
            "{page:#}"
        );
    }
    assert!(
        page["href"]
            .as_str()
            .unwrap()
            .ends_with("search/?q=splatting"),
        "the address should follow the query: {page:#}"
    );

    // Typing the same query again finds it in the cached shards.
    input.clear().await.unwrap();
    input.send_keys("splatting scenes").await.unwrap();
    let page = wait_for(&client, "splatting scenes", &server).await;
    assert_eq!(page["results"].as_array().unwrap().len(), 2, "{page:#}");
    let ms = page["ms"].as_f64().unwrap_or(f64::NAN);
    assert!(ms < 50.0, "a query on cached shards took {ms} ms: {page:#}");

    // A title that looks like markup is shown as text and runs nothing.
    input.clear().await.unwrap();
    input.send_keys("onerror").await.unwrap();
    let page = wait_for(&client, "onerror", &server).await;
    let results = page["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{page:#}");
    assert_eq!(results[0]["title"], HOSTILE_TITLE, "{page:#}");
    assert_eq!(
        results[0]["title_marks"],
        serde_json::json!(["onerror"]),
        "{page:#}"
    );
    assert_eq!(page["images"], 0, "the title became markup: {page:#}");
    assert_eq!(page["alerted"], false, "the title ran a script: {page:#}");

    client.close().await.unwrap();
}

/// An entry with a title, authors and an abstract, and no notes.
fn paper(title: &str, authors: &[&str], abstract_text: &str) -> String {
    let authors: Vec<String> = authors.iter().map(|a| format!("{a:?}")).collect();
    format!(
        "---\ntitle: {title:?}\ndate: 2025-05-07\nauthors: [{}]\nabstract: {abstract_text:?}\n---\n",
        authors.join(", ")
    )
}

/// Waits until the page has shown every result of `query`, and reads it.
async fn wait_for(client: &Client, query: &str, server: &StaticServer) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let page = client.execute(READ_RESULTS, vec![]).await;
        if let Ok(page) = &page {
            if page["query"] == query && page["state"] == "done" {
                return page.clone();
            }
        }
        if Instant::now() >= deadline {
            panic!(
                "the search page did not finish the query {query:?} within {WAIT:?}; \
                 last read: {page:#?}\nrequests: {:#?}",
                server.requests()
            );
        }
        tokio::time::sleep(POLL).await;
    }
}

/// The built site, served from disk under `prefix` on 127.0.0.1 as a
/// static host would: `dir/` is `dir/index.html`, anything else is a file
/// or a 404. Keeps the path of every request.
struct StaticServer {
    base: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl StaticServer {
    fn start(root: PathBuf, prefix: &'static str) -> StaticServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        // Lives as long as the test process: the thread blocks in accept.
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let root = root.clone();
                let log = log.clone();
                std::thread::spawn(move || {
                    let _ = answer(stream, &root, prefix, &log);
                });
            }
        });
        StaticServer {
            base: format!("http://127.0.0.1:{port}{prefix}"),
            requests,
        }
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

fn answer(
    mut stream: TcpStream,
    root: &Path,
    prefix: &str,
    log: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
    }
    let target = request.split_whitespace().nth(1).unwrap_or("/");
    let path = target.split(['?', '#']).next().unwrap_or_default();
    log.lock().unwrap().push(path.to_string());
    let file = path
        .strip_prefix(prefix)
        .filter(|rest| !rest.split('/').any(|part| part.starts_with('.')))
        .map(|rest| {
            let file = root.join(rest);
            if rest.is_empty() || rest.ends_with('/') {
                file.join("index.html")
            } else {
                file
            }
        });
    let found = file.and_then(|file| Some((std::fs::read(&file).ok()?, content_type(&file))));
    let (status, body, kind) = match found {
        Some((body, kind)) => ("200 OK", body, kind),
        None => ("404 Not Found", b"Not found\n".to_vec(), "text/plain"),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(&body)?;
    stream.flush()
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("xml") => "application/xml",
        _ => "application/octet-stream",
    }
}
