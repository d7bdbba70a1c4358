//! Hardening and governance: USB redirection, IMDS, images, IAM roles, stream view,
//! tags and domain join.

use super::{PASS, fail};
use crate::finding::Severity;
use crate::model::Fleet;
use crate::policy::{Check, Outcome, Policy, Rule};

pub const FLEET_USB_REDIRECTION: Rule = Rule {
    id: "FLEET-USB-REDIRECTION",
    severity: Severity::Medium,
    title: "USB redirection is enabled",
    fails_when: "UsbDeviceFilterStrings non-empty",
    default: "allow_usb_redirection = false",
    remediation: "Remove the USB device filters (UpdateFleet --attributes-to-delete USB_DEVICE_FILTER_STRINGS), or waive this rule for the fleet that needs them.",
    check: Check::Fleet(usb_redirection),
};

fn usb_redirection(policy: &Policy, fleet: &Fleet) -> Outcome {
    if policy.fleet.allow_usb_redirection {
        return PASS;
    }
    match fleet.usb_device_filter_strings.get()? {
        Some(filters) if !filters.is_empty() => fail(format!(
            "UsbDeviceFilterStrings has {} filter{} ({}); the policy forbids USB redirection",
            filters.len(),
            if filters.len() == 1 { "" } else { "s" },
            filters.join(", ")
        )),
        _ => PASS,
    }
}

pub const FLEET_IMDSV1: Rule = Rule {
    id: "FLEET-IMDSV1",
    severity: Severity::Medium,
    title: "Instance metadata service v1 is reachable",
    fails_when: "DisableIMDSV1 is not true",
    default: "require_imdsv2 = true",
    remediation: "Require IMDSv2 on the fleet's instances (UpdateFleet --disable-imdsv1); check the image's agent supports it.",
    check: Check::Fleet(imdsv1),
};

fn imdsv1(policy: &Policy, fleet: &Fleet) -> Outcome {
    if !policy.fleet.require_imdsv2 {
        return PASS;
    }
    match fleet.disable_imdsv1.get()? {
        Some(true) => PASS,
        Some(false) => fail("DisableIMDSV1 is false; the policy requires IMDSv2 only"),
        None => fail(
            "DisableIMDSV1 is not set, so IMDSv1 stays reachable; the policy requires IMDSv2 only",
        ),
    }
}

pub const FLEET_IMAGE_ALLOWED: Rule = Rule {
    id: "FLEET-IMAGE-ALLOWED",
    severity: Severity::Medium,
    title: "Image is not on the allowlist",
    fails_when: "ImageName/ImageArn matches no allowlist glob",
    default: "allow all",
    remediation: "Move the fleet to an approved image (UpdateFleet --image-name), or add the image to fleet.allowed_images.",
    check: Check::Fleet(image_allowed),
};

fn image_allowed(policy: &Policy, fleet: &Fleet) -> Outcome {
    let allowed = &policy.fleet.allowed_images;
    if allowed.matches_all() {
        return PASS;
    }
    let name = fleet.image_name.get()?;
    let arn = fleet.image_arn.get()?;
    if name.is_none() && arn.is_none() {
        return PASS;
    }
    if name
        .into_iter()
        .chain(arn)
        .any(|image| allowed.matches(image))
    {
        return PASS;
    }
    let shown = name.or(arn).map(String::as_str).unwrap_or_default();
    fail(format!(
        "image {shown} matches none of the allowed images {allowed}"
    ))
}

pub const FLEET_STREAM_VIEW: Rule = Rule {
    id: "FLEET-STREAM-VIEW",
    severity: Severity::Low,
    title: "Stream view is not allowed",
    fails_when: "StreamView not in allowed set",
    default: "allow all",
    remediation: "Set the fleet's stream view to an allowed one (UpdateFleet --stream-view APP).",
    check: Check::Fleet(stream_view),
};

fn stream_view(policy: &Policy, fleet: &Fleet) -> Outcome {
    let allowed = &policy.fleet.allowed_stream_views;
    if ["APP", "DESKTOP"]
        .iter()
        .all(|v| allowed.iter().any(|a| a == v))
    {
        return PASS;
    }
    // APP is AppStream's documented default when StreamView is not given.
    let view = fleet.stream_view.get()?.map_or("APP", String::as_str);
    if allowed.iter().any(|a| a == view) {
        return PASS;
    }
    fail(format!(
        "StreamView is {view}; the policy allows {}",
        allowed.join(", ")
    ))
}

