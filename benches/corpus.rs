//! Synthetic digests for benchmarks: N papers in sheaf's own format, with
//! the variety real ones have (1–2 KB abstracts, 1–8 authors, themes picked
//! by keywords or named in front matter, tags, verdicts and reading status,
//! notes with lists, tables, quotes and, in every fifth entry, fenced code).
//! Deterministic: the same N gives the same digest, and paper `i` is the
//! same in every digest that has it.
//!
//! Used by `benches/edit_latency.rs`, `benches/hot_paths.rs` and
//! `examples/gen_corpus.rs`, which can also write the same papers as a Hugo
//! site (see [`hugo_page`]) or a Zola site ([`zola_page`]) for
//! `scripts/bench.sh --hugo --zola`.
#![allow(unreachable_pub)] // also compiled as a bench crate of its own
#![allow(dead_code)] // each including target uses a different part

use std::fmt::Write as _;
use std::path::Path;

/// Copies a folder tree (tests and benchmarks start sites from the repository's).
pub fn copy_dir(from: &Path, to: &Path) {
    for item in walkdir::WalkDir::new(from) {
        let item = item.unwrap();
        let target = to.join(item.path().strip_prefix(from).unwrap());
        if item.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(item.path(), &target).unwrap();
        }
    }
}

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

/// What a paper is about. Most match one of the bundled config's theme
/// keyword rules; the last few match none, so the catch-all gets papers.
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
    "distributed training",
    "scaling laws",
    "KV cache",
    "text-to-image",
    "certified robustness",
    "federated learning",
    "causal discovery",
    "graph neural networks",
];

/// The glue of English prose: frequent in every abstract.
const STOPWORDS: &[&str] = &[
    "the", "of", "and", "a", "to", "in", "we", "is", "that", "for", "on", "with", "as", "by",
    "this", "our", "are", "from", "an", "which", "it", "be", "can", "both", "while", "than",
];

