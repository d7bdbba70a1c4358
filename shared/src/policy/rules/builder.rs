//! Image builders: full administrator desktops used to make images, often left running,
//! sometimes with internet access. The network, endpoint and instance-type checks are the
//! fleet's and stack's own.

use super::instance::retired;
use super::network::{default_internet_access, in_vpc};
use super::stack::streaming_endpoint;
use super::{PASS, fail, resource_errors};
use crate::finding::Severity;
use crate::model::{ImageBuilder, Unread, UnreadReason};
use crate::policy::{Check, Outcome, Policy, Rule};
use chrono::{DateTime, Duration, Utc};

pub const BUILDER_INTERNET_ACCESS: Rule = Rule {
    id: "BUILDER-INTERNET-ACCESS",
    severity: Severity::High,
    title: "Image builder has default internet access",
    fails_when: "EnableDefaultInternetAccess is true",
    default: "allow_default_internet_access = false ([image_builder])",
    remediation: "Image builders cannot be updated: delete the builder (StopImageBuilder, DeleteImageBuilder) and create it again without --enable-default-internet-access, in private subnets with a NAT gateway route.",
    check: Check::Builder(internet_access),
};

fn internet_access(policy: &Policy, builder: &ImageBuilder, _: DateTime<Utc>) -> Outcome {
    default_internet_access(
        policy.image_builder.allow_default_internet_access,
        &builder.enable_default_internet_access,
    )
}

pub const BUILDER_VPC_REQUIRED: Rule = Rule {
    id: "BUILDER-VPC-REQUIRED",
    severity: Severity::Medium,
    title: "Image builder is not placed in a VPC",
    fails_when: "no VpcConfig or no SubnetIds",
    default: "require_vpc = true",
    remediation: "Create the builder again in your VPC (DeleteImageBuilder, then CreateImageBuilder --vpc-config SubnetIds=...,SecurityGroupIds=...).",
    check: Check::Builder(vpc_required),
};

fn vpc_required(policy: &Policy, builder: &ImageBuilder, _: DateTime<Utc>) -> Outcome {
    in_vpc(
        policy.image_builder.require_vpc,
        &builder.vpc_config,
        "image builders",
    )
}

pub const BUILDER_INSTANCE_TYPE_RETIRED: Rule = Rule {
    id: "BUILDER-INSTANCE-TYPE-RETIRED",
    severity: Severity::High,
    title: "Image builder's instance type family is retired",
    fails_when: "a retired instance family (as FLEET-INSTANCE-TYPE-RETIRED)",
    default: "always on",
    remediation: "Create a builder on a current graphics family (stream.graphics.g4dn, g5 or g6) from the same image (CreateImageBuilder --instance-type ...), then delete this one (DeleteImageBuilder).",
    check: Check::Builder(instance_type_retired),
};

fn instance_type_retired(_: &Policy, builder: &ImageBuilder, _: DateTime<Utc>) -> Outcome {
    retired(&builder.instance_type)
}

pub const BUILDER_ERRORS: Rule = Rule {
    id: "BUILDER-ERRORS",
    severity: Severity::High,
    title: "Image builder reports errors",
    fails_when: "ImageBuilderErrors non-empty (report each ErrorCode)",
    default: "always on",
    remediation: "Fix the cause each ImageBuilderErrors code names (IAM role, subnet IPs, security groups, domain join), then start the builder again (StartImageBuilder) or create a new one.",
    check: Check::Builder(builder_errors),
};

fn builder_errors(_: &Policy, builder: &ImageBuilder, _: DateTime<Utc>) -> Outcome {
    resource_errors(
        "ImageBuilderErrors",
        builder
            .errors
            .iter()
            .map(|e| (e.error_code.as_str(), e.error_message.as_deref())),
    )
}

pub const BUILDER_ACCESS_ENDPOINT: Rule = Rule {
    id: "BUILDER-ACCESS-ENDPOINT",
    severity: Severity::Medium,
    title: "Image builder is not reached through a VPC endpoint",
    fails_when: "no STREAMING interface VPC endpoint in AccessEndpoints when the policy requires one",
    default: "not required",
    remediation: "Create an interface VPC endpoint for AppStream streaming and create the builder again with it (CreateImageBuilder --access-endpoints EndpointType=STREAMING,VpceId=vpce-...).",
    check: Check::Builder(access_endpoint),
};

