//! The AppStream simulator, in process on a thread of its own.

use std::collections::BTreeMap;
use std::path::Path;

use appstream_sim::scenario::parse_accounts;
use appstream_sim::{BackgroundSim, Scenario, Sim, SimConfig, Simulator};
use aws_config::SdkConfig;
use serde_json::Value;

use crate::{client_config_as, repo_root};

/// A running AppStream simulator (`appstream-sim`) on `127.0.0.1:<free port>`, on a thread
/// with its own Tokio runtime, so it serves sync tests, async tests and child processes
/// alike. Dropping it stops the server and joins the thread.
#[derive(Debug)]
pub struct AppStream {
    sim: BackgroundSim,
}

impl AppStream {
    /// Starts the simulator on `scenario` with the default configuration.
    pub fn start(scenario: Scenario) -> AppStream {
        Self::start_with(scenario, SimConfig::default())
    }

    /// Starts the simulator on `scenario` with `config` (page sizes, faults, address).
    ///
    /// # Panics
    /// When the simulator does not start (bad configuration, address in use).
    pub fn start_with(scenario: Scenario, config: SimConfig) -> AppStream {
        match Simulator::start_background(scenario, config) {
            Ok(sim) => AppStream { sim },
            Err(e) => panic!("AppStream simulator did not start: {e}"),
        }
    }

    /// Starts the simulator on a scenario file; a relative path is taken from the
    /// repository root (e.g. `tests/appstream-sim/scenarios/sample.json`).
    ///
    /// # Panics
    /// When the file cannot be read or is not a valid scenario.
    pub fn from_file(path: impl AsRef<Path>) -> AppStream {
        let path = repo_root().join(path.as_ref());
        match Scenario::from_file(&path) {
            Ok(scenario) => Self::start(scenario),
            Err(e) => panic!("AppStream scenario {}: {e}", path.display()),
        }
    }

    /// Starts the simulator on a scenario given as JSON.
    ///
    /// # Panics
    /// When the document is not a valid scenario.
    pub fn from_json(document: Value) -> AppStream {
        match Scenario::from_json(document) {
            Ok(scenario) => Self::start(scenario),
            Err(e) => panic!("AppStream scenario: {e}"),
        }
    }

    /// The base URL, e.g. `http://127.0.0.1:43123`.
    pub fn url(&self) -> String {
        self.sim.url()
    }

    /// `("AWS_ENDPOINT_URL_APPSTREAM", url)`, for a child process.
    pub fn env(&self) -> (String, String) {
        ("AWS_ENDPOINT_URL_APPSTREAM".to_owned(), self.url())
    }

    /// In-process access to the simulator's state (clock, faults, call log, fleets).
    pub fn sim(&self) -> &Sim {
        self.sim.sim()
    }

    /// SDK configuration for the simulator as `account` in `region`: the account id is
    /// the access key, which the simulator maps to that account (for AppStream, the
    /// tagging API and STS alike). Seed an account with calls made through it.
    pub fn sdk_config_as(&self, account: &str, region: &str) -> SdkConfig {
        client_config_as(&self.url(), region, account)
    }

    /// Adds accounts, in the scenario's `Accounts` shape: `{"<id>": {"Roles":
    /// [{"RoleName": "R", "Deny": ["DescribeImages"]}], "Regions": {"<region>": {<scenario
    /// body>}}}}`.
    ///
    /// # Panics
    /// When the document is not valid.
    pub fn add_accounts(&self, accounts: Value) {
        let specs = parse_accounts(accounts)
            .unwrap_or_else(|e| panic!("AppStream simulator accounts: {e}"));
        if let Err(e) = self.sim().add_accounts(&specs) {
            panic!("AppStream simulator accounts: {e}");
        }
    }

    /// STS AssumeRole calls per role account (granted and denied) so far.
    pub fn assume_role_calls(&self) -> BTreeMap<String, u64> {
        self.sim().assume_role_calls()
    }
}

/// The fleets of `events/check/describe-fleets.json` and the stacks of
/// `events/check/describe-stacks.json` as one scenario (JSON, to extend before starting):
/// the sample account the README's `streamwarden check` example reads.
///
/// # Panics
/// When a sample cannot be read or is not JSON.
pub fn sample_scenario() -> Value {
    let read = |name: &str| -> Value {
        let path = repo_root().join("events/check").join(name);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("could not read {}: {e}", path.display()));
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
    };
    let mut scenario = read("describe-fleets.json");
    scenario["Stacks"] = read("describe-stacks.json")["Stacks"].take();
    scenario
}
