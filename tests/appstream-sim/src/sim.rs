//! The shared simulator state: the accounts and their worlds, the clock, fault rules,
//! page sizes, the call log and the STS state, behind one lock. Both the HTTP front end
//! and in-process callers use [`Sim`].
//!
//! One world per (account, region). The scenario's top level is the *home* world (its
//! `AccountId` and `Region`, the default account); its `Accounts` add the others. A call
//! goes to the world of its caller (see [`crate::sts`]): the account of the access key
//! (a key issued by AssumeRole: the role's account; 12 digits: that account; any other:
//! the default account) and the region of the signature's scope. The default account
//! answers from the home world in every region it has no world of its own for (as
//! before accounts existed); another account gets an empty world, created on first use,
//! in a region it has none for.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::error::SimError;
use crate::faults::{FaultDecision, FaultRule, Faults};
use crate::scenario::{AccountSpec, RegionSpec, RoleSpec, Scenario, Timings, is_account_id};
use crate::sts::{Issued, Output, Scope, StsError, role_id};
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
    /// The account whose world answered.
    pub account: String,
    /// The region whose world answered.
    pub region: String,
}

/// The outcome of one AppStream call.
#[derive(Debug, Clone)]
pub struct CallOutcome {
    /// Milliseconds to wait before answering.
    pub latency_ms: u64,
    /// The output structure or the error.
    pub result: Result<Value, SimError>,
}

/// Who made a call, from its SigV4 scope.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    /// The account the access key maps to.
    pub account: String,
    /// The scope's region (`None` for an unsigned request).
    pub region: Option<String>,
    /// The role, when the key was issued by AssumeRole.
    pub role: Option<Issued>,
}

impl Caller {
    /// The caller's ARN: the assumed-role ARN, else the account's root.
    pub fn arn(&self) -> String {
        match &self.role {
            Some(role) => role.arn(),
            None => format!("arn:aws:iam::{}:root", self.account),
        }
    }
}

#[derive(Debug)]
enum Slot {
    World(Box<World>),
    Disabled,
}

/// The accounts besides the home world, their roles, the keys issued and STS counters.
#[derive(Debug, Default)]
struct Accounts {
    worlds: BTreeMap<(String, String), Slot>,
    roles: BTreeMap<String, Vec<RoleSpec>>,
    issued: BTreeMap<String, Issued>,
    key_seq: u64,
    assume_role: BTreeMap<String, u64>,
    assume_role_denied: BTreeMap<String, u64>,
    caller_identity: u64,
}

impl Accounts {
    fn install(&mut self, specs: &[AccountSpec]) -> Result<(), SimError> {
        for spec in specs {
            self.roles.insert(spec.id.clone(), spec.roles.clone());
            for (region, body) in &spec.regions {
                let slot = match body {
                    RegionSpec::Disabled => Slot::Disabled,
                    RegionSpec::Enabled(scenario) => {
                        Slot::World(Box::new(World::from_scenario(scenario)?))
                    }
                };
                self.worlds.insert((spec.id.clone(), region.clone()), slot);
            }
        }
        Ok(())
    }
}

#[derive(Debug)]
struct Engine {
    /// The home world: the scenario's top level, the default account's.
    world: World,
    accounts: Accounts,
    timings: Timings,
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

    fn tick_all(&mut self, now: f64) {
        for slot in self.accounts.worlds.values_mut() {
            if let Slot::World(w) = slot {
                w.tick(now);
            }
        }
    }

    /// The caller a SigV4 scope names.
    fn caller(&self, scope: Option<&Scope>) -> Caller {
        let Some(scope) = scope else {
            return Caller {
                account: self.world.account_id().to_owned(),
                region: None,
                role: None,
            };
        };
        let role = self.accounts.issued.get(&scope.access_key).cloned();
        let account = match &role {
            Some(issued) => issued.account.clone(),
            None if is_account_id(&scope.access_key) => scope.access_key.clone(),
            None => self.world.account_id().to_owned(),
        };
        Caller {
            account,
            region: Some(scope.region.clone()),
            role,
        }
    }

