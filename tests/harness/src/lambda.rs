//! A function's real binary behind the real Lambda runtime interface: `cargo lambda
//! watch` serves the runtime API and runs the function (one warm process, invoked again
//! and again), `cargo lambda invoke` sends it events, and the function reaches moto and
//! the simulator through the standard `AWS_ENDPOINT_URL_<SERVICE>` variables of its
//! environment file, as it would reach AWS.

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::repo_root;

/// How long [`LambdaWatch::start`] waits for the runtime API (it may build the function).
const START_TIMEOUT: Duration = Duration::from_secs(300);

static FILES: AtomicU32 = AtomicU32::new(0);

/// `PATH` with the repository's `.venv/bin` (where `cargo-lambda` is) first.
fn path_with_venv() -> String {
    format!(
        "{}:{}",
        repo_root().join(".venv/bin").display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// A file of the temporary directory, unique to this process and call.
fn temp_file(stem: &str, extension: &str) -> PathBuf {
    let n = FILES.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!(
        "streamwarden-{stem}-{}-{n}.{extension}",
        std::process::id()
    ))
}

/// `cargo lambda watch --package <package>` on a free port, in its own process group,
/// with an environment file of exactly the given variables. Dropping it stops the group
/// (cargo-lambda and the function) and removes the environment file.
#[derive(Debug)]
pub struct LambdaWatch {
    child: Child,
    package: String,
    port: u16,
    env_file: PathBuf,
    log: PathBuf,
}

impl LambdaWatch {
    /// Builds (when needed) and serves `package`'s function with `env` as its
    /// environment, e.g. [`LocalStack::env`](crate::LocalStack::env) plus the
    /// function's own settings (a later pair wins over an earlier one of the same name).
    ///
    /// # Panics
    /// When cargo-lambda cannot be run (`scripts/bootstrap.sh` installs it) or does not
    /// listen within five minutes; the message carries the end of its log.
    pub fn start(package: &str, env: &[(String, String)]) -> LambdaWatch {
        let env_file = temp_file(&format!("{package}-env"), "env");
        let mut merged: Vec<(&str, &str)> = Vec::new();
        for (key, value) in env {
            merged.retain(|(k, _)| *k != key.as_str());
            merged.push((key.as_str(), value.as_str()));
        }
        let mut text = String::new();
        for (key, value) in merged {
            text.push_str(&format!("{key}={value}\n"));
        }
        std::fs::write(&env_file, text)
            .unwrap_or_else(|e| panic!("could not write {}: {e}", env_file.display()));
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or_else(|e| panic!("no free port on 127.0.0.1: {e}"));
        let log = temp_file(&format!("{package}-watch"), "log");
        let file = std::fs::File::create(&log)
            .unwrap_or_else(|e| panic!("could not create {}: {e}", log.display()));
        let stderr = file
            .try_clone()
            .unwrap_or_else(|e| panic!("could not share {}: {e}", log.display()));
        let child = Command::new("cargo")
            .args(["lambda", "watch", "--package", package, "--ignore-changes"])
            .arg("--invoke-port")
            .arg(port.to_string())
            .arg("--env-file")
            .arg(&env_file)
            .current_dir(repo_root())
            .env("PATH", path_with_venv())
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(stderr)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cargo lambda is installed by scripts/bootstrap.sh (make test runs it): {e}")
            });
        let watch = LambdaWatch {
            child,
            package: package.to_owned(),
            port,
            env_file,
            log,
        };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < START_TIMEOUT,
                "cargo lambda watch {package} did not listen on {port}; its log:\n{}",
                watch.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        watch
    }

    /// Sends `event` to the function and waits for its answer.
    pub fn invoke(&self, event: &Value) -> Invocation {
        let file = temp_file(&format!("{}-event", self.package), "json");
        std::fs::write(&file, event.to_string())
            .unwrap_or_else(|e| panic!("could not write {}: {e}", file.display()));
        let invocation = self.invoke_file(&file);
        let _removed = std::fs::remove_file(&file);
        invocation
    }

    /// Sends the event in `path` (relative: from the repository root) to the function.
    pub fn invoke_file(&self, path: impl AsRef<Path>) -> Invocation {
        let output = Command::new("cargo")
            .args(["lambda", "invoke", &self.package, "--output-format", "json"])
            .arg("--invoke-port")
            .arg(self.port.to_string())
            .arg("--data-file")
            .arg(repo_root().join(path.as_ref()))
            .current_dir(repo_root())
            .env("PATH", path_with_venv())
            .output()
            .unwrap_or_else(|e| panic!("could not run cargo lambda invoke: {e}"));
        Invocation { output }
    }

    /// What cargo-lambda and the function printed so far (the function's logs).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for LambdaWatch {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _killed = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _waited = self.child.wait();
        let _removed = std::fs::remove_file(&self.env_file);
        if std::thread::panicking() {
            eprintln!(
                "cargo lambda watch {} stopped; its log is kept at {}",
                self.package,
                self.log.display()
            );
        } else {
            let _removed = std::fs::remove_file(&self.log);
        }
    }
}

/// One `cargo lambda invoke`: the function's answer, or its error.
#[derive(Debug)]
pub struct Invocation {
    pub output: Output,
}

impl Invocation {
    /// Whether the function answered without an error.
    pub fn succeeded(&self) -> bool {
        self.output.status.success()
    }

    /// The function's answer.
    ///
    /// # Panics
    /// When the invocation failed or the answer is not JSON.
    pub fn answer(&self) -> Value {
        assert!(self.succeeded(), "invoke failed: {}", self.text());
        serde_json::from_slice(&self.output.stdout)
            .unwrap_or_else(|e| panic!("the answer is not JSON ({e}): {}", self.text()))
    }

    /// The error the function reported (its `errorType` and `errorMessage` are in it).
    ///
    /// # Panics
    /// When the invocation succeeded.
    pub fn error(&self) -> String {
        assert!(!self.succeeded(), "expected an error: {}", self.text());
        self.text()
    }

    /// Everything `cargo lambda invoke` printed.
    pub fn text(&self) -> String {
        format!(
            "{}{}",
            String::from_utf8_lossy(&self.output.stdout),
            String::from_utf8_lossy(&self.output.stderr)
        )
    }
}

/// The path of a workspace binary (e.g. the CLI's `streamwarden` from a function's
/// test), built first if needed with the same profile and target directory as the
/// tests (`cargo build --package <package> --bin <bin>`).
///
/// # Panics
/// When the build fails or names no executable.
pub fn workspace_binary(package: &str, bin: &str) -> PathBuf {
    let output = Command::new("cargo")
        .args([
            "build",
            "--quiet",
            "--package",
            package,
            "--bin",
            bin,
            "--message-format",
            "json",
        ])
        .current_dir(repo_root())
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("could not run cargo build: {e}"));
    assert!(
        output.status.success(),
        "cargo build --package {package} --bin {bin} failed"
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == bin)
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .unwrap_or_else(|| panic!("cargo build named no executable for {package}/{bin}"))
}
