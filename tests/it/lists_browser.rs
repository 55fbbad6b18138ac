//! End to end: sorting and filtering a list in a real browser (`lists.js`).
//! A tag page of six papers in pages of two is served under the sub-path;
//! a sort and a filter must act on the whole list (from its data file), be
//! in the address, come back with the back button, and leave the static
//! list whole when undone. Without JavaScript the page is the plain list
//! with its pager. A hostile title and tag stay text.
//!
//! Needs Debian's `chromium` and `chromium-driver` (see search_browser.rs).

use std::time::Instant;

use fantoccini::{Client, Locator};
use serde_json::{json, Value};

use crate::common::browser::*;
use crate::common::hostile::HOSTILE_TITLE;
use crate::common::static_server::StaticServer;
use crate::common::*;

const BASE_PATH: &str = "/sheaf/";

/// Runs in every document first: dialogs and uncaught errors are recorded.
const TRAP: &str = r#"window.__calls = [];
window.__errors = [];
for (const name of ['alert', 'confirm', 'prompt', 'print']) {
  window[name] = (...args) => { window.__calls.push(name + '(' + args.join(',') + ')'); };
}
window.addEventListener('error', (e) => window.__errors.push(String(e.message)));
window.addEventListener('unhandledrejection', (e) => window.__errors.push(String(e.reason)));"#;

/// What the list shows, read in one go.
const READ: &str = r#"
const list = document.querySelector('[data-list]');
const results = document.querySelector('.list-results');
const status = document.querySelector('.list-status');
const visible = (el) => !!el && !el.hidden;
const rows = (ul) => ul ? Array.from(ul.querySelectorAll(':scope > li'), li => {
  const a = li.querySelector('a');
  return { title: a.textContent, href: a.getAttribute('href') };
}) : [];
return {
  search: location.search,
  static_shown: visible(list),
  static_rows: rows(list),
  results_shown: visible(results),
  results: visible(results) ? rows(results) : [],
  status: status ? status.textContent : null,
  sort: (document.getElementById('list-sort') || {}).value ?? null,
  q: (document.getElementById('list-q') || {}).value ?? null,
  tags: Array.from(document.querySelectorAll('#list-tag option'), o => o.textContent),
  copy_buttons: document.querySelectorAll('.copy-bib').length,
  markup: document.querySelectorAll('main img, main script, main iframe, main b').length,
  calls: window.__calls,
  errors: window.__errors,
  pwned: window.pwned !== undefined,
};"#;

fn paper(title: &str, date: &str, extra: &str) -> String {
    format!(
        "---\ntitle: {title:?}\ndate: {date}\nauthors: [\"Ada Lovelace\"]\ntags: [common]\n\
         {extra}abstract: \"About {}.\"\n---\nNotes.\n",
        title.to_lowercase()
    )
}