fn access_endpoint(policy: &Policy, builder: &ImageBuilder, _: DateTime<Utc>) -> Outcome {
    streaming_endpoint(
        policy.image_builder.require_streaming_endpoint,
        &builder.access_endpoints,
    )
}

pub const BUILDER_RUNNING_AGE: Rule = Rule {
    id: "BUILDER-RUNNING-AGE",
    severity: Severity::Low,
    title: "Image builder has been left running",
    fails_when: "State is RUNNING and CreatedTime is older than the limit (a standing administrator desktop, and its cost)",
    default: "max_running_days = 14",
    remediation: "Stop the builder while no image is being made (StopImageBuilder --name ...), or delete it once its image is created (DeleteImageBuilder).",
    check: Check::Builder(running_age),
};

fn running_age(policy: &Policy, builder: &ImageBuilder, now: DateTime<Utc>) -> Outcome {
    // Requests and templates carry no State: a builder not known to run is not judged.
    if builder.state.as_deref() != Some("RUNNING") {
        return PASS;
    }
    let Some(created) = builder.created_time else {
        return Err(Unread {
            field: "CreatedTime",
            reason: UnreadReason::NotInInput("this builder's DescribeImageBuilders entry"),
        });
    };
    let limit = policy.image_builder.max_running_days;
    if now - created > Duration::days(i64::from(limit)) {
        return fail(format!(
            "State is RUNNING and CreatedTime is {} ({} days ago); the policy allows {limit} days",
            created.format("%Y-%m-%d"),
            (now - created).num_days()
        ));
    }
    PASS
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Source;
    use crate::model::{AccessEndpoint, Attr, Origin, ResourceError, VpcConfig};
    use crate::policy::rules::testing::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap()
    }

    fn described() -> ImageBuilder {
        ImageBuilder::new("builder", Origin::Described, Source::default())
    }

    fn vpc(subnets: &[&str]) -> Attr<VpcConfig> {
        Attr::Set(VpcConfig {
            subnet_ids: Attr::Set(subnets.iter().map(|s| (*s).to_owned()).collect()),
            security_group_ids: Attr::Absent,
        })
    }

    #[test]
    fn internet_access_fails_only_when_true_and_not_allowed() {
        let p = Policy::builtin();
        let allowing = policy("[image_builder]\nallow_default_internet_access = true\n");
        for (value, policy, expected) in [
            (Attr::Set(true), &p, Some(true)),
            (Attr::Set(false), &p, Some(false)),
            (Attr::Absent, &p, Some(false)),
            (Attr::Set(true), &allowing, Some(false)),
            (
                Attr::unread(
                    "EnableDefaultInternetAccess",
                    UnreadReason::Intrinsic("!Ref Internet".into()),
                ),
                &p,
                None,
            ),
        ] {
            let mut b = described();
            b.enable_default_internet_access = value.clone();
            assert_eq!(
                builder_fails(&BUILDER_INTERNET_ACCESS, policy, &b, now()),
                expected,
                "{value:?}"
            );
        }
    }

    #[test]
    fn builders_must_be_in_a_vpc_with_a_subnet_unless_the_policy_says_otherwise() {
        let p = Policy::builtin();
        let relaxed = policy("[image_builder]\nrequire_vpc = false\n");
        for (value, policy, expected) in [
            (Attr::Absent, &p, Some(true)),
            (vpc(&[]), &p, Some(true)),
            (vpc(&["subnet-1"]), &p, Some(false)),
            (Attr::Absent, &relaxed, Some(false)),
            (
                Attr::unread("VpcConfig", UnreadReason::Intrinsic("!If".into())),
                &p,
                None,
            ),
        ] {
            let mut b = described();
            b.vpc_config = value.clone();
            assert_eq!(
                builder_fails(&BUILDER_VPC_REQUIRED, policy, &b, now()),
                expected,
                "{value:?}"
            );
        }
        let mut b = described();
        b.vpc_config = Attr::Absent;
        let outcome = vpc_required(&p, &b, now());
        assert!(message(outcome).contains("image builders in a VPC"));
    }

    #[test]
    fn retired_families_fail_on_builders_as_on_fleets() {
        let p = Policy::builtin();
        for (t, expected) in [
            ("stream.graphics-desktop.2xlarge", Some(true)),
            ("stream.graphics-design.large", Some(true)),
            ("stream.graphics-pro.4xlarge", Some(true)),
            ("stream.graphics.g6.xlarge", Some(false)),
            ("stream.standard.medium", Some(false)),
        ] {
            let mut b = described();
            b.instance_type = Attr::Set(t.to_owned());
            assert_eq!(
                builder_fails(&BUILDER_INSTANCE_TYPE_RETIRED, &p, &b, now()),
                expected,
                "{t}"
            );
        }
    }

    #[test]
    fn builder_errors_name_each_code() {
        let p = Policy::builtin();
        let mut b = described();
        assert_eq!(builder_fails(&BUILDER_ERRORS, &p, &b, now()), Some(false));
        b.errors = vec![
            ResourceError {
                error_code: "IAM_SERVICE_ROLE_MISSING_ENI_DESCRIBE_ACTION".into(),
                error_message: Some("role".into()),
            },
            ResourceError {
                error_code: "SUBNET_NOT_FOUND".into(),
                error_message: None,
            },
        ];
        assert_eq!(
            message(builder_errors(&p, &b, now())),
            "ImageBuilderErrors: IAM_SERVICE_ROLE_MISSING_ENI_DESCRIBE_ACTION (role); SUBNET_NOT_FOUND"
        );
    }

    #[test]
    fn streaming_endpoint_is_checked_on_builders_only_when_required() {
        let strict = policy("[image_builder]\nrequire_streaming_endpoint = true\n");
        let endpoint = |t: &str| AccessEndpoint {
            endpoint_type: Attr::Set(t.to_owned()),
            vpce_id: Attr::Set("vpce-1".to_owned()),
        };
        for (value, policy, expected) in [
            (Attr::Absent, &Policy::builtin(), Some(false)),
            (Attr::Absent, &strict, Some(true)),
            (Attr::Set(vec![]), &strict, Some(true)),
            (Attr::Set(vec![endpoint("STREAMING")]), &strict, Some(false)),
            (Attr::Set(vec![endpoint("OTHER")]), &strict, Some(true)),
        ] {
            let mut b = described();
            b.access_endpoints = value.clone();
            assert_eq!(
                builder_fails(&BUILDER_ACCESS_ENDPOINT, policy, &b, now()),
                expected,
                "{value:?}"
            );
        }
    }

    #[test]
    fn a_running_builder_older_than_the_limit_fails_and_the_limit_itself_complies() {
        let p = Policy::builtin();
        let days = |d: i64| Some(now() - Duration::days(d));
        for (state, created, expected) in [
            (Some("RUNNING"), days(14), Some(false)),
            (
                Some("RUNNING"),
                Some(now() - Duration::days(14) - Duration::seconds(1)),
                Some(true),
            ),
            (Some("RUNNING"), days(1), Some(false)),
            (Some("STOPPED"), days(400), Some(false)),
            (Some("RUNNING"), None, None),
            // A request or template has no State: the rule does not apply.
            (None, days(400), Some(false)),
            (None, None, Some(false)),
        ] {
            let mut b = described();
            b.state = state.map(str::to_owned);
            b.created_time = created;
            assert_eq!(
                builder_fails(&BUILDER_RUNNING_AGE, &p, &b, now()),
                expected,
                "{state:?} {created:?}"
            );
        }
        let relaxed = policy("[image_builder]\nmax_running_days = 30\n");
        let mut b = described();
        b.state = Some("RUNNING".into());
        b.created_time = days(20);
        assert_eq!(
            builder_fails(&BUILDER_RUNNING_AGE, &relaxed, &b, now()),
            Some(false)
        );
        assert!(
            message(running_age(&p, &b, now()))
                .contains("(20 days ago); the policy allows 14 days")
        );
    }

    #[test]
    fn a_request_builder_is_judged_by_its_declared_fields() {
        let mut b = ImageBuilder::new("req", Origin::CreateRequest, Source::default());
        b.enable_default_internet_access = Attr::Set(true);
        b.vpc_config = vpc(&["subnet-1"]);
        let p = Policy::builtin();
        assert_eq!(
            builder_fails(&BUILDER_INTERNET_ACCESS, &p, &b, now()),
            Some(true)
        );
        assert_eq!(
            builder_fails(&BUILDER_VPC_REQUIRED, &p, &b, now()),
            Some(false)
        );
        assert_eq!(
            builder_fails(&BUILDER_RUNNING_AGE, &p, &b, now()),
            Some(false)
        );
    }
}
