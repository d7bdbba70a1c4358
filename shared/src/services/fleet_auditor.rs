//! The fleet-auditor service: evaluates what an event touched, diffs it with the stored
//! compliance state, commits the change with its history (conditionally, so redelivered
//! events and overlapping invocations never duplicate anything), and alerts once per
//! change.
//!
//! Alerts use a transactional outbox: the rendered alert is committed with the state,
//! published, then cleared. A publish that fails leaves it in the state, and the next
//! invocation that reads the state (the retry, or the next sweep) sends it.

use super::failure::{Failure, Failures};
use super::reconcile::{Current, ReconcileError, Reconciler};
use crate::alert::{AlertPublisher, Change};
use crate::events::{ApiCall, AuditorEvent};
use crate::finding::ResourceType;
use crate::inputs::fleet_from_request;
use crate::inventory::{AppStreamError, FleetInventory};
use crate::model::Attr;
use crate::policy::{Policy, evaluate_fleet, evaluate_stack};
use crate::region_audit::{AuditOptions, audit};
use crate::store::{FindingStore, ResourceKey, ResourceState, TriggerRecord};
use chrono::{DateTime, Utc};
use futures_util::{StreamExt, stream};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use tracing::{info, warn};

/// Rules a described fleet cannot show (they judge the request's ComputeCapacity), kept
/// from the request when the fleet is also described.
const REQUEST_RULES: &[&str] = &["FLEET-MULTI-SESSION-CAPACITY", "FLEET-ELASTIC-CAPACITY"];

const DESCRIBED: &str = "described";
const REQUEST: &str = "request";

/// Why an invocation failed. `error_type` is stable, for alarms and dead-letter triage.
#[derive(Debug, thiserror::Error)]
pub enum AuditorError {
    #[error(transparent)]
    AppStream(Box<AppStreamError>),
    #[error(transparent)]
    Reconcile(#[from] ReconcileError),
    #[error("event {event_id}: requestParameters has no {field}")]
    MissingParameter {
        event_id: String,
        field: &'static str,
    },
    #[error(
        "event {event_id} comes from region {region}, which is not in STREAMWARDEN_REGIONS ({configured})"
    )]
    UnknownRegion {
        event_id: String,
        region: String,
        configured: String,
    },
    #[error("sweep finished with {0}")]
    Partial(Failures),
}

impl From<AppStreamError> for AuditorError {
    fn from(error: AppStreamError) -> Self {
        AuditorError::AppStream(Box::new(error))
    }
}

impl AuditorError {
    pub fn error_type(&self) -> &'static str {
        match self {
            AuditorError::AppStream(e) => e.error_type(),
            AuditorError::Reconcile(e) => e.error_type(),
            AuditorError::MissingParameter { .. } => "MalformedEvent",
            AuditorError::UnknownRegion { .. } => "UnknownRegion",
            AuditorError::Partial(_) => "PartialFailure",
        }
    }
}

/// What one invocation did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Fleets and stacks evaluated.
    pub evaluated: usize,
    /// State commits (each with its history items).
    pub commits: usize,
    /// Alerts published.
    pub alerts: usize,
    /// Why nothing was done, when nothing was (a failed API call, a resource gone).
    pub skipped: Option<String>,
}

/// The service, generic over its ports so it runs on the real AWS adapters in the Lambda
/// and on the simulator and moto in tests.
pub struct FleetAuditor<I, S, P> {
    inventories: BTreeMap<String, I>,
    reconciler: Reconciler<S, P>,
    policy: Policy,
    concurrency: usize,
}

impl<I: FleetInventory, S: FindingStore + Sync, P: AlertPublisher + Sync> FleetAuditor<I, S, P> {
    /// `inventories` holds one AppStream inventory per configured region.
    pub fn new(
        inventories: BTreeMap<String, I>,
        store: S,
        publisher: P,
        policy: Policy,
        retention_days: u32,
    ) -> Self {
        FleetAuditor {
            inventories,
            reconciler: Reconciler::new(store, publisher, retention_days),
            policy,
            concurrency: 8,
        }
    }

    pub async fn handle(
        &self,
        event: AuditorEvent,
        now: DateTime<Utc>,
    ) -> Result<Outcome, AuditorError> {
        match event {
            AuditorEvent::Schedule { id, account, time } => {
                let trigger = TriggerRecord::schedule(id, time);
                self.sweep(&trigger, &account, now).await
            }
            AuditorEvent::ApiCall(call) => self.api_call(&call, now).await,
        }
    }

