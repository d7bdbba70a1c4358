//! The real binary through the real Lambda runtime interface: `cargo lambda watch`
//! serves the runtime API and runs the function, `cargo lambda invoke` sends the sample
//! events, and the function talks to moto and the simulator through the standard
//! `AWS_ENDPOINT_URL_<SERVICE>` variables, as it would to AWS.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use streamwarden_harness::{LocalStack, StackOptions, sample_scenario};

const REGION: &str = "eu-west-1";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn path_with_venv() -> String {
    format!(
        "{}:{}",
        root().join(".venv/bin").display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// `cargo lambda watch` in its own process group, stopped with the group on drop.
struct Watch {
    child: Child,
    port: u16,
}

impl Drop for Watch {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _killed = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _waited = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn watch(env_file: &Path) -> Watch {
    let port = free_port();
    let log =
        std::fs::File::create(std::env::temp_dir().join(format!("cargo-lambda-watch-{port}.log")))
            .unwrap();
    let child = Command::new("cargo")
        .args([
            "lambda",
            "watch",
            "--package",
            "fleet-auditor",
            "--ignore-changes",
            "--invoke-port",
        ])
        .arg(port.to_string())
        .arg("--env-file")
        .arg(env_file)
        .current_dir(root())
        .env("PATH", path_with_venv())
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .process_group(0)
        .spawn()
        .expect("cargo lambda is installed by scripts/bootstrap.sh (make test runs it)");
    let watch = Watch { child, port };
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "cargo lambda watch did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    watch
}

fn invoke(watch: &Watch, event: &str) -> Output {
    Command::new("cargo")
        .args([
            "lambda",
            "invoke",
            "fleet-auditor",
            "--output-format",
            "json",
            "--invoke-port",
        ])
        .arg(watch.port.to_string())
        .arg("--data-file")
        .arg(root().join("events/fleet-auditor").join(event))
        .current_dir(root())
        .env("PATH", path_with_venv())
        .output()
        .unwrap()
}

fn result(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "invoke failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_function_audits_alerts_once_and_rejects_unknown_events_through_cargo_lambda() {
    let stack = LocalStack::start_with(StackOptions {
        region: REGION.into(),
        scenario: sample_scenario(),
        ..StackOptions::default()
    })
    .await;
    let inbox = stack.inbox();

    let env_file = std::env::temp_dir().join(format!("fleet-auditor-{}.env", std::process::id()));
    let mut env = std::fs::File::create(&env_file).unwrap();
    for (key, value) in stack.env() {
        writeln!(env, "{key}={value}").unwrap();
    }
    writeln!(env, "AWS_LAMBDA_LOG_FORMAT=JSON").unwrap();
    drop(env);
    let watch = watch(&env_file);

    // contractors-od is changed to allow internet access, USB and a long timeout.
    let first = result(&invoke(&watch, "update-fleet.json"));
    assert_eq!(first["evaluated"], 1, "{first}");
    assert_eq!(first["alerts"], 1, "{first}");
    let alerts = inbox.receive_at_least(1, Duration::from_secs(5)).await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].attributes["fleet"], "contractors-od");
    assert!(
        alerts[0].message.contains("contractor-admin"),
        "names who made the change"
    );

    // Redelivered: nothing new.
    let again = result(&invoke(&watch, "update-fleet.json"));
    assert_eq!(again["alerts"], 0, "{again}");
    assert!(inbox.receive_all(Duration::from_secs(1)).await.is_empty());

    // An event the function does not handle is an invocation error with a stable type.
    let rejected = invoke(&watch, "unsupported-ec2-event.json");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&rejected.stdout),
        String::from_utf8_lossy(&rejected.stderr)
    );
    assert!(!rejected.status.success(), "{text}");
    assert!(
        text.contains("UnsupportedEvent") && text.contains("aws.ec2"),
        "{text}"
    );

    drop(watch);
    std::fs::remove_file(env_file).unwrap();
}
