//! A build killed at any moment leaves the output all old or all new.
//!
//! A generated digest is built, then rebuilt after an edit that changes
//! every page (the site's title), and the rebuild is killed (SIGKILL) at a
//! random moment, again and again. After each kill the output folder must
//! hold exactly the files of one of the two builds. The one state that is
//! neither, by design, is no output folder at all, while a commit is under
//! way: then the next build must finish that commit (see ARCHITECTURE.md,
//! "The output switch").

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Enough pages that a debug build takes about a second; override with
/// SHEAF_KILL_PAPERS.
const PAPERS: usize = 600;
const TRIALS: usize = 20;

/// Every file under `dir`, with a hash of its bytes; `None` when `dir` is
/// missing.
fn tree(dir: &Path) -> Option<BTreeMap<String, u128>> {
    if !dir.exists() {
        return None;
    }
    let mut files = BTreeMap::new();
    for item in walkdir::WalkDir::new(dir).follow_root_links(true) {
        let item = item.unwrap();
        if item.file_type().is_file() {
            let rel = item.path().strip_prefix(dir).unwrap();
            let bytes = std::fs::read(item.path()).unwrap();
            files.insert(
                rel.to_string_lossy().into_owned(),
                xxhash_rust::xxh3::xxh3_128(&bytes),
            );
        }
    }
    Some(files)
}

fn sheaf(root: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sheaf"));
    command
        .arg("--root")
        .arg(root)
        .arg("build")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// Writes the config with the site's title `title`.
fn retitle(root: &Path, config: &str, title: &str) {
    let text = config.replacen("title:", &format!("title: {title} #"), 1);
    std::fs::write(root.join("site-config.yaml"), text).unwrap();
}

/// A small random number generator (the test's only randomness), seeded
/// from the clock and printed, so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

#[test]
fn a_killed_rebuild_leaves_the_old_site_or_the_new() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    let config = generate(&root);
    killed_rebuilds(&root, &|target| {
        retitle(&root, &config, ["Old digest", "New digest"][target])
    });
}

#[test]
fn a_killed_incremental_rebuild_leaves_the_old_site_or_the_new() {
    // One entry's notes change: the rebuild renders a few pages and keeps
    // the other files where they are.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    generate(&root);
    let entry = std::fs::read_dir(root.join("content/papers"))
        .unwrap()
        .map(|i| i.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "md"))
        .unwrap();
    let text = std::fs::read_to_string(&entry).unwrap();
    let texts = [text.clone(), text + "\nA sentence added to the notes.\n"];
    let write = |target: usize| std::fs::write(&entry, &texts[target]).unwrap();
    write(0);
    assert!(sheaf(&root).status().unwrap().success());
    write(1);
    let shown = sheaf(&root).stdout(Stdio::piped()).output().unwrap();
    let shown = String::from_utf8_lossy(&shown.stdout).into_owned();
    let (pages, rendered) = counts(&shown);
    assert!(
        0 < rendered && rendered * 10 < pages,
        "not incremental: {shown}"
    );
    killed_rebuilds(&root, &write);
}

/// A generated digest at `root`; returns its config.
fn generate(root: &Path) -> String {
    let papers = std::env::var("SHEAF_KILL_PAPERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(PAPERS);
    crate::corpus::generate(root, papers);
    std::fs::read_to_string(root.join("site-config.yaml")).unwrap()
}

/// The pages and pages rendered that `sheaf build` printed.
fn counts(shown: &str) -> (usize, usize) {
    let number = |before: &str| -> usize {
        let head = shown.split(before).next().unwrap_or_default();
        let digits: String = head
            .chars()
            .rev()
            .skip_while(|c| !c.is_ascii_digit())
            .take_while(char::is_ascii_digit)
            .collect();
        digits
            .chars()
            .rev()
            .collect::<String>()
            .parse()
            .unwrap_or(0)
    };
    (number(" pages ("), number(" rendered)"))
}

/// Rebuilds `root` between the two sites `edit(0)` and `edit(1)` make, killing each
/// rebuild at a random moment, and checks what it leaves.
fn killed_rebuilds(root: &Path, edit: &dyn Fn(usize)) {
    let out = root.join("public");
    let staging = root.join(".public.sheaf-staging");

    // The two sites, and how long a rebuild from one to the other takes.
    let mut trees = Vec::new();
    let mut took = Duration::ZERO;
    for target in 0..2 {
        edit(target);
        let start = Instant::now();
        assert!(sheaf(root).status().unwrap().success());
        took = start.elapsed();
        trees.push(tree(&out).unwrap());
    }
    assert_ne!(trees[0], trees[1]);
    let mut now = 1; // the output holds trees[now]

    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    eprintln!("seed {seed}, a rebuild takes {} ms", took.as_millis());
    let mut rng = Rng(seed);
    let mut seen = [0usize; 3]; // old, new, a commit under way
    for trial in 0..TRIALS {
        let target = 1 - now;
        edit(target);
        let mut child = sheaf(root).spawn().unwrap();
        // From rendering (pages being staged) to a little past the usual
        // end; before that the build has only read its inputs.
        let ms = took.as_millis() as u64;
        let wait = ms * 3 / 10 + rng.below(ms + 1);
        std::thread::sleep(Duration::from_millis(wait));
        let _ = child.kill(); // SIGKILL
        child.wait().unwrap();
        assert!(
            !out.join(".sheaf-staging").exists(),
            "trial {trial}: staging inside the published folder"
        );
        match tree(&out) {
            Some(t) if t == trees[now] => seen[0] += 1,
            Some(t) if t == trees[target] => {
                seen[1] += 1;
                now = target;
            }
            Some(t) => {
                let differ = t
                    .iter()
                    .filter(|(p, h)| trees[now].get(*p) != Some(*h))
                    .count();
                panic!("trial {trial} (seed {seed}, killed after {wait} ms): a mixed site, {differ} files differ from the old");
            }
            None => {
                // Killed while the output was hidden for its switch: the
                // commit is there to finish, and the next build does.
                assert!(
                    staging.join("site").exists(),
                    "trial {trial}: no output and no commit"
                );
                seen[2] += 1;
                assert!(sheaf(root).status().unwrap().success());
                assert!(
                    tree(&out).as_ref() == Some(&trees[target]),
                    "trial {trial}: not rolled forward"
                );
                now = target;
            }
        }
    }
    eprintln!(
        "{} kills left the old site, {} the new, {} a commit to finish",
        seen[0], seen[1], seen[2]
    );
    // The last build's leftovers go with the next one.
    assert!(sheaf(root).status().unwrap().success());
    assert!(!staging.exists());
}
