//! The one-time move of a single-account table (keys without the account) to the
//! account layout (`RES#<account>#<region>#...`): `streamwarden migrate-table`.
//!
//! Every item is read once (Scan, the only one in the product: an operator's one-off
//! command) and each item of the old layout is written again under its new keys, with
//! `account` set, then deleted under its old ones. Items already in the account layout
//! are left alone, so the command is safe to run again, and to resume after a failure.

use super::store::{DynamoStore, Item, s};
use crate::org::is_account_id;
use crate::store::{StoreError, schema};
use aws_sdk_dynamodb::types::AttributeValue;

/// The key prefixes whose next segment is the account in the new layout.
const SCOPED: [&str; 8] = [
    "RES#",
    "SESSION#",
    "FLEET#",
    "INSTANCE#",
    "OPEN#",
    "SNAP#",
    "RECORDER#",
    "CHANGES#",
];

/// A table the functions must not run on yet.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    #[error(
        "table {table} holds findings of the single-account layout (keys without the account): run `streamwarden migrate-table --table {table}` once (docs/organization.md, Upgrading)"
    )]
    OldLayout { table: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a migration did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Migrated {
    /// Items read.
    pub scanned: usize,
    /// Items moved to the account layout.
    pub moved: usize,
}

/// `value` in the account layout, when it is a scoped key of the old one.
fn qualify(value: &str, account: &str) -> Option<String> {
    let prefix = SCOPED.iter().find(|p| value.starts_with(*p))?;
    let rest = &value[prefix.len()..];
    let first = rest.split('#').next().unwrap_or_default();
    (!is_account_id(first)).then(|| format!("{prefix}{account}#{rest}"))
}

/// The item in the account layout, or `None` when it already is (or is not ours).
pub fn migrate_item(item: &Item, account: &str) -> Option<Item> {
    let text = |name: &str| {
        item.get(name)
            .and_then(|v| v.as_s().ok())
            .map(String::as_str)
    };
    let pk = text("PK")?;
    let new_pk = qualify(pk, account)?;
    let mut out = item.clone();
    out.insert("PK".to_owned(), s(&new_pk));
    for name in ["GSI1PK", "GSI2PK", "GSI3PK", "GSI4PK"] {
        if let Some(new) = text(name).and_then(|v| qualify(v, account)) {
            out.insert(name.to_owned(), s(&new));
        }
    }
    // The non-compliance index sorts by `<severity>#<region>#<name>` (waived-only states
    // by `W#<region>#<name>`): now with the account.
    if text("GSI1PK") == Some("NONCOMPLIANT")
        && let Some(sk) = text("GSI1SK")
        && let Some((severity, rest)) = sk.split_once('#')
    {
        out.insert(
            "GSI1SK".to_owned(),
            s(&format!("{severity}#{account}#{rest}")),
        );
    }
    // A history item's changes-by-day sort key ends with its partition key.
    if let Some(sk) = text("GSI2SK")
        && let Some(at) = sk.find("#RES#")
    {
        out.insert("GSI2SK".to_owned(), s(&format!("{}#{new_pk}", &sk[..at])));
    }
    if item.contains_key("region") && !item.contains_key("account") {
        out.insert("account".to_owned(), s(account));
    }
    Some(out)
}

impl DynamoStore {
    /// Whether the table still holds open findings of the single-account layout: a look
    /// at the first entries of the non-compliance index (one small Query, allowed to
    /// every function), made at cold start, so the functions refuse to run on an
    /// un-migrated table instead of opening (and alerting) its findings again under the
    /// new keys.
    pub async fn holds_old_layout(&self) -> Result<bool, StoreError> {
        let page = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(schema::GSI1)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", schema::GSI1_PK)
            .expression_attribute_values(":pk", s(schema::NONCOMPLIANT))
            .limit(25)
            .send()
            .await
            .map_err(|e| self.error("Query", e))?;
        Ok(page.items.unwrap_or_default().iter().any(|item| {
            item.get("PK")
                .and_then(|v| v.as_s().ok())
                .is_some_and(|pk| qualify(pk, "000000000000").is_some())
        }))
    }

    /// Fails when [`Self::holds_old_layout`]: the functions' cold start.
    pub async fn require_account_layout(&self) -> Result<(), LayoutError> {
        if self.holds_old_layout().await? {
            return Err(LayoutError::OldLayout {
                table: self.table.clone(),
            });
        }
        Ok(())
    }

    /// Moves every item of the single-account layout to `account`'s keys.
    pub async fn migrate_to_account_layout(&self, account: &str) -> Result<Migrated, StoreError> {
        let mut done = Migrated::default();
        let mut start: Option<Item> = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(&self.table)
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| self.error("Scan", e))?;
            for item in page.items.unwrap_or_default() {
                done.scanned += 1;
                let Some(moved) = migrate_item(&item, account) else {
                    continue;
                };
                self.client
                    .put_item()
                    .table_name(&self.table)
                    .set_item(Some(moved))
                    .send()
                    .await
                    .map_err(|e| self.error("PutItem", e))?;
                let key = ["PK", "SK"]
                    .into_iter()
                    .filter_map(|k| item.get(k).map(|v| (k.to_owned(), v.clone())))
                    .collect::<std::collections::HashMap<String, AttributeValue>>();
                self.client
                    .delete_item()
                    .table_name(&self.table)
                    .set_key(Some(key))
                    .send()
                    .await
                    .map_err(|e| self.error("DeleteItem", e))?;
                done.moved += 1;
            }
            match page.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(pairs: &[(&str, &str)]) -> Item {
        pairs.iter().map(|(k, v)| (k.to_string(), s(v))).collect()
    }

    #[test]
    fn old_keys_get_the_account_and_new_ones_are_left_alone() {
        let state = item(&[
            ("PK", "RES#eu-west-1#fleet#kiosk"),
            ("SK", "STATE"),
            ("region", "eu-west-1"),
            ("GSI1PK", "NONCOMPLIANT"),
            ("GSI1SK", "0#eu-west-1#kiosk"),
        ]);
        let moved = migrate_item(&state, "123456789012").unwrap();
        let get = |i: &Item, k: &str| i[k].as_s().unwrap().clone();
        assert_eq!(get(&moved, "PK"), "RES#123456789012#eu-west-1#fleet#kiosk");
        assert_eq!(get(&moved, "GSI1SK"), "0#123456789012#eu-west-1#kiosk");
        assert_eq!(get(&moved, "account"), "123456789012");
        assert_eq!(migrate_item(&moved, "123456789012"), None, "idempotent");

        let history = item(&[
            ("PK", "RES#eu-west-1#fleet#kiosk"),
            ("SK", "HIST#2026-11-27T09:00:00.000Z#e-1#FLEET-X"),
            ("GSI2PK", "CHANGES#eu-west-1#2026-11-27"),
            (
                "GSI2SK",
                "2026-11-27T09:00:00.000Z#e-1#FLEET-X#RES#eu-west-1#fleet#kiosk",
            ),
        ]);
        let moved = migrate_item(&history, "123456789012").unwrap();
        assert_eq!(
            get(&moved, "GSI2PK"),
            "CHANGES#123456789012#eu-west-1#2026-11-27"
        );
        assert_eq!(
            get(&moved, "GSI2SK"),
            "2026-11-27T09:00:00.000Z#e-1#FLEET-X#RES#123456789012#eu-west-1#fleet#kiosk"
        );
        let session = item(&[
            ("PK", "SESSION#us-east-1#s-1"),
            ("SK", "SESSION"),
            ("region", "us-east-1"),
            ("GSI1PK", "FLEET#us-east-1#desk"),
            ("GSI2PK", "USER#alice@example.com"),
            ("GSI4PK", "OPEN#us-east-1#desk"),
        ]);
        let moved = migrate_item(&session, "111111111111").unwrap();
        assert_eq!(get(&moved, "GSI1PK"), "FLEET#111111111111#us-east-1#desk");
        assert_eq!(get(&moved, "GSI2PK"), "USER#alice@example.com");
        assert_eq!(get(&moved, "GSI4PK"), "OPEN#111111111111#us-east-1#desk");
        assert_eq!(
            migrate_item(&item(&[("PK", "OTHER#x"), ("SK", "y")]), "1"),
            None
        );
    }
}
