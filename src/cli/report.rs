//! What the command line prints: errors and findings (coloured, and as
//! workflow commands under GitHub Actions), import and resolve reports,
//! progress bars.

use std::path::{Path, PathBuf};

use sheaf::front::import;
use sheaf::input::config::CONFIG_FILE;

use crate::cli::args::Digest;

/// An error already shown in full (the findings of `sheaf check`): it only
/// sets the exit code.
#[derive(Debug)]
pub(crate) struct Reported;

impl std::fmt::Display for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("failed")
    }
}

impl std::error::Error for Reported {}

pub(crate) fn report_error(e: &anyhow::Error, digest: &Digest) {
    if e.is::<Reported>() {
        return;
    }
    // Only an error of the library as it is: one with context added is
    // shown with the context.
    let top: &(dyn std::error::Error + 'static) = e.as_ref();
    match top.downcast_ref::<sheaf::Error>() {
        Some(sheaf::Error::NotADigest { root }) => {
            let cwd = std::env::current_dir().unwrap_or_default();
            let what = if digest.searched {
                format!(
                    "{} is not in a sheaf digest: neither it nor any folder above it has {CONFIG_FILE}",
                    cwd.display()
                )
            } else {
                format!(
                    "{} is not a sheaf digest: it has no {CONFIG_FILE}",
                    root.display()
                )
            };
            print_error(&what);
            anstream::eprintln!(
                "{HELP}help{HELP:#}: `sheaf init DIR` starts a new digest in DIR; `sheaf --root DIR COMMAND` works on one elsewhere"
            );
        }
        Some(e) => print_sheaf_error(e, &digest.root),
        // `{:#}` prints each cause once: no message repeats its source.
        None => print_error(&format!("{e:#}")),
    }
}

/// An error of the library: its findings one by one, or its message and
/// each of its causes.
pub(crate) fn print_sheaf_error(e: &sheaf::Error, root: &Path) {
    match e {
        sheaf::Error::Invalid(findings) => {
            for d in findings {
                print_diagnostic(d, root);
            }
            let errors = findings.iter().filter(|d| d.is_error()).count();
            eprintln!("{errors} error{} found", plural(errors));
        }
        e => print_error(&sheaf::base::error::chain(e)),
    }
}

pub(crate) const ERROR: anstyle::Style = anstyle::AnsiColor::Red.on_default().bold();
pub(crate) const WARNING: anstyle::Style = anstyle::AnsiColor::Yellow.on_default().bold();
pub(crate) const HELP: anstyle::Style = anstyle::AnsiColor::Cyan.on_default().bold();
pub(crate) const ARROW: anstyle::Style = anstyle::AnsiColor::Blue.on_default().bold();

/// `error: message` on standard error, the label coloured when standard
/// error is a terminal that shows colour (anstream strips the styles
/// otherwise, and for NO_COLOR; CLICOLOR_FORCE forces them).
pub(crate) fn print_error(message: &str) {
    anstream::eprintln!("{ERROR}error{ERROR:#}: {message}");
}

/// A finding as `sheaf check` shows it, coloured like [`print_error`]; in
/// GitHub Actions also as a workflow command on standard output, so the
/// workflow's page shows it on the file and line.
pub(crate) fn print_diagnostic(d: &sheaf::Diagnostic, root: &Path) {
    let style = if d.is_error() { ERROR } else { WARNING };
    anstream::eprintln!(
        "{style}{}{style:#}: {}\n  {ARROW}-->{ARROW:#} {}\n",
        d.severity.label(),
        d.message,
        d.location()
    );
    if std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true") {
        println!("{}", d.workflow_command(&workspace_path(root, &d.file)));
    }
}

