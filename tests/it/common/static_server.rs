//! A built site served from disk on 127.0.0.1 as a static host would, for
//! the browser tests and the search download measurement
//! (`examples/search_bytes.rs`, which includes it with `#[path]`).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The built site, served from disk under `prefix` on 127.0.0.1 as a
/// static host would: `dir/` is `dir/index.html`, anything else is a file
/// or a 404. Keeps the path of every request.
pub struct StaticServer {
    pub base: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl StaticServer {
    pub fn start(root: PathBuf, prefix: &'static str) -> StaticServer {
        StaticServer::start_with(root, prefix, false)
    }

    /// With `gzip`, text files (HTML, CSS, JavaScript, JSON; not files
    /// that are gzip already) are sent gzipped to a browser that accepts
    /// it, as GitHub Pages does.
    pub fn start_with(root: PathBuf, prefix: &'static str, gzip: bool) -> StaticServer {
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
                    let _ = answer(stream, &root, prefix, gzip, &log);
                });
            }
        });
        StaticServer {
            base: format!("http://127.0.0.1:{port}{prefix}"),
            requests,
        }
    }

    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

fn answer(
    mut stream: TcpStream,
    root: &Path,
    prefix: &str,
    gzip: bool,
    log: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    let mut accepts_gzip = false;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
        let header = header.to_ascii_lowercase();
        if header.starts_with("accept-encoding:") && header.contains("gzip") {
            accepts_gzip = true;
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
    let (status, mut body, kind) = match found {
        Some((body, kind)) => ("200 OK", body, kind),
        None => ("404 Not Found", b"Not found\n".to_vec(), "text/plain"),
    };
    let mut encoding = "";
    if gzip && accepts_gzip && kind != "application/octet-stream" && !kind.starts_with("image/") {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
        encoder.write_all(&body)?;
        body = encoder.finish()?;
        encoding = "Content-Encoding: gzip\r\n";
    }
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\
         {encoding}Cache-Control: no-store\r\nConnection: close\r\n\r\n",
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
