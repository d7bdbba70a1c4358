//! The compliance store on DynamoDB: conditional, idempotent writes; Query and GetItem
//! only (see [`crate::store`] for the access patterns).

use crate::store::{
    Commit, FindingStore, HistoryRecord, ResourceKey, ResourceState, StoreError, schema,
};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use serde_dynamo::aws_sdk_dynamodb_1::{from_item, to_item};
use std::collections::HashMap;

/// The store on one table.
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
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

    pub(crate) fn error(
        &self,
        operation: &'static str,
        source: impl Into<aws_sdk_dynamodb::Error>,
    ) -> StoreError {
        StoreError::DynamoDb {
            operation,
            table: self.table.clone(),
            source: Box::new(source.into()),
        }
    }

    pub(crate) fn build_error(&self, source: aws_sdk_dynamodb::error::BuildError) -> StoreError {
        StoreError::Build {
            table: self.table.clone(),
            source,
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
            source,
        }
    }

    pub(crate) fn item<T: serde::Serialize>(
        &self,
        value: &T,
        key: &str,
    ) -> Result<HashMap<String, AttributeValue>, StoreError> {
        to_item(value).map_err(|e| self.corrupt(key, "item to write", e))
    }
}

pub(crate) fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

impl FindingStore for DynamoStore {
    async fn state(&self, key: &ResourceKey) -> Result<Option<ResourceState>, StoreError> {
        let pk = key.pk();
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(schema::PK, s(&pk))
            .key(schema::SK, s(schema::STATE_SK))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| self.error("GetItem", e))?;
        out.item
            .map(|item| from_item(item).map_err(|e| self.corrupt(&pk, "resource state", e)))
            .transpose()
    }

    async fn commit(
        &self,
        state: &ResourceState,
        expected_version: Option<u64>,
        history: &[HistoryRecord],
    ) -> Result<Commit, StoreError> {
        let mut state_put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(self.item(state, &state.pk)?));
        state_put = match expected_version {
            None => state_put
                .condition_expression("attribute_not_exists(#pk)")
                .expression_attribute_names("#pk", schema::PK),
            Some(version) => state_put
                .condition_expression("#version = :version")
                .expression_attribute_names("#version", "version")
                .expression_attribute_values(":version", AttributeValue::N(version.to_string())),
        };
        let mut items = vec![
            TransactWriteItem::builder()
                .put(state_put.build().map_err(|e| self.build_error(e))?)
                .build(),
        ];
        for record in history {
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(self.item(record, &record.sk)?))
                .condition_expression("attribute_not_exists(#pk)")
                .expression_attribute_names("#pk", schema::PK)
                .build()
                .map_err(|e| self.build_error(e))?;
            items.push(TransactWriteItem::builder().put(put).build());
        }
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(Commit::Written),
            Err(e) => {
                let e = aws_sdk_dynamodb::Error::from(e);
                let conflict = matches!(
                    e.code(),
                    Some("TransactionCanceledException" | "ConditionalCheckFailedException")
                ) && e
                    .message()
                    .is_none_or(|m| m.contains("ConditionalCheckFailed"));
                if conflict {
                    Ok(Commit::Conflict)
                } else {
                    Err(self.error("TransactWriteItems", e))
                }
            }
        }
    }

    async fn clear_outbox(&self, key: &ResourceKey, alert_id: &str) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(schema::PK, s(&key.pk()))
            .key(schema::SK, s(schema::STATE_SK))
            .update_expression("REMOVE outbox")
            .condition_expression("outbox.id = :id")
            .expression_attribute_values(":id", s(alert_id))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => {
                let e = aws_sdk_dynamodb::Error::from(e);
                // Already cleared (or replaced by a newer alert): nothing to do.
                if e.code() == Some("ConditionalCheckFailedException") {
                    Ok(())
                } else {
                    Err(self.error("UpdateItem", e))
                }
            }
        }
    }

    async fn noncompliant(&self, region: Option<&str>) -> Result<Vec<ResourceState>, StoreError> {
        let mut states = Vec::new();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(schema::GSI1)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", schema::GSI1_PK)
                .expression_attribute_values(":pk", s(schema::NONCOMPLIANT))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| self.error("Query", e))?;
            for item in out.items.unwrap_or_default() {
                let pk = item
                    .get(schema::PK)
                    .and_then(|v| v.as_s().ok())
                    .cloned()
                    .unwrap_or_default();
                let state: ResourceState =
                    from_item(item).map_err(|e| self.corrupt(&pk, "resource state", e))?;
                if region.is_none_or(|r| r == state.region) {
                    states.push(state);
                }
            }
            start = out.last_evaluated_key.filter(|k| !k.is_empty());
            if start.is_none() {
                break;
            }
        }
        Ok(states)
    }

    async fn changes(
        &self,
        region: &str,
        since: chrono::DateTime<chrono::Utc>,
        until: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<HistoryRecord>, StoreError> {
        let from = since.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        let to = format!("{}~", until.format("%Y-%m-%dT%H:%M:%S%.3fZ"));
        let mut records = Vec::new();
        let mut day = since.date_naive();
        while day <= until.date_naive() {
            let items = self
                .query_items(
                    Some(schema::GSI2),
                    schema::GSI2_PK,
                    &crate::store::records::changes_pk(region, day),
                    schema::GSI2_SK,
                    Some((from.clone(), to.clone())),
                    true,
                    None,
                )
                .await?;
            for item in items {
                records.push(self.decode(item, "history record")?);
            }
            let Some(next) = day.succ_opt() else { break };
            day = next;
        }
        Ok(records)
    }

    async fn history(
        &self,
        key: &ResourceKey,
        limit: Option<i32>,
    ) -> Result<Vec<HistoryRecord>, StoreError> {
        let mut records = Vec::new();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_names("#pk", schema::PK)
                .expression_attribute_names("#sk", schema::SK)
                .expression_attribute_values(":pk", s(&key.pk()))
                .expression_attribute_values(":prefix", s(schema::HISTORY_PREFIX))
                .scan_index_forward(false)
                .set_limit(limit)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| self.error("Query", e))?;
            for item in out.items.unwrap_or_default() {
                let sk = item
                    .get(schema::SK)
                    .and_then(|v| v.as_s().ok())
                    .cloned()
                    .unwrap_or_default();
                records.push(from_item(item).map_err(|e| self.corrupt(&sk, "history record", e))?);
            }
            start = out.last_evaluated_key.filter(|k| !k.is_empty());
            if start.is_none() || limit.is_some_and(|l| records.len() >= l as usize) {
                break;
            }
        }
        Ok(records)
    }
}

