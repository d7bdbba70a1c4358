//! An image, and what a fleet needs to know of the image it streams from.

use super::{Attr, ResourceError, UnreadReason};
use crate::finding::Source;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// One account an image is shared with (DescribeImagePermissions'
/// `SharedImagePermissionsList`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedWith {
    pub account_id: String,
    pub allow_fleet: Option<bool>,
    pub allow_image_builder: Option<bool>,
}

/// An image, from DescribeImages output (joined with DescribeImagePermissions).
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    pub name: String,
    pub source: Source,
    pub arn: Option<String>,
    /// `PRIVATE` (this account's), `PUBLIC` (AWS base images) or `SHARED` (shared with
    /// this account by another). Only PRIVATE images are judged by the image rules.
    pub visibility: Option<String>,
    pub state: Option<String>,
    pub platform: Option<String>,
    pub created_time: Option<DateTime<Utc>>,
    /// When AWS released the base image this image was made from.
    pub public_base_image_released_date: Option<DateTime<Utc>>,
    /// `TRUE` or `FALSE`, as the API spells it (anything else is not understood).
    pub latest_appstream_agent_version: Attr<String>,
    /// `TRUE` or `FALSE`, as the API spells it (anything else is not understood).
    pub image_shared_with_others: Attr<String>,
    /// The accounts DescribeImagePermissions lists; unread where it was not called.
    pub shared_with: Attr<Vec<SharedWith>>,
    pub errors: Vec<ResourceError>,
    pub tags: Attr<BTreeMap<String, String>>,
}

impl Image {
    pub fn new(name: impl Into<String>, source: Source) -> Self {
        Image {
            name: name.into(),
            source,
            arn: None,
            visibility: None,
            state: None,
            platform: None,
            created_time: None,
            public_base_image_released_date: None,
            latest_appstream_agent_version: Attr::Absent,
            image_shared_with_others: Attr::Absent,
            shared_with: Attr::unread(
                "SharedImagePermissionsList",
                UnreadReason::NotInInput("this run's inputs (describe-image-permissions)"),
            ),
            errors: Vec::new(),
            tags: Attr::Absent,
        }
    }

    /// Whether this account owns the image (the image rules judge only these). An image
    /// without a Visibility (a test fixture, an old output) counts as owned.
    pub fn is_owned(&self) -> bool {
        self.visibility.as_deref().is_none_or(|v| v == "PRIVATE")
    }
}

/// What a fleet knows of its image once joined with DescribeImages (see
/// [`super::join_images`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetImage {
    pub name: String,
    pub arn: Option<String>,
    pub public_base_image_released_date: Option<DateTime<Utc>>,
}