    fn inventory(&self, call: &ApiCall) -> Result<&I, AuditorError> {
        self.inventories
            .get(&call.region)
            .ok_or_else(|| AuditorError::UnknownRegion {
                event_id: call.event_id.clone(),
                region: call.region.clone(),
                configured: self
                    .inventories
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    async fn api_call(&self, call: &ApiCall, now: DateTime<Utc>) -> Result<Outcome, AuditorError> {
        let mut outcome = Outcome::default();
        if let Some(code) = &call.error_code {
            outcome.skipped = Some(format!(
                "{} failed with {code}: nothing changed",
                call.event_name
            ));
            return Ok(outcome);
        }
        let trigger = TriggerRecord {
            kind: "cloudtrail".to_owned(),
            id: call.event_id.clone(),
            time: call.time,
            event_name: Some(call.event_name.clone()),
            principal: Some(call.principal.clone()),
            source_ip: call.source_ip.clone(),
        };
        let inventory = self.inventory(call)?;
        let param = |field: &'static str| {
            call.parameter(field)
                .map(str::to_owned)
                .ok_or_else(|| AuditorError::MissingParameter {
                    event_id: call.event_id.clone(),
                    field,
                })
        };
        let mut targets: Vec<(ResourceType, String)> = Vec::new();
        match call.event_name.as_str() {
            "DeleteFleet" | "DeleteStack" => {
                let resource_type = if call.event_name == "DeleteFleet" {
                    ResourceType::Fleet
                } else {
                    ResourceType::Stack
                };
                let key = ResourceKey::new(&call.region, resource_type, &param("name")?);
                let change = self
                    .reconciler
                    .reconcile(
                        &call.account,
                        &key,
                        BTreeMap::new(),
                        &[],
                        true,
                        &trigger,
                        None,
                        now,
                    )
                    .await?;
                record(&mut outcome, change);
                return Ok(outcome);
            }
            "CreateStack" | "UpdateStack" => targets.push((ResourceType::Stack, param("name")?)),
            "AssociateFleet" | "DisassociateFleet" => {
                targets.push((ResourceType::Fleet, param("fleetName")?));
                targets.push((ResourceType::Stack, param("stackName")?));
            }
            _ => targets.push((ResourceType::Fleet, param("name")?)),
        }
        for (resource_type, name) in targets {
            let key = ResourceKey::new(&call.region, resource_type, &name);
            let (current, sources) = match resource_type {
                ResourceType::Fleet => self.fleet_findings(inventory, call, &name, now).await?,
                _ => self.stack_findings(inventory, &name, now).await?,
            };
            let Some(current) = current else {
                outcome.skipped = Some(format!(
                    "{} {name} not found in {}",
                    resource_type.as_str(),
                    call.region
                ));
                continue;
            };
            outcome.evaluated += 1;
            let change = self
                .reconciler
                .reconcile(
                    &call.account,
                    &key,
                    current,
                    &sources,
                    false,
                    &trigger,
                    None,
                    now,
                )
                .await?;
            record(&mut outcome, change);
        }
        Ok(outcome)
    }

    /// The fleet's findings: the fleet as described, plus (Create/UpdateFleet) what only
    /// the request shows. `None` when the fleet does not exist and no request says more.
    async fn fleet_findings(
        &self,
        inventory: &I,
        call: &ApiCall,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<(Option<Current>, Vec<&'static str>), AuditorError> {
        let described = inventory.fleet(name).await?;
        let mut current: Option<Current> = None;
        if let Some(mut fleet) = described {
            let mut evaluation = evaluate_fleet(&self.policy, &fleet, now);
            let wants_tags =
                !evaluation.findings.is_empty() || !self.policy.fleet.required_tags.is_empty();
            if wants_tags && let Some(arn) = fleet.arn.clone() {
                match inventory.tags(&arn).await {
                    Ok(tags) => {
                        fleet.tags = Attr::Set(tags);
                        evaluation = evaluate_fleet(&self.policy, &fleet, now);
                    }
                    Err(e) => {
                        warn!(fleet = %name, error = %e, "tags unavailable; tag waivers not applied")
                    }
                }
            }
            current = Some(
                evaluation
                    .findings
                    .into_iter()
                    .map(|f| (f.rule_id.to_owned(), (f, DESCRIBED)))
                    .collect(),
            );
        }
        let mut sources = vec![DESCRIBED];
        let update = call.event_name == "UpdateFleet";
        if update || call.event_name == "CreateFleet" {
            match fleet_from_request(
                &format!("cloudtrail:{}", call.event_id),
                &call.request,
                update,
            ) {
                Ok(request) => {
                    sources.push(REQUEST);
                    let described = current.is_some();
                    let found = current.get_or_insert_with(BTreeMap::new);
                    for finding in evaluate_fleet(&self.policy, &request, now).findings {
                        if !found.contains_key(finding.rule_id)
                            && (!described || REQUEST_RULES.contains(&finding.rule_id))
                        {
                            found.insert(finding.rule_id.to_owned(), (finding, REQUEST));
                        }
                    }
                }
                Err(e) => {
                    warn!(fleet = %name, error = %e, "requestParameters unreadable; auditing the described fleet only")
                }
            }
        }
        Ok((current, sources))
    }

    async fn stack_findings(
        &self,
        inventory: &I,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<(Option<Current>, Vec<&'static str>), AuditorError> {
        let Some(mut stack) = inventory.stack(name).await? else {
            return Ok((None, vec![DESCRIBED]));
        };
        let mut evaluation = evaluate_stack(&self.policy, &stack, now);
        if !evaluation.findings.is_empty()
            && let Some(arn) = stack.arn.clone()
        {
            match inventory.tags(&arn).await {
                Ok(tags) => {
                    stack.tags = Attr::Set(tags);
                    evaluation = evaluate_stack(&self.policy, &stack, now);
                }
                Err(e) => {
                    warn!(stack = %name, error = %e, "tags unavailable; tag waivers not applied")
                }
            }
        }
        let current = evaluation
            .findings
            .into_iter()
            .map(|f| (f.rule_id.to_owned(), (f, DESCRIBED)))
            .collect();
        Ok((Some(current), vec![DESCRIBED]))
    }

    /// The scheduled sweep: every fleet and stack of every configured region. One bad
    /// resource or region is reported and the rest still complete.
    async fn sweep(
        &self,
        trigger: &TriggerRecord,
        account: &str,
        now: DateTime<Utc>,
    ) -> Result<Outcome, AuditorError> {
        let mut outcome = Outcome::default();
        let mut failures = Failures::default();
        let options = AuditOptions {
            concurrency: self.concurrency,
            sessions: false,
        };
        for (region, inventory) in &self.inventories {
            let result = audit(inventory, &self.policy, now, options).await;
            let fleets_listed = !result
                .errors
                .iter()
                .any(|e| e.operation == "DescribeFleets");
            let stacks_listed = !result
                .errors
                .iter()
                .any(|e| e.operation == "DescribeStacks");
            for error in result.errors {
                failures.push(Failure::new(region.clone(), error));
            }
            outcome.evaluated += result.fleets.len() + result.stacks.len();

            let stored: HashMap<ResourceKey, ResourceState> =
                match self.reconciler.store().noncompliant(Some(region)).await {
                    Ok(states) => states.into_iter().map(|s| (s.key(), s)).collect(),
                    Err(e) => {
                        failures.push(Failure::new(region.clone(), e));
                        continue;
                    }
                };
            let live: BTreeSet<ResourceKey> = result
                .fleets
                .iter()
                .map(|f| ResourceKey::new(region, ResourceType::Fleet, &f.name))
                .chain(
                    result
                        .stacks
                        .iter()
                        .map(|s| ResourceKey::new(region, ResourceType::Stack, &s.name)),
                )
                .collect();
            let mut current: BTreeMap<ResourceKey, Current> = BTreeMap::new();
            for finding in result.evaluation.findings {
                let key = ResourceKey::new(region, finding.resource_type, &finding.resource);
                current
                    .entry(key)
                    .or_default()
                    .insert(finding.rule_id.to_owned(), (finding, DESCRIBED));
            }
            let mut work: Vec<(ResourceKey, Current, bool)> = Vec::new();
            for key in stored.keys() {
                let listed = match key.resource_type {
                    ResourceType::Fleet => fleets_listed,
                    ResourceType::Stack => stacks_listed,
                    // Session findings belong to the session recorder.
                    ResourceType::Session => continue,
                    // Not read by the sweep yet.
                    ResourceType::ImageBuilder | ResourceType::Image | ResourceType::Account => {
                        continue;
                    }
                };
                if !current.contains_key(key) && listed {
                    work.push((key.clone(), BTreeMap::new(), !live.contains(key)));
                }
            }
            work.extend(
                current
                    .into_iter()
                    .map(|(key, findings)| (key, findings, false)),
            );

            let results: Vec<Result<Option<Change>, Failure>> = stream::iter(work)
                .map(|(key, findings, deleted)| {
                    let prefetched = stored.get(&key).cloned();
                    async move {
                        self.reconciler
                            .reconcile(
                                account,
                                &key,
                                findings,
                                &[DESCRIBED],
                                deleted,
                                trigger,
                                prefetched.map(Some),
                                now,
                            )
                            .await
                            .map_err(|e| {
                                Failure::new(
                                    format!(
                                        "{region}: {} {}",
                                        key.resource_type.as_str(),
                                        key.name
                                    ),
                                    e,
                                )
                            })
                    }
                })
                .buffer_unordered(self.concurrency)
                .collect()
                .await;
            for result in results {
                match result {
                    Ok(change) => record(&mut outcome, change),
                    Err(failure) => failures.push(failure),
                }
            }
        }
        failures.log("sweep");
        info!(
            evaluated = outcome.evaluated,
            commits = outcome.commits,
            alerts = outcome.alerts,
            failures = failures.len(),
            "sweep done"
        );
        if failures.is_empty() {
            Ok(outcome)
        } else {
            Err(AuditorError::Partial(failures))
        }
    }
}

fn record(outcome: &mut Outcome, change: Option<Change>) {
    if let Some(change) = change {
        outcome.commits += 1;
        if !change.is_empty() {
            outcome.alerts += 1;
        }
    }
}
