//! An account's settings in one region: AppStream's own usage reports.

use super::{PASS, fail};
use crate::finding::Severity;
use crate::model::{Account, Unread, UnreadReason};
use crate::policy::{Check, Outcome, Policy, Rule};

pub const ACCOUNT_USAGE_REPORTS: Rule = Rule {
    id: "ACCOUNT-USAGE-REPORTS",
    severity: Severity::Low,
    title: "Usage reports are off",
    fails_when: "no usage report subscription: AppStream's own daily session and application reports are off",
    default: "required = true",
    remediation: "Turn usage reports on in each region (CreateUsageReportSubscription, or the console's Usage Reports page); AppStream writes them to its own S3 bucket daily.",
    check: Check::Account(usage_reports),
};

fn usage_reports(policy: &Policy, account: &Account) -> Outcome {
    if !policy.account.require_usage_reports {
        return PASS;
    }
    // A subscription with SubscriptionErrors is still on: the reports are configured.
    match account.usage_report_subscriptions.get()? {
        Some(subscriptions) if !subscriptions.is_empty() => PASS,
        Some(_) => fail(
            "DescribeUsageReportSubscriptions lists no subscription: usage reports are off; the policy requires them",
        ),
        None => Err(Unread {
            field: "UsageReportSubscriptions",
            reason: UnreadReason::NotInInput(
                "this run's inputs (describe-usage-report-subscriptions)",
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Source;
    use crate::model::{Attr, ResourceError, UsageReportSubscription};
    use crate::policy::rules::testing::*;

    fn subscription(errors: Vec<ResourceError>) -> UsageReportSubscription {
        UsageReportSubscription {
            s3_bucket_name: Some("appstream-logs-us-east-1-111122223333-abcd".into()),
            schedule: Some("DAILY".into()),
            last_generated_report_date: None,
            errors,
        }
    }

    #[test]
    fn no_subscription_fails_one_complies_and_unread_is_unresolved() {
        let p = Policy::builtin();
        let off = policy("[account]\nrequire_usage_reports = false\n");
        let failing = vec![ResourceError {
            error_code: "ACCESS_DENIED".into(),
            error_message: None,
        }];
        for (subscriptions, policy, expected) in [
            (Attr::Set(vec![]), &p, Some(true)),
            (Attr::Set(vec![subscription(vec![])]), &p, Some(false)),
            (Attr::Set(vec![subscription(failing)]), &p, Some(false)),
            (Attr::Absent, &p, None),
            (Attr::Set(vec![]), &off, Some(false)),
            (Attr::Absent, &off, Some(false)),
        ] {
            let mut a = Account::new(
                Some("111122223333".into()),
                Some("us-east-1".into()),
                Source::default(),
            );
            a.usage_report_subscriptions = subscriptions.clone();
            assert_eq!(
                account_fails(&ACCOUNT_USAGE_REPORTS, policy, &a),
                expected,
                "{subscriptions:?}"
            );
        }
    }

    #[test]
    fn the_catalog_word_required_switches_the_rule_off_too() {
        let off = policy("[account]\nrequired = false\n");
        let mut a = Account::new(None, None, Source::default());
        a.usage_report_subscriptions = Attr::Set(vec![]);
        assert_eq!(account_fails(&ACCOUNT_USAGE_REPORTS, &off, &a), Some(false));
        assert_eq!(
            account_fails(&ACCOUNT_USAGE_REPORTS, &Policy::builtin(), &a),
            Some(true)
        );
    }
}
