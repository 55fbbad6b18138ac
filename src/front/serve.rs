//! `sheaf serve`: the site over HTTP from memory, rebuilt on every save,
//! with every open page reloading itself.
//!
//! The server never reads the output folder: it serves the bytes of the
//! last good [`Session`] build, so a path can only name a page sheaf made
//! (no traversal, no symlinks to follow) and a failed rebuild leaves the
//! previous site in place. A watcher thread feeds changed paths to the
//! session; each rebuild is announced to the pages over server-sent events
//! at `/__sheaf/events`, where a small script that the server adds to
//! served HTML (never to `sheaf build` output) reloads the page, swaps a
//! changed stylesheet, or shows the build error as an overlay.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::{Stream, StreamExt};

use crate::base::error::{Error, Result};
use crate::build::{BuildOptions, Session, Update};
use crate::front::watch::Watcher;

/// Where the live-reload script and its event stream live. Chosen so no
/// site path can collide with them.
const EVENTS: &str = "/__sheaf/events";
const SCRIPT: &str = "/__sheaf/live.js";
const LIVE_JS: &str = include_str!("serve/live.js");
const NOT_BUILT: &str = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>sheaf: not built yet</title></head><body><p>The site has not built yet. This page reloads when it does.</p></body></html>";

#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    pub drafts: bool,
}

/// What the pages hear about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LiveEvent {
    /// Something changed: reload.
    Reload,
    /// Only these stylesheets changed (site paths): swap them.
    Css(Vec<String>),
    /// The rebuild failed: show this.
    Error(String),
}

/// The site as served: the last good build, and the last error if the
/// latest rebuild failed.
struct Snapshot {
    files: HashMap<String, Bytes>,
    error: Option<String>,
}

struct AppState {
    snapshot: RwLock<Snapshot>,
    events: broadcast::Sender<LiveEvent>,
}

/// A running server (for tests and embedding); it stops when dropped.
pub struct ServerHandle {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Binds, builds and starts serving in the background.
pub fn start(root: &Path, options: ServeOptions) -> Result<ServerHandle> {
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let root = root.to_path_buf();
    let thread = std::thread::spawn(move || {
        let runtime = match runtime() {
            Ok(rt) => rt,
            Err(e) => {
                let _ = ready_tx.send(Err(e));
                return;
            }
        };
        runtime.block_on(async move {
            let report = ready_tx.clone();
            let result = run(
                &root,
                options,
                |addr| {
                    let _ = report.send(Ok(addr));
                },
                async {
                    let _ = stop_rx.await;
                },
            )
            .await;
            if let Err(e) = result {
                let _ = ready_tx.send(Err(e));
            }
        });
    });
    match ready_rx.recv() {
        Ok(Ok(addr)) => Ok(ServerHandle {
            addr,
            stop: Some(stop_tx),
            thread: Some(thread),
        }),
        Ok(Err(e)) => {
            let _ = thread.join();
            Err(e)
        }
        Err(_) => Err(Error::Serve {
            address: String::new(),
            message: "the server thread stopped before it was ready".into(),
            source: None,
        }),
    }
}

/// A runtime for the server: two workers are plenty for one curator.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Serve {
            address: String::new(),
            message: "cannot start the async runtime".into(),
            source: Some(e),
        })
}

