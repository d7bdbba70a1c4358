//! The table itself, as template.yaml declares it, for the local stack and tests.

use super::store::{build_error, call_error};
use crate::store::{StoreError, schema};
use aws_sdk_dynamodb::Client;

/// Creates the table as template.yaml declares it (keys, the indexes of
/// [`schema::INDEXES`] with every attribute projected, on-demand billing, TTL on `ttl`),
/// for the local stack and tests.
/// A test keeps this and the template in step.
pub async fn create_table(client: &Client, table: &str) -> Result<(), StoreError> {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
        Projection, ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
    };
    let build = |source| build_error(table, source);
    let call = |source: aws_sdk_dynamodb::Error, operation| call_error(table, operation, source);
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