/// Creates the table as template.yaml declares it (keys, the indexes of
/// [`schema::INDEXES`] with every attribute projected, on-demand billing, TTL on `ttl`),
/// for the local stack and tests.
/// A test keeps this and the template in step.
pub async fn create_table(client: &Client, table: &str) -> Result<(), StoreError> {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
        Projection, ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
    };
    let build = |source| StoreError::Build {
        table: table.to_owned(),
        source,
    };
    let call = |source: aws_sdk_dynamodb::Error, operation| StoreError::DynamoDb {
        operation,
        table: table.to_owned(),
        source: Box::new(source),
    };
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .map_err(build)
    };
    let key = |name: &str, kind| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
            .map_err(build)
    };
    let mut request = client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute(schema::PK)?)
        .attribute_definitions(attribute(schema::SK)?)
        .key_schema(key(schema::PK, KeyType::Hash)?)
        .key_schema(key(schema::SK, KeyType::Range)?);
    for (name, pk, sk) in schema::INDEXES {
        request = request
            .attribute_definitions(attribute(pk)?)
            .attribute_definitions(attribute(sk)?)
            .global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(name)
                    .key_schema(key(pk, KeyType::Hash)?)
                    .key_schema(key(sk, KeyType::Range)?)
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::All)
                            .build(),
                    )
                    .build()
                    .map_err(build)?,
            );
    }
    request
        .send()
        .await
        .map_err(|e| call(e.into(), "CreateTable"))?;
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .enabled(true)
                .attribute_name(schema::TTL)
                .build()
                .map_err(build)?,
        )
        .send()
        .await
        .map_err(|e| call(e.into(), "UpdateTimeToLive"))?;
    Ok(())
}
