//! A `moto_server` process on a free port.

use std::fs::File;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use aws_config::SdkConfig;

use crate::{REGION, client_config, repo_root};

/// How long [`Moto::start`] waits for the server to answer.
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// Ports tried before giving up (another process can take a free port before moto binds).
const PORT_ATTEMPTS: usize = 3;
/// Environment variables passed through to moto; everything else (AWS_*, MOTO_*) is
/// dropped so the server does not depend on the test process's environment.
const PASSED_ENV: &[&str] = &["PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "SSL_CERT_FILE"];

static INSTANCES: AtomicU32 = AtomicU32::new(0);

/// A running `moto_server` (DynamoDB, SNS, SQS and the rest of moto) on
/// `127.0.0.1:<free port>`. Dropping it kills the process and waits for it.
///
/// Each instance has its own state, so tests that each start one are isolated.
#[derive(Debug)]
pub struct Moto {
    child: Child,
    port: u16,
    url: String,
    log: PathBuf,
}

impl Moto {
    /// Starts `<repo>/.venv/bin/moto_server` on a free port and waits until it answers
    /// HTTP (at most 20 s).
    ///
    /// # Panics
    /// If moto is not installed (`scripts/bootstrap.sh` installs it), or if it does not
    /// start; the message then carries the end of moto's output.
    pub fn start() -> Moto {
        let binary = repo_root().join(".venv/bin/moto_server");
        if !binary.is_file() {
            panic!("moto server not installed: run scripts/bootstrap.sh (make test does)");
        }
        let mut failures = Vec::new();
        for _ in 0..PORT_ATTEMPTS {
            match Self::try_start(&binary) {
                Ok(moto) => return moto,
                Err(StartError::PortTaken(message)) => failures.push(message),
                Err(StartError::Fatal(message)) => panic!("{message}"),
            }
        }
        panic!(
            "moto_server could not bind a free port in {PORT_ATTEMPTS} attempts:\n{}",
            failures.join("\n")
        );
    }

    fn try_start(binary: &Path) -> Result<Moto, StartError> {
        let port = free_port().map_err(|e| {
            StartError::Fatal(format!("could not find a free port on 127.0.0.1: {e}"))
        })?;
        let n = INSTANCES.fetch_add(1, Ordering::Relaxed);
        let log = std::env::temp_dir().join(format!(
            "streamwarden-moto-{}-{n}-{port}.log",
            std::process::id()
        ));
        let (stdout, stderr) = File::create(&log)
            .and_then(|f| Ok((f.try_clone()?, f)))
            .map_err(|e| {
                StartError::Fatal(format!(
                    "could not create moto's log {}: {e}",
                    log.display()
                ))
            })?;
        let mut command = Command::new(binary);
        command
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env_clear()
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr);
        for name in PASSED_ENV {
            if let Some(value) = std::env::var_os(name) {
                command.env(name, value);
            }
        }
        let child = command
            .spawn()
            .map_err(|e| StartError::Fatal(format!("could not run {}: {e}", binary.display())))?;
        // From here on, Drop kills the child whatever happens.
        let mut moto = Moto {
            child,
            port,
            url: format!("http://127.0.0.1:{port}"),
            log,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            match moto.child.try_wait() {
                Ok(Some(status)) => {
                    let output = moto.log_tail(40);
                    let message = format!(
                        "moto_server on port {port} exited during start ({status}); its output:\n{output}"
                    );
                    return Err(if output.contains("Address already in use") {
                        StartError::PortTaken(message)
                    } else {
                        StartError::Fatal(message)
                    });
                }
                Ok(None) => {}
                Err(e) => {
                    return Err(StartError::Fatal(format!(
                        "could not poll moto_server (pid {}): {e}",
                        moto.pid()
                    )));
                }
            }
            if answers_http(port) {
                return Ok(moto);
            }
            if Instant::now() >= deadline {
                return Err(StartError::Fatal(format!(
                    "moto_server on port {port} did not answer within {}s; its output:\n{}",
                    START_TIMEOUT.as_secs(),
                    moto.log_tail(40)
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The base URL, e.g. `http://127.0.0.1:43123`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The port moto listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SDK configuration for this server: static test credentials, region `us-east-1`,
    /// `endpoint_url` set, standard retries and a 30 s operation timeout, nothing read
    /// from the test process's environment or profile files.
    ///
    /// Use it for any service: `aws_sdk_dynamodb::Client::new(&moto.sdk_config())`.
    pub fn sdk_config(&self) -> SdkConfig {
        client_config(&self.url, REGION)
    }

    /// A DynamoDB client for this server.
    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.sdk_config())
    }

    /// An SNS client for this server.
    pub fn sns(&self) -> aws_sdk_sns::Client {
        aws_sdk_sns::Client::new(&self.sdk_config())
    }

    /// Everything moto printed so far (one line per request, and any traceback).
    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn log_tail(&self, lines: usize) -> String {
        let output = self.output();
        let all: Vec<&str> = output.lines().collect();
        let tail = all[all.len().saturating_sub(lines)..].join("\n    ");
        if tail.is_empty() {
            "    (nothing)".to_owned()
        } else {
            format!("    {tail}")
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        // SIGKILL: moto keeps nothing worth flushing, and the port is freed at once.
        let _killed = self.child.kill();
        let _waited = self.child.wait();
        if std::thread::panicking() {
            eprintln!(
                "moto_server on {} (pid {}) stopped; its last output (full log kept at {}):\n{}",
                self.url,
                self.child.id(),
                self.log.display(),
                self.log_tail(30)
            );
        } else {
            let _removed = std::fs::remove_file(&self.log);
        }
    }
}

enum StartError {
    PortTaken(String),
    Fatal(String),
}

fn free_port() -> std::io::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}

/// True when something on the port answers an HTTP request with a status line.
fn answers_http(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let timeout = Duration::from_millis(500);
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, timeout) else {
        return false;
    };
    if stream.set_read_timeout(Some(timeout)).is_err()
        || stream.set_write_timeout(Some(timeout)).is_err()
    {
        return false;
    }
    let request =
        format!("GET /moto-api/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0_u8; 12];
    match stream.read_exact(&mut head) {
        Ok(()) => head.starts_with(b"HTTP/1."),
        Err(_) => false,
    }
}
