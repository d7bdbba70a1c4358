//! One read of a region's AppStream, evaluated: every fleet and stack against the
//! policy (what `streamwarden audit` prints and what the fleet-auditor's sweep reconciles).
//! Tags are read only where they matter (required tags, or a resource with findings
//! whose tag may waive them), so a large compliant account costs two paged calls.

use crate::finding::Evaluation;
use crate::inventory::{AppStreamError, FleetInventory, fleet_sessions};
use crate::model::{Attr, Fleet, Session, Stack};
use crate::policy::{Policy, evaluate_fleet, evaluate_stack};
use chrono::{DateTime, Utc};
use futures_util::{StreamExt, stream};
use std::collections::BTreeMap;

/// What auditing one region found. A failed call is kept in `errors` and everything it
/// did not block is still evaluated.
#[derive(Debug, Default)]
pub struct Audit {
    pub fleets: Vec<Fleet>,
    pub stacks: Vec<Stack>,
    /// Live sessions, when asked for ([`AuditOptions::sessions`]).
    pub sessions: Vec<Session>,
    pub evaluation: Evaluation,
    pub errors: Vec<AppStreamError>,
}

/// How an audit runs.
#[derive(Debug, Clone, Copy)]
pub struct AuditOptions {
    /// AppStream calls in flight at once when fanning out (tags, sessions).
    pub concurrency: usize,
    /// Also read every fleet's live sessions (associated stacks x authentication types).
    pub sessions: bool,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            concurrency: 8,
            sessions: false,
        }
    }
}

/// Audits every fleet and stack the inventory sees.
pub async fn audit<I: FleetInventory>(
    inventory: &I,
    policy: &Policy,
    now: DateTime<Utc>,
    options: AuditOptions,
) -> Audit {
    let concurrency = options.concurrency.max(1);
    let mut audit = Audit::default();
    match inventory.fleets().await {
        Ok(fleets) => audit.fleets = fleets,
        Err(e) => audit.errors.push(e),
    }
    match inventory.stacks().await {
        Ok(stacks) => audit.stacks = stacks,
        Err(e) => audit.errors.push(e),
    }

    let every_fleet_needs_tags = !policy.fleet.required_tags.is_empty();
    let mut fleet_evaluations: Vec<Evaluation> = audit
        .fleets
        .iter()
        .map(|f| evaluate_fleet(policy, f, now))
        .collect();
    let wanted = tag_requests(
        audit.fleets.iter().map(|f| f.arn.as_deref()),
        &fleet_evaluations,
        every_fleet_needs_tags,
    );
    for (index, tags) in fetch_tags(inventory, wanted, concurrency).await {
        match tags {
            Ok(tags) => {
                audit.fleets[index].tags = Attr::Set(tags);
                fleet_evaluations[index] = evaluate_fleet(policy, &audit.fleets[index], now);
            }
            Err(e) => audit.errors.push(e),
        }
    }

    let mut stack_evaluations: Vec<Evaluation> = audit
        .stacks
        .iter()
        .map(|s| evaluate_stack(policy, s, now))
        .collect();
    let wanted = tag_requests(
        audit.stacks.iter().map(|s| s.arn.as_deref()),
        &stack_evaluations,
        false,
    );
    for (index, tags) in fetch_tags(inventory, wanted, concurrency).await {
        match tags {
            Ok(tags) => {
                audit.stacks[index].tags = Attr::Set(tags);
                stack_evaluations[index] = evaluate_stack(policy, &audit.stacks[index], now);
            }
            Err(e) => audit.errors.push(e),
        }
    }

    for evaluation in fleet_evaluations.into_iter().chain(stack_evaluations) {
        audit.evaluation.extend(evaluation);
    }

    if options.sessions {
        // Fleets fan out one at a time here and their stacks x types inside, so at most
        // `concurrency` DescribeSessions calls are in flight per fleet; a few fleets
        // run side by side.
        let per_fleet: Vec<(Vec<Session>, Vec<AppStreamError>)> =
            stream::iter(audit.fleets.iter().map(|f| f.name.clone()))
                .map(|name| async move { fleet_sessions(inventory, &name, concurrency).await })
                .buffer_unordered(2)
                .collect()
                .await;
        for (sessions, errors) in per_fleet {
            audit.sessions.extend(sessions);
            audit.errors.extend(errors);
        }
    }
    audit
}

/// Which resources' tags to read: all, or those with findings a tag could waive.
fn tag_requests<'a>(
    arns: impl Iterator<Item = Option<&'a str>>,
    evaluations: &[Evaluation],
    all: bool,
) -> Vec<(usize, String)> {
    arns.enumerate()
        .filter(|(i, _)| all || !evaluations[*i].findings.is_empty())
        .filter_map(|(i, arn)| arn.map(|a| (i, a.to_owned())))
        .collect()
}

async fn fetch_tags<I: FleetInventory>(
    inventory: &I,
    wanted: Vec<(usize, String)>,
    concurrency: usize,
) -> Vec<(usize, Result<BTreeMap<String, String>, AppStreamError>)> {
    stream::iter(wanted)
        .map(|(index, arn)| async move { (index, inventory.tags(&arn).await) })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await
}
