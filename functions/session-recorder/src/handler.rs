//! Decodes the EventBridge event, runs the recorder, maps the result and the errors.

use chrono::Utc;
use lambda_runtime::{Diagnostic, LambdaEvent, tracing};
use serde_json::{Value, json};
use streamwarden::alert::AlertPublisher;
use streamwarden::events::{EventError, parse_event};
use streamwarden::inventory::FleetInventory;
use streamwarden::services::session_recorder::{RecorderError, SessionRecorder};
use streamwarden::store::{FindingStore, SessionStore};

/// An invocation that failed; its `errorType` tells a bad event from a failing
/// dependency, so alarms and dead-letter triage can tell them apart.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error(transparent)]
    Event(#[from] EventError),
    #[error(transparent)]
    Recorder(#[from] RecorderError),
}

impl From<HandlerError> for Diagnostic {
    fn from(error: HandlerError) -> Self {
        let error_type = match &error {
            HandlerError::Event(e) => e.error_type(),
            HandlerError::Recorder(e) => e.error_type(),
        };
        Diagnostic {
            error_type: error_type.to_owned(),
            error_message: error.to_string(),
        }
    }
}

pub async fn handle<I, S, P>(
    recorder: &SessionRecorder<I, S, P>,
    event: LambdaEvent<Value>,
) -> Result<Value, HandlerError>
where
    I: FleetInventory,
    S: FindingStore + SessionStore + Sync,
    P: AlertPublisher + Sync,
{
    let event = parse_event(event.payload)?;
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
