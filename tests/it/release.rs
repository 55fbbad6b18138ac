//! Release archives and the install step of the workflow `sheaf init`
//! writes: `scripts/package.sh` packs the current build, a server on
//! 127.0.0.1 plays GitHub's release downloads, and the step's own shell,
//! taken from the written YAML, installs from it.
#![cfg(unix)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex, OnceLock};

use sheaf::front::workflows::{archive_name, RUNNER_TARGETS, SUMS_FILE};

use crate::common::snapshot;

const REPO: &str = env!("CARGO_MANIFEST_DIR");
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The targets the release workflow builds.
const RELEASE_TARGETS: &[&str] = &[
    "x86_64-unknown-linux-musl",
    "aarch64-unknown-linux-musl",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
    "x86_64-pc-windows-msvc",
];

fn package(target: &str, binary: &Path, out: &Path) -> PathBuf {
    let output = Command::new("bash")
        .arg(Path::new(REPO).join("scripts/package.sh"))
        .args([target.as_ref(), binary.as_os_str(), out.as_os_str()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    PathBuf::from(String::from_utf8(output.stdout).unwrap().trim())
}

fn sums(out: &Path) -> String {
    let output = Command::new("bash")
        .arg(Path::new(REPO).join("scripts/package.sh"))
        .arg("sums")
        .arg(out)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    std::fs::read_to_string(out.join(SUMS_FILE)).unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A release of the current build for every runner target, packed once for
/// all the tests here: (folder, SHA256SUMS text).
fn release() -> &'static (PathBuf, String) {
    static RELEASE: OnceLock<(PathBuf, String)> = OnceLock::new();
    RELEASE.get_or_init(|| {
        // Under target/, replaced on each run: a static is never dropped,
        // so a temporary folder would be left behind.
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("release-test");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // The debug binary without its debug information, so packing and
        // unpacking take a second rather than ten; it runs the same.
        let binary = dir.join("sheaf-stripped");
        let stripped = Command::new("strip")
            .arg("-o")
            .arg(&binary)
            .arg(env!("CARGO_BIN_EXE_sheaf"))
            .status()
            .is_ok_and(|s| s.success());
        if !stripped {
            std::fs::copy(env!("CARGO_BIN_EXE_sheaf"), &binary).unwrap();
        }
        let out = dir.join("v".to_string() + VERSION);
        // The same build under every runner's name: the step picks by name.
        for target in RUNNER_TARGETS {
            package(target, &binary, &out);
        }
        let sums = sums(&out);
        (out, sums)
    })
}

/// What the server answers for a path.
#[derive(Clone)]
enum Answer {
    Bytes(Vec<u8>),
    /// Announces the whole length but sends only half, then hangs up.
    CutShort(Vec<u8>),
}

/// GitHub's release downloads on 127.0.0.1: `/vVERSION/FILE`.
struct Server {
    base: String,
    files: Arc<Mutex<BTreeMap<String, Answer>>>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let files: Arc<Mutex<BTreeMap<String, Answer>>> = Arc::default();
        let shared = files.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let files = shared.clone();
                std::thread::spawn(move || answer(stream, &files));
            }
        });
        Server { base, files }
    }

    fn put(&self, path: &str, answer: Answer) {
        self.files.lock().unwrap().insert(path.to_string(), answer);
    }

    fn remove(&self, path: &str) {
        self.files.lock().unwrap().remove(path);
    }

    /// Serves the packed release.
    fn with_release() -> Server {
        let server = Server::start();
        let (dir, _) = release();
        for file in std::fs::read_dir(dir).unwrap() {
            let file = file.unwrap();
            let name = file.file_name().to_string_lossy().to_string();
            let bytes = std::fs::read(file.path()).unwrap();
            server.put(&format!("/v{VERSION}/{name}"), Answer::Bytes(bytes));
        }
        server
    }
}

