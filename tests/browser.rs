//! End to end: `sheaf serve` in a real browser. An edit saved to an entry's
//! notes must reach a page that is already open, by itself, through the
//! live-reload script the server injects.
//!
//! Needs Debian's `chromium` and `chromium-driver`. Without them the test
//! fails under CI (which installs them in .ci/run) and is skipped, loudly,
//! elsewhere.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

use common::*;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long a process gets to start, and the browser to start a session.
const START: Duration = Duration::from_secs(60);
/// How long the page gets to connect to the server, and to show an edit.
const WAIT: Duration = Duration::from_secs(15);
const POLL: Duration = Duration::from_millis(100);

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
    if !browser_installed() {
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

    let mut driver = Process::spawn(Command::new(CHROMEDRIVER).arg("--port=0"));
    let driver_port = loop {
        let line = driver.next_line("chromedriver to start");
        if let Some(port) = line
            .strip_prefix("ChromeDriver was started successfully on port ")
            .and_then(|rest| rest.trim_end_matches('.').parse::<u16>().ok())
        {
            break port;
        }
    };

    let profile = tempfile::tempdir().unwrap();
    let client = tokio::time::timeout(
        START,
        ClientBuilder::new(HttpConnector::new())
            .capabilities(chromium_capabilities(profile.path()))
            .connect(&format!("http://127.0.0.1:{driver_port}")),
    )
    .await
    .unwrap_or_else(|_| panic!("no browser session after {START:?}\n{}", driver.log()))
    .unwrap_or_else(|e| panic!("starting Chromium: {e}\n{}", driver.log()));

    client
        .issue_cmd(Cdp::new(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": TRACK_EVENT_SOURCES }),
        ))
        .await
        .expect("installing the EventSource tracker");

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
    client.close().await.unwrap();
}

/// Whether Chromium and ChromeDriver are there; under CI their absence fails.
fn browser_installed() -> bool {
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|path| !Path::new(path).exists())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let message = format!(
        "the live-reload browser test needs {} \
         (apt-get install chromium chromium-driver)",
        missing.join(" and ")
    );
    if std::env::var_os("CI").is_some() {
        panic!("{message}; CI must have them: .ci/run installs them");
    }
    // Straight to the process's stderr: eprintln! would be captured by the
    // test harness and hidden, since the test passes.
    let bar = "!".repeat(72);
    let _ = writeln!(std::io::stderr(), "\n{bar}\nSKIPPED: {message}\n{bar}\n");
    false
}

/// A minimal entry whose notes are `notes`.
fn paper(notes: &str) -> String {
    let text = entry("Live reload in a real browser", "");
    assert!(text.ends_with("\n---\nNotes.\n"));
    text.replace("\n---\nNotes.\n", &format!("\n---\n{notes}\n"))
}

/// The base URL in `Serving <DIR> at http://127.0.0.1:<PORT>/ (Ctrl-C to stop)`.
fn serving_url(line: &str) -> Option<String> {
    let pattern =
        regex::Regex::new(r"^Serving .+ at (http://127\.0\.0\.1:([0-9]+)/) \(Ctrl-C to stop\)$")
            .unwrap();
    let captures = pattern.captures(line)?;
    // With --port 0 the line must name the port the server really got.
    let port: u16 = captures[2].parse().ok()?;
    (port != 0).then(|| captures[1].to_string())
}

fn chromium_capabilities(profile: &Path) -> Capabilities {
    let args = [
        "--headless".to_string(),
        "--no-sandbox".to_string(),
        "--disable-gpu".to_string(),
        "--no-first-run".to_string(),
        "--disable-background-networking".to_string(),
        "--disable-component-update".to_string(),
        "--disable-sync".to_string(),
        // Loopback only: any host name that slips into a page (a CDN, the
        // site's public base_url) fails to resolve instead of going out.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1".to_string(),
        format!("--user-data-dir={}", profile.display()),
    ];
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
    });
    match capabilities {
        Value::Object(map) => map,
        _ => unreachable!(),
    }
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

/// A ChromeDriver command outside WebDriver: one DevTools protocol call.
#[derive(Debug)]
struct Cdp {
    body: String,
}

impl Cdp {
    fn new(cmd: &str, params: Value) -> Cdp {
        Cdp {
            body: json!({ "cmd": cmd, "params": params }).to_string(),
        }
    }
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        let session = session_id.expect("a CDP command needs a session");
        base_url.join(&format!("session/{session}/goog/cdp/execute"))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.body.clone()))
    }
}

/// A child process in a process group of its own, with its stdout lines on a
/// channel and everything it prints kept for failure messages. Dropping it
/// kills the whole group, so Chromium and its helpers (children of
/// ChromeDriver) go too, whether the test passed or panicked.
struct Process {
    child: Child,
    lines: mpsc::Receiver<String>,
    output: Arc<Mutex<String>>,
    stopped: bool,
}

impl Process {
    fn spawn(command: &mut Command) -> Process {
        use std::os::unix::process::CommandExt;
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {command:?}: {e}"));
        let output = Arc::new(Mutex::new(String::new()));
        let (sender, lines) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        let kept = output.clone();
        // Keeps draining after the line we wait for, so a chatty child never
        // blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                kept.lock().unwrap().push_str(&format!("{line}\n"));
                let _ = sender.send(line);
            }
        });
        let mut stderr = child.stderr.take().unwrap();
        let kept = output.clone();
        std::thread::spawn(move || {
            let mut buffer = [0; 4096];
            while let Ok(n @ 1..) = stderr.read(&mut buffer) {
                kept.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buffer[..n]));
            }
        });
        Process {
            child,
            lines,
            output,
            stopped: false,
        }
    }

    /// The next stdout line; panics if the process exits or stays silent.
    fn next_line(&mut self, what: &str) -> String {
        match self.lines.recv_timeout(START) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => {
                panic!("waited {START:?} for {what}\n{}", self.log())
            }
            Err(RecvTimeoutError::Disconnected) => {
                let status = self.stop();
                // Lets the stderr reader catch up before reporting.
                std::thread::sleep(Duration::from_millis(100));
                panic!("{what}: it exited ({status:?})\n{}", self.log())
            }
        }
    }

    /// Kills the process group, then reaps the leader: in this order, so
    /// the group id cannot have been reused when it is signalled.
    fn stop(&mut self) -> Option<ExitStatus> {
        if !self.stopped {
            self.stopped = true;
            // SAFETY: kill(2) touches no memory of ours; the negative pid
            // names the group this guard created, whose leader is not
            // reaped yet.
            unsafe {
                libc::kill(-(self.child.id() as libc::pid_t), libc::SIGKILL);
            }
        }
        self.child.wait().ok()
    }

    fn log(&self) -> String {
        format!(
            "--- output of {:?} ---\n{}",
            self.child.id(),
            self.output.lock().unwrap()
        )
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.stop();
    }
}
