//! The GitHub workflows sheaf writes into a digest, and their upgrade.
//!
//! A digest's Pages workflow installs sheaf from its release archive. A
//! binary cannot know the checksums of its own release's archives, so
//! `sheaf init` and `sheaf upgrade-workflows` read the release's
//! `SHA256SUMS` (made by `scripts/package.sh`) and pin each runner's
//! checksum in the workflow, next to the version: both change together, by
//! one command. Pinning, rather than checking the attestation on every run,
//! keeps the check working with nothing but `curl` and `sha256sum`, and it
//! refuses an archive replaced after the curator pinned it. Written where
//! the release cannot be reached, the workflow falls back to the release's
//! build-provenance attestation (`gh attestation verify`).
//!
//! Each workflow sheaf writes carries a marker line with a hash of the rest
//! of the file, so an upgrade can tell a file sheaf wrote from one the
//! curator edited, and leaves the latter alone unless forced. A later
//! workflow joins by adding to [`MANAGED`]: the scheduled import
//! (`init/import.yml`, written by `init --schedule` or `upgrade-workflows
//! --schedule`) did. Both install sheaf by the same steps
//! (`init/install-sheaf.yml`, where a template says `@INSTALL_SHEAF@`), so
//! one upgrade keeps their version and checksums in step.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::base::error::{Error, Result};

/// The environment variable that replaces GitHub's release download URL:
/// for the workflow's install step, and for the checksums `init` and
/// `upgrade-workflows` read (tests point it at a server on 127.0.0.1).
pub(crate) const RELEASE_BASE_ENV: &str = "SHEAF_RELEASE_BASE";

/// The checksum file of a release, next to its archives.
pub const SUMS_FILE: &str = "SHA256SUMS";

/// The targets a workflow runner can take a release archive for, as the
/// install step names them. Windows runners are not among them: a digest
/// builds on any runner, and the workflow says which one.
pub const RUNNER_TARGETS: &[&str] = &[
    "x86_64-unknown-linux-musl",
    "aarch64-unknown-linux-musl",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
];

/// A workflow that sheaf writes and upgrades.
pub struct Managed {
    /// Its name in the marker line.
    pub name: &'static str,
    /// Where it goes, relative to the site root.
    pub path: &'static str,
    template: &'static str,
    /// Runs on a [`Schedule`] (its template says `@CRON@`), and is written
    /// only when asked for.
    scheduled: bool,
    /// Hashes ([`hash`]) of what earlier sheaf versions wrote here, before
    /// files carried a marker line; such a file is upgraded like one with a
    /// marker. `tests/fixtures/workflows/` holds the files themselves.
    legacy: &'static [&'static str],
}

/// Every workflow sheaf manages.
pub const MANAGED: &[Managed] = &[
    Managed {
        name: "pages",
        path: ".github/workflows/pages.yml",
        template: include_str!("init/pages.yml"),
        scheduled: false,
        // sheaf 0.1.0's `init` (it ran `cargo install sheaf`, a stranger's
        // crate).
        legacy: &["9a0ef0e4e7ef72ef1512e58a4dc7a65e"],
    },
    Managed {
        name: "import",
        path: IMPORT_PATH,
        template: include_str!("init/import.yml"),
        scheduled: true,
        legacy: &[],
    },
];

/// Where the scheduled import workflow goes.
pub const IMPORT_PATH: &str = ".github/workflows/sheaf-import.yml";

/// The steps that check out the digest and install the pinned sheaf, the
/// same in every workflow.
const INSTALL_SHEAF: &str = include_str!("init/install-sheaf.yml");

/// How often the scheduled import runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Schedule {
    /// Every day at 06:17 UTC.
    Daily,
    /// Every Monday at 06:17 UTC.
    Weekly,
}

impl Schedule {
    fn cron(self) -> &'static str {
        match self {
            Schedule::Daily => "17 6 * * *",
            Schedule::Weekly => "17 6 * * 1",
        }
    }

    fn words(self) -> &'static str {
        match self {
            Schedule::Daily => "every day",
            Schedule::Weekly => "every week",
        }
    }

    /// The schedule a workflow sheaf wrote runs on, from its cron line.
    fn of(text: &str) -> Option<Schedule> {
        [Schedule::Daily, Schedule::Weekly]
            .into_iter()
            .find(|s| text.contains(&format!("- cron: \"{}\"", s.cron())))
    }
}

