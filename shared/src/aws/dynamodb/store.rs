//! The DynamoDB table behind both stores: the client, the table name, and the helpers
//! every access shares (errors, item codecs, paged Query).

use crate::store::{StoreError, schema};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_dynamo::aws_sdk_dynamodb_1::{from_item, to_item};
use std::collections::HashMap;

pub(crate) type Item = HashMap<String, AttributeValue>;

/// Below every time key (DynamoDB rejects an empty string as a key value).
pub(crate) const EARLIEST: &str = "0";

/// The store on one table.
#[derive(Clone, Debug)]
pub struct DynamoStore {
    pub(super) client: Client,
    pub(super) table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoStore {
            client,
            table: table.into(),
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// The account that owns the table, from its ARN
    /// (`arn:aws:dynamodb:REGION:ACCOUNT:table/NAME`; `unknown` if it has none).
    pub async fn account(&self) -> Result<String, StoreError> {
        let out = self
            .client
            .describe_table()
            .table_name(&self.table)
            .send()
            .await
            .map_err(|e| self.error("DescribeTable", e))?;
        Ok(out
            .table
            .and_then(|t| t.table_arn)
            .and_then(|arn| arn.split(':').nth(4).map(str::to_owned))
            .unwrap_or_else(|| "unknown".to_owned()))
    }

    pub(crate) fn error(
        &self,
        operation: &'static str,
        source: impl Into<aws_sdk_dynamodb::Error>,
    ) -> StoreError {
        let source: aws_sdk_dynamodb::Error = source.into();
        let code = source.code().map(str::to_owned);
        // The service's code and message as text; the SDK error stays the source.
        let summary = match (source.code(), source.message()) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.to_owned(),
            _ => std::error::Error::source(&source)
                .map_or_else(|| source.to_string(), |s| format!("{source}: {s}")),
        };
        StoreError::Call {
            operation,
            table: self.table.clone(),
            code,
            summary,
            source: Box::new(source),
        }
    }

    pub(crate) fn build_error(&self, source: aws_sdk_dynamodb::error::BuildError) -> StoreError {
        StoreError::Build {
            table: self.table.clone(),
            source: Box::new(source),
        }
    }

    pub(crate) fn corrupt(
        &self,
        key: &str,
        what: &'static str,
        source: serde_dynamo::Error,
    ) -> StoreError {
        StoreError::Corrupt {
            table: self.table.clone(),
            key: key.to_owned(),
            what,
            source: Box::new(source),
        }
    }

    pub(crate) fn item<T: serde::Serialize>(
        &self,
        value: &T,
        key: &str,
    ) -> Result<HashMap<String, AttributeValue>, StoreError> {
        to_item(value).map_err(|e| self.corrupt(key, "item to write", e))
    }
    /// Every item of a Query, all pages.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn query_items(
        &self,
        index: Option<&str>,
        pk_name: &str,
        pk: &str,
        sk_name: &str,
        range: Option<(String, String)>,
        forward: bool,
        limit: Option<i32>,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let mut query = self
                .client()
                .query()
                .table_name(self.table())
                .set_index_name(index.map(str::to_owned))
                .expression_attribute_names("#pk", pk_name)
                .expression_attribute_values(":pk", s(pk))
                .scan_index_forward(forward)
                .set_limit(limit)
                .set_exclusive_start_key(start);
            query = match &range {
                None => query.key_condition_expression("#pk = :pk"),
                Some((from, to)) => query
                    .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :to")
                    .expression_attribute_names("#sk", sk_name)
                    .expression_attribute_values(":from", s(from))
                    .expression_attribute_values(":to", s(to)),
            };
            let out = query.send().await.map_err(|e| self.error("Query", e))?;
            items.extend(out.items.unwrap_or_default());
            start = out.last_evaluated_key.filter(|k| !k.is_empty());
            if start.is_none() || limit.is_some_and(|l| items.len() >= l as usize) {
                break;
            }
        }
        Ok(items)
    }

    pub(crate) fn decode<T: serde::de::DeserializeOwned>(
        &self,
        item: Item,
        what: &'static str,
    ) -> Result<T, StoreError> {
        let key = item
            .get(schema::PK)
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default();
        from_item(item).map_err(|e| self.corrupt(&key, what, e))
    }
}

pub(crate) fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}
