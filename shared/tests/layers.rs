//! The layers point one way, and stay so: read from the sources, not from a list kept by
//! hand.
//!
//! - No `aws_sdk_*` or `aws_config` outside `shared/src/aws/` in product code (the core,
//!   the functions, the CLI).
//! - The pure core (`model`, `finding`, `error`, `inputs`, `policy`, `report`) imports
//!   nothing that does I/O or speaks to a store.
//! - No module of `shared/src` imports a module that imports it (directly or through
//!   others), at the level of top-level modules and of their children.
//! - No `Result<_, String>` in `shared/src` or `functions/`.

#![allow(clippy::expect_used)] // test helpers: a missing source tree is a failed test

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_owned()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Code only: comments (and so doc links) and `#[cfg(test)]` modules left out.
fn code(path: &Path) -> String {
    let text = fs::read_to_string(path).expect("readable source");
    let text = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => &text[..],
    };
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_test_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name == "tests.rs" || name.ends_with("_tests.rs")
}

/// `shared/src/services/reconcile.rs` is `services::reconcile`.
fn module_of(src: &Path, path: &Path) -> Vec<String> {
    let rel = path
        .strip_prefix(src)
        .expect("under src")
        .with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// Every `crate::a::b` path a source names, as its first `depth` segments that are
/// modules.
fn imports(code: &str, modules: &BTreeSet<Vec<String>>, depth: usize) -> BTreeSet<Vec<String>> {
    let mut found = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        let path: Vec<String> = rest
            .split("::")
            .map(|s| {
                s.chars()
                    .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                    .collect::<String>()
            })
            .take_while(|s| !s.is_empty())
            .collect();
        let mut known = path.clone();
        while !known.is_empty() && !modules.contains(&known) {
            known.pop();
        }
        known.truncate(depth);
        if !known.is_empty() {
            found.insert(known);
        }
    }
    found
}

fn sources() -> (PathBuf, Vec<PathBuf>) {
    let src = root().join("shared/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.retain(|f| !is_test_file(f));
    (src, files)
}

/// Strongly connected groups of more than one module.
fn cycles(graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    for start in graph.keys() {
        // Every module reachable from `start`; a cycle when `start` is among them.
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&Vec<String>> = graph[start].iter().collect();
        while let Some(next) = stack.pop() {
            if seen.insert(next.clone())
                && let Some(more) = graph.get(next)
            {
                stack.extend(more);
            }
        }
        if seen.contains(start) {
            found.push(start.join("::"));
        }
    }
    if found.is_empty() {
        vec![]
    } else {
        vec![found]
    }
}

fn graph(depth: usize) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let (src, files) = sources();
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut graph: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for file in &files {
        let mut from = module_of(&src, file);
        from.truncate(depth);
        if from.is_empty() {
            continue; // lib.rs
        }
        for to in imports(&code(file), &modules, depth) {
            // A parent re-exporting its children is not an import cycle of siblings.
            if to != from && !to.starts_with(&from) && !from.starts_with(&to) {
                graph.entry(from.clone()).or_default().insert(to);
            }
        }
        graph.entry(from).or_default();
    }
    graph
}

#[test]
fn no_module_imports_a_module_that_imports_it() {
    for depth in [1, 2, 3] {
        let graph = graph(depth);
        assert!(graph.len() > 5, "the sources were read: {graph:?}");
        assert_eq!(cycles(&graph), Vec::<Vec<String>>::new(), "depth {depth}");
    }
}

#[test]
fn the_cycle_check_finds_a_cycle() {
    let m = |s: &str| vec![s.to_owned()];
    let graph = BTreeMap::from([
        (m("a"), BTreeSet::from([m("b")])),
        (m("b"), BTreeSet::from([m("a")])),
        (m("c"), BTreeSet::from([m("a")])),
    ]);
    assert_eq!(cycles(&graph), vec![vec!["a".to_owned(), "b".to_owned()]]);
}

#[test]
fn the_pure_core_imports_no_port_or_adapter() {
    let graph = graph(1);
    let pure = ["model", "finding", "error", "inputs", "policy", "report"];
    let io = [
        "aws",
        "store",
        "inventory",
        "services",
        "region_audit",
        "config",
        "digest",
    ];
    for module in pure {
        let imports = &graph[&vec![module.to_owned()]];
        for forbidden in io {
            assert!(
                !imports.contains(&vec![forbidden.to_owned()]),
                "{module} imports {forbidden}"
            );
        }
    }
}

#[test]
fn no_sdk_type_outside_the_aws_adapters() {
    let root = root();
    let mut files = Vec::new();
    rust_files(&root.join("shared/src"), &mut files);
    rust_files(&root.join("cli/src"), &mut files);
    for function in fs::read_dir(root.join("functions"))
        .expect("functions/")
        .flatten()
    {
        rust_files(&function.path().join("src"), &mut files);
    }
    let aws = root.join("shared/src/aws");
    let offenders: Vec<String> = files
        .iter()
        .filter(|f| !f.starts_with(&aws))
        .filter(|f| {
            let code = code(f);
            code.contains("aws_sdk_") || code.contains("aws_config")
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(files.len() > 40, "the sources were read");
    assert_eq!(offenders, Vec::<String>::new());
}

#[test]
fn no_string_errors_in_the_core_or_the_functions() {
    let root = root();
    let mut files = Vec::new();
    rust_files(&root.join("shared/src"), &mut files);
    for function in fs::read_dir(root.join("functions"))
        .expect("functions/")
        .flatten()
    {
        rust_files(&function.path().join("src"), &mut files);
    }
    let offenders: Vec<String> = files
        .iter()
        .filter(|f| {
            let code: String = code(f).chars().filter(|c| !c.is_whitespace()).collect();
            code.contains(",String>")
                && code.split("Result<").skip(1).any(|after| {
                    // The error type of this Result: what follows its first top-level comma.
                    let mut depth = 0;
                    for (i, c) in after.char_indices() {
                        match c {
                            '<' | '(' => depth += 1,
                            ')' => depth -= 1,
                            '>' if depth == 0 => return false,
                            '>' => depth -= 1,
                            ',' if depth == 0 => return after[i + 1..].starts_with("String>"),
                            _ => {}
                        }
                    }
                    false
                })
        })
        .map(|f| f.display().to_string())
        .collect();
    assert_eq!(offenders, Vec::<String>::new());
}
