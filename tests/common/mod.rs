//! Shared helpers for integration tests: sites in temporary folders.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sheaf::site::{build, BuildOptions, BuildReport};

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

/// The BibTeX entry a paper page shows (its Cite block), as text: a paper
/// has no `.bib` file of its own.
#[allow(dead_code)] // not every test binary cites
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