fn answer(stream: TcpStream, files: &Mutex<BTreeMap<String, Answer>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request = String::new();
    if reader.read_line(&mut request).is_err() {
        return;
    }
    // The headers, to the blank line.
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
        line.clear();
    }
    let path = request.split_whitespace().nth(1).unwrap_or("").to_string();
    let found = files.lock().unwrap().get(&path).cloned();
    let mut stream = stream;
    let _ = match found {
        None => stream.write_all(
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nNot Found",
        ),
        Some(Answer::Bytes(bytes)) => stream
            .write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    bytes.len()
                )
                .as_bytes(),
            )
            .and_then(|()| stream.write_all(&bytes)),
        Some(Answer::CutShort(bytes)) => stream
            .write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    bytes.len()
                )
                .as_bytes(),
            )
            .and_then(|()| stream.write_all(&bytes[..bytes.len() / 2])),
    };
}

fn sheaf(args: &[&str], release_base: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sheaf"))
        .args(args)
        .env("SHEAF_RELEASE_BASE", release_base)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// `sheaf init` in a new folder, fetching the checksums from `base`.
fn init(base: &str) -> (tempfile::TempDir, PathBuf, Output) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("digest");
    let out = sheaf(&["init", root.to_str().unwrap()], base);
    assert!(out.status.success(), "{}", text(&out));
    (tmp, root, out)
}

fn workflow(root: &Path) -> serde_yaml::Value {
    let text = std::fs::read_to_string(root.join(".github/workflows/pages.yml")).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

/// The shell of the step that installs sheaf, as the workflow has it.
fn install_step(root: &Path) -> String {
    let workflow = workflow(root);
    let step = workflow["jobs"]["build"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| s["id"].as_str() == Some("install-sheaf"))
        .expect("a step with id install-sheaf");
    assert_eq!(step["shell"].as_str(), Some("bash"));
    step["run"].as_str().unwrap().to_string()
}

/// A runner's environment for the step, in `dir`: a home, a temporary
/// folder, GITHUB_PATH, and a PATH holding only the tools a runner has
/// that the step uses (so no `gh` from this machine).
struct Runner {
    dir: tempfile::TempDir,
}

impl Runner {
    fn new() -> Runner {
        let dir = tempfile::tempdir().unwrap();
        let tools = dir.path().join("tools");
        std::fs::create_dir_all(&tools).unwrap();
        for tool in [
            "bash",
            "sh",
            "curl",
            "tar",
            "gzip",
            "sha256sum",
            "cut",
            "mktemp",
            "rm",
            "mv",
            "mkdir",
        ] {
            let found = Command::new("sh")
                .arg("-c")
                .arg(format!("command -v {tool}"))
                .output()
                .unwrap();
            let path = String::from_utf8(found.stdout).unwrap();
            assert!(found.status.success(), "the test needs {tool}");
            std::os::unix::fs::symlink(path.trim(), tools.join(tool)).unwrap();
        }
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        std::fs::create_dir_all(dir.path().join("temp")).unwrap();
        Runner { dir }
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn installed(&self) -> PathBuf {
        self.home().join(".sheaf/bin/sheaf")
    }

    fn cached(&self) -> PathBuf {
        self.home()
            .join(".cache/sheaf-release")
            .join(archive_name(VERSION, host_target()))
    }

    fn github_path(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("github_path")).unwrap_or_default()
    }

    /// Runs `script` as GitHub runs a `shell: bash` step.
    fn run(&self, script: &str, os: &str, arch: &str, version: &str, base: &str) -> Output {
        let file = self.dir.path().join("step.sh");
        std::fs::write(&file, script).unwrap();
        Command::new(self.dir.path().join("tools/bash"))
            .args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&file)
            .env_clear()
            .env("PATH", self.dir.path().join("tools"))
            .env("HOME", self.home())
            .env("TMPDIR", self.dir.path().join("temp"))
            .env("RUNNER_TEMP", self.dir.path().join("temp"))
            .env("RUNNER_OS", os)
            .env("RUNNER_ARCH", arch)
            .env("GITHUB_PATH", self.dir.path().join("github_path"))
            .env("SHEAF_VERSION", version)
            .env("SHEAF_RELEASE_BASE", base)
            .output()
            .unwrap()
    }

    fn run_here(&self, script: &str, base: &str) -> Output {
        self.run(script, "Linux", host_arch(), VERSION, base)
    }

    fn assert_nothing_installed(&self) {
        assert!(!self.installed().exists());
        assert!(!self.cached().exists());
        assert_eq!(self.github_path(), "");
    }
}

