//! Decodes the EventBridge event, runs the auditor, maps the result and the errors.

use chrono::Utc;
use lambda_runtime::{Diagnostic, LambdaEvent, tracing};
use serde_json::{Value, json};
use streamwarden::alert::AlertPublisher;
use streamwarden::events::{EventError, parse_event};
use streamwarden::inventory::{FleetInventory, ImageInventory};
use streamwarden::services::fleet_auditor::{AuditorError, FleetAuditor};
use streamwarden::store::FindingStore;

/// An invocation that failed; its `errorType` tells a bad event from a failing
/// dependency, so alarms and dead-letter triage can tell them apart.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error(transparent)]
    Event(#[from] EventError),
    #[error(transparent)]
    Auditor(#[from] AuditorError),
}

impl From<HandlerError> for Diagnostic {
    fn from(error: HandlerError) -> Self {
        let error_type = match &error {
            HandlerError::Event(e) => e.error_type(),
            HandlerError::Auditor(e) => e.error_type(),
        };
        Diagnostic {
            error_type: error_type.to_owned(),
            error_message: error.to_string(),
        }
    }
}

pub async fn handle<I, S, P>(
    auditor: &FleetAuditor<I, S, P>,
    event: LambdaEvent<Value>,
) -> Result<Value, HandlerError>
where
    I: FleetInventory + ImageInventory,
    S: FindingStore + Sync,
    P: AlertPublisher + Sync,
{
    let event = parse_event(event.payload)?;
    // Boxed: the sweep's future is deep enough to overflow the compiler's layout limit.
    let result = Box::pin(auditor.handle(event, Utc::now())).await;
    // The export's summary, whether or not the invocation failed (it never fails one).
    let export = auditor.take_export_log();
    export.report();
    let outcome = result?;
    tracing::info!(evaluated = outcome.evaluated, commits = outcome.commits, alerts = outcome.alerts, skipped = ?outcome.skipped, "done");
    Ok(json!({
        "evaluated": outcome.evaluated,
        "commits": outcome.commits,
        "alerts": outcome.alerts,
        "skipped": outcome.skipped,
        "exported": export.imported,
    }))
}
