//! One read of a region's AppStream, evaluated: every fleet, stack, image builder, owned
//! image and the region's account settings against the policy (what `streamwarden audit`
//! prints and what the fleet-auditor's sweep reconciles).
//!
//! Each resource type is paged once, never read one resource at a time, the types side
//! by side: fleets, stacks and builders at once; then owned images (`Type=PRIVATE`), the
//! images fleets use that are not among them (by ARN, in batches), DescribeImagePermissions
//! only for owned images shared with others, and the usage report subscriptions once.
//! Tags are read only where they matter (required tags, or a resource with findings whose
//! tag may waive them), and then in pages: every tagged resource of the type through the
//! tagging API ([`crate::inventory::TagCatalog`]), the types side by side. So a large account
//! costs its Describe* pages plus, for each type that needs tags, one page per 100 tagged
//! resources. When the tagging API is denied or fails, the tags are read one resource at a
//! time (ListTagsForResource), and the audit says so once ([`Audit::notes`]).

use crate::finding::{Evaluation, ResourceType};
use crate::inventory::{AppStreamError, FleetInventory, ImageInventory, fleet_sessions};
use crate::model::{Account, Attr, Fleet, Image, ImageBuilder, Session, Stack, join_images};
use crate::policy::{
    Policy, evaluate_account, evaluate_builder, evaluate_fleet, evaluate_image, evaluate_stack,
};
use crate::tags::Tags;
use chrono::{DateTime, Utc};
use futures_util::{StreamExt, future, stream};
use std::collections::BTreeSet;
use tracing::warn;

/// What auditing one region found. A failed call is kept in `errors` and everything it
/// did not block is still evaluated.
#[derive(Debug, Default)]
pub struct Audit {
    pub fleets: Vec<Fleet>,
    pub stacks: Vec<Stack>,
    pub builders: Vec<ImageBuilder>,
    /// The images this account owns, then the other images its fleets use (public or
    /// shared; only owned images are judged by the image rules).
    pub images: Vec<Image>,
    /// The account in this region (usage reports); absent when its read failed.
    pub account: Option<Account>,
    /// Live sessions, when asked for ([`AuditOptions::sessions`]).
    pub sessions: Vec<Session>,
    pub evaluation: Evaluation,
    pub errors: Vec<AppStreamError>,
    /// What the user should know that is not an error: the tagging API failed and tags
    /// were read one resource at a time (said once per region).
    pub notes: Vec<String>,
}

/// How an audit runs.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    /// AppStream calls in flight at once when fanning out (tags, sessions, permissions).
    pub concurrency: usize,
    /// Also read every fleet's live sessions (associated stacks x authentication types).
    pub sessions: bool,
    /// The account audited, for the account resource's name (`<account>/<region>`).
    /// `None`: taken from the ARNs read (no STS call); the region alone when none was.
    pub account: Option<String>,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            concurrency: 8,
            sessions: false,
            account: None,
        }
    }
}

impl Audit {
    /// Whether `operation`'s read succeeded, so what it did not list is really gone.
    pub fn listed(&self, operation: &str) -> bool {
        !self.errors.iter().any(|e| e.operation == operation)
    }
}

