//! Usage report subscriptions: at most one per account and region.

use serde_json::{Value, json};

use super::{World, fnv1a, max_results, paginate, with_token};
use crate::error::SimError;

impl World {
    /// DescribeUsageReportSubscriptions: the region's subscription, or none.
    pub(super) fn describe_usage_reports(
        &self,
        params: &Value,
        page_size: usize,
    ) -> Result<Value, SimError> {
        let page_size = max_results(params, None)?.unwrap_or(page_size);
        let items: Vec<Value> = self
            .usage_reports
            .iter()
            .cloned()
            .map(Value::Object)
            .collect();
        let (page, token) = paginate("DescribeUsageReportSubscriptions", items, page_size, params)?;
        Ok(with_token(
            json!({ "UsageReportSubscriptions": page }),
            token,
        ))
    }
}

impl World {
    /// CreateUsageReportSubscription: subscribes the region (idempotent: an existing
    /// subscription is answered again). The bucket is named as AppStream names it,
    /// `appstream-logs-<region>-<account>-<random>`, the random part fixed per account.
    pub(super) fn create_usage_report(&mut self) -> Value {
        if self.usage_reports.is_empty() {
            let suffix = crate::wire::hex(
                &fnv1a(format!("{}{}", self.account_id, self.region).as_bytes()).to_be_bytes()[..4],
            );
            let subscription = json!({
                "S3BucketName": format!("appstream-logs-{}-{}-{suffix}", self.region, self.account_id),
                "Schedule": "DAILY",
                "SubscriptionErrors": [],
            });
            if let Value::Object(s) = subscription {
                self.usage_reports.push(s);
            }
        }
        let current = &self.usage_reports[0];
        json!({
            "S3BucketName": current.get("S3BucketName"),
            "Schedule": current.get("Schedule").cloned().unwrap_or_else(|| json!("DAILY")),
        })
    }

    /// DeleteUsageReportSubscription: ResourceNotFoundException when there is none.
    pub(super) fn delete_usage_report(&mut self) -> Result<Value, SimError> {
        if self.usage_reports.is_empty() {
            return Err(SimError::not_found(
                "No usage report subscription exists for this account in this region.",
            ));
        }
        self.usage_reports.clear();
        Ok(json!({}))
    }
}
