//! Images: the base OS a fleet streams from, and the images this account owns (who they
//! are shared with, which agent they pin).

use super::{PASS, fail, listed, not_understood};
use crate::finding::Severity;
use crate::model::{Fleet, Image, Unread, UnreadReason};
use crate::policy::{Check, Outcome, Policy, Rule};
use chrono::{DateTime, Duration, Utc};

/// The values of ImageSharedWithOthers and LatestAppstreamAgentVersion.
const TRUE_FALSE: &[&str] = &["TRUE", "FALSE"];

pub const FLEET_IMAGE_OUTDATED: Rule = Rule {
    id: "FLEET-IMAGE-OUTDATED",
    severity: Severity::Medium,
    title: "Fleet streams from an old base image",
    fails_when: "the fleet's image (joined by ImageArn or ImageName with DescribeImages) has a PublicBaseImageReleasedDate older than the limit: users stream from an unpatched base OS. Unresolved where the image was not read",
    default: "max_base_image_age_days = 120",
    remediation: "Build a new image from a current AWS base image (an image builder, or CreateUpdatedImage for managed updates), then point the fleet at it (UpdateFleet --image-name ...).",
    check: Check::FleetAt(image_outdated),
};

fn image_outdated(policy: &Policy, fleet: &Fleet, now: DateTime<Utc>) -> Outcome {
    const FIELD: &str = "Image.PublicBaseImageReleasedDate";
    // Joined or not, a fleet's image is never passed unseen. Where the fleet's own image
    // reference is unknown (an intrinsic, an update that leaves it unchanged), that is the
    // reason, as join_images would give it.
    let image = fleet.image.get().map_err(|unread| {
        let reference = match fleet.image_arn.get() {
            Err(arn) => Some(arn),
            Ok(None) => fleet.image_name.get().err(),
            Ok(Some(_)) => None,
        };
        reference.map_or(unread, |r| Unread {
            field: FIELD,
            reason: r.reason,
        })
    })?;
    let Some(image) = image else {
        return Err(Unread {
            field: FIELD,
            reason: UnreadReason::NotInInput("this run's inputs (describe-images)"),
        });
    };
    let Some(released) = image.public_base_image_released_date else {
        return Err(Unread {
            field: FIELD,
            reason: UnreadReason::NotInInput(
                "the image's DescribeImages entry (it gives no base image release date)",
            ),
        });
    };
    let limit = policy.fleet.max_base_image_age_days;
    if now - released > Duration::days(i64::from(limit)) {
        return fail(format!(
            "image {} was made from a base image AWS released on {} ({} days ago); the policy allows {limit} days",
            image.name,
            released.format("%Y-%m-%d"),
            (now - released).num_days()
        ));
    }
    PASS
}

pub const IMAGE_SHARED_EXTERNALLY: Rule = Rule {
    id: "IMAGE-SHARED-EXTERNALLY",
    severity: Severity::High,
    title: "Image is shared with other accounts",
    fails_when: "DescribeImagePermissions lists an account that is not in the policy's list (the image, with its installed software and licences, can be launched elsewhere); where the permissions were not read, ImageSharedWithOthers = TRUE alone fails and the message says the accounts are unknown",
    default: "allowed_share_accounts = []",
    remediation: "Stop sharing the image with each account named (DeleteImagePermissions --name <image> --shared-account-id <account>), or add the account to image.allowed_share_accounts if the sharing is intended.",
    check: Check::Image(shared_externally),
};

fn shared_externally(policy: &Policy, image: &Image) -> Outcome {
    let allowed = &policy.image.allowed_share_accounts;
    let unread = match image.shared_with.get() {
        Ok(Some(shared)) => {
            let outside: Vec<String> = shared
                .iter()
                .filter(|s| !allowed.contains(&s.account_id))
                .map(|s| s.account_id.clone())
                .collect();
            if outside.is_empty() {
                return PASS;
            }
            return fail(format!(
                "DescribeImagePermissions shares the image with {}; the policy allows {}",
                outside.join(", "),
                listed(allowed)
            ));
        }
        Ok(None) => Unread {
            field: "SharedImagePermissionsList",
            reason: UnreadReason::NotInInput("this run's inputs (describe-image-permissions)"),
        },
        Err(unread) => unread,
    };
    match image.image_shared_with_others.get()?.map(String::as_str) {
        None => Err(unread),
        Some("FALSE") => PASS,
        Some("TRUE") => fail(
            "ImageSharedWithOthers is TRUE: shared with other accounts; which ones is unknown: the image's permissions were not read",
        ),
        Some(other) => fail(not_understood("ImageSharedWithOthers", other, TRUE_FALSE)),
    }
}

