//! Tidy tests: the rules of `ARCHITECTURE.md` ("Layers"), checked on the
//! source itself, as rust-analyzer's tidy tests do. Each finding names the
//! file, the line and the rule, so a failure says what to move.
//!
//! The check reads every path in the code, not only `use` lines: an inline
//! `crate::produce::search::PAGE_PATH` is a dependency as much as an import.

use std::path::{Path, PathBuf};

use crate::common::REPO;

/// The layers, lowest first. A module may use its own layer and those
/// below it; the binary (`main.rs` and its modules in `cli/`) sits above
/// them all.
const LAYERS: &[&str] = &[
    "base", "input", "convert", "model", "produce", "io", "build", "front",
];

/// The only layer whose modules touch the file system.
const IO_LAYER: &str = "io";

/// Modules of one layer that must not use each other: the pages and the
/// search index are produced side by side from the model.
const APART: &[(&str, &str)] = &[("produce::render", "produce::search")];

/// A source file of the crate, with its module path (`["produce",
/// "render", "cite"]` for `src/produce/render/cite.rs`).
struct Source {
    path: PathBuf,
    module: Vec<String>,
    text: String,
}

fn sources() -> Vec<Source> {
    let src = Path::new(REPO).join("src");
    let mut out = Vec::new();
    for e in walkdir::WalkDir::new(&src) {
        let e = e.expect("src/ can be walked");
        let path = e.path();
        if path.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let rel = path.strip_prefix(&src).unwrap();
        let mut module: Vec<String> = rel
            .with_extension("")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if matches!(module.last().map(String::as_str), Some("mod" | "lib")) {
            module.pop();
        }
        let text = std::fs::read_to_string(path).unwrap();
        out.push(Source {
            path: rel.to_path_buf(),
            module,
            text,
        });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    assert!(out.len() > 20, "found only {} files under src/", out.len());
    out
}

/// The code of a file as it is compiled into the library: comments and the
/// unit tests (`#[cfg(test)] mod tests`, which may use anything) removed.
/// Lines keep their numbers.
fn code_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    let mut in_block = false;
    while let Some((i, line)) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed == "#[cfg(test)]" {
            if let Some((_, next)) = lines.peek() {
                if next.trim_start().starts_with("mod tests") {
                    break;
                }
            }
        }
        let mut code = String::new();
        let mut rest = line;
        loop {
            if in_block {
                match rest.find("*/") {
                    Some(end) => {
                        rest = &rest[end + 2..];
                        in_block = false;
                    }
                    None => break,
                }
            } else {
                // A `//` after a quote may sit inside a string ("https://").
                let comment = rest
                    .match_indices("//")
                    .map(|(at, _)| at)
                    .find(|&at| rest[..at].matches('"').count() % 2 == 0);
                let block = rest.find("/*");
                match (comment, block) {
                    (Some(c), Some(b)) if b < c => {
                        code.push_str(&rest[..b]);
                        rest = &rest[b + 2..];
                        in_block = true;
                    }
                    (Some(c), _) => {
                        code.push_str(&rest[..c]);
                        break;
                    }
                    (None, Some(b)) => {
                        code.push_str(&rest[..b]);
                        rest = &rest[b + 2..];
                        in_block = true;
                    }
                    (None, None) => {
                        code.push_str(rest);
                        break;
                    }
                }
            }
        }
        out.push((i + 1, code));
    }
    out
}

