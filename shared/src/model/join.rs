//! Joins resources that name each other: a fleet with the image it streams from.

use super::{Attr, Fleet, FleetImage, Image, UnreadReason};
use std::collections::HashMap;

/// Gives each fleet the image it names (by ImageArn, else by ImageName) from `images`:
/// the files of one `check` run, or one region's DescribeImages. A fleet whose image is
/// not among them keeps [`Fleet::image`] unread, so FLEET-IMAGE-OUTDATED is reported
/// unresolved, never passed. A fleet whose image reference is itself unknown (an
/// intrinsic, an update that leaves it unchanged) inherits that reason.
pub fn join_images(fleets: &mut [Fleet], images: &[Image]) {
    let by_arn: HashMap<&str, &Image> = images
        .iter()
        .filter_map(|i| i.arn.as_deref().map(|arn| (arn, i)))
        .collect();
    let by_name: HashMap<&str, &Image> = images.iter().map(|i| (i.name.as_str(), i)).collect();
    for fleet in fleets {
        fleet.image = image_of(fleet, &by_arn, &by_name);
    }
}

fn image_of(
    fleet: &Fleet,
    by_arn: &HashMap<&str, &Image>,
    by_name: &HashMap<&str, &Image>,
) -> Attr<FleetImage> {
    const FIELD: &str = "Image.PublicBaseImageReleasedDate";
    let arn = match fleet.image_arn.get() {
        Ok(arn) => arn,
        Err(unread) => return Attr::unread(FIELD, unread.reason),
    };
    let name = match fleet.image_name.get() {
        Ok(name) => name,
        Err(unread) if arn.is_none() => return Attr::unread(FIELD, unread.reason),
        Err(_) => None,
    };
    let found = arn
        .and_then(|a| by_arn.get(a.as_str()))
        .or_else(|| name.and_then(|n| by_name.get(n.as_str())))
        // An ImageArn of this account's image ends in `image/<name>`.
        .or_else(|| {
            arn.and_then(|a| a.rsplit_once("image/"))
                .and_then(|(_, n)| by_name.get(n))
                .filter(|i| i.arn.is_none())
        });
    match found {
        Some(image) => Attr::Set(FleetImage {
            name: image.name.clone(),
            arn: image.arn.clone(),
            public_base_image_released_date: image.public_base_image_released_date,
        }),
        None => Attr::unread(
            FIELD,
            UnreadReason::NotInInput("this run's inputs (describe-images)"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Source;
    use crate::model::Origin;
    use chrono::{TimeZone, Utc};

    fn image(name: &str, arn: Option<&str>) -> Image {
        let mut image = Image::new(name, Source::default());
        image.arn = arn.map(str::to_owned);
        image.public_base_image_released_date =
            Some(Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap());
        image
    }

    fn fleet(name: Option<&str>, arn: Option<&str>) -> Fleet {
        let mut fleet = Fleet::new("f", Origin::Described, Source::default());
        fleet.image_name = name.map_or(Attr::Absent, |n| Attr::Set(n.to_owned()));
        fleet.image_arn = arn.map_or(Attr::Absent, |a| Attr::Set(a.to_owned()));
        fleet
    }

    #[test]
    fn a_fleet_is_joined_by_arn_first_then_by_name() {
        let arn = "arn:aws:appstream:eu-west-1:111122223333:image/golden";
        let images = [image("golden", Some(arn)), image("other", None)];
        let mut fleets = [
            fleet(Some("other"), Some(arn)),
            fleet(Some("other"), None),
            fleet(
                None,
                Some("arn:aws:appstream:eu-west-1:111122223333:image/other"),
            ),
            fleet(Some("missing"), None),
        ];
        join_images(&mut fleets, &images);
        let names: Vec<Option<&str>> = fleets
            .iter()
            .map(|f| f.image.known().map(|i| i.name.as_str()))
            .collect();
        assert_eq!(names, [Some("golden"), Some("other"), Some("other"), None]);
        let unread = fleets[3].image.get().unwrap_err();
        assert!(unread.to_string().contains("describe-images"), "{unread}");
    }

    #[test]
    fn an_unknown_image_reference_keeps_its_reason() {
        let mut f = fleet(None, None);
        f.image_name = Attr::unread("ImageName", UnreadReason::Intrinsic("!Ref Image".into()));
        join_images(std::slice::from_mut(&mut f), &[image("golden", None)]);
        let unread = f.image.get().unwrap_err();
        assert_eq!(unread.reason, UnreadReason::Intrinsic("!Ref Image".into()));
    }
}
