//! How long from saving one entry to the reload event reaching a page, in
//! `sheaf serve` on a generated digest (default 10,000 papers; set
//! SHEAF_BENCH_PAPERS). Run with `cargo bench --bench edit_latency`.
//!
//! It measures what a curator feels: the file is written, the watcher
//! notices, the session rebuilds what depends on the entry, and the event
//! arrives over HTTP at a client subscribed to /__sheaf/events. Also
//! reported: the rebuild alone (`Session::apply`), the rebuild after a
//! template edit and a full build.
// A test or bench crate: nothing is reachable from outside, so the
// library's `unreachable_pub` rule does not apply.
#![allow(unreachable_pub)]

mod corpus;

use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

use sheaf::build::{BuildOptions, Session};
use sheaf::front::serve::{start, ServeOptions};

const RUNS: usize = 15;

fn main() {
    let papers: usize = std::env::var("SHEAF_BENCH_PAPERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().unwrap();
    corpus::generate(dir.path(), papers);
    let entry = dir.path().join("content/papers/paper-000042.md");
    let original = std::fs::read_to_string(&entry).unwrap();

    // The rebuild alone, in process.
    let start_full = Instant::now();
    let mut session = Session::new(dir.path(), BuildOptions::default()).unwrap();
    let full = start_full.elapsed();
    let mut apply = Vec::new();
    for run in 0..RUNS {
        std::fs::write(&entry, format!("{original}\nEdit number {run}.\n")).unwrap();
        let t = Instant::now();
        let update = session.apply(std::slice::from_ref(&entry)).unwrap();
        apply.push(t.elapsed());
        assert!(!update.changed.is_empty());
    }
    std::fs::write(&entry, &original).unwrap();
    // A template save re-renders every page, in memory (the issue asks
    // that it take less than a full build).
    let template = dir.path().join("themes/default/templates/paper.html");
    let template_text = std::fs::read_to_string(&template).unwrap();
    let mut template_edit = Vec::new();
    for run in 0..3 {
        std::fs::write(&template, format!("{template_text}\n{{# edit {run} #}}\n")).unwrap();
        let t = Instant::now();
        session.apply(std::slice::from_ref(&template)).unwrap();
        template_edit.push(t.elapsed());
    }
    std::fs::write(&template, &template_text).unwrap();
    drop(session);

    // Save to event, over HTTP.
    let server = start(
        dir.path(),
        ServeOptions {
            bind: "127.0.0.1".parse().unwrap(),
            port: 0,
            drafts: false,
        },
    )
    .unwrap();
    let response = ureq::get(&format!("http://{}/__sheaf/events", server.addr))
        .call()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(response.into_body().into_reader()).lines() {
            match line {
                Ok(l) if l.starts_with("event: reload") => {
                    if tx.send(Instant::now()).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(_) => return,
            }
        }
    });
    std::thread::sleep(Duration::from_millis(300));
    let mut latency = Vec::new();
    for run in 0..RUNS {
        let saved = Instant::now();
        std::fs::write(&entry, format!("{original}\nServed edit number {run}.\n")).unwrap();
        let arrived = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("reload event");
        latency.push(arrived - saved);
        // Let the watcher settle so runs do not overlap.
        std::thread::sleep(Duration::from_millis(150));
        while rx.try_recv().is_ok() {}
    }

    println!(
        "digest: {papers} papers, {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("full build in memory: {} ms", full.as_millis());
    report("rebuild after one edit (Session::apply)", &mut apply);
    report(
        "rebuild after a template edit (Session::apply)",
        &mut template_edit,
    );
    report("save to reload event (serve, over HTTP)", &mut latency);
}

fn report(what: &str, times: &mut [Duration]) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{what}: median {:.1} ms, min {:.1} ms, max {:.1} ms ({} runs)",
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1]),
        times.len()
    );
}