/// The marker line's start; the line is the file's first.
const MARKER: &str = "# sheaf-managed-workflow:";

/// The release a workflow installs: its version, and the checksum of each
/// runner target's archive where known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub version: String,
    pub sha256: BTreeMap<String, String>,
}

impl Release {
    /// The running sheaf's release, with no checksums.
    pub fn unpinned() -> Release {
        Release {
            version: env!("CARGO_PKG_VERSION").to_string(),
            sha256: BTreeMap::new(),
        }
    }

    /// The running sheaf's release with the checksums of a `SHA256SUMS`
    /// file (`source` names it in errors). Lines for other files are
    /// ignored; a file that pins none of the runner archives is an error.
    pub fn from_sums(text: &str, source: &str) -> Result<Release> {
        let mut release = Release::unpinned();
        let invalid = |line: usize, message: String| {
            Error::Usage(format!(
                "{source}:{line}: {message} (expected `SHA256  FILE`)"
            ))
        };
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let Some((sum, name)) = line.split_once(char::is_whitespace) else {
                return Err(invalid(i + 1, format!("{line:?} is not a checksum line")));
            };
            // `sha256sum` marks binary mode with a `*` before the name.
            let name = name.trim_start().trim_start_matches('*');
            if sum.len() != 64 || !sum.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(invalid(i + 1, format!("{sum:?} is not a SHA-256")));
            }
            if let Some(target) = RUNNER_TARGETS
                .iter()
                .find(|t| name == archive_name(&release.version, t))
            {
                release
                    .sha256
                    .insert(target.to_string(), sum.to_ascii_lowercase());
            }
        }
        if release.sha256.is_empty() {
            return Err(Error::Usage(format!(
                "{source} lists no archive of sheaf {}: it is not that release's {SUMS_FILE}",
                release.version
            )));
        }
        Ok(release)
    }

    /// The runner targets that have no checksum.
    pub fn unpinned_targets(&self) -> Vec<&'static str> {
        RUNNER_TARGETS
            .iter()
            .copied()
            .filter(|t| !self.sha256.contains_key(*t))
            .collect()
    }
}

/// The name `scripts/package.sh` gives a release archive.
pub fn archive_name(version: &str, target: &str) -> String {
    let suffix = if target.contains("windows") {
        "zip"
    } else {
        "tar.gz"
    };
    format!("sheaf-{version}-{target}.{suffix}")
}

/// Where the release archives are downloaded from: GitHub's release
/// downloads of the package's repository, or [`RELEASE_BASE_ENV`].
pub(crate) fn release_base() -> String {
    match std::env::var(RELEASE_BASE_ENV) {
        Ok(base) if !base.is_empty() => base.trim_end_matches('/').to_string(),
        _ => format!("{}/releases/download", env!("CARGO_PKG_REPOSITORY")),
    }
}

/// Reads the running version's `SHA256SUMS` from [`release_base`].
pub fn fetch_release() -> Result<Release> {
    const TIMEOUT: Duration = Duration::from_secs(30);
    let version = env!("CARGO_PKG_VERSION");
    let url = format!("{}/v{version}/{SUMS_FILE}", release_base());
    let failed =
        |message: String, source: Option<Box<dyn std::error::Error + Send + Sync>>| Error::Fetch {
            url: url.clone(),
            message,
            source,
        };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        .user_agent(concat!("sheaf/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let mut response = agent.get(&url).call().map_err(|e| match e {
        ureq::Error::Timeout(_) => {
            failed(format!("no answer within {} s", TIMEOUT.as_secs()), None)
        }
        other => failed("the request failed".into(), Some(Box::new(other))),
    })?;
    let status = response.status();
    if status == 404 {
        return Err(failed(
            format!("sheaf {version} has no published release there"),
            None,
        ));
    }
    if !status.is_success() {
        return Err(failed(format!("the server answered HTTP {status}"), None));
    }
    let text = response
        .body_mut()
        .read_to_string()
        .map_err(|e| failed("cannot read the answer".into(), Some(Box::new(e))))?;
    Release::from_sums(&text, &url)
}

/// The text of `workflow` for `release`, with its marker line (a
/// scheduled one runs daily).
pub fn render(workflow: &Managed, release: &Release) -> String {
    render_scheduled(workflow, release, Schedule::Daily)
}

