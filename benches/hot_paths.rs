//! criterion benches of the paths a build spends its time on, on papers
//! from the benchmark corpus (`benches/corpus.rs`):
//!
//! - one entry: front matter parsing, Markdown of an abstract and of notes
//!   with code, TeX cleaning of an imported abstract;
//! - a 1,000-paper digest, stage by stage (load, model, template values,
//!   page render) and whole (`Session::new`, in memory, no writing).
//!
//! `cargo bench --bench hot_paths` runs them all; add a filter to run some,
//! e.g. `cargo bench --bench hot_paths -- markdown`. Times are reported,
//! never asserted.
// A test or bench crate: nothing is reachable from outside, so the
// library's `unreachable_pub` rule does not apply.
#![allow(unreachable_pub)]

mod corpus;

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};

use sheaf::base::progress::Silent;
use sheaf::base::urls::Urls;
use sheaf::build::{load_config, BuildOptions, Session};
use sheaf::convert::markdown::{render, Source};
use sheaf::front::import::clean::clean;
use sheaf::input::content::parse_entry;
use sheaf::model::{ModelOptions, Site};
use sheaf::produce::render::{self as pages, Prepared, Renderer};

/// Paper 0 has code in its notes (every fifth paper does); paper 1 has
/// notes without code.
fn paper_with_code() -> corpus::Paper {
    let p = corpus::paper(0);
    assert!(p.notes_md.contains("```"), "paper 0 should have code");
    p
}

fn one_entry(c: &mut Criterion) {
    let paper = paper_with_code();
    let text = paper.sheaf_entry();
    let path = Path::new("content/papers/paper-000000.md");
    let urls = Urls::new("https://sheaf-digest.github.io/sheaf/").unwrap();
    let notes = Source::Notes {
        allow_raw_html: false,
    };
    // An abstract as arXiv sends it: TeX markup, accents, a URL.
    let tex = format!(
        "We propose \\emph{{Sheaf}}, a method with $\\mathcal{{O}}(n \\log n)$ cost \
         and up to 3$\\times$ speed-ups~\\cite{{x}}. Joint work with Gr\\\"obner and \
         Erd\\H{{o}}s. Code: \\url{{https://github.com/example/repo}}. {}",
        paper.abstract_md
    );

    c.bench_function("parse_entry", |b| {
        b.iter(|| parse_entry(black_box(path), black_box(&text)).unwrap())
    });
    c.bench_function("markdown/abstract", |b| {
        b.iter(|| render(black_box(&paper.abstract_md), Source::Abstract, &urls))
    });
    c.bench_function("markdown/notes_with_code", |b| {
        b.iter(|| render(black_box(&paper.notes_md), notes, &urls))
    });
    // The same kind of notes without code: the difference is highlighting.
    let plain = corpus::paper(1).notes_md;
    assert!(!plain.is_empty() && !plain.contains("```"));
    c.bench_function("markdown/notes_without_code", |b| {
        b.iter(|| render(black_box(&plain), notes, &urls))
    });
    c.bench_function("tex_clean/abstract", |b| {
        b.iter(|| clean(black_box(&tex)).markdown())
    });
}

fn digest(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    corpus::generate(dir.path(), 1000);
    let root = dir.path().canonicalize().unwrap();
    let options = BuildOptions::default();
    let config = load_config(&root, &options).unwrap();
    let inputs = sheaf::io::load::load(config.clone()).unwrap();
    let site = Site::build(&inputs, ModelOptions::default(), None, None).unwrap();
    let renderer = Renderer::new(&inputs.templates, &inputs.config).unwrap();
    let prepared = Prepared::new(&site, false);
    let jobs = pages::jobs(&site);

    let mut g = c.benchmark_group("digest_1000");
    // Each run takes tens to hundreds of milliseconds: few samples suffice.
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("load", |b| {
        b.iter(|| sheaf::io::load::load(config.clone()).unwrap())
    });
    // The index build: Markdown, theme matching, groupings.
    g.bench_function("model", |b| {
        b.iter(|| Site::build(&inputs, ModelOptions::default(), None, None).unwrap())
    });
    g.bench_function("prepare_values", |b| b.iter(|| Prepared::new(&site, false)));
    g.bench_function("render_pages", |b| {
        b.iter(|| pages::render(&site, &renderer, &prepared, &jobs, &Silent).unwrap())
    });
    // The search index: grouping every paper's terms into shards and
    // writing the files.
    g.bench_function("search_index", |b| {
        b.iter(|| sheaf::produce::search::Index::new(&site).outputs(&site))
    });
    g.bench_function("session_new", |b| {
        b.iter(|| Session::new(&root, BuildOptions::default()).unwrap())
    });
    g.finish();
}

criterion_group!(benches, one_entry, digest);
criterion_main!(benches);