fn host_arch() -> &'static str {
    if cfg!(target_arch = "aarch64") {
        "ARM64"
    } else {
        "X64"
    }
}

fn host_target() -> &'static str {
    if cfg!(target_arch = "aarch64") {
        "aarch64-unknown-linux-musl"
    } else {
        "x86_64-unknown-linux-musl"
    }
}

/// One `::error::` line, and it says `what`.
fn assert_one_error(out: &Output, what: &str) {
    assert!(!out.status.success(), "{}", text(out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let errors: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("::error::"))
        .collect();
    assert_eq!(errors.len(), 1, "{}", text(out));
    assert!(errors[0].contains(what), "{}", text(out));
}

#[test]
fn the_install_step_installs_a_verified_release_and_caches_it() {
    let server = Server::with_release();
    let (_tmp, root, out) = init(&server.base);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Pinned the checksums"),
        "{}",
        text(&out)
    );
    // The checksums of the release, pinned in the workflow.
    let pins = std::fs::read_to_string(root.join(".github/workflows/pages.yml")).unwrap();
    for line in release().1.lines() {
        let sum = line.split_whitespace().next().unwrap();
        assert!(pins.contains(sum), "{sum} not pinned");
    }
    let script = install_step(&root);

    let runner = Runner::new();
    let out = runner.run_here(&script, &server.base);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("sheaf {VERSION}")),
        "{}",
        text(&out)
    );
    let installed = runner.installed();
    let version = Command::new(&installed).arg("--version").output().unwrap();
    assert!(version.status.success());
    assert!(String::from_utf8_lossy(&version.stdout).starts_with(&format!("sheaf {VERSION}")));
    assert_eq!(
        runner.github_path().trim(),
        installed.parent().unwrap().to_str().unwrap()
    );
    assert!(runner.cached().exists());

    // The next run takes the cached archive: the release may be gone.
    let archive = format!("/v{VERSION}/{}", archive_name(VERSION, host_target()));
    server.remove(&archive);
    std::fs::remove_file(&installed).unwrap();
    let out = runner.run_here(&script, &server.base);
    assert!(out.status.success(), "{}", text(&out));
    assert!(installed.exists());

    // A damaged cached archive is not used: it is fetched again.
    let good = std::fs::read(runner.cached()).unwrap();
    std::fs::write(runner.cached(), b"not an archive").unwrap();
    server.put(&archive, Answer::Bytes(good.clone()));
    let out = runner.run_here(&script, &server.base);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(std::fs::read(runner.cached()).unwrap(), good);
}

#[test]
fn the_install_step_refuses_a_bad_download_and_installs_nothing() {
    let server = Server::with_release();
    let (_tmp, root, _) = init(&server.base);
    let script = install_step(&root);
    let archive = format!("/v{VERSION}/{}", archive_name(VERSION, host_target()));
    let good = std::fs::read(release().0.join(archive_name(VERSION, host_target()))).unwrap();

    // A tampered archive: one byte changed.
    let mut tampered = good.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 1;
    server.put(&archive, Answer::Bytes(tampered));
    let runner = Runner::new();
    let out = runner.run_here(&script, &server.base);
    assert_one_error(&out, "does not match the checksum pinned in this workflow");
    runner.assert_nothing_installed();

    // A download cut short.
    server.put(&archive, Answer::CutShort(good));
    let out = runner.run_here(&script, &server.base);
    assert_one_error(&out, "cut short");
    runner.assert_nothing_installed();

    // A release that does not exist.
    let out = runner.run(&script, "Linux", host_arch(), "0.0.0", &server.base);
    assert_one_error(&out, "sheaf 0.0.0 has no release archive");
    assert_one_error(&out, "(404)");
    runner.assert_nothing_installed();

    // A runner no release is built for.
    for (os, arch) in [("Windows", "X64"), ("Linux", "ARM")] {
        let out = runner.run(&script, os, arch, VERSION, &server.base);
        assert_one_error(
            &out,
            &format!("no release archive for a {os} {arch} runner"),
        );
        runner.assert_nothing_installed();
    }
}

