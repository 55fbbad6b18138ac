//! Shared helpers for integration tests: sites in temporary folders.
#![allow(dead_code)]

pub mod browser;
pub mod hostile;

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