pub const FLEET_IAM_ROLE: Rule = Rule {
    id: "FLEET-IAM-ROLE",
    severity: Severity::Medium,
    title: "Fleet IAM role is not on the allowlist",
    fails_when: "IamRoleArn set and matches no allowlist glob",
    default: "allow all",
    remediation: "Attach an approved role (UpdateFleet --iam-role-arn) or remove it (--attributes-to-delete IAM_ROLE_ARN); streaming users can use the role's credentials.",
    check: Check::Fleet(iam_role),
};

fn iam_role(policy: &Policy, fleet: &Fleet) -> Outcome {
    let allowed = &policy.fleet.allowed_iam_roles;
    if allowed.matches_all() {
        return PASS;
    }
    match fleet.iam_role_arn.get()? {
        Some(role) if !allowed.matches(role) => fail(format!(
            "IamRoleArn {role} matches none of the allowed roles {allowed}"
        )),
        _ => PASS,
    }
}

pub const FLEET_REQUIRED_TAGS: Rule = Rule {
    id: "FLEET-REQUIRED-TAGS",
    severity: Severity::Low,
    title: "Required tags are missing",
    fails_when: "a required tag key missing",
    default: "none required",
    remediation: "Tag the fleet (aws appstream tag-resource --resource-arn <fleet ARN> --tags Key=Value).",
    check: Check::Fleet(required_tags),
};

fn required_tags(policy: &Policy, fleet: &Fleet) -> Outcome {
    let required = &policy.fleet.required_tags;
    if required.is_empty() {
        return PASS;
    }
    let tags = fleet.tags.get()?;
    let missing: Vec<&str> = required
        .iter()
        .filter(|key| !tags.is_some_and(|t| t.contains_key(key.as_str())))
        .map(String::as_str)
        .collect();
    if missing.is_empty() {
        PASS
    } else {
        fail(format!(
            "missing required tag{} {}",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", ")
        ))
    }
}

pub const FLEET_DOMAIN_JOIN_REQUIRED: Rule = Rule {
    id: "FLEET-DOMAIN-JOIN-REQUIRED",
    severity: Severity::Medium,
    title: "Fleet is not joined to the domain",
    fails_when: "non-Elastic fleet without DomainJoinInfo when policy requires it",
    default: "not required",
    remediation: "Join the fleet to Active Directory (create a directory config, then UpdateFleet --domain-join-info DirectoryName=...,OrganizationalUnitDistinguishedName=...).",
    check: Check::Fleet(domain_join_required),
};

