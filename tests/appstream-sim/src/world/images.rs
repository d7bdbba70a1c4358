//! Image builders and images: DescribeImages' filters, shared-image permissions and the
//! `ImageSharedWithOthers` they imply.

use serde_json::{Value, json};

use super::{
    Kind, Object, World, max_results, optional_string, paginate, required_string, str_of,
    string_list, with_token,
};
use crate::error::SimError;

/// DescribeImages' largest page (`MaxResults` 0 to 25, API reference).
pub(super) const MAX_IMAGES_PER_PAGE: usize = 25;

/// DescribeImagePermissions' largest page (`MaxResults` 0 to 500, API reference).
const MAX_PERMISSIONS_PER_PAGE: i64 = 500;

const VISIBILITIES: [&str; 3] = ["PUBLIC", "PRIVATE", "SHARED"];

/// An image's `Visibility`; a scenario image without one is this account's own.
fn visibility(image: &Object) -> &str {
    str_of(image, "Visibility").unwrap_or("PRIVATE")
}

/// Checks an image object before it joins the account.
pub(super) fn check_image(image: &Object) -> Result<(), SimError> {
    let bad = |message: String| SimError::new(400, "BadRequest", message);
    let name = str_of(image, "Name").unwrap_or_default();
    let seen = visibility(image);
    if !VISIBILITIES.contains(&seen) {
        return Err(bad(format!(
            "image {name}: Visibility must be PUBLIC, PRIVATE or SHARED, not {seen}"
        )));
    }
    if seen == "SHARED" && !image.get("Arn").is_some_and(Value::is_string) {
        return Err(bad(format!(
            "image {name}: a SHARED image belongs to another account; give its Arn"
        )));
    }
    Ok(())
}

impl World {
    /// The ARN of a new image: AWS's public images carry no account ID.
    pub(super) fn image_arn(&self, image: &Object, name: &str) -> String {
        if visibility(image) == "PUBLIC" {
            format!("arn:aws:appstream:{}::image/{name}", self.region)
        } else {
            self.arn(Kind::Image, name)
        }
    }

    /// An image this account owns (`PRIVATE`), or the ResourceNotFoundException the
    /// service answers for any other name.
    pub(super) fn owned_image(&self, name: &str) -> Result<&Object, SimError> {
        self.resource(Kind::Image, name)
            .filter(|i| visibility(i) == "PRIVATE")
            .ok_or_else(|| Kind::Image.not_found(name))
    }

    /// Sets a private image's permissions from the scenario.
    pub(super) fn load_permissions(
        &mut self,
        image: &str,
        permissions: &[Object],
    ) -> Result<(), SimError> {
        if self.owned_image(image).is_err() {
            return Err(SimError::new(
                400,
                "BadRequest",
                format!("ImagePermissions: {image} is not one of this account's PRIVATE images"),
            ));
        }
        self.image_permissions
            .insert(image.to_owned(), permissions.to_vec());
        Ok(())
    }

    /// An image as DescribeImages answers it: with its `Visibility`, and for a private
    /// image an `ImageSharedWithOthers` that follows its permissions.
    fn image_view(&self, image: &Object) -> Value {
        let mut view = image.clone();
        view.entry("Visibility")
            .or_insert_with(|| json!(visibility(image)));
        if visibility(image) == "PRIVATE" {
            let name = str_of(image, "Name").unwrap_or_default();
            let shared = self
                .image_permissions
                .get(name)
                .is_some_and(|p| !p.is_empty());
            view.insert(
                "ImageSharedWithOthers".to_owned(),
                json!(if shared { "TRUE" } else { "FALSE" }),
            );
        }
        Value::Object(view)
    }

    /// DescribeImages: `Names` (public or private images), `Arns` (public, private and
    /// shared images) or every image, narrowed by `Type`. An unknown name or ARN is a
    /// ResourceNotFoundException; `Names` with `Arns` an InvalidParameterCombination.
    pub(super) fn describe_images(
        &self,
        params: &Value,
        page_size: usize,
    ) -> Result<Value, SimError> {
        let page_size = max_results(params, Some(MAX_IMAGES_PER_PAGE as i64))?.unwrap_or(page_size);
        let names = string_list(params, "Names")?.filter(|n| !n.is_empty());
        let arns = string_list(params, "Arns")?.filter(|a| !a.is_empty());
        let wanted = optional_string(params, "Type")?;
        if let Some(t) = &wanted
            && !VISIBILITIES.contains(&t.as_str())
        {
            return Err(SimError::validation(format!(
                "1 validation error detected: Value '{t}' at 'type' failed to satisfy \
                 constraint: Member must satisfy enum value set: [PUBLIC, PRIVATE, SHARED]"
            )));
        }
        let found: Vec<&Object> = match (names, arns) {
            (Some(_), Some(_)) => {
                return Err(SimError::invalid_combination(
                    "Specify either image names or image ARNs, not both.",
                ));
            }
            (Some(names), None) => names
                .iter()
                .map(|name| {
                    self.images
                        .iter()
                        .find(|i| str_of(i, "Name") == Some(name) && visibility(i) != "SHARED")
                        .ok_or_else(|| Kind::Image.not_found(name))
                })
                .collect::<Result<_, _>>()?,
            (None, Some(arns)) => arns
                .iter()
                .map(|arn| {
                    self.images
                        .iter()
                        .find(|i| str_of(i, "Arn") == Some(arn))
                        .ok_or_else(|| Kind::Image.not_found(arn))
                })
                .collect::<Result<_, _>>()?,
            (None, None) => self.images.iter().collect(),
        };
        let items: Vec<Value> = found
            .into_iter()
            .filter(|i| wanted.as_deref().is_none_or(|t| visibility(i) == t))
            .map(|i| self.image_view(i))
            .collect();
        let (page, token) = paginate("DescribeImages", items, page_size, params)?;
        Ok(with_token(json!({ "Images": page }), token))
    }

