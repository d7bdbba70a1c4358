//! The fleet-auditor service: evaluates what an event touched, diffs it with the stored
//! compliance state, commits the change with its history (conditionally, so redelivered
//! events and overlapping invocations never duplicate anything), and alerts once per
//! change.
//!
//! Alerts use a transactional outbox: the rendered alert is committed with the state,
//! published, then cleared. A publish that fails leaves it in the state, and the next
//! invocation that reads the state (the retry, or the next sweep) sends it.

use super::failure::{Failure, Failures};
use super::reconcile::{Current, ExportLog, ReconcileError, Reconciler, Waived, split};
use crate::alert::{AlertPublisher, Change};
use crate::events::{ApiCall, AuditorEvent};
use crate::export::FindingExporter;
use crate::finding::ResourceType;
use crate::finding::{Evaluation, Source};
use crate::inputs::fleet_from_request;
use crate::inventory::{AppStreamError, FleetInventory, ImageInventory};
use crate::model::{Account, Attr, Image, ImageBuilder};
use crate::policy::{
    Policy, evaluate_account, evaluate_builder, evaluate_fleet, evaluate_image, evaluate_stack,
};
use crate::region_audit::{Audit, AuditOptions, audit};
use crate::store::{FindingStore, ResourceKey, ResourceState, Target, TriggerRecord};
use chrono::{DateTime, Utc};
use futures_util::{StreamExt, stream};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
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

