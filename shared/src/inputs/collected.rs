//! The resources of every file one `check` run reads, gathered before any is evaluated,
//! so resources that name each other across files are joined: a fleet in one file with
//! its image in another, an image with its DescribeImagePermissions output.

use super::{Document, ImagePermissions};
use crate::model::{Account, Attr, Fleet, Image, ImageBuilder, Stack, join_images};

/// One inventory: the resources of many documents (their errors and notes are reported
/// as each document is read).
#[derive(Debug, Default)]
pub struct Collected {
    pub fleets: Vec<Fleet>,
    pub stacks: Vec<Stack>,
    pub builders: Vec<ImageBuilder>,
    pub images: Vec<Image>,
    pub image_permissions: Vec<ImagePermissions>,
    pub accounts: Vec<Account>,
    pub sessions: usize,
}

impl Collected {
    /// Takes a document's resources (sessions are only counted: `check` has no session
    /// rule to run on them).
    pub fn add(&mut self, doc: Document) {
        self.fleets.extend(doc.fleets);
        self.stacks.extend(doc.stacks);
        self.builders.extend(doc.builders);
        self.images.extend(doc.images);
        self.image_permissions.extend(doc.image_permissions);
        self.accounts.extend(doc.accounts);
        self.sessions += doc.sessions.len();
    }

    /// Joins what names what: each image gets the accounts DescribeImagePermissions
    /// lists for its name (every image of that name, when several files hold one), then
    /// each fleet its image ([`join_images`]).
    pub fn join(&mut self) {
        for permissions in &self.image_permissions {
            for image in self
                .images
                .iter_mut()
                .filter(|i| i.name == permissions.image)
            {
                image.shared_with = Attr::Set(permissions.shared_with.clone());
            }
        }
        join_images(&mut self.fleets, &self.images);
    }
}
