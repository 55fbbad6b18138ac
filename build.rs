//! Names the commit a release build of `sheaf` came from, for `--version`.
//!
//! Only `src/main.rs` reads what this writes (`$OUT_DIR/commit.txt`, empty
//! when unknown): the library, and so `site.generator` and every output
//! file, never see it, and builds stay byte for byte the same.
//!
//! Only release builds look: watching `.git` makes every commit rebuild the
//! crate, a cost a debug build's edit-test loop should not pay. Without git
//! (a crates.io download, a tarball) it degrades silently to no commit.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let release = std::env::var("PROFILE").is_ok_and(|p| p == "release");
    let commit = if release { commit() } else { None };
    std::fs::write(out.join("commit.txt"), commit.unwrap_or_default())
        .expect("writing OUT_DIR/commit.txt");
}

fn commit() -> Option<String> {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?);
    // `cargo package` records the commit it packaged from.
    let vcs_info = manifest.join(".cargo_vcs_info.json");
    if let Ok(text) = std::fs::read_to_string(&vcs_info) {
        println!("cargo:rerun-if-changed={}", vcs_info.display());
        return sha1_in(&text).map(short);
    }
    // Only a checkout of this crate, not some repository around it.
    let top = git(&manifest, &["rev-parse", "--show-toplevel"])?;
    if std::fs::canonicalize(&top).ok()? != std::fs::canonicalize(&manifest).ok()? {
        return None;
    }
    let head = git(&manifest, &["rev-parse", "--verify", "HEAD"])?;
    // Rebuild when HEAD moves: the files that say where it points.
    for file in ["HEAD", "packed-refs"] {
        watch(&manifest, file);
    }
    if let Some(branch) = git(&manifest, &["symbolic-ref", "-q", "HEAD"]) {
        watch(&manifest, &branch);
    }
    Some(short(&head))
}

/// The commit in `.cargo_vcs_info.json` (`"sha1": "…"`), without a JSON
/// parser: a build script's dependencies are built for every build.
fn sha1_in(json: &str) -> Option<&str> {
    let after = &json[json.find("\"sha1\"")? + 6..];
    let start = after.find('"')? + 1;
    let len = after[start..].find('"')?;
    let sha = &after[start..start + len];
    sha.bytes().all(|b| b.is_ascii_hexdigit()).then_some(sha)
}

fn short(sha: &str) -> String {
    sha.chars().take(12).collect()
}

fn watch(manifest: &Path, git_file: &str) {
    if let Some(path) = git(manifest, &["rev-parse", "--git-path", git_file]) {
        let path = manifest.join(path);
        // A missing file would make cargo rerun this on every build.
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (out.status.success() && !text.is_empty()).then(|| text.to_string())
}
