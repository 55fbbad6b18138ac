//! Shared helpers for the tests that drive a real browser: Debian's
//! `chromium` through `chromedriver`, with fantoccini.
//!
//! Used by the browser tests: `use crate::common::browser::*`.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long a process gets to start, and the browser to start a session.
pub const START: Duration = Duration::from_secs(60);
/// How long a page gets to do what the test waits for.
pub const WAIT: Duration = Duration::from_secs(15);
pub const POLL: Duration = Duration::from_millis(100);

/// Whether Chromium and ChromeDriver are there; under CI their absence
/// fails. `test` names the test in the message ("the search browser test").
pub fn browser_installed(test: &str) -> bool {
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|path| !Path::new(path).exists())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let message = format!(
        "{test} needs {} (apt-get install chromium chromium-driver)",
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

/// The base URL in `Serving <DIR> at http://127.0.0.1:<PORT>/ (Ctrl-C to stop)`.
pub fn serving_url(line: &str) -> Option<String> {
    let pattern =
        regex::Regex::new(r"^Serving .+ at (http://127\.0\.0\.1:([0-9]+)/) \(Ctrl-C to stop\)$")
            .unwrap();
    let captures = pattern.captures(line)?;
    // With --port 0 the line must name the port the server really got.
    let port: u16 = captures[2].parse().ok()?;
    (port != 0).then(|| captures[1].to_string())
}

pub fn chromium_capabilities(profile: &Path) -> Capabilities {
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

/// A WebDriver session in a headless Chromium of its own. Dropping it kills
/// ChromeDriver and the browser, then removes the profile.
pub struct Browser {
    pub client: Client,
    pub driver: Process,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn start() -> Browser {
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
        Browser {
            client,
            driver,
            _profile: profile,
        }
    }

    /// Runs `source` in every document before the page's own scripts.
    pub async fn on_new_document(&self, source: &str) {
        self.client
            .issue_cmd(Cdp::new(
                "Page.addScriptToEvaluateOnNewDocument",
                json!({ "source": source }),
            ))
            .await
            .expect("installing a script for new documents");
    }
}

/// A ChromeDriver command outside WebDriver: one DevTools protocol call.
#[derive(Debug)]
pub struct Cdp {
    body: String,
}

impl Cdp {
    pub fn new(cmd: &str, params: Value) -> Cdp {
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
pub struct Process {
    child: Child,
    lines: mpsc::Receiver<String>,
    output: Arc<Mutex<String>>,
    stopped: bool,
}

impl Process {
    pub fn spawn(command: &mut Command) -> Process {
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
    pub fn next_line(&mut self, what: &str) -> String {
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
    pub fn stop(&mut self) -> Option<ExitStatus> {
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

    pub fn log(&self) -> String {
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