    /// The (account, region) whose world answers `caller`; `None`: the home world.
    fn target(&mut self, caller: &Caller) -> Result<Option<(String, String)>, SimError> {
        let home = self.world.account_id() == caller.account;
        let region = caller
            .region
            .clone()
            .unwrap_or_else(|| self.world.region().to_owned());
        if home && region == self.world.region() {
            return Ok(None);
        }
        let key = (caller.account.clone(), region);
        match self.accounts.worlds.get(&key) {
            Some(Slot::Disabled) => Err(SimError::new(
                403,
                "UnrecognizedClientException",
                "The security token included in the request is invalid",
            )),
            Some(Slot::World(_)) => Ok(Some(key)),
            None if home => Ok(None),
            None => {
                let scenario = Scenario {
                    account_id: key.0.clone(),
                    region: key.1.clone(),
                    timings: self.timings,
                    ..Scenario::default()
                };
                let world = World::from_scenario(&scenario)?;
                self.accounts
                    .worlds
                    .insert(key.clone(), Slot::World(Box::new(world)));
                Ok(Some(key))
            }
        }
    }

    fn world_at(&mut self, key: Option<&(String, String)>) -> &mut World {
        if let Some(key) = key
            && let Some(Slot::World(w)) = self.accounts.worlds.get_mut(key)
        {
            return w;
        }
        &mut self.world
    }

    /// Checks the caller's credentials and role for `operation`.
    fn authorize(&self, caller: &Caller, operation: &str, now: f64) -> Result<(), SimError> {
        let Some(role) = &caller.role else {
            return Ok(());
        };
        if role.expiration <= now {
            return Err(SimError::new(
                403,
                "ExpiredTokenException",
                "The security token included in the request is expired",
            ));
        }
        let denied = self
            .accounts
            .roles
            .get(&role.account)
            .and_then(|roles| roles.iter().find(|r| r.name == role.role))
            .is_none_or(|r| r.deny.iter().any(|d| d == "*" || d == operation));
        if denied {
            let service = if operation == "GetResources" {
                "tag"
            } else {
                "appstream"
            };
            let region = caller.region.as_deref().unwrap_or(self.world.region());
            return Err(SimError::new(
                400,
                "AccessDeniedException",
                format!(
                    "User: {} is not authorized to perform: {service}:{operation} on resource: \
                     arn:aws:appstream:{region}:{}:* with an explicit deny in an identity-based policy",
                    role.arn(),
                    role.account
                ),
            ));
        }
        Ok(())
    }

