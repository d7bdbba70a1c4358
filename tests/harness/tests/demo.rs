//! The README's main job, end to end, under `cargo test`: `scripts/demo.py --check`
//! builds the debug binaries, starts moto server and the AppStream simulator on the
//! sample account of `events/demo/`, runs every function through the Lambda runtime
//! interface (`cargo lambda watch` / `cargo lambda invoke`), and checks the findings,
//! alerts and sessions a user would see. Needs `.venv/` (scripts/bootstrap.sh, which
//! `make test` runs first).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A cold first run builds the binaries with the features `cargo run` resolves: minutes
/// on a small machine. A warm run takes seconds.
const TIMEOUT: Duration = Duration::from_secs(30 * 60);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn the_demo_runs_every_function_end_to_end_and_shows_what_it_should() {
    let root = root();
    let python = root.join(".venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/bootstrap.sh first (make test does)",
        python.display()
    );
    let log =
        std::env::temp_dir().join(format!("streamwarden-demo-test-{}.log", std::process::id()));
    let file = std::fs::File::create(&log).unwrap();
    let path = format!(
        "{}:{}",
        root.join(".venv/bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut child = Command::new(&python)
        .args(["scripts/demo.py", "--check"])
        .current_dir(&root)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::null())
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .spawn()
        .expect("starting .venv/bin/python scripts/demo.py --check");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > TIMEOUT {
            // SIGTERM: the demo stops everything it started before it exits.
            let _signalled = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let _waited = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let output = std::fs::read_to_string(&log).unwrap_or_default();
    let _removed = std::fs::remove_file(&log);
    match status {
        Some(status) if status.success() => {}
        Some(status) => panic!("scripts/demo.py --check failed ({status}); its output:\n{output}"),
        None => panic!(
            "scripts/demo.py --check did not finish within {} min; its output:\n{output}",
            TIMEOUT.as_secs() / 60
        ),
    }
    for section in [
        "Findings open",
        "Alerts delivered",
        "Sessions recorded",
        "Check",
    ] {
        assert!(
            output.contains(section),
            "no {section:?} section in the demo's output:\n{output}"
        );
    }
}