/// Serves `root` until `stop` completes. `ready` is called with the
/// address once the first build is done and the server accepts requests.
pub async fn run(
    root: &Path,
    options: ServeOptions,
    ready: impl FnOnce(SocketAddr),
    stop: impl std::future::Future<Output = ()>,
) -> Result<()> {
    let address = SocketAddr::new(options.bind, options.port);
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| bind_error(address, e))?;
    let addr = listener.local_addr().map_err(|e| bind_error(address, e))?;

    // Served at the root of the local address, whatever sub-path the
    // production base_url has: every link is built for this base.
    let host = if options.bind.is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        match options.bind {
            IpAddr::V6(ip) => format!("[{ip}]"),
            IpAddr::V4(ip) => ip.to_string(),
        }
    };
    let build_options = BuildOptions {
        base_url: Some(format!("http://{host}:{}/", addr.port())),
        drafts: options.drafts,
        ..BuildOptions::default()
    };
    // A site that does not build yet is still served: the pages show the
    // error, and the first good build replaces them.
    let (session, error) = match Session::new(root, build_options.clone()) {
        Ok(session) => (Some(session), None),
        Err(e @ Error::Invalid(_)) => {
            eprintln!("The site does not build yet; fix it and it will appear.\n{e}");
            (None, Some(crate::base::error::chain(&e)))
        }
        Err(e) => return Err(e),
    };
    let watched = match &session {
        Some(s) => s.watched(),
        None => default_watched(root),
    };
    let watcher = Watcher::new(&watched)?;
    let (events, _) = broadcast::channel(64);
    let files = session
        .iter()
        .flat_map(|s| s.outputs().values())
        .map(|o| (o.path.clone(), o.bytes.clone()))
        .collect();
    let state = Arc::new(AppState {
        snapshot: RwLock::new(Snapshot { files, error }),
        events,
    });

    let stopping = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let rebuilder = {
        let state = state.clone();
        let stopping = stopping.clone();
        let root = root.to_path_buf();
        std::thread::spawn(move || {
            let mut rebuilder = Rebuilder {
                root,
                options: build_options,
                session,
                watcher,
            };
            rebuilder.run(&state, &stopping)
        })
    };

    let app = Router::new()
        .route(EVENTS, get(events_handler))
        .route(SCRIPT, get(script_handler))
        .fallback(get(page_handler))
        .with_state(state);
    if let Some(notice) = network_notice(options.bind) {
        eprintln!("{notice}");
    }
    ready(addr);
    // Dropping the server future on stop closes the listener and every
    // open event stream, which would otherwise hold a graceful shutdown.
    tokio::select! {
        () = accept(listener, app) => {}
        () = stop => {}
    }
    stopping.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = rebuilder.join();
    Ok(())
}

/// How long a client may take to send a request's headers. axum's own
/// `serve` sets none, so a client that opens connections and never
/// finishes a request would hold each one (and its task) for ever.
pub(crate) const HEADER_TIMEOUT: Duration = Duration::from_secs(5);

/// Serves `app` on every connection `listener` accepts, each with
/// [`HEADER_TIMEOUT`]. Runs until dropped.
async fn accept(listener: tokio::net::TcpListener, app: Router) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of file descriptors, or a connection reset before it was
            // accepted: the listener is fine, try again shortly.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT);
            // A connection that fails (a client gone, headers too slow)
            // concerns only that client.
            let _ = http
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades()
                .await;
        });
    }
}

/// What to tell the curator when the preview listens beyond this machine.
pub(crate) fn network_notice(bind: IpAddr) -> Option<String> {
    if bind.is_loopback() {
        return None;
    }
    let which = if bind.is_unspecified() {
        "every network interface".to_string()
    } else {
        bind.to_string()
    };
    Some(format!(
        "Note: listening on {which}, so the preview (drafts included, with --drafts) is now \
         reachable from the network by anyone who can reach this machine; use the default \
         --bind 127.0.0.1 to keep it to yourself."
    ))
}

fn bind_error(address: SocketAddr, e: std::io::Error) -> Error {
    let message = if e.kind() == std::io::ErrorKind::AddrInUse {
        format!(
            "port {} is already in use; stop the program using it or pick another port, e.g. `sheaf serve --port {}`",
            address.port(),
            address.port().wrapping_add(1).max(1024)
        )
    } else {
        "cannot listen there".into()
    };
    Error::Serve {
        address: address.to_string(),
        message,
        source: Some(e),
    }
}

/// The folders a site usually keeps its sources in, watched while its
/// config cannot be read.
fn default_watched(root: &Path) -> Vec<std::path::PathBuf> {
    [
        "site-config.yaml",
        "content",
        "themes",
        "templates",
        "static",
    ]
    .iter()
    .map(|p| root.join(p))
    .filter(|p| crate::io::fs::leads_somewhere(p))
    .collect()
}

/// Rebuilds on every batch of changes until told to stop.
struct Rebuilder {
    root: std::path::PathBuf,
    options: BuildOptions,
    /// `None` until the site builds for the first time.
    session: Option<Session>,
    watcher: Watcher,
}

