//! The shared simulator state: the account, the clock, fault rules, page sizes and the
//! call log, behind one lock. Both the HTTP front end and in-process callers use [`Sim`].

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::error::SimError;
use crate::faults::{FaultDecision, FaultRule, Faults};
use crate::scenario::Scenario;
use crate::time::{Clock, format_iso};
use crate::world::{Kind, World};

/// The wire protocol a call arrived in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Protocol {
    /// Smithy RPC v2 CBOR (what aws-sdk-appstream sends).
    #[serde(rename = "rpc-v2-cbor")]
    RpcV2Cbor,
    /// awsJson1_1 (AWS CLI, boto3).
    #[serde(rename = "awsJson1_1")]
    AwsJson11,
}

impl Protocol {
    /// The protocol's name as recorded in the call log.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::RpcV2Cbor => "rpc-v2-cbor",
            Protocol::AwsJson11 => "awsJson1_1",
        }
    }
}

impl std::fmt::Display for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One AppStream call as recorded in the call log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallRecord {
    /// 1-based position among all AppStream calls since start (not reset by clearing).
    pub seq: u64,
    /// Simulated time of the call (RFC 3339).
    pub time: String,
    /// Wire protocol.
    pub protocol: Protocol,
    /// Operation name, e.g. `DescribeFleets`.
    pub operation: String,
    /// Request parameters as JSON.
    pub params: Value,
    /// HTTP status answered.
    pub status: u16,
    /// Error code answered, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Whether the answer came from an injected fault.
    pub injected: bool,
}

/// The outcome of one AppStream call.
#[derive(Debug, Clone)]
pub struct CallOutcome {
    /// Milliseconds to wait before answering.
    pub latency_ms: u64,
    /// The output structure or the error.
    pub result: Result<Value, SimError>,
}

#[derive(Debug)]
struct Engine {
    world: World,
    clock: Clock,
    faults: Faults,
    calls: Vec<CallRecord>,
    call_seq: u64,
    page_sizes: BTreeMap<String, usize>,
    fixed_page_sizes: BTreeMap<String, usize>,
}

impl Engine {
    fn tick(&mut self) -> f64 {
        let now = self.clock.now();
        self.world.tick(now);
        now
    }
}

/// A handle on the simulator's state. Cheap to clone; all clones share the state.
#[derive(Debug, Clone)]
pub struct Sim {
    inner: Arc<Mutex<Engine>>,
}

