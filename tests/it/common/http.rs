//! A stand-in for a web API on 127.0.0.1: each request's target (path
//! and query) goes to a handler that answers with a recorded response, a
//! failure, or nothing at all. Every target is logged.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// An answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
    /// Wait this long before answering (a server that does not answer in
    /// time).
    pub delay: Option<Duration>,
}

impl Reply {
    pub fn ok(content_type: &str, body: impl Into<String>) -> Reply {
        Reply {
            status: "200 OK",
            headers: vec![("Content-Type", content_type.to_string())],
            body: body.into(),
            delay: None,
        }
    }

    pub fn status(status: &'static str, body: impl Into<String>) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type", "text/plain".to_string())],
            body: body.into(),
            delay: None,
        }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }

    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = Some(delay);
        self
    }
}

/// A running fake server.
#[derive(Clone)]
pub struct Fake {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Fake {
    /// Every request target so far (`/api/query?search_query=…`), in order.
    pub fn targets(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// The query parameters of every request whose path contains `path`.
    pub fn queries(&self, path: &str) -> Vec<HashMap<String, String>> {
        self.targets()
            .iter()
            .filter(|t| t.split('?').next().unwrap_or("").contains(path))
            .map(|t| {
                url::Url::parse(&format!("http://fake{t}"))
                    .unwrap()
                    .query_pairs()
                    .into_owned()
                    .collect()
            })
            .collect()
    }
}

/// Starts a server whose `handler` gets each request's target and how
/// many times that same target was asked before.
pub fn serve(handler: impl Fn(&str, usize) -> Reply + Send + Sync + 'static) -> Fake {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let kept = log.clone();
    let handler = Arc::new(handler);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let log = kept.clone();
            let handler = handler.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(&stream);
                let mut request = String::new();
                let _ = reader.read_line(&mut request);
                // The rest of the head, so the client is not cut off.
                loop {
                    let mut line = String::new();
                    match reader.read_line(&mut line) {
                        Ok(0) | Err(_) => break,
                        Ok(_) if line.trim().is_empty() => break,
                        Ok(_) => {}
                    }
                }
                let target = request.split_whitespace().nth(1).unwrap_or("/").to_string();
                let before = {
                    let mut log = log.lock().unwrap();
                    let n = log.iter().filter(|t| **t == target).count();
                    log.push(target.clone());
                    n
                };
                let reply = handler(&target, before);
                if let Some(d) = reply.delay {
                    std::thread::sleep(d);
                }
                let mut head = format!("HTTP/1.1 {}\r\n", reply.status);
                for (k, v) in &reply.headers {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                let _ = write!(
                    stream,
                    "{head}Content-Length: {}\r\nConnection: close\r\n\r\n{}",
                    reply.body.len(),
                    reply.body
                );
            });
        }
    });
    Fake { base, log }
}
