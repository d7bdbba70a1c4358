//! Runs the catalog over one fleet or stack and applies the policy's settings and waivers.

use super::{CATALOG, Check, Outcome, Policy, Rule};
use crate::finding::{
    Evaluation, Exempted, ExemptionInfo, Finding, ResourceType, Source, Unresolved,
};
use crate::model::{Account, Attr, Fleet, Image, ImageBuilder, Stack, UnreadReason};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeMap;

/// Evaluates every enabled fleet rule. `now` decides which waivers are still in force.
pub fn evaluate_fleet(policy: &Policy, fleet: &Fleet, now: DateTime<Utc>) -> Evaluation {
    let target = Target {
        resource_type: ResourceType::Fleet,
        name: &fleet.name,
        source: &fleet.source,
        tags: &fleet.tags,
    };
    run(policy, &target, now, |rule| match rule.check {
        Check::Fleet(check) => Some(check(policy, fleet)),
        Check::FleetAt(check) => Some(check(policy, fleet, now)),
        _ => None,
    })
}

/// Evaluates every enabled stack rule.
pub fn evaluate_stack(policy: &Policy, stack: &Stack, now: DateTime<Utc>) -> Evaluation {
    let target = Target {
        resource_type: ResourceType::Stack,
        name: &stack.name,
        source: &stack.source,
        tags: &stack.tags,
    };
    run(policy, &target, now, |rule| match rule.check {
        Check::Stack(check) => Some(check(policy, stack)),
        _ => None,
    })
}

/// Evaluates every enabled image builder rule.
pub fn evaluate_builder(policy: &Policy, builder: &ImageBuilder, now: DateTime<Utc>) -> Evaluation {
    let target = Target {
        resource_type: ResourceType::ImageBuilder,
        name: &builder.name,
        source: &builder.source,
        tags: &builder.tags,
    };
    run(policy, &target, now, |rule| match rule.check {
        Check::Builder(check) => Some(check(policy, builder, now)),
        _ => None,
    })
}

/// Evaluates every enabled image rule. Only images the account owns are judged (see
/// [`Image::is_owned`]); another's image yields an empty evaluation.
pub fn evaluate_image(policy: &Policy, image: &Image, now: DateTime<Utc>) -> Evaluation {
    if !image.is_owned() {
        return Evaluation::default();
    }
    let target = Target {
        resource_type: ResourceType::Image,
        name: &image.name,
        source: &image.source,
        tags: &image.tags,
    };
    run(policy, &target, now, |rule| match rule.check {
        Check::Image(check) => Some(check(policy, image)),
        _ => None,
    })
}

/// Evaluates every enabled account rule (one account in one region). Accounts carry no
/// tags: only policy waivers apply, by the account resource's name (`<account>/<region>`).
pub fn evaluate_account(policy: &Policy, account: &Account, now: DateTime<Utc>) -> Evaluation {
    let no_tags = Attr::Absent;
    let target = Target {
        resource_type: ResourceType::Account,
        name: &account.name,
        source: &account.source,
        tags: &no_tags,
    };
    run(policy, &target, now, |rule| match rule.check {
        Check::Account(check) => Some(check(policy, account)),
        _ => None,
    })
}

/// Evaluates every enabled session rule over one fleet's recorded sessions. Findings are
/// about the fleet's sessions (resource type `session`, named after the fleet); the
/// fleet's waivers (policy and tag) apply.
pub fn evaluate_sessions(
    policy: &Policy,
    view: &crate::policy::rules::session::SessionView<'_>,
) -> Evaluation {
    let target = Target {
        resource_type: ResourceType::Session,
        name: &view.fleet.name,
        source: &view.fleet.source,
        tags: &view.fleet.tags,
    };
    run(policy, &target, view.now, |rule| match rule.check {
        Check::Session(check) => Some(check(policy, view)),
        _ => None,
    })
}

struct Target<'a> {
    resource_type: ResourceType,
    name: &'a str,
    source: &'a Source,
    tags: &'a Attr<BTreeMap<String, String>>,
}

