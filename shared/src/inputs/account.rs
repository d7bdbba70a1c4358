//! Reads an account's usage report settings: DescribeUsageReportSubscriptions output, or
//! a CreateUsageReportSubscription / DeleteUsageReportSubscription CloudTrail record.

use super::builder::resource_errors;
use super::node::Node;
use super::time::timestamp;
use crate::error::InputError;
use crate::finding::Source;
use crate::model::{Account, Attr, UsageReportSubscription};

/// The account of a DescribeUsageReportSubscriptions output. The output names neither
/// the account nor the region, so offline the account is named `-` (see
/// [`Account::resource_name`]); nothing is guessed from the bucket's name.
pub fn read_usage_reports(list: &Node<'_>, source: Source) -> Result<Account, InputError> {
    let subscriptions = list
        .items()?
        .iter()
        .map(read_subscription)
        .collect::<Result<_, _>>()?;
    let mut account = Account::new(None, None, source);
    account.usage_report_subscriptions = Attr::Set(subscriptions);
    Ok(account)
}

/// One `UsageReportSubscription` (also CreateUsageReportSubscription's response).
pub(super) fn read_subscription(node: &Node<'_>) -> Result<UsageReportSubscription, InputError> {
    let node = node.object()?;
    let optional = |key: &str| node.get(key).map(|n| n.string()).transpose();
    Ok(UsageReportSubscription {
        s3_bucket_name: optional("S3BucketName")?,
        schedule: optional("Schedule")?,
        last_generated_report_date: node
            .get("LastGeneratedReportDate")
            .map(|n| timestamp(&n))
            .transpose()?,
        errors: resource_errors(node, "SubscriptionErrors")?,
    })
}
