//! Tags of many resources at once: what an account-wide read (`audit`, the fleet-auditor's
//! sweep) gets from the Resource Groups Tagging API instead of one ListTagsForResource per
//! resource. The port is the inventory's `TagCatalog`; the adapter is
//! [`crate::aws::tagging`].
//!
//! A resource the catalog does not return has no tags (the tagging API lists tagged
//! resources only). The single-resource paths (a CloudTrail event) keep
//! ListTagsForResource.

use crate::finding::ResourceType;
use std::collections::{BTreeMap, HashMap};

/// One resource's tags, key to value.
pub type Tags = BTreeMap<String, String>;

/// Every tagged resource of one type: ARN to tags.
pub type TaggedResources = HashMap<String, Tags>;

/// The tagging API's resource type of an AppStream resource type
/// (`ResourceTypeFilters`), for the types that carry tags.
pub fn tagging_type(resource_type: ResourceType) -> Option<&'static str> {
    match resource_type {
        ResourceType::Fleet => Some("appstream:fleet"),
        ResourceType::Stack => Some("appstream:stack"),
        ResourceType::ImageBuilder => Some("appstream:image-builder"),
        ResourceType::Image => Some("appstream:image"),
        ResourceType::Session | ResourceType::Account => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tagged_appstream_type_has_its_filter() {
        assert_eq!(tagging_type(ResourceType::Fleet), Some("appstream:fleet"));
        assert_eq!(tagging_type(ResourceType::Stack), Some("appstream:stack"));
        assert_eq!(
            tagging_type(ResourceType::ImageBuilder),
            Some("appstream:image-builder")
        );
        assert_eq!(tagging_type(ResourceType::Image), Some("appstream:image"));
        assert_eq!(tagging_type(ResourceType::Session), None);
        assert_eq!(tagging_type(ResourceType::Account), None);
    }
}