#[tokio::test]
async fn sort_and_filter_act_on_the_whole_list_and_live_in_the_address() {
    if !browser_installed("the list sorting browser test") {
        return;
    }
    let site = TestSite::with_papers(&[
        (
            "kestrel.md",
            &paper(
                "Kestrels hover into the wind",
                "2025-05-06",
                "verdict: must-read\npublished: 2019\n",
            ),
        ),
        (
            "attention.md",
            &paper(
                "Attention over long documents",
                "2025-05-05",
                "published: 2023-07\nmetrics: {stars: 40, as_of: \"2025-05-05\"}\n",
            ),
        ),
        (
            "zebra.md",
            &paper(
                "Zebra stripes as camouflage",
                "2025-05-04",
                "verdict: skip\n",
            ),
        ),
        (
            "bees.md",
            &paper(
                "Bees count to four",
                "2025-05-03",
                "verdict: must-read\nstatus: read\nmetrics: {stars: 900, as_of: \"2025-05-01\"}\n",
            ),
        ),
        (
            "moths.md",
            &paper("Moths and the moon", "2025-05-02", "published: 2021\n"),
        ),
        (
            "hostile.md",
            &format!(
                "---\ntitle: {HOSTILE_TITLE:?}\ndate: 2025-05-01\n\
                 authors: [\"Mallory <b>Bold</b>\"]\ntags: [common, \"<b>tag</b>\"]\n\
                 abstract: \"A title that tries to be markup.\"\n---\n"
            ),
        ),
    ]);
    let config = site.root().join("site-config.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}\npage_size: 2\n")).unwrap();
    site.build().expect("building the test site");
    let page = "tags/common/";
    let html = site.read(&format!("{page}index.html"));
    assert!(
        html.contains(&format!("data-list=\"{BASE_PATH}{page}list.json.gz\"")),
        "{html}"
    );
    assert!(site.out().join(format!("{page}list.json.gz")).is_file());

    let server = StaticServer::start(site.out(), BASE_PATH);
    let base = server.base.clone();
    let browser = Browser::start().await;
    let client = browser.client.clone();

    // Without JavaScript: the static page, its two papers, its pager.
    client
        .issue_cmd(Cdp::new(
            "Emulation.setScriptExecutionDisabled",
            json!({ "value": true }),
        ))
        .await
        .expect("turning JavaScript off");
    client.goto(&format!("{base}{page}")).await.unwrap();
    let rows = client
        .find_all(Locator::Css(".paper-rows > li > a"))
        .await
        .unwrap();
    let mut titles = Vec::new();
    for row in &rows {
        titles.push(row.text().await.unwrap());
    }
    assert_eq!(
        titles,
        [
            "Kestrels hover into the wind",
            "Attention over long documents"
        ]
    );
    assert!(client
        .find(Locator::Css(".pager a[rel=next]"))
        .await
        .is_ok());
    assert!(
        client.find(Locator::Css(".list-controls")).await.is_err(),
        "no controls that cannot work"
    );
    client
        .issue_cmd(Cdp::new(
            "Emulation.setScriptExecutionDisabled",
            json!({ "value": false }),
        ))
        .await
        .unwrap();

    browser.on_new_document(TRAP).await;
    client.goto(&format!("{base}{page}")).await.unwrap();
    let start = wait(&client, "the page with its controls", |s| {
        s["sort"] == "" && s["static_shown"] == true
    })
    .await;
    assert_eq!(start["search"], "");
    assert_eq!(start["results_shown"], false);
    assert_eq!(start["static_rows"].as_array().unwrap().len(), 2);
    assert_eq!(start["copy_buttons"], 2, "{start:#}");

    // Sort by title: the whole list's first two, not this page's.
    client
        .find(Locator::Css(".list-controls > summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let sort = client.find(Locator::Id("list-sort")).await.unwrap();
    sort.select_by_value("title").await.unwrap();
    let sorted = wait(&client, "sorted by title", |s| {
        s["search"] == "?sort=title" && s["results_shown"] == true
    })
    .await;
    assert_eq!(sorted["static_shown"], false);
    assert_eq!(
        titles_of(&sorted["results"]),
        ["Attention over long documents", "Bees count to four"],
        "{sorted:#}"
    );
    assert_eq!(
        sorted["results"][0]["href"],
        format!("{BASE_PATH}papers/attention/")
    );
    assert!(
        sorted["status"].as_str().unwrap().contains("6 of 6"),
        "{sorted:#}"
    );
    // The filters offer what the list's papers carry, as text.
    assert_eq!(sorted["tags"], json!(["Any", "<b>tag</b>", "common"]));

    // Words narrow the sorted list; the address says both.
    let words = client.find(Locator::Id("list-q")).await.unwrap();
    words.send_keys("moth").await.unwrap();
    let narrowed = wait(&client, "filtered by a word", |s| {
        s["search"] == "?sort=title&q=moth"
    })
    .await;
    assert_eq!(titles_of(&narrowed["results"]), ["Moths and the moon"]);

    // Back: the sort alone, then the static page as it was.
    client.back().await.unwrap();
    let back = wait(&client, "back to the sort", |s| {
        s["search"] == "?sort=title" && s["q"] == ""
    })
    .await;
    assert_eq!(
        titles_of(&back["results"]),
        ["Attention over long documents", "Bees count to four"]
    );
    client.back().await.unwrap();
    let first = wait(&client, "back to the static page", |s| {
        s["search"] == "" && s["static_shown"] == true && s["results_shown"] == false
    })
    .await;
    assert_eq!(first["static_rows"], start["static_rows"]);
    assert_eq!(first["sort"], "");

    // A shared address: a filter and a metric sort, straight away.
    client
        .goto(&format!("{base}{page}?verdict=must-read&sort=stars"))
        .await
        .unwrap();
    let shared = wait(&client, "a shared address", |s| s["results_shown"] == true).await;
    assert_eq!(
        titles_of(&shared["results"]),
        ["Bees count to four", "Kestrels hover into the wind"],
        "{shared:#}"
    );

    // The hostile paper, found by a word of its title, is text.
    client
        .goto(&format!("{base}{page}?q=robust&tag=%3Cb%3Etag%3C%2Fb%3E"))
        .await
        .unwrap();
    let hostile = wait(&client, "the hostile paper", |s| s["results_shown"] == true).await;
    assert_eq!(
        titles_of(&hostile["results"]),
        [HOSTILE_TITLE],
        "{hostile:#}"
    );
    assert_eq!(hostile["markup"], 0, "{hostile:#}");

    for state in [&start, &sorted, &narrowed, &back, &first, &shared, &hostile] {
        assert_eq!(state["calls"], json!([]), "{state:#}");
        assert_eq!(state["errors"], json!([]), "{state:#}");
        assert_eq!(state["pwned"], false, "{state:#}");
    }
    let requested = server.requests();
    assert!(
        requested.iter().all(|p| p.starts_with(BASE_PATH)),
        "requests outside the base path: {requested:#?}"
    );
}

fn titles_of(rows: &Value) -> Vec<String> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap().to_string())
        .collect()
}

/// Polls the page until `done` holds of what it shows.
async fn wait(client: &Client, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let state = client.execute(READ, vec![]).await;
        if let Ok(state) = &state {
            if done(state) {
                return state.clone();
            }
        }
        if Instant::now() >= deadline {
            panic!("the list did not show {what} within {WAIT:?}; last read: {state:#?}");
        }
        tokio::time::sleep(POLL).await;
    }
}
