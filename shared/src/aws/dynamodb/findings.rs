//! The compliance store on DynamoDB: conditional, idempotent writes; Query and GetItem
//! only (see [`crate::store`] for the access patterns).

use super::store::{DynamoStore, s};
use crate::store::{
    Commit, FindingStore, HistoryRecord, ResourceKey, ResourceState, StoreError, Target, schema,
};
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use serde_dynamo::aws_sdk_dynamodb_1::from_item;

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
        self.remove_pending(key, "outbox", alert_id).await
    }

    async fn clear_export(&self, key: &ResourceKey, export_id: &str) -> Result<(), StoreError> {
        self.remove_pending(key, "export", export_id).await
    }

    async fn noncompliant(&self, region: Option<&str>) -> Result<Vec<ResourceState>, StoreError> {
        let items = self
            .query_items(
                Some(schema::GSI1),
                schema::GSI1_PK,
                schema::NONCOMPLIANT,
                schema::GSI1_SK,
                None,
                true,
                None,
            )
            .await?;
        let mut states = Vec::with_capacity(items.len());
        for item in items {
            let state: ResourceState = self.decode(item, "resource state")?;
            if region.is_none_or(|r| r == state.region) {
                states.push(state);
            }
        }
        Ok(states)
    }

    async fn changes(
        &self,
        target: &Target,
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
                    &crate::store::records::changes_pk(target, day),
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
        // Every history sort key starts with the prefix and a time; `~` sorts after both.
        let range = (
            schema::HISTORY_PREFIX.to_owned(),
            format!("{}~", schema::HISTORY_PREFIX),
        );
        let items = self
            .query_items(
                None,
                schema::PK,
                &key.pk(),
                schema::SK,
                Some(range),
                false,
                limit,
            )
            .await?;
        items
            .into_iter()
            .map(|item| self.decode(item, "history record"))
            .collect()
    }
}

impl DynamoStore {
    /// Removes a pending alert or export (`attribute`) if it is still the one given.
    async fn remove_pending(
        &self,
        key: &ResourceKey,
        attribute: &str,
        id: &str,
    ) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(schema::PK, s(&key.pk()))
            .key(schema::SK, s(schema::STATE_SK))
            // `#a`: `export` is a DynamoDB reserved word.
            .update_expression("REMOVE #a")
            .condition_expression("#a.id = :id")
            .expression_attribute_names("#a", attribute)
            .expression_attribute_values(":id", s(id))
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
}