/// Audits every fleet, stack, image builder, owned image and the account settings the
/// inventory sees in its region.
pub async fn audit<I: FleetInventory + ImageInventory>(
    inventory: &I,
    policy: &Policy,
    now: DateTime<Utc>,
    options: AuditOptions,
) -> Audit {
    let region = inventory.region();
    let concurrency = options.concurrency.max(1);
    let mut audit = Audit::default();
    // Every resource type paged at once; a new type is one more read here.
    let (fleets, stacks, builders) = future::join3(
        inventory.fleets(),
        inventory.stacks(),
        inventory.image_builders(),
    )
    .await;
    keep(fleets, &mut audit.fleets, &mut audit.errors);
    keep(stacks, &mut audit.stacks, &mut audit.errors);
    keep(builders, &mut audit.builders, &mut audit.errors);
    // Images follow the fleets (the ones they use by ARN); usage reports meanwhile.
    let (_, subscriptions) = future::join(
        read_images(inventory, &mut audit, concurrency),
        inventory.usage_report_subscriptions(),
    )
    .await;
    join_images(&mut audit.fleets, &audit.images);
    let account = options
        .account
        .filter(|a| !a.is_empty())
        .or_else(|| account_of(&audit));
    match subscriptions {
        Ok(subscriptions) => {
            let mut found = Account::new(
                account,
                Some(region.to_owned()),
                crate::finding::Source {
                    file: format!("appstream:{region}"),
                    line: None,
                    pointer: Some("/usage-report-subscriptions".to_owned()),
                },
            );
            found.usage_report_subscriptions = Attr::Set(subscriptions);
            audit.account = Some(found);
        }
        Err(e) => audit.errors.push(e),
    }

    // Each type evaluated, its tags read where they matter, side by side.
    let every_fleet_needs_tags = !policy.fleet.required_tags.is_empty();
    let (fleets, stacks, builders, images) = future::join4(
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
        evaluate_tagged(
            inventory,
            policy,
            now,
            &mut audit.builders,
            false,
            concurrency,
        ),
        evaluate_tagged(
            inventory,
            policy,
            now,
            &mut audit.images,
            false,
            concurrency,
        ),
    )
    .await;
    let mut unavailable = None;
    for kind in [fleets, stacks, builders, images] {
        audit.evaluation.extend(kind.evaluation);
        audit.errors.extend(kind.errors);
        unavailable = unavailable.or(kind.unavailable);
    }
    if let Some(account) = &audit.account {
        audit
            .evaluation
            .extend(evaluate_account(policy, account, now));
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

fn keep<T>(
    read: Result<Vec<T>, AppStreamError>,
    into: &mut Vec<T>,
    errors: &mut Vec<AppStreamError>,
) {
    match read {
        Ok(found) => *into = found,
        Err(e) => errors.push(e),
    }
}

/// The owned images, the images fleets use that are not among them (by ARN, batched),
/// and who each owned image shared with others is shared with.
async fn read_images<I: ImageInventory>(inventory: &I, audit: &mut Audit, concurrency: usize) {
    keep(
        inventory.owned_images().await,
        &mut audit.images,
        &mut audit.errors,
    );
    let known: BTreeSet<&str> = audit
        .images
        .iter()
        .filter_map(|i| i.arn.as_deref())
        .collect();
    let missing: Vec<String> = audit
        .fleets
        .iter()
        .filter_map(|f| f.image_arn.known())
        .filter(|arn| !known.contains(arn.as_str()))
        .map(String::clone)
        .collect::<BTreeSet<String>>()
        .into_iter()
        .collect();
    if !missing.is_empty() {
        match inventory.images_by_arn(&missing).await {
            Ok(found) => audit.images.extend(found),
            Err(e) => audit.errors.push(e),
        }
    }

    // ImageSharedWithOthers is `TRUE` only on images this account owns and has shared.
    let shared: Vec<(usize, String)> = audit
        .images
        .iter()
        .enumerate()
        .filter(|(_, i)| {
            i.is_owned() && i.image_shared_with_others.known().map(String::as_str) == Some("TRUE")
        })
        .map(|(index, i)| (index, i.name.clone()))
        .collect();
    let permissions: Vec<(usize, Result<_, AppStreamError>)> = stream::iter(shared)
        .map(|(index, name)| async move { (index, inventory.image_permissions(&name).await) })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    for (index, result) in permissions {
        match result {
            Ok(shared_with) => audit.images[index].shared_with = Attr::Set(shared_with),
            Err(e) => audit.errors.push(e),
        }
    }
}

impl Audit {
    /// The account read: the one given, else the first resource ARN's.
    pub fn account_id(&self) -> Option<String> {
        self.account
            .as_ref()
            .and_then(|a| a.account_id.clone())
            .or_else(|| account_of(self))
    }
}

/// The account ID in the first resource ARN read (`arn:aws:appstream:<region>:<account>:...`);
/// AWS's public images carry none.
fn account_of(audit: &Audit) -> Option<String> {
    let arns = audit
        .fleets
        .iter()
        .map(|f| f.arn.as_deref())
        .chain(audit.stacks.iter().map(|s| s.arn.as_deref()))
        .chain(audit.builders.iter().map(|b| b.arn.as_deref()))
        .chain(audit.images.iter().map(|i| i.arn.as_deref()));
    arns.flatten()
        .filter_map(|arn| arn.split(':').nth(4))
        .find(|account| !account.is_empty())
        .map(str::to_owned)
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

impl Tagged for ImageBuilder {
    const TYPE: ResourceType = ResourceType::ImageBuilder;
    fn arn(&self) -> Option<&str> {
        self.arn.as_deref()
    }
    fn set_tags(&mut self, tags: Tags) {
        self.tags = Attr::Set(tags);
    }
    fn evaluate(&self, policy: &Policy, now: DateTime<Utc>) -> Evaluation {
        evaluate_builder(policy, self, now)
    }
}

impl Tagged for Image {
    const TYPE: ResourceType = ResourceType::Image;
    fn arn(&self) -> Option<&str> {
        self.arn.as_deref()
    }
    fn set_tags(&mut self, tags: Tags) {
        self.tags = Attr::Set(tags);
    }
    fn evaluate(&self, policy: &Policy, now: DateTime<Utc>) -> Evaluation {
        evaluate_image(policy, self, now)
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
