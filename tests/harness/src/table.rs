//! The DynamoDB table as `template.yaml` declares it, made on moto.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use serde_norway::Value;

use crate::repo_root;

/// Creates table `name` with the billing mode, keys, global secondary indexes and TTL of
/// the one `AWS::DynamoDB::Table` in `template.yaml`, so tests run against the schema a
/// deployment gets. What moto has no use for (point-in-time recovery, encryption,
/// deletion protection) is left out.
///
/// # Panics
/// When the template has no single table with those properties as literals, or a call
/// fails; the message names the property or the operation.
pub async fn create_table(client: &aws_sdk_dynamodb::Client, name: &str) {
    let table = template_table();
    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::from(text(&table["BillingMode"])))
        .set_key_schema(Some(key_schema(&table["KeySchema"])));
    for attribute in list(&table["AttributeDefinitions"]) {
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(text(&attribute["AttributeName"]))
                .attribute_type(ScalarAttributeType::from(text(&attribute["AttributeType"])))
                .build()
                .unwrap_or_else(|e| panic!("template.yaml table: {e}")),
        );
    }
    for index in list(&table["GlobalSecondaryIndexes"]) {
        let projection = &index["Projection"];
        let non_key = projection["NonKeyAttributes"]
            .as_sequence()
            .map(|names| names.iter().map(|n| text(n).to_owned()).collect());
        request = request.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(text(&index["IndexName"]))
                .set_key_schema(Some(key_schema(&index["KeySchema"])))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::from(text(&projection["ProjectionType"])))
                        .set_non_key_attributes(non_key)
                        .build(),
                )
                .build()
                .unwrap_or_else(|e| panic!("template.yaml table: {e}")),
        );
    }
    request
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateTable {name} (from template.yaml) failed: {e:?}"));

    let ttl = &table["TimeToLiveSpecification"];
    if ttl["Enabled"].as_bool() == Some(true) {
        let spec = TimeToLiveSpecification::builder()
            .attribute_name(text(&ttl["AttributeName"]))
            .enabled(true)
            .build()
            .unwrap_or_else(|e| panic!("template.yaml table: {e}"));
        client
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(spec)
            .send()
            .await
            .unwrap_or_else(|e| panic!("UpdateTimeToLive {name} failed: {e:?}"));
    }
}

fn text(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("template.yaml table: {value:?} is not a literal string"))
}

fn list(value: &Value) -> &[Value] {
    value.as_sequence().map_or(&[], Vec::as_slice)
}

fn key_schema(keys: &Value) -> Vec<KeySchemaElement> {
    list(keys)
        .iter()
        .map(|k| {
            KeySchemaElement::builder()
                .attribute_name(text(&k["AttributeName"]))
                .key_type(KeyType::from(text(&k["KeyType"])))
                .build()
                .unwrap_or_else(|e| panic!("template.yaml table: {e}"))
        })
        .collect()
}

/// The `Properties` of the template's only `AWS::DynamoDB::Table`.
fn template_table() -> Value {
    let path = repo_root().join("template.yaml");
    let template: Value = std::fs::read_to_string(&path)
        .map_err(|e| e.to_string())
        .and_then(|text| serde_norway::from_str(&text).map_err(|e| e.to_string()))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let tables: Vec<&Value> = template["Resources"]
        .as_mapping()
        .into_iter()
        .flat_map(|resources| resources.values())
        .filter(|r| r["Type"].as_str() == Some("AWS::DynamoDB::Table"))
        .collect();
    match tables.as_slice() {
        [table] => table["Properties"].clone(),
        _ => panic!(
            "{}: {} DynamoDB tables, not one",
            path.display(),
            tables.len()
        ),
    }
}
