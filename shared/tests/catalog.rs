//! The rule catalog is a contract with users: its IDs, severities and defaults are
//! published in `docs/rules.md` (generated from the code) and in the README's table. These
//! tests keep both documents in step with the code, so a change to the catalog shows up
//! as a reviewed change to the documents.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use streamwarden::policy::{Rule, markdown_table};

const REGENERATE: &str = "regenerate it with `UPDATE_DOCS=1 cargo test -p streamwarden --test catalog` \
     (or `cargo run -q -p streamwarden-cli -- rules --format reference > docs/rules.md`), \
     then review the diff";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The first line where `actual` and `expected` differ, for a short failure message.
fn first_difference(actual: &str, expected: &str) -> String {
    let (mut a, mut e) = (actual.lines(), expected.lines());
    for number in 1.. {
        match (a.next(), e.next()) {
            (Some(x), Some(y)) if x == y => continue,
            (None, None) => break,
            (x, y) => {
                return format!(
                    "line {number}:\n  in the file: {}\n  from code:   {}",
                    x.unwrap_or("(end of file)"),
                    y.unwrap_or("(end)")
                );
            }
        }
    }
    "only in line endings".to_owned()
}

#[test]
fn docs_rules_md_is_generated_from_the_catalog() {
    let path = workspace().join("docs/rules.md");
    let generated = Rule::catalog_markdown();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let on_disk = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; {REGENERATE}", path.display()));
    assert!(
        on_disk == generated,
        "docs/rules.md differs from the catalog in code at {}\n{REGENERATE}",
        first_difference(&on_disk, &generated)
    );
}

#[test]
fn readme_rule_table_matches_the_code() {
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    let start = readme
        .find("<!-- rules:start -->\n")
        .expect("README has the rules:start marker");
    let end = readme
        .find("<!-- rules:end -->")
        .expect("README has the rules:end marker");
    let table = &readme[start + "<!-- rules:start -->\n".len()..end];
    assert_eq!(
        table,
        markdown_table(),
        "README's rule table is stale: paste `streamwarden rules --format markdown` between the markers"
    );
}

#[test]
fn readme_links_the_rule_reference_in_the_repository() {
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    assert!(
        readme.contains("](docs/rules.md)"),
        "README should link docs/rules.md"
    );
    assert!(
        !readme.contains("../shared/"),
        "README links a path outside the repository"
    );
}
