//! `appstream-sim`: a local simulator of the Amazon AppStream 2.0 API.
//!
//! It speaks the wire protocols real clients use, so the unmodified `aws-sdk-appstream`
//! client works against it when pointed at its URL (`AWS_ENDPOINT_URL_APPSTREAM` or
//! `endpoint_url`):
//!
//! - Smithy RPC v2 CBOR (aws-sdk-appstream 1.138): `POST
//!   /service/PhotonAdminProxyService/operation/<Operation>` with `smithy-protocol:
//!   rpc-v2-cbor` and CBOR bodies;
//! - awsJson1_1 (AWS CLI, boto3): `POST /` with `X-Amz-Target:
//!   PhotonAdminProxyService.<Operation>` and JSON bodies.
//!
//! State comes from a [`Scenario`] (a JSON document shaped like `describe-*` output);
//! tests drive it through the `/_sim/` control API or in process through [`Sim`].
//!
//! It serves many accounts and regions at once, one world per (account, region), and
//! picks the world from the request's SigV4 access key and scope region; STS
//! `AssumeRole` and `GetCallerIdentity` answer on the same port ([`sts`], [`sim`]).
//! Signatures are not verified.
//!
//! ```no_run
//! # async fn demo() -> Result<(), appstream_sim::Error> {
//! use appstream_sim::{Scenario, SimConfig, Simulator};
//! let sim = Simulator::start(Scenario::from_file("scenarios/sample.json")?, SimConfig::default()).await?;
//! println!("{}", sim.url());
//! sim.shutdown().await;
//! # Ok(())
//! # }
//! ```

pub mod error;
pub mod faults;
pub mod generate;
pub mod scenario;
pub mod server;
pub mod sim;
pub mod sts;
pub mod tagging;
pub mod time;
pub mod wire;
pub mod world;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use error::{Error, SimError};
pub use faults::FaultRule;
pub use scenario::Scenario;
pub use sim::{CallRecord, Caller, Protocol, Sim};

/// How to run the simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Page sizes per operation; they win over the scenario's `PageSizes`.
    pub page_sizes: BTreeMap<String, usize>,
    /// Fault rules active from the start.
    pub faults: Vec<FaultRule>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            page_sizes: BTreeMap::new(),
            faults: Vec::new(),
        }
    }
}

impl SimConfig {
    /// Sets the page size of one operation.
    pub fn page_size(mut self, operation: &str, size: usize) -> Self {
        self.page_sizes.insert(operation.to_owned(), size.max(1));
        self
    }

    /// Adds a fault rule.
    pub fn fault(mut self, rule: FaultRule) -> Self {
        self.faults.push(rule);
        self
    }
}

/// Entry point for starting simulators.
#[derive(Debug)]
pub struct Simulator;

impl Simulator {
    /// Starts a simulator on the current Tokio runtime.
    pub async fn start(scenario: Scenario, config: SimConfig) -> Result<SimHandle, Error> {
        let sim = Sim::new(&scenario, config.page_sizes, config.faults)
            .map_err(|e| Error::Config(e.message))?;
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| Error::Io {
                context: format!("binding {}", config.listen),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| Error::Io {
            context: "reading the bound address".to_owned(),
            source,
        })?;
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let app = server::router(sim.clone());
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _stopped = stop_rx.await;
                })
                .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "server stopped with an error");
            }
        });
        tracing::info!(%addr, "appstream-sim started");
        Ok(SimHandle {
            addr,
            sim,
            stop: Some(stop_tx),
            task: Some(task),
        })
    }

    /// Starts a simulator on a thread of its own (for synchronous tests and tools). It
    /// stops when the returned handle is dropped.
    pub fn start_background(scenario: Scenario, config: SimConfig) -> Result<BackgroundSim, Error> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("appstream-sim".to_owned())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(r) => r,
                    Err(source) => {
                        let _sent = ready_tx.send(Err(Error::Io {
                            context: "building the Tokio runtime".to_owned(),
                            source,
                        }));
                        return;
                    }
                };
                runtime.block_on(async move {
                    match Simulator::start(scenario, config).await {
                        Ok(handle) => {
                            let _sent = ready_tx.send(Ok((handle.addr(), handle.sim().clone())));
                            let _stopped = stop_rx.await;
                            handle.shutdown().await;
                        }
                        Err(e) => {
                            let _sent = ready_tx.send(Err(e));
                        }
                    }
                });
            })
            .map_err(|source| Error::Io {
                context: "spawning the simulator thread".to_owned(),
                source,
            })?;
        let (addr, sim) = ready_rx
            .recv()
            .map_err(|_| Error::Config("the simulator thread exited during start".to_owned()))??;
        Ok(BackgroundSim {
            addr,
            sim,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }
}

/// A running simulator started with [`Simulator::start`]. Dropping it stops the server.
#[derive(Debug)]
pub struct SimHandle {
    addr: SocketAddr,
    sim: Sim,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl SimHandle {
    /// The base URL, e.g. `http://127.0.0.1:43123`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// In-process access to the simulator state (same as the control API).
    pub fn sim(&self) -> &Sim {
        &self.sim
    }

    /// Stops accepting connections and waits (at most 5 s) for open ones to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _sent = stop.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _sent = stop.send(());
        }
    }
}

/// A simulator running on its own thread; see [`Simulator::start_background`].
#[derive(Debug)]
pub struct BackgroundSim {
    addr: SocketAddr,
    sim: Sim,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BackgroundSim {
    /// The base URL, e.g. `http://127.0.0.1:43123`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// In-process access to the simulator state.
    pub fn sim(&self) -> &Sim {
        &self.sim
    }

    /// Stops the server and joins its thread.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _sent = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _joined = thread.join();
        }
    }
}

impl Drop for BackgroundSim {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}
