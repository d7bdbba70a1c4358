//! Resource Groups Tagging adapter: the tags of every AppStream resource of a type in
//! pages (GetResources with `ResourceTypeFilters`, 100 per page, all pages) behind
//! [`crate::inventory::TagCatalog`]. Retries (throttling, 5xx) are the SDK's, tuned like
//! AppStream's in [`super::clients`].
//!
//! No `TagFilters`: a waiver tag and `required_tags` need every tag of a resource, so a
//! filter would not give the same answer.

use super::appstream::port_error;
use crate::finding::ResourceType;
use crate::inventory::AppStreamError;
use crate::tags::{TaggedResources, tagging_type};
use aws_sdk_resourcegroupstagging::Client;
use tracing::debug;

/// GetResources' largest page.
const RESOURCES_PER_PAGE: i32 = 100;

/// The tagging API of one region.
#[derive(Clone, Debug)]
pub struct ResourceTagging {
    client: Client,
}

impl ResourceTagging {
    pub fn new(client: Client) -> Self {
        ResourceTagging { client }
    }

    /// Every tagged resource of `resource_type`, all pages (none for a type that carries
    /// no tags).
    pub async fn tagged(
        &self,
        resource_type: ResourceType,
    ) -> Result<TaggedResources, AppStreamError> {
        let Some(filter) = tagging_type(resource_type) else {
            return Ok(TaggedResources::new());
        };
        let mut tagged = TaggedResources::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .client
                .get_resources()
                .resource_type_filters(filter)
                .resources_per_page(RESOURCES_PER_PAGE)
                .set_pagination_token(token)
                .send()
                .await
                .map_err(|e| call_error(filter, e))?;
            for mapping in page.resource_tag_mapping_list() {
                if let Some(arn) = mapping.resource_arn() {
                    let tags = mapping
                        .tags()
                        .iter()
                        .map(|t| (t.key().to_owned(), t.value().to_owned()))
                        .collect();
                    tagged.insert(arn.to_owned(), tags);
                }
            }
            token = page.pagination_token.filter(|t| !t.is_empty());
            if token.is_none() {
                debug!(filter, count = tagged.len(), "read tags in pages");
                return Ok(tagged);
            }
        }
    }
}

fn call_error(
    filter: &str,
    source: impl Into<aws_sdk_resourcegroupstagging::Error>,
) -> AppStreamError {
    port_error("GetResources", Some(filter), source.into())
}
