//! Decodes the event (an EventBridge schedule, or an SQS batch of the organisation
//! fan-out), runs the recorder, maps the result and the errors.

use chrono::Utc;
use lambda_runtime::{Diagnostic, LambdaEvent, tracing};
use serde_json::{Value, json};
use streamwarden::alert::AlertPublisher;
use streamwarden::events::{AuditorEvent, EventError, parse_event, queue_records};
use streamwarden::inventory::FleetInventory;
use streamwarden::org::{FanOutMessage, Members, Work, WorkQueue};
use streamwarden::services::failure::Cause;
use streamwarden::services::fan_out::{Org, ScheduleError, batch_response, consume, schedule};
use streamwarden::services::session_recorder::{RecorderError, SessionRecorder};
use streamwarden::store::TriggerRecord;
use streamwarden::store::{FindingStore, SessionStore};

/// An invocation that failed; its `errorType` tells a bad event from a failing
/// dependency, so alarms and dead-letter triage can tell them apart.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error(transparent)]
    Event(#[from] EventError),
    #[error(transparent)]
    Recorder(#[from] RecorderError),
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
    #[error(
        "an SQS fan-out batch arrived, but STREAMWARDEN_ACCOUNTS is not set: nothing to record it with"
    )]
    NotOrganisation,
}

impl From<HandlerError> for Diagnostic {
    fn from(error: HandlerError) -> Self {
        let error_type = match &error {
            HandlerError::Event(e) => e.error_type(),
            HandlerError::Recorder(e) => e.error_type(),
            HandlerError::Schedule(e) => e.error_type(),
            HandlerError::NotOrganisation => "UnsupportedEvent",
        };
        Diagnostic {
            error_type: error_type.to_owned(),
            error_message: error.to_string(),
        }
    }
}

/// One unit of an organisation poll: the account's inventory through its role, then
/// the run of that one region.
async fn poll_unit<I, S, P, M>(
    recorder: &SessionRecorder<I, S, P>,
    members: &M,
    unit: &FanOutMessage,
) -> Result<(), Cause>
where
    I: FleetInventory,
    S: FindingStore + SessionStore + Sync,
    P: AlertPublisher + Sync,
    M: Members<I>,
{
    let target = unit.target();
    let inventory = members.inventory(&target).await?;
    let trigger = TriggerRecord::schedule(unit.run.clone(), unit.scheduled);
    Box::pin(recorder.run_one(&inventory, &target, &trigger, Utc::now())).await?;
    Ok(())
}

pub async fn handle<I, S, P, M, Q>(
    recorder: &SessionRecorder<I, S, P>,
    org: Option<&Org<M, Q>>,
    event: LambdaEvent<Value>,
) -> Result<Value, HandlerError>
where
    I: FleetInventory,
    S: FindingStore + SessionStore + Sync,
    P: AlertPublisher + Sync,
    M: Members<I>,
    Q: WorkQueue,
{
    if let Some(records) = queue_records(&event.payload) {
        let org = org.ok_or(HandlerError::NotOrganisation)?;
        let failed = consume(&records, async |unit: &FanOutMessage| {
            poll_unit(recorder, &org.members, unit).await
        })
        .await;
        recorder.take_export_log().report();
        tracing::info!(
            records = records.len(),
            failed = failed.len(),
            "fan-out batch done"
        );
        return Ok(batch_response(&failed));
    }
    let event = parse_event(event.payload)?;
    if let (Some(org), AuditorEvent::Schedule { id, time, .. }) = (org, &event) {
        let done = schedule(
            &org.members,
            org.queue.as_ref(),
            Work::Poll,
            &org.regions,
            id,
            *time,
            async |unit: &FanOutMessage| poll_unit(recorder, &org.members, unit).await,
        )
        .await?;
        recorder.take_export_log().report();
        done.failures.log("organisation poll");
        let answer = json!({
            "accounts": done.accounts.len(),
            "sent": done.sent,
            "worked": done.worked,
            "failed": done.failures.len(),
        });
        return if done.failures.is_empty() {
            Ok(answer)
        } else {
            Err(RecorderError::Partial(done.failures).into())
        };
    }
    let result = Box::pin(recorder.handle(event, Utc::now())).await;
    // The export's summary, whether or not the invocation failed (it never fails one).
    let export = recorder.take_export_log();
    export.report();
    let outcome = result?;
    tracing::info!(
        fleets = outcome.fleets,
        sessions = outcome.sessions,
        items_written = outcome.writes.items,
        "done"
    );
    Ok(json!({
        "fleets": outcome.fleets,
        "sessions": outcome.sessions,
        "opened": outcome.opened,
        "changed": outcome.changed,
        "closed": outcome.closed,
        "snapshots": outcome.snapshots,
        "items_written": outcome.writes.items,
        "write_units": outcome.writes.write_units,
        "batch_requests": outcome.writes.requests,
        "retried_items": outcome.writes.retried,
        "finding_commits": outcome.finding_commits,
        "alerts": outcome.alerts,
        "exported": export.imported,
    }))
}