impl Sim {
    /// A simulator holding `scenario`. `page_sizes` (e.g. from flags) win over the
    /// scenario's own `PageSizes`.
    pub fn new(
        scenario: &Scenario,
        page_sizes: BTreeMap<String, usize>,
        faults: Vec<FaultRule>,
    ) -> Result<Self, SimError> {
        let world = World::from_scenario(scenario)?;
        let mut fault_state = Faults::default();
        fault_state
            .set(faults)
            .map_err(|e| SimError::new(400, "BadRequest", e))?;
        let mut effective = scenario.page_sizes.clone();
        effective.extend(page_sizes.clone());
        Ok(Self {
            inner: Arc::new(Mutex::new(Engine {
                world,
                clock: Clock::new(scenario.now),
                faults: fault_state,
                calls: Vec::new(),
                call_seq: 0,
                page_sizes: effective,
                fixed_page_sizes: page_sizes,
            })),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Engine> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn ticked(&self) -> (MutexGuard<'_, Engine>, f64) {
        let mut engine = self.lock();
        let now = engine.tick();
        (engine, now)
    }

    /// Performs one AppStream call: applies fault rules, runs the operation, logs it.
    pub fn call(&self, protocol: Protocol, operation: &str, params: &Value) -> CallOutcome {
        let (mut engine, now) = self.ticked();
        let FaultDecision { latency_ms, error } = engine.faults.decide(operation, params);
        let injected = error.is_some();
        let result = match error {
            Some(e) => Err(e),
            None => {
                let Engine {
                    world, page_sizes, ..
                } = &mut *engine;
                world.call(operation, params, now, page_sizes)
            }
        };
        engine.call_seq += 1;
        let record = CallRecord {
            seq: engine.call_seq,
            time: format_iso(now),
            protocol,
            operation: operation.to_owned(),
            params: params.clone(),
            status: result.as_ref().map_or_else(|e| e.status, |_| 200),
            error: result.as_ref().err().map(|e| e.code.clone()),
            injected,
        };
        engine.calls.push(record);
        CallOutcome { latency_ms, result }
    }

    /// Replaces the account with `scenario`; resets the clock to its `Now`. Fault rules,
    /// page sizes given by flags and the call log are kept.
    pub fn load_scenario(&self, scenario: &Scenario) -> Result<(), SimError> {
        let world = World::from_scenario(scenario)?;
        let mut engine = self.lock();
        engine.world = world;
        engine.clock = Clock::new(scenario.now);
        let mut effective = scenario.page_sizes.clone();
        effective.extend(engine.fixed_page_sizes.clone());
        engine.page_sizes = effective;
        Ok(())
    }

    /// The current state as a scenario document.
    pub fn scenario_json(&self) -> Value {
        let (engine, now) = self.ticked();
        engine.world.to_scenario_json(now, &engine.page_sizes)
    }

    /// Status summary: counts, clock, number of logged calls.
    pub fn health(&self) -> Value {
        let (engine, now) = self.ticked();
        let mut out = json!({
            "status": "ok",
            "now": format_iso(now),
            "calls": engine.calls.len(),
        });
        if let (Value::Object(out), Value::Object(counts)) = (&mut out, engine.world.counts()) {
            out.extend(counts);
        }
        out
    }

    /// The simulated time in epoch seconds.
    pub fn now(&self) -> f64 {
        self.lock().clock.now()
    }

    /// The clock as `{"now": RFC 3339, "epoch": seconds, "frozen": bool}`.
    pub fn clock_json(&self) -> Value {
        let (engine, now) = self.ticked();
        json!({"now": format_iso(now), "epoch": now, "frozen": engine.clock.is_frozen()})
    }

    /// Moves the clock by `seconds` and applies what falls due.
    pub fn advance_clock(&self, seconds: f64) -> Value {
        self.lock().clock.advance(seconds);
        self.clock_json()
    }

    /// Sets the clock to `epoch_seconds` and applies what falls due.
    pub fn set_clock(&self, epoch_seconds: f64) -> Value {
        self.lock().clock.set(epoch_seconds);
        self.clock_json()
    }

    /// Freezes the clock or lets it follow real time.
    pub fn set_clock_frozen(&self, frozen: bool) -> Value {
        self.lock().clock.set_frozen(frozen);
        self.clock_json()
    }

    /// Replaces the fault rules (an empty list clears them).
    pub fn set_faults(&self, rules: Vec<FaultRule>) -> Result<(), SimError> {
        self.lock()
            .faults
            .set(rules)
            .map_err(|e| SimError::new(400, "BadRequest", e))
    }

    /// The active fault rules.
    pub fn faults(&self) -> Vec<FaultRule> {
        self.lock().faults.rules()
    }

    /// The call log, oldest first.
    pub fn calls(&self) -> Vec<CallRecord> {
        self.lock().calls.clone()
    }

    /// Empties the call log.
    pub fn clear_calls(&self) {
        self.lock().calls.clear();
    }

    /// The effective page sizes per operation (those not listed use the defaults).
    pub fn page_sizes(&self) -> BTreeMap<String, usize> {
        self.lock().page_sizes.clone()
    }

    /// Sets page sizes per operation.
    pub fn set_page_sizes(&self, sizes: BTreeMap<String, usize>) {
        let mut engine = self.lock();
        engine.page_sizes.extend(sizes.clone());
        engine.fixed_page_sizes.extend(sizes);
    }

    /// Adds a session (defaults: generated `Id`, `UserId`, `State` ACTIVE,
    /// `ConnectionState` CONNECTED, `AuthenticationType` API, `StartTime` now,
    /// `MaxExpirationTime` from the fleet's `MaxUserDurationInSeconds`, an `InstanceId`
    /// with room on multi-session fleets) and updates the fleet's capacity counters.
    pub fn add_session(&self, session: &Value) -> Result<Value, SimError> {
        let (mut engine, now) = self.ticked();
        engine.world.add_session(session, now)
    }

    /// Merges a JSON patch into a session.
    pub fn patch_session(&self, id: &str, patch: &Value) -> Result<Value, SimError> {
        self.ticked().0.world.patch_session(id, patch)
    }

    /// Ends (removes) a session.
    pub fn end_session(&self, id: &str) -> Result<Value, SimError> {
        self.ticked().0.world.end_session(id)
    }

    /// A session by id.
    pub fn session(&self, id: &str) -> Option<Value> {
        self.ticked().0.world.session(id)
    }

    /// All sessions.
    pub fn sessions(&self) -> Value {
        self.ticked().0.world.sessions()
    }

    /// Adds a fleet.
    pub fn add_fleet(&self, fleet: Map<String, Value>) -> Result<Value, SimError> {
        self.ticked().0.world.insert_resource(Kind::Fleet, fleet)
    }

    /// Merges a JSON patch into a fleet (`null` removes a member).
    pub fn patch_fleet(&self, name: &str, patch: &Value) -> Result<Value, SimError> {
        self.ticked()
            .0
            .world
            .patch_resource(Kind::Fleet, name, patch)
    }

    /// Removes a fleet with its associations, sessions and tags.
    pub fn remove_fleet(&self, name: &str) -> Result<Value, SimError> {
        self.ticked().0.world.remove_resource(Kind::Fleet, name)
    }

    /// A fleet by name.
    pub fn fleet(&self, name: &str) -> Option<Value> {
        self.ticked().0.world.get(Kind::Fleet, name)
    }

    /// All fleets.
    pub fn fleets(&self) -> Value {
        self.ticked().0.world.all(Kind::Fleet)
    }

    /// Adds a stack.
    pub fn add_stack(&self, stack: Map<String, Value>) -> Result<Value, SimError> {
        self.ticked().0.world.insert_resource(Kind::Stack, stack)
    }

    /// Merges a JSON patch into a stack.
    pub fn patch_stack(&self, name: &str, patch: &Value) -> Result<Value, SimError> {
        self.ticked()
            .0
            .world
            .patch_resource(Kind::Stack, name, patch)
    }

    /// Removes a stack with its associations, sessions and tags.
    pub fn remove_stack(&self, name: &str) -> Result<Value, SimError> {
        self.ticked().0.world.remove_resource(Kind::Stack, name)
    }

    /// A stack by name.
    pub fn stack(&self, name: &str) -> Option<Value> {
        self.ticked().0.world.get(Kind::Stack, name)
    }

    /// All stacks.
    pub fn stacks(&self) -> Value {
        self.ticked().0.world.all(Kind::Stack)
    }

    /// Adds an image builder or image (or a fleet or stack).
    pub fn add_resource(&self, kind: Kind, object: Map<String, Value>) -> Result<Value, SimError> {
        self.ticked().0.world.insert_resource(kind, object)
    }

    /// Merges a JSON patch into a named resource (`null` removes a member).
    pub fn patch_resource(&self, kind: Kind, name: &str, patch: &Value) -> Result<Value, SimError> {
        self.ticked().0.world.patch_resource(kind, name, patch)
    }

    /// Removes a named resource with what belongs to it.
    pub fn remove_resource(&self, kind: Kind, name: &str) -> Result<Value, SimError> {
        self.ticked().0.world.remove_resource(kind, name)
    }

    /// A named resource as stored.
    pub fn resource(&self, kind: Kind, name: &str) -> Option<Value> {
        self.ticked().0.world.get(kind, name)
    }

    /// Every resource of one kind, as stored.
    pub fn resources(&self, kind: Kind) -> Value {
        self.ticked().0.world.all(kind)
    }

    /// Associates a fleet with a stack.
    pub fn associate(&self, fleet: &str, stack: &str) -> Result<(), SimError> {
        self.lock().world.associate(fleet, stack)
    }

    /// Disassociates a fleet from a stack.
    pub fn disassociate(&self, fleet: &str, stack: &str) -> Result<(), SimError> {
        self.lock().world.disassociate(fleet, stack)
    }

    /// Replaces a resource's tags (by ARN, or by name); returns the ARN.
    pub fn set_tags(&self, resource: &str, tags: Map<String, Value>) -> Result<String, SimError> {
        self.lock().world.set_tags(resource, tags)
    }
}