fn domain_join_required(policy: &Policy, fleet: &Fleet) -> Outcome {
    if !policy.fleet.require_domain_join || fleet.is_elastic()? {
        return PASS;
    }
    match fleet.domain_join_info.get()? {
        Some(_) => PASS,
        None => {
            fail("no DomainJoinInfo; the policy requires non-Elastic fleets to join the domain")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::testing::*;
    use serde_json::json;

    #[test]
    fn usb_filters_are_flagged_unless_allowed() {
        let f = described(json!({"UsbDeviceFilterStrings": ["*,*,*,*,*,*,*,*"]}));
        assert_eq!(
            fails(&FLEET_USB_REDIRECTION, &Policy::builtin(), &f),
            Some(true)
        );
        assert_eq!(
            fails(
                &FLEET_USB_REDIRECTION,
                &policy("[fleet]\nallow_usb_redirection = true\n"),
                &f
            ),
            Some(false)
        );
        let none = described(json!({"UsbDeviceFilterStrings": []}));
        assert_eq!(
            fails(&FLEET_USB_REDIRECTION, &Policy::builtin(), &none),
            Some(false)
        );
    }

    #[test]
    fn imdsv1_must_be_disabled_explicitly() {
        let p = Policy::builtin();
        for (body, expected) in [
            (json!({"DisableIMDSV1": true}), false),
            (json!({"DisableIMDSV1": false}), true),
            (json!({}), true),
        ] {
            assert_eq!(
                fails(&FLEET_IMDSV1, &p, &described(body.clone())),
                Some(expected),
                "{body}"
            );
        }
        assert_eq!(
            fails(
                &FLEET_IMDSV1,
                &policy("[fleet]\nrequire_imdsv2 = false\n"),
                &described(json!({}))
            ),
            Some(false)
        );
    }

    #[test]
    fn images_match_by_name_or_arn() {
        let p = policy(
            "[fleet]\nallowed_images = [\"golden-*\", \"arn:aws:appstream:*:*:image/approved-*\"]\n",
        );
        for (body, expected) in [
            (json!({"ImageName": "golden-2026-11"}), false),
            (json!({"ImageName": "dev-image"}), true),
            (
                json!({"ImageArn": "arn:aws:appstream:eu-west-1:123456789012:image/approved-win"}),
                false,
            ),
            (
                json!({"ImageName": "dev", "ImageArn": "arn:aws:appstream:eu-west-1:123456789012:image/approved-win"}),
                false,
            ),
            (json!({}), false),
        ] {
            assert_eq!(
                fails(&FLEET_IMAGE_ALLOWED, &p, &described(body.clone())),
                Some(expected),
                "{body}"
            );
        }
    }

    #[test]
    fn stream_view_defaults_to_app() {
        let app_only = policy("[fleet]\nallowed_stream_views = [\"APP\"]\n");
        assert_eq!(
            fails(
                &FLEET_STREAM_VIEW,
                &app_only,
                &described(json!({"StreamView": "DESKTOP"}))
            ),
            Some(true)
        );
        assert_eq!(
            fails(&FLEET_STREAM_VIEW, &app_only, &described(json!({}))),
            Some(false)
        );
        assert_eq!(
            fails(
                &FLEET_STREAM_VIEW,
                &Policy::builtin(),
                &described(json!({"StreamView": "DESKTOP"}))
            ),
            Some(false)
        );
    }

    #[test]
    fn iam_roles_must_match_the_allowlist_when_set() {
        let p = policy("[fleet]\nallowed_iam_roles = [\"arn:aws:iam::*:role/appstream-*\"]\n");
        for (body, expected) in [
            (
                json!({"IamRoleArn": "arn:aws:iam::123456789012:role/appstream-machine"}),
                false,
            ),
            (
                json!({"IamRoleArn": "arn:aws:iam::123456789012:role/Admin"}),
                true,
            ),
            (json!({}), false),
        ] {
            assert_eq!(
                fails(&FLEET_IAM_ROLE, &p, &described(body.clone())),
                Some(expected),
                "{body}"
            );
        }
    }

    #[test]
    fn required_tags_are_checked_where_tags_are_known() {
        let p = policy("[fleet]\nrequired_tags = [\"owner\", \"cost-center\"]\n");
        let tagged = request(json!({"Tags": {"owner": "a", "cost-center": "1"}}));
        assert_eq!(fails(&FLEET_REQUIRED_TAGS, &p, &tagged), Some(false));
        let partly = request(json!({"Tags": {"owner": "a"}}));
        assert_eq!(fails(&FLEET_REQUIRED_TAGS, &p, &partly), Some(true));
        assert_eq!(
            fails(&FLEET_REQUIRED_TAGS, &p, &request(json!({}))),
            Some(true)
        );
        // DescribeFleets output carries no tags: unknown, not missing.
        assert_eq!(fails(&FLEET_REQUIRED_TAGS, &p, &described(json!({}))), None);
        assert_eq!(
            fails(
                &FLEET_REQUIRED_TAGS,
                &Policy::builtin(),
                &described(json!({}))
            ),
            Some(false)
        );
    }

    #[test]
    fn domain_join_is_required_of_non_elastic_fleets_only_when_the_policy_says_so() {
        let p = policy("[fleet]\nrequire_domain_join = true\n");
        let joined = json!({"FleetType": "ALWAYS_ON", "DomainJoinInfo": {"DirectoryName": "corp.example.com"}});
        assert_eq!(
            fails(&FLEET_DOMAIN_JOIN_REQUIRED, &p, &described(joined)),
            Some(false)
        );
        assert_eq!(
            fails(
                &FLEET_DOMAIN_JOIN_REQUIRED,
                &p,
                &described(json!({"FleetType": "ALWAYS_ON"}))
            ),
            Some(true)
        );
        assert_eq!(
            fails(
                &FLEET_DOMAIN_JOIN_REQUIRED,
                &p,
                &described(json!({"FleetType": "ELASTIC"}))
            ),
            Some(false)
        );
        assert_eq!(
            fails(
                &FLEET_DOMAIN_JOIN_REQUIRED,
                &Policy::builtin(),
                &described(json!({"FleetType": "ALWAYS_ON"}))
            ),
            Some(false)
        );
    }
}
