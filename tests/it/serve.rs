//! `sheaf serve` over real HTTP on 127.0.0.1: pages, live reload, error
//! overlay, recovery, and paths that must not escape the site.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use crate::common::*;
use sheaf::front::serve::{start, ServeOptions, ServerHandle};

/// Long enough for a slow CI machine; the tests do not measure speed.
const WAIT: Duration = Duration::from_secs(20);

fn serve(site: &TestSite) -> ServerHandle {
    start(
        site.root(),
        ServeOptions {
            bind: "127.0.0.1".parse().unwrap(),
            port: 0,
            drafts: false,
        },
    )
    .expect("server starts")
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

struct Page {
    status: u16,
    content_type: String,
    location: String,
    body: String,
}

fn get(server: &ServerHandle, path: &str) -> Page {
    let mut response = agent()
        .get(&format!("http://{}{path}", server.addr))
        .call()
        .unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let (content_type, location) = (header("content-type"), header("location"));
    Page {
        status: response.status().as_u16(),
        content_type,
        location,
        body: response.body_mut().read_to_string().unwrap_or_default(),
    }
}

/// A request with the path sent exactly as written (no client-side
/// normalisation of `..`), returning the status code.
fn raw_status(server: &ServerHandle, path: &str) -> u16 {
    let mut stream = TcpStream::connect(server.addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// The live-reload event stream, as `(event, data)` pairs on a channel.
fn events(server: &ServerHandle) -> Receiver<(String, String)> {
    let response = ureq::Agent::config_builder()
        .build()
        .new_agent()
        .get(&format!("http://{}/__sheaf/events", server.addr))
        .call()
        .unwrap();
    assert!(response
        .headers()
        .get("content-type")
        .is_some_and(|v| v.to_str().unwrap_or("").starts_with("text/event-stream")));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let reader = BufReader::new(response.into_body().into_reader());
        let (mut event, mut data) = (String::new(), Vec::new());
        for line in reader.lines() {
            let Ok(line) = line else { return };
            if let Some(e) = line.strip_prefix("event:") {
                event = e.trim().to_string();
            } else if let Some(d) = line.strip_prefix("data:") {
                data.push(d.strip_prefix(' ').unwrap_or(d).to_string());
            } else if line.is_empty() && !event.is_empty() {
                if tx
                    .send((std::mem::take(&mut event), data.join("\n")))
                    .is_err()
                {
                    return;
                }
                data.clear();
            }
        }
    });
    // Give the subscription a moment to register before edits start.
    std::thread::sleep(Duration::from_millis(200));
    rx
}

/// Waits for the next event named `name`, skipping others.
fn expect_event(rx: &Receiver<(String, String)>, name: &str) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((event, data)) if event == name => return data,
            Ok(_) => continue,
            Err(RecvTimeoutError::Timeout) => panic!("no `{name}` event within {WAIT:?}"),
            Err(RecvTimeoutError::Disconnected) => panic!("event stream closed"),
        }
    }
}

fn small_site() -> TestSite {
    TestSite::with_papers(&[
        ("a.md", &entry("Paper A", "")),
        ("b.md", &entry("Paper B", "themes: [vision-3d]\n")),
    ])
}

#[test]
fn serves_pages_at_the_root_with_the_script_injected() {
    let site = small_site();
    let server = serve(&site);
    let home = get(&server, "/");
    assert_eq!(home.status, 200);
    assert!(
        home.content_type.starts_with("text/html"),
        "{}",
        home.content_type
    );
    assert!(home
        .body
        .contains("<script src=\"/__sheaf/live.js\"></script></body>"));
    // The config's base_url is under /sheaf/; the preview is at the root.
    assert!(
        home.body.contains("href=\"/papers/a/\""),
        "links rewritten for the root"
    );
    assert!(!home.body.contains("/sheaf/papers/"));

    let paper = get(&server, "/papers/a/");
    assert_eq!(paper.status, 200);
    assert!(paper.body.contains("Paper A"));
    let redirect = get(&server, "/papers/a");
    assert_eq!(redirect.status, 301);
    assert_eq!(redirect.location, "/papers/a/");

    let css = get(&server, "/style.css");
    assert_eq!(css.status, 200);
    assert!(css.content_type.starts_with("text/css"));
    assert!(!css.body.contains("__sheaf"), "only HTML gets the script");
    let feed = get(&server, "/atom.xml");
    assert!(feed.content_type.contains("xml"), "{}", feed.content_type);
    assert!(!feed.body.contains("__sheaf"));
    let script = get(&server, "/__sheaf/live.js");
    assert!(script.content_type.starts_with("text/javascript"));
    assert!(script.body.contains("EventSource"));

    let missing = get(&server, "/no/such/page/");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("<h1"), "the site's own 404 page");

    // Nothing was written to the output folder.
    assert!(!site.out().exists());
}