/// Where the release cannot be reached, `init` still writes the workflow,
/// says that it pinned nothing, and the step then needs the attestation.
#[test]
fn init_offline_writes_a_workflow_that_checks_the_attestation() {
    let server = Server::with_release();
    // Nothing listens on port 1.
    let (_tmp, root, out) = init("http://127.0.0.1:1");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("warning:"), "{}", text(&out));
    assert!(stderr.contains("sheaf upgrade-workflows"), "{}", text(&out));
    let script = install_step(&root);
    assert!(script.contains("sha256=\"\""), "{script}");
    // This runner has no `gh`: the step says what to do.
    let runner = Runner::new();
    let out = runner.run_here(&script, &server.base);
    assert_one_error(&out, "no checksum is pinned");
    runner.assert_nothing_installed();

    // A local SHA256SUMS pins them without the network.
    let sums = release().0.join(SUMS_FILE);
    let pinned = sheaf(
        &[
            "upgrade-workflows",
            "--root",
            root.to_str().unwrap(),
            "--checksums",
            sums.to_str().unwrap(),
        ],
        "http://127.0.0.1:1",
    );
    assert!(pinned.status.success(), "{}", text(&pinned));
    assert!(String::from_utf8_lossy(&pinned.stdout).contains("rewritten"));
    let out = runner.run_here(&install_step(&root), &server.base);
    assert!(out.status.success(), "{}", text(&out));
}

/// `cargo binstall sheaf-digest` finds the archives `package.sh` makes.
#[test]
fn binstall_urls_name_the_released_archives() {
    let tmp = tempfile::tempdir().unwrap();
    let binary = tmp.path().join("sheaf");
    std::fs::write(&binary, "#!/bin/sh\n").unwrap();
    let out = tmp.path().join("dist");
    let made: BTreeMap<&str, String> = RELEASE_TARGETS
        .iter()
        .map(|t| {
            let path = package(t, &binary, &out);
            (*t, path.file_name().unwrap().to_str().unwrap().to_string())
        })
        .collect();
    for (target, name) in &made {
        assert_eq!(name, &archive_name(VERSION, target));
    }
    let sums = sums(&out);
    let listed: BTreeSet<&str> = sums
        .lines()
        .map(|l| l.split("  ").nth(1).unwrap())
        .collect();
    assert_eq!(listed, made.values().map(String::as_str).collect());

    let manifest: toml_edit::DocumentMut =
        std::fs::read_to_string(Path::new(REPO).join("Cargo.toml"))
            .unwrap()
            .parse()
            .unwrap();
    let binstall = &manifest["package"]["metadata"]["binstall"];
    let field = |target: &str, key: &str| -> String {
        binstall
            .get("overrides")
            .and_then(|o| o.get(target))
            .and_then(|o| o.get(key))
            .or_else(|| binstall.get(key))
            .and_then(|v| v.as_str())
            .unwrap_or_else(|| panic!("no {key} for {target}"))
            .to_string()
    };
    let repository = manifest["package"]["repository"].as_str().unwrap();
    assert_eq!(repository, env!("CARGO_PKG_REPOSITORY"));
    // What binstall asks for, on every target it may run on; glibc Linux
    // takes the static musl build.
    let wanted: &[(&str, &str)] = &[
        ("x86_64-unknown-linux-musl", "x86_64-unknown-linux-musl"),
        ("aarch64-unknown-linux-musl", "aarch64-unknown-linux-musl"),
        ("x86_64-unknown-linux-gnu", "x86_64-unknown-linux-musl"),
        ("aarch64-unknown-linux-gnu", "aarch64-unknown-linux-musl"),
        ("x86_64-apple-darwin", "x86_64-apple-darwin"),
        ("aarch64-apple-darwin", "aarch64-apple-darwin"),
        ("x86_64-pc-windows-msvc", "x86_64-pc-windows-msvc"),
    ];
    for (target, archive_of) in wanted {
        let windows = target.contains("windows");
        let fill = |template: String| {
            template
                .replace("{ repo }", repository)
                .replace("{ version }", VERSION)
                .replace("{ target }", target)
                .replace("{ bin }", "sheaf")
                .replace("{ binary-ext }", if windows { ".exe" } else { "" })
        };
        let url = fill(field(target, "pkg-url"));
        assert!(!url.contains('{'), "{target}: {url}");
        assert_eq!(
            url,
            format!(
                "{repository}/releases/download/v{VERSION}/{}",
                made[archive_of]
            ),
            "{target}"
        );
        let format = field(target, "pkg-fmt");
        assert_eq!(format, if windows { "zip" } else { "tgz" }, "{target}");
        // The binary sits where bin-dir says, in the archive itself.
        let bin = fill(field(target, "bin-dir"));
        let archive = out.join(&made[archive_of]);
        let listing = if windows {
            Command::new("unzip").arg("-Z1").arg(&archive).output()
        } else {
            Command::new("tar").arg("-tzf").arg(&archive).output()
        }
        .unwrap();
        let listing = String::from_utf8(listing.stdout).unwrap();
        assert!(
            listing.lines().any(|l| l == bin),
            "{target}: {bin} not in {listing}"
        );
    }
}