/// Syllables of the long tail of an abstract's vocabulary: words made of
/// two to four of them, thousands in all, picked with a Zipf-like skew.
const SYLLABLES: &[&str] = &[
    "al", "ba", "cor", "de", "en", "fi", "gra", "hy", "in", "jec", "ki", "lu", "mo", "na", "or",
    "pe", "qua", "ri", "sta", "ter", "u", "vi", "wen", "xo", "yl", "zer", "tion", "ment", "ic",
    "ous",
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

/// Theme ids of the bundled `site-config.yaml`, which every generated
/// digest uses; a quarter of the papers name one or two of them in front
/// matter, the rest are sorted by the config's keyword rules.
const THEME_IDS: &[&str] = &[
    "llm-reasoning",
    "reinforcement-learning",
    "distributed-training",
    "efficient-finetuning",
    "data-selection",
    "pretraining-scaling",
    "compression",
    "architectures",
    "vision-3d",
    "generative-media",
    "robustness",
    "efficient-inference",
    "time-series",
    "applications",
    "retrieval-nlp",
];

const FIRST_NAMES: &[&str] = &[
    "Ada", "Bo", "Chen", "Dmitri", "Elena", "Farah", "Giulia", "Hiro", "Ines", "Jonas", "Kavya",
    "Luis", "Mei", "Noor", "Olu", "Priya", "Quentin", "Rosa", "Sven", "Tariq", "Uma", "Wei",
    "Yara", "Zoltán",
];

const LAST_NAMES: &[&str] = &[
    "Abara",
    "Baptiste",
    "Castro",
    "Dubois",
    "Eriksen",
    "Fujita",
    "García",
    "Horvat",
    "Iyer",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Müller",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quispe",
    "Rossi",
    "Singh",
    "Tanaka",
    "Ueda",
    "Varga",
    "Wang",
    "Zhang",
];

/// Code blocks in notes, in the languages curators paste most.
const CODE: &[(&str, &str)] = &[
    (
        "python",
        "def step(model, batch, optimizer):\n    loss = model(batch).mean()\n    loss.backward()\n    optimizer.step()\n    return loss.item()\n",
    ),
    (
        "rust",
        "fn top_k(scores: &[f32], k: usize) -> Vec<usize> {\n    let mut idx: Vec<usize> = (0..scores.len()).collect();\n    idx.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));\n    idx.truncate(k);\n    idx\n}\n",
    ),
    (
        "bash",
        "for seed in 1 2 3; do\n  python train.py --seed \"$seed\" --lr 3e-4 | tee \"log-$seed.txt\"\ndone\n",
    ),
    (
        "json",
        "{\n  \"lr\": 0.0003,\n  \"batch_size\": 256,\n  \"warmup_steps\": 2000,\n  \"schedule\": \"cosine\"\n}\n",
    ),
];

/// A small, fast, deterministic generator (xorshift), so benchmarks need
/// no extra crates and give the same digest every run.
struct Rng(u64);

impl Rng {
    /// A generator for paper `i` alone, so papers do not depend on the
    /// digest's size or on each other.
    fn for_paper(i: usize) -> Rng {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (i as u64).wrapping_mul(0xbf58_476d_1ce4_e5b9));
        rng.next();
        rng
    }
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
    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

/// One generated paper, before it is written in either format.
#[derive(Debug, Clone)]
pub struct Paper {
    /// The file name without `.md` (and the URL segment in both sites).
    pub slug: String,
    pub title: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub authors: Vec<String>,
    pub arxiv: Option<String>,
    pub tags: Vec<&'static str>,
    /// Front matter themes; `None` leaves them to the keyword rules.
    pub themes: Option<Vec<&'static str>>,
    pub verdict: Option<&'static str>,
    pub status: Option<&'static str>,
    pub featured: bool,
    pub abstract_md: String,
    pub notes_md: String,
}

/// Paper `i` of every digest.
pub fn paper(i: usize) -> Paper {
    let rng = &mut Rng::for_paper(i);
    let topic = rng.pick(TOPICS);
    // A few domain words the paper keeps coming back to, so its keyword
    // themes are one to three, as in real digests, not all of them.
    let focus: Vec<&str> = (0..3).map(|_| rng.pick(WORDS)).collect();
    let title = format!(
        "{} {} for {} with {} {}",
        capitalise(focus[0]),
        focus[1],
        topic,
        rng.pick(WORDS),
        i
    );
    // Three years of months, so the archive has 36 lists.
    let (year, month, day) = (2023 + (i / 12) % 3, 1 + i % 12, 1 + i % 28);
    let authors = (0..1 + rng.below(8))
        .map(|_| format!("{} {}", rng.pick(FIRST_NAMES), rng.pick(LAST_NAMES)))
        .collect();
    // Unique per paper: 5 digits after the dot hold 100,000 papers a month.
    let arxiv =
        (!rng.chance(10)).then(|| format!("{:02}{month:02}.{:05}", year % 100, i % 100_000));

    let mut abstract_md = format!("We study {topic}.");
    let target = 1000 + rng.below(1000);
    while abstract_md.len() < target {
        abstract_md.push(' ');
        match rng.below(12) {
            0 => abstract_md.push_str("Our method runs in $O(n \\log n)$ time."),
            1 => {
                let _ = write!(abstract_md, "We call it *{}*.", capitalise(&rare_word(rng)));
            }
            2 => abstract_md.push_str("Code is at https://github.com/example/repo."),
            3 => {
                let _ = write!(
                    abstract_md,
                    "Unlike prior work on {topic}, {}",
                    prose(rng, &focus)
                );
            }
            _ => abstract_md.push_str(&capitalise(&prose(rng, &focus))),
        }
    }

    let mut tags: Vec<&str> = Vec::new();
    for _ in 0..1 + rng.below(3) {
        let t = rng.pick(TAGS);
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    let themes = rng.chance(4).then(|| {
        let first = rng.pick(THEME_IDS);
        let second = rng.pick(THEME_IDS);
        if first == second || rng.chance(2) {
            vec![first]
        } else {
            vec![first, second]
        }
    });
    let verdict = rng
        .chance(3)
        .then(|| rng.pick(&["must-read", "worth-a-skim", "skip"]));
    let status = rng
        .chance(4)
        .then(|| rng.pick(&["to-read", "reading", "read"]));
    let featured = i % 500 == 7;

    Paper {
        slug: format!("paper-{i:06}"),
        title,
        date: format!("{year}-{month:02}-{day:02}"),
        authors,
        arxiv,
        tags,
        themes,
        verdict,
        status,
        featured,
        abstract_md,
        notes_md: notes(rng, i),
    }
}

/// The curator's notes: none in one paper of ten, else a heading, prose,
/// lists, a table, sometimes a quote, and code in every fifth paper.
fn notes(rng: &mut Rng, i: usize) -> String {
    if i % 10 == 9 {
        return String::new();
    }
    let mut notes = format!(
        "## Why it matters\n\n{} See also [the related entry](@/papers/paper-{:06}.md) and [the project page](https://example.org/p/{i}).\n\n- {}\n- {}\n  - {}\n  - {}\n- {}\n\n| metric | baseline | this paper |\n|---|---:|---:|\n| accuracy | {}.{}% | **{}.{}%** |\n| tokens/s | {} | {} |\n| memory (GB) | {} | {} |\n",
        sentence(rng),
        // Links point backwards, so every target exists in every digest.
        i / 2,
        sentence(rng),
        sentence(rng),
        sentence(rng),
        sentence(rng),
        sentence(rng),
        50 + rng.below(40),
        rng.below(10),
        60 + rng.below(40),
        rng.below(10),
        100 + rng.below(900),
        100 + rng.below(2000),
        1 + rng.below(80),
        1 + rng.below(80),
    );
    if rng.chance(3) {
        let _ = write!(
            notes,
            "\n> {}\n\n1. {}\n2. {}\n3. {}\n",
            sentence(rng),
            sentence(rng),
            sentence(rng),
            sentence(rng)
        );
    }
    if i.is_multiple_of(5) {
        let (lang, code) = CODE[(i / 5) % CODE.len()];
        let _ = write!(notes, "\n## How to try it\n\n```{lang}\n{code}```\n");
    }
    if rng.chance(4) {
        let _ = write!(
            notes,
            "\n## Open questions\n\n{} {}\n",
            sentence(rng),
            sentence(rng)
        );
    }
    notes
}

fn quoted(items: &[impl AsRef<str>]) -> String {
    let items: Vec<String> = items
        .iter()
        .map(|s| format!("\"{}\"", s.as_ref()))
        .collect();
    format!("[{}]", items.join(", "))
}

impl Paper {
    /// The entry file in sheaf's format.
    pub fn sheaf_entry(&self) -> String {
        let mut s = format!(
            "---\ntitle: \"{}\"\ndate: {}\nauthors: {}\n",
            self.title,
            self.date,
            quoted(&self.authors)
        );
        if let Some(id) = &self.arxiv {
            let _ = writeln!(s, "arxiv: \"{id}\"");
        }
        if let Some(themes) = &self.themes {
            let _ = writeln!(s, "themes: {}", quoted(themes));
        }
        let _ = writeln!(s, "tags: {}", quoted(&self.tags));
        if let Some(v) = self.verdict {
            let _ = writeln!(s, "verdict: {v}");
        }
        if let Some(st) = self.status {
            let _ = writeln!(s, "status: {st}");
        }
        if self.featured {
            s.push_str("featured: true\n");
        }
        let _ = write!(
            s,
            "abstract: |\n  {}\n---\n{}",
            self.abstract_md, self.notes_md
        );
        s
    }

    /// The same paper as a Hugo page. `themes` are the theme ids sheaf
    /// gives it (front matter, else keyword rules, else the catch-all),
    /// which the generator works out with sheaf's own config. The abstract
    /// and the notes make the body; the `@/` links sheaf resolves become
    /// plain site paths.
    pub fn hugo_page(&self, themes: &[String]) -> String {
        let mut s = format!(
            "---\ntitle: \"{}\"\ndate: {}\nauthors: {}\nthemes: {}\ntags: {}\narchive: [\"{}\"]\n",
            self.title,
            self.date,
            quoted(&self.authors),
            quoted(themes),
            quoted(&self.tags),
            &self.date[..7],
        );
        if let Some(id) = &self.arxiv {
            let _ = writeln!(s, "arxiv: \"{id}\"");
        }
        if let Some(v) = self.verdict {
            let _ = writeln!(s, "verdict: [\"{v}\"]");
        }
        if let Some(st) = self.status {
            let _ = writeln!(s, "status: [\"{st}\"]");
        }
        if self.featured {
            s.push_str("featured: true\n");
        }
        let notes = self
            .notes_md
            .replace("(@/papers/", "(/papers/")
            .replace(".md)", "/)");
        let _ = write!(s, "---\n{}\n\n{}", self.abstract_md, notes);
        s
    }

    /// The same paper as a Zola page (YAML front matter, which Zola reads
    /// too): taxonomies as Hugo has them, the rest under `extra`. Zola
    /// resolves the `@/papers/…` links of the notes itself, as sheaf does.
    pub fn zola_page(&self, themes: &[String]) -> String {
        let mut s = format!(
            "---\ntitle: \"{}\"\ndate: {}\ntaxonomies:\n  themes: {}\n  tags: {}\n  archive: [\"{}\"]\n",
            self.title,
            self.date,
            quoted(themes),
            quoted(&self.tags),
            &self.date[..7],
        );
        if let Some(v) = self.verdict {
            let _ = writeln!(s, "  verdict: [\"{v}\"]");
        }
        if let Some(st) = self.status {
            let _ = writeln!(s, "  status: [\"{st}\"]");
        }
        let _ = writeln!(s, "extra:\n  authors: {}", quoted(&self.authors));
        if let Some(id) = &self.arxiv {
            let _ = writeln!(s, "  arxiv: \"{id}\"");
        }
        if self.featured {
            s.push_str("  featured: true\n");
        }
        // The abstract is the page's summary (Zola's `<!-- more -->`),
        // which the cards show, as Hugo's show its `.Summary`.
        let _ = write!(
            s,
            "---\n{}\n\n<!-- more -->\n\n{}",
            self.abstract_md, self.notes_md
        );
        s
    }
}

/// Copies the bundled config and visual theme into `dir`, making a sheaf
/// site root with no entries yet.
pub fn write_site(dir: &Path) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(dir).unwrap();
    std::fs::copy(repo.join("site-config.yaml"), dir.join("site-config.yaml")).unwrap();
    copy_dir(&repo.join("themes"), &dir.join("themes"));
    std::fs::create_dir_all(dir.join("content/papers")).unwrap();
}

/// Writes an N-paper digest into `dir` (config, bundled theme, entries).
pub fn generate(dir: &Path, papers: usize) {
    write_site(dir);
    let out = dir.join("content/papers");
    for i in 0..papers {
        let p = paper(i);
        std::fs::write(out.join(format!("{}.md", p.slug)), p.sheaf_entry()).unwrap();
    }
}

/// A sentence of the notes: prose with no particular focus.
fn sentence(rng: &mut Rng) -> String {
    capitalise(&prose(rng, &[]))
}

/// A sentence: mostly stop words and the long tail, some domain words
/// (from `focus` when given), ending in a full stop.
fn prose(rng: &mut Rng, focus: &[&str]) -> String {
    let n = 8 + rng.below(16);
    let mut words = Vec::with_capacity(n);
    for _ in 0..n {
        let word = match rng.below(20) {
            0..=7 => rng.pick(STOPWORDS).to_string(),
            8 | 9 if !focus.is_empty() => rng.pick(focus).to_string(),
            8 | 9 => rng.pick(WORDS).to_string(),
            _ => rare_word(rng),
        };
        words.push(word);
    }
    format!("{}.", words.join(" "))
}

/// A word of the long tail: word `k` of a made-up vocabulary of about
/// 27,000, with `k` log-uniform so a few words are common and most rare
/// (roughly Zipf's law, as in real text).
fn rare_word(rng: &mut Rng) -> String {
    const VOCABULARY: f64 = 27_000.0;
    let u = (rng.next() % 1_000_000) as f64 / 1_000_000.0;
    let mut k = VOCABULARY.powf(u) as usize;
    // `k` in base 30, a syllable a digit, at least two.
    let mut word = String::new();
    while k > 0 || word.len() < 3 {
        word.push_str(SYLLABLES[k % SYLLABLES.len()]);
        k /= SYLLABLES.len();
    }
    word
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