impl Rebuilder {
    fn run(&mut self, state: &AppState, stopping: &std::sync::atomic::AtomicBool) {
        while !stopping.load(std::sync::atomic::Ordering::Relaxed) {
            let Some(batch) = self.watcher.next(Duration::from_millis(200)) else {
                continue;
            };
            let paths = match batch {
                Ok(paths) => paths,
                Err(e) => {
                    eprintln!("{}", crate::base::error::chain(&e));
                    continue;
                }
            };
            let start = Instant::now();
            let had_error = state
                .snapshot
                .read()
                .map(|s| s.error.is_some())
                .unwrap_or(false);
            match self.rebuild(&paths) {
                Ok(update) if update.is_empty() && !had_error => {}
                Ok(update) => {
                    if let Some(session) = &self.session {
                        publish(session, &update, state);
                    }
                    println!(
                        "{}: rebuilt in {} ms, {} pages rendered, {} files changed, {} removed",
                        crate::front::watch::changes_line(&self.root, &paths),
                        start.elapsed().as_millis(),
                        update.rendered,
                        update.changed.len(),
                        update.removed.len()
                    );
                }
                Err(e) => {
                    let text = crate::base::error::chain(&e);
                    eprintln!(
                        "{}: rebuild failed; still serving the last good site.\n{text}",
                        crate::front::watch::changes_line(&self.root, &paths)
                    );
                    if let Ok(mut snap) = state.snapshot.write() {
                        snap.error = Some(text.clone());
                    }
                    let _ = state.events.send(LiveEvent::Error(text));
                }
            }
        }
    }

    fn rebuild(&mut self, paths: &[std::path::PathBuf]) -> Result<Update> {
        if let Some(session) = &mut self.session {
            return session.apply(paths);
        }
        let session = Session::new(&self.root, self.options.clone())?;
        // The config is readable now: watch exactly what it names.
        if let Ok(watcher) = Watcher::new(&session.watched()) {
            self.watcher = watcher;
        }
        let update = Update {
            changed: session.outputs().keys().cloned().collect(),
            full: true,
            rendered: session.outputs().len(),
            ..Update::default()
        };
        self.session = Some(session);
        Ok(update)
    }
}

/// Swaps the changed files into the served site and tells the pages.
fn publish(session: &Session, update: &Update, state: &AppState) {
    if let Ok(mut snap) = state.snapshot.write() {
        for path in &update.changed {
            if let Some(o) = session.outputs().get(path) {
                snap.files.insert(path.clone(), o.bytes.clone());
            }
        }
        for path in &update.removed {
            snap.files.remove(path);
        }
        snap.error = None;
    }
    let event = if update.css_only() {
        LiveEvent::Css(update.changed.iter().map(|p| format!("/{p}")).collect())
    } else {
        LiveEvent::Reload
    };
    let _ = state.events.send(event);
}

async fn events_handler(
    State(state): State<Arc<AppState>>,
) -> Sse<impl Stream<Item = std::result::Result<Event, Infallible>>> {
    // A page that connects while the last rebuild is broken sees the error
    // at once, not only at the next change.
    let current = state
        .snapshot
        .read()
        .ok()
        .and_then(|s| s.error.clone())
        .map(LiveEvent::Error);
    let live = BroadcastStream::new(state.events.subscribe()).filter_map(|e| e.ok());
    let stream = tokio_stream::iter(current)
        .chain(live)
        .map(|e| Ok(to_sse(&e)));
    Sse::new(stream).keep_alive(KeepAlive::default())
}

fn to_sse(event: &LiveEvent) -> Event {
    match event {
        LiveEvent::Reload => Event::default().event("reload").data("reload"),
        LiveEvent::Css(paths) => Event::default().event("css").data(paths.join("\n")),
        LiveEvent::Error(text) => Event::default().event("build-error").data(text.clone()),
    }
}

async fn script_handler() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        LIVE_JS,
    )
        .into_response()
}

/// How a request path maps onto the site.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    /// A site path to look up (`papers/x/index.html`).
    File(String),
    /// Refused outright: `..`, backslashes, NUL, bad encoding.
    Forbidden,
}

