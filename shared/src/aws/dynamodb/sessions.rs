//! Session history, capacity snapshots and the recorder's bookkeeping on DynamoDB: Query
//! and GetItem only, BatchWriteItem in batches of 25 with unprocessed items retried.

use super::store::{DynamoStore, EARLIEST, Item, s};
use crate::store::sessions::{
    CapacitySnapshot, LONGEST_SESSION, RecorderState, SessionItem, SessionQuery, SessionRecord,
    SessionStore, SessionsOf, WriteStats, fleet_sessions_pk, instance_pk, key_time, open_pk,
    recorder_pk, snapshot_pk, user_pk,
};
use crate::store::{StoreError, Target, schema};
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use chrono::{DateTime, Utc};
use std::time::Duration;

/// BatchWriteItem's largest batch.
pub const BATCH: usize = 25;
/// Attempts per batch before the unprocessed rest is reported as an error.
const BATCH_ATTEMPTS: u32 = 10;

/// Backoff before retrying unprocessed items: exponential from 50 ms, capped at 5 s,
/// with full jitter (from the clock's nanoseconds: no RNG crate for this).
fn backoff(attempt: u32) -> Duration {
    let cap = 50u64.saturating_mul(1 << attempt.min(7)).min(5_000);
    let nanos = u64::from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0),
    );
    Duration::from_millis(cap / 2 + nanos % (cap / 2 + 1))
}

/// An item's size as DynamoDB counts it: attribute names plus values.
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + value_size(v)).sum()
}

fn value_size(v: &AttributeValue) -> usize {
    match v {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => n.len().div_ceil(2) + 1,
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::L(l) => 3 + l.iter().map(|v| 1 + value_size(v)).sum::<usize>(),
        AttributeValue::M(m) => {
            3 + m
                .iter()
                .map(|(k, v)| 1 + k.len() + value_size(v))
                .sum::<usize>()
        }
        AttributeValue::Ss(l) => l.iter().map(String::len).sum(),
        AttributeValue::Ns(l) => l.iter().map(|n| n.len().div_ceil(2) + 1).sum(),
        AttributeValue::Bs(l) => l.iter().map(|b| b.as_ref().len()).sum(),
        _ => 0,
    }
}

/// Write units for a put: one per KB, for the table and each index holding the item.
pub fn write_units(item: &Item) -> u64 {
    let per_copy = item_size(item).div_ceil(1024).max(1) as u64;
    let indexes = schema::INDEXES
        .iter()
        .filter(|(_, pk, _)| item.contains_key(*pk))
        .count() as u64;
    per_copy * (1 + indexes)
}

impl DynamoStore {
    fn sessions_of(&self, items: Vec<Item>) -> Result<Vec<SessionRecord>, StoreError> {
        items
            .into_iter()
            .map(|item| self.decode(item, "session record"))
            .collect()
    }
}

/// The sort-key range of sessions that may have run in `[since, until]`: started no
/// earlier than the longest session before `since`, and no later than `until`.
fn start_range(query: &SessionQuery) -> Option<(String, String)> {
    if query.since.is_none() && query.until.is_none() {
        return None;
    }
    let from = query
        .since
        .map(|t| key_time(t - LONGEST_SESSION))
        .unwrap_or_else(|| EARLIEST.to_owned());
    // `~` sorts after the `#<session id>` that follows the time.
    let to = query
        .until
        .map(|t| format!("{}~", key_time(t)))
        .unwrap_or_else(|| "~".to_owned());
    Some((from, to))
}

