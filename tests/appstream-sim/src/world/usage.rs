//! Usage report subscriptions: at most one per account and region.

use serde_json::{Value, json};

use super::{World, max_results, paginate, with_token};
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