pub const IMAGE_AGENT_NOT_LATEST: Rule = Rule {
    id: "IMAGE-AGENT-NOT-LATEST",
    severity: Severity::Low,
    title: "Image does not use the latest AppStream agent",
    fails_when: "LatestAppstreamAgentVersion is FALSE (the image pins an older agent; DisableIMDSV1 needs an agent released on or after 2024-01-16)",
    default: "always on",
    remediation: "Make the image again with the latest AppStream agent (CreateUpdatedImage --existing-image-name <image> --new-image-name ..., or an image builder created with --appstream-agent-version LATEST), then move fleets to the new image.",
    check: Check::Image(agent_not_latest),
};

fn agent_not_latest(_: &Policy, image: &Image) -> Outcome {
    match image
        .latest_appstream_agent_version
        .get()?
        .map(String::as_str)
    {
        None => Err(Unread {
            field: "LatestAppstreamAgentVersion",
            reason: UnreadReason::NotInInput("the image's DescribeImages entry"),
        }),
        Some("TRUE") => PASS,
        Some("FALSE") => {
            fail("LatestAppstreamAgentVersion is FALSE: the image pins an older AppStream agent")
        }
        Some(other) => fail(not_understood(
            "LatestAppstreamAgentVersion",
            other,
            TRUE_FALSE,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Source;
    use crate::model::{Attr, FleetImage, SharedWith, join_images};
    use crate::policy::rules::testing::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap()
    }

    fn image() -> Image {
        Image::new("golden", Source::default())
    }

    fn fleet_on(released: Option<DateTime<Utc>>) -> Fleet {
        let mut f = described(json!({"ImageName": "golden"}));
        f.image = Attr::Set(FleetImage {
            name: "golden".into(),
            arn: None,
            public_base_image_released_date: released,
        });
        f
    }

    #[test]
    fn a_base_image_older_than_the_limit_fails_and_the_limit_itself_complies() {
        let p = Policy::builtin();
        for (released, expected) in [
            (Some(now() - Duration::days(120)), Some(false)),
            (
                Some(now() - Duration::days(120) - Duration::seconds(1)),
                Some(true),
            ),
            (Some(now() - Duration::days(3)), Some(false)),
            (Some(now() - Duration::days(400)), Some(true)),
            (None, None),
        ] {
            assert_eq!(
                fails_at(&FLEET_IMAGE_OUTDATED, &p, &fleet_on(released), now()),
                expected,
                "{released:?}"
            );
        }
        let relaxed = policy("[fleet]\nmax_base_image_age_days = 400\n");
        let old = fleet_on(Some(now() - Duration::days(400)));
        assert_eq!(
            fails_at(&FLEET_IMAGE_OUTDATED, &relaxed, &old, now()),
            Some(false)
        );
        let text = message(image_outdated(&p, &old, now()));
        assert!(
            text.contains("golden") && text.contains("400 days ago"),
            "{text}"
        );
    }

    #[test]
    fn a_fleet_whose_image_was_not_read_is_unresolved_never_passed() {
        let p = Policy::builtin();
        let unjoined = described(json!({"ImageName": "golden"}));
        assert_eq!(fails_at(&FLEET_IMAGE_OUTDATED, &p, &unjoined, now()), None);
        let mut absent = unjoined.clone();
        absent.image = Attr::Absent;
        assert_eq!(fails_at(&FLEET_IMAGE_OUTDATED, &p, &absent, now()), None);
        let template = fleet(
            crate::model::Origin::Template,
            json!({"ImageName": {"Ref": "Image"}}),
        );
        let unread = image_outdated(&p, &template, now()).unwrap_err();
        assert!(
            unread.to_string().contains("is unresolved (!Ref Image)"),
            "{unread}"
        );
        let mut update = Fleet::new("f", crate::model::Origin::UpdateRequest, Source::default());
        update.image_name = Attr::unread("ImageName", UnreadReason::NotInRequest);
        update.image_arn = Attr::unread("ImageArn", UnreadReason::NotInRequest);
        let unread = image_outdated(&p, &update, now()).unwrap_err();
        assert_eq!(unread.reason, UnreadReason::NotInRequest);
        let no_date = image_outdated(&p, &fleet_on(None), now()).unwrap_err();
        assert!(
            no_date.to_string().contains("no base image release date"),
            "{no_date}"
        );
    }

    #[test]
    fn a_fleet_joined_with_its_image_is_judged() {
        let mut fleets = vec![described(json!({"ImageName": "golden"}))];
        let mut golden = image();
        golden.public_base_image_released_date = Some(now() - Duration::days(200));
        join_images(&mut fleets, &[golden]);
        assert_eq!(
            fails_at(&FLEET_IMAGE_OUTDATED, &Policy::builtin(), &fleets[0], now()),
            Some(true)
        );
    }

    fn shared(accounts: &[&str]) -> Attr<Vec<SharedWith>> {
        Attr::Set(
            accounts
                .iter()
                .map(|a| SharedWith {
                    account_id: (*a).to_owned(),
                    allow_fleet: Some(true),
                    allow_image_builder: Some(false),
                })
                .collect(),
        )
    }

    #[test]
    fn known_permissions_fail_for_accounts_outside_the_policy_and_name_them() {
        let p = Policy::builtin();
        let allowing = policy("[image]\nallowed_share_accounts = [\"111122223333\"]\n");
        for (with, policy, expected) in [
            (shared(&[]), &p, Some(false)),
            (shared(&["111122223333"]), &p, Some(true)),
            (shared(&["111122223333"]), &allowing, Some(false)),
            (
                shared(&["111122223333", "444455556666"]),
                &allowing,
                Some(true),
            ),
        ] {
            let mut i = image();
            i.shared_with = with.clone();
            // Known permissions decide, whatever ImageSharedWithOthers says.
            i.image_shared_with_others = Attr::Set("FALSE".into());
            assert_eq!(
                image_fails(&IMAGE_SHARED_EXTERNALLY, policy, &i),
                expected,
                "{with:?}"
            );
        }
        let mut i = image();
        i.shared_with = shared(&["111122223333", "444455556666"]);
        assert_eq!(
            message(shared_externally(&allowing, &i)),
            "DescribeImagePermissions shares the image with 444455556666; the policy allows 111122223333"
        );
    }

    #[test]
    fn unread_permissions_fall_back_on_image_shared_with_others() {
        let p = Policy::builtin();
        for (flag, expected) in [
            (Attr::Set("TRUE".to_owned()), Some(true)),
            (Attr::Set("FALSE".to_owned()), Some(false)),
            (Attr::Absent, None),
            (Attr::Set("MAYBE".to_owned()), Some(true)),
        ] {
            let mut i = image();
            i.image_shared_with_others = flag.clone();
            assert_eq!(
                image_fails(&IMAGE_SHARED_EXTERNALLY, &p, &i),
                expected,
                "{flag:?}"
            );
        }
        let mut i = image();
        i.image_shared_with_others = Attr::Set("TRUE".into());
        assert!(message(shared_externally(&p, &i)).contains("which ones is unknown"));
        i.image_shared_with_others = Attr::Set("MAYBE".into());
        assert!(message(shared_externally(&p, &i)).contains("not understood"));
        i.image_shared_with_others = Attr::Absent;
        let unread = shared_externally(&p, &i).unwrap_err();
        assert_eq!(unread.field, "SharedImagePermissionsList");
    }

    #[test]
    fn the_agent_version_flag_decides_and_absent_is_unresolved() {
        let p = Policy::builtin();
        for (flag, expected) in [
            (Attr::Set("FALSE".to_owned()), Some(true)),
            (Attr::Set("TRUE".to_owned()), Some(false)),
            (Attr::Absent, None),
            (Attr::Set("true".to_owned()), Some(true)),
        ] {
            let mut i = image();
            i.latest_appstream_agent_version = flag.clone();
            assert_eq!(
                image_fails(&IMAGE_AGENT_NOT_LATEST, &p, &i),
                expected,
                "{flag:?}"
            );
        }
        let mut i = image();
        i.latest_appstream_agent_version = Attr::Set("SOMETIMES".into());
        assert!(message(agent_not_latest(&p, &i)).contains("\"SOMETIMES\" is not understood"));
    }
}