impl SessionStore for DynamoStore {
    async fn recorder_state(&self, target: &Target) -> Result<Option<RecorderState>, StoreError> {
        let out = self
            .client()
            .get_item()
            .table_name(self.table())
            .key(schema::PK, s(&recorder_pk(target)))
            .key(schema::SK, s(schema::STATE_SK))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| self.error("GetItem", e))?;
        out.item
            .map(|item| self.decode(item, "recorder state"))
            .transpose()
    }

    async fn save_recorder_state(&self, state: &RecorderState) -> Result<Option<u64>, StoreError> {
        let item = self.item(state, &state.pk)?;
        let units = write_units(&item);
        let result = self
            .client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk) OR #last < :last")
            .expression_attribute_names("#pk", schema::PK)
            .expression_attribute_names("#last", "last_run")
            // Compared as stored: run times are whole seconds, so text order is time order.
            .expression_attribute_values(":last", s(&key_time(state.last_run)))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Some(units)),
            Err(e) => {
                let e = aws_sdk_dynamodb::Error::from(e);
                if e.code() == Some("ConditionalCheckFailedException") {
                    Ok(None)
                } else {
                    Err(self.error("PutItem", e))
                }
            }
        }
    }

    async fn open_sessions(
        &self,
        target: &Target,
        fleet: &str,
    ) -> Result<Vec<SessionRecord>, StoreError> {
        let items = self
            .query_items(
                Some(schema::GSI4),
                schema::GSI4_PK,
                &open_pk(target, fleet),
                schema::GSI4_SK,
                None,
                true,
                None,
            )
            .await?;
        self.sessions_of(items)
    }

    async fn latest_snapshot(
        &self,
        target: &Target,
        fleet: &str,
        at: Option<DateTime<Utc>>,
    ) -> Result<Option<CapacitySnapshot>, StoreError> {
        let range = at.map(|t| (EARLIEST.to_owned(), key_time(t)));
        let items = self
            .query_items(
                None,
                schema::PK,
                &snapshot_pk(target, fleet),
                schema::SK,
                range,
                false,
                Some(1),
            )
            .await?;
        items
            .into_iter()
            .next()
            .map(|item| self.decode(item, "capacity snapshot"))
            .transpose()
    }

    async fn write(&self, items: &[SessionItem]) -> Result<WriteStats, StoreError> {
        let mut stats = WriteStats::default();
        let mut requests = Vec::with_capacity(items.len());
        for item in items {
            let map = match item {
                SessionItem::Session(r) => self.item(r, &r.pk)?,
                SessionItem::Snapshot(snap) => self.item(snap, &snap.pk)?,
            };
            stats.write_units += write_units(&map);
            let put = PutRequest::builder()
                .set_item(Some(map))
                .build()
                .map_err(|e| self.build_error(e))?;
            requests.push(WriteRequest::builder().put_request(put).build());
        }
        for chunk in requests.chunks(BATCH) {
            let mut pending = chunk.to_vec();
            let mut attempt = 0;
            loop {
                stats.requests += 1;
                let sent = pending.len();
                let out = self
                    .client()
                    .batch_write_item()
                    .request_items(self.table(), pending)
                    .send()
                    .await
                    .map_err(|e| self.error("BatchWriteItem", e))?;
                let unprocessed = out
                    .unprocessed_items
                    .and_then(|mut m| m.remove(self.table()))
                    .unwrap_or_default();
                stats.items += sent - unprocessed.len();
                if unprocessed.is_empty() {
                    break;
                }
                attempt += 1;
                if attempt >= BATCH_ATTEMPTS {
                    return Err(StoreError::Unprocessed {
                        table: self.table().to_owned(),
                        count: unprocessed.len(),
                        attempts: attempt,
                    });
                }
                stats.retried += unprocessed.len();
                tokio::time::sleep(backoff(attempt)).await;
                pending = unprocessed;
            }
        }
        Ok(stats)
    }

    async fn sessions(&self, query: &SessionQuery) -> Result<Vec<SessionRecord>, StoreError> {
        let (index, pk_name, pk, sk_name) = match &query.of {
            SessionsOf::User(user) => (
                schema::GSI2,
                schema::GSI2_PK,
                user_pk(user),
                schema::GSI2_SK,
            ),
            SessionsOf::Fleet { target, fleet } => (
                schema::GSI1,
                schema::GSI1_PK,
                fleet_sessions_pk(target, fleet),
                schema::GSI1_SK,
            ),
            SessionsOf::Instance { target, instance } => (
                schema::GSI3,
                schema::GSI3_PK,
                instance_pk(target, instance),
                schema::GSI3_SK,
            ),
        };
        let items = self
            .query_items(
                Some(index),
                pk_name,
                &pk,
                sk_name,
                start_range(query),
                true,
                None,
            )
            .await?;
        let mut records = self.sessions_of(items)?;
        records.retain(|r| query.overlaps(r));
        Ok(records)
    }

    async fn snapshots(
        &self,
        target: &Target,
        fleet: &str,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Result<Vec<CapacitySnapshot>, StoreError> {
        let mut snapshots = Vec::new();
        if let Some(since) = since
            && let Some(before) = self.latest_snapshot(target, fleet, Some(since)).await?
        {
            snapshots.push(before);
        }
        let from = since.map(key_time).unwrap_or_else(|| EARLIEST.to_owned());
        let to = until.map(key_time).unwrap_or_else(|| "~".to_owned());
        let items = self
            .query_items(
                None,
                schema::PK,
                &snapshot_pk(target, fleet),
                schema::SK,
                Some((from, to)),
                true,
                None,
            )
            .await?;
        for item in items {
            let snapshot: CapacitySnapshot = self.decode(item, "capacity snapshot")?;
            if snapshots.last().is_none_or(|l| l.sk != snapshot.sk) {
                snapshots.push(snapshot);
            }
        }
        Ok(snapshots)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_dynamodb_rules() {
        let mut item = Item::new();
        item.insert("PK".into(), AttributeValue::S("abc".into()));
        item.insert("n".into(), AttributeValue::N("12345".into()));
        assert_eq!(item_size(&item), 2 + 3 + 1 + 4);
        assert_eq!(write_units(&item), 1);
        item.insert("GSI2PK".into(), AttributeValue::S("x".repeat(1500)));
        assert_eq!(write_units(&item), 2 * 2, "2 KB, table plus one index");
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        for attempt in 1..20 {
            let d = backoff(attempt);
            assert!(d <= Duration::from_millis(5_000), "{attempt}: {d:?}");
            assert!(d >= Duration::from_millis(25), "{attempt}: {d:?}");
        }
        assert!(backoff(10) >= Duration::from_millis(2_500));
    }

    #[test]
    fn a_time_range_reaches_back_by_the_longest_session() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let q = SessionQuery {
            of: SessionsOf::User("u".into()),
            since: Some(t("2026-11-10T00:00:00Z")),
            until: Some(t("2026-11-11T00:00:00Z")),
        };
        assert_eq!(
            start_range(&q),
            Some((
                "2026-11-05T00:00:00Z".to_owned(),
                "2026-11-11T00:00:00Z~".to_owned()
            ))
        );
    }
}
