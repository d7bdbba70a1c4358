//! The DynamoDB table as `template.yaml` declares it, made on moto.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use serde_norway::Value;

use crate::repo_root;

/// Creates table `name` with the billing mode, keys, global secondary indexes and TTL of
/// the one `AWS::DynamoDB::Table` in `template.yaml`: the table a deployment gets, so
/// tests run against the schema users run. Properties moto has no use for (point-in-time
/// recovery, encryption, deletion protection) are left out.
///
/// # Panics
/// When the template cannot be read or has no single table with those properties as
/// literals, or when a call fails; the message names the property or the operation.
pub async fn create_table(client: &aws_sdk_dynamodb::Client, name: &str) {
    let properties = template_table();
    let text = |value: &Value, what: &str| -> String {
        value
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("template.yaml table: {what} is not a literal string"))
    };
    let list =
        |key: &str| -> Vec<Value> { properties[key].as_sequence().cloned().unwrap_or_default() };
    let key_schema = |keys: &Value, what: &str| -> Vec<KeySchemaElement> {
        let keys = keys
            .as_sequence()
            .unwrap_or_else(|| panic!("template.yaml table: {what}.KeySchema is not a list"));
        keys.iter()
            .map(|k| {
                KeySchemaElement::builder()
                    .attribute_name(text(&k["AttributeName"], "KeySchema AttributeName"))
                    .key_type(KeyType::from(text(&k["KeyType"], "KeyType").as_str()))
                    .build()
                    .unwrap_or_else(|e| panic!("template.yaml table: {what}.KeySchema: {e}"))
            })
            .collect()
    };

    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::from(
            text(&properties["BillingMode"], "BillingMode").as_str(),
        ))
        .set_key_schema(Some(key_schema(&properties["KeySchema"], "Table")));
    for attribute in list("AttributeDefinitions") {
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(text(&attribute["AttributeName"], "AttributeName"))
                .attribute_type(ScalarAttributeType::from(
                    text(&attribute["AttributeType"], "AttributeType").as_str(),
                ))
                .build()
                .unwrap_or_else(|e| panic!("template.yaml table: AttributeDefinitions: {e}")),
        );
    }
    for index in list("GlobalSecondaryIndexes") {
        let index_name = text(&index["IndexName"], "IndexName");
        let projection = &index["Projection"];
        let non_key = projection["NonKeyAttributes"]
            .as_sequence()
            .map(|names| names.iter().map(|n| text(n, "NonKeyAttributes")).collect());
        request = request.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(&index_name)
                .set_key_schema(Some(key_schema(&index["KeySchema"], &index_name)))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::from(
                            text(&projection["ProjectionType"], "ProjectionType").as_str(),
                        ))
                        .set_non_key_attributes(non_key)
                        .build(),
                )
                .build()
                .unwrap_or_else(|e| panic!("template.yaml table: index {index_name}: {e}")),
        );
    }
    request
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateTable {name} (from template.yaml) failed: {e:?}"));

    let ttl = &properties["TimeToLiveSpecification"];
    if ttl["Enabled"].as_bool() == Some(true) {
        let spec = TimeToLiveSpecification::builder()
            .attribute_name(text(&ttl["AttributeName"], "TimeToLiveSpecification"))
            .enabled(true)
            .build()
            .unwrap_or_else(|e| panic!("template.yaml table: TimeToLiveSpecification: {e}"));
        client
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(spec)
            .send()
            .await
            .unwrap_or_else(|e| panic!("UpdateTimeToLive {name} failed: {e:?}"));
    }
}

/// The `Properties` of the template's only `AWS::DynamoDB::Table`.
fn template_table() -> Value {
    let path = repo_root().join("template.yaml");
    let source = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("could not read {}: {e}", path.display()));
    let template: Value = serde_norway::from_str(&source)
        .unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()));
    let tables: Vec<&Value> = template["Resources"]
        .as_mapping()
        .into_iter()
        .flat_map(|resources| resources.values())
        .filter(|r| r["Type"].as_str() == Some("AWS::DynamoDB::Table"))
        .collect();
    match tables.as_slice() {
        [table] => table["Properties"].clone(),
        _ => panic!(
            "{} has {} AWS::DynamoDB::Table resources; the harness expects one",
            path.display(),
            tables.len()
        ),
    }
}