#[test]
fn paths_cannot_escape_the_site() {
    let site = small_site();
    // A symlink inside the theme's static folder pointing outside the site:
    // serving from memory means it is never followed.
    #[cfg(unix)]
    std::os::unix::fs::symlink("/etc", site.root().join("themes/default/static/etc")).unwrap();
    let server = serve(&site);
    for path in [
        "/../site-config.yaml",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/papers/..%2f..%2fsite-config.yaml",
        "/..\\site-config.yaml",
        "/%00",
    ] {
        let status = raw_status(&server, path);
        assert!(
            status == 403 || status == 404 || status == 400,
            "{path}: {status}"
        );
    }
    for path in [
        "//etc/passwd",
        "/etc/passwd",
        "/site-config.yaml",
        "/content/papers/a.md",
    ] {
        assert_eq!(get(&server, path).status, 404, "{path}");
    }
}

#[test]
fn an_edit_reloads_pages_and_shows_the_new_content() {
    let site = small_site();
    let server = serve(&site);
    let rx = events(&server);
    site.write_paper(
        "a.md",
        &entry("Paper A", "").replace("Notes.", "Freshly written notes."),
    );
    expect_event(&rx, "reload");
    assert!(get(&server, "/papers/a/")
        .body
        .contains("Freshly written notes."));
    // A new entry appears everywhere it belongs.
    site.write_paper("c.md", &entry("Paper C", ""));
    expect_event(&rx, "reload");
    assert_eq!(get(&server, "/papers/c/").status, 200);
    assert!(get(&server, "/").body.contains("Paper C"));
    // A removed one disappears.
    std::fs::remove_file(site.papers().join("c.md")).unwrap();
    expect_event(&rx, "reload");
    assert_eq!(get(&server, "/papers/c/").status, 404);
}

#[test]
fn a_broken_entry_shows_an_error_and_keeps_the_last_good_site() {
    let site = small_site();
    let server = serve(&site);
    let rx = events(&server);
    site.write_paper(
        "a.md",
        "---\ntitle: Paper A\ndate: someday\n---\nBroken notes.\n",
    );
    let error = expect_event(&rx, "build-error");
    assert!(error.contains("content/papers/a.md:3"), "{error}");
    assert!(error.contains("date"), "{error}");
    let page = get(&server, "/papers/a/");
    assert_eq!(page.status, 200, "the last good page is still served");
    assert!(page.body.contains("Notes.") && !page.body.contains("Broken notes."));
    // A page opened now learns about the error at once.
    let late = events(&server);
    assert!(expect_event(&late, "build-error").contains("a.md:3"));
    // A stylesheet edit while broken does not hide the error.
    let css = site.root().join("themes/default/static/style.css");
    let mut text = std::fs::read_to_string(&css).unwrap();
    text.push_str("\n/* edited */\n");
    std::fs::write(&css, &text).unwrap();
    assert!(expect_event(&rx, "build-error").contains("a.md:3"));

    site.write_paper(
        "a.md",
        &entry("Paper A", "").replace("Notes.", "Fixed notes."),
    );
    expect_event(&rx, "reload");
    assert!(get(&server, "/papers/a/").body.contains("Fixed notes."));
}

