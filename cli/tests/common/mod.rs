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

/// Runs `streamwarden ARGS` with standard input from `stdin` (or nothing), and fails
/// the test if it has not finished within `seconds`: a hang is a failure, not a stuck
/// test run. Output goes through files so a large report cannot block the child.
pub fn streamwarden_within(seconds: u64, args: &[&str], stdin: Option<std::fs::File>) -> Output {
    let dir = TempDir::new("out");
    let out = std::fs::File::create(dir.path().join("stdout")).unwrap();
    let err = std::fs::File::create(dir.path().join("stderr")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_streamwarden"))
        .args(args)
        .current_dir(root())
        .stdin(stdin.map_or_else(std::process::Stdio::null, Into::into))
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("streamwarden {args:?} did not finish within {seconds} s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Output {
        status,
        stdout: std::fs::read(dir.path().join("stdout")).unwrap(),
        stderr: std::fs::read(dir.path().join("stderr")).unwrap(),
    }
}

/// A directory under the system's temporary directory, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "streamwarden-test-{}-{name}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `text` to `name` inside the directory (creating parents) and returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        // A test may have locked a subdirectory; unlock everything before removing.
        for entry in std::fs::read_dir(&self.0).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() && !path.is_symlink() {
                drop(std::fs::set_permissions(
                    &path,
                    std::fs::Permissions::from_mode(0o755),
                ));
            }
        }
        drop(std::fs::remove_dir_all(&self.0));
    }
}
