//! Every hostile case (`tests/common/hostile.rs`) in a real browser: the
//! hostile site is built, and every HTML page of it, and the HTML every
//! feed carries (as a feed reader would show it), is opened in headless
//! Chromium. Before any script of a page runs, `alert`, `confirm`, `prompt`
//! and `print` are replaced by functions that record their calls; payloads
//! that would run call them or set `window.pwned`. Nothing may be recorded.
//! A page built to run both kinds of payload shows the trap catches them.
//!
//! Needs Debian's `chromium` and `chromium-driver`. Without them the test
//! fails under CI (which installs them in .ci/run) and is skipped, loudly,
//! elsewhere.

use crate::common::hostile;

use std::path::Path;
use std::time::Duration;

use fantoccini::Client;
use serde_json::Value;

use crate::common::browser::*;
use hostile::*;

/// Runs in every document before the page's own scripts.
const TRAP: &str = r#"window.__calls = [];
for (const name of ['alert', 'confirm', 'prompt', 'print']) {
  window[name] = (...args) => { window.__calls.push(name + '(' + args.join(',') + ')'); };
}"#;

/// What ran in the page: the trapped calls and the marker. `calls` is
/// null if the trap was not installed, which fails the test too.
const READ: &str = r#"return {
  calls: Array.isArray(window.__calls) ? window.__calls : null,
  pwned: window.pwned !== undefined,
  ready: document.readyState,
};"#;

/// Opens `file` and says what ran in it.
async fn ran(client: &Client, file: &Path) -> Value {
    let url = url::Url::from_file_path(file).unwrap();
    client
        .goto(url.as_str())
        .await
        .unwrap_or_else(|e| panic!("opening {url}: {e}"));
    // `goto` returns after the load event, which waits for every image,
    // failed ones included, so their `onerror` has run; a moment more for
    // anything queued behind it.
    tokio::time::sleep(Duration::from_millis(50)).await;
    client
        .execute(READ, vec![])
        .await
        .unwrap_or_else(|e| panic!("reading {url}: {e}"))
}

fn ran_nothing(page: &Value) -> bool {
    page["calls"].as_array().is_some_and(|c| c.is_empty()) && page["pwned"] == false
}

#[tokio::test]
async fn no_hostile_case_runs_script_in_a_browser() {
    if !browser_installed("the escaping browser test") {
        return;
    }
    let site = hostile_site();
    let pages: Vec<String> = outputs(&site, ".html")
        .into_iter()
        .map(|(path, _)| path)
        .collect();
    for must in [
        "papers/hostile/index.html",
        "papers/tex/index.html",
        "papers/title/index.html",
        "index.html",
        "archive/index.html",
    ] {
        assert!(pages.iter().any(|p| p == must), "{must} not built");
    }

    // The HTML in the feeds, each piece as a page of its own.
    let feeds = tempfile::tempdir().unwrap();
    let mut pieces = std::collections::BTreeSet::new();
    for (_, xml) in outputs(&site, ".xml") {
        let doc = roxmltree::Document::parse(&xml).unwrap();
        for node in doc.descendants().filter(|n| carries_html(n)) {
            pieces.insert(node.text().unwrap_or("").to_string());
        }
    }
    assert!(pieces.len() >= cases().len(), "{pieces:?}");
    let mut feed_pages = Vec::new();
    for (i, html) in pieces.iter().enumerate() {
        let file = feeds.path().join(format!("feed-{i}.html"));
        std::fs::write(&file, format!("<!doctype html><meta charset=utf-8>{html}")).unwrap();
        feed_pages.push(file);
    }

    // A page whose payloads do run: the trap must see them.
    let control = feeds.path().join("control.html");
    std::fs::write(
        &control,
        "<!doctype html><p><img src=x onerror=alert(1)>\
         <math><mi><img src=x onerror=window.pwned=1></mi></math>",
    )
    .unwrap();

    let browser = Browser::start().await;
    browser.on_new_document(TRAP).await;
    let client = browser.client.clone();

    let caught = ran(&client, &control).await;
    assert_eq!(
        caught["calls"],
        serde_json::json!(["alert(1)"]),
        "the trap misses a payload that runs: {caught}"
    );
    assert_eq!(caught["pwned"], true, "the marker is missed: {caught}");

    let mut failures = Vec::new();
    for page in &pages {
        let file = site.out().join(page);
        let result = ran(&client, &file).await;
        if !ran_nothing(&result) {
            failures.push(format!("{page}: {result}"));
        }
    }
    for (file, html) in feed_pages.iter().zip(&pieces) {
        let result = ran(&client, file).await;
        if !ran_nothing(&result) {
            let start: String = html.chars().take(120).collect();
            failures.push(format!("feed HTML {start:?}…: {result}"));
        }
    }
    assert!(
        failures.is_empty(),
        "script ran in {} of {} pages:\n{}",
        failures.len(),
        pages.len() + feed_pages.len(),
        failures.join("\n")
    );
    drop(client);
    drop(browser);
}