    /// DescribeImagePermissions: the accounts a private image of this account is shared
    /// with, optionally only those in `SharedAwsAccountIds` (1 to 5 IDs).
    pub(super) fn describe_image_permissions(
        &self,
        params: &Value,
        page_size: usize,
    ) -> Result<Value, SimError> {
        let name = required_string(params, "Name")?;
        let page_size = max_results(params, Some(MAX_PERMISSIONS_PER_PAGE))?.unwrap_or(page_size);
        let accounts = string_list(params, "SharedAwsAccountIds")?;
        if let Some(ids) = &accounts {
            if !(1..=5).contains(&ids.len()) {
                return Err(SimError::validation(format!(
                    "1 validation error detected: Value '{ids:?}' at 'sharedAwsAccountIds' \
                     failed to satisfy constraint: Member must have length between 1 and 5"
                )));
            }
            check_account_ids(ids, "sharedAwsAccountIds")?;
        }
        self.owned_image(&name)?;
        let items: Vec<Value> = self
            .image_permissions
            .get(&name)
            .into_iter()
            .flatten()
            .filter(|p| {
                accounts.as_ref().is_none_or(|ids| {
                    ids.iter()
                        .any(|id| str_of(p, "sharedAccountId") == Some(id.as_str()))
                })
            })
            .cloned()
            .map(Value::Object)
            .collect();
        let (page, token) = paginate("DescribeImagePermissions", items, page_size, params)?;
        Ok(with_token(
            json!({ "Name": name, "SharedImagePermissionsList": page }),
            token,
        ))
    }
}

/// AWS account IDs are digits (`^\d+$` in the model).
pub(super) fn check_account_ids(ids: &[String], member: &str) -> Result<(), SimError> {
    match ids
        .iter()
        .find(|id| id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()))
    {
        Some(id) => Err(SimError::validation(format!(
            "1 validation error detected: Value '{id}' at '{member}' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: ^\\d+$"
        ))),
        None => Ok(()),
    }
}

impl World {
    /// DeleteImage: only this account's images, and never one a fleet streams from
    /// ("You cannot delete an image when it is in use", API reference). The image goes at
    /// once with its permissions and tags; the answer shows it `DELETING`.
    pub(super) fn delete_image(&mut self, params: &Value) -> Result<Value, SimError> {
        let name = required_string(params, "Name")?;
        let image = match self.owned_image(&name) {
            Ok(image) => image.clone(),
            Err(not_found) => {
                return Err(match self.resource(Kind::Image, &name) {
                    Some(_) => SimError::not_permitted(format!(
                        "Image {name} does not belong to this account and cannot be deleted."
                    )),
                    None => not_found,
                });
            }
        };
        let arn = str_of(&image, "Arn").unwrap_or_default();
        if let Some(fleet) = self.fleets.iter().find(|f| {
            str_of(f, "ImageName") == Some(name.as_str()) || str_of(f, "ImageArn") == Some(arn)
        }) {
            return Err(SimError::in_use(format!(
                "Image {name} is in use by fleet {}.",
                str_of(fleet, "Name").unwrap_or_default()
            )));
        }
        let Value::Object(mut view) = self.image_view(&image) else {
            return Err(Kind::Image.not_found(&name));
        };
        self.remove_resource(Kind::Image, &name)?;
        view.insert("State".to_owned(), json!("DELETING"));
        Ok(json!({ "Image": view }))
    }

    /// UpdateImagePermissions: shares one of this account's images with an account, or
    /// changes what that account may do with it.
    pub(super) fn update_image_permissions(&mut self, params: &Value) -> Result<Value, SimError> {
        let name = required_string(params, "Name")?;
        let account = required_string(params, "SharedAccountId")?;
        check_account_ids(std::slice::from_ref(&account), "sharedAccountId")?;
        let permissions = match params.get("ImagePermissions") {
            Some(Value::Object(p)) => p.clone(),
            None | Some(Value::Null) => {
                return Err(SimError::validation(
                    "1 validation error detected: Value null at 'imagePermissions' failed to \
                     satisfy constraint: Member must not be null",
                ));
            }
            Some(_) => {
                return Err(SimError::serialization(
                    "ImagePermissions must be a structure",
                ));
            }
        };
        if let Some((k, _)) = permissions.iter().find(|(_, v)| !v.is_boolean()) {
            return Err(SimError::serialization(format!("{k} must be a boolean")));
        }
        self.owned_image(&name)?;
        let entry = json!({"sharedAccountId": account, "imagePermissions": permissions});
        let Value::Object(entry) = entry else {
            return Ok(json!({}));
        };
        let list = self.image_permissions.entry(name).or_default();
        match list
            .iter_mut()
            .find(|p| str_of(p, "sharedAccountId") == Some(account.as_str()))
        {
            Some(existing) => *existing = entry,
            None => list.push(entry),
        }
        Ok(json!({}))
    }

    /// DeleteImagePermissions: stops sharing one of this account's images with an account.
    pub(super) fn delete_image_permissions(&mut self, params: &Value) -> Result<Value, SimError> {
        let name = required_string(params, "Name")?;
        let account = required_string(params, "SharedAccountId")?;
        check_account_ids(std::slice::from_ref(&account), "sharedAccountId")?;
        self.owned_image(&name)?;
        let list = self.image_permissions.entry(name.clone()).or_default();
        let before = list.len();
        list.retain(|p| str_of(p, "sharedAccountId") != Some(account.as_str()));
        if list.len() == before {
            return Err(SimError::not_found(format!(
                "Image {name} is not shared with account {account}."
            )));
        }
        Ok(json!({}))
    }
}
