//! Decodes the event (EventBridge, or an SQS batch of the organisation fan-out), runs
//! the auditor, maps the result and the errors.

use chrono::Utc;
use lambda_runtime::{Diagnostic, LambdaEvent, tracing};
use serde_json::{Value, json};
use streamwarden::alert::AlertPublisher;
use streamwarden::events::{AuditorEvent, EventError, parse_event, queue_records};
use streamwarden::inventory::{FleetInventory, ImageInventory};
use streamwarden::org::{AccessError, FanOutMessage, Members, Target, Work, WorkQueue};
use streamwarden::services::failure::Cause;
use streamwarden::services::fan_out::{Org, ScheduleError, batch_response, consume, schedule};
use streamwarden::services::fleet_auditor::{AuditorError, FleetAuditor};
use streamwarden::store::{FindingStore, TriggerRecord};

/// An invocation that failed; its `errorType` tells a bad event from a failing
/// dependency, so alarms and dead-letter triage can tell them apart.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error(transparent)]
    Event(#[from] EventError),
    #[error(transparent)]
    Auditor(#[from] AuditorError),
    #[error(transparent)]
    Access(#[from] AccessError),
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
    #[error(
        "an SQS fan-out batch arrived, but STREAMWARDEN_ACCOUNTS is not set: nothing to audit it with"
    )]
    NotOrganisation,
}

impl From<HandlerError> for Diagnostic {
    fn from(error: HandlerError) -> Self {
        let error_type = match &error {
            HandlerError::Event(e) => e.error_type(),
            HandlerError::Auditor(e) => e.error_type(),
            HandlerError::Access(e) => e.error_type(),
            HandlerError::Schedule(e) => e.error_type(),
            HandlerError::NotOrganisation => "UnsupportedEvent",
        };
        Diagnostic {
            error_type: error_type.to_owned(),
            error_message: error.to_string(),
        }
    }
}

/// Where the function runs: its own account, and the organisation it governs, if any.
pub struct Deployment<M, Q> {
    pub home_account: String,
    pub org: Option<Org<M, Q>>,
}

pub async fn handle<I, S, P, M, Q>(
    auditor: &FleetAuditor<I, S, P>,
    deployment: &Deployment<M, Q>,
    event: LambdaEvent<Value>,
) -> Result<Value, HandlerError>
where
    I: FleetInventory + ImageInventory,
    S: FindingStore + Sync,
    P: AlertPublisher + Sync,
    M: Members<I>,
    Q: WorkQueue,
{
    // Boxed: the sweep's future is deep enough to overflow the compiler's layout limit.
    let result = Box::pin(dispatch(auditor, deployment, event.payload)).await;
    // The export's summary, whether or not the invocation failed (it never fails one).
    let export = auditor.take_export_log();
    export.report();
    let mut answer = result?;
    if let Some(map) = answer.as_object_mut()
        && !map.contains_key("batchItemFailures")
    {
        map.insert("exported".to_owned(), json!(export.imported));
    }
    Ok(answer)
}

/// One unit of an organisation sweep: the account's inventory through its role, then
/// the sweep of that one region.
async fn sweep_unit<I, S, P, M>(
    auditor: &FleetAuditor<I, S, P>,
    members: &M,
    unit: &FanOutMessage,
) -> Result<(), Cause>
where
    I: FleetInventory + ImageInventory,
    S: FindingStore + Sync,
    P: AlertPublisher + Sync,
    M: Members<I>,
{
    let target = unit.target();
    let inventory = members.inventory(&target).await?;
    let trigger = TriggerRecord::schedule(unit.run.clone(), unit.scheduled);
    Box::pin(auditor.sweep_one(&inventory, &target, &trigger, Utc::now())).await?;
    Ok(())
}

async fn dispatch<I, S, P, M, Q>(
    auditor: &FleetAuditor<I, S, P>,
    deployment: &Deployment<M, Q>,
    payload: Value,
) -> Result<Value, HandlerError>
where
    I: FleetInventory + ImageInventory,
    S: FindingStore + Sync,
    P: AlertPublisher + Sync,
    M: Members<I>,
    Q: WorkQueue,
{
    if let Some(records) = queue_records(&payload) {
        let org = deployment
            .org
            .as_ref()
            .ok_or(HandlerError::NotOrganisation)?;
        let failed = consume(&records, async |unit: &FanOutMessage| {
            sweep_unit(auditor, &org.members, unit).await
        })
        .await;
        tracing::info!(
            records = records.len(),
            failed = failed.len(),
            "fan-out batch done"
        );
        return Ok(batch_response(&failed));
    }
    let event = parse_event(payload)?;
    let Some(org) = &deployment.org else {
        if let AuditorEvent::ApiCall(call) = &event
            && !call.account.is_empty()
            && call.account != deployment.home_account
        {
            return Err(AccessError::NotGoverned {
                account: call.account.clone(),
                governed: format!("unset, so only {}", deployment.home_account),
            }
            .into());
        }
        let outcome = Box::pin(auditor.handle(event, Utc::now())).await?;
        tracing::info!(evaluated = outcome.evaluated, commits = outcome.commits, alerts = outcome.alerts, skipped = ?outcome.skipped, "done");
        return Ok(json!({
            "evaluated": outcome.evaluated,
            "commits": outcome.commits,
            "alerts": outcome.alerts,
            "skipped": outcome.skipped,
        }));
    };
    match event {
        AuditorEvent::Schedule { id, time, .. } => {
            let done = schedule(
                &org.members,
                org.queue.as_ref(),
                Work::Sweep,
                &org.regions,
                &id,
                time,
                async |unit: &FanOutMessage| sweep_unit(auditor, &org.members, unit).await,
            )
            .await?;
            done.failures.log("organisation sweep");
            let answer = json!({
                "accounts": done.accounts.len(),
                "sent": done.sent,
                "worked": done.worked,
                "failed": done.failures.len(),
            });
            if done.failures.is_empty() {
                Ok(answer)
            } else {
                Err(AuditorError::Partial(done.failures).into())
            }
        }
        AuditorEvent::ApiCall(call) => {
            let target = Target::new(&call.account, &FleetAuditor::<I, S, P>::call_region(&call));
            let inventory = match org.members.inventory(&target).await {
                Ok(inventory) => inventory,
                Err(e) => {
                    tracing::error!(account = %call.account, event_id = %call.event_id, error_type = e.error_type(), error = %e, "event rejected");
                    return Err(e.into());
                }
            };
            let outcome = Box::pin(auditor.member_call(&call, &inventory, Utc::now())).await?;
            tracing::info!(account = %call.account, evaluated = outcome.evaluated, commits = outcome.commits, alerts = outcome.alerts, skipped = ?outcome.skipped, "done");
            Ok(json!({
                "account": call.account,
                "evaluated": outcome.evaluated,
                "commits": outcome.commits,
                "alerts": outcome.alerts,
                "skipped": outcome.skipped,
            }))
        }
    }
}