/// `--version` may name the commit; nothing the build writes does.
#[test]
fn the_version_names_the_package_and_stays_out_of_the_site() {
    let out = sheaf(&["--version"], "http://127.0.0.1:1");
    let version = String::from_utf8(out.stdout).unwrap();
    let pattern = regex::Regex::new(r"^sheaf (\S+)(?: \(([0-9a-f]{12})\))?\n$").unwrap();
    let caps = pattern
        .captures(&version)
        .expect("sheaf VERSION [(COMMIT)]");
    assert_eq!(&caps[1], VERSION);

    // The same site, built by the command and by the library.
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("d");
    sheaf::front::init::init(&root, None, None).unwrap();
    let by_command = sheaf(
        &[
            "--root",
            root.to_str().unwrap(),
            "build",
            "-o",
            root.join("by-command").to_str().unwrap(),
        ],
        "http://127.0.0.1:1",
    );
    assert!(by_command.status.success(), "{}", text(&by_command));
    let options = sheaf::build::BuildOptions {
        output_dir: Some(root.join("by-library")),
        ..Default::default()
    };
    sheaf::build::build(&root, &options).unwrap();
    let a = snapshot(&root.join("by-command"));
    let b = snapshot(&root.join("by-library"));
    assert!(!a.is_empty());
    assert!(a == b, "the command's build differs from the library's");
    let index = String::from_utf8(a["index.html"].clone()).unwrap();
    assert!(
        index.contains(&format!("content=\"sheaf {VERSION}\"")),
        "generator"
    );
    if let Some(commit) = caps.get(2) {
        for (file, bytes) in &a {
            assert!(
                !String::from_utf8_lossy(bytes).contains(commit.as_str()),
                "{file} names the commit"
            );
        }
    }
}

/// The release workflow builds the targets binstall and the digests'
/// workflow name, and packs them with the script the tests use.
#[test]
fn the_release_workflow_builds_every_target_with_the_script() {
    let text =
        std::fs::read_to_string(Path::new(REPO).join(".github/workflows/release.yml")).unwrap();
    let workflow: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let built: BTreeSet<&str> = workflow["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|m| m["target"].as_str().unwrap())
        .collect();
    assert_eq!(built, RELEASE_TARGETS.iter().copied().collect());
    assert!(RUNNER_TARGETS.iter().all(|t| built.contains(t)));
    let runs: Vec<&str> = ["build", "release"]
        .iter()
        .flat_map(|job| workflow["jobs"][*job]["steps"].as_sequence().unwrap())
        .filter_map(|s| s["run"].as_str())
        .collect();
    assert!(runs
        .iter()
        .any(|r| r.contains("scripts/package.sh \"$TARGET\"")));
    assert!(runs
        .iter()
        .any(|r| r.contains("scripts/package.sh sums dist")));
    assert!(runs.iter().any(|r| r.contains("dist/SHA256SUMS")));
    assert_eq!(workflow["on"]["push"]["tags"][0].as_str(), Some("v*"));
}