/// [`render`], on `schedule` if the workflow runs on one.
pub fn render_scheduled(workflow: &Managed, release: &Release, schedule: Schedule) -> String {
    let repository = env!("CARGO_PKG_REPOSITORY");
    let github_repo = repository
        .strip_prefix("https://github.com/")
        .unwrap_or(repository);
    let mut body = workflow
        .template
        .replace("@INSTALL_SHEAF@\n", INSTALL_SHEAF)
        .replace("@CRON@", schedule.cron())
        .replace("@SCHEDULE@", schedule.words())
        .replace("@VERSION@", &release.version)
        .replace("@RELEASE_BASE@", &format!("{repository}/releases/download"))
        .replace("@REPOSITORY@", repository)
        .replace("@GITHUB_REPO@", github_repo);
    for target in RUNNER_TARGETS {
        let sum = release.sha256.get(*target).map_or("", String::as_str);
        body = body.replace(&format!("@SHA256:{target}@"), sum);
    }
    format!("{}\n{body}", marker(workflow.name, &body))
}

fn marker(name: &str, body: &str) -> String {
    format!(
        "{MARKER} {name} {} (edit this file and sheaf leaves it alone)",
        hash(body)
    )
}

/// The hash that tells an edited workflow from the one sheaf wrote (not a
/// security check: it notices edits, it does not resist forgery).
fn hash(text: &str) -> String {
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(text.as_bytes()))
}

/// What [`upgrade`] found, or did, for one workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Not there: the digest does not use it (or its curator removed it).
    Missing,
    /// Not there, and written because asked for (`--schedule`).
    Created,
    /// Already what this sheaf writes.
    Current,
    /// Rewritten; the diff from the old text, in unified format.
    Updated { diff: String },
    /// Edited since sheaf wrote it (or never sheaf's): left alone; the
    /// diff is what `--force` would change.
    Edited { diff: String },
    /// Edited, but replaced because the curator said `--force`.
    Replaced { diff: String },
}

/// One workflow's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upgrade {
    pub path: PathBuf,
    pub outcome: Outcome,
}

/// Rewrites every workflow of [`MANAGED`] present under `root` for
/// `release`, except the ones the curator edited, unless `force`. Checks
/// them all before writing any.
pub fn upgrade(root: &Path, release: &Release, force: bool) -> Result<Vec<Upgrade>> {
    upgrade_scheduling(root, release, force, None)
}

/// [`upgrade`], also writing the scheduled import workflow on `schedule`
/// when given (added if missing, its schedule changed if sheaf's); without
/// one, a scheduled workflow keeps the schedule it has.
pub fn upgrade_scheduling(
    root: &Path,
    release: &Release,
    force: bool,
    schedule: Option<Schedule>,
) -> Result<Vec<Upgrade>> {
    let mut plan = Vec::new();
    for workflow in MANAGED {
        let path = workflow
            .path
            .split('/')
            .fold(root.to_path_buf(), |p, part| p.join(part));
        let wanted = schedule.filter(|_| workflow.scheduled);
        let Some(old) = crate::io::fs::read_text_if_present(&path)? else {
            match wanted {
                Some(schedule) => {
                    let new = render_scheduled(workflow, release, schedule);
                    plan.push((path, Outcome::Created, Some(new)));
                }
                None => plan.push((path, Outcome::Missing, None)),
            }
            continue;
        };
        let schedule = wanted
            .or_else(|| Schedule::of(&old))
            .unwrap_or(Schedule::Daily);
        let new = render_scheduled(workflow, release, schedule);
        let outcome = if old == new {
            Outcome::Current
        } else {
            let diff = similar::TextDiff::from_lines(&old, &new)
                .unified_diff()
                .context_radius(2)
                .header(workflow.path, workflow.path)
                .to_string();
            if is_sheafs(workflow, &old) {
                Outcome::Updated { diff }
            } else if force {
                Outcome::Replaced { diff }
            } else {
                Outcome::Edited { diff }
            }
        };
        let write = matches!(outcome, Outcome::Updated { .. } | Outcome::Replaced { .. });
        plan.push((path, outcome, write.then_some(new)));
    }
    let mut done = Vec::new();
    for (path, outcome, new) in plan {
        if let Some(text) = new {
            if let Some(dir) = path.parent() {
                crate::io::fs::create_dir_all(dir)?;
            }
            crate::io::fs::write_atomic(&path, text.as_bytes())?;
        }
        done.push(Upgrade { path, outcome });
    }
    Ok(done)
}

