//! Settings of an account in one region that are not any one resource's.

use super::{Attr, ResourceError};
use crate::finding::Source;
use chrono::{DateTime, Utc};

/// One usage report subscription (DescribeUsageReportSubscriptions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageReportSubscription {
    pub s3_bucket_name: Option<String>,
    pub schedule: Option<String>,
    pub last_generated_report_date: Option<DateTime<Utc>>,
    pub errors: Vec<ResourceError>,
}

/// An account in one region. `name` is `<account>/<region>` when both are known; offline
/// the region, or `-` when unknown.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub name: String,
    pub account_id: Option<String>,
    pub region: Option<String>,
    pub source: Source,
    pub usage_report_subscriptions: Attr<Vec<UsageReportSubscription>>,
}

impl Account {
    /// The account resource's name: `<account>/<region>`, else the region, else `-`.
    pub fn resource_name(account_id: Option<&str>, region: Option<&str>) -> String {
        match (account_id, region) {
            (Some(account), Some(region)) => format!("{account}/{region}"),
            (None, Some(region)) => region.to_owned(),
            _ => "-".to_owned(),
        }
    }

    pub fn new(account_id: Option<String>, region: Option<String>, source: Source) -> Self {
        Account {
            name: Account::resource_name(account_id.as_deref(), region.as_deref()),
            account_id,
            region,
            source,
            usage_report_subscriptions: Attr::Absent,
        }
    }
}