/// Every module path a line names: `crate::a::b…` and `super::…`, resolved
/// against the module the line is in. Grouped imports (`crate::{a, b}`)
/// are refused outright, so every path is spelt whole.
fn paths_in(module: &[String], code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    for start in ["crate::", "super::"] {
        for (at, _) in code.match_indices(start) {
            let before = code[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let mut segments: Vec<String> = Vec::new();
            let mut base: Vec<String> = if start == "crate::" {
                Vec::new()
            } else {
                module[..module.len().saturating_sub(1)].to_vec()
            };
            let mut i = at + start.len();
            loop {
                let end = code[i..]
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .map_or(code.len(), |n| i + n);
                let word = &code[i..end];
                if word == "super" {
                    base.pop();
                } else if !word.is_empty() {
                    segments.push(word.to_string());
                } else if bytes.get(i) == Some(&b'{') {
                    segments.push("{".to_string());
                }
                if code[end..].starts_with("::") {
                    i = end + 2;
                } else {
                    break;
                }
            }
            base.extend(segments);
            // `crate::model::{a, b}` still names its layer and
            // `crate::produce::render::{a, b}` the module kept apart;
            // `crate::{io, base}` or `crate::produce::{render, search}` not.
            if let Some(brace) = base.iter().position(|s| s == "{") {
                let hides = brace == 0
                    || APART.iter().flat_map(|(a, b)| [a, b]).any(|m| {
                        m.split("::").count() > brace
                            && starts_with(
                                &base[..brace],
                                m.rsplit_once("::").map_or(*m, |(l, _)| l),
                            )
                    });
                if !hides {
                    base.truncate(brace);
                }
            }
            out.push(base);
        }
    }
    out
}

/// The binary's own modules: `main.rs`, and `cli/`, which it declares.
fn is_binary(module: &[String]) -> bool {
    matches!(module.first().map(String::as_str), Some("main" | "cli"))
}

fn layer_of(module: &[String]) -> Option<usize> {
    module
        .first()
        .and_then(|m| LAYERS.iter().position(|l| l == m))
}

fn starts_with(path: &[String], prefix: &str) -> bool {
    let prefix: Vec<&str> = prefix.split("::").collect();
    path.len() >= prefix.len() && path.iter().zip(&prefix).all(|(a, b)| a == b)
}

/// Findings of the layer rules in one file.
fn layer_findings(src: &Source) -> Vec<String> {
    let mut found = Vec::new();
    let here = layer_of(&src.module);
    for (line, code) in code_lines(&src.text) {
        for path in paths_in(&src.module, &code) {
            let at = format!("src/{}:{line}", src.path.display());
            if path.iter().any(|s| s == "{") {
                found.push(format!(
                    "{at}: a grouped `crate::{{…}}` import; spell each path whole so the tidy test reads it"
                ));
                continue;
            }
            let Some(there) = layer_of(&path) else {
                continue;
            };
            if let Some(here) = here {
                if there > here {
                    found.push(format!(
                        "{at}: `{}` is in layer `{}`, above `{}`: a layer uses only the layers below it",
                        path.join("::"),
                        LAYERS[there],
                        LAYERS[here]
                    ));
                }
            }
            for (a, b) in APART {
                for (from, to) in [(a, b), (b, a)] {
                    if starts_with(&src.module, from) && starts_with(&path, to) {
                        found.push(format!(
                            "{at}: `{}` uses `{}`: {a} and {b} must not depend on each other",
                            from,
                            path.join("::"),
                        ));
                    }
                }
            }
        }
    }
    found
}

/// Findings of the I/O rule in one file: only the I/O layer reads and
/// writes files, or asks the disk about them (the `Path` methods that do,
/// such as `exists` and `canonicalize`, look like any method call, so
/// they are named here one by one).
fn io_findings(src: &Source) -> Vec<String> {
    if src.module.first().map(String::as_str) == Some(IO_LAYER) {
        return Vec::new();
    }
    let touches = regex::Regex::new(
        r"\bstd::fs\b|\bstd::\{[^}]*\bfs\b|\bwalkdir\b|\btempfile\b|\bFile::|\bOpenOptions\b|(\.|\bPath::)(exists|try_exists|is_file|is_dir|is_symlink|canonicalize|metadata|symlink_metadata|read_dir|read_link)\(",
    )
    .unwrap();
    code_lines(&src.text)
        .into_iter()
        .filter(|(_, code)| touches.is_match(code))
        .map(|(line, code)| {
            format!(
                "src/{}:{line}: `{}` touches the file system outside the `io` layer",
                src.path.display(),
                code.trim()
            )
        })
        .collect()
}

fn report(findings: &[String]) -> String {
    findings.join("\n")
}

#[test]
fn a_layer_uses_only_the_layers_below_it() {
    let findings: Vec<String> = sources().iter().flat_map(layer_findings).collect();
    assert!(findings.is_empty(), "\n{}", report(&findings));
}

#[test]
fn only_the_io_layer_touches_the_file_system() {
    let findings: Vec<String> = sources().iter().flat_map(io_findings).collect();
    assert!(findings.is_empty(), "\n{}", report(&findings));
}

#[test]
fn every_module_is_in_a_layer() {
    let stray: Vec<String> = sources()
        .iter()
        .filter(|s| !s.module.is_empty() && !is_binary(&s.module))
        .filter(|s| layer_of(&s.module).is_none())
        .map(|s| format!("src/{}", s.path.display()))
        .collect();
    assert!(
        stray.is_empty(),
        "modules outside the layers of ARCHITECTURE.md: {stray:?}"
    );
}

/// ARCHITECTURE.md names every module of every layer and every test
/// module, so the codemap cannot quietly fall behind the tree.
#[test]
fn architecture_md_names_every_module_and_test() {
    let doc = std::fs::read_to_string(Path::new(REPO).join("ARCHITECTURE.md")).unwrap();
    let mut missing = Vec::new();
    for s in sources() {
        if s.module.len() == 2 && layer_of(&s.module).is_some() {
            let name = format!("{}/{}", s.module[0], s.module[1]);
            if !doc.contains(&format!("`{name}")) {
                missing.push(format!("src/{name}"));
            }
        }
    }
    let tests = std::fs::read_to_string(Path::new(REPO).join("tests/it/main.rs")).unwrap();
    for name in tests
        .lines()
        .filter_map(|l| l.strip_prefix("mod ")?.strip_suffix(';'))
        .filter(|&m| m != "common")
    {
        if !doc.contains(&format!("`{name}.rs`")) {
            missing.push(format!("tests/it/{name}.rs"));
        }
    }
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md does not name: {missing:?}"
    );
}

