//! One read of a region's AppStream, evaluated: every fleet, stack, image builder, owned
//! image and the region's account settings against the policy (what `streamwarden audit`
//! prints and what the fleet-auditor's sweep reconciles). Each resource type is paged
//! once, never read one resource at a time: fleets, stacks, builders, owned images
//! (`Type=PRIVATE`), the images fleets use that are not among the owned (by ARN, in
//! batches), DescribeImagePermissions only for owned images shared with others, and the
//! usage report subscriptions once. Tags are read only where they matter (required
//! tags, or a resource with findings whose tag may waive them), so a large compliant
//! account costs a handful of paged calls.

use crate::finding::Evaluation;
use crate::inventory::{AppStreamError, FleetInventory, ImageInventory, fleet_sessions};
use crate::model::{Account, Attr, Fleet, Image, ImageBuilder, Session, Stack, join_images};
use crate::policy::{
    Policy, evaluate_account, evaluate_builder, evaluate_fleet, evaluate_image, evaluate_stack,
};
use chrono::{DateTime, Utc};
use futures_util::{StreamExt, stream};
use std::collections::{BTreeMap, BTreeSet};

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
    keep(
        inventory.fleets().await,
        &mut audit.fleets,
        &mut audit.errors,
    );
    keep(
        inventory.stacks().await,
        &mut audit.stacks,
        &mut audit.errors,
    );
    keep(
        inventory.image_builders().await,
        &mut audit.builders,
        &mut audit.errors,
    );
    read_images(inventory, &mut audit, concurrency).await;
    join_images(&mut audit.fleets, &audit.images);
    let account = options
        .account
        .filter(|a| !a.is_empty())
        .or_else(|| account_of(&audit));
    match inventory.usage_report_subscriptions().await {
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

    let mut builder_evaluations: Vec<Evaluation> = audit
        .builders
        .iter()
        .map(|b| evaluate_builder(policy, b, now))
        .collect();
    let wanted = tag_requests(
        audit.builders.iter().map(|b| b.arn.as_deref()),
        &builder_evaluations,
        false,
    );
    for (index, tags) in fetch_tags(inventory, wanted, concurrency).await {
        match tags {
            Ok(tags) => {
                audit.builders[index].tags = Attr::Set(tags);
                builder_evaluations[index] = evaluate_builder(policy, &audit.builders[index], now);
            }
            Err(e) => audit.errors.push(e),
        }
    }

    let mut image_evaluations: Vec<Evaluation> = audit
        .images
        .iter()
        .map(|i| evaluate_image(policy, i, now))
        .collect();
    let wanted = tag_requests(
        audit.images.iter().map(|i| i.arn.as_deref()),
        &image_evaluations,
        false,
    );
    for (index, tags) in fetch_tags(inventory, wanted, concurrency).await {
        match tags {
            Ok(tags) => {
                audit.images[index].tags = Attr::Set(tags);
                image_evaluations[index] = evaluate_image(policy, &audit.images[index], now);
            }
            Err(e) => audit.errors.push(e),
        }
    }

    let account_evaluation = audit
        .account
        .as_ref()
        .map(|a| evaluate_account(policy, a, now));
    for evaluation in fleet_evaluations
        .into_iter()
        .chain(stack_evaluations)
        .chain(builder_evaluations)
        .chain(image_evaluations)
        .chain(account_evaluation)
    {
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
