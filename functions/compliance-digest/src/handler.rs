//! Decodes the scheduled event, builds the digest of the day before it, publishes it.

use chrono::{Duration, Utc};
use lambda_runtime::{Diagnostic, LambdaEvent, tracing};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use streamwarden::alert::{AlertPublisher, PublishError};
use streamwarden::aws::MemberAccess;
use streamwarden::digest::render::message;
use streamwarden::digest::{DigestError, DigestSource, build};
use streamwarden::events::{AuditorEvent, EventError, parse_event};
use streamwarden::org::Members;
use streamwarden::store::Target;

/// The period a digest covers: the day before the scheduled time.
pub const PERIOD: Duration = Duration::hours(24);

pub struct DigestFunction<S, P> {
    pub store: S,
    pub publisher: P,
    pub regions: Vec<String>,
    /// The governed accounts, when members are (`STREAMWARDEN_ACCOUNTS`): one
    /// organisation digest then.
    pub members: Option<MemberAccess>,
}

impl<S: DigestSource, P> DigestFunction<S, P> {
    /// The (account, region) sections: the deployment's own account, or every governed
    /// account; then any account the table still holds open findings of that is no
    /// longer governed (reported as not audited, its findings kept). With the names
    /// Organizations gives the governed accounts.
    async fn targets(&self, account: &str) -> Sections {
        let mut names = BTreeMap::new();
        let mut accounts: Vec<String> = match &self.members {
            None => vec![account.to_owned()],
            Some(members) => match members.accounts().await {
                Ok(found) => found
                    .into_iter()
                    .map(|a| {
                        if let Some(name) = a.name {
                            names.insert(a.id.clone(), name);
                        }
                        a.id
                    })
                    .collect(),
                Err(e) => {
                    tracing::error!(error_type = e.error_type(), error = %e, "governed accounts unavailable: the digest covers the accounts the table holds");
                    Vec::new()
                }
            },
        };
        let mut ungoverned = BTreeSet::new();
        if self.members.is_some()
            && let Ok(states) = self.store.noncompliant(None).await
        {
            for state in states {
                if !accounts.contains(&state.account) && !state.account.is_empty() {
                    ungoverned.insert(state.account.clone());
                }
            }
            accounts.extend(ungoverned.iter().cloned());
        }
        let targets = accounts
            .iter()
            .flat_map(|a| self.regions.iter().map(move |r| Target::new(a, r)))
            .collect();
        Sections {
            targets,
            ungoverned,
            names,
        }
    }
}

/// What the digest covers.
struct Sections {
    targets: Vec<Target>,
    /// Accounts the table holds findings of that are no longer governed.
    ungoverned: BTreeSet<String>,
    /// Account names, where Organizations gives them.
    names: BTreeMap<String, String>,
}

/// An invocation that failed; `errorType` is stable for alarms and dead-letter triage.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error(transparent)]
    Event(#[from] EventError),
    #[error(
        "unsupported event: the compliance digest runs on EventBridge schedules (\"Scheduled Event\" from aws.events), not on CloudTrail event {0}"
    )]
    Unsupported(String),
    #[error(transparent)]
    Publish(#[from] PublishError),
    /// Without a region's open findings the digest would read as an all-clear.
    #[error("the digest was not sent: {0}")]
    Unreadable(#[from] DigestError),
}

impl From<HandlerError> for Diagnostic {
    fn from(error: HandlerError) -> Self {
        let error_type = match &error {
            HandlerError::Event(e) => e.error_type(),
            HandlerError::Unsupported(_) => "UnsupportedEvent",
            HandlerError::Publish(_) => "PublishError",
            HandlerError::Unreadable(e) => e.error_type(),
        };
        Diagnostic {
            error_type: error_type.to_owned(),
            error_message: error.to_string(),
        }
    }
}

pub async fn handle<S: DigestSource, P: AlertPublisher + Sync>(
    function: &DigestFunction<S, P>,
    event: LambdaEvent<Value>,
) -> Result<Value, HandlerError> {
    let (account, time) = match parse_event(event.payload)? {
        AuditorEvent::Schedule { account, time, .. } => (account, time),
        AuditorEvent::ApiCall(call) => return Err(HandlerError::Unsupported(call.event_name)),
    };
    let sections = function.targets(&account).await;
    let mut digest = build(
        &function.store,
        &account,
        &sections.targets,
        time - PERIOD,
        time,
        Utc::now(),
    )
    .await?;
    for section in &mut digest.regions {
        section.account_name = sections.names.get(&section.account).cloned();
        if sections.ungoverned.contains(&section.account) {
            tracing::warn!(account = %section.account, region = %section.region, error_type = "AccountNotAudited", "account no longer governed: not audited, findings kept open");
            section.not_audited = true;
        }
    }
    let alert = message(&digest);
    function.publisher.publish(&alert).await?;
    let errors: Vec<&String> = digest.regions.iter().flat_map(|r| &r.errors).collect();
    for error in &errors {
        tracing::warn!(%error, "part of the digest could not be read");
    }
    let fleets: usize = digest.regions.iter().map(|r| r.fleets.len()).sum();
    let idle: usize = digest
        .regions
        .iter()
        .map(|r| r.fleets.iter().filter(|f| f.idle).count())
        .sum();
    tracing::info!(
        open = digest.open_count(),
        fleets,
        idle,
        bytes = alert.message.len(),
        "digest published"
    );
    Ok(json!({
        "since": digest.since,
        "until": digest.until,
        "regions": digest.regions.len(),
        "not_audited": sections.ungoverned,
        "open_findings": digest.open_count(),
        "changes": digest.regions.iter().map(|r| r.changes.len()).sum::<usize>(),
        "fleets": fleets,
        "idle_fleets": idle,
        "subject": alert.subject,
        "message_bytes": alert.message.len(),
        "errors": errors,
    }))
}