/// Did sheaf write this text, unedited since? Line ends do not count: a
/// checkout with `core.autocrlf` turns every LF into CRLF, and that is not
/// an edit.
fn is_sheafs(workflow: &Managed, text: &str) -> bool {
    let text = &text.replace("\r\n", "\n");
    match text.split_once('\n') {
        Some((first, body)) if first.starts_with(MARKER) => {
            let mut words = first[MARKER.len()..].split_whitespace();
            words.next() == Some(workflow.name) && words.next() == Some(hash(body).as_str())
        }
        _ => workflow.legacy.contains(&hash(text).as_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUM: &str = "55408e4bb3dd57dc11e41b7303c06d3aa22c032ce21a6bc723e395eddee1e41a";

    #[test]
    fn sums_pin_the_runner_archives_only() {
        let v = env!("CARGO_PKG_VERSION");
        let text = format!(
            "{SUM}  sheaf-{v}-x86_64-unknown-linux-musl.tar.gz\n\
             {}  sheaf-{v}-x86_64-pc-windows-msvc.zip\n\
             {} *sheaf-{v}-aarch64-apple-darwin.tar.gz\n\
             {}  sheaf-0.0.1-aarch64-unknown-linux-musl.tar.gz\n",
            "1".repeat(64),
            "A".repeat(64),
            "2".repeat(64),
        );
        let release = Release::from_sums(&text, "SUMS").unwrap();
        assert_eq!(release.sha256.len(), 2, "{release:?}");
        assert_eq!(release.sha256["x86_64-unknown-linux-musl"], SUM);
        assert_eq!(release.sha256["aarch64-apple-darwin"], "a".repeat(64));
        assert_eq!(
            release.unpinned_targets(),
            ["aarch64-unknown-linux-musl", "x86_64-apple-darwin"]
        );
    }

    #[test]
    fn bad_sums_say_where() {
        for (text, expected) in [
            ("nonsense\n", "SUMS:1:"),
            (&format!("\n{}  x.tar.gz\n", "g".repeat(64)), "SUMS:2:"),
            (&format!("{SUM}  other.tar.gz\n"), "no archive"),
            ("", "no archive"),
        ] {
            let message = Release::from_sums(text, "SUMS").unwrap_err().to_string();
            assert!(message.contains(expected), "{text:?}: {message}");
        }
    }

    /// The legacy hashes are those of what earlier versions wrote.
    #[test]
    fn a_workflow_checked_out_with_crlf_is_not_edited() {
        let release = Release::unpinned();
        let text = render(&MANAGED[0], &release);
        assert!(is_sheafs(&MANAGED[0], &text));
        assert!(is_sheafs(&MANAGED[0], &text.replace('\n', "\r\n")));
        assert!(!is_sheafs(&MANAGED[0], &text.replace("sheaf", "shelf")));
    }

    #[test]
    fn legacy_hashes_match_the_fixtures() {
        let fixtures = [include_str!(
            "../../tests/fixtures/workflows/pages-0.1.0.yml"
        )];
        let hashes: Vec<String> = fixtures.iter().map(|f| hash(f)).collect();
        assert_eq!(MANAGED[0].legacy, hashes);
    }

    #[test]
    fn every_marker_is_filled() {
        let mut release = Release::unpinned();
        for t in RUNNER_TARGETS {
            release.sha256.insert(t.to_string(), SUM.into());
        }
        assert_eq!(MANAGED[0].path, crate::front::init::WORKFLOW_PATH);
        let marker = regex::Regex::new("@[A-Z_]+@").unwrap();
        for workflow in MANAGED {
            let text = render(workflow, &release);
            assert!(!text.contains("@SHA256"), "{text}");
            assert!(!marker.is_match(&text), "{text}");
            assert_eq!(text.matches(SUM).count(), RUNNER_TARGETS.len());
            assert!(is_sheafs(workflow, &text));
            assert!(!is_sheafs(
                workflow,
                &text.replace("ubuntu-latest", "ubuntu-24.04")
            ));
        }
    }
}