impl From<AuditorError> for super::failure::Cause {
    fn from(error: AuditorError) -> Self {
        use super::failure::Cause;
        match error {
            AuditorError::AppStream(e) => Cause::AppStream(e),
            AuditorError::Reconcile(e) => e.into(),
            other => Cause::Nested(other.to_string(), other.error_type()),
        }
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
    /// Resources evaluated (fleets, stacks, image builders, owned images, accounts).
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
    /// Whether member accounts are governed (failures then name the account).
    members: bool,
}

impl<I, S, P> FleetAuditor<I, S, P>
where
    I: FleetInventory + ImageInventory,
    S: FindingStore + Sync,
    P: AlertPublisher + Sync,
{
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
            members: false,
        }
    }

    /// Exports every finding change to Security Hub (`STREAMWARDEN_SECURITY_HUB=true`).
    pub fn with_exporter(mut self, exporter: Arc<dyn FindingExporter>) -> Self {
        self.reconciler = self.reconciler.with_exporter(exporter);
        self
    }

    /// Names each alert's account from `names` (organisation mode).
    pub fn with_account_names(mut self, names: crate::alert::AccountNames) -> Self {
        self.reconciler = self.reconciler.with_account_names(names);
        self
    }

    /// What the export did since the last call: one invocation's summary.
    pub fn take_export_log(&self) -> ExportLog {
        self.reconciler.take_export_log()
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
            AuditorEvent::ApiCall(call) => self.api_call(&call, None, now).await,
        }
    }

    /// Failures name the account as well as the region (members are governed).
    pub fn governing_members(mut self) -> Self {
        self.members = true;
        self
    }

    /// The region a call's resources are in: CopyImage's destination, else the call's.
    pub fn call_region(call: &ApiCall) -> String {
        match call.event_name.as_str() {
            "CopyImage" => call
                .parameter("destinationRegion")
                .map_or_else(|| call.region.clone(), str::to_owned),
            _ => call.region.clone(),
        }
    }

    /// A CloudTrail call of a member account, audited on that account's inventory of
    /// [`Self::call_region`].
    pub async fn member_call(
        &self,
        call: &ApiCall,
        inventory: &I,
        now: DateTime<Utc>,
    ) -> Result<Outcome, AuditorError> {
        self.api_call(call, Some(inventory), now).await
    }

    /// One (account, region) of an organisation sweep (one fan-out message).
    pub async fn sweep_one(
        &self,
        inventory: &I,
        target: &Target,
        trigger: &TriggerRecord,
        now: DateTime<Utc>,
    ) -> Result<Outcome, AuditorError> {
        let mut outcome = Outcome::default();
        let mut failures = Failures::default();
        self.sweep_target(inventory, target, trigger, now, &mut outcome, &mut failures)
            .await;
        failures.log("sweep");
        info!(
            account = %target.account,
            region = %target.region,
            evaluated = outcome.evaluated,
            commits = outcome.commits,
            alerts = outcome.alerts,
            failures = failures.len(),
            "sweep of one account's region done"
        );
        if failures.is_empty() {
            Ok(outcome)
        } else {
            Err(AuditorError::Partial(failures))
        }
    }

    fn unknown_region(&self, call: &ApiCall) -> AuditorError {
        AuditorError::UnknownRegion {
            event_id: call.event_id.clone(),
            region: call.region.clone(),
            configured: self
                .inventories
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    async fn api_call(
        &self,
        call: &ApiCall,
        member: Option<&I>,
        now: DateTime<Utc>,
    ) -> Result<Outcome, AuditorError> {
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
        let param = |field: &'static str| {
            call.parameter(field)
                .map(str::to_owned)
                .ok_or_else(|| AuditorError::MissingParameter {
                    event_id: call.event_id.clone(),
                    field,
                })
        };
        // A dry run (CreateUpdatedImage, CreateImportedImage) changes nothing.
        if call
            .request
            .get("dryRun")
            .and_then(serde_json::Value::as_bool)
            == Some(true)
        {
            outcome.skipped = Some(format!(
                "{} was a dry run: nothing changed",
                call.event_name
            ));
            return Ok(outcome);
        }
        // CopyImage makes the image in its destinationRegion (the same region or another).
        let region = match call.event_name.as_str() {
            "CopyImage" => param("destinationRegion")?,
            _ => call.region.clone(),
        };
        let Some(inventory) = member.or_else(|| self.inventories.get(&region)) else {
            if region != call.region {
                outcome.skipped = Some(format!(
                    "{} to {region}, which is not in STREAMWARDEN_REGIONS: not audited",
                    call.event_name
                ));
                return Ok(outcome);
            }
            return Err(self.unknown_region(call));
        };
        let target = Target::new(&call.account, &region);
        let account_name = || Account::resource_name(Some(&call.account), Some(&region));
        let mut targets: Vec<(ResourceType, String)> = Vec::new();
        let deleted = match call.event_name.as_str() {
            "DeleteFleet" => Some((ResourceType::Fleet, param("name")?)),
            "DeleteStack" => Some((ResourceType::Stack, param("name")?)),
            "DeleteImageBuilder" => Some((ResourceType::ImageBuilder, param("name")?)),
            "DeleteImage" => Some((ResourceType::Image, param("name")?)),
            _ => None,
        };
        if let Some((resource_type, name)) = deleted {
            let key = ResourceKey::new(&target, resource_type, &name);
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
                    Waived::new(),
                )
                .await?;
            record(&mut outcome, change);
            return Ok(outcome);
        }
        match call.event_name.as_str() {
            "CreateStack" | "UpdateStack" => targets.push((ResourceType::Stack, param("name")?)),
            "AssociateFleet" | "DisassociateFleet" => {
                targets.push((ResourceType::Fleet, param("fleetName")?));
                targets.push((ResourceType::Stack, param("stackName")?));
            }
            "CreateImageBuilder" | "StartImageBuilder" | "StopImageBuilder" => {
                targets.push((ResourceType::ImageBuilder, param("name")?));
            }
            "CreateUpdatedImage" => targets.push((ResourceType::Image, param("newImageName")?)),
            "CopyImage" => targets.push((ResourceType::Image, param("destinationImageName")?)),
            "CreateImportedImage" | "UpdateImagePermissions" | "DeleteImagePermissions" => {
                targets.push((ResourceType::Image, param("name")?));
            }
            "CreateUsageReportSubscription" | "DeleteUsageReportSubscription" => {
                targets.push((ResourceType::Account, account_name()));
            }
            _ => targets.push((ResourceType::Fleet, param("name")?)),
        }
        for (resource_type, name) in targets {
            let key = ResourceKey::new(&target, resource_type, &name);
            let (current, sources) = match resource_type {
                ResourceType::Fleet => self.fleet_findings(inventory, call, &name, now).await?,
                ResourceType::ImageBuilder => (
                    self.builder_findings(inventory, &name, now).await?,
                    vec![DESCRIBED],
                ),
                ResourceType::Image => (
                    self.image_findings(inventory, &name, now).await?,
                    vec![DESCRIBED],
                ),
                ResourceType::Account => {
                    let current = self.account_findings(inventory, call, &region, now).await?;
                    (Some(current), vec![DESCRIBED])
                }
                _ => self.stack_findings(inventory, &name, now).await?,
            };
            let Some((current, waived)) = current else {
                outcome.skipped = Some(format!(
                    "{} {name} not found in {region}",
                    resource_type.as_str(),
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
                    waived,
                )
                .await?;
            record(&mut outcome, change);
        }
        Ok(outcome)
    }

    /// An image builder's findings as described; `None` when it does not exist.
    async fn builder_findings(
        &self,
        inventory: &I,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(Current, Waived)>, AuditorError> {
        let Some(mut builder) = inventory.image_builder(name).await? else {
            return Ok(None);
        };
        let arn = builder.arn.clone();
        let evaluate = |b: &ImageBuilder| evaluate_builder(&self.policy, b, now);
        let current =
            described_findings(inventory, &mut builder, arn, evaluate, |b| &mut b.tags).await;
        Ok(Some(current))
    }

    /// An image's findings as described, with DescribeImagePermissions when it is shared
    /// with others; `None` when it does not exist. A failed permissions read fails the
    /// event (to be retried), since without it IMAGE-SHARED-EXTERNALLY cannot be judged.
    async fn image_findings(
        &self,
        inventory: &I,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(Current, Waived)>, AuditorError> {
        let Some(mut image) = inventory.image(name).await? else {
            return Ok(None);
        };
        if image.is_owned()
            && image.image_shared_with_others.known().map(String::as_str) == Some("TRUE")
        {
            image.shared_with = Attr::Set(inventory.image_permissions(name).await?);
        }
        let arn = image.arn.clone();
        let evaluate = |i: &Image| evaluate_image(&self.policy, i, now);
        let current =
            described_findings(inventory, &mut image, arn, evaluate, |i| &mut i.tags).await;
        Ok(Some(current))
    }

    /// The account's findings in one region, from its usage report subscriptions.
    async fn account_findings(
        &self,
        inventory: &I,
        call: &ApiCall,
        region: &str,
        now: DateTime<Utc>,
    ) -> Result<(Current, Waived), AuditorError> {
        let subscriptions = inventory.usage_report_subscriptions().await?;
        let mut account = Account::new(
            Some(call.account.clone()).filter(|a| !a.is_empty()),
            Some(region.to_owned()),
            Source {
                file: format!("appstream:{region}"),
                line: None,
                pointer: Some("/usage-report-subscriptions".to_owned()),
            },
        );
        account.usage_report_subscriptions = Attr::Set(subscriptions);
        Ok(split(
            evaluate_account(&self.policy, &account, now),
            DESCRIBED,
        ))
    }

    /// The fleet's findings: the fleet as described, plus (Create/UpdateFleet) what only
    /// the request shows. `None` when the fleet does not exist and no request says more.
    async fn fleet_findings(
        &self,
        inventory: &I,
        call: &ApiCall,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<(Option<(Current, Waived)>, Vec<&'static str>), AuditorError> {
        let described = inventory.fleet(name).await?;
        let mut current: Option<(Current, Waived)> = None;
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
            current = Some(split(evaluation, DESCRIBED));
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
                    let (found, _) = current.get_or_insert_with(Default::default);
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
    ) -> Result<(Option<(Current, Waived)>, Vec<&'static str>), AuditorError> {
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
        Ok((Some(split(evaluation, DESCRIBED)), vec![DESCRIBED]))
    }

    /// The scheduled sweep: every fleet, stack, image builder, owned image and the
    /// account's settings in every configured region. One bad resource, read or region is
    /// reported and the rest still complete; a type whose read failed resolves nothing.
    async fn sweep(
        &self,
        trigger: &TriggerRecord,
        account: &str,
        now: DateTime<Utc>,
    ) -> Result<Outcome, AuditorError> {
        let mut outcome = Outcome::default();
        let mut failures = Failures::default();
        for (region, inventory) in &self.inventories {
            let target = Target::new(account, region);
            self.sweep_target(
                inventory,
                &target,
                trigger,
                now,
                &mut outcome,
                &mut failures,
            )
            .await;
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

    /// Sweeps one account's region: reads it, reconciles every resource read and every
    /// stored state it no longer shows. Failures are collected, never raised.
    pub async fn sweep_target(
        &self,
        inventory: &I,
        target: &Target,
        trigger: &TriggerRecord,
        now: DateTime<Utc>,
        outcome: &mut Outcome,
        failures: &mut Failures,
    ) {
        let (account, region) = (&target.account, &target.region);
        {
            let options = AuditOptions {
                concurrency: self.concurrency,
                sessions: false,
                account: Some(account.to_owned()),
            };
            let result = audit(inventory, &self.policy, now, options).await;
            let listed: BTreeMap<ResourceType, bool> = [
                (ResourceType::Fleet, result.listed("DescribeFleets")),
                (ResourceType::Stack, result.listed("DescribeStacks")),
                (
                    ResourceType::ImageBuilder,
                    result.listed("DescribeImageBuilders"),
                ),
                (ResourceType::Image, result.listed("DescribeImages")),
                (
                    ResourceType::Account,
                    result.listed("DescribeUsageReportSubscriptions"),
                ),
            ]
            .into();
            outcome.evaluated += result.fleets.len()
                + result.stacks.len()
                + result.builders.len()
                + result.images.iter().filter(|i| i.is_owned()).count()
                + usize::from(result.account.is_some());
            let live: BTreeSet<ResourceKey> = live_keys(target, &result);
            // An image whose permissions could not be read keeps its stored state: its
            // IMAGE-SHARED-EXTERNALLY is unresolved this time, not fixed.
            let unsettled: BTreeSet<ResourceKey> = result
                .errors
                .iter()
                .filter(|e| e.operation == "DescribeImagePermissions")
                .filter_map(|e| e.resource.as_deref())
                .map(|name| ResourceKey::new(target, ResourceType::Image, name))
                .collect();
            for error in result.errors {
                failures.push(Failure::new(self.scope(target), error));
            }

            let stored: HashMap<ResourceKey, ResourceState> =
                match self.reconciler.store().noncompliant(Some(region)).await {
                    Ok(states) => states
                        .into_iter()
                        .filter(|s| &s.account == account)
                        .map(|s| (s.key(), s))
                        .collect(),
                    Err(e) => {
                        failures.push(Failure::new(self.scope(target), e));
                        return;
                    }
                };
            let mut current: BTreeMap<ResourceKey, (Current, Waived)> = BTreeMap::new();
            for finding in result.evaluation.findings {
                let key = ResourceKey::new(target, finding.resource_type, &finding.resource);
                current
                    .entry(key)
                    .or_default()
                    .0
                    .insert(finding.rule_id.to_owned(), (finding, DESCRIBED));
            }
            // Waived findings are kept (for the export) only while the export is on.
            let exempted = self
                .reconciler
                .exports()
                .then_some(result.evaluation.exempted);
            for e in exempted.into_iter().flatten() {
                let f = e.finding;
                let key = ResourceKey::new(target, f.resource_type, &f.resource);
                let waived = (f, DESCRIBED, e.exemption);
                current
                    .entry(key)
                    .or_default()
                    .1
                    .insert(waived.0.rule_id.to_owned(), waived);
            }
            let mut work: Vec<(ResourceKey, (Current, Waived), bool)> = Vec::new();
            current.retain(|key, _| !unsettled.contains(key));
            for key in stored.keys().filter(|k| !unsettled.contains(*k)) {
                // Session findings belong to the session recorder (never in `listed`).
                let Some(&listed) = listed.get(&key.resource_type) else {
                    continue;
                };
                if !current.contains_key(key) && listed {
                    work.push((key.clone(), Default::default(), !live.contains(key)));
                }
            }
            work.extend(
                current
                    .into_iter()
                    .map(|(key, findings)| (key, findings, false)),
            );

            let results: Vec<Result<Option<Change>, Failure>> = stream::iter(work)
                .map(|(key, (findings, waived), deleted)| {
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
                                waived,
                            )
                            .await
                            .map_err(|e| {
                                Failure::new(
                                    format!(
                                        "{}: {} {}",
                                        self.scope(target),
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
                    Ok(change) => record(outcome, change),
                    Err(failure) => failures.push(failure),
                }
            }
        }
    }

    /// How a failure names its place: the region alone in a single-account deployment
    /// (as before), `<account>/<region>` when members are governed.
    fn scope(&self, target: &Target) -> String {
        if self.members {
            target.to_string()
        } else {
            target.region.clone()
        }
    }
}

/// The findings of one described resource: evaluated, and evaluated again with its tags
/// when it has findings a tag could waive.
async fn described_findings<I: FleetInventory, T>(
    inventory: &I,
    resource: &mut T,
    arn: Option<String>,
    evaluate: impl Fn(&T) -> Evaluation,
    tags: impl FnOnce(&mut T) -> &mut Attr<BTreeMap<String, String>>,
) -> (Current, Waived) {
    let mut evaluation = evaluate(resource);
    if !evaluation.findings.is_empty()
        && let Some(arn) = arn
    {
        match inventory.tags(&arn).await {
            Ok(found) => {
                *tags(resource) = Attr::Set(found);
                evaluation = evaluate(resource);
            }
            Err(e) => {
                warn!(resource = %arn, error = %e, "tags unavailable; tag waivers not applied")
            }
        }
    }
    split(evaluation, DESCRIBED)
}

/// The keys of every resource the audit read (those not among them were deleted).
fn live_keys(target: &Target, audit: &Audit) -> BTreeSet<ResourceKey> {
    let key = |t: ResourceType, name: &str| ResourceKey::new(target, t, name);
    audit
        .fleets
        .iter()
        .map(|f| key(ResourceType::Fleet, &f.name))
        .chain(
            audit
                .stacks
                .iter()
                .map(|s| key(ResourceType::Stack, &s.name)),
        )
        .chain(
            audit
                .builders
                .iter()
                .map(|b| key(ResourceType::ImageBuilder, &b.name)),
        )
        .chain(
            audit
                .images
                .iter()
                .map(|i| key(ResourceType::Image, &i.name)),
        )
        .chain(
            audit
                .account
                .iter()
                .map(|a| key(ResourceType::Account, &a.name)),
        )
        .collect()
}

fn record(outcome: &mut Outcome, change: Option<Change>) {
    if let Some(change) = change {
        outcome.commits += 1;
        if !change.is_empty() {
            outcome.alerts += 1;
        }
    }
}
