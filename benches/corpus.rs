//! Synthetic digests for benchmarks: N papers in sheaf's own format, with
//! the variety real ones have (1–2 KB abstracts, 1–8 authors, themes picked
//! by keywords, tags, notes with lists, tables and, in every fifth entry,
//! fenced code). Deterministic: the same N gives the same digest.

use std::path::Path;

#[path = "../tests/common/mod.rs"]
mod common;
use common::copy_dir;

const WORDS: &[&str] = &[
    "model",
    "training",
    "efficient",
    "language",
    "reasoning",
    "diffusion",
    "sparse",
    "attention",
    "benchmark",
    "dataset",
    "transformer",
    "gradient",
    "policy",
    "reward",
    "quantization",
    "pruning",
    "distillation",
    "retrieval",
    "graph",
    "vision",
    "robust",
    "adversarial",
    "scaling",
    "tokens",
    "inference",
    "latency",
    "memory",
    "parallel",
    "optimizer",
    "schedule",
    "curriculum",
    "agents",
    "embedding",
    "contrastive",
    "alignment",
    "preference",
    "synthetic",
    "evaluation",
    "uncertainty",
    "calibration",
    "generalization",
    "compression",
    "kernel",
    "hardware",
    "throughput",
    "accuracy",
];

const TOPICS: &[&str] = &[
    "reinforcement learning",
    "gaussian splatting",
    "mixture-of-experts",
    "knowledge distillation",
    "data selection",
    "time series",
    "low-rank adaptation",
    "test-time compute",
    "speech recognition",
    "protein design",
    "question answering",
    "neural architecture search",
];

const TAGS: &[&str] = &[
    "llm",
    "benchmark",
    "dataset",
    "open-source",
    "survey",
    "real-time",
    "theory",
    "systems",
];

/// A small, fast, deterministic generator (xorshift), so benchmarks need
/// no extra crates and give the same digest every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Writes an N-paper digest into `dir` (config, bundled theme, entries).
pub fn generate(dir: &Path, papers: usize) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(repo.join("site-config.yaml"), dir.join("site-config.yaml")).unwrap();
    copy_dir(&repo.join("themes"), &dir.join("themes"));
    let out = dir.join("content/papers");
    std::fs::create_dir_all(&out).unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for i in 0..papers {
        std::fs::write(out.join(format!("paper-{i:06}.md")), entry(&mut rng, i)).unwrap();
    }
}

/// The text of paper `i`.
fn entry(rng: &mut Rng, i: usize) -> String {
    let topic = rng.pick(TOPICS);
    let title = format!(
        "{} {} for {} with {} {}",
        capitalise(rng.pick(WORDS)),
        rng.pick(WORDS),
        topic,
        rng.pick(WORDS),
        i
    );
    let authors: Vec<String> = (0..1 + rng.below(8))
        .map(|a| {
            format!(
                "\"Author {} {}\"",
                (b'A' + (a as u8 % 26)) as char,
                rng.below(1000)
            )
        })
        .collect();
    let mut abstract_text = format!("We study {topic}.");
    let target = 1000 + rng.below(1000);
    while abstract_text.len() < target {
        abstract_text.push(' ');
        abstract_text.push_str(&sentence(rng));
    }
    let tags: Vec<&str> = (0..1 + rng.below(3)).map(|_| rng.pick(TAGS)).collect();
    let mut notes = format!(
        "## Why it matters\n\n{}\n\n- {}\n- {}\n\n| metric | value |\n|---|---|\n| accuracy | {}% |\n",
        sentence(rng),
        sentence(rng),
        sentence(rng),
        rng.below(100)
    );
    if i % 5 == 0 {
        notes.push_str("\n```python\ndef step(model, batch):\n    loss = model(batch).mean()\n    loss.backward()\n    return loss.item()\n```\n");
    }
    format!(
        "---\ntitle: \"{title}\"\ndate: 2025-{:02}-{:02}\nauthors: [{}]\ntags: [{}]\nabstract: |\n  {abstract_text}\n---\n{notes}",
        1 + i % 12,
        1 + i % 28,
        authors.join(", "),
        tags.join(", "),
    )
}

fn sentence(rng: &mut Rng) -> String {
    let n = 8 + rng.below(12);
    let words: Vec<&str> = (0..n).map(|_| rng.pick(WORDS)).collect();
    format!("{}.", capitalise(&words.join(" ")))
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