/// Decodes and checks a request path. Nothing here touches the disk.
pub fn resolve(raw_path: &str) -> Resolved {
    let Ok(decoded) = percent_encoding::percent_decode_str(raw_path).decode_utf8() else {
        return Resolved::Forbidden;
    };
    if decoded.contains(['\0', '\\']) {
        return Resolved::Forbidden;
    }
    let segments: Vec<&str> = decoded.split('/').filter(|s| !s.is_empty()).collect();
    if segments.iter().any(|s| *s == ".." || *s == ".") {
        return Resolved::Forbidden;
    }
    let mut path = segments.join("/");
    if path.is_empty() || decoded.ends_with('/') {
        if !path.is_empty() {
            path.push('/');
        }
        path.push_str("index.html");
    }
    Resolved::File(path)
}

async fn page_handler(State(state): State<Arc<AppState>>, uri: Uri) -> Response {
    let path = match resolve(uri.path()) {
        Resolved::File(p) => p,
        Resolved::Forbidden => return (StatusCode::FORBIDDEN, "403 Forbidden\n").into_response(),
    };
    let Ok(snap) = state.snapshot.read() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Some(bytes) = snap.files.get(&path) {
        return file_response(StatusCode::OK, &path, bytes.clone());
    }
    // A folder asked for without its slash: send the browser to the
    // canonical URL, as GitHub Pages does, so relative links keep working.
    if snap.files.contains_key(&format!("{path}/index.html")) {
        let location = format!("{}/", uri.path());
        return Response::builder()
            .status(StatusCode::MOVED_PERMANENTLY)
            .header(header::LOCATION, location)
            .body(Body::empty())
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response());
    }
    match snap.files.get("404.html") {
        Some(bytes) => file_response(StatusCode::NOT_FOUND, "404.html", bytes.clone()),
        // Nothing built yet: a page that carries the live script, so the
        // error shows and the site appears once it builds.
        None if snap.files.is_empty() => file_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "index.html",
            Bytes::from_static(NOT_BUILT.as_bytes()),
        ),
        None => (StatusCode::NOT_FOUND, "404 Not Found\n").into_response(),
    }
}

fn file_response(status: StatusCode, path: &str, bytes: Bytes) -> Response {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let is_html = mime.essence_str() == "text/html";
    let content_type = match mime.type_() {
        mime_guess::mime::TEXT => format!("{}; charset=utf-8", mime.essence_str()),
        _ if path.ends_with(".xml") || path.ends_with(".svg") || path.ends_with(".js") => {
            format!("{}; charset=utf-8", mime.essence_str())
        }
        _ => mime.essence_str().to_string(),
    };
    let body = if is_html { inject(&bytes) } else { bytes };
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    // A preview must never show a stale page from the browser's cache.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Adds the live-reload script to a served page, before `</body>`.
fn inject(html: &Bytes) -> Bytes {
    let tag = format!("<script src=\"{SCRIPT}\"></script>");
    let text = String::from_utf8_lossy(html);
    let out = match text.rfind("</body>") {
        Some(i) => format!("{}{tag}{}", &text[..i], &text[i..]),
        None => format!("{text}{tag}"),
    };
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listening_beyond_this_machine_is_said() {
        for local in ["127.0.0.1", "::1", "127.0.0.2"] {
            assert_eq!(network_notice(local.parse().unwrap()), None, "{local}");
        }
        for open in ["0.0.0.0", "::", "192.168.1.20"] {
            let notice = network_notice(open.parse().unwrap()).unwrap();
            assert!(notice.contains("reachable from the network"), "{notice}");
        }
    }

    #[test]
    fn resolves_safely() {
        let file = |s: &str| Resolved::File(s.to_string());
        assert_eq!(resolve("/"), file("index.html"));
        assert_eq!(resolve("/papers/x/"), file("papers/x/index.html"));
        assert_eq!(resolve("/style.css"), file("style.css"));
        assert_eq!(resolve("/papers/x"), file("papers/x"));
        assert_eq!(resolve("//etc/passwd"), file("etc/passwd"));
        for bad in [
            "/../Cargo.toml",
            "/%2e%2e/%2e%2e/etc/passwd",
            "/a/..%2f..%2fb",
            "/a\\b",
            "/%00",
            "/%ff",
        ] {
            assert_eq!(resolve(bad), Resolved::Forbidden, "{bad}");
        }
    }

    #[test]
    fn injects_before_body_end() {
        let out = inject(&Bytes::from_static(b"<html><body><p>x</p></body></html>"));
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            "<html><body><p>x</p><script src=\"/__sheaf/live.js\"></script></body></html>"
        );
    }
}
