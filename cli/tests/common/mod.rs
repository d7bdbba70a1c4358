//! What the end-to-end tests of the `streamwarden` binary share: where the repository is,
//! and running the binary there.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs `streamwarden ARGS` in the repository, with colour left to `--color`.
pub fn streamwarden(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_streamwarden"))
        .args(args)
        .current_dir(root())
        .env_remove("NO_COLOR")
        .env_remove("STREAMWARDEN_TABLE")
        .output()
        .unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}