// The checker checks itself: each rule finds what it is meant to find.

fn source(path: &str, text: &str) -> Source {
    let mut module: Vec<String> = path
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_string)
        .collect();
    if module.last().map(String::as_str) == Some("mod") {
        module.pop();
    }
    Source {
        path: path.into(),
        module,
        text: text.to_string(),
    }
}

#[test]
fn the_checker_sees_inline_paths_super_paths_and_no_comments() {
    // The render/search cycle ran through inline paths like these.
    let render = source(
        "produce/render/mod.rs",
        "fn f() { let p = crate::produce::search::PAGE_PATH; }\n",
    );
    assert_eq!(
        layer_findings(&render).len(),
        1,
        "{:?}",
        layer_findings(&render)
    );
    let search = source(
        "produce/search/mod.rs",
        "fn f() { crate::produce::render::paper_path(\"x\"); }\n",
    );
    assert_eq!(layer_findings(&search).len(), 1);
    // The model naming the cache, through `super::super`.
    let model = source("model/groups.rs", "use super::super::io::cache::Cache;\n");
    let found = layer_findings(&model);
    assert!(
        found.len() == 1 && found[0].contains("layer `io`"),
        "{found:?}"
    );
    // Comments, doc comments and unit tests are not code.
    let quiet = source(
        "base/text.rs",
        "/// See [`crate::front::init`].\nfn f() {} // crate::io::fs\n/* crate::build */\n#[cfg(test)]\nmod tests {\n    use crate::build;\n    fn g() { std::fs::read(\"x\"); }\n}\n",
    );
    assert!(
        layer_findings(&quiet).is_empty(),
        "{:?}",
        layer_findings(&quiet)
    );
    assert!(io_findings(&quiet).is_empty());
    // A string is not a comment.
    let url = source(
        "input/config.rs",
        "const A: &str = \"https://x\"; use crate::io::load;\n",
    );
    assert_eq!(layer_findings(&url).len(), 1);
    // Grouped imports are refused, so no path hides in braces.
    let grouped = source("base/urls.rs", "use crate::{io, base};\n");
    assert_eq!(layer_findings(&grouped).len(), 1);
    let grouped = source(
        "produce/render/mod.rs",
        "use crate::produce::{model, search};\n",
    );
    assert_eq!(layer_findings(&grouped).len(), 1);
    let leaves = source(
        "model/mod.rs",
        "use crate::input::config::{Config, Theme};\n",
    );
    assert!(layer_findings(&leaves).is_empty());
}

#[test]
fn the_checker_sees_the_file_system() {
    for line in [
        "let t = std::fs::read_to_string(p);",
        "use std::{fs, io};",
        "for e in walkdir::WalkDir::new(p) {}",
        "let f = std::fs::File::open(p);",
        "let f = File::create(p);",
        "if p.exists() {}",
        "let ok = root.join(\"templates\").is_dir();",
        "let r = root.canonicalize()?;",
        "let m = p.symlink_metadata();",
        "let there = Path::exists(&p);",
    ] {
        let s = source("front/curate.rs", &format!("fn f() {{ {line} }}\n"));
        assert_eq!(io_findings(&s).len(), 1, "{line}");
        let ok = source("io/load.rs", &format!("fn f() {{ {line} }}\n"));
        assert!(io_findings(&ok).is_empty());
    }
}
