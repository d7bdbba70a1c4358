//! One read of a region's AppStream, evaluated: every fleet and stack against the
//! policy (what `streamwarden audit` prints and what the fleet-auditor's sweep reconciles).
//!
//! Every resource type is listed at once (one paged read per type, side by side). Tags
//! are read only where they matter (required tags, or a resource with findings whose tag
//! may waive them), and then in pages: every tagged resource of the type through the
//! tagging API ([`crate::tags::TagCatalog`]), the types side by side. So a large account costs its
//! Describe* pages plus, for each type that needs tags, one page per 100 tagged
//! resources. When the tagging API is denied or fails, the tags are read one resource at a
//! time (ListTagsForResource), and the audit says so once ([`Audit::notes`]).

use crate::finding::{Evaluation, ResourceType};
use crate::inventory::{AppStreamError, FleetInventory, fleet_sessions};
use crate::model::{Attr, Fleet, Session, Stack};
use crate::policy::{Policy, evaluate_fleet, evaluate_stack};
use crate::tags::Tags;
use chrono::{DateTime, Utc};
use futures_util::{StreamExt, future, stream};
use tracing::warn;

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
    /// What the user should know that is not an error: the tagging API failed and tags
    /// were read one resource at a time (said once per region).
    pub notes: Vec<String>,
}

/// How an audit runs.
#[derive(Debug, Clone, Copy)]
pub struct AuditOptions {
    /// AppStream calls in flight at once when fanning out (tags read one resource at a
    /// time, sessions).
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
    // Every resource type paged at once; a new type is one more read here.
    let (fleets, stacks) = future::join(inventory.fleets(), inventory.stacks()).await;
    match fleets {
        Ok(fleets) => audit.fleets = fleets,
        Err(e) => audit.errors.push(e),
    }
    match stacks {
        Ok(stacks) => audit.stacks = stacks,
        Err(e) => audit.errors.push(e),
    }

    // Each type evaluated, its tags read where they matter, side by side.
    let every_fleet_needs_tags = !policy.fleet.required_tags.is_empty();
    let (fleets, stacks) = future::join(
        evaluate_tagged(
            inventory,
            policy,
            now,
            &mut audit.fleets,
            every_fleet_needs_tags,
            concurrency,
        ),
        evaluate_tagged(
            inventory,
            policy,
            now,
            &mut audit.stacks,
            false,
            concurrency,
        ),
    )
    .await;
    let mut unavailable = None;
    for kind in [fleets, stacks] {
        audit.evaluation.extend(kind.evaluation);
        audit.errors.extend(kind.errors);
        unavailable = unavailable.or(kind.unavailable);
    }
    if let Some(cause) = unavailable {
        let note = format!(
            "tags read one resource at a time (ListTagsForResource): the tagging API failed ({cause}); grant tag:GetResources to read them in pages"
        );
        warn!("{note}");
        audit.notes.push(note);
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

/// A resource type an audit evaluates and whose tags may matter.
trait Tagged {
    const TYPE: ResourceType;
    fn arn(&self) -> Option<&str>;
    fn set_tags(&mut self, tags: Tags);
    fn evaluate(&self, policy: &Policy, now: DateTime<Utc>) -> Evaluation;
}

impl Tagged for Fleet {
    const TYPE: ResourceType = ResourceType::Fleet;
    fn arn(&self) -> Option<&str> {
        self.arn.as_deref()
    }
    fn set_tags(&mut self, tags: Tags) {
        self.tags = Attr::Set(tags);
    }
    fn evaluate(&self, policy: &Policy, now: DateTime<Utc>) -> Evaluation {
        evaluate_fleet(policy, self, now)
    }
}

impl Tagged for Stack {
    const TYPE: ResourceType = ResourceType::Stack;
    fn arn(&self) -> Option<&str> {
        self.arn.as_deref()
    }
    fn set_tags(&mut self, tags: Tags) {
        self.tags = Attr::Set(tags);
    }
    fn evaluate(&self, policy: &Policy, now: DateTime<Utc>) -> Evaluation {
        evaluate_stack(policy, self, now)
    }
}

/// One type's evaluation, with the tags it needed.
#[derive(Default)]
struct TypeAudit {
    evaluation: Evaluation,
    errors: Vec<AppStreamError>,
    /// Why the tagging API could not be used, when it failed.
    unavailable: Option<AppStreamError>,
}

/// Evaluates every resource; reads the tags of those that need them (all when `all`,
/// else those with findings a tag could waive) and evaluates those again.
async fn evaluate_tagged<I: FleetInventory, T: Tagged>(
    inventory: &I,
    policy: &Policy,
    now: DateTime<Utc>,
    resources: &mut [T],
    all: bool,
    concurrency: usize,
) -> TypeAudit {
    let mut evaluations: Vec<Evaluation> =
        resources.iter().map(|r| r.evaluate(policy, now)).collect();
    let wanted: Vec<(usize, String)> = resources
        .iter()
        .enumerate()
        .filter(|(i, _)| all || !evaluations[*i].findings.is_empty())
        .filter_map(|(i, r)| r.arn().map(|a| (i, a.to_owned())))
        .collect();
    let mut out = TypeAudit::default();
    let tags = if wanted.is_empty() {
        Vec::new()
    } else {
        match inventory.tagged(T::TYPE).await {
            Some(Ok(mut tagged)) => wanted
                .into_iter()
                .map(|(i, arn)| (i, Ok(tagged.remove(&arn).unwrap_or_default())))
                .collect(),
            Some(Err(e)) => {
                out.unavailable = Some(e);
                one_by_one(inventory, wanted, concurrency).await
            }
            None => one_by_one(inventory, wanted, concurrency).await,
        }
    };
    for (index, tags) in tags {
        match tags {
            Ok(tags) => {
                resources[index].set_tags(tags);
                evaluations[index] = resources[index].evaluate(policy, now);
            }
            Err(e) => out.errors.push(e),
        }
    }
    for evaluation in evaluations {
        out.evaluation.extend(evaluation);
    }
    out
}

/// ListTagsForResource for each wanted resource, `concurrency` at once.
async fn one_by_one<I: FleetInventory>(
    inventory: &I,
    wanted: Vec<(usize, String)>,
    concurrency: usize,
) -> Vec<(usize, Result<Tags, AppStreamError>)> {
    stream::iter(wanted)
        .map(|(index, arn)| async move { (index, inventory.tags(&arn).await) })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await
}
