//! The rule catalog is a contract: its IDs and severities must match spec/rules.md (the
//! brief beside the repository), and the README's table must match the code.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;
use streamwarden::policy::{CATALOG, markdown_table};

fn workspace() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

#[test]
fn catalog_ids_and_severities_match_the_spec() {
    let spec_path = workspace().join("../shared/spec/rules.md");
    let spec = std::fs::read_to_string(&spec_path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; the rule catalog spec is provided beside the repository",
            spec_path.display()
        )
    });
    let from_spec: BTreeMap<String, String> = spec
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let id = *cells.get(1)?;
            let known = ["FLEET-", "STACK-", "SESSION-"]
                .iter()
                .any(|p| id.starts_with(p));
            known.then(|| {
                (
                    id.to_owned(),
                    cells.get(2).copied().unwrap_or_default().to_owned(),
                )
            })
        })
        .collect();
    let from_code: BTreeMap<String, String> = CATALOG
        .iter()
        .map(|r| (r.id.to_owned(), r.severity.as_str().to_owned()))
        .collect();
    assert_eq!(from_code, from_spec);
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