    fn install(&mut self, scenario: &Scenario) -> Result<(), SimError> {
        let mut accounts = Accounts::default();
        accounts.install(&scenario.accounts)?;
        self.world = World::from_scenario(scenario)?;
        self.timings = scenario.timings;
        accounts.issued = std::mem::take(&mut self.accounts.issued);
        accounts.key_seq = self.accounts.key_seq;
        self.accounts = accounts;
        Ok(())
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
        let mut accounts = Accounts::default();
        accounts.install(&scenario.accounts)?;
        let mut fault_state = Faults::default();
        fault_state
            .set(faults)
            .map_err(|e| SimError::new(400, "BadRequest", e))?;
        let mut effective = scenario.page_sizes.clone();
        effective.extend(page_sizes.clone());
        Ok(Self {
            inner: Arc::new(Mutex::new(Engine {
                world,
                accounts,
                timings: scenario.timings,
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

    /// Performs one AppStream call from the default account (an unsigned request):
    /// applies fault rules, runs the operation, logs it.
    pub fn call(&self, protocol: Protocol, operation: &str, params: &Value) -> CallOutcome {
        self.call_signed(protocol, operation, params, None)
    }

    /// Performs one AppStream call signed with `scope`: decides the caller's account and
    /// region, checks its credentials and role, applies fault rules, runs the operation
    /// in that world and logs it.
    pub fn call_signed(
        &self,
        protocol: Protocol,
        operation: &str,
        params: &Value,
        scope: Option<&Scope>,
    ) -> CallOutcome {
        let (mut engine, now) = self.ticked();
        let caller = engine.caller(scope);
        let mut latency_ms = 0;
        let mut injected = false;
        let target = engine.target(&caller);
        let (account, region) = match &target {
            Ok(Some((a, r))) => (a.clone(), r.clone()),
            _ => (
                caller.account.clone(),
                caller
                    .region
                    .clone()
                    .unwrap_or_else(|| engine.world.region().to_owned()),
            ),
        };
        let result = target.and_then(|key| {
            engine.authorize(&caller, operation, now)?;
            let decision =
                engine
                    .faults
                    .decide_in(operation, params, Some(&account), Some(&region));
            let FaultDecision {
                latency_ms: l,
                error,
            } = decision;
            latency_ms = l;
            if let Some(e) = error {
                injected = true;
                return Err(e);
            }
            let page_sizes = engine.page_sizes.clone();
            let world = engine.world_at(key.as_ref());
            world.tick(now);
            world.call(operation, params, now, &page_sizes)
        });
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
            account,
            region,
        };
        engine.calls.push(record);
        CallOutcome { latency_ms, result }
    }

    /// Performs one STS call (`Action` and its parameters, from the form) signed with
    /// `scope`. Fault rules apply only when they name the action (`AssumeRole`,
    /// `GetCallerIdentity`) in `operations`, matching the role's account for AssumeRole;
    /// their errors answer as STS's (`Throttling`, `InternalFailure`,
    /// `ServiceUnavailable`), their latency is not applied.
    pub fn sts(
        &self,
        scope: Option<&Scope>,
        form: &BTreeMap<String, String>,
    ) -> Result<Output, StsError> {
        let (mut engine, now) = self.ticked();
        let caller = engine.caller(scope);
        if caller.role.as_ref().is_some_and(|r| r.expiration <= now) {
            return Err(StsError::sender(
                403,
                "ExpiredToken",
                "The security token included in the request is expired",
            ));
        }
        let param = |name: &str| form.get(name).filter(|v| !v.is_empty());
        let missing = |member: &str| {
            StsError::sender(
                400,
                "ValidationError",
                format!(
                    "1 validation error detected: Value null at '{member}' failed to satisfy \
                     constraint: Member must not be null"
                ),
            )
        };
        match form.get("Action").map(String::as_str) {
            Some("GetCallerIdentity") => {
                engine.accounts.caller_identity += 1;
                let region = caller.region.as_deref();
                if let Some(e) = engine
                    .faults
                    .decide_named("GetCallerIdentity", Some(&caller.account), region)
                    .error
                {
                    return Err(sts_fault(&e));
                }
                let user_id = match &caller.role {
                    Some(r) => format!("{}:{}", role_id(&r.account, &r.role), r.session),
                    None => caller.account.clone(),
                };
                Ok(Output::CallerIdentity {
                    arn: caller.arn(),
                    account: caller.account,
                    user_id,
                })
            }
            Some("AssumeRole") => {
                let arn = param("RoleArn").ok_or_else(|| missing("roleArn"))?;
                let session = param("RoleSessionName").ok_or_else(|| missing("roleSessionName"))?;
                let (account, role) = parse_role_arn(arn).ok_or_else(|| {
                    StsError::sender(400, "ValidationError", format!("{arn} is invalid"))
                })?;
                let duration = match param("DurationSeconds") {
                    None => 3600.0,
                    Some(d) => d
                        .parse::<u32>()
                        .ok()
                        .filter(|d| (900..=43_200).contains(d))
                        .map(f64::from)
                        .ok_or_else(|| {
                            StsError::sender(
                                400,
                                "ValidationError",
                                format!(
                                    "1 validation error detected: Value '{d}' at 'durationSeconds' \
                                     failed to satisfy constraint: Member must have value between 900 and 43200"
                                ),
                            )
                        })?,
                };
                *engine
                    .accounts
                    .assume_role
                    .entry(account.clone())
                    .or_default() += 1;
                let region = caller.region.as_deref();
                if let Some(e) = engine
                    .faults
                    .decide_named("AssumeRole", Some(&account), region)
                    .error
                {
                    return Err(sts_fault(&e));
                }
                let accounts = &mut engine.accounts;
                let declared = accounts
                    .roles
                    .get(&account)
                    .is_some_and(|roles| roles.iter().any(|r| r.name == role));
                if !declared {
                    *accounts.assume_role_denied.entry(account).or_default() += 1;
                    return Err(StsError::sender(
                        403,
                        "AccessDenied",
                        format!(
                            "User: {} is not authorized to perform: sts:AssumeRole on resource: {arn}",
                            caller.arn()
                        ),
                    ));
                }
                accounts.key_seq += 1;
                let n = accounts.key_seq;
                let access_key = format!("ASIASIM{n:013}");
                let issued = Issued {
                    account,
                    role,
                    session: session.clone(),
                    expiration: now + duration,
                };
                let output = Output::AssumeRole {
                    access_key: access_key.clone(),
                    secret: format!("sim-secret-{n:013}"),
                    token: format!("sim-session-token-{n:013}"),
                    expiration: format_iso(issued.expiration),
                    assumed_role_id: format!(
                        "{}:{session}",
                        role_id(&issued.account, &issued.role)
                    ),
                    arn: issued.arn(),
                };
                accounts.issued.insert(access_key, issued);
                Ok(output)
            }
            Some(other) => Err(StsError::sender(
                400,
                "InvalidAction",
                format!("Could not find operation {other} for version 2011-06-15"),
            )),
            None => Err(StsError::sender(400, "MissingAction", "Missing Action")),
        }
    }

    /// AssumeRole calls per role account (granted and denied), since start or the last
    /// [`clear_sts_counts`](Self::clear_sts_counts).
    pub fn assume_role_calls(&self) -> BTreeMap<String, u64> {
        self.lock().accounts.assume_role.clone()
    }

    /// The STS counters: `{"AssumeRole": {account: n}, "AssumeRoleDenied": {account: n},
    /// "GetCallerIdentity": n, "IssuedCredentials": n}`.
    pub fn sts_counts(&self) -> Value {
        let engine = self.lock();
        let a = &engine.accounts;
        json!({
            "AssumeRole": a.assume_role,
            "AssumeRoleDenied": a.assume_role_denied,
            "GetCallerIdentity": a.caller_identity,
            "IssuedCredentials": a.issued.len(),
        })
    }

    /// Resets the STS counters (issued credentials stay valid).
    pub fn clear_sts_counts(&self) {
        let mut engine = self.lock();
        engine.accounts.assume_role.clear();
        engine.accounts.assume_role_denied.clear();
        engine.accounts.caller_identity = 0;
    }

    /// Adds accounts, or replaces the roles and the listed regions of existing ones.
    pub fn add_accounts(&self, specs: &[AccountSpec]) -> Result<(), SimError> {
        let mut engine = self.lock();
        let home = (
            engine.world.account_id().to_owned(),
            engine.world.region().to_owned(),
        );
        if let Some(spec) = specs
            .iter()
            .find(|s| s.id == home.0 && s.regions.iter().any(|(r, _)| *r == home.1))
        {
            return Err(SimError::new(
                400,
                "BadRequest",
                format!(
                    "{} {}: the home world is replaced through the scenario",
                    spec.id, home.1
                ),
            ));
        }
        engine.accounts.install(specs)
    }

    /// The accounts: `{"<id>": {"Roles": [...], "Regions": {"<region>": counts or
    /// {"Enabled": false}}}}`, the default account's home region included.
    pub fn accounts_json(&self) -> Value {
        let (mut engine, now) = self.ticked();
        engine.tick_all(now);
        let mut out = Map::new();
        let entry = |out: &mut Map<String, Value>, id: &str| -> Map<String, Value> {
            match out.remove(id) {
                Some(Value::Object(m)) => m,
                _ => {
                    let mut m = Map::new();
                    m.insert("Roles".to_owned(), json!([]));
                    m.insert("Regions".to_owned(), json!({}));
                    m
                }
            }
        };
        let mut home = entry(&mut out, engine.world.account_id());
        home["Regions"][engine.world.region()] = engine.world.counts();
        out.insert(engine.world.account_id().to_owned(), Value::Object(home));
        for ((id, region), slot) in &engine.accounts.worlds {
            let mut m = entry(&mut out, id);
            m["Regions"][region.as_str()] = match slot {
                Slot::World(w) => w.counts(),
                Slot::Disabled => json!({"Enabled": false}),
            };
            out.insert(id.clone(), Value::Object(m));
        }
        for (id, roles) in &engine.accounts.roles {
            let mut m = entry(&mut out, id);
            m["Roles"] = roles_json(roles);
            out.insert(id.clone(), Value::Object(m));
        }
        Value::Object(out)
    }

    /// Runs `f` on the world of `account` in `region` with the simulated time (the world
    /// is created when the account has none there), e.g. to add a fleet or a session to a
    /// member account the way the `/_sim/fleets` endpoints do for the home world:
    /// `sim.with_world(A, "eu-west-1", |w, _| w.insert_resource(Kind::Fleet, fleet))`.
    /// A region marked `"Enabled": false` is refused.
    pub fn with_world<T>(
        &self,
        account: &str,
        region: &str,
        f: impl FnOnce(&mut World, f64) -> T,
    ) -> Result<T, SimError> {
        let (mut engine, now) = self.ticked();
        let caller = Caller {
            account: account.to_owned(),
            region: Some(region.to_owned()),
            role: None,
        };
        let home_account = engine.world.account_id() == account;
        let key = engine.target(&caller)?;
        if key.is_none() && home_account && engine.world.region() != region {
            return Err(SimError::new(
                404,
                "NotFound",
                format!(
                    "the default account has no world of its own in {region}: declare it in Accounts"
                ),
            ));
        }
        let world = engine.world_at(key.as_ref());
        world.tick(now);
        Ok(f(world, now))
    }

    /// Counts of one world (`None`: the account has no world there).
    pub fn world_counts(&self, account: &str, region: &str) -> Option<Value> {
        let (mut engine, now) = self.ticked();
        if engine.world.account_id() == account && engine.world.region() == region {
            return Some(engine.world.counts());
        }
        match engine
            .accounts
            .worlds
            .get_mut(&(account.to_owned(), region.to_owned()))
        {
            Some(Slot::World(w)) => {
                w.tick(now);
                Some(w.counts())
            }
            _ => None,
        }
    }

    /// Replaces the account with `scenario`; resets the clock to its `Now`. Fault rules,
    /// page sizes given by flags and the call log are kept.
    pub fn load_scenario(&self, scenario: &Scenario) -> Result<(), SimError> {
        let mut engine = self.lock();
        engine.install(scenario)?;
        engine.clock = Clock::new(scenario.now);
        let mut effective = scenario.page_sizes.clone();
        effective.extend(engine.fixed_page_sizes.clone());
        engine.page_sizes = effective;
        Ok(())
    }

    /// The current state as a scenario document (`Accounts` only when there are others
    /// than the home world).
    pub fn scenario_json(&self) -> Value {
        let (mut engine, now) = self.ticked();
        engine.tick_all(now);
        let mut doc = engine.world.to_scenario_json(now, &engine.page_sizes);
        let mut accounts = Map::new();
        for (id, roles) in &engine.accounts.roles {
            accounts.insert(
                id.clone(),
                json!({"Roles": roles_json(roles), "Regions": {}}),
            );
        }
        for ((id, region), slot) in &engine.accounts.worlds {
            let entry = accounts
                .entry(id.clone())
                .or_insert_with(|| json!({"Roles": [], "Regions": {}}));
            entry["Regions"][region.as_str()] = match slot {
                Slot::Disabled => json!({"Enabled": false}),
                Slot::World(w) => {
                    let mut body = w.to_scenario_json(now, &BTreeMap::new());
                    if let Value::Object(m) = &mut body {
                        for key in ["Now", "PageSizes", "Region", "AccountId"] {
                            m.remove(key);
                        }
                    }
                    body
                }
            };
        }
        if !accounts.is_empty() {
            doc["Accounts"] = Value::Object(accounts);
        }
        doc
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
        let mut ids: std::collections::BTreeSet<&str> = engine
            .accounts
            .worlds
            .keys()
            .map(|(a, _)| a.as_str())
            .collect();
        ids.extend(engine.accounts.roles.keys().map(String::as_str));
        ids.insert(engine.world.account_id());
        out["accounts"] = json!(ids.len());
        out["worlds"] = json!(1 + engine.accounts.worlds.len());
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

fn roles_json(roles: &[RoleSpec]) -> Value {
    roles
        .iter()
        .map(|r| json!({"RoleName": r.name, "Deny": r.deny}))
        .collect()
}

/// `arn:aws:iam::<account>:role/<path/><name>` -> (account, name).
fn parse_role_arn(arn: &str) -> Option<(String, String)> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let path = resource.strip_prefix("role/")?;
    let name = path.rsplit('/').next().filter(|n| !n.is_empty())?;
    is_account_id(account).then(|| (account.to_owned(), name.to_owned()))
}

/// An injected AppStream-style fault as STS answers it.
fn sts_fault(error: &SimError) -> StsError {
    match error.status {
        400 => StsError::sender(400, "Throttling", "Rate exceeded"),
        status => StsError {
            status,
            kind: "Receiver",
            code: if status == 503 {
                "ServiceUnavailable"
            } else {
                "InternalFailure"
            }
            .to_owned(),
            message: error.message.clone(),
        },
    }
}