#[test]
fn a_template_error_is_reported_and_recovered_from() {
    let site = small_site();
    let server = serve(&site);
    let rx = events(&server);
    let template = site.root().join("themes/default/templates/paper.html");
    let good = std::fs::read_to_string(&template).unwrap();
    std::fs::write(
        &template,
        good.replace("{% block content %}", "{% block content %}{{ oops("),
    )
    .unwrap();
    let error = expect_event(&rx, "build-error");
    assert!(error.contains("paper.html"), "{error}");
    assert_eq!(get(&server, "/papers/a/").status, 200);
    std::fs::write(&template, &good).unwrap();
    expect_event(&rx, "reload");
}

#[test]
fn a_stylesheet_change_swaps_the_stylesheet() {
    let site = small_site();
    let server = serve(&site);
    let rx = events(&server);
    let css = site.root().join("themes/default/static/style.css");
    let mut text = std::fs::read_to_string(&css).unwrap();
    text.push_str("\nbody { outline: 1px solid red; }\n");
    std::fs::write(&css, &text).unwrap();
    assert_eq!(expect_event(&rx, "css"), "/style.css");
    assert!(get(&server, "/style.css")
        .body
        .contains("outline: 1px solid red"));
}

#[test]
fn a_busy_port_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let site = small_site();
    let err = start(
        site.root(),
        ServeOptions {
            bind: "127.0.0.1".parse().unwrap(),
            port,
            drafts: false,
        },
    )
    .err()
    .expect("binding a busy port fails");
    let text = err.to_string();
    assert!(
        text.contains("already in use") && text.contains("--port"),
        "{text}"
    );
}

#[test]
fn watch_mode_writes_changes_to_disk() {
    let site = small_site();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sheaf"))
        .arg("--root")
        .arg(site.root())
        .arg("watch")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Lines arrive on a channel so a missing one fails the test instead of
    // hanging it.
    let (tx, lines) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let next = || {
        lines
            .recv_timeout(WAIT)
            .unwrap_or_else(|_| String::from("(nothing)"))
    };
    let first = next();
    assert!(first.contains("watching for changes"), "{first}");
    site.write_paper(
        "a.md",
        &entry("Paper A", "").replace("Notes.", "Watched notes."),
    );
    let rebuilt = next();
    // The time and the changed file, as Zola prints them.
    let line =
        regex::Regex::new(r"^\d\d:\d\d:\d\d content/papers/a\.md changed: rebuilt in \d+ ms")
            .unwrap();
    if !line.is_match(&rebuilt) {
        child.kill().ok();
        panic!("expected a rebuild, got {rebuilt}");
    }
    let page = site.read("papers/a/index.html");
    child.kill().ok();
    child.wait().ok();
    assert!(page.contains("Watched notes."));
    assert!(!page.contains("__sheaf"), "no live-reload script on disk");
}

#[test]
fn a_site_that_does_not_build_yet_is_served_once_fixed() {
    let site = TestSite::with_papers(&[("a.md", "---\ntitle: Paper A\n---\nNo date yet.\n")]);
    let server = serve(&site);
    let waiting = get(&server, "/");
    assert_eq!(waiting.status, 503);
    assert!(
        waiting.body.contains("/__sheaf/live.js"),
        "the waiting page listens for the fix"
    );
    let rx = events(&server);
    assert!(expect_event(&rx, "build-error").contains("content/papers/a.md:2"));
    site.write_paper("a.md", &entry("Paper A", ""));
    expect_event(&rx, "reload");
    assert_eq!(get(&server, "/papers/a/").status, 200);
}

#[test]
fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let site = small_site();
    let server = serve(&site);
    let mut slow = TcpStream::connect(server.addr).unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .unwrap();
    // The server gives up on it (sheaf::front::serve::HEADER_TIMEOUT) and closes
    // the connection: a read returns the end, or an error.
    slow.set_read_timeout(Some(WAIT)).unwrap();
    let mut rest = Vec::new();
    let closed = match slow.read_to_end(&mut rest) {
        Ok(_) => true,
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    };
    assert!(closed, "the connection stayed open");
    // Other clients are served all along.
    assert_eq!(raw_status(&server, "/"), 200);
}