fn run(
    policy: &Policy,
    target: &Target<'_>,
    now: DateTime<Utc>,
    check: impl Fn(&Rule) -> Option<Outcome>,
) -> Evaluation {
    let mut evaluation = Evaluation::default();
    let today = now.date_naive();
    let tag_waiver = target
        .tags
        .known()
        .and_then(|tags| tags.get(&policy.exemption_tag))
        .map(|value| TagWaiver::parse(value));
    for (index, rule) in CATALOG.iter().enumerate() {
        let setting = policy.setting(index);
        if !setting.enabled {
            continue;
        }
        let Some(outcome) = check(rule) else { continue };
        match outcome {
            Ok(None) => {}
            Ok(Some(message)) => {
                let mut finding = Finding {
                    rule_id: rule.id,
                    severity: setting.severity,
                    resource_type: target.resource_type,
                    resource: target.name.to_owned(),
                    title: rule.title,
                    message,
                    remediation: rule.remediation,
                    source: target.source.clone(),
                    note: None,
                };
                match waiver(policy, tag_waiver.as_ref(), rule.id, target.name, today) {
                    Waiver::None => evaluation.findings.push(finding),
                    Waiver::Expired(note) => {
                        finding.note = Some(note);
                        evaluation.findings.push(finding);
                    }
                    Waiver::Active(exemption) => {
                        evaluation.exempted.push(Exempted { finding, exemption })
                    }
                }
            }
            // A field an update request leaves unchanged is not this request's business.
            Err(unread) if unread.reason == UnreadReason::NotInRequest => {}
            Err(unread) => evaluation.unresolved.push(Unresolved {
                rule_id: rule.id,
                resource_type: target.resource_type,
                resource: target.name.to_owned(),
                field: unread.field,
                reason: unread.to_string(),
                source: target.source.clone(),
            }),
        }
    }
    evaluation
}

enum Waiver {
    None,
    Active(ExemptionInfo),
    Expired(String),
}

/// The first waiver in force for this rule and resource; otherwise a note about an
/// expired one, so a lapsed waiver is visible.
fn waiver(
    policy: &Policy,
    tag: Option<&TagWaiver>,
    rule_id: &str,
    resource: &str,
    today: NaiveDate,
) -> Waiver {
    let mut expired = None;
    for exemption in &policy.exemptions {
        if exemption.rules.matches(rule_id) && exemption.resources.matches(resource) {
            match exemption.expires {
                Some(date) if date < today => {
                    expired = Some(format!(
                        "policy waiver expired on {date}: {}",
                        exemption.reason
                    ));
                }
                expires => {
                    return Waiver::Active(ExemptionInfo {
                        by: "policy",
                        reason: exemption.reason.clone(),
                        expires,
                    });
                }
            }
        }
    }
    if let Some(tag) = tag
        && tag.covers(rule_id)
    {
        match tag.until {
            Some(date) if date < today => {
                expired = Some(format!(
                    "tag {} waiver expired on {date}",
                    policy.exemption_tag
                ));
            }
            expires => {
                return Waiver::Active(ExemptionInfo {
                    by: "tag",
                    reason: format!("tag {} on the resource", policy.exemption_tag),
                    expires,
                });
            }
        }
    }
    expired.map_or(Waiver::None, Waiver::Expired)
}

/// The value of the exemption tag: rule IDs separated by spaces (AppStream tag values
/// allow no commas, but commas and `+` are accepted too), and an optional
/// `until=YYYY-MM-DD`.
#[derive(Debug, PartialEq)]
struct TagWaiver {
    rules: Vec<String>,
    until: Option<NaiveDate>,
}

impl TagWaiver {
    fn parse(value: &str) -> Self {
        let mut waiver = TagWaiver {
            rules: Vec::new(),
            until: None,
        };
        for token in value.split(|c: char| c.is_whitespace() || c == ',' || c == '+' || c == ';') {
            if token.is_empty() {
                continue;
            }
            if let Some(date) = token.strip_prefix("until=") {
                // An unreadable date waives nothing: better an alert than a silent pass.
                match NaiveDate::parse_from_str(date, "%Y-%m-%d") {
                    Ok(date) => waiver.until = Some(date),
                    Err(_) => {
                        return TagWaiver {
                            rules: Vec::new(),
                            until: None,
                        };
                    }
                }
            } else {
                waiver.rules.push(token.to_ascii_uppercase());
            }
        }
        waiver
    }

    fn covers(&self, rule_id: &str) -> bool {
        self.rules.iter().any(|r| r == rule_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_waiver_reads_rule_ids_and_an_expiry() {
        let w = TagWaiver::parse("FLEET-USB-REDIRECTION fleet-imdsv1 until=2027-01-31");
        assert_eq!(w.rules, ["FLEET-USB-REDIRECTION", "FLEET-IMDSV1"]);
        assert_eq!(w.until, NaiveDate::from_ymd_opt(2027, 1, 31));
        assert!(w.covers("FLEET-IMDSV1") && !w.covers("FLEET-INTERNET-ACCESS"));
    }

    #[test]
    fn tag_waiver_with_an_unreadable_date_waives_nothing() {
        let w = TagWaiver::parse("FLEET-USB-REDIRECTION until=next-week");
        assert!(!w.covers("FLEET-USB-REDIRECTION"));
    }
}
