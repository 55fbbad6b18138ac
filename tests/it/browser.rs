//! End to end: `sheaf serve` in a real browser. An edit saved to an entry's
//! notes must reach a page that is already open, by itself, through the
//! live-reload script the server injects.
//!
//! Needs Debian's `chromium` and `chromium-driver`. Without them the test
//! fails under CI (which installs them in .ci/run) and is skipped, loudly,
//! elsewhere.

use std::process::Command;
use std::time::Instant;

use fantoccini::Client;
use serde_json::json;

use crate::common::browser::*;
use crate::common::*;

const SLUG: &str = "live-reload";
const ORIGINAL: &str = "First draft of the curator note about kestrels.";
const EDITED: &str = "Second draft of the curator note about pelicans.";

/// Runs in every document before the page's own scripts, so the test can see
/// when the injected script's EventSource is open: an edit saved before then
/// could be rebuilt before the page listens, and its reload would be lost.
const TRACK_EVENT_SOURCES: &str = r#"(() => {
  const Native = window.EventSource;
  if (!Native) return;
  const opened = (window.__sheafTestEventSources = []);
  window.EventSource = class extends Native {
    constructor(...args) {
      super(...args);
      opened.push(this);
    }
  };
})();"#;

#[tokio::test]
async fn saved_notes_reach_an_open_page_without_a_manual_reload() {
    if !browser_installed("the live-reload browser test") {
        return;
    }

    let site = TestSite::with_papers(&[
        (&format!("{SLUG}.md"), &paper(ORIGINAL)),
        ("another-paper.md", &entry("Another paper", "")),
    ]);

    let mut server = Process::spawn(
        Command::new(env!("CARGO_BIN_EXE_sheaf"))
            .arg("--root")
            .arg(site.root())
            .args(["serve", "--port", "0", "--bind", "127.0.0.1"]),
    );
    let line = server.next_line("sheaf serve to print its address");
    let base = serving_url(&line)
        .unwrap_or_else(|| panic!("unexpected first line from sheaf serve: {line:?}"));

    let browser = Browser::start().await;
    let client = browser.client.clone();
    browser.on_new_document(TRACK_EVENT_SOURCES).await;

    let page = format!("{base}papers/{SLUG}/");
    client.goto(&page).await.expect("opening the paper page");
    let before = page_state(&client).await.expect("reading the page");
    assert!(
        before.text.contains(ORIGINAL),
        "the paper page at {page} does not show its notes {ORIGINAL:?}:\n{}\n{}",
        before.text,
        server.log()
    );

    wait_for_open_event_source(&client, &server).await;
    client
        .execute("window.__sheafTestMarker = 1;", vec![])
        .await
        .unwrap();

    site.write_paper(&format!("{SLUG}.md"), &paper(EDITED));

    // No refresh or navigation from here on: only the page's own script may
    // bring in the edit.
    let deadline = Instant::now() + WAIT;
    let after = loop {
        // Reading the DOM in the middle of a reload can fail; that is
        // expected, so only a timeout counts.
        let state = page_state(&client).await;
        if let Ok(state) = &state {
            if state.text.contains(EDITED) {
                break state.clone();
            }
        }
        if Instant::now() >= deadline {
            panic!(
                "the open page did not show the edited notes {EDITED:?} within {WAIT:?}; \
                 last read: {state:?}\n{}",
                server.log()
            );
        }
        tokio::time::sleep(POLL).await;
    };

    assert!(
        !after.marker,
        "the new notes appeared without a reload (the page's marker survived)"
    );
    assert!(!after.text.contains(ORIGINAL), "{}", after.text);
    assert_eq!(after.href, page, "the reload should stay on the same page");

    // Ends the session so ChromeDriver closes Chromium itself; the process
    // guards kill whatever is left either way.
    // Cleanup only: dropping `browser` kills ChromeDriver and Chromium. A
    // close that times out on a loaded machine must not fail a test whose
    // checks all passed.
    let _ = client.close().await;
}

/// A minimal entry whose notes are `notes`.
fn paper(notes: &str) -> String {
    let text = entry("Live reload in a real browser", "");
    assert!(text.ends_with("\n---\nNotes.\n"));
    text.replace("\n---\nNotes.\n", &format!("\n---\n{notes}\n"))
}

#[derive(Clone, Debug)]
struct PageState {
    text: String,
    marker: bool,
    href: String,
}

async fn page_state(client: &Client) -> Result<PageState, fantoccini::error::CmdError> {
    let state = client
        .execute(
            "return { text: document.body ? document.body.innerText : '', \
                      marker: window.__sheafTestMarker === 1, \
                      href: location.href };",
            vec![],
        )
        .await?;
    Ok(PageState {
        text: state["text"].as_str().unwrap_or_default().to_string(),
        marker: state["marker"].as_bool().unwrap_or_default(),
        href: state["href"].as_str().unwrap_or_default().to_string(),
    })
}

async fn wait_for_open_event_source(client: &Client, server: &Process) {
    let deadline = Instant::now() + WAIT;
    loop {
        let states = client
            .execute(
                "return (window.__sheafTestEventSources || [])
                   .filter(s => new URL(s.url).pathname === '/__sheaf/events')
                   .map(s => s.readyState);",
                vec![],
            )
            .await
            .expect("reading the page's EventSources");
        // 1 is EventSource.OPEN.
        if states.as_array().is_some_and(|s| s.contains(&json!(1))) {
            return;
        }
        if Instant::now() >= deadline {
            panic!(
                "the page opened no EventSource to /__sheaf/events within {WAIT:?} \
                 (ready states: {states}); is the live-reload script injected?\n{}",
                server.log()
            );
        }
        tokio::time::sleep(POLL).await;
    }
}
