//! Shared helpers for integration tests: sites in temporary folders.
#![allow(dead_code)]

pub mod browser;
pub mod hostile;
pub mod static_server;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sheaf::build::{build, BuildOptions, BuildReport};

pub const REPO: &str = env!("CARGO_MANIFEST_DIR");

/// A copy of the bundled digest (config, content, theme) in a temporary
/// folder, so tests can edit it freely.
pub struct TestSite {
    pub dir: tempfile::TempDir,
}

impl TestSite {
    pub fn bundled() -> TestSite {
        let dir = tempfile::tempdir().unwrap();
        let repo = Path::new(REPO);
        std::fs::copy(
            repo.join("site-config.yaml"),
            dir.path().join("site-config.yaml"),
        )
        .unwrap();
        copy_dir(&repo.join("content"), &dir.path().join("content"));
        copy_dir(&repo.join("themes"), &dir.path().join("themes"));
        TestSite { dir }
    }

    /// The bundled config and theme with no papers but the given files.
    pub fn with_papers(files: &[(&str, &str)]) -> TestSite {
        let site = TestSite::bundled();
        std::fs::remove_dir_all(site.papers()).unwrap();
        std::fs::create_dir_all(site.papers()).unwrap();
        for (name, text) in files {
            site.write_paper(name, text);
        }
        site
    }

    /// [`TestSite::with_papers`] for generated files.
    pub fn with_owned_papers(files: &[(String, String)]) -> TestSite {
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(name, text)| (name.as_str(), text.as_str()))
            .collect();
        TestSite::with_papers(&refs)
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn papers(&self) -> PathBuf {
        self.root().join("content/papers")
    }

    pub fn out(&self) -> PathBuf {
        self.root().join("public")
    }

    pub fn write_paper(&self, name: &str, text: &str) {
        std::fs::write(self.papers().join(name), text).unwrap();
    }

    pub fn build(&self) -> sheaf::Result<BuildReport> {
        build(self.root(), &BuildOptions::default())
    }

    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.out().join(path))
            .unwrap_or_else(|e| panic!("reading {path}: {e}"))
    }
}

pub use crate::corpus::copy_dir;

/// A minimal valid entry.
pub fn entry(title: &str, extra: &str) -> String {
    format!("---\ntitle: {title:?}\ndate: 2025-05-07\n{extra}abstract: |\n  An abstract about gaussian splatting.\n---\nNotes.\n")
}

/// The error text of a failed build.
pub fn build_error(site: &TestSite) -> String {
    match site.build() {
        Ok(_) => panic!("the build should have failed"),
        Err(e) => e.to_string(),
    }
}

/// Every file under `dir`, by `/`-separated relative path, with its bytes.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap();
            let rel = rel.to_string_lossy().replace('\\', "/");
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// Every output a session holds, by path.
pub fn session_outputs(session: &sheaf::build::Session) -> BTreeMap<String, Vec<u8>> {
    session
        .outputs()
        .iter()
        .map(|(path, o)| (path.clone(), o.bytes.to_vec()))
        .collect()
}

/// The paths whose bytes differ between two sets of outputs, or that
/// only one has.
pub fn differing(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    let paths: std::collections::BTreeSet<&String> = a
        .keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .collect();
    paths.into_iter().cloned().collect()
}

/// An arXiv API `<entry>`.
pub fn atom_entry(
    id: &str,
    title: &str,
    summary: &str,
    authors: &[&str],
    published: &str,
) -> String {
    let authors: String = authors
        .iter()
        .map(|a| format!("<author><name>{a}</name></author>"))
        .collect();
    format!(
        r#"<entry>
    <id>http://arxiv.org/abs/{id}</id>
    <updated>{published}T17:37:50Z</updated>
    <published>{published}T17:37:50Z</published>
    <title>{title}</title>
    <summary>  {summary}
</summary>
    {authors}
    <link href="http://arxiv.org/abs/{id}" rel="alternate" type="text/html"/>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="stat.ML" scheme="http://arxiv.org/schemas/atom"/>
    <category term="stat.ML" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
  </entry>"#
    )
}

/// An arXiv API answer holding `entries`, all there is.
pub fn feed(entries: &[String]) -> String {
    feed_page(entries.len(), 0, entries)
}

/// One page of an arXiv API answer: `entries` from `start` of `total`.
pub fn feed_page(total: usize, start: usize, entries: &[String]) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:opensearch=\"http://a9.com/-/spec/opensearch/1.1/\" xmlns:arxiv=\"http://arxiv.org/schemas/atom\">\n  <title type=\"html\">ArXiv Query</title>\n  <id>http://arxiv.org/api/recorded</id>\n  <opensearch:totalResults>{total}</opensearch:totalResults>\n  <opensearch:startIndex>{start}</opensearch:startIndex>\n  <opensearch:itemsPerPage>{}</opensearch:itemsPerPage>\n  {}\n</feed>\n",
        entries.len(),
        entries.join("\n  ")
    )
}

/// A curator's first pass over an entry an import wrote (dated
/// 2025-05-07): `fields` (front matter lines) added after its `date`, and
/// its tags replaced by `[first]`. Returns the text written.
pub fn curate_imported(path: &Path, fields: &str) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let curated = text
        .lines()
        .filter(|l| !l.starts_with("tags:"))
        .map(|l| format!("{l}\n"))
        .collect::<String>()
        .replacen(
            "date: 2025-05-07\n",
            &format!("date: 2025-05-07\n{fields}tags: [first]\n"),
            1,
        );
    std::fs::write(path, &curated).unwrap();
    curated
}

/// An edit of any file: the first `from` in it made `to` (which must be
/// there, or the test would check nothing).
pub fn edit_file(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} has no {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// A curator's edit: the notes of the entry at `path` replaced.
pub fn edit_notes(path: &Path, notes: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    let head_end = text[4..].find("\n---\n").unwrap() + 4 + 5;
    std::fs::write(path, format!("{}{notes}", &text[..head_end])).unwrap();
}

/// A curator's edit: `tag` added to the entry's `tags` (which are
/// `tags` before the edit).
pub fn add_tag(path: &Path, tags: &mut Vec<String>, tag: String) {
    let text = std::fs::read_to_string(path).unwrap();
    let old = format!("tags: [{}]", tags.join(", "));
    tags.push(tag);
    let new = format!("tags: [{}]", tags.join(", "));
    std::fs::write(path, text.replacen(&old, &new, 1)).unwrap();
}

/// The BibTeX entry a paper page shows (its Cite block), as text: a paper
/// has no `.bib` file of its own.
pub fn page_bibtex(page: &str) -> String {
    const OPEN: &str = "<pre class=\"bibtex\" id=\"bibtex\"><code>";
    let start = page.find(OPEN).expect("no BibTeX block on the page") + OPEN.len();
    let end = start
        + page[start..]
            .find("</code></pre>")
            .expect("BibTeX block ends");
    page[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}