/// A finding's file (relative to the site root) as GitHub wants it:
/// relative to the repository, which is the workspace, else the current
/// folder.
pub(crate) fn workspace_path(root: &Path, file: &Path) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    let full = cwd.join(root).join(file);
    let full = std::path::absolute(&full).unwrap_or(full);
    let mut normal = PathBuf::new();
    for part in full.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                normal.pop();
            }
            other => normal.push(other),
        }
    }
    let base = std::env::var_os("GITHUB_WORKSPACE")
        .map(PathBuf::from)
        .unwrap_or(cwd);
    normal
        .strip_prefix(&base)
        .map(Path::to_path_buf)
        .unwrap_or(normal)
}

/// One line per entry (failures on standard error), the former key of
/// every entry whose key moved, then a summary.
pub(crate) fn print_resolve(
    report: &import::ResolveReport,
    root: &std::path::Path,
    dry_run: bool,
    quiet: bool,
    verbose: bool,
) {
    use import::Found;
    let would = if dry_run { "would be " } else { "" };
    let show = |c: &[import::Candidate]| {
        c.iter()
            .map(|c| format!("{} {:?}", c.arxiv, c.title))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for r in &report.resolutions {
        let path = r.path.strip_prefix(root).unwrap_or(&r.path).display();
        let line = match &r.found {
            Found::Resolved {
                arxiv,
                version,
                changed,
                notes,
            } => {
                let id = match version {
                    Some(v) => format!("{arxiv}v{v}"),
                    None => arxiv.clone(),
                };
                let notes = if notes.is_empty() {
                    String::new()
                } else {
                    format!("; {}", notes.join("; "))
                };
                if changed.is_empty() {
                    if !verbose {
                        continue;
                    }
                    format!("unchanged {path}: arXiv {id}{notes}")
                } else {
                    format!(
                        "{would}resolved {path}: arXiv {id} ({}){notes}",
                        changed.join(", ")
                    )
                }
            }
            Found::HasId(id) => format!("skipped {path}: it has an arXiv id already ({id})"),
            Found::NearMiss(c) => format!(
                "near miss {path}: {:?} is not the title of {} (not recorded; if it is the paper, add `arxiv:` by hand)",
                r.title,
                show(c)
            ),
            Found::NotFound => format!("not found {path}: no arXiv paper is titled {:?}", r.title),
            Found::KeyMoved => format!("{would}updated {path} (bibtex_ids)"),
            Found::Ambiguous(c) => {
                eprintln!(
                    "error: ambiguous {path}: {} arXiv papers are titled {:?}: {}; nothing written\n",
                    c.len(),
                    r.title,
                    show(c)
                );
                continue;
            }
            Found::Duplicate(other) => {
                eprintln!(
                    "error: duplicate {path}: its arXiv paper is {} already; nothing written\n",
                    other.strip_prefix(root).unwrap_or(other).display()
                );
                continue;
            }
            Found::Failed(why) => {
                eprintln!("error: failed {path} ({:?}): {why}; nothing written\n", r.title);
                continue;
            }
        };
        if quiet {
            continue;
        }
        println!("{line}");
        if let Some((old, new)) = &r.key {
            println!("  key: {old} → {new} ({old} kept in bibtex_ids)");
        }
        if let Some(diff) = &r.diff {
            print!("{diff}");
        }
    }
    if quiet {
        return;
    }
    let count = |f: fn(&Found) -> bool| report.count(f);
    println!(
        "{} resolved, {} near misses, {} not found, {} ambiguous, {} failed{}",
        count(|f| matches!(f, Found::Resolved { changed, .. } if !changed.is_empty())),
        count(|f| matches!(f, Found::NearMiss(_))),
        count(|f| matches!(f, Found::NotFound)),
        count(|f| matches!(f, Found::Ambiguous(_))),
        count(|f| matches!(f, Found::Failed(_) | Found::Duplicate(_))),
        if dry_run {
            " (dry run: nothing written)"
        } else {
            ""
        }
    );
}

pub(crate) fn print_import(
    report: &import::ImportReport,
    root: &std::path::Path,
    dry_run: bool,
    verbose: bool,
) {
    use import::Action;
    let shown = |p: &Option<PathBuf>| {
        p.as_ref()
            .map(|p| p.strip_prefix(root).unwrap_or(p).display().to_string())
            .unwrap_or_default()
    };
    let would = if dry_run { "would be " } else { "" };
    for o in &report.outcomes {
        let line = match &o.action {
            Action::Created => format!("{would}created {}", shown(&o.path)),
            Action::Updated(keys) => {
                format!("{would}updated {} ({})", shown(&o.path), keys.join(", "))
            }
            Action::Unchanged if verbose => format!("unchanged {}", shown(&o.path)),
            Action::Unchanged => continue,
            Action::Skipped(why) => format!("skipped {}: {why}", o.locator),
        };
        let notes = if o.notes.is_empty() {
            String::new()
        } else {
            format!(": {}", o.notes.join("; "))
        };
        println!("{line}{notes}");
        if let Some(diff) = &o.diff {
            print!("{diff}");
        }
    }
    println!(
        "{} created, {} updated, {} unchanged, {} skipped{}",
        report.created(),
        report.updated(),
        report.unchanged(),
        report.skipped(),
        if dry_run {
            " (dry run: nothing written)"
        } else {
            ""
        }
    );
}

/// A progress bar on standard error, for stages that take more than a
/// moment. indicatif draws nothing when standard error is not a terminal,
/// and the bar stays hidden with --quiet or until half a second has passed.
pub(crate) struct Bar(
    indicatif::ProgressBar,
    bool,
    std::sync::Mutex<Vec<(&'static str, std::time::Duration)>>,
);

impl Bar {
    /// Takes the bar off the terminal.
    pub(crate) fn finish(&self) {
        self.0.finish_and_clear();
    }

    /// The stage timings, as "load 12 ms, model 40 ms, …".
    pub(crate) fn timings(&self) -> String {
        let timings = self.2.lock().map(|t| t.clone()).unwrap_or_default();
        timings
            .iter()
            .map(|(stage, d)| format!("{stage} {} ms", d.as_millis()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub(crate) fn new(quiet: bool) -> Bar {
        let bar = indicatif::ProgressBar::hidden();
        if !quiet {
            bar.set_style(
                indicatif::ProgressStyle::with_template("{msg:>10} [{bar:30}] {pos}/{len}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
        }
        Bar(bar, quiet, Default::default())
    }
}

impl sheaf::base::progress::Progress for Bar {
    fn start(&self, stage: &str, total: u64) {
        self.0.set_length(total);
        self.0.set_position(0);
        self.0.set_message(stage.to_string());
        self.0.reset_elapsed();
    }

    fn advance(&self, n: u64) {
        self.0.inc(n);
        if self.0.is_hidden() && self.0.elapsed() > std::time::Duration::from_millis(500) && !self.1
        {
            self.0
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
    }

    fn finish(&self) {
        self.0.finish_and_clear();
    }

    fn timed(&self, stage: &'static str, elapsed: std::time::Duration) {
        if let Ok(mut t) = self.2.lock() {
            t.push((stage, elapsed));
        }
    }
}

/// A spinner on standard error while the arXiv API answers (hidden as
/// [`Bar`] is).
pub(crate) fn spinner(quiet: bool, message: String) -> indicatif::ProgressBar {
    let spinner = Bar::new(quiet).0;
    spinner.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    spinner.set_message(message);
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    spinner
}

pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

pub(crate) fn print_warnings(warnings: &[sheaf::Diagnostic], root: &Path, verbose: bool) {
    const SHOWN: usize = 10;
    for w in warnings
        .iter()
        .take(if verbose { usize::MAX } else { SHOWN })
    {
        print_diagnostic(w, root);
    }
    if !verbose && warnings.len() > SHOWN {
        eprintln!(
            "… and {} more warnings (--verbose shows all)",
            warnings.len() - SHOWN
        );
    }
}
